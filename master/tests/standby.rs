//! A master that does not lead answers as Mesos 1.11's standby does (golden
//! `s7-zookeeper`): the cluster's endpoints answer `307` with a
//! scheme-relative `Location` on the leader, `/master/redirect` points at
//! the leader's base URL (on the leader too), the v1 scheduler and
//! operator APIs redirect too, its own `/health`, `/flags`
//! and `/version` are served locally, messages are dropped, and without any
//! leader the redirects become `503`.

mod common;

use common::ha::{base_url, get, leader_and_standby};
use common::{FakeAgent, metric, request_at, wait_for_metric};
use detector::{StandaloneMasterContender, StandaloneMasterDetector};
use std::sync::Arc;
use testkit::ZooKeeper;

const JSON: &[(&str, &str)] = &[("Content-Type", "application/json")];

#[tokio::test]
async fn a_standby_redirects_the_cluster_endpoints_to_the_leader() {
    let zk = ZooKeeper::start();
    let (leader, standby) = leader_and_standby(&zk.url("/mesos"), &[]).await;
    let leader_url = base_url(&leader);
    let address = standby.runtime.address();

    for (path, location) in [
        ("/master/redirect", leader_url.clone()),
        ("/redirect", leader_url.clone()),
        ("/master/state", format!("{leader_url}/master/state")),
        // The bare path reaches the master's route as /master/state.
        ("/state", format!("{leader_url}/master/state")),
        ("/master/slaves", format!("{leader_url}/master/slaves")),
        (
            "/master/state?jsonp=show",
            format!("{leader_url}/master/state?jsonp=show"),
        ),
    ] {
        let answer = get(address, path).await;
        assert_eq!(answer.status, 307, "{path}");
        assert_eq!(answer.header("Location"), Some(location.as_str()), "{path}");
        assert_eq!(answer.header("Content-Length"), Some("0"), "{path}");
    }
    // The v1 scheduler API goes to the leader, whatever the call.
    let subscribe =
        r#"{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"standby"}}}"#;
    let answer = request_at(
        address,
        "POST",
        "/api/v1/scheduler",
        JSON,
        subscribe.as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 307);
    assert_eq!(
        answer.header("Location"),
        Some(format!("{leader_url}/master/api/v1/scheduler").as_str())
    );

    // So does every operator call, even those about this master alone.
    for call in ["GET_HEALTH", "GET_VERSION", "GET_STATE"] {
        let body = format!(r#"{{"type":"{call}"}}"#);
        let answer = request_at(address, "POST", "/api/v1", JSON, body.as_bytes()).await;
        assert_eq!(answer.status, 307, "{call}");
        assert_eq!(
            answer.header("Location"),
            Some(format!("{leader_url}/master/api/v1").as_str()),
            "{call}"
        );
    }

    // Below /redirect there is nothing: redirecting would loop.
    assert_eq!(get(address, "/master/redirect/more").await.status, 404);

    for path in ["/health", "/master/health", "/master/flags", "/version"] {
        assert_eq!(get(address, path).await.status, 200, "{path}");
    }
}

#[tokio::test]
async fn the_leader_redirects_to_itself() {
    let zk = ZooKeeper::start();
    let (leader, _standby) = leader_and_standby(&zk.url("/mesos"), &[]).await;
    let redirect = get(leader.runtime.address(), "/master/redirect").await;
    assert_eq!(redirect.status, 307);
    assert_eq!(
        redirect.header("Location"),
        Some(base_url(&leader).as_str())
    );
    assert_eq!(
        get(leader.runtime.address(), "/master/state").await.status,
        200
    );
}

#[tokio::test]
async fn a_standby_drops_agent_messages() {
    let zk = ZooKeeper::start();
    let (_leader, standby) = leader_and_standby(&zk.url("/mesos"), &[]).await;
    let agent = FakeAgent::start(&standby).await;
    agent.send(&common::golden_registration(agent.port()));
    wait_for_metric(&standby, "master/dropped_messages", 1.0).await;
    assert_eq!(metric(&standby, "master/slave_registrations"), 0.0);
    assert_eq!(metric(&standby, "master/slaves_active"), 0.0);
}

#[tokio::test]
async fn without_a_leader_redirects_answer_503() {
    // A detector that never names a leader: this master never leads.
    let builder = master::MasterBuilder::new(common::flags(&[])).leader_election(
        Arc::new(StandaloneMasterContender::new()),
        Arc::new(StandaloneMasterDetector::default()),
    );
    let master = builder.start().await.expect("master starts");
    for path in ["/master/redirect", "/master/state", "/master/slaves"] {
        let answer = get(master.runtime.address(), path).await;
        assert_eq!(answer.status, 503, "{path}");
        assert_eq!(answer.body, b"No leader elected", "{path}");
    }
    assert_eq!(get(master.runtime.address(), "/health").await.status, 200);
}
