//! The README's "no panics" contract: arbitrary bytes, random packets with a consistent header
//! and CRC, and mutations of valid packets sealed by the crate itself go through `lan::open`,
//! `lan::open_lenient`, `wan::open`, `joylink::open` and `Message::parse` with several key
//! choices; each returns `Ok` or `Err`, never panics.
//!
//! What the CRC guarantees under `CrcPolicy::Verify` (compat §2: CRC-16/IBM-3740 over
//! `opt ‖ payload`, header bytes 14–15) is checked too, and no more: a change of one byte or of two
//! adjacent bytes after the header (a burst of at most 16 bits, which a degree-16 CRC always
//! detects) is refused; any packet that opens carries a CRC matching its `opt ‖ payload`, so a
//! changed covered byte passes only as a CRC collision (possible for larger changes: the CRC is no
//! MAC); the header itself is not covered, so a header change may open to another message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::sync::OnceLock;

use joylink::crypto::{AccessKey, IvCompat, KeyPair, LocalKey, PrivateKey, SessionKey};
use joylink::lan::{self, LanKeys};
use joylink::wan::{self, WanKeys};
use joylink::wire::lan::{
    JsonControlRequest, JsonControlResponse, Message as Lan, ScanRequest, ScanStatus, Stream,
    Timestamped, WriteKeyData, WriteKeyRequest,
};
use joylink::wire::wan::{AuthResponse, Heartbeat, Timestamped as WanTimestamped, WanMessage};
use joylink::wire::{CrcPolicy, Direction, HEADER_LEN, Header, Magic, PacketType, Secret, crc16};
use joylink::{Keys, Message};
use joylink_test_vectors::TestRng;
use proptest::prelude::*;

/// Every key either side holds.
struct Fixture {
    local_key: LocalKey,
    app: KeyPair,
    device: KeyPair,
    access_key: AccessKey,
    session_key: SessionKey,
    other_session_key: SessionKey,
    /// Valid packets: (network, the direction they travel, bytes).
    packets: Vec<(Magic, Direction, Vec<u8>)>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut f = Fixture {
            local_key: "d2fd57fd06c7ef0bf04f69db14ab707f".parse().unwrap(),
            app: KeyPair::from_private_key(PrivateKey::from_bytes(&[0x11; 20]).unwrap()),
            device: KeyPair::from_private_key(PrivateKey::from_bytes(&[0x22; 20]).unwrap()),
            access_key: "9da83e47290bb79a82f2e36f9dff0520".parse().unwrap(),
            session_key: SessionKey::new([7; 32]),
            other_session_key: SessionKey::new([8; 32]),
            packets: Vec::new(),
        };
        let local = LanKeys {
            local_key: Some(&f.local_key),
            ..LanKeys::default()
        };
        let to_device = LanKeys {
            key_pair: Some(&f.app),
            peer_key: Some(f.device.public_key()),
            ..LanKeys::default()
        };
        let mut packets = Vec::new();
        let lan_packets = [
            (
                Lan::JsonControl(Timestamped {
                    timestamp: 1_571_171_104,
                    body: JsonControlRequest::snapshot(),
                }),
                local,
                Direction::ToDevice,
            ),
            (
                Lan::JsonControlResponse(Timestamped {
                    timestamp: 1_700_000_000,
                    body: JsonControlResponse::success(vec![Stream::new("switch", 1)]),
                }),
                local,
                Direction::FromDevice,
            ),
            (
                Lan::WriteKeyRequest(Timestamped {
                    timestamp: 1_000,
                    body: WriteKeyRequest {
                        data: WriteKeyData::new(
                            "7882708419766653",
                            "961745eaa28c7ff6854b94a91ce19a91",
                            "be4d957a4da771d609ab383e548014a0",
                        ),
                    },
                }),
                to_device,
                Direction::ToDevice,
            ),
            (
                Lan::ScanRequest(ScanRequest::new(Some("5708AB"), ScanStatus::All)),
                LanKeys::default(),
                Direction::ToDevice,
            ),
        ];
        for (m, keys, dir) in &lan_packets {
            packets.push((Magic::Lan, *dir, lan::seal_vec(m, keys).unwrap()));
        }
        let wan_keys = WanKeys {
            access_key: &f.access_key,
            session_key: Some(&f.session_key),
        };
        let json = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;
        for m in [
            WanMessage::Heartbeat(Heartbeat {
                timestamp: 1_700_000_000,
                version: 1,
                rssi: 1,
            }),
            WanMessage::Upload(WanTimestamped {
                timestamp: 1_700_000_000,
                body: &json[..],
            }),
        ] {
            let mut buf = vec![0u8; 256];
            let n = wan::seal(&m, &wan_keys, &[], &mut buf).unwrap();
            buf.truncate(n);
            packets.push((Magic::Wan, Direction::FromDevice, buf));
        }
        let mut buf = vec![0u8; 256];
        let sent = wan::seal_auth_request(
            b"6641580686479541614",
            &f.access_key,
            1_700_000_000,
            &mut TestRng(1),
            &mut buf,
        )
        .unwrap();
        buf.truncate(sent.len);
        packets.push((Magic::Wan, Direction::FromDevice, buf));
        let response = AuthResponse {
            timestamp: 1_700_000_001,
            random: 42,
            session_key: Secret::new([7; 32]),
        };
        let mut buf = vec![0u8; 256];
        let n = wan::seal_auth_response(&response, &f.access_key, &mut buf).unwrap();
        buf.truncate(n);
        packets.push((Magic::Wan, Direction::ToDevice, buf));
        f.packets = packets;
        f
    })
}

