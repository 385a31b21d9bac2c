//! The prepared path: key expansions are counted with a backend that wraps RustCrypto's AES and
//! counts `KeyInit::new` calls. A prepared key expands once; sealing and opening packets with it
//! expands nothing, and gives the same bytes as the one-shot modes (golden vectors included).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use std::sync::atomic::{AtomicUsize, Ordering};

use cipher::consts::U16;
use cipher::{
    BlockCipherDecClosure, BlockCipherDecrypt, BlockCipherEncClosure, BlockCipherEncrypt,
    BlockSizeUser, Key, KeyInit, KeySizeUser,
};
use joylink_crypto::{
    KeyIv, LocalKey, Mode, OpenOptions, PreparedKey, SessionKey, cbc, open, seal,
};
use joylink_wire::{CrcPolicy, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse};

static EXPANSIONS: AtomicUsize = AtomicUsize::new(0);

/// RustCrypto's AES-128, counting key expansions (a firmware's hardware AES would plug in the
/// same way: the three `cipher` traits).
struct Counting(aes::Aes128);

impl KeySizeUser for Counting {
    type KeySize = U16;
}
impl BlockSizeUser for Counting {
    type BlockSize = U16;
}
impl KeyInit for Counting {
    fn new(key: &Key<Self>) -> Self {
        EXPANSIONS.fetch_add(1, Ordering::SeqCst);
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

fn seal_body(mode: &Mode<'_>, body: &[u8], buf: &mut [u8]) -> usize {
    let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);
    buf[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&1_700_000_000u32.to_le_bytes());
    buf[HEADER_LEN + 4..HEADER_LEN + 4 + body.len()].copy_from_slice(body);
    seal(&header, mode, 0, 4 + body.len(), buf).unwrap()
}

/// One test owns the counter (tests run in parallel threads; the others do not use `Counting`).
#[test]
fn prepared_path_expands_the_key_once_and_never_per_packet() {
    let key: LocalKey = "be4d957a4da771d609ab383e548014a0".parse().unwrap();
    let before = EXPANSIONS.load(Ordering::SeqCst);
    let prepared = PreparedKey::<Counting>::new(&KeyIv::from_local_key(&key), EncType::PreShared);
    assert_eq!(EXPANSIONS.load(Ordering::SeqCst) - before, 1);
    let mode = Mode::Prepared(&prepared);
    let after_prepare = EXPANSIONS.load(Ordering::SeqCst);
    for len in [0usize, 1, 15, 16, 60, 252, 1020] {
        let body = vec![0x5a; len];
        let mut buf = vec![0u8; HEADER_LEN + 4 + len + 16];
        let n = seal_body(&mode, &body, &mut buf);
        // The same bytes as the one-shot mode.
        let mut one_shot = vec![0u8; buf.len()];
        let m = seal_body(&Mode::LocalKey(&key), &body, &mut one_shot);
        assert_eq!(buf[..n], one_shot[..m], "len {len}");
        let packet = PartialParse::new(&mut buf[..n], CrcPolicy::Verify).unwrap();
        let opened = open(packet, &mode, OpenOptions::new()).unwrap();
        assert_eq!(opened.body(), &body[..]);
    }
    assert_eq!(
        EXPANSIONS.load(Ordering::SeqCst),
        after_prepare,
        "no key expansion per packet on the prepared path"
    );
    // The one-shot path on the same backend expands once per call: what the prepared key saves.
    let k = KeyIv::from_local_key(&key);
    let mut block = [0u8; 32];
    for _ in 0..3 {
        PreparedKey::<Counting>::new(&k, EncType::PreShared)
            .encrypt_in_place(&mut block, 5)
            .unwrap();
    }
    assert_eq!(EXPANSIONS.load(Ordering::SeqCst), after_prepare + 3);
}

#[test]
fn prepared_key_equals_the_one_shot_functions_and_fails_the_same_way() {
    let s = SessionKey::new(core::array::from_fn(|i| i as u8 * 7 + 1));
    let prepared = PreparedKey::from_session_key(&s);
    assert_eq!(Mode::Prepared(&prepared).enc_type(), EncType::SessionKey);
    let k = KeyIv::from_session_key(&s);
    for len in 0..70 {
        let mut a = vec![0xc3u8; 96];
        let mut b = a.clone();
        let na = prepared.encrypt_in_place(&mut a, len).unwrap();
        let nb = cbc::encrypt_in_place(&k, &mut b, len).unwrap();
        assert_eq!((na, &a[..na]), (nb, &b[..nb]), "len {len}");
        assert_eq!(prepared.decrypt_in_place(&mut a[..na]).unwrap().len(), len);
    }
    // Bad length and bad padding: one error, wiped buffer.
    let mut ragged = [9u8; 17];
    assert_eq!(
        prepared.decrypt_in_place(&mut ragged),
        Err(joylink_crypto::Error::Decrypt)
    );
    assert_eq!(ragged, [0; 17]);
    let mut garbage = [0x11u8; 32];
    assert_eq!(
        prepared.decrypt_in_place(&mut garbage),
        Err(joylink_crypto::Error::Decrypt)
    );
    assert_eq!(garbage, [0; 32]);
    // Debug never prints key material.
    assert_eq!(
        format!("{prepared:?}"),
        "PreparedKey { enc_type: SessionKey, .. }"
    );
}
