//! Authentication of agents and scheduler drivers over libprocess, as Mesos
//! 1.11's master does it:
//! a CRAM-MD5 exchange with an authenticatee of our own (and with mesos-go
//! 0.0.6's, a Go program), the principal remembered for the pid it vouched
//! for, `--authenticate_agents` refusing agents without one, registrations
//! waiting for a running attempt, a second attempt discarding the first,
//! and attempts that break or stall ending without leaking a session. For
//! frameworks: `--authenticate_frameworks`, and `FrameworkInfo.principal`
//! matching the authenticated principal (a driver's, or the scheduler
//! realm's for v1 HTTP frameworks) and filled in from it.
//!
//! The Go interop needs `go` and Debian's `golang-github-mesos-mesos-go-dev`
//! (`cargo xtask setup` installs them); it fails, never skips, without them.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::authenticatee::{Authenticatee, COMPLETED, FAILED};
use common::driver::FakeDriver;
use common::{FakeAgent, master_upid, metric, wait_for_metric};
use proto::mesos::FrameworkInfo;
use proto::mesos::internal::{
    FrameworkErrorMessage, FrameworkRegisteredMessage, RegisterFrameworkMessage,
};

const REGISTERED: &str = "mesos.internal.SlaveRegisteredMessage";

/// `--credentials` with one agent principal.
fn credentials_file() -> (tempfile::TempDir, String) {
    common::credentials_file(&[("agent", "s3cret")])
}

/// A master with `--authenticate_agents` and [`credentials_file`], plus
/// `extra` flags.
async fn start_master(extra: &[&str]) -> (master::Master, tempfile::TempDir) {
    let (dir, credentials) = credentials_file();
    let mut args = vec!["--authenticate_agents", credentials.as_str()];
    args.extend_from_slice(extra);
    (common::start(&args).await, dir)
}

/// An agent and an authenticatee on the agent's runtime.
async fn agent_with_authenticatee(master: &master::Master) -> (FakeAgent, Authenticatee) {
    let agent = FakeAgent::start(master).await;
    let authenticatee = Authenticatee::start(&agent.runtime, master_upid(master));
    (agent, authenticatee)
}

