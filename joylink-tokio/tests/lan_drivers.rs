//! The LAN drivers on loopback: an app driver discovers, authorizes and controls a device
//! driver over real UDP sockets; a lost datagram is recovered by the machine's retry; an
//! unanswered control ends at the machine's 500 ms; the drivers stop cleanly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use joylink_crypto::KeyPair;
use joylink_session::lan::{Activation, Device, DeviceInfo, FixedStr, RequestKind, ResponseBody};
use joylink_tokio::lan::{AppDriver, DeviceDriver, DeviceEvent, LanApp, LanConfig, LanDevice};
use joylink_tokio::{Error, os_rng};
use joylink_wire::BizCode;
use joylink_wire::lan::{ControlData, JsonControlRequest, ScanStatus, Stream};
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;

const FEEDID: &str = "1234567890123456";
const ACCESSKEY: &str = "961745eaa28c7ff6854b94a91ce19a91";
const LOCALKEY: &str = "be4d957a4da771d609ab383e548014a0";
const SNAPSHOT: &[u8] = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;

fn loopback() -> LanConfig {
    LanConfig::device().with_bind("127.0.0.1:0".parse().unwrap())
}

fn info() -> DeviceInfo {
    DeviceInfo {
        mac: FixedStr::new("EA2D9AB01132").unwrap(),
        productuuid: FixedStr::new("5708AB").unwrap(),
        joy_sdk_version: FixedStr::new("2.0.19").unwrap(),
        lancon: 1,
        trantype: 1,
        ..DeviceInfo::default()
    }
}

/// What the device's application saw.
#[derive(Default)]
struct Seen {
    requests: Mutex<Vec<(RequestKind, Vec<u8>)>>,
    activations: Mutex<Vec<Activation>>,
    mute: AtomicBool,
}

/// A device driver on loopback with an application task that answers every request with
/// `SNAPSHOT` (a script request with `script:` and its input) unless muted.
struct Dev {
    addr: SocketAddr,
    handle: LanDevice,
    seen: Arc<Seen>,
    stop: CancellationToken,
    driver: tokio::task::JoinHandle<joylink_tokio::Result<()>>,
}

async fn device(cfg: LanConfig) -> Dev {
    let machine: Device = Device::new(KeyPair::generate(&mut os_rng()), info());
    let (driver, mut events) = DeviceDriver::bind(machine, &cfg).await.unwrap();
    let addr = driver.local_addr().unwrap();
    let handle = driver.handle();
    let stop = CancellationToken::new();
    let seen = Arc::new(Seen::default());
    let app_seen = seen.clone();
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            match e {
                DeviceEvent::Request(r) => {
                    app_seen
                        .requests
                        .lock()
                        .unwrap()
                        .push((r.kind, r.body.to_vec()));
                    if app_seen.mute.load(Ordering::SeqCst) {
                        continue;
                    }
                    let answer = match r.kind {
                        RequestKind::Script { .. } => [b"script:", &r.body[..]].concat(),
                        _ => SNAPSHOT.to_vec(),
                    };
                    r.respond(&answer).unwrap();
                }
                DeviceEvent::Activated(a) => app_seen.activations.lock().unwrap().push(a),
                _ => {}
            }
        }
    });
    let driver = tokio::spawn(driver.run(stop.clone()));
    Dev {
        addr,
        handle,
        seen,
        stop,
        driver,
    }
}

async fn app() -> (
    LanApp,
    CancellationToken,
    tokio::task::JoinHandle<joylink_tokio::Result<()>>,
) {
    let (driver, app) =
        AppDriver::bind(&LanConfig::app().with_bind("127.0.0.1:0".parse().unwrap()))
            .await
            .unwrap();
    let stop = CancellationToken::new();
    let task = tokio::spawn(driver.run(stop.clone()));
    (app, stop, task)
}

const WAIT: Duration = Duration::from_millis(300);

/// How long a driver may take to stop before the test calls it hung: the drivers stop at their
/// next wake-up, so this only has to outlast a loaded machine's scheduling delays.
const HANG: Duration = Duration::from_secs(10);

