//! The second half of `joylink demo`: the joylink-session machines — app, device and gateway
//! (with a ZigBee sub-device) on a simulated LAN, device and gateway each with their cloud on a
//! simulated TCP connection — run every flow under the requested faults. The application on each
//! side retries what timed out, the machines retry authorization and re-authenticate after a
//! broken connection; the result is one line per recovery and a summary of every flow.
//!
//! Everything the machines put on the wire is recorded (joylink-session's `SimNet::wire` and
//! `Pair::wire`, and the gateway link's own record here) into a capture, with the keys the
//! machines used, for `demo --pcap/--keys`. The capture is what the senders sent: a datagram or
//! stream chunk the network lost is in it (nothing answers it), a copy the network duplicated is
//! not (its sender sent it once), a captured WAN packet replayed to the device is (a segment
//! from the cloud), and a broken connection ends with a reset.

use joylink::crypto::KeyPair;
use joylink::wire::BizCode;
use joylink::wire::lan::{ControlData, JsonControlRequest, ScanStatus, Stream, SubDevProtocol};
use joylink::wire::wan::OtaStatus;
use joylink::wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, ExpText, Label, Task, TaskBody, TaskHead, TaskSource, TaskState,
};
use joylink_session::Instant;
use joylink_session::lan::{
    self, App, AppEvent, DeviceInfo, Event, FixedStr, RequestHandle, SocketAddr,
};
use joylink_session::net::{Faults, SimNet};
use joylink_session::wan::sim::{CloudRec, DevRec, Pair, SimRng};
use joylink_session::wan::{
    Cloud, CloudConfig, CloudIncoming, DeviceConfig, Framer, Gateway, GatewayIncoming,
    OtaOrderSpec, SubDeviceRecord, TxQueue,
};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use rand_core::Rng;
use serde_json::{Value, json};

use crate::capture_out::{CaptureBuilder, TcpConn};
use crate::outln;

/// Attempts an application makes before it gives a flow up.
const ATTEMPTS: u32 = 8;

const DEV_FEED: &str = "7882708419766653";
const DEV_ACCESS: &str = "961745eaa28c7ff6854b94a91ce19a91";
const DEV_LOCAL: &str = "be4d957a4da771d609ab383e548014a0";
const GW_FEED: &str = "4450261129581733";
const GW_ACCESS: &str = "25e35c9691ee91296facd5d28a4822bc";
const GW_LOCAL: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const SUB_FEED: &str = "3039237988000962";
const SUB_ACCESS: &str = "1ff4654e25e7d359be09ef3366ab3d4b";
const SUB_LOCAL: &str = "8d39045e4becfc6e38899dfd5abb2281";
const SUB_MAC: &str = "701923F88581";
const SUB_UUID: &str = "7D13F6";
const SNAPSHOT: &[u8] = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;

/// The cloud's address in the capture.
const CLOUD_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);
/// Unix time of the capture's first moment (the machines' clocks start at 0).
const START_UNIX: u64 = 1_700_000_000;

/// What the run reports.
pub struct Outcome {
    /// Each flow, in the order it ran, and whether it completed.
    pub flows: Vec<(&'static str, bool)>,
    /// Recoveries seen (retries, re-auths, replays dropped).
    pub recoveries: u32,
    /// Every datagram and stream chunk the machines sent, as a capture.
    pub capture: CaptureBuilder,
    /// Datagrams and chunks in the capture that never reached their receiver.
    pub lost: usize,
    /// The keys the machines used, as a `dissect --keys` file.
    pub keys: Value,
}

impl Outcome {
    /// Whether every flow completed.
    pub fn all_completed(&self) -> bool {
        self.flows.iter().all(|(_, ok)| *ok)
    }

    /// The one-line summary.
    pub fn summary(&self) -> String {
        let list: Vec<String> = self
            .flows
            .iter()
            .map(|(f, ok)| format!("{f} {}", if *ok { "ok" } else { "FAILED" }))
            .collect();
        let done = self.flows.iter().filter(|(_, ok)| *ok).count();
        format!(
            "summary: {} ({done}/{} flows completed, {} recoveries)",
            list.join(", "),
            self.flows.len(),
            self.recoveries
        )
    }
}

/// The capture being built: the run's phases (LAN, device WAN, gateway WAN) each have their own
/// clock from 0; `base` puts them one after the other.
struct Recorder {
    capture: CaptureBuilder,
    base: Duration,
    lost: usize,
    keys: Vec<Value>,
}

impl Recorder {
    fn at(&mut self, t: Instant) {
        let ms = Duration::from_millis(t.0);
        self.capture.at(Duration::from_secs(START_UNIX)
            .saturating_add(self.base)
            .saturating_add(ms));
    }

