//! Test support shared by the workspace's tests (a dev-dependency only).
//!
//! - [`golden_dir`]: the captures of a real Mesos 1.11 cluster that the wire
//!   tests compare against;
//! - [`free_port`]: a loopback port nobody listens on;
//! - [`ZooKeeper`]: a private ZooKeeper 3.8 server (Debian's `zookeeper`
//!   package, installed by `cargo xtask setup`) on 127.0.0.1, stopped when
//!   dropped;
//! - [`build_go_program`]: one of our Go programs, built in GOPATH mode
//!   against Debian's Go libraries (mesos-go 0.0.6);
//! - [`python_venv`]: a Python with PyPI packages (kazoo), in a virtual
//!   environment kept under the cargo target directory;
//! - [`pymesos_venv`]: the same with pymesos 0.3.15, whose HTTP parser
//!   dependency needs rebuilding on Python 3.11;
//! - [`npm_packages`]: npm packages (`@dcos/mesos-client`) for JavaScript
//!   clients run under Node, kept under the cargo target directory;
//! - [`example_module_library`]: the example module library
//!   (`modules/example`), built for tests that load modules;
//! - [`TcpProxy`]: a loopback forwarder whose connections a test cuts to
//!   play a crash or a partition (e.g. between a master and ZooKeeper).
//!
//! Servers here listen on loopback only, and a missing dependency is a test
//! failure that says how to install it, never a skipped test.

mod go;
mod modules;
mod npm;
mod proxy;
mod python;
mod zookeeper;

pub use go::{MESOS_GO, build_go_program};
pub use modules::{example_module_file_name, example_module_library};
pub use npm::npm_packages;
pub use proxy::TcpProxy;
pub use python::{pymesos_venv, python_venv};
pub use zookeeper::ZooKeeper;

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};

/// `shared/golden/mesos-1.11`, beside the repository. Panics if absent.
pub fn golden_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/golden/mesos-1.11");
    assert!(
        dir.join("README.md").is_file(),
        "golden captures not found at {}: they live in shared/ beside the repository",
        dir.display()
    );
    dir
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("bind an ephemeral loopback port")
        .port()
}

/// The cargo target directory of the running test binary
/// (`<target>/<profile>/deps/<test>`): where tools built for the tests are
/// kept between runs.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .expect("the test binary lives in <target>/<profile>/deps")
}