/// The key choices a LAN receiver may hold; the last one opens every LAN fixture packet.
fn lan_key_choices(f: &Fixture) -> [LanKeys<'_>; 5] {
    let all = LanKeys {
        local_key: Some(&f.local_key),
        key_pair: Some(&f.device),
        ..LanKeys::default()
    };
    [
        LanKeys::default(),
        LanKeys {
            key_pair: Some(&f.app),
            peer_key: Some(f.device.public_key()),
            ..LanKeys::default()
        },
        LanKeys {
            iv_compat: IvCompat::LegacyStrncpy,
            ..all
        },
        LanKeys {
            local_key: Some(&f.local_key),
            ..LanKeys::default()
        },
        all,
    ]
}

/// The key choices a WAN receiver may hold; the last one opens every WAN fixture packet.
fn wan_key_choices(f: &Fixture) -> [WanKeys<'_>; 3] {
    [
        WanKeys {
            access_key: &f.access_key,
            session_key: None,
        },
        WanKeys {
            access_key: &f.access_key,
            session_key: Some(&f.other_session_key),
        },
        WanKeys {
            access_key: &f.access_key,
            session_key: Some(&f.session_key),
        },
    ]
}

/// One open call's outcome: the typed message (as its debug text, so that it outlives the
/// buffer) or the error.
type Outcome = Result<String, joylink::Error>;

/// Runs every open function with every key choice on a copy of `packet` (none may panic: a
/// panic fails the test) and returns the outcomes, each with the name of the call.
fn open_everywhere(packet: &[u8], direction: Direction, crc: CrcPolicy) -> Vec<(String, Outcome)> {
    let f = fixture();
    let mut out = Vec::new();
    for (i, keys) in lan_key_choices(f).iter().enumerate() {
        let mut b = packet.to_vec();
        let r = lan::open(&mut b, keys, direction, crc).map(|o| format!("{:?}", o.message));
        out.push((format!("lan::open keys {i}"), r));
        let mut b = packet.to_vec();
        let r = lan::open_lenient(&mut b, keys, direction, crc).map(|o| format!("{:?}", o.message));
        out.push((format!("lan::open_lenient keys {i}"), r));
        let mut b = packet.to_vec();
        let r = joylink::open(&mut b, &Keys::Lan(*keys), direction, crc)
            .map(|o| format!("{:?}", o.message));
        out.push((format!("joylink::open lan keys {i}"), r));
    }
    for (i, keys) in wan_key_choices(f).iter().enumerate() {
        let mut b = packet.to_vec();
        let r = wan::open(&mut b, keys, direction, crc).map(|o| format!("{:?}", o.message));
        out.push((format!("wan::open keys {i}"), r));
        let mut b = packet.to_vec();
        let r = joylink::open(&mut b, &Keys::Wan(*keys), direction, crc)
            .map(|o| format!("{:?}", o.message));
        out.push((format!("joylink::open wan keys {i}"), r));
    }
    out
}

