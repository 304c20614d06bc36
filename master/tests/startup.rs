//! The master's startup: the stages come up from flags, and the endpoints
//! they mount answer in Mesos's shape; bad startup input ends with one clear
//! line and exit code 1.

use flags::MasterFlags;
use serde_json::Value as Json;
use std::process::Command;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn golden(path: &str) -> Json {
    let file = testkit::golden_dir().join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("golden file {} is needed: {e}", file.display()));
    serde_json::from_str(&text).unwrap()
}

async fn start(args: &[&str]) -> master::Master {
    let args = ["--ip=127.0.0.1", "--port=0"]
        .iter()
        .chain(args)
        .map(|a| a.to_string());
    let flags = MasterFlags::load_from(args, Vec::<(String, String)>::new())
        .expect("valid flags")
        .flags;
    master::MasterBuilder::new(flags)
        .start()
        .await
        .expect("master starts")
}

/// A plain HTTP/1.1 GET on a fresh connection: (status, headers, body).
async fn get(master: &master::Master, path: &str) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(master.runtime.address())
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

fn json_body(body: &[u8]) -> Json {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("JSON body ({e}): {}", String::from_utf8_lossy(body)))
}

/// Same keys at every level, and the same JSON type for each value.
fn assert_same_shape(ours: &Json, theirs: &Json, path: &str) {
    match (ours, theirs) {
        (Json::Object(a), Json::Object(b)) => {
            let (ka, kb): (Vec<_>, Vec<_>) = (a.keys().collect(), b.keys().collect());
            assert_eq!(ka, kb, "{path}: keys");
            for (key, value) in a {
                assert_same_shape(value, &b[key], &format!("{path}.{key}"));
            }
        }
        (Json::Number(_), Json::Number(_))
        | (Json::String(_), Json::String(_))
        | (Json::Bool(_), Json::Bool(_)) => {}
        _ => panic!("{path}: {ours} is not shaped like {theirs}"),
    }
}

#[tokio::test]
async fn version_health_and_flags_answer_as_mesos_does() {
    let dir = tempfile::tempdir().unwrap();
    let work_dir = format!("--work_dir={}", dir.path().display());
    let master = start(&[&work_dir, "--registry=in_memory"]).await;

    let (status, _, body) = get(&master, "/version").await;
    assert_eq!(status, 200);
    let version = json_body(&body);
    assert_eq!(version["version"], "1.11.0");
    for key in golden("s5-endpoints/pretty/master-http/version.json")
        .as_object()
        .unwrap()
        .keys()
    {
        if key != "git_tag" && key != "git_sha" {
            assert!(version.get(key).is_some(), "/version lacks {key}");
        }
    }

    for path in ["/health", "/master/health"] {
        let (status, head, body) = get(&master, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.is_empty(), "{path} has no body");
        assert!(
            !head.to_ascii_lowercase().contains("content-type"),
            "{path}: no Content-Type, as Mesos"
        );
    }

    let expected = golden("s5-endpoints/pretty/master-http/flags.json");
    for path in ["/flags", "/master/flags"] {
        let (status, _, body) = get(&master, path).await;
        assert_eq!(status, 200, "{path}");
        let flags = json_body(&body);
        assert_same_shape(&flags, &expected, path);
        assert_eq!(flags["flags"]["registry"], "in_memory");
        assert_eq!(flags["flags"]["ip"], "127.0.0.1");
    }

    let (status, _, _) = get(&master, "/master/nonexistent").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_durable_registry_is_the_default_and_lives_under_work_dir() {
    let dir = tempfile::tempdir().unwrap();
    let work_dir = format!("--work_dir={}", dir.path().display());
    let master = start(&[&work_dir]).await;
    master.recovered().await.unwrap();
    // Recovery stores the registry with this master recorded in it.
    let variable = master.state.fetch("registry").await.unwrap();
    let registry: proto::mesos::internal::Registry = proto::decode(variable.value()).unwrap();
    assert_eq!(registry.master.unwrap().info, master.info);
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_some(),
        "the embedded store writes under --work_dir"
    );
}

