//! Agent registration: an agent sending exactly what the golden Mesos 1.11
//! agent sent is admitted and answered byte for byte as the golden master
//! answered; retries, invalid registrations, messages before recovery and
//! unregistration are handled as Mesos handles them.

mod common;

use common::{FakeAgent, golden_registration, golden_reply, metric, s1, wait_for_metric};
use detector::{StandaloneMasterContender, StandaloneMasterDetector};
use proto::mesos::SlaveId;
use proto::mesos::internal::{SlaveRegisteredMessage, UnregisterSlaveMessage};
use std::sync::Arc;

/// The golden master's flags for this scenario.
const GOLDEN_FLAGS: &[&str] = &["--agent_ping_timeout=2secs", "--max_agent_ping_timeouts=2"];

#[tokio::test]
async fn an_agent_registers_and_is_answered_as_by_mesos() {
    let master = common::start(GOLDEN_FLAGS).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.send(&golden_registration(agent.port()));

    let registered = agent.next().await;
    assert_eq!(registered.name, "mesos.internal.SlaveRegisteredMessage");
    assert_eq!(registered.from.to_string(), master.info.pid());
    assert_eq!(
        registered.body.as_ref(),
        golden_reply(s1::REGISTERED, &master.info.id),
        "SlaveRegisteredMessage{{slave_id: <master id>-S0, total_ping_timeout_seconds: 4}}"
    );
    let message: SlaveRegisteredMessage = registered.decode();
    assert_eq!(message.slave_id.value, format!("{}-S0", master.info.id));

    // Health checks start right after the acknowledgement.
    let ping = agent.next().await;
    assert_eq!(ping.name, "mesos.internal.PingSlaveMessage");
    assert!(
        ping.from.id().starts_with("slave-observer("),
        "pinged by {}",
        ping.from
    );
    assert_eq!(ping.from.address(), master.runtime.address());
    assert_eq!(
        ping.body.as_ref(),
        common::golden_body("s1-agent-registration", s1::PING)
    );

    for (name, value) in [
        ("master/slave_registrations", 1.0),
        ("master/messages_register_slave", 1.0),
        ("master/slaves_active", 1.0),
        ("master/slaves_connected", 1.0),
        ("master/slaves_inactive", 0.0),
        ("master/slaves_disconnected", 0.0),
        ("master/elected", 1.0),
    ] {
        assert_eq!(metric(&master, name), value, "{name}");
    }
    let snapshot = common::get_json(&master, "/metrics/snapshot").await;
    assert!(snapshot["master/uptime_secs"].as_f64().unwrap() >= 0.0);
    assert_eq!(snapshot["master/slave_registrations"], 1.0);
}

#[tokio::test]
async fn agent_ids_count_up_from_the_master_id() {
    let master = common::start(&[]).await;
    for n in 0..3 {
        let mut agent = FakeAgent::start(&master).await;
        assert_eq!(agent.register().await, format!("{}-S{n}", master.info.id));
    }
    assert_eq!(metric(&master, "master/slaves_active"), 3.0);
}

#[tokio::test]
async fn a_retried_registration_is_acknowledged_again_with_the_same_id() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;
    assert_eq!(agent.register().await, id);
    assert_eq!(metric(&master, "master/slave_registrations"), 1.0);
    assert_eq!(metric(&master, "master/messages_register_slave"), 2.0);
}

/// Invalid resources and agents older than 1.0 are dropped without an
/// answer; the next valid registration is the first one admitted.
#[tokio::test]
async fn invalid_and_outdated_registrations_are_dropped() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;

    let mut negative = golden_registration(agent.port());
    negative.slave.resources[0].scalar.as_mut().unwrap().value = -1.0;
    agent.send(&negative);

    let mut old = golden_registration(agent.port());
    old.version = Some("0.28.2".into());
    agent.send(&old);

    let mut unparseable = golden_registration(agent.port());
    unparseable.version = Some("one".into());
    agent.send(&unparseable);

    let mut checkpointed_without_checkpointing = golden_registration(agent.port());
    checkpointed_without_checkpointing.slave.checkpoint = Some(false);
    checkpointed_without_checkpointing.checkpointed_resources =
        vec![negative.slave.resources[2].clone()];
    agent.send(&checkpointed_without_checkpointing);

    assert_eq!(agent.register().await, format!("{}-S0", master.info.id));
    assert_eq!(metric(&master, "master/messages_register_slave"), 5.0);
    assert_eq!(metric(&master, "master/slave_registrations"), 1.0);
}

/// Until it is elected and has recovered, the master drops every message
/// and counts it, as Mesos does.
#[tokio::test]
async fn messages_before_recovery_are_dropped() {
    let detector = Arc::new(StandaloneMasterDetector::default());
    let master = master::MasterBuilder::new(common::flags(&[]))
        .leader_election(
            Arc::new(StandaloneMasterContender::new()),
            Arc::clone(&detector) as _,
        )
        .start()
        .await
        .unwrap();
    let mut agent = FakeAgent::start(&master).await;
    agent.send(&golden_registration(agent.port()));
    wait_for_metric(&master, "master/dropped_messages", 1.0).await;
    assert_eq!(metric(&master, "master/elected"), 0.0);

    detector.appoint(Some(master.info.clone()));
    master.recovered().await.unwrap();
    assert_eq!(metric(&master, "master/elected"), 1.0);
    assert_eq!(agent.register().await, format!("{}-S0", master.info.id));
    assert_eq!(metric(&master, "master/dropped_messages"), 1.0);
}

#[tokio::test]
async fn an_agent_that_unregisters_is_removed() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;

    // Only the agent itself may unregister.
    let mut impostor = FakeAgent::start(&master).await;
    impostor.send(&UnregisterSlaveMessage {
        slave_id: SlaveId { value: id.clone() },
    });
    let _ = impostor.register().await;
    assert_eq!(metric(&master, "master/slaves_active"), 2.0);

    agent.send(&UnregisterSlaveMessage {
        slave_id: SlaveId { value: id.clone() },
    });
    wait_for_metric(&master, "master/slave_removals/reason_unregistered", 1.0).await;
    assert_eq!(metric(&master, "master/slave_removals"), 1.0);
    assert_eq!(metric(&master, "master/slaves_active"), 1.0);
    let slaves = common::get_json(&master, "/master/slaves").await;
    let listed: Vec<&str> = slaves["slaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|agent| agent["id"].as_str().unwrap())
        .collect();
    assert!(!listed.contains(&id.as_str()), "{listed:?}");
}
