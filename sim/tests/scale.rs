//! A thousand agents in one simulator all register and answer a ping.

mod common;

use common::{Behaviour, FakeMaster, runtime};
use mesos_sim::{Fleet, FleetConfig};

const AGENTS: usize = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_agents_register_and_answer_pings() {
    let master_runtime = runtime().await;
    let master = FakeMaster::start(&master_runtime, Behaviour::default());
    let fleet_runtime = runtime().await;
    let fleet = Fleet::start(&fleet_runtime, FleetConfig::new(AGENTS), master.detector())
        .await
        .unwrap();

    master.wait_for_senders("UpdateSlaveMessage", AGENTS).await;
    for agent in fleet.agents() {
        master.ping(&agent, true);
    }
    master.wait_for_senders("PongSlaveMessage", AGENTS).await;

    let statuses = fleet.statuses().await;
    assert_eq!(statuses.len(), AGENTS);
    assert!(
        statuses
            .iter()
            .all(|agent| agent.registered && agent.pings == 1)
    );
    fleet.stop().await;
}
