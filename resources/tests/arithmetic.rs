//! `+`, `-`, `contains` and equality of unreserved scalars, ranges and sets,
//! and what combines with what.

mod common;

use common::{parse, resource};
use resources::{Ranges, Resources, Scalar};
use serde_json::json;

#[test]
fn scalars_add_subtract_and_compare() {
    let total = parse("cpus:50;mem:4096");
    let part = parse("cpus:10;mem:1024");
    assert_eq!(&total - &part, parse("cpus:40;mem:3072"));
    assert_eq!(&part + &part, parse("cpus:20;mem:2048"));
    assert!(total.contains(&part));
    assert!(!part.contains(&total));
    assert!(total.contains(&parse("cpus:50")));
    assert!(!total.contains(&parse("cpus:50;gpus:1")));
    assert_eq!(parse("cpus:1;mem:2"), parse("mem:2;cpus:1"));
    assert_ne!(parse("cpus:1"), parse("cpus:1.001"));
}

#[test]
fn subtracting_everything_or_more_removes_the_entry() {
    let mut left = parse("cpus:1;mem:5");
    left -= &parse("cpus:1");
    assert_eq!(left, parse("mem:5"));
    assert_eq!(left.len(), 1);

    // Mesos never goes negative: it drops the entry instead.
    left -= &parse("mem:6");
    assert!(left.is_empty());

    // Taking what is absent changes nothing.
    let mut cpus = parse("cpus:1");
    cpus -= &parse("gpus:1;ports:[1-2];disks:{a}");
    assert_eq!(cpus, parse("cpus:1"));
}

#[test]
fn many_small_steps_do_not_drift() {
    let step = parse("cpus:0.1;mem:0.001");
    let mut total = Resources::new();
    for _ in 0..1000 {
        total += &step;
    }
    assert_eq!(total, parse("cpus:100;mem:1"));
    for _ in 0..1000 {
        total -= &step;
    }
    assert!(total.is_empty());
}

#[test]
fn ranges_merge_split_and_nest() {
    assert_eq!(
        &parse("ports:[20000-40000, 21000-21000]") + &parse("ports:[30000-50000, 10000-20000]"),
        parse("ports:[10000-50000]")
    );
    assert_eq!(
        &parse("ports:[1-10, 20-30]") - &parse("ports:[5-25]"),
        parse("ports:[1-4, 26-30]")
    );
    assert!(parse("ports:[1-100]").contains(&parse("ports:[5-6, 99-100]")));
    assert!(!parse("ports:[1-10, 12-20]").contains(&parse("ports:[9-13]")));
    assert_eq!(
        (&parse("ports:[1-10]") - &parse("ports:[1-10]")).ports(),
        None,
        "an emptied ranges entry is removed"
    );
    assert_eq!(
        parse("ports:[1-2, 3-4]").ports(),
        Some(Ranges::single(1, 4))
    );
}

#[test]
fn sets_union_difference_and_subset() {
    assert_eq!(
        &parse("disks:{a,b}") + &parse("disks:{b,c}"),
        parse("disks:{c,b,a}")
    );
    assert_eq!(
        &parse("disks:{a,b,c}") - &parse("disks:{b,z}"),
        parse("disks:{a,c}")
    );
    assert!(parse("disks:{a,b}").contains(&parse("disks:{b}")));
    assert!(!parse("disks:{a}").contains(&parse("disks:{a,b}")));
}

#[test]
fn empty_resources_are_contained_everywhere_and_unequal_to_any_other() {
    let empty = Resources::new();
    assert!(parse("cpus:1").contains(&empty));
    assert!(empty.contains(&empty));
    assert!(!empty.contains(&parse("cpus:1")));
    assert_ne!(empty, parse("cpus:1"));
    assert_eq!(empty, parse("cpus:0"));
}

#[test]
fn revocable_resources_keep_apart_from_the_rest() {
    let revocable = resource(
        json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "revocable": {}}),
    );
    let plain = parse("cpus:1");
    let both = &plain + &Resources::from(revocable.clone());
    assert_eq!(both.len(), 2);
    assert_eq!(both.revocable(), Resources::from(revocable.clone()));
    assert_eq!(both.non_revocable(), plain);
    assert!(!plain.contains(&Resources::from(revocable.clone())));
    assert_eq!(&both - &plain, Resources::from(revocable));
    assert_eq!(both.to_string(), "cpus:1; cpus{REV}:1");
}

#[test]
fn resource_providers_keep_apart_from_the_rest() {
    let provided = |id: &str| {
        Resources::from(resource(
            json!({"name": "disk", "type": "SCALAR", "scalar": {"value": 5}, "provider_id": {"value": id}}),
        ))
    };
    let all = &(&provided("a") + &provided("a")) + &provided("b");
    assert_eq!(all.len(), 2);
    assert_eq!(all.disk(), Some(Scalar::from_f64(15.0)));
    assert!(!provided("a").contains(&provided("b")));
    assert!(!parse("disk:5").contains(&provided("a")));
}