/// As in libprocess, rules see the path after the delegate rewrite: disabling
/// `/master/flags` also disables the bare alias `/flags`.
#[tokio::test]
async fn firewall_rules_disable_endpoints() {
    let master = start(&[
        "--registry=in_memory",
        r#"--firewall_rules={"disabled_endpoints":{"paths":["/master/flags","/version"]}}"#,
    ])
    .await;
    for path in ["/flags", "/master/flags", "/version"] {
        let (status, _, _) = get(&master, path).await;
        assert_eq!(status, 403, "{path}");
    }
    let (_, _, body) = get(&master, "/version").await;
    assert_eq!(
        String::from_utf8_lossy(&body),
        "Endpoint '/version' is disabled"
    );
    let (status, _, _) = get(&master, "/master/health").await;
    assert_eq!(status, 200, "only the listed paths");
}

#[tokio::test]
async fn the_master_announces_itself_as_mesos_does() {
    let master = start(&["--registry=in_memory", "--hostname=master.example"]).await;
    let info = &master.info;
    assert_eq!(info.ip, 16_777_343, "127.0.0.1 as Mesos encodes it");
    assert_eq!(
        info.pid(),
        format!("master@127.0.0.1:{}", master.runtime.address().port())
    );
    assert_eq!(info.hostname(), "master.example");
    assert_eq!(info.version(), "1.11.0");
    let leader = master.detector.detect(None).await.unwrap();
    assert_eq!(leader.as_ref(), Some(info), "a standalone master leads");
}

/// Runs the real binary; returns (exit code, stdout, stderr).
fn run_binary(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_mesos-master"))
        .args(args)
        .env_remove("MESOS_WORK_DIR")
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_lists_every_flag() {
    let (code, stdout, _) = run_binary(&["--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--work_dir",
        "--agent_ping_timeout",
        "--registry",
        "--firewall_rules",
        "--zk",
    ] {
        assert!(stdout.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn bad_startup_input_ends_with_one_line_and_exit_code_1() {
    let cases: &[(&[&str], &str)] = &[
        (&["--no_such_flag=1"], "no_such_flag"),
        (&["--agent_ping_timeout=20"], "agent_ping_timeout"),
        (&["--firewall_rules={not json"], "firewall_rules"),
        (&["--modules={not json"], "modules"),
        (
            &[
                "--ip=127.0.0.1",
                "--port=0",
                "--registry=in_memory",
                r#"--firewall_rules={"disabled_endpoints":{"paths":["flags"]}}"#,
            ],
            "firewall_rules",
        ),
        (
            &[
                "--ip=127.0.0.1",
                "--port=0",
                "--registry=in_memory",
                "--allocator=Nope",
            ],
            "allocator",
        ),
        (
            &["--ip=127.0.0.1", "--port=0", "--registry=nope"],
            "registry",
        ),
    ];
    for (args, flag) in cases {
        let (code, _, stderr) = run_binary(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let last = lines
            .last()
            .unwrap_or_else(|| panic!("{args:?}: nothing on stderr"));
        assert!(
            last.contains(flag),
            "{args:?}: the error names '{flag}': {last}"
        );
    }
}

/// Mesos's rule: `--acls` makes the local authorizer; without it there is
/// none, and every action is permitted.
#[tokio::test]
async fn acls_make_the_local_authorizer() {
    let master = start(&["--registry=in_memory"]).await;
    assert!(master.authorizer.is_none());

    let acls = r#"--acls={"permissive":false,"get_endpoints":[{"principals":{"values":["ops"]},"paths":{"values":["/metrics/snapshot"]}}]}"#;
    let master = start(&["--registry=in_memory", acls]).await;
    let authorizer = master
        .authorizer
        .as_ref()
        .expect("--acls builds an authorizer");
    let may_read_metrics = |principal: &'static str| {
        let request = authorizer::Request {
            subject: Some(authorizer::Subject::principal(principal)),
            action: authorizer::Action::GetEndpointWithPath,
            object: Some(authorizer::Object::value("/metrics/snapshot")),
        };
        async move { authorizer.authorized(&request).await.unwrap() }
    };
    assert!(may_read_metrics("ops").await);
    assert!(
        !may_read_metrics("dev").await,
        "not permissive: unlisted principals are denied"
    );
}
