//! The one error type at the crate's boundary.

use std::path::PathBuf;

/// Why the simulator could not start or keep going.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A command-line flag is missing, unknown or has a bad value.
    #[error("Flag '--{flag}': {reason}")]
    Flag { flag: String, reason: String },
    /// `--resources` does not parse as Mesos reads an agent's resources.
    #[error("Flag '--resources': {0}")]
    Resources(#[from] resources::ResourcesError),
    /// The libprocess runtime could not start or spawn an agent.
    #[error("libprocess: {0}")]
    Libprocess(#[from] libprocess::Error),
    /// The master detector failed; agents cannot find a master any more.
    #[error("master detection: {0}")]
    Detector(#[from] detector::DetectorError),
    /// A checkpoint under `--work_dir` could not be read or written.
    #[error("checkpoint '{path}': {reason}")]
    Checkpoint { path: PathBuf, reason: String },
}

impl SimError {
    pub(crate) fn flag(flag: &str, reason: impl Into<String>) -> SimError {
        SimError::Flag {
            flag: flag.to_owned(),
            reason: reason.into(),
        }
    }
}
