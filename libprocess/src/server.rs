//! The listener: turns inbound HTTP into message and HTTP events.
//!
//! A request is a *message* when it is a `POST` with a `Libprocess-From`
//! header or a `User-Agent: libprocess/<upid>`; it is answered `202` when the
//! receiver exists and `404` otherwise, with nothing else ever written back.
//! Any other request goes to a process endpoint: `/<id>/<endpoint>`, or the
//! delegate for a path whose first segment names no live process.
//!
//! Each connection has a reader and a writer, joined by an [`Outbox`] that
//! keeps answers in request order, as HTTP/1.1 pipelining requires. The
//! reader frames every request already buffered before it reads again, and
//! hands consecutive messages for one process to its mailbox in one go; the
//! writer sends the answers to a burst of messages in one write. Endpoint
//! requests are dispatched as soon as they are read (their handlers may run
//! while earlier answers are still being written), and their responses wait
//! in the outbox for their turn.
//!
//! Like libprocess, the listener keeps an idle connection open for as long
//! as the client does — a linking peer may stay silent for hours — but a
//! request, once begun, must arrive within
//! [`Config::header_read_timeout`](crate::Config::header_read_timeout) and
//! [`Config::body_read_timeout`](crate::Config::body_read_timeout). TCP
//! keepalive finds clients that vanished without closing. When the client
//! closes its side the connection is dropped at once, whatever is still
//! queued, as libprocess does.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use http::header::{CONTENT_ENCODING, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot, watch};
use tokio::time::Instant;

use crate::http::{Chunk, Request, Response, ResponseBody, percent_decode};
use crate::http1::{
    self, BodyFraming, BodyLength, BodyReader, DateCache, Head, HeaderSlots, Refusal,
};
use crate::process::{Delivery, HttpEvent, Mailbox, Message, wait_for};
use crate::{Runtime, Upid};

const LIBPROCESS_FROM: &str = "libprocess-from";
const USER_AGENT_PREFIX: &[u8] = b"libprocess/";

/// Bytes asked of the socket per read when nothing bigger is expected.
const READ_SIZE: usize = 64 * 1024;

/// Encoded answers a client may leave unread before the reader stops
/// reading its requests.
const MAX_UNSENT_BYTES: usize = 4 * 1024 * 1024;

/// Endpoint responses a client may have outstanding before the reader stops
/// reading its requests.
const MAX_UNANSWERED: usize = 1024;

/// How long a connection closed after a final answer keeps reading, so the
/// client's unread input does not turn our close into a reset that loses
/// the answer.
const LINGER: Duration = Duration::from_secs(2);

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
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = wait_for(shutdown.clone()) => return,
        }
    }
}

/// Sets the options every libprocess socket gets: no Nagle delay (messages
/// are written in batches already), and TCP keepalive so a peer that
/// vanished without closing is noticed.
pub(crate) fn configure_socket(stream: &TcpStream) {
    let _ = stream.set_nodelay(true);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10));
    let _ = socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive);
}

async fn connection(stream: TcpStream, peer: SocketAddr, runtime: Runtime) {
    configure_socket(&stream);
    let (reader, writer) = stream.into_split();
    let outbox = Outbox::default();
    let reading = Inbound::new(&runtime, peer).run(reader, &outbox);
    let writing = write_answers(writer, &outbox);
    tokio::pin!(reading, writing);
    let shutdown = runtime.shutdown_signal();
    let closed_by_us = tokio::select! {
        () = &mut reading => false,
        result = &mut writing => match result {
            Ok(()) => true,
            Err(error) => {
                tracing::debug!(%peer, %error, "inbound connection lost");
                false
            }
        },
        () = wait_for(shutdown.clone()) => false,
    };
    if closed_by_us {
        tokio::select! {
            _ = tokio::time::timeout(LINGER, reading) => {}
            () = wait_for(shutdown) => {}
        }
    }
}

