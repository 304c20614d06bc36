//! HTTP requests reach process endpoints: `/<id>/<path>`, longest match,
//! delegate aliases, request filter, deferred and streaming responses.

mod common;

use std::time::Duration;

use common::get;
use http::StatusCode;
use libprocess::{Config, Context, Process, Reply, Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Answers every route with the route name and the path it saw.
struct Endpoints {
    disconnected: Option<tokio::sync::oneshot::Sender<()>>,
}

fn echo(
    route: &'static str,
) -> impl FnMut(&mut Endpoints, &mut Context<Endpoints>, Request) -> Reply + Send {
    move |_, _, request| {
        let query = request.query_param("q").unwrap_or_default();
        Response::ok(format!("{route} {} {query}", request.path())).into()
    }
}

impl Process for Endpoints {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route("/state", echo("state"));
        ctx.route("/a/b", echo("a/b"));
        ctx.route("/", echo("root"));
        ctx.route("/later", |_, _, _| {
            Reply::later(async {
                tokio::task::yield_now().await;
                Response::text(StatusCode::OK, "deferred")
            })
        });
        ctx.route("/stream", |this: &mut Endpoints, _, _| {
            let (response, pipe) = Response::stream(StatusCode::OK, 16);
            pipe.write("5\nhello").unwrap();
            let closed = pipe.closed();
            let notify = this.disconnected.take();
            tokio::spawn(async move {
                closed.await;
                drop(pipe);
                if let Some(notify) = notify {
                    let _ = notify.send(());
                }
            });
            response.into()
        });
    }
}

async fn start_master() -> (libprocess::Runtime, tokio::sync::oneshot::Receiver<()>) {
    let runtime = common::start_with(Config {
        delegate: Some("master".into()),
        ..Config::loopback()
    })
    .await;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    runtime
        .spawn(
            "master",
            Endpoints {
                disconnected: Some(sender),
            },
        )
        .unwrap();
    (runtime, receiver)
}

#[tokio::test]
async fn requests_reach_the_longest_matching_route() {
    let (runtime, _) = start_master().await;
    let address = runtime.address();
    assert_eq!(
        get(address, "/master/state").await.text(),
        "state /master/state "
    );
    assert_eq!(
        get(address, "/master/state/").await.text(),
        "state /master/state/ "
    );
    assert_eq!(
        get(address, "/master/state?q=a%20b").await.text(),
        "state /master/state a b"
    );
    assert_eq!(
        get(address, "/master/a/b/c/d").await.text(),
        "a/b /master/a/b/c/d "
    );
    assert_eq!(get(address, "/master").await.text(), "root /master ");
    assert_eq!(get(address, "/master/").await.text(), "root /master/ ");
    assert_eq!(get(address, "/master/later").await.text(), "deferred");
    runtime.shutdown().await;
}

#[tokio::test]
async fn bare_paths_go_to_the_delegate() {
    let (runtime, _) = start_master().await;
    let address = runtime.address();
    assert_eq!(get(address, "/state").await.text(), "state /master/state ");
    assert_eq!(get(address, "/a/b").await.text(), "a/b /master/a/b ");
    assert_eq!(get(address, "/").await.text(), "root /master ");
    // Live processes keep their own paths.
    assert_eq!(
        get(address, "/metrics/snapshot")
            .await
            .header("Content-Type"),
        Some("application/json")
    );
    runtime.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_are_404_not_found() {
    let (runtime, _) = start_master().await;
    let address = runtime.address();
    for path in [
        "/master/nonexistent",
        "/master/a",
        "/nonexistent",
        "/master/../master/state",
        "/metrics/nope",
    ] {
        let response = get(address, path).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.text(), "404 Not Found.");
        assert_eq!(
            response.header("Content-Type"),
            Some("text/plain; charset=utf-8")
        );
    }
    runtime.shutdown().await;

    // Without a delegate, bare paths have no receiver.
    let runtime = common::start().await;
    assert_eq!(get(runtime.address(), "/state").await.status, 404);
    assert_eq!(get(runtime.address(), "/").await.status, 404);
    runtime.shutdown().await;
}

#[tokio::test]
async fn the_request_filter_answers_before_dispatch() {
    let (runtime, _) = start_master().await;
    runtime.set_request_filter(|request: &Request| {
        (request.path() == "/master/state")
            .then(|| Response::forbidden("Endpoint '/state' is disabled"))
    });
    let address = runtime.address();
    let refused = get(address, "/state").await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.text(), "Endpoint '/state' is disabled");
    assert_eq!(get(address, "/master/a/b").await.status, 200);
    runtime.shutdown().await;
}

#[tokio::test]
async fn streaming_responses_are_chunked_and_notice_the_client_leaving() {
    let (runtime, disconnected) = start_master().await;
    let mut stream = TcpStream::connect(runtime.address()).await.unwrap();
    stream
        .write_all(b"POST /master/stream HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&received).contains("5\nhello") {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "stream ended early");
        received.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("Transfer-Encoding: chunked"), "{text}");
    drop(stream);
    tokio::time::timeout(Duration::from_secs(20), disconnected)
        .await
        .expect("the disconnection is noticed")
        .unwrap();
    runtime.shutdown().await;
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order_and_http10_is_served() {
    let (runtime, _) = start_master().await;
    let responses = common::exchange(
        runtime.address(),
        b"GET /master/later HTTP/1.1\r\nHost: x\r\n\r\nGET /master/state HTTP/1.1\r\nHost: x\r\n\r\nGET /nope/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    let bodies: Vec<_> = responses.iter().map(|r| (r.status, r.text())).collect();
    assert_eq!(
        bodies,
        vec![
            (200, "deferred".to_owned()),
            (200, "state /master/state ".to_owned()),
            (404, "404 Not Found.".to_owned()),
        ]
    );
    // Like libprocess, HTTP/1.0 requests get HTTP/1.1 answers, and the
    // connection closes after them (`request` reads until it does).
    let old = common::request(runtime.address(), "GET /master/state HTTP/1.0\r\n\r\n").await;
    assert_eq!(old.status_line, "HTTP/1.1 200 OK");
    runtime.shutdown().await;
}