    /// Ends a phase that ran until `end` (the next starts a second later).
    fn next_phase(&mut self, end: Instant) {
        self.base = self
            .base
            .saturating_add(Duration::from_millis(end.0))
            .saturating_add(Duration::from_secs(1));
    }

    /// The LAN's datagrams as the senders addressed them (a broadcast once).
    fn lan(&mut self, net: &SimNet) {
        for r in net.wire() {
            let (IpAddr::V4(src), IpAddr::V4(dst)) = (r.from.ip(), r.to.ip()) else {
                continue;
            };
            self.at(r.at);
            self.capture
                .udp((src, r.from.port()), (dst, r.to.port()), &r.data);
            if r.copies == 0 {
                self.lost = self.lost.saturating_add(1);
            }
        }
    }

    /// One TCP connection phase: `chunks` are (time, connection, to device, bytes, delivered),
    /// `breaks` (time, connection).
    fn wan(&mut self, client: Ipv4Addr, chunks: &[Chunk], breaks: &[(Instant, u32)]) {
        // A break sorts after the chunks of its connection written at the same moment.
        let mut events: Vec<(Instant, u32, Option<&Chunk>)> = chunks
            .iter()
            .map(|c| (c.at, c.connection, Some(c)))
            .chain(breaks.iter().map(|(t, n)| (*t, *n, None)))
            .collect();
        events.sort_by_key(|(t, n, c)| (*t, *n, c.is_none()));
        for (t, n, c) in events {
            self.at(t);
            let id: TcpConn = (client, CLOUD_IP, n);
            match c {
                Some(c) => {
                    self.capture.tcp(id, !c.to_device, &c.data);
                    if !c.delivered {
                        self.lost = self.lost.saturating_add(1);
                    }
                }
                None => self.capture.tcp_reset(id),
            }
        }
    }
}

/// A stream chunk of a WAN connection.
struct Chunk {
    at: Instant,
    connection: u32,
    to_device: bool,
    data: Vec<u8>,
    delivered: bool,
}

fn addr(s: &str) -> SocketAddr {
    s.parse()
        .unwrap_or_else(|_| SocketAddr::new(SimNet::BROADCAST, 0))
}

fn info(mac: &str, uuid: &str, devtype: i32) -> DeviceInfo {
    DeviceInfo {
        mac: FixedStr::new(mac).unwrap_or_default(),
        productuuid: FixedStr::new(uuid).unwrap_or_default(),
        joy_sdk_version: FixedStr::new("2.0.19").unwrap_or_default(),
        lancon: 1,
        trantype: 1,
        devtype,
        ..DeviceInfo::default()
    }
}

/// The LAN: app, device and gateway over a [`SimNet`].
struct Lan {
    net: SimNet,
    app: App,
    dev: lan::Device,
    gw: lan::Gateway,
    events: Vec<AppEvent>,
    /// Sub-devices the gateway authorized (feed id, accesskey), for its WAN side.
    authorized_subs: Vec<(String, joylink::crypto::AccessKey)>,
}

impl Lan {
    const APP: &'static str = "192.168.1.10:50000";
    const DEV: &'static str = "192.168.1.20:4320";
    const GW: &'static str = "192.168.1.30:4320";

    fn flush(&mut self) {
        let mut buf = [0u8; 1400];
        while let Some((to, n)) = self.app.poll_transmit(&mut buf) {
            self.net
                .send(addr(Self::APP), to, buf.get(..n).unwrap_or_default());
        }
        while let Some((to, n)) = self.dev.poll_transmit(&mut buf) {
            self.net
                .send(addr(Self::DEV), to, buf.get(..n).unwrap_or_default());
        }
        while let Some((to, n)) = self.gw.poll_transmit(&mut buf) {
            self.net
                .send(addr(Self::GW), to, buf.get(..n).unwrap_or_default());
        }
    }

