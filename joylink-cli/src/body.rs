//! Typed bodies ↔ the JSON `decode --json` prints and `encode` reads (the `body` object).
//!
//! Parsing goes through the facade's one dispatch, [`joylink::Message::parse`]: LAN bodies,
//! WAN bodies and type-13 timer bodies arrive typed. The inner sub-device layer of types 104,
//! 111 and 112 (spec 8.2) is opened with `--sub-localkey` / `--sub-accesskey` through
//! [`joylink::open_inner`]. Encoding builds the library's reprs from the JSON and emits them;
//! JSON bodies are written compactly in the key order given. The timestamp prefix is not part
//! of the body: it is the packet's `timestamp` field (compat §5). Field names are documented
//! in the crate README and stable.
//!
//! What a message is called, who sends it and which kinds exist is joylink-wire's one
//! declaration per message ([`WanMessage::name`], [`Message::name`], their `KINDS`); the LAN's
//! JSON messages are read and written generically (the type table says where a timestamp is,
//! [`Message::json_style`] how a device lays the JSON out). Both directions match on the
//! body *type* ([`WanBody`], [`LanBody`]; messages built by `from_body`), never on the
//! message, so a message whose body type exists needs no edit here. What stays here per body
//! type is what neither the table nor serde knows: bytes as text or hex, the sealed inner layer
//! of 104/111/112, named codes, the type-9 opt and the type-13 fields.

use anyhow::{Result, anyhow, bail};
use joylink::crypto::{Mode, TIMESTAMP_LEN};
use joylink::wire::lan::{self, JsonBody, LanBody, LanBodyKind, Message, Style};
use joylink::wire::table::{self, MessageKind};
use joylink::wire::wan::TimerMessage;
use joylink::wire::wan::{
    self, ControlType, SubDevInfo, SubDevList, SubDevOnline, WanBody, WanBodyKind, WanMessage,
};
use joylink::wire::{
    BizCode, Direction, EncType, FixedText, Magic, PacketType, ResponseCode, Timestamped,
};
use serde_json::{Map, Value, json};

use crate::keys::Keys;
use crate::usage;

/// How `encode` writes JSON bodies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// No whitespace (what apps and the cloud send).
    #[default]
    Compact,
    /// The layout a shipped device writes each body in: cJSON's pretty print for the scan,
    /// sub-device and OTA-status answers, the SDK's `sprintf` for the write-key answer,
    /// compact for the rest (joylink-wire's per-body [`JsonBody::STYLE`]).
    #[value(name = "cjson", alias = "device")]
    Device,
}

/// The whitespace a shipped device puts in a body of `kind`: on the LAN each body type's own
/// [`JsonBody::STYLE`] in joylink-wire ([`Message::json_style`]), so that there is one table.
fn device_style(magic: Magic, kind: &str) -> Style {
    match magic {
        Magic::Lan => Message::json_style(kind).unwrap_or_default(),
        // The device builds its OTA status report with cJSON_Print (joylink-wire's
        // `OtaStatus::to_vec_styled` documents it; vector wan-26).
        Magic::Wan if kind == "ota_status" => Style::Cjson,
        Magic::Wan => Style::Compact,
    }
}

/// Any JSON document, handed to joylink-wire's body printer ([`JsonBody::write_json`]) so that
/// `encode` lays documents out exactly as the library's typed bodies are.
struct Doc(Value);

impl serde::Serialize for Doc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Doc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(Doc)
    }
}

impl JsonBody<'_> for Doc {
    const STYLE: Style = Style::Compact;
}

/// A JSON document as text in `style` (keys in the order given).
fn styled(v: &Value, style: Style) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    Doc(v.clone())
        .write_json(style, &mut out)
        .map_err(|e| usage(format!("body: {e}")))?;
    Ok(out)
}

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
    /// Why the inner sub-device layer could not be opened with the key given (wrong key or
    /// corrupted): the packet is then reported as undecryptable. A missing key is not an error.
    pub inner_error: Option<String>,
}

impl Body {
    fn new(kind: &str, timestamp: Option<u32>, obj: Map<String, Value>) -> Self {
        Body {
            kind: kind.to_owned(),
            timestamp,
            json: Value::Object(obj),
            biz_code: None,
            inner_error: None,
        }
    }

