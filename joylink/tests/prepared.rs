//! `PreparedWanKeys`: the session key's schedules expanded once; every packet of the session
//! seals and opens without expanding it (counted with a backend that wraps RustCrypto's AES),
//! with the bytes of the plain `WanKeys`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use std::cell::Cell;

use cipher::consts::U16;
use cipher::{
    BlockCipherDecClosure, BlockCipherDecrypt, BlockCipherEncClosure, BlockCipherEncrypt,
    BlockSizeUser, Key, KeyInit, KeySizeUser,
};
use joylink::crypto::{AccessKey, KeyIv, PreparedKey, SessionKey};
use joylink::wan::{self, PreparedWanKeys, WanKeys};
use joylink::wire::wan::{CodeResponse, Heartbeat, WanMessage};
use joylink::wire::{CrcPolicy, Direction, EncType, ResponseCode};

thread_local! {
    static EXPANSIONS: Cell<usize> = const { Cell::new(0) };
}

fn expansions() -> usize {
    EXPANSIONS.with(Cell::get)
}

/// RustCrypto's AES-128, counting key expansions on this thread.
struct Counting(aes::Aes128);

impl KeySizeUser for Counting {
    type KeySize = U16;
}
impl BlockSizeUser for Counting {
    type BlockSize = U16;
}
impl KeyInit for Counting {
    fn new(key: &Key<Self>) -> Self {
        EXPANSIONS.with(|c| c.set(c.get() + 1));
        Counting(aes::Aes128::new(key))
    }
}
impl BlockCipherEncrypt for Counting {
    fn encrypt_with_backend(&self, f: impl BlockCipherEncClosure<BlockSize = U16>) {
        self.0.encrypt_with_backend(f);
    }
}
impl BlockCipherDecrypt for Counting {
    fn decrypt_with_backend(&self, f: impl BlockCipherDecClosure<BlockSize = U16>) {
        self.0.decrypt_with_backend(f);
    }
}

#[test]
fn prepared_session_key_expands_once_and_seals_the_same_bytes() {
    let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse().unwrap();
    let session = SessionKey::new(core::array::from_fn(|i| (i as u8).wrapping_mul(29)));
    let before = expansions();
    let prepared =
        PreparedKey::<Counting>::new(&KeyIv::from_session_key(&session), EncType::SessionKey);
    assert_eq!(expansions(), before + 1);
    let plain = WanKeys {
        access_key: &access_key,
        session_key: Some(&session),
    };
    let keys = PreparedWanKeys {
        access_key: &access_key,
        session_key: Some(&prepared),
    };
    for ts in 0..20u32 {
        let hb = WanMessage::Heartbeat(Heartbeat {
            timestamp: 1_700_000_000 + ts,
            version: 1,
            rssi: 1,
        });
        let mut a = [0u8; 128];
        let n = wan::seal(&hb, &keys, &[], &mut a).unwrap();
        assert_eq!(n, wan::sealed_len(&hb, &keys, 0).unwrap());
        let mut b = [0u8; 128];
        let m = wan::seal(&hb, &plain, &[], &mut b).unwrap();
        assert_eq!(a[..n], b[..m], "the bytes of the one-shot key");
        let got = wan::open(&mut a[..n], &keys, Direction::FromDevice, CrcPolicy::Verify).unwrap();
        assert_eq!(got.message, hb);
        let answer = WanMessage::HeartbeatResponse(CodeResponse {
            timestamp: 1_700_000_000 + ts,
            code: ResponseCode::Success,
        });
        let n = wan::seal(&answer, &plain, &[], &mut b).unwrap();
        let got = wan::open(&mut b[..n], &keys, Direction::ToDevice, CrcPolicy::Verify).unwrap();
        assert_eq!(got.message, answer);
    }
    assert_eq!(expansions(), before + 1, "no key expansion per packet");
}

#[test]
fn prepared_keys_before_auth_seal_only_the_auth_request() {
    let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse().unwrap();
    let keys = PreparedWanKeys {
        access_key: &access_key,
        session_key: None,
    };
    let hb = WanMessage::Heartbeat(Heartbeat {
        timestamp: 1,
        version: 1,
        rssi: 1,
    });
    assert!(matches!(
        wan::seal(&hb, &keys, &[], &mut [0u8; 128]),
        Err(joylink::Error::MissingKey { .. })
    ));
}
