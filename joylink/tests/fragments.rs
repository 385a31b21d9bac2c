//! Fragments through the facade: `lan::open` refuses one fragment with "reassemble first", and
//! the reassembled lan-21 discovery reply opens through the same `lan::open` as a whole packet.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use joylink::Error;
use joylink::lan::{LanKeys, open};
use joylink_test_vectors::{by_id, hex_field, vectors};
use joylink_wire::lan::Message;
use joylink_wire::{CrcPolicy, Direction, Reassembler, ReassemblyStatus, parse};

fn lan21() -> Vec<Vec<u8>> {
    let list = vectors("lan_packets.json");
    by_id(&list, "lan-21")["fragments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| hex_field(&f["packet"]))
        .collect()
}

#[test]
fn a_fragment_is_refused_with_reassemble_first() {
    for (i, mut p) in lan21().into_iter().enumerate() {
        let err = open(
            &mut p,
            &LanKeys::default(),
            Direction::FromDevice,
            CrcPolicy::Verify,
        )
        .unwrap_err();
        let index = u8::try_from(i + 1).unwrap();
        assert!(
            matches!(err, Error::Wire(joylink_wire::Error::Fragment { index: n, total: 2 }) if n == index),
            "{err}"
        );
        assert!(err.to_string().contains("reassemble first"));
    }
}

#[test]
fn the_reassembled_reply_opens_like_a_whole_one() {
    for order in [[0, 1], [1, 0]] {
        let fragments = lan21();
        let mut storage = [0u8; 8192];
        let mut r: Reassembler<'_, std::net::SocketAddr, 2> = Reassembler::new(&mut storage);
        let peer = "192.168.1.20:4320".parse().unwrap();
        let mut opened = false;
        for i in order {
            let d = parse(&fragments[i], CrcPolicy::Verify).unwrap();
            if let ReassemblyStatus::Complete(m) = r.push(peer, &d, 0).unwrap() {
                assert_eq!(m.sender, peer);
                let incoming = open(
                    m.packet,
                    &LanKeys::default(),
                    Direction::FromDevice,
                    CrcPolicy::Verify,
                )
                .unwrap();
                assert!(matches!(incoming.message, Message::ScanResponse(_)));
                assert_eq!(incoming.header.total, 0);
                opened = true;
            }
        }
        assert!(opened);
    }
}
