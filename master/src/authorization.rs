//! What principals may do at the master: the questions Mesos 1.11's master
//! asks its authorizer (`src/master/authorization.cpp`), and the answers.
//!
//! Each operation maps to one or more [`Check`]s — an action on an object
//! the check owns, so it can outlive the message or request it came from
//! while the authorizer answers — and [`authorize`] passes an operation
//! when every check passes. Without an authorizer (no `--acls`) everything
//! passes, as in Mesos.
//!
//! | operation | checks |
//! |---|---|
//! | agent (re)registration | `RESERVE_RESOURCES` per role of its static reservations, `REGISTER_AGENT` |
//! | framework (re)registration | `REGISTER_FRAMEWORK` (framework info; its role as value unless MULTI_ROLE) |
//! | task launch | `RUN_TASK` (task and framework info) |
//! | teardown | `TEARDOWN_FRAMEWORK` (framework info, its principal) |
//! | reserve / unreserve | `RESERVE_RESOURCES` per role / `UNRESERVE_RESOURCES` per reserver |
//! | create / destroy volumes | `CREATE_VOLUME` per role / `DESTROY_VOLUME` per creator |
//! | grow / shrink a volume | `RESIZE_VOLUME` (the volume, its role) |

//! | weights | `UPDATE_WEIGHT` per role |
//! | quota | `GET_QUOTA` / `UPDATE_QUOTA_WITH_CONFIG` per role |
//! | maintenance | `UPDATE_MAINTENANCE_SCHEDULE`, `START_MAINTENANCE`, `STOP_MAINTENANCE` per machine |
//! | agents | `MARK_AGENT_GONE`, `DRAIN_AGENT`, `DEACTIVATE_AGENT`, `REACTIVATE_AGENT` |
//! | `/flags`, GET_FLAGS | `VIEW_FLAGS` (through the asker's [`Viewer`]) |
//! | `/metrics/snapshot`, `/logging/toggle` | `GET_ENDPOINT_WITH_PATH` (the path) |
//!
//! The reserve, volume and resize checks ([`Check::offer_operation`]) are
//! the same for an operator's call and a framework's ACCEPT; a framework's
//! are answered by the approvers fetched when it subscribed
//! ([`FrameworkApprovers`]).
//!
//! What the state endpoints and the operator API's queries show is
//! filtered by a [`Viewer`]: the `VIEW_*` approvers of the asking
//! principal, fetched once per request. Frameworks, tasks and executors
//! (`VIEW_FRAMEWORK`, `VIEW_TASK`, `VIEW_EXECUTOR`) are taken out of the
//! read view before rendering (`ReadView::visible_to`); flags and roles out
//! of the rendered JSON (or the operator API's records). An operator
//! `SUBSCRIBE`r's viewer is fetched once, when it subscribes, and judges
//! each event sent to it.

use std::collections::BTreeSet;
use std::sync::Arc;

use authorizer::{Action, Approvers, Authorizer, AuthorizerError, Object, Request, Subject};
use http::StatusCode;
use libprocess::{Context, Reply, Response};
use proto::mesos::{
    ExecutorInfo, FrameworkInfo, MachineId, Resource, SlaveInfo, Task, TaskInfo, WeightInfo,
    framework_info, offer,
};

use crate::master::MasterProcess;

/// One question for the authorizer: may the principal do `action` to the
/// object (`None`: to anything of the kind)?
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub action: Action,
    pub object: Option<Owned>,
}

/// An [`Object`] that owns its parts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Owned {
    pub value: Option<String>,
    pub framework_info: Option<FrameworkInfo>,
    pub task_info: Option<TaskInfo>,
    pub resource: Option<Resource>,
    pub weight_info: Option<WeightInfo>,
    pub machine_id: Option<MachineId>,
}

