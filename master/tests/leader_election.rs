//! Leader election with `--zk` against a real ZooKeeper 3.8 (Debian's
//! `zookeeper`, installed by `cargo xtask setup`): the master announces
//! itself in a `json.info_` znode exactly as Mesos 1.11 does (with Mesos's
//! ACL under `zk://user:pass@`), the lowest znode leads, and a leader that
//! loses its znode or its session stops (as Mesos's exits) while a standby
//! takes over; a master in another region than the leader stops too. The
//! last test runs the issue's acceptance with two `mesos-master` processes.

mod common;

use common::ha::{
    base_url, depose_leader, get, leader_and_standby, master_znodes, patiently, start_master,
    zookeeper_client,
};
use detector::{StandaloneMasterContender, StandaloneMasterDetector};
use proto::mesos::MasterInfo;
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use testkit::{TcpProxy, ZooKeeper};
use zookeeper_client::Permission;

/// The MasterInfo Mesos 1.11 wrote into ZooKeeper in the golden capture.
fn golden_znode_json() -> Json {
    let file = testkit::golden_dir().join("s7-zookeeper/znodes-2-leader-and-standby.json");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("golden file {} is needed: {e}", file.display()));
    let znodes: Json = serde_json::from_str(&text).unwrap();
    znodes["/mesos/json.info_0000000001"]["data_json"].clone()
}

/// A master under `zk` (a `--zk` value) that won the election and recovered.
async fn leading_master(zk: &str, args: &[&str]) -> master::Master {
    let master = start_master(zk, args).await;
    patiently("the master leads", master.recovered())
        .await
        .unwrap();
    master
}

/// The name of the one `json.info_` znode under `/mesos`.
async fn the_only_master_znode(client: &zookeeper_client::Client) -> String {
    let mut znodes = master_znodes(client, "/mesos").await;
    assert_eq!(znodes.len(), 1, "{znodes:?}");
    znodes.remove(0)
}

