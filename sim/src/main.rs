//! `mesos-sim`: see `--help` and the library's guide.

use std::process::ExitCode;
use std::time::Duration;

use mesos_sim::{Fleet, Options, SimError, USAGE};

/// How often the progress line is logged.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{error}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mesos-sim: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: Options) -> Result<(), SimError> {
    let mut config = libprocess::Config::from_env()?;
    if let Some(ip) = options.ip {
        config.ip = Some(ip);
    }
    config.port = options.port;
    let tokio = config
        .build_tokio_runtime()
        .map_err(|error| SimError::Libprocess(error.into()))?;
    tokio.block_on(async move {
        let runtime = libprocess::Runtime::start(config).await?;
        let detector = options.master.detector(options.zk_session_timeout)?;
        let agents = options.fleet.agents;
        let mut fleet = Fleet::start(&runtime, options.fleet, detector).await?;
        tracing::info!(agents, address = %runtime.address(), "simulated agents started");
        let mut progress = tokio::time::interval(PROGRESS_INTERVAL);
        let outcome = loop {
            tokio::select! {
                _ = progress.tick() => log_progress(&fleet).await,
                error = fleet.detection_failed() => break Err(error),
                _ = tokio::signal::ctrl_c() => break Ok(()),
            }
        };
        fleet.stop().await;
        runtime.shutdown().await;
        outcome
    })
}

async fn log_progress(fleet: &Fleet) {
    let statuses = fleet.statuses().await;
    let registered = statuses.iter().filter(|agent| agent.registered).count();
    let tasks: usize = statuses.iter().map(|agent| agent.tasks).sum();
    let pending: usize = statuses.iter().map(|agent| agent.pending_updates).sum();
    let pings: u64 = statuses.iter().map(|agent| agent.pings).sum();
    tracing::info!(
        registered,
        agents = statuses.len(),
        tasks,
        unacknowledged_updates = pending,
        pings,
        "progress"
    );
}
