//! The runtime: the process table, the listener and the outbound connections.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, ToSocketAddrs};
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::{Authentication, Authenticator, AuthorizationCallback, Principal};
use crate::http::{Request, Response};
use crate::metrics::Metrics;
use crate::peer::{Peer, PeerLimits, Peers, message_head};
use crate::process::{self, Delivery, Mailbox, Message, Pid, Process};
use crate::system::{HelpProcess, RateLimit};
use crate::{Error, Upid};

/// How a runtime listens, advertises itself and bounds its resources.
///
/// [`Config::from_env`] reads the `LIBPROCESS_*` variables libprocess reads;
/// [`Config::loopback`] is the usual choice for tests.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LIBPROCESS_IP`: the address to listen on (all addresses if unset).
    pub ip: Option<Ipv4Addr>,
    /// `LIBPROCESS_PORT`: the port to listen on (0 picks a free one).
    pub port: u16,
    /// `LIBPROCESS_ADVERTISE_IP`: the ip put into this runtime's UPIDs.
    pub advertise_ip: Option<Ipv4Addr>,
    /// `LIBPROCESS_ADVERTISE_PORT`: the port put into this runtime's UPIDs.
    pub advertise_port: Option<u16>,
    /// `LIBPROCESS_NUM_WORKER_THREADS`: tokio worker threads for
    /// [`Config::build_tokio_runtime`] (1..=1024; default: one per core).
    pub worker_threads: usize,
    /// `LIBPROCESS_REQUIRE_PEER_ADDRESS_IP_MATCH`: answer 400 to a message
    /// whose claimed sender ip is not the connection's peer ip.
    pub require_peer_address_ip_match: bool,
    /// `LIBPROCESS_ENABLE_PROFILER=1`: allow `/profiler/start`.
    pub enable_profiler: bool,
    /// The process that serves paths whose first segment names no live
    /// process (`/state` → `/master/state`), as libprocess's delegate.
    pub delegate: Option<String>,
    /// Largest accepted request body; larger ones get `413` and a closed
    /// connection.
    pub max_body_bytes: usize,
    /// Time a client has to finish a request's headers once it has begun
    /// them (an idle connection waits as long as the client likes).
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's body after its headers.
    pub body_read_timeout: Duration,
    /// Time allowed to open an outbound connection.
    pub connect_timeout: Duration,
    /// Largest backlog of unsent bytes to one peer before the connection is
    /// considered dead.
    pub max_peer_backlog_bytes: usize,
    /// `LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT` (`<requests>/<duration>`,
    /// e.g. `2/1secs`; empty for none): how often `/metrics/snapshot`
    /// answers. Requests beyond the rate wait their turn. libprocess's
    /// default is 2 a second.
    pub metrics_snapshot_rate_limit: Option<RateLimit>,
    /// The authentication realm of the runtime's read-only endpoints
    /// (`/metrics/snapshot`); none means they are never authenticated.
    pub readonly_realm: Option<String>,
    /// The authentication realm of the runtime's endpoints that change
    /// things (`/logging/toggle`, `/profiler/*`).
    pub readwrite_realm: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ip: None,
            port: 0,
            advertise_ip: None,
            advertise_port: None,
            worker_threads: std::thread::available_parallelism().map_or(1, usize::from),
            require_peer_address_ip_match: false,
            enable_profiler: false,
            delegate: None,
            max_body_bytes: 32 * 1024 * 1024,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_peer_backlog_bytes: 64 * 1024 * 1024,
            metrics_snapshot_rate_limit: Some(RateLimit {
                requests: 2,
                per: Duration::from_secs(1),
            }),
            readonly_realm: None,
            readwrite_realm: None,
        }
    }
}

impl Config {
    /// Listens on 127.0.0.1 on a free port.
    pub fn loopback() -> Self {
        Config {
            ip: Some(Ipv4Addr::LOCALHOST),
            ..Config::default()
        }
    }

