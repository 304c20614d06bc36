//! The master's JSON endpoints: `/version` (its own process, as in Mesos),
//! and the master's `/health`, `/flags`, `/redirect`, `/state`,
//! `/state-summary`, `/slaves`, `/frameworks`, `/tasks`, `/roles`,
//! `/weights`, `/quota` and `/maintenance/schedule` and `/status`; and the
//! changes `/weights` (`PUT`), `/maintenance/schedule` (`POST`),
//! `/machine/down`, `/machine/up`, `/teardown`, `/reserve`, `/unreserve`,
//! `/create-volumes` and `/destroy-volumes` (see
//! [`crate::operator::resources`]) — each also reachable
//! without the `/master` prefix through the delegate.
//!
//! # On a standby
//!
//! A master that does not lead answers as Mesos 1.11's does: `/health`,
//! `/flags` (and `/version`, `/metrics/snapshot`) are served locally; the
//! cluster's state is the leader's to show, so `/state`, `/slaves` and the
//! like, and the v1 APIs, answer `307 Temporary Redirect` to the leader,
//! with a scheme-relative `Location: //<leader hostname>:<port><path>` — or
//! `503 No leader elected` while there is none. `/redirect` sends a client
//! to the leader's base URL from any master, the leader included. Every
//! route that needs the leader starts with [`redirect_unless_leading`]; the
//! v1 APIs, which need the registry recovered too, with
//! [`redirect_or_unavailable`].
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
use crate::json::{self, Body, Document};
use crate::master::MasterProcess;
use crate::operator::{queries, render_failed, render_visible, resources};
use crate::read_view::{self, ReadView};
use authentication::{READONLY_REALM, READWRITE_REALM};
use flate2::Compression;
use flate2::write::GzEncoder;
use http::{HeaderValue, StatusCode};
use libprocess::{Context, Process, Reply, Request, Response, Runtime};
use serde_json::Value as Json;
use std::io::{self, Write};
use std::net::Ipv4Addr;
use tokio::sync::oneshot;

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

/// `document` as JSON, or as `callback(<json>)` JavaScript with
/// `?jsonp=callback`, written straight into the body.
fn document_response(jsonp: Option<String>, document: &Document<'_>) -> Response {
    let mut body = Vec::new();
    write_document(&mut body, jsonp.as_deref(), document).expect("a document writes into memory");
    Response::ok(body).with_header(http::header::CONTENT_TYPE, content_type(&jsonp))
}

/// JSON, or JavaScript with `?jsonp=`.
fn content_type(jsonp: &Option<String>) -> HeaderValue {
    HeaderValue::from_static(match jsonp {
        Some(_) => "text/javascript",
        None => "application/json",
    })
}

/// The document, as `callback(<json>)` with `?jsonp=callback`.
fn write_document(
    out: &mut impl Body,
    jsonp: Option<&str>,
    document: &Document<'_>,
) -> io::Result<()> {
    match jsonp {
        Some(callback) => {
            out.write_all(callback.as_bytes())?;
            out.write_all(b"(")?;
            document.write(out)?;
            out.write_all(b")")
        }
        None => document.write(out),
    }
}

/// The size of the chunks a large document is streamed in.
const CHUNK_BYTES: usize = 1 << 20;

/// Chunks written and not yet sent before the rendering thread waits for
/// the client: a gibibyte, so that a slow client holds memory rather than
/// one of the few rendering threads.
const CHUNKS_IN_FLIGHT: usize = 1024;

/// Answers with `document` streamed as it is written, on this rendering
/// thread: the client receives the first megabyte of a large
/// `/master/state` while the rest is being written, and no body of the
/// whole cluster's size is held at once. Gzipped here, off the runtime,
/// when the client accepts it.
fn stream_document(
    answer: oneshot::Sender<Response>,
    jsonp: Option<String>,
    gzip: bool,
    document: &Document<'_>,
) {
    let (response, pipe) = Response::stream(StatusCode::OK, CHUNKS_IN_FLIGHT);
    let mut response = response.with_header(http::header::CONTENT_TYPE, content_type(&jsonp));
    if gzip {
        response = response.with_header(
            http::header::CONTENT_ENCODING,
            HeaderValue::from_static("gzip"),
        );
    }
    if answer.send(response).is_err() {
        return;
    }
    let body = pipe.into_writer(CHUNK_BYTES);
    let written = if gzip {
        let mut gzipped = GzEncoder::new(body, Compression::fast());
        write_document(&mut gzipped, jsonp.as_deref(), document)
            .and_then(|()| gzipped.finish())
            .and_then(|mut body| body.flush())
    } else {
        let mut body = body;
        write_document(&mut body, jsonp.as_deref(), document).and_then(|()| body.flush())
    };
    if let Err(error) = written {
        tracing::debug!(%error, "the client left before the body was written");
    }
}

