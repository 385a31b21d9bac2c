//! An in-memory device ↔ cloud connection with a simulated clock, for tests, fuzzing and demos
//! (quinn's `Pair` idea): a TCP-like byte stream each way that can be delayed, muted, broken and
//! injected into (a captured packet replayed), driven deterministically from a seed.
//!
//! The device side runs a small application: it uploads its snapshot after auth, applies every
//! control it is handed (logging the serial) and answers with its snapshot, runs and reports each
//! timer firing, and reconnects when the machine says so.

// Harness code for tests and demos: not on any device's packet path.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

extern crate std;

use std::collections::VecDeque;
use std::vec::Vec;

use joylink_crypto::AccessKey;

use super::{
    Cloud, CloudConfig, CloudEvent, CloudIncoming, Device, DeviceConfig, Event, Framer, Incoming,
    TxQueue,
};
use crate::{Error, Instant};

/// splitmix64: reproducible, **not** cryptographic; for simulations only.
#[derive(Debug, Clone)]
pub struct SimRng(pub u64);

impl rand_core::TryRng for SimRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Ok(z ^ (z >> 31))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(v.get(..chunk.len()).unwrap_or_default());
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for SimRng {}

/// What the device side saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevRec {
    Authenticated,
    Applied {
        serial: u32,
        data: Vec<u8>,
    },
    ReplayDropped {
        serial: u32,
    },
    TimerFired {
        id: i32,
    },
    TimersChanged,
    OtaOrder {
        serial: u32,
    },
    Info {
        serial: u32,
    },
    Reconnect,
    /// [`Event::HeartbeatAcked`].
    HeartbeatAcked {
        count: u32,
    },
}

/// What the cloud side saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudRec {
    Event(CloudEvent),
    Upload(Vec<u8>),
    ControlResponse { serial: u32, data: Vec<u8> },
    Unmatched { serial: u32 },
    OtaAck { serial: u32 },
    OtaStatus { status: i32, progress: i32 },
    TimerExecuted { id: i32, code: i32 },
    TimerAnswer { serial: u32 },
    InfoRequest { serial: u32 },
    SubDevices,
    Other,
    Refused(Error),
}

/// One stream chunk as its sender wrote it onto the simulated connection, for a capture
/// ([`Pair::wire`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRecord {
    /// When it was written (the pair's clock).
    pub at: Instant,
    /// The connection it was written on (1 for the first; each reconnect counts one more).
    pub connection: u32,
    /// Cloud → device (else device → cloud).
    pub to_device: bool,
    /// The bytes.
    pub data: Vec<u8>,
    /// It reached the other side; false when the link was muted or the connection broke
    /// while it was in flight.
    pub delivered: bool,
    /// Written by the harness, not by a machine ([`Pair::inject_to_device`]: a replay).
    pub injected: bool,
}

/// The device's snapshot in the simulation.
pub const SNAPSHOT: &[u8] = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;

/// A device and a cloud over a simulated TCP connection.
#[derive(Debug)]
pub struct Pair {
    pub now: Instant,
    pub device: Device,
    pub cloud: Cloud,
    pub cloud_tx: TxQueue<16384>,
    cloud_rx: Framer<4096>,
    capture: Framer<4096>,
    /// In flight: arrival time, bytes, index in `wire`.
    to_cloud: VecDeque<(Instant, Vec<u8>, usize)>,
    to_device: VecDeque<(Instant, Vec<u8>, usize)>,
    pub rng: SimRng,
    pub keys: Vec<(Vec<u8>, AccessKey)>,
    /// One-way latency of the stream.
    pub latency_ms: u64,
    /// Bytes to the cloud vanish without the connection breaking (a black hole).
    pub cloud_muted: bool,
    pub connected: bool,
    /// Pause before the device reconnects after a break.
    pub reconnect_ms: u64,
    reconnect_at: Option<Instant>,
    /// Bytes to the device vanish without the connection breaking.
    pub device_muted: bool,
    /// Every packet delivered to the device, whole, with the connection number (for replay).
    pub captured: Vec<(u32, Vec<u8>)>,
    /// Time and type of every packet delivered to the cloud.
    pub seen_by_cloud: Vec<(Instant, u8)>,
    up_capture: Framer<4096>,
    pub dev_log: Vec<DevRec>,
    pub cloud_log: Vec<CloudRec>,
    pub connections: u32,
    /// Every chunk written onto the connection, both ways, in order (a capture of the stream).
    pub wire: Vec<StreamRecord>,
    /// The session key of every authentication, in order (to decrypt a capture of `wire`).
    pub session_keys: Vec<joylink_crypto::SessionKey>,
    /// When each connection broke, and its number (for a capture of `wire`).
    pub breaks: Vec<(Instant, u32)>,
}

