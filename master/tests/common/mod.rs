//! Test support: a master on loopback, fake agents that speak the agent's
//! libprocess protocol as the golden Mesos 1.11 agent did, and readers for
//! the master's endpoints.
#![allow(dead_code)] // Each test file uses a different part.

pub mod authenticatee;
pub mod cluster;
pub mod driver;
pub mod ha;
pub mod scheduler;
pub mod shapes;

use base64::Engine as _;
use bytes::Bytes;
use flags::MasterFlags;
use libprocess::{Config, Context, Message, Pid, Process, Runtime, Upid};
use proto::mesos::internal::{RegisterSlaveMessage, ReregisterSlaveMessage};
use serde_json::Value as Json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// Upper bound on waits for the master, so a bug fails a test instead of
/// hanging it; nothing depends on how long things take.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub fn flags(args: &[&str]) -> MasterFlags {
    let args = ["--ip=127.0.0.1", "--port=0", "--registry=in_memory"]
        .iter()
        .chain(args)
        .map(|a| a.to_string());
    MasterFlags::load_from(args, Vec::<(String, String)>::new())
        .expect("valid flags")
        .flags
}

/// A master with the in-memory registry, recovered and taking agents.
pub async fn start(args: &[&str]) -> master::Master {
    start_with(master::MasterBuilder::new(flags(args))).await
}

pub async fn start_with(builder: master::MasterBuilder) -> master::Master {
    let master = builder.start().await.expect("master starts");
    master.recovered().await.expect("master recovers");
    master
}

pub fn master_upid(master: &master::Master) -> Upid {
    master.info.pid().parse().expect("the master's pid parses")
}

/// One message of the golden capture of a real Mesos 1.11 cluster.
pub fn golden_body(scenario: &str, seq: u64) -> Vec<u8> {
    let file = testkit::golden_dir().join(scenario).join("messages.jsonl");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("golden file {} is needed: {e}", file.display()));
    let record: Json = text
        .lines()
        .map(|line| serde_json::from_str::<Json>(line).unwrap())
        .find(|record| record["seq"] == seq)
        .unwrap_or_else(|| panic!("{scenario} has message {seq}"));
    base64::engine::general_purpose::STANDARD
        .decode(record["body_b64"].as_str().unwrap())
        .unwrap()
}

/// The golden agent's id, and its master's id (the part before `-S0`).
pub const GOLDEN_AGENT_ID: &str = "14ec03bf-11a7-46fa-be64-1d600fb3ad11-S0";
pub const GOLDEN_MASTER_ID: &str = "14ec03bf-11a7-46fa-be64-1d600fb3ad11";

/// Golden `s1-agent-registration` messages by their `seq`.
pub mod s1 {
    pub const REGISTER: u64 = 0;
    pub const REGISTERED: u64 = 1;
    pub const PING: u64 = 4;
    pub const REREGISTER: u64 = 44;
    pub const REREGISTERED: u64 = 49;
}

/// The golden agent's `RegisterSlaveMessage`, with its port set to `port`.
pub fn golden_registration(port: u16) -> RegisterSlaveMessage {
    let mut message: RegisterSlaveMessage =
        proto::decode(&golden_body("s1-agent-registration", s1::REGISTER)).unwrap();
    message.slave.port = Some(i32::from(port));
    message
}

/// The golden agent's `ReregisterSlaveMessage`, as agent `id` on `port`.
pub fn golden_reregistration(port: u16, id: &str) -> ReregisterSlaveMessage {
    let mut message: ReregisterSlaveMessage =
        proto::decode(&golden_body("s1-agent-registration", s1::REREGISTER)).unwrap();
    message.slave.port = Some(i32::from(port));
    message.slave.id.as_mut().unwrap().value = id.to_owned();
    message
}

/// A golden master→agent body with the golden master's id replaced by
/// `master_id` (same length): what our master must send byte for byte.
pub fn golden_reply(seq: u64, master_id: &str) -> Vec<u8> {
    let body = golden_body("s1-agent-registration", seq);
    assert_eq!(master_id.len(), GOLDEN_MASTER_ID.len());
    let mut out = body.clone();
    let needle = GOLDEN_MASTER_ID.as_bytes();
    let at = body
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the reply names the agent id");
    out[at..at + needle.len()].copy_from_slice(master_id.as_bytes());
    out
}

