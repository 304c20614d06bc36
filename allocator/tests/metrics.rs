//! `Allocator::metrics`: the figures `/metrics/snapshot` shows under
//! `allocator/`, as Mesos's hierarchical allocator names and computes them.

mod common;

use allocator::{Allocator, HierarchicalAllocator, Options, SorterKind};
use common::*;
use std::collections::BTreeMap;
use std::time::Instant;

fn figures(allocator: &mut dyn Allocator) -> BTreeMap<String, f64> {
    allocator.metrics().into_iter().collect()
}

/// One framework in `web` and one agent, before any run.
fn web_cluster(allocator: &mut dyn Allocator) {
    add_framework(allocator, "f1", &["web"]);
    add_agent(allocator, "agent", "cpus:4;mem:1024;disk:100");
}

#[test]
fn figures_follow_offers_filters_and_use() {
    let mut allocator = allocator();
    web_cluster(&mut allocator);
    let before = figures(&mut allocator);
    assert_eq!(before["allocator/event_queue_dispatches"], 0.0);
    assert_eq!(before["allocator/mesos/event_queue_dispatches"], 0.0);
    assert_eq!(before["allocator/mesos/allocation_runs"], 0.0);
    assert_eq!(before["allocator/mesos/resources/cpus/total"], 4.0);
    assert_eq!(before["allocator/mesos/resources/mem/total"], 1024.0);
    assert_eq!(before["allocator/mesos/resources/disk/total"], 100.0);
    assert_eq!(
        before["allocator/mesos/resources/cpus/offered_or_allocated"],
        0.0
    );
    assert_eq!(before["allocator/mesos/roles/web/shares/dominant"], 0.0);
    assert_eq!(
        before["allocator/mesos/offer_filters/roles/web/active"],
        0.0
    );
    assert!(
        !before.keys().any(|name| name.contains("gpus")),
        "no GPUs in the cluster: {before:?}"
    );

    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    let offered = figures(&mut allocator);
    assert_eq!(offered["allocator/mesos/allocation_runs"], 1.0);
    assert_eq!(
        offered["allocator/mesos/resources/cpus/offered_or_allocated"],
        4.0
    );
    assert_eq!(
        offered["allocator/mesos/resources/mem/offered_or_allocated"],
        1024.0
    );
    assert_eq!(offered["allocator/mesos/roles/web/shares/dominant"], 1.0);
    assert!(
        !offered.keys().any(|name| name.ends_with("/consumed")),
        "offered is not consumed: {offered:?}"
    );

    // The framework uses part of the offer and declines the rest.
    let (_, offer) = offers.flat().next().unwrap();
    let used = allocated("cpus:1;mem:256", "web");
    allocator
        .transition_offered_to_allocated(&offer.agent_id, &used)
        .unwrap();
    let mut rest = offer.resources.clone();
    rest -= &used;
    allocator
        .recover_resources(
            &framework_id("f1"),
            &offer.agent_id,
            &rest,
            Some(&proto::mesos::Filters {
                refuse_seconds: Some(60.0),
            }),
            false,
            now,
        )
        .unwrap();
    let used = figures(&mut allocator);
    assert_eq!(
        used["allocator/mesos/resources/cpus/offered_or_allocated"],
        1.0
    );
    assert_eq!(used["allocator/mesos/roles/web/shares/dominant"], 0.25);
    assert_eq!(used["allocator/mesos/offer_filters/roles/web/active"], 1.0);
    // Consumption is published for the role and, as in Mesos, for the
    // root of the role tree (named "").
    for role in ["web", ""] {
        assert_eq!(
            used[&format!("allocator/mesos/quota/roles/{role}/resources/cpus/consumed")],
            1.0
        );
        assert_eq!(
            used[&format!("allocator/mesos/quota/roles/{role}/resources/mem/consumed")],
            256.0
        );
    }
}

#[test]
fn skipped_idle_runs_are_not_counted() {
    let mut allocator = allocator();
    web_cluster(&mut allocator);
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    decline_all(&mut allocator, &offers, Some(60.0), now);
    allocate(&mut allocator, now + seconds(1));
    allocate(&mut allocator, now + seconds(2));
    assert_eq!(allocator.allocation_runs(), 2);
    assert_eq!(
        figures(&mut allocator)["allocator/mesos/allocation_runs"],
        2.0
    );
}

#[test]
fn gpus_are_published_when_the_cluster_has_some() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["web"]);
    add_agent(&mut allocator, "agent", "cpus:4;mem:1024;gpus:2");
    let figures = figures(&mut allocator);
    assert_eq!(figures["allocator/mesos/resources/gpus/total"], 2.0);
    assert_eq!(
        figures["allocator/mesos/resources/gpus/offered_or_allocated"],
        0.0
    );
}

#[test]
fn shares_count_against_the_pool_as_it_is_now() {
    let mut allocator = allocator();
    web_cluster(&mut allocator);
    allocate(&mut allocator, Instant::now());
    // A second agent doubles the pool before any run has seen it.
    add_agent(&mut allocator, "agent2", "cpus:4;mem:1024;disk:100");
    assert_eq!(
        figures(&mut allocator)["allocator/mesos/roles/web/shares/dominant"],
        0.5
    );
}

#[test]
fn the_random_sorter_publishes_no_shares() {
    let mut allocator = HierarchicalAllocator::new(Options {
        seed: Some(7),
        role_sorter: SorterKind::Random,
        ..Options::default()
    });
    web_cluster(&mut allocator);
    let figures = figures(&mut allocator);
    assert!(
        !figures.keys().any(|name| name.contains("/shares/")),
        "{figures:?}"
    );
    assert_eq!(
        figures["allocator/mesos/offer_filters/roles/web/active"],
        0.0
    );
}
