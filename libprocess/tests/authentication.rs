//! Endpoint authentication realms and authorization callbacks, as
//! libprocess applies them: to a process's own routes and to the runtime's
//! `/metrics`, `/logging` and `/profiler` endpoints.

mod common;

use common::{RawResponse, request};
use http::StatusCode;
use http::header::{HeaderValue, WWW_AUTHENTICATE};
use libprocess::{
    Authentication, Authenticator, Config, Context, Principal, Process, Reply, Request, Response,
};

/// Knows one user, named in an `X-User` header; anything else gets a
/// challenge for its realm.
struct OneUser {
    realm: &'static str,
    user: &'static str,
}

impl Authenticator for OneUser {
    fn authenticate(&self, request: &Request) -> Authentication {
        match request.header("x-user") {
            Some(user) if user == self.user => Authentication::Authenticated(Principal::new(user)),
            _ => Authentication::Refused(
                Response::text(StatusCode::UNAUTHORIZED, "who are you?").with_header(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_str(&format!("Basic realm=\"{}\"", self.realm)).unwrap(),
                ),
            ),
        }
    }
}

/// Answers with the principal its request carries.
struct Whoami;

impl Process for Whoami {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route_authenticated("/whoami", "users", |_, _, request: Request| -> Reply {
            let name = request
                .principal()
                .and_then(|principal| principal.value.clone())
                .unwrap_or_else(|| "nobody".into());
            Response::ok(name).into()
        });
        ctx.route("/open", |_, _, request: Request| -> Reply {
            Response::ok(format!("{:?}", request.principal())).into()
        });
    }
}

async fn get_as(runtime: &libprocess::Runtime, path: &str, user: Option<&str>) -> RawResponse {
    let user = user.map_or(String::new(), |user| format!("X-User: {user}\r\n"));
    request(
        runtime.address(),
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{user}Connection: close\r\n\r\n"),
    )
    .await
}

#[tokio::test]
async fn a_realm_without_an_authenticator_lets_everyone_in() {
    let runtime = common::start().await;
    runtime.spawn("whoami", Whoami).unwrap();
    let response = get_as(&runtime, "/whoami/whoami", None).await;
    assert_eq!((response.status, response.text().as_str()), (200, "nobody"));
    runtime.shutdown().await;
}

#[tokio::test]
async fn requests_in_an_authenticated_realm_carry_their_principal_or_are_refused() {
    let runtime = common::start().await;
    runtime.spawn("whoami", Whoami).unwrap();
    runtime.set_authenticator(
        "users",
        OneUser {
            realm: "users",
            user: "alice",
        },
    );

    let alice = get_as(&runtime, "/whoami/whoami", Some("alice")).await;
    assert_eq!((alice.status, alice.text().as_str()), (200, "alice"));

    for stranger in [None, Some("mallory")] {
        let refused = get_as(&runtime, "/whoami/whoami", stranger).await;
        assert_eq!(refused.status, 401);
        assert_eq!(
            refused.header("WWW-Authenticate"),
            Some("Basic realm=\"users\"")
        );
        assert_eq!(refused.text(), "who are you?");
    }

    // Routes outside the realm are not authenticated at all.
    let open = get_as(&runtime, "/whoami/open", None).await;
    assert_eq!((open.status, open.text().as_str()), (200, "None"));

    runtime.unset_authenticator("users");
    let response = get_as(&runtime, "/whoami/whoami", None).await;
    assert_eq!((response.status, response.text().as_str()), (200, "nobody"));
    runtime.shutdown().await;
}

#[tokio::test]
async fn the_runtimes_own_endpoints_are_in_the_configured_realms() {
    let runtime = common::start_with(Config {
        readonly_realm: Some("readonly".into()),
        readwrite_realm: Some("readwrite".into()),
        ..Config::loopback()
    })
    .await;
    runtime.set_authenticator(
        "readonly",
        OneUser {
            realm: "readonly",
            user: "reader",
        },
    );
    runtime.set_authenticator(
        "readwrite",
        OneUser {
            realm: "readwrite",
            user: "writer",
        },
    );

    assert_eq!(
        get_as(&runtime, "/metrics/snapshot", None).await.status,
        401
    );
    assert_eq!(
        get_as(&runtime, "/metrics/snapshot", Some("reader"))
            .await
            .status,
        200
    );
    for path in ["/logging/toggle", "/profiler/start"] {
        let refused = get_as(&runtime, path, Some("reader")).await;
        assert_eq!(refused.status, 401, "{path}");
        assert_eq!(
            refused.header("WWW-Authenticate"),
            Some("Basic realm=\"readwrite\"")
        );
    }
    assert_eq!(
        get_as(&runtime, "/logging/toggle", Some("writer"))
            .await
            .status,
        200
    );
    // Neither `/__processes__` nor `/system/stats.json` has a realm.
    assert_eq!(get_as(&runtime, "/__processes__", None).await.status, 200);
    assert_eq!(
        get_as(&runtime, "/system/stats.json", None).await.status,
        200
    );
    runtime.shutdown().await;
}

#[tokio::test]
async fn authorization_callbacks_see_the_principal_and_can_forbid() {
    let runtime = common::start_with(Config {
        readonly_realm: Some("readonly".into()),
        ..Config::loopback()
    })
    .await;
    runtime.spawn("whoami", Whoami).unwrap();
    runtime.set_authenticator(
        "readonly",
        OneUser {
            realm: "readonly",
            user: "reader",
        },
    );
    runtime.set_authorization_callback("/metrics/snapshot", |_, principal| {
        let allowed = principal.and_then(|principal| principal.value.as_deref()) == Some("reader");
        Box::pin(async move {
            tokio::task::yield_now().await;
            allowed
        })
    });
    // Callbacks apply to routes outside any realm too; the principal is
    // then absent.
    runtime.set_authorization_callback("/whoami/open", |request, principal| {
        let allowed = principal.is_none() && request.query_param("let-in").is_some();
        Box::pin(async move { allowed })
    });

    assert_eq!(
        get_as(&runtime, "/metrics/snapshot", Some("reader"))
            .await
            .status,
        200
    );
    assert_eq!(
        get_as(&runtime, "/metrics/snapshot", None).await.status,
        401
    );
    let forbidden = get_as(&runtime, "/whoami/open", None).await;
    assert_eq!((forbidden.status, forbidden.text().as_str()), (403, ""));
    assert_eq!(
        get_as(&runtime, "/whoami/open?let-in=1", None).await.status,
        200
    );

    runtime.unset_authorization_callback("/whoami/open");
    assert_eq!(get_as(&runtime, "/whoami/open", None).await.status, 200);
    runtime.shutdown().await;
}
