//! [`Resources`]: a bag of resources with Mesos's arithmetic.

use crate::resource::AllocationMark;
use crate::shared::SharedVec;
use crate::{
    Ranges, Resource, ResourceFormat, ResourceQuantities, ResourcesError, Scalar, Set, Value, roles,
};
use proto::mesos as pb;
use proto::mesos::resource::{ReservationInfo, reservation_info::Type as ReservationType};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};

/// A collection of resources in which every entry that can be combined with
/// another has been: `cpus:1; cpus:2` is one entry `cpus:3`, while `cpus:1`
/// and `cpus(reservations: [(STATIC,a)]):2` stay apart.
///
/// Entries are never empty. Order is the order of first addition (removal
/// moves the last entry into the gap, as in Mesos), which is the order
/// [`fmt::Display`] and [`Resources::to_protos`] use.
///
/// Copies share their entries until one of them changes, so a copy costs a
/// reference count rather than an allocation per entry: the allocator keeps
/// several copies of every agent's resources (total, available, in use,
/// per holder), most of which never change afterwards.
#[derive(Clone, Default)]
pub struct Resources(SharedVec<Resource>);

impl fmt::Debug for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Resources").field(&&*self.0).finish()
    }
}

impl Resources {
    pub fn new() -> Resources {
        Resources::default()
    }

