//! The Mesos master, assembled from its startup stages.
//!
//! [`MasterBuilder::start`] runs the stages in the order of Mesos's
//! `src/master/main.cpp` — libprocess, version, firewall, modules, hooks,
//! allocator, registry storage, state, contender/detector, authorizer, agent
//! removal rate limiter, Master (whose `authentication` part reads
//! `--credentials` and sets up the authenticators, as Mesos's
//! `Master::initialize` does) — logging each. A stage that cannot start
//! returns a [`StartupError`] naming the stage, the flag and the fix; the
//! binary prints it as one line and exits 1.
//!
//! Each stage's implementation can be replaced in code before `start`
//! ([`MasterBuilder::allocator`], [`MasterBuilder::storage`],
//! [`MasterBuilder::leader_election`], ...); otherwise the flags choose it,
//! as in Mesos.
//!
//! Without `--zk` the started master elects itself; with
//! `--zk=zk://host:port,.../path` it contends in ZooKeeper and follows the
//! leader there (see the `detector` crate), and while another master leads
//! it is a standby: it recovers nothing, drops messages and redirects its
//! endpoints to the leader. Once elected it recovers the registry and takes
//! agents: see the `master` module for the agent lifecycle.
//! `--registry=zk` keeps the registry in the same ensemble, under
//! `<path>/registry`, so that the next leader recovers what the last one
//! wrote. [`Master::recovered`] resolves once it takes messages;
//! [`Master::failed`] resolves if it stops for good (a registry that cannot
//! be written, lost leadership or ZooKeeper session), when the binary exits
//! as Mesos does so that a supervisor restarts it.

mod agents;
mod authentication;
pub mod authorization;
mod cluster;
mod driver;
mod endpoints;
mod frameworks;
mod info;
mod json;
mod master;
mod metrics;
mod observer;
mod offers;
mod operations;
mod operator;
mod read_view;
mod scheduler;
mod scheduler_http;
mod tasks;
mod validation;

use allocator::{Allocator, HierarchicalAllocator, SorterKind};
use authorizer::{Authorizer, LocalAuthorizer};
use detector::{
    MasterContender, MasterDetector, StandaloneMasterContender, StandaloneMasterDetector,
};
use flags::{MasterFlags, ZkUrl};
use hooks::HookManager;
use libprocess::{Config, Runtime};
use rate_limiter::RateLimiter;
use state::{Backend, State, Storage, ZooKeeperConfig};
use std::net::Ipv4Addr;
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::watch;

pub use info::master_info;

/// A startup stage that failed, with the flag to look at and the fix.
#[derive(Debug, Error)]
#[error("Failed to start the master at stage '{stage}': {message}")]
pub struct StartupError {
    pub stage: &'static str,
    pub message: String,
}

impl StartupError {
    fn new(stage: &'static str, message: impl std::fmt::Display) -> Self {
        Self {
            stage,
            message: message.to_string().replace('\n', " "),
        }
    }
}

/// Assembles a master; stages not given in code come from the flags.
#[derive(Debug)]
pub struct MasterBuilder {
    flags: MasterFlags,
    storage: Option<Arc<dyn Storage>>,
    contender: Option<Arc<dyn MasterContender>>,
    detector: Option<Arc<dyn MasterDetector>>,
    hooks: HookManager,
    agent_removal_limiter: Option<Arc<dyn RateLimiter>>,
    allocator: Option<Box<dyn Allocator>>,
    authorizer: Option<Arc<dyn Authorizer>>,
    authenticator: Option<Arc<dyn ::authentication::Authenticator>>,
}

impl MasterBuilder {
    pub fn new(flags: MasterFlags) -> Self {
        Self {
            flags,
            allocator: None,
            authorizer: None,
            authenticator: None,
            storage: None,
            contender: None,
            detector: None,
            hooks: HookManager::new(),
            agent_removal_limiter: None,
        }
    }

    /// The authorizer to use instead of the one `--authorizers` and
    /// `--acls` describe.
    pub fn authorizer(mut self, authorizer: Arc<dyn Authorizer>) -> Self {
        self.authorizer = Some(authorizer);
        self
    }

    /// The authenticator of agents and scheduler drivers (over libprocess)
    /// to use instead of the one `--authenticators` names.
    pub fn authenticator(
        mut self,
        authenticator: Arc<dyn ::authentication::Authenticator>,
    ) -> Self {
        self.authenticator = Some(authenticator);
        self
    }

