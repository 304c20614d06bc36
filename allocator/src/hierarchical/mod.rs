//! [`HierarchicalAllocator`]: Mesos's HierarchicalDRF allocator.

mod allocate;
mod metrics;
mod open;
mod state;

use crate::fast_hash::{FastMap, FastSet};
use crate::rng::Rng;
use crate::roles::{FrameworkKey, RoleKey, RoleTree, Track};
use crate::slab::Slab;
use crate::sorter::Sorter;
use crate::{
    Allocator, AllocatorError, FrameworkOptions, OfferSink, Options, Quota, ResourceConversion,
    apply_conversions, framework_roles, refusal_timeout, unallocated,
};
use proto::mesos as pb;
use resources::{ResourceQuantities, Resources, Value};
use state::{
    Agent, AgentCapabilities, AgentKey, Framework, FrameworkCapabilities, RefusedFilter,
    min_allocatable_overrides,
};
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::time::Instant;

/// Which agents the next event-driven allocation covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    All,
    Agents(FastSet<AgentKey>),
}

/// Hierarchical Dominant Resource Fairness: roles share the cluster by DRF
/// (with weights and quotas), frameworks share their role by DRF, and each
/// run offers every candidate agent's free resources to the first eligible
/// framework in that order.
///
/// A plain synchronous structure: the master calls the events, then runs
/// allocations (periodically with [`Allocator::allocate`], promptly with
/// [`Allocator::allocate_pending`]) and receives offers through an
/// [`OfferSink`].
#[derive(Debug)]
pub struct HierarchicalAllocator {
    options: Options,
    frameworks: Slab<Framework>,
    framework_keys: FastMap<pb::FrameworkId, FrameworkKey>,
    agents: Slab<Agent>,
    agent_keys: FastMap<pb::SlaveId, AgentKey>,
    roles: RoleTree,
    role_sorter: Box<dyn Sorter>,
    /// One per role in the role sorter, indexed by role key.
    framework_sorters: Vec<Option<Box<dyn Sorter>>>,
    /// The scalar quantities of every agent's total.
    total: ResourceQuantities,
    /// `total` changed since the sorters last saw it.
    total_changed: bool,
    whitelist: Option<HashSet<String>>,
    paused: bool,
    /// After a failover with quotas: resume once this many agents are back.
    expected_agents: Option<usize>,
    pending: Option<Pending>,
    /// When refusal filters expire, to drop them.
    filter_expiry: BinaryHeap<Reverse<(Instant, FrameworkKey, RoleKey, AgentKey)>>,
    /// The last batch run offered nothing and no event has come since:
    /// until one does, or a refusal filter expires, another run would
    /// offer nothing either, and is skipped. A quiet cluster of 10,000
    /// agents is not walked every `--allocation_interval` for nothing.
    idle: bool,
    /// Runs made (skipped idle ones not counted): Mesos's
    /// `allocator/mesos/allocation_runs`.
    runs: u64,
    rng: Rng,
    seed: u64,
}

