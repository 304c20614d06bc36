//! [`Rate`]: the `N/<duration>` value of `--agent_removal_rate_limit`.

use std::fmt;
use std::str::FromStr;

use flags::{Duration, ParseDurationError};

/// `permits` per `duration`, e.g. `1/20mins`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    permits: u32,
    duration: Duration,
}

impl Rate {
    /// The number of permits per [`Rate::duration`]; at least 1.
    pub fn permits(&self) -> u32 {
        self.permits
    }

    /// The span in which [`Rate::permits`] permits are granted; positive.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// The time between two permits: `duration / permits`.
    pub fn interval(&self) -> std::time::Duration {
        self.duration.to_std() / self.permits
    }
}

/// Why a value of `--agent_removal_rate_limit` is invalid. Each message is one
/// line naming the flag and the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitError {
    /// Not two parts separated by `/`.
    #[error(
        "Invalid value '{0}' for flag 'agent_removal_rate_limit': expected <number of agents>/<duration>, e.g. 1/20mins"
    )]
    Format(String),
    /// The number of agents is not a whole number of at least 1.
    #[error(
        "Invalid value '{0}' for flag 'agent_removal_rate_limit': the number of agents must be a whole number of at least 1, e.g. 1/20mins"
    )]
    Permits(String),
    /// The duration does not parse.
    #[error("Invalid value '{value}' for flag 'agent_removal_rate_limit': bad duration, {source}")]
    Duration {
        /// The flag's value.
        value: String,
        /// Why the duration does not parse.
        source: ParseDurationError,
    },
    /// The duration is zero.
    #[error(
        "Invalid value '{0}' for flag 'agent_removal_rate_limit': the duration must be greater than zero, e.g. 1/20mins"
    )]
    ZeroDuration(String),
}

impl FromStr for Rate {
    type Err = RateLimitError;

    /// Parses as Mesos does: the value is split at `/` ignoring empty parts,
    /// which must leave exactly a number and a duration.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = value.split('/').filter(|part| !part.is_empty()).collect();
        let [permits, duration] = parts[..] else {
            return Err(RateLimitError::Format(value.to_owned()));
        };
        let permits = permits
            .parse::<u32>()
            .ok()
            .filter(|permits| *permits > 0)
            .ok_or_else(|| RateLimitError::Permits(value.to_owned()))?;
        let duration = duration
            .parse::<Duration>()
            .map_err(|source| RateLimitError::Duration {
                value: value.to_owned(),
                source,
            })?;
        if duration <= Duration::ZERO {
            return Err(RateLimitError::ZeroDuration(value.to_owned()));
        }
        Ok(Rate { permits, duration })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.permits, self.duration)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration as StdDuration;

    use super::{Rate, RateLimitError};

    fn rate(value: &str) -> Rate {
        value.parse().unwrap_or_else(|e| panic!("{value}: {e}"))
    }

    #[test]
    fn parses_mesos_examples() {
        let one = rate("1/20mins");
        assert_eq!(
            (one.permits(), one.duration().to_string()),
            (1, "20mins".to_owned())
        );
        assert_eq!(one.interval(), StdDuration::from_secs(20 * 60));
        assert_eq!(rate("2/3hrs").interval(), StdDuration::from_secs(90 * 60));
        assert_eq!(
            rate("3/1secs").interval(),
            StdDuration::from_nanos(333_333_333)
        );
        assert_eq!(rate("1/20mins").to_string(), "1/20mins");
    }

    #[test]
    fn ignores_empty_parts_like_mesos_tokenize() {
        assert_eq!(rate("1//20mins"), rate("1/20mins"));
        assert_eq!(rate("/1/20mins/"), rate("1/20mins"));
    }

    #[test]
    fn rejects_bad_values_in_one_line_naming_the_flag() {
        let cases = [
            ("1", "Format"),
            ("1/2/3secs", "Format"),
            ("", "Format"),
            ("x/20mins", "Permits"),
            ("0/20mins", "Permits"),
            ("-1/20mins", "Permits"),
            ("1.5/20mins", "Permits"),
            ("1/20", "Duration"),
            ("1/20minutes", "Duration"),
            ("1/0secs", "ZeroDuration"),
        ];
        for (value, kind) in cases {
            let error = value.parse::<Rate>().expect_err(value);
            let message = error.to_string();
            assert!(format!("{error:?}").starts_with(kind), "{value}: {error:?}");
            assert!(message.contains("'agent_removal_rate_limit'"), "{message}");
            assert!(message.contains(&format!("'{value}'")), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
        assert_eq!(
            "1/20".parse::<Rate>().unwrap_err().to_string(),
            "Invalid value '1/20' for flag 'agent_removal_rate_limit': bad duration, missing unit; \
             expected a duration such as '15secs' (units: ns, us, ms, secs, mins, hrs, days, weeks)"
        );
        assert!(matches!(
            "1".parse::<Rate>(),
            Err(RateLimitError::Format(_))
        ));
    }
}