    fn with_biz(mut self, biz: BizCode) -> Self {
        self.biz_code = Some(biz);
        self
    }
}

/// Whether a plaintext starts with the 4-byte timestamp: every WAN body and every encrypted
/// LAN body does; the enctype-0 LAN bodies (discovery, write-key and sub-auth answers) do not
/// (compat §5).
pub fn has_timestamp(magic: Magic, enc_type: EncType) -> bool {
    magic == Magic::Wan || enc_type != EncType::None
}

/// Bytes after the timestamp (empty when the plaintext is shorter).
fn after_ts(plaintext: &[u8]) -> &[u8] {
    Timestamped::<&[u8]>::parse(plaintext).map_or(&[], |t| t.body)
}

fn ts_of(plaintext: &[u8]) -> Option<u32> {
    Timestamped::<&[u8]>::parse(plaintext)
        .ok()
        .map(|t| t.timestamp)
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

/// `"json": document` when `text` is JSON (a trailing NUL ignored), else `text`/`text_hex`.
fn put_document(obj: &mut Map<String, Value>, text: &[u8]) {
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
        Err(_) => put_bytes(obj, "text", text),
    }
}

fn fixed(text: &FixedText<'_>) -> Value {
    Value::String(String::from_utf8_lossy(text.as_bytes()).into_owned())
}

/// A body of plain fields through joylink-wire's serde form: its fields in declaration order,
/// but the timestamp (the packet's, compat §5), each `code` followed by its `code_name`.
fn put_fields(obj: &mut Map<String, Value>, repr: &impl serde::Serialize) {
    let Ok(Value::Object(fields)) = serde_json::to_value(repr) else {
        return;
    };
    for (name, value) in fields {
        match (
            name.as_str(),
            value.as_i64().and_then(|v| i32::try_from(v).ok()),
        ) {
            ("timestamp", _) => {}
            ("code", Some(code)) => put_code(obj, ResponseCode::from(code)),
            _ => {
                obj.insert(name, value);
            }
        }
    }
}

/// The other way: the body's fields and the packet's timestamp, read by the repr's serde form
/// (`kind` and the `*_name` fields are ignored).
fn get_fields<T: serde::de::DeserializeOwned>(obj: &Map<String, Value>, ts: u32) -> Result<T> {
    let mut fields = obj.clone();
    fields.insert("timestamp".into(), json!(ts));
    serde_json::from_value(Value::Object(fields)).map_err(|e| usage(format!("body: {e}")))
}

fn put_code(obj: &mut Map<String, Value>, code: ResponseCode) {
    obj.insert("code".into(), json!(code.value()));
    obj.insert("code_name".into(), json!(code.name()));
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
    put_document(&mut obj, text);
    Body::new(kind, timestamp, obj)
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

/// The sub-device key that seals an inner layer (spec 8.2; compat §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubKey {
    /// LAN type 104: the sub-device's localkey.
    Local,
    /// WAN types 111/112: the sub-device's accesskey.
    Access,
}

impl SubKey {
    fn option(self) -> &'static str {
        match self {
            SubKey::Local => "--sub-localkey",
            SubKey::Access => "--sub-accesskey",
        }
    }

    fn mode(self, keys: &Keys) -> Option<Mode<'_>> {
        match self {
            SubKey::Local => keys.sub_local_key.as_ref().map(Mode::LocalKey),
            SubKey::Access => keys.sub_access_key.as_ref().map(Mode::AccessKey),
        }
    }
}

/// Adds the sealed inner layer as `{name}_hex` and its reading as `inner` (README): the
/// decrypted document, `{"missing_key": option, "note"}` without the key, `{"error"}` when it
/// does not open (also returned, so that the packet is reported).
fn put_inner(
    obj: &mut Map<String, Value>,
    name: &str,
    sealed: &[u8],
    key: SubKey,
    keys: &Keys,
) -> Option<String> {
    obj.insert(format!("{name}_hex"), Value::String(hex::encode(sealed)));
    if sealed.is_empty() {
        return None;
    }
    let mut inner = Map::new();
    let mut error = None;
    match key.mode(keys) {
        None => {
            inner.insert("missing_key".into(), json!(key.option()));
            inner.insert(
                "note".into(),
                json!(format!(
                    "`{name}` is sealed with the sub-device's key: pass {} to read it",
                    key.option()
                )),
            );
        }
        Some(mode) => {
            let mut buf = vec![0u8; sealed.len()];
            match joylink::open_inner(&mode, sealed, &mut buf) {
                Ok(plain) => put_document(&mut inner, plain),
                Err(e) => {
                    let msg = format!("inner layer ({}): {e}", key.option());
                    inner.insert("error".into(), json!(msg));
                    error = Some(msg);
                }
            }
        }
    }
    obj.insert("inner".into(), Value::Object(inner));
    error
}

