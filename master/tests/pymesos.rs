//! pymesos 0.3.15 — a v1 HTTP scheduler API client in JSON that nobody here
//! wrote — runs a framework against our master as it ran against Mesos 1.11
//! in the golden `s3-v1-scheduler-json` capture: it subscribes, gets an
//! offer from a simulated agent, launches `echo hello` (run for real by the
//! agent), sees TASK_STARTING, TASK_RUNNING and TASK_FINISHED, and tears
//! the framework down. It does so given the master's address, given
//! `zk://` (leader election in ZooKeeper), and given a standby's address.
//!
//! The tests install pymesos itself (`testkit::pymesos_venv`, with kazoo
//! for `zk://`); they need python3 with venv and ZooKeeper (`cargo xtask
//! setup`), and PyPI.

mod common;

use std::path::Path;

use common::cluster::{
    Cluster, FINISHED_COMMAND_TASK, assert_updates_from_executors_of, command_tasks, events,
    first_offer_from_the_agent, run_client, task_states, wait_for_completion,
};
use serde_json::Value as Json;
use testkit::ZooKeeper;

fn script() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients/pymesos_echo.py")
        .display()
        .to_string()
}

/// What the golden pymesos run saw, checked on what ours saw.
async fn assert_echo_ran(cluster: &Cluster, seen: &[Json]) {
    assert!(events(seen, "error").is_empty(), "{seen:#?}");
    let registered = events(seen, "registered");
    assert_eq!(registered.len(), 1, "{seen:#?}");
    let framework_id = registered[0]["framework_id"].as_str().unwrap();
    assert!(framework_id.ends_with("-0000"), "{framework_id}");
    assert_eq!(registered[0]["master_info"]["version"], "1.11.0");
    // pymesos names the master it subscribed with: the leader.
    assert_eq!(
        registered[0]["master_info"]["port"],
        cluster.master.runtime.address().port()
    );

    let first = first_offer_from_the_agent(cluster, seen).await;
    let cpus = first["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|resource| resource["name"] == "cpus")
        .expect("the offer has cpus");
    assert_eq!(cpus["scalar"]["value"], 1.0);

    let states = task_states(seen);
    assert_eq!(
        states.keys().collect::<Vec<_>>(),
        ["pymesos-echo-1"],
        "{seen:#?}"
    );
    assert_eq!(states["pymesos-echo-1"], FINISHED_COMMAND_TASK);
    assert_updates_from_executors_of(seen, first);
    assert_eq!(seen.last().unwrap()["event"], "stopped", "{seen:#?}");

    // The framework tore itself down after its task finished.
    wait_for_completion(&cluster.master, 1).await;
}

#[tokio::test]
async fn pymesos_launches_echo_hello_and_sees_it_finish() {
    let python = testkit::pymesos_venv(&[]);
    let cluster = Cluster::start(&[], 1, command_tasks()).await;

    let seen = run_client(&python, &[script(), cluster.master_address()]).await;
    assert_echo_ran(&cluster, &seen).await;
    cluster.stop().await;
}

/// Given `zk://.../mesos`, pymesos reads the leader from the lowest
/// `json.info_` znode with kazoo.
#[tokio::test]
async fn pymesos_finds_the_leader_through_zookeeper() {
    let python = testkit::pymesos_venv(&["kazoo==2.11.*"]);
    let zk = ZooKeeper::start();
    let url = zk.url("/mesos");
    let (cluster, _standby) = Cluster::elected(&url, 1, command_tasks()).await;

    let seen = run_client(&python, &[script(), url]).await;
    assert_echo_ran(&cluster, &seen).await;
    cluster.stop().await;
}

/// Given a standby's address, pymesos follows its 307 to the leader.
#[tokio::test]
async fn pymesos_follows_a_standby_to_the_leader() {
    let python = testkit::pymesos_venv(&[]);
    let zk = ZooKeeper::start();
    let (cluster, standby) = Cluster::elected(&zk.url("/mesos"), 1, command_tasks()).await;

    let seen = run_client(&python, &[script(), standby.runtime.address().to_string()]).await;
    assert_echo_ran(&cluster, &seen).await;
    cluster.stop().await;
}
