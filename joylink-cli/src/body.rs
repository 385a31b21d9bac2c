//! Typed bodies ↔ the JSON `decode --json` prints and `encode` reads (the `body` object).
//!
//! Parsing goes through the library: `joylink::wire::lan::decode` for LAN plaintexts,
//! `WanMessage::parse` for WAN ones, `joylink::timer::TimerMessage` for type 13. Encoding
//! builds the library's reprs from the JSON and emits them; JSON bodies are written compactly in
//! the key order given. The timestamp prefix is not part of the body: it is the packet's
//! `timestamp` field (NOTES.md §5). Field names are documented in the crate README and stable.

use anyhow::{Result, anyhow, bail};
use joylink::timer::{Direction as TimerDirection, TimerMessage};
use joylink::wire::lan::{self, Message};
use joylink::wire::wan::{self, SubDevInfo, SubDevList, SubDevState, WanMessage};
use joylink::wire::{BizCode, Direction, EncType, FixedText, Magic, PacketType, ResponseCode};
use serde_json::{Map, Value, json};

use crate::usage;

/// Length of the timestamp prefix (NOTES.md §5).
pub const TS_LEN: usize = 4;

/// A typed body as JSON.
#[derive(Debug, Clone)]
pub struct Body {
    /// The message kind (`"heartbeat"`, `"json_control"`, …), also the JSON's `kind`.
    pub kind: String,
    /// The timestamp prefix, when the body has one.
    pub timestamp: Option<u32>,
    /// The body object (with `kind`).
    pub json: Value,
    /// A biz_code, when the body carries one (for ladders and one-line summaries).
    pub biz_code: Option<BizCode>,
}

/// Whether a plaintext starts with the 4-byte timestamp: every WAN body and every encrypted
/// LAN body does; the enctype-0 LAN bodies (discovery, write-key and sub-auth answers) do not
/// (NOTES.md §5).
pub fn has_timestamp(magic: Magic, enc_type: EncType) -> bool {
    magic == Magic::Wan || enc_type != EncType::None
}

/// Bytes after the timestamp (empty when the plaintext is shorter).
fn after_ts(plaintext: &[u8]) -> &[u8] {
    plaintext.get(TS_LEN..).unwrap_or_default()
}

fn ts_of(plaintext: &[u8]) -> Option<u32> {
    plaintext.first_chunk::<4>().map(|b| u32::from_le_bytes(*b))
}

/// `"data": text` when the bytes are printable UTF-8, else `"data_hex": hex`.
fn put_bytes(obj: &mut Map<String, Value>, name: &str, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s)
            if !s
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) =>
        {
            obj.insert(name.to_owned(), Value::String(s.to_owned()));
        }
        _ => {
            obj.insert(format!("{name}_hex"), Value::String(hex::encode(bytes)));
        }
    }
}

fn fixed(text: &FixedText<'_>) -> Value {
    Value::String(String::from_utf8_lossy(text.as_bytes()).into_owned())
}

fn code_json(code: ResponseCode) -> (Value, Value) {
    (json!(code.value()), json!(code.name()))
}

fn biz_fields(obj: &mut Map<String, Value>, biz: BizCode, serial: u32) {
    obj.insert("biz_code".into(), json!(biz.value()));
    obj.insert("biz_name".into(), json!(biz.name()));
    obj.insert("serial".into(), json!(serial));
}

fn object(kind: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), Value::String(kind.to_owned()));
    m
}

/// A JSON body: `json` holds the parsed document, or `text` when it is not JSON.
fn json_body(kind: &str, timestamp: Option<u32>, text: &[u8]) -> Body {
    let mut obj = object(kind);
    // C peers may count a terminating NUL (spec 7.3.27 leaves it open).
    let end = text
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i.saturating_add(1));
    let trimmed = text.get(..end).unwrap_or_default();
    match serde_json::from_slice::<Value>(trimmed) {
        Ok(v) => {
            obj.insert("json".into(), v);
        }
        Err(_) => put_bytes(&mut obj, "text", text),
    }
    Body {
        kind: kind.to_owned(),
        timestamp,
        json: Value::Object(obj),
        biz_code: None,
    }
}

