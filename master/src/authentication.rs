//! Who the master's libprocess peers are: authentication of agents and
//! scheduler drivers, as Mesos 1.11's `Master::authenticate` does it.
//!
//! An authenticatee process sends `AuthenticateMessage{pid}` on behalf of
//! `pid` (the agent or framework it works for). The master hands the sender
//! to its [`Authenticator`] (CRAM-MD5 unless a builder gave another), and
//! remembers the principal for `pid` once the exchange succeeds:
//!
//! - a new `AuthenticateMessage` for the same `pid` first forgets what was
//!   known about it, and discards an attempt still running (its session
//!   ends, its outcome is ignored);
//! - registrations from `pid` that arrive while its attempt runs wait for
//!   the outcome and are handled after it, unless the attempt broke (an
//!   error or the `--authentication_v0_timeout`), when they are dropped:
//!   the peer retries;
//! - the principal is forgotten when the peer disconnects or is removed, so
//!   a peer always authenticates again before (re)registering.
//!
//! With `--authenticate_agents` (and `--authenticate_frameworks`), a
//! registration from a pid without a principal is refused; a framework's
//! `FrameworkInfo.principal` must be the authenticated one, and is filled
//! in from it when unset (for v1 HTTP frameworks, from the request's
//! principal in the `mesos-master-scheduler` realm).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use authentication::{
    Authenticator, BasicAuthenticator, CramMd5Authenticator, Credentials, Outcome, READONLY_REALM,
    READWRITE_REALM, SCHEDULER_REALM, SessionMetrics,
};
use flags::MasterFlags;
use libprocess::{Context, Runtime, Upid};
use proto::mesos::FrameworkInfo;
use proto::mesos::internal::AuthenticateMessage;
use tokio::task::AbortHandle;

use crate::StartupError;
use crate::master::MasterProcess;

/// Work that waits for a peer's authentication to end.
pub(crate) type Deferred = Box<dyn FnOnce(&mut MasterProcess, &mut Context<MasterProcess>) + Send>;

/// The master's record of authentications: in progress and done, per pid.
pub(crate) struct Authentications {
    authenticator: Arc<dyn Authenticator>,
    timeout: Duration,
    authenticating: HashMap<Upid, Attempt>,
    authenticated: HashMap<Upid, String>,
    next_attempt: u64,
}

struct Attempt {
    /// Tells a finished attempt from the one that replaced it.
    id: u64,
    /// Aborting the waiting task drops the attempt, which ends its session.
    waiter: AbortHandle,
    deferred: Vec<Deferred>,
}

impl Drop for Attempt {
    fn drop(&mut self) {
        self.waiter.abort();
    }
}

impl std::fmt::Debug for Authentications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authentications")
            .field("authenticator", &self.authenticator)
            .field("authenticating", &self.authenticating.len())
            .field("authenticated", &self.authenticated)
            .finish()
    }
}

impl Authentications {
    pub fn new(authenticator: Arc<dyn Authenticator>, timeout: Duration) -> Self {
        Authentications {
            authenticator,
            timeout,
            authenticating: HashMap::new(),
            authenticated: HashMap::new(),
            next_attempt: 0,
        }
    }

    /// The principal `pid` authenticated as, if it did.
    pub fn principal(&self, pid: &Upid) -> Option<&str> {
        self.authenticated.get(pid).map(String::as_str)
    }

    /// Whether an attempt for `pid` is still running.
    pub fn in_progress(&self, pid: &Upid) -> bool {
        self.authenticating.contains_key(pid)
    }

    /// Runs `work` once the running attempt of `pid` ends with an answer
    /// (authenticated or refused); dropped if it breaks or is replaced.
    /// Call only while [`in_progress`](Self::in_progress).
    pub fn defer(&mut self, pid: &Upid, work: Deferred) {
        match self.authenticating.get_mut(pid) {
            Some(attempt) => attempt.deferred.push(work),
            None => tracing::error!(%pid, "no authentication to wait for; dropping"),
        }
    }

    /// Forgets the principal of `pid`: it disconnected or was removed, and
    /// authenticates again before it comes back.
    pub fn forget(&mut self, pid: &Upid) {
        self.authenticated.remove(pid);
    }
}

