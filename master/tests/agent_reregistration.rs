//! Reregistration: an unreachable agent coming back is pinged first and
//! then answered byte for byte as the golden master answered; agents this
//! master never saw are accepted as after a failover; a known agent whose
//! connection broke is reconnected; after a failover, recovered agents that
//! do not return within `--agent_reregister_timeout` are marked
//! unreachable, unless too many are missing.
//!
//! Mesos allows no `--agent_reregister_timeout` under 10 minutes: the
//! failover tests pause the clock once the agents' messages are exchanged,
//! and pings are made rare enough (`--agent_ping_timeout=15mins`) not to
//! fire first.

mod common;

use common::{FakeAgent, golden_reply, golden_reregistration, metric, s1, wait_for_metric};
use proto::mesos::internal::{ShutdownMessage, SlaveReregisteredMessage};
use std::sync::Arc;

#[tokio::test]
async fn an_unreachable_agent_reregisters_pinged_first_as_by_mesos() {
    let master =
        common::start(&["--agent_ping_timeout=1secs", "--max_agent_ping_timeouts=2"]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;
    agent.kill().await;
    wait_for_metric(&master, "master/slaves_unreachable", 1.0).await;

    let mut restarted = FakeAgent::start(&master).await;
    restarted.send(&golden_reregistration(restarted.port(), &id));
    let ping = restarted.next().await;
    assert_eq!(ping.name, "mesos.internal.PingSlaveMessage");
    assert!(ping.from.id().starts_with("slave-observer("));
    let reregistered = restarted.next().await;
    assert_eq!(reregistered.name, "mesos.internal.SlaveReregisteredMessage");
    assert_eq!(reregistered.from.to_string(), master.info.pid());
    let golden = golden_reply(s1::REREGISTERED, &master.info.id);
    // The golden agent was given 2secs x 2 pings; this one 1secs x 2.
    let expected = SlaveReregisteredMessage {
        connection: Some(proto::mesos::internal::MasterSlaveConnection {
            total_ping_timeout_seconds: Some(2.0),
        }),
        ..proto::decode(&golden).unwrap()
    };
    assert_eq!(reregistered.decode::<SlaveReregisteredMessage>(), expected);
    assert_eq!(reregistered.body.len(), golden.len());

    for (name, value) in [
        ("master/slave_reregistrations", 1.0),
        ("master/slave_registrations", 1.0),
        ("master/slaves_unreachable", 0.0),
        ("master/slaves_active", 1.0),
        ("master/slaves_connected", 1.0),
    ] {
        assert_eq!(metric(&master, name), value, "{name}");
    }
    let slaves = common::get_json(&master, "/master/slaves").await;
    assert_eq!(slaves["slaves"][0]["id"], id.as_str());
    assert_eq!(slaves["slaves"][0]["pid"], restarted.upid().to_string());
    assert!(slaves["slaves"][0]["reregistered_time"].is_f64());
}

/// With the golden master's flags the reregistration answer is the golden
/// one, byte for byte.
#[tokio::test]
async fn an_agent_unknown_to_this_master_is_accepted_as_after_a_failover() {
    let master =
        common::start(&["--agent_ping_timeout=2secs", "--max_agent_ping_timeouts=2"]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = format!("{}-S0", master.info.id);
    agent.send(&golden_reregistration(agent.port(), &id));
    agent.expect("mesos.internal.PingSlaveMessage").await;
    let reregistered = agent.next().await;
    assert_eq!(reregistered.name, "mesos.internal.SlaveReregisteredMessage");
    assert_eq!(
        reregistered.body.as_ref(),
        golden_reply(s1::REREGISTERED, &master.info.id)
    );
    assert_eq!(metric(&master, "master/slave_reregistrations"), 1.0);
    let slaves = common::get_json(&master, "/slaves").await;
    assert_eq!(slaves["slaves"][0]["id"], id.as_str());
}

#[tokio::test]
async fn a_known_agent_reconnects_after_its_connection_broke() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;
    agent.kill().await;
    wait_for_metric(&master, "master/slaves_disconnected", 1.0).await;
    assert_eq!(metric(&master, "master/slaves_inactive"), 1.0);

    let mut restarted = FakeAgent::start(&master).await;
    restarted.send(&golden_reregistration(restarted.port(), &id));
    let reregistered: SlaveReregisteredMessage = restarted
        .expect("mesos.internal.SlaveReregisteredMessage")
        .await
        .decode();
    assert_eq!(reregistered.slave_id.value, id);
    wait_for_metric(&master, "master/slaves_active", 1.0).await;
    assert_eq!(metric(&master, "master/slaves_connected"), 1.0);
    // Reconnecting is not a reregistration in Mesos's counters.
    assert_eq!(metric(&master, "master/slave_reregistrations"), 0.0);
    let slaves = common::get_json(&master, "/master/slaves").await;
    assert_eq!(slaves["slaves"][0]["pid"], restarted.upid().to_string());
}

#[tokio::test]
async fn reregistering_under_another_hostname_shuts_the_agent_down() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;
    let mut moved = golden_reregistration(agent.port(), &id);
    moved.slave.hostname = "elsewhere".into();
    agent.send(&moved);
    let shutdown: ShutdownMessage = agent
        .expect("mesos.internal.ShutdownMessage")
        .await
        .decode();
    assert_eq!(
        shutdown.message(),
        "Agent attempted to reregister with different IP / hostname"
    );
}

