//! An example of a custom allocator: [`FifoAllocator`] offers each agent's
//! free resources, whole, to the framework that registered first among
//! those that want them — first come, first served.
//!
//! It shows what a policy of your own needs to plug into the master: an
//! implementation of [`allocator::Allocator`] (a plain synchronous data
//! structure the master calls with events and asks for allocation runs),
//! given to the master in code, `MasterBuilder::allocator(Box::new(
//! FifoAllocator::new()))` (the master's `custom_allocators` test does so
//! and sees its offers reach frameworks).
//!
//! # The policy
//!
//! Frameworks are queued in the order they were added. A run walks the
//! agents in the order they were added and offers everything an agent has
//! free to the first framework in the queue that is active, has a role it
//! has not suppressed (its first such role is the offer's role), and has
//! not refused this agent recently (`refuse_seconds` when it declined,
//! 5 seconds by default, at most a year). Reservations go only to their role, so what is
//! reserved to other roles goes on down the queue.
//!
//! Deliberately left out, as a simple policy would: fairness, weights and
//! quotas (the calls are accepted and ignored), capabilities, minimum offer
//! sizes, and inverse offers for maintenance.
//!
//! What every allocator must do alike — a framework's roles, how long a
//! refusal lasts, applying operations' conversions, counting resources
//! without their allocation role — comes from the `allocator` crate
//! ([`allocator::framework_roles`], [`allocator::refusal_timeout`],
//! [`allocator::apply_conversions`], [`allocator::unallocated`]), so this
//! crate holds only the policy.
//!
//! Clones share one allocator, so a caller can keep a handle to look at
//! the allocator it gave to the master ([`FifoAllocator::agents`],
//! [`FifoAllocator::frameworks`]).

use allocator::{
    Allocator, AllocatorError, FrameworkOptions, Offer, OfferSink, Quota, ResourceConversion,
    apply_conversions, framework_roles, refusal_timeout, unallocated,
};
use proto::mesos as pb;
use resources::Resources;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// First come, first served offers (see the crate docs).
#[derive(Debug, Clone, Default)]
pub struct FifoAllocator {
    state: Arc<Mutex<Fifo>>,
}

#[derive(Debug, Default)]
struct Fifo {
    /// In the order they were added.
    frameworks: Vec<Framework>,
    /// In the order they were added.
    agents: Vec<Agent>,
    whitelist: Option<HashSet<String>>,
    paused: bool,
    /// Some event since the last run could make new offers.
    pending: bool,
}

#[derive(Debug)]
struct Framework {
    id: pb::FrameworkId,
    roles: Vec<String>,
    suppressed: BTreeSet<String>,
    active: bool,
    /// Until when it refuses offers from an agent.
    refusals: HashMap<pb::SlaveId, Instant>,
}

#[derive(Debug)]
struct Agent {
    info: pb::SlaveInfo,
    id: pb::SlaveId,
    active: bool,
    total: Resources,
    /// What is neither offered nor used (without allocation roles).
    free: Resources,
    /// Offered or used, per framework (with allocation roles).
    held: HashMap<pb::FrameworkId, Resources>,
}

impl Agent {
    /// `free` from scratch: the total less everything held.
    fn recount_free(&mut self) {
        self.free = self.total.clone();
        for held in self.held.values() {
            self.free -= &unallocated(held);
        }
    }
}

impl FifoAllocator {
    pub fn new() -> FifoAllocator {
        FifoAllocator::default()
    }

    /// The agents it knows, in the order they were added.
    pub fn agents(&self) -> Vec<pb::SlaveId> {
        self.lock()
            .agents
            .iter()
            .map(|agent| agent.id.clone())
            .collect()
    }

    /// The frameworks it knows, in queue order.
    pub fn frameworks(&self) -> Vec<pb::FrameworkId> {
        let fifo = self.lock();
        fifo.frameworks
            .iter()
            .map(|framework| framework.id.clone())
            .collect()
    }

    /// An agent's total resources.
    pub fn total(&self, agent_id: &pb::SlaveId) -> Option<Resources> {
        let fifo = self.lock();
        fifo.agent(agent_id).ok().map(|agent| agent.total.clone())
    }

