//! The local authorizer: Mesos's ACLs (`--acls`), decided in memory.
//!
//! For each action, `--acls` holds a list of entries `{principals, <object>}`
//! (see [`entity`] for how one entry applies). The first entry that applies
//! to the request decides; when none does, `permissive` (default `true`)
//! does.
//!
//! Role-scoped actions (register a framework, reserve, create volumes and
//! disks, quota, weights, view roles) also understand *recursive* roles: an
//! entry for `eng/%` applies to every role below `eng` (`eng/web`,
//! `eng/web/prod`), though not to `eng` itself. A framework registering
//! with several roles needs every one of them allowed.
//!
//! The default executor and local resource providers authenticate with
//! tokens that carry claims but no principal; for their container actions,
//! the claims alone decide (`cid`: the container tree they may touch;
//! `cid_prefix`: the standalone containers they own). Any other subject
//! without a principal is denied everything.

mod acls;
mod entity;

pub use acls::AUTHORIZABLE_ENDPOINTS;

use std::sync::Arc;

use async_trait::async_trait;
use proto::mesos::framework_info::capability::Type as Capability;
use proto::mesos::{AcLs, CommandInfo, ContainerId, Resource};

use crate::{Action, Authorizer, AuthorizerError, Object, ObjectApprover, Subject};
use entity::{Acl, Ask, Entity, decide};

/// Mesos's `local` authorizer over `--acls`. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct LocalAuthorizer {
    acls: Arc<AcLs>,
}

impl LocalAuthorizer {
    /// An authorizer for `acls`, refused if they break Mesos's rules (see
    /// [`AUTHORIZABLE_ENDPOINTS`]).
    pub fn new(acls: AcLs) -> Result<Self, AuthorizerError> {
        acls::validate(&acls)?;
        Ok(LocalAuthorizer {
            acls: Arc::new(acls),
        })
    }

    /// An authorizer for the JSON of `--acls` (already read from its file
    /// when given as `file://`).
    pub fn from_json(acls: &serde_json::Value) -> Result<Self, AuthorizerError> {
        LocalAuthorizer::new(proto::json::from_value::<AcLs>(acls)?)
    }

    fn permissive(&self) -> bool {
        self.acls.permissive()
    }

    /// The approver for `subject` and `action`, built synchronously: the
    /// ACLs never change after startup.
    pub fn approver_now(
        &self,
        subject: Option<&Subject>,
        action: Action,
    ) -> Arc<dyn ObjectApprover> {
        if let Some(subject) = subject
            && subject.value.is_none()
        {
            return implicit_approver(subject, action);
        }
        let principal = subject.and_then(|subject| subject.value.clone());
        let permissive = self.permissive();
        if is_role_scoped(action) {
            return Arc::new(RoleApprover {
                acls: acls::split_recursive_roles(acls::acls_for(&self.acls, action)),
                principal,
                action,
                permissive,
            });
        }
        let own = GenericApprover {
            acls: acls::acls_for(&self.acls, action),
            principal: principal.clone(),
            action,
            permissive,
        };
        if matches!(
            action,
            Action::LaunchNestedContainer | Action::LaunchNestedContainerSession
        ) {
            return Arc::new(NestedContainerApprover {
                parent: GenericApprover {
                    acls: acls::parent_acls(&self.acls, action),
                    principal,
                    action,
                    permissive,
                },
                command: own,
            });
        }
        Arc::new(own)
    }
}

#[async_trait]
impl Authorizer for LocalAuthorizer {
    async fn approver(
        &self,
        subject: Option<&Subject>,
        action: Action,
    ) -> Result<Arc<dyn ObjectApprover>, AuthorizerError> {
        Ok(self.approver_now(subject, action))
    }
}

