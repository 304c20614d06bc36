//! The operator API's `SUBSCRIBE` stream and `GET_AGENTS` under `--acls`,
//! as Mesos 1.11 filters them for the subscriber's `VIEW_*` approvers:
//! two subscribers, `ops` (who may view everything) and `reader` (who may
//! view framework A's frameworks and tasks, user `root`, but not B's, user
//! `bob`, and no role), follow frameworks A and B running a task each on a
//! simulated agent that reserves `cpus(prod)` statically.
//!
//! - `reader`'s stream holds exactly `ops`'s events without those about B
//!   (FRAMEWORK_ADDED, FRAMEWORK_UPDATED, FRAMEWORK_REMOVED, TASK_ADDED,
//!   TASK_UPDATED), in the same order;
//! - AGENT_ADDED reaches both, its total resources without the `prod`
//!   reservation for `reader`;
//! - the SUBSCRIBED snapshot of a later subscription shows each of them
//!   the frameworks, tasks and reservations it may view;
//! - GET_AGENTS hides the `prod` reservation from `reader` in the agents'
//!   infos and total resources, but counts B's task in what is allocated;
//!   GET_ROLES hides the role `prod`.

mod common;

use common::scheduler::{Subscription, call, fleet_with, launch, pymesos_subscribe};
use common::{FakeAgent, basic, start_under_acls, wait_for_metric};
use proto::mesos::{Resource, resource, value};
use serde_json::{Value as Json, json};
use std::net::SocketAddrV4;