    fn lock(&self) -> MutexGuard<'_, Fifo> {
        // A panic while holding the lock leaves plain data behind; carry on.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// What `framework` holds on `agent`, if it holds `resources`.
fn holding<'a>(
    agent: &'a mut Agent,
    framework: &pb::FrameworkId,
    resources: &Resources,
) -> Result<&'a mut Resources, AllocatorError> {
    agent
        .held
        .get_mut(framework)
        .filter(|held| held.contains(resources))
        .ok_or_else(|| AllocatorError::not_offered_or_allocated(framework, &agent.id, resources))
}

impl Fifo {
    fn framework_index(&self, id: &pb::FrameworkId) -> Result<usize, AllocatorError> {
        self.frameworks
            .iter()
            .position(|framework| framework.id == *id)
            .ok_or_else(|| AllocatorError::unknown_framework(id))
    }

    fn framework_mut(&mut self, id: &pb::FrameworkId) -> Result<&mut Framework, AllocatorError> {
        let index = self.framework_index(id)?;
        Ok(&mut self.frameworks[index])
    }

    fn agent_index(&self, id: &pb::SlaveId) -> Result<usize, AllocatorError> {
        self.agents
            .iter()
            .position(|agent| agent.id == *id)
            .ok_or_else(|| AllocatorError::unknown_agent(id))
    }

    fn agent(&self, id: &pb::SlaveId) -> Result<&Agent, AllocatorError> {
        Ok(&self.agents[self.agent_index(id)?])
    }

    fn agent_mut(&mut self, id: &pb::SlaveId) -> Result<&mut Agent, AllocatorError> {
        let index = self.agent_index(id)?;
        Ok(&mut self.agents[index])
    }

    /// One run over the agents at `indices`.
    fn run(
        &mut self,
        indices: impl Iterator<Item = usize>,
        now: Instant,
        sink: &mut dyn OfferSink,
    ) {
        self.pending = false;
        if self.paused {
            return;
        }
        let mut offers: Vec<(usize, Offer)> = Vec::new();
        for index in indices {
            let agent = &mut self.agents[index];
            let listed = self
                .whitelist
                .as_ref()
                .is_none_or(|hostnames| hostnames.contains(&agent.info.hostname));
            if !agent.active || !listed || agent.free.is_empty() {
                continue;
            }
            for (position, framework) in self.frameworks.iter().enumerate() {
                if agent.free.is_empty() {
                    break;
                }
                let refused = framework
                    .refusals
                    .get(&agent.id)
                    .is_some_and(|until| *until > now);
                if !framework.active || refused {
                    continue;
                }
                let Some(role) = framework
                    .roles
                    .iter()
                    .find(|role| !framework.suppressed.contains(*role))
                else {
                    continue;
                };
                let mut resources = agent.free.allocatable_to(role);
                if resources.is_empty() {
                    continue;
                }
                agent.free -= &resources;
                resources.allocate(role);
                *agent.held.entry(framework.id.clone()).or_default() += &resources;
                offers.push((
                    position,
                    Offer {
                        agent_id: agent.id.clone(),
                        role: role.clone(),
                        resources,
                    },
                ));
            }
        }
        // One delivery per framework, in queue order.
        offers.sort_by_key(|(position, _)| *position);
        for group in offers.chunk_by(|a, b| a.0 == b.0) {
            let framework = &self.frameworks[group[0].0].id;
            sink.offers(
                framework,
                group.iter().map(|(_, offer)| offer.clone()).collect(),
            );
        }
    }
}

impl Allocator for FifoAllocator {
    fn recover(&mut self, _expected_agent_count: usize, _quotas: &HashMap<String, Quota>) {
        // Without quotas there is nothing to wait for after a failover.
    }

    fn add_framework(
        &mut self,
        info: &pb::FrameworkInfo,
        used: &HashMap<pb::SlaveId, Resources>,
        active: bool,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let id = info.id.clone().unwrap_or_default();
        if fifo.framework_index(&id).is_ok() {
            return Err(AllocatorError::FrameworkExists(id.value));
        }
        for (agent_id, resources) in used {
            let agent = fifo.agent_mut(agent_id)?;
            agent.free -= &unallocated(resources);
            *agent.held.entry(id.clone()).or_default() += resources;
        }
        fifo.frameworks.push(Framework {
            id,
            roles: framework_roles(info),
            suppressed: options.suppressed_roles,
            active,
            refusals: HashMap::new(),
        });
        fifo.pending |= active;
        Ok(())
    }