impl Owned {
    fn view(&self) -> Object<'_> {
        Object {
            value: self.value.as_deref(),
            framework_info: self.framework_info.as_ref(),
            task_info: self.task_info.as_ref(),
            resource: self.resource.as_ref(),
            weight_info: self.weight_info.as_ref(),
            machine_id: self.machine_id.as_ref(),
            ..Object::default()
        }
    }

    fn value(value: impl Into<String>) -> Self {
        Owned {
            value: Some(value.into()),
            ..Owned::default()
        }
    }

    /// A resource with the plain value older authorizers look at.
    fn resource(resource: &Resource, value: impl Into<String>) -> Self {
        Owned {
            resource: Some(resource.clone()),
            value: Some(value.into()),
            ..Owned::default()
        }
    }
}

impl Check {
    fn on(action: Action, object: Owned) -> Check {
        Check {
            action,
            object: Some(object),
        }
    }

    fn on_anything(action: Action) -> Check {
        Check {
            action,
            object: None,
        }
    }

    /// An agent registering or reregistering: its static reservations, as
    /// if it reserved them, and the registration itself.
    pub fn agent_registration(info: &SlaveInfo) -> Vec<Check> {
        // Agents send the pre-refinement format where they can.
        let mut resources = info.resources.clone();
        crate::agents::upgrade(&mut resources);
        let reserved: Vec<Resource> = resources.into_iter().filter(is_reserved).collect();
        let mut checks = Check::reserve(&reserved);
        checks.push(Check::on_anything(Action::RegisterAgent));
        checks
    }

