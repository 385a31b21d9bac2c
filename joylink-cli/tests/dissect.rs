//! `joylink dissect` on a capture written by the test with `pcap-file`, from packets JD's SDK
//! produced (the golden vectors): UDP LAN datagrams and a TCP stream whose WAN packets are split
//! across segments (with a retransmitted segment), written as pcap and as pcapng.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod common;

use common::{joylink, stdout_json_lines};
use joylink_test_vectors::{by_id, hex_field, vectors};
use pcap_file::pcap::{PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::{DataLink, Endianness};
use predicates::prelude::*;
use serde_json::Value;

const APP: [u8; 4] = [192, 168, 1, 10];
const DEV: [u8; 4] = [192, 168, 1, 20];
const CLOUD: [u8; 4] = [10, 0, 0, 1];

fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, l4: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    let total = (20 + l4.len()) as u16;
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0x40, 0, 64, proto, 0, 0]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f.extend_from_slice(l4);
    f
}

fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut l4 = Vec::new();
    l4.extend_from_slice(&sport.to_be_bytes());
    l4.extend_from_slice(&dport.to_be_bytes());
    l4.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    l4.extend_from_slice(&[0, 0]);
    l4.extend_from_slice(payload);
    ipv4(src, dst, 17, &l4)
}

fn tcp(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    seq: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut l4 = Vec::new();
    l4.extend_from_slice(&sport.to_be_bytes());
    l4.extend_from_slice(&dport.to_be_bytes());
    l4.extend_from_slice(&seq.to_be_bytes());
    l4.extend_from_slice(&[0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    l4.extend_from_slice(payload);
    ipv4(src, dst, 6, &l4)
}

fn write_pcap(path: &Path, frames: &[Vec<u8>]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = PcapWriter::new(file).unwrap();
    for (i, f) in frames.iter().enumerate() {
        let p = PcapPacket::new(frame_time(i), f.len() as u32, f);
        w.write_packet(&p).unwrap();
    }
}

/// Writes `frames` as pcapng: a Section Header Block in `endianness`, one Interface
/// Description Block (Ethernet) with `if_tsresol` = `tsresol` (absent: the default, 10^-6 s),
/// and one Enhanced Packet Block per frame.
fn write_pcapng(path: &Path, frames: &[Vec<u8>], endianness: Endianness, tsresol: Option<u8>) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = PcapNgWriter::with_endianness(file, endianness).unwrap();
    w.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: DataLink::ETHERNET,
        snaplen: 0xffff,
        options: tsresol
            .map(InterfaceDescriptionOption::IfTsResol)
            .into_iter()
            .collect(),
    })
    .unwrap();
    // Ticks per second (pcapng spec §4.2, if_tsresol: MSB clear 10^-n, set 2^-n).
    let r = tsresol.unwrap_or(6);
    let per_sec: u128 = if r & 0x80 == 0 {
        10u128.pow(u32::from(r))
    } else {
        1u128 << (r & 0x7f)
    };
    for (i, f) in frames.iter().enumerate() {
        let ticks = frame_time(i).as_nanos() * per_sec / 1_000_000_000;
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            // pcap-file 2 writes `timestamp.as_nanos()` as the raw 64-bit tick count, whatever
            // the interface's resolution: pass the count itself.
            timestamp: Duration::from_nanos(u64::try_from(ticks).unwrap()),
            original_len: f.len() as u32,
            data: Cow::Borrowed(f),
            options: vec![],
        })
        .unwrap();
    }
}

/// A file in `dir` (a `tempfile` directory: removed, with what the test wrote, when dropped).
fn temp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// Capture time of frame `i` (0-based) in every capture of these tests: 1 ms apart.
fn frame_time(i: usize) -> Duration {
    Duration::from_millis(1_700_000_000_000 + i as u64)
}

/// The capture of the dissect tests, and the keys and packets to find in it.
struct Session {
    frames: Vec<Vec<u8>>,
    localkey: String,
    session: String,
    packets: [Vec<u8>; 4],
}

