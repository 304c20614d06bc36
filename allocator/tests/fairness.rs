//! DRF across frameworks and across roles, weights, and hierarchical roles:
//! who gets each agent as shares grow.

mod common;

use allocator::{Allocator, CollectedOffers};
use common::*;
use std::collections::HashMap;
use std::time::Instant;

/// The framework offered each agent when agents arrive one at a time, each
/// followed by the prompt allocation Mesos runs after `addSlave`.
fn winners_of_arrivals(allocator: &mut dyn Allocator, agents: usize, total: &str) -> Vec<String> {
    let now = Instant::now();
    (0..agents)
        .map(|index| {
            add_agent(allocator, &format!("agent-{index}"), total);
            let mut offers = CollectedOffers::default();
            assert!(allocator.allocate_pending(now, &mut offers));
            let offered = summary(&offers);
            assert_eq!(offered.len(), 1, "one offer per agent: {offered:?}");
            offered[0].0.clone()
        })
        .collect()
}

#[test]
fn frameworks_of_one_role_take_turns() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["web"]);
    add_framework(&mut allocator, "f2", &["web"]);
    // Equal shares fall to the lower name, then to the smaller share.
    assert_eq!(
        winners_of_arrivals(&mut allocator, 4, "cpus:2;mem:1024"),
        ["f1", "f2", "f1", "f2"]
    );
}

#[test]
fn the_whole_agent_goes_to_the_framework_with_the_lowest_dominant_share() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "cpu-heavy", &["r"]);
    add_framework(&mut allocator, "mem-heavy", &["r"]);
    let used = HashMap::from([
        (framework_id("cpu-heavy"), allocated("cpus:3;mem:100", "r")),
        (framework_id("mem-heavy"), allocated("cpus:1;mem:1000", "r")),
    ]);
    allocator
        .add_agent(
            &agent_info("busy"),
            &agent_capabilities(),
            None,
            &resources("cpus:4;mem:1100"),
            &used,
        )
        .unwrap();
    add_agent(&mut allocator, "free", "cpus:4;mem:2000");
    // `busy` is all used. Dominant shares: cpu-heavy 3/8 of the cpus,
    // mem-heavy 1000/3100 of the memory.
    let offers = allocate(&mut allocator, Instant::now());
    assert_eq!(
        summary(&offers),
        [(
            "mem-heavy".to_owned(),
            "free".to_owned(),
            "r".to_owned(),
            "cpus:4; mem:2000".to_owned()
        )]
    );
}

#[test]
fn roles_share_before_their_frameworks_do() {
    let mut allocator = allocator();
    // Three frameworks in role `a`, one in role `b`: `b` still gets every
    // other agent.
    for name in ["a1", "a2", "a3"] {
        add_framework(&mut allocator, name, &["a"]);
    }
    add_framework(&mut allocator, "b1", &["b"]);
    assert_eq!(
        winners_of_arrivals(&mut allocator, 4, "cpus:1;mem:512"),
        ["a1", "b1", "a2", "b1"]
    );
}

#[test]
fn weights_scale_a_roles_share() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "heavy", &["heavy"]);
    add_framework(&mut allocator, "light", &["light"]);
    allocator.update_weights(&[proto::mesos::WeightInfo {
        weight: 2.0,
        role: Some("heavy".into()),
    }]);
    for index in 0..6 {
        add_agent(&mut allocator, &format!("agent-{index}"), "cpus:1;mem:512");
    }
    // Added while no allocation ran: one full run hands out all six.
    allocator.pause();
    allocator.resume();
    let offers = allocate(&mut allocator, Instant::now());
    let count = |framework: &str| {
        summary(&offers)
            .iter()
            .filter(|offer| offer.0 == framework)
            .count()
    };
    assert_eq!((count("heavy"), count("light")), (4, 2));
}

#[test]
fn hierarchical_roles_share_as_subtrees() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "web", &["eng/web"]);
    add_framework(&mut allocator, "db", &["eng/db"]);
    add_framework(&mut allocator, "ops", &["ops"]);
    // `eng` and `ops` alternate at the top; `eng`'s turns alternate
    // between its two children.
    assert_eq!(
        winners_of_arrivals(&mut allocator, 4, "cpus:1;mem:512"),
        ["db", "ops", "web", "ops"]
    );
    assert_eq!(allocator.role_order(), ["eng/db", "eng/web", "ops"]);
}

#[test]
fn a_framework_in_several_roles_gets_one_offer_per_role() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "multi", &["a", "b"]);
    add_agent(&mut allocator, "agent-a", "cpus:1;mem:512");
    add_agent(&mut allocator, "agent-b", "cpus:1;mem:512");
    let offers = allocate(&mut allocator, Instant::now());
    let mut roles: Vec<String> = summary(&offers).into_iter().map(|offer| offer.2).collect();
    roles.sort();
    assert_eq!(roles, ["a", "b"]);
    assert_eq!(offers.offers.len(), 1, "one delivery per framework");
}

#[test]
fn offered_resources_are_not_offered_again_until_recovered() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["r"]);
    add_agent(&mut allocator, "agent", "cpus:2;mem:1024");
    let now = Instant::now();
    let first = allocate(&mut allocator, now);
    assert_eq!(first.offer_count(), 1);
    assert_eq!(allocate(&mut allocator, now).offer_count(), 0);
    decline_all(&mut allocator, &first, None, now);
    assert_eq!(summary(&allocate(&mut allocator, now)), summary(&first));
}

#[test]
fn removing_a_framework_frees_what_it_held() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["r"]);
    add_agent(&mut allocator, "agent", "cpus:2;mem:1024");
    let now = Instant::now();
    assert_eq!(allocate(&mut allocator, now).offer_count(), 1);
    allocator.remove_framework(&framework_id("f1")).unwrap();
    add_framework(&mut allocator, "f2", &["r"]);
    assert_eq!(
        summary(&allocate(&mut allocator, now)),
        [(
            "f2".to_owned(),
            "agent".to_owned(),
            "r".to_owned(),
            "cpus:2; mem:1024".to_owned()
        )]
    );
}
