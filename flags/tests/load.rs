//! Loading the master flags: sources, precedence, stout's syntax rules,
//! `file://` values, deprecated names and validation, each error on one line.

use std::path::PathBuf;

use flags::{Duration, FlagsError, Load, MasterFlags};

/// The smallest valid command line: the default registry needs a work dir.
const BASE: [&str; 1] = ["--registry=in_memory"];

const NO_ENV: [(&str, &str); 0] = [];

const NO_ARGS: [&str; 0] = [];

fn load(args: &[&str]) -> Result<Load, FlagsError> {
    load_env(args, &NO_ENV)
}

fn load_env(args: &[&str], env: &[(&str, &str)]) -> Result<Load, FlagsError> {
    let args: Vec<&str> = BASE.iter().chain(args).copied().collect();
    MasterFlags::load_from(args, env.iter().copied())
}

fn flags(args: &[&str]) -> MasterFlags {
    load(args).unwrap_or_else(|e| panic!("{args:?}: {e}")).flags
}

/// Loads and expects an error; checks it is one line naming `flag`.
fn error(args: &[&str], flag: &str) -> String {
    let error = load(args).expect_err("must fail").to_string();
    assert!(!error.contains('\n'), "not one line: {error}");
    assert!(
        error.contains(&format!("'{flag}'")),
        "{flag} not named: {error}"
    );
    error
}

/// A file with `contents` in the temporary directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("flags-test-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("temp dir is writable");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("temp paths are UTF-8")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn defaults_are_mesos_defaults() {
    let flags = flags(&[]);
    assert_eq!(flags.port, 5050);
    assert_eq!(flags.agent_ping_timeout, Duration::from_secs(15));
    assert_eq!(flags.max_agent_ping_timeouts, 5);
    assert_eq!(flags.registry_fetch_timeout, Duration::from_secs(60));
    assert_eq!(flags.offer_constraints_re2_max_mem.as_u64(), 4096);
    assert_eq!(flags.allocator_agent_recovery_factor, 0.8);
    assert!(flags.hostname_lookup);
    assert_eq!(flags.ip, None);
    assert_eq!(flags.agent_removal_rate_limit, None);
    assert_eq!(flags.registry, "in_memory");
}

#[test]
fn environment_sets_known_flags_and_the_command_line_wins() {
    let env = [
        ("MESOS_PORT", "6000"),
        ("MESOS_cluster", "lab"),
        ("MESOS_QUIET", ""),
        ("MESOS_NATIVE_JAVA_LIBRARY", "/usr/lib/libmesos.so"),
        ("PORT", "7000"),
    ];
    let flags = load_env(&[], &env).unwrap().flags;
    assert_eq!(flags.port, 6000);
    assert_eq!(flags.cluster.as_deref(), Some("lab"));
    assert!(flags.quiet, "an empty boolean variable means true");

    let flags = load_env(&["--port=5051"], &env).unwrap().flags;
    assert_eq!(flags.port, 5051);
    assert_eq!(flags.cluster.as_deref(), Some("lab"));
}

#[test]
fn booleans_take_every_stout_form() {
    assert!(flags(&["--quiet"]).quiet);
    assert!(flags(&["--quiet=true"]).quiet);
    assert!(flags(&["--quiet=1"]).quiet);
    assert!(!flags(&["--no-quiet"]).quiet);
    assert!(!flags(&["--quiet=false"]).quiet);
    assert!(!flags(&["--no-hostname_lookup"]).hostname_lookup);
    error(&["--no-quiet=true"], "quiet");
    let message = error(&["--quiet=yes"], "quiet");
    assert!(message.contains("expected 'true' or 'false'"), "{message}");
}

#[test]
fn values_are_required_for_other_flags() {
    let message = error(&["--port"], "port");
    assert!(message.contains("--port=VALUE"), "{message}");
    let message = error(&["--no-port"], "port");
    assert!(message.contains("not a boolean"), "{message}");
}

#[test]
fn bad_values_name_the_flag_and_the_expected_form() {
    let message = error(&["--agent_ping_timeout=20"], "agent_ping_timeout");
    assert_eq!(
        message,
        "Invalid value '20' for flag 'agent_ping_timeout': missing unit; expected a duration \
         such as '15secs' (units: ns, us, ms, secs, mins, hrs, days, weeks)"
    );
    error(&["--port=http"], "port");
    error(
        &["--offer_constraints_re2_max_mem=1.5MB"],
        "offer_constraints_re2_max_mem",
    );
    error(
        &["--max_completed_frameworks=-1"],
        "max_completed_frameworks",
    );
    error(&["--acls={\"a\":"], "acls");
    error(
        &["--fair_sharing_excluded_resource_names=gpus,gpus"],
        "fair_sharing_excluded_resource_names",
    );
}

