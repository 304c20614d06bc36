//! Firewall rules: the startup stage that turns `--firewall_rules` into
//! request filters, as libprocess's firewall does in Mesos.
//!
//! Every HTTP request the runtime receives passes each rule before it reaches
//! an endpoint; the first rule that rejects it answers for it. Mesos ships one
//! kind of rule, `disabled_endpoints`, which answers `403 Forbidden` for the
//! listed paths; so do we.
//!
//! ```
//! let rules = firewall::rules_from_json(
//!     r#"{"disabled_endpoints": {"paths": ["/files/browse", "/metrics/snapshot"]}}"#,
//! ).unwrap();
//! let rejection = firewall::check(&rules, "/metrics/snapshot").unwrap();
//! assert_eq!(rejection.status, 403);
//! assert!(firewall::check(&rules, "/master/state").is_none());
//! ```

use serde::Deserialize;
use std::collections::HashSet;
use thiserror::Error;

/// A request filter applied before endpoint dispatch.
pub trait FirewallRule: Send + Sync + std::fmt::Debug {
    /// `Some` to answer the request with the rejection instead of serving it.
    fn apply(&self, path: &str) -> Option<Rejection>;
}

/// The response a rule gives to a request it refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub body: String,
}

/// Answers `403 Forbidden` for requests to the listed paths (exact match on
/// the path, without query string, as libprocess compares). Like libprocess,
/// the runtime applies rules after routing a bare path to its delegate, so
/// `/master/state` also covers the alias `/state`.
#[derive(Debug, Clone, Default)]
pub struct DisabledEndpoints {
    paths: HashSet<String>,
}

impl DisabledEndpoints {
    pub fn new(paths: impl IntoIterator<Item = String>) -> Self {
        Self {
            paths: paths.into_iter().collect(),
        }
    }
}

impl FirewallRule for DisabledEndpoints {
    fn apply(&self, path: &str) -> Option<Rejection> {
        self.paths.contains(path).then(|| Rejection {
            status: 403,
            body: format!("Endpoint '{path}' is disabled"),
        })
    }
}

/// Why `--firewall_rules` could not be used.
#[derive(Debug, Error)]
pub enum FirewallError {
    #[error(
        "Invalid value for flag 'firewall_rules': {0}; expected JSON such as \
         {{\"disabled_endpoints\": {{\"paths\": [\"/files/browse\"]}}}}"
    )]
    InvalidJson(#[from] serde_json::Error),
    #[error(
        "Invalid value for flag 'firewall_rules': path '{0}' in disabled_endpoints \
         must start with '/'"
    )]
    RelativePath(String),
}

/// The `--firewall_rules` document (Mesos's `Firewall` message).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FirewallConfig {
    #[serde(default)]
    disabled_endpoints: Option<DisabledEndpointsConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DisabledEndpointsConfig {
    #[serde(default)]
    paths: Vec<String>,
}

/// Builds the rules named by the JSON value of `--firewall_rules`.
pub fn rules_from_json(json: &str) -> Result<Vec<Box<dyn FirewallRule>>, FirewallError> {
    let config: FirewallConfig = serde_json::from_str(json)?;
    let mut rules: Vec<Box<dyn FirewallRule>> = Vec::new();
    if let Some(disabled) = config.disabled_endpoints {
        if let Some(bad) = disabled.paths.iter().find(|p| !p.starts_with('/')) {
            return Err(FirewallError::RelativePath(bad.clone()));
        }
        rules.push(Box::new(DisabledEndpoints::new(disabled.paths)));
    }
    Ok(rules)
}

/// Runs `path` through `rules`; the first rejection wins.
pub fn check(rules: &[Box<dyn FirewallRule>], path: &str) -> Option<Rejection> {
    rules.iter().find_map(|rule| rule.apply(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_paths_are_forbidden_and_others_pass() {
        let rules =
            rules_from_json(r#"{"disabled_endpoints":{"paths":["/master/state","/flags"]}}"#)
                .unwrap();
        assert_eq!(
            check(&rules, "/flags"),
            Some(Rejection {
                status: 403,
                body: "Endpoint '/flags' is disabled".into()
            })
        );
        assert!(check(&rules, "/master/state").is_some());
        assert!(check(&rules, "/master/state-summary").is_none());
        assert!(
            check(&rules, "/state").is_none(),
            "exact paths only, as in Mesos"
        );
    }

    #[test]
    fn an_empty_document_disables_nothing() {
        assert!(rules_from_json("{}").unwrap().is_empty());
        let rules = rules_from_json(r#"{"disabled_endpoints":{}}"#).unwrap();
        assert!(check(&rules, "/flags").is_none());
    }

    #[test]
    fn bad_json_names_the_flag_and_the_expected_shape() {
        let error = rules_from_json("{not json").unwrap_err().to_string();
        assert!(
            error.starts_with("Invalid value for flag 'firewall_rules'"),
            "{error}"
        );
        assert!(error.contains("disabled_endpoints"), "{error}");
        assert!(!error.contains('\n'), "one line: {error}");

        let error = rules_from_json(r#"{"disabled_endpoint":{"paths":[]}}"#).unwrap_err();
        assert!(error.to_string().contains("unknown field"), "{error}");

        let error = rules_from_json(r#"{"disabled_endpoints":{"paths":["flags"]}}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid value for flag 'firewall_rules': path 'flags' in disabled_endpoints must start with '/'"
        );
    }
}
