//! `joylink decode` on every golden LAN/WAN packet of `vectors/` (JD's C SDK output): the
//! header, CRC, key mode, plaintext and timestamp printed must be the vector's.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use common::joylink;
use joylink_test_vectors::{by_id, vectors};
use serde_json::Value;

/// The key options for a vector's `key` object.
fn key_args(v: &Value) -> Vec<String> {
    let key = &v["key"];
    match key["kind"].as_str() {
        Some("localkey") => vec![
            "--localkey".into(),
            key["key_string"].as_str().unwrap().into(),
        ],
        Some("accesskey") => vec![
            "--accesskey".into(),
            key["key_string"].as_str().unwrap().into(),
        ],
        Some("session_key") => vec![
            "--sessionkey".into(),
            key["session_key"].as_str().unwrap().into(),
        ],
        Some("ecdh") => vec![
            "--private-key".into(),
            key["device_private_key"].as_str().unwrap().into(),
        ],
        None => vec![],
        Some(other) => panic!("unknown key kind {other}"),
    }
}

/// The key options of a vector, with its sub-device key (inner layer of 111/112) if any.
fn all_key_args(v: &Value) -> Vec<String> {
    let mut args = key_args(v);
    if let Some(k) = v["sub_device_key"]["key_string"].as_str() {
        args.push("--sub-accesskey".into());
        args.push(k.into());
    }
    args
}

fn direction(v: &Value) -> &'static str {
    match v["direction"].as_str().unwrap() {
        "app_to_device" | "cloud_to_device" => "to-device",
        "device_to_app" | "device_to_cloud" => "from-device",
        other => panic!("direction {other}"),
    }
}