/// Decodes a plaintext into its JSON body through the facade's [`joylink::Message`] dispatch;
/// `keys` open the inner sub-device layer of types 104, 111 and 112.
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
    keys: &Keys,
) -> Result<Body> {
    let msg = joylink::Message::parse(magic, packet_type, plaintext, direction)
        .map_err(|e| anyhow!("{} body: {e}", packet_type.name()))?;
    Ok(match msg {
        joylink::Message::Lan(m) => lan_body(m, enc_type, direction, plaintext, keys),
        joylink::Message::Wan(m) => wan_body(m, direction, plaintext, opt, keys),
        _ => other(has_timestamp(magic, enc_type), direction, plaintext),
    })
}

fn lan_body(
    msg: Message<'_>,
    enc_type: EncType,
    direction: Direction,
    plaintext: &[u8],
    keys: &Keys,
) -> Body {
    let kind = msg.name();
    let script = |ts: u32, biz: BizCode, serial: u32, name: &str, data: &[u8]| {
        let mut obj = object(kind);
        biz_fields(&mut obj, biz, serial);
        put_bytes(&mut obj, name, data);
        Body::new(kind, Some(ts), obj).with_biz(biz)
    };
    let subdev =
        |ts: u32, biz: BizCode, serial: u32, feedid: &FixedText<'_>, name: &str, data: &[u8]| {
            let mut obj = object(kind);
            biz_fields(&mut obj, biz, serial);
            obj.insert("feedid".into(), fixed(feedid));
            // Sealed with the sub-device's localkey (spec 6.3.8, 8.2).
            let inner_error = put_inner(&mut obj, name, data, SubKey::Local, keys);
            Body {
                inner_error,
                ..Body::new(kind, Some(ts), obj).with_biz(biz)
            }
        };
    let sent_as = (msg.packet_type(), msg.direction());
    match msg.into_body() {
        // `cmd[]` of a request, `resp[]` of a reply (spec 6.3.4).
        Some(LanBody::Control(c)) => {
            let name = script_data_name(Some(sent_as.1));
            script(c.timestamp, c.biz_code, c.serial, name, c.data)
        }
        Some(LanBody::SubDevScriptControl(c)) => {
            subdev(c.timestamp, c.biz_code, c.serial, &c.feed_id, "cmd", c.cmd)
        }
        Some(LanBody::SubDevScriptControlResponse(c)) => subdev(
            c.timestamp,
            c.biz_code,
            c.serial,
            &c.feed_id,
            "resp",
            c.resp,
        ),
        // Every other declared LAN message is a JSON document, after the timestamp where the
        // type table has one (compat §5).
        Some(_) if Message::json_style(kind).is_some() => {
            if table::lookup(Magic::Lan, sent_as.0, sent_as.1).timestamp {
                json_body(kind, ts_of(plaintext), after_ts(plaintext))
            } else {
                json_body(kind, None, plaintext)
            }
        }
        _ => other(enc_type != EncType::None, direction, plaintext),
    }
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
    Body::new("other", timestamp, obj)
}

/// The JSON name of a type-4 body's bytes: `cmd[]` to the device, `resp[]` from it (spec 6.3.4).
fn script_data_name(direction: Option<Direction>) -> &'static str {
    match direction {
        Some(Direction::FromDevice) => "resp",
        _ => "cmd",
    }
}

/// `to_device` / `from_device`.
pub fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::ToDevice => "to_device",
        Direction::FromDevice => "from_device",
    }
}

