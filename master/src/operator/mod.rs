//! The v1 operator API: `POST /api/v1` (also `/master/api/v1`) with a
//! `mesos.v1.master.Call`, as Mesos 1.11's `Master::Http::api` serves it.
//!
//! # Requests and answers
//!
//! - Before the master has recovered the registry: `503 Master has not
//!   finished recovery`. Only `POST` is allowed (`405`).
//! - The body is read as `Content-Type` says: `application/json` (Mesos's
//!   JSON mapping) or `application/x-protobuf`; none is `400`, another
//!   `415`. Unparseable bodies and calls missing their payload (`GET_METRICS`
//!   without `get_metrics`, ...) are `400` with Mesos's messages.
//! - The answer is JSON if `Accept` allows it, else protobuf if allowed,
//!   else `406`. Queries answer `200` with a `mesos.v1.master.Response`.
//!
//! # Where each call runs
//!
//! Queries ([`queries`]) take a [`ReadView`] on the master's mailbox (O(1))
//! and are rendered on a blocking-pool thread: see [`crate::read_view`].
//! Changes ([`changes`]) run on the master, through the Registrar where
//! Mesos records them; those of agents' resources ([`resources`]) through
//! [`crate::operations`].
//!
//! # Authorization
//!
//! Each call's handler receives the request's authenticated principal
//! ([`Call::principal`]); that is where the authorizer's decision for the
//! call's action goes. Queries, and `SUBSCRIBE`'s snapshot and events,
//! show only the frameworks, tasks, executors and roles the principal may
//! view ([`render_visible`], [`events`]).

mod changes;
mod events;
pub(crate) mod queries;
pub(crate) mod resources;

use crate::authorization::{Check, Viewer};
use crate::endpoints;
use crate::master::MasterProcess;
use crate::read_view::ReadView;
use http::{HeaderValue, StatusCode, header};
use libprocess::{Context, Principal, Reply, Request, Response};
use prost::Message as _;
use proto::mesos::v1::master::{Call as V1Call, Response as V1Response, call};

const APPLICATION_JSON: &str = "application/json";
const APPLICATION_PROTOBUF: &str = "application/x-protobuf";

/// The encoding of the answer, from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Protobuf,
}

/// The operator API's own state in the master.
#[derive(Debug, Default)]
pub(crate) struct OperatorState {
    pub logging: LoggingLevel,
    /// Open `SUBSCRIBE` streams.
    pub subscribers: Vec<events::Subscriber>,
}

/// A `SET_LOGGING_LEVEL` in force: the level to go back to and when.
#[derive(Debug, Default)]
pub(crate) struct LoggingLevel {
    pub original: u32,
    pub revert: Option<libprocess::Timer>,
}

/// A decoded, validated operator call with who made it.
#[derive(Debug)]
pub(crate) struct Call {
    pub call: V1Call,
    pub format: Format,
    /// The authenticated principal, if the request was authenticated.
    pub principal: Option<Principal>,
}

/// Mounts `/api/v1` on the master.
pub(crate) fn install(ctx: &mut Context<MasterProcess>) {
    ctx.route_authenticated(
        "/api/v1",
        authentication::READWRITE_REALM,
        |master: &mut MasterProcess, ctx: &mut Context<MasterProcess>, request: Request| -> Reply {
            if let Some(unavailable) = endpoints::redirect_or_unavailable(master, &request) {
                return unavailable.into();
            }
            match Call::from_request(&request) {
                Ok(call) => dispatch(master, ctx, call),
                Err(Refusal(status, message)) => Response::text(status, message).into(),
            }
        },
    );
}

