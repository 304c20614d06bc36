//! Shared by the ZooKeeper tests: masters shaped like the golden captures,
//! and a raw ZooKeeper client to look at (or forge) znodes.

#![allow(dead_code)] // Each test file uses its own subset.

use proto::mesos::MasterInfo;
use serde_json::Value;
use std::time::Duration;
use zookeeper_client::Client;

/// How long any single step may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The session timeout of the tests' contenders and detectors.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(2);

/// A golden znode of the s7-zookeeper capture: `(file, node) -> JSON`.
pub fn golden_znode(file: &str, node: &str) -> Value {
    let path = testkit::golden_dir().join("s7-zookeeper").join(file);
    let text = std::fs::read_to_string(&path).expect("golden znode capture");
    let znodes: Value = serde_json::from_str(&text).unwrap();
    znodes[node].clone()
}

/// The first master of the capture, as Mesos 1.11 wrote it into ZooKeeper.
pub fn golden_master_json() -> Value {
    golden_znode("znodes-1-single-master.json", "/mesos/json.info_0000000001")["data_json"].clone()
}

/// A master shaped like the golden one, with its own port and id (same
/// lengths as the capture's, so its JSON is as long).
pub fn master(port: u16) -> MasterInfo {
    let mut json = golden_master_json();
    json["id"] = format!("9267f6a0-49da-4d64-ae7d-{port:012}").into();
    json["port"] = port.into();
    json["pid"] = format!("master@127.0.0.1:{port}").into();
    json["address"]["port"] = port.into();
    proto::json::from_value(&json).expect("golden MasterInfo parses")
}

/// A plain session on `address`, for looking at znodes as a client would.
pub async fn client(address: &str) -> Client {
    Client::connector()
        .with_session_timeout(Duration::from_secs(10))
        .connect(address)
        .await
        .expect("connect to ZooKeeper")
}

/// The children of `path`, sorted.
pub async fn children(client: &Client, path: &str) -> Vec<String> {
    let mut children = client.list_children(path).await.expect("list children");
    children.sort();
    children
}

/// Waits until `path` has exactly `count` `json.info_` children, e.g. until
/// a withdrawn master's znode is gone.
pub async fn await_masters(client: &Client, path: &str, count: usize) {
    patiently("the masters' znodes", async {
        loop {
            let masters = children(client, path)
                .await
                .into_iter()
                .filter(|child| child.starts_with(detector::LEADER_NODE_PREFIX))
                .count();
            if masters == count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

/// Runs `future`, failing the test if it takes longer than [`PATIENCE`].
pub async fn patiently<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {PATIENCE:?}"))
}
