//! Agents register over the wire as a Mesos 1.11 agent does: the messages
//! carry the golden agent's fields, every agent gets its own id, pings are
//! answered to their sender, and an unanswered registration is retried.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Behaviour, FakeMaster, MASTER_ID, field_paths, golden_body, runtime};
use mesos_sim::{Fleet, FleetConfig, agent_resources, parse_attributes};
use proto::mesos::internal::{RegisterSlaveMessage, UpdateSlaveMessage};

/// The golden agent's flags: `--resources='cpus:2;mem:2048;disk:10240;ports:[31000-31099]'`.
fn golden_agent(agents: usize) -> FleetConfig {
    let mut config = FleetConfig::new(agents);
    config.resources = agent_resources("cpus:2;mem:2048;disk:10240;ports:[31000-31099]").unwrap();
    config.registration_backoff_factor = Duration::from_millis(50);
    config
}

#[tokio::test]
async fn agents_register_with_their_own_ids_and_answer_pings() {
    let master_runtime = runtime().await;
    let master = FakeMaster::start(&master_runtime, Behaviour::default());
    let fleet_runtime = runtime().await;
    let fleet = Fleet::start(&fleet_runtime, golden_agent(5), master.detector())
        .await
        .unwrap();
    let agents: HashSet<_> = fleet.agents().into_iter().collect();
    assert_eq!(agents.len(), 5);

    let updates = master.wait_for_senders("UpdateSlaveMessage", 5).await;
    let senders: HashSet<_> = updates.iter().map(|update| update.from.clone()).collect();
    assert_eq!(senders, agents);

    let statuses = fleet.statuses().await;
    assert!(
        statuses.iter().all(|agent| agent.registered),
        "{statuses:?}"
    );
    let ids: HashSet<_> = statuses
        .iter()
        .map(|agent| agent.slave_id.clone().unwrap())
        .collect();
    assert_eq!(ids.len(), 5);
    assert!(
        ids.iter()
            .all(|id| id.starts_with(&format!("{MASTER_ID}-S")))
    );
    for update in &updates {
        let update: UpdateSlaveMessage = update.decode();
        assert!(ids.contains(&update.slave_id.value));
    }

    for agent in &agents {
        master.ping(agent, true);
    }
    let pongs = master.wait_for_senders("PongSlaveMessage", 5).await;
    assert!(
        pongs
            .iter()
            .all(|pong| pong.to == "slave-observer(1)" && pong.body.is_empty())
    );
    let statuses = fleet.statuses().await;
    assert!(
        statuses.iter().all(|agent| agent.pings == 1),
        "{statuses:?}"
    );

    fleet.stop().await;
}

#[tokio::test]
async fn registration_carries_the_golden_agents_fields() {
    let master_runtime = runtime().await;
    let master = FakeMaster::start(&master_runtime, Behaviour::default());
    let fleet_runtime = runtime().await;
    let fleet = Fleet::start(&fleet_runtime, golden_agent(1), master.detector())
        .await
        .unwrap();

    let ours: RegisterSlaveMessage = master.wait_for("RegisterSlaveMessage", 1).await[0].decode();
    let golden: RegisterSlaveMessage =
        proto::decode(&golden_body("s1-agent-registration", 0)).unwrap();
    assert_eq!(field_paths(&ours), field_paths(&golden));
    assert_eq!(ours.slave.resources, golden.slave.resources);
    assert_eq!(ours.slave.hostname, golden.slave.hostname);
    assert_eq!(ours.slave.checkpoint, Some(true));
    assert_eq!(
        ours.slave.port,
        Some(i32::from(fleet_runtime.address().port()))
    );
    assert_eq!(ours.version, golden.version);
    assert_eq!(ours.agent_capabilities, golden.agent_capabilities);
    assert_eq!(ours.resource_version_uuid.as_ref().unwrap().value.len(), 16);

    let update: UpdateSlaveMessage = master.wait_for("UpdateSlaveMessage", 1).await[0].decode();
    let golden_update: UpdateSlaveMessage =
        proto::decode(&golden_body("s1-agent-registration", 2)).unwrap();
    assert_eq!(field_paths(&update), field_paths(&golden_update));
    assert_eq!(update.resource_version_uuid, ours.resource_version_uuid);
    assert_eq!(update.update_oversubscribed_resources, Some(false));

    fleet.stop().await;
}

#[tokio::test]
async fn attributes_are_part_of_the_agent_info() {
    let master_runtime = runtime().await;
    let master = FakeMaster::start(&master_runtime, Behaviour::default());
    let fleet_runtime = runtime().await;
    let mut config = golden_agent(1);
    config.attributes = parse_attributes("rack:r1;zone:[1-3];weight:2.5").unwrap();
    let fleet = Fleet::start(&fleet_runtime, config.clone(), master.detector())
        .await
        .unwrap();

    let ours: RegisterSlaveMessage = master.wait_for("RegisterSlaveMessage", 1).await[0].decode();
    assert_eq!(ours.slave.attributes, config.attributes);

    fleet.stop().await;
}

#[tokio::test]
async fn an_unanswered_registration_is_retried() {
    let master_runtime = runtime().await;
    let master = FakeMaster::start(
        &master_runtime,
        Behaviour {
            answer_registrations: false,
            ..Behaviour::default()
        },
    );
    let fleet_runtime = runtime().await;
    let fleet = Fleet::start(&fleet_runtime, golden_agent(1), master.detector())
        .await
        .unwrap();

    let attempts = master.wait_for("RegisterSlaveMessage", 3).await;
    let bodies: HashSet<_> = attempts
        .iter()
        .map(|attempt| attempt.body.clone())
        .collect();
    assert_eq!(bodies.len(), 1, "every attempt is the same message");
    assert!(!fleet.statuses().await[0].registered);

    master.set_behaviour(|behaviour| behaviour.answer_registrations = true);
    master.wait_for("UpdateSlaveMessage", 1).await;
    assert!(fleet.statuses().await[0].registered);

    fleet.stop().await;
}
