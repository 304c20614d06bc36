//! The v1 HTTP scheduler API: `POST /api/v1/scheduler` (also
//! `/master/api/v1/scheduler`), as Mesos 1.11's `Master::Http::scheduler`.
//!
//! Requests are checked in Mesos's order, each failure answered as Mesos
//! answers it (plain-text bodies): recovery not finished (503), method
//! (405), `Content-Type` missing (400) or not JSON/protobuf (415), a body
//! that does not parse (400), a call that does not validate (400), an
//! `Accept` that allows neither encoding for SUBSCRIBE (406).
//!
//! SUBSCRIBE answers `200` with a chunked RecordIO event stream in the
//! accepted encoding and a fresh `Mesos-Stream-Id`. Every other call names
//! a framework subscribed over HTTP and carries that stream id; it is
//! answered `202 Accepted` with an empty body once the master has applied
//! it.

use crate::authentication::check_http_framework_principal;
use crate::endpoints;
use crate::frameworks::{ContentType, HttpConnection};
use crate::master::MasterProcess;
use crate::scheduler::Subscriber;
use http::header::{ALLOW, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use libprocess::{Context, Reply, Request, Response};
use prost::Message as _;
use proto::mesos::scheduler::{Call, call};

/// The header naming a subscriber's stream.
pub(crate) const STREAM_ID: &str = "Mesos-Stream-Id";

pub(crate) fn install(ctx: &mut Context<MasterProcess>) {
    // Authenticated with --authenticate_http_frameworks.
    ctx.route_authenticated(
        "/api/v1/scheduler",
        authentication::SCHEDULER_REALM,
        scheduler,
    );
}

fn text(status: StatusCode, body: impl Into<String>) -> Reply {
    Response::text(status, body.into()).into()
}

fn failure(status: StatusCode, body: impl Into<String>) -> (StatusCode, String) {
    (status, body.into())
}

/// Mesos's `validation::scheduler::call::validate`.
pub(crate) fn validate_call(call: &Call) -> Result<(), String> {
    use proto::mesos::scheduler::call::Type;
    let Some(kind) = call.r#type.and_then(|t| Type::try_from(t).ok()) else {
        return Err("Expecting 'type' to be present".to_owned());
    };
    if kind == Type::Subscribe {
        let Some(subscribe) = &call.subscribe else {
            return Err("Expecting 'subscribe' to be present".to_owned());
        };
        if call.framework_id.as_ref() != subscribe.framework_info.id.as_ref() {
            return Err("'framework_id' differs from 'subscribe.framework_info.id'".to_owned());
        }
        return Ok(());
    }
    if call.framework_id.is_none() {
        return Err("Expecting 'framework_id' to be present".to_owned());
    }
    let missing = |name: &str| Err(format!("Expecting '{name}' to be present"));
    match kind {
        Type::Accept if call.accept.is_none() => missing("accept"),
        Type::Decline if call.decline.is_none() => missing("decline"),
        Type::AcceptInverseOffers if call.accept_inverse_offers.is_none() => {
            missing("accept_inverse_offers")
        }
        Type::DeclineInverseOffers if call.decline_inverse_offers.is_none() => {
            missing("decline_inverse_offers")
        }
        Type::Kill if call.kill.is_none() => missing("kill"),
        Type::Shutdown if call.shutdown.is_none() => missing("shutdown"),
        Type::Acknowledge => match &call.acknowledge {
            None => missing("acknowledge"),
            Some(acknowledge) if acknowledge.uuid.len() != 16 => Err("Not a valid UUID".to_owned()),
            Some(_) => Ok(()),
        },
        Type::AcknowledgeOperationStatus => match &call.acknowledge_operation_status {
            None => missing("acknowledge_operation_status"),
            Some(acknowledge) if acknowledge.uuid.len() != 16 => Err("Not a valid UUID".to_owned()),
            Some(acknowledge) if acknowledge.slave_id.is_none() => missing("agent_id"),
            Some(_) => Ok(()),
        },
        Type::Reconcile if call.reconcile.is_none() => missing("reconcile"),
        Type::ReconcileOperations if call.reconcile_operations.is_none() => {
            missing("reconcile_operations")
        }
        Type::Message if call.message.is_none() => missing("message"),
        Type::Request if call.request.is_none() => missing("request"),
        Type::UpdateFramework => match &call.update_framework {
            None => missing("update_framework"),
            Some(update) if update.framework_info.id.as_ref() != call.framework_id.as_ref() => {
                Err("'framework_id' differs from 'update_framework.framework_info.id'".to_owned())
            }
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

/// picojson's wording: `syntax error at line N near: <rest of the line>`.
fn json_syntax_error(body: &[u8], error: &serde_json::Error) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text
        .lines()
        .nth(error.line().saturating_sub(1))
        .unwrap_or("");
    let near: String = line
        .chars()
        .skip(error.column().saturating_sub(1))
        .collect();
    format!("syntax error at line {} near: {near}", error.line())
}

/// The body as a `mesos.scheduler.Call`: parsed as the v1 message it is,
/// then read as v0 (same field numbers), as Mesos's `devolve`.
fn parse_call(request: &Request) -> Result<Call, (StatusCode, String)> {
    let Some(content_type) = request.header("content-type") else {
        return Err(failure(
            StatusCode::BAD_REQUEST,
            "Expecting 'Content-Type' to be present",
        ));
    };
    let v1 = match content_type {
        ContentType::PROTOBUF => proto::decode::<proto::mesos::v1::scheduler::Call>(request.body())
            .map_err(|_| {
                failure(
                    StatusCode::BAD_REQUEST,
                    "Failed to parse body into Call protobuf",
                )
            })?,
        ContentType::JSON => {
            let value: serde_json::Value = serde_json::from_slice(request.body()).map_err(|e| {
                failure(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "Failed to parse body into JSON: {}",
                        json_syntax_error(request.body(), &e)
                    ),
                )
            })?;
            proto::json::from_value::<proto::mesos::v1::scheduler::Call>(&value).map_err(|e| {
                failure(
                    StatusCode::BAD_REQUEST,
                    format!("Failed to convert JSON into Call protobuf: {e}"),
                )
            })?
        }
        _ => {
            return Err(failure(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Expecting 'Content-Type' of {} or {}",
                    ContentType::JSON,
                    ContentType::PROTOBUF
                ),
            ));
        }
    };
    Call::decode(v1.encode_to_vec().as_slice()).map_err(|_| {
        failure(
            StatusCode::BAD_REQUEST,
            "Failed to parse body into Call protobuf",
        )
    })
}