#[test]
fn allocation_is_part_of_identity() {
    let mut alice = parse("cpus:1;mem:2");
    alice.allocate("alice");
    let mut bob = parse("cpus:3");
    bob.allocate("bob");
    let total = &alice + &bob;
    assert_eq!(total.len(), 3);
    assert!(!total.contains(&parse("cpus:1")));
    let allocations = total.allocations();
    assert_eq!(allocations["alice"], alice);
    assert_eq!(allocations["bob"], bob);
    assert_eq!(total.allocated_to_role_subtree("alice"), alice);
    assert_eq!(
        total.to_string(),
        "cpus(allocated: alice):1; mem(allocated: alice):2; cpus(allocated: bob):3"
    );

    let mut released = total.clone();
    released.unallocate();
    // Unallocated entries combine again.
    assert_eq!(released.len(), 2);
    assert_eq!(released, parse("cpus:4;mem:2"));
    // Entries of one role stay as they were, marks gone.
    let mut reserved = parse("cpus:1;cpus(r):2;mem:2");
    let mut unmarked = reserved.clone();
    reserved.allocate("r");
    reserved.unallocate();
    assert_eq!(reserved.to_string(), unmarked.to_string());
    assert!(reserved.iter().all(|r| r.allocation_role().is_none()));
    unmarked.unallocate();
    assert_eq!(
        unmarked.to_string(),
        "cpus:1; cpus(reservations: [(STATIC,r)]):2; mem:2"
    );

    // Re-allocating everything to one role combines across the old roles.
    let mut moved = total.clone();
    moved.allocate("carol");
    assert_eq!(
        moved.to_string(),
        "cpus(allocated: carol):4; mem(allocated: carol):2"
    );
    let mut fresh = parse("cpus:4;mem:2");
    fresh.allocate("carol");
    assert_eq!(moved, fresh);
    // One mark made for many collections marks each as `allocate` does.
    let mark = resources::AllocationMark::new("carol");
    assert_eq!(mark.role(), "carol");
    let mut marked = parse("cpus:4;mem:2");
    marked.allocate_with(&mark);
    assert_eq!(marked.to_string(), fresh.to_string());
    let mut remarked = total.clone();
    remarked.allocate_with(&mark);
    assert_eq!(remarked.to_string(), moved.to_string());
    assert!(
        moved
            .iter()
            .chain(&fresh)
            .all(|r| r.allocation_role() == Some("carol"))
    );
}

#[test]
fn scalar_queries_sum_across_metadata() {
    let mixed =
        Resources::parse("cpus(a):1;cpus:2;mem:10;ports(a):[1-2];ports:[5-6]", "*").unwrap();
    assert_eq!(mixed.cpus(), Some(Scalar::from_f64(3.0)));
    assert_eq!(mixed.get_scalar("mem"), Some(Scalar::from_f64(10.0)));
    assert_eq!(mixed.gpus(), None);
    assert_eq!(mixed.ports().unwrap().to_string(), "[1-2, 5-6]");
    assert_eq!(
        mixed.names().into_iter().collect::<Vec<_>>(),
        ["cpus", "mem", "ports"]
    );
    assert_eq!(mixed.scalars().len(), 3);
    assert_eq!(mixed.named("ports").len(), 2);
}

#[test]
fn shrinking_lowers_scalars_and_keeps_indivisible_resources_whole() {
    let single = |resources: Resources| resources.into_iter().next().expect("one entry");
    let mut cpus = single(parse("cpus:4"));
    assert!(cpus.shrink(Scalar::from_f64(1.5)));
    assert_eq!(Resources::from(cpus.clone()), parse("cpus:1.5"));
    assert!(
        cpus.shrink(Scalar::from_f64(8.0)),
        "a larger target keeps it"
    );
    assert_eq!(Resources::from(cpus.clone()), parse("cpus:1.5"));
    assert!(!cpus.shrink(Scalar::ZERO), "nothing is left at zero");

    let mut ports = single(parse("ports:[1-10]"));
    assert!(
        ports.shrink(Scalar::from_f64(2.0)),
        "ranges are not scalars"
    );
    assert_eq!(Resources::from(ports), parse("ports:[1-10]"));

    let mut mount = resource(json!({
        "name": "disk", "type": "SCALAR", "scalar": {"value": 100},
        "disk": {"source": {"type": "MOUNT", "mount": {"root": "/mnt"}}}
    }));
    assert!(
        !mount.shrink(Scalar::from_f64(50.0)),
        "a MOUNT disk is all or nothing"
    );
    assert!(mount.shrink(Scalar::from_f64(100.0)));
}
