//! The listener: turns inbound HTTP into message and HTTP events.
//!
//! A request is a *message* when it is a `POST` with a `Libprocess-From`
//! header or a `User-Agent: libprocess/<upid>`; it is answered `202` when the
//! receiver exists and `404` otherwise, with nothing else ever written back.
//! Any other request goes to a process endpoint: `/<id>/<endpoint>`, or the
//! delegate for a path whose first segment names no live process.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::StatusCode;
use http::header::{CONNECTION, HeaderValue, USER_AGENT};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

use crate::http::{Request, Response, percent_decode};
use crate::process::{Delivery, HttpEvent, Message, wait_for};
use crate::{Runtime, Upid};

const LIBPROCESS_FROM: &str = "libprocess-from";
const USER_AGENT_PREFIX: &str = "libprocess/";

pub(crate) async fn serve(
    listener: TcpListener,
    runtime: Runtime,
    shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    tokio::spawn(connection(stream, peer, runtime.clone()));
                }
                Err(error) => {
                    // Typically out of file descriptors: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            _ = wait_for(shutdown.clone()) => return,
        }
    }
}

async fn connection(stream: TcpStream, peer: SocketAddr, runtime: Runtime) {
    let _ = stream.set_nodelay(true);
    let config = runtime.config();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .title_case_headers(true)
        // Peers pipeline messages; answer a burst of them with one write.
        .pipeline_flush(true)
        .keep_alive(true);
    let service_runtime = runtime.clone();
    let service = service_fn(move |request| {
        let runtime = service_runtime.clone();
        async move { Ok::<_, Infallible>(handle(&runtime, peer, request).await.into_hyper()) }
    });
    let shutdown = runtime.shutdown_signal();
    let serving = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(serving);
    tokio::select! {
        result = serving.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%peer, %error, "inbound connection ended");
            }
        }
        _ = wait_for(shutdown) => {}
    }
}

async fn handle(
    runtime: &Runtime,
    peer: SocketAddr,
    request: hyper::Request<Incoming>,
) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    if !path.starts_with('/') {
        return Response::bad_request("Request URL path must start with '/'");
    }
    let body = match read_body(runtime, body).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    match sender(&parts) {
        Some(from) => deliver_message(runtime, peer, path, from, body),
        None => {
            let request = Request::new(parts.method.clone(), path_and_query(&parts.uri))
                .with_headers(parts.headers)
                .with_body(body)
                .with_peer(peer);
            dispatch_http(runtime, request).await
        }
    }
}

fn path_and_query(uri: &http::Uri) -> &str {
    uri.path_and_query().map_or("/", |pq| pq.as_str())
}

/// The sender of a message request, or `None` when the request is not a
/// message. An unparseable sender is the empty UPID, as in libprocess.
fn sender(parts: &http::request::Parts) -> Option<Upid> {
    if parts.method != http::Method::POST {
        return None;
    }
    if let Some(from) = parts.headers.get(LIBPROCESS_FROM) {
        return Some(
            from.to_str()
                .map_or_else(|_| Upid::empty(), |text| Upid::parse_lenient(text.trim())),
        );
    }
    let agent = parts.headers.get(USER_AGENT)?.to_str().ok()?;
    agent
        .strip_prefix(USER_AGENT_PREFIX)
        .map(Upid::parse_lenient)
}

fn deliver_message(
    runtime: &Runtime,
    peer: SocketAddr,
    path: &str,
    from: Upid,
    body: Bytes,
) -> Response {
    if runtime.config().require_peer_address_ip_match
        && peer.ip() != std::net::IpAddr::V4(*from.address().ip())
    {
        return Response::bad_request(format!(
            "UPID IP address validation failed: Message from {from} was sent from IP {peer}"
        ));
    }
    let rest = &path[1..];
    let (to, name) = rest.split_once('/').unwrap_or((rest, ""));
    let Some(to) = percent_decode(to) else {
        return Response::text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Failed to decode URL path",
        );
    };
    let message = Message {
        from,
        name: name.into(),
        body,
    };
    match runtime.deliver(&to, Delivery::Message(message)) {
        Ok(()) => Response::accepted(),
        Err(_) => Response::not_found(),
    }
}

async fn dispatch_http(runtime: &Runtime, mut request: Request) -> Response {
    // Relative paths could escape a route; libprocess refuses them outright.
    if request.path().contains("/..") {
        return Response::not_found();
    }
    let first = request.path()[1..]
        .split('/')
        .find(|segment| !segment.is_empty());
    let receiver = first
        .and_then(percent_decode)
        .filter(|id| runtime.is_running(id));
    let receiver = match (receiver, runtime.config().delegate.as_deref()) {
        (Some(id), _) => id,
        (None, Some(delegate)) => {
            let original = request.path().trim_end_matches('/');
            request.set_path(format!("/{delegate}{original}"));
            delegate.to_owned()
        }
        (None, None) => return Response::not_found(),
    };
    if let Some(filter) = runtime.request_filter()
        && let Some(rejection) = filter(&request)
    {
        return rejection;
    }
    let (respond, response) = oneshot::channel();
    if runtime
        .deliver(
            &receiver,
            Delivery::Http(Box::new(HttpEvent { request, respond })),
        )
        .is_err()
    {
        return Response::not_found();
    }
    // A process that terminates before answering drops the sender.
    response.await.unwrap_or_else(|_| Response::not_found())
}

/// Reads the whole body within the configured size and time limits.
async fn read_body(runtime: &Runtime, body: Incoming) -> Result<Bytes, Response> {
    let config = runtime.config();
    let limited = Limited::new(body, config.max_body_bytes);
    match tokio::time::timeout(config.body_read_timeout, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
            Err(closing(Response::text(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "Request body exceeds the limit of {} bytes",
                    config.max_body_bytes
                ),
            )))
        }
        Ok(Err(_)) => Err(closing(Response::bad_request(
            "Failed to read the request body",
        ))),
        Err(_) => Err(closing(Response::text(
            StatusCode::REQUEST_TIMEOUT,
            "Timed out reading the request body",
        ))),
    }
}

fn closing(response: Response) -> Response {
    response.with_header(CONNECTION, HeaderValue::from_static("close"))
}
