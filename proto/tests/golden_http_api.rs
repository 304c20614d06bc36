//! The v1 HTTP API bodies captured from a real Mesos 1.11 cluster (scheduler
//! calls and event streams, operator calls, responses and event streams, agent
//! API replies) go through our types unchanged: protobuf bodies re-encode to
//! the same bytes; JSON that Mesos wrote renders back to the same text; JSON
//! that clients wrote renders to what Mesos would make of it.

mod common;

use common::Record;
use prost_reflect::MessageDescriptor;
use proto::mesos::v1::{agent, master, scheduler};
use serde_json::Value as Json;

/// Which message type a captured HTTP body holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Api {
    SchedulerCall,
    SchedulerEvent,
    OperatorCall,
    OperatorResponse,
    OperatorEvent,
    AgentCall,
    AgentResponse,
}

impl Api {
    fn descriptor(self) -> MessageDescriptor {
        match self {
            Api::SchedulerCall => proto::descriptor_of::<scheduler::Call>(),
            Api::SchedulerEvent => proto::descriptor_of::<scheduler::Event>(),
            Api::OperatorCall => proto::descriptor_of::<master::Call>(),
            Api::OperatorResponse => proto::descriptor_of::<master::Response>(),
            Api::OperatorEvent => proto::descriptor_of::<master::Event>(),
            Api::AgentCall => proto::descriptor_of::<agent::Call>(),
            Api::AgentResponse => proto::descriptor_of::<agent::Response>(),
        }
    }

    /// Protobuf bytes → our type → bytes.
    fn reencode(self, body: &[u8]) -> Result<Vec<u8>, proto::Error> {
        fn with<T: prost::Message + prost::Name + Default>(
            b: &[u8],
        ) -> Result<Vec<u8>, proto::Error> {
            proto::decode::<T>(b).map(|m| m.encode_to_vec())
        }
        match self {
            Api::SchedulerCall => with::<scheduler::Call>(body),
            Api::SchedulerEvent => with::<scheduler::Event>(body),
            Api::OperatorCall => with::<master::Call>(body),
            Api::OperatorResponse => with::<master::Response>(body),
            Api::OperatorEvent => with::<master::Event>(body),
            Api::AgentCall => with::<agent::Call>(body),
            Api::AgentResponse => with::<agent::Response>(body),
        }
    }

    /// JSON → our type → JSON.
    fn rerender(self, json: &Json) -> Result<Json, proto::Error> {
        fn with<T: prost::Message + prost::Name + Default>(j: &Json) -> Result<Json, proto::Error> {
            proto::json::from_value::<T>(j).map(|m| proto::json::to_value(&m))
        }
        match self {
            Api::SchedulerCall => with::<scheduler::Call>(json),
            Api::SchedulerEvent => with::<scheduler::Event>(json),
            Api::OperatorCall => with::<master::Call>(json),
            Api::OperatorResponse => with::<master::Response>(json),
            Api::OperatorEvent => with::<master::Event>(json),
            Api::AgentCall => with::<agent::Call>(json),
            Api::AgentResponse => with::<agent::Response>(json),
        }
    }
}

/// The API of a request, from where it was sent.
fn request_api(request: &Record) -> Option<Api> {
    let route = request.route();
    if route.ends_with("/api/v1/scheduler") {
        Some(Api::SchedulerCall)
    } else if route == "/api/v1" || route == "/master/api/v1" {
        Some(if request.dst_name() == "agent" {
            Api::AgentCall
        } else {
            Api::OperatorCall
        })
    } else {
        None
    }
}

/// A body (or each record of a stream) with the API type it holds.
struct Body<'a> {
    record: &'a Record,
    api: Api,
    /// Written by Mesos itself (so JSON must come back byte for byte) rather
    /// than by a client.
    from_mesos: bool,
    bytes: Vec<u8>,
    json: Option<Json>,
}

impl Body<'_> {
    /// Where the body was captured, for failure messages.
    fn place(&self) -> String {
        format!(
            "{} #{} {:?}",
            self.record.scenario,
            self.record.seq(),
            self.api
        )
    }
}

