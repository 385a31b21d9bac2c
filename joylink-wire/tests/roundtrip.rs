//! Property tests: round trips, no panics on arbitrary input, chunking independence of the frame
//! decoder, CRC against two independent references, and the code enums over their whole domain.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use joylink_wire::{
    BizCode, CrcPolicy, EncType, Error, FrameDecoder, FrameStatus, HEADER_LEN, HardwareError,
    Header, MAGIC_LAN, MAGIC_WAN, Magic, Packet, PacketType, Reassembler, ReassemblyStatus,
    ResponseCode, Splitter, crc16, emit, packet_len, parse,
};
use proptest::prelude::*;

/// A direct port of the C loop of spec 1.2, with C's integer promotion written out: every
/// operand is promoted to `int` (here `u32`) and the result stored back into a `uint16_t`.
fn spec_crc16(buffer: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in buffer {
        let c = u32::from(crc);
        crc = ((c >> 8) | (c << 8)) as u16;
        crc = (u32::from(crc) ^ u32::from(b)) as u16;
        crc = (u32::from(crc) ^ (u32::from(crc as u8) >> 4)) as u16;
        crc = (u32::from(crc) ^ (u32::from(crc) << 12)) as u16;
        crc = (u32::from(crc) ^ ((u32::from(crc) & 0xFF) << 5)) as u16;
    }
    crc
}

const CATALOG: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);

/// The 16 header bytes built by hand as `struct "<IHHBBBBBBH"` (compat §1), independent of the
/// crate's encoder.
fn header_bytes(h: &Header) -> Vec<u8> {
    let magic = match h.magic {
        Magic::Lan => MAGIC_LAN,
        Magic::Wan => MAGIC_WAN,
    };
    let mut v = Vec::new();
    v.extend_from_slice(&magic.to_le_bytes());
    v.extend_from_slice(&h.opt_len.to_le_bytes());
    v.extend_from_slice(&h.payload_len.to_le_bytes());
    v.extend_from_slice(&[
        h.version,
        u8::from(h.packet_type),
        h.total,
        h.index,
        u8::from(h.enc_type),
        h.reserved,
    ]);
    v.extend_from_slice(&h.crc.to_le_bytes());
    v
}

prop_compose! {
    fn any_header()(
        wan in any::<bool>(), opt_len in any::<u16>(), payload_len in any::<u16>(),
        version in any::<u8>(), t in any::<u8>(), total in any::<u8>(), index in any::<u8>(),
        e in any::<u8>(), reserved in any::<u8>(), crc in any::<u16>(),
    ) -> Header {
        Header {
            magic: if wan { Magic::Wan } else { Magic::Lan },
            opt_len, payload_len, version,
            packet_type: PacketType::from(t),
            total, index,
            enc_type: EncType::from(e),
            reserved, crc,
        }
    }
}

fn any_policy() -> impl Strategy<Value = CrcPolicy> {
    prop_oneof![
        Just(CrcPolicy::Verify),
        Just(CrcPolicy::Report),
        Just(CrcPolicy::Ignore)
    ]
}

