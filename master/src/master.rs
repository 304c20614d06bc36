//! The `master` process: election, recovery from the registry, and the
//! agent lifecycle over the libprocess protocol, following Mesos 1.11's
//! `src/master/master.cpp`.
//!
//! # Election and recovery
//!
//! The process contends for leadership through the contender and watches
//! the detector, as Mesos's `Master::contended` and `Master::detected` do.
//! A standby (another master leads) recovers nothing: it drops every
//! message, counted in `master/dropped_messages`, and its endpoints redirect
//! to the leader (see [`crate::endpoints`]). A standby whose candidacy is
//! lost contends again. A leader stops for good ([`crate::Master::failed`],
//! and the binary exits so that a supervisor restarts it) when its candidacy
//! is lost, or when the detector names another leader or none: a master is
//! never demoted in place.
//!
//! Once it sees itself as the leader the master recovers the registry
//! through the Registrar; until that is done messages are dropped too.
//! Agents the registry lists become *recovered*: they have
//! `--agent_reregister_timeout` to reregister before they are marked
//! unreachable (at the removal rate limiter's pace, and only if no more than
//! `--recovery_agent_removal_limit` of them are missing). Every
//! `--registry_gc_interval` after recovery, unreachable and gone agents
//! beyond `--registry_max_agent_age` or `--registry_max_agent_count` are
//! pruned from the registry and forgotten.
//!
//! # Agents
//!
//! - `RegisterSlaveMessage`: validated, admitted in the registry under a new
//!   id `<master id>-S<n>`, added to the allocator, answered with
//!   `SlaveRegisteredMessage`; then health checks start (see
//!   [`crate::observer`]). A retry from an agent already registered at that
//!   pid is answered again; one from a disconnected agent at that pid
//!   removes the old agent first.
//! - `ReregisterSlaveMessage`: an agent this master knows keeps its record
//!   (updated in the registry if its info changed); one recovered from the
//!   registry, unreachable, or unknown altogether is (re)admitted, as after
//!   a failover. The first ping goes out before `SlaveReregisteredMessage`.
//! - `UpdateSlaveMessage`: oversubscribed and resource provider resources,
//!   resource version; the allocator is told when anything changed.
//! - `UnregisterSlaveMessage`: the agent is removed from the registry.
//! - A broken connection (`exited`): the agent is disconnected and
//!   deactivated, and must reregister within `--agent_reregister_timeout`.
//! - Failed health checks: marked unreachable in the registry, removed from
//!   the allocator, hooks told.
//!
//! Every registry change is made before the master's own state changes, and
//! a registry that cannot be written stops the master ([`crate::Master::failed`]).

use crate::agents::{Agent, Agents, agent_id, apply_checkpointed, upgrade};
use crate::authentication::Authentications;
use crate::authorization::Check;
use crate::cluster::ClusterSettings;
use crate::frameworks::{Frameworks, SchedulerMetrics};
use crate::metrics::{MasterMetrics, SharedAllocator};
use crate::observer::{AgentObserver, ObserverConfig, send_ping};
use crate::offers::Offers;
use crate::operator::OperatorState;
use crate::tasks::{Tasks, is_terminal};
use crate::{endpoints, validation};
use authorizer::Authorizer;
use detector::{Candidacy, DetectorError, MasterContender, MasterDetector};
use flags::MasterFlags;
use hooks::HookManager;
use libprocess::{Context, Message, Process, Timer, Upid};
use proto::mesos::internal::{
    CheckpointResourcesMessage, DrainSlaveMessage, MasterSlaveConnection, RegisterSlaveMessage,
    ReregisterSlaveMessage, ShutdownMessage, SlaveRegisteredMessage, SlaveReregisteredMessage,
    UnregisterSlaveMessage, UpdateSlaveMessage,
};
use proto::mesos::{MasterInfo, SlaveId, SlaveInfo, TimeInfo, slave_info};
use rate_limiter::RateLimiter;
use registry::{
    AgentGc, Operation, Outcome, Pruned, Registrar, RegistrarConfig, RegistrarError, Registry,
};
use resources::Resources;
use state::State;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

/// Agents older than this are ignored, as in Mesos 1.11.
const MINIMUM_AGENT_VERSION: version::Version = version::Version::new(1, 0, 0);

/// Where the master is in its life, for [`crate::Master`] to wait on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    Starting,
    Recovered,
    /// Stopped for good (a registry that cannot be written, lost
    /// leadership): the binary exits, as Mesos's master does.
    Failed(Arc<str>),
}

/// What the master process is built from.
#[derive(Debug)]
pub(crate) struct Parts {
    pub flags: MasterFlags,
    pub info: MasterInfo,
    pub state: State,
    pub contender: Arc<dyn MasterContender>,
    pub detector: Arc<dyn MasterDetector>,
    pub allocator: SharedAllocator,
    pub hooks: HookManager,
    pub limiter: Arc<dyn RateLimiter>,
    pub metrics: MasterMetrics,
    pub scheduler_metrics: SchedulerMetrics,
    pub status: watch::Sender<Status>,
    pub authentications: Authentications,
    pub authorizer: Option<Arc<dyn Authorizer>>,
}

pub(crate) struct MasterProcess {
    pub(crate) flags: MasterFlags,
    pub(crate) info: MasterInfo,
    pub(crate) start_time: SystemTime,
    pub(crate) elected_time: Option<SystemTime>,
    pub(crate) leader: Option<MasterInfo>,
    state: State,
    contender: Arc<dyn MasterContender>,
    detector: Arc<dyn MasterDetector>,
    registrar: Option<Registrar>,
    recovering: bool,
    pub(crate) allocator: SharedAllocator,
    pub(crate) agents: Agents,
    pub(crate) frameworks: Frameworks,
    pub(crate) offers: Offers,
    pub(crate) tasks: Tasks,
    pub(crate) scheduler_metrics: SchedulerMetrics,
    /// Weights, quotas, maintenance: agents on DOWN machines may not
    /// (re)register.
    pub(crate) cluster: ClusterSettings,
    pub(crate) operator: OperatorState,
    next_agent_id: u64,
    observer_config: ObserverConfig,
    hooks: HookManager,
    limiter: Arc<dyn RateLimiter>,
    pub(crate) metrics: MasterMetrics,
    status: watch::Sender<Status>,
    recovered_agents_timer: Option<Timer>,
    pub(crate) authentications: Authentications,
    /// `None` without `--acls`: everything is permitted.
    pub(crate) authorizer: Option<Arc<dyn Authorizer>>,
    registry_gc_timer: Option<Timer>,
}

impl std::fmt::Debug for MasterProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterProcess")
            .field("id", &self.info.id)
            .field("agents", &self.agents.registered.len())
            .finish_non_exhaustive()
    }
}

