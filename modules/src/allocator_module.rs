//! Allocator modules: `--allocator=<module name>`.
//!
//! An `Allocator` module is an allocator in a library: it answers the
//! master's allocator calls, each a method of the instance with a JSON
//! object of arguments, as the `allocator::json` module documents (the
//! table of methods, their arguments and results). Offers come back as the
//! results of the `allocate` and `allocate_pending` calls, which the
//! master makes on its allocation schedule: the module never calls in.
//!
//! A library serving a Rust [`Allocator`] needs nothing but
//! `allocator::json::serve`; the `modules-example` library does so for the
//! first-come-first-served allocator of `allocator-example`.

use crate::{Instance, Kind, ModuleError, ModuleManager};
use allocator::Allocator;
use allocator::json::{JsonAllocator, Transport};
use serde_json::Value;

impl ModuleManager {
    /// Creates the `Allocator` module `name` as the master's allocator.
    pub fn create_allocator(&self, name: &str) -> Result<Box<dyn Allocator>, ModuleError> {
        let instance = self.create(name, Kind::Allocator)?;
        Ok(Box::new(JsonAllocator::new(ModuleTransport(instance))))
    }
}

/// Calls go to a module instance; failures that no call can return are
/// logged.
#[derive(Debug)]
struct ModuleTransport(Instance);

impl Transport for ModuleTransport {
    fn call(&self, method: &str, arguments: Value) -> Result<Option<Value>, String> {
        self.0
            .call(method, &arguments)
            .map_err(|error| error.to_string())
    }

    fn failed(&self, method: &str, error: String) {
        tracing::error!(module = self.0.module(), method, %error, "the allocator module failed");
    }
}
