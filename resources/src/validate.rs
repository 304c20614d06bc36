//! Mesos's validity rules for a proto `Resource`, applied before anything is
//! built from one, so that a [`crate::Resource`] is valid by construction.

use crate::resource::same_labels;
use crate::{Scalar, roles, values::check_input_scalar};
use proto::mesos as pb;
use proto::mesos::resource::{
    ReservationInfo, disk_info::source::Type as SourceType,
    reservation_info::Type as ReservationType,
};

/// Checks one resource as `Resources::validate` does in Mesos: name, value
/// type and shape, disk source, reservations in either format, sharing.
#[allow(deprecated)] // `role` and `reservation`: the pre-refinement format.
pub fn resource(resource: &pb::Resource) -> Result<(), String> {
    if resource.name.is_empty() {
        return Err("Empty resource name".to_owned());
    }
    let Ok(value_type) = pb::value::Type::try_from(resource.r#type) else {
        return Err("Invalid resource type".to_owned());
    };
    value(resource, value_type)?;
    disk(resource)?;

    if resource.reservations.is_empty() {
        pre_refinement_reservation(resource)?;
    } else {
        reservations(&resource.reservations)?;
        refinement_compatibility(resource)?;
    }

    if resource.shared.is_some() {
        if resource.name != "disk" {
            return Err(format!("Resource {} cannot be shared", resource.name));
        }
        if resource
            .disk
            .as_ref()
            .is_none_or(|disk| disk.persistence.is_none())
        {
            return Err("Only persistent volumes can be shared".to_owned());
        }
    }
    Ok(())
}

fn value(resource: &pb::Resource, value_type: pb::value::Type) -> Result<(), String> {
    let (scalar, ranges, set) = (&resource.scalar, &resource.ranges, &resource.set);
    match value_type {
        pb::value::Type::Scalar => {
            let Some(scalar) = scalar
                .as_ref()
                .filter(|_| ranges.is_none() && set.is_none())
            else {
                return Err("Invalid scalar resource".to_owned());
            };
            if !scalar.value.is_finite() {
                return Err(format!(
                    "Invalid scalar resource: {}",
                    check_input_scalar(scalar.value).unwrap_err()
                ));
            }
            // Negative values, and positive ones too small to survive the
            // rounding to thousandths, are refused.
            if scalar.value != 0.0 && Scalar::from_f64(scalar.value) <= Scalar::ZERO {
                return Err("Invalid scalar resource: value <= 0".to_owned());
            }
        }
        pb::value::Type::Ranges => {
            let Some(ranges) = ranges
                .as_ref()
                .filter(|_| scalar.is_none() && set.is_none())
            else {
                return Err("Invalid ranges resource".to_owned());
            };
            for (index, range) in ranges.range.iter().enumerate() {
                if range.begin > range.end {
                    return Err("Invalid ranges resource: begin > end".to_owned());
                }
                // Mesos only looks for later ranges starting inside this one.
                if ranges.range[index + 1..]
                    .iter()
                    .any(|later| range.begin <= later.begin && later.begin <= range.end)
                {
                    return Err("Invalid ranges resource: overlapping ranges".to_owned());
                }
            }
        }
        pb::value::Type::Set => {
            let Some(set) = set
                .as_ref()
                .filter(|_| scalar.is_none() && ranges.is_none())
            else {
                return Err("Invalid set resource".to_owned());
            };
            for (index, item) in set.item.iter().enumerate() {
                if set.item[index + 1..].contains(item) {
                    return Err("Invalid set resource: duplicated elements".to_owned());
                }
            }
        }
        pb::value::Type::Text => return Err("Unsupported resource type".to_owned()),
    }
    Ok(())
}

fn disk(resource: &pb::Resource) -> Result<(), String> {
    let Some(disk) = &resource.disk else {
        return Ok(());
    };
    if resource.name != "disk" {
        return Err(format!(
            "DiskInfo should not be set for {} resource",
            resource.name
        ));
    }
    if let Some(source) = &disk.source {
        match source.r#type() {
            SourceType::Path | SourceType::Mount => {}
            kind @ (SourceType::Block | SourceType::Raw) => {
                if source.mount.is_some() {
                    return Err(format!(
                        "Mount should not be set for {} disk source",
                        kind.as_str_name()
                    ));
                }
                if source.path.is_some() {
                    return Err(format!(
                        "Path should not be set for {} disk source",
                        kind.as_str_name()
                    ));
                }
            }
            SourceType::Unknown => {
                return Err(format!(
                    "Unsupported 'DiskInfo.Source.Type' in '{}'",
                    proto::json::to_string(source)
                ));
            }
        }
    }
    Ok(())
}