    /// The allocator to use instead of the one `--allocator` names.
    pub fn allocator(mut self, allocator: Box<dyn Allocator>) -> Self {
        self.allocator = Some(allocator);
        self
    }

    /// Registry storage to use instead of the one `--registry` names.
    pub fn storage(mut self, storage: Arc<dyn Storage>) -> Self {
        self.storage = Some(storage);
        self
    }

    /// A contender/detector pair to use instead of the standalone one.
    pub fn leader_election(
        mut self,
        contender: Arc<dyn MasterContender>,
        detector: Arc<dyn MasterDetector>,
    ) -> Self {
        self.contender = Some(contender);
        self.detector = Some(detector);
        self
    }

    /// Hooks to call, in addition to none named by `--hooks`.
    pub fn hooks(mut self, hooks: HookManager) -> Self {
        self.hooks = hooks;
        self
    }

    /// The limiter to take agent removal permits from, instead of the one
    /// `--agent_removal_rate_limit` describes.
    pub fn agent_removal_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.agent_removal_limiter = Some(limiter);
        self
    }

    /// Runs the startup stages in Mesos's order and spawns the master.
    pub async fn start(self) -> Result<Master, StartupError> {
        let flags = self.flags;

        tracing::info!(stage = "libprocess", "initializing the runtime");
        let runtime = Runtime::start(runtime_config(&flags)?)
            .await
            .map_err(|e| StartupError::new("libprocess", format!("{e}; check --ip and --port")))?;

        tracing::info!(stage = "version", "spawning the version process");
        endpoints::spawn_version(&runtime).map_err(|e| StartupError::new("version", e))?;

        tracing::info!(stage = "firewall", "installing firewall rules");
        if let Some(rules) = &flags.firewall_rules {
            let rules = firewall::rules_from_json(&rules.to_string())
                .map_err(|e| StartupError::new("firewall", e))?;
            runtime.set_request_filter(move |request| {
                firewall::check(&rules, request.path())
                    .map(|rejection| libprocess::Response::forbidden(rejection.body))
            });
        }

        tracing::info!(stage = "modules", "loading modules");
        let mut loaded = modules::ModuleManager::new();
        if let Some(manifest) = &flags.modules {
            loaded
                .load_manifest(&manifest.to_value())
                .map_err(|e| StartupError::new("modules", format!("Flag '--modules': {e}")))?;
        }
        if let Some(dir) = &flags.modules_dir {
            loaded
                .load_dir(std::path::Path::new(dir))
                .map_err(|e| StartupError::new("modules", format!("Flag '--modules_dir': {e}")))?;
        }

        tracing::info!(stage = "anonymous modules", "creating anonymous modules");
        let anonymous_modules = loaded
            .create_anonymous()
            .map_err(|e| StartupError::new("anonymous modules", e))?;

        tracing::info!(stage = "hooks", "initializing hooks");
        let mut hooks = self.hooks;
        if let Some(names) = &flags.hooks {
            loaded
                .install_hooks(names, &mut hooks)
                .map_err(|e| StartupError::new("hooks", format!("Flag '--hooks={names}': {e}")))?;
        }

        tracing::info!(stage = "allocator", allocator = %flags.allocator, "creating the allocator");
        let allocator = match self.allocator {
            Some(allocator) => allocator,
            None if matches!(flags.allocator.as_str(), "hierarchical" | "HierarchicalDRF") => {
                hierarchical_allocator(&flags)?
            }
            None if loaded.contains(&flags.allocator, modules::Kind::Allocator) => {
                loaded.create_allocator(&flags.allocator).map_err(|e| {
                    StartupError::new(
                        "allocator",
                        format!("Flag '--allocator={}': {e}", flags.allocator),
                    )
                })?
            }
            None => {
                return Err(module_stage_unavailable(
                    &loaded,
                    "allocator",
                    "allocator",
                    &flags.allocator,
                    modules::Kind::Allocator,
                    "use 'HierarchicalDRF' (the default) or load an Allocator module",
                ));
            }
        };

        tracing::info!(stage = "registry storage", registry = %flags.registry, "opening registry storage");
        let storage = match self.storage {
            Some(storage) => storage,
            None => open_storage(&flags).await?,
        };

        tracing::info!(stage = "state", "creating the state");
        let state = State::new(storage);

        // The Registrar itself starts once this master is elected: it
        // records the elected master in the registry as it recovers.
        tracing::info!(
            stage = "registrar",
            "the registrar recovers the registry once elected"
        );

        tracing::info!(
            stage = "contender/detector",
            "creating the master contender and detector"
        );
        let standalone = Arc::new(StandaloneMasterDetector::default());
        let (contender, detector): (Arc<dyn MasterContender>, Arc<dyn MasterDetector>) =
            match (self.contender, self.detector, &flags.zk) {
                (Some(contender), Some(detector), _) => (contender, detector),
                (_, _, Some(zk)) => {
                    let (contender, detector) =
                        detector::zookeeper_pair(&zk.value, flags.zk_session_timeout.to_std())
                            .map_err(|e| StartupError::new("contender/detector", e))?;
                    (contender, detector)
                }
                _ => {
                    if let Some(name) = flags.master_contender.as_deref() {
                        return Err(module_stage_unavailable(
                            &loaded,
                            "contender/detector",
                            "master_contender",
                            name,
                            modules::Kind::MasterContender,
                            "use --zk, or neither for a standalone master",
                        ));
                    }
                    (
                        Arc::new(StandaloneMasterContender::new()),
                        standalone.clone(),
                    )
                }
            };

        tracing::info!(stage = "authorizer", "creating the authorizer");
        let authorizer = match self.authorizer {
            Some(authorizer) => Some(authorizer),
            None => authorizer_from_flags(&flags, &loaded)?,
        };

        if let Some(authorizer) = &authorizer {
            guard_libprocess_endpoints(&runtime, authorizer);
        }

        tracing::info!(
            stage = "agent removal rate limiter",
            "creating the rate limiter"
        );
        let agent_removal_limiter = match self.agent_removal_limiter {
            Some(limiter) => limiter,
            None => rate_limiter::agent_removal_limiter(flags.agent_removal_rate_limit.as_deref())
                .map_err(|e| StartupError::new("agent removal rate limiter", e))?,
        };

        tracing::info!(stage = "master", "spawning the master");
        let mut info = master_info(&runtime, &flags);
        info.domain = domain(&flags)?;
        let credentials = authentication::credentials_from_flags(&flags)?;
        let authenticator = match self.authenticator {
            Some(authenticator) => authenticator,
            None => authentication::libprocess_authenticator(
                &flags,
                &runtime,
                &info.hostname.clone().unwrap_or_default(),
                credentials.clone(),
            )?,
        };
        authentication::install_http_authenticators(&flags, &runtime, credentials.as_ref())?;
        let authentications = authentication::Authentications::new(
            authenticator,
            flags.authentication_v0_timeout.to_std(),
        );
        contender.initialize(info.clone());
        // Without ZooKeeper the master elects itself, as Mesos's main does
        // (the standalone detector is unused otherwise).
        standalone.appoint(Some(info.clone()));
        let (status, status_updates) = watch::channel(master::Status::Starting);
        let process = master::MasterProcess::new(master::Parts {
            flags,
            info: info.clone(),
            state: state.clone(),
            contender: Arc::clone(&contender),
            detector: Arc::clone(&detector),
            allocator: metrics::SharedAllocator::publish(allocator, runtime.metrics()),
            hooks: hooks.clone(),
            limiter: Arc::clone(&agent_removal_limiter),
            metrics: metrics::MasterMetrics::register(runtime.metrics(), std::time::Instant::now()),
            scheduler_metrics: frameworks::SchedulerMetrics::register(runtime.metrics()),
            status,
            authentications,
            authorizer: authorizer.clone(),
        });
        runtime
            .spawn("master", process)
            .map_err(|e| StartupError::new("master", e))?;
        tracing::info!(pid = %info.pid(), "master started");

        Ok(Master {
            runtime,
            anonymous_modules,
            info,
            state,
            contender,
            detector,
            hooks,
            agent_removal_limiter,
            authorizer,
            status: status_updates,
        })
    }
}

