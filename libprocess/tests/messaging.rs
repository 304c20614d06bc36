//! Sending messages locally and between two runtimes, dispatch, delay,
//! link/exited and termination.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{Recorded, Recorder, next};
use libprocess::{Context, Process, Upid};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone, PartialEq, prost::Message)]
struct Greeting {
    #[prost(string, optional, tag = "1")]
    text: Option<String>,
}

impl prost::Name for Greeting {
    const NAME: &'static str = "Greeting";
    const PACKAGE: &'static str = "test.v1";
}

#[tokio::test]
async fn local_messages_arrive_in_order() {
    let runtime = common::start().await;
    let (recorder, mut events) = Recorder::new(vec!["n"]);
    let pid = runtime.spawn("recorder", recorder).unwrap();
    let from = runtime.upid("someone");
    for i in 0..100u8 {
        runtime.send(&from, pid.upid(), "n", Bytes::from(vec![i]));
    }
    for i in 0..100u8 {
        let Recorded::Message {
            from: sender, body, ..
        } = next(&mut events).await
        else {
            panic!()
        };
        assert_eq!(sender, from.to_string());
        assert_eq!(body, vec![i]);
    }
    runtime.shutdown().await;
}

/// Replies to `ping` with `pong` carrying the same body, like a libprocess
/// peer does: a new message back to the sender's advertised address.
struct Ponger;

impl Process for Ponger {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(
            "ping",
            |_: &mut Ponger, ctx: &mut Context<Ponger>, message: libprocess::Message| {
                ctx.send(&message.from, "pong", message.body);
            },
        );
    }
}

#[tokio::test]
async fn two_runtimes_exchange_messages_over_loopback_in_order() {
    let left = common::start().await;
    let right = common::start().await;
    let (recorder, mut events) = Recorder::new(vec!["pong"]);
    let asker = left.spawn("asker", recorder).unwrap();
    let ponger = right.spawn("ponger", Ponger).unwrap();
    for i in 0..500u32 {
        left.send(
            asker.upid(),
            ponger.upid(),
            "ping",
            Bytes::from(i.to_be_bytes().to_vec()),
        );
    }
    // An empty body travels without Transfer-Encoding, like PongSlaveMessage.
    left.send(asker.upid(), ponger.upid(), "ping", Bytes::new());
    for i in 0..500u32 {
        let event = next(&mut events).await;
        assert_eq!(
            event,
            Recorded::Message {
                from: ponger.upid().to_string(),
                name: "pong".into(),
                body: i.to_be_bytes().to_vec()
            }
        );
    }
    let Recorded::Message { body, .. } = next(&mut events).await else {
        panic!()
    };
    assert!(body.is_empty());
    left.shutdown().await;
    right.shutdown().await;
}

struct Typed {
    seen: tokio::sync::mpsc::UnboundedSender<(String, Greeting)>,
}

impl Process for Typed {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install_protobuf(
            |this: &mut Typed, _: &mut Context<Typed>, from: &Upid, greeting: Greeting| {
                let _ = this.seen.send((from.to_string(), greeting));
            },
        );
    }
}

struct TypedSender {
    to: Upid,
}

impl Process for TypedSender {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.send_protobuf(
            &self.to,
            &Greeting {
                text: Some("hi".into()),
            },
        );
        // Garbage under the same name is dropped, not fatal.
        ctx.send(
            &self.to,
            "test.v1.Greeting",
            Bytes::from_static(b"\xff\xff\xff"),
        );
        ctx.send_protobuf(
            &self.to,
            &Greeting {
                text: Some("again".into()),
            },
        );
    }
}

#[tokio::test]
async fn typed_handlers_use_the_protobuf_full_name_across_runtimes() {
    let left = common::start().await;
    let right = common::start().await;
    let (seen, mut greetings) = tokio::sync::mpsc::unbounded_channel();
    let typed = right.spawn("typed", Typed { seen }).unwrap();
    let sender = left
        .spawn(
            "sender",
            TypedSender {
                to: typed.upid().clone(),
            },
        )
        .unwrap();
    let (from, greeting) = next(&mut greetings).await;
    assert_eq!(from, sender.upid().to_string());
    assert_eq!(greeting.text.as_deref(), Some("hi"));
    let (_, greeting) = next(&mut greetings).await;
    assert_eq!(greeting.text.as_deref(), Some("again"));
    left.shutdown().await;
    right.shutdown().await;
}