fn devices_json(list: &SubDevList<'_>) -> Value {
    Value::Array(
        list.iter()
            .map(|d| {
                json!({
                    "feed_id": fixed(&d.feed_id),
                    "version": d.version,
                    "rssi": d.rssi,
                    "state": d.state.value(),
                    "state_name": d.state.name(),
                })
            })
            .collect(),
    )
}

/// Decodes a plaintext into its JSON body.
///
/// # Errors
/// The library's reason when the body is malformed.
pub fn to_json(
    magic: Magic,
    packet_type: PacketType,
    enc_type: EncType,
    direction: Direction,
    plaintext: &[u8],
    opt: &[u8],
) -> Result<Body> {
    match magic {
        Magic::Lan => lan_to_json(packet_type, enc_type, direction, plaintext),
        Magic::Wan => wan_to_json(packet_type, direction, plaintext, opt),
    }
}

fn lan_to_json(
    packet_type: PacketType,
    enc_type: EncType,
    direction: Direction,
    plaintext: &[u8],
) -> Result<Body> {
    let msg = lan::decode(packet_type, plaintext, direction)
        .map_err(|e| anyhow!("{} body: {e}", packet_type.name()))?;
    let ts = ts_of(plaintext);
    let rest = after_ts(plaintext);
    let script =
        |kind: &str, timestamp: u32, biz: BizCode, serial: u32, name: &str, data: &[u8]| {
            let mut obj = object(kind);
            biz_fields(&mut obj, biz, serial);
            put_bytes(&mut obj, name, data);
            Body {
                kind: kind.to_owned(),
                timestamp: Some(timestamp),
                json: Value::Object(obj),
                biz_code: Some(biz),
            }
        };
    let subdev = |kind: &str,
                  timestamp: u32,
                  biz: BizCode,
                  serial: u32,
                  feedid: &FixedText<'_>,
                  name: &str,
                  data: &[u8]| {
        let mut obj = object(kind);
        biz_fields(&mut obj, biz, serial);
        obj.insert("feedid".into(), fixed(feedid));
        // The inner layer is sealed with the sub-device's key (spec 8.2): shown as it is.
        obj.insert(format!("{name}_hex"), Value::String(hex::encode(data)));
        Body {
            kind: kind.to_owned(),
            timestamp: Some(timestamp),
            json: Value::Object(obj),
            biz_code: Some(biz),
        }
    };
    Ok(match msg {
        Message::ScanRequest(_) => json_body("scan_request", None, plaintext),
        Message::ScanResponse(_) => json_body("scan_response", None, plaintext),
        Message::WriteKeyRequest(_) => json_body("write_key_request", ts, rest),
        Message::WriteKeyResponse(_) => json_body("write_key_response", None, plaintext),
        Message::JsonControl(_) => json_body("json_control", ts, rest),
        Message::JsonControlResponse(_) => json_body("json_control_response", ts, rest),
        Message::SubDevAuthRequest(_) => json_body("subdev_auth_request", ts, rest),
        Message::SubDevAuthResponse(_) => json_body("subdev_auth_response", None, plaintext),
        Message::SubDevJsonControl(_) => json_body("subdev_json_control", ts, rest),
        Message::AddSubDevRequest(_) => json_body("add_subdev_request", ts, rest),
        Message::AddSubDevResponse(_) => json_body("add_subdev_response", ts, rest),
        Message::ScriptControl(c) => script(
            "script_control",
            c.timestamp,
            c.biz_code,
            c.serial,
            "cmd",
            c.cmd,
        ),
        Message::ScriptControlResponse(c) => script(
            "script_control_response",
            c.timestamp,
            c.biz_code,
            c.serial,
            "resp",
            c.resp,
        ),
        Message::SubDevScriptControl(c) => subdev(
            "subdev_script_control",
            c.timestamp,
            c.biz_code,
            c.serial,
            &c.feedid,
            "cmd",
            c.cmd,
        ),
        Message::SubDevScriptControlResponse(c) => subdev(
            "subdev_script_control_response",
            c.timestamp,
            c.biz_code,
            c.serial,
            &c.feedid,
            "resp",
            c.resp,
        ),
        _ => other(enc_type != EncType::None, direction, plaintext),
    })
}

