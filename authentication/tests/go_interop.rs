//! Interop with the client side of Mesos's CRAM-MD5 exchange as written
//! outside this project: a small Go program of ours
//! (`tests/go/src/authenticatee`) using mesos-go 0.0.6's
//! `api/v0/auth/sasl` authenticatee, the one mesos-go's scheduler driver
//! uses, authenticates against our authenticator hosted by a master-like
//! process over real libprocess connections.
//!
//! Needs `go` and Debian's `golang-github-mesos-mesos-go-dev`; run
//! `cargo xtask setup` to install them. The test fails, never skips, when
//! they are missing.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use authentication::{Authenticator, CramMd5Authenticator, Credentials, Outcome, SessionMetrics};
use common::{PATIENCE, next, start_runtime};
use libprocess::{Context, Process, Upid};
use proto::mesos::internal::AuthenticateMessage;
use tokio::sync::mpsc;

/// What the master learnt from one `AuthenticateMessage`.
#[derive(Debug)]
struct Attempt {
    /// The UPID the authenticatee vouched for.
    client: String,
    outcome: Outcome,
}

/// Hosts the authenticator as the master does: each `AuthenticateMessage`
/// starts an authentication of its sender, whose outcome the master learns.
struct Master {
    authenticator: CramMd5Authenticator,
    attempts: mpsc::UnboundedSender<Attempt>,
}

impl Process for Master {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install_protobuf(
            |master: &mut Master,
             _: &mut Context<Master>,
             from: &Upid,
             message: AuthenticateMessage| {
                let authentication = master.authenticator.authenticate(from);
                let attempts = master.attempts.clone();
                tokio::spawn(async move {
                    let outcome = authentication.await;
                    let _ = attempts.send(Attempt {
                        client: message.pid,
                        outcome,
                    });
                });
            },
        );
    }
}

/// The Go program, built once per test binary.
fn authenticatee_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let scratch =
            std::env::temp_dir().join(format!("authentication-go-interop-{}", std::process::id()));
        let main_go =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/src/authenticatee/main.go");
        testkit::build_go_program(&main_go, &scratch)
    })
}

/// Runs the Go authenticatee against a fresh master holding one credential,
/// with `secret`; returns its exit code and output, the master's attempt,
/// and the master's counters.
async fn authenticate_with(secret: &str) -> (Option<i32>, String, Attempt, SessionMetrics) {
    let binary = authenticatee_binary();
    let runtime = start_runtime().await;
    let metrics = SessionMetrics::register(runtime.metrics(), "master/authentication");
    let credentials = Credentials::parse(
        r#"{"credentials":[{"principal":"go-framework","secret":"g0-s3cret"}]}"#,
    )
    .unwrap();
    let authenticator =
        CramMd5Authenticator::new(runtime.clone(), credentials).with_metrics(metrics.clone());
    let (attempts, mut attempted) = mpsc::unbounded_channel();
    let master = runtime
        .spawn(
            "master",
            Master {
                authenticator,
                attempts,
            },
        )
        .unwrap();

    let child = tokio::process::Command::new(binary)
        .arg(format!("-master={}", master.upid()))
        .arg("-client=scheduler(1)@127.0.0.1:40000")
        .arg("-principal=go-framework")
        .arg(format!("-secret={secret}"))
        .arg("-logtostderr")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(PATIENCE, child)
        .await
        .expect("the Go program finishes")
        .expect("the Go program runs");
    let attempt = next(&mut attempted).await;
    runtime.shutdown().await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text, attempt, metrics)
}

#[tokio::test]
async fn mesos_go_authenticatee_succeeds_with_the_right_secret() {
    let (code, output, attempt, metrics) = authenticate_with("g0-s3cret").await;
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("authenticated"), "{output}");
    assert_eq!(
        attempt.outcome,
        Outcome::Authenticated {
            principal: "go-framework".into()
        }
    );
    assert_eq!(attempt.client, "scheduler(1)@127.0.0.1:40000");
    assert_eq!(metrics.succeeded(), 1);
}

#[tokio::test]
async fn mesos_go_authenticatee_is_refused_with_a_wrong_secret() {
    let (code, output, attempt, metrics) = authenticate_with("not-the-secret").await;
    // 3: mesos-go reported auth.AuthenticationFailed, i.e. it got
    // AuthenticationFailedMessage, not an error.
    assert_eq!(code, Some(3), "{output}");
    assert_eq!(attempt.outcome, Outcome::Refused);
    assert_eq!(metrics.failed(), 1);
}