fn is_role_scoped(action: Action) -> bool {
    use Action::*;
    matches!(
        action,
        RegisterFramework
            | ReserveResources
            | CreateVolume
            | ResizeVolume
            | UpdateWeight
            | ViewRole
            | GetQuota
            | UpdateQuota
            | UpdateQuotaWithConfig
            | CreateBlockDisk
            | DestroyBlockDisk
            | CreateMountDisk
            | DestroyMountDisk
            | DestroyRawDisk
    )
}

/// Approvers for subjects with claims but no principal.
fn implicit_approver(subject: &Subject, action: Action) -> Arc<dyn ObjectApprover> {
    use Action::*;
    let claim = match action {
        LaunchNestedContainer
        | LaunchNestedContainerSession
        | WaitNestedContainer
        | KillNestedContainer
        | RemoveNestedContainer
        | AttachContainerOutput => subject
            .claim("cid")
            .map(|cid| ContainerClaim::Tree(cid.to_owned())),
        LaunchStandaloneContainer
        | WaitStandaloneContainer
        | KillStandaloneContainer
        | RemoveStandaloneContainer
        | ViewStandaloneContainer => subject
            .claim("cid_prefix")
            .map(|prefix| ContainerClaim::Prefix(prefix.to_owned())),
        _ => None,
    };
    match claim {
        Some(claim) => Arc::new(claim),
        None => Arc::new(Rejecting),
    }
}

/// Denies everything.
#[derive(Debug)]
struct Rejecting;

impl ObjectApprover for Rejecting {
    fn approved(&self, _: Option<&Object<'_>>) -> Result<bool, AuthorizerError> {
        Ok(false)
    }
}

/// What an executor's or resource provider's token lets it touch.
#[derive(Debug)]
enum ContainerClaim {
    /// Containers whose root container is this one (the default executor's).
    Tree(String),
    /// Containers whose id starts with this (a resource provider's).
    Prefix(String),
}

impl ObjectApprover for ContainerClaim {
    fn approved(&self, object: Option<&Object<'_>>) -> Result<bool, AuthorizerError> {
        let Some(container) = object.and_then(|object| object.container_id) else {
            return Ok(false);
        };
        Ok(match self {
            ContainerClaim::Tree(cid) => root_of(container).value == *cid,
            ContainerClaim::Prefix(prefix) => container.value.starts_with(prefix.as_str()),
        })
    }
}

fn root_of(mut container: &ContainerId) -> &ContainerId {
    while let Some(parent) = &container.parent {
        container = parent;
    }
    container
}

/// Decides one action over its own ACL list, the object reduced to one
/// entity.
#[derive(Debug)]
struct GenericApprover {
    acls: Vec<Acl>,
    /// `None`: anyone (an unauthenticated request).
    principal: Option<String>,
    action: Action,
    permissive: bool,
}

impl ObjectApprover for GenericApprover {
    fn approved(&self, object: Option<&Object<'_>>) -> Result<bool, AuthorizerError> {
        let object = match object {
            None => Ask::Any,
            Some(object) => object_entity(self.action, object)?,
        };
        let subject = Ask::from(self.principal.as_deref());
        Ok(decide(&self.acls, subject, object, self.permissive))
    }
}

fn user_of(command: Option<&CommandInfo>) -> Option<&str> {
    command.and_then(|command| command.user.as_deref())
}

fn missing(action: Action, needs: &'static str) -> AuthorizerError {
    AuthorizerError::MissingObject { action, needs }
}

