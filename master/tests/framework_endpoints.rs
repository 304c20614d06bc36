//! Frameworks and tasks in the read-only endpoints and operator queries:
//! with a framework running a task on a simulated agent, `/master/state`,
//! `/master/frameworks`, `/master/tasks`, `/master/state-summary` and
//! `GET_STATE` / `GET_FRAMEWORKS` / `GET_TASKS` list them, shaped as the
//! golden Mesos 1.11 master's answers; and the operator event stream tells
//! of the agent, the framework and the task as they come, with the golden
//! stream's records and shapes.

mod common;

use common::scheduler::{Subscription, acknowledge, call, fleet, launch, pymesos_subscribe};
use common::shapes::{self, Lists};
use serde_json::{Value as Json, json};

/// A framework with one RUNNING task on one simulated agent: (framework id,
/// what keeps the agent and the subscription alive).
async fn running_task(master: &master::Master) -> (String, impl Sized) {
    let (runtime, fleet) = fleet(master, 1, None).await;
    let address = master.runtime.address();
    // As the golden cluster's long-running framework: role `golden`.
    let mut subscribe = pymesos_subscribe("endpoints");
    subscribe["subscribe"]["framework_info"]["role"] = json!("golden");
    let mut subscription = Subscription::json(address, &subscribe).await;
    let stream_id = subscription.stream_id();
    let subscribed = subscription.next_json().await;
    let framework_id = subscribed["subscribed"]["framework_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let offers = loop {
        let event = subscription.next_event().await;
        if event["type"] == "OFFERS" {
            break event;
        }
    };
    let offer = offers["offers"]["offers"][0].clone();
    let accepted = call(address, &stream_id, &launch(&framework_id, &offer, "long")).await;
    assert_eq!(accepted.status, 202);
    // Each update waits for the acknowledgement of the one before.
    loop {
        let event = subscription.next_event().await;
        if event["type"] != "UPDATE" {
            continue;
        }
        let status = &event["update"]["status"];
        let acknowledged = call(address, &stream_id, &acknowledge(&framework_id, status)).await;
        assert_eq!(acknowledged.status, 202);
        if status["state"] == "TASK_RUNNING" {
            break;
        }
    }
    (framework_id, (runtime, fleet, subscription))
}

fn golden(file: &str) -> Json {
    shapes::golden("master-http", file)
}

#[tokio::test]
async fn frameworks_and_tasks_are_listed_as_mesos_lists_them() {
    let master = common::start(&[]).await;
    let (framework_id, _running) = running_task(&master).await;

    let mut state = common::get_json(&master, "/master/state").await;
    state["flags"] = json!({});
    let mut golden_state = golden("master_state.json");
    golden_state["flags"] = json!({});
    for key in ["git_sha", "git_tag"] {
        if state.get(key).is_none() {
            golden_state.as_object_mut().unwrap().remove(key);
        }
    }
    shapes::assert_same_shape(&state, &golden_state, Lists::Always, "/master/state");
    let framework = &state["frameworks"][0];
    assert_eq!(framework["id"], framework_id.as_str());
    assert_eq!(framework["tasks"][0]["id"], "long");
    assert_eq!(framework["tasks"][0]["state"], "TASK_RUNNING");
    assert_eq!(framework["used_resources"]["cpus"], 0.1);
    assert_eq!(state["slaves"][0]["used_resources"]["mem"], 32.0);

    let frameworks = common::get_json(&master, "/master/frameworks").await;
    shapes::assert_same_shape(
        &frameworks,
        &golden("master_frameworks.json"),
        Lists::Always,
        "/master/frameworks",
    );

    let tasks = common::get_json(&master, "/master/tasks?limit=1&order=asc").await;
    shapes::assert_same_shape(
        &tasks,
        &golden("master_tasks.json"),
        Lists::Always,
        "/master/tasks",
    );
    assert_eq!(tasks["tasks"][0]["id"], "long");
    let none = common::get_json(&master, "/master/tasks?task_id=nope").await;
    assert_eq!(none, json!({"tasks": []}));

    let summary = common::get_json(&master, "/master/state-summary").await;
    shapes::assert_same_shape(
        &summary,
        &golden("master_state-summary.json"),
        Lists::Always,
        "/master/state-summary",
    );
    assert_eq!(summary["frameworks"][0]["TASK_RUNNING"], 1);
    assert_eq!(
        summary["slaves"][0]["framework_ids"][0],
        framework_id.as_str()
    );

    let json = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
    ];
    for kind in ["GET_STATE", "GET_FRAMEWORKS", "GET_TASKS"] {
        let body = format!("{{\"type\":\"{kind}\"}}");
        let answer = common::request(&master, "POST", "/api/v1", &json, body.as_bytes()).await;
        assert_eq!(answer.status, 200, "{kind}: {}", answer.text());
        let golden = shapes::golden("master-api-v1", &format!("{kind}.json-to-json.json"));
        shapes::assert_same_shape(&answer.json(), &golden, Lists::OmittedWhenEmpty, kind);
    }
}

/// The golden operator stream's records, by type (the first of each).
fn golden_event(kind: &str) -> Json {
    let path = testkit::golden_dir().join("s5-operator-subscribe/stream-records.json");
    let streams: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    streams[0]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| &record["json"])
        .find(|event| event["type"] == kind)
        .unwrap_or_else(|| panic!("the golden stream has a {kind} record"))
        .clone()
}

#[tokio::test]
async fn the_operator_stream_tells_of_agents_frameworks_and_tasks() {
    let master = common::start(&[]).await;
    let mut events = Subscription::operator(master.runtime.address()).await;
    assert_eq!(events.status, 200);
    assert_eq!(events.header("Content-Type"), Some("application/json"));
    assert_eq!(events.header("Mesos-Stream-Id"), None);

    let subscribed = events.next_json().await;
    assert_eq!(subscribed["type"], "SUBSCRIBED");
    assert_eq!(subscribed["subscribed"]["heartbeat_interval_seconds"], 15.0);
    shapes::assert_same_shape(
        &subscribed,
        &golden_event("SUBSCRIBED"),
        Lists::OmittedWhenEmpty,
        "SUBSCRIBED",
    );
    assert_eq!(events.next_json().await, json!({"type": "HEARTBEAT"}));

    let (framework_id, _running) = running_task(&master).await;
    let mut seen = Vec::new();
    while !seen.contains(&"TASK_RUNNING".to_owned()) {
        let event = events.next_event().await;
        let kind = event["type"].as_str().unwrap().to_owned();
        match kind.as_str() {
            "AGENT_ADDED" => assert!(event["agent_added"]["agent"]["agent_info"]["id"].is_object()),
            "FRAMEWORK_ADDED" | "TASK_ADDED" | "TASK_UPDATED" => {
                shapes::assert_same_shape(
                    &event,
                    &golden_event(&kind),
                    Lists::OmittedWhenEmpty,
                    &kind,
                );
            }
            other => panic!("unexpected event {other}: {event}"),
        }
        if kind == "FRAMEWORK_ADDED" {
            assert_eq!(
                event["framework_added"]["framework"]["framework_info"]["id"]["value"],
                framework_id.as_str()
            );
        }
        if kind == "TASK_UPDATED" {
            seen.push(event["task_updated"]["state"].as_str().unwrap().to_owned());
        } else {
            seen.push(kind);
        }
    }
    assert_eq!(seen[..3], ["AGENT_ADDED", "FRAMEWORK_ADDED", "TASK_ADDED"]);
}
