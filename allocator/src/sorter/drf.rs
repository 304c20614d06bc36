//! Dominant Resource Fairness.

use super::tree::{NodeId, ROOT, Tree};
use super::{ClientId, Sorter};
use resources::ResourceQuantities;
use std::collections::{BTreeSet, HashSet};
use std::ops::ControlFlow;
use std::sync::Arc;

/// Orders siblings by ascending dominant share, then fewer allocations, then
/// path. The order is kept incrementally as allocations change; only a change
/// of pool, weights or membership re-sorts the whole tree (lazily, on
/// [`Sorter::sort`]).
#[derive(Debug)]
pub struct DrfSorter {
    tree: Tree,
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

impl DrfSorter {
    pub fn new(excluded: impl IntoIterator<Item = String>) -> DrfSorter {
        DrfSorter {
            tree: Tree::new(),
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
    fn share(&self, id: NodeId) -> f64 {
        let allocation = &self.tree.node(id).allocation;
        let share = self
            .total
            .iter()
            .map(|(name, total)| allocation.get(name).as_f64() / total)
            .fold(0.0, f64::max);
        share / self.tree.weight(id)
    }

    fn key(&self, id: NodeId) -> Key {
        let node = self.tree.node(id);
        Key {
            share: ordered_bits(self.share(id)),
            count: node.count,
            rank: self.ranks[id],
            node: u32::try_from(id).expect("fewer than 2^32 nodes"),
        }
    }

    fn resort(&mut self) {
        let capacity = self.tree.capacity();
        self.order.clear();
        self.order.resize_with(capacity, BTreeSet::new);
        self.keys.clear();
        self.keys.resize(capacity, None);
        let mut ordered: Vec<NodeId> = self
            .tree
            .node_ids()
            .filter(|id| {
                let node = self.tree.node(*id);
                !node.is_leaf() || node.active
            })
            .collect();
        ordered.sort_unstable_by(|a, b| self.tree.node(*a).path.cmp(&self.tree.node(*b).path));
        self.ranks.clear();
        self.ranks.resize(capacity, 0);
        for (rank, id) in ordered.iter().enumerate() {
            self.ranks[*id] = u32::try_from(rank).expect("fewer than 2^32 nodes");
        }
        for id in ordered {
            let key = self.key(id);
            let parent = self
                .tree
                .node(id)
                .parent
                .expect("non-root nodes have parents");
            self.order[parent].insert(key);
            self.keys[id] = Some(key);
        }
        self.dirty = false;
    }

    fn change_allocation(&mut self, client: ClientId, change: impl Fn(&mut super::tree::Node)) {
        if self.dirty {
            self.tree
                .for_leaf_and_ancestors(client, |tree, id| change(tree.node_mut(id)));
            return;
        }
        let mut current = self.tree.leaf(client);
        while let Some(id) = current {
            change(self.tree.node_mut(id));
            current = self.tree.node(id).parent;
            // Re-key the node in its parent's order, if it is ordered. A
            // sole child keeps its stale key: nothing compares with it, and
            // a sibling's arrival re-sorts everything.
            let parent = current.unwrap_or(ROOT);
            if self.order.get(parent).is_some_and(|order| order.len() > 1)
                && let Some(old) = self.keys.get_mut(id).and_then(Option::take)
            {
                self.order[parent].remove(&old);
                let key = self.key(id);
                self.order[parent].insert(key);
                self.keys[id] = Some(key);
            }
        }
    }

    fn visit_node(
        &self,
        id: NodeId,
        visit: &mut dyn FnMut(ClientId) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for key in &self.order[id] {
            let id = key.node as NodeId;
            match self.tree.node(id).client {
                Some(client) => visit(client)?,
                None => self.visit_node(id, visit)?,
            }
        }
        ControlFlow::Continue(())
    }
}

impl Sorter for DrfSorter {
    fn add(&mut self, client: ClientId, path: &str) {
        if self.tree.add(client, path) {
            self.dirty = true;
        }
    }

    fn remove(&mut self, client: ClientId) {
        if self.tree.remove(client) {
            self.dirty = true;
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
        self.dirty = true;
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

    fn sort(&mut self) {
        if self.dirty {
            self.resort();
        }
    }

    fn visit(&self, visit: &mut dyn FnMut(ClientId) -> ControlFlow<()>) -> ControlFlow<()> {
        debug_assert!(!self.dirty, "sort() before visit()");
        if self.order.is_empty() {
            return ControlFlow::Continue(());
        }
        self.visit_node(ROOT, visit)
    }
}

impl DrfSorter {
    fn set_active(&mut self, client: ClientId, active: bool) {
        if let Some(id) = self.tree.leaf(client) {
            let node = self.tree.node_mut(id);
            if node.active != active {
                node.active = active;
                self.dirty = true;
            }
        }
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
