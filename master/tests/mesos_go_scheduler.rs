//! mesos-go 0.0.6 — Go framework libraries nobody here wrote — runs small
//! Go frameworks of ours (`tests/go/src/`) against our master, each
//! launching two command tasks into one offer of a simulated agent that
//! runs them for real, and seeing both finish:
//! - `v0scheduler`, on the libprocess scheduler driver (`api/v0/scheduler`),
//!   as in the golden `s4-v0-driver` capture: it finds the leader through
//!   `GET /state`, registers with `RegisterFrameworkMessage`, launches with
//!   `LaunchTasksMessage`, acknowledges over libprocess and unregisters;
//! - `v1scheduler`, on the v1 HTTP scheduler API (`api/v1/lib`,
//!   `httpsched`) in protobuf, and again in JSON: SUBSCRIBE, ACCEPT,
//!   ACKNOWLEDGE, TEARDOWN.
//!
//! Both also find the leader when told of a standby (masters electing in
//! ZooKeeper): v0 through the standby's `/state`, v1 through its 307. And
//! the v0 driver fails over within its `failover_timeout` to kill the task
//! it left running.
//!
//! Needs `go`, Debian's `golang-github-mesos-mesos-go-dev` and `zookeeper`:
//! run `cargo xtask setup`. The tests fail, never skip, when they are missing.

mod common;

use std::path::Path;

use common::cluster::{
    Cluster, FINISHED_COMMAND_TASK, assert_updates_from_executors_of, command_tasks, events,
    first_offer_from_the_agent, go_program, run_client, task_states, wait_for_completion,
};
use common::{metric, wait_for_metric};
use serde_json::Value as Json;
use testkit::ZooKeeper;

/// A master with one agent that runs command tasks.
async fn cluster() -> Cluster {
    Cluster::start(&[], 1, command_tasks()).await
}

/// Both tasks of `prefix` went through the command executor's states,
/// launched into the first offer, from the one agent there is.
async fn assert_two_tasks_finished(cluster: &Cluster, seen: &[Json], prefix: &str) {
    assert!(events(seen, "error").is_empty(), "{seen:#?}");
    let first = first_offer_from_the_agent(cluster, seen).await;
    assert_eq!(first["cpus"], 1.0);

    let states = task_states(seen);
    let expected = [format!("{prefix}-task-1"), format!("{prefix}-task-2")];
    assert_eq!(
        states.keys().collect::<Vec<_>>(),
        expected.iter().collect::<Vec<_>>(),
        "{seen:#?}"
    );
    for task in &expected {
        assert_eq!(states[task], FINISHED_COMMAND_TASK, "{task}");
    }
    assert_updates_from_executors_of(seen, first);
}

/// The v0 program's run of two tasks, told of the master at `address`.
async fn v0_driver_runs_two_tasks(program: &Path, cluster: &Cluster, address: &str) {
    let seen = run_client(
        program,
        &[format!("-master={address}"), "-logtostderr".to_owned()],
    )
    .await;

    let registered = events(&seen, "registered");
    assert_eq!(registered.len(), 1, "{seen:#?}");
    let framework_id = registered[0]["framework_id"].as_str().unwrap();
    assert!(framework_id.ends_with("-0000"), "{framework_id}");
    assert_eq!(
        registered[0]["master_pid"],
        format!("master@{}", cluster.master_address())
    );
    assert_eq!(registered[0]["version"], "1.11.0");
    assert_two_tasks_finished(cluster, &seen, "go-v0").await;
    assert_eq!(
        seen.last().unwrap()["status"],
        "DRIVER_STOPPED",
        "{seen:#?}"
    );
    wait_for_completion(&cluster.master, 1).await;
}

#[tokio::test]
async fn the_v0_driver_registers_launches_two_tasks_and_sees_them_finish() {
    let (_scratch, program) = go_program("v0scheduler");
    let cluster = cluster().await;
    v0_driver_runs_two_tasks(&program, &cluster, &cluster.master_address()).await;
    cluster.stop().await;
}

/// Told of a standby, the driver reads `leader` from its `/state` (which
/// the standby redirects to the leader's) and registers with the leader.
#[tokio::test]
async fn the_v0_driver_finds_the_leader_through_a_standby() {
    let (_scratch, program) = go_program("v0scheduler");
    let zk = ZooKeeper::start();
    let (cluster, standby) = Cluster::elected(&zk.url("/mesos"), 1, command_tasks()).await;
    let standby = standby.runtime.address().to_string();
    v0_driver_runs_two_tasks(&program, &cluster, &standby).await;
    cluster.stop().await;
}

