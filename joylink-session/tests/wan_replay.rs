//! The WAN replay rules of the README ("Replay rules"), each against the observable outcome:
//! the cloud refuses an auth request older than the last accepted one, the device takes an OTA
//! order only with a strictly later timestamp, an unknown or repeated answer serial reaches the
//! cloud's application as `CloudIncoming::Unmatched` (never matched twice), and the cloud's
//! clock-skew limit is off by default and refuses when set.
//!
//! The two machines are driven directly (no simulated network), so that a test can hold on to a
//! packet and put it in front of a machine again, as an attacker in the path would.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use joylink_crypto::AccessKey;
use joylink_session::wan::sim::SimRng;
use joylink_session::wan::{
    Cloud, CloudConfig, CloudEvent, CloudIncoming, CloudState, ControlRequest, Device,
    DeviceConfig, DeviceState, Event, Framer, Incoming, OtaOrderSpec, PendingKind, TxQueue,
};
use joylink_session::{Error, Instant};
use joylink_wire::BizCode;

const KEY: &str = "25e35c9691ee91296facd5d28a4822bc";
const FEED: &str = "1234567890123456";
/// The cloud's clock at `Instant(0)`.
const START: u32 = 1_700_000_000;
const CMD: &[u8] = br#"{"streams":[{"stream_id":"power","current_value":"0"}]}"#;
const SNAPSHOT: &[u8] = br#"{"code":0,"streams":[]}"#;

fn key() -> AccessKey {
    KEY.parse().unwrap()
}

/// What the cloud's application was handed, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    ControlResponse(u32),
    Unmatched(u32),
    OtaAck(u32),
    Other,
}

fn got(inc: Option<CloudIncoming<'_>>) -> Option<Got> {
    inc.map(|inc| match inc {
        CloudIncoming::ControlResponse { serial, .. } => Got::ControlResponse(serial),
        CloudIncoming::Unmatched { serial } => Got::Unmatched(serial),
        CloudIncoming::OtaAck { serial } => Got::OtaAck(serial),
        _ => Got::Other,
    })
}

/// What the device's application was handed (it answers every control with [`SNAPSHOT`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Control(u32),
    OtaOrder(u32),
    ReplayDropped(u32),
}

/// A device and a cloud joined by hand: every packet each way is kept.
struct Link {
    now: Instant,
    dev: Device,
    cloud: Cloud,
    tx: TxQueue<8192>,
    rng: SimRng,
    /// Device → cloud packets, as framed for the cloud.
    up: Vec<Vec<u8>>,
    /// Cloud → device packets.
    down: Vec<Vec<u8>>,
    cloud_got: Vec<Got>,
    dev_seen: Vec<Seen>,
}

/// Splits the bytes `poll` hands out into packets.
fn frames(mut poll: impl FnMut(&mut [u8]) -> Option<usize>) -> Vec<Vec<u8>> {
    let mut framer = Framer::<4096>::new();
    let mut buf = [0u8; 4096];
    let mut out = Vec::new();
    while let Some(n) = poll(&mut buf) {
        let mut input = &buf[..n];
        while let Some(f) = framer.next_frame(&mut input).unwrap() {
            out.push(f.to_vec());
        }
    }
    out
}

fn packet_type(frame: &[u8]) -> u8 {
    frame[9]
}

impl Link {
    /// A cloud with `cfg` whose clock reads [`START`] at `Instant(0)`; the device's clock
    /// reads `device_unix` then (`None`: no clock, it sends timestamp 0 until the auth answer).
    fn new(cfg: CloudConfig, device_unix: Option<u32>) -> Self {
        let mut dev: Device = Device::new(DeviceConfig::new(FEED, "ABCDEF", key()).unwrap());
        if let Some(unix) = device_unix {
            dev.set_unix_time(Instant(0), unix);
        }
        Link {
            now: Instant(0),
            dev,
            cloud: Cloud::new(cfg, Instant(0), START),
            tx: TxQueue::new(),
            rng: SimRng(7),
            up: Vec::new(),
            down: Vec::new(),
            cloud_got: Vec::new(),
            dev_seen: Vec::new(),
        }
    }

    /// Connected and authenticated at `Instant(0)` (device without a clock).
    fn online() -> Self {
        let mut l = Self::new(CloudConfig::default(), None);
        l.connect();
        l.pump();
        assert_eq!(l.dev.state(), DeviceState::Online);
        assert_eq!(l.cloud.state(), CloudState::Online);
        l
    }

    /// A new TCP connection on both ends: the device queues its auth request.
    fn connect(&mut self) {
        self.cloud.connected(self.now);
        self.tx.clear();
        self.dev.connected(self.now, &mut self.rng).unwrap();
    }

