//! The JSON payloads of the contract: what a node publishes and the commands it reads. Each
//! has a JSON Schema in `joylink-tokio/schema/` (tests validate the payloads built here
//! against them).

use serde_json::{Map, Value, json};

use joylink_wire::wan::timer::TaskDoc;

use super::topics::CommandKind;
use crate::cloud::{CloseReason, HubRequest};

/// The standard JSON document a device sent (spec ch. 13), as a JSON value: a body that is not
/// JSON (compat: some firmware pads with NULs or sends bare text) is carried as `{"raw": text}`.
#[must_use]
pub fn document(data: &[u8]) -> Value {
    let trimmed = data
        .iter()
        .rposition(|b| *b != 0)
        .and_then(|end| data.get(..=end))
        .unwrap_or_default();
    serde_json::from_slice(trimmed)
        .unwrap_or_else(|_| json!({ "raw": String::from_utf8_lossy(data) }))
}

/// `node/<id>/status`: `{"node", "state": "online"|"offline", "ts"}`. The last will has no
/// `ts` (it is fixed at connect time).
#[must_use]
pub fn node_status(node: &str, online: bool, ts: Option<u64>) -> Value {
    let mut v = json!({ "node": node, "state": if online { "online" } else { "offline" } });
    if let (Some(t), Some(o)) = (ts, v.as_object_mut()) {
        o.insert("ts".into(), t.into());
    }
    v
}

/// `device/<feedid>/status`: `{"feedid", "state", "node", "ts", "reason"?}`.
#[must_use]
pub fn device_status(feed: &str, node: &str, online: bool, reason: Option<&str>, ts: u64) -> Value {
    let mut v = json!({
        "feedid": feed,
        "state": if online { "online" } else { "offline" },
        "node": node,
        "ts": ts,
    });
    if let (Some(r), Some(o)) = (reason, v.as_object_mut()) {
        o.insert("reason".into(), r.into());
    }
    v
}

/// The contract's name of a close reason (`reason` of an offline status).
#[must_use]
pub fn reason_name(r: CloseReason) -> &'static str {
    match r {
        CloseReason::PeerClosed => "peer_closed",
        CloseReason::Io => "io",
        CloseReason::AuthTimeout => "auth_timeout",
        CloseReason::Refused => "refused",
        CloseReason::Silent => "silent",
        CloseReason::SlowReader => "slow_reader",
        CloseReason::Replaced => "replaced",
        CloseReason::Shutdown => "shutdown",
    }
}

/// `device/<feedid>/event/<kind>`: `{"feedid", "node", "ts", "type", ...fields}`.
#[must_use]
pub fn event(feed: &str, node: &str, ts: u64, packet_type: u8, fields: Value) -> Value {
    let mut v = json!({ "feedid": feed, "node": node, "ts": ts, "type": packet_type });
    if let (Some(o), Value::Object(f)) = (v.as_object_mut(), fields) {
        o.extend(f);
    }
    v
}

/// Why a command failed, the `error.code` of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No node holds the device (answered after the unknown-device timeout).
    NotOnline,
    /// The device did not answer within the machine's request timeout.
    Timeout,
    /// The device went offline before it answered.
    Offline,
    /// The command's JSON is not what its kind needs.
    BadRequest,
    /// The machine refused the request (too many outstanding, a field it cannot carry).
    Refused,
    /// A kind the node does not carry (none today; kept for kinds a later contract adds).
    Unsupported,
}

impl ErrorCode {
    /// The contract's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotOnline => "not_online",
            Self::Timeout => "timeout",
            Self::Offline => "offline",
            Self::BadRequest => "bad_request",
            Self::Refused => "refused",
            Self::Unsupported => "unsupported",
        }
    }
}

/// `device/<feedid>/response/<kind>`, success: `{"request_id", "feedid", "node", "ts",
/// "ok": true, "serial", ...fields}`.
#[must_use]
pub fn response_ok(
    request_id: &str,
    feed: &str,
    node: &str,
    ts: u64,
    serial: u32,
    fields: Value,
) -> Value {
    let mut v = json!({
        "request_id": request_id, "feedid": feed, "node": node, "ts": ts,
        "ok": true, "serial": serial,
    });
    if let (Some(o), Value::Object(f)) = (v.as_object_mut(), fields) {
        o.extend(f);
    }
    v
}

