//! The scheduler driver protocol over libprocess, with the messages
//! mesos-go 0.0.6's driver sent in the golden capture: registration,
//! offers with the agents' pids, two tasks launched from one offer and
//! followed to TASK_FINISHED with acknowledgements, a decline as an empty
//! launch, unregistration; a driver whose connection breaks is removed
//! after its failover timeout, and one that fails over in time keeps its
//! framework; another pid takes over only when failing over; drivers speak
//! `mesos.scheduler.Call` too.

mod common;

use common::driver::FakeDriver;
use common::scheduler::fleet;
use common::{golden_body, metric, wait_for_metric};
use proto::mesos::internal::{
    FrameworkErrorMessage, FrameworkRegisteredMessage, LaunchTasksMessage,
    RegisterFrameworkMessage, ReregisterFrameworkMessage, ResourceOffersMessage,
    StatusUpdateAcknowledgementMessage, StatusUpdateMessage, UnregisterFrameworkMessage,
};
use proto::mesos::{FrameworkInfo, TaskState};
use std::collections::BTreeMap;
use std::time::Duration;

const SCENARIO: &str = "s4-v0-driver";

/// Golden `s4-v0-driver` messages by their `seq`.
const REGISTER: u64 = 2;
const LAUNCH: u64 = 6;
const DECLINE: u64 = 71;

fn golden_registration() -> RegisterFrameworkMessage {
    proto::decode(&golden_body(SCENARIO, REGISTER)).unwrap()
}

/// The golden launch of two tasks, on our framework, offer and agent.
fn golden_launch(
    registered: &FrameworkRegisteredMessage,
    offer: &proto::mesos::Offer,
) -> LaunchTasksMessage {
    let mut launch: LaunchTasksMessage = proto::decode(&golden_body(SCENARIO, LAUNCH)).unwrap();
    launch.framework_id = registered.framework_id.clone();
    launch.offer_ids = vec![offer.id.clone()];
    for task in &mut launch.tasks {
        task.slave_id = offer.slave_id.clone();
    }
    launch
}

