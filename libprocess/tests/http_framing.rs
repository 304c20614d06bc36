//! HTTP/1.1 as the listener speaks it on the wire: every body framing a
//! peer may use, pipelining, answers shaped like libprocess's, `Expect:
//! 100-continue`, `HEAD`, gzip for clients that accept it, and files.

mod common;

use std::io::Read as _;

use common::{Recorded, Recorder, exchange_raw, next};
use http::StatusCode;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderValue};
use libprocess::{Config, Context, Process, Reply, Request, Response, Runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Serves bodies of the size asked for in the query.
struct Bodies;

impl Process for Bodies {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route("/bytes", |_, _, request: Request| -> Reply {
            let size: usize = request.query_param("size").unwrap().parse().unwrap();
            let body = "0123456789abcdef".repeat(size / 16 + 1)[..size].to_owned();
            let response = Response::ok(body);
            match request.query_param("encoding") {
                Some(encoding) => response
                    .with_header(CONTENT_ENCODING, HeaderValue::from_str(&encoding).unwrap()),
                None => response,
            }
            .into()
        });
        ctx.route("/echo", |_, _, request: Request| -> Reply {
            Response::text(StatusCode::OK, request.body().clone()).into()
        });
        ctx.route("/file", |_, _, request: Request| -> Reply {
            Response::file(request.query_param("path").unwrap())
                .with_header(CONTENT_TYPE, HeaderValue::from_static("text/plain"))
                .into()
        });
    }
}

async fn start() -> Runtime {
    let runtime = common::start_with(Config {
        delegate: Some("bodies".into()),
        ..Config::loopback()
    })
    .await;
    runtime.spawn("bodies", Bodies).unwrap();
    runtime
}

fn message(head: &str, body: &str) -> String {
    format!("POST /sink/{head}\r\nLibprocess-From: peer(1)@127.0.0.1:7\r\n{body}")
}

