//! CRAM-MD5 sessions as libprocess processes: the exchange with a scripted
//! authenticatee, every way a session ends (success, refusal, protocol
//! error, lost authenticatee, timeout on a paused clock, abandonment), that
//! the session process is gone afterwards in every case, and the counters.

mod common;

use std::time::Duration;

use authentication::{
    Authentication, Authenticator, CramMd5Authenticator, Credentials, Outcome, SessionMetrics,
    cram_md5,
};
use common::{PATIENCE, next, start_runtime, terminated};
use libprocess::{Context, Pid, Process, Runtime, Upid};
use proto::mesos::internal::{
    AuthenticationCompletedMessage, AuthenticationErrorMessage, AuthenticationFailedMessage,
    AuthenticationMechanismsMessage, AuthenticationStartMessage, AuthenticationStepMessage,
};
use tokio::sync::mpsc;

/// What the scripted authenticatee received, and from whom.
#[derive(Debug, Clone, PartialEq)]
enum Received {
    Mechanisms(Upid, Vec<String>),
    Step(Upid, Vec<u8>),
    Completed(Upid),
    Failed(Upid),
    Error(Upid, String),
}

/// An authenticatee that reports what it receives and sends what the test
/// tells it to.
struct Authenticatee {
    received: mpsc::UnboundedSender<Received>,
}

impl Process for Authenticatee {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install_protobuf(
            |this: &mut Self,
             _: &mut Context<Self>,
             from: &Upid,
             message: AuthenticationMechanismsMessage| {
                let _ = this
                    .received
                    .send(Received::Mechanisms(from.clone(), message.mechanisms));
            },
        );
        ctx.install_protobuf(
            |this: &mut Self,
             _: &mut Context<Self>,
             from: &Upid,
             message: AuthenticationStepMessage| {
                let _ = this
                    .received
                    .send(Received::Step(from.clone(), message.data));
            },
        );
        ctx.install_protobuf(
            |this: &mut Self,
             _: &mut Context<Self>,
             from: &Upid,
             _: AuthenticationCompletedMessage| {
                let _ = this.received.send(Received::Completed(from.clone()));
            },
        );
        ctx.install_protobuf(
            |this: &mut Self,
             _: &mut Context<Self>,
             from: &Upid,
             _: AuthenticationFailedMessage| {
                let _ = this.received.send(Received::Failed(from.clone()));
            },
        );
        ctx.install_protobuf(
            |this: &mut Self,
             _: &mut Context<Self>,
             from: &Upid,
             message: AuthenticationErrorMessage| {
                let _ = this.received.send(Received::Error(
                    from.clone(),
                    message.error.unwrap_or_default(),
                ));
            },
        );
    }
}

struct Exchange {
    runtime: Runtime,
    authenticatee: Pid<Authenticatee>,
    received: mpsc::UnboundedReceiver<Received>,
    metrics: SessionMetrics,
    authentication: Authentication,
    /// The session process, learnt from the mechanisms message it sends first.
    session: Upid,
}

impl Exchange {
    /// Starts a session for a fresh authenticatee against `credentials`,
    /// and checks it offers CRAM-MD5 first.
    async fn start(credentials: &str) -> Exchange {
        let runtime = start_runtime().await;
        let (sender, mut received) = mpsc::unbounded_channel();
        let authenticatee = runtime
            .spawn("authenticatee", Authenticatee { received: sender })
            .unwrap();
        let metrics = SessionMetrics::register(runtime.metrics(), "master/authentication");
        let authenticator =
            CramMd5Authenticator::new(runtime.clone(), Credentials::parse(credentials).unwrap())
                .with_hostname("master.test")
                .with_metrics(metrics.clone());
        let authentication = authenticator.authenticate(authenticatee.upid());
        let Received::Mechanisms(session, mechanisms) = next(&mut received).await else {
            panic!("the session offers its mechanisms first");
        };
        assert_eq!(mechanisms, ["CRAM-MD5"]);
        assert!(
            session.id().starts_with("crammd5-authenticator-session("),
            "{session}"
        );
        assert_eq!(metrics.sessions_active(), 1);
        Exchange {
            runtime,
            authenticatee,
            received,
            metrics,
            authentication,
            session,
        }
    }

