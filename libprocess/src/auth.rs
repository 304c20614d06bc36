//! Who may call an endpoint: authentication realms and authorization
//! callbacks, as libprocess has them.
//!
//! A route installed with
//! [`Context::route_authenticated`](crate::Context::route_authenticated)
//! belongs to a *realm* (the master uses `mesos-master-readonly`,
//! `mesos-master-readwrite` and `mesos-master-scheduler`). When the
//! embedding program has set an [`Authenticator`] for that realm with
//! [`Runtime::set_authenticator`](crate::Runtime::set_authenticator),
//! every request to the route is authenticated first: the handler sees the
//! [`Principal`] through [`Request::principal`](crate::Request::principal),
//! and a refused request gets the authenticator's response (typically
//! `401` with a `WWW-Authenticate` challenge) without reaching the handler.
//! A realm with no authenticator lets every request through
//! unauthenticated, which is how authentication is switched off.
//!
//! The runtime's own endpoints belong to the realms named in
//! [`Config::readonly_realm`](crate::Config::readonly_realm)
//! (`/metrics/snapshot`) and
//! [`Config::readwrite_realm`](crate::Config::readwrite_realm)
//! (`/logging/toggle`, `/profiler/*`).
//!
//! Independently, an [`AuthorizationCallback`] set for an endpoint path
//! (`/metrics/snapshot`, `/logging/toggle`, ... — process id and route) with
//! [`Runtime::set_authorization_callback`](crate::Runtime::set_authorization_callback)
//! decides, after authentication, whether the request may proceed; `false`
//! answers `403 Forbidden`. This is how the master applies its ACLs to the
//! endpoints libprocess itself serves. A request waiting for its callback
//! does not hold up the process's other events.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use crate::http::{Request, Response};

/// The authenticated identity behind an HTTP request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
    /// The principal's name, e.g. the user of HTTP Basic credentials.
    pub value: Option<String>,
    /// Further facts an authenticator established (e.g. a token's claims).
    pub claims: BTreeMap<String, String>,
}

impl Principal {
    /// A principal known by its name only.
    pub fn new(value: impl Into<String>) -> Self {
        Principal {
            value: Some(value.into()),
            claims: BTreeMap::new(),
        }
    }
}

impl From<String> for Principal {
    fn from(value: String) -> Self {
        Principal::new(value)
    }
}

/// Authenticates the HTTP requests of one realm.
pub trait Authenticator: Send + Sync + 'static {
    /// Who makes `request`, or why it is refused.
    fn authenticate(&self, request: &Request) -> Authentication;
}

/// The outcome of authenticating a request, as libprocess's
/// `AuthenticationResult`.
#[derive(Debug)]
pub enum Authentication {
    /// The request is this principal's.
    Authenticated(Principal),
    /// The request is answered with this response instead of reaching its
    /// endpoint: `401 Unauthorized` with a `WWW-Authenticate` challenge when
    /// credentials are missing or wrong, `403 Forbidden` when no challenge
    /// can help.
    Refused(Response),
}

/// Decides whether `request`, made by `principal` (if authenticated), may
/// reach its endpoint.
pub type AuthorizationCallback = dyn Fn(&Request, Option<&Principal>) -> Pin<Box<dyn Future<Output = bool> + Send>>
    + Send
    + Sync;
