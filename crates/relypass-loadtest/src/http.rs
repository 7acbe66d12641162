//! A minimal HTTP/1.1 client over one kept-alive `TcpStream`, and a cookie
//! jar. Hand-written because `slow` needs byte-level control of sockets anyway
//! and the tool should measure the server, not a client library's pooling.

use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The largest answer the tool accepts (the demo's are a few kilobytes).
const MAX_BODY: usize = 4 << 20;
/// The most header lines read from one answer.
const MAX_HEADERS: usize = 100;

/// Why a request got no answer.
#[derive(Debug)]
pub enum HttpError {
    /// Connecting, writing or reading failed.
    Io(std::io::Error),
    /// No complete answer within the request's time bound.
    Timeout,
    /// The answer was not HTTP/1.1 the tool understands.
    Malformed(&'static str),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Io(e) => write!(f, "i/o error: {e}"),
            HttpError::Timeout => f.write_str("timed out"),
            HttpError::Malformed(what) => write!(f, "malformed answer: {what}"),
        }
    }
}

impl From<std::io::Error> for HttpError {
    fn from(e: std::io::Error) -> Self {
        HttpError::Io(e)
    }
}

/// A parsed answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// One connection to one server, reopened when the server closes it.
pub struct Conn {
    addr: SocketAddr,
    host: String,
    stream: Option<BufReader<TcpStream>>,
}

impl Conn {
    /// A connection to `addr`, opened at the first request; `host` is sent as
    /// the `Host` header.
    pub fn new(addr: SocketAddr, host: String) -> Self {
        Conn {
            addr,
            host,
            stream: None,
        }
    }

    /// Sends one request and reads its answer, within `timeout` in all. A
    /// kept-alive connection the server closed in the meantime is reopened
    /// once (the request never reached the server then).
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        timeout: Duration,
    ) -> Result<Response, HttpError> {
        let deadline = Instant::now() + timeout;
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if method != "GET" || !body.is_empty() {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut message = head.into_bytes();
        message.extend_from_slice(body);
        for attempt in 0..2 {
            let reused = self.stream.is_some();
            let left = deadline.saturating_duration_since(Instant::now());
            let result = tokio::time::timeout(left, self.exchange(&message)).await;
            match result {
                Err(_) => {
                    self.stream = None;
                    return Err(HttpError::Timeout);
                }
                Ok(Ok(res)) => return Ok(res),
                Ok(Err(e)) => {
                    self.stream = None;
                    // A stale kept-alive socket fails before any answer byte:
                    // retry once on a fresh one; anything else is the answer.
                    if reused && attempt == 0 && matches!(e, HttpError::Io(_)) {
                        continue;
                    }
                    return Err(e);
                }
            }
        }
        Err(HttpError::Malformed("unreachable retry"))
    }

    async fn exchange(&mut self, message: &[u8]) -> Result<Response, HttpError> {
        if self.stream.is_none() {
            let s = TcpStream::connect(self.addr).await?;
            s.set_nodelay(true)?;
            self.stream = Some(BufReader::new(s));
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err(HttpError::Malformed("no connection"));
        };
        stream.get_mut().write_all(message).await?;
        let res = read_response(stream).await?;
        if res
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        {
            self.stream = None;
        }
        Ok(res)
    }
}

/// Reads one HTTP/1.1 answer (Content-Length or chunked body).
pub async fn read_response<R: AsyncBufReadExt + Unpin>(r: &mut R) -> Result<Response, HttpError> {
    let mut line = String::new();
    if r.read_line(&mut line).await? == 0 {
        return Err(HttpError::Io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or(HttpError::Malformed("status line"))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Err(HttpError::Malformed("headers cut short"));
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(HttpError::Malformed("too many headers"));
        }
        let (k, v) = l.split_once(':').ok_or(HttpError::Malformed("header"))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let mut res = Response {
        status,
        headers,
        body: Vec::new(),
    };
    let chunked = res
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| HttpError::Malformed("chunk size"))?;
            if res.body.len() + size > MAX_BODY {
                return Err(HttpError::Malformed("body too large"));
            }
            let start = res.body.len();
            res.body.resize(start + size, 0);
            r.read_exact(&mut res.body[start..]).await?;
            line.clear();
            r.read_line(&mut line).await?;
            if size == 0 {
                break;
            }
        }
    } else if let Some(len) = res.header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| HttpError::Malformed("content-length"))?;
        if len > MAX_BODY {
            return Err(HttpError::Malformed("body too large"));
        }
        res.body.resize(len, 0);
        r.read_exact(&mut res.body).await?;
    }
    Ok(res)
}

/// Cookies as a browser on one site keeps them: name → value (paths and
/// expiry beyond `Max-Age=0` do not matter to the API the tool calls).
#[derive(Debug, Default, Clone)]
pub struct Jar(Vec<(String, String)>);

impl Jar {
    /// Applies the answer's `Set-Cookie` headers.
    pub fn update(&mut self, res: &Response) {
        for (k, v) in &res.headers {
            if k != "set-cookie" {
                continue;
            }
            let mut parts = v.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.trim().split_once('=')) else {
                continue;
            };
            let expired = parts.any(|p| p.trim().eq_ignore_ascii_case("max-age=0"));
            self.0.retain(|(n, _)| n != name);
            if !expired && !value.is_empty() {
                self.0.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    /// The `Cookie` header value, if any cookie is held.
    pub fn header(&self) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        Some(
            self.0
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// Forgets every cookie (a new browser).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}
