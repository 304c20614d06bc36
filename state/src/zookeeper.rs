//! A backend in ZooKeeper, for masters that share the ensemble named by
//! `--zk`: whichever master leads reads and writes the same entries.
//!
//! # Layout
//!
//! Under the root path given (say `/mesos/state`):
//!
//! ```text
//! <root>/entries/<name>          head: version, encoding, and either the
//!                                value itself or the list of its chunks
//! <root>/chunks/<version>.<i>    chunk i of the value stored at <version>
//! ```
//!
//! A ZooKeeper request, and so a znode, is limited to about 1 MB
//! (`jute.maxbuffer`), and a multi-op counts as one request. So a value is
//! compressed (deflate), and kept in the head when it is small; a larger one
//! is written as immutable chunk znodes named after the new version, then the
//! head is switched to them with one version-checked `setData` (or `create`
//! for a new entry), and only then are the old chunks deleted. The head
//! switch is the commit: a writer that loses the race, or dies before it,
//! leaves the head as it was (at worst with unreferenced chunks), and a
//! reader always follows a head to chunks that exist, retrying if a writer
//! replaced them under it.

use crate::storage::version_of;
use crate::{Entry, StateError, Storage};
use async_trait::async_trait;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use prost::Message;
use std::io::{Read, Write};
use std::time::Duration;
use uuid::Uuid;
use zookeeper_client::{Acl, Acls, Client, CreateMode, CreateOptions, Permission};

/// Where and how to reach the ensemble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZooKeeperConfig {
    /// `host:port[,host:port...]`.
    pub servers: String,
    /// The znode under which entries are kept, e.g. `/mesos/state`; created
    /// if missing.
    pub root: String,
    /// `user:password` for ZooKeeper's digest scheme. With it, znodes are
    /// created readable by anyone and writable only by that user, as Mesos
    /// does; without it they are open.
    pub digest: Option<String>,
    /// The ZooKeeper session timeout (`--zk_session_timeout`).
    pub session_timeout: Duration,
}

/// Entries kept in a ZooKeeper ensemble; see the module guide for the
/// layout.
///
/// An operation under way when the session is lost fails (for the master,
/// the Registrar stops and the master exits, as Mesos's does). Once
/// ZooKeeper has expired the session, the next operation opens a new one:
/// a standby cut off from ZooKeeper for a while can still lead later, and
/// the versions checked on every write keep a stale writer from
/// overwriting anybody.
#[derive(Debug)]
pub struct ZooKeeperStorage {
    config: ZooKeeperConfig,
    /// The current session, replaced once ZooKeeper ends it.
    session: tokio::sync::Mutex<Client>,
    entries: String,
    chunks: String,
    acls: Acls<'static>,
}

/// How many times [`ZooKeeperStorage::open`] tries an ensemble that does
/// not answer, and how long it waits between tries.
const CONNECT_ATTEMPTS: u32 = 3;
const CONNECT_RETRY_INTERVAL: Duration = Duration::from_secs(2);

/// Values whose compressed form is at most this large live in their head;
/// larger ones are cut into chunks of this size. Well under the 1 MB znode
/// limit, with room for the head's other fields.
const CHUNK_SIZE: usize = 512 * 1024;

/// Mesos's ACL with credentials: anyone reads, the creator does anything.
static EVERYONE_READ_CREATOR_ALL: [Acl; 2] = [
    Acl::new_const(Permission::READ, "world", "anyone"),
    Acl::new_const(Permission::ALL, "auth", ""),
];

/// The head znode's contents.
#[derive(Clone, PartialEq, prost::Message)]
struct Head {
    /// The entry's version, a 16-byte UUID.
    #[prost(bytes = "vec", tag = "1")]
    uuid: Vec<u8>,
    /// The deflated value, when it fits in the head.
    #[prost(bytes = "vec", optional, tag = "2")]
    inline: Option<Vec<u8>>,
    /// Otherwise, how many chunks the deflated value was cut into.
    #[prost(uint32, tag = "3")]
    chunks: u32,
    /// The deflated value's length, checked on reading.
    #[prost(uint64, tag = "4")]
    deflated_len: u64,
}