/// Asserts that `refused` (which sent one registration the master has
/// handled) was not admitted: the Registrar admits in order, so once a
/// later agent is registered, an admitted `refused` would be listed too.
async fn assert_not_admitted(master: &master::Master, refused: &FakeAgent) {
    let (mut witness, mut authenticatee) = agent_with_authenticatee(master).await;
    let upid = witness.upid().clone();
    assert_eq!(
        authenticatee.authenticate(&upid, "agent", "s3cret").await,
        COMPLETED
    );
    witness.register().await;
    let slaves = common::get_json(master, "/master/slaves").await;
    let pids: Vec<&str> = slaves["slaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slave| slave["pid"].as_str().unwrap())
        .collect();
    assert_eq!(pids, [witness.upid().to_string()]);
    assert!(!pids.contains(&refused.upid().to_string().as_str()));
    assert_eq!(metric(master, "master/slave_registrations"), 1.0);
}

#[tokio::test]
async fn an_agent_with_the_right_secret_registers() {
    let (master, _dir) = start_master(&[]).await;
    let (mut agent, mut authenticatee) = agent_with_authenticatee(&master).await;
    let upid = agent.upid().clone();

    let session = authenticatee.begin(&upid).await;
    assert!(
        session.id().starts_with("crammd5-authenticator-session("),
        "{session}"
    );
    assert_eq!(session.address(), master.runtime.address());
    assert_eq!(
        authenticatee.finish(&session, "agent", "s3cret").await,
        COMPLETED
    );
    agent.register().await;

    assert_eq!(metric(&master, "master/messages_authenticate"), 1.0);
    assert_eq!(metric(&master, "master/authentication/succeeded"), 1.0);
    wait_for_metric(&master, "master/authentication/sessions_active", 0.0).await;
    assert!(!master.runtime.is_running(session.id()));
}

#[tokio::test]
async fn an_agent_with_a_wrong_secret_is_refused() {
    let (master, _dir) = start_master(&[]).await;
    let (agent, mut authenticatee) = agent_with_authenticatee(&master).await;
    let upid = agent.upid().clone();

    assert_eq!(
        authenticatee.authenticate(&upid, "agent", "guess").await,
        FAILED
    );
    agent.send(&common::golden_registration(agent.port()));
    wait_for_metric(&master, "master/messages_register_slave", 1.0).await;
    assert_eq!(metric(&master, "master/authentication/failed"), 1.0);
    assert_not_admitted(&master, &agent).await;
}

#[tokio::test]
async fn an_agent_that_never_authenticated_is_refused() {
    let (master, _dir) = start_master(&[]).await;
    let agent = FakeAgent::start(&master).await;
    agent.send(&common::golden_registration(agent.port()));
    wait_for_metric(&master, "master/messages_register_slave", 1.0).await;
    assert_not_admitted(&master, &agent).await;
}

#[tokio::test]
async fn without_the_flag_unauthenticated_agents_register() {
    let (_dir, credentials) = credentials_file();
    let master = common::start(&[&credentials]).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    assert_eq!(metric(&master, "master/messages_authenticate"), 0.0);
}

#[tokio::test]
async fn a_registration_during_authentication_waits_for_its_outcome() {
    let (master, _dir) = start_master(&[]).await;
    let (mut agent, mut authenticatee) = agent_with_authenticatee(&master).await;
    let upid = agent.upid().clone();

    let session = authenticatee.begin(&upid).await;
    // Same runtime, same connection: the master has the attempt first.
    agent.send(&common::golden_registration(agent.port()));
    wait_for_metric(&master, "master/messages_register_slave", 1.0).await;
    assert_eq!(
        authenticatee.finish(&session, "agent", "s3cret").await,
        COMPLETED
    );
    let registered = agent.expect(REGISTERED).await;
    assert_eq!(registered.from.to_string(), master.info.pid());
    // Handled once more after the outcome, as Mesos counts it.
    assert_eq!(metric(&master, "master/messages_register_slave"), 2.0);
}

#[tokio::test]
async fn a_second_attempt_discards_the_first() {
    let (master, _dir) = start_master(&[]).await;
    let (mut agent, mut authenticatee) = agent_with_authenticatee(&master).await;
    let upid = agent.upid().clone();

    let first = authenticatee.begin(&upid).await;
    let second = authenticatee.begin(&upid).await;
    assert_ne!(first, second);
    tokio::time::timeout(common::PATIENCE, master.runtime.wait(&first))
        .await
        .expect("the first session ends");
    assert_eq!(
        authenticatee.finish(&second, "agent", "s3cret").await,
        COMPLETED
    );
    agent.register().await;
    assert_eq!(metric(&master, "master/messages_authenticate"), 2.0);
    wait_for_metric(&master, "master/authentication/sessions_active", 0.0).await;
}

#[tokio::test]
async fn a_stalled_attempt_times_out_and_its_waiting_registration_is_dropped() {
    let (master, _dir) = start_master(&["--authentication_v0_timeout=1secs"]).await;
    let (agent, mut authenticatee) = agent_with_authenticatee(&master).await;
    let upid = agent.upid().clone();

    let session = authenticatee.begin(&upid).await;
    agent.send(&common::golden_registration(agent.port()));
    wait_for_metric(&master, "master/authentication/timed_out", 1.0).await;
    wait_for_metric(&master, "master/authentication/sessions_active", 0.0).await;
    assert!(!master.runtime.is_running(session.id()));
    // The waiting registration was dropped, never handled again.
    assert_eq!(metric(&master, "master/messages_register_slave"), 1.0);
    assert_not_admitted(&master, &agent).await;
}

#[tokio::test]
async fn a_vanished_authenticatee_ends_its_session() {
    let (master, _dir) = start_master(&[]).await;
    let (agent, mut authenticatee) = agent_with_authenticatee(&master).await;
    let upid = agent.upid().clone();
    let session = authenticatee.begin(&upid).await;
    agent.kill().await;
    wait_for_metric(&master, "master/authentication/errored", 1.0).await;
    wait_for_metric(&master, "master/authentication/sessions_active", 0.0).await;
    assert!(!master.runtime.is_running(session.id()));
}

#[tokio::test]
async fn a_disconnected_agent_authenticates_again_before_reregistering() {
    let (master, _dir) = start_master(&[]).await;
    let (mut agent, mut authenticatee) = agent_with_authenticatee(&master).await;
    let upid = agent.upid().clone();
    assert_eq!(
        authenticatee.authenticate(&upid, "agent", "s3cret").await,
        COMPLETED
    );
    let id = agent.register().await;

    // The agent restarts at the same address: a new runtime, same pid.
    let port = agent.port();
    agent.kill().await;
    wait_for_metric(&master, "master/slaves_disconnected", 1.0).await;
    let mut agent = FakeAgent::start_at(&master, port).await;
    agent.send(&common::golden_reregistration(port, &id));
    wait_for_metric(&master, "master/messages_reregister_slave", 1.0).await;
    // Refused: an unchanged agent would have been reconnected at once.
    assert_eq!(metric(&master, "master/slaves_disconnected"), 1.0);

    let mut authenticatee = Authenticatee::start(&agent.runtime, master_upid(&master));
    assert_eq!(
        authenticatee.authenticate(&upid, "agent", "s3cret").await,
        COMPLETED
    );
    agent.send(&common::golden_reregistration(port, &id));
    agent
        .expect("mesos.internal.SlaveReregisteredMessage")
        .await;
    assert_eq!(metric(&master, "master/slaves_connected"), 1.0);
}

/// The Go program of the `authentication` crate's interop test: mesos-go
/// 0.0.6's SASL authenticatee, vouching for `-client`. Built once per test
/// binary.
fn mesos_go_authenticatee() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let scratch =
            std::env::temp_dir().join(format!("master-authentication-go-{}", std::process::id()));
        let main_go = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../authentication/tests/go/src/authenticatee/main.go");
        testkit::build_go_program(&main_go, &scratch)
    })
}