// Mesos still serves the deprecated SET_QUOTA and REMOVE_QUOTA.
#[allow(deprecated)]
fn dispatch(master: &mut MasterProcess, ctx: &mut Context<MasterProcess>, call: Call) -> Reply {
    use call::Type;
    tracing::info!(
        call = call.call.r#type().as_str_name(),
        principal = call
            .principal
            .as_ref()
            .map(|p| p.value.as_deref().unwrap_or_default()),
        "processing operator call"
    );
    match call.call.r#type() {
        Type::Unknown => Response::new(StatusCode::NOT_IMPLEMENTED).into(),
        Type::GetMetrics => queries::get_metrics(ctx, call),
        Type::SetLoggingLevel => {
            let principal = call.principal.as_ref().and_then(|p| p.value.clone());
            master.authorized_change(
                ctx,
                principal,
                vec![Check::set_log_level()],
                move |master, ctx| queries::set_logging_level(master, ctx, call),
            )
        }
        Type::GetFlags
        | Type::GetHealth
        | Type::GetVersion
        | Type::GetLoggingLevel
        | Type::GetState
        | Type::GetAgents
        | Type::GetFrameworks
        | Type::GetExecutors
        | Type::GetOperations
        | Type::GetTasks
        | Type::GetRoles
        | Type::GetWeights
        | Type::GetMaster
        | Type::GetMaintenanceStatus
        | Type::GetMaintenanceSchedule
        | Type::GetQuota => {
            // What the caller may see of frameworks, tasks, executors,
            // roles; GET_FLAGS is VIEW_FLAGS or 403, as Mesos answers it.
            let principal = call.principal.as_ref().and_then(|p| p.value.clone());
            let viewer = Viewer::fetch(master.authorizer.clone(), principal);
            let view = master.read_view(ctx.pid());
            let verbosity = ctx.runtime().verbosity();
            Reply::later(async move {
                match viewer.await {
                    Ok(viewer) if call.call.r#type() == Type::GetFlags && !viewer.flags() => {
                        Response::forbidden("")
                    }
                    Ok(viewer) => {
                        render_visible(view, viewer, move |view, viewer| {
                            queries::answer(view, viewer, verbosity, call)
                        })
                        .await
                    }
                    Err(error) => Response::text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("Authorization failed: {error}"),
                    ),
                }
            })
        }
        Type::UpdateWeights
        | Type::UpdateQuota
        | Type::UpdateMaintenanceSchedule
        | Type::StartMaintenance
        | Type::StopMaintenance
        | Type::DeactivateAgent
        | Type::ReactivateAgent
        | Type::DrainAgent
        | Type::MarkAgentGone
        | Type::Teardown
        | Type::SetQuota
        | Type::RemoveQuota => changes::dispatch(master, ctx, call),
        Type::ReserveResources
        | Type::UnreserveResources
        | Type::CreateVolumes
        | Type::DestroyVolumes
        | Type::GrowVolume
        | Type::ShrinkVolume => resources::dispatch(master, ctx, call),
        Type::Subscribe => events::subscribe(master, ctx, call),
        other @ (Type::ListFiles | Type::ReadFile) => Response::text(
            StatusCode::NOT_IMPLEMENTED,
            format!("{} is not served by this master yet", other.as_str_name()),
        )
        .into(),
    }
}

/// Renders `answer` on a blocking-pool thread from what `viewer` may see
/// of `view` ([`ReadView::visible_to`]), filtered on the same thread.
pub(crate) async fn render_visible(
    view: ReadView,
    viewer: Viewer,
    answer: impl FnOnce(&ReadView, &Viewer) -> Response + Send + 'static,
) -> Response {
    crate::read_view::render(move || answer(&view.visible_to(&viewer), &viewer))
        .await
        .unwrap_or_else(render_failed)
}

/// The answer when rendering one panicked.
pub(crate) fn render_failed() -> Response {
    tracing::error!("rendering a read-only answer failed");
    Response::text(StatusCode::INTERNAL_SERVER_ERROR, "Failed to render")
}

/// Why a request is not a call: the status and text Mesos answers.
#[derive(Debug)]
struct Refusal(StatusCode, String);

impl Refusal {
    fn bad_request(message: impl Into<String>) -> Refusal {
        Refusal(StatusCode::BAD_REQUEST, message.into())
    }
}

