//! The v1 HTTP scheduler API end to end against simulated agents: a
//! framework subscribes as pymesos does in the golden capture, is offered
//! an agent's resources, launches a task, follows its updates to
//! TASK_FINISHED acknowledging each, declines, and tears down; protobuf
//! subscribers get the same events in protobuf; heartbeats come every 15 s
//! (on a paused clock); calls need the subscriber's stream id; and every
//! malformed request of the golden error captures is answered as Mesos
//! 1.11 answered it.

mod common;

use common::scheduler::{
    Subscription, acknowledge, call, fleet, launch, post, pymesos_subscribe, simple,
};
use common::{metric, wait_for_metric};
use prost::Message as _;
use serde_json::{Value as Json, json};
use std::time::Duration;

#[tokio::test]
async fn a_framework_launches_a_task_and_sees_it_finish() {
    let master = common::start(&[]).await;
    let (runtime, fleet) = fleet(&master, 1, Some(Duration::from_millis(50))).await;
    let address = master.runtime.address();

    let mut subscription = Subscription::json(address, &pymesos_subscribe("pymesos-golden")).await;
    assert_eq!(subscription.status, 200);
    assert_eq!(
        subscription.header("Content-Type"),
        Some("application/json")
    );
    assert_eq!(subscription.header("Transfer-Encoding"), Some("chunked"));
    let stream_id = subscription.stream_id();

    let subscribed = subscription.next_json().await;
    assert_eq!(subscribed["type"], "SUBSCRIBED");
    let framework_id = subscribed["subscribed"]["framework_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(framework_id, format!("{}-0000", master.info.id));
    assert_eq!(
        subscribed["subscribed"]["heartbeat_interval_seconds"],
        json!(15.0)
    );
    assert_eq!(
        subscribed["subscribed"]["master_info"]["id"],
        json!(master.info.id)
    );
    assert_eq!(subscription.next_json().await, json!({"type": "HEARTBEAT"}));

    let offers = subscription.next_event().await;
    assert_eq!(offers["type"], "OFFERS");
    let offer = offers["offers"]["offers"][0].clone();
    assert_eq!(
        offer["id"]["value"],
        json!(format!("{}-O0", master.info.id))
    );
    assert_eq!(offer["framework_id"]["value"], json!(framework_id));
    assert_eq!(offer["url"]["path"], "/slave(1)");
    assert_eq!(offer["url"]["scheme"], "http");
    // Not MULTI_ROLE: no allocation info; no RESERVATION_REFINEMENT: `role`.
    assert!(offer.get("allocation_info").is_none());
    for resource in offer["resources"].as_array().unwrap() {
        assert_eq!(resource["role"], "*");
        assert!(resource.get("allocation_info").is_none());
    }

    let accepted = call(
        address,
        &stream_id,
        &launch(&framework_id, &offer, "pymesos-echo-1"),
    )
    .await;
    assert_eq!((accepted.status, accepted.body.len()), (202, 0));
    let mut states = Vec::new();
    while states.last().map(String::as_str) != Some("TASK_FINISHED") {
        let update = subscription.next_event().await;
        assert_eq!(update["type"], "UPDATE", "{update}");
        let status = &update["update"]["status"];
        assert_eq!(status["task_id"]["value"], "pymesos-echo-1");
        assert_eq!(status["agent_id"], offer["agent_id"]);
        states.push(status["state"].as_str().unwrap().to_owned());
        let acked = call(address, &stream_id, &acknowledge(&framework_id, status)).await;
        assert_eq!(acked.status, 202, "{}", acked.text());
    }
    assert_eq!(states, ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
    wait_for_metric(&master, "master/tasks_finished", 1.0).await;
    wait_for_metric(&master, "master/valid_status_update_acknowledgements", 3.0).await;

    // The rest of the agent comes back in a new offer, which is declined.
    let offers = subscription.next_event().await;
    assert_eq!(offers["type"], "OFFERS");
    let offer = &offers["offers"]["offers"][0];
    let decline = json!({
        "type": "DECLINE",
        "framework_id": {"value": framework_id},
        "decline": {"offer_ids": [offer["id"]]}
    });
    assert_eq!(call(address, &stream_id, &decline).await.status, 202);
    assert_eq!(metric(&master, "master/outstanding_offers"), 0.0);

    let teardown = call(address, &stream_id, &simple("TEARDOWN", &framework_id)).await;
    assert_eq!(teardown.status, 202);
    assert_eq!(subscription.next_record().await, None, "the stream ends");
    assert_eq!(metric(&master, "master/frameworks_active"), 0.0);
    assert_eq!(metric(&master, "master/framework_removals"), 1.0);

    // A torn down framework is gone for calls.
    let again = call(address, &stream_id, &simple("REVIVE", &framework_id)).await;
    assert_eq!(
        (again.status, again.text().as_str()),
        (400, "Framework cannot be found")
    );

    fleet.stop().await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn a_protobuf_subscriber_gets_protobuf_events() {
    use proto::mesos::v1::scheduler::{Call, Event, call, event};
    let master = common::start(&[]).await;
    let (runtime, fleet) = fleet(&master, 1, None).await;
    let subscribe = Call {
        r#type: Some(call::Type::Subscribe as i32),
        subscribe: Some(call::Subscribe {
            framework_info: proto::mesos::v1::FrameworkInfo {
                user: "root".into(),
                name: "t".into(),
                ..Default::default()
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut subscription = Subscription::open(
        master.runtime.address(),
        "application/x-protobuf",
        &subscribe.encode_to_vec(),
    )
    .await;
    assert_eq!(subscription.status, 200);
    assert_eq!(
        subscription.header("Content-Type"),
        Some("application/x-protobuf")
    );
    let mut types = Vec::new();
    while types.len() < 3 {
        let record = subscription.next_record().await.unwrap();
        let event = Event::decode(record.as_slice()).unwrap();
        types.push(event.r#type());
    }
    assert_eq!(
        types,
        [
            event::Type::Subscribed,
            event::Type::Heartbeat,
            event::Type::Offers
        ]
    );
    // One record per chunk, as libprocess writes them.
    for _ in 0..3 {
        let chunk = subscription.chunks.recv().await.unwrap();
        let newline = chunk.iter().position(|b| *b == b'\n').unwrap();
        let length: usize = std::str::from_utf8(&chunk[..newline])
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(chunk.len(), newline + 1 + length);
    }

    fleet.stop().await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_are_answered_as_mesos_answers_them() {
    let master = common::start(&[]).await;
    let file = testkit::golden_dir().join("s6-errors").join("summary.json");
    let summary: Json = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let mut checked = 0;
    for case in summary["cases"].as_array().unwrap() {
        let name = case["case"].as_str().unwrap();
        if !name.starts_with("sched-") {
            continue;
        }
        let request = &case["exchanges"][0];
        let expected = &case["exchanges"][1];
        let start_line = request["start_line"].as_str().unwrap();
        let headers: Vec<(String, String)> = request["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h[0].as_str().unwrap().to_owned(),
                    h[1].as_str().unwrap().to_owned(),
                )
            })
            .filter(|(name, _)| name != "Host" && name != "Content-Length")
            .collect();
        let body = match request["body_text"].as_str() {
            Some(text) => text.as_bytes().to_vec(),
            // The protobuf garbage case: bytes that are no Call.
            None => b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff".to_vec(),
        };
        let header_refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let answer = if start_line.starts_with("GET") {
            common::request(&master, "GET", common::scheduler::PATH, &header_refs, b"").await
        } else {
            post(
                master.runtime.address(),
                common::scheduler::PATH,
                &header_refs,
                &body,
            )
            .await
        };
        let status: u16 = expected["start_line"].as_str().unwrap()[9..12]
            .parse()
            .unwrap();
        assert_eq!(answer.status, status, "{name}: {}", answer.text());
        assert_eq!(
            answer.text(),
            expected["body_text"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            answer.header("Content-Type"),
            Some("text/plain; charset=utf-8"),
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, 13);
}

#[tokio::test]
async fn calls_need_the_subscribers_stream() {
    let master = common::start(&[]).await;
    let address = master.runtime.address();
    let subscribe = json!({
        "type": "SUBSCRIBE",
        "subscribe": {"framework_info": {"user": "root", "name": "s", "failover_timeout": 60}}
    });
    let mut subscription = Subscription::json(address, &subscribe).await;
    let stream_id = subscription.stream_id();
    let framework_id = subscription.subscribed_framework_id().await;

    let revive = simple("REVIVE", &framework_id);
    let without = post(
        address,
        common::scheduler::PATH,
        &[("Content-Type", "application/json")],
        revive.to_string().as_bytes(),
    )
    .await;
    assert_eq!(
        (without.status, without.text().as_str()),
        (
            400,
            "All non-subscribe calls should include the 'Mesos-Stream-Id' header"
        )
    );
    let wrong = call(address, "not-the-stream", &revive).await;
    assert_eq!(wrong.status, 400);
    assert_eq!(
        wrong.text(),
        format!(
            "The stream ID 'not-the-stream' included in this request didn't match the stream ID \
             currently associated with framework ID {framework_id}"
        )
    );
    assert_eq!(call(address, &stream_id, &revive).await.status, 202);

    subscription.close();
    wait_for_metric(&master, "master/frameworks_disconnected", 1.0).await;
    let disconnected = call(address, &stream_id, &revive).await;
    assert_eq!(
        (disconnected.status, disconnected.text().as_str()),
        (403, "Framework is not subscribed")
    );
}

#[tokio::test(start_paused = true)]
async fn subscribers_get_a_heartbeat_every_fifteen_seconds() {
    let master = common::start(&[]).await;
    let subscribe = pymesos_subscribe("heartbeats");
    let mut subscription = Subscription::json(master.runtime.address(), &subscribe).await;
    assert_eq!(subscription.next_json().await["type"], "SUBSCRIBED");
    let first = tokio::time::Instant::now();
    assert_eq!(subscription.next_json().await, json!({"type": "HEARTBEAT"}));
    for beat in 1..=3 {
        assert_eq!(subscription.next_json().await, json!({"type": "HEARTBEAT"}));
        // The paused clock only moves to the next timer: exactly 15 s apart.
        assert_eq!(first.elapsed(), Duration::from_secs(15 * beat));
    }
}
