//! A whole device on loopback: authorized over the LAN by an app (the keys persisted through
//! the activation event), then restarted with those keys, running its LAN driver and its WAN
//! client at once — controlled by the app over UDP and by the cloud over TCP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use joylink_crypto::KeyPair;
use joylink_session::Instant;
use joylink_session::lan::{Device, DeviceInfo, FixedStr, ResponseBody};
use joylink_session::wan::{self, Incoming};
use joylink_tokio::cloud::{CloudHub, HubEventKind, ServerConfig};
use joylink_tokio::device::{DeviceApp, DriverConfig};
use joylink_tokio::lan::{self, AppDriver, DeviceDriver, DeviceEvent, LanConfig};
use joylink_tokio::{TokioClock, os_rng};
use joylink_wire::lan::ScanStatus;
use tokio_util::sync::CancellationToken;

const FEEDID: &str = "1234567890123456";
const ACCESSKEY: &str = "961745eaa28c7ff6854b94a91ce19a91";
const LOCALKEY: &str = "be4d957a4da771d609ab383e548014a0";
const LAN_ANSWER: &[u8] = br#"{"code":0,"streams":[{"stream_id":"via","current_value":"lan"}]}"#;
const WAN_ANSWER: &[u8] = br#"{"code":0,"streams":[{"stream_id":"via","current_value":"wan"}]}"#;

fn info() -> DeviceInfo {
    DeviceInfo {
        mac: FixedStr::new("EA2D9AB01132").unwrap(),
        productuuid: FixedStr::new("5708AB").unwrap(),
        lancon: 1,
        ..DeviceInfo::default()
    }
}

/// The WAN side of the device's application: answers cloud controls.
struct Wan;
impl DeviceApp for Wan {
    fn on_incoming(&mut self, device: &mut wan::Device, now: Instant, incoming: Incoming<'_>) {
        if let Incoming::Control { request, .. } = incoming {
            device.respond(now, request, WAN_ANSWER).unwrap();
        }
    }
}

fn answer_lan(mut events: tokio::sync::mpsc::Receiver<DeviceEvent>) {
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            if let DeviceEvent::Request(r) = e {
                r.respond(LAN_ANSWER).unwrap();
            }
        }
    });
}

#[tokio::test]
async fn lan_activation_then_lan_and_wan_together() {
    let hub = CloudHub::new(
        [(FEEDID.to_string(), ACCESSKEY.parse().unwrap())],
        ServerConfig::default(),
    );
    let mut hub_events = hub.subscribe();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cloud = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(hub.clone().serve(listener, stop.clone()));

    let (app_driver, app) =
        AppDriver::bind(&LanConfig::app().with_bind("127.0.0.1:0".parse().unwrap()))
            .await
            .unwrap();
    tokio::spawn(app_driver.run(stop.clone()));

    // First boot: not activated; the app authorizes it and names the cloud.
    let lan_cfg = LanConfig::device().with_bind("127.0.0.1:0".parse().unwrap());
    let first: Device = Device::new(KeyPair::generate(&mut os_rng()), info());
    let (driver, mut events) = DeviceDriver::bind(first, &lan_cfg).await.unwrap();
    let addr = driver.local_addr().unwrap();
    let first_stop = CancellationToken::new();
    let first_run = tokio::spawn(driver.run(first_stop.clone()));
    app.discover(addr, None, ScanStatus::All, Duration::from_millis(200))
        .await
        .unwrap();
    app.authorize(addr, FEEDID, ACCESSKEY, LOCALKEY, Some(&cloud.to_string()))
        .await
        .unwrap();
    let saved = match tokio::time::timeout(Duration::from_secs(2), events.recv()).await {
        Ok(Some(DeviceEvent::Activated(a))) => a,
        other => panic!("{other:?}"),
    };
    first_stop.cancel();
    first_run.await.unwrap().unwrap();

    // Second boot on the same port with the persisted keys (a new key pair, as shipped devices
    // make at every boot), LAN and WAN together.
    let mut second: Device = Device::new(KeyPair::generate(&mut os_rng()), info());
    second.set_activation(Some(saved.clone()));
    let (driver, events) = DeviceDriver::bind(second, &lan_cfg.with_bind(addr))
        .await
        .unwrap();
    answer_lan(events);
    let mut wan_device = wan::Device::new(lan::wan_config(&saved, "5708AB").unwrap());
    assert_eq!(lan::cloud_address(&saved).await.unwrap(), cloud);
    let dev_stop = CancellationToken::new();
    let s = dev_stop.clone();
    let device = tokio::spawn(async move {
        lan::run_lan_and_wan(
            driver,
            &mut wan_device,
            &DriverConfig::new(cloud),
            TokioClock::new(),
            &mut Wan,
            &s,
        )
        .await
    });

    // The cloud sees it online and controls it over TCP ...
    loop {
        let e = tokio::time::timeout(Duration::from_secs(5), hub_events.recv())
            .await
            .unwrap()
            .unwrap();
        match e.kind {
            HubEventKind::Online => {
                assert_eq!(&*e.feed_id, FEEDID);
                hub.send_command(FEEDID, 1002u32.into(), br#"{"cmd":{"power":"1"}}"#)
                    .await
                    .unwrap();
            }
            HubEventKind::ControlResponse { data, .. } => {
                assert_eq!(&data[..], WAN_ANSWER);
                break;
            }
            _ => {}
        }
    }
    // ... while the app, holding the localkey from before the reboot, controls it over UDP
    // (a rescan picks up its new devkey and keeps the localkey).
    app.discover(addr, None, ScanStatus::All, Duration::from_millis(200))
        .await
        .unwrap();
    assert_eq!(
        app.snapshot(addr).await.unwrap(),
        ResponseBody::Json(LAN_ANSWER.to_vec())
    );

    dev_stop.cancel();
    let (lan_result, connections) = tokio::time::timeout(Duration::from_secs(2), device)
        .await
        .unwrap()
        .unwrap();
    lan_result.unwrap();
    assert_eq!(connections, 1);
    assert!(until(|| !hub.is_online(FEEDID)).await);
    stop.cancel();
}

async fn until(mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn an_activation_without_a_server_has_no_cloud_address() {
    let a = joylink_session::lan::Activation {
        feed_id: FixedStr::new(FEEDID).unwrap(),
        accesskey: ACCESSKEY.parse().unwrap(),
        localkey: LOCALKEY.parse().unwrap(),
        server: FixedStr::EMPTY,
    };
    assert!(matches!(
        lan::cloud_address(&a).await,
        Err(joylink_tokio::Error::Io(_))
    ));
    let c = lan::wan_config(&a, "5708AB").unwrap();
    let d: wan::Device = wan::Device::new(c);
    assert_eq!(d.state(), wan::DeviceState::Disconnected);
}
