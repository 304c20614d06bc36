//! The master's authorization decisions under `--acls`, as Mesos 1.11's
//! master makes them: agent registration (`register_agents`), framework
//! subscription (`register_frameworks`, by role), task launch (`run_tasks`,
//! by user), `/flags` and the operator API's GET_FLAGS (`view_flags`,
//! `403`) and what `/state` shows of the flags, SET_LOGGING_LEVEL
//! (`set_log_level`, `403`), agents' reservations in
//! `/slaves` (`view_roles`), `/metrics/snapshot` (`get_endpoints`, `403`),
//! frameworks and tasks in `/state`, `/frameworks`, `/state-summary`,
//! `/tasks` and the GET_STATE, GET_FRAMEWORKS, GET_TASKS queries
//! (`view_frameworks`, `view_tasks`: a hidden framework hides its tasks);
//! and the matrix of
//! the checks the operator calls ask (reserve, unreserve, volumes, quota,
//! weights, maintenance, teardown, mark gone), allowed and denied, through
//! the master's own authorizer.

mod common;

use authorizer::Action;
use common::authenticatee::{Authenticatee, COMPLETED};
use common::scheduler::{Subscription, call, fleet, launch, pymesos_subscribe};
use common::{
    FakeAgent, basic, get_as, master_upid, metric, start_under_acls as start, wait_for_metric,
};
use master::authorization::{Check, authorize};
use proto::mesos::{FrameworkInfo, MachineId, Resource, WeightInfo, resource, value};
use serde_json::{Value as Json, json};

#[tokio::test]
async fn agents_register_only_as_principals_the_acls_allow() {
    let acls = json!({
        "permissive": false,
        "register_agents": [{"principals": {"values": ["ops"]}, "agents": {"type": "ANY"}}]
    });
    let (master, _dir) = start(acls, &[]).await;

    let refused = FakeAgent::start(&master).await;
    let mut authenticatee = Authenticatee::start(&refused.runtime, master_upid(&master));
    let upid = refused.upid().clone();
    assert_eq!(
        authenticatee.authenticate(&upid, "reader", "r34d").await,
        COMPLETED
    );
    refused.send(&common::golden_registration(refused.port()));
    wait_for_metric(&master, "master/messages_register_slave", 1.0).await;

    let mut allowed = FakeAgent::start(&master).await;
    let mut authenticatee = Authenticatee::start(&allowed.runtime, master_upid(&master));
    let upid = allowed.upid().clone();
    assert_eq!(
        authenticatee.authenticate(&upid, "ops", "s3cret").await,
        COMPLETED
    );
    allowed.register().await;

    // Authorization answers in order; the refused agent was never admitted.
    let slaves = common::get_json(&master, "/master/slaves").await;
    assert_eq!(slaves["slaves"].as_array().unwrap().len(), 1);
    assert_eq!(slaves["slaves"][0]["pid"], allowed.upid().to_string());
    assert_eq!(metric(&master, "master/slave_registrations"), 1.0);
    refused.kill().await;
}