/// A WAN body as JSON: one arm per body type ([`WanBody`]), the kind from
/// [`WanMessage::name`], so a new message of an existing body type needs nothing here.
fn wan_body(
    msg: WanMessage<'_>,
    direction: Direction,
    plaintext: &[u8],
    opt: &[u8],
    keys: &Keys,
) -> Body {
    let ts = ts_of(plaintext);
    let kind = msg.name();
    let body = |fill: &dyn Fn(&mut Map<String, Value>)| {
        let mut obj = object(kind);
        fill(&mut obj);
        Body::new(kind, ts, obj)
    };
    let Some(msg_body) = msg.into_body() else {
        return other(true, direction, plaintext);
    };
    match msg_body {
        WanBody::AuthRequest(a) => body(&|obj| {
            put_fields(obj, &a);
            if let Ok(o) = wan::AuthRequestOpt::parse(opt) {
                obj.insert(
                    "feed_id".into(),
                    Value::String(String::from_utf8_lossy(o.feed_id).into_owned()),
                );
            }
        }),
        WanBody::AuthResponse(a) => body(&|obj| {
            obj.insert("random".into(), json!(a.random));
            obj.insert(
                "session_key_hex".into(),
                json!(hex::encode(a.session_key.raw_secret_bytes())),
            );
        }),
        // Bodies of plain fields: their serde form.
        WanBody::Heartbeat(h) => body(&|obj| put_fields(obj, &h)),
        WanBody::CodeResponse(c) => body(&|obj| put_fields(obj, &c)),
        WanBody::TaskReportResponse(r) => body(&|obj| put_fields(obj, &r)),
        WanBody::Timestamped(u) => json_body(kind, ts, u.body),
        WanBody::Control(c) => body(&|obj| {
            biz_fields(obj, c.biz_code, c.serial);
            put_bytes(obj, "data", c.data);
        })
        .with_biz(c.biz_code),
        WanBody::Timer(t) => timer_body(&t, direction, plaintext),
        WanBody::SubDevHeartbeat(h) => body(&|obj| {
            obj.insert("version".into(), json!(h.version));
            obj.insert("rssi".into(), json!(h.rssi));
            obj.insert("devices".into(), devices_json(&h.devices));
        }),
        WanBody::SubDevControl(c) => {
            let mut obj = object(kind);
            biz_fields(&mut obj, c.biz_code, c.serial);
            obj.insert("feed_id".into(), fixed(&c.feed_id));
            // Sealed with the sub-device's accesskey (spec 8.2, 8.4.2).
            let inner_error = put_inner(&mut obj, "data", c.data, SubKey::Access, keys);
            Body {
                inner_error,
                ..Body::new(kind, ts, obj).with_biz(c.biz_code)
            }
        }
        WanBody::SubDevUpload(u) => {
            let mut obj = object(kind);
            obj.insert("feed_id".into(), fixed(&u.feed_id));
            let inner_error = put_inner(&mut obj, "data", u.data, SubKey::Access, keys);
            Body {
                inner_error,
                ..Body::new(kind, ts, obj)
            }
        }
        WanBody::SubDevUploadResponse(u) => body(&|obj| {
            obj.insert("feed_id".into(), fixed(&u.feed_id));
            put_code(obj, u.code);
        }),
        WanBody::SubDevUnbind(u) => body(&|obj| {
            biz_fields(obj, u.biz_code, u.serial);
            obj.insert("devices".into(), devices_json(&u.devices));
        })
        .with_biz(u.biz_code),
        // spec chapter 12.
        WanBody::AsyncResult(a) => body(&|obj| {
            biz_fields(obj, a.biz_code, a.serial);
            obj.insert("feed_id".into(), fixed(&a.feed_id));
            obj.insert("control_type".into(), json!(a.control_type.value()));
            obj.insert("control_type_name".into(), json!(a.control_type.name()));
            obj.insert("task_timestamp".into(), json!(a.task_timestamp));
            obj.insert("id".into(), fixed(&a.id));
            put_bytes(obj, "resp", a.resp);
        })
        .with_biz(a.biz_code),
        // Types 15 and 16 (spec 7.3.13, 7.3.27/28): a serial and a JSON document.
        WanBody::InfoFetch(i) => body(&|obj| {
            obj.insert("serial".into(), json!(i.serial));
            put_document(obj, i.info);
        }),
        WanBody::TaskReport(t) => body(&|obj| {
            obj.insert("serial".into(), json!(t.serial));
            put_document(obj, t.report);
        }),
        _ => other(true, direction, plaintext),
    }
}