impl Call {
    /// Reads and validates the call as Mesos does, or the response refusing
    /// it.
    fn from_request(request: &Request) -> Result<Call, Refusal> {
        if request.method() != http::Method::POST {
            return Err(Refusal(
                StatusCode::METHOD_NOT_ALLOWED,
                format!(
                    "405 Method Not Allowed. Expecting one of {{ 'POST' }}, but received '{}'.",
                    request.method()
                ),
            ));
        }
        let call = match request.header("Content-Type") {
            None => {
                return Err(Refusal::bad_request(
                    "Expecting 'Content-Type' to be present",
                ));
            }
            Some(APPLICATION_PROTOBUF) => proto::decode::<V1Call>(request.body())
                .map_err(|_| Refusal::bad_request("Failed to parse body into Call protobuf"))?,
            Some(APPLICATION_JSON) => {
                let value: serde_json::Value =
                    serde_json::from_slice(request.body()).map_err(|e| {
                        Refusal::bad_request(format!("Failed to parse body into JSON: {e}"))
                    })?;
                proto::json::from_value::<V1Call>(&value).map_err(|e| {
                    Refusal::bad_request(format!("Failed to convert JSON into Call protobuf: {e}"))
                })?
            }
            Some(_) => {
                return Err(Refusal(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!(
                        "Expecting 'Content-Type' of {APPLICATION_JSON} or {APPLICATION_PROTOBUF}"
                    ),
                ));
            }
        };
        if let Some(error) = validate(&call) {
            return Err(Refusal::bad_request(format!(
                "Failed to validate master::Call: {error}"
            )));
        }
        let format = if request.accepts_media_type(APPLICATION_JSON) {
            Format::Json
        } else if request.accepts_media_type(APPLICATION_PROTOBUF) {
            Format::Protobuf
        } else {
            return Err(Refusal(
                StatusCode::NOT_ACCEPTABLE,
                format!(
                    "Expecting 'Accept' to allow '{APPLICATION_PROTOBUF}' or '{APPLICATION_JSON}'"
                ),
            ));
        };
        Ok(Call {
            call,
            format,
            principal: request.principal().cloned(),
        })
    }
}

/// Mesos's `validation::master::call::validate`: the type must be set, and
/// a call with a payload must carry it (`GET_METRICS` needs `get_metrics`).
/// The payload's field is named after the type in lower case.
fn validate(call: &V1Call) -> Option<String> {
    let Some(kind) = call.r#type.and_then(|t| call::Type::try_from(t).ok()) else {
        return Some("Expecting 'type' to be present".into());
    };
    let payload = kind.as_str_name().to_lowercase();
    let descriptor = proto::descriptor_of::<V1Call>();
    let field = descriptor.get_field_by_name(&payload)?;
    let dynamic =
        prost_reflect::DynamicMessage::decode(descriptor, call.encode_to_vec().as_slice())
            .expect("a decoded call re-decodes");
    if !dynamic.has_field(&field) {
        return Some(format!("Expecting '{payload}' to be present"));
    }
    resources::validate_call(call)
}

/// `200 OK` with `response` encoded as the client asked.
pub(crate) fn encode(format: Format, response: &V1Response) -> Response {
    match format {
        Format::Json => Response::json(queries::response_json(response).to_string()),
        Format::Protobuf => Response::ok(response.encode_to_vec()).with_header(
            header::CONTENT_TYPE,
            HeaderValue::from_static(APPLICATION_PROTOBUF),
        ),
    }
}

/// A v1 message as its v0 twin (Mesos's `devolve`).
pub(crate) fn devolve<V0: prost::Message + Default>(v1: &impl prost::Message) -> V0 {
    V0::decode(v1.encode_to_vec().as_slice()).expect("v0 and v1 messages share a wire format")
}

/// A v0 message as its v1 twin: the two share their wire format, as
/// Mesos's `evolve` relies on.
pub(crate) fn evolve<V1: prost::Message + Default>(v0: &impl prost::Message) -> V1 {
    V1::decode(v0.encode_to_vec().as_slice()).expect("v0 and v1 messages share a wire format")
}
