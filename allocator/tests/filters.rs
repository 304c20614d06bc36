//! Refusal filters and their expiry, suppress and revive.

mod common;

use allocator::{Allocator, Options};
use common::*;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

fn one_framework_one_agent() -> allocator::HierarchicalAllocator {
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["r"]);
    add_agent(&mut allocator, "agent", "cpus:2;mem:1024");
    allocator
}

#[test]
fn a_declined_offer_is_withheld_until_the_filter_expires() {
    let mut allocator = one_framework_one_agent();
    let start = Instant::now();
    let offers = allocate(&mut allocator, start);
    decline_all(&mut allocator, &offers, Some(10.0), start);
    assert_eq!(
        allocate(&mut allocator, start + seconds(9)).offer_count(),
        0
    );
    assert_eq!(
        summary(&allocate(&mut allocator, start + seconds(10))),
        summary(&offers)
    );
}

#[test]
fn a_run_that_offered_nothing_is_not_repeated_until_something_changes() {
    let mut allocator = one_framework_one_agent();
    let start = Instant::now();
    let offers = allocate(&mut allocator, start);
    decline_all(&mut allocator, &offers, Some(10.0), start);
    assert_eq!(
        allocate(&mut allocator, start + seconds(1)).offer_count(),
        0
    );
    assert_eq!(allocator.allocation_runs(), 2);

    // Nothing changed and no filter expired: the same run would offer
    // nothing again, and is skipped.
    assert_eq!(
        allocate(&mut allocator, start + seconds(2)).offer_count(),
        0
    );
    assert_eq!(allocator.allocation_runs(), 2);

    // An event: the next run is made, and offers what is new.
    add_agent(&mut allocator, "agent2", "cpus:1;mem:512");
    assert_eq!(
        allocate(&mut allocator, start + seconds(3)).offer_count(),
        1
    );
    assert_eq!(allocator.allocation_runs(), 3);
    let offers = allocate(&mut allocator, start + seconds(4));
    assert_eq!(
        offers.offer_count(),
        0,
        "agent2's resources are offered already"
    );
    assert_eq!(
        allocate(&mut allocator, start + seconds(5)).offer_count(),
        0
    );
    assert_eq!(
        allocator.allocation_runs(),
        4,
        "idle after a run that offered nothing"
    );

    // A filter expiring: the run is made, and offers the first agent again.
    assert_eq!(
        allocate(&mut allocator, start + seconds(10)).offer_count(),
        1
    );
    assert_eq!(allocator.allocation_runs(), 5);
}

#[test]
fn refusing_for_zero_seconds_installs_no_filter() {
    let mut allocator = one_framework_one_agent();
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    decline_all(&mut allocator, &offers, Some(0.0), now);
    assert_eq!(allocate(&mut allocator, now).offer_count(), 1);
}

#[test]
fn filters_last_at_least_one_allocation_interval() {
    let mut allocator = allocator::HierarchicalAllocator::new(Options {
        allocation_interval: seconds(2),
        seed: Some(1),
        ..Options::default()
    });
    add_framework(&mut allocator, "f1", &["r"]);
    add_agent(&mut allocator, "agent", "cpus:2;mem:1024");
    let start = Instant::now();
    let offers = allocate(&mut allocator, start);
    decline_all(&mut allocator, &offers, Some(0.5), start);
    assert_eq!(
        allocate(&mut allocator, start + Duration::from_millis(1500)).offer_count(),
        0
    );
    assert_eq!(
        allocate(&mut allocator, start + seconds(2)).offer_count(),
        1
    );
}

#[test]
fn negative_refusals_use_the_default_and_huge_ones_a_year() {
    let mut allocator = one_framework_one_agent();
    let start = Instant::now();
    let offers = allocate(&mut allocator, start);
    decline_all(&mut allocator, &offers, Some(-1.0), start);
    assert_eq!(
        allocate(&mut allocator, start + seconds(4)).offer_count(),
        0
    );
    let offers = allocate(&mut allocator, start + seconds(5));
    assert_eq!(offers.offer_count(), 1, "the default refusal is 5 s");

    decline_all(
        &mut allocator,
        &offers,
        Some(f64::from(i32::MAX)),
        start + seconds(5),
    );
    let year = seconds(365 * 24 * 3600);
    assert_eq!(allocate(&mut allocator, start + year).offer_count(), 0);
    assert_eq!(
        allocate(&mut allocator, start + seconds(5) + year).offer_count(),
        1
    );
}