#[test]
fn unknown_flags_are_errors_on_the_command_line_only() {
    let message = load(&["--slave_foo=1"]).unwrap_err().to_string();
    assert_eq!(
        message,
        "Unknown flag '--slave_foo': see 'mesos-master --help' for the supported flags"
    );
    assert!(load(&["--no-such_flag"]).is_err());
    assert!(load_env(&[], &[("MESOS_SUCH_FLAG", "1")]).is_ok());
}

#[test]
fn names_are_case_insensitive() {
    assert_eq!(flags(&["--PORT=5052"]).port, 5052);
}

#[test]
fn duplicates_are_errors_within_a_source() {
    let message = error(&["--port=1", "--port=2"], "port");
    assert!(message.contains("given twice"), "{message}");
    error(&["--quiet", "--no-quiet"], "quiet");
    let message = error(
        &["--agent_ping_timeout=5secs", "--slave_ping_timeout=5secs"],
        "agent_ping_timeout",
    );
    assert!(message.contains("'--slave_ping_timeout'"), "{message}");
    let env = [
        ("MESOS_SLAVE_PING_TIMEOUT", "5secs"),
        ("MESOS_AGENT_PING_TIMEOUT", "5secs"),
    ];
    assert!(matches!(
        load_env(&[], &env),
        Err(FlagsError::Duplicate { .. })
    ));
}

#[test]
fn deprecated_names_load_with_a_warning_and_show_in_flags() {
    let load = load(&["--slave_ping_timeout=30secs", "--authenticate"]).unwrap();
    assert_eq!(load.flags.agent_ping_timeout, Duration::from_secs(30));
    assert!(load.flags.authenticate_frameworks);
    assert_eq!(load.warnings.len(), 2, "{:?}", load.warnings);
    assert!(
        load.warnings
            .iter()
            .any(|w| w.contains("'slave_ping_timeout'"))
    );

    // Mesos keys `/flags` by the name the flag was loaded under.
    let map = load.flags.to_mesos_map();
    assert_eq!(
        map.get("slave_ping_timeout").map(String::as_str),
        Some("30secs")
    );
    assert_eq!(map.get("authenticate").map(String::as_str), Some("true"));
    assert!(!map.contains_key("agent_ping_timeout"));
    assert!(!map.contains_key("authenticate_frameworks"));
}

#[test]
fn the_command_line_overrides_an_aliased_environment_variable() {
    let env = [("MESOS_SLAVE_PING_TIMEOUT", "5secs")];
    let load = load_env(&["--agent_ping_timeout=7secs"], &env).unwrap();
    assert_eq!(load.flags.agent_ping_timeout, Duration::from_secs(7));
    assert!(load.flags.to_mesos_map().contains_key("agent_ping_timeout"));
}

#[test]
fn arguments_after_double_dash_or_without_dashes_are_ignored() {
    let load = load(&["positional", "--port=5053", "--", "--port=bad"]).unwrap();
    assert_eq!(load.flags.port, 5053);
    assert_eq!(load.warnings.len(), 1);
    assert!(load.warnings[0].contains("'positional'"));
}