    /// A framework subscribing.
    pub fn framework_registration(info: &FrameworkInfo) -> Check {
        let multi_role = info
            .capabilities
            .iter()
            .any(|capability| capability.r#type() == framework_info::capability::Type::MultiRole);
        Check::on(
            Action::RegisterFramework,
            Owned {
                framework_info: Some(info.clone()),
                // The deprecated value, for authorizers that still read it.
                value: (!multi_role).then(|| info.role().to_owned()),
                ..Owned::default()
            },
        )
    }

    /// A task launched by `framework`.
    pub fn task_launch(task: &TaskInfo, framework: &FrameworkInfo) -> Check {
        Check::on(
            Action::RunTask,
            Owned {
                task_info: Some(task.clone()),
                framework_info: Some(framework.clone()),
                ..Owned::default()
            },
        )
    }

    /// An operator tearing `framework` down.
    pub fn teardown(framework: &FrameworkInfo) -> Check {
        Check::on(
            Action::TeardownFramework,
            Owned {
                framework_info: Some(framework.clone()),
                value: Some(framework.principal().to_owned()),
                ..Owned::default()
            },
        )
    }

    /// Reserving `resources`: one check per distinct reservation role.
    pub fn reserve(resources: &[Resource]) -> Vec<Check> {
        per_distinct(resources, reservation_role, Action::ReserveResources)
    }

    /// Unreserving `resources`: one check per resource whose reservation
    /// names its reserver, and one on anything if any does not.
    pub fn unreserve(resources: &[Resource]) -> Vec<Check> {
        let mut checks = Vec::new();
        let mut anonymous = false;
        for resource in resources {
            match resource
                .reservations
                .last()
                .and_then(|reservation| reservation.principal.as_deref())
            {
                Some(principal) => checks.push(Check::on(
                    Action::UnreserveResources,
                    Owned::resource(resource, principal),
                )),
                None => anonymous = true,
            }
        }
        if anonymous {
            checks.push(Check::on_anything(Action::UnreserveResources));
        }
        checks
    }

    /// Creating `volumes`: one check per distinct role (on anything if none).
    pub fn create_volumes(volumes: &[Resource]) -> Vec<Check> {
        let checks = per_distinct(volumes, reservation_role, Action::CreateVolume);
        or_on_anything(checks, Action::CreateVolume)
    }

    /// Destroying `volumes`: one check per persistent volume, by its
    /// creator (on anything if none is one).
    pub fn destroy_volumes(volumes: &[Resource]) -> Vec<Check> {
        let checks = volumes
            .iter()
            .filter_map(|volume| {
                let persistence = volume.disk.as_ref()?.persistence.as_ref()?;
                Some(Check::on(
                    Action::DestroyVolume,
                    Owned::resource(volume, persistence.principal()),
                ))
            })
            .collect();
        or_on_anything(checks, Action::DestroyVolume)
    }

    /// Growing or shrinking `volume`.
    pub fn resize_volume(volume: &Resource) -> Check {
        Check::on(
            Action::ResizeVolume,
            Owned::resource(volume, reservation_role(volume)),
        )
    }

    /// A speculative offer operation (RESERVE, UNRESERVE, CREATE, DESTROY,
    /// GROW_VOLUME, SHRINK_VOLUME), whoever asks for it: a framework in
    /// ACCEPT or an operator. Other operations have no checks here.
    pub fn offer_operation(operation: &offer::Operation) -> Vec<Check> {
        use offer::operation::Type;
        match operation.r#type() {
            Type::Reserve => operation
                .reserve
                .as_ref()
                .map(Check::reserve_with_source)
                .unwrap_or_default(),
            Type::Unreserve => Check::unreserve(
                operation
                    .unreserve
                    .as_ref()
                    .map(|u| u.resources.as_slice())
                    .unwrap_or_default(),
            ),
            Type::Create => Check::create_volumes(
                operation
                    .create
                    .as_ref()
                    .map(|c| c.volumes.as_slice())
                    .unwrap_or_default(),
            ),
            Type::Destroy => Check::destroy_volumes(
                operation
                    .destroy
                    .as_ref()
                    .map(|d| d.volumes.as_slice())
                    .unwrap_or_default(),
            ),
            Type::GrowVolume => operation
                .grow_volume
                .iter()
                .map(|grow| Check::resize_volume(&grow.volume))
                .collect(),
            Type::ShrinkVolume => operation
                .shrink_volume
                .iter()
                .map(|shrink| Check::resize_volume(&shrink.volume))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// RESERVE's checks. Without `source`, reserving each role; with it
    /// (all of `source`, and all of the resources, carry one reservation
    /// stack, as validated), what it takes to get from one stack to the
    /// other: unreserve down to their common ancestor, then reserve up to
    /// the target, level by level — so moving a reservation needs the right
    /// to undo it.
    fn reserve_with_source(reserve: &offer::operation::Reserve) -> Vec<Check> {
        let (Some(from), Some(to)) = (reserve.source.first(), reserve.resources.first()) else {
            return Check::reserve(&reserve.resources);
        };
        let common = from
            .reservations
            .iter()
            .zip(&to.reservations)
            .take_while(|(left, right)| left == right)
            .count();
        let at = |stack: &[proto::mesos::resource::ReservationInfo]| -> Vec<Resource> {
            reserve
                .source
                .iter()
                .map(|resource| Resource {
                    reservations: stack.to_vec(),
                    ..resource.clone()
                })
                .collect()
        };
        let unreserving = (common + 1..=from.reservations.len())
            .rev()
            .flat_map(|depth| Check::unreserve(&at(&from.reservations[..depth])));
        let reserving = (common + 1..=to.reservations.len())
            .flat_map(|depth| Check::reserve(&at(&to.reservations[..depth])));
        unreserving.chain(reserving).collect()
    }

    /// Setting the weight of a role.
    pub fn update_weight(weight: &WeightInfo) -> Check {
        Check::on(
            Action::UpdateWeight,
            Owned {
                weight_info: Some(weight.clone()),
                value: Some(weight.role().to_owned()),
                ..Owned::default()
            },
        )
    }

    /// Reading the quota of `role`.
    pub fn get_quota(role: &str) -> Check {
        Check::on(Action::GetQuota, Owned::value(role))
    }

    /// Changing the quota of `role` (the `UPDATE_QUOTA` call).
    pub fn update_quota(role: &str) -> Check {
        Check::on(Action::UpdateQuotaWithConfig, Owned::value(role))
    }

    /// A maintenance `action` (`UPDATE_MAINTENANCE_SCHEDULE`,
    /// `START_MAINTENANCE`, `STOP_MAINTENANCE`, ...) on each of `machines`.
    pub fn maintenance(action: Action, machines: &[MachineId]) -> Vec<Check> {
        let checks = machines
            .iter()
            .map(|machine| {
                Check::on(
                    action,
                    Owned {
                        machine_id: Some(machine.clone()),
                        ..Owned::default()
                    },
                )
            })
            .collect();
        or_on_anything(checks, action)
    }

    /// An operator action on an agent without an object:
    /// `MARK_AGENT_GONE`, `DRAIN_AGENT`, `DEACTIVATE_AGENT`,
    /// `REACTIVATE_AGENT`.
    pub fn agent_action(action: Action) -> Check {
        Check::on_anything(action)
    }

    /// Changing the logging level.
    pub fn set_log_level() -> Check {
        Check::on_anything(Action::SetLogLevel)
    }

    /// GET of a libprocess endpoint Mesos guards by path.
    pub fn endpoint(path: &str) -> Check {
        Check::on(Action::GetEndpointWithPath, Owned::value(path))
    }
}

/// What the check asks for, in Mesos's words (refusals quote it after
/// "Not authorized to").
impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(object) = &self.object else {
            return write!(f, "perform action {} on ANY object", self.action);
        };
        match (self.action, &object.framework_info, &object.task_info) {
            (Action::RegisterFramework, Some(framework), _) => {
                let roles: BTreeSet<&str> = if framework.roles.is_empty() {
                    BTreeSet::from([framework.role()])
                } else {
                    framework.roles.iter().map(String::as_str).collect()
                };
                let roles: Vec<&str> = roles.into_iter().collect();
                write!(
                    f,
                    "register framework {} with roles {{ {} }}",
                    framework.id.as_ref().map_or("", |id| id.value.as_str()),
                    roles.join(", ")
                )
            }
            (Action::RunTask, Some(framework), Some(task)) => {
                let user = task
                    .command
                    .as_ref()
                    .and_then(|command| command.user.as_deref())
                    .or_else(|| {
                        task.executor
                            .as_ref()
                            .and_then(|executor| executor.command.as_ref()?.user.as_deref())
                    })
                    .unwrap_or(&framework.user);
                write!(
                    f,
                    "launch task {} of framework {} under user '{user}'",
                    task.task_id.value,
                    framework.id.as_ref().map_or("", |id| id.value.as_str()),
                )
            }
            _ => write!(
                f,
                "perform action {} on object {}",
                self.action,
                object.value.as_deref().unwrap_or("(no value)")
            ),
        }
    }
}

