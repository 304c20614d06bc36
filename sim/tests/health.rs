//! Pings keep an agent registered; silence beyond the master's announced
//! total ping timeout, or a ping saying the master thinks the agent is
//! disconnected, makes the agent reregister. Paused clock.

mod common;

use std::time::Duration;

use common::{Behaviour, FakeMaster, runtime};
use mesos_sim::{Fleet, FleetConfig};
use proto::mesos::internal::{ReregisterSlaveMessage, UpdateSlaveMessage};

async fn registered_agent(master: &FakeMaster, runtime: &libprocess::Runtime) -> (Fleet, String) {
    let fleet = Fleet::start(runtime, FleetConfig::new(1), master.detector())
        .await
        .unwrap();
    master.wait_for("UpdateSlaveMessage", 1).await;
    let id = fleet.statuses().await[0].slave_id.clone().unwrap();
    (fleet, id)
}

fn four_second_pings() -> Behaviour {
    // As the golden master: --agent_ping_timeout=2secs --max_agent_ping_timeouts=2.
    Behaviour {
        total_ping_timeout_seconds: 4.0,
        ..Behaviour::default()
    }
}

#[tokio::test(start_paused = true)]
async fn silence_beyond_the_ping_timeout_makes_the_agent_reregister() {
    let runtime = runtime().await;
    let master = FakeMaster::start(&runtime, four_second_pings());
    let (fleet, id) = registered_agent(&master, &runtime).await;
    let registered_at = master.messages("UpdateSlaveMessage")[0].at;

    let reregistration = master.wait_for("ReregisterSlaveMessage", 1).await.remove(0);
    assert!(reregistration.at - registered_at >= Duration::from_secs(4));
    let message: ReregisterSlaveMessage = reregistration.decode();
    assert_eq!(message.slave.id.unwrap().value, id);

    let updates = master.wait_for("UpdateSlaveMessage", 2).await;
    let update: UpdateSlaveMessage = updates[1].decode();
    assert_eq!(update.slave_id.value, id);
    assert!(fleet.statuses().await[0].registered);

    fleet.stop().await;
}

#[tokio::test(start_paused = true)]
async fn regular_pings_keep_the_agent_registered() {
    let runtime = runtime().await;
    let master = FakeMaster::start(&runtime, four_second_pings());
    let (fleet, _) = registered_agent(&master, &runtime).await;
    let agent = fleet.agents()[0].clone();

    for round in 1..=30 {
        master.ping(&agent, true);
        master.wait_for("PongSlaveMessage", round).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    assert!(master.messages("ReregisterSlaveMessage").is_empty());
    let status = &fleet.statuses().await[0];
    assert!(status.registered);
    assert_eq!(status.pings, 30);

    fleet.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_ping_saying_disconnected_forces_reregistration() {
    let runtime = runtime().await;
    let master = FakeMaster::start(&runtime, Behaviour::default());
    let (fleet, id) = registered_agent(&master, &runtime).await;
    let agent = fleet.agents()[0].clone();

    master.ping(&agent, false);
    master.wait_for("PongSlaveMessage", 1).await;
    let message: ReregisterSlaveMessage =
        master.wait_for("ReregisterSlaveMessage", 1).await[0].decode();
    assert_eq!(message.slave.id.unwrap().value, id);
    master.wait_for("UpdateSlaveMessage", 2).await;

    fleet.stop().await;
}