    fn run_for(&mut self, ms: u64) {
        let end = self.net.now().add_millis(ms);
        loop {
            self.flush();
            while let Some(d) = self.net.pop_due() {
                let now = self.net.now();
                let mut data = d.data;
                if d.to == addr(Self::APP) {
                    let _ = self.app.handle(now, d.from, &mut data);
                } else if d.to == addr(Self::DEV) {
                    if let Ok(Some(Event::Request(r))) = self.dev.handle(now, d.from, &mut data) {
                        let id = r.id;
                        let _ = self.dev.respond(id, now, SNAPSHOT);
                    }
                } else if d.to == addr(Self::GW) {
                    match self.gw.handle(now, d.from, &mut data) {
                        Ok(Some(Event::Request(r))) => {
                            let id = r.id;
                            let _ = self.gw.respond(id, now, SNAPSHOT);
                        }
                        Ok(Some(Event::SubDeviceAuthorized { index })) => {
                            let sub = self.gw.sub_devices().find(|(i, _)| *i == index);
                            if let Some((_, s)) = sub
                                && let Some(key) = s.accesskey.clone()
                            {
                                self.authorized_subs
                                    .push((s.feed_id.as_str().to_owned(), key));
                            }
                        }
                        _ => {}
                    }
                }
                while let Some(e) = self.app.poll_event() {
                    self.events.push(e);
                }
                self.flush();
            }
            let next = [
                self.net.next_delivery(),
                self.app.poll_timeout(),
                self.dev.poll_timeout(),
                self.gw.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= end => {
                    self.net.advance_to(t);
                    self.app.handle_timeout(t);
                    self.dev.handle_timeout(t);
                    self.gw.handle_timeout(t);
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
}

/// The run's state: what printed, how many recoveries.
struct Run {
    verbose: bool,
    recoveries: u32,
    flows: Vec<(&'static str, bool)>,
}

impl Run {
    fn say(&self, line: &str) {
        if self.verbose {
            outln(line);
        }
    }

    fn recovered(&mut self, line: &str) {
        self.recoveries = self.recoveries.saturating_add(1);
        self.say(&format!("  recovery: {line}"));
    }

    fn flow(&mut self, name: &'static str, ok: bool) {
        self.say(&format!(
            "  {name}: {}",
            if ok { "completed" } else { "FAILED" }
        ));
        self.flows.push((name, ok));
    }

    /// Starts a LAN request with `start` until `done` says its answer came (at most
    /// [`ATTEMPTS`] times).
    fn lan_request(
        &mut self,
        lan: &mut Lan,
        name: &str,
        mut start: impl FnMut(&mut Lan, Instant) -> Option<RequestHandle>,
        done: impl Fn(&AppEvent, RequestHandle) -> bool,
    ) -> bool {
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                self.recovered(&format!(
                    "{name}: no answer, the app asks again (attempt {attempt})"
                ));
            }
            lan.events.clear();
            let now = lan.net.now();
            let Some(h) = start(lan, now) else {
                lan.run_for(600);
                continue;
            };
            lan.run_for(1_500);
            if lan.events.iter().any(|e| done(e, h)) {
                return true;
            }
        }
        false
    }
}

fn cmd_json(stream: &str, value: &str) -> Vec<u8> {
    let data = ControlData {
        streams: vec![Stream::new(stream, value)],
        snapshot: None,
    };
    serde_json::to_vec(&data).unwrap_or_default()
}

/// Runs every flow; `loss` and `duplicate` are probabilities (0.0–1.0).
#[expect(
    clippy::too_many_lines,
    reason = "the LAN flows read best as one story"
)]
pub fn run(seed: u64, loss: f64, duplicate: f64, verbose: bool) -> Outcome {
    let per_mille = |p: f64| {
        let clamped = (p.clamp(0.0, 1.0) * 1000.0).round();
        // Clamped to 0..=1000 above.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "0..=1000"
        )]
        let v = clamped as u32;
        v
    };
    let mut run = Run {
        verbose,
        recoveries: 0,
        flows: Vec::new(),
    };
    run.say(&format!(
        "\n=== the session machines over a simulated network (loss {loss}, duplicate {duplicate}, seed {seed}) ==="
    ));
    let mut rng = SimRng(seed);
    let faults = Faults {
        drop: per_mille(loss),
        duplicate: per_mille(duplicate),
        delay_ms: 2,
        ..Faults::default()
    };
    let mut net = SimNet::new(seed, faults);
    for a in [Lan::APP, Lan::DEV, Lan::GW] {
        net.register(addr(a));
    }
    let app = App::new(&mut rng);
    let (dev_pair, gw_pair) = (KeyPair::generate(&mut rng), KeyPair::generate(&mut rng));
    let private = |p: &KeyPair| hex::encode(p.private_key().raw_secret_bytes());
    let mut rec = Recorder {
        capture: CaptureBuilder::new(),
        base: Duration::ZERO,
        lost: 0,
        keys: vec![
            json!({"name": "device", "address": "192.168.1.20", "feedid": DEV_FEED,
                   "localkey": DEV_LOCAL, "accesskey": DEV_ACCESS,
                   "private_key": private(&dev_pair)}),
            json!({"name": "gateway", "address": "192.168.1.30", "feedid": GW_FEED,
                   "localkey": GW_LOCAL, "accesskey": GW_ACCESS,
                   "private_key": private(&gw_pair)}),
            json!({"name": "sub-device", "feedid": SUB_FEED, "localkey": SUB_LOCAL,
                   "accesskey": SUB_ACCESS}),
        ],
    };
    let mut lan = Lan {
        net,
        app,
        dev: lan::Device::new(dev_pair, info("EA2D9AB01132", "5708AB", 0)),
        gw: lan::Gateway::new(gw_pair, info("EA2D9AB01133", "6A01CD", 1)),
        events: Vec::new(),
        authorized_subs: Vec::new(),
    };
    let (dev, gw) = (addr(Lan::DEV), addr(Lan::GW));