    /// Parses `--resources`-style input: either a JSON array of `Resource`
    /// objects, or text `name(role):value;...` such as
    /// `cpus:4;mem(eng):1024;ports:[31000-32000];disks:{sda,sdb}`. A missing
    /// role means `default_role` (`*` is unreserved; any other role is a
    /// static reservation).
    ///
    /// Every resource must be valid, and as on an agent's command line,
    /// persistent volumes, revocable resources, dynamic reservations and one
    /// name with two types are refused.
    pub fn parse(text: &str, default_role: &str) -> Result<Resources, ResourcesError> {
        let parsed = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Array(items)) => parse_json(&items, default_role)?,
            _ => parse_text(text, default_role)?,
        };
        check_command_line(&parsed)?;
        Ok(parsed.into_iter().collect())
    }

    /// Checks each proto resource by Mesos's rules: a non-empty name; a
    /// value matching the type (only SCALAR, RANGES, SET), scalars
    /// non-negative and not below 0.001, ranges not inverted or overlapping,
    /// set items distinct; disk information only on `disk`, with a path or
    /// mount only for PATH/MOUNT sources; valid role names, a reservation
    /// stack whose refinements are DYNAMIC and to strict sub-roles, and
    /// deprecated `role`/`reservation` fields consistent with it; sharing
    /// only for persistent volumes. The error names the first invalid one.
    pub fn validate(resources: &[pb::Resource]) -> Result<(), ResourcesError> {
        resources
            .iter()
            .try_for_each(|resource| Resource::from_proto(resource).map(drop))
    }

    /// Reads proto resources in any of Mesos's formats; the first invalid
    /// resource is an error.
    pub fn from_protos(resources: &[pb::Resource]) -> Result<Resources, ResourcesError> {
        resources.iter().map(Resource::from_proto).collect()
    }

    /// Reads v1 proto resources.
    pub fn from_v1_protos(resources: &[pb::v1::Resource]) -> Result<Resources, ResourcesError> {
        resources.iter().map(Resource::from_v1_proto).collect()
    }

    /// The entries as protos, post-reservation-refinement format.
    pub fn to_protos(&self) -> Vec<pb::Resource> {
        self.0.iter().map(Resource::to_proto).collect()
    }

    /// The entries as protos in `format`; `None` if a refined reservation
    /// cannot be written in the pre-refinement format.
    pub fn to_protos_in(&self, format: ResourceFormat) -> Option<Vec<pb::Resource>> {
        self.0
            .iter()
            .map(|resource| resource.to_proto_in(format))
            .collect()
    }

    /// The entries as v1 protos.
    pub fn to_v1_protos(&self) -> Vec<pb::v1::Resource> {
        self.0.iter().map(Resource::to_v1_proto).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of entries (not of units).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Resource> {
        self.0.iter()
    }

    /// Adds one resource, combining it with an entry it is addable to.
    fn combine(&mut self, resource: Cow<'_, Resource>) {
        if !resource.is_empty() {
            combine_into(self.0.make_mut(), resource);
        }
    }

    /// Takes one resource away from the first entry it is subtractable from.
    fn subtract(&mut self, resource: &Resource) {
        if resource.is_empty() {
            return;
        }
        if let Some(index) = self.0.iter().position(|entry| entry.subtractable(resource)) {
            let entries = self.0.make_mut();
            if !entries[index].sub_assign(resource) {
                entries.swap_remove(index);
            }
        }
    }

    /// Whether `self` holds all of `that`.
    pub fn contains(&self, that: &Resources) -> bool {
        // Entry for entry the same (the allocator's common case: resources
        // a framework refused, offered again unchanged): a linear check
        // instead of a search per entry.
        if self.0 == that.0 {
            return true;
        }
        // Entries of `that` are combined, so each needs a distinct entry of
        // `self` — except persistent volumes, which never combine: two of
        // them must not both be satisfied by one volume here.
        if !that.0.iter().any(Resource::is_persistent_volume) {
            return that
                .0
                .iter()
                .all(|resource| self.contains_resource(resource));
        }
        let mut remaining = self.clone();
        that.0.iter().all(|resource| {
            let found = remaining.contains_resource(resource);
            if found && resource.is_persistent_volume() {
                remaining.subtract(resource);
            }
            found
        })
    }

    /// Whether some entry holds all of `resource`.
    pub fn contains_resource(&self, resource: &Resource) -> bool {
        self.0.iter().any(|entry| entry.contains(resource))
    }

    /// Whether `self` has at least `quantities` of each name, whatever the
    /// reservations or other metadata (ranges and sets count their members).
    pub fn contains_quantities(&self, quantities: &ResourceQuantities) -> bool {
        quantities.unordered().all(|(name, wanted)| {
            let held: Scalar = self
                .0
                .iter()
                .filter(|resource| resource.name() == name)
                .map(quantity_of)
                .sum();
            held >= wanted
        })
    }

    /// How many copies of `resource` are held: the share count of a shared
    /// entry equal to it (counts aside), 1 for an equal entry that is not
    /// shared, else 0.
    pub fn count(&self, resource: &Resource) -> u64 {
        self.0
            .iter()
            .find(|entry| entry.same_resource(resource))
            .map_or(0, |entry| entry.shared_count().unwrap_or(1))
    }

    /// The entries for which `keep` holds.
    pub fn filter(&self, mut keep: impl FnMut(&Resource) -> bool) -> Resources {
        // Entries of a combined collection stay combined when some are dropped.
        Resources(SharedVec::from_vec(
            self.0
                .iter()
                .filter(|resource| keep(resource))
                .cloned()
                .collect(),
        ))
    }

    /// Reserved resources, to `role` only if one is given.
    pub fn reserved(&self, role: Option<&str>) -> Resources {
        self.filter(|resource| resource.is_reserved(role))
    }

    pub fn unreserved(&self) -> Resources {
        self.filter(Resource::is_unreserved)
    }

    /// What `role` may be offered: unreserved, or reserved to `role` or an
    /// ancestor of it.
    pub fn allocatable_to(&self, role: &str) -> Resources {
        self.filter(|resource| resource.is_allocatable_to(role))
    }

    pub fn reserved_to_role_subtree(&self, role: &str) -> Resources {
        self.filter(|resource| resource.is_reserved_to_role_subtree(role))
    }

    pub fn allocated_to_role_subtree(&self, role: &str) -> Resources {
        self.filter(|resource| resource.is_allocated_to_role_subtree(role))
    }

    pub fn revocable(&self) -> Resources {
        self.filter(Resource::is_revocable)
    }

    pub fn non_revocable(&self) -> Resources {
        self.filter(|resource| !resource.is_revocable())
    }

    pub fn shared(&self) -> Resources {
        self.filter(Resource::is_shared)
    }

    pub fn non_shared(&self) -> Resources {
        self.filter(|resource| !resource.is_shared())
    }

    pub fn persistent_volumes(&self) -> Resources {
        self.filter(Resource::is_persistent_volume)
    }

    pub fn scalars(&self) -> Resources {
        self.filter(|resource| resource.scalar().is_some())
    }

    /// The entries named `name`.
    pub fn named(&self, name: &str) -> Resources {
        self.filter(|resource| resource.name() == name)
    }

    /// Reserved resources grouped by the role they are reserved to.
    pub fn reservations(&self) -> HashMap<String, Resources> {
        self.group_by(Resource::reservation_role)
    }

    /// Allocated resources grouped by the role they are allocated to.
    pub fn allocations(&self) -> HashMap<String, Resources> {
        self.group_by(Resource::allocation_role)
    }

    fn group_by<'a>(
        &'a self,
        key: impl Fn(&'a Resource) -> Option<&'a str>,
    ) -> HashMap<String, Resources> {
        let mut groups: HashMap<String, Resources> = HashMap::new();
        for resource in self.0.iter() {
            if let Some(role) = key(resource) {
                groups
                    .entry(role.to_owned())
                    .or_default()
                    .combine(Cow::Borrowed(resource));
            }
        }
        groups
    }

    /// Marks every entry as allocated to `role`.
    pub fn allocate(&mut self, role: &str) {
        self.allocate_with(&AllocationMark::new(role));
    }

    /// [`Resources::allocate`] to the mark's role, with the mark made once
    /// for many collections (an allocator marking every offer of a run).
    pub fn allocate_with(&mut self, mark: &AllocationMark) {
        if self
            .0
            .iter()
            .any(|resource| resource.allocation_role().is_some())
        {
            // Entries allocated to different roles may combine now.
            self.change_in_place(|resource| resource.allocate(mark.role()));
        } else {
            // Entries that differed before still differ: no re-combining.
            self.0
                .make_mut()
                .iter_mut()
                .for_each(|resource| resource.allocate_with(mark));
        }
    }

    /// Clears every allocation mark.
    pub fn unallocate(&mut self) {
        let one_role = match self.0.first().and_then(Resource::allocation_role) {
            Some(role) => self
                .0
                .iter()
                .all(|resource| resource.allocation_role() == Some(role)),
            None => false,
        };
        if one_role {
            // Entries that differed before still differ: no re-combining.
            self.0.make_mut().iter_mut().for_each(Resource::unallocate);
        } else {
            self.change_in_place(Resource::unallocate);
        }
    }

    /// Applies `change` to each entry and re-combines them: entries that
    /// differed only in what changed now combine. (Mesos skips this step, so
    /// there `cpus(allocated: a):1; cpus(allocated: b):3` unallocated does not
    /// contain `cpus:4`; here it does.)
    fn change_in_place(&mut self, change: impl FnMut(&mut Resource)) {
        let mut entries = std::mem::take(&mut self.0).into_vec();
        entries.iter_mut().for_each(change);
        self.extend(entries);
    }

    /// Reserves (or refines the reservation of) every entry.
    pub fn push_reservation(
        &self,
        reservation: &ReservationInfo,
    ) -> Result<Resources, ResourcesError> {
        self.rebuild(|resource| resource.push_reservation(reservation.clone()))
    }

    /// Undoes the top reservation of every entry.
    pub fn pop_reservation(&self) -> Resources {
        self.rebuild(|resource| {
            resource.pop_reservation();
            Ok(())
        })
        .expect("popping a reservation cannot fail")
    }

    /// The same resources with every reservation dropped.
    pub fn to_unreserved(&self) -> Resources {
        self.rebuild(|resource| {
            resource.unreserve();
            Ok(())
        })
        .expect("unreserving cannot fail")
    }

    /// Applies `change` to a copy of each entry and re-adds them, since
    /// entries that differed only in what changed now combine.
    fn rebuild(
        &self,
        mut change: impl FnMut(&mut Resource) -> Result<(), ResourcesError>,
    ) -> Result<Resources, ResourcesError> {
        let mut result = Vec::with_capacity(self.0.len());
        for resource in self.0.iter() {
            let mut changed = resource.clone();
            change(&mut changed)?;
            if !changed.is_empty() {
                combine_into(&mut result, Cow::Owned(changed));
            }
        }
        Ok(Resources(SharedVec::from_vec(result)))
    }

    /// Sum of the scalar entries named `name`, whatever their metadata.
    pub fn get_scalar(&self, name: &str) -> Option<Scalar> {
        self.values_named(name, Resource::scalar).reduce(Add::add)
    }

    /// Union of the ranges entries named `name`.
    pub fn get_ranges(&self, name: &str) -> Option<Ranges> {
        self.values_named(name, |resource| match resource.value() {
            Value::Ranges(ranges) => Some(ranges.clone()),
            _ => None,
        })
        .reduce(|mut total, ranges| {
            total.add_assign(&ranges);
            total
        })
    }

    /// Union of the set entries named `name`.
    pub fn get_set(&self, name: &str) -> Option<Set> {
        self.values_named(name, |resource| match resource.value() {
            Value::Set(set) => Some(set.clone()),
            _ => None,
        })
        .reduce(|mut total, set| {
            total.add_assign(&set);
            total
        })
    }

    fn values_named<'a, T>(
        &'a self,
        name: &'a str,
        value: impl Fn(&Resource) -> Option<T> + 'a,
    ) -> impl Iterator<Item = T> + 'a {
        self.0
            .iter()
            .filter(move |resource| resource.name() == name)
            .filter_map(value)
    }

    pub fn cpus(&self) -> Option<Scalar> {
        self.get_scalar("cpus")
    }

    pub fn gpus(&self) -> Option<Scalar> {
        self.get_scalar("gpus")
    }

    /// Memory in megabytes.
    pub fn mem(&self) -> Option<Scalar> {
        self.get_scalar("mem")
    }

    /// Disk in megabytes.
    pub fn disk(&self) -> Option<Scalar> {
        self.get_scalar("disk")
    }

    pub fn ports(&self) -> Option<Ranges> {
        self.get_ranges("ports")
    }

    pub fn ephemeral_ports(&self) -> Option<Ranges> {
        self.get_ranges("ephemeral_ports")
    }

    /// The names present.
    pub fn names(&self) -> BTreeSet<&str> {
        self.0.iter().map(Resource::name).collect()
    }

    /// The value type of each name (the last one seen, if a name has two).
    pub fn types(&self) -> BTreeMap<&str, pb::value::Type> {
        self.0
            .iter()
            .map(|resource| (resource.name(), resource.value().value_type()))
            .collect()
    }
}

