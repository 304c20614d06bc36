//! [`Duration`]: a span of time written the way Mesos writes it (`15secs`, `10mins`, `2weeks`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use proto::text::format_general;

const NANOS: i64 = 1;
const MICROS: i64 = 1_000 * NANOS;
const MILLIS: i64 = 1_000 * MICROS;
const SECS: i64 = 1_000 * MILLIS;
const MINS: i64 = 60 * SECS;
const HRS: i64 = 60 * MINS;
const DAYS: i64 = 24 * HRS;
const WEEKS: i64 = 7 * DAYS;

/// Units in the order they are tried, with their nanosecond factor.
const UNITS: [(&str, i64); 8] = [
    ("ns", NANOS),
    ("us", MICROS),
    ("ms", MILLIS),
    ("secs", SECS),
    ("mins", MINS),
    ("hrs", HRS),
    ("days", DAYS),
    ("weeks", WEEKS),
];

/// The hint every duration error ends with.
const HINT: &str =
    "expected a duration such as '15secs' (units: ns, us, ms, secs, mins, hrs, days, weeks)";

/// A signed span of time with nanosecond resolution, as stout's `Duration`.
///
/// Parsing accepts a non-negative decimal number followed directly by a unit,
/// e.g. `500ms`, `1.5secs`, `2weeks`. Display picks the largest unit in which
/// the value is a whole number, falling back to a fraction of the bucket's unit,
/// exactly like Mesos: `60secs` prints as `1mins`, `90secs` as `90secs`,
/// `1500ms` as `1500ms` and `36hrs` as `36hrs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    nanos: i64,
}

impl Duration {
    /// The zero duration.
    pub const ZERO: Duration = Duration { nanos: 0 };

    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Duration {
        Duration { nanos }
    }

    /// A duration of `secs` seconds.
    pub const fn from_secs(secs: i64) -> Duration {
        Duration { nanos: secs * SECS }
    }

    /// A duration of `mins` minutes.
    pub const fn from_mins(mins: i64) -> Duration {
        Duration { nanos: mins * MINS }
    }

    /// The length in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// The length in (fractional) seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / SECS as f64
    }

    /// The same span as a [`std::time::Duration`]; negative durations become zero.
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(u64::try_from(self.nanos).unwrap_or(0))
    }
}

/// Why a string is not a [`Duration`]. Every message ends with a hint on the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseDurationError {
    /// The string has no unit, e.g. `20`.
    #[error("missing unit; {HINT}")]
    MissingUnit,
    /// The unit is not one of Mesos's, e.g. `20sec`.
    #[error("unknown unit '{0}'; {HINT}")]
    UnknownUnit(String),
    /// Nothing before the unit, e.g. `secs` or `-1secs` (negative durations are not accepted).
    #[error("missing a non-negative number before the unit; {HINT}")]
    MissingNumber,
    /// The number before the unit does not parse, e.g. `1.2.3secs`.
    #[error("'{0}' is not a number; {HINT}")]
    InvalidNumber(String),
    /// The value does not fit in 64 bits of nanoseconds (about 292 years).
    #[error("out of range (at most about 15250weeks); {HINT}")]
    OutOfRange,
}

