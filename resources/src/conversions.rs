//! What a speculative offer operation converts, as Mesos's
//! `getResourceConversions` computes it, so that the master, the
//! allocators and a (simulated) agent agree on one arithmetic:
//!
//! | operation | consumed | converted |
//! |---|---|---|
//! | RESERVE | `source`, or the resources with their top reservation popped | the reserved resources |
//! | UNRESERVE | each reserved resource | it with its top reservation popped |
//! | CREATE | each volume without persistence (and not shared) | the volume |
//! | DESTROY | each volume | it without persistence (and not shared) |
//! | GROW_VOLUME | the volume and the addition | the volume, bigger by the addition |
//! | SHRINK_VOLUME | the volume | the volume, smaller by `subtract`, and `subtract` of plain disk |
//!
//! The operation's resources are taken as they are, allocated to a role or
//! not: the caller decides which books they are applied to
//! ([`Resources::apply`]). Validating the operation (who may reserve what,
//! which volumes exist) is the master's; here only what cannot be
//! converted at all is refused.
//!
//! An agent keeps its dynamic reservations and volumes
//! ([`needs_checkpointing`]) across restarts and reports them beside the
//! resources of its command line; [`Resources::apply_checkpointed`] puts
//! them back in place of what they were made from.

use crate::{Resource, Resources, ResourcesError, Scalar};
use proto::mesos as pb;
use proto::mesos::offer::operation::Type;

/// A resource conversion an operation performs: `consumed` becomes
/// `converted` (a reservation, a volume, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceConversion {
    pub consumed: Resources,
    pub converted: Resources,
}

impl ResourceConversion {
    pub fn new(consumed: Resources, converted: Resources) -> ResourceConversion {
        ResourceConversion {
            consumed,
            converted,
        }
    }
}

/// Whether an agent checkpoints `resource`: dynamic reservations and
/// persistent volumes (Mesos's `needCheckpointing`).
pub fn needs_checkpointing(resource: &Resource) -> bool {
    resource.is_dynamically_reserved() || resource.is_persistent_volume()
}

impl Resources {
    /// `self` after `conversions`, in order; each needs its `consumed`
    /// resources, else [`ResourcesError::Conversion`] says what was missing.
    pub fn apply(&self, conversions: &[ResourceConversion]) -> Result<Resources, ResourcesError> {
        let mut result = self.clone();
        for conversion in conversions {
            if !result.contains(&conversion.consumed) {
                return Err(ResourcesError::Conversion(format!(
                    "{} does not contain {}",
                    result, conversion.consumed
                )));
            }
            result -= &conversion.consumed;
            result += &conversion.converted;
        }
        Ok(result)
    }

    /// An agent's total: `self` (its command-line resources) with each of
    /// `checkpointed` (dynamic reservations and volumes) in place of the
    /// resources it was made from (Mesos's `applyCheckpointedResources`).
    pub fn apply_checkpointed(
        &self,
        checkpointed: &Resources,
    ) -> Result<Resources, ResourcesError> {
        let mut total = self.clone();
        for resource in checkpointed.iter() {
            if !needs_checkpointing(resource) {
                return Err(ResourcesError::Conversion(format!(
                    "Unexpected checkpointed resources {resource}"
                )));
            }
            let one: Resources = std::iter::once(resource.clone()).collect();
            let made_from = as_agent_resource(resource)?;
            if !total.contains(&made_from) {
                return Err(ResourcesError::Conversion(format!(
                    "Incompatible agent resources: {total} does not contain {made_from}"
                )));
            }
            total = &(&total - &made_from) + &one;
        }
        Ok(total)
    }
}

/// A checkpointed resource as the agent's command line gave it: without
/// dynamic reservations (a static one stays), persistence or sharing.
fn as_agent_resource(resource: &Resource) -> Result<Resources, ResourcesError> {
    let mut stripped = resource.to_proto();
    if resource.is_dynamically_reserved() {
        stripped.reservations.truncate(1);
        stripped.reservations.retain(|reservation| {
            reservation.r#type() == pb::resource::reservation_info::Type::Static
        });
    }
    if resource.is_persistent_volume() {
        stripped = without_persistence(&stripped);
    }
    stripped.shared = None;
    Resources::from_protos(&[stripped])
}

