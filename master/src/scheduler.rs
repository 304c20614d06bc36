//! A framework's life in the master, whatever its transport: subscription
//! (new, failover, resubscription after a master failover), the calls of a
//! subscribed framework, disconnection with its `failover_timeout`, and
//! removal — Mesos 1.11's `subscribe`/`_subscribe`, `failoverFramework`,
//! `_exited`, `frameworkFailoverTimeout`, `removeFramework`.
//!
//! The HTTP API ([`crate::scheduler_http`]) and the driver protocol
//! ([`crate::driver`]) both come here with a decoded `mesos.scheduler.Call`
//! once they have checked who is calling.

use crate::authorization::{Check, FrameworkApprovers};
use crate::frameworks::{Framework, HttpConnection, ToScheduler, error_event, roles_of};
use crate::master::MasterProcess;
use libprocess::{Context, Upid};
use proto::mesos::SlaveId;
use proto::mesos::internal::{
    FrameworkErrorMessage, FrameworkRegisteredMessage, FrameworkReregisteredMessage,
    ShutdownFrameworkMessage, UpdateFrameworkMessage,
};
use proto::mesos::scheduler::{Call, call};
use proto::mesos::{FrameworkInfo, TaskState, framework_info, task_status};
use resources::Resources;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, SystemTime};

/// How a subscribing framework is reached.
#[derive(Debug)]
pub(crate) enum Subscriber {
    Http(HttpConnection),
    Pid(Upid),
}