impl HierarchicalAllocator {
    pub fn new(options: Options) -> HierarchicalAllocator {
        let seed = options
            .seed
            .unwrap_or_else(|| std::collections::hash_map::RandomState::new().hash_one(0u64));
        let role_sorter = options
            .role_sorter
            .create(&options.fairness_excluded_resource_names, seed);
        HierarchicalAllocator {
            frameworks: Slab::default(),
            framework_keys: FastMap::default(),
            agents: Slab::default(),
            agent_keys: FastMap::default(),
            roles: RoleTree::new(),
            role_sorter,
            framework_sorters: Vec::new(),
            total: ResourceQuantities::new(),
            total_changed: false,
            whitelist: None,
            paused: false,
            expected_agents: None,
            pending: None,
            filter_expiry: BinaryHeap::new(),
            idle: false,
            runs: 0,
            rng: Rng::new(seed),
            seed,
            options,
        }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The active frameworks of `role` in the order the framework sorter
    /// visits them now (for tests and debugging endpoints).
    pub fn framework_order(&mut self, role: &str) -> Vec<pb::FrameworkId> {
        self.sync_totals();
        let Some(sorter) = self.roles.get(role).and_then(|key| self.sorter_mut(key)) else {
            return Vec::new();
        };
        let order = sorter.sorted();
        order
            .into_iter()
            .map(|key| self.frameworks.at(key).id.clone())
            .collect()
    }

    /// The roles in the order the role sorter visits them now.
    pub fn role_order(&mut self) -> Vec<String> {
        self.sync_totals();
        self.role_sorter
            .sorted()
            .into_iter()
            .map(|key| self.roles.role(key).name.to_string())
            .collect()
    }

    /// What `role` consumes of its quota: reservations plus unreserved
    /// non-revocable resources in use, in its whole subtree.
    pub fn quota_consumed(&self, role: &str) -> ResourceQuantities {
        self.roles
            .get(role)
            .map(|key| self.roles.role(key).quota_consumed())
            .unwrap_or_default()
    }

    /// What is neither offered nor allocated on an agent.
    pub fn available(&self, agent_id: &pb::SlaveId) -> Option<&Resources> {
        let key = self.agent_keys.get(agent_id)?;
        Some(self.agents.at(*key).available())
    }

    /// An agent's total resources.
    pub fn total(&self, agent_id: &pb::SlaveId) -> Option<&Resources> {
        let key = self.agent_keys.get(agent_id)?;
        Some(self.agents.at(*key).total())
    }

    fn framework_key(&self, id: &pb::FrameworkId) -> Result<FrameworkKey, AllocatorError> {
        self.framework_keys
            .get(id)
            .copied()
            .ok_or_else(|| AllocatorError::unknown_framework(id))
    }

    fn agent_key(&self, id: &pb::SlaveId) -> Result<AgentKey, AllocatorError> {
        self.agent_keys
            .get(id)
            .copied()
            .ok_or_else(|| AllocatorError::unknown_agent(id))
    }

    fn sorter_mut(&mut self, role: RoleKey) -> Option<&mut Box<dyn Sorter>> {
        self.framework_sorters.get_mut(role as usize)?.as_mut()
    }

    fn request_allocation(&mut self, agent: Option<AgentKey>) {
        self.pending = match (self.pending.take(), agent) {
            (Some(Pending::All), _) | (_, None) => Some(Pending::All),
            (Some(Pending::Agents(mut agents)), Some(agent)) => {
                agents.insert(agent);
                Some(Pending::Agents(agents))
            }
            (None, Some(agent)) => Some(Pending::Agents(FastSet::from_iter([agent]))),
        };
    }

    /// Gives the sorters the pool as it is now; deferred so that adding
    /// many agents re-sorts once.
    fn sync_totals(&mut self) {
        if !self.total_changed {
            return;
        }
        self.role_sorter.set_total(&self.total);
        for sorter in self.framework_sorters.iter_mut().flatten() {
            sorter.set_total(&self.total);
        }
        self.total_changed = false;
    }

    fn change_total(&mut self, old: &ResourceQuantities, new: &ResourceQuantities) {
        self.total -= old;
        self.total += new;
        self.total_changed = true;
    }

    /// Puts `framework` in `role`'s framework sorter (creating the role's
    /// sorter, and the role in the role sorter, if needed). Inactive.
    fn track_framework_under_role(&mut self, framework: FrameworkKey, role: &str) {
        let role_key = self.roles.ensure(role);
        self.roles.role_mut(role_key).frameworks.insert(framework);
        if !self.role_sorter.contains(role_key) {
            self.role_sorter.add(role_key, role);
            self.role_sorter.activate(role_key);
            let mut sorter = self.options.framework_sorter.create(
                &self.options.fairness_excluded_resource_names,
                self.seed ^ u64::from(role_key),
            );
            sorter.set_total(&self.total);
            let index = role_key as usize;
            if self.framework_sorters.len() <= index {
                self.framework_sorters.resize_with(index + 1, || None);
            }
            self.framework_sorters[index] = Some(sorter);
        }
        let id = self.frameworks.at(framework).id.value.clone();
        self.sorter_mut(role_key)
            .expect("tracked roles have sorters")
            .add(framework, &id);
    }

    /// Takes `framework` out of `role` unless it still holds resources
    /// there; drops the role from the sorters once no framework is left.
    fn try_untrack_framework_under_role(&mut self, framework: FrameworkKey, role: &str) -> bool {
        let Some(role_key) = self.roles.get(role) else {
            return false;
        };
        if self
            .frameworks
            .at(framework)
            .holdings
            .get(&role_key)
            .is_some_and(|agents| *agents > 0)
        {
            return false;
        }
        if let Some(sorter) = self.sorter_mut(role_key) {
            sorter.remove(framework);
        }
        let frameworks = &mut self.roles.role_mut(role_key).frameworks;
        frameworks.remove(&framework);
        if frameworks.is_empty() {
            self.role_sorter.remove(role_key);
            self.framework_sorters[role_key as usize] = None;
        }
        self.roles.try_remove(role_key);
        true
    }

    /// Records `resources` (unallocated form) as offered to or allocated to
    /// `framework` in `role` on `agent`: agent, sorters, role tree.
    fn track_allocation(
        &mut self,
        agent: AgentKey,
        framework: FrameworkKey,
        role: RoleKey,
        resources: Resources,
    ) {
        let counted = Counted::of(&resources);
        self.track_counted_allocation(agent, framework, role, resources, &counted);
    }

    /// [`Self::track_allocation`] with the resources already counted.
    fn track_counted_allocation(
        &mut self,
        agent: AgentKey,
        framework: FrameworkKey,
        role: RoleKey,
        resources: Resources,
        counted: &Counted,
    ) {
        if !self.role_sorter.contains(role)
            || !self
                .sorter_mut(role)
                .is_some_and(|sorter| sorter.contains(framework))
        {
            let name = self.roles.role(role).name.to_string();
            self.track_framework_under_role(framework, &name);
        }
        self.role_sorter.allocated(role, &counted.quantities);
        self.sorter_mut(role)
            .expect("tracked roles have sorters")
            .allocated(framework, &counted.quantities);
        self.track_in_roles(role, &resources, counted, Track::OfferedOrAllocated);
        if self
            .agents
            .at_mut(agent)
            .take(framework, role, Cow::Owned(resources))
        {
            *self
                .frameworks
                .at_mut(framework)
                .holdings
                .entry(role)
                .or_default() += 1;
        }
    }

    /// Adds `resources` to the role tree's `track` totals.
    fn track_in_roles(
        &mut self,
        role: RoleKey,
        resources: &Resources,
        counted: &Counted,
        track: Track,
    ) {
        if counted.unreserved_only {
            self.roles
                .track_unreserved(role, &counted.quantities, track);
        } else {
            self.roles.track(role, resources, track, true);
        }
    }

    /// Takes `resources` (unallocated form) back from `framework` in `role`
    /// on `agent`.
    fn untrack_allocation(
        &mut self,
        agent: AgentKey,
        framework: FrameworkKey,
        role: RoleKey,
        resources: &Resources,
    ) -> Result<(), AllocatorError> {
        let emptied = self
            .agents
            .at_mut(agent)
            .give_back(framework, role, resources)
            .map_err(|()| {
                AllocatorError::not_offered_or_allocated(
                    &self.frameworks.at(framework).id,
                    &self.agents.at(agent).id,
                    resources,
                )
            })?;
        let quantities = scalar_quantities(resources);
        self.role_sorter.unallocated(role, &quantities);
        if let Some(sorter) = self.sorter_mut(role) {
            sorter.unallocated(framework, &quantities);
        }
        self.roles
            .track(role, resources, Track::OfferedOrAllocated, false);
        if emptied {
            let holdings = &mut self.frameworks.at_mut(framework).holdings;
            if let Some(count) = holdings.get_mut(&role) {
                *count -= 1;
                if *count == 0 {
                    holdings.remove(&role);
                }
            }
            let framework_state = self.frameworks.at(framework);
            let name = self.roles.role(role).name.to_string();
            if !framework_state.roles.contains(&name) {
                self.try_untrack_framework_under_role(framework, &name);
            }
        }
        Ok(())
    }

    /// Tracks `used` (allocated form, any roles) of a known framework on a
    /// known agent, as the agent or framework (re-)registers.
    fn track_used(
        &mut self,
        agent: AgentKey,
        framework: FrameworkKey,
        used: &Resources,
    ) -> Result<(), AllocatorError> {
        if let Some(role) = one_role(used) {
            self.track_used_in_role(agent, framework, role, used);
            return Ok(());
        }
        for (role, resources) in split_by_role(used)? {
            self.track_used_in_role(agent, framework, &role, &resources);
        }
        Ok(())
    }

    /// [`Self::track_used`] of resources allocated to `role`.
    fn track_used_in_role(
        &mut self,
        agent: AgentKey,
        framework: FrameworkKey,
        role: &str,
        resources: &Resources,
    ) {
        let role_key = self.roles.ensure(role);
        let allocated = &mut self.agents.at_mut(agent).allocated;
        if allocated.is_empty() {
            allocated.clone_from(resources);
        } else {
            *allocated += resources;
        }
        let unallocated = unallocated(resources);
        let counted = Counted::of(&unallocated);
        self.track_in_roles(role_key, &unallocated, &counted, Track::Allocated);
        self.track_counted_allocation(agent, framework, role_key, unallocated, &counted);
    }

    fn set_agent_total(&mut self, agent: AgentKey, total: Resources) -> bool {
        let state = self.agents.at_mut(agent);
        if *state.total() == total {
            return false;
        }
        let old_total = state.total().clone();
        let old_quantities = state.scalar_quantities.clone();
        state.set_total(total);
        let new_total = state.total().reserved(None);
        let new_quantities = state.scalar_quantities.clone();
        self.roles
            .track_reservations(&old_total.reserved(None), false);
        self.roles.track_reservations(&new_total, true);
        self.change_total(&old_quantities, &new_quantities);
        true
    }

    /// Drops every filter that involves `agent`.
    fn remove_filters(&mut self, agent: AgentKey) {
        for (_, framework) in self.frameworks.iter_mut() {
            framework.inverse_offer_filters.remove(&agent);
            framework
                .offer_filters
                .retain(|(_, filtered), _| *filtered != agent);
        }
    }

    fn expire_filters(&mut self, now: Instant) {
        while let Some(Reverse((expires, framework, role, agent))) =
            self.filter_expiry.peek().copied()
        {
            if expires > now {
                break;
            }
            self.filter_expiry.pop();
            // The key may have been reused since; dropping filters that have
            // expired is right whoever holds them now.
            if let Some(framework) = self.frameworks.get_mut(framework)
                && let Some(filters) = framework.offer_filters.get_mut(&(role, agent))
            {
                filters.retain(|filter| filter.expires > now);
                if filters.is_empty() {
                    framework.offer_filters.remove(&(role, agent));
                }
            }
        }
    }

    /// A refusal filter has expired since the last run.
    fn filter_expired(&self, now: Instant) -> bool {
        self.filter_expiry
            .peek()
            .is_some_and(|Reverse((expires, ..))| *expires <= now)
    }

    /// Some agent is scheduled for maintenance: its inverse offers depend
    /// on the time (their filters expire), so no run is skipped.
    fn under_maintenance(&self) -> bool {
        self.agents
            .iter()
            .any(|(_, agent)| agent.maintenance.is_some())
    }

    fn suppress_roles(&mut self, framework: FrameworkKey, roles: &BTreeSet<String>) {
        for role in roles {
            if let Some(key) = self.roles.get(role)
                && let Some(sorter) = self.sorter_mut(key)
            {
                sorter.deactivate(framework);
            }
            self.frameworks
                .at_mut(framework)
                .suppressed_roles
                .insert(role.clone());
        }
    }

    fn revive_roles(&mut self, framework: FrameworkKey, roles: &BTreeSet<String>) {
        let role_keys: HashSet<RoleKey> = roles
            .iter()
            .filter_map(|role| self.roles.get(role))
            .collect();
        let state = self.frameworks.at_mut(framework);
        state.inverse_offer_filters.clear();
        state
            .offer_filters
            .retain(|(role, _), _| !role_keys.contains(role));
        for role in roles {
            self.frameworks
                .at_mut(framework)
                .suppressed_roles
                .remove(role);
            if let Some(key) = self.roles.get(role)
                && let Some(sorter) = self.sorter_mut(key)
            {
                sorter.activate(framework);
            }
        }
    }

    fn deactivate(&mut self, framework: FrameworkKey) {
        let roles: Vec<String> = self
            .frameworks
            .at(framework)
            .roles
            .iter()
            .cloned()
            .collect();
        for role in roles {
            if let Some(key) = self.roles.get(&role)
                && let Some(sorter) = self.sorter_mut(key)
            {
                sorter.deactivate(framework);
            }
        }
        let state = self.frameworks.at_mut(framework);
        state.active = false;
        state.offer_filters.clear();
        state.inverse_offer_filters.clear();
    }
}

/// The scalar quantities of `resources`, the only ones shares and quotas
/// count.
/// Resources counted once for the sorters and the role tree.
struct Counted {
    quantities: ResourceQuantities,
    /// Only unreserved, non-revocable resources: the role tree takes their
    /// quantities whole.
    unreserved_only: bool,
}

impl Counted {
    fn of(resources: &Resources) -> Counted {
        Counted {
            quantities: scalar_quantities(resources),
            unreserved_only: resources
                .iter()
                .all(|resource| resource.is_unreserved() && !resource.is_revocable()),
        }
    }
}

pub(crate) fn scalar_quantities(resources: &Resources) -> ResourceQuantities {
    let mut quantities = ResourceQuantities::new();
    for resource in resources {
        if let Value::Scalar(scalar) = resource.value() {
            quantities.add_quantity(resource.name(), *scalar);
        }
    }
    quantities
}

/// Splits allocated resources by the role they are allocated to; every
/// resource must carry an allocation.
fn split_by_role(resources: &Resources) -> Result<Vec<(String, Resources)>, AllocatorError> {
    if let Some(unallocated) = resources
        .iter()
        .find(|resource| resource.allocation_role().is_none())
    {
        return Err(AllocatorError::NotOneRole(format!(
            "none (unallocated {unallocated})"
        )));
    }
    // Nearly always one role: no grouping needed.
    if let Some(role) = one_role(resources) {
        return Ok(vec![(role.to_owned(), resources.clone())]);
    }
    Ok(resources.allocations().into_iter().collect())
}

/// The role every resource is allocated to, if there is one such role.
fn one_role(resources: &Resources) -> Option<&str> {
    let role = resources.iter().next()?.allocation_role()?;
    resources
        .iter()
        .all(|resource| resource.allocation_role() == Some(role))
        .then_some(role)
}

/// The one role `resources` are allocated to.
fn single_role(resources: &Resources) -> Result<String, AllocatorError> {
    if let Some(role) = one_role(resources) {
        return Ok(role.to_owned());
    }
    // Names an unallocated resource, if that is what is wrong.
    split_by_role(resources)?;
    Err(AllocatorError::NotOneRole(resources.to_string()))
}

impl Allocator for HierarchicalAllocator {
    fn recover(&mut self, expected_agent_count: usize, quotas: &HashMap<String, Quota>) {
        self.idle = false;
        if quotas.is_empty() {
            return;
        }
        for (role, quota) in quotas {
            self.update_quota(role, quota.clone());
        }
        let expected = (expected_agent_count as f64 * self.options.agent_recovery_factor) as usize;
        if expected == 0 {
            return;
        }
        self.expected_agents = Some(expected);
        self.pause();
    }

