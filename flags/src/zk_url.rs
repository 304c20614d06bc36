//! [`ZkUrl`]: a ZooKeeper URL as Mesos reads it (`zk://[user:pass@]host1:port1,host2:port2/path`).

use std::fmt;
use std::str::FromStr;

const SCHEME: &str = "zk://";

/// Why a `zk://` URL did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseZkUrlError {
    #[error("expected a URL starting with 'zk://', such as 'zk://host1:2181,host2:2181/mesos'")]
    MissingScheme,
    #[error("no ZooKeeper server before the path; expected 'zk://host1:2181,host2:2181/mesos'")]
    NoServers,
}

/// The ZooKeeper ensemble, credentials and znode path of a `--zk` value.
///
/// Parsed as Mesos's `zookeeper::URL`: surrounding whitespace is ignored (a
/// `file://` value often ends with a newline); the path starts at the first
/// `/` after `zk://` and is `/` when absent; credentials are what precedes
/// the last `@` of the server list and authenticate with the `digest` scheme.
///
/// Display and `Debug` hide the password, since the value ends up in logs.
///
/// ```
/// use flags::ZkUrl;
///
/// let url: ZkUrl = "zk://jake:1@host1:2181,host2:2181/mesos".parse()?;
/// assert_eq!(url.servers(), "host1:2181,host2:2181");
/// assert_eq!(url.path(), "/mesos");
/// assert_eq!(url.credentials(), Some("jake:1"));
/// assert_eq!(url.to_string(), "zk://jake:***@host1:2181,host2:2181/mesos");
/// # Ok::<(), flags::ParseZkUrlError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ZkUrl {
    credentials: Option<String>,
    servers: String,
    path: String,
}

impl ZkUrl {
    /// The comma-separated `host:port` list, a ZooKeeper connect string.
    pub fn servers(&self) -> &str {
        &self.servers
    }

    /// The znode path as written, `/` when the URL has none.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `user:password` for ZooKeeper's `digest` authentication, if given.
    pub fn credentials(&self) -> Option<&str> {
        self.credentials.as_deref()
    }

    /// The user name of the credentials, if any (the part before the first `:`).
    fn user(&self) -> Option<&str> {
        self.credentials
            .as_deref()
            .map(|credentials| credentials.split(':').next().unwrap_or(credentials))
    }
}

impl FromStr for ZkUrl {
    type Err = ParseZkUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let rest = text
            .trim()
            .strip_prefix(SCHEME)
            .ok_or(ParseZkUrlError::MissingScheme)?;
        let (authority, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, "/"),
        };
        let (credentials, servers) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        if servers.is_empty() {
            return Err(ParseZkUrlError::NoServers);
        }
        Ok(ZkUrl {
            credentials: credentials.map(str::to_owned),
            servers: servers.to_owned(),
            path: path.to_owned(),
        })
    }
}

impl fmt::Display for ZkUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SCHEME)?;
        if let Some(user) = self.user() {
            write!(f, "{user}:***@")?;
        }
        write!(f, "{}{}", self.servers, self.path)
    }
}

impl fmt::Debug for ZkUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ZkUrl").field(&self.to_string()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{ParseZkUrlError, ZkUrl};

    fn parse(text: &str) -> ZkUrl {
        text.parse().unwrap()
    }

    #[test]
    fn parses_what_mesos_parses() {
        let url = parse("zk://host1:port1");
        assert_eq!(
            (url.credentials(), url.servers(), url.path()),
            (None, "host1:port1", "/")
        );
        for (text, servers, path) in [
            ("zk://jake:1@host1:port1", "host1:port1", "/"),
            ("zk://jake:1@host1:port1/", "host1:port1", "/"),
            (
                "zk://jake:1@host1:port1,host2:port2",
                "host1:port1,host2:port2",
                "/",
            ),
            (
                "zk://jake:1@host1:port1,host2:port2/",
                "host1:port1,host2:port2",
                "/",
            ),
            (
                "zk://jake:1@host1:port1,host2:port2/path/to/znode",
                "host1:port1,host2:port2",
                "/path/to/znode",
            ),
        ] {
            let url = parse(text);
            assert_eq!(url.credentials(), Some("jake:1"), "{text}");
            assert_eq!((url.servers(), url.path()), (servers, path), "{text}");
        }
    }

    #[test]
    fn credentials_end_at_the_last_at_sign_and_surrounding_space_is_ignored() {
        let url = parse("  zk://us@er:p@ss@127.0.0.1:2181/mesos\n");
        assert_eq!(url.credentials(), Some("us@er:p@ss"));
        assert_eq!(url.servers(), "127.0.0.1:2181");
        assert_eq!(url.path(), "/mesos");
    }

    #[test]
    fn the_password_never_shows() {
        let url = parse("zk://jake:secret@h:2181/m");
        assert_eq!(url.to_string(), "zk://jake:***@h:2181/m");
        assert!(!format!("{url:?}").contains("secret"));
        assert_eq!(parse("zk://h:2181").to_string(), "zk://h:2181/");
    }

    #[test]
    fn refuses_other_schemes_and_missing_servers() {
        assert_eq!(
            "http://h:2181/m".parse::<ZkUrl>(),
            Err(ParseZkUrlError::MissingScheme)
        );
        assert_eq!(
            "zk://u:p@/m".parse::<ZkUrl>(),
            Err(ParseZkUrlError::NoServers)
        );
        assert_eq!("zk:///m".parse::<ZkUrl>(), Err(ParseZkUrlError::NoServers));
    }
}
