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
//! Both are a [`TreeSorter`]: the client tree and its bookkeeping are the
//! same, only the [`Order`] kept over it differs.
//!
//! The allocator calls [`Sorter::sort`] then [`Sorter::visit`]: sorting
//! is where pending work happens (a DRF re-sort after the pool changed, a
//! fresh shuffle), visiting walks the result without copying it and stops
//! as soon as the caller has what it needs.

mod drf;
mod random;
mod tree;

use drf::DrfOrder;
use random::RandomOrder;

use crate::rng::Rng;
use resources::ResourceQuantities;
use std::collections::BTreeSet;
use std::fmt;
use std::ops::ControlFlow;
use tree::{Node, NodeId, ROOT, Tree};

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
            SorterKind::Random => Box::new(RandomSorter::with_rng(Rng::new(seed))),
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

    /// The client's dominant share over its weight against the pool last
    /// set, for sorters that order by it (DRF); `None` for others and for
    /// unknown clients.
    fn dominant_share(&self, client: ClientId) -> Option<f64>;

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

/// Orders siblings by ascending dominant share, then fewer allocations,
/// then path.
pub type DrfSorter = TreeSorter<DrfOrder>;

/// Each [`Sorter::sort`] draws a new order by weighted shuffles.
pub type RandomSorter = TreeSorter<RandomOrder>;

/// What tells one sorter from another: how the clients of the tree are
/// ordered. The tree's bookkeeping (membership, activity, weights,
/// allocations) is shared by [`TreeSorter`].
pub trait Order: fmt::Debug + Send {
    /// Membership, activity or weights changed.
    fn tree_changed(&mut self);

    /// Applies `change` to the client's leaf and each ancestor, keeping
    /// the order up to date as it goes.
    fn change_allocation(&mut self, tree: &mut Tree, client: ClientId, change: &dyn Fn(&mut Node));

    /// The pool changed.
    fn set_total(&mut self, total: &ResourceQuantities);

    /// The node's dominant share over its weight, if this order has one.
    fn dominant_share(&self, tree: &Tree, id: NodeId) -> Option<f64>;

    fn sort(&mut self, tree: &Tree);

    fn visit(
        &self,
        tree: &Tree,
        visit: &mut dyn FnMut(ClientId) -> ControlFlow<()>,
    ) -> ControlFlow<()>;
}

/// A [`Sorter`]: the client tree, ordered by `O`.
#[derive(Debug)]
pub struct TreeSorter<O> {
    tree: Tree,
    order: O,
}

impl DrfSorter {
    /// `excluded` resource names do not count towards shares.
    pub fn new(excluded: impl IntoIterator<Item = String>) -> DrfSorter {
        TreeSorter {
            tree: Tree::new(),
            order: DrfOrder::new(excluded),
        }
    }
}

impl RandomSorter {
    pub(crate) fn with_rng(rng: Rng) -> RandomSorter {
        TreeSorter {
            tree: Tree::new(),
            order: RandomOrder::new(rng),
        }
    }
}

impl<O: Order> TreeSorter<O> {
    fn set_active(&mut self, client: ClientId, active: bool) {
        if let Some(id) = self.tree.leaf(client) {
            let node = self.tree.node_mut(id);
            if node.active != active {
                node.active = active;
                self.order.tree_changed();
            }
        }
    }
}

impl<O: Order> Sorter for TreeSorter<O> {
    fn add(&mut self, client: ClientId, path: &str) {
        if self.tree.add(client, path) {
            self.order.tree_changed();
        }
    }

    fn remove(&mut self, client: ClientId) {
        if self.tree.remove(client) {
            self.order.tree_changed();
        }
    }

    fn activate(&mut self, client: ClientId) {
        self.set_active(client, true);
    }

    fn deactivate(&mut self, client: ClientId) {
        self.set_active(client, false);
    }

    fn contains(&self, client: ClientId) -> bool {
        self.tree.leaf(client).is_some()
    }

    fn update_weight(&mut self, path: &str, weight: f64) {
        self.tree.set_weight(path, weight);
        self.order.tree_changed();
    }

    fn allocated(&mut self, client: ClientId, quantities: &ResourceQuantities) {
        self.order
            .change_allocation(&mut self.tree, client, &|node: &mut Node| {
                node.allocation += quantities;
                node.count += 1;
            });
    }

    fn unallocated(&mut self, client: ClientId, quantities: &ResourceQuantities) {
        self.order
            .change_allocation(&mut self.tree, client, &|node: &mut Node| {
                node.allocation -= quantities
            });
    }

    fn allocation(&self, client: ClientId) -> ResourceQuantities {
        self.tree
            .leaf(client)
            .map(|id| self.tree.node(id).allocation.clone())
            .unwrap_or_default()
    }

    fn total_allocation(&self) -> &ResourceQuantities {
        &self.tree.node(ROOT).allocation
    }

    fn dominant_share(&self, client: ClientId) -> Option<f64> {
        let id = self.tree.leaf(client)?;
        self.order.dominant_share(&self.tree, id)
    }

    fn set_total(&mut self, total: &ResourceQuantities) {
        self.order.set_total(total);
    }

    fn sort(&mut self) {
        self.order.sort(&self.tree);
    }

    fn visit(&self, visit: &mut dyn FnMut(ClientId) -> ControlFlow<()>) -> ControlFlow<()> {
        self.order.visit(&self.tree, visit)
    }
}