fn other(with_ts: bool, direction: Direction, plaintext: &[u8]) -> Body {
    let mut obj = object("other");
    obj.insert("direction".into(), json!(direction_name(direction)));
    let (timestamp, data) = if with_ts {
        (ts_of(plaintext), after_ts(plaintext))
    } else {
        (None, plaintext)
    };
    obj.insert("data_hex".into(), Value::String(hex::encode(data)));
    Body {
        kind: "other".into(),
        timestamp,
        json: Value::Object(obj),
        biz_code: None,
    }
}

/// `to_device` / `from_device`.
pub fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::ToDevice => "to_device",
        Direction::FromDevice => "from_device",
    }
}

fn wan_to_json(
    packet_type: PacketType,
    direction: Direction,
    plaintext: &[u8],
    opt: &[u8],
) -> Result<Body> {
    let msg = WanMessage::parse(packet_type, plaintext, direction)
        .map_err(|e| anyhow!("{} body: {e}", packet_type.name()))?;
    let ts = ts_of(plaintext);
    let done = |kind: &str, obj: Map<String, Value>, biz: Option<BizCode>| Body {
        kind: kind.to_owned(),
        timestamp: ts,
        json: Value::Object(obj),
        biz_code: biz,
    };
    let code = |kind: &str, c: ResponseCode| {
        let mut obj = object(kind);
        let (v, n) = code_json(c);
        obj.insert("code".into(), v);
        obj.insert("code_name".into(), n);
        done(kind, obj, None)
    };
    let control = |kind: &str, c: &wan::Control<'_>| {
        let mut obj = object(kind);
        biz_fields(&mut obj, c.biz_code, c.serial);
        put_bytes(&mut obj, "data", c.data);
        done(kind, obj, Some(c.biz_code))
    };
    Ok(match msg {
        WanMessage::AuthRequest(a) => {
            let mut obj = object("auth_request");
            obj.insert("random".into(), json!(a.random));
            if let Ok(o) = wan::AuthRequestOpt::parse(opt) {
                obj.insert(
                    "feed_id".into(),
                    Value::String(String::from_utf8_lossy(o.feed_id).into_owned()),
                );
            }
            done("auth_request", obj, None)
        }
        WanMessage::AuthResponse(a) => {
            let mut obj = object("auth_response");
            obj.insert("random".into(), json!(a.random));
            obj.insert("session_key_hex".into(), json!(hex::encode(a.session_key)));
            done("auth_response", obj, None)
        }
        WanMessage::Heartbeat(h) => {
            let mut obj = object("heartbeat");
            obj.insert("version".into(), json!(h.version));
            obj.insert("rssi".into(), json!(h.rssi));
            done("heartbeat", obj, None)
        }
        WanMessage::HeartbeatResponse(c) => code("heartbeat_response", c.code),
        WanMessage::UploadResponse(c) => code("upload_response", c.code),
        WanMessage::SubDevHeartbeatResponse(c) => code("subdev_heartbeat_response", c.code),
        WanMessage::Upload(u) => json_body("upload", ts, u.data),
        WanMessage::OtaOrder(u) => json_body("ota_order", ts, u.data),
        WanMessage::OtaOrderResponse(u) => json_body("ota_order_response", ts, u.data),
        WanMessage::OtaStatus(u) => json_body("ota_status", ts, u.data),
        WanMessage::OtaStatusResponse(u) => json_body("ota_status_response", ts, u.data),
        WanMessage::Control(c) => control("control", &c),
        WanMessage::ControlResponse(c) => control("control_response", &c),
        WanMessage::VideoRequest(c) => control("video_request", &c),
        WanMessage::VideoResponse(c) => control("video_response", &c),
        WanMessage::Timer(_) => timer_to_json(direction, plaintext)?,
        WanMessage::SubDevHeartbeat(h) => {
            let mut obj = object("subdev_heartbeat");
            obj.insert("version".into(), json!(h.version));
            obj.insert("rssi".into(), json!(h.rssi));
            obj.insert("devices".into(), devices_json(&h.devices));
            done("subdev_heartbeat", obj, None)
        }
        WanMessage::SubDevControl(c) | WanMessage::SubDevControlResponse(c) => {
            let kind = if direction == Direction::ToDevice {
                "subdev_control"
            } else {
                "subdev_control_response"
            };
            let mut obj = object(kind);
            biz_fields(&mut obj, c.biz_code, c.serial);
            obj.insert("feed_id".into(), fixed(&c.feed_id));
            // Sealed with the sub-device's accesskey (spec 8.2, 8.4.2).
            obj.insert("data_hex".into(), json!(hex::encode(c.data)));
            done(kind, obj, Some(c.biz_code))
        }
        WanMessage::SubDevUpload(u) => {
            let mut obj = object("subdev_upload");
            obj.insert("feed_id".into(), fixed(&u.feed_id));
            obj.insert("data_hex".into(), json!(hex::encode(u.data)));
            done("subdev_upload", obj, None)
        }
        WanMessage::SubDevUploadResponse(u) => {
            let mut obj = object("subdev_upload_response");
            obj.insert("feed_id".into(), fixed(&u.feed_id));
            let (v, n) = code_json(u.code);
            obj.insert("code".into(), v);
            obj.insert("code_name".into(), n);
            done("subdev_upload_response", obj, None)
        }
        WanMessage::SubDevUnbind(u) | WanMessage::SubDevUnbindResponse(u) => {
            let kind = if direction == Direction::ToDevice {
                "subdev_unbind"
            } else {
                "subdev_unbind_response"
            };
            let mut obj = object(kind);
            biz_fields(&mut obj, u.biz_code, u.serial);
            obj.insert("devices".into(), devices_json(&u.devices));
            done(kind, obj, Some(u.biz_code))
        }
        WanMessage::AsyncResult(_) => raw("async_result", plaintext),
        WanMessage::InfoFetchRequest(_) => raw("info_fetch_request", plaintext),
        WanMessage::InfoFetchResponse(_) => raw("info_fetch_response", plaintext),
        WanMessage::TaskReport(_) => raw("task_report", plaintext),
        WanMessage::TaskReportResponse(_) => raw("task_report_response", plaintext),
        _ => other(true, direction, plaintext),
    })
}

