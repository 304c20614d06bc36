//! HTTP/1.1 framing for the listener: request heads and bodies in,
//! responses out.
//!
//! The listener frames requests itself rather than through a general HTTP
//! server because nearly everything it receives is a libprocess message: a
//! small `POST` with a handful of headers, pipelined by the thousand on one
//! connection. Framing them here lets the listener classify a request from
//! the raw header slices `httparse` hands back, without building a header
//! map, URI or service future per message. Everything else (endpoint
//! requests) gets the same framing and then the full [`Request`] treatment.
//!
//! The parser is incremental: [`parse_head`] reports `None` until a whole
//! head has arrived, and [`BodyReader`] consumes complete pieces of a body
//! (a `Content-Length` body, or one chunk at a time) as they arrive, so no
//! byte is scanned twice however slowly a body trickles in.
//!
//! [`Request`]: crate::Request

use std::mem::MaybeUninit;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use http::{HeaderMap, StatusCode};

/// Most headers a request may carry.
const MAX_HEADERS: usize = 128;

/// Largest request head (request line and headers), the limit libprocess's
/// parser has.
pub(crate) const MAX_HEAD_BYTES: usize = 80 * 1024;

/// Longest chunk-size line or trailer section accepted in a chunked body.
const MAX_CHUNK_LINE_BYTES: usize = 4096;

/// Why a request cannot be served. Each is answered and the connection
/// closed, since the framing of whatever follows is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not HTTP/1.x, or framing that cannot be trusted.
    Malformed,
    /// A head longer than [`MAX_HEAD_BYTES`] or with too many headers.
    HeadTooLarge,
    /// A body over the configured cap.
    BodyTooLarge,
    /// A head or body that did not arrive in time.
    TimedOut,
}

impl Refusal {
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Refusal::Malformed => StatusCode::BAD_REQUEST,
            Refusal::HeadTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Refusal::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::TimedOut => StatusCode::REQUEST_TIMEOUT,
        }
    }
}

/// How a request's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyLength {
    Fixed(usize),
    Chunked,
}

/// A parsed request head, borrowing the read buffer.
pub(crate) struct Head<'h, 'b> {
    pub method: &'b str,
    /// The request target as sent: path and query.
    pub target: &'b str,
    pub headers: &'h [httparse::Header<'b>],
    /// Bytes the head occupies in the buffer.
    pub size: usize,
    pub body: BodyLength,
    /// Whether the connection stays open after this request: HTTP/1.1
    /// unless `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
    pub keep_alive: bool,
    /// The client sent `Expect: 100-continue` and waits before the body.
    pub expects_continue: bool,
}

impl Head<'_, '_> {
    /// The value of the first header called `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|header| header.name.eq_ignore_ascii_case(name))
            .map(|header| header.value)
    }
}

/// Room for one head's headers. Left uninitialised, so making one per
/// request costs nothing.
pub(crate) struct HeaderSlots<'b>([MaybeUninit<httparse::Header<'b>>; MAX_HEADERS]);

impl HeaderSlots<'_> {
    pub fn new() -> Self {
        HeaderSlots([const { MaybeUninit::uninit() }; MAX_HEADERS])
    }
}