    /// The defaults, overridden by the `LIBPROCESS_*` environment variables.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env) with variables from `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        fn parse<T: std::str::FromStr>(
            lookup: &impl Fn(&str) -> Option<String>,
            name: &'static str,
        ) -> Result<Option<T>, Error> {
            lookup(name)
                .map(|value| {
                    value
                        .trim()
                        .parse()
                        .map_err(|_| Error::InvalidEnvironment { name, value })
                })
                .transpose()
        }
        let defaults = Config::default();
        let worker_threads = match parse::<usize>(&lookup, "LIBPROCESS_NUM_WORKER_THREADS")? {
            Some(threads @ 1..=1024) => threads,
            Some(threads) => {
                return Err(Error::InvalidEnvironment {
                    name: "LIBPROCESS_NUM_WORKER_THREADS",
                    value: threads.to_string(),
                });
            }
            None => defaults.worker_threads,
        };
        let flag =
            |name: &str| lookup(name).is_some_and(|value| matches!(value.trim(), "1" | "true"));
        Ok(Config {
            ip: parse(&lookup, "LIBPROCESS_IP")?,
            port: parse(&lookup, "LIBPROCESS_PORT")?.unwrap_or(0),
            advertise_ip: parse(&lookup, "LIBPROCESS_ADVERTISE_IP")?,
            advertise_port: parse(&lookup, "LIBPROCESS_ADVERTISE_PORT")?,
            worker_threads,
            require_peer_address_ip_match: flag("LIBPROCESS_REQUIRE_PEER_ADDRESS_IP_MATCH"),
            enable_profiler: flag("LIBPROCESS_ENABLE_PROFILER"),
            metrics_snapshot_rate_limit: match lookup(
                "LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT",
            ) {
                None => defaults.metrics_snapshot_rate_limit,
                Some(value) if value.trim().is_empty() => None,
                Some(value) => {
                    Some(
                        value
                            .trim()
                            .parse()
                            .map_err(|()| Error::InvalidEnvironment {
                                name: "LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT",
                                value,
                            })?,
                    )
                }
            },
            ..defaults
        })
    }

    /// A multi-threaded tokio runtime with [`worker_threads`](Self::worker_threads)
    /// workers, for the embedding program's `main`.
    pub fn build_tokio_runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.worker_threads)
            .thread_name("libprocess-worker")
            .enable_all()
            .build()
    }
}

/// A hook run on HTTP requests before endpoint dispatch; returning a
/// response (e.g. `403`) answers the request instead of the endpoint.
pub type RequestFilter = dyn Fn(&Request) -> Option<Response> + Send + Sync;

type VerbosityHook = dyn Fn(u32) + Send + Sync;

/// A libprocess runtime: one listener, a table of processes, and outbound
/// connections to other runtimes. Cloning gives another handle to the same
/// runtime.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("address", &self.inner.address)
            .finish()
    }
}

/// Where a sender's last message went: to a mailbox here, or onto the
/// connection to another runtime.
pub(crate) struct Recipient {
    to: Upid,
    destination: Destination,
}

enum Destination {
    Local(Arc<dyn Mailbox>),
    Remote {
        peer: Arc<Peer>,
        /// The encoded head of the last message, reused while the name
        /// repeats.
        head: Option<(Arc<str>, Vec<u8>)>,
    },
}

/// Help pages by process id, then route.
type HelpPages = BTreeMap<String, BTreeMap<String, HelpPage>>;

/// A route's `/help` page: written for it, or the note that there is none.
enum HelpPage {
    Text(String),
    Missing(String),
}

impl HelpPage {
    fn text(&self) -> &str {
        match self {
            HelpPage::Text(text) | HelpPage::Missing(text) => text,
        }
    }
}

/// Links to processes of other runtimes, by their runtime's address.
type RemoteLinks = HashMap<SocketAddrV4, HashMap<Upid, HashSet<Upid>>>;

