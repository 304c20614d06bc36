//! The local authorizer beyond the matrix: recursive roles, multi-role
//! frameworks, which user a task or nested container is judged as, the
//! claims of executor and resource-provider tokens, startup validation,
//! callers' mistakes, and filtering many objects with [`Approvers`].

use authorizer::{
    Action, Approvers, Authorizer, AuthorizerError, LocalAuthorizer, Object, Request, Subject,
};
use proto::mesos::framework_info::Capability;
use proto::mesos::framework_info::capability::Type as CapabilityType;
use proto::mesos::resource::ReservationInfo;
use proto::mesos::{CommandInfo, ContainerId, ExecutorInfo, FrameworkInfo, Resource, TaskInfo};
use serde_json::json;

fn authorizer(acls: serde_json::Value) -> LocalAuthorizer {
    LocalAuthorizer::from_json(&acls).unwrap_or_else(|error| panic!("{acls}: {error}"))
}

async fn allowed(
    authorizer: &LocalAuthorizer,
    principal: Option<&str>,
    action: Action,
    object: Object<'_>,
) -> bool {
    let request = Request {
        subject: Subject::from_principal(principal),
        action,
        object: Some(object),
    };
    authorizer.authorized(&request).await.unwrap()
}

fn reserved_for(role: &str) -> Resource {
    Resource {
        name: "cpus".into(),
        reservations: vec![ReservationInfo {
            role: Some(role.to_owned()),
            principal: Some("ops".into()),
            ..ReservationInfo::default()
        }],
        ..Resource::default()
    }
}

#[tokio::test]
async fn a_recursive_role_covers_every_role_below_it_but_not_itself() {
    let authorizer = authorizer(json!({
        "permissive": false,
        "reserve_resources": [
            {"principals": {"values": ["ops"]}, "roles": {"values": ["eng/%", "qa"]}}
        ]
    }));
    for role in ["eng/web", "eng/web/prod", "qa"] {
        let resource = reserved_for(role);
        assert!(
            allowed(
                &authorizer,
                Some("ops"),
                Action::ReserveResources,
                Object::resource(&resource)
            )
            .await,
            "{role}"
        );
        assert!(
            !allowed(
                &authorizer,
                Some("dev"),
                Action::ReserveResources,
                Object::resource(&resource)
            )
            .await,
            "{role}"
        );
    }
    for role in ["eng", "engineering/web", "qa/sub"] {
        assert!(
            !allowed(
                &authorizer,
                Some("ops"),
                Action::ReserveResources,
                Object::value(role)
            )
            .await,
            "{role}"
        );
    }
}

#[tokio::test]
async fn recursive_entries_keep_their_place_in_first_match_order() {
    let authorizer = authorizer(json!({
        "permissive": true,
        "view_roles": [
            {"principals": {"values": ["dev"]}, "roles": {"values": ["eng/secret"]}},
            {"principals": {"values": ["ops"]}, "roles": {"values": ["eng/%"]}},
            {"principals": {"type": "ANY"}, "roles": {"values": ["eng/%"]}},
        ]
    }));
    // dev's first entry does not apply to eng/web; the recursive entry for
    // ops does not apply to dev; the ANY entry does.
    assert!(
        allowed(
            &authorizer,
            Some("dev"),
            Action::ViewRole,
            Object::value("eng/web")
        )
        .await
    );
    let denying = crate::authorizer(json!({
        "permissive": true,
        "view_roles": [
            {"principals": {"type": "NONE"}, "roles": {"values": ["eng/%"]}},
        ]
    }));
    assert!(
        !allowed(
            &denying,
            Some("dev"),
            Action::ViewRole,
            Object::value("eng/web")
        )
        .await
    );
    assert!(
        allowed(
            &denying,
            Some("dev"),
            Action::ViewRole,
            Object::value("eng")
        )
        .await
    );
}