/// A stream of valid packets (arbitrary headers, small sections).
fn packet_stream(magic: Magic) -> impl Strategy<Value = Vec<Vec<u8>>> {
    let one = (
        any_header(),
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(move |(mut h, opt, payload)| {
            h.magic = magic;
            let mut buf = vec![0u8; packet_len(opt.len(), payload.len()).unwrap()];
            emit(&h, &opt, &payload, &mut buf).unwrap();
            buf
        });
    proptest::collection::vec(one, 0..8)
}

/// Feeds `stream` cut at `cuts`; records the frames and the losses of framing, in order, and
/// checks the memory bound after every call.
fn run_frames(stream: &[u8], cuts: &[usize], max: usize) -> (Vec<Vec<u8>>, Vec<Error>) {
    let mut storage = vec![0u8; 2048];
    let mut dec = FrameDecoder::new(&mut storage).with_max_frame_len(max);
    let bound = dec.max_frame_len();
    let mut frames = Vec::new();
    let mut errors = Vec::new();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    points.push(0);
    points.push(stream.len());
    points.sort_unstable();
    for w in points.windows(2) {
        let mut input = &stream[w[0]..w[1]];
        loop {
            match dec.feed(input) {
                Ok(FrameStatus::Partial) => break,
                Ok(FrameStatus::Complete { frame, rest }) => {
                    assert!(frame.len() <= bound);
                    frames.push(frame.to_vec());
                    input = rest;
                }
                Ok(FrameStatus::Resync { error, rest }) => {
                    errors.push(error);
                    input = rest;
                }
                Err(e) => {
                    errors.push(e);
                    return (frames, errors);
                }
            }
            assert!(dec.buffered() <= bound.max(HEADER_LEN));
        }
    }
    (frames, errors)
}

/// A message sent as fragments: sender, opt, payload, the fragment packets.
type Sent = (u8, Vec<u8>, Vec<u8>, Vec<Vec<u8>>);

/// Fragments of one message, as decoded packets' bytes.
fn fragments_of(magic: Magic, opt: &[u8], payload: &[u8], id: u8) -> Vec<Vec<u8>> {
    let header = Header::new(magic, PacketType::Scan, EncType::None);
    Splitter::new(&header, opt, payload, id)
        .unwrap()
        .map(|f| {
            let mut b = vec![0u8; f.buffer_len()];
            f.emit(&mut b).unwrap();
            b
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn crc16_equals_catalog_and_spec_loop(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let ours = crc16(&data);
        prop_assert_eq!(ours, CATALOG.checksum(&data));
        prop_assert_eq!(ours, spec_crc16(&data));
    }

    #[test]
    fn header_round_trip(h in any_header()) {
        let mut buf = [0u8; HEADER_LEN];
        prop_assert_eq!(h.emit(&mut buf), Ok(HEADER_LEN));
        prop_assert_eq!(buf.to_vec(), header_bytes(&h));
        prop_assert_eq!(Header::parse(&buf), Ok(h));
    }

    #[test]
    fn packet_round_trip(
        h in any_header(),
        opt in proptest::collection::vec(any::<u8>(), 0..64),
        payload in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let len = packet_len(opt.len(), payload.len()).unwrap();
        let mut buf = vec![0u8; len];
        prop_assert_eq!(emit(&h, &opt, &payload, &mut buf), Ok(len));
        let d = parse(&buf, CrcPolicy::Verify).unwrap();
        let mut body = opt.clone();
        body.extend_from_slice(&payload);
        let expected = Header {
            opt_len: opt.len() as u16,
            payload_len: payload.len() as u16,
            crc: CATALOG.checksum(&body),
            ..h
        };
        prop_assert_eq!(d.header, expected);
        prop_assert_eq!(d.opt, &opt[..]);
        prop_assert_eq!(d.payload, &payload[..]);
        prop_assert_eq!(d.crc_status, joylink_wire::CrcStatus::Verified);
        let mut manual = header_bytes(&expected);
        manual.extend_from_slice(&body);
        prop_assert_eq!(&buf, &manual);
        // A buffer one byte short is refused and left untouched.
        let mut short = vec![0xa5u8; len - 1];
        prop_assert_eq!(
            emit(&h, &opt, &payload, &mut short),
            Err(Error::BufferTooSmall { needed: len, available: len - 1 })
        );
        prop_assert!(short.iter().all(|b| *b == 0xa5));
    }

    #[test]
    fn decode_arbitrary_bytes_never_panics(
        data in proptest::collection::vec(any::<u8>(), 0..300),
        policy in any_policy(),
    ) {
        let _ = parse(&data, policy);
        let _ = Header::parse(&data);
        let p = Packet::new_unchecked(&data[..]);
        let _ = (p.header(), p.opt(), p.payload(), p.crc_ok(), p.check_len());
    }

    #[test]
    fn decode_near_valid_bytes_never_panics(
        wan in any::<bool>(),
        opt_len in 0u16..40,
        payload_len in 0u16..300,
        rest in proptest::collection::vec(any::<u8>(), 0..300),
        policy in any_policy(),
    ) {
        let mut data = Vec::new();
        data.extend_from_slice(&if wan { MAGIC_WAN } else { MAGIC_LAN }.to_le_bytes());
        data.extend_from_slice(&opt_len.to_le_bytes());
        data.extend_from_slice(&payload_len.to_le_bytes());
        data.extend_from_slice(&rest);
        match parse(&data, policy) {
            Ok(d) => {
                prop_assert_eq!(data.len(), HEADER_LEN + usize::from(opt_len) + usize::from(payload_len));
                prop_assert_eq!(d.opt.len(), usize::from(opt_len));
                prop_assert_eq!(d.payload.len(), usize::from(payload_len));
            }
            Err(Error::Truncated { .. } | Error::LengthMismatch { .. } | Error::CrcMismatch { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn frame_decoder_independent_of_chunking(
        packets in packet_stream(Magic::Wan),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        let stream = packets.concat();
        let whole = run_frames(&stream, &[], 2048);
        prop_assert_eq!(&whole.0, &packets);
        prop_assert!(whole.1.is_empty());
        prop_assert_eq!(run_frames(&stream, &cuts, 2048), whole);
    }

    /// Garbage that cannot hold the magic's first byte, then packets: the decoder reports one
    /// loss of framing and finds every packet after it.
    #[test]
    fn frame_decoder_resyncs_after_garbage(
        garbage in proptest::collection::vec(any::<u8>().prop_filter("no magic start", |b| *b != 0xcc), 4..300),
        packets in packet_stream(Magic::Wan),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        prop_assume!(garbage[..4] != MAGIC_WAN.to_le_bytes());
        let mut stream = garbage.clone();
        stream.extend_from_slice(&packets.concat());
        let (frames, errors) = run_frames(&stream, &cuts, 2048);
        prop_assert_eq!(frames, packets);
        prop_assert_eq!(errors.len(), 1);
        prop_assert!(matches!(errors[0], Error::BadMagic(_)));
    }

    #[test]
    fn frame_decoder_arbitrary_bytes_independent_of_chunking(
        prefix in packet_stream(Magic::Wan),
        garbage in proptest::collection::vec(any::<u8>(), 0..400),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
        max in 0usize..600,
    ) {
        let mut stream = prefix.concat();
        stream.extend_from_slice(&garbage);
        let whole = run_frames(&stream, &[], max);
        prop_assert_eq!(run_frames(&stream, &cuts, max), whole);
    }

    #[test]
    fn splitter_then_reassembler(
        payload in proptest::collection::vec(any::<u8>(), 1025..5000),
        opt in proptest::collection::vec(any::<u8>(), 0..40),
        id in any::<u8>(),
        wan in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let magic = if wan { Magic::Wan } else { Magic::Lan };
        let mut packets = fragments_of(magic, &opt, &payload, id);
        prop_assert_eq!(packets.len(), payload.len().div_ceil(joylink_wire::fragment_piece_len(magic)));
        // Deterministic shuffle from the seed.
        let mut s = seed;
        for i in (1..packets.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            packets.swap(i, (s >> 33) as usize % (i + 1));
        }
        let mut storage = vec![0u8; 5100];
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
        let n = packets.len();
        for (i, p) in packets.iter().enumerate() {
            let d = parse(p, CrcPolicy::Verify).unwrap();
            prop_assert_eq!(d.header.reserved, id);
            match r.push((), &d, 0).unwrap() {
                ReassemblyStatus::Incomplete { .. } => prop_assert!(i + 1 < n),
                ReassemblyStatus::Complete(m) => {
                    prop_assert_eq!(i + 1, n);
                    let whole = parse(m.packet, CrcPolicy::Verify).unwrap();
                    prop_assert_eq!(whole.payload, &payload[..]);
                    prop_assert_eq!(whole.opt, &opt[..]);
                }
            }
        }
    }

    /// Arbitrary streams of fragments from several senders and messages, with losses,
    /// duplicates, reordering, clock jumps and forged fragments: no more than `N` messages and the
    /// storage are ever used, and every packet that comes out is exactly one of the messages sent
    /// (never a mixture), complete.
    #[test]
    fn reassembler_bound_and_whole_messages(
        messages in proptest::collection::vec(
            (0u8..3, any::<u8>(), any::<bool>(), proptest::collection::vec(any::<u8>(), 0..8), 1025usize..4200),
            1..6,
        ),
        ops in proptest::collection::vec((any::<u16>(), 0u8..8, 0u64..3000), 0..60),
        forged in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), 0usize..1100), 0..6),
    ) {
        // Message k: payload bytes derived from k so a mixture is detectable.
        let mut sent: Vec<Sent> = Vec::new();
        // Two messages with the same (sender, network, type, id) in flight at once cannot be told
        // apart by any receiver (the id is all the protocol gives): one message per key.
        let mut keys = Vec::new();
        for (k, (sender, id, wan, opt, len)) in messages.iter().enumerate() {
            if keys.contains(&(*sender, *id, *wan)) {
                continue;
            }
            keys.push((*sender, *id, *wan));
            let payload: Vec<u8> = (0..*len).map(|i| (i as u8) ^ (k as u8).wrapping_mul(37)).collect();
            let magic = if *wan { Magic::Wan } else { Magic::Lan };
            let frags = fragments_of(magic, opt, &payload, *id);
            sent.push((*sender, opt.clone(), payload, frags));
        }
        let all: Vec<(u8, &Vec<u8>)> = sent
            .iter()
            .flat_map(|(s, _, _, f)| f.iter().map(move |p| (*s, p)))
            .collect();
        let mut forged_packets = Vec::new();
        for (total, index, id, len) in &forged {
            let mut h = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
            (h.total, h.index, h.reserved) = (*total, *index, *id);
            let payload = vec![0xeeu8; *len];
            let mut b = vec![0u8; packet_len(0, *len).unwrap()];
            emit(&h, &[], &payload, &mut b).unwrap();
            forged_packets.push(b);
        }
        const N: usize = 3;
        let mut storage = vec![0u8; 3 * 4400];
        let cap = storage.len() / N;
        let mut r: Reassembler<'_, u8, N> = Reassembler::new(&mut storage).with_timeout(1000);
        let mut now = 0u64;
        let push_one = |r: &mut Reassembler<'_, u8, N>, sender: u8, p: &[u8], now: u64| -> Option<(u8, Vec<u8>, Vec<u8>, usize)> {
            let d = parse(p, CrcPolicy::Verify).unwrap();
            match r.push(sender, &d, now) {
                Ok(ReassemblyStatus::Complete(m)) => {
                    let len = m.packet.len();
                    let whole = parse(m.packet, CrcPolicy::Verify).expect("a whole packet");
                    Some((m.sender, whole.opt.to_vec(), whole.payload.to_vec(), len))
                }
                _ => None,
            }
        };
        let mut outputs = Vec::new();
        for (pick, kind, dt) in &ops {
            now += dt;
            let out = if *kind == 7 && !forged_packets.is_empty() {
                let p = &forged_packets[usize::from(*pick) % forged_packets.len()];
                push_one(&mut r, 200, p, now)
            } else if !all.is_empty() {
                let (s, p) = all[usize::from(*pick) % all.len()];
                push_one(&mut r, s, p, now)
            } else {
                None
            };
            prop_assert!(r.in_progress() <= N);
            if let Some(o) = out {
                prop_assert!(o.3 <= cap);
                outputs.push(o);
            }
        }
        // In order, with no clock jumps: every message comes out whole.
        for (s, p) in &all {
            if let Some(o) = push_one(&mut r, *s, p, now) {
                outputs.push(o);
            }
        }
        for (sender, opt, payload, _) in &sent {
            prop_assert!(outputs.iter().any(|o| o.0 == *sender && &o.1 == opt && &o.2 == payload));
        }
        for (sender, opt, payload, _) in &outputs {
            let genuine = sent.iter().any(|m| m.0 == *sender && &m.1 == opt && &m.2 == payload);
            let forged_whole = payload.iter().all(|b| *b == 0xee) && opt.is_empty();
            prop_assert!(genuine || forged_whole, "a mixture came out");
        }
    }

    #[test]
    fn biz_code_round_trip(n in any::<u32>()) {
        prop_assert_eq!(u32::from(BizCode::from(n)), n);
        if let BizCode::Unknown(m) = BizCode::from(n) {
            prop_assert_eq!(m.get(), n);
            prop_assert!(!BizCode::ALL.iter().any(|c| u32::from(*c) == m.get()));
        }
    }

    /// `Unknown` cannot alias a named code, so two codes are equal exactly when their numbers are
    /// (1002 is `Control` however it was obtained), for named and unknown numbers alike.
    #[test]
    fn biz_code_equality_is_number_equality(
        a in prop_oneof![any::<u32>(), prop::sample::select(BizCode::ALL).prop_map(u32::from)],
        b in prop_oneof![any::<u32>(), prop::sample::select(BizCode::ALL).prop_map(u32::from)],
    ) {
        prop_assert_eq!(BizCode::from(a) == BizCode::from(b), a == b);
        prop_assert_eq!(BizCode::from(a).cmp(&BizCode::from(a)), core::cmp::Ordering::Equal);
    }

    #[test]
    fn response_code_round_trip(n in any::<i32>()) {
        prop_assert_eq!(i32::from(ResponseCode::from(n)), n);
        if let ResponseCode::Unknown(m) = ResponseCode::from(n) {
            prop_assert_eq!(m.get(), n);
            prop_assert!(!ResponseCode::ALL.iter().any(|c| i32::from(*c) == m.get()));
        }
    }
}

#[test]
fn u8_codes_round_trip_over_whole_domain() {
    for n in 0..=u8::MAX {
        assert_eq!(u8::from(PacketType::from(n)), n);
        assert_eq!(u8::from(EncType::from(n)), n);
        assert_eq!(u8::from(HardwareError::from(n)), n);
    }
}

#[test]
fn named_codes_round_trip_and_are_distinct() {
    for c in BizCode::ALL {
        assert_eq!(BizCode::from(u32::from(*c)), *c);
    }
    for c in ResponseCode::ALL {
        assert_eq!(ResponseCode::from(i32::from(*c)), *c);
    }
    for c in PacketType::ALL {
        assert_eq!(PacketType::from(u8::from(*c)), *c);
    }
    // Boundaries of the wider domains.
    for n in [0, 1, u32::MAX, u32::MAX - 1, 10_100, 10_101, 1_901, 1_910] {
        assert_eq!(u32::from(BizCode::from(n)), n);
    }
    for n in [i32::MIN, -2001, -5, -4, 24, 25, 99, 100, 101, i32::MAX] {
        assert_eq!(i32::from(ResponseCode::from(n)), n);
    }
    for m in [Magic::Lan, Magic::Wan] {
        assert_eq!(Magic::try_from(u32::from(m)), Ok(m));
    }
}