impl MasterProcess {
    pub fn new(parts: Parts) -> MasterProcess {
        let observer_config = ObserverConfig {
            ping_timeout: parts.flags.agent_ping_timeout.to_std(),
            max_ping_timeouts: parts.flags.max_agent_ping_timeouts,
            limiter: Arc::clone(&parts.limiter),
            scheduled: parts.metrics.slave_unreachable_scheduled.clone(),
            completed: parts.metrics.slave_unreachable_completed.clone(),
            canceled: parts.metrics.slave_unreachable_canceled.clone(),
        };
        MasterProcess {
            flags: parts.flags,
            info: parts.info,
            start_time: SystemTime::now(),
            elected_time: None,
            leader: None,
            state: parts.state,
            contender: parts.contender,
            detector: parts.detector,
            registrar: None,
            recovering: false,
            allocator: parts.allocator,
            agents: Agents::default(),
            frameworks: Frameworks::default(),
            offers: Offers::default(),
            tasks: Tasks::default(),
            scheduler_metrics: parts.scheduler_metrics,
            cluster: ClusterSettings::default(),
            operator: OperatorState::default(),
            next_agent_id: 0,
            observer_config,
            hooks: parts.hooks,
            limiter: parts.limiter,
            metrics: parts.metrics,
            status: parts.status,
            recovered_agents_timer: None,
            authentications: parts.authentications,
            authorizer: parts.authorizer,
            registry_gc_timer: None,
        }
    }

    pub(crate) fn elected(&self) -> bool {
        self.leader.as_ref() == Some(&self.info)
    }

    /// Elected and recovered from the registry: taking messages and calls.
    pub(crate) fn recovered_registry(&self) -> bool {
        self.elected() && self.registrar.is_some()
    }

    /// `--agent_ping_timeout` x `--max_agent_ping_timeouts`, told to agents
    /// so they know when to give up on this master.
    fn connection(&self) -> MasterSlaveConnection {
        let total =
            self.flags.agent_ping_timeout.to_std() * self.flags.max_agent_ping_timeouts as u32;
        MasterSlaveConnection {
            total_ping_timeout_seconds: Some(total.as_secs_f64()),
        }
    }

    /// Stops the master for good, as Mesos's `EXIT`/`LOG(FATAL)`.
    fn fail(&mut self, ctx: &mut Context<Self>, message: String) {
        tracing::error!("{message}; the master stops");
        self.status.send_replace(Status::Failed(message.into()));
        ctx.terminate();
    }

    pub(crate) fn publish_counts(&self) {
        self.metrics.publish(self.agents.counts());
    }

    /// Runs `registrar.apply(operation)` and hands the outcome to `then` on
    /// this process.
    pub(crate) fn apply(
        &self,
        ctx: &Context<Self>,
        operation: Operation,
        then: impl FnOnce(&mut Self, &mut Context<Self>, Result<Outcome, RegistrarError>)
        + Send
        + 'static,
    ) {
        let registrar = self
            .registrar
            .clone()
            .expect("messages are handled only after recovery");
        let master = ctx.handle();
        tokio::spawn(async move {
            let outcome = registrar.apply(operation).await;
            master.dispatch(move |master, ctx| then(master, ctx, outcome));
        });
    }

    /// Installs a handler for agent (and authentication) message `M`:
    /// dropped (and counted) before recovery, decoded with proto2's
    /// required-field checks.
    pub(crate) fn install_agent_message<M>(
        ctx: &mut Context<Self>,
        handler: fn(&mut Self, &mut Context<Self>, Upid, M),
    ) where
        M: prost::Message + prost::Name + Default + 'static,
    {
        let name = M::full_name();
        ctx.install(
            &name,
            move |master: &mut Self, ctx: &mut Context<Self>, message: Message| {
                if !master.recovered_registry() {
                    tracing::debug!(name = %message.name, "dropping message: not elected and recovered yet");
                    master.metrics.dropped_messages.increment();
                    return;
                }
                match proto::decode::<M>(&message.body) {
                    Ok(decoded) => handler(master, ctx, message.from, decoded),
                    Err(error) => tracing::warn!(
                        name = %message.name, from = %message.from, %error,
                        "dropping a message that does not decode"
                    ),
                }
            },
        );
    }

    // Election and recovery.

    fn contend(&self, ctx: &Context<Self>) {
        let contender = Arc::clone(&self.contender);
        let master = ctx.handle();
        tokio::spawn(async move {
            let candidacy = contender.contend().await;
            master.dispatch(move |master, ctx| master.contended(ctx, candidacy));
        });
    }

    fn contended(&mut self, ctx: &mut Context<Self>, candidacy: Result<Candidacy, DetectorError>) {
        let candidacy = match candidacy {
            Ok(candidacy) => candidacy,
            Err(error) => return self.fail(ctx, format!("Failed to contend: {error}")),
        };
        let master = ctx.handle();
        tokio::spawn(async move {
            candidacy.lost().await;
            master.dispatch(|master, ctx| master.lost_candidacy(ctx));
        });
    }

    fn lost_candidacy(&mut self, ctx: &mut Context<Self>) {
        if self.elected() {
            return self.fail(ctx, "Lost candidacy as a leader".into());
        }
        tracing::info!("lost candidacy as a standby; contending again");
        self.contend(ctx);
    }

    fn detect(&self, ctx: &Context<Self>) {
        let detector = Arc::clone(&self.detector);
        let previous = self.leader.clone();
        let master = ctx.handle();
        tokio::spawn(async move {
            let leader = detector.detect(previous.as_ref()).await;
            master.dispatch(move |master, ctx| master.detected(ctx, leader));
        });
    }

    fn detected(
        &mut self,
        ctx: &mut Context<Self>,
        leader: Result<Option<MasterInfo>, detector::DetectorError>,
    ) {
        let leader = match leader {
            Ok(leader) => leader,
            Err(error) => {
                return self.fail(ctx, format!("Failed to detect the leading master: {error}"));
            }
        };
        let was_elected = self.elected();
        self.leader = leader;
        if self.elected() {
            self.elected_time = Some(SystemTime::now());
            if was_elected {
                // A ZooKeeper blip re-elected the same master.
                tracing::info!("re-elected as the leading master");
            } else {
                tracing::info!("elected as the leading master");
                self.metrics.elected.set(1.0);
                self.recover(ctx);
            }
        } else if let Some(leader) = &self.leader {
            tracing::info!(leader = %leader.pid(), id = %leader.id, "the leading master is another one");
            if was_elected {
                return self.fail(ctx, "Conceded leadership to another master".into());
            }
            // Masters of one cluster must share a region: a different one is
            // a configuration error, as Mesos treats it.
            if let (Some(theirs), Some(ours)) = (region(leader), region(&self.info))
                && theirs != ours
            {
                return self.fail(
                    ctx,
                    format!(
                        "The leading master is in region '{theirs}' and this one in '{ours}' \
                         (--domain): all masters of a cluster must be in the same region"
                    ),
                );
            }
        } else {
            tracing::info!("no master is elected");
            if was_elected {
                return self.fail(ctx, "Lost leadership after an indecisive election".into());
            }
        }
        self.detect(ctx);
    }

