use std::path::PathBuf;

/// Why credentials could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The `--credentials` file could not be read.
    #[error("failed to read credentials file '{}': {source}", path.display())]
    ReadCredentials {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The `--credentials` file is empty.
    #[error("credentials file '{}' must contain at least one credential", path.display())]
    NoCredentials {
        /// The file.
        path: PathBuf,
    },
    /// Neither Mesos's JSON (`{"credentials": [...]}`) nor its text format
    /// (`principal secret` per line).
    #[error(
        "invalid credential format at line {line}: expected JSON \
         ({{\"credentials\":[{{\"principal\":\"p\",\"secret\":\"s\"}}]}}) \
         or one 'principal secret' pair per line"
    )]
    CredentialFormat {
        /// The first bad line, counting from 1.
        line: usize,
    },
}
