//! Arbitrary bytes through public-key decoding (`PublicKey::from_bytes`, `from_devkey`); every
//! accepted key re-encodes to a form that decodes to the same point.
#![no_main]

use joylink_crypto::PublicKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(k) = PublicKey::from_bytes(data) {
        assert_eq!(PublicKey::from_bytes(&k.to_compressed()), Ok(k));
        assert_eq!(PublicKey::from_bytes(&k.to_raw_uncompressed()), Ok(k));
        assert_eq!(PublicKey::from_devkey(k.to_devkey().as_str()), Ok(k));
        if data.len() == 21 {
            assert_eq!(&k.to_compressed()[..], data);
        }
    }
    if let Ok(s) = core::str::from_utf8(data) {
        if let Ok(k) = PublicKey::from_devkey(s) {
            assert!(s.eq_ignore_ascii_case(k.to_devkey().as_str()));
        }
    }
});
