//! UPID parsing, formatting and equality follow libprocess.

use std::net::{Ipv4Addr, SocketAddrV4};

use libprocess::{Upid, generate_id};

#[test]
fn parses_and_formats_id_at_ip_port() {
    let upid: Upid = "slave(1)@10.0.0.7:5051".parse().unwrap();
    assert_eq!(upid.id(), "slave(1)");
    assert_eq!(
        upid.address(),
        SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 7), 5051)
    );
    assert_eq!(upid.to_string(), "slave(1)@10.0.0.7:5051");
    assert!(upid.is_valid());
    assert_eq!(upid.host(), None);
}

#[test]
fn empty_upid_is_at_zero_address() {
    let empty = Upid::empty();
    assert_eq!(empty.to_string(), "@0.0.0.0:0");
    assert!(!empty.is_valid());
    assert_eq!("@0.0.0.0:0".parse::<Upid>().unwrap(), empty);
    assert_eq!(Upid::default(), empty);
}

#[test]
fn malformed_text_is_an_error_or_the_empty_upid() {
    for text in [
        "",
        "this is not a upid",
        "master",
        "master@127.0.0.1",
        "master@127.0.0.1:x",
        "master@:5050",
        "m@1.2.3.4:70000",
    ] {
        assert!(text.parse::<Upid>().is_err(), "{text:?} should not parse");
        assert_eq!(Upid::parse_lenient(text), Upid::empty(), "{text:?}");
    }
}

#[test]
fn whitespace_ends_the_token_and_trailing_port_text_is_ignored() {
    let upid: Upid = "  master@127.0.0.1:5050 trailing".parse().unwrap();
    assert_eq!(upid.to_string(), "master@127.0.0.1:5050");
    let upid: Upid = "master@127.0.0.1:5050abc".parse().unwrap();
    assert_eq!(upid.address().port(), 5050);
}

#[test]
fn host_names_resolve_and_are_not_compared() {
    let by_name: Upid = "master@localhost:5050".parse().unwrap();
    let by_ip: Upid = "master@127.0.0.1:5050".parse().unwrap();
    assert_eq!(by_name.host(), Some("localhost"));
    assert_eq!(by_name, by_ip);
    assert_eq!(by_name.to_string(), "master@127.0.0.1:5050");
}

#[test]
fn equality_uses_id_and_address() {
    let a: Upid = "master@127.0.0.1:5050".parse().unwrap();
    assert_ne!(a, "master@127.0.0.1:5051".parse::<Upid>().unwrap());
    assert_ne!(a, "slave@127.0.0.1:5050".parse::<Upid>().unwrap());
    assert_ne!(a, "master@127.0.0.2:5050".parse::<Upid>().unwrap());
    assert_eq!(
        a,
        Upid::new("master", SocketAddrV4::new(Ipv4Addr::LOCALHOST, 5050))
    );
}

#[test]
fn generated_ids_count_per_prefix() {
    let first = generate_id("upid-test");
    let second = generate_id("upid-test");
    let other = generate_id("upid-other");
    assert_eq!(first, "upid-test(1)");
    assert_eq!(second, "upid-test(2)");
    assert_eq!(other, "upid-other(1)");
}