/// UDP LAN datagrams (lan-07, lan-08), a non-JoyLink datagram, and a TCP connection opened by
/// the device carrying wan-12 in one segment and wan-13 in three (the middle one retransmitted).
fn session() -> Session {
    let l = vectors("lan_packets.json");
    let w = vectors("wan_packets.json");
    let (l7, l8) = (by_id(&l, "lan-07"), by_id(&l, "lan-08"));
    let (w12, w13) = (by_id(&w, "wan-12"), by_id(&w, "wan-13"));
    assert_eq!(l7["key"]["key_string"], l8["key"]["key_string"]);
    assert_eq!(w12["key"]["session_key"], w13["key"]["session_key"]);
    let localkey = l7["key"]["key_string"].as_str().unwrap().to_owned();
    let session = w12["key"]["session_key"].as_str().unwrap().to_owned();
    let (p7, p8) = (hex_field(&l7["packet"]), hex_field(&l8["packet"]));
    let (p12, p13) = (hex_field(&w12["packet"]), hex_field(&w13["packet"]));

    let mut frames = vec![
        udp(APP, 50000, DEV, 4320, &p7),
        udp(DEV, 4320, APP, 50000, &p8),
        // Not JoyLink: ignored.
        udp(APP, 5353, DEV, 5353, b"mdns"),
        // The device opens the WAN connection.
        tcp(DEV, 40000, CLOUD, 2002, 999, 0x02, &[]),
        tcp(CLOUD, 2002, DEV, 40000, 4999, 0x12, &[]),
        // Cloud → device: one packet in one segment.
        tcp(CLOUD, 2002, DEV, 40000, 5000, 0x18, &p12),
    ];
    // Device → cloud: wan-13 in three segments, the middle one retransmitted.
    let (a, rest) = p13.split_at(10);
    let (b, c) = rest.split_at(100);
    frames.push(tcp(DEV, 40000, CLOUD, 2002, 1000, 0x18, a));
    frames.push(tcp(DEV, 40000, CLOUD, 2002, 1010, 0x18, b));
    frames.push(tcp(DEV, 40000, CLOUD, 2002, 1010, 0x18, b));
    frames.push(tcp(DEV, 40000, CLOUD, 2002, 1110, 0x18, c));
    Session {
        frames,
        localkey,
        session,
        packets: [p7, p8, p12, p13],
    }
}

/// Dissects `path` (holding [`session`]'s frames) with `--json` and checks every packet.
fn dissect_and_check(path: &Path, s: &Session, time_tolerance: f64) {
    let docs = stdout_json_lines(
        joylink()
            .args([
                "dissect",
                "--json",
                "--localkey",
                &s.localkey,
                "--sessionkey",
                &s.session,
            ])
            .arg(path),
    );
    assert_eq!(docs.len(), 4, "{docs:#?}");
    let [p7, p8, p12, p13] = &s.packets;
    let expect = [
        (
            1,
            "udp",
            "192.168.1.10:50000",
            "192.168.1.20:4320",
            "to_device",
            "json_control",
            p7.len(),
        ),
        (
            2,
            "udp",
            "192.168.1.20:4320",
            "192.168.1.10:50000",
            "from_device",
            "json_control_response",
            p8.len(),
        ),
        (
            6,
            "tcp",
            "10.0.0.1:2002",
            "192.168.1.20:40000",
            "to_device",
            "control",
            p12.len(),
        ),
        (
            10,
            "tcp",
            "192.168.1.20:40000",
            "10.0.0.1:2002",
            "from_device",
            "control_response",
            p13.len(),
        ),
    ];
    for (doc, (frame, transport, src, dst, dir, kind, len)) in docs.iter().zip(expect) {
        assert_eq!(doc["frame"], frame, "{doc:#}");
        // A reassembled packet carries the time of the frame that completed it.
        let time = doc["time"].as_f64().unwrap();
        let want = frame_time(frame - 1).as_secs_f64();
        assert!(
            (time - want).abs() <= time_tolerance,
            "frame {frame}: time {time}, want {want}"
        );
        assert_eq!(doc["transport"], transport);
        assert_eq!(doc["src"], src);
        assert_eq!(doc["dst"], dst);
        assert_eq!(doc["direction"], dir);
        assert_eq!(doc["direction_guessed"], false);
        assert_eq!(doc["body"]["kind"], kind);
        assert_eq!(doc["len"], len);
        assert_eq!(doc["crc_ok"], true);
        assert_eq!(doc["crc_status"], "verified");
        assert!(doc["error"].is_null());
    }
    assert_eq!(docs[2]["body"]["biz_code"], 1004);
    assert_eq!(docs[3]["body"]["biz_code"], 104);
    assert_eq!(docs[3]["body"]["serial"], 10_862_082);
}