/// Adds one non-empty resource to combined `entries`, combining it with an
/// entry it is addable to.
fn combine_into(entries: &mut Vec<Resource>, resource: Cow<'_, Resource>) {
    match entries.iter_mut().find(|entry| entry.addable(&resource)) {
        Some(entry) => entry.add_assign(&resource),
        None => entries.push(resource.into_owned()),
    }
}

/// How much of a resource there is, as a quantity: the scalar, or the
/// number of ports or set items.
pub(crate) fn quantity_of(resource: &Resource) -> Scalar {
    match resource.value() {
        Value::Scalar(scalar) => *scalar,
        Value::Ranges(ranges) => Scalar::from_units(ranges.count()),
        Value::Set(set) => Scalar::from_units(set.items().len() as u64),
    }
}

/// Same resources, whatever the order of entries.
impl PartialEq for Resources {
    fn eq(&self, other: &Resources) -> bool {
        self.contains(other) && other.contains(self)
    }
}

impl Eq for Resources {}

impl FromIterator<Resource> for Resources {
    fn from_iter<I: IntoIterator<Item = Resource>>(resources: I) -> Resources {
        let mut result = Resources::new();
        result.extend(resources);
        result
    }
}

impl Extend<Resource> for Resources {
    fn extend<I: IntoIterator<Item = Resource>>(&mut self, resources: I) {
        let mut resources = resources
            .into_iter()
            .filter(|resource| !resource.is_empty())
            .peekable();
        if resources.peek().is_none() {
            return;
        }
        let entries = self.0.make_mut();
        resources.for_each(|resource| combine_into(entries, Cow::Owned(resource)));
    }
}

