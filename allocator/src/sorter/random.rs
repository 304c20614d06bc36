//! Weighted random order.

use super::tree::{Node, NodeId, ROOT, Tree};
use super::{ClientId, Order};
use crate::rng::Rng;
use resources::ResourceQuantities;
use std::ops::ControlFlow;

/// Each sort draws a new order: at every level of the tree the siblings
/// that have an active client below them are shuffled with probability
/// proportional to their weights, and each subtree is listed whole before
/// the next.
#[derive(Debug)]
pub struct RandomOrder {
    rng: Rng,
    order: Vec<ClientId>,
}

impl RandomOrder {
    pub(super) fn new(rng: Rng) -> RandomOrder {
        RandomOrder {
            rng,
            order: Vec::new(),
        }
    }

    /// The shuffled active clients below `id`.
    fn shuffle_below(&mut self, tree: &Tree, id: NodeId) -> Vec<ClientId> {
        let mut groups: Vec<(f64, Vec<ClientId>)> = Vec::new();
        for child in tree.ordered_children(id) {
            let group = match tree.node(child).client {
                Some(client) => vec![client],
                None => self.shuffle_below(tree, child),
            };
            if !group.is_empty() {
                groups.push((tree.weight(child), group));
            }
        }
        self.rng.weighted_shuffle(&mut groups);
        groups.into_iter().flat_map(|(_, group)| group).collect()
    }
}

impl Order for RandomOrder {
    fn tree_changed(&mut self) {
        // The next sort draws afresh anyway.
    }

    fn change_allocation(&mut self, tree: &mut Tree, client: ClientId, change: &dyn Fn(&mut Node)) {
        tree.for_leaf_and_ancestors(client, |tree, id| change(tree.node_mut(id)));
    }

    fn set_total(&mut self, _total: &ResourceQuantities) {
        // Shares play no part in a random order.
    }

    fn dominant_share(&self, _tree: &Tree, _id: NodeId) -> Option<f64> {
        // Mesos's random sorter publishes no shares either.
        None
    }

    fn sort(&mut self, tree: &Tree) {
        self.order = self.shuffle_below(tree, ROOT);
    }

    fn visit(
        &self,
        _tree: &Tree,
        visit: &mut dyn FnMut(ClientId) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.order.iter().try_for_each(|client| visit(*client))
    }
}
