//! Quota: guarantees are met first and held back for, limits are never
//! exceeded.

mod common;

use allocator::{Allocator, FrameworkOptions, Quota, ResourceLimits};
use common::*;
use resources::{ResourceQuantities, Scalar};
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

fn offered_cpus(offers: &allocator::CollectedOffers, framework: &str) -> f64 {
    offers
        .flat()
        .filter(|(id, _)| id.value == framework)
        .flat_map(|(_, offer)| offer.resources.iter())
        .filter(|resource| resource.name() == "cpus")
        .map(|resource| resource.scalar().unwrap().as_f64())
        .sum()
}

fn guarantee(text: &str) -> Quota {
    Quota {
        guarantees: ResourceQuantities::parse(text).unwrap(),
        limits: ResourceLimits::new(),
    }
}

#[test]
fn guaranteed_roles_are_served_first() {
    let mut allocator = allocator();
    // `aaa` would win every DRF tie; the guarantee of `quota` comes first.
    add_framework(&mut allocator, "greedy", &["aaa"]);
    add_framework(&mut allocator, "guaranteed", &["quota"]);
    allocator.update_quota("quota", guarantee("cpus:2"));
    allocator.pause();
    for index in 0..3 {
        add_agent(&mut allocator, &format!("agent-{index}"), "cpus:1;mem:512");
    }
    allocator.resume();
    let offers = allocate(&mut allocator, Instant::now());
    assert_eq!(offered_cpus(&offers, "guaranteed"), 2.0);
    assert_eq!(offered_cpus(&offers, "greedy"), 1.0);
}

#[test]
fn unsatisfied_guarantees_are_held_back_from_other_roles() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "other", &["other"]);
    // The quota role's only framework is suppressed: nobody can use the
    // guarantee now, but it is kept free for later.
    allocator
        .add_framework(
            &framework("waiting", &["quota"], &[]),
            &HashMap::new(),
            true,
            FrameworkOptions {
                suppressed_roles: BTreeSet::from(["quota".to_owned()]),
                ..Default::default()
            },
        )
        .unwrap();
    allocator.update_quota("quota", guarantee("cpus:2"));
    for index in 0..3 {
        add_agent(&mut allocator, &format!("agent-{index}"), "cpus:1;mem:512");
    }
    let now = Instant::now();
    let offers = allocate(&mut allocator, now);
    assert_eq!(
        offered_cpus(&offers, "other"),
        1.0,
        "{:?}",
        summary(&offers)
    );
    assert_eq!(offered_cpus(&offers, "waiting"), 0.0);

    // Once revived, the quota role gets what was held back.
    allocator
        .revive_offers(&framework_id("waiting"), &BTreeSet::new())
        .unwrap();
    decline_all(&mut allocator, &offers, Some(1000.0), now);
    let offers = allocate(&mut allocator, now);
    assert!(
        offered_cpus(&offers, "waiting") >= 2.0,
        "{:?}",
        summary(&offers)
    );
}

#[test]
fn limits_cap_what_a_role_is_offered() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "limited", &["limited"]);
    let mut limits = ResourceLimits::new();
    limits.set("cpus", Scalar::from_f64(1.5));
    allocator.update_quota(
        "limited",
        Quota {
            guarantees: ResourceQuantities::new(),
            limits,
        },
    );
    for index in 0..3 {
        add_agent(&mut allocator, &format!("agent-{index}"), "cpus:1;mem:512");
    }
    let offers = allocate(&mut allocator, Instant::now());
    assert_eq!(
        offered_cpus(&offers, "limited"),
        1.5,
        "{:?}",
        summary(&offers)
    );
    // Memory is unlimited: all of it is offered.
    let memory: f64 = offers
        .flat()
        .flat_map(|(_, offer)| offer.resources.iter())
        .filter(|resource| resource.name() == "mem")
        .map(|resource| resource.scalar().unwrap().as_f64())
        .sum();
    assert_eq!(memory, 1536.0);
}

