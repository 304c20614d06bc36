//! Message throughput and latency: local (one and many senders) and between
//! two runtimes over loopback.
//!
//! Run with `cargo bench -p libprocess --bench messaging`. Throughput is
//! reported by criterion as elements (messages) per second; round-trip
//! latency percentiles are printed as `latency ...` lines.
//!
//! Senders are kept at most [`WINDOW`] messages ahead of the sink, as any
//! sustained producer must be: `send` never waits, and a runtime drops a
//! connection whose unsent backlog passes its cap rather than grow without
//! bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use libprocess::{Config, Context, Message, Pid, Process, Runtime, Upid};
use tokio::sync::{Notify, oneshot};

/// Messages a sender sends per event.
const SLICE: u64 = 4096;

/// Messages that may be sent and not yet counted by the sink: enough to
/// keep a connection busy, and (at about 230 bytes a message on the wire)
/// well within the default outbound backlog cap.
const WINDOW: u64 = 32 * SLICE;

/// A 64-byte payload, about the size of a small Mesos message.
const BODY: &[u8] = &[7u8; 64];

/// Counts messages, publishing the count every slice, and reports when it
/// has seen `target` of them.
struct Sink {
    seen: u64,
    target: u64,
    progress: Arc<Progress>,
    done: Option<oneshot::Sender<()>>,
}

/// How far the sink has got, for the driver's window.
#[derive(Default)]
struct Progress {
    seen: AtomicU64,
    advanced: Notify,
}

impl Process for Sink {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(
            "data",
            |sink: &mut Sink, _: &mut Context<Sink>, _: Message| {
                sink.seen += 1;
                if sink.seen.is_multiple_of(SLICE) {
                    sink.progress.seen.store(sink.seen, Ordering::Release);
                    sink.progress.advanced.notify_one();
                }
                if sink.seen == sink.target
                    && let Some(done) = sink.done.take()
                {
                    let _ = done.send(());
                }
            },
        );
    }
}

struct Sender;

impl Process for Sender {}

/// Answers `ping` with `pong`.
struct Echo;

impl Process for Echo {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let pong: Arc<str> = "pong".into();
        ctx.install(
            "ping",
            move |_: &mut Echo, ctx: &mut Context<Echo>, message: Message| {
                ctx.send(&message.from, pong.clone(), message.body);
            },
        );
    }
}

/// Sends `ping`s one at a time, recording each round trip.
struct Pinger {
    echo: Upid,
    remaining: u32,
    sent_at: Instant,
    samples: Vec<Duration>,
    done: Option<oneshot::Sender<Vec<Duration>>>,
}

impl Process for Pinger {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(
            "pong",
            |pinger: &mut Pinger, ctx: &mut Context<Pinger>, _: Message| {
                pinger.samples.push(pinger.sent_at.elapsed());
                pinger.remaining -= 1;
                if pinger.remaining == 0 {
                    if let Some(done) = pinger.done.take() {
                        let _ = done.send(std::mem::take(&mut pinger.samples));
                    }
                } else {
                    pinger.ping(ctx);
                }
            },
        );
    }
}

impl Pinger {
    fn ping(&mut self, ctx: &mut Context<Self>) {
        self.sent_at = Instant::now();
        ctx.send(&self.echo, "ping", Bytes::from_static(BODY));
    }
}

/// Has `senders` processes send `total` messages to `sink`, a slice at a
/// time in turn, returning the time until the sink has them all.
async fn blast(sink: &Pid<Sink>, senders: &[Pid<Sender>], total: u64) -> Duration {
    let (done, finished) = oneshot::channel();
    let progress = sink
        .call(move |sink: &mut Sink, _| {
            sink.seen = 0;
            sink.progress.seen.store(0, Ordering::Release);
            sink.target = total;
            sink.done = Some(done);
            sink.progress.clone()
        })
        .await
        .unwrap();
    let name: Arc<str> = "data".into();
    let body = Bytes::from_static(BODY);
    let started = Instant::now();
    let mut sent = 0;
    for sender in senders.iter().cycle() {
        if sent == total {
            break;
        }
        let slice = SLICE.min(total - sent);
        loop {
            let advanced = progress.advanced.notified();
            if sent + slice <= progress.seen.load(Ordering::Acquire) + WINDOW {
                break;
            }
            advanced.await;
        }
        sent += slice;
        let (to, name, body) = (sink.upid().clone(), name.clone(), body.clone());
        sender.dispatch(move |_, ctx: &mut Context<Sender>| {
            for _ in 0..slice {
                ctx.send(&to, name.clone(), body.clone());
            }
        });
    }
    tokio::time::timeout(Duration::from_secs(120), finished)
        .await
        .expect("every message arrives")
        .unwrap();
    started.elapsed()
}

