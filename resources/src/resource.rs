//! One resource: a name, a value, and what distinguishes it from other
//! resources of that name — reservations, disk, revocability, sharing,
//! allocation, provider.

use crate::{ResourcesError, Scalar, Value, roles, validate};
use proto::mesos as pb;
use proto::mesos::resource::{
    AllocationInfo, DiskInfo, ReservationInfo, disk_info::Source,
    disk_info::source::Type as SourceType, reservation_info::Type as ReservationType,
};
use std::fmt;
use std::sync::{Arc, LazyLock};

/// A valid resource, in Mesos's "post-reservation-refinement" form: the
/// reservations are a stack, the last entry being the role that currently
/// holds the resource.
///
/// Equality follows Mesos: the disk's `volume` and the persistence principal
/// do not count, labels compare as unordered lists, and for shared resources
/// the share count does.
#[derive(Debug, Clone)]
pub struct Resource {
    name: Arc<str>,
    value: Value,
    /// `None` for the common plain resource (unreserved, no disk, not
    /// revocable, not allocated, no provider), so that comparing and cloning
    /// those costs nothing; never `Some` of an all-default [`Attributes`].
    attributes: Option<Arc<Attributes>>,
    /// How many copies of a shared resource this entry stands for; `None`
    /// for resources that are not shared.
    shared_count: Option<u64>,
}

#[derive(Debug, Clone, Default)]
struct Attributes {
    allocation: Option<AllocationInfo>,
    reservations: Vec<ReservationInfo>,
    disk: Option<DiskInfo>,
    revocable: bool,
    provider_id: Option<pb::ResourceProviderId>,
}

impl Attributes {
    fn is_default(&self) -> bool {
        self.allocation.is_none() && self.is_default_but_allocation()
    }

    fn is_default_but_allocation(&self) -> bool {
        self.reservations.is_empty()
            && self.disk.is_none()
            && !self.revocable
            && self.provider_id.is_none()
    }

    fn equivalent(&self, other: &Attributes) -> bool {
        self.allocation == other.allocation
            && self.reservations.len() == other.reservations.len()
            && self
                .reservations
                .iter()
                .zip(&other.reservations)
                .all(|(left, right)| same_reservation(left, right))
            && match (&self.disk, &other.disk) {
                (None, None) => true,
                (Some(left), Some(right)) => same_disk(left, right),
                _ => false,
            }
            && self.revocable == other.revocable
            && self.provider_id == other.provider_id
    }
}

/// The attributes of a plain resource allocated to one role, built once
/// and shared by every plain entry marked with it: see
/// [`crate::Resources::allocate_with`].
#[derive(Debug, Clone)]
pub struct AllocationMark(Arc<Attributes>);

impl AllocationMark {
    /// Marks resources allocated to `role`.
    pub fn new(role: &str) -> AllocationMark {
        AllocationMark(Arc::new(Attributes {
            allocation: Some(AllocationInfo {
                role: Some(role.to_owned()),
            }),
            ..Attributes::default()
        }))
    }

    /// The role it marks resources allocated to.
    pub fn role(&self) -> &str {
        self.0
            .allocation
            .as_ref()
            .and_then(|allocation| allocation.role.as_deref())
            .unwrap_or_default()
    }
}

/// Which of Mesos's three `Resource` layouts a proto should be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceFormat {
    /// `reservations` only: what the master and agents use internally.
    PostReservationRefinement,
    /// The deprecated `role` and `reservation` fields only, for frameworks
    /// without the RESERVATION_REFINEMENT capability; refined reservations
    /// cannot be written this way.
    PreReservationRefinement,
    /// Both, as the HTTP endpoints show resources.
    Endpoint,
}

impl Resource {
    /// A plain (unreserved) resource. The name must not be empty and a
    /// scalar must be non-negative.
    pub fn new(name: &str, value: Value) -> Result<Resource, ResourcesError> {
        let invalid = |reason: &str| ResourcesError::Invalid {
            resource: format!("{name}:{value}"),
            reason: reason.to_owned(),
        };
        if name.is_empty() {
            return Err(invalid("Empty resource name"));
        }
        if matches!(value, Value::Scalar(scalar) if scalar < Scalar::ZERO) {
            return Err(invalid("Invalid scalar resource: value <= 0"));
        }
        Ok(Resource {
            name: shared_name(name),
            value,
            attributes: None,
            shared_count: None,
        })
    }