/// The endpoints Mesos guards with `GET_ENDPOINT_WITH_PATH` that this
/// master serves.
pub const AUTHORIZABLE_ENDPOINTS: &[&str] = &["/logging/toggle", "/metrics/snapshot"];

fn is_reserved(resource: &Resource) -> bool {
    !resource.reservations.is_empty()
}

/// The role of the most refined reservation, or `*`.
fn reservation_role(resource: &Resource) -> &str {
    resource
        .reservations
        .last()
        .and_then(|reservation| reservation.role.as_deref())
        .unwrap_or("*")
}

fn per_distinct(
    resources: &[Resource],
    key: impl Fn(&Resource) -> &str,
    action: Action,
) -> Vec<Check> {
    let mut seen = BTreeSet::new();
    resources
        .iter()
        .filter(|resource| seen.insert(key(resource).to_owned()))
        .map(|resource| Check::on(action, Owned::resource(resource, key(resource))))
        .collect()
}

fn or_on_anything(checks: Vec<Check>, action: Action) -> Vec<Check> {
    if checks.is_empty() {
        vec![Check::on_anything(action)]
    } else {
        checks
    }
}

/// Whether `principal` (`None`: unauthenticated) passes every check. An
/// authorizer's error is an error, which callers report rather than treat
/// as either answer.
pub async fn authorize(
    authorizer: Option<Arc<dyn Authorizer>>,
    principal: Option<String>,
    checks: Vec<Check>,
) -> Result<bool, AuthorizerError> {
    let Some(authorizer) = authorizer else {
        return Ok(true);
    };
    let subject = principal.map(Subject::principal);
    for check in &checks {
        let request = Request {
            subject: subject.clone(),
            action: check.action,
            object: check.object.as_ref().map(Owned::view),
        };
        if !authorizer.authorized(&request).await? {
            tracing::info!(principal = ?subject.as_ref().and_then(|s| s.value.as_deref()), action = %check.action, object = ?check.object, "not authorized");
            return Ok(false);
        }
    }
    Ok(true)
}

