//! Reading the golden captures of a real Mesos 1.11 cluster
//! (`shared/golden/mesos-1.11/` beside the repository).

#![allow(dead_code)] // each test file uses its own part of this module

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use prost_reflect::{FieldDescriptor, MessageDescriptor};
use serde_json::Value as Json;
use std::path::PathBuf;

pub use testkit::golden_dir;

/// One HTTP message of a capture (`*/messages.jsonl`).
#[derive(Debug, Clone)]
pub struct Record {
    pub scenario: String,
    pub raw: Json,
}

impl Record {
    pub fn kind(&self) -> &str {
        self.raw["kind"].as_str().unwrap_or_default()
    }
    pub fn seq(&self) -> u64 {
        self.raw["seq"].as_u64().expect("seq")
    }
    pub fn path(&self) -> &str {
        self.raw["path"].as_str().unwrap_or_default()
    }
    /// The path without its query string.
    pub fn route(&self) -> &str {
        self.path().split('?').next().unwrap_or_default()
    }
    pub fn dst_name(&self) -> &str {
        self.raw["dst_name"].as_str().unwrap_or_default()
    }
    pub fn message(&self) -> Option<&str> {
        self.raw["message"].as_str()
    }
    pub fn decoded_type(&self) -> Option<&str> {
        self.raw["decoded_type"].as_str()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.raw["headers"].as_array()?.iter().find_map(|pair| {
            (pair[0].as_str()?.eq_ignore_ascii_case(name)).then(|| pair[1].as_str())?
        })
    }
    pub fn content_type(&self) -> &str {
        self.header("Content-Type")
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
    }
    pub fn body(&self) -> Vec<u8> {
        self.raw["body_b64"]
            .as_str()
            .map(|b| BASE64.decode(b).expect("body_b64 is base64"))
            .unwrap_or_default()
    }
    pub fn body_json(&self) -> Option<&Json> {
        self.raw.get("body_json")
    }
    pub fn in_reply_to(&self) -> Option<u64> {
        self.raw["in_reply_to_seq"].as_u64()
    }
    /// The RecordIO records of a streaming response: raw bytes, and the
    /// parsed JSON when the stream is JSON.
    pub fn recordio_records(&self) -> Vec<(Vec<u8>, Option<Json>)> {
        self.raw["recordio_records"]
            .as_array()
            .map(|records| {
                records
                    .iter()
                    .filter(|r| r["complete"].as_bool() != Some(false))
                    .map(|r| {
                        let data = BASE64
                            .decode(r["data_b64"].as_str().expect("data_b64"))
                            .expect("data_b64 is base64");
                        (data, r.get("json").cloned())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Every record of every scenario, in capture order.
pub fn records() -> Vec<Record> {
    let dir = golden_dir();
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("golden dir is readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("messages.jsonl").is_file())
        .collect();
    scenarios.sort();
    let mut out = Vec::new();
    for scenario in scenarios {
        let name = scenario.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(scenario.join("messages.jsonl")).expect("readable");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            out.push(Record {
                scenario: name.clone(),
                raw: serde_json::from_str(line).expect("each line is JSON"),
            });
        }
    }
    assert!(!out.is_empty(), "no golden records found");
    out
}

/// The request a response answers.
pub fn request_of<'a>(records: &'a [Record], response: &Record) -> Option<&'a Record> {
    let seq = response.in_reply_to()?;
    records
        .iter()
        .find(|r| r.scenario == response.scenario && r.seq() == seq)
}

/// Asserts that `rendered` (our JSON for a message parsed from `original`)
/// says what `original` says, allowing only the differences that Mesos's own
/// parser makes harmless:
/// - numbers compare by value (`3.6e+06` is the integer 3600000);
/// - a `null` or unknown key in `original` is absent from `rendered`;
/// - a key absent from `original` may appear in `rendered` only for a field
///   whose schema declares a default (Mesos writes those) holding that default.
/// - with `same_key_order` (JSON that Mesos wrote), keys common to both come
///   in the same order.
pub fn assert_json_equivalent(
    descriptor: &MessageDescriptor,
    original: &Json,
    rendered: &Json,
    path: &str,
    same_key_order: bool,
) {
    let (Json::Object(original), Json::Object(rendered)) = (original, rendered) else {
        panic!("{path}: expected objects, got {original} and {rendered}");
    };
    for (key, value) in original {
        match descriptor.get_field_by_name(key) {
            None => assert!(
                !rendered.contains_key(key),
                "{path}.{key}: unknown key must be dropped"
            ),
            Some(_) if value.is_null() => assert!(
                !rendered.contains_key(key),
                "{path}.{key}: null must mean unset"
            ),
            // Mesos's hand-written state writers emit empty lists; protobuf
            // has no empty list, only an absent one.
            Some(field) if field.is_list() && value.as_array().is_some_and(Vec::is_empty) => {
                assert!(
                    !rendered.contains_key(key),
                    "{path}.{key}: an empty list is not written"
                )
            }
            Some(field) => {
                let ours = rendered
                    .get(key)
                    .unwrap_or_else(|| panic!("{path}.{key}: lost in rendering"));
                assert_value_equivalent(
                    &field,
                    value,
                    ours,
                    &format!("{path}.{key}"),
                    same_key_order,
                );
            }
        }
    }
    let order_in = |object: &serde_json::Map<String, Json>| -> Vec<String> {
        object
            .keys()
            .filter(|k| original.contains_key(*k) && rendered.contains_key(*k))
            .cloned()
            .collect()
    };
    if same_key_order {
        assert_eq!(order_in(original), order_in(rendered), "{path}: key order");
    }
    for (key, value) in rendered {
        if original.contains_key(key) {
            continue;
        }
        let field = descriptor
            .get_field_by_name(key)
            .unwrap_or_else(|| panic!("{path}.{key}: rendered a field the schema lacks"));
        let declared = field.field_descriptor_proto().default_value.clone();
        assert!(
            declared.is_some(),
            "{path}.{key}: rendered {value} although the original did not set it and it has no declared default"
        );
    }
}

fn assert_value_equivalent(
    field: &FieldDescriptor,
    original: &Json,
    ours: &Json,
    path: &str,
    same_key_order: bool,
) {
    match (original, ours) {
        (Json::Array(a), Json::Array(b)) => {
            let a: Vec<&Json> = a.iter().filter(|v| !v.is_null()).collect();
            assert_eq!(a.len(), b.len(), "{path}: element count");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_value_equivalent(field, x, y, &format!("{path}[{i}]"), same_key_order);
            }
        }
        (Json::Object(_), Json::Object(_)) if field.is_map() => {
            assert_eq!(original, ours, "{path}: map differs");
        }
        (Json::Object(_), Json::Object(_)) => {
            let nested = field.kind();
            let nested = nested.as_message().expect("object for a message field");
            assert_json_equivalent(nested, original, ours, path, same_key_order);
        }
        (Json::Number(a), Json::Number(b)) => {
            assert_eq!(a.as_f64(), b.as_f64(), "{path}: number differs");
        }
        // A lone value given for a repeated field becomes a one-element list.
        (single, Json::Array(list)) if field.is_list() && list.len() == 1 => {
            assert_value_equivalent(field, single, &list[0], path, same_key_order);
        }
        _ => assert_eq!(original, ours, "{path}: value differs"),
    }
}

/// Removes from an encoded message every field the schema does not define
/// (at any depth), keeping the order of the rest; returns the stripped bytes
/// and the `(message type, field number)` of each field removed.
///
/// C++ protobuf keeps unknown fields when it re-serialises, prost drops them.
pub fn strip_unknown_fields(
    descriptor: &MessageDescriptor,
    bytes: &[u8],
) -> (Vec<u8>, Vec<(String, u32)>) {
    let mut removed = Vec::new();
    let stripped = strip(descriptor, bytes, &mut removed);
    (stripped, removed)
}

fn strip(
    descriptor: &MessageDescriptor,
    mut buf: &[u8],
    removed: &mut Vec<(String, u32)>,
) -> Vec<u8> {
    use prost::encoding::{WireType, decode_key, decode_varint, encode_key, encode_varint};
    let mut out = Vec::with_capacity(buf.len());
    while !buf.is_empty() {
        let start = buf;
        let (number, wire_type) = decode_key(&mut buf).expect("valid key");
        let field = descriptor.get_field(number);
        let mut payload: Option<Vec<u8>> = None;
        match wire_type {
            WireType::Varint => {
                decode_varint(&mut buf).expect("valid varint");
            }
            WireType::SixtyFourBit => buf = &buf[8..],
            WireType::ThirtyTwoBit => buf = &buf[4..],
            WireType::LengthDelimited => {
                let len = decode_varint(&mut buf).expect("valid length") as usize;
                let (body, rest) = buf.split_at(len);
                buf = rest;
                if let Some(prost_reflect::Kind::Message(nested)) = field.as_ref().map(|f| f.kind())
                {
                    payload = Some(strip(&nested, body, removed));
                }
            }
            other => panic!("unexpected wire type {other:?}"),
        }
        if field.is_none() {
            removed.push((descriptor.full_name().to_owned(), number));
            continue;
        }
        match payload {
            Some(nested) => {
                encode_key(number, WireType::LengthDelimited, &mut out);
                encode_varint(nested.len() as u64, &mut out);
                out.extend_from_slice(&nested);
            }
            None => out.extend_from_slice(&start[..start.len() - buf.len()]),
        }
    }
    out
}
