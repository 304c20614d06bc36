//! The ACL matrix: for every action Mesos 1.11 defines, the local
//! authorizer with allowed and denied principals, `ANY` and `NONE`
//! subjects and objects, unauthenticated requests, and `permissive` both
//! ways; objects built the way the master builds them for that action.

use authorizer::{Action, Authorizer, LocalAuthorizer, Object, Request, Subject};
use proto::mesos::quota::QuotaInfo;
use proto::mesos::resource::disk_info::Persistence;
use proto::mesos::resource::{DiskInfo, ReservationInfo};
use proto::mesos::{ExecutorInfo, FrameworkInfo, Resource, Task, WeightInfo};
use serde_json::{Value, json};

/// How an action's object is named in `--acls`.
enum Objects {
    /// By values (roles, users, principals, paths): the matrix checks a
    /// matching and a non-matching object.
    Named,
    /// Never by values (`ANY`/`NONE` only): decided on the subject.
    Unnamed,
}

/// The `--acls` list and object field of `action`, and how objects are named.
fn spec(action: Action) -> (&'static str, &'static str, Objects) {
    use Action::*;
    use Objects::*;
    match action {
        RegisterFramework => ("register_frameworks", "roles", Named),
        RunTask => ("run_tasks", "users", Named),
        TeardownFramework => ("teardown_frameworks", "framework_principals", Named),
        ReserveResources => ("reserve_resources", "roles", Named),
        UnreserveResources => ("unreserve_resources", "reserver_principals", Named),
        CreateVolume => ("create_volumes", "roles", Named),
        DestroyVolume => ("destroy_volumes", "creator_principals", Named),
        GetEndpointWithPath => ("get_endpoints", "paths", Named),
        ViewRole => ("view_roles", "roles", Named),
        UpdateWeight => ("update_weights", "roles", Named),
        GetQuota => ("get_quotas", "roles", Named),
        UpdateQuota | UpdateQuotaWithConfig => ("update_quotas", "roles", Named),
        ViewFramework => ("view_frameworks", "users", Named),
        ViewTask => ("view_tasks", "users", Named),
        ViewExecutor => ("view_executors", "users", Named),
        AccessSandbox => ("access_sandboxes", "users", Named),
        AccessMesosLog => ("access_mesos_logs", "logs", Unnamed),
        ViewFlags => ("view_flags", "flags", Unnamed),
        // Without a command to run, a nested launch is decided by the user
        // its parent (the executor) runs as.
        LaunchNestedContainer => (
            "launch_nested_containers_under_parent_with_user",
            "users",
            Named,
        ),
        LaunchNestedContainerSession => (
            "launch_nested_container_sessions_under_parent_with_user",
            "users",
            Named,
        ),
        KillNestedContainer => ("kill_nested_containers", "users", Named),
        WaitNestedContainer => ("wait_nested_containers", "users", Named),
        RemoveNestedContainer => ("remove_nested_containers", "users", Named),
        AttachContainerInput => ("attach_containers_input", "users", Named),
        AttachContainerOutput => ("attach_containers_output", "users", Named),
        ViewContainer => ("view_containers", "users", Named),
        SetLogLevel => ("set_log_level", "level", Unnamed),
        RegisterAgent => ("register_agents", "agents", Unnamed),
        UpdateMaintenanceSchedule => ("update_maintenance_schedules", "machines", Unnamed),
        GetMaintenanceSchedule => ("get_maintenance_schedules", "machines", Unnamed),
        StartMaintenance => ("start_maintenances", "machines", Unnamed),
        StopMaintenance => ("stop_maintenances", "machines", Unnamed),
        GetMaintenanceStatus => ("get_maintenance_statuses", "machines", Unnamed),
        DrainAgent => ("drain_agents", "agents", Unnamed),
        DeactivateAgent => ("deactivate_agents", "agents", Unnamed),
        ReactivateAgent => ("reactivate_agents", "agents", Unnamed),
        MarkAgentGone => ("mark_agents_gone", "agents", Unnamed),
        LaunchStandaloneContainer => ("launch_standalone_containers", "users", Unnamed),
        KillStandaloneContainer => ("kill_standalone_containers", "users", Unnamed),
        WaitStandaloneContainer => ("wait_standalone_containers", "users", Unnamed),
        RemoveStandaloneContainer => ("remove_standalone_containers", "users", Unnamed),
        ViewStandaloneContainer => ("view_standalone_containers", "users", Unnamed),
        ModifyResourceProviderConfig => (
            "modify_resource_provider_configs",
            "resource_providers",
            Unnamed,
        ),
        MarkResourceProviderGone => (
            "mark_resource_providers_gone",
            "resource_providers",
            Unnamed,
        ),
        ViewResourceProvider => ("view_resource_providers", "resource_providers", Unnamed),
        PruneImages => ("prune_images", "images", Unnamed),
        ResizeVolume => ("resize_volumes", "roles", Named),
        CreateBlockDisk => ("create_block_disks", "roles", Named),
        DestroyBlockDisk => ("destroy_block_disks", "roles", Named),
        CreateMountDisk => ("create_mount_disks", "roles", Named),
        DestroyMountDisk => ("destroy_mount_disks", "roles", Named),
        DestroyRawDisk => ("destroy_raw_disks", "roles", Named),
        other => panic!("the matrix has no entry for {other}"),
    }
}