/// What a read-only endpoint does on a master that does not lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnStandby {
    /// Answers from this master (its own flags).
    Serve,
    /// Sends the client to the leader, whose state it is.
    Redirect,
}

/// Mounts a read-only JSON endpoint rendered from the read view, in the
/// read-only realm: answered `403` unless `allowed` by the asker's
/// [`Viewer`], and with what it may not see taken out ([`hide_from`]).
fn read_only(
    ctx: &mut Context<MasterProcess>,
    path: &str,
    render: fn(&ReadView) -> Document<'_>,
    allowed: fn(&Viewer) -> bool,
    on_standby: OnStandby,
) {
    ctx.route_authenticated(
        path,
        READONLY_REALM,
        move |master: &mut MasterProcess,
              ctx: &mut Context<MasterProcess>,
              request: Request|
              -> Reply {
            serve_read_only(master, ctx, &request, render, allowed, on_standby)
        },
    );
}

/// What [`read_only`] answers to one request.
fn serve_read_only(
    master: &mut MasterProcess,
    ctx: &mut Context<MasterProcess>,
    request: &Request,
    render: fn(&ReadView) -> Document<'_>,
    allowed: fn(&Viewer) -> bool,
    on_standby: OnStandby,
) -> Reply {
    if on_standby == OnStandby::Redirect
        && let Some(redirect) = redirect_unless_leading(master, request)
    {
        return redirect.into();
    }
    let view = master.read_view(ctx.pid());
    let jsonp = request.query_param("jsonp");
    let gzip = request.accepts_encoding("gzip");
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
        let rendered = read_view::render_early(move |answer| {
            let view = view.visible_to(&viewer);
            let mut body = render(&view);
            if let Some(fields) = body.fields_mut() {
                hide_from(&viewer, fields);
            }
            if body.is_large() {
                stream_document(answer, jsonp, gzip, &body);
            } else {
                let _ = answer.send(document_response(jsonp, &body));
            }
        });
        rendered.await.unwrap_or_else(render_failed)
    })
}

/// Removes from a rendered state endpoint what `viewer` may not see, as
/// Mesos's writers skip it: without `VIEW_FLAGS` the flags and what
/// `/state` shows of them; without `VIEW_ROLE` for a role, the role in
/// `/roles` (agents' reservations for it are left out as they are
/// written: see [`ReadView::viewer`]).
fn hide_from(viewer: &Viewer, object: &mut serde_json::Map<String, Json>) {
    if !viewer.flags() {
        for key in ["cluster", "log_dir", "external_log_file", "flags"] {
            object.remove(key);
        }
    }
    if let Some(roles) = object.get_mut("roles").and_then(Json::as_array_mut) {
        roles.retain(|role| role["name"].as_str().is_none_or(|name| viewer.role(name)));
    }
}