    fn remove_framework(&mut self, framework_id: &pb::FrameworkId) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let index = fifo.framework_index(framework_id)?;
        fifo.frameworks.remove(index);
        for agent in &mut fifo.agents {
            if let Some(held) = agent.held.remove(framework_id) {
                agent.free += &unallocated(&held);
            }
        }
        fifo.pending = true;
        Ok(())
    }

    fn activate_framework(&mut self, framework_id: &pb::FrameworkId) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        fifo.framework_mut(framework_id)?.active = true;
        fifo.pending = true;
        Ok(())
    }

    fn deactivate_framework(
        &mut self,
        framework_id: &pb::FrameworkId,
    ) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let framework = fifo.framework_mut(framework_id)?;
        framework.active = false;
        framework.refusals.clear();
        Ok(())
    }

    fn update_framework(
        &mut self,
        info: &pb::FrameworkInfo,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let framework = fifo.framework_mut(&info.id.clone().unwrap_or_default())?;
        framework.roles = framework_roles(info);
        framework.suppressed = options.suppressed_roles;
        fifo.pending = true;
        Ok(())
    }

    fn add_agent(
        &mut self,
        info: &pb::SlaveInfo,
        _capabilities: &[pb::slave_info::Capability],
        _unavailability: Option<pb::Unavailability>,
        total: &Resources,
        used: &HashMap<pb::FrameworkId, Resources>,
    ) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let id = info.id.clone().unwrap_or_default();
        if fifo.agent_index(&id).is_ok() {
            return Err(AllocatorError::AgentExists(id.value));
        }
        let mut agent = Agent {
            info: info.clone(),
            id,
            active: true,
            total: total.clone(),
            free: Resources::default(),
            held: used.clone(),
        };
        agent.recount_free();
        fifo.agents.push(agent);
        fifo.pending = true;
        Ok(())
    }

    fn remove_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let index = fifo.agent_index(agent_id)?;
        fifo.agents.remove(index);
        for framework in &mut fifo.frameworks {
            framework.refusals.remove(agent_id);
        }
        Ok(())
    }

    fn update_agent(
        &mut self,
        info: &pb::SlaveInfo,
        total: Option<&Resources>,
        _capabilities: Option<&[pb::slave_info::Capability]>,
    ) -> Result<bool, AllocatorError> {
        let mut fifo = self.lock();
        let agent = fifo.agent_mut(&info.id.clone().unwrap_or_default())?;
        let mut changed = agent.info != *info;
        agent.info = info.clone();
        if let Some(total) = total
            && *total != agent.total
        {
            agent.total = total.clone();
            agent.recount_free();
            changed = true;
        }
        fifo.pending |= changed;
        Ok(changed)
    }

    fn add_resource_provider(
        &mut self,
        agent_id: &pb::SlaveId,
        total: &Resources,
        used: &HashMap<pb::FrameworkId, Resources>,
    ) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let agent = fifo.agent_mut(agent_id)?;
        agent.total += total;
        agent.free += total;
        for (framework_id, resources) in used {
            agent.free -= &unallocated(resources);
            *agent.held.entry(framework_id.clone()).or_default() += resources;
        }
        fifo.pending = true;
        Ok(())
    }

    fn activate_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        fifo.agent_mut(agent_id)?.active = true;
        fifo.pending = true;
        Ok(())
    }

    fn deactivate_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError> {
        self.lock().agent_mut(agent_id)?.active = false;
        Ok(())
    }

    fn update_whitelist(&mut self, hostnames: Option<HashSet<String>>) {
        let mut fifo = self.lock();
        fifo.whitelist = hostnames;
        fifo.pending = true;
    }

    fn request_resources(
        &mut self,
        framework_id: &pb::FrameworkId,
        _requests: &[pb::Request],
    ) -> Result<(), AllocatorError> {
        self.lock().framework_index(framework_id).map(drop)
    }

    fn update_allocation(
        &mut self,
        framework_id: &pb::FrameworkId,
        agent_id: &pb::SlaveId,
        offered: &Resources,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let agent = fifo.agent_mut(agent_id)?;
        let converted = apply_conversions(agent_id, offered, conversions)?;
        let held = holding(agent, framework_id, offered)?;
        *held -= offered;
        *held += &converted;
        agent.total -= &unallocated(offered);
        agent.total += &unallocated(&converted);
        Ok(())
    }

    fn update_available(
        &mut self,
        agent_id: &pb::SlaveId,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let agent = fifo.agent_mut(agent_id)?;
        let free = apply_conversions(agent_id, &agent.free, conversions)?;
        agent.total = apply_conversions(agent_id, &agent.total, conversions)?;
        agent.free = free;
        Ok(())
    }

    fn update_unavailability(
        &mut self,
        agent_id: &pb::SlaveId,
        _unavailability: Option<pb::Unavailability>,
    ) -> Result<(), AllocatorError> {
        // No inverse offers: maintenance is the operator's business here.
        self.lock().agent_index(agent_id).map(drop)
    }

    fn update_inverse_offer(
        &mut self,
        agent_id: &pb::SlaveId,
        _framework_id: &pb::FrameworkId,
        _status: Option<pb::allocator::InverseOfferStatus>,
        _filters: Option<&pb::Filters>,
        _now: Instant,
    ) -> Result<(), AllocatorError> {
        Err(AllocatorError::NoMaintenance(agent_id.value.clone()))
    }

    fn inverse_offer_statuses(
        &self,
    ) -> HashMap<pb::SlaveId, HashMap<pb::FrameworkId, pb::allocator::InverseOfferStatus>> {
        HashMap::new()
    }

    fn transition_offered_to_allocated(
        &mut self,
        agent_id: &pb::SlaveId,
        _resources: &Resources,
    ) -> Result<(), AllocatorError> {
        // Offered and used count alike in a queue.
        self.lock().agent_index(agent_id).map(drop)
    }

    fn recover_resources(
        &mut self,
        framework_id: &pb::FrameworkId,
        agent_id: &pb::SlaveId,
        resources: &Resources,
        filters: Option<&pb::Filters>,
        _is_allocated: bool,
        now: Instant,
    ) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let agent = fifo.agent_mut(agent_id)?;
        let held = holding(agent, framework_id, resources)?;
        *held -= resources;
        agent.free += &unallocated(resources);
        if let Some(refusal) = filters.and_then(refusal_timeout) {
            fifo.framework_mut(framework_id)?
                .refusals
                .insert(agent_id.clone(), now + refusal);
        }
        fifo.pending = true;
        Ok(())
    }

    fn suppress_offers(
        &mut self,
        framework_id: &pb::FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let framework = fifo.framework_mut(framework_id)?;
        let roles = if roles.is_empty() {
            framework.roles.iter().cloned().collect()
        } else {
            roles.clone()
        };
        framework.suppressed.extend(roles);
        Ok(())
    }

    fn revive_offers(
        &mut self,
        framework_id: &pb::FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError> {
        let mut fifo = self.lock();
        let framework = fifo.framework_mut(framework_id)?;
        if roles.is_empty() {
            framework.suppressed.clear();
        } else {
            framework.suppressed.retain(|role| !roles.contains(role));
        }
        framework.refusals.clear();
        fifo.pending = true;
        Ok(())
    }

    fn update_quota(&mut self, _role: &str, _quota: Quota) {
        // A queue has no quotas.
    }

    fn update_weights(&mut self, _weights: &[pb::WeightInfo]) {
        // Nor weights.
    }

    fn pause(&mut self) {
        self.lock().paused = true;
    }

    fn resume(&mut self) {
        let mut fifo = self.lock();
        fifo.paused = false;
        fifo.pending = true;
    }

    fn is_paused(&self) -> bool {
        self.lock().paused
    }

    fn allocate(&mut self, now: Instant, sink: &mut dyn OfferSink) {
        let mut fifo = self.lock();
        let count = fifo.agents.len();
        fifo.run(0..count, now, sink);
    }

    fn allocate_agents(
        &mut self,
        agent_ids: &[pb::SlaveId],
        now: Instant,
        sink: &mut dyn OfferSink,
    ) {
        let mut fifo = self.lock();
        let indices: Vec<usize> = agent_ids
            .iter()
            .filter_map(|id| fifo.agent_index(id).ok())
            .collect();
        let pending = fifo.pending;
        fifo.run(indices.into_iter(), now, sink);
        fifo.pending = pending;
    }

    fn allocate_pending(&mut self, now: Instant, sink: &mut dyn OfferSink) -> bool {
        if !self.has_pending_allocation() {
            return false;
        }
        self.allocate(now, sink);
        true
    }

    fn has_pending_allocation(&self) -> bool {
        self.lock().pending
    }
}
