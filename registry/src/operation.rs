//! The changes the master makes to its registry, as values.
//!
//! Each [`Operation`] is applied to the registry in memory and reports one of
//! three things: it changed the registry, it found the registry already as it
//! asks (nothing to change), or it does not apply at all (admitting an agent
//! twice, removing one never admitted). The rules are Mesos's
//! (`registry_operations.cpp`, `maintenance.cpp`, `quota.cpp`, `weights.cpp`).

use proto::mesos::internal::Registry;
use proto::mesos::internal::registry::{
    GoneSlave, Machine, MinimumCapability, Slave, UnreachableSlave, Weight,
};
use proto::mesos::maintenance::Schedule;
use proto::mesos::master_info::capability::Type as Capability;
use proto::mesos::quota::QuotaConfig;
use proto::mesos::value::Scalar;
use proto::mesos::{
    DrainConfig, DrainInfo, DrainState, DurationInfo, MachineId, MachineInfo, SlaveId, SlaveInfo,
    TimeInfo, WeightInfo, machine_info,
};
use resources::{Resource, ResourceFormat};
use std::collections::{BTreeSet, HashSet};

/// One change to the registry. Mesos's operation names are given with each
/// variant; "agent" is Mesos's newer word for "slave".
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `AdmitSlave`: adds a new agent. Refused if its id is already admitted.
    AdmitAgent(SlaveInfo),
    /// `UpdateSlave`: replaces an admitted agent's `SlaveInfo`. Refused if
    /// the agent is not admitted; unchanged if the info is the same.
    UpdateAgent(SlaveInfo),
    /// `MarkSlaveUnreachable`: moves an admitted agent to the unreachable
    /// list, stamped `at`, keeping its drain and deactivation state. Refused
    /// if the agent is not admitted.
    MarkAgentUnreachable { info: SlaveInfo, at: TimeInfo },
    /// `MarkSlaveReachable`: moves an agent back from the unreachable list,
    /// or admits it if it is unknown (it may have been collected while
    /// away). Unchanged if it is already admitted.
    MarkAgentReachable(SlaveInfo),
    /// `RemoveSlave`: forgets an admitted agent. Refused if not admitted.
    RemoveAgent(SlaveInfo),
    /// `MarkSlaveGone`: moves an admitted or unreachable agent to the gone
    /// list, stamped `at`. Refused if it is already gone or unknown.
    MarkAgentGone { id: SlaveId, at: TimeInfo },
    /// `Prune`: drops these agent ids from the unreachable and gone lists;
    /// ids no longer there are skipped. See [`crate::AgentGc`].
    Prune {
        unreachable: BTreeSet<String>,
        gone: BTreeSet<String>,
    },
    /// `DrainAgent`: marks an admitted or unreachable agent DRAINING and
    /// deactivated. Unchanged if the agent is unknown.
    DrainAgent {
        id: SlaveId,
        max_grace_period: Option<DurationInfo>,
        mark_gone: bool,
    },
    /// `MarkAgentDrained`: DRAINING becomes DRAINED. Refused if the agent is
    /// not draining; unchanged if it is unknown.
    MarkAgentDrained(SlaveId),
    /// `DeactivateAgent`. Unchanged if the agent is unknown.
    DeactivateAgent(SlaveId),
    /// `ReactivateAgent`: clears drain and deactivation. Unchanged if the
    /// agent is unknown.
    ReactivateAgent(SlaveId),
    /// `UpdateSchedule`: replaces the maintenance schedule; machines new to
    /// it start DRAINING, machines no longer in it are forgotten.
    UpdateSchedule(Schedule),
    /// `StartMaintenance`: the scheduled machines named go DOWN.
    StartMaintenance(Vec<MachineId>),
    /// `StopMaintenance`: the machines named come back UP and leave the
    /// schedule.
    StopMaintenance(Vec<MachineId>),
    /// `UpdateQuota`: sets each role's quota; a config with no guarantees
    /// and no limits removes the role's quota. Refused if any config is
    /// invalid.
    UpdateQuota(Vec<QuotaConfig>),
    /// `UpdateWeights`: sets each role's weight.
    UpdateWeights(Vec<WeightInfo>),
}

