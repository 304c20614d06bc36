//! proto2 `required` fields: prost does not check them on decode; we do, and
//! say which field is missing, as Mesos does.

use prost::Message as _;
use prost_reflect::{DynamicMessage, Value};
use proto::mesos::internal::{LaunchTasksMessage, RegisterSlaveMessage};
use proto::mesos::{FrameworkId, Offer};

#[test]
fn a_complete_message_decodes() {
    let id = FrameworkId { value: "f".into() };
    assert_eq!(
        proto::decode::<FrameworkId>(&id.encode_to_vec()).unwrap(),
        id
    );
}

#[test]
fn an_absent_top_level_field_is_named() {
    let error = proto::decode::<RegisterSlaveMessage>(&[]).unwrap_err();
    assert_eq!(error.to_string(), "Missing required fields: slave");
}

#[test]
fn absent_nested_fields_are_named_by_path() {
    // `slave` present but empty: SlaveInfo requires `hostname`.
    let error = proto::decode::<RegisterSlaveMessage>(&[0x0a, 0x00]).unwrap_err();
    assert_eq!(error.to_string(), "Missing required fields: slave.hostname");
}

#[test]
fn elements_of_repeated_fields_are_indexed() {
    let tasks = proto::descriptor_of::<LaunchTasksMessage>();
    let mut message = DynamicMessage::new(tasks.clone());
    message.set_field_by_name(
        "framework_id",
        Value::Message(
            DynamicMessage::decode(
                proto::descriptor_of::<FrameworkId>(),
                FrameworkId { value: "f".into() }.encode_to_vec().as_slice(),
            )
            .unwrap(),
        ),
    );
    let offer_id = proto::descriptor_by_name("mesos.OfferID").unwrap();
    let complete = {
        let mut id = DynamicMessage::new(offer_id.clone());
        id.set_field_by_name("value", Value::String("o".into()));
        Value::Message(id)
    };
    let incomplete = Value::Message(DynamicMessage::new(offer_id));
    message.set_field_by_name("offer_ids", Value::List(vec![complete, incomplete]));
    message.set_field_by_name(
        "filters",
        Value::Message(DynamicMessage::new(
            proto::descriptor_by_name("mesos.Filters").unwrap(),
        )),
    );

    let error = proto::decode::<LaunchTasksMessage>(&message.encode_to_vec()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Missing required fields: offer_ids[1].value"
    );
}

#[test]
fn every_missing_field_is_listed() {
    let error = proto::decode::<Offer>(&[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Missing required fields: id, framework_id, slave_id, hostname"
    );
}

#[test]
fn garbage_is_a_decode_error_not_a_panic() {
    let error = proto::decode::<RegisterSlaveMessage>(b"\xff\xff\xff garbage").unwrap_err();
    assert!(matches!(error, proto::Error::Decode { .. }), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("Failed to deserialize mesos.internal.RegisterSlaveMessage")
    );
}
