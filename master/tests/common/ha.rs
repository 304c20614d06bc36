//! High availability: masters electing in a private ZooKeeper, a standby
//! seen from outside (`GET` on any address, `Location`), and the leader's
//! znode.

use super::{Answer, request_at};
use flags::MasterFlags;
use std::net::SocketAddr;
use std::time::Duration;
use zookeeper_client::Client;

/// The `--zk_session_timeout` of the tests' masters: short, so that a lost
/// session shows quickly.
pub const SESSION_TIMEOUT: &str = "--zk_session_timeout=2secs";

/// How long one step may take before the test fails; only keeps a broken
/// master from hanging the suite, nothing depends on it.
pub const PATIENCE: Duration = Duration::from_secs(90);

/// Runs `future`, failing the test if it takes longer than [`PATIENCE`].
pub async fn patiently<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {PATIENCE:?}"))
}

/// A master electing under `zk` (a `zk://` URL), started but not
/// necessarily leading; `--registry=in_memory` unless `args` name one.
pub async fn start_master(zk: &str, args: &[&str]) -> master::Master {
    let zk = format!("--zk={zk}");
    let mut all = vec!["--ip=127.0.0.1", "--port=0", zk.as_str(), SESSION_TIMEOUT];
    if !args.iter().any(|arg| arg.starts_with("--registry=")) {
        all.push("--registry=in_memory");
    }
    all.extend_from_slice(args);
    let flags = MasterFlags::load_from(all, Vec::<(String, String)>::new())
        .expect("valid flags")
        .flags;
    master::MasterBuilder::new(flags)
        .start()
        .await
        .expect("master starts")
}

/// Starts a leader under `zk`, then a standby that has seen it lead.
pub async fn leader_and_standby(zk: &str, args: &[&str]) -> (master::Master, master::Master) {
    let leader = start_master(zk, args).await;
    patiently("the first master leads", leader.recovered())
        .await
        .expect("the first master recovers");
    let standby = start_master(zk, args).await;
    let seen = patiently("the standby sees the leader", standby.detector.detect(None))
        .await
        .expect("the standby's detector works");
    assert_eq!(seen.as_ref(), Some(&leader.info), "the first master leads");
    patiently("the standby redirects to the leader", async {
        while get(standby.runtime.address(), "/master/redirect")
            .await
            .status
            != 307
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    (leader, standby)
}

/// `GET path` on a fresh connection to `address`.
pub async fn get(address: impl Into<SocketAddr>, path: &str) -> Answer {
    request_at(address, "GET", path, &[], b"").await
}

/// `//127.0.0.1:<port>`: where a master's redirects point.
pub fn base_url(master: &master::Master) -> String {
    format!("//127.0.0.1:{}", master.runtime.address().port())
}

/// A plain ZooKeeper session, for looking at znodes as a client would.
pub async fn zookeeper_client(address: &str) -> Client {
    Client::connector()
        .with_session_timeout(Duration::from_secs(10))
        .connect(address)
        .await
        .expect("connect to ZooKeeper")
}

/// The `json.info_` children of `path`, sorted: the lowest leads.
pub async fn master_znodes(client: &Client, path: &str) -> Vec<String> {
    let mut children: Vec<String> = client
        .list_children(path)
        .await
        .expect("list the group")
        .into_iter()
        .filter(|child| child.starts_with(detector::LEADER_NODE_PREFIX))
        .collect();
    children.sort();
    children
}

/// Deletes the lowest `json.info_` znode under `path`: the leader's
/// candidacy ends, and it stops as Mesos's master exits.
pub async fn depose_leader(zookeeper: &str, path: &str) {
    let client = zookeeper_client(zookeeper).await;
    let znodes = master_znodes(&client, path).await;
    let leader = znodes.first().expect("a master leads");
    client
        .delete(&format!("{path}/{leader}"), None)
        .await
        .expect("delete the leader's znode");
}