    /// Sends `message` to the session from the authenticatee.
    fn send<M: prost::Message + prost::Name + Send + 'static>(&self, message: M) {
        let session = self.session.clone();
        self.authenticatee
            .dispatch(move |_, ctx| ctx.send_protobuf(&session, &message));
    }

    /// Starts CRAM-MD5 and returns the challenge.
    async fn challenge(&mut self) -> Vec<u8> {
        self.send(AuthenticationStartMessage {
            mechanism: "CRAM-MD5".into(),
            data: None,
        });
        let Received::Step(from, challenge) = next(&mut self.received).await else {
            panic!("expected the challenge");
        };
        assert_eq!(from, self.session);
        challenge
    }

    async fn respond(&mut self, principal: &str, secret: &str) {
        let challenge = self.challenge().await;
        let response = cram_md5::respond(principal, secret.as_bytes(), &challenge);
        self.send(AuthenticationStepMessage {
            data: response.into_bytes(),
        });
    }

    /// The outcome, once the session process is gone and uncounted.
    async fn finish(self) -> (Outcome, SessionMetrics) {
        let outcome = tokio::time::timeout(PATIENCE, self.authentication)
            .await
            .expect("the authentication resolves");
        terminated(&self.runtime, &self.session).await;
        assert_eq!(self.metrics.sessions_active(), 0);
        self.runtime.shutdown().await;
        (outcome, self.metrics)
    }
}

const CREDENTIALS: &str = r#"{"credentials":[{"principal":"framework","secret":"s3cret"}]}"#;

#[tokio::test]
async fn right_secret_authenticates_and_ends_the_session() {
    let mut exchange = Exchange::start(CREDENTIALS).await;
    let challenge = exchange.challenge().await;
    let challenge = String::from_utf8(challenge).unwrap();
    assert!(
        challenge.starts_with('<') && challenge.ends_with("@master.test>"),
        "{challenge}"
    );
    let response = cram_md5::respond("framework", b"s3cret", challenge.as_bytes());
    exchange.send(AuthenticationStepMessage {
        data: response.into_bytes(),
    });
    assert_eq!(
        next(&mut exchange.received).await,
        Received::Completed(exchange.session.clone())
    );
    let (outcome, metrics) = exchange.finish().await;
    assert_eq!(
        outcome,
        Outcome::Authenticated {
            principal: "framework".into()
        }
    );
    assert_eq!((metrics.succeeded(), metrics.failed()), (1, 0));
}

#[tokio::test]
async fn wrong_secret_is_refused_and_counted() {
    let mut exchange = Exchange::start(CREDENTIALS).await;
    exchange.respond("framework", "guess").await;
    assert_eq!(
        next(&mut exchange.received).await,
        Received::Failed(exchange.session.clone())
    );
    let (outcome, metrics) = exchange.finish().await;
    assert_eq!(outcome, Outcome::Refused);
    assert_eq!((metrics.succeeded(), metrics.failed()), (0, 1));
}

#[tokio::test]
async fn unknown_principal_is_refused() {
    let mut exchange = Exchange::start(CREDENTIALS).await;
    exchange.respond("stranger", "s3cret").await;
    assert_eq!(
        next(&mut exchange.received).await,
        Received::Failed(exchange.session.clone())
    );
    assert_eq!(exchange.finish().await.0, Outcome::Refused);
}

#[tokio::test]
async fn without_credentials_every_attempt_is_refused() {
    let mut exchange = Exchange::start("{}").await;
    exchange.respond("framework", "s3cret").await;
    assert_eq!(
        next(&mut exchange.received).await,
        Received::Failed(exchange.session.clone())
    );
    assert_eq!(exchange.finish().await.0, Outcome::Refused);
}

#[tokio::test]
async fn another_mechanism_is_an_error_told_to_the_authenticatee() {
    let mut exchange = Exchange::start(CREDENTIALS).await;
    exchange.send(AuthenticationStartMessage {
        mechanism: "PLAIN".into(),
        data: Some(b"\0framework\0s3cret".to_vec()),
    });
    let Received::Error(from, error) = next(&mut exchange.received).await else {
        panic!("expected an error message");
    };
    assert_eq!(from, exchange.session);
    assert!(error.contains("PLAIN"), "{error}");
    let (outcome, metrics) = exchange.finish().await;
    assert_eq!(outcome, Outcome::Error(error));
    assert_eq!(metrics.errored(), 1);
}

#[tokio::test]
async fn a_step_before_start_is_an_error() {
    let mut exchange = Exchange::start(CREDENTIALS).await;
    exchange.send(AuthenticationStepMessage {
        data: b"framework 00000000000000000000000000000000".to_vec(),
    });
    assert_eq!(
        next(&mut exchange.received).await,
        Received::Error(
            exchange.session.clone(),
            "Unexpected authentication 'step' received".into()
        )
    );
    assert!(matches!(exchange.finish().await.0, Outcome::Error(_)));
}