/// Opens a session on the ensemble and makes sure the `dirs` exist. An
/// ensemble that does not answer within a session timeout is tried
/// [`CONNECT_ATTEMPTS`] times (a busy server may be slow to open a session)
/// before it is an error; other refusals are errors at once.
async fn connect(
    config: &ZooKeeperConfig,
    dirs: &[&str],
    acls: Acls<'static>,
) -> Result<Client, StateError> {
    let zookeeper_error = |source| StateError::ZooKeeperConnect {
        servers: config.servers.clone(),
        source,
    };
    let mut connector = Client::connector().with_session_timeout(config.session_timeout);
    if let Some(digest) = &config.digest {
        connector = connector.with_auth("digest", digest.as_bytes());
    }
    let mut attempt = 1;
    let client = loop {
        match connector.clone().connect(&config.servers).await {
            Ok(client) => break client,
            Err(
                error @ (zookeeper_client::Error::ConnectionLoss
                | zookeeper_client::Error::Timeout
                | zookeeper_client::Error::NoHosts),
            ) if attempt < CONNECT_ATTEMPTS => {
                tracing::warn!(servers = %config.servers, %error, attempt, "cannot reach ZooKeeper for the state store; retrying");
                attempt += 1;
                tokio::time::sleep(CONNECT_RETRY_INTERVAL).await;
            }
            Err(error) => return Err(zookeeper_error(error)),
        }
    };
    let options = CreateMode::Persistent.with_acls(acls);
    for dir in dirs {
        // Creating an existing znode is refused for lack of permission
        // before it is refused as existing: a reader without the writer's
        // credentials must not try.
        let exists = client
            .check_stat(dir)
            .await
            .map_err(zookeeper_error)?
            .is_some();
        if !exists {
            client.mkdir(dir, &options).await.map_err(zookeeper_error)?;
        }
    }
    Ok(client)
}

/// A head as read, with the znode version that a conditional write needs.
struct ReadHead {
    head: Head,
    znode_version: i32,
}

impl ZooKeeperStorage {
    /// Connects to the ensemble (see [`connect`]) and makes sure the
    /// root's layout exists.
    pub async fn open(config: &ZooKeeperConfig) -> Result<Self, StateError> {
        let acls = if config.digest.is_some() {
            Acls::new(&EVERYONE_READ_CREATOR_ALL)
        } else {
            Acls::anyone_all()
        };
        let root = config.root.trim_end_matches('/');
        let entries = format!("{root}/entries");
        let chunks = format!("{root}/chunks");
        let client = connect(config, &[&entries, &chunks], acls).await?;
        Ok(ZooKeeperStorage {
            config: config.clone(),
            session: tokio::sync::Mutex::new(client),
            entries,
            chunks,
            acls,
        })
    }

    /// The current session, or a new one if ZooKeeper ended the last.
    async fn session(&self) -> Result<Client, StateError> {
        let mut session = self.session.lock().await;
        let state = session.state();
        if state.is_terminated() {
            tracing::warn!(servers = %self.config.servers, %state, "the state store's ZooKeeper session ended; opening a new one");
            *session = connect(&self.config, &[&self.entries, &self.chunks], self.acls).await?;
        }
        Ok(session.clone())
    }

    /// Runs one storage operation, failing it if it takes longer than a
    /// session timeout: by then ZooKeeper would have expired the session of
    /// a client that could not reach it, so waiting longer only hides the
    /// failure.
    async fn bounded<T>(
        &self,
        operation: impl Future<Output = Result<T, StateError>>,
    ) -> Result<T, StateError> {
        let limit = self.config.session_timeout;
        tokio::time::timeout(limit, operation)
            .await
            .map_err(|_| StateError::ZooKeeperTimeout(limit))?
    }

