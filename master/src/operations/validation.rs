//! Mesos's checks on the speculative operations
//! (`validation::operation::validate` in `src/master/validation.cpp`), for
//! both who make them: a framework accepting offers ([`Requester::Framework`])
//! and an operator through the operator API ([`Requester::Operator`]). The
//! error texts are Mesos's; callers prefix them as Mesos's callers do.

use crate::agents::Agent;
use proto::mesos::offer::operation::{
    Create, Destroy, GrowVolume, Reserve, ShrinkVolume, Unreserve,
};
use proto::mesos::resource::disk_info::source::Type as SourceType;
use proto::mesos::slave_info::capability::Type as Capability;
use proto::mesos::{Resource, volume};
use resources::{Resources, Scalar};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Who asks for an operation; Mesos checks frameworks and operators apart.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Requester<'a> {
    /// A framework, with its roles: the resources come from its offers.
    Framework { roles: &'a BTreeSet<String> },
    /// An operator: the resources are the agent's unallocated ones.
    Operator,
}

/// The agent capabilities the checks depend on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AgentCapabilities {
    hierarchical_role: bool,
    reservation_refinement: bool,
    resize_volume: bool,
}

impl AgentCapabilities {
    pub fn of(agent: &Agent) -> AgentCapabilities {
        AgentCapabilities {
            hierarchical_role: agent.has_capability(Capability::HierarchicalRole),
            reservation_refinement: agent.has_capability(Capability::ReservationRefinement),
            resize_volume: agent.has_capability(Capability::ResizeVolume),
        }
    }
}

/// A resource as Mesos's logs and messages print it.
fn describe(resource: &Resource) -> String {
    Resources::from_protos(std::slice::from_ref(resource))
        .map(|parsed| parsed.to_string())
        .unwrap_or_else(|_| proto::json::to_string(resource))
}

fn dynamically_reserved(resource: &Resource) -> bool {
    resource.reservations.last().is_some_and(|reservation| {
        reservation.r#type() == proto::mesos::resource::reservation_info::Type::Dynamic
    })
}

fn persistent_volume(resource: &Resource) -> bool {
    resource
        .disk
        .as_ref()
        .is_some_and(|disk| disk.persistence.is_some())
}

fn reservation_role(resource: &Resource) -> &str {
    resource
        .reservations
        .last()
        .map(|reservation| reservation.role())
        .unwrap_or("*")
}

/// Mesos's `resource::validate`: valid resources, disk infos that make
/// sense, no dynamic reservation of revocable resources.
fn resources(list: &[Resource]) -> Result<(), String> {
    Resources::validate(list).map_err(|error| format!("Invalid resources: {error}"))?;
    for resource in list {
        let Some(disk) = &resource.disk else {
            continue;
        };
        let error = if let Some(persistence) = &disk.persistence {
            if resource.revocable.is_some() {
                Some("Persistent volumes cannot be created from revocable resources".to_owned())
            } else if resource.reservations.is_empty() {
                Some("Persistent volumes cannot be created from unreserved resources".to_owned())
            } else if disk.volume.is_none() {
                Some("Expecting 'volume' to be set for persistent volume".to_owned())
            } else if disk.volume.as_ref().is_some_and(|v| v.host_path.is_some()) {
                Some("Expecting 'host_path' to be unset for persistent volume".to_owned())
            } else {
                crate::validation::validate_id(&persistence.id)
                    .err()
                    .map(|error| format!("Invalid persistence ID for persistent volume: {error}"))
            }
        } else if disk.volume.is_some() {
            Some("Non-persistent volume not supported".to_owned())
        } else if disk.source.is_none() {
            Some("DiskInfo is set but empty".to_owned())
        } else {
            None
        };
        if let Some(error) = error {
            return Err(format!("Invalid DiskInfo: {error}"));
        }
    }
    if let Some(resource) = list
        .iter()
        .find(|r| dynamically_reserved(r) && r.revocable.is_some())
    {
        return Err(format!(
            "Invalid ReservationInfo: Dynamically reserved resource {} cannot be created from revocable resources",
            describe(resource)
        ));
    }
    Ok(())
}

/// All from the agent itself, or all from one resource provider.
fn single_provider(list: &[Resource]) -> Result<(), String> {
    let providers: HashSet<Option<&str>> = list
        .iter()
        .map(|r| r.provider_id.as_ref().map(|id| id.value.as_str()))
        .collect();
    if providers.len() <= 1 {
        return Ok(());
    }
    if providers.contains(&None) {
        return Err("Some resources have a resource provider and some do not".to_owned());
    }
    let mut ids: Vec<&str> = providers.into_iter().flatten().collect();
    ids.sort_unstable();
    Err(format!(
        "The resources have multiple resource providers: {}",
        ids.join(", ")
    ))
}

