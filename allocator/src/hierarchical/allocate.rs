//! One allocation run: Mesos's two stages over the candidate agents, then
//! inverse offers for agents in maintenance.
//!
//! Sorter updates are applied when Mesos's own order snapshots would see
//! them: a framework sorter's after the role's turn on an agent, the role
//! sorter's after the agent. Between those points the sorters are walked
//! in place and the walk stops as soon as the agent is used up, so a run
//! costs about one visit per agent rather than one full sort per agent.

use super::open::{Names, OpenNames};
use super::state::{Agent, AgentKey, Framework};
use super::{HierarchicalAllocator, scalar_quantities};
use crate::fast_hash::FastMap;
use crate::roles::{FrameworkKey, RoleKey, Track};
use crate::types::{InverseOffer, Offer, OfferSink, Options, ResourceLimits};
use resources::{AllocationMark, Resource, ResourceQuantities, Resources};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::time::Instant;

/// The quota bookkeeping of one run (Mesos's `rolesConsumedQuota` and
/// headroom).
#[derive(Debug, Default)]
struct QuotaState {
    /// Per role with a non-default quota: reservations plus offered or
    /// allocated unreserved resources.
    consumed: HashMap<RoleKey, ResourceQuantities>,
    /// Unreserved resources to keep back for unsatisfied guarantees.
    required_headroom: ResourceQuantities,
    /// Unreserved, non-revocable resources neither offered nor allocated.
    available_headroom: ResourceQuantities,
    /// What each role may still take, to pass over agents and roles that
    /// cannot meet.
    open: OpenNames,
    /// Some framework sets its own `min_allocatable_resources`.
    custom_minimums: bool,
}

impl QuotaState {
    /// Names the headroom lets any role take beyond guarantees: all while
    /// no guarantee is unsatisfied, else those with a surplus.
    fn headroom_names(&self) -> Names {
        if self.required_headroom.is_empty() {
            Names::ALL
        } else {
            Names::of_quantities(&(self.available_headroom.clone() - &self.required_headroom))
        }
    }

    /// Names `role` may be offered of quota-counted resources in `stage`;
    /// `headroom` is [`QuotaState::headroom_names`].
    fn role_open(&self, stage: Stage, role: RoleKey, headroom: Names) -> Names {
        match stage {
            Stage::Quota => self.open.unsatisfied(role),
            Stage::Fair => self.open.under_limits(role) & headroom,
        }
    }

    /// Names some role may be offered of quota-counted resources in `stage`.
    fn stage_open(&self, stage: Stage, headroom: Names) -> Names {
        match stage {
            Stage::Quota => self.open.any_unsatisfied(),
            Stage::Fair => self.open.any_under_limits() & headroom,
        }
    }
}

/// An offer decided in this run, before it goes out.
struct Decision {
    framework: FrameworkKey,
    role: RoleKey,
    agent: AgentKey,
    resources: Resources,
    /// Its scalar quantities, for the sorters.
    quantities: ResourceQuantities,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Roles with unsatisfied guarantees, up to their guarantees.
    Quota,
    /// Everyone, within limits and headroom.
    Fair,
}

impl HierarchicalAllocator {
    /// Allocates `agents`' free resources; true if it offered anything.
    pub(super) fn run(
        &mut self,
        mut agents: Vec<AgentKey>,
        now: Instant,
        sink: &mut dyn OfferSink,
    ) -> bool {
        if self.paused {
            return false;
        }
        self.runs += 1;
        self.expire_filters(now);
        self.sync_totals();
        agents.retain(|key| {
            self.agents.get(*key).is_some_and(|agent| {
                agent.activated
                    && self
                        .whitelist
                        .as_ref()
                        .is_none_or(|hostnames| hostnames.contains(&agent.info.hostname))
            })
        });
        self.rng.shuffle(&mut agents);

        let mut quota = self.quota_state();
        let mut decisions = Vec::with_capacity(agents.len());
        let mut offered_shared: FastMap<AgentKey, Resources> = FastMap::default();
        let has_guarantees = self
            .roles
            .top_level()
            .any(|(_, role)| !role.quota.guarantees.is_empty());
        if has_guarantees {
            self.stage(
                Stage::Quota,
                &agents,
                &mut quota,
                &mut decisions,
                &mut offered_shared,
                now,
            );
        }
        // Spread what the quota stage took from the front of the list.
        self.rng.shuffle(&mut agents);
        self.stage(
            Stage::Fair,
            &agents,
            &mut quota,
            &mut decisions,
            &mut offered_shared,
            now,
        );

        let offered = !decisions.is_empty();
        self.deliver(decisions, sink);
        self.inverse_offers(&agents, now, sink);
        offered
    }

