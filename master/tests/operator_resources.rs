//! Operator calls that change an agent's resources: RESERVE_RESOURCES,
//! UNRESERVE_RESOURCES, CREATE_VOLUMES, DESTROY_VOLUMES, GROW_VOLUME and
//! SHRINK_VOLUME over `/api/v1` (JSON and protobuf) and the classic
//! `/master/reserve`-style form endpoints. Each is answered `202` once
//! applied: the agent's resources in `/master/slaves` and GET_AGENTS
//! follow, the agent is told (`ApplyOperationMessage`, or
//! `CheckpointResourcesMessage` to an agent without the RESOURCE_PROVIDER
//! capability), GET_OPERATIONS lists the operation until the agent reports
//! it finished, outstanding offers are rescinded to free the resources, and
//! what Mesos refuses is refused with its status and message.

mod common;

use common::FakeAgent;
use common::scheduler::Subscription;
use prost::Message as _;
use proto::mesos::internal::{
    AcknowledgeOperationStatusMessage, ApplyOperationMessage, CheckpointResourcesMessage,
    UpdateOperationStatusMessage,
};
use proto::mesos::v1::master::{Call as V1Call, Response as V1Response};
use proto::mesos::{OperationState, OperationStatus, SlaveId, Uuid, offer, slave_info};
use serde_json::{Value as Json, json};

const PROTOBUF: [(&str, &str); 2] = [
    ("Content-Type", "application/x-protobuf"),
    ("Accept", "application/x-protobuf"),
];

/// A JSON call with `authorization` as its `Authorization` header.
async fn call_as(master: &master::Master, authorization: &str, body: Json) -> common::Answer {
    let headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("Authorization", authorization),
    ];
    common::request(
        master,
        "POST",
        "/api/v1",
        &headers,
        body.to_string().as_bytes(),
    )
    .await
}

/// The same call sent as protobuf.
async fn call_protobuf(master: &master::Master, body: &Json) -> common::Answer {
    let call: V1Call = proto::json::from_value(body).expect("a valid call");
    common::request(master, "POST", "/api/v1", &PROTOBUF, &call.encode_to_vec()).await
}

