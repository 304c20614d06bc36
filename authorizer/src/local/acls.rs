//! Which `--acls` entries govern which action, and the checks Mesos makes
//! on them at startup.

use proto::mesos::AcLs;
use proto::mesos::acl::Entity as ProtoEntity;
use proto::mesos::acl::entity::Type;

use super::entity::{Acl, Entity};
use crate::{Action, AuthorizerError};

/// Endpoints `get_endpoints` ACLs may name (Mesos's `AUTHORIZABLE_ENDPOINTS`).
pub const AUTHORIZABLE_ENDPOINTS: &[&str] = &[
    "/containers",
    "/containerizer/debug",
    "/files/debug",
    "/logging/toggle",
    "/metrics/snapshot",
    "/monitor/statistics",
];

fn entries<T>(list: &[T], pair: impl Fn(&T) -> (&ProtoEntity, &ProtoEntity)) -> Vec<Acl> {
    list.iter()
        .map(|acl| {
            let (subjects, objects) = pair(acl);
            Acl::new(subjects, objects)
        })
        .collect()
}

/// The entries for `action`, as (principals, object) pairs, in order.
/// Nested-container launches have two lists; see [`parent_acls`].
pub(crate) fn acls_for(acls: &AcLs, action: Action) -> Vec<Acl> {
    use Action::*;
    match action {
        RegisterFramework => entries(&acls.register_frameworks, |a| (&a.principals, &a.roles)),
        RunTask => entries(&acls.run_tasks, |a| (&a.principals, &a.users)),
        TeardownFramework => entries(&acls.teardown_frameworks, |a| {
            (&a.principals, &a.framework_principals)
        }),
        ReserveResources => entries(&acls.reserve_resources, |a| (&a.principals, &a.roles)),
        UnreserveResources => entries(&acls.unreserve_resources, |a| {
            (&a.principals, &a.reserver_principals)
        }),
        CreateVolume => entries(&acls.create_volumes, |a| (&a.principals, &a.roles)),
        DestroyVolume => entries(&acls.destroy_volumes, |a| {
            (&a.principals, &a.creator_principals)
        }),
        ResizeVolume => entries(&acls.resize_volumes, |a| (&a.principals, &a.roles)),
        GetEndpointWithPath => entries(&acls.get_endpoints, |a| (&a.principals, &a.paths)),
        ViewRole => entries(&acls.view_roles, |a| (&a.principals, &a.roles)),
        UpdateWeight => entries(&acls.update_weights, |a| (&a.principals, &a.roles)),
        GetQuota => entries(&acls.get_quotas, |a| (&a.principals, &a.roles)),
        UpdateQuota | UpdateQuotaWithConfig => {
            entries(&acls.update_quotas, |a| (&a.principals, &a.roles))
        }
        ViewFramework => entries(&acls.view_frameworks, |a| (&a.principals, &a.users)),
        ViewTask => entries(&acls.view_tasks, |a| (&a.principals, &a.users)),
        ViewExecutor => entries(&acls.view_executors, |a| (&a.principals, &a.users)),
        AccessSandbox => entries(&acls.access_sandboxes, |a| (&a.principals, &a.users)),
        AccessMesosLog => entries(&acls.access_mesos_logs, |a| (&a.principals, &a.logs)),
        ViewFlags => entries(&acls.view_flags, |a| (&a.principals, &a.flags)),
        LaunchNestedContainer => entries(&acls.launch_nested_containers_as_user, |a| {
            (&a.principals, &a.users)
        }),
        LaunchNestedContainerSession => {
            entries(&acls.launch_nested_container_sessions_as_user, |a| {
                (&a.principals, &a.users)
            })
        }
        KillNestedContainer => entries(&acls.kill_nested_containers, |a| (&a.principals, &a.users)),
        WaitNestedContainer => entries(&acls.wait_nested_containers, |a| (&a.principals, &a.users)),
        RemoveNestedContainer => entries(&acls.remove_nested_containers, |a| {
            (&a.principals, &a.users)
        }),
        AttachContainerInput => {
            entries(&acls.attach_containers_input, |a| (&a.principals, &a.users))
        }
        AttachContainerOutput => entries(&acls.attach_containers_output, |a| {
            (&a.principals, &a.users)
        }),
        ViewContainer => entries(&acls.view_containers, |a| (&a.principals, &a.users)),
        SetLogLevel => entries(&acls.set_log_level, |a| (&a.principals, &a.level)),
        RegisterAgent => entries(&acls.register_agents, |a| (&a.principals, &a.agents)),
        UpdateMaintenanceSchedule => entries(&acls.update_maintenance_schedules, |a| {
            (&a.principals, &a.machines)
        }),
        GetMaintenanceSchedule => entries(&acls.get_maintenance_schedules, |a| {
            (&a.principals, &a.machines)
        }),
        StartMaintenance => entries(&acls.start_maintenances, |a| (&a.principals, &a.machines)),
        StopMaintenance => entries(&acls.stop_maintenances, |a| (&a.principals, &a.machines)),
        GetMaintenanceStatus => entries(&acls.get_maintenance_statuses, |a| {
            (&a.principals, &a.machines)
        }),
        DrainAgent => entries(&acls.drain_agents, |a| (&a.principals, &a.agents)),
        DeactivateAgent => entries(&acls.deactivate_agents, |a| (&a.principals, &a.agents)),
        ReactivateAgent => entries(&acls.reactivate_agents, |a| (&a.principals, &a.agents)),
        MarkAgentGone => entries(&acls.mark_agents_gone, |a| (&a.principals, &a.agents)),
        LaunchStandaloneContainer => entries(&acls.launch_standalone_containers, |a| {
            (&a.principals, &a.users)
        }),
        KillStandaloneContainer => entries(&acls.kill_standalone_containers, |a| {
            (&a.principals, &a.users)
        }),
        WaitStandaloneContainer => entries(&acls.wait_standalone_containers, |a| {
            (&a.principals, &a.users)
        }),
        RemoveStandaloneContainer => entries(&acls.remove_standalone_containers, |a| {
            (&a.principals, &a.users)
        }),
        ViewStandaloneContainer => entries(&acls.view_standalone_containers, |a| {
            (&a.principals, &a.users)
        }),
        ModifyResourceProviderConfig => entries(&acls.modify_resource_provider_configs, |a| {
            (&a.principals, &a.resource_providers)
        }),
        MarkResourceProviderGone => entries(&acls.mark_resource_providers_gone, |a| {
            (&a.principals, &a.resource_providers)
        }),
        ViewResourceProvider => entries(&acls.view_resource_providers, |a| {
            (&a.principals, &a.resource_providers)
        }),
        PruneImages => entries(&acls.prune_images, |a| (&a.principals, &a.images)),
        CreateBlockDisk => entries(&acls.create_block_disks, |a| (&a.principals, &a.roles)),
        DestroyBlockDisk => entries(&acls.destroy_block_disks, |a| (&a.principals, &a.roles)),
        CreateMountDisk => entries(&acls.create_mount_disks, |a| (&a.principals, &a.roles)),
        DestroyMountDisk => entries(&acls.destroy_mount_disks, |a| (&a.principals, &a.roles)),
        DestroyRawDisk => entries(&acls.destroy_raw_disks, |a| (&a.principals, &a.roles)),
    }
}

