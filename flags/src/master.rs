//! [`MasterFlags`]: every flag of the Mesos 1.11 master, declared once.
//!
//! Each declaration below yields a public field of [`MasterFlags`] and an entry
//! of the flag table that drives loading, `/flags` rendering and `--help`.
//! The doc comment of a declaration is the flag's `--help` text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Deserialize;

use crate::value::{Fetch, FlagValue, JsonObject, SecurePathOrValue};
use crate::{Bytes, Duration};

/// One entry of the flag table.
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    /// The deprecated name that still loads, with a warning.
    pub(crate) alias: Option<&'static str>,
    pub(crate) help: &'static str,
    /// The default in its rendered form; `None` for optional flags.
    pub(crate) default: Option<&'static str>,
    pub(crate) boolean: bool,
    pub(crate) fetch: Fetch,
    /// Parses text into the value layered by figment, or gives the reason it is invalid.
    pub(crate) parse: fn(&str, Option<&str>) -> Result<figment::value::Value, String>,
    /// Renders the flag's current value as `/flags` does.
    pub(crate) render: fn(&MasterFlags) -> Option<String>,
}

fn layer_value<T: FlagValue>(value: T) -> Result<figment::value::Value, String> {
    figment::value::Value::serialize(value).map_err(|error| error.to_string())
}