impl MasterProcess {
    /// `AuthenticateMessage` from the authenticatee `from`, for `pid`.
    pub(crate) fn authenticate(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: AuthenticateMessage,
    ) {
        self.metrics.messages_authenticate.increment();
        let Ok(pid) = message.pid.parse::<Upid>() else {
            tracing::warn!(%from, pid = %message.pid, "dropping authentication request for an invalid pid");
            return;
        };
        let authentications = &mut self.authentications;
        let forgotten = authentications.authenticated.remove(&pid).is_some();
        if authentications.authenticating.remove(&pid).is_some() {
            tracing::info!(%pid, "re-authenticating; discarding the outstanding authentication");
        } else if forgotten {
            tracing::info!(%pid, "authenticating; clearing the previous authentication");
        } else {
            tracing::info!(%pid, "authenticating");
        }
        let id = authentications.next_attempt;
        authentications.next_attempt += 1;
        let attempt = authentications.authenticator.authenticate(&from);
        let timeout = authentications.timeout;
        let master = ctx.handle();
        let waiter_pid = pid.clone();
        let waiter = tokio::spawn(async move {
            // The authenticator times the exchange out itself (and counts
            // it); this backstop ends attempts of one that never answers.
            let outcome = tokio::time::timeout(timeout.saturating_mul(2), attempt)
                .await
                .unwrap_or(Outcome::TimedOut);
            master.dispatch(move |master: &mut MasterProcess, ctx| {
                master.authentication_ended(ctx, waiter_pid, id, outcome)
            });
        });
        authentications.authenticating.insert(
            pid,
            Attempt {
                id,
                waiter: waiter.abort_handle(),
                deferred: Vec::new(),
            },
        );
    }

    fn authentication_ended(
        &mut self,
        ctx: &mut Context<Self>,
        pid: Upid,
        id: u64,
        outcome: Outcome,
    ) {
        let authentications = &mut self.authentications;
        if authentications
            .authenticating
            .get(&pid)
            .is_none_or(|attempt| attempt.id != id)
        {
            tracing::info!(%pid, "ignoring stale authentication result");
            return;
        }
        let mut attempt = authentications
            .authenticating
            .remove(&pid)
            .expect("checked above");
        let deferred = std::mem::take(&mut attempt.deferred);
        let answered = match outcome {
            Outcome::Authenticated { principal } => {
                tracing::info!(%principal, %pid, "successfully authenticated principal");
                authentications.authenticated.insert(pid.clone(), principal);
                true
            }
            Outcome::Refused => {
                tracing::info!(%pid, "authentication was unsuccessful: invalid credentials");
                true
            }
            Outcome::Error(error) => {
                tracing::warn!(%pid, %error, "an error occurred while authenticating");
                false
            }
            Outcome::TimedOut => {
                tracing::warn!(%pid, "authentication timed out");
                false
            }
        };
        if answered {
            for work in deferred {
                work(self, ctx);
            }
        } else if !deferred.is_empty() {
            tracing::info!(%pid, dropped = deferred.len(), "dropping messages that waited for the broken authentication");
        }
    }
}

/// The stage errors below are reported under.
const STAGE: &str = "authentication";

/// `--credentials`, read as Mesos reads it: a file that cannot be read or
/// parsed, or holds no credential, stops the master.
pub(crate) fn credentials_from_flags(
    flags: &MasterFlags,
) -> Result<Option<Credentials>, StartupError> {
    let Some(path) = &flags.credentials else {
        return Ok(None);
    };
    Credentials::read(path)
        .map(Some)
        .map_err(|error| StartupError::new(STAGE, format!("Flag '--credentials': {error}")))
}

/// The libprocess authenticator `--authenticators` names (only Mesos's
/// built-in `crammd5` is available). Without credentials it refuses every
/// attempt, as Mesos's does.
pub(crate) fn libprocess_authenticator(
    flags: &MasterFlags,
    runtime: &Runtime,
    hostname: &str,
    credentials: Option<Credentials>,
) -> Result<Arc<dyn Authenticator>, StartupError> {
    if flags.authenticators != "crammd5" {
        return Err(StartupError::new(
            STAGE,
            format!(
                "Flag '--authenticators={}': no such authenticator; \
                 use 'crammd5' (the default), the only one this master has",
                flags.authenticators
            ),
        ));
    }
    if credentials.is_none() {
        tracing::warn!(
            "no credentials provided (--credentials): authentication requests will be refused"
        );
    }
    let authenticator = CramMd5Authenticator::new(runtime.clone(), credentials.unwrap_or_default())
        .with_timeout(flags.authentication_v0_timeout.to_std())
        .with_hostname(hostname)
        .with_metrics(SessionMetrics::register(
            runtime.metrics(),
            "master/authentication",
        ));
    Ok(Arc::new(authenticator))
}