    fn recover(&mut self, ctx: &Context<Self>) {
        if self.recovering {
            return;
        }
        self.recovering = true;
        tracing::info!("recovering from the registrar");
        let state = self.state.clone();
        let info = self.info.clone();
        let config = RegistrarConfig {
            fetch_timeout: self.flags.registry_fetch_timeout.to_std(),
            store_timeout: self.flags.registry_store_timeout.to_std(),
        };
        let master = ctx.handle();
        let state_store = self.metrics.registrar.state_store.clone();
        tokio::spawn(async move {
            let recovered = Registrar::recover_observed(state, info, config, move |elapsed| {
                state_store.record(elapsed)
            })
            .await;
            master.dispatch(move |master, ctx| master.recovered(ctx, recovered));
        });
    }

    fn recovered(
        &mut self,
        ctx: &mut Context<Self>,
        recovered: Result<(Registrar, Registry), RegistrarError>,
    ) {
        let (registrar, registry) = match recovered {
            Ok(recovered) => recovered,
            Err(error) => return self.fail(ctx, format!("Recovery failed: {error}")),
        };
        let agents = registry
            .slaves
            .as_ref()
            .map(|s| s.slaves.as_slice())
            .unwrap_or_default();
        for admitted in agents {
            let mut info = admitted.info.clone();
            upgrade(&mut info.resources);
            let id = agent_id(&info).to_owned();
            if let Some(drain) = &admitted.drain_info {
                self.agents.draining.insert(id.clone(), *drain);
            }
            if admitted.deactivated() {
                self.agents.deactivated.insert(id.clone());
            }
            self.agents.recovered.insert(id, info);
        }
        for unreachable in registry.unreachable.iter().flat_map(|u| &u.slaves) {
            let id = unreachable.id.value.clone();
            if let Some(drain) = &unreachable.drain_info {
                self.agents.draining.insert(id.clone(), *drain);
            }
            if unreachable.deactivated() {
                self.agents.deactivated.insert(id.clone());
            }
            self.agents.unreachable.insert(id, unreachable.timestamp);
        }
        for gone in registry.gone.iter().flat_map(|g| &g.slaves) {
            self.agents
                .gone
                .insert(gone.id.value.clone(), gone.timestamp);
        }
        self.allocator.lock().recover(agents.len(), &HashMap::new());

        let expected: Vec<SlaveInfo> = agents.iter().map(|a| a.info.clone()).collect();
        self.recovered_agents_timer = Some(ctx.delay(
            self.flags.agent_reregister_timeout.to_std(),
            move |master: &mut Self, ctx| master.recovered_agents_timeout(ctx, expected),
        ));
        self.schedule_registry_gc(ctx);
        self.metrics.registrar.recovered(&registrar);
        self.registrar = Some(registrar.clone());
        self.recover_cluster(ctx, &registry);
        let master = ctx.handle();
        tokio::spawn(async move {
            let failure = registrar.failed().await;
            master.dispatch(move |master, ctx| {
                master.fail(ctx, format!("The registrar failed: {failure}"))
            });
        });
        self.publish_counts();
        self.start_allocation(ctx);
        tracing::info!(
            agents = agents.len(),
            timeout = %self.flags.agent_reregister_timeout,
            "recovered from the registry; allowing agents to reregister"
        );
        self.status.send_replace(Status::Recovered);
    }

    fn schedule_registry_gc(&mut self, ctx: &Context<Self>) {
        self.registry_gc_timer = Some(ctx.delay(
            self.flags.registry_gc_interval.to_std(),
            |master: &mut Self, ctx| master.collect_registry_garbage(ctx),
        ));
    }

    /// Prunes unreachable and gone agents beyond `--registry_max_agent_age`
    /// or `--registry_max_agent_count` from the registry, then forgets them.
    fn collect_registry_garbage(&mut self, ctx: &mut Context<Self>) {
        self.schedule_registry_gc(ctx);
        let Some(registrar) = self.registrar.clone() else {
            return;
        };
        let gc = AgentGc {
            max_age: self.flags.registry_max_agent_age.to_std(),
            max_count: self.flags.registry_max_agent_count,
        };
        let master = ctx.handle();
        tokio::spawn(async move {
            let pruned = registrar.collect_garbage(gc, SystemTime::now()).await;
            master.dispatch(move |master, _| master.registry_garbage_collected(pruned));
        });
    }

    fn registry_garbage_collected(&mut self, pruned: Result<Pruned, RegistrarError>) {
        // A registrar that failed stops the master through `Registrar::failed`.
        let Ok(pruned) = pruned else { return };
        if pruned.unreachable.is_empty() && pruned.gone.is_empty() {
            tracing::debug!("registry garbage collection: no agents qualify for removal");
            return;
        }
        // An agent that reregistered meanwhile is no longer in these lists.
        let unreachable = pruned
            .unreachable
            .iter()
            .filter(|id| self.agents.unreachable.remove(*id).is_some())
            .count();
        let gone = pruned
            .gone
            .iter()
            .filter(|id| self.agents.gone.remove(*id).is_some())
            .count();
        tracing::info!(
            "garbage collected {unreachable} unreachable and {gone} gone agents from the registry"
        );
        self.publish_counts();
    }

    /// After a failover, the agents that did not come back within
    /// `--agent_reregister_timeout` are marked unreachable, at the removal
    /// rate, unless too many are missing.
    fn recovered_agents_timeout(&mut self, ctx: &mut Context<Self>, expected: Vec<SlaveInfo>) {
        let limit = self
            .flags
            .recovery_agent_removal_limit
            .trim_end_matches('%')
            .parse::<f64>()
            .unwrap_or(100.0)
            / 100.0;
        let missing = self.agents.recovered.len();
        let share = missing as f64 / expected.len().max(1) as f64;
        if share > limit {
            return self.fail(
                ctx,
                format!(
                    "Post-recovery agent removal limit exceeded! After {} there were {missing} \
                     ({:.0}%) agents recovered from the registry that did not reregister; the \
                     configured removal limit is {:.0}% (--recovery_agent_removal_limit)",
                    self.flags.agent_reregister_timeout,
                    share * 100.0,
                    limit * 100.0
                ),
            );
        }
        for info in expected {
            let id = agent_id(&info);
            if !self.agents.recovered.contains_key(id) || self.agents.reregistering.contains(id) {
                continue;
            }
            tracing::info!(
                agent = id,
                "scheduling removal of agent that did not reregister after master failover"
            );
            self.metrics.slave_unreachable_scheduled.increment();
            let limiter = Arc::clone(&self.limiter);
            let master = ctx.handle();
            let message = format!(
                "did not reregister within {} after master failover",
                self.flags.agent_reregister_timeout
            );
            tokio::spawn(async move {
                let _permit = limiter.acquire().await;
                master.dispatch(move |master, ctx| {
                    let counter = if master.mark_unreachable(ctx, info, true, message) {
                        &master.metrics.slave_unreachable_completed
                    } else {
                        &master.metrics.slave_unreachable_canceled
                    };
                    counter.increment();
                });
            });
        }
    }

