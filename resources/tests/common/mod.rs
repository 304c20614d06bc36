//! Builders shared by the integration tests.
#![allow(dead_code)] // Each test binary uses its own subset.

use resources::{Resource, Resources};
use serde_json::Value as Json;

/// Resources from `--resources` text with the default role `*`.
pub fn parse(text: &str) -> Resources {
    Resources::parse(text, "*").unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// One resource from its Mesos JSON (any format); panics if invalid.
pub fn resource(json: Json) -> Resource {
    let proto: proto::mesos::Resource = proto::json::from_value(&json).expect("a Resource message");
    Resource::from_proto(&proto).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// The proto of a Mesos JSON resource, unvalidated.
pub fn proto(json: Json) -> proto::mesos::Resource {
    proto::json::from_value(&json).expect("a Resource message")
}

/// `disk` of `mb` megabytes reserved to `role`, a persistent volume `id`
/// mounted at `path`, optionally shared.
pub fn volume(mb: f64, role: &str, id: &str, path: &str, shared: bool) -> Resource {
    let mut json = serde_json::json!({
        "name": "disk", "type": "SCALAR", "scalar": {"value": mb},
        "reservations": [{"type": "STATIC", "role": role}],
        "disk": {
            "persistence": {"id": id, "principal": "principal1"},
            "volume": {"container_path": path, "mode": "RW"}
        }
    });
    if shared {
        json["shared"] = serde_json::json!({});
    }
    resource(json)
}

/// A dynamic reservation for `role` by `principal`.
pub fn dynamic(role: &str, principal: &str) -> Json {
    serde_json::json!({"type": "DYNAMIC", "role": role, "principal": principal})
}