/// What applying an [`Operation`] did. Mesos reports the first two as
/// `true` and a refusal as `false`; [`Outcome::accepted`] gives that answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The registry changed, and the change is durable.
    Mutated,
    /// The operation applies, but the registry already was as it asks.
    Unchanged,
    /// The operation does not apply to the registry as it is; it changed
    /// nothing. The text says why.
    Refused(String),
}

impl Outcome {
    /// Whether the operation applied: Mesos's `Future<bool>` value.
    pub fn accepted(&self) -> bool {
        !matches!(self, Outcome::Refused(_))
    }
}

/// The registry being changed, with the set of admitted agent ids that makes
/// admission checks constant-time however many agents there are.
#[derive(Debug)]
pub(crate) struct Working {
    pub(crate) registry: Registry,
    admitted: HashSet<String>,
}

impl Working {
    pub(crate) fn new(registry: Registry) -> Working {
        let admitted = registry
            .slaves
            .iter()
            .flat_map(|slaves| &slaves.slaves)
            .filter_map(|slave| slave.info.id.as_ref())
            .map(|id| id.value.clone())
            .collect();
        Working { registry, admitted }
    }

    /// Applies `operation`, reporting what it did.
    pub(crate) fn apply(&mut self, operation: Operation) -> Outcome {
        match self.perform(operation) {
            Ok(true) => Outcome::Mutated,
            Ok(false) => Outcome::Unchanged,
            Err(reason) => Outcome::Refused(reason),
        }
    }

    /// `Ok(mutated)`, or why the operation does not apply. A refused
    /// operation must leave the registry untouched.
    fn perform(&mut self, operation: Operation) -> Result<bool, String> {
        match operation {
            Operation::AdmitAgent(info) => self.admit(info),
            Operation::UpdateAgent(info) => self.update(info),
            Operation::MarkAgentUnreachable { info, at } => self.mark_unreachable(&info, at),
            Operation::MarkAgentReachable(info) => self.mark_reachable(info),
            Operation::RemoveAgent(info) => self.remove(&info),
            Operation::MarkAgentGone { id, at } => self.mark_gone(&id, at),
            Operation::Prune { unreachable, gone } => Ok(self.prune(&unreachable, &gone)),
            Operation::DrainAgent {
                id,
                max_grace_period,
                mark_gone,
            } => Ok(self.drain(&id, max_grace_period, mark_gone)),
            Operation::MarkAgentDrained(id) => self.mark_drained(&id),
            Operation::DeactivateAgent(id) => Ok(self.deactivate(&id)),
            Operation::ReactivateAgent(id) => Ok(self.reactivate(&id)),
            Operation::UpdateSchedule(schedule) => {
                Ok(update_schedule(&mut self.registry, schedule))
            }
            Operation::StartMaintenance(ids) => Ok(start_maintenance(&mut self.registry, &ids)),
            Operation::StopMaintenance(ids) => Ok(stop_maintenance(&mut self.registry, &ids)),
            Operation::UpdateQuota(configs) => update_quota(&mut self.registry, configs),
            Operation::UpdateWeights(weights) => Ok(update_weights(&mut self.registry, weights)),
        }
    }

    fn admit(&mut self, info: SlaveInfo) -> Result<bool, String> {
        let id = agent_id(&info)?.to_owned();
        if self.admitted.contains(&id) {
            return Err(format!("Agent {id} already admitted"));
        }
        let info = downgrade(info)?;
        self.admitted.insert(id);
        admitted(&mut self.registry).push(Slave {
            info,
            drain_info: None,
            deactivated: None,
        });
        Ok(true)
    }

