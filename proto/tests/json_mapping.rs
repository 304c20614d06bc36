//! Mesos's JSON mapping, rule by rule, and what Mesos made of the bad JSON
//! requests captured in s6-errors.

mod common;

use proto::json;
use proto::mesos::v1::{self, scheduler};
use serde_json::json;

#[test]
fn fields_with_declared_defaults_are_written_and_deprecated_ones_are_not() {
    let info = v1::FrameworkInfo {
        user: "root".into(),
        name: "x".into(),
        ..Default::default()
    };
    // `role` declares a default too, but it is deprecated: Mesos skips it.
    assert_eq!(
        json::to_value(&info),
        json!({"user": "root", "name": "x", "failover_timeout": 0.0, "checkpoint": false})
    );
}

#[test]
fn keys_come_in_declaration_order_not_field_number_order() {
    let offer = json::from_value::<v1::Offer>(&json!({
        "id": {"value": "o"}, "framework_id": {"value": "f"}, "agent_id": {"value": "a"},
        "hostname": "h", "url": {"scheme": "http", "address": {"port": 1}},
        "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}}]
    }))
    .unwrap();
    let keys: Vec<String> = json::to_value(&offer)
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    // `url` (field 8) is declared before `resources` (field 5).
    assert_eq!(
        keys,
        [
            "id",
            "framework_id",
            "agent_id",
            "hostname",
            "url",
            "resources"
        ]
    );
}

#[test]
fn enums_by_name_int64_as_numbers_bytes_as_base64() {
    let status = v1::TaskStatus {
        task_id: v1::TaskId { value: "t".into() },
        state: v1::TaskState::TaskRunning as i32,
        timestamp: Some(1.5),
        uuid: Some(vec![0xde, 0xad, 0xbe, 0xef]),
        ..Default::default()
    };
    let rendered = json::to_value(&status);
    assert_eq!(rendered["state"], json!("TASK_RUNNING"));
    assert_eq!(rendered["uuid"], json!("3q2+7w=="));
    assert_eq!(rendered["timestamp"], json!(1.5));
    assert_eq!(
        json::from_value::<v1::TaskStatus>(&rendered).unwrap(),
        status
    );

    let time = v1::TimeInfo {
        nanoseconds: 1_606_232_317_000_000_123,
    };
    assert_eq!(
        json::to_value(&time),
        json!({"nanoseconds": 1_606_232_317_000_000_123_i64})
    );
}

#[test]
fn what_real_clients_send_is_accepted() {
    // mesos-go: `null` for repeated fields and integers written as floats.
    let call = json::from_str::<scheduler::Call>(
        r#"{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n",
            "failover_timeout":3.6e+06,"capabilities":null,"labels":null}},
            "some_future_field":{"x":1}}"#,
    )
    .unwrap();
    let info = &call.subscribe.as_ref().unwrap().framework_info;
    assert_eq!(info.failover_timeout, Some(3_600_000.0));
    assert!(info.capabilities.is_empty());

    let time = json::from_value::<v1::TimeInfo>(&json!({"nanoseconds": 1.5e9})).unwrap();
    assert_eq!(time.nanoseconds, 1_500_000_000);
    let time = json::from_value::<v1::TimeInfo>(&json!({"nanoseconds": "42"})).unwrap();
    assert_eq!(time.nanoseconds, 42);
    let flag = json::from_value::<v1::Parameter>(&json!({"key": "k", "value": "v"})).unwrap();
    assert_eq!(flag.key, "k");
}

#[test]
fn a_lone_value_for_a_repeated_field_adds_one_element() {
    let ids = json::from_value::<scheduler::call::Decline>(&json!({"offer_ids": {"value": "o1"}}))
        .unwrap();
    assert_eq!(ids.offer_ids, vec![v1::OfferId { value: "o1".into() }]);
}

