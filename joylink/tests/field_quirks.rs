//! The APP side against shipped modules outside JD's 2.0.19 SDK (compat §16): packets in their
//! layouts, read by `lan::open_lenient`, which says which quirk it needed; `lan::open` stays strict.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::expect_used,
    clippy::arithmetic_side_effects
)]

use joylink::crypto::{IvCompat, KeyIv, KeyPair, LocalKey, Mode, SharedSecret};
use joylink::lan::{self, LanKeys, Quirk};
use joylink::wire::lan::{Message, Timestamped, WriteKeyData, WriteKeyRequest};
use joylink::wire::{CrcPolicy, Direction, EncType, Header, Magic, PacketType};
use joylink_test_vectors::TestRng;

const LOCALKEY: &str = "be4d957a4da771d609ab383e548014a0";

/// A packet of `packet_type` / `enc_type` whose plaintext is exactly `plain` (built by hand).
fn sealed(packet_type: PacketType, mode: &Mode<'_>, plain: &[u8]) -> Vec<u8> {
    let header = Header::new(Magic::Lan, packet_type, mode.enc_type());
    let mut out = vec![0u8; joylink::crypto::sealed_len(mode, 0, plain.len())];
    out[16..16 + plain.len()].copy_from_slice(plain);
    let n = joylink::crypto::seal(&header, mode, 0, plain.len(), &mut out).unwrap();
    out.truncate(n);
    out
}

fn lenient<'a>(p: &'a mut [u8], keys: &LanKeys<'_>) -> joylink::lan::OpenedLan<'a> {
    lan::open_lenient(p, keys, Direction::FromDevice, CrcPolicy::Verify).unwrap()
}

/// compat §16.1: the HiFlying port answers a type-4 command with the control-response layout
/// under type 3 (`ts+5 ‖ biz 102 ‖ serial ‖ JSON`), and a type-3 command with bare JSON.
#[test]
fn hiflying_type_3_replies() {
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let keys = LanKeys {
        local_key: Some(&key),
        ..LanKeys::default()
    };
    let mode = Mode::LocalKey(&key);
    let json = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;
    let mut plain = (1_700_000_000u32 + 5).to_le_bytes().to_vec();
    plain.extend_from_slice(&102u32.to_le_bytes());
    plain.extend_from_slice(&7u32.to_le_bytes());
    plain.extend_from_slice(json);
    let p = sealed(PacketType::JsonControl, &mode, &plain);
    assert!(
        lan::open(
            &mut p.clone(),
            &keys,
            Direction::FromDevice,
            CrcPolicy::Verify
        )
        .is_err()
    );
    let mut q = p.clone();
    let got = lenient(&mut q, &keys);
    assert_eq!(got.quirk, Some(Quirk::ScriptLayoutUnderJsonType));
    let Message::ScriptControlResponse(r) = got.message else {
        panic!()
    };
    assert_eq!((r.serial, r.data), (7, &json[..]));

    let bare = br#"{"code":0,"data":[{"stream_id":"power","current_value":"1"}]}"#;
    let mut q = sealed(PacketType::JsonControl, &mode, bare);
    let got = lenient(&mut q, &keys);
    assert_eq!(got.quirk, Some(Quirk::NoTimestamp));
    assert!(matches!(got.message, Message::JsonControlResponse(t) if t.timestamp == 0));

    // The spec layout reads without a quirk.
    let mut spec = 9u32.to_le_bytes().to_vec();
    spec.extend_from_slice(bare);
    let mut q = sealed(PacketType::JsonControl, &mode, &spec);
    assert_eq!(lenient(&mut q, &keys).quirk, None);
}