fn spawn_senders(runtime: &Runtime, count: usize) -> Vec<Pid<Sender>> {
    (0..count)
        .map(|_| {
            runtime
                .spawn(libprocess::generate_id("sender"), Sender)
                .unwrap()
        })
        .collect()
}

fn new_sink(runtime: &Runtime) -> Pid<Sink> {
    runtime
        .spawn(
            libprocess::generate_id("sink"),
            Sink {
                seen: 0,
                target: u64::MAX,
                progress: Arc::default(),
                done: None,
            },
        )
        .unwrap()
}

fn throughput(c: &mut Criterion) {
    let tokio = Config::from_env().unwrap().build_tokio_runtime().unwrap();
    let (local, remote) = tokio.block_on(async {
        (
            Runtime::start(Config::loopback()).await.unwrap(),
            Runtime::start(Config::loopback()).await.unwrap(),
        )
    });
    let sink = new_sink(&local);
    let one = spawn_senders(&local, 1);
    let many = spawn_senders(&local, 8);
    let remote_sink = new_sink(&remote);

    let mut group = c.benchmark_group("throughput");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.bench_function("local_one_sender", |b| {
        b.iter_custom(|messages| tokio.block_on(blast(&sink, &one, messages)))
    });
    group.bench_function("local_eight_senders", |b| {
        b.iter_custom(|messages| tokio.block_on(blast(&sink, &many, messages)))
    });
    group.bench_function("remote_one_sender", |b| {
        b.iter_custom(|messages| tokio.block_on(blast(&remote_sink, &one, messages)))
    });
    group.bench_function("remote_eight_senders", |b| {
        b.iter_custom(|messages| tokio.block_on(blast(&remote_sink, &many, messages)))
    });
    group.finish();

    tokio.block_on(async {
        local.shutdown().await;
        remote.shutdown().await;
    });
}

/// Round trips measured one by one, reported as percentiles.
fn latency(_: &mut Criterion) {
    let tokio = Config::from_env().unwrap().build_tokio_runtime().unwrap();
    tokio.block_on(async {
        let left = Runtime::start(Config::loopback()).await.unwrap();
        let right = Runtime::start(Config::loopback()).await.unwrap();
        let local_echo = left.spawn("echo", Echo).unwrap();
        let remote_echo = right.spawn("echo", Echo).unwrap();
        for (label, echo) in [("local", local_echo.upid()), ("remote", remote_echo.upid())] {
            let (done, samples) = oneshot::channel();
            let rounds = 20_000;
            let pinger = left
                .spawn(
                    libprocess::generate_id("pinger"),
                    Pinger {
                        echo: echo.clone(),
                        remaining: rounds,
                        sent_at: Instant::now(),
                        samples: Vec::with_capacity(rounds as usize),
                        done: Some(done),
                    },
                )
                .unwrap();
            pinger.dispatch(|pinger: &mut Pinger, ctx| pinger.ping(ctx));
            let mut samples = samples.await.unwrap();
            samples.sort();
            let at = |fraction: f64| samples[((samples.len() - 1) as f64 * fraction) as usize];
            println!(
                "latency {label} round trip over {rounds} pings: p50 {:?}, p99 {:?}",
                at(0.5),
                at(0.99)
            );
        }
        left.shutdown().await;
        right.shutdown().await;
    });
}

criterion_group!(benches, throughput, latency);
criterion_main!(benches);
