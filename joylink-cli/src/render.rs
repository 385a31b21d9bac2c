//! Output: the human-readable form (default) and the JSON document (`--json`) of a packet.
//!
//! The JSON field names are stable and documented in the crate README.

use std::fmt::Write as _;

use joylink::timer::CivilTime;
use joylink::wire::{Direction, Header, Magic};
use serde_json::{Map, Value, json};

use crate::body::direction_name;
use crate::packet::{DirectionSource, Inspection};

/// `lan` / `wan`.
pub fn magic_name(m: Magic) -> &'static str {
    match m {
        Magic::Lan => "lan",
        Magic::Wan => "wan",
    }
}

/// A timestamp as UTC civil time (the protocol's timestamps are Unix seconds, compat §5).
pub fn utc(ts: u32) -> Option<String> {
    CivilTime::from_seconds_since_epoch(i64::from(ts)).map(|t| format!("{t} UTC"))
}

/// The header's fields as JSON (the `header` object).
pub fn header_json(h: &Header) -> Value {
    json!({
        "magic": h.magic.value(),
        "opt_len": h.opt_len,
        "payload_len": h.payload_len,
        "version": h.version,
        "type": h.packet_type.value(),
        "type_name": h.packet_type.name(),
        "total": h.total,
        "index": h.index,
        "enctype": h.enc_type.value(),
        "enctype_name": h.enc_type.name(),
        "reserved": h.reserved,
        "crc": h.crc,
    })
}

/// One line naming a header's fields (for a datagram that is no whole packet).
pub fn header_line(h: &Header) -> String {
    format!(
        "{} {} ({}) enc={} opt_len={} payload_len={} total={} index={} reserved={} crc=0x{:04x}",
        magic_name(h.magic),
        h.packet_type.name(),
        h.packet_type.value(),
        h.enc_type.value(),
        h.opt_len,
        h.payload_len,
        h.total,
        h.index,
        h.reserved,
        h.crc
    )
}

/// The JSON document of one packet.
pub fn to_json(ins: &Inspection) -> Value {
    let h = &ins.header;
    let mut doc = Map::new();
    doc.insert("len".into(), json!(ins.len));
    doc.insert("magic".into(), json!(magic_name(h.magic)));
    doc.insert("header".into(), header_json(h));
    doc.insert("crc_ok".into(), json!(ins.crc_ok()));
    doc.insert("crc_status".into(), json!(ins.crc_status().as_str()));
    doc.insert("crc_computed".into(), json!(ins.crc_computed));
    doc.insert("direction".into(), json!(direction_name(ins.direction)));
    doc.insert(
        "direction_guessed".into(),
        json!(ins.direction_source == DirectionSource::Guessed),
    );
    doc.insert(
        "ambiguous".into(),
        ins.ambiguous.as_ref().map_or(Value::Null, |a| {
            json!({
                "direction": direction_name(a.direction),
                "kind": a.kind,
                "note": ambiguity_note(a),
            })
        }),
    );
    doc.insert("opt".into(), ins.opt_typed.clone().unwrap_or(Value::Null));
    doc.insert("key".into(), json!(ins.key_mode));
    doc.insert(
        "plaintext_hex".into(),
        ins.plaintext
            .as_deref()
            .map_or(Value::Null, |p| json!(hex::encode(p))),
    );
    let ts = ins.body.as_ref().and_then(|b| b.timestamp);
    doc.insert("timestamp".into(), ts.map_or(Value::Null, |t| json!(t)));
    doc.insert(
        "timestamp_utc".into(),
        ts.and_then(utc).map_or(Value::Null, Value::String),
    );
    doc.insert(
        "body".into(),
        ins.body.as_ref().map_or(Value::Null, |b| b.json.clone()),
    );
    doc.insert(
        "error".into(),
        ins.problem.as_ref().map_or(
            Value::Null,
            |p| json!({"code": p.code(), "message": p.message()}),
        ),
    );
    Value::Object(doc)
}

/// One line on the reading that was not chosen.
fn ambiguity_note(a: &crate::packet::Alternative) -> String {
    format!(
        "the bytes also parse as {} sent {}; pass --direction {} to read it that way",
        a.kind,
        dir_text(a.direction),
        match a.direction {
            Direction::ToDevice => "to-device",
            Direction::FromDevice => "from-device",
        }
    )
}

fn dir_text(d: Direction) -> &'static str {
    match d {
        Direction::ToDevice => "to device",
        Direction::FromDevice => "from device",
    }
}