/// Mesos's `validatePersistentVolume`.
fn persistent_volumes(volumes: &[Resource]) -> Result<(), String> {
    for volume in volumes {
        let Some(disk) = &volume.disk else {
            return Err(format!(
                "Resource {} does not have DiskInfo",
                describe(volume)
            ));
        };
        if disk.persistence.is_none() {
            return Err("'persistence' is not set in DiskInfo".to_owned());
        }
        let Some(mount) = &disk.volume else {
            return Err("Expecting 'volume' to be set for persistent volume".to_owned());
        };
        if mount.mode() == volume::Mode::Ro {
            return Err("Read-only persistent volume not supported".to_owned());
        }
    }
    Ok(())
}

/// The checks RESERVE and CREATE share: hierarchical roles and refined
/// reservations only on agents that know them.
fn agent_knows_reservation(
    resource: &Resource,
    capabilities: AgentCapabilities,
    what: &str,
    verb: &str,
) -> Result<(), String> {
    let role = reservation_role(resource);
    if !capabilities.hierarchical_role && role.contains('/') {
        return Err(format!(
            "{what} {} with reservation for hierarchical role '{role}' cannot be {verb} on an agent without HIERARCHICAL_ROLE capability",
            describe(resource)
        ));
    }
    if !capabilities.reservation_refinement && resource.reservations.len() > 1 {
        return Err(format!(
            "{what} {} with reservation refinement cannot be {verb} on an agent without RESERVATION_REFINEMENT capability",
            describe(resource)
        ));
    }
    Ok(())
}

