//! `--credentials`: the principals and secrets authenticators accept.

use std::collections::HashMap;
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use crate::Error;

/// Principals and their secrets, shared cheaply between authenticators.
///
/// Mesos 1.11 reads `--credentials` as the JSON of `mesos.Credentials`:
///
/// ```json
/// {"credentials": [{"principal": "p1", "secret": "s1"}, {"principal": "p2", "secret": "s2"}]}
/// ```
///
/// Earlier Mesos versions also took a text file of `principal secret` lines,
/// and [`parse`](Self::parse) still does when the text is not that JSON,
/// so old credential files keep working. A principal listed twice keeps its
/// last secret. `Debug` shows principals, never secrets.
#[derive(Clone, Default)]
pub struct Credentials {
    secrets: Arc<HashMap<String, String>>,
}

impl Credentials {
    /// Reads the `--credentials` file. An empty file is an error, as in
    /// Mesos; a file others may read is accepted with a warning.
    pub fn read(path: &Path) -> Result<Credentials, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadCredentials {
            path: path.to_owned(),
            source,
        })?;
        if text.is_empty() {
            return Err(Error::NoCredentials {
                path: path.to_owned(),
            });
        }
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.permissions().mode() & 0o007 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "credentials file is accessible by others; it is recommended that it is not"
            );
        }
        Credentials::parse(&text)
    }

    /// Parses credentials in Mesos's JSON, or else in the old text format.
    pub fn parse(text: &str) -> Result<Credentials, Error> {
        if let Ok(credentials) = proto::json::from_str::<proto::mesos::Credentials>(text) {
            return Ok(Credentials::from(credentials));
        }
        let mut secrets = HashMap::new();
        // Blank lines are skipped, as stout's tokenize does.
        for (index, line) in text.split('\n').filter(|line| !line.is_empty()).enumerate() {
            let fields: Vec<&str> = line.split(' ').filter(|field| !field.is_empty()).collect();
            let [principal, secret] = fields[..] else {
                return Err(Error::CredentialFormat { line: index + 1 });
            };
            secrets.insert(principal.to_owned(), secret.to_owned());
        }
        Ok(Credentials {
            secrets: Arc::new(secrets),
        })
    }

    /// The secret of `principal`, if it has credentials.
    pub fn secret(&self, principal: &str) -> Option<&str> {
        self.secrets.get(principal).map(String::as_str)
    }

    /// How many principals have credentials.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Whether no principal has credentials.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

impl From<proto::mesos::Credentials> for Credentials {
    fn from(credentials: proto::mesos::Credentials) -> Self {
        let secrets = credentials
            .credentials
            .into_iter()
            .map(|credential| (credential.principal, credential.secret.unwrap_or_default()))
            .collect();
        Credentials {
            secrets: Arc::new(secrets),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut principals: Vec<&str> = self.secrets.keys().map(String::as_str).collect();
        principals.sort_unstable();
        f.debug_struct("Credentials")
            .field("principals", &principals)
            .finish()
    }
}
