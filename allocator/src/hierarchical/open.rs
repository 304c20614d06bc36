//! Which resource names a role can still be offered in a stage of a run,
//! as small bit sets, so that agents and roles that cannot meet are passed
//! over without computing an offer: once every role is at its quota limit,
//! an agent with only quota-counted resources left is skipped outright.
//!
//! Every set here holds at least the names [`super::allocate`] would offer,
//! so skipping on an empty intersection never changes a decision.

use crate::roles::RoleKey;
use resources::ResourceQuantities;
use std::ops::{BitAnd, BitOr};

/// A set of resource names: one bit per common name, one for all others
/// together (so a set with that bit may hold any uncommon name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Names(u8);

impl Names {
    pub const NONE: Names = Names(0);
    pub const ALL: Names = Names(0b11_1111);
    const OTHERS: Names = Names(1 << 5);
    const BITS: usize = 6;

    pub fn of(name: &str) -> Names {
        Names(match name {
            "cpus" => 1,
            "disk" => 1 << 1,
            "gpus" => 1 << 2,
            "mem" => 1 << 3,
            "ports" => 1 << 4,
            _ => Self::OTHERS.0,
        })
    }

    pub fn of_quantities(quantities: &ResourceQuantities) -> Names {
        quantities
            .iter()
            .fold(Names::NONE, |names, (name, _)| names | Names::of(name))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn without_others(self) -> Names {
        Names(self.0 & !Names::OTHERS.0)
    }

    fn contains_bit(self, bit: usize) -> bool {
        self.0 & (1 << bit) != 0
    }
}

impl BitOr for Names {
    type Output = Names;
    fn bitor(self, other: Names) -> Names {
        Names(self.0 | other.0)
    }
}

impl BitAnd for Names {
    type Output = Names;
    fn bitand(self, other: Names) -> Names {
        Names(self.0 & other.0)
    }
}

/// Per role, the names it may still take in each stage, and per name how
/// many roles may, kept up to date as the run's offers consume quota.
/// Roles never recorded have no quota: every name is open to them.
#[derive(Debug, Default)]
pub(super) struct OpenNames {
    /// Per role key: names with unsatisfied guarantees (the quota stage).
    unsatisfied: Vec<Names>,
    /// Per role key with frameworks: names at the role's limits (the fair
    /// stage).
    at_limits: Vec<Names>,
    unsatisfied_roles: [u32; Names::BITS],
    roles_at_limit: [u32; Names::BITS],
    /// How many roles have frameworks (the roles a stage visits).
    roles: u32,
}

impl OpenNames {
    /// Starts a run in which `roles` roles have frameworks.
    pub fn new(roles: usize) -> OpenNames {
        OpenNames {
            roles: u32::try_from(roles).expect("fewer than 2^32 roles"),
            ..OpenNames::default()
        }
    }

    /// Records what `role` may still take: names of `guarantees` not yet
    /// `consumed`, and names whose limit `consumed` has not reached. A role
    /// without frameworks is not visited, so it takes nothing.
    pub fn update(
        &mut self,
        role: RoleKey,
        guarantees: &ResourceQuantities,
        limits: &crate::ResourceLimits,
        has_frameworks: bool,
        consumed: &ResourceQuantities,
    ) {
        let (unsatisfied, at_limits) = if has_frameworks {
            let at_limits = limits
                .iter()
                .filter(|(name, limit)| *limit <= consumed.get(name))
                .fold(Names::NONE, |names, (name, _)| names | Names::of(name));
            (
                Names::of_quantities(&(guarantees.clone() - consumed)),
                // The others bit stands for names that may have no limit.
                at_limits.without_others(),
            )
        } else {
            (Names::NONE, Names::NONE)
        };

        let index = role as usize;
        if self.unsatisfied.len() <= index {
            self.unsatisfied.resize(index + 1, Names::NONE);
            self.at_limits.resize(index + 1, Names::NONE);
        }
        count(
            &mut self.unsatisfied_roles,
            self.unsatisfied[index],
            unsatisfied,
        );
        count(&mut self.roles_at_limit, self.at_limits[index], at_limits);
        self.unsatisfied[index] = unsatisfied;
        self.at_limits[index] = at_limits;
    }

    pub fn unsatisfied(&self, role: RoleKey) -> Names {
        self.unsatisfied
            .get(role as usize)
            .copied()
            .unwrap_or(Names::NONE)
    }

