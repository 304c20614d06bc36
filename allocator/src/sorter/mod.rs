//! Sorters: the order in which the allocator visits roles, and the
//! frameworks within a role.
//!
//! A sorter holds *clients* (roles, or frameworks of one role) named by
//! `/`-separated paths, so `eng/web` sits below `eng`: an internal node's
//! allocation is the sum of its subtree, and siblings are ordered against
//! each other, a subtree at a time. Only active clients are visited;
//! deactivated ones (suppressed frameworks, say) keep their allocation.
//!
//! [`DrfSorter`] orders by dominant share (Dominant Resource Fairness):
//! the largest fraction of the pool a node holds of any scalar resource,
//! divided by its weight; ties go to the node allocated fewer times, then to
//! the smaller path. [`RandomSorter`] shuffles, weighted, at each level.
//!
//! The allocator calls [`Sorter::sort`] then [`Sorter::visit`]: sorting
//! is where pending work happens (a DRF re-sort after the pool changed, a
//! fresh shuffle), visiting walks the result without copying it and stops
//! as soon as the caller has what it needs.

mod drf;
mod random;
mod tree;

pub use drf::DrfSorter;
pub use random::RandomSorter;

use crate::rng::Rng;
use resources::ResourceQuantities;
use std::collections::BTreeSet;
use std::fmt;
use std::ops::ControlFlow;

/// A sorter's handle for one client, chosen by the caller (the allocator
/// uses its dense role or framework keys).
pub type ClientId = u32;

/// The ordering policy of `--role_sorter` / `--framework_sorter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SorterKind {
    #[default]
    Drf,
    Random,
}

impl SorterKind {
    /// `drf` or `random`, as the flags spell them.
    pub fn parse(name: &str) -> Option<SorterKind> {
        match name {
            "drf" => Some(SorterKind::Drf),
            "random" => Some(SorterKind::Random),
            _ => None,
        }
    }

    /// A new, empty sorter of this kind; `excluded` resource names do not
    /// count towards shares (`--fair_sharing_excluded_resource_names`).
    pub fn create(self, excluded: &BTreeSet<String>, seed: u64) -> Box<dyn Sorter> {
        match self {
            SorterKind::Drf => Box::new(DrfSorter::new(excluded.clone())),
            SorterKind::Random => Box::new(RandomSorter::new(Rng::new(seed))),
        }
    }
}

/// An ordering over clients, kept up to date as allocations change.
pub trait Sorter: fmt::Debug + Send {
    /// Adds an inactive client at `path`. Adding a known client is a no-op.
    fn add(&mut self, client: ClientId, path: &str);

    /// Removes a client and its allocation.
    fn remove(&mut self, client: ClientId);

    /// Makes a client visible to [`Sorter::visit`].
    fn activate(&mut self, client: ClientId);

    /// Hides a client from [`Sorter::visit`]; its allocation still counts.
    fn deactivate(&mut self, client: ClientId);

    fn contains(&self, client: ClientId) -> bool;

    /// Sets the weight of the node at `path` (a client or an internal node);
    /// the default is 1.
    fn update_weight(&mut self, path: &str, weight: f64);

    /// Records that `client` was given `quantities` (scalars only); counts
    /// as one allocation for DRF's tie-break.
    fn allocated(&mut self, client: ClientId, quantities: &ResourceQuantities);

    /// Records that `client` gave `quantities` back.
    fn unallocated(&mut self, client: ClientId, quantities: &ResourceQuantities);

    /// The scalar quantities `client` holds; empty for unknown clients.
    fn allocation(&self, client: ClientId) -> ResourceQuantities;

    /// Everything allocated to all clients.
    fn total_allocation(&self) -> &ResourceQuantities;

    /// The pool that shares are fractions of (the cluster's scalar total).
    fn set_total(&mut self, total: &ResourceQuantities);

    /// Brings the order up to date; call before [`Sorter::visit`].
    fn sort(&mut self);

    /// Calls `visit` with each active client in order until it breaks.
    fn visit(&self, visit: &mut dyn FnMut(ClientId) -> ControlFlow<()>) -> ControlFlow<()>;

    /// The active clients in order (sorts first); for tests and endpoints.
    fn sorted(&mut self) -> Vec<ClientId> {
        self.sort();
        let mut order = Vec::new();
        let _ = self.visit(&mut |client| {
            order.push(client);
            ControlFlow::Continue(())
        });
        order
    }
}