/// Across all resources, one allocation role (frameworks' operations).
fn allocated_to_single_role(list: &[Resource]) -> Result<(), String> {
    let mut role: Option<&str> = None;
    for resource in list {
        let Some(allocated) = resource
            .allocation_info
            .as_ref()
            .and_then(|info| info.role.as_deref())
        else {
            return Err("The resources are not allocated to a role".to_owned());
        };
        match role {
            None => role = Some(allocated),
            Some(first) if first != allocated => {
                return Err(format!(
                    "The resources have multiple allocation roles ('{allocated}' and '{first}') but only one allocation role is allowed"
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn roles_text(roles: &BTreeSet<String>) -> String {
    format!(
        "{{ {} }}",
        roles.iter().cloned().collect::<Vec<_>>().join(", ")
    )
}

pub(crate) fn reserve(
    reserve: &Reserve,
    principal: Option<&str>,
    capabilities: AgentCapabilities,
    requester: Requester<'_>,
) -> Result<(), String> {
    resources(&reserve.resources).map_err(|e| format!("Invalid resources: {e}"))?;
    resources(&reserve.source).map_err(|e| format!("Invalid source: {e}"))?;
    if !reserve.source.is_empty() {
        let same_reservations = |list: &[Resource]| -> Result<(), String> {
            let Some(first) = list.first() else {
                return Err("Resource cannot be empty".to_owned());
            };
            if list.iter().all(|r| r.reservations == first.reservations) {
                Ok(())
            } else {
                Err(format!(
                    "Mixed reservations are not supported{}",
                    Resources::from_protos(list)
                        .map(|r| r.to_string())
                        .unwrap_or_default()
                ))
            }
        };
        same_reservations(&reserve.source).map_err(|e| format!("Invalid source: {e}"))?;
        same_reservations(&reserve.resources).map_err(|e| format!("Invalid resources: {e}"))?;
        let unreserved = |list: &[Resource]| {
            Resources::from_protos(list)
                .map(|r| r.to_unreserved())
                .unwrap_or_default()
        };
        let (source, target) = (unreserved(&reserve.source), unreserved(&reserve.resources));
        if source != target {
            return Err(format!(
                "Source and target resources should refer to identical resource quantities: {source} vs. {target}"
            ));
        }
    }
    single_provider(&reserve.resources).map_err(|e| format!("Invalid resources: {e}"))?;
    for resource in &reserve.resources {
        if !dynamically_reserved(resource) {
            return Err(format!(
                "Resource {} is not dynamically reserved",
                describe(resource)
            ));
        }
        agent_knows_reservation(resource, capabilities, "Resource", "reserved")?;
        if let Some(principal) = principal {
            let reservation = resource.reservations.last().expect("dynamically reserved");
            match reservation.principal.as_deref() {
                None => {
                    return Err(format!(
                        "A reserve operation was attempted by principal '{principal}', but there is a reserved resource in the request with no principal set"
                    ));
                }
                Some(reserver) if reserver != principal => {
                    return Err(format!(
                        "A reserve operation was attempted by authenticated principal '{principal}', which does not match a reserved resource in the request with principal '{reserver}'"
                    ));
                }
                Some(_) => {}
            }
        }
        let role = reservation_role(resource);
        let allocated = resource
            .allocation_info
            .as_ref()
            .and_then(|info| info.role.as_deref());
        match requester {
            Requester::Framework { roles } => {
                let Some(allocated) = allocated else {
                    return Err(format!(
                        "A reserve operation was attempted on unallocated resource {}, but frameworks can only perform reservations on allocated resources",
                        describe(resource)
                    ));
                };
                if allocated != role {
                    return Err(format!(
                        "A reserve operation was attempted for a resource with role '{role}', but the resource was allocated to role '{allocated}'"
                    ));
                }
                if !roles.contains(allocated) {
                    return Err(format!(
                        "A reserve operation was attempted for a resource allocated to role '{allocated}', but the framework only has roles '{}'",
                        roles_text(roles)
                    ));
                }
            }
            Requester::Operator => {
                if resource.allocation_info.is_some() {
                    return Err("A reserve operation was attempted with an allocated resource, but the operator API only allows reservations to be made to unallocated resources".to_owned());
                }
            }
        }
    }
    if let Requester::Framework { .. } = requester {
        allocated_to_single_role(&reserve.resources)
            .map_err(|e| format!("Invalid reservation resources: {e}"))?;
    }
    Ok(())
}

pub(crate) fn unreserve(unreserve: &Unreserve) -> Result<(), String> {
    resources(&unreserve.resources).map_err(|e| format!("Invalid resources: {e}"))?;
    single_provider(&unreserve.resources).map_err(|e| format!("Invalid resources: {e}"))?;
    for resource in &unreserve.resources {
        if !dynamically_reserved(resource) {
            return Err(format!(
                "Resource {} is not dynamically reserved",
                describe(resource)
            ));
        }
        if persistent_volume(resource) {
            return Err(format!(
                "A dynamically reserved persistent volume {} cannot be unreserved directly. Please destroy the persistent volume first then unreserve the resource",
                describe(resource)
            ));
        }
    }
    Ok(())
}

pub(crate) fn create(
    create: &Create,
    checkpointed: &[Resource],
    principal: Option<&str>,
    capabilities: AgentCapabilities,
    requester: Requester<'_>,
) -> Result<(), String> {
    resources(&create.volumes).map_err(|e| format!("Invalid resources: {e}"))?;
    single_provider(&create.volumes).map_err(|e| format!("Invalid resources: {e}"))?;
    persistent_volumes(&create.volumes).map_err(|e| format!("Not a persistent volume: {e}"))?;
    // Persistence ids are unique per role on an agent.
    let mut ids: HashMap<&str, HashSet<&str>> = HashMap::new();
    for volume in checkpointed.iter().chain(&create.volumes) {
        let Some(persistence) = volume.disk.as_ref().and_then(|d| d.persistence.as_ref()) else {
            continue;
        };
        if !ids
            .entry(reservation_role(volume))
            .or_default()
            .insert(&persistence.id)
        {
            return Err(format!("Persistence ID '{}' is not unique", persistence.id));
        }
    }
    for volume in &create.volumes {
        agent_knows_reservation(volume, capabilities, "Volume", "created")?;
        let Some(principal) = principal else {
            continue;
        };
        let persistence = volume
            .disk
            .as_ref()
            .and_then(|d| d.persistence.as_ref())
            .expect("checked to be a persistent volume");
        match persistence.principal.as_deref() {
            None => {
                return Err(format!(
                    "Create volume operation attempted by principal '{principal}', but there is a volume in the operation with no principal set in 'disk.persistence'"
                ));
            }
            Some(creator) if creator != principal => {
                return Err(format!(
                    "Create volume operation attempted by authenticated principal '{principal}', which does not match a volume in the operation with principal '{creator}' set in 'disk.persistence'"
                ));
            }
            Some(_) => {}
        }
    }
    if let Requester::Framework { .. } = requester {
        allocated_to_single_role(&create.volumes)
            .map_err(|e| format!("Invalid volume resources: {e}"))?;
    }
    Ok(())
}

/// DESTROY: the volumes exist on the agent (`checkpointed`) and no task or
/// executor uses them (`used`).
pub(crate) fn destroy(
    destroy: &Destroy,
    checkpointed: &Resources,
    used: &Resources,
) -> Result<(), String> {
    resources(&destroy.volumes).map_err(|e| format!("Invalid resources: {e}"))?;
    single_provider(&destroy.volumes).map_err(|e| format!("Invalid resources: {e}"))?;
    persistent_volumes(&destroy.volumes).map_err(|e| format!("Not a persistent volume: {e}"))?;
    let mut volumes =
        Resources::from_protos(&destroy.volumes).map_err(|e| format!("Invalid resources: {e}"))?;
    volumes.unallocate();
    let mut used = used.clone();
    used.unallocate();
    for volume in volumes.iter() {
        let one: Resources = std::iter::once(volume.clone()).collect();
        if !volume.has_resource_provider() && !checkpointed.contains(&one) {
            return Err("Persistent volumes not found".to_owned());
        }
        if used.contains(&one) {
            return Err("Persistent volumes in use".to_owned());
        }
    }
    Ok(())
}

fn scalar(resource: &Resource) -> Scalar {
    Scalar::from_f64(resource.scalar.as_ref().map_or(0.0, |s| s.value))
}

/// The checks GROW_VOLUME and SHRINK_VOLUME share on the volume.
fn resizable_volume(volume: &Resource, field: &str, verb: &str) -> Result<(), String> {
    persistent_volumes(std::slice::from_ref(volume))
        .map_err(|e| format!("Invalid persistent volume in the '{field}' field: {e}"))?;
    if volume.shared.is_some() {
        return Err(format!(
            "{verb} a shared persistent volume is not supported"
        ));
    }
    Ok(())
}

pub(crate) fn grow_volume(
    grow: &GrowVolume,
    capabilities: AgentCapabilities,
) -> Result<(), String> {
    Resources::validate(std::slice::from_ref(&grow.volume))
        .map_err(|e| format!("Invalid resource in the 'GrowVolume.volume' field: {e}"))?;
    Resources::validate(std::slice::from_ref(&grow.addition))
        .map_err(|e| format!("Invalid resource in the 'GrowVolume.addition' field: {e}"))?;
    if scalar(&grow.addition) <= Scalar::ZERO {
        return Err("The size of 'GrowVolume.addition' field must be greater than zero".to_owned());
    }
    if grow.volume.provider_id.is_some() {
        return Err("Growing a volume from a resource provider is not supported".to_owned());
    }
    resizable_volume(&grow.volume, "GrowVolume.volume", "Growing")?;
    // The volume's disk and the addition must be one resource.
    let mut disk = grow.volume.clone();
    match &mut disk.disk {
        Some(info) if info.source.is_some() => {
            info.persistence = None;
            info.volume = None;
        }
        _ => disk.disk = None,
    }
    let combined = Resources::from_protos(&[disk, grow.addition.clone()]);
    if combined.map_or(true, |combined| combined.len() != 1) {
        return Err(
            "Incompatible resources in the 'GrowVolume.volume' and 'GrowVolume.addition' fields"
                .to_owned(),
        );
    }
    if !capabilities.resize_volume {
        return Err(format!(
            "Volume {} cannot be grown on an agent without RESIZE_VOLUME capability",
            describe(&grow.volume)
        ));
    }
    Ok(())
}

pub(crate) fn shrink_volume(
    shrink: &ShrinkVolume,
    capabilities: AgentCapabilities,
) -> Result<(), String> {
    Resources::validate(std::slice::from_ref(&shrink.volume))
        .map_err(|e| format!("Invalid resource in the 'ShrinkVolume.volume' field: {e}"))?;
    let subtract = Scalar::from_f64(shrink.subtract.value);
    if subtract <= Scalar::ZERO {
        return Err("Value of 'ShrinkVolume.subtract' must be greater than zero".to_owned());
    }
    if scalar(&shrink.volume) <= subtract {
        return Err(
            "Value of 'ShrinkVolume.subtract' must be smaller than the size of 'ShrinkVolume.volume'"
                .to_owned(),
        );
    }
    if shrink.volume.provider_id.is_some() {
        return Err("Shrinking a volume from a resource provider is not supported".to_owned());
    }
    let on_mount_disk = shrink
        .volume
        .disk
        .as_ref()
        .and_then(|disk| disk.source.as_ref())
        .is_some_and(|source| source.r#type() == SourceType::Mount);
    if on_mount_disk {
        return Err("Shrinking a volume on a MOUNT disk is not supported".to_owned());
    }
    resizable_volume(&shrink.volume, "ShrinkVolume.volume", "Shrinking")?;
    if !capabilities.resize_volume {
        return Err(format!(
            "Volume {} cannot be shrunk on an agent without RESIZE_VOLUME capability",
            describe(&shrink.volume)
        ));
    }
    Ok(())
}
