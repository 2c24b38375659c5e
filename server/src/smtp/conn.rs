//! One SMTP connection driven step by step: plain or TLS stream, replies read line by line within a time limit,
//! and the transcript of everything said.
//!
//! Commands are lettre's types (`Ehlo`, `Starttls`, `Mail`, …) written as lettre formats them; replies are read
//! here, because lettre's async connection bounds only the TCP connect, not the greeting or the replies.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Longest reply line accepted (Postfix's `line_length_limit`), and the whole reply.
const MAX_LINE: usize = 2048;
const MAX_REPLY: usize = 100_000;
/// How many bytes of the stream's start are kept to explain a failed TLS handshake.
const SNIFF_LEN: usize = 512;

/// A server reply: its code and its lines as sent (code included), e.g. `250-mail.example.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// A 2yz reply: the command was accepted. A 3yz reply asks for more (DATA's 354, AUTH's 334), which the
    /// commands that expect it check for themselves; to any other command it is no acceptance.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// The reply as the server sent it, lines separated by `\n`.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn status(&self) -> smtp_endpoint::ReplyStatus {
        let first = self.lines.first().map(String::as_str).unwrap_or_default();
        smtp_endpoint::ReplyStatus::parse(first).unwrap_or(smtp_endpoint::ReplyStatus {
            code: self.code,
            enhanced: None,
            about_host: false,
        })
    }

    /// The text of each line without its code, as EHLO keywords are read.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(|line| line.get(4..).unwrap_or_default())
    }
}

/// Why no reply came.
#[derive(Debug)]
pub(crate) enum IoFailure {
    /// No complete reply within the limit.
    Timeout(Duration),
    /// The server closed the connection (end of stream, reset, broken pipe).
    Closed(String),
    /// Bytes that are not an SMTP reply: what is wrong, and the line as the server sent it (uncut, so that the
    /// password can be redacted from it before it is shortened for a report).
    Malformed(String, Option<String>),
}

impl IoFailure {
    fn from_io(error: io::Error) -> IoFailure {
        IoFailure::Closed(error.to_string())
    }
}

/// A TCP stream that keeps a copy of the first bytes it reads, so a failed TLS handshake can tell that the
/// server spoke plaintext SMTP instead.
#[derive(Debug)]
pub(crate) struct Sniff {
    inner: TcpStream,
    first: Vec<u8>,
}

impl Sniff {
    pub fn new(inner: TcpStream) -> Sniff {
        Sniff { inner, first: Vec::new() }
    }

    pub fn first_bytes(&self) -> &[u8] {
        &self.first
    }

    pub fn reset(&mut self) {
        self.first.clear();
    }
}

impl AsyncRead for Sniff {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if this.first.len() < SNIFF_LEN {
            let fresh = &buf.filled()[before..];
            let take = fresh.len().min(SNIFF_LEN - this.first.len());
            this.first.extend_from_slice(&fresh[..take]);
        }
        poll
    }
}

impl AsyncWrite for Sniff {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[derive(Debug)]
enum Stream {
    Plain(Sniff),
    Tls(Box<TlsStream<Sniff>>),
    /// Between taking the plain stream for a handshake and getting the TLS stream back.
    Gone,
}

/// One connection to the SMTP server.
#[derive(Debug)]
pub(crate) struct Conn {
    stream: Stream,
    buf: Vec<u8>,
    /// `S: …` for what the server said, `C: …` for what this client said, `* …` for events.
    pub transcript: Vec<String>,
}

impl Conn {
    pub fn plain(stream: TcpStream) -> Conn {
        Conn { stream: Stream::Plain(Sniff::new(stream)), buf: Vec::new(), transcript: Vec::new() }
    }

    pub fn tls(stream: TlsStream<Sniff>) -> Conn {
        Conn { stream: Stream::Tls(Box::new(stream)), buf: Vec::new(), transcript: Vec::new() }
    }

