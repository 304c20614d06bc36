//! Process addresses: [`Upid`] and process id generation.
//!
//! A UPID names a process anywhere on the network as `id@ip:port`. Parsing
//! follows libprocess: split at the first `@`, then at the first `:`; the host
//! is an IPv4 literal or a name resolved to IPv4 (the name is remembered but
//! never compared); the port is the leading decimal digits. Whitespace ends
//! the token. Anything else is invalid, and [`Upid::parse_lenient`] maps it
//! to the empty UPID `@0.0.0.0:0`, which is what a libprocess receiver does
//! with a malformed `Libprocess-From` header.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, ToSocketAddrs};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use crate::Error;

/// The address of a process: an id plus the ip:port of the runtime hosting it.
///
/// Equality, ordering and hashing use the id and the resolved ip:port only;
/// the host name a UPID was parsed from is kept for display purposes by the
/// caller (see [`Upid::host`]) but never compared. Cloning is cheap: the id
/// is reference counted.
#[derive(Clone)]
pub struct Upid {
    id: Arc<str>,
    address: SocketAddrV4,
    host: Option<Arc<str>>,
}

impl Upid {
    /// A UPID for process `id` at `address`.
    pub fn new(id: impl Into<Arc<str>>, address: SocketAddrV4) -> Self {
        Upid {
            id: id.into(),
            address,
            host: None,
        }
    }

    /// The empty UPID, `@0.0.0.0:0`: what libprocess uses for "no process".
    pub fn empty() -> Self {
        Upid::new("", SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))
    }

    /// The process id, e.g. `master` or `slave(1)`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The shared id, for cheap reuse in other UPIDs.
    pub fn id_arc(&self) -> &Arc<str> {
        &self.id
    }

    /// The resolved IPv4 address and port.
    pub fn address(&self) -> SocketAddrV4 {
        self.address
    }

    /// The host name this UPID was parsed from, when it was not an IP literal.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// True when the id is non-empty, the ip is not 0.0.0.0 and the port is
    /// not 0 — libprocess's notion of a usable UPID.
    pub fn is_valid(&self) -> bool {
        !self.id.is_empty() && !self.address.ip().is_unspecified() && self.address.port() != 0
    }

    /// Parses like libprocess's `UPID(string)` constructor: invalid text gives
    /// the empty UPID instead of an error.
    pub fn parse_lenient(text: &str) -> Upid {
        text.parse().unwrap_or_else(|_| Upid::empty())
    }
}

impl FromStr for Upid {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidUpid(text.to_owned());
        let token = text.split_whitespace().next().ok_or_else(invalid)?;
        let (id, rest) = token.split_once('@').ok_or_else(invalid)?;
        let (host, port) = rest.split_once(':').ok_or_else(invalid)?;
        let digits = port.len() - port.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let port: u16 = port[..digits].parse().map_err(|_| invalid())?;
        let (ip, host) = match host.parse::<Ipv4Addr>() {
            Ok(ip) => (ip, None),
            Err(_) => (
                resolve_ipv4(host).ok_or_else(invalid)?,
                Some(Arc::from(host)),
            ),
        };
        Ok(Upid {
            id: Arc::from(id),
            address: SocketAddrV4::new(ip, port),
            host,
        })
    }
}

fn resolve_ipv4(host: &str) -> Option<Ipv4Addr> {
    if host.is_empty() {
        return None;
    }
    (host, 0)
        .to_socket_addrs()
        .ok()?
        .find_map(|address| match address {
            SocketAddr::V4(v4) => Some(*v4.ip()),
            SocketAddr::V6(_) => None,
        })
}

impl fmt::Display for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.id, self.address)
    }
}

impl fmt::Debug for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Upid({self})")
    }
}

impl PartialEq for Upid {
    fn eq(&self, other: &Self) -> bool {
        self.address == other.address && self.id == other.id
    }
}

impl Eq for Upid {}

impl Hash for Upid {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
        self.address.hash(state);
    }
}

impl PartialOrd for Upid {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Upid {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.id, self.address.ip(), self.address.port()).cmp(&(
            &other.id,
            other.address.ip(),
            other.address.port(),
        ))
    }
}

impl Default for Upid {
    fn default() -> Self {
        Upid::empty()
    }
}

/// Generates a process id `prefix(N)`, with one counter per prefix for the
/// whole OS process — the ids libprocess gives (`slave(1)`, `scheduler(2)`).
pub fn generate_id(prefix: &str) -> String {
    static COUNTERS: OnceLock<Mutex<HashMap<String, u64>>> = OnceLock::new();
    let mut counters = COUNTERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let counter = counters.entry(prefix.to_owned()).or_insert(0);
    *counter += 1;
    format!("{prefix}({counter})")
}