/// Unix time at the start of every simulation.
pub const START_UNIX: u32 = 1_700_000_000;

impl Pair {
    /// A connected pair; the device's clock is unset (it takes the cloud's from the auth answer).
    pub fn new(device: DeviceConfig, seed: u64) -> Self {
        let key = device.access_key.clone();
        let feed = device.feed_id().as_bytes().to_vec();
        let dev = Device::new(device);
        let now = Instant(0);
        let mut p = Pair {
            now,
            device: dev,
            cloud: Cloud::new(CloudConfig::default(), now, START_UNIX),
            cloud_tx: TxQueue::new(),
            cloud_rx: Framer::new(),
            capture: Framer::new(),
            to_cloud: VecDeque::new(),
            to_device: VecDeque::new(),
            rng: SimRng(seed),
            keys: std::vec![(feed, key)],
            latency_ms: 20,
            cloud_muted: false,
            connected: false,
            reconnect_ms: 1_000,
            reconnect_at: None,
            device_muted: false,
            captured: Vec::new(),
            seen_by_cloud: Vec::new(),
            up_capture: Framer::new(),
            dev_log: Vec::new(),
            cloud_log: Vec::new(),
            connections: 0,
            wire: Vec::new(),
            session_keys: Vec::new(),
            breaks: Vec::new(),
        };
        p.connect();
        p
    }

    fn connect(&mut self) {
        self.connected = true;
        self.connections += 1;
        self.reconnect_at = None;
        self.cloud_rx.reset();
        self.capture.reset();
        self.up_capture.reset();
        self.cloud_tx.clear();
        self.cloud.connected(self.now);
        let _ = self.device.connected(self.now, &mut self.rng);
        self.flush();
    }

    /// Breaks the TCP connection: both sides notice, bytes in flight are lost; the device
    /// reconnects after [`Pair::reconnect_ms`].
    pub fn break_connection(&mut self) {
        if !self.connected {
            return;
        }
        self.connected = false;
        self.breaks.push((self.now, self.connections));
        for (_, _, i) in self.to_cloud.drain(..).chain(self.to_device.drain(..)) {
            if let Some(r) = self.wire.get_mut(i) {
                r.delivered = false;
            }
        }
        self.device.connection_lost(self.now);
        self.cloud.connection_lost(self.now);
        self.reconnect_at = Some(self.now.add_millis(self.reconnect_ms));
        self.drain_events();
    }

    /// Injects `packet` into the stream to the device (an attacker replaying a capture).
    pub fn inject_to_device(&mut self, packet: &[u8]) {
        let at = self.deliver_at(&self.to_device);
        let i = self.record(true, packet, true, true);
        self.to_device.push_back((at, packet.to_vec(), i));
    }

    fn deliver_at(&self, q: &VecDeque<(Instant, Vec<u8>, usize)>) -> Instant {
        let t = self.now.add_millis(self.latency_ms);
        q.back().map_or(t, |(b, _, _)| (*b).max(t))
    }

    /// Records a chunk written onto the connection; its index in `wire`.
    fn record(&mut self, to_device: bool, data: &[u8], delivered: bool, injected: bool) -> usize {
        self.wire.push(StreamRecord {
            at: self.now,
            connection: self.connections,
            to_device,
            data: data.to_vec(),
            delivered,
            injected,
        });
        self.wire.len() - 1
    }

    /// Moves queued bytes onto the links and handles the applications' reactions.
    pub fn flush(&mut self) {
        self.drain_events();
        let mut buf = [0u8; 16384];
        if self.connected {
            while let Some(n) = self.device.poll_transmit(&mut buf) {
                let at = self.deliver_at(&self.to_cloud);
                let i = self.record(false, &buf[..n], !self.cloud_muted, false);
                if !self.cloud_muted {
                    self.to_cloud.push_back((at, buf[..n].to_vec(), i));
                }
            }
            while let Some(n) = self.cloud_tx.poll_transmit(&mut buf) {
                let at = self.deliver_at(&self.to_device);
                let i = self.record(true, &buf[..n], !self.device_muted, false);
                if !self.device_muted {
                    self.to_device.push_back((at, buf[..n].to_vec(), i));
                }
            }
        } else {
            while self.device.poll_transmit(&mut buf).is_some() {}
            self.cloud_tx.clear();
        }
    }

