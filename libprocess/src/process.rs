//! Processes: actors with a mailbox, run one event at a time.
//!
//! A process is any `S: Process`. [`Runtime::spawn`] gives it an id and a
//! tokio task; from then on everything that happens to it — messages, HTTP
//! requests, dispatched closures, `exited` notifications, timers — is an
//! event in its mailbox, and the task runs them in order with `&mut S`. No
//! locks are needed around a process's state.
//!
//! Handlers are installed from [`Process::initialize`] (or any later event)
//! through the [`Context`]:
//!
//! ```
//! use libprocess::{Context, Message, Process, Reply, Request, Response};
//!
//! struct Echo;
//!
//! impl Process for Echo {
//!     fn initialize(&mut self, ctx: &mut Context<Self>) {
//!         ctx.install("ping", |_echo: &mut Echo, ctx: &mut Context<Echo>, message: Message| {
//!             ctx.send(&message.from, "pong", message.body);
//!         });
//!         ctx.route("/hello", |_echo: &mut Echo, _ctx: &mut Context<Echo>, _request: Request| -> Reply {
//!             Response::ok("hello").into()
//!         });
//!     }
//! }
//! ```

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::{self, Write as _};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{Notify, oneshot, watch};
use tokio::task::AbortHandle;

use crate::auth::Authentication;
use crate::http::{Reply, ReplyInner, Request, Response};
use crate::json::write_json_string;
use crate::runtime::Recipient;
use crate::{Error, Runtime, Upid};

/// A message as a handler receives it.
#[derive(Debug, Clone)]
pub struct Message {
    /// The sender, as it claimed (the empty UPID when it could not be parsed).
    pub from: Upid,
    /// The message name: for protobuf messages, the full type name.
    pub name: Arc<str>,
    /// The serialized payload.
    pub body: Bytes,
}

/// An actor run by the [`Runtime`]. Every method has a default, so a process
/// implements only what it needs.
pub trait Process: Send + Sized + 'static {
    /// Runs first, before any other event: install handlers and routes here.
    fn initialize(&mut self, _ctx: &mut Context<Self>) {}

    /// A process this one linked to has terminated or become unreachable.
    fn exited(&mut self, _ctx: &mut Context<Self>, _pid: &Upid) {}

    /// A message arrived for which no handler is installed. Dropped by default,
    /// as libprocess does.
    fn unhandled(&mut self, _ctx: &mut Context<Self>, message: Message) {
        tracing::debug!(name = %message.name, from = %message.from, "dropping message with no handler");
    }

    /// Runs last, once the process has been asked to terminate.
    fn finalize(&mut self, _ctx: &mut Context<Self>) {}
}

type MessageHandler<S> = Box<dyn FnMut(&mut S, &mut Context<S>, Message) + Send>;
type RouteHandler<S> = Box<dyn FnMut(&mut S, &mut Context<S>, Request) -> Reply + Send>;
type Dispatch<S> = Box<dyn FnOnce(&mut S, &mut Context<S>) + Send>;

enum Install<S> {
    Message(Box<str>, MessageHandler<S>),
    Route(String, Route<S>),
}

/// An endpoint: its handler and the authentication realm it belongs to.
struct Route<S> {
    realm: Option<Box<str>>,
    handler: RouteHandler<S>,
}

/// A process's view of the runtime while it handles an event.
pub struct Context<S> {
    cell: Arc<Cell<S>>,
    runtime: Runtime,
    /// Where this process's last message went.
    last_recipient: RefCell<Option<Recipient>>,
    installs: Vec<Install<S>>,
    terminating: bool,
}

impl<S> fmt::Debug for Context<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("pid", &self.cell.upid)
            .finish()
    }
}

impl<S: Process> Context<S> {
    /// This process's UPID.
    pub fn pid(&self) -> &Upid {
        &self.cell.upid
    }

    /// A typed handle to this process, for dispatching to it later.
    pub fn handle(&self) -> Pid<S> {
        Pid {
            cell: self.cell.clone(),
        }
    }

