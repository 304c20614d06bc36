//! The CRAM-MD5 SASL mechanism (RFC 2195), as Cyrus SASL's server runs it
//! for Mesos.
//!
//! The server sends a challenge, `<random.time@hostname>`; the client
//! answers `principal SP hex(HMAC-MD5(secret, challenge))` with the digest
//! in lower-case hex (RFC 2104 HMAC). The principal is everything before
//! the *last* space, so principals may contain spaces.
//!
//! ```
//! use authentication::cram_md5;
//!
//! // RFC 2195's example.
//! let response = cram_md5::respond("tim", b"tanstaaftanstaaf", b"<1896.697170952@postoffice.reston.mci.net>");
//! assert_eq!(response, "tim b913a602c7eda7a495b4e6e7334d3890");
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

use crate::Credentials;

/// The mechanism's SASL name, as offered in `AuthenticationMechanismsMessage`.
pub const MECHANISM: &str = "CRAM-MD5";

type HmacMd5 = Hmac<Md5>;

fn keyed(secret: &[u8]) -> HmacMd5 {
    HmacMd5::new_from_slice(secret).expect("HMAC takes keys of any length")
}

/// HMAC-MD5 of `message` under `key` (RFC 2104).
pub fn hmac_md5(key: &[u8], message: &[u8]) -> [u8; 16] {
    let mut mac = keyed(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The client's answer to `challenge`: `principal`, a space, and the
/// lower-case hex digest of the challenge under `secret`.
pub fn respond(principal: &str, secret: &[u8], challenge: &[u8]) -> String {
    let mut response = String::with_capacity(principal.len() + 33);
    response.push_str(principal);
    response.push(' ');
    for byte in hmac_md5(secret, challenge) {
        response.push(char::from_digit(u32::from(byte >> 4), 16).expect("a nibble"));
        response.push(char::from_digit(u32::from(byte & 0xf), 16).expect("a nibble"));
    }
    response
}

/// A fresh challenge naming `hostname`, in Cyrus SASL's
/// `<random.seconds@hostname>` form. The random part makes every challenge
/// unique, so a recorded response cannot be replayed.
pub fn challenge(hostname: &str) -> String {
    let random = uuid::Uuid::new_v4().as_u64_pair().0;
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    format!("<{random}.{seconds}@{hostname}>")
}

/// What the server makes of a client's response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// The digest proves the principal holds its secret.
    Authenticated(&'a str),
    /// Unknown principal or wrong digest (SASL_NOUSER / SASL_BADAUTH).
    Refused,
    /// Not a CRAM-MD5 response at all (SASL_BADPROT); the reason says why.
    Malformed(&'static str),
}

/// Checks `response` to `challenge` against `credentials`. The digest is
/// compared in constant time.
pub fn verify<'a>(challenge: &[u8], response: &'a [u8], credentials: &Credentials) -> Verdict<'a> {
    let Some(space) = response.iter().rposition(|&byte| byte == b' ') else {
        return Verdict::Malformed("CRAM-MD5 response has no authentication name");
    };
    if space == 0 {
        return Verdict::Malformed("CRAM-MD5 response has no authentication name");
    }
    let (principal, digest) = (&response[..space], &response[space + 1..]);
    if digest.len() != 32 {
        return Verdict::Malformed("CRAM-MD5 digest is not 32 hexadecimal digits");
    }
    let Ok(principal) = std::str::from_utf8(principal) else {
        return Verdict::Malformed("CRAM-MD5 authentication name is not UTF-8");
    };
    let Some(secret) = credentials.secret(principal) else {
        return Verdict::Refused;
    };
    // Cyrus compares against lower-case hex, so upper case is a wrong digest.
    let Some(digest) = decode_lower_hex(digest) else {
        return Verdict::Refused;
    };
    let mut mac = keyed(secret.as_bytes());
    mac.update(challenge);
    match mac.verify_slice(&digest) {
        Ok(()) => Verdict::Authenticated(principal),
        Err(_) => Verdict::Refused,
    }
}

fn decode_lower_hex(text: &[u8]) -> Option<[u8; 16]> {
    fn nibble(digit: u8) -> Option<u8> {
        match digit {
            b'0'..=b'9' => Some(digit - b'0'),
            b'a'..=b'f' => Some(digit - b'a' + 10),
            _ => None,
        }
    }
    let mut bytes = [0; 16];
    for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
        *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(bytes)
}