    /// Runs `then` if the principal `from` authenticated as (if any)
    /// passes `checks`. A refusal or an authorizer's error is logged and
    /// `then` dropped, as Mesos refuses the registration.
    fn authorize_agent(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        checks: Vec<Check>,
        then: impl FnOnce(&mut Self, &mut Context<Self>) + Send + 'static,
    ) {
        let principal = self.authentications.principal(&from).map(str::to_owned);
        let named = principal.clone().unwrap_or_else(|| "(none)".into());
        self.after_authorization(ctx, principal, checks, move |master, ctx, authorized| {
            match authorized {
                Ok(true) => then(master, ctx),
                Ok(false) => tracing::warn!(
                    %from, principal = %named,
                    "refusing (re)registration of agent: not authorized"
                ),
                Err(error) => {
                    tracing::warn!(%from, %error, "refusing (re)registration of agent: authorization failure")
                }
            }
        });
    }

    /// The authentication gate of an agent's (re)registration `message`
    /// (`what` names it in the logs): `None` when the message waits for the
    /// agent's authentication still in progress (`retry` then handles it
    /// again) or is refused because `--authenticate_agents` wants a principal.
    fn authenticated_agent_message<M: Send + 'static>(
        &mut self,
        from: &Upid,
        message: M,
        what: &str,
        retry: fn(&mut Self, &mut Context<Self>, Upid, M),
    ) -> Option<M> {
        if self.authentications.in_progress(from) {
            tracing::info!(%from, "queuing up {what} request because authentication is still in progress");
            let pid = from.clone();
            self.authentications.defer(
                from,
                Box::new(move |master: &mut Self, ctx| retry(master, ctx, pid, message)),
            );
            return None;
        }
        if self.flags.authenticate_agents && self.authentications.principal(from).is_none() {
            tracing::warn!(%from, "refusing {what} of agent because it is not authenticated");
            return None;
        }
        Some(message)
    }

    // Registration.

    fn register_agent(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: RegisterSlaveMessage,
    ) {
        self.metrics.messages_register_slave.increment();
        let Some(message) =
            self.authenticated_agent_message(&from, message, "registration", Self::register_agent)
        else {
            return;
        };
        let checks = Check::agent_registration(&message.slave);
        self.authorize_agent(ctx, from.clone(), checks, move |master, ctx| {
            master.register_authorized_agent(ctx, from, message)
        });
    }

    fn register_authorized_agent(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        mut message: RegisterSlaveMessage,
    ) {
        if let Err(error) = validation::register_agent(&message) {
            tracing::warn!(%from, %error, "dropping registration of agent: invalid registration");
            return;
        }
        if self.agents.registering.contains(&from) {
            tracing::info!(%from, "ignoring register agent message: registration already in progress");
            return;
        }
        let info = &message.slave;
        tracing::info!(%from, hostname = %info.hostname, "received register agent message");
        if let Some(refusal) = self.refuse_admission(&from, info, message.version()) {
            if let Some(shutdown) = refusal {
                ctx.send_protobuf(&from, &shutdown);
            }
            return;
        }
        upgrade(&mut message.slave.resources);
        upgrade(&mut message.checkpointed_resources);

        if let Some(agent) = self.agents.by_pid(&from) {
            if agent.connected {
                tracing::info!(
                    agent = agent.id(),
                    "agent already registered, resending acknowledgement"
                );
                let registered = SlaveRegisteredMessage {
                    slave_id: agent.info.id.clone().unwrap_or_default(),
                    connection: Some(self.connection()),
                };
                ctx.send_protobuf(&from, &registered);
                return;
            }
            // The agent failed recovery, or restarted while a registration
            // retry was scheduled: the old one goes.
            let old = agent.id().to_owned();
            tracing::info!(agent = %old, "removing old disconnected agent because a registration attempt occurred");
            let reason = self.metrics.slave_removals_reason_registered.clone();
            self.remove_agent(
                ctx,
                &old,
                "a new agent registered at the same address",
                reason,
            );
        }

        let id = SlaveId {
            value: format!("{}-S{}", self.info.id, self.next_agent_id),
        };
        self.next_agent_id += 1;
        tracing::info!(%from, agent = %id.value, "registering agent");
        message.slave.id = Some(id);
        self.agents.registering.insert(from.clone());
        self.apply(
            ctx,
            Operation::AdmitAgent(message.slave.clone()),
            move |master, ctx, outcome| master.admitted(ctx, from, message, outcome),
        );
    }

    /// Why an agent may not (re)register, Mesos's checks shared by both:
    /// `Some(Some(shutdown))` when it is told to shut down, `Some(None)`
    /// when it is ignored (and will retry).
    fn refuse_admission(
        &self,
        from: &Upid,
        info: &SlaveInfo,
        version: &str,
    ) -> Option<Option<ShutdownMessage>> {
        let machine = (info.hostname.clone(), from.address().ip().to_string());
        if self.cluster.is_down(&machine) {
            tracing::warn!(%from, "refusing agent: its machine is DOWN for maintenance");
            return Some(Some(ShutdownMessage {
                message: Some("Machine is `DOWN`".into()),
            }));
        }
        match version.parse::<version::Version>() {
            Err(error) => {
                tracing::warn!(%from, version, %error, "ignoring agent: unparseable version");
                return Some(None);
            }
            Ok(parsed) if parsed < MINIMUM_AGENT_VERSION => {
                tracing::warn!(%from, version, "ignoring agent older than {MINIMUM_AGENT_VERSION}");
                return Some(None);
            }
            Ok(_) => {}
        }
        if info.domain.is_some() && self.info.domain.is_none() {
            tracing::warn!(%from, "ignoring agent with a domain: this master has none");
            return Some(None);
        }
        if self.flags.require_agent_domain && info.domain.is_none() {
            tracing::warn!(%from, "ignoring agent without a domain (--require_agent_domain)");
            return Some(None);
        }
        None
    }

    fn admitted(
        &mut self,
        ctx: &mut Context<Self>,
        pid: Upid,
        message: RegisterSlaveMessage,
        outcome: Result<Outcome, RegistrarError>,
    ) {
        let id = agent_id(&message.slave).to_owned();
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                return self.fail(ctx, format!("Failed to admit agent {id} at {pid}: {error}"));
            }
        };
        self.agents.registering.remove(&pid);
        if let Outcome::Refused(reason) = outcome {
            // Only an id collision, which a fresh id makes next to impossible.
            tracing::warn!(agent = %id, %pid, %reason, "ignoring registration attempt");
            return;
        }
        let RegisterSlaveMessage {
            slave,
            checkpointed_resources,
            version,
            agent_capabilities,
            resource_version_uuid,
        } = message;
        let Some(agent) = self.new_agent(
            ctx,
            pid,
            slave,
            version.unwrap_or_default(),
            agent_capabilities,
            checkpointed_resources,
            resource_version_uuid,
        ) else {
            return;
        };
        self.metrics.slave_registrations.increment();
        let registered = SlaveRegisteredMessage {
            slave_id: agent.info.id.clone().unwrap_or_default(),
            connection: Some(self.connection()),
        };
        ctx.send_protobuf(&agent.pid, &registered);
        send_ping(ctx.runtime(), agent.observer.upid(), &agent.pid, true);
        tracing::info!(agent = %id, pid = %agent.pid, resources = %agent.total, "registered agent");
        self.add_agent(ctx, agent);
    }

    /// Builds the record of a newly (re)admitted agent and spawns its
    /// observer; `None` (logged) if its checkpointed resources do not fit.
    #[allow(clippy::too_many_arguments)]
    fn new_agent(
        &mut self,
        ctx: &mut Context<Self>,
        pid: Upid,
        info: SlaveInfo,
        version: String,
        capabilities: Vec<slave_info::Capability>,
        checkpointed_resources: Vec<proto::mesos::Resource>,
        resource_version: Option<proto::mesos::Uuid>,
    ) -> Option<Agent> {
        let total = match apply_checkpointed(&info.resources, &checkpointed_resources) {
            Ok(total) => total,
            Err(error) => {
                tracing::warn!(%pid, %error, "ignoring agent: bad checkpointed resources");
                return None;
            }
        };
        let observer = match AgentObserver::spawn(
            ctx.runtime(),
            pid.clone(),
            info.clone(),
            ctx.handle(),
            self.observer_config.clone(),
        ) {
            Ok(observer) => observer,
            Err(error) => {
                tracing::error!(%pid, %error, "cannot spawn the agent's observer");
                return None;
            }
        };
        Some(Agent {
            info,
            pid,
            version,
            capabilities,
            registered_time: SystemTime::now(),
            reregistered_time: None,
            connected: true,
            active: true,
            checkpointed_resources,
            total,
            resource_version,
            resource_providers: Vec::new(),
            executors: Vec::new(),
            tasks: Vec::new(),
            operations: Vec::new(),
            observer,
            reregistration_timer: None,
        })
    }

    /// Mesos's `addSlave`: records the agent, links to it, and gives its
    /// resources to the allocator.
    fn add_agent(&mut self, ctx: &Context<Self>, agent: Agent) {
        ctx.link(&agent.pid);
        let used = used_by_framework(&agent);
        if let Err(error) = self.allocator.lock().add_agent(
            &agent.info,
            &agent.capabilities,
            None,
            &agent.total,
            &used,
        ) {
            tracing::error!(agent = agent.id(), %error, "the allocator refused the agent");
        }
        let id = agent.id().to_owned();
        self.agents.insert(agent);
        self.agent_added_event(&id);
        self.publish_counts();
        self.allocate_soon(ctx);
    }

    // Reregistration.

    fn reregister_agent(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: ReregisterSlaveMessage,
    ) {
        self.metrics.messages_reregister_slave.increment();
        let Some(message) = self.authenticated_agent_message(
            &from,
            message,
            "reregistration",
            Self::reregister_agent,
        ) else {
            return;
        };
        let checks = Check::agent_registration(&message.slave);
        self.authorize_agent(ctx, from.clone(), checks, move |master, ctx| {
            master.reregister_authorized_agent(ctx, from, message)
        });
    }

    fn reregister_authorized_agent(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        mut message: ReregisterSlaveMessage,
    ) {
        let id = agent_id(&message.slave).to_owned();
        if self.agents.reregistering.contains(&id) {
            tracing::info!(agent = %id, %from, "ignoring reregister agent message: reregistration already in progress");
            return;
        }
        if self.agents.gone.contains_key(&id) {
            tracing::warn!(agent = %id, %from, "refusing reregistration: the agent is marked gone");
            ctx.send_protobuf(&from, &gone_shutdown());
            return;
        }
        if let Err(error) = validation::reregister_agent(&message) {
            tracing::warn!(%from, %error, "dropping reregistration of agent: invalid reregistration");
            return;
        }
        if id.is_empty() {
            tracing::warn!(%from, "dropping reregistration of agent without an id");
            return;
        }
        tracing::info!(agent = %id, %from, hostname = %message.slave.hostname, "received reregister agent message");
        if let Some(refusal) = self.refuse_admission(&from, &message.slave, message.version()) {
            if let Some(shutdown) = refusal {
                ctx.send_protobuf(&from, &shutdown);
            }
            return;
        }
        upgrade(&mut message.slave.resources);
        upgrade(&mut message.checkpointed_resources);

        if let Some(agent) = self.agents.registered.get(&id) {
            // A known agent may not come back from elsewhere: maintenance is
            // scheduled per machine.
            if agent.pid.address().ip() != from.address().ip()
                || agent.info.hostname != message.slave.hostname
            {
                tracing::warn!(agent = %id, %from, "agent attempted to reregister with different IP / hostname; shutting it down");
                ctx.send_protobuf(
                    &from,
                    &ShutdownMessage {
                        message: Some(
                            "Agent attempted to reregister with different IP / hostname".into(),
                        ),
                    },
                );
                return;
            }
            self.agents.reregistering.insert(id);
            if message.slave == agent.info {
                self.reregistered_known(ctx, from, message, Ok(Outcome::Unchanged));
            } else {
                self.apply(
                    ctx,
                    Operation::UpdateAgent(message.slave.clone()),
                    move |master, ctx, outcome| {
                        master.reregistered_known(ctx, from, message, outcome)
                    },
                );
            }
            return;
        }

        self.agents.reregistering.insert(id.clone());
        match self.agents.recovered.get(&id) {
            Some(recovered) if *recovered == message.slave => {
                self.readmitted(ctx, from, message, Ok(Outcome::Unchanged));
            }
            Some(_) => self.apply(
                ctx,
                Operation::UpdateAgent(message.slave.clone()),
                move |master, ctx, outcome| master.readmitted(ctx, from, message, outcome),
            ),
            // Usually marked unreachable earlier; or unknown altogether (its
            // entry collected): admitted either way, as after a failover.
            None => self.apply(
                ctx,
                Operation::MarkAgentReachable(message.slave.clone()),
                move |master, ctx, outcome| master.readmitted(ctx, from, message, outcome),
            ),
        }
    }

    /// Mesos's `__reregisterSlave`: an agent recovered from the registry,
    /// unreachable or unknown is admitted again.
    fn readmitted(
        &mut self,
        ctx: &mut Context<Self>,
        pid: Upid,
        message: ReregisterSlaveMessage,
        outcome: Result<Outcome, RegistrarError>,
    ) {
        let id = agent_id(&message.slave).to_owned();
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                return self.fail(
                    ctx,
                    format!("Failed to update registry for agent {id} at {pid}: {error}"),
                );
            }
        };
        self.agents.reregistering.remove(&id);
        if let Outcome::Refused(reason) = outcome {
            tracing::error!(agent = %id, %reason, "the registry refused to readmit the agent");
            return;
        }
        if self.agents.gone.contains_key(&id) {
            ctx.send_protobuf(&pid, &gone_shutdown());
            return;
        }
        let ReregisterSlaveMessage {
            slave,
            checkpointed_resources,
            executor_infos,
            tasks,
            version,
            agent_capabilities,
            resource_version_uuid,
            ..
        } = message;
        self.agents.recovered.remove(&id);
        let Some(mut agent) = self.new_agent(
            ctx,
            pid,
            slave,
            version.unwrap_or_default(),
            agent_capabilities,
            checkpointed_resources,
            resource_version_uuid,
        ) else {
            return;
        };
        agent.reregistered_time = Some(SystemTime::now());
        agent.executors = executor_infos;
        agent.tasks = tasks;
        self.metrics.slave_reregistrations.increment();
        self.agents.unreachable.remove(&id);

        // Mesos's observer pings from its initialize, which runs before the
        // reply below goes out.
        send_ping(ctx.runtime(), agent.observer.upid(), &agent.pid, true);
        let pid = agent.pid.clone();
        tracing::info!(agent = %id, %pid, resources = %agent.total, "reregistered agent");
        self.add_agent(ctx, agent);
        self.adopt_agent_tasks(&id);
        if self.agents.deactivated.contains(&id) {
            self.deactivate(ctx, &id);
        }
        self.send_drain(ctx, &id);
        let reregistered = SlaveReregisteredMessage {
            slave_id: SlaveId { value: id },
            reconciliations: Vec::new(),
            connection: Some(self.connection()),
        };
        ctx.send_protobuf(&pid, &reregistered);
    }

    /// Mesos's `___reregisterSlave`: an agent this master has registered
    /// comes back (restarted, or after its connection broke).
    fn reregistered_known(
        &mut self,
        ctx: &mut Context<Self>,
        pid: Upid,
        message: ReregisterSlaveMessage,
        outcome: Result<Outcome, RegistrarError>,
    ) {
        let id = agent_id(&message.slave).to_owned();
        if let Err(error) = outcome {
            return self.fail(
                ctx,
                format!("Failed to update registry for agent {id} at {pid}: {error}"),
            );
        }
        self.agents.reregistering.remove(&id);
        if self.agents.gone.contains_key(&id) {
            ctx.send_protobuf(&pid, &gone_shutdown());
            return;
        }
        let connection = self.connection();
        let Some(agent) = self.agents.registered.get_mut(&id) else {
            tracing::warn!(agent = %id, %pid, "dropping reregistration: the agent was removed meanwhile");
            return;
        };
        let resource_provider_capable =
            agent.has_capability(slave_info::capability::Type::ResourceProvider);
        // Agents without resource providers keep the master's view of their
        // checkpointed resources, which is sent back to them below.
        let checkpointed = if resource_provider_capable {
            message.checkpointed_resources.clone()
        } else {
            agent.checkpointed_resources.clone()
        };
        let total = match apply_checkpointed(&message.slave.resources, &checkpointed) {
            Ok(total) => total,
            Err(error) => {
                tracing::warn!(agent = %id, %pid, %error, "refusing reregistration");
                ctx.send_protobuf(
                    &pid,
                    &ShutdownMessage {
                        message: Some(error),
                    },
                );
                return;
            }
        };
        let old_pid = std::mem::replace(&mut agent.pid, pid.clone());
        agent.info = message.slave;
        agent.version = message.version.unwrap_or_default();
        agent.capabilities = message.agent_capabilities;
        agent.checkpointed_resources = checkpointed;
        agent.total = total;
        agent.resource_version = message.resource_version_uuid;
        agent.reregistered_time = Some(SystemTime::now());
        let was_connected = agent.connected;
        agent.connected = true;
        if let Some(timer) = agent.reregistration_timer.take() {
            timer.cancel();
        }
        let observed = pid.clone();
        agent
            .observer
            .dispatch(move |observer, _| observer.reconnect(observed));
        if let Err(error) = self.allocator.lock().update_agent(
            &agent.info,
            Some(&agent.total),
            Some(&agent.capabilities),
        ) {
            tracing::error!(agent = %id, %error, "the allocator refused the agent's update");
        }
        let resend_checkpointed =
            (!resource_provider_capable).then(|| CheckpointResourcesMessage {
                resources: agent.checkpointed_resources.clone(),
            });
        ctx.link(&pid);
        self.agents.repoint(&id, &old_pid);

        ctx.send_protobuf(
            &pid,
            &SlaveReregisteredMessage {
                slave_id: SlaveId { value: id.clone() },
                reconciliations: Vec::new(),
                connection: Some(connection),
            },
        );
        if !was_connected && !self.agents.deactivated.contains(&id) {
            tracing::info!(agent = %id, "reactivating reregistered agent");
            if let Some(agent) = self.agents.registered.get_mut(&id) {
                agent.active = true;
            }
            if let Err(error) = self
                .allocator
                .lock()
                .activate_agent(&SlaveId { value: id.clone() })
            {
                tracing::error!(agent = %id, %error, "the allocator cannot activate the agent");
            }
        }
        self.send_drain(ctx, &id);
        if let Some(checkpointed) = resend_checkpointed {
            ctx.send_protobuf(&pid, &checkpointed);
        }
        self.publish_counts();
    }

    /// A draining agent is told so whenever it (re)registers.
    fn send_drain(&self, ctx: &Context<Self>, id: &str) {
        let (Some(drain), Some(agent)) =
            (self.agents.draining.get(id), self.agents.registered.get(id))
        else {
            return;
        };
        ctx.send_protobuf(
            &agent.pid,
            &DrainSlaveMessage {
                config: drain.config,
            },
        );
    }

    // Updates and unregistration.

    fn update_agent(
        &mut self,
        _ctx: &mut Context<Self>,
        _from: Upid,
        mut message: UpdateSlaveMessage,
    ) {
        self.metrics.messages_update_slave.increment();
        upgrade(&mut message.oversubscribed_resources);
        let id = message.slave_id.value.clone();
        let Some(agent) = self.agents.registered.get_mut(&id) else {
            tracing::warn!(agent = %id, "ignoring update on removed agent");
            return;
        };
        // Without the field, an agent older than 1.5 always sends its
        // oversubscribed resources.
        let oversubscribed = message
            .update_oversubscribed_resources
            .unwrap_or(true)
            .then(|| Resources::from_protos(&message.oversubscribed_resources));
        let oversubscribed = match oversubscribed.transpose() {
            Ok(oversubscribed) => oversubscribed,
            Err(error) => {
                tracing::warn!(agent = %id, %error, "ignoring update with invalid oversubscribed resources");
                return;
            }
        };
        let providers = message
            .resource_providers
            .map(|providers| providers.providers)
            .unwrap_or_default();
        let mut provider_resources = Resources::new();
        for provider in &providers {
            match Resources::from_protos(&provider.total_resources) {
                Ok(resources) => provider_resources = &provider_resources + &resources,
                Err(error) => {
                    tracing::warn!(agent = %id, %error, "ignoring update with invalid resource provider resources");
                    return;
                }
            }
        }
        let own = agent.total.filter(|r| !r.has_resource_provider());
        let total = &(&own.non_revocable() + &oversubscribed.unwrap_or_else(|| own.revocable()))
            + &provider_resources;
        let operations = message.operations.map(|o| o.operations).unwrap_or_default();
        let updated = total != agent.total
            || (message.resource_version_uuid.is_some()
                && message.resource_version_uuid != agent.resource_version)
            // Operations are not reconciled with the agent's: any reported one is news.
            || !operations.is_empty()
            || providers != agent.resource_providers;
        if !updated {
            tracing::info!(agent = %id, "ignoring update on agent as it reports no changes");
            return;
        }
        agent.total = total;
        if message.resource_version_uuid.is_some() {
            agent.resource_version = message.resource_version_uuid;
        }
        agent.resource_providers = providers;
        tracing::info!(agent = %id, resources = %agent.total, "received update of agent");
        if let Err(error) =
            self.allocator
                .lock()
                .update_agent(&agent.info, Some(&agent.total), None)
        {
            tracing::error!(agent = %id, %error, "the allocator refused the agent's update");
        }
    }

    fn unregister_agent(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: UnregisterSlaveMessage,
    ) {
        self.metrics.messages_unregister_slave.increment();
        let id = message.slave_id.value;
        match self.agents.registered.get(&id) {
            None => tracing::warn!(%from, "ignoring unregister agent message for unknown agent"),
            Some(agent) if agent.pid != from => {
                tracing::warn!(%from, agent = %agent.pid, "ignoring unregister agent message: not from the agent");
            }
            Some(_) => {
                let reason = self.metrics.slave_removals_reason_unregistered.clone();
                self.remove_agent(ctx, &id, "the agent unregistered", reason);
            }
        }
    }

    // Disconnection, unreachability, removal.

    /// The connection to a linked agent broke.
    fn disconnected(&mut self, ctx: &mut Context<Self>, pid: &Upid) {
        let Some(id) = self.agents.by_pid(pid).map(|agent| agent.id().to_owned()) else {
            return;
        };
        let timeout = self.flags.agent_reregister_timeout.to_std();
        let agent = self.agents.registered.get_mut(&id).expect("found by pid");
        if !agent.connected {
            // The agent's pid survives restarts, so exits can repeat.
            tracing::warn!(agent = %id, "ignoring duplicate exited() notification");
            return;
        }
        tracing::info!(agent = %id, %pid, "agent disconnected");
        // It authenticates again before it reregisters.
        self.authentications.forget(pid);
        agent.connected = false;
        agent.observer.dispatch(|observer, _| observer.disconnect());
        // An agent that answers pings but never reregisters (stuck in its
        // recovery) is caught by this timer.
        let timer_id = id.clone();
        agent.reregistration_timer = Some(ctx.delay(timeout, move |master: &mut Self, ctx| {
            master.agent_reregister_timeout(ctx, timer_id)
        }));
        self.deactivate(ctx, &id);
        self.publish_counts();
    }

    pub(crate) fn deactivate(&mut self, ctx: &mut Context<Self>, id: &str) {
        self.rescind_agent_offers(ctx, id);
        let Some(agent) = self.agents.registered.get_mut(id) else {
            return;
        };
        tracing::info!(agent = id, "deactivating agent");
        agent.active = false;
        if let Err(error) = self.allocator.lock().deactivate_agent(&SlaveId {
            value: id.to_owned(),
        }) {
            tracing::error!(agent = id, %error, "the allocator cannot deactivate the agent");
        }
    }

    fn agent_reregister_timeout(&mut self, ctx: &mut Context<Self>, id: String) {
        if self
            .agents
            .registered
            .get(&id)
            .is_none_or(|agent| agent.connected)
        {
            return;
        }
        tracing::info!(agent = %id, "scheduling removal of agent that did not reregister after disconnecting");
        self.metrics.slave_unreachable_scheduled.increment();
        let limiter = Arc::clone(&self.limiter);
        let master = ctx.handle();
        tokio::spawn(async move {
            let _permit = limiter.acquire().await;
            master.dispatch(move |master: &mut Self, ctx| {
                let Some(agent) = master.agents.registered.get(&id).filter(|a| !a.connected) else {
                    master.metrics.slave_unreachable_canceled.increment();
                    return;
                };
                master.metrics.slave_unreachable_completed.increment();
                let info = agent.info.clone();
                let message = format!(
                    "agent did not reregister within {} after disconnecting",
                    master.flags.agent_reregister_timeout
                );
                master.mark_unreachable(ctx, info, false, message);
            });
        });
    }

    /// Moves an agent to the unreachable list in the registry, then out of
    /// the master's and the allocator's state. `during_failover`: the agent
    /// was recovered from the registry and never came back. Returns whether
    /// the transition started.
    pub(crate) fn mark_unreachable(
        &mut self,
        ctx: &mut Context<Self>,
        info: SlaveInfo,
        during_failover: bool,
        message: String,
    ) -> bool {
        let id = agent_id(&info).to_owned();
        let skip = if during_failover && !self.agents.recovered.contains_key(&id) {
            Some("it reregistered in the interim")
        } else if !during_failover && !self.agents.registered.contains_key(&id) {
            Some("it has already been removed or marked unreachable")
        } else if self.agents.reregistering.contains(&id) {
            Some("it is reregistering")
        } else if self.agents.marking_unreachable.contains(&id) {
            Some("another unreachable transition is already in progress")
        } else if self.agents.removing.contains(&id) {
            Some("it is being removed")
        } else if self.agents.gone.contains_key(&id) {
            Some("it has been marked as gone")
        } else {
            None
        };
        if let Some(reason) = skip {
            tracing::info!(agent = %id, "skipping transition of agent to unreachable because {reason}");
            return false;
        }
        tracing::info!(agent = %id, hostname = %info.hostname, "marking agent unreachable: {message}");
        self.agents.marking_unreachable.insert(id);
        let at = time_info(SystemTime::now());
        self.apply(
            ctx,
            Operation::MarkAgentUnreachable {
                info: info.clone(),
                at,
            },
            move |master, ctx, outcome| {
                master.marked_unreachable(ctx, info, at, during_failover, message, outcome)
            },
        );
        true
    }

    fn marked_unreachable(
        &mut self,
        ctx: &mut Context<Self>,
        info: SlaveInfo,
        at: TimeInfo,
        during_failover: bool,
        message: String,
        outcome: Result<Outcome, RegistrarError>,
    ) {
        let id = agent_id(&info).to_owned();
        match outcome {
            Err(error) => {
                return self.fail(
                    ctx,
                    format!("Failed to mark agent {id} as unreachable in the registry: {error}"),
                );
            }
            Ok(Outcome::Refused(reason)) => {
                tracing::error!(agent = %id, %reason, "the registry refused to mark the agent unreachable");
            }
            Ok(_) => {}
        }
        self.agents.marking_unreachable.remove(&id);
        tracing::info!(agent = %id, "marked agent unreachable: {message}");
        self.metrics.slave_removals.increment();
        self.metrics.slave_removals_reason_unhealthy.increment();
        self.agents.unreachable.insert(id.clone(), at);
        if during_failover {
            self.agents.recovered.remove(&id);
            self.metrics.recovery_slave_removals.increment();
            self.hooks.master_agent_lost(&info);
        } else {
            self.forget_agent(ctx, &id, true);
        }
        self.publish_counts();
    }

    /// Mesos's `removeSlave`: an agent that unregistered, or was replaced by
    /// a new registration at its address, leaves the registry altogether.
    fn remove_agent(
        &mut self,
        ctx: &mut Context<Self>,
        id: &str,
        message: &'static str,
        reason: libprocess::Counter,
    ) {
        let Some(agent) = self.agents.registered.get(id) else {
            return;
        };
        if self.agents.marking_unreachable.contains(id) || self.agents.removing.contains(id) {
            tracing::warn!(
                agent = id,
                "ignoring removal of agent that is already being removed"
            );
            return;
        }
        tracing::info!(agent = id, "removing agent: {message}");
        self.agents.removing.insert(id.to_owned());
        let id = id.to_owned();
        self.apply(
            ctx,
            Operation::RemoveAgent(agent.info.clone()),
            move |master, ctx, outcome| {
                master.agents.removing.remove(&id);
                match outcome {
                    Err(error) => {
                        return master.fail(ctx, format!("Failed to remove agent {id} from the registrar: {error}"));
                    }
                    Ok(Outcome::Refused(refusal)) => {
                        tracing::error!(agent = %id, %refusal, "the registry did not hold the removed agent");
                    }
                    Ok(_) => {}
                }
                tracing::info!(agent = %id, "removed agent: {message}");
                master.metrics.slave_removals.increment();
                reason.increment();
                master.agents.draining.remove(&id);
                master.agents.deactivated.remove(&id);
                master.forget_agent(ctx, &id, false);
                master.publish_counts();
            },
        );
    }

    /// Drops a registered agent from the master's and the allocator's
    /// state (its offers rescinded, its tasks lost: see
    /// [`Self::agent_lost`]), stops its health checks and tells the hooks.
    pub(crate) fn forget_agent(&mut self, ctx: &mut Context<Self>, id: &str, unreachable: bool) {
        self.agent_lost(ctx, id, unreachable);
        if let Err(error) = self.allocator.lock().remove_agent(&SlaveId {
            value: id.to_owned(),
        }) {
            tracing::error!(agent = id, %error, "the allocator did not know the agent");
        }
        if let Some(agent) = self.agents.remove(id) {
            self.agent_removed_event(id);
            // Unless a new registration from that pid replaces it.
            if !self.agents.registering.contains(&agent.pid) {
                self.authentications.forget(&agent.pid);
            }
            if let Some(timer) = &agent.reregistration_timer {
                timer.cancel();
            }
            agent.observer.terminate();
            self.hooks.master_agent_lost(&agent.info);
        }
    }
}

