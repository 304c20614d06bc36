//! What a fleet is made of, and the `mesos-sim` command line.
//!
//! Flags are written as Mesos writes them, `--name=value` (a boolean also as
//! `--name` or `--no-name`); `-` and `_` in names are interchangeable, so
//! `--task-duration` and `--task_duration` are the same flag.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use detector::{MasterDetector, ZooKeeperMasterDetector};
use libprocess::Upid;
use proto::mesos::{Attribute, slave_info, value};
use resources::{Resources, Value};

use crate::SimError;
use crate::agent::AGENT_CAPABILITIES;
use crate::fleet::standalone_detector;
use crate::runner::{CommandTasks, SimulatedTasks, TaskRunner};

/// Resources an agent falls back to when `--resources` leaves one of the
/// four standard ones out (Mesos's `DEFAULT_CPUS`, `DEFAULT_MEM`,
/// `DEFAULT_DISK` and `DEFAULT_PORTS`).
const DEFAULT_RESOURCES: [(&str, &str); 4] = [
    ("cpus", "cpus:1"),
    ("mem", "mem:1024"),
    ("disk", "disk:10240"),
    ("ports", "ports:[31000-32000]"),
];

/// The agent's `--zk_session_timeout` default.
pub const DEFAULT_ZK_SESSION_TIMEOUT: Duration = Duration::from_secs(10);

/// Mesos's `--registration_backoff_factor` default.
pub const DEFAULT_REGISTRATION_BACKOFF_FACTOR: Duration = Duration::from_secs(1);

/// What every simulated agent of a fleet is given.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// How many agents, `slave(1)` to `slave(N)`.
    pub agents: usize,
    /// Each agent's total resources, unreserved unless the text says so.
    pub resources: Resources,
    /// `SlaveInfo.attributes`.
    pub attributes: Vec<Attribute>,
    /// `SlaveInfo.hostname`.
    pub hostname: String,
    /// Where agent ids, tasks and unacknowledged status updates are
    /// checkpointed, so that a restarted fleet reregisters as the same
    /// agents; also the root of `--exec` sandboxes. None: nothing persists.
    pub work_dir: Option<PathBuf>,
    /// Seeds registration backoff and every UUID.
    pub seed: u64,
    /// The agent's `--registration_backoff_factor`.
    pub registration_backoff_factor: Duration,
    /// Runs the tasks the master launches.
    pub runner: Arc<dyn TaskRunner>,
    /// What the agents advertise; a 1.11 agent's set by default. Without
    /// RESOURCE_PROVIDER the master sends `CheckpointResourcesMessage`
    /// instead of `ApplyOperationMessage`, as to an older agent.
    pub capabilities: Vec<slave_info::capability::Type>,
}

impl FleetConfig {
    /// `agents` agents with Mesos's fallback resources, hostname
    /// `localhost`, no checkpointing, and tasks that run until killed.
    pub fn new(agents: usize) -> FleetConfig {
        FleetConfig {
            agents,
            resources: agent_resources("").expect("the fallback resources parse"),
            attributes: Vec::new(),
            hostname: "localhost".to_owned(),
            work_dir: None,
            seed: 0,
            registration_backoff_factor: DEFAULT_REGISTRATION_BACKOFF_FACTOR,
            runner: Arc::new(SimulatedTasks::new(None)),
            capabilities: AGENT_CAPABILITIES.to_vec(),
        }
    }
}

/// Where the master is: `--master=host:port` or `--master=zk://...`.
#[derive(Debug, Clone)]
pub enum MasterAddress {
    /// A fixed master, `master@host:port`.
    Pid(Upid),
    /// The leader elected in ZooKeeper under this URL.
    ZooKeeper(flags::ZkUrl),
}

impl MasterAddress {
    /// Reads `--master` as the Mesos agent does: a `zk://` URL, a
    /// `[master@]host:port`, or `file:///path` holding either.
    pub fn parse(text: &str) -> Result<MasterAddress, SimError> {
        let text = text.trim();
        if let Some(path) = text.strip_prefix("file://") {
            let contents = std::fs::read_to_string(path)
                .map_err(|error| SimError::flag("master", format!("reading '{path}': {error}")))?;
            return MasterAddress::parse(&contents);
        }
        if text.starts_with("zk://") {
            return text
                .parse()
                .map(MasterAddress::ZooKeeper)
                .map_err(|error| SimError::flag("master", format!("{error}")));
        }
        let pid = if text.contains('@') {
            text.to_owned()
        } else {
            format!("master@{text}")
        };
        let upid: Upid = pid
            .parse()
            .map_err(|error| SimError::flag("master", format!("'{text}': {error}")))?;
        if !upid.is_valid() {
            return Err(SimError::flag(
                "master",
                format!("'{text}' is not host:port"),
            ));
        }
        Ok(MasterAddress::Pid(upid))
    }

