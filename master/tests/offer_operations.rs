//! Speculative offer operations: a framework reserves part of an offer for
//! its role, the agent is told with `ApplyOperationMessage` (it has the
//! RESOURCE_PROVIDER capability), and the next offer holds the reserved
//! resources; the operation's status reaches the framework, whose
//! acknowledgement is relayed; UNRESERVE gives the resources back. Under
//! `--acls` the framework's principal must be allowed each operation: a
//! refused one is dropped (OPERATION_ERROR when it has an id) and the rest
//! of the ACCEPT goes on. GROW_VOLUME and SHRINK_VOLUME resize a volume.

mod common;

use common::FakeAgent;
use common::scheduler::{Subscription, call};
use proto::mesos::internal::{
    AcknowledgeOperationStatusMessage, ApplyOperationMessage, UpdateOperationStatusMessage,
};
use proto::mesos::{OperationState, OperationStatus, Uuid, offer};
use serde_json::{Value as Json, json};

fn reserved_cpus() -> Json {
    json!([{
        "name": "cpus",
        "type": "SCALAR",
        "scalar": {"value": 1},
        "reservations": [{"type": "DYNAMIC", "role": "web"}]
    }])
}

fn accept(framework_id: &str, offer: &Json, operation: Json) -> Json {
    accept_all(framework_id, offer, vec![operation], 0)
}

/// ACCEPT of `offer` with `operations`, declining the rest for
/// `refuse_seconds`.
fn accept_all(
    framework_id: &str,
    offer: &Json,
    operations: Vec<Json>,
    refuse_seconds: u64,
) -> Json {
    json!({
        "type": "ACCEPT",
        "framework_id": {"value": framework_id},
        "accept": {
            "offer_ids": [offer["id"]],
            "operations": operations,
            "filters": {"refuse_seconds": refuse_seconds}
        }
    })
}

/// A framework of `role` (with `principal`, if any) subscribed over HTTP:
/// its subscription, id and stream id.
async fn subscribe(
    master: &master::Master,
    role: &str,
    principal: Option<&str>,
) -> (Subscription, String, String) {
    let mut info = json!({"user": "root", "name": "operator", "role": role});
    if let Some(principal) = principal {
        info["principal"] = json!(principal);
    }
    let subscribe = json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": info}});
    let mut subscription = Subscription::json(master.runtime.address(), &subscribe).await;
    let framework_id = subscription.subscribed_framework_id().await;
    let stream_id = subscription.stream_id();
    (subscription, framework_id, stream_id)
}

/// Sends `body` on the framework's stream; the master takes it (`202`).
async fn accepted(master: &master::Master, stream_id: &str, body: &Json) {
    let answer = call(master.runtime.address(), stream_id, body).await;
    assert_eq!(answer.status, 202, "{body}");
}

/// The next event of `kind`, skipping others.
async fn next_event_of(subscription: &mut Subscription, kind: &str) -> Json {
    loop {
        let event = subscription.next_event().await;
        if event["type"] == kind {
            return event;
        }
    }
}

/// `amount` of scalar `name` reserved to `role` by `principal`.
fn reserved(name: &str, amount: f64, role: &str, principal: &str) -> Json {
    json!({
        "name": name,
        "type": "SCALAR",
        "scalar": {"value": amount},
        "reservations": [{"type": "DYNAMIC", "role": role, "principal": principal}]
    })
}

/// The agent's dynamic reservations as `/master/slaves` shows them.
async fn reservations(master: &master::Master) -> Json {
    let slaves = common::get_json(master, "/master/slaves").await;
    slaves["slaves"][0]["reserved_resources"].clone()
}

async fn next_offer(subscription: &mut Subscription) -> Json {
    loop {
        let event = subscription.next_event().await;
        if event["type"] == "OFFERS" {
            return event["offers"]["offers"][0].clone();
        }
    }
}