    /// Reads a proto `Resource` in any of Mesos's formats, checking it first
    /// by Mesos's rules (see [`crate::Resources::validate`]).
    pub fn from_proto(resource: &pb::Resource) -> Result<Resource, ResourcesError> {
        validate::resource(resource).map_err(|reason| ResourcesError::Invalid {
            resource: proto::json::to_string(resource),
            reason,
        })?;
        Ok(Resource::from_valid_proto(resource))
    }

    /// Reads a v1 `Resource` (same fields and numbers as v0).
    pub fn from_v1_proto(resource: &pb::v1::Resource) -> Result<Resource, ResourcesError> {
        Resource::from_proto(&crate::convert::devolve(resource)?)
    }

    /// Builds from a proto that passed `validate::resource`.
    #[allow(deprecated)] // `role` and `reservation`: the pre-refinement format.
    fn from_valid_proto(resource: &pb::Resource) -> Resource {
        let value = match resource.r#type() {
            pb::value::Type::Scalar => Value::Scalar(Scalar::from_f64(
                resource.scalar.as_ref().map_or(0.0, |scalar| scalar.value),
            )),
            pb::value::Type::Ranges => Value::Ranges(
                crate::Ranges::new(resource.ranges.iter().flat_map(|ranges| {
                    ranges.range.iter().map(|range| crate::Range {
                        begin: range.begin,
                        end: range.end,
                    })
                }))
                .expect("validated ranges are not inverted"),
            ),
            _ => Value::Set(
                crate::Set::new(resource.set.iter().flat_map(|set| set.item.iter().cloned()))
                    .expect("validated sets have no duplicates"),
            ),
        };

        // Upgrade the pre-refinement form: a non-`*` role becomes the one
        // reservation, DYNAMIC when `reservation` carries its details.
        let mut reservations = resource.reservations.clone();
        if reservations.is_empty() && resource.role() != roles::UNRESERVED_ROLE {
            let mut reservation = resource.reservation.clone().unwrap_or_default();
            reservation.set_type(if resource.reservation.is_some() {
                ReservationType::Dynamic
            } else {
                ReservationType::Static
            });
            reservation.role = Some(resource.role().to_owned());
            reservations.push(reservation);
        }