    /// The detector the agents follow: a standalone one naming the fixed
    /// master, or one reading the leader's znode in ZooKeeper.
    pub fn detector(
        &self,
        zk_session_timeout: Duration,
    ) -> Result<Arc<dyn MasterDetector>, SimError> {
        Ok(match self {
            MasterAddress::Pid(pid) => standalone_detector(pid),
            MasterAddress::ZooKeeper(url) => {
                Arc::new(ZooKeeperMasterDetector::new(url, zk_session_timeout)?)
            }
        })
    }
}

/// Everything the `mesos-sim` command line sets.
#[derive(Debug, Clone)]
pub struct Options {
    pub master: MasterAddress,
    pub fleet: FleetConfig,
    /// The ip to listen on (`LIBPROCESS_IP` otherwise).
    pub ip: Option<Ipv4Addr>,
    /// The port to listen on; every agent's UPID and `SlaveInfo.port` carry it.
    pub port: u16,
    /// The ZooKeeper session timeout when `--master` is a `zk://` URL.
    pub zk_session_timeout: Duration,
}

/// The `--help` text.
pub const USAGE: &str = "\
Usage: mesos-sim --master=HOST:PORT|zk://HOST:PORT/PATH --agents=N [flags]

Runs N simulated Mesos 1.11 agents, slave(1)..slave(N), in one process that
listens on one port, each speaking the agent's libprocess protocol.

  --master=VALUE                    host:port, master@host:port, zk://... or file:///path (required)
  --agents=N                        how many agents (default 1)
  --resources=VALUE                 each agent's resources, text or JSON, as the agent's
                                    --resources (missing cpus/mem/disk/ports take Mesos's
                                    fallbacks: cpus:1;mem:1024;disk:10240;ports:[31000-32000])
  --attributes=VALUE                each agent's attributes, e.g. 'rack:r1;zone:[1-3]'
  --task-duration=SECS              simulated tasks finish after SECS (a number, or a
                                    duration such as 500ms); without it they run until killed
  --[no-]exec                       run command tasks as local processes (sh -c) and
                                    report their real exit status (default: simulate)
  --ip=IP                           listen on IP (default: LIBPROCESS_IP, else all addresses)
  --port=PORT                       listen on PORT (default 5051)
  --hostname=NAME                   SlaveInfo.hostname (default: localhost on a loopback
                                    ip, else this machine's host name)
  --work_dir=DIR                    checkpoint agent ids, tasks and status updates here so a
                                    restarted simulator reregisters the same agents
  --seed=N                          seed for backoff and UUIDs (default: from the clock)
  --registration_backoff_factor=D   as the agent's flag (default 1secs)
  --zk_session_timeout=D            as the agent's flag (default 10secs)
";

impl Options {
    /// Parses the arguments after the program name. `Ok(None)` means
    /// `--help` was asked for.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, SimError> {
        let mut master = None;
        let mut agents = 1usize;
        let mut resources_text = String::new();
        let mut attributes = Vec::new();
        let mut task_duration = None;
        let mut exec = false;
        let mut ip = None;
        let mut port = 5051u16;
        let mut hostname = None;
        let mut work_dir = None;
        let mut seed = None;
        let mut backoff = DEFAULT_REGISTRATION_BACKOFF_FACTOR;
        let mut zk_session_timeout = DEFAULT_ZK_SESSION_TIMEOUT;

        for arg in args {
            let Some(flag) = arg.strip_prefix("--") else {
                return Err(SimError::flag(&arg, "expected --name=value"));
            };
            let (name, value) = match flag.split_once('=') {
                Some((name, value)) => (name.replace('-', "_"), Some(value.to_owned())),
                None => (flag.replace('-', "_"), None),
            };
            let required = || {
                value
                    .clone()
                    .ok_or_else(|| SimError::flag(&name, "missing value"))
            };
            match name.as_str() {
                "help" => return Ok(None),
                "master" => master = Some(MasterAddress::parse(&required()?)?),
                "agents" => {
                    agents = parse_number(&name, &required()?)?;
                    if agents == 0 {
                        return Err(SimError::flag(&name, "must be at least 1"));
                    }
                }
                "resources" => resources_text = required()?,
                "attributes" => attributes = parse_attributes(&required()?)?,
                "task_duration" => task_duration = Some(parse_duration(&name, &required()?)?),
                "exec" | "no_exec" => {
                    exec = name == "exec" && parse_bool(&name, value.as_deref())?;
                }
                "ip" => ip = Some(parse_number(&name, &required()?)?),
                "port" => port = parse_number(&name, &required()?)?,
                "hostname" => hostname = Some(required()?),
                "work_dir" => work_dir = Some(PathBuf::from(required()?)),
                "seed" => seed = Some(parse_number(&name, &required()?)?),
                "registration_backoff_factor" => backoff = parse_duration(&name, &required()?)?,
                "zk_session_timeout" => {
                    zk_session_timeout = parse_duration(&name, &required()?)?;
                }
                _ => return Err(SimError::flag(&name, "unknown flag (see --help)")),
            }
        }

        let master = master.ok_or_else(|| SimError::flag("master", "required"))?;
        let simulated = SimulatedTasks::new(task_duration);
        let runner: Arc<dyn TaskRunner> = if exec {
            Arc::new(CommandTasks::new(simulated))
        } else {
            Arc::new(simulated)
        };
        let hostname = hostname.unwrap_or_else(|| default_hostname(ip));
        Ok(Some(Options {
            master,
            fleet: FleetConfig {
                agents,
                resources: agent_resources(&resources_text)?,
                attributes,
                hostname,
                work_dir,
                seed: seed.unwrap_or_else(clock_seed),
                registration_backoff_factor: backoff,
                runner,
                capabilities: AGENT_CAPABILITIES.to_vec(),
            },
            ip,
            port,
            zk_session_timeout,
        }))
    }
}