/// Mesos's `Master::Http::redirect`: a `307` to the leading master (its base
/// URL for `/redirect` itself), `503` without a leader.
pub(crate) fn redirect(master: &MasterProcess, request: &Request) -> Response {
    let Some(leader) = &master.leader else {
        tracing::warn!(path = request.path(), "no leading master to redirect to");
        return Response::text(StatusCode::SERVICE_UNAVAILABLE, "No leader elected");
    };
    let hostname = match &leader.hostname {
        Some(hostname) => hostname.clone(),
        // MasterInfo.ip is the raw s_addr, as `info::master_info` explains.
        None => Ipv4Addr::from(leader.ip.to_le_bytes()).to_string(),
    };
    let base = format!("//{hostname}:{}", leader.port);
    let redirect_path = "/master/redirect";
    let path = request.path();
    let location = if path == redirect_path {
        // The base URL only: redirecting to /redirect again would loop.
        base
    } else if path.starts_with(&format!("{redirect_path}/")) {
        return Response::not_found();
    } else {
        match request.query() {
            Some(query) => format!("{base}{path}?{query}"),
            None => format!("{base}{path}"),
        }
    };
    tracing::info!(%path, leader = %hostname, "redirecting to the leading master");
    match HeaderValue::try_from(location) {
        Ok(location) => Response::new(StatusCode::TEMPORARY_REDIRECT)
            .with_header(http::header::LOCATION, location),
        Err(error) => Response::text(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
    }
}

/// The guard of every route that shows or changes the cluster: `None` on
/// the leader; otherwise the [`redirect`] to answer with.
pub(crate) fn redirect_unless_leading(
    master: &MasterProcess,
    request: &Request,
) -> Option<Response> {
    (!master.elected()).then(|| redirect(master, request))
}

/// The guard of the v1 scheduler and operator APIs, as Mesos's
/// `Master::Http::scheduler` and `api` begin: `None` on a recovered leader;
/// otherwise a [`redirect`] (not leading) or `503` (still recovering the
/// registry) to answer with.
pub(crate) fn redirect_or_unavailable(
    master: &MasterProcess,
    request: &Request,
) -> Option<Response> {
    if let Some(redirect) = redirect_unless_leading(master, request) {
        return Some(redirect);
    }
    (!master.recovered_registry()).then(|| {
        Response::text(
            StatusCode::SERVICE_UNAVAILABLE,
            "Master has not finished recovery",
        )
    })
}

/// `/tasks`: like the other read-only endpoints, with its query.
fn read_only_tasks(ctx: &mut Context<MasterProcess>) {
    ctx.route_authenticated(
        "/tasks",
        READONLY_REALM,
        |master: &mut MasterProcess, ctx: &mut Context<MasterProcess>, request: Request| -> Reply {
            if let Some(redirect) = redirect_unless_leading(master, &request) {
                return redirect.into();
            }
            let view = master.read_view(ctx.pid());
            let jsonp = request.query_param("jsonp");
            let query = json::TasksQuery::parse(|name| request.query_param(name));
            let principal = request.principal().and_then(|p| p.value.clone());
            let viewer = Viewer::fetch(master.authorizer.clone(), principal);
            Reply::later(async move {
                let viewer = match viewer.await {
                    Ok(viewer) => viewer,
                    Err(error) => {
                        return Response::text(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            format!("Authorization failed: {error}"),
                        );
                    }
                };
                render_visible(view, viewer, move |view, _| {
                    document_response(jsonp, &json::tasks(view, &query).into())
                })
                .await
            })
        },
    );
}

/// What a change endpoint makes of its request: the reply, or a `400` text.
type Change =
    fn(&mut MasterProcess, &mut Context<MasterProcess>, &Request) -> Result<Reply, String>;

/// What a change endpoint does with a request it accepts ([`Change`], or a
/// closure choosing among several).
trait Apply:
    Fn(&mut MasterProcess, &mut Context<MasterProcess>, &Request) -> Result<Reply, String>
{
}

impl<F> Apply for F where
    F: Fn(&mut MasterProcess, &mut Context<MasterProcess>, &Request) -> Result<Reply, String>
{
}

fn parse<M: prost::Message + prost::Name + Default>(body: &[u8]) -> Result<M, String> {
    let value: Json =
        serde_json::from_slice(body).map_err(|e| format!("Failed to parse body into JSON: {e}"))?;
    proto::json::from_value(&value).map_err(|e| format!("Failed to convert JSON: {e}"))
}

fn parse_list<M: prost::Message + prost::Name + Default>(body: &[u8]) -> Result<Vec<M>, String> {
    let value: Json =
        serde_json::from_slice(body).map_err(|e| format!("Failed to parse body into JSON: {e}"))?;
    let Json::Array(items) = value else {
        return Err("Expecting a JSON array".into());
    };
    items
        .iter()
        .map(|item| {
            proto::json::from_value(item).map_err(|e| format!("Failed to convert JSON: {e}"))
        })
        .collect()
}

/// What a change endpoint answers to one request with `method`.
fn serve_change(
    master: &mut MasterProcess,
    ctx: &mut Context<MasterProcess>,
    request: &Request,
    method: &http::Method,
    apply: &dyn Apply,
) -> Reply {
    if let Some(unavailable) = redirect_or_unavailable(master, request) {
        return unavailable.into();
    }
    if request.method() != method {
        return Response::text(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "405 Method Not Allowed. Expecting one of {{ '{method}' }}, but received '{}'.",
                request.method()
            ),
        )
        .into();
    }
    apply(master, ctx, request).unwrap_or_else(|message| Response::bad_request(message).into())
}