    // Discovery: broadcast until both answered.
    let mut found = false;
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            run.recovered(&format!(
                "discovery: a reply is missing, scan again (attempt {attempt})"
            ));
        }
        let broadcast = SocketAddr::new(SimNet::BROADCAST, 4320);
        let _ = lan.app.discover(broadcast, None, ScanStatus::All);
        lan.run_for(300);
        if lan.app.device(dev).is_some() && lan.app.device(gw).is_some() {
            found = true;
            break;
        }
    }
    run.flow("discovery", found);

    let authorized = |e: &AppEvent, h: RequestHandle| *e == AppEvent::Authorized(h);
    let answered =
        |e: &AppEvent, h: RequestHandle| matches!(e, AppEvent::Response(x, _) if *x == h);
    let sub_ok = |e: &AppEvent, h: RequestHandle| *e == AppEvent::SubDevice(h, 0);
    let server = Some("live.smart.jd.com:2002");
    let a1 = found
        && run.lan_request(
            &mut lan,
            "authorization",
            |l, now| {
                l.app
                    .authorize(now, dev, DEV_FEED, DEV_ACCESS, DEV_LOCAL, server)
                    .ok()
            },
            authorized,
        );
    let a2 = found
        && run.lan_request(
            &mut lan,
            "gateway authorization",
            |l, now| {
                l.app
                    .authorize(now, gw, GW_FEED, GW_ACCESS, GW_LOCAL, server)
                    .ok()
            },
            authorized,
        );
    run.flow("authorization", a1 && a2);
    let ctl = a1
        && run.lan_request(
            &mut lan,
            "control",
            |l, now| {
                let req = JsonControlRequest::control(ControlData {
                    streams: vec![Stream::new("switch", "1")],
                    snapshot: None,
                });
                l.app.json_control(now, dev, req).ok()
            },
            answered,
        );
    run.flow("control", ctl);
    let add = a2
        && run.lan_request(
            &mut lan,
            "sub-device add",
            |l, now| {
                l.app
                    .add_sub_device(now, gw, SUB_MAC, SUB_UUID, SubDevProtocol::Zigbee)
                    .ok()
            },
            sub_ok,
        );
    run.flow("sub-device add", add);
    let sub_auth = add
        && run.lan_request(
            &mut lan,
            "sub-device auth",
            |l, now| {
                l.app
                    .authorize_sub_device(
                        now,
                        gw,
                        [SUB_FEED, SUB_ACCESS, SUB_LOCAL, SUB_UUID, SUB_MAC],
                    )
                    .ok()
            },
            sub_ok,
        );
    run.flow("sub-device auth", sub_auth);
    let light = cmd_json("light", "1");
    let sub_ctl = sub_auth
        && run.lan_request(
            &mut lan,
            "sub-device control",
            |l, now| {
                l.app
                    .sub_script_control(now, gw, SUB_FEED, BizCode::Control, &light)
                    .ok()
            },
            answered,
        );
    run.flow("sub-device control", sub_ctl);
    rec.lan(&lan.net);
    rec.next_phase(lan.net.now());

    wan_device(&mut run, &mut rec, seed, (loss, duplicate));
    wan_gateway(&mut run, &mut rec, seed, loss, &lan.authorized_subs);
    Outcome {
        flows: run.flows,
        recoveries: run.recoveries,
        capture: rec.capture,
        lost: rec.lost,
        keys: json!({ "keys": rec.keys }),
    }
}

