//! Project automation, run as `cargo xtask <command>` (see `.cargo/config.toml`).
//!
//! - `setup`: installs what the tests need from Debian's packages (Go with
//!   mesos-go, ...); the tests themselves start and stop every server;
//! - `ci`: `setup`, then formatting, lints and the whole test suite: the one
//!   command CI and README run;
//! - `bench`: the benchmarks whose figures BENCHMARKS.md records;
//! - `load-state`: `/master/state` and `/master/health` latencies with a
//!   big simulated cluster (see [`load_state`]).

mod load_state;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian packages the tests use, and a file each one installs (to tell
/// whether it is already there without asking dpkg on every run). Add a
/// package here in the same commit as the first test that needs it.
const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    // Leader election and the HA registry: tests start private servers.
    ("zookeeper", "/usr/share/java/zookeeper.jar"),
    // Tests make their own Python venvs for real clients (kazoo, pymesos).
    ("python3-venv", "/usr/share/doc/python3-venv"),
    // pymesos's http-parser is compiled from its Cython source on install.
    ("python3-dev", "/usr/share/doc/python3-dev"),
    // The npm operator API client (@dcos/mesos-client) runs under Node,
    // installed by its test with npm.
    ("nodejs", "/usr/bin/node"),
    ("npm", "/usr/bin/npm"),
    // libprocess interop: a Go program on mesos-go 0.0.6's messenger.
    ("golang-go", "/usr/bin/go"),
    (
        "golang-github-mesos-mesos-go-dev",
        "/usr/share/gocode/src/github.com/mesos/mesos-go",
    ),
];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("ci") => ci(),
        Some("bench") => bench(&args[1..]),
        Some("load-state") => load_state::run(&root, &args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 setup   install the Debian packages the tests need\n  \
                 ci      setup, then fmt --check, clippy -D warnings and every test\n  \
                 bench   run the benchmarks recorded in BENCHMARKS.md (extra args go to cargo bench)\n  \
                 load-state  time /master/state and /master/health on a big simulated cluster (--help)"
            );
            bail!("unknown or missing command");
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn setup() -> Result<()> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(_, marker)| !Path::new(marker).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        println!("xtask setup: all test dependencies are installed");
        return Ok(());
    }
    println!("xtask setup: installing {}", missing.join(" "));
    let sudo = !is_root();
    let apt = |args: &[&str]| -> Result<()> {
        let mut command = if sudo {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        } else {
            Command::new("apt-get")
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut command)
    };
    apt(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn ci() -> Result<()> {
    setup()?;
    run(Command::new("cargo").args(["fmt", "--all", "--", "--check"]))
        .context("formatting differs: run `cargo fmt --all`")?;
    run(Command::new("cargo").args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(Command::new("cargo").args(["test", "--workspace", "--all-targets"]))?;
    // Doc tests are not part of --all-targets.
    run(Command::new("cargo").args(["test", "--workspace", "--doc"]))?;
    println!("xtask ci: all checks passed");
    Ok(())
}

fn bench(extra: &[String]) -> Result<()> {
    run(Command::new("cargo")
        .args(["bench", "--workspace"])
        .args(extra))
}

fn run(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    println!("$ {shown}");
    let status = command
        .status()
        .with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}