fn keys(json: &Json) -> BTreeSet<String> {
    json.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn the_master_announces_itself_in_a_json_info_znode_as_mesos_does() {
    let zk = ZooKeeper::start();
    let master = leading_master(&zk.url("/mesos"), &["--hostname=localhost"]).await;

    let client = zookeeper_client(&zk.address()).await;
    let znode = the_only_master_znode(&client).await;
    let sequence = znode.strip_prefix("json.info_").unwrap();
    assert!(
        sequence.len() == 10 && sequence.bytes().all(|b| b.is_ascii_digit()),
        "{znode}"
    );
    let (data, stat) = client.get_data(&format!("/mesos/{znode}")).await.unwrap();
    assert_ne!(stat.ephemeral_owner, 0, "the znode is ephemeral");
    let ours: Json = serde_json::from_slice(&data).unwrap();
    let golden = golden_znode_json();
    assert_eq!(keys(&ours), keys(&golden));
    assert_eq!(keys(&ours["address"]), keys(&golden["address"]));
    assert_eq!(ours["capabilities"], golden["capabilities"]);
    assert_eq!(ours["version"], golden["version"]);
    assert_eq!(ours["ip"], golden["ip"], "127.0.0.1 as Mesos's raw s_addr");
    assert_eq!(ours["hostname"], "localhost");
    let port = master.runtime.address().port();
    assert_eq!(ours["port"], port);
    assert_eq!(ours["address"]["port"], port);
    assert_eq!(ours["pid"], format!("master@127.0.0.1:{port}"));
    assert_eq!(ours["id"], master.info.id);
    assert_eq!(common::metric(&master, "master/elected"), 1.0);
}

/// `--zk=file://...` holding `zk://user:pass@...`, as Mesos users keep the
/// secret out of the command line: the session authenticates with the
/// digest scheme, and our znodes — the candidacy and the `--registry=zk`
/// registry — get Mesos's ACL: anyone reads, only that user changes them.
#[tokio::test]
async fn credentials_from_a_zk_file_protect_our_znodes_as_mesos_does() {
    let zk = ZooKeeper::start();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("zk");
    std::fs::write(
        &secret,
        format!("zk://jake:secret@{}/mesos\n", zk.address()),
    )
    .unwrap();
    let file = format!("file://{}", secret.display());
    let master = leading_master(&file, &["--registry=zk"]).await;

    // A client without credentials.
    let client = zookeeper_client(&zk.address()).await;
    let candidacy = format!("/mesos/{}", the_only_master_znode(&client).await);
    for path in [candidacy.as_str(), "/mesos/registry/entries"] {
        let (acl, _) = client.get_acl(path).await.unwrap();
        let acl: Vec<(Permission, &str, &str)> = acl
            .iter()
            .map(|entry| (entry.permission(), entry.scheme(), entry.id()))
            .collect();
        assert_eq!(acl.len(), 2, "{path}: {acl:?}");
        assert_eq!(acl[0], (Permission::READ, "world", "anyone"), "{path}");
        assert_eq!((acl[1].0, acl[1].1), (Permission::ALL, "digest"), "{path}");
        assert!(acl[1].2.starts_with("jake:"), "{path}: {acl:?}");
        assert!(client.get_data(path).await.is_ok(), "{path}: anyone reads");
        assert_eq!(
            client.set_data(path, b"forged", None).await.unwrap_err(),
            zookeeper_client::Error::NoAuth,
            "{path}: only jake writes"
        );
    }
    // `/flags` names the file, never the secret in it.
    let flags = common::get_json(&master, "/master/flags").await;
    assert_eq!(flags["flags"]["zk"], secret.display().to_string());
}

#[tokio::test]
async fn a_standby_recovers_nothing_until_the_leader_loses_its_znode() {
    let zk = ZooKeeper::start();
    let (leader, standby) = leader_and_standby(&zk.url("/mesos"), &[]).await;
    assert_eq!(common::metric(&standby, "master/elected"), 0.0);

    // Deleting the leader's znode ends its candidacy: it stops, as Mesos's
    // master exits, and the standby's znode is now the lowest.
    depose_leader(&zk.address(), "/mesos").await;
    let failure = patiently("the deposed leader stops", leader.failed()).await;
    let reason = failure.to_string();
    assert!(
        reason.contains("candidacy") || reason.contains("leadership"),
        "{reason}"
    );

    patiently("the standby leads", standby.recovered())
        .await
        .unwrap();
    assert_eq!(common::metric(&standby, "master/elected"), 1.0);
    let redirect = get(standby.runtime.address(), "/master/redirect").await;
    assert_eq!(
        redirect.header("Location"),
        Some(base_url(&standby).as_str())
    );
}

#[tokio::test]
async fn a_leader_cut_off_from_zookeeper_stops_and_the_standby_leads() {
    let zk = ZooKeeper::start();
    // The leader reaches ZooKeeper through a proxy the test can cut.
    let proxy = TcpProxy::start(zk.address()).await;
    let leader = start_master(&format!("zk://{}/mesos", proxy.address()), &[]).await;
    patiently("the first master leads", leader.recovered())
        .await
        .unwrap();
    let standby = start_master(&zk.url("/mesos"), &[]).await;
    assert_eq!(
        patiently("the standby sees the leader", standby.detector.detect(None))
            .await
            .unwrap(),
        Some(leader.info.clone())
    );

    proxy.cut();
    // The leader gives up once the session timeout passes without ZooKeeper;
    // ZooKeeper expires its session and the standby's znode leads.
    let failure = patiently("the cut-off leader stops", leader.failed()).await;
    assert!(failure.to_string().contains("Lost"), "{failure}");
    patiently("the standby leads", standby.recovered())
        .await
        .unwrap();
    assert_eq!(common::metric(&standby, "master/elected"), 1.0);
}

#[tokio::test]
async fn a_master_whose_zookeeper_goes_away_stops() {
    let mut zk = ZooKeeper::start();
    let master = leading_master(&zk.url("/mesos"), &[]).await;
    zk.kill();
    let failure = patiently("the master stops", master.failed()).await;
    assert!(failure.to_string().contains("Lost"), "{failure}");
}

/// As in Mesos, a master whose `--domain` region differs from the
/// leader's stops: the cluster is misconfigured.
#[tokio::test]
async fn a_standby_in_another_region_than_the_leader_stops() {
    let leader: MasterInfo = proto::json::from_value(&serde_json::json!({
        "id": "the-leader", "ip": 16777343, "port": 5050,
        "domain": {"fault_domain": {"region": {"name": "west"}, "zone": {"name": "w1"}}}
    }))
    .unwrap();
    let flags = common::flags(&[
        r#"--domain={"fault_domain":{"region":{"name":"east"},"zone":{"name":"e1"}}}"#,
    ]);
    let master = master::MasterBuilder::new(flags)
        .leader_election(
            Arc::new(StandaloneMasterContender::new()),
            Arc::new(StandaloneMasterDetector::new(Some(leader))),
        )
        .start()
        .await
        .expect("master starts");
    assert_eq!(
        master
            .info
            .domain
            .as_ref()
            .unwrap()
            .fault_domain
            .as_ref()
            .unwrap()
            .region
            .name,
        "east"
    );
    let failure = patiently("the master stops", master.failed()).await;
    assert!(failure.to_string().contains("region 'west'"), "{failure}");
}

/// A `mesos-master` process electing under `zk` on `port`.
struct MasterProcess {
    child: Child,
    port: u16,
}

impl MasterProcess {
    fn start(zk: &str, session_timeout: &str) -> MasterProcess {
        let port = testkit::free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_mesos-master"))
            .args([
                "--ip=127.0.0.1",
                &format!("--port={port}"),
                &format!("--zk={zk}"),
                &format!("--zk_session_timeout={session_timeout}"),
                "--registry=zk",
            ])
            .env_remove("MESOS_WORK_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary runs");
        MasterProcess { child, port }
    }

    fn address(&self) -> std::net::SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    fn base_url(&self) -> String {
        format!("//127.0.0.1:{}", self.port)
    }

    /// Where `/master/redirect` points, once the master answers with one.
    async fn leader(&self) -> Option<String> {
        if tokio::net::TcpStream::connect(self.address())
            .await
            .is_err()
        {
            return None;
        }
        let answer = get(self.address(), "/master/redirect").await;
        (answer.status == 307)
            .then(|| answer.header("Location").map(str::to_owned))
            .flatten()
    }

    /// Waits until `/master/redirect` points at `leader`.
    async fn await_leader(&self, leader: &str) {
        patiently("the expected leader", async {
            while self.leader().await.as_deref() != Some(leader) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
    }
}

impl Drop for MasterProcess {
    fn drop(&mut self) {
        let _already_gone = self.child.kill();
        let _reaped = self.child.wait();
    }
}

/// The issue's acceptance: two `mesos-master` processes with the same
/// `--zk`; one leads and the other redirects to it; `kill -9` the leader and
/// the other leads. How long the takeover took is printed (the issue asks
/// for at most `--zk_session_timeout` + 2 s), not asserted.
#[tokio::test]
async fn two_mesos_master_processes_fail_over_when_the_leader_is_killed() {
    let zk = ZooKeeper::start();
    let url = zk.url("/mesos");
    let session_timeout = Duration::from_secs(3);
    let mut first = MasterProcess::start(&url, "3secs");
    first.await_leader(&first.base_url()).await;
    let second = MasterProcess::start(&url, "3secs");
    second.await_leader(&first.base_url()).await;
    let standby_state = get(second.address(), "/master/state").await;
    assert_eq!(standby_state.status, 307);
    assert_eq!(
        standby_state.header("Location"),
        Some(format!("{}/master/state", first.base_url()).as_str())
    );

    first.child.kill().expect("SIGKILL the leader");
    let killed = Instant::now();
    second.await_leader(&second.base_url()).await;
    let takeover = killed.elapsed();
    eprintln!(
        "the standby led {:.2} s after the leader was killed (--zk_session_timeout={}s; \
         acceptance: within {:.0} s)",
        takeover.as_secs_f64(),
        session_timeout.as_secs(),
        (session_timeout + Duration::from_secs(2)).as_secs_f64()
    );
}
