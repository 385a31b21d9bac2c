//! LAN flows between the app and device/gateway machines over the simulated network: discovery
//! (fragmented too), authorization (invalid point, retries under loss), control and snapshot
//! with matching and timeouts, replays and duplicates, gateway sub-devices, golden vectors, and a
//! property test under random faults.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use joylink_crypto::{IvCompat, KeyPair, LocalKey, PrivateKey, SharedSecret};
use joylink_session::lan::{
    Activation, App, AppEvent, Device, DeviceInfo, Event, FixedStr, RequestKind, ResponseBody,
    SocketAddr, SubDeviceEntry, SubDeviceState,
};
use joylink_session::net::{Faults, SimNet};
use joylink_session::{DropReason, Error, Instant};
use joylink_test_vectors::{TestRng, by_id, hex_field, vectors};
use joylink_wire::lan::{
    ControlData, JsonControlRequest, Message, Quirk, ScanResponse, ScanStatus, Stream,
    SubDevProtocol,
};
use joylink_wire::{BizCode, CrcPolicy, Direction, EncType, Header, Magic, PacketType};

const FEEDID: &str = "7882708419766653";
const ACCESSKEY: &str = "961745eaa28c7ff6854b94a91ce19a91";
const LOCALKEY: &str = "be4d957a4da771d609ab383e548014a0";