/// Type 13 (spec chapter 10), typed by the WAN decoder (`WanMessage::Timer`): the preamble, the
/// message's name (`timer_kind`) and its fields; `data_hex` keeps the bytes after the 12-byte
/// preamble (what `encode` reads back).
fn timer_body(msg: &TimerMessage<'_>, direction: Direction, plaintext: &[u8]) -> Body {
    let p = msg.preamble();
    let mut obj = object("timer");
    obj.insert("direction".into(), json!(direction_name(direction)));
    biz_fields(&mut obj, p.biz_code, p.serial);
    let data = plaintext.get(12..).unwrap_or_default();
    obj.insert("data_hex".into(), json!(hex::encode(data)));
    obj.insert("message".into(), json!(format!("{msg:?}")));
    crate::timer_json::put_fields(&mut obj, msg);
    Body::new("timer", Some(p.timestamp), obj).with_biz(p.biz_code)
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
fn get_json_text(obj: &Map<String, Value>, style: Style) -> Result<Vec<u8>> {
    match obj.get("json") {
        Some(v) => styled(v, style),
        None if obj.contains_key("text") || obj.contains_key("text_hex") => get_bytes(obj, "text"),
        None => Err(usage("body: missing field `json`")),
    }
}

fn with_ts(timestamp: u32, rest: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(rest.len().saturating_add(TIMESTAMP_LEN));
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

/// The `devices` of a body: `(version, rssi, feed_id, state)` each.
fn feed_ids(obj: &Map<String, Value>) -> Result<Vec<(u16, u16, &str, SubDevOnline)>> {
    get(obj, "devices")?
        .as_array()
        .ok_or_else(|| usage("body: `devices` must be an array"))?
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
                SubDevOnline::from(state),
            ))
        })
        .collect()
}

fn records<'a>(parsed: &'a [(u16, u16, &str, SubDevOnline)]) -> Vec<SubDevInfo<'a>> {
    parsed
        .iter()
        .map(|(version, rssi, feed_id, state)| SubDevInfo {
            version: *version,
            rssi: *rssi,
            feed_id: FixedText::new("feed_id", feed_id.as_bytes()),
            state: *state,
        })
        .collect()
}

/// The sealed inner layer `name` (`cmd`, `resp`, `data`) of a sub-device body: as given
/// (`name` / `name_hex`), or sealed from the document in `inner` with the sub-device's key.
fn get_inner(obj: &Map<String, Value>, name: &str, key: SubKey, keys: &Keys) -> Result<Vec<u8>> {
    if obj.contains_key(name) || obj.contains_key(&format!("{name}_hex")) {
        return get_bytes(obj, name);
    }
    let Some(Value::Object(inner)) = obj.get("inner") else {
        return Ok(Vec::new());
    };
    if !["json", "text", "text_hex"]
        .iter()
        .any(|k| inner.contains_key(*k))
    {
        return Ok(Vec::new());
    }
    let plain = get_json_text(inner, Style::Compact)?;
    let mode = key.mode(keys).ok_or_else(|| {
        usage(format!(
            "body: `inner` is sealed with the sub-device's key: pass {}",
            key.option()
        ))
    })?;
    let mut out = vec![0u8; joylink::inner_sealed_len(&mode, plain.len())];
    let n = joylink::seal_inner(&mode, &plain, &mut out).map_err(|e| anyhow!("inner: {e}"))?;
    out.truncate(n);
    Ok(out)
}

/// The messages joylink-wire declares on `magic`'s network.
fn declared(magic: Magic) -> &'static [MessageKind] {
    match magic {
        Magic::Lan => Message::KINDS,
        Magic::Wan => WanMessage::KINDS,
    }
}

/// The body kinds `encode` builds on `magic`'s network (the `kind` values of `decode --json`):
/// joylink-wire's declared messages, then `other`.
pub fn kinds(magic: Magic) -> Vec<&'static str> {
    declared(magic)
        .iter()
        .map(|k| k.name)
        .chain(["other"])
        .collect()
}

