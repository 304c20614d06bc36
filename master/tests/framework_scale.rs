//! At scale: 100 frameworks — mesos-go 0.0.6 v1 HTTP scheduler clients in
//! protobuf, run as goroutines of one Go program of ours
//! (`tests/go/src/v1scheduler`) — run 100 tasks each, 10,000 in all, on
//! 1,000 simulated agents whose tasks finish after 100 ms. Every task
//! reaches a terminal state its framework is told of, as one update; no
//! task is lost, duplicated or told to the wrong framework, and the master
//! ends with every framework removed and no task active or lost.
//!
//! Needs `go` and Debian's `golang-github-mesos-mesos-go-dev`: run `cargo
//! xtask setup`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use common::cluster::{Cluster, events, go_program, run_client, wait_for_completion};
use mesos_sim::SimulatedTasks;

const FRAMEWORKS: usize = 100;
const TASKS_PER_FRAMEWORK: usize = 100;
const AGENTS: usize = 1_000;

/// A task's terminal updates as (state, uuid).
type Updates<'a> = BTreeSet<(&'a str, &'a str)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_frameworks_run_ten_thousand_tasks_on_a_thousand_agents() {
    let (_scratch, program) = go_program("v1scheduler");
    let cluster = Cluster::start(
        &[],
        AGENTS,
        Arc::new(SimulatedTasks::new(Some(Duration::from_millis(100)))),
    )
    .await;

    let seen = run_client(
        &program,
        &[
            format!("-master={}", cluster.master_address()),
            format!("-frameworks={FRAMEWORKS}"),
            format!("-tasks={TASKS_PER_FRAMEWORK}"),
        ],
    )
    .await;
    assert!(
        events(&seen, "error").is_empty(),
        "{:#?}",
        events(&seen, "error")
    );

    // Each framework's terminal updates, for its own tasks only: one per
    // task. Delivery is at least once, as in Mesos (an agent resends an
    // update not acknowledged within 10 s, with the same uuid), so one
    // update is one uuid however often it arrives.
    let mut terminal: BTreeMap<&str, BTreeMap<&str, Updates<'_>>> = BTreeMap::new();
    for update in events(&seen, "update") {
        let state = update["state"].as_str().unwrap();
        if ["TASK_STAGING", "TASK_STARTING", "TASK_RUNNING"].contains(&state) {
            continue;
        }
        terminal
            .entry(update["framework"].as_str().unwrap())
            .or_default()
            .entry(update["task_id"].as_str().unwrap())
            .or_default()
            .insert((state, update["uuid"].as_str().unwrap()));
    }
    assert_eq!(terminal.len(), FRAMEWORKS);
    for (framework, tasks) in &terminal {
        let expected: BTreeSet<String> = (1..=TASKS_PER_FRAMEWORK)
            .map(|n| format!("{framework}-task-{n}"))
            .collect();
        let got: BTreeSet<String> = tasks.keys().map(|task| (*task).to_owned()).collect();
        assert_eq!(got, expected, "{framework}'s tasks");
        for (task, updates) in tasks {
            let states: Vec<&str> = updates.iter().map(|(state, _)| *state).collect();
            assert_eq!(states, ["TASK_FINISHED"], "{task}: {updates:?}");
        }
    }
    assert_eq!(events(&seen, "torn_down").len(), FRAMEWORKS);

    // The master agrees: every framework removed, no task active or lost.
    wait_for_completion(&cluster.master, FRAMEWORKS).await;

    // `/master/state` lists what it keeps of them (the last 50 frameworks,
    // `--max_completed_frameworks`, with all their tasks): megabytes
    // streamed in chunks gathered from each task's stored JSON, the same
    // document whether gzipped or not.
    let plain = common::request(&cluster.master, "GET", "/master/state", &[], b"").await;
    assert_eq!(plain.status, 200);
    let state = plain.json();
    let completed = state["completed_frameworks"].as_array().unwrap();
    assert_eq!(completed.len(), 50);
    for framework in completed {
        let tasks = framework["completed_tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), TASKS_PER_FRAMEWORK, "{}", framework["id"]);
        assert!(tasks.iter().all(|task| task["state"] == "TASK_FINISHED"));
    }
    let gzip = [("Accept-Encoding", "gzip")];
    let gzipped = common::request(&cluster.master, "GET", "/master/state", &gzip, b"").await;
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gzipped.body.as_slice()),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&unzipped).unwrap(),
        state
    );
    cluster.stop().await;
}
