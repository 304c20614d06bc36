//! `--credentials` loading: Mesos's JSON, the older text format, and the
//! errors Mesos stops the master with.

use std::io::Write;

use authentication::{Credentials, Error};

fn file_with(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

#[test]
fn reads_mesos_json() {
    let file = file_with(
        r#"{"credentials": [{"principal": "framework", "secret": "s3cret"},
                            {"principal": "agent", "secret": "other"}]}"#,
    );
    let credentials = Credentials::read(file.path()).unwrap();
    assert_eq!(credentials.len(), 2);
    assert_eq!(credentials.secret("framework"), Some("s3cret"));
    assert_eq!(credentials.secret("agent"), Some("other"));
    assert_eq!(credentials.secret("nobody"), None);
}

#[test]
fn a_credential_without_secret_has_the_empty_secret() {
    let credentials = Credentials::parse(r#"{"credentials": [{"principal": "p"}]}"#).unwrap();
    assert_eq!(credentials.secret("p"), Some(""));
}

#[test]
fn reads_the_text_format_of_earlier_mesos() {
    let credentials = Credentials::parse("framework s3cret\n\nagent  other\n").unwrap();
    assert_eq!(credentials.len(), 2);
    assert_eq!(credentials.secret("framework"), Some("s3cret"));
    assert_eq!(credentials.secret("agent"), Some("other"));
}

#[test]
fn the_last_secret_of_a_repeated_principal_wins() {
    let credentials = Credentials::parse("p first\np second\n").unwrap();
    assert_eq!(credentials.secret("p"), Some("second"));
}

#[test]
fn a_line_that_is_not_a_pair_is_refused_with_its_number() {
    let error = Credentials::parse("good pair\nthree words here\n").unwrap_err();
    assert!(
        matches!(error, Error::CredentialFormat { line: 2 }),
        "{error}"
    );
    let error = Credentials::parse("lonely\n").unwrap_err();
    assert!(
        matches!(error, Error::CredentialFormat { line: 1 }),
        "{error}"
    );
}

#[test]
fn json_missing_a_principal_is_not_credentials() {
    let error = Credentials::parse(r#"{"credentials": [{"secret": "s"}]}"#).unwrap_err();
    assert!(matches!(error, Error::CredentialFormat { .. }), "{error}");
}

#[test]
fn an_empty_file_is_refused_as_mesos_does() {
    let file = file_with("");
    let error = Credentials::read(file.path()).unwrap_err();
    assert!(matches!(error, Error::NoCredentials { .. }), "{error}");
    assert!(
        error.to_string().contains("at least one credential"),
        "{error}"
    );
}

#[test]
fn a_missing_file_names_the_path() {
    let error = Credentials::read("/nonexistent/credentials.json".as_ref()).unwrap_err();
    assert!(matches!(error, Error::ReadCredentials { .. }), "{error}");
    assert!(
        error.to_string().contains("/nonexistent/credentials.json"),
        "{error}"
    );
}

#[test]
fn debug_output_never_shows_secrets() {
    let credentials = Credentials::parse("alice topsecret\n").unwrap();
    let shown = format!("{credentials:?}");
    assert!(shown.contains("alice"), "{shown}");
    assert!(!shown.contains("topsecret"), "{shown}");
}