    fn quota_state(&self) -> QuotaState {
        let mut state = QuotaState::default();
        for (key, role) in self.roles.top_level() {
            if !role.quota.is_default() {
                let consumed = role.quota_offered_or_consumed();
                state.required_headroom += &(role.quota.guarantees.clone() - &consumed);
                state.consumed.insert(key, consumed);
            }
        }
        let nothing = ResourceQuantities::new();
        state.open = OpenNames::new(
            self.roles
                .iter()
                .filter(|(_, role)| !role.frameworks.is_empty())
                .count(),
        );
        for (key, role) in self.roles.iter() {
            if !role.quota.is_default() {
                state.open.update(
                    key,
                    &role.quota.guarantees,
                    &role.quota.limits,
                    !role.frameworks.is_empty(),
                    state.consumed.get(&key).unwrap_or(&nothing),
                );
            }
        }
        state.custom_minimums = self
            .frameworks
            .iter()
            .any(|(_, framework)| !framework.min_allocatable.is_empty());
        if state.required_headroom.is_empty() {
            // Headroom is only consulted when something is required.
            return state;
        }
        let root = self.roles.root();
        let unallocated_reservations = root.reserved.clone() - &root.offered_or_allocated_reserved;
        let mut available = self.total.clone() - self.role_sorter.total_allocation();
        available -= &unallocated_reservations;
        for (_, agent) in self.agents.iter() {
            available -= &scalar_quantities(&agent.available().revocable());
        }
        state.available_headroom = available;
        state
    }