fn app_addr() -> SocketAddr {
    "192.168.1.10:5000".parse().unwrap()
}
fn dev_addr() -> SocketAddr {
    "192.168.1.20:80".parse().unwrap()
}
fn broadcast() -> SocketAddr {
    SocketAddr::new(SimNet::BROADCAST, 80)
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

/// App + device (or gateway) over a simulated network; the device's application answers every
/// request at once (unless `mute`) and logs what it applied.
struct World<const S: usize> {
    net: SimNet,
    app: App,
    dev: Device<8, 4, 4, S>,
    events: Vec<AppEvent>,
    /// (kind, body) of every request the device application applied.
    applied: Vec<(RequestKind, Vec<u8>)>,
    activations: Vec<Activation>,
    mute: bool,
    last_request: Option<joylink_session::lan::RequestId>,
}

impl<const S: usize> World<S> {
    fn new(seed: u64, faults: Faults) -> Self {
        let mut rng = TestRng(seed);
        let mut net = SimNet::new(seed, faults);
        net.register(app_addr());
        net.register(dev_addr());
        Self {
            net,
            app: App::new(&mut rng),
            dev: Device::new(KeyPair::generate(&mut rng), info()),
            events: Vec::new(),
            applied: Vec::new(),
            activations: Vec::new(),
            mute: false,
            last_request: None,
        }
    }

    fn now(&self) -> Instant {
        self.net.now()
    }

    fn flush(&mut self) {
        let mut buf = [0u8; 1400];
        while let Some((to, n)) = self.app.poll_transmit(&mut buf) {
            self.net.send(app_addr(), to, &buf[..n]);
        }
        while let Some((to, n)) = self.dev.poll_transmit(&mut buf) {
            self.net.send(dev_addr(), to, &buf[..n]);
        }
    }

    /// Runs until `until` (simulated ms from now).
    fn run_for(&mut self, ms: u64) {
        let end = self.now().add_millis(ms);
        loop {
            self.flush();
            while let Some(d) = self.net.pop_due() {
                let now = self.now();
                let mut data = d.data;
                if d.to == app_addr() {
                    let _ = self.app.handle(now, d.from, &mut data);
                    while let Some(e) = self.app.poll_event() {
                        self.events.push(e);
                    }
                } else if d.to == dev_addr() {
                    let reply = match self.dev.handle(now, d.from, &mut data) {
                        Ok(Some(Event::Request(r))) => {
                            self.applied.push((r.kind, r.body.to_vec()));
                            self.last_request = Some(r.id);
                            let answer: &[u8] = match r.kind {
                                RequestKind::Json { .. } => {
                                    br#"{"code":0,"streams":[{"stream_id":"switch","current_value":"1"}]}"#
                                }
                                _ => br#"{"code":0}"#,
                            };
                            (!self.mute).then_some((r.id, answer))
                        }
                        Ok(Some(Event::Activated(a))) => {
                            self.activations.push(a);
                            None
                        }
                        _ => None,
                    };
                    if let Some((id, answer)) = reply {
                        self.dev.respond(id, now, answer).unwrap();
                    }
                }
                self.flush();
            }
            let next = [
                self.net.next_delivery(),
                self.app.poll_timeout(),
                self.dev.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= end => {
                    self.net.advance_to(t);
                    self.app.handle_timeout(t);
                    self.dev.handle_timeout(t);
                    while let Some(e) = self.app.poll_event() {
                        self.events.push(e);
                    }
                }
                _ => {
                    self.net.advance_to(end);
                    return;
                }
            }
        }
    }

    fn discover(&mut self) {
        self.app
            .discover(broadcast(), None, ScanStatus::All)
            .unwrap();
        self.run_for(100);
    }

    fn authorize(&mut self) -> joylink_session::lan::RequestHandle {
        let now = self.now();
        let h = self
            .app
            .authorize(
                now,
                dev_addr(),
                FEEDID,
                ACCESSKEY,
                LOCALKEY,
                Some("live.smart.jd.com:6001"),
            )
            .unwrap();
        self.run_for(10_000);
        h
    }
}

fn clean() -> Faults {
    Faults {
        delay_ms: 2,
        ..Faults::default()
    }
}

#[test]
fn discovery_fills_the_device_list() {
    let mut w = World::<0>::new(1, clean());
    w.discover();
    assert_eq!(w.events, [AppEvent::Discovered(dev_addr())]);
    let d = w.app.device(dev_addr()).unwrap();
    assert_eq!(d.devkey.as_ref(), Some(w.dev.public_key()));
    assert_eq!(
        (d.mac.as_str(), d.productuuid.as_str(), d.feed_id.as_str()),
        ("EA2D9AB01132", "5708AB", "")
    );
    assert!(!d.is_authorized());
}

#[test]
fn scan_status_filter() {
    use joylink_session::lan::ScanPolicy;
    // Shipped behaviour: every scan is answered whatever its status.
    let mut w = World::<0>::new(2, clean());
    w.app
        .discover(broadcast(), None, ScanStatus::Authorized)
        .unwrap();
    w.run_for(100);
    assert_eq!(w.events.len(), 1);
    // The spec's reading: an unactivated device does not answer "authorized devices".
    let mut w = World::<0>::new(2, clean());
    w.dev.set_scan_policy(ScanPolicy::Status);
    w.app
        .discover(broadcast(), None, ScanStatus::Authorized)
        .unwrap();
    w.run_for(100);
    assert!(w.events.is_empty());
    w.app
        .discover(broadcast(), None, ScanStatus::Waiting)
        .unwrap();
    w.run_for(100);
    assert_eq!(w.events, [AppEvent::Discovered(dev_addr())]);
}

fn sub_entry(i: usize, authorized: bool) -> SubDeviceEntry {
    SubDeviceEntry {
        mac: FixedStr::new(&format!("7E3C55204B{i:02}")).unwrap(),
        productuuid: FixedStr::new("83453A").unwrap(),
        protocol: 1,
        state: if authorized {
            SubDeviceState::Authorized
        } else {
            SubDeviceState::Waiting
        },
        feed_id: FixedStr::new(&format!("13590225314845{i:04}")).unwrap(),
        localkey: None,
        accesskey: None,
    }
}

#[test]
fn fragmented_scan_reply_is_reassembled_in_any_order() {
    for seed in 0..8 {
        let mut w = World::<16>::new(
            seed,
            Faults {
                reorder: 800,
                reorder_ms: 30,
                duplicate: 300,
                delay_ms: 1,
                ..Faults::default()
            },
        );
        for i in 0..16 {
            w.dev
                .set_sub_device(i, Some(sub_entry(i, i % 2 == 0)))
                .unwrap();
        }
        w.discover();
        let fragments = w
            .net
            .history()
            .iter()
            .filter(|d| d.from == dev_addr())
            .filter(|d| {
                joylink_wire::parse(&d.data, joylink_wire::CrcPolicy::Verify)
                    .unwrap()
                    .header
                    .total
                    > 1
            })
            .count();
        assert!(fragments >= 2, "the reply must be fragmented ({fragments})");
        let d = w.app.device(dev_addr()).expect("discovered");
        assert_eq!(d.sub_devices.len(), 16);
        assert_eq!(d.sub_devices.iter().filter(|s| s.3).count(), 8);
        assert!(w.events.contains(&AppEvent::Discovered(dev_addr())));
    }
}

#[test]
fn authorization_installs_the_same_keys_on_both_sides() {
    let mut w = World::<0>::new(3, clean());
    w.discover();
    let h = w.authorize();
    assert!(w.events.contains(&AppEvent::Authorized(h)));
    assert_eq!(w.activations.len(), 1, "the device reports its keys once");
    let a = &w.activations[0];
    assert_eq!(a.feed_id.as_str(), FEEDID);
    assert_eq!(a.localkey, LOCALKEY.parse::<LocalKey>().unwrap());
    assert_eq!(a.accesskey, ACCESSKEY.parse().unwrap());
    assert_eq!(a.server.as_str(), "live.smart.jd.com:6001");
    assert_eq!(w.dev.activation(), Some(a));
    assert!(w.app.device(dev_addr()).unwrap().is_authorized());
    // The answer goes out 3 times, as shipped devices send it; the app takes the first.
    let answers = w
        .net
        .history()
        .iter()
        .filter(|d| d.from == dev_addr())
        .count();
    assert_eq!(answers, 1 + 3);
}

#[test]
fn authorization_with_other_keys_is_refused_once_activated() {
    let mut w = World::<0>::new(4, clean());
    w.discover();
    w.authorize();
    let now = w.now();
    let h = w
        .app
        .authorize(
            now,
            dev_addr(),
            FEEDID,
            ACCESSKEY,
            "00000000000000000000000000000000",
            None,
        )
        .unwrap();
    w.run_for(10_000);
    assert!(w.events.contains(&AppEvent::AuthFailed(h, Some(-2001))));
    assert_eq!(
        w.dev.activation().unwrap().localkey,
        LOCALKEY.parse::<LocalKey>().unwrap()
    );
}

#[test]
fn invalid_curve_point_is_refused_silently() {
    let mut w = World::<0>::new(5, clean());
    w.discover();
    w.authorize();
    // Take the app's write-key packet and put a point that is not on the curve in its opt.
    let mut packet = w
        .net
        .history()
        .iter()
        .find(|d| d.from == app_addr() && d.data.get(9) == Some(&2))
        .unwrap()
        .data
        .clone();
    let h = joylink_wire::parse(&packet, joylink_wire::CrcPolicy::Verify)
        .unwrap()
        .header;
    assert_eq!(
        (h.packet_type, h.enc_type, h.opt_len),
        (PacketType::WriteKey, EncType::Ecdh, 21)
    );
    packet[16] = 0x02;
    packet[17..37].fill(0xff); // x ≥ p: no such point
    let mut p = joylink_wire::Packet::new_unchecked(&mut packet[..]);
    p.fill_crc().unwrap();
    let mut dev: Device = Device::new(KeyPair::generate(&mut TestRng(9)), info());
    let r = dev.handle(Instant(0), app_addr(), &mut packet);
    assert!(matches!(r, Err(Error::Crypto(_))), "{r:?}");
    assert_eq!(dev.poll_transmit(&mut [0u8; 1400]), None);
    assert!(dev.activation().is_none());
}

#[test]
fn authorization_retries_under_loss() {
    let mut authorized = 0;
    for seed in 0..20 {
        let mut w = World::<0>::new(seed, clean());
        w.discover();
        w.net.set_faults(Faults {
            drop: 400,
            delay_ms: 2,
            ..Faults::default()
        });
        let h = w.authorize();
        let app_says = w.events.contains(&AppEvent::Authorized(h));
        let failed = w.events.contains(&AppEvent::AuthFailed(h, None));
        assert!(app_says ^ failed, "seed {seed}: exactly one outcome");
        if app_says {
            authorized += 1;
            // The app only believes it when the device really holds the keys.
            assert_eq!(
                w.dev.activation().unwrap().localkey,
                LOCALKEY.parse::<LocalKey>().unwrap()
            );
        }
        assert!(w.activations.len() <= 1, "keys reported at most once");
        assert_eq!(w.app.pending(), 0);
    }
    // With 40 % loss each way, 5 attempts of 4 chances succeed nearly always.
    assert!(authorized >= 18, "{authorized}/20");
}

fn authorized_world<const S: usize>(seed: u64) -> World<S> {
    let mut w = World::<S>::new(seed, clean());
    w.discover();
    w.authorize();
    assert!(w.app.device(dev_addr()).unwrap().is_authorized());
    w.events.clear();
    w
}

#[test]
fn control_and_snapshot_are_matched_to_their_requests() {
    let mut w = authorized_world::<0>(6);
    let now = w.now();
    let snap = w
        .app
        .json_control(now, dev_addr(), JsonControlRequest::snapshot())
        .unwrap();
    let ctrl = w
        .app
        .json_control(
            now,
            dev_addr(),
            JsonControlRequest::control(ControlData {
                streams: vec![Stream::new("switch", "1")],
                snapshot: None,
            }),
        )
        .unwrap();
    let s1 = w
        .app
        .script_control(now, dev_addr(), BizCode::Control, b"\x01\x02")
        .unwrap();
    let s2 = w
        .app
        .script_control(now, dev_addr(), BizCode::Control, b"\x03")
        .unwrap();
    w.run_for(1_000);
    let responses: Vec<_> = w
        .events
        .iter()
        .filter_map(|e| match e {
            AppEvent::Response(h, b) => Some((*h, b.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(responses.len(), 4, "{:?}", w.events);
    for h in [snap, ctrl] {
        let (_, body) = responses.iter().find(|(x, _)| *x == h).unwrap();
        assert!(matches!(body, ResponseBody::Json(j) if j.starts_with(b"{\"code\":0,\"streams\"")));
    }
    let serials: Vec<u32> = [s1, s2]
        .iter()
        .map(
            |h| match &responses.iter().find(|(x, _)| x == h).unwrap().1 {
                ResponseBody::Script {
                    biz_code,
                    serial,
                    resp,
                } => {
                    assert_eq!(*biz_code, BizCode::ControlResponse);
                    assert_eq!(resp, br#"{"code":0}"#);
                    *serial
                }
                b => panic!("{b:?}"),
            },
        )
        .collect();
    assert_ne!(serials[0], serials[1]);
    // The device saw the JSON commands and the script bytes.
    assert!(w.applied.iter().any(
        |(k, b)| matches!(k, RequestKind::Json { sub_device: false })
            && b.starts_with(b"{\"cmd\":4")
    ));
    assert!(w.applied.iter().any(
        |(k, b)| matches!(k, RequestKind::Script { serial, .. } if *serial == serials[0])
            && b == b"\x01\x02"
    ));
    // The JSON answers went out as type 4, as shipped devices send them.
    let types: Vec<u8> = w
        .net
        .history()
        .iter()
        .filter(|d| d.from == dev_addr())
        .map(|d| d.data[9])
        .collect();
    assert!(types.iter().rev().take(4).all(|t| *t == 4), "{types:?}");
}

#[test]
fn unanswered_control_times_out_after_500_ms_and_late_answer_is_dropped() {
    let mut w = authorized_world::<0>(7);
    w.mute = true;
    let start = w.now();
    let h = w
        .app
        .script_control(start, dev_addr(), BizCode::Control, b"x")
        .unwrap();
    w.run_for(499);
    assert!(w.events.is_empty());
    w.run_for(2);
    assert_eq!(w.events, [AppEvent::Timeout(h)]);
    // The device's application answers late: the answer travels but no event comes of it.
    assert_eq!(w.dev.pending_requests(), 1);
    let id = w.last_request.unwrap();
    let now = w.now();
    w.dev.respond(id, now, b"{\"code\":0}").unwrap();
    let sent = w.net.history().len();
    w.run_for(100);
    assert_eq!(w.net.history().len(), sent + 1);
    assert_eq!(w.events, [AppEvent::Timeout(h)]);
    // A request the application never answers frees its slot by itself.
    w.app
        .script_control(w.now(), dev_addr(), BizCode::Control, b"y")
        .unwrap();
    w.run_for(100);
    assert_eq!(w.dev.pending_requests(), 1);
    w.run_for(3_000);
    assert_eq!(
        w.dev.pending_requests(),
        0,
        "the device frees the slot by itself"
    );
    assert_eq!(w.events.len(), 2);
    assert_eq!(w.events[0], AppEvent::Timeout(h));
    // Answering an expired request is refused.
    assert!(matches!(
        w.dev.respond(w.last_request.unwrap(), w.now(), b"{}"),
        Err(Error::State(_))
    ));
}

#[test]
fn replayed_packets_are_dropped_and_nothing_is_sent() {
    let mut w = authorized_world::<0>(8);
    let now = w.now();
    w.app
        .script_control(now, dev_addr(), BizCode::Control, b"on")
        .unwrap();
    w.run_for(100);
    assert_eq!(w.applied.len(), 1);
    let sent_before = w.net.history().len();
    // An attacker replays every packet the app ever sent.
    let replays: Vec<_> = w
        .net
        .history()
        .iter()
        .filter(|d| d.from == app_addr())
        .cloned()
        .collect();
    for d in replays {
        w.net.inject(d);
    }
    w.run_for(100);
    assert_eq!(w.applied.len(), 1, "no control applied twice");
    assert_eq!(w.activations.len(), 1);
    // Only the replayed scan (no timestamp: answered by every device) gets a reply.
    let answers: Vec<u8> = w.net.history()[sent_before..]
        .iter()
        .map(|d| d.data[9])
        .collect();
    assert_eq!(answers, [1]);
}

#[test]
fn same_timestamp_from_another_peer_is_not_a_replay() {
    let mut w = authorized_world::<0>(9);
    let now = w.now();
    w.app
        .script_control(now, dev_addr(), BizCode::Control, b"on")
        .unwrap();
    w.run_for(100);
    let packet = w
        .net
        .history()
        .iter()
        .rev()
        .find(|d| d.from == app_addr())
        .unwrap()
        .data
        .clone();
    let other: SocketAddr = "192.168.1.11:5000".parse().unwrap();
    let mut copy = packet.clone();
    let r = w.dev.handle(w.now(), other, &mut copy);
    assert!(matches!(r, Ok(Some(Event::Request(_)))), "{r:?}");
    let mut copy = packet.clone();
    let r = w.dev.handle(w.now(), other, &mut copy);
    assert!(
        matches!(r, Err(Error::Dropped(DropReason::Replayed))),
        "{r:?}"
    );
}

#[test]
fn duplicated_packets_are_applied_once() {
    let mut w = authorized_world::<0>(10);
    w.net.set_faults(Faults {
        duplicate: 1000,
        reorder: 500,
        reorder_ms: 20,
        delay_ms: 1,
        ..Faults::default()
    });
    let mut handles = Vec::new();
    for i in 0..10u8 {
        let now = w.now();
        handles.push(
            w.app
                .script_control(now, dev_addr(), BizCode::Control, &[i])
                .unwrap(),
        );
        w.run_for(5);
    }
    w.run_for(1_000);
    let cmds: Vec<Vec<u8>> = w.applied.iter().map(|(_, b)| b.clone()).collect();
    let mut unique = cmds.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        cmds.len(),
        unique.len(),
        "no command applied twice: {cmds:?}"
    );
    let answered = w
        .events
        .iter()
        .filter(|e| matches!(e, AppEvent::Response(..)))
        .count();
    let timeouts = w
        .events
        .iter()
        .filter(|e| matches!(e, AppEvent::Timeout(..)))
        .count();
    assert_eq!(
        answered + timeouts,
        handles.len(),
        "one outcome per command"
    );
    assert!(answered <= cmds.len());
}

#[test]
fn gateway_adds_authorizes_and_controls_a_sub_device() {
    let mut w = authorized_world::<4>(11);
    let (mac, uuid, sub_feedid) = ("7E3C55204B59", "83453A", "135902253148451506");
    let sub_key = "22dc6dd29b5b3b2f80cc44d6cb3aad1a";
    let now = w.now();
    let add = w
        .app
        .add_sub_device(now, dev_addr(), mac, uuid, SubDevProtocol::Zigbee)
        .unwrap();
    w.run_for(2_000);
    assert!(
        w.events.contains(&AppEvent::SubDevice(add, 0)),
        "{:?}",
        w.events
    );
    let (_, row) = w.dev.sub_devices().next().unwrap();
    assert_eq!(
        (row.mac.as_str(), row.state),
        (mac, SubDeviceState::Waiting)
    );

    let now = w.now();
    let auth = w
        .app
        .authorize_sub_device(
            now,
            dev_addr(),
            [
                sub_feedid,
                "dd9bef8eea945ce9b7a7fafc908105c9",
                sub_key,
                uuid,
                mac,
            ],
        )
        .unwrap();
    w.run_for(2_000);
    assert!(
        w.events.contains(&AppEvent::SubDevice(auth, 0)),
        "{:?}",
        w.events
    );
    let (_, row) = w.dev.sub_devices().next().unwrap();
    assert_eq!(row.state, SubDeviceState::Authorized);
    assert_eq!(row.feed_id.as_str(), sub_feedid);
    assert_eq!(row.localkey, Some(sub_key.parse().unwrap()));

    // 104: the command is sealed with the sub-device key inside the gateway's.
    let now = w.now();
    let cmd = br#"{"streams":[{"stream_id":"power","current_value":"1"}]}"#;
    let h = w
        .app
        .sub_script_control(now, dev_addr(), sub_feedid, BizCode::Control, cmd)
        .unwrap();
    w.run_for(1_000);
    let resp = w.events.iter().find_map(|e| match e {
        AppEvent::Response(x, ResponseBody::Script { resp, .. }) if *x == h => Some(resp.clone()),
        _ => None,
    });
    assert_eq!(resp.as_deref(), Some(&br#"{"code":0}"#[..]));
    assert!(
        w.applied
            .iter()
            .any(|(k, b)| matches!(k, RequestKind::SubScript { sub_device: 0, .. }) && b == cmd)
    );
    // The plaintext command is not visible under the gateway's key alone.
    let wire = w
        .net
        .history()
        .iter()
        .rev()
        .find(|d| d.from == app_addr())
        .unwrap()
        .data
        .clone();
    assert!(!wire.windows(cmd.len()).any(|x| x == cmd));

    // 103: JSON control with the sub-device's feedid, answered as type 4.
    let now = w.now();
    let j = w
        .app
        .json_control(
            now,
            dev_addr(),
            JsonControlRequest::snapshot().with_feed_id(sub_feedid),
        )
        .unwrap();
    w.run_for(1_000);
    assert!(
        w.events
            .iter()
            .any(|e| matches!(e, AppEvent::Response(x, ResponseBody::Json(_)) if *x == j))
    );
    assert!(
        w.applied
            .iter()
            .any(|(k, _)| matches!(k, RequestKind::Json { sub_device: true }))
    );

    // An unknown sub-device's auth gets no answer at all.
    let now = w.now();
    let before = w.net.history().len();
    let bad = w
        .app
        .authorize_sub_device(
            now,
            dev_addr(),
            [
                sub_feedid,
                "dd9bef8eea945ce9b7a7fafc908105c9",
                sub_key,
                uuid,
                "000000000000",
            ],
        )
        .unwrap();
    w.run_for(10_000);
    assert!(
        w.net.history()[before..]
            .iter()
            .all(|d| d.from == app_addr())
    );
    assert!(
        !w.events
            .iter()
            .any(|e| matches!(e, AppEvent::SubDevice(x, _) if *x == bad))
    );
}

fn vector_key_pair(hex_key: &joylink_test_vectors::Value) -> KeyPair {
    let bytes: [u8; 20] = hex_field(hex_key).try_into().unwrap();
    KeyPair::from_private_key(PrivateKey::from_bytes(&bytes).unwrap())
}

#[test]
fn scan_reply_bytes_equal_the_vector() {
    let list = vectors("lan_packets.json");
    let v = by_id(&list, "lan-02");
    let d = &v["device"];
    let s = |k: &str| d[k].as_str().unwrap();
    let info = DeviceInfo {
        mac: FixedStr::new(s("mac")).unwrap(),
        productuuid: FixedStr::new(s("productuuid")).unwrap(),
        cid: FixedStr::new(s("CID")).unwrap(),
        firmware_version: FixedStr::new(s("firmwareVersion")).unwrap(),
        model_code: FixedStr::new(s("modelCode")).unwrap(),
        joy_sdk_version: FixedStr::new(s("joySdkVersion")).unwrap(),
        lancon: d["lancon"].as_i64().unwrap() as i32,
        trantype: d["trantype"].as_i64().unwrap() as i32,
        devtype: d["devtype"].as_i64().unwrap() as i32,
        no_snapshot: 0,
        batch_bind: 0,
    };
    let mut dev: Device = Device::new(vector_key_pair(&d["device_private_key"]), info);
    dev.set_activation(Some(Activation {
        feed_id: FixedStr::new(s("feedid")).unwrap(),
        accesskey: s("accesskey").parse().unwrap(),
        localkey: s("localkey").parse().unwrap(),
        server: FixedStr::EMPTY,
    }));
    let mut request = hex_field(&v["in_reply_to"]);
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut request).unwrap(),
        None
    );
    let mut out = [0u8; 1400];
    let (to, n) = dev.poll_transmit(&mut out).unwrap();
    assert_eq!(to, app_addr());
    assert_eq!(hex::encode(&out[..n]), hex::encode(hex_field(&v["packet"])));
    assert_eq!(dev.poll_transmit(&mut out), None);
}

#[test]
fn write_key_reply_bytes_equal_the_vector() {
    let list = vectors("lan_packets.json");
    let request_v = by_id(&list, "lan-04");
    let reply_v = by_id(&list, "lan-05");
    let pair = vector_key_pair(&request_v["key"]["device_private_key"]);
    let mut dev: Device = Device::new(pair, DeviceInfo::default());
    let mut request = hex_field(&reply_v["in_reply_to"]);
    let event = dev.handle(Instant(0), app_addr(), &mut request).unwrap();
    let Some(Event::Activated(a)) = event else {
        panic!("{event:?}")
    };
    let plaintext = String::from_utf8(hex_field(&request_v["plaintext"])[4..].to_vec()).unwrap();
    let at = plaintext.find("\"localkey\":\"").unwrap() + 12;
    assert_eq!(a.localkey, plaintext[at..at + 32].parse().unwrap());
    let mut out = [0u8; 1400];
    for _ in 0..3 {
        let (_, n) = dev.poll_transmit(&mut out).unwrap();
        assert_eq!(
            hex::encode(&out[..n]),
            hex::encode(hex_field(&reply_v["packet"]))
        );
    }
    assert_eq!(dev.poll_transmit(&mut out), None);
    // The same packet again is a replay: no second activation, nothing sent.
    let mut again = hex_field(&reply_v["in_reply_to"]);
    assert!(matches!(
        dev.handle(Instant(1), app_addr(), &mut again),
        Err(Error::Dropped(DropReason::Replayed))
    ));
    assert_eq!(dev.poll_transmit(&mut out), None);
}

#[test]
fn without_keys_nothing_but_discovery_and_authorization_is_served() {
    let mut dev: Device = Device::new(KeyPair::generate(&mut TestRng(1)), info());
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let header = Header::new(Magic::Lan, PacketType::ScriptControl, EncType::PreShared);
    let mut buf = [0u8; 128];
    let body = [0xea, 0x03, 0, 0, 1, 0, 0, 0, b'x'];
    let mut plain = vec![5, 0, 0, 0];
    plain.extend_from_slice(&body);
    let n = seal_payload(
        &header,
        &joylink_crypto::Mode::LocalKey(&key),
        &plain,
        &mut buf,
    );
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut buf[..n]),
        Err(Error::Dropped(DropReason::NotActivated))
    );
    // A type-3 packet in clear (enctype 0) is refused even with keys installed.
    dev.set_activation(Some(Activation {
        feed_id: FixedStr::new(FEEDID).unwrap(),
        accesskey: ACCESSKEY.parse().unwrap(),
        localkey: key,
        server: FixedStr::EMPTY,
    }));
    let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::None);
    let n = seal_payload(
        &header,
        &joylink_crypto::Mode::None,
        b"\x05\0\0\0{\"cmd\":4}",
        &mut buf,
    );
    assert!(matches!(
        dev.handle(Instant(0), app_addr(), &mut buf[..n]),
        Err(Error::Dropped(DropReason::EncTypeNotAllowed))
    ));
    assert_eq!(dev.poll_transmit(&mut [0u8; 1400]), None);
}

mod faults {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24), ..ProptestConfig::default() })]

        /// Random loss, duplication, reordering and replays: both sides agree on the activation,
        /// every answered command was applied exactly once, no command was applied twice.
        #[test]
        fn both_sides_agree_under_random_faults(
            seed in any::<u64>(),
            drop in 0u32..300,
            duplicate in 0u32..400,
            reorder in 0u32..500,
            replay in 0u32..200,
            ops in proptest::collection::vec(0u8..3, 1..12),
        ) {
            let mut w = World::<0>::new(seed, clean());
            w.discover();
            w.net.set_faults(Faults { drop, duplicate, reorder, reorder_ms: 40, replay, delay_ms: 2 });
            let h = w.authorize();
            let authorized = w.events.contains(&AppEvent::Authorized(h));
            if authorized {
                prop_assert_eq!(w.dev.activation().map(|a| a.localkey.clone()), Some(LOCALKEY.parse::<LocalKey>().unwrap()));
            }
            prop_assert!(w.activations.len() <= 1);
            if authorized {
                for (i, op) in ops.iter().enumerate() {
                    let now = w.now();
                    let tag = [i as u8, *op];
                    match op {
                        0 => { w.app.script_control(now, dev_addr(), BizCode::Control, &tag).unwrap(); }
                        1 => { w.app.json_control(now, dev_addr(), JsonControlRequest::snapshot()).unwrap(); }
                        _ => { w.app.json_control(now, dev_addr(), JsonControlRequest::control(ControlData { streams: vec![Stream::new("n", i64::try_from(i).unwrap())], snapshot: None })).unwrap(); }
                    }
                    w.run_for(20);
                }
                w.run_for(3_000);
                let mut bodies: Vec<_> = w.applied.iter().map(|(_, b)| b.clone()).filter(|b| !b.starts_with(b"{\"cmd\":4")).collect();
                let n = bodies.len();
                bodies.sort();
                bodies.dedup();
                prop_assert_eq!(n, bodies.len(), "a control was applied twice");
                let responses = w.events.iter().filter(|e| matches!(e, AppEvent::Response(..))).count();
                let timeouts = w.events.iter().filter(|e| matches!(e, AppEvent::Timeout(..))).count();
                prop_assert_eq!(responses + timeouts, ops.len());
                prop_assert!(responses <= w.applied.len());
                prop_assert_eq!(w.app.pending(), 0);
            }
        }
    }
}