/// HTTP Basic for each realm whose `--authenticate_http_*` flag is set,
/// checked against `--credentials` (required then, as in Mesos). Failed
/// checks are counted in `master/http_authentication/<realm>/failed`.
pub(crate) fn install_http_authenticators(
    flags: &MasterFlags,
    runtime: &Runtime,
    credentials: Option<&Credentials>,
) -> Result<(), StartupError> {
    let realms = [
        (
            flags.authenticate_http_readonly,
            READONLY_REALM,
            "http_authenticators",
            Some(flags.http_authenticators.as_str()),
        ),
        (
            flags.authenticate_http_readwrite,
            READWRITE_REALM,
            "http_authenticators",
            Some(flags.http_authenticators.as_str()),
        ),
        (
            flags.authenticate_http_frameworks,
            SCHEDULER_REALM,
            "http_framework_authenticators",
            flags.http_framework_authenticators.as_deref(),
        ),
    ];
    for (enabled, realm, flag, names) in realms {
        if !enabled {
            continue;
        }
        let Some("basic") = names else {
            return Err(StartupError::new(
                STAGE,
                format!(
                    "Flag '--{flag}={}': no such HTTP authenticator for realm '{realm}'; \
                     use 'basic', the only one this master has",
                    names.unwrap_or_default()
                ),
            ));
        };
        let Some(credentials) = credentials else {
            return Err(StartupError::new(
                STAGE,
                format!(
                    "Flag '--credentials': no credentials provided for the 'basic' \
                     HTTP authenticator of realm '{realm}'"
                ),
            ));
        };
        tracing::info!(realm, "authenticating HTTP requests with HTTP Basic");
        let basic = BasicAuthenticator::new(realm, credentials.clone()).with_metrics(
            runtime.metrics(),
            &format!("master/http_authentication/{realm}"),
        );
        runtime.set_authenticator(realm, basic);
    }
    Ok(())
}

impl MasterProcess {
    /// Mesos's `validateFrameworkAuthentication` for a driver subscribing
    /// from `from`: refused without a principal under
    /// `--authenticate_frameworks`, or when `info` names another principal
    /// than the one `from` authenticated as; `info` takes the
    /// authenticated principal when it names none.
    pub(crate) fn check_driver_principal(
        &self,
        from: &Upid,
        info: &mut FrameworkInfo,
    ) -> Result<(), String> {
        let authenticated = self.authentications.principal(from);
        if self.flags.authenticate_frameworks && authenticated.is_none() {
            return Err(format!("Framework at {from} is not authenticated"));
        }
        fill_principal(authenticated, info).map_err(|(claimed, authenticated)| {
            format!(
                "Framework principal '{claimed}' does not match authenticated principal \
                 '{authenticated}'"
            )
        })
    }
}

/// The v1 scheduler API's rule: a SUBSCRIBE authenticated as `principal`
/// may not name another one in `info`, and `info` takes `principal` when it
/// names none.
pub(crate) fn check_http_framework_principal(
    principal: Option<&str>,
    info: &mut FrameworkInfo,
) -> Result<(), String> {
    fill_principal(principal, info).map_err(|(claimed, authenticated)| {
        format!(
            "Authenticated principal '{authenticated}' does not match principal '{claimed}' \
             set in `FrameworkInfo`"
        )
    })
}

/// Fills in `info`'s principal from `authenticated`; on a mismatch returns
/// (the one `info` names, the authenticated one).
fn fill_principal(
    authenticated: Option<&str>,
    info: &mut FrameworkInfo,
) -> Result<(), (String, String)> {
    let Some(authenticated) = authenticated else {
        return Ok(());
    };
    match info.principal.as_deref() {
        Some(claimed) if claimed != authenticated => {
            Err((claimed.to_owned(), authenticated.to_owned()))
        }
        Some(_) => Ok(()),
        None => {
            tracing::warn!(
                principal = authenticated,
                "setting 'principal' in FrameworkInfo because the framework authenticated \
                 with that principal but did not set it"
            );
            info.principal = Some(authenticated.to_owned());
            Ok(())
        }
    }
}
