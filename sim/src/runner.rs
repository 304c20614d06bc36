//! How a simulated agent runs the tasks the master launches.
//!
//! [`TaskRunner`] is the one seam: the agent asks it to start a task and
//! is told, through the returned [`RunningTask`], when the task ends and
//! how. Two runners exist:
//! - [`SimulatedTasks`]: nothing runs; a task finishes after a fixed
//!   duration (or runs until killed);
//! - [`CommandTasks`] (`--exec`): a task with a `CommandInfo` runs for real
//!   as a local process, as Mesos's command executor would run it, and its
//!   exit status decides `TASK_FINISHED` or `TASK_FAILED`; tasks without a
//!   command (custom executors) fall back to simulation.

use std::fmt;
use std::future::Future;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use proto::mesos::{TaskInfo, TaskState, task_status::Reason};
use tokio::sync::oneshot;

/// Fires (or is dropped) when the task must stop.
pub type KillSignal = oneshot::Receiver<()>;

/// How a task ended.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskExit {
    /// A terminal state.
    pub state: TaskState,
    /// `TaskStatus.message`.
    pub message: String,
    /// `TaskStatus.reason`, if any.
    pub reason: Option<Reason>,
}

impl TaskExit {
    fn new(state: TaskState, message: impl Into<String>) -> TaskExit {
        TaskExit {
            state,
            message: message.into(),
            reason: None,
        }
    }
}

/// A started task: its process id, if it has one, and its end.
pub struct RunningTask {
    pub pid: Option<u32>,
    pub exit: Pin<Box<dyn Future<Output = TaskExit> + Send>>,
}

impl fmt::Debug for RunningTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningTask")
            .field("pid", &self.pid)
            .finish()
    }
}

/// Runs tasks for the simulated agents.
pub trait TaskRunner: Send + Sync + fmt::Debug + 'static {
    /// Starts `task` in `sandbox` (when the fleet has a work directory).
    /// `killed` fires when the master kills the task; the task then ends
    /// `TASK_KILLED`. An `Err` is a task that could not start.
    fn start(
        &self,
        task: &TaskInfo,
        sandbox: Option<&Path>,
        killed: KillSignal,
    ) -> Result<RunningTask, TaskExit>;

    /// Takes over a task that was running when a previous simulator with
    /// the same work directory stopped.
    fn recover(&self, task: &TaskInfo, killed: KillSignal) -> Result<RunningTask, TaskExit>;
}

/// Tasks that run nothing: each finishes after `duration`, or, without
/// one, runs until killed.
#[derive(Debug, Clone)]
pub struct SimulatedTasks {
    duration: Option<Duration>,
}

impl SimulatedTasks {
    pub fn new(duration: Option<Duration>) -> SimulatedTasks {
        SimulatedTasks { duration }
    }

    fn run(&self, killed: KillSignal) -> RunningTask {
        let duration = self.duration;
        let exit = async move {
            let finished = async {
                match duration {
                    Some(duration) => tokio::time::sleep(duration).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = finished => TaskExit::new(
                    TaskState::TaskFinished,
                    format!(
                        "Simulated task finished after {}",
                        flags::Duration::from_nanos(
                            duration.unwrap_or_default().as_nanos() as i64
                        )
                    ),
                ),
                _ = killed => TaskExit::new(TaskState::TaskKilled, "Simulated task killed"),
            }
        };
        RunningTask {
            // The simulator is the process standing in for the executor.
            pid: Some(std::process::id()),
            exit: Box::pin(exit),
        }
    }
}

impl TaskRunner for SimulatedTasks {
    fn start(
        &self,
        _task: &TaskInfo,
        _sandbox: Option<&Path>,
        killed: KillSignal,
    ) -> Result<RunningTask, TaskExit> {
        Ok(self.run(killed))
    }