/// Lays `plaintext` (timestamp included) out after the header and seals it with the one `seal`.
fn seal_payload(
    header: &Header,
    mode: &joylink_crypto::Mode<'_>,
    plaintext: &[u8],
    buf: &mut [u8],
) -> usize {
    buf[16..16 + plaintext.len()].copy_from_slice(plaintext);
    joylink_crypto::seal(header, mode, 0, plaintext.len(), buf).unwrap()
}

fn seal_local(packet_type: PacketType, plaintext: &[u8]) -> Vec<u8> {
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let mode = joylink_crypto::Mode::LocalKey(&key);
    let header = Header::new(Magic::Lan, packet_type, EncType::PreShared);
    let mut out = vec![0u8; joylink_crypto::sealed_len(&mode, 0, plaintext.len())];
    let n = seal_payload(&header, &mode, plaintext, &mut out);
    out.truncate(n);
    out
}

#[test]
fn app_is_lenient_to_what_shipped_modules_send() {
    let mut w = World::<4>::new(12, clean());
    w.discover();
    let now = w.now();
    let h = w
        .app
        .authorize(now, dev_addr(), FEEDID, ACCESSKEY, LOCALKEY, None)
        .unwrap();
    // A write-key answer with a 4-byte prefix before the JSON, and E17's message text.
    let payload = b"\0\0\0\0{\"code\":0,\"msg\":\"success\"}";
    let header = Header::new(Magic::Lan, PacketType::WriteKey, EncType::None);
    let mut p = vec![0u8; 16 + payload.len()];
    seal_payload(&header, &joylink_crypto::Mode::None, payload, &mut p);
    w.app.handle(now, dev_addr(), &mut p).unwrap();
    assert_eq!(w.app.poll_event(), Some(AppEvent::Authorized(h)));
    assert!(w.app.device(dev_addr()).unwrap().is_authorized());

    // A JSON answer under type 3 (the spec's number) instead of 4.
    let j = w
        .app
        .json_control(now, dev_addr(), JsonControlRequest::snapshot())
        .unwrap();
    let mut p = seal_local(PacketType::JsonControl, b"\x10\0\0\0{\"code\":0}");
    w.app.handle(now, dev_addr(), &mut p).unwrap();
    assert_eq!(
        w.app.poll_event(),
        Some(AppEvent::Response(
            j,
            ResponseBody::Json(b"{\"code\":0}".to_vec())
        ))
    );

    // A script answer under type 3 (a module port's bug): still matched by its serial.
    let s = w
        .app
        .script_control(now, dev_addr(), BizCode::Control, b"x")
        .unwrap();
    let mut plain = vec![0x11, 0, 0, 0, 102, 0, 0, 0, 1, 0, 0, 0];
    plain.extend_from_slice(b"{}");
    let mut p = seal_local(PacketType::JsonControl, &plain);
    w.app.handle(now, dev_addr(), &mut p).unwrap();
    assert_eq!(
        w.app.poll_event(),
        Some(AppEvent::Response(
            s,
            ResponseBody::Script {
                biz_code: BizCode::ControlResponse,
                serial: 1,
                resp: b"{}".to_vec()
            }
        ))
    );
    // The same answer again is a replay: dropped, no event.
    let mut p = seal_local(PacketType::JsonControl, &plain);
    assert!(matches!(
        w.app.handle(now, dev_addr(), &mut p),
        Err(Error::Dropped(DropReason::Replayed))
    ));
    assert_eq!(w.app.poll_event(), None);

    // compat §16.1: a type-3 answer that is bare JSON without a timestamp (HiFlying).
    let j = w
        .app
        .json_control(now, dev_addr(), JsonControlRequest::snapshot())
        .unwrap();
    let json = b"{\"code\":0,\"data\":[]}";
    let mut p = seal_local(PacketType::JsonControl, json);
    w.app.handle(now, dev_addr(), &mut p).unwrap();
    assert_eq!(
        w.app.poll_event(),
        Some(AppEvent::Response(j, ResponseBody::Json(json.to_vec())))
    );
    assert_eq!(
        w.app.device(dev_addr()).unwrap().quirks(),
        [
            Quirk::WriteKeyPrefix,
            Quirk::ScriptLayoutUnderJsonType,
            Quirk::NoTimestamp
        ]
    );
}