/// Builds the plaintext of a body given as JSON.
///
/// The kind names the message and so who sends it (joylink-wire's declaration); only `timer`
/// (both ways) and `other` take `direction` from the body.
///
/// # Errors
/// A usage error naming the missing or malformed field, or a kind that does not travel in
/// `packet_type` on this network.
pub fn from_json(
    magic: Magic,
    enc_type: EncType,
    body: &Value,
    timestamp: u32,
    keys: &Keys,
    layout: Layout,
) -> Result<Encoded> {
    let obj = body
        .as_object()
        .ok_or_else(|| usage("body must be a JSON object with a `kind`"))?;
    let kind = get_str(obj, "kind")?;
    let message = declared(magic).iter().find(|k| k.name == kind);
    let direction = match (kind, message) {
        ("other", _) => parse_direction(obj)?.unwrap_or(Direction::ToDevice),
        (_, None) => {
            let net = match magic {
                Magic::Lan => "lan",
                Magic::Wan => "wan",
            };
            bail!(usage(format!(
                "body kind {kind:?} does not exist on the {net}; the kinds are: {}",
                kinds(magic).join(", ")
            )))
        }
        (_, Some(k)) => match k.direction {
            Some(d) => d,
            None => parse_direction(obj)?
                .ok_or_else(|| usage(format!("body: {kind} needs `direction`")))?,
        },
    };
    let style = match layout {
        Layout::Compact => Style::Compact,
        Layout::Device => device_style(magic, kind),
    };
    let mut opt = None;
    let plaintext = match magic {
        Magic::Lan => lan_plaintext(kind, obj, timestamp, direction, style, keys)?,
        Magic::Wan => wan_plaintext(kind, obj, timestamp, style, keys, &mut opt)?,
    };
    let plaintext = match plaintext {
        Some(p) => p,
        // `other`: the bytes as given, after the timestamp where the enctype has one.
        None => {
            let data = get_bytes(obj, "data")?;
            if has_timestamp(magic, enc_type) {
                with_ts(timestamp, &data)
            } else {
                data
            }
        }
    };
    Ok(Encoded {
        plaintext,
        direction,
        opt,
    })
}

/// A kind joylink-wire declares that `encode` has no arm for (a message of a new body type:
/// add the body type's arm; `tests/kinds.rs` fails until then).
fn not_built(kind: &str) -> anyhow::Error {
    usage(format!(
        "body kind {kind:?}: declared by joylink-wire but not built by `encode`"
    ))
}

/// A LAN body's plaintext; `None` for `other`.
fn lan_plaintext(
    kind: &str,
    obj: &Map<String, Value>,
    ts: u32,
    direction: Direction,
    style: Style,
    keys: &Keys,
) -> Result<Option<Vec<u8>>> {
    if kind == "other" {
        return Ok(None);
    }
    let Some(message) = Message::from_name(kind) else {
        bail!(not_built(kind))
    };
    let biz = || get_u32(obj, "biz_code").map(BizCode::from);
    let emit = |body: LanBody<'_>| {
        Message::from_body(message, body)
            .and_then(|m| m.emit())
            .map_err(|e| usage(format!("body: {e}")))
    };
    Ok(Some(match Message::body_kind(kind) {
        // Binary bodies (spec 6.3.4, 6.3.8).
        Some(LanBodyKind::Control) => {
            // `cmd` of a request, `resp` of a reply, as `decode` prints them.
            let data = get_bytes(obj, script_data_name(message.direction))?;
            emit(LanBody::Control(lan::Control {
                timestamp: ts,
                biz_code: biz()?,
                serial: get_u32(obj, "serial")?,
                data: &data,
            }))?
        }
        Some(LanBodyKind::SubDevScriptControl) => {
            let cmd = get_inner(obj, "cmd", SubKey::Local, keys)?;
            emit(LanBody::SubDevScriptControl(lan::SubDevScriptControl {
                timestamp: ts,
                biz_code: biz()?,
                serial: get_u32(obj, "serial")?,
                feed_id: FixedText::new("feedid", get_str(obj, "feedid")?.as_bytes()),
                cmd: &cmd,
            }))?
        }
        Some(LanBodyKind::SubDevScriptControlResponse) => {
            let resp = get_inner(obj, "resp", SubKey::Local, keys)?;
            emit(LanBody::SubDevScriptControlResponse(
                lan::SubDevScriptControlResponse {
                    timestamp: ts,
                    biz_code: biz()?,
                    serial: get_u32(obj, "serial")?,
                    feed_id: FixedText::new("feedid", get_str(obj, "feedid")?.as_bytes()),
                    resp: &resp,
                },
            ))?
        }
        // Every other LAN message is a JSON document, after the timestamp where the type
        // table has one (compat §5).
        Some(_) if Message::json_style(kind).is_some() => {
            let text = get_json_text(obj, style)?;
            if table::lookup(Magic::Lan, message.packet_type, direction).timestamp {
                with_ts(ts, &text)
            } else {
                text
            }
        }
        _ => bail!(not_built(kind)),
    }))
}

