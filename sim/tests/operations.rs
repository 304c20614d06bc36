//! Offer operations as a Mesos 1.11 agent applies them: an
//! `ApplyOperationMessage` changes the agent's resources at once and is
//! reported `OPERATION_FINISHED`, resent after 10 s, 20 s, ... until
//! acknowledged; the agent's reservations and volumes (from operations or
//! a `CheckpointResourcesMessage`) go to the master in every
//! (re)registration and, with unacknowledged operations, survive a
//! restart on the same work directory.

mod common;

use std::time::Duration;

use common::{Behaviour, FakeMaster, restartable_fleet, runtime};
use mesos_sim::{Fleet, FleetConfig};
use proto::mesos::internal::{
    AcknowledgeOperationStatusMessage, ApplyOperationMessage, CheckpointResourcesMessage,
    ReregisterSlaveMessage, ResourceVersionUuid, UpdateOperationStatusMessage, UpdateSlaveMessage,
};
use proto::mesos::resource::{DiskInfo, ReservationInfo, disk_info, reservation_info};
use proto::mesos::{OperationState, Resource, Uuid, offer, value};
use resources::Resources;

fn reserved_disk(size: f64) -> Resource {
    Resource {
        name: "disk".into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: size }),
        reservations: vec![ReservationInfo {
            r#type: Some(reservation_info::Type::Dynamic as i32),
            role: Some("web".into()),
            principal: Some("ops".into()),
            ..ReservationInfo::default()
        }],
        ..Resource::default()
    }
}

fn volume(size: f64) -> Resource {
    Resource {
        disk: Some(DiskInfo {
            persistence: Some(disk_info::Persistence {
                id: "data".into(),
                principal: Some("ops".into()),
            }),
            volume: Some(proto::mesos::Volume {
                container_path: "data".into(),
                mode: proto::mesos::volume::Mode::Rw as i32,
                ..proto::mesos::Volume::default()
            }),
            ..DiskInfo::default()
        }),
        ..reserved_disk(size)
    }
}

fn reserve(size: f64) -> offer::Operation {
    offer::Operation {
        r#type: Some(offer::operation::Type::Reserve as i32),
        reserve: Some(offer::operation::Reserve {
            resources: vec![reserved_disk(size)],
            source: Vec::new(),
        }),
        ..offer::Operation::default()
    }
}

fn create(size: f64) -> offer::Operation {
    offer::Operation {
        r#type: Some(offer::operation::Type::Create as i32),
        create: Some(offer::operation::Create {
            volumes: vec![volume(size)],
        }),
        ..offer::Operation::default()
    }
}

/// The master's message applying `operation` as the operation `uuid`.
fn apply(operation: offer::Operation, uuid: u8) -> ApplyOperationMessage {
    ApplyOperationMessage {
        framework_id: None,
        operation_info: operation,
        operation_uuid: Uuid {
            value: vec![uuid; 16],
        },
        resource_version_uuid: ResourceVersionUuid::default(),
    }
}

fn acknowledgement(update: &UpdateOperationStatusMessage) -> AcknowledgeOperationStatusMessage {
    AcknowledgeOperationStatusMessage {
        status_uuid: update.status.uuid.clone().expect("the status has a uuid"),
        operation_uuid: update
            .operation_uuid
            .clone()
            .expect("the operation uuid is set"),
        resource_provider_id: None,
    }
}

fn resources(protos: &[Resource]) -> Resources {
    Resources::from_protos(protos).unwrap()
}

/// One registered agent of `config`; its id.
async fn one_agent(
    master: &FakeMaster,
    runtime: &libprocess::Runtime,
    config: FleetConfig,
) -> (Fleet, String) {
    let fleet = Fleet::start(runtime, config, master.detector())
        .await
        .unwrap();
    master.wait_for("UpdateSlaveMessage", 1).await;
    let id = fleet.statuses().await[0].slave_id.clone().unwrap();
    (fleet, id)
}

