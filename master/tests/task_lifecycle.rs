//! A task's life between a v1 framework and an agent, byte for byte as in
//! the golden capture of pymesos against Mesos 1.11 (`s3-v1-scheduler-json`):
//! the ACCEPT becomes the golden `RunTaskMessage`, the agent's status
//! updates become the golden UPDATE events, acknowledgements the golden
//! `StatusUpdateAcknowledgementMessage`, TEARDOWN the golden
//! `ShutdownFrameworkMessage`. Ids differ per run; the golden bytes get
//! ours (same lengths) before comparing. Also: what the master answers
//! for tasks it refuses, kills and reconciles; task groups; messages and
//! executor shutdowns between framework and executor.

mod common;

use common::scheduler::{Subscription, acknowledge, call, launch};
use common::{FakeAgent, golden_body};
use proto::mesos::internal::{KillTaskMessage, RunTaskMessage, StatusUpdateMessage};
use serde_json::{Value as Json, json};

const SCENARIO: &str = "s3-v1-scheduler-json";
const GOLDEN_MASTER: &str = "a0a9caee-7048-4d54-bf7b-aa4712679e40";

/// Golden `s3-v1-scheduler-json` messages by their `seq`.
const SUBSCRIBE: u64 = 2;
const ACCEPT: u64 = 4;
const RUN_TASK: u64 = 5;
const STARTING: u64 = 12;
const ACK_STARTING: u64 = 15;
const SHUTDOWN_FRAMEWORK: u64 = 37;

/// Replaces `from` by `to` (same length) everywhere in `bytes`.
fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut at = 0;
    while let Some(found) = out[at..]
        .windows(from.len())
        .position(|w| w == from.as_bytes())
    {
        let start = at + found;
        out[start..start + from.len()].copy_from_slice(to.as_bytes());
        at = start + from.len();
    }
    out
}

/// A golden body with the golden framework and master ids made ours.
fn ours(seq: u64, framework_id: &str, master_id: &str) -> Vec<u8> {
    let body = golden_body(SCENARIO, seq);
    let body = replace(&body, &format!("{GOLDEN_MASTER}-0001"), framework_id);
    replace(&body, GOLDEN_MASTER, master_id)
}

fn golden_json(seq: u64, framework_id: &str, master_id: &str) -> Json {
    serde_json::from_slice(&ours(seq, framework_id, master_id)).unwrap()
}

/// The golden stream's records, ids made ours.
fn golden_records(framework_id: &str, master_id: &str) -> Vec<Json> {
    let file = testkit::golden_dir()
        .join(SCENARIO)
        .join("stream-records.json");
    let text = std::fs::read_to_string(file).unwrap();
    let text = text
        .replace(&format!("{GOLDEN_MASTER}-0001"), framework_id)
        .replace(GOLDEN_MASTER, master_id);
    let streams: Json = serde_json::from_str(&text).unwrap();
    streams[0]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| record["json"].clone())
        .collect()
}

/// A master, the golden agent registered (with the golden run's resource
/// version), and the golden pymesos framework subscribed: (agent, stream,
/// framework id, first offer).
async fn golden_cluster(master: &master::Master) -> (FakeAgent, Subscription, String, Json) {
    let mut agent = FakeAgent::start(master).await;
    let run_task: RunTaskMessage = proto::decode(&golden_body(SCENARIO, RUN_TASK)).unwrap();
    let mut registration = common::golden_registration(agent.port());
    registration.resource_version_uuid = Some(run_task.resource_version_uuids[0].uuid.clone());
    agent.send(&registration);
    agent.expect("mesos.internal.SlaveRegisteredMessage").await;

    let subscribe: Json = serde_json::from_slice(&golden_body(SCENARIO, SUBSCRIBE)).unwrap();
    let mut subscription = Subscription::json(master.runtime.address(), &subscribe).await;
    let framework_id = subscription.subscribed_framework_id().await;
    let offers = subscription.next_event().await;
    let offer = offers["offers"]["offers"][0].clone();
    (agent, subscription, framework_id, offer)
}