/// A form POST to a classic endpoint.
async fn form(master: &master::Master, path: &str, fields: &[(&str, String)]) -> common::Answer {
    let body = fields
        .iter()
        .map(|(name, value)| format!("{name}={}", percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    common::request(master, "POST", path, &headers, body.as_bytes()).await
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn dynamic(role: &str) -> Json {
    json!([{"type": "DYNAMIC", "role": role}])
}

/// `amount` of scalar `name`, dynamically reserved to `role`.
fn reserved(name: &str, amount: f64, role: &str) -> Json {
    json!({
        "name": name, "type": "SCALAR", "scalar": {"value": amount},
        "reservations": dynamic(role)
    })
}

/// A persistent volume `id` of `size` on disk reserved to `role`.
fn volume(id: &str, size: f64, role: &str) -> Json {
    json!({
        "name": "disk", "type": "SCALAR", "scalar": {"value": size},
        "reservations": dynamic(role),
        "disk": {
            "persistence": {"id": id},
            "volume": {"container_path": id, "mode": "RW"}
        }
    })
}

fn reserve_call(agent: &str, resources: Json) -> Json {
    json!({"type": "RESERVE_RESOURCES", "reserve_resources": {
        "agent_id": {"value": agent}, "resources": resources
    }})
}

fn unreserve_call(agent: &str, resources: Json) -> Json {
    json!({"type": "UNRESERVE_RESOURCES", "unreserve_resources": {
        "agent_id": {"value": agent}, "resources": resources
    }})
}

/// RESERVE_RESOURCES of `resources` on `agent`, answered.
async fn reserve(master: &master::Master, agent: &str, resources: Json) -> common::Answer {
    common::operator_call(master, reserve_call(agent, resources)).await
}

/// UNRESERVE_RESOURCES of `resources` on `agent`, answered.
async fn unreserve(master: &master::Master, agent: &str, resources: Json) -> common::Answer {
    common::operator_call(master, unreserve_call(agent, resources)).await
}

fn create_call(agent: &str, volumes: Json) -> Json {
    json!({"type": "CREATE_VOLUMES", "create_volumes": {
        "agent_id": {"value": agent}, "volumes": volumes
    }})
}

fn destroy_call(agent: &str, volumes: Json) -> Json {
    json!({"type": "DESTROY_VOLUMES", "destroy_volumes": {
        "agent_id": {"value": agent}, "volumes": volumes
    }})
}

fn grow_call(agent: &str, volume: Json, addition: Json) -> Json {
    json!({"type": "GROW_VOLUME", "grow_volume": {
        "agent_id": {"value": agent}, "volume": volume, "addition": addition
    }})
}

fn shrink_call(agent: &str, volume: Json, subtract: f64) -> Json {
    json!({"type": "SHRINK_VOLUME", "shrink_volume": {
        "agent_id": {"value": agent}, "volume": volume, "subtract": {"value": subtract}
    }})
}

/// The only agent of `/master/slaves`.
async fn slave(master: &master::Master) -> Json {
    let slaves = common::get_json(master, "/master/slaves").await;
    slaves["slaves"][0].clone()
}

async fn get_operations(master: &master::Master) -> Vec<Json> {
    let answer = common::operator_call(master, json!({"type": "GET_OPERATIONS"})).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let operations = &answer.json()["get_operations"]["operations"];
    operations.as_array().cloned().unwrap_or_default()
}

/// Expects `202 Accepted`, and the agent to be sent the operation.
async fn applied(
    agent: &mut FakeAgent,
    answer: common::Answer,
    kind: offer::operation::Type,
) -> ApplyOperationMessage {
    assert_eq!(answer.status, 202, "{}", answer.text());
    let message: ApplyOperationMessage = agent
        .expect("mesos.internal.ApplyOperationMessage")
        .await
        .decode();
    assert_eq!(message.operation_info.r#type(), kind);
    assert_eq!(message.framework_id, None, "an operator's operation");
    message
}

/// The agent reports `applied` finished; the master acknowledges it.
async fn finish(agent: &mut FakeAgent, agent_id: &str, applied: &ApplyOperationMessage) {
    let status = OperationStatus {
        state: OperationState::OperationFinished as i32,
        uuid: Some(Uuid {
            value: uuid::Uuid::new_v4().as_bytes().to_vec(),
        }),
        ..OperationStatus::default()
    };
    agent.send(&UpdateOperationStatusMessage {
        framework_id: None,
        slave_id: Some(SlaveId {
            value: agent_id.to_owned(),
        }),
        status: status.clone(),
        latest_status: Some(status.clone()),
        operation_uuid: Some(applied.operation_uuid.clone()),
    });
    let acknowledged: AcknowledgeOperationStatusMessage = agent
        .expect("mesos.internal.AcknowledgeOperationStatusMessage")
        .await
        .decode();
    assert_eq!(acknowledged.status_uuid, status.uuid.unwrap());
    assert_eq!(acknowledged.operation_uuid, applied.operation_uuid);
}

/// A master with the golden agent (every 1.11 capability) registered.
async fn master_and_agent(args: &[&str]) -> (master::Master, FakeAgent, String) {
    let master = common::start(args).await;
    let mut agent = FakeAgent::start(&master).await;
    let agent_id = agent.register().await;
    (master, agent, agent_id)
}

#[tokio::test]
async fn a_reservation_reaches_the_agent_and_its_state_and_is_undone() {
    let (master, mut agent, agent_id) = master_and_agent(&[]).await;
    let resources = json!([reserved("cpus", 1.0, "ops"), reserved("mem", 512.0, "ops")]);

    let answer = reserve(&master, &agent_id, resources.clone()).await;
    let reservation = applied(&mut agent, answer, offer::operation::Type::Reserve).await;
    let slave = slave(&master).await;
    assert_eq!(slave["reserved_resources"]["ops"]["cpus"], 1.0);
    assert_eq!(slave["reserved_resources"]["ops"]["mem"], 512.0);
    assert_eq!(slave["unreserved_resources"]["cpus"], 1.0);
    let agent_state = common::get_agent(&master).await;
    let reserved_cpus = agent_state["total_resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "cpus" && r["reservations"][0]["role"] == "ops");
    assert!(reserved_cpus, "{agent_state}");

    // Listed until the agent reports it finished.
    let operations = get_operations(&master).await;
    assert_eq!(operations.len(), 1, "{operations:?}");
    assert_eq!(operations[0]["info"]["type"], "RESERVE");
    assert_eq!(operations[0]["latest_status"]["state"], "OPERATION_PENDING");
    assert_eq!(operations[0]["agent_id"]["value"], agent_id.as_str());
    finish(&mut agent, &agent_id, &reservation).await;
    assert!(get_operations(&master).await.is_empty());

    let answer = unreserve(&master, &agent_id, resources).await;
    applied(&mut agent, answer, offer::operation::Type::Unreserve).await;
    let slave = common::get_json(&master, "/master/slaves").await["slaves"][0].clone();
    assert_eq!(slave["reserved_resources"], json!({}));
    assert_eq!(slave["unreserved_resources"]["cpus"], 2.0);
}

#[tokio::test]
async fn a_volume_is_created_grown_shrunk_and_destroyed_over_protobuf() {
    let (master, mut agent, agent_id) = master_and_agent(&[]).await;
    let disk = json!([reserved("disk", 1024.0, "ops")]);
    let answer = call_protobuf(&master, &reserve_call(&agent_id, disk.clone())).await;
    applied(&mut agent, answer, offer::operation::Type::Reserve).await;

    let answer = call_protobuf(
        &master,
        &create_call(&agent_id, json!([volume("data", 512.0, "ops")])),
    )
    .await;
    applied(&mut agent, answer, offer::operation::Type::Create).await;
    assert_eq!(common::volumes(&master).await, [("data".to_owned(), 512.0)]);

    // GET_OPERATIONS in protobuf lists both operations.
    let answer = call_protobuf(&master, &json!({"type": "GET_OPERATIONS"})).await;
    assert_eq!(answer.status, 200);
    let listed = V1Response::decode(answer.body.as_slice()).unwrap();
    let kinds: Vec<_> = listed
        .get_operations
        .unwrap()
        .operations
        .iter()
        .map(|operation| operation.info.r#type())
        .collect();
    use proto::mesos::v1::offer::operation::Type as V1Type;
    assert_eq!(kinds, [V1Type::Reserve, V1Type::Create]);

    let grow = grow_call(
        &agent_id,
        volume("data", 512.0, "ops"),
        reserved("disk", 256.0, "ops"),
    );
    let answer = call_protobuf(&master, &grow).await;
    applied(&mut agent, answer, offer::operation::Type::GrowVolume).await;
    assert_eq!(common::volumes(&master).await, [("data".to_owned(), 768.0)]);

    let answer = call_protobuf(
        &master,
        &shrink_call(&agent_id, volume("data", 768.0, "ops"), 128.5),
    )
    .await;
    applied(&mut agent, answer, offer::operation::Type::ShrinkVolume).await;
    assert_eq!(common::volumes(&master).await, [("data".to_owned(), 639.5)]);

    let answer = call_protobuf(
        &master,
        &destroy_call(&agent_id, json!([volume("data", 639.5, "ops")])),
    )
    .await;
    applied(&mut agent, answer, offer::operation::Type::Destroy).await;
    assert!(common::volumes(&master).await.is_empty());
    // All the disk is plain reserved disk again, and can be unreserved.
    let answer = call_protobuf(&master, &unreserve_call(&agent_id, disk)).await;
    applied(&mut agent, answer, offer::operation::Type::Unreserve).await;
    assert_eq!(
        slave(&master).await["unreserved_resources"]["disk"],
        10240.0
    );
}

#[tokio::test]
async fn an_agent_without_resource_providers_is_sent_its_checkpointed_resources() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let mut registration = common::golden_registration(agent.port());
    registration.agent_capabilities.retain(|capability| {
        !matches!(
            capability.r#type(),
            slave_info::capability::Type::ResourceProvider
                | slave_info::capability::Type::ResizeVolume
        )
    });
    agent.send(&registration);
    let registered: proto::mesos::internal::SlaveRegisteredMessage = agent
        .expect("mesos.internal.SlaveRegisteredMessage")
        .await
        .decode();
    let agent_id = registered.slave_id.value;

    let answer = reserve(&master, &agent_id, json!([reserved("disk", 100.0, "ops")])).await;
    assert_eq!(answer.status, 202, "{}", answer.text());
    let checkpoint: CheckpointResourcesMessage = agent
        .expect("mesos.internal.CheckpointResourcesMessage")
        .await
        .decode();
    assert_eq!(checkpoint.resources.len(), 1);
    assert_eq!(checkpoint.resources[0].name, "disk");
    assert_eq!(checkpoint.resources[0].reservations[0].role(), "ops");
    // Nothing is tracked for an agent that reports no operations.
    assert!(get_operations(&master).await.is_empty());

    let answer = common::operator_call(
        &master,
        create_call(&agent_id, json!([volume("data", 50.0, "ops")])),
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.text());
    let checkpoint: CheckpointResourcesMessage = agent
        .expect("mesos.internal.CheckpointResourcesMessage")
        .await
        .decode();
    assert_eq!(
        checkpoint.resources.len(),
        2,
        "the volume and the rest of the reservation"
    );

    // Resizing needs the RESIZE_VOLUME capability.
    let grow = grow_call(
        &agent_id,
        volume("data", 50.0, "ops"),
        reserved("disk", 10.0, "ops"),
    );
    let answer = common::operator_call(&master, grow).await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.text().starts_with(&format!(
            "Invalid GROW_VOLUME operation on agent {agent_id} at "
        )) && answer
            .text()
            .ends_with("cannot be grown on an agent without RESIZE_VOLUME capability"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn offers_are_rescinded_to_make_room_and_what_is_not_there_conflicts() {
    let (master, mut agent, agent_id) = master_and_agent(&[]).await;
    let subscribe = json!({
        "type": "SUBSCRIBE",
        "subscribe": {"framework_info": {"user": "root", "name": "holder", "roles": ["web"],
            "capabilities": [{"type": "MULTI_ROLE"}]}}
    });
    let mut framework = Subscription::json(master.runtime.address(), &subscribe).await;
    framework.subscribed_framework_id().await;
    let offers = framework.next_event().await;
    assert_eq!(offers["type"], "OFFERS", "{offers}");
    let offer_id = offers["offers"]["offers"][0]["id"]["value"].clone();

    // The framework holds all of the agent: the offer goes, the reservation is made.
    let answer = reserve(&master, &agent_id, json!([reserved("cpus", 1.0, "ops")])).await;
    let rescind = framework.next_event().await;
    assert_eq!(rescind["type"], "RESCIND", "{rescind}");
    assert_eq!(rescind["rescind"]["offer_id"]["value"], offer_id);
    applied(&mut agent, answer, offer::operation::Type::Reserve).await;

    // More than the agent has: 409, and the agent is left alone.
    let answer = reserve(&master, &agent_id, json!([reserved("cpus", 8.0, "ops")])).await;
    assert_eq!(answer.status, 409, "{}", answer.text());
    let answer = unreserve(&master, &agent_id, json!([reserved("cpus", 2.0, "ops")])).await;
    assert_eq!(answer.status, 409, "{}", answer.text());
    assert_eq!(
        slave(&master).await["reserved_resources"]["ops"]["cpus"],
        1.0
    );
}

#[tokio::test]
async fn invalid_operations_are_refused_as_mesos_refuses_them() {
    let (master, _agent, agent_id) = master_and_agent(&[]).await;
    let refused = |answer: common::Answer| (answer.status, answer.text());
    let static_cpus = json!([{
        "name": "cpus", "type": "SCALAR", "scalar": {"value": 1},
        "reservations": [{"type": "STATIC", "role": "ops"}]
    }]);
    let allocated_cpus = json!([{
        "name": "cpus", "type": "SCALAR", "scalar": {"value": 1},
        "reservations": dynamic("ops"), "allocation_info": {"role": "ops"}
    }]);
    let plain_disk = json!([{"name": "disk", "type": "SCALAR", "scalar": {"value": 10}}]);
    let cases = [
        (
            reserve_call("no-such-agent", json!([reserved("cpus", 1.0, "ops")])),
            "No agent found with specified ID".to_owned(),
        ),
        (
            reserve_call(&agent_id, static_cpus),
            "Resource cpus(reservations: [(STATIC,ops)]):1 is not dynamically reserved".to_owned(),
        ),
        (
            reserve_call(&agent_id, allocated_cpus),
            "A reserve operation was attempted with an allocated resource, but the operator API only allows reservations to be made to unallocated resources".to_owned(),
        ),
        (
            unreserve_call(&agent_id, plain_disk.clone()),
            "Invalid UNRESERVE operation: Resource disk:10 is not dynamically reserved".to_owned(),
        ),
        (
            create_call(&agent_id, json!([reserved("disk", 10.0, "ops")])),
            "Not a persistent volume: Resource disk(reservations: [(DYNAMIC,ops)]):10 does not have DiskInfo".to_owned(),
        ),
        (
            destroy_call(&agent_id, json!([volume("data", 10.0, "ops")])),
            "Invalid DESTROY operation: Persistent volumes not found".to_owned(),
        ),
        (
            shrink_call(&agent_id, volume("data", 10.0, "ops"), 20.0),
            "Value of 'ShrinkVolume.subtract' must be smaller than the size of 'ShrinkVolume.volume'".to_owned(),
        ),
        (
            json!({"type": "GROW_VOLUME", "grow_volume": {
                "volume": volume("data", 10.0, "ops"), "addition": reserved("disk", 1.0, "ops")
            }}),
            "Failed to validate master::Call: Expecting 'agent_id' to be present; only agent default resources are supported right now".to_owned(),
        ),
    ];
    for (body, message) in cases {
        let (status, text) = refused(common::operator_call(&master, body.clone()).await);
        assert_eq!(status, 400, "{body}: {text}");
        assert!(text.ends_with(&message), "{body}: {text}");
    }
    // Nothing changed on the agent.
    assert_eq!(slave(&master).await["reserved_resources"], json!({}));
}

#[tokio::test]
async fn an_authenticated_operator_reserves_and_creates_in_its_own_name() {
    let (_dir, credentials) = common::credentials_file(&[("ops-admin", "s3cret")]);
    let (master, mut agent, agent_id) =
        master_and_agent(&[&credentials, "--authenticate_http_readwrite"]).await;
    let authorization = common::basic("ops-admin:s3cret");
    let as_admin = |body: Json| call_as(&master, &authorization, body);
    let by = |principal: Option<&str>| {
        let mut cpus = reserved("cpus", 1.0, "ops");
        if let Some(principal) = principal {
            cpus["reservations"][0]["principal"] = json!(principal);
        }
        json!([cpus])
    };

    let unnamed = as_admin(reserve_call(&agent_id, by(None))).await;
    assert_eq!(unnamed.status, 400);
    assert!(unnamed.text().ends_with("A reserve operation was attempted by principal 'ops-admin', but there is a reserved resource in the request with no principal set"), "{}", unnamed.text());
    let impostor = as_admin(reserve_call(&agent_id, by(Some("someone")))).await;
    assert_eq!(impostor.status, 400);
    assert!(impostor.text().ends_with("A reserve operation was attempted by authenticated principal 'ops-admin', which does not match a reserved resource in the request with principal 'someone'"), "{}", impostor.text());
    let own = as_admin(reserve_call(&agent_id, by(Some("ops-admin")))).await;
    applied(&mut agent, own, offer::operation::Type::Reserve).await;

    let mut disk = reserved("disk", 10.0, "ops");
    disk["reservations"][0]["principal"] = json!("ops-admin");
    let reserve_disk = as_admin(reserve_call(&agent_id, json!([disk]))).await;
    applied(&mut agent, reserve_disk, offer::operation::Type::Reserve).await;
    let mut named_volume = volume("data", 10.0, "ops");
    named_volume["reservations"][0]["principal"] = json!("ops-admin");
    let anonymous = as_admin(create_call(&agent_id, json!([named_volume.clone()]))).await;
    assert_eq!(anonymous.status, 400);
    assert!(anonymous.text().ends_with("Create volume operation attempted by principal 'ops-admin', but there is a volume in the operation with no principal set in 'disk.persistence'"), "{}", anonymous.text());
    named_volume["disk"]["persistence"]["principal"] = json!("ops-admin");
    let created = as_admin(create_call(&agent_id, json!([named_volume]))).await;
    applied(&mut agent, created, offer::operation::Type::Create).await;
}

#[tokio::test]
async fn the_acls_decide_who_may_reserve_for_which_role() {
    let acls = json!({
        "permissive": false,
        "reserve_resources": [
            {"principals": {"type": "ANY"}, "roles": {"values": ["allowed", "elsewhere"]}}
        ],
        "register_agents": [{"principals": {"type": "ANY"}, "agents": {"type": "ANY"}}],
        "get_endpoints": [{"principals": {"type": "ANY"}, "paths": {"type": "ANY"}}],
        "view_roles": [{"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}]
    });
    let (master, mut agent, agent_id) = master_and_agent(&[&format!("--acls={acls}")]).await;
    let denied = reserve(&master, &agent_id, json!([reserved("cpus", 1.0, "denied")])).await;
    assert_eq!(denied.status, 403, "{}", denied.text());
    let allowed = reserve(
        &master,
        &agent_id,
        json!([reserved("cpus", 1.0, "allowed")]),
    )
    .await;
    applied(&mut agent, allowed, offer::operation::Type::Reserve).await;
    // Unreserving is a separate permission nobody has here, and moving a
    // reservation (RESERVE with a source) needs it too.
    let unreserve = unreserve(
        &master,
        &agent_id,
        json!([reserved("cpus", 1.0, "allowed")]),
    )
    .await;
    assert_eq!(unreserve.status, 403, "{}", unreserve.text());
    let mut moving = reserve_call(&agent_id, json!([reserved("cpus", 1.0, "elsewhere")]));
    moving["reserve_resources"]["source"] = json!([reserved("cpus", 1.0, "allowed")]);
    let moved = common::operator_call(&master, moving).await;
    assert_eq!(moved.status, 403, "{}", moved.text());
    assert_eq!(get_operations(&master).await.len(), 1);
}

#[tokio::test]
async fn the_classic_endpoints_take_forms() {
    let (master, mut agent, agent_id) = master_and_agent(&[]).await;
    let disk = json!([reserved("disk", 100.0, "ops")]).to_string();
    let volumes = json!([volume("data", 60.0, "ops")]).to_string();

    let answer = form(
        &master,
        "/master/reserve",
        &[("slaveId", agent_id.clone()), ("resources", disk.clone())],
    )
    .await;
    applied(&mut agent, answer, offer::operation::Type::Reserve).await;
    let answer = form(
        &master,
        "/master/create-volumes",
        &[("slaveId", agent_id.clone()), ("volumes", volumes.clone())],
    )
    .await;
    applied(&mut agent, answer, offer::operation::Type::Create).await;
    assert_eq!(
        slave(&master).await["reserved_resources"]["ops"]["disk"],
        100.0
    );
    let answer = form(
        &master,
        "/destroy-volumes",
        &[("slaveId", agent_id.clone()), ("volumes", volumes)],
    )
    .await;
    applied(&mut agent, answer, offer::operation::Type::Destroy).await;
    let answer = form(
        &master,
        "/master/unreserve",
        &[("slaveId", agent_id.clone()), ("resources", disk.clone())],
    )
    .await;
    applied(&mut agent, answer, offer::operation::Type::Unreserve).await;
    assert_eq!(slave(&master).await["reserved_resources"], json!({}));

    let missing = form(&master, "/master/reserve", &[("resources", disk.clone())]).await;
    assert_eq!(
        (missing.status, missing.text()),
        (
            400,
            "Missing 'slaveId' query parameter in the request body".to_owned()
        )
    );
    let malformed = form(
        &master,
        "/master/unreserve",
        &[("slaveId", agent_id), ("resources", "[{".to_owned())],
    )
    .await;
    assert_eq!(malformed.status, 400);
    assert!(
        malformed
            .text()
            .starts_with("Error in parsing 'resources' query parameter in the request body: "),
        "{}",
        malformed.text()
    );
    let get = common::request(&master, "GET", "/master/reserve", &[], b"").await;
    assert_eq!(get.status, 405);
}
