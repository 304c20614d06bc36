//! A simulator restarted on the same `--work_dir` reregisters the same
//! agents, with the same ids, their running tasks and frameworks, and
//! resends the status updates that were never acknowledged.

mod common;

use std::collections::HashMap;

use common::{acknowledgement, field_paths, golden_body, restartable_fleet, run_task, runtime};
use mesos_sim::Fleet;
use proto::mesos::TaskState;
use proto::mesos::internal::{ReregisterSlaveMessage, StatusUpdateMessage};

#[tokio::test]
async fn a_restarted_fleet_reregisters_its_agents_with_their_tasks() {
    let (_master_runtime, master, _work_dir, config) = restartable_fleet(2).await;

    // First run: both agents register, one runs a task whose RUNNING
    // update is never acknowledged.
    let first_runtime = runtime().await;
    let first = Fleet::start(&first_runtime, config.clone(), master.detector())
        .await
        .unwrap();
    master.wait_for_senders("UpdateSlaveMessage", 2).await;
    let ids: HashMap<String, String> = first
        .statuses()
        .await
        .into_iter()
        .map(|agent| (agent.pid.id().to_owned(), agent.slave_id.unwrap()))
        .collect();
    let busy = first.agents()[0].clone();
    let launch = run_task(&ids["slave(1)"], "long", "sleep 600");
    master.send(&busy, launch.clone());
    let starting: StatusUpdateMessage = master.wait_for("StatusUpdateMessage", 1).await[0].decode();
    master.send(&busy, acknowledgement(&starting));
    let running: StatusUpdateMessage = master.wait_for("StatusUpdateMessage", 2).await[1].decode();
    assert_eq!(running.update.status.state, TaskState::TaskRunning as i32);
    first.stop().await;
    first_runtime.shutdown().await;

    // Second run on the same work directory.
    let second_runtime = runtime().await;
    let second = Fleet::start(&second_runtime, config, master.detector())
        .await
        .unwrap();
    let reregistrations = master.wait_for_senders("ReregisterSlaveMessage", 2).await;
    assert_eq!(
        master.messages("RegisterSlaveMessage").len(),
        2,
        "no agent registers anew"
    );
    let by_agent: HashMap<String, ReregisterSlaveMessage> = reregistrations
        .iter()
        .map(|received| (received.from.id().to_owned(), received.decode()))
        .collect();
    for (agent, message) in &by_agent {
        assert_eq!(message.slave.id.as_ref().unwrap().value, ids[agent]);
    }

    let busy_message = &by_agent["slave(1)"];
    assert_eq!(busy_message.frameworks.len(), 1);
    assert_eq!(busy_message.frameworks[0].id, launch.framework.id);
    assert_eq!(busy_message.tasks.len(), 1);
    let task = &busy_message.tasks[0];
    assert_eq!(task.task_id, launch.task.task_id);
    assert_eq!(task.state, TaskState::TaskRunning as i32);
    assert_eq!(
        task.status_update_state,
        Some(TaskState::TaskRunning as i32)
    );
    assert_eq!(task.status_update_uuid, running.update.uuid);
    assert!(
        busy_message.executor_infos.is_empty(),
        "command executors are not reported"
    );

    let golden: ReregisterSlaveMessage =
        proto::decode(&golden_body("s1-agent-registration", 44)).unwrap();
    assert_eq!(field_paths(&by_agent["slave(2)"]), field_paths(&golden));

    // The unacknowledged RUNNING update is sent again, to be acknowledged now.
    let resent = master
        .wait_until("StatusUpdateMessage", |updates| {
            updates.iter().skip(2).any(|update| {
                update.decode::<StatusUpdateMessage>().update.uuid == running.update.uuid
            })
        })
        .await;
    let resent: StatusUpdateMessage = resent.last().unwrap().decode();
    assert_eq!(
        resent.pid.as_deref(),
        Some(second.agents()[0].to_string().as_str())
    );
    master.send(&second.agents()[0], acknowledgement(&resent));
    second.stop().await;
}
