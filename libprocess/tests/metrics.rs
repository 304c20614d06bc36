//! The runtime's own processes: metrics, logging, profiler, system, help,
//! __processes__.

mod common;

use std::time::Duration;

use common::get;
use libprocess::system::RateLimit;
use libprocess::{Config, Context, Process, Response};
use serde_json::Value;

#[test]
fn the_registry_renders_like_mesos() {
    let metrics = libprocess::Metrics::default();
    let counter = metrics.counter("master/messages_received");
    counter.increment();
    counter.add(2);
    assert_eq!(metrics.counter("master/messages_received").get(), 3);
    metrics.gauge("master/elected").set(1.0);
    metrics.gauge_fn("master/uptime_secs", || 12.5);
    // A gauge that cannot be read is left out, as Mesos leaves out failed ones.
    metrics.gauge_fn("master/unreadable", || f64::NAN);
    let timer = metrics.timer("registrar/state_store_ms");
    timer.record(Duration::from_micros(65));
    timer.record(Duration::from_micros(259));

    let snapshot = metrics.snapshot();
    assert_eq!(snapshot["master/messages_received"], 3.0);
    assert_eq!(snapshot["master/elected"], 1.0);
    assert_eq!(snapshot["master/uptime_secs"], 12.5);
    assert!(!snapshot.contains_key("master/unreadable"));
    assert_eq!(snapshot["registrar/state_store_ms"], 0.259);
    assert_eq!(snapshot["registrar/state_store_ms/count"], 2.0);
    assert_eq!(snapshot["registrar/state_store_ms/min"], 0.065);
    assert_eq!(snapshot["registrar/state_store_ms/max"], 0.259);
    // Percentiles interpolate between ranks, as stout's Statistics do.
    assert!((snapshot["registrar/state_store_ms/p50"] - 0.162).abs() < 1e-12);
    assert!((snapshot["registrar/state_store_ms/p90"] - 0.2396).abs() < 1e-12);
    for suffix in ["p95", "p99", "p999", "p9999"] {
        assert!(snapshot.contains_key(&format!("registrar/state_store_ms/{suffix}")));
    }

    let json = metrics.snapshot_json();
    assert!(
        json.starts_with("{\"master/elected\":1.0,\"master/messages_received\":3.0,"),
        "{json}"
    );
    let parsed: serde_json::Map<String, Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed.len(), snapshot.len());
}

#[test]
fn a_family_of_gauges_is_read_whole_at_each_snapshot() {
    let metrics = libprocess::Metrics::default();
    let roles = std::sync::Arc::new(std::sync::Mutex::new(vec!["web"]));
    let read = std::sync::Arc::clone(&roles);
    metrics.gauges_fn("allocator/", move || {
        let mut family = vec![("allocator/unreadable".to_owned(), f64::NAN)];
        family.extend(
            read.lock()
                .unwrap()
                .iter()
                .map(|role| (format!("allocator/roles/{role}/shares/dominant"), 0.5)),
        );
        family
    });
    let snapshot = metrics.snapshot();
    assert_eq!(snapshot["allocator/roles/web/shares/dominant"], 0.5);
    assert!(!snapshot.contains_key("allocator/unreadable"));

    // The names follow what the family reads now.
    *roles.lock().unwrap() = vec!["batch"];
    let snapshot = metrics.snapshot();
    assert!(!snapshot.contains_key("allocator/roles/web/shares/dominant"));
    assert_eq!(snapshot["allocator/roles/batch/shares/dominant"], 0.5);
    assert!(
        metrics
            .prometheus_text()
            .contains("# TYPE allocator_roles_batch_shares_dominant gauge\n"),
        "{}",
        metrics.prometheus_text()
    );

    metrics.remove("allocator/");
    assert!(metrics.snapshot().is_empty());
}

