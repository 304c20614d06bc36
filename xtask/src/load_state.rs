//! `cargo xtask load-state`: how fast the master renders `/master/state`
//! for a big cluster, and whether `/master/health` stays quick while many
//! clients pull it (BENCHMARKS.md, "master endpoints").
//!
//! 1. Builds the release `mesos-master` and `mesos-sim` (unless
//!    `--no-build`), starts the master on a free loopback port with an
//!    in-memory registry and `--max_completed_tasks_per_framework` at the
//!    number of completed tasks wanted, and two simulators: agents
//!    labelled `load:running` whose tasks run until killed, and agents
//!    labelled `load:completed` whose tasks finish after
//!    `--task-duration`. Each simulator shares one connection to the
//!    master among its agents, so the open-file limit is no concern.
//! 2. `--frameworks` v1 HTTP schedulers (see [`framework`]) launch the
//!    running and completed tasks and acknowledge every update, until the
//!    cluster holds them all; `/master/state` is then polled until every
//!    finished task has been acknowledged into `completed_tasks`.
//! 3. Measures `/master/state` over `--samples` sequential requests, then
//!    runs `--readers` clients pulling `/master/state` in a loop for
//!    `--seconds` while one client, on a thread of its own, times
//!    `/master/health` every 10 ms.
//!
//! Everything runs on this machine, the tool included: the load average
//! is printed with the figures. The readers stand for clients on other
//! machines; here their threads run at `--readers-nice` (10) so that
//! receiving twenty bodies does not take the cores the master and the
//! prober need — `--readers-nice=0` measures them sharing the cores alike.

mod client;
mod framework;

use anyhow::{Context, Result, bail};
use client::{Connection, expect};
use framework::Progress;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub const USAGE: &str = "\
cargo xtask load-state [flags]

  --agents=N          simulated agents (default 10000)
  --running=N         long-running tasks (default 100000)
  --completed=N       tasks that finish and stay in completed_tasks (default 100000)
  --frameworks=N      schedulers sharing the tasks (default 10)
  --readers=N         concurrent /master/state readers (default 20)
  --samples=N         sequential /master/state requests timed (default 20)
  --seconds=N         how long the readers run while /master/health is timed (default 30)
  --readers-nice=N    the readers' nice value, as clients elsewhere would not
                      take the master's cores (default 10; 0: as the master)
  --task-duration=D   how long a completed task runs, as mesos-sim's flag (default 1secs)
  --populate-timeout=N  seconds to wait for the tasks (default 1200)
  --no-build          use the release binaries already built
";

struct Options {
    agents: usize,
    running: usize,
    completed: usize,
    frameworks: usize,
    readers: usize,
    readers_nice: i32,
    samples: usize,
    seconds: u64,
    task_duration: String,
    populate_timeout: u64,
    build: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            agents: 10_000,
            running: 100_000,
            completed: 100_000,
            frameworks: 10,
            readers: 20,
            readers_nice: 10,
            samples: 20,
            seconds: 30,
            task_duration: "1secs".to_owned(),
            populate_timeout: 1200,
            build: true,
        };
        for arg in args {
            if arg == "--no-build" {
                options.build = false;
                continue;
            }
            let (name, value) = arg
                .strip_prefix("--")
                .and_then(|flag| flag.split_once('='))
                .with_context(|| format!("expected --name=value, got {arg}\n\n{USAGE}"))?;
            let number = || -> Result<usize> {
                value
                    .parse()
                    .with_context(|| format!("--{name}: not a number"))
            };
            match name {
                "agents" => options.agents = number()?,
                "running" => options.running = number()?,
                "completed" => options.completed = number()?,
                "frameworks" => options.frameworks = number()?.max(1),
                "readers" => options.readers = number()?,
                "readers-nice" => {
                    options.readers_nice = value
                        .parse()
                        .with_context(|| format!("--{name}: not a nice value"))?;
                }
                "samples" => options.samples = number()?.max(1),
                "seconds" => options.seconds = number()? as u64,
                "task-duration" => options.task_duration = value.to_owned(),
                "populate-timeout" => options.populate_timeout = number()? as u64,
                _ => bail!("unknown flag --{name}\n\n{USAGE}"),
            }
        }
        if options.agents < 2 && options.running > 0 && options.completed > 0 {
            bail!("--agents: running and completed tasks need at least two agents");
        }
        Ok(options)
    }

    /// Agents for completed tasks, in proportion to the task counts.
    fn completed_agents(&self) -> usize {
        let total = (self.running + self.completed).max(1);
        let share = self.agents * self.completed / total;
        match (self.running, self.completed) {
            (_, 0) => 0,
            (0, _) => self.agents,
            _ => share.clamp(1, self.agents - 1),
        }
    }
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    if args.iter().any(|arg| arg == "--help") {
        print!("{USAGE}");
        return Ok(());
    }
    let options = Options::parse(args)?;
    let binaries = release_binaries(root, options.build)?;
    let work = tempfile::tempdir()?;
    let cluster = Cluster::start(&binaries, work.path(), &options)?;
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(async {
            // Interrupted, the cluster is still stopped (by its drop).
            tokio::select! {
                outcome = benchmark(&cluster, &options) => outcome,
                _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
            }
        });
    if outcome.is_err() {
        cluster.show_logs();
    }
    outcome
}

