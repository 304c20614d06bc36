//! `--registry=zk`: the registry lives under the `--zk` path, so that the
//! masters of an HA cluster share it. A standby leaves it alone until it
//! leads; agents admitted by one leader are recovered by the next, and
//! simulated agents following the leader through ZooKeeper (as
//! `mesos-sim --master=zk://...` does) reregister with it.

mod common;

use common::ha::{PATIENCE, depose_leader, leader_and_standby, patiently};
use common::{get_json, metric, wait_for_metric};
use detector::ZooKeeperMasterDetector;
use libprocess::{Config, Runtime};
use mesos_sim::{Fleet, FleetConfig};
use std::collections::BTreeSet;
use std::sync::Arc;
use testkit::ZooKeeper;

const AGENTS: usize = 5;

/// A leader and a standby sharing `--registry=zk`, and a fleet on its own
/// runtime that follows the leader through ZooKeeper, registered with it.
struct Cluster {
    leader: master::Master,
    standby: master::Master,
    runtime: Runtime,
    fleet: Fleet,
    /// The ids the leader gave the agents.
    ids: BTreeSet<String>,
}

impl Cluster {
    async fn start(zk: &ZooKeeper) -> Cluster {
        let url = zk.url("/mesos");
        let (leader, standby) = leader_and_standby(&url, &["--registry=zk"]).await;
        let runtime = Runtime::start(Config::loopback()).await.unwrap();
        let detector = ZooKeeperMasterDetector::new(&url.parse().unwrap(), PATIENCE).unwrap();
        let fleet = Fleet::start(&runtime, FleetConfig::new(AGENTS), Arc::new(detector))
            .await
            .unwrap();
        wait_for_metric(&leader, "master/slaves_active", AGENTS as f64).await;
        let ids = fleet
            .statuses()
            .await
            .into_iter()
            .map(|agent| agent.slave_id.expect("registered"))
            .collect();
        Cluster {
            leader,
            standby,
            runtime,
            fleet,
            ids,
        }
    }
}

/// The master the shared registry names as the last to recover it.
async fn recorded_master(master: &master::Master) -> proto::mesos::MasterInfo {
    let stored = master
        .state
        .fetch(registry::REGISTRY_VARIABLE)
        .await
        .unwrap();
    let registry: proto::mesos::internal::Registry = proto::decode(stored.value()).unwrap();
    registry
        .master
        .expect("a recovered registry names its master")
        .info
}

fn listed_ids(list: &serde_json::Value) -> BTreeSet<String> {
    list.as_array()
        .expect("a list of agents")
        .iter()
        .map(|agent| agent["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_next_leader_recovers_the_agents_the_last_one_admitted() {
    let zk = ZooKeeper::start();
    let Cluster {
        leader,
        standby,
        runtime,
        fleet,
        ids,
    } = Cluster::start(&zk).await;
    fleet.stop().await;
    runtime.shutdown().await;
    // The standby has not touched the registry: the leader is recorded.
    assert_eq!(recorded_master(&standby).await, leader.info);

    depose_leader(&zk.address(), "/mesos").await;
    patiently("the standby leads", standby.recovered())
        .await
        .unwrap();
    assert_eq!(recorded_master(&standby).await, standby.info);
    let state = get_json(&standby, "/master/state").await;
    assert_eq!(listed_ids(&state["recovered_slaves"]), ids);
    assert_eq!(state["leader"], standby.info.pid());
}

#[tokio::test]
async fn simulated_agents_reregister_with_the_new_leader() {
    let zk = ZooKeeper::start();
    let Cluster {
        leader: _leader,
        standby,
        runtime,
        fleet,
        ids,
    } = Cluster::start(&zk).await;

    depose_leader(&zk.address(), "/mesos").await;
    patiently("the standby leads", standby.recovered())
        .await
        .unwrap();
    wait_for_metric(&standby, "master/slaves_active", AGENTS as f64).await;
    assert_eq!(
        metric(&standby, "master/slave_reregistrations"),
        AGENTS as f64
    );
    assert_eq!(metric(&standby, "master/slave_registrations"), 0.0);
    let slaves = get_json(&standby, "/master/slaves").await;
    assert_eq!(listed_ids(&slaves["slaves"]), ids);
    fleet.stop().await;
    runtime.shutdown().await;
}

#[test]
fn the_zookeeper_registry_without_zk_is_a_startup_error_naming_the_flag() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mesos-master"))
        .args(["--ip=127.0.0.1", "--port=0", "--registry=zk"])
        .env_remove("MESOS_ZK")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap();
    assert!(
        last.contains("'zk'") && last.contains("--registry=zk"),
        "{last}"
    );
}