fn bodies(records: &[Record]) -> Vec<Body<'_>> {
    let mut out = Vec::new();
    for record in records {
        // s6-errors holds deliberately bad requests; json_mapping.rs checks them.
        if record.scenario == "s6-errors" {
            continue;
        }
        let (request, is_response) = match record.kind() {
            "request" => (record, false),
            "response" => match common::request_of(records, record) {
                Some(request) => (request, true),
                None => continue,
            },
            _ => continue,
        };
        let Some(call_api) = request_api(request) else {
            continue;
        };
        let content_type = record.content_type();
        if !matches!(content_type, "application/json" | "application/x-protobuf") {
            continue;
        }
        if record.raw["status"].as_u64().is_some_and(|s| s != 200) {
            continue;
        }
        let stream = record.recordio_records();
        let api = match (call_api, is_response) {
            (api, false) => api,
            (Api::SchedulerCall, true) => Api::SchedulerEvent,
            (Api::AgentCall, true) => Api::AgentResponse,
            (_, true) if !stream.is_empty() => Api::OperatorEvent,
            (_, true) => Api::OperatorResponse,
        };
        if stream.is_empty() {
            let bytes = record.body();
            if bytes.is_empty() {
                continue;
            }
            let json = (content_type == "application/json")
                .then(|| serde_json::from_slice(&bytes).expect("a JSON body"));
            out.push(Body {
                record,
                api,
                from_mesos: is_response,
                bytes,
                json,
            });
        } else {
            for (bytes, json) in stream {
                let json = json.or_else(|| {
                    (content_type == "application/json")
                        .then(|| serde_json::from_slice(&bytes).expect("a JSON record"))
                });
                out.push(Body {
                    record,
                    api,
                    from_mesos: true,
                    bytes,
                    json,
                });
            }
        }
    }
    out
}

/// The one field Mesos sends that our schema (Mesos's own v1 schema) lacks:
/// the master keeps agents as v0 `SlaveInfo` and converts them to v1
/// `AgentInfo` by re-parsing the bytes, so v0's `checkpoint` (field 7, which
/// v1 dropped) rides along as an unknown field. C++ protobuf re-emits unknown
/// fields; prost drops them. No client reads it: v1 has no such field.
const TOLERATED_UNKNOWN_FIELDS: &[(&str, u32)] = &[("mesos.v1.AgentInfo", 7)];

fn assert_reencodes(api: Api, bytes: &[u8], place: &str) {
    let reencoded = api
        .reencode(bytes)
        .unwrap_or_else(|e| panic!("{place}: {e}"));
    let (expected, removed) = common::strip_unknown_fields(&api.descriptor(), bytes);
    for (message, number) in &removed {
        assert!(
            TOLERATED_UNKNOWN_FIELDS.contains(&(message.as_str(), *number)),
            "{place}: unexpected unknown field {number} of {message}"
        );
    }
    assert_eq!(reencoded, expected, "{place}");
}

#[test]
fn protobuf_bodies_reencode_to_the_same_bytes() {
    let records = common::records();
    let mut covered = Vec::new();
    for body in bodies(&records).iter().filter(|b| b.json.is_none()) {
        assert_reencodes(body.api, &body.bytes, &body.place());
        if !covered.contains(&body.api) {
            covered.push(body.api);
        }
    }
    for api in [
        Api::SchedulerCall,
        Api::SchedulerEvent,
        Api::OperatorCall,
        Api::OperatorResponse,
    ] {
        assert!(covered.contains(&api), "no protobuf {api:?} checked");
    }
}

#[test]
fn json_that_mesos_wrote_renders_back_to_the_same_text() {
    let records = common::records();
    let mut checked = 0;
    let mut differing = Vec::new();
    for body in bodies(&records).iter().filter(|b| b.from_mesos) {
        let Some(json) = &body.json else { continue };
        let place = body.place();
        let ours = body
            .api
            .rerender(json)
            .unwrap_or_else(|e| panic!("{place}: {e}"));
        // Text, not values: key order matters too.
        if text(&ours) != text(json) {
            // Only Mesos's hand-written GET_STATE-style writers differ from
            // its protobuf mapping (empty lists, v0 `checkpoint` in agent_info).
            common::assert_json_equivalent(&body.api.descriptor(), json, &ours, &place, true);
            differing.push(place);
        }
        checked += 1;
    }
    assert!(
        checked >= 50,
        "only {checked} Mesos-written JSON bodies checked"
    );
    assert!(
        differing.len() * 4 < checked,
        "most Mesos-written JSON must come back byte for byte; differing: {differing:?}"
    );
}

#[test]
fn json_that_clients_wrote_means_the_same_to_us() {
    let records = common::records();
    let mut checked = 0;
    for body in bodies(&records).iter().filter(|b| !b.from_mesos) {
        let Some(json) = &body.json else { continue };
        let place = body.place();
        let ours = body
            .api
            .rerender(json)
            .unwrap_or_else(|e| panic!("{place}: {e}"));
        common::assert_json_equivalent(&body.api.descriptor(), json, &ours, &place, false);
        checked += 1;
    }
    assert!(
        checked >= 40,
        "only {checked} client-written JSON bodies checked"
    );
}

/// The protobuf replies saved beside the captures (`pretty/master-api-v1`).
#[test]
fn saved_protobuf_replies_reencode_to_the_same_bytes() {
    let dir = common::golden_dir().join("s5-endpoints/pretty/master-api-v1");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("readable") {
        let path = entry.expect("entry").path();
        if !path.to_string_lossy().ends_with(".pb.bin") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("readable");
        assert_reencodes(Api::OperatorResponse, &bytes, &path.display().to_string());
        checked += 1;
    }
    assert_eq!(checked, 3);
}

fn text(json: &Json) -> String {
    serde_json::to_string(json).expect("JSON values serialise")
}
