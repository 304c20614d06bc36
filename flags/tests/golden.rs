//! `/flags` and `GET_FLAGS` of a real Mesos 1.11 master against ours, for the
//! command line the golden master ran with.
//!
//! The golden captures live next to the repository, in
//! `../shared/golden/mesos-1.11/`; these tests fail when they are missing.

use std::path::PathBuf;

use flags::MasterFlags;
use serde_json::{Value, json};

/// The golden master's command line (scenario s2/s5); nothing in `/flags`
/// depends on the build except `webui_dir`, whose Mesos default we share.
const GOLDEN_ARGS: [&str; 4] = [
    "--ip=127.0.0.1",
    "--port=15060",
    "--work_dir=/srv/golden/s2/master",
    "--registry=in_memory",
];

fn golden(relative: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/golden/mesos-1.11/s5-endpoints/pretty")
        .join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden file {} is missing: {e}", path.display()));
    serde_json::from_str(&text).expect("golden files are JSON")
}

fn ours() -> serde_json::Map<String, Value> {
    let load = MasterFlags::load_from(GOLDEN_ARGS, [("PATH", "/usr/bin")]).expect("loads");
    assert!(load.warnings.is_empty(), "{:?}", load.warnings);
    load.flags
        .to_mesos_map()
        .into_iter()
        .map(|(name, value)| (name, Value::String(value)))
        .collect()
}

#[test]
fn flags_endpoint_matches_mesos() {
    let golden = golden("master-http/flags.json");
    let ours = json!({ "flags": ours() });
    // Same keys in the same (sorted) order, same value strings.
    assert_eq!(
        serde_json::to_string_pretty(&ours).unwrap(),
        serde_json::to_string_pretty(&golden).unwrap()
    );
}

#[test]
fn get_flags_matches_mesos() {
    let golden = golden("master-api-v1/GET_FLAGS.json-to-json.json");
    let flags: Vec<Value> = ours()
        .into_iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();
    let ours = json!({ "type": "GET_FLAGS", "get_flags": { "flags": flags } });
    assert_eq!(ours, golden);
}
