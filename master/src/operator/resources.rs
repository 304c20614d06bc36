//! The operator calls that change an agent's resources — RESERVE_RESOURCES,
//! UNRESERVE_RESOURCES, CREATE_VOLUMES, DESTROY_VOLUMES, GROW_VOLUME,
//! SHRINK_VOLUME — and their classic endpoints (`/reserve`, `/unreserve`,
//! `/create-volumes`, `/destroy-volumes`, which take a form body
//! `slaveId=<id>&resources=<JSON array>` or `volumes=<JSON array>`), as
//! Mesos 1.11's `Master::Http` serves them.
//!
//! Each request becomes one speculative offer operation on one agent and
//! goes through the same steps, answered as Mesos answers them:
//!
//! 1. the agent must be registered (`400 No agent found with specified ID`);
//! 2. the resources must be valid, and are read in the post-refinement
//!    format (`400` with the reason);
//! 3. Mesos's operation checks for an operator (`400 Invalid RESERVE
//!    operation on agent ...: ...`): reservations are dynamic, unallocated
//!    and name the request's principal, volumes have persistence ids unique
//!    on the agent, resizing needs the agent's RESIZE_VOLUME capability, ...;
//! 4. under `--acls`, the principal must be allowed to (`RESERVE_RESOURCES`,
//!    `UNRESERVE_RESOURCES`, `CREATE_VOLUME`, `DESTROY_VOLUME`,
//!    `RESIZE_VOLUME`): `403` if not;
//! 5. the master applies it ([`MasterProcess::apply_operator_operation`]):
//!    `202 Accepted`, or `409 Conflict` when the agent's unallocated
//!    resources (after rescinding its offers) do not hold it.

use super::{Call, devolve};
use crate::authorization::Check;
use crate::master::MasterProcess;
use crate::operations::resources_of;
use crate::operations::validation::Requester;
use libprocess::{Context, Principal, Reply, Request, Response};
use proto::mesos::offer::{Operation, operation};
use proto::mesos::v1::master::{Call as V1Call, call};
use proto::mesos::{Resource, value};
use resources::Resources;
use serde_json::Value as Json;

/// Checks Mesos makes while validating the call itself (answered `400
/// Failed to validate master::Call: ...`).
pub(super) fn validate_call(call: &V1Call) -> Option<String> {
    let valid = |resources: &[proto::mesos::v1::Resource]| {
        Resources::from_v1_protos(resources)
            .err()
            .map(|error| error.to_string())
    };
    let agent_default_only =
        "Expecting 'agent_id' to be present; only agent default resources are supported right now";
    match call.r#type() {
        call::Type::ReserveResources => valid(&call.reserve_resources.as_ref()?.resources),
        call::Type::UnreserveResources => valid(&call.unreserve_resources.as_ref()?.resources),
        call::Type::GrowVolume => call
            .grow_volume
            .as_ref()?
            .agent_id
            .is_none()
            .then(|| agent_default_only.to_owned()),
        call::Type::ShrinkVolume => call
            .shrink_volume
            .as_ref()?
            .agent_id
            .is_none()
            .then(|| agent_default_only.to_owned()),
        _ => None,
    }
}

fn operation_of(kind: operation::Type) -> Operation {
    Operation {
        r#type: Some(kind as i32),
        ..Operation::default()
    }
}

fn devolved(resources: &[proto::mesos::v1::Resource]) -> Vec<Resource> {
    resources.iter().map(devolve).collect()
}

/// The agent and the operation a (validated) v1 call asks for.
fn from_call(call: V1Call) -> (String, Operation) {
    match call.r#type() {
        call::Type::ReserveResources => {
            let reserve = call.reserve_resources.expect("validated");
            let operation = Operation {
                reserve: Some(operation::Reserve {
                    source: devolved(&reserve.source),
                    resources: devolved(&reserve.resources),
                }),
                ..operation_of(operation::Type::Reserve)
            };
            (reserve.agent_id.value, operation)
        }
        call::Type::UnreserveResources => {
            let unreserve = call.unreserve_resources.expect("validated");
            let operation = Operation {
                unreserve: Some(operation::Unreserve {
                    resources: devolved(&unreserve.resources),
                }),
                ..operation_of(operation::Type::Unreserve)
            };
            (unreserve.agent_id.value, operation)
        }
        call::Type::CreateVolumes => {
            let create = call.create_volumes.expect("validated");
            let operation = Operation {
                create: Some(operation::Create {
                    volumes: devolved(&create.volumes),
                }),
                ..operation_of(operation::Type::Create)
            };
            (create.agent_id.value, operation)
        }
        call::Type::DestroyVolumes => {
            let destroy = call.destroy_volumes.expect("validated");
            let operation = Operation {
                destroy: Some(operation::Destroy {
                    volumes: devolved(&destroy.volumes),
                }),
                ..operation_of(operation::Type::Destroy)
            };
            (destroy.agent_id.value, operation)
        }
        call::Type::GrowVolume => {
            let grow = call.grow_volume.expect("validated");
            let operation = Operation {
                grow_volume: Some(operation::GrowVolume {
                    volume: devolve(&grow.volume),
                    addition: devolve(&grow.addition),
                }),
                ..operation_of(operation::Type::GrowVolume)
            };
            (grow.agent_id.expect("validated").value, operation)
        }
        call::Type::ShrinkVolume => {
            let shrink = call.shrink_volume.expect("validated");
            let operation = Operation {
                shrink_volume: Some(operation::ShrinkVolume {
                    volume: devolve(&shrink.volume),
                    subtract: devolve::<value::Scalar>(&shrink.subtract),
                }),
                ..operation_of(operation::Type::ShrinkVolume)
            };
            (shrink.agent_id.expect("validated").value, operation)
        }
        other => unreachable!("{} does not change resources", other.as_str_name()),
    }
}

/// RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES,
/// DESTROY_VOLUMES, GROW_VOLUME and SHRINK_VOLUME.
pub(super) fn dispatch(
    master: &mut MasterProcess,
    ctx: &mut Context<MasterProcess>,
    call: Call,
) -> Reply {
    let (agent_id, operation) = from_call(call.call);
    operate(master, ctx, &agent_id, operation, call.principal)
}

/// Steps 1–5 of the module's list for `operation` on `agent_id`.
fn operate(
    master: &mut MasterProcess,
    ctx: &mut Context<MasterProcess>,
    agent_id: &str,
    mut operation: Operation,
    principal: Option<Principal>,
) -> Reply {
    // Reservations and volumes record principals as plain strings.
    if principal.as_ref().is_some_and(|p| p.value.is_none()) {
        return Response::forbidden(
            "The request's authenticated principal contains claims, but no value string. \
             The master currently requires that principals have a value",
        )
        .into();
    }
    let principal = principal.and_then(|p| p.value);
    let Some(agent) = master.agents.registered.get(agent_id) else {
        return Response::bad_request("No agent found with specified ID").into();
    };
    let agent_label = agent.label();
    let mut named = resources_of(&mut operation);
    for resource in named.iter_mut() {
        if let Err(error) = Resources::validate(std::slice::from_ref(&**resource)) {
            return Response::bad_request(error.to_string()).into();
        }
        crate::agents::upgrade(std::slice::from_mut(&mut **resource));
    }
    let kind = operation.r#type();
    if let Err(error) = master.validate_operation(
        agent_id,
        &operation,
        principal.as_deref(),
        Requester::Operator,
    ) {
        let prefix = match kind {
            operation::Type::Unreserve | operation::Type::Destroy => {
                format!("Invalid {} operation", kind.as_str_name())
            }
            _ => format!(
                "Invalid {} operation on agent {agent_label}",
                kind.as_str_name()
            ),
        };
        return Response::bad_request(format!("{prefix}: {error}")).into();
    }
    let checks = Check::offer_operation(&operation);
    let agent_id = agent_id.to_owned();
    master.authorized_change(ctx, principal, checks, move |master, ctx| {
        master.apply_operator_operation(ctx, &agent_id, operation)
    })
}

/// The classic endpoints' form fields.
pub(crate) struct Form(std::collections::HashMap<String, String>);

impl Form {
    fn read(request: &Request) -> Result<Form, String> {
        let text = String::from_utf8_lossy(request.body());
        libprocess::http::decode_form(&text)
            .map(Form)
            .map_err(|error| format!("Unable to decode query string: {error}"))
    }

    fn field(&self, name: &str) -> Result<&str, String> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("Missing '{name}' query parameter in the request body"))
    }

    /// A JSON array of resources; `error_prefix` is how Mesos words a bad
    /// one for this endpoint.
    fn resources(&self, name: &str, error_prefix: &str) -> Result<Vec<Resource>, String> {
        let fail = |error: String| {
            format!("{error_prefix} '{name}' query parameter in the request body: {error}")
        };
        let text = self.field(name)?;
        let value: Json = serde_json::from_str(text).map_err(|e| fail(e.to_string()))?;
        let Json::Array(items) = value else {
            return Err(fail("Expecting a JSON array".to_owned()));
        };
        items
            .iter()
            .map(|item| proto::json::from_value::<Resource>(item).map_err(|e| fail(e.to_string())))
            .collect()
    }
}

/// How a form endpoint's body describes its operation.
pub(crate) type FormOperation = fn(&Form) -> Result<Operation, String>;

/// The form endpoints, each with its operation: `/reserve` (`resources`,
/// optionally `source`), `/unreserve` (`resources`), `/create-volumes` and
/// `/destroy-volumes` (`volumes`); each names its agent in `slaveId`.
pub(crate) const FORM_ENDPOINTS: [(&str, FormOperation); 4] = [
    ("/reserve", |form| {
        let resources = form.resources("resources", "Error parsing")?;
        let source = match form.0.contains_key("source") {
            true => form.resources("source", "Error parsing")?,
            false => Vec::new(),
        };
        let reserve = Some(operation::Reserve { source, resources });
        Ok(Operation {
            reserve,
            ..operation_of(operation::Type::Reserve)
        })
    }),
    ("/unreserve", |form| {
        let resources = form.resources("resources", "Error in parsing")?;
        let unreserve = Some(operation::Unreserve { resources });
        Ok(Operation {
            unreserve,
            ..operation_of(operation::Type::Unreserve)
        })
    }),
    ("/create-volumes", |form| {
        let volumes = form.resources("volumes", "Error in parsing")?;
        let create = Some(operation::Create { volumes });
        Ok(Operation {
            create,
            ..operation_of(operation::Type::Create)
        })
    }),
    ("/destroy-volumes", |form| {
        let volumes = form.resources("volumes", "Error in parsing")?;
        let destroy = Some(operation::Destroy { volumes });
        Ok(Operation {
            destroy,
            ..operation_of(operation::Type::Destroy)
        })
    }),
];

/// The operation a form endpoint's body describes (`build`), on the agent
/// its `slaveId` names, applied as the operator call's would be.
pub(crate) fn form_operation(
    master: &mut MasterProcess,
    ctx: &mut Context<MasterProcess>,
    request: &Request,
    build: FormOperation,
) -> Result<Reply, String> {
    let form = Form::read(request)?;
    let agent_id = form.field("slaveId")?;
    let operation = build(&form)?;
    Ok(operate(
        master,
        ctx,
        agent_id,
        operation,
        request.principal().cloned(),
    ))
}
