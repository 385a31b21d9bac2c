//! Golden vectors of JD's C SDK (`vectors/`, read at run time; a missing file fails).
//!
//! Every CRC and header vector, the framing of every LAN and WAN packet, the SDK receive checks,
//! and the lan-21 fragments through the splitter and the reassembler.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use joylink_test_vectors::{Value, by_id, hex_field, load, u64_field, vectors};
use joylink_wire::{
    Crc16, CrcPolicy, EncType, Error, FrameDecoder, FrameStatus, HEADER_LEN, Header, MAGIC_LAN,
    MAGIC_WAN, Magic, Packet, PacketType, Reassembler, ReassemblyStatus, Splitter, crc16, emit,
    parse,
};

fn num(v: &Value) -> u64 {
    u64_field(v)
}

/// Checks a parsed header against the vector's `fields`/`header` object, field by field.
fn assert_header_fields(h: &Header, f: &Value, id: &str) {
    let magic = match h.magic {
        Magic::Lan => MAGIC_LAN,
        Magic::Wan => MAGIC_WAN,
    };
    assert_eq!(u64::from(magic), num(&f["magic"]), "{id} magic");
    assert_eq!(u64::from(h.opt_len), num(&f["optlen"]), "{id} optlen");
    assert_eq!(
        u64::from(h.payload_len),
        num(&f["payloadlen"]),
        "{id} payloadlen"
    );
    assert_eq!(u64::from(h.version), num(&f["version"]), "{id} version");
    assert_eq!(
        u64::from(u8::from(h.packet_type)),
        num(&f["type"]),
        "{id} type"
    );
    assert_eq!(u64::from(h.total), num(&f["total"]), "{id} total");
    assert_eq!(u64::from(h.index), num(&f["index"]), "{id} index");
    assert_eq!(
        u64::from(u8::from(h.enc_type)),
        num(&f["enctype"]),
        "{id} enctype"
    );
    assert_eq!(u64::from(h.reserved), num(&f["reserved"]), "{id} reserved");
    assert_eq!(u64::from(h.crc), num(&f["crc"]), "{id} crc");
}

#[test]
fn crc16_vectors() {
    let list = vectors("crc16.json");
    assert_eq!(list.len(), 24);
    for v in &list {
        let id = v["id"].as_str().unwrap();
        let data = hex_field(&v["data"]);
        let expected = num(&v["crc"]);
        assert_eq!(u64::from(crc16(&data)), expected, "{id}");
        assert_eq!(
            format!("{:04x}", crc16(&data)),
            v["crc_hex"].as_str().unwrap(),
            "{id}"
        );
        assert_eq!(
            crc16(&data).to_le_bytes().to_vec(),
            hex_field(&v["crc_wire"]),
            "{id} wire bytes"
        );
        // Streaming in two halves gives the same value.
        let (a, b) = data.split_at(data.len() / 2);
        let mut c = Crc16::new();
        c.update(a);
        c.update(b);
        assert_eq!(u64::from(c.finish()), expected, "{id} streaming");
    }
}