/// Mesos's `validation::framework::validate` and the master's own checks
/// of a subscription.
fn validate_framework(info: &FrameworkInfo, suppressed_roles: &[String]) -> Result<(), String> {
    let multi_role = info
        .capabilities
        .iter()
        .any(|c| c.r#type() == framework_info::capability::Type::MultiRole);
    if multi_role {
        #[allow(deprecated)] // `role` is how single-role frameworks still name theirs.
        let role_set = info.role.is_some();
        if role_set {
            return Err(
                "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable"
                    .to_owned(),
            );
        }
        let mut seen = BTreeSet::new();
        for role in &info.roles {
            if !seen.insert(role) {
                return Err(format!(
                    "'FrameworkInfo.roles' contains duplicate role '{role}'"
                ));
            }
            resources::roles::validate(role)?;
        }
    } else {
        if !info.roles.is_empty() {
            return Err(
                "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable"
                    .to_owned(),
            );
        }
        resources::roles::validate(info.role())?;
    }
    let roles = roles_of(info);
    if let Some(role) = suppressed_roles.iter().find(|role| !roles.contains(*role)) {
        return Err(format!(
            "Suppressed role '{role}' is not contained in the list of roles"
        ));
    }
    let failover_timeout = info.failover_timeout();
    if !failover_timeout.is_finite()
        || failover_timeout < 0.0
        || Duration::try_from_secs_f64(failover_timeout).is_err()
    {
        return Err(format!(
            "The framework failover_timeout ({failover_timeout}) is invalid"
        ));
    }
    Ok(())
}

/// Mesos's `validation::framework::validateUpdate`: what a framework may
/// not change about itself.
fn validate_update(old: &FrameworkInfo, new: &FrameworkInfo) -> Result<(), String> {
    if old.principal != new.principal {
        tracing::warn!(framework = ?old.id, old = ?old.principal, new = ?new.principal, "a framework tried to change its principal");
        return Err("Changing framework's principal is not allowed.".to_owned());
    }
    if old.user != new.user {
        return Err(format!(
            "Updating 'FrameworkInfo.user' is unsupported; attempted to update from '{}' to '{}'",
            old.user, new.user
        ));
    }
    if old.checkpoint() != new.checkpoint() {
        return Err(format!(
            "Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '{}' to '{}'",
            old.checkpoint(),
            new.checkpoint()
        ));
    }
    Ok(())
}

/// Why UPDATE_FRAMEWORK was refused: the HTTP status and the message.
#[derive(Debug)]
pub(crate) struct UpdateRefused {
    pub status: http::StatusCode,
    pub message: String,
}

impl MasterProcess {
    pub(crate) fn publish_framework_counts(&self) {
        self.scheduler_metrics.publish(self.frameworks.counts());
    }

    /// SUBSCRIBE (or a driver's (re)registration).
    pub(crate) fn subscribe(
        &mut self,
        ctx: &mut Context<Self>,
        subscriber: Subscriber,
        subscribe: call::Subscribe,
        force: bool,
    ) {
        if let Subscriber::Pid(pid) = &subscriber
            && self.authentications.in_progress(pid)
        {
            tracing::info!(%pid, "queuing up the subscription because authentication is still in progress");
            let pid = pid.clone();
            self.authentications.defer(
                &pid,
                Box::new(move |master: &mut Self, ctx| {
                    master.subscribe(ctx, subscriber, subscribe, force)
                }),
            );
            return;
        }
        let call::Subscribe {
            mut framework_info,
            suppressed_roles,
            ..
        } = subscribe;
        let resubscribing = framework_info
            .id
            .as_ref()
            .is_some_and(|id| !id.value.is_empty());
        if resubscribing {
            self.scheduler_metrics
                .messages_reregister_framework
                .increment();
        } else {
            self.scheduler_metrics
                .messages_register_framework
                .increment();
            framework_info.id = None;
        }
        let mut validation = validate_framework(&framework_info, &suppressed_roles);
        if validation.is_ok()
            && let Some(id) = &framework_info.id
            && self.frameworks.is_completed(&id.value)
        {
            validation = Err("Framework has been removed".to_owned());
        }
        if validation.is_ok()
            && let Subscriber::Pid(pid) = &subscriber
        {
            validation = self.check_driver_principal(pid, &mut framework_info);
        }
        if let Err(error) = validation {
            tracing::info!(framework = %framework_info.name, %error, "refusing subscription of framework");
            return refuse(ctx, subscriber, error);
        }
        if self.authorizer.is_none() {
            let approvers = FrameworkApprovers::default();
            return self.subscribe_authorized(
                ctx,
                subscriber,
                framework_info,
                suppressed_roles,
                force,
                approvers,
            );
        }
        // The framework's approvers judge its registration now, and its
        // launches and operations later without waiting.
        let approvers =
            FrameworkApprovers::fetch(self.authorizer.clone(), framework_info.principal.clone());
        let master = ctx.handle();
        tokio::spawn(async move {
            let approvers = approvers.await;
            master.dispatch(move |master: &mut Self, ctx| {
                let registration = Check::framework_registration(&framework_info);
                let refusal = match approvers {
                    Ok(approvers) if approvers.approved(&registration) => {
                        return master.subscribe_authorized(
                            ctx,
                            subscriber,
                            framework_info,
                            suppressed_roles,
                            force,
                            approvers,
                        );
                    }
                    Ok(_) => format!("Not authorized to {registration}"),
                    Err(error) => format!(
                        "Authorization failure: could not create ObjectApprovers for a \
                         framework: {error}"
                    ),
                };
                tracing::info!(framework = %framework_info.name, error = %refusal, "refusing subscription of framework");
                refuse(ctx, subscriber, refusal);
            });
        });
    }

    /// The rest of [`subscribe`](Self::subscribe), once authorized.
    fn subscribe_authorized(
        &mut self,
        ctx: &mut Context<Self>,
        subscriber: Subscriber,
        mut framework_info: FrameworkInfo,
        suppressed_roles: Vec<String>,
        force: bool,
        approvers: FrameworkApprovers,
    ) {
        let suppressed: BTreeSet<String> = suppressed_roles.into_iter().collect();

        let Some(id) = framework_info.id.clone() else {
            let id = self.frameworks.new_id(&self.info.id);
            framework_info.id = Some(id.clone());
            tracing::info!(framework = %id.value, name = %framework_info.name, "subscribing new framework");
            let mut framework = Framework::new(framework_info);
            framework.suppressed_roles = suppressed;
            framework.approvers = approvers;
            self.add_framework(ctx, framework, subscriber);
            self.scheduler_metrics.framework_registrations.increment();
            let message = FrameworkRegisteredMessage {
                framework_id: id.clone(),
                master_info: self.info.clone(),
            };
            self.connected_framework(ctx, &id.value, ToScheduler::Registered(message));
            return;
        };

        // A driver connected as another framework may not take this one.
        if let Subscriber::Pid(pid) = &subscriber
            && let Some(other) = self.frameworks.id_by_pid(pid)
            && other != id.value
            && self.frameworks.get(other).is_some_and(|f| f.connected)
        {
            tracing::error!(%pid, framework = %id.value, other, "dropping SUBSCRIBE: the driver is connected as another framework");
            return;
        }

        if !self.frameworks.registered.contains_key(&id.value) {
            // Unknown here, as after a master failover: recovered.
            tracing::info!(framework = %id.value, "recovering framework that resubscribes");
            let mut framework = Framework::new(framework_info);
            framework.suppressed_roles = suppressed;
            framework.approvers = approvers;
            let is_pid = matches!(subscriber, Subscriber::Pid(_));
            self.add_framework(ctx, framework, subscriber);
            self.scheduler_metrics.framework_reregistrations.increment();
            // Drivers are told they registered, as Mesos does (MESOS-786).
            let registered = FrameworkRegisteredMessage {
                framework_id: id.clone(),
                master_info: self.info.clone(),
            };
            let message = if is_pid {
                ToScheduler::Registered(registered)
            } else {
                ToScheduler::Reregistered(FrameworkReregisteredMessage {
                    framework_id: registered.framework_id,
                    master_info: registered.master_info,
                })
            };
            self.connected_framework(ctx, &id.value, message);
            return;
        }

        // A known framework: a failover, or a driver reconnecting.
        let framework = self.frameworks.get_mut(&id.value).expect("checked");
        // Immutable fields stay as first subscribed; the principal may not
        // change.
        framework_info.user = framework.info.user.clone();
        framework_info.checkpoint = framework.info.checkpoint;
        if let Err(error) = validate_update(&framework.info, &framework_info) {
            return refuse(ctx, subscriber, error);
        }
        let same_pid = matches!(&subscriber, Subscriber::Pid(pid) if framework.http.is_none() && framework.pid.as_ref() == Some(pid));
        // Another driver takes over only when it says it fails over.
        if matches!(subscriber, Subscriber::Pid(_)) && !same_pid && !force {
            tracing::error!(framework = %id.value, "disallowing subscription from a new pid without failover");
            return refuse(ctx, subscriber, "Framework failed over".to_owned());
        }
        if let Some(timer) = framework.failover_timer.take() {
            timer.cancel();
        }
        let roles_changed = roles_of(&framework_info) != framework.roles();
        framework.info = framework_info;
        framework.suppressed_roles = suppressed;
        framework.approvers = approvers;
        framework.reregistered_time = Some(SystemTime::now());
        let reconnecting = same_pid && !force;
        if !reconnecting && framework.connected {
            framework.send(
                ctx,
                ToScheduler::Error(FrameworkErrorMessage {
                    message: "Framework failed over".to_owned(),
                }),
            );
        }
        // Dropping the connection ends its stream.
        drop(framework.http.take());
        let info = framework.info.clone();
        let options = allocator::FrameworkOptions {
            suppressed_roles: framework.suppressed_roles.clone(),
            offer_constraints: None,
        };
        self.attach(ctx, &id.value, subscriber);
        // Outstanding offers go back: the new instance knows none of them.
        self.remove_framework_offers(ctx, &id.value, reconnecting);
        if (roles_changed || !reconnecting)
            && let Err(error) = self.allocator.lock().update_framework(&info, options)
        {
            tracing::error!(framework = %id.value, %error, "the allocator refused the framework's update");
        }
        self.activate_framework(ctx, &id.value);
        self.framework_event(ctx, &id.value, false);
        self.scheduler_metrics.framework_reregistrations.increment();
        let message = if reconnecting {
            ToScheduler::Reregistered(FrameworkReregisteredMessage {
                framework_id: id.clone(),
                master_info: self.info.clone(),
            })
        } else {
            ToScheduler::Registered(FrameworkRegisteredMessage {
                framework_id: id.clone(),
                master_info: self.info.clone(),
            })
        };
        self.connected_framework(ctx, &id.value, message);
        self.send_framework_updates(ctx, &id.value);
    }

    /// UPDATE_FRAMEWORK: new roles, capabilities, suppressed roles; offers
    /// in roles it left are rescinded and agents learn the new info.
    pub(crate) fn update_framework(
        &mut self,
        ctx: &mut Context<Self>,
        update: call::UpdateFramework,
    ) -> Result<(), UpdateRefused> {
        let bad_request = |message: String| UpdateRefused {
            status: http::StatusCode::BAD_REQUEST,
            message,
        };
        let info = update.framework_info;
        let id = info.id.clone().unwrap_or_default().value;
        let Some(framework) = self.frameworks.get(&id) else {
            return Err(bad_request("Framework cannot be found".to_owned()));
        };
        tracing::info!(framework = %id, "processing UPDATE_FRAMEWORK call");
        validate_framework(&info, &update.suppressed_roles)
            .map_err(|e| bad_request(format!("Supplied FrameworkInfo is not valid: {e}")))?;
        validate_update(&framework.info, &info)
            .map_err(|e| bad_request(format!("FrameworkInfo update is not valid: {e}")))?;
        let changed = framework.info != info;
        let options = allocator::FrameworkOptions {
            suppressed_roles: update.suppressed_roles.iter().cloned().collect(),
            offer_constraints: None,
        };
        if let Err(error) = self
            .allocator
            .lock()
            .update_framework(&info, options.clone())
        {
            tracing::error!(framework = %id, %error, "the allocator refused the framework's update");
        }
        let roles = roles_of(&info);
        let stale: Vec<String> = framework
            .offers
            .iter()
            .filter(|offer| {
                self.offers
                    .outstanding
                    .get(*offer)
                    .is_some_and(|record| !roles.contains(&record.role))
            })
            .cloned()
            .collect();
        for offer_id in stale {
            self.rescind_offer(ctx, &offer_id, None);
        }
        let framework = self.frameworks.get_mut(&id).expect("looked up");
        framework.info = info;
        framework.suppressed_roles = options.suppressed_roles;
        if changed {
            self.send_framework_updates(ctx, &id);
        }
        self.allocate_soon(ctx);
        Ok(())
    }

    /// Mesos's `sendFrameworkUpdates`: every agent learns the framework's
    /// current info and pid.
    fn send_framework_updates(&self, ctx: &Context<Self>, id: &str) {
        let Some(framework) = self.frameworks.get(id) else {
            return;
        };
        let message = UpdateFrameworkMessage {
            framework_id: framework.framework_id(),
            pid: Some(framework.pid_text()),
            framework_info: Some(framework.info.clone()),
        };
        for agent in self.agents.registered.values() {
            ctx.send_protobuf(&agent.pid, &message);
        }
    }

    /// Mesos's `addFramework`: recorded, connected, given to the allocator.
    fn add_framework(
        &mut self,
        ctx: &mut Context<Self>,
        framework: Framework,
        subscriber: Subscriber,
    ) {
        let id = framework.id().to_owned();
        let used = self.used_by(&id);
        let options = allocator::FrameworkOptions {
            suppressed_roles: framework.suppressed_roles.clone(),
            offer_constraints: None,
        };
        if let Err(error) =
            self.allocator
                .lock()
                .add_framework(&framework.info, &used, true, options)
        {
            tracing::error!(framework = %id, %error, "the allocator refused the framework");
        }
        // Tasks agents brought back for it before it resubscribed.
        let mut framework = framework;
        framework.tasks = self
            .tasks
            .iter()
            .filter(|task| task.framework_id.value == id)
            .map(|task| task.task_id.value.clone())
            .collect();
        framework.active = true;
        self.frameworks.insert(framework);
        self.attach(ctx, &id, subscriber);
        self.framework_event(ctx, &id, true);
        self.publish_framework_counts();
        self.allocate_soon(ctx);
    }

    /// The resources a (recovered) framework's known tasks use, per agent.
    fn used_by(&self, framework_id: &str) -> HashMap<SlaveId, Resources> {
        let mut used: HashMap<SlaveId, Resources> = HashMap::new();
        for task in self
            .tasks
            .iter()
            .filter(|t| t.framework_id.value == framework_id)
        {
            if let Ok(resources) = Resources::from_protos(&task.resources) {
                let entry = used.entry(task.slave_id.clone()).or_default();
                *entry = &*entry + &resources;
            }
        }
        used
    }

    /// Connects the framework through `subscriber`: links to a driver,
    /// watches an HTTP stream for its end.
    fn attach(&mut self, ctx: &mut Context<Self>, id: &str, subscriber: Subscriber) {
        match subscriber {
            Subscriber::Pid(pid) => {
                ctx.link(&pid);
                self.frameworks.set_pid(id, Some(pid));
            }
            Subscriber::Http(mut http) => {
                self.frameworks.set_pid(id, None);
                let stream_id = http.stream_id.clone();
                let master = ctx.handle();
                let framework_id = id.to_owned();
                http.on_closed(move || {
                    master.dispatch(move |master: &mut Self, ctx| {
                        master.http_closed(ctx, &framework_id, &stream_id)
                    });
                });
                if let Some(framework) = self.frameworks.get_mut(id) {
                    framework.http = Some(http);
                }
            }
        }
        if let Some(framework) = self.frameworks.get_mut(id) {
            framework.connected = true;
        }
        self.publish_framework_counts();
    }

    /// Sends SUBSCRIBED (or the driver's registration message) and starts
    /// the heartbeats of an HTTP subscriber.
    fn connected_framework(&mut self, ctx: &mut Context<Self>, id: &str, message: ToScheduler) {
        let Some(framework) = self.frameworks.get_mut(id) else {
            return;
        };
        framework.send(ctx, message);
        if let Some(http) = &mut framework.http {
            http.start_heartbeats();
        }
    }

    fn activate_framework(&mut self, ctx: &mut Context<Self>, id: &str) {
        let Some(framework) = self.frameworks.get_mut(id) else {
            return;
        };
        if !framework.active {
            framework.active = true;
            let framework_id = framework.framework_id();
            if let Err(error) = self.allocator.lock().activate_framework(&framework_id) {
                tracing::error!(framework = id, %error, "the allocator cannot activate the framework");
            }
        }
        self.publish_framework_counts();
        self.allocate_soon(ctx);
    }

    /// Mesos's `deactivate(framework, rescind)`.
    pub(crate) fn deactivate_framework(
        &mut self,
        ctx: &mut Context<Self>,
        id: &str,
        rescind: bool,
    ) {
        let Some(framework) = self.frameworks.get_mut(id) else {
            return;
        };
        if framework.active {
            framework.active = false;
            let framework_id = framework.framework_id();
            if let Err(error) = self.allocator.lock().deactivate_framework(&framework_id) {
                tracing::error!(framework = id, %error, "the allocator cannot deactivate the framework");
            }
        }
        self.remove_framework_offers(ctx, id, rescind);
        self.publish_framework_counts();
    }

    fn http_closed(&mut self, ctx: &mut Context<Self>, id: &str, stream_id: &str) {
        let current = self
            .frameworks
            .get(id)
            .and_then(|f| f.http.as_ref())
            .is_some_and(|http| http.stream_id == stream_id);
        if current {
            tracing::info!(framework = id, "the framework's event stream closed");
            self.framework_disconnected(ctx, id);
        }
    }

    /// A driver's connection broke (`exited`): returns whether the pid was
    /// a framework's.
    pub(crate) fn framework_exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) -> bool {
        let Some(id) = self.frameworks.id_by_pid(pid).map(str::to_owned) else {
            return false;
        };
        // A driver authenticates again before it resubscribes.
        self.authentications.forget(pid);
        let driver_connected = self
            .frameworks
            .get(&id)
            .is_some_and(|f| f.http.is_none() && f.connected);
        if driver_connected {
            tracing::info!(framework = %id, %pid, "the framework's driver disconnected");
            self.framework_disconnected(ctx, &id);
        }
        true
    }

    /// Mesos's `_exited`: disconnected and deactivated, removed after its
    /// `failover_timeout` unless it comes back.
    pub(crate) fn framework_disconnected(&mut self, ctx: &mut Context<Self>, id: &str) {
        self.deactivate_framework(ctx, id, false);
        let Some(framework) = self.frameworks.get_mut(id) else {
            return;
        };
        framework.connected = false;
        // Dropping the connection ends its stream.
        drop(framework.http.take());
        let timeout = Duration::try_from_secs_f64(framework.info.failover_timeout())
            .unwrap_or(Duration::ZERO);
        let since = framework.reregistered_time;
        tracing::info!(
            framework = id,
            ?timeout,
            "giving the framework its failover timeout"
        );
        let framework_id = id.to_owned();
        framework.failover_timer = Some(ctx.delay(timeout, move |master: &mut Self, ctx| {
            master.failover_timeout(ctx, &framework_id, since)
        }));
        self.publish_framework_counts();
    }

    fn failover_timeout(&mut self, ctx: &mut Context<Self>, id: &str, since: Option<SystemTime>) {
        let expired = self
            .frameworks
            .get(id)
            .is_some_and(|f| !f.connected && f.reregistered_time == since);
        if expired {
            tracing::info!(
                framework = id,
                "framework failover timeout, removing framework"
            );
            self.remove_framework(ctx, id);
        }
    }

    /// Mesos's `removeFramework`: agents shut it down, its tasks are
    /// killed, and it joins the completed frameworks.
    pub(crate) fn remove_framework(&mut self, ctx: &mut Context<Self>, id: &str) {
        if !self.frameworks.registered.contains_key(id) {
            return;
        }
        tracing::info!(framework = id, "removing framework");
        self.deactivate_framework(ctx, id, false);
        self.offers
            .inverse
            .retain(|_, (framework, _)| framework != id);
        let framework_id = proto::mesos::FrameworkId {
            value: id.to_owned(),
        };
        let shutdown = ShutdownFrameworkMessage {
            framework_id: framework_id.clone(),
        };
        for agent in self.agents.registered.values() {
            ctx.send_protobuf(&agent.pid, &shutdown);
        }
        let task_ids: Vec<String> = self
            .frameworks
            .get(id)
            .map(|f| f.tasks.iter().cloned().collect())
            .unwrap_or_default();
        for task_id in task_ids {
            let Some(task) = self.tasks.get(id, &task_id) else {
                continue;
            };
            let mut update = crate::tasks::master_update(
                &framework_id,
                Some(task.slave_id.clone()),
                task.task_id.clone(),
                TaskState::TaskKilled,
                task_status::Reason::FrameworkRemoved,
                format!("Framework {id} removed"),
            );
            update.executor_id = task.executor_id.clone();
            self.update_task(id, &task_id, &update);
            self.remove_task(id, &task_id);
        }
        if let Err(error) = self.allocator.lock().remove_framework(&framework_id) {
            tracing::error!(framework = id, %error, "the allocator did not know the framework");
        }
        if let Some(mut framework) = self.frameworks.remove(id) {
            if let Some(timer) = framework.failover_timer.take() {
                timer.cancel();
            }
            drop(framework.http.take());
            framework.connected = false;
            framework.active = false;
            framework.executors.clear();
            self.framework_removed_event(&framework.info);
            self.frameworks
                .archive(framework, self.flags.max_completed_frameworks);
        }
        self.scheduler_metrics.framework_removals.increment();
        self.publish_framework_counts();
        self.allocate_soon(ctx);
    }

    /// TEARDOWN (a driver's `UnregisterFrameworkMessage`).
    pub(crate) fn teardown(&mut self, ctx: &mut Context<Self>, id: &str) {
        tracing::info!(framework = id, "processing TEARDOWN call");
        self.scheduler_metrics
            .messages_unregister_framework
            .increment();
        self.remove_framework(ctx, id);
    }

    /// A call of a subscribed framework, after its transport checked the
    /// caller. SUBSCRIBE is handled by [`Self::subscribe`].
    pub(crate) fn handle_call(&mut self, ctx: &mut Context<Self>, id: &str, call: Call) {
        use proto::mesos::scheduler::call::Type;
        match call.r#type() {
            Type::Subscribe | Type::Unknown => {}
            Type::Teardown => self.teardown(ctx, id),
            Type::Accept => {
                if let Some(accept) = call.accept {
                    self.accept(ctx, id, accept);
                }
            }
            Type::Decline => {
                if let Some(decline) = call.decline {
                    self.decline(ctx, id, &decline.offer_ids, decline.filters);
                }
            }
            Type::Revive => {
                let roles = call.revive.map(|r| r.roles).unwrap_or_default();
                self.revive(ctx, id, roles);
            }
            Type::Suppress => {
                let roles = call.suppress.map(|s| s.roles).unwrap_or_default();
                self.suppress(id, roles);
            }
            Type::Kill => {
                if let Some(kill) = call.kill {
                    self.kill(ctx, id, kill);
                }
            }
            Type::Acknowledge => {
                if let Some(acknowledge) = call.acknowledge {
                    self.acknowledge(ctx, id, acknowledge);
                }
            }
            Type::Reconcile => {
                let tasks = call.reconcile.map(|r| r.tasks).unwrap_or_default();
                self.reconcile(ctx, id, tasks);
            }
            Type::Message => {
                if let Some(message) = call.message {
                    self.framework_message(ctx, id, message);
                }
            }
            Type::Shutdown => {
                if let Some(shutdown) = call.shutdown {
                    self.shutdown_executor(ctx, id, shutdown);
                }
            }
            Type::Request => {
                let requests = call.request.map(|r| r.requests).unwrap_or_default();
                self.request(id, &requests);
            }
            Type::UpdateFramework => {
                if let Some(update) = call.update_framework
                    && let Err(refused) = self.update_framework(ctx, update)
                    && let Some(framework) = self.frameworks.get(id)
                {
                    framework.send(
                        ctx,
                        ToScheduler::Error(FrameworkErrorMessage {
                            message: refused.message,
                        }),
                    );
                }
            }
            Type::AcknowledgeOperationStatus => {
                if let Some(acknowledge) = call.acknowledge_operation_status {
                    self.acknowledge_operation_status(ctx, id, acknowledge);
                }
            }
            Type::AcceptInverseOffers => {
                if let Some(accept) = call.accept_inverse_offers {
                    self.answer_inverse_offers(
                        ctx,
                        id,
                        accept.inverse_offer_ids,
                        accept.filters,
                        true,
                    );
                }
            }
            Type::DeclineInverseOffers => {
                if let Some(decline) = call.decline_inverse_offers {
                    self.answer_inverse_offers(
                        ctx,
                        id,
                        decline.inverse_offer_ids,
                        decline.filters,
                        false,
                    );
                }
            }
            other => {
                tracing::warn!(framework = id, call = ?other, "ignoring a call this master does not handle yet");
            }
        }
    }
}

/// Tells a refused subscriber why: ERROR then the end of its stream, or a
/// `FrameworkErrorMessage` to a driver.
fn refuse(ctx: &Context<MasterProcess>, subscriber: Subscriber, message: String) {
    match subscriber {
        Subscriber::Http(http) => {
            http.send(&error_event(&message));
        }
        Subscriber::Pid(pid) => ctx.send_protobuf(&pid, &FrameworkErrorMessage { message }),
    }
}
