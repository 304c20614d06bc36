//! `/metrics/snapshot` publishes the allocator's and the Registrar's
//! figures under Mesos's `allocator/*` and `registrar/*` names: every such
//! key of the real master's snapshot, with values that follow the cluster.

mod common;

use common::FakeAgent;
use common::scheduler::{Subscription, call, launch};
use serde_json::{Value as Json, json};
use std::collections::BTreeSet;

const ROLE: &str = "web";

/// The golden snapshot's `allocator/` and `registrar/` keys, its role
/// (`golden`) renamed to ours.
fn golden_keys() -> BTreeSet<String> {
    let path = testkit::golden_dir().join("s5-endpoints/pretty/master-http/metrics_snapshot.json");
    let golden: Json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    golden
        .as_object()
        .unwrap()
        .keys()
        .filter(|key| key.starts_with("allocator/") || key.starts_with("registrar/"))
        .map(|key| key.replace("/roles/golden/", &format!("/roles/{ROLE}/")))
        .collect()
}

fn agent_cpus() -> f64 {
    common::golden_registration(0)
        .slave
        .resources
        .iter()
        .filter(|resource| resource.name == "cpus")
        .filter_map(|resource| resource.scalar.as_ref())
        .map(|scalar| scalar.value)
        .sum()
}

/// `/metrics/snapshot`, as JSON.
async fn snapshot(master: &master::Master) -> Json {
    common::get_json(master, "/metrics/snapshot").await
}

fn value(snapshot: &Json, name: &str) -> f64 {
    snapshot[name]
        .as_f64()
        .unwrap_or_else(|| panic!("{name} in {snapshot}"))
}

#[tokio::test]
async fn the_snapshot_has_every_allocator_and_registrar_key_of_mesos() {
    let master = common::start(&["--allocation_interval=50ms"]).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    let body = json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": {
        "user": "root", "name": "metrics", "role": ROLE
    }}});
    let mut subscription = Subscription::json(master.runtime.address(), &body).await;
    let framework_id = subscription.subscribed_framework_id().await;
    let offers = subscription.next_event().await;
    assert_eq!(offers["type"], "OFFERS");

    let offered = snapshot(&master).await;
    assert!(value(&offered, "allocator/mesos/allocation_runs") >= 1.0);
    assert!(value(&offered, "allocator/mesos/allocation_run_ms/count") >= 1.0);
    assert!(value(&offered, "allocator/mesos/allocation_run_latency_ms/count") >= 1.0);
    assert_eq!(value(&offered, "allocator/event_queue_dispatches"), 0.0);
    assert_eq!(
        value(&offered, "allocator/mesos/event_queue_dispatches"),
        0.0
    );
    assert_eq!(
        value(&offered, "allocator/mesos/resources/cpus/total"),
        agent_cpus()
    );
    // The whole agent is offered to the one framework.
    assert_eq!(
        value(
            &offered,
            "allocator/mesos/resources/cpus/offered_or_allocated"
        ),
        agent_cpus()
    );
    assert_eq!(
        value(
            &offered,
            &format!("allocator/mesos/roles/{ROLE}/shares/dominant")
        ),
        1.0
    );
    assert_eq!(
        value(
            &offered,
            &format!("allocator/mesos/offer_filters/roles/{ROLE}/active")
        ),
        0.0
    );
    assert_eq!(value(&offered, "registrar/queued_operations"), 0.0);
    assert!(value(&offered, "registrar/registry_size_bytes") > 0.0);
    assert!(value(&offered, "registrar/state_fetch_ms") >= 0.0);
    // Recovery's store and the agent's admission.
    assert!(value(&offered, "registrar/state_store_ms/count") >= 2.0);

    // A task of 0.1 cpus and 32 MB; the rest is refused for a while.
    let accept = launch(&framework_id, &offers["offers"]["offers"][0], "task");
    let answer = call(master.runtime.address(), &subscription.stream_id(), &accept).await;
    assert_eq!(answer.status, 202);
    agent.expect("mesos.internal.RunTaskMessage").await;

    let running = snapshot(&master).await;
    let published: BTreeSet<String> = running
        .as_object()
        .unwrap()
        .keys()
        .filter(|key| key.starts_with("allocator/") || key.starts_with("registrar/"))
        .cloned()
        .collect();
    let missing: Vec<_> = golden_keys().difference(&published).cloned().collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
    assert_eq!(
        value(
            &running,
            &format!("allocator/mesos/offer_filters/roles/{ROLE}/active")
        ),
        1.0
    );
    // What the task uses is consumed by its role and, as in Mesos, by the
    // root of the role tree (named "").
    for role in [ROLE, ""] {
        let consumed = |name: &str| {
            value(
                &running,
                &format!("allocator/mesos/quota/roles/{role}/resources/{name}/consumed"),
            )
        };
        assert_eq!(consumed("cpus"), 0.1);
        assert_eq!(consumed("mem"), 32.0);
    }
}
