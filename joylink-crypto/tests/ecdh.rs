//! ECDH properties: symmetry for random key pairs, distinct errors for invalid public keys,
//! old-firmware IV option.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use joylink_crypto::{Error, IvCompat, KeyIv, KeyPair, Mode, PrivateKey, PublicKey, SharedSecret};
use joylink_test_vectors::{TestRng, hex_field, vectors};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn ecdh_is_symmetric(seed in any::<u64>()) {
        let mut rng = TestRng(seed);
        let a = KeyPair::generate(&mut rng);
        let b = KeyPair::generate(&mut rng);
        let s1 = a.private_key().diffie_hellman(b.public_key());
        let s2 = b.private_key().diffie_hellman(a.public_key());
        prop_assert_eq!(&s1, &s2);
        // The encodings round-trip.
        let c = a.public_key().to_compressed();
        prop_assert_eq!(PublicKey::from_bytes(&c).unwrap(), *a.public_key());
        prop_assert_eq!(PublicKey::from_devkey(a.public_key().to_devkey().as_str()).unwrap(), *a.public_key());
        let dk = a.public_key().to_devkey();
        prop_assert_eq!(&dk.as_bytes()[..], dk.as_str().as_bytes());
        prop_assert_eq!(PublicKey::from_bytes(&a.public_key().to_raw_uncompressed()).unwrap(), *a.public_key());
    }

    #[test]
    fn any_bytes_decode_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..50)) {
        let _ = PublicKey::from_bytes(&bytes);
        if let Ok(s) = core::str::from_utf8(&bytes) {
            let _ = PublicKey::from_devkey(s);
        }
    }

    #[test]
    fn any_private_key_but_zero(bytes in any::<[u8; 20]>()) {
        prop_assume!(bytes != [0; 20]);
        let k = PrivateKey::from_bytes(&bytes).unwrap();
        prop_assert_eq!(k.raw_secret_bytes(), &bytes);
    }
}

fn valid_compressed() -> Vec<u8> {
    hex_field(&vectors("ecdh.json")[0]["public_key_compressed"])
}

#[test]
fn invalid_points_have_distinct_errors() {
    let good = valid_compressed();
    assert!(PublicKey::from_bytes(&good).is_ok());

    // Wrong length.
    assert_eq!(
        PublicKey::from_bytes(&good[..20]),
        Err(Error::PublicKeyLength(20))
    );
    assert_eq!(PublicKey::from_bytes(&[]), Err(Error::PublicKeyLength(0)));
    assert_eq!(
        PublicKey::from_bytes(&[2; 22]),
        Err(Error::PublicKeyLength(22))
    );

    // Bad prefix (micro-ecc would read any even byte as 02).
    for tag in [0u8, 1, 4, 6, 0x12, 0xff] {
        let mut k = good.clone();
        k[0] = tag;
        assert_eq!(
            PublicKey::from_bytes(&k),
            Err(Error::PublicKeyPrefix(tag)),
            "tag {tag}"
        );
    }
    let mut unc = vec![5u8];
    unc.extend(hex_field(&vectors("ecdh.json")[0]["public_key"]));
    assert_eq!(PublicKey::from_bytes(&unc), Err(Error::PublicKeyPrefix(5)));

    // x ≥ p: p itself and 2^160 − 1.
    let mut k = vec![2u8];
    k.extend(hex::decode("ffffffffffffffffffffffffffffffff7fffffff").unwrap());
    assert_eq!(PublicKey::from_bytes(&k), Err(Error::PublicKeyOutOfRange));
    let mut k = vec![3u8];
    k.extend([0xff; 20]);
    assert_eq!(PublicKey::from_bytes(&k), Err(Error::PublicKeyOutOfRange));

    // Off the curve, compressed: an x with no y. Find the first such small x; x³ − 3x + b
    // is a non-residue for about half of all x.
    let mut found = false;
    for x in 1u8..=64 {
        let mut k = vec![2u8; 1];
        k.extend([0u8; 19]);
        k.push(x);
        if PublicKey::from_bytes(&k) == Err(Error::PublicKeyNotOnCurve) {
            found = true;
            break;
        }
    }
    assert!(found, "some small x has no point");

    // Off the curve, uncompressed: valid X with Y + 1.
    let mut raw = hex_field(&vectors("ecdh.json")[0]["public_key"]);
    raw[39] ^= 1;
    assert_eq!(PublicKey::from_bytes(&raw), Err(Error::PublicKeyNotOnCurve));
    // y ≥ p in the uncompressed form.
    let mut raw = hex_field(&vectors("ecdh.json")[0]["public_key"]);
    raw[20..].copy_from_slice(&[0xff; 20]);
    assert_eq!(PublicKey::from_bytes(&raw), Err(Error::PublicKeyOutOfRange));

    // Identity: SEC1's single 00 byte, and micro-ecc's all-zero X‖Y (with or without 04).
    assert_eq!(PublicKey::from_bytes(&[0]), Err(Error::PublicKeyIdentity));
    assert_eq!(
        PublicKey::from_bytes(&[0; 40]),
        Err(Error::PublicKeyIdentity)
    );
    let mut z = vec![4u8];
    z.extend([0u8; 40]);
    assert_eq!(PublicKey::from_bytes(&z), Err(Error::PublicKeyIdentity));

    // devkey: bad hex, wrong length.
    let devkey = hex::encode(&good);
    let mut bad = devkey.clone().into_bytes();
    bad[7] = b'g';
    assert_eq!(
        PublicKey::from_devkey(core::str::from_utf8(&bad).unwrap()),
        Err(Error::PublicKeyHex { index: 7 })
    );
    assert_eq!(
        PublicKey::from_devkey(&devkey[..40]),
        Err(Error::PublicKeyLength(40))
    );
    assert_eq!(
        PublicKey::from_devkey(&devkey.to_uppercase()).unwrap(),
        PublicKey::from_devkey(&devkey).unwrap()
    );

    // Zero private key.
    assert_eq!(
        PrivateKey::from_bytes(&[0; 20]).unwrap_err(),
        Error::PrivateKeyZero
    );
}

