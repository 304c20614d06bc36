//! What the allocator knows of each framework and agent.

use crate::fast_hash::FastMap;
use crate::roles::RoleKey;
use crate::types::OfferConstraints;
use crate::unallocated;
use proto::mesos as pb;
use proto::mesos::framework_info::capability::Type as FrameworkCapability;
use proto::mesos::slave_info::capability::Type as AgentCapability;
use resources::{ResourceQuantities, Resources, Value};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

pub(crate) type AgentKey = u32;

/// The framework capabilities that change what it may be offered.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FrameworkCapabilities {
    pub multi_role: bool,
    pub gpu_resources: bool,
    pub revocable_resources: bool,
    pub shared_resources: bool,
    pub reservation_refinement: bool,
    pub region_aware: bool,
}

impl FrameworkCapabilities {
    pub fn of(info: &pb::FrameworkInfo) -> FrameworkCapabilities {
        let mut capabilities = FrameworkCapabilities::default();
        for capability in &info.capabilities {
            match capability.r#type() {
                FrameworkCapability::MultiRole => capabilities.multi_role = true,
                FrameworkCapability::GpuResources => capabilities.gpu_resources = true,
                FrameworkCapability::RevocableResources => capabilities.revocable_resources = true,
                FrameworkCapability::SharedResources => capabilities.shared_resources = true,
                FrameworkCapability::ReservationRefinement => {
                    capabilities.reservation_refinement = true
                }
                FrameworkCapability::RegionAware => capabilities.region_aware = true,
                _ => {}
            }
        }
        capabilities
    }
}

/// A refusal: offers on this agent for this role holding no more than
/// `resources` are withheld until `expires`.
#[derive(Debug, Clone)]
pub(crate) struct RefusedFilter {
    pub resources: Resources,
    pub expires: Instant,
}

#[derive(Debug)]
pub(crate) struct Framework {
    pub id: pb::FrameworkId,
    pub roles: BTreeSet<String>,
    pub suppressed_roles: BTreeSet<String>,
    pub capabilities: FrameworkCapabilities,
    pub active: bool,
    pub offer_filters: FastMap<(RoleKey, AgentKey), Vec<RefusedFilter>>,
    /// Per agent: until when inverse offers are refused.
    pub inverse_offer_filters: FastMap<AgentKey, Instant>,
    /// Per-role overrides of `--min_allocatable_resources`.
    pub min_allocatable: HashMap<String, Vec<ResourceQuantities>>,
    pub offer_constraints: Option<Arc<dyn OfferConstraints>>,
    /// Per role: on how many agents the framework holds resources.
    pub holdings: FastMap<RoleKey, u32>,
}

impl Framework {
    pub fn is_filtered(
        &self,
        role: RoleKey,
        agent: AgentKey,
        resources: &Resources,
        now: Instant,
    ) -> bool {
        self.offer_filters
            .get(&(role, agent))
            .is_some_and(|filters| {
                filters
                    .iter()
                    .any(|filter| now < filter.expires && filter.resources.contains(resources))
            })
    }

    pub fn inverse_offers_filtered(&self, agent: AgentKey, now: Instant) -> bool {
        self.inverse_offer_filters
            .get(&agent)
            .is_some_and(|expires| now < *expires)
    }
}

/// Reads `FrameworkInfo.offer_filters`: per-role minimum offer sizes.
pub(crate) fn min_allocatable_overrides(
    info: &pb::FrameworkInfo,
) -> HashMap<String, Vec<ResourceQuantities>> {
    info.offer_filters
        .iter()
        .filter_map(|(role, filters)| {
            let minimum = filters.min_allocatable_resources.as_ref()?;
            let alternatives = minimum
                .quantities
                .iter()
                .map(|set| {
                    let mut quantities = ResourceQuantities::new();
                    for (name, scalar) in &set.quantities {
                        quantities.add_quantity(name, resources::Scalar::from_f64(scalar.value));
                    }
                    quantities
                })
                .collect();
            Some((role.clone(), alternatives))
        })
        .collect()
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AgentCapabilities {
    pub multi_role: bool,
    pub hierarchical_role: bool,
}

impl AgentCapabilities {
    pub fn of(capabilities: &[pb::slave_info::Capability]) -> AgentCapabilities {
        let mut result = AgentCapabilities::default();
        for capability in capabilities {
            match capability.r#type() {
                AgentCapability::MultiRole => result.multi_role = true,
                AgentCapability::HierarchicalRole => result.hierarchical_role = true,
                _ => {}
            }
        }
        result
    }
}

#[derive(Debug)]
pub(crate) struct Maintenance {
    pub unavailability: pb::Unavailability,
    pub statuses: HashMap<pb::FrameworkId, pb::allocator::InverseOfferStatus>,
    /// Frameworks holding an inverse offer they have not answered.
    pub outstanding: HashSet<pb::FrameworkId>,
}

