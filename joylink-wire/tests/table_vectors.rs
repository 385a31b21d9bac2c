//! The packet table (`joylink_wire::table`) agrees with every golden packet of JD's C SDK
//! (`vectors/lan_packets.json`, `vectors/wan_packets.json`, fragments included): the enctype in
//! each header is the table's, a plaintext the table says starts with a timestamp starts with the
//! vector's timestamp, and a JSON body is JSON where the table says so.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink_test_vectors::{Value, hex_field, u64_field, vectors};
use joylink_wire::table::{self, BodyKind};
use joylink_wire::{CrcPolicy, Direction, parse};

fn direction(v: &Value) -> Direction {
    match v["direction"].as_str().unwrap() {
        "app_to_device" | "cloud_to_device" => Direction::ToDevice,
        "device_to_app" | "device_to_cloud" => Direction::FromDevice,
        other => panic!("unexpected direction {other}"),
    }
}

/// One golden packet: id, bytes, direction, plaintext (when given), timestamp (when given).
type Golden = (String, Vec<u8>, Direction, Option<Vec<u8>>, Option<u64>);

/// Every packet of a vector file with its direction and, when known, its plaintext and timestamp.
fn packets(file: &str) -> Vec<Golden> {
    let mut out = Vec::new();
    for v in vectors(file) {
        let d = direction(&v);
        let ts = v.get("timestamp").map(u64_field);
        if let Some(p) = v.get("packet") {
            let pt = v.get("plaintext").map(hex_field);
            out.push((
                v["id"].as_str().unwrap().to_owned(),
                hex_field(p),
                d,
                pt,
                ts,
            ));
        }
        for f in v
            .get("fragments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.push((
                f["id"].as_str().unwrap().to_owned(),
                hex_field(&f["packet"]),
                direction(f),
                None,
                None,
            ));
        }
    }
    out
}

#[test]
fn table_agrees_with_every_golden_packet() {
    let mut checked = 0;
    let mut with_ts = 0;
    for file in ["lan_packets.json", "wan_packets.json"] {
        for (id, bytes, d, plaintext, ts) in packets(file) {
            let h = parse(&bytes, CrcPolicy::Verify).unwrap().header;
            let e = table::lookup(h.magic, h.packet_type, d);
            assert_eq!(e.enc_type, h.enc_type, "{id}: enctype");
            checked += 1;
            let Some(pt) = plaintext else { continue };
            assert!(pt.len() >= e.min_plaintext_len(), "{id}: too short");
            if let (true, Some(ts)) = (e.timestamp, ts) {
                assert_eq!(
                    u64::from(u32::from_le_bytes(pt[..4].try_into().unwrap())),
                    ts,
                    "{id}"
                );
                with_ts += 1;
            }
            let body = if e.timestamp { &pt[4..] } else { &pt[..] };
            match e.body {
                BodyKind::Json => assert_eq!(body.first(), Some(&b'{'), "{id}: JSON body"),
                // A struct's tail may be JSON (WAN upload: timestamp ‖ JSON, spec 7.3.5).
                BodyKind::Struct | BodyKind::ScriptStruct | BodyKind::StructOrJson => {}
                other => panic!("{id}: golden packet of unexpected kind {other:?}"),
            }
            if !e.timestamp {
                // The bodies without a timestamp are the enctype-0 JSON ones: JSON from byte 0.
                assert_eq!(pt.first(), Some(&b'{'), "{id}");
            }
        }
    }
    assert!(checked >= 48, "{checked} packets checked");
    assert!(with_ts >= 8, "{with_ts} timestamps checked");
}