#[tokio::test]
#[allow(deprecated)] // FrameworkInfo.role: the single role of frameworks without MULTI_ROLE.
async fn a_framework_needs_every_role_it_registers_with() {
    let authorizer = authorizer(json!({
        "permissive": false,
        "register_frameworks": [
            {"principals": {"values": ["web"]}, "roles": {"values": ["web", "eng/%"]}}
        ]
    }));
    let multi_role = |roles: &[&str]| FrameworkInfo {
        user: "nobody".into(),
        name: "web".into(),
        roles: roles.iter().map(|role| role.to_string()).collect(),
        capabilities: vec![Capability {
            r#type: Some(CapabilityType::MultiRole as i32),
        }],
        ..FrameworkInfo::default()
    };
    let framework = multi_role(&["web", "eng/frontend"]);
    assert!(
        allowed(
            &authorizer,
            Some("web"),
            Action::RegisterFramework,
            Object::framework(&framework)
        )
        .await
    );
    let framework = multi_role(&["web", "finance"]);
    assert!(
        !allowed(
            &authorizer,
            Some("web"),
            Action::RegisterFramework,
            Object::framework(&framework)
        )
        .await
    );
    // No roles at all: nothing to check, `permissive` decides.
    let framework = multi_role(&[]);
    assert!(
        !allowed(
            &authorizer,
            Some("web"),
            Action::RegisterFramework,
            Object::framework(&framework)
        )
        .await
    );
    // Without MULTI_ROLE the single `role` counts, `*` by default.
    let framework = FrameworkInfo {
        user: "nobody".into(),
        name: "web".into(),
        role: Some("web".into()),
        roles: vec!["finance".into()],
        ..FrameworkInfo::default()
    };
    assert!(
        allowed(
            &authorizer,
            Some("web"),
            Action::RegisterFramework,
            Object::framework(&framework)
        )
        .await
    );
    let framework = FrameworkInfo {
        user: "nobody".into(),
        name: "web".into(),
        ..FrameworkInfo::default()
    };
    assert!(
        !allowed(
            &authorizer,
            Some("web"),
            Action::RegisterFramework,
            Object::framework(&framework)
        )
        .await
    );
}

#[tokio::test]
async fn a_task_runs_as_its_command_user_else_its_executor_user_else_the_framework_user() {
    let authorizer = authorizer(json!({
        "permissive": false,
        "run_tasks": [{"principals": {"values": ["web"]}, "users": {"values": ["www"]}}]
    }));
    let framework = FrameworkInfo {
        user: "root".into(),
        name: "web".into(),
        ..FrameworkInfo::default()
    };
    let command = |user: &str| CommandInfo {
        user: Some(user.into()),
        ..CommandInfo::default()
    };
    async fn run(authorizer: &LocalAuthorizer, framework: &FrameworkInfo, task: &TaskInfo) -> bool {
        let object = Object {
            task_info: Some(task),
            framework_info: Some(framework),
            ..Object::default()
        };
        allowed(authorizer, Some("web"), Action::RunTask, object).await
    }
    let task = TaskInfo {
        command: Some(command("www")),
        ..TaskInfo::default()
    };
    assert!(run(&authorizer, &framework, &task).await);
    let task = TaskInfo {
        executor: Some(ExecutorInfo {
            command: Some(command("www")),
            ..ExecutorInfo::default()
        }),
        ..TaskInfo::default()
    };
    assert!(run(&authorizer, &framework, &task).await);
    assert!(
        !run(&authorizer, &framework, &TaskInfo::default()).await,
        "falls back to the framework's root"
    );
}