/// Runs the mesos-go authenticatee against `master` for `agent` with
/// `secret`; returns its exit code and output.
async fn mesos_go_authenticates(
    master: &master::Master,
    agent: &FakeAgent,
    secret: &str,
) -> (Option<i32>, String) {
    let output = tokio::process::Command::new(mesos_go_authenticatee())
        .arg(format!("-master={}", master.info.pid()))
        .arg(format!("-client={}", agent.upid()))
        .arg("-principal=agent")
        .arg(format!("-secret={secret}"))
        .arg("-logtostderr")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(common::PATIENCE, output)
        .await
        .expect("the Go program finishes")
        .expect("the Go program runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

#[tokio::test]
async fn mesos_go_authenticates_an_agent_with_the_right_secret() {
    let (master, _dir) = start_master(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let (code, output) = mesos_go_authenticates(&master, &agent, "s3cret").await;
    assert_eq!(code, Some(0), "{output}");
    agent.register().await;
    assert_eq!(metric(&master, "master/authentication/succeeded"), 1.0);
}

#[tokio::test]
async fn mesos_go_is_refused_with_a_wrong_secret_and_so_is_its_agent() {
    let (master, _dir) = start_master(&[]).await;
    let agent = FakeAgent::start(&master).await;
    let (code, output) = mesos_go_authenticates(&master, &agent, "guess").await;
    // 3: mesos-go got AuthenticationFailedMessage.
    assert_eq!(code, Some(3), "{output}");
    assert_eq!(metric(&master, "master/authentication/failed"), 1.0);
    agent.send(&common::golden_registration(agent.port()));
    wait_for_metric(&master, "master/messages_register_slave", 1.0).await;
    assert_not_admitted(&master, &agent).await;
}

#[tokio::test]
async fn unusable_credentials_stop_the_master_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let missing = dir.path().join("missing");
    for path in [&empty, &missing] {
        let flag = format!("--credentials={}", path.display());
        let error = master::MasterBuilder::new(common::flags(&[&flag]))
            .start()
            .await
            .expect_err("the master refuses to start");
        assert_eq!(error.stage, "authentication");
        assert!(
            error.message.starts_with("Flag '--credentials': "),
            "{error}"
        );
        assert!(
            error.message.contains(&path.display().to_string()),
            "{error}"
        );
    }

    let error = master::MasterBuilder::new(common::flags(&["--authenticate_http_readonly"]))
        .start()
        .await
        .expect_err("HTTP Basic needs credentials");
    assert!(
        error.message.contains("'--credentials'")
            && error.message.contains("mesos-master-readonly"),
        "{error}"
    );
}

/// A master with `--authenticate_frameworks` (and `extra` flags), and a
/// driver `scheduler(1)` with an authenticatee on its runtime.
async fn master_and_driver(
    extra: &[&str],
) -> (master::Master, tempfile::TempDir, FakeDriver, Authenticatee) {
    let (dir, credentials) = common::credentials_file(&[("ops", "s3cret")]);
    let mut args = vec!["--authenticate_frameworks", credentials.as_str()];
    args.extend_from_slice(extra);
    let master = common::start(&args).await;
    let driver = FakeDriver::start(&master).await;
    let authenticatee = Authenticatee::start(&driver.runtime, master_upid(&master));
    (master, dir, driver, authenticatee)
}

fn registration(principal: Option<&str>) -> RegisterFrameworkMessage {
    RegisterFrameworkMessage {
        framework: FrameworkInfo {
            user: "root".into(),
            name: "authenticated".into(),
            principal: principal.map(str::to_owned),
            ..FrameworkInfo::default()
        },
    }
}

#[tokio::test]
async fn an_unauthenticated_driver_is_refused_under_authenticate_frameworks() {
    let (master, _dir, mut driver, _authenticatee) = master_and_driver(&[]).await;
    driver.send(&registration(None));
    let error: FrameworkErrorMessage = driver.expect().await;
    assert_eq!(
        error.message,
        format!("Framework at {} is not authenticated", driver.upid())
    );
    assert_eq!(metric(&master, "master/frameworks_active"), 0.0);
}

#[tokio::test]
async fn a_driver_naming_another_principal_is_refused() {
    let (_master, _dir, mut driver, mut authenticatee) = master_and_driver(&[]).await;
    let upid = driver.upid().clone();
    assert_eq!(
        authenticatee.authenticate(&upid, "ops", "s3cret").await,
        COMPLETED
    );
    driver.send(&registration(Some("someone-else")));
    let error: FrameworkErrorMessage = driver.expect().await;
    assert_eq!(
        error.message,
        "Framework principal 'someone-else' does not match authenticated principal 'ops'"
    );
}

#[tokio::test]
async fn an_authenticated_driver_registers_under_its_principal() {
    // Only `ops` may register: a framework without its principal filled in
    // would be refused.
    let acls = serde_json::json!({
        "permissive": false,
        "register_frameworks": [{"principals": {"values": ["ops"]}, "roles": {"type": "ANY"}}]
    });
    let acls = format!("--acls={acls}");
    let (_master, _dir, mut driver, mut authenticatee) = master_and_driver(&[&acls]).await;
    let upid = driver.upid().clone();
    let session = authenticatee.begin(&upid).await;
    // Waits for the authentication, then registers.
    driver.send(&registration(None));
    assert_eq!(
        authenticatee.finish(&session, "ops", "s3cret").await,
        COMPLETED
    );
    let _: FrameworkRegisteredMessage = driver.expect().await;
}

#[tokio::test]
async fn an_http_framework_naming_another_principal_is_refused() {
    let (dir, credentials) = common::credentials_file(&[("ops", "s3cret")]);
    let master = common::start(&[
        "--authenticate_http_frameworks",
        "--http_framework_authenticators=basic",
        &credentials,
    ])
    .await;
    let _credentials = dir;
    let mut subscribe = common::scheduler::pymesos_subscribe("claims-another");
    subscribe["subscribe"]["framework_info"]["principal"] = "someone-else".into();
    let authorization = common::basic("ops:s3cret");
    let answer = common::request(
        &master,
        "POST",
        "/api/v1/scheduler",
        &[
            ("Authorization", &authorization),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        ],
        subscribe.to_string().as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.text(),
        "Failed to validate scheduler::Call: Authenticated principal 'ops' does not match \
         principal 'someone-else' set in `FrameworkInfo`"
    );
}

#[tokio::test]
async fn an_http_framework_takes_its_principal_from_the_realm_and_only_it_may_call() {
    let (_dir, credentials) = common::credentials_file(&[("ops", "s3cret"), ("reader", "r34d")]);
    let master = common::start(&[
        "--authenticate_http_frameworks",
        "--http_framework_authenticators=basic",
        &credentials,
    ])
    .await;
    let ops = common::basic("ops:s3cret");
    let subscribe = common::scheduler::pymesos_subscribe("no-principal-named");
    let mut subscription = common::scheduler::Subscription::open_with(
        master.runtime.address(),
        "application/json",
        subscribe.to_string().as_bytes(),
        &[("Authorization", &ops)],
    )
    .await;
    let framework_id = subscription.subscribed_framework_id().await;
    let stream_id = subscription.stream_id();
    let revive = common::scheduler::simple("REVIVE", &framework_id).to_string();

    let call_as = |authorization: String| {
        let (master, stream_id, revive) = (&master, stream_id.clone(), revive.clone());
        async move {
            common::request(
                master,
                "POST",
                "/api/v1/scheduler",
                &[
                    ("Authorization", &authorization),
                    ("Content-Type", "application/json"),
                    ("Mesos-Stream-Id", &stream_id),
                ],
                revive.as_bytes(),
            )
            .await
        }
    };
    let as_ops = call_as(ops).await;
    assert_eq!(as_ops.status, 202, "{}", as_ops.text());
    let as_reader = call_as(common::basic("reader:r34d")).await;
    assert_eq!(as_reader.status, 400);
    assert_eq!(
        as_reader.text(),
        "Authenticated principal 'reader' does not match principal 'ops' set in `FrameworkInfo`"
    );
}

#[tokio::test]
async fn a_request_for_an_invalid_pid_is_dropped_without_a_session() {
    let (master, _dir) = start_master(&[]).await;
    let agent = FakeAgent::start(&master).await;
    agent.send(&proto::mesos::internal::AuthenticateMessage {
        pid: "not a pid".into(),
    });
    wait_for_metric(&master, "master/messages_authenticate", 1.0).await;
    assert_eq!(
        metric(&master, "master/authentication/sessions_active"),
        0.0
    );
    // The master carries on.
    let (mut agent, mut authenticatee) = agent_with_authenticatee(&master).await;
    let upid = agent.upid().clone();
    assert_eq!(
        authenticatee.authenticate(&upid, "agent", "s3cret").await,
        COMPLETED
    );
    agent.register().await;
}