#[tokio::test]
async fn metrics_are_served_in_prometheus_text_format() {
    let runtime = common::start().await;
    runtime
        .metrics()
        .counter("master/slave_removals/reason_unhealthy")
        .add(2);
    runtime.metrics().gauge("master/elected").set(1.0);
    let response = get(runtime.address(), "/metrics").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("Content-Type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = String::from_utf8(response.body).unwrap();
    assert!(
        text.contains(
            "# TYPE master_slave_removals_reason_unhealthy counter\n\
             master_slave_removals_reason_unhealthy 2\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("# TYPE master_elected gauge\nmaster_elected 1\n"),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_snapshot_is_served_with_timeout_and_jsonp() {
    let runtime = common::start().await;
    runtime.metrics().counter("test/hits").add(7);
    let response = get(runtime.address(), "/metrics/snapshot").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    let parsed: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(parsed["test/hits"], 7.0);

    assert_eq!(
        get(runtime.address(), "/metrics/snapshot?timeout=5secs")
            .await
            .status,
        200
    );
    assert_eq!(
        get(runtime.address(), "/metrics/snapshot?timeout=soon")
            .await
            .status,
        400
    );
    let jsonp = get(runtime.address(), "/metrics/snapshot?jsonp=cb").await;
    assert!(jsonp.text().starts_with("cb({"), "{}", jsonp.text());
    assert_eq!(jsonp.header("Content-Type"), Some("text/javascript"));
    runtime.shutdown().await;
}

#[tokio::test]
async fn the_system_process_reports_the_machine_like_libprocess() {
    let runtime = common::start().await;
    let snapshot: Value =
        serde_json::from_slice(&get(runtime.address(), "/metrics/snapshot").await.body).unwrap();
    for gauge in [
        "system/cpus_total",
        "system/load_1min",
        "system/load_5min",
        "system/load_15min",
        "system/mem_total_bytes",
        "system/mem_free_bytes",
    ] {
        assert!(snapshot[gauge].as_f64().is_some(), "{gauge} in {snapshot}");
    }
    assert!(snapshot["system/cpus_total"].as_f64().unwrap() >= 1.0);
    assert!(
        snapshot["system/mem_free_bytes"].as_f64().unwrap()
            <= snapshot["system/mem_total_bytes"].as_f64().unwrap()
    );

    let stats = get(runtime.address(), "/system/stats.json").await;
    assert_eq!(stats.header("Content-Type"), Some("application/json"));
    let stats: Value = serde_json::from_slice(&stats.body).unwrap();
    let mut fields: Vec<&str> = stats
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "avg_load_15min",
            "avg_load_1min",
            "avg_load_5min",
            "cpus_total",
            "mem_free_bytes",
            "mem_total_bytes"
        ]
    );
    // Counts are integers, as Mesos writes them.
    assert!(stats["cpus_total"].is_u64(), "{stats}");
    assert!(stats["mem_total_bytes"].is_u64(), "{stats}");
    runtime.shutdown().await;
}

/// Serves two routes, one documented.
struct Documented;

impl Process for Documented {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route("/state", |_, _, _| Response::ok("{}").into());
        ctx.route("/other", |_, _, _| Response::ok("").into());
        ctx.help(
            "/state",
            &libprocess::system::help_text("Shows the state.", Some("All of it.\n"), None, None),
        );
    }
}

