//! Helpers shared by the integration tests: a raw-socket HTTP client (so
//! tests see exactly what goes over the wire) and a recording process.

#![allow(dead_code)]

use std::net::SocketAddrV4;
use std::time::Duration;

use libprocess::{Config, Context, Message, Process, Runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub status_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn start() -> Runtime {
    Runtime::start(Config::loopback())
        .await
        .expect("runtime starts")
}

pub async fn start_with(config: Config) -> Runtime {
    Runtime::start(config).await.expect("runtime starts")
}

/// Upper bound on any wait in the tests, so a bug fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Sends `request` bytes on a fresh connection and parses every response
/// until the server closes (the last request should ask for that). The
/// client does not half-close: like libprocess, the server takes a read EOF
/// as the client leaving.
pub async fn exchange(address: SocketAddrV4, request: &[u8]) -> Vec<RawResponse> {
    let bytes = exchange_raw(address, request).await;
    parse_responses(&bytes)
}

/// Like [`exchange`] for a single response.
pub async fn request(address: SocketAddrV4, request: &str) -> RawResponse {
    let mut responses = exchange(address, request.as_bytes()).await;
    assert_eq!(responses.len(), 1, "expected one response");
    responses.remove(0)
}

/// A `GET path` with `Connection: close`.
pub async fn get(address: SocketAddrV4, path: &str) -> RawResponse {
    request(
        address,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
    .await
}

pub async fn exchange_raw(address: SocketAddrV4, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut bytes = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut bytes))
        .await
        .expect("server closes the connection")
        .ok();
    bytes
}

/// Parses consecutive HTTP/1.1 responses (Content-Length or chunked).
pub fn parse_responses(mut bytes: &[u8]) -> Vec<RawResponse> {
    let mut responses = Vec::new();
    while let Some(end) = find(bytes, b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_owned();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let mut response = RawResponse {
            status,
            status_line,
            headers,
            body: Vec::new(),
        };
        bytes = &bytes[end + 4..];
        if let Some(length) = response.header("Content-Length") {
            let length: usize = length.parse().unwrap();
            let length = length.min(bytes.len());
            response.body = bytes[..length].to_vec();
            bytes = &bytes[length..];
        } else if response.header("Transfer-Encoding").is_some() {
            loop {
                let Some(line_end) = find(bytes, b"\r\n") else {
                    bytes = &[];
                    break;
                };
                let size =
                    usize::from_str_radix(String::from_utf8_lossy(&bytes[..line_end]).trim(), 16)
                        .unwrap();
                bytes = &bytes[line_end + 2..];
                if size == 0 {
                    bytes = bytes.get(2..).unwrap_or(&[]);
                    break;
                }
                let size = size.min(bytes.len());
                response.body.extend_from_slice(&bytes[..size]);
                bytes = bytes.get(size + 2..).unwrap_or(&[]);
            }
        }
        responses.push(response);
    }
    responses
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// A process that forwards every message it gets, and every `exited`, to
/// the test.
pub struct Recorder {
    pub events: mpsc::UnboundedSender<Recorded>,
    pub names: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    Message {
        from: String,
        name: String,
        body: Vec<u8>,
    },
    Exited(String),
}

impl Recorder {
    pub fn new(names: Vec<&'static str>) -> (Recorder, mpsc::UnboundedReceiver<Recorded>) {
        let (events, receiver) = mpsc::unbounded_channel();
        (Recorder { events, names }, receiver)
    }
}

impl Process for Recorder {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        for name in self.names.clone() {
            ctx.install(
                name,
                |this: &mut Recorder, _: &mut Context<Recorder>, message: Message| {
                    let _ = this.events.send(Recorded::Message {
                        from: message.from.to_string(),
                        name: message.name.to_string(),
                        body: message.body.to_vec(),
                    });
                },
            );
        }
    }

    fn exited(&mut self, _ctx: &mut Context<Self>, pid: &libprocess::Upid) {
        let _ = self.events.send(Recorded::Exited(pid.to_string()));
    }
}

pub async fn next<T>(receiver: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(PATIENCE, receiver.recv())
        .await
        .expect("event arrives in time")
        .expect("channel open")
}
