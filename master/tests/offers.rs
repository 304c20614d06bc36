//! Offers over their life: rescinded after `--offer_timeout` and offered
//! again; declined with a refusal filter that REVIVE lifts; held back by
//! SUPPRESS; rescinded when their agent is lost, whose tasks then become
//! TASK_LOST (TASK_UNREACHABLE for PARTITION_AWARE frameworks) while
//! every framework hears of the lost agent.

mod common;

use common::scheduler::{Subscription, call, launch, simple};
use common::{FakeAgent, metric, wait_for_metric};
use serde_json::{Value as Json, json};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A framework subscribed in JSON: (stream, framework id).
async fn subscribe(master: &master::Master, info: Json) -> (Subscription, String) {
    let body = json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": info}});
    let mut subscription = Subscription::json(master.runtime.address(), &body).await;
    let id = subscription.subscribed_framework_id().await;
    (subscription, id)
}

fn plain() -> Json {
    json!({"user": "root", "name": "offers"})
}

/// DECLINE of the first offer of an OFFERS event, refused for `refuse_seconds`.
fn decline_first_offer(framework_id: &str, offers: &Json, refuse_seconds: u32) -> Json {
    json!({
        "type": "DECLINE",
        "framework_id": {"value": framework_id},
        "decline": {
            "offer_ids": [offers["offers"]["offers"][0]["id"]],
            "filters": {"refuse_seconds": refuse_seconds}
        }
    })
}

/// Several allocation intervals pass: an offer would have come by then.
async fn let_allocations_run() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn offers_are_rescinded_after_the_offer_timeout_and_made_again() {
    let master = common::start(&["--offer_timeout=200ms"]).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    let (mut subscription, _) = subscribe(&master, plain()).await;

    let offers = subscription.next_event().await;
    let first = offers["offers"]["offers"][0]["id"].clone();
    let rescind = subscription.next_event().await;
    assert_eq!(
        rescind,
        json!({"type": "RESCIND", "rescind": {"offer_id": first}})
    );
    let again = subscription.next_event().await;
    assert_eq!(again["type"], "OFFERS");
    assert_ne!(again["offers"]["offers"][0]["id"], first);
}

#[tokio::test]
async fn a_declined_agent_is_offered_again_after_revive_and_suppress_holds_offers() {
    let master = common::start(&["--allocation_interval=50ms"]).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    let (mut subscription, id) = subscribe(&master, plain()).await;
    let address = master.runtime.address();
    let stream_id = subscription.stream_id();

    let offers = subscription.next_event().await;
    let decline = decline_first_offer(&id, &offers, 3600);
    assert_eq!(call(address, &stream_id, &decline).await.status, 202);
    let_allocations_run().await;
    assert_eq!(
        metric(&master, "master/outstanding_offers"),
        0.0,
        "the filter holds"
    );

    assert_eq!(
        call(address, &stream_id, &simple("REVIVE", &id))
            .await
            .status,
        202
    );
    let offers = subscription.next_event().await;
    assert_eq!(offers["type"], "OFFERS");

    // Suppressed: the declined agent is not offered again, filter or not.
    assert_eq!(
        call(address, &stream_id, &simple("SUPPRESS", &id))
            .await
            .status,
        202
    );
    let decline = decline_first_offer(&id, &offers, 0);
    assert_eq!(call(address, &stream_id, &decline).await.status, 202);
    let_allocations_run().await;
    assert_eq!(
        metric(&master, "master/outstanding_offers"),
        0.0,
        "suppressed"
    );
    assert_eq!(
        call(address, &stream_id, &simple("REVIVE", &id))
            .await
            .status,
        202
    );
    assert_eq!(subscription.next_event().await["type"], "OFFERS");
}

/// Waits for the events of an agent's loss, in any order, by type.
async fn events_until_lost(subscription: &mut Subscription) -> Vec<Json> {
    let mut events = Vec::new();
    while !events.iter().any(|e: &Json| e["type"] == "FAILURE") {
        events.push(subscription.next_event().await);
    }
    events
}

#[tokio::test]
async fn a_lost_agent_rescinds_its_offers_and_loses_its_tasks() {
    let master =
        common::start(&["--agent_ping_timeout=1secs", "--max_agent_ping_timeouts=1"]).await;
    let mut agent = FakeAgent::start(&master).await;
    let agent_id = agent.register().await;
    let address = master.runtime.address();

    let (mut plain_stream, plain_id) = subscribe(&master, plain()).await;
    let aware = json!({
        "user": "root",
        "name": "aware",
        "capabilities": [{"type": "PARTITION_AWARE"}]
    });
    let (mut aware_stream, aware_id) = subscribe(&master, aware).await;

    // Each framework launches a task on the agent in turn.
    for (stream, id, task) in [
        (&mut plain_stream, &plain_id, "plain-task"),
        (&mut aware_stream, &aware_id, "aware-task"),
    ] {
        let offers = loop {
            let event = stream.next_event().await;
            if event["type"] == "OFFERS" {
                break event;
            }
        };
        let mut accept = launch(id, &offers["offers"]["offers"][0], task);
        accept["accept"]["filters"]["refuse_seconds"] = json!(0);
        assert_eq!(
            call(address, &stream.stream_id(), &accept).await.status,
            202
        );
        agent.expect("mesos.internal.RunTaskMessage").await;
    }

    // What the tasks left of the agent is offered to one of them.
    wait_for_metric(&master, "master/outstanding_offers", 1.0).await;
    agent.answer_pings.store(false, Ordering::SeqCst);
    wait_for_metric(&master, "master/slaves_unreachable", 1.0).await;

    let plain_events = events_until_lost(&mut plain_stream).await;
    let update = plain_events.iter().find(|e| e["type"] == "UPDATE").unwrap();
    assert_eq!(update["update"]["status"]["state"], "TASK_LOST");
    assert_eq!(update["update"]["status"]["reason"], "REASON_AGENT_REMOVED");
    let aware_events = events_until_lost(&mut aware_stream).await;
    let update = aware_events.iter().find(|e| e["type"] == "UPDATE").unwrap();
    assert_eq!(update["update"]["status"]["state"], "TASK_UNREACHABLE");
    assert!(update["update"]["status"]["unreachable_time"].is_object());
    for events in [&plain_events, &aware_events] {
        let failure = events.iter().find(|e| e["type"] == "FAILURE").unwrap();
        assert_eq!(failure["failure"]["agent_id"]["value"], json!(agent_id));
    }
    // Whichever framework held the agent's leftover offer saw it rescinded.
    let rescinds = plain_events
        .iter()
        .chain(&aware_events)
        .filter(|e| e["type"] == "RESCIND")
        .count();
    assert_eq!(rescinds, 1);
    assert_eq!(metric(&master, "master/outstanding_offers"), 0.0);
    assert_eq!(metric(&master, "master/tasks_lost"), 1.0);
    assert_eq!(
        metric(&master, "master/tasks_unreachable"),
        0.0,
        "removed from the live tasks"
    );
}
