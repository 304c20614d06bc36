//! Replays the libprocess requests captured from a real Mesos 1.11 master and
//! agent (the project's golden data) against test processes, and checks that
//! each gets the status the real one gave.
//!
//! The golden data lives beside the repository in
//! `shared/golden/mesos-1.11/`; `MESOS_GOLDEN_DIR` overrides that.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use base64::Engine as _;
use common::{Recorded, Recorder, next};
use libprocess::{Config, Runtime};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn golden_dir() -> PathBuf {
    let dir = std::env::var_os("MESOS_GOLDEN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/golden/mesos-1.11")
        });
    assert!(
        dir.join("README.md").exists(),
        "golden data not found at {}; set MESOS_GOLDEN_DIR",
        dir.display()
    );
    dir
}

/// One captured request and the status the real process answered.
struct Exchange {
    scenario: &'static str,
    seq: u64,
    bytes: Vec<u8>,
    to_process: Option<String>,
    message: Option<String>,
    body: Vec<u8>,
    status: u16,
}

fn load(scenario: &'static str) -> Vec<Exchange> {
    let text = std::fs::read_to_string(golden_dir().join(scenario).join("messages.jsonl")).unwrap();
    let records: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let status_of = |seq: u64| {
        records
            .iter()
            .find(|r| r["kind"] == "response" && r["in_reply_to_seq"].as_u64() == Some(seq))
            .and_then(|r| r["status"].as_u64())
    };
    records
        .iter()
        .filter(|r| r["kind"] == "request")
        .filter_map(|r| {
            let seq = r["seq"].as_u64().unwrap();
            let status = status_of(seq)? as u16;
            let is_message = r["message"].is_string();
            // Besides messages, the plain 404s of paths no process serves are
            // libprocess's own behaviour, not the master's.
            if !is_message && status != 404 {
                return None;
            }
            let body = base64::engine::general_purpose::STANDARD
                .decode(r["body_b64"].as_str().unwrap_or(""))
                .unwrap();
            Some(Exchange {
                scenario,
                seq,
                bytes: rebuild(r, &body),
                to_process: r["to_process"].as_str().map(str::to_owned),
                message: r["message"].as_str().map(str::to_owned),
                body,
                status,
            })
        })
        .collect()
}

/// The request as it was on the wire: start line, headers in order, and
/// the body (re-chunked as one chunk when it was chunked).
fn rebuild(record: &Value, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("{}\r\n", record["start_line"].as_str().unwrap()).into_bytes();
    let mut chunked = false;
    for header in record["headers"].as_array().unwrap() {
        let (name, value) = (header[0].as_str().unwrap(), header[1].as_str().unwrap());
        chunked |= name.eq_ignore_ascii_case("transfer-encoding");
        bytes.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    bytes.extend_from_slice(b"\r\n");
    if chunked {
        if !body.is_empty() {
            bytes.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
            bytes.extend_from_slice(body);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"0\r\n\r\n");
    } else {
        bytes.extend_from_slice(body);
    }
    bytes
}

/// Reads exactly one response (the connection stays open, as libprocess
/// peers keep it).
async fn read_response(stream: &mut TcpStream) -> common::RawResponse {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let responses = common::parse_responses(&received);
        if let Some(response) = responses.first() {
            let complete = response
                .header("Content-Length")
                .is_none_or(|length| response.body.len() == length.parse::<usize>().unwrap());
            if complete {
                return response.clone();
            }
        }
        let read = tokio::time::timeout(common::PATIENCE, stream.read(&mut buffer))
            .await
            .expect("a response arrives")
            .unwrap();
        assert!(read > 0, "connection closed without a response");
        received.extend_from_slice(&buffer[..read]);
    }
}

async fn replay(scenario: &'static str) {
    let exchanges = load(scenario);
    assert!(!exchanges.is_empty(), "{scenario} has libprocess requests");
    let runtime = Runtime::start(Config {
        delegate: Some("master".into()),
        ..Config::loopback()
    })
    .await
    .unwrap();
    // Every process the captures address exists here, except the one the
    // real master did not have either.
    let ids: BTreeSet<String> = exchanges
        .iter()
        .filter_map(|e| e.to_process.clone())
        .chain(["master".to_owned()])
        .filter(|id| id != "nonexistent")
        .collect();
    let names: Vec<&'static str> = exchanges
        .iter()
        .filter_map(|e| e.message.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|name| &*Box::leak(name.into_boxed_str()))
        .collect();
    let mut inboxes = Vec::new();
    for id in &ids {
        let (recorder, events) = Recorder::new(names.clone());
        runtime.spawn(id.as_str(), recorder).unwrap();
        inboxes.push((id.clone(), events));
    }

    let mut stream = TcpStream::connect(runtime.address()).await.unwrap();
    for exchange in &exchanges {
        stream.write_all(&exchange.bytes).await.unwrap();
        let response = read_response(&mut stream).await;
        assert_eq!(
            response.status,
            exchange.status,
            "{} seq {}: {}",
            exchange.scenario,
            exchange.seq,
            String::from_utf8_lossy(&exchange.bytes[..exchange.bytes.len().min(200)])
        );
        match response.status {
            202 => assert_eq!(response.header("Content-Length"), Some("0")),
            404 => assert_eq!(response.text(), "404 Not Found."),
            _ => {}
        }
        // A delivered message reaches its process intact.
        if response.status == 202 {
            let to = exchange.to_process.as_deref().unwrap();
            let (_, inbox) = inboxes.iter_mut().find(|(id, _)| id == to).unwrap();
            let Recorded::Message { name, body, .. } = next(inbox).await else {
                panic!()
            };
            assert_eq!(Some(name), exchange.message.clone());
            assert_eq!(body, exchange.body);
        }
    }
    runtime.shutdown().await;
}

#[tokio::test]
async fn agent_registration_messages_get_the_masters_statuses() {
    replay("s1-agent-registration").await;
}

#[tokio::test]
async fn v0_driver_messages_get_the_masters_statuses() {
    replay("s4-v0-driver").await;
}

#[tokio::test]
async fn v1_scheduler_cluster_messages_get_the_masters_statuses() {
    replay("s2-v1-scheduler-protobuf").await;
}

#[tokio::test]
async fn error_cases_get_the_masters_statuses() {
    replay("s6-errors").await;
}

#[tokio::test]
async fn a_garbage_request_line_gets_no_success() {
    let runtime = Runtime::start(Config::loopback()).await.unwrap();
    // The real master closed the connection without answering; hyper may
    // first write a 400. Either way nothing succeeds and the socket closes.
    let answer = common::exchange_raw(runtime.address(), b"GARBAGE\r\n\r\n").await;
    assert!(
        common::parse_responses(&answer)
            .iter()
            .all(|r| r.status == 400)
    );
    runtime.shutdown().await;
}