    /// The runtime this process runs in.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Sends `body` as message `name` to `to`, local or remote. Never waits;
    /// delivery is best effort, as in libprocess. Passing the name as an
    /// `Arc<str>` kept by the caller saves an allocation per local message.
    pub fn send(&self, to: &Upid, name: impl Into<Arc<str>>, body: impl Into<Bytes>) {
        self.cell.stats.sent.fetch_add(1, Ordering::Relaxed);
        self.runtime.send_via(
            &mut self.last_recipient.borrow_mut(),
            &self.cell.upid,
            to,
            name.into(),
            body.into(),
        );
    }

    /// Sends a protobuf message under its full type name, like Mesos's
    /// `ProtobufProcess::send`.
    pub fn send_protobuf<M: prost::Message + prost::Name + 'static>(&self, to: &Upid, message: &M) {
        self.send(to, protobuf_name::<M>(), message.encode_to_vec());
    }

    /// Links to `to`: when it terminates (local) or its runtime becomes
    /// unreachable (remote), this process gets [`Process::exited`].
    pub fn link(&self, to: &Upid) {
        self.runtime.link(&self.cell.upid, to);
    }

    /// Runs `action` on this process after `after` (serialised with its
    /// other events). Dropping the returned [`Timer`] does not cancel it.
    pub fn delay(
        &self,
        after: Duration,
        action: impl FnOnce(&mut S, &mut Context<S>) + Send + 'static,
    ) -> Timer {
        self.handle().delay(after, action)
    }

    /// Handles messages called `name` with `handler`, replacing any earlier
    /// handler for that name.
    pub fn install(
        &mut self,
        name: &str,
        handler: impl FnMut(&mut S, &mut Context<S>, Message) + Send + 'static,
    ) {
        self.installs
            .push(Install::Message(name.into(), Box::new(handler)));
    }

    /// Handles protobuf messages of type `M`, named by `M`'s full type name.
    /// A body that does not decode is logged and dropped.
    pub fn install_protobuf<M: prost::Message + prost::Name + Default + 'static>(
        &mut self,
        mut handler: impl FnMut(&mut S, &mut Context<S>, &Upid, M) + Send + 'static,
    ) {
        let name = protobuf_name::<M>();
        self.install(&name, move |state, ctx, message| {
            match M::decode(message.body) {
                Ok(decoded) => handler(state, ctx, &message.from, decoded),
                Err(error) => tracing::warn!(
                    name = %message.name, from = %message.from, %error,
                    "failed to deserialize message"
                ),
            }
        });
    }

    /// Serves HTTP requests for `/<id><path>` (and anything below it that no
    /// longer route claims) with `handler`. `path` starts with `/`; a
    /// trailing `/` is ignored, and `"/"` serves the bare `/<id>`.
    pub fn route(
        &mut self,
        path: &str,
        handler: impl FnMut(&mut S, &mut Context<S>, Request) -> Reply + Send + 'static,
    ) {
        self.install_route(path, None, Box::new(handler));
    }

    /// Like [`route`](Self::route), for an endpoint in authentication
    /// `realm`: when the runtime has an authenticator for the realm, requests
    /// are authenticated before `handler` sees them (see [`crate::auth`]).
    pub fn route_authenticated(
        &mut self,
        path: &str,
        realm: &str,
        handler: impl FnMut(&mut S, &mut Context<S>, Request) -> Reply + Send + 'static,
    ) {
        self.install_route(path, Some(realm.into()), Box::new(handler));
    }

    /// Sets the page `/help` shows for route `path` of this process; see
    /// [`system::help_text`](crate::system::help_text) for the layout Mesos
    /// uses. Routes without one get a note that there is no help.
    pub fn help(&self, path: &str, text: &str) {
        self.runtime.add_help(self.cell.upid.id(), path, Some(text));
    }

    fn install_route(&mut self, path: &str, realm: Option<Box<str>>, handler: RouteHandler<S>) {
        self.runtime.add_help(self.cell.upid.id(), path, None);
        let key = path.trim_end_matches('/').to_owned();
        self.installs
            .push(Install::Route(key, Route { realm, handler }));
    }

    /// Terminates this process once the current event is handled.
    pub fn terminate(&mut self) {
        self.terminating = true;
    }
}