fn scheduler(
    master: &mut MasterProcess,
    ctx: &mut Context<MasterProcess>,
    request: Request,
) -> Reply {
    if let Some(unavailable) = endpoints::redirect_or_unavailable(master, &request) {
        return unavailable.into();
    }
    if request.method() != Method::POST {
        return Response::text(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "405 Method Not Allowed. Expecting one of {{ 'POST' }}, but received '{}'.",
                request.method()
            ),
        )
        .with_header(ALLOW, HeaderValue::from_static("POST"))
        .into();
    }
    let call = match parse_call(&request) {
        Ok(call) => call,
        Err((status, body)) => return text(status, body),
    };
    if let Err(error) = validate_call(&call) {
        return text(
            StatusCode::BAD_REQUEST,
            format!("Failed to validate scheduler::Call: {error}"),
        );
    }
    use proto::mesos::scheduler::call::Type;
    if call.r#type() == Type::Subscribe {
        let accept = if request.accepts_media_type(ContentType::JSON) {
            ContentType::Json
        } else if request.accepts_media_type(ContentType::PROTOBUF) {
            ContentType::Protobuf
        } else {
            return text(
                StatusCode::NOT_ACCEPTABLE,
                format!(
                    "Expecting 'Accept' to allow '{}' or '{}'",
                    ContentType::PROTOBUF,
                    ContentType::JSON
                ),
            );
        };
        if request.header(STREAM_ID).is_some() {
            return text(
                StatusCode::BAD_REQUEST,
                "Subscribe calls should not include the 'Mesos-Stream-Id' header",
            );
        }
        let mut subscribe: call::Subscribe = call.subscribe.expect("validated");
        let principal = request.principal().and_then(|p| p.value.as_deref());
        if let Err(error) = check_http_framework_principal(principal, &mut subscribe.framework_info)
        {
            return text(
                StatusCode::BAD_REQUEST,
                format!("Failed to validate scheduler::Call: {error}"),
            );
        }
        return subscribe_http(master, ctx, accept, subscribe);
    }

    let framework_id = call.framework_id.as_ref().expect("validated").value.clone();
    let Some(framework) = master.frameworks.get(&framework_id) else {
        return text(StatusCode::BAD_REQUEST, "Framework cannot be found");
    };
    // Only the framework's own principal may call on its behalf.
    if let Some(principal) = request.principal().and_then(|p| p.value.as_deref())
        && framework.info.principal.as_deref() != Some(principal)
    {
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "Authenticated principal '{principal}' does not match principal '{}' set in \
                 `FrameworkInfo`",
                framework.info.principal()
            ),
        );
    }
    if !framework.connected {
        return text(StatusCode::FORBIDDEN, "Framework is not subscribed");
    }
    let Some(http) = &framework.http else {
        return text(StatusCode::FORBIDDEN, "Framework is not connected via HTTP");
    };
    let Some(stream_id) = request.header(STREAM_ID) else {
        return text(
            StatusCode::BAD_REQUEST,
            "All non-subscribe calls should include the 'Mesos-Stream-Id' header",
        );
    };
    if stream_id != http.stream_id {
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "The stream ID '{stream_id}' included in this request didn't match the stream ID \
                 currently associated with framework ID {framework_id}"
            ),
        );
    }
    // UPDATE_FRAMEWORK is answered with its outcome, the rest once applied.
    if call.r#type() == Type::UpdateFramework {
        let update = call.update_framework.expect("validated");
        return match master.update_framework(ctx, update) {
            Ok(()) => Response::new(StatusCode::OK).into(),
            Err(refused) => text(refused.status, refused.message),
        };
    }
    master.handle_call(ctx, &framework_id, call);
    Response::accepted().into()
}

