//! Every subcommand through the binary: good and bad inputs, exit codes, round trips.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use common::{exits, joylink, stdout_json, stdout_json_lines, stdout_ok};
use joylink_test_vectors::{by_id, vectors};
use predicates::str::contains;
use serde_json::{Value, json};

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
    // compat §15: the discovery request `{}` (crc 0x6696).
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
    exits(&["decode", "zz11"], 2).stderr(contains("invalid hex"));
    // Odd number of digits.
    exits(&["decode", "bb5"], 2);
    // Truncated packet: malformed (1), one line.
    exits(&["decode", "bb553412000002000101"], 1).stderr(contains("truncated"));
    // Length mismatch.
    exits(&["decode", "bb55341200000200010100000000966 67b7d00"], 1)
        .stderr(contains("length mismatch"));
    // Bad magic.
    exits(&["decode", "aa55341200000000010100000000ffff"], 1).stderr(contains("bad magic"));
    // Bad key option: usage.
    exits(&["decode", "--localkey", "short", "bb55"], 2);
    // Unknown option: usage.
    exits(&["decode", "--frob", "bb55"], 2);
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
    exits(&["decode", "--sessionkey", wrong, pkt], 1).stderr(contains("error:"));
}

#[test]
fn decode_unknown_type_and_raw_stdin() {
    // Type 99, enctype 0, payload "hi": typed as "other", exit 0.
    let mut p = vec![
        0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 99, 0, 0, 0, 0, 0, 0, b'h', b'i',
    ];
    // crc16 of "hi" (CRC-16/IBM-3740) = 0x3e8b? computed by the library is not used: Report mode.
    p[14] = 0;
    let out = joylink()
        .args(["decode", "--json", "--raw"])
        .write_stdin(p.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["header"]["type"], 99);
    assert_eq!(doc["header"]["type_name"], "unknown");
    assert_eq!(doc["body"]["kind"], "other");
    assert_eq!(doc["body"]["data_hex"], "6869");
    assert_eq!(doc["crc_ok"], false);
    assert_eq!(doc["crc_status"], "mismatch");
    // The packet is shown, the CRC mismatch reported, and the exit status is 1.
    joylink()
        .args(["decode", "--raw"])
        .write_stdin(p.clone())
        .assert()
        .code(1)
        .stdout(contains("MISMATCH"))
        .stderr(contains("crc mismatch"));
    // With the right CRC the same packet is a success.
    let crc = {
        let mut c = joylink::wire::Crc16::new();
        c.update(b"hi");
        c.finish()
    };
    p[14..16].copy_from_slice(&crc.to_le_bytes());
    joylink()
        .args(["decode", "--raw"])
        .write_stdin(p)
        .assert()
        .success()
        .stdout(contains(" ok"));
}

/// `--raw` reads at most the largest packet (16 + 2 × 65 535 bytes): one byte more is a usage
/// error, and an endless input ends.
#[test]
fn decode_raw_input_is_capped() {
    let max = 16 + 2 * 65_535;
    joylink()
        .args(["decode", "--raw"])
        .write_stdin(vec![0u8; max + 1])
        .assert()
        .code(2)
        .stderr(contains("longer than the largest packet"));
    // Exactly the cap is read and parsed (and fails as a packet, not as input).
    joylink()
        .args(["decode", "--raw"])
        .write_stdin(vec![0u8; max])
        .assert()
        .code(1)
        .stderr(contains("malformed packet"));
    // An endless stream (/dev/zero) is cut at the cap instead of filling memory.
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("joylink"))
        .args(["decode", "--raw"])
        .stdin(zero)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A closed stderr never panics the command: the exit status is still the one for the packet.
#[test]
fn decode_survives_a_closed_stderr() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    for (hex, code) in [("bb553412000002000101", 1), ("zz", 2)] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("joylink"))
            .args(["decode", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close stderr's read end before the command has anything to say (it waits on stdin).
        drop(child.stderr.take());
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(hex.as_bytes()).unwrap();
        drop(stdin);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{hex}: {status:?}");
    }
}

