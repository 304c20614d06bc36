//! Reservations go to their role's subtree only; capabilities decide who
//! may see GPUs, revocable, shared and refined-reservation resources, and
//! agents without MULTI_ROLE or HIERARCHICAL_ROLE; offers below
//! `--min_allocatable_resources` are not made.

mod common;

use allocator::{Allocator, FrameworkOptions, Options};
use common::*;
use proto::mesos::framework_info::capability::Type as FrameworkCapability;
use resources::Resources;
use std::collections::HashMap;
use std::time::Instant;

#[test]
fn reservations_are_offered_only_within_the_reserving_subtree() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "outsider", &["engineering"]);
    add_agent(
        &mut allocator,
        "agent",
        "cpus(eng):2;mem(eng):512;cpus:1;mem:256",
    );
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    assert_eq!(
        summary(&offers)[0].3,
        "cpus:1; mem:256",
        "`engineering` is not below `eng`"
    );

    add_framework(&mut allocator, "web", &["eng/web"]);
    let offered = only_offer(&mut allocator, now);
    assert_eq!(offered.0, "web");
    assert!(
        offered.3.contains("(reservations: [(STATIC,eng)]):2"),
        "{offered:?}"
    );
}

fn add_with(allocator: &mut dyn Allocator, name: &str, capabilities: &[FrameworkCapability]) {
    add_in_role_with(allocator, name, "r", capabilities);
}

fn add_in_role_with(
    allocator: &mut dyn Allocator,
    name: &str,
    role: &str,
    capabilities: &[FrameworkCapability],
) {
    allocator
        .add_framework(
            &framework(name, &[role], capabilities),
            &HashMap::new(),
            true,
            FrameworkOptions::default(),
        )
        .unwrap();
}

/// An agent with a current agent's capabilities and `total`.
fn add_agent_with_total(allocator: &mut dyn Allocator, name: &str, total: &Resources) {
    allocator
        .add_agent(
            &agent_info(name),
            &agent_capabilities(),
            None,
            total,
            &HashMap::new(),
        )
        .unwrap();
}

/// One resource from its Mesos JSON.
fn resource(json: serde_json::Value) -> Resources {
    let proto = proto::json::from_value::<proto::mesos::Resource>(&json).unwrap();
    Resources::from_protos(&[proto]).unwrap()
}

#[test]
fn gpu_agents_go_only_to_gpu_capable_frameworks() {
    let mut allocator = allocator();
    add_with(&mut allocator, "plain", &[]);
    add_agent(&mut allocator, "gpu-agent", "cpus:4;mem:1024;gpus:1");
    let now = Instant::now();
    assert_eq!(allocate(&mut allocator, now).offer_count(), 0);
    add_with(&mut allocator, "gpu", &[FrameworkCapability::GpuResources]);
    let offered = only_offer(&mut allocator, now);
    assert_eq!(offered.0, "gpu");

    let mut unfiltered = allocator::HierarchicalAllocator::new(Options {
        filter_gpu_resources: false,
        seed: Some(3),
        ..Options::default()
    });
    add_with(&mut unfiltered, "plain", &[]);
    add_agent(&mut unfiltered, "gpu-agent", "cpus:4;mem:1024;gpus:1");
    assert_eq!(allocate(&mut unfiltered, now).offer_count(), 1);
}

fn revocable_cpus(amount: f64) -> Resources {
    resource(serde_json::json!({
        "name": "cpus", "type": "SCALAR", "scalar": {"value": amount}, "revocable": {}
    }))
}

#[test]
fn revocable_resources_go_only_to_frameworks_that_accept_them() {
    let mut allocator = allocator();
    add_with(&mut allocator, "plain", &[]);
    let total = resources("cpus:1;mem:512") + &revocable_cpus(10.0);
    add_agent_with_total(&mut allocator, "agent", &total);
    let now = Instant::now();
    let offered = only_offer(&mut allocator, now);
    assert_eq!(offered.3, "cpus:1; mem:512");

    add_with(
        &mut allocator,
        "revocable",
        &[FrameworkCapability::RevocableResources],
    );
    let offered = only_offer(&mut allocator, now);
    assert_eq!(offered.0, "revocable");
    assert_eq!(offered.3, "cpus{REV}:10");
}

