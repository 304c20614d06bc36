//! Offer allocation: which framework is offered which agent's resources,
//! behind the [`Allocator`] trait, with Mesos's HierarchicalDRF algorithm as
//! [`HierarchicalAllocator`].
//!
//! # The contract
//!
//! The master tells the allocator what happens — frameworks and agents
//! come, go, (de)activate and change; offers are declined or used; roles get
//! quotas and weights; frameworks suppress and revive — through the event
//! methods of [`Allocator`], which mirror Mesos's `mesos::allocator::Allocator`.
//! The allocator never acts on its own: it is a plain synchronous data
//! structure with no runtime, and allocation happens when the master calls
//! one of
//!
//! - [`Allocator::allocate`]: a full pass over every agent — the periodic
//!   batch the master runs every `--allocation_interval`;
//! - [`Allocator::allocate_pending`]: a pass over what events since the last
//!   pass asked for, merged — Mesos allocates promptly after adding or
//!   activating a framework and reviving (all agents), and after adding or
//!   updating an agent or its unavailability (that agent). The master calls
//!   this soon after such events, batching bursts into one run;
//! - [`Allocator::allocate_agents`]: a pass over given agents.
//!
//! A pass delivers its decisions to the [`OfferSink`] passed in: per
//! framework, its [`Offer`]s (agent, role, resources allocated to the role)
//! and its [`InverseOffer`]s (agents in maintenance asking for their
//! resources back). Offered resources count as the framework's until the
//! master gives them back with [`Allocator::recover_resources`] (declined,
//! rescinded, or tasks finished), optionally with a refusal filter.
//!
//! Time only matters to filters, so the calls that create or check them
//! take `now`; tests drive time by passing later instants, never sleeping.
//!
//! ```
//! use allocator::{Allocator, CollectedOffers, FrameworkOptions, HierarchicalAllocator, Options};
//! use proto::mesos as pb;
//! use resources::Resources;
//! use std::collections::HashMap;
//! use std::time::Instant;
//!
//! let mut allocator = HierarchicalAllocator::new(Options::default());
//! let framework = pb::FrameworkInfo {
//!     id: Some(pb::FrameworkId { value: "framework-1".into() }),
//!     role: Some("web".into()),
//!     ..Default::default()
//! };
//! allocator.add_framework(&framework, &HashMap::new(), true, FrameworkOptions::default()).unwrap();
//! let agent = pb::SlaveInfo {
//!     id: Some(pb::SlaveId { value: "agent-1".into() }),
//!     hostname: "host-1".into(),
//!     ..Default::default()
//! };
//! let total = Resources::parse("cpus:4;mem:1024", "*").unwrap();
//! allocator.add_agent(&agent, &[], None, &total, &HashMap::new()).unwrap();
//!
//! let mut offers = CollectedOffers::default();
//! allocator.allocate(Instant::now(), &mut offers);
//! let (framework_id, offer) = offers.flat().next().unwrap();
//! assert_eq!(framework_id.value, "framework-1");
//! assert_eq!(offer.role, "web");
//! assert_eq!(offer.resources.to_string(), "cpus(allocated: web):4; mem(allocated: web):1024");
//! ```
//!
//! # HierarchicalDRF
//!
//! Roles form a tree (`eng/web` below `eng`). A role sorter orders roles by
//! dominant share over weight, and one framework sorter per role orders its
//! frameworks ([`sorter`]; `--role_sorter=random` shuffles instead). A run
//! shuffles the candidate agents and, in two stages, walks each agent's
//! roles and frameworks in that order, offering the first eligible
//! framework everything the agent has left for the role:
//!
//! 1. roles with unsatisfied quota guarantees take unreserved resources up
//!    to their guarantees (bursting towards their limits);
//! 2. then every role, with unreserved scalars trimmed to the role's quota
//!    limits and to the headroom other roles' unsatisfied guarantees need.
//!
//! Reservations go only to the reserving role's subtree. A framework is
//! skipped when its offer constraints exclude the agent, it lacks a needed
//! capability (MULTI_ROLE agents, GPU agents without GPU_RESOURCES under
//! `--filter_gpu_resources`, remote regions without REGION_AWARE), the
//! offer would be smaller than every `--min_allocatable_resources` set, or
//! it refused such resources on the agent recently. Revocable, shared and
//! refined-reservation resources are offered only to frameworks with the
//! matching capability. Suppressed roles of a framework are left out of its
//! role's sorter until revived.
//!
//! After a master failover with quotas, [`Allocator::recover`] pauses
//! allocation until enough agents are back; the master resumes it after
//! `--allocator_recovery_timeout` at the latest.
//!
//! # Writing an allocator
//!
//! A custom allocator implements [`Allocator`] with a policy of its own
//! (the `allocator-example` crate is a small one). The rules that do not
//! depend on the policy are here, public, so that every allocator keeps
//! them as [`HierarchicalAllocator`] does: [`framework_roles`],
//! [`refusal_timeout`], [`apply_conversions`], [`unallocated`],
//! [`operation_conversions`] (what an offer operation converts; from the
//! `resources` crate, which agents share), and the
//! [`AllocatorError`] constructors for unknown IDs and resources never
//! handed out.

