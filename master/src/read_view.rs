//! The read view: one consistent, immutable copy of what the read-only
//! endpoints and operator calls show, rendered away from the master.
//!
//! # Why
//!
//! The master is one actor: while it renders `/master/state` for a large
//! cluster it handles no agent message and answers no `/health`. Mesos 1.7
//! eased this by batching concurrent read requests and rendering them in
//! parallel, but the master still waits for the batch to finish. Here the
//! master never renders:
//!
//! 1. The records the endpoints show — agents (see [`crate::agents`]),
//!    tasks, frameworks' completed tasks, the operator's settings (weights,
//!    quotas, maintenance) — live in persistent maps (`imbl`). Cloning one is O(1) and shares every entry;
//!    a later change copies only the path to the entry it changes.
//! 2. A read request's handler, on the master's mailbox, takes a
//!    [`ReadView`] — those clones plus a few scalars, microseconds however
//!    big the cluster — and returns at once with a deferred reply.
//! 3. One of the rendering threads renders the view as JSON or protobuf
//!    and answers the client.
//!
//! So 20 concurrent `/master/state` readers at 10,000 agents cost the
//! master 20 small copies; messages and `/health` never queue behind a
//! rendering. Consistency is Mesos's: a request is answered from the state
//! as of its turn in the mailbox — everything the master did before is in
//! it, nothing after.
//!
//! The rendering threads ([`render`]) are as many as the cores and run at
//! a lower scheduling priority (nice 10) than the runtime that processes
//! messages and `/health`: 20 concurrent readers queue for them instead of
//! taking the cores from the master, and no more bodies are being built at
//! once than there are cores. What makes a large rendering cheap is the
//! tasks': each task's JSON is written once per version of the task
//! ([`TaskRecord::json_in_list`]) and every streamed body after that
//! sends that text from where it is, uncopied (`PipeWriter::write_shared`);
//! a framework's tasks are read in order from the master's own table
//! ([`TaskTable`]), and agents are serialised straight into the body.
//!
//! Two alternatives were set aside: Mesos's batching (rendering still holds
//! the master up, for the length of the slowest rendering), and a copy
//! published after every change (O(cluster size) per change: registering
//! 10,000 agents would copy 10,000 agents 10,000 times).

use crate::agents::Agents;
use crate::authorization::Viewer;
use crate::cluster::ClusterSettings;
use crate::frameworks::Framework;
use crate::master::MasterProcess;
use crate::tasks::{TaskKey, TaskRecord, TaskTable, Usage};
use flags::MasterFlags;
use libprocess::Upid;
use proto::mesos::{ExecutorInfo, FrameworkInfo, MasterInfo};
use resources::Resources;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::SystemTime;
use tokio::sync::oneshot;

/// The master's state as of one moment, shared by the threads rendering it.
#[derive(Debug)]
pub(crate) struct ReadView {
    pub info: MasterInfo,
    pub pid: Upid,
    pub flags: MasterFlags,
    pub start_time: SystemTime,
    pub elected_time: Option<SystemTime>,
    pub leader: Option<MasterInfo>,
    pub agents: Agents,
    pub cluster: ClusterSettings,
    pub frameworks: Vec<FrameworkView>,
    pub completed_frameworks: Vec<FrameworkView>,
    /// Every live task, of registered frameworks or not, by framework and
    /// task id.
    pub tasks: TaskTable,
    /// The keys of the live tasks on each agent (some of which
    /// [`ReadView::visible_to`] may have taken out of `tasks`).
    pub tasks_by_agent: imbl::HashMap<String, imbl::HashSet<TaskKey>>,
    /// What every framework's live tasks use (whoever looks).
    pub usage: Usage,
    /// Whom the view is for ([`ReadView::visible_to`]): what renders it
    /// leaves out the roles this viewer may not see.
    pub viewer: Viewer,
    /// Built by the first rendering that needs them, off the master.
    indexes: OnceLock<Indexes>,
}

/// One pass over the view's executors and offers (few: per framework,
/// not per task), summed by agent.
#[derive(Debug, Default)]
pub(crate) struct Indexes {
    /// What executors use, by agent id.
    pub executors_by_agent: HashMap<String, Resources>,
    /// What is offered, by agent id.
    pub offered_by_agent: HashMap<String, Resources>,
}

/// Adds `resources` to `key`'s sum, copying the key only the first time.
fn add_to(map: &mut HashMap<String, Resources>, key: &str, resources: &Resources) {
    match map.get_mut(key) {
        Some(sum) => *sum += resources,
        None => {
            map.insert(key.to_owned(), resources.clone());
        }
    }
}