/// A body no shipped peer sends — an unknown biz_code in front of binary bytes — is what a
/// wrong key that happens to pass the padding check gives: reported as a wrong key, exit 1.
#[test]
fn decode_reports_a_noise_body_as_a_wrong_key() {
    let body = json!({"kind": "script_control", "biz_code": 1_868_767_867u32, "serial": 7,
        "cmd_hex": "00ff10e3"});
    let hex = stdout_ok(
        joylink()
            .args([
                "encode",
                "--type",
                "4",
                "--localkey",
                LOCAL,
                "--timestamp",
                "1",
            ])
            .arg(body.to_string()),
    );
    let hex = String::from_utf8(hex).unwrap();
    let out = joylink()
        .args([
            "decode",
            "--json",
            "--direction",
            "to-device",
            "--localkey",
            LOCAL,
        ])
        .arg(hex.trim())
        .assert()
        .code(1)
        .stderr(contains("wrong key"))
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["error"]["code"], "decrypt");
    // The same layout with a named biz_code is a message.
    let body = json!({"kind": "script_control", "biz_code": 1002, "serial": 7,
        "cmd_hex": "00ff10e3"});
    let hex = stdout_ok(
        joylink()
            .args([
                "encode",
                "--type",
                "4",
                "--localkey",
                LOCAL,
                "--timestamp",
                "1",
            ])
            .arg(body.to_string()),
    );
    joylink()
        .args(["decode", "--direction", "to-device", "--localkey", LOCAL])
        .arg(String::from_utf8(hex).unwrap().trim())
        .assert()
        .success();
}