/// The driver fails over within its failover timeout: a first run launches
/// a long task and leaves without unregistering (`Stop(true)`); the master
/// keeps the framework, disconnected, and its task; a second run
/// reregisters as the same framework, kills the task and sees TASK_KILLED.
#[tokio::test]
async fn the_v0_driver_fails_over_and_kills_the_task_it_left_running() {
    let (_scratch, program) = go_program("v0scheduler");
    let cluster = cluster().await;
    let master = format!("-master={}", cluster.master_address());

    let first = run_client(
        &program,
        &[
            master.clone(),
            "-tasks=1".to_owned(),
            "-command=sleep 600".to_owned(),
            "-failover_timeout=60".to_owned(),
            "-leave_running".to_owned(),
            "-logtostderr".to_owned(),
        ],
    )
    .await;
    let framework_id = events(&first, "registered")[0]["framework_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        task_states(&first)["go-v0-task-1"],
        ["TASK_STARTING", "TASK_RUNNING"]
    );
    wait_for_metric(&cluster.master, "master/frameworks_disconnected", 1.0).await;
    assert_eq!(metric(&cluster.master, "master/tasks_running"), 1.0);

    let second = run_client(
        &program,
        &[
            master,
            "-tasks=1".to_owned(),
            format!("-framework_id={framework_id}"),
            "-kill".to_owned(),
            "-logtostderr".to_owned(),
        ],
    )
    .await;
    assert!(events(&second, "error").is_empty(), "{second:#?}");
    assert_eq!(
        events(&second, "registered")[0]["framework_id"],
        framework_id.as_str()
    );
    assert_eq!(
        task_states(&second)["go-v0-task-1"].last().unwrap(),
        "TASK_KILLED",
        "{second:#?}"
    );
    wait_for_metric(&cluster.master, "master/framework_removals", 1.0).await;
    assert_eq!(metric(&cluster.master, "master/tasks_running"), 0.0);
    assert_eq!(
        metric(&cluster.master, "master/frameworks_disconnected"),
        0.0
    );
    cluster.stop().await;
}

/// The v1 program's run of two tasks in `codec` (`protobuf` or `json`),
/// told of the master at `address`.
async fn v1_scheduler_runs_two_tasks(
    program: &Path,
    cluster: &Cluster,
    address: &str,
    codec: &str,
) {
    let seen = run_client(
        program,
        &[
            format!("-master={address}"),
            "-frameworks=1".to_owned(),
            "-tasks=2".to_owned(),
            format!("-codec={codec}"),
        ],
    )
    .await;

    let subscribed = events(&seen, "subscribed");
    assert_eq!(subscribed.len(), 1, "{seen:#?}");
    let framework_id = subscribed[0]["framework_id"].as_str().unwrap();
    assert!(framework_id.ends_with("-0000"), "{framework_id}");
    assert_eq!(subscribed[0]["heartbeat_interval"], 15.0);
    assert_eq!(subscribed[0]["master_version"], "1.11.0");
    assert_two_tasks_finished(cluster, &seen, "mesos-go-v1-1").await;
    assert_eq!(seen.last().unwrap()["event"], "torn_down", "{seen:#?}");
    wait_for_completion(&cluster.master, 1).await;
}

#[tokio::test]
async fn the_v1_http_scheduler_subscribes_launches_two_tasks_and_sees_them_finish() {
    let (_scratch, program) = go_program("v1scheduler");
    let cluster = cluster().await;
    v1_scheduler_runs_two_tasks(&program, &cluster, &cluster.master_address(), "protobuf").await;
    cluster.stop().await;
}

/// In JSON mesos-go writes `"capabilities":null` and integers as floats
/// (`"failover_timeout":3.6e+06`); Mesos takes both.
#[tokio::test]
async fn the_v1_http_scheduler_does_the_same_in_json() {
    let (_scratch, program) = go_program("v1scheduler");
    let cluster = cluster().await;
    v1_scheduler_runs_two_tasks(&program, &cluster, &cluster.master_address(), "json").await;
    cluster.stop().await;
}

/// Told of a standby, the HTTP scheduler follows its 307 to the leader.
#[tokio::test]
async fn the_v1_http_scheduler_follows_a_standby_to_the_leader() {
    let (_scratch, program) = go_program("v1scheduler");
    let zk = ZooKeeper::start();
    let (cluster, standby) = Cluster::elected(&zk.url("/mesos"), 1, command_tasks()).await;
    let standby = standby.runtime.address().to_string();
    v1_scheduler_runs_two_tasks(&program, &cluster, &standby, "protobuf").await;
    cluster.stop().await;
}
