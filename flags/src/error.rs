//! [`FlagsError`]: why the flags could not be loaded, in one line that names the flag and the fix.

use std::io;

/// Why loading the master flags failed.
///
/// Every message is a single line that names the flag and says how to fix it,
/// so the master can print it as is before exiting with status 1.
#[derive(Debug, thiserror::Error)]
pub enum FlagsError {
    /// A command-line flag that the master does not have (Mesos rejects these too).
    #[error("Unknown flag '{arg}': see 'mesos-master --help' for the supported flags")]
    UnknownFlag {
        /// The flag as given, e.g. `--slave_foo`.
        arg: String,
    },
    /// The same flag given twice in one source (possibly once under its deprecated name).
    #[error("Flag '{flag}' is given twice, as '{first}' and as '{second}': keep only one")]
    Duplicate {
        /// The flag's name.
        flag: &'static str,
        /// Where it was first given, e.g. `--agent_ping_timeout`.
        first: String,
        /// Where it was given again, e.g. `--slave_ping_timeout`.
        second: String,
    },
    /// A non-boolean flag given without `=VALUE`.
    #[error("Flag '{flag}' needs a value: pass --{flag}=VALUE")]
    MissingValue {
        /// The flag's name.
        flag: &'static str,
    },
    /// A non-boolean flag given as `--no-name`.
    #[error("Flag '{flag}' is not a boolean and cannot be given as '{arg}': pass --{flag}=VALUE")]
    NotBoolean {
        /// The flag's name.
        flag: &'static str,
        /// The flag as given, e.g. `--no-port`.
        arg: String,
    },
    /// A value that does not parse or is out of range.
    #[error("Invalid value '{value}' for flag '{flag}': {reason}")]
    InvalidValue {
        /// The flag's name (as given, if a deprecated name was used).
        flag: &'static str,
        /// The value as given, made printable on one line.
        value: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A `file://` value whose file cannot be read.
    #[error(
        "Failed to read '{path}' for flag '{flag}': {source}; check that the file exists and is readable"
    )]
    ReadFile {
        /// The flag's name.
        flag: &'static str,
        /// The path that was read.
        path: String,
        /// Why reading failed.
        source: io::Error,
    },
    /// Two flags that exclude each other.
    #[error("Flags '{flag}' and '{other}' cannot be used together: {fix}")]
    Conflict {
        /// The first flag.
        flag: &'static str,
        /// The flag it conflicts with.
        other: &'static str,
        /// What to do instead.
        fix: &'static str,
    },
    /// A flag that another flag's value makes mandatory.
    #[error("Flag '{flag}' is required {when}: {fix}")]
    Required {
        /// The missing flag.
        flag: &'static str,
        /// The situation that requires it, e.g. `with --registry=replicated_log`.
        when: String,
        /// What to do.
        fix: &'static str,
    },
    /// figment could not assemble the layers; a bug in this crate, not in the flags.
    #[error("Internal error while layering the master flags: {0}")]
    Layering(Box<figment::Error>),
}

/// Makes a value printable inside a one-line message: control characters are
/// escaped and long values are shortened.
pub(crate) fn one_line(value: &str) -> String {
    const MAX_CHARS: usize = 120;
    let mut shown = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    if shown.chars().count() > MAX_CHARS {
        shown = shown.chars().take(MAX_CHARS).chain("...".chars()).collect();
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn values_are_shown_on_one_line() {
        assert_eq!(one_line("15secs"), "15secs");
        assert_eq!(one_line("{\n\"a\": 1}"), "{\\n\"a\": 1}");
        assert_eq!(one_line(&"x".repeat(200)).len(), 123);
        assert_eq!(one_line("größe"), "größe");
    }
}