/// A started master: the running runtime and the stages it was built from.
#[derive(Debug)]
pub struct Master {
    pub runtime: Runtime,
    /// Kept alive for the master's lifetime, as Mesos keeps them.
    pub anonymous_modules: Vec<modules::Instance>,
    pub info: proto::mesos::MasterInfo,
    pub state: State,
    pub contender: Arc<dyn MasterContender>,
    pub detector: Arc<dyn MasterDetector>,
    pub hooks: HookManager,
    pub agent_removal_limiter: Arc<dyn RateLimiter>,
    /// `None` without `--acls`: every action is permitted, as in Mesos.
    pub authorizer: Option<Arc<dyn Authorizer>>,
    status: watch::Receiver<master::Status>,
}

/// Why a master stopped for good.
#[derive(Debug, Clone, Error)]
#[error("the master stopped: {0}")]
pub struct MasterFailure(pub Arc<str>);

impl Master {
    /// Resolves once the master is elected and has recovered the registry,
    /// so that it takes agents' messages (earlier ones are dropped).
    pub async fn recovered(&self) -> Result<(), MasterFailure> {
        let mut status = self.status.clone();
        let reached = status
            .wait_for(|s| !matches!(s, master::Status::Starting))
            .await
            .map_err(|_| MasterFailure("the master process is gone".into()))?;
        match &*reached {
            master::Status::Failed(reason) => Err(MasterFailure(Arc::clone(reason))),
            _ => Ok(()),
        }
    }

