//! The version process: what `/version` (and the operator call `GET_VERSION`)
//! says about this master, in Mesos's JSON shape.
//!
//! ```
//! let info = version::VersionInfo::current();
//! let json = info.to_json();
//! assert_eq!(json["version"], "1.11.0");
//! assert!(json["build_time"].is_f64());
//! ```
//!
//! # Which version we advertise
//!
//! Clients read `version` as the Mesos version and decide what to speak from
//! it: pymesos parses it as `x.y.z` and only enables the v1 API from 1.0 up,
//! agents and mesos-go compare it with the versions they support, and the
//! master's own `MasterInfo.version` is checked the same way. A number of our
//! own (`0.1.0`) would make them fall back to old protocols or refuse to talk.
//! So `version` is the Mesos release whose protocol this master implements,
//! [`MESOS_VERSION`] (`1.11.0`), and the version of this implementation lives
//! in [`VersionInfo::package_version`], shown by `--version` and the startup
//! log but not in `/version`, whose keys stay exactly Mesos's.
//!
//! The build facts come from `build.rs`: the build date (UTC) and time, the
//! building user, and, for a git checkout, the commit and its tag if it has
//! one. As in Mesos, `git_sha` and `git_tag` are left out when unknown.
//!
//! [`Version`] parses and orders versions as stout does, for the checks that
//! compare versions (e.g. agents older than 1.0.0 are refused).
//!
//! This crate only produces the JSON; the master mounts it at `/version`.

mod semver;

use serde::Serialize;

pub use semver::{Version, VersionError};

/// The Mesos release whose protocol and API this master implements.
pub const MESOS_VERSION: &str = "1.11.0";

/// What `/version` reports. Serializes to exactly Mesos's JSON object
/// (keys in Mesos's sorted order, `build_time` a float).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionInfo {
    /// Build date and time in UTC, e.g. `2020-11-24 15:38:37`.
    pub build_date: String,
    /// Build time in seconds since the epoch.
    pub build_time: f64,
    /// The user who built the binary (may be empty).
    pub build_user: String,
    /// The git commit built, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_sha: Option<String>,
    /// The git tag of that commit, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_tag: Option<String>,
    /// The Mesos version clients see: [`MESOS_VERSION`].
    pub version: String,
    /// The version of this implementation (the workspace version).
    #[serde(skip)]
    pub package_version: String,
}

impl VersionInfo {
    /// The information recorded when this crate was built.
    pub fn current() -> VersionInfo {
        VersionInfo {
            build_date: env!("VERSION_BUILD_DATE").to_owned(),
            build_time: env!("VERSION_BUILD_TIME").parse().unwrap_or(0.0),
            build_user: env!("VERSION_BUILD_USER").to_owned(),
            git_sha: option_env!("VERSION_GIT_SHA").map(str::to_owned),
            git_tag: option_env!("VERSION_GIT_TAG").map(str::to_owned),
            version: MESOS_VERSION.to_owned(),
            package_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// The `/version` response body.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("VersionInfo serializes to a JSON object")
    }

    /// The line `mesos-master --version` prints: Mesos prints `mesos 1.11.0`;
    /// we add our own version after it.
    pub fn version_line(&self) -> String {
        format!(
            "mesos {} (mesos-master in Rust {})",
            self.version, self.package_version
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{MESOS_VERSION, Version, VersionInfo};

    #[test]
    fn advertises_the_mesos_version_as_semver() {
        let info = VersionInfo::current();
        assert_eq!(info.version, MESOS_VERSION);
        let version: Version = info.version.parse().expect("SemVer");
        assert!(
            version >= Version::new(1, 0, 0),
            "clients gate the v1 API on 1.0"
        );
        assert_eq!(info.package_version, env!("CARGO_PKG_VERSION"));
        assert!(info.version_line().starts_with("mesos 1.11.0 "));
    }

    #[test]
    fn records_the_build() {
        let info = VersionInfo::current();
        assert!(info.build_time > 1.0e9, "{}", info.build_time);
        // `YYYY-MM-DD HH:MM:SS`
        let shape: String = info
            .build_date
            .chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c })
            .collect();
        assert_eq!(shape, "9999-99-99 99:99:99");
        if let Some(sha) = &info.git_sha {
            assert_eq!(sha.len(), 40);
        }
    }

    #[test]
    fn leaves_out_unknown_git_facts_as_mesos_does() {
        let info = VersionInfo {
            git_sha: None,
            git_tag: None,
            ..VersionInfo::current()
        };
        let json = info.to_json();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["build_date", "build_time", "build_user", "version"]);
    }
}
