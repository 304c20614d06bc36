use crate::Action;

/// Why an authorizer could not be built or could not answer.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizerError {
    /// `--acls` is not the JSON of Mesos's `ACLs` message.
    #[error("Flag '--acls': not a valid ACLs object: {0}")]
    Parse(#[from] proto::Error),
    /// `--acls` parses but breaks one of the local authorizer's rules.
    #[error("Flag '--acls': {0}")]
    InvalidAcls(String),
    /// The request's object lacks what the action is decided on (a bug in
    /// the caller, which Mesos would crash on).
    #[error("authorizing {action} needs an object with {needs}")]
    MissingObject {
        /// The action asked about.
        action: Action,
        /// The object fields it needs.
        needs: &'static str,
    },
}
