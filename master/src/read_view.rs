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
//! 3. A blocking-pool thread renders the view as JSON or protobuf and
//!    answers the client.
//!
//! So 20 concurrent `/master/state` readers at 10,000 agents cost the
//! master 20 small copies; messages and `/health` never queue behind a
//! rendering. Consistency is Mesos's: a request is answered from the state
//! as of its turn in the mailbox — everything the master did before is in
//! it, nothing after.
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
use crate::tasks::TaskKey;
use flags::MasterFlags;
use libprocess::Upid;
use proto::mesos::{ExecutorInfo, FrameworkInfo, MasterInfo, Task};
use resources::Resources;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::time::SystemTime;

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
    /// Every live task, of registered frameworks or not.
    pub tasks: imbl::HashMap<TaskKey, Task>,
    /// Built by the first rendering that needs them, off the master.
    indexes: OnceLock<Indexes>,
}

/// One pass over the view's tasks, offers and executors, so that
/// rendering is linear in the cluster's size rather than agents × tasks.
#[derive(Debug, Default)]
pub(crate) struct Indexes {
    /// Live tasks by framework id, in task id order.
    pub tasks_by_framework: HashMap<String, Vec<TaskKey>>,
    /// Live tasks by agent id.
    pub tasks_by_agent: HashMap<String, Vec<TaskKey>>,
    /// What non-terminal tasks and executors use, by agent id.
    pub used_by_agent: HashMap<String, Resources>,
    /// What is offered, by agent id.
    pub offered_by_agent: HashMap<String, Resources>,
}

impl ReadView {
    pub fn indexes(&self) -> &Indexes {
        self.indexes.get_or_init(|| {
            let mut indexes = Indexes::default();
            let add = |map: &mut HashMap<String, Resources>, agent: &str, r: &Resources| {
                let sum = map.entry(agent.to_owned()).or_default();
                *sum = &*sum + r;
            };
            for (key, task) in &self.tasks {
                indexes
                    .tasks_by_framework
                    .entry(key.0.clone())
                    .or_default()
                    .push(key.clone());
                indexes
                    .tasks_by_agent
                    .entry(task.slave_id.value.clone())
                    .or_default()
                    .push(key.clone());
                if !crate::tasks::is_terminal(task.state())
                    && let Ok(resources) = Resources::from_protos(&task.resources)
                {
                    add(&mut indexes.used_by_agent, &task.slave_id.value, &resources);
                }
            }
            for keys in indexes.tasks_by_framework.values_mut() {
                keys.sort_unstable();
            }
            for framework in &self.frameworks {
                for (agent, executor) in &framework.executors {
                    if let Ok(resources) = Resources::from_protos(&executor.resources) {
                        add(&mut indexes.used_by_agent, agent, &resources);
                    }
                }
                for offer in &framework.offers {
                    add(
                        &mut indexes.offered_by_agent,
                        &offer.agent_id,
                        &offer.resources,
                    );
                }
            }
            indexes
        })
    }

    /// The live tasks of framework `id`, in task id order.
    pub fn framework_tasks(&self, id: &str) -> Vec<&Task> {
        self.indexes()
            .tasks_by_framework
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|key| self.tasks.get(key))
            .collect()
    }

    /// This view without the frameworks, tasks and executors `viewer` may
    /// not see, as Mesos's state writers skip them (`VIEW_FRAMEWORK`,
    /// `VIEW_TASK`, `VIEW_EXECUTOR`): a hidden framework takes its tasks
    /// and executors with it. What agents use and have offered still
    /// counts every framework's, as in Mesos (which hides it by role
    /// only). Run off the master, on the rendering thread.
    pub fn visible_to(mut self, viewer: &Viewer) -> ReadView {
        if viewer.sees_everything() {
            return self;
        }
        self.indexes();
        let everyones = self.indexes.take().expect("just built");
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
            .iter()
            .filter(
                |((framework, _), task)| match visible.get(framework.as_str()) {
                    Some(info) => viewer.task(task, info),
                    None => !registered.contains(framework) && viewer.task(task, &unknown),
                },
            )
            .map(|(key, task)| (key.clone(), task.clone()))
            .collect();
        self.tasks = tasks;
        self.indexes();
        if let Some(indexes) = self.indexes.get_mut() {
            indexes.used_by_agent = everyones.used_by_agent;
            indexes.offered_by_agent = everyones.offered_by_agent;
        }
        self
    }

    /// The live tasks on agent `id`.
    pub fn agent_tasks(&self, id: &str) -> Vec<&Task> {
        self.indexes()
            .tasks_by_agent
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|key| self.tasks.get(key))
            .collect()
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
    pub completed_tasks: imbl::Vector<Task>,
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
            indexes: OnceLock::new(),
        }
    }
}