/// The master's records behind an object named `name`: a framework whose
/// user, role and principal are `name`, a resource reserved for role `name`
/// by principal `name` (a volume created by `name`), and so on.
struct Records {
    name: String,
    framework: FrameworkInfo,
    resource: Resource,
    weight: WeightInfo,
    quota: QuotaInfo,
    task: Task,
    executor: ExecutorInfo,
}

impl Records {
    // Frameworks without MULTI_ROLE still register with the single `role`.
    #[allow(deprecated)]
    fn named(name: &str) -> Records {
        Records {
            name: name.to_owned(),
            framework: FrameworkInfo {
                user: name.to_owned(),
                name: "framework".into(),
                role: Some(name.to_owned()),
                principal: Some(name.to_owned()),
                ..FrameworkInfo::default()
            },
            resource: Resource {
                name: "disk".into(),
                reservations: vec![ReservationInfo {
                    role: Some(name.to_owned()),
                    principal: Some(name.to_owned()),
                    ..ReservationInfo::default()
                }],
                disk: Some(DiskInfo {
                    persistence: Some(Persistence {
                        id: "volume".into(),
                        principal: Some(name.to_owned()),
                    }),
                    ..DiskInfo::default()
                }),
                ..Resource::default()
            },
            weight: WeightInfo {
                weight: 2.0,
                role: Some(name.to_owned()),
            },
            quota: QuotaInfo {
                role: Some(name.to_owned()),
                ..QuotaInfo::default()
            },
            task: Task::default(),
            executor: ExecutorInfo::default(),
        }
    }

    /// The object the master builds for `action`.
    fn object(&self, action: Action) -> Object<'_> {
        use Action::*;
        let framework = Object::framework(&self.framework);
        match action {
            RegisterFramework
            | RunTask
            | TeardownFramework
            | ViewFramework
            | AccessSandbox
            | ViewContainer
            | AttachContainerInput
            | AttachContainerOutput
            | KillNestedContainer
            | WaitNestedContainer
            | RemoveNestedContainer
            | LaunchNestedContainer
            | LaunchNestedContainerSession => framework,
            ReserveResources | UnreserveResources | CreateVolume | DestroyVolume | ResizeVolume
            | CreateBlockDisk | DestroyBlockDisk | CreateMountDisk | DestroyMountDisk
            | DestroyRawDisk => Object::resource(&self.resource),
            GetEndpointWithPath | ViewRole | GetQuota | UpdateQuotaWithConfig => {
                Object::value(&self.name)
            }
            UpdateWeight => Object {
                weight_info: Some(&self.weight),
                ..Object::default()
            },
            UpdateQuota => Object {
                quota_info: Some(&self.quota),
                ..Object::default()
            },
            ViewTask => Object {
                task: Some(&self.task),
                ..framework
            },
            ViewExecutor => Object {
                executor_info: Some(&self.executor),
                ..framework
            },
            _ => Object::default(),
        }
    }
}

/// Names that are valid objects for every action (`get_endpoints` only
/// takes authorizable endpoints).
fn object_names(action: Action) -> (&'static str, &'static str) {
    if action == Action::GetEndpointWithPath {
        ("/metrics/snapshot", "/logging/toggle")
    } else {
        ("granted", "other")
    }
}

struct Case {
    authorizer: LocalAuthorizer,
    action: Action,
}

impl Case {
    fn new(action: Action, permissive: bool, entries: Vec<Value>) -> Case {
        let (list, _, _) = spec(action);
        let acls = json!({ "permissive": permissive, list: entries });
        let authorizer = LocalAuthorizer::from_json(&acls)
            .unwrap_or_else(|error| panic!("{action}: {acls}: {error}"));
        Case { authorizer, action }
    }

