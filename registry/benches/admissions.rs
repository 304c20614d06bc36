//! Registrar admissions per second with batching, per backend, from an
//! empty registry up to 50,000 admitted agents; and the registry's size.
//!
//! Each iteration recovers a Registrar over a fresh store and admits `N`
//! agents that all register at once, each waiting for its own admission (a
//! cluster's agents meeting a new master); each admission returns once its
//! batch is durable. The registry's size after the last admission is printed
//! once per case.
//!
//! The ZooKeeper backend runs against a private server (`testkit`), each
//! iteration under a fresh root znode.
//!
//! `cargo bench -p registry --bench admissions`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use proto::mesos::{MasterInfo, Resource, SlaveId, SlaveInfo, value};
use registry::{Operation, Outcome, Registrar, RegistrarConfig};
use state::{Backend, State, ZooKeeperConfig};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

const AGENT_COUNTS: [usize; 3] = [1_000, 10_000, 50_000];

/// An agent as a typical Mesos agent registers: four scalars and ports.
fn agent(n: usize) -> SlaveInfo {
    let scalar = |name: &str, amount: f64| Resource {
        name: name.into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: amount }),
        ..Default::default()
    };
    let ports = Resource {
        name: "ports".into(),
        r#type: value::Type::Ranges as i32,
        ranges: Some(value::Ranges {
            range: vec![value::Range {
                begin: 31000,
                end: 32000,
            }],
        }),
        ..Default::default()
    };
    SlaveInfo {
        hostname: format!("agent-{n:05}.cluster.example.org"),
        port: Some(5051),
        id: Some(SlaveId {
            value: format!("9b2c6f1e-4a3d-4c8b-9f0e-7d6a5b4c3d2e-S{n}"),
        }),
        resources: vec![
            scalar("cpus", 32.0),
            scalar("mem", 257_000.0),
            scalar("disk", 1_800_000.0),
            scalar("gpus", 0.0),
            ports,
        ],
        ..Default::default()
    }
}

fn master() -> MasterInfo {
    MasterInfo {
        id: "9b2c6f1e-4a3d-4c8b-9f0e-7d6a5b4c3d2e".into(),
        ip: 0x0100_007f,
        port: 5050,
        ..Default::default()
    }
}

/// Admits `count` agents; returns the time taken and the registry's size.
async fn admit_all(backend: &Backend, count: usize) -> (Duration, u64) {
    let state = State::new(backend.open().await.expect("open the backend"));
    let (registrar, _) = Registrar::recover(state, master(), RegistrarConfig::default())
        .await
        .expect("recover");
    let started = Instant::now();
    let mut agents = JoinSet::new();
    for n in 0..count {
        let registrar = registrar.clone();
        agents.spawn(async move { registrar.apply(Operation::AdmitAgent(agent(n))).await });
    }
    while let Some(outcome) = agents.join_next().await {
        assert_eq!(outcome.unwrap().unwrap(), Outcome::Mutated);
    }
    (started.elapsed(), registrar.metrics().registry_size_bytes)
}

fn admissions(c: &mut Criterion) {
    let runtime = Runtime::new().expect("tokio runtime");
    let zookeeper = testkit::ZooKeeper::start();
    let mut group = c.benchmark_group("admissions");
    group.sample_size(10);
    for count in AGENT_COUNTS {
        group.throughput(Throughput::Elements(count as u64));
        for backend_name in ["in_memory", "embedded", "zookeeper"] {
            let mut size = 0;
            group.bench_function(BenchmarkId::new(backend_name, count), |b| {
                b.iter_custom(|iterations| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        // A fresh, empty store for every iteration.
                        let work_dir = tempfile::tempdir().expect("temporary directory");
                        let backend = match backend_name {
                            "in_memory" => Backend::InMemory,
                            "embedded" => Backend::Embedded {
                                dir: work_dir.path().to_owned(),
                            },
                            _ => Backend::ZooKeeper(ZooKeeperConfig {
                                servers: zookeeper.address(),
                                root: format!("/bench/{}", uuid::Uuid::new_v4().simple()),
                                digest: None,
                                session_timeout: Duration::from_secs(10),
                            }),
                        };
                        let (elapsed, bytes) = runtime.block_on(admit_all(&backend, count));
                        total += elapsed;
                        size = bytes;
                    }
                    total
                });
            });
            // A case filtered out on the command line measured nothing.
            if size > 0 {
                println!("registry size after {count} admissions ({backend_name}): {size} bytes");
            }
        }
    }
    group.finish();
}

criterion_group!(benches, admissions);
criterion_main!(benches);