#[test]
fn a_filter_only_holds_back_offers_it_covers() {
    let mut allocator = one_framework_one_agent();
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    decline_all(&mut allocator, &offers, Some(100.0), now);
    // The agent grew: the new offer holds more than was refused.
    allocator
        .update_agent(
            &agent_info("agent"),
            Some(&resources("cpus:4;mem:1024")),
            None,
        )
        .unwrap();
    let offers = allocate(&mut allocator, now);
    assert_eq!(summary(&offers)[0].3, "cpus:4; mem:1024");
}

#[test]
fn filters_hold_per_framework_so_others_get_the_agent() {
    let mut allocator = one_framework_one_agent();
    add_framework(&mut allocator, "f2", &["r"]);
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    let first = summary(&offers)[0].0.clone();
    decline_all(&mut allocator, &offers, Some(100.0), now);
    let offers = allocate(&mut allocator, now);
    assert_eq!(offers.offer_count(), 1);
    assert_ne!(summary(&offers)[0].0, first);
}

#[test]
fn revive_drops_filters() {
    let mut allocator = one_framework_one_agent();
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    decline_all(&mut allocator, &offers, Some(100.0), now);
    assert_eq!(allocate(&mut allocator, now).offer_count(), 0);
    allocator
        .revive_offers(&framework_id("f1"), &BTreeSet::new())
        .unwrap();
    assert!(
        allocator.has_pending_allocation(),
        "revive triggers an allocation"
    );
    assert_eq!(allocate(&mut allocator, now).offer_count(), 1);
}

#[test]
fn suppressed_roles_get_no_offers_until_revived() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["a", "b"]);
    allocator
        .suppress_offers(&framework_id("f1"), &BTreeSet::from(["a".to_owned()]))
        .unwrap();
    add_agent(&mut allocator, "agent-1", "cpus:1;mem:512");
    add_agent(&mut allocator, "agent-2", "cpus:1;mem:512");
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    let roles: Vec<String> = summary(&offers).into_iter().map(|offer| offer.2).collect();
    assert_eq!(roles, ["b", "b"]);

    decline_all(&mut allocator, &offers, None, now);
    allocator
        .revive_offers(&framework_id("f1"), &BTreeSet::from(["a".to_owned()]))
        .unwrap();
    let roles: Vec<String> = summary(&allocate(&mut allocator, now))
        .into_iter()
        .map(|offer| offer.2)
        .collect();
    assert_eq!(roles, ["a", "b"], "one agent each");
}

#[test]
fn suppressing_every_role_and_deactivating_stop_offers() {
    let mut allocator = one_framework_one_agent();
    allocator
        .suppress_offers(&framework_id("f1"), &BTreeSet::new())
        .unwrap();
    let now = Instant::now();
    assert_eq!(allocate(&mut allocator, now).offer_count(), 0);
    allocator
        .revive_offers(&framework_id("f1"), &BTreeSet::new())
        .unwrap();
    allocator.deactivate_framework(&framework_id("f1")).unwrap();
    assert_eq!(allocate(&mut allocator, now).offer_count(), 0);
    allocator.activate_framework(&framework_id("f1")).unwrap();
    assert_eq!(allocate(&mut allocator, now).offer_count(), 1);
}

#[test]
fn removing_an_agent_drops_its_filters() {
    let mut allocator = one_framework_one_agent();
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    decline_all(&mut allocator, &offers, Some(100.0), now);
    allocator.remove_agent(&agent_id("agent")).unwrap();
    add_agent(&mut allocator, "agent", "cpus:2;mem:1024");
    assert_eq!(allocate(&mut allocator, now).offer_count(), 1);
}
