//! Property tests: the arithmetic laws Mesos's resource model obeys, and the
//! round trips through text and protos.

use proptest::prelude::*;
use proptest::sample::subsequence;
use proto::mesos::resource::{ReservationInfo, reservation_info::Type as ReservationType};
use resources::{Range, Ranges, Resource, Resources, Scalar, Set, Value};

/// Scalars stay below 10^11 units, so that even a sum of six has at most 15
/// significant digits and Mesos's printing keeps every decimal.
const MAX_SCALAR_MILLI: i64 = 100_000_000_000 * 1000;

/// A value with a name that fits its type, as agents declare them.
fn named_value() -> impl Strategy<Value = (&'static str, Value)> {
    let scalar = (
        prop::sample::select(vec!["cpus", "mem", "disk"]),
        1..MAX_SCALAR_MILLI,
    )
        .prop_map(|(name, milli)| (name, Value::Scalar(Scalar::from_milli(milli))));
    let ranges = prop::collection::vec((0u64..300, 0u64..20), 1..5).prop_map(|bounds| {
        let ranges = bounds.into_iter().map(|(begin, len)| Range {
            begin,
            end: begin + len,
        });
        (
            "ports",
            Value::Ranges(Ranges::new(ranges).expect("never inverted")),
        )
    });
    let set = subsequence(vec!["a", "b", "c", "d", "e", "f"], 1..4).prop_map(|items| {
        let items = items.into_iter().map(str::to_owned);
        ("disks", Value::Set(Set::new(items).expect("distinct")))
    });
    prop_oneof![scalar, ranges, set]
}

/// Plain unreserved resources: what the text form can say (`{}`, the text of
/// no resources, is not something Mesos parses).
fn plain_resources() -> impl Strategy<Value = Resources> {
    prop::collection::vec(named_value(), 1..6).prop_map(|values| {
        values
            .into_iter()
            .map(|(name, value)| Resource::new(name, value).expect("valid"))
            .collect()
    })
}

/// Resources with reservations (static, dynamic, refined), revocability and
/// allocations mixed in.
fn resources() -> impl Strategy<Value = Resources> {
    let reservation = prop::option::of(prop::sample::select(vec![
        vec![("a", ReservationType::Static)],
        vec![("b", ReservationType::Dynamic)],
        vec![
            ("a", ReservationType::Static),
            ("a/x", ReservationType::Dynamic),
        ],
    ]));
    let allocation = prop::option::of(prop::sample::select(vec!["a", "b"]));
    let entry = (named_value(), reservation, any::<bool>(), allocation);
    prop::collection::vec(entry, 0..6).prop_map(|entries| {
        entries
            .into_iter()
            .map(|((name, value), stack, revocable, allocation)| {
                let mut resource = Resource::new(name, value).expect("valid").to_proto();
                for (role, kind) in stack.unwrap_or_default() {
                    let mut reservation = ReservationInfo {
                        role: Some(role.to_owned()),
                        principal: (kind == ReservationType::Dynamic).then(|| "ops".to_owned()),
                        ..Default::default()
                    };
                    reservation.set_type(kind);
                    resource.reservations.push(reservation);
                }
                resource.revocable = revocable.then_some(Default::default());
                resource.allocation_info =
                    allocation.map(|role| proto::mesos::resource::AllocationInfo {
                        role: Some(role.to_owned()),
                    });
                Resource::from_proto(&resource).expect("valid")
            })
            .collect()
    })
}

/// `b` without any range or set item that `a` holds under the same metadata,
/// so that `a + b` is a disjoint sum (ranges and sets add as unions).
fn disjoint_from(a: &Resources, b: &Resources) -> Resources {
    let non_scalars = a.filter(|resource| resource.scalar().is_none());
    b - &non_scalars
}

proptest! {
    #[test]
    fn subtraction_undoes_a_disjoint_addition(a in resources(), b in resources()) {
        let b = disjoint_from(&a, &b);
        prop_assert_eq!(&(&a + &b) - &b, a);
    }

    #[test]
    fn addition_commutes(a in resources(), b in resources()) {
        prop_assert_eq!(&a + &b, &b + &a);
    }

    #[test]
    fn addition_associates(a in resources(), b in resources(), c in resources()) {
        prop_assert_eq!(&(&a + &b) + &c, &a + &(&b + &c));
    }

    #[test]
    fn containment_is_reflexive_and_survives_addition(a in resources(), b in resources()) {
        prop_assert!(a.contains(&a));
        prop_assert!((&a + &b).contains(&a));
        prop_assert!((&a + &b).contains(&b));
        prop_assert!(a.contains(&Resources::new()));
    }

    #[test]
    fn subtraction_only_takes_away(a in resources(), b in resources()) {
        prop_assert!(a.contains(&(&a - &b)));
    }

    #[test]
    fn subtracting_a_contained_part_then_adding_it_back_restores(a in resources(), b in resources()) {
        let part = &(&a - &b);
        prop_assert!(a.contains(part));
        prop_assert_eq!(&(&a - part) + part, a);
    }

    #[test]
    fn fixed_point_is_stable(milli in -(1i64 << 50)..(1i64 << 50), value in 0f64..1e9) {
        let scalar = Scalar::from_milli(milli);
        prop_assert_eq!(Scalar::from_f64(scalar.as_f64()), scalar);
        let rounded = Scalar::from_f64(value);
        // Half a thousandth, plus the error of f64 itself at this magnitude
        // (a value exactly halfway, such as 574285831.7125, lands on either side).
        let representation_error = value.abs() * 4.0 * f64::EPSILON;
        prop_assert!((rounded.as_f64() - value).abs() <= 0.0005 + representation_error);
        prop_assert_eq!(Scalar::from_f64(rounded.as_f64()), rounded);
    }

    #[test]
    fn text_round_trips(resources in plain_resources()) {
        let text = resources.to_string();
        let parsed = Resources::parse(&text, "*").map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&parsed, &resources);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn protos_round_trip(resources in resources()) {
        prop_assert_eq!(&Resources::from_protos(&resources.to_protos()).unwrap(), &resources);
        prop_assert_eq!(&Resources::from_v1_protos(&resources.to_v1_protos()).unwrap(), &resources);
    }
}