fn roundtrip(encode: &[&str], decode: &[&str], body: &Value) -> Value {
    let out = stdout_ok(joylink().arg("encode").args(encode).arg(body.to_string()));
    let hex = String::from_utf8(out).unwrap();
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
    // `encode --type T --sessionkey … BODY` must be refused as bad usage (exit 2).
    let refused =
        |t: &str, body: &str| exits(&["encode", "--type", t, "--sessionkey", SESSION, body], 2);
    let heartbeat = r#"{"kind":"heartbeat","version":1,"rssi":1}"#;
    refused("nonsense", heartbeat).stderr(contains("unknown packet type"));
    refused("10", "not json");
    refused("10", r#"{"kind":"heartbeat"}"#).stderr(contains("version"));
    // A body that does not travel in this type.
    refused("12", heartbeat);
    // Missing key.
    exits(&["encode", "--type", "10", heartbeat], 2).stderr(contains("--sessionkey"));
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
    exits(&["ecdh", "--private-key", "00", "--peer", "02"], 2);
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
    exits(&["timer", "check", "0_1_22__11,15_*_*_*"], 1);
    joylink()
        .args(["timer", "check", "--lenient", "0_1_22__11,15_*_*_*"])
        .assert()
        .success();
    exits(&["timer", "next", "bad"], 2);
    exits(
        &["timer", "next", "0_0_0_*_*_*_*", "--after", "yesterday"],
        2,
    );
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
    let docs = stdout_json_lines(joylink().args(["demo", "--json"]));
    // The machines' summary goes to stderr, one JSON document.
    let err = joylink().args(["demo", "--json"]).output().unwrap().stderr;
    let summary: Value = serde_json::from_slice(&err).unwrap();
    assert_eq!(summary["completed"], true);
    assert_eq!(summary["summary"].as_object().unwrap().len(), 17);
    assert!(
        summary["summary"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| *v == true)
    );
    assert_eq!(docs.len(), 26);
    assert!(
        docs.iter()
            .all(|d| d["error"].is_null() && d["crc_ok"] == true)
    );
    assert_eq!(docs[0]["from"], "app");
    assert_eq!(docs[0]["header"]["type_name"], "scan");
    // Each party sends what a shipped peer sends: the app's scan compact (vector lan-01), the
    // device's answer, the gateway's 105 answer and the otastat report in cJSON_Print's layout
    // (lan-02, lan-16, wan-26), the write-key answer in the SDK's sprintf layout (lan-05).
    let plaintext = |d: &Value| hex::decode(d["plaintext_hex"].as_str().unwrap()).unwrap();
    assert_eq!(
        plaintext(&docs[0]),
        br#"{"cmd":2,"productuuid":"5708AB","status":0}"#
    );
    assert!(
        plaintext(&docs[1])
            .starts_with(b"{\n\t\"code\":\t0,\n\t\"msg\":\t\"scan ok\",\n\t\"devkey\":\t\"")
    );
    assert_eq!(
        plaintext(&docs[3]),
        br#"{"code":0, "msg":"write accesskey ok"}"#
    );
    let added = docs
        .iter()
        .find(|d| d["header"]["type"] == 105 && d["from"] == "gateway")
        .unwrap();
    assert_eq!(
        &plaintext(added)[4..],
        b"{\n\t\"code\":\t0,\n\t\"msg\":\t\"success\",\n\t\"mac\":\t\"701923F88581\",\n\t\"productuuid\":\t\"7D13F6\"\n}"
    );
    let ota = docs
        .iter()
        .find(|d| d["header"]["type"] == 8 && d["from"] == "device")
        .unwrap();
    assert!(
        plaintext(ota)[4..]
            .starts_with(b"{\n\t\"cmd\":\t\"otastat\",\n\t\"data\":\t{\n\t\t\"feedid\":\t\"")
    );
    // Type 13 through joylink-timer: named message, tasks with their time_exp, results.
    let timers: Vec<&Value> = docs
        .iter()
        .filter(|d| d["body"]["kind"] == "timer")
        .collect();
    assert_eq!(timers.len(), 3);
    let add = &timers[0]["body"];
    assert_eq!(
        (add["timer_kind"].as_str(), add["biz_name"].as_str()),
        (Some("add"), Some("timer add"))
    );
    assert_eq!(add["tasks"][0]["id"], 7);
    assert_eq!(add["tasks"][0]["name"], "wake up");
    assert_eq!(add["tasks"][0]["time_exp"], "0_30_7_*_*_1,3,5_*");
    assert_eq!(add["tasks"][0]["mode_name"], "base");
    assert_eq!(timers[1]["body"]["timer_kind"], "add_response");
    assert_eq!(timers[1]["body"]["code"], 0);
    assert_eq!(timers[2]["body"]["results"][0]["id"], 7);
    // Both inner sub-device layers are opened by their receivers.
    for kind in ["subdev_script_control", "subdev_upload"] {
        let d = docs.iter().find(|d| d["body"]["kind"] == kind).unwrap();
        assert!(d["body"]["inner"]["json"].is_object(), "{kind}: {d}");
    }
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
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.svg");
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
    exits(&["demo", "--ladder=png", "x"], 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Encodes `body` (sealing its `inner` document with the sub-device key in `encode`) and
/// decodes the packet with `decode`.
fn encode_then_decode(encode: &[&str], decode: &[&str], body: &Value) -> (String, Value) {
    let out = stdout_ok(joylink().arg("encode").args(encode).arg(body.to_string()));
    let hex = String::from_utf8(out).unwrap().trim().to_owned();
    let doc = stdout_json(joylink().args(["decode", "--json"]).args(decode).arg(&hex));
    (hex, doc)
}

#[test]
fn subdev_inner_layers_are_opened_with_the_sub_device_keys() {
    const SUB_LOCAL: &str = "25e35c9691ee91296facd5d28a4822bc";
    const SUB_ACCESS: &str = "1ff4654e25e7d359be09ef3a6e1f0bc1";
    let cmd = json!({"streams": [{"stream_id": "light", "current_value": "1"}]});
    // LAN 104: gateway localkey outside, sub-device localkey inside (spec 6.3.8, 8.2).
    let body = json!({"kind": "subdev_script_control", "biz_code": 1002, "serial": 5,
        "feedid": "3039237988000962", "inner": {"json": cmd}});
    let (hex, doc) = encode_then_decode(
        &[
            "--type",
            "104",
            "--localkey",
            LOCAL,
            "--sub-localkey",
            SUB_LOCAL,
            "--timestamp",
            "9",
        ],
        &["--localkey", LOCAL, "--sub-localkey", SUB_LOCAL],
        &body,
    );
    assert_eq!(doc["body"]["inner"]["json"], cmd);
    assert!(doc["error"].is_null());
    // The sealed layer is a whole number of AES blocks, not the plaintext.
    let sealed = doc["body"]["cmd_hex"].as_str().unwrap();
    assert_eq!(sealed.len() % 32, 0);
    assert!(!sealed.contains(&hex::encode("light")));
    // Without the sub-device key: exit 0, the key named.
    let doc = stdout_json(joylink().args(["decode", "--json", "--localkey", LOCAL, &hex]));
    assert_eq!(doc["body"]["inner"]["missing_key"], "--sub-localkey");
    assert!(doc["error"].is_null());
    joylink()
        .args(["decode", "--localkey", LOCAL, &hex])
        .assert()
        .success()
        .stdout(contains("pass --sub-localkey"));
    // The wrong sub-device key is a wrong key: exit 1, the body still shown.
    exits(
        &["decode", "--localkey", LOCAL, "--sub-localkey", LOCAL, &hex],
        1,
    )
    .stderr(contains("inner layer"));
    // Sealing `inner` needs the key.
    exits(
        &[
            "encode",
            "--type",
            "104",
            "--localkey",
            LOCAL,
            &body.to_string(),
        ],
        2,
    )
    .stderr(contains("--sub-localkey"));

    // WAN 111 and 112: session key outside, sub-device accesskey inside (spec 8.2, 8.4.2).
    let s = ["--sessionkey", SESSION, "--sub-accesskey", SUB_ACCESS];
    let ctl = json!({"kind": "subdev_control", "biz_code": 1002, "serial": 6,
        "feed_id": "3039237988000962", "inner": {"json": cmd}});
    let (_, doc) = encode_then_decode(&[&["--type", "111"], &s[..]].concat(), &s, &ctl);
    assert_eq!(doc["body"]["kind"], "subdev_control");
    assert_eq!(doc["body"]["inner"]["json"], cmd);
    let up = json!({"kind": "subdev_upload", "feed_id": "3039237988000962",
        "inner": {"text": "not json"}});
    let (hex, doc) = encode_then_decode(
        &[&["--type", "112"], &s[..]].concat(),
        &[&s[..], &["--direction", "from-device"]].concat(),
        &up,
    );
    assert_eq!(doc["body"]["inner"], json!({"text": "not json"}));
    let doc = stdout_json(joylink().args(["decode", "--json", "--sessionkey", SESSION, &hex]));
    assert_eq!(doc["body"]["inner"]["missing_key"], "--sub-accesskey");
    // The decoded body (sealed bytes as `data_hex`) encodes to the same packet.
    let mut again = doc["body"].clone();
    again.as_object_mut().unwrap().remove("inner");
    let ts = doc["timestamp"].to_string();
    let out = stdout_ok(
        joylink()
            .args([
                "encode",
                "--type",
                "112",
                "--sessionkey",
                SESSION,
                "--timestamp",
                &ts,
            ])
            .arg(again.to_string()),
    );
    assert_eq!(String::from_utf8(out).unwrap().trim(), hex);
}

#[test]
fn rare_wan_bodies_have_named_fields_and_round_trip() {
    let up = [
        &["--sessionkey", SESSION][..],
        &["--direction", "from-device"],
    ]
    .concat();
    let down = [
        &["--sessionkey", SESSION][..],
        &["--direction", "to-device"],
    ]
    .concat();
    let enc = |t: &'static str| vec!["--type", t, "--sessionkey", SESSION, "--timestamp", "7"];
    // Type 14 (spec 12).
    let ar = json!({"kind": "async_result", "biz_code": 1002, "biz_name": "control",
        "serial": 3, "feed_id": "3039237988000962", "control_type": 1,
        "control_type_name": "panel or remote", "task_timestamp": 1_700_000_000,
        "id": "task-1", "resp": "{\"code\":0}"});
    let doc = roundtrip(&enc("14"), &up, &ar);
    assert_eq!(doc["timestamp"], 7);
    // Type 15 (spec 7.3.27/28).
    let req = json!({"kind": "info_fetch_request", "serial": 4,
        "json": {"type": ["weather", "air"]}});
    roundtrip(&enc("15"), &up, &req);
    let rsp = json!({"kind": "info_fetch_response", "serial": 4,
        "json": {"result": [{"type": "weather", "value": "sunny"}]}});
    roundtrip(&enc("15"), &down, &rsp);
    // Type 16 (spec 7.3.13/14).
    let rep = json!({"kind": "task_report", "serial": 8,
        "json": {"task_id": "t1", "sub_tasks": []}});
    roundtrip(&enc("16"), &up, &rep);
    let ack = json!({"kind": "task_report_response", "serial": 8, "code": -4,
        "code_name": "not supported"});
    roundtrip(&enc("16"), &down, &ack);
    // The first version's `data_hex` still encodes.
    let legacy = json!({"kind": "task_report", "data_hex": "08000000"});
    let out = stdout_ok(
        joylink()
            .arg("encode")
            .args(enc("16"))
            .arg(legacy.to_string()),
    );
    assert!(!out.is_empty());
}

/// `timer next`: a UTC offset moves "now" and Unix-second times onto the device's wall clock;
/// `-n 0` is an error; the spec's example 3 fails with a hint to use `--lenient`; a number too
/// large for the parser is reported as typed; `--json` streams (a huge `-n` ends when the
/// reader goes away).
#[test]
fn timer_next_offsets_hints_and_streams() {
    // 1970-01-01 00:00:00 UTC is 08:00 in UTC+8: the 07:30 firing is the next day's.
    let utc = stdout_json(joylink().args([
        "timer",
        "next",
        "--json",
        "--after",
        "0",
        "-n",
        "1",
        "0_30_7_*_*_*_*",
    ]));
    assert_eq!(utc["next"], json!(["1970-01-01 07:30:00"]));
    let cn = stdout_json(joylink().args([
        "timer",
        "next",
        "--json",
        "--utc-offset",
        "+08:00",
        "--after",
        "0",
        "-n",
        "1",
        "0_30_7_*_*_*_*",
    ]));
    assert_eq!(cn["next"], json!(["1970-01-02 07:30:00"]));
    assert_eq!(cn["utc_offset"], "+08:00");
    assert_eq!(cn["after"], "1970-01-01 08:00:00");
    joylink()
        .args([
            "timer",
            "next",
            "--utc-offset",
            "-03:30",
            "--after",
            "100000",
            "-n",
            "1",
        ])
        .arg("0_0_0_*_*_*_*")
        .assert()
        .success()
        .stdout(contains("(UTC-03:30)"));
    exits(
        &["timer", "next", "--utc-offset", "+8h", "0_0_0_*_*_*_*"],
        2,
    )
    .stderr(contains("±HH:MM"));
    exits(&["timer", "next", "-n", "0", "0_0_0_*_*_*_*"], 2);
    exits(&["timer", "next", "0_1_22__11,15_*_*_*"], 2).stderr(contains("--lenient"));
    exits(&["timer", "check", "0_1_22__11,15_*_*_*"], 1).stderr(contains("--lenient"));
    exits(&["timer", "next", "0_99999999999_7_*_*_*_*"], 2)
        .stderr(contains("value 99999999999 out of range"));
    // Streaming: the reader stops after a few bytes and the command ends (it would otherwise
    // collect 10^11 times first).
    use std::io::Read as _;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("joylink"))
        .args([
            "timer",
            "next",
            "--json",
            "-n",
            "99999999999",
            "*_*_*_*_*_*_*",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 300];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    assert!(String::from_utf8_lossy(&head).starts_with("{\"expr\""));
    drop(child.stdout.take());
    let started = std::time::Instant::now();
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

/// `--ladder` alone prints only the diagram, within 100 columns; `--ladder svg FILE` works
/// without `=`; the SVG fits 100 columns of its font (720 px).
#[test]
fn ladder_forms_fit_and_parse() {
    let out = stdout_ok(joylink().args(["demo", "--ladder"]));
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("sub-device") && text.contains("-->"));
    assert!(!text.contains("==="), "packet listing printed: {text}");
    assert!(!text.contains("packets exchanged"));
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-equals.svg");
    joylink()
        .args(["demo", "--brief", "--ladder", "svg"])
        .arg(&file)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&file).unwrap();
    let width: usize = svg
        .split("width=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(width <= 720, "{width}");
    assert!(svg.contains("cloud control [1002]"));
}

/// An unknown body kind names the kinds there are; encode's key options say what they seal.
#[test]
fn encode_names_kinds_and_its_own_key_help() {
    exits(&["encode", "--type", "1", r#"{"kind":"frob"}"#], 2)
        .stderr(contains("the kinds are: scan_request, scan_response"));
    exits(&["encode", "--type", "10", r#"{"kind":"frob"}"#], 2)
        .stderr(contains("heartbeat_response"));
    let help = String::from_utf8(stdout_ok(joylink().args(["encode", "--help"]))).unwrap();
    assert!(help.contains("seals the document in `inner`"), "{help}");
    assert!(help.contains("our public key goes into opt"), "{help}");
    assert!(!help.contains("opens the inner"), "{help}");
    let top = String::from_utf8(stdout_ok(joylink().arg("--help"))).unwrap();
    for sub in [
        "decode", "encode", "keygen", "ecdh", "timer", "dissect", "demo",
    ] {
        let line = top
            .lines()
            .find(|l| l.trim_start().starts_with(sub))
            .unwrap();
        assert!(
            line.len() > sub.len() + 20,
            "no description for {sub}: {line:?}"
        );
    }
}

/// Every flow the machines' run reports.
const DEMO_FLOWS: [&str; 17] = [
    "discovery",
    "authorization",
    "control",
    "sub-device add",
    "sub-device auth",
    "sub-device control",
    "WAN auth",
    "heartbeat",
    "upload",
    "cloud control",
    "OTA",
    "timer",
    "gateway 110",
    "gateway 112",
    "gateway 111",
    "gateway 113",
    "re-auth",
];

fn summary_line(stdout: &[u8]) -> String {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("summary: "))
        .collect();
    assert_eq!(lines.len(), 1, "one summary line: {text}");
    assert_eq!(
        text.lines().last(),
        Some(lines[0]),
        "the summary ends the output"
    );
    lines[0].to_owned()
}

#[test]
fn demo_machines_recover_from_loss_and_duplicates() {
    let out = joylink()
        .args([
            "demo",
            "--brief",
            "--loss",
            "0.2",
            "--duplicate",
            "0.1",
            "--seed",
            "3",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // The faults were felt: at least one retry and one re-authentication.
    assert!(text.contains("recovery: "), "{text}");
    assert!(text.contains("authenticates again"), "{text}");
    let summary = summary_line(&out.stdout);
    for flow in DEMO_FLOWS {
        assert!(summary.contains(&format!("{flow} ok")), "{flow}: {summary}");
    }
    assert!(summary.contains("17/17 flows completed"), "{summary}");
    // The same seed, the same run.
    let again = joylink()
        .args([
            "demo",
            "--brief",
            "--loss",
            "0.2",
            "--duplicate",
            "0.1",
            "--seed",
            "3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn demo_without_faults_completes_without_recoveries() {
    let out = joylink().args(["demo", "--brief"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let summary = summary_line(&out.stdout);
    assert!(
        summary.contains("17/17 flows completed, 0 recoveries"),
        "{summary}"
    );
}

#[test]
fn demo_exits_1_when_a_flow_cannot_complete() {
    let out = joylink()
        .args(["demo", "--brief", "--loss", "1.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let summary = summary_line(&out.stdout);
    assert!(summary.contains("discovery FAILED"), "{summary}");
    assert!(!summary.contains("17/17"), "{summary}");
    // Not a probability: usage error.
    exits(&["demo", "--loss", "1.5"], 2);
    exits(&["demo", "--duplicate", "-0.1"], 2);
}