    /// Resolves if the master stops for good — a registry that cannot be
    /// read or written, lost leadership — as Mesos's master exits then.
    pub async fn failed(&self) -> MasterFailure {
        let mut status = self.status.clone();
        match status
            .wait_for(|s| matches!(s, master::Status::Failed(_)))
            .await
        {
            Ok(failed) => match &*failed {
                master::Status::Failed(reason) => MasterFailure(Arc::clone(reason)),
                _ => unreachable!("waited for a failure"),
            },
            Err(_) => MasterFailure("the master process is gone".into()),
        }
    }
}

/// `--domain` as the `DomainInfo` this master announces.
fn domain(flags: &MasterFlags) -> Result<Option<proto::mesos::DomainInfo>, StartupError> {
    flags
        .domain
        .as_ref()
        .map(|domain| {
            proto::json::from_value(&domain.to_value()).map_err(|e| {
                StartupError::new("master", format!("Flag '--domain': not a DomainInfo: {e}"))
            })
        })
        .transpose()
}

/// `--allocator=HierarchicalDRF` with the allocator flags.
fn hierarchical_allocator(flags: &MasterFlags) -> Result<Box<dyn Allocator>, StartupError> {
    let sorter = |flag: &str, value: &str| match value {
        "drf" => Ok(SorterKind::Drf),
        "random" => Ok(SorterKind::Random),
        _ => Err(StartupError::new(
            "allocator",
            format!("Flag '--{flag}={value}': expected 'drf' or 'random'"),
        )),
    };
    let min_allocatable =
        allocator::Options::parse_min_allocatable_resources(&flags.min_allocatable_resources)
            .map_err(|e| StartupError::new("allocator", e))?;
    let options = allocator::Options {
        allocation_interval: flags.allocation_interval.to_std(),
        role_sorter: sorter("role_sorter", &flags.role_sorter)?,
        framework_sorter: sorter("framework_sorter", &flags.framework_sorter)?,
        fairness_excluded_resource_names: flags
            .fair_sharing_excluded_resource_names
            .clone()
            .unwrap_or_default(),
        filter_gpu_resources: flags.filter_gpu_resources,
        min_allocatable_resources: min_allocatable,
        agent_recovery_factor: flags.allocator_agent_recovery_factor,
        ..allocator::Options::default()
    };
    Ok(Box::new(HierarchicalAllocator::new(options)))
}

/// The error for a stage whose flag names something other than the built-in
/// implementation: either no such module is loaded, or it is one whose kind
/// this master cannot drive yet.
fn module_stage_unavailable(
    loaded: &modules::ModuleManager,
    stage: &'static str,
    flag: &str,
    name: &str,
    kind: modules::Kind,
    fix: &str,
) -> StartupError {
    let problem = if loaded.contains(name, kind) {
        format!("this master cannot run {kind} modules yet")
    } else {
        format!("no built-in implementation or loaded {kind} module has this name")
    };
    StartupError::new(stage, format!("Flag '--{flag}={name}': {problem}; {fix}"))
}

/// Mesos's authorization callbacks for the libprocess endpoints it guards
/// by path (`GET_ENDPOINT_WITH_PATH`): `403` unless the principal may GET
/// the path. An authorizer's error denies.
fn guard_libprocess_endpoints(runtime: &Runtime, authorizer: &Arc<dyn Authorizer>) {
    for &path in authorization::AUTHORIZABLE_ENDPOINTS {
        let authorizer = Arc::clone(authorizer);
        runtime.set_authorization_callback(path, move |_, principal| {
            let principal = principal.and_then(|principal| principal.value.clone());
            let authorized = authorization::authorize(
                Some(Arc::clone(&authorizer)),
                principal,
                vec![authorization::Check::endpoint(path)],
            );
            Box::pin(async move {
                authorized.await.unwrap_or_else(|error| {
                    tracing::warn!(path, %error, "the authorizer failed; denying");
                    false
                })
            })
        });
    }
}

