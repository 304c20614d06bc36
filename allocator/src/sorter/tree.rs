//! The hierarchy both sorters keep: clients as leaves under the internal
//! nodes their paths name, each node holding its subtree's allocation.

use super::ClientId;
use crate::fast_hash::FastMap;
use resources::ResourceQuantities;
use std::collections::HashMap;
use std::sync::Arc;

pub type NodeId = usize;

/// The root: the whole tree, holding the total allocation.
pub const ROOT: NodeId = 0;

/// The name under which a client sits below an internal node of its own
/// path (client `a` once `a/b` exists).
const VIRTUAL: &str = ".";

#[derive(Debug)]
pub struct Node {
    /// The client path (`a/b`); a virtual leaf has its internal node's path.
    pub path: Arc<str>,
    pub parent: Option<NodeId>,
    pub children: HashMap<Box<str>, NodeId>,
    /// `Some` for leaves.
    pub client: Option<ClientId>,
    pub active: bool,
    pub allocation: ResourceQuantities,
    /// How many allocations the subtree received: DRF's tie-break.
    pub count: u64,
}

impl Node {
    fn new(path: Arc<str>, parent: Option<NodeId>, client: Option<ClientId>) -> Node {
        Node {
            path,
            parent,
            children: HashMap::new(),
            client,
            active: false,
            allocation: ResourceQuantities::new(),
            count: 0,
        }
    }

    pub fn is_leaf(&self) -> bool {
        self.client.is_some()
    }
}

