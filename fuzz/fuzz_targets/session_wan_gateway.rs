//! The WAN gateway machine with its session key installed and two sub-devices in its table, fed
//! arbitrary stream bytes, packets sealed with the session key around arbitrary plaintext (111
//! with a genuine inner layer under a sub-device's accesskey, 113, and the device types), time
//! steps, reconnects and application calls (`add_sub`, `upload_sub`, `respond_sub`): no panic,
//! the sub-device table never holds more than its `SUBS` rows, a row never appears but through
//! `add_sub`, and the send queue never hands out more than it holds.
//!
//! Input: records of `[op][len][bytes; len]`, as `session_wan_device`.
#![no_main]

use joylink_crypto::{AccessKey, Mode, SessionKey};
use joylink_session::Instant;
use joylink_session::wan::{
    DeviceConfig, Gateway, GatewayIncoming, Incoming, SubDeviceRecord, seal_inner,
};
use joylink_wire::{EncType, Header, Magic, PacketType};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
#[allow(dead_code)]
mod common;
use common::{Rng, SESSION, auth_answer as answer, seal_payload};

const SUBS: usize = 3;
const FEEDS: [&[u8]; 4] = [
    b"3039237988000962",
    b"809391102315074886",
    b"135902253148451506",
    b"1",
];

fn sub_key(i: usize) -> AccessKey {
    let keys = [
        "1ff4654e25e7d359be09ef3366ab3d4b",
        "a2817e810971390818c4eee3a4211348",
        "dd9bef8eea945ce9b7a7fafc908105c9",
        "69c2cf4aa5528131db46ef7444295990",
    ];
    keys[i % 4].parse().unwrap()
}

/// Seals `plain` as a cloud packet of `ty` with the session key.
fn sealed(session: &SessionKey, ty: PacketType, plain: &[u8]) -> Option<Vec<u8>> {
    let header = Header::new(Magic::Wan, ty, EncType::SessionKey);
    let mut buf = vec![0u8; plain.len() + 64];
    let n = seal_payload(&header, &Mode::Session(session), &[], plain, &mut buf).ok()?;
    buf.truncate(n);
    Some(buf)
}

fuzz_target!(|data: &[u8]| {
    let access: AccessKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
    let session = SessionKey::new(SESSION);
    let cfg = DeviceConfig::new("1234567890123456", "ABCDEF", access.clone()).unwrap();
    let mut gw: Gateway<SUBS, 2, 2048, 1024> = Gateway::new(cfg);
    for i in 0..2 {
        gw.add_sub(SubDeviceRecord::new(FEEDS[i], sub_key(i)).unwrap())
            .unwrap();
    }
    let mut added = 2usize;
    let mut rng = Rng(3);
    let mut now = Instant(0);
    let mut auth_ts = 1_700_000_000u32;
    let mut serial = 1u32;
    gw.device_mut().connected(now, &mut rng).unwrap();
    gw.handle_input(now, &answer(&access, auth_ts), |_, _| {})
        .unwrap();
    assert!(gw.device().session_key().is_some());
    let mut out = [0u8; 512];
    let mut input = data;
    while let Some((&op, rest)) = input.split_first() {
        let len = rest
            .first()
            .map_or(0, |b| usize::from(*b))
            .min(rest.len().saturating_sub(1));
        let body = rest.get(1..1 + len).unwrap_or_default();
        input = rest.get(1 + len..).unwrap_or_default();
        let answer_all = |g: &mut Gateway<SUBS, 2, 2048, 1024>, inc: GatewayIncoming<'_>| match inc
        {
            GatewayIncoming::SubControl { request, cmd } => {
                let _ = g.respond_sub(now, request, cmd);
            }
            GatewayIncoming::Device(Incoming::Control { request, .. }) => {
                let _ = g.device_mut().respond(now, request, b"{}");
            }
            _ => {}
        };
        match op % 7 {
            0 => {
                now = now.add_millis(u64::from(op) * 997 + len as u64 * 60_000);
                let _ = gw.handle_timeout(now);
            }
            1 => {
                if gw.handle_input(now, body, answer_all).is_err() {
                    gw.device_mut().connection_lost(now);
                }
            }
            2 => {
                // A cloud packet of a device type or of 110/112/113 around arbitrary plaintext.
                let (ty, plain) = body.split_first().unwrap_or((&11, &[]));
                let ty = [7u8, 8, 9, 10, 11, 13, 15, 16, 110, 111, 112, 113][usize::from(*ty) % 12];
                if let Some(mut p) = sealed(&session, PacketType::from(ty), plain) {
                    let _ = gw.handle_input(now, &p, answer_all);
                    // And once more, whole: a replay must be dropped, never answered twice.
                    let _ = gw.handle_packet(now, &mut p);
                }
            }
            3 => {
                // 111 with a genuine inner layer: [ts][biz][serial][feed_id 32][inner].
                let (sel, cmd) = body.split_first().unwrap_or((&0, &[]));
                let mut plain = Vec::with_capacity(44 + cmd.len() + 16);
                plain.extend_from_slice(&auth_ts.wrapping_add(u32::from(*sel >> 4)).to_le_bytes());
                plain
                    .extend_from_slice(&[1002u32, 1004, 1001][usize::from(*sel) % 3].to_le_bytes());
                serial = if sel & 8 == 0 {
                    serial.wrapping_add(1)
                } else {
                    serial
                };
                plain.extend_from_slice(&serial.to_le_bytes());
                let feed = FEEDS[usize::from(*sel) % 4];
                let mut f = [0u8; 32];
                f[..feed.len()].copy_from_slice(feed);
                plain.extend_from_slice(&f);
                let mut inner = vec![0u8; cmd.len() + 32];
                if let Ok(n) = seal_inner(&sub_key(usize::from(*sel) % 4), cmd, &mut inner) {
                    plain.extend_from_slice(&inner[..n]);
                }
                if let Some(p) = sealed(&session, PacketType::SubDevControl, &plain) {
                    let _ = gw.handle_input(now, &p, answer_all);
                }
            }
            4 => {
                gw.device_mut().connection_lost(now);
                let _ = gw.device_mut().connected(now, &mut rng);
                auth_ts = auth_ts.wrapping_add(u32::from(op));
                serial = 1;
                let _ = gw.handle_input(now, &answer(&access, auth_ts), |_, _| {});
            }
            5 => {
                let i = usize::from(op / 7) % 4;
                if let Ok(sub) = SubDeviceRecord::new(FEEDS[i], sub_key(i))
                    && gw.find_sub(FEEDS[i]).is_none()
                    && gw.add_sub(sub).is_ok()
                {
                    added += 1;
                }
            }
            _ => {
                let _ = gw.upload_sub(now, usize::from(op / 7) % (SUBS + 1), body);
            }
        }
        let rows = gw.sub_devices().count();
        assert!(rows <= SUBS, "{rows} rows in a table of {SUBS}");
        assert!(rows <= added, "a row appeared without add_sub");
        while gw.device_mut().poll_event().is_some() {}
        let mut total = 0usize;
        while let Some(n) = gw.poll_transmit(&mut out) {
            assert!(n <= out.len());
            total += n;
            assert!(
                total <= 2048,
                "the send queue hands out more than its 2048 bytes"
            );
        }
    }
});
