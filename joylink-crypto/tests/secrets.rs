//! The README's promise about secrets — "zeroized on drop and print as `{ ... }` in `Debug`" —
//! checked for every public type that owns key material, so that dropping a derive, a `Drop` impl
//! or a redacting `Debug` fails a test.
//!
//! | type | wiped on drop | `Debug` |
//! | --- | --- | --- |
//! | [`LocalKey`], [`AccessKey`] | `ZeroizeOnDrop` bound, `Drop` impl bound, `needs_drop`, `zeroize()` clears the bytes | no byte of the key |
//! | [`SessionKey`] | same | same |
//! | [`PrivateKey`] | same | same |
//! | [`SharedSecret`] | same | same |
//! | [`KeyIv`] | same (key and IV) | no byte of key or IV |
//! | [`KeyPair`] | `ZeroizeOnDrop` bound, `needs_drop`; its private field's type is checked by the unit test `ecdh::tests::key_pair_private_field_zeroizes_on_drop` | no byte of the private key (the public key still prints) |
//! | [`PreparedKey`] (on [`aes::Aes128`]) | `ZeroizeOnDrop` bound (needs the `aes` crate's `zeroize` feature), `needs_drop`; its field types are checked by `prepared::tests::secret_fields_zeroize_on_drop`, the IV's [`joylink_wire::Secret`] by that crate's `secret::tests` | no byte of key or IV |
//! | [`Mode`] (borrows one of the above) | nothing owned | no byte of the key it borrows, `Mode::Prepared` included |
//!
//! The "`Drop` impl bound" (`T: Drop`) holds only for a type with its own `impl Drop` (here the
//! one `#[derive(ZeroizeOnDrop)]` writes), not for drop glue: with a manual
//! `impl ZeroizeOnDrop` marker left behind, removing the derive still fails to compile.
//! `zeroize()` clearing the bytes shows that no secret field is `#[zeroize(skip)]`ped (the
//! derived `Drop` skips the same fields). What cannot be observed without `unsafe` — memory after
//! the drop — is left to the `zeroize` crate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink_crypto::{
    AccessKey, KeyIv, KeyPair, LocalKey, Mode, PreparedKey, PrivateKey, SessionKey, SharedSecret,
};
use joylink_test_vectors::{assert_redacted, debug_both as both};
use zeroize::{Zeroize, ZeroizeOnDrop};

fn zeroize_on_drop<T: ZeroizeOnDrop>() {}

/// `T: Drop` holds only for a type with its own `Drop` impl (which is what this checks).
#[allow(drop_bounds)]
fn has_drop_impl<T: Drop>() {}

/// Distinctive bytes: `start`, `start + 1`, ...
fn ramp<const N: usize>(start: u8) -> [u8; N] {
    core::array::from_fn(|i| start + i as u8)
}

/// 32 printable ASCII characters, none repeated, no `.`, space or brace (which `{ ... }` has).
const LOCAL: &[u8; 32] = b"Qx7#Lp2@Vm9!Rk4$Tz6%Wn8^Hy3&Jd5*";
const ACCESS: &[u8; 32] = b"aZ0_bY1-cX2+dW3=eV4~fU5|gT6:hS7;";

#[test]
fn every_secret_type_zeroizes_on_drop() {
    zeroize_on_drop::<LocalKey>();
    zeroize_on_drop::<AccessKey>();
    zeroize_on_drop::<SessionKey>();
    zeroize_on_drop::<PrivateKey>();
    zeroize_on_drop::<SharedSecret>();
    zeroize_on_drop::<KeyIv>();
    zeroize_on_drop::<KeyPair>();
    zeroize_on_drop::<PreparedKey>();
    zeroize_on_drop::<PreparedKey<aes::Aes128>>();

    has_drop_impl::<LocalKey>();
    has_drop_impl::<AccessKey>();
    has_drop_impl::<SessionKey>();
    has_drop_impl::<PrivateKey>();
    has_drop_impl::<SharedSecret>();
    has_drop_impl::<KeyIv>();

    // Plain arrays have no drop glue: each of these runs code on drop only because of a wipe.
    assert!(core::mem::needs_drop::<LocalKey>());
    assert!(core::mem::needs_drop::<AccessKey>());
    assert!(core::mem::needs_drop::<SessionKey>());
    assert!(core::mem::needs_drop::<PrivateKey>());
    assert!(core::mem::needs_drop::<SharedSecret>());
    assert!(core::mem::needs_drop::<KeyIv>());
    assert!(core::mem::needs_drop::<KeyPair>());
    assert!(core::mem::needs_drop::<PreparedKey>());
}

