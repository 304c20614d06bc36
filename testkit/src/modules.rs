//! The workspace's example module library (`modules/example`), built for
//! tests that load it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The example library's file name, `libmodules_example.so`.
pub fn example_module_file_name() -> String {
    format!(
        "{}modules_example{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Builds the example module library with cargo, once per test binary,
/// into `scratch/example-module` (never the target directory of the
/// running test, whose lock cargo holds) and returns its path. Optimised
/// when the caller is (benchmarks), so that a benchmark measures an
/// optimised module.
pub fn example_module_library(scratch: &Path) -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = scratch.join("example-module");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../modules/example/Cargo.toml");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let (profile, profile_dir) = if cfg!(debug_assertions) {
            ("dev", "debug")
        } else {
            ("release", "release")
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
        target.join(profile_dir).join(example_module_file_name())
    })
}
