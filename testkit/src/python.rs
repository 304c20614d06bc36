//! Python virtual environments with PyPI packages, made by the tests
//! themselves under the cargo target directory and reused across runs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `python` of a virtual environment holding `requirements` (pip
/// specifiers such as `kazoo==2.11.*`), creating it on first use under
/// `<target>/python-venvs/`. Concurrent tests build privately and rename
/// into place, so they never see a half-made environment.
pub fn python_venv(requirements: &[&str]) -> PathBuf {
    let name: String = requirements
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
    let root = target_dir().join("python-venvs");
    let venv = root.join(&name);
    let python = venv.join("bin/python");
    if python.is_file() {
        return python;
    }
    std::fs::create_dir_all(&root).expect("create the venv directory");
    let building = root.join(format!("{name}.building-{}", std::process::id()));
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&building),
        "python3 -m venv (Debian packages python3 and python3-venv: run `cargo xtask setup`)",
    );
    run(
        Command::new(building.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(requirements),
        "pip install",
    );
    if std::fs::rename(&building, &venv).is_err() {
        // Another test got there first: use theirs.
        let _ = std::fs::remove_dir_all(&building);
    }
    assert!(python.is_file(), "no python in {}", venv.display());
    python
}

/// The cargo target directory of the running test binary
/// (`<target>/<profile>/deps/<test>`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .expect("the test binary lives in <target>/<profile>/deps")
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
