//! Hostile or broken input gets a 4xx or a closed socket, and the runtime
//! keeps serving.

mod common;

use std::time::Duration;

use common::{Recorder, exchange, exchange_raw, get, request};
use libprocess::{Config, Runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn strict_runtime() -> Runtime {
    let runtime = common::start_with(Config {
        max_body_bytes: 1024,
        header_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_millis(300),
        ..Config::loopback()
    })
    .await;
    let (recorder, _events) = Recorder::new(vec!["n"]);
    runtime.spawn("master", recorder).unwrap();
    runtime
}

async fn still_serving(runtime: &Runtime) {
    assert_eq!(
        get(runtime.address(), "/metrics/snapshot").await.status,
        200
    );
    let message = request(
        runtime.address(),
        "POST /master/n HTTP/1.1\r\nLibprocess-From: a@127.0.0.1:1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    assert_eq!(message.status, 202);
}

/// Waits for the server to close the connection, returning what it sent.
async fn until_closed(mut stream: TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    tokio::time::timeout(common::PATIENCE, stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection")
        .ok();
    received
}

#[tokio::test]
async fn garbage_bytes_close_the_connection() {
    let runtime = strict_runtime().await;
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"\x00\x01\x02\x03\xff\xfe\r\n\r\n",
        b"GET /master HTTP/9.9\r\n\r\n",
        b"POST /master/n HTTP/1.1\r\nTransfer-Encoding: chunked\r\nLibprocess-From: a@127.0.0.1:1\r\n\r\nzz\r\n",
    ] {
        let answer = exchange_raw(runtime.address(), garbage).await;
        let responses = common::parse_responses(&answer);
        assert!(
            responses.iter().all(|response| (400..500).contains(&response.status)),
            "{garbage:?} got {responses:?}"
        );
    }
    still_serving(&runtime).await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn bodies_over_the_cap_get_413_and_a_closed_connection() {
    let runtime = strict_runtime().await;
    let big = vec![b'x'; 4096];
    for head in [
        "POST /master/n HTTP/1.1\r\nLibprocess-From: a@127.0.0.1:1\r\nContent-Length: 4096\r\n\r\n",
        "POST /master/state HTTP/1.1\r\nContent-Length: 4096\r\n\r\n",
        "POST /master/n HTTP/1.1\r\nLibprocess-From: a@127.0.0.1:1\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n",
    ] {
        let mut bytes = head.as_bytes().to_vec();
        bytes.extend_from_slice(&big);
        let responses = exchange(runtime.address(), &bytes).await;
        assert_eq!(responses.len(), 1, "{head}");
        assert_eq!(responses[0].status, 413, "{head}");
    }
    still_serving(&runtime).await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn slow_requests_get_408_and_a_closed_connection() {
    let runtime = strict_runtime().await;

    // Headers that never finish.
    let mut slow_headers = TcpStream::connect(runtime.address()).await.unwrap();
    slow_headers
        .write_all(b"GET /metrics/snapshot HTTP/1.1\r\nHost:")
        .await
        .unwrap();

    // A body that never finishes.
    let mut slow_body = TcpStream::connect(runtime.address()).await.unwrap();
    slow_body
        .write_all(b"POST /master/n HTTP/1.1\r\nLibprocess-From: a@127.0.0.1:1\r\nContent-Length: 100\r\n\r\nonly a bit")
        .await
        .unwrap();

    for stream in [slow_headers, slow_body] {
        let answer = common::parse_responses(&until_closed(stream).await);
        assert_eq!(
            answer.iter().map(|r| r.status).collect::<Vec<_>>(),
            vec![408]
        );
    }
    still_serving(&runtime).await;
    runtime.shutdown().await;
}

/// A libprocess peer may open a connection (to link) and stay silent for
/// hours; libprocess keeps such connections, and so do we. Only a request
/// that has begun is timed.
#[tokio::test(start_paused = true)]
async fn idle_connections_stay_open_before_and_between_requests() {
    let runtime = strict_runtime().await;
    let mut idle = TcpStream::connect(runtime.address()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    idle.write_all(b"GET /metrics/snapshot HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let answered = |received: &[u8]| {
        common::parse_responses(received)
            .first()
            .is_some_and(|response| {
                response.header("Content-Length") == Some(&response.body.len().to_string())
            })
    };
    while !answered(&received) {
        let read = idle.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the server closed an idle connection");
        received.extend_from_slice(&buffer[..read]);
    }
    tokio::time::sleep(Duration::from_secs(3600)).await;
    idle.write_all(b"GET /metrics/snapshot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answers = common::parse_responses(&until_closed(idle).await);
    assert_eq!(
        answers.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![200]
    );
    still_serving(&runtime).await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn malformed_paths_and_senders_are_answered_not_fatal() {
    let runtime = strict_runtime().await;
    let address = runtime.address();
    let cases = [
        // Not an origin-form path.
        (
            "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            400,
        ),
        // A sender that is not a UPID is taken as the empty UPID.
        (
            "POST /master/n HTTP/1.1\r\nLibprocess-From: this is not a upid\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            202,
        ),
        // An undecodable receiver id.
        (
            "POST /ma%zzster/n HTTP/1.1\r\nLibprocess-From: a@127.0.0.1:1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            500,
        ),
        // A message with no name to a live process.
        (
            "POST /master HTTP/1.1\r\nLibprocess-From: a@127.0.0.1:1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            202,
        ),
        ("GET /%zz/state HTTP/1.1\r\nConnection: close\r\n\r\n", 404),
    ];
    for (text, status) in cases {
        let responses = exchange(address, text.as_bytes()).await;
        assert_eq!(
            responses.iter().map(|r| r.status).collect::<Vec<_>>(),
            vec![status],
            "{text}"
        );
    }
    still_serving(&runtime).await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn many_abandoned_connections_leave_the_runtime_serving() {
    let runtime = strict_runtime().await;
    let mut abandoned = Vec::new();
    for i in 0..200 {
        let mut stream = TcpStream::connect(runtime.address()).await.unwrap();
        if i % 2 == 0 {
            let _ = stream
                .write_all(b"POST /master/n HTTP/1.1\r\nContent-Length: 50\r\n\r\n")
                .await;
        }
        abandoned.push(stream);
    }
    drop(abandoned);
    still_serving(&runtime).await;
    runtime.shutdown().await;
}
