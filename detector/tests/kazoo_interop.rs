//! kazoo (the Python ZooKeeper client) finds our leader the way pymesos
//! does — the smallest child name under the `--zk` path, whose data is the
//! master's JSON `MasterInfo` — also beside a `log_replicas` directory as
//! Mesos masters with the replicated log have.
//!
//! The test makes its own virtual environment with kazoo from PyPI (under
//! the cargo target directory) and needs Debian's `python3-venv` and
//! `zookeeper` (`cargo xtask setup`).

mod common;

use common::{SESSION_TIMEOUT, await_masters, client, master, patiently};
use detector::{MasterContender, ZooKeeperMasterContender};
use testkit::ZooKeeper;
use zookeeper_client::{Acls, CreateMode};

/// pymesos's master lookup, on kazoo: prints the leader's node and address.
const FIND_LEADER: &str = r#"
import json, sys
from kazoo.client import KazooClient

hosts, path = sys.argv[1], sys.argv[2]
zk = KazooClient(hosts=hosts)
zk.start(timeout=30)
leader = min(zk.get_children(path))
data, _ = zk.get(path + "/" + leader)
info = json.loads(data.decode("utf-8"))
print(json.dumps({
    "node": leader,
    "ip": info["address"]["ip"],
    "port": info["address"]["port"],
    "pid": info["pid"],
    "id": info["id"],
}))
zk.stop()
"#;

fn find_leader(python: &std::path::Path, zk: &ZooKeeper) -> serde_json::Value {
    let output = std::process::Command::new(python)
        .args(["-c", FIND_LEADER, &zk.address(), "/mesos"])
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "kazoo script failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}

#[tokio::test]
async fn kazoo_finds_our_leader_as_pymesos_does() {
    let python = testkit::python_venv(&["kazoo==2.11.*"]);
    let zk = ZooKeeper::start();
    let url = zk.url("/mesos").parse().unwrap();
    let (a, b) = (master(15091), master(15092));
    let mut contenders = Vec::new();
    for info in [&a, &b] {
        let contender = ZooKeeperMasterContender::new(&url, SESSION_TIMEOUT).unwrap();
        contender.initialize(info.clone());
        let candidacy = patiently("contend", contender.contend()).await.unwrap();
        contenders.push((contender, candidacy));
    }
    let looker = client(&zk.address()).await;
    looker
        .create(
            "/mesos/log_replicas",
            b"",
            &CreateMode::Persistent.with_acls(Acls::anyone_all()),
        )
        .await
        .unwrap();

    let found = find_leader(&python, &zk);
    assert!(
        found["node"].as_str().unwrap().starts_with("json.info_"),
        "{found}"
    );
    assert_eq!(found["pid"], a.pid());
    assert_eq!(found["id"], a.id.as_str());
    assert_eq!(
        (found["ip"].as_str(), found["port"].as_i64()),
        (Some("127.0.0.1"), Some(15091))
    );

    drop(contenders.remove(0));
    await_masters(&looker, "/mesos", 1).await;
    let found = find_leader(&python, &zk);
    assert_eq!(found["pid"], b.pid());
    assert_eq!(found["port"], 15092);
}