    /// A recovered simulated task starts its duration over.
    fn recover(&self, _task: &TaskInfo, killed: KillSignal) -> Result<RunningTask, TaskExit> {
        Ok(self.run(killed))
    }
}

/// Command tasks as real local processes (`--exec`).
#[derive(Debug, Clone)]
pub struct CommandTasks {
    without_command: SimulatedTasks,
}

impl CommandTasks {
    /// Tasks without a `CommandInfo` are simulated by `without_command`.
    pub fn new(without_command: SimulatedTasks) -> CommandTasks {
        CommandTasks { without_command }
    }
}

impl TaskRunner for CommandTasks {
    fn start(
        &self,
        task: &TaskInfo,
        sandbox: Option<&Path>,
        killed: KillSignal,
    ) -> Result<RunningTask, TaskExit> {
        let Some(command) = task
            .command
            .as_ref()
            .filter(|command| command.value.is_some())
        else {
            return self.without_command.start(task, sandbox, killed);
        };
        let value = command.value.clone().unwrap_or_default();
        let mut process = if command.shell.unwrap_or(true) {
            let mut process = tokio::process::Command::new("sh");
            process.arg("-c").arg(&value);
            process
        } else {
            // Mesos's `arguments` include argv[0].
            let mut process = tokio::process::Command::new(&value);
            if let Some((argv0, rest)) = command.arguments.split_first() {
                process.arg0(argv0).args(rest);
            }
            process
        };
        for variable in command
            .environment
            .iter()
            .flat_map(|environment| &environment.variables)
        {
            if let Some(value) = &variable.value {
                process.env(&variable.name, value);
            }
        }
        process.env("MESOS_TASK_ID", &task.task_id.value);
        match sandbox {
            Some(sandbox) => {
                let output = |name: &str| {
                    std::fs::File::create(sandbox.join(name))
                        .map(Stdio::from)
                        .map_err(|error| {
                            TaskExit::new(
                                TaskState::TaskFailed,
                                format!("Failed to create the sandbox's {name}: {error}"),
                            )
                        })
                };
                process
                    .current_dir(sandbox)
                    .env("MESOS_SANDBOX", sandbox)
                    .stdout(output("stdout")?)
                    .stderr(output("stderr")?);
            }
            None => {
                process.stdout(Stdio::null()).stderr(Stdio::null());
            }
        }
        process.stdin(Stdio::null()).kill_on_drop(true);
        let mut child = process.spawn().map_err(|error| TaskExit {
            state: TaskState::TaskFailed,
            message: format!("Failed to launch command '{value}': {error}"),
            reason: Some(Reason::CommandExecutorFailed),
        })?;
        let pid = child.id();
        let exit = async move {
            let (status, was_killed) = tokio::select! {
                status = child.wait() => (status, false),
                _ = killed => {
                    // The agent dropping the signal also ends the task: the
                    // simulator is going away and takes its children along.
                    let _already_exited = child.start_kill();
                    (child.wait().await, true)
                }
            };
            match status {
                Ok(status) => command_exit(status, was_killed),
                Err(error) => TaskExit::new(
                    TaskState::TaskFailed,
                    format!("Failed to get exit status for Command: {error}"),
                ),
            }
        };
        Ok(RunningTask {
            pid,
            exit: Box::pin(exit),
        })
    }

    /// The process of a task started by an earlier simulator is not this
    /// one's child and cannot be waited for: the task fails, as a task
    /// whose executor never reregisters does.
    fn recover(&self, task: &TaskInfo, killed: KillSignal) -> Result<RunningTask, TaskExit> {
        if task
            .command
            .as_ref()
            .is_some_and(|command| command.value.is_some())
        {
            return Err(TaskExit {
                state: TaskState::TaskFailed,
                message: "Executor did not reregister within 2secs".to_owned(),
                reason: Some(Reason::ExecutorReregistrationTimeout),
            });
        }
        self.without_command.recover(task, killed)
    }
}

/// The command executor's verdict on an exit status, with its message
/// (`Command exited with status 3`, `Command terminated with signal Killed`).
fn command_exit(status: ExitStatus, was_killed: bool) -> TaskExit {
    let state = if was_killed {
        TaskState::TaskKilled
    } else if status.success() {
        TaskState::TaskFinished
    } else {
        TaskState::TaskFailed
    };
    let how = match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("terminated with signal {}", signal_name(signal)),
        (None, None) => "ended without a status".to_owned(),
    };
    TaskExit::new(state, format!("Command {how}"))
}

/// `strsignal`'s text for the signals a task usually dies of.
fn signal_name(signal: i32) -> String {
    match signal {
        1 => "Hangup".to_owned(),
        2 => "Interrupt".to_owned(),
        3 => "Quit".to_owned(),
        6 => "Aborted".to_owned(),
        9 => "Killed".to_owned(),
        11 => "Segmentation fault".to_owned(),
        13 => "Broken pipe".to_owned(),
        15 => "Terminated".to_owned(),
        other => format!("Unknown signal {other}"),
    }
}
