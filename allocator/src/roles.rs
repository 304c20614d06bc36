//! The role tree: every role something refers to (a framework, a
//! reservation, a quota, a weight), with what its subtree has reserved,
//! been offered and been allocated — what quota enforcement counts.

use crate::Quota;
use crate::slab::Slab;
use resources::{ResourceQuantities, Resources, Scalar, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub(crate) type RoleKey = u32;
pub(crate) type FrameworkKey = u32;

/// The tree's root: the whole cluster.
pub(crate) const ROOT: RoleKey = 0;

#[derive(Debug)]
pub(crate) struct Role {
    pub name: Arc<str>,
    pub parent: Option<RoleKey>,
    children: usize,
    pub quota: Quota,
    pub weight: f64,
    /// Frameworks subscribed to the role or holding resources in it.
    pub frameworks: HashSet<FrameworkKey>,
    /// Scalar reservations to this role or below.
    pub reserved: ResourceQuantities,
    /// Unreserved non-revocable scalars offered or allocated to the subtree.
    pub offered_or_allocated_unreserved: ResourceQuantities,
    /// Reserved scalars offered or allocated to the subtree.
    pub offered_or_allocated_reserved: ResourceQuantities,
    /// Unreserved non-revocable scalars in use by tasks in the subtree.
    pub allocated_unreserved: ResourceQuantities,
}

impl Role {
    fn new(name: Arc<str>, parent: Option<RoleKey>) -> Role {
        Role {
            name,
            parent,
            children: 0,
            quota: Quota::default(),
            weight: 1.0,
            frameworks: HashSet::new(),
            reserved: ResourceQuantities::new(),
            offered_or_allocated_unreserved: ResourceQuantities::new(),
            offered_or_allocated_reserved: ResourceQuantities::new(),
            allocated_unreserved: ResourceQuantities::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.children == 0
            && self.frameworks.is_empty()
            && self.reserved.is_empty()
            && self.quota.is_default()
            && self.weight == 1.0
            && self.offered_or_allocated_unreserved.is_empty()
            && self.offered_or_allocated_reserved.is_empty()
            && self.allocated_unreserved.is_empty()
    }

    /// What counts against the quota when offering: reservations plus
    /// unreserved resources offered or allocated.
    pub fn quota_offered_or_consumed(&self) -> ResourceQuantities {
        self.offered_or_allocated_unreserved.clone() + &self.reserved
    }

    /// What the quota is consumed by: reservations plus unreserved resources
    /// in use.
    pub fn quota_consumed(&self) -> ResourceQuantities {
        self.allocated_unreserved.clone() + &self.reserved
    }

    pub fn is_top_level(&self) -> bool {
        self.parent == Some(ROOT)
    }
}

/// Which running total a change applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Track {
    /// Offered or allocated resources (split into reserved and unreserved).
    OfferedOrAllocated,
    /// Resources in use by tasks (unreserved only).
    Allocated,
}

#[derive(Debug)]
pub(crate) struct RoleTree {
    roles: Slab<Role>,
    by_name: HashMap<Arc<str>, RoleKey>,
}

impl RoleTree {
    pub fn new() -> RoleTree {
        let mut roles = Slab::default();
        let root = roles.insert(Role::new("".into(), None));
        debug_assert_eq!(root, ROOT);
        RoleTree {
            roles,
            by_name: HashMap::new(),
        }
    }

    pub fn get(&self, name: &str) -> Option<RoleKey> {
        self.by_name.get(name).copied()
    }

    pub fn role(&self, key: RoleKey) -> &Role {
        self.roles.at(key)
    }

    pub fn role_mut(&mut self, key: RoleKey) -> &mut Role {
        self.roles.at_mut(key)
    }

    pub fn root(&self) -> &Role {
        self.roles.at(ROOT)
    }

    /// Every role but the root.
    pub fn iter(&self) -> impl Iterator<Item = (RoleKey, &Role)> {
        self.roles.iter().filter(|(key, _)| *key != ROOT)
    }

    pub fn top_level(&self) -> impl Iterator<Item = (RoleKey, &Role)> {
        self.iter().filter(|(_, role)| role.is_top_level())
    }

    /// The role named `name`, created with its ancestors if needed.
    pub fn ensure(&mut self, name: &str) -> RoleKey {
        if let Some(key) = self.get(name) {
            return key;
        }
        let parent = match name.rsplit_once('/') {
            Some((parent, _)) => self.ensure(parent),
            None => ROOT,
        };
        let name: Arc<str> = name.into();
        let key = self.roles.insert(Role::new(name.clone(), Some(parent)));
        self.roles.at_mut(parent).children += 1;
        self.by_name.insert(name, key);
        key
    }

    /// Drops `key` and then its ancestors while they refer to nothing.
    pub fn try_remove(&mut self, mut key: RoleKey) {
        while key != ROOT && self.roles.at(key).is_empty() {
            let role = self.roles.remove(key).expect("a live role");
            self.by_name.remove(&role.name);
            let parent = role.parent.expect("non-root roles have parents");
            self.roles.at_mut(parent).children -= 1;
            key = parent;
        }
    }

    fn for_role_and_ancestors(&mut self, key: RoleKey, mut change: impl FnMut(&mut Role)) {
        let mut current = Some(key);
        while let Some(key) = current {
            let role = self.roles.at_mut(key);
            change(role);
            current = role.parent;
        }
    }

    /// Adds (or with `add == false` takes away) the scalar reservations in
    /// `resources` to their roles and ancestors.
    pub fn track_reservations(&mut self, resources: &Resources, add: bool) {
        for resource in resources {
            let (Some(role), Value::Scalar(quantity)) =
                (resource.reservation_role(), resource.value())
            else {
                continue;
            };
            let key = self.ensure(role);
            self.for_role_and_ancestors(key, |role| {
                change(&mut role.reserved, resource.name(), *quantity, add)
            });
            if !add {
                self.try_remove(key);
            }
        }
    }

    /// Adds (or takes away) `resources`, offered or allocated to `role`, to
    /// the running totals of `track`.
    pub fn track(&mut self, key: RoleKey, resources: &Resources, track: Track, add: bool) {
        for resource in resources {
            let Value::Scalar(quantity) = resource.value() else {
                continue;
            };
            if resource.is_revocable() {
                continue;
            }
            let unreserved = resource.is_unreserved();
            self.for_role_and_ancestors(key, |role| {
                let totals = match (track, unreserved) {
                    (Track::OfferedOrAllocated, true) => &mut role.offered_or_allocated_unreserved,
                    (Track::OfferedOrAllocated, false) => &mut role.offered_or_allocated_reserved,
                    (Track::Allocated, true) => &mut role.allocated_unreserved,
                    (Track::Allocated, false) => return,
                };
                change(totals, resource.name(), *quantity, add);
            });
        }
    }
}

impl RoleTree {
    /// [`RoleTree::track`] adding resources known to be only unreserved and
    /// non-revocable, by their scalar quantities.
    pub fn track_unreserved(
        &mut self,
        key: RoleKey,
        quantities: &ResourceQuantities,
        track: Track,
    ) {
        self.for_role_and_ancestors(key, |role| {
            let totals = match track {
                Track::OfferedOrAllocated => &mut role.offered_or_allocated_unreserved,
                Track::Allocated => &mut role.allocated_unreserved,
            };
            *totals += quantities;
        });
    }
}

fn change(totals: &mut ResourceQuantities, name: &str, quantity: Scalar, add: bool) {
    if add {
        totals.add_quantity(name, quantity);
    } else {
        let mut taken = ResourceQuantities::new();
        taken.add_quantity(name, quantity);
        *totals -= &taken;
    }
}
