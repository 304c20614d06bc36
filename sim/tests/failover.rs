//! After a leader change the agents reregister with the new master,
//! reporting their frameworks and tasks, and resend unacknowledged status
//! updates to it.

mod common;

use common::{Behaviour, FakeMaster, acknowledgement, run_task, runtime};
use mesos_sim::{Fleet, FleetConfig, master_info, standalone_detector};
use proto::mesos::TaskState;
use proto::mesos::internal::{ReregisterSlaveMessage, StatusUpdateMessage};

#[tokio::test]
async fn agents_follow_a_new_leader_with_their_tasks() {
    let old_runtime = runtime().await;
    let old = FakeMaster::start(&old_runtime, Behaviour::default());
    let new_runtime = runtime().await;
    let new = FakeMaster::start(&new_runtime, Behaviour::default());
    let detector = standalone_detector(&old.pid());

    let fleet_runtime = runtime().await;
    let fleet = Fleet::start(&fleet_runtime, FleetConfig::new(3), detector.clone())
        .await
        .unwrap();
    old.wait_for_senders("UpdateSlaveMessage", 3).await;
    let statuses = fleet.statuses().await;
    let busy = statuses[0].pid.clone();
    let busy_id = statuses[0].slave_id.clone().unwrap();

    let launch = run_task(&busy_id, "t", "sleep 600");
    old.send(&busy, launch.clone());
    let starting: StatusUpdateMessage = old.wait_for("StatusUpdateMessage", 1).await[0].decode();
    old.send(&busy, acknowledgement(&starting));
    let running: StatusUpdateMessage = old.wait_for("StatusUpdateMessage", 2).await[1].decode();

    detector.appoint(Some(master_info(&new.pid())));
    let reregistrations = new.wait_for_senders("ReregisterSlaveMessage", 3).await;
    assert!(new.messages("RegisterSlaveMessage").is_empty());
    let busy_message: ReregisterSlaveMessage = reregistrations
        .iter()
        .find(|received| received.from == busy)
        .unwrap()
        .decode();
    assert_eq!(busy_message.slave.id.unwrap().value, busy_id);
    assert_eq!(busy_message.frameworks[0].id, launch.framework.id);
    assert_eq!(busy_message.tasks[0].task_id, launch.task.task_id);
    assert_eq!(busy_message.tasks[0].state, TaskState::TaskRunning as i32);

    new.wait_for_senders("UpdateSlaveMessage", 3).await;
    let resent = new.wait_for("StatusUpdateMessage", 1).await;
    let resent: StatusUpdateMessage = resent[0].decode();
    assert_eq!(resent.update.uuid, running.update.uuid);

    let statuses = fleet.statuses().await;
    assert!(statuses.iter().all(|agent| agent.registered));
    fleet.stop().await;
}
