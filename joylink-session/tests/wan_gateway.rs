//! The gateway's WAN side (spec 7.3.15–7.3.24): its packets equal the golden vectors given the
//! vectors' inputs, and the gateway and cloud machines run the sub-device flows together.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink_crypto::{AccessKey, Mode, SessionKey, seal};
use joylink_session::Instant;
use joylink_session::wan::{
    Cloud, CloudConfig, CloudEvent, CloudIncoming, CloudState, DeviceConfig, DeviceState, Framer,
    Gateway, GatewayIncoming, PendingKind, SubDeviceRecord, TxQueue, open_inner,
};
use joylink_test_vectors::{Value, by_id, hex_field, u64_field, vectors};
use joylink_wire::wan::SubDevOnline;
use joylink_wire::{BizCode, EncType, Header, Magic, PacketType};

const GW_FEED: &str = "1234567890123456";
const GW_KEY: &str = "25e35c9691ee91296facd5d28a4822bc";

/// A fixed "RNG" (the vectors fix every random input).
struct Fixed(u32);

impl rand_core::TryRng for Fixed {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.0)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(u64::from(self.0))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.fill(0x5a);
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Fixed {}

fn seal_payload(header: &Header, mode: &Mode<'_>, opt: &[u8], plain: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; 16 + opt.len() + plain.len() + 64];
    let start = 16 + opt.len();
    buf[16..start].copy_from_slice(opt);
    buf[start..start + plain.len()].copy_from_slice(plain);
    let n = seal(header, mode, opt.len(), plain.len(), &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn drain(g: &mut Gateway) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    while let Some(n) = g.poll_transmit(&mut buf) {
        out.extend_from_slice(&buf[..n]);
    }
    out
}

fn frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut rx = Framer::<4096>::new();
    let mut input = bytes;
    let mut out = Vec::new();
    while let Some(f) = rx.next_frame(&mut input).unwrap() {
        out.push(f.to_vec());
    }
    out
}

/// A gateway online with the vector's session key (the cloud's auth answer carries it).
fn online_gateway(v: &Value) -> Gateway {
    let access: AccessKey = GW_KEY.parse().unwrap();
    let mut cfg = DeviceConfig::new(GW_FEED, "ABCDEF", access.clone()).unwrap();
    cfg.version = 26;
    // compat: shipped gateways leave the 110 header's rssi at 0.
    cfg.rssi = 0;
    let mut g: Gateway = Gateway::new(cfg);
    g.device_mut().connected(Instant(0), &mut Fixed(1)).unwrap();
    drain(&mut g);
    let mut plain = Vec::new();
    plain.extend_from_slice(&1_600_000_000u32.to_le_bytes());
    plain.extend_from_slice(&7u32.to_le_bytes());
    plain.extend_from_slice(&hex_field(&v["key"]["session_key"]));
    let header = Header::new(Magic::Wan, PacketType::Auth, EncType::PreShared);
    let mut pkt = seal_payload(
        &header,
        &Mode::AccessKey(&access),
        &7u32.to_le_bytes(),
        &plain,
    );
    assert!(g.handle_packet(Instant(0), &mut pkt).unwrap().is_none());
    assert_eq!(g.device().state(), DeviceState::Online);
    g
}