#[tokio::test]
async fn a_malformed_response_is_an_error() {
    let mut exchange = Exchange::start(CREDENTIALS).await;
    exchange.challenge().await;
    exchange.send(AuthenticationStepMessage {
        data: b"no-digest-here".to_vec(),
    });
    let Received::Error(_, error) = next(&mut exchange.received).await else {
        panic!("expected an error message");
    };
    assert!(error.contains("authentication name"), "{error}");
    assert!(matches!(exchange.finish().await.0, Outcome::Error(_)));
}

#[tokio::test]
async fn messages_from_other_processes_are_ignored() {
    let mut exchange = Exchange::start(CREDENTIALS).await;
    // An intruder answers first, with valid credentials of its own making.
    let (sender, mut intruder_received) = mpsc::unbounded_channel();
    let intruder = exchange
        .runtime
        .spawn("intruder", Authenticatee { received: sender })
        .unwrap();
    let session = exchange.session.clone();
    intruder.dispatch(move |_, ctx| {
        ctx.send_protobuf(
            &session,
            &AuthenticationStartMessage {
                mechanism: "CRAM-MD5".into(),
                data: None,
            },
        );
    });
    // The real authenticatee still completes; the intruder got nothing.
    exchange.respond("framework", "s3cret").await;
    assert_eq!(
        next(&mut exchange.received).await,
        Received::Completed(exchange.session.clone())
    );
    assert!(intruder_received.try_recv().is_err());
    assert!(matches!(
        exchange.finish().await.0,
        Outcome::Authenticated { .. }
    ));
}

#[tokio::test]
async fn a_lost_authenticatee_ends_the_session() {
    let exchange = Exchange::start(CREDENTIALS).await;
    exchange.authenticatee.terminate();
    let (outcome, metrics) = exchange.finish().await;
    assert_eq!(
        outcome,
        Outcome::Error("Failed to communicate with authenticatee".into())
    );
    assert_eq!(metrics.errored(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_silent_authenticatee_times_out() {
    let mut exchange = Exchange::start(CREDENTIALS).await;
    exchange.challenge().await;
    // No response: the paused clock jumps to the session's 15 s timeout.
    let started = tokio::time::Instant::now();
    let (outcome, metrics) = exchange.finish().await;
    assert_eq!(outcome, Outcome::TimedOut);
    assert_eq!(started.elapsed(), Duration::from_secs(15));
    assert_eq!(metrics.timed_out(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_timeout_is_configurable() {
    let runtime = start_runtime().await;
    let (sender, mut received) = mpsc::unbounded_channel();
    let authenticatee = runtime
        .spawn("authenticatee", Authenticatee { received: sender })
        .unwrap();
    let authenticator = CramMd5Authenticator::new(runtime.clone(), Credentials::default())
        .with_timeout(Duration::from_secs(3));
    let started = tokio::time::Instant::now();
    let outcome = authenticator.authenticate(authenticatee.upid()).await;
    assert_eq!(outcome, Outcome::TimedOut);
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    let Received::Mechanisms(session, _) = next(&mut received).await else {
        panic!("expected the mechanisms");
    };
    terminated(&runtime, &session).await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn abandoning_an_attempt_ends_its_session() {
    let exchange = Exchange::start(CREDENTIALS).await;
    drop(exchange.authentication);
    terminated(&exchange.runtime, &exchange.session).await;
    assert_eq!(exchange.metrics.sessions_active(), 0);
    exchange.runtime.shutdown().await;
}

#[tokio::test]
async fn counters_are_published_under_the_prefix() {
    let mut exchange = Exchange::start(CREDENTIALS).await;
    let runtime = exchange.runtime.clone();
    let snapshot = runtime.metrics().snapshot();
    assert_eq!(snapshot["master/authentication/sessions_active"], 1.0);
    exchange.respond("framework", "wrong").await;
    next(&mut exchange.received).await;
    exchange.finish().await;
    let snapshot = runtime.metrics().snapshot();
    assert_eq!(snapshot["master/authentication/failed"], 1.0);
    assert_eq!(snapshot["master/authentication/succeeded"], 0.0);
    assert_eq!(snapshot["master/authentication/errored"], 0.0);
    assert_eq!(snapshot["master/authentication/timed_out"], 0.0);
    assert_eq!(snapshot["master/authentication/sessions_active"], 0.0);
}
