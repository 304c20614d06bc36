//! Small Go programs of ours, built against Debian's Go libraries.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::target_dir;

/// Where Debian's `golang-github-mesos-mesos-go-dev` puts mesos-go 0.0.6.
pub const MESOS_GO: &str = "/usr/share/gocode/src/github.com/mesos/mesos-go";

/// Builds the one-file program `main_go` in GOPATH mode (Debian ships Go
/// libraries for GOPATH, not modules), with `scratch` as its GOPATH, and
/// returns the binary's path. The Go build cache lives under the cargo
/// target directory, so mesos-go is compiled once, not once per test. Fails with the fix when `go` or mesos-go is
/// missing, and with the compiler's output when the build fails.
pub fn build_go_program(main_go: &Path, scratch: &Path) -> PathBuf {
    let go_available = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        go_available && Path::new(MESOS_GO).is_dir(),
        "this test needs `go` and mesos-go at {MESOS_GO}: run `cargo xtask setup` \
         (it installs golang-go and golang-github-mesos-mesos-go-dev)"
    );
    let name = main_go
        .parent()
        .and_then(Path::file_name)
        .expect("main.go sits in a directory named after its program");
    let package = scratch.join("src").join(name);
    std::fs::create_dir_all(&package).expect("create the GOPATH package directory");
    std::fs::copy(main_go, package.join("main.go")).expect("copy main.go");
    let binary = scratch.join(name);
    let output = Command::new("go")
        .args(["build", "-o"])
        .arg(&binary)
        .arg(name)
        .env("GO111MODULE", "off")
        .env("GOPATH", format!("{}:/usr/share/gocode", scratch.display()))
        .env("GOCACHE", target_dir().join("go-build-cache"))
        .env("GOFLAGS", "")
        .output()
        .expect("go build runs");
    assert!(
        output.status.success(),
        "go build failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    binary
}
