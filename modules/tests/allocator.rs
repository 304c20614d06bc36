//! An allocator module, built and loaded from the example library, serving
//! the master's allocator calls across the C ABI.

mod support;

use allocator::{Allocator, CollectedOffers, FrameworkOptions};
use modules::{Kind, ModuleError, ModuleManager};
use proto::mesos as pb;
use resources::Resources;
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::manager_loading;

fn loaded() -> ModuleManager {
    manager_loading(json!([{"name": "example_fifo_allocator"}]))
}

/// A MULTI_ROLE framework in role `*`.
fn framework(name: &str) -> pb::FrameworkInfo {
    proto::json::from_value(&json!({
        "id": {"value": name},
        "name": name,
        "user": "root",
        "roles": ["*"],
        "capabilities": [{"type": "MULTI_ROLE"}],
    }))
    .unwrap()
}

fn agent(name: &str) -> pb::SlaveInfo {
    pb::SlaveInfo {
        id: Some(pb::SlaveId { value: name.into() }),
        hostname: name.into(),
        ..Default::default()
    }
}

/// `(framework, agent, resources)` of each offer of a full run at `now`.
fn run(allocator: &mut dyn Allocator, now: Instant) -> Vec<(String, String, String)> {
    let mut offers = CollectedOffers::default();
    allocator.allocate(now, &mut offers);
    offers
        .flat()
        .map(|(framework, offer)| {
            (
                framework.value.clone(),
                offer.agent_id.value.clone(),
                offer.resources.to_string(),
            )
        })
        .collect()
}

#[test]
fn the_module_offers_first_come_first_served_and_honours_declines() {
    let mut allocator = loaded().create_allocator("example_fifo_allocator").unwrap();
    for name in ["first", "second"] {
        allocator
            .add_framework(
                &framework(name),
                &HashMap::new(),
                true,
                FrameworkOptions::default(),
            )
            .unwrap();
    }
    let total = Resources::parse("cpus:2;mem:512;ports:[31000-31009]", "*").unwrap();
    allocator
        .add_agent(&agent("a1"), &[], None, &total, &HashMap::new())
        .unwrap();
    assert!(allocator.has_pending_allocation());

    let now = Instant::now();
    let offered = "cpus(allocated: *):2; mem(allocated: *):512; ports(allocated: *):[31000-31009]";
    assert_eq!(
        run(&mut *allocator, now),
        [("first".into(), "a1".into(), offered.into())]
    );

    let mut declined = total.clone();
    declined.allocate("*");
    let refuse = pb::Filters {
        refuse_seconds: Some(30.0),
    };
    allocator
        .recover_resources(
            &pb::FrameworkId {
                value: "first".into(),
            },
            &pb::SlaveId { value: "a1".into() },
            &declined,
            Some(&refuse),
            false,
            now,
        )
        .unwrap();
    assert_eq!(
        run(&mut *allocator, now + Duration::from_secs(1)),
        [("second".into(), "a1".into(), offered.into())],
        "first refuses a1 for 30 seconds"
    );
}

#[test]
fn the_module_reports_its_errors() {
    let mut allocator = loaded().create_allocator("example_fifo_allocator").unwrap();
    let error = allocator
        .deactivate_agent(&pb::SlaveId {
            value: "nowhere".into(),
        })
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Module 'example_fifo_allocator' failed in method 'deactivate_agent': unknown agent nowhere"
    );
}

#[test]
fn only_allocator_modules_can_be_the_allocator() {
    let manager = manager_loading(json!([{"name": "example_marker_file"}]));
    let error = manager.create_allocator("example_marker_file").unwrap_err();
    assert!(
        matches!(
            error,
            ModuleError::WrongKind {
                wanted: Kind::Allocator,
                ..
            }
        ),
        "{error}"
    );
}