    fn options(&self) -> CreateOptions<'static> {
        CreateMode::Persistent.with_acls(self.acls)
    }

    fn head_path(&self, name: &str) -> String {
        format!("{}/{}", self.entries, escape(name))
    }

    fn chunk_path(&self, version: &Uuid, index: u32) -> String {
        format!("{}/{}.{index}", self.chunks, version.simple())
    }

    async fn read_head(&self, client: &Client, name: &str) -> Result<Option<ReadHead>, StateError> {
        match client.get_data(&self.head_path(name)).await {
            Ok((bytes, stat)) => {
                let head =
                    Head::decode(bytes.as_slice()).map_err(|error| StateError::CorruptEntry {
                        name: name.to_owned(),
                        reason: format!("its head znode does not decode: {error}"),
                    })?;
                Ok(Some(ReadHead {
                    head,
                    znode_version: stat.version,
                }))
            }
            Err(zookeeper_client::Error::NoNode) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// The deflated value `head` points to; `None` if a writer replaced the
    /// entry and deleted its chunks while they were being read.
    async fn read_value(
        &self,
        client: &Client,
        name: &str,
        head: &Head,
    ) -> Result<Option<Vec<u8>>, StateError> {
        let deflated = match &head.inline {
            Some(inline) => inline.clone(),
            None => {
                let version = head_version(name, head)?;
                // Ask for every chunk before waiting for any: one round trip.
                let requests: Vec<_> = (0..head.chunks)
                    .map(|index| client.get_data(&self.chunk_path(&version, index)))
                    .collect();
                let mut deflated = Vec::with_capacity(head.deflated_len as usize);
                for request in requests {
                    match request.await {
                        Ok((chunk, _)) => deflated.extend(chunk),
                        Err(zookeeper_client::Error::NoNode) => return Ok(None),
                        Err(error) => return Err(error.into()),
                    }
                }
                deflated
            }
        };
        if deflated.len() as u64 != head.deflated_len {
            return Err(StateError::CorruptEntry {
                name: name.to_owned(),
                reason: format!(
                    "its value has {} bytes, its head says {}",
                    deflated.len(),
                    head.deflated_len
                ),
            });
        }
        let mut value = Vec::new();
        DeflateDecoder::new(deflated.as_slice())
            .read_to_end(&mut value)
            .map_err(|error| StateError::CorruptEntry {
                name: name.to_owned(),
                reason: format!("its value does not inflate: {error}"),
            })?;
        Ok(Some(value))
    }

    /// Deletes the chunks of a head no longer in use. Failing to delete only
    /// leaves unreferenced znodes behind, never a wrong value, so errors are
    /// not reported.
    async fn delete_chunks(&self, client: &Client, name: &str, head: &Head) {
        let Ok(version) = head_version(name, head) else {
            return;
        };
        let requests: Vec<_> = (0..head.chunks)
            .map(|index| client.delete(&self.chunk_path(&version, index), None))
            .collect();
        for request in requests {
            let _unreferenced_anyway = request.await;
        }
    }

    /// Writes `deflated` as the chunks of `version`, or returns it for the
    /// head when it is small enough.
    async fn write_chunks(
        &self,
        client: &Client,
        version: &Uuid,
        deflated: Vec<u8>,
    ) -> Result<Head, StateError> {
        let deflated_len = deflated.len() as u64;
        if deflated.len() <= CHUNK_SIZE {
            return Ok(Head {
                uuid: version.as_bytes().to_vec(),
                inline: Some(deflated),
                chunks: 0,
                deflated_len,
            });
        }
        let options = self.options();
        let paths: Vec<String> = (0..deflated.len().div_ceil(CHUNK_SIZE))
            .map(|index| self.chunk_path(version, index as u32))
            .collect();
        // Every create is sent before the first answer is awaited.
        let requests: Vec<_> = paths
            .iter()
            .zip(deflated.chunks(CHUNK_SIZE))
            .map(|(path, chunk)| client.create(path, chunk, &options))
            .collect();
        for request in requests {
            request.await?;
        }
        Ok(Head {
            uuid: version.as_bytes().to_vec(),
            inline: None,
            chunks: paths.len() as u32,
            deflated_len,
        })
    }
}

impl ZooKeeperStorage {
    async fn get_unbounded(&self, name: &str) -> Result<Option<Entry>, StateError> {
        let client = self.session().await?;
        loop {
            let Some(ReadHead { head, .. }) = self.read_head(&client, name).await? else {
                return Ok(None);
            };
            if let Some(value) = self.read_value(&client, name, &head).await? {
                return Ok(Some(Entry {
                    name: name.to_owned(),
                    uuid: head.uuid,
                    value,
                }));
            }
            // The entry was replaced while its chunks were being read; the
            // new head points to chunks that exist.
        }
    }

    async fn set_unbounded(&self, entry: &Entry, expected: Uuid) -> Result<bool, StateError> {
        let version = version_of(entry)?;
        let client = self.session().await?;
        let current = self.read_head(&client, &entry.name).await?;
        if let Some(current) = &current
            && head_version(&entry.name, &current.head)? != expected
        {
            return Ok(false);
        }

        let head = self
            .write_chunks(&client, &version, deflate(&entry.value)?)
            .await?;
        let head_bytes = head.encode_to_vec();
        let path = self.head_path(&entry.name);
        let switched = match &current {
            Some(current) => client
                .set_data(&path, &head_bytes, Some(current.znode_version))
                .await
                .map(drop),
            None => client
                .create(&path, &head_bytes, &self.options())
                .await
                .map(drop),
        };
        match switched {
            Ok(()) => {
                if let Some(current) = current {
                    self.delete_chunks(&client, &entry.name, &current.head)
                        .await;
                }
                Ok(true)
            }
            // Another writer switched (or created, or removed) the head
            // since it was read: the race is lost, and our chunks are
            // nobody's.
            Err(
                zookeeper_client::Error::BadVersion
                | zookeeper_client::Error::NodeExists
                | zookeeper_client::Error::NoNode,
            ) => {
                self.delete_chunks(&client, &entry.name, &head).await;
                Ok(false)
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn expunge_unbounded(&self, entry: &Entry) -> Result<bool, StateError> {
        let expected = version_of(entry)?;
        let client = self.session().await?;
        let Some(current) = self.read_head(&client, &entry.name).await? else {
            return Ok(false);
        };
        if head_version(&entry.name, &current.head)? != expected {
            return Ok(false);
        }
        match client
            .delete(&self.head_path(&entry.name), Some(current.znode_version))
            .await
        {
            Ok(()) => {
                self.delete_chunks(&client, &entry.name, &current.head)
                    .await;
                Ok(true)
            }
            Err(zookeeper_client::Error::BadVersion | zookeeper_client::Error::NoNode) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    async fn names_unbounded(&self) -> Result<Vec<String>, StateError> {
        let client = self.session().await?;
        let mut names: Vec<String> = client
            .list_children(&self.entries)
            .await?
            .iter()
            .map(|child| unescape(child))
            .collect();
        names.sort();
        Ok(names)
    }
}

#[async_trait]
impl Storage for ZooKeeperStorage {
    async fn get(&self, name: &str) -> Result<Option<Entry>, StateError> {
        self.bounded(self.get_unbounded(name)).await
    }

    async fn set(&self, entry: &Entry, expected: Uuid) -> Result<bool, StateError> {
        self.bounded(self.set_unbounded(entry, expected)).await
    }

    async fn expunge(&self, entry: &Entry) -> Result<bool, StateError> {
        self.bounded(self.expunge_unbounded(entry)).await
    }

    async fn names(&self) -> Result<Vec<String>, StateError> {
        self.bounded(self.names_unbounded()).await
    }
}

fn head_version(name: &str, head: &Head) -> Result<Uuid, StateError> {
    Uuid::from_slice(&head.uuid).map_err(|_| StateError::InvalidVersion {
        name: name.to_owned(),
        len: head.uuid.len(),
    })
}

fn deflate(value: &[u8]) -> Result<Vec<u8>, StateError> {
    // The fastest level: the registry is repetitive enough that it still
    // shrinks several times, and every store pays for it.
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(value).map_err(StateError::Compress)?;
    encoder.finish().map_err(StateError::Compress)
}

/// A znode name for entry `name`: ZooKeeper paths cannot hold `/` in a name,
/// nor names `.` and `..`, so `%`, `/` and `.` are percent-escaped.
fn escape(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '%' | '/' | '.' => escaped.push_str(&format!("%{:02X}", c as u32)),
            c => escaped.push(c),
        }
    }
    escaped
}

fn unescape(escaped: &str) -> String {
    let mut name = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(at) = rest.find('%') {
        name.push_str(&rest[..at]);
        let code = rest
            .get(at + 1..at + 3)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match code {
            Some(byte) => {
                name.push(char::from(byte));
                rest = &rest[at + 3..];
            }
            // Not written by `escape`: keep it as it is.
            None => {
                name.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    name.push_str(rest);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_znode_names_round_trip() {
        for name in ["registry", "a/b", ".", "..", "100%", "x.y/%2F"] {
            let escaped = escape(name);
            assert!(!escaped.contains('/') && escaped != "." && escaped != "..");
            assert_eq!(unescape(&escaped), name);
        }
    }
}
