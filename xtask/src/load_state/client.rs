//! A minimal HTTP/1.1 client over one keep-alive connection: enough for
//! the load tool's GETs, its scheduler calls and its RecordIO event stream.

use anyhow::{Context, Result, bail};
use bytes::{Buf, Bytes, BytesMut};
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;

/// One connection to the master; requests on it go one at a time.
pub struct Connection {
    address: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    pub async fn open(address: SocketAddr) -> Result<Connection> {
        let tcp = tokio::net::TcpStream::connect(address)
            .await
            .with_context(|| format!("could not connect to {address}"))?;
        tcp.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
        tokio::spawn(async move {
            // The connection ends when its `Connection` is dropped.
            let _ = connection.await;
        });
        Ok(Connection { address, sender })
    }

    /// Sends a request and returns the response with its body unread.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Response<Incoming>> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.address.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.sender.ready().await?;
        let response = self
            .sender
            .send_request(request.body(Full::new(body))?)
            .await?;
        Ok(response)
    }

    /// A GET whose whole body is read.
    pub async fn get(&mut self, path: &str) -> Result<(StatusCode, Bytes)> {
        let response = self.send(Method::GET, path, &[], Bytes::new()).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    /// A GET answered `200 OK` whose body is read to its last byte and
    /// dropped as it comes, as `curl -o /dev/null` would: the time it takes
    /// is the server's and the connection's, not the client's copying.
    /// Returns the body's length.
    pub async fn pull(&mut self, path: &str) -> Result<usize> {
        let response = self.send(Method::GET, path, &[], Bytes::new()).await?;
        let status = response.status();
        let mut body = response.into_body();
        if status != StatusCode::OK {
            let body = body.collect().await?.to_bytes();
            return expect(status, StatusCode::OK, &body, path).map(|()| body.len());
        }
        let mut length = 0;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                length += data.len();
            }
        }
        Ok(length)
    }

    /// A JSON POST whose whole body is read.
    pub async fn post_json(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Result<(StatusCode, Bytes)> {
        let mut all = vec![("Content-Type", "application/json")];
        all.extend_from_slice(headers);
        let response = self
            .send(Method::POST, path, &all, serde_json::to_vec(body)?.into())
            .await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

/// Splits a RecordIO stream (`<length>\n<record>`...) into JSON records.
pub struct RecordIo {
    body: Incoming,
    buffer: BytesMut,
}

impl RecordIo {
    pub fn new(body: Incoming) -> RecordIo {
        RecordIo {
            body,
            buffer: BytesMut::new(),
        }
    }

    /// The next record, or `None` when the stream ends.
    pub async fn next(&mut self) -> Result<Option<serde_json::Value>> {
        loop {
            if let Some(newline) = self.buffer.iter().position(|&b| b == b'\n') {
                let length: usize = std::str::from_utf8(&self.buffer[..newline])?
                    .trim()
                    .parse()
                    .context("a RecordIO length")?;
                if self.buffer.len() > newline + length {
                    self.buffer.advance(newline + 1);
                    let record = self.buffer.split_to(length);
                    return Ok(Some(serde_json::from_slice(&record)?));
                }
            }
            match self.body.frame().await {
                None => return Ok(None),
                Some(frame) => {
                    if let Ok(data) = frame?.into_data() {
                        self.buffer.extend_from_slice(&data);
                    }
                }
            }
        }
    }
}

/// Fails unless `status` is what was expected, quoting the body.
pub fn expect(status: StatusCode, expected: StatusCode, body: &[u8], what: &str) -> Result<()> {
    if status != expected {
        bail!(
            "{what}: {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(500)])
        );
    }
    Ok(())
}
