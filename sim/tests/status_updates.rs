//! Task status updates behave as the agent's task status update manager:
//! one in flight per task, resent after 10 s, 20 s, 40 s ... until
//! acknowledged, the next sent on acknowledgement, each carrying `uuid`,
//! the agent's `pid` and the task's `latest_state`, with the golden
//! agent's fields. Kills and framework shutdowns as the agent does them.
//! Master and agents share one runtime on a paused clock.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Behaviour, FakeMaster, acknowledgement, field_paths, golden_body, run_task, runtime};
use mesos_sim::{Fleet, FleetConfig, SimulatedTasks};
use proto::mesos::internal::{KillTaskMessage, ShutdownFrameworkMessage, StatusUpdateMessage};
use proto::mesos::{TaskState, task_status};

async fn one_agent(
    master: &FakeMaster,
    runtime: &libprocess::Runtime,
    duration: Option<Duration>,
) -> (Fleet, String) {
    let mut config = FleetConfig::new(1);
    config.runner = Arc::new(SimulatedTasks::new(duration));
    let fleet = Fleet::start(runtime, config, master.detector())
        .await
        .unwrap();
    master.wait_for("UpdateSlaveMessage", 1).await;
    let id = fleet.statuses().await[0].slave_id.clone().unwrap();
    (fleet, id)
}

