//! Benches for the LAN layer: open + parse of a typical type-3 JSON control packet and of a type-4
//! script packet, beside their physical references (raw AES-128-CBC decrypt of the same bytes, and
//! a plain `serde_json::Value` parse of the same JSON). Every variant starts with the same memcpy
//! of the packet into the working buffer (decryption is in place).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::hint::black_box;

use cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use joylink_crypto::{LocalKey, Mode, OpenOptions, open, sealed_len};
use joylink_wire::lan::{
    self, Control, ControlData, JsonBody, JsonControlRequest, Message, Stream, Timestamped,
};
use joylink_wire::{
    BizCode, CrcPolicy, Direction, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse,
};

const LOCALKEY: &str = "be4d957a4da771d609ab383e548014a0";

fn seal(key: &LocalKey, packet_type: PacketType, plaintext: &[u8]) -> Vec<u8> {
    let mode = Mode::LocalKey(key);
    let header = Header::new(Magic::Lan, packet_type, EncType::PreShared);
    let mut out = vec![0u8; sealed_len(&mode, 0, plaintext.len())];
    out[HEADER_LEN..HEADER_LEN + plaintext.len()].copy_from_slice(plaintext);
    let n = joylink_crypto::seal(&header, &mode, 0, plaintext.len(), &mut out).unwrap();
    out.truncate(n);
    out
}

/// A type-3 control with 4 streams and a 4-stream snapshot: ~370 bytes of plaintext.
fn type3_plaintext() -> Vec<u8> {
    let names = ["switch", "power", "mode", "brightness"];
    let streams: Vec<Stream<'_>> = names.iter().map(|n| Stream::new(n, "1")).collect();
    let snapshot: Vec<Stream<'_>> = names.iter().map(|n| Stream::new(n, 42)).collect();
    let body = JsonControlRequest::control(ControlData {
        streams,
        snapshot: Some(snapshot),
    });
    Timestamped {
        timestamp: 1_700_000_000,
        body,
    }
    .to_json(JsonControlRequest::STYLE)
    .unwrap()
}

fn type4_plaintext() -> Vec<u8> {
    let cmd = br#"{"streams":[{"stream_id":"power","current_value":"1"},{"stream_id":"mode","current_value":"2"}]}"#;
    let c = Control {
        timestamp: 1_700_000_000,
        biz_code: BizCode::Control,
        serial: 7,
        data: cmd,
    };
    let mut out = vec![0u8; c.buffer_len()];
    c.emit(&mut out).unwrap();
    out
}

fn raw_decrypt(key: &LocalKey, buf: &mut [u8]) -> usize {
    let k = key.raw_secret_bytes();
    let (aes_key, iv) = k.split_first_chunk::<16>().unwrap();
    let iv: &[u8; 16] = iv.try_into().unwrap();
    let dec = cbc::Decryptor::<aes::Aes128>::new(aes_key.into(), iv.into());
    dec.decrypt_padded::<Pkcs7>(buf).unwrap().len()
}

fn bench_packet(c: &mut Criterion, name: &str, packet_type: PacketType, plaintext: &[u8]) {
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let packet = seal(&key, packet_type, plaintext);
    let mut buf = packet.clone();
    let mut g = c.benchmark_group(format!("lan/{name}"));
    g.throughput(Throughput::Bytes(packet.len() as u64));
    let size = plaintext.len();
    let mode = Mode::LocalKey(&key);
    g.bench_function(format!("open_parse/{size}"), |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&packet));
            let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
            let opened = open(p, &mode, OpenOptions::new()).unwrap();
            let m = lan::parse(
                opened.header.packet_type,
                &*opened.plaintext,
                Direction::ToDevice,
            )
            .unwrap();
            assert!(!matches!(m, Message::Other { .. }));
            black_box(m.packet_type());
        })
    });
    g.bench_function(format!("aes_cbc_decrypt/{size}"), |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&packet));
            black_box(raw_decrypt(&key, &mut buf[HEADER_LEN..]))
        })
    });
    if packet_type == PacketType::JsonControl {
        let json = &plaintext[4..];
        g.bench_function(format!("serde_json_value/{}", json.len()), |b| {
            b.iter(|| {
                buf.copy_from_slice(black_box(&packet));
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(json)).unwrap())
            })
        });
        g.bench_function(format!("parse_only/{}", json.len()), |b| {
            b.iter(|| {
                buf.copy_from_slice(black_box(&packet));
                black_box(JsonControlRequest::parse(black_box(json)).unwrap())
            })
        });
    }
    g.bench_function(format!("memcpy/{}", packet.len()), |b| {
        b.iter(|| buf.copy_from_slice(black_box(&packet)))
    });
    g.finish();
}