/// Waits until `f` holds (what another task reports), at most 10 s.
async fn until(f: impl Fn() -> bool) {
    let end = tokio::time::Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(tokio::time::Instant::now() < end, "timed out");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn authorized(app: &LanApp, to: SocketAddr) {
    let found = app.discover(to, None, ScanStatus::All, WAIT).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    app.authorize(
        found[0].addr,
        FEEDID,
        ACCESSKEY,
        LOCALKEY,
        Some("127.0.0.1:1"),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn app_discovers_authorizes_and_controls_a_device() {
    let dev = device(loopback()).await;
    let (app, app_stop, _) = app().await;

    let found = app
        .discover(dev.addr, Some("5708AB"), ScanStatus::All, WAIT)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let entry = &found[0];
    assert_eq!(entry.addr, dev.addr);
    assert_eq!(
        (entry.mac.as_str(), entry.productuuid.as_str()),
        ("EA2D9AB01132", "5708AB")
    );
    assert!(entry.feed_id.is_empty(), "not activated yet");
    assert!(!entry.is_authorized());

    // Control before authorization is refused by the machine, nothing is sent.
    assert!(matches!(
        app.snapshot(dev.addr).await,
        Err(Error::Session(_))
    ));

    app.authorize(
        dev.addr,
        FEEDID,
        ACCESSKEY,
        LOCALKEY,
        Some("live.smart.jd.com:2002"),
    )
    .await
    .unwrap();
    assert!(app.device(dev.addr).unwrap().is_authorized());
    // The device's application got the keys to persist, once (the device sends its answer 3
    // times, compat §6.3, but reports the activation once). Its task may not have run yet on a
    // loaded machine: wait for the first report, then a moment for any duplicate.
    until(|| !dev.seen.activations.lock().unwrap().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let acts = dev.seen.activations.lock().unwrap().clone();
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].feed_id.as_str(), FEEDID);
    assert_eq!(acts[0].localkey, LOCALKEY.parse().unwrap());
    assert_eq!(acts[0].server.as_str(), "live.smart.jd.com:2002");
    assert_eq!(
        dev.handle.with_machine(|d| d.activation().cloned()),
        Some(acts[0].clone())
    );

    // JSON control and snapshot: the device's application sees each, the app gets its answer.
    let control = JsonControlRequest::control(ControlData {
        streams: vec![Stream::new("power", "1")],
        snapshot: None,
    });
    let r = app.json_control(dev.addr, control).await.unwrap();
    assert_eq!(r, ResponseBody::Json(SNAPSHOT.to_vec()));
    let r = app.snapshot(dev.addr).await.unwrap();
    assert_eq!(r, ResponseBody::Json(SNAPSHOT.to_vec()));
    let reqs = dev.seen.requests.lock().unwrap().clone();
    assert_eq!(reqs.len(), 2);
    assert!(matches!(reqs[0].0, RequestKind::Json { sub_device: false }));
    assert!(
        reqs[0].1.starts_with(br#"{"cmd":5"#),
        "{:?}",
        String::from_utf8_lossy(&reqs[0].1)
    );
    assert!(reqs[1].1.starts_with(br#"{"cmd":4"#));

    // A rescan now shows the feed id the device was given.
    let again = app
        .discover(dev.addr, None, ScanStatus::All, WAIT)
        .await
        .unwrap();
    assert_eq!(again[0].feed_id, FEEDID);
    let st = dev.handle.stats();
    assert_eq!((st.requests, st.requests_dropped), (2, 0), "{st:?}");
    assert!(st.sent >= 2 + 3 + 2, "{st:?}");
    app_stop.cancel();
    dev.stop.cancel();
}

#[tokio::test]
async fn script_control_round_trip_and_concurrent_commands_are_matched() {
    let dev = device(loopback()).await;
    let (app, app_stop, _) = app().await;
    authorized(&app, dev.addr).await;

    let r = app
        .script_control(dev.addr, BizCode::Control, b"\x01\x02power=1")
        .await
        .unwrap();
    let ResponseBody::Script {
        biz_code,
        serial,
        resp,
    } = r
    else {
        panic!("{r:?}")
    };
    assert_eq!(biz_code, BizCode::ControlResponse);
    assert_eq!(resp, b"script:\x01\x02power=1");
    let reqs = dev.seen.requests.lock().unwrap().clone();
    assert!(
        matches!(reqs[0].0, RequestKind::Script { biz_code: BizCode::Control, serial: s } if s == serial)
    );

    // Four commands from four tasks at once, each gets its own answer.
    let tasks: Vec<_> = (0..4u8)
        .map(|i| {
            let app = app.clone();
            let to = dev.addr;
            tokio::spawn(async move {
                (
                    i,
                    app.script_control(to, BizCode::Control, &[b'a' + i]).await,
                )
            })
        })
        .collect();
    for t in tasks {
        let (i, r) = t.await.unwrap();
        match r.unwrap() {
            ResponseBody::Script { resp, .. } => {
                assert_eq!(resp, [b"script:", &[b'a' + i][..]].concat())
            }
            r => panic!("{r:?}"),
        }
    }
    app_stop.cancel();
    dev.stop.cancel();
}

/// The app's own response timeout (500 ms, spec 6.3.3) ends the call, not the device machine
/// dropping the unanswered request (`PENDING_TTL_MS`, 2 s, which the app could not even see).
/// What is asserted is what ended it and the order of the two deadlines, not a tight window of
/// wall time: the lower bound is the app's timeout (a timer never fires early), the upper bound
/// the device's deadline, the one a wrong timeout would pass.
#[tokio::test]
async fn unanswered_control_ends_at_the_machines_500_ms() {
    use joylink_session::lan::{PENDING_TTL_MS, RESPONSE_TIMEOUT_MS};
    let dev = device(loopback()).await;
    let (app, app_stop, _) = app().await;
    authorized(&app, dev.addr).await;
    dev.seen.mute.store(true, Ordering::SeqCst);
    let start = tokio::time::Instant::now();
    let r = app.snapshot(dev.addr).await;
    let took = start.elapsed();
    // Still waiting for its answer in the device machine when the app gave up.
    let still_pending = dev.handle.with_machine(|d| d.pending_requests());
    assert!(matches!(r, Err(Error::NoAnswer)), "{r:?}");
    assert_eq!(
        still_pending, 1,
        "the device had dropped the request before the app's timeout ({took:?})"
    );
    // The machine's clock counts whole milliseconds: its deadline can be up to 1 ms before the
    // 500 ms measured here from just before the call.
    assert!(
        took >= Duration::from_millis(RESPONSE_TIMEOUT_MS - 1),
        "{took:?}"
    );
    assert!(took < Duration::from_millis(PENDING_TTL_MS), "{took:?}");
    // The request reached the device's application; it just never answered.
    assert_eq!(dev.seen.requests.lock().unwrap().len(), 1);
    app_stop.cancel();
    dev.stop.cancel();
}

/// A UDP relay between the app and the device that drops the datagrams `drop(n, from_app)`
/// picks (n counts datagrams in that direction from 0).
async fn lossy_relay(
    device: SocketAddr,
    drop: impl Fn(usize, bool) -> bool + Send + 'static,
) -> SocketAddr {
    let front = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let back = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = front.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut app, mut up, mut down) = (None, 0usize, 0usize);
        let (mut a, mut b) = ([0u8; 2048], [0u8; 2048]);
        loop {
            tokio::select! {
                Ok((n, from)) = front.recv_from(&mut a) => {
                    app = Some(from);
                    if !drop(up, true) {
                        let _ = back.send_to(&a[..n], device).await;
                    }
                    up += 1;
                }
                Ok((n, _)) = back.recv_from(&mut b) => {
                    if let Some(to) = app && !drop(down, false) {
                        let _ = front.send_to(&b[..n], to).await;
                    }
                    down += 1;
                }
            }
        }
    });
    addr
}

/// The write-key request is lost once: the app machine sends it again after its retry
/// interval and the authorization completes; the device is activated once.
#[tokio::test]
async fn lost_authorization_is_retried_by_the_machine() {
    let dev = device(loopback()).await;
    let relay = lossy_relay(dev.addr, |n, from_app| from_app && n == 1).await;
    let (app, app_stop, _) = app().await;
    let found = app
        .discover(relay, None, ScanStatus::All, WAIT)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let start = tokio::time::Instant::now();
    app.authorize(relay, FEEDID, ACCESSKEY, LOCALKEY, None)
        .await
        .unwrap();
    let took = start.elapsed();
    // One retry interval (AUTH_RETRY_MS) passed before the second attempt got through (less
    // the up to 1 ms the machine's whole-millisecond clock may put its deadline earlier).
    assert!(
        took >= Duration::from_millis(joylink_session::lan::AUTH_RETRY_MS - 1),
        "{took:?}"
    );
    assert_eq!(dev.seen.activations.lock().unwrap().len(), 1);
    // Controls through the relay work afterwards.
    assert!(app.snapshot(relay).await.is_ok());
    app_stop.cancel();
    dev.stop.cancel();
}

/// Every answer from the device is lost: the control ends with `NoAnswer`, and the next one,
/// with the path healed, is answered (a fresh timestamp, not taken for a replay).
#[tokio::test]
async fn lost_answer_times_out_and_the_next_control_succeeds() {
    let dev = device(loopback()).await;
    let lose = Arc::new(AtomicBool::new(false));
    let l = lose.clone();
    let relay = lossy_relay(dev.addr, move |_, from_app| {
        !from_app && l.load(Ordering::SeqCst)
    })
    .await;
    let (app, app_stop, _) = app().await;
    authorized(&app, relay).await;
    lose.store(true, Ordering::SeqCst);
    assert!(matches!(app.snapshot(relay).await, Err(Error::NoAnswer)));
    lose.store(false, Ordering::SeqCst);
    assert_eq!(
        app.snapshot(relay).await.unwrap(),
        ResponseBody::Json(SNAPSHOT.to_vec())
    );
    assert_eq!(dev.seen.requests.lock().unwrap().len(), 2);
    app_stop.cancel();
    dev.stop.cancel();
}

/// Garbage and foreign datagrams are refused by the machine and answered with nothing; the
/// driver carries on.
#[tokio::test]
async fn garbage_is_refused_and_the_driver_carries_on() {
    let dev = device(loopback()).await;
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for junk in [
        &b"hello"[..],
        &[0xbb, 0x55, 0x34, 0x12, 0, 0, 0xff, 0xff][..],
        &[0u8; 1500][..],
    ] {
        s.send_to(junk, dev.addr).await.unwrap();
    }
    let mut buf = [0u8; 64];
    assert!(
        tokio::time::timeout(Duration::from_millis(200), s.recv_from(&mut buf))
            .await
            .is_err(),
        "nothing answers garbage"
    );
    let st = dev.handle.stats();
    assert_eq!((st.received, st.refused, st.sent), (3, 3, 0), "{st:?}");
    let (app, app_stop, _) = app().await;
    authorized(&app, dev.addr).await;
    app_stop.cancel();
    dev.stop.cancel();
}

/// Cancelling the token ends both drivers' `run` with `Ok`, releases the device's port, and
/// commands on a stopped app fail with `Closed` instead of hanging.
#[tokio::test]
async fn drivers_shut_down_cleanly() {
    let dev = device(loopback()).await;
    let (app, app_stop, app_task) = app().await;
    authorized(&app, dev.addr).await;
    // A command in flight when the driver stops.
    dev.seen.mute.store(true, Ordering::SeqCst);
    let pending = {
        let app = app.clone();
        let to = dev.addr;
        tokio::spawn(async move { app.snapshot(to).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    app_stop.cancel();
    dev.stop.cancel();
    let r = tokio::time::timeout(HANG, app_task).await;
    assert!(matches!(r, Ok(Ok(Ok(())))), "{r:?}");
    let r = tokio::time::timeout(HANG, dev.driver).await;
    assert!(matches!(r, Ok(Ok(Ok(())))), "{r:?}");
    assert!(matches!(pending.await.unwrap(), Err(Error::Closed)));
    assert!(matches!(app.snapshot(dev.addr).await, Err(Error::Closed)));
    assert!(matches!(
        app.discover(dev.addr, None, ScanStatus::All, WAIT).await,
        Err(Error::Closed)
    ));
    // The port is free again.
    UdpSocket::bind(dev.addr).await.unwrap();
}

/// The device driver also ends when its application drops the event receiver.
#[tokio::test]
async fn device_driver_ends_when_the_application_goes() {
    let machine: Device = Device::new(KeyPair::generate(&mut os_rng()), info());
    let (driver, events) = DeviceDriver::bind(machine, &loopback()).await.unwrap();
    let task = tokio::spawn(driver.run(CancellationToken::new()));
    drop(events);
    let r = tokio::time::timeout(HANG, task).await;
    assert!(matches!(r, Ok(Ok(Ok(())))), "{r:?}");
}

/// An application that does not take its events: requests beyond the channel are dropped
/// (counted; the app's timeout reports them), the activation is not lost and arrives first.
#[tokio::test]
async fn slow_application_loses_requests_not_activations() {
    let machine: Device = Device::new(KeyPair::generate(&mut os_rng()), info());
    let cfg = LanConfig {
        queue: 1,
        ..loopback()
    };
    let (driver, mut events) = DeviceDriver::bind(machine, &cfg).await.unwrap();
    let addr = driver.local_addr().unwrap();
    let handle = driver.handle();
    let stop = CancellationToken::new();
    tokio::spawn(driver.run(stop.clone()));
    let (app, app_stop, _) = app().await;
    authorized(&app, addr).await;
    let answered = Arc::new(AtomicUsize::new(0));
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let app = app.clone();
            let answered = answered.clone();
            tokio::spawn(async move {
                if app.snapshot(addr).await.is_ok() {
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    // Each call ends at the app's timeout (no fixed sleep that a loaded machine could outlast).
    for c in calls {
        c.await.unwrap();
    }
    assert_eq!(answered.load(Ordering::SeqCst), 0);
    until(|| handle.stats().requests >= 3).await;
    let st = handle.stats();
    assert_eq!(st.requests, 3, "{st:?}");
    assert_eq!(
        st.requests_dropped, 3,
        "the channel holds the untaken activation: {st:?}"
    );
    assert!(matches!(
        events.recv().await,
        Some(DeviceEvent::Activated(_))
    ));
    app_stop.cancel();
    stop.cancel();
}

/// A gateway (the device machine with a sub-device table) behind the same driver: the app adds
/// a sub-device, gives it its keys and controls it through the gateway (type 104, the
/// sub-device's key inside the gateway's); the gateway's application gets each table change
/// with the row to persist.
#[tokio::test]
async fn gateway_adds_authorizes_and_controls_a_sub_device() {
    use joylink_session::lan::{Gateway, SubDeviceState};
    use joylink_wire::lan::SubDevProtocol;
    let (mac, uuid, sub_feedid) = ("7E3C55204B59", "83453A", "135902253148451506");
    let sub_key = "22dc6dd29b5b3b2f80cc44d6cb3aad1a";
    let gateway: Gateway = Gateway::new(KeyPair::generate(&mut os_rng()), info());
    let (driver, mut events) = DeviceDriver::bind(gateway, &loopback()).await.unwrap();
    let addr = driver.local_addr().unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(driver.run(stop.clone()));
    let rows = Arc::new(Mutex::new(Vec::new()));
    let r2 = rows.clone();
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            match e {
                DeviceEvent::Request(r) => {
                    assert!(matches!(
                        r.kind,
                        RequestKind::SubScript { sub_device: 0, .. }
                    ));
                    r.respond(br#"{"code":0}"#).unwrap();
                }
                DeviceEvent::SubDeviceAdded { index, entry } => {
                    r2.lock().unwrap().push(("added", index, entry));
                }
                DeviceEvent::SubDeviceAuthorized { index, entry } => {
                    r2.lock().unwrap().push(("authorized", index, entry));
                }
                _ => {}
            }
        }
    });
    let (app, app_stop, _) = app().await;
    authorized(&app, addr).await;
    app.add_sub_device(addr, mac, uuid, SubDevProtocol::Zigbee)
        .await
        .unwrap();
    app.authorize_sub_device(addr, [sub_feedid, ACCESSKEY, sub_key, uuid, mac])
        .await
        .unwrap();
    let r = app
        .sub_script_control(addr, sub_feedid, BizCode::Control, b"power=1")
        .await
        .unwrap();
    assert!(matches!(r, ResponseBody::Script { resp, .. } if resp == br#"{"code":0}"#));
    until(|| rows.lock().unwrap().len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let rows = rows.lock().unwrap().clone();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!((rows[0].0, rows[0].1), ("added", 0));
    assert_eq!(rows[0].2.state, SubDeviceState::Waiting);
    assert_eq!((rows[1].0, rows[1].1), ("authorized", 0));
    assert_eq!(rows[1].2.feed_id.as_str(), sub_feedid);
    assert_eq!(rows[1].2.localkey, Some(sub_key.parse().unwrap()));
    // A sub-device the gateway does not know: no answer, the machine's retries run out.
    let r = app
        .authorize_sub_device(addr, [sub_feedid, ACCESSKEY, sub_key, uuid, "000000000000"])
        .await;
    assert!(matches!(r, Err(Error::NoAnswer)), "{r:?}");
    app_stop.cancel();
    stop.cancel();
}

/// A translator between the wire's script bodies and the application: the application sees
/// `cmd[]` translated and its answer goes out translated back; JSON requests pass untouched.
#[tokio::test]
async fn script_bodies_pass_through_the_translator() {
    use joylink_session::lan::Translator;
    struct Tagging;
    impl Translator for Tagging {
        fn pri2jds(
            &mut self,
            biz: BizCode,
            bin: &[u8],
            out: &mut [u8],
        ) -> joylink_session::Result<(usize, BizCode)> {
            if bin == b"refuse" {
                return Err(joylink_session::Error::Dropped(
                    joylink_session::DropReason::Untranslatable,
                ));
            }
            let t = [b"json:", bin].concat();
            out[..t.len()].copy_from_slice(&t);
            Ok((t.len(), biz))
        }
        fn jds2pri(
            &mut self,
            _: BizCode,
            cmd: &[u8],
            out: &mut [u8],
        ) -> joylink_session::Result<usize> {
            let t = [cmd, b"|lua"].concat();
            out[..t.len()].copy_from_slice(&t);
            Ok(t.len())
        }
    }
    let machine: Device = Device::new(KeyPair::generate(&mut os_rng()), info());
    let (driver, mut events) = DeviceDriver::bind(machine, &loopback()).await.unwrap();
    let driver = driver.with_translator(Tagging);
    let addr = driver.local_addr().unwrap();
    let handle = driver.handle();
    let stop = CancellationToken::new();
    tokio::spawn(driver.run(stop.clone()));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            if let DeviceEvent::Request(r) = e {
                s2.lock().unwrap().push(r.body.to_vec());
                r.respond(b"{\"code\":0}").unwrap();
            }
        }
    });
    let (app, app_stop, _) = app().await;
    authorized(&app, addr).await;
    let r = app
        .script_control(addr, BizCode::Control, b"power=1")
        .await
        .unwrap();
    assert!(matches!(r, ResponseBody::Script { resp, .. } if resp == b"{\"code\":0}|lua"));
    let r = app.snapshot(addr).await.unwrap();
    assert_eq!(r, ResponseBody::Json(b"{\"code\":0}".to_vec()));
    // Refused by the translator: never reaches the application, the app times out.
    let r = app.script_control(addr, BizCode::Control, b"refuse").await;
    assert!(matches!(r, Err(Error::NoAnswer)), "{r:?}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], b"json:power=1");
    assert!(seen[1].starts_with(br#"{"cmd":4"#));
    assert_eq!(handle.stats().refused, 1);
    app_stop.cancel();
    stop.cancel();
}
