//! The runtime's own processes, started by [`Runtime::start`] as libprocess's
//! `initialize()` starts its own:
//!
//! | process | endpoints | realm |
//! |---|---|---|
//! | `metrics` | `/metrics/snapshot[?timeout=D][&jsonp=F]`, at most [`Config::metrics_snapshot_rate_limit`] | read-only |
//! | `logging` | `/logging/toggle[?level=N&duration=D]` | read-write |
//! | `profiler` | `/profiler/start`, `/profiler/stop` (needs `LIBPROCESS_ENABLE_PROFILER=1`) | read-write |
//! | `system` | `/system/stats.json[?jsonp=F]`; gauges `system/cpus_total`, `system/load_1min`, `system/load_5min`, `system/load_15min`, `system/mem_total_bytes`, `system/mem_free_bytes` | none |
//! | `help` | `/help[?format=json]`, `/help/<id>`, `/help/<id>/<route>`: the routes of every process, with the pages set by [`Context::help`] | none |
//! | `__processes__` | `/__processes__`: live processes with their queued events and counters | none |
//!
//! The realms are [`Config::readonly_realm`] and [`Config::readwrite_realm`];
//! see [`crate::auth`].
//!
//! [`Config::readonly_realm`]: crate::Config::readonly_realm
//! [`Config::metrics_snapshot_rate_limit`]: crate::Config::metrics_snapshot_rate_limit
//! [`Context::help`]: crate::Context::help
//! [`Config::readwrite_realm`]: crate::Config::readwrite_realm
//!
//! [`Runtime::start`]: crate::Runtime::start

use std::time::Duration;

use tokio::time::Instant;

use http::StatusCode;
use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};

use crate::http::{Reply, Request, Response};
use crate::json::write_json_string;
use crate::process::{Context, Process, Timer};
use crate::{Error, Runtime};

pub(crate) fn spawn_all(runtime: &Runtime) -> Result<(), Error> {
    let config = runtime.config();
    // First, as in libprocess: the others' routes are announced to it.
    let help = runtime.spawn("help", HelpProcess)?;
    runtime.set_help_process(help);
    runtime.spawn(
        "metrics",
        MetricsProcess {
            spacing: config.metrics_snapshot_rate_limit.map(Spacing::new),
        },
    )?;
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
            enabled: config.enable_profiler,
            running: None,
        },
    )?;
    runtime.spawn("system", SystemProcess)?;
    runtime.spawn("__processes__", ProcessesProcess)?;
    Ok(())
}

/// A help page laid out as Mesos lays them out: a TL;DR, then optional
/// description, authentication and authorization sections.
pub fn help_text(
    tldr: &str,
    description: Option<&str>,
    authentication: Option<&str>,
    authorization: Option<&str>,
) -> String {
    let mut text = format!("### TL;DR; ###\n{tldr}");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    for (title, section) in [
        ("DESCRIPTION", description),
        ("AUTHENTICATION", authentication),
        ("AUTHORIZATION", authorization),
    ] {
        if let Some(section) = section {
            text.push_str(&format!("\n### {title} ###\n{section}"));
        }
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Installs `handler` at `path`, in `realm` when there is one.
fn route_in<S: Process>(
    ctx: &mut Context<S>,
    path: &str,
    realm: Option<&str>,
    handler: impl FnMut(&mut S, &mut Context<S>, Request) -> Reply + Send + 'static,
) {
    match realm {
        Some(realm) => ctx.route_authenticated(path, realm, handler),
        None => ctx.route(path, handler),
    }
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

/// A rate: so many `requests` per `per`, written `<requests>/<duration>`
/// (`2/1secs`) as libprocess reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per period (at least one).
    pub requests: u32,
    /// The period.
    pub per: Duration,
}

impl std::str::FromStr for RateLimit {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let (requests, per) = text.split_once('/').ok_or(())?;
        let requests: u32 = requests.trim().parse().map_err(|_| ())?;
        let per = parse_duration(per.trim()).ok_or(())?;
        if requests == 0 || per.is_zero() {
            return Err(());
        }
        Ok(RateLimit { requests, per })
    }
}

/// Spaces permits evenly at a [`RateLimit`], as libprocess's `RateLimiter`
/// does: the first comes at once, each next one a `per / requests` after
/// the last.
#[derive(Debug)]
pub(crate) struct Spacing {
    limit: RateLimit,
    next: Option<Instant>,
}

impl Spacing {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Spacing { limit, next: None }
    }

    /// When a request made `now` gets its permit.
    pub(crate) fn permit(&mut self, now: Instant) -> Instant {
        let at = self.next.map_or(now, |next| next.max(now));
        self.next = Some(at + self.limit.per / self.limit.requests);
        at
    }
}