#[test]
fn dissects_udp_and_reassembled_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let s = session();
    let session = s.session.as_str();
    let path = temp(&dir, "session.pcap");
    write_pcap(&path, &s.frames);
    dissect_and_check(&path, &s, 1e-6);

    // Human form and the SVG ladder, one column per party (IP address).
    let svg = temp(&dir, "session.svg");
    joylink()
        .args(["dissect", "--sessionkey", session, "--ladder=svg"])
        .arg(&path)
        .arg(&svg)
        .assert()
        .success()
        .stdout(predicates::str::contains("cloud control (11)"))
        .stdout(predicates::str::contains("pass --localkey"));
    let text = std::fs::read_to_string(&svg).unwrap();
    for label in [
        "192.168.1.10",
        "192.168.1.20",
        "10.0.0.1",
        "json control",
        "cloud control [1004]",
        "cloud control [104]",
    ] {
        assert!(text.contains(label), "svg lacks {label}");
    }
    assert!(!text.contains("192.168.1.20:40000"), "one column per party");
    // `--ladder` alone prints only the diagram.
    let out = joylink()
        .args(["dissect", "--ladder"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("10.0.0.1"));
    assert!(!text.contains("#1 "), "no packet lines: {text}");
    assert!(!text.contains("10.0.0.1:2002"), "{text}");
}

#[test]
fn dissects_pcapng_like_pcap() {
    let dir = tempfile::tempdir().unwrap();
    let s = session();
    // (endianness, if_tsresol, seconds per tick): nanoseconds as pcap-file and newer dumpcap
    // write; the default microseconds (no option), big-endian; a binary 2^-10 s resolution.
    for (i, (endianness, tsresol, tick)) in [
        (Endianness::Little, Some(9), 1e-9_f64),
        (Endianness::Big, None, 1e-6),
        (Endianness::Little, Some(0x80 | 10), 1.0 / 1024.0),
    ]
    .into_iter()
    .enumerate()
    {
        let path = temp(&dir, &format!("session-{i}.pcapng"));
        write_pcapng(&path, &s.frames, endianness, tsresol);
        assert_eq!(
            std::fs::read(&path).unwrap()[..4],
            [0x0a, 0x0d, 0x0d, 0x0a],
            "not a pcapng section header"
        );
        dissect_and_check(&path, &s, tick.max(1e-6));
    }
}

#[test]
fn dissect_bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp(&dir, "garbage.pcap");
    std::fs::write(&path, b"this is not a capture").unwrap();
    joylink().arg("dissect").arg(&path).assert().code(1);
    joylink()
        .args(["dissect", "/nonexistent/x.pcap"])
        .assert()
        .code(1);
    // A stream that breaks its framing is reported, not fatal.
    let mut bad = hex_field(&by_id(&vectors("wan_packets.json"), "wan-12")["packet"]);
    bad.extend_from_slice(b"garbage!garbage!garbage!");
    let path = temp(&dir, "broken.pcap");
    write_pcap(&path, &[tcp(DEV, 40000, CLOUD, 2002, 1, 0x18, &bad)]);
    let out = joylink()
        .args(["dissect", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    // The packets after the break are lost: a failure (exit 1), the rest still printed.
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("bad magic"));
}

