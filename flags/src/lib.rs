//! Every flag of the Mesos 1.11 master, with Mesos's names, types, defaults
//! and `MESOS_*` environment variables.
//!
//! # Loading
//!
//! [`MasterFlags::load_from`] takes the command line and the environment and
//! returns a [`Load`]: the [`MasterFlags`] plus warnings (deprecated names,
//! ignored arguments) to log once logging is up. The binary calls
//! [`MasterFlags::load`], which passes the process's own.
//!
//! ```
//! use flags::MasterFlags;
//!
//! let load = MasterFlags::load_from(
//!     ["--registry=in_memory", "--slave_ping_timeout=30secs", "--no-hostname_lookup"],
//!     [("MESOS_PORT", "5051")],
//! )?;
//! assert_eq!(load.flags.port, 5051);
//! assert_eq!(load.flags.agent_ping_timeout.to_string(), "30secs");
//! assert!(!load.flags.hostname_lookup);
//! assert_eq!(load.warnings.len(), 1); // `slave_ping_timeout` is deprecated.
//! # Ok::<(), flags::FlagsError>(())
//! ```
//!
//! The rules are stout's (`FlagsBase::load`), so a Mesos command line behaves
//! the same here:
//!
//! * `--name=value`; booleans also as `--name` (true) and `--no-name` (false);
//!   names are case-insensitive; `--` ends the flags; arguments that do not
//!   start with `--` are ignored (with a warning here).
//! * An unknown command-line flag is an error; unknown `MESOS_*` variables are
//!   ignored, since other tools use that prefix too.
//! * A flag given twice in the same source, also under its deprecated name, is
//!   an error.
//! * `file:///path` is replaced by the file's contents, except for path flags
//!   (`--whitelist`, `--credentials`) which keep the text for their reader.
//!   JSON flags also read a bare absolute path, with a deprecation warning.
//!   `--zk=file:///path` reads the URL from the file but `/flags` shows the path.
//!
//! The three sources are figment layers, each overriding the one before:
//! defaults, then the environment, then the command line. Stout rejects a flag
//! given in the environment under one name and on the command line under the
//! other; here the command line simply wins, as it does for the same name.
//!
//! # Errors
//!
//! Loading fails with a [`FlagsError`] for an unknown command-line flag, a
//! duplicate, a value that does not parse, an unreadable `file://` value, or
//! a configuration Mesos would refuse to start with (e.g.
//! `--registry_strict=true`, `--agent_ping_timeout` outside 1secs..15mins,
//! both `--ip` and `--ip_discovery_command`). Each message is one line that
//! names the flag and the fix:
//!
//! ```text
//! Invalid value '20' for flag 'agent_ping_timeout': missing unit; expected a duration such as '15secs' (units: ns, us, ms, secs, mins, hrs, days, weeks)
//! ```
//!
//! # Rendering
//!
//! [`MasterFlags::to_mesos_map`] gives the `name -> value` map that Mesos
//! shows in `/flags` and `GET_FLAGS`; [`usage`] gives the `--help` text.
//!
//! Two known differences from Mesos: JSON flags render as the compact JSON
//! given (Mesos prints `--acls`, `--firewall_rules`, `--rate_limits` and
//! `--modules` in protobuf text format, which needs their schema), and
//! `--max_executors_per_agent` is absent, as in Mesos builds without the
//! port-mapping isolator (the golden master's).
//!
//! # Values
//!
//! [`Duration`] and [`Bytes`] parse and print like stout (`15secs`, `4KB`).
//! JSON flags are kept as a [`JsonObject`] for the crate that owns their
//! message; `--zk` is a [`SecurePathOrValue`] whose value parses as a
//! [`ZkUrl`]; path flags are `PathBuf`s.

mod bytes;
mod duration;
mod error;
mod help;
mod load;
mod master;
mod validate;
mod value;
mod zk_url;

pub use bytes::{Bytes, ParseBytesError};
pub use duration::{Duration, ParseDurationError};
pub use error::FlagsError;
pub use help::usage;
pub use load::{ENV_PREFIX, Load};
pub use master::MasterFlags;
pub use value::{JsonObject, SecurePathOrValue};
pub use zk_url::{ParseZkUrlError, ZkUrl};
