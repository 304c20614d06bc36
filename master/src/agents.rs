//! The master's record of agents: those registered with it (with their
//! resources and health-check observer), and what it knows of the others
//! from the registry — recovered after a failover and not yet back,
//! unreachable, gone — plus the transitions under way, so that a second
//! request for an agent already being changed is refused as Mesos refuses it.
//!
//! The records the endpoints show are kept in persistent maps (`imbl`):
//! cloning them is O(1) and shares every entry, so the read view
//! ([`crate::read_view`]) takes a consistent copy of all agents without
//! walking them; a change after that copies only the changed entry's path.

use crate::metrics::AgentCounts;
use crate::observer::AgentObserver;
use imbl::{HashSet as SharedSet, OrdMap};
use libprocess::{Pid, Timer, Upid};
use proto::mesos::internal::update_slave_message;
use proto::mesos::{
    DrainInfo, ExecutorInfo, Operation, Resource, SlaveInfo, Task, TimeInfo, Uuid as ProtoUuid,
    slave_info,
};
use resources::Resources;
use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

/// A registered agent.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    pub info: SlaveInfo,
    pub pid: Upid,
    pub version: String,
    pub capabilities: Vec<slave_info::Capability>,
    pub registered_time: SystemTime,
    pub reregistered_time: Option<SystemTime>,
    /// False between a broken connection and the agent's reregistration.
    pub connected: bool,
    /// False while disconnected or deactivated: its resources are not offered.
    pub active: bool,
    pub checkpointed_resources: Vec<Resource>,
    /// Its resources with the checkpointed reservations and volumes applied,
    /// plus oversubscribed and resource provider resources.
    pub total: Resources,
    pub resource_version: Option<ProtoUuid>,
    pub resource_providers: Vec<update_slave_message::ResourceProvider>,
    /// What the agent reported running when it reregistered; frameworks
    /// claim them when they come back.
    pub executors: Vec<ExecutorInfo>,
    pub tasks: Vec<Task>,
    /// Operations sent to it with `ApplyOperationMessage` and not finished
    /// (or not acknowledged) yet, as GET_OPERATIONS lists them.
    pub operations: Vec<Operation>,
    pub observer: Pid<AgentObserver>,
    /// Armed when the connection breaks: `--agent_reregister_timeout`.
    pub reregistration_timer: Option<Timer>,
}

impl Agent {
    pub fn id(&self) -> &str {
        agent_id(&self.info)
    }

    pub fn has_capability(&self, capability: slave_info::capability::Type) -> bool {
        self.capabilities.iter().any(|c| c.r#type() == capability)
    }

    /// The agent as Mesos's messages name it: `<id> at <pid> (<hostname>)`.
    pub fn label(&self) -> String {
        format!("{} at {} ({})", self.id(), self.pid, self.info.hostname)
    }
}

/// The id an admitted agent's info carries (empty if it has none).
pub(crate) fn agent_id(info: &SlaveInfo) -> &str {
    info.id
        .as_ref()
        .map(|id| id.value.as_str())
        .unwrap_or_default()
}

#[derive(Debug, Default)]
pub(crate) struct Agents {
    /// By id; ordered so that endpoints list agents in a stable order.
    pub registered: OrdMap<String, Agent>,
    by_pid: HashMap<Upid, String>,
    /// Pids whose registration is being admitted.
    pub registering: HashSet<Upid>,
    /// Ids whose reregistration is under way.
    pub reregistering: HashSet<String>,
    /// Admitted in the registry before a failover, not reregistered yet.
    pub recovered: OrdMap<String, SlaveInfo>,
    pub unreachable: OrdMap<String, TimeInfo>,
    pub gone: OrdMap<String, TimeInfo>,
    pub marking_unreachable: HashSet<String>,
    pub removing: HashSet<String>,
    pub draining: OrdMap<String, DrainInfo>,
    pub deactivated: SharedSet<String>,
}

impl Agents {
    pub fn by_pid(&self, pid: &Upid) -> Option<&Agent> {
        self.by_pid.get(pid).and_then(|id| self.registered.get(id))
    }

    pub fn insert(&mut self, agent: Agent) {
        let id = agent.id().to_owned();
        self.by_pid.insert(agent.pid.clone(), id.clone());
        self.registered.insert(id, agent);
    }

    /// Points the pid index at the agent's current pid.
    pub fn repoint(&mut self, id: &str, old: &Upid) {
        if self.by_pid.get(old).map(String::as_str) == Some(id) {
            self.by_pid.remove(old);
        }
        if let Some(agent) = self.registered.get(id) {
            self.by_pid.insert(agent.pid.clone(), id.to_owned());
        }
    }

    /// Forgets a registered agent.
    pub fn remove(&mut self, id: &str) -> Option<Agent> {
        let agent = self.registered.remove(id)?;
        if self.by_pid.get(&agent.pid).map(String::as_str) == Some(id) {
            self.by_pid.remove(&agent.pid);
        }
        Some(agent)
    }

    /// The records the endpoints show, sharing every entry with `self`
    /// (O(1)); the bookkeeping of transitions under way is left out.
    pub fn shared_copy(&self) -> Agents {
        Agents {
            registered: self.registered.clone(),
            recovered: self.recovered.clone(),
            unreachable: self.unreachable.clone(),
            gone: self.gone.clone(),
            draining: self.draining.clone(),
            deactivated: self.deactivated.clone(),
            ..Agents::default()
        }
    }

    pub fn counts(&self) -> AgentCounts {
        let mut counts = AgentCounts {
            unreachable: self.unreachable.len(),
            ..AgentCounts::default()
        };
        for agent in self.registered.values() {
            if agent.active {
                counts.active += 1;
            } else {
                counts.inactive += 1;
            }
            if agent.connected {
                counts.connected += 1;
            } else {
                counts.disconnected += 1;
            }
        }
        counts
    }
}

/// The agent's total from the protos it sent: its resources with the
/// checkpointed dynamic reservations and volumes in place of what they
/// were made from ([`Resources::apply_checkpointed`]).
pub(crate) fn apply_checkpointed(
    resources: &[Resource],
    checkpointed: &[Resource],
) -> Result<Resources, String> {
    let total = Resources::from_protos(resources).map_err(|e| e.to_string())?;
    let checkpointed = Resources::from_protos(checkpointed).map_err(|e| e.to_string())?;
    total
        .apply_checkpointed(&checkpointed)
        .map_err(|e| e.to_string())
}

/// Resources in the format the master works in (reservations as a stack),
/// each converted on its own so that order and grouping stay as sent.
pub(crate) fn upgrade(resources: &mut [Resource]) {
    for resource in resources {
        if let Ok(parsed) = resources::Resource::from_proto(resource) {
            *resource = parsed.to_proto();
        }
    }
}