#[test]
fn progress_bar_goes_to_stderr_and_leaves_the_json_alone() {
    let dir = tempfile::tempdir().unwrap();
    // A ~5 MB capture (over the 4 MiB threshold): a JoyLink packet first and last, and
    // non-JoyLink UDP traffic in between, written by the test.
    let l = vectors("lan_packets.json");
    let (l7, l8) = (by_id(&l, "lan-07"), by_id(&l, "lan-08"));
    let localkey = l7["key"]["key_string"].as_str().unwrap();
    let mut frames = vec![udp(APP, 50000, DEV, 4320, &hex_field(&l7["packet"]))];
    let filler = vec![0x5a_u8; 1400];
    while frames.iter().map(|f| f.len() + 16).sum::<usize>() < 5 * 1024 * 1024 {
        frames.push(udp(APP, 5353, DEV, 5353, &filler));
    }
    frames.push(udp(DEV, 4320, APP, 50000, &hex_field(&l8["packet"])));
    let path = temp(&dir, "big.pcap");
    write_pcap(&path, &frames);
    assert!(std::fs::metadata(&path).unwrap().len() > 4 * 1024 * 1024);

    let run = |progress: &str| {
        let out = joylink()
            .env("JOYLINK_PROGRESS", progress)
            .args(["dissect", "--json", "--localkey", localkey])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let docs: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect();
        assert_eq!(docs.len(), 2, "{stdout}");
        assert_eq!(docs[0]["body"]["kind"], "json_control");
        assert_eq!(docs[1]["body"]["kind"], "json_control_response");
        assert_eq!(docs[1]["frame"], frames.len());
        assert!(!stdout.contains("MiB"));
        String::from_utf8(out.stderr).unwrap()
    };
    // Forced on (stderr is a pipe here): the bar is drawn, on stderr only.
    let stderr = run("always");
    assert!(
        stderr.contains("MiB"),
        "no progress bar on stderr: {stderr:?}"
    );
    // indicatif's default: no bar when stderr is not a terminal; `never` hides it anyway.
    assert!(!run("").contains("MiB"));
    assert!(!run("never").contains("MiB"));
}

/// Several keys of each kind: each packet is opened by the key that fits, whether the keys
/// are repeated options or a keys file (one entry per device address); a packet no key opens
/// is counted "not decrypted" and the exit status is 1; a packet with no key of its kind at
/// all is not a failure.
#[test]
fn dissect_tries_every_key_and_fails_on_what_none_opens() {
    let dir = tempfile::tempdir().unwrap();
    let s = session();
    let path = temp(&dir, "session.pcap");
    write_pcap(&path, &s.frames);
    let l = vectors("lan_packets.json");
    let other_local = by_id(&l, "lan-11")["key"]["key_string"].as_str().unwrap();
    assert_ne!(other_local, s.localkey);
    let other_session = "00".repeat(32);
    // Wrong keys first, right ones after: every packet still opens.
    let docs = stdout_json_lines(
        joylink()
            .args(["dissect", "--json", "--localkey", other_local, "--localkey"])
            .arg(&s.localkey)
            .args(["--sessionkey", &other_session, "--sessionkey", &s.session])
            .arg(&path),
    );
    assert_eq!(docs.len(), 4);
    assert!(docs.iter().all(|d| d["error"].is_null()), "{docs:#?}");
    // The same keys from a keys file, each bound to its device's address.
    let keys = temp(&dir, "keys.json");
    let file = serde_json::json!({"keys": [
        {"name": "other", "address": "192.168.1.99", "localkey": other_local,
         "sessionkey": other_session},
        {"name": "device", "address": "192.168.1.20", "localkey": s.localkey,
         "sessionkey": s.session},
    ]});
    std::fs::write(&keys, file.to_string()).unwrap();
    let docs = stdout_json_lines(
        joylink()
            .args(["dissect", "--json", "--keys"])
            .arg(&keys)
            .arg(&path),
    );
    assert_eq!(docs.len(), 4);
    assert!(docs.iter().all(|d| d["error"].is_null()), "{docs:#?}");
    // Only wrong LAN keys: the two LAN packets are not decrypted, exit 1; the WAN ones open.
    let out = joylink()
        .args([
            "dissect",
            "--localkey",
            other_local,
            "--sessionkey",
            &s.session,
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.matches("NOT DECRYPTED").count(), 2, "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("4 joylink packets: 2 decoded, 2 not decrypted"),
        "{stderr}"
    );
    // No LAN key at all: not a failure.
    joylink()
        .args(["dissect", "--sessionkey", &s.session])
        .arg(&path)
        .assert()
        .success()
        .stderr(predicates::str::contains("2 without a key"));
    // A malformed keys file is a usage error naming the problem.
    std::fs::write(&keys, r#"{"keys": [{"localky": "x"}]}"#).unwrap();
    joylink()
        .args(["dissect", "--keys"])
        .arg(&keys)
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown field \"localky\""));
}