/// A message the fake agent received.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: Upid,
    pub name: String,
    pub body: Bytes,
}

impl Received {
    pub fn decode<M: prost::Message + prost::Name + Default>(&self) -> M {
        assert_eq!(self.name, M::full_name(), "message type");
        proto::decode(&self.body).unwrap()
    }
}

struct AgentProcess {
    inbox: mpsc::UnboundedSender<Received>,
    answer_pings: Arc<AtomicBool>,
}

impl Process for AgentProcess {
    fn unhandled(&mut self, ctx: &mut Context<Self>, message: Message) {
        if &*message.name == "mesos.internal.PingSlaveMessage"
            && self.answer_pings.load(Ordering::SeqCst)
        {
            ctx.send(
                &message.from,
                "mesos.internal.PongSlaveMessage",
                Bytes::new(),
            );
        }
        let _ = self.inbox.send(Received {
            from: message.from,
            name: message.name.to_string(),
            body: message.body,
        });
    }
}

/// An agent process `slave(1)` on its own runtime, recording what it
/// receives and answering pings while [`FakeAgent::answer_pings`] is set.
pub struct FakeAgent {
    pub runtime: Runtime,
    pid: Pid<AgentProcess>,
    inbox: mpsc::UnboundedReceiver<Received>,
    pub answer_pings: Arc<AtomicBool>,
    master: Upid,
}

impl FakeAgent {
    pub async fn start(master: &master::Master) -> FakeAgent {
        FakeAgent::start_at(master, 0).await
    }

    /// An agent on loopback port `port` (0: any), e.g. where a killed agent
    /// was, so that it comes back with the same pid.
    pub async fn start_at(master: &master::Master, port: u16) -> FakeAgent {
        let runtime = Runtime::start(Config {
            port,
            ..Config::loopback()
        })
        .await
        .unwrap();
        let (sender, inbox) = mpsc::unbounded_channel();
        let answer_pings = Arc::new(AtomicBool::new(true));
        let pid = runtime
            .spawn(
                "slave(1)",
                AgentProcess {
                    inbox: sender,
                    answer_pings: Arc::clone(&answer_pings),
                },
            )
            .unwrap();
        FakeAgent {
            runtime,
            pid,
            inbox,
            answer_pings,
            master: master_upid(master),
        }
    }

    pub fn port(&self) -> u16 {
        self.runtime.address().port()
    }

    pub fn upid(&self) -> &Upid {
        self.pid.upid()
    }

    /// Sends a protobuf message to the master as this agent.
    pub fn send<M: prost::Message + prost::Name>(&self, message: &M) {
        let master = self.master.clone();
        let body = message.encode_to_vec();
        self.pid.dispatch(move |_, ctx| {
            ctx.send(&master, M::full_name(), body);
        });
    }

    /// The next message received, skipping pings unless `name` is one.
    pub async fn expect(&mut self, name: &str) -> Received {
        loop {
            let received = self.next().await;
            if received.name == name {
                return received;
            }
            assert_eq!(
                received.name, "mesos.internal.PingSlaveMessage",
                "expected {name}"
            );
        }
    }

    /// The next message received, whatever it is.
    pub async fn next(&mut self) -> Received {
        self.inbox.recv().await.expect("the agent process runs")
    }

    /// Registers as the golden agent; returns the id the master gave.
    pub async fn register(&mut self) -> String {
        self.send(&golden_registration(self.port()));
        let registered: proto::mesos::internal::SlaveRegisteredMessage = self
            .expect("mesos.internal.SlaveRegisteredMessage")
            .await
            .decode();
        registered.slave_id.value
    }

    /// Kills the agent: its connections close, as with `kill -9`.
    pub async fn kill(self) {
        self.runtime.shutdown().await;
    }
}

/// A plain HTTP/1.1 GET on a fresh connection: (status, body).
pub async fn get(master: &master::Master, path: &str) -> (u16, Vec<u8>) {
    let answer = request(master, "GET", path, &[], b"").await;
    (answer.status, answer.body)
}

/// An HTTP answer read to the end of its connection.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("JSON body ({e}): {}", self.text()))
    }
}

