//! The scheduler driver protocol over libprocess: the classic
//! `mesos.internal` messages (mesos-go 0.0.x and older drivers) and
//! `mesos.scheduler.Call` (drivers since 1.0), as Mesos 1.11's
//! `Master::receive`, `registerFramework`, `reregisterFramework` and the
//! legacy message handlers.
//!
//! A driver subscribes from its pid; the master links to it, so a broken
//! connection disconnects the framework (its `failover_timeout` starts).
//! Every later message must come from the pid the framework subscribed
//! from, and is dropped otherwise, as Mesos drops it. The master answers
//! with the messages of [`crate::frameworks::ToScheduler`], sent on a
//! connection it opens to the driver.

use crate::master::MasterProcess;
use crate::scheduler::Subscriber;
use crate::scheduler_http::validate_call;
use libprocess::{Context, Upid};
use proto::mesos::internal::{
    DeactivateFrameworkMessage, FrameworkErrorMessage, FrameworkRegisteredMessage,
    FrameworkToExecutorMessage, KillTaskMessage, LaunchTasksMessage, ReconcileTasksMessage,
    RegisterFrameworkMessage, ReregisterFrameworkMessage, ResourceRequestMessage,
    ReviveOffersMessage, StatusUpdateAcknowledgementMessage, UnregisterFrameworkMessage,
};
use proto::mesos::scheduler::{Call, call};
use proto::mesos::{FrameworkId, offer};

pub(crate) fn install(ctx: &mut Context<MasterProcess>) {
    MasterProcess::install_agent_message(ctx, MasterProcess::register_framework);
    MasterProcess::install_agent_message(ctx, MasterProcess::reregister_framework);
    MasterProcess::install_agent_message(ctx, MasterProcess::driver_call);
    MasterProcess::install_agent_message(ctx, MasterProcess::unregister_framework);
    MasterProcess::install_agent_message(ctx, MasterProcess::deactivate_framework_message);
    MasterProcess::install_agent_message(ctx, MasterProcess::launch_tasks);
    MasterProcess::install_agent_message(ctx, MasterProcess::revive_offers);
    MasterProcess::install_agent_message(ctx, MasterProcess::kill_task);
    MasterProcess::install_agent_message(ctx, MasterProcess::framework_acknowledgement);
    MasterProcess::install_agent_message(ctx, MasterProcess::framework_to_executor);
    MasterProcess::install_agent_message(ctx, MasterProcess::reconcile_tasks);
    MasterProcess::install_agent_message(ctx, MasterProcess::resource_request);
}

impl MasterProcess {
    /// The framework `framework_id` if `from` is its driver; logs and
    /// answers otherwise, as Mesos's `Master::receive` does.
    fn driver_framework(
        &self,
        ctx: &Context<Self>,
        from: &Upid,
        framework_id: &FrameworkId,
        what: &str,
    ) -> Option<String> {
        let Some(framework) = self.frameworks.get(&framework_id.value) else {
            tracing::warn!(%from, framework = %framework_id.value, "ignoring {what} of an unknown framework");
            return None;
        };
        if framework.http.is_some() || framework.pid.as_ref() != Some(from) {
            tracing::warn!(%from, framework = %framework_id.value, "ignoring {what}: not from the framework's pid");
            return None;
        }
        if !framework.connected {
            ctx.send_protobuf(
                from,
                &FrameworkErrorMessage {
                    message: "Framework disconnected".to_owned(),
                },
            );
            return None;
        }
        Some(framework_id.value.clone())
    }

    fn register_framework(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: RegisterFrameworkMessage,
    ) {
        if message
            .framework
            .id
            .as_ref()
            .is_some_and(|id| !id.value.is_empty())
        {
            ctx.send_protobuf(
                &from,
                &FrameworkErrorMessage {
                    message: "Registering with 'id' already set".to_owned(),
                },
            );
            return;
        }
        // A retry from a driver already registered: told again.
        if let Some(id) = self.frameworks.id_by_pid(&from)
            && let Some(framework) = self.frameworks.get(id)
            && framework.connected
        {
            tracing::info!(framework = id, %from, "framework already registered, resending acknowledgement");
            ctx.send_protobuf(
                &from,
                &FrameworkRegisteredMessage {
                    framework_id: framework.framework_id(),
                    master_info: self.info.clone(),
                },
            );
            return;
        }
        let subscribe = call::Subscribe {
            framework_info: message.framework,
            ..call::Subscribe::default()
        };
        self.subscribe(ctx, Subscriber::Pid(from), subscribe, false);
    }