    fn drain_events(&mut self) {
        while let Some(e) = self.device.poll_event() {
            match e {
                Event::Authenticated => {
                    self.dev_log.push(DevRec::Authenticated);
                    if let Some(k) = self.device.session_key() {
                        self.session_keys.push(k.clone());
                    }
                    let _ = self.device.upload(self.now, SNAPSHOT);
                }
                Event::Reconnect => {
                    self.dev_log.push(DevRec::Reconnect);
                    self.break_connection();
                }
                Event::TimerFired { id } => {
                    self.dev_log.push(DevRec::TimerFired { id });
                    let _ = self.device.report_timer_result(self.now, id, 0);
                }
                Event::TimersChanged => self.dev_log.push(DevRec::TimersChanged),
                Event::ReplayDropped { serial } => {
                    self.dev_log.push(DevRec::ReplayDropped { serial });
                }
                Event::HeartbeatAcked { count } => {
                    self.dev_log.push(DevRec::HeartbeatAcked { count });
                }
            }
        }
        while let Some(e) = self.cloud.poll_event() {
            self.cloud_log.push(CloudRec::Event(e));
        }
    }

    fn deliver(&mut self) {
        while self
            .to_device
            .front()
            .is_some_and(|(t, _, _)| *t <= self.now)
        {
            let Some((_, bytes, _)) = self.to_device.pop_front() else {
                break;
            };
            let mut input = &bytes[..];
            while let Ok(Some(f)) = self.capture.next_frame(&mut input) {
                self.captured.push((self.connections, f.to_vec()));
            }
            let now = self.now;
            let mut log = Vec::new();
            let r = self.device.handle_input(now, &bytes, |dev, inc| match inc {
                Incoming::Control { request, data } => {
                    log.push(DevRec::Applied {
                        serial: request.serial,
                        data: data.to_vec(),
                    });
                    let _ = dev.respond(now, request, SNAPSHOT);
                }
                Incoming::OtaOrder { serial, .. } => log.push(DevRec::OtaOrder { serial }),
                Incoming::Info { serial, .. } => log.push(DevRec::Info { serial }),
                Incoming::Video { .. }
                | Incoming::Other { .. }
                | Incoming::SubDevControl { .. }
                | Incoming::SubDevUnbind { .. } => {}
            });
            self.dev_log.extend(log);
            if r.is_err() {
                self.break_connection();
                return;
            }
        }
        while self
            .to_cloud
            .front()
            .is_some_and(|(t, _, _)| *t <= self.now)
        {
            let Some((_, bytes, _)) = self.to_cloud.pop_front() else {
                break;
            };
            let mut up = &bytes[..];
            while let Ok(Some(f)) = self.up_capture.next_frame(&mut up) {
                self.seen_by_cloud
                    .push((self.now, f.get(9).copied().unwrap_or(0)));
            }
            let mut input = &bytes[..];
            loop {
                let frame = match self.cloud_rx.next_frame(&mut input) {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => {
                        self.cloud_log.push(CloudRec::Refused(e));
                        self.break_connection();
                        return;
                    }
                };
                let keys = &self.keys;
                let mut lookup =
                    |feed: &[u8]| keys.iter().find(|(f, _)| f == feed).map(|(_, k)| k.clone());
                let r = self.cloud.handle_packet(
                    self.now,
                    frame,
                    &mut lookup,
                    &mut self.rng,
                    &mut self.cloud_tx,
                );
                let rec = match r {
                    Ok(None) => None,
                    Ok(Some(inc)) => Some(match inc {
                        CloudIncoming::Upload { data } => CloudRec::Upload(data.to_vec()),
                        CloudIncoming::ControlResponse { serial, data, .. } => {
                            CloudRec::ControlResponse {
                                serial,
                                data: data.to_vec(),
                            }
                        }
                        CloudIncoming::Unmatched { serial } => CloudRec::Unmatched { serial },
                        CloudIncoming::OtaAck { serial } => CloudRec::OtaAck { serial },
                        CloudIncoming::OtaStatus { status, progress } => {
                            CloudRec::OtaStatus { status, progress }
                        }
                        CloudIncoming::TimerExecuted { id, code } => {
                            CloudRec::TimerExecuted { id, code }
                        }
                        CloudIncoming::TimerAnswer { serial, .. } => {
                            CloudRec::TimerAnswer { serial }
                        }
                        CloudIncoming::InfoRequest { serial, .. } => {
                            CloudRec::InfoRequest { serial }
                        }
                        CloudIncoming::SubDevices => CloudRec::SubDevices,
                        _ => CloudRec::Other,
                    }),
                    Err(e) => {
                        // spec 7.1: a device that fails auth is disconnected.
                        self.cloud_log.push(CloudRec::Refused(e));
                        self.break_connection();
                        return;
                    }
                };
                if let Some(rec) = rec {
                    self.cloud_log.push(rec);
                }
            }
        }
    }

