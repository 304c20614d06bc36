//! The v1 operator API (`/api/v1`): every call the golden Mesos 1.11 master
//! answered is sent with the golden request's headers and body, and our
//! answer has its status, content type and shape — JSON and protobuf alike.
//! Errors are answered with Mesos's status codes and messages.

mod common;

use base64::Engine as _;
use common::FakeAgent;
use common::shapes::{self, Lists};
use prost::Message as _;
use proto::mesos::v1::master::Response as V1Response;
use serde_json::Value as Json;

const GROUP: &str = "master-api-v1";

/// One request of the golden index, with the golden answer's status,
/// content type and body file.
struct GoldenCall {
    file: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    status: u16,
    content_type: Option<String>,
}

fn golden_calls() -> Vec<GoldenCall> {
    let index = shapes::golden(GROUP, "index.json");
    let header = |headers: &Json, name: &str| {
        headers
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == name)
            .map(|h| h[1].as_str().unwrap().to_owned())
    };
    index
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let request = &entry["request"];
            let content_type = header(&request["headers"], "Content-Type");
            let text = request["body"].as_str().unwrap();
            let body = if content_type.as_deref() == Some("application/x-protobuf") {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap()
            } else {
                text.as_bytes().to_vec()
            };
            let headers = ["Content-Type", "Accept"]
                .into_iter()
                .filter_map(|name| Some((name.to_owned(), header(&request["headers"], name)?)))
                .collect();
            GoldenCall {
                file: entry["file"].as_str().unwrap().to_owned(),
                path: request["path"].as_str().unwrap().to_owned(),
                headers,
                body,
                status: entry["response"]["status"].as_u64().unwrap() as u16,
                content_type: header(&entry["response"]["headers"], "Content-Type"),
            }
        })
        .collect()
}

/// The golden answer as JSON: a protobuf one decoded and mapped.
fn golden_answer(file: &str) -> Json {
    if let Some(stem) = file.strip_suffix(".pb.txt") {
        let path = testkit::golden_dir()
            .join("s5-endpoints/pretty")
            .join(GROUP)
            .join(format!("{stem}.pb.bin"));
        let bytes = std::fs::read(&path).unwrap();
        return proto::json::to_value(&V1Response::decode(bytes.as_slice()).unwrap());
    }
    shapes::golden(GROUP, file)
}

#[tokio::test]
async fn every_golden_call_is_answered_as_mesos_answers_it() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;

    for call in golden_calls() {
        let headers: Vec<(&str, &str)> = call
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let answer = common::request(&master, "POST", &call.path, &headers, &call.body).await;
        let name = &call.file;
        assert_eq!(answer.status, call.status, "{name}: {}", answer.text());
        assert_eq!(
            answer.header("content-type"),
            call.content_type.as_deref(),
            "{name}"
        );
        if call.status != 200 {
            let golden = std::fs::read_to_string(
                testkit::golden_dir()
                    .join("s5-endpoints/pretty")
                    .join(GROUP)
                    .join(name),
            )
            .unwrap();
            assert_eq!(answer.text(), golden, "{name}");
            continue;
        }
        let ours = if answer.header("content-type") == Some("application/x-protobuf") {
            proto::json::to_value(&V1Response::decode(answer.body.as_slice()).unwrap())
        } else {
            answer.json()
        };
        let mut golden = golden_answer(name);
        // Whether a build has a git commit and tag is the build's business.
        if let Some(Json::Object(info)) = golden.pointer_mut("/get_version/version_info") {
            for key in ["git_sha", "git_tag"] {
                if ours["get_version"]["version_info"].get(key).is_none() {
                    info.remove(key);
                }
            }
        }
        shapes::assert_same_shape(&ours, &golden, Lists::OmittedWhenEmpty, name);
        if name.starts_with("GET_AGENTS") {
            assert_eq!(
                ours["get_agents"]["agents"][0]["agent_info"]["id"]["value"],
                id.as_str()
            );
        }
    }
}

#[tokio::test]
async fn malformed_calls_are_refused_as_mesos_refuses_them() {
    let master = common::start(&[]).await;
    let json = [("Content-Type", "application/json")];
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: [(&str, Headers<'_>, &[u8], u16, &str); 6] = [
        (
            "GET",
            &json,
            b"{}",
            405,
            "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.",
        ),
        (
            "POST",
            &[],
            b"{}",
            400,
            "Expecting 'Content-Type' to be present",
        ),
        (
            "POST",
            &[("Content-Type", "text/plain")],
            b"{}",
            415,
            "Expecting 'Content-Type' of application/json or application/x-protobuf",
        ),
        (
            "POST",
            &json,
            b"{\"type\":\"NO_SUCH_CALL\"}",
            400,
            "Failed to validate master::Call: Expecting 'type' to be present",
        ),
        (
            "POST",
            &json,
            b"{\"type\":\"SET_LOGGING_LEVEL\"}",
            400,
            "Failed to validate master::Call: Expecting 'set_logging_level' to be present",
        ),
        (
            "POST",
            &[
                ("Content-Type", "application/json"),
                ("Accept", "text/html"),
            ],
            b"{\"type\":\"GET_HEALTH\"}",
            406,
            "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'",
        ),
    ];
    for (method, headers, body, status, text) in cases {
        let answer = common::request(&master, method, "/api/v1", headers, body).await;
        assert_eq!(
            (answer.status, answer.text().as_str()),
            (status, text),
            "{method} {headers:?} {body:?}"
        );
    }
    let answer = common::request(&master, "POST", "/api/v1", &json, b"oops").await;
    assert_eq!(answer.status, 400);
    assert!(
        answer
            .text()
            .starts_with("Failed to parse body into JSON: "),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn logging_level_is_set_for_a_while_and_read_back() {
    let master = common::start(&[]).await;
    let json = [("Content-Type", "application/json")];
    let set = br#"{"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":3,"duration":{"nanoseconds":3600000000000}}}"#;
    let answer = common::request(&master, "POST", "/api/v1", &json, set).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let answer = common::request(
        &master,
        "POST",
        "/api/v1",
        &json,
        br#"{"type":"GET_LOGGING_LEVEL"}"#,
    )
    .await;
    assert_eq!(answer.json()["get_logging_level"]["level"], 3);
}
