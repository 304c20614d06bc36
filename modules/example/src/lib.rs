//! An example module library for the master, built on the `modules-abi` C ABI.
//!
//! It holds two modules:
//! - `example_label_decorator` (kind `Hook`): when the master launches a
//!   task, appends the label given by its `key` and `value` parameters to
//!   the task's labels;
//! - `example_marker_file` (kind `Anonymous`): when created, writes
//!   `created` to the file its `path` parameter names, so a test or an
//!   operator can see that the master loaded and created it;
//! - `example_fifo_allocator` (kind `Allocator`): the first-come-first-served
//!   allocator of the `allocator-example` crate, answering the master's
//!   allocator calls (the JSON contract of `allocator::json`).
//!
//! The modules themselves are plain safe Rust over JSON values; `ffi` turns
//! them into the exported descriptor.

mod ffi;

use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What a method call produced, in the ABI's terms.
enum Outcome {
    Done(Option<Value>),
    Unsupported,
    Failed(String),
}

/// A created module, callable from any thread.
trait Instance: Send + Sync {
    fn call(&self, method: &str, input: &Value) -> Outcome;
}

/// The manifest parameters (`mesos.Parameters` JSON) as a key → value map.
fn parameters(json: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let value: Value =
        serde_json::from_slice(json).map_err(|e| format!("parameters are not JSON: {e}"))?;
    let entries = value["parameter"].as_array().cloned().unwrap_or_default();
    entries
        .iter()
        .map(
            |entry| match (entry["key"].as_str(), entry["value"].as_str()) {
                (Some(key), Some(value)) => Ok((key.to_owned(), value.to_owned())),
                _ => Err(format!("parameter {entry} lacks a string 'key' or 'value'")),
            },
        )
        .collect()
}

fn required(parameters: &BTreeMap<String, String>, key: &str) -> Result<String, String> {
    parameters
        .get(key)
        .cloned()
        .ok_or_else(|| format!("parameter '{key}' is required"))
}

/// Appends one label to every launched task.
struct LabelDecorator {
    key: String,
    value: String,
}

impl LabelDecorator {
    fn create(parameters: &BTreeMap<String, String>) -> Result<Box<dyn Instance>, String> {
        Ok(Box::new(Self {
            key: required(parameters, "key")?,
            value: required(parameters, "value")?,
        }))
    }
}

impl Instance for LabelDecorator {
    fn call(&self, method: &str, input: &Value) -> Outcome {
        if method != "master_launch_task_label_decorator" {
            return Outcome::Unsupported;
        }
        let mut labels = input["task_info"]["labels"]["labels"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        labels.push(json!({"key": self.key, "value": self.value}));
        Outcome::Done(Some(json!({ "labels": labels })))
    }
}

/// `allocator_example::FifoAllocator` behind the Allocator contract.
struct FifoAllocatorModule {
    /// Clones share the allocator: each call works on a clone.
    fifo: allocator_example::FifoAllocator,
    /// What the calls' `now` counts from.
    epoch: std::time::Instant,
}

impl FifoAllocatorModule {
    fn create(_parameters: &BTreeMap<String, String>) -> Result<Box<dyn Instance>, String> {
        Ok(Box::new(Self {
            fifo: allocator_example::FifoAllocator::new(),
            epoch: std::time::Instant::now(),
        }))
    }
}

impl Instance for FifoAllocatorModule {
    fn call(&self, method: &str, input: &Value) -> Outcome {
        let mut fifo = self.fifo.clone();
        match allocator::json::serve(&mut fifo, self.epoch, method, input) {
            Ok(result) => Outcome::Done(result),
            Err(message) => Outcome::Failed(message),
        }
    }
}

/// Writes a marker file when created; has no methods.
struct MarkerFile;

impl MarkerFile {
    fn create(parameters: &BTreeMap<String, String>) -> Result<Box<dyn Instance>, String> {
        let path = required(parameters, "path")?;
        std::fs::write(&path, "created\n").map_err(|e| format!("cannot write '{path}': {e}"))?;
        Ok(Box::new(Self))
    }
}

impl Instance for MarkerFile {
    fn call(&self, _method: &str, _input: &Value) -> Outcome {
        Outcome::Unsupported
    }
}