#[test]
fn reservations_count_towards_the_guarantee() {
    let mut allocator = allocator();
    add_framework(&mut allocator, "reserved", &["eng"]);
    add_framework(&mut allocator, "other", &["other"]);
    allocator.update_quota("eng", guarantee("cpus:2"));
    add_agent(&mut allocator, "reserved-agent", "cpus(eng):2;mem(eng):512");
    add_agent(&mut allocator, "plain-agent", "cpus:2;mem:512");
    assert_eq!(
        allocator.quota_consumed("eng"),
        ResourceQuantities::parse("cpus:2;mem:512").unwrap()
    );
    let offers = allocate(&mut allocator, Instant::now());
    // eng's guarantee is met by its reservation: the unreserved agent is
    // free for `other`.
    assert_eq!(
        offered_cpus(&offers, "other"),
        2.0,
        "{:?}",
        summary(&offers)
    );
    assert_eq!(offered_cpus(&offers, "reserved"), 2.0);
}

#[test]
fn quota_configs_read_guarantees_and_limits() {
    let config = proto::mesos::quota::QuotaConfig {
        role: "eng".into(),
        guarantees: [(
            "cpus".to_owned(),
            proto::mesos::value::Scalar { value: 1.0 },
        )]
        .into(),
        limits: [(
            "cpus".to_owned(),
            proto::mesos::value::Scalar { value: 4.0 },
        )]
        .into(),
    };
    let quota = Quota::from_config(&config).unwrap();
    assert_eq!(
        quota.guarantees,
        ResourceQuantities::parse("cpus:1").unwrap()
    );
    assert_eq!(quota.limits.get("cpus"), Some(Scalar::from_f64(4.0)));
    assert_eq!(quota.limits.get("mem"), None);

    let mut excessive = config;
    excessive
        .limits
        .insert("cpus".into(), proto::mesos::value::Scalar { value: 0.5 });
    assert!(Quota::from_config(&excessive).is_err());
}

/// A role at every limit is offered nothing quota counts, yet still its
/// reservations, and ports alone where no minimum offer size is set; the
/// agents it passes over still go to roles without quota.
#[test]
fn roles_at_their_limits_take_only_what_quota_does_not_count() {
    for no_minimums in [false, true] {
        let mut options = allocator().options().clone();
        if no_minimums {
            options.min_allocatable_resources.clear();
        }
        let mut allocator = allocator::HierarchicalAllocator::new(options);
        add_framework(&mut allocator, "capped", &["capped"]);
        let mut quota = guarantee("cpus:1;mem:512");
        quota.limits.set("cpus", Scalar::from_f64(1.0));
        quota.limits.set("mem", Scalar::from_f64(512.0));
        allocator.update_quota("capped", quota);
        add_agent(&mut allocator, "agent-0", "cpus:1;mem:512");
        let now = Instant::now();
        assert_eq!(
            summary(&allocate(&mut allocator, now)),
            [(
                "capped".to_owned(),
                "agent-0".to_owned(),
                "capped".to_owned(),
                "cpus:1; mem:512".to_owned()
            )]
        );

        add_agent(&mut allocator, "agent-1", "cpus:1;mem:512;ports:[1-10]");
        add_agent(&mut allocator, "agent-2", "cpus(capped):1;cpus:1;mem:512");
        let offered: Vec<(String, String)> = summary(&allocate(&mut allocator, now))
            .into_iter()
            .map(|(_, agent, _, resources)| (agent, resources))
            .collect();
        let mut expected = vec![(
            "agent-2".to_owned(),
            "cpus(reservations: [(STATIC,capped)]):1".to_owned(),
        )];
        if no_minimums {
            expected.insert(0, ("agent-1".to_owned(), "ports:[1-10]".to_owned()));
        }
        assert_eq!(offered, expected, "no minimums: {no_minimums}");

        add_framework(&mut allocator, "free", &["free"]);
        let free: Vec<(String, String)> = summary(&allocate(&mut allocator, now))
            .into_iter()
            .map(|(framework, agent, _, resources)| {
                assert_eq!(framework, "free");
                (agent, resources)
            })
            .collect();
        let agent_1 = if no_minimums {
            "cpus:1; mem:512"
        } else {
            "cpus:1; mem:512; ports:[1-10]"
        };
        assert_eq!(
            free,
            [
                ("agent-1".to_owned(), agent_1.to_owned()),
                ("agent-2".to_owned(), "mem:512; cpus:1".to_owned())
            ]
        );
    }
}
