//! [`ResourceQuantities`]: how much of each resource name, with no
//! reservations or other metadata — what DRF shares and quotas count.

use crate::resources::quantity_of;
use crate::{Resources, ResourcesError, Scalar, Value};
use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::sync::Arc;

/// Non-negative quantities by resource name, kept sorted by name with no
/// zero entries, so that the operations are merge walks over a handful of
/// entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ResourceQuantities(Vec<(Arc<str>, Scalar)>);

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
        self.position(name)
            .map_or(Scalar::ZERO, |index| self.0[index].1)
    }

    /// Adds `quantity` of `name`; zero and negative quantities are ignored.
    pub fn add_quantity(&mut self, name: &str, quantity: Scalar) {
        if quantity <= Scalar::ZERO {
            return;
        }
        match self.position(name) {
            Ok(index) => self.0[index].1 += quantity,
            Err(index) => self.0.insert(index, (name.into(), quantity)),
        }
    }

    /// `(name, quantity)` pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Scalar)> {
        self.0.iter().map(|(name, quantity)| (&**name, *quantity))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether `self` has at least as much of every name as `other`.
    pub fn contains(&self, other: &ResourceQuantities) -> bool {
        other
            .0
            .iter()
            .all(|(name, wanted)| self.get(name) >= *wanted)
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(entry, _)| (**entry).cmp(name))
    }
}

impl AddAssign<&ResourceQuantities> for ResourceQuantities {
    fn add_assign(&mut self, other: &ResourceQuantities) {
        for (name, quantity) in &other.0 {
            match self.position(name) {
                Ok(index) => self.0[index].1 += *quantity,
                Err(index) => self.0.insert(index, (Arc::clone(name), *quantity)),
            }
        }
    }
}

/// Subtraction stops at zero: names that would reach zero or below are
/// dropped, names `self` lacks are ignored.
impl SubAssign<&ResourceQuantities> for ResourceQuantities {
    fn sub_assign(&mut self, other: &ResourceQuantities) {
        for (name, quantity) in &other.0 {
            if let Ok(index) = self.position(name) {
                if self.0[index].1 <= *quantity {
                    self.0.remove(index);
                } else {
                    self.0[index].1 -= *quantity;
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
        if self.0.is_empty() {
            return f.write_str("{}");
        }
        for (index, (name, quantity)) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{name}:{quantity}")?;
        }
        Ok(())
    }
}