struct MetricsProcess {
    spacing: Option<Spacing>,
}

impl MetricsProcess {
    fn snapshot(&mut self, ctx: &mut Context<Self>, request: Request) -> Reply {
        if let Some(timeout) = request.query_param("timeout")
            && parse_duration(&timeout).is_none()
        {
            return Response::bad_request(format!("Invalid timeout '{timeout}'.\n")).into();
        }
        // Values are read synchronously, so the timeout can never expire.
        let metrics = ctx.runtime().metrics().clone();
        let now = Instant::now();
        match self.spacing.as_mut().map(|spacing| spacing.permit(now)) {
            Some(at) if at > now => Reply::later(async move {
                tokio::time::sleep_until(at).await;
                json_reply(&request, metrics.snapshot_json())
            }),
            _ => json_reply(&request, metrics.snapshot_json()).into(),
        }
    }
}

impl Process for MetricsProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let realm = ctx.runtime().config().readonly_realm.clone();
        route_in(
            ctx,
            "/snapshot",
            realm.as_deref(),
            |this: &mut Self, ctx: &mut Context<Self>, request: Request| {
                this.snapshot(ctx, request)
            },
        );
        route_in(
            ctx,
            "/",
            realm.as_deref(),
            |_: &mut Self, ctx: &mut Context<Self>, _: Request| {
                Response::ok(ctx.runtime().metrics().prometheus_text())
                    .with_header(
                        CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                    )
                    .into()
            },
        );
        ctx.help(
            "/",
            &help_text(
                "Every metric, in Prometheus's text exposition format.",
                Some(
                    "Names as in `/metrics/snapshot` with every character other than \
                     letters, digits, `_` and `:` made `_` (`master/uptime_secs` is \
                     `master_uptime_secs`). Counters are typed `counter`, the rest `gauge`. \
                     Not rate limited. Not part of Mesos.\n",
                ),
                Some(authentication_note(realm.is_some())),
                None,
            ),
        );
        ctx.help(
            "/snapshot",
            &help_text(
                "Every metric of this process, as one JSON object.",
                Some(
                    "Query parameters:\n\n\
                     >        timeout=VALUE   How long to wait for values (e.g. `5secs`).\n\
                     >        jsonp=VALUE     Wrap the JSON in a call to this function.\n\n\
                     Snapshots are rate limited; requests beyond the rate wait.\n",
                ),
                Some(authentication_note(realm.is_some())),
                None,
            ),
        );
    }
}

/// The authentication section of the runtime's own help pages.
fn authentication_note(in_realm: bool) -> &'static str {
    if in_realm {
        "This endpoint requires authentication iff HTTP authentication is enabled.\n"
    } else {
        "This endpoint does not require authentication.\n"
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
        let realm = ctx.runtime().config().readwrite_realm.clone();
        route_in(
            ctx,
            "/toggle",
            realm.as_deref(),
            |this: &mut Self, ctx: &mut Context<Self>, request| this.toggle(ctx, request).into(),
        );
        ctx.help(
            "/toggle",
            &help_text(
                "Raises the logging verbosity for a while.",
                Some(
                    "Query parameters:\n\n\
                     >        level=VALUE     The verbosity to set.\n\
                     >        duration=VALUE  How long to keep it (e.g. `10mins`).\n\n\
                     Without parameters, answers the current verbosity.\n",
                ),
                Some(authentication_note(realm.is_some())),
                None,
            ),
        );
    }
}

struct ProfilerProcess {
    enabled: bool,
    running: Option<pprof::ProfilerGuard<'static>>,
}

/// Samples per second while profiling.
const PROFILER_FREQUENCY: i32 = 99;

/// What `/profiler/stop` answers when no sample was taken.
const NO_SAMPLES_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"40\">\
<text x=\"10\" y=\"25\">No samples were taken while the profiler ran.</text></svg>\n";

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
        if rendered.is_ok() && svg.is_empty() {
            // The flamegraph writer renders nothing for a profile without a
            // sample (a short or idle run); answer an image all the same.
            svg = NO_SAMPLES_SVG.as_bytes().to_vec();
        }
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
        let realm = ctx.runtime().config().readwrite_realm.clone();
        route_in(
            ctx,
            "/start",
            realm.as_deref(),
            |this: &mut Self, _: &mut Context<Self>, _| this.start().into(),
        );
        route_in(
            ctx,
            "/stop",
            realm.as_deref(),
            |this: &mut Self, _: &mut Context<Self>, _| this.stop().into(),
        );
        let authentication = Some(authentication_note(realm.is_some()));
        ctx.help(
            "/start",
            &help_text(
                "Starts sampling this process's threads.",
                Some("Needs `LIBPROCESS_ENABLE_PROFILER=1`.\n"),
                authentication,
                None,
            ),
        );
        ctx.help(
            "/stop",
            &help_text(
                "Stops sampling and answers a flame graph (SVG).",
                None,
                authentication,
                None,
            ),
        );
    }
}