/// `ops` views everything; `reader` the frameworks and tasks of user
/// `root` and no role.
fn acls() -> Json {
    let by_user = json!([
        {"principals": {"values": ["ops"]}, "users": {"type": "ANY"}},
        {"principals": {"values": ["reader"]}, "users": {"values": ["root"]}},
        {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}
    ]);
    json!({
        "view_frameworks": by_user,
        "view_tasks": by_user,
        "view_roles": [
            {"principals": {"values": ["ops"]}, "roles": {"type": "ANY"}},
            {"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}
        ]
    })
}

const OPS: &str = "ops:s3cret";
const READER: &str = "reader:r34d";

/// An operator SUBSCRIBE as `principal_and_secret`, its SUBSCRIBED event
/// read: the stream and the snapshot.
async fn operator_stream(
    address: SocketAddrV4,
    principal_and_secret: &str,
) -> (Subscription, Json) {
    let authorization = basic(principal_and_secret);
    let mut stream = Subscription::open_on(
        address,
        "/api/v1",
        "application/json",
        br#"{"type":"SUBSCRIBE"}"#,
        &[("Authorization", &authorization)],
    )
    .await;
    assert_eq!(stream.status, 200, "{principal_and_secret}");
    let subscribed = stream.next_event().await;
    assert_eq!(subscribed["type"], "SUBSCRIBED", "{subscribed}");
    (stream, subscribed["subscribed"]["get_state"].clone())
}

/// A framework of `user` subscribed on the scheduler API, running task
/// `task_id` on its first offer; returns its stream and id.
async fn framework_running_a_task(
    address: SocketAddrV4,
    name: &str,
    user: &str,
    task_id: &str,
) -> (Subscription, String) {
    let mut subscribe = pymesos_subscribe(name);
    subscribe["subscribe"]["framework_info"]["user"] = json!(user);
    let mut framework = Subscription::json(address, &subscribe).await;
    let id = framework.subscribed_framework_id().await;
    let offers = framework.next_event().await;
    assert_eq!(offers["type"], "OFFERS", "{offers}");
    let accept = launch(&id, &offers["offers"]["offers"][0], task_id);
    assert_eq!(
        call(address, &framework.stream_id(), &accept).await.status,
        202
    );
    (framework, id)
}

/// Framework `id` (of `name` and `user`) subscribing again, as a
/// scheduler that failed over: a FRAMEWORK_UPDATED.
async fn resubscribe(address: SocketAddrV4, name: &str, user: &str, id: &str) -> Subscription {
    let mut subscribe = pymesos_subscribe(name);
    subscribe["subscribe"]["framework_info"]["user"] = json!(user);
    subscribe["subscribe"]["framework_info"]["id"] = json!({"value": id});
    subscribe["framework_id"] = json!({"value": id});
    let mut framework = Subscription::json(address, &subscribe).await;
    assert_eq!(framework.subscribed_framework_id().await, id);
    framework
}

/// An operator call as `principal_and_secret`, answered `status`.
async fn operator_call(
    master: &master::Master,
    principal_and_secret: &str,
    body: &Json,
    status: u16,
) -> Json {
    let authorization = basic(principal_and_secret);
    let headers = [
        ("Authorization", authorization.as_str()),
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
    ];
    let body = body.to_string();
    let answer = common::request(master, "POST", "/api/v1", &headers, body.as_bytes()).await;
    assert_eq!(answer.status, status, "{body}: {}", answer.text());
    if answer.body.is_empty() {
        Json::Null
    } else {
        answer.json()
    }
}

/// What an event is and whom it is about: its type, the framework, task
/// and agent it names, and a task's state.
fn summary(event: &Json) -> String {
    let text = |pointer: &str| event.pointer(pointer).and_then(Json::as_str).unwrap_or("");
    let kind = text("/type");
    let about = match kind {
        "FRAMEWORK_ADDED" => text("/framework_added/framework/framework_info/id/value").to_owned(),
        "FRAMEWORK_UPDATED" => {
            text("/framework_updated/framework/framework_info/id/value").to_owned()
        }
        "FRAMEWORK_REMOVED" => text("/framework_removed/framework_info/id/value").to_owned(),
        "TASK_ADDED" => format!(
            "{} {}",
            text("/task_added/task/framework_id/value"),
            text("/task_added/task/task_id/value")
        ),
        "TASK_UPDATED" => format!(
            "{} {} {}",
            text("/task_updated/framework_id/value"),
            text("/task_updated/status/task_id/value"),
            text("/task_updated/state")
        ),
        "AGENT_ADDED" => text("/agent_added/agent/agent_info/id/value").to_owned(),
        "AGENT_REMOVED" => text("/agent_removed/agent_id/value").to_owned(),
        other => panic!("an unexpected {other} event: {event}"),
    };
    format!("{kind} {about}")
}

/// The events of `stream` up to and including AGENT_ADDED of `agent_id`.
async fn events_until_agent_added(stream: &mut Subscription, agent_id: &str) -> Vec<Json> {
    let mut events = Vec::new();
    loop {
        let event = stream.next_event().await;
        let last =
            event.pointer("/agent_added/agent/agent_info/id/value") == Some(&json!(agent_id));
        events.push(event);
        if last {
            return events;
        }
    }
}

/// Whether a (v0 or v1, endpoint format) resource is reserved to `prod`.
fn reserved_to_prod(resource: &Json) -> bool {
    resource["role"] == "prod"
        || resource["reservations"]
            .as_array()
            .is_some_and(|reservations| reservations.iter().any(|r| r["role"] == "prod"))
}

/// How many resources of `list` are reserved to `prod`.
fn prod_reservations(list: &Json) -> usize {
    list.as_array()
        .unwrap_or_else(|| panic!("a list of resources: {list}"))
        .iter()
        .filter(|resource| reserved_to_prod(resource))
        .count()
}

/// The ids at `id` of the items of the lists at `lists` (absent: none).
fn ids(state: &Json, lists: &[&str], id: &str) -> Vec<String> {
    let mut ids: Vec<String> = lists
        .iter()
        .filter_map(|list| state.pointer(list).and_then(Json::as_array))
        .flatten()
        .map(|item| item.pointer(id).and_then(Json::as_str).unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn framework_ids(state: &Json) -> Vec<String> {
    let lists = [
        "/get_frameworks/frameworks",
        "/get_frameworks/completed_frameworks",
    ];
    ids(state, &lists, "/framework_info/id/value")
}

fn task_ids(state: &Json) -> Vec<String> {
    let lists = [
        "/get_tasks/tasks",
        "/get_tasks/unreachable_tasks",
        "/get_tasks/completed_tasks",
    ];
    ids(state, &lists, "/task_id/value")
}

/// One `cpus(prod):1`, reserved statically, as a 1.11 agent sends it.
fn prod_cpu() -> Resource {
    Resource {
        name: "cpus".into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: 1.0 }),
        reservations: vec![resource::ReservationInfo {
            r#type: Some(resource::reservation_info::Type::Static as i32),
            role: Some("prod".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_subscriber_sees_only_what_it_may_view() {
    let (master, _dir) = start_under_acls(acls(), &["--authenticate_http_readwrite"]).await;
    let address = master.runtime.address();
    let (mut ops_stream, _) = operator_stream(address, OPS).await;
    let (mut reader_stream, _) = operator_stream(address, READER).await;

    let config = mesos_sim::FleetConfig {
        resources: mesos_sim::agent_resources("cpus:2;mem:2048;disk:4096;cpus(prod):1").unwrap(),
        ..mesos_sim::FleetConfig::new(1)
    };
    let (runtime, fleet) = fleet_with(&master, config).await;
    let (_a, a) = framework_running_a_task(address, "A", "root", "a-1").await;
    let (_b, b) = framework_running_a_task(address, "B", "bob", "b-1").await;
    wait_for_metric(&master, "master/tasks_running", 2.0).await;

    // GET_AGENTS: the reservation is hidden from reader, B's task is not
    // taken out of what the agent has allocated.
    let get_agents = json!({"type": "GET_AGENTS"});
    let as_ops = operator_call(&master, OPS, &get_agents, 200).await;
    let as_reader = operator_call(&master, READER, &get_agents, 200).await;
    let (ops_agent, reader_agent) = (
        &as_ops["get_agents"]["agents"][0],
        &as_reader["get_agents"]["agents"][0],
    );
    for list in ["/agent_info/resources", "/total_resources"] {
        let (ops_list, reader_list) = (&ops_agent.pointer(list), &reader_agent.pointer(list));
        assert_eq!(
            prod_reservations(ops_list.unwrap()),
            1,
            "{list}: {ops_agent}"
        );
        assert_eq!(
            prod_reservations(reader_list.unwrap()),
            0,
            "{list}: {reader_agent}"
        );
        assert_eq!(
            reader_list.unwrap().as_array().unwrap().len() + 1,
            ops_list.unwrap().as_array().unwrap().len(),
            "{list}: only the reservation is hidden"
        );
    }
    assert_eq!(
        reader_agent["allocated_resources"], ops_agent["allocated_resources"],
        "both tasks are allocated, whoever looks"
    );

    // GET_ROLES: `prod` is known by its reservation, and hidden from reader.
    let get_roles = json!({"type": "GET_ROLES"});
    let role_names = |answer: &Json| -> Vec<String> {
        let roles = answer.pointer("/get_roles/roles").and_then(Json::as_array);
        roles
            .into_iter()
            .flatten()
            .map(|role| role["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let ops_roles = role_names(&operator_call(&master, OPS, &get_roles, 200).await);
    assert!(ops_roles.contains(&"prod".to_owned()), "{ops_roles:?}");
    let reader_roles = role_names(&operator_call(&master, READER, &get_roles, 200).await);
    assert!(reader_roles.is_empty(), "{reader_roles:?}");

    // FRAMEWORK_UPDATED for each, then B goes: FRAMEWORK_REMOVED.
    let _a_again = resubscribe(address, "A", "root", &a).await;
    let _b_again = resubscribe(address, "B", "bob", &b).await;
    let teardown = json!({"type": "TEARDOWN", "teardown": {"framework_id": {"value": b}}});
    operator_call(&master, OPS, &teardown, 200).await;

    // An agent reserving `prod` registers last: every stream sees it.
    let mut agent = FakeAgent::start(&master).await;
    let mut registration = common::golden_registration(agent.port());
    registration.slave.resources.push(prod_cpu());
    agent.send(&registration);
    let registered: proto::mesos::internal::SlaveRegisteredMessage = agent
        .expect("mesos.internal.SlaveRegisteredMessage")
        .await
        .decode();
    let agent_id = registered.slave_id.value;

    let ops_events = events_until_agent_added(&mut ops_stream, &agent_id).await;
    let reader_events = events_until_agent_added(&mut reader_stream, &agent_id).await;
    let ops_seen: Vec<String> = ops_events.iter().map(summary).collect();
    let reader_seen: Vec<String> = reader_events.iter().map(summary).collect();
    for expected in [
        format!("FRAMEWORK_ADDED {a}"),
        format!("FRAMEWORK_ADDED {b}"),
        format!("TASK_ADDED {a} a-1"),
        format!("TASK_ADDED {b} b-1"),
        format!("TASK_UPDATED {a} a-1 TASK_RUNNING"),
        format!("TASK_UPDATED {b} b-1 TASK_RUNNING"),
        format!("FRAMEWORK_UPDATED {a}"),
        format!("FRAMEWORK_UPDATED {b}"),
        format!("FRAMEWORK_REMOVED {b}"),
    ] {
        assert!(
            ops_seen.contains(&expected),
            "ops sees {expected}: {ops_seen:#?}"
        );
    }
    let without_b: Vec<String> = ops_seen
        .iter()
        .filter(|seen| !seen.contains(&b))
        .cloned()
        .collect();
    assert_eq!(reader_seen, without_b);

    // AGENT_ADDED: the reservation is left out of reader's total resources.
    let agent_added = |events: &[Json]| events.last().unwrap()["agent_added"]["agent"].clone();
    let (ops_added, reader_added) = (agent_added(&ops_events), agent_added(&reader_events));
    assert_eq!(
        prod_reservations(&ops_added["total_resources"]),
        1,
        "{ops_added}"
    );
    assert_eq!(
        prod_reservations(&reader_added["total_resources"]),
        0,
        "{reader_added}"
    );
    assert_eq!(
        reader_added["agent_info"], ops_added["agent_info"],
        "Mesos leaves the info of an added agent whole"
    );

    // A later subscription's snapshot shows each what it may view.
    let (_ops_later, ops_state) = operator_stream(address, OPS).await;
    let (_reader_later, reader_state) = operator_stream(address, READER).await;
    let mut both = vec![a.clone(), b];
    both.sort();
    assert_eq!(framework_ids(&ops_state), both);
    assert_eq!(framework_ids(&reader_state), [a]);
    assert_eq!(task_ids(&ops_state), ["a-1", "b-1"]);
    assert_eq!(task_ids(&reader_state), ["a-1"]);
    let agents = |state: &Json| state["get_agents"]["agents"].as_array().unwrap().clone();
    let reservations = |state: &Json, list: &str| -> usize {
        agents(state)
            .iter()
            .map(|agent| prod_reservations(agent.pointer(list).unwrap()))
            .sum()
    };
    for list in ["/agent_info/resources", "/total_resources"] {
        assert_eq!(reservations(&ops_state, list), 2, "{list}");
        assert_eq!(reservations(&reader_state, list), 0, "{list}");
    }

    fleet.stop().await;
    runtime.shutdown().await;
}
