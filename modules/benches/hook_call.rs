//! The cost of one hook call across the module ABI (task, framework and
//! agent to JSON, the call, labels back from JSON), against the same label
//! decorator written as an in-process Rust `Hook`.

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use hooks::{Hook, HookError, HookManager};
use proto::mesos::{FrameworkInfo, Label, Labels, SlaveInfo, TaskInfo};
use serde_json::json;
use std::hint::black_box;
use std::sync::Arc;

fn label(key: &str, value: &str) -> Label {
    Label {
        key: key.to_owned(),
        value: Some(value.to_owned()),
    }
}

/// The example module's label decorator, in Rust.
#[derive(Debug)]
struct NativeDecorator;

impl Hook for NativeDecorator {
    fn master_launch_task_label_decorator(
        &self,
        task: &TaskInfo,
        _framework: &FrameworkInfo,
        _agent: &SlaveInfo,
    ) -> Result<Option<Labels>, HookError> {
        let mut labels = task.labels.clone().unwrap_or_default();
        labels.labels.push(label("decorated", "yes"));
        Ok(Some(labels))
    }
}

fn label_decorator(c: &mut Criterion) {
    let modules = support::manager_loading(json!([
        {"name": "example_label_decorator", "parameters": [
            {"key": "key", "value": "decorated"}, {"key": "value", "value": "yes"}]},
    ]));
    let mut through_module = HookManager::new();
    modules
        .install_hooks("example_label_decorator", &mut through_module)
        .unwrap();
    let mut native = HookManager::new();
    native.register("native", Arc::new(NativeDecorator));

    // A typical task: a few labels, a command; a framework and agent with
    // the fields every real one has.
    let task: TaskInfo = proto::json::from_value(&json!({
        "name": "web-1",
        "task_id": {"value": "web-1.4f7b"},
        "slave_id": {"value": "a1b2c3-S0"},
        "resources": [
            {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.5}},
            {"name": "mem", "type": "SCALAR", "scalar": {"value": 256}},
        ],
        "command": {"value": "./serve --port=$PORT0"},
        "labels": {"labels": [{"key": "team", "value": "web"}, {"key": "tier", "value": "1"}]},
    }))
    .unwrap();
    let framework: FrameworkInfo = proto::json::from_value(&json!({
        "user": "web", "name": "marathon", "id": {"value": "f1-0001"},
        "roles": ["web"], "capabilities": [{"type": "MULTI_ROLE"}],
    }))
    .unwrap();
    let agent: SlaveInfo = proto::json::from_value(&json!({
        "hostname": "agent-1.example", "port": 5051, "id": {"value": "a1b2c3-S0"},
    }))
    .unwrap();

    let mut group = c.benchmark_group("master_launch_task_label_decorator");
    for (name, hooks) in [
        ("module (C ABI, JSON)", &through_module),
        ("in-process Rust hook", &native),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                hooks.master_launch_task_label_decorator(black_box(&task), &framework, &agent)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, label_decorator);
criterion_main!(benches);