/// For nested-container launches: the entries on the user the *parent*
/// (executor) runs as.
pub(crate) fn parent_acls(acls: &AcLs, action: Action) -> Vec<Acl> {
    match action {
        Action::LaunchNestedContainerSession => entries(
            &acls.launch_nested_container_sessions_under_parent_with_user,
            |a| (&a.principals, &a.users),
        ),
        _ => entries(&acls.launch_nested_containers_under_parent_with_user, |a| {
            (&a.principals, &a.users)
        }),
    }
}

/// Splits role entries so that each recursive role (`a/%`: every role
/// below `a`) stands alone, as the hierarchical approver expects. The split
/// entries stay consecutive, so first-match order is unchanged.
pub(crate) fn split_recursive_roles(acls: Vec<Acl>) -> Vec<Acl> {
    let mut split = Vec::with_capacity(acls.len());
    for acl in acls {
        let Entity::Some(roles) = &acl.objects else {
            split.push(acl);
            continue;
        };
        let (recursive, plain): (Vec<&String>, Vec<&String>) =
            roles.iter().partition(|role| role.ends_with("/%"));
        for role in recursive {
            split.push(Acl {
                subjects: acl.subjects.clone(),
                objects: Entity::one(role),
            });
        }
        if !plain.is_empty() {
            split.push(Acl {
                subjects: acl.subjects.clone(),
                objects: Entity::Some(plain.into_iter().cloned().collect()),
            });
        }
    }
    split
}

