//! The endpoints this master serves so far: `/version` (its own process, as
//! in Mesos), and the master's `/health`, `/flags`, `/state` and `/slaves`
//! (also reachable without the `/master` prefix through the delegate).
//!
//! `/state` and `/slaves` are rendered in Mesos's JSON shape (see
//! [`crate::json`]); the framework lists are empty until frameworks are
//! served.

use crate::json;
use crate::master::MasterProcess;
use libprocess::{Context, Process, Reply, Request, Response, Runtime};

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

/// Mesos answers `?jsonp=callback` with `callback(<json>);` as JavaScript.
fn json_reply(request: &Request, body: serde_json::Value) -> Reply {
    let body = body.to_string();
    match request.query_param("jsonp") {
        Some(callback) => Response::ok(format!("{callback}({body});"))
            .with_header(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/javascript"),
            )
            .into(),
        None => Response::json(body).into(),
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
    ctx.route(
        "/flags",
        |master: &mut MasterProcess, _: &mut Context<MasterProcess>, request: Request| -> Reply {
            json_reply(
                &request,
                serde_json::json!({ "flags": master.flags.to_mesos_map() }),
            )
        },
    );
    ctx.route(
        "/state",
        |master: &mut MasterProcess, ctx: &mut Context<MasterProcess>, request: Request| -> Reply {
            json_reply(&request, json::state(master, ctx.pid()))
        },
    );
    ctx.route(
        "/slaves",
        |master: &mut MasterProcess, _: &mut Context<MasterProcess>, request: Request| -> Reply {
            json_reply(&request, json::slaves(master))
        },
    );
}
