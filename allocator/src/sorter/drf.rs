//! Dominant Resource Fairness.

use super::tree::{Node, NodeId, ROOT, Tree};
use super::{ClientId, Order};
use resources::ResourceQuantities;
use std::collections::{BTreeSet, HashSet};
use std::ops::ControlFlow;
use std::sync::Arc;

/// Dominant Resource Fairness: siblings ordered by ascending dominant
/// share, then fewer allocations, then path. The order is kept
/// incrementally as allocations change; only a change of pool, weights or
/// membership re-sorts the whole tree (lazily, on sort).
#[derive(Debug)]
pub struct DrfOrder {
    /// The pool per resource name, without excluded names or zeros.
    total: Vec<(Arc<str>, f64)>,
    total_quantities: ResourceQuantities,
    excluded: HashSet<String>,
    /// Per node: its ordered children (internal nodes and active leaves).
    order: Vec<BTreeSet<Key>>,
    /// Per node: its key in its parent's order, when it is in it.
    keys: Vec<Option<Key>>,
    /// Per ordered node: its place in path order, the last tie-break
    /// (numbers compare faster than paths).
    ranks: Vec<u32>,
    /// The order no longer reflects the tree: re-sort before visiting.
    dirty: bool,
}

/// Compared field by field: share, allocation count, path rank (ranks are
/// distinct, so the node never decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    /// The share as an integer ordered as `f64::total_cmp` orders shares.
    share: i64,
    count: u64,
    rank: u32,
    node: u32,
}

/// `f64::total_cmp`'s order as integers: negative values' magnitude bits
/// flipped.
fn ordered_bits(value: f64) -> i64 {
    let bits = value.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

impl DrfOrder {
    pub(super) fn new(excluded: impl IntoIterator<Item = String>) -> DrfOrder {
        DrfOrder {
            total: Vec::new(),
            total_quantities: ResourceQuantities::new(),
            excluded: excluded.into_iter().collect(),
            order: Vec::new(),
            keys: Vec::new(),
            ranks: Vec::new(),
            dirty: true,
        }
    }

    /// The node's dominant share divided by its weight.
    fn share(&self, tree: &Tree, id: NodeId) -> f64 {
        let allocation = &tree.node(id).allocation;
        let share = self
            .total
            .iter()
            .map(|(name, total)| allocation.get(name).as_f64() / total)
            .fold(0.0, f64::max);
        share / tree.weight(id)
    }

    fn key(&self, tree: &Tree, id: NodeId) -> Key {
        Key {
            share: ordered_bits(self.share(tree, id)),
            count: tree.node(id).count,
            rank: self.ranks[id],
            node: u32::try_from(id).expect("fewer than 2^32 nodes"),
        }
    }

    fn resort(&mut self, tree: &Tree) {
        let capacity = tree.capacity();
        self.order.clear();
        self.order.resize_with(capacity, BTreeSet::new);
        self.keys.clear();
        self.keys.resize(capacity, None);
        let mut ordered: Vec<NodeId> = tree
            .node_ids()
            .filter(|id| {
                let node = tree.node(*id);
                !node.is_leaf() || node.active
            })
            .collect();
        ordered.sort_unstable_by(|a, b| tree.node(*a).path.cmp(&tree.node(*b).path));
        self.ranks.clear();
        self.ranks.resize(capacity, 0);
        for (rank, id) in ordered.iter().enumerate() {
            self.ranks[*id] = u32::try_from(rank).expect("fewer than 2^32 nodes");
        }
        for id in ordered {
            let key = self.key(tree, id);
            let parent = tree.node(id).parent.expect("non-root nodes have parents");
            self.order[parent].insert(key);
            self.keys[id] = Some(key);
        }
        self.dirty = false;
    }

    fn visit_node(
        &self,
        tree: &Tree,
        id: NodeId,
        visit: &mut dyn FnMut(ClientId) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for key in &self.order[id] {
            let id = key.node as NodeId;
            match tree.node(id).client {
                Some(client) => visit(client)?,
                None => self.visit_node(tree, id, visit)?,
            }
        }
        ControlFlow::Continue(())
    }
}

impl Order for DrfOrder {
    fn tree_changed(&mut self) {
        self.dirty = true;
    }

    fn change_allocation(&mut self, tree: &mut Tree, client: ClientId, change: &dyn Fn(&mut Node)) {
        if self.dirty {
            tree.for_leaf_and_ancestors(client, |tree, id| change(tree.node_mut(id)));
            return;
        }
        let mut current = tree.leaf(client);
        while let Some(id) = current {
            change(tree.node_mut(id));
            current = tree.node(id).parent;
            // Re-key the node in its parent's order, if it is ordered. A
            // sole child keeps its stale key: nothing compares with it, and
            // a sibling's arrival re-sorts everything.
            let parent = current.unwrap_or(ROOT);
            if self.order.get(parent).is_some_and(|order| order.len() > 1)
                && let Some(old) = self.keys.get_mut(id).and_then(Option::take)
            {
                self.order[parent].remove(&old);
                let key = self.key(tree, id);
                self.order[parent].insert(key);
                self.keys[id] = Some(key);
            }
        }
    }

    fn set_total(&mut self, total: &ResourceQuantities) {
        if *total == self.total_quantities {
            return;
        }
        self.total_quantities = total.clone();
        self.total = total
            .iter()
            .filter(|(name, quantity)| !self.excluded.contains(*name) && !quantity.is_zero())
            .map(|(name, quantity)| (Arc::from(name), quantity.as_f64()))
            .collect();
        self.dirty = true;
    }

    fn dominant_share(&self, tree: &Tree, id: NodeId) -> Option<f64> {
        Some(self.share(tree, id))
    }

    fn sort(&mut self, tree: &Tree) {
        if self.dirty {
            self.resort(tree);
        }
    }

    fn visit(
        &self,
        tree: &Tree,
        visit: &mut dyn FnMut(ClientId) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        debug_assert!(!self.dirty, "sort() before visit()");
        if self.order.is_empty() {
            return ControlFlow::Continue(());
        }
        self.visit_node(tree, ROOT, visit)
    }
}

#[cfg(test)]
mod tests {
    use super::ordered_bits;

    #[test]
    fn share_bits_order_as_total_cmp() {
        let values = [
            f64::NEG_INFINITY,
            -2.5,
            -0.0,
            0.0,
            1e-300,
            0.25,
            0.5,
            1.0,
            3.0,
            f64::INFINITY,
        ];
        for a in values {
            for b in values {
                assert_eq!(
                    ordered_bits(a).cmp(&ordered_bits(b)),
                    a.total_cmp(&b),
                    "{a} {b}"
                );
            }
        }
    }
}