/// The protobuf full type name of `M`, computed once per type and thread.
pub(crate) fn protobuf_name<M: prost::Name + 'static>() -> Arc<str> {
    thread_local! {
        static NAMES: RefCell<HashMap<TypeId, Arc<str>>> = RefCell::new(HashMap::new());
    }
    NAMES.with(|names| {
        names
            .borrow_mut()
            .entry(TypeId::of::<M>())
            .or_insert_with(|| M::full_name().into())
            .clone()
    })
}

/// A typed handle to a running process: its [`Upid`] plus the ability to
/// dispatch closures onto it.
pub struct Pid<S: Process> {
    cell: Arc<Cell<S>>,
}

impl<S: Process> Clone for Pid<S> {
    fn clone(&self) -> Self {
        Pid {
            cell: self.cell.clone(),
        }
    }
}

impl<S: Process> fmt::Debug for Pid<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pid({})", self.cell.upid)
    }
}

impl<S: Process> Pid<S> {
    /// The process's address.
    pub fn upid(&self) -> &Upid {
        &self.cell.upid
    }

    /// Queues `action` to run on the process, after the events already
    /// queued. Returns false (dropping `action`) if the process is gone.
    pub fn dispatch(&self, action: impl FnOnce(&mut S, &mut Context<S>) + Send + 'static) -> bool {
        self.cell
            .push(Event::Dispatch(Box::new(action)), false)
            .is_ok()
    }

    /// Like [`dispatch`](Self::dispatch), returning what `action` returns.
    pub fn call<R: Send + 'static>(
        &self,
        action: impl FnOnce(&mut S, &mut Context<S>) -> R + Send + 'static,
    ) -> impl Future<Output = Result<R, Error>> + Send + 'static {
        let (sender, receiver) = oneshot::channel();
        self.dispatch(move |state, ctx| {
            // The caller may have stopped waiting; nothing to do then.
            let _ = sender.send(action(state, ctx));
        });
        let id = self.cell.upid.id().to_owned();
        async move { receiver.await.map_err(|_| Error::ProcessGone(id)) }
    }

    /// Runs `action` on the process after `after`.
    pub fn delay(
        &self,
        after: Duration,
        action: impl FnOnce(&mut S, &mut Context<S>) + Send + 'static,
    ) -> Timer {
        let pid = self.clone();
        let task = self.cell.tokio.spawn(async move {
            tokio::time::sleep(after).await;
            pid.dispatch(action);
        });
        Timer(task.abort_handle())
    }

    /// Asks the process to terminate: it finishes its current event, skips
    /// whatever is still queued and runs [`Process::finalize`].
    pub fn terminate(&self) {
        Mailbox::terminate(&*self.cell);
    }

    /// Resolves once the process has terminated.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        wait_for(self.cell.terminated.subscribe())
    }
}

/// Resolves once the flag in `flag` is true (or its sender is gone, which
/// only happens after it was set).
pub(crate) async fn wait_for(mut flag: watch::Receiver<bool>) {
    let _ = flag.wait_for(|set| *set).await.is_ok();
}

/// A pending [`delay`](Context::delay); [`cancel`](Timer::cancel) stops it.
/// Clones cancel the same timer, so records holding one can be cloned.
#[derive(Debug, Clone)]
pub struct Timer(AbortHandle);

impl Timer {
    /// Cancels the timer; the action will not run unless it already has.
    pub fn cancel(&self) {
        self.0.abort();
    }
}

/// An HTTP request waiting for its process, with the way back to the client.
pub(crate) struct HttpEvent {
    pub request: Request,
    pub respond: oneshot::Sender<Response>,
}

/// Events that can come from outside the process's type.
pub(crate) enum Delivery {
    Message(Message),
    // Boxed: requests are rare next to messages, and a small event keeps
    // the mailbox cheap to fill and drain.
    Http(Box<HttpEvent>),
    Exited(Upid),
}

enum Event<S> {
    Delivery(Delivery),
    Dispatch(Dispatch<S>),
    /// An HTTP request its authorization callback allowed, for the route
    /// with this key.
    Authorized(Box<HttpEvent>, String),
    Terminate,
}

