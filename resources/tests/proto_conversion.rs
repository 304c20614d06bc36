//! Conversion to and from v0/v1 protos in Mesos's three formats, and
//! `Resources::validate`.

mod common;

use common::{dynamic, parse, proto, resource};
use resources::{Resource, ResourceFormat, Resources, ResourcesError};
use serde_json::json;

#[test]
fn round_trips_through_v0_and_v1_protos() {
    let original = &parse("cpus:4.5;mem:1024;ports:[31000-32000, 40000-40010];disks:{a,b}")
        + &Resources::from(resource(json!({
            "name": "disk", "type": "SCALAR", "scalar": {"value": 64},
            "reservations": [{"type": "STATIC", "role": "eng"}, dynamic("eng/web", "ops")],
            "disk": {"persistence": {"id": "vol", "principal": "ops"}, "volume": {"container_path": "data", "mode": "RW"}},
            "allocation_info": {"role": "eng/web"},
            "provider_id": {"value": "rp"},
            "shared": {}
        })));
    let v0 = original.to_protos();
    assert_eq!(Resources::from_protos(&v0).unwrap(), original);
    let v1 = original.to_v1_protos();
    assert_eq!(Resources::from_v1_protos(&v1).unwrap(), original);
    // Nothing Mesos keeps is lost: the protos come back identical.
    assert_eq!(Resources::from_protos(&v0).unwrap().to_protos(), v0);
}

#[test]
fn writes_each_format() {
    let dynamic_a = resource(json!({
        "name": "cpus", "type": "SCALAR", "scalar": {"value": 1},
        "reservations": [{"type": "DYNAMIC", "role": "a", "principal": "p", "labels": {"labels": [{"key": "k"}]}}]
    }));
    let json_of = |format| proto::json::to_value(&dynamic_a.to_proto_in(format).unwrap());

    let post = json_of(ResourceFormat::PostReservationRefinement);
    assert!(post.get("role").is_none() && post.get("reservation").is_none());
    assert_eq!(post["reservations"][0]["role"], "a");

    let pre = json_of(ResourceFormat::PreReservationRefinement);
    assert_eq!(pre["role"], "a");
    assert_eq!(
        pre["reservation"],
        json!({"principal": "p", "labels": {"labels": [{"key": "k"}]}})
    );
    assert!(pre.get("reservations").is_none());

    let endpoint = json_of(ResourceFormat::Endpoint);
    assert_eq!(endpoint["role"], "a");
    assert_eq!(endpoint["reservations"][0]["principal"], "p");

    // Every format reads back to the same resource.
    for format in [
        ResourceFormat::PreReservationRefinement,
        ResourceFormat::Endpoint,
    ] {
        assert_eq!(
            Resource::from_proto(&dynamic_a.to_proto_in(format).unwrap()).unwrap(),
            dynamic_a
        );
    }

    let unreserved = parse("cpus:1")
        .to_protos_in(ResourceFormat::Endpoint)
        .unwrap();
    #[allow(deprecated)]
    let role = unreserved[0].role.as_deref();
    assert_eq!(role, Some("*"));
}

#[test]
fn refined_reservations_have_no_pre_refinement_form() {
    let refined = Resources::from(resource(json!({
        "name": "cpus", "type": "SCALAR", "scalar": {"value": 1},
        "reservations": [{"type": "STATIC", "role": "a"}, dynamic("a/b", "p")]
    })));
    assert!(
        refined
            .to_protos_in(ResourceFormat::PreReservationRefinement)
            .is_none()
    );
    assert!(refined.to_protos_in(ResourceFormat::Endpoint).is_some());
}

#[test]
fn invalid_protos_are_refused_with_a_reason() {
    let scalar = |value: f64| json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": value}});
    let cases = [
        (
            json!({"name": "", "type": "SCALAR", "scalar": {"value": 1}}),
            "Empty resource name",
        ),
        (
            json!({"name": "cpus", "type": "SCALAR"}),
            "Invalid scalar resource",
        ),
        (
            json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "set": {"item": ["a"]}}),
            "Invalid scalar resource",
        ),
        (scalar(-1.0), "value <= 0"),
        (scalar(0.0001), "value <= 0"),
        (
            json!({"name": "x", "type": "TEXT", "text": {"value": "a"}}),
            "Unsupported resource type",
        ),
        (
            json!({"name": "p", "type": "RANGES", "ranges": {"range": [{"begin": 5, "end": 1}]}}),
            "begin > end",
        ),
        (
            json!({"name": "p", "type": "RANGES", "ranges": {"range": [{"begin": 1, "end": 5}, {"begin": 3, "end": 9}]}}),
            "overlapping ranges",
        ),
        (
            json!({"name": "s", "type": "SET", "set": {"item": ["a", "a"]}}),
            "duplicated elements",
        ),
        (
            json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "disk": {}}),
            "DiskInfo should not be set for cpus",
        ),
        (
            json!({"name": "disk", "type": "SCALAR", "scalar": {"value": 1}, "disk": {"source": {"type": "RAW", "path": {"root": "/"}}}}),
            "Path should not be set for RAW",
        ),
        (
            json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "role": "*", "reservation": {"principal": "p"}}),
            "cannot be dynamically reserved",
        ),
        (
            json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "reservations": [{"role": "a"}]}),
            "type' field must be set",
        ),
        (
            json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "role": "b", "reservations": [{"type": "STATIC", "role": "a"}]}),
            "does not match the role 'a'",
        ),
        (
            json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "shared": {}}),
            "cpus cannot be shared",
        ),
        (
            json!({"name": "disk", "type": "SCALAR", "scalar": {"value": 1}, "shared": {}}),
            "Only persistent volumes can be shared",
        ),
    ];
    for (json, expected) in cases {
        let error = Resources::validate(&[proto(json.clone())]).expect_err(&json.to_string());
        assert!(matches!(error, ResourcesError::Invalid { .. }));
        assert!(
            error.to_string().contains(expected),
            "{json} gave {error}, expected {expected}"
        );
        assert!(Resources::from_protos(&[proto(json)]).is_err());
    }
    assert!(Resources::validate(&parse("cpus:1;ports:[1-2]").to_protos()).is_ok());
}

#[test]
fn scalars_are_kept_to_three_decimals() {
    let read = Resource::from_proto(&proto(
        json!({"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.12345}}),
    ))
    .unwrap();
    assert_eq!(read.to_proto().scalar.unwrap().value, 0.123);
}