    /// Hands `frame` to the cloud as if it came from the device.
    fn deliver_to_cloud(&mut self, frame: &[u8]) -> Result<Option<Got>, Error> {
        let mut packet = frame.to_vec();
        let mut keys = |feed: &[u8]| (feed == FEED.as_bytes()).then(key);
        let r = self.cloud.handle_packet(
            self.now,
            &mut packet,
            &mut keys,
            &mut self.rng,
            &mut self.tx,
        );
        r.map(got)
    }

    /// Hands `frame` to the device as if it came from the cloud.
    fn deliver_to_device(&mut self, frame: &[u8]) {
        let mut packet = frame.to_vec();
        let now = self.now;
        if let Ok(Some(inc)) = self.dev.handle_packet(now, &mut packet) {
            match inc {
                Incoming::Control { request, .. } => {
                    self.dev_seen.push(Seen::Control(request.serial));
                    self.dev.respond(now, request, SNAPSHOT).unwrap();
                }
                Incoming::OtaOrder { serial, .. } => self.dev_seen.push(Seen::OtaOrder(serial)),
                _ => {}
            }
        }
        while let Some(e) = self.dev.poll_event() {
            if let Event::ReplayDropped { serial } = e {
                self.dev_seen.push(Seen::ReplayDropped(serial));
            }
        }
    }

    /// The packets the device queued, not delivered.
    fn take_up(&mut self) -> Vec<Vec<u8>> {
        frames(|b| self.dev.poll_transmit(b))
    }

    /// Exchanges packets until both ends are quiet.
    fn pump(&mut self) {
        loop {
            let up = self.take_up();
            let down = frames(|b| self.tx.poll_transmit(b));
            if up.is_empty() && down.is_empty() {
                break;
            }
            for f in up {
                if let Some(g) = self.deliver_to_cloud(&f).unwrap() {
                    self.cloud_got.push(g);
                }
                self.up.push(f);
            }
            for f in down {
                self.deliver_to_device(&f);
                self.down.push(f);
            }
        }
    }

    fn last_down(&self, packet: u8) -> Vec<u8> {
        self.down
            .iter()
            .rev()
            .find(|f| packet_type(f) == packet)
            .unwrap()
            .clone()
    }

    fn last_up(&self, packet: u8) -> Vec<u8> {
        self.up
            .iter()
            .rev()
            .find(|f| packet_type(f) == packet)
            .unwrap()
            .clone()
    }
}

// --- Cloud: auth request timestamps ---------------------------------------------------------

/// README: "an auth request older than the last accepted one is refused" (cloud.rs
/// `handle_auth`). An attacker who captured an earlier auth request replays it on a new
/// connection after the device has authenticated with a later one: refused, nothing answered,
/// no session key. The refusal changes nothing: the genuine later request still goes through.
#[test]
fn cloud_refuses_an_auth_request_older_than_the_last_accepted_one() {
    let mut l = Link::new(CloudConfig::default(), Some(START));
    l.connect();
    let older = l.take_up().pop().unwrap();
    assert_eq!(packet_type(&older), 9);
    // Five seconds later the device authenticates on a new connection.
    l.now = Instant(5_000);
    l.connect();
    l.pump();
    assert_eq!(l.cloud.state(), CloudState::Online);
    let newer = l.last_up(9);

    // The captured request, on yet another connection.
    l.connect();
    let _ = l.take_up(); // the device's own request is not sent
    assert_eq!(
        l.deliver_to_cloud(&older),
        Err(Error::State("auth timestamp older than the last one"))
    );
    assert_eq!(l.cloud.state(), CloudState::AwaitingAuth);
    assert!(l.cloud.session_key().is_none());
    assert!(l.tx.is_empty(), "a refused auth request is not answered");
    assert_eq!(l.cloud.poll_event(), Some(CloudEvent::Authenticated)); // the earlier auth only
    assert_eq!(l.cloud.poll_event(), None);

    // The last accepted request itself is not older: accepted.
    assert_eq!(l.deliver_to_cloud(&newer), Ok(None));
    assert_eq!(l.cloud.state(), CloudState::Online);
    assert!(!l.tx.is_empty());
}

