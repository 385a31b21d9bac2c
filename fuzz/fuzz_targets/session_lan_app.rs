//! The LAN app machine after a genuine discovery and authorization of a gateway (by the device
//! machine) and of one of its sub-devices, so it holds the gateway's localkey and the
//! sub-device's, fed arbitrary datagrams, time steps and commands: no panic, the device list
//! holds at most one entry per peer address that sent a scan reply, commands waiting never
//! outnumber the commands given, and every queued datagram fits the LAN's 1400 bytes.
//!
//! Input: records of `[selector][time step][peer][len][bytes; len]`. The selector picks how the
//! bytes reach the machine: as a raw datagram; sealed with the gateway's localkey as an answer
//! of type 3/4/104/105; in clear (enctype 0) as a scan, write-key or sub-auth answer, possibly as
//! one fragment of a larger message (so the reassembly is reached past the CRC); or as a
//! command (`discover`, `json_control`, `script_control`, `sub_script_control`,
//! `add_sub_device`, `authorize`).
#![no_main]

use std::sync::OnceLock;

use joylink_crypto::{KeyPair, LocalKey, Mode, PrivateKey};
use joylink_session::Instant;
use joylink_session::lan::{
    App, AppEvent, DeviceInfo, FixedStr, Gateway, MAX_DATAGRAM, SocketAddr,
};
use joylink_wire::BizCode;
use joylink_wire::lan::{JsonBody, JsonControlRequest, ScanStatus, SubDevProtocol};
use joylink_wire::{Header, Magic, PacketType};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
#[allow(dead_code)]
mod common;
use common::seal_payload;

const LOCALKEY: &str = "be4d957a4da771d609ab383e548014a0";
const SUB_FEEDID: &str = "135902253148451506";
const SUB: [&str; 5] = [
    SUB_FEEDID,
    "dd9bef8eea945ce9b7a7fafc908105c9",
    "22dc6dd29b5b3b2f80cc44d6cb3aad1a",
    "83453A",
    "7E3C55204B59",
];
const ANSWER_TYPES: [u8; 4] = [3, 4, 104, 105];
const CLEAR_TYPES: [u8; 3] = [1, 2, 102];

fn addr(peer: u8) -> SocketAddr {
    SocketAddr::from(([192, 168, 1, 10 + peer % 4], 4320))
}

/// Moves every queued datagram app -> gateway -> app until both are quiet.
fn exchange(app: &mut App, gw: &mut Gateway<2>, now: Instant) {
    let mut buf = [0u8; MAX_DATAGRAM];
    for _ in 0..8 {
        let mut moved = false;
        while let Some((_, n)) = app.poll_transmit(&mut buf) {
            moved = true;
            let _ = gw.handle(now, addr(9), &mut buf[..n]);
        }
        while let Some((_, n)) = gw.poll_transmit(&mut buf) {
            moved = true;
            let _ = app.handle(now, addr(0), &mut buf[..n]);
        }
        if !moved {
            break;
        }
    }
}

/// An app that discovered and authorized the gateway at `addr(0)`, added a sub-device to it and
/// authorized that too. Built once; every input starts from a clone.
fn setup() -> App {
    let gw_pair = KeyPair::from_private_key(PrivateKey::from_bytes(&[0x11; 20]).unwrap());
    let app_pair = KeyPair::from_private_key(PrivateKey::from_bytes(&[0x22; 20]).unwrap());
    let info = DeviceInfo {
        mac: FixedStr::new("2B04AD795247").unwrap(),
        productuuid: FixedStr::new("11C965").unwrap(),
        devtype: 1,
        lancon: 1,
        trantype: 1,
        ..DeviceInfo::default()
    };
    let mut gw: Gateway<2> = Gateway::new(gw_pair, info);
    let mut app = App::with_key_pair(app_pair);
    let mut now = Instant(1_000);
    app.discover(addr(0), None, ScanStatus::All).unwrap();
    exchange(&mut app, &mut gw, now);
    app.authorize(
        now,
        addr(0),
        "535168101345473045",
        "399aa4c6e8f7311c7659b7f7c9935e65",
        LOCALKEY,
        None,
    )
    .unwrap();
    exchange(&mut app, &mut gw, now);
    now = now.add_millis(1_000);
    app.add_sub_device(now, addr(0), SUB[4], SUB[3], SubDevProtocol::from(1))
        .unwrap();
    exchange(&mut app, &mut gw, now);
    now = now.add_millis(1_000);
    app.authorize_sub_device(now, addr(0), SUB).unwrap();
    exchange(&mut app, &mut gw, now);
    while app.poll_event().is_some() {}
    assert!(app.device(addr(0)).is_some_and(|d| d.is_authorized()));
    assert!(gw.activation().is_some() && gw.sub_devices().count() == 1);
    app
}