/// A WAN body's plaintext (and the opt it implies, type 9); `None` for `other`. One arm per
/// body type ([`WanMessage::body_kind`]), the message built by [`WanMessage::from_body`], so a
/// new message of an existing body type needs nothing here.
fn wan_plaintext(
    kind: &str,
    obj: &Map<String, Value>,
    ts: u32,
    style: Style,
    keys: &Keys,
    opt: &mut Option<Vec<u8>>,
) -> Result<Option<Vec<u8>>> {
    if kind == "other" {
        return Ok(None);
    }
    let (Some(message), Some(body_kind)) =
        (WanMessage::from_name(kind), WanMessage::body_kind(kind))
    else {
        bail!(not_built(kind))
    };
    let biz = || get_u32(obj, "biz_code").map(BizCode::from);
    let legacy = obj.contains_key("data") || obj.contains_key("data_hex");
    let emit = |body: WanBody<'_>| emit_message(message, body);
    Ok(Some(match body_kind {
        // Bodies of the first version (`data`/`data_hex` after the timestamp) still encode.
        WanBodyKind::AsyncResult
        | WanBodyKind::InfoFetch
        | WanBodyKind::TaskReport
        | WanBodyKind::TaskReportResponse
            if legacy =>
        {
            with_ts(ts, &get_bytes(obj, "data")?)
        }
        WanBodyKind::AuthRequest => {
            let m: wan::AuthRequest = get_fields(obj, ts)?;
            if let Some(feed_id) = obj.get("feed_id").and_then(Value::as_str) {
                let o = wan::AuthRequestOpt {
                    feed_id: feed_id.as_bytes(),
                    random: m.random,
                };
                *opt = Some(emit_with(o.buffer_len(), |b| o.emit(b))?);
            }
            emit(WanBody::AuthRequest(m))?
        }
        WanBodyKind::AuthResponse => {
            let random = get_u32(obj, "random")?;
            let key =
                crate::keys::parse_hex("body `session_key_hex`", get_str(obj, "session_key_hex")?)?;
            let session_key: [u8; wan::SESSION_KEY_LEN] = key
                .as_slice()
                .try_into()
                .map_err(|_| usage("body: `session_key_hex` must be 32 bytes"))?;
            *opt = Some(random.to_le_bytes().to_vec());
            emit(WanBody::AuthResponse(wan::AuthResponse {
                timestamp: ts,
                random,
                session_key: session_key.into(),
            }))?
        }
        // Bodies of plain fields: their serde form.
        WanBodyKind::Heartbeat => emit(WanBody::Heartbeat(get_fields(obj, ts)?))?,
        WanBodyKind::CodeResponse => emit(WanBody::CodeResponse(get_fields(obj, ts)?))?,
        WanBodyKind::TaskReportResponse => emit(WanBody::TaskReportResponse(get_fields(obj, ts)?))?,
        WanBodyKind::Timestamped => {
            let text = get_json_text(obj, style)?;
            emit(WanBody::Timestamped(joylink::wire::Timestamped {
                timestamp: ts,
                body: &text,
            }))?
        }
        WanBodyKind::Control => {
            let data = get_bytes(obj, "data")?;
            emit(WanBody::Control(wan::Control {
                timestamp: ts,
                biz_code: biz()?,
                serial: get_u32(obj, "serial")?,
                data: &data,
            }))?
        }
        // The preamble and the bytes after it as given: `decode` checks them against the
        // timer messages.
        WanBodyKind::Timer => {
            let mut v = with_ts(ts, &get_u32(obj, "biz_code")?.to_le_bytes());
            v.extend_from_slice(&get_u32(obj, "serial")?.to_le_bytes());
            v.extend_from_slice(&get_bytes(obj, "data")?);
            v
        }
        WanBodyKind::SubDevHeartbeat => {
            let parsed = feed_ids(obj)?;
            let records = records(&parsed);
            emit(WanBody::SubDevHeartbeat(wan::SubDevHeartbeat {
                timestamp: ts,
                version: get_u16(obj, "version")?,
                rssi: get_u16(obj, "rssi")?,
                devices: SubDevList::from_records(&records),
            }))?
        }
        WanBodyKind::SubDevUnbind => {
            let parsed = feed_ids(obj)?;
            let records = records(&parsed);
            emit(WanBody::SubDevUnbind(wan::SubDevUnbind {
                timestamp: ts,
                biz_code: biz()?,
                serial: get_u32(obj, "serial")?,
                devices: SubDevList::from_records(&records),
            }))?
        }
        WanBodyKind::SubDevControl => {
            let data = get_inner(obj, "data", SubKey::Access, keys)?;
            emit(WanBody::SubDevControl(wan::SubDevControl {
                timestamp: ts,
                biz_code: biz()?,
                serial: get_u32(obj, "serial")?,
                feed_id: FixedText::new("feed_id", get_str(obj, "feed_id")?.as_bytes()),
                data: &data,
            }))?
        }
        WanBodyKind::SubDevUpload => {
            let data = get_inner(obj, "data", SubKey::Access, keys)?;
            emit(WanBody::SubDevUpload(wan::SubDevUpload {
                timestamp: ts,
                feed_id: FixedText::new("feed_id", get_str(obj, "feed_id")?.as_bytes()),
                data: &data,
            }))?
        }
        WanBodyKind::SubDevUploadResponse => {
            emit(WanBody::SubDevUploadResponse(wan::SubDevUploadResponse {
                timestamp: ts,
                feed_id: FixedText::new("feed_id", get_str(obj, "feed_id")?.as_bytes()),
                code: ResponseCode::from(get_i32(obj, "code")?),
            }))?
        }
        WanBodyKind::AsyncResult => {
            let resp = get_bytes(obj, "resp")?;
            let control_type = u8::try_from(get_u64(obj, "control_type")?)
                .map_err(|_| usage("body: `control_type` exceeds u8"))?;
            emit(WanBody::AsyncResult(wan::AsyncResult {
                timestamp: ts,
                biz_code: biz()?,
                serial: get_u32(obj, "serial")?,
                feed_id: FixedText::new("feed_id", get_str(obj, "feed_id")?.as_bytes()),
                control_type: ControlType::from(control_type),
                task_timestamp: get_u32(obj, "task_timestamp")?,
                id: FixedText::new("id", get_str(obj, "id")?.as_bytes()),
                resp: &resp,
            }))?
        }
        WanBodyKind::InfoFetch => {
            let info = get_json_text(obj, style)?;
            emit(WanBody::InfoFetch(wan::InfoFetch {
                timestamp: ts,
                serial: get_u32(obj, "serial")?,
                info: &info,
            }))?
        }
        WanBodyKind::TaskReport => {
            let report = get_json_text(obj, style)?;
            emit(WanBody::TaskReport(wan::TaskReport {
                timestamp: ts,
                serial: get_u32(obj, "serial")?,
                report: &report,
            }))?
        }
        _ => bail!(not_built(kind)),
    }))
}

/// The plaintext of the WAN message `kind` carrying `body` (joylink-wire refuses a body of
/// another type than the message's).
fn emit_message(kind: MessageKind, body: WanBody<'_>) -> Result<Vec<u8>> {
    let m = WanMessage::from_body(kind, body).map_err(|e| usage(format!("body: {e}")))?;
    let len = m.buffer_len().map_err(|e| usage(format!("body: {e}")))?;
    emit_with(len, |b| m.emit(b))
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
    keys: &Keys,
) -> Result<Body> {
    to_json(
        magic,
        packet_type,
        enc_type,
        enc.direction,
        &enc.plaintext,
        enc.opt.as_deref().unwrap_or_default(),
        keys,
    )
    .map_err(|e| usage(format!("body does not fit type {packet_type}: {e:#}")))
}