fn states(updates: &[common::Received]) -> Vec<TaskState> {
    updates
        .iter()
        .map(|update| {
            let update: StatusUpdateMessage = update.decode();
            TaskState::try_from(update.update.status.state).unwrap()
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn an_update_is_resent_with_backoff_until_acknowledged_then_the_next_follows() {
    let runtime = runtime().await;
    let master = FakeMaster::start(&runtime, Behaviour::default());
    let (fleet, id) = one_agent(&master, &runtime, Some(Duration::from_secs(300))).await;
    let agent = fleet.agents()[0].clone();
    master.send(&agent, run_task(&id, "t1", "echo hi"));

    let sends = master.wait_for("StatusUpdateMessage", 4).await;
    assert_eq!(states(&sends), vec![TaskState::TaskStarting; 4]);
    let gaps: Vec<u64> = sends
        .windows(2)
        .map(|pair| (pair[1].at - pair[0].at).as_secs())
        .collect();
    assert_eq!(gaps, vec![10, 20, 40]);

    let first: StatusUpdateMessage = sends[0].decode();
    let retry: StatusUpdateMessage = sends[3].decode();
    assert_eq!(first.update.uuid, retry.update.uuid);
    assert_eq!(first.update.status.uuid, first.update.uuid);
    assert_eq!(first.pid.as_deref(), Some(agent.to_string().as_str()));
    assert_eq!(
        first.update.latest_state,
        Some(TaskState::TaskStarting as i32)
    );
    // Meanwhile the task went on running.
    assert_eq!(
        retry.update.latest_state,
        Some(TaskState::TaskRunning as i32)
    );
    let golden: StatusUpdateMessage =
        proto::decode(&golden_body("s2-v1-scheduler-protobuf", 10)).unwrap();
    assert_eq!(field_paths(&first), field_paths(&golden));

    master.send(&agent, acknowledgement(&first));
    let sends = master.wait_for("StatusUpdateMessage", 5).await;
    let running: StatusUpdateMessage = sends[4].decode();
    assert_eq!(running.update.status.state, TaskState::TaskRunning as i32);
    // Sent on the acknowledgement, not on a timer.
    assert_eq!((sends[4].at - sends[3].at).as_secs(), 0);

    master.send(&agent, acknowledgement(&running));
    let sends = master.wait_for("StatusUpdateMessage", 6).await;
    let finished: StatusUpdateMessage = sends[5].decode();
    assert_eq!(finished.update.status.state, TaskState::TaskFinished as i32);
    assert_eq!(
        finished.update.latest_state,
        Some(TaskState::TaskFinished as i32)
    );
    let golden: StatusUpdateMessage =
        proto::decode(&golden_body("s2-v1-scheduler-protobuf", 26)).unwrap();
    assert_eq!(field_paths(&finished), field_paths(&golden));

    master.send(&agent, acknowledgement(&finished));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let status = &fleet.statuses().await[0];
    assert_eq!((status.tasks, status.pending_updates), (0, 0));
    // Nothing more is sent once the stream is acknowledged.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(master.messages("StatusUpdateMessage").len(), 6);

    fleet.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_killed_task_goes_killing_then_killed() {
    let runtime = runtime().await;
    let master = FakeMaster::start(
        &runtime,
        Behaviour {
            acknowledge_updates: true,
            ..Behaviour::default()
        },
    );
    let (fleet, id) = one_agent(&master, &runtime, None).await;
    let agent = fleet.agents()[0].clone();
    let launch = run_task(&id, "t1", "sleep 600");
    master.send(&agent, launch.clone());
    master.wait_for("StatusUpdateMessage", 2).await;

    master.send(
        &agent,
        KillTaskMessage {
            framework_id: launch.framework.id.clone().unwrap(),
            task_id: launch.task.task_id.clone(),
            kill_policy: None,
        },
    );
    let updates = master.wait_for("StatusUpdateMessage", 4).await;
    assert_eq!(
        states(&updates),
        vec![
            TaskState::TaskStarting,
            TaskState::TaskRunning,
            TaskState::TaskKilling,
            TaskState::TaskKilled
        ]
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(fleet.statuses().await[0].tasks, 0);

    fleet.stop().await;
}

#[tokio::test(start_paused = true)]
async fn killing_an_unknown_task_drops_it_for_a_partition_aware_framework() {
    let runtime = runtime().await;
    let master = FakeMaster::start(&runtime, Behaviour::default());
    let (fleet, id) = one_agent(&master, &runtime, None).await;
    let agent = fleet.agents()[0].clone();
    let launch = run_task(&id, "t1", "sleep 600");
    master.send(&agent, launch.clone());
    master.wait_for("StatusUpdateMessage", 1).await;

    master.send(
        &agent,
        KillTaskMessage {
            framework_id: launch.framework.id.clone().unwrap(),
            task_id: proto::mesos::TaskId {
                value: "never-launched".to_owned(),
            },
            kill_policy: None,
        },
    );
    let updates = master
        .wait_until("StatusUpdateMessage", |updates| {
            updates.iter().any(|update| {
                update
                    .decode::<StatusUpdateMessage>()
                    .update
                    .status
                    .task_id
                    .value
                    == "never-launched"
            })
        })
        .await;
    let dropped: StatusUpdateMessage = updates.last().unwrap().decode();
    let status = dropped.update.status;
    assert_eq!(status.state, TaskState::TaskDropped as i32);
    assert_eq!(status.source, Some(task_status::Source::Slave as i32));
    assert_eq!(
        status.reason,
        Some(task_status::Reason::ExecutorTerminated as i32)
    );
    assert_eq!(status.message.as_deref(), Some("Cannot find executor"));

    fleet.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_shut_down_framework_loses_its_tasks_without_updates() {
    let runtime = runtime().await;
    let master = FakeMaster::start(
        &runtime,
        Behaviour {
            acknowledge_updates: true,
            ..Behaviour::default()
        },
    );
    let (fleet, id) = one_agent(&master, &runtime, None).await;
    let agent = fleet.agents()[0].clone();
    let launch = run_task(&id, "t1", "sleep 600");
    master.send(&agent, launch.clone());
    master.wait_for("StatusUpdateMessage", 2).await;

    master.send(
        &agent,
        ShutdownFrameworkMessage {
            framework_id: launch.framework.id.clone().unwrap(),
        },
    );
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(master.messages("StatusUpdateMessage").len(), 2);
    let status = &fleet.statuses().await[0];
    assert_eq!((status.tasks, status.pending_updates), (0, 0));

    fleet.stop().await;
}