#[test]
fn refined_reservations_go_only_to_frameworks_that_understand_them() {
    let mut allocator = allocator();
    add_in_role_with(&mut allocator, "plain", "eng/web", &[]);
    let refined = resource(serde_json::json!({
        "name": "cpus", "type": "SCALAR", "scalar": {"value": 2},
        "reservations": [
            {"type": "DYNAMIC", "role": "eng", "principal": "ops"},
            {"type": "DYNAMIC", "role": "eng/web", "principal": "ops"}
        ]
    }));
    add_agent_with_total(&mut allocator, "agent", &(resources("mem:512") + &refined));
    let now = Instant::now();
    let offered = only_offer(&mut allocator, now);
    assert_eq!(
        (offered.0.as_str(), offered.3.as_str()),
        ("plain", "mem:512")
    );

    add_in_role_with(
        &mut allocator,
        "refining",
        "eng/web",
        &[FrameworkCapability::ReservationRefinement],
    );
    let offered = only_offer(&mut allocator, now);
    assert_eq!(offered.0, "refining");
    let mut expected = refined.clone();
    expected.allocate("eng/web");
    expected.unallocate();
    assert_eq!(offered.3, expected.to_string());
}

#[test]
fn shared_volumes_go_only_to_frameworks_that_share_and_stay_on_offer() {
    // No minimum, so that a lone volume makes an offer.
    let mut allocator = allocator::HierarchicalAllocator::new(Options {
        min_allocatable_resources: Vec::new(),
        seed: Some(3),
        ..Options::default()
    });
    add_with(&mut allocator, "plain", &[]);
    let volume = resource(serde_json::json!({
        "name": "disk", "type": "SCALAR", "scalar": {"value": 100},
        "reservations": [{"type": "DYNAMIC", "role": "r", "principal": "ops"}],
        "disk": {"persistence": {"id": "data", "principal": "ops"},
                 "volume": {"container_path": "data", "mode": "RW"}},
        "shared": {}
    }));
    add_agent_with_total(
        &mut allocator,
        "agent",
        &(resources("cpus:1;mem:512") + &volume),
    );
    let now = Instant::now();
    let offered = only_offer(&mut allocator, now);
    assert_eq!(
        (offered.0.as_str(), offered.3.as_str()),
        ("plain", "cpus:1; mem:512")
    );

    add_with(
        &mut allocator,
        "sharing",
        &[FrameworkCapability::SharedResources],
    );
    let offered = only_offer(&mut allocator, now);
    assert_eq!(
        (offered.0.as_str(), offered.3.as_str()),
        ("sharing", volume.to_string().as_str())
    );
    // Held by one framework, a shared volume is still on offer: once per run.
    let offered = only_offer(&mut allocator, now);
    assert_eq!(offered.3, volume.to_string());
}

#[test]
fn agents_without_hierarchical_role_are_not_offered_to_nested_roles() {
    let mut allocator = allocator();
    add_in_role_with(&mut allocator, "nested", "eng/web", &[]);
    let multi_role_only = &agent_capabilities()[..1];
    allocator
        .add_agent(
            &agent_info("old-agent"),
            multi_role_only,
            None,
            &resources("cpus:1;mem:512"),
            &HashMap::new(),
        )
        .unwrap();
    assert_eq!(allocate(&mut allocator, Instant::now()).offer_count(), 0);

    add_agent(&mut allocator, "current-agent", "cpus:1;mem:512");
    let offered = only_offer(&mut allocator, Instant::now());
    assert_eq!(offered.1, "current-agent");
}

#[test]
fn multi_role_frameworks_skip_agents_without_multi_role() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "multi", &["r"]);
    allocator
        .add_agent(
            &agent_info("old-agent"),
            &[],
            None,
            &resources("cpus:1;mem:512"),
            &HashMap::new(),
        )
        .unwrap();
    assert_eq!(allocate(&mut allocator, Instant::now()).offer_count(), 0);
}