/// An app / device key pair whose ECDH IV (secret bytes 4..20) changes when cut at its first
/// 0x00 (compat §3.1), found by trying seeds.
fn pairs_with_a_nul_in_the_iv() -> (KeyPair, KeyPair, SharedSecret) {
    for seed in 0..100_000u64 {
        let app = KeyPair::generate(&mut TestRng(seed));
        let device = KeyPair::generate(&mut TestRng(seed ^ 0x5a5a_5a5a));
        let secret = device.private_key().diffie_hellman(app.public_key());
        let iv = &secret.raw_secret_bytes()[4..20];
        let Some(nul) = iv.iter().position(|&b| b == 0) else {
            continue;
        };
        if iv[nul..].iter().any(|&b| b != 0) {
            return (app, device, secret);
        }
    }
    panic!("no seed gives a 0x00 in the IV");
}

/// What a module on SDK ≤ 2.0.12 (or the E17-based HiFlying port) does with an enctype-2
/// request: decrypt with the IV cut at its first 0x00; `None` when the JSON does not parse
/// (then it does not answer).
fn old_device_reads(secret: &SharedSecret, datagram: &[u8]) -> Option<PacketType> {
    let legacy = secret.clone().with_iv_compat(IvCompat::LegacyStrncpy);
    let mut buf = datagram.to_vec();
    let packet = joylink_wire::PartialParse::new(&mut buf, CrcPolicy::Verify).ok()?;
    let t = packet.header().packet_type;
    let opened = joylink_crypto::open(
        packet,
        &joylink_crypto::Mode::Ecdh(&legacy),
        joylink_crypto::OpenOptions::new().timestamp(true),
    )
    .ok()?;
    joylink_wire::lan::parse(t, opened.plaintext, Direction::ToDevice).ok()?;
    Some(t)
}