    fn stage(
        &mut self,
        stage: Stage,
        agents: &[AgentKey],
        quota: &mut QuotaState,
        decisions: &mut Vec<Decision>,
        offered_shared: &mut FastMap<AgentKey, Resources>,
        now: Instant,
    ) {
        for &agent_key in agents {
            let agent = self.agents.at(agent_key);
            if agent.available().is_empty() {
                continue;
            }
            let reach = Reach::of(stage, quota);
            if reach.nothing_for(
                quota.stage_open(stage, reach.headroom),
                agent,
                &self.options,
            ) {
                continue;
            }
            let plain = !agent.shape.has_reservations && !agent.shape.needs_stripping;
            let start = decisions.len();
            self.allocate_agent(
                stage,
                agent_key,
                &reach,
                quota,
                decisions,
                offered_shared,
                now,
            );
            // The role sorter and role tree see this agent's offers now,
            // before the next agent's turn.
            for decision in &decisions[start..] {
                self.role_sorter
                    .allocated(decision.role, &decision.quantities);
                if plain {
                    self.roles.track_unreserved(
                        decision.role,
                        &decision.quantities,
                        Track::OfferedOrAllocated,
                    );
                } else {
                    self.roles.track(
                        decision.role,
                        &decision.resources,
                        Track::OfferedOrAllocated,
                        true,
                    );
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn allocate_agent(
        &mut self,
        stage: Stage,
        agent_key: AgentKey,
        reach: &Reach,
        quota: &mut QuotaState,
        decisions: &mut Vec<Decision>,
        offered_shared: &mut FastMap<AgentKey, Resources>,
        now: Instant,
    ) {
        let HierarchicalAllocator {
            options,
            frameworks,
            agents,
            roles,
            role_sorter,
            framework_sorters,
            ..
        } = self;
        let agent = agents.at_mut(agent_key);
        let mut unshared = Resources::new();
        let shared = if agent.shape.has_shared {
            offered_shared.entry(agent_key).or_default()
        } else {
            &mut unshared
        };
        // Reused by every role's turn.
        let mut offered = Vec::new();
        role_sorter.sort();
        let _ = role_sorter.visit(&mut |role_key| {
            if agent.available().is_empty() {
                return ControlFlow::Break(());
            }
            let role = roles.role(role_key);
            // In the quota stage this also passes over roles without
            // frameworks or unsatisfied guarantees.
            if reach.nothing_for(
                quota.role_open(stage, role_key, reach.headroom),
                agent,
                options,
            ) {
                return ControlFlow::Continue(());
            }
            let Some(sorter) = framework_sorters
                .get_mut(role_key as usize)
                .and_then(Option::as_mut)
            else {
                return ControlFlow::Continue(());
            };
            let mut turn = RoleTurn {
                stage,
                options,
                role_key,
                role_name: &role.name,
                guarantees: &role.quota.guarantees,
                limits: &role.quota.limits,
                has_quota: !role.quota.is_default(),
                agent_key,
                agent,
                shared,
                quota,
                now,
                offered: &mut offered,
            };
            sorter.sort();
            let _ = sorter.visit(&mut |framework_key| {
                turn.consider(frameworks.at(framework_key), framework_key)
            });
            for (framework_key, resources, new_holding) in offered.drain(..) {
                if new_holding {
                    *frameworks
                        .at_mut(framework_key)
                        .holdings
                        .entry(role_key)
                        .or_default() += 1;
                }
                let quantities = scalar_quantities(&resources);
                sorter.allocated(framework_key, &quantities);
                decisions.push(Decision {
                    framework: framework_key,
                    role: role_key,
                    agent: agent_key,
                    resources,
                    quantities,
                });
            }
            ControlFlow::Continue(())
        });
    }

    /// Hands the run's offers to the sink, one call per framework, offers
    /// to the same (framework, role, agent) from both stages merged.
    fn deliver(&mut self, mut decisions: Vec<Decision>, sink: &mut dyn OfferSink) {
        // Grouped by framework (keys are dense: a counting sort), then each
        // group sorted by small keys, the decision's index keeping both
        // stages' offers in run order.
        let mut starts = vec![0usize; self.frameworks.capacity() + 1];
        for decision in &decisions {
            starts[decision.framework as usize + 1] += 1;
        }
        for index in 1..starts.len() {
            starts[index] += starts[index - 1];
        }
        let mut order = vec![(0, 0, 0, 0); decisions.len()];
        for (index, decision) in decisions.iter().enumerate() {
            let slot = &mut starts[decision.framework as usize];
            order[*slot] = (decision.framework, decision.role, decision.agent, index);
            *slot += 1;
        }
        let mut marks: FastMap<RoleKey, AllocationMark> = FastMap::default();
        for group in order.chunk_by_mut(|a, b| a.0 == b.0) {
            group.sort_unstable();
            let framework = group[0].0;
            let mut offers: Vec<Offer> = Vec::with_capacity(group.len());
            for &mut (_, role_key, agent, index) in group {
                let role = &self.roles.role(role_key).name;
                let agent = self.agents.at(agent);
                let mut resources = std::mem::take(&mut decisions[index].resources);
                resources.allocate_with(
                    marks
                        .entry(role_key)
                        .or_insert_with(|| AllocationMark::new(role)),
                );
                match offers.last_mut() {
                    Some(last) if last.agent_id == agent.id && *last.role == **role => {
                        last.resources += &resources;
                    }
                    _ => offers.push(Offer {
                        agent_id: agent.id.clone(),
                        role: String::from(&**role),
                        resources,
                    }),
                }
            }
            sink.offers(&self.frameworks.at(framework).id, offers);
        }
    }

    /// Asks each active framework holding resources on an agent scheduled
    /// for maintenance to give them back, once per outstanding request.
    fn inverse_offers(&mut self, agents: &[AgentKey], now: Instant, sink: &mut dyn OfferSink) {
        let mut inverse: HashMap<FrameworkKey, Vec<InverseOffer>> = HashMap::new();
        for &agent_key in agents {
            let agent = self.agents.at_mut(agent_key);
            let Some(maintenance) = agent.maintenance.as_mut() else {
                continue;
            };
            let mut holders: Vec<FrameworkKey> = agent
                .offered_or_allocated
                .keys()
                .map(|(framework, _)| *framework)
                .collect();
            holders.sort_unstable();
            holders.dedup();
            for framework_key in holders {
                let framework = self.frameworks.at(framework_key);
                if !framework.active
                    || maintenance.outstanding.contains(&framework.id)
                    || framework.inverse_offers_filtered(agent_key, now)
                {
                    continue;
                }
                maintenance.outstanding.insert(framework.id.clone());
                inverse
                    .entry(framework_key)
                    .or_default()
                    .push(InverseOffer {
                        agent_id: agent.id.clone(),
                        resources: Resources::new(),
                        unavailability: maintenance.unavailability,
                    });
            }
        }
        let mut inverse: Vec<_> = inverse.into_iter().collect();
        inverse.sort_by_key(|(framework, _)| *framework);
        for (framework, offers) in inverse {
            sink.inverse_offers(&self.frameworks.at(framework).id, offers);
        }
    }
}

/// What an agent has left, as far as passing it over goes.
struct Reach {
    stage: Stage,
    /// Names of its available quota-counted resources; worked out when
    /// first needed.
    names: Cell<Option<Names>>,
    /// [`QuotaState::headroom_names`] in the fair stage.
    headroom: Names,
    custom_minimums: bool,
    /// Whether what quota does not count could make an offer on its own;
    /// worked out when first needed.
    leftovers: Cell<Option<bool>>,
}

impl Reach {
    fn of(stage: Stage, quota: &QuotaState) -> Reach {
        let headroom = match stage {
            Stage::Quota => Names::ALL,
            Stage::Fair => quota.headroom_names(),
        };
        Reach {
            stage,
            names: Cell::new(None),
            headroom,
            custom_minimums: quota.custom_minimums,
            leftovers: Cell::new(None),
        }
    }

    /// Whether a role that may take `open` names of quota-counted resources
    /// can be offered nothing on `agent`: the quota stage offers only with
    /// some guarantee met, the fair stage also what quota does not count.
    fn nothing_for(&self, open: Names, agent: &Agent, options: &Options) -> bool {
        // With every name open there is rarely anything to skip: not worth
        // a look at the agent's resources.
        if open == Names::ALL || !(self.names(agent) & open).is_empty() {
            return false;
        }
        if self.stage == Stage::Quota {
            return true;
        }
        let leftovers = match self.leftovers.get() {
            Some(leftovers) => leftovers,
            None => {
                let leftovers = self.leftovers(agent, options);
                self.leftovers.set(Some(leftovers));
                leftovers
            }
        };
        !leftovers
    }

    fn names(&self, agent: &Agent) -> Names {
        if let Some(names) = self.names.get() {
            return names;
        }
        let names = agent
            .available()
            .iter()
            .filter(|resource| is_quota_resource(resource))
            .fold(Names::NONE, |names, resource| {
                names | Names::of(resource.name())
            });
        self.names.set(Some(names));
        names
    }

    /// Whether what quota does not count (ports, reservations, revocable)
    /// could make an offer on its own: it must hold one of the minimum sets
    /// (frameworks' own minimums are not checked, only assumed to).
    fn leftovers(&self, agent: &Agent, options: &Options) -> bool {
        let mut rest = ResourceQuantities::new();
        for resource in agent.available() {
            if !is_quota_resource(resource) {
                rest.add_quantity(resource.name(), quantity(resource));
            }
        }
        let minimums = &options.min_allocatable_resources;
        !rest.is_empty()
            && (agent.shape.has_reservations
                || agent.shape.has_shared
                || self.custom_minimums
                || minimums.is_empty()
                || minimums.iter().any(|set| rest.contains(set)))
    }
}

/// How much of a resource there is: scalars as they are, ranges and sets
/// by their members (as `--min_allocatable_resources` counts them).
fn quantity(resource: &Resource) -> resources::Scalar {
    match resource.value() {
        resources::Value::Scalar(scalar) => *scalar,
        resources::Value::Ranges(ranges) => resources::Scalar::from_units(ranges.count()),
        resources::Value::Set(set) => resources::Scalar::from_units(set.items().len() as u64),
    }
}

/// One role's turn on one agent: the frameworks of the role, in sorter
/// order, each offered what it may take.
struct RoleTurn<'a> {
    stage: Stage,
    options: &'a Options,
    role_key: RoleKey,
    role_name: &'a str,
    guarantees: &'a ResourceQuantities,
    limits: &'a ResourceLimits,
    has_quota: bool,
    agent_key: AgentKey,
    agent: &'a mut Agent,
    /// Shared resources already offered on this agent in this run.
    shared: &'a mut Resources,
    quota: &'a mut QuotaState,
    now: Instant,
    /// Decided offers (already taken from the agent), with whether each
    /// opened a new holding; the sorters learn of them after the turn.
    offered: &'a mut Vec<(FrameworkKey, Resources, bool)>,
}

impl RoleTurn<'_> {
    fn consider(&mut self, framework: &Framework, framework_key: FrameworkKey) -> ControlFlow<()> {
        let mut unsatisfied = ResourceQuantities::new();
        if self.stage == Stage::Quota {
            let consumed = self.consumed();
            unsatisfied = self.guarantees.clone() - &consumed;
            if unsatisfied.is_empty() {
                return ControlFlow::Break(());
            }
        }
        if framework
            .offer_constraints
            .as_ref()
            .is_some_and(|constraints| constraints.excludes(self.role_name, &self.agent.info))
        {
            return ControlFlow::Continue(());
        }

        let available = self.available();
        if available.is_empty() {
            return ControlFlow::Break(());
        }
        if !self.allocatable(&available, framework) || !self.capable(framework) {
            return ControlFlow::Continue(());
        }
        let available = self.strip_incapable(available, framework);

        let (to_offer, quota_increase, guarantee_part) = match self.stage {
            Stage::Quota => {
                let quota_resources = available.filter(is_quota_resource);
                let guarantees_offering = shrink_to_quantities(&quota_resources, &unsatisfied);
                if guarantees_offering.is_empty() {
                    return ControlFlow::Continue(());
                }
                let mut to_offer = guarantees_offering.clone();
                to_offer += &available.filter(|resource| {
                    resource.is_reserved(Some(self.role_name))
                        || resource.scalar().is_none()
                        || resource.is_revocable()
                });
                let guaranteed = scalar_quantities(&guarantees_offering);
                let additional = self.within_limits_and_headroom(
                    &quota_resources - &guarantees_offering,
                    &guaranteed,
                );
                to_offer += &additional;
                let increase = guaranteed.clone() + &scalar_quantities(&additional);
                (Cow::Owned(to_offer), increase, guaranteed)
            }
            Stage::Fair if self.limits.is_empty() && self.quota.required_headroom.is_empty() => {
                // Nothing to trim: the whole of what is available.
                let increase = if self.has_quota {
                    scalar_quantities(&available.filter(is_quota_resource))
                } else {
                    ResourceQuantities::new()
                };
                (available, increase, ResourceQuantities::new())
            }
            Stage::Fair => {
                let mut to_offer = available.filter(|resource| !is_quota_resource(resource));
                let additional = self.within_limits_and_headroom(
                    available.filter(is_quota_resource),
                    &ResourceQuantities::new(),
                );
                to_offer += &additional;
                (
                    Cow::Owned(to_offer),
                    scalar_quantities(&additional),
                    ResourceQuantities::new(),
                )
            }
        };

        // Borrowed: the agent's whole available, found allocatable above.
        let everything = matches!(to_offer, Cow::Borrowed(_));
        if (!everything && !self.allocatable(&to_offer, framework))
            || self.filtered(framework, &to_offer)
        {
            return ControlFlow::Continue(());
        }

        let to_offer = match to_offer {
            Cow::Borrowed(_) => None,
            Cow::Owned(to_offer) => Some(to_offer),
        };
        if let Some(to_offer) = &to_offer
            && self.agent.shape.has_shared
        {
            *self.shared += &to_offer.shared();
        }
        if self.stage == Stage::Quota || self.has_quota {
            let consumed = self.quota.consumed.entry(self.role_key).or_default();
            *consumed += &quota_increase;
            let consumed = consumed.clone();
            self.quota
                .open
                .update(self.role_key, self.guarantees, self.limits, true, &consumed);
        }
        if !quota_increase.is_empty() {
            self.quota.required_headroom -= &guarantee_part;
            self.quota.available_headroom -= &quota_increase;
        }
        // Later frameworks see the agent without this offer.
        let (to_offer, new_holding) = match to_offer {
            Some(to_offer) => {
                let new_holding =
                    self.agent
                        .take(framework_key, self.role_key, Cow::Borrowed(&to_offer));
                (to_offer, new_holding)
            }
            None => self.agent.take_all(framework_key, self.role_key),
        };
        self.offered.push((framework_key, to_offer, new_holding));
        ControlFlow::Continue(())
    }

    fn consumed(&self) -> ResourceQuantities {
        self.quota
            .consumed
            .get(&self.role_key)
            .cloned()
            .unwrap_or_default()
    }

    /// What the agent has left for this role: unreserved, or reserved to
    /// the role or an ancestor; shared resources offered in this run once.
    fn available(&self) -> Cow<'_, Resources> {
        let available = self.agent.available();
        if !self.agent.shape.has_reservations && !self.agent.shape.has_shared {
            return Cow::Borrowed(available);
        }
        let mut result = available.allocatable_to(self.role_name);
        if !self.shared.is_empty() {
            result -= &*self.shared;
        }
        Cow::Owned(result)
    }

    /// Trims unreserved scalars beyond guarantees to the role's limits and
    /// to the headroom other roles' guarantees need.
    fn within_limits_and_headroom(
        &self,
        mut additional: Resources,
        guaranteed: &ResourceQuantities,
    ) -> Resources {
        if !self.limits.is_empty() {
            let used = self.consumed() + guaranteed;
            additional = shrink_to_limits(&additional, &self.limits.minus(&used));
        }
        if !self.quota.required_headroom.is_empty() && !additional.is_empty() {
            let surplus = self.quota.available_headroom.clone() - &self.quota.required_headroom;
            additional = shrink_to_quantities(&additional, &surplus);
        }
        additional
    }

    /// Whether `resources` are worth offering to the framework in this
    /// role: one of the minimum sets (the framework's own, else the
    /// master's) is contained.
    fn allocatable(&self, resources: &Resources, framework: &Framework) -> bool {
        if resources.is_empty() {
            return false;
        }
        let minimum = framework
            .min_allocatable
            .get(self.role_name)
            .unwrap_or(&self.options.min_allocatable_resources);
        minimum.is_empty() || minimum.iter().any(|set| resources.contains_quantities(set))
    }

    /// GPU agents go to GPU-capable frameworks only (with
    /// `--filter_gpu_resources`), remote-region agents to region-aware ones.
    fn capable(&self, framework: &Framework) -> bool {
        if self.options.filter_gpu_resources
            && !framework.capabilities.gpu_resources
            && self.agent.shape.has_gpu
        {
            return false;
        }
        framework.capabilities.region_aware || !self.is_remote()
    }

    fn is_remote(&self) -> bool {
        let region = |domain: &proto::mesos::DomainInfo| {
            domain
                .fault_domain
                .as_ref()
                .map(|fault_domain| fault_domain.region.name.clone())
        };
        match (
            self.agent.info.domain.as_ref().and_then(region),
            self.options.domain.as_ref().and_then(region),
        ) {
            (Some(agent), Some(master)) => agent != master,
            _ => false,
        }
    }

    /// Drops what the framework cannot hold: shared without
    /// SHARED_RESOURCES, revocable without REVOCABLE_RESOURCES, refined
    /// reservations without RESERVATION_REFINEMENT.
    fn strip_incapable<'r>(
        &self,
        resources: Cow<'r, Resources>,
        framework: &Framework,
    ) -> Cow<'r, Resources> {
        if !self.agent.shape.needs_stripping {
            return resources;
        }
        let capabilities = framework.capabilities;
        Cow::Owned(resources.filter(|resource| {
            (capabilities.shared_resources || !resource.is_shared())
                && (capabilities.revocable_resources || !resource.is_revocable())
                && (capabilities.reservation_refinement || !resource.has_refined_reservations())
        }))
    }

    fn filtered(&self, framework: &Framework, resources: &Resources) -> bool {
        if framework.capabilities.multi_role && !self.agent.capabilities.multi_role {
            return true;
        }
        if !self.agent.capabilities.hierarchical_role && self.role_name.contains('/') {
            return true;
        }
        framework.is_filtered(self.role_key, self.agent_key, resources, self.now)
    }
}

