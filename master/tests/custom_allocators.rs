//! Allocators other than HierarchicalDRF make the master's offers: one
//! given in code (`MasterBuilder::allocator`) and an `Allocator` module
//! named by `--allocator` — both the first-come-first-served allocator of
//! `allocator-example`, whose offers differ from DRF's.

mod common;

use allocator_example::FifoAllocator;
use common::scheduler::{Subscription, fleet, pymesos_subscribe};
use common::wait_for_metric;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// Two frameworks subscribe before any agent is there, then two agents
/// register: DRF would give one agent to each, first come, first served
/// gives both to the first. Returns the agents' IDs as offered.
async fn first_come_first_served(master: &master::Master) -> BTreeSet<String> {
    let address = master.runtime.address();
    let mut first = Subscription::json(address, &pymesos_subscribe("first")).await;
    assert_eq!(first.next_event().await["type"], "SUBSCRIBED");
    let mut second = Subscription::json(address, &pymesos_subscribe("second")).await;
    assert_eq!(second.next_event().await["type"], "SUBSCRIBED");
    let (runtime, fleet) = fleet(master, 2, None).await;
    wait_for_metric(master, "master/slaves_active", 2.0).await;

    let both_offered = async {
        let mut offered_agents = BTreeSet::new();
        while offered_agents.len() < 2 {
            let event = first.next_event().await;
            assert_eq!(event["type"], "OFFERS", "{event}");
            for offer in event["offers"]["offers"].as_array().unwrap() {
                offered_agents.insert(offer["agent_id"]["value"].as_str().unwrap().to_owned());
            }
        }
        offered_agents
    };
    // A guard against waiting forever, not a timing assertion.
    let offered_agents = tokio::time::timeout(Duration::from_secs(60), both_offered)
        .await
        .expect("the first framework is offered both agents");

    first.close();
    second.close();
    fleet.stop().await;
    runtime.shutdown().await;
    offered_agents
}

#[tokio::test]
async fn an_allocator_given_in_code_makes_the_offers() {
    let fifo = FifoAllocator::new();
    let builder = master::MasterBuilder::new(common::flags(&[])).allocator(Box::new(fifo.clone()));
    let master = common::start_with(builder).await;

    let offered_agents = first_come_first_served(&master).await;
    // The handle sees the allocator the master fed.
    let known: BTreeSet<String> = fifo.agents().into_iter().map(|id| id.value).collect();
    assert_eq!(offered_agents, known);
    assert_eq!(fifo.frameworks().len(), 2);
}

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

    assert_eq!(first_come_first_served(&master).await.len(), 2);
}