    pub fn is_encrypted(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    pub fn note(&mut self, event: impl AsRef<str>) {
        self.transcript.push(format!("* {}", event.as_ref()));
    }

    /// Takes the plain stream for a STARTTLS handshake. Refuses when the server already sent more than its
    /// reply to STARTTLS: those bytes would be read as if they had come over TLS (command injection).
    pub fn take_plain_for_tls(&mut self) -> Result<Sniff, &'static str> {
        if !self.buf.is_empty() {
            return Err("the server sent data after its reply to STARTTLS, before the TLS handshake");
        }
        match std::mem::replace(&mut self.stream, Stream::Gone) {
            Stream::Plain(mut sniff) => {
                sniff.reset();
                Ok(sniff)
            }
            other => {
                self.stream = other;
                Err("the connection is not plain")
            }
        }
    }

    /// The TLS session, once the connection is encrypted.
    pub fn tls_connection(&self) -> Option<&rustls::ClientConnection> {
        match &self.stream {
            Stream::Tls(tls) => Some(tls.get_ref().1),
            _ => None,
        }
    }

    /// Reads one reply (all its lines) within `limit`.
    pub async fn read_reply(&mut self, limit: Duration) -> Result<Reply, IoFailure> {
        match tokio::time::timeout(limit, self.read_reply_unbounded()).await {
            Ok(result) => result,
            Err(_) => Err(IoFailure::Timeout(limit)),
        }
    }

    /// Sends `command` (with its CRLF) and reads the reply, all within `limit`. The transcript gets `shown`
    /// instead of the command when given (AUTH payloads).
    pub async fn command(&mut self, command: &str, shown: Option<&str>, limit: Duration) -> Result<Reply, IoFailure> {
        self.transcript.push(format!("C: {}", shown.unwrap_or_else(|| command.trim_end())));
        let exchange = async {
            self.write(command.as_bytes()).await?;
            self.read_reply_unbounded().await
        };
        match tokio::time::timeout(limit, exchange).await {
            Ok(result) => result,
            Err(_) => Err(IoFailure::Timeout(limit)),
        }
    }

    /// Sends a message body (already dot-stuffed and terminated) and reads the server's verdict, both within
    /// `limit`. A failure says whether the whole message, final dot included, had been sent: then the server may
    /// have accepted it without its verdict arriving.
    pub async fn data(&mut self, payload: &[u8], shown: &str, limit: Duration) -> Result<Reply, (IoFailure, bool)> {
        self.transcript.push(format!("C: {shown}"));
        self.transcript.push("C: .".to_owned());
        let deadline = tokio::time::Instant::now() + limit;
        match tokio::time::timeout_at(deadline, self.write(payload)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err((error, false)),
            Err(_) => return Err((IoFailure::Timeout(limit), false)),
        }
        match tokio::time::timeout_at(deadline, self.read_reply_unbounded()).await {
            Ok(result) => result.map_err(|error| (error, true)),
            Err(_) => Err((IoFailure::Timeout(limit), true)),
        }
    }

    /// Closes the connection without waiting for anything.
    pub async fn shutdown(&mut self) {
        let _ = tokio::time::timeout(Duration::from_millis(200), async {
            match &mut self.stream {
                Stream::Plain(s) => s.shutdown().await,
                Stream::Tls(s) => s.shutdown().await,
                Stream::Gone => Ok(()),
            }
        })
        .await;
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), IoFailure> {
        let result = match &mut self.stream {
            Stream::Plain(s) => s.write_all(bytes).await.and(s.flush().await),
            Stream::Tls(s) => s.write_all(bytes).await.and(s.flush().await),
            Stream::Gone => Err(io::Error::from(io::ErrorKind::NotConnected)),
        };
        result.map_err(IoFailure::from_io)
    }