fn cpus_reserved_to_web(offer: &Json) -> f64 {
    offer["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == "cpus" && r["role"] == "web")
        .map(|r| r["scalar"]["value"].as_f64().unwrap())
        .sum()
}

#[tokio::test]
async fn a_reservation_is_applied_offered_and_undone() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    let address = master.runtime.address();
    let subscribe = json!({
        "type": "SUBSCRIBE",
        "subscribe": {"framework_info": {"user": "root", "name": "reserver", "role": "web"}}
    });
    let mut subscription = Subscription::json(address, &subscribe).await;
    let framework_id = subscription.subscribed_framework_id().await;
    let stream_id = subscription.stream_id();

    let offer = next_offer(&mut subscription).await;
    assert_eq!(cpus_reserved_to_web(&offer), 0.0);
    let reserve = json!({
        "type": "RESERVE",
        "id": {"value": "reserve-1"},
        "reserve": {"resources": reserved_cpus()}
    });
    assert_eq!(
        call(address, &stream_id, &accept(&framework_id, &offer, reserve))
            .await
            .status,
        202
    );
    let applied: ApplyOperationMessage = agent
        .expect("mesos.internal.ApplyOperationMessage")
        .await
        .decode();
    assert_eq!(
        applied.operation_info.r#type(),
        offer::operation::Type::Reserve
    );
    assert_eq!(applied.framework_id.unwrap().value, framework_id);

    let offer = next_offer(&mut subscription).await;
    assert_eq!(cpus_reserved_to_web(&offer), 1.0);

    // The agent reports the operation done; the framework acknowledges.
    let status_uuid = Uuid {
        value: uuid::Uuid::new_v4().as_bytes().to_vec(),
    };
    let status = OperationStatus {
        operation_id: applied.operation_info.id.clone(),
        state: OperationState::OperationFinished as i32,
        uuid: Some(status_uuid.clone()),
        ..OperationStatus::default()
    };
    agent.send(&UpdateOperationStatusMessage {
        framework_id: Some(proto::mesos::FrameworkId {
            value: framework_id.clone(),
        }),
        slave_id: None,
        status: status.clone(),
        latest_status: Some(status),
        operation_uuid: Some(applied.operation_uuid.clone()),
    });
    let update = subscription.next_event().await;
    assert_eq!(update["type"], "UPDATE_OPERATION_STATUS");
    assert_eq!(
        update["update_operation_status"]["status"]["state"],
        "OPERATION_FINISHED"
    );
    let acknowledge = json!({
        "type": "ACKNOWLEDGE_OPERATION_STATUS",
        "framework_id": {"value": framework_id},
        "acknowledge_operation_status": {
            "agent_id": offer["agent_id"],
            "uuid": update["update_operation_status"]["status"]["uuid"]["value"],
            "operation_id": {"value": "reserve-1"}
        }
    });
    assert_eq!(call(address, &stream_id, &acknowledge).await.status, 202);
    let acknowledged: AcknowledgeOperationStatusMessage = agent
        .expect("mesos.internal.AcknowledgeOperationStatusMessage")
        .await
        .decode();
    assert_eq!(acknowledged.status_uuid, status_uuid);
    assert_eq!(acknowledged.operation_uuid, applied.operation_uuid);

    let unreserve = json!({"type": "UNRESERVE", "unreserve": {"resources": reserved_cpus()}});
    assert_eq!(
        call(
            address,
            &stream_id,
            &accept(&framework_id, &offer, unreserve)
        )
        .await
        .status,
        202
    );
    agent.expect("mesos.internal.ApplyOperationMessage").await;
    let offer = next_offer(&mut subscription).await;
    assert_eq!(cpus_reserved_to_web(&offer), 0.0);
}

