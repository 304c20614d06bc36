//! Health checks: one `slave-observer(N)` process per registered agent, as
//! in Mesos.
//!
//! The observer pings its agent (`PingSlaveMessage{connected}`) every
//! `--agent_ping_timeout`; the agent answers `PongSlaveMessage` to the
//! observer. When `--max_agent_ping_timeouts` pings in a row go unanswered,
//! the observer takes a permit from the agent removal rate limiter and then
//! asks the master to mark the agent unreachable. It keeps pinging while it
//! waits for the permit: a pong in the meantime cancels the removal.
//!
//! The first ping is sent by the master on the observer's behalf
//! ([`send_ping`]) at the point of the (re)registration exchange where Mesos
//! puts it on the wire: after `SlaveRegisteredMessage`, before
//! `SlaveReregisteredMessage`.

use crate::master::MasterProcess;
use libprocess::{Context, Counter, Message, Pid, Process, Runtime, Upid};
use prost::Message as _;
use proto::mesos::SlaveInfo;
use proto::mesos::internal::{PingSlaveMessage, PongSlaveMessage};
use rate_limiter::RateLimiter;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// What an observer needs besides its agent.
#[derive(Debug, Clone)]
pub(crate) struct ObserverConfig {
    pub ping_timeout: Duration,
    pub max_ping_timeouts: usize,
    pub limiter: Arc<dyn RateLimiter>,
    pub scheduled: Counter,
    pub completed: Counter,
    pub canceled: Counter,
}

pub(crate) struct AgentObserver {
    agent: Upid,
    info: SlaveInfo,
    master: Pid<MasterProcess>,
    config: ObserverConfig,
    timeouts: usize,
    pinged: bool,
    connected: bool,
    /// The wait for a removal permit, while one is under way; its number
    /// tells a stale grant from the current one.
    marking: Option<(u64, JoinHandle<()>)>,
    markings: u64,
    /// The master was asked to mark the agent unreachable: it removes this
    /// observer once that is durable, and later timeouts must not schedule
    /// (and count) the transition again meanwhile.
    handed_over: bool,
}

/// Sends `PingSlaveMessage` to `agent` as `observer`.
pub(crate) fn send_ping(runtime: &Runtime, observer: &Upid, agent: &Upid, connected: bool) {
    let ping = PingSlaveMessage { connected };
    runtime.send(
        observer,
        agent,
        <PingSlaveMessage as prost::Name>::full_name(),
        ping.encode_to_vec().into(),
    );
}

impl AgentObserver {
    /// Spawns the observer of `agent` as `slave-observer(N)`. Its first ping
    /// counts as sent: the caller sends it with [`send_ping`].
    pub fn spawn(
        runtime: &Runtime,
        agent: Upid,
        info: SlaveInfo,
        master: Pid<MasterProcess>,
        config: ObserverConfig,
    ) -> Result<Pid<AgentObserver>, libprocess::Error> {
        let observer = AgentObserver {
            agent,
            info,
            master,
            config,
            timeouts: 0,
            pinged: true,
            connected: true,
            marking: None,
            markings: 0,
            handed_over: false,
        };
        runtime.spawn(libprocess::generate_id("slave-observer"), observer)
    }

    /// The agent reregistered, possibly from a new address (Mesos keeps
    /// pinging the old one; a restarted agent usually keeps its pid).
    pub fn reconnect(&mut self, agent: Upid) {
        self.agent = agent;
        self.connected = true;
    }

    pub fn disconnect(&mut self) {
        self.connected = false;
    }

    fn schedule_timeout(&self, ctx: &Context<Self>) {
        ctx.delay(self.config.ping_timeout, AgentObserver::timeout);
    }

    fn ping(&mut self, ctx: &mut Context<Self>) {
        send_ping(ctx.runtime(), ctx.pid(), &self.agent, self.connected);
        self.pinged = true;
        self.schedule_timeout(ctx);
    }

    fn pong(&mut self) {
        self.timeouts = 0;
        self.pinged = false;
        if let Some((_, wait)) = self.marking.take() {
            // Giving up the place in line leaves the permit to others.
            wait.abort();
            self.config.canceled.increment();
            tracing::info!(
                agent = %self.info.id.as_ref().map(|id| id.value.as_str()).unwrap_or_default(),
                "canceling transition of agent to UNREACHABLE because a pong was received"
            );
        }
    }

    fn timeout(&mut self, ctx: &mut Context<Self>) {
        if self.pinged {
            self.timeouts += 1;
            if self.timeouts >= self.config.max_ping_timeouts {
                self.mark_unreachable(ctx);
            }
        }
        // Pinging goes on while the removal waits: a pong can still cancel it.
        self.ping(ctx);
    }

    fn mark_unreachable(&mut self, ctx: &mut Context<Self>) {
        if self.marking.is_some() || self.handed_over {
            return;
        }
        tracing::info!(
            agent = %self.info.id.as_ref().map(|id| id.value.as_str()).unwrap_or_default(),
            "scheduling transition of agent to UNREACHABLE because of health check timeout"
        );
        self.markings += 1;
        let marking = self.markings;
        let limiter = Arc::clone(&self.config.limiter);
        let observer = ctx.handle();
        let wait = tokio::spawn(async move {
            let _permit = limiter.acquire().await;
            observer.dispatch(move |observer: &mut AgentObserver, _| observer.permitted(marking));
        });
        self.marking = Some((marking, wait));
        self.config.scheduled.increment();
    }

    fn permitted(&mut self, marking: u64) {
        if self.marking.as_ref().map(|(current, _)| *current) != Some(marking) {
            return;
        }
        self.marking = None;
        self.handed_over = true;
        self.config.completed.increment();
        let info = self.info.clone();
        self.master.dispatch(move |master, ctx| {
            master.mark_unreachable(ctx, info, false, "health check timed out".into());
        });
    }
}

impl Process for AgentObserver {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(
            <PongSlaveMessage as prost::Name>::full_name().as_str(),
            |observer: &mut AgentObserver, _: &mut Context<AgentObserver>, _: Message| {
                observer.pong()
            },
        );
        self.schedule_timeout(ctx);
    }

    fn finalize(&mut self, _ctx: &mut Context<Self>) {
        if let Some((_, wait)) = self.marking.take() {
            wait.abort();
        }
    }
}