fn sub_of(v: &Value) -> SubDeviceRecord {
    let key: AccessKey = v["sub_device_key"]["key_string"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    SubDeviceRecord::new(v["sub_feedid"].as_str().unwrap().as_bytes(), key).unwrap()
}

#[test]
fn heartbeat_110_equals_the_vector() {
    let list = vectors("wan_packets.json");
    let v = by_id(&list, "wan-14");
    let mut g = online_gateway(v);
    for s in v["sub_devices"].as_array().unwrap() {
        let mut sub = SubDeviceRecord::new(
            s["feedid"].as_str().unwrap().as_bytes(),
            GW_KEY.parse().unwrap(),
        )
        .unwrap();
        sub.version = s["version"].as_u64().unwrap() as u16;
        sub.state = SubDevOnline::from(s["state"].as_u64().unwrap() as u8);
        g.add_sub(sub).unwrap();
    }
    let due = g.poll_timeout().unwrap();
    g.device_mut()
        .set_unix_time(due, u64_field(&v["device_time"]) as u32);
    g.handle_timeout(due).unwrap();
    let out = frames(&drain(&mut g));
    assert_eq!(hex::encode(&out[0]), v["packet"].as_str().unwrap());
}

#[test]
fn gateway_without_sub_devices_sends_type_10() {
    let list = vectors("wan_packets.json");
    let mut g = online_gateway(by_id(&list, "wan-14"));
    let due = g.poll_timeout().unwrap();
    g.handle_timeout(due).unwrap();
    assert_eq!(frames(&drain(&mut g))[0][9], 10);
}

#[test]
fn uploads_112_equal_the_vectors() {
    let list = vectors("wan_packets.json");
    let mut checked = 0;
    for id in ["wan-16", "wan-17"] {
        let v = by_id(&list, id);
        let mut g = online_gateway(v);
        let index = g.add_sub(sub_of(v)).unwrap();
        let now = Instant(1_000);
        g.device_mut()
            .set_unix_time(now, u64_field(&v["device_time"]) as u32);
        g.upload_sub(now, index, v["snapshot"].as_str().unwrap().as_bytes())
            .unwrap();
        assert_eq!(
            hex::encode(drain(&mut g)),
            v["packet"].as_str().unwrap(),
            "{id}"
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn control_111_is_opened_and_answered_as_the_vectors() {
    let list = vectors("wan_packets.json");
    for (req_id, rsp_id) in [("wan-18", "wan-19"), ("wan-20", "wan-21")] {
        let (req, rsp) = (by_id(&list, req_id), by_id(&list, rsp_id));
        let mut g = online_gateway(req);
        // A sub-device in slot 1, so the slot index is really looked up by feed id.
        g.add_sub(SubDeviceRecord::new(b"other", GW_KEY.parse().unwrap()).unwrap())
            .unwrap();
        g.add_sub(sub_of(req)).unwrap();
        let mut pkt = hex_field(&req["packet"]);
        let now = Instant(2_000);
        let got = g.handle_packet(now, &mut pkt).unwrap();
        let Some(GatewayIncoming::SubControl { request, cmd }) = got else {
            panic!("{req_id}: {got:?}");
        };
        assert_eq!(cmd, hex_field(&req["cmd"]).as_slice());
        assert_eq!(request.index, 1);
        assert_eq!(request.request.serial, u64_field(&req["serial"]) as u32);
        g.device_mut()
            .set_unix_time(now, u64_field(&rsp["device_time"]) as u32);
        g.respond_sub(now, request, rsp["snapshot"].as_str().unwrap().as_bytes())
            .unwrap();
        assert_eq!(
            hex::encode(drain(&mut g)),
            rsp["packet"].as_str().unwrap(),
            "{rsp_id}"
        );
        // The same packet again is a replay: dropped, nothing answered (compat: serial rule).
        let mut again = hex_field(&req["packet"]);
        assert!(g.handle_packet(now, &mut again).unwrap().is_none());
        assert!(drain(&mut g).is_empty());
    }
}

#[test]
fn control_of_an_unknown_sub_device_is_dropped() {
    let list = vectors("wan_packets.json");
    let req = by_id(&list, "wan-18");
    let mut g = online_gateway(req);
    let mut pkt = hex_field(&req["packet"]);
    assert!(g.handle_packet(Instant(1), &mut pkt).is_err());
    assert!(drain(&mut g).is_empty());
}

#[test]
fn control_with_a_wrong_sub_key_does_not_open() {
    let list = vectors("wan_packets.json");
    let req = by_id(&list, "wan-18");
    let mut g = online_gateway(req);
    let feed = req["sub_feedid"].as_str().unwrap().as_bytes();
    g.add_sub(SubDeviceRecord::new(feed, GW_KEY.parse().unwrap()).unwrap())
        .unwrap();
    let mut pkt = hex_field(&req["packet"]);
    assert!(g.handle_packet(Instant(1), &mut pkt).is_err());
    assert!(drain(&mut g).is_empty());
}

#[test]
fn unbind_113_is_answered_as_the_vector_and_empties_the_table() {
    let list = vectors("wan_packets.json");
    let (req, rsp) = (by_id(&list, "wan-22"), by_id(&list, "wan-23"));
    let mut g = online_gateway(req);
    g.add_sub(SubDeviceRecord::new(b"3039237988000962", GW_KEY.parse().unwrap()).unwrap())
        .unwrap();
    g.add_sub(SubDeviceRecord::new(b"stays", GW_KEY.parse().unwrap()).unwrap())
        .unwrap();
    let now = Instant(3_000);
    g.device_mut()
        .set_unix_time(now, u64_field(&rsp["device_time"]) as u32);
    let mut pkt = hex_field(&req["packet"]);
    let got = g.handle_packet(now, &mut pkt).unwrap();
    let Some(GatewayIncoming::Unbound { devices }) = got else {
        panic!("{got:?}");
    };
    assert_eq!(devices.len(), 2);
    assert!(devices.iter().all(|d| d.state == SubDevOnline::Unbound));
    let left: Vec<_> = g.sub_devices().map(|(_, s)| s.feed_id().to_vec()).collect();
    assert_eq!(left, vec![b"stays".to_vec()]);
    assert_eq!(hex::encode(drain(&mut g)), rsp["packet"].as_str().unwrap());
}

// ---- gateway <-> cloud, in memory ----

const SUB_FEED: &[u8] = b"3039237988000962";
const SUB_KEY: &str = "1ff4654e25e7d359be09ef3366ab3d4b";

struct Link {
    gw: Gateway,
    cloud: Cloud,
    rx: Framer<4096>,
    tx: TxQueue<8192>,
    rng: Fixed,
    now: Instant,
    applied: Vec<u32>,
    cloud_seen: Vec<String>,
    /// Every cloud -> gateway packet, for replays.
    captured: Vec<Vec<u8>>,
    /// Gateway -> cloud batches still to lose (bytes the TCP stack acknowledged, then the
    /// connection died before the cloud read them).
    lose_up: u32,
}

impl Link {
    fn new() -> Self {
        let access: AccessKey = GW_KEY.parse().unwrap();
        let cfg = DeviceConfig::new(GW_FEED, "ABCDEF", access).unwrap();
        let mut gw: Gateway = Gateway::new(cfg);
        gw.add_sub(SubDeviceRecord::new(SUB_FEED, SUB_KEY.parse().unwrap()).unwrap())
            .unwrap();
        let now = Instant(0);
        let mut l = Self {
            gw,
            cloud: Cloud::new(CloudConfig::default(), now, 1_700_000_000),
            rx: Framer::new(),
            tx: TxQueue::new(),
            rng: Fixed(9),
            now,
            applied: Vec::new(),
            cloud_seen: Vec::new(),
            captured: Vec::new(),
            lose_up: 0,
        };
        l.gw.device_mut().connected(now, &mut l.rng).unwrap();
        l.pump();
        assert_eq!(l.cloud.state(), CloudState::Online);
        assert_eq!(l.gw.device().state(), DeviceState::Online);
        l
    }

    fn deliver_down(&mut self, bytes: &[u8]) {
        for f in frames(bytes) {
            self.captured.push(f);
        }
        let now = self.now;
        let mut applied = Vec::new();
        self.gw
            .handle_input(now, bytes, |g, inc| {
                if let GatewayIncoming::SubControl { request, cmd } = inc {
                    assert_eq!(cmd, br#"{"power":1}"#);
                    applied.push(request.request.serial);
                    g.respond_sub(now, request, br#"{"code":0,"power":1}"#)
                        .unwrap();
                }
            })
            .unwrap();
        self.applied.extend(applied);
    }

    /// Moves bytes both ways until both sides are quiet.
    fn pump(&mut self) {
        for _ in 0..16 {
            let up = drain(&mut self.gw);
            let mut down = Vec::new();
            let mut buf = [0u8; 512];
            while let Some(n) = self.tx.poll_transmit(&mut buf) {
                down.extend_from_slice(&buf[..n]);
            }
            if up.is_empty() && down.is_empty() {
                return;
            }
            if !down.is_empty() {
                self.deliver_down(&down);
            }
            if self.lose_up > 0 && !up.is_empty() {
                self.lose_up -= 1;
                continue;
            }
            let mut input = &up[..];
            let key: AccessKey = GW_KEY.parse().unwrap();
            let mut keys = |feed: &[u8]| (feed == GW_FEED.as_bytes()).then(|| key.clone());
            while let Some(f) = self.rx.next_frame(&mut input).unwrap() {
                let got =
                    self.cloud
                        .handle_packet(self.now, f, &mut keys, &mut self.rng, &mut self.tx);
                let seen = match got {
                    Ok(Some(CloudIncoming::SubDevUpload { feed_id, data })) => {
                        let mut out = [0u8; 256];
                        let key: AccessKey = SUB_KEY.parse().unwrap();
                        let snap = open_inner(&key, data, &mut out).unwrap();
                        format!(
                            "upload {} {}",
                            String::from_utf8_lossy(feed_id.as_bytes()),
                            String::from_utf8_lossy(snap)
                        )
                    }
                    Ok(Some(CloudIncoming::SubDevControlResponse {
                        serial,
                        data,
                        biz_code,
                        ..
                    })) => {
                        let mut out = [0u8; 256];
                        let key: AccessKey = SUB_KEY.parse().unwrap();
                        let snap = open_inner(&key, data, &mut out).unwrap();
                        format!(
                            "answer {serial} {} {}",
                            biz_code.value(),
                            String::from_utf8_lossy(snap)
                        )
                    }
                    Ok(Some(other)) => format!("{other:?}"),
                    Ok(None) => continue,
                    Err(e) => format!("error {e}"),
                };
                self.cloud_seen.push(seen);
            }
        }
        panic!("the link does not settle");
    }

    fn tick(&mut self, ms: u64) {
        self.now = self.now.add_millis(ms);
        self.gw.handle_timeout(self.now).unwrap();
        self.cloud.handle_timeout(self.now);
        self.pump();
    }
}

#[test]
fn cloud_learns_sub_device_states_from_110() {
    let mut l = Link::new();
    l.tick(15_000);
    let subs: Vec<_> = l.cloud.sub_devices().copied().collect();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].feed_id_text(), SUB_FEED);
    assert_eq!(subs[0].state, 0);
    // The sub-device goes offline: the next heartbeat says so.
    l.gw.sub_mut(0).unwrap().state = SubDevOnline::Offline;
    l.tick(15_000);
    assert_eq!(l.cloud.sub_devices().next().unwrap().state, 1);
}

#[test]
fn sub_device_upload_reaches_the_cloud_opened() {
    let mut l = Link::new();
    l.gw.upload_sub(l.now, 0, br#"{"power":0}"#).unwrap();
    l.pump();
    assert!(
        l.cloud_seen
            .contains(&format!("upload 3039237988000962 {}", r#"{"power":0}"#)),
        "{:?}",
        l.cloud_seen
    );
}

#[test]
fn cloud_control_of_a_sub_device_is_applied_once_and_matched() {
    let mut l = Link::new();
    let key: AccessKey = SUB_KEY.parse().unwrap();
    let serial = l
        .cloud
        .control_sub(
            l.now,
            SUB_FEED,
            &key,
            BizCode::Control,
            br#"{"power":1}"#,
            &mut l.tx,
        )
        .unwrap();
    assert!(l.cloud.is_pending(serial));
    l.pump();
    assert_eq!(l.applied, vec![serial]);
    assert!(!l.cloud.is_pending(serial));
    assert!(
        l.cloud_seen.contains(&format!(
            "answer {serial} 102 {}",
            r#"{"code":0,"power":1}"#
        )),
        "{:?}",
        l.cloud_seen
    );
    // Replaying the captured 111 applies nothing twice.
    let replay = l.captured.iter().find(|p| p[9] == 111).unwrap().clone();
    l.deliver_down(&replay);
    l.pump();
    assert_eq!(l.applied, vec![serial]);
}

#[test]
fn unanswered_sub_control_times_out_on_the_cloud() {
    let mut l = Link::new();
    let key: AccessKey = SUB_KEY.parse().unwrap();
    let serial = l
        .cloud
        .control_sub(
            l.now,
            b"not-a-sub",
            &key,
            BizCode::Control,
            b"{}",
            &mut l.tx,
        )
        .unwrap();
    l.pump();
    assert!(l.applied.is_empty());
    l.now = l.now.add_millis(10_000);
    l.cloud.handle_timeout(l.now);
    let events: Vec<_> = std::iter::from_fn(|| l.cloud.poll_event()).collect();
    assert!(
        events.contains(&CloudEvent::Timeout {
            serial,
            kind: PendingKind::SubControl
        }),
        "{events:?}"
    );
}

#[test]
fn unbind_leaves_both_tables_agreeing_and_needs_the_gateway_online() {
    let mut l = Link::new();
    l.tick(15_000);
    assert_eq!(l.cloud.sub_devices().count(), 1);
    let serial = l.cloud.unbind_subs(l.now, &[SUB_FEED], &mut l.tx).unwrap();
    l.pump();
    assert!(
        l.cloud_seen
            .contains(&format!("SubDevUnbound {{ serial: {serial} }}"))
    );
    assert_eq!(l.gw.sub_devices().count(), 0);
    assert_eq!(l.cloud.sub_devices().count(), 0);
    // Next heartbeat: no sub-devices left, so a plain type 10.
    l.now = l.now.add_millis(15_000);
    l.gw.handle_timeout(l.now).unwrap();
    assert_eq!(frames(&drain(&mut l.gw))[0][9], 10);
    // Offline, the cloud refuses to unbind (spec 8.4.3).
    l.cloud.connection_lost(l.now);
    assert!(l.cloud.unbind_subs(l.now, &[SUB_FEED], &mut l.tx).is_err());
}

#[test]
fn sub_device_session_key_is_the_gateways() {
    // 111/112 ride the gateway's session (spec 8.4): the cloud's key and the gateway's agree.
    let l = Link::new();
    let c: SessionKey = l.cloud.session_key().unwrap();
    assert_eq!(Some(&c), l.gw.device().session_key());
}

// ---- random faults: the sub-device tables agree, no sub-device control applied twice ----

mod faults {
    use super::*;
    use proptest::prelude::*;

    const SECOND: &[u8] = b"4562243346825479";

    #[derive(Debug, Clone)]
    enum Op {
        Run(u64),
        Break,
        Control(bool),
        Replay(usize),
        State(usize, u8),
        AddSecond,
        Unbind(bool),
        LoseUp,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..40_000).prop_map(Op::Run),
            1 => Just(Op::Break),
            4 => any::<bool>().prop_map(Op::Control),
            3 => any::<usize>().prop_map(Op::Replay),
            2 => (0usize..2, 0u8..4).prop_map(|(i, s)| Op::State(i, s)),
            1 => Just(Op::AddSecond),
            2 => any::<bool>().prop_map(Op::Unbind),
            2 => Just(Op::LoseUp),
        ]
    }

    fn advance(l: &mut Link, ms: u64) {
        let mut left = ms;
        while left > 0 {
            let step = left.min(1_000);
            left -= step;
            l.tick(step);
            // The gateway gave up after unanswered requests: the application reconnects.
            let mut again = false;
            while let Some(e) = l.gw.device_mut().poll_event() {
                again |= e == joylink_session::wan::Event::Reconnect;
            }
            if again {
                reconnect(l);
            }
        }
    }

    fn reconnect(l: &mut Link) {
        advance(l, 1_000);
        l.rx.reset();
        l.tx.clear();
        l.cloud.connected(l.now);
        l.gw.device_mut().connected(l.now, &mut l.rng).unwrap();
        l.pump();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn sub_device_tables_agree_and_no_control_is_applied_twice(
            ops in proptest::collection::vec(op(), 1..30),
        ) {
            let mut l = Link::new();
            let key: AccessKey = SUB_KEY.parse().unwrap();
            let mut issued = Vec::new();
            for op in ops {
                match op {
                    Op::Run(ms) => advance(&mut l, ms),
                    Op::Break => {
                        l.gw.device_mut().connection_lost(l.now);
                        l.cloud.connection_lost(l.now);
                        reconnect(&mut l);
                    }
                    Op::Control(second) => {
                        let feed = if second { SECOND } else { SUB_FEED };
                        if let Ok(s) = l.cloud.control_sub(
                            l.now, feed, &key, BizCode::Control, br#"{"power":1}"#, &mut l.tx,
                        ) {
                            issued.push(s);
                        }
                        l.pump();
                    }
                    Op::Replay(i) => {
                        let old: Vec<Vec<u8>> = l
                            .captured
                            .iter()
                            .filter(|p| p[9] == 111 || p[9] == 113)
                            .cloned()
                            .collect();
                        if !old.is_empty() {
                            let p = old[i % old.len()].clone();
                            l.deliver_down(&p);
                            l.pump();
                        }
                    }
                    Op::State(i, s) => {
                        if let Some(sub) = l.gw.sub_mut(i) {
                            sub.state = SubDevOnline::from(s);
                        }
                    }
                    Op::AddSecond => {
                        l.gw.add_sub(SubDeviceRecord::new(SECOND, SUB_KEY.parse().unwrap()).unwrap())
                            .unwrap();
                    }
                    Op::LoseUp => l.lose_up += 1,
                    Op::Unbind(second) => {
                        let feed = if second { SECOND } else { SUB_FEED };
                        let _ = l.cloud.unbind_subs(l.now, &[feed], &mut l.tx);
                        l.pump();
                    }
                }
            }
            // Heal: the network, then a fresh connection and a heartbeat interval.
            l.lose_up = 0;
            l.gw.device_mut().connection_lost(l.now);
            l.cloud.connection_lost(l.now);
            reconnect(&mut l);
            advance(&mut l, 20_000);

            prop_assert_eq!(l.gw.device().state(), DeviceState::Online);
            prop_assert_eq!(l.cloud.state(), CloudState::Online);
            prop_assert_eq!(l.cloud.session_key(), l.gw.device().session_key().cloned());
            for w in l.applied.windows(2) {
                prop_assert!(w[0] < w[1], "applied twice or out of order: {:?}", l.applied);
            }
            for s in &l.applied {
                prop_assert!(issued.contains(s), "applied {} that the cloud never sent", s);
            }
            let mut gw: Vec<(Vec<u8>, u8)> = l
                .gw
                .sub_devices()
                .map(|(_, s)| (s.feed_id().to_vec(), u8::from(s.state)))
                .collect();
            let mut cloud: Vec<(Vec<u8>, u8)> = l
                .cloud
                .sub_devices()
                .map(|e| (e.feed_id_text().to_vec(), e.state))
                .collect();
            gw.sort();
            cloud.sort();
            prop_assert_eq!(gw, cloud);
        }
    }
}
