//! `seal` and `open` allocate nothing (allocation-counter counts per thread).
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use joylink_crypto::{LocalKey, Mode, OpenOptions, PrivateKey, SessionKey, open, seal};
use joylink_wire::{CrcPolicy, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse};

#[test]
fn seal_and_open_do_not_allocate() {
    let local: LocalKey = "be4d957a4da771d609ab383e548014a0".parse().unwrap();
    let session = SessionKey::new([7; 32]);
    let d = PrivateKey::from_bytes(&[0x11; 20]).unwrap();
    let peer = PrivateKey::from_bytes(&[0x22; 20]).unwrap().public_key();
    let body = [b'x'; 300];
    let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::None);
    let mut buf = [0u8; 400];

    let counts = allocation_counter::measure(|| {
        // ECDH itself is allocation-free too.
        let secret = d.diffie_hellman(&peer);
        for mode in [
            Mode::None,
            Mode::Static,
            Mode::Ecdh(&secret),
            Mode::LocalKey(&local),
            Mode::Session(&session),
        ] {
            buf[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&42u32.to_le_bytes());
            buf[HEADER_LEN + 4..HEADER_LEN + 304].copy_from_slice(&body);
            let n = seal(&header, &mode, 0, 304, &mut buf).unwrap();
            let p = PartialParse::new(&mut buf[..n], CrcPolicy::Verify).unwrap();
            let o = open(p, &mode, OpenOptions::new()).unwrap();
            assert_eq!(o.timestamp, Some(42));
            assert_eq!(o.body().len(), 300);
        }
    });
    assert_eq!(counts.count_total, 0, "{counts:?}");
}

#[test]
fn the_counter_counts() {
    let counts = allocation_counter::measure(|| {
        let v = std::hint::black_box(vec![1u8; 10]);
        drop(v);
    });
    assert_eq!(counts.count_total, 1);
}
