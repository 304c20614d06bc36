//! [`ResourceQuantities`]: how much of each resource name, with no
//! reservations or other metadata — what DRF shares and quotas count.

use crate::resources::quantity_of;
use crate::{Resources, ResourcesError, Scalar, Value};
use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::sync::Arc;

/// The names nearly every agent has, in name order. They live in fixed
/// slots, so the arithmetic the allocator does per offer and per sort key
/// compares no strings and allocates nothing.
const KNOWN: [&str; 5] = ["cpus", "disk", "gpus", "mem", "ports"];

fn known_slot(name: &str) -> Option<usize> {
    match name {
        "cpus" => Some(0),
        "disk" => Some(1),
        "gpus" => Some(2),
        "mem" => Some(3),
        "ports" => Some(4),
        _ => None,
    }
}

/// Non-negative quantities by resource name with no zero entries, iterated
/// in name order. The well-known names have fixed slots (zero meaning
/// absent); other names are kept sorted beside them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ResourceQuantities {
    known: [Scalar; KNOWN.len()],
    /// Sorted by name, no zeros, no well-known names.
    others: Vec<(Arc<str>, Scalar)>,
}

impl ResourceQuantities {
    pub fn new() -> ResourceQuantities {
        ResourceQuantities::default()
    }

    /// Parses `cpus:4;mem:1024`: scalars only, negative values refused,
    /// zeros dropped, a repeated name summed.
    pub fn parse(text: &str) -> Result<ResourceQuantities, ResourcesError> {
        let mut result = ResourceQuantities::new();
        for token in text.split(';').filter(|token| !token.is_empty()) {
            let bad = |reason: String| ResourcesError::BadQuantity {
                token: token.to_owned(),
                reason,
            };
            let pieces: Vec<&str> = token.split(':').filter(|piece| !piece.is_empty()).collect();
            let [name, value] = pieces[..] else {
                return Err(bad("missing or extra ':'".to_owned()));
            };
            match Value::parse(value).map_err(bad)? {
                Value::Scalar(scalar) => result.add_quantity(name.trim(), scalar),
                _ => return Err(bad("only scalar values are allowed".to_owned())),
            }
        }
        Ok(result)
    }

    /// The quantities of `resources`: scalars as they are, ranges and sets
    /// by how many members they have.
    pub fn from_resources(resources: &Resources) -> ResourceQuantities {
        let mut result = ResourceQuantities::new();
        for resource in resources {
            result.add_quantity(resource.name(), quantity_of(resource));
        }
        result
    }

    /// The quantity of `name`; zero if absent.
    pub fn get(&self, name: &str) -> Scalar {
        match known_slot(name) {
            Some(slot) => self.known[slot],
            None => self
                .other_position(name)
                .map_or(Scalar::ZERO, |index| self.others[index].1),
        }
    }

    /// Adds `quantity` of `name`; zero and negative quantities are ignored.
    pub fn add_quantity(&mut self, name: &str, quantity: Scalar) {
        if quantity <= Scalar::ZERO {
            return;
        }
        match known_slot(name) {
            Some(slot) => self.known[slot] += quantity,
            None => match self.other_position(name) {
                Ok(index) => self.others[index].1 += quantity,
                Err(index) => self.others.insert(index, (name.into(), quantity)),
            },
        }
    }

    /// `(name, quantity)` pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Scalar)> {
        let mut known = KNOWN
            .iter()
            .zip(self.known)
            .filter(|(_, quantity)| !quantity.is_zero())
            .map(|(name, quantity)| (*name, quantity))
            .peekable();
        let mut others = self
            .others
            .iter()
            .map(|(name, quantity)| (&**name, *quantity))
            .peekable();
        std::iter::from_fn(move || match (known.peek(), others.peek()) {
            (Some(a), Some(b)) if b.0.cmp(a.0) == Ordering::Less => others.next(),
            (Some(_), _) => known.next(),
            (None, _) => others.next(),
        })
    }

    /// `(name, quantity)` pairs in no particular order: cheaper than
    /// [`ResourceQuantities::iter`] where order does not matter.
    pub(crate) fn unordered(&self) -> impl Iterator<Item = (&str, Scalar)> {
        KNOWN
            .iter()
            .zip(self.known)
            .filter(|(_, quantity)| !quantity.is_zero())
            .map(|(name, quantity)| (*name, quantity))
            .chain(
                self.others
                    .iter()
                    .map(|(name, quantity)| (&**name, *quantity)),
            )
    }

    pub fn is_empty(&self) -> bool {
        self.others.is_empty() && self.known.iter().all(|quantity| quantity.is_zero())
    }

    pub fn len(&self) -> usize {
        self.others.len()
            + self
                .known
                .iter()
                .filter(|quantity| !quantity.is_zero())
                .count()
    }

    /// Whether `self` has at least as much of every name as `other`.
    pub fn contains(&self, other: &ResourceQuantities) -> bool {
        self.known
            .iter()
            .zip(&other.known)
            .all(|(held, wanted)| held >= wanted)
            && other
                .others
                .iter()
                .all(|(name, wanted)| self.get(name) >= *wanted)
    }

    fn other_position(&self, name: &str) -> Result<usize, usize> {
        self.others
            .binary_search_by(|(entry, _)| (**entry).cmp(name))
    }
}

impl AddAssign<&ResourceQuantities> for ResourceQuantities {
    fn add_assign(&mut self, other: &ResourceQuantities) {
        for (held, added) in self.known.iter_mut().zip(&other.known) {
            *held += *added;
        }
        for (name, quantity) in &other.others {
            match self.other_position(name) {
                Ok(index) => self.others[index].1 += *quantity,
                Err(index) => self.others.insert(index, (Arc::clone(name), *quantity)),
            }
        }
    }
}

/// Subtraction stops at zero: names that would reach zero or below are
/// dropped, names `self` lacks are ignored.
impl SubAssign<&ResourceQuantities> for ResourceQuantities {
    fn sub_assign(&mut self, other: &ResourceQuantities) {
        for (held, taken) in self.known.iter_mut().zip(&other.known) {
            *held = if *held <= *taken {
                Scalar::ZERO
            } else {
                *held - *taken
            };
        }
        for (name, quantity) in &other.others {
            if let Ok(index) = self.other_position(name) {
                if self.others[index].1 <= *quantity {
                    self.others.remove(index);
                } else {
                    self.others[index].1 -= *quantity;
                }
            }
        }
    }
}

impl Add<&ResourceQuantities> for ResourceQuantities {
    type Output = ResourceQuantities;
    fn add(mut self, other: &ResourceQuantities) -> ResourceQuantities {
        self += other;
        self
    }
}

impl Sub<&ResourceQuantities> for ResourceQuantities {
    type Output = ResourceQuantities;
    fn sub(mut self, other: &ResourceQuantities) -> ResourceQuantities {
        self -= other;
        self
    }
}

/// `cpus:4; mem:1024`, or `{}` when empty.
impl fmt::Display for ResourceQuantities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("{}");
        }
        for (index, (name, quantity)) in self.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{name}:{quantity}")?;
        }
        Ok(())
    }
}