/// A keys-file entry for the session key of one WAN connection of `name` at `address`.
fn session_entry(name: &str, address: &str, n: usize, key: &joylink::crypto::SessionKey) -> Value {
    json!({"name": format!("{name} session {n}"), "address": address,
           "sessionkey": hex::encode(key.raw_secret_bytes())})
}

/// Breaks the connection with probability `p` (a lost TCP segment ends in a reset here).
fn chance(rng: &mut SimRng, p: f64) -> bool {
    let x = rng.next_u32();
    f64::from(x) < p * f64::from(u32::MAX)
}

/// Faults on the device's TCP connection: a lost segment ends in a reset (then re-auth), a
/// duplicate is a captured packet replayed to the device (then dropped by the replay rule).
struct WanFaults {
    rng: SimRng,
    loss: f64,
    duplicate: f64,
}

impl WanFaults {
    /// One step of the world: maybe a broken connection, maybe a replayed capture, then time.
    fn step(&mut self, p: &mut Pair, run: &mut Run, ms: u64) {
        if p.connected && chance(&mut self.rng, self.loss) {
            run.recovered("WAN: connection broken, the device reconnects and authenticates again");
            p.break_connection();
        }
        if chance(&mut self.rng, self.duplicate)
            && let Some((_, pkt)) = p.captured.last().cloned()
        {
            p.inject_to_device(&pkt);
        }
        let before = replays(p);
        p.run_for(ms);
        if replays(p) > before {
            run.recovered(
                "WAN: a duplicated packet reached the device and was dropped as a replay",
            );
        }
    }

    /// Steps until `pred` holds (at most [`ATTEMPTS`] steps of 2 s).
    fn wait(&mut self, p: &mut Pair, run: &mut Run, pred: &dyn Fn(&Pair) -> bool) -> bool {
        for _ in 0..ATTEMPTS {
            if pred(p) {
                return true;
            }
            self.step(p, run, 2_000);
        }
        pred(p)
    }
}

fn replays(p: &Pair) -> usize {
    p.dev_log
        .iter()
        .filter(|r| matches!(r, DevRec::ReplayDropped { .. }))
        .count()
}

/// The device and its cloud (joylink-session's `wan::sim::Pair`), recorded into `rec`.
fn wan_device(run: &mut Run, rec: &mut Recorder, seed: u64, (loss, duplicate): (f64, f64)) {
    let Ok(key) = DEV_ACCESS.parse() else {
        return;
    };
    let Ok(cfg) = DeviceConfig::new(DEV_FEED, "5708AB", key) else {
        return;
    };
    let mut p = Pair::new(cfg, seed);
    wan_device_flows(run, &mut p, seed, loss, duplicate);
    let chunks: Vec<Chunk> = p
        .wire
        .iter()
        .map(|r| Chunk {
            at: r.at,
            connection: r.connection,
            to_device: r.to_device,
            data: r.data.clone(),
            delivered: r.delivered,
        })
        .collect();
    rec.wan(Ipv4Addr::new(192, 168, 1, 20), &chunks, &p.breaks);
    for (i, k) in p.session_keys.iter().enumerate() {
        rec.keys.push(session_entry(
            "device",
            "192.168.1.20",
            i.saturating_add(1),
            k,
        ));
    }
    rec.next_phase(p.now);
}