    fn update(&mut self, info: SlaveInfo) -> Result<bool, String> {
        let id = agent_id(&info)?.to_owned();
        if !self.admitted.contains(&id) {
            return Err(format!("Agent {id} not yet admitted"));
        }
        let info = downgrade(info)?;
        let slave = admitted(&mut self.registry)
            .iter_mut()
            .find(|slave| has_id(&slave.info, &id))
            .ok_or_else(|| format!("Failed to find agent {id}"))?;
        if slave.info == info {
            return Ok(false);
        }
        slave.info = info;
        Ok(true)
    }

    fn mark_unreachable(&mut self, info: &SlaveInfo, at: TimeInfo) -> Result<bool, String> {
        let id = agent_id(info)?.to_owned();
        let slave = self.take_admitted(&id)?;
        unreachable(&mut self.registry).push(UnreachableSlave {
            id: SlaveId { value: id },
            timestamp: at,
            drain_info: slave.drain_info,
            deactivated: Some(slave.deactivated()),
        });
        Ok(true)
    }

    fn mark_reachable(&mut self, info: SlaveInfo) -> Result<bool, String> {
        let id = agent_id(&info)?.to_owned();
        // An agent reregistering with a master that failed over is usually
        // still admitted: the registry already says what it should.
        if self.admitted.contains(&id) {
            return Ok(false);
        }
        let info = downgrade(info)?;
        let list = unreachable(&mut self.registry);
        let (drain_info, deactivated) = match list.iter().position(|slave| slave.id.value == id) {
            Some(index) => {
                let slave = list.remove(index);
                (slave.drain_info, Some(slave.deactivated()))
            }
            None => {
                // Collected from the unreachable list while away: admitted
                // all the same, as Mesos does.
                tracing::warn!(agent = %id, "allowing an unknown agent to reregister");
                (None, None)
            }
        };
        self.admitted.insert(id);
        admitted(&mut self.registry).push(Slave {
            info,
            drain_info,
            deactivated,
        });
        Ok(true)
    }

    fn remove(&mut self, info: &SlaveInfo) -> Result<bool, String> {
        let id = agent_id(info)?.to_owned();
        self.take_admitted(&id).map(|_| true)
    }

    fn mark_gone(&mut self, id: &SlaveId, at: TimeInfo) -> Result<bool, String> {
        let id = &id.value;
        let already_gone = self
            .registry
            .gone
            .iter()
            .flat_map(|list| &list.slaves)
            .any(|slave| &slave.id.value == id);
        if already_gone {
            return Err(format!("Agent {id} already marked as gone"));
        }
        if self.admitted.contains(id) {
            self.take_admitted(id)?;
        } else {
            let list = self
                .registry
                .unreachable
                .as_mut()
                .map(|list| &mut list.slaves)
                .filter(|slaves| slaves.iter().any(|slave| &slave.id.value == id))
                .ok_or_else(|| format!("Failed to find agent {id}"))?;
            list.retain(|slave| &slave.id.value != id);
        }
        gone(&mut self.registry).push(GoneSlave {
            id: SlaveId { value: id.clone() },
            timestamp: at,
        });
        Ok(true)
    }

    fn prune(&mut self, unreachable_ids: &BTreeSet<String>, gone_ids: &BTreeSet<String>) -> bool {
        let mut mutated = false;
        if let Some(list) = self.registry.unreachable.as_mut() {
            let before = list.slaves.len();
            list.slaves
                .retain(|slave| !unreachable_ids.contains(&slave.id.value));
            mutated |= list.slaves.len() != before;
        }
        if let Some(list) = self.registry.gone.as_mut() {
            let before = list.slaves.len();
            list.slaves
                .retain(|slave| !gone_ids.contains(&slave.id.value));
            mutated |= list.slaves.len() != before;
        }
        mutated
    }

