//! A device silent after auth is closed by the cloud server (`CloudConfig::offline_after_ms`),
//! while a device that heartbeats carries on. Its own test binary: the bad-input tests measure
//! the process's memory, which a second runtime running beside them would disturb.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use joylink_session::Instant;
use joylink_session::wan::{CloudConfig, Device, DeviceConfig, Incoming};
use joylink_tokio::TokioClock;
use joylink_tokio::cloud::{CloseReason, HubEventKind, ServerConfig};
use joylink_tokio::device::{DeviceApp, Disconnect, DriverConfig, run_device};
use joylink_tokio::fleet::identity;

/// Records how each connection of a device ended, and answers controls.
struct Watched {
    ended: Arc<std::sync::Mutex<Vec<(Disconnect, tokio::time::Instant)>>>,
}

impl DeviceApp for Watched {
    fn on_incoming(&mut self, device: &mut Device, now: Instant, incoming: Incoming<'_>) {
        if let Incoming::Control { request, .. } = incoming {
            let _ = device.respond(now, request, br#"{"code":0,"streams":[]}"#);
        }
    }
    fn on_disconnected(&mut self, why: Disconnect) {
        self.ended
            .lock()
            .unwrap()
            .push((why, tokio::time::Instant::now()));
    }
}

/// Runs fleet device `i` of seed 3 with heartbeats every `heartbeat_ms` and no reconnect within
/// a test's time (a 60 s backoff); returns how its connections ended.
fn spawn_device(
    addr: std::net::SocketAddr,
    i: u64,
    heartbeat_ms: u64,
    stop: &tokio_util::sync::CancellationToken,
) -> Arc<std::sync::Mutex<Vec<(Disconnect, tokio::time::Instant)>>> {
    let (feed, key) = identity(3, i);
    let mut dcfg = DeviceConfig::new(&feed, "ABCDEF", key.parse().unwrap()).unwrap();
    dcfg.heartbeat_ms = heartbeat_ms;
    let mut drv = DriverConfig::new(addr);
    drv.backoff_min = Duration::from_secs(60);
    drv.backoff_max = Duration::from_secs(60);
    let ended = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut app = Watched {
        ended: ended.clone(),
    };
    let stop = stop.clone();
    tokio::spawn(async move {
        let mut device: Device = Device::new(dcfg);
        run_device(&mut device, &drv, TokioClock::new(), &mut app, &stop).await
    });
    ended
}

/// A device that authenticates and then goes silent (its heartbeat, 60 s, is far beyond the
/// server's silence limit of 1.5 s) is closed by the server once `offline_after_ms` has passed
/// since it was last heard, as `Offline { reason: Silent }`; a device on the same server that
/// heartbeats every 300 ms stays online through several such periods and still answers a
/// command afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_after_auth_is_closed_while_a_heartbeating_device_carries_on() {
    let c = ServerConfig {
        cloud: CloudConfig {
            offline_after_ms: 1_500,
            ..CloudConfig::default()
        },
        ..ServerConfig::default()
    };
    let (hub, addr, stop) = common::server(3, 2, c).await;
    let mut events = hub.subscribe();
    let (quiet_feed, _) = identity(3, 0);
    let (live_feed, _) = identity(3, 1);
    let quiet_ended = spawn_device(addr, 0, 60_000, &stop);
    let live_ended = spawn_device(addr, 1, 300, &stop);

    // Both authenticate; the quiet one is closed as silent, 1.5 s after it was last heard (its
    // auth, or the time sync that follows it). The test sees `Online` a little after the server
    // stamped the auth, and the machine's clock counts whole milliseconds: hence 1.45 s.
    let mut quiet_online = None;
    let mut live_online = false;
    let closed_after = loop {
        let e = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("the quiet device is closed well within 10 s")
            .unwrap();
        match e.kind {
            HubEventKind::Online if *e.feed_id == *quiet_feed => {
                quiet_online = Some(tokio::time::Instant::now());
            }
            HubEventKind::Online if *e.feed_id == *live_feed => live_online = true,
            HubEventKind::Offline { reason } => {
                assert_eq!(*e.feed_id, *quiet_feed, "only the quiet device goes");
                assert_eq!(reason, CloseReason::Silent);
                break quiet_online.expect("online first").elapsed();
            }
            _ => {}
        }
    };
    assert!(
        closed_after >= Duration::from_millis(1_450) && closed_after < Duration::from_secs(5),
        "closed {closed_after:?} after auth"
    );
    // The device sees the server close the connection.
    assert!(common::until(5, || !quiet_ended.lock().unwrap().is_empty()).await);
    assert_eq!(quiet_ended.lock().unwrap()[0].0, Disconnect::PeerClosed);

    // The live device keeps going through more than another silence period and answers.
    assert!(live_online || common::until(5, || hub.stats().online >= 1).await);
    let heartbeats = hub.stats().heartbeats;
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let st = hub.stats();
    assert_eq!(st.online, 1, "{st:?}");
    assert!(st.heartbeats >= heartbeats + 3, "{st:?}");
    let serial = hub
        .send_command(&live_feed, 1002u32.into(), br#"{"cmd":{"power":"1"}}"#)
        .await
        .unwrap();
    loop {
        let e = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("the live device answers")
            .unwrap();
        match e.kind {
            HubEventKind::ControlResponse { serial: s, .. } if s == serial => {
                assert_eq!(*e.feed_id, *live_feed);
                break;
            }
            HubEventKind::Offline { .. } => panic!("{e:?}"),
            _ => {}
        }
    }
    assert!(
        live_ended.lock().unwrap().is_empty(),
        "the live device was never dropped"
    );
    stop.cancel();
}