/// Whether the CRC field of `packet` matches its `opt ‖ payload` (as its header sizes them).
fn crc_matches(packet: &[u8]) -> bool {
    let Ok(h) = Header::parse(packet) else {
        return false;
    };
    let end = HEADER_LEN + usize::from(h.opt_len) + usize::from(h.payload_len);
    packet
        .get(HEADER_LEN..end)
        .is_some_and(|covered| crc16(covered) == h.crc)
}

/// A packet whose header is consistent (a magic, the lengths of what follows, a type, an enctype
/// and a CRC matching `opt ‖ payload`) around random opt and payload bytes: it gets past the
/// framing to the key choice, the decryption and the body decoders.
fn framed() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..32),
        prop::collection::vec(any::<u8>(), 0..6),
        any::<u8>(),
        0u8..8,
        any::<[u8; 3]>(),
        any::<bool>(),
    )
        .prop_map(|(lan, opt, blocks, packet_type, enc_type, misc, typical)| {
            // Payloads of whole AES blocks (what decrypts) from the block seeds.
            let payload: Vec<u8> = blocks
                .iter()
                .flat_map(|&s| (0..16u8).map(move |i| s.wrapping_mul(31).wrapping_add(i)))
                .collect();
            let mut p = if lan {
                vec![0xbb, 0x55, 0x34, 0x12]
            } else {
                vec![0xcc, 0x55, 0x34, 0x12]
            };
            // `typical`: the fields a sender writes (version 1, unfragmented); else random.
            let (version, total, index, reserved) = if typical {
                (1, 0, 0, 0)
            } else {
                (misc[0], misc[1], misc[2], misc[0] ^ misc[2])
            };
            p.extend_from_slice(&(opt.len() as u16).to_le_bytes());
            p.extend_from_slice(&(payload.len() as u16).to_le_bytes());
            p.extend_from_slice(&[version, packet_type, total, index, enc_type, reserved]);
            let mut covered = opt.clone();
            covered.extend_from_slice(&payload);
            p.extend_from_slice(&crc16(&covered).to_le_bytes());
            p.extend_from_slice(&covered);
            p
        })
}

/// A change to a packet: bytes XORed with non-zero values, then optionally cut or extended.
#[derive(Debug, Clone)]
struct Mutation {
    flips: Vec<(usize, u8)>,
    resize: Option<(bool, usize)>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        prop::collection::vec((any::<usize>(), 1u8..=255), 0..6),
        prop::option::weighted(0.2, (any::<bool>(), 0usize..40)),
    )
        .prop_map(|(flips, resize)| Mutation { flips, resize })
}

