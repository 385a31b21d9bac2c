//! Every subcommand through the binary: good and bad inputs, exit codes, round trips.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use assert_cmd::Command;
use joylink_test_vectors::{by_id, vectors};
use predicates::str::contains;
use serde_json::{Value, json};

fn joylink() -> Command {
    Command::cargo_bin("joylink").unwrap()
}

fn stdout_json(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const SESSION: &str = "8de66cd83883285e903932e7d3d229d98819337c43e0734ea13b23dead86063b";
const LOCAL: &str = "be4d957a4da771d609ab383e548014a0";

#[test]
fn help_for_every_subcommand() {
    for sub in [
        "decode", "encode", "keygen", "ecdh", "timer", "dissect", "demo",
    ] {
        joylink()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(contains("Usage"));
    }
    joylink()
        .args(["timer", "next", "--help"])
        .assert()
        .success();
    joylink().assert().code(2);
    joylink().arg("frobnicate").assert().code(2);
}

#[test]
fn decode_scan_request_without_keys() {
    // NOTES.md §15: the discovery request `{}` (crc 0x6696).
    joylink()
        .args([
            "decode",
            "0xbb 0x55 0x34 0x12 00 00 02 00 01 01 00 00 00 00 96 66 7b 7d",
        ])
        .assert()
        .success()
        .stdout(contains("scan (1)"))
        .stdout(contains("crc        0x6696 ok"));
}

#[test]
fn decode_bad_inputs() {
    // Not hex: usage (2).
    joylink()
        .args(["decode", "zz11"])
        .assert()
        .code(2)
        .stderr(contains("invalid hex"));
    // Odd number of digits.
    joylink().args(["decode", "bb5"]).assert().code(2);
    // Truncated packet: malformed (1), one line.
    joylink()
        .args(["decode", "bb553412000002000101"])
        .assert()
        .code(1)
        .stderr(contains("truncated"));
    // Length mismatch.
    joylink()
        .args(["decode", "bb55341200000200010100000000966 67b7d00"])
        .assert()
        .code(1)
        .stderr(contains("length mismatch"));
    // Bad magic.
    joylink()
        .args(["decode", "aa55341200000000010100000000ffff"])
        .assert()
        .code(1)
        .stderr(contains("bad magic"));
    // Bad key option: usage.
    joylink()
        .args(["decode", "--localkey", "short", "bb55"])
        .assert()
        .code(2);
    // Unknown option: usage.
    joylink()
        .args(["decode", "--frob", "bb55"])
        .assert()
        .code(2);
}

#[test]
fn decode_missing_and_wrong_key() {
    let w = vectors("wan_packets.json");
    let v = by_id(&w, "wan-12");
    let pkt = v["packet"].as_str().unwrap();
    // Missing key: the header is still shown and the key named; exit 0.
    joylink()
        .args(["decode", pkt])
        .assert()
        .success()
        .stdout(contains("cloud control (11)"))
        .stdout(contains("pass --sessionkey"));
    let doc = stdout_json(joylink().args(["decode", "--json", pkt]));
    assert_eq!(doc["error"]["code"], "missing_key");
    assert_eq!(doc["header"]["type"], 11);
    assert!(doc["body"].is_null());
    // Wrong key: exit 1 with the reason.
    let wrong = "00e66cd83883285e903932e7d3d229d98819337c43e0734ea13b23dead86063b";
    joylink()
        .args(["decode", "--sessionkey", wrong, pkt])
        .assert()
        .code(1)
        .stderr(contains("error:"));
}

#[test]
fn decode_unknown_type_and_raw_stdin() {
    // Type 99, enctype 0, payload "hi": typed as "other", exit 0.
    let mut p = vec![
        0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 99, 0, 0, 0, 0, 0, 0, b'h', b'i',
    ];
    // crc16 of "hi" (CRC-16/IBM-3740) = 0x3e8b? computed by the library is not used: Report mode.
    p[14] = 0;
    let doc = stdout_json(
        joylink()
            .args(["decode", "--json", "--raw"])
            .write_stdin(p.clone()),
    );
    assert_eq!(doc["header"]["type"], 99);
    assert_eq!(doc["header"]["type_name"], "unknown");
    assert_eq!(doc["body"]["kind"], "other");
    assert_eq!(doc["body"]["data_hex"], "6869");
    assert_eq!(doc["crc_ok"], false);
    joylink()
        .args(["decode", "--raw"])
        .write_stdin(p)
        .assert()
        .success()
        .stdout(contains("MISMATCH"));
}

fn roundtrip(encode: &[&str], decode: &[&str], body: &Value) -> Value {
    let out = joylink()
        .arg("encode")
        .args(encode)
        .arg(body.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hex = String::from_utf8(out.stdout).unwrap();
    let doc = stdout_json(
        joylink()
            .arg("decode")
            .arg("--json")
            .args(decode)
            .arg(hex.trim()),
    );
    assert_eq!(&doc["body"], body, "body round trip");
    assert!(doc["error"].is_null());
    doc
}

#[test]
fn encode_decode_roundtrips() {
    let s = ["--sessionkey", SESSION];
    let hb = json!({"kind": "heartbeat", "version": 3, "rssi": 60});
    let doc = roundtrip(
        &[
            "--type",
            "heartbeat",
            "--sessionkey",
            SESSION,
            "--timestamp",
            "1700000000",
        ],
        &[&s[..], &["--direction", "from-device"]].concat(),
        &hb,
    );
    assert_eq!(doc["timestamp"], 1_700_000_000);
    assert_eq!(doc["header"]["enctype"], 4);
    // Direction is guessed from the biz_code when not given.
    let ctl = json!({"kind": "control", "biz_code": 1002, "biz_name": "control", "serial": 7,
        "data": "{\"streams\":[]}"});
    roundtrip(
        &["--type", "11", "--sessionkey", SESSION, "--timestamp", "5"],
        &s,
        &ctl,
    );
    let script = json!({"kind": "script_control", "biz_code": 1004, "biz_name": "snapshot",
        "serial": 9, "cmd": ""});
    roundtrip(
        &[
            "--type",
            "script-control",
            "--localkey",
            LOCAL,
            "--timestamp",
            "5",
        ],
        &["--localkey", LOCAL],
        &script,
    );
    let jc = json!({"kind": "json_control", "json": {"cmd": 5, "data": {"streams": [
        {"stream_id": "switch", "current_value": "1"}]}}});
    roundtrip(
        &["--type", "json-control", "--localkey", LOCAL],
        &["--localkey", LOCAL],
        &jc,
    );
    let sub = json!({"kind": "subdev_heartbeat", "version": 2, "rssi": 5, "devices": [
        {"feed_id": "3039237988000962", "version": 13, "rssi": 0, "state": 0, "state_name": "online"}]});
    roundtrip(
        &["--type", "110", "--sessionkey", SESSION],
        &[&s[..], &["--direction", "from-device"]].concat(),
        &sub,
    );
    let auth = json!({"kind": "auth_request", "random": 1, "feed_id": "1234567890123456"});
    let doc = roundtrip(
        &["--type", "auth", "--accesskey", LOCAL],
        &["--accesskey", LOCAL],
        &auth,
    );
    assert_eq!(doc["opt"]["feed_id"], "1234567890123456");
}

#[test]
fn encode_decode_ecdh_roundtrip() {
    let app = stdout_json(joylink().args(["keygen", "--json"]));
    let dev = stdout_json(joylink().args(["keygen", "--json"]));
    let body = json!({"kind": "write_key_request", "json": {"data": {"feedid": "1", "accesskey":
        LOCAL, "localkey": LOCAL, "productuuid": "5708AB", "lancon": 1, "trantype": 1}}});
    let doc = roundtrip(
        &[
            "--type",
            "write-key",
            "--private-key",
            app["private_key"].as_str().unwrap(),
            "--peer",
            dev["devkey"].as_str().unwrap(),
        ],
        &["--private-key", dev["private_key"].as_str().unwrap()],
        &body,
    );
    assert_eq!(doc["header"]["enctype"], 2);
    assert_eq!(doc["opt"]["devkey"], app["devkey"]);
}

#[test]
fn encode_bad_inputs() {
    joylink()
        .args(["encode", "--type", "nonsense", "{\"kind\":\"heartbeat\"}"])
        .assert()
        .code(2)
        .stderr(contains("unknown packet type"));
    joylink()
        .args([
            "encode",
            "--type",
            "10",
            "--sessionkey",
            SESSION,
            "not json",
        ])
        .assert()
        .code(2);
    joylink()
        .args([
            "encode",
            "--type",
            "10",
            "--sessionkey",
            SESSION,
            "{\"kind\":\"heartbeat\"}",
        ])
        .assert()
        .code(2)
        .stderr(contains("version"));
    // A body that does not travel in this type.
    joylink()
        .args([
            "encode",
            "--type",
            "12",
            "--sessionkey",
            SESSION,
            "{\"kind\":\"heartbeat\",\"version\":1,\"rssi\":1}",
        ])
        .assert()
        .code(2);
    // Missing key.
    joylink()
        .args([
            "encode",
            "--type",
            "10",
            "{\"kind\":\"heartbeat\",\"version\":1,\"rssi\":1}",
        ])
        .assert()
        .code(2)
        .stderr(contains("--sessionkey"));
}

#[test]
fn keygen_and_ecdh_agree() {
    let a = stdout_json(joylink().args(["keygen", "--json"]));
    let b = stdout_json(joylink().args(["keygen", "--json"]));
    assert_eq!(a["private_key"].as_str().unwrap().len(), 40);
    assert_eq!(a["devkey"].as_str().unwrap().len(), 42);
    assert_ne!(a["private_key"], b["private_key"]);
    let ab = stdout_json(joylink().args([
        "ecdh",
        "--json",
        "--private-key",
        a["private_key"].as_str().unwrap(),
        "--peer",
        b["devkey"].as_str().unwrap(),
    ]));
    let ba = stdout_json(joylink().args([
        "ecdh",
        "--json",
        "--private-key",
        b["private_key"].as_str().unwrap(),
        "--peer",
        a["devkey"].as_str().unwrap(),
    ]));
    assert_eq!(ab, ba);
}

#[test]
fn ecdh_matches_the_vectors() {
    for v in vectors("ecdh.json") {
        let doc = stdout_json(joylink().args([
            "ecdh",
            "--json",
            "--private-key",
            v["private_key"].as_str().unwrap(),
            "--peer",
            v["peer_public_key_compressed"].as_str().unwrap(),
        ]));
        assert_eq!(doc["shared_secret"], v["shared_secret"], "{}", v["id"]);
        assert_eq!(doc["aes_key"], v["aes_key"], "{}", v["id"]);
        assert_eq!(doc["aes_iv"], v["aes_iv"], "{}", v["id"]);
    }
    joylink()
        .args(["ecdh", "--private-key", "00", "--peer", "02"])
        .assert()
        .code(2);
}

#[test]
fn timer_next_and_check() {
    // 2024-05-01 is a Wednesday: Mon/Wed/Fri 07:30 → Fri 3rd, Mon 6th, Wed 8th.
    joylink()
        .args([
            "timer",
            "next",
            "0_30_7_*_*_1,3,5_*",
            "--after",
            "2024-05-01 08:00:00",
            "-n",
            "3",
        ])
        .assert()
        .success()
        .stdout("2024-05-03 07:30:00 Fri\n2024-05-06 07:30:00 Mon\n2024-05-08 07:30:00 Wed\n");
    let doc = stdout_json(joylink().args([
        "timer",
        "next",
        "--json",
        "0_0_0_29_2_*_*",
        "--after",
        "2024-03-01T00:00:00",
        "-n",
        "2",
    ]));
    assert_eq!(
        doc["next"],
        json!(["2028-02-29 00:00:00", "2032-02-29 00:00:00"])
    );
    joylink()
        .args(["timer", "check", "00_01_22_*_*_*_*"])
        .assert()
        .success()
        .stdout(contains("0_1_22_*_*_*_*"));
    joylink()
        .args(["timer", "check", "0_1_22__11,15_*_*_*"])
        .assert()
        .code(1);
    joylink()
        .args(["timer", "check", "--lenient", "0_1_22__11,15_*_*_*"])
        .assert()
        .success();
    joylink().args(["timer", "next", "bad"]).assert().code(2);
    joylink()
        .args(["timer", "next", "0_0_0_*_*_*_*", "--after", "yesterday"])
        .assert()
        .code(2);
}

#[test]
fn demo_runs_deterministically_and_draws() {
    let a = joylink().args(["demo"]).output().unwrap();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let text = String::from_utf8(a.stdout.clone()).unwrap();
    for needle in [
        "LAN discovery",
        "ecdh",
        "json_control",
        "script_control",
        "auth_request",
        "heartbeat",
        "upload",
        "control_response",
        "timer add",
        "ota_status",
        "subdev_heartbeat",
        "subdev_upload",
        "every one decoded",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
    let b = joylink().args(["demo"]).output().unwrap();
    assert_eq!(a.stdout, b.stdout, "same seed, same bytes");
    let c = joylink().args(["demo", "--seed", "2"]).output().unwrap();
    assert_ne!(a.stdout, c.stdout);
    // --json: one document per packet.
    let out = joylink().args(["demo", "--json"]).output().unwrap();
    let docs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 26);
    assert!(
        docs.iter()
            .all(|d| d["error"].is_null() && d["crc_ok"] == true)
    );
    assert_eq!(docs[0]["from"], "app");
    assert_eq!(docs[0]["header"]["type_name"], "scan");
    // The hex of each packet decodes the same with `decode`.
    let ladder = joylink()
        .args(["demo", "--brief", "--ladder"])
        .output()
        .unwrap();
    let text = String::from_utf8(ladder.stdout).unwrap();
    assert!(text.contains("sub-device") && text.contains("timer [1091]") && text.contains("-->"));
}

#[test]
fn demo_svg_ladder() {
    let dir = std::env::temp_dir().join(format!("joylink-cli-svg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("demo.svg");
    joylink()
        .args(["demo", "--brief", "--ladder=svg"])
        .arg(&file)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(svg.starts_with("<svg"));
    for label in [
        "app",
        "device",
        "gateway",
        "sub-device",
        "cloud",
        "scan",
        "write key",
        "auth",
        "cloud control [1002]",
        "timer [1097]",
        "ota status",
        "sub-device upload",
    ] {
        assert!(svg.contains(label), "svg lacks {label}");
    }
    joylink()
        .args(["demo", "--ladder=png", "x"])
        .assert()
        .code(2);
    let _ = std::fs::remove_dir_all(&dir);
}
