//! The runtime's own processes, started by [`Runtime::start`] as libprocess's
//! `initialize()` starts its own:
//!
//! | process | endpoints |
//! |---|---|
//! | `metrics` | `/metrics/snapshot[?timeout=D][&jsonp=F]` |
//! | `logging` | `/logging/toggle[?level=N&duration=D]` |
//! | `profiler` | `/profiler/start`, `/profiler/stop` (needs `LIBPROCESS_ENABLE_PROFILER=1`) |
//! | `__processes__` | `/__processes__`: live processes with their queued events and counters |
//!
//! [`Runtime::start`]: crate::Runtime::start

use std::time::Duration;

use http::StatusCode;
use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};

use crate::http::{Reply, Request, Response};
use crate::process::{Context, Process, Timer};
use crate::{Error, Runtime};

pub(crate) fn spawn_all(runtime: &Runtime, enable_profiler: bool) -> Result<(), Error> {
    runtime.spawn("metrics", MetricsProcess)?;
    runtime.spawn(
        "logging",
        LoggingProcess {
            original: runtime.verbosity(),
            revert: None,
        },
    )?;
    runtime.spawn(
        "profiler",
        ProfilerProcess {
            enabled: enable_profiler,
            running: None,
        },
    )?;
    runtime.spawn("__processes__", ProcessesProcess)?;
    Ok(())
}

/// Parses a duration as Mesos writes them: a number and a unit (`ns`, `us`,
/// `ms`, `secs`, `mins`, `hrs`, `days`, `weeks`), e.g. `5secs`, `1.5mins`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let nanos_per_unit = match unit {
        "ns" => 1.0,
        "us" => 1e3,
        "ms" => 1e6,
        "secs" => 1e9,
        "mins" => 60e9,
        "hrs" => 3600e9,
        "days" => 86400e9,
        "weeks" => 604800e9,
        _ => return None,
    };
    Some(Duration::from_nanos((value * nanos_per_unit) as u64))
}

/// Wraps a JSON body in `callback(...)` when the request asks for JSONP.
fn json_reply(request: &Request, json: String) -> Response {
    match request.query_param("jsonp") {
        Some(callback) => Response::ok(format!("{callback}({json})"))
            .with_header(CONTENT_TYPE, HeaderValue::from_static("text/javascript")),
        None => Response::json(json),
    }
}

struct MetricsProcess;

impl Process for MetricsProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/snapshot",
            |_, ctx: &mut Context<Self>, request: Request| -> Reply {
                if let Some(timeout) = request.query_param("timeout")
                    && parse_duration(&timeout).is_none()
                {
                    return Response::bad_request(format!("Invalid timeout '{timeout}'.\n")).into();
                }
                // Values are read synchronously, so the timeout can never expire.
                json_reply(&request, ctx.runtime().metrics().snapshot_json()).into()
            },
        );
    }
}

struct LoggingProcess {
    original: u32,
    revert: Option<Timer>,
}

impl LoggingProcess {
    fn toggle(&mut self, ctx: &mut Context<Self>, request: Request) -> Response {
        let level = request.query_param("level");
        let duration = request.query_param("duration");
        let (level, duration) = match (level, duration) {
            (None, None) => return Response::ok(format!("{}\n", ctx.runtime().verbosity())),
            (Some(_), None) => {
                return Response::bad_request("Expecting 'duration=value' in query.\n");
            }
            (None, Some(_)) => return Response::bad_request("Expecting 'level=value' in query.\n"),
            (Some(level), Some(duration)) => (level, duration),
        };
        let level: i64 = match level.trim().parse() {
            Ok(level) => level,
            Err(_) => {
                return Response::bad_request(format!("Failed to convert '{level}' to number.\n"));
            }
        };
        if level < 0 {
            return Response::bad_request(format!("Invalid level '{level}'.\n"));
        }
        if level < i64::from(self.original) {
            return Response::bad_request(format!("'{level}' < original level.\n"));
        }
        let Some(duration) = parse_duration(&duration) else {
            return Response::bad_request(format!("Invalid duration '{duration}'.\n"));
        };
        let level = u32::try_from(level).unwrap_or(u32::MAX);
        ctx.runtime().set_verbosity(level);
        if let Some(previous) = self.revert.take() {
            previous.cancel();
        }
        if level != self.original {
            self.revert = Some(ctx.delay(duration, |this: &mut Self, ctx| {
                this.revert = None;
                ctx.runtime().set_verbosity(this.original);
            }));
        }
        Response::new(StatusCode::OK)
    }
}

impl Process for LoggingProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/toggle",
            |this: &mut Self, ctx: &mut Context<Self>, request| this.toggle(ctx, request).into(),
        );
    }
}

struct ProfilerProcess {
    enabled: bool,
    running: Option<pprof::ProfilerGuard<'static>>,
}

/// Samples per second while profiling.
const PROFILER_FREQUENCY: i32 = 99;

impl ProfilerProcess {
    fn start(&mut self) -> Response {
        if !self.enabled {
            return Response::bad_request(
                "The profiler is not enabled. To enable the profiler, libprocess must be started \
                 with LIBPROCESS_ENABLE_PROFILER=1 in the environment.\n",
            );
        }
        if self.running.is_some() {
            return Response::bad_request("Profiler already started.\n");
        }
        match pprof::ProfilerGuardBuilder::default()
            .frequency(PROFILER_FREQUENCY)
            .blocklist(&["libc", "libgcc", "pthread", "vdso"])
            .build()
        {
            Ok(guard) => {
                tracing::info!("starting profiler");
                self.running = Some(guard);
                Response::ok("Profiler started.\n")
            }
            Err(error) => Response::text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Failed to start profiler: {error}"),
            ),
        }
    }

    fn stop(&mut self) -> Response {
        if !self.enabled {
            return self.start();
        }
        let Some(guard) = self.running.take() else {
            return Response::bad_request("Profiler not running.\n");
        };
        tracing::info!("stopping profiler");
        let mut svg = Vec::new();
        let rendered = guard
            .report()
            .build()
            .map_err(|error| error.to_string())
            .and_then(|report| {
                report
                    .flamegraph(&mut svg)
                    .map_err(|error| error.to_string())
            });
        match rendered {
            Ok(()) => Response::ok(svg)
                .with_header(CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"))
                .with_header(
                    CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment; filename=profile.svg"),
                ),
            Err(error) => Response::text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Failed to build the profile: {error}"),
            ),
        }
    }
}

impl Process for ProfilerProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route("/start", |this: &mut Self, _: &mut Context<Self>, _| {
            this.start().into()
        });
        ctx.route("/stop", |this: &mut Self, _: &mut Context<Self>, _| {
            this.stop().into()
        });
    }
}

struct ProcessesProcess;

impl Process for ProcessesProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/",
            |_, ctx: &mut Context<Self>, request: Request| -> Reply {
                json_reply(&request, ctx.runtime().describe_processes()).into()
            },
        );
    }
}
