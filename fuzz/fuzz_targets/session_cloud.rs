//! The WAN cloud machine after a genuine auth (by the device machine), fed arbitrary stream
//! bytes, packets sealed with the session key around arbitrary device plaintext, time steps,
//! reconnects and management commands: no panic, and the machine stays within 512 bytes.
#![no_main]

use joylink_crypto::{AccessKey, Mode, SessionKey};
use joylink_session::Instant;
use joylink_session::wan::{
    Cloud, CloudConfig, Device, DeviceConfig, Framer, OtaOrderSpec, TxQueue,
};
use joylink_wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, ExpText, Task, TaskBody, TaskHead, TaskSource, TaskState,
};
use joylink_wire::{BizCode, EncType, Header, Magic, PacketType};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
#[allow(dead_code)]
mod common;
use common::{Rng, seal_payload};

static CMDS: [Cmd<'static>; 1] = [Cmd(b"on")];

fn feed(
    cloud: &mut Cloud,
    rx: &mut Framer<2048>,
    tx: &mut TxQueue<4096>,
    rng: &mut Rng,
    access: &AccessKey,
    now: Instant,
    mut bytes: &[u8],
) {
    let mut keys = |_: &[u8]| Some(access.clone());
    loop {
        match rx.next_frame(&mut bytes) {
            Ok(Some(f)) => {
                let _ = cloud.handle_packet(now, f, &mut keys, rng, tx);
            }
            Ok(None) => break,
            Err(_) => {
                cloud.connection_lost(now);
                rx.reset();
                break;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    assert!(core::mem::size_of::<Cloud>() <= 512);
    let access: AccessKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
    let mut rng = Rng(2);
    let mut now = Instant(0);
    let mut cloud = Cloud::new(CloudConfig::default(), now, 1_700_000_000);
    let mut rx = Framer::<2048>::new();
    let mut tx = TxQueue::<4096>::new();
    let mut dev: Device<1, 512, 512> =
        Device::new(DeviceConfig::new("1234567890123456", "ABCDEF", access.clone()).unwrap());
    let mut out = [0u8; 4096];
    let mut authenticate =
        |cloud: &mut Cloud, rx: &mut Framer<2048>, tx: &mut TxQueue<4096>, rng: &mut Rng, now| {
            cloud.connected(now);
            let _ = dev.connected(now, rng);
            let mut buf = [0u8; 512];
            while let Some(n) = dev.poll_transmit(&mut buf) {
                feed(cloud, rx, tx, rng, &access, now, &buf[..n]);
            }
        };
    authenticate(&mut cloud, &mut rx, &mut tx, &mut rng, now);
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
                cloud.handle_timeout(now);
            }
            1 => feed(&mut cloud, &mut rx, &mut tx, &mut rng, &access, now, body),
            2 => {
                if let Some(key) = cloud.session_key() {
                    let (ty, plain) = body.split_first().unwrap_or((&10, &[]));
                    let ty =
                        [7u8, 8, 9, 10, 11, 12, 13, 14, 15, 16, 110, 112][usize::from(*ty) % 12];
                    let header = Header::new(Magic::Wan, PacketType::from(ty), EncType::SessionKey);
                    let mut buf = vec![0u8; plain.len() + 64];
                    let k = SessionKey::new(*key.raw_secret_bytes());
                    if let Ok(n) = seal_payload(&header, &Mode::Session(&k), &[], plain, &mut buf) {
                        feed(
                            &mut cloud,
                            &mut rx,
                            &mut tx,
                            &mut rng,
                            &access,
                            now,
                            &buf[..n],
                        );
                    }
                }
            }
            3 => {
                cloud.connection_lost(now);
                rx.reset();
                now = now.add_millis(1_000 + u64::from(op) * 1_000);
                authenticate(&mut cloud, &mut rx, &mut tx, &mut rng, now);
            }
            4 => while tx.poll_transmit(&mut out).is_some() {},
            _ => {
                let id = i32::from(op);
                let task = Task {
                    version: 0,
                    label: Some(joylink_wire::wan::timer::Label::default()),
                    body: TaskBody::Base(BaseTask {
                        head: TaskHead {
                            id,
                            state: TaskState::Started,
                            source: TaskSource::User,
                        },
                        exp: ExpText(b"0_*_*_*_*_*_*"),
                        cmds: CmdTrank::new(&CMDS),
                    }),
                };
                let _ = match op % 5 {
                    0 => cloud.control(now, BizCode::from(u32::from(op)), body, &mut tx),
                    1 => cloud.add_timer(now, &task, &mut tx),
                    2 => cloud.manage_timers(now, BizCode::TimerDelete, &[id], &mut tx),
                    3 => cloud.start_ota(
                        now,
                        &OtaOrderSpec {
                            product_uuid: "ABCDEF",
                            version: 2,
                            version_name: "1.2.1.20151030_release",
                            crc32: 1,
                            url: "http://x/fw.bin",
                        },
                        &mut tx,
                    ),
                    _ => cloud
                        .answer_info(now, u32::from(op), body, &mut tx)
                        .map(|_| 0),
                };
            }
        }
        while cloud.poll_event().is_some() {}
        while tx.poll_transmit(&mut out).is_some() {}
    }
});