fn gone_shutdown() -> ShutdownMessage {
    ShutdownMessage {
        message: Some("Agent has been marked gone".into()),
    }
}

/// The region of a master's fault domain, if it has one.
fn region(info: &MasterInfo) -> Option<&str> {
    let fault_domain = info.domain.as_ref()?.fault_domain.as_ref()?;
    Some(&fault_domain.region.name)
}

pub(crate) fn time_info(at: SystemTime) -> TimeInfo {
    let nanos = at
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_nanos();
    TimeInfo {
        nanoseconds: i64::try_from(nanos).unwrap_or(i64::MAX),
    }
}

/// The resources each framework uses on the agent, from the tasks and
/// executors it reported.
fn used_by_framework(agent: &Agent) -> HashMap<proto::mesos::FrameworkId, Resources> {
    let mut used: HashMap<proto::mesos::FrameworkId, Resources> = HashMap::new();
    let tasks = agent
        .tasks
        .iter()
        .filter(|task| !is_terminal(task.state()))
        .map(|task| (Some(&task.framework_id), &task.resources));
    let executors = agent
        .executors
        .iter()
        .map(|executor| (executor.framework_id.as_ref(), &executor.resources));
    for (framework, resources) in tasks.chain(executors) {
        let (Some(framework), Ok(resources)) = (framework, Resources::from_protos(resources))
        else {
            continue;
        };
        let entry = used.entry(framework.clone()).or_default();
        *entry = &*entry + &resources;
    }
    used
}

