//! `@dcos/mesos-client` 1.0.0 — the npm operator API client of the DC/OS
//! UI, which nobody here wrote — talks to our master under Node: its
//! `request` gets GET_VERSION and GET_STATE answers, and its `stream` reads
//! a SUBSCRIBE event stream in RecordIO, seeing SUBSCRIBED with the
//! master's state and then AGENT_ADDED when an agent registers.
//!
//! The test installs the package itself (`testkit::npm_packages`, with the
//! `xhr2` polyfill the browser code needs under Node); it needs Node and
//! npm (`cargo xtask setup`) and the npm registry on its first run.

mod common;

use std::path::Path;
use std::process::Stdio;

use common::{FakeAgent, PATIENCE};
use serde_json::Value as Json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

const PACKAGES: [&str; 2] = ["@dcos/mesos-client@1.0.0", "xhr2@0.2.1"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesos_client_calls_and_follows_the_event_stream() {
    let modules = testkit::npm_packages(&PACKAGES);
    let master = common::start(&[]).await;
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/mesos_client_operator.js");
    let api = format!("http://{}/api/v1", master.runtime.address());
    let mut client = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&modules)
        .arg(&api)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (Debian package nodejs: run `cargo xtask setup`)");
    let mut lines = BufReader::new(client.stdout.take().unwrap()).lines();
    let mut stderr = client.stderr.take().unwrap();
    let mut seen: Vec<Json> = Vec::new();
    let mut agent = None;

    let followed = tokio::time::timeout(PATIENCE, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let record: Json = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            // The agent registers once the client is subscribed, so that
            // its arrival can only reach the client as an event.
            if record["event"]["type"] == "SUBSCRIBED" {
                let mut fake = FakeAgent::start(&master).await;
                let id = fake.register().await;
                agent = Some((fake, id));
            }
            seen.push(record);
        }
        client.wait().await.unwrap()
    })
    .await;
    if followed.is_err() {
        client.start_kill().unwrap();
    }
    let mut errors = String::new();
    stderr.read_to_string(&mut errors).await.unwrap();
    let status = followed.unwrap_or_else(|_| panic!("the client still runs: {errors}\n{seen:#?}"));
    assert!(status.success(), "{status}: {errors}\n{seen:#?}");

    let answer = |call: &str| {
        seen.iter()
            .find(|record| record["call"] == call)
            .map(|record| &record["response"])
            .unwrap_or_else(|| panic!("no {call} answer: {seen:#?}"))
    };
    let version = answer("GET_VERSION");
    assert_eq!(version["type"], "GET_VERSION");
    assert_eq!(version["get_version"]["version_info"]["version"], "1.11.0");
    let state = answer("GET_STATE");
    assert_eq!(state["type"], "GET_STATE");
    assert!(state["get_state"]["get_agents"].is_object(), "{state:#}");

    let events: Vec<&Json> = seen
        .iter()
        .filter_map(|record| record.get("event"))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"SUBSCRIBED"), "{seen:#?}");
    assert_eq!(kinds.last(), Some(&"AGENT_ADDED"), "{seen:#?}");
    let subscribed = &events[0]["subscribed"];
    assert_eq!(
        subscribed["get_state"]["get_agents"],
        state["get_state"]["get_agents"]
    );
    let (agent, agent_id) = agent.expect("an agent registered");
    let added = &events.last().unwrap()["agent_added"]["agent"];
    assert_eq!(added["agent_info"]["id"]["value"], agent_id.as_str());
    assert_eq!(added["active"], true);

    agent.kill().await;
    master.runtime.shutdown().await;
}