#[tokio::test]
async fn a_nested_launch_with_a_command_needs_both_the_parent_and_the_command_user() {
    let authorizer = authorizer(json!({
        "permissive": false,
        "launch_nested_containers_under_parent_with_user": [
            {"principals": {"values": ["debugger"]}, "users": {"values": ["www"]}}
        ],
        "launch_nested_containers_as_user": [
            {"principals": {"values": ["debugger"]}, "users": {"values": ["nobody"]}}
        ]
    }));
    let framework = FrameworkInfo {
        user: "www".into(),
        name: "web".into(),
        ..FrameworkInfo::default()
    };
    async fn launch(authorizer: &LocalAuthorizer, framework: &FrameworkInfo, user: &str) -> bool {
        let command = CommandInfo {
            user: Some(user.into()),
            ..CommandInfo::default()
        };
        let object = Object {
            framework_info: Some(framework),
            command_info: Some(&command),
            ..Object::default()
        };
        allowed(
            authorizer,
            Some("debugger"),
            Action::LaunchNestedContainer,
            object,
        )
        .await
    }
    assert!(launch(&authorizer, &framework, "nobody").await);
    assert!(!launch(&authorizer, &framework, "root").await);
}

#[tokio::test]
async fn executor_tokens_reach_only_their_own_container_tree() {
    let authorizer = authorizer(json!({"permissive": true}));
    let executor = Subject {
        value: None,
        claims: vec![("cid".into(), "root-container".into())],
    };
    let approver = authorizer
        .approver(Some(&executor), Action::LaunchNestedContainer)
        .await
        .unwrap();
    let child = ContainerId {
        value: "child".into(),
        parent: Some(Box::new(ContainerId {
            value: "root-container".into(),
            parent: None,
        })),
    };
    let stranger = ContainerId {
        value: "other-root".into(),
        parent: None,
    };
    let object = |container| Object {
        container_id: Some(container),
        ..Object::default()
    };
    assert!(approver.approved(Some(&object(&child))).unwrap());
    assert!(!approver.approved(Some(&object(&stranger))).unwrap());
    assert!(!approver.approved(None).unwrap());
    // The token grants nothing beyond container actions.
    let approver = authorizer
        .approver(Some(&executor), Action::ViewFlags)
        .await
        .unwrap();
    assert!(!approver.approved(None).unwrap());
}

#[tokio::test]
async fn resource_provider_tokens_reach_containers_with_their_prefix() {
    let authorizer = authorizer(json!({"permissive": true}));
    let provider = Subject {
        value: None,
        claims: vec![("cid_prefix".into(), "rp-1-".into())],
    };
    let approver = authorizer
        .approver(Some(&provider), Action::LaunchStandaloneContainer)
        .await
        .unwrap();
    let mine = ContainerId {
        value: "rp-1-csi".into(),
        parent: None,
    };
    let theirs = ContainerId {
        value: "rp-2-csi".into(),
        parent: None,
    };
    let object = |container| Object {
        container_id: Some(container),
        ..Object::default()
    };
    assert!(approver.approved(Some(&object(&mine))).unwrap());
    assert!(!approver.approved(Some(&object(&theirs))).unwrap());
}

#[tokio::test]
async fn a_subject_without_principal_or_claims_is_denied_even_when_permissive() {
    let authorizer = authorizer(json!({"permissive": true}));
    for &action in Action::ALL {
        let approver = authorizer
            .approver(Some(&Subject::default()), action)
            .await
            .unwrap();
        assert!(!approver.approved(None).unwrap(), "{action}");
    }
}

#[tokio::test]
async fn unreserving_checks_the_reserver_of_old_style_reservations_too() {
    let authorizer = authorizer(json!({
        "permissive": false,
        "unreserve_resources": [
            {"principals": {"values": ["ops"]}, "reserver_principals": {"values": ["ops"]}}
        ]
    }));
    #[allow(deprecated)] // The pre-refinement `reservation` field.
    let resource = Resource {
        name: "cpus".into(),
        role: Some("web".into()),
        reservation: Some(ReservationInfo {
            principal: Some("ops".into()),
            ..ReservationInfo::default()
        }),
        ..Resource::default()
    };
    assert!(
        allowed(
            &authorizer,
            Some("ops"),
            Action::UnreserveResources,
            Object::resource(&resource)
        )
        .await
    );
}