/// compat §3.1, §16.1: the app's first write key (full IV) goes unanswered by an old module;
/// the retry is sealed with the cut IV, the module answers, the app records
/// `Quirk::TruncatedIv` and seals the next enctype-2 request (a sub-device authorization) with
/// the cut IV at once.
#[test]
fn app_finds_and_remembers_the_truncated_iv() {
    let (app_pair, device_pair, secret) = pairs_with_a_nul_in_the_iv();
    let mut app = App::with_key_pair(app_pair);
    let devkey = device_pair.public_key().to_devkey();
    let mut scan = ScanResponse::new("ACCF23A1B2C3", "5708AB");
    scan.devkey = Some(devkey.as_str().into());
    let plain = Message::ScanResponse(scan).emit().unwrap();
    let header = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
    let mut p = vec![0u8; 16 + plain.len()];
    seal_payload(&header, &joylink_crypto::Mode::None, &plain, &mut p);
    let t0 = Instant(1_000);
    app.handle(t0, dev_addr(), &mut p).unwrap();
    assert_eq!(app.poll_event(), Some(AppEvent::Discovered(dev_addr())));

    let h = app
        .authorize(t0, dev_addr(), FEEDID, ACCESSKEY, LOCALKEY, None)
        .unwrap();
    let mut buf = [0u8; 1400];
    let (_, n) = app.poll_transmit(&mut buf).unwrap();
    assert_eq!(
        old_device_reads(&secret, &buf[..n]),
        None,
        "full IV: garbage first block"
    );
    let t1 = t0.add_millis(joylink_session::lan::AUTH_RETRY_MS);
    app.handle_timeout(t1);
    let (_, n) = app.poll_transmit(&mut buf).unwrap();
    assert_eq!(
        old_device_reads(&secret, &buf[..n]),
        Some(PacketType::WriteKey)
    );

    let answer = br#"{"code":0,"msg":"success"}"#;
    let header = Header::new(Magic::Lan, PacketType::WriteKey, EncType::None);
    let mut p = vec![0u8; 16 + answer.len()];
    seal_payload(&header, &joylink_crypto::Mode::None, answer, &mut p);
    app.handle(t1, dev_addr(), &mut p).unwrap();
    assert_eq!(app.poll_event(), Some(AppEvent::Authorized(h)));
    assert_eq!(
        app.device(dev_addr()).unwrap().quirks(),
        [Quirk::TruncatedIv]
    );

    app.authorize_sub_device(
        t1,
        dev_addr(),
        [
            "135902253148451506",
            ACCESSKEY,
            LOCALKEY,
            "83453A",
            "7E3C55204B59",
        ],
    )
    .unwrap();
    let (_, n) = app.poll_transmit(&mut buf).unwrap();
    assert_eq!(
        old_device_reads(&secret, &buf[..n]),
        Some(PacketType::SubDevAuth)
    );
}