    fn add_framework(
        &mut self,
        info: &pb::FrameworkInfo,
        used: &HashMap<pb::SlaveId, Resources>,
        active: bool,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let id = info.id.clone().unwrap_or_default();
        if self.framework_keys.contains_key(&id) {
            return Err(AllocatorError::FrameworkExists(id.value));
        }
        let roles: BTreeSet<String> = framework_roles(info).into_iter().collect();
        let key = self.frameworks.insert(Framework {
            id: id.clone(),
            roles: roles.clone(),
            suppressed_roles: options.suppressed_roles.clone(),
            capabilities: FrameworkCapabilities::of(info),
            active,
            offer_filters: FastMap::default(),
            inverse_offer_filters: FastMap::default(),
            min_allocatable: min_allocatable_overrides(info),
            offer_constraints: options.offer_constraints,
            holdings: FastMap::default(),
        });
        self.framework_keys.insert(id.clone(), key);
        for role in &roles {
            self.track_framework_under_role(key, role);
            let role_key = self.roles.get(role).expect("just tracked");
            let sorter = self.sorter_mut(role_key).expect("just tracked");
            if options.suppressed_roles.contains(role) {
                sorter.deactivate(key);
            } else {
                sorter.activate(key);
            }
        }
        for (agent_id, resources) in used {
            let Some(&agent) = self.agent_keys.get(agent_id) else {
                continue;
            };
            // The agent counted these when it registered; move them under
            // the framework's key now that it has one.
            if let Some(held) = self.agents.at_mut(agent).release_unknown(&id) {
                self.agents.at_mut(agent).allocated -= &held;
            }
            self.track_used(agent, key, resources)?;
        }
        if active {
            self.request_allocation(None);
        } else {
            self.deactivate(key);
        }
        Ok(())
    }