/// What the runtime's process table holds: a mailbox of any process type.
pub(crate) trait Mailbox: Send + Sync {
    /// Queues an event; gives it back if the process is gone.
    fn deliver(&self, delivery: Delivery) -> Result<(), Delivery>;
    /// Queues every message in `messages` (leaving it empty), in order;
    /// false, leaving `messages` as it was, if the process is gone.
    fn deliver_messages(&self, messages: &mut Vec<Message>) -> bool;
    fn terminate(&self);
    /// Records `linker` to be told when this process ends; false if it has.
    fn add_linker(&self, linker: Upid) -> bool;
    fn terminated(&self) -> watch::Receiver<bool>;
    /// Appends this process's `/__processes__` JSON object to `out`.
    fn describe(&self, out: &mut String);
}

#[derive(Default)]
struct Stats {
    received: AtomicU64,
    sent: AtomicU64,
}

struct Queue<S> {
    events: VecDeque<Event<S>>,
    open: bool,
}

/// The shared half of a process: mailbox, links and counters.
pub(crate) struct Cell<S> {
    upid: Upid,
    tokio: tokio::runtime::Handle,
    queue: Mutex<Queue<S>>,
    wakeup: Notify,
    stats: Stats,
    linkers: Mutex<HashSet<Upid>>,
    terminated: watch::Sender<bool>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking handler never holds these locks; recover rather than cascade.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<S: Process> Cell<S> {
    fn push(&self, event: Event<S>, front: bool) -> Result<(), Event<S>> {
        let mut queue = lock(&self.queue);
        if !queue.open {
            return Err(event);
        }
        let was_empty = queue.events.is_empty();
        if front {
            queue.events.push_front(event);
        } else {
            queue.events.push_back(event);
        }
        drop(queue);
        // The task drains the whole queue per wakeup, so only the push that
        // makes the queue non-empty needs to wake it.
        if was_empty {
            self.wakeup.notify_one();
        }
        Ok(())
    }
}

impl<S: Process> Mailbox for Cell<S> {
    fn deliver(&self, delivery: Delivery) -> Result<(), Delivery> {
        if matches!(delivery, Delivery::Message(_)) {
            self.stats.received.fetch_add(1, Ordering::Relaxed);
        }
        self.push(Event::Delivery(delivery), false)
            .map_err(|event| match event {
                Event::Delivery(delivery) => delivery,
                _ => unreachable!("pushed a delivery"),
            })
    }

    fn deliver_messages(&self, messages: &mut Vec<Message>) -> bool {
        let count = messages.len();
        let mut queue = lock(&self.queue);
        if !queue.open {
            return false;
        }
        let was_empty = queue.events.is_empty();
        queue.events.extend(
            messages
                .drain(..)
                .map(|message| Event::Delivery(Delivery::Message(message))),
        );
        drop(queue);
        self.stats
            .received
            .fetch_add(count as u64, Ordering::Relaxed);
        if was_empty {
            self.wakeup.notify_one();
        }
        true
    }

    fn terminate(&self) {
        // Like libprocess's default, termination jumps the queue.
        let _ = self.push(Event::Terminate, true);
    }

    fn add_linker(&self, linker: Upid) -> bool {
        if *self.terminated.borrow() {
            return false;
        }
        lock(&self.linkers).insert(linker);
        true
    }

    fn terminated(&self) -> watch::Receiver<bool> {
        self.terminated.subscribe()
    }

    fn describe(&self, out: &mut String) {
        out.push_str("{\"id\":");
        write_json_string(out, self.upid.id());
        out.push_str(",\"events\":[");
        let queue = lock(&self.queue);
        for (index, event) in queue.events.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            describe_event(out, event);
        }
        let depth = queue.events.len();
        drop(queue);
        let _ = write!(
            out,
            "],\"queue_depth\":{depth},\"messages_received\":{},\"messages_sent\":{}}}",
            self.stats.received.load(Ordering::Relaxed),
            self.stats.sent.load(Ordering::Relaxed),
        );
    }
}