    /// The earliest thing that will happen.
    fn next_time(&self) -> Option<Instant> {
        [
            self.device.poll_timeout(),
            self.cloud.poll_timeout(),
            self.to_cloud.front().map(|(t, _, _)| *t),
            self.to_device.front().map(|(t, _, _)| *t),
            self.reconnect_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs everything due at the current time.
    pub fn settle(&mut self) {
        for _ in 0..64 {
            self.deliver();
            if self.device.poll_timeout().is_some_and(|t| t <= self.now) {
                let _ = self.device.handle_timeout(self.now);
            }
            if self.cloud.poll_timeout().is_some_and(|t| t <= self.now) {
                self.cloud.handle_timeout(self.now);
            }
            if self.reconnect_at.is_some_and(|t| t <= self.now) {
                self.connect();
            }
            self.flush();
            if self.next_time().is_none_or(|t| t > self.now) {
                break;
            }
        }
    }

    /// Advances the clock by `ms`, running everything that falls due on the way.
    pub fn run_for(&mut self, ms: u64) {
        let end = self.now.add_millis(ms);
        self.settle();
        while let Some(t) = self.next_time().filter(|t| *t <= end) {
            self.now = t.max(self.now);
            self.settle();
        }
        self.now = end;
        self.settle();
    }

    /// Serials of the controls the device applied, in order.
    pub fn applied(&self) -> Vec<u32> {
        self.dev_log
            .iter()
            .filter_map(|r| match r {
                DevRec::Applied { serial, .. } => Some(*serial),
                _ => None,
            })
            .collect()
    }

    /// How often `rec` appears in the cloud's log.
    pub fn cloud_count(&self, f: impl Fn(&CloudRec) -> bool) -> usize {
        self.cloud_log.iter().filter(|r| f(r)).count()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The frames of the chunks of `wire` that match `pick`, split by a fresh framer.
    fn frames(wire: &[StreamRecord], pick: impl Fn(&StreamRecord) -> bool) -> Vec<Vec<u8>> {
        let mut framer = Framer::<4096>::new();
        let mut out = Vec::new();
        for r in wire.iter().filter(|r| pick(r)) {
            let mut input = &r.data[..];
            while let Ok(Some(f)) = framer.next_frame(&mut input) {
                out.push(f.to_vec());
            }
        }
        out
    }

    #[test]
    fn wire_records_both_directions_with_time_and_fate() {
        let key = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
        let cfg = DeviceConfig::new("1234567890123456", "ABCDEF", key).unwrap();
        let mut p = Pair::new(cfg, 9);
        p.run_for(1_000);
        assert_eq!(p.session_keys.len(), 1);
        // Device → cloud: auth (9) first, then the upload (12); cloud → device: the answers,
        // exactly the frames the device was handed.
        let up: Vec<u8> = frames(&p.wire, |r| !r.to_device)
            .iter()
            .map(|f| f[9])
            .collect();
        assert_eq!(up.first(), Some(&9));
        assert!(up.contains(&12), "{up:?}");
        let down = frames(&p.wire, |r| r.to_device);
        let captured: Vec<Vec<u8>> = p.captured.iter().map(|(_, f)| f.clone()).collect();
        assert_eq!(down, captured);
        assert!(p.wire.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(p.wire.iter().all(|r| r.delivered && r.connection == 1));

        // Bytes in flight when the connection breaks are recorded as not delivered; the next
        // connection's chunks carry its number and a second session key is recorded.
        let now = p.now;
        p.device.upload(now, SNAPSHOT).unwrap();
        p.flush();
        let in_flight = p.wire.len() - 1;
        p.break_connection();
        assert!(!p.wire[in_flight].delivered && !p.wire[in_flight].to_device);
        assert_eq!(p.breaks, [(now, 1)]);
        p.run_for(3_000);
        assert_eq!(p.session_keys.len(), 2);
        assert_ne!(
            p.session_keys[0].raw_secret_bytes(),
            p.session_keys[1].raw_secret_bytes()
        );
        assert!(p.wire.iter().any(|r| r.connection == 2 && r.delivered));
        p.inject_to_device(&captured[0]);
        assert!(p.wire.last().unwrap().injected);
    }
}