impl From<Resource> for Resources {
    fn from(resource: Resource) -> Resources {
        std::iter::once(resource).collect()
    }
}

impl<'a> IntoIterator for &'a Resources {
    type Item = &'a Resource;
    type IntoIter = std::slice::Iter<'a, Resource>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Resources {
    type Item = Resource;
    type IntoIter = std::vec::IntoIter<Resource>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_vec().into_iter()
    }
}

impl AddAssign<&Resources> for Resources {
    fn add_assign(&mut self, other: &Resources) {
        if self.0.is_empty() {
            // `other`'s entries are combined already: share them.
            self.0.clone_from(&other.0);
            return;
        }
        if other.0.is_empty() {
            return;
        }
        let entries = self.0.make_mut();
        for resource in other.0.iter() {
            if !resource.is_empty() {
                combine_into(entries, Cow::Borrowed(resource));
            }
        }
    }
}

impl AddAssign<&Resource> for Resources {
    fn add_assign(&mut self, other: &Resource) {
        self.combine(Cow::Borrowed(other));
    }
}

/// Mesos's subtraction never fails: taking more than there is removes the
/// entry (check [`Resources::contains`] first when that matters), and taking
/// what is not there does nothing.
impl SubAssign<&Resources> for Resources {
    fn sub_assign(&mut self, other: &Resources) {
        other.0.iter().for_each(|resource| self.subtract(resource));
    }
}

