//! The allocator's hot operations on a typical agent: four scalars plus a
//! ports range, unreserved, or split between a static reservation and the
//! unreserved pool.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use resources::Resources;
use std::hint::black_box;

struct Case {
    label: &'static str,
    agent: Resources,
    task: Resources,
}

fn cases() -> Vec<Case> {
    let parse = |text| Resources::parse(text, "*").expect("benchmark resources parse");
    vec![
        Case {
            label: "unreserved",
            agent: parse("cpus:32;mem:131072;disk:1048576;gpus:4;ports:[31000-32000]"),
            task: parse("cpus:0.5;mem:512;disk:1024;gpus:1;ports:[31005-31005]"),
        },
        Case {
            label: "reserved",
            agent: parse(
                "cpus(web):16;mem(web):65536;disk(web):524288;gpus(web):2;ports(web):[31000-31500];\
                 cpus:16;mem:65536;disk:524288;gpus:2;ports:[31501-32000]",
            ),
            task: parse(
                "cpus(web):0.5;mem(web):512;disk(web):1024;gpus(web):1;ports(web):[31005-31005]",
            ),
        },
    ]
}

fn arithmetic(c: &mut Criterion) {
    for Case { label, agent, task } in cases() {
        let mut group = c.benchmark_group(format!("resources/{label}"));
        group.bench_function("contains", |b| {
            b.iter(|| black_box(&agent).contains(black_box(&task)))
        });
        // Copies share their entries: the copy is paid by the first change.
        group.bench_function("clone", |b| b.iter(|| black_box(&agent).clone()));
        group.bench_function("add_assign", |b| {
            b.iter_batched_ref(
                || agent.clone(),
                |total| *total += black_box(&task),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("sub_assign", |b| {
            b.iter_batched_ref(
                || agent.clone(),
                |total| *total -= black_box(&task),
                BatchSize::SmallInput,
            )
        });
        // An allocation and its recovery, on one warm collection.
        group.bench_function("sub_then_add", |b| {
            let mut total = agent.clone();
            b.iter(|| {
                total -= black_box(&task);
                total += black_box(&task);
            })
        });
        group.finish();
    }
}

criterion_group!(benches, arithmetic);
criterion_main!(benches);
