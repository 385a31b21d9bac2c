//! One error for every failure once decryption starts, and nothing decrypted left behind
//! (issue 13 items 2 and 3). Each case failed on the code before: a plaintext shorter than its
//! timestamp gave `Wire(Truncated)` instead of `Decrypt`, and a failed open left the decrypted
//! bytes in the caller's buffer.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use joylink_crypto::{Error, LocalKey, Mode, OpenOptions, open, seal};
use joylink_wire::{CrcPolicy, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse};

fn key() -> LocalKey {
    "be4d957a4da771d609ab383e548014a0".parse().unwrap()
}

/// A sealed packet whose plaintext is `plaintext` exactly (no timestamp added).
fn sealed(mode: &Mode<'_>, plaintext: &[u8]) -> Vec<u8> {
    let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::None);
    let mut buf = vec![0u8; HEADER_LEN + plaintext.len() + 16];
    buf[HEADER_LEN..HEADER_LEN + plaintext.len()].copy_from_slice(plaintext);
    let n = seal(&header, mode, 0, plaintext.len(), &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn open_default(buf: &mut [u8], mode: &Mode<'_>) -> Result<Option<u32>, Error> {
    let p = PartialParse::new(buf, CrcPolicy::Verify)?;
    open(p, mode, OpenOptions::new()).map(|o| o.timestamp)
}

#[test]
fn short_plaintext_is_the_same_error_as_bad_padding_and_is_wiped() {
    let k = key();
    let mode = Mode::LocalKey(&k);
    for len in 0..4 {
        let secret = [0x5a; 3];
        let mut buf = sealed(&mode, &secret[..len]);
        assert_eq!(
            open_default(&mut buf, &mode),
            Err(Error::Decrypt),
            "len {len}"
        );
        assert!(
            buf[HEADER_LEN..].iter().all(|&b| b == 0),
            "len {len}: {buf:?}"
        );
        // The header is still there (it was never secret).
        assert_eq!(&buf[..4], &[0xbb, 0x55, 0x34, 0x12]);
    }
    // Without a timestamp, the same plaintexts open fine.
    let mut buf = sealed(&mode, b"ab");
    let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
    let o = open(p, &mode, OpenOptions::new().timestamp(false)).unwrap();
    assert_eq!((o.timestamp, &*o.plaintext), (None, &b"ab"[..]));
}

#[test]
fn wrong_key_wipes_the_payload_and_nothing_else_changes_on_other_errors() {
    let k = key();
    let mode = Mode::LocalKey(&k);
    let mut plaintext = 1_700_000_000u32.to_le_bytes().to_vec();
    plaintext.extend_from_slice(br#"{"cmd":4,"secret":"s3cr3t s3cr3t s3cr3t"}"#);
    let packet = sealed(&mode, &plaintext);

    // A key whose decryption fails the padding check: `Decrypt`, payload all zero.
    let mut failures = 0;
    for i in 0..64u8 {
        let s = format!(
            "{:032x}",
            u128::from(i) * 0x0101_0101_0101_0101_0101_0101_0101_0101
        );
        let wrong: LocalKey = s.parse().unwrap();
        let mut buf = packet.clone();
        // A wrong key yields a valid-looking padding with a chance of about 1/256.
        if let Err(e) = open_default(&mut buf, &Mode::LocalKey(&wrong)) {
            assert_eq!(e, Error::Decrypt);
            assert!(buf[HEADER_LEN..].iter().all(|&b| b == 0));
            assert_eq!(&buf[..HEADER_LEN], &packet[..HEADER_LEN]);
            failures += 1;
        }
    }
    assert!(failures > 50, "{failures}");

    // Errors before decryption leave the buffer exactly as it was.
    let mut buf = packet.clone();
    let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
    let session = joylink_crypto::SessionKey::new([1; 32]);
    assert!(matches!(
        open(p, &Mode::Session(&session), OpenOptions::new()),
        Err(Error::EncTypeMismatch { .. })
    ));
    assert_eq!(buf, packet);
}

#[test]
fn enctype_0_short_plaintext_is_truncated_and_untouched() {
    // Nothing is decrypted in clear: the plaintext is the packet, so it is not wiped.
    let mut buf = sealed(&Mode::None, b"ab");
    let before = buf.clone();
    assert!(matches!(
        open_default(&mut buf, &Mode::None),
        Err(Error::Wire(joylink_wire::Error::Truncated { .. }))
    ));
    assert_eq!(buf, before);
}

#[test]
fn min_len_is_the_same_error_too() {
    let k = key();
    let mode = Mode::LocalKey(&k);
    let mut buf = sealed(&mode, &[9u8; 43]);
    let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
    assert_eq!(
        open(p, &mode, OpenOptions::new().timestamp(false).min_len(44)).err(),
        Some(Error::Decrypt)
    );
    assert!(buf[HEADER_LEN..].iter().all(|&b| b == 0));
    let mut buf = sealed(&mode, &[9u8; 44]);
    let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
    let o = open(p, &mode, OpenOptions::new().min_len(44)).unwrap();
    assert_eq!(o.plaintext.len(), 44);
}

#[test]
fn reject_wipes_plaintext_and_padding() {
    let k = key();
    let mode = Mode::LocalKey(&k);
    let mut buf = sealed(&mode, b"\x01\x02\x03\x04secret");
    let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
    let o = open(p, &mode, OpenOptions::new()).unwrap();
    assert_eq!(o.body(), b"secret");
    assert_eq!(o.reject(), Error::Decrypt);
    assert!(buf[HEADER_LEN..].iter().all(|&b| b == 0));
}

/// A struct parser that needs `n` bytes: `Truncated` below, `Ok` from `n` on.
fn needs(n: usize) -> impl Fn(&[u8]) -> joylink_wire::Result<()> {
    move |p: &[u8]| {
        if p.len() < n {
            Err(joylink_wire::Error::Truncated {
                needed: n,
                available: p.len(),
            })
        } else {
            Ok(())
        }
    }
}

#[test]
fn refuse_short_is_the_same_error_for_any_length_and_clear_payloads_keep_truncated() {
    let k = key();
    let mode = Mode::LocalKey(&k);
    for len in [4usize, 5, 15, 16, 17, 40] {
        // One byte short of what the parser needs: Decrypt, payload wiped.
        let mut buf = sealed(&mode, &vec![7u8; len]);
        let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
        let o = open(p, &mode, OpenOptions::new()).unwrap();
        assert_eq!(o.refuse_short(needs(len + 1)).err(), Some(Error::Decrypt));
        assert!(buf[HEADER_LEN..].iter().all(|&b| b == 0), "len {len}");
        // Long enough: the packet comes back untouched.
        let mut buf = sealed(&mode, &vec![7u8; len]);
        let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
        let o = open(p, &mode, OpenOptions::new()).unwrap();
        let o = o.refuse_short(needs(len)).unwrap();
        assert_eq!(o.plaintext.len(), len);
    }
    // Another parse error is the caller's to report, not a Decrypt.
    let mut buf = sealed(&mode, &[7u8; 8]);
    let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
    let o = open(p, &mode, OpenOptions::new()).unwrap();
    assert!(
        o.refuse_short(|_| Err(joylink_wire::Error::TrailingData { what: "x", len: 1 }))
            .is_ok()
    );
    // A clear payload: nothing secret, the packet comes back for the caller's Truncated.
    let none = Mode::None;
    let mut buf = sealed(&none, &[7u8; 8]);
    let p = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
    let o = open(p, &none, OpenOptions::new()).unwrap();
    assert!(o.refuse_short(needs(9)).is_ok());
}