fn release_binaries(root: &Path, build: bool) -> Result<PathBuf> {
    if build {
        crate::run(Command::new("cargo").args([
            "build",
            "--release",
            "-p",
            "master",
            "-p",
            "mesos-sim",
            "--bin",
            "mesos-master",
            "--bin",
            "mesos-sim",
        ]))?;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let release = target.join("release");
    for binary in ["mesos-master", "mesos-sim"] {
        if !release.join(binary).exists() {
            bail!(
                "{} is missing: run without --no-build",
                release.join(binary).display()
            );
        }
    }
    Ok(release)
}

/// The master and the simulators, killed when dropped.
struct Cluster {
    master: SocketAddr,
    processes: Vec<(String, Child, PathBuf)>,
}

impl Cluster {
    fn start(binaries: &Path, work: &Path, options: &Options) -> Result<Cluster> {
        let master = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let mut cluster = Cluster {
            master,
            processes: Vec::new(),
        };
        let master_work = work.join("master");
        std::fs::create_dir_all(&master_work)?;
        cluster.spawn(
            "mesos-master",
            Command::new(binaries.join("mesos-master")).args([
                "--ip=127.0.0.1".to_owned(),
                format!("--port={}", master.port()),
                "--registry=in_memory".to_owned(),
                format!("--work_dir={}", master_work.display()),
                format!(
                    "--max_completed_tasks_per_framework={}",
                    options.completed.max(1)
                ),
            ]),
            work,
        )?;
        let completed_agents = options.completed_agents();
        let groups = [
            ("running", options.agents - completed_agents, None),
            (
                "completed",
                completed_agents,
                Some(options.task_duration.as_str()),
            ),
        ];
        for (label, agents, duration) in groups {
            if agents == 0 {
                continue;
            }
            let mut command = Command::new(binaries.join("mesos-sim"));
            command.args([
                format!("--master={master}"),
                format!("--agents={agents}"),
                "--ip=127.0.0.1".to_owned(),
                format!("--port={}", free_port()?),
                "--resources=cpus:8;mem:16384".to_owned(),
                format!("--attributes=load:{label}"),
            ]);
            if let Some(duration) = duration {
                command.arg(format!("--task-duration={duration}"));
            }
            cluster.spawn(&format!("mesos-sim-{label}"), &mut command, work)?;
        }
        Ok(cluster)
    }

    fn spawn(&mut self, name: &str, command: &mut Command, work: &Path) -> Result<()> {
        let log = work.join(format!("{name}.log"));
        let child = command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .with_context(|| format!("could not start {name}"))?;
        self.processes.push((name.to_owned(), child, log));
        Ok(())
    }

    fn show_logs(&self) {
        for (name, _, log) in &self.processes {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            eprintln!("--- {name}: last lines of its log");
            for line in &lines[lines.len().saturating_sub(15)..] {
                eprintln!("{line}");
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for (_, child, _) in &mut self.processes {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn benchmark(cluster: &Cluster, options: &Options) -> Result<()> {
    let master = cluster.master;
    let started = Instant::now();
    wait_for_agents(master, options.agents).await?;
    println!(
        "load-state: {} agents registered in {:.1}s",
        options.agents,
        started.elapsed().as_secs_f64()
    );
    let populated = Instant::now();
    populate(master, options).await?;
    println!(
        "load-state: tasks launched in {:.1}s",
        populated.elapsed().as_secs_f64()
    );
    let counts = settled_counts(master, options).await?;

    let load_before = load_average();
    let sequential = time_states(master, options.samples).await?;
    // Shown at once: the concurrent phase is the one that can fail.
    println!(
        "load-state: sequential /master/state p50 {}, max {} ({} bytes)",
        ms(percentile(&sequential, 0.50)),
        ms(percentile(&sequential, 1.0)),
        counts.body_bytes
    );
    let (health, pulled) = health_under_readers(master, options).await?;
    let load_after = load_average();

    println!();
    println!(
        "cluster: {} agents, {} frameworks, {} running + {} completed tasks (as /master/state shows them)",
        counts.agents, counts.frameworks, counts.tasks, counts.completed_tasks
    );
    println!("load average (1 min): {load_before} before, {load_after} after the measurements");
    println!("readers' nice value: {}", options.readers_nice);
    println!();
    println!("| measurement | requests | p50 | p99 | max |");
    println!("|---|---|---|---|---|");
    println!(
        "| `/master/state`, sequential ({:.1} MiB body) | {} | {} | {} | {} |",
        counts.body_bytes as f64 / (1024.0 * 1024.0),
        sequential.len(),
        ms(percentile(&sequential, 0.50)),
        ms(percentile(&sequential, 0.99)),
        ms(percentile(&sequential, 1.0)),
    );
    println!(
        "| `/master/state`, {} concurrent readers, {} s | {} | {} | {} | {} |",
        options.readers,
        options.seconds,
        pulled.len(),
        ms(percentile(&pulled, 0.50)),
        ms(percentile(&pulled, 0.99)),
        ms(percentile(&pulled, 1.0)),
    );
    println!(
        "| `/master/health` meanwhile, every 10 ms | {} | {} | {} | {} |",
        health.len(),
        ms(percentile(&health, 0.50)),
        ms(percentile(&health, 0.99)),
        ms(percentile(&health, 1.0)),
    );
    Ok(())
}

async fn wait_for_agents(master: SocketAddr, agents: usize) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if active_agents(master).await.unwrap_or(0) >= agents {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the agents did not all register within 10 minutes");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `master/slaves_active` from `/metrics/snapshot`.
async fn active_agents(master: SocketAddr) -> Result<usize> {
    let mut connection = Connection::open(master).await?;
    let (status, body) = connection.get("/metrics/snapshot").await?;
    expect(status, http::StatusCode::OK, &body, "/metrics/snapshot")?;
    let metrics: serde_json::Value = serde_json::from_slice(&body)?;
    Ok(metrics["master/slaves_active"].as_f64().unwrap_or(0.0) as usize)
}

async fn populate(master: SocketAddr, options: &Options) -> Result<()> {
    let completed_agents = options.completed_agents();
    let per_agent = |tasks: usize, agents: usize| tasks.div_ceil(agents.max(1));
    let progress = Arc::new(Progress {
        running_to_launch: options.running.into(),
        completed_to_launch: options.completed.into(),
        tasks_per_offer: per_agent(options.running, options.agents - completed_agents)
            .max(per_agent(options.completed, completed_agents))
            .max(1),
        ..Progress::default()
    });
    let mut frameworks = tokio::task::JoinSet::new();
    for index in 0..options.frameworks {
        frameworks.spawn(framework::run(master, index, progress.clone()));
    }
    let deadline = Instant::now() + Duration::from_secs(options.populate_timeout);
    let mut report = tokio::time::interval(Duration::from_secs(10));
    loop {
        tokio::select! {
            Some(ended) = frameworks.join_next() => {
                ended??;
                bail!("a framework's event stream ended");
            }
            _ = report.tick() => {}
        }
        let running = framework::seen(&progress.running);
        let completed = framework::seen(&progress.completed);
        println!(
            "load-state: {running}/{} running, {completed}/{} completed, {} failed, {} calls refused",
            options.running,
            options.completed,
            progress.failed.load(Ordering::SeqCst),
            progress.call_errors.load(Ordering::SeqCst),
        );
        if running >= options.running && completed >= options.completed {
            break;
        }
        if Instant::now() > deadline {
            bail!("the tasks were not all launched within --populate-timeout");
        }
    }
    // The frameworks stay subscribed (an ended stream would mark them
    // disconnected); dropping the tasks here ends the benchmark's clients
    // with the runtime.
    frameworks.detach_all();
    Ok(())
}

/// The counts of `/master/state` once every finished task has been
/// acknowledged into its framework's completed tasks (or after
/// `--populate-timeout`): measuring while the master still relays the last
/// acknowledgements would time that work too.
async fn settled_counts(master: SocketAddr, options: &Options) -> Result<StateCounts> {
    let deadline = Instant::now() + Duration::from_secs(options.populate_timeout);
    loop {
        let counts = state_counts(master).await?;
        println!(
            "load-state: /master/state shows {} agents, {} frameworks, {} tasks, {} completed tasks",
            counts.agents, counts.frameworks, counts.tasks, counts.completed_tasks
        );
        let settled =
            counts.tasks <= options.running && counts.completed_tasks >= options.completed;
        if settled || Instant::now() > deadline {
            return Ok(counts);
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}

struct StateCounts {
    agents: usize,
    frameworks: usize,
    tasks: usize,
    completed_tasks: usize,
    body_bytes: usize,
}

async fn state_counts(master: SocketAddr) -> Result<StateCounts> {
    let mut connection = Connection::open(master).await?;
    let (status, body) = connection.get("/master/state").await?;
    expect(status, http::StatusCode::OK, &body, "/master/state")?;
    let state: serde_json::Value = serde_json::from_slice(&body)?;
    let frameworks = state["frameworks"].as_array().cloned().unwrap_or_default();
    let sum = |key: &str| -> usize {
        frameworks
            .iter()
            .map(|framework| framework[key].as_array().map_or(0, Vec::len))
            .sum()
    };
    Ok(StateCounts {
        agents: state["slaves"].as_array().map_or(0, Vec::len),
        frameworks: frameworks.len(),
        tasks: sum("tasks"),
        completed_tasks: sum("completed_tasks"),
        body_bytes: body.len(),
    })
}

/// Times `samples` sequential `/master/state` requests, bodies read to
/// their last byte ([`Connection::pull`]).
async fn time_states(master: SocketAddr, samples: usize) -> Result<Vec<Duration>> {
    let mut connection = Connection::open(master).await?;
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        connection.pull("/master/state").await?;
        times.push(start.elapsed());
    }
    Ok(times)
}

/// `--readers` clients pull `/master/state` back to back for `--seconds`
/// while one client times `/master/health` every 10 ms. Returns the health
/// latencies and the readers' state latencies.
async fn health_under_readers(
    master: SocketAddr,
    options: &Options,
) -> Result<(Vec<Duration>, Vec<Duration>)> {
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    // The readers stand for clients on other machines: on this one their
    // threads yield the cores to the master and the prober (`--readers-nice`).
    let niceness = options.readers_nice;
    let readers_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("state-reader")
        .on_thread_start(move || {
            let me = Some(rustix::thread::gettid());
            if let Err(error) = rustix::process::setpriority_process(me, niceness) {
                eprintln!("load-state: readers at the default priority: {error}");
            }
        })
        .enable_all()
        .build()?;
    let mut readers = Vec::new();
    for _ in 0..options.readers {
        readers.push(readers_runtime.spawn(async move {
            let mut connection = Connection::open(master).await?;
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let start = Instant::now();
                connection.pull("/master/state").await?;
                times.push(start.elapsed());
            }
            anyhow::Ok(times)
        }));
    }
    // The prober has a thread and runtime of its own, as a separate client
    // would: on the readers' runtime its requests would wait behind their
    // tasks, and the figure would be the tool's.
    let prober = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(time_health(master, deadline))
    });
    let health = tokio::task::spawn_blocking(move || prober.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the /master/health prober panicked"))??;
    let mut pulled = Vec::new();
    for reader in readers {
        pulled.extend(reader.await??);
    }
    readers_runtime.shutdown_background();
    Ok((health, pulled))
}

/// Times `/master/health` every 10 ms until `deadline`.
async fn time_health(master: SocketAddr, deadline: Instant) -> Result<Vec<Duration>> {
    let mut connection = Connection::open(master).await?;
    let mut health = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while Instant::now() < deadline {
        tick.tick().await;
        let start = Instant::now();
        let (status, body) = connection.get("/master/health").await?;
        health.push(start.elapsed());
        expect(status, http::StatusCode::OK, &body, "/master/health")?;
    }
    Ok(health)
}

/// The `q` quantile (nearest rank) of `times`.
fn percentile(times: &[Duration], q: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied().unwrap_or_default()
}

fn ms(time: Duration) -> String {
    format!("{:.2} ms", time.as_secs_f64() * 1000.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}