fn wan_device_flows(run: &mut Run, p: &mut Pair, seed: u64, loss: f64, duplicate: f64) {
    let mut w = WanFaults {
        rng: SimRng(seed ^ 0x5eed),
        loss,
        duplicate,
    };
    let online = |p: &Pair| p.device.state() == joylink_session::wan::DeviceState::Online;
    let auth = w.wait(p, run, &|p| {
        p.dev_log.contains(&DevRec::Authenticated) && online(p)
    });
    run.flow("WAN auth", auth);
    let hb_before = p.seen_by_cloud.iter().filter(|(_, t)| *t == 10).count();
    p.run_for(16_000);
    let hb = p.seen_by_cloud.iter().filter(|(_, t)| *t == 10).count() > hb_before
        || w.wait(p, run, &|p| p.seen_by_cloud.iter().any(|(_, t)| *t == 10));
    run.flow("heartbeat", hb);
    let up = p.cloud_log.iter().any(|r| matches!(r, CloudRec::Upload(_)));
    run.flow("upload", up);

    // Cloud control: sent again (new serial) until answered.
    let mut ctl = false;
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            run.recovered(&format!(
                "cloud control: no answer, the cloud sends it again (attempt {attempt})"
            ));
        }
        w.wait(p, run, &online);
        let now = p.now;
        let Ok(serial) = p.cloud.control(
            now,
            BizCode::Control,
            &cmd_json("power", "0"),
            &mut p.cloud_tx,
        ) else {
            w.step(p, run, 1_000);
            continue;
        };
        p.flush();
        w.step(p, run, 3_000);
        if p.cloud_log
            .iter()
            .any(|r| matches!(r, CloudRec::ControlResponse { serial: s, .. } if *s == serial))
        {
            ctl = true;
            break;
        }
    }
    let applied = p.applied();
    let mut unique = applied.clone();
    unique.dedup();
    if unique.len() != applied.len() {
        ctl = false;
    }
    run.flow("cloud control", ctl);

    // OTA: order, acknowledgement, the device reports done.
    let mut ota = false;
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            run.recovered(&format!(
                "OTA: order unanswered, the cloud orders again (attempt {attempt})"
            ));
        }
        w.wait(p, run, &online);
        let spec = OtaOrderSpec {
            product_uuid: "5708AB",
            version: 2,
            version_name: "1.0.2",
            crc32: 0x1234_5678,
            url: "http://example.invalid/fw.bin",
        };
        let now = p.now;
        if p.cloud.start_ota(now, &spec, &mut p.cloud_tx).is_err() {
            w.step(p, run, 1_000);
            continue;
        }
        p.flush();
        w.step(p, run, 1_000);
        if p.dev_log
            .iter()
            .any(|r| matches!(r, DevRec::OtaOrder { .. }))
        {
            let now = p.now;
            let _ = p.device.ota_status(now, OtaStatus::Done, 100, "done");
            p.flush();
            w.step(p, run, 1_000);
        }
        if p.cloud_log.iter().any(|r| {
            matches!(
                r,
                CloudRec::Event(joylink_session::wan::CloudEvent::OtaDone)
            )
        }) {
            ota = true;
            break;
        }
    }
    run.flow("OTA", ota);

    // Timer: added by the cloud, fired by the device a minute later, reported.
    let power = cmd_json("power", "1");
    let cmds = [Cmd(&power)];
    let task = Task {
        version: 0,
        label: Some(Label::new(DEV_FEED.as_bytes(), b"every minute")),
        body: TaskBody::Base(BaseTask {
            head: TaskHead {
                id: 7,
                state: TaskState::Started,
                source: TaskSource::User,
            },
            exp: ExpText(b"0_*_*_*_*_*_*"),
            cmds: CmdTrank::new(&cmds),
        }),
    };
    let mut timer = false;
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            run.recovered(&format!(
                "timer: not reported yet, the cloud adds it again (attempt {attempt})"
            ));
        }
        w.wait(p, run, &online);
        let now = p.now;
        if p.cloud.add_timer(now, &task, &mut p.cloud_tx).is_ok() {
            p.flush();
        }
        w.step(p, run, 62_000);
        if p.cloud_log
            .iter()
            .any(|r| matches!(r, CloudRec::TimerExecuted { id: 7, .. }))
        {
            timer = true;
            break;
        }
    }
    run.flow("timer", timer);
}

