use std::path::PathBuf;
use thiserror::Error;

/// Why a state operation, or opening a backend, failed.
///
/// Losing a compare-and-swap race is not an error: `store`, `set` and
/// `expunge` report it in their `Ok` value.
#[derive(Debug, Error)]
pub enum StateError {
    /// The directory meant to hold the store could not be created.
    #[error("cannot create the state directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The store file could not be opened: it is not a valid store, it is
    /// damaged, or another process holds it open.
    #[error("cannot open the state store {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: redb::Error,
    },
    /// A stored entry is unreadable. The store is never reset over this: the
    /// operator has to look at it.
    #[error("state entry '{name}' is corrupt: {reason}")]
    CorruptEntry { name: String, reason: String },
    /// An entry's version is not a UUID.
    #[error("state entry '{name}' has a {len}-byte version, not a 16-byte UUID")]
    InvalidVersion { name: String, len: usize },
    /// The embedded store failed while reading or writing.
    #[error("state store failure: {0}")]
    Embedded(#[from] redb::Error),
    /// The worker thread running a blocking store operation died.
    #[error("state store worker failed: {0}")]
    Worker(#[from] tokio::task::JoinError),
    /// The ZooKeeper ensemble could not be reached, or the storage's root
    /// znodes could not be created there.
    #[error("cannot open the ZooKeeper state store at {servers}: {source}")]
    ZooKeeperConnect {
        servers: String,
        #[source]
        source: zookeeper_client::Error,
    },
    /// A ZooKeeper request failed (the session expired, the connection was
    /// lost, permission was denied...).
    #[error("ZooKeeper state store failure: {0}")]
    ZooKeeper(#[from] zookeeper_client::Error),
    /// A ZooKeeper operation got no answer within the session timeout.
    #[error("ZooKeeper state store gave no answer within {0:?}")]
    ZooKeeperTimeout(std::time::Duration),
    /// A value could not be compressed for ZooKeeper.
    #[error("cannot compress a state value: {0}")]
    Compress(#[source] std::io::Error),
    /// `--registry` names no backend this master has.
    #[error("unknown --registry '{0}': expected 'replicated_log', 'in_memory' or 'zk'")]
    UnknownBackend(String),
    /// The durable backend was chosen without a directory to keep it in.
    #[error("--work_dir is required with --registry=replicated_log")]
    WorkDirRequired,
    /// The ZooKeeper backend was chosen without an ensemble to keep it in.
    #[error(
        "--zk is required with --registry=zk: pass --zk=zk://host1:2181,host2:2181/mesos, \
         or use --registry=replicated_log"
    )]
    ZkRequired,
}

// redb gives each kind of call its own error type; callers only need to know
// the store failed and why, which redb::Error already says for all of them.
macro_rules! embedded_errors {
    ($($error:ty),* $(,)?) => {
        $(
            impl From<$error> for StateError {
                fn from(error: $error) -> Self {
                    StateError::Embedded(error.into())
                }
            }
        )*
    };
}

embedded_errors!(
    redb::CommitError,
    redb::SetDurabilityError,
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
);