impl MasterProcess {
    /// Runs `then` on the master with whether `principal` passes `checks`:
    /// at once without an authorizer, else once the authorizer answers.
    pub(crate) fn after_authorization(
        &mut self,
        ctx: &mut Context<MasterProcess>,
        principal: Option<String>,
        checks: Vec<Check>,
        then: impl FnOnce(
            &mut MasterProcess,
            &mut Context<MasterProcess>,
            Result<bool, AuthorizerError>,
        ) + Send
        + 'static,
    ) {
        let Some(authorizer) = self.authorizer.clone() else {
            return then(self, ctx, Ok(true));
        };
        let master = ctx.handle();
        tokio::spawn(async move {
            let authorized = authorize(Some(authorizer), principal, checks).await;
            master.dispatch(move |master: &mut MasterProcess, ctx| then(master, ctx, authorized));
        });
    }
}

/// The approvers a framework's operations are judged by, fetched for its
/// principal when it subscribes (Mesos's `Framework::objectApprovers`), so
/// that launches and offer operations are authorized without waiting.
/// [`Default`] approves everything, as without an authorizer.
#[derive(Debug, Clone, Default)]
pub struct FrameworkApprovers {
    approvers: Approvers,
}

impl FrameworkApprovers {
    const ACTIONS: &'static [Action] = &[
        Action::RegisterFramework,
        Action::RunTask,
        Action::ReserveResources,
        Action::UnreserveResources,
        Action::CreateVolume,
        Action::DestroyVolume,
        Action::ResizeVolume,
        Action::CreateMountDisk,
        Action::CreateBlockDisk,
        Action::DestroyMountDisk,
        Action::DestroyBlockDisk,
        Action::DestroyRawDisk,
    ];

    /// The approvers of the framework `principal` names (`None`: anyone).
    pub async fn fetch(
        authorizer: Option<Arc<dyn Authorizer>>,
        principal: Option<String>,
    ) -> Result<FrameworkApprovers, AuthorizerError> {
        let subject = principal.map(Subject::principal);
        let approvers =
            Approvers::fetch(authorizer.as_deref(), subject.as_ref(), Self::ACTIONS).await?;
        Ok(FrameworkApprovers { approvers })
    }

    /// Whether `check` passes (a check of another action is denied).
    pub fn approved(&self, check: &Check) -> bool {
        let object = check.object.as_ref().map(Owned::view).unwrap_or_default();
        self.approvers.approved(check.action, &object)
    }
}