        let attributes = Attributes {
            allocation: resource.allocation_info.clone(),
            reservations,
            disk: resource.disk.clone(),
            revocable: resource.revocable.is_some(),
            provider_id: resource.provider_id.clone(),
        };
        let mut result = Resource {
            name: shared_name(&resource.name),
            value,
            attributes: None,
            shared_count: resource.shared.as_ref().map(|_| 1),
        };
        result.set_attributes(attributes);
        result
    }

    /// The proto in `format`; `None` only for a refined reservation asked for
    /// in the pre-refinement format. A shared resource is written once,
    /// whatever its count, as Mesos does.
    #[allow(deprecated)] // `role` and `reservation`: the pre-refinement format.
    pub fn to_proto_in(&self, format: ResourceFormat) -> Option<pb::Resource> {
        let mut resource = pb::Resource {
            name: self.name.to_string(),
            ..Default::default()
        };
        resource.set_type(self.value.value_type());
        match &self.value {
            Value::Scalar(scalar) => {
                resource.scalar = Some(pb::value::Scalar {
                    value: scalar.as_f64(),
                })
            }
            Value::Ranges(ranges) => resource.ranges = Some(ranges.into()),
            Value::Set(set) => resource.set = Some(set.into()),
        }
        if let Some(attributes) = &self.attributes {
            resource.allocation_info = attributes.allocation.clone();
            resource.reservations = attributes.reservations.clone();
            resource.disk = attributes.disk.clone();
            resource.revocable = attributes
                .revocable
                .then_some(pb::resource::RevocableInfo {});
            resource.provider_id = attributes.provider_id.clone();
        }
        resource.shared = self.shared_count.map(|_| pb::resource::SharedInfo {});

        if format != ResourceFormat::PostReservationRefinement {
            match resource.reservations.as_slice() {
                [] => resource.role = Some(roles::UNRESERVED_ROLE.to_owned()),
                [only] => {
                    resource.role = only.role.clone();
                    if only.r#type() == ReservationType::Dynamic {
                        resource.reservation = Some(ReservationInfo {
                            principal: only.principal.clone(),
                            labels: only.labels.clone(),
                            ..Default::default()
                        });
                    }
                }
                _ if format == ResourceFormat::PreReservationRefinement => return None,
                _ => {}
            }
            if format == ResourceFormat::PreReservationRefinement {
                resource.reservations.clear();
            }
        }
        Some(resource)
    }

    /// The proto in the post-reservation-refinement format.
    pub fn to_proto(&self) -> pb::Resource {
        self.to_proto_in(ResourceFormat::PostReservationRefinement)
            .expect("the post-refinement format holds every resource")
    }

    /// The v1 proto in the post-reservation-refinement format.
    pub fn to_v1_proto(&self) -> pb::v1::Resource {
        crate::convert::evolve(&self.to_proto())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The quantity of a scalar resource.
    pub fn scalar(&self) -> Option<Scalar> {
        match self.value {
            Value::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }

    /// The reservation stack, outermost (the original reservation) first.
    pub fn reservations(&self) -> &[ReservationInfo] {
        self.attributes
            .as_deref()
            .map_or(&[], |attributes| &attributes.reservations)
    }

    /// The role the resource is reserved to: the top of the stack.
    pub fn reservation_role(&self) -> Option<&str> {
        self.reservations()
            .last()
            .map(|reservation| reservation.role())
    }

    pub fn disk(&self) -> Option<&DiskInfo> {
        self.attributes.as_deref()?.disk.as_ref()
    }

    /// The role this resource is allocated to, if it is.
    pub fn allocation_role(&self) -> Option<&str> {
        self.attributes
            .as_deref()?
            .allocation
            .as_ref()?
            .role
            .as_deref()
    }

    pub fn provider_id(&self) -> Option<&pb::ResourceProviderId> {
        self.attributes.as_deref()?.provider_id.as_ref()
    }

    /// How many holders share this resource; `None` if it is not shared.
    pub fn shared_count(&self) -> Option<u64> {
        self.shared_count
    }

    pub fn is_unreserved(&self) -> bool {
        self.reservations().is_empty()
    }

    /// Reserved at all (`role` is `None`) or reserved to exactly `role`.
    pub fn is_reserved(&self, role: Option<&str>) -> bool {
        match role {
            None => !self.is_unreserved(),
            Some(role) => self.reservation_role() == Some(role),
        }
    }

    /// Whether the current (top) reservation is dynamic.
    pub fn is_dynamically_reserved(&self) -> bool {
        self.reservations()
            .last()
            .is_some_and(|reservation| reservation.r#type() == ReservationType::Dynamic)
    }

    /// More than one reservation: reserved to a role and refined below it.
    pub fn has_refined_reservations(&self) -> bool {
        self.reservations().len() > 1
    }

    /// Whether `role` may be offered this resource: it is unreserved, or
    /// reserved to `role` or one of `role`'s ancestors.
    pub fn is_allocatable_to(&self, role: &str) -> bool {
        self.reservation_role()
            .is_none_or(|reserved| reserved == role || roles::is_strict_subrole_of(role, reserved))
    }

    /// Reserved to `role` or a role below it.
    pub fn is_reserved_to_role_subtree(&self, role: &str) -> bool {
        self.reservation_role()
            .is_some_and(|reserved| reserved == role || roles::is_strict_subrole_of(reserved, role))
    }

    /// Allocated to `role` or a role below it.
    pub fn is_allocated_to_role_subtree(&self, role: &str) -> bool {
        let allocated = self.allocation_role().unwrap_or_default();
        allocated == role || roles::is_strict_subrole_of(allocated, role)
    }

    pub fn is_revocable(&self) -> bool {
        self.attributes
            .as_deref()
            .is_some_and(|attributes| attributes.revocable)
    }

    pub fn is_shared(&self) -> bool {
        self.shared_count.is_some()
    }

    /// A disk with a persistence ID.
    pub fn is_persistent_volume(&self) -> bool {
        self.disk().is_some_and(|disk| disk.persistence.is_some())
    }

    /// A disk whose source is of `source_type`.
    pub fn is_disk(&self, source_type: SourceType) -> bool {
        self.disk()
            .and_then(|disk| disk.source.as_ref())
            .is_some_and(|source| source.r#type() == source_type)
    }

    pub fn has_resource_provider(&self) -> bool {
        self.provider_id().is_some()
    }

    /// Whether this holds nothing: a zero scalar, no range, no item, or no
    /// share left.
    pub fn is_empty(&self) -> bool {
        self.shared_count == Some(0) || self.value.is_empty()
    }

    /// Puts `reservation` on top of the stack, checking the stack stays
    /// valid (a refinement must be DYNAMIC and to a strict sub-role).
    pub fn push_reservation(&mut self, reservation: ReservationInfo) -> Result<(), ResourcesError> {
        let mut attributes = self.attributes.as_deref().cloned().unwrap_or_default();
        attributes.reservations.push(reservation);
        validate::reservations(&attributes.reservations).map_err(|reason| {
            ResourcesError::Invalid {
                resource: self.to_string(),
                reason,
            }
        })?;
        self.set_attributes(attributes);
        Ok(())
    }

    /// Takes the top reservation off the stack.
    pub fn pop_reservation(&mut self) -> Option<ReservationInfo> {
        let mut attributes = self.attributes.as_deref()?.clone();
        let popped = attributes.reservations.pop();
        self.set_attributes(attributes);
        popped
    }

    /// Drops every reservation.
    pub fn unreserve(&mut self) {
        if !self.is_unreserved() {
            self.update_attributes(|attributes| attributes.reservations.clear());
        }
    }

    /// Marks the resource as allocated to `role`.
    pub fn allocate(&mut self, role: &str) {
        self.update_attributes(|attributes| {
            attributes.allocation = Some(AllocationInfo {
                role: Some(role.to_owned()),
            });
        });
    }

    /// Marks the resource as allocated with a mark made once for many
    /// resources: plain resources share its attributes instead of each
    /// allocating their own.
    pub(crate) fn allocate_with(&mut self, mark: &AllocationMark) {
        match self.attributes {
            None => self.attributes = Some(Arc::clone(&mark.0)),
            Some(_) => self.allocate(mark.role()),
        }
    }

    /// Lowers a scalar resource to at most `target`, as quota enforcement
    /// trims an offer; returns whether anything is left. Shared resources and
    /// exclusive disks cannot be split, so they are kept whole if they fit
    /// and refused (`false`) otherwise. Ranges and sets are left unchanged.
    pub fn shrink(&mut self, target: Scalar) -> bool {
        match self.value {
            Value::Scalar(scalar) if scalar > target => {
                if self.shared_count.is_some() || self.is_exclusive_disk() || target <= Scalar::ZERO
                {
                    return false;
                }
                self.value = Value::Scalar(target);
                true
            }
            _ => true,
        }
    }

    /// Clears the allocation mark.
    pub fn unallocate(&mut self) {
        let Some(attributes) = self.attributes.as_deref() else {
            return;
        };
        if attributes.allocation.is_none() {
            return;
        }
        if attributes.is_default_but_allocation() {
            // A plain resource once the mark is gone: no copy to make.
            self.attributes = None;
        } else {
            self.update_attributes(|attributes| attributes.allocation = None);
        }
    }

    fn update_attributes(&mut self, change: impl FnOnce(&mut Attributes)) {
        let mut attributes = self.attributes.as_deref().cloned().unwrap_or_default();
        change(&mut attributes);
        self.set_attributes(attributes);
    }

    fn set_attributes(&mut self, attributes: Attributes) {
        self.attributes = (!attributes.is_default()).then(|| Arc::new(attributes));
    }

    fn disk_source(&self) -> Option<&Source> {
        self.disk()?.source.as_ref()
    }

    /// Mesos's metadata comparison: everything but the value and share count.
    fn same_metadata(&self, other: &Resource) -> bool {
        (Arc::ptr_eq(&self.name, &other.name) || self.name == other.name)
            && self.value.same_type(&other.value)
            && self.shared_count.is_some() == other.shared_count.is_some()
            && match (&self.attributes, &other.attributes) {
                (None, None) => true,
                (Some(left), Some(right)) => Arc::ptr_eq(left, right) || left.equivalent(right),
                _ => false,
            }
    }

    /// Same metadata and same value; share counts aside.
    pub(crate) fn same_resource(&self, other: &Resource) -> bool {
        self.same_metadata(other) && self.value == other.value
    }

    /// Whether this disk may only be used whole: MOUNT and BLOCK disks,
    /// RAW disks with an identity, and persistent volumes.
    fn is_exclusive_disk(&self) -> bool {
        let exclusive_source = self
            .disk_source()
            .is_some_and(|source| match source.r#type() {
                SourceType::Mount | SourceType::Block => true,
                SourceType::Raw => source.id.is_some(),
                SourceType::Path | SourceType::Unknown => false,
            });
        exclusive_source || self.is_persistent_volume()
    }

    /// Whether `self + other` is one resource: shared resources only when
    /// identical (their counts add), others when the metadata match and
    /// neither is an exclusive disk.
    pub(crate) fn addable(&self, other: &Resource) -> bool {
        if self.is_shared() {
            other.is_shared() && self.same_resource(other)
        } else {
            self.same_metadata(other) && !self.is_exclusive_disk()
        }
    }

    /// Whether `self - other` is one resource: as [`Self::addable`], except
    /// that an exclusive disk may be taken away whole.
    pub(crate) fn subtractable(&self, other: &Resource) -> bool {
        if self.is_shared() || self.is_exclusive_disk() {
            self.same_resource(other)
        } else {
            self.same_metadata(other)
        }
    }

    /// Whether `other` is part of `self`.
    pub fn contains(&self, other: &Resource) -> bool {
        match (self.shared_count, other.shared_count) {
            (Some(mine), Some(theirs)) => mine >= theirs && self.same_resource(other),
            (None, None) => self.subtractable(other) && self.value.contains(&other.value),
            _ => false,
        }
    }

    /// Adds an [`addable`](Self::addable) resource.
    pub(crate) fn add_assign(&mut self, other: &Resource) {
        match (&mut self.shared_count, other.shared_count) {
            (Some(mine), Some(theirs)) => *mine += theirs,
            _ => self.value.add_assign(&other.value),
        }
    }

    /// Subtracts a [`subtractable`](Self::subtractable) resource; returns
    /// whether anything is left (Mesos drops a resource that went empty or
    /// would have gone negative).
    pub(crate) fn sub_assign(&mut self, other: &Resource) -> bool {
        match (&mut self.shared_count, other.shared_count) {
            (Some(mine), Some(theirs)) => match mine.checked_sub(theirs) {
                Some(left) => *mine = left,
                None => return false,
            },
            _ => {
                if let (Value::Scalar(mine), Value::Scalar(theirs)) = (&self.value, &other.value)
                    && mine < theirs
                {
                    return false;
                }
                self.value.sub_assign(&other.value);
            }
        }
        !self.is_empty()
    }
}

impl PartialEq for Resource {
    fn eq(&self, other: &Resource) -> bool {
        self.shared_count == other.shared_count && self.same_resource(other)
    }
}

impl Eq for Resource {}

/// Mesos's text for a resource, e.g.
/// `disk(allocated: eng)(reservations: [(DYNAMIC,eng,ops,{team: a})])[MOUNT:/mnt,vol1:data]{REV}<SHARED>:1024<2>`.
impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(allocation) = self
            .attributes
            .as_deref()
            .and_then(|a| a.allocation.as_ref())
        {
            write!(f, "(allocated: {})", allocation.role())?;
        }
        if !self.reservations().is_empty() {
            f.write_str("(reservations: [")?;
            for (index, reservation) in self.reservations().iter().enumerate() {
                if index > 0 {
                    f.write_str(",")?;
                }
                write!(f, "({})", DisplayReservation(reservation))?;
            }
            f.write_str("])")?;
        }
        if let Some(disk) = self.disk() {
            write!(f, "[{}]", DisplayDisk(disk))?;
        }
        if self.is_revocable() {
            f.write_str("{REV}")?;
        }
        if self.is_shared() {
            f.write_str("<SHARED>")?;
        }
        write!(f, ":{}", self.value)?;
        if let Some(count) = self.shared_count {
            write!(f, "<{count}>")?;
        }
        Ok(())
    }
}

