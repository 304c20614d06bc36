//! The master's JSON endpoints: `/version` (its own process, as in Mesos),
//! and the master's `/health`, `/flags`, `/state`, `/state-summary`,
//! `/slaves`, `/roles`, `/weights`, `/quota` and `/maintenance/*` — each
//! also reachable without the `/master` prefix through the delegate.
//!
//! The read-only ones render a [`ReadView`](crate::read_view::ReadView) on a
//! blocking-pool thread (see [`crate::read_view`]) in Mesos's JSON shape
//! ([`crate::json`]). `?jsonp=callback` wraps the JSON in `callback(...)`
//! as JavaScript, as Mesos does.
//!
//! All but `/health` are in the `mesos-master-readonly` realm
//! (authenticated with `--authenticate_http_readonly`). They show only what
//! the principal's `VIEW_*` approvers let it see, and `/flags` needs
//! `VIEW_FLAGS` (`403` otherwise), as in Mesos.

use crate::authorization::Viewer;
use crate::json;
use crate::master::MasterProcess;
use crate::operator::render_off_master;
use crate::read_view::ReadView;
use authentication::READONLY_REALM;
use http::StatusCode;
use libprocess::{Context, Process, Reply, Request, Response, Runtime};
use proto::mesos::Resource;
use serde_json::Value as Json;

struct VersionProcess;

impl Process for VersionProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let body = version::VersionInfo::current().to_json().to_string();
        ctx.route(
            "/",
            move |_: &mut Self, _: &mut Context<Self>, _: Request| -> Reply {
                Response::json(body.clone()).into()
            },
        );
    }
}

pub fn spawn_version(runtime: &Runtime) -> Result<(), libprocess::Error> {
    runtime.spawn("version", VersionProcess).map(drop)
}

/// `body` as JSON, or as `callback(<json>)` JavaScript with `?jsonp=`.
pub(crate) fn json_response(jsonp: Option<String>, body: &Json) -> Response {
    let body = body.to_string();
    match jsonp {
        Some(callback) => Response::ok(format!("{callback}({body})")).with_header(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/javascript"),
        ),
        None => Response::json(body),
    }
}

/// Mounts a read-only JSON endpoint rendered from the read view, in the
/// read-only realm: answered `403` unless `allowed` by the asker's
/// [`Viewer`], and with what it may not see taken out ([`hide_from`]).
fn read_only(
    ctx: &mut Context<MasterProcess>,
    path: &str,
    render: fn(&ReadView) -> Json,
    allowed: fn(&Viewer) -> bool,
) {
    ctx.route_authenticated(
        path,
        READONLY_REALM,
        move |master: &mut MasterProcess,
              ctx: &mut Context<MasterProcess>,
              request: Request|
              -> Reply {
            let view = master.read_view(ctx.pid());
            let jsonp = request.query_param("jsonp");
            let principal = request.principal().and_then(|p| p.value.clone());
            let viewer = Viewer::fetch(master.authorizer.clone(), principal);
            Reply::later(async move {
                let viewer = match viewer.await {
                    Ok(viewer) => viewer,
                    Err(error) => {
                        tracing::warn!(%error, "the authorizer failed");
                        return Response::text(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            format!("Authorization failed: {error}"),
                        );
                    }
                };
                if !allowed(&viewer) {
                    return Response::forbidden("");
                }
                render_off_master(view, move |view| {
                    let mut body = render(view);
                    hide_from(&viewer, &mut body);
                    json_response(jsonp, &body)
                })
                .await
            })
        },
    );
}

/// Removes from a rendered state endpoint what `viewer` may not see, as
/// Mesos's writers skip it: without `VIEW_FLAGS` the flags and what
/// `/state` shows of them; without `VIEW_ROLE` for a role, the role in
/// `/roles`, agents' reservations for it, and resources reserved to it.
fn hide_from(viewer: &Viewer, body: &mut Json) {
    let Some(object) = body.as_object_mut() else {
        return;
    };
    if !viewer.flags() {
        for key in ["cluster", "log_dir", "external_log_file", "flags"] {
            object.remove(key);
        }
    }
    if let Some(roles) = object.get_mut("roles").and_then(Json::as_array_mut) {
        roles.retain(|role| role["name"].as_str().is_none_or(|name| viewer.role(name)));
    }
    let agents = object.get_mut("slaves").and_then(Json::as_array_mut);
    for agent in agents.into_iter().flatten() {
        let Some(agent) = agent.as_object_mut() else {
            continue;
        };
        for key in ["reserved_resources", "reserved_resources_full"] {
            if let Some(by_role) = agent.get_mut(key).and_then(Json::as_object_mut) {
                by_role.retain(|role, _| viewer.role(role));
            }
        }
        let full_lists = agent
            .iter_mut()
            .filter(|(key, _)| key.ends_with("_resources_full"))
            .flat_map(|(_, value)| match value {
                Json::Array(list) => vec![list],
                Json::Object(by_role) => by_role
                    .values_mut()
                    .filter_map(Json::as_array_mut)
                    .collect(),
                _ => Vec::new(),
            });
        for list in full_lists {
            list.retain(|resource| {
                proto::json::from_value::<Resource>(resource)
                    .is_ok_and(|resource| viewer.resource(&resource))
            });
        }
    }
}

/// Mounts the master's routes on its process.
pub(crate) fn install(ctx: &mut Context<MasterProcess>) {
    ctx.route(
        "/health",
        |_: &mut MasterProcess, _: &mut Context<MasterProcess>, _: Request| -> Reply {
            Response::ok("").into()
        },
    );
    let anyone = |_: &Viewer| true;
    read_only(ctx, "/flags", json::flags, Viewer::flags);
    read_only(ctx, "/state", json::state, anyone);
    read_only(ctx, "/state-summary", json::state_summary, anyone);
    read_only(ctx, "/slaves", json::slaves, anyone);
    read_only(ctx, "/roles", json::roles, anyone);
}