/// A current device answers the first, full-IV write key: no quirk is recorded.
#[test]
fn a_current_device_records_no_quirk() {
    let mut w = World::<0>::new(1, clean());
    w.discover();
    assert!(w.app.device(dev_addr()).unwrap().quirks().is_empty());
    let h = w.authorize();
    assert!(w.events.contains(&AppEvent::Authorized(h)));
    assert!(w.app.device(dev_addr()).unwrap().quirks().is_empty());
}

#[test]
fn app_reads_the_shipped_104_answer_layout() {
    let mut w = authorized_world::<4>(13);
    let (mac, uuid, sub_feedid) = ("7E3C55204B59", "83453A", "135902253148451506");
    let sub_key = "22dc6dd29b5b3b2f80cc44d6cb3aad1a";
    let now = w.now();
    w.app
        .add_sub_device(now, dev_addr(), mac, uuid, SubDevProtocol::Zigbee)
        .unwrap();
    w.run_for(2_000);
    let now = w.now();
    w.app
        .authorize_sub_device(
            now,
            dev_addr(),
            [
                sub_feedid,
                "dd9bef8eea945ce9b7a7fafc908105c9",
                sub_key,
                uuid,
                mac,
            ],
        )
        .unwrap();
    w.run_for(2_000);
    w.events.clear();
    let now = w.now();
    let h = w
        .app
        .sub_script_control(now, dev_addr(), sub_feedid, BizCode::Control, b"{}")
        .unwrap();
    // Every shipped gateway: feedid at offset 0, 12 leftover bytes, then the inner ciphertext.
    let inner: LocalKey = sub_key.parse().unwrap();
    let mut body = vec![0u8; 44 + 16];
    body[..sub_feedid.len()].copy_from_slice(sub_feedid.as_bytes());
    body[32..44].fill(0x5a);
    body[44..44 + 10].copy_from_slice(b"{\"code\":0}");
    joylink_crypto::Mode::LocalKey(&inner)
        .seal_in_place(&mut body[44..], 10)
        .unwrap();
    let mut p = seal_local(PacketType::SubDevScriptControl, &body);
    w.app.handle(now, dev_addr(), &mut p).unwrap();
    match w.app.poll_event() {
        Some(AppEvent::Response(x, ResponseBody::Script { resp, .. })) => {
            assert_eq!(x, h);
            assert_eq!(resp, b"{\"code\":0}");
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn a_rescan_lets_a_rebooted_device_restart_its_answer_timestamps() {
    let mut w = World::<0>::new(14, clean());
    w.discover();
    w.authorize();
    let now = w.now();
    let a = w
        .app
        .json_control(now, dev_addr(), JsonControlRequest::snapshot())
        .unwrap();
    let mut p = seal_local(PacketType::ScriptControl, b"\x00\x10\0\0{}");
    w.app.handle(now, dev_addr(), &mut p).unwrap();
    assert!(matches!(w.app.poll_event(), Some(AppEvent::Response(x, _)) if x == a));
    // An older timestamp is a replay...
    w.app
        .json_control(now, dev_addr(), JsonControlRequest::snapshot())
        .unwrap();
    let mut p = seal_local(PacketType::ScriptControl, b"\x05\0\0\0{}");
    assert!(w.app.handle(now, dev_addr(), &mut p.clone()).is_err());
    // ...until the device is discovered again (it rebooted), keeping its localkey.
    w.events.clear();
    w.discover();
    assert!(w.app.device(dev_addr()).unwrap().is_authorized());
    w.app.handle(now, dev_addr(), &mut p).unwrap();
    assert!(matches!(w.app.poll_event(), Some(AppEvent::Response(..))));
}

#[test]
fn gateway_lists_sub_devices_by_scan_status() {
    let mut w = World::<4>::new(15, clean());
    w.dev.set_sub_device(0, Some(sub_entry(0, false))).unwrap();
    w.dev.set_sub_device(2, Some(sub_entry(2, true))).unwrap();
    for (status, expected) in [
        (ScanStatus::All, vec![false, true]),
        (ScanStatus::Waiting, vec![false]),
        (ScanStatus::Authorized, vec![true]),
    ] {
        w.app.discover(broadcast(), None, status).unwrap();
        w.run_for(100);
        let d = w.app.device(dev_addr()).unwrap();
        let got: Vec<bool> = d.sub_devices.iter().map(|s| s.3).collect();
        assert_eq!(got, expected, "{status:?}");
    }
}

mod sub_device_faults {
    use super::*;
    use proptest::prelude::*;

    const SUBS: [(&str, &str, &str); 2] = [
        (
            "7E3C55204B59",
            "135902253148451506",
            "22dc6dd29b5b3b2f80cc44d6cb3aad1a",
        ),
        (
            "7E3C55204B60",
            "135902253148451507",
            "33dc6dd29b5b3b2f80cc44d6cb3aad1b",
        ),
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(16), ..ProptestConfig::default() })]

        /// Sub-device add (105), authorization (102) and control (104) under random loss,
        /// duplication, reordering and replays: the gateway's table and the app agree, and no
        /// sub-device command is applied twice.
        #[test]
        fn gateway_and_app_agree_on_sub_devices(
            seed in any::<u64>(),
            drop in 0u32..300,
            duplicate in 0u32..400,
            reorder in 0u32..500,
            replay in 0u32..200,
            ops in proptest::collection::vec((0u8..3, 0usize..2), 1..10),
        ) {
            let mut w = authorized_world::<2>(seed);
            w.net.set_faults(Faults { drop, duplicate, reorder, reorder_ms: 40, replay, delay_ms: 2 });
            let mut told_authorized = Vec::new();
            for (i, (op, which)) in ops.iter().enumerate() {
                let (mac, feed, key) = SUBS[*which];
                let now = w.now();
                match op {
                    0 => {
                        w.app.add_sub_device(now, dev_addr(), mac, "83453A", SubDevProtocol::Zigbee).unwrap();
                        w.run_for(2_000);
                    }
                    1 => {
                        let h = w.app.authorize_sub_device(
                            now, dev_addr(), [feed, "dd9bef8eea945ce9b7a7fafc908105c9", key, "83453A", mac],
                        ).unwrap();
                        w.run_for(2_000);
                        if w.events.contains(&AppEvent::SubDevice(h, 0)) {
                            told_authorized.push(feed);
                        }
                    }
                    _ => {
                        // Refused by the app while it holds no key for that sub-device.
                        let tag = [b'#', i as u8];
                        if w.app.sub_script_control(now, dev_addr(), feed, BizCode::Control, &tag).is_ok() {
                            w.run_for(1_000);
                        }
                    }
                }
            }
            // What the app was told is true in the gateway's table.
            for feed in &told_authorized {
                let row = w.dev.sub_devices().map(|(_, r)| r).find(|r| r.feed_id.as_str() == *feed);
                prop_assert!(row.is_some_and(|r| r.state == SubDeviceState::Authorized), "{} not authorized", feed);
            }
            // No sub-device command applied twice.
            let mut bodies: Vec<Vec<u8>> = w
                .applied
                .iter()
                .filter(|(k, _)| matches!(k, RequestKind::SubScript { .. }))
                .map(|(_, b)| b.clone())
                .collect();
            let n = bodies.len();
            bodies.sort();
            bodies.dedup();
            prop_assert_eq!(n, bodies.len(), "a sub-device command was applied twice");
            // Healed, a scan shows the app exactly the gateway's table.
            w.net.set_faults(clean());
            w.run_for(3_000);
            w.discover();
            let mut app_view: Vec<(String, bool)> = w
                .app
                .device(dev_addr())
                .unwrap()
                .sub_devices
                .iter()
                .map(|(mac, _, _, authorized)| (mac.clone(), *authorized))
                .collect();
            let mut gw_view: Vec<(String, bool)> = w
                .dev
                .sub_devices()
                .map(|(_, r)| (r.mac.as_str().to_owned(), r.state == SubDeviceState::Authorized))
                .collect();
            app_view.sort();
            gw_view.sort();
            prop_assert_eq!(app_view, gw_view);
        }
    }
}