/// The conversions `operation` performs, in order; an error for an
/// operation that converts nothing speculatively (LAUNCH, CREATE_DISK,
/// ...) or resources that do not parse.
pub fn operation_conversions(
    operation: &pb::offer::Operation,
) -> Result<Vec<ResourceConversion>, ResourcesError> {
    let kind = operation.r#type();
    let conversions = match kind {
        Type::Reserve => {
            let reserve = operation.reserve.clone().unwrap_or_default();
            let reserved = parse(&reserve.resources)?;
            let consumed = if reserve.source.is_empty() {
                reserved.pop_reservation()
            } else {
                parse(&reserve.source)?
            };
            vec![ResourceConversion::new(consumed, reserved)]
        }
        Type::Unreserve => operation
            .unreserve
            .iter()
            .flat_map(|unreserve| &unreserve.resources)
            .map(|resource| {
                let reserved = parse(std::slice::from_ref(resource))?;
                let unreserved = reserved.pop_reservation();
                Ok(ResourceConversion::new(reserved, unreserved))
            })
            .collect::<Result<_, ResourcesError>>()?,
        Type::Create => operation
            .create
            .iter()
            .flat_map(|create| &create.volumes)
            .map(|volume| {
                Ok(ResourceConversion::new(
                    parse(&[without_persistence(volume)])?,
                    parse(std::slice::from_ref(volume))?,
                ))
            })
            .collect::<Result<_, ResourcesError>>()?,
        Type::Destroy => operation
            .destroy
            .iter()
            .flat_map(|destroy| &destroy.volumes)
            .map(|volume| {
                Ok(ResourceConversion::new(
                    parse(std::slice::from_ref(volume))?,
                    parse(&[without_persistence(volume)])?,
                ))
            })
            .collect::<Result<_, ResourcesError>>()?,
        Type::GrowVolume => {
            let grow = operation
                .grow_volume
                .as_ref()
                .ok_or_else(|| invalid("GROW_VOLUME without 'grow_volume'"))?;
            if grow.volume.provider_id.is_some() {
                return Err(invalid("Operation not supported for resource provider"));
            }
            let mut grown = grow.volume.clone();
            resize(&mut grown, |size| size + scalar_of(&grow.addition))?;
            let consumed = &parse(std::slice::from_ref(&grow.volume))?
                + &parse(std::slice::from_ref(&grow.addition))?;
            vec![ResourceConversion::new(consumed, parse(&[grown])?)]
        }
        Type::ShrinkVolume => {
            let shrink = operation
                .shrink_volume
                .as_ref()
                .ok_or_else(|| invalid("SHRINK_VOLUME without 'shrink_volume'"))?;
            if shrink.volume.provider_id.is_some() {
                return Err(invalid("Operation not supported for resource provider"));
            }
            let subtract = Scalar::from_f64(shrink.subtract.value);
            let mut shrunk = shrink.volume.clone();
            resize(&mut shrunk, |size| size - subtract)?;
            let mut freed = without_persistence(&shrink.volume);
            resize(&mut freed, |_| subtract)?;
            let converted = &parse(&[shrunk])? + &parse(&[freed])?;
            vec![ResourceConversion::new(
                parse(std::slice::from_ref(&shrink.volume))?,
                converted,
            )]
        }
        Type::Unknown => return Err(invalid("Unknown operation")),
        Type::Launch | Type::LaunchGroup | Type::CreateDisk | Type::DestroyDisk => {
            return Err(invalid("Operation not supported"));
        }
    };
    Ok(conversions)
}

/// What `operation` consumes: the sum of its conversions' consumed
/// resources (Mesos's `getConsumedResources`).
pub fn consumed_resources(operation: &pb::offer::Operation) -> Result<Resources, ResourcesError> {
    Ok(operation_conversions(operation)?
        .iter()
        .fold(Resources::new(), |sum, conversion| {
            &sum + &conversion.consumed
        }))
}

fn invalid(reason: &str) -> ResourcesError {
    ResourcesError::InvalidOperation(reason.to_owned())
}