fn subscribe_http(
    master: &mut MasterProcess,
    ctx: &mut Context<MasterProcess>,
    accept: ContentType,
    subscribe: call::Subscribe,
) -> Reply {
    let (response, pipe) = HttpConnection::stream();
    let stream_id = uuid::Uuid::new_v4().to_string();
    let response = response
        .with_header(
            HeaderName::from_static("mesos-stream-id"),
            HeaderValue::from_str(&stream_id).expect("a uuid is a header value"),
        )
        .with_header(CONTENT_TYPE, HeaderValue::from_static(accept.media_type()));
    let connection = HttpConnection::new(stream_id, accept, pipe);
    master.subscribe(ctx, Subscriber::Http(connection), subscribe, true);
    response.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::mesos::scheduler::call::Type;
    use proto::mesos::{FrameworkId, FrameworkInfo, SlaveId, TaskId};

    fn call_of(kind: Type) -> Call {
        Call {
            r#type: Some(kind as i32),
            framework_id: Some(FrameworkId { value: "f".into() }),
            ..Call::default()
        }
    }

    #[test]
    fn calls_are_validated_as_mesos_validates_them() {
        let missing_id = Call {
            framework_id: None,
            ..call_of(Type::Teardown)
        };
        assert_eq!(
            validate_call(&missing_id).unwrap_err(),
            "Expecting 'framework_id' to be present"
        );
        assert_eq!(
            validate_call(&call_of(Type::Kill)).unwrap_err(),
            "Expecting 'kill' to be present"
        );
        let acknowledge = Call {
            acknowledge: Some(call::Acknowledge {
                slave_id: SlaveId { value: "a".into() },
                task_id: TaskId { value: "t".into() },
                uuid: vec![1, 2, 3],
            }),
            ..call_of(Type::Acknowledge)
        };
        assert_eq!(validate_call(&acknowledge).unwrap_err(), "Not a valid UUID");
        let operation = Call {
            acknowledge_operation_status: Some(call::AcknowledgeOperationStatus {
                uuid: vec![0; 16],
                ..call::AcknowledgeOperationStatus::default()
            }),
            ..call_of(Type::AcknowledgeOperationStatus)
        };
        assert_eq!(
            validate_call(&operation).unwrap_err(),
            "Expecting 'agent_id' to be present"
        );
        let update = Call {
            update_framework: Some(call::UpdateFramework {
                framework_info: FrameworkInfo {
                    id: Some(FrameworkId {
                        value: "other".into(),
                    }),
                    ..FrameworkInfo::default()
                },
                ..call::UpdateFramework::default()
            }),
            ..call_of(Type::UpdateFramework)
        };
        assert_eq!(
            validate_call(&update).unwrap_err(),
            "'framework_id' differs from 'update_framework.framework_info.id'"
        );
        assert!(
            validate_call(&call_of(Type::Revive)).is_ok(),
            "REVIVE needs no payload"
        );
    }
}