#[test]
fn offers_below_every_minimum_are_not_made() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["r"]);
    add_agent(&mut allocator, "tiny", "cpus:0.005;mem:16;disk:1000");
    let now = Instant::now();
    assert_eq!(
        allocate(&mut allocator, now).offer_count(),
        0,
        "below cpus:0.01 and mem:32"
    );

    let mut lenient = allocator::HierarchicalAllocator::new(Options {
        min_allocatable_resources: Options::parse_min_allocatable_resources("disk:500").unwrap(),
        seed: Some(3),
        ..Options::default()
    });
    add_framework(&mut lenient, "f1", &["r"]);
    add_agent(&mut lenient, "tiny", "cpus:0.005;mem:16;disk:1000");
    assert_eq!(allocate(&mut lenient, now).offer_count(), 1);
}

#[test]
fn min_allocatable_resources_parse_as_alternatives() {
    let parsed = Options::parse_min_allocatable_resources("cpus:1;mem:128|gpus:1").unwrap();
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[0].to_string(), "cpus:1; mem:128");
    assert!(Options::parse_min_allocatable_resources("cpus:1|").is_err());
    assert!(Options::parse_min_allocatable_resources("ports:[1-2]").is_err());
}

#[test]
fn whitelisted_and_deactivated_agents() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["r"]);
    add_agent(&mut allocator, "listed", "cpus:1;mem:512");
    add_agent(&mut allocator, "unlisted", "cpus:1;mem:512");
    allocator.update_whitelist(Some(["listed".to_owned()].into()));
    let now = Instant::now();
    let offered = only_offer(&mut allocator, now);
    assert_eq!(offered.1, "listed");

    allocator.update_whitelist(None);
    allocator.deactivate_agent(&agent_id("unlisted")).unwrap();
    assert_eq!(allocate(&mut allocator, now).offer_count(), 0);
    allocator.activate_agent(&agent_id("unlisted")).unwrap();
    assert_eq!(allocate(&mut allocator, now).offer_count(), 1);
}

#[test]
fn operations_on_offered_resources_change_the_agent() {
    use allocator::ResourceConversion;
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["eng"]);
    add_agent(&mut allocator, "agent", "cpus:2;mem:512");
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    let offered = offers.flat().next().unwrap().1.resources.clone();

    // Reserve one cpu of the offer to `eng`.
    let unreserved = allocated("cpus:1", "eng");
    let mut reserved = Resources::parse("cpus(eng):1", "*").unwrap();
    reserved.allocate("eng");
    allocator
        .update_allocation(
            &framework_id("f1"),
            &agent_id("agent"),
            &offered,
            &[ResourceConversion::new(unreserved, reserved)],
        )
        .unwrap();
    let total = allocator.total(&agent_id("agent")).unwrap().clone();
    assert_eq!(total, resources("cpus(eng):1;cpus:1;mem:512"));
    assert_eq!(allocator.quota_consumed("eng").to_string(), "cpus:1");

    // Returning the converted offer makes it available again.
    let mut converted = resources("cpus(eng):1;cpus:1;mem:512");
    converted.allocate("eng");
    allocator
        .recover_resources(
            &framework_id("f1"),
            &agent_id("agent"),
            &converted,
            None,
            false,
            now,
        )
        .unwrap();
    assert_eq!(*allocator.available(&agent_id("agent")).unwrap(), total);
}

#[test]
fn recovering_what_was_never_offered_is_an_error() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "f1", &["r"]);
    add_agent(&mut allocator, "agent", "cpus:2;mem:512");
    let result = allocator.recover_resources(
        &framework_id("f1"),
        &agent_id("agent"),
        &allocated("cpus:1", "r"),
        None,
        false,
        Instant::now(),
    );
    assert!(
        matches!(
            result,
            Err(allocator::AllocatorError::NotOfferedOrAllocated { .. })
        ),
        "{result:?}"
    );
}