fn parse(resources: &[pb::Resource]) -> Result<Resources, ResourcesError> {
    Resources::from_protos(resources)
        .map_err(|error| ResourcesError::InvalidOperation(error.to_string()))
}

fn scalar_of(resource: &pb::Resource) -> Scalar {
    Scalar::from_f64(resource.scalar.as_ref().map_or(0.0, |s| s.value))
}

/// Sets a scalar resource's size to `size(current size)`, in fixed point.
fn resize(
    resource: &mut pb::Resource,
    size: impl FnOnce(Scalar) -> Scalar,
) -> Result<(), ResourcesError> {
    let resized = size(scalar_of(resource));
    if resized < Scalar::ZERO {
        return Err(invalid("a volume cannot shrink below nothing"));
    }
    resource.scalar = Some(pb::value::Scalar {
        value: resized.as_f64(),
    });
    Ok(())
}

/// A volume as the disk it was made from: without persistence and volume
/// (a PATH or MOUNT disk keeps its source; a root disk loses its disk
/// info), and not shared, since only volumes are.
fn without_persistence(volume: &pb::Resource) -> pb::Resource {
    let mut disk = volume.clone();
    match &mut disk.disk {
        Some(info) if info.source.is_some() => {
            info.persistence = None;
            info.volume = None;
        }
        _ => disk.disk = None,
    }
    disk.shared = None;
    disk
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::mesos::offer::operation;
    use proto::mesos::resource::{DiskInfo, ReservationInfo, disk_info, reservation_info};

    fn disk(size: f64) -> pb::Resource {
        pb::Resource {
            name: "disk".into(),
            r#type: pb::value::Type::Scalar as i32,
            scalar: Some(pb::value::Scalar { value: size }),
            reservations: vec![ReservationInfo {
                r#type: Some(reservation_info::Type::Dynamic as i32),
                role: Some("web".into()),
                ..ReservationInfo::default()
            }],
            ..pb::Resource::default()
        }
    }

    fn volume(size: f64) -> pb::Resource {
        pb::Resource {
            disk: Some(DiskInfo {
                persistence: Some(disk_info::Persistence {
                    id: "data".into(),
                    principal: None,
                }),
                volume: Some(pb::Volume {
                    container_path: "data".into(),
                    mode: pb::volume::Mode::Rw as i32,
                    ..pb::Volume::default()
                }),
                ..DiskInfo::default()
            }),
            ..disk(size)
        }
    }

    fn text(resources: &Resources) -> String {
        resources.to_string()
    }

    #[test]
    fn growing_a_volume_consumes_it_and_the_addition() {
        let operation = pb::offer::Operation {
            r#type: Some(Type::GrowVolume as i32),
            grow_volume: Some(operation::GrowVolume {
                volume: volume(64.0),
                addition: disk(32.0),
            }),
            ..pb::offer::Operation::default()
        };
        let conversions = operation_conversions(&operation).unwrap();
        assert_eq!(conversions.len(), 1);
        let expected_consumed = &Resources::from_protos(&[volume(64.0)]).unwrap()
            + &Resources::from_protos(&[disk(32.0)]).unwrap();
        assert_eq!(conversions[0].consumed, expected_consumed);
        assert_eq!(
            conversions[0].converted,
            Resources::from_protos(&[volume(96.0)]).unwrap()
        );
    }

    #[test]
    fn shrinking_a_volume_frees_plain_reserved_disk() {
        let operation = pb::offer::Operation {
            r#type: Some(Type::ShrinkVolume as i32),
            shrink_volume: Some(operation::ShrinkVolume {
                volume: volume(64.0),
                subtract: pb::value::Scalar { value: 16.5 },
            }),
            ..pb::offer::Operation::default()
        };
        let conversions = operation_conversions(&operation).unwrap();
        assert_eq!(
            conversions[0].consumed,
            Resources::from_protos(&[volume(64.0)]).unwrap()
        );
        let expected = &Resources::from_protos(&[volume(47.5)]).unwrap()
            + &Resources::from_protos(&[disk(16.5)]).unwrap();
        assert_eq!(text(&conversions[0].converted), text(&expected));
    }

    #[test]
    fn create_and_destroy_convert_between_disk_and_volume() {
        let create = pb::offer::Operation {
            r#type: Some(Type::Create as i32),
            create: Some(operation::Create {
                volumes: vec![volume(10.0)],
            }),
            ..pb::offer::Operation::default()
        };
        let destroy = pb::offer::Operation {
            r#type: Some(Type::Destroy as i32),
            destroy: Some(operation::Destroy {
                volumes: vec![volume(10.0)],
            }),
            ..pb::offer::Operation::default()
        };
        let created = operation_conversions(&create).unwrap();
        let destroyed = operation_conversions(&destroy).unwrap();
        assert_eq!(created[0].consumed, destroyed[0].converted);
        assert_eq!(created[0].converted, destroyed[0].consumed);
        assert_eq!(
            consumed_resources(&create).unwrap(),
            Resources::from_protos(&[disk(10.0)]).unwrap()
        );
    }

    #[test]
    fn reserve_pops_to_what_it_consumes_unless_a_source_is_given() {
        let reserve = pb::offer::Operation {
            r#type: Some(Type::Reserve as i32),
            reserve: Some(operation::Reserve {
                resources: vec![disk(5.0)],
                source: Vec::new(),
            }),
            ..pb::offer::Operation::default()
        };
        let conversions = operation_conversions(&reserve).unwrap();
        assert_eq!(
            text(&conversions[0].consumed),
            "disk:5",
            "the reservation popped"
        );
    }

    #[test]
    fn launches_convert_nothing() {
        let launch = pb::offer::Operation {
            r#type: Some(Type::Launch as i32),
            ..pb::offer::Operation::default()
        };
        assert!(matches!(
            operation_conversions(&launch),
            Err(ResourcesError::InvalidOperation(_))
        ));
    }

    #[test]
    fn applying_conversions_needs_what_each_consumes() {
        let agent = Resources::parse("disk:10", "*").unwrap();
        let create = pb::offer::Operation {
            r#type: Some(Type::Create as i32),
            create: Some(operation::Create {
                volumes: vec![volume(10.0)],
            }),
            ..pb::offer::Operation::default()
        };
        let reserve = pb::offer::Operation {
            r#type: Some(Type::Reserve as i32),
            reserve: Some(operation::Reserve {
                resources: vec![disk(10.0)],
                source: Vec::new(),
            }),
            ..pb::offer::Operation::default()
        };
        assert!(matches!(
            agent.apply(&operation_conversions(&create).unwrap()),
            Err(ResourcesError::Conversion(_))
        ));
        let reserved = agent
            .apply(&operation_conversions(&reserve).unwrap())
            .unwrap();
        let with_volume = reserved
            .apply(&operation_conversions(&create).unwrap())
            .unwrap();
        assert_eq!(
            with_volume,
            Resources::from_protos(&[volume(10.0)]).unwrap()
        );
    }

    #[test]
    fn checkpointed_reservations_and_volumes_take_the_place_of_what_they_were_made_from() {
        let agent = Resources::parse("cpus:4;disk:100;disk(static):20", "*").unwrap();
        let mut refined = disk(8.0);
        refined.reservations.insert(
            0,
            ReservationInfo {
                r#type: Some(reservation_info::Type::Static as i32),
                role: Some("static".into()),
                ..ReservationInfo::default()
            },
        );
        refined.reservations[1].role = Some("static/web".into());
        let checkpointed = Resources::from_protos(&[volume(30.0), disk(5.0), refined]).unwrap();
        let total = agent.apply_checkpointed(&checkpointed).unwrap();
        let expected =
            &Resources::parse("cpus:4;disk:65;disk(static):12", "*").unwrap() + &checkpointed;
        assert_eq!(total, expected);
        assert_eq!(
            total.filter(needs_checkpointing),
            checkpointed,
            "everything checkpointed is in the total"
        );

        let too_big = Resources::from_protos(&[volume(200.0)]).unwrap();
        assert!(matches!(
            agent.apply_checkpointed(&too_big),
            Err(ResourcesError::Conversion(_))
        ));
        let plain = Resources::parse("cpus:1", "*").unwrap();
        assert!(
            agent.apply_checkpointed(&plain).is_err(),
            "only reservations and volumes are checkpointed"
        );
    }
}