/// Mesos's startup checks: objects that are never named may only be `ANY`
/// or `NONE`, and `get_endpoints` may only name authorizable endpoints.
pub(crate) fn validate(acls: &AcLs) -> Result<(), AuthorizerError> {
    fn no_values<T>(
        list: &[T],
        message: &str,
        object: impl Fn(&T) -> &ProtoEntity,
    ) -> Result<(), AuthorizerError> {
        if list.iter().any(|acl| object(acl).r#type() == Type::Some) {
            return Err(AuthorizerError::InvalidAcls(format!(
                "ACL.{message} type must be either NONE or ANY"
            )));
        }
        Ok(())
    }
    no_values(&acls.access_mesos_logs, "AccessMesosLog", |a| &a.logs)?;
    no_values(&acls.view_flags, "ViewFlags", |a| &a.flags)?;
    no_values(&acls.set_log_level, "SetLogLevel", |a| &a.level)?;
    for acl in &acls.get_endpoints {
        if acl.paths.r#type() == Type::Some
            && let Some(path) = acl
                .paths
                .values
                .iter()
                .find(|path| !AUTHORIZABLE_ENDPOINTS.contains(&path.as_str()))
        {
            return Err(AuthorizerError::InvalidAcls(format!(
                "Path: '{path}' is not an authorizable path"
            )));
        }
    }
    no_values(&acls.register_agents, "RegisterAgent", |a| &a.agents)?;
    no_values(
        &acls.update_maintenance_schedules,
        "UpdateMaintenanceSchedule",
        |a| &a.machines,
    )?;
    no_values(
        &acls.get_maintenance_schedules,
        "GetMaintenanceSchedule",
        |a| &a.machines,
    )?;
    no_values(&acls.start_maintenances, "StartMaintenance", |a| {
        &a.machines
    })?;
    no_values(&acls.stop_maintenances, "StopMaintenance", |a| &a.machines)?;
    no_values(
        &acls.get_maintenance_statuses,
        "GetMaintenanceStatus",
        |a| &a.machines,
    )?;
    no_values(&acls.drain_agents, "DrainAgent", |a| &a.agents)?;
    no_values(&acls.deactivate_agents, "DeactivateAgent", |a| &a.agents)?;
    no_values(&acls.reactivate_agents, "ReactivateAgent", |a| &a.agents)?;
    no_values(
        &acls.launch_standalone_containers,
        "LaunchStandaloneContainer",
        |a| &a.users,
    )?;
    no_values(
        &acls.kill_standalone_containers,
        "KillStandaloneContainer",
        |a| &a.users,
    )?;
    no_values(
        &acls.wait_standalone_containers,
        "WaitStandaloneContainer",
        |a| &a.users,
    )?;
    no_values(
        &acls.remove_standalone_containers,
        "RemoveStandaloneContainer",
        |a| &a.users,
    )?;
    no_values(
        &acls.view_standalone_containers,
        "ViewStandaloneContainer",
        |a| &a.users,
    )?;
    no_values(
        &acls.mark_resource_providers_gone,
        "MarkResourceProvidersGone",
        |a| &a.resource_providers,
    )?;
    no_values(&acls.view_resource_providers, "ViewResourceProvider", |a| {
        &a.resource_providers
    })?;
    no_values(
        &acls.modify_resource_provider_configs,
        "ModifyResourceProviderConfig",
        |a| &a.resource_providers,
    )?;
    no_values(&acls.prune_images, "PruneImages", |a| &a.images)?;
    Ok(())
}
