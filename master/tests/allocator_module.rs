//! `--allocator=<module name>`: the master allocates with an `Allocator`
//! module loaded by `--modules` — here the example library's
//! first-come-first-served allocator, whose offers differ from DRF's.

mod common;

use common::scheduler::{Subscription, fleet, pymesos_subscribe};
use common::wait_for_metric;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

#[tokio::test]
async fn the_allocator_module_named_by_the_flag_makes_the_offers() {
    let library = testkit::example_module_library(Path::new(env!("CARGO_TARGET_TMPDIR")));
    let manifest = json!({"libraries": [{
        "file": library.to_str().unwrap(),
        "modules": [{"name": "example_fifo_allocator"}],
    }]});
    let master = common::start(&[
        &format!("--modules={manifest}"),
        "--allocator=example_fifo_allocator",
    ])
    .await;
    let address = master.runtime.address();

    // Both frameworks wait before any agent is there: DRF would then give
    // one agent to each, first come, first served gives both to the first.
    let mut first = Subscription::json(address, &pymesos_subscribe("first")).await;
    assert_eq!(first.next_event().await["type"], "SUBSCRIBED");
    let mut second = Subscription::json(address, &pymesos_subscribe("second")).await;
    assert_eq!(second.next_event().await["type"], "SUBSCRIBED");
    let (runtime, fleet) = fleet(&master, 2, None).await;
    wait_for_metric(&master, "master/slaves_active", 2.0).await;

    let both_offered = async {
        let mut offered_agents = BTreeSet::new();
        while offered_agents.len() < 2 {
            let event = first.next_event().await;
            assert_eq!(event["type"], "OFFERS", "{event}");
            for offer in event["offers"]["offers"].as_array().unwrap() {
                offered_agents.insert(offer["agent_id"]["value"].as_str().unwrap().to_owned());
            }
        }
    };
    // A guard against waiting forever, not a timing assertion.
    tokio::time::timeout(Duration::from_secs(60), both_offered)
        .await
        .expect("the first framework is offered both agents");

    first.close();
    second.close();
    fleet.stop().await;
    runtime.shutdown().await;
}