#[tokio::test]
async fn outbound_messages_use_the_libprocess_wire_format() {
    let runtime = common::start().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let std::net::SocketAddr::V4(address) = listener.local_addr().unwrap() else {
        panic!()
    };
    let from = runtime.upid("sender");
    let to = Upid::new("slave(1)", address);
    runtime.send(
        &from,
        &to,
        "mesos.internal.PingSlaveMessage",
        Bytes::from_static(b"\x08\x01"),
    );
    runtime.send(&from, &to, "mesos.internal.PongSlaveMessage", Bytes::new());
    let (mut socket, _) = listener.accept().await.unwrap();
    let expected = format!(
        "POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\nUser-Agent: libprocess/{from}\r\n\
         Libprocess-From: {from}\r\nConnection: Keep-Alive\r\nHost: \r\nTransfer-Encoding: chunked\r\n\r\n\
         2\r\n\x08\x01\r\n0\r\n\r\n\
         POST /slave(1)/mesos.internal.PongSlaveMessage HTTP/1.1\r\nUser-Agent: libprocess/{from}\r\n\
         Libprocess-From: {from}\r\nConnection: Keep-Alive\r\nHost: \r\n\r\n"
    );
    let mut received = vec![0u8; expected.len()];
    socket.read_exact(&mut received).await.unwrap();
    assert_eq!(String::from_utf8_lossy(&received), expected);
    // The receiver never answers (like mesos-go): later messages still flow.
    runtime.send(&from, &to, "again", Bytes::new());
    let mut more = [0u8; 10];
    socket.read_exact(&mut more).await.unwrap();
    assert_eq!(&more, b"POST /slav");
    socket.shutdown().await.unwrap();
    runtime.shutdown().await;
}

struct Counter {
    count: u32,
}

impl Process for Counter {}

#[tokio::test(start_paused = true)]
async fn dispatch_call_and_delay_run_on_the_process() {
    let runtime = common::start().await;
    let pid = runtime.spawn("counter", Counter { count: 0 }).unwrap();
    assert!(pid.dispatch(|counter: &mut Counter, _| counter.count += 1));
    assert_eq!(
        pid.call(|counter: &mut Counter, _| counter.count)
            .await
            .unwrap(),
        1
    );

    let delayed = pid.call(|_, ctx: &mut Context<Counter>| {
        ctx.delay(Duration::from_secs(3600), |counter: &mut Counter, _| {
            counter.count += 10
        });
        let cancelled = ctx.delay(Duration::from_secs(60), |counter: &mut Counter, _| {
            counter.count += 100
        });
        cancelled.cancel();
    });
    delayed.await.unwrap();
    tokio::time::sleep(Duration::from_secs(3601)).await;
    assert_eq!(
        pid.call(|counter: &mut Counter, _| counter.count)
            .await
            .unwrap(),
        11
    );
    runtime.shutdown().await;
}

#[tokio::test]
async fn terminate_and_wait_free_the_id_and_reject_later_work() {
    let runtime = common::start().await;
    let pid = runtime.spawn("short-lived", Counter { count: 0 }).unwrap();
    assert!(runtime.spawn("short-lived", Counter { count: 0 }).is_err());
    pid.terminate();
    pid.wait().await;
    assert!(!runtime.is_running("short-lived"));
    assert!(!pid.dispatch(|_, _| {}));
    assert!(pid.call(|_, _| ()).await.is_err());
    runtime.wait(pid.upid()).await;
    // The id can be reused once the process is gone.
    runtime.spawn("short-lived", Counter { count: 0 }).unwrap();
    runtime.shutdown().await;
}

#[tokio::test]
async fn linking_to_a_local_process_reports_its_termination() {
    let runtime = common::start().await;
    let (recorder, mut events) = Recorder::new(vec![]);
    let watcher = runtime.spawn("watcher", recorder).unwrap();
    let target = runtime.spawn("target", Counter { count: 0 }).unwrap();
    let target_upid = target.upid().clone();
    watcher.dispatch(move |_, ctx: &mut Context<Recorder>| ctx.link(&target_upid));
    // Make sure the link is in place before terminating the target.
    watcher.call(|_, _| ()).await.unwrap();
    target.terminate();
    assert_eq!(
        next(&mut events).await,
        Recorded::Exited(target.upid().to_string())
    );

    // Linking to a process that is already gone reports at once.
    let gone = runtime.upid("never-existed");
    watcher.dispatch(move |_, ctx: &mut Context<Recorder>| ctx.link(&gone));
    assert_eq!(
        next(&mut events).await,
        Recorded::Exited(runtime.upid("never-existed").to_string())
    );
    runtime.shutdown().await;
}

#[tokio::test]
async fn linking_to_a_remote_process_reports_its_runtime_going_away() {
    let left = common::start().await;
    let right = common::start().await;
    let (recorder, mut events) = Recorder::new(vec!["pong"]);
    let watcher = left.spawn("watcher", recorder).unwrap();
    let ponger = right.spawn("ponger", Ponger).unwrap();
    let target = ponger.upid().clone();
    watcher.dispatch(move |_, ctx: &mut Context<Recorder>| {
        ctx.link(&target);
        ctx.send(&target, "ping", Bytes::from_static(b"1"));
    });
    // The pong proves the connection is up before the peer goes away.
    assert!(matches!(next(&mut events).await, Recorded::Message { .. }));
    right.shutdown().await;
    assert_eq!(
        next(&mut events).await,
        Recorded::Exited(ponger.upid().to_string())
    );
    left.shutdown().await;
}