    async fn read_more(&mut self) -> Result<(), IoFailure> {
        let mut chunk = [0u8; 4096];
        let n = match &mut self.stream {
            Stream::Plain(s) => s.read(&mut chunk).await,
            Stream::Tls(s) => s.read(&mut chunk).await,
            Stream::Gone => Err(io::Error::from(io::ErrorKind::NotConnected)),
        }
        .map_err(IoFailure::from_io)?;
        if n == 0 {
            return Err(IoFailure::Closed("the server closed the connection".to_owned()));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    async fn read_line(&mut self) -> Result<String, IoFailure> {
        loop {
            let end = self.buf.iter().position(|&b| b == b'\n');
            // Over the limit whether its end came with it or has not come yet.
            if end.unwrap_or(self.buf.len()) > MAX_LINE {
                let line = super::tls::first_line(&self.buf);
                return Err(IoFailure::Malformed(format!("a reply line longer than {MAX_LINE} bytes"), Some(line)));
            }
            if let Some(end) = end {
                let line: Vec<u8> = self.buf.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']).to_owned();
                return Ok(line);
            }
            self.read_more().await?;
        }
    }

    async fn read_reply_unbounded(&mut self) -> Result<Reply, IoFailure> {
        let mut lines = Vec::new();
        let mut size = 0;
        loop {
            let line = self.read_line().await?;
            self.transcript.push(format!("S: {line}"));
            size += line.len();
            let bytes = line.as_bytes();
            let code = (bytes.len() >= 3 && bytes[..3].iter().all(u8::is_ascii_digit))
                .then(|| line[..3].parse::<u16>().ok())
                .flatten()
                .filter(|code| (200..600).contains(code));
            let Some(code) = code else {
                return Err(IoFailure::Malformed("not an SMTP reply".to_owned(), Some(line)));
            };
            let last = match bytes.get(3) {
                None | Some(b' ') => true,
                Some(b'-') => false,
                Some(_) => return Err(IoFailure::Malformed("not an SMTP reply".to_owned(), Some(line))),
            };
            if lines.first().is_some_and(|first: &String| !first.starts_with(&line[..3])) {
                return Err(IoFailure::Malformed("the lines of a reply have different codes".to_owned(), None));
            }
            lines.push(line);
            if size > MAX_REPLY {
                return Err(IoFailure::Malformed("a reply larger than 100 kB".to_owned(), None));
            }
            if last {
                return Ok(Reply { code, lines });
            }
        }
    }
}

/// Dot-stuffs a formatted message (RFC 5321 4.5.2) and appends the end-of-data line.
pub(crate) fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    let mut line_start = true;
    for &byte in message {
        if line_start && byte == b'.' {
            out.push(b'.');
        }
        out.push(byte);
        line_start = byte == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffing() {
        let rows: &[(&str, &str)] = &[
            ("a\r\n", "a\r\n.\r\n"),
            ("a", "a\r\n.\r\n"),
            (".a\r\n", "..a\r\n.\r\n"),
            ("a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"),
            ("a.b\r\n", "a.b\r\n.\r\n"),
        ];
        for (input, expected) in rows {
            assert_eq!(String::from_utf8_lossy(&dot_stuff(input.as_bytes())), *expected, "{input:?}");
        }
    }

    #[test]
    fn only_a_2yz_reply_accepts_a_command() {
        let reply = |code| Reply { code, lines: vec![format!("{code} text")] };
        assert!(reply(250).is_positive() && reply(221).is_positive());
        assert!(!reply(354).is_positive() && !reply(334).is_positive() && !reply(421).is_positive());
    }

    /// A reply line over the limit is refused whether its end arrives with it or later (bytes from a socket).
    #[tokio::test]
    async fn a_reply_line_over_the_limit_is_refused() {
        use tokio::io::AsyncWriteExt;
        async fn reading(sent: String) -> (Conn, TcpStream) {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let mut peer = TcpStream::connect(listener.local_addr().expect("addr")).await.expect("connect");
            let (stream, _) = listener.accept().await.expect("accept");
            peer.write_all(sent.as_bytes()).await.expect("write");
            (Conn::plain(stream), peer)
        }
        let long = "x".repeat(MAX_LINE + 100);
        let (mut conn, _peer) = reading(format!("250-{long}\r\n250 OK\r\n")).await;
        let got = conn.read_reply(Duration::from_secs(5)).await;
        assert!(matches!(got, Err(IoFailure::Malformed(..))), "its end in the same read: {got:?}");
        // A line of spaces ends the first reply ("250  "); the next one is the long line, whose end never comes.
        let (mut conn, _peer) = reading(format!("250-a\r\n250  \r\n250-{long}")).await;
        let got = conn.read_reply(Duration::from_secs(5)).await;
        assert!(got.is_ok_and(|r| r.lines == ["250-a", "250  "]));
        let got = conn.read_reply(Duration::from_secs(5)).await;
        assert!(matches!(got, Err(IoFailure::Malformed(..))), "its end not come yet: {got:?}");
    }
}