#[tokio::test]
async fn the_acls_decide_which_reservations_a_framework_makes() {
    let acls = json!({
        "permissive": false,
        "register_frameworks": [{"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}],
        "run_tasks": [{"principals": {"type": "ANY"}, "users": {"type": "ANY"}}],
        "reserve_resources": [{"principals": {"values": ["trusted"]}, "roles": {"values": ["web"]}}],
        "register_agents": [{"principals": {"type": "ANY"}, "agents": {"type": "ANY"}}],
        "get_endpoints": [{"principals": {"type": "ANY"}, "paths": {"type": "ANY"}}],
        "view_roles": [{"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}]
    });
    let master = common::start(&[&format!("--acls={acls}")]).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;

    // A principal that may not reserve: its RESERVE is dropped with an
    // OPERATION_ERROR, the launch in the same ACCEPT still happens.
    let (mut untrusted, framework_id, stream_id) =
        subscribe(&master, "web", Some("untrusted")).await;
    let offer = next_offer(&mut untrusted).await;
    let reserve = json!({
        "type": "RESERVE",
        "id": {"value": "denied"},
        "reserve": {"resources": [reserved("cpus", 1.0, "web", "untrusted")]}
    });
    let launch = json!({"type": "LAUNCH", "launch": {"task_infos": [{
        "name": "sleeper",
        "task_id": {"value": "sleeper"},
        "agent_id": offer["agent_id"],
        "command": {"value": "sleep 1000"},
        "resources": [
            {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.5}},
            {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}
        ]
    }]}});
    // The rest is declined for an hour, for the next framework.
    let both = accept_all(&framework_id, &offer, vec![reserve, launch], 3600);
    accepted(&master, &stream_id, &both).await;
    let error = next_event_of(&mut untrusted, "UPDATE_OPERATION_STATUS").await;
    let status = &error["update_operation_status"]["status"];
    assert_eq!(status["state"], "OPERATION_ERROR", "{error}");
    assert_eq!(status["operation_id"]["value"], "denied");
    let message = status["message"].as_str().unwrap();
    assert!(
        message.starts_with("Principal 'untrusted' no authorized to"),
        "{message}"
    );
    // The first thing the agent hears of the ACCEPT is the launch.
    agent.expect("mesos.internal.RunTaskMessage").await;
    assert_eq!(reservations(&master).await, json!({}));

    // A principal that may: its reservation reaches the agent and state.
    let (mut trusted, framework_id, stream_id) = subscribe(&master, "web", Some("trusted")).await;
    let offer = next_offer(&mut trusted).await;
    let reserve = json!({
        "type": "RESERVE",
        "reserve": {"resources": [reserved("cpus", 1.0, "web", "trusted")]}
    });
    accepted(&master, &stream_id, &accept(&framework_id, &offer, reserve)).await;
    let applied: ApplyOperationMessage = agent
        .expect("mesos.internal.ApplyOperationMessage")
        .await
        .decode();
    assert_eq!(
        applied.operation_info.r#type(),
        offer::operation::Type::Reserve
    );
    assert_eq!(reservations(&master).await["web"]["cpus"], 1.0);
    let offer = next_offer(&mut trusted).await;
    assert_eq!(cpus_reserved_to_web(&offer), 1.0);
}

/// The persistent volume among an offer's resources.
fn offered_volume(offer: &Json) -> Json {
    offer["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["disk"]["persistence"].is_object())
        .cloned()
        .unwrap_or_else(|| panic!("a volume in {offer}"))
}

/// Each ACCEPT declines the rest for an hour: what its operations converted
/// is offered again at once all the same, as Mesos does.
#[tokio::test]
async fn a_framework_grows_and_shrinks_its_volume() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    let (mut subscription, framework_id, stream_id) = subscribe(&master, "web", None).await;
    let mut expect_applied = async |kind: offer::operation::Type| {
        let applied: ApplyOperationMessage = agent
            .expect("mesos.internal.ApplyOperationMessage")
            .await
            .decode();
        assert_eq!(applied.operation_info.r#type(), kind);
    };

    let offer = next_offer(&mut subscription).await;
    let disk = json!({
        "name": "disk", "type": "SCALAR", "scalar": {"value": 1024},
        "reservations": [{"type": "DYNAMIC", "role": "web"}]
    });
    let mut volume = disk.clone();
    volume["scalar"]["value"] = json!(512);
    volume["disk"] = json!({
        "persistence": {"id": "data"},
        "volume": {"container_path": "data", "mode": "RW"}
    });
    let reserve = json!({"type": "RESERVE", "reserve": {"resources": [disk]}});
    let create = json!({"type": "CREATE", "create": {"volumes": [volume]}});
    accepted(
        &master,
        &stream_id,
        &accept_all(&framework_id, &offer, vec![reserve, create], 3600),
    )
    .await;
    expect_applied(offer::operation::Type::Reserve).await;
    expect_applied(offer::operation::Type::Create).await;
    assert_eq!(common::volumes(&master).await, [("data".to_owned(), 512.0)]);

    let offer = next_offer(&mut subscription).await;
    let mut addition = offered_volume(&offer);
    addition.as_object_mut().unwrap().remove("disk");
    addition["scalar"]["value"] = json!(256);
    let grow = json!({"type": "GROW_VOLUME", "grow_volume": {
        "volume": offered_volume(&offer),
        "addition": addition
    }});
    accepted(
        &master,
        &stream_id,
        &accept_all(&framework_id, &offer, vec![grow], 3600),
    )
    .await;
    expect_applied(offer::operation::Type::GrowVolume).await;
    assert_eq!(common::volumes(&master).await, [("data".to_owned(), 768.0)]);

    let offer = next_offer(&mut subscription).await;
    let shrink = json!({"type": "SHRINK_VOLUME", "shrink_volume": {
        "volume": offered_volume(&offer),
        "subtract": {"value": 128.5}
    }});
    accepted(
        &master,
        &stream_id,
        &accept_all(&framework_id, &offer, vec![shrink], 3600),
    )
    .await;
    expect_applied(offer::operation::Type::ShrinkVolume).await;
    assert_eq!(common::volumes(&master).await, [("data".to_owned(), 639.5)]);
}
