//! Speculative offer operations: a framework reserves part of an offer for
//! its role, the agent is told with `ApplyOperationMessage` (it has the
//! RESOURCE_PROVIDER capability), and the next offer holds the reserved
//! resources; the operation's status reaches the framework, whose
//! acknowledgement is relayed; UNRESERVE gives the resources back.

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
    json!({
        "type": "ACCEPT",
        "framework_id": {"value": framework_id},
        "accept": {
            "offer_ids": [offer["id"]],
            "operations": [operation],
            "filters": {"refuse_seconds": 0}
        }
    })
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
