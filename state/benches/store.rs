//! Store throughput per backend: one compare-and-swap `store` of a variable
//! per iteration, at registry-like value sizes.
//!
//! `cargo bench -p state --bench store`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use state::{Backend, State};
use std::sync::Arc;
use tokio::runtime::Runtime;

/// A registry with a handful of agents is around a kilobyte; one with
/// thousands of agents is megabytes.
const VALUE_SIZES: [usize; 2] = [1024, 1024 * 1024];

fn store_throughput(c: &mut Criterion) {
    let runtime = Runtime::new().expect("tokio runtime");
    let work_dir = tempfile::tempdir().expect("temporary directory");
    let backends = [
        ("in_memory", Backend::InMemory),
        (
            "embedded",
            Backend::Embedded {
                dir: work_dir.path().to_owned(),
            },
        ),
    ];

    let mut group = c.benchmark_group("store");
    for (backend_name, backend) in backends {
        let storage = runtime.block_on(backend.open()).expect("open backend");
        let state = State::new(Arc::clone(&storage));
        for size in VALUE_SIZES {
            let value = vec![0xA5u8; size];
            let mut variable = runtime
                .block_on(state.fetch(&format!("registry-{size}")))
                .expect("fetch");
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_function(BenchmarkId::new(backend_name, size), |b| {
                b.iter(|| {
                    variable = runtime
                        .block_on(state.store(variable.mutate(value.clone())))
                        .expect("store")
                        .expect("no concurrent writer");
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, store_throughput);
criterion_main!(benches);