/// A body shown as the bytes after its timestamp (`data_hex`).
fn raw(kind: &str, plaintext: &[u8]) -> Body {
    let mut obj = object(kind);
    obj.insert("data_hex".into(), json!(hex::encode(after_ts(plaintext))));
    Body {
        kind: kind.to_owned(),
        timestamp: ts_of(plaintext),
        json: Value::Object(obj),
        biz_code: None,
    }
}

/// Type 13: `timestamp ‖ biz_code ‖ serial ‖ data` (spec 10), checked with joylink-timer.
fn timer_to_json(direction: Direction, plaintext: &[u8]) -> Result<Body> {
    let tdir = match direction {
        Direction::ToDevice => TimerDirection::ToDevice,
        Direction::FromDevice => TimerDirection::FromDevice,
    };
    let msg = TimerMessage::parse(plaintext, tdir).map_err(|e| anyhow!("timer body: {e}"))?;
    let p = msg.preamble();
    let mut obj = object("timer");
    obj.insert("direction".into(), json!(direction_name(direction)));
    biz_fields(&mut obj, p.biz_code, p.serial);
    let data = plaintext.get(12..).unwrap_or_default();
    obj.insert("data_hex".into(), json!(hex::encode(data)));
    obj.insert("message".into(), json!(format!("{msg:?}")));
    Ok(Body {
        kind: "timer".into(),
        timestamp: Some(p.timestamp),
        json: Value::Object(obj),
        biz_code: Some(p.biz_code),
    })
}

// ---------------------------------------------------------------------------------------------
// JSON → plaintext