/// Mesos's rule: `--authorizers=local` with `--acls` is the local authorizer;
/// `local` without ACLs is no authorizer at all; another name is a module.
fn authorizer_from_flags(
    flags: &MasterFlags,
    loaded: &modules::ModuleManager,
) -> Result<Option<Arc<dyn Authorizer>>, StartupError> {
    if flags.authorizers != "local" {
        return Err(module_stage_unavailable(
            loaded,
            "authorizer",
            "authorizers",
            &flags.authorizers,
            modules::Kind::Authorizer,
            "use 'local' (the default) with --acls",
        ));
    }
    let Some(acls) = &flags.acls else {
        return Ok(None);
    };
    let local = LocalAuthorizer::from_json(&acls.to_value())
        .map_err(|e| StartupError::new("authorizer", e))?;
    Ok(Some(Arc::new(local)))
}

fn runtime_config(flags: &MasterFlags) -> Result<Config, StartupError> {
    let ip =
        |flag: &'static str, value: &Option<String>| -> Result<Option<Ipv4Addr>, StartupError> {
            value
                .as_deref()
                .map(|text| {
                    text.parse().map_err(|_| {
                        StartupError::new(
                            "libprocess",
                            format!(
                                "Flag '--{flag}={text}': expected an IPv4 address such as 10.0.0.1"
                            ),
                        )
                    })
                })
                .transpose()
        };
    let advertise_port = flags
        .advertise_port
        .as_deref()
        .map(|text| {
            text.parse::<u16>().map_err(|_| {
                StartupError::new(
                    "libprocess",
                    format!("Flag '--advertise_port={text}': expected a port number (0-65535)"),
                )
            })
        })
        .transpose()?;
    let from_env = Config::from_env().map_err(|e| StartupError::new("libprocess", e))?;
    Ok(Config {
        ip: ip("ip", &flags.ip)?,
        port: flags.port,
        advertise_ip: ip("advertise_ip", &flags.advertise_ip)?,
        advertise_port,
        delegate: Some("master".to_owned()),
        // Inert until `--authenticate_http_*` gives the realm an authenticator.
        readonly_realm: Some(::authentication::READONLY_REALM.to_owned()),
        readwrite_realm: Some(::authentication::READWRITE_REALM.to_owned()),
        ..from_env
    })
}

async fn open_storage(flags: &MasterFlags) -> Result<Arc<dyn Storage>, StartupError> {
    let work_dir = flags.work_dir.as_deref().map(std::path::Path::new);
    let backend = Backend::from_flags(&flags.registry, work_dir, zookeeper_registry(flags)?)
        .map_err(|e| {
            StartupError::new(
                "registry storage",
                format!("Flag '--registry={}': {e}", flags.registry),
            )
        })?;
    let fix = match &backend {
        Backend::InMemory => "",
        Backend::Embedded { .. } => {
            tracing::info!(
                "--registry={}: keeping the registry in the embedded durable store under --work_dir",
                flags.registry
            );
            if flags.zk.is_some() {
                tracing::warn!(
                    "each master keeps its own registry under its --work_dir; \
                     use --registry=zk for masters that share one through ZooKeeper"
                );
            }
            "; check --work_dir"
        }
        Backend::ZooKeeper(config) => {
            tracing::info!(znode = %config.root, "keeping the registry in ZooKeeper");
            "; check --zk"
        }
    };
    backend
        .open()
        .await
        .map_err(|e| StartupError::new("registry storage", format!("{e}{fix}")))
}

/// With `--zk`, where `--registry=zk` keeps the registry: the `registry`
/// znode under the `--zk` path, in the same ensemble and with the same
/// credentials as the election.
fn zookeeper_registry(flags: &MasterFlags) -> Result<Option<ZooKeeperConfig>, StartupError> {
    let Some(zk) = &flags.zk else {
        return Ok(None);
    };
    let url: ZkUrl = zk
        .value
        .parse()
        .map_err(|e| StartupError::new("registry storage", format!("Flag '--zk': {e}")))?;
    Ok(Some(ZooKeeperConfig {
        servers: url.servers().to_owned(),
        root: format!("{}/registry", url.path().trim_end_matches('/')),
        digest: url.credentials().map(str::to_owned),
        session_timeout: flags.zk_session_timeout.to_std(),
    }))
}
