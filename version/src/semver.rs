//! [`Version`]: stout's SemVer, to check and compare Mesos versions.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A version `major.minor.patch[-prerelease][+build]`, parsed and ordered as
/// stout's `Version`: missing components are zero (`1.0` is `1.0.0`), a
/// prerelease sorts before its release, build labels are kept but ignored
/// when comparing.
#[derive(Debug, Clone)]
pub struct Version {
    /// Incompatible API changes.
    pub major: u32,
    /// Compatible additions.
    pub minor: u32,
    /// Fixes.
    pub patch: u32,
    /// Dot-separated prerelease identifiers, e.g. `["rc1"]`.
    pub prerelease: Vec<String>,
    /// Dot-separated build identifiers.
    pub build: Vec<String>,
}

/// Why a string is not a [`Version`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// More than three numeric components, e.g. `1.2.3.4`.
    #[error("version '{0}' has more than 3 numeric components; expected x.y.z")]
    TooManyComponents(String),
    /// A numeric component that is empty, not a number or has a leading zero.
    #[error("version '{version}' has an invalid component '{component}'; expected x.y.z")]
    InvalidComponent {
        /// The whole version.
        version: String,
        /// The offending component.
        component: String,
    },
    /// A prerelease or build identifier that is empty or has characters other than `[0-9A-Za-z-]`.
    #[error("version '{version}' has an invalid label '{label}'")]
    InvalidLabel {
        /// The whole version.
        version: String,
        /// The offending label.
        label: String,
    },
}

impl Version {
    /// `major.minor.patch` without labels.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
            prerelease: Vec::new(),
            build: Vec::new(),
        }
    }
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let labels = |text: Option<&str>| -> Result<Vec<String>, VersionError> {
            let Some(text) = text else {
                return Ok(Vec::new());
            };
            text.split('.')
                .map(|label| {
                    let valid = !label.is_empty()
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                    valid
                        .then(|| label.to_owned())
                        .ok_or_else(|| VersionError::InvalidLabel {
                            version: s.to_owned(),
                            label: label.to_owned(),
                        })
                })
                .collect()
        };
        let (rest, build) = match s.split_once('+') {
            Some((rest, build)) => (rest, Some(build)),
            None => (s, None),
        };
        let (numbers, prerelease) = match rest.split_once('-') {
            Some((numbers, prerelease)) => (numbers, Some(prerelease)),
            None => (rest, None),
        };
        let components: Vec<&str> = numbers.split('.').collect();
        if components.len() > 3 {
            return Err(VersionError::TooManyComponents(s.to_owned()));
        }
        let mut parsed = [0u32; 3];
        for (slot, component) in parsed.iter_mut().zip(&components) {
            let leading_zero = component.len() > 1 && component.starts_with('0');
            *slot = component
                .parse()
                .ok()
                .filter(|_| !leading_zero && component.chars().all(|c| c.is_ascii_digit()))
                .ok_or_else(|| VersionError::InvalidComponent {
                    version: s.to_owned(),
                    component: (*component).to_owned(),
                })?;
        }
        let [major, minor, patch] = parsed;
        Ok(Version {
            major,
            minor,
            patch,
            prerelease: labels(prerelease)?,
            build: labels(build)?,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.prerelease.is_empty() {
            write!(f, "-{}", self.prerelease.join("."))?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build.join("."))?;
        }
        Ok(())
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(
                || match (self.prerelease.is_empty(), other.prerelease.is_empty()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    (false, false) => compare_labels(&self.prerelease, &other.prerelease),
                },
            )
    }
}

/// SemVer precedence: numeric identifiers numerically and before alphanumeric
/// ones, others lexically; a shorter list of equal prefix comes first.
fn compare_labels(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::{Version, VersionError};

    fn v(s: &str) -> Version {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_full_and_short_versions() {
        assert_eq!(v("1.11.0"), Version::new(1, 11, 0));
        assert_eq!(v("1.0"), Version::new(1, 0, 0));
        assert_eq!(v("2"), Version::new(2, 0, 0));
        let labelled = v("1.12.0-rc1.2+build.7");
        assert_eq!(labelled.prerelease, ["rc1", "2"]);
        assert_eq!(labelled.build, ["build", "7"]);
        assert_eq!(labelled.to_string(), "1.12.0-rc1.2+build.7");
    }

    #[test]
    fn rejects_malformed_versions() {
        assert!(matches!(
            "1.2.3.4".parse::<Version>(),
            Err(VersionError::TooManyComponents(_))
        ));
        for bad in ["", "1..0", "a.b.c", "01.0.0", "1.-1.0"] {
            assert!(
                matches!(
                    bad.parse::<Version>(),
                    Err(VersionError::InvalidComponent { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            "1.0.0-".parse::<Version>(),
            Err(VersionError::InvalidLabel { .. })
        ));
        assert!(matches!(
            "1.0.0+a_b".parse::<Version>(),
            Err(VersionError::InvalidLabel { .. })
        ));
    }

    #[test]
    fn orders_as_semver() {
        assert!(v("1.0.0") < v("1.11.0"));
        assert!(v("0.28.2") < v("1.0.0"));
        assert!(v("1.11.0-rc1") < v("1.11.0"));
        assert!(v("1.0.0-alpha") < v("1.0.0-alpha.1"));
        assert!(v("1.0.0-alpha.1") < v("1.0.0-alpha.beta"));
        assert!(v("1.0.0-beta.2") < v("1.0.0-beta.11"));
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
    }
}
