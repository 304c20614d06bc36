//! Our `/version` against a real Mesos 1.11 master's: same keys, same order,
//! same JSON types, same Mesos version.

use std::path::PathBuf;

use serde_json::Value;
use version::VersionInfo;

fn golden() -> serde_json::Map<String, Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/golden/mesos-1.11/s5-endpoints/pretty/master-http/version.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden file {} is missing: {e}", path.display()));
    match serde_json::from_str(&text).expect("golden files are JSON") {
        Value::Object(object) => object,
        other => panic!("golden /version is not an object: {other}"),
    }
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        _ => "other",
    }
}

#[test]
fn version_has_the_golden_shape() {
    let golden = golden();
    let ours = VersionInfo {
        git_sha: Some("0123456789abcdef0123456789abcdef01234567".to_owned()),
        git_tag: Some("v0.1.0".to_owned()),
        ..VersionInfo::current()
    }
    .to_json();
    let ours = ours.as_object().expect("an object");

    let keys = |object: &serde_json::Map<String, Value>| -> Vec<String> {
        object.keys().cloned().collect()
    };
    assert_eq!(keys(ours), keys(&golden));
    for (key, value) in &golden {
        assert_eq!(type_of(&ours[key]), type_of(value), "{key}");
    }
    assert_eq!(ours["version"], golden["version"]);
}

#[test]
fn build_time_is_written_as_a_float() {
    let info = VersionInfo {
        build_time: 1_606_232_317.0,
        ..VersionInfo::current()
    };
    let body = info.to_json().to_string();
    assert!(body.contains("\"build_time\":1606232317.0"), "{body}");
}