/// Runs `joylink demo EXTRA --pcap --keys` into `dir` under `name`; the capture's and the keys
/// file's bytes, and the demo's stderr.
fn demo_capture(dir: &tempfile::TempDir, name: &str, extra: &[&str]) -> (Vec<u8>, Vec<u8>, String) {
    let (pcap, keys) = (
        temp(dir, &format!("{name}.pcap")),
        temp(dir, &format!("{name}.json")),
    );
    let out = joylink()
        .arg("demo")
        .args(extra)
        .arg("--pcap")
        .arg(&pcap)
        .arg("--keys")
        .arg(&keys)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    (
        std::fs::read(&pcap).unwrap(),
        std::fs::read(&keys).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `joylink dissect --json --keys` of a capture in `dir`: every packet decoded (0 undecodable,
/// the sub-devices' inner layers opened); the documents.
fn dissect_all(dir: &tempfile::TempDir, name: &str) -> Vec<Value> {
    let (pcap, keys) = (
        temp(dir, &format!("{name}.pcap")),
        temp(dir, &format!("{name}.json")),
    );
    let docs = stdout_json_lines(
        joylink()
            .args(["dissect", "--json", "--keys"])
            .arg(&keys)
            .arg(&pcap),
    );
    for got in &docs {
        assert!(got["error"].is_null(), "{got:#}");
        assert_eq!(got["crc_ok"], true, "{got:#}");
        if let Some(i) = got["body"].get("inner") {
            assert!(i.get("json").is_some(), "inner layer not opened: {got:#}");
        }
        // LAN over UDP with the device side on 4320, WAN over TCP to the cloud's 2002.
        let lan = got["magic"] == "lan";
        assert_eq!(got["transport"], if lan { "udp" } else { "tcp" });
        let device_side = if got["direction"] == "to_device" {
            "dst"
        } else {
            "src"
        };
        let cloud_side = if device_side == "dst" { "src" } else { "dst" };
        let (side, port) = if lan {
            (device_side, ":4320")
        } else {
            (cloud_side, "203.0.113.1:2002")
        };
        assert!(got[side].as_str().unwrap().ends_with(port), "{got:#}");
    }
    joylink()
        .args(["dissect", "--keys"])
        .arg(&keys)
        .arg(&pcap)
        .assert()
        .success()
        .stderr(predicates::str::contains(format!(
            "{n} joylink packets: {n} decoded, 0 not decrypted, 0 without a key, 0 malformed",
            n = docs.len()
        )));
    docs
}

/// The (magic, kind) of every dissected packet.
fn kinds(docs: &[Value]) -> Vec<(String, String)> {
    docs.iter()
        .map(|d| {
            (
                d["magic"].as_str().unwrap().to_owned(),
                d["body"]["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `joylink demo --pcap x.pcap --keys k.json` writes what the session machines exchanged, and
/// `joylink dissect x.pcap --keys k.json` decodes every packet of it with the keys the machines
/// used: every flow is there (scan, write-key, controls, sub-devices, WAN auth, heartbeats, a
/// type-11 control, OTA, timers, the gateway's 110–113), and the same seed gives the same bytes.
#[test]
fn demo_capture_and_keys_round_trip_through_dissect() {
    let dir = tempfile::tempdir().unwrap();
    let (pcap, keys, stderr) = demo_capture(&dir, "x", &[]);
    assert!(stderr.contains("0 sent but never delivered"), "{stderr}");
    let (pcap2, keys2, _) = demo_capture(&dir, "y", &[]);
    assert!(pcap == pcap2 && keys == keys2, "two runs, two captures");
    let (other, _, _) = demo_capture(&dir, "z", &["--seed", "5"]);
    assert_ne!(pcap, other, "the seed reaches the capture");

    let docs = dissect_all(&dir, "x");
    let seen = kinds(&docs);
    let has = |magic: &str, kind: &str| seen.iter().any(|(m, k)| m == magic && k == kind);
    for (magic, kind) in [
        ("lan", "scan_request"),
        ("lan", "scan_response"),
        ("lan", "write_key_request"),
        ("lan", "write_key_response"),
        ("lan", "json_control"),
        ("lan", "json_control_response"),
        ("lan", "add_subdev_request"),
        ("lan", "subdev_auth_request"),
        ("lan", "subdev_script_control"),
        ("lan", "subdev_script_control_response"),
        ("wan", "auth_request"),
        ("wan", "auth_response"),
        ("wan", "heartbeat"),
        ("wan", "heartbeat_response"),
        ("wan", "upload"),
        ("wan", "control"),
        ("wan", "control_response"),
        ("wan", "ota_order"),
        ("wan", "ota_status"),
        ("wan", "timer"),
        ("wan", "subdev_heartbeat"),
        ("wan", "subdev_upload"),
        ("wan", "subdev_control"),
        ("wan", "subdev_unbind"),
    ] {
        assert!(has(magic, kind), "{magic} {kind} missing from {seen:?}");
    }
    // The app's scan went once to the broadcast address, as the app addressed it, and both
    // the device and the gateway answered it.
    assert_eq!(docs[0]["dst"], "255.255.255.255:4320");
    assert_eq!(docs[0]["src"], "192.168.1.10:50000");
    let answers: Vec<&Value> = docs
        .iter()
        .filter(|d| d["body"]["kind"] == "scan_response")
        .map(|d| &d["src"])
        .collect();
    assert!(answers.contains(&&Value::from("192.168.1.20:4320")));
    assert!(answers.contains(&&Value::from("192.168.1.30:4320")));
    // Three sub-device inner layers opened: LAN 104 both ways, WAN 111/112.
    let inner = docs
        .iter()
        .filter(|d| d["body"].get("inner").is_some())
        .count();
    assert!(inner >= 4, "sub-device inner layers: {inner}");
    // The gateway's deliberate re-auth is a second connection with a second auth request.
    let auths = seen.iter().filter(|(_, k)| k == "auth_request").count();
    assert!(
        auths >= 3,
        "device auth, gateway auth, gateway re-auth: {auths}"
    );
    // Capture time follows the simulated clock: never back.
    let times: Vec<f64> = docs.iter().map(|d| d["time"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));

    // Without the keys file nothing is decrypted that needs a key, and that is no failure.
    joylink()
        .arg("dissect")
        .arg(temp(&dir, "x.pcap"))
        .assert()
        .success();
    // A wrong sub-device accesskey: the sub-device layers of 111/112 are not decrypted.
    let path = temp(&dir, "x.json");
    let mut file: Value = serde_json::from_slice(&keys).unwrap();
    let sub = file["keys"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["name"] == "sub-device")
        .unwrap();
    sub["accesskey"] = Value::String("0".repeat(32));
    std::fs::write(&path, file.to_string()).unwrap();
    joylink()
        .args(["dissect", "--keys"])
        .arg(&path)
        .arg(temp(&dir, "x.pcap"))
        .assert()
        .code(1)
        .stderr(
            predicates::str::contains(" not decrypted")
                .and(predicates::str::contains(" 0 not decrypted").not()),
        );
}

/// Under `--loss` and `--duplicate` the capture still dissects completely with the keys file
/// (every session key of every re-authentication is in it); the losses are in the capture
/// (sent, never delivered), each broken connection is followed by a new one (a new client
/// port, a new auth), and the capture is still the same for the same seed.
#[test]
fn demo_capture_under_faults_dissects_and_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let faults = ["--loss", "0.2", "--duplicate", "0.1", "--seed", "2"];
    let (pcap, _, stderr) = demo_capture(&dir, "f", &faults);
    assert!(
        !stderr.contains(" 0 sent but never delivered"),
        "losses expected in the capture: {stderr}"
    );
    let (again, _, _) = demo_capture(&dir, "g", &faults);
    assert_eq!(pcap, again);
    let docs = dissect_all(&dir, "f");
    let keys: Value =
        serde_json::from_slice(&std::fs::read(temp(&dir, "f.json")).unwrap()).unwrap();
    let sessions = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["sessionkey"].is_string())
        .count();
    let auths = kinds(&docs)
        .iter()
        .filter(|(_, k)| k == "auth_response")
        .count();
    assert!(
        sessions >= 3 && auths >= sessions,
        "{sessions} keys, {auths} auths"
    );
    let mut ports: Vec<&str> = docs
        .iter()
        .filter(|d| d["transport"] == "tcp" && d["direction"] == "from_device")
        .map(|d| d["src"].as_str().unwrap())
        .collect();
    ports.sort_unstable();
    ports.dedup();
    assert!(
        ports.len() >= 3,
        "one connection per (re)connect: {ports:?}"
    );
}

/// The fragments of a gateway's scan answer (vector lan-21, in reverse order) are shown each,
/// and then as one message reassembled with joylink-wire's reassembler: the vector's
/// reassembled payload, typed as the scan answer.
#[test]
fn dissect_reassembles_lan_fragments() {
    let dir = tempfile::tempdir().unwrap();
    let l = vectors("lan_packets.json");
    let v = by_id(&l, "lan-21");
    let frags = v["fragments"].as_array().unwrap();
    assert!(frags.len() >= 2);
    let mut frames: Vec<Vec<u8>> = frags
        .iter()
        .map(|f| udp(DEV, 4320, APP, 50000, &hex_field(&f["packet"])))
        .collect();
    frames.reverse();
    let path = temp(&dir, "fragments.pcap");
    write_pcap(&path, &frames);
    let docs = stdout_json_lines(joylink().args(["dissect", "--json"]).arg(&path));
    assert_eq!(docs.len(), frags.len() + 1, "{docs:#?}");
    assert!(
        docs[..frags.len()]
            .iter()
            .all(|d| d["body"]["kind"] == "fragment")
    );
    let whole = docs.last().unwrap();
    assert_eq!(whole["body"]["kind"], "scan_response");
    assert_eq!(whole["header"]["total"], 0);
    assert_eq!(whole["crc_ok"], true);
    assert_eq!(whole["plaintext_hex"], v["reassembled_payload"]);
    let text: Value = serde_json::from_str(v["reassembled_text"].as_str().unwrap()).unwrap();
    assert_eq!(whole["body"]["json"], text);
}

/// A datagram whose length disagrees with its header: the header is shown, the mismatch
/// flagged, and the exit status is 1.
#[test]
fn dissect_shows_the_header_of_a_length_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let s = session();
    let mut long = s.packets[0].clone();
    long.extend_from_slice(b"extra");
    let path = temp(&dir, "mismatch.pcap");
    write_pcap(&path, &[udp(APP, 50000, DEV, 4320, &long)]);
    let out = joylink()
        .args(["dissect", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "length");
    assert_eq!(doc["header"]["type"], 3);
    assert_eq!(doc["len"], long.len());
    let want = long.len() - 5;
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("header says {want} bytes")),
        "{doc}"
    );
    joylink()
        .arg("dissect")
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("json control (3)"))
        .stdout(predicates::str::contains("LENGTH MISMATCH"));
}

/// A link type `dissect` cannot read is warned about (not reported as "0 packets" silently);
/// a capture cut in the middle of a record shows the packets before the cut, the cut's byte
/// offset and the summary.
#[test]
fn dissect_warns_about_unreadable_links_and_cut_captures() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp(&dir, "wifi.pcap");
    let file = std::fs::File::create(&path).unwrap();
    let header = pcap_file::pcap::PcapHeader {
        datalink: DataLink::IEEE802_11,
        ..Default::default()
    };
    let mut w = PcapWriter::with_header(file, header).unwrap();
    let frame = vec![0u8; 40];
    w.write_packet(&PcapPacket::new(frame_time(0), 40, &frame))
        .unwrap();
    drop(w);
    joylink()
        .arg("dissect")
        .arg(&path)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "1 frames of link type 105 skipped",
        ));

    let s = session();
    let path = temp(&dir, "cut.pcap");
    write_pcap(&path, &s.frames);
    let full = std::fs::read(&path).unwrap();
    let last = s.frames.last().unwrap().len();
    // Cut 10 bytes into the last record's data.
    let at = full.len() - 16 - last;
    std::fs::write(&path, &full[..at + 16 + 10]).unwrap();
    let out = joylink()
        .args([
            "dissect",
            "--localkey",
            &s.localkey,
            "--sessionkey",
            &s.session,
        ])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    // The LAN packets and wan-12 came before the cut; wan-13's last segment is cut off.
    assert!(stdout.contains("json_control_response"), "{stdout}");
    assert!(stdout.contains("cloud control (11)"), "{stdout}");
    assert!(stderr.contains(&format!("cut at byte {at}")), "{stderr}");
    assert!(stderr.contains("3 joylink packets: 3 decoded"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// The fragments JD's Linux/gateway SDK sends for a sealed WAN packet (compat §16.4): 1024-byte
/// slices of the ciphertext, header and opt repeated, `reserved` = the low byte of the whole
/// packet's CRC; `broken` sends the last slice empty, as that SDK does with two or more.
fn wan_fragments(packet: &[u8], broken: bool) -> Vec<Vec<u8>> {
    use joylink::wire::{Header, Splitter, crc16};
    let whole = joylink::wire::parse(packet, joylink::wire::CrcPolicy::Verify).unwrap();
    let s = Splitter::new(
        &whole.header,
        whole.opt,
        whole.payload,
        whole.header.crc as u8,
    )
    .unwrap();
    let mut out: Vec<Vec<u8>> = s
        .map(|f| {
            let mut b = vec![0u8; f.buffer_len()];
            f.emit(&mut b).unwrap();
            b
        })
        .collect();
    assert!(out.len() >= 2);
    assert_eq!(out[0].len(), 16 + 1024);
    if broken {
        let last = out.last_mut().unwrap();
        let mut h = Header::parse(last).unwrap();
        h.payload_len = 0;
        h.crc = crc16(&[]);
        *last = h.to_bytes().to_vec();
    }
    out
}

/// A device's type-11 answer, sealed with the session key of vector wan-12.
fn sealed_answer(session: &[u8], serial: u32, data: &[u8]) -> Vec<u8> {
    use joylink::crypto::{Mode, SessionKey};
    use joylink::wire::wan::{Control, WanMessage};
    use joylink::wire::{BizCode, EncType, Header, Magic};
    let key = SessionKey::new(session.try_into().unwrap());
    let mode = Mode::Session(&key);
    let m = WanMessage::ControlResponse(Control {
        timestamp: 1_700_000_000,
        biz_code: BizCode::ControlResponse,
        serial,
        data,
    });
    let len = m.buffer_len().unwrap();
    let mut p = vec![0u8; joylink::crypto::sealed_len(&mode, 0, len)];
    m.emit(&mut p[16..16 + len]).unwrap();
    let h = Header::new(Magic::Wan, m.packet_type(), EncType::SessionKey);
    let n = joylink::crypto::seal(&h, &mode, 0, len, &mut p).unwrap();
    p.truncate(n);
    p
}

/// compat §16.4: WAN fragments on one TCP connection are joined before decryption and the whole
/// answer is shown; the Linux SDK's broken message (empty last slice) is one packet not
/// decrypted (exit 1), and the next message still reads.
#[test]
fn dissect_reassembles_wan_fragments() {
    let dir = tempfile::tempdir().unwrap();
    let w = vectors("wan_packets.json");
    let session_hex = by_id(&w, "wan-12")["key"]["session_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = hex::decode(&session_hex).unwrap();
    let data: Vec<u8> = (0..2500).map(|i| b'a' + (i % 26) as u8).collect();
    let good = wan_fragments(&sealed_answer(&session, 7, &data), false);
    let bad = wan_fragments(&sealed_answer(&session, 8, &data[..2100]), true);
    let next = wan_fragments(&sealed_answer(&session, 9, &data[..1500]), false);
    let mut frames = vec![
        tcp(DEV, 40000, CLOUD, 2002, 999, 0x02, &[]),
        tcp(CLOUD, 2002, DEV, 40000, 4999, 0x12, &[]),
    ];
    let mut seq = 1000u32;
    for f in good.iter().chain(&bad).chain(&next) {
        frames.push(tcp(DEV, 40000, CLOUD, 2002, seq, 0x18, f));
        seq += f.len() as u32;
    }
    let path = temp(&dir, "wan-fragments.pcap");
    write_pcap(&path, &frames);
    let out = joylink()
        .args(["dissect", "--json", "--sessionkey", &session_hex])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the broken message fails");
    let docs: Vec<Value> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let n = good.len() + bad.len() + next.len();
    assert_eq!(
        docs.len(),
        n + 3,
        "every fragment, then each joined message"
    );
    let wholes: Vec<&Value> = docs.iter().filter(|d| d["header"]["total"] == 0).collect();
    assert_eq!(wholes.len(), 3);
    // ts, biz_code and serial, then the data.
    let body = |v: &Value| {
        v["plaintext_hex"]
            .as_str()
            .map(|h| hex::decode(h).unwrap()[12..].to_vec())
    };
    assert_eq!(body(wholes[0]), Some(data.clone()), "{:#}", wholes[0]);
    assert_eq!(wholes[0]["crc_ok"], true);
    assert!(wholes[1]["plaintext_hex"].is_null(), "{:#}", wholes[1]);
    assert_eq!(
        body(wholes[2]),
        Some(data[..1500].to_vec()),
        "{:#}",
        wholes[2]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 not decrypted"), "{stderr}");
}
