//! Static, dynamic and refined reservations: identity, filters, and moving
//! resources between reservations.

mod common;

use common::{dynamic, parse, resource};
use proto::mesos::resource::ReservationInfo;
use resources::{Resource, Resources, Scalar};
use serde_json::json;

fn reserved(value: f64, reservations: serde_json::Value) -> Resources {
    Resources::from(resource(
        json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": value}, "reservations": reservations}),
    ))
}

fn reservation(json: serde_json::Value) -> ReservationInfo {
    proto::json::from_value(&json).unwrap()
}

#[test]
fn reservations_are_part_of_identity() {
    let unreserved = parse("cpus:8");
    let static_a = reserved(4.0, json!([{"type": "STATIC", "role": "a"}]));
    let dynamic_a = reserved(4.0, json!([dynamic("a", "ops")]));
    let total = &(&unreserved + &static_a) + &dynamic_a;
    assert_eq!(total.len(), 3);
    assert!(!unreserved.contains(&static_a));
    assert!(!static_a.contains(&dynamic_a));
    assert_eq!(total.reserved(Some("a")), &static_a + &dynamic_a);
    assert_eq!(total.reserved(None).len(), 2);
    assert_eq!(total.unreserved(), unreserved);
    assert_eq!(total.reservations()["a"], &static_a + &dynamic_a);
    assert_eq!(total.to_unreserved(), parse("cpus:16"));
}

#[test]
fn dynamic_reservations_combine_only_with_equal_labels() {
    let labelled = |labels: serde_json::Value| {
        reserved(
            1.0,
            json!([{"type": "DYNAMIC", "role": "a", "principal": "p", "labels": {"labels": labels}}]),
        )
    };
    let ab = labelled(json!([{"key": "k", "value": "v"}, {"key": "x"}]));
    let ba = labelled(json!([{"key": "x"}, {"key": "k", "value": "v"}]));
    let other = labelled(json!([{"key": "k", "value": "w"}]));
    assert_eq!((&ab + &ba).len(), 1, "label order does not matter");
    assert_eq!((&ab + &other).len(), 2);
    assert_eq!(
        ab.to_string(),
        "cpus(reservations: [(DYNAMIC,a,p,{k: v, x})]):1"
    );
    assert_ne!(
        reserved(1.0, json!([dynamic("a", "p1")])),
        reserved(1.0, json!([dynamic("a", "p2")]))
    );
}

#[test]
fn refined_reservations_stack() {
    let refined = reserved(
        2.0,
        json!([{"type": "STATIC", "role": "eng"}, dynamic("eng/web", "ops")]),
    );
    let entry = refined.iter().next().unwrap();
    assert_eq!(entry.reservation_role(), Some("eng/web"));
    assert!(entry.has_refined_reservations());
    assert!(entry.is_dynamically_reserved());
    assert_eq!(
        refined.to_string(),
        "cpus(reservations: [(STATIC,eng),(DYNAMIC,eng/web,ops)]):2"
    );
    assert_eq!(
        refined.pop_reservation(),
        reserved(2.0, json!([{"type": "STATIC", "role": "eng"}]))
    );
    assert_eq!(refined.reserved_to_role_subtree("eng"), refined);
    assert!(refined.reserved_to_role_subtree("web").is_empty());
}

#[test]
fn push_reservation_checks_the_stack() {
    let base = reserved(1.0, json!([{"type": "STATIC", "role": "eng"}]));
    assert!(
        base.push_reservation(&reservation(dynamic("eng/web", "p")))
            .is_ok()
    );
    let not_below = base
        .push_reservation(&reservation(dynamic("ops", "p")))
        .unwrap_err();
    assert!(
        not_below.to_string().contains("not a refinement of 'eng'"),
        "{not_below}"
    );
    let static_refinement = base
        .push_reservation(&reservation(json!({"type": "STATIC", "role": "eng/web"})))
        .unwrap_err();
    assert!(static_refinement.to_string().contains("cannot be STATIC"));
    let star = parse("cpus:1")
        .push_reservation(&reservation(dynamic("*", "p")))
        .unwrap_err();
    assert!(star.to_string().contains("cannot be reserved"));
}

#[test]
fn reserve_then_unreserve_round_trips() {
    let unreserved = parse("cpus:4;mem:512");
    let reserved = unreserved
        .push_reservation(&reservation(dynamic("a", "p")))
        .unwrap();
    assert!(reserved.iter().all(Resource::is_dynamically_reserved));
    assert_eq!(reserved.pop_reservation(), unreserved);
    assert_eq!(reserved.to_unreserved(), unreserved);
}

#[test]
fn allocatable_to_follows_the_role_tree() {
    let total = &(&parse("cpus:1") + &reserved(2.0, json!([{"type": "STATIC", "role": "a"}])))
        + &reserved(
            4.0,
            json!([{"type": "STATIC", "role": "a"}, dynamic("a/b", "p")]),
        );
    let cpus = |r: Resources| r.cpus().unwrap_or_default();
    assert_eq!(cpus(total.allocatable_to("a")), Scalar::from_f64(3.0));
    assert_eq!(cpus(total.allocatable_to("a/b")), Scalar::from_f64(7.0));
    assert_eq!(cpus(total.allocatable_to("a/b/c")), Scalar::from_f64(7.0));
    assert_eq!(cpus(total.allocatable_to("ab")), Scalar::from_f64(1.0));
}

#[test]
fn pre_refinement_input_is_upgraded() {
    let old = resource(json!({
        "name": "cpus", "type": "SCALAR", "scalar": {"value": 1},
        "role": "a", "reservation": {"principal": "p"}
    }));
    let new = resource(json!({
        "name": "cpus", "type": "SCALAR", "scalar": {"value": 1},
        "reservations": [dynamic("a", "p")]
    }));
    assert_eq!(old, new);
    let static_old =
        resource(json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "role": "a"}));
    assert!(!static_old.is_dynamically_reserved());
    assert_eq!(static_old.reservation_role(), Some("a"));
}