/// Pings too rare to matter within `--agent_reregister_timeout=10mins`.
const RARE_PINGS: &[&str] = &["--agent_ping_timeout=15mins"];

/// Master 1 admits two agents; master 2 recovers them from the same
/// storage. One comes back; the other is marked unreachable once
/// `--agent_reregister_timeout` has passed.
#[tokio::test]
async fn after_a_failover_agents_that_do_not_return_are_marked_unreachable() {
    let storage = Arc::new(state::InMemoryStorage::new());
    let first = common::start_with(
        master::MasterBuilder::new(common::flags(RARE_PINGS)).storage(storage.clone()),
    )
    .await;
    let mut returning = FakeAgent::start(&first).await;
    let returning_id = returning.register().await;
    let mut missing = FakeAgent::start(&first).await;
    missing.register().await;
    first.runtime.shutdown().await;
    drop((returning, missing));

    let second =
        common::start_with(master::MasterBuilder::new(common::flags(RARE_PINGS)).storage(storage))
            .await;
    let state = common::get_json(&second, "/master/state").await;
    assert_eq!(state["recovered_slaves"].as_array().unwrap().len(), 2);

    let mut back = FakeAgent::start(&second).await;
    back.send(&golden_reregistration(back.port(), &returning_id));
    back.expect("mesos.internal.SlaveReregisteredMessage").await;

    tokio::time::pause();
    wait_for_metric(&second, "master/recovery_slave_removals", 1.0).await;
    for (name, value) in [
        ("master/slave_reregistrations", 1.0),
        ("master/slaves_unreachable", 1.0),
        ("master/slave_unreachable_scheduled", 1.0),
        ("master/slave_unreachable_completed", 1.0),
        ("master/slaves_active", 1.0),
    ] {
        assert_eq!(metric(&second, name), value, "{name}");
    }
    let state = common::get_json(&second, "/master/state").await;
    assert_eq!(state["recovered_slaves"], serde_json::json!([]));
}

#[tokio::test]
async fn too_many_missing_agents_after_a_failover_stop_the_master() {
    let storage = Arc::new(state::InMemoryStorage::new());
    let first = common::start_with(
        master::MasterBuilder::new(common::flags(RARE_PINGS)).storage(storage.clone()),
    )
    .await;
    let mut agent = FakeAgent::start(&first).await;
    agent.register().await;
    first.runtime.shutdown().await;

    let second = common::start_with(
        master::MasterBuilder::new(common::flags(&[
            "--agent_ping_timeout=15mins",
            "--recovery_agent_removal_limit=50%",
        ]))
        .storage(storage),
    )
    .await;
    tokio::time::pause();
    let failure = second.failed().await;
    assert!(
        failure.to_string().contains("removal limit exceeded"),
        "{failure}"
    );
}