impl ReadView {
    pub fn indexes(&self) -> &Indexes {
        self.indexes.get_or_init(|| {
            let mut indexes = Indexes::default();
            for framework in &self.frameworks {
                for (agent, executor) in &framework.executors {
                    if let Ok(resources) = Resources::from_protos(&executor.resources) {
                        add_to(&mut indexes.executors_by_agent, agent, &resources);
                    }
                }
                for offer in &framework.offers {
                    add_to(
                        &mut indexes.offered_by_agent,
                        &offer.agent_id,
                        &offer.resources,
                    );
                }
            }
            indexes
        })
    }

    /// What the live tasks and executors on agent `id` use.
    pub fn agent_used(&self, id: &str) -> Resources {
        let mut used = self.usage.by_agent.get(id).cloned().unwrap_or_default();
        if let Some(executors) = self.indexes().executors_by_agent.get(id) {
            used += executors;
        }
        used
    }

    /// What is offered of agent `id`.
    pub fn agent_offered(&self, id: &str) -> Resources {
        let offered = self.indexes().offered_by_agent.get(id);
        offered.cloned().unwrap_or_default()
    }

    /// What the live tasks of framework `id` use.
    pub fn framework_used(&self, id: &str) -> Resources {
        let used = self.usage.by_framework.get(id);
        used.cloned().unwrap_or_default()
    }

    /// The live tasks of framework `id`, in task id order.
    pub fn framework_tasks(&self, id: &str) -> impl Iterator<Item = &Arc<TaskRecord>> {
        self.tasks.of_framework(id)
    }

    /// This view without the frameworks, tasks and executors `viewer` may
    /// not see, as Mesos's state writers skip them (`VIEW_FRAMEWORK`,
    /// `VIEW_TASK`, `VIEW_EXECUTOR`): a hidden framework takes its tasks
    /// and executors with it. What agents use and have offered still
    /// counts every framework's, as in Mesos (which hides it by role
    /// only). Run off the master, on the rendering thread.
    pub fn visible_to(mut self, viewer: &Viewer) -> ReadView {
        self.viewer = viewer.clone();
        if viewer.sees_everything() {
            return self;
        }
        let registered: HashSet<String> = self
            .frameworks
            .iter()
            .map(|framework| framework.id().to_owned())
            .collect();
        let keep = |framework: &mut FrameworkView| {
            if !viewer.framework(&framework.info) {
                return false;
            }
            let info = &framework.info;
            framework
                .executors
                .retain(|(_, executor)| viewer.executor(executor, info));
            framework
                .completed_tasks
                .retain(|task| viewer.task(task, info));
            true
        };
        self.frameworks.retain_mut(keep);
        self.completed_frameworks.retain_mut(keep);
        let visible: HashMap<&str, &FrameworkInfo> = self
            .frameworks
            .iter()
            .map(|framework| (framework.id(), &framework.info))
            .collect();
        // A task whose framework has not reregistered is judged without
        // the framework's fields, as Mesos judges it with what it has.
        let unknown = FrameworkInfo::default();
        let tasks = self
            .tasks
            .filtered(|framework, task| match visible.get(framework) {
                Some(info) => viewer.task(task, info),
                None => !registered.contains(framework) && viewer.task(task, &unknown),
            });
        self.tasks = tasks;
        self
    }

    /// The live tasks on agent `id`.
    pub fn agent_tasks<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a Arc<TaskRecord>> {
        self.tasks_by_agent
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|(framework_id, task_id)| self.tasks.get(framework_id, task_id))
    }
}

/// What the endpoints show of a framework: its own fields, its outstanding
/// offers and executors (few), its completed tasks (shared, O(1)). Its live
/// tasks are in [`ReadView::tasks`].
#[derive(Debug)]
pub(crate) struct FrameworkView {
    pub info: FrameworkInfo,
    pub active: bool,
    pub connected: bool,
    /// Registered with this master since its failover (not only recovered
    /// from an agent's report).
    pub recovered: bool,
    pub registered_time: SystemTime,
    pub reregistered_time: Option<SystemTime>,
    pub unregistered_time: Option<SystemTime>,
    pub offers: Vec<OfferView>,
    /// (agent id, executor).
    pub executors: Vec<(String, ExecutorInfo)>,
    pub completed_tasks: imbl::Vector<Arc<TaskRecord>>,
}

