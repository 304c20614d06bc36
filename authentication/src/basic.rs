//! HTTP Basic authentication (`--http_authenticators=basic`), as
//! libprocess's `BasicAuthenticator` does it.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};
use libprocess::{Counter, Metrics, Request, Response};

use crate::Credentials;

/// The realm of the master's read-only endpoints
/// (`--authenticate_http_readonly`).
pub const READONLY_REALM: &str = "mesos-master-readonly";
/// The realm of the master's read-write endpoints and the operator API
/// (`--authenticate_http_readwrite`).
pub const READWRITE_REALM: &str = "mesos-master-readwrite";
/// The realm of the v1 scheduler API (`--authenticate_http_frameworks`).
pub const SCHEDULER_REALM: &str = "mesos-master-scheduler";

/// Standard base64, with or without padding.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Checks `Authorization: Basic base64(principal:secret)` against
/// [`Credentials`] for one realm.
///
/// As in libprocess, the scheme must be written `Basic`, and a secret
/// containing `:` never matches (the decoded pair must split into exactly
/// two parts). Cloning gives another handle to the same authenticator.
///
/// It is also a libprocess realm authenticator: give it to
/// [`Runtime::set_authenticator`](libprocess::Runtime::set_authenticator)
/// and every route of its realm is checked before its handler runs.
#[derive(Debug, Clone)]
pub struct BasicAuthenticator {
    realm: Arc<str>,
    credentials: Credentials,
    succeeded: Counter,
    failed: Counter,
}

impl BasicAuthenticator {
    /// An authenticator for `realm` (e.g. [`READONLY_REALM`]).
    pub fn new(realm: &str, credentials: Credentials) -> Self {
        BasicAuthenticator {
            realm: realm.into(),
            credentials,
            succeeded: Counter::default(),
            failed: Counter::default(),
        }
    }

    /// Counts checks in `metrics` as `<prefix>/succeeded` and
    /// `<prefix>/failed` (credentials given but wrong; a request without
    /// any is not counted: browsers send one first by design).
    pub fn with_metrics(mut self, metrics: &Metrics, prefix: &str) -> Self {
        self.succeeded = metrics.counter(&format!("{prefix}/succeeded"));
        self.failed = metrics.counter(&format!("{prefix}/failed"));
        self
    }

    /// The realm named in challenges.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The principal `request` authenticates as, or the `401` to answer it
    /// with.
    #[allow(clippy::result_large_err)] // The error is the response to send.
    pub fn authenticate(&self, request: &Request) -> Result<String, Response> {
        let Some(header) = request.headers().get(AUTHORIZATION) else {
            return Err(self.unauthorized());
        };
        match self.principal(header.as_bytes()) {
            Some(principal) => {
                self.succeeded.increment();
                Ok(principal)
            }
            None => {
                self.failed.increment();
                Err(self.unauthorized())
            }
        }
    }

    /// libprocess's `401 Unauthorized.` with this realm's Basic challenge.
    pub fn unauthorized(&self) -> Response {
        let challenge = HeaderValue::try_from(format!("Basic realm=\"{}\"", self.realm))
            .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
        Response::text(StatusCode::UNAUTHORIZED, "401 Unauthorized.")
            .with_header(WWW_AUTHENTICATE, challenge)
    }

    fn principal(&self, header: &[u8]) -> Option<String> {
        let header = std::str::from_utf8(header).ok()?;
        let mut words = header.split(' ');
        let (Some("Basic"), Some(encoded), None) = (words.next(), words.next(), words.next())
        else {
            return None;
        };
        let decoded = String::from_utf8(BASE64.decode(encoded).ok()?).ok()?;
        let mut parts = decoded.split(':');
        let (Some(principal), Some(secret), None) = (parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let expected = self.credentials.secret(principal)?;
        constant_time_eq(expected.as_bytes(), secret.as_bytes()).then(|| principal.to_owned())
    }
}

/// Compares secrets without a timing signal of where they first differ.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0, |difference, (a, b)| difference | (a ^ b))
            == 0
}

impl libprocess::Authenticator for BasicAuthenticator {
    fn authenticate(&self, request: &Request) -> libprocess::Authentication {
        match BasicAuthenticator::authenticate(self, request) {
            Ok(principal) => libprocess::Authentication::Authenticated(principal.into()),
            Err(unauthorized) => libprocess::Authentication::Refused(unauthorized),
        }
    }
}