struct DisplayReservation<'a>(&'a ReservationInfo);

impl fmt::Display for DisplayReservation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reservation = self.0;
        write!(
            f,
            "{},{}",
            reservation.r#type().as_str_name(),
            reservation.role()
        )?;
        if let Some(principal) = &reservation.principal {
            write!(f, ",{principal}")?;
        }
        if let Some(labels) = &reservation.labels {
            write!(f, ",{}", DisplayLabels(labels))?;
        }
        Ok(())
    }
}

struct DisplayLabels<'a>(&'a pb::Labels);

impl fmt::Display for DisplayLabels<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (index, label) in self.0.labels.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&label.key)?;
            if let Some(value) = &label.value {
                write!(f, ": {value}")?;
            }
        }
        f.write_str("}")
    }
}

struct DisplayDisk<'a>(&'a DiskInfo);

impl fmt::Display for DisplayDisk<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let disk = self.0;
        if let Some(source) = &disk.source {
            f.write_str(source.r#type().as_str_name())?;
            if source.id.is_some() || source.profile.is_some() {
                // Sources from a CSI plugin are named by plugin, not path.
                write!(
                    f,
                    "({},{},{})",
                    source.vendor(),
                    source.id(),
                    source.profile()
                )?;
            } else {
                let root = match source.r#type() {
                    SourceType::Mount => source.mount.as_ref().and_then(|m| m.root.as_ref()),
                    SourceType::Path => source.path.as_ref().and_then(|p| p.root.as_ref()),
                    _ => None,
                };
                if let Some(root) = root {
                    write!(f, ":{root}")?;
                }
            }
        }
        if let Some(persistence) = &disk.persistence {
            if disk.source.is_some() {
                f.write_str(",")?;
            }
            f.write_str(&persistence.id)?;
        }
        if let Some(volume) = &disk.volume {
            f.write_str(":")?;
            if let Some(host_path) = &volume.host_path {
                write!(f, "{host_path}:")?;
            }
            f.write_str(&volume.container_path)?;
            if volume.host_path.is_some() {
                match pb::volume::Mode::try_from(volume.mode) {
                    Ok(pb::volume::Mode::Rw) => f.write_str(":rw")?,
                    Ok(pb::volume::Mode::Ro) => f.write_str(":ro")?,
                    Err(_) => {}
                }
            }
        }
        Ok(())
    }
}

