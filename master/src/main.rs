//! `mesos-master`: loads Mesos's flags, starts the stages, serves until killed.

use flags::MasterFlags;
use std::io::IsTerminal;
use std::process::ExitCode;

/// mimalloc rather than the system allocator: the allocator and the master
/// copy many small resource and ID values, and mimalloc hands out small
/// blocks with a fraction of glibc malloc's work.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let load = match MasterFlags::load() {
        Ok(load) => load,
        Err(error) => {
            eprintln!("{error}. See 'mesos-master --help' for every flag.");
            return ExitCode::from(1);
        }
    };
    let flags = load.flags;
    if flags.help {
        print!("{}", flags::usage());
        return ExitCode::SUCCESS;
    }
    if flags.version {
        println!("{}", version::VersionInfo::current().version_line());
        return ExitCode::SUCCESS;
    }
    init_logging(&flags);
    for warning in &load.warnings {
        tracing::warn!("{warning}");
    }

    let config = match libprocess::Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("Failed to start the master at stage 'libprocess': {error}");
            return ExitCode::from(1);
        }
    };
    let tokio = match config.build_tokio_runtime() {
        Ok(tokio) => tokio,
        Err(error) => {
            eprintln!("Failed to start the master at stage 'libprocess': {error}");
            return ExitCode::from(1);
        }
    };
    tokio.block_on(async {
        match master::MasterBuilder::new(flags).start().await {
            Ok(master) => {
                // Serve until killed, or until a fatal error (a registry
                // that cannot be written, lost leadership) stops the master:
                // exit as Mesos does, for a supervisor to restart it.
                let failure = master.failed().await;
                eprintln!("{failure}");
                ExitCode::from(1)
            }
            Err(error) => {
                eprintln!("{error}");
                ExitCode::from(1)
            }
        }
    })
}

/// `--quiet` silences the terminal; `--logging_level` (INFO, WARNING, ERROR)
/// sets the floor, like glog's minimum level.
fn init_logging(flags: &MasterFlags) {
    let level = match flags.logging_level.as_str() {
        "WARNING" => "warn",
        "ERROR" => "error",
        _ => "info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MESOS_RS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if flags.quiet {
        subscriber.with_max_level(tracing::Level::ERROR).init();
    } else {
        subscriber.init();
    }
}
