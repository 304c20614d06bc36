//! Authentication for the master: who is talking to it.
//!
//! Mesos authenticates two kinds of peers, and this crate does both:
//!
//! - **Frameworks and agents over libprocess** (`--authenticate_frameworks`,
//!   `--authenticate_agents`): before registering, a driver or agent runs a
//!   SASL CRAM-MD5 exchange with the master in libprocess messages. The
//!   [`Authenticator`] trait is that exchange seen from the master;
//!   [`CramMd5Authenticator`] is Mesos's default (`--authenticators=crammd5`).
//! - **HTTP clients** (`--authenticate_http_readonly`,
//!   `--authenticate_http_readwrite`, `--authenticate_http_frameworks`):
//!   [`BasicAuthenticator`] checks `Authorization: Basic` against the
//!   credentials and answers `401` with a `WWW-Authenticate` challenge for
//!   its realm otherwise.
//!
//! Both check against [`Credentials`], loaded from `--credentials`.
//! Deciding what an authenticated principal may *do* (and answering `403`) is
//! the authorizer's and the master's job, not this crate's.
//!
//! # The libprocess exchange
//!
//! The peer's authenticatee process sends `AuthenticateMessage` to the
//! master. The master hands the sender's UPID to
//! [`Authenticator::authenticate`], which spawns a session process
//! (`crammd5-authenticator-session(N)`) for that one exchange and returns an
//! [`Authentication`]: a future of the [`Outcome`].
//!
//! ```text
//! authenticatee                         session
//!      │ ◀── AuthenticationMechanismsMessage ["CRAM-MD5"]
//!      │ ──▶ AuthenticationStartMessage "CRAM-MD5"
//!      │ ◀── AuthenticationStepMessage <challenge>
//!      │ ──▶ AuthenticationStepMessage "<principal> <hex HMAC-MD5>"
//!      │ ◀── AuthenticationCompletedMessage | AuthenticationFailedMessage
//!      │     | AuthenticationErrorMessage
//! ```
//!
//! A session always ends, and its process with it: when the exchange
//! completes or fails, when the authenticatee becomes unreachable, when
//! `--authentication_v0_timeout` passes, or when the master drops the
//! [`Authentication`] (a newer `AuthenticateMessage` from the same peer
//! replaces the old attempt, as in Mesos).
//!
//! ```no_run
//! # use authentication::{Authenticator, CramMd5Authenticator, Credentials, Outcome};
//! # async fn demo(runtime: libprocess::Runtime, authenticatee: libprocess::Upid) {
//! let credentials = Credentials::parse(r#"{"credentials":[{"principal":"p","secret":"s"}]}"#).unwrap();
//! let authenticator = CramMd5Authenticator::new(runtime, credentials);
//! match authenticator.authenticate(&authenticatee).await {
//!     Outcome::Authenticated { principal } => println!("{authenticatee} is {principal}"),
//!     other => println!("not authenticated: {other:?}"),
//! }
//! # }
//! ```
//!
//! # Metrics
//!
//! Mesos 1.11 counts only `AuthenticateMessage`s received
//! (`master/messages_authenticate`, the master's counter). This crate also
//! counts how exchanges end ([`SessionMetrics`]) and how HTTP Basic checks
//! go ([`BasicAuthenticator::with_metrics`]), under a prefix the caller
//! chooses.

mod basic;
pub mod cram_md5;
mod credentials;
mod error;
mod metrics;
mod session;

pub use basic::{BasicAuthenticator, READONLY_REALM, READWRITE_REALM, SCHEDULER_REALM};
pub use credentials::Credentials;
pub use error::Error;
pub use metrics::SessionMetrics;
pub use session::CramMd5Authenticator;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use libprocess::Upid;
use tokio::sync::oneshot;

/// Authenticates frameworks and agents that ask to over libprocess: Mesos's
/// `Authenticator` module interface, seen from the master.
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// Starts authenticating the authenticatee process at `authenticatee`
    /// (the sender of an `AuthenticateMessage`). Dropping the returned
    /// [`Authentication`] before it resolves abandons the attempt.
    fn authenticate(&self, authenticatee: &Upid) -> Authentication;
}

/// How an authentication attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The authenticatee proved it holds `principal`'s secret.
    Authenticated {
        /// The principal, as the authenticatee named it.
        principal: String,
    },
    /// Wrong secret or unknown principal; the authenticatee was told
    /// (`AuthenticationFailedMessage`).
    Refused,
    /// The exchange broke: a protocol violation (the authenticatee was told
    /// with `AuthenticationErrorMessage`) or a lost authenticatee.
    Error(String),
    /// `--authentication_v0_timeout` passed before the exchange ended.
    TimedOut,
}

/// An authentication attempt in progress: resolves to its [`Outcome`].
/// Dropping it before then abandons the attempt and ends its session.
pub struct Authentication {
    outcome: oneshot::Receiver<Outcome>,
    abandon: Option<Box<dyn FnOnce() + Send>>,
}

impl Authentication {
    /// An attempt whose outcome arrives on `outcome`; `abandon` runs if the
    /// attempt is dropped before resolving. For [`Authenticator`]
    /// implementations.
    pub fn new(
        outcome: oneshot::Receiver<Outcome>,
        abandon: impl FnOnce() + Send + 'static,
    ) -> Self {
        Authentication {
            outcome,
            abandon: Some(Box::new(abandon)),
        }
    }

    /// An attempt that has already ended with `outcome`.
    pub fn ready(outcome: Outcome) -> Self {
        let (sender, receiver) = oneshot::channel();
        let _ = sender.send(outcome);
        Authentication {
            outcome: receiver,
            abandon: None,
        }
    }
}

impl fmt::Debug for Authentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authentication")
            .field("pending", &self.abandon.is_some())
            .finish()
    }
}

impl Future for Authentication {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let outcome = match Pin::new(&mut self.outcome).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(outcome)) => outcome,
            Poll::Ready(Err(_)) => {
                Outcome::Error("the authentication session ended without an outcome".into())
            }
        };
        self.abandon = None;
        Poll::Ready(outcome)
    }
}

impl Drop for Authentication {
    fn drop(&mut self) {
        if let Some(abandon) = self.abandon.take() {
            abandon();
        }
    }
}
