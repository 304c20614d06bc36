//! A private ZooKeeper server for one test.

use crate::free_port;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ZOOKEEPER_JAR: &str = "/usr/share/java/zookeeper.jar";
/// How long a fresh server may take to answer (it takes about 0.3 s).
const STARTUP_LIMIT: Duration = Duration::from_secs(30);

/// A ZooKeeper 3.8 server on 127.0.0.1 with its own data directory; killed
/// when dropped.
#[derive(Debug)]
pub struct ZooKeeper {
    child: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
}

impl ZooKeeper {
    /// Starts a server on a free port and waits until it answers `ruok`.
    pub fn start() -> ZooKeeper {
        assert!(
            Path::new(ZOOKEEPER_JAR).is_file(),
            "{ZOOKEEPER_JAR} is missing: run `cargo xtask setup` (Debian package zookeeper)"
        );
        let dir = tempfile::tempdir().expect("temporary directory");
        let port = free_port();
        let config = format!(
            "tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir={}\nclientPort={port}\n\
             clientPortAddress=127.0.0.1\nadmin.enableServer=false\n\
             4lw.commands.whitelist=ruok,srvr\nmaxSessionTimeout=60000\n",
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("zoo.cfg"), config).expect("write zoo.cfg");
        let mut server = ZooKeeper {
            child: None,
            dir,
            port,
        };
        server.launch();
        server
    }

    /// `127.0.0.1:<port>`, for a `zk://` URL or a client.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `zk://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("zk://{}{path}", self.address())
    }

    /// Kills the server (SIGKILL): every session it held will expire.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _already_gone = child.kill();
            let _reaped = child.wait();
        }
    }

    /// Starts the server again on the same port and data.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    /// Starts the server again on the same port with no data: ZooKeeper
    /// knows none of the old sessions (their clients are told they expired)
    /// and none of the znodes.
    pub fn restart_empty(&mut self) {
        self.kill();
        let data = self.dir.path().join("data");
        if data.exists() {
            std::fs::remove_dir_all(&data).expect("remove ZooKeeper's data");
        }
        self.launch();
    }

    fn launch(&mut self) {
        let classpath = format!("{}:{ZOOKEEPER_JAR}", self.dir.path().display());
        let child = Command::new("java")
            .args(["-Xmx256m", "-cp", &classpath])
            .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
            .arg(self.dir.path().join("zoo.cfg"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start java (Debian's zookeeper package needs a JRE)");
        self.child = Some(child);
        let deadline = Instant::now() + STARTUP_LIMIT;
        while !self.answers_ruok() {
            assert!(
                Instant::now() < deadline,
                "ZooKeeper did not answer on {} within {STARTUP_LIMIT:?}",
                self.address()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn answers_ruok(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return false;
        };
        // While nothing listens on the port, a loopback connect can land on
        // itself (same ephemeral port at both ends) and then wait forever.
        if stream.local_addr().ok() == stream.peer_addr().ok() {
            return false;
        }
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let mut answer = String::new();
        stream.write_all(b"ruok").is_ok()
            && stream.read_to_string(&mut answer).is_ok()
            && answer == "imok"
    }
}

impl Drop for ZooKeeper {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_starts_answers_and_comes_back_after_a_kill() {
        let mut server = ZooKeeper::start();
        assert!(server.answers_ruok());
        server.kill();
        assert!(!server.answers_ruok());
        server.restart();
        assert!(server.answers_ruok());
        assert!(server.url("/mesos").starts_with("zk://127.0.0.1:"));
    }
}