/// Figures about the machine, as libprocess's `System` process reports them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SystemStats {
    /// CPUs online.
    pub cpus_total: Option<f64>,
    /// Load averages over 1, 5 and 15 minutes.
    pub load: Option<[f64; 3]>,
    /// Total and free memory in bytes.
    pub memory: Option<(f64, f64)>,
}

impl SystemStats {
    /// Reads the current figures; each is `None` if it cannot be read.
    pub fn read() -> Self {
        SystemStats {
            cpus_total: cpus_online(),
            load: load_average(),
            memory: memory(),
        }
    }
}

/// CPUs online, from the kernel's `online` list (`0-3,6`), which is what
/// libprocess's `sysconf(_SC_NPROCESSORS_ONLN)` reads.
fn cpus_online() -> Option<f64> {
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").ok()?;
    let mut count = 0u32;
    for range in online.trim().split(',') {
        count += match range.split_once('-') {
            Some((first, last)) => last.parse::<u32>().ok()? - first.parse::<u32>().ok()? + 1,
            None => {
                range.parse::<u32>().ok()?;
                1
            }
        };
    }
    Some(f64::from(count))
}

fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(str::parse::<f64>);
    Some([
        fields.next()?.ok()?,
        fields.next()?.ok()?,
        fields.next()?.ok()?,
    ])
}

/// Total and free memory, in bytes.
fn memory() -> Option<(f64, f64)> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = text.lines().find(|line| line.starts_with(name))?;
        let kibibytes: f64 = line[name.len()..]
            .trim_start_matches(':')
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        Some(kibibytes * 1024.0)
    };
    Some((field("MemTotal")?, field("MemFree")?))
}

/// Serves `/system/stats.json` and registers the `system/*` gauges.
struct SystemProcess;

/// Picks one figure out of the stats.
type Figure = fn(&SystemStats) -> Option<f64>;

/// The gauges, with the figure each reports.
const SYSTEM_GAUGES: [(&str, Figure); 6] = [
    ("system/cpus_total", |stats| stats.cpus_total),
    ("system/load_1min", |stats| stats.load.map(|load| load[0])),
    ("system/load_5min", |stats| stats.load.map(|load| load[1])),
    ("system/load_15min", |stats| stats.load.map(|load| load[2])),
    ("system/mem_total_bytes", |stats| {
        stats.memory.map(|memory| memory.0)
    }),
    ("system/mem_free_bytes", |stats| {
        stats.memory.map(|memory| memory.1)
    }),
];