/// Parses the request head at the start of `buf`: `Ok(None)` while it is
/// incomplete.
pub(crate) fn parse_head<'h, 'b>(
    buf: &'b [u8],
    slots: &'h mut HeaderSlots<'b>,
) -> Result<Option<Head<'h, 'b>>, Refusal> {
    let mut request = httparse::Request::new(&mut []);
    let size = match request.parse_with_uninit_headers(buf, &mut slots.0) {
        Ok(httparse::Status::Complete(size)) => size,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD_BYTES => {
            return Err(Refusal::HeadTooLarge);
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Refusal::HeadTooLarge),
        Err(_) => return Err(Refusal::Malformed),
    };
    if size > MAX_HEAD_BYTES {
        return Err(Refusal::HeadTooLarge);
    }
    let (Some(method), Some(target), Some(minor)) = (request.method, request.path, request.version)
    else {
        return Err(Refusal::Malformed);
    };
    let headers: &'h [httparse::Header<'b>] = request.headers;

    let mut length = None;
    let mut chunked = false;
    let mut close = false;
    let mut keep_alive_token = false;
    let mut expects_continue = false;
    for header in headers {
        let name = header.name;
        if name.eq_ignore_ascii_case("content-length") {
            let value = parse_decimal(header.value).ok_or(Refusal::Malformed)?;
            if length.is_some_and(|earlier| earlier != value) {
                return Err(Refusal::Malformed);
            }
            length = Some(value);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // Only `chunked` frames a body we can find the end of; it must
            // come last, as HTTP/1.1 requires.
            let last = header.value.rsplit(|&byte| byte == b',').next();
            chunked =
                last.is_some_and(|coding| coding.trim_ascii().eq_ignore_ascii_case(b"chunked"));
            if !chunked {
                return Err(Refusal::Malformed);
            }
        } else if name.eq_ignore_ascii_case("connection") {
            for token in header.value.split(|&byte| byte == b',') {
                let token = token.trim_ascii();
                close |= token.eq_ignore_ascii_case(b"close");
                keep_alive_token |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case("expect") {
            expects_continue = header
                .value
                .trim_ascii()
                .eq_ignore_ascii_case(b"100-continue");
        }
    }
    let body = match (chunked, length) {
        // Both at once is how requests get smuggled past proxies.
        (true, Some(_)) => return Err(Refusal::Malformed),
        (true, None) => BodyLength::Chunked,
        (false, length) => BodyLength::Fixed(length.unwrap_or(0)),
    };
    let keep_alive = !close && (minor == 1 || keep_alive_token);
    Ok(Some(Head {
        method,
        target,
        headers,
        size,
        body,
        keep_alive,
        expects_continue: expects_continue && body != BodyLength::Fixed(0),
    }))
}

fn parse_decimal(text: &[u8]) -> Option<usize> {
    let text = text.trim_ascii();
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// Reads one request body out of the connection's buffer, piece by piece.
pub(crate) struct BodyReader {
    state: BodyState,
    limit: usize,
    received: usize,
    collected: Collected,
}

enum BodyState {
    /// This many bytes, all at once.
    Fixed(usize),
    ChunkSize,
    /// A chunk's data of this size, then CRLF.
    ChunkData(usize),
    /// Trailer lines after the last chunk, up to an empty line.
    Trailers,
}

impl BodyReader {
    /// A reader for a body framed as `length`, refusing bodies over `limit`
    /// bytes.
    pub fn new(length: BodyLength, limit: usize) -> Result<Self, Refusal> {
        let state = match length {
            BodyLength::Fixed(size) if size > limit => return Err(Refusal::BodyTooLarge),
            BodyLength::Fixed(size) => BodyState::Fixed(size),
            BodyLength::Chunked => BodyState::ChunkSize,
        };
        Ok(BodyReader {
            state,
            limit,
            received: 0,
            collected: Collected::Nothing,
        })
    }

    /// Takes whatever complete pieces of the body `buf` starts with; the
    /// whole body once its last piece is in.
    pub fn read(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, Refusal> {
        loop {
            match self.state {
                BodyState::Fixed(size) => {
                    if buf.len() < size {
                        return Ok(None);
                    }
                    let body = buf.split_to(size).freeze();
                    return Ok(Some(body));
                }
                BodyState::ChunkSize => match httparse::parse_chunk_size(buf) {
                    Ok(httparse::Status::Complete((line, size))) => {
                        let size = usize::try_from(size).map_err(|_| Refusal::BodyTooLarge)?;
                        if size > self.limit - self.received {
                            return Err(Refusal::BodyTooLarge);
                        }
                        buf.advance(line);
                        self.state = if size == 0 {
                            BodyState::Trailers
                        } else {
                            BodyState::ChunkData(size)
                        };
                    }
                    Ok(httparse::Status::Partial) if buf.len() > MAX_CHUNK_LINE_BYTES => {
                        return Err(Refusal::Malformed);
                    }
                    Ok(httparse::Status::Partial) => return Ok(None),
                    Err(_) => return Err(Refusal::Malformed),
                },
                BodyState::ChunkData(size) => {
                    if buf.len() < size + 2 {
                        return Ok(None);
                    }
                    if &buf[size..size + 2] != b"\r\n" {
                        return Err(Refusal::Malformed);
                    }
                    let data = buf.split_to(size).freeze();
                    buf.advance(2);
                    self.received += size;
                    self.collected.push(data);
                    self.state = BodyState::ChunkSize;
                }
                BodyState::Trailers => {
                    let Some(line) = buf.windows(2).position(|pair| pair == b"\r\n") else {
                        if buf.len() > MAX_CHUNK_LINE_BYTES {
                            return Err(Refusal::Malformed);
                        }
                        return Ok(None);
                    };
                    buf.advance(line + 2);
                    if line == 0 {
                        return Ok(Some(std::mem::take(&mut self.collected).finish()));
                    }
                }
            }
        }
    }

    /// At least how many more bytes the body needs, for sizing the next read.
    pub fn wanted(&self, buffered: usize) -> usize {
        match self.state {
            BodyState::Fixed(size) => size.saturating_sub(buffered),
            BodyState::ChunkData(size) => (size + 2).saturating_sub(buffered),
            BodyState::ChunkSize | BodyState::Trailers => 0,
        }
    }
}

/// A body's pieces: usually exactly one, kept as the slice of the read
/// buffer it arrived in.
#[derive(Default)]
enum Collected {
    #[default]
    Nothing,
    One(Bytes),
    Many(BytesMut),
}

impl Collected {
    fn push(&mut self, piece: Bytes) {
        *self = match std::mem::take(self) {
            Collected::Nothing => Collected::One(piece),
            Collected::One(first) => {
                let mut joined = BytesMut::with_capacity(first.len() + piece.len());
                joined.put_slice(&first);
                joined.put_slice(&piece);
                Collected::Many(joined)
            }
            Collected::Many(mut joined) => {
                joined.put_slice(&piece);
                Collected::Many(joined)
            }
        }
    }

    fn finish(self) -> Bytes {
        match self {
            Collected::Nothing => Bytes::new(),
            Collected::One(body) => body,
            Collected::Many(joined) => joined.freeze(),
        }
    }
}

/// The `Date` header's value, formatted once per second.
pub(crate) struct DateCache {
    second: u64,
    text: String,
}

impl DateCache {
    pub fn new() -> Self {
        let mut cache = DateCache {
            second: u64::MAX,
            text: String::new(),
        };
        cache.refresh();
        cache
    }

    /// Brings the cached date up to the current second; true if it changed.
    pub fn refresh(&mut self) -> bool {
        let now = SystemTime::now();
        let second = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        if second == self.second {
            return false;
        }
        self.second = second;
        self.text = httpdate::fmt_http_date(now);
        true
    }

    pub fn get(&self) -> &str {
        &self.text
    }
}

/// How a response's body goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// `Content-Length` (a `HEAD` answer states it without the body).
    Length(usize),
    /// `Transfer-Encoding: chunked`, one chunk per piece.
    Chunked,
}

/// Appends a response's status line and headers: `Date` first, then the
/// response's own headers with their names in title case (as libprocess
/// writes them), then the framing header and, when the connection closes
/// after this response, `Connection: close`.
pub(crate) fn write_head(
    out: &mut BytesMut,
    status: StatusCode,
    headers: &HeaderMap,
    framing: BodyFraming,
    closing: bool,
    date: &DateCache,
) {
    out.put_slice(b"HTTP/1.1 ");
    out.put_slice(status.as_str().as_bytes());
    out.put_u8(b' ');
    out.put_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.put_slice(b"\r\n");
    if !headers.contains_key(http::header::DATE) {
        out.put_slice(b"Date: ");
        out.put_slice(date.get().as_bytes());
        out.put_slice(b"\r\n");
    }
    for (name, value) in headers {
        // Framing is ours to decide.
        if name == http::header::CONTENT_LENGTH
            || name == http::header::TRANSFER_ENCODING
            || (closing && name == http::header::CONNECTION)
        {
            continue;
        }
        put_title_case(out, name.as_str());
        out.put_slice(b": ");
        out.put_slice(value.as_bytes());
        out.put_slice(b"\r\n");
    }
    match framing {
        BodyFraming::Length(length) => {
            out.put_slice(b"Content-Length: ");
            put_decimal(out, length);
            out.put_slice(b"\r\n");
        }
        BodyFraming::Chunked => out.put_slice(b"Transfer-Encoding: chunked\r\n"),
    }
    if closing {
        out.put_slice(b"Connection: close\r\n");
    }
    out.put_slice(b"\r\n");
}

/// Appends `data` as one chunk of a chunked body.
pub(crate) fn write_chunk(out: &mut BytesMut, data: &[u8]) {
    if data.is_empty() {
        // An empty chunk would end the body.
        return;
    }
    write_chunk_size(out, data.len());
    out.put_slice(data);
    out.put_slice(CRLF);
}

/// The line that opens a chunk of `size` bytes; the chunk's data and a
/// [`CRLF`] follow it.
pub(crate) fn write_chunk_size(out: &mut BytesMut, size: usize) {
    put_hex(out, size);
    out.put_slice(CRLF);
}

/// The end of a line, and of a chunk's data.
pub(crate) const CRLF: &[u8] = b"\r\n";

/// The end of a chunked body.
pub(crate) const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// The interim answer to `Expect: 100-continue`.
pub(crate) const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

fn put_title_case(out: &mut BytesMut, name: &str) {
    let mut upper = true;
    for byte in name.bytes() {
        out.put_u8(if upper {
            byte.to_ascii_uppercase()
        } else {
            byte
        });
        upper = byte == b'-';
    }
}

pub(crate) fn put_decimal(out: &mut BytesMut, mut value: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.put_slice(&digits[start..]);
}

pub(crate) fn put_hex(out: &mut BytesMut, mut value: usize) {
    let mut digits = [0u8; 16];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b"0123456789abcdef"[value % 16];
        value /= 16;
        if value == 0 {
            break;
        }
    }
    out.put_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Result<Option<(BodyLength, bool, bool, usize)>, Refusal> {
        let mut slots = HeaderSlots::new();
        parse_head(text.as_bytes(), &mut slots)
            .map(|head| head.map(|h| (h.body, h.keep_alive, h.expects_continue, h.size)))
    }

    #[test]
    fn heads_are_framed_and_classified() {
        let text =
            "POST /a/b HTTP/1.1\r\nLibprocess-From: x@1.2.3.4:5\r\nContent-Length: 3\r\n\r\nabc";
        assert_eq!(
            head(text),
            Ok(Some((BodyLength::Fixed(3), true, false, text.len() - 3)))
        );
        assert_eq!(head("POST /a/b HTTP/1.1\r\nContent-Le"), Ok(None));
        assert_eq!(
            head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
                .map(|h| h.map(|h| (h.0, h.2))),
            Ok(Some((BodyLength::Chunked, true)))
        );
        assert_eq!(
            head("GET / HTTP/1.0\r\n\r\n").map(|h| h.map(|h| h.1)),
            Ok(Some(false))
        );
        assert_eq!(
            head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").map(|h| h.map(|h| h.1)),
            Ok(Some(true))
        );
        assert_eq!(
            head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").map(|h| h.map(|h| h.1)),
            Ok(Some(false))
        );
    }

    #[test]
    fn untrustworthy_framing_is_refused() {
        for text in [
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "GET / HTTP/2.0\r\n\r\n",
            "\x00\x01 garbage\r\n\r\n",
        ] {
            assert_eq!(head(text).err(), Some(Refusal::Malformed), "{text:?}");
        }
        let huge = format!("GET / HTTP/1.1\r\nX: {}", "y".repeat(MAX_HEAD_BYTES));
        assert_eq!(head(&huge).err(), Some(Refusal::HeadTooLarge));
        let many: String = (0..=MAX_HEADERS).map(|i| format!("H{i}: v\r\n")).collect();
        assert_eq!(
            head(&format!("GET / HTTP/1.1\r\n{many}\r\n")).err(),
            Some(Refusal::HeadTooLarge)
        );
    }

    #[test]
    fn chunked_bodies_are_read_piece_by_piece() {
        let mut reader = BodyReader::new(BodyLength::Chunked, 100).unwrap();
        let mut buf = BytesMut::new();
        for piece in [
            "3\r\nab",
            "c\r\n",
            "2;ext=1\r\nde\r\n0\r\n",
            "Trailer: x\r\n",
            "\r\nNEXT",
        ] {
            assert_eq!(reader.read(&mut buf), Ok(None));
            buf.put_slice(piece.as_bytes());
        }
        assert_eq!(
            reader.read(&mut buf),
            Ok(Some(Bytes::from_static(b"abcde")))
        );
        assert_eq!(&buf[..], b"NEXT");
    }

    #[test]
    fn bodies_over_the_limit_or_badly_chunked_are_refused() {
        assert!(matches!(
            BodyReader::new(BodyLength::Fixed(11), 10),
            Err(Refusal::BodyTooLarge)
        ));
        let mut reader = BodyReader::new(BodyLength::Chunked, 10).unwrap();
        let mut buf = BytesMut::from(&b"6\r\nabcdef\r\n6\r\n"[..]);
        assert_eq!(reader.read(&mut buf), Err(Refusal::BodyTooLarge));
        let mut reader = BodyReader::new(BodyLength::Chunked, 10).unwrap();
        let mut buf = BytesMut::from(&b"2\r\nabcd"[..]);
        assert_eq!(reader.read(&mut buf), Err(Refusal::Malformed));
    }

    #[test]
    fn heads_are_written_like_libprocess() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "text/plain".parse().unwrap());
        headers.insert("mesos-stream-id", "x".parse().unwrap());
        let mut out = BytesMut::new();
        let date = DateCache::new();
        write_head(
            &mut out,
            StatusCode::ACCEPTED,
            &headers,
            BodyFraming::Length(0),
            true,
            &date,
        );
        let expected = format!(
            "HTTP/1.1 202 Accepted\r\nDate: {}\r\nContent-Type: text/plain\r\nMesos-Stream-Id: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            date.get()
        );
        assert_eq!(std::str::from_utf8(&out).unwrap(), expected);
        let mut out = BytesMut::new();
        write_chunk(&mut out, &[b'z'; 26]);
        assert_eq!(&out[..], &b"1a\r\nzzzzzzzzzzzzzzzzzzzzzzzzzz\r\n"[..]);
    }
}