#[derive(Debug)]
pub struct Tree {
    nodes: Vec<Option<Node>>,
    free: Vec<NodeId>,
    clients: FastMap<ClientId, NodeId>,
    weights: HashMap<Arc<str>, f64>,
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            nodes: vec![Some(Node::new("".into(), None, None))],
            free: Vec::new(),
            clients: FastMap::default(),
            weights: HashMap::new(),
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        self.nodes[id].as_ref().expect("live node")
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        self.nodes[id].as_mut().expect("live node")
    }

    /// Every live node but the root.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(id, node)| node.as_ref().map(|_| id))
    }

    /// The slot count, for side tables indexed by node.
    pub fn capacity(&self) -> usize {
        self.nodes.len()
    }

    pub fn leaf(&self, client: ClientId) -> Option<NodeId> {
        self.clients.get(&client).copied()
    }

    pub fn weight(&self, id: NodeId) -> f64 {
        if self.weights.is_empty() {
            return 1.0;
        }
        self.weights
            .get(&self.node(id).path)
            .copied()
            .unwrap_or(1.0)
    }

    pub fn set_weight(&mut self, path: &str, weight: f64) {
        self.weights.insert(path.into(), weight);
    }

    fn insert(&mut self, node: Node) -> NodeId {
        match self.free.pop() {
            Some(id) => {
                self.nodes[id] = Some(node);
                id
            }
            None => {
                self.nodes.push(Some(node));
                self.nodes.len() - 1
            }
        }
    }

    /// Adds `client` at `path`, creating internal nodes as needed and
    /// turning a leaf whose path is a prefix into an internal node with the
    /// leaf below it. Returns false if the client was already known.
    pub fn add(&mut self, client: ClientId, path: &str) -> bool {
        if self.clients.contains_key(&client) {
            return false;
        }
        let components: Vec<&str> = path.split('/').collect();
        let mut current = ROOT;
        for (index, component) in components.iter().enumerate() {
            let last = index + 1 == components.len();
            let child = self.node(current).children.get(*component).copied();
            current = match child {
                Some(child) if self.node(child).is_leaf() && !last => self.push_leaf_down(child),
                Some(child) if last => {
                    let internal = if self.node(child).is_leaf() {
                        self.push_leaf_down(child)
                    } else {
                        child
                    };
                    let leaf = self.insert(Node::new(path.into(), Some(internal), Some(client)));
                    self.node_mut(internal)
                        .children
                        .insert(VIRTUAL.into(), leaf);
                    leaf
                }
                Some(child) => child,
                None => {
                    let prefix: Arc<str> = components[..=index].join("/").into();
                    let node = Node::new(prefix, Some(current), last.then_some(client));
                    let id = self.insert(node);
                    self.node_mut(current)
                        .children
                        .insert((*component).into(), id);
                    id
                }
            };
        }
        self.clients.insert(client, current);
        true
    }

    /// Replaces `leaf` by an internal node of the same path with the leaf
    /// below it as the virtual child; returns the internal node.
    fn push_leaf_down(&mut self, leaf: NodeId) -> NodeId {
        let (path, parent, allocation, count) = {
            let node = self.node(leaf);
            (
                node.path.clone(),
                node.parent.expect("leaves have parents"),
                node.allocation.clone(),
                node.count,
            )
        };
        let mut internal = Node::new(path, Some(parent), None);
        internal.allocation = allocation;
        internal.count = count;
        internal.children.insert(VIRTUAL.into(), leaf);
        let internal = self.insert(internal);
        let name = self.name_in_parent(leaf, parent);
        self.node_mut(parent).children.insert(name, internal);
        self.node_mut(leaf).parent = Some(internal);
        internal
    }

    fn name_in_parent(&self, id: NodeId, parent: NodeId) -> Box<str> {
        self.node(parent)
            .children
            .iter()
            .find(|(_, child)| **child == id)
            .map(|(name, _)| name.clone())
            .expect("a child is listed by its parent")
    }

    /// Removes `client`, takes its allocation out of its ancestors and
    /// prunes internal nodes left empty (or holding only a virtual leaf).
    pub fn remove(&mut self, client: ClientId) -> bool {
        let Some(leaf) = self.clients.remove(&client) else {
            return false;
        };
        let allocation = self.node(leaf).allocation.clone();
        let mut ancestor = self.node(leaf).parent;
        while let Some(id) = ancestor {
            self.node_mut(id).allocation -= &allocation;
            ancestor = self.node(id).parent;
        }
        let parent = self.node(leaf).parent.expect("leaves have parents");
        self.detach(leaf, parent);
        self.prune(parent);
        true
    }

    fn detach(&mut self, id: NodeId, parent: NodeId) {
        let name = self.name_in_parent(id, parent);
        self.node_mut(parent).children.remove(&name);
        self.nodes[id] = None;
        self.free.push(id);
    }

    fn prune(&mut self, mut id: NodeId) {
        while id != ROOT {
            let parent = self.node(id).parent.expect("non-root nodes have parents");
            let children = &self.node(id).children;
            if children.is_empty() {
                self.detach(id, parent);
                id = parent;
                continue;
            }
            if children.len() == 1
                && let Some(&leaf) = children.get(VIRTUAL)
            {
                // The internal node only held its own client: put the leaf
                // back in its place.
                let name = self.name_in_parent(id, parent);
                self.node_mut(parent).children.insert(name, leaf);
                self.node_mut(leaf).parent = Some(parent);
                self.nodes[id] = None;
                self.free.push(id);
            }
            return;
        }
    }

    /// Applies `change` to the leaf of `client` and each of its ancestors,
    /// leaf first, root last.
    pub fn for_leaf_and_ancestors(
        &mut self,
        client: ClientId,
        mut change: impl FnMut(&mut Self, NodeId),
    ) {
        let Some(mut id) = self.leaf(client) else {
            return;
        };
        loop {
            change(self, id);
            match self.node(id).parent {
                Some(parent) => id = parent,
                None => return,
            }
        }
    }

    /// The children of `id` that take part in ordering: internal nodes and
    /// active leaves.
    pub fn ordered_children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.node(id).children.values().copied().filter(|child| {
            let node = self.node(*child);
            !node.is_leaf() || node.active
        })
    }
}
