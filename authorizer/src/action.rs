//! The actions the master (and agents) ask about.

use std::fmt;

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident = $number:literal => $name:literal,)*) => {
        /// An action a subject asks to perform: Mesos's
        /// `mesos.authorization.Action`, with its names and numbers (the
        /// deprecated `*_WITH_*` aliases share their action's number).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        impl Action {
            /// Every action, in Mesos's declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// Mesos's name, e.g. `REGISTER_FRAMEWORK`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// Mesos's enum number.
            pub fn number(self) -> i32 {
                match self {
                    $(Action::$variant => $number,)*
                }
            }

            /// The action with Mesos's enum number `number`; `None` for
            /// `UNKNOWN` (0) and numbers Mesos 1.11 does not define.
            pub fn from_number(number: i32) -> Option<Action> {
                match number {
                    $($number => Some(Action::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    /// Object: `framework_info` (its roles), or `value` = a role.
    RegisterFramework = 1 => "REGISTER_FRAMEWORK",
    /// Object: `task_info` and `framework_info` (the OS user).
    RunTask = 2 => "RUN_TASK",
    /// Object: `framework_info` (its principal), or `value`.
    TeardownFramework = 3 => "TEARDOWN_FRAMEWORK",
    /// Object: `resource` (its role), or `value` = a role.
    ReserveResources = 4 => "RESERVE_RESOURCES",
    /// Object: `resource` (its reserver's principal), or `value`.
    UnreserveResources = 5 => "UNRESERVE_RESOURCES",
    /// Object: `resource` (its role), or `value` = a role.
    CreateVolume = 6 => "CREATE_VOLUME",
    /// Object: `resource` (its creator's principal), or `value`.
    DestroyVolume = 7 => "DESTROY_VOLUME",
    /// Object: `value` = the endpoint path.
    GetEndpointWithPath = 8 => "GET_ENDPOINT_WITH_PATH",
    /// Object: `value` = the role.
    ViewRole = 9 => "VIEW_ROLE",
    /// Object: `weight_info`, or `value` = the role.
    UpdateWeight = 10 => "UPDATE_WEIGHT",
    /// Object: `value` = the role.
    GetQuota = 11 => "GET_QUOTA",
    /// Object: `quota_info` (deprecated SET_QUOTA / REMOVE_QUOTA calls).
    UpdateQuota = 12 => "UPDATE_QUOTA",
    /// Object: `value` = the role.
    UpdateQuotaWithConfig = 50 => "UPDATE_QUOTA_WITH_CONFIG",
    /// Object: `framework_info` (its user).
    ViewFramework = 13 => "VIEW_FRAMEWORK",
    /// Object: `task` or `task_info`, and `framework_info`.
    ViewTask = 14 => "VIEW_TASK",
    /// Object: `executor_info` and `framework_info`.
    ViewExecutor = 15 => "VIEW_EXECUTOR",
    /// Object: `executor_info` and `framework_info`, possibly neither.
    AccessSandbox = 16 => "ACCESS_SANDBOX",
    /// No object.
    AccessMesosLog = 17 => "ACCESS_MESOS_LOG",
    /// No object.
    ViewFlags = 18 => "VIEW_FLAGS",
    /// Object: `executor_info`, `framework_info`, `container_id`, maybe `command_info`.
    LaunchNestedContainer = 19 => "LAUNCH_NESTED_CONTAINER",
    /// Object: `executor_info`, `framework_info`, `container_id`.
    KillNestedContainer = 20 => "KILL_NESTED_CONTAINER",
    /// Object: `executor_info`, `framework_info`, `container_id`.
    WaitNestedContainer = 21 => "WAIT_NESTED_CONTAINER",
    /// Object: `executor_info`, `framework_info`, `container_id`, maybe `command_info`.
    LaunchNestedContainerSession = 22 => "LAUNCH_NESTED_CONTAINER_SESSION",
    /// Object: `executor_info` and `framework_info`.
    AttachContainerInput = 23 => "ATTACH_CONTAINER_INPUT",
    /// Object: `executor_info` and `framework_info`.
    AttachContainerOutput = 24 => "ATTACH_CONTAINER_OUTPUT",
    /// Object: `executor_info` and `framework_info`.
    ViewContainer = 25 => "VIEW_CONTAINER",
    /// No object.
    SetLogLevel = 26 => "SET_LOG_LEVEL",
    /// Object: `executor_info`, `framework_info`, `container_id`.
    RemoveNestedContainer = 27 => "REMOVE_NESTED_CONTAINER",
    /// No object.
    RegisterAgent = 28 => "REGISTER_AGENT",
    /// Object: `machine_id`.
    UpdateMaintenanceSchedule = 29 => "UPDATE_MAINTENANCE_SCHEDULE",
    /// Object: `machine_id`.
    GetMaintenanceSchedule = 30 => "GET_MAINTENANCE_SCHEDULE",
    /// Object: `machine_id`.
    StartMaintenance = 31 => "START_MAINTENANCE",
    /// Object: `machine_id`.
    StopMaintenance = 32 => "STOP_MAINTENANCE",
    /// Object: `machine_id`.
    GetMaintenanceStatus = 33 => "GET_MAINTENANCE_STATUS",
    /// No object.
    DrainAgent = 51 => "DRAIN_AGENT",
    /// No object.
    DeactivateAgent = 52 => "DEACTIVATE_AGENT",
    /// No object.
    ReactivateAgent = 53 => "REACTIVATE_AGENT",
    /// No object.
    MarkAgentGone = 34 => "MARK_AGENT_GONE",
    /// No object.
    LaunchStandaloneContainer = 35 => "LAUNCH_STANDALONE_CONTAINER",
    /// No object.
    KillStandaloneContainer = 36 => "KILL_STANDALONE_CONTAINER",
    /// No object.
    WaitStandaloneContainer = 37 => "WAIT_STANDALONE_CONTAINER",
    /// No object.
    RemoveStandaloneContainer = 38 => "REMOVE_STANDALONE_CONTAINER",
    /// No object.
    ViewStandaloneContainer = 40 => "VIEW_STANDALONE_CONTAINER",
    /// No object.
    ModifyResourceProviderConfig = 39 => "MODIFY_RESOURCE_PROVIDER_CONFIG",
    /// No object.
    MarkResourceProviderGone = 48 => "MARK_RESOURCE_PROVIDER_GONE",
    /// No object.
    ViewResourceProvider = 47 => "VIEW_RESOURCE_PROVIDER",
    /// No object.
    PruneImages = 41 => "PRUNE_IMAGES",
    /// Object: `resource` (its role), or `value` = a role.
    ResizeVolume = 42 => "RESIZE_VOLUME",
    /// Object: `resource` (its role), or `value` = a role.
    CreateBlockDisk = 43 => "CREATE_BLOCK_DISK",
    /// Object: `resource` (its role), or `value` = a role.
    DestroyBlockDisk = 44 => "DESTROY_BLOCK_DISK",
    /// Object: `resource` (its role), or `value` = a role.
    CreateMountDisk = 45 => "CREATE_MOUNT_DISK",
    /// Object: `resource` (its role), or `value` = a role.
    DestroyMountDisk = 46 => "DESTROY_MOUNT_DISK",
    /// Object: `resource` (its role), or `value` = a role.
    DestroyRawDisk = 49 => "DESTROY_RAW_DISK",
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