#[test]
fn acls_naming_objects_that_are_never_named_are_refused_at_startup() {
    let error = LocalAuthorizer::from_json(&json!({
        "access_mesos_logs": [{"principals": {"type": "ANY"}, "logs": {"values": ["x"]}}]
    }))
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Flag '--acls': ACL.AccessMesosLog type must be either NONE or ANY"
    );
    let error = LocalAuthorizer::from_json(&json!({
        "register_agents": [{"principals": {"type": "ANY"}, "agents": {"values": ["a"]}}]
    }))
    .unwrap_err();
    assert!(matches!(error, AuthorizerError::InvalidAcls(_)), "{error}");
}

#[test]
fn only_authorizable_endpoints_may_be_named() {
    let acls = |path: &str| json!({"get_endpoints": [{"principals": {"type": "ANY"}, "paths": {"values": [path]}}]});
    for path in authorizer::local::AUTHORIZABLE_ENDPOINTS {
        assert!(LocalAuthorizer::from_json(&acls(path)).is_ok(), "{path}");
    }
    let error = LocalAuthorizer::from_json(&acls("/state")).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("'/state' is not an authorizable path"),
        "{error}"
    );
}

#[test]
fn acls_that_are_not_the_acls_message_are_refused() {
    for acls in [json!({"permissive": [true]}), json!(["run_tasks"])] {
        let error = LocalAuthorizer::from_json(&acls).unwrap_err();
        assert!(
            matches!(error, AuthorizerError::Parse(_)),
            "{acls}: {error}"
        );
    }
}

#[tokio::test]
async fn an_object_missing_what_its_action_needs_is_an_error_not_a_crash() {
    let authorizer = authorizer(json!({}));
    for action in [
        Action::ViewFramework,
        Action::ViewTask,
        Action::ViewRole,
        Action::UpdateQuota,
    ] {
        let request = Request {
            subject: Some(Subject::principal("ops")),
            action,
            object: Some(Object::default()),
        };
        let error = authorizer.authorized(&request).await.unwrap_err();
        assert!(
            matches!(error, AuthorizerError::MissingObject { .. }),
            "{action}: {error}"
        );
    }
}

#[tokio::test]
async fn approvers_filter_what_a_principal_may_view() {
    let authorizer = authorizer(json!({
        "permissive": false,
        "view_frameworks": [{"principals": {"values": ["alice"]}, "users": {"values": ["alice"]}}]
    }));
    let frameworks: Vec<FrameworkInfo> = ["alice", "bob", "alice"]
        .into_iter()
        .map(|user| FrameworkInfo {
            user: user.into(),
            name: format!("{user}'s"),
            ..FrameworkInfo::default()
        })
        .collect();
    let subject = Subject::principal("alice");
    let approvers = Approvers::fetch(Some(&authorizer), Some(&subject), &[Action::ViewFramework])
        .await
        .unwrap();
    let visible = frameworks
        .iter()
        .filter(|framework| {
            approvers.approved(Action::ViewFramework, &Object::framework(framework))
        })
        .count();
    assert_eq!(visible, 2);
    // Not fetched: denied. Errors: denied.
    assert!(!approvers.approved(Action::ViewTask, &Object::framework(&frameworks[0])));
    let approvers = Approvers::fetch(Some(&authorizer), Some(&subject), &[Action::ViewTask])
        .await
        .unwrap();
    assert!(!approvers.approved(Action::ViewTask, &Object::default()));
    // No authorizer: everything.
    let approvers = Approvers::fetch(None, Some(&subject), &[]).await.unwrap();
    assert!(approvers.approved(Action::ViewFramework, &Object::framework(&frameworks[1])));
}

#[test]
fn actions_carry_mesos_names_and_numbers() {
    assert_eq!(Action::RegisterFramework.name(), "REGISTER_FRAMEWORK");
    assert_eq!(Action::UpdateQuotaWithConfig.number(), 50);
    assert_eq!(Action::DrainAgent.number(), 51);
    assert_eq!(Action::ViewStandaloneContainer.number(), 40);
    assert_eq!(Action::from_number(0), None);
    for &action in Action::ALL {
        assert_eq!(Action::from_number(action.number()), Some(action));
    }
}
