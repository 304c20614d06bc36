//! HTTP frameworks failing over: a subscriber whose connection closes is
//! disconnected and may resubscribe within its `failover_timeout`; a new
//! subscription for a connected framework takes over from the old stream,
//! which gets ERROR "Framework failed over" and ends; a framework whose
//! failover timeout passed is removed and may not come back; after a
//! master failover, a framework resubscribing finds the tasks its agents
//! reported when they reregistered.

mod common;

use common::scheduler::Subscription;
use common::{FakeAgent, metric, wait_for_metric};
use serde_json::{Value as Json, json};

fn subscribe_call(name: &str, failover_timeout: f64, id: Option<&str>) -> Json {
    let mut info = json!({"user": "root", "name": name, "failover_timeout": failover_timeout});
    let mut call = json!({"type": "SUBSCRIBE"});
    if let Some(id) = id {
        info["id"] = json!({"value": id});
        call["framework_id"] = json!({"value": id});
    }
    call["subscribe"] = json!({"framework_info": info});
    call
}

#[tokio::test]
async fn a_subscriber_that_goes_away_may_come_back_within_its_failover_timeout() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    let address = master.runtime.address();

    let mut first = Subscription::json(address, &subscribe_call("failover", 3600.0, None)).await;
    let id = first.subscribed_framework_id().await;
    assert_eq!(first.next_event().await["type"], "OFFERS");
    first.close();
    wait_for_metric(&master, "master/frameworks_disconnected", 1.0).await;
    assert_eq!(metric(&master, "master/outstanding_offers"), 0.0);

    let mut second =
        Subscription::json(address, &subscribe_call("failover", 3600.0, Some(&id))).await;
    assert_eq!(second.subscribed_framework_id().await, id);
    assert_eq!(second.next_event().await["type"], "OFFERS", "offered again");
    assert_eq!(metric(&master, "master/frameworks_connected"), 1.0);
    assert_eq!(metric(&master, "master/framework_removals"), 0.0);

    // A third subscription takes over from the connected second one.
    let mut third =
        Subscription::json(address, &subscribe_call("failover", 3600.0, Some(&id))).await;
    let error = second.next_event().await;
    assert_eq!(
        error,
        json!({"type": "ERROR", "error": {"message": "Framework failed over"}})
    );
    assert_eq!(second.next_record().await, None, "the old stream ends");
    assert_eq!(third.subscribed_framework_id().await, id);
}

#[tokio::test]
async fn a_framework_past_its_failover_timeout_is_removed_for_good() {
    let master = common::start(&[]).await;
    let address = master.runtime.address();
    let mut subscription = Subscription::json(address, &subscribe_call("brief", 0.1, None)).await;
    let id = subscription.subscribed_framework_id().await;
    subscription.close();
    wait_for_metric(&master, "master/framework_removals", 1.0).await;
    assert_eq!(metric(&master, "master/frameworks_disconnected"), 0.0);

    let mut late = Subscription::json(address, &subscribe_call("brief", 0.1, Some(&id))).await;
    let error = late.next_json().await;
    assert_eq!(
        error,
        json!({"type": "ERROR", "error": {"message": "Framework has been removed"}})
    );
    assert_eq!(late.next_record().await, None);
}

#[tokio::test]
async fn after_a_master_failover_a_framework_finds_the_tasks_its_agents_brought_back() {
    use proto::mesos::{FrameworkId, FrameworkInfo, Task, TaskId, TaskState};
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let agent_id = format!("{}-S7", master.info.id);
    let framework_id = "framework-of-an-earlier-master-0000";

    // An agent this master never saw reregisters with a running task.
    let mut reregistration = common::golden_reregistration(agent.port(), &agent_id);
    reregistration.frameworks = vec![FrameworkInfo {
        id: Some(FrameworkId {
            value: framework_id.into(),
        }),
        user: "root".into(),
        name: "survivor".into(),
        ..FrameworkInfo::default()
    }];
    reregistration.tasks = vec![Task {
        name: "long-sleep".into(),
        task_id: TaskId {
            value: "long-sleep".into(),
        },
        framework_id: FrameworkId {
            value: framework_id.into(),
        },
        slave_id: reregistration.slave.id.clone().unwrap(),
        state: TaskState::TaskRunning as i32,
        resources: reregistration.slave.resources[..1].to_vec(),
        ..Task::default()
    }];
    agent.send(&reregistration);
    agent
        .expect("mesos.internal.SlaveReregisteredMessage")
        .await;
    wait_for_metric(&master, "master/tasks_running", 1.0).await;

    let address = master.runtime.address();
    let mut subscription = Subscription::json(
        address,
        &subscribe_call("survivor", 3600.0, Some(framework_id)),
    )
    .await;
    assert_eq!(subscription.subscribed_framework_id().await, framework_id);
    let reconcile = json!({
        "type": "RECONCILE",
        "framework_id": {"value": framework_id},
        "reconcile": {"tasks": []}
    });
    let answer = common::scheduler::call(address, &subscription.stream_id(), &reconcile).await;
    assert_eq!(answer.status, 202);
    let update = loop {
        let event = subscription.next_event().await;
        if event["type"] == "UPDATE" {
            break event;
        }
    };
    assert_eq!(update["update"]["status"]["task_id"]["value"], "long-sleep");
    assert_eq!(update["update"]["status"]["state"], "TASK_RUNNING");
    assert_eq!(
        update["update"]["status"]["agent_id"]["value"],
        json!(agent_id)
    );
}