    fn drain(
        &mut self,
        id: &SlaveId,
        max_grace_period: Option<DurationInfo>,
        mark_gone: bool,
    ) -> bool {
        let found = self.with_agent(&id.value, |drain_info, deactivated| {
            let drain = drain_info.get_or_insert_with(|| DrainInfo {
                state: DrainState::Unknown as i32,
                config: DrainConfig::default(),
            });
            drain.set_state(DrainState::Draining);
            if max_grace_period.is_some() {
                drain.config.max_grace_period = max_grace_period;
            }
            drain.config.mark_gone = Some(mark_gone);
            *deactivated = Some(true);
            Ok(())
        });
        if matches!(found, Ok(true)) {
            add_capability(&mut self.registry, Capability::AgentDraining);
        }
        matches!(found, Ok(true))
    }

    fn mark_drained(&mut self, id: &SlaveId) -> Result<bool, String> {
        self.with_agent(&id.value, |drain_info, _| match drain_info {
            Some(drain) if drain.state() == DrainState::Draining => {
                drain.set_state(DrainState::Drained);
                Ok(())
            }
            _ => Err(format!("Agent {} is not DRAINING", id.value)),
        })
    }

    fn deactivate(&mut self, id: &SlaveId) -> bool {
        let found = self.with_agent(&id.value, |_, deactivated| {
            *deactivated = Some(true);
            Ok(())
        });
        if matches!(found, Ok(true)) {
            add_capability(&mut self.registry, Capability::AgentDraining);
        }
        matches!(found, Ok(true))
    }

    fn reactivate(&mut self, id: &SlaveId) -> bool {
        let found = self.with_agent(&id.value, |drain_info, deactivated| {
            *drain_info = None;
            *deactivated = None;
            Ok(())
        });
        if !matches!(found, Ok(true)) {
            return false;
        }
        // The capability stays as long as any agent is still deactivated, so
        // that an older master cannot recover a registry it would misread.
        let registry = &self.registry;
        let any_deactivated = registry
            .slaves
            .iter()
            .flat_map(|slaves| &slaves.slaves)
            .any(|slave| slave.deactivated())
            || registry
                .unreachable
                .iter()
                .flat_map(|list| &list.slaves)
                .any(|slave| slave.deactivated());
        if !any_deactivated {
            remove_capability(&mut self.registry, Capability::AgentDraining);
        }
        true
    }

    /// Runs `change` on the drain info and deactivation flag of agent `id`,
    /// admitted or unreachable. `Ok(false)` if the agent is in neither list.
    fn with_agent(
        &mut self,
        id: &str,
        change: impl FnOnce(&mut Option<DrainInfo>, &mut Option<bool>) -> Result<(), String>,
    ) -> Result<bool, String> {
        if self.admitted.contains(id)
            && let Some(slave) = admitted(&mut self.registry)
                .iter_mut()
                .find(|slave| has_id(&slave.info, id))
        {
            return change(&mut slave.drain_info, &mut slave.deactivated).map(|()| true);
        }
        match self
            .registry
            .unreachable
            .as_mut()
            .and_then(|list| list.slaves.iter_mut().find(|slave| slave.id.value == id))
        {
            Some(slave) => change(&mut slave.drain_info, &mut slave.deactivated).map(|()| true),
            None => Ok(false),
        }
    }

    /// Removes admitted agent `id` from the admitted list and returns it.
    fn take_admitted(&mut self, id: &str) -> Result<Slave, String> {
        if !self.admitted.contains(id) {
            return Err(format!("Agent {id} not yet admitted"));
        }
        let list = admitted(&mut self.registry);
        let index = list
            .iter()
            .position(|slave| has_id(&slave.info, id))
            .ok_or_else(|| format!("Failed to find agent {id}"))?;
        self.admitted.remove(id);
        Ok(list.remove(index))
    }
}

