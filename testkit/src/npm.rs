//! npm packages for tests that run JavaScript clients under Node, installed
//! by the tests themselves under the cargo target directory and reused
//! across runs.

use std::path::PathBuf;
use std::process::Command;

use crate::target_dir;

/// The `node_modules` directory holding `packages` (npm specifiers such as
/// `@dcos/mesos-client@1.0.0`), installed on first use under
/// `<target>/npm-packages/`. Concurrent tests install privately and rename
/// into place, so they never see a half-made directory. A script loads a
/// package from it by path (`require(path.join(dir, "name"))`).
pub fn npm_packages(packages: &[&str]) -> PathBuf {
    let root = target_dir().join("npm-packages");
    let name: String = packages
        .join("+")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let prefix = root.join(&name);
    let modules = prefix.join("node_modules");
    if modules.is_dir() {
        return modules;
    }
    std::fs::create_dir_all(&root).expect("create the npm package directory");
    let building = root.join(format!("{name}.building-{}", std::process::id()));
    std::fs::create_dir_all(&building).expect("create a private npm prefix");
    let output = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--prefix",
        ])
        .arg(&building)
        .args(packages)
        .output()
        .unwrap_or_else(|e| {
            panic!("npm cannot run ({e}): Debian packages nodejs and npm, run `cargo xtask setup`")
        });
    assert!(
        output.status.success(),
        "npm install {} failed (it needs the npm registry; offline, run the test once \
         with network access to fill {}):\n{}{}",
        packages.join(" "),
        root.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if std::fs::rename(&building, &prefix).is_err() {
        // Another test got there first: use theirs.
        let _ = std::fs::remove_dir_all(&building);
    }
    assert!(modules.is_dir(), "no node_modules in {}", prefix.display());
    modules
}
