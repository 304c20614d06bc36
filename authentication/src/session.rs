//! The CRAM-MD5 authenticator: one libprocess process per exchange.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use libprocess::{Context, Message, Process, Runtime, Timer, Upid, generate_id};
use proto::mesos::internal::{
    AuthenticationCompletedMessage, AuthenticationErrorMessage, AuthenticationFailedMessage,
    AuthenticationMechanismsMessage, AuthenticationStartMessage, AuthenticationStepMessage,
};
use tokio::sync::oneshot;

use crate::cram_md5::{self, MECHANISM, Verdict};
use crate::metrics::ActiveSession;
use crate::{Authentication, Authenticator, Credentials, Outcome, SessionMetrics};

/// Mesos's default `--authentication_v0_timeout`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Mesos's `crammd5` authenticator: runs each exchange in a session process
/// spawned on the master's runtime, checking responses against
/// [`Credentials`].
///
/// With no credentials every attempt is refused, as in Mesos. Cloning gives
/// another handle to the same authenticator.
#[derive(Clone)]
pub struct CramMd5Authenticator {
    runtime: Runtime,
    config: Arc<SessionConfig>,
}

#[derive(Clone)]
struct SessionConfig {
    credentials: Credentials,
    timeout: Duration,
    hostname: String,
    metrics: SessionMetrics,
}

impl fmt::Debug for CramMd5Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CramMd5Authenticator")
            .field("credentials", &self.config.credentials)
            .field("timeout", &self.config.timeout)
            .field("hostname", &self.config.hostname)
            .finish()
    }
}

impl CramMd5Authenticator {
    /// An authenticator spawning its sessions on `runtime`, with Mesos's
    /// default 15 s timeout, the runtime's IP as the challenge's host name,
    /// and metrics published nowhere.
    pub fn new(runtime: Runtime, credentials: Credentials) -> Self {
        let hostname = runtime.address().ip().to_string();
        CramMd5Authenticator {
            runtime,
            config: Arc::new(SessionConfig {
                credentials,
                timeout: DEFAULT_TIMEOUT,
                hostname,
                metrics: SessionMetrics::default(),
            }),
        }
    }

    /// How long an exchange may take (`--authentication_v0_timeout`).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.config).timeout = timeout;
        self
    }

    /// The host name challenges carry (the master's `--hostname`).
    pub fn with_hostname(mut self, hostname: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.config).hostname = hostname.into();
        self
    }

    /// Counts outcomes in `metrics`.
    pub fn with_metrics(mut self, metrics: SessionMetrics) -> Self {
        Arc::make_mut(&mut self.config).metrics = metrics;
        self
    }
}

impl Authenticator for CramMd5Authenticator {
    fn authenticate(&self, authenticatee: &Upid) -> Authentication {
        let (outcome, receiver) = oneshot::channel();
        let session = Session {
            authenticatee: authenticatee.clone(),
            config: self.config.clone(),
            stage: Stage::AwaitingStart,
            outcome: Some(outcome),
            timer: None,
            active: Some(self.config.metrics.session_started()),
        };
        match self
            .runtime
            .spawn(generate_id("crammd5-authenticator-session"), session)
        {
            Ok(pid) => Authentication::new(receiver, move || pid.terminate()),
            Err(error) => {
                let outcome = Outcome::Error(format!("failed to start a session: {error}"));
                self.config.metrics.count(&outcome);
                Authentication::ready(outcome)
            }
        }
    }
}

enum Stage {
    AwaitingStart,
    AwaitingResponse { challenge: String },
    Done,
}

/// One exchange with one authenticatee.
struct Session {
    authenticatee: Upid,
    config: Arc<SessionConfig>,
    stage: Stage,
    outcome: Option<oneshot::Sender<Outcome>>,
    timer: Option<Timer>,
    /// Dropped in `finalize`, so the gauge is down by the time the process
    /// is gone; with the state on a panic.
    active: Option<ActiveSession>,
}

