//! `Resources::parse` (text and JSON) and the Mesos text form they print as.

mod common;

use common::parse;
use resources::{Range, Ranges, Resources, ResourcesError, Scalar};

#[test]
fn parses_scalars_ranges_and_sets() {
    let parsed = parse("cpus:45.55;mem:1024;ports:[10000-20000, 30000-50000];disks:{sda1,sda2}");
    assert_eq!(parsed.cpus(), Some(Scalar::from_f64(45.55)));
    assert_eq!(parsed.mem(), Some(Scalar::from_f64(1024.0)));
    assert_eq!(
        parsed.ports().unwrap().ranges(),
        [
            Range {
                begin: 10000,
                end: 20000
            },
            Range {
                begin: 30000,
                end: 50000
            }
        ]
    );
    assert_eq!(parsed.get_set("disks").unwrap().items(), ["sda1", "sda2"]);
    assert_eq!(parsed.len(), 4);
}

#[test]
fn tolerates_spaces_and_empty_tokens() {
    assert_eq!(parse(" cpus : 4 ;; mem: 1024;"), parse("cpus:4;mem:1024"));
}

#[test]
fn the_same_name_twice_is_summed() {
    let parsed = parse("cpus:1;cpus:2.5;ports:[1-2];ports:[3-4]");
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed.cpus(), Some(Scalar::from_f64(3.5)));
    assert_eq!(parsed.ports(), Some(Ranges::single(1, 4)));
}

#[test]
fn roles_become_static_reservations() {
    let parsed = Resources::parse("cpus(role1):4;mem:1024;disk(*):10", "role2").unwrap();
    assert_eq!(
        parsed.reserved(Some("role1")).cpus(),
        Some(Scalar::from_f64(4.0))
    );
    assert_eq!(
        parsed.reserved(Some("role2")).mem(),
        Some(Scalar::from_f64(1024.0))
    );
    assert_eq!(parsed.unreserved().disk(), Some(Scalar::from_f64(10.0)));
    assert!(
        parsed
            .iter()
            .all(|resource| !resource.is_dynamically_reserved())
    );
    assert_eq!(
        parsed.to_string(),
        "cpus(reservations: [(STATIC,role1)]):4; mem(reservations: [(STATIC,role2)]):1024; disk:10"
    );
}

#[test]
fn zero_resources_are_dropped() {
    assert!(parse("gpus:0").is_empty());
    assert!(parse("disks:{}").is_empty());
    assert_eq!(parse("").to_string(), "{}");
}

#[test]
fn rounds_to_three_decimals_on_input() {
    assert_eq!(parse("cpus:1.5011").cpus(), Some(Scalar::from_f64(1.501)));
    assert_eq!(parse("cpus:1.5015").cpus(), Some(Scalar::from_f64(1.502)));
    let cpu = parse("cpus:1.5011");
    let churned = &(&(&(&cpu + &cpu) + &cpu) - &cpu) - &cpu;
    assert_eq!(churned, cpu);
}

#[test]
fn errors_name_the_offending_part() {
    let cases = [
        ("cpus:4;mem", "missing or extra ':' in 'mem'"),
        ("cpus:4:5", "missing or extra ':' in 'cpus:4:5'"),
        ("cpus(role:4", "mismatched parentheses in 'cpus(role:4'"),
        ("cpus:-1", "resource 'cpus' value '-1'"),
        ("cpus:abc", "resource 'cpus' value 'abc'"),
        ("ports:[1-2", "Mismatched brackets"),
        ("ports:[3-1]", "begin > end"),
        ("disks:{a,a}", "duplicated elements"),
        ("cpus:0.00001", "rounds to 0"),
        (":4", "missing or extra ':'"),
        ("cpus(/bad):4", "cannot start with a slash"),
        (
            "cpus:4;cpus:[1-2]",
            "same name ('cpus') but different types",
        ),
    ];
    for (text, expected) in cases {
        let error = Resources::parse(text, "*").expect_err(text).to_string();
        assert!(
            error.contains(expected),
            "{text:?} gave {error:?}, expected {expected:?}"
        );
    }
}

#[test]
fn parses_json_arrays() {
    let json = r#"[
        {"name": "cpus", "type": "SCALAR", "scalar": {"value": 45.55}},
        {"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 10000, "end": 20000}]}, "role": "role1"},
        {"name": "disks", "type": "SET", "set": {"item": ["sda1"]},
         "reservations": [{"type": "STATIC", "role": "role2"}]}
    ]"#;
    let parsed = Resources::parse(json, "*").unwrap();
    assert_eq!(
        parsed.to_string(),
        "cpus:45.55; ports(reservations: [(STATIC,role1)]):[10000-20000]; \
         disks(reservations: [(STATIC,role2)]):{sda1}"
    );

    let defaulted = Resources::parse(
        r#"[{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}}]"#,
        "dev",
    )
    .unwrap();
    assert_eq!(
        defaulted.reserved(Some("dev")).cpus(),
        Some(Scalar::from_f64(1.0))
    );
}

#[test]
fn json_refuses_what_the_command_line_may_not_say() {
    let cases = [
        (
            r#"[{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "revocable": {}}]"#,
            "Revocable",
        ),
        (
            r#"[{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1},
                 "reservations": [{"type": "DYNAMIC", "role": "a", "principal": "p"}]}]"#,
            "Dynamic reservations",
        ),
        (
            r#"[{"name": "disk", "type": "SCALAR", "scalar": {"value": 1}, "role": "a",
                 "disk": {"persistence": {"id": "v"}}}]"#,
            "Persistent volumes",
        ),
        (
            r#"[{"name": "cpus", "type": "SCALAR"}]"#,
            "Invalid scalar resource",
        ),
        (
            r#"[{"type": "SCALAR", "scalar": {"value": 1}}]"#,
            "formatted properly",
        ),
    ];
    for (json, expected) in cases {
        let error = Resources::parse(json, "*").expect_err(json);
        assert!(error.to_string().contains(expected), "{json} gave {error}");
    }
    assert!(matches!(
        Resources::parse(cases[0].0, "*"),
        Err(ResourcesError::NotForCommandLine(_))
    ));
}

#[test]
fn prints_like_mesos() {
    assert_eq!(
        parse("cpus:1.234;mem:1000001;disk:99999999999.9994;ports:[1-5, 7-9];disks:{a,b}")
            .to_string(),
        "cpus:1.234; mem:1000001; disk:99999999999.999; ports:[1-5, 7-9]; disks:{a, b}"
    );
    assert_eq!(parse("cpus:1.1").to_string(), "cpus:1.1");
}
