//! The endpoints this master serves so far: `/version` (its own process, as
//! in Mesos), and the master's `/health` and `/flags` (also reachable without
//! the `/master` prefix through the delegate).

use flags::MasterFlags;
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

struct MasterProcess {
    /// `/flags` never changes after startup: rendered once.
    flags_json: String,
}

impl Process for MasterProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/health",
            |_: &mut Self, _: &mut Context<Self>, _: Request| -> Reply { Response::ok("").into() },
        );
        ctx.route(
            "/flags",
            |master: &mut Self, _: &mut Context<Self>, _: Request| -> Reply {
                Response::json(master.flags_json.clone()).into()
            },
        );
    }
}

pub fn spawn_master(runtime: &Runtime, flags: &MasterFlags) -> Result<(), libprocess::Error> {
    let flags_json = serde_json::json!({ "flags": flags.to_mesos_map() }).to_string();
    runtime
        .spawn("master", MasterProcess { flags_json })
        .map(drop)
}