/// The gateway's WAN side and its cloud over an in-memory stream.
struct GwLink {
    gw: Gateway,
    cloud: Cloud,
    rx: Framer<4096>,
    tx: TxQueue<16384>,
    rng: SimRng,
    now: Instant,
    connected: bool,
    seen: Vec<String>,
    applied: Vec<u32>,
    /// The connection's number (1 for the first).
    connection: u32,
    /// What went over the connections, both ways, and when each broke (for the capture).
    wire: Vec<Chunk>,
    breaks: Vec<(Instant, u32)>,
    session_keys: Vec<joylink::crypto::SessionKey>,
}

impl GwLink {
    fn pump(&mut self) {
        for _ in 0..32 {
            let mut up = Vec::new();
            let mut buf = [0u8; 2048];
            while let Some(n) = self.gw.poll_transmit(&mut buf) {
                up.extend_from_slice(buf.get(..n).unwrap_or_default());
            }
            let mut down = Vec::new();
            while let Some(n) = self.tx.poll_transmit(&mut buf) {
                down.extend_from_slice(buf.get(..n).unwrap_or_default());
            }
            if up.is_empty() && down.is_empty() {
                return;
            }
            if !self.connected {
                continue;
            }
            let now = self.now;
            for (to_device, data) in [(false, &up), (true, &down)] {
                if !data.is_empty() {
                    self.wire.push(Chunk {
                        at: now,
                        connection: self.connection,
                        to_device,
                        data: data.clone(),
                        delivered: true,
                    });
                }
            }
            let mut applied = Vec::new();
            let _ = self.gw.handle_input(now, &down, |g, inc| {
                if let GatewayIncoming::SubControl { request, .. } = inc {
                    applied.push(request.request.serial);
                    let _ = g.respond_sub(now, request, SNAPSHOT);
                }
            });
            self.applied.extend(applied);
            while let Some(e) = self.gw.device_mut().poll_event() {
                if e == joylink_session::wan::Event::Authenticated {
                    if let Some(k) = self.gw.device().session_key() {
                        self.session_keys.push(k.clone());
                    }
                    let _ = self.gw.device_mut().upload(now, SNAPSHOT);
                }
            }
            let mut input = &up[..];
            let key: Option<joylink::crypto::AccessKey> = GW_ACCESS.parse().ok();
            let mut keys =
                |feed: &[u8]| (feed == GW_FEED.as_bytes()).then(|| key.clone()).flatten();
            while let Ok(Some(f)) = self.rx.next_frame(&mut input) {
                let got = self
                    .cloud
                    .handle_packet(now, f, &mut keys, &mut self.rng, &mut self.tx);
                match got {
                    Ok(Some(CloudIncoming::SubDevUpload { .. })) => self.seen.push("112".into()),
                    Ok(Some(CloudIncoming::SubDevControlResponse { serial, .. })) => {
                        self.seen.push(format!("111 {serial}"));
                    }
                    Ok(Some(CloudIncoming::SubDevUnbound { serial })) => {
                        self.seen.push(format!("113 {serial}"));
                    }
                    _ => {}
                }
            }
        }
    }

    fn tick(&mut self, ms: u64) {
        self.now = self.now.add_millis(ms);
        let _ = self.gw.handle_timeout(self.now);
        self.cloud.handle_timeout(self.now);
        self.pump();
    }

    fn reconnect(&mut self) {
        // A new connection a second later (the cloud's auth answer must carry a later time).
        self.now = self.now.add_millis(1_000);
        self.connected = true;
        self.connection = self.connection.saturating_add(1);
        self.rx.reset();
        self.tx.clear();
        self.cloud.connected(self.now);
        let _ = self.gw.device_mut().connected(self.now, &mut self.rng);
        self.pump();
    }

    /// The TCP connection breaks: both sides notice.
    fn break_link(&mut self) {
        self.connected = false;
        self.breaks.push((self.now, self.connection));
        self.gw.device_mut().connection_lost(self.now);
        self.cloud.connection_lost(self.now);
    }

    fn online(&self) -> bool {
        self.gw.device().state() == joylink_session::wan::DeviceState::Online
            && self.cloud.state() == joylink_session::wan::CloudState::Online
    }
}