/// Makes the agent reregister (a ping saying it is disconnected) and
/// returns its `ReregisterSlaveMessage` and the `UpdateSlaveMessage` after it.
async fn reregistration(
    master: &FakeMaster,
    agent: &libprocess::Upid,
) -> (ReregisterSlaveMessage, UpdateSlaveMessage) {
    let before = master.messages("ReregisterSlaveMessage").len();
    let updates = master.messages("UpdateSlaveMessage").len();
    master.ping(agent, false);
    let reregister = master.wait_for("ReregisterSlaveMessage", before + 1).await[before].decode();
    let update = master.wait_for("UpdateSlaveMessage", updates + 1).await[updates].decode();
    (reregister, update)
}

#[tokio::test(start_paused = true)]
async fn an_operation_is_reported_finished_until_acknowledged_and_its_reservation_kept() {
    let runtime = runtime().await;
    let master = FakeMaster::start(&runtime, Behaviour::default());
    let (fleet, id) = one_agent(&master, &runtime, FleetConfig::new(1)).await;
    let agent = fleet.agents()[0].clone();

    master.send(&agent, apply(reserve(100.0), 1));
    let sends = master.wait_for("UpdateOperationStatusMessage", 3).await;
    let gaps: Vec<u64> = sends
        .windows(2)
        .map(|pair| (pair[1].at - pair[0].at).as_secs())
        .collect();
    assert_eq!(gaps, vec![10, 20]);
    let updates: Vec<UpdateOperationStatusMessage> =
        sends.iter().map(|received| received.decode()).collect();
    let finished = &updates[0];
    assert!(
        updates.iter().all(|update| update == finished),
        "a retry is the same update"
    );
    assert_eq!(finished.status.state(), OperationState::OperationFinished);
    assert_eq!(finished.latest_status.as_ref(), Some(&finished.status));
    assert_eq!(finished.operation_uuid.as_ref().unwrap().value, vec![1; 16]);
    assert_eq!(finished.slave_id.as_ref().unwrap().value, id);
    assert_eq!(finished.framework_id, None);
    assert_eq!(fleet.statuses().await[0].pending_operations, 1);

    // A new master hears of the reservation and of the operation.
    let (reregister, update) = reregistration(&master, &agent).await;
    assert_eq!(
        resources(&reregister.checkpointed_resources),
        resources(&[reserved_disk(100.0)])
    );
    let operations = update.operations.unwrap().operations;
    assert_eq!(operations.len(), 1);
    assert_eq!(
        operations[0].latest_status.state(),
        OperationState::OperationFinished
    );
    assert_eq!(operations[0].uuid.value, vec![1; 16]);

    let sent = master.messages("UpdateOperationStatusMessage").len();
    master.send(&agent, acknowledgement(finished));
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(fleet.statuses().await[0].pending_operations, 0);
    assert_eq!(
        master.messages("UpdateOperationStatusMessage").len(),
        sent,
        "nothing is resent once acknowledged"
    );
    let (_, update) = reregistration(&master, &agent).await;
    assert!(update.operations.unwrap().operations.is_empty());

    fleet.stop().await;
}

#[tokio::test(start_paused = true)]
async fn volumes_are_made_of_reservations_and_what_is_not_there_fails() {
    let runtime = runtime().await;
    let master = FakeMaster::start(&runtime, Behaviour::default());
    let (fleet, _) = one_agent(&master, &runtime, FleetConfig::new(1)).await;
    let agent = fleet.agents()[0].clone();

    master.send(&agent, apply(create(10.0), 1));
    let failed: UpdateOperationStatusMessage =
        master.wait_for("UpdateOperationStatusMessage", 1).await[0].decode();
    assert_eq!(failed.status.state(), OperationState::OperationFailed);
    assert!(failed.status.message.is_some());
    master.send(&agent, acknowledgement(&failed));

    master.send(&agent, apply(reserve(100.0), 2));
    master.send(&agent, apply(create(10.0), 3));
    let updates = master
        .wait_until("UpdateOperationStatusMessage", |sent| {
            sent.iter()
                .filter(|received| {
                    received
                        .decode::<UpdateOperationStatusMessage>()
                        .operation_uuid
                        .unwrap()
                        .value
                        == vec![3; 16]
                })
                .count()
                >= 1
        })
        .await;
    for received in &updates[1..] {
        let update: UpdateOperationStatusMessage = received.decode();
        assert_eq!(update.status.state(), OperationState::OperationFinished);
        master.send(&agent, acknowledgement(&update));
    }
    let (reregister, _) = reregistration(&master, &agent).await;
    assert_eq!(
        resources(&reregister.checkpointed_resources),
        resources(&[reserved_disk(90.0), volume(10.0)])
    );
    assert_eq!(
        resources(&reregister.slave.resources),
        FleetConfig::new(1).resources,
        "SlaveInfo keeps the command-line resources"
    );

    fleet.stop().await;
}