pub(crate) struct Inner {
    address: SocketAddrV4,
    /// Where the runtime's tasks run, so handles work from any thread.
    tokio: tokio::runtime::Handle,
    config: Config,
    processes: RwLock<HashMap<Arc<str>, Arc<dyn Mailbox>>>,
    peers: Peers,
    remote_links: Mutex<RemoteLinks>,
    filter: RwLock<Option<Arc<RequestFilter>>>,
    authenticators: RwLock<HashMap<String, Arc<dyn Authenticator>>>,
    authorization_callbacks: RwLock<HashMap<String, Arc<AuthorizationCallback>>>,
    /// Help pages for `/help`: process id → route → page.
    help: Mutex<HelpPages>,
    /// The `help` process, told of each process id with pages so it can
    /// route `/help/<id>`.
    help_process: OnceLock<Pid<HelpProcess>>,
    metrics: Metrics,
    verbosity: AtomicU32,
    verbosity_hook: RwLock<Option<Arc<VerbosityHook>>>,
    shutdown: watch::Sender<bool>,
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Runtime {
    /// Binds the listener, starts serving and spawns the runtime's own
    /// processes (`metrics`, `logging`, `profiler`, `__processes__`). Must be
    /// called within a tokio runtime.
    pub async fn start(config: Config) -> Result<Runtime, Error> {
        let bind = SocketAddr::from((config.ip.unwrap_or(Ipv4Addr::UNSPECIFIED), config.port));
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|source| Error::Bind {
                address: bind,
                source,
            })?;
        let bound = match listener.local_addr()? {
            SocketAddr::V4(v4) => v4,
            SocketAddr::V6(_) => unreachable!("bound an IPv4 address"),
        };
        let ip = match config.advertise_ip {
            Some(ip) => ip,
            None if bound.ip().is_unspecified() => own_hostname_ip()?,
            None => *bound.ip(),
        };
        let address = SocketAddrV4::new(ip, config.advertise_port.unwrap_or(bound.port()));
        let runtime = Runtime {
            inner: Arc::new(Inner {
                address,
                tokio: tokio::runtime::Handle::current(),
                processes: RwLock::new(HashMap::new()),
                peers: Peers::default(),
                remote_links: Mutex::new(HashMap::new()),
                filter: RwLock::new(None),
                authenticators: RwLock::new(HashMap::new()),
                authorization_callbacks: RwLock::new(HashMap::new()),
                help: Mutex::new(BTreeMap::new()),
                help_process: OnceLock::new(),
                metrics: Metrics::default(),
                verbosity: AtomicU32::new(0),
                verbosity_hook: RwLock::new(None),
                shutdown: watch::Sender::new(false),
                config,
            }),
        };
        tokio::spawn(crate::server::serve(
            listener,
            runtime.clone(),
            runtime.inner.shutdown.subscribe(),
        ));
        crate::system::spawn_all(&runtime)?;
        tracing::info!(%address, listening = %bound, "libprocess runtime started");
        Ok(runtime)
    }

    /// The advertised address: the ip:port in this runtime's UPIDs.
    pub fn address(&self) -> SocketAddrV4 {
        self.inner.address
    }

    /// The configuration the runtime was started with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The UPID process `id` has (or would have) in this runtime.
    pub fn upid(&self, id: &str) -> Upid {
        Upid::new(id, self.inner.address)
    }

    /// Starts `state` as process `id` (see [`generate_id`](crate::generate_id)
    /// for `prefix(N)` ids). Its [`Process::initialize`] runs before any
    /// event it is sent.
    pub fn spawn<S: Process>(&self, id: impl Into<Arc<str>>, state: S) -> Result<Pid<S>, Error> {
        let id = id.into();
        let mut processes = write(&self.inner.processes);
        if processes.contains_key(&id) {
            return Err(Error::DuplicateId(id.to_string()));
        }
        // Inserting under the lock the process's task also needs keeps any
        // event from racing ahead of the table entry.
        let pid = process::start(
            self.clone(),
            Upid::new(id.clone(), self.inner.address),
            state,
        );
        processes.insert(id, process::mailbox(&pid));
        Ok(pid)
    }

    /// Sends message `name` from `from` to `to`: straight into the mailbox
    /// when `to` lives in this runtime, otherwise over the connection to its
    /// runtime. Never waits; messages to an unknown process are dropped.
    pub fn send(&self, from: &Upid, to: &Upid, name: impl Into<Arc<str>>, body: Bytes) {
        self.send_via(&mut None, from, to, name.into(), body);
    }