fn decode_json(v: &Value) -> Value {
    let out = joylink()
        .arg("decode")
        .arg("--json")
        .args(["--direction", direction(v)])
        .args(key_args(v))
        .arg(v["packet"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: exit {:?}\n{}",
        v["id"],
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The vector and, for a fragmented message, each of its fragments.
fn packets(file: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for v in vectors(file) {
        if v["packet"].is_string() {
            out.push(v);
        } else if let Some(frags) = v["fragments"].as_array() {
            out.extend(frags.iter().cloned());
        }
    }
    out
}

fn check_all(file: &str) -> usize {
    let mut n = 0;
    for v in packets(file) {
        let doc = decode_json(&v);
        let id = &v["id"];
        let packet = hex::decode(v["packet"].as_str().unwrap()).unwrap();
        assert_eq!(doc["len"], packet.len(), "{id}");
        assert_eq!(doc["header"]["type"], u64::from(packet[9]), "{id}");
        assert_eq!(doc["header"]["enctype"], u64::from(packet[12]), "{id}");
        assert_eq!(doc["header"]["opt_len"], v["header"]["optlen"], "{id}");
        assert_eq!(
            doc["header"]["payload_len"], v["header"]["payloadlen"],
            "{id}"
        );
        assert_eq!(doc["crc_ok"], true, "{id}");
        assert_eq!(doc["direction_guessed"], false, "{id}");
        assert!(doc["error"].is_null(), "{id}: {}", doc["error"]);
        assert!(doc["body"]["kind"].is_string(), "{id}");
        if let Some(p) = v["plaintext"].as_str() {
            assert_eq!(doc["plaintext_hex"], p, "{id}: plaintext");
        }
        // The timestamp prefix: the sender's time (compat §5).
        let ts = ["timestamp", "device_time", "server_time"]
            .iter()
            .find_map(|k| {
                v[*k]
                    .as_u64()
                    .or_else(|| v[*k].as_str().map(|s| s.parse::<u64>().unwrap()))
            });
        let has_ts = doc["magic"] == "wan" || doc["header"]["enctype"] != 0;
        if let (Some(ts), true) = (ts, has_ts) {
            assert_eq!(doc["timestamp"], ts, "{id}: timestamp");
        }
        n += 1;
    }
    n
}

#[test]
fn every_lan_vector_decodes() {
    assert!(check_all("lan_packets.json") >= 21);
}

#[test]
fn every_wan_vector_decodes() {
    assert_eq!(check_all("wan_packets.json"), 26);
}

#[test]
fn lan_fields_are_named() {
    let l = vectors("lan_packets.json");
    // lan-07: JSON control, cmd 5 (spec "6.4.2").
    let doc = decode_json(by_id(&l, "lan-07"));
    assert_eq!(doc["magic"], "lan");
    assert_eq!(doc["header"]["type_name"], "json control");
    assert_eq!(doc["header"]["enctype_name"], "pre-shared key");
    assert_eq!(doc["key"], "localkey");
    assert_eq!(doc["body"]["kind"], "json_control");
    assert_eq!(doc["body"]["json"]["cmd"], 5);
    assert_eq!(
        doc["body"]["json"]["data"]["streams"][0]["stream_id"],
        "switch"
    );
    // lan-11: script control, biz_code 1002, serial from the vector.
    let v = by_id(&l, "lan-11");
    let doc = decode_json(v);
    assert_eq!(doc["body"]["kind"], "script_control");
    assert_eq!(doc["body"]["biz_code"], 1002);
    assert_eq!(doc["body"]["biz_name"], "control");
    assert_eq!(doc["body"]["serial"], v["serial"]);
    // lan-04: ECDH write key; the app's public key is typed from opt.
    let v = by_id(&l, "lan-04");
    let doc = decode_json(v);
    assert_eq!(doc["key"], "ecdh");
    assert_eq!(doc["opt"]["kind"], "public_key");
    assert_eq!(doc["opt"]["hex"], v["opt"]);
    assert_eq!(doc["body"]["kind"], "write_key_request");
    assert_eq!(doc["body"]["json"]["data"]["feedid"], "1618878157371017");
    // lan-02: the scan answer's devkey.
    let doc = decode_json(by_id(&l, "lan-02"));
    assert_eq!(doc["body"]["kind"], "scan_response");
    assert_eq!(
        doc["body"]["json"]["devkey"],
        "03812af9f014670f3028cb4ea4af3cef750a7b4b4a"
    );
    assert!(doc["timestamp"].is_null());
}

#[test]
fn wan_fields_are_named() {
    let w = vectors("wan_packets.json");
    let v = by_id(&w, "wan-12");
    let doc = decode_json(v);
    assert_eq!(doc["magic"], "wan");
    assert_eq!(doc["header"]["type_name"], "cloud control");
    assert_eq!(doc["header"]["enctype_name"], "session key");
    assert_eq!(doc["body"]["kind"], "control");
    assert_eq!(doc["body"]["biz_code"], 1004);
    assert_eq!(doc["body"]["biz_name"], "snapshot");
    assert_eq!(doc["body"]["serial"], 10_862_082);
    let doc = decode_json(by_id(&w, "wan-01"));
    assert_eq!(doc["body"]["kind"], "auth_request");
    assert_eq!(doc["opt"]["kind"], "auth_request_opt");
    assert_eq!(doc["key"], "accesskey");
    let v = by_id(&w, "wan-14");
    let doc = decode_json(v);
    assert_eq!(doc["body"]["kind"], "subdev_heartbeat");
    assert_eq!(doc["body"]["version"], 26);
    assert_eq!(doc["body"]["devices"][0]["feed_id"], "3039237988000962");
    assert_eq!(doc["body"]["devices"][0]["version"], 13);
    let doc = decode_json(by_id(&w, "wan-15"));
    assert_eq!(doc["body"]["kind"], "heartbeat_response");
    assert_eq!(doc["body"]["code"], 0);
    let doc = decode_json(by_id(&w, "wan-26"));
    assert_eq!(doc["body"]["kind"], "ota_status");
    assert_eq!(doc["body"]["json"]["cmd"], "otastat");
}

#[test]
fn human_output_names_things() {
    let w = vectors("wan_packets.json");
    let v = by_id(&w, "wan-12");
    joylink()
        .arg("decode")
        .args(key_args(v))
        .arg(v["packet"].as_str().unwrap())
        .assert()
        .success()
        .stdout(predicates::str::contains("cloud control (11)"))
        .stdout(predicates::str::contains("session key (4)"))
        .stdout(predicates::str::contains("crc        0x"))
        .stdout(predicates::str::contains("biz_name: snapshot"))
        .stdout(predicates::str::contains("timestamp  1744559199"));
}

/// The vector's direction as `decode` names it.
fn direction_name(v: &Value) -> &'static str {
    match direction(v) {
        "to-device" => "to_device",
        _ => "from_device",
    }
}

fn decode_guessing(v: &Value) -> Value {
    let out = joylink()
        .arg("decode")
        .arg("--json")
        .args(key_args(v))
        .arg(v["packet"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}: exit {:?}", v["id"], out.status);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Without `--direction`, every golden packet is named as the message its metadata says it is:
/// the kind `decode` gives when told the vector's direction, and that direction. A guess that
/// only a likely shape made may be flagged as ambiguous, but its pick is still right.
#[test]
fn every_vector_is_named_right_without_direction() {
    let mut n = 0;
    for file in ["lan_packets.json", "wan_packets.json"] {
        for v in packets(file) {
            let id = &v["id"];
            let told = decode_json(&v);
            let guessed = decode_guessing(&v);
            assert_eq!(guessed["direction_guessed"], true, "{id}");
            assert_eq!(guessed["body"]["kind"], told["body"]["kind"], "{id}");
            assert_eq!(guessed["direction"], direction_name(&v), "{id}");
            assert!(guessed["error"].is_null(), "{id}: {}", guessed["error"]);
            if let Some(a) = guessed["ambiguous"].as_object() {
                assert_ne!(a["kind"], told["body"]["kind"], "{id}");
                assert_ne!(a["direction"], direction_name(&v), "{id}");
            }
            n += 1;
        }
    }
    assert!(n >= 46, "{n} packets");
}

/// A type-4 plaintext with non-zero bytes 6–7 is JSON, so a device answer, never a script
/// control: decided by a rule, not flagged. A heartbeat and its answer are both 8 bytes: the
/// pick is flagged as ambiguous, with the other reading and how to choose it.
#[test]
fn ambiguity_is_said_only_where_the_bytes_allow_both() {
    let l = vectors("lan_packets.json");
    let lan_json_answers: Vec<&Value> = l
        .iter()
        .filter(|v| v["header"]["type"] == 4 && v["plaintext_text"].is_string())
        .collect();
    assert!(!lan_json_answers.is_empty());
    for v in lan_json_answers {
        let doc = decode_guessing(v);
        assert_eq!(doc["body"]["kind"], "json_control_response", "{}", v["id"]);
        assert!(doc["ambiguous"].is_null(), "{}", v["id"]);
    }
    let w = vectors("wan_packets.json");
    let hb_answer = w
        .iter()
        .find(|v| v["header"]["type"] == 10 && v["direction"] == "cloud_to_device")
        .unwrap();
    let doc = decode_guessing(hb_answer);
    assert_eq!(doc["body"]["kind"], "heartbeat_response");
    assert_eq!(doc["ambiguous"]["kind"], "heartbeat");
    assert_eq!(doc["ambiguous"]["direction"], "from_device");
    joylink()
        .arg("decode")
        .args(key_args(hb_answer))
        .arg(hb_answer["packet"].as_str().unwrap())
        .assert()
        .success()
        .stdout(predicates::str::contains("AMBIGUOUS"))
        .stdout(predicates::str::contains("--direction from-device"));
}

/// `decode --json | encode --style cjson` gives back the sender's very bytes for every whole
/// golden packet (the fragments of lan-21 are pieces, not bodies): the JSON bodies are laid out
/// as shipped devices write them. The compact default differs exactly where a body has
/// whitespace.
#[test]
fn decode_then_encode_cjson_gives_the_packet_back() {
    let mut n = 0;
    let mut compact_differs = 0;
    for file in ["lan_packets.json", "wan_packets.json"] {
        for v in vectors(file) {
            let Some(packet) = v["packet"].as_str() else {
                continue;
            };
            let id = &v["id"];
            let decoded = joylink()
                .args(["decode", "--json", "--direction", direction(&v)])
                .args(all_key_args(&v))
                .arg(packet)
                .output()
                .unwrap();
            assert!(decoded.status.success(), "{id}");
            let encode = |style: &str| {
                let out = joylink()
                    .args(["encode", "--style", style])
                    .args(all_key_args(&v))
                    .arg("-")
                    .write_stdin(decoded.stdout.clone())
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{id}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                String::from_utf8(out.stdout).unwrap().trim().to_owned()
            };
            assert_eq!(encode("cjson"), packet, "{id}");
            let plaintext = v["plaintext_text"].as_str().unwrap_or_default();
            let spaced = plaintext.contains([' ', '\n', '\t']);
            if encode("compact") != packet {
                assert!(
                    spaced,
                    "{id}: compact differs without whitespace in the body"
                );
                compact_differs += 1;
            }
            n += 1;
        }
    }
    assert!(n >= 44, "{n}");
    assert!(compact_differs >= 1);
}