/// The multi-line human form of one packet.
pub fn human(ins: &Inspection) -> String {
    let h = &ins.header;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} packet, {} bytes (header 16, opt {}, payload {})",
        magic_name(h.magic).to_uppercase(),
        ins.len,
        h.opt_len,
        h.payload_len
    );
    let _ = writeln!(
        s,
        "  magic      0x{:08x} ({})",
        h.magic.value(),
        magic_name(h.magic)
    );
    let _ = writeln!(s, "  type       {}", h.packet_type);
    let _ = writeln!(s, "  enctype    {}   key: {}", h.enc_type, ins.key_mode);
    let _ = writeln!(
        s,
        "  version {}   total {}   index {}   reserved {}",
        h.version, h.total, h.index, h.reserved
    );
    if ins.crc_ok() {
        let _ = writeln!(s, "  crc        0x{:04x} ok", h.crc);
    } else {
        let _ = writeln!(
            s,
            "  crc        0x{:04x} MISMATCH (computed 0x{:04x})",
            h.crc, ins.crc_computed
        );
    }
    let guessed = match ins.direction_source {
        DirectionSource::Guessed => " (guessed; --direction to set)",
        DirectionSource::Given => "",
    };
    let _ = writeln!(s, "  direction  {}{guessed}", dir_text(ins.direction));
    if let Some(a) = &ins.ambiguous {
        let _ = writeln!(s, "  AMBIGUOUS  {}", ambiguity_note(a));
    }
    if let Some(opt) = &ins.opt_typed {
        let _ = writeln!(s, "  opt        {}", compact_fields(opt));
    }
    if let Some(ts) = ins.body.as_ref().and_then(|b| b.timestamp) {
        let _ = writeln!(
            s,
            "  timestamp  {ts} ({})",
            utc(ts).unwrap_or_else(|| "out of range".into())
        );
    }
    if let Some(p) = &ins.plaintext {
        let _ = writeln!(s, "  plaintext  {} bytes: {}", p.len(), hex::encode(p));
    }
    if let Some(b) = &ins.body {
        let _ = writeln!(s, "  body       {}", b.kind);
        if let Value::Object(obj) = &b.json {
            for (k, v) in obj {
                match (k.as_str(), v) {
                    // `kind` is on the line above; the timer's debug view repeats the fields.
                    ("kind", _) => {}
                    ("message", _) if b.kind == "timer" => {}
                    ("inner", Value::Object(inner)) => human_inner(&mut s, inner),
                    _ => human_field(&mut s, "    ", k, v),
                }
            }
        }
    }
    if let Some(p) = &ins.problem {
        let _ = writeln!(s, "  {}", p.message());
    }
    s
}

/// One body field: scalars on the line, objects and arrays pretty-printed below.
fn human_field(s: &mut String, indent: &str, k: &str, v: &Value) {
    match v {
        Value::Object(_) | Value::Array(_) => {
            let pretty = serde_json::to_string_pretty(v).unwrap_or_default();
            let _ = writeln!(s, "{indent}{k}:");
            for line in pretty.lines() {
                let _ = writeln!(s, "{indent}  {line}");
            }
        }
        Value::String(t) => {
            let _ = writeln!(s, "{indent}{k}: {t}");
        }
        other => {
            let _ = writeln!(s, "{indent}{k}: {other}");
        }
    }
}

/// The inner sub-device layer (types 104, 111, 112): decrypted, or why not.
fn human_inner(s: &mut String, inner: &Map<String, Value>) {
    if let Some(note) = inner.get("note").and_then(Value::as_str) {
        let _ = writeln!(s, "    inner: {note}");
    } else if let Some(e) = inner.get("error").and_then(Value::as_str) {
        let _ = writeln!(s, "    inner: {e}");
    } else {
        let _ = writeln!(s, "    inner (decrypted with the sub-device's key):");
        for (k, v) in inner {
            human_field(s, "      ", k, v);
        }
    }
}

/// `k=v k=v` of an object, for one-line views.
fn compact_fields(v: &Value) -> String {
    match v {
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// A short label for ladders: type name, and the biz_code where there is one.
pub fn label(ins: &Inspection) -> String {
    let name = ins.header.packet_type.name();
    match ins.body.as_ref().and_then(|b| b.biz_code) {
        Some(b) => format!("{name} [{}]", b.value()),
        None => name.to_owned(),
    }
}

/// The one-line summary of a packet (dissect, demo).
pub fn one_line(ins: &Inspection) -> String {
    let h = &ins.header;
    let mut s = format!(
        "{} {:<24} enc={} key={:<10} {:>4}B {}",
        magic_name(h.magic),
        format!("{} ({})", h.packet_type.name(), h.packet_type.value()),
        h.enc_type.value(),
        ins.key_mode,
        ins.len,
        dir_text(ins.direction),
    );
    if !ins.crc_ok() {
        s.push_str(" CRC-MISMATCH");
    }
    if let Some(b) = &ins.body {
        let _ = write!(s, " {}", b.kind);
        if let Some(a) = &ins.ambiguous {
            let _ = write!(s, " (or {}?)", a.kind);
        }
        if let Some(biz) = b.biz_code {
            let _ = write!(s, " biz={}", biz);
        }
        if let Some(ts) = b.timestamp {
            let _ = write!(s, " ts={ts}");
        }
    }
    if let Some(p) = &ins.problem {
        let _ = write!(s, " [{}]", p.message());
    }
    s
}