/// The value of header `name` (any case) among `headers`.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One HTTP/1.1 request on a fresh connection, with `Content-Length` for
/// `body`; the answer is read until the master closes the connection.
pub async fn request(
    master: &master::Master,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    request_at(master.runtime.address(), method, path, headers, body).await
}

/// [`request`] to whatever listens at `address` (e.g. a master process).
pub async fn request_at(
    address: impl Into<std::net::SocketAddr>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(address.into())
        .await
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = &raw[split + 4..];
    let body = if header(&headers, "transfer-encoding") == Some("chunked") {
        dechunk(body)
    } else {
        body.to_vec()
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// A `Transfer-Encoding: chunked` body, its chunks joined.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size = std::str::from_utf8(&raw[..line]).unwrap();
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap();
        raw = &raw[line + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

/// A v1 operator call (`POST /api/v1`) in JSON, answered in JSON.
pub async fn operator_call(master: &master::Master, body: Json) -> Answer {
    request(
        master,
        "POST",
        "/api/v1",
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
    .await
}

/// The only agent of GET_AGENTS.
pub async fn get_agent(master: &master::Master) -> Json {
    let answer = operator_call(master, serde_json::json!({"type": "GET_AGENTS"})).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()["get_agents"]["agents"][0].clone()
}

/// The persistent volumes among GET_AGENTS's total resources: (id, size).
pub async fn volumes(master: &master::Master) -> Vec<(String, f64)> {
    let agent = get_agent(master).await;
    agent["total_resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let id = r["disk"]["persistence"]["id"].as_str()?;
            Some((id.to_owned(), r["scalar"]["value"].as_f64().unwrap()))
        })
        .collect()
}

pub async fn get_json(master: &master::Master, path: &str) -> Json {
    let (status, body) = get(master, path).await;
    assert_eq!(status, 200, "{path}");
    serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "{path}: JSON body ({e}): {}",
            String::from_utf8_lossy(&body)
        )
    })
}

/// The value of metric `name`, as `/metrics/snapshot` shows it.
pub fn metric(master: &master::Master, name: &str) -> f64 {
    *master
        .runtime
        .metrics()
        .snapshot()
        .get(name)
        .unwrap_or_else(|| panic!("metric {name} is published"))
}

/// Waits until metric `name` reaches `value`. The limit, in real time so
/// that it holds on a paused clock too, only keeps a broken master from
/// hanging the suite; nothing depends on how long it takes.
pub async fn wait_for_metric(master: &master::Master, name: &str, value: f64) {
    let started = std::time::Instant::now();
    while metric(master, name) != value {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{name} stayed at {} instead of reaching {value}",
            metric(master, name)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A `--credentials` file holding `credentials` (principal, secret), in a
/// directory that lives as long as the returned guard; and the flag.
pub fn credentials_file(credentials: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    let list: Vec<Json> = credentials
        .iter()
        .map(|(principal, secret)| serde_json::json!({"principal": principal, "secret": secret}))
        .collect();
    std::fs::write(
        &path,
        serde_json::json!({ "credentials": list }).to_string(),
    )
    .unwrap();
    let flag = format!("--credentials={}", path.display());
    (dir, flag)
}

/// A master under `--acls=<acls>` with credentials for `ops` (secret
/// `s3cret`) and `reader` (`r34d`), plus `extra` flags; and the guard of
/// the credentials file.
pub async fn start_under_acls(acls: Json, extra: &[&str]) -> (master::Master, tempfile::TempDir) {
    let (dir, credentials) = credentials_file(&[("ops", "s3cret"), ("reader", "r34d")]);
    let acls = format!("--acls={acls}");
    let mut args = vec![credentials.as_str(), acls.as_str()];
    args.extend_from_slice(extra);
    (start(&args).await, dir)
}

/// An HTTP Basic `Authorization` value for `principal:secret`.
pub fn basic(principal_and_secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(principal_and_secret)
    )
}

/// A GET of `path` with `authorization` (if any) as the `Authorization`
/// header.
pub async fn get_as(master: &master::Master, path: &str, authorization: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = authorization
        .map(|value| ("Authorization", value))
        .into_iter()
        .collect();
    request(master, "GET", path, &headers, b"").await
}
