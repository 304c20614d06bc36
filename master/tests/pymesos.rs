//! pymesos 0.3.15 — a v1 HTTP scheduler API client in JSON that nobody here
//! wrote — runs a framework against our master as it ran against Mesos 1.11
//! in the golden `s3-v1-scheduler-json` capture: it subscribes, gets an
//! offer from a simulated agent, launches `echo hello` (run for real by the
//! agent), sees TASK_STARTING, TASK_RUNNING and TASK_FINISHED, and tears
//! the framework down.
//!
//! The test installs pymesos itself (`testkit::pymesos_venv`); it needs
//! python3 with venv (`cargo xtask setup`) and PyPI.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::cluster::{
    Cluster, FINISHED_COMMAND_TASK, events, run_client, task_states, wait_for_completion,
};
use mesos_sim::{CommandTasks, SimulatedTasks};
use serde_json::Value as Json;

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

    let offers = events(seen, "offer");
    let first = offers
        .first()
        .unwrap_or_else(|| panic!("no offer: {seen:#?}"));
    let agent = cluster.fleet().statuses().await[0].slave_id.clone();
    assert_eq!(first["agent_id"].as_str(), agent.as_deref());
    assert_eq!(first["hostname"], "localhost");
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
    for update in events(seen, "update") {
        assert_eq!(update["agent_id"], first["agent_id"]);
        assert_eq!(update["source"], "SOURCE_EXECUTOR");
    }
    assert_eq!(seen.last().unwrap()["event"], "stopped", "{seen:#?}");

    // The framework tore itself down after its task finished.
    wait_for_completion(&cluster.master, 1).await;
}

#[tokio::test]
async fn pymesos_launches_echo_hello_and_sees_it_finish() {
    let python = testkit::pymesos_venv(&[]);
    let cluster = Cluster::start(
        &[],
        1,
        Arc::new(CommandTasks::new(SimulatedTasks::new(None))),
    )
    .await;

    let seen = run_client(&python, &[script(), cluster.master_address()]).await;
    assert_echo_ran(&cluster, &seen).await;
    cluster.stop().await;
}
