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
//!
//! As libprocess does, the runtime adds a `Date` header to every response
//! and gzips a complete body of 1024 bytes or more when the request's
//! `Accept-Encoding` admits gzip and the handler set no `Content-Encoding`.
//! [`Request::accepts_media_type`] answers content negotiation the way
//! libprocess's `acceptsMediaType` does.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;

use bytes::{Buf, Bytes, BytesMut};
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use tokio::sync::mpsc;

use crate::Error;
use crate::auth::Principal;

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
    principal: Option<Principal>,
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
            principal: None,
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

    /// Who made the request, when its endpoint is in an authentication
    /// realm that has an authenticator (see [`crate::auth`]).
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// True when the `Accept-Encoding` header admits `encoding` (by name or
    /// `*`, with a non-zero `q`), as libprocess decides whether to gzip. No
    /// header means no.
    pub fn accepts_encoding(&self, encoding: &str) -> bool {
        self.header("accept-encoding")
            .is_some_and(|accepted| accepts(accepted, &[encoding, "*"]))
    }

    /// True when the `Accept` header admits `media_type` (`type/subtype`,
    /// `type/*` or `*/*`, with a non-zero `q`). No header admits anything.
    pub fn accepts_media_type(&self, media_type: &str) -> bool {
        let Some((kind, _)) = media_type.split_once('/') else {
            return false;
        };
        match self.header("accept") {
            None => true,
            Some(accepted) => accepts(accepted, &[media_type, &format!("{kind}/*"), "*/*"]),
        }
    }

    pub(crate) fn set_path(&mut self, path: String) {
        self.path = path;
    }

    pub(crate) fn set_principal(&mut self, principal: Principal) {
        self.principal = Some(principal);
    }
}

/// Whether a header listing `value;q=...` items admits the first of
/// `candidates` it names, trying the candidates in order, as libprocess's
/// `Request::acceptsEncoding` and `acceptsMediaType` do.
fn accepts(header: &str, candidates: &[&str]) -> bool {
    let header: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    for candidate in candidates {
        for item in header.split(',') {
            let mut parameters = item.split(';');
            let name = parameters.next().unwrap_or_default();
            if name.is_empty() || !name.eq_ignore_ascii_case(candidate) {
                continue;
            }
            let quality = parameters.find_map(|parameter| parameter.strip_prefix("q="));
            return quality.is_none_or(|quality| quality.parse::<f64>().is_ok_and(|q| q > 0.0));
        }
    }
    false
}

/// Decodes a form (`application/x-www-form-urlencoded`) or query string
/// into its parameters, as libprocess's `http::query::decode`: `+` is a
/// space, `%XX` an escaped byte; a later repeat of a name wins.
pub fn decode_form(text: &str) -> Result<std::collections::HashMap<String, String>, String> {
    let mut parameters = std::collections::HashMap::new();
    for pair in text.split(['&', ';']).filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |part: &str| {
            percent_decode(&part.replace('+', " "))
                .ok_or_else(|| format!("Malformed % escape in '{part}'"))
        };
        parameters.insert(decode(key)?, decode(value)?);
    }
    Ok(parameters)
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
            .field(
                "body",
                &match &self.body {
                    ResponseBody::Full(body) => format!("{} bytes", body.len()),
                    ResponseBody::Stream(_) => "stream".to_owned(),
                    ResponseBody::File(path) => format!("file {}", path.display()),
                },
            )
            .finish()
    }
}

