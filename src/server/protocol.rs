//! The wire format between the open reader and other paperboat processes (or editor plugins):
//! one JSON object per line, each way.
//!
//! Request: `{"v":1,"id":7,"method":"star","params":{"ids":["2504.21318"]}}` (`id` is any JSON
//! value, echoed back; `params` may be left out when a method takes none).
//! Replies, each echoing `v` and `id`: zero or more `{"v":1,"id":7,"progress":{…}}` (only
//! `sync` sends them), then exactly one of `{"v":1,"id":7,"ok":{…}}` or
//! `{"v":1,"id":7,"error":{"code":"unknown_method","message":"…","version":"0.1.0"}}`.
//! `version` is the reader's paperboat version, so a client can say which one it reached.
//!
//! Layer: the reader's (beside the event loop); imports nothing of the app, ui or cli.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// The protocol version this build speaks (`v` in every request and reply).
pub const PROTOCOL_VERSION: u64 = 1;
/// The longest request line accepted; a longer one gets a `too_large` error and the
/// connection is closed.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Error codes, stable for scripts.
pub mod code {
    /// Not JSON, or not an object with `v`, `id` and `method`.
    pub const BAD_REQUEST: &str = "bad_request";
    /// The request line is over the size cap; the connection is closed.
    pub const TOO_LARGE: &str = "too_large";
    /// `v` is a protocol version this reader does not speak.
    pub const UNSUPPORTED_VERSION: &str = "unsupported_version";
    /// This reader does not know the method (it is older than the client).
    pub const UNKNOWN_METHOD: &str = "unknown_method";
    /// The params do not fit the method.
    pub const BAD_PARAMS: &str = "bad_params";
    /// A query in the filter language that does not parse.
    pub const BAD_QUERY: &str = "bad_query";
    /// The method ran and failed (the message says why).
    pub const FAILED: &str = "failed";
    /// The client's uid is not the reader's.
    pub const REFUSED: &str = "refused";
    /// Too many clients at once; try again.
    pub const BUSY: &str = "busy";
}

/// A request as it arrives; checked by [`parse_request`].
#[derive(Debug, Deserialize)]
struct WireRequest {
    v: Option<Value>,
    #[serde(default)]
    id: Value,
    method: Option<String>,
    params: Option<Box<RawValue>>,
}

/// A well-formed request.
#[derive(Debug)]
pub struct Request {
    pub id: Value,
    pub method: String,
    /// `null` when left out.
    pub params: Box<RawValue>,
}

/// A request that could not be taken, with the id to answer under (null when unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub id: Value,
    pub code: &'static str,
    pub message: String,
}

/// Parses one request line (without its newline).
pub fn parse_request(line: &[u8]) -> Result<Request, Rejection> {
    let reject = |id: Value, code, message: String| Rejection { id, code, message };
    let text = std::str::from_utf8(line).map_err(|_| {
        reject(
            Value::Null,
            code::BAD_REQUEST,
            "a request is one line of UTF-8 JSON".into(),
        )
    })?;
    let wire: WireRequest = serde_json::from_str(text).map_err(|error| {
        reject(
            Value::Null,
            code::BAD_REQUEST,
            format!("not a JSON request object: {error}"),
        )
    })?;
    let id = wire.id;
    match wire.v.as_ref().and_then(Value::as_u64) {
        Some(PROTOCOL_VERSION) => {}
        Some(other) => {
            return Err(reject(
                id,
                code::UNSUPPORTED_VERSION,
                format!(
                    "protocol version {other} is not spoken here (this reader speaks \
                     {PROTOCOL_VERSION})"
                ),
            ));
        }
        None => {
            return Err(reject(
                id,
                code::BAD_REQUEST,
                "a request needs \"v\": the protocol version (1)".into(),
            ));
        }
    }
    let Some(method) = wire.method else {
        return Err(reject(
            id,
            code::BAD_REQUEST,
            "a request needs \"method\"".into(),
        ));
    };
    let params = match wire.params {
        Some(params) => params,
        None => RawValue::from_string("null".into())
            .map_err(|error| reject(id.clone(), code::BAD_REQUEST, error.to_string()))?,
    };
    Ok(Request { id, method, params })
}

/// One reply line (with its newline).
#[derive(Debug, Serialize)]
struct WireReply<'a, T: Serialize> {
    v: u64,
    id: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<&'a T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<&'a T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ErrorBody>,
}

/// What an error reply carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// The reader's paperboat version.
    pub version: String,
}

