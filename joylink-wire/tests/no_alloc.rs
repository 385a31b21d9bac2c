//! The packet paths allocate nothing: parse, emit, the view's setters, the frame decoder, the
//! splitter and the reassembler, measured with a counting global allocator.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)]

use joylink_wire::{
    CrcPolicy, EncType, FrameDecoder, FrameStatus, Header, Magic, Packet, PacketType, Reassembler,
    ReassemblyStatus, Splitter, crc16, emit, parse,
};

fn assert_no_alloc(what: &str, f: impl FnOnce()) {
    let info = allocation_counter::measure(f);
    assert_eq!(info.count_total, 0, "{what} allocated: {info:?}");
}

#[test]
fn packet_decode_emit_and_view_allocate_nothing() {
    let header = Header::new(Magic::Wan, PacketType::Upload, EncType::SessionKey);
    let opt = [7u8; 20];
    let payload = [0x5au8; 256];
    let mut buf = [0u8; 512];
    let mut len = 0;
    assert_no_alloc("emit", || {
        len = emit(&header, &opt, &payload, &mut buf).unwrap();
    });
    assert_eq!(len, 292);
    let bytes = buf;
    assert_no_alloc("decode", || {
        for policy in [CrcPolicy::Verify, CrcPolicy::Report, CrcPolicy::Ignore] {
            let d = parse(&bytes[..len], policy).unwrap();
            assert_eq!(d.payload.len(), 256);
        }
        let _ = Header::parse(&bytes).unwrap();
        let _ = crc16(&bytes);
    });
    assert_no_alloc("view setters", || {
        let mut p = Packet::new_checked(&mut buf[..len]).unwrap();
        p.set_index(1).unwrap();
        p.payload_mut()[0] ^= 1;
        p.fill_crc().unwrap();
        assert!(p.crc_ok());
    });
}

#[test]
fn frame_decoder_feed_allocates_nothing() {
    let header = Header::new(Magic::Wan, PacketType::Heartbeat, EncType::SessionKey);
    let mut stream = [0u8; 3 * 48];
    for i in 0..3 {
        emit(&header, &[], &[i as u8; 32], &mut stream[i * 48..]).unwrap();
    }
    let mut storage = [0u8; 1400];
    let mut frames = 0;
    assert_no_alloc("feed", || {
        let mut dec = FrameDecoder::new(&mut storage);
        for chunk in stream.chunks(5) {
            let mut input = chunk;
            while let FrameStatus::Complete { frame, rest } = dec.feed(input).unwrap() {
                assert_eq!(frame.len(), 48);
                frame[16] ^= 1; // opened in place, no copy
                frames += 1;
                input = rest;
            }
        }
    });
    assert_eq!(frames, 3);
}

#[test]
fn splitter_and_reassembler_allocate_nothing() {
    let header = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
    let payload = [b'x'; 2500];
    let mut packets = [[0u8; 1016]; 3];
    let mut lens = [0usize; 3];
    let mut storage = [0u8; 6100];
    let mut done = false;
    assert_no_alloc("split + reassemble", || {
        for (i, f) in Splitter::new(&header, &[], &payload, 3)
            .unwrap()
            .enumerate()
        {
            lens[i] = f.emit(&mut packets[i]).unwrap();
        }
        let mut r: Reassembler<'_, u8, 2> = Reassembler::new(&mut storage);
        for i in [2, 0, 1] {
            let d = parse(&packets[i][..lens[i]], CrcPolicy::Verify).unwrap();
            if let ReassemblyStatus::Complete(m) = r.push(7, &d, i as u64).unwrap() {
                done = m.payload() == &payload[..];
            }
        }
    });
    assert!(done);
}

/// The counter is live: an allocation inside `measure` is seen (so the zeros above mean something).
#[test]
fn counter_sees_allocations() {
    let info = allocation_counter::measure(|| {
        let v: Vec<u8> = Vec::with_capacity(16);
        std::hint::black_box(v);
    });
    assert_eq!(info.count_total, 1);
}

/// A JSON control (type 3, cmd 5) without escapes allocates only its two stream lists: the
/// strings borrow from the input and numbers keep their text as a borrowed slice.
#[cfg(feature = "json")]
#[test]
fn json_control_parse_allocates_only_its_lists() {
    use std::borrow::Cow;

    use joylink_wire::Direction;
    use joylink_wire::lan::{self, JsonCommand, Message, StreamValue};

    let mut plaintext = 1_700_000_000u32.to_le_bytes().to_vec();
    plaintext.extend_from_slice(
        br#"{"cmd":5,"data":{"streams":[{"stream_id":"switch","current_value":"1"},{"stream_id":"power","current_value":1500}],"snapshot":[{"stream_id":"switch","current_value":"1"},{"stream_id":"mode","current_value":18446744073709551617}]}}"#,
    );
    let mut parsed = None;
    let info = allocation_counter::measure(|| {
        parsed =
            Some(lan::parse(PacketType::JsonControl, &plaintext, Direction::ToDevice).unwrap());
    });
    std::eprintln!("json control parse: {info:?}");
    let Some(Message::JsonControl(t)) = parsed else {
        panic!("{parsed:?}")
    };
    let JsonCommand::Control(c) = &t.body.command else {
        panic!("{t:?}")
    };
    assert!(matches!(c.streams[0].stream_id, Cow::Borrowed("switch")));
    assert!(matches!(
        c.streams[0].current_value,
        StreamValue::String(Cow::Borrowed("1"))
    ));
    let snapshot = c.snapshot.as_ref().unwrap();
    assert_eq!(
        snapshot[1].current_value.to_string(),
        "18446744073709551617"
    );
    assert_eq!(info.count_total, 2, "{info:?}");
}