async fn get_help(runtime: &libprocess::Runtime, path: &str, agent: &str) -> common::RawResponse {
    common::request(
        runtime.address(),
        &format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: {agent}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await
}

#[tokio::test]
async fn help_lists_every_process_and_route_with_its_page() {
    let runtime = common::start_with(Config {
        delegate: Some("master".into()),
        ..Config::loopback()
    })
    .await;
    let master = runtime.spawn("master", Documented).unwrap();

    let index = get_help(&runtime, "/help", "curl/8.5.0").await;
    assert_eq!(index.header("Content-Type"), Some("text/x-markdown"));
    let text = index.text();
    assert!(text.starts_with("## HELP\n"), "{text}");
    for id in ["logging", "master", "metrics", "profiler", "system"] {
        assert!(
            text.contains(&format!("> [/{id}][{id}]\n")),
            "{id} in {text}"
        );
        assert!(
            text.contains(&format!("[{id}]: help/{id}\n")),
            "{id} in {text}"
        );
    }
    assert!(!text.contains("[/__processes__]") && !text.contains("[/help]"));

    let routes = get_help(&runtime, "/help/master", "curl/8.5.0")
        .await
        .text();
    assert_eq!(
        routes,
        "## `/master` ##\n> [/master/other][master/other]\n> [/master/state][master/state]\n\n\
         [master/other]: master/other\n[master/state]: master/state\n"
    );
    // The delegate's pages name the bare path too.
    assert_eq!(
        get_help(&runtime, "/help/master/state", "curl/8.5.0")
            .await
            .text(),
        "### USAGE ###\n>        /state\n>        /master/state\n\n\
         ### TL;DR; ###\nShows the state.\n\n### DESCRIPTION ###\nAll of it.\n\n"
    );
    assert_eq!(
        get_help(&runtime, "/help/master/other", "curl/8.5.0")
            .await
            .text(),
        "## No help page for `/master/other`\n\n"
    );
    let snapshot = get_help(&runtime, "/help/metrics/snapshot", "curl/8.5.0")
        .await
        .text();
    assert!(snapshot.contains("### TL;DR; ###"), "{snapshot}");

    // As in libprocess, `/help/<id>` is routed only for processes with
    // pages; a missing route of a known process is a 400.
    assert_eq!(
        get_help(&runtime, "/help/nobody", "curl/8.5.0")
            .await
            .status,
        404
    );
    let refused = get_help(&runtime, "/help/master/nothing", "curl/8.5.0").await;
    assert_eq!(
        (refused.status, refused.text().as_str()),
        (400, "No help available for '/master/nothing'.\n")
    );

    let json: Value =
        serde_json::from_slice(&get_help(&runtime, "/help?format=json", "x").await.body).unwrap();
    let master_entry = json["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|process| process["id"] == "master")
        .unwrap();
    let names: Vec<&str> = master_entry["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|endpoint| endpoint["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["/other", "/state"]);

    // Browsers get a page.
    let page = get_help(&runtime, "/help/master/state", "Mozilla/5.0").await;
    assert_eq!(page.header("Content-Type"), Some("text/html"));
    assert!(page.text().contains("&gt;        /master/state"));

    // A terminated process's pages go with it.
    master.terminate();
    master.wait().await;
    assert_eq!(
        get_help(&runtime, "/help/master", "curl/8.5.0")
            .await
            .status,
        400
    );
    runtime.shutdown().await;
}

#[tokio::test]
async fn logging_toggle_raises_verbosity_for_a_while() {
    let runtime = common::start().await;
    let (changes, mut levels) = tokio::sync::mpsc::unbounded_channel();
    runtime.on_verbosity_change(move |level| {
        let _ = changes.send(level);
    });
    let address = runtime.address();
    assert_eq!(get(address, "/logging/toggle").await.text(), "0\n");
    assert_eq!(get(address, "/logging/toggle?level=2").await.status, 400);
    assert_eq!(
        get(address, "/logging/toggle?duration=1secs").await.status,
        400
    );
    assert_eq!(
        get(address, "/logging/toggle?level=x&duration=1secs")
            .await
            .status,
        400
    );
    assert_eq!(
        get(address, "/logging/toggle?level=2&duration=forever")
            .await
            .status,
        400
    );

    assert_eq!(
        get(address, "/logging/toggle?level=3&duration=200ms")
            .await
            .status,
        200
    );
    assert_eq!(common::next(&mut levels).await, 3);
    assert_eq!(runtime.verbosity(), 3);
    // The level goes back to the original when the duration is over.
    assert_eq!(common::next(&mut levels).await, 0);
    assert_eq!(get(address, "/logging/toggle").await.text(), "0\n");
    runtime.shutdown().await;
}

#[tokio::test]
async fn profiler_needs_enabling_then_starts_and_stops() {
    let disabled = common::start().await;
    let refused = get(disabled.address(), "/profiler/start").await;
    assert_eq!(refused.status, 400);
    assert!(refused.text().contains("LIBPROCESS_ENABLE_PROFILER=1"));
    assert_eq!(get(disabled.address(), "/profiler/stop").await.status, 400);
    disabled.shutdown().await;

    let runtime = common::start_with(Config {
        enable_profiler: true,
        ..Config::loopback()
    })
    .await;
    let address = runtime.address();
    assert_eq!(
        get(address, "/profiler/stop").await.text(),
        "Profiler not running.\n"
    );
    assert_eq!(
        get(address, "/profiler/start").await.text(),
        "Profiler started.\n"
    );
    assert_eq!(
        get(address, "/profiler/start").await.text(),
        "Profiler already started.\n"
    );
    // Give the sampler something to see: a fifth of a second of CPU at 99
    // samples a second. (Without a sample the answer is still an image.)
    let started = std::time::Instant::now();
    let mut spin = 0u64;
    while started.elapsed() < std::time::Duration::from_millis(200) {
        for i in 0..10_000u64 {
            spin = spin.wrapping_mul(31).wrapping_add(i);
        }
    }
    std::hint::black_box(spin);
    let profile = get(address, "/profiler/stop").await;
    assert_eq!(profile.status, 200);
    assert_eq!(profile.header("Content-Type"), Some("image/svg+xml"));
    assert!(profile.text().contains("<svg"), "{}", profile.text());
    runtime.shutdown().await;
}

struct Idle;
impl Process for Idle {}

struct Busy;
impl Process for Busy {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install("block", |_: &mut Busy, _: &mut Context<Busy>, _| {
            // Holds the process so later messages stay queued.
            std::thread::sleep(Duration::from_millis(300));
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_lists_live_processes_with_queues_and_counters() {
    let runtime = common::start().await;
    runtime.spawn("idle", Idle).unwrap();
    let busy = runtime.spawn("busy", Busy).unwrap();
    let from = runtime.upid("test");
    for _ in 0..3 {
        runtime.send(&from, busy.upid(), "block", bytes::Bytes::new());
    }
    let listing: Value =
        serde_json::from_slice(&get(runtime.address(), "/__processes__").await.body).unwrap();
    let ids: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for id in [
        "idle",
        "busy",
        "metrics",
        "logging",
        "profiler",
        "system",
        "help",
        "__processes__",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let busy_entry = listing
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "busy")
        .unwrap();
    assert_eq!(busy_entry["messages_received"], 3);
    let queued = busy_entry["events"].as_array().unwrap();
    assert_eq!(
        busy_entry["queue_depth"].as_u64().unwrap() as usize,
        queued.len()
    );
    assert!(
        queued
            .iter()
            .all(|event| event["type"] == "MESSAGE" && event["name"] == "block")
    );

    // Terminated processes are reaped from the listing.
    busy.terminate();
    busy.wait().await;
    let listing: Value =
        serde_json::from_slice(&get(runtime.address(), "/__processes__").await.body).unwrap();
    assert!(
        listing
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != "busy")
    );
    runtime.shutdown().await;
}

#[test]
fn environment_configures_the_runtime() {
    let env = |name: &str| {
        match name {
            "LIBPROCESS_IP" => Some("127.0.0.1"),
            "LIBPROCESS_PORT" => Some("5050"),
            "LIBPROCESS_ADVERTISE_IP" => Some("10.0.0.1"),
            "LIBPROCESS_ADVERTISE_PORT" => Some("15050"),
            "LIBPROCESS_NUM_WORKER_THREADS" => Some("3"),
            "LIBPROCESS_ENABLE_PROFILER" => Some("1"),
            "LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT" => Some("10/1mins"),
            _ => None,
        }
        .map(str::to_owned)
    };
    let config = Config::from_lookup(env).unwrap();
    assert_eq!(config.ip, Some(std::net::Ipv4Addr::LOCALHOST));
    assert_eq!(config.port, 5050);
    assert_eq!(
        config.advertise_ip,
        Some(std::net::Ipv4Addr::new(10, 0, 0, 1))
    );
    assert_eq!(config.advertise_port, Some(15050));
    assert_eq!(config.worker_threads, 3);
    assert!(config.enable_profiler);
    assert_eq!(
        config.metrics_snapshot_rate_limit,
        Some(RateLimit {
            requests: 10,
            per: Duration::from_secs(60)
        })
    );
    let tokio = config.build_tokio_runtime().unwrap();
    assert_eq!(tokio.metrics().num_workers(), 3);

    let bad = |name: &str| (name == "LIBPROCESS_NUM_WORKER_THREADS").then(|| "0".to_owned());
    assert!(Config::from_lookup(bad).is_err());
    let bad = |name: &str| (name == "LIBPROCESS_IP").then(|| "not-an-ip".to_owned());
    assert!(Config::from_lookup(bad).is_err());
    let bad = |name: &str| {
        (name == "LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT").then(|| "fast".to_owned())
    };
    assert!(Config::from_lookup(bad).is_err());

    // libprocess's default is two snapshots a second; empty means no limit.
    let unset = Config::from_lookup(|_| None).unwrap();
    assert_eq!(
        unset.metrics_snapshot_rate_limit,
        Some(RateLimit {
            requests: 2,
            per: Duration::from_secs(1)
        })
    );
    let empty =
        |name: &str| (name == "LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT").then(String::new);
    assert_eq!(
        Config::from_lookup(empty)
            .unwrap()
            .metrics_snapshot_rate_limit,
        None
    );
}

/// Requests beyond the rate wait their turn rather than being refused. The
/// clock is paused, so the waiting is measured in virtual time.
#[tokio::test(start_paused = true)]
async fn metrics_snapshots_beyond_the_rate_wait_their_turn() {
    let runtime = common::start().await;
    let started = tokio::time::Instant::now();
    let address = runtime.address();
    let burst: Vec<_> = (0..3)
        .map(|_| tokio::spawn(async move { get(address, "/metrics/snapshot").await.status }))
        .collect();
    for request in burst {
        assert_eq!(request.await.unwrap(), 200);
    }
    // Two a second: the third of a burst gets its permit a second after the first.
    assert!(started.elapsed() >= Duration::from_secs(1));
    runtime.shutdown().await;
}

#[tokio::test]
async fn advertised_address_goes_into_upids() {
    let runtime = common::start_with(Config {
        advertise_ip: Some(std::net::Ipv4Addr::new(127, 0, 0, 2)),
        advertise_port: Some(15050),
        ..Config::loopback()
    })
    .await;
    assert_eq!(runtime.upid("master").to_string(), "master@127.0.0.2:15050");
    runtime.shutdown().await;
}