fn describe_event<S>(out: &mut String, event: &Event<S>) {
    match event {
        Event::Delivery(Delivery::Message(message)) => {
            out.push_str("{\"type\":\"MESSAGE\",\"name\":");
            write_json_string(out, &message.name);
            out.push('}');
        }
        Event::Delivery(Delivery::Http(http)) | Event::Authorized(http, _) => {
            out.push_str("{\"type\":\"HTTP\",\"method\":");
            write_json_string(out, http.request.method().as_str());
            out.push_str(",\"url\":");
            write_json_string(out, http.request.path());
            out.push('}');
        }
        Event::Delivery(Delivery::Exited(pid)) => {
            out.push_str("{\"type\":\"EXITED\",\"pid\":");
            write_json_string(out, &pid.to_string());
            out.push('}');
        }
        Event::Dispatch(_) => out.push_str("{\"type\":\"DISPATCH\"}"),
        Event::Terminate => out.push_str("{\"type\":\"TERMINATE\"}"),
    }
}

/// Creates a process's shared half and starts its task. The caller has
/// already reserved `upid` in the runtime's table and inserts the returned
/// mailbox there.
pub(crate) fn start<S: Process>(runtime: Runtime, upid: Upid, state: S) -> Pid<S> {
    let runtime_handle = runtime.inner.tokio().clone();
    let cell = Arc::new(Cell {
        tokio: runtime_handle.clone(),
        upid,
        queue: Mutex::new(Queue {
            events: VecDeque::new(),
            open: true,
        }),
        wakeup: Notify::new(),
        stats: Stats::default(),
        linkers: Mutex::new(HashSet::new()),
        terminated: watch::Sender::new(false),
    });
    let ctx = Context {
        cell: cell.clone(),
        runtime,
        last_recipient: RefCell::new(None),
        installs: Vec::new(),
        terminating: false,
    };
    runtime_handle.spawn(run(state, ctx));
    Pid { cell }
}

pub(crate) fn mailbox<S: Process>(pid: &Pid<S>) -> Arc<dyn Mailbox> {
    pid.cell.clone()
}

/// Cleans up after a process however its task ends — normally or by a
/// panicking handler — so the table never keeps a mailbox nobody drains.
struct Reaper<S: Process> {
    cell: Arc<Cell<S>>,
    runtime: Runtime,
}

impl<S: Process> Drop for Reaper<S> {
    fn drop(&mut self) {
        let leftovers = {
            let mut queue = lock(&self.cell.queue);
            queue.open = false;
            std::mem::take(&mut queue.events)
        };
        for event in leftovers {
            if let Event::Delivery(Delivery::Http(http)) | Event::Authorized(http, _) = event {
                let _ = http.respond.send(Response::not_found());
            }
        }
        self.runtime.remove_process(&self.cell.upid);
        let linkers = std::mem::take(&mut *lock(&self.cell.linkers));
        for linker in linkers {
            self.runtime.deliver_exited(&linker, &self.cell.upid);
        }
        self.cell.terminated.send_replace(true);
    }
}

struct Handlers<S> {
    messages: HashMap<Box<str>, MessageHandler<S>>,
    routes: HashMap<String, Route<S>>,
}

impl<S: Process> Handlers<S> {
    fn apply(&mut self, installs: &mut Vec<Install<S>>) {
        for install in installs.drain(..) {
            match install {
                Install::Message(name, handler) => {
                    self.messages.insert(name, handler);
                }
                Install::Route(path, route) => {
                    self.routes.insert(path, route);
                }
            }
        }
    }

    /// Finds the route for the part of the path after the process id: the
    /// longest registered prefix at a `/` boundary, as libprocess does.
    /// Returns the route's key.
    fn route_for(&self, mut endpoint: &str) -> Option<String> {
        endpoint = endpoint.trim_end_matches('/');
        loop {
            if self.routes.contains_key(endpoint) {
                return Some(endpoint.to_owned());
            }
            match endpoint.rfind('/') {
                Some(cut) if cut > 0 => endpoint = &endpoint[..cut],
                _ => return None,
            }
        }
    }
}

/// How many events a process handles before letting other tasks run.
const BATCH_BEFORE_YIELD: usize = 256;

