//! Who asks ([`Subject`]), to do what to which thing ([`Object`]).

use proto::mesos::quota::QuotaInfo;
use proto::mesos::{
    CommandInfo, ContainerId, ExecutorInfo, FrameworkInfo, MachineId, Resource, Task, TaskInfo,
    WeightInfo,
};

use crate::Action;

/// Who asks: an authenticated principal, or (for the default executor and
/// local resource providers) only the claims of its token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// The principal's name.
    pub value: Option<String>,
    /// Claims of the principal, `(key, value)` (`cid`, `cid_prefix`, ...).
    pub claims: Vec<(String, String)>,
}

impl Subject {
    /// The subject for an authenticated principal.
    pub fn principal(value: impl Into<String>) -> Self {
        Subject {
            value: Some(value.into()),
            claims: Vec::new(),
        }
    }

    /// The subject for `principal`, or "anyone" (`None`) when the request
    /// was not authenticated, as Mesos's `createSubject` does.
    pub fn from_principal(principal: Option<&str>) -> Option<Self> {
        principal.map(Subject::principal)
    }

    /// The value of the last claim called `key`.
    pub fn claim(&self, key: &str) -> Option<&str> {
        self.claims
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

/// What the action is done to: a view of the master's own records, so
/// filtering state borrows rather than copies. Which fields an action looks
/// at is documented on each [`Action`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Object<'a> {
    /// A plain value: a role, a path, a principal.
    pub value: Option<&'a str>,
    pub framework_info: Option<&'a FrameworkInfo>,
    pub task: Option<&'a Task>,
    pub task_info: Option<&'a TaskInfo>,
    pub executor_info: Option<&'a ExecutorInfo>,
    pub quota_info: Option<&'a QuotaInfo>,
    pub weight_info: Option<&'a WeightInfo>,
    pub resource: Option<&'a Resource>,
    pub command_info: Option<&'a CommandInfo>,
    pub container_id: Option<&'a ContainerId>,
    pub machine_id: Option<&'a MachineId>,
}

impl<'a> Object<'a> {
    /// An object given by a plain value.
    pub fn value(value: &'a str) -> Self {
        Object {
            value: Some(value),
            ..Object::default()
        }
    }

    /// An object given by a framework.
    pub fn framework(framework_info: &'a FrameworkInfo) -> Self {
        Object {
            framework_info: Some(framework_info),
            ..Object::default()
        }
    }

    /// An object given by a resource.
    pub fn resource(resource: &'a Resource) -> Self {
        Object {
            resource: Some(resource),
            ..Object::default()
        }
    }
}

/// One authorization question: may `subject` do `action` to `object`?
/// `None` subject means "anyone" (unauthenticated), `None` object means
/// "anything".
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub subject: Option<Subject>,
    pub action: Action,
    pub object: Option<Object<'a>>,
}
