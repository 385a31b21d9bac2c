//! Arbitrary bytes through the facade's entry points, as a device, gateway or cloud calls them:
//! `joylink::lan::open` and `open_lenient`, `joylink::wan::open`, `joylink::open`, each in both
//! directions with the CRC verified and ignored (ignored lets the fuzzer reach the decryption),
//! and `Message::parse` of the bytes as the plaintext of every packet type on both networks.
//! Each returns `Ok` or a typed error and never panics; a decryption failure (`Decrypt`, the one
//! error for a wrong key, bad padding or a short struct) leaves the payload zeroed; a successful
//! open of an unchanged buffer opens again to the same message.
#![no_main]

use joylink::crypto::{AccessKey, LocalKey, SessionKey};
use joylink::lan::{self, LanKeys};
use joylink::wan::{self, WanKeys};
use joylink::wire::{CrcPolicy, Direction, HEADER_LEN, Header, Magic, PacketType};
use joylink::{Error, Keys, Message};
use libfuzzer_sys::fuzz_target;

/// The payload of `buf` (after header and opt) is all zeros, when the header says where it is.
fn payload_wiped(buf: &[u8]) -> bool {
    let Ok(h) = Header::parse(buf) else {
        return true;
    };
    buf.get(HEADER_LEN + usize::from(h.opt_len)..)
        .is_none_or(|p| p.iter().all(|&b| b == 0))
}

/// What an open left: the message it read (as text, so the buffer's borrow ends), or whether it
/// failed at decryption.
fn outcome<T: core::fmt::Debug>(r: joylink::Result<T>) -> (Option<String>, bool) {
    match r {
        Ok(o) => (Some(format!("{o:?}")), false),
        Err(e) => (None, e == Error::Crypto(joylink::crypto::Error::Decrypt)),
    }
}

/// Checks one open of `data` (`open` returns its [`outcome`]): a decryption failure wiped the payload; a success opens again, from
/// the same bytes, to the same result.
fn check(what: &str, data: &[u8], open: impl Fn(&mut [u8]) -> (Option<String>, bool)) {
    let mut buf = data.to_vec();
    let (opened, decrypt_failed) = open(&mut buf);
    if decrypt_failed {
        assert!(
            payload_wiped(&buf),
            "{what}: a decryption failure left the payload"
        );
    }
    if let Some(first) = opened {
        let mut again = data.to_vec();
        let (second, _) = open(&mut again);
        assert_eq!(
            second.as_deref(),
            Some(first.as_str()),
            "{what}: not the same twice"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let local: LocalKey = "d2fd57fd06c7ef0bf04f69db14ab707f".parse().unwrap();
    let access: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse().unwrap();
    let session = SessionKey::new([0x5a; 32]);
    // No key pair: ECDH itself is fuzzed by `public_key`; keep this target fast.
    let lan_keys = LanKeys {
        local_key: Some(&local),
        ..LanKeys::default()
    };
    let wan_keys = WanKeys {
        access_key: &access,
        session_key: Some(&session),
    };
    for direction in [Direction::ToDevice, Direction::FromDevice] {
        for crc in [CrcPolicy::Verify, CrcPolicy::Ignore] {
            check("lan::open", data, |b| {
                outcome(lan::open(b, &lan_keys, direction, crc))
            });
            check("lan::open_lenient", data, |b| {
                outcome(lan::open_lenient(b, &lan_keys, direction, crc))
            });
            check("wan::open", data, |b| {
                outcome(wan::open(b, &wan_keys, direction, crc))
            });
            for keys in [Keys::Lan(lan_keys), Keys::Wan(wan_keys)] {
                check("joylink::open", data, |b| {
                    outcome(joylink::open(b, &keys, direction, crc))
                });
            }
        }
        // The bytes as a decrypted plaintext of each type (what follows a successful open).
        for network in [Magic::Lan, Magic::Wan] {
            for t in 0..=u8::MAX {
                let _ = Message::parse(network, PacketType::from(t), data, direction);
            }
        }
    }
});