/// What `encode` gets from a body: the plaintext, the direction it implies, and the opt the
/// body determines (WAN auth, spec 7.3.1/7.3.2).
pub struct Encoded {
    /// The plaintext, timestamp included where the body has one.
    pub plaintext: Vec<u8>,
    /// Who sends it.
    pub direction: Direction,
    /// The opt implied by the body (type 9), if any.
    pub opt: Option<Vec<u8>>,
}

fn get<'v>(obj: &'v Map<String, Value>, name: &str) -> Result<&'v Value> {
    obj.get(name)
        .ok_or_else(|| usage(format!("body: missing field `{name}`")))
}

fn get_u64(obj: &Map<String, Value>, name: &str) -> Result<u64> {
    get(obj, name)?
        .as_u64()
        .ok_or_else(|| usage(format!("body: `{name}` must be a non-negative integer")))
}

fn get_u32(obj: &Map<String, Value>, name: &str) -> Result<u32> {
    u32::try_from(get_u64(obj, name)?).map_err(|_| usage(format!("body: `{name}` exceeds u32")))
}

fn get_u16(obj: &Map<String, Value>, name: &str) -> Result<u16> {
    u16::try_from(get_u64(obj, name)?).map_err(|_| usage(format!("body: `{name}` exceeds u16")))
}

fn get_i32(obj: &Map<String, Value>, name: &str) -> Result<i32> {
    get(obj, name)?
        .as_i64()
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| usage(format!("body: `{name}` must be a 32-bit integer")))
}

fn get_str<'v>(obj: &'v Map<String, Value>, name: &str) -> Result<&'v str> {
    get(obj, name)?
        .as_str()
        .ok_or_else(|| usage(format!("body: `{name}` must be a string")))
}

/// `name` (text) or `name_hex` (hex); absent → empty.
fn get_bytes(obj: &Map<String, Value>, name: &str) -> Result<Vec<u8>> {
    if let Some(v) = obj.get(name) {
        return match v {
            Value::String(s) => Ok(s.as_bytes().to_vec()),
            other => Ok(serde_json::to_vec(other)?),
        };
    }
    let hex_name = format!("{name}_hex");
    match obj.get(&hex_name) {
        Some(Value::String(s)) => crate::keys::parse_hex(&format!("body `{hex_name}`"), s),
        Some(_) => Err(usage(format!("body: `{hex_name}` must be a string"))),
        None => Ok(Vec::new()),
    }
}

/// The JSON document of a JSON body: `json` (written compactly), `text` or `text_hex`.
fn get_json_text(obj: &Map<String, Value>) -> Result<Vec<u8>> {
    match obj.get("json") {
        Some(v) => Ok(serde_json::to_vec(v)?),
        None if obj.contains_key("text") || obj.contains_key("text_hex") => get_bytes(obj, "text"),
        None => Err(usage("body: missing field `json`")),
    }
}

fn with_ts(timestamp: u32, rest: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(rest.len().saturating_add(TS_LEN));
    v.extend_from_slice(&timestamp.to_le_bytes());
    v.extend_from_slice(rest);
    v
}

fn emit_with(
    len: usize,
    f: impl FnOnce(&mut [u8]) -> joylink::wire::Result<usize>,
) -> Result<Vec<u8>> {
    let mut out = vec![0u8; len];
    let n = f(&mut out).map_err(|e| usage(format!("body: {e}")))?;
    out.truncate(n);
    Ok(out)
}

fn parse_direction(obj: &Map<String, Value>) -> Result<Option<Direction>> {
    match obj.get("direction").and_then(Value::as_str) {
        None => Ok(None),
        Some("to_device") => Ok(Some(Direction::ToDevice)),
        Some("from_device") => Ok(Some(Direction::FromDevice)),
        Some(other) => Err(usage(format!(
            "body: `direction` must be to_device or from_device, not {other:?}"
        ))),
    }
}

fn feed_ids(values: &[Value]) -> Result<Vec<(u16, u16, &str, SubDevState)>> {
    values
        .iter()
        .map(|d| {
            let o = d
                .as_object()
                .ok_or_else(|| usage("body: each of `devices` must be an object"))?;
            let state = u8::try_from(get_u64(o, "state")?)
                .map_err(|_| usage("body: `state` exceeds u8"))?;
            Ok((
                get_u16(o, "version")?,
                get_u16(o, "rssi")?,
                get_str(o, "feed_id")?,
                SubDevState::from(state),
            ))
        })
        .collect()
}