fn apply(packet: &[u8], m: &Mutation) -> Vec<u8> {
    let mut p = packet.to_vec();
    for &(at, x) in &m.flips {
        let i = at % p.len();
        p[i] ^= x;
    }
    match m.resize {
        Some((true, n)) => p.truncate(p.len().saturating_sub(n + 1)),
        Some((false, n)) => p.extend((0..=n).map(|i| i as u8)),
        None => {}
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any bytes at all, under every CRC policy and both directions.
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        to_device: bool,
        crc in prop::sample::select(vec![CrcPolicy::Verify, CrcPolicy::Report, CrcPolicy::Ignore]),
    ) {
        let dir = if to_device { Direction::ToDevice } else { Direction::FromDevice };
        for (_, r) in open_everywhere(&bytes, dir, crc) {
            if r.is_ok() && crc == CrcPolicy::Verify {
                prop_assert!(crc_matches(&bytes));
            }
        }
    }

    /// Random packets that pass the framing and the CRC reach the decryption and the decoders.
    #[test]
    fn framed_random_packets_never_panic(packet in framed(), to_device: bool) {
        let dir = if to_device { Direction::ToDevice } else { Direction::FromDevice };
        prop_assert!(crc_matches(&packet));
        for crc in [CrcPolicy::Verify, CrcPolicy::Ignore] {
            let _ = open_everywhere(&packet, dir, crc);
        }
    }

    /// Mutations of valid packets: no panic under any policy, and under `Verify` nothing opens
    /// unless its CRC matches its `opt ‖ payload` (a changed covered byte passes only as a
    /// collision). An unchanged packet opens to its message with the full keys.
    #[test]
    fn mutated_valid_packets_never_panic_nor_open_past_the_crc(
        which in any::<prop::sample::Index>(),
        m in mutation(),
    ) {
        let f = fixture();
        let (_, dir, packet) = &f.packets[which.index(f.packets.len())];
        let mutated = apply(packet, &m);
        let want = open_everywhere(packet, *dir, CrcPolicy::Verify);
        for crc in [CrcPolicy::Verify, CrcPolicy::Report, CrcPolicy::Ignore] {
            let got = open_everywhere(&mutated, *dir, crc);
            if crc != CrcPolicy::Verify {
                continue;
            }
            for ((name, r), (_, w)) in got.iter().zip(&want) {
                if mutated == *packet {
                    prop_assert_eq!(
                        r.as_ref().ok(), w.as_ref().ok(), "{}: unchanged bytes open alike", name
                    );
                }
                if r.is_ok() {
                    prop_assert!(crc_matches(&mutated), "{}: opened past the CRC", name);
                }
            }
        }
    }

    /// A change of one byte, or of two adjacent bytes, after the header (a burst of at most 16
    /// bits, always detected by CRC-16) is refused under `Verify` by every open function and key
    /// choice, and none of them panics under `Report` or `Ignore`.
    #[test]
    fn short_burst_in_opt_or_payload_is_refused_under_verify(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        first in 1u8..=255,
        second: u8,
    ) {
        let f = fixture();
        let (_, dir, packet) = &f.packets[which.index(f.packets.len())];
        let mut mutated = packet.clone();
        let i = HEADER_LEN + at.index(packet.len() - HEADER_LEN);
        mutated[i] ^= first;
        if let Some(b) = mutated.get_mut(i + 1) {
            *b ^= second;
        }
        for (name, r) in open_everywhere(&mutated, *dir, CrcPolicy::Verify) {
            prop_assert!(r.is_err(), "{}: opened with byte {} changed: {:?}", name, i, r);
        }
        for crc in [CrcPolicy::Report, CrcPolicy::Ignore] {
            let _ = open_everywhere(&mutated, *dir, crc);
        }
    }

    /// `Message::parse` on any plaintext, for either network, any type and both directions.
    #[test]
    fn message_parse_never_panics(
        lan: bool,
        packet_type: u8,
        to_device: bool,
        plaintext in prop::collection::vec(any::<u8>(), 0..120),
    ) {
        let network = if lan { Magic::Lan } else { Magic::Wan };
        let dir = if to_device { Direction::ToDevice } else { Direction::FromDevice };
        let _ = Message::parse(network, PacketType::from_value(packet_type), &plaintext, dir);
    }

    /// `Message::parse` on JSON-like LAN bodies behind a timestamp (what reaches the JSON
    /// decoders), and the same text without one.
    #[test]
    fn message_parse_never_panics_on_json_like_bodies(
        packet_type in prop::sample::select(vec![1u8, 2, 3, 4, 5, 6, 7, 8, 101, 102, 103, 104, 105]),
        to_device: bool,
        timestamp: u32,
        body in r#"[{}\[\]":,.\-+eE0-9a-z\\ ]{0,80}"#,
    ) {
        let dir = if to_device { Direction::ToDevice } else { Direction::FromDevice };
        let pt = PacketType::from_value(packet_type);
        let mut plaintext = timestamp.to_le_bytes().to_vec();
        plaintext.extend_from_slice(body.as_bytes());
        let _ = Message::parse(Magic::Lan, pt, &plaintext, dir);
        let _ = Message::parse(Magic::Lan, pt, body.as_bytes(), dir);
    }
}

/// The fixture packets open with the full keys (the mutation tests compare against them).
#[test]
fn fixture_packets_open_with_the_full_keys() {
    let f = fixture();
    for (network, dir, packet) in &f.packets {
        let outcomes = open_everywhere(packet, *dir, CrcPolicy::Verify);
        let full = match network {
            Magic::Lan => "joylink::open lan keys 4",
            Magic::Wan => "joylink::open wan keys 2",
        };
        let (_, r) = outcomes.iter().find(|(n, _)| n == full).unwrap();
        assert!(r.is_ok(), "{network:?} {dir:?}: {r:?}");
    }
}