/// Answers waiting to be written, in request order.
#[derive(Default)]
struct Outbox {
    queue: Mutex<Queue>,
    /// Wakes the writer: something was queued.
    queued: Notify,
    /// Wakes the reader: the writer made room.
    drained: Notify,
}

#[derive(Default)]
struct Queue {
    items: VecDeque<Outgoing>,
    unsent_bytes: usize,
    unanswered: usize,
    /// A written buffer kept for the next burst of answers.
    spare: BytesMut,
}

enum Outgoing {
    /// Encoded answers to messages.
    Encoded(BytesMut),
    /// An endpoint's response, or one still being produced.
    Response(Answer, Answering),
}

enum Answer {
    Now(Response),
    Later(oneshot::Receiver<Response>),
}

/// What the writer needs to know about the request a response answers.
#[derive(Debug, Clone, Copy, Default)]
struct Answering {
    keep_alive: bool,
    /// A `HEAD` request: headers only.
    head: bool,
    /// The client accepts a gzipped body.
    gzip: bool,
}

impl Answering {
    /// How a message sent on a kept-alive connection is answered.
    const MESSAGE: Answering = Answering {
        keep_alive: true,
        head: false,
        gzip: false,
    };
}

/// Bodies shorter than this go uncompressed, as in libprocess.
const GZIP_MINIMUM_BODY_BYTES: usize = 1024;

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    queue
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Outbox {
    /// Appends encoded bytes, joining them to the answers already waiting.
    fn encode(&self, write: impl FnOnce(&mut BytesMut)) {
        let mut queue = lock(&self.queue);
        if !matches!(queue.items.back(), Some(Outgoing::Encoded(_))) {
            let spare = std::mem::take(&mut queue.spare);
            queue.items.push_back(Outgoing::Encoded(spare));
        }
        let Some(Outgoing::Encoded(bytes)) = queue.items.back_mut() else {
            unreachable!("an encoded item was just ensured");
        };
        let before = bytes.len();
        write(bytes);
        let added = bytes.len() - before;
        queue.unsent_bytes += added;
        drop(queue);
        self.queued.notify_one();
    }

    fn respond(&self, answer: Answer, answering: Answering) {
        let mut queue = lock(&self.queue);
        queue.unanswered += 1;
        queue.items.push_back(Outgoing::Response(answer, answering));
        drop(queue);
        self.queued.notify_one();
    }

    fn has_room(&self) -> bool {
        let queue = lock(&self.queue);
        queue.unsent_bytes < MAX_UNSENT_BYTES && queue.unanswered < MAX_UNANSWERED
    }

    async fn room(&self) {
        loop {
            let drained = self.drained.notified();
            if self.has_room() {
                return;
            }
            drained.await;
        }
    }

    async fn next(&self) -> Outgoing {
        loop {
            let queued = self.queued.notified();
            if let Some(item) = lock(&self.queue).items.pop_front() {
                return item;
            }
            queued.await;
        }
    }

    /// The writer has sent `bytes`; their buffer is kept for reuse.
    fn sent(&self, mut bytes: BytesMut) {
        let mut queue = lock(&self.queue);
        queue.unsent_bytes -= bytes.len();
        bytes.clear();
        queue.spare = bytes;
        drop(queue);
        self.drained.notify_one();
    }

    /// The writer has sent a response.
    fn answered(&self) {
        lock(&self.queue).unanswered -= 1;
        self.drained.notify_one();
    }
}

/// Writes answers as they become ready; returns once a response that
/// closes the connection is written.
async fn write_answers(mut writer: OwnedWriteHalf, outbox: &Outbox) -> std::io::Result<()> {
    let mut date = DateCache::new();
    let mut head = BytesMut::new();
    loop {
        let (answer, answering) = match outbox.next().await {
            Outgoing::Encoded(bytes) => {
                writer.write_all(&bytes).await?;
                outbox.sent(bytes);
                continue;
            }
            Outgoing::Response(answer, answering) => (answer, answering),
        };
        let response = match answer {
            Answer::Now(response) => response,
            // A process that terminates before answering drops the sender.
            Answer::Later(receiver) => receiver.await.unwrap_or_else(|_| Response::not_found()),
        };
        date.refresh();
        write_response(&mut writer, response, answering, &date, &mut head).await?;
        outbox.answered();
        if !answering.keep_alive {
            let _ = writer.shutdown().await;
            return Ok(());
        }
    }
}

