//! Health checks: the master pings each agent every `--agent_ping_timeout`
//! from its `slave-observer(N)` process; after `--max_agent_ping_timeouts`
//! unanswered pings it takes a permit from the agent removal rate limiter,
//! marks the agent unreachable in the registry, removes it from its state
//! and the allocator, and tells the hooks. A broken connection disconnects
//! and deactivates the agent first.
//!
//! Timeouts are short real ones (`--agent_ping_timeout=1secs`); every wait
//! is for an event or a metric, never for a duration.

mod common;

use async_trait::async_trait;
use common::{FakeAgent, metric, wait_for_metric};
use hooks::{Hook, HookError, HookManager};
use proto::mesos::SlaveInfo;
use proto::mesos::internal::Registry;
use rate_limiter::{Permit, RateLimiter, Unlimited};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::{Semaphore, mpsc};

const FAST_PINGS: &[&str] = &["--agent_ping_timeout=1secs", "--max_agent_ping_timeouts=2"];

/// Permits only as the test hands them out.
#[derive(Debug)]
struct GatedLimiter(Semaphore);

#[async_trait]
impl RateLimiter for GatedLimiter {
    async fn acquire(&self) -> Permit {
        self.0.acquire().await.expect("never closed").forget();
        Unlimited.acquire().await
    }
}

/// Reports each lost agent's id.
#[derive(Debug)]
struct LostAgents(mpsc::UnboundedSender<String>);

impl Hook for LostAgents {
    fn master_agent_lost(&self, agent: &SlaveInfo) -> Result<(), HookError> {
        let _ = self.0.send(agent.id.as_ref().unwrap().value.clone());
        Ok(())
    }
}

#[tokio::test]
async fn pings_go_on_while_the_agent_answers() {
    let master = common::start(FAST_PINGS).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    let mut observer = None;
    // Well past max_agent_ping_timeouts pings, all answered.
    for _ in 0..4 {
        let ping = agent.expect("mesos.internal.PingSlaveMessage").await;
        let connected: proto::mesos::internal::PingSlaveMessage = ping.decode();
        assert!(connected.connected);
        assert_eq!(observer.get_or_insert(ping.from.clone()), &ping.from);
    }
    assert_eq!(metric(&master, "master/slave_unreachable_scheduled"), 0.0);
    assert_eq!(metric(&master, "master/slaves_active"), 1.0);
}

#[tokio::test]
async fn an_agent_that_stops_answering_is_marked_unreachable() {
    let storage = Arc::new(state::InMemoryStorage::new());
    let (lost, mut lost_agents) = mpsc::unbounded_channel();
    let mut hooks = HookManager::new();
    hooks.register("lost", Arc::new(LostAgents(lost)));
    let master = common::start_with(
        master::MasterBuilder::new(common::flags(FAST_PINGS))
            .storage(storage.clone())
            .hooks(hooks),
    )
    .await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;
    agent.answer_pings.store(false, Ordering::SeqCst);

    assert_eq!(lost_agents.recv().await.unwrap(), id);
    wait_for_metric(&master, "master/slaves_unreachable", 1.0).await;
    for (name, value) in [
        ("master/slave_unreachable_scheduled", 1.0),
        ("master/slave_unreachable_completed", 1.0),
        ("master/slave_removals", 1.0),
        ("master/slave_removals/reason_unhealthy", 1.0),
        ("master/slaves_active", 0.0),
        ("master/slaves_connected", 0.0),
    ] {
        assert_eq!(metric(&master, name), value, "{name}");
    }
    let slaves = common::get_json(&master, "/master/slaves").await;
    assert_eq!(slaves["slaves"], serde_json::json!([]));
    let state = common::get_json(&master, "/master/state").await;
    assert_eq!(state["unreachable_slaves"], 1.0);

    // The registry holds it as unreachable.
    let variable = state::State::new(storage)
        .fetch(registry::REGISTRY_VARIABLE)
        .await
        .unwrap();
    let registry: Registry = proto::decode(variable.value()).unwrap();
    assert!(registry.slaves.unwrap_or_default().slaves.is_empty());
    let unreachable = registry.unreachable.unwrap_or_default().slaves;
    assert_eq!(unreachable.len(), 1);
    assert_eq!(unreachable[0].id.value, id);
}