    /// Like [`send`](Self::send), trying `recipient` first: where this
    /// sender's last message went, if it went to `to` too. A run of messages
    /// to one receiver then skips the process and connection tables.
    pub(crate) fn send_via(
        &self,
        recipient: &mut Option<Recipient>,
        from: &Upid,
        to: &Upid,
        name: Arc<str>,
        body: Bytes,
    ) {
        let (name, body) = match recipient.as_mut().filter(|last| last.to == *to) {
            Some(last) => match self.send_to(last, from, name, body) {
                Ok(()) => return,
                // The receiver or the connection has gone since; look again.
                Err(unsent) => unsent,
            },
            None => (name, body),
        };
        let destination = if to.address() == self.inner.address {
            match self.lookup(to.id()) {
                Some(mailbox) => Destination::Local(mailbox),
                None => {
                    tracing::debug!(%name, %to, "dropping message to a process that is not running");
                    *recipient = None;
                    return;
                }
            }
        } else {
            Destination::Remote {
                peer: self.inner.peers.peer(&self.inner, to.address()),
                head: None,
            }
        };
        let fresh = recipient.insert(Recipient {
            to: to.clone(),
            destination,
        });
        if let Err((name, _)) = self.send_to(fresh, from, name, body) {
            tracing::debug!(%name, %to, "dropping message to a process that has just gone");
        }
    }

    /// Sends to `recipient`; gives name and body back if it is gone.
    fn send_to(
        &self,
        recipient: &mut Recipient,
        from: &Upid,
        name: Arc<str>,
        body: Bytes,
    ) -> Result<(), (Arc<str>, Bytes)> {
        match &mut recipient.destination {
            Destination::Local(mailbox) => {
                let message = Message {
                    from: from.clone(),
                    name,
                    body,
                };
                match mailbox.deliver(Delivery::Message(message)) {
                    Ok(()) => Ok(()),
                    Err(Delivery::Message(message)) => Err((message.name, message.body)),
                    Err(_) => unreachable!("delivered a message"),
                }
            }
            Destination::Remote { peer, head } => {
                let head = match head {
                    Some((last_name, head)) if *last_name == name => head,
                    _ => {
                        let encoded = message_head(from, &recipient.to, &name);
                        &head.insert((name.clone(), encoded)).1
                    }
                };
                if self.inner.peers.send_on(&self.inner, peer, head, &body) {
                    Ok(())
                } else {
                    Err((name, body))
                }
            }
        }
    }

    /// Links `linker` (a process of this runtime) to `to`: `linker` gets
    /// `exited(to)` when `to` terminates (local) or the connection to `to`'s
    /// runtime breaks or cannot be made (remote).
    pub fn link(&self, linker: &Upid, to: &Upid) {
        if to.address() == self.inner.address {
            let linked = self
                .lookup(to.id())
                .is_some_and(|mailbox| mailbox.add_linker(linker.clone()));
            if !linked {
                self.deliver_exited(linker, to);
            }
        } else {
            lock(&self.inner.remote_links)
                .entry(to.address())
                .or_default()
                .entry(to.clone())
                .or_default()
                .insert(linker.clone());
            self.inner.peers.connect(&self.inner, to.address());
        }
    }

    /// Asks process `pid` to terminate.
    pub fn terminate(&self, pid: &Upid) {
        if let Some(mailbox) = self
            .lookup(pid.id())
            .filter(|_| pid.address() == self.inner.address)
        {
            mailbox.terminate();
        }
    }

    /// Resolves once process `pid` has terminated (at once if it is not running).
    pub async fn wait(&self, pid: &Upid) {
        let mailbox = self
            .lookup(pid.id())
            .filter(|_| pid.address() == self.inner.address);
        if let Some(mailbox) = mailbox {
            process::wait_for(mailbox.terminated()).await;
        }
    }

    /// True while process `id` is running here.
    pub fn is_running(&self, id: &str) -> bool {
        self.lookup(id).is_some()
    }