impl ErrorBody {
    pub fn new(code: &str, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code: code.to_string(),
            message: message.into(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

fn line_of<T: Serialize>(reply: &WireReply<'_, T>) -> String {
    // Serialising our own types into a String cannot fail (no maps with non-string keys).
    let mut line = serde_json::to_string(reply).unwrap_or_else(|error| {
        format!(
            "{{\"v\":{PROTOCOL_VERSION},\"id\":null,\"error\":{{\"code\":\"failed\",\"message\":{:?}}}}}",
            error.to_string()
        )
    });
    line.push('\n');
    line
}

pub fn ok_line<T: Serialize>(id: &Value, ok: &T) -> String {
    line_of(&WireReply {
        v: PROTOCOL_VERSION,
        id,
        progress: None,
        ok: Some(ok),
        error: None,
    })
}

pub fn progress_line<T: Serialize>(id: &Value, progress: &T) -> String {
    line_of(&WireReply {
        v: PROTOCOL_VERSION,
        id,
        progress: Some(progress),
        ok: None,
        error: None,
    })
}

pub fn error_line(id: &Value, error: &ErrorBody) -> String {
    line_of::<()>(&WireReply {
        v: PROTOCOL_VERSION,
        id,
        progress: None,
        ok: None,
        error: Some(error),
    })
}

/// A reply line as a client reads it.
#[derive(Debug, Deserialize)]
pub struct Reply {
    pub v: Option<u64>,
    #[serde(default)]
    pub id: Value,
    pub progress: Option<Box<RawValue>>,
    pub ok: Option<Box<RawValue>>,
    pub error: Option<ErrorBody>,
}

/// A request line as a client writes it.
pub fn request_line<P: Serialize>(id: u64, method: &str, params: &P) -> String {
    #[derive(Serialize)]
    struct Out<'a, P: Serialize> {
        v: u64,
        id: u64,
        method: &'a str,
        params: &'a P,
    }
    let mut line = serde_json::to_string(&Out {
        v: PROTOCOL_VERSION,
        id,
        method,
        params,
    })
    .unwrap_or_default();
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_request_parses_and_params_default_to_null() {
        let request =
            parse_request(br#"{"v":1,"id":"a","method":"list","params":{"starred":true}}"#)
                .unwrap();
        assert_eq!(request.id, Value::from("a"));
        assert_eq!(request.method, "list");
        assert_eq!(request.params.get(), r#"{"starred":true}"#);
        let request = parse_request(br#"{"v":1,"id":3,"method":"hello"}"#).unwrap();
        assert_eq!(request.params.get(), "null");
    }

    #[test]
    fn bad_requests_are_rejected_with_a_code_and_their_id() {
        let cases: [(&[u8], &str, Value); 6] = [
            (b"\xff\xfe garbage", code::BAD_REQUEST, Value::Null),
            (b"not json", code::BAD_REQUEST, Value::Null),
            (b"[1,2]", code::BAD_REQUEST, Value::Null),
            (br#"{"id":1,"method":"list"}"#, code::BAD_REQUEST, 1.into()),
            (
                br#"{"v":2,"id":1,"method":"list"}"#,
                code::UNSUPPORTED_VERSION,
                1.into(),
            ),
            (br#"{"v":1,"id":5}"#, code::BAD_REQUEST, 5.into()),
        ];
        for (line, code, id) in cases {
            let rejection = parse_request(line).unwrap_err();
            assert_eq!(rejection.code, code, "{}", String::from_utf8_lossy(line));
            assert_eq!(rejection.id, id);
        }
    }

    #[test]
    fn replies_are_one_line_each_with_version_and_id() {
        let id = Value::from(9);
        assert_eq!(
            ok_line(&id, &serde_json::json!({"n": 1})),
            "{\"v\":1,\"id\":9,\"ok\":{\"n\":1}}\n"
        );
        let error = error_line(
            &id,
            &ErrorBody::new(code::UNKNOWN_METHOD, "no such\nmethod"),
        );
        assert_eq!(error.matches('\n').count(), 1);
        let reply: Reply = serde_json::from_str(error.trim_end()).unwrap();
        let body = reply.error.unwrap();
        assert_eq!(body.code, "unknown_method");
        assert_eq!(body.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(
            request_line(4, "star", &serde_json::json!({"ids": ["1"]})),
            "{\"v\":1,\"id\":4,\"method\":\"star\",\"params\":{\"ids\":[\"1\"]}}\n"
        );
    }
}