impl FromStr for Duration {
    type Err = ParseDurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or(ParseDurationError::MissingUnit)?;
        let (number, unit) = s.split_at(split);
        if number.is_empty() {
            return Err(ParseDurationError::MissingNumber);
        }
        let value: f64 = number
            .parse()
            .map_err(|_| ParseDurationError::InvalidNumber(number.to_owned()))?;
        let factor = UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, factor)| *factor)
            .ok_or_else(|| ParseDurationError::UnknownUnit(unit.to_owned()))?;
        let nanos = value * factor as f64;
        if !nanos.is_finite() || nanos >= i64::MAX as f64 {
            return Err(ParseDurationError::OutOfRange);
        }
        // Truncation toward zero, as stout does.
        Ok(Duration {
            nanos: nanos as i64,
        })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos < 0 {
            f.write_str("-")?;
        }
        let nanos = self.nanos.unsigned_abs();
        // The bucket is the largest unit not exceeding the value; a value that is
        // not whole in it but whole in the next smaller unit uses the smaller one.
        let bucket = UNITS
            .iter()
            .rposition(|(_, factor)| nanos >= factor.unsigned_abs())
            .unwrap_or(0);
        let whole = |index: usize| nanos.is_multiple_of(UNITS[index].1.unsigned_abs());
        let index = if bucket > 0 && !whole(bucket) && whole(bucket - 1) {
            bucket - 1
        } else {
            bucket
        };
        let (unit, factor) = UNITS[index];
        let value = format_general(nanos as f64 / factor as f64, 15);
        write!(f, "{value}{unit}")
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::{Duration, ParseDurationError};

    fn parse(s: &str) -> Duration {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse("7ns").as_nanos(), 7);
        assert_eq!(parse("7us").as_nanos(), 7_000);
        assert_eq!(parse("7ms").as_nanos(), 7_000_000);
        assert_eq!(parse("7secs"), Duration::from_secs(7));
        assert_eq!(parse("7mins"), Duration::from_mins(7));
        assert_eq!(parse("7hrs"), Duration::from_mins(7 * 60));
        assert_eq!(parse("7days"), Duration::from_secs(7 * 86_400));
        assert_eq!(parse("2weeks"), Duration::from_secs(14 * 86_400));
    }

    #[test]
    fn parses_fractions_and_truncates_to_nanoseconds() {
        assert_eq!(parse("1.5secs").as_nanos(), 1_500_000_000);
        assert_eq!(parse(".5mins"), Duration::from_secs(30));
        assert_eq!(parse("0.0000000015secs").as_nanos(), 1);
    }

    #[test]
    fn rejects_what_stout_rejects() {
        assert_eq!(
            "20".parse::<Duration>(),
            Err(ParseDurationError::MissingUnit)
        );
        assert_eq!(
            "20sec".parse::<Duration>(),
            Err(ParseDurationError::UnknownUnit("sec".into()))
        );
        assert_eq!(
            "20 secs".parse::<Duration>(),
            Err(ParseDurationError::UnknownUnit(" secs".into()))
        );
        assert_eq!(
            "20SECS".parse::<Duration>(),
            Err(ParseDurationError::UnknownUnit("SECS".into()))
        );
        assert_eq!(
            "-1secs".parse::<Duration>(),
            Err(ParseDurationError::MissingNumber)
        );
        assert_eq!(
            "1.2.3secs".parse::<Duration>(),
            Err(ParseDurationError::InvalidNumber("1.2.3".into()))
        );
        assert_eq!(
            "secs".parse::<Duration>(),
            Err(ParseDurationError::MissingNumber)
        );
        assert_eq!("".parse::<Duration>(), Err(ParseDurationError::MissingUnit));
        assert_eq!(
            "100000weeks".parse::<Duration>(),
            Err(ParseDurationError::OutOfRange)
        );
    }

    #[test]
    fn error_messages_name_the_expected_form() {
        let message = "20".parse::<Duration>().unwrap_err().to_string();
        assert!(message.contains("'15secs'"), "{message}");
        assert!(
            message.contains("ns, us, ms, secs, mins, hrs, days, weeks"),
            "{message}"
        );
    }

    #[test]
    fn displays_like_mesos() {
        let cases = [
            ("0ns", "0ns"),
            ("999ns", "999ns"),
            ("1500ns", "1500ns"),
            ("2us", "2us"),
            ("1500us", "1500us"),
            ("500ms", "500ms"),
            ("1secs", "1secs"),
            ("1500ms", "1500ms"),
            ("1.5secs", "1500ms"),
            ("15secs", "15secs"),
            ("60secs", "1mins"),
            ("90secs", "90secs"),
            ("10mins", "10mins"),
            ("90mins", "90mins"),
            ("24hrs", "1days"),
            ("36hrs", "36hrs"),
            ("14days", "2weeks"),
            ("10days", "10days"),
            ("1000000001ns", "1.000000001secs"),
            ("1.5weeks", "1.5weeks"),
        ];
        for (input, shown) in cases {
            assert_eq!(parse(input).to_string(), shown, "{input}");
        }
        assert_eq!(Duration::from_secs(-15).to_string(), "-15secs");
        assert_eq!(
            Duration::from_nanos(i64::MIN).to_string().chars().next(),
            Some('-')
        );
    }

    #[test]
    fn display_round_trips() {
        for nanos in [1, 999, 1_001, 123_456_789, 86_400_000_000_001, i64::MAX] {
            let duration = Duration::from_nanos(nanos);
            let shown = duration.to_string();
            let back = parse(&shown);
            let error = (back.as_nanos() - nanos).unsigned_abs();
            assert!(
                error <= (nanos.unsigned_abs() >> 40),
                "{nanos} -> {shown} -> {back:?}"
            );
        }
    }

    #[test]
    fn converts_to_std() {
        assert_eq!(
            parse("1500ms").to_std(),
            std::time::Duration::from_millis(1500)
        );
        assert_eq!(Duration::from_secs(-1).to_std(), std::time::Duration::ZERO);
        assert_eq!(Duration::from_secs(3).as_secs_f64(), 3.0);
    }
}
