//! Weighted random order.

use super::tree::{NodeId, ROOT, Tree};
use super::{ClientId, Sorter};
use crate::rng::Rng;
use resources::ResourceQuantities;
use std::ops::ControlFlow;

/// Each [`Sorter::sort`] draws a new order: at every level of the tree the
/// siblings that have an active client below them are shuffled with
/// probability proportional to their weights, and each subtree is listed
/// whole before the next.
#[derive(Debug)]
pub struct RandomSorter {
    tree: Tree,
    rng: Rng,
    order: Vec<ClientId>,
}

impl RandomSorter {
    pub(crate) fn new(rng: Rng) -> RandomSorter {
        RandomSorter {
            tree: Tree::new(),
            rng,
            order: Vec::new(),
        }
    }

    /// The shuffled active clients below `id`.
    fn shuffle_below(&mut self, id: NodeId) -> Vec<ClientId> {
        let children: Vec<NodeId> = self.tree.ordered_children(id).collect();
        let mut groups: Vec<(f64, Vec<ClientId>)> = Vec::new();
        for child in children {
            let group = match self.tree.node(child).client {
                Some(client) => vec![client],
                None => self.shuffle_below(child),
            };
            if !group.is_empty() {
                groups.push((self.tree.weight(child), group));
            }
        }
        self.rng.weighted_shuffle(&mut groups);
        groups.into_iter().flat_map(|(_, group)| group).collect()
    }

    fn set_active(&mut self, client: ClientId, active: bool) {
        if let Some(id) = self.tree.leaf(client) {
            self.tree.node_mut(id).active = active;
        }
    }

    fn change_allocation(&mut self, client: ClientId, change: impl Fn(&mut super::tree::Node)) {
        self.tree
            .for_leaf_and_ancestors(client, |tree, id| change(tree.node_mut(id)));
    }
}

impl Sorter for RandomSorter {
    fn add(&mut self, client: ClientId, path: &str) {
        self.tree.add(client, path);
    }

    fn remove(&mut self, client: ClientId) {
        self.tree.remove(client);
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
    }

    fn allocated(&mut self, client: ClientId, quantities: &ResourceQuantities) {
        self.change_allocation(client, |node| {
            node.allocation += quantities;
            node.count += 1;
        });
    }

    fn unallocated(&mut self, client: ClientId, quantities: &ResourceQuantities) {
        self.change_allocation(client, |node| node.allocation -= quantities);
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

    fn set_total(&mut self, _total: &ResourceQuantities) {
        // Shares play no part in a random order.
    }

    fn sort(&mut self) {
        self.order = self.shuffle_below(ROOT);
    }

    fn visit(&self, visit: &mut dyn FnMut(ClientId) -> ControlFlow<()>) -> ControlFlow<()> {
        self.order.iter().try_for_each(|client| visit(*client))
    }
}
