//! Agents scheduled for maintenance: inverse offers to the frameworks that
//! hold resources there, their answers, and their filters.

mod common;

use allocator::Allocator;
use common::*;
use proto::mesos as pb;
use proto::mesos::allocator::inverse_offer_status::Status;
use std::collections::HashMap;
use std::time::Instant;

fn unavailability() -> pb::Unavailability {
    pb::Unavailability {
        start: pb::TimeInfo { nanoseconds: 1_000 },
        duration: None,
    }
}

fn scheduled() -> allocator::HierarchicalAllocator {
    let mut allocator = allocator();
    add_framework(&mut allocator, "holder", &["r"]);
    add_framework(&mut allocator, "bystander", &["r"]);
    add_agent(&mut allocator, "agent", "cpus:1;mem:512");
    allocator
}

#[test]
fn holders_get_one_inverse_offer_until_they_answer() {
    let mut allocator = scheduled();
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    let holder = summary(&offers)[0].0.clone();
    allocator
        .update_unavailability(&agent_id("agent"), Some(unavailability()))
        .unwrap();
    let run = allocate(&mut allocator, now);
    assert_eq!(run.inverse_offers.len(), 1);
    let (framework, inverse) = &run.inverse_offers[0];
    assert_eq!(
        framework.value, holder,
        "only the framework holding resources"
    );
    assert_eq!(inverse[0].agent_id, agent_id("agent"));
    assert_eq!(inverse[0].unavailability, unavailability());
    assert!(
        allocate(&mut allocator, now).inverse_offers.is_empty(),
        "still outstanding"
    );

    let status = pb::allocator::InverseOfferStatus {
        status: Status::Accept as i32,
        framework_id: framework_id(&holder),
        timestamp: pb::TimeInfo { nanoseconds: 2_000 },
    };
    allocator
        .update_inverse_offer(
            &agent_id("agent"),
            &framework_id(&holder),
            Some(status.clone()),
            None,
            now,
        )
        .unwrap();
    let statuses = allocator.inverse_offer_statuses();
    assert_eq!(statuses[&agent_id("agent")][&framework_id(&holder)], status);
    assert_eq!(
        allocate(&mut allocator, now).inverse_offers.len(),
        1,
        "asked again"
    );
}

#[test]
fn declined_inverse_offers_are_filtered_for_refuse_seconds() {
    let mut allocator = scheduled();
    let now = Instant::now();
    let holder = summary(&allocate(&mut allocator, now))[0].0.clone();
    allocator
        .update_unavailability(&agent_id("agent"), Some(unavailability()))
        .unwrap();
    assert_eq!(allocate(&mut allocator, now).inverse_offers.len(), 1);
    let filters = pb::Filters {
        refuse_seconds: Some(30.0),
    };
    allocator
        .update_inverse_offer(
            &agent_id("agent"),
            &framework_id(&holder),
            None,
            Some(&filters),
            now,
        )
        .unwrap();
    assert!(
        allocate(&mut allocator, now + seconds(29))
            .inverse_offers
            .is_empty()
    );
    assert_eq!(
        allocate(&mut allocator, now + seconds(30))
            .inverse_offers
            .len(),
        1
    );
}

#[test]
fn answering_without_maintenance_is_an_error() {
    let mut allocator = scheduled();
    let result = allocator.update_inverse_offer(
        &agent_id("agent"),
        &framework_id("holder"),
        None,
        None,
        Instant::now(),
    );
    assert!(matches!(
        result,
        Err(allocator::AllocatorError::NoMaintenance(_))
    ));
}

#[test]
fn an_agent_in_maintenance_is_offered_until_drained() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["r"]);
    allocator
        .add_agent(
            &agent_info("agent"),
            &agent_capabilities(),
            Some(unavailability()),
            &resources("cpus:1;mem:512"),
            &HashMap::new(),
        )
        .unwrap();
    let now = Instant::now();
    let run = allocate(&mut allocator, now);
    assert_eq!(
        run.offer_count(),
        1,
        "scheduled maintenance does not stop offers"
    );
    assert_eq!(
        run.inverse_offers.len(),
        1,
        "the framework now holding resources there is asked to give them back"
    );

    decline_all(&mut allocator, &run, None, now);
    // Draining: the master deactivates the agent.
    allocator.deactivate_agent(&agent_id("agent")).unwrap();
    assert_eq!(allocate(&mut allocator, now).offer_count(), 0);
}