fn agent_id(info: &SlaveInfo) -> Result<&str, String> {
    info.id
        .as_ref()
        .map(|id| id.value.as_str())
        .ok_or_else(|| format!("SlaveInfo of agent '{}' has no id", info.hostname))
}

fn has_id(info: &SlaveInfo, id: &str) -> bool {
    info.id.as_ref().is_some_and(|own| own.value == id)
}

/// The registry keeps agents' resources in the pre-reservation-refinement
/// format, so that a master of an older release can still recover it.
fn downgrade(mut info: SlaveInfo) -> Result<SlaveInfo, String> {
    for resource in &mut info.resources {
        let parsed = Resource::from_proto(resource).map_err(|error| error.to_string())?;
        *resource = parsed
            .to_proto_in(ResourceFormat::PreReservationRefinement)
            .ok_or_else(|| {
                format!(
                    "agent resource '{parsed}' has refined reservations, which the registry cannot hold"
                )
            })?;
    }
    Ok(info)
}

fn admitted(registry: &mut Registry) -> &mut Vec<Slave> {
    &mut registry.slaves.get_or_insert_default().slaves
}

fn unreachable(registry: &mut Registry) -> &mut Vec<UnreachableSlave> {
    &mut registry.unreachable.get_or_insert_default().slaves
}

fn gone(registry: &mut Registry) -> &mut Vec<GoneSlave> {
    &mut registry.gone.get_or_insert_default().slaves
}

fn machines(registry: &mut Registry) -> &mut Vec<Machine> {
    &mut registry.machines.get_or_insert_default().machines
}

fn add_capability(registry: &mut Registry, capability: Capability) {
    let name = capability.as_str_name();
    if !registry
        .minimum_capabilities
        .iter()
        .any(|existing| existing.capability == name)
    {
        registry.minimum_capabilities.push(MinimumCapability {
            capability: name.to_owned(),
        });
    }
}

fn remove_capability(registry: &mut Registry, capability: Capability) {
    let name = capability.as_str_name();
    registry
        .minimum_capabilities
        .retain(|existing| existing.capability != name);
}

fn update_schedule(registry: &mut Registry, schedule: Schedule) -> bool {
    let scheduled: Vec<(&MachineId, _)> = schedule
        .windows
        .iter()
        .flat_map(|window| {
            window
                .machine_ids
                .iter()
                .map(move |id| (id, window.unavailability))
        })
        .collect();
    let machines = machines(registry);
    // Machines that stay get the new window; machines dropped from the
    // schedule are forgotten (they are back UP).
    machines.retain_mut(|machine| {
        match scheduled
            .iter()
            .rev()
            .find(|(id, _)| **id == machine.info.id)
        {
            Some((_, unavailability)) => {
                machine.info.unavailability = Some(*unavailability);
                true
            }
            None => false,
        }
    });
    for (id, unavailability) in &scheduled {
        if !machines.iter().any(|machine| &machine.info.id == *id) {
            machines.push(Machine {
                info: MachineInfo {
                    id: (*id).clone(),
                    mode: Some(machine_info::Mode::Draining as i32),
                    unavailability: Some(*unavailability),
                },
            });
        }
    }
    registry.schedules = vec![schedule];
    true
}

fn start_maintenance(registry: &mut Registry, ids: &[MachineId]) -> bool {
    let mut mutated = false;
    for machine in registry
        .machines
        .iter_mut()
        .flat_map(|list| &mut list.machines)
    {
        if ids.contains(&machine.info.id) {
            machine.info.set_mode(machine_info::Mode::Down);
            mutated = true;
        }
    }
    mutated
}

fn stop_maintenance(registry: &mut Registry, ids: &[MachineId]) -> bool {
    let mut mutated = false;
    if let Some(list) = registry.machines.as_mut() {
        let before = list.machines.len();
        list.machines
            .retain(|machine| !ids.contains(&machine.info.id));
        mutated = list.machines.len() != before;
    }

    for schedule in &mut registry.schedules {
        for window in &mut schedule.windows {
            window.machine_ids.retain(|id| !ids.contains(id));
        }
        schedule
            .windows
            .retain(|window| !window.machine_ids.is_empty());
    }
    registry
        .schedules
        .retain(|schedule| !schedule.windows.is_empty());
    mutated
}

