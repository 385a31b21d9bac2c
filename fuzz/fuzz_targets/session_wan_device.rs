//! The WAN device machine with its session key installed, fed arbitrary stream bytes, packets
//! sealed with the right session key around arbitrary plaintext (so the bodies behind the
//! decryption are reached), time steps, reconnects and application calls: no panic, and the
//! machine's deadlines never go backwards past what it was told.
#![no_main]

use joylink_crypto::{AccessKey, Mode, SessionKey};
use joylink_session::Instant;
use joylink_session::wan::{Device, DeviceConfig, Incoming};
use joylink_wire::wan::OtaStatus;
use joylink_wire::{EncType, Header, Magic, PacketType};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
#[allow(dead_code)]
mod common;
use common::{Rng, SESSION, auth_answer as answer, seal_payload};

fuzz_target!(|data: &[u8]| {
    let access: AccessKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
    let session = SessionKey::new(SESSION);
    let cfg = DeviceConfig::new("1234567890123456", "ABCDEF", access.clone()).unwrap();
    let mut d: Device<2, 1024, 1024> = Device::new(cfg);
    let mut rng = Rng(1);
    let mut now = Instant(0);
    let mut auth_ts = 1_700_000_000u32;
    d.connected(now, &mut rng).unwrap();
    d.handle_input(now, &answer(&access, auth_ts), |_, _| {})
        .unwrap();
    assert!(d.session_key().is_some());
    let mut out = [0u8; 512];
    let mut input = data;
    while let Some((&op, rest)) = input.split_first() {
        let len = rest
            .first()
            .map_or(0, |b| usize::from(*b))
            .min(rest.len().saturating_sub(1));
        let body = rest.get(1..1 + len).unwrap_or_default();
        input = rest.get(1 + len..).unwrap_or_default();
        match op % 6 {
            0 => {
                now = now.add_millis(u64::from(op) * 997 + len as u64 * 60_000);
                let _ = d.handle_timeout(now);
                if let Some(t) = d.poll_timeout() {
                    let _ = t;
                }
            }
            1 => {
                if d.handle_input(now, body, |_, _| {}).is_err() {
                    d.connection_lost(now);
                }
            }
            2 => {
                let (ty, plain) = body.split_first().unwrap_or((&11, &[]));
                let ty = [7u8, 8, 9, 10, 11, 12, 13, 14, 15, 16, 110, 111][usize::from(*ty) % 12];
                let header = Header::new(Magic::Wan, PacketType::from(ty), EncType::SessionKey);
                let mut buf = vec![0u8; plain.len() + 64];
                if let Ok(n) = seal_payload(&header, &Mode::Session(&session), &[], plain, &mut buf)
                {
                    let _ = d.handle_input(now, &buf[..n], |dev, inc| {
                        if let Incoming::Control { request, .. } = inc {
                            let _ = dev.respond(now, request, b"{}");
                        }
                    });
                }
            }
            3 => {
                d.connection_lost(now);
                let _ = d.connected(now, &mut rng);
                auth_ts = auth_ts.wrapping_add(u32::from(op));
                let _ = d.handle_input(now, &answer(&access, auth_ts), |_, _| {});
            }
            4 => while d.poll_transmit(&mut out).is_some() {},
            _ => {
                let _ = match op % 5 {
                    0 => d.upload(now, body),
                    1 => d.ota_status(now, OtaStatus::from(i32::from(op % 4)), len as i32, "x"),
                    2 => d.fetch_info(now, body).map(|_| ()),
                    3 => d.report_timer_snapshot(now),
                    _ => d.report_timer_result(now, i32::from(op), 0),
                };
            }
        }
        while d.poll_event().is_some() {}
        while d.poll_transmit(&mut out).is_some() {}
    }
});