#[tokio::test]
async fn a_task_travels_as_in_the_golden_capture() {
    let master = common::start(&[]).await;
    let master_id = master.info.id.clone();
    let (mut agent, mut subscription, framework_id, offer) = golden_cluster(&master).await;
    let address = master.runtime.address();
    let stream_id = subscription.stream_id();

    // The golden ACCEPT names offer O1 (O0 went to the run before it).
    let mut accept = golden_json(ACCEPT, &framework_id, &master_id);
    accept["accept"]["offer_ids"][0] = offer["id"].clone();
    assert_eq!(call(address, &stream_id, &accept).await.status, 202);
    let run_task = agent.expect("mesos.internal.RunTaskMessage").await;
    assert_eq!(run_task.body, ours(RUN_TASK, &framework_id, &master_id));

    // The agent's update reaches the framework as the golden UPDATE.
    let starting = ours(STARTING, &framework_id, &master_id);
    let mut update: StatusUpdateMessage = proto::decode(&starting).unwrap();
    update.pid = Some(agent.upid().to_string());
    agent.send(&update);
    let event = subscription.next_event().await;
    let golden = golden_records(&framework_id, &master_id);
    assert_eq!(event, golden[3]);

    // ACKNOWLEDGE reaches the agent as the golden acknowledgement.
    let ack = acknowledge(&framework_id, &event["update"]["status"]);
    assert_eq!(call(address, &stream_id, &ack).await.status, 202);
    let relayed = agent
        .expect("mesos.internal.StatusUpdateAcknowledgementMessage")
        .await;
    assert_eq!(relayed.body, ours(ACK_STARTING, &framework_id, &master_id));

    let teardown = json!({"type": "TEARDOWN", "framework_id": {"value": framework_id}});
    assert_eq!(call(address, &stream_id, &teardown).await.status, 202);
    let shutdown = agent
        .expect("mesos.internal.ShutdownFrameworkMessage")
        .await;
    assert_eq!(
        shutdown.body,
        ours(SHUTDOWN_FRAMEWORK, &framework_id, &master_id)
    );
    assert_eq!(common::metric(&master, "master/tasks_killed"), 1.0);
}

#[tokio::test]
async fn subscribed_and_offers_events_have_the_golden_keys() {
    let master = common::start(&[]).await;
    let master_id = master.info.id.clone();
    let (_agent, _subscription, framework_id, offer) = golden_cluster(&master).await;
    let golden = golden_records(&framework_id, &master_id);
    let golden_offer = &golden[2]["offers"]["offers"][0];
    let keys = |value: &Json| {
        value
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&offer), keys(golden_offer));
    assert_eq!(offer["url"]["path"], golden_offer["url"]["path"]);
    assert_eq!(offer["agent_id"], golden_offer["agent_id"]);
}

#[tokio::test]
async fn invalid_tasks_get_task_error_and_unknown_offers_task_lost() {
    let master = common::start(&[]).await;
    let (_agent, mut subscription, framework_id, offer) = golden_cluster(&master).await;
    let address = master.runtime.address();
    let stream_id = subscription.stream_id();

    let mut too_big = launch(&framework_id, &offer, "too-big");
    too_big["accept"]["operations"][0]["launch"]["task_infos"][0]["resources"][0]["scalar"]["value"] =
        json!(1000);
    assert_eq!(call(address, &stream_id, &too_big).await.status, 202);
    let update = subscription.next_event().await;
    let status = &update["update"]["status"];
    assert_eq!(status["state"], "TASK_ERROR");
    assert_eq!(status["reason"], "REASON_TASK_INVALID");
    assert_eq!(status["source"], "SOURCE_MASTER");
    assert!(
        status.get("uuid").is_none(),
        "master updates need no acknowledgement"
    );
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .starts_with("Task uses more resources"),
        "{status}"
    );

    // The offer was used up by that ACCEPT: launching on it again is lost.
    let again = launch(&framework_id, &offer, "late");
    assert_eq!(call(address, &stream_id, &again).await.status, 202);
    let update = subscription.next_event().await;
    let status = &update["update"]["status"];
    assert_eq!(status["state"], "TASK_LOST");
    assert_eq!(status["reason"], "REASON_INVALID_OFFERS");
    assert_eq!(common::metric(&master, "master/tasks_error"), 1.0);
}

