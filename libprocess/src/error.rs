use std::net::SocketAddr;

/// Everything that can go wrong at this crate's boundary.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Text that is not a UPID (`id@host:port`).
    #[error("invalid UPID '{0}'")]
    InvalidUpid(String),

    /// A process with this id is already running in the runtime.
    #[error("a process with id '{0}' already exists")]
    DuplicateId(String),

    /// The process is gone: terminated, or never existed.
    #[error("process '{0}' is not running")]
    ProcessGone(String),

    /// The client of a streaming response has disconnected.
    #[error("the stream's client has disconnected")]
    StreamClosed,

    /// The client of a streaming response is not reading fast enough.
    #[error("the stream's buffer is full")]
    StreamFull,

    /// The listener could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },

    /// A `LIBPROCESS_*` environment variable has a value we cannot use.
    #[error("invalid value '{value}' for {name}")]
    InvalidEnvironment { name: &'static str, value: String },

    /// Any other I/O failure.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
