//! [`Bytes`]: an amount of memory written the way Mesos writes it (`4KB`, `64MB`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const KB: u64 = 1024;
const MB: u64 = 1024 * KB;
const GB: u64 = 1024 * MB;
const TB: u64 = 1024 * GB;

/// Units from the largest down, with their factor (powers of 1024).
const UNITS: [(&str, u64); 5] = [("TB", TB), ("GB", GB), ("MB", MB), ("KB", KB), ("B", 1)];

const HINT: &str = "expected a whole amount of bytes such as '64MB' (units: B, KB, MB, GB, TB)";

/// A whole number of bytes, as stout's `Bytes`.
///
/// Parsing takes digits directly followed by a unit among `B KB MB GB TB`
/// (any case; 1KB = 1024B). Display raises the unit only while no information
/// is lost: 4096 bytes print as `4KB`, 4097 as `4097B`, zero as `0B`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bytes(u64);

impl Bytes {
    /// An amount of `bytes` bytes.
    pub const fn new(bytes: u64) -> Bytes {
        Bytes(bytes)
    }

    /// The amount in bytes.
    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

/// Why a string is not a [`Bytes`] amount. Every message ends with a hint on the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseBytesError {
    /// No unit after the digits, e.g. `64`.
    #[error("missing unit; {HINT}")]
    MissingUnit,
    /// Nothing or something other than digits before the unit, e.g. `MB` or `-1MB`.
    #[error("missing a whole number before the unit; {HINT}")]
    MissingNumber,
    /// A decimal point, e.g. `1.5GB`.
    #[error("fractional amounts are not supported; {HINT}")]
    Fractional,
    /// An unknown unit, e.g. `64MiB`.
    #[error("unknown unit '{0}'; {HINT}")]
    UnknownUnit(String),
    /// More than 2^64 - 1 bytes.
    #[error("out of range; {HINT}")]
    OutOfRange,
}

impl FromStr for Bytes {
    type Err = ParseBytesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let split = s
            .find(|c: char| !c.is_ascii_digit())
            .ok_or(ParseBytesError::MissingUnit)?;
        let (number, unit) = s.split_at(split);
        if unit.starts_with('.') {
            return Err(ParseBytesError::Fractional);
        }
        if number.is_empty() {
            return Err(ParseBytesError::MissingNumber);
        }
        let value: u64 = number.parse().map_err(|_| ParseBytesError::OutOfRange)?;
        let unit = unit.to_ascii_uppercase();
        let factor = UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, factor)| *factor)
            .ok_or(ParseBytesError::UnknownUnit(unit))?;
        value
            .checked_mul(factor)
            .map(Bytes)
            .ok_or(ParseBytesError::OutOfRange)
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Zero divides by every unit; Mesos shows it in bytes.
        let (unit, factor) = match self.0 {
            0 => ("B", 1),
            bytes => UNITS
                .into_iter()
                .find(|(_, factor)| bytes.is_multiple_of(*factor))
                .unwrap_or(("B", 1)),
        };
        write!(f, "{}{unit}", self.0 / factor)
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::{Bytes, ParseBytesError};

    #[test]
    fn parses_every_unit_in_any_case() {
        assert_eq!("17B".parse(), Ok(Bytes::new(17)));
        assert_eq!("4KB".parse(), Ok(Bytes::new(4096)));
        assert_eq!("4kb".parse(), Ok(Bytes::new(4096)));
        assert_eq!("64MB".parse(), Ok(Bytes::new(64 << 20)));
        assert_eq!("2GB".parse(), Ok(Bytes::new(2 << 30)));
        assert_eq!("1TB".parse(), Ok(Bytes::new(1 << 40)));
    }

    #[test]
    fn rejects_what_stout_rejects() {
        assert_eq!("64".parse::<Bytes>(), Err(ParseBytesError::MissingUnit));
        assert_eq!("MB".parse::<Bytes>(), Err(ParseBytesError::MissingNumber));
        assert_eq!("-1MB".parse::<Bytes>(), Err(ParseBytesError::MissingNumber));
        assert_eq!("1.5GB".parse::<Bytes>(), Err(ParseBytesError::Fractional));
        assert_eq!(
            "64MiB".parse::<Bytes>(),
            Err(ParseBytesError::UnknownUnit("MIB".into()))
        );
        assert_eq!(
            "99999999TB".parse::<Bytes>(),
            Err(ParseBytesError::OutOfRange)
        );
        let message = "64".parse::<Bytes>().unwrap_err().to_string();
        assert!(message.contains("'64MB'"), "{message}");
    }

    #[test]
    fn displays_like_mesos() {
        assert_eq!(Bytes::new(0).to_string(), "0B");
        assert_eq!(Bytes::new(4096).to_string(), "4KB");
        assert_eq!(Bytes::new(4097).to_string(), "4097B");
        assert_eq!(Bytes::new(1536 << 10).to_string(), "1536KB");
        assert_eq!(Bytes::new(32 << 20).to_string(), "32MB");
        assert_eq!(Bytes::new(2 << 30).to_string(), "2GB");
        assert_eq!(Bytes::new(3 << 40).to_string(), "3TB");
        assert_eq!(Bytes::new(2048 << 40).to_string(), "2048TB");
    }
}