#[test]
fn header_vectors() {
    let list = vectors("header.json");
    assert_eq!(list.len(), 15);
    for v in &list {
        let id = v["id"].as_str().unwrap();
        let bytes = hex_field(&v["bytes"]);
        assert_eq!(bytes.len(), HEADER_LEN, "{id}");
        let h = Header::parse(&bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_header_fields(&h, &v["fields"], id);
        let mut out = [0xa5u8; HEADER_LEN];
        assert_eq!(h.emit(&mut out), Ok(HEADER_LEN), "{id}");
        assert_eq!(out.to_vec(), bytes, "{id} re-emitted");
        // The view reads the same fields.
        let p = Packet::new_unchecked(&bytes[..]);
        assert_eq!(p.header(), h, "{id} view");
    }
}

/// Framing of one complete packet vector: header fields, opt/payload slices, CRC over
/// opt ‖ payload as sent, and header + opt + payload re-emitted to the same bytes.
fn check_packet(v: &Value, id: &str) {
    let packet = hex_field(&v["packet"]);
    let opt = hex_field(&v["opt"]);
    let payload = hex_field(&v["payload"]);
    let d = parse(&packet, CrcPolicy::Verify).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_header_fields(&d.header, &v["header"], id);
    assert_eq!(d.opt, &opt[..], "{id} opt");
    assert_eq!(d.payload, &payload[..], "{id} payload");
    assert!(d.crc_status.is_verified(), "{id}");

    let mut body = opt.clone();
    body.extend_from_slice(&payload);
    assert_eq!(
        u64::from(crc16(&body)),
        num(&v["header"]["crc"]),
        "{id} crc"
    );
    assert_eq!(packet.len(), HEADER_LEN + body.len(), "{id} length");

    let mut out = vec![0xa5u8; packet.len() + 3];
    let n = emit(&d.header, &opt, &payload, &mut out).unwrap();
    assert_eq!(&out[..n], &packet[..], "{id} re-emitted");
    assert_eq!(
        &out[n..],
        &[0xa5; 3],
        "{id} bytes after the packet untouched"
    );

    let view = Packet::new_checked(&packet[..]).unwrap();
    assert_eq!(view.opt(), &opt[..], "{id} view opt");
    assert_eq!(view.payload(), &payload[..], "{id} view payload");
    assert!(view.crc_ok(), "{id} view crc");
}

#[test]
fn lan_packet_framing() {
    let list = vectors("lan_packets.json");
    let mut checked = 0;
    for v in &list {
        let id = v["id"].as_str().unwrap();
        if let Some(fragments) = v["fragments"].as_array() {
            for f in fragments {
                check_packet(f, f["id"].as_str().unwrap());
                checked += 1;
            }
        } else {
            check_packet(v, id);
            let bytes = hex_field(&v["packet"]);
            let d = parse(&bytes, CrcPolicy::Verify).unwrap();
            assert_eq!(d.header.magic, Magic::Lan, "{id}");
            checked += 1;
        }
    }
    // 20 whole packets + lan-21's 2 fragments.
    assert_eq!(checked, 22);
}

#[test]
fn wan_packet_framing() {
    let list = vectors("wan_packets.json");
    assert_eq!(list.len(), 26);
    for v in &list {
        let id = v["id"].as_str().unwrap();
        check_packet(v, id);
        let bytes = hex_field(&v["packet"]);
        let d = parse(&bytes, CrcPolicy::Verify).unwrap();
        assert_eq!(d.header.magic, Magic::Wan, "{id}");
        // compat §3.2 — enctype 3 for auth, 4 (missing from spec 3.6) afterwards.
        let expected = if d.header.packet_type == PacketType::Auth {
            EncType::PreShared
        } else {
            EncType::SessionKey
        };
        assert_eq!(d.header.enc_type, expected, "{id}");
    }
}

/// The SDK's LAN receive checks (informational in the vectors): what of them is the packet layer's
/// business — magic, exact length, CRC policy — is decided here.
#[test]
fn lan_receive_checks() {
    let file = load("lan_packets.json");
    let checks = file["sdk_receive_checks"]["vectors"].as_array().unwrap();
    assert_eq!(checks.len(), 7);
    let packet = |id: &str| hex_field(&by_id(checks, id)["packet"]);

    assert!(
        parse(&packet("lanrx-01"), CrcPolicy::Verify)
            .unwrap()
            .crc_status
            .is_verified()
    );

    // Wrong crc: the SDK accepts it; Verify rejects, Report decodes and flags it.
    let p = packet("lanrx-02");
    assert!(matches!(
        parse(&p, CrcPolicy::Verify),
        Err(Error::CrcMismatch { .. })
    ));
    assert!(
        parse(&p, CrcPolicy::Report)
            .unwrap()
            .crc_status
            .is_mismatch()
    );

    let p = packet("lanrx-03");
    assert_eq!(
        parse(&p, CrcPolicy::Verify),
        Err(Error::LengthMismatch {
            declared: p.len() - 1,
            actual: p.len()
        })
    );
    let p = packet("lanrx-04");
    assert_eq!(
        parse(&p, CrcPolicy::Verify),
        Err(Error::LengthMismatch {
            declared: p.len() + 1,
            actual: p.len()
        })
    );
    // type/enctype pairing is the LAN layer's check; the packet layer decodes what is there.
    let p5 = packet("lanrx-05");
    let d5 = parse(&p5, CrcPolicy::Report).unwrap();
    assert_eq!(
        (d5.header.packet_type, d5.header.enc_type),
        (PacketType::JsonControl, EncType::None)
    );
    let p7 = packet("lanrx-07");
    let d7 = parse(&p7, CrcPolicy::Report).unwrap();
    assert_eq!(
        (d7.header.packet_type, d7.header.enc_type),
        (PacketType::Scan, EncType::PreShared)
    );
    // WAN magic: a valid packet, for the WAN; the LAN layer refuses it by magic.
    let p6 = packet("lanrx-06");
    let d6 = parse(&p6, CrcPolicy::Report).unwrap();
    assert_eq!(d6.header.magic, Magic::Wan);
}

#[test]
fn lan21_fragments_through_splitter_and_reassembler() {
    let list = vectors("lan_packets.json");
    let v = by_id(&list, "lan-21");
    let payload = hex_field(&v["reassembled_payload"]);
    let reserved = u8::try_from(num(&v["reserved"])).unwrap();
    assert_eq!(u64::from(reserved), num(&v["rand_value"]) & 0xff);
    let fragments: Vec<Vec<u8>> = v["fragments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| hex_field(&f["packet"]))
        .collect();
    assert_eq!(fragments.len(), 2);

    // Splitter: the SDK's header (type 1, enctype 0, version 1) and the reassembled payload give
    // the SDK's fragments byte for byte.
    let first = parse(&fragments[0], CrcPolicy::Verify).unwrap().header;
    let header = Header::new(first.magic, first.packet_type, first.enc_type);
    let splitter = Splitter::new(&header, &[], &payload, reserved).unwrap();
    assert_eq!(splitter.total(), 2);
    let mut buf = vec![0u8; splitter.max_fragment_len()];
    let mut produced = 0;
    for (fragment, expected) in splitter.zip(&fragments) {
        let n = fragment.emit(&mut buf).unwrap();
        assert_eq!(
            &buf[..n],
            &expected[..],
            "fragment {}",
            fragment.header.index
        );
        produced += 1;
    }
    assert_eq!(produced, 2);

    // Reassembler, in both orders: the whole packet comes out, as the SDK would have sent it
    // unfragmented (total = index = reserved = 0, a valid CRC).
    for order in [[0, 1], [1, 0]] {
        let mut storage = [0u8; 4096];
        let mut r: Reassembler<'_, (), 2> = Reassembler::new(&mut storage);
        let mut result = None;
        for i in order {
            let d = parse(&fragments[i], CrcPolicy::Verify).unwrap();
            assert!(d.header.is_fragment());
            match r.push((), &d, 0).unwrap() {
                ReassemblyStatus::Incomplete { received, total } => {
                    assert_eq!((received, total), (1, 2));
                }
                ReassemblyStatus::Complete(m) => {
                    assert_eq!(m.message_id, reserved);
                    let whole = parse(m.packet, CrcPolicy::Verify).unwrap();
                    assert_eq!((whole.header.total, whole.header.index), (0, 0));
                    assert_eq!(whole.header.packet_type, first.packet_type);
                    result = Some(whole.payload.to_vec());
                }
            }
        }
        let result = result.expect("message completes");
        assert_eq!(result, payload);
        assert_eq!(
            std::str::from_utf8(&result).unwrap(),
            v["reassembled_text"].as_str().unwrap()
        );
    }
}

/// Every WAN packet back to back as one TCP stream, through the frame decoder in several
/// chunkings, gives back the packets (the in-place opening of each is in joylink-crypto's
/// `tests/frame_stream.rs`).
#[test]
fn wan_stream_through_frame_decoder() {
    let packets: Vec<Vec<u8>> = vectors("wan_packets.json")
        .iter()
        .map(|v| hex_field(&v["packet"]))
        .collect();
    let stream: Vec<u8> = packets.concat();
    for chunk in [1, 2, 3, 7, 16, 17, 100, 1400, stream.len()] {
        let mut storage = vec![0u8; 2800];
        let mut dec = FrameDecoder::new(&mut storage);
        let mut got = Vec::new();
        for piece in stream.chunks(chunk) {
            let mut input = piece;
            loop {
                match dec.feed(input).unwrap() {
                    FrameStatus::Partial => break,
                    FrameStatus::Complete { frame, rest } => {
                        got.push(frame.to_vec());
                        input = rest;
                    }
                    FrameStatus::Resync { error, .. } => panic!("chunk {chunk}: {error}"),
                }
            }
        }
        assert_eq!(got, packets, "chunk {chunk}");
        assert_eq!(dec.buffered(), 0);
        assert_eq!(dec.skipped(), 0);
    }
}