fn lan_type3(c: &mut Criterion) {
    let p = type3_plaintext();
    assert!((200..=400).contains(&p.len()), "{}", p.len());
    bench_packet(c, "type3", PacketType::JsonControl, &p);
}

/// The developers' guide's reference packet: 256 bytes on the wire (16 B header + a 240 B
/// encrypted payload of `timestamp ‖ JSON`), a cmd 5 control with 2 streams and a 2-stream
/// snapshot, mixing string and number values. The last snapshot value is lengthened until the
/// plaintext is 224..=239 bytes, which PKCS#7 pads to 240.
fn bar_plaintext() -> Vec<u8> {
    let mut pad = String::new();
    loop {
        let streams = vec![Stream::new("switch", "1"), Stream::new("power", 1500)];
        let snapshot = vec![
            Stream::new("switch", "1"),
            Stream::new("mode", pad.as_str()),
        ];
        let body = JsonControlRequest::control(ControlData {
            streams,
            snapshot: Some(snapshot),
        });
        let p = Timestamped {
            timestamp: 1_700_000_000,
            body,
        }
        .to_json(JsonControlRequest::STYLE)
        .unwrap();
        if p.len() >= 224 {
            assert!(p.len() <= 239, "{}", p.len());
            return p;
        }
        pad.push(char::from(b'0' + (pad.len() % 10) as u8));
    }
}

/// The guide's two numbers on its 256 B packet: CRC check + decrypt (JD's C SDK: 1.8 µs, goal
/// ≤ 225 ns) and the same plus the typed JSON parse (3.1 µs, goal ≤ 620 ns), beside raw
/// AES-128-CBC of the same payload and the memcpy every variant starts with.
fn lan_bar(c: &mut Criterion) {
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let plaintext = bar_plaintext();
    let packet = seal(&key, PacketType::JsonControl, &plaintext);
    assert_eq!(packet.len(), 256);
    let mode = Mode::LocalKey(&key);
    let mut buf = packet.clone();
    let mut g = c.benchmark_group("lan/bar");
    g.throughput(Throughput::Bytes(packet.len() as u64));
    g.bench_function("crc_decrypt/256", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&packet));
            let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
            let opened = open(p, &mode, OpenOptions::new()).unwrap();
            black_box((opened.timestamp, opened.body().len()));
        })
    });
    g.bench_function("crc_decrypt_parse/256", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&packet));
            let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
            let opened = open(p, &mode, OpenOptions::new()).unwrap();
            let m = lan::parse(
                opened.header.packet_type,
                &*opened.plaintext,
                Direction::ToDevice,
            )
            .unwrap();
            assert!(matches!(m, Message::JsonControl(_)));
            black_box(m);
        })
    });
    g.bench_function("aes_cbc_decrypt/256", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&packet));
            black_box(raw_decrypt(&key, &mut buf[HEADER_LEN..]))
        })
    });
    g.bench_function("memcpy/256", |b| {
        b.iter(|| buf.copy_from_slice(black_box(&packet)))
    });
    g.finish();
}

fn lan_type4(c: &mut Criterion) {
    bench_packet(c, "type4", PacketType::ScriptControl, &type4_plaintext());
}

criterion_group!(benches, lan_bar, lan_type3, lan_type4);
criterion_main!(benches);