/// The rule is "older", not "not newer": a device without a clock sends timestamp 0 in every
/// auth request (README: shipped devices often have no clock), and a request retried in the
/// same second carries the same timestamp. Both are accepted again on the same `Cloud`.
#[test]
fn cloud_accepts_an_auth_request_as_old_as_the_last_accepted_one() {
    let mut l = Link::online();
    let first = l.last_up(9);
    let k1 = l.cloud.session_key().unwrap();
    // The connection drops; the clockless device comes back with timestamp 0 again.
    l.dev.connection_lost(l.now);
    l.cloud.connection_lost(l.now);
    l.now = Instant(3_000);
    l.connect();
    l.pump();
    let second = l.last_up(9);
    assert_ne!(first, second, "a new random number");
    assert_eq!(l.cloud.state(), CloudState::Online);
    assert_eq!(l.dev.state(), DeviceState::Online);
    assert_ne!(l.cloud.session_key().unwrap(), k1);
    assert_eq!(l.dev.session_key(), l.cloud.session_key().as_ref());
}

// --- Device: OTA order timestamps -----------------------------------------------------------

const ORDER: OtaOrderSpec<'static> = OtaOrderSpec {
    product_uuid: "ABCDEF",
    version: 2,
    version_name: "1.2.1.20151030_release",
    crc32: 0x2dfd_2d88,
    url: "http://ota.example.com/fw.bin",
};

/// README: "an OTA order (7) needs a strictly later timestamp" than the last cloud time the
/// device saw (device.rs, compat: what shipped devices check). An order in the same second as
/// the auth answer, and a replayed order (same or older timestamp), are dropped: no
/// `Incoming::OtaOrder`, no acknowledgement, `Event::ReplayDropped`.
#[test]
fn device_takes_an_ota_order_only_with_a_strictly_later_timestamp() {
    let mut l = Link::online(); // the auth answer carried START
    // Same second as the auth answer: equal timestamp, dropped.
    l.now = Instant(500);
    let s1 = l.cloud.start_ota(l.now, &ORDER, &mut l.tx).unwrap();
    l.pump();
    assert_eq!(l.dev_seen, [Seen::ReplayDropped(0)]);
    assert!(
        l.cloud_got.is_empty(),
        "not acknowledged: {:?}",
        l.cloud_got
    );
    assert!(l.cloud.is_pending(s1));

    // Two seconds on: taken and acknowledged.
    l.now = Instant(2_000);
    let s2 = l.cloud.start_ota(l.now, &ORDER, &mut l.tx).unwrap();
    l.pump();
    assert_eq!(l.dev_seen[1..], [Seen::OtaOrder(s2)]);
    assert_eq!(l.cloud_got, [Got::OtaAck(s2)]);
    let order2 = l.last_down(7);

    // The same order again (equal timestamp): dropped.
    l.deliver_to_device(&order2);
    assert_eq!(l.dev_seen[2..], [Seen::ReplayDropped(0)]);
    assert!(
        l.take_up().is_empty(),
        "a dropped order is not acknowledged"
    );

    // A later order, then the earlier one replayed (older timestamp): dropped.
    l.now = Instant(5_000);
    let s3 = l.cloud.start_ota(l.now, &ORDER, &mut l.tx).unwrap();
    l.pump();
    assert_eq!(l.dev_seen[3..], [Seen::OtaOrder(s3)]);
    l.deliver_to_device(&order2);
    assert_eq!(l.dev_seen[4..], [Seen::ReplayDropped(0)]);
    assert!(l.take_up().is_empty());
    assert_eq!(
        l.dev_seen
            .iter()
            .filter(|s| matches!(s, Seen::OtaOrder(_)))
            .count(),
        2
    );
}

// --- Cloud: answers matched by serial -------------------------------------------------------

