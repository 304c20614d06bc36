//! With `--exec`, command tasks run for real as local processes in their
//! sandbox and report their real exit status, worded as Mesos's command
//! executor words it.

mod common;

use std::sync::Arc;

use common::{Behaviour, FakeMaster, run_task, runtime};
use mesos_sim::{CommandTasks, Fleet, FleetConfig, SimulatedTasks};
use proto::mesos::TaskState;
use proto::mesos::internal::{KillTaskMessage, StatusUpdateMessage};

struct Harness {
    master: FakeMaster,
    fleet: Fleet,
    slave_id: String,
    work_dir: tempfile::TempDir,
    _runtimes: (libprocess::Runtime, libprocess::Runtime),
}

async fn exec_agent() -> Harness {
    let master_runtime = runtime().await;
    let master = FakeMaster::start(
        &master_runtime,
        Behaviour {
            acknowledge_updates: true,
            ..Behaviour::default()
        },
    );
    let fleet_runtime = runtime().await;
    let work_dir = tempfile::tempdir().unwrap();
    let mut config = FleetConfig::new(1);
    config.runner = Arc::new(CommandTasks::new(SimulatedTasks::new(None)));
    config.work_dir = Some(work_dir.path().to_owned());
    let fleet = Fleet::start(&fleet_runtime, config, master.detector())
        .await
        .unwrap();
    master.wait_for("UpdateSlaveMessage", 1).await;
    let slave_id = fleet.statuses().await[0].slave_id.clone().unwrap();
    Harness {
        master,
        fleet,
        slave_id,
        work_dir,
        _runtimes: (master_runtime, fleet_runtime),
    }
}

impl Harness {
    /// Launches `command` as task `task_id` and returns its updates once
    /// one is terminal.
    async fn run(&self, task_id: &str, command: &str) -> Vec<StatusUpdateMessage> {
        self.master.send(
            &self.fleet.agents()[0],
            run_task(&self.slave_id, task_id, command),
        );
        self.updates_until_terminal(task_id).await
    }

    async fn updates_until_terminal(&self, task_id: &str) -> Vec<StatusUpdateMessage> {
        let ours = |updates: &[common::Received]| -> Vec<StatusUpdateMessage> {
            updates
                .iter()
                .map(|update| update.decode::<StatusUpdateMessage>())
                .filter(|update| update.update.status.task_id.value == task_id)
                .collect()
        };
        let updates = self
            .master
            .wait_until("StatusUpdateMessage", |updates| {
                ours(updates).iter().any(|update| {
                    !matches!(
                        TaskState::try_from(update.update.status.state),
                        Ok(TaskState::TaskStarting
                            | TaskState::TaskRunning
                            | TaskState::TaskKilling)
                    )
                })
            })
            .await;
        ours(&updates)
    }
}

fn state(update: &StatusUpdateMessage) -> TaskState {
    TaskState::try_from(update.update.status.state).unwrap()
}

#[tokio::test]
async fn a_command_that_succeeds_finishes_and_writes_its_sandbox() {
    let harness = exec_agent().await;
    let updates = harness.run("hello", "echo hello").await;
    let states: Vec<_> = updates.iter().map(state).collect();
    assert_eq!(
        states,
        vec![
            TaskState::TaskStarting,
            TaskState::TaskRunning,
            TaskState::TaskFinished
        ]
    );
    let finished = &updates[2].update.status;
    assert_eq!(
        finished.message.as_deref(),
        Some("Command exited with status 0")
    );

    let container = finished.container_status.as_ref().unwrap();
    assert_ne!(
        container.executor_pid,
        Some(std::process::id()),
        "a child process ran it"
    );
    let framework_id = &updates[2].update.framework_id.value;
    let sandbox = harness
        .work_dir
        .path()
        .join("slaves")
        .join(&harness.slave_id)
        .join("frameworks")
        .join(framework_id)
        .join("executors/hello/runs")
        .join(&container.container_id.as_ref().unwrap().value);
    assert_eq!(
        std::fs::read_to_string(sandbox.join("stdout")).unwrap(),
        "hello\n"
    );

    harness.fleet.stop().await;
}

#[tokio::test]
async fn a_command_that_fails_reports_its_exit_status() {
    let harness = exec_agent().await;
    let updates = harness.run("three", "exit 3").await;
    let failed = updates.last().unwrap();
    assert_eq!(state(failed), TaskState::TaskFailed);
    assert_eq!(
        failed.update.status.message.as_deref(),
        Some("Command exited with status 3")
    );

    harness.fleet.stop().await;
}

#[tokio::test]
async fn a_killed_command_is_terminated() {
    let harness = exec_agent().await;
    let launch = run_task(&harness.slave_id, "sleeper", "sleep 600");
    let agent = harness.fleet.agents()[0].clone();
    harness.master.send(&agent, launch.clone());
    harness.master.wait_for("StatusUpdateMessage", 2).await;
    harness.master.send(
        &agent,
        KillTaskMessage {
            framework_id: launch.framework.id.clone().unwrap(),
            task_id: launch.task.task_id.clone(),
            kill_policy: None,
        },
    );
    let updates = harness.updates_until_terminal("sleeper").await;
    let killed = updates.last().unwrap();
    assert_eq!(state(killed), TaskState::TaskKilled);
    assert_eq!(
        killed.update.status.message.as_deref(),
        Some("Command terminated with signal Killed")
    );

    harness.fleet.stop().await;
}
