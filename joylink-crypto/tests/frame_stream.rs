//! A captured WAN stream (every WAN golden packet back to back, as one TCP connection carries
//! them) through the frame decoders, each frame opened in place where the decoder left it; and
//! WAN fragments (slices of the ciphertext) joined by the reassembler, then opened like a whole
//! packet.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink_crypto::{AccessKey, Error, Mode, OpenOptions, Opened, SessionKey, open, seal};
use joylink_wire::PartialParse;

/// Opens a whole packet in place (staged decode, then the one `open`), timestamp split off.
fn open_packet<'a>(buf: &'a mut [u8], mode: &Mode<'_>) -> Result<Opened<'a>, Error> {
    open(
        PartialParse::new(buf, CrcPolicy::Verify)?,
        mode,
        OpenOptions::new(),
    )
}
use joylink_test_vectors::{Value, hex_field, vectors};
use joylink_wire::{
    CrcPolicy, EncType, FrameDecoder, FrameStatus, Header, Magic, PacketType, Reassembler,
    ReassemblyStatus, Splitter, parse,
};

enum Key {
    Access(AccessKey),
    Session(SessionKey),
}

impl Key {
    fn of(v: &Value) -> Key {
        let k = &v["key"];
        match k["kind"].as_str().unwrap() {
            "accesskey" => Key::Access(k["key_string"].as_str().unwrap().parse().unwrap()),
            "session_key" => {
                Key::Session(SessionKey::from_slice(&hex_field(&k["session_key"])).unwrap())
            }
            other => panic!("unexpected key kind {other}"),
        }
    }

    fn mode(&self) -> Mode<'_> {
        match self {
            Key::Access(k) => Mode::AccessKey(k),
            Key::Session(k) => Mode::Session(k),
        }
    }
}

/// The WAN vectors in stream order: (packet, key, plaintext).
fn wan() -> Vec<(Vec<u8>, Key, Vec<u8>)> {
    vectors("wan_packets.json")
        .iter()
        .map(|v| {
            (
                hex_field(&v["packet"]),
                Key::of(v),
                hex_field(&v["plaintext"]),
            )
        })
        .collect()
}

#[test]
fn every_frame_of_a_captured_stream_opens_in_place() {
    let packets = wan();
    assert_eq!(packets.len(), 26);
    let stream: Vec<u8> = packets.iter().flat_map(|p| p.0.iter().copied()).collect();
    for chunk in [1, 5, 16, 17, 300, 1460, stream.len()] {
        let mut storage = [0u8; 2800];
        let mut dec = FrameDecoder::new(&mut storage);
        let mut n = 0;
        for piece in stream.chunks(chunk) {
            let mut input = piece;
            loop {
                match dec.feed(input).unwrap() {
                    FrameStatus::Partial => break,
                    FrameStatus::Complete { frame, rest } => {
                        let (_, key, plaintext) = &packets[n];
                        // Decrypted where the decoder assembled it: no second copy.
                        let opened = open_packet(frame, &key.mode()).unwrap();
                        assert_eq!(
                            &*opened.plaintext,
                            &plaintext[..],
                            "frame {n}, chunk {chunk}"
                        );
                        n += 1;
                        input = rest;
                    }
                    FrameStatus::Resync { error, .. } => panic!("chunk {chunk}: {error}"),
                }
            }
        }
        assert_eq!(n, packets.len(), "chunk {chunk}");
    }
}

#[cfg(feature = "alloc")]
#[test]
fn every_frame_of_a_captured_stream_opens_in_the_callers_bytes() {
    use joylink_wire::BytesFrameDecoder;
    use joylink_wire::bytes::BytesMut;

    let packets = wan();
    let stream: Vec<u8> = packets.iter().flat_map(|p| p.0.iter().copied()).collect();
    let mut dec = BytesFrameDecoder::new(2800);
    let mut buf = BytesMut::new();
    let mut n = 0;
    for piece in stream.chunks(1460) {
        buf.extend_from_slice(piece);
        while let Some(mut frame) = dec.decode(&mut buf).unwrap() {
            let (_, key, plaintext) = &packets[n];
            let opened = open_packet(&mut frame, &key.mode()).unwrap();
            assert_eq!(&*opened.plaintext, &plaintext[..]);
            n += 1;
        }
    }
    assert_eq!(n, packets.len());
    assert!(buf.is_empty());
}