/// The gateway's WAN flows, recorded into `rec`.
fn wan_gateway(
    run: &mut Run,
    rec: &mut Recorder,
    seed: u64,
    loss: f64,
    subs: &[(String, joylink::crypto::AccessKey)],
) {
    let (Ok(gw_key), Ok(sub_key)) = (
        GW_ACCESS.parse(),
        SUB_ACCESS.parse::<joylink::crypto::AccessKey>(),
    ) else {
        return;
    };
    let Ok(cfg) = DeviceConfig::new(GW_FEED, "6A01CD", gw_key) else {
        return;
    };
    let mut l = GwLink {
        gw: Gateway::new(cfg),
        cloud: Cloud::new(CloudConfig::default(), Instant(0), 1_700_000_000),
        rx: Framer::new(),
        tx: TxQueue::new(),
        rng: SimRng(seed ^ 0x6a7e),
        now: Instant(0),
        connected: false,
        seen: Vec::new(),
        applied: Vec::new(),
        connection: 0,
        wire: Vec::new(),
        breaks: Vec::new(),
        session_keys: Vec::new(),
    };
    // The sub-devices the LAN side authorized join the WAN table (spec 8.2 then 8.4).
    for (feed, access) in subs {
        if let Ok(s) = SubDeviceRecord::new(feed.as_bytes(), access.clone()) {
            let _ = l.gw.add_sub(s);
        }
    }
    let mut faults = SimRng(seed ^ 0xfa17);
    // Up to ATTEMPTS tries of `act`, each in a connection that may break (then re-auth).
    let mut attempt_flow = |l: &mut GwLink,
                            run: &mut Run,
                            name: &str,
                            act: &mut dyn FnMut(&mut GwLink) -> bool| {
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                run.recovered(&format!(
                    "{name}: not completed, retried (attempt {attempt})"
                ));
            }
            if !l.online() {
                l.reconnect();
                l.tick(100);
            }
            if chance(&mut faults, loss) {
                run.recovered("gateway WAN: connection broken, the gateway authenticates again");
                l.break_link();
                l.tick(1_000);
                continue;
            }
            if l.online() && act(l) {
                return true;
            }
        }
        false
    };
    let has_sub = l.gw.sub_devices().count() > 0;
    let hb = has_sub
        && attempt_flow(&mut l, run, "gateway 110", &mut |l| {
            l.tick(16_000);
            l.cloud
                .sub_devices()
                .any(|s| s.feed_id_text() == SUB_FEED.as_bytes())
        });
    run.flow("gateway 110", hb);
    let up = has_sub
        && attempt_flow(&mut l, run, "gateway 112", &mut |l| {
            let now = l.now;
            let _ = l.gw.upload_sub(now, 0, SNAPSHOT);
            l.pump();
            l.seen.iter().any(|s| s == "112")
        });
    run.flow("gateway 112", up);
    let light = cmd_json("light", "0");
    let ctl = has_sub
        && attempt_flow(&mut l, run, "gateway 111", &mut |l| {
            let now = l.now;
            let Ok(serial) = l.cloud.control_sub(
                now,
                SUB_FEED.as_bytes(),
                &sub_key,
                BizCode::Control,
                &light,
                &mut l.tx,
            ) else {
                return false;
            };
            l.pump();
            l.seen.contains(&format!("111 {serial}"))
        });
    let mut applied = l.applied.clone();
    applied.dedup();
    run.flow("gateway 111", ctl && applied.len() == l.applied.len());
    let unbind = has_sub
        && attempt_flow(&mut l, run, "gateway 113", &mut |l| {
            let now = l.now;
            let Ok(serial) = l.cloud.unbind_subs(now, &[SUB_FEED.as_bytes()], &mut l.tx) else {
                return false;
            };
            l.pump();
            l.seen.contains(&format!("113 {serial}"))
                && l.gw.sub_devices().count() == 0
                && l.cloud.sub_devices().count() == 0
        });
    run.flow("gateway 113", unbind);
    // Re-auth: drop the connection on purpose; the gateway must come back online.
    l.break_link();
    let reauth = attempt_flow(&mut l, run, "re-auth", &mut |l| {
        l.tick(100);
        l.online()
    });
    run.flow("re-auth", reauth);
    rec.wan(Ipv4Addr::new(192, 168, 1, 30), &l.wire, &l.breaks);
    for (i, k) in l.session_keys.iter().enumerate() {
        rec.keys.push(session_entry(
            "gateway",
            "192.168.1.30",
            i.saturating_add(1),
            k,
        ));
    }
}