#[test]
fn zeroize_clears_every_secret_byte() {
    let mut k = LocalKey::from_ascii(LOCAL).unwrap();
    k.zeroize();
    assert_eq!(k.raw_secret_bytes(), &[0; 32]);

    let mut k = AccessKey::from_ascii(ACCESS).unwrap();
    k.zeroize();
    assert_eq!(k.raw_secret_bytes(), &[0; 32]);

    let mut k = SessionKey::new(ramp(0x11));
    k.zeroize();
    assert_eq!(k.raw_secret_bytes(), &[0; 32]);

    let mut k = PrivateKey::from_bytes(&ramp(0x11)).unwrap();
    k.zeroize();
    assert_eq!(k.raw_secret_bytes(), &[0; 20]);

    let mut k = SharedSecret::from_bytes(ramp(0x11));
    k.zeroize();
    assert_eq!(k.raw_secret_bytes(), &[0; 20]);

    let mut k = KeyIv::new(ramp(0x11), ramp(0x21));
    k.zeroize();
    assert_eq!(k.raw_secret_key(), &[0; 16]);
    assert_eq!(k.raw_secret_iv(), &[0; 16]);
}

#[test]
fn key_strings_print_redacted() {
    let k = LocalKey::from_ascii(LOCAL).unwrap();
    assert_eq!(format!("{k:?}"), "LocalKey { ... }");
    assert_redacted("LocalKey", &both(&k), LOCAL);
    assert_redacted("Mode::LocalKey", &both(&Mode::LocalKey(&k)), LOCAL);

    let k = AccessKey::from_ascii(ACCESS).unwrap();
    assert_eq!(format!("{k:?}"), "AccessKey { ... }");
    assert_redacted("AccessKey", &both(&k), ACCESS);
    assert_redacted("Mode::AccessKey", &both(&Mode::AccessKey(&k)), ACCESS);
}

#[test]
fn session_key_prints_redacted() {
    let bytes: [u8; 32] = ramp(0x11);
    let k = SessionKey::new(bytes);
    assert_eq!(format!("{k:?}"), "SessionKey { ... }");
    assert_redacted("SessionKey", &both(&k), &bytes);
    assert_redacted("Mode::Session", &both(&Mode::Session(&k)), &bytes);
    let legacy = k.with_iv_compat(joylink_crypto::IvCompat::LegacyStrncpy);
    assert_redacted("SessionKey legacy", &both(&legacy), &bytes);
}

#[test]
fn key_iv_prints_redacted() {
    let key: [u8; 16] = ramp(0x11);
    let iv: [u8; 16] = ramp(0x21);
    let k = KeyIv::new(key, iv);
    assert_eq!(format!("{k:?}"), "KeyIv { ... }");
    let text = both(&k);
    assert_redacted("KeyIv key", &text, &key);
    assert_redacted("KeyIv iv", &text, &iv);
    // The derived ones as well.
    let s = KeyIv::from_session_key(&SessionKey::new(ramp(0x11)));
    assert_redacted("KeyIv from session", &both(&s), &ramp::<32>(0x11));
}

#[test]
fn ecdh_secrets_print_redacted() {
    let d: [u8; 20] = ramp(0x11);
    let private = PrivateKey::from_bytes(&d).unwrap();
    assert_eq!(format!("{private:?}"), "PrivateKey { ... }");
    assert_redacted("PrivateKey", &both(&private), &d);

    let s: [u8; 20] = ramp(0x31);
    let shared = SharedSecret::from_bytes(s);
    assert_eq!(format!("{shared:?}"), "SharedSecret { ... }");
    assert_redacted("SharedSecret", &both(&shared), &s);
    assert_redacted("Mode::Ecdh", &both(&Mode::Ecdh(&shared)), &s);

    let pair = KeyPair::from_private_key(private);
    let text = both(&pair);
    assert_redacted("KeyPair", &text, &d);
    // The public half is not secret and still prints.
    assert!(
        text.contains(pair.public_key().to_devkey().as_str()),
        "{text}"
    );
    // A real secret from a real exchange.
    let real = pair.private_key().diffie_hellman(
        KeyPair::from_private_key(PrivateKey::from_bytes(&[0x5a; 20]).unwrap()).public_key(),
    );
    assert_redacted(
        "SharedSecret (computed)",
        &both(&real),
        real.raw_secret_bytes(),
    );
}

#[test]
fn prepared_keys_print_redacted() {
    let key: [u8; 16] = ramp(0x11);
    let iv: [u8; 16] = ramp(0x21);
    let p: PreparedKey = PreparedKey::new(&KeyIv::new(key, iv), joylink_wire::EncType::SessionKey);
    for text in [both(&p), both(&Mode::Prepared(&p))] {
        assert!(text.contains("SessionKey"), "the enctype prints: {text}");
        assert_redacted("PreparedKey key", &text, &key);
        assert_redacted("PreparedKey iv", &text, &iv);
    }
    let local = LocalKey::from_ascii(LOCAL).unwrap();
    let p = PreparedKey::from_local_key(&local);
    assert_redacted("PreparedKey::from_local_key", &both(&p), LOCAL);
    assert_redacted("Mode::Prepared(local)", &both(&Mode::Prepared(&p)), LOCAL);
}
