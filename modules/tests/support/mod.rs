//! The example module library (`modules/example`) in manifests.

use modules::ModuleManager;
use std::path::Path;

/// The example library, built once per test binary.
pub fn example_library() -> &'static Path {
    testkit::example_module_library(Path::new(env!("CARGO_TARGET_TMPDIR")))
}

/// A `--modules` manifest loading `modules` (JSON array) from the example
/// library by its path.
pub fn manifest(modules: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "libraries": [{"file": example_library().to_str().unwrap(), "modules": modules}]
    })
}

/// A module manager that has loaded `modules` (JSON array) from the example
/// library.
pub fn manager_loading(modules: serde_json::Value) -> ModuleManager {
    let mut manager = ModuleManager::new();
    manager.load_manifest(&manifest(modules)).unwrap();
    manager
}
