//! The sorters on their own: DRF order (share, then allocation count, then
//! name), weights, excluded resources, hierarchy, activation; the random
//! sorter's coverage.

use allocator::sorter::{DrfSorter, Sorter, SorterKind};
use resources::ResourceQuantities;
use std::collections::BTreeSet;

fn quantities(text: &str) -> ResourceQuantities {
    ResourceQuantities::parse(text).unwrap()
}

fn drf(total: &str, clients: &[(u32, &str)]) -> DrfSorter {
    let mut sorter = DrfSorter::new([]);
    sorter.set_total(&quantities(total));
    for (client, path) in clients {
        sorter.add(*client, path);
        sorter.activate(*client);
    }
    sorter
}

#[test]
fn lowest_dominant_share_first() {
    let mut sorter = drf("cpus:100;mem:100", &[(1, "a"), (2, "b"), (3, "c")]);
    sorter.allocated(1, &quantities("cpus:10;mem:40"));
    sorter.allocated(2, &quantities("cpus:30;mem:5"));
    sorter.allocated(3, &quantities("cpus:20;mem:20"));
    assert_eq!(sorter.sorted(), [3, 2, 1]);
    // Kept in order incrementally as allocations change.
    sorter.unallocated(1, &quantities("cpus:10;mem:40"));
    assert_eq!(sorter.sorted(), [1, 3, 2]);
}

#[test]
fn ties_go_to_fewer_allocations_then_to_the_name() {
    let mut sorter = drf("cpus:10", &[(1, "b"), (2, "a")]);
    assert_eq!(sorter.sorted(), [2, 1]);
    sorter.allocated(2, &quantities("cpus:1"));
    sorter.unallocated(2, &quantities("cpus:1"));
    assert_eq!(
        sorter.sorted(),
        [1, 2],
        "same share, `a` was allocated once"
    );
}

#[test]
fn weights_divide_shares() {
    let mut sorter = drf("cpus:10", &[(1, "a"), (2, "b")]);
    sorter.allocated(1, &quantities("cpus:4"));
    sorter.allocated(2, &quantities("cpus:3"));
    assert_eq!(sorter.sorted(), [2, 1]);
    sorter.update_weight("a", 2.0);
    assert_eq!(sorter.sorted(), [1, 2]);
}

#[test]
fn excluded_resources_do_not_count() {
    let mut sorter = DrfSorter::new(["gpus".to_owned()]);
    sorter.set_total(&quantities("cpus:10;gpus:2"));
    for (client, path) in [(1, "a"), (2, "b")] {
        sorter.add(client, path);
        sorter.activate(client);
    }
    sorter.allocated(1, &quantities("cpus:1;gpus:2"));
    sorter.allocated(2, &quantities("cpus:2"));
    assert_eq!(sorter.sorted(), [1, 2]);
}

#[test]
fn inactive_clients_keep_their_allocation_but_are_not_visited() {
    let mut sorter = drf("cpus:10", &[(1, "a"), (2, "b")]);
    sorter.allocated(1, &quantities("cpus:4"));
    sorter.deactivate(1);
    assert_eq!(sorter.sorted(), [2]);
    assert_eq!(sorter.allocation(1), quantities("cpus:4"));
    assert_eq!(*sorter.total_allocation(), quantities("cpus:4"));
    sorter.activate(1);
    assert_eq!(sorter.sorted(), [2, 1]);
    sorter.remove(1);
    assert!(!sorter.contains(1));
    assert_eq!(*sorter.total_allocation(), ResourceQuantities::new());
}

#[test]
fn subtrees_are_ordered_by_their_total_share() {
    // `a` holds 6 cpus across two children, `b` 5 in one.
    let mut sorter = drf("cpus:100", &[(1, "a/x"), (2, "a/y"), (3, "b")]);
    sorter.allocated(1, &quantities("cpus:1"));
    sorter.allocated(2, &quantities("cpus:5"));
    sorter.allocated(3, &quantities("cpus:5"));
    assert_eq!(sorter.sorted(), [3, 1, 2]);
}

#[test]
fn a_client_can_also_be_the_parent_of_others() {
    let mut sorter = drf("cpus:100", &[(1, "a"), (2, "a/b"), (3, "c")]);
    sorter.allocated(1, &quantities("cpus:2"));
    sorter.allocated(2, &quantities("cpus:1"));
    sorter.allocated(3, &quantities("cpus:4"));
    // `a`'s subtree (3) before `c` (4); inside it `a/b` (1) before `a` (2).
    assert_eq!(sorter.sorted(), [2, 1, 3]);
    sorter.remove(2);
    assert_eq!(sorter.sorted(), [1, 3]);
    assert_eq!(sorter.allocation(1), quantities("cpus:2"));
}

#[test]
fn the_random_sorter_visits_every_active_client_once() {
    let mut sorter = SorterKind::Random.create(&BTreeSet::new(), 42);
    for (client, path) in [(1, "a/x"), (2, "a/y"), (3, "b"), (4, "c")] {
        sorter.add(client, path);
        sorter.activate(client);
    }
    sorter.deactivate(4);
    let mut orders = BTreeSet::new();
    for _ in 0..50 {
        let order = sorter.sorted();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, [1, 2, 3]);
        // `a`'s clients stay together.
        let position = |client| order.iter().position(|c| *c == client).unwrap();
        assert_eq!(position(1).abs_diff(position(2)), 1);
        orders.insert(order);
    }
    assert!(orders.len() > 1, "the order changes between sorts");
}

#[test]
fn sorter_kinds_parse_as_the_flags_spell_them() {
    assert_eq!(SorterKind::parse("drf"), Some(SorterKind::Drf));
    assert_eq!(SorterKind::parse("random"), Some(SorterKind::Random));
    assert_eq!(SorterKind::parse("fair"), None);
}

#[test]
fn a_lone_client_is_placed_by_its_allocation_once_others_arrive() {
    // While `b` is alone in its parent nothing is compared with it, but
    // what it was allocated counts as soon as a sibling shows up.
    let mut sorter = drf("cpus:10", &[(1, "b")]);
    sorter.allocated(1, &quantities("cpus:5"));
    sorter.allocated(1, &quantities("cpus:1"));
    assert_eq!(sorter.sorted(), [1]);
    sorter.add(2, "a");
    sorter.activate(2);
    sorter.allocated(2, &quantities("cpus:3"));
    assert_eq!(sorter.sorted(), [2, 1]);
    sorter.allocated(2, &quantities("cpus:4"));
    assert_eq!(sorter.sorted(), [1, 2]);

    // The same one level down: `eng/web` alone under `eng`, `eng` ordered
    // against `ops` by the subtree's allocation.
    let mut sorter = drf("cpus:10", &[(1, "eng/web"), (2, "ops")]);
    sorter.allocated(1, &quantities("cpus:2"));
    sorter.allocated(2, &quantities("cpus:3"));
    assert_eq!(sorter.sorted(), [1, 2]);
    sorter.allocated(1, &quantities("cpus:2"));
    assert_eq!(sorter.sorted(), [2, 1]);
    sorter.add(3, "eng/db");
    sorter.activate(3);
    assert_eq!(sorter.sorted(), [2, 3, 1]);
}