    fn reregister_framework(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: ReregisterFrameworkMessage,
    ) {
        if message
            .framework
            .id
            .as_ref()
            .is_none_or(|id| id.value.is_empty())
        {
            ctx.send_protobuf(
                &from,
                &FrameworkErrorMessage {
                    message: "Reregistering without an 'id'".to_owned(),
                },
            );
            return;
        }
        let subscribe = call::Subscribe {
            framework_info: message.framework,
            ..call::Subscribe::default()
        };
        self.subscribe(ctx, Subscriber::Pid(from), subscribe, message.failover);
    }

    /// `mesos.scheduler.Call` sent by a driver.
    fn driver_call(&mut self, ctx: &mut Context<Self>, from: Upid, call: Call) {
        if let Err(error) = validate_call(&call) {
            tracing::warn!(%from, %error, "dropping invalid call");
            return;
        }
        if let Some(subscribe) = call.subscribe.clone()
            && call.r#type() == proto::mesos::scheduler::call::Type::Subscribe
        {
            let force = subscribe.force();
            return self.subscribe(ctx, Subscriber::Pid(from), subscribe, force);
        }
        let framework_id = call.framework_id.clone().expect("validated");
        if let Some(id) = self.driver_framework(ctx, &from, &framework_id, "call") {
            self.handle_call(ctx, &id, call);
        }
    }

    fn unregister_framework(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: UnregisterFrameworkMessage,
    ) {
        if let Some(id) = self.driver_framework(ctx, &from, &message.framework_id, "unregistration")
        {
            self.teardown(ctx, &id);
        }
    }

    fn deactivate_framework_message(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: DeactivateFrameworkMessage,
    ) {
        self.scheduler_metrics
            .messages_deactivate_framework
            .increment();
        if let Some(id) = self.driver_framework(ctx, &from, &message.framework_id, "deactivation") {
            self.deactivate_framework(ctx, &id, true);
        }
    }

    /// Tasks to launch become ACCEPT with one LAUNCH; none, DECLINE.
    fn launch_tasks(&mut self, ctx: &mut Context<Self>, from: Upid, message: LaunchTasksMessage) {
        self.scheduler_metrics.messages_launch_tasks.increment();
        let Some(id) = self.driver_framework(ctx, &from, &message.framework_id, "launch") else {
            return;
        };
        if message.tasks.is_empty() {
            return self.decline(ctx, &id, &message.offer_ids, Some(message.filters));
        }
        let accept = call::Accept {
            offer_ids: message.offer_ids,
            operations: vec![offer::Operation {
                r#type: Some(offer::operation::Type::Launch as i32),
                launch: Some(offer::operation::Launch {
                    task_infos: message.tasks,
                }),
                ..offer::Operation::default()
            }],
            filters: Some(message.filters),
        };
        self.accept(ctx, &id, accept);
    }

    fn revive_offers(&mut self, ctx: &mut Context<Self>, from: Upid, message: ReviveOffersMessage) {
        if let Some(id) = self.driver_framework(ctx, &from, &message.framework_id, "revive") {
            self.revive(ctx, &id, message.roles);
        }
    }

    fn kill_task(&mut self, ctx: &mut Context<Self>, from: Upid, message: KillTaskMessage) {
        if let Some(id) = self.driver_framework(ctx, &from, &message.framework_id, "kill") {
            let kill = call::Kill {
                task_id: message.task_id,
                slave_id: None,
                kill_policy: message.kill_policy,
            };
            self.kill(ctx, &id, kill);
        }
    }

    fn framework_acknowledgement(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: StatusUpdateAcknowledgementMessage,
    ) {
        if let Some(id) =
            self.driver_framework(ctx, &from, &message.framework_id, "acknowledgement")
        {
            let acknowledge = call::Acknowledge {
                slave_id: message.slave_id,
                task_id: message.task_id,
                uuid: message.uuid,
            };
            self.acknowledge(ctx, &id, acknowledge);
        }
    }

    fn framework_to_executor(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: FrameworkToExecutorMessage,
    ) {
        if let Some(id) = self.driver_framework(ctx, &from, &message.framework_id, "message") {
            let relayed = call::Message {
                slave_id: message.slave_id,
                executor_id: message.executor_id,
                data: message.data,
            };
            self.framework_message(ctx, &id, relayed);
        }
    }

    fn reconcile_tasks(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: ReconcileTasksMessage,
    ) {
        if let Some(id) = self.driver_framework(ctx, &from, &message.framework_id, "reconciliation")
        {
            let tasks = message
                .statuses
                .into_iter()
                .map(|status| call::reconcile::Task {
                    task_id: status.task_id,
                    slave_id: status.slave_id,
                })
                .collect();
            self.reconcile(ctx, &id, tasks);
        }
    }

    fn resource_request(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: ResourceRequestMessage,
    ) {
        if let Some(id) = self.driver_framework(ctx, &from, &message.framework_id, "request") {
            self.request(&id, &message.requests);
        }
    }
}