mod bookkeeping;
mod error;
mod fast_hash;
mod hierarchical;
pub mod json;
mod rng;
mod roles;
mod slab;
pub mod sorter;
mod types;

pub use bookkeeping::{apply_conversions, framework_roles, refusal_timeout, unallocated};
pub use error::AllocatorError;
pub use hierarchical::HierarchicalAllocator;
pub use resources::{ResourceConversion, consumed_resources, operation_conversions};
pub use sorter::{Sorter, SorterKind};
pub use types::{
    CollectedOffers, FrameworkOptions, InverseOffer, Offer, OfferConstraints, OfferSink, Options,
    Quota, ResourceLimits,
};

use proto::mesos as pb;
use resources::Resources;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::time::Instant;

/// The master's allocator: Mesos's allocator interface, object safe so
/// that the master can hold a `Box<dyn Allocator>` chosen by `--allocator`
/// or supplied in code.
///
/// Resources passed in as offered or used carry their allocation role
/// (`allocation_info`), as in Mesos. Errors report calls that break the
/// contract (unknown IDs, resources that were never offered); Mesos aborts
/// on those.
pub trait Allocator: fmt::Debug + Send {
    /// After a master failover: restores quotas and, if any, pauses
    /// allocation until `--allocator_agent_recovery_factor` of
    /// `expected_agent_count` agents are back.
    fn recover(&mut self, expected_agent_count: usize, quotas: &HashMap<String, Quota>);

