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
//! Defaults, then `MESOS_<NAME>` variables, then `--name=value` arguments are
//! layered with figment, later ones winning. The rules for names, booleans,
//! duplicates and `file://` values are stout's; see the [`load`](MasterFlags::load_from)
//! documentation and the `load` module.
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
//! # Values
//!
//! [`Duration`] and [`Bytes`] parse and print like stout (`15secs`, `4KB`).
//! JSON flags are kept as a [`JsonObject`] for the crate that owns their
//! message; `--zk` is a [`SecurePathOrValue`]; path flags are `PathBuf`s.

mod bytes;
mod duration;
mod error;
mod general;
mod help;
mod load;
mod master;
mod validate;
mod value;

pub use bytes::{Bytes, ParseBytesError};
pub use duration::{Duration, ParseDurationError};
pub use error::FlagsError;
pub use help::usage;
pub use load::{ENV_PREFIX, Load};
pub use master::MasterFlags;
pub use value::{JsonObject, SecurePathOrValue};