#[allow(deprecated)] // `quotas`: old quota entries are dropped as roles get a config.
fn update_quota(registry: &mut Registry, configs: Vec<QuotaConfig>) -> Result<bool, String> {
    for config in &configs {
        validate_quota(config).map_err(|reason| {
            format!(
                "Invalid quota config '{}': {reason}",
                proto::json::to_string(config)
            )
        })?;
    }
    for config in configs {
        registry
            .quotas
            .retain(|quota| quota.info.role.as_deref() != Some(&config.role));
        let existing = registry
            .quota_configs
            .iter()
            .position(|stored| stored.role == config.role);
        match (is_default_quota(&config), existing) {
            (true, Some(index)) => {
                registry.quota_configs.remove(index);
            }
            (true, None) => {}
            (false, Some(index)) => registry.quota_configs[index] = config,
            (false, None) => registry.quota_configs.push(config),
        }
    }
    if registry.quota_configs.is_empty() {
        remove_capability(registry, Capability::QuotaV2);
    } else {
        add_capability(registry, Capability::QuotaV2);
    }
    // As in Mesos, every quota update counts as a change.
    Ok(true)
}

/// No guarantees and no limits: the quota every role has by default, which
/// the registry does not store.
fn is_default_quota(config: &QuotaConfig) -> bool {
    config.limits.is_empty() && config.guarantees.values().all(|scalar| scalar.value == 0.0)
}

/// Mesos's largest quota values: one exabyte (in megabytes) for memory and
/// disk, one trillion for anything else.
const MAX_QUOTA_MEGABYTES: f64 = 1024.0 * 1024.0 * 1024.0 * 1024.0;
const MAX_QUOTA_OTHER: f64 = 1_000_000_000_000.0;

fn validate_quota(config: &QuotaConfig) -> Result<(), String> {
    if config.role.is_empty() || config.role == "*" {
        return Err(format!("invalid 'QuotaConfig.role' '{}'", config.role));
    }
    let check = |field: &str, name: &String, scalar: &Scalar| {
        let max = if name == "mem" || name == "disk" {
            MAX_QUOTA_MEGABYTES
        } else {
            MAX_QUOTA_OTHER
        };
        if !scalar.value.is_finite() || scalar.value < 0.0 {
            return Err(format!(
                "'QuotaConfig.{field}' {name}: {} is not a non-negative number",
                scalar.value
            ));
        }
        if scalar.value > max {
            return Err(format!(
                "'QuotaConfig.{field}' {name}: {} is larger than the supported {max}",
                scalar.value
            ));
        }
        Ok(())
    };
    for (name, scalar) in &config.guarantees {
        check("guarantees", name, scalar)?;
    }
    for (name, scalar) in &config.limits {
        check("limits", name, scalar)?;
    }
    for (name, guarantee) in &config.guarantees {
        if let Some(limit) = config.limits.get(name)
            && guarantee.value > limit.value
        {
            return Err(format!(
                "'QuotaConfig.guarantees' {name}: {} is above the limit {}",
                guarantee.value, limit.value
            ));
        }
    }
    Ok(())
}

fn update_weights(registry: &mut Registry, weights: Vec<WeightInfo>) -> bool {
    let mut mutated = false;
    for info in weights {
        match registry
            .weights
            .iter_mut()
            .find(|stored| stored.info.role == info.role)
        {
            Some(stored) if stored.info.weight == info.weight => {}
            Some(stored) => {
                stored.info = info;
                mutated = true;
            }
            None => {
                registry.weights.push(Weight { info });
                mutated = true;
            }
        }
    }
    mutated
}