/// Unreserved, non-revocable scalars: what quota counts.
fn is_quota_resource(resource: &Resource) -> bool {
    resource.scalar().is_some() && resource.is_unreserved() && !resource.is_revocable()
}

/// Keeps at most `target` of each name; names `target` lacks are dropped.
fn shrink_to_quantities(resources: &Resources, target: &ResourceQuantities) -> Resources {
    let mut left = target.clone();
    let mut result = Resources::new();
    for resource in resources {
        let wanted = left.get(resource.name());
        if wanted.is_zero() {
            continue;
        }
        let mut resource = resource.clone();
        if resource.shrink(wanted) {
            left -= &scalar_quantities(&Resources::from(resource.clone()));
            result.extend(std::iter::once(resource));
        }
    }
    result
}

/// Keeps at most the limit of each limited name; unlimited names are kept.
fn shrink_to_limits(resources: &Resources, limits: &ResourceLimits) -> Resources {
    let mut left = limits.clone();
    let mut result = Resources::new();
    for resource in resources {
        let Some(limit) = left.get(resource.name()) else {
            result.extend(std::iter::once(resource.clone()));
            continue;
        };
        let mut resource = resource.clone();
        if resource.shrink(limit) {
            let taken = resource.scalar().unwrap_or_default();
            left.set(resource.name(), limit - taken);
            result.extend(std::iter::once(resource));
        }
    }
    result
}