/// The entity an object stands for under `action`, for non-role actions.
fn object_entity<'o>(action: Action, object: &Object<'o>) -> Result<Ask<'o>, AuthorizerError> {
    use Action::*;
    let executor_user = object
        .executor_info
        .and_then(|executor| user_of(executor.command.as_ref()));
    let framework_user = object
        .framework_info
        .map(|framework| framework.user.as_str());
    let task_info_user = object.task_info.and_then(|task| {
        user_of(task.command.as_ref()).or_else(|| {
            task.executor
                .as_ref()
                .and_then(|e| user_of(e.command.as_ref()))
        })
    });
    let one_or_any = Ask::from;
    Ok(match action {
        GetEndpointWithPath => Ask::One(object.value.ok_or(missing(action, "value"))?),
        TeardownFramework => one_or_any(
            object
                .framework_info
                .map(|framework| framework.principal())
                .or(object.value),
        ),
        DestroyVolume => one_or_any(
            object
                .resource
                .map(|resource| {
                    resource
                        .disk
                        .as_ref()
                        .and_then(|disk| disk.persistence.as_ref())
                        .map_or("", |persistence| persistence.principal())
                })
                .or(object.value),
        ),
        UnreserveResources => one_or_any(
            object
                .resource
                .map(|resource| match resource.reservations.last() {
                    Some(reservation) => reservation.principal(),
                    None => resource
                        .reservation
                        .as_ref()
                        .map_or("", |reservation| reservation.principal()),
                })
                .or(object.value),
        ),
        RunTask => one_or_any(task_info_user.or(framework_user)),
        AttachContainerInput
        | AttachContainerOutput
        | RemoveNestedContainer
        | KillNestedContainer
        | WaitNestedContainer => one_or_any(
            executor_user.or(framework_user).or(object
                .container_id
                .map(|container| container.value.as_str())),
        ),
        AccessSandbox | ViewContainer => one_or_any(executor_user.or(framework_user)),
        ViewFramework => Ask::One(framework_user.ok_or(missing(action, "framework_info"))?),
        ViewTask => {
            let framework_user = framework_user.ok_or(missing(action, "framework_info"))?;
            if object.task.is_none() && object.task_info.is_none() {
                return Err(missing(action, "task or task_info"));
            }
            let task_user = object.task.and_then(|task| task.user.as_deref());
            Ask::One(task_user.or(task_info_user).unwrap_or(framework_user))
        }
        ViewExecutor => {
            let framework_user = framework_user.ok_or(missing(action, "framework_info"))?;
            if object.executor_info.is_none() {
                return Err(missing(action, "executor_info"));
            }
            Ask::One(executor_user.unwrap_or(framework_user))
        }
        LaunchNestedContainer | LaunchNestedContainerSession => match object.command_info {
            Some(command) => one_or_any(command.user.as_deref()),
            None => one_or_any(executor_user.or(framework_user)),
        },
        // Decided on the subject alone.
        AccessMesosLog
        | ViewFlags
        | LaunchStandaloneContainer
        | KillStandaloneContainer
        | WaitStandaloneContainer
        | RemoveStandaloneContainer
        | ViewStandaloneContainer
        | GetMaintenanceSchedule
        | GetMaintenanceStatus
        | MarkAgentGone
        | RegisterAgent
        | SetLogLevel
        | StartMaintenance
        | StopMaintenance
        | UpdateMaintenanceSchedule
        | DrainAgent
        | DeactivateAgent
        | ReactivateAgent
        | ModifyResourceProviderConfig
        | MarkResourceProviderGone
        | ViewResourceProvider
        | PruneImages => Ask::Any,
        RegisterFramework
        | ReserveResources
        | CreateVolume
        | ResizeVolume
        | UpdateWeight
        | ViewRole
        | GetQuota
        | UpdateQuota
        | UpdateQuotaWithConfig
        | CreateBlockDisk
        | DestroyBlockDisk
        | CreateMountDisk
        | DestroyMountDisk
        | DestroyRawDisk => {
            unreachable!("{action} is role-scoped and has its own approver")
        }
    })
}

/// Launching a nested container needs the principal allowed to launch
/// under the executor's user and, when a command is given, to run it as
/// its user.
#[derive(Debug)]
struct NestedContainerApprover {
    parent: GenericApprover,
    command: GenericApprover,
}