impl SubAssign<&Resource> for Resources {
    fn sub_assign(&mut self, other: &Resource) {
        self.subtract(other);
    }
}

impl Add<&Resources> for Resources {
    type Output = Resources;
    fn add(mut self, other: &Resources) -> Resources {
        self += other;
        self
    }
}

impl Add<&Resources> for &Resources {
    type Output = Resources;
    fn add(self, other: &Resources) -> Resources {
        self.clone() + other
    }
}

impl Sub<&Resources> for Resources {
    type Output = Resources;
    fn sub(mut self, other: &Resources) -> Resources {
        self -= other;
        self
    }
}

impl Sub<&Resources> for &Resources {
    type Output = Resources;
    fn sub(self, other: &Resources) -> Resources {
        self.clone() - other
    }
}

/// Mesos's text: entries joined by `; `, or `{}` when empty.
impl fmt::Display for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("{}");
        }
        for (index, resource) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            resource.fmt(f)?;
        }
        Ok(())
    }
}

/// `name(role):value` entries separated by `;`. Anything after the closing
/// parenthesis is ignored, as in Mesos.
fn parse_text(text: &str, default_role: &str) -> Result<Vec<Resource>, ResourcesError> {
    let mut resources = Vec::new();
    for token in text.split(';').filter(|token| !token.is_empty()) {
        let pieces: Vec<&str> = token.split(':').filter(|piece| !piece.is_empty()).collect();
        let [name_and_role, value] = pieces[..] else {
            return Err(ResourcesError::BadPair {
                token: token.to_owned(),
            });
        };
        let (name, role) = match name_and_role.find('(') {
            None => (name_and_role.trim(), default_role),
            Some(open) => match name_and_role.find(')') {
                Some(close) if close > open => (
                    name_and_role[..open].trim(),
                    name_and_role[open + 1..close].trim(),
                ),
                _ => {
                    return Err(ResourcesError::MismatchedParentheses {
                        token: token.to_owned(),
                    });
                }
            },
        };
        let value = Value::parse(value).map_err(|reason| ResourcesError::BadValue {
            name: name.to_owned(),
            value: value.to_owned(),
            reason,
        })?;
        let mut resource = Resource::new(name, value)?;
        if role != roles::UNRESERVED_ROLE {
            let mut reservation = ReservationInfo {
                role: Some(role.to_owned()),
                ..Default::default()
            };
            reservation.set_type(ReservationType::Static);
            resource.push_reservation(reservation)?;
        }
        resources.push(resource);
    }
    Ok(resources)
}

/// A JSON array of `Resource` objects in Mesos's JSON mapping; one without
/// role or reservations gets `default_role`.
#[allow(deprecated)] // `role`: the pre-refinement format.
fn parse_json(
    items: &[serde_json::Value],
    default_role: &str,
) -> Result<Vec<Resource>, ResourcesError> {
    items
        .iter()
        .map(|item| {
            let mut resource: pb::Resource =
                proto::json::from_value(item).map_err(|e| ResourcesError::Json(e.to_string()))?;
            if resource.role.is_none() && resource.reservations.is_empty() {
                resource.role = Some(default_role.to_owned());
            }
            Resource::from_proto(&resource)
        })
        .collect()
}

/// What an agent's `--resources` may not say.
fn check_command_line(resources: &[Resource]) -> Result<(), ResourcesError> {
    let mut types = HashMap::new();
    for resource in resources {
        let refuse = |reason: &str| Err(ResourcesError::NotForCommandLine(reason.to_owned()));
        if resource.is_persistent_volume() {
            return refuse("Persistent volumes cannot be specified at the command line");
        }
        if resource.is_revocable() {
            return refuse(
                "Revocable resources cannot be specified at the command line; do not include a 'revocable' key in the resources JSON",
            );
        }
        if resource.is_dynamically_reserved() {
            return refuse(
                "Dynamic reservations cannot be specified at the command line; do not include a reservation with DYNAMIC type in the resources JSON",
            );
        }
        let value_type = resource.value().value_type();
        if *types.entry(resource.name()).or_insert(value_type) != value_type {
            return Err(ResourcesError::NotForCommandLine(format!(
                "Resources with the same name ('{}') but different types are not allowed",
                resource.name()
            )));
        }
    }
    Ok(())
}