#[test]
fn an_unknown_enum_name_unsets_an_optional_field_but_fails_a_required_one() {
    let call = json::from_value::<scheduler::Call>(&json!({"type": "FOO_BAR"})).unwrap();
    assert_eq!(call.r#type, None);

    let error =
        json::from_value::<v1::Resource>(&json!({"name": "cpus", "type": "NOPE"})).unwrap_err();
    assert_eq!(error.to_string(), "Failed to find enum for 'NOPE'");
}

#[test]
fn enum_numbers_the_schema_does_not_name_are_not_written() {
    // v0's QUOTA_V2 master capability has no name in v1, as Mesos's GET_MASTER
    // shows: `{}` for it.
    let capability = v1::master_info::Capability { r#type: Some(99) };
    assert_eq!(json::to_value(&capability), json!({}));
    let info = v1::FrameworkInfo {
        user: "u".into(),
        name: "n".into(),
        capabilities: vec![v1::framework_info::Capability { r#type: Some(99) }],
        ..Default::default()
    };
    assert_eq!(json::to_value(&info)["capabilities"], json!([{}]));
}

#[test]
fn missing_required_fields_are_named_by_path() {
    let error = json::from_value::<scheduler::Call>(&json!({
        "type": "ACCEPT", "framework_id": {"value": "f"},
        "accept": {"offer_ids": [{"value": "o"}, {}]}
    }))
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Missing required fields: accept.offer_ids[1].value"
    );
}

#[test]
fn json_of_the_wrong_shape_is_an_error_that_names_the_field() {
    let wrong = |value: serde_json::Value| {
        json::from_value::<scheduler::Call>(&value)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(wrong(json!([])), "Expecting a JSON object");
    assert_eq!(
        wrong(json!({"framework_id": "abc"})),
        "Not expecting a JSON string for field 'framework_id'"
    );
    assert_eq!(
        wrong(json!({"type": ["SUBSCRIBE"]})),
        "Not expecting a JSON array for field 'type'"
    );
    assert!(json::from_str::<scheduler::Call>("{\"type\": oops").is_err());
    let bad_bytes = json::from_value::<v1::TaskStatus>(
        &json!({"task_id": {"value": "t"}, "state": "TASK_RUNNING", "uuid": "***"}),
    )
    .unwrap_err();
    assert!(
        bad_bytes
            .to_string()
            .starts_with("Failed to base64 decode bytes field 'uuid'")
    );
}

#[test]
fn maps_are_objects() {
    let info = json::from_value::<v1::FrameworkInfo>(&json!({
        "user": "u", "name": "n",
        "offer_filters": {"dev": {"min_allocatable_resources": {"quantities": [
            {"quantities": {"cpus": {"value": 1.0}}}]}}}
    }))
    .unwrap();
    assert_eq!(info.offer_filters.len(), 1);
    let rendered = json::to_value(&info);
    assert_eq!(
        rendered["offer_filters"]["dev"]["min_allocatable_resources"]["quantities"][0]["quantities"]
            ["cpus"],
        json!({"value": 1.0})
    );
}

/// Each bad scheduler request of s6-errors that Mesos refused while turning
/// JSON into a Call is refused by us with the same words; each that Mesos
/// parsed (and refused later, for other reasons) parses.
#[test]
fn captured_bad_scheduler_json_gets_the_verdict_mesos_gave() {
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::golden_dir().join("s6-errors/summary.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for case in summary["cases"].as_array().unwrap() {
        let exchanges = case["exchanges"].as_array().unwrap();
        let (Some(request), Some(response)) = (exchanges.first(), exchanges.get(1)) else {
            continue;
        };
        let start_line = request["start_line"].as_str().unwrap_or_default();
        if !start_line.starts_with("POST /api/v1/scheduler") {
            continue;
        }
        let Some(body) = request["body_text"].as_str() else {
            continue;
        };
        let answer = response["body_text"].as_str().unwrap_or_default();
        let ours = json::from_str::<scheduler::Call>(body);
        let case_name = case["case"].as_str().unwrap();
        if let Some(mesos_error) =
            answer.strip_prefix("Failed to convert JSON into Call protobuf: ")
        {
            assert_eq!(ours.unwrap_err().to_string(), mesos_error, "{case_name}");
        } else if answer.starts_with("Failed to parse body into JSON") {
            assert!(ours.is_err(), "{case_name}");
        } else {
            assert!(ours.is_ok(), "{case_name}: {ours:?}");
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} cases");
}
