//! Interop with an implementation of the protocol nobody here wrote: a small
//! Go program of ours (`tests/go/src/interop`) using mesos-go 0.0.6's
//! `api/v0/messenger` exchanges messages with a Rust process both ways.
//!
//! Needs `go` and Debian's `golang-github-mesos-mesos-go-dev`; run
//! `cargo xtask setup` to install them. The test fails, never skips, when
//! they are missing.

mod common;

use std::path::Path;
use std::process::Stdio;

use libprocess::{Context, Process, Upid};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

/// mesos-go's `mesos.internal.PingSlaveMessage`, written by hand so that
/// this crate needs no Mesos protos.
#[derive(Clone, PartialEq, prost::Message)]
struct PingSlaveMessage {
    #[prost(bool, required, tag = "1")]
    connected: bool,
}

impl prost::Name for PingSlaveMessage {
    const NAME: &'static str = "PingSlaveMessage";
    const PACKAGE: &'static str = "mesos.internal";
}

#[derive(Clone, PartialEq, prost::Message)]
struct PongSlaveMessage {}

impl prost::Name for PongSlaveMessage {
    const NAME: &'static str = "PongSlaveMessage";
    const PACKAGE: &'static str = "mesos.internal";
}

#[derive(Clone, PartialEq, prost::Message)]
struct FrameworkErrorMessage {
    #[prost(string, required, tag = "2")]
    message: String,
}

impl prost::Name for FrameworkErrorMessage {
    const NAME: &'static str = "FrameworkErrorMessage";
    const PACKAGE: &'static str = "mesos.internal";
}

#[derive(Debug)]
enum Seen {
    Ping { from: Upid, connected: bool },
    Error { from: Upid, message: String },
}

/// Answers a ping with a pong and a greeting, and a farewell with a pong,
/// like a master answers an agent: on a connection of its own to the
/// sender's advertised address.
struct RustPeer {
    seen: mpsc::UnboundedSender<Seen>,
}

impl Process for RustPeer {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install_protobuf(
            |this: &mut Self, ctx: &mut Context<Self>, from: &Upid, ping: PingSlaveMessage| {
                ctx.send_protobuf(from, &PongSlaveMessage {});
                ctx.send_protobuf(
                    from,
                    &FrameworkErrorMessage {
                        message: "hello from rust".into(),
                    },
                );
                let _ = this.seen.send(Seen::Ping {
                    from: from.clone(),
                    connected: ping.connected,
                });
            },
        );
        ctx.install_protobuf(
            |this: &mut Self,
             ctx: &mut Context<Self>,
             from: &Upid,
             error: FrameworkErrorMessage| {
                ctx.send_protobuf(from, &PongSlaveMessage {});
                let _ = this.seen.send(Seen::Error {
                    from: from.clone(),
                    message: error.message,
                });
            },
        );
    }
}

#[tokio::test]
async fn mesos_go_messenger_exchanges_messages_both_ways() {
    let scratch =
        std::env::temp_dir().join(format!("libprocess-go-interop-{}", std::process::id()));
    let main_go = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/src/interop/main.go");
    let binary = testkit::build_go_program(&main_go, &scratch);

    let runtime = common::start().await;
    let (seen, mut events) = mpsc::unbounded_channel();
    let peer = runtime.spawn("rust-peer", RustPeer { seen }).unwrap();

    let mut child = tokio::process::Command::new(&binary)
        .arg(format!("-peer={}", peer.upid()))
        .arg("-logtostderr")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the Go program starts");

    // Go -> Rust: the ping, from the Go messenger's UPID.
    let Seen::Ping {
        from: go_upid,
        connected,
    } = common::next(&mut events).await
    else {
        panic!("expected the ping first")
    };
    assert!(connected);
    assert_eq!(go_upid.id(), "interop(1)");

    // Rust -> Go: pong and greeting arrive (the Go side says farewell only
    // then), and Go -> Rust again: the farewell, acknowledged by a pong.
    let Seen::Error { from, message } = common::next(&mut events).await else {
        panic!("expected the farewell")
    };
    assert_eq!(from, go_upid);
    assert_eq!(message, "bye from go");

    let status = tokio::time::timeout(common::PATIENCE, child.wait())
        .await
        .expect("the Go program finishes")
        .unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .await
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    assert!(status.success(), "Go program failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("pong from {}", peer.upid())),
        "{stdout}"
    );
    assert!(stdout.contains("greeting: hello from rust"), "{stdout}");
    assert!(stdout.contains("done"), "{stdout}");

    runtime.shutdown().await;
    let _ = std::fs::remove_dir_all(&scratch);
}
