//! `/master/state` and `/master/slaves` (and their bare aliases) in Mesos's
//! JSON shape: with the golden agent registered, keys and nesting equal the
//! golden captures of a Mesos 1.11 master, and the agent's values are the
//! golden agent's.

mod common;

use common::FakeAgent;
use serde_json::{Value as Json, json};

fn golden(path: &str) -> Json {
    let file = testkit::golden_dir()
        .join("s5-endpoints/pretty/master-http")
        .join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("golden file {} is needed: {e}", file.display()));
    serde_json::from_str(&text).unwrap()
}

/// Same keys (in any order) at every level and the same JSON type for each
/// value; arrays are compared element by element where both have one.
/// Values themselves (ids, times, counts) are not compared.
fn assert_same_shape(ours: &Json, theirs: &Json, path: &str) {
    match (ours, theirs) {
        (Json::Object(a), Json::Object(b)) => {
            let mut ka: Vec<_> = a.keys().collect();
            let mut kb: Vec<_> = b.keys().collect();
            ka.sort();
            kb.sort();
            assert_eq!(ka, kb, "{path}: keys");
            for (key, value) in a {
                assert_same_shape(value, &b[key], &format!("{path}.{key}"));
            }
        }
        (Json::Array(a), Json::Array(b)) => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same_shape(x, y, &format!("{path}[{index}]"));
            }
        }
        (Json::Number(_), Json::Number(_))
        | (Json::String(_), Json::String(_))
        | (Json::Bool(_), Json::Bool(_)) => {}
        _ => panic!("{path}: {ours} is not shaped like {theirs}"),
    }
}

/// The golden state with what a build or configuration decides (the git
/// facts, the flag set) set aside, and the frameworks lists empty: no
/// frameworks are served yet.
fn comparable(mut state: Json, ours: &Json) -> Json {
    let object = state.as_object_mut().unwrap();
    for key in ["git_sha", "git_tag"] {
        if ours.get(key).is_none() {
            object.remove(key);
        }
    }
    object.insert("flags".into(), json!({}));
    for key in ["frameworks", "completed_frameworks"] {
        object.insert(key.into(), json!([]));
    }
    state
}

#[tokio::test]
async fn state_is_shaped_as_mesos_with_the_golden_agent() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;

    let golden_state = golden("master_state.json");
    for path in ["/master/state", "/state"] {
        let mut state = common::get_json(&master, path).await;
        let flags = state["flags"].take();
        assert_eq!(
            flags["registry"], "in_memory",
            "{path}: flags as /flags shows them"
        );
        state["flags"] = json!({});
        assert_same_shape(&state, &comparable(golden_state.clone(), &state), path);

        assert_eq!(state["id"], master.info.id.as_str());
        assert_eq!(state["pid"], master.info.pid());
        assert_eq!(state["leader"], master.info.pid());
        assert_eq!(state["leader_info"]["id"], master.info.id.as_str());
        assert_eq!(state["capabilities"], golden_state["capabilities"]);
        assert_eq!(state["activated_slaves"], 1.0);
        assert_eq!(state["slaves"][0]["id"], id.as_str());
        assert_eq!(state["frameworks"], json!([]));
        assert_eq!(state["orphan_tasks"], json!([]));
    }
}

#[tokio::test]
async fn slaves_lists_agents_as_mesos_does() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;

    let golden_slaves = golden("master_slaves.json");
    let golden_agent = &golden_slaves["slaves"][0];
    for path in ["/master/slaves", "/slaves"] {
        let slaves = common::get_json(&master, path).await;
        assert_same_shape(&slaves, &golden_slaves, path);
        let ours = &slaves["slaves"][0];
        assert_eq!(ours["id"], id.as_str());
        assert_eq!(ours["pid"], agent.upid().to_string());
        assert_eq!(ours["port"], agent.port());
        for same in [
            "hostname",
            "attributes",
            "resources",
            "unreserved_resources",
            "reserved_resources",
            "reserved_resources_full",
            "unreserved_resources_full",
            "active",
            "deactivated",
            "version",
            "capabilities",
        ] {
            assert_eq!(ours[same], golden_agent[same], "{path}: {same}");
        }
        // Nothing is used or offered without frameworks.
        assert_eq!(ours["used_resources"]["cpus"], 0.0);
        assert_eq!(ours["offered_resources_full"], json!([]));
        assert_eq!(slaves["recovered_slaves"], json!([]));
    }
}

#[tokio::test]
async fn jsonp_wraps_the_state_in_a_callback() {
    let master = common::start(&[]).await;
    let (status, body) = common::get(&master, "/master/slaves?jsonp=cb").await;
    assert_eq!(status, 200);
    let body = String::from_utf8(body).unwrap();
    assert!(body.starts_with("cb(") && body.ends_with(");"), "{body}");
}