/// ACLs letting anyone register frameworks in role `prod` only.
fn prod_only() -> Json {
    json!({"register_frameworks": [
        {"principals": {"type": "ANY"}, "roles": {"values": ["prod"]}},
        {"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}
    ]})
}

#[tokio::test]
async fn frameworks_subscribe_only_in_roles_the_acls_allow() {
    let (master, _dir) = start(prod_only(), &[]).await;
    let address = master.runtime.address();

    let mut refused = Subscription::json(address, &pymesos_subscribe("anywhere")).await;
    let error = refused.next_event().await;
    assert_eq!(error["type"], "ERROR", "{error}");
    assert_eq!(
        error["error"]["message"],
        "Not authorized to register framework  with roles { * }"
    );

    let mut subscribe = pymesos_subscribe("in-prod");
    subscribe["subscribe"]["framework_info"]["role"] = json!("prod");
    let mut allowed = Subscription::json(address, &subscribe).await;
    let subscribed = allowed.next_event().await;
    assert_eq!(subscribed["type"], "SUBSCRIBED", "{subscribed}");
    assert_eq!(metric(&master, "master/frameworks_active"), 1.0);
}

#[tokio::test]
async fn tasks_launch_only_as_users_the_acls_allow() {
    let acls = json!({"run_tasks": [
        {"principals": {"type": "ANY"}, "users": {"values": ["nobody"]}},
        {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}
    ]});
    let (master, _dir) = start(acls, &[]).await;
    let (runtime, fleet) = fleet(&master, 1, None).await;
    let address = master.runtime.address();

    // pymesos's framework runs its tasks as root.
    let mut subscription = Subscription::json(address, &pymesos_subscribe("as-root")).await;
    let subscribed = subscription.next_event().await;
    let framework_id = subscribed["subscribed"]["framework_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let offers = subscription.next_event().await;
    let offer = offers["offers"]["offers"][0].clone();
    let accept = launch(&framework_id, &offer, "as-root-1");
    assert_eq!(
        call(address, &subscription.stream_id(), &accept)
            .await
            .status,
        202
    );
    let update = subscription.next_event().await;
    let status = &update["update"]["status"];
    assert_eq!(status["state"], "TASK_ERROR", "{update}");
    assert_eq!(status["reason"], "REASON_TASK_UNAUTHORIZED");
    assert_eq!(
        status["message"],
        "Not authorized to launch task as-root-1 of framework {framework_id} under user 'root'"
            .replace("{framework_id}", &framework_id)
    );
    assert_eq!(metric(&master, "master/tasks_error"), 1.0);
    fleet.stop().await;
    runtime.shutdown().await;
}

/// ACLs letting `ops` alone see the flags and GET `/metrics/snapshot`.
fn ops_sees_flags_and_metrics() -> Json {
    json!({
        "view_flags": [
            {"principals": {"values": ["ops"]}, "flags": {"type": "ANY"}},
            {"principals": {"type": "ANY"}, "flags": {"type": "NONE"}}
        ],
        "get_endpoints": [
            {"principals": {"values": ["ops"]}, "paths": {"values": ["/metrics/snapshot"]}},
            {"principals": {"type": "ANY"}, "paths": {"type": "NONE"}}
        ]
    })
}

#[tokio::test]
async fn flags_are_shown_only_to_principals_the_acls_allow() {
    let (master, _dir) = start(
        ops_sees_flags_and_metrics(),
        &[
            "--authenticate_http_readonly",
            "--authenticate_http_readwrite",
        ],
    )
    .await;
    let ops = basic("ops:s3cret");
    let reader = basic("reader:r34d");

    for path in ["/flags", "/master/flags"] {
        let answer = get_as(&master, path, Some(&ops)).await;
        assert_eq!(answer.status, 200, "{path}");
        let answer = get_as(&master, path, Some(&reader)).await;
        assert_eq!(answer.status, 403, "{path}");
    }

    let state = |answer: common::Answer| -> Json {
        assert_eq!(answer.status, 200);
        serde_json::from_slice(&answer.body).unwrap()
    };
    let as_ops = state(get_as(&master, "/master/state", Some(&ops)).await);
    assert_eq!(as_ops["flags"]["authenticate_http_readonly"], "true");
    let as_reader = state(get_as(&master, "/master/state", Some(&reader)).await);
    assert!(as_reader.get("flags").is_none(), "{as_reader}");
    assert_eq!(as_reader["id"], master.info.id);

    // The operator API's GET_FLAGS too.
    for (authorization, status) in [(&ops, 200), (&reader, 403)] {
        let answer = common::request(
            &master,
            "POST",
            "/api/v1",
            &[
                ("Authorization", authorization),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            br#"{"type":"GET_FLAGS"}"#,
        )
        .await;
        assert_eq!(answer.status, status, "{}", answer.text());
    }
}

#[tokio::test]
async fn metrics_are_served_only_to_principals_the_acls_allow() {
    let (master, _dir) = start(
        ops_sees_flags_and_metrics(),
        &["--authenticate_http_readonly"],
    )
    .await;
    let answer = get_as(&master, "/metrics/snapshot", Some(&basic("ops:s3cret"))).await;
    assert_eq!(answer.status, 200);
    let answer = get_as(&master, "/metrics/snapshot", Some(&basic("reader:r34d"))).await;
    assert_eq!(answer.status, 403);
}

fn scalar(name: &str, amount: f64) -> Resource {
    Resource {
        name: name.into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: amount }),
        ..Resource::default()
    }
}

/// `amount` of `name` reserved to `role` by `principal`.
fn reserved(name: &str, amount: f64, role: &str, principal: &str) -> Resource {
    Resource {
        reservations: vec![resource::ReservationInfo {
            r#type: Some(resource::reservation_info::Type::Dynamic as i32),
            role: Some(role.into()),
            principal: Some(principal.into()),
            ..Default::default()
        }],
        ..scalar(name, amount)
    }
}

/// A persistent volume of `role`, created by `principal`.
fn volume(role: &str, principal: &str) -> Resource {
    let mut volume = reserved("disk", 64.0, role, principal);
    volume.disk = Some(resource::DiskInfo {
        persistence: Some(resource::disk_info::Persistence {
            id: "volume-1".into(),
            principal: Some(principal.into()),
        }),
        volume: Some(proto::mesos::Volume {
            container_path: "data".into(),
            mode: proto::mesos::volume::Mode::Rw as i32,
            ..Default::default()
        }),
        ..Default::default()
    });
    volume
}

#[tokio::test]
async fn operator_calls_are_checked_as_mesos_checks_them() {
    let ops_only = |object_field: &str, object: Json| {
        json!([
            {"principals": {"values": ["ops"]}, object_field: object},
            {"principals": {"type": "ANY"}, object_field: {"type": "NONE"}}
        ])
    };
    let acls = json!({
        "permissive": false,
        "reserve_resources": ops_only("roles", json!({"values": ["prod"]})),
        "unreserve_resources": ops_only("reserver_principals", json!({"values": ["ops"]})),
        "create_volumes": ops_only("roles", json!({"values": ["prod"]})),
        "destroy_volumes": ops_only("creator_principals", json!({"values": ["ops"]})),
        "update_weights": ops_only("roles", json!({"values": ["prod"]})),
        "get_quotas": ops_only("roles", json!({"values": ["prod"]})),
        "update_quotas": ops_only("roles", json!({"values": ["prod"]})),
        "teardown_frameworks": ops_only("framework_principals", json!({"values": ["fw"]})),
        "update_maintenance_schedules": ops_only("machines", json!({"type": "ANY"})),
        "start_maintenances": ops_only("machines", json!({"type": "ANY"})),
        "stop_maintenances": ops_only("machines", json!({"type": "ANY"})),
        "mark_agents_gone": ops_only("agents", json!({"type": "ANY"})),
        "drain_agents": ops_only("agents", json!({"type": "ANY"})),
        "deactivate_agents": ops_only("agents", json!({"type": "ANY"})),
        "reactivate_agents": ops_only("agents", json!({"type": "ANY"})),
    });
    let (master, _dir) = start(acls, &[]).await;
    let authorizer = master
        .authorizer
        .clone()
        .expect("--acls gives an authorizer");

    let framework = FrameworkInfo {
        user: "root".into(),
        name: "fw".into(),
        principal: Some("fw".into()),
        ..FrameworkInfo::default()
    };
    let machines = [MachineId {
        hostname: Some("host-1".into()),
        ip: Some("10.0.0.1".into()),
    }];
    let weight = WeightInfo {
        weight: 2.0,
        role: Some("prod".into()),
    };
    let prod_cpus = [reserved("cpus", 1.0, "prod", "ops")];
    // (what, the checks the operator's call asks, whether `ops` may);
    // `reader` and unauthenticated callers never may.
    let cases: Vec<(&str, Vec<Check>, bool)> = vec![
        ("reserve for prod", Check::reserve(&prod_cpus), true),
        (
            "reserve for dev",
            Check::reserve(&[reserved("cpus", 1.0, "dev", "ops")]),
            false,
        ),
        ("unreserve ops's", Check::unreserve(&prod_cpus), true),
        (
            "unreserve another's",
            Check::unreserve(&[reserved("cpus", 1.0, "prod", "someone")]),
            false,
        ),
        (
            "create a volume in prod",
            Check::create_volumes(&[volume("prod", "ops")]),
            true,
        ),
        (
            "create a volume in dev",
            Check::create_volumes(&[volume("dev", "ops")]),
            false,
        ),
        (
            "destroy ops's volume",
            Check::destroy_volumes(&[volume("prod", "ops")]),
            true,
        ),
        (
            "destroy another's volume",
            Check::destroy_volumes(&[volume("prod", "someone")]),
            false,
        ),
        ("weigh prod", vec![Check::update_weight(&weight)], true),
        ("read prod's quota", vec![Check::get_quota("prod")], true),
        ("set prod's quota", vec![Check::update_quota("prod")], true),
        ("set dev's quota", vec![Check::update_quota("dev")], false),
        ("tear fw down", vec![Check::teardown(&framework)], true),
        (
            "schedule maintenance",
            Check::maintenance(Action::UpdateMaintenanceSchedule, &machines),
            true,
        ),
        (
            "start maintenance",
            Check::maintenance(Action::StartMaintenance, &machines),
            true,
        ),
        (
            "stop maintenance",
            Check::maintenance(Action::StopMaintenance, &machines),
            true,
        ),
        (
            "mark an agent gone",
            vec![Check::agent_action(Action::MarkAgentGone)],
            true,
        ),
        (
            "drain an agent",
            vec![Check::agent_action(Action::DrainAgent)],
            true,
        ),
        (
            "deactivate an agent",
            vec![Check::agent_action(Action::DeactivateAgent)],
            true,
        ),
        (
            "reactivate an agent",
            vec![Check::agent_action(Action::ReactivateAgent)],
            true,
        ),
    ];
    for (what, checks, ops_may) in cases {
        let as_ops = authorize(Some(authorizer.clone()), Some("ops".into()), checks.clone())
            .await
            .unwrap();
        assert_eq!(as_ops, ops_may, "ops may {what}");
        let as_reader = authorize(
            Some(authorizer.clone()),
            Some("reader".into()),
            checks.clone(),
        )
        .await
        .unwrap();
        assert!(!as_reader, "reader may not {what}");
        let unauthenticated = authorize(Some(authorizer.clone()), None, checks)
            .await
            .unwrap();
        assert!(!unauthenticated, "nobody unauthenticated may {what}");
    }
}

#[test]
fn checks_cover_each_reservation_role_and_reserver_once() {
    let resources = [
        reserved("cpus", 1.0, "prod", "ops"),
        reserved("mem", 64.0, "prod", "ops"),
        reserved("cpus", 1.0, "dev", "ops"),
        scalar("disk", 10.0),
    ];
    let roles: Vec<Option<String>> = Check::reserve(&resources)
        .into_iter()
        .map(|check| check.object.and_then(|object| object.value))
        .collect();
    assert_eq!(
        roles,
        [Some("prod".into()), Some("dev".into()), Some("*".into())]
    );

    let mut anonymous = reserved("cpus", 1.0, "prod", "ops");
    anonymous.reservations[0].principal = None;
    let unreserve = Check::unreserve(&[reserved("cpus", 1.0, "prod", "ops"), anonymous]);
    assert_eq!(unreserve.len(), 2);
    assert_eq!(
        unreserve[0].object.as_ref().unwrap().value.as_deref(),
        Some("ops")
    );
    assert!(unreserve[1].object.is_none(), "anything, for the anonymous");

    assert!(Check::create_volumes(&[])[0].object.is_none());
    assert!(
        Check::destroy_volumes(&[scalar("disk", 1.0)])[0]
            .object
            .is_none()
    );
}

#[tokio::test]
async fn agents_reservations_are_shown_only_for_roles_the_acls_allow() {
    let acls = json!({"view_roles": [
        {"principals": {"values": ["ops"]}, "roles": {"type": "ANY"}},
        {"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}
    ]});
    let (master, _dir) = start(acls, &["--authenticate_http_readonly"]).await;
    let mut agent = FakeAgent::start(&master).await;
    let mut registration = common::golden_registration(agent.port());
    let mut static_reservation = scalar("cpus", 1.0);
    static_reservation.reservations = vec![resource::ReservationInfo {
        r#type: Some(resource::reservation_info::Type::Static as i32),
        role: Some("prod".into()),
        ..Default::default()
    }];
    registration.slave.resources.push(static_reservation);
    agent.send(&registration);
    agent.expect("mesos.internal.SlaveRegisteredMessage").await;

    let slaves = |principal_and_secret: &'static str| {
        let master = &master;
        async move {
            let answer = get_as(master, "/master/slaves", Some(&basic(principal_and_secret))).await;
            assert_eq!(answer.status, 200);
            answer.json()["slaves"][0].clone()
        }
    };
    let roles = |agent: &Json, key: &str| -> Vec<String> {
        agent[key].as_object().unwrap().keys().cloned().collect()
    };
    let as_ops = slaves("ops:s3cret").await;
    assert_eq!(roles(&as_ops, "reserved_resources"), ["prod"]);
    assert_eq!(roles(&as_ops, "reserved_resources_full"), ["prod"]);
    let as_reader = slaves("reader:r34d").await;
    assert!(
        roles(&as_reader, "reserved_resources").is_empty(),
        "{as_reader}"
    );
    assert!(roles(&as_reader, "reserved_resources_full").is_empty());
    // Unreserved resources are anyone's to see.
    assert_eq!(
        as_reader["unreserved_resources_full"],
        as_ops["unreserved_resources_full"]
    );
    assert!(
        !as_reader["unreserved_resources_full"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The other endpoints that list agents leave the reservation out too.
    for path in ["/master/state", "/master/state-summary"] {
        for (principal, shown) in [("ops:s3cret", vec!["prod"]), ("reader:r34d", vec![])] {
            let answer = get_as(&master, path, Some(&basic(principal))).await;
            assert_eq!(answer.status, 200);
            let agent = answer.json()["slaves"][0].clone();
            assert_eq!(roles(&agent, "reserved_resources"), shown, "{path} {agent}");
        }
    }
}

#[tokio::test]
async fn an_agents_static_reservations_are_authorized_as_reservations() {
    // Nobody may reserve anything.
    let acls = json!({"reserve_resources": [
        {"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}
    ]});
    let (master, _dir) = start(acls, &[]).await;

    // A 1.11 agent writes static reservations in the pre-refinement format.
    let refused = FakeAgent::start(&master).await;
    let mut registration = common::golden_registration(refused.port());
    #[allow(deprecated)]
    let legacy = Resource {
        role: Some("prod".into()),
        ..scalar("cpus", 1.0)
    };
    registration.slave.resources.push(legacy);
    refused.send(&registration);
    wait_for_metric(&master, "master/messages_register_slave", 1.0).await;

    // Without reservations an agent may register.
    let mut allowed = FakeAgent::start(&master).await;
    allowed.register().await;
    let slaves = common::get_json(&master, "/master/slaves").await;
    assert_eq!(slaves["slaves"].as_array().unwrap().len(), 1);
    assert_eq!(slaves["slaves"][0]["pid"], allowed.upid().to_string());
}

#[tokio::test]
async fn the_logging_level_is_set_only_by_principals_the_acls_allow() {
    let acls = json!({"set_log_level": [
        {"principals": {"values": ["ops"]}, "level": {"type": "ANY"}},
        {"principals": {"type": "ANY"}, "level": {"type": "NONE"}}
    ]});
    let (master, _dir) = start(acls, &["--authenticate_http_readwrite"]).await;
    let call = json!({
        "type": "SET_LOGGING_LEVEL",
        "set_logging_level": {"level": 2, "duration": {"nanoseconds": 60_000_000_000_i64}}
    })
    .to_string();
    for (who, status) in [("reader:r34d", 403), ("ops:s3cret", 200)] {
        let authorization = basic(who);
        let answer = common::request(
            &master,
            "POST",
            "/api/v1",
            &[
                ("Authorization", &authorization),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            call.as_bytes(),
        )
        .await;
        assert_eq!(answer.status, status, "{who}: {}", answer.text());
    }
    assert_eq!(master.runtime.verbosity(), 2);
}

/// A master under `acls` with one framework (pymesos's, user root) running
/// one task on a simulated agent; returns its framework id.
async fn one_running_task(
    acls: Json,
) -> (
    master::Master,
    tempfile::TempDir,
    libprocess::Runtime,
    mesos_sim::Fleet,
    String,
) {
    let extra = [
        "--authenticate_http_readonly",
        "--authenticate_http_readwrite",
    ];
    let (master, dir) = start(acls, &extra).await;
    let (runtime, fleet) = fleet(&master, 1, None).await;
    let address = master.runtime.address();
    let mut subscription = Subscription::json(address, &pymesos_subscribe("watched")).await;
    let subscribed = subscription.next_event().await;
    let framework_id = subscribed["subscribed"]["framework_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let offers = subscription.next_event().await;
    let offer = offers["offers"]["offers"][0].clone();
    let accept = launch(&framework_id, &offer, "watched-1");
    assert_eq!(
        call(address, &subscription.stream_id(), &accept)
            .await
            .status,
        202
    );
    wait_for_metric(&master, "master/tasks_running", 1.0).await;
    (master, dir, runtime, fleet, framework_id)
}

/// The framework ids and task ids `principal_and_secret` sees in every
/// endpoint and query that shows them, each named by where it was seen.
async fn seen_by(
    master: &master::Master,
    principal_and_secret: &str,
) -> Vec<(String, Vec<String>)> {
    let authorization = basic(principal_and_secret);
    let ids = |list: &Json, pointer: &str| -> Vec<String> {
        list.as_array()
            .unwrap_or_else(|| panic!("a list: {list}"))
            .iter()
            .map(|item| {
                item.pointer(pointer)
                    .and_then(Json::as_str)
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let mut seen = Vec::new();
    for path in [
        "/master/state",
        "/master/frameworks",
        "/master/state-summary",
    ] {
        let answer = get_as(master, path, Some(&authorization)).await;
        assert_eq!(answer.status, 200, "{path}");
        let body = answer.json();
        seen.push((
            format!("{path} frameworks"),
            ids(&body["frameworks"], "/id"),
        ));
        if path == "/master/state" {
            let tasks: Vec<String> = body["frameworks"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|framework| ids(&framework["tasks"], "/id"))
                .collect();
            seen.push((format!("{path} tasks"), tasks));
        }
    }
    let answer = get_as(master, "/master/tasks", Some(&authorization)).await;
    seen.push(("/master/tasks".into(), ids(&answer.json()["tasks"], "/id")));
    for (kind, frameworks, tasks) in [
        ("GET_FRAMEWORKS", "/get_frameworks/frameworks", None),
        ("GET_TASKS", "", Some("/get_tasks/tasks")),
        (
            "GET_STATE",
            "/get_state/get_frameworks/frameworks",
            Some("/get_state/get_tasks/tasks"),
        ),
    ] {
        let body = json!({"type": kind}).to_string();
        let headers = [
            ("Authorization", authorization.as_str()),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        ];
        let answer = common::request(master, "POST", "/api/v1", &headers, body.as_bytes()).await;
        assert_eq!(answer.status, 200, "{kind}: {}", answer.text());
        let body = answer.json();
        if !frameworks.is_empty() {
            let list = body.pointer(frameworks).cloned().unwrap_or(json!([]));
            seen.push((
                format!("{kind} frameworks"),
                ids(&list, "/framework_info/id/value"),
            ));
        }
        if let Some(tasks) = tasks {
            let list = body.pointer(tasks).cloned().unwrap_or(json!([]));
            seen.push((format!("{kind} tasks"), ids(&list, "/task_id/value")));
        }
    }
    seen
}

/// Asserts `seen` (from [`seen_by`]) shows `framework_id` where frameworks
/// are listed and task `watched-1` where tasks are: each exactly when
/// `frameworks` / `tasks` says so.
fn assert_sees(seen: &[(String, Vec<String>)], framework_id: &str, frameworks: bool, tasks: bool) {
    for (place, ids) in seen {
        let (expected, id) = if place.ends_with("frameworks") {
            (frameworks, framework_id)
        } else {
            (tasks, "watched-1")
        };
        let want: Vec<String> = if expected {
            vec![id.to_owned()]
        } else {
            Vec::new()
        };
        assert_eq!(ids, &want, "{place}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frameworks_and_their_tasks_are_shown_only_to_principals_the_acls_allow() {
    let acls = json!({
        "view_frameworks": [
            {"principals": {"values": ["ops"]}, "users": {"type": "ANY"}},
            {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}
        ],
        "view_tasks": [{"principals": {"type": "ANY"}, "users": {"type": "ANY"}}]
    });
    let (master, _dir, runtime, fleet, framework_id) = one_running_task(acls).await;
    assert_sees(
        &seen_by(&master, "ops:s3cret").await,
        &framework_id,
        true,
        true,
    );
    // A hidden framework takes its tasks with it, whatever VIEW_TASK says.
    assert_sees(
        &seen_by(&master, "reader:r34d").await,
        &framework_id,
        false,
        false,
    );
    fleet.stop().await;
    runtime.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_are_shown_only_to_principals_the_acls_allow() {
    let acls = json!({
        "view_tasks": [
            {"principals": {"values": ["ops"]}, "users": {"values": ["root"]}},
            {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}
        ]
    });
    let (master, _dir, runtime, fleet, framework_id) = one_running_task(acls).await;
    assert_sees(
        &seen_by(&master, "ops:s3cret").await,
        &framework_id,
        true,
        true,
    );
    assert_sees(
        &seen_by(&master, "reader:r34d").await,
        &framework_id,
        true,
        false,
    );
    fleet.stop().await;
    runtime.shutdown().await;
}