/// `device/<feedid>/response/<kind>`, failure: `{"request_id" (null when the command had
/// none), "feedid", "node", "ts", "ok": false, "error": {"code", "message"}}`.
#[must_use]
pub fn response_error(
    request_id: Option<&str>,
    feed: &str,
    node: &str,
    ts: u64,
    code: ErrorCode,
    message: &str,
) -> Value {
    json!({
        "request_id": request_id, "feedid": feed, "node": node, "ts": ts, "ok": false,
        "error": { "code": code.as_str(), "message": message },
    })
}

/// A command as read from the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Echoed in the response.
    pub request_id: String,
    /// What to send the device.
    pub request: HubRequest,
}

/// The `request_id` of a command payload, when it has one (even if the rest is bad).
#[must_use]
pub fn request_id(payload: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(payload).ok()?;
    let id = v.get("request_id")?.as_str()?;
    valid_request_id(id).then(|| id.to_string())
}

fn valid_request_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128
}

/// Reads a command of `kind`.
///
/// # Errors
/// The error code and message of the response to a command that cannot be sent.
pub fn parse_command(kind: CommandKind, payload: &[u8]) -> Result<Command, (ErrorCode, String)> {
    let bad = |m: &str| (ErrorCode::BadRequest, m.to_string());
    let v: Value = serde_json::from_slice(payload).map_err(|e| bad(&format!("not JSON: {e}")))?;
    let o: &Map<String, Value> = v.as_object().ok_or_else(|| bad("not a JSON object"))?;
    let request_id = o
        .get("request_id")
        .and_then(Value::as_str)
        .filter(|s| valid_request_id(s))
        .ok_or_else(|| bad("request_id: a string of 1 to 128 characters"))?
        .to_string();
    let str_field = |name: &str| -> Result<String, (ErrorCode, String)> {
        o.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| bad(&format!("{name}: a string")))
    };
    let ids = || -> Result<Vec<i32>, (ErrorCode, String)> {
        match o.get("ids") {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| {
                    x.as_i64()
                        .and_then(|i| i32::try_from(i).ok())
                        .ok_or_else(|| bad("ids: 32-bit integers"))
                })
                .collect(),
            Some(_) => Err(bad("ids: an array of task ids")),
        }
    };
    let control = |biz: u32| -> Result<HubRequest, (ErrorCode, String)> {
        let data = match o.get("data") {
            None => b"{}".to_vec(),
            Some(d @ Value::Object(_)) => d.to_string().into_bytes(),
            Some(_) => return Err(bad("data: a JSON object (the standard document)")),
        };
        Ok(HubRequest::Control {
            biz_code: biz.into(),
            data,
        })
    };
    let timers = |biz: u32| {
        ids().map(|ids| HubRequest::Timers {
            biz_code: biz.into(),
            ids,
        })
    };
    let request = match kind {
        CommandKind::Control => {
            if !o.get("data").is_some_and(Value::is_object) {
                return Err(bad("data: a JSON object (the standard document)"));
            }
            control(1002)?
        }
        CommandKind::Snapshot => control(1004)?,
        CommandKind::Recipe => control(1050)?,
        CommandKind::Ota => HubRequest::Ota {
            product_uuid: str_field("product_uuid")?,
            version: o
                .get("version")
                .and_then(Value::as_i64)
                .and_then(|i| i32::try_from(i).ok())
                .ok_or_else(|| bad("version: a 32-bit integer"))?,
            version_name: str_field("version_name")?,
            crc32: o
                .get("crc32")
                .and_then(Value::as_u64)
                .and_then(|i| u32::try_from(i).ok())
                .ok_or_else(|| bad("crc32: a 32-bit unsigned integer"))?,
            url: str_field("url")?,
        },
        CommandKind::TimerDelete => timers(1093)?,
        CommandKind::TimerQuery => timers(1094)?,
        CommandKind::TimerStop => timers(1095)?,
        CommandKind::TimerRestart => timers(1096)?,
        CommandKind::TimerAdd | CommandKind::TimerModify => {
            let task = o
                .get("task")
                .filter(|t| t.is_object())
                .ok_or_else(|| bad("task: the timer task's JSON object"))?;
            let task = TaskDoc::from_json(task).map_err(|e| match e {
                joylink_wire::Error::Json { what, .. } => {
                    bad(&format!("task.{what}: missing or not of its type"))
                }
                e => bad(&format!("task: {e}")),
            })?;
            if kind == CommandKind::TimerAdd {
                HubRequest::AddTimer { task }
            } else {
                HubRequest::UpdateTimer { task }
            }
        }
        CommandKind::Unbind => {
            let feeds = o
                .get("feed_ids")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("feed_ids: an array of sub-device feed ids"))?;
            HubRequest::UnbindSubs {
                feed_ids: feeds
                    .iter()
                    .map(|f| {
                        f.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| bad("feed_ids: strings"))
                    })
                    .collect::<Result<_, _>>()?,
            }
        }
    };
    Ok(Command {
        request_id,
        request,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn documents_stay_as_sent() {
        let d = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;
        assert_eq!(document(d), serde_json::from_slice::<Value>(d).unwrap());
        assert_eq!(document(b"{\"a\":1}\0\0"), json!({"a": 1}));
        assert_eq!(document(b"on"), json!({"raw": "on"}));
    }

    #[test]
    fn commands_parse_and_refuse() {
        let c = parse_command(
            CommandKind::Control,
            br#"{"request_id":"r1","data":{"cmd":{"power":"1"}}}"#,
        )
        .unwrap();
        assert_eq!(c.request_id, "r1");
        assert!(
            matches!(c.request, HubRequest::Control { ref data, .. } if data == br#"{"cmd":{"power":"1"}}"#)
        );
        let t = parse_command(
            CommandKind::TimerDelete,
            br#"{"request_id":"r","ids":[3,4]}"#,
        )
        .unwrap();
        assert!(matches!(t.request, HubRequest::Timers { ref ids, .. } if ids == &[3, 4]));
        for (k, p) in [
            (CommandKind::Control, &br#"{"data":{}}"#[..]),
            (CommandKind::Control, br#"{"request_id":"r"}"#),
            (CommandKind::Ota, br#"{"request_id":"r","version":1}"#),
            (CommandKind::TimerQuery, br#"{"request_id":"r","ids":"x"}"#),
            (CommandKind::Unbind, br#"{"request_id":"r"}"#),
            (CommandKind::Snapshot, b"nope"),
        ] {
            assert_eq!(
                parse_command(k, p).unwrap_err().0,
                ErrorCode::BadRequest,
                "{k:?}"
            );
        }
        let add = parse_command(
            CommandKind::TimerAdd,
            br#"{"request_id":"r","task":{"id":7,"mode_name":"base","time_exp":"0_*_*_*_*_*_*","cmds":["power=1"]}}"#,
        )
        .unwrap();
        assert!(matches!(add.request, HubRequest::AddTimer { ref task } if task.head.id == 7));
        let modify = parse_command(
            CommandKind::TimerModify,
            br#"{"request_id":"r","task":{"id":7,"version":1,"mode":3,"interval":60}}"#,
        )
        .unwrap();
        assert!(
            matches!(modify.request, HubRequest::UpdateTimer { ref task } if task.version == 1)
        );
        for p in [
            &br#"{"request_id":"r"}"#[..],
            br#"{"request_id":"r","task":[1]}"#,
            br#"{"request_id":"r","task":{"mode_name":"base","time_exp":"x"}}"#,
        ] {
            let (code, msg) = parse_command(CommandKind::TimerAdd, p).unwrap_err();
            assert_eq!(code, ErrorCode::BadRequest);
            assert!(msg.starts_with("task"), "{msg}");
        }
        let (_, msg) = parse_command(
            CommandKind::TimerAdd,
            br#"{"request_id":"r","task":{"mode_name":"base","time_exp":"x"}}"#,
        )
        .unwrap_err();
        assert_eq!(msg, "task.id: missing or not of its type");
        assert_eq!(
            request_id(br#"{"request_id":"x","data":5}"#).as_deref(),
            Some("x")
        );
        assert_eq!(request_id(b"{}"), None);
    }
}
