use thiserror::Error;

/// Everything that can go wrong while reading, validating or converting
/// resources. Each variant names the offending input so that an operator can
/// find it in a long `--resources` flag or a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResourcesError {
    /// A `name:value` pair of the text form is malformed.
    #[error("bad value for resources: missing or extra ':' in '{token}'")]
    BadPair { token: String },

    /// `name(role` without its closing parenthesis, or `)` before `(`.
    #[error("bad value for resources: mismatched parentheses in '{token}'")]
    MismatchedParentheses { token: String },

    /// The value of a resource in the text form cannot be read.
    #[error("failed to parse resource '{name}' value '{value}': {reason}")]
    BadValue {
        name: String,
        value: String,
        reason: String,
    },

    /// The JSON form is not an array of `Resource` objects.
    #[error("some JSON resources were not formatted properly: {0}")]
    Json(String),

    /// A resource breaks one of Mesos's validity rules.
    #[error("resource '{resource}' is invalid: {reason}")]
    Invalid { resource: String, reason: String },

    /// A resource is valid but may not be given on an agent's command line
    /// (persistent volumes, revocable resources, dynamic reservations, or the
    /// same name with two types).
    #[error("{0}")]
    NotForCommandLine(String),

    /// A resource quantity list (`cpus:4;mem:1024`) holds something other
    /// than non-negative scalars.
    #[error("failed to parse '{token}' as a resource quantity: {reason}")]
    BadQuantity { token: String, reason: String },

    /// A v1 message could not be re-read as its v0 twin (or back).
    #[error("cannot convert between v0 and v1 Resource: {0}")]
    Evolve(String),

    /// An offer operation that converts no resources, or resources that
    /// do not parse.
    #[error("{0}")]
    InvalidOperation(String),

    /// Resources do not hold what a conversion (or a checkpointed
    /// resource) is made from.
    #[error("{0}")]
    Conversion(String),
}