    /// The metrics registry served at `/metrics/snapshot`.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Installs the filter run on every HTTP request (not on messages)
    /// before endpoint dispatch — the hook for firewall rules and the like.
    pub fn set_request_filter(
        &self,
        filter: impl Fn(&Request) -> Option<Response> + Send + Sync + 'static,
    ) {
        *write(&self.inner.filter) = Some(Arc::new(filter));
    }

    /// Authenticates requests to endpoints in `realm` with `authenticator`
    /// (replacing any earlier one); see [`crate::auth`].
    pub fn set_authenticator(&self, realm: &str, authenticator: impl Authenticator) {
        write(&self.inner.authenticators).insert(realm.to_owned(), Arc::new(authenticator));
    }

    /// Stops authenticating requests to endpoints in `realm`.
    pub fn unset_authenticator(&self, realm: &str) {
        write(&self.inner.authenticators).remove(realm);
    }

    /// Runs `callback` on every request to endpoint `path` (process id and
    /// route, e.g. `/metrics/snapshot`) after authentication; a `false`
    /// answers `403 Forbidden`. See [`crate::auth`].
    pub fn set_authorization_callback(
        &self,
        path: &str,
        callback: impl Fn(&Request, Option<&Principal>) -> Pin<Box<dyn Future<Output = bool> + Send>>
        + Send
        + Sync
        + 'static,
    ) {
        write(&self.inner.authorization_callbacks).insert(path.to_owned(), Arc::new(callback));
    }

    /// Removes the authorization callback of endpoint `path`.
    pub fn unset_authorization_callback(&self, path: &str) {
        write(&self.inner.authorization_callbacks).remove(path);
    }

    /// The current logging verbosity, as set by `/logging/toggle`.
    pub fn verbosity(&self) -> u32 {
        self.inner.verbosity.load(Ordering::Relaxed)
    }

    /// Sets the logging verbosity and runs the verbosity hook.
    pub fn set_verbosity(&self, level: u32) {
        self.inner.verbosity.store(level, Ordering::Relaxed);
        let hook = read(&self.inner.verbosity_hook).clone();
        if let Some(hook) = hook {
            hook(level);
        }
    }

    /// Installs a hook told of every verbosity change, for the embedding
    /// program to adjust its tracing filter.
    pub fn on_verbosity_change(&self, hook: impl Fn(u32) + Send + Sync + 'static) {
        *write(&self.inner.verbosity_hook) = Some(Arc::new(hook));
    }

    /// Stops accepting connections, closes outbound ones and terminates
    /// every process, waiting for them to finish.
    pub async fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        self.inner.peers.close_all();
        let mailboxes: Vec<_> = read(&self.inner.processes).values().cloned().collect();
        for mailbox in &mailboxes {
            mailbox.terminate();
        }
        for mailbox in mailboxes {
            process::wait_for(mailbox.terminated()).await;
        }
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    pub(crate) fn request_filter(&self) -> Option<Arc<RequestFilter>> {
        read(&self.inner.filter).clone()
    }

    /// Authenticates `request` in `realm`; `None` when the realm has no
    /// authenticator.
    pub(crate) fn authenticate(&self, realm: &str, request: &Request) -> Option<Authentication> {
        let authenticator = read(&self.inner.authenticators).get(realm).cloned();
        authenticator.map(|authenticator| authenticator.authenticate(request))
    }

    pub(crate) fn authorization_callback(&self, path: &str) -> Option<Arc<AuthorizationCallback>> {
        read(&self.inner.authorization_callbacks).get(path).cloned()
    }

    pub(crate) fn lookup(&self, id: &str) -> Option<Arc<dyn Mailbox>> {
        read(&self.inner.processes).get(id).cloned()
    }

    pub(crate) fn deliver(&self, id: &str, delivery: Delivery) -> Result<(), Delivery> {
        match read(&self.inner.processes).get(id) {
            Some(mailbox) => mailbox.deliver(delivery),
            None => Err(delivery),
        }
    }

    pub(crate) fn deliver_exited(&self, linker: &Upid, exited: &Upid) {
        if linker.address() == self.inner.address {
            let _ = self.deliver(linker.id(), Delivery::Exited(exited.clone()));
        }
    }