impl Response {
    /// A response with `status` and an empty body (`Content-Length: 0`).
    pub fn new(status: StatusCode) -> Self {
        Response {
            status,
            headers: HeaderMap::new(),
            body: ResponseBody::Full(Bytes::new()),
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

    /// `200 OK` with the contents of the file at `path` as its body, read
    /// when the response is sent, as libprocess's `PATH` responses: `404`
    /// when there is no such file or it is a directory, `500` when it cannot
    /// be read. Set the `Content-Type` with [`with_header`](Self::with_header).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Response {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: ResponseBody::File(path.into()),
        }
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
        self.body = ResponseBody::Full(body.into());
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

    /// The body of a complete response; `None` for a stream or a file.
    pub fn body(&self) -> Option<&Bytes> {
        match &self.body {
            ResponseBody::Full(body) => Some(body),
            ResponseBody::Stream(_) | ResponseBody::File(_) => None,
        }
    }

    pub(crate) fn into_parts(self) -> (StatusCode, HeaderMap, ResponseBody) {
        (self.status, self.headers, self.body)
    }
}

/// The writing end of a streaming response.
#[derive(Debug, Clone)]
pub struct Pipe {
    sender: mpsc::Sender<Chunk>,
}

impl Pipe {
    /// Queues `chunk` to be sent as one HTTP chunk. Never waits: fails with
    /// [`Error::StreamClosed`] when the client is gone and
    /// [`Error::StreamFull`] when it is not keeping up.
    pub fn write(&self, chunk: impl Into<Bytes>) -> Result<(), Error> {
        self.sender
            .try_send(Chunk::One(chunk.into()))
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => Error::StreamFull,
                mpsc::error::TrySendError::Closed(_) => Error::StreamClosed,
            })
    }

    /// Queues `chunk`, waiting while the pipe is full: for a producer on a
    /// thread of its own, never on the runtime's (it would block a worker).
    /// Fails with [`Error::StreamClosed`] when the client is gone.
    pub fn write_blocking(&self, chunk: impl Into<Bytes>) -> Result<(), Error> {
        self.send_blocking(Chunk::One(chunk.into()))
    }

    fn send_blocking(&self, chunk: Chunk) -> Result<(), Error> {
        self.sender
            .blocking_send(chunk)
            .map_err(|_| Error::StreamClosed)
    }

    /// The pipe as an [`std::io::Write`] that sends what is written in
    /// chunks of at least `chunk_bytes` (the last may be shorter), with
    /// [`Pipe::write_blocking`]: for a body produced on a thread of its
    /// own. Flush it to send the last chunk.
    pub fn into_writer(self, chunk_bytes: usize) -> PipeWriter {
        PipeWriter {
            pipe: self,
            chunk_bytes: chunk_bytes.max(1),
            buffer: BytesMut::new(),
            parts: Vec::new(),
            parts_bytes: 0,
        }
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

/// A [`Pipe`] written as a byte stream ([`Pipe::into_writer`]). Writing
/// fails with `BrokenPipe` once the client is gone.
///
/// What is written is gathered into a chunk without being copied twice:
/// small writes are copied once into a buffer, and pieces already held in
/// [`Bytes`] ([`PipeWriter::write_shared`]) go out from where they are —
/// a body of hundreds of megabytes assembled from cached pieces is never
/// copied in the process.
#[derive(Debug)]
pub struct PipeWriter {
    pipe: Pipe,
    chunk_bytes: usize,
    /// Written since the last part, not yet split off.
    buffer: BytesMut,
    /// The chunk being gathered.
    parts: Vec<Bytes>,
    parts_bytes: usize,
}

/// Shared pieces shorter than this are copied: a part costs more than
/// copying a few bytes.
const SHARED_PIECE_MINIMUM: usize = 256;

impl PipeWriter {
    /// Adds `piece` to the body without copying it.
    pub fn write_shared(&mut self, piece: Bytes) -> std::io::Result<()> {
        if piece.len() < SHARED_PIECE_MINIMUM {
            return std::io::Write::write_all(self, &piece);
        }
        self.seal_buffer();
        self.parts_bytes += piece.len();
        self.parts.push(piece);
        self.send_if_full()
    }

    /// Makes what the buffer holds a part of the chunk (no copy: the part
    /// shares the buffer's memory).
    fn seal_buffer(&mut self) {
        if !self.buffer.is_empty() {
            let part = self.buffer.split().freeze();
            self.parts_bytes += part.len();
            self.parts.push(part);
        }
    }

    fn send_if_full(&mut self) -> std::io::Result<()> {
        if self.parts_bytes + self.buffer.len() >= self.chunk_bytes {
            self.send()?;
        }
        Ok(())
    }

    fn send(&mut self) -> std::io::Result<()> {
        self.seal_buffer();
        self.parts_bytes = 0;
        let chunk = match std::mem::take(&mut self.parts) {
            parts if parts.is_empty() => return Ok(()),
            mut parts if parts.len() == 1 => Chunk::One(parts.pop().expect("one part")),
            parts => Chunk::Parts(parts),
        };
        self.pipe
            .send_blocking(chunk)
            .map_err(|error| std::io::Error::new(std::io::ErrorKind::BrokenPipe, error))
    }
}

impl std::io::Write for PipeWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.buffer.capacity() - self.buffer.len() < bytes.len() {
            // A fresh buffer rather than a bigger one: growing would copy
            // what the buffer holds.
            self.seal_buffer();
            self.buffer.reserve(bytes.len().max(self.chunk_bytes));
        }
        self.buffer.extend_from_slice(bytes);
        self.send_if_full()?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// One HTTP chunk of a streamed body: one buffer, or parts written out
/// together without being copied into one.
#[derive(Debug)]
pub(crate) enum Chunk {
    One(Bytes),
    Parts(Vec<Bytes>),
}

impl Chunk {
    pub(crate) fn len(&self) -> usize {
        match self {
            Chunk::One(bytes) => bytes.len(),
            Chunk::Parts(parts) => parts.iter().map(Bytes::len).sum(),
        }
    }

    /// The chunk's bytes as a [`Buf`], for a vectored write.
    pub(crate) fn into_buf(self) -> Parts {
        let parts: VecDeque<Bytes> = match self {
            Chunk::One(bytes) => VecDeque::from([bytes]),
            Chunk::Parts(parts) => parts.into(),
        };
        let remaining = parts.iter().map(Bytes::len).sum();
        let parts = parts.into_iter().filter(|part| !part.is_empty()).collect();
        Parts { parts, remaining }
    }
}

/// The parts of a [`Chunk`] being written: each part one `iovec`.
#[derive(Debug)]
pub(crate) struct Parts {
    parts: VecDeque<Bytes>,
    remaining: usize,
}

impl Buf for Parts {
    fn remaining(&self) -> usize {
        self.remaining
    }

    fn chunk(&self) -> &[u8] {
        self.parts.front().map_or(&[], |part| &part[..])
    }

    fn advance(&mut self, mut count: usize) {
        assert!(count <= self.remaining, "advanced past the end of a chunk");
        self.remaining -= count;
        while count > 0 {
            let front = self.parts.front_mut().expect("bytes remain");
            if count < front.len() {
                front.advance(count);
                return;
            }
            count -= front.len();
            self.parts.pop_front();
        }
    }

    fn chunks_vectored<'a>(&'a self, slices: &mut [std::io::IoSlice<'a>]) -> usize {
        let mut filled = 0;
        for (slice, part) in slices.iter_mut().zip(&self.parts) {
            *slice = std::io::IoSlice::new(part);
            filled += 1;
        }
        filled
    }
}

/// A response body: complete, the receiving end of a [`Pipe`], or a file
/// to send.
pub(crate) enum ResponseBody {
    Full(Bytes),
    Stream(mpsc::Receiver<Chunk>),
    File(PathBuf),
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

    /// The response, once ready: for a handler that answers with another
    /// handler's reply after waiting for something else first.
    pub async fn into_response(self) -> Response {
        match self.0 {
            ReplyInner::Now(response) => response,
            ReplyInner::Later(future) => future.await,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &'static str) -> Request {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        Request::new(Method::GET, "/").with_headers(headers)
    }

    /// The receiving end of a streaming response, and its pipe.
    fn stream(capacity: usize) -> (mpsc::Receiver<Chunk>, Pipe) {
        let (response, pipe) = Response::stream(StatusCode::OK, capacity);
        let (_, _, body) = response.into_parts();
        let ResponseBody::Stream(chunks) = body else {
            panic!("a streaming body");
        };
        (chunks, pipe)
    }

    /// A chunk's bytes, and the parts it came in.
    fn received(chunk: Option<Chunk>) -> (Vec<u8>, Vec<Bytes>) {
        let parts = match chunk.expect("a chunk") {
            Chunk::One(bytes) => vec![bytes],
            Chunk::Parts(parts) => parts,
        };
        (parts.concat(), parts)
    }

    #[test]
    fn a_blocking_writer_waits_for_room_and_stops_when_the_client_is_gone() {
        let (mut chunks, pipe) = stream(1);
        let writer = std::thread::spawn(move || {
            for n in 0..3u8 {
                pipe.write_blocking(vec![n]).expect("the reader is there");
            }
            pipe
        });
        for n in 0..3u8 {
            assert_eq!(received(chunks.blocking_recv()).0, [n]);
        }
        let pipe = writer.join().unwrap();
        drop(chunks);
        assert!(matches!(
            pipe.write_blocking("late"),
            Err(Error::StreamClosed)
        ));
    }

    #[test]
    fn a_pipe_writer_sends_full_chunks_and_the_rest_on_flush() {
        use std::io::Write as _;
        let (mut chunks, pipe) = stream(8);
        let mut writer = pipe.into_writer(4);
        writer.write_all(b"ab").unwrap();
        writer.write_all(b"cdef").unwrap();
        writer.write_all(b"g").unwrap();
        writer.flush().unwrap();
        drop(writer);
        assert_eq!(received(chunks.blocking_recv()).0, b"abcdef");
        assert_eq!(received(chunks.blocking_recv()).0, b"g");
        assert!(
            chunks.blocking_recv().is_none(),
            "dropping the writer ends the body"
        );
    }

    #[test]
    fn a_pipe_writer_sends_shared_pieces_uncopied_between_what_is_written() {
        use std::io::Write as _;
        let (mut chunks, pipe) = stream(8);
        let mut writer = pipe.into_writer(1000);
        let piece = Bytes::from(vec![b'x'; SHARED_PIECE_MINIMUM]);
        let short = Bytes::from_static(b"short");
        writer.write_all(b"[").unwrap();
        writer.write_shared(piece.clone()).unwrap();
        writer.write_shared(short).unwrap();
        writer.write_shared(piece.clone()).unwrap();
        writer.write_all(b"]").unwrap();
        writer.flush().unwrap();
        let (bytes, parts) = received(chunks.blocking_recv());
        let expected = [&b"["[..], &piece, b"short", &piece, b"]"].concat();
        assert_eq!(bytes, expected);
        let uncopied = parts.iter().filter(|part| part.as_ptr() == piece.as_ptr());
        assert_eq!(uncopied.count(), 2, "{parts:?}");
    }

    #[test]
    fn a_chunks_parts_are_written_in_order_whatever_the_writes_take() {
        let chunk = Chunk::Parts(vec![
            Bytes::from_static(b"ab"),
            Bytes::new(),
            Bytes::from_static(b"cde"),
        ]);
        assert_eq!(chunk.len(), 5);
        let mut parts = chunk.into_buf();
        let mut slices = [std::io::IoSlice::new(&[]); 4];
        assert_eq!(parts.chunks_vectored(&mut slices), 2);
        parts.advance(3);
        assert_eq!(parts.chunk(), b"de");
        assert_eq!(parts.remaining(), 2);
        parts.advance(2);
        assert!(!parts.has_remaining());
    }

    #[test]
    fn forms_decode_escapes_and_plus_signs() {
        let form = decode_form("slaveId=S%2D0&resources=%5B%7B%22a%22%3A+1%7D%5D&flag").unwrap();
        assert_eq!(form["slaveId"], "S-0");
        assert_eq!(form["resources"], r#"[{"a": 1}]"#);
        assert_eq!(form["flag"], "");
        assert!(decode_form("bad=%G1").is_err());
    }

    #[test]
    fn encodings_are_accepted_by_name_or_star_with_a_nonzero_q() {
        assert!(with("accept-encoding", "deflate, GZIP").accepts_encoding("gzip"));
        assert!(with("accept-encoding", "*;q=0.5").accepts_encoding("gzip"));
        assert!(with("accept-encoding", "gzip; q=1, *;q=0").accepts_encoding("gzip"));
        assert!(!with("accept-encoding", "gzip;q=0, *").accepts_encoding("gzip"));
        assert!(!with("accept-encoding", "gzip;q=oops").accepts_encoding("gzip"));
        assert!(!with("accept-encoding", "deflate").accepts_encoding("gzip"));
        assert!(!Request::new(Method::GET, "/").accepts_encoding("gzip"));
    }

    #[test]
    fn media_types_are_accepted_exactly_by_type_or_by_anything() {
        let protobuf = "application/x-protobuf";
        assert!(Request::new(Method::GET, "/").accepts_media_type(protobuf));
        assert!(
            with("accept", "application/json, application/x-protobuf").accepts_media_type(protobuf)
        );
        assert!(with("accept", "application/*").accepts_media_type(protobuf));
        assert!(with("accept", "text/html, */*;q=0.1").accepts_media_type(protobuf));
        assert!(!with("accept", "application/json").accepts_media_type(protobuf));
        assert!(!with("accept", "application/x-protobuf;q=0, */*").accepts_media_type(protobuf));
        assert!(!with("accept", "*/*").accepts_media_type("not-a-media-type"));
    }
}