#[derive(Debug)]
pub(crate) struct OfferView {
    pub id: String,
    pub agent_id: String,
    pub resources: Resources,
}

impl FrameworkView {
    pub fn id(&self) -> &str {
        self.info
            .id
            .as_ref()
            .map(|id| id.value.as_str())
            .unwrap_or_default()
    }

    fn of(master: &MasterProcess, framework: &Framework) -> FrameworkView {
        FrameworkView {
            info: framework.info.clone(),
            active: framework.active,
            connected: framework.connected,
            recovered: false,
            registered_time: framework.registered_time,
            reregistered_time: framework.reregistered_time,
            unregistered_time: framework.unregistered_time,
            offers: framework
                .offers
                .iter()
                .filter_map(|id| {
                    let record = master.offers.outstanding.get(id)?;
                    Some(OfferView {
                        id: id.clone(),
                        agent_id: record.agent_id.clone(),
                        resources: record.resources.clone(),
                    })
                })
                .collect(),
            executors: framework
                .executors
                .iter()
                .flat_map(|(agent, executors)| {
                    executors
                        .values()
                        .map(move |executor| (agent.clone(), executor.clone()))
                })
                .collect(),
            completed_tasks: framework.completed_tasks.clone(),
        }
    }
}

impl MasterProcess {
    /// The view of the master's state now: O(1) in the number of agents
    /// and tasks, O(frameworks) for the frameworks' own fields. See the
    /// module documentation.
    pub(crate) fn read_view(&self, pid: &Upid) -> ReadView {
        ReadView {
            info: self.info.clone(),
            pid: pid.clone(),
            flags: self.flags.clone(),
            start_time: self.start_time,
            elected_time: self.elected_time,
            leader: self.leader.clone(),
            agents: self.agents.shared_copy(),
            cluster: self.cluster.clone(),
            frameworks: self
                .frameworks
                .registered
                .values()
                .map(|f| FrameworkView::of(self, f))
                .collect(),
            completed_frameworks: self
                .frameworks
                .completed
                .iter()
                .map(|f| FrameworkView::of(self, f))
                .collect(),
            tasks: self.tasks.shared_copy(),
            tasks_by_agent: self.tasks.shared_by_agent(),
            viewer: Viewer::everything(),
            usage: self.tasks.shared_usage(),
            indexes: OnceLock::new(),
        }
    }
}

/// A job for the rendering threads.
type RenderJob = Box<dyn FnOnce() + Send>;

/// The nice value of the rendering threads: below the master's runtime,
/// so that a core is the master's whenever it has work.
const RENDERING_NICENESS: i32 = 10;

/// Runs `job` on one of the rendering threads (see the module
/// documentation) and returns what it made, or `None` if it panicked.
pub(crate) async fn render<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    render_early(move |answer| {
        let _ = answer.send(job());
    })
    .await
}

/// Like [`render`], for a job that answers before it has finished: a
/// response whose body it goes on writing after sending it. `None` if
/// the job panicked before answering.
pub(crate) async fn render_early<T: Send + 'static>(
    job: impl FnOnce(oneshot::Sender<T>) + Send + 'static,
) -> Option<T> {
    static JOBS: OnceLock<Mutex<mpsc::Sender<RenderJob>>> = OnceLock::new();
    let jobs = JOBS.get_or_init(|| Mutex::new(spawn_rendering_threads()));
    let (answer, answered) = oneshot::channel();
    jobs.lock()
        .expect("the job queue is never poisoned: sending does not panic")
        .send(Box::new(move || job(answer)))
        .expect("the rendering threads live as long as the process");
    answered.await.ok()
}

/// Starts one rendering thread per core, sharing one queue of jobs.
fn spawn_rendering_threads() -> mpsc::Sender<RenderJob> {
    let (sender, receiver) = mpsc::channel::<RenderJob>();
    let receiver = Arc::new(Mutex::new(receiver));
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    for n in 0..threads {
        let receiver = receiver.clone();
        std::thread::Builder::new()
            .name(format!("render-{n}"))
            .spawn(move || {
                if let Err(error) = rustix::process::setpriority_process(
                    Some(rustix::thread::gettid()),
                    RENDERING_NICENESS,
                ) {
                    tracing::warn!(%error, "rendering at the master's own priority");
                }
                loop {
                    let job = match receiver.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    // A panicking job drops its answer: its caller sees `None`.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .expect("the OS starts a rendering thread");
    }
    sender
}