/// The old single-role format: `role` (default `*`) and, for a dynamic
/// reservation, `reservation` with only principal and labels.
#[allow(deprecated)]
fn pre_refinement_reservation(resource: &pb::Resource) -> Result<(), String> {
    roles::validate(resource.role())?;
    if let Some(reservation) = &resource.reservation {
        if reservation.r#type.is_some() {
            return Err("'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field".to_owned());
        }
        if reservation.role.is_some() {
            return Err("'Resource.ReservationInfo.role' must not be set for the 'Resource.reservation' field".to_owned());
        }
        if resource.role() == roles::UNRESERVED_ROLE {
            return Err(
                "Invalid reservation: role \"*\" cannot be dynamically reserved".to_owned(),
            );
        }
    }
    Ok(())
}

/// A reservation stack: every entry typed and to a valid role other than
/// `*`; each refinement DYNAMIC and to a strict sub-role of the one below.
pub fn reservations(stack: &[ReservationInfo]) -> Result<(), String> {
    for reservation in stack {
        if reservation.r#type.is_none() {
            return Err(
                "Invalid reservation: 'Resource.ReservationInfo.type' field must be set."
                    .to_owned(),
            );
        }
        let Some(role) = &reservation.role else {
            return Err(
                "Invalid reservation: 'Resource.ReservationInfo.role' field must be set."
                    .to_owned(),
            );
        };
        roles::validate(role)?;
        if role == roles::UNRESERVED_ROLE {
            return Err("Invalid reservation: role \"*\" cannot be reserved".to_owned());
        }
    }
    for pair in stack.windows(2) {
        let (ancestor, refinement) = (&pair[0], &pair[1]);
        if refinement.r#type() == ReservationType::Static {
            return Err(
                "Invalid refined reservation: A refined reservation cannot be STATIC".to_owned(),
            );
        }
        if !roles::is_strict_subrole_of(refinement.role(), ancestor.role()) {
            return Err(format!(
                "Invalid refined reservation: role '{}' is not a refinement of '{}'",
                refinement.role(),
                ancestor.role()
            ));
        }
    }
    if let [only] = stack
        && only.r#type() == ReservationType::Unknown
    {
        return Err("Unsupported 'Resource.ReservationInfo.Type'".to_owned());
    }
    Ok(())
}

/// The endpoint format: `reservations` together with `role`/`reservation`,
/// allowed only for a single reservation they agree with.
#[allow(deprecated)]
fn refinement_compatibility(resource: &pb::Resource) -> Result<(), String> {
    let [only] = resource.reservations.as_slice() else {
        if resource.role.is_some() {
            return Err("Invalid resource format: 'Resource.role' must not be set if there is more than one reservation in 'Resource.reservations'".to_owned());
        }
        if resource.reservation.is_some() {
            return Err("Invalid resource format: 'Resource.reservation' must not be set if there is more than one reservation in 'Resource.reservations'".to_owned());
        }
        return Ok(());
    };
    if let Some(role) = &resource.role
        && role != only.role()
    {
        return Err(format!(
            "Invalid resource format: 'Resource.role' field with '{role}' does not match the role '{}' in 'Resource.reservations'",
            only.role()
        ));
    }
    match only.r#type() {
        ReservationType::Static if resource.reservation.is_some() => Err(
            "Invalid resource format: 'Resource.reservation' must not be set if the single reservation in 'Resource.reservations' is STATIC".to_owned(),
        ),
        ReservationType::Dynamic => {
            if resource.role.is_some() != resource.reservation.is_some() {
                return Err("Invalid resource format: 'Resource.role' and 'Resource.reservation' must either be both set or both not set if the single reservation in 'Resource.reservations' is DYNAMIC".to_owned());
            }
            if let Some(reservation) = &resource.reservation {
                if reservation.principal() != only.principal() {
                    return Err(format!(
                        "Invalid resource format: 'Resource.reservation.principal' field with '{}' does not match the principal '{}' in 'Resource.reservations'",
                        reservation.principal(),
                        only.principal()
                    ));
                }
                let empty = pb::Labels::default();
                let labels = |r: &ReservationInfo| r.labels.clone().unwrap_or_else(|| empty.clone());
                if !same_labels(&labels(reservation), &labels(only)) {
                    return Err("Invalid resource format: 'Resource.reservation.labels' does not match the labels in 'Resource.reservations'".to_owned());
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
