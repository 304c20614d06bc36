//! The scale acceptance: 100 v1 frameworks run 10,000 tasks on
//! 1,000 simulated agents; every task reaches TASK_FINISHED exactly once
//! as its framework sees it — none lost, none duplicated. Delivery is at
//! least once, as in Mesos: an agent resends an update it has not seen
//! acknowledged within 10 s, with the same uuid, so one terminal update is
//! one uuid however often it arrives.

mod common;

use common::scheduler::{Caller, Subscription, acknowledge, fleet, simple};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddrV4;
use std::time::Duration;

const FRAMEWORKS: usize = 100;
const TASKS_PER_FRAMEWORK: usize = 100;
const AGENTS: usize = 1000;

/// Runs one framework to the end: launches its tasks in whatever offers
/// come (0.1 cpus, 32 MB each), acknowledges every update, and returns
/// the terminal updates it saw per task: (state, uuid) each.
async fn run_framework(
    address: SocketAddrV4,
    index: usize,
) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let subscribe = json!({
        "type": "SUBSCRIBE",
        "subscribe": {"framework_info": {"user": "root", "name": format!("scale-{index}")}}
    });
    let mut subscription = Subscription::json(address, &subscribe).await;
    let subscribed = subscription.next_event().await;
    let framework_id = subscribed["subscribed"]["framework_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut caller = Caller::connect(address, &subscription.stream_id()).await;
    let mut to_launch: Vec<String> = (0..TASKS_PER_FRAMEWORK)
        .rev()
        .map(|task| format!("task-{index}-{task}"))
        .collect();
    let mut terminal: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    while terminal.len() < TASKS_PER_FRAMEWORK {
        let event = subscription.next_event().await;
        match event["type"].as_str().unwrap() {
            "OFFERS" => {
                for offer in event["offers"]["offers"].as_array().unwrap() {
                    let tasks = tasks_for(offer, &mut to_launch);
                    let accept = json!({
                        "type": "ACCEPT",
                        "framework_id": {"value": framework_id},
                        "accept": {
                            "offer_ids": [offer["id"]],
                            "operations": [{"type": "LAUNCH", "launch": {"task_infos": tasks}}],
                            "filters": {"refuse_seconds": 0}
                        }
                    });
                    assert_eq!(caller.call(&accept).await, 202);
                }
                if to_launch.is_empty() {
                    assert_eq!(caller.call(&simple("SUPPRESS", &framework_id)).await, 202);
                }
            }
            "UPDATE" => {
                let status = &event["update"]["status"];
                let state = status["state"].as_str().unwrap().to_owned();
                if status.get("uuid").is_some() {
                    assert_eq!(caller.call(&acknowledge(&framework_id, status)).await, 202);
                }
                if matches!(
                    state.as_str(),
                    "TASK_FINISHED"
                        | "TASK_FAILED"
                        | "TASK_KILLED"
                        | "TASK_LOST"
                        | "TASK_ERROR"
                        | "TASK_DROPPED"
                ) {
                    let task = status["task_id"]["value"].as_str().unwrap().to_owned();
                    let uuid = status["uuid"].as_str().unwrap_or_default().to_owned();
                    terminal.entry(task).or_default().insert((state, uuid));
                }
            }
            _ => {}
        }
    }
    assert_eq!(caller.call(&simple("TEARDOWN", &framework_id)).await, 202);
    terminal
}

/// As many of the remaining tasks as the offer holds.
fn tasks_for(offer: &Json, to_launch: &mut Vec<String>) -> Vec<Json> {
    let scalar = |name: &str| {
        offer["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .map_or(0.0, |r| r["scalar"]["value"].as_f64().unwrap())
    };
    let fit = ((scalar("cpus") / 0.1 + 1e-6) as usize).min((scalar("mem") / 32.0) as usize);
    let mut tasks = Vec::new();
    while tasks.len() < fit {
        let Some(task_id) = to_launch.pop() else {
            break;
        };
        tasks.push(json!({
            "task_id": {"value": task_id},
            "agent_id": offer["agent_id"],
            "name": task_id,
            "command": {"value": "true", "shell": true},
            "resources": [
                {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}
            ]
        }));
    }
    tasks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_frameworks_run_ten_thousand_tasks_on_a_thousand_agents() {
    let master = common::start(&[]).await;
    let (runtime, fleet) = fleet(&master, AGENTS, Some(Duration::from_millis(20))).await;
    let address = master.runtime.address();

    let frameworks: Vec<_> = (0..FRAMEWORKS)
        .map(|index| tokio::spawn(run_framework(address, index)))
        .collect();
    for (index, framework) in frameworks.into_iter().enumerate() {
        let terminal = framework.await.unwrap();
        let expected: BTreeSet<String> = (0..TASKS_PER_FRAMEWORK)
            .map(|task| format!("task-{index}-{task}"))
            .collect();
        assert_eq!(terminal.keys().cloned().collect::<BTreeSet<_>>(), expected);
        for (task, updates) in terminal {
            let states: Vec<&str> = updates.iter().map(|(state, _)| state.as_str()).collect();
            assert_eq!(states, ["TASK_FINISHED"], "{task}: one terminal update");
        }
    }
    // No task is left behind in the master either.
    for gauge in [
        "master/tasks_staging",
        "master/tasks_starting",
        "master/tasks_running",
    ] {
        assert_eq!(common::metric(&master, gauge), 0.0, "{gauge}");
    }
    assert_eq!(common::metric(&master, "master/tasks_lost"), 0.0);

    fleet.stop().await;
    runtime.shutdown().await;
}