impl MasterProcess {
    /// An HTTP change made by `principal`: `apply` runs on the master if
    /// the principal passes `checks` (at once without an authorizer),
    /// else the answer is `403`, as Mesos's operator endpoints answer.
    pub(crate) fn authorized_change(
        &mut self,
        ctx: &mut Context<MasterProcess>,
        principal: Option<String>,
        checks: Vec<Check>,
        apply: impl FnOnce(&mut MasterProcess, &mut Context<MasterProcess>) -> Response + Send + 'static,
    ) -> Reply {
        if self.authorizer.is_none() {
            return apply(self, ctx).into();
        }
        let authorized = authorize(self.authorizer.clone(), principal, checks);
        let master = ctx.handle();
        Reply::later(async move {
            match authorized.await {
                Ok(true) => master.call(apply).await.unwrap_or_else(|error| {
                    Response::text(StatusCode::SERVICE_UNAVAILABLE, error.to_string())
                }),
                Ok(false) => Response::forbidden(""),
                Err(error) => Response::text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Authorization failed: {error}"),
                ),
            }
        })
    }
}

/// What one principal may see in the state endpoints: Mesos's
/// `ObjectApprovers` for the `VIEW_*` actions.
#[derive(Debug, Clone)]
pub struct Viewer {
    approvers: Approvers,
    /// No authorizer: nothing to hide, and nothing to ask.
    unrestricted: bool,
}

impl Viewer {
    const ACTIONS: &'static [Action] = &[
        Action::ViewFramework,
        Action::ViewTask,
        Action::ViewExecutor,
        Action::ViewRole,
        Action::ViewFlags,
    ];

    /// The approvers of `principal` (`None`: unauthenticated).
    pub async fn fetch(
        authorizer: Option<Arc<dyn Authorizer>>,
        principal: Option<String>,
    ) -> Result<Viewer, AuthorizerError> {
        let unrestricted = authorizer.is_none();
        let subject = principal.map(Subject::principal);
        let approvers =
            Approvers::fetch(authorizer.as_deref(), subject.as_ref(), Self::ACTIONS).await?;
        Ok(Viewer {
            approvers,
            unrestricted,
        })
    }

    /// The viewer without an authorizer, known without asking one.
    pub fn everything() -> Viewer {
        Viewer {
            approvers: Approvers::default(),
            unrestricted: true,
        }
    }

    /// Whether every object is visible: without `--acls`.
    pub fn sees_everything(&self) -> bool {
        self.unrestricted
    }

    /// The flags, and what `/state` shows of them (`cluster`, `log_dir`,
    /// `external_log_file`, `flags`).
    pub fn flags(&self) -> bool {
        self.approvers
            .approved(Action::ViewFlags, &Object::default())
    }

    /// Anything about `role`.
    pub fn role(&self, role: &str) -> bool {
        self.approvers
            .approved(Action::ViewRole, &Object::value(role))
    }

    /// `resource`: visible when every role it is reserved to is (its
    /// pre-refinement `role` too, as recovered agents report it), so
    /// unreserved resources always are.
    #[allow(deprecated)] // The pre-refinement `role` is read on purpose.
    pub fn resource(&self, resource: &Resource) -> bool {
        let legacy_role = resource.role.as_deref().filter(|role| *role != "*");
        legacy_role
            .into_iter()
            .chain(
                resource
                    .reservations
                    .iter()
                    .filter_map(|reservation| reservation.role.as_deref()),
            )
            .all(|role| self.role(role))
    }

    /// A framework.
    pub fn framework(&self, framework: &FrameworkInfo) -> bool {
        self.approvers
            .approved(Action::ViewFramework, &Object::framework(framework))
    }

    /// A task of `framework`.
    pub fn task(&self, task: &Task, framework: &FrameworkInfo) -> bool {
        let object = Object {
            task: Some(task),
            framework_info: Some(framework),
            ..Object::default()
        };
        self.approvers.approved(Action::ViewTask, &object)
    }

    /// An executor of `framework`.
    pub fn executor(&self, executor: &ExecutorInfo, framework: &FrameworkInfo) -> bool {
        let object = Object {
            executor_info: Some(executor),
            framework_info: Some(framework),
            ..Object::default()
        };
        self.approvers.approved(Action::ViewExecutor, &object)
    }
}
