//! HTTP requests and responses as endpoint handlers see them.
//!
//! A process serves HTTP by installing routes with
//! [`Context::route`](crate::Context::route). The runtime reads the whole
//! request body (up to [`Config::max_body_bytes`](crate::Config)) before the
//! handler runs, so a handler gets a complete [`Request`]. It answers with a
//! [`Reply`]: either a [`Response`] at once or a future of one.
//!
//! Streaming responses (RecordIO event streams) come from
//! [`Response::stream`]: the handler returns the response and keeps the
//! [`Pipe`], writing one chunk per record; the body goes out with
//! `Transfer-Encoding: chunked`. [`Pipe::closed`] resolves when the client
//! goes away, which is how a subscriber's disconnection is noticed.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use http_body::{Frame, SizeHint};
use tokio::sync::mpsc;

use crate::Error;

/// `Content-Type` of libprocess's plain-text answers.
const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// An HTTP request routed to a process endpoint, body fully read.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
    peer: Option<SocketAddr>,
}

impl Request {
    /// A request for `path_and_query` (e.g. `/master/state?jsonp=cb`), for
    /// tests and for handlers that forward requests.
    pub fn new(method: Method, path_and_query: &str) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (path_and_query, None),
        };
        Request {
            method,
            path: path.to_owned(),
            query,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            peer: None,
        }
    }

    /// Replaces the headers.
    pub fn with_headers(mut self, headers: HeaderMap) -> Self {
        self.headers = headers;
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Records the client address.
    pub fn with_peer(mut self, peer: SocketAddr) -> Self {
        self.peer = Some(peer);
        self
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL path, including the process id; for a request that reached a
    /// delegate through a bare path (`/state`) this is the rewritten path
    /// (`/master/state`), as libprocess does.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string, without the `?`.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The percent-decoded value of query parameter `name`, if present.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(&key.replace('+', " "))?;
            (key == name).then(|| percent_decode(&value.replace('+', " ")))?
        })
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The value of header `name` when it is valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The request body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The client's address, when the request came from a socket.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    pub(crate) fn set_path(&mut self, path: String) {
        self.path = path;
    }
}

/// Decodes `%XX` escapes; `None` for a malformed escape or non-UTF-8 result.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// An HTTP response: status, headers and a complete or streaming body.
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: ResponseBody,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("streaming", &matches!(self.body, ResponseBody::Stream(_)))
            .finish()
    }
}

impl Response {
    /// A response with `status` and an empty body (`Content-Length: 0`).
    pub fn new(status: StatusCode) -> Self {
        Response {
            status,
            headers: HeaderMap::new(),
            body: ResponseBody::Full(Some(Bytes::new())),
        }
    }

    /// `200 OK` with `body` and no `Content-Type`.
    pub fn ok(body: impl Into<Bytes>) -> Self {
        Response::new(StatusCode::OK).with_body(body)
    }

    /// `200 OK` with a JSON body (`Content-Type: application/json`).
    pub fn json(body: impl Into<Bytes>) -> Self {
        Response::ok(body).with_header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
    }

    /// A plain-text answer (`text/plain; charset=utf-8`), as libprocess's
    /// error responses are.
    pub fn text(status: StatusCode, body: impl Into<Bytes>) -> Self {
        Response::new(status)
            .with_body(body)
            .with_header(CONTENT_TYPE, HeaderValue::from_static(TEXT_PLAIN))
    }

    /// `202 Accepted`, empty body: the answer to every delivered message.
    pub fn accepted() -> Self {
        Response::new(StatusCode::ACCEPTED)
    }

    /// `400 Bad Request` with a text body.
    pub fn bad_request(body: impl Into<Bytes>) -> Self {
        Response::text(StatusCode::BAD_REQUEST, body)
    }

    /// libprocess's `404 Not Found.`
    pub fn not_found() -> Self {
        Response::text(StatusCode::NOT_FOUND, "404 Not Found.")
    }

    /// `403 Forbidden` with a text body, for request filters.
    pub fn forbidden(body: impl Into<Bytes>) -> Self {
        Response::text(StatusCode::FORBIDDEN, body)
    }

    /// A streaming response: the body is whatever is written to the returned
    /// [`Pipe`], sent chunked, until the pipe is dropped. At most
    /// `capacity` chunks wait unsent; beyond that [`Pipe::write`] refuses,
    /// so a client that stops reading cannot grow memory without bound.
    pub fn stream(status: StatusCode, capacity: usize) -> (Response, Pipe) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let response = Response {
            status,
            headers: HeaderMap::new(),
            body: ResponseBody::Stream(receiver),
        };
        (response, Pipe { sender })
    }

    /// Replaces the body of a non-streaming response.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = ResponseBody::Full(Some(body.into()));
        self
    }

    /// Sets header `name` (replacing earlier values).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, for changing.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body of a non-streaming response; `None` for a stream.
    pub fn body(&self) -> Option<&Bytes> {
        match &self.body {
            ResponseBody::Full(body) => body.as_ref(),
            ResponseBody::Stream(_) => None,
        }
    }

    pub(crate) fn into_hyper(self) -> http::Response<ResponseBody> {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

/// The writing end of a streaming response.
#[derive(Debug, Clone)]
pub struct Pipe {
    sender: mpsc::Sender<Bytes>,
}

impl Pipe {
    /// Queues `chunk` to be sent as one HTTP chunk. Never waits: fails with
    /// [`Error::StreamClosed`] when the client is gone and
    /// [`Error::StreamFull`] when it is not keeping up.
    pub fn write(&self, chunk: impl Into<Bytes>) -> Result<(), Error> {
        self.sender
            .try_send(chunk.into())
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => Error::StreamFull,
                mpsc::error::TrySendError::Closed(_) => Error::StreamClosed,
            })
    }

    /// True once the client has disconnected (or the response was dropped).
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Resolves when the client disconnects.
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let sender = self.sender.clone();
        async move { sender.closed().await }
    }
}

/// The body hyper sends for a [`Response`].
pub(crate) enum ResponseBody {
    Full(Option<Bytes>),
    Stream(mpsc::Receiver<Bytes>),
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ResponseBody::Full(body) => Poll::Ready(
                body.take()
                    .filter(|b| !b.is_empty())
                    .map(|b| Ok(Frame::data(b))),
            ),
            ResponseBody::Stream(receiver) => receiver
                .poll_recv(cx)
                .map(|chunk| chunk.map(|chunk| Ok(Frame::data(chunk)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, ResponseBody::Full(body) if body.as_ref().is_none_or(Bytes::is_empty))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Full(body) => {
                SizeHint::with_exact(body.as_ref().map_or(0, |b| b.len() as u64))
            }
            ResponseBody::Stream(_) => SizeHint::default(),
        }
    }
}

/// What an endpoint handler returns: a response now, or a future of one
/// (e.g. waiting on another process).
pub struct Reply(pub(crate) ReplyInner);

pub(crate) enum ReplyInner {
    Now(Response),
    Later(Pin<Box<dyn Future<Output = Response> + Send>>),
}

impl Reply {
    /// A reply that is ready when `future` is.
    pub fn later(future: impl Future<Output = Response> + Send + 'static) -> Self {
        Reply(ReplyInner::Later(Box::pin(future)))
    }
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Reply(ReplyInner::Now(response))
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            ReplyInner::Now(response) => f.debug_tuple("Reply::Now").field(response).finish(),
            ReplyInner::Later(_) => f.write_str("Reply::Later"),
        }
    }
}