#[tokio::test]
async fn kill_reaches_the_agent_and_reconciliation_reports_latest_states() {
    let master = common::start(&[]).await;
    let (mut agent, mut subscription, framework_id, offer) = golden_cluster(&master).await;
    let address = master.runtime.address();
    let stream_id = subscription.stream_id();
    assert_eq!(
        call(
            address,
            &stream_id,
            &launch(&framework_id, &offer, "sleeper")
        )
        .await
        .status,
        202
    );
    agent.expect("mesos.internal.RunTaskMessage").await;

    let reconcile = json!({
        "type": "RECONCILE",
        "framework_id": {"value": framework_id},
        "reconcile": {"tasks": []}
    });
    assert_eq!(call(address, &stream_id, &reconcile).await.status, 202);
    let update = subscription.next_event().await;
    assert_eq!(update["update"]["status"]["state"], "TASK_STAGING");
    assert_eq!(
        update["update"]["status"]["reason"],
        "REASON_RECONCILIATION"
    );

    let explicit = json!({
        "type": "RECONCILE",
        "framework_id": {"value": framework_id},
        "reconcile": {"tasks": [{"task_id": {"value": "never-launched"}, "agent_id": offer["agent_id"]}]}
    });
    assert_eq!(call(address, &stream_id, &explicit).await.status, 202);
    let update = subscription.next_event().await;
    // Not PARTITION_AWARE: TASK_LOST rather than TASK_GONE.
    assert_eq!(update["update"]["status"]["state"], "TASK_LOST");
    assert_eq!(
        update["update"]["status"]["task_id"]["value"],
        "never-launched"
    );

    let kill = json!({
        "type": "KILL",
        "framework_id": {"value": framework_id},
        "kill": {"task_id": {"value": "sleeper"}}
    });
    assert_eq!(call(address, &stream_id, &kill).await.status, 202);
    let killed: KillTaskMessage = agent
        .expect("mesos.internal.KillTaskMessage")
        .await
        .decode();
    assert_eq!(killed.task_id.value, "sleeper");
    assert_eq!(killed.framework_id.value, framework_id);
}

#[tokio::test]
async fn a_task_group_reaches_the_agent_in_one_message() {
    let master = common::start(&[]).await;
    let (mut agent, mut subscription, framework_id, offer) = golden_cluster(&master).await;
    let task = |id: &str| {
        json!({
            "task_id": {"value": id},
            "agent_id": offer["agent_id"],
            "name": id,
            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}]
        })
    };
    let accept = json!({
        "type": "ACCEPT",
        "framework_id": {"value": framework_id},
        "accept": {
            "offer_ids": [offer["id"]],
            "operations": [{"type": "LAUNCH_GROUP", "launch_group": {
                "executor": {
                    "type": "DEFAULT",
                    "executor_id": {"value": "default"},
                    "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}]
                },
                "task_group": {"tasks": [task("first"), task("second")]}
            }}],
            "filters": {"refuse_seconds": 0}
        }
    });
    let answer = call(master.runtime.address(), &subscription.stream_id(), &accept).await;
    assert_eq!(answer.status, 202);
    let group: proto::mesos::internal::RunTaskGroupMessage = agent
        .expect("mesos.internal.RunTaskGroupMessage")
        .await
        .decode();
    assert_eq!(group.executor.executor_id.value, "default");
    assert_eq!(group.executor.framework_id.unwrap().value, framework_id);
    assert_eq!(group.launch_executor, Some(true));
    let ids: Vec<&str> = group
        .task_group
        .tasks
        .iter()
        .map(|t| t.task_id.value.as_str())
        .collect();
    assert_eq!(ids, ["first", "second"]);
    assert!(group.task_group.tasks.iter().all(|t| t.executor.is_none()));
    assert_eq!(common::metric(&master, "master/tasks_staging"), 2.0);

    // What the group left is offered and held; then the executor exits:
    // the framework is told, and the executor's resources come back in an
    // offer of their own.
    let leftover = next_offers(&mut subscription).await;
    assert_eq!(leftover["offers"]["offers"].as_array().unwrap().len(), 1);
    agent.send(&proto::mesos::internal::ExitedExecutorMessage {
        slave_id: group.task_group.tasks[0].slave_id.clone(),
        framework_id: proto::mesos::FrameworkId {
            value: framework_id.clone(),
        },
        executor_id: group.executor.executor_id.clone(),
        status: 0,
    });
    let failure = subscription.next_event().await;
    assert_eq!(failure["type"], "FAILURE");
    assert_eq!(failure["failure"]["executor_id"]["value"], "default");
    let offers = next_offers(&mut subscription).await;
    let resources = &offers["offers"]["offers"][0]["resources"];
    assert_eq!(
        *resources,
        json!([{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}, "role": "*"}])
    );
}