impl ObjectApprover for NestedContainerApprover {
    fn approved(&self, object: Option<&Object<'_>>) -> Result<bool, AuthorizerError> {
        let Some(command_info) = object.and_then(|object| object.command_info) else {
            return self.parent.approved(object);
        };
        let object = object.expect("a command was found in it");
        let parent = Object {
            executor_info: object.executor_info,
            framework_info: object.framework_info,
            ..Object::default()
        };
        let command = Object {
            command_info: Some(command_info),
            ..Object::default()
        };
        Ok(self.parent.approved(Some(&parent))? && self.command.approved(Some(&command))?)
    }
}

/// Role-scoped actions, with recursive roles.
#[derive(Debug)]
struct RoleApprover {
    acls: Vec<Acl>,
    principal: Option<String>,
    action: Action,
    permissive: bool,
}

impl RoleApprover {
    fn decide(&self, role: Ask<'_>) -> bool {
        let subject = Ask::from(self.principal.as_deref());
        for acl in &self.acls {
            match recursive_parent(acl) {
                None => {
                    if subject.matches(&acl.subjects) && role.matches(&acl.objects) {
                        return subject.allowed_by(&acl.subjects) && role.allowed_by(&acl.objects);
                    }
                }
                Some(prefix) => {
                    // A role below the entry's applies as if the entry
                    // named it; the subject still has to match.
                    let below = matches!(role, Ask::One(role) if role.starts_with(prefix));
                    if below && subject.matches(&acl.subjects) {
                        return subject.allowed_by(&acl.subjects);
                    }
                }
            }
        }
        self.permissive
    }
}

/// `a/` for an entry naming exactly the recursive role `a/%`.
fn recursive_parent(acl: &Acl) -> Option<&str> {
    match &acl.objects {
        Entity::Some(roles) if roles.len() == 1 => roles[0]
            .strip_suffix('%')
            .filter(|prefix| prefix.ends_with('/')),
        _ => None,
    }
}

fn resource_role(resource: &Resource) -> &str {
    match resource.reservations.last() {
        Some(reservation) => reservation.role(),
        None => resource.role(),
    }
}

impl ObjectApprover for RoleApprover {
    fn approved(&self, object: Option<&Object<'_>>) -> Result<bool, AuthorizerError> {
        use Action::*;
        let Some(object) = object else {
            return Ok(self.decide(Ask::Any));
        };
        let one_or_any = Ask::from;
        let role = match self.action {
            RegisterFramework => {
                let roles: Vec<&str> = match (object.framework_info, object.value) {
                    (Some(framework), _) => {
                        let multi_role = framework
                            .capabilities
                            .iter()
                            .any(|capability| capability.r#type() == Capability::MultiRole);
                        if multi_role {
                            framework.roles.iter().map(String::as_str).collect()
                        } else {
                            vec![framework.role()]
                        }
                    }
                    (None, Some(value)) => vec![value],
                    (None, None) => return Ok(self.decide(Ask::Any)),
                };
                if roles.is_empty() {
                    return Ok(self.permissive);
                }
                return Ok(roles.into_iter().all(|role| self.decide(Ask::One(role))));
            }
            ReserveResources | CreateVolume | ResizeVolume | CreateBlockDisk | DestroyBlockDisk
            | CreateMountDisk | DestroyMountDisk | DestroyRawDisk => {
                one_or_any(object.resource.map(resource_role).or(object.value))
            }
            UpdateWeight => one_or_any(
                object
                    .weight_info
                    .map(|weight| weight.role())
                    .or(object.value),
            ),
            GetQuota => one_or_any(object.value),
            ViewRole | UpdateQuotaWithConfig => {
                Ask::One(object.value.ok_or(missing(self.action, "value"))?)
            }
            UpdateQuota => Ask::One(
                object
                    .quota_info
                    .ok_or(missing(self.action, "quota_info"))?
                    .role(),
            ),
            other => unreachable!("{other} is not role-scoped"),
        };
        Ok(self.decide(role))
    }
}
