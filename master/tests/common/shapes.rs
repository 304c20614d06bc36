//! Comparing our responses with the golden ones of a real Mesos 1.11
//! master by shape: the same keys at every level, the same JSON type for
//! each value, recursively; values themselves (ids, times, counts) are not
//! compared.

use serde_json::Value as Json;

/// A golden response body from `s5-endpoints/pretty/<group>/<file>`.
pub fn golden(group: &str, file: &str) -> Json {
    let path = testkit::golden_dir()
        .join("s5-endpoints/pretty")
        .join(group)
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden file {} is needed: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// How absent keys are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lists {
    /// Hand-written JSON (`/master/state`, ...): every key is always there.
    Always,
    /// Protobuf's JSON mapping (`/api/v1`): an empty repeated field is left
    /// out, so a golden list may be missing on our side when we have
    /// nothing to put in it.
    OmittedWhenEmpty,
}

/// Panics at the first place `ours` is not shaped like `theirs`. Arrays are
/// compared element by element where both have one.
pub fn assert_same_shape(ours: &Json, theirs: &Json, lists: Lists, path: &str) {
    match (ours, theirs) {
        (Json::Object(a), Json::Object(b)) => {
            let mut ka: Vec<_> = a.keys().collect();
            let mut kb: Vec<_> = b
                .keys()
                .filter(|key| {
                    a.contains_key(*key)
                        || lists == Lists::Always
                        || !matches!(b[*key], Json::Array(_))
                })
                .collect();
            ka.sort();
            kb.sort();
            assert_eq!(ka, kb, "{path}: keys");
            for (key, value) in a {
                assert_same_shape(value, &b[key], lists, &format!("{path}.{key}"));
            }
        }
        (Json::Array(a), Json::Array(b)) => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same_shape(x, y, lists, &format!("{path}[{index}]"));
            }
        }
        (Json::Number(_), Json::Number(_))
        | (Json::String(_), Json::String(_))
        | (Json::Bool(_), Json::Bool(_)) => {}
        _ => panic!("{path}: {ours} is not shaped like {theirs}"),
    }
}
