//! Every libprocess message body captured from a real Mesos 1.11 cluster
//! decodes with our types and re-encodes to the same bytes.

mod common;

use proto::mesos::internal as m;
use std::collections::BTreeSet;

/// Decodes `body` as `T` (required fields checked) and re-encodes it.
fn reencode<T>(body: &[u8]) -> Result<Vec<u8>, proto::Error>
where
    T: prost::Message + prost::Name + Default,
{
    proto::decode::<T>(body).map(|message| message.encode_to_vec())
}

/// The libprocess message name is the protobuf type name; this is the table
/// a receiver dispatches on. `None`: a name our schema does not have.
fn reencode_by_name(name: &str, body: &[u8]) -> Option<Result<Vec<u8>, proto::Error>> {
    macro_rules! by_name {
        ($($ty:ty),* $(,)?) => {
            $( if name == <$ty as prost::Name>::full_name() { return Some(reencode::<$ty>(body)); } )*
        };
    }
    by_name!(
        m::RegisterSlaveMessage,
        m::ReregisterSlaveMessage,
        m::SlaveRegisteredMessage,
        m::SlaveReregisteredMessage,
        m::UpdateSlaveMessage,
        m::PingSlaveMessage,
        m::PongSlaveMessage,
        m::RunTaskMessage,
        m::StatusUpdateMessage,
        m::StatusUpdateAcknowledgementMessage,
        m::ShutdownFrameworkMessage,
        m::RegisterExecutorMessage,
        m::RegisterFrameworkMessage,
        m::FrameworkRegisteredMessage,
        m::ResourceOffersMessage,
        m::LaunchTasksMessage,
        m::UnregisterFrameworkMessage,
    );
    None
}

#[test]
fn every_captured_message_reencodes_to_the_same_bytes() {
    let records = common::records();
    let mut seen_types = BTreeSet::new();
    let mut checked = 0;
    for record in records.iter().filter(|r| r.kind() == "request") {
        let Some(name) = record.message() else {
            continue;
        };
        // s6-errors sends deliberately broken messages; see the test below.
        if record.scenario == "s6-errors" {
            continue;
        }
        let body = record.body();
        let reencoded = reencode_by_name(name, &body)
            .unwrap_or_else(|| panic!("{} #{}: no type for {name}", record.scenario, record.seq()))
            .unwrap_or_else(|e| panic!("{} #{} {name}: {e}", record.scenario, record.seq()));
        assert_eq!(
            reencoded,
            body,
            "{} #{} {name}",
            record.scenario,
            record.seq()
        );
        seen_types.insert(name.to_owned());
        checked += 1;
    }
    assert_eq!(
        seen_types.len(),
        17,
        "message types covered: {seen_types:?}"
    );
    assert!(checked >= 100, "only {checked} messages checked");
}

/// What Mesos made of the broken messages in s6-errors, we make too: garbage
/// bodies fail to decode (Mesos logs and drops them), and a message name that
/// no schema defines is unknown (Mesos drops it silently).
#[test]
fn broken_captured_messages_are_rejected_as_mesos_rejects_them() {
    let records = common::records();
    let mut garbage = 0;
    let mut unknown = 0;
    for record in records
        .iter()
        .filter(|r| r.scenario == "s6-errors" && r.kind() == "request")
    {
        let Some(name) = record.message() else {
            continue;
        };
        let body = record.body();
        match reencode_by_name(name, &body) {
            None => {
                assert_eq!(name, "mesos.internal.NoSuchMessage");
                assert!(proto::descriptor_by_name(name).is_none());
                unknown += 1;
            }
            Some(Ok(bytes)) => {
                // The malformed-sender cases carry a valid body.
                assert_eq!(bytes, body, "#{} {name}", record.seq());
            }
            Some(Err(_)) => garbage += 1,
        }
    }
    assert_eq!(unknown, 1);
    assert!(
        garbage >= 2,
        "the garbage RegisterSlaveMessage bodies must fail to decode"
    );
}
