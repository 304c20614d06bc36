//! The read-only JSON endpoints (and their bare aliases) in Mesos's JSON
//! shape: with the golden agent registered, keys and nesting equal the
//! golden captures of a Mesos 1.11 master, and the agent's values are the
//! golden agent's.

mod common;

use common::FakeAgent;
use common::shapes::{self, Lists};
use serde_json::{Value as Json, json};

fn golden(file: &str) -> Json {
    shapes::golden("master-http", file)
}

fn assert_same_shape(ours: &Json, theirs: &Json, path: &str) {
    shapes::assert_same_shape(ours, theirs, Lists::Always, path);
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
    assert!(body.starts_with("cb(") && body.ends_with(')'), "{body}");
}

/// `/master/state` and `/master/frameworks` are streamed as they are
/// written (chunked), gzipped by the master when the client accepts it.
#[tokio::test]
async fn the_state_streams_plain_gzipped_and_as_jsonp() {
    use std::io::Read as _;
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    for path in ["/master/state", "/master/frameworks"] {
        let plain = common::request(&master, "GET", path, &[], b"").await;
        assert_eq!(plain.status, 200, "{path}");
        assert_eq!(plain.header("transfer-encoding"), Some("chunked"), "{path}");
        assert_eq!(plain.header("content-type"), Some("application/json"));

        let gzipped =
            common::request(&master, "GET", path, &[("Accept-Encoding", "gzip")], b"").await;
        assert_eq!(gzipped.header("content-encoding"), Some("gzip"), "{path}");
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(gzipped.body.as_slice())
            .read_to_end(&mut unzipped)
            .unwrap();
        let unzipped: Json = serde_json::from_slice(&unzipped).unwrap();
        assert_eq!(
            unzipped,
            plain.json(),
            "{path}: the same document either way"
        );

        let jsonp = common::request(&master, "GET", &format!("{path}?jsonp=cb"), &[], b"").await;
        assert_eq!(jsonp.header("content-type"), Some("text/javascript"));
        let text = jsonp.text();
        let inner = text
            .strip_prefix("cb(")
            .and_then(|rest| rest.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{path}: {text}"));
        assert_eq!(serde_json::from_str::<Json>(inner).unwrap(), plain.json());
    }
}

#[tokio::test]
async fn summary_and_flags_are_shaped_as_mesos() {
    // The golden master ran with a work_dir, so its flags list one.
    let work_dir = tempfile::tempdir().unwrap();
    let work_dir_flag = format!("--work_dir={}", work_dir.path().display());
    let master = common::start(&[&work_dir_flag]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;

    let summary = common::get_json(&master, "/master/state-summary").await;
    let mut golden_summary = golden("master_state-summary.json");
    // The golden cluster ran frameworks; this master has none yet.
    golden_summary["frameworks"] = json!([]);
    golden_summary["slaves"][0]["framework_ids"] = json!([]);
    assert_same_shape(&summary, &golden_summary, "/master/state-summary");
    assert_eq!(summary["slaves"][0]["id"], id.as_str());
    assert_eq!(summary["slaves"][0]["TASK_RUNNING"], 0);

    for path in ["/master/flags", "/flags"] {
        let flags = common::get_json(&master, path).await;
        assert_same_shape(&flags, &golden("master_flags.json"), path);
        assert_eq!(flags["flags"]["registry"], "in_memory");
    }
}