/// The next OFFERS event.
async fn next_offers(subscription: &mut Subscription) -> Json {
    let event = subscription.next_event().await;
    assert_eq!(event["type"], "OFFERS", "{event}");
    event
}

#[tokio::test]
async fn messages_and_shutdowns_travel_between_framework_and_executor() {
    use proto::mesos::internal::{
        ExecutorToFrameworkMessage, FrameworkToExecutorMessage, ShutdownExecutorMessage,
    };
    use proto::mesos::{ExecutorId, FrameworkId, SlaveId};
    let master = common::start(&[]).await;
    let (mut agent, mut subscription, framework_id, offer) = golden_cluster(&master).await;
    let address = master.runtime.address();
    let stream_id = subscription.stream_id();
    let agent_id = offer["agent_id"]["value"].as_str().unwrap().to_owned();

    let message = json!({
        "type": "MESSAGE",
        "framework_id": {"value": framework_id},
        "message": {"agent_id": offer["agent_id"], "executor_id": {"value": "e"}, "data": "aGVsbG8="}
    });
    assert_eq!(call(address, &stream_id, &message).await.status, 202);
    let relayed: FrameworkToExecutorMessage = agent
        .expect("mesos.internal.FrameworkToExecutorMessage")
        .await
        .decode();
    assert_eq!(relayed.data, b"hello");
    assert_eq!(relayed.framework_id.value, framework_id);

    agent.send(&ExecutorToFrameworkMessage {
        slave_id: SlaveId { value: agent_id },
        framework_id: FrameworkId {
            value: framework_id.clone(),
        },
        executor_id: ExecutorId { value: "e".into() },
        data: b"back".to_vec(),
    });
    let event = subscription.next_event().await;
    assert_eq!(event["type"], "MESSAGE");
    assert_eq!(event["message"]["data"], "YmFjaw==");
    assert_eq!(event["message"]["agent_id"], offer["agent_id"]);

    let shutdown = json!({
        "type": "SHUTDOWN",
        "framework_id": {"value": framework_id},
        "shutdown": {"agent_id": offer["agent_id"], "executor_id": {"value": "e"}}
    });
    assert_eq!(call(address, &stream_id, &shutdown).await.status, 202);
    let shut: ShutdownExecutorMessage = agent
        .expect("mesos.internal.ShutdownExecutorMessage")
        .await
        .decode();
    assert_eq!(shut.executor_id.unwrap().value, "e");
    assert_eq!(
        common::metric(&master, "master/valid_framework_to_executor_messages"),
        1.0
    );
    assert_eq!(
        common::metric(&master, "master/valid_executor_to_framework_messages"),
        1.0
    );
}
