//! A tokio actor runtime that speaks Mesos's libprocess wire protocol.
//!
//! This crate is the ground floor of the master: it knows nothing of Mesos
//! types, only of processes, messages and HTTP.
//!
//! # Processes
//!
//! A *process* is an actor: a value of a type implementing [`Process`],
//! spawned into a [`Runtime`] under an id (`master`, `slave(1)`, or a
//! generated `prefix(N)` from [`generate_id`]). Its address is a [`Upid`],
//! `id@ip:port`, where ip:port is the runtime's advertised address. Every
//! event for a process — a message, an HTTP request, a closure
//! [dispatched](Pid::dispatch) onto it, a [timer](Context::delay), an
//! [`exited`](Process::exited) notification — waits in its mailbox and runs
//! alone with `&mut` access to the process's state.
//!
//! ```no_run
//! use libprocess::{Config, Context, Message, Process, Runtime};
//!
//! struct Greeter;
//!
//! impl Process for Greeter {
//!     fn initialize(&mut self, ctx: &mut Context<Self>) {
//!         ctx.install("hello", |_: &mut Greeter, ctx: &mut Context<Greeter>, message: Message| {
//!             ctx.send(&message.from, "hello-back", message.body);
//!         });
//!     }
//! }
//!
//! # async fn demo() -> Result<(), libprocess::Error> {
//! let runtime = Runtime::start(Config::loopback()).await?;
//! let greeter = runtime.spawn("greeter", Greeter)?;
//! println!("listening as {}", greeter.upid());
//! greeter.wait().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Messages
//!
//! [`Context::send`] sends `(name, body)` to any UPID. A local receiver gets
//! it straight in its mailbox; a remote one gets an HTTP `POST
//! /<id>/<name>` on the connection this runtime keeps to the receiver's
//! runtime — never on a connection the receiver opened — so messages to one
//! peer arrive in order. Nothing waits for a reply: a reply is just another
//! message to `message.from`. Protobuf messages go by their full type name
//! ([`Context::send_protobuf`], [`Context::install_protobuf`]), as Mesos's
//! `ProtobufProcess` does.
//!
//! # Links
//!
//! [`Context::link`] asks to be told when another process goes away: a local
//! one when it terminates, a remote one when the connection to its runtime
//! breaks or cannot be made. Either way the linker gets
//! [`Process::exited`]. This is how the master notices agents and
//! frameworks failing.
//!
//! # HTTP
//!
//! A process serves endpoints with [`Context::route`]; a request for
//! `/<id>/<endpoint>` reaches the longest matching route. With
//! [`Config::delegate`] set (the master sets `master`), a path whose first
//! segment names no process goes to the delegate: `/state` is served as
//! `/master/state`. Handlers return a [`Reply`] — a [`Response`] now or a
//! future of one — and can stream with [`Response::stream`]. A
//! [request filter](Runtime::set_request_filter) sees every HTTP request
//! first, which is where firewall rules go. Routes installed with
//! [`Context::route_authenticated`] belong to an authentication realm, and
//! endpoints can have authorization callbacks; see [`auth`].
//!
//! The listener frames HTTP/1.1 itself, tuned for what it mostly receives:
//! pipelined bursts of small message `POST`s, which it hands to each
//! receiving process's mailbox in batches and answers with one write.

//! # The runtime's own processes
//!
//! [`Runtime::start`] also starts `metrics` (`/metrics/snapshot`, from the
//! [`Metrics`] registry every crate adds to), `logging`
//! (`/logging/toggle`), `profiler` (`/profiler/start`, `/profiler/stop`),
//! `system` (the `system/*` gauges and `/system/stats.json`), `help`
//! (`/help`, with the pages set by [`Context::help`]) and `__processes__`
//! (`/__processes__`); see [`system`]. A terminated process
//! is removed from the table and its state dropped as soon as its
//! [`finalize`](Process::finalize) returns.
//!
//! # Hostile input
//!
//! Request bodies are capped ([`Config::max_body_bytes`], `413`), a request
//! once begun must arrive in time (`408`), unparseable HTTP gets `400` and a
//! closed connection, a client that stops reading its answers stops being
//! read, and outbound backlogs to one peer are capped. Idle connections are
//! kept, as libprocess keeps them (a linking peer may say nothing for
//! hours); TCP keepalive finds peers that vanished. The runtime keeps
//! serving.

pub mod auth;
mod error;
pub mod http;
mod http1;
mod json;
pub mod metrics;
mod peer;
mod process;
mod runtime;
mod server;
pub mod system;
mod upid;

pub use auth::{Authentication, Authenticator, Principal};
pub use error::Error;
pub use http::{Pipe, PipeWriter, Reply, Request, Response};
pub use metrics::{Counter, Gauge, Metrics, Timer as MetricTimer};
pub use process::{Context, Message, Pid, Process, Timer};
pub use runtime::{Config, RequestFilter, Runtime};
pub use upid::{Upid, generate_id};