impl Process for Session {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        // Learn at once when the authenticatee goes away, rather than at
        // the timeout.
        ctx.link(&self.authenticatee);
        install::<AuthenticationStartMessage>(ctx, Session::start);
        install::<AuthenticationStepMessage>(ctx, Session::step);
        self.timer = Some(ctx.delay(self.config.timeout, |session, ctx| {
            session.finish(ctx, Outcome::TimedOut);
        }));
        ctx.send_protobuf(
            &self.authenticatee,
            &AuthenticationMechanismsMessage {
                mechanisms: vec![MECHANISM.to_owned()],
            },
        );
    }

    fn exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) {
        if *pid == self.authenticatee {
            self.finish(
                ctx,
                Outcome::Error("Failed to communicate with authenticatee".into()),
            );
        }
    }

    fn finalize(&mut self, _ctx: &mut Context<Self>) {
        if let Some(timer) = self.timer.take() {
            timer.cancel();
        }
        self.active = None;
    }
}

/// Installs `handler` for `M`, decoded with Mesos's required-field checks:
/// Mesos drops such messages, and so does a session.
fn install<M>(ctx: &mut Context<Session>, handler: fn(&mut Session, &mut Context<Session>, M))
where
    M: prost::Message + prost::Name + Default + 'static,
{
    ctx.install(
        &M::full_name(),
        move |session: &mut Session, ctx: &mut Context<Session>, message: Message| {
            if message.from != session.authenticatee {
                tracing::debug!(from = %message.from, "ignoring authentication message from another process");
                return;
            }
            match proto::decode::<M>(&message.body) {
                Ok(decoded) => handler(session, ctx, decoded),
                Err(error) => tracing::warn!(name = %message.name, %error, "dropping malformed authentication message"),
            }
        },
    );
}

impl Session {
    fn start(&mut self, ctx: &mut Context<Self>, message: AuthenticationStartMessage) {
        if !matches!(self.stage, Stage::AwaitingStart) {
            return self.fail(ctx, "Unexpected authentication 'start' received".into());
        }
        if message.mechanism != MECHANISM {
            return self.fail(
                ctx,
                format!(
                    "Mechanism '{}' is not supported; use {MECHANISM}",
                    message.mechanism
                ),
            );
        }
        if message.data.as_ref().is_some_and(|data| !data.is_empty()) {
            return self.fail(ctx, format!("{MECHANISM} takes no initial response"));
        }
        let challenge = cram_md5::challenge(&self.config.hostname);
        ctx.send_protobuf(
            &self.authenticatee,
            &AuthenticationStepMessage {
                data: challenge.clone().into_bytes(),
            },
        );
        self.stage = Stage::AwaitingResponse { challenge };
    }

    fn step(&mut self, ctx: &mut Context<Self>, message: AuthenticationStepMessage) {
        let Stage::AwaitingResponse { challenge } = &self.stage else {
            return self.fail(ctx, "Unexpected authentication 'step' received".into());
        };
        match cram_md5::verify(
            challenge.as_bytes(),
            &message.data,
            &self.config.credentials,
        ) {
            Verdict::Authenticated(principal) => {
                let principal = principal.to_owned();
                tracing::info!(%principal, authenticatee = %self.authenticatee, "authentication succeeded");
                ctx.send_protobuf(&self.authenticatee, &AuthenticationCompletedMessage {});
                self.finish(ctx, Outcome::Authenticated { principal });
            }
            Verdict::Refused => {
                tracing::warn!(authenticatee = %self.authenticatee, "authentication failed: invalid credentials");
                ctx.send_protobuf(&self.authenticatee, &AuthenticationFailedMessage {});
                self.finish(ctx, Outcome::Refused);
            }
            Verdict::Malformed(reason) => self.fail(ctx, reason.to_owned()),
        }
    }

    /// Ends the exchange with an error the authenticatee is told about.
    fn fail(&mut self, ctx: &mut Context<Self>, error: String) {
        tracing::warn!(authenticatee = %self.authenticatee, %error, "authentication error");
        ctx.send_protobuf(
            &self.authenticatee,
            &AuthenticationErrorMessage {
                error: Some(error.clone()),
            },
        );
        self.finish(ctx, Outcome::Error(error));
    }

    fn finish(&mut self, ctx: &mut Context<Self>, outcome: Outcome) {
        if matches!(self.stage, Stage::Done) {
            return;
        }
        self.stage = Stage::Done;
        self.config.metrics.count(&outcome);
        if let Some(sender) = self.outcome.take() {
            // Nobody waiting means the attempt was abandoned meanwhile.
            let _ = sender.send(outcome);
        }
        ctx.terminate();
    }
}