#[test]
fn file_uris_are_read() {
    let acls = TempFile::new("acls.json", r#"{"permissive": false}"#);
    let cluster = TempFile::new("cluster", "prod");
    let zk = TempFile::new("zk", "zk://user:secret@zk1:2181/mesos");
    let whitelist = format!("file://{}", acls.path());
    let flags = flags(&[
        &format!("--acls=file://{}", acls.path()),
        &format!("--cluster=file://{}", cluster.path()),
        &format!("--zk=file://{}", zk.path()),
        &format!("--whitelist={whitelist}"),
        "--quorum=1",
    ]);
    let acls_value = flags.acls.as_ref().expect("acls set").to_value();
    assert_eq!(acls_value, serde_json::json!({"permissive": false}));
    assert_eq!(flags.cluster.as_deref(), Some("prod"));
    let secret = flags.zk.as_ref().expect("zk set");
    assert_eq!(secret.value, "zk://user:secret@zk1:2181/mesos");
    // Path flags keep their text for the component that reads them.
    assert_eq!(flags.whitelist, Some(PathBuf::from(&whitelist)));

    let map = flags.to_mesos_map();
    assert_eq!(
        map["zk"],
        zk.path(),
        "/flags shows the path, not the secret"
    );
    assert_eq!(map["acls"], r#"{"permissive":false}"#);
    assert_eq!(map["whitelist"], whitelist);
}

#[test]
fn json_flags_also_read_a_bare_absolute_path_with_a_warning() {
    let rules = TempFile::new(
        "firewall.json",
        r#"{"disabled_endpoints": {"paths": ["/state"]}}"#,
    );
    let load = load(&[&format!("--firewall_rules={}", rules.path())]).unwrap();
    assert!(load.flags.firewall_rules.is_some());
    assert_eq!(load.warnings.len(), 1);
    assert!(load.warnings[0].contains("file://"), "{:?}", load.warnings);
}

#[test]
fn unreadable_files_are_errors() {
    let message = error(&["--acls=file:///nonexistent/acls.json"], "acls");
    assert!(message.contains("/nonexistent/acls.json"), "{message}");
}

#[test]
fn help_and_version_skip_the_combination_checks() {
    let load = MasterFlags::load_from(["--help"], NO_ENV).expect("--help needs no work_dir");
    assert!(load.flags.help);
    assert!(
        MasterFlags::load_from(["--version"], NO_ENV)
            .unwrap()
            .flags
            .version
    );
    assert!(MasterFlags::load_from(["--help", "--port=x"], NO_ENV).is_err());
}

#[test]
fn rendering_follows_mesos() {
    let map = flags(&[
        "--offer_timeout=90secs",
        "--fair_sharing_excluded_resource_names=gpus,fpgas",
        "--allocator_agent_recovery_factor=0.123456789",
        "--registry_max_agent_age=336hrs",
        "--domain={\"fault_domain\":{\"region\":{\"name\":\"r\"},\"zone\":{\"name\":\"z\"}}}",
    ])
    .to_mesos_map();
    assert_eq!(map["offer_timeout"], "90secs");
    assert_eq!(
        map["fair_sharing_excluded_resource_names"],
        "{ fpgas, gpus }"
    );
    assert_eq!(map["allocator_agent_recovery_factor"], "0.123457");
    assert_eq!(map["registry_max_agent_age"], "2weeks");
    assert_eq!(
        map["domain"],
        r#"{"fault_domain":{"region":{"name":"r"},"zone":{"name":"z"}}}"#
    );
    assert!(!map.contains_key("hostname"));
}

#[test]
fn mesos_startup_checks_reject_bad_configurations() {
    let cases: &[(&[&str], &str)] = &[
        (&["--registry_strict"], "registry_strict"),
        (&["--agent_ping_timeout=500ms"], "agent_ping_timeout"),
        (&["--agent_ping_timeout=16mins"], "agent_ping_timeout"),
        (&["--max_agent_ping_timeouts=0"], "max_agent_ping_timeouts"),
        (
            &["--agent_reregister_timeout=9mins"],
            "agent_reregister_timeout",
        ),
        (
            &["--recovery_agent_removal_limit=50"],
            "recovery_agent_removal_limit",
        ),
        (
            &["--recovery_agent_removal_limit=101%"],
            "recovery_agent_removal_limit",
        ),
        (&["--offer_timeout=0secs"], "offer_timeout"),
        (&["--logging_level=DEBUG"], "logging_level"),
        (&["--domain={\"region\":\"r\"}"], "domain"),
        (
            &["--ip=10.0.0.1", "--ip_discovery_command=hostname -i"],
            "ip_discovery_command",
        ),
        (
            &["--modules={}", "--modules_dir=/etc/mesos/modules"],
            "modules_dir",
        ),
        (
            &["--zk=zk://h:2181/m", "--master_contender=c"],
            "master_contender",
        ),
        (&["--master_contender=c"], "master_detector"),
        (&["--master_detector=d"], "master_contender"),
        (&["--role_sorter=random"], "framework_sorter"),
        (
            &["--role_sorter=fair", "--framework_sorter=fair"],
            "role_sorter",
        ),
        (&["--registry=leveldb"], "registry"),
        (&["--authenticators=crammd5,other"], "authenticators"),
        (&["--authorizers="], "authorizers"),
        (
            &["--authenticate_http_frameworks"],
            "http_framework_authenticators",
        ),
    ];
    for (args, flag) in cases {
        error(args, flag);
    }
    // Sorters are free with a module allocator; both random is fine built in.
    flags(&["--allocator=org_example_Allocator", "--role_sorter=x"]);
    flags(&["--role_sorter=random", "--framework_sorter=random"]);
    flags(&["--recovery_agent_removal_limit=12.5%"]);
}

#[test]
fn the_replicated_log_needs_a_work_dir_and_with_zookeeper_a_quorum() {
    let env = [("MESOS_REGISTRY", "replicated_log")];
    let error = MasterFlags::load_from(NO_ARGS, env)
        .unwrap_err()
        .to_string();
    assert!(error.contains("'work_dir'"), "{error}");
    let error = MasterFlags::load_from(["--work_dir=/var/lib/mesos", "--zk=zk://h:2181/m"], NO_ENV)
        .unwrap_err()
        .to_string();
    assert!(error.contains("'quorum'"), "{error}");
    MasterFlags::load_from(
        [
            "--work_dir=/var/lib/mesos",
            "--zk=zk://h:2181/m",
            "--quorum=2",
        ],
        NO_ENV,
    )
    .expect("complete replicated log configuration");
}

#[test]
fn the_zookeeper_registry_needs_zk_and_no_quorum() {
    let error = MasterFlags::load_from(["--registry=zk"], NO_ENV)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("'zk'") && error.contains("--registry=zk"),
        "{error}"
    );
    let flags = MasterFlags::load_from(["--registry=zk", "--zk=zk://h:2181/m"], NO_ENV)
        .expect("--zk is all the ZooKeeper registry needs")
        .flags;
    assert_eq!(flags.registry, "zk");
    assert_eq!(flags.quorum, None);
}