/// Builds the plaintext of a body given as JSON.
///
/// # Errors
/// A usage error naming the missing or malformed field, or a kind that does not travel in
/// `packet_type` on this network.
pub fn from_json(magic: Magic, enc_type: EncType, body: &Value, timestamp: u32) -> Result<Encoded> {
    use Direction::{FromDevice as Up, ToDevice as Down};
    let obj = body
        .as_object()
        .ok_or_else(|| usage("body must be a JSON object with a `kind`"))?;
    let kind = get_str(obj, "kind")?;
    let ts = timestamp;
    let mut opt = None;
    let (plaintext, direction) = match (magic, kind) {
        // LAN JSON bodies.
        (Magic::Lan, "scan_request") => (get_json_text(obj)?, Down),
        (Magic::Lan, "scan_response") => (get_json_text(obj)?, Up),
        (Magic::Lan, "write_key_request") => (with_ts(ts, &get_json_text(obj)?), Down),
        (Magic::Lan, "write_key_response") => (get_json_text(obj)?, Up),
        (Magic::Lan, "json_control") => (with_ts(ts, &get_json_text(obj)?), Down),
        (Magic::Lan, "json_control_response") => (with_ts(ts, &get_json_text(obj)?), Up),
        (Magic::Lan, "subdev_auth_request") => (with_ts(ts, &get_json_text(obj)?), Down),
        (Magic::Lan, "subdev_auth_response") => (get_json_text(obj)?, Up),
        (Magic::Lan, "subdev_json_control") => (with_ts(ts, &get_json_text(obj)?), Down),
        (Magic::Lan, "add_subdev_request") => (with_ts(ts, &get_json_text(obj)?), Down),
        (Magic::Lan, "add_subdev_response") => (with_ts(ts, &get_json_text(obj)?), Up),
        // LAN binary bodies (spec 6.3.4, 6.3.8).
        (Magic::Lan, "script_control") => {
            let cmd = get_bytes(obj, "cmd")?;
            let c = lan::Control {
                timestamp: ts,
                biz_code: BizCode::from(get_u32(obj, "biz_code")?),
                serial: get_u32(obj, "serial")?,
                cmd: &cmd,
            };
            (emit_with(c.buffer_len(), |b| c.emit(b))?, Down)
        }
        (Magic::Lan, "script_control_response") => {
            let resp = get_bytes(obj, "resp")?;
            let c = lan::ControlResponse {
                timestamp: ts,
                biz_code: BizCode::from(get_u32(obj, "biz_code")?),
                serial: get_u32(obj, "serial")?,
                resp: &resp,
            };
            (emit_with(c.buffer_len(), |b| c.emit(b))?, Up)
        }
        (Magic::Lan, "subdev_script_control") => {
            let cmd = get_bytes(obj, "cmd")?;
            let feedid = get_str(obj, "feedid")?;
            let c = lan::SubDevControl {
                timestamp: ts,
                biz_code: BizCode::from(get_u32(obj, "biz_code")?),
                serial: get_u32(obj, "serial")?,
                feedid: FixedText::new("feedid", feedid.as_bytes()),
                cmd: &cmd,
            };
            (emit_with(c.buffer_len(), |b| c.emit(b))?, Down)
        }
        (Magic::Lan, "subdev_script_control_response") => {
            let resp = get_bytes(obj, "resp")?;
            let feedid = get_str(obj, "feedid")?;
            let c = lan::SubDevControlResponse {
                timestamp: ts,
                biz_code: BizCode::from(get_u32(obj, "biz_code")?),
                serial: get_u32(obj, "serial")?,
                feedid: FixedText::new("feedid", feedid.as_bytes()),
                resp: &resp,
            };
            (emit_with(c.buffer_len(), |b| c.emit(b))?, Up)
        }
        // WAN bodies (spec chapter 7, 9.5/9.6).
        (Magic::Wan, "auth_request") => {
            let random = get_u32(obj, "random")?;
            if let Some(feed_id) = obj.get("feed_id").and_then(Value::as_str) {
                let o = wan::AuthRequestOpt {
                    feed_id: feed_id.as_bytes(),
                    random,
                };
                opt = Some(emit_with(o.buffer_len(), |b| o.emit(b))?);
            }
            let m = wan::AuthRequest {
                timestamp: ts,
                random,
            };
            (emit_with(m.buffer_len(), |b| m.emit(b))?, Up)
        }
        (Magic::Wan, "auth_response") => {
            let random = get_u32(obj, "random")?;
            let key =
                crate::keys::parse_hex("body `session_key_hex`", get_str(obj, "session_key_hex")?)?;
            let session_key: [u8; wan::SESSION_KEY_LEN] = key
                .as_slice()
                .try_into()
                .map_err(|_| usage("body: `session_key_hex` must be 32 bytes"))?;
            opt = Some(random.to_le_bytes().to_vec());
            let m = wan::AuthResponse {
                timestamp: ts,
                random,
                session_key,
            };
            (emit_with(m.buffer_len(), |b| m.emit(b))?, Down)
        }
        (Magic::Wan, "heartbeat") => {
            let m = wan::Heartbeat {
                timestamp: ts,
                version: get_u16(obj, "version")?,
                rssi: get_u16(obj, "rssi")?,
            };
            (emit_with(m.buffer_len(), |b| m.emit(b))?, Up)
        }
        (Magic::Wan, "heartbeat_response" | "upload_response" | "subdev_heartbeat_response") => {
            let m = wan::CodeResponse {
                timestamp: ts,
                code: ResponseCode::from(get_i32(obj, "code")?),
            };
            (emit_with(m.buffer_len(), |b| m.emit(b))?, Down)
        }
        (Magic::Wan, "upload") => (with_ts(ts, &get_json_text(obj)?), Up),
        (Magic::Wan, "ota_order") => (with_ts(ts, &get_json_text(obj)?), Down),
        (Magic::Wan, "ota_order_response") => (with_ts(ts, &get_json_text(obj)?), Up),
        (Magic::Wan, "ota_status") => (with_ts(ts, &get_json_text(obj)?), Up),
        (Magic::Wan, "ota_status_response") => (with_ts(ts, &get_json_text(obj)?), Down),
        (Magic::Wan, k @ ("control" | "control_response" | "video_request" | "video_response")) => {
            let data = get_bytes(obj, "data")?;
            let m = wan::Control {
                timestamp: ts,
                biz_code: BizCode::from(get_u32(obj, "biz_code")?),
                serial: get_u32(obj, "serial")?,
                data: &data,
            };
            let dir = if matches!(k, "control" | "video_request") {
                Down
            } else {
                Up
            };
            (emit_with(m.buffer_len(), |b| m.emit(b))?, dir)
        }
        (Magic::Wan, "timer") => {
            let mut v = with_ts(ts, &get_u32(obj, "biz_code")?.to_le_bytes());
            v.extend_from_slice(&get_u32(obj, "serial")?.to_le_bytes());
            v.extend_from_slice(&get_bytes(obj, "data")?);
            let dir =
                parse_direction(obj)?.ok_or_else(|| usage("body: timer needs `direction`"))?;
            (v, dir)
        }
        (Magic::Wan, "subdev_heartbeat") => {
            let list = get(obj, "devices")?
                .as_array()
                .ok_or_else(|| usage("body: `devices` must be an array"))?;
            let parsed = feed_ids(list)?;
            let records: Vec<SubDevInfo<'_>> = parsed
                .iter()
                .map(|(version, rssi, feed_id, state)| SubDevInfo {
                    version: *version,
                    rssi: *rssi,
                    feed_id: FixedText::new("feed_id", feed_id.as_bytes()),
                    state: *state,
                })
                .collect();
            let m = wan::SubDevHeartbeat {
                timestamp: ts,
                version: get_u16(obj, "version")?,
                rssi: get_u16(obj, "rssi")?,
                devices: SubDevList::from_records(&records),
            };
            (emit_with(m.buffer_len(), |b| m.emit(b))?, Up)
        }
        (Magic::Wan, k @ ("subdev_unbind" | "subdev_unbind_response")) => {
            let list = get(obj, "devices")?
                .as_array()
                .ok_or_else(|| usage("body: `devices` must be an array"))?;
            let parsed = feed_ids(list)?;
            let records: Vec<SubDevInfo<'_>> = parsed
                .iter()
                .map(|(version, rssi, feed_id, state)| SubDevInfo {
                    version: *version,
                    rssi: *rssi,
                    feed_id: FixedText::new("feed_id", feed_id.as_bytes()),
                    state: *state,
                })
                .collect();
            let m = wan::SubDevUnbind {
                timestamp: ts,
                biz_code: BizCode::from(get_u32(obj, "biz_code")?),
                serial: get_u32(obj, "serial")?,
                devices: SubDevList::from_records(&records),
            };
            let dir = if k == "subdev_unbind" { Down } else { Up };
            (emit_with(m.buffer_len(), |b| m.emit(b))?, dir)
        }
        (Magic::Wan, k @ ("subdev_control" | "subdev_control_response")) => {
            let data = get_bytes(obj, "data")?;
            let feed_id = get_str(obj, "feed_id")?;
            let m = wan::SubDevControl {
                timestamp: ts,
                biz_code: BizCode::from(get_u32(obj, "biz_code")?),
                serial: get_u32(obj, "serial")?,
                feed_id: FixedText::new("feed_id", feed_id.as_bytes()),
                data: &data,
            };
            let dir = if k == "subdev_control" { Down } else { Up };
            (emit_with(m.buffer_len(), |b| m.emit(b))?, dir)
        }
        (Magic::Wan, "subdev_upload") => {
            let data = get_bytes(obj, "data")?;
            let feed_id = get_str(obj, "feed_id")?;
            let m = wan::SubDevUpload {
                timestamp: ts,
                feed_id: FixedText::new("feed_id", feed_id.as_bytes()),
                data: &data,
            };
            (emit_with(m.buffer_len(), |b| m.emit(b))?, Up)
        }
        (Magic::Wan, "subdev_upload_response") => {
            let feed_id = get_str(obj, "feed_id")?;
            let m = wan::SubDevUploadResponse {
                timestamp: ts,
                feed_id: FixedText::new("feed_id", feed_id.as_bytes()),
                code: ResponseCode::from(get_i32(obj, "code")?),
            };
            (emit_with(m.buffer_len(), |b| m.emit(b))?, Down)
        }
        (Magic::Wan, k @ ("async_result" | "info_fetch_request" | "task_report")) => {
            let _ = k;
            (with_ts(ts, &get_bytes(obj, "data")?), Up)
        }
        (Magic::Wan, "info_fetch_response" | "task_report_response") => {
            (with_ts(ts, &get_bytes(obj, "data")?), Down)
        }
        (_, "other") => {
            let dir = parse_direction(obj)?.unwrap_or(Down);
            let data = get_bytes(obj, "data")?;
            if has_timestamp(magic, enc_type) {
                (with_ts(ts, &data), dir)
            } else {
                (data, dir)
            }
        }
        (m, k) => bail!(usage(format!(
            "body kind {k:?} does not exist on the {} (see the README for the kinds)",
            match m {
                Magic::Lan => "lan",
                Magic::Wan => "wan",
            }
        ))),
    };
    Ok(Encoded {
        plaintext,
        direction,
        opt,
    })
}

/// Checks that `body` is what `packet_type` carries by decoding the plaintext again.
///
/// # Errors
/// A usage error with the library's reason.
pub fn check(
    magic: Magic,
    packet_type: PacketType,
    enc_type: EncType,
    enc: &Encoded,
) -> Result<Body> {
    to_json(
        magic,
        packet_type,
        enc_type,
        enc.direction,
        &enc.plaintext,
        enc.opt.as_deref().unwrap_or_default(),
    )
    .map_err(|e| usage(format!("body does not fit type {packet_type}: {e:#}")))
}