impl Process for SystemProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let metrics = ctx.runtime().metrics();
        for (name, read) in SYSTEM_GAUGES {
            metrics.gauge_fn(name, move || read(&SystemStats::read()).unwrap_or(f64::NAN));
        }
        ctx.route(
            "/stats.json",
            |_, _: &mut Context<Self>, request: Request| -> Reply {
                let stats = SystemStats::read();
                let mut fields = Vec::new();
                if let Some([one, five, fifteen]) = stats.load {
                    fields.push(("avg_load_1min", one));
                    fields.push(("avg_load_5min", five));
                    fields.push(("avg_load_15min", fifteen));
                }
                if let Some(cpus) = stats.cpus_total {
                    fields.push(("cpus_total", cpus));
                }
                if let Some((total, free)) = stats.memory {
                    fields.push(("mem_total_bytes", total));
                    fields.push(("mem_free_bytes", free));
                }
                // Mesos writes these integers without a fraction.
                let body = fields
                    .iter()
                    .map(|(name, value)| {
                        if value.fract() == 0.0 && value.abs() < 1e15 {
                            format!("\"{name}\":{}", *value as i64)
                        } else {
                            format!("\"{name}\":{value}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                json_reply(&request, format!("{{{body}}}")).into()
            },
        );
        ctx.help(
            "/stats.json",
            &help_text(
                "The machine's CPUs, load averages and memory.",
                Some(
                    "Fields: `cpus_total`, `avg_load_1min`, `avg_load_5min`, \
                     `avg_load_15min`, `mem_total_bytes`, `mem_free_bytes`.\n",
                ),
                Some(authentication_note(false)),
                None,
            ),
        );
    }

    fn finalize(&mut self, ctx: &mut Context<Self>) {
        for (name, _) in SYSTEM_GAUGES {
            ctx.runtime().metrics().remove(name);
        }
    }
}

/// Serves `/help`: an index of processes, each process's routes, and each
/// route's page. Markdown for `curl` and HTTPie, a page for browsers, and
/// JSON with `?format=json`, as libprocess answers.
pub(crate) struct HelpProcess;

impl HelpProcess {
    /// Routes `/help/<id>` (and below), once process `id` has pages.
    pub(crate) fn serve_pages_of(ctx: &mut Context<Self>, id: &str) {
        ctx.route(
            &format!("/{id}"),
            |_, ctx: &mut Context<Self>, request: Request| HelpProcess::help(ctx, &request).into(),
        );
    }

    fn help(ctx: &mut Context<Self>, request: &Request) -> Response {
        let pages = ctx.runtime().help_pages();
        // `/help[/<id>[/<route...>]]`; the route may contain slashes.
        let mut parts = request.path()[1..].splitn(3, '/').skip(1);
        let id = parts.next().filter(|id| !id.is_empty());
        let route = parts.next().filter(|route| !route.is_empty());
        let mut document = String::new();
        let mut references = String::new();
        match (id, route) {
            (None, _) => {
                if request.query_param("format").as_deref() == Some("json") {
                    return Response::json(help_json(&pages));
                }
                document.push_str("## HELP\n");
                for id in pages.keys() {
                    document.push_str(&format!("> [/{id}][{id}]\n"));
                    references.push_str(&format!("[{id}]: help/{id}\n"));
                }
            }
            (Some(id), None) => {
                let Some(routes) = pages.get(id) else {
                    return Response::bad_request(format!("No help available for '/{id}'.\n"));
                };
                document.push_str(&format!("## `/{id}` ##\n"));
                for name in routes.keys() {
                    let path = format!("{id}{}", name.trim_end_matches('/'));
                    document.push_str(&format!("> [/{path}][{path}]\n"));
                    references.push_str(&format!("[{path}]: {path}\n"));
                }
            }
            (Some(id), Some(route)) => {
                let Some(page) = pages
                    .get(id)
                    .and_then(|routes| routes.get(&format!("/{route}")))
                else {
                    let missing = if pages.contains_key(id) {
                        format!("/{id}/{route}")
                    } else {
                        format!("/{id}")
                    };
                    return Response::bad_request(format!("No help available for '{missing}'.\n"));
                };
                document.push_str(page);
            }
        }
        let markdown = format!("{document}\n{references}");
        let terminal = request
            .header("user-agent")
            .is_some_and(|agent| agent.starts_with("curl") || agent.starts_with("HTTPie"));
        if terminal {
            Response::ok(markdown)
                .with_header(CONTENT_TYPE, HeaderValue::from_static("text/x-markdown"))
        } else {
            let escaped = markdown
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            Response::ok(format!(
                "<html><head><title>Help</title></head><body><pre>{escaped}</pre></body></html>"
            ))
            .with_header(CONTENT_TYPE, HeaderValue::from_static("text/html"))
        }
    }
}

/// `{"processes":[{"id":..,"endpoints":[{"name":..,"text":..}]}]}`.
fn help_json(
    pages: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
) -> String {
    let mut out = String::from("{\"processes\":[");
    for (index, (id, routes)) in pages.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        write_json_string(&mut out, id);
        out.push_str(",\"endpoints\":[");
        for (index, (name, text)) in routes.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            write_json_string(&mut out, name);
            out.push_str(",\"text\":");
            write_json_string(&mut out, text);
            out.push('}');
        }
        out.push_str("]}");
    }
    out.push_str("]}");
    out
}

impl Process for HelpProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/",
            |_, ctx: &mut Context<Self>, request: Request| -> Reply {
                HelpProcess::help(ctx, &request).into()
            },
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_as_libprocess_writes_them() {
        let rate = |text: &str| text.parse::<RateLimit>();
        assert_eq!(
            rate("2/1secs"),
            Ok(RateLimit {
                requests: 2,
                per: Duration::from_secs(1)
            })
        );
        assert_eq!(
            rate("10/500ms").map(|r| r.per),
            Ok(Duration::from_millis(500))
        );
        for bad in ["2", "x/1secs", "2/soon", "0/1secs", "2/0secs", "2/1secs/3"] {
            assert_eq!(rate(bad), Err(()), "{bad}");
        }
    }

    #[test]
    fn permits_are_spaced_evenly_and_the_first_is_at_once() {
        let mut spacing = Spacing::new("2/1secs".parse().unwrap());
        let start = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(spacing.permit(start), start);
        assert_eq!(spacing.permit(start), start + ms(500));
        assert_eq!(spacing.permit(start + ms(100)), start + ms(1000));
        // After a quiet spell the next permit is immediate again.
        assert_eq!(spacing.permit(start + ms(5000)), start + ms(5000));
        assert_eq!(spacing.permit(start + ms(5000)), start + ms(5500));
    }
}
