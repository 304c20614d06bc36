//! The CRAM-MD5 mechanism against its specifications: HMAC-MD5 test
//! vectors from RFC 2104 (and RFC 2202), the exchange example of RFC 2195,
//! and how the server judges responses.

use authentication::Credentials;
use authentication::cram_md5::{self, Verdict};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn hmac_md5_matches_rfc_2104_test_vectors() {
    assert_eq!(
        hex(&cram_md5::hmac_md5(&[0x0b; 16], b"Hi There")),
        "9294727a3638bb1c13f48ef8158bfc9d"
    );
    assert_eq!(
        hex(&cram_md5::hmac_md5(
            b"Jefe",
            b"what do ya want for nothing?"
        )),
        "750c783e6ab0b503eaa86e310a5db738"
    );
    assert_eq!(
        hex(&cram_md5::hmac_md5(&[0xaa; 16], &[0xdd; 50])),
        "56be34521d144c88dbb8c733f0e8b3f6"
    );
}

#[test]
fn hmac_md5_hashes_keys_longer_than_a_block() {
    // RFC 2202 test case 6: an 80-byte key is hashed first.
    assert_eq!(
        hex(&cram_md5::hmac_md5(
            &[0xaa; 80],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        )),
        "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"
    );
}

const RFC_2195_CHALLENGE: &[u8] = b"<1896.697170952@postoffice.reston.mci.net>";

#[test]
fn response_matches_rfc_2195_example() {
    assert_eq!(
        cram_md5::respond("tim", b"tanstaaftanstaaf", RFC_2195_CHALLENGE),
        "tim b913a602c7eda7a495b4e6e7334d3890"
    );
}

fn tim() -> Credentials {
    Credentials::parse("tim tanstaaftanstaaf\n").unwrap()
}

#[test]
fn server_accepts_rfc_2195_response() {
    assert_eq!(
        cram_md5::verify(
            RFC_2195_CHALLENGE,
            b"tim b913a602c7eda7a495b4e6e7334d3890",
            &tim()
        ),
        Verdict::Authenticated("tim")
    );
}

#[test]
fn server_refuses_wrong_digest_unknown_principal_and_upper_case_hex() {
    let wrong_secret = cram_md5::respond("tim", b"guess", RFC_2195_CHALLENGE);
    assert_eq!(
        cram_md5::verify(RFC_2195_CHALLENGE, wrong_secret.as_bytes(), &tim()),
        Verdict::Refused
    );
    let other_challenge = cram_md5::respond("tim", b"tanstaaftanstaaf", b"<1.2@elsewhere>");
    assert_eq!(
        cram_md5::verify(RFC_2195_CHALLENGE, other_challenge.as_bytes(), &tim()),
        Verdict::Refused
    );
    assert_eq!(
        cram_md5::verify(
            RFC_2195_CHALLENGE,
            b"tom b913a602c7eda7a495b4e6e7334d3890",
            &tim()
        ),
        Verdict::Refused
    );
    assert_eq!(
        cram_md5::verify(
            RFC_2195_CHALLENGE,
            b"tim B913A602C7EDA7A495B4E6E7334D3890",
            &tim()
        ),
        Verdict::Refused
    );
    assert_eq!(
        cram_md5::verify(
            RFC_2195_CHALLENGE,
            b"tim b913a602c7eda7a495b4e6e7334d3890",
            &Credentials::default()
        ),
        Verdict::Refused
    );
}

#[test]
fn principal_is_everything_before_the_last_space() {
    let credentials =
        Credentials::parse(r#"{"credentials":[{"principal":"a b","secret":"s"}]}"#).unwrap();
    let response = cram_md5::respond("a b", b"s", RFC_2195_CHALLENGE);
    assert_eq!(
        cram_md5::verify(RFC_2195_CHALLENGE, response.as_bytes(), &credentials),
        Verdict::Authenticated("a b")
    );
}

#[test]
fn server_calls_non_responses_malformed() {
    for response in [
        &b""[..],
        b"b913a602c7eda7a495b4e6e7334d3890",
        b" b913a602c7eda7a495b4e6e7334d3890",
        b"tim b913a602",
        b"tim b913a602c7eda7a495b4e6e7334d3890ff",
        b"\xff\xfe b913a602c7eda7a495b4e6e7334d3890",
    ] {
        assert!(
            matches!(
                cram_md5::verify(RFC_2195_CHALLENGE, response, &tim()),
                Verdict::Malformed(_)
            ),
            "{:?}",
            String::from_utf8_lossy(response)
        );
    }
}

#[test]
fn challenges_are_unique_and_in_cyrus_form() {
    let first = cram_md5::challenge("master.example");
    let second = cram_md5::challenge("master.example");
    assert_ne!(first, second);
    let inner = first
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix("@master.example>"))
        .unwrap_or_else(|| panic!("{first}"));
    let (random, seconds) = inner.split_once('.').unwrap();
    assert!(random.parse::<u64>().is_ok(), "{first}");
    assert!(seconds.parse::<u64>().is_ok(), "{first}");
}