/// Seals a large type-11 reply, cuts its ciphertext into 1024-byte WAN fragments; returns the
/// fragment packets, the body and the session key.
fn wan_fragments(body_len: usize) -> (Vec<Vec<u8>>, Vec<u8>, SessionKey) {
    let key = SessionKey::from_slice(&[0x42; 32]).unwrap();
    let mode = Mode::Session(&key);
    let header = Header::new(Magic::Wan, PacketType::CloudControl, EncType::SessionKey);
    let body: Vec<u8> = (0..body_len).map(|i| (i % 251) as u8).collect();
    let mut sealed = vec![0u8; body_len + 64];
    sealed[16..20].copy_from_slice(&1_700_000_000u32.to_le_bytes());
    sealed[20..20 + body_len].copy_from_slice(&body);
    let n = seal(&header, &mode, 0, 4 + body_len, &mut sealed).unwrap();
    let whole = parse(&sealed[..n], CrcPolicy::Verify).unwrap();
    let id = (whole.header.crc & 0xff) as u8; // the gateway SDK's message id
    let fragments = Splitter::new(&whole.header, whole.opt, whole.payload, id)
        .unwrap()
        .map(|f| {
            let mut b = vec![0u8; f.buffer_len()];
            f.emit(&mut b).unwrap();
            b
        })
        .collect();
    (fragments, body, key)
}

#[test]
fn wan_fragments_are_joined_before_decryption() {
    let (mut fragments, body, key) = wan_fragments(3000);
    assert_eq!(fragments.len(), 3);
    fragments.rotate_left(1); // out of order
    // A fragment alone does not open: its slice is not a whole ciphertext.
    let mut alone = fragments[0].clone();
    assert!(open_packet(&mut alone, &Mode::Session(&key)).is_err());
    // Arriving as a TCP stream, framed, then reassembled per connection, then opened in place.
    let stream = fragments.concat();
    let mut frames = [0u8; 1100];
    let mut dec = FrameDecoder::new(&mut frames);
    let mut storage = [0u8; 4096];
    let mut r: Reassembler<'_, u32, 1> = Reassembler::new(&mut storage);
    let mut opened_body = None;
    let mut input = &stream[..];
    loop {
        match dec.feed(input).unwrap() {
            FrameStatus::Partial => break,
            FrameStatus::Resync { error, .. } => panic!("{error}"),
            FrameStatus::Complete { frame, rest } => {
                input = rest;
                let d = parse(frame, CrcPolicy::Verify).unwrap();
                if let ReassemblyStatus::Complete(m) = r.push(7, &d, 0).unwrap() {
                    let o = open_packet(m.packet, &Mode::Session(&key)).unwrap();
                    assert_eq!(o.timestamp, Some(1_700_000_000));
                    opened_body = Some(o.body().to_vec());
                }
            }
        }
    }
    assert_eq!(opened_body, Some(body));
}

/// The gateway SDK sends the last slice empty when there are two or more fragments: the message
/// completes and fails to open with the one decryption error; the next message is not blocked.
#[test]
fn the_sdks_empty_last_slice_is_a_decrypt_error_not_a_hang() {
    let (fragments, _, key) = wan_fragments(2500);
    let mut storage = [0u8; 4096];
    let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
    let mut last = fragments[2].clone();
    let opt_end = 16;
    last.truncate(opt_end);
    last[6] = 0;
    last[7] = 0;
    joylink_wire::Packet::new_unchecked(&mut last[..])
        .fill_crc()
        .unwrap();
    for (i, p) in [&fragments[0], &fragments[1], &last]
        .into_iter()
        .enumerate()
    {
        match r
            .push((), &parse(p, CrcPolicy::Verify).unwrap(), 0)
            .unwrap()
        {
            ReassemblyStatus::Incomplete { .. } => assert!(i < 2),
            ReassemblyStatus::Complete(m) => {
                assert_eq!(i, 2);
                let e = open_packet(m.packet, &Mode::Session(&key)).unwrap_err();
                assert_eq!(e, Error::Decrypt);
            }
        }
    }
    let (next, body, key) = wan_fragments(2100);
    let mut out = None;
    for p in &next {
        if let ReassemblyStatus::Complete(m) = r
            .push((), &parse(p, CrcPolicy::Verify).unwrap(), 1)
            .unwrap()
        {
            out = Some(
                open_packet(m.packet, &Mode::Session(&key))
                    .unwrap()
                    .body()
                    .to_vec(),
            );
        }
    }
    assert_eq!(out, Some(body));
}