/// compat §16.2: a write-key answer behind a 4-byte prefix, with E17's `"success"`.
#[test]
fn write_key_reply_with_prefix() {
    let mut plain = vec![0, 0, 0, 0];
    plain.extend_from_slice(br#"{"code":0,"msg":"success"}"#);
    let p = sealed(PacketType::WriteKey, &Mode::None, &plain);
    let keys = LanKeys::default();
    assert!(
        lan::open(
            &mut p.clone(),
            &keys,
            Direction::FromDevice,
            CrcPolicy::Verify
        )
        .is_err()
    );
    let mut q = p.clone();
    let got = lenient(&mut q, &keys);
    assert_eq!(got.quirk, Some(Quirk::WriteKeyPrefix));
    assert!(matches!(got.message, Message::WriteKeyResponse(r) if r.is_success()));
}

/// compat §16.1: the HiFlying scan reply before activation (string code, numeric msg, no CID,
/// `noSnapShort`, a two-member `d_idt`, empty devkey) opens strictly and leniently alike.
#[test]
fn hiflying_scan_reply() {
    let text = br#"{"code":"scan ok","msg":0,"devkey":"","mac":"ACCF23A1B2C3","productuuid":"5708AB","feedid":"","lancon":1,"trantype":1,"devtype":0,"noSnapShort":1,"d_idt":{"d_s":"AB","d_r":"0123456789abcdef0123456789abcd"}}"#;
    let p = sealed(PacketType::Scan, &Mode::None, text);
    for strict in [true, false] {
        let mut q = p.clone();
        let keys = LanKeys::default();
        let got = if strict {
            lan::open(&mut q, &keys, Direction::FromDevice, CrcPolicy::Verify).unwrap()
        } else {
            lenient(&mut q, &keys)
        };
        assert_eq!((got.quirk, got.peer_key), (None, None));
        let Message::ScanResponse(r) = got.message else {
            panic!()
        };
        assert_eq!((&*r.mac, r.cid), ("ACCF23A1B2C3", None));
        assert_eq!(r.no_snap_short, Some(1));
    }
}

/// A device / app key pair whose ECDH IV (secret bytes 4..20) changes when cut at its first
/// 0x00, found by trying seeds.
fn pairs_with_a_nul_in_the_iv() -> (KeyPair, KeyPair, SharedSecret) {
    for seed in 0..100_000u64 {
        let device = KeyPair::generate(&mut TestRng(seed));
        let app = KeyPair::generate(&mut TestRng(seed.wrapping_mul(7919).wrapping_add(1)));
        let secret = app.private_key().diffie_hellman(device.public_key());
        let iv = &secret.raw_secret_bytes()[4..20];
        let Some(nul) = iv.iter().position(|&b| b == 0) else {
            continue;
        };
        if iv[nul..].iter().any(|&b| b != 0) {
            return (device, app, secret);
        }
    }
    panic!("no seed gives a 0x00 in the IV");
}

/// compat §3.1, §16.1: a type-2 packet sealed with the IV cut at its first 0x00 (the `strncpy`
/// copy of SDKs ≤ 2.0.12) opens only by the retry, which reports the quirk; the keys then carry
/// it for the next packets.
#[test]
fn truncated_iv_retry() {
    let (device, app, secret) = pairs_with_a_nul_in_the_iv();
    let standard = KeyIv::from_shared_secret(&secret);
    let legacy = KeyIv::from_shared_secret(&secret.clone().with_iv_compat(IvCompat::LegacyStrncpy));
    assert_ne!(standard.raw_secret_iv(), legacy.raw_secret_iv());
    // A fresh value at each use: the documents are invariant in their lifetime, so the one
    // compared with the opened message must borrow as long as it does.
    fn write_key_request<'a>() -> Message<'a> {
        Message::WriteKeyRequest(Timestamped {
            timestamp: 1_000,
            body: WriteKeyRequest {
                data: WriteKeyData::new(
                    "7882708419766653",
                    "961745eaa28c7ff6854b94a91ce19a91",
                    LOCALKEY,
                ),
            },
        })
    }
    let request = write_key_request();
    let old = LanKeys {
        key_pair: Some(&app),
        peer_key: Some(device.public_key()),
        iv_compat: IvCompat::LegacyStrncpy,
        ..LanKeys::default()
    };
    let p = lan::seal_vec(&request, &old).unwrap();
    let h = joylink::wire::parse(&p, CrcPolicy::Verify).unwrap().header;
    assert_eq!(h.enc_type, EncType::Ecdh);
    let receiver = LanKeys {
        key_pair: Some(&device),
        ..LanKeys::default()
    };
    // Strict: the first block is garbage (timestamp and the first 12 JSON bytes), no JSON.
    assert!(
        lan::open(
            &mut p.clone(),
            &receiver,
            Direction::ToDevice,
            CrcPolicy::Verify
        )
        .is_err()
    );
    let mut q = p.clone();
    let got = lan::open_lenient(&mut q, &receiver, Direction::ToDevice, CrcPolicy::Verify).unwrap();
    assert_eq!(got.quirk, Some(Quirk::TruncatedIv));
    assert_eq!(got.message, write_key_request());
    // Remembered: the legacy IV opens strictly.
    let remembered = LanKeys {
        iv_compat: IvCompat::LegacyStrncpy,
        ..receiver
    };
    let mut q = p.clone();
    assert!(lan::open(&mut q, &remembered, Direction::ToDevice, CrcPolicy::Verify).is_ok());
    // A standard packet from the same keys needs no retry.
    let new = LanKeys {
        iv_compat: IvCompat::Standard,
        ..old
    };
    let mut q = lan::seal_vec(&request, &new).unwrap();
    let got = lan::open_lenient(&mut q, &receiver, Direction::ToDevice, CrcPolicy::Verify).unwrap();
    assert_eq!(got.quirk, None);
    // Garbage stays one decrypt error.
    let mut bad = p.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x55;
    assert!(
        lan::open_lenient(&mut bad, &receiver, Direction::ToDevice, CrcPolicy::Ignore).is_err()
    );
}