    /// Whether `principal` (`None`: unauthenticated) may act on the
    /// object named `name` (`None`: on anything).
    async fn allows(&self, principal: Option<&str>, name: Option<&str>) -> bool {
        let records = name.map(Records::named);
        let request = Request {
            subject: Subject::from_principal(principal),
            action: self.action,
            object: records.as_ref().map(|records| records.object(self.action)),
        };
        self.authorizer
            .authorized(&request)
            .await
            .unwrap_or_else(|error| panic!("{}: {error}", self.action))
    }
}

fn entry(action: Action, principals: Value, objects: Value) -> Value {
    let (_, field, _) = spec(action);
    json!({ "principals": principals, field: objects })
}

fn some(values: &[&str]) -> Value {
    json!({ "values": values })
}

fn any() -> Value {
    json!({ "type": "ANY" })
}

fn none() -> Value {
    json!({ "type": "NONE" })
}

#[tokio::test]
async fn the_matrix_covers_every_action() {
    for &action in Action::ALL {
        spec(action);
    }
    assert_eq!(Action::ALL.len(), 53);
}

#[tokio::test]
async fn named_principals_are_allowed_and_others_fall_to_permissive() {
    for &action in Action::ALL {
        let (granted, other) = object_names(action);
        let objects = match spec(action).2 {
            Objects::Named => some(&[granted]),
            Objects::Unnamed => any(),
        };
        for permissive in [false, true] {
            let case = Case::new(
                action,
                permissive,
                vec![entry(action, some(&["alice"]), objects.clone())],
            );
            assert!(case.allows(Some("alice"), Some(granted)).await, "{action}");
            assert_eq!(
                case.allows(Some("bob"), Some(granted)).await,
                permissive,
                "{action}"
            );
            assert_eq!(
                case.allows(None, Some(granted)).await,
                permissive,
                "{action}"
            );
            if let Objects::Named = spec(action).2 {
                // Alice's entry names `granted` only.
                assert_eq!(
                    case.allows(Some("alice"), Some(other)).await,
                    permissive,
                    "{action}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_none_object_entry_denies_its_principals_even_when_permissive() {
    for &action in Action::ALL {
        let (granted, _) = object_names(action);
        let case = Case::new(
            action,
            true,
            vec![entry(action, some(&["mallory"]), none())],
        );
        assert!(
            !case.allows(Some("mallory"), Some(granted)).await,
            "{action}"
        );
        assert!(!case.allows(Some("mallory"), None).await, "{action}");
        assert!(case.allows(Some("alice"), Some(granted)).await, "{action}");
    }
}

#[tokio::test]
async fn any_subject_allows_everyone_including_the_unauthenticated() {
    for &action in Action::ALL {
        let (granted, _) = object_names(action);
        let case = Case::new(action, false, vec![entry(action, any(), any())]);
        assert!(case.allows(Some("alice"), Some(granted)).await, "{action}");
        assert!(case.allows(None, Some(granted)).await, "{action}");
        assert!(case.allows(None, None).await, "{action}");
    }
}

#[tokio::test]
async fn none_subject_denies_everyone() {
    for &action in Action::ALL {
        let (granted, _) = object_names(action);
        let case = Case::new(action, true, vec![entry(action, none(), any())]);
        assert!(!case.allows(Some("alice"), Some(granted)).await, "{action}");
        assert!(!case.allows(None, Some(granted)).await, "{action}");
    }
}

#[tokio::test]
async fn the_first_matching_entry_decides() {
    for &action in Action::ALL {
        let (granted, _) = object_names(action);
        let case = Case::new(
            action,
            true,
            vec![
                entry(action, some(&["alice"]), none()),
                entry(action, some(&["alice"]), any()),
            ],
        );
        assert!(!case.allows(Some("alice"), Some(granted)).await, "{action}");
        let case = Case::new(
            action,
            false,
            vec![
                entry(action, some(&["alice"]), any()),
                entry(action, any(), none()),
            ],
        );
        assert!(case.allows(Some("alice"), Some(granted)).await, "{action}");
        assert!(!case.allows(Some("bob"), Some(granted)).await, "{action}");
    }
}

#[tokio::test]
async fn without_entries_permissive_decides_every_action() {
    for &action in Action::ALL {
        let (granted, _) = object_names(action);
        for permissive in [false, true] {
            let case = Case::new(action, permissive, vec![]);
            assert_eq!(
                case.allows(Some("alice"), Some(granted)).await,
                permissive,
                "{action}"
            );
            assert_eq!(case.allows(None, None).await, permissive, "{action}");
        }
    }
}