/// Streamed chunks below this size are copied together into one write;
/// larger ones are written from their own buffers.
const COPIED_CHUNK_BYTES: usize = 64 * 1024;

/// Writes one response; `head` is scratch space.
async fn write_response(
    writer: &mut OwnedWriteHalf,
    response: Response,
    answering: Answering,
    date: &DateCache,
    head: &mut BytesMut,
) -> std::io::Result<()> {
    let closing = !answering.keep_alive;
    let (status, mut headers, body) = response.into_parts();
    head.clear();
    match body {
        ResponseBody::Full(mut body) => {
            if answering.gzip
                && body.len() >= GZIP_MINIMUM_BODY_BYTES
                && !headers.contains_key(CONTENT_ENCODING)
                && let Some(compressed) = gzip(body.clone()).await
            {
                body = compressed;
                headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            let framing = BodyFraming::Length(body.len());
            http1::write_head(head, status, &headers, framing, closing, date);
            let body = if answering.head { &[][..] } else { &body[..] };
            writer.write_all_buf(&mut Buf::chain(&head[..], body)).await
        }
        ResponseBody::Stream(mut chunks) => {
            http1::write_head(head, status, &headers, BodyFraming::Chunked, closing, date);
            writer.write_all(head).await?;
            while let Some(first) = chunks.recv().await {
                head.clear();
                let mut next = Some(first);
                // Small records written in a burst go out in one write;
                // a large chunk goes out from its own buffer, uncopied.
                while let Some(chunk) = next {
                    let size = chunk.len();
                    match chunk {
                        // An empty chunk would end the body.
                        _ if size == 0 => {}
                        Chunk::One(data) if size < COPIED_CHUNK_BYTES => {
                            http1::write_chunk(head, &data);
                        }
                        chunk => {
                            http1::write_chunk_size(head, size);
                            let mut parts =
                                Buf::chain(&head[..], chunk.into_buf()).chain(http1::CRLF);
                            write_all_vectored(writer, &mut parts).await?;
                            head.clear();
                        }
                    }
                    next = chunks.try_recv().ok();
                }
                writer.write_all(head).await?;
            }
            writer.write_all(http1::LAST_CHUNK).await
        }
        ResponseBody::File(path) => {
            let (file, size) = match open_file(&path).await {
                Ok(opened) => opened,
                Err(refusal) => {
                    // A complete body: no further recursion.
                    return Box::pin(write_response(writer, refusal, answering, date, head)).await;
                }
            };
            let framing = BodyFraming::Length(usize::try_from(size).unwrap_or(usize::MAX));
            http1::write_head(head, status, &headers, framing, closing, date);
            writer.write_all(head).await?;
            if !answering.head {
                let copied = tokio::io::copy(&mut file.take(size), writer).await?;
                if copied < size {
                    // The file shrank: the promised length cannot be kept.
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
            }
            Ok(())
        }
    }
}

/// The most slices one `writev` takes (Linux's `IOV_MAX`).
const WRITE_SLICES: usize = 1024;

/// About the most one `writev` of a large chunk sends before the
/// connection gives way to the worker's other tasks.
const WRITE_QUANTUM: usize = 256 << 10;

/// Writes all of `buf`, a quarter of a megabyte (up to [`WRITE_SLICES`]
/// slices) a system call, yielding the worker after each: a chunk gathered
/// from many pieces goes out in few calls, and while a large body is being
/// sent the worker's other connections (a `/health` probe, say) wait for
/// one call, not for as much as the socket takes.
async fn write_all_vectored(
    writer: &mut OwnedWriteHalf,
    buf: &mut impl Buf,
) -> std::io::Result<()> {
    while buf.has_remaining() {
        let written = {
            let mut slices = [std::io::IoSlice::new(&[]); WRITE_SLICES];
            let filled = buf.chunks_vectored(&mut slices);
            let mut bytes = 0;
            let within_quantum = slices[..filled].iter().take_while(|slice| {
                let fits = bytes == 0 || bytes + slice.len() <= WRITE_QUANTUM;
                bytes += slice.len();
                fits
            });
            let count = within_quantum.count();
            writer.write_vectored(&slices[..count]).await?
        };
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        buf.advance(written);
        tokio::task::yield_now().await;
    }
    Ok(())
}

/// Opens a file to send, or the response libprocess gives instead: `404`
/// for a missing file or a directory, `500` for anything else.
async fn open_file(path: &std::path::Path) -> Result<(tokio::fs::File, u64), Response> {
    let failed = |error: std::io::Error| {
        if matches!(
            error.kind(),
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
        ) {
            Response::not_found()
        } else {
            tracing::debug!(path = %path.display(), %error, "failed to send a file");
            Response::text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    };
    let file = tokio::fs::File::open(path).await.map_err(failed)?;
    let metadata = file.metadata().await.map_err(failed)?;
    if metadata.is_dir() {
        return Err(Response::not_found());
    }
    Ok((file, metadata.len()))
}

/// `body` gzipped, off the connection's thread (bodies can be megabytes);
/// `None` if compression fails, and the body then goes as it is.
async fn gzip(body: Bytes) -> Option<Bytes> {
    let compress = move || {
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(body.len() / 4),
            flate2::Compression::default(),
        );
        std::io::Write::write_all(&mut encoder, &body)?;
        encoder.finish()
    };
    match tokio::task::spawn_blocking(compress).await {
        Ok(Ok(compressed)) => Some(compressed.into()),
        Ok(Err(error)) => {
            tracing::warn!(%error, "failed to gzip a response body");
            None
        }
        Err(_) => None,
    }
}

/// Where the reader is within the current request.
enum Reading {
    /// Between requests, or within a head.
    Head,
    /// The head is in; the body is arriving.
    Body {
        request: Pending,
        body: BodyReader,
        /// `Expect: 100-continue` not yet answered.
        expects_continue: bool,
    },
    /// No more requests on this connection: the last one asked to close, or
    /// one was refused. Whatever else arrives is read and dropped.
    Stopped,
}

/// A request whose head is in, waiting for its body.
enum Pending {
    Message {
        to: Arc<str>,
        from: Upid,
        name: Arc<str>,
        keep_alive: bool,
    },
    /// An endpoint request; boxed, as it is large and rare next to messages.
    Http(Box<HttpHead>),
    /// Answered without looking at the body.
    Answer {
        response: Box<Response>,
        keep_alive: bool,
    },
}

struct HttpHead {
    method: Method,
    target: String,
    headers: HeaderMap,
    answering: Answering,
}

/// Values computed from header text, kept for the few texts that recur: a
/// peer's messages come from a handful of processes, to a handful of
/// processes, under a handful of names.
struct Recent<T> {
    entries: Vec<(Vec<u8>, T)>,
    /// The entry to replace when all are taken.
    oldest: usize,
}

/// How many texts a [`Recent`] keeps.
const RECENT_TEXTS: usize = 16;

/// Longest text or head a connection remembers; a libprocess message head
/// is a few hundred bytes, and a hostile client must not pin much memory.
const MAX_REMEMBERED_BYTES: usize = 1024;

impl<T: Clone> Recent<T> {
    fn new() -> Self {
        Recent {
            entries: Vec::new(),
            oldest: 0,
        }
    }

    fn get(&mut self, text: &[u8], compute: impl FnOnce(&[u8]) -> T) -> T {
        if let Some((_, value)) = self.entries.iter().find(|(known, _)| known == text) {
            return value.clone();
        }
        let value = compute(text);
        if text.len() > MAX_REMEMBERED_BYTES {
            return value;
        }
        let entry = (text.to_vec(), value.clone());
        if self.entries.len() < RECENT_TEXTS {
            self.entries.push(entry);
        } else {
            self.entries[self.oldest] = entry;
            self.oldest = (self.oldest + 1) % RECENT_TEXTS;
        }
        value
    }
}

/// Message heads seen on this connection, with what each was taken for.
/// A libprocess peer sends the same head, byte for byte, for every message
/// with the same sender, receiver and name, so a repeat is recognised by
/// comparison and not parsed again.
#[derive(Default)]
struct KnownHeads {
    heads: Vec<KnownHead>,
    /// The head to replace when all places are taken.
    oldest: usize,
}

/// How many heads a connection remembers.
const KNOWN_HEADS: usize = 8;

struct KnownHead {
    bytes: Vec<u8>,
    body: BodyLength,
    to: Arc<str>,
    from: Upid,
    name: Arc<str>,
    keep_alive: bool,
}

impl KnownHeads {
    /// The known head `buf` starts with.
    fn find(&self, buf: &[u8]) -> Option<&KnownHead> {
        self.heads.iter().find(|head| buf.starts_with(&head.bytes))
    }

    /// Remembers `bytes` as the head of `request`, if it is a message.
    fn remember(&mut self, bytes: &[u8], body: BodyLength, request: &Pending) {
        let Pending::Message {
            to,
            from,
            name,
            keep_alive,
        } = request
        else {
            return;
        };
        if bytes.len() > MAX_REMEMBERED_BYTES {
            return;
        }
        let head = KnownHead {
            bytes: bytes.to_vec(),
            body,
            to: to.clone(),
            from: from.clone(),
            name: name.clone(),
            keep_alive: *keep_alive,
        };
        if self.heads.len() < KNOWN_HEADS {
            self.heads.push(head);
        } else {
            self.heads[self.oldest] = head;
            self.oldest = (self.oldest + 1) % KNOWN_HEADS;
        }
    }
}

impl KnownHead {
    fn message(&self) -> Pending {
        Pending::Message {
            to: self.to.clone(),
            from: self.from.clone(),
            name: self.name.clone(),
            keep_alive: self.keep_alive,
        }
    }
}

/// The reading half of a connection.
struct Inbound<'r> {
    runtime: &'r Runtime,
    peer: SocketAddr,
    state: Reading,
    /// When the current head or body must be in. Set only when a read finds
    /// it incomplete, so a burst of complete requests costs no clock reads.
    deadline: Option<Instant>,
    date: DateCache,
    /// `202 Accepted` as of `date`.
    accepted: BytesMut,
    known_heads: KnownHeads,
    senders: Recent<Upid>,
    receivers: Recent<Option<Arc<str>>>,
    names: Recent<Arc<str>>,
    /// Messages for one process, delivered together once the buffered
    /// requests are framed or a request for someone else comes.
    batch: Vec<Message>,
    batch_to: Option<(Arc<str>, Arc<dyn Mailbox>)>,
}

impl<'r> Inbound<'r> {
    fn new(runtime: &'r Runtime, peer: SocketAddr) -> Self {
        Inbound {
            runtime,
            peer,
            state: Reading::Head,
            deadline: None,
            date: DateCache::new(),
            accepted: BytesMut::new(),
            known_heads: KnownHeads::default(),
            senders: Recent::new(),
            receivers: Recent::new(),
            names: Recent::new(),
            batch: Vec::new(),
            batch_to: None,
        }
    }

    /// Reads and handles requests until the client closes its side.
    async fn run(mut self, mut reader: OwnedReadHalf, outbox: &Outbox) {
        let mut buf = BytesMut::with_capacity(READ_SIZE);
        loop {
            self.frame(&mut buf, outbox);
            self.deliver_batch(outbox);
            let config = self.runtime.config();
            let limit = match &self.state {
                Reading::Head if buf.is_empty() => None,
                Reading::Head => Some(config.header_read_timeout),
                Reading::Body { .. } => Some(config.body_read_timeout),
                Reading::Stopped => {
                    buf.clear();
                    None
                }
            };
            let deadline = match limit {
                Some(limit) => Some(*self.deadline.get_or_insert_with(|| Instant::now() + limit)),
                None => {
                    self.deadline = None;
                    None
                }
            };
            outbox.room().await;
            let wanted = match &self.state {
                Reading::Body { body, .. } => body.wanted(buf.len()),
                _ => 0,
            };
            buf.reserve(wanted.clamp(READ_SIZE / 2, READ_SIZE));
            let read = match deadline {
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline, reader.read_buf(&mut buf)).await {
                        Ok(read) => read,
                        Err(_) => {
                            self.refuse(Refusal::TimedOut, outbox);
                            continue;
                        }
                    }
                }
                None => reader.read_buf(&mut buf).await,
            };
            match read {
                Ok(0) => return,
                Ok(_) => {}
                Err(error) => {
                    tracing::debug!(peer = %self.peer, %error, "inbound connection lost");
                    return;
                }
            }
        }
    }

    /// Frames and handles every complete request at the front of `buf`.
    fn frame(&mut self, buf: &mut BytesMut, outbox: &Outbox) {
        loop {
            match &mut self.state {
                Reading::Stopped => return,
                Reading::Head => {
                    if buf.is_empty() {
                        return;
                    }
                    let (size, length, expects_continue, request) = match self.known_heads.find(buf)
                    {
                        Some(known) => (known.bytes.len(), known.body, false, known.message()),
                        None => {
                            let mut slots = HeaderSlots::new();
                            let head = match http1::parse_head(buf, &mut slots) {
                                Ok(Some(head)) => head,
                                Ok(None) => return,
                                Err(refusal) => return self.refuse(refusal, outbox),
                            };
                            let request = match self.classify(&head) {
                                Ok(request) => request,
                                Err(refusal) => return self.refuse(refusal, outbox),
                            };
                            if !head.expects_continue {
                                self.known_heads
                                    .remember(&buf[..head.size], head.body, &request);
                            }
                            (head.size, head.body, head.expects_continue, request)
                        }
                    };
                    buf.advance(size);
                    let body = match BodyReader::new(length, self.runtime.config().max_body_bytes) {
                        Ok(body) => body,
                        Err(refusal) => return self.refuse(refusal, outbox),
                    };
                    self.state = Reading::Body {
                        request,
                        body,
                        expects_continue,
                    };
                    self.deadline = None;
                }
                Reading::Body {
                    body,
                    expects_continue,
                    ..
                } => match body.read(buf) {
                    Ok(Some(body)) => {
                        let state = std::mem::replace(&mut self.state, Reading::Head);
                        let Reading::Body { request, .. } = state else {
                            unreachable!("in the body state");
                        };
                        self.deadline = None;
                        self.complete(request, body, outbox);
                    }
                    Ok(None) => {
                        if std::mem::take(expects_continue) {
                            self.deliver_batch(outbox);
                            outbox.encode(|out| out.extend_from_slice(http1::CONTINUE));
                        }
                        return;
                    }
                    Err(refusal) => return self.refuse(refusal, outbox),
                },
            }
        }
    }

    /// Decides what a request is from its head.
    fn classify(&mut self, head: &Head<'_, '_>) -> Result<Pending, Refusal> {
        let path = match memchr(b'?', head.target) {
            Some(query) => &head.target[..query],
            None => head.target,
        };
        if !path.starts_with('/') {
            return Ok(Pending::Answer {
                response: Box::new(Response::bad_request(
                    "Request URL path must start with '/'",
                )),
                keep_alive: head.keep_alive,
            });
        }
        match self.sender(head) {
            Some(from) => Ok(self.message(path, from, head.keep_alive)),
            None => {
                let method =
                    Method::from_bytes(head.method.as_bytes()).map_err(|_| Refusal::Malformed)?;
                let mut headers = HeaderMap::with_capacity(head.headers.len());
                for header in head.headers {
                    let name = HeaderName::from_bytes(header.name.as_bytes())
                        .map_err(|_| Refusal::Malformed)?;
                    let value =
                        HeaderValue::from_bytes(header.value).map_err(|_| Refusal::Malformed)?;
                    headers.append(name, value);
                }
                let answering = Answering {
                    keep_alive: head.keep_alive,
                    head: method == Method::HEAD,
                    gzip: false,
                };
                Ok(Pending::Http(Box::new(HttpHead {
                    method,
                    target: head.target.to_owned(),
                    headers,
                    answering,
                })))
            }
        }
    }

    /// The sender of a message request, or `None` when the request is not a
    /// message. An unparseable sender is the empty UPID, as in libprocess.
    fn sender(&mut self, head: &Head<'_, '_>) -> Option<Upid> {
        if head.method != "POST" {
            return None;
        }
        let text = match head.header(LIBPROCESS_FROM) {
            Some(from) => from,
            None => head.header("user-agent")?.strip_prefix(USER_AGENT_PREFIX)?,
        };
        Some(self.senders.get(text, |text| {
            std::str::from_utf8(text)
                .map_or_else(|_| Upid::empty(), |text| Upid::parse_lenient(text.trim()))
        }))
    }

    fn message(&mut self, path: &str, from: Upid, keep_alive: bool) -> Pending {
        if self.runtime.config().require_peer_address_ip_match
            && self.peer.ip() != std::net::IpAddr::V4(*from.address().ip())
        {
            return Pending::Answer {
                response: Box::new(Response::bad_request(format!(
                    "UPID IP address validation failed: Message from {from} was sent from IP {}",
                    self.peer
                ))),
                keep_alive,
            };
        }
        let rest = &path[1..];
        let (to, name) = match memchr(b'/', rest) {
            Some(slash) => (&rest[..slash], &rest[slash + 1..]),
            None => (rest, ""),
        };
        let Some(to) = self.receivers.get(to.as_bytes(), |to| {
            std::str::from_utf8(to)
                .ok()
                .and_then(percent_decode)
                .map(Arc::from)
        }) else {
            return Pending::Answer {
                response: Box::new(Response::text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Failed to decode URL path",
                )),
                keep_alive,
            };
        };
        let name = self.names.get(name.as_bytes(), |name| {
            Arc::from(String::from_utf8_lossy(name))
        });
        Pending::Message {
            to,
            from,
            name,
            keep_alive,
        }
    }

    /// Handles a request whose body is in.
    fn complete(&mut self, request: Pending, body: Bytes, outbox: &Outbox) {
        match request {
            Pending::Message {
                to,
                from,
                name,
                keep_alive,
            } => {
                let message = Message { from, name, body };
                if keep_alive {
                    self.batch(to, message, outbox);
                } else {
                    self.deliver_batch(outbox);
                    let response = match self.runtime.deliver(&to, Delivery::Message(message)) {
                        Ok(()) => Response::accepted(),
                        Err(_) => Response::not_found(),
                    };
                    self.answer(Answer::Now(response), Answering::default(), outbox);
                }
            }
            Pending::Http(head) => {
                let HttpHead {
                    method,
                    target,
                    headers,
                    answering,
                } = *head;
                self.deliver_batch(outbox);
                let request = Request::new(method, &target)
                    .with_headers(headers)
                    .with_body(body)
                    .with_peer(self.peer);
                let answering = Answering {
                    gzip: request.accepts_encoding("gzip"),
                    ..answering
                };
                let answer = route(self.runtime, request);
                self.answer(answer, answering, outbox);
            }
            Pending::Answer {
                response,
                keep_alive,
            } => {
                self.deliver_batch(outbox);
                let answering = Answering {
                    keep_alive,
                    ..Answering::default()
                };
                self.answer(Answer::Now(*response), answering, outbox);
            }
        }
    }

    fn answer(&mut self, answer: Answer, answering: Answering, outbox: &Outbox) {
        outbox.respond(answer, answering);
        if !answering.keep_alive {
            self.state = Reading::Stopped;
        }
    }

    /// Answers a request that cannot be served and stops reading requests.
    fn refuse(&mut self, refusal: Refusal, outbox: &Outbox) {
        self.deliver_batch(outbox);
        let text = match refusal {
            Refusal::Malformed => "Malformed HTTP request".to_owned(),
            Refusal::HeadTooLarge => "Request head too large".to_owned(),
            Refusal::BodyTooLarge => format!(
                "Request body exceeds the limit of {} bytes",
                self.runtime.config().max_body_bytes
            ),
            Refusal::TimedOut => "Timed out reading the request".to_owned(),
        };
        let response = Response::text(refusal.status(), text);
        self.answer(Answer::Now(response), Answering::default(), outbox);
    }

    /// Adds a message to the batch for its receiver.
    fn batch(&mut self, to: Arc<str>, message: Message, outbox: &Outbox) {
        let same = self
            .batch_to
            .as_ref()
            .is_some_and(|(id, _)| Arc::ptr_eq(id, &to) || **id == *to);
        if !same {
            self.deliver_batch(outbox);
            match self.runtime.lookup(&to) {
                Some(mailbox) => self.batch_to = Some((to, mailbox)),
                None => {
                    outbox.respond(Answer::Now(Response::not_found()), Answering::MESSAGE);
                    return;
                }
            }
        }
        self.batch.push(message);
    }

    /// Delivers the batched messages and queues their answers.
    fn deliver_batch(&mut self, outbox: &Outbox) {
        if self.batch.is_empty() {
            return;
        }
        let count = self.batch.len();
        let (id, mailbox) = self.batch_to.as_ref().expect("a batch has a receiver");
        let mut delivered = mailbox.deliver_messages(&mut self.batch);
        if !delivered {
            // The process ended since it was looked up; a new one may have
            // taken its id.
            let fresh = self.runtime.lookup(id);
            delivered = fresh.is_some_and(|mailbox| mailbox.deliver_messages(&mut self.batch));
            self.batch_to = None;
        }
        self.batch.clear();
        if delivered {
            if self.date.refresh() || self.accepted.is_empty() {
                self.accepted.clear();
                http1::write_head(
                    &mut self.accepted,
                    StatusCode::ACCEPTED,
                    &HeaderMap::new(),
                    BodyFraming::Length(0),
                    false,
                    &self.date,
                );
            }
            let accepted = &self.accepted;
            outbox.encode(|out| {
                out.reserve(accepted.len() * count);
                for _ in 0..count {
                    out.extend_from_slice(accepted);
                }
            });
        } else {
            for _ in 0..count {
                outbox.respond(Answer::Now(Response::not_found()), Answering::MESSAGE);
            }
        }
    }
}

fn memchr(byte: u8, text: &str) -> Option<usize> {
    text.bytes().position(|candidate| candidate == byte)
}

/// Sends an endpoint request to the process that serves it.
fn route(runtime: &Runtime, mut request: Request) -> Answer {
    // Relative paths could escape a route; libprocess refuses them outright.
    if request.path().contains("/..") {
        return Answer::Now(Response::not_found());
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
        (None, None) => return Answer::Now(Response::not_found()),
    };
    if let Some(filter) = runtime.request_filter()
        && let Some(rejection) = filter(&request)
    {
        return Answer::Now(rejection);
    }
    let (respond, response) = oneshot::channel();
    let event = Delivery::Http(Box::new(HttpEvent { request, respond }));
    match runtime.deliver(&receiver, event) {
        Ok(()) => Answer::Later(response),
        Err(_) => Answer::Now(Response::not_found()),
    }
}