/// The name as a shared string: the names nearly every agent has are made
/// once, so entries of the same name usually compare by pointer.
fn shared_name(name: &str) -> Arc<str> {
    static COMMON: LazyLock<[Arc<str>; 5]> =
        LazyLock::new(|| ["cpus", "mem", "disk", "ports", "gpus"].map(Arc::from));
    match COMMON.iter().find(|common| ***common == *name) {
        Some(common) => Arc::clone(common),
        None => name.into(),
    }
}

/// Reservations match on type, role, principal and (unordered) labels.
pub(crate) fn same_reservation(left: &ReservationInfo, right: &ReservationInfo) -> bool {
    left.r#type() == right.r#type()
        && left.role() == right.role()
        && left.principal == right.principal
        && match (&left.labels, &right.labels) {
            (None, None) => true,
            (Some(l), Some(r)) => same_labels(l, r),
            _ => false,
        }
}

/// Labels match as unordered lists of key/value pairs (an unset value counts
/// as empty).
pub(crate) fn same_labels(left: &pb::Labels, right: &pb::Labels) -> bool {
    let same_label = |l: &pb::Label, r: &pb::Label| l.key == r.key && l.value() == r.value();
    left.labels.len() == right.labels.len()
        && left
            .labels
            .iter()
            .all(|label| right.labels.iter().any(|other| same_label(label, other)))
}

/// Disks match on source and persistence ID; the volume (how a task mounts
/// it) and the persistence principal are not part of the resource.
fn same_disk(left: &DiskInfo, right: &DiskInfo) -> bool {
    let same_source = match (&left.source, &right.source) {
        (None, None) => true,
        (Some(l), Some(r)) => {
            l.r#type == r.r#type
                && l.path == r.path
                && l.mount == r.mount
                && l.vendor == r.vendor
                && l.id == r.id
                && l.profile == r.profile
                && match (&l.metadata, &r.metadata) {
                    (None, None) => true,
                    (Some(lm), Some(rm)) => same_labels(lm, rm),
                    _ => false,
                }
        }
        _ => false,
    };
    let same_persistence = match (&left.persistence, &right.persistence) {
        (None, None) => true,
        (Some(l), Some(r)) => l.id == r.id,
        _ => false,
    };
    same_source && same_persistence
}