impl Maintenance {
    pub fn new(unavailability: pb::Unavailability) -> Maintenance {
        Maintenance {
            unavailability,
            statuses: HashMap::new(),
            outstanding: HashSet::new(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Agent {
    pub id: pb::SlaveId,
    pub info: pb::SlaveInfo,
    pub capabilities: AgentCapabilities,
    pub activated: bool,
    total: Resources,
    /// What is neither offered nor allocated (unallocated form); shared
    /// resources stay available however often they are handed out.
    available: Resources,
    /// Per (framework, role), unallocated form.
    pub offered_or_allocated: FastMap<(u32, RoleKey), Resources>,
    /// Offered or allocated to frameworks the allocator does not know yet
    /// (an agent re-registering before its frameworks), allocated form.
    pub held_for_unknown: HashMap<pb::FrameworkId, Resources>,
    /// In use by tasks (allocated form).
    pub allocated: Resources,
    pub maintenance: Option<Maintenance>,
    pub scalar_quantities: ResourceQuantities,
    pub shape: Shape,
}

/// What an agent's total holds, so the common plain agent skips work.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Shape {
    pub has_gpu: bool,
    pub has_reservations: bool,
    pub has_shared: bool,
    /// Revocable, shared or refined entries: frameworks may need them
    /// stripped.
    pub needs_stripping: bool,
}

impl Shape {
    fn of(total: &Resources) -> Shape {
        let mut shape = Shape::default();
        for resource in total {
            if resource.name() == "gpus"
                && matches!(resource.value(), Value::Scalar(gpus) if !gpus.is_zero())
            {
                shape.has_gpu = true;
            }
            shape.has_reservations |= !resource.is_unreserved();
            shape.has_shared |= resource.is_shared();
            shape.needs_stripping |= resource.is_revocable()
                || resource.is_shared()
                || resource.has_refined_reservations();
        }
        shape
    }
}

impl Agent {
    pub fn new(
        info: pb::SlaveInfo,
        capabilities: AgentCapabilities,
        total: Resources,
        unavailability: Option<pb::Unavailability>,
    ) -> Agent {
        let id = info.id.clone().unwrap_or_default();
        let mut agent = Agent {
            id,
            info,
            capabilities,
            activated: true,
            available: Resources::new(),
            total: Resources::new(),
            offered_or_allocated: FastMap::default(),
            held_for_unknown: HashMap::new(),
            allocated: Resources::new(),
            maintenance: unavailability.map(Maintenance::new),
            scalar_quantities: ResourceQuantities::new(),
            shape: Shape::default(),
        };
        agent.set_total(total);
        agent
    }

    pub fn total(&self) -> &Resources {
        &self.total
    }

    pub fn available(&self) -> &Resources {
        &self.available
    }

    /// Replaces the total and recomputes what is available from it.
    pub fn set_total(&mut self, total: Resources) {
        self.scalar_quantities = super::scalar_quantities(&total);
        self.shape = Shape::of(&total);
        self.total = total;
        let mut available = self.total.clone();
        let held = self
            .offered_or_allocated
            .values()
            .cloned()
            .chain(self.held_for_unknown.values().map(unallocated));
        for held in held {
            self.take_from_available(&mut available, &held);
        }
        self.available = available;
    }

    fn take_from_available(&self, available: &mut Resources, resources: &Resources) {
        if self.shape.has_shared {
            *available -= &resources.non_shared();
        } else {
            *available -= resources;
        }
    }

    /// Records `resources` (unallocated form) as offered or allocated to
    /// `framework` under `role`; returns whether this opened a new entry.
    pub fn take(&mut self, framework: u32, role: RoleKey, resources: Cow<'_, Resources>) -> bool {
        let mut available = std::mem::take(&mut self.available);
        self.take_from_available(&mut available, &resources);
        self.available = available;
        match self.offered_or_allocated.get_mut(&(framework, role)) {
            Some(held) => {
                *held += &*resources;
                false
            }
            None => {
                self.offered_or_allocated
                    .insert((framework, role), resources.into_owned());
                true
            }
        }
    }

    /// Records everything available as offered to `framework` under
    /// `role` (an agent without shared resources); returns it, and whether
    /// this opened a new entry.
    pub fn take_all(&mut self, framework: u32, role: RoleKey) -> (Resources, bool) {
        debug_assert!(!self.shape.has_shared);
        let resources = std::mem::take(&mut self.available);
        match self.offered_or_allocated.get_mut(&(framework, role)) {
            Some(held) => {
                *held += &resources;
                (resources, false)
            }
            None => {
                self.offered_or_allocated
                    .insert((framework, role), resources.clone());
                (resources, true)
            }
        }
    }

    /// Returns `resources` (unallocated form) from `framework`'s holding in
    /// `role`; `Ok(true)` if that emptied the entry, an error if the
    /// holding does not contain them.
    pub fn give_back(
        &mut self,
        framework: u32,
        role: RoleKey,
        resources: &Resources,
    ) -> Result<bool, ()> {
        let held = self
            .offered_or_allocated
            .get_mut(&(framework, role))
            .ok_or(())?;
        if !held.contains(resources) {
            return Err(());
        }
        *held -= resources;
        let emptied = held.is_empty();
        if emptied {
            self.offered_or_allocated.remove(&(framework, role));
        }
        if self.shape.has_shared {
            self.available += &resources.non_shared();
        } else {
            self.available += resources;
        }
        Ok(emptied)
    }

    /// Holds `resources` (allocated form) for a framework not yet known.
    pub fn hold_for_unknown(&mut self, framework: &pb::FrameworkId, resources: &Resources) {
        let mut available = std::mem::take(&mut self.available);
        self.take_from_available(&mut available, &unallocated(resources));
        self.available = available;
        *self.held_for_unknown.entry(framework.clone()).or_default() += resources;
    }

    /// Moves what was held for a framework not known then into the
    /// holdings of its key, role by role.
    pub fn release_unknown(&mut self, framework: &pb::FrameworkId) -> Option<Resources> {
        let held = self.held_for_unknown.remove(framework)?;
        let unallocated = unallocated(&held);
        if self.shape.has_shared {
            self.available += &unallocated.non_shared();
        } else {
            self.available += &unallocated;
        }
        Some(held)
    }
}
