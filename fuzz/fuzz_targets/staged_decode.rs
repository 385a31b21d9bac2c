//! The staged decode: arbitrary bytes through `joylink_wire::PartialParse` (header, CRC and
//! cleartext opt first), the key looked up from what travels in clear — the feed id of a type-9
//! opt, as a cloud does, or the network and type — and then `joylink_crypto::open` without
//! parsing the header again.
//!
//! Input: one selector byte, then the packet. Selector bit 0: direction (1 = from the device);
//! bits 1..=2: CRC policy (0 verify, 1 report, 2 and 3 ignore).
//!
//! Checks: `PartialParse` agrees with `decode` (header, opt, payload, crc_status) and fails exactly
//! when it does; an open that fails with `Decrypt` leaves header and opt as they were and the
//! payload all zero; any other failure leaves the buffer unchanged; a success returns at least
//! the table's minimum plaintext, the timestamp where the table says there is one, and borrows
//! the payload region.
#![no_main]

use joylink_crypto::{AccessKey, Error, LocalKey, Mode, OpenOptions, SessionKey, open};
use joylink_wire::wan::AuthRequestOpt;
use joylink_wire::{
    CrcPolicy, Direction, EncType, HEADER_LEN, Magic, PacketType, PartialParse, parse,
};
use libfuzzer_sys::fuzz_target;

/// The cloud's directory: feed id → accesskey (the golden vectors' devices, plus a fallback).
const DIRECTORY: [(&[u8], &str); 3] = [
    (b"6641580686479541614", "9da83e47290bb79a82f2e36f9dff0520"),
    (b"2064878170028669", "f4adcab225e73ed7d482e4daa3e68823"),
    (
        b"88109123067361268507102301910597",
        "2c82b21e07a6c7ea24c31b2637f0d8a1",
    ),
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, input)) = data.split_first() else {
        return;
    };
    let direction = if sel & 1 != 0 {
        Direction::FromDevice
    } else {
        Direction::ToDevice
    };
    let policy = [
        CrcPolicy::Verify,
        CrcPolicy::Report,
        CrcPolicy::Ignore,
        CrcPolicy::Ignore,
    ][usize::from(sel >> 1 & 3)];

    let mut buf = input.to_vec();
    let decoded = parse(input, policy);
    let packet = match PartialParse::new(&mut buf, policy) {
        Ok(p) => p,
        Err(e) => {
            assert_eq!(decoded.err(), Some(e), "PartialParse and decode disagree");
            return;
        }
    };
    let d = decoded.expect("decode fails where PartialParse succeeds");
    assert_eq!(*packet.header(), d.header);
    assert_eq!(packet.opt(), d.opt);
    assert_eq!(packet.payload(), d.payload);
    assert_eq!(packet.crc_status(), d.crc_status);
    let header = d.header;
    let body_start = HEADER_LEN + d.opt.len();

    // Pick the key from what is in clear, as a cloud or device would.
    let fallback: AccessKey = "00000000000000000000000000000000".parse().unwrap();
    let local: LocalKey = "be4d957a4da771d609ab383e548014a0".parse().unwrap();
    let session = SessionKey::new([0x5a; 32]);
    let access = match AuthRequestOpt::parse(packet.opt()) {
        Ok(o) if header.packet_type == PacketType::Auth => DIRECTORY
            .iter()
            .find(|(id, _)| *id == o.feed_id)
            .map_or(fallback.clone(), |(_, k)| k.parse().unwrap()),
        _ => fallback.clone(),
    };
    let mode = match (header.magic, header.enc_type) {
        (_, EncType::None) => Mode::None,
        (_, EncType::Static) => Mode::Static,
        (Magic::Wan, EncType::PreShared) => Mode::AccessKey(&access),
        (Magic::Lan, EncType::PreShared) => Mode::LocalKey(&local),
        _ => Mode::Session(&session),
    };
    let entry = packet.entry(direction);
    let options = OpenOptions::new().timestamp(entry.timestamp);
    match open(packet, &mode, options) {
        Ok(o) => {
            assert_eq!(o.header, header);
            assert!(o.plaintext.len() >= entry.min_plaintext_len());
            assert!(o.plaintext.len() <= usize::from(header.payload_len));
            assert_eq!(o.timestamp.is_some(), entry.timestamp);
            if let Some(ts) = o.timestamp {
                assert_eq!(ts.to_le_bytes(), o.plaintext[..4]);
            }
        }
        Err(Error::Decrypt) => {
            assert!(mode.encrypts());
            assert_eq!(buf[..body_start], input[..body_start]);
            assert!(buf[body_start..].iter().all(|&b| b == 0), "not wiped");
        }
        Err(_) => assert_eq!(buf, input, "a failure before decryption changed the buffer"),
    }
});