#[tokio::test]
async fn a_killed_agent_is_disconnected_then_marked_unreachable() {
    let master = common::start(FAST_PINGS).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    agent.kill().await;

    wait_for_metric(&master, "master/slaves_disconnected", 1.0).await;
    wait_for_metric(&master, "master/slaves_unreachable", 1.0).await;
    assert_eq!(
        metric(&master, "master/slave_removals/reason_unhealthy"),
        1.0
    );
    assert_eq!(metric(&master, "master/slaves_disconnected"), 0.0);
    assert_eq!(metric(&master, "master/slaves_inactive"), 0.0);
}

#[tokio::test]
async fn a_broken_connection_deactivates_the_agent_and_pings_say_so() {
    let master = common::start(&[
        "--agent_ping_timeout=1secs",
        "--max_agent_ping_timeouts=100",
    ])
    .await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    // A second agent at another address: killing its runtime breaks only
    // its own link.
    let mut other = FakeAgent::start(&master).await;
    let other_id = other.register().await;
    other.kill().await;
    wait_for_metric(&master, "master/slaves_disconnected", 1.0).await;
    assert_eq!(metric(&master, "master/slaves_inactive"), 1.0);
    assert_eq!(metric(&master, "master/slaves_active"), 1.0);
    let slaves = common::get_json(&master, "/master/slaves").await;
    let inactive: Vec<&str> = slaves["slaves"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|agent| agent["active"] == false)
        .map(|agent| agent["id"].as_str().unwrap())
        .collect();
    assert_eq!(inactive, [other_id.as_str()]);
    // The agent still connected keeps hearing `connected: true`.
    let ping: proto::mesos::internal::PingSlaveMessage = agent
        .expect("mesos.internal.PingSlaveMessage")
        .await
        .decode();
    assert!(ping.connected);
}

/// Removals wait for the rate limiter's permits, one agent per permit.
#[tokio::test]
async fn removals_go_at_the_rate_limiters_pace() {
    let limiter = Arc::new(GatedLimiter(Semaphore::new(0)));
    let master = common::start_with(
        master::MasterBuilder::new(common::flags(FAST_PINGS))
            .agent_removal_limiter(limiter.clone()),
    )
    .await;
    let mut agents = Vec::new();
    for _ in 0..2 {
        let mut agent = FakeAgent::start(&master).await;
        agent.register().await;
        agent.answer_pings.store(false, Ordering::SeqCst);
        agents.push(agent);
    }
    wait_for_metric(&master, "master/slave_unreachable_scheduled", 2.0).await;
    assert_eq!(metric(&master, "master/slaves_unreachable"), 0.0);

    limiter.0.add_permits(1);
    wait_for_metric(&master, "master/slaves_unreachable", 1.0).await;
    assert_eq!(metric(&master, "master/slave_unreachable_completed"), 1.0);
    assert_eq!(metric(&master, "master/slaves_active"), 1.0);

    limiter.0.add_permits(1);
    wait_for_metric(&master, "master/slaves_unreachable", 2.0).await;
    assert_eq!(metric(&master, "master/slave_unreachable_completed"), 2.0);
}

/// A pong while the removal waits for its permit cancels the removal.
#[tokio::test]
async fn a_pong_cancels_a_pending_removal() {
    let limiter = Arc::new(GatedLimiter(Semaphore::new(0)));
    let master = common::start_with(
        master::MasterBuilder::new(common::flags(FAST_PINGS))
            .agent_removal_limiter(limiter.clone()),
    )
    .await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    agent.answer_pings.store(false, Ordering::SeqCst);
    wait_for_metric(&master, "master/slave_unreachable_scheduled", 1.0).await;

    agent.answer_pings.store(true, Ordering::SeqCst);
    wait_for_metric(&master, "master/slave_unreachable_canceled", 1.0).await;
    // A permit now finds no one waiting for it.
    limiter.0.add_permits(1);
    agent.expect("mesos.internal.PingSlaveMessage").await;
    agent.expect("mesos.internal.PingSlaveMessage").await;
    assert_eq!(metric(&master, "master/slave_unreachable_completed"), 0.0);
    assert_eq!(metric(&master, "master/slaves_active"), 1.0);
    assert_eq!(metric(&master, "master/slaves_unreachable"), 0.0);
}