async fn run<S: Process>(mut state: S, mut ctx: Context<S>) {
    let _reaper = Reaper {
        cell: ctx.cell.clone(),
        runtime: ctx.runtime.clone(),
    };
    let mut handlers = Handlers {
        messages: HashMap::new(),
        routes: HashMap::new(),
    };
    state.initialize(&mut ctx);
    handlers.apply(&mut ctx.installs);

    let mut batch = VecDeque::new();
    while !ctx.terminating {
        {
            let mut queue = lock(&ctx.cell.queue);
            std::mem::swap(&mut queue.events, &mut batch);
        }
        if batch.is_empty() {
            ctx.cell.wakeup.notified().await;
            continue;
        }
        let mut handled = 0;
        while let Some(event) = batch.pop_front() {
            handle(&mut state, &mut ctx, &mut handlers, event);
            if ctx.terminating {
                break;
            }
            handled += 1;
            if handled % BATCH_BEFORE_YIELD == 0 {
                tokio::task::yield_now().await;
            }
        }
    }
    state.finalize(&mut ctx);
}

fn handle<S: Process>(
    state: &mut S,
    ctx: &mut Context<S>,
    handlers: &mut Handlers<S>,
    event: Event<S>,
) {
    match event {
        Event::Delivery(Delivery::Message(message)) => {
            let span = tracing::debug_span!("message", name = %message.name, from = %message.from, to = %ctx.cell.upid);
            let _entered = span.enter();
            match handlers.messages.get_mut(&*message.name) {
                Some(handler) => handler(state, ctx, message),
                None => state.unhandled(ctx, message),
            }
        }
        Event::Delivery(Delivery::Http(http)) => {
            let span = tracing::debug_span!("http", method = %http.request.method(), path = http.request.path());
            let _entered = span.enter();
            serve(state, ctx, handlers, *http);
        }
        Event::Authorized(http, key) => {
            let span = tracing::debug_span!("http", method = %http.request.method(), path = http.request.path());
            let _entered = span.enter();
            let HttpEvent { request, respond } = *http;
            match handlers.routes.get_mut(&key) {
                Some(route) => reply(respond, (route.handler)(state, ctx, request)),
                None => {
                    let _ = respond.send(Response::not_found());
                }
            }
        }
        Event::Delivery(Delivery::Exited(pid)) => state.exited(ctx, &pid),
        Event::Dispatch(action) => action(state, ctx),
        Event::Terminate => ctx.terminating = true,
    }
    handlers.apply(&mut ctx.installs);
}

/// Routes an HTTP request to its endpoint: authentication for the route's
/// realm, then the authorization callback for its path, then the handler.
fn serve<S: Process>(
    state: &mut S,
    ctx: &mut Context<S>,
    handlers: &mut Handlers<S>,
    http: HttpEvent,
) {
    let HttpEvent {
        mut request,
        respond,
    } = http;
    // The path is `/<id>/<endpoint...>`; routes are keyed by the endpoint.
    let endpoint = request
        .path()
        .get(1..)
        .and_then(|rest| rest.find('/').map(|slash| &rest[slash..]))
        .unwrap_or("");
    let Some(key) = handlers.route_for(endpoint) else {
        let _ = respond.send(Response::not_found());
        return;
    };
    let route = handlers
        .routes
        .get_mut(&key)
        .expect("route_for returns registered keys");
    if let Some(realm) = &route.realm {
        match ctx.runtime.authenticate(realm, &request) {
            None => {}
            Some(Authentication::Authenticated(principal)) => request.set_principal(principal),
            Some(Authentication::Refused(refusal)) => {
                let _ = respond.send(refusal);
                return;
            }
        }
    }
    let path = format!("/{}{key}", ctx.cell.upid.id());
    let Some(authorize) = ctx.runtime.authorization_callback(&path) else {
        reply(respond, (route.handler)(state, ctx, request));
        return;
    };
    let decision = authorize(&request, request.principal());
    let cell = ctx.cell.clone();
    ctx.cell.tokio.spawn(async move {
        if decision.await {
            // Should the process be gone by now, dropping the event drops
            // `respond`, which answers 404.
            let _ = cell.push(
                Event::Authorized(Box::new(HttpEvent { request, respond }), key),
                false,
            );
        } else {
            let _ = respond.send(Response::new(http::StatusCode::FORBIDDEN));
        }
    });
}

/// Sends a handler's reply back to the connection, now or when it is ready.
fn reply(respond: oneshot::Sender<Response>, reply: Reply) {
    match reply.0 {
        ReplyInner::Now(response) => {
            let _ = respond.send(response);
        }
        ReplyInner::Later(future) => {
            tokio::spawn(async move {
                let _ = respond.send(future.await);
            });
        }
    }
}