fuzz_target!(|data: &[u8]| {
    static SETUP: OnceLock<App> = OnceLock::new();
    let mut app = SETUP.get_or_init(setup).clone();
    let local: LocalKey = LOCALKEY.parse().unwrap();
    let mut now = Instant(10_000);
    let mut commands = app.pending();
    let mut scanned_from = [true, false, false, false];
    let mut out = [0u8; MAX_DATAGRAM];
    let mut rest = data;
    while let [selector, step, peer, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (bytes, next) = tail.split_at(n);
        rest = next;
        now = now.add_millis(u64::from(*step) * 8);
        let from = addr(*peer);
        let hi = usize::from(*selector / 8);
        let sealed = |header: Header, mode: Mode<'_>| {
            let mut packet = vec![0u8; joylink_crypto::sealed_len(&mode, 0, bytes.len())];
            let k = seal_payload(&header, &mode, &[], bytes, &mut packet).ok()?;
            packet.truncate(k);
            Some(packet)
        };
        match selector % 8 {
            0 => {
                let mut raw = bytes.to_vec();
                if app.handle(now, from, &mut raw).is_ok() {
                    scanned_from[usize::from(*peer % 4)] = true;
                }
            }
            1 => {
                let t = PacketType::from(ANSWER_TYPES[hi % 4]);
                let h = Header::new(Magic::Lan, t, Mode::LocalKey(&local).enc_type());
                if let Some(mut p) = sealed(h, Mode::LocalKey(&local)) {
                    let _ = app.handle(now, from, &mut p);
                }
            }
            2 => {
                // In clear, whole or as one fragment: `total`, `index` and the message id from
                // the selector's high bits.
                let t = PacketType::from(CLEAR_TYPES[hi % 3]);
                let mut h = Header::new(Magic::Lan, t, Mode::None.enc_type());
                if hi & 4 != 0 {
                    h.total = 1 + (*step % 4);
                    h.index = 1 + (*peer / 4) % 4;
                    h.reserved = (hi / 8) as u8;
                }
                if let Some(mut p) = sealed(h, Mode::None) {
                    if app.handle(now, from, &mut p).is_ok() {
                        scanned_from[usize::from(*peer % 4)] = true;
                    }
                }
            }
            3 => app.handle_timeout(now),
            _ => {
                let issued = match hi % 6 {
                    0 => app
                        .discover(addr(*peer), None, ScanStatus::from(i32::from(*peer % 3)))
                        .map(|()| None),
                    1 => {
                        let req = match JsonControlRequest::parse(bytes) {
                            Ok(r) => r,
                            Err(_) => JsonControlRequest::snapshot(),
                        };
                        app.json_control(now, from, req).map(Some)
                    }
                    2 => app
                        .script_control(now, from, BizCode::Control, bytes)
                        .map(Some),
                    3 => app
                        .sub_script_control(now, from, SUB_FEEDID, BizCode::Snapshot, bytes)
                        .map(Some),
                    4 => app
                        .add_sub_device(
                            now,
                            from,
                            SUB[4],
                            SUB[3],
                            SubDevProtocol::from(i32::from(*step % 4)),
                        )
                        .map(Some),
                    _ => app
                        .authorize(
                            now,
                            from,
                            "1",
                            "961745eaa28c7ff6854b94a91ce19a91",
                            LOCALKEY,
                            None,
                        )
                        .map(Some),
                };
                if let Ok(Some(_)) = issued {
                    commands += 1;
                }
            }
        }
        while let Some(e) = app.poll_event() {
            if let AppEvent::Discovered(a) = e {
                assert!(
                    scanned_from
                        .iter()
                        .enumerate()
                        .any(|(i, s)| *s && addr(i as u8) == a)
                );
            }
        }
        let listed = app.devices().len();
        let peers = scanned_from.iter().filter(|s| **s).count();
        assert!(
            listed <= peers,
            "{listed} devices from {peers} peers that sent a scan reply"
        );
        assert!(
            app.pending() <= commands,
            "more waiting than commands given"
        );
        while let Some((_, k)) = app.poll_transmit(&mut out) {
            assert!(k <= MAX_DATAGRAM);
        }
    }
});
