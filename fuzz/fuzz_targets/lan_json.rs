//! Arbitrary plaintext through `joylink_wire::lan::parse` for every LAN packet type and both
//! directions: it never panics, and whatever decodes re-encodes to a fixed point
//! (encode → decode → encode gives the same bytes).
#![no_main]

use joylink_wire::{Direction, PacketType, lan};
use libfuzzer_sys::fuzz_target;

const TYPES: [u8; 9] = [1, 2, 3, 4, 102, 103, 104, 105, 200];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, plaintext)) = data.split_first() else {
        return;
    };
    let ty = PacketType::from(TYPES[usize::from(selector & 0x0f) % TYPES.len()]);
    let dir = if selector & 0x80 == 0 {
        Direction::ToDevice
    } else {
        Direction::FromDevice
    };
    let Ok(m) = lan::parse(ty, plaintext, dir) else {
        return;
    };
    let once = m.emit().expect("a decoded message encodes");
    let again = lan::parse(m.packet_type(), &once, dir)
        .or_else(|_| lan::parse(ty, &once, dir))
        .expect("an encoded message decodes");
    assert_eq!(again.emit().expect("encodes"), once);
});