/// Sends `n` to the UPID it is dispatched, the same way each time, so the
/// runtime's memory of where its last message went is put to the test.
struct Sender;

impl Process for Sender {}

fn send_n(sender: &libprocess::Pid<Sender>, to: &Upid, body: &'static [u8]) {
    let to = to.clone();
    sender
        .dispatch(move |_, ctx: &mut Context<Sender>| ctx.send(&to, "n", Bytes::from_static(body)));
}

#[tokio::test]
async fn a_process_that_ends_and_is_spawned_again_gets_later_messages() {
    let runtime = common::start().await;
    let sender = runtime.spawn("sender", Sender).unwrap();
    let (recorder, mut first_events) = Recorder::new(vec!["n"]);
    let first = runtime.spawn("receiver", recorder).unwrap();
    send_n(&sender, first.upid(), b"1");
    assert!(
        matches!(next(&mut first_events).await, Recorded::Message { body, .. } if body == b"1")
    );
    first.terminate();
    first.wait().await;

    let (recorder, mut second_events) = Recorder::new(vec!["n"]);
    let second = runtime.spawn("receiver", recorder).unwrap();
    send_n(&sender, second.upid(), b"2");
    assert!(
        matches!(next(&mut second_events).await, Recorded::Message { body, .. } if body == b"2")
    );
    runtime.shutdown().await;
}

#[tokio::test]
async fn a_restarted_peer_runtime_is_reached_on_a_new_connection() {
    let left = common::start().await;
    let right = common::start().await;
    let sender = left.spawn("sender", Sender).unwrap();
    let (recorder, mut events) = Recorder::new(vec!["n"]);
    let receiver = right.spawn("receiver", recorder).unwrap();
    let target = receiver.upid().clone();
    send_n(&sender, &target, b"before");
    assert!(matches!(next(&mut events).await, Recorded::Message { body, .. } if body == b"before"));

    // The left runtime learns of the restart as a link sees it: the
    // connection breaks.
    let (watcher, mut watched) = Recorder::new(vec![]);
    let watcher = left.spawn("watcher", watcher).unwrap();
    let linked = target.clone();
    watcher.dispatch(move |_, ctx: &mut Context<Recorder>| ctx.link(&linked));
    right.shutdown().await;
    assert_eq!(
        next(&mut watched).await,
        Recorded::Exited(target.to_string())
    );

    let right = common::start_with(libprocess::Config {
        port: target.address().port(),
        ..libprocess::Config::loopback()
    })
    .await;
    let (recorder, mut events) = Recorder::new(vec!["n"]);
    right.spawn("receiver", recorder).unwrap();
    send_n(&sender, &target, b"after");
    assert!(matches!(next(&mut events).await, Recorded::Message { body, .. } if body == b"after"));
    left.shutdown().await;
    right.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_peer_yields_exited_and_the_runtime_keeps_working() {
    let runtime = common::start().await;
    // Bind then drop a listener to get a port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dead: Upid = format!("slave(1)@127.0.0.1:{port}").parse().unwrap();
    let (recorder, mut events) = Recorder::new(vec!["n"]);
    let watcher = runtime.spawn("watcher", recorder).unwrap();
    let target = dead.clone();
    watcher.dispatch(move |_, ctx: &mut Context<Recorder>| {
        for _ in 0..1000 {
            ctx.send(&target, "lost", Bytes::from_static(b"payload"));
        }
        ctx.link(&target);
    });
    assert_eq!(next(&mut events).await, Recorded::Exited(dead.to_string()));
    runtime.send(&dead, watcher.upid(), "n", Bytes::new());
    assert!(matches!(next(&mut events).await, Recorded::Message { .. }));
    runtime.shutdown().await;
}

#[tokio::test]
async fn inbound_connections_never_carry_replies() {
    let runtime = common::start().await;
    runtime.spawn("ponger", Ponger).unwrap();
    // A fake peer whose advertised address is a listener of ours.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let std::net::SocketAddr::V4(address) = listener.local_addr().unwrap() else {
        panic!()
    };
    let from = Upid::new("asker", address);
    let mut inbound = tokio::net::TcpStream::connect(runtime.address())
        .await
        .unwrap();
    let request = format!(
        "POST /ponger/ping HTTP/1.1\r\nLibprocess-From: {from}\r\nContent-Length: 2\r\n\r\nhi"
    );
    inbound.write_all(request.as_bytes()).await.unwrap();
    // The reply arrives on a connection the runtime opens to us...
    let (mut outbound, _) = listener.accept().await.unwrap();
    let mut head = [0u8; 17];
    outbound.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"POST /asker/pong ");
    // ...while the inbound connection only carries the 202.
    let mut answer = Vec::new();
    while !answer.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        inbound.read_exact(&mut byte).await.unwrap();
        answer.push(byte[0]);
    }
    let responses = common::parse_responses(&answer);
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].status, 202);
    runtime.shutdown().await;
}
