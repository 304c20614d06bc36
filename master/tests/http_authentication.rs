//! HTTP Basic on the master's endpoints, realm by realm as Mesos 1.11 puts
//! them: with `--authenticate_http_readonly`, `/flags`, `/state`, `/slaves`
//! (with and without the `/master` prefix) and `/metrics/snapshot` answer
//! `401` with the realm's challenge unless the request carries right
//! credentials; with `--authenticate_http_readwrite`, the operator API and
//! `/logging/toggle` do; with `--authenticate_http_frameworks`, the v1
//! scheduler API does; `/health` and `/version` never ask. Failed checks
//! are counted.

mod common;

use common::{basic, get_as};

const READONLY_ENDPOINTS: &[&str] = &[
    "/flags",
    "/master/flags",
    "/state",
    "/master/state",
    "/slaves",
    "/master/slaves",
    "/state-summary",
    "/master/state-summary",
    "/roles",
    "/master/roles",
    "/metrics/snapshot",
];
const READWRITE_ENDPOINTS: &[&str] = &[
    "/api/v1",
    "/master/api/v1",
    "/logging/toggle",
    "/master/reserve",
    "/master/unreserve",
    "/master/create-volumes",
    "/master/destroy-volumes",
];
const SCHEDULER_ENDPOINTS: &[&str] = &["/api/v1/scheduler", "/master/api/v1/scheduler"];
const OPEN_ENDPOINTS: &[&str] = &["/health", "/master/health", "/version"];

/// A master with credentials for `ops` and the given realm flags.
async fn start(realm_flags: &[&str]) -> (master::Master, tempfile::TempDir) {
    let (dir, credentials) = common::credentials_file(&[("ops", "s3cret")]);
    let mut args = vec![credentials.as_str()];
    args.extend_from_slice(realm_flags);
    (common::start(&args).await, dir)
}

/// Asserts `path` asks for credentials of `realm`: `401` with the
/// challenge without credentials or with wrong ones, anything else with
/// the right ones.
async fn assert_guarded(master: &master::Master, path: &str, realm: &str) {
    let right = basic("ops:s3cret");
    for wrong in [
        None,
        Some(basic("ops:guess")),
        Some(basic("stranger:s3cret")),
    ] {
        let answer = get_as(master, path, wrong.as_deref()).await;
        assert_eq!(answer.status, 401, "{path} with {wrong:?}");
        assert_eq!(
            answer.header("www-authenticate"),
            Some(format!("Basic realm=\"{realm}\"").as_str()),
            "{path}"
        );
    }
    let answer = get_as(master, path, Some(&right)).await;
    assert_ne!(answer.status, 401, "{path} with the right credentials");
}

async fn assert_open(master: &master::Master, path: &str) {
    let answer = get_as(master, path, None).await;
    assert_ne!(answer.status, 401, "{path} is not guarded");
}

#[tokio::test]
async fn readonly_endpoints_ask_for_credentials_with_the_flag() {
    let (master, _dir) = start(&["--authenticate_http_readonly"]).await;
    for path in READONLY_ENDPOINTS {
        assert_guarded(&master, path, "mesos-master-readonly").await;
        let right = get_as(&master, path, Some(&basic("ops:s3cret"))).await;
        assert_eq!(right.status, 200, "{path}");
    }
    for path in READWRITE_ENDPOINTS
        .iter()
        .chain(SCHEDULER_ENDPOINTS)
        .chain(OPEN_ENDPOINTS)
    {
        assert_open(&master, path).await;
    }
    // Two wrong credentials per endpoint; a missing one is no attempt.
    assert_eq!(
        common::metric(
            &master,
            "master/http_authentication/mesos-master-readonly/failed"
        ),
        (2 * READONLY_ENDPOINTS.len()) as f64
    );
}

#[tokio::test]
async fn readwrite_endpoints_ask_for_credentials_with_the_flag() {
    let (master, _dir) = start(&["--authenticate_http_readwrite"]).await;
    for path in READWRITE_ENDPOINTS {
        assert_guarded(&master, path, "mesos-master-readwrite").await;
    }
    for path in READONLY_ENDPOINTS
        .iter()
        .chain(SCHEDULER_ENDPOINTS)
        .chain(OPEN_ENDPOINTS)
    {
        assert_open(&master, path).await;
    }
}

#[tokio::test]
async fn the_scheduler_api_asks_for_credentials_with_the_flag() {
    let (master, _dir) = start(&[
        "--authenticate_http_frameworks",
        "--http_framework_authenticators=basic",
    ])
    .await;
    for path in SCHEDULER_ENDPOINTS {
        assert_guarded(&master, path, "mesos-master-scheduler").await;
    }
    for path in READONLY_ENDPOINTS
        .iter()
        .chain(READWRITE_ENDPOINTS)
        .chain(OPEN_ENDPOINTS)
    {
        assert_open(&master, path).await;
    }
}

#[tokio::test]
async fn without_the_flags_nothing_asks_for_credentials() {
    let (master, _dir) = start(&[]).await;
    for path in READONLY_ENDPOINTS
        .iter()
        .chain(READWRITE_ENDPOINTS)
        .chain(SCHEDULER_ENDPOINTS)
        .chain(OPEN_ENDPOINTS)
    {
        assert_open(&master, path).await;
    }
}