    pub(crate) fn remove_process(&self, pid: &Upid) {
        write(&self.inner.processes).remove(pid.id());
        lock(&self.inner.help).remove(pid.id());
    }

    /// Records the `/help` page of route `name` (as installed, e.g.
    /// `/state`) of process `id`: `text` under a usage header, or a
    /// no-help note. A route's page, once given text, keeps it when the
    /// route is installed again.
    pub(crate) fn add_help(&self, id: &str, name: &str, text: Option<&str>) {
        // As in libprocess, the help process documents neither itself nor
        // `__processes__`.
        if id == "help" || id == "__processes__" {
            return;
        }
        let route = name.trim_end_matches('/');
        let path = format!("/{id}{route}");
        let mut help = lock(&self.inner.help);
        if !help.contains_key(id)
            && let Some(help_process) = self.inner.help_process.get()
        {
            let id = id.to_owned();
            help_process.dispatch(move |_, ctx| HelpProcess::serve_pages_of(ctx, &id));
        }
        let pages = help.entry(id.to_owned()).or_default();
        match text {
            Some(text) => {
                let mut page = String::from("### USAGE ###\n");
                // The delegate's routes answer at the bare path too.
                if self.inner.config.delegate.as_deref() == Some(id) {
                    page.push_str(&format!(">        {route}\n"));
                }
                page.push_str(&format!(">        {path}\n\n{text}"));
                pages.insert(name.to_owned(), HelpPage::Text(page));
            }
            None => {
                pages.entry(name.to_owned()).or_insert_with(|| {
                    HelpPage::Missing(format!("## No help page for `{path}`\n"))
                });
            }
        }
    }

    pub(crate) fn set_help_process(&self, help_process: Pid<HelpProcess>) {
        let _ = self.inner.help_process.set(help_process);
    }

    /// Every process's help pages, by process id and route.
    pub(crate) fn help_pages(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        lock(&self.inner.help)
            .iter()
            .map(|(id, pages)| {
                let pages = pages
                    .iter()
                    .map(|(name, page)| (name.clone(), page.text().to_owned()))
                    .collect();
                (id.clone(), pages)
            })
            .collect()
    }

    pub(crate) fn describe_processes(&self) -> String {
        let mailboxes: Vec<_> = read(&self.inner.processes).values().cloned().collect();
        let mut out = String::from("[");
        for (index, mailbox) in mailboxes.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            mailbox.describe(&mut out);
        }
        out.push(']');
        out
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The address this machine's host name resolves to, which libprocess
/// advertises when it listens on all addresses.
fn own_hostname_ip() -> Result<Ipv4Addr, Error> {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")?;
    let hostname = hostname.trim();
    (hostname, 0)
        .to_socket_addrs()?
        .find_map(|address| match address {
            SocketAddr::V4(v4) => Some(*v4.ip()),
            SocketAddr::V6(_) => None,
        })
        .ok_or_else(|| Error::InvalidEnvironment {
            name: "LIBPROCESS_IP",
            value: format!("unset, and host name '{hostname}' does not resolve to IPv4"),
        })
}

impl Inner {
    pub(crate) fn tokio(&self) -> &tokio::runtime::Handle {
        &self.tokio
    }

    pub(crate) fn peers(&self) -> &Peers {
        &self.peers
    }

    pub(crate) fn peer_limits(&self) -> PeerLimits {
        PeerLimits {
            connect_timeout: self.config.connect_timeout,
            max_backlog_bytes: self.config.max_peer_backlog_bytes,
        }
    }

    /// The connection to `address` is gone: every link to a process there
    /// becomes an `exited`.
    pub(crate) fn peer_lost(self: &Arc<Self>, address: SocketAddrV4) {
        let Some(links) = lock(&self.remote_links).remove(&address) else {
            return;
        };
        let runtime = Runtime {
            inner: self.clone(),
        };
        for (target, linkers) in links {
            for linker in linkers {
                runtime.deliver_exited(&linker, &target);
            }
        }
    }
}