#[tokio::test]
async fn a_driver_registers_launches_two_tasks_and_unregisters() {
    let master = common::start(&[]).await;
    let (runtime, fleet) = fleet(&master, 1, Some(Duration::from_millis(50))).await;
    let mut driver = FakeDriver::start(&master).await;

    driver.send(&golden_registration());
    let registered: FrameworkRegisteredMessage = driver.expect().await;
    assert_eq!(
        registered.framework_id.value,
        format!("{}-0000", master.info.id)
    );
    assert_eq!(registered.master_info, master.info);

    let offers: ResourceOffersMessage = driver.expect().await;
    assert_eq!(offers.offers.len(), 1);
    assert_eq!(offers.pids, [fleet.agents()[0].to_string()]);
    let offer = &offers.offers[0];
    assert_eq!(offer.id.value, format!("{}-O0", master.info.id));
    assert!(
        offer
            .resources
            .iter()
            .all(|r| r.role() == "*" && r.allocation_info.is_none())
    );

    driver.send(&golden_launch(&registered, offer));
    let mut states: BTreeMap<String, Vec<TaskState>> = BTreeMap::new();
    while states
        .values()
        .filter(|s| s.last() == Some(&TaskState::TaskFinished))
        .count()
        < 2
    {
        let update: StatusUpdateMessage = driver.expect().await;
        assert_eq!(
            update.pid,
            Some(fleet.agents()[0].to_string()),
            "the agent acknowledges"
        );
        let status = &update.update.status;
        states
            .entry(status.task_id.value.clone())
            .or_default()
            .push(status.state());
        driver.send(&StatusUpdateAcknowledgementMessage {
            slave_id: update.update.slave_id.clone().unwrap(),
            framework_id: registered.framework_id.clone(),
            task_id: status.task_id.clone(),
            uuid: update.update.uuid.clone().unwrap(),
        });
    }
    let expected = vec![
        TaskState::TaskStarting,
        TaskState::TaskRunning,
        TaskState::TaskFinished,
    ];
    assert_eq!(
        states.keys().collect::<Vec<_>>(),
        ["go-v0-task-1", "go-v0-task-2"]
    );
    assert!(states.values().all(|s| *s == expected), "{states:?}");
    wait_for_metric(&master, "master/valid_status_update_acknowledgements", 6.0).await;

    // Declines come as launches without tasks.
    let offers: ResourceOffersMessage = driver.expect().await;
    let mut decline: LaunchTasksMessage = proto::decode(&golden_body(SCENARIO, DECLINE)).unwrap();
    decline.framework_id = registered.framework_id.clone();
    decline.offer_ids = vec![offers.offers[0].id.clone()];
    driver.send(&decline);
    wait_for_metric(&master, "master/outstanding_offers", 0.0).await;

    driver.send(&UnregisterFrameworkMessage {
        framework_id: registered.framework_id.clone(),
    });
    wait_for_metric(&master, "master/framework_removals", 1.0).await;
    assert_eq!(metric(&master, "master/frameworks_active"), 0.0);
    assert_eq!(metric(&master, "master/tasks_finished"), 2.0);

    driver.kill().await;
    fleet.stop().await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn a_driver_that_goes_away_is_removed_after_its_failover_timeout() {
    let master = common::start(&[]).await;
    let mut driver = FakeDriver::start(&master).await;
    driver.send(&golden_registration());
    let _: FrameworkRegisteredMessage = driver.expect().await;
    assert_eq!(metric(&master, "master/frameworks_connected"), 1.0);

    // failover_timeout 0: removed as soon as its connection breaks.
    driver.kill().await;
    wait_for_metric(&master, "master/framework_removals", 1.0).await;
    assert_eq!(metric(&master, "master/frameworks_connected"), 0.0);
    assert_eq!(metric(&master, "master/frameworks_disconnected"), 0.0);
}

#[tokio::test]
async fn a_driver_failing_over_in_time_keeps_its_framework() {
    let master = common::start(&[]).await;
    let (runtime, fleet) = fleet(&master, 1, None).await;
    let mut driver = FakeDriver::start(&master).await;
    let mut registration = golden_registration();
    registration.framework.failover_timeout = Some(3600.0);
    driver.send(&registration);
    let registered: FrameworkRegisteredMessage = driver.expect().await;
    let _: ResourceOffersMessage = driver.expect().await;

    driver.kill().await;
    wait_for_metric(&master, "master/frameworks_disconnected", 1.0).await;
    assert_eq!(metric(&master, "master/outstanding_offers"), 0.0);

    let mut successor = FakeDriver::start(&master).await;
    let info = FrameworkInfo {
        id: Some(registered.framework_id.clone()),
        ..registration.framework.clone()
    };
    successor.send(&ReregisterFrameworkMessage {
        framework: info.clone(),
        failover: true,
    });
    let again: FrameworkRegisteredMessage = successor.expect().await;
    assert_eq!(again.framework_id, registered.framework_id);
    let offers: ResourceOffersMessage = successor.expect().await;
    assert_eq!(offers.offers[0].framework_id, registered.framework_id);
    assert_eq!(metric(&master, "master/frameworks_connected"), 1.0);
    assert_eq!(metric(&master, "master/framework_removals"), 0.0);

    // A third instance failing over while the second is connected takes
    // over; the second is told it failed over.
    let mut third = FakeDriver::start(&master).await;
    third.send(&ReregisterFrameworkMessage {
        framework: info,
        failover: true,
    });
    let error: FrameworkErrorMessage = successor.expect().await;
    assert_eq!(error.message, "Framework failed over");
    let _: FrameworkRegisteredMessage = third.expect().await;

    third.kill().await;
    successor.kill().await;
    fleet.stop().await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn a_driver_speaks_scheduler_calls_too() {
    use proto::mesos::scheduler::{Call, call};
    let master = common::start(&[]).await;
    let (runtime, fleet) = fleet(&master, 1, None).await;
    let mut driver = FakeDriver::start(&master).await;
    let subscribe = Call {
        r#type: Some(call::Type::Subscribe as i32),
        subscribe: Some(call::Subscribe {
            framework_info: golden_registration().framework,
            ..call::Subscribe::default()
        }),
        ..Call::default()
    };
    driver.send(&subscribe);
    let registered: FrameworkRegisteredMessage = driver.expect().await;
    let offers: ResourceOffersMessage = driver.expect().await;

    // Calls from another pid are dropped: only the driver's count.
    let mut stranger = FakeDriver::start(&master).await;
    let teardown = Call {
        r#type: Some(call::Type::Teardown as i32),
        framework_id: Some(registered.framework_id.clone()),
        ..Call::default()
    };
    stranger.send(&teardown);
    let decline = Call {
        r#type: Some(call::Type::Decline as i32),
        framework_id: Some(registered.framework_id.clone()),
        decline: Some(call::Decline {
            offer_ids: vec![offers.offers[0].id.clone()],
            filters: None,
        }),
        ..Call::default()
    };
    driver.send(&decline);
    wait_for_metric(&master, "master/messages_decline_offers", 1.0).await;
    assert_eq!(metric(&master, "master/framework_removals"), 0.0);

    driver.send(&teardown);
    wait_for_metric(&master, "master/framework_removals", 1.0).await;

    // A registration naming an id is refused.
    let mut named = golden_registration();
    named.framework.id = Some(registered.framework_id.clone());
    stranger.send(&named);
    let error: FrameworkErrorMessage = stranger.expect().await;
    assert_eq!(error.message, "Registering with 'id' already set");

    stranger.kill().await;
    driver.kill().await;
    fleet.stop().await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn another_driver_takes_over_only_when_failing_over() {
    let master = common::start(&[]).await;
    let mut driver = FakeDriver::start(&master).await;
    let mut registration = golden_registration();
    registration.framework.failover_timeout = Some(3600.0);
    driver.send(&registration);
    let registered: FrameworkRegisteredMessage = driver.expect().await;
    let info = FrameworkInfo {
        id: Some(registered.framework_id.clone()),
        ..registration.framework.clone()
    };

    let mut intruder = FakeDriver::start(&master).await;
    intruder.send(&ReregisterFrameworkMessage {
        framework: info.clone(),
        failover: false,
    });
    let refused: FrameworkErrorMessage = intruder.expect().await;
    assert_eq!(refused.message, "Framework failed over");
    assert_eq!(metric(&master, "master/frameworks_connected"), 1.0);

    // The driver itself reconnecting is told it reregistered.
    driver.send(&ReregisterFrameworkMessage {
        framework: info,
        failover: false,
    });
    let again: proto::mesos::internal::FrameworkReregisteredMessage = driver.expect().await;
    assert_eq!(again.framework_id, registered.framework_id);

    intruder.kill().await;
    driver.kill().await;
}