#[tokio::test]
async fn checkpointed_resources_replace_the_agents_and_survive_a_restart() {
    let (_master_runtime, master, _work_dir, mut config) = restartable_fleet(1).await;
    config.capabilities.retain(|capability| {
        *capability != proto::mesos::slave_info::capability::Type::ResourceProvider
    });

    let first_runtime = runtime().await;
    let (first, _) = one_agent(&master, &first_runtime, config.clone()).await;
    let register: proto::mesos::internal::RegisterSlaveMessage =
        master.messages("RegisterSlaveMessage")[0].decode();
    assert!(
        register
            .agent_capabilities
            .iter()
            .all(|capability| capability.r#type
                != Some(proto::mesos::slave_info::capability::Type::ResourceProvider as i32)),
        "the capability is left out"
    );
    let agent = first.agents()[0].clone();
    master.send(
        &agent,
        CheckpointResourcesMessage {
            resources: vec![reserved_disk(50.0), volume(20.0)],
        },
    );
    let (reregister, _) = reregistration(&master, &agent).await;
    assert_eq!(
        resources(&reregister.checkpointed_resources),
        resources(&[reserved_disk(50.0), volume(20.0)])
    );
    // More than the agent has is refused: it keeps what it had.
    master.send(
        &agent,
        CheckpointResourcesMessage {
            resources: vec![reserved_disk(1_000_000.0)],
        },
    );
    master.send(
        &agent,
        CheckpointResourcesMessage {
            resources: vec![volume(20.0)],
        },
    );
    let (reregister, _) = reregistration(&master, &agent).await;
    assert_eq!(
        resources(&reregister.checkpointed_resources),
        resources(&[volume(20.0)])
    );
    first.stop().await;
    first_runtime.shutdown().await;

    let second_runtime = runtime().await;
    let second = Fleet::start(&second_runtime, config, master.detector())
        .await
        .unwrap();
    let reregistrations = master.wait_for("ReregisterSlaveMessage", 3).await;
    let reregister: ReregisterSlaveMessage = reregistrations[2].decode();
    assert_eq!(
        resources(&reregister.checkpointed_resources),
        resources(&[volume(20.0)])
    );
    second.stop().await;
    second_runtime.shutdown().await;
}

#[tokio::test]
async fn an_unacknowledged_operation_is_resent_after_a_restart() {
    let (_master_runtime, master, _work_dir, config) = restartable_fleet(1).await;

    let first_runtime = runtime().await;
    let (first, _) = one_agent(&master, &first_runtime, config.clone()).await;
    master.send(&first.agents()[0], apply(reserve(100.0), 7));
    let sent: UpdateOperationStatusMessage =
        master.wait_for("UpdateOperationStatusMessage", 1).await[0].decode();
    first.stop().await;
    first_runtime.shutdown().await;

    let second_runtime = runtime().await;
    let second = Fleet::start(&second_runtime, config, master.detector())
        .await
        .unwrap();
    let reregister: ReregisterSlaveMessage =
        master.wait_for("ReregisterSlaveMessage", 1).await[0].decode();
    assert_eq!(
        resources(&reregister.checkpointed_resources),
        resources(&[reserved_disk(100.0)])
    );
    let update: UpdateSlaveMessage = master.wait_for("UpdateSlaveMessage", 2).await[1].decode();
    assert_eq!(update.operations.unwrap().operations.len(), 1);
    let resent: UpdateOperationStatusMessage =
        master.wait_for("UpdateOperationStatusMessage", 2).await[1].decode();
    assert_eq!(resent, sent, "the same status, to be acknowledged");
    second.stop().await;
    second_runtime.shutdown().await;
}
