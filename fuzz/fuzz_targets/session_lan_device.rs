//! Arbitrary datagrams and time steps into a gateway machine with keys installed (its own and one
//! authorized sub-device's): no panic, the transmit queue and request table stay within their
//! capacities, and every request can be answered.
//!
//! Input: records of `[selector][time step][peer][len][bytes; len]`. The selector picks how the
//! bytes reach the machine: as a raw datagram, or sealed by this target (with the localkey as
//! one of the localkey types, with ECDH as type 2/102, in clear as a scan) so the fuzzer gets past
//! the CRC and the decryption into the machine's own logic.
#![no_main]

use std::sync::OnceLock;

use joylink_crypto::{KeyPair, LocalKey, Mode, PrivateKey, SharedSecret};
use joylink_session::Instant;
use joylink_session::lan::{
    Activation, DeviceInfo, Event, FixedStr, Gateway, SocketAddr, SubDeviceEntry, SubDeviceState,
};
use joylink_wire::{Header, Magic, PacketType};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
#[allow(dead_code)]
mod common;
use common::seal_payload;

const LOCAL_TYPES: [u8; 5] = [3, 4, 103, 104, 105];

fuzz_target!(|data: &[u8]| {
    // The key pairs and the ECDH secret are fixed: computed once, not per input.
    static KEYS: OnceLock<(KeyPair, SharedSecret, [u8; 21])> = OnceLock::new();
    let (device_pair, secret, app_opt) = KEYS.get_or_init(|| {
        let device = KeyPair::from_private_key(PrivateKey::from_bytes(&[0x11; 20]).unwrap());
        let app = KeyPair::from_private_key(PrivateKey::from_bytes(&[0x22; 20]).unwrap());
        let secret = app.private_key().diffie_hellman(device.public_key());
        (device, secret, app.public_key().to_compressed())
    });
    let local: LocalKey = "be4d957a4da771d609ab383e548014a0".parse().unwrap();
    let sub_local: LocalKey = "22dc6dd29b5b3b2f80cc44d6cb3aad1a".parse().unwrap();
    let mut gw: Gateway<2> = Gateway::new(device_pair.clone(), DeviceInfo::default());
    gw.set_activation(Some(Activation {
        feed_id: FixedStr::new("7882708419766653").unwrap(),
        accesskey: "961745eaa28c7ff6854b94a91ce19a91".parse().unwrap(),
        localkey: local.clone(),
        server: FixedStr::EMPTY,
    }));
    gw.set_sub_device(
        0,
        Some(SubDeviceEntry {
            mac: FixedStr::new("7E3C55204B59").unwrap(),
            productuuid: FixedStr::new("83453A").unwrap(),
            protocol: 1,
            state: SubDeviceState::Authorized,
            feed_id: FixedStr::new("135902253148451506").unwrap(),
            localkey: Some(sub_local),
            accesskey: None,
        }),
    )
    .unwrap();

    let mut now = Instant(0);
    let mut rest = data;
    let mut out = [0u8; 1400];
    while let [selector, step, peer, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (bytes, next) = tail.split_at(n);
        rest = next;
        now = now.add_millis(u64::from(*step) * 16);
        let from = SocketAddr::from(([192, 168, 1, peer % 4], 5000));
        let packet_type = PacketType::from;
        let (header, mode, opt) = match selector % 4 {
            1 => (
                Header::new(
                    Magic::Lan,
                    packet_type(LOCAL_TYPES[usize::from(*selector / 4) % 5]),
                    Mode::LocalKey(&local).enc_type(),
                ),
                Mode::LocalKey(&local),
                &[][..],
            ),
            2 => {
                let t = if selector & 4 == 0 { 2 } else { 102 };
                (
                    Header::new(Magic::Lan, packet_type(t), Mode::Ecdh(secret).enc_type()),
                    Mode::Ecdh(secret),
                    &app_opt[..],
                )
            }
            3 => (
                Header::new(Magic::Lan, PacketType::Scan, Mode::None.enc_type()),
                Mode::None,
                &[][..],
            ),
            _ => {
                let mut raw = bytes.to_vec();
                let _ = gw.handle(now, from, &mut raw);
                drain(&mut gw, &mut out, now);
                continue;
            }
        };
        let mut packet = vec![0u8; joylink_crypto::sealed_len(&mode, opt.len(), bytes.len())];
        if let Ok(k) = seal_payload(&header, &mode, opt, bytes, &mut packet) {
            packet.truncate(k);
            if let Ok(Some(Event::Request(r))) = gw.handle(now, from, &mut packet) {
                let id = r.id;
                let _ = gw.respond(id, now, bytes);
            }
        }
        drain(&mut gw, &mut out, now);
    }
});

fn drain(gw: &mut Gateway<2>, out: &mut [u8; 1400], now: Instant) {
    assert!(gw.pending_requests() <= 4);
    let mut sent = 0;
    while let Some((_, n)) = gw.poll_transmit(out) {
        assert!(n <= out.len());
        sent += 1;
    }
    assert!(sent <= 4, "more datagrams than the queue holds");
    if let Some(t) = gw.poll_timeout() {
        if t <= now {
            gw.handle_timeout(now);
        }
    }
}