/// Mounts an endpoint that changes the cluster on `method`, in the
/// read-write realm.
fn change(
    ctx: &mut Context<MasterProcess>,
    path: &str,
    method: http::Method,
    apply: impl Apply + Send + Sync + 'static,
) {
    ctx.route_authenticated(
        path,
        READWRITE_REALM,
        move |master: &mut MasterProcess,
              ctx: &mut Context<MasterProcess>,
              request: Request|
              -> Reply { serve_change(master, ctx, &request, &method, &apply) },
    );
}

/// Mounts an endpoint read with `GET` (as [`read_only`]) and changed with
/// `method`, in the read-write realm as Mesos has `/weights` and
/// `/maintenance/schedule`.
fn read_or_change(
    ctx: &mut Context<MasterProcess>,
    path: &str,
    render: fn(&ReadView) -> Document<'_>,
    method: http::Method,
    apply: Change,
) {
    ctx.route_authenticated(
        path,
        READWRITE_REALM,
        move |master: &mut MasterProcess,
              ctx: &mut Context<MasterProcess>,
              request: Request|
              -> Reply {
            if *request.method() == http::Method::GET {
                serve_read_only(master, ctx, &request, render, |_| true, OnStandby::Redirect)
            } else {
                serve_change(master, ctx, &request, &method, &apply)
            }
        },
    );
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
    read_only(
        ctx,
        "/flags",
        |view| json::flags(view).into(),
        Viewer::flags,
        OnStandby::Serve,
    );
    for (path, render) in [
        ("/state", json::state as fn(&ReadView) -> Document<'_>),
        ("/state-summary", |view| json::state_summary(view).into()),
        ("/slaves", |view| json::slaves(view).into()),
        ("/roles", |view| json::roles(view).into()),
        ("/frameworks", json::frameworks),
        ("/maintenance/status", |view| {
            proto::json::to_value(&queries::maintenance_status(view)).into()
        }),
        ("/quota", |view| {
            let status = proto::mesos::quota::QuotaStatus {
                configs: view.cluster.quotas.values().cloned().collect(),
                ..Default::default()
            };
            proto::json::to_value(&status).into()
        }),
    ] {
        read_only(ctx, path, render, anyone, OnStandby::Redirect);
    }
    read_only_tasks(ctx);
    read_or_change(
        ctx,
        "/weights",
        |view| {
            Json::Array(
                view.cluster
                    .weights
                    .iter()
                    .map(|(role, weight)| serde_json::json!({"weight": weight, "role": role}))
                    .collect(),
            )
            .into()
        },
        http::Method::PUT,
        |master, ctx, request| Ok(master.update_weights(ctx, parse_list(request.body())?)),
    );
    read_or_change(
        ctx,
        "/maintenance/schedule",
        |view| proto::json::to_value(&view.cluster.schedule).into(),
        http::Method::POST,
        |master, ctx, request| Ok(master.update_schedule(ctx, parse(request.body())?)),
    );
    change(
        ctx,
        "/machine/down",
        http::Method::POST,
        |master, ctx, request| Ok(master.start_maintenance(ctx, parse_list(request.body())?)),
    );
    change(
        ctx,
        "/machine/up",
        http::Method::POST,
        |master, ctx, request| Ok(master.stop_maintenance(ctx, parse_list(request.body())?)),
    );
    change(
        ctx,
        "/teardown",
        http::Method::POST,
        |master, ctx, request| {
            let form = String::from_utf8_lossy(request.body());
            let framework = form
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| *name == "frameworkId")
                .map(|(_, value)| value.to_owned())
                .ok_or("Missing 'frameworkId' query parameter in the request body")?;
            Ok(master.teardown_call(ctx, &framework))
        },
    );
    for (path, build) in resources::FORM_ENDPOINTS {
        change(
            ctx,
            path,
            http::Method::POST,
            move |master, ctx, request| resources::form_operation(master, ctx, request, build),
        );
    }
    ctx.route(
        "/redirect",
        |master: &mut MasterProcess, _: &mut Context<MasterProcess>, request: Request| -> Reply {
            redirect(master, &request).into()
        },
    );
}