#[test]
fn secrets_print_redacted() {
    let k = PrivateKey::from_bytes(&[7; 20]).unwrap();
    assert_eq!(format!("{k:?}"), "PrivateKey { ... }");
    let s = k.diffie_hellman(&k.public_key());
    assert_eq!(format!("{s:?}"), "SharedSecret { ... }");
    assert!(
        format!("{:?}", KeyPair::from_private_key(k)).starts_with("KeyPair { public: PublicKey(\"")
    );
}

/// compat §3.1 — SDK ≤ 2.0.12 truncates a binary IV at its first 0x00. ecdh-01's IV
/// `4a96f7f15d8d04369ceb0008819a5004` has a 0x00 at byte 10, so an old device uses
/// `4a96f7f15d8d04369ceb000000000000`. In CBC only the first plaintext block depends on the IV:
/// P1' = P1 ⊕ IV ⊕ IV'. The expected bytes below are that hand computation.
#[test]
fn legacy_strncpy_iv_option() {
    let v = &vectors("ecdh.json")[0];
    let secret: [u8; 20] = hex_field(&v["shared_secret"]).try_into().unwrap();
    let pt = hex_field(&v["sample_plaintext"]);
    let ct = hex_field(&v["sample_ciphertext"]);
    let iv = hex_field(&v["aes_iv"]);
    assert_eq!(hex::encode(&iv), "4a96f7f15d8d04369ceb0008819a5004");
    let legacy_iv = hex::decode("4a96f7f15d8d04369ceb000000000000").unwrap();

    let old = SharedSecret::from_bytes(secret).with_iv_compat(IvCompat::LegacyStrncpy);
    assert_eq!(old.iv_compat(), IvCompat::LegacyStrncpy);
    assert_eq!(
        KeyIv::from_shared_secret(&old).raw_secret_iv().to_vec(),
        legacy_iv
    );

    // What an old device would read from a standard (2.0.19) ciphertext.
    let mut buf = ct.clone();
    let got = Mode::Ecdh(&old).open_in_place(&mut buf).unwrap().to_vec();
    let mut expect = pt.clone();
    for i in 0..16 {
        expect[i] ^= iv[i] ^ legacy_iv[i];
    }
    assert_eq!(got, expect);
    assert_ne!(got, pt);

    // Sealing with the option and opening without it shows the same relation the other way, and
    // with the option on both sides it round-trips.
    let mut buf = vec![0u8; ct.len()];
    buf[..pt.len()].copy_from_slice(&pt);
    let n = Mode::Ecdh(&old).seal_in_place(&mut buf, pt.len()).unwrap();
    assert_ne!(&buf[..n], &ct[..]);
    let mut again = buf.clone();
    assert_eq!(Mode::Ecdh(&old).open_in_place(&mut again).unwrap(), &pt[..]);
    let std = SharedSecret::from_bytes(secret);
    assert_eq!(
        Mode::Ecdh(&std).open_in_place(&mut buf).unwrap(),
        &expect[..]
    );
}