/// An agent's resources from `--resources` text or JSON, with Mesos's
/// fallbacks for whichever of cpus, mem, disk and ports it leaves out.
pub fn agent_resources(text: &str) -> Result<Resources, SimError> {
    let mut resources = if text.trim().is_empty() {
        Resources::new()
    } else {
        Resources::parse(text, "*")?
    };
    for (name, fallback) in DEFAULT_RESOURCES {
        if resources.named(name).is_empty() {
            resources += &Resources::parse(fallback, "*")?;
        }
    }
    Ok(resources)
}

/// Parses `--attributes` as Mesos does: `name:value` pairs separated by `;`
/// or newlines; a value is ranges (`[1-3]`), a number, or else text. Sets
/// are not attribute values.
pub fn parse_attributes(text: &str) -> Result<Vec<Attribute>, SimError> {
    let mut attributes = Vec::new();
    for token in text.split([';', '\n']).filter(|token| !token.is_empty()) {
        let invalid = |reason: &str| SimError::flag("attributes", format!("'{token}': {reason}"));
        let (name, raw) = token
            .split_once(':')
            .filter(|(name, raw)| !name.is_empty() && !raw.is_empty())
            .ok_or_else(|| invalid("expected name:value"))?;
        let compact: String = raw.chars().filter(|c| *c != ' ').collect();
        let mut attribute = Attribute {
            name: name.to_owned(),
            ..Attribute::default()
        };
        if compact.starts_with('{') {
            return Err(invalid("a set is not an attribute value"));
        }
        match Value::parse(&compact) {
            Ok(Value::Ranges(ranges)) => {
                attribute.r#type = value::Type::Ranges as i32;
                attribute.ranges = Some(value::Ranges {
                    range: ranges
                        .ranges()
                        .iter()
                        .map(|range| value::Range {
                            begin: range.begin,
                            end: range.end,
                        })
                        .collect(),
                });
            }
            Ok(Value::Scalar(scalar)) => {
                attribute.r#type = value::Type::Scalar as i32;
                attribute.scalar = Some(value::Scalar {
                    value: scalar.as_f64(),
                });
            }
            Ok(Value::Set(_)) => return Err(invalid("a set is not an attribute value")),
            Err(reason) if compact.starts_with('[') => return Err(invalid(&reason)),
            Err(_) => {
                attribute.r#type = value::Type::Text as i32;
                attribute.text = Some(value::Text { value: compact });
            }
        }
        attributes.push(attribute);
    }
    Ok(attributes)
}

fn parse_number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, SimError>
where
    T::Err: std::fmt::Display,
{
    text.trim()
        .parse()
        .map_err(|error| SimError::flag(name, format!("'{text}': {error}")))
}

fn parse_bool(name: &str, value: Option<&str>) -> Result<bool, SimError> {
    match value {
        None | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(other) => Err(SimError::flag(name, format!("'{other}' is not a boolean"))),
    }
}

/// Seconds as a plain number, or a Mesos duration such as `500ms`.
fn parse_duration(name: &str, text: &str) -> Result<Duration, SimError> {
    if let Ok(secs) = text.trim().parse::<f64>() {
        return Duration::try_from_secs_f64(secs)
            .map_err(|error| SimError::flag(name, format!("'{text}': {error}")));
    }
    let duration: flags::Duration = text
        .trim()
        .parse()
        .map_err(|error| SimError::flag(name, format!("'{text}': {error}")))?;
    Ok(duration.to_std())
}

/// `localhost` for a loopback ip (what the agent's reverse lookup gives
/// there), else this machine's host name.
fn default_hostname(ip: Option<Ipv4Addr>) -> String {
    if ip.is_some_and(|ip| ip.is_loopback()) {
        return "localhost".to_owned();
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64)
}
