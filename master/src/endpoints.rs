//! The master's JSON endpoints: `/version` (its own process, as in Mesos),
//! and the master's `/health`, `/flags`, `/state`, `/state-summary`,
//! `/slaves`, `/roles`, `/weights`, `/quota` and `/maintenance/*` — each
//! also reachable without the `/master` prefix through the delegate.
//!
//! The read-only ones render a [`ReadView`](crate::read_view::ReadView) on a
//! blocking-pool thread (see [`crate::read_view`]) in Mesos's JSON shape
//! ([`crate::json`]). `?jsonp=callback` wraps the JSON in `callback(...)`
//! as JavaScript, as Mesos does.

use crate::json;
use crate::master::MasterProcess;
use crate::operator::off_master;
use crate::read_view::ReadView;
use libprocess::{Context, Process, Reply, Request, Response, Runtime};
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

/// Mounts a read-only JSON endpoint rendered from the read view.
fn read_only(ctx: &mut Context<MasterProcess>, path: &str, render: fn(&ReadView) -> Json) {
    ctx.route(
        path,
        move |master: &mut MasterProcess,
              ctx: &mut Context<MasterProcess>,
              request: Request|
              -> Reply {
            let view = master.read_view(ctx.pid());
            let jsonp = request.query_param("jsonp");
            off_master(view, move |view| json_response(jsonp, &render(view)))
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
    read_only(ctx, "/flags", json::flags);
    read_only(ctx, "/state", json::state);
    read_only(ctx, "/state-summary", json::state_summary);
    read_only(ctx, "/slaves", json::slaves);
    read_only(ctx, "/roles", json::roles);
}
