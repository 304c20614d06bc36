//! A created module: its methods called with JSON.

use crate::ffi::{RawInstance, Reply};
use crate::{Kind, ModuleError};
use serde_json::Value;

/// An instance of a loaded module, destroyed when dropped.
///
/// Instances are `Send + Sync` (the ABI requires modules to be thread-safe).
#[derive(Debug)]
pub struct Instance {
    module: String,
    kind: Kind,
    raw: RawInstance,
}

impl Instance {
    pub(crate) fn new(module: String, kind: Kind, raw: RawInstance) -> Self {
        Self { module, kind, raw }
    }

    /// The module's name.
    pub fn module(&self) -> &str {
        &self.module
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Calls `method` with `input`. `Ok(None)` when the method returned no
    /// result (or `null`), or when the module does not implement it: either
    /// way the master goes on as without the module.
    pub fn call(&self, method: &str, input: &Value) -> Result<Option<Value>, ModuleError> {
        let failure = |reason: String| ModuleError::Call {
            module: self.module.clone(),
            method: method.to_owned(),
            reason,
        };
        match self.raw.call(method, input.to_string().as_bytes()) {
            Reply::Ok(output) if output.is_empty() => Ok(None),
            Reply::Ok(output) => match serde_json::from_slice(&output) {
                Ok(Value::Null) => Ok(None),
                Ok(result) => Ok(Some(result)),
                Err(e) => Err(failure(format!("its result is not JSON ({e})"))),
            },
            Reply::Unsupported => Ok(None),
            Reply::Error(message) => Err(failure(message)),
            Reply::UnknownStatus(status) => Err(failure(format!(
                "it returned status {status}, which the module ABI does not define"
            ))),
        }
    }
}