/// README: "an unknown or repeated serial is `CloudIncoming::Unmatched`, never applied twice"
/// (cloud.rs: an answer releases its request). A repeated answer, an answer to a serial the
/// cloud never sent, and an answer arriving after its request timed out are all `Unmatched`,
/// even while another request is outstanding; the matched answer is handed up exactly once.
#[test]
fn repeated_or_unknown_answer_serials_are_unmatched() {
    let mut l = Link::online();
    l.now = Instant(1_000);
    let s = l
        .cloud
        .control(l.now, BizCode::Control, CMD, &mut l.tx)
        .unwrap();
    l.pump();
    assert_eq!(l.dev_seen, [Seen::Control(s)]);
    assert_eq!(l.cloud_got, [Got::ControlResponse(s)]);
    assert!(!l.cloud.is_pending(s));
    let answer = l.last_up(11);

    // Another request is outstanding (not delivered yet) when the old answer comes again.
    let s2 = l
        .cloud
        .control(l.now, BizCode::Control, CMD, &mut l.tx)
        .unwrap();
    for _ in 0..2 {
        assert_eq!(l.deliver_to_cloud(&answer), Ok(Some(Got::Unmatched(s))));
    }
    assert!(l.cloud.is_pending(s2), "the repeat did not take s2's slot");

    // An answer to a serial the cloud never used.
    let unknown = s2 + 100;
    l.dev
        .respond(
            l.now,
            ControlRequest {
                biz_code: BizCode::Control,
                serial: unknown,
            },
            SNAPSHOT,
        )
        .unwrap();
    let forged = l.take_up().pop().unwrap();
    assert_eq!(
        l.deliver_to_cloud(&forged),
        Ok(Some(Got::Unmatched(unknown)))
    );
    assert!(l.cloud.is_pending(s2));

    // s2 reaches the device, its answer is held back until the request has timed out.
    for f in frames(|b| l.tx.poll_transmit(b)) {
        l.deliver_to_device(&f);
    }
    let late = l.take_up().pop().unwrap();
    l.now = Instant(1_000 + u64::from(CloudConfig::default().request_timeout_ms));
    l.cloud.handle_timeout(l.now);
    let mut events = Vec::new();
    while let Some(e) = l.cloud.poll_event() {
        events.push(e);
    }
    assert!(events.contains(&CloudEvent::Timeout {
        serial: s2,
        kind: PendingKind::Control
    }));
    assert_eq!(l.deliver_to_cloud(&late), Ok(Some(Got::Unmatched(s2))));

    // A repeated OTA acknowledgement is unmatched as well.
    l.now = Instant(20_000);
    let o = l.cloud.start_ota(l.now, &ORDER, &mut l.tx).unwrap();
    l.pump();
    assert_eq!(l.cloud_got[1..], [Got::OtaAck(o)]);
    let ack = l.last_up(7);
    assert_eq!(l.deliver_to_cloud(&ack), Ok(Some(Got::Unmatched(o))));
}

// --- Cloud: clock-skew limit ------------------------------------------------------------------

/// One auth request from a device whose clock reads `device_unix` at `Instant(0)` (`None`: no
/// clock), handed to a fresh cloud with `cfg` whose clock reads [`START`] then.
fn auth_once(cfg: CloudConfig, device_unix: Option<u32>) -> (Result<Option<Got>, Error>, Link) {
    let mut l = Link::new(cfg, device_unix);
    l.connect();
    let request = l.take_up().pop().unwrap();
    let r = l.deliver_to_cloud(&request);
    (r, l)
}

/// README: "a clock-skew limit is optional (`CloudConfig::max_skew_secs`, off by default
/// because shipped devices often have no clock)": by default a device without a clock
/// (timestamp 0) or with a clock years off authenticates.
#[test]
fn skew_limit_is_off_by_default() {
    assert_eq!(CloudConfig::default().max_skew_secs, None);
    for unix in [None, Some(START - 300_000_000), Some(START + 300_000_000)] {
        let (r, l) = auth_once(CloudConfig::default(), unix);
        assert_eq!(r, Ok(None), "device clock {unix:?}");
        assert_eq!(l.cloud.state(), CloudState::Online, "device clock {unix:?}");
    }
}

/// With `max_skew_secs` set, an auth request whose timestamp is further than that from the
/// cloud's clock is refused (no answer, no session); at the limit it is accepted.
#[test]
fn skew_limit_refuses_when_set() {
    let cfg = CloudConfig {
        max_skew_secs: Some(30),
        ..CloudConfig::default()
    };
    for unix in [
        None,
        Some(START - 31),
        Some(START + 31),
        Some(START + 3_600),
    ] {
        let (r, l) = auth_once(cfg, unix);
        assert_eq!(
            r,
            Err(Error::State("auth timestamp outside the allowed skew")),
            "device clock {unix:?}"
        );
        assert_eq!(l.cloud.state(), CloudState::AwaitingAuth);
        assert!(l.cloud.session_key().is_none());
        assert!(l.tx.is_empty());
    }
    for unix in [START - 30, START, START + 30] {
        let (r, l) = auth_once(cfg, Some(unix));
        assert_eq!(r, Ok(None), "device clock {unix}");
        assert_eq!(l.cloud.state(), CloudState::Online);
    }
    // The skew is measured against the cloud's clock as it runs: 100 s after the cloud's
    // clock read START, a device reading START + 100 is on time.
    let mut l = Link::new(cfg, None);
    l.now = Instant(100_000);
    l.dev.set_unix_time(l.now, START + 100);
    l.connect();
    l.pump();
    assert_eq!(l.cloud.state(), CloudState::Online);
    let (r, _) = auth_once(cfg, Some(START + 100));
    assert!(
        r.is_err(),
        "the same reading at the cloud's START is 100 s ahead"
    );
}