impl Process for MasterProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        endpoints::install(ctx);
        Self::install_agent_message(ctx, Self::authenticate);
        crate::operator::install(ctx);
        Self::install_agent_message(ctx, Self::register_agent);
        Self::install_agent_message(ctx, Self::reregister_agent);
        Self::install_agent_message(ctx, Self::unregister_agent);
        Self::install_agent_message(ctx, Self::update_agent);
        Self::install_agent_message(ctx, Self::status_update);
        Self::install_agent_message(ctx, Self::executor_message);
        Self::install_agent_message(ctx, Self::exited_executor);
        Self::install_agent_message(ctx, Self::operation_status);
        crate::scheduler_http::install(ctx);
        crate::driver::install(ctx);
        self.publish_counts();
        self.contend(ctx);
        self.detect(ctx);
    }

    fn exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) {
        if !self.framework_exited(ctx, pid) {
            self.disconnected(ctx, pid);
        }
    }

    fn finalize(&mut self, _ctx: &mut Context<Self>) {
        for agent in self.agents.registered.values() {
            agent.observer.terminate();
        }
        for timer in [&self.recovered_agents_timer, &self.registry_gc_timer]
            .into_iter()
            .flatten()
        {
            timer.cancel();
        }
        self.metrics.elected.set(0.0);
    }
}
