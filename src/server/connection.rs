//! One client: its uid checked, then request lines read (bounded in size, dropped when idle)
//! and answered in order.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::OwnedSemaphorePermit;

use super::Context;
use super::protocol::{self, ErrorBody, code};

/// Where a handler's replies go, under the request's id.
pub struct Replies<'a> {
    pub id: Value,
    write: &'a mut OwnedWriteHalf,
}

impl Replies<'_> {
    pub async fn progress<T: Serialize>(&mut self, progress: &T) -> std::io::Result<()> {
        let line = protocol::progress_line(&self.id, progress);
        self.write.write_all(line.as_bytes()).await
    }

    pub async fn ok<T: Serialize>(&mut self, ok: &T) -> std::io::Result<()> {
        let line = protocol::ok_line(&self.id, ok);
        self.write.write_all(line.as_bytes()).await
    }

    pub async fn error(&mut self, code: &str, message: impl Into<String>) -> std::io::Result<()> {
        let line = protocol::error_line(&self.id, &ErrorBody::new(code, message));
        self.write.write_all(line.as_bytes()).await
    }
}

enum LineRead {
    Line,
    /// The client closed (a half-written line is dropped with it).
    Closed,
    TooLong,
}

/// Reads up to and without the next newline into `line`, refusing more than `max` bytes.
async fn read_line(
    reader: &mut BufReader<tokio::net::unix::OwnedReadHalf>,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<LineRead> {
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(LineRead::Closed);
        }
        let (taken, done) = match memchr::memchr(b'\n', buffer) {
            Some(end) => (end + 1, true),
            None => (buffer.len(), false),
        };
        let content = if done { taken - 1 } else { taken };
        if line.len() + content > max {
            return Ok(LineRead::TooLong);
        }
        line.extend_from_slice(&buffer[..content]);
        reader.consume(taken);
        if done {
            return Ok(LineRead::Line);
        }
    }
}

/// Whether the peer runs as this process's user.
fn same_user(stream: &UnixStream) -> bool {
    match stream.peer_cred() {
        Ok(credentials) => credentials.uid() == rustix::process::getuid().as_raw(),
        Err(_) => false,
    }
}

pub async fn serve(
    context: Arc<Context>,
    stream: UnixStream,
    permit: Option<OwnedSemaphorePermit>,
) {
    let allowed = same_user(&stream);
    let (read, mut write) = stream.into_split();
    let mut replies = Replies {
        id: Value::Null,
        write: &mut write,
    };
    if !allowed {
        tracing::warn!("refused a client of another user");
        let _ = replies
            .error(code::REFUSED, "only the reader's own user may connect")
            .await;
        return;
    }
    let Some(_permit) = permit else {
        let _ = replies
            .error(
                code::BUSY,
                "the reader is serving too many clients; try again",
            )
            .await;
        return;
    };
    let mut reader = BufReader::with_capacity(64 * 1024, read);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = tokio::time::timeout(
            context.settings.idle,
            read_line(&mut reader, &mut line, context.settings.max_line),
        )
        .await;
        let request = match read {
            Err(_) => {
                tracing::debug!("dropped an idle client");
                return;
            }
            Ok(Err(_)) | Ok(Ok(LineRead::Closed)) => return,
            Ok(Ok(LineRead::TooLong)) => {
                let mut replies = Replies {
                    id: Value::Null,
                    write: &mut write,
                };
                let _ = replies
                    .error(
                        code::TOO_LARGE,
                        format!(
                            "a request is at most {} bytes; closing the connection",
                            context.settings.max_line
                        ),
                    )
                    .await;
                return;
            }
            Ok(Ok(LineRead::Line)) => {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                protocol::parse_request(&line)
            }
        };
        let written = match request {
            Ok(request) => {
                let mut replies = Replies {
                    id: request.id.clone(),
                    write: &mut write,
                };
                super::dispatch::handle(&context, request, &mut replies).await
            }
            Err(rejection) => {
                let mut replies = Replies {
                    id: rejection.id,
                    write: &mut write,
                };
                replies.error(rejection.code, rejection.message).await
            }
        };
        if written.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(input: &'static [u8], max: usize) -> Vec<(Vec<u8>, &'static str)> {
        let (client, server) = UnixStream::pair().unwrap();
        let (read, _write) = server.into_split();
        let mut reader = BufReader::with_capacity(8, read);
        let writer = tokio::spawn(async move {
            let mut client = client;
            client.write_all(input).await.unwrap();
        });
        writer.await.unwrap();
        let mut out = Vec::new();
        loop {
            let mut line = Vec::new();
            let kind = match read_line(&mut reader, &mut line, max).await.unwrap() {
                LineRead::Line => "line",
                LineRead::Closed => "closed",
                LineRead::TooLong => "too long",
            };
            out.push((line, kind));
            if kind != "line" {
                return out;
            }
        }
    }

    #[tokio::test]
    async fn lines_are_split_capped_and_a_half_line_is_dropped_at_close() {
        let got = read_all(b"ab\ncdefgh\nhalf", 16).await;
        assert_eq!(
            got,
            vec![
                (b"ab".to_vec(), "line"),
                (b"cdefgh".to_vec(), "line"),
                (b"half".to_vec(), "closed"),
            ]
        );
        // A line over the cap is refused as soon as the cap is passed, newline or not.
        let got = read_all(b"0123456789abcdefXYZ", 16).await;
        assert_eq!(got.last().map(|(_, kind)| *kind), Some("too long"));
        let got = read_all(b"0123456789abcdef\n", 16).await;
        assert_eq!(got[0], (b"0123456789abcdef".to_vec(), "line"));
    }
}