macro_rules! master_flags {
    ($(
        $(#[doc = $help:literal])+
        $name:ident $(| $alias:ident)? : $ty:ty $(= $default:literal)?;
    )+) => {
        /// The master's configuration: one public field per Mesos master flag,
        /// named as the flag, holding the default unless the flag was given.
        ///
        /// Build it with [`MasterFlags::load_from`] (or [`MasterFlags::load`] in the
        /// binary); render it for `/flags` with [`MasterFlags::to_mesos_map`].
        #[derive(Debug, Clone, PartialEq, Deserialize)]
        pub struct MasterFlags {
            $( $(#[doc = $help])+ pub $name: $ty, )+
            /// Flags that were loaded through their deprecated name; `/flags` shows that name.
            #[serde(skip)]
            pub(crate) loaded_aliases: BTreeSet<&'static str>,
        }

        pub(crate) const SPECS: &[Spec] = &[$(
            Spec {
                name: stringify!($name),
                alias: master_flags!(@option $(stringify!($alias))?),
                help: concat!($($help, "\n"),+),
                default: master_flags!(@option $($default)?),
                boolean: <$ty as FlagValue>::BOOLEAN,
                fetch: <$ty as FlagValue>::FETCH,
                parse: |text, file| layer_value(<$ty as FlagValue>::parse_flag(text, file)?),
                render: |flags| FlagValue::render(&flags.$name),
            },
        )+];
    };
    (@option) => { None };
    (@option $value:expr) => { Some($value) };
}

master_flags! {
    /// Print the version and exit.
    version: bool = "false";
    /// Print this list of flags and exit.
    help: bool = "false";

    // Network identity.

    /// IP address to listen on. Not together with --ip_discovery_command.
    ip: Option<String>;
    /// Shell command that prints the IP address to listen on. Not together with --ip.
    ip_discovery_command: Option<String>;
    /// Port to listen on.
    port: u16 = "5050";
    /// IP address to advertise instead of the bound one (e.g. behind NAT).
    /// Nothing is bound to it.
    advertise_ip: Option<String>;
    /// Port to advertise together with --advertise_ip. Nothing is bound to it.
    advertise_port: Option<String>;
    /// Hostname to advertise to agents, frameworks and ZooKeeper.
    /// Unset: looked up from the advertised IP (see --hostname_lookup).
    hostname: Option<String>;
    /// Look the hostname up by reverse DNS when --hostname is unset;
    /// with --no-hostname_lookup the IP address is used instead.
    hostname_lookup: bool = "true";

    // Leader election.

    /// ZooKeeper URL for leader election: zk://host1:port1,host2:port2/path,
    /// optionally with user:password@ before the hosts, or file:///path to a
    /// file holding such a URL (then /flags shows only the path).
    /// Unset: the master runs standalone and elects itself.
    zk: Option<SecurePathOrValue>;
    /// Session timeout of the ZooKeeper connection.
    zk_session_timeout: Duration = "10secs";
    /// Name of a master contender module. Needs --master_detector; not together with --zk.
    master_contender: Option<String>;
    /// Name of a master detector module. Needs --master_contender; not together with --zk.
    master_detector: Option<String>;

    // Registry.

    /// Where the registry is kept: replicated_log (durable, under --work_dir),
    /// in_memory (for tests), or zk (under the --zk path, shared by HA masters).
    registry: String = "replicated_log";
    /// Directory for the master's persistent state (the replicated log).
    /// Required with --registry=replicated_log. Avoid directories that are
    /// cleaned automatically, such as /tmp.
    work_dir: Option<String>;
    /// Number of registry replicas that form a majority: more than half the
    /// masters. Required with --zk and --registry=replicated_log.
    quorum: Option<i32>;
    /// Create an empty replicated log automatically on first start; when false
    /// the log has to be initialized by hand.
    log_auto_initialize: bool = "true";
    /// A Mesos feature that is disabled; only false is accepted.
    registry_strict: bool = "false";
    /// How long reading the registry may take before it counts as failed.
    registry_fetch_timeout: Duration = "1mins";
    /// How long writing the registry may take before it counts as failed.
    registry_store_timeout: Duration = "20secs";
    /// How often the registry forgets old unreachable and gone agents.
    registry_gc_interval: Duration = "15mins";
    /// How long the registry remembers unreachable and gone agents.
    registry_max_agent_age: Duration = "2weeks";
    /// The most unreachable and gone agents the registry remembers.
    registry_max_agent_count: usize = "102400";

    // Agents.

    /// How long an agent has to answer a health-check ping: from 1secs to 15mins.
    /// Keep agent_ping_timeout x max_agent_ping_timeouts above --zk_session_timeout.
    agent_ping_timeout | slave_ping_timeout: Duration = "15secs";
    /// Missed pings in a row after which an agent is marked unreachable; at least 1.
    max_agent_ping_timeouts | max_slave_ping_timeouts: usize = "5";
    /// How long agents get to reregister after a failover or disconnection
    /// before they are marked unreachable; at least 10mins.
    agent_reregister_timeout | slave_reregister_timeout: Duration = "10mins";
    /// After a failover, the largest share of known agents (0%-100%) that may be
    /// removed for not reregistering in time; above it the master exits instead.
    recovery_agent_removal_limit | recovery_slave_removal_limit: String = "100%";
    /// How fast agents that fail health checks may be removed, as
    /// COUNT/DURATION, e.g. 1/20mins. Unset: as soon as they fail.
    agent_removal_rate_limit | slave_removal_rate_limit: Option<String>;
    /// File with the hostnames of the only agents whose resources are offered,
    /// one per line, re-read periodically (/path or file:///path). Unset: all agents.
    whitelist: Option<PathBuf>;
    /// Only let agents that have a fault domain register.
    require_agent_domain: bool = "false";
    /// Fault domain of this master, as inline JSON or a file:// path, e.g.
    /// {"fault_domain": {"region": {"name": "r1"}, "zone": {"name": "z1"}}}.
    domain: Option<JsonObject>;

    // Allocation.

    /// Allocator: hierarchical, or the name of an allocator module.
    allocator: String = "hierarchical";
    /// How resources are shared between roles: drf or random.
    role_sorter | user_sorter: String = "drf";
    /// How a role's resources are shared between its frameworks: drf or random.
    /// Must match --role_sorter.
    framework_sorter: String = "drf";
    /// Time between two batch allocations.
    allocation_interval: Duration = "1secs";
    /// After a failover, the fraction of known agents that must reregister
    /// before offers are made again.
    allocator_agent_recovery_factor: f64 = "0.8";
    /// After a failover, the longest wait for agents before offers are made anyway.
    allocator_recovery_timeout: Duration = "10mins";
    /// Comma-separated resource names (e.g. gpus) left out of fair sharing.
    fair_sharing_excluded_resource_names: Option<BTreeSet<String>>;
    /// Offer agents that have GPUs only to frameworks with the GPU_RESOURCES capability.
    filter_gpu_resources: bool = "true";
    /// Smallest resources worth offering: quantities joined by ';' must all be
    /// met, alternatives are separated by '|', e.g. cpus:1;mem:32|disk:1.
    min_allocatable_resources: String = "cpus:0.01|mem:32";
    /// Rescind offers that a framework holds longer than this. Unset: never.
    offer_timeout: Option<Duration>;
    /// Deprecated: comma-separated list of the only roles frameworks may use.
    /// Unset: any role.
    roles: Option<String>;
    /// Deprecated: initial role weights as role=weight,role=weight; use the
    /// /weights endpoint instead.
    weights: Option<String>;
    /// Memory limit of each regular expression in a framework's offer constraints.
    offer_constraints_re2_max_mem: Bytes = "4KB";
    /// Program size limit of each regular expression in a framework's offer constraints.
    offer_constraints_re2_max_program_size: i32 = "100";

    // Authentication and authorization.

    /// Only let authenticated frameworks register through the driver (libprocess)
    /// API. HTTP frameworks: see --authenticate_http_frameworks.
    authenticate_frameworks | authenticate: bool = "false";
    /// Only let authenticated agents register.
    authenticate_agents | authenticate_slaves: bool = "false";
    /// Require authentication on the read-only HTTP endpoints that support it.
    authenticate_http_readonly: bool = "false";
    /// Require authentication on the read-write HTTP endpoints that support it.
    authenticate_http_readwrite | authenticate_http: bool = "false";
    /// Require HTTP frameworks to authenticate. Needs --http_framework_authenticators.
    authenticate_http_frameworks: bool = "false";
    /// How long authenticating a framework or agent over libprocess may take.
    authentication_v0_timeout: Duration = "15secs";
    /// Authenticator for frameworks and agents over libprocess: crammd5, or
    /// the name of an authenticator module. One name only.
    authenticators: String = "crammd5";
    /// Authenticator for HTTP endpoints: basic, or the name of a module.
    http_authenticators: String = "basic";
    /// Authenticator for HTTP frameworks: basic, or the name of a module.
    http_framework_authenticators: Option<String>;
    /// JSON file with the principals and secrets that authenticators accept
    /// (/path or file:///path), e.g.
    /// {"credentials": [{"principal": "p", "secret": "s"}]}.
    credentials: Option<PathBuf>;
    /// Authorizer: local (driven by --acls), or the name of an authorizer
    /// module. One name only.
    authorizers: String = "local";
    /// Access control lists of the local authorizer, as inline JSON or a
    /// file:// path (see the ACLs message). Ignored by other authorizers.
    acls: Option<JsonObject>;
    /// Per-principal limits on framework message rates, as inline JSON or a
    /// file:// path (see the RateLimits message).
    rate_limits: Option<JsonObject>;
    /// Endpoint firewall rules as inline JSON or a file:// path, e.g.
    /// {"disabled_endpoints": {"paths": ["/files/browse"]}}.
    firewall_rules: Option<JsonObject>;
    /// Allow frameworks to run tasks as root.
    root_submissions: bool = "true";

    // Modules.

    /// Module libraries to load, as inline JSON or a file:// path (see the
    /// Modules message). Not together with --modules_dir.
    modules: Option<JsonObject>;
    /// Directory of module manifests, loaded in alphabetical order. Not
    /// together with --modules.
    modules_dir: Option<String>;
    /// Comma-separated names of hook modules to install.
    hooks: Option<String>;

    // State kept for the HTTP API.

    /// The most simultaneous subscribers of the operator event stream; the
    /// oldest are disconnected beyond it.
    max_operator_event_stream_subscribers: usize = "1000";
    /// Completed frameworks kept in memory for the state endpoints.
    max_completed_frameworks: usize = "50";
    /// Completed tasks kept in memory per framework.
    max_completed_tasks_per_framework: usize = "1000";
    /// Unreachable tasks kept in memory per framework.
    max_unreachable_tasks_per_framework: usize = "1000";
    /// Publish detailed metrics for each active framework.
    publish_per_framework_metrics: bool = "true";
    /// Expose the memory profiling endpoints when jemalloc is loaded.
    memory_profiling: bool = "false";
    /// Directory of the web UI's files.
    webui_dir: String = "/usr/share/mesos/webui";
    /// Cluster name shown in the web UI.
    cluster: Option<String>;

    // Logging.

    /// Do not log to stderr.
    quiet: bool = "false";
    /// Lowest level logged: INFO, WARNING or ERROR. With --quiet it only
    /// applies to the files in --log_dir.
    logging_level: String = "INFO";
    /// Directory for log files, also served at /master/log. Unset: no log files.
    log_dir: Option<String>;
    /// Seconds log lines may stay buffered before being written.
    logbufsecs: i32 = "0";
    /// Also set up logging for the scheduler and executor drivers.
    initialize_driver_logging: bool = "true";
    /// Log file written by something else (e.g. journald) to serve at
    /// /master/log, in preference to --log_dir.
    external_log_file: Option<String>;
}

impl MasterFlags {
    /// The name a flag was loaded under: its deprecated alias if that was
    /// used, else its name. Mesos keys `/flags` by this name.
    fn effective_name(&self, spec: &Spec) -> &'static str {
        match spec.alias {
            Some(alias) if self.loaded_aliases.contains(spec.name) => alias,
            _ => spec.name,
        }
    }

    /// Every flag that has a value, as Mesos renders `/flags` and the
    /// `GET_FLAGS` call: keyed by the name the flag was loaded under, sorted,
    /// with defaults included and unset optional flags left out.
    ///
    /// Durations print as Mesos prints them (`1mins`, `2weeks`), booleans as
    /// `true`/`false`, bytes as `4KB`, doubles with six significant digits.
    pub fn to_mesos_map(&self) -> BTreeMap<String, String> {
        SPECS
            .iter()
            .filter_map(|spec| {
                (spec.render)(self).map(|value| (self.effective_name(spec).to_owned(), value))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::SPECS;
    use crate::MasterFlags;

    #[test]
    fn names_and_aliases_are_unique_and_lower_case() {
        let mut seen = BTreeSet::new();
        for name in SPECS
            .iter()
            .flat_map(|spec| [Some(spec.name), spec.alias])
            .flatten()
        {
            assert!(seen.insert(name), "{name} declared twice");
            assert_eq!(name, name.to_lowercase());
            assert!(!name.starts_with("no-"), "{name} collides with negation");
        }
    }

    #[test]
    fn defaults_are_written_as_mesos_renders_them() {
        // `--help` skips the checks that the default registry would fail.
        let flags = MasterFlags::load_from(["--help"], [("", "")]).expect("defaults load");
        for spec in SPECS.iter().filter(|spec| spec.name != "help") {
            // Flags without a default are exactly the optional ones.
            assert_eq!(
                (spec.render)(&flags.flags),
                spec.default.map(str::to_owned),
                "{}",
                spec.name
            );
        }
    }
}
