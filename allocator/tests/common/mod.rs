//! Builders shared by the allocator's tests.
#![allow(dead_code)] // Each test binary uses its own subset.

use allocator::{Allocator, CollectedOffers, FrameworkOptions, HierarchicalAllocator, Options};
use proto::mesos as pb;
use proto::mesos::framework_info::capability::Type as FrameworkCapability;
use proto::mesos::slave_info::capability::Type as AgentCapability;
use resources::Resources;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// `--resources`-style text, unreserved by default.
pub fn resources(text: &str) -> Resources {
    Resources::parse(text, "*").unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// The same resources, allocated to `role` (as offers and used resources are).
pub fn allocated(text: &str, role: &str) -> Resources {
    let mut resources = resources(text);
    resources.allocate(role);
    resources
}

pub fn framework_id(name: &str) -> pb::FrameworkId {
    pb::FrameworkId { value: name.into() }
}

pub fn agent_id(name: &str) -> pb::SlaveId {
    pb::SlaveId { value: name.into() }
}

/// A MULTI_ROLE framework in `roles` with extra capabilities.
pub fn framework(
    name: &str,
    roles: &[&str],
    capabilities: &[FrameworkCapability],
) -> pb::FrameworkInfo {
    let mut info = pb::FrameworkInfo {
        id: Some(framework_id(name)),
        name: name.into(),
        roles: roles.iter().map(|role| role.to_string()).collect(),
        ..Default::default()
    };
    for capability in [FrameworkCapability::MultiRole].iter().chain(capabilities) {
        let mut entry = pb::framework_info::Capability::default();
        entry.set_type(*capability);
        info.capabilities.push(entry);
    }
    info
}

pub fn agent_info(name: &str) -> pb::SlaveInfo {
    pb::SlaveInfo {
        id: Some(agent_id(name)),
        hostname: name.into(),
        ..Default::default()
    }
}

/// What a current agent advertises: MULTI_ROLE, HIERARCHICAL_ROLE,
/// RESERVATION_REFINEMENT.
pub fn agent_capabilities() -> Vec<pb::slave_info::Capability> {
    [
        AgentCapability::MultiRole,
        AgentCapability::HierarchicalRole,
        AgentCapability::ReservationRefinement,
    ]
    .into_iter()
    .map(|capability| {
        let mut entry = pb::slave_info::Capability::default();
        entry.set_type(capability);
        entry
    })
    .collect()
}

/// An allocator with Mesos's defaults and a fixed seed.
pub fn allocator() -> HierarchicalAllocator {
    HierarchicalAllocator::new(Options {
        seed: Some(7),
        ..Options::default()
    })
}

pub fn add_framework(allocator: &mut dyn Allocator, name: &str, roles: &[&str]) {
    allocator
        .add_framework(
            &framework(name, roles, &[]),
            &HashMap::new(),
            true,
            FrameworkOptions::default(),
        )
        .unwrap();
}

pub fn add_agent(allocator: &mut dyn Allocator, name: &str, total: &str) {
    allocator
        .add_agent(
            &agent_info(name),
            &agent_capabilities(),
            None,
            &resources(total),
            &HashMap::new(),
        )
        .unwrap();
}

/// Runs a full allocation at `now` and returns what it offered.
pub fn allocate(allocator: &mut dyn Allocator, now: Instant) -> CollectedOffers {
    let mut offers = CollectedOffers::default();
    allocator.allocate(now, &mut offers);
    offers
}

/// The one offer a full allocation at `now` makes, as [`summary`] gives it;
/// fails the test if there are more or none.
pub fn only_offer(allocator: &mut dyn Allocator, now: Instant) -> (String, String, String, String) {
    let offered = summary(&allocate(allocator, now));
    assert_eq!(offered.len(), 1, "one offer expected: {offered:?}");
    offered.into_iter().next().unwrap()
}

/// `(framework, agent, role, resources text)` of each offer, sorted.
pub fn summary(offers: &CollectedOffers) -> Vec<(String, String, String, String)> {
    let mut summary: Vec<_> = offers
        .flat()
        .map(|(framework, offer)| {
            let mut resources = offer.resources.clone();
            resources.unallocate();
            (
                framework.value.clone(),
                offer.agent_id.value.clone(),
                offer.role.clone(),
                resources.to_string(),
            )
        })
        .collect();
    summary.sort();
    summary
}

/// Declines every offer in `offers` with `refuse` (`None`: no filter).
pub fn decline_all(
    allocator: &mut dyn Allocator,
    offers: &CollectedOffers,
    refuse: Option<f64>,
    now: Instant,
) {
    for (framework, offer) in offers.flat() {
        let filters = refuse.map(|seconds| pb::Filters {
            refuse_seconds: Some(seconds),
        });
        allocator
            .recover_resources(
                framework,
                &offer.agent_id,
                &offer.resources,
                filters.as_ref(),
                false,
                now,
            )
            .unwrap();
    }
}

pub fn seconds(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}