    pub fn under_limits(&self, role: RoleKey) -> Names {
        let at_limits = self
            .at_limits
            .get(role as usize)
            .copied()
            .unwrap_or(Names::NONE);
        Names(Names::ALL.0 & !at_limits.0)
    }

    /// Names some role has an unsatisfied guarantee of.
    pub fn any_unsatisfied(&self) -> Names {
        names_where(&self.unsatisfied_roles, |roles| roles > 0)
    }

    /// Names some role with frameworks is not at the limit of.
    pub fn any_under_limits(&self) -> Names {
        names_where(&self.roles_at_limit, |roles| roles < self.roles)
    }
}

fn count(counts: &mut [u32; Names::BITS], old: Names, new: Names) {
    for (bit, count) in counts.iter_mut().enumerate() {
        if old.contains_bit(bit) {
            *count -= 1;
        }
        if new.contains_bit(bit) {
            *count += 1;
        }
    }
}

fn names_where(counts: &[u32; Names::BITS], keep: impl Fn(u32) -> bool) -> Names {
    counts
        .iter()
        .enumerate()
        .filter(|(_, count)| keep(**count))
        .fold(Names::NONE, |names, (bit, _)| names | Names(1 << bit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResourceLimits;

    fn quantities(text: &str) -> ResourceQuantities {
        ResourceQuantities::parse(text).unwrap()
    }

    fn limits(text: &str) -> ResourceLimits {
        let mut limits = ResourceLimits::new();
        for (name, limit) in quantities(text).iter() {
            limits.set(name, limit);
        }
        limits
    }

    fn all_but(names: &[&str]) -> Names {
        let closed = names
            .iter()
            .fold(Names::NONE, |set, name| set | Names::of(name));
        Names(Names::ALL.0 & !closed.0)
    }

    #[test]
    fn uncommon_names_share_one_bit_that_limits_never_clear() {
        assert_eq!(Names::of("foo"), Names::of("bar"));
        let mut open = OpenNames::new(1);
        open.update(
            0,
            &quantities(""),
            &limits("foo:1;cpus:1"),
            true,
            &quantities("foo:1;cpus:1"),
        );
        assert_eq!(open.under_limits(0), all_but(&["cpus"]));
        assert_eq!(open.any_under_limits(), all_but(&["cpus"]));
    }

    #[test]
    fn roles_open_and_close_as_quota_is_consumed() {
        // Roles 3 and 5 have frameworks; 7 has quota but none.
        let mut open = OpenNames::new(2);
        let guarantees = quantities("cpus:1;mem:10");
        let limits_3 = limits("cpus:2;mem:10");
        open.update(3, &guarantees, &limits_3, true, &ResourceQuantities::new());
        open.update(
            7,
            &guarantees,
            &limits("cpus:0"),
            false,
            &ResourceQuantities::new(),
        );
        assert_eq!(open.unsatisfied(3), Names::of("cpus") | Names::of("mem"));
        assert_eq!(open.any_unsatisfied(), open.unsatisfied(3));
        // Role 5, without quota, is open to everything.
        assert_eq!(open.under_limits(5), Names::ALL);
        assert_eq!(open.any_under_limits(), Names::ALL);

        open.update(
            3,
            &guarantees,
            &limits_3,
            true,
            &quantities("cpus:1;mem:10"),
        );
        assert_eq!(open.unsatisfied(3), Names::NONE);
        assert_eq!(open.any_unsatisfied(), Names::NONE);
        assert_eq!(open.under_limits(3), all_but(&["mem"]));
        assert_eq!(
            open.any_under_limits(),
            Names::ALL,
            "role 5 still takes memory"
        );

        open.update(
            5,
            &quantities("gpus:1"),
            &limits("mem:1;gpus:1"),
            true,
            &quantities("mem:1"),
        );
        assert_eq!(open.any_under_limits(), all_but(&["mem"]));
        assert_eq!(open.any_unsatisfied(), Names::of("gpus"));
        open.update(
            3,
            &guarantees,
            &limits_3,
            true,
            &quantities("cpus:2;mem:10"),
        );
        assert_eq!(open.any_under_limits(), all_but(&["mem"]));
        assert_eq!(open.under_limits(3), all_but(&["cpus", "mem"]));
    }
}
