//! A v1 HTTP scheduler client for tests: SUBSCRIBE on one connection
//! whose chunked RecordIO stream is read in the background, calls on
//! fresh connections, bytes as the golden clients sent them.

use serde_json::{Value as Json, json};
use std::net::SocketAddrV4;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

pub const PATH: &str = "/api/v1/scheduler";

pub use super::Answer;

fn request(path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: test\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

async fn read_head(reader: &mut BufReader<TcpStream>) -> (u16, Vec<(String, String)>) {
    let mut status_line = String::new();
    reader.read_line(&mut status_line).await.unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .unwrap_or_else(|| panic!("a status line, got {status_line:?}"))
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            return (status, headers);
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
}

/// A POST on a fresh connection, the whole answer read.
pub async fn post(
    address: SocketAddrV4,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    super::request_at(address, "POST", path, headers, body).await
}

/// A JSON call on the framework's stream.
pub async fn call(address: SocketAddrV4, stream_id: &str, call: &Json) -> Answer {
    post(
        address,
        PATH,
        &[
            ("Content-Type", "application/json"),
            ("Mesos-Stream-Id", stream_id),
        ],
        call.to_string().as_bytes(),
    )
    .await
}

/// An open SUBSCRIBE stream.
pub struct Subscription {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    records: mpsc::UnboundedReceiver<Vec<u8>>,
    /// The raw chunks, each expected to hold one record.
    pub chunks: mpsc::UnboundedReceiver<Vec<u8>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Subscription {
    /// SUBSCRIBE with `body` in `content_type`, accepting the same.
    pub async fn open(address: SocketAddrV4, content_type: &str, body: &[u8]) -> Subscription {
        Subscription::open_with(address, content_type, body, &[]).await
    }

    /// [`open`](Self::open) with `extra` headers (e.g. `Authorization`).
    pub async fn open_with(
        address: SocketAddrV4,
        content_type: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> Subscription {
        Subscription::open_on(address, PATH, content_type, body, extra).await
    }

    /// An operator API stream: SUBSCRIBE on `/api/v1` in JSON.
    pub async fn operator(address: SocketAddrV4) -> Subscription {
        let body = br#"{"type":"SUBSCRIBE"}"#;
        Subscription::open_on(address, "/api/v1", "application/json", body, &[]).await
    }

    /// A stream opened by POSTing `body` to `path`.
    pub async fn open_on(
        address: SocketAddrV4,
        path: &str,
        content_type: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> Subscription {
        let stream = TcpStream::connect(address).await.unwrap();
        let mut reader = BufReader::new(stream);
        let mut headers = vec![("Content-Type", content_type), ("Accept", content_type)];
        headers.extend_from_slice(extra);
        reader
            .get_mut()
            .write_all(&request(path, &headers, body))
            .await
            .unwrap();
        let (status, headers) = read_head(&mut reader).await;
        let (record_sender, records) = mpsc::unbounded_channel();
        let (chunk_sender, chunks) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            let mut pending = Vec::new();
            loop {
                let mut size_line = String::new();
                if reader.read_line(&mut size_line).await.unwrap_or(0) == 0 {
                    return;
                }
                let size = usize::from_str_radix(size_line.trim(), 16).unwrap_or(0);
                if size == 0 {
                    return;
                }
                let mut chunk = vec![0; size + 2];
                if reader.read_exact(&mut chunk).await.is_err() {
                    return;
                }
                chunk.truncate(size);
                pending.extend_from_slice(&chunk);
                let _ = chunk_sender.send(chunk);
                while let Some(newline) = pending.iter().position(|b| *b == b'\n') {
                    let length: usize = std::str::from_utf8(&pending[..newline])
                        .unwrap()
                        .parse()
                        .unwrap();
                    if pending.len() < newline + 1 + length {
                        break;
                    }
                    let record = pending[newline + 1..newline + 1 + length].to_vec();
                    pending.drain(..newline + 1 + length);
                    let _ = record_sender.send(record);
                }
            }
        });
        Subscription {
            status,
            headers,
            records,
            chunks,
            reader,
        }
    }

    /// SUBSCRIBE in JSON.
    pub async fn json(address: SocketAddrV4, body: &Json) -> Subscription {
        Subscription::open(address, "application/json", body.to_string().as_bytes()).await
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        super::header(&self.headers, name)
    }

    pub fn stream_id(&self) -> String {
        self.header("Mesos-Stream-Id")
            .expect("a Mesos-Stream-Id header")
            .to_owned()
    }

    /// The next record; `None` once the stream ended. The real-time limit
    /// only keeps a broken master from hanging the suite.
    pub async fn next_record(&mut self) -> Option<Vec<u8>> {
        tokio::time::timeout(Duration::from_secs(60), self.records.recv())
            .await
            .expect("an event within the test's patience")
    }

    pub async fn next_json(&mut self) -> Json {
        let record = self.next_record().await.expect("the stream is open");
        serde_json::from_slice(&record).unwrap()
    }

    /// The next JSON event other than HEARTBEAT.
    pub async fn next_event(&mut self) -> Json {
        loop {
            let event = self.next_json().await;
            if event["type"] != "HEARTBEAT" {
                return event;
            }
        }
    }

    /// Reads the SUBSCRIBED event, the first on the stream: the framework id.
    pub async fn subscribed_framework_id(&mut self) -> String {
        let event = self.next_event().await;
        assert_eq!(event["type"], "SUBSCRIBED", "{event}");
        event["subscribed"]["framework_id"]["value"]
            .as_str()
            .expect("a framework id")
            .to_owned()
    }

    /// Closes the connection, as a scheduler that goes away.
    pub fn close(self) {
        self.reader.abort();
    }
}

/// pymesos's SUBSCRIBE of the golden capture (failover timeout 100 s).
pub fn pymesos_subscribe(name: &str) -> Json {
    json!({
        "type": "SUBSCRIBE",
        "subscribe": {"framework_info": {
            "user": "root",
            "name": name,
            "capabilities": [{"type": "GPU_RESOURCES"}],
            "failover_timeout": 100
        }}
    })
}

/// pymesos's ACCEPT of one `echo hello` task (cpus 0.1, mem 32).
pub fn launch(framework_id: &str, offer: &Json, task_id: &str) -> Json {
    json!({
        "type": "ACCEPT",
        "framework_id": {"value": framework_id},
        "accept": {
            "offer_ids": [offer["id"]],
            "operations": [{"type": "LAUNCH", "launch": {"task_infos": [{
                "task_id": {"value": task_id},
                "agent_id": offer["agent_id"],
                "name": "echo-hello",
                "command": {"value": "echo hello", "shell": true},
                "resources": [
                    {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                    {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}
                ]
            }]}}],
            "filters": {"refuse_seconds": 5}
        }
    })
}

pub fn acknowledge(framework_id: &str, status: &Json) -> Json {
    json!({
        "type": "ACKNOWLEDGE",
        "framework_id": {"value": framework_id},
        "acknowledge": {
            "agent_id": status["agent_id"],
            "task_id": status["task_id"],
            "uuid": status["uuid"]
        }
    })
}

pub fn simple(kind: &str, framework_id: &str) -> Json {
    json!({"type": kind, "framework_id": {"value": framework_id}})
}

/// `agents` simulated agents (Mesos's fallback resources) registered with
/// `master`; their tasks finish after `task_duration`, or run until killed.
pub async fn fleet(
    master: &master::Master,
    agents: usize,
    task_duration: Option<Duration>,
) -> (libprocess::Runtime, mesos_sim::Fleet) {
    let config = mesos_sim::FleetConfig {
        runner: std::sync::Arc::new(mesos_sim::SimulatedTasks::new(task_duration)),
        ..mesos_sim::FleetConfig::new(agents)
    };
    fleet_with(master, config).await
}

/// The simulated agents `config` describes, registered with `master`.
pub async fn fleet_with(
    master: &master::Master,
    config: mesos_sim::FleetConfig,
) -> (libprocess::Runtime, mesos_sim::Fleet) {
    let agents = config.agents;
    let runtime = libprocess::Runtime::start(libprocess::Config::loopback())
        .await
        .unwrap();
    let fleet = mesos_sim::Fleet::start(
        &runtime,
        config,
        mesos_sim::standalone_detector(&super::master_upid(master)),
    )
    .await
    .unwrap();
    super::wait_for_metric(master, "master/slaves_active", agents as f64).await;
    (runtime, fleet)
}

/// Calls on one kept-alive connection, as pymesos makes them.
pub struct Caller {
    reader: BufReader<TcpStream>,
    stream_id: String,
}

impl Caller {
    pub async fn connect(address: SocketAddrV4, stream_id: &str) -> Caller {
        Caller {
            reader: BufReader::new(TcpStream::connect(address).await.unwrap()),
            stream_id: stream_id.to_owned(),
        }
    }

    /// A JSON call; its status.
    pub async fn call(&mut self, call: &Json) -> u16 {
        let body = call.to_string();
        let request = request(
            PATH,
            &[
                ("Content-Type", "application/json"),
                ("Mesos-Stream-Id", &self.stream_id),
            ],
            body.as_bytes(),
        );
        self.reader.get_mut().write_all(&request).await.unwrap();
        let (status, headers) = read_head(&mut self.reader).await;
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("Content-Length"))
            .map(|(_, value)| value.parse().unwrap())
            .unwrap_or(0);
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await.unwrap();
        status
    }
}
