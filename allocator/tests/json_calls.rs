//! The allocator interface as JSON calls: a `JsonAllocator` whose calls are
//! served by a `HierarchicalAllocator` on the other side behaves as that
//! allocator does — offers, filters, answers and errors all cross.

mod common;

use allocator::json::{JsonAllocator, Transport, serve};
use allocator::{Allocator, HierarchicalAllocator, Quota};
use common::*;
use proto::mesos as pb;
use serde_json::Value;
use std::sync::Mutex;
use std::time::Instant;

/// Serves each call in process, as a module library would, and keeps what
/// failed without an error to return.
#[derive(Debug)]
struct InProcess {
    served: Mutex<HierarchicalAllocator>,
    epoch: Instant,
    failures: Mutex<Vec<String>>,
}

impl Transport for InProcess {
    fn call(&self, method: &str, arguments: Value) -> Result<Option<Value>, String> {
        // Through text, as across the C ABI.
        let arguments: Value = serde_json::from_str(&arguments.to_string()).unwrap();
        let mut served = self.served.lock().unwrap();
        serve(&mut *served, self.epoch, method, &arguments)
    }

    fn failed(&self, method: &str, error: String) {
        self.failures
            .lock()
            .unwrap()
            .push(format!("{method}: {error}"));
    }
}

fn json_allocator() -> JsonAllocator<InProcess> {
    JsonAllocator::new(InProcess {
        served: Mutex::new(allocator()),
        epoch: Instant::now(),
        failures: Mutex::new(Vec::new()),
    })
}

#[test]
fn offers_and_refusal_filters_cross_as_json() {
    let mut remote = json_allocator();
    add_framework(&mut remote, "f1", &["web"]);
    add_agent(&mut remote, "a1", "cpus:4;mem:1024;ports:[31000-32000]");
    let now = Instant::now();
    let offers = allocate(&mut remote, now);
    assert_eq!(
        summary(&offers),
        [(
            "f1".to_owned(),
            "a1".to_owned(),
            "web".to_owned(),
            "cpus:4; mem:1024; ports:[31000-32000]".to_owned()
        )]
    );

    decline_all(&mut remote, &offers, Some(10.0), now);
    assert!(
        allocate(&mut remote, now + seconds(9)).offers.is_empty(),
        "refused"
    );
    assert_eq!(
        allocate(&mut remote, now + seconds(11)).offer_count(),
        1,
        "expired"
    );
}

#[test]
fn answers_cross_as_json() {
    let mut remote = json_allocator();
    add_framework(&mut remote, "f1", &["web"]);
    add_agent(&mut remote, "a1", "cpus:4;mem:1024");
    assert!(
        remote.has_pending_allocation(),
        "adding asks for an allocation"
    );
    let mut offers = allocator::CollectedOffers::default();
    assert!(remote.allocate_pending(Instant::now(), &mut offers));
    assert_eq!(offers.offer_count(), 1);
    assert!(
        !remote.allocate_pending(Instant::now(), &mut offers),
        "nothing pending"
    );

    let changed = remote
        .update_agent(&agent_info("a1"), Some(&resources("cpus:8;mem:1024")), None)
        .unwrap();
    assert!(changed);
    remote.pause();
    assert!(remote.is_paused());
    remote.update_quota("web", Quota::default());
    assert!(remote.transport().failures.lock().unwrap().is_empty());
}

#[test]
fn inverse_offers_and_their_statuses_cross_as_json() {
    let mut remote = json_allocator();
    add_framework(&mut remote, "f1", &["web"]);
    add_agent(&mut remote, "a1", "cpus:4;mem:1024");
    let now = Instant::now();
    allocate(&mut remote, now);
    let unavailability = pb::Unavailability {
        start: pb::TimeInfo { nanoseconds: 1_000 },
        duration: None,
    };
    remote
        .update_unavailability(&agent_id("a1"), Some(unavailability))
        .unwrap();
    let run = allocate(&mut remote, now);
    assert_eq!(run.inverse_offers.len(), 1);
    assert_eq!(run.inverse_offers[0].1[0].unavailability, unavailability);

    let status = pb::allocator::InverseOfferStatus {
        status: pb::allocator::inverse_offer_status::Status::Accept as i32,
        framework_id: framework_id("f1"),
        timestamp: pb::TimeInfo { nanoseconds: 2_000 },
    };
    remote
        .update_inverse_offer(
            &agent_id("a1"),
            &framework_id("f1"),
            Some(status.clone()),
            None,
            now,
        )
        .unwrap();
    assert_eq!(
        remote.inverse_offer_statuses()[&agent_id("a1")][&framework_id("f1")],
        status
    );
}

#[test]
fn errors_cross_as_their_messages() {
    let mut remote = json_allocator();
    let error = remote
        .remove_framework(&framework_id("nobody"))
        .unwrap_err();
    assert_eq!(error.to_string(), "unknown framework nobody");
}
