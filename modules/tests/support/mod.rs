//! Builds the example module library (`modules/example`) once per test binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The example library's file name, `libmodules_example.so`.
pub fn example_file_name() -> String {
    format!(
        "{}modules_example{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Builds the example library with cargo into a target directory of its own
/// (never the one running this test, whose lock cargo holds) and returns
/// its path. Optimised when the caller is (benchmarks), so that a benchmark
/// measures an optimised module.
pub fn example_library() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("example-module");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("example/Cargo.toml");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let profile = if cfg!(debug_assertions) {
            "dev"
        } else {
            "release"
        };
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--profile", profile, "--manifest-path"])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target)
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "cargo could not build {}",
            manifest.display()
        );
        let profile_dir = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        target.join(profile_dir).join(example_file_name())
    })
}

/// A `--modules` manifest loading `modules` (JSON array) from the example
/// library by its path.
pub fn manifest(modules: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "libraries": [{"file": example_library().to_str().unwrap(), "modules": modules}]
    })
}
