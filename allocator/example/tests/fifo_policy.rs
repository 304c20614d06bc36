//! The first-come-first-served policy on its own: who is offered what, and
//! how declines, suppression and departures change it.

use allocator::{Allocator, CollectedOffers, FrameworkOptions};
use allocator_example::FifoAllocator;
use proto::mesos as pb;
use resources::Resources;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

fn framework(name: &str, role: &str) -> pb::FrameworkInfo {
    pb::FrameworkInfo {
        id: Some(pb::FrameworkId { value: name.into() }),
        name: name.into(),
        roles: vec![role.into()],
        capabilities: vec![pb::framework_info::Capability {
            r#type: Some(pb::framework_info::capability::Type::MultiRole.into()),
        }],
        ..Default::default()
    }
}

fn agent(name: &str) -> pb::SlaveInfo {
    pb::SlaveInfo {
        id: Some(pb::SlaveId { value: name.into() }),
        hostname: format!("{name}.example"),
        ..Default::default()
    }
}

fn resources(text: &str) -> Resources {
    Resources::parse(text, "*").unwrap()
}

/// An active framework `name` in `role`, holding nothing yet.
fn add_framework(fifo: &mut FifoAllocator, name: &str, role: &str) {
    fifo.add_framework(
        &framework(name, role),
        &HashMap::new(),
        true,
        FrameworkOptions::default(),
    )
    .unwrap();
}

/// Frameworks `first` then `second` in role `web`, agents `a1` and `a2`.
fn two_frameworks_two_agents() -> FifoAllocator {
    let mut fifo = FifoAllocator::new();
    for name in ["first", "second"] {
        add_framework(&mut fifo, name, "web");
    }
    for name in ["a1", "a2"] {
        fifo.add_agent(
            &agent(name),
            &[],
            None,
            &resources("cpus:2;mem:512"),
            &HashMap::new(),
        )
        .unwrap();
    }
    fifo
}

/// (framework, agent) of each offer of a run.
fn run(fifo: &mut FifoAllocator, now: Instant) -> Vec<(String, String)> {
    let mut offers = CollectedOffers::default();
    fifo.allocate(now, &mut offers);
    offers
        .flat()
        .map(|(framework, offer)| (framework.value.clone(), offer.agent_id.value.clone()))
        .collect()
}

fn pair(framework: &str, agent: &str) -> (String, String) {
    (framework.to_owned(), agent.to_owned())
}

#[test]
fn the_first_framework_gets_every_agent_whole() {
    let mut fifo = two_frameworks_two_agents();
    let mut offers = CollectedOffers::default();
    fifo.allocate(Instant::now(), &mut offers);
    assert_eq!(offers.offers.len(), 1, "one delivery: {offers:?}");
    let (framework, delivered) = &offers.offers[0];
    assert_eq!(framework.value, "first");
    let agents: Vec<&str> = delivered
        .iter()
        .map(|offer| offer.agent_id.value.as_str())
        .collect();
    assert_eq!(agents, ["a1", "a2"]);
    for offer in delivered {
        assert_eq!(offer.role, "web");
        assert_eq!(
            offer.resources.to_string(),
            "cpus(allocated: web):2; mem(allocated: web):512"
        );
    }
    assert!(
        run(&mut fifo, Instant::now()).is_empty(),
        "nothing left to offer"
    );
}

/// `framework` declines its whole offer of `a1` at `now`, refusing the
/// agent for `refuse_seconds` if given.
fn decline_a1(
    fifo: &mut FifoAllocator,
    framework: &str,
    refuse_seconds: Option<f64>,
    now: Instant,
) {
    let mut offered = resources("cpus:2;mem:512");
    offered.allocate("web");
    let filters = refuse_seconds.map(|seconds| pb::Filters {
        refuse_seconds: Some(seconds),
    });
    fifo.recover_resources(
        &pb::FrameworkId {
            value: framework.into(),
        },
        &pb::SlaveId { value: "a1".into() },
        &offered,
        filters.as_ref(),
        false,
        now,
    )
    .unwrap();
}

#[test]
fn a_decline_with_a_filter_passes_the_agent_down_the_queue_until_it_expires() {
    let mut fifo = two_frameworks_two_agents();
    let start = Instant::now();
    run(&mut fifo, start);
    decline_a1(&mut fifo, "first", Some(10.0), start);
    assert_eq!(run(&mut fifo, start), [pair("second", "a1")]);

    decline_a1(&mut fifo, "second", None, start);
    assert_eq!(
        run(&mut fifo, start + Duration::from_secs(9)),
        [pair("second", "a1")],
        "first still refuses a1"
    );

    decline_a1(&mut fifo, "second", None, start);
    assert_eq!(
        run(&mut fifo, start + Duration::from_secs(11)),
        [pair("first", "a1")],
        "first's refusal expired"
    );
}

#[test]
fn suppressed_and_removed_frameworks_leave_their_place_to_the_next() {
    let mut fifo = two_frameworks_two_agents();
    let first = pb::FrameworkId {
        value: "first".into(),
    };
    fifo.suppress_offers(&first, &BTreeSet::new()).unwrap();
    assert_eq!(
        run(&mut fifo, Instant::now()),
        [pair("second", "a1"), pair("second", "a2")]
    );

    fifo.remove_framework(&pb::FrameworkId {
        value: "second".into(),
    })
    .unwrap();
    fifo.revive_offers(&first, &BTreeSet::new()).unwrap();
    assert_eq!(
        run(&mut fifo, Instant::now()),
        [pair("first", "a1"), pair("first", "a2")],
        "the removed framework's offers came back"
    );
}

#[test]
fn reservations_go_only_to_their_role() {
    let mut fifo = FifoAllocator::new();
    add_framework(&mut fifo, "ops", "ops");
    add_framework(&mut fifo, "web", "web");
    let total = Resources::parse("cpus(web):4;mem:512", "*").unwrap();
    fifo.add_agent(&agent("a1"), &[], None, &total, &HashMap::new())
        .unwrap();
    let mut offers = CollectedOffers::default();
    fifo.allocate(Instant::now(), &mut offers);
    let offered: Vec<(String, String)> = offers
        .flat()
        .map(|(framework, offer)| (framework.value.clone(), offer.resources.to_string()))
        .collect();
    assert_eq!(
        offered,
        [
            ("ops".to_owned(), "mem(allocated: ops):512".to_owned()),
            (
                "web".to_owned(),
                "cpus(allocated: web)(reservations: [(STATIC,web)]):4".to_owned()
            ),
        ]
    );
}

#[test]
fn unknown_frameworks_and_agents_are_errors() {
    let mut fifo = FifoAllocator::new();
    let error = fifo
        .activate_framework(&pb::FrameworkId {
            value: "nobody".into(),
        })
        .unwrap_err();
    assert_eq!(error.to_string(), "unknown framework nobody");
    let error = fifo
        .remove_agent(&pb::SlaveId {
            value: "nowhere".into(),
        })
        .unwrap_err();
    assert_eq!(error.to_string(), "unknown agent nowhere");
}