    /// A framework registered (or re-registered after a failover with
    /// `used` resources per agent). Active frameworks trigger an allocation.
    fn add_framework(
        &mut self,
        info: &pb::FrameworkInfo,
        used: &HashMap<pb::SlaveId, Resources>,
        active: bool,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError>;

    /// A framework is gone; what it held becomes available.
    fn remove_framework(&mut self, framework_id: &pb::FrameworkId) -> Result<(), AllocatorError>;

    /// A framework reconnected: it is offered again (triggers an allocation).
    fn activate_framework(&mut self, framework_id: &pb::FrameworkId) -> Result<(), AllocatorError>;

    /// A framework disconnected: no offers, filters dropped, holdings kept.
    fn deactivate_framework(
        &mut self,
        framework_id: &pb::FrameworkId,
    ) -> Result<(), AllocatorError>;

    /// A framework changed its roles, capabilities, offer filters or
    /// suppressed roles.
    fn update_framework(
        &mut self,
        info: &pb::FrameworkInfo,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError>;

    /// An agent registered (or re-registered with the resources frameworks
    /// use on it). Triggers an allocation of that agent.
    fn add_agent(
        &mut self,
        info: &pb::SlaveInfo,
        capabilities: &[pb::slave_info::Capability],
        unavailability: Option<pb::Unavailability>,
        total: &Resources,
        used: &HashMap<pb::FrameworkId, Resources>,
    ) -> Result<(), AllocatorError>;

    /// An agent is gone, and every filter about it.
    fn remove_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError>;

    /// An agent's info, total or capabilities changed; returns whether
    /// anything did (then it triggers an allocation of the agent). Changed
    /// attributes drop the filters about the agent.
    fn update_agent(
        &mut self,
        info: &pb::SlaveInfo,
        total: Option<&Resources>,
        capabilities: Option<&[pb::slave_info::Capability]>,
    ) -> Result<bool, AllocatorError>;

    /// A resource provider on an agent added `total`, some of it `used`.
    fn add_resource_provider(
        &mut self,
        agent_id: &pb::SlaveId,
        total: &Resources,
        used: &HashMap<pb::FrameworkId, Resources>,
    ) -> Result<(), AllocatorError>;

    /// The agent is offered again (reconnected, or draining cancelled).
    fn activate_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError>;

    /// The agent is not offered (disconnected, draining).
    fn deactivate_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError>;

    /// Only agents with these hostnames are offered; `None` lifts it.
    fn update_whitelist(&mut self, hostnames: Option<HashSet<String>>);

    /// A framework's resource requests (acknowledged, not acted on).
    fn request_resources(
        &mut self,
        framework_id: &pb::FrameworkId,
        requests: &[pb::Request],
    ) -> Result<(), AllocatorError>;

    /// Operations on offered resources (reserve, create a volume, ...)
    /// changed them: `offered` becomes `offered` with `conversions` applied,
    /// and the agent's total follows.
    fn update_allocation(
        &mut self,
        framework_id: &pb::FrameworkId,
        agent_id: &pb::SlaveId,
        offered: &Resources,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError>;

    /// An operator applied operations to an agent's available resources;
    /// fails if they are no longer available (offered meanwhile).
    fn update_available(
        &mut self,
        agent_id: &pb::SlaveId,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError>;

    /// Maintenance was scheduled (or cancelled) for an agent: inverse-offer
    /// filters about it are dropped and an allocation of it is triggered.
    fn update_unavailability(
        &mut self,
        agent_id: &pb::SlaveId,
        unavailability: Option<pb::Unavailability>,
    ) -> Result<(), AllocatorError>;

    /// A framework answered (or ignored, `status` `None`) an inverse offer;
    /// `filters` hold further inverse offers for the agent back.
    fn update_inverse_offer(
        &mut self,
        agent_id: &pb::SlaveId,
        framework_id: &pb::FrameworkId,
        status: Option<pb::allocator::InverseOfferStatus>,
        filters: Option<&pb::Filters>,
        now: Instant,
    ) -> Result<(), AllocatorError>;

    /// The latest answer of each framework to inverse offers, per agent in
    /// maintenance.
    fn inverse_offer_statuses(
        &self,
    ) -> HashMap<pb::SlaveId, HashMap<pb::FrameworkId, pb::allocator::InverseOfferStatus>>;

    /// Offered resources are now used by tasks (for quota consumption).
    fn transition_offered_to_allocated(
        &mut self,
        agent_id: &pb::SlaveId,
        resources: &Resources,
    ) -> Result<(), AllocatorError>;

    /// Offered or used resources come back (declined, rescinded, tasks
    /// ended). With `filters`, the framework refuses offers of no more than
    /// these resources on this agent in this role for `refuse_seconds` (at
    /// least one allocation interval; at most a year; 0 means no filter).
    fn recover_resources(
        &mut self,
        framework_id: &pb::FrameworkId,
        agent_id: &pb::SlaveId,
        resources: &Resources,
        filters: Option<&pb::Filters>,
        is_allocated: bool,
        now: Instant,
    ) -> Result<(), AllocatorError>;

    /// No offers to the framework in `roles` (all its roles if empty) until
    /// revived.
    fn suppress_offers(
        &mut self,
        framework_id: &pb::FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError>;

    /// Offers again in `roles` (all if empty), with the framework's filters
    /// for them dropped; triggers an allocation.
    fn revive_offers(
        &mut self,
        framework_id: &pb::FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError>;

    /// Sets a role's quota (the default quota removes it).
    fn update_quota(&mut self, role: &str, quota: Quota);

    /// Sets role weights (not a trigger: takes effect from the next run).
    fn update_weights(&mut self, weights: &[pb::WeightInfo]);

    /// Stops allocation runs until [`Allocator::resume`].
    fn pause(&mut self);

    fn resume(&mut self);

    fn is_paused(&self) -> bool;

    /// A full allocation run over every agent; also clears pending
    /// event-driven work.
    fn allocate(&mut self, now: Instant, sink: &mut dyn OfferSink);

    /// An allocation run over these agents only.
    fn allocate_agents(
        &mut self,
        agent_ids: &[pb::SlaveId],
        now: Instant,
        sink: &mut dyn OfferSink,
    );

    /// Runs what events since the last run asked for; false if nothing was
    /// pending.
    fn allocate_pending(&mut self, now: Instant, sink: &mut dyn OfferSink) -> bool;

    fn has_pending_allocation(&self) -> bool;

    /// How many allocation runs were made (runs skipped because they could
    /// offer nothing are not counted). The master times a call to
    /// [`Allocator::allocate`] or [`Allocator::allocate_pending`] as a run
    /// only when this grew; allocators that do not count runs keep 0.
    fn allocation_runs(&self) -> u64 {
        0
    }

    /// The allocator's figures for `/metrics/snapshot`, as (name, value)
    /// pairs under the names Mesos gives them (`allocator/...`), read when
    /// a snapshot is taken. `&mut` lets an allocator bring figures it keeps
    /// lazily up to date first. Allocators without figures publish none.
    fn metrics(&mut self) -> Vec<(String, f64)> {
        Vec::new()
    }
}