#[tokio::test]
async fn pipelined_messages_in_every_framing_arrive_in_order() {
    let runtime = start().await;
    let (recorder, mut events) = Recorder::new(vec!["m"]);
    runtime.spawn("sink", recorder).unwrap();
    let requests = [
        // libprocess's own framing: one chunk.
        message("m HTTP/1.1", "Transfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n0\r\n\r\n"),
        // Go's net/http: a length.
        message("m HTTP/1.1", "Content-Length: 6\r\n\r\nsecond"),
        // Several chunks, an extension and a trailer.
        message(
            "m HTTP/1.1",
            "Transfer-Encoding: chunked\r\n\r\n2;x=y\r\nth\r\n3\r\nird\r\n0\r\nT: v\r\n\r\n",
        ),
        // No body at all, as libprocess sends empty messages.
        message("m HTTP/1.1", "\r\n"),
        // The legacy sender header alone.
        "POST /sink/m HTTP/1.1\r\nUser-Agent: libprocess/old(2)@127.0.0.1:8\r\nContent-Length: 4\r\n\r\nlast"
            .to_owned(),
        // Nobody of that id.
        "POST /nobody/m HTTP/1.1\r\nLibprocess-From: peer(1)@127.0.0.1:7\r\n\r\n".to_owned(),
        message("m HTTP/1.1", "Connection: close\r\nContent-Length: 3\r\n\r\nbye"),
    ]
    .concat();

    // Trickled in small pieces, so requests straddle reads.
    let mut stream = TcpStream::connect(runtime.address()).await.unwrap();
    for piece in requests.as_bytes().chunks(7) {
        stream.write_all(piece).await.unwrap();
        tokio::task::yield_now().await;
    }
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let responses = common::parse_responses(&answer);

    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [202, 202, 202, 202, 202, 404, 202]);
    // libprocess's 202: a date and an empty body, nothing else.
    let names: Vec<&str> = responses[0]
        .headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["Date", "Content-Length"]);
    assert_eq!(responses[0].header("Content-Length"), Some("0"));
    assert_eq!(responses[6].header("Connection"), Some("close"));

    let mut received = Vec::new();
    for _ in 0..6 {
        match next(&mut events).await {
            Recorded::Message { from, body, .. } => {
                received.push((from, String::from_utf8(body).unwrap()))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let peer = "peer(1)@127.0.0.1:7".to_owned();
    assert_eq!(
        received,
        [
            (peer.clone(), "first".to_owned()),
            (peer.clone(), "second".to_owned()),
            (peer.clone(), "third".to_owned()),
            (peer.clone(), String::new()),
            ("old(2)@127.0.0.1:8".to_owned(), "last".to_owned()),
            (peer, "bye".to_owned()),
        ]
    );
    runtime.shutdown().await;
}

#[tokio::test]
async fn expect_100_continue_gets_an_interim_answer_before_the_body() {
    let runtime = start().await;
    let mut stream = TcpStream::connect(runtime.address()).await.unwrap();
    stream
        .write_all(b"POST /bodies/echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let interim = b"HTTP/1.1 100 Continue\r\n\r\n";
    let mut received = vec![0u8; interim.len()];
    stream.read_exact(&mut received).await.unwrap();
    assert_eq!(received, interim);
    stream.write_all(b"hello").await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    let responses = common::parse_responses(&rest);
    assert_eq!(responses.len(), 1);
    assert_eq!(
        (responses[0].status, responses[0].text().as_str()),
        (200, "hello")
    );
    runtime.shutdown().await;
}

#[tokio::test]
async fn head_requests_get_the_headers_without_the_body() {
    let runtime = start().await;
    let answer = exchange_raw(
        runtime.address(),
        b"HEAD /bodies/bytes?size=100 HTTP/1.1\r\nHost: x\r\n\r\nGET /bodies/bytes?size=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    let head_end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = common::parse_responses(&answer[..head_end]);
    assert_eq!(head[0].header("Content-Length"), Some("100"));
    // The next answer follows the headers at once: no body in between.
    let rest = common::parse_responses(&answer[head_end..]);
    assert_eq!(rest.len(), 1);
    assert_eq!((rest[0].status, rest[0].text().as_str()), (200, "012"));
    runtime.shutdown().await;
}

#[tokio::test]
async fn large_bodies_are_gzipped_for_clients_that_accept_it() {
    let runtime = start().await;
    let get = |path: &str, accept: &str| {
        let text = format!("GET {path} HTTP/1.1\r\nHost: x\r\n{accept}Connection: close\r\n\r\n");
        let address = runtime.address();
        async move { common::request(address, &text).await }
    };

    let gzipped = get("/bytes?size=4096", "Accept-Encoding: deflate, gzip\r\n").await;
    assert_eq!(gzipped.header("Content-Encoding"), Some("gzip"));
    assert!(gzipped.body.len() < 4096);
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&gzipped.body[..])
        .read_to_string(&mut plain)
        .unwrap();
    assert_eq!(plain, "0123456789abcdef".repeat(256));

    for (path, accept) in [
        // No Accept-Encoding: identity only.
        ("/bytes?size=4096", ""),
        ("/bytes?size=4096", "Accept-Encoding: gzip;q=0\r\n"),
        // Below libprocess's threshold of 1024 bytes.
        ("/bytes?size=1023", "Accept-Encoding: gzip\r\n"),
        // Already encoded by the handler.
        ("/bytes?size=4096&encoding=br", "Accept-Encoding: *\r\n"),
    ] {
        let response = get(path, accept).await;
        let size: usize = path[12..].split('&').next().unwrap().parse().unwrap();
        assert_eq!(response.body.len(), size, "{path} {accept}");
        assert_ne!(
            response.header("Content-Encoding"),
            Some("gzip"),
            "{path} {accept}"
        );
    }
    assert_eq!(
        get("/bytes?size=1024", "Accept-Encoding: *\r\n")
            .await
            .header("Content-Encoding"),
        Some("gzip")
    );
    runtime.shutdown().await;
}

#[tokio::test]
async fn files_are_sent_with_their_length_or_answered_404_like_libprocess() {
    let runtime = start().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("master.log");
    let contents = format!("{}end", "line\n".repeat(50_000));
    std::fs::write(&log, &contents).unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let get = |path: &std::path::Path| {
        let text = format!(
            "GET /file?path={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            path.display()
        );
        let address = runtime.address();
        async move { common::request(address, &text).await }
    };

    let sent = get(&log).await;
    assert_eq!(sent.status, 200);
    assert_eq!(sent.header("Content-Type"), Some("text/plain"));
    assert_eq!(
        sent.header("Content-Length"),
        Some(&*contents.len().to_string())
    );
    assert_eq!(sent.text(), contents);

    let nothing = get(&empty).await;
    assert_eq!((nothing.status, nothing.body.len()), (200, 0));

    for missing in [
        dir.path().join("nope"),
        dir.path().to_owned(),
        log.join("below"),
    ] {
        let refused = get(&missing).await;
        assert_eq!(
            (refused.status, refused.text().as_str()),
            (404, "404 Not Found."),
            "{}",
            missing.display()
        );
    }
    runtime.shutdown().await;
}
