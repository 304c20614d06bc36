//! Authorization: may this principal do that?
//!
//! The master asks before it lets a framework register, launch, reserve,
//! tear down, change quota or weights, and before an operator reads or
//! changes state through an endpoint; it also filters what it shows
//! (`/state`, `/tasks`, ...) down to what the asker may view. Both go
//! through the [`Authorizer`] trait, Mesos's authorizer module interface:
//!
//! - [`Authorizer::authorized`] answers one [`Request`]: may `subject` do
//!   `action` to `object`?
//! - [`Authorizer::approver`] hands out an [`ObjectApprover`] for one
//!   subject and action, which then judges many objects without another
//!   round trip: how state endpoints filter frameworks, tasks and roles.
//!   [`Approvers`] fetches several at once for one request.
//!
//! [`LocalAuthorizer`] is Mesos's `--authorizers=local`, driven by
//! `--acls`; see the [`local`] module for its rules. A master without an
//! authorizer (no `--acls`) permits everything, as Mesos does.
//!
//! ```
//! use authorizer::{Action, Authorizer, LocalAuthorizer, Object, Request, Subject};
//!
//! # async fn demo() -> Result<(), authorizer::AuthorizerError> {
//! let acls = serde_json::json!({
//!     "permissive": false,
//!     "register_frameworks": [
//!         {"principals": {"values": ["ops"]}, "roles": {"values": ["prod"]}}
//!     ]
//! });
//! let authorizer = LocalAuthorizer::from_json(&acls)?;
//! let request = Request {
//!     subject: Some(Subject::principal("ops")),
//!     action: Action::RegisterFramework,
//!     object: Some(Object::value("prod")),
//! };
//! assert!(authorizer.authorized(&request).await?);
//! # Ok(())
//! # }
//! ```

mod action;
mod error;
pub mod local;
mod request;

pub use action::Action;
pub use error::AuthorizerError;
pub use local::LocalAuthorizer;
pub use request::{Object, Request, Subject};

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

/// Decides what subjects may do.
#[async_trait]
pub trait Authorizer: Send + Sync + fmt::Debug {
    /// An approver judging objects of `action` for `subject` (`None`:
    /// anyone, i.e. an unauthenticated request).
    async fn approver(
        &self,
        subject: Option<&Subject>,
        action: Action,
    ) -> Result<Arc<dyn ObjectApprover>, AuthorizerError>;

    /// Whether `request` is allowed. By default, asks the approver for the
    /// request's subject and action about its object.
    async fn authorized(&self, request: &Request<'_>) -> Result<bool, AuthorizerError> {
        let approver = self
            .approver(request.subject.as_ref(), request.action)
            .await?;
        approver.approved(request.object.as_ref())
    }
}

/// Judges objects for one subject and action.
pub trait ObjectApprover: Send + Sync + fmt::Debug {
    /// Whether the subject may do the action to `object` (`None`: to
    /// anything of the kind).
    fn approved(&self, object: Option<&Object<'_>>) -> Result<bool, AuthorizerError>;
}

/// The approvers one request needs, fetched together: Mesos's master-side
/// `ObjectApprovers`. With no authorizer everything is approved; an
/// approver's error counts as a denial, so a faulty authorizer never shows
/// more than it should.
#[derive(Debug, Clone)]
pub struct Approvers {
    approvers: Option<HashMap<Action, Arc<dyn ObjectApprover>>>,
}

/// Approves everything, as when there is no authorizer.
impl Default for Approvers {
    fn default() -> Self {
        Approvers { approvers: None }
    }
}

impl Approvers {
    /// Fetches the approvers of `actions` for `subject` from `authorizer`.
    pub async fn fetch(
        authorizer: Option<&dyn Authorizer>,
        subject: Option<&Subject>,
        actions: &[Action],
    ) -> Result<Approvers, AuthorizerError> {
        let Some(authorizer) = authorizer else {
            return Ok(Approvers { approvers: None });
        };
        let mut approvers = HashMap::with_capacity(actions.len());
        for &action in actions {
            approvers.insert(action, authorizer.approver(subject, action).await?);
        }
        Ok(Approvers {
            approvers: Some(approvers),
        })
    }

    /// Whether `object` is approved for `action`. An action that was not
    /// fetched is denied.
    pub fn approved(&self, action: Action, object: &Object<'_>) -> bool {
        let Some(approvers) = &self.approvers else {
            return true;
        };
        let Some(approver) = approvers.get(&action) else {
            tracing::warn!(%action, "no approver fetched for this action; denying");
            return false;
        };
        approver.approved(Some(object)).unwrap_or_else(|error| {
            tracing::warn!(%action, %error, "approver failed; denying");
            false
        })
    }
}