    fn remove_framework(&mut self, framework_id: &pb::FrameworkId) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.framework_key(framework_id)?;
        let holdings: Vec<(AgentKey, RoleKey, Resources)> = self
            .agents
            .iter()
            .flat_map(|(agent, state)| {
                state
                    .offered_or_allocated
                    .iter()
                    .filter(|((framework, _), _)| *framework == key)
                    .map(move |((_, role), resources)| (agent, *role, resources.clone()))
            })
            .collect();
        for (agent, role, resources) in holdings {
            self.untrack_allocation(agent, key, role, &resources)?;
        }
        let roles = self.frameworks.at(key).roles.clone();
        for role in roles {
            self.try_untrack_framework_under_role(key, &role);
        }
        self.frameworks.remove(key);
        self.framework_keys.remove(framework_id);
        Ok(())
    }

    fn activate_framework(&mut self, framework_id: &pb::FrameworkId) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.framework_key(framework_id)?;
        let state = self.frameworks.at_mut(key);
        state.active = true;
        let roles: Vec<String> = state
            .roles
            .difference(&state.suppressed_roles)
            .cloned()
            .collect();
        for role in roles {
            if let Some(role_key) = self.roles.get(&role)
                && let Some(sorter) = self.sorter_mut(role_key)
            {
                sorter.activate(key);
            }
        }
        self.request_allocation(None);
        Ok(())
    }

    fn deactivate_framework(
        &mut self,
        framework_id: &pb::FrameworkId,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.framework_key(framework_id)?;
        self.deactivate(key);
        Ok(())
    }

    fn update_framework(
        &mut self,
        info: &pb::FrameworkInfo,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let id = info.id.clone().unwrap_or_default();
        let key = self.framework_key(&id)?;
        let old_roles = self.frameworks.at(key).roles.clone();
        let new_roles: BTreeSet<String> = framework_roles(info).into_iter().collect();
        let old_suppressed = self.frameworks.at(key).suppressed_roles.clone();

        for role in new_roles.difference(&old_roles) {
            let tracked = self
                .roles
                .get(role)
                .and_then(|role_key| self.framework_sorters.get(role_key as usize)?.as_ref())
                .is_some_and(|sorter| sorter.contains(key));
            if !tracked {
                self.track_framework_under_role(key, role);
            }
            let role_key = self.roles.get(role).expect("tracked");
            self.sorter_mut(role_key).expect("tracked").activate(key);
        }
        for role in old_roles.difference(&new_roles) {
            if let Some(role_key) = self.roles.get(role) {
                if let Some(sorter) = self.sorter_mut(role_key) {
                    sorter.deactivate(key);
                }
                self.frameworks
                    .at_mut(key)
                    .offer_filters
                    .retain(|(filtered, _), _| *filtered != role_key);
            }
            self.frameworks.at_mut(key).roles.remove(role);
            self.try_untrack_framework_under_role(key, role);
            self.frameworks.at_mut(key).suppressed_roles.remove(role);
        }

        let state = self.frameworks.at_mut(key);
        state.roles = new_roles.clone();
        state.capabilities = FrameworkCapabilities::of(info);
        state.min_allocatable = min_allocatable_overrides(info);
        state.offer_constraints = options.offer_constraints;

        let to_suppress: BTreeSet<String> = options
            .suppressed_roles
            .difference(&old_suppressed)
            .cloned()
            .collect();
        let to_revive: BTreeSet<String> = old_suppressed
            .difference(&options.suppressed_roles)
            .filter(|role| new_roles.contains(*role))
            .cloned()
            .collect();
        self.suppress_roles(key, &to_suppress);
        self.revive_roles(key, &to_revive);
        if !self.frameworks.at(key).active {
            // An inactive framework stays out of every sorter.
            self.deactivate(key);
        }
        Ok(())
    }

    fn add_agent(
        &mut self,
        info: &pb::SlaveInfo,
        capabilities: &[pb::slave_info::Capability],
        unavailability: Option<pb::Unavailability>,
        total: &Resources,
        used: &HashMap<pb::FrameworkId, Resources>,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let id = info.id.clone().unwrap_or_default();
        if self.agent_keys.contains_key(&id) {
            return Err(AllocatorError::AgentExists(id.value));
        }
        let agent = Agent::new(
            info.clone(),
            AgentCapabilities::of(capabilities),
            total.clone(),
            unavailability,
        );
        let quantities = agent.scalar_quantities.clone();
        let key = self.agents.insert(agent);
        self.agent_keys.insert(id, key);
        self.roles.track_reservations(&total.reserved(None), true);
        self.change_total(&ResourceQuantities::new(), &quantities);

        for (framework_id, resources) in used {
            match self.framework_keys.get(framework_id) {
                Some(&framework) => self.track_used(key, framework, resources)?,
                None => {
                    // Counted as in use, tracked in the sorters once the
                    // master re-adds the framework.
                    let agent = self.agents.at_mut(key);
                    agent.hold_for_unknown(framework_id, resources);
                    agent.allocated += resources;
                }
            }
        }

        if self.paused
            && self
                .expected_agents
                .is_some_and(|expected| self.agent_keys.len() >= expected)
        {
            self.expected_agents = None;
            self.resume();
        }
        self.request_allocation(Some(key));
        Ok(())
    }

    fn remove_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.agent_key(agent_id)?;
        let holdings: Vec<((FrameworkKey, RoleKey), Resources)> = self
            .agents
            .at(key)
            .offered_or_allocated
            .iter()
            .map(|(holder, resources)| (*holder, resources.clone()))
            .collect();
        let allocated = self.agents.at(key).allocated.clone();
        for (role, resources) in split_by_role(&allocated).unwrap_or_default() {
            if let Some(role_key) = self.roles.get(&role) {
                let mut unallocated = resources;
                unallocated.unallocate();
                self.roles
                    .track(role_key, &unallocated, Track::Allocated, false);
            }
        }
        for ((framework, role), resources) in holdings {
            self.untrack_allocation(key, framework, role, &resources)?;
        }
        let agent = self.agents.remove(key).expect("a live agent");
        self.agent_keys.remove(agent_id);
        self.roles
            .track_reservations(&agent.total().reserved(None), false);
        self.change_total(&agent.scalar_quantities, &ResourceQuantities::new());
        if let Some(Pending::Agents(agents)) = &mut self.pending {
            agents.remove(&key);
        }
        self.remove_filters(key);
        Ok(())
    }

    fn update_agent(
        &mut self,
        info: &pb::SlaveInfo,
        total: Option<&Resources>,
        capabilities: Option<&[pb::slave_info::Capability]>,
    ) -> Result<bool, AllocatorError> {
        self.idle = false;
        let id = info.id.clone().unwrap_or_default();
        let key = self.agent_key(&id)?;
        let mut updated = false;
        let agent = self.agents.at_mut(key);
        if agent.info.attributes != info.attributes {
            updated = true;
            self.remove_filters(key);
        }
        let agent = self.agents.at_mut(key);
        if agent.info != *info {
            updated = true;
            agent.info = info.clone();
        }
        if let Some(capabilities) = capabilities {
            let new = AgentCapabilities::of(capabilities);
            if (new.multi_role, new.hierarchical_role)
                != (
                    agent.capabilities.multi_role,
                    agent.capabilities.hierarchical_role,
                )
            {
                updated = true;
            }
            agent.capabilities = new;
        }
        if let Some(total) = total {
            updated |= self.set_agent_total(key, total.clone());
        }
        if updated {
            self.request_allocation(Some(key));
        }
        Ok(updated)
    }

    fn add_resource_provider(
        &mut self,
        agent_id: &pb::SlaveId,
        total: &Resources,
        used: &HashMap<pb::FrameworkId, Resources>,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.agent_key(agent_id)?;
        let grown = self.agents.at(key).total().clone() + total;
        self.set_agent_total(key, grown);
        for (framework_id, resources) in used {
            if let Some(&framework) = self.framework_keys.get(framework_id) {
                self.track_used(key, framework, resources)?;
            }
        }
        Ok(())
    }

    fn activate_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.agent_key(agent_id)?;
        self.agents.at_mut(key).activated = true;
        Ok(())
    }

    fn deactivate_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.agent_key(agent_id)?;
        self.agents.at_mut(key).activated = false;
        Ok(())
    }

    fn update_whitelist(&mut self, hostnames: Option<HashSet<String>>) {
        self.idle = false;
        self.whitelist = hostnames;
    }

    fn request_resources(
        &mut self,
        framework_id: &pb::FrameworkId,
        _requests: &[pb::Request],
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        // Mesos's hierarchical allocator acknowledges requests and ignores
        // them; so do we.
        self.framework_key(framework_id).map(drop)
    }

    fn update_allocation(
        &mut self,
        framework_id: &pb::FrameworkId,
        agent_id: &pb::SlaveId,
        offered: &Resources,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let framework = self.framework_key(framework_id)?;
        let agent = self.agent_key(agent_id)?;
        let role_name = single_role(offered)?;
        let role = self
            .roles
            .get(&role_name)
            .ok_or_else(|| AllocatorError::NotOneRole(role_name.clone()))?;
        let updated = apply_conversions(agent_id, offered, conversions)?;

        let old = unallocated(offered);
        let new = unallocated(&updated);
        self.untrack_allocation(agent, framework, role, &old)?;

        // The agent's total changes with the conversions (allocation marks
        // aside); conversions that only add (a shared volume handed out
        // again) leave it alone.
        let stripped: Vec<ResourceConversion> = conversions
            .iter()
            .filter(|conversion| !conversion.consumed.is_empty())
            .map(|conversion| {
                ResourceConversion::new(
                    unallocated(&conversion.consumed),
                    unallocated(&conversion.converted),
                )
            })
            .collect();
        let total = apply_conversions(agent_id, self.agents.at(agent).total(), &stripped)?;
        self.set_agent_total(agent, total);
        self.track_allocation(agent, framework, role, new);
        Ok(())
    }

    fn update_available(
        &mut self,
        agent_id: &pb::SlaveId,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.agent_key(agent_id)?;
        // Only what is available may change: a run may have offered the
        // resources between the master's decision and this call.
        apply_conversions(agent_id, self.agents.at(key).available(), conversions)?;
        let total = apply_conversions(agent_id, self.agents.at(key).total(), conversions)?;
        self.set_agent_total(key, total);
        Ok(())
    }

    fn update_unavailability(
        &mut self,
        agent_id: &pb::SlaveId,
        unavailability: Option<pb::Unavailability>,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.agent_key(agent_id)?;
        for (_, framework) in self.frameworks.iter_mut() {
            framework.inverse_offer_filters.remove(&key);
        }
        self.agents.at_mut(key).maintenance = unavailability.map(state::Maintenance::new);
        self.request_allocation(Some(key));
        Ok(())
    }

    fn update_inverse_offer(
        &mut self,
        agent_id: &pb::SlaveId,
        framework_id: &pb::FrameworkId,
        status: Option<pb::allocator::InverseOfferStatus>,
        filters: Option<&pb::Filters>,
        now: Instant,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let framework = self.framework_key(framework_id)?;
        let agent = self.agent_key(agent_id)?;
        let maintenance = self
            .agents
            .at_mut(agent)
            .maintenance
            .as_mut()
            .ok_or_else(|| AllocatorError::NoMaintenance(agent_id.value.clone()))?;
        if maintenance.outstanding.remove(framework_id)
            && let Some(status) = status
        {
            maintenance.statuses.insert(framework_id.clone(), status);
        }
        // Inverse offer refusals last exactly as long as asked (no
        // allocation-interval floor, as in Mesos).
        if let Some(timeout) = filters.and_then(refusal_timeout) {
            self.frameworks
                .at_mut(framework)
                .inverse_offer_filters
                .insert(agent, now + timeout);
        }
        Ok(())
    }

    fn inverse_offer_statuses(
        &self,
    ) -> HashMap<pb::SlaveId, HashMap<pb::FrameworkId, pb::allocator::InverseOfferStatus>> {
        self.agents
            .iter()
            .filter_map(|(_, agent)| {
                let maintenance = agent.maintenance.as_ref()?;
                Some((agent.id.clone(), maintenance.statuses.clone()))
            })
            .collect()
    }

    fn transition_offered_to_allocated(
        &mut self,
        agent_id: &pb::SlaveId,
        resources: &Resources,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.agent_key(agent_id)?;
        self.agents.at_mut(key).allocated += resources;
        for (role, resources) in split_by_role(resources)? {
            let role_key = self.roles.ensure(&role);
            let mut unallocated = resources;
            unallocated.unallocate();
            self.roles
                .track(role_key, &unallocated, Track::Allocated, true);
        }
        Ok(())
    }

    fn recover_resources(
        &mut self,
        framework_id: &pb::FrameworkId,
        agent_id: &pb::SlaveId,
        resources: &Resources,
        filters: Option<&pb::Filters>,
        is_allocated: bool,
        now: Instant,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        if resources.is_empty() {
            return Ok(());
        }
        let agent = self.agent_keys.get(agent_id).copied();
        if is_allocated && let Some(agent) = agent {
            self.agents.at_mut(agent).allocated -= resources;
            for (role, part) in split_by_role(resources)? {
                if let Some(role_key) = self.roles.get(&role) {
                    let mut unallocated = part;
                    unallocated.unallocate();
                    self.roles
                        .track(role_key, &unallocated, Track::Allocated, false);
                }
            }
        }
        // The framework or agent may be gone already, their resources
        // recovered with them.
        let (Some(framework), Some(agent)) =
            (self.framework_keys.get(framework_id).copied(), agent)
        else {
            return Ok(());
        };
        let role_name = single_role(resources)?;
        let Some(role) = self.roles.get(&role_name) else {
            return Ok(());
        };
        let unallocated = unallocated(resources);
        self.untrack_allocation(agent, framework, role, &unallocated)?;

        // At least one allocation interval, to outlive the next batch.
        let Some(timeout) = filters
            .and_then(refusal_timeout)
            .map(|timeout| timeout.max(self.options.allocation_interval))
        else {
            return Ok(());
        };
        // A framework no longer in the role cannot be offered for it.
        let state = self.frameworks.at_mut(framework);
        if !state.roles.contains(&role_name) {
            return Ok(());
        }
        let expires = now + timeout;
        state
            .offer_filters
            .entry((role, agent))
            .or_default()
            .push(RefusedFilter {
                resources: unallocated,
                expires,
            });
        self.filter_expiry
            .push(Reverse((expires, framework, role, agent)));
        Ok(())
    }

    fn suppress_offers(
        &mut self,
        framework_id: &pb::FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.framework_key(framework_id)?;
        let roles = if roles.is_empty() {
            self.frameworks.at(key).roles.clone()
        } else {
            roles.clone()
        };
        self.suppress_roles(key, &roles);
        Ok(())
    }

    fn revive_offers(
        &mut self,
        framework_id: &pb::FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError> {
        self.idle = false;
        let key = self.framework_key(framework_id)?;
        let roles = if roles.is_empty() {
            self.frameworks.at(key).roles.clone()
        } else {
            roles.clone()
        };
        self.revive_roles(key, &roles);
        self.request_allocation(None);
        Ok(())
    }

    fn update_quota(&mut self, role: &str, quota: Quota) {
        self.idle = false;
        let key = self.roles.ensure(role);
        self.roles.role_mut(key).quota = quota;
        self.roles.try_remove(key);
    }

    fn update_weights(&mut self, weights: &[pb::WeightInfo]) {
        self.idle = false;
        for info in weights {
            let role = info.role();
            let key = self.roles.ensure(role);
            self.roles.role_mut(key).weight = info.weight;
            self.roles.try_remove(key);
            self.role_sorter.update_weight(role, info.weight);
        }
    }

    fn pause(&mut self) {
        self.idle = false;
        self.paused = true;
    }

    fn resume(&mut self) {
        self.idle = false;
        self.paused = false;
    }

    fn is_paused(&self) -> bool {
        self.paused
    }

    fn allocate(&mut self, now: Instant, sink: &mut dyn OfferSink) {
        self.pending = None;
        if self.idle && !self.filter_expired(now) && !self.under_maintenance() {
            return;
        }
        let mut agents = Vec::with_capacity(self.agent_keys.len());
        agents.extend(self.agents.iter().map(|(key, _)| key));
        self.idle = !self.run(agents, now, sink);
    }

    fn allocate_agents(
        &mut self,
        agent_ids: &[pb::SlaveId],
        now: Instant,
        sink: &mut dyn OfferSink,
    ) {
        let agents: Vec<AgentKey> = agent_ids
            .iter()
            .filter_map(|id| self.agent_keys.get(id).copied())
            .collect();
        self.run(agents, now, sink);
    }

    fn allocate_pending(&mut self, now: Instant, sink: &mut dyn OfferSink) -> bool {
        match self.pending.take() {
            None => false,
            Some(Pending::All) => {
                self.allocate(now, sink);
                true
            }
            Some(Pending::Agents(agents)) => {
                let mut agents: Vec<AgentKey> = agents.into_iter().collect();
                agents.sort_unstable();
                self.run(agents, now, sink);
                true
            }
        }
    }

    fn has_pending_allocation(&self) -> bool {
        self.pending.is_some()
    }

    /// Batch runs not skipped as idle, and runs over some agents.
    fn allocation_runs(&self) -> u64 {
        self.runs
    }

    fn metrics(&mut self) -> Vec<(String, f64)> {
        self.sync_totals();
        self.figures()
    }
}
