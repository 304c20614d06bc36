//! `ResourceQuantities`: per-name totals for DRF and quota.

mod common;

use common::parse;
use resources::{ResourceQuantities, Scalar};

fn quantities(text: &str) -> ResourceQuantities {
    ResourceQuantities::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn parses_sorted_summed_and_without_zeros() {
    let parsed = quantities("mem:1024; cpus:4;gpus:0;cpus:0.5");
    assert_eq!(parsed.to_string(), "cpus:4.5; mem:1024");
    assert_eq!(parsed.get("cpus"), Scalar::from_f64(4.5));
    assert_eq!(parsed.get("disk"), Scalar::ZERO);
    assert_eq!(quantities("").to_string(), "{}");
}

#[test]
fn refuses_non_scalars_and_negatives() {
    for bad in ["cpus:-1", "ports:[1-2]", "disks:{a}", "cpus", "cpus:1:2"] {
        assert!(ResourceQuantities::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn counts_resources_ignoring_metadata() {
    let resources =
        resources::Resources::parse("cpus(a):1;cpus:2;ports:[1-10, 20-29];disks:{x,y}", "*")
            .unwrap();
    assert_eq!(
        ResourceQuantities::from_resources(&resources),
        quantities("cpus:3;ports:20;disks:2")
    );
}

#[test]
fn arithmetic_and_containment() {
    let big = quantities("cpus:4;mem:1024");
    let small = quantities("cpus:1;mem:1024");
    assert!(big.contains(&small));
    assert!(!small.contains(&big));
    assert!(big.contains(&ResourceQuantities::new()));
    assert!(!big.contains(&quantities("gpus:1")));
    assert_eq!(big.clone() + &small, quantities("cpus:5;mem:2048"));
    // Subtraction drops what reaches zero or below, and ignores absent names.
    assert_eq!(big.clone() - &small, quantities("cpus:3"));
    assert_eq!(
        small.clone() - &quantities("cpus:2;gpus:1"),
        quantities("mem:1024")
    );
}

#[test]
fn resources_contain_quantities() {
    let agent = parse("cpus:4;mem:1024;ports:[1-10]");
    assert!(agent.contains_quantities(&quantities("cpus:4;ports:10")));
    assert!(!agent.contains_quantities(&quantities("ports:11")));
    assert!(!agent.contains_quantities(&quantities("gpus:1")));
    let reserved = resources::Resources::parse("cpus(a):2;cpus:2", "*").unwrap();
    assert!(reserved.contains_quantities(&quantities("cpus:4")));
}

#[test]
fn common_and_custom_names_mix_in_name_order() {
    // `cpus`, `disk`, `gpus`, `mem` and `ports` are stored apart from other
    // names; none of that shows.
    let mixed = quantities("zz:1;mem:2;foo:3;cpus:4;aa:5;ports:6;gpu:7");
    assert_eq!(
        mixed.to_string(),
        "aa:5; cpus:4; foo:3; gpu:7; mem:2; ports:6; zz:1"
    );
    let names: Vec<&str> = mixed.iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["aa", "cpus", "foo", "gpu", "mem", "ports", "zz"]);
    assert_eq!(mixed.len(), 7);
    assert_eq!(
        mixed,
        quantities("aa:5;gpu:7;ports:6;cpus:4;foo:3;zz:1;mem:2")
    );
    assert_eq!(mixed.get("foo"), Scalar::from_f64(3.0));
    assert_eq!(mixed.get("gpus"), Scalar::ZERO);

    let taken = mixed.clone() - &quantities("foo:3;cpus:1;mem:5;aa:1");
    assert_eq!(taken, quantities("aa:4;cpus:3;gpu:7;ports:6;zz:1"));
    assert!(mixed.contains(&taken));
    assert!(!taken.contains(&mixed));
    assert_eq!(taken + &quantities("foo:3;cpus:1;mem:2;aa:1"), mixed);
    assert!((mixed.clone() - &mixed).is_empty());
}
