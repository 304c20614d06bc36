//! The `mesos-sim` command line: the issue's exact form, Mesos-style flag
//! names, attributes and resources read as the agent reads them.

use std::time::Duration;

use mesos_sim::{MasterAddress, Options, SimError, parse_attributes};
use proto::mesos::value;

fn parse(args: &[&str]) -> Result<Option<Options>, SimError> {
    Options::parse(args.iter().map(|arg| (*arg).to_owned()))
}

#[test]
fn the_issues_command_line_parses() {
    let options = parse(&[
        "--master=127.0.0.1:5050",
        "--agents=1000",
        "--resources=cpus:8;mem:16384;disk:100000;ports:[31000-32000]",
        "--attributes=rack:r1",
        "--task-duration=30",
        "--exec",
    ])
    .unwrap()
    .unwrap();
    let MasterAddress::Pid(master) = &options.master else {
        panic!("a fixed master");
    };
    assert_eq!(master.to_string(), "master@127.0.0.1:5050");
    assert_eq!(options.fleet.agents, 1000);
    assert_eq!(
        options.fleet.resources.to_string(),
        "cpus:8; mem:16384; disk:100000; ports:[31000-32000]"
    );
    assert_eq!(options.fleet.attributes.len(), 1);
    assert!(format!("{:?}", options.fleet.runner).contains("CommandTasks"));
    assert!(format!("{:?}", options.fleet.runner).contains("30s"));
}

#[test]
fn flags_take_either_spelling_and_mesos_durations() {
    let options = parse(&[
        "--master=zk://127.0.0.1:2181/mesos",
        "--task_duration=500ms",
        "--work-dir=/var/tmp/sim",
        "--registration_backoff_factor=2secs",
        "--no-exec",
    ])
    .unwrap()
    .unwrap();
    assert!(matches!(options.master, MasterAddress::ZooKeeper(_)));
    assert_eq!(
        options.fleet.work_dir.as_deref(),
        Some(std::path::Path::new("/var/tmp/sim"))
    );
    assert_eq!(
        options.fleet.registration_backoff_factor,
        Duration::from_secs(2)
    );
    assert!(format!("{:?}", options.fleet.runner).contains("SimulatedTasks"));
    assert!(format!("{:?}", options.fleet.runner).contains("500ms"));
}

#[test]
fn missing_standard_resources_take_the_agents_fallbacks() {
    let options = parse(&["--master=127.0.0.1:5050", "--resources=gpus:2;cpus:4"])
        .unwrap()
        .unwrap();
    assert_eq!(
        options.fleet.resources.to_string(),
        "gpus:2; cpus:4; mem:1024; disk:10240; ports:[31000-32000]"
    );
    let json = parse(&[
        "--master=127.0.0.1:5050",
        r#"--resources=[{"name":"cpus","type":"SCALAR","scalar":{"value":3}}]"#,
    ])
    .unwrap()
    .unwrap();
    assert_eq!(json.fleet.resources.cpus().unwrap().as_f64(), 3.0);
}

#[test]
fn attributes_are_text_ranges_or_scalars() {
    let attributes = parse_attributes("rack:r1;zone:[1-3,5-5];weight:2.5").unwrap();
    assert_eq!(attributes[0].r#type, value::Type::Text as i32);
    assert_eq!(attributes[0].text.as_ref().unwrap().value, "r1");
    assert_eq!(attributes[1].r#type, value::Type::Ranges as i32);
    assert_eq!(attributes[1].ranges.as_ref().unwrap().range.len(), 2);
    assert_eq!(attributes[2].r#type, value::Type::Scalar as i32);
    assert_eq!(attributes[2].scalar.unwrap().value, 2.5);
    assert!(parse_attributes("disks:{a,b}").is_err());
    assert!(parse_attributes("novalue").is_err());
}

#[test]
fn bad_command_lines_name_the_flag() {
    let error = parse(&["--agents=3"]).unwrap_err();
    assert_eq!(error.to_string(), "Flag '--master': required");
    let error = parse(&["--master=127.0.0.1:5050", "--agnets=3"]).unwrap_err();
    assert!(error.to_string().starts_with("Flag '--agnets'"), "{error}");
    let error = parse(&["--master=127.0.0.1:5050", "--resources=cpus:x"]).unwrap_err();
    assert!(
        error.to_string().starts_with("Flag '--resources'"),
        "{error}"
    );
    assert!(parse(&["--help"]).unwrap().is_none());
}
