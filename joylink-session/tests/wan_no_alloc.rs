//! The WAN device and cloud machines run a session without an allocator: auth, the snapshot
//! upload and timer sync after it, heartbeats and their answers, and a cloud control answered by
//! the device, with no call of either machine (nor of the cloud's framer and send queue)
//! allocating (a counting global allocator, as in `lan_no_alloc.rs`). Everything is built
//! before the measured closures; only what a firmware or a server runs per packet and per
//! deadline is measured: `connected`, `poll_transmit`, `handle_input`/`handle_packet`,
//! `poll_event`, `upload`, `respond`, `control`, `poll_timeout` and `handle_timeout`.
//!
//! The `serde` feature (on for the integration tests) adds derives only; nothing on these paths
//! serializes, so the same zero holds with it.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use joylink_crypto::AccessKey;
use joylink_session::Instant;
use joylink_session::wan::sim::SimRng;
use joylink_session::wan::{
    Cloud, CloudConfig, CloudIncoming, CloudState, Device, DeviceConfig, DeviceState, Event,
    Framer, Incoming, TxQueue,
};
use joylink_wire::BizCode;

const FEED: &[u8] = b"1234567890123456";
const SNAPSHOT: &[u8] = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;
const CMD: &[u8] = br#"{"streams":[{"stream_id":"power","current_value":"0"}]}"#;

/// Runs `f` and fails when it allocated.
fn no_alloc<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let mut out = None;
    let info = allocation_counter::measure(|| out = Some(f()));
    assert_eq!(info.count_total, 0, "{what} allocated: {info:?}");
    out.unwrap()
}

/// Both ends and the cloud's connection buffers, built once outside the measured calls.
struct Ends {
    now: Instant,
    key: AccessKey,
    device: Device,
    cloud: Cloud,
    rx: Framer<2048>,
    tx: TxQueue<4096>,
    rng: SimRng,
    buf: [u8; 2048],
}

/// What the cloud handed up while reading the device's bytes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Up {
    packets: u32,
    uploads: u32,
    answered: Option<u32>,
}

/// What the device did while reading the cloud's bytes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Down {
    authenticated: bool,
    heartbeats_acked: u32,
    controls: u32,
}

/// Device → cloud: everything the device queued, framed and handled by the cloud.
fn up(e: &mut Ends) -> Up {
    let Ends {
        now,
        key,
        device,
        cloud,
        rx,
        tx,
        rng,
        buf,
    } = e;
    let mut keys = |feed: &[u8]| (feed == FEED).then(|| key.clone());
    let mut got = Up::default();
    while let Some(n) = device.poll_transmit(buf) {
        let mut input = &buf[..n];
        while let Some(packet) = rx.next_frame(&mut input).unwrap() {
            got.packets += 1;
            match cloud.handle_packet(*now, packet, &mut keys, rng, tx) {
                Ok(Some(CloudIncoming::Upload { .. })) => got.uploads += 1,
                Ok(Some(CloudIncoming::ControlResponse { serial, .. })) => {
                    got.answered = Some(serial);
                }
                Ok(_) => {}
                Err(err) => panic!("cloud refused a packet: {err:?}"),
            }
        }
    }
    got
}

/// Cloud → device: everything the cloud queued, read by the device, which answers controls
/// with its snapshot and uploads it after auth.
fn down(e: &mut Ends) -> Down {
    let Ends {
        now,
        device,
        tx,
        buf,
        ..
    } = e;
    let now = *now;
    let mut did = Down::default();
    while let Some(n) = tx.poll_transmit(buf) {
        device
            .handle_input(now, &buf[..n], |dev, incoming| {
                if let Incoming::Control { request, .. } = incoming {
                    did.controls += 1;
                    dev.respond(now, request, SNAPSHOT).unwrap();
                }
            })
            .unwrap();
    }
    while let Some(event) = device.poll_event() {
        match event {
            Event::Authenticated => {
                did.authenticated = true;
                device.upload(now, SNAPSHOT).unwrap();
            }
            Event::HeartbeatAcked { count } => did.heartbeats_acked += count,
            _ => {}
        }
    }
    did
}

/// Both machines' deadlines, then what is due at the earliest one.
fn tick(e: &mut Ends) -> Instant {
    let t = [e.device.poll_timeout(), e.cloud.poll_timeout()]
        .into_iter()
        .flatten()
        .min()
        .unwrap();
    e.now = e.now.max(t);
    e.device.handle_timeout(e.now).unwrap();
    e.cloud.handle_timeout(e.now);
    while e.cloud.poll_event().is_some() {}
    e.now
}

#[test]
fn wan_session_runs_without_allocating() {
    let key: AccessKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
    let cfg = DeviceConfig::new("1234567890123456", "ABCDEF", key.clone()).unwrap();
    let mut e = Ends {
        now: Instant(0),
        key,
        device: Device::new(cfg),
        cloud: Cloud::new(CloudConfig::default(), Instant(0), 1_700_000_000),
        rx: Framer::new(),
        tx: TxQueue::new(),
        rng: SimRng(1),
        buf: [0u8; 2048],
    };

    // Auth (9): request, answer, session key on both ends.
    no_alloc("device connected", || {
        e.device.connected(e.now, &mut e.rng).unwrap();
    });
    let got = no_alloc("cloud handles the auth request", || up(&mut e));
    assert_eq!(got.packets, 1);
    assert_eq!(e.cloud.state(), CloudState::Online);
    let did = no_alloc("device handles the auth answer", || down(&mut e));
    assert!(did.authenticated);
    assert_eq!(e.device.state(), DeviceState::Online);
    assert_eq!(e.device.session_key(), e.cloud.session_key().as_ref());

    // The snapshot upload (12) and the timer sync after auth, and their answers.
    let got = no_alloc("cloud handles the upload", || up(&mut e));
    assert_eq!(got.uploads, 1);
    no_alloc("device handles the upload answer", || down(&mut e));

    // Heartbeats (10) at the device's deadline, answered by the cloud.
    let mut acked = 0;
    for _ in 0..3 {
        let t0 = e.now;
        let at = no_alloc("deadlines and timeouts", || tick(&mut e));
        assert!(at > t0);
        let got = no_alloc("cloud handles a heartbeat", || up(&mut e));
        assert_eq!(got.packets, 1);
        acked += no_alloc("device handles the heartbeat answer", || down(&mut e)).heartbeats_acked;
    }
    assert_eq!(acked, 3);
    assert_eq!(e.cloud.state(), CloudState::Online);

    // A cloud control (11), answered by the device and matched by the cloud.
    let serial = no_alloc("cloud sends a control", || {
        e.cloud
            .control(e.now, BizCode::Control, CMD, &mut e.tx)
            .unwrap()
    });
    let did = no_alloc("device handles the control and answers", || down(&mut e));
    assert_eq!(did.controls, 1);
    let got = no_alloc("cloud handles the answer", || up(&mut e));
    assert_eq!(got.answered, Some(serial));
    assert!(!e.cloud.is_pending(serial));
}
