//! A fleet of simulated devices, each the real [`Device`] machine on its own TCP connection
//! (`joylink fleet`): auth, heartbeats, uploads, answering controls, random connection drops;
//! counted so that nothing is lost unseen.
//!
//! Identities come from a seed both sides share ([`identity`]): the cloud can generate the same
//! registry without a file.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use joylink_session::Instant;
use joylink_session::wan::{Device, DeviceConfig, Event, Incoming};
use tokio_util::sync::CancellationToken;

use crate::TokioClock;
use crate::device::{AppAction, DeviceApp, Dir, Disconnect, DriverConfig, run_device};

/// The snapshot every simulated device uploads and answers controls with.
pub const SNAPSHOT: &[u8] = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;

const HEARTBEAT: u8 = 10;
const CONTROL: u8 = 11;
const UPLOAD: u8 = 12;

/// Device `i` of the fleet seeded `seed`: its feed id and its accesskey (32 hex digits).
#[must_use]
pub fn identity(seed: u64, i: u64) -> (String, String) {
    let mut x = seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = || {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let key = format!("{:016x}{:016x}", next(), next());
    (format!("F{seed:x}D{i:07}"), key)
}

/// How the fleet behaves.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// The cloud.
    pub cloud: SocketAddr,
    /// Further nodes of the same cloud: device `i` starts at address `i mod n` of `cloud`
    /// followed by these, and after a dropped or refused connection moves on to the next one
    /// ([`DriverConfig::alternates`]).
    pub alternates: Vec<SocketAddr>,
    /// How many devices.
    pub devices: u64,
    /// The identity seed ([`identity`]).
    pub seed: u64,
    /// How long the devices run once connected (from the start).
    pub duration: Duration,
    /// Heartbeat interval of every device (compressible for tests).
    pub heartbeat_ms: u64,
    /// Snapshot uploads this often besides the one after auth; `None` for none.
    pub upload_ms: Option<u64>,
    /// Chance per device per second of dropping its connection (0 for none).
    pub fault_rate: f64,
    /// Connections opened per second while ramping up (0: all at once).
    pub connect_rate: u64,
    /// After the duration, how long devices wait for answers still in flight.
    pub drain: Duration,
}

/// Counters shared by all devices, readable while the fleet runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Devices authenticated at least once.
    pub authenticated: AtomicU64,
    /// Devices online now.
    pub online: AtomicU64,
}

/// The fleet's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetReport {
    /// Devices in the fleet.
    pub devices: u64,
    /// Devices that authenticated at least once.
    pub authenticated: u64,
    /// Auths in all (reconnects authenticate again).
    pub auths: u64,
    /// Heartbeats written.
    pub heartbeats_sent: u64,
    /// Heartbeat answers read.
    pub heartbeats_acked: u64,
    /// Uploads written.
    pub uploads_sent: u64,
    /// Upload answers read.
    pub uploads_acked: u64,
    /// Controls received.
    pub controls_received: u64,
    /// Controls answered.
    pub controls_answered: u64,
    /// Connections beyond the first per device.
    pub reconnects: u64,
    /// Connections the fleet dropped on purpose (`fault_rate`).
    pub faults: u64,
    /// Requests in flight on a connection the fleet dropped on purpose (not counted as lost).
    pub abandoned: u64,
    /// Requests never answered otherwise: the pass condition is 0.
    pub lost: u64,
    /// Heartbeat round trips, microseconds, sorted.
    pub rtt_us: Vec<u32>,
}

impl FleetReport {
    /// The `q` quantile (0.0–1.0) of the heartbeat round trips, in microseconds.
    #[must_use]
    pub fn rtt_quantile(&self, q: f64) -> Option<u32> {
        let n = self.rtt_us.len();
        if n == 0 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let i = ((n.saturating_sub(1)) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        self.rtt_us.get(i).copied()
    }

    /// Whether every device authenticated and nothing was lost.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.authenticated == self.devices && self.lost == 0
    }

    fn merge(&mut self, o: &Sim) {
        let add = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        add(&mut self.authenticated, u64::from(o.auths > 0));
        add(&mut self.auths, o.auths);
        add(&mut self.heartbeats_sent, o.hb_sent);
        add(&mut self.heartbeats_acked, o.hb_acked);
        add(&mut self.uploads_sent, o.up_sent);
        add(&mut self.uploads_acked, o.up_acked);
        add(&mut self.controls_received, o.ctl_received);
        add(&mut self.controls_answered, o.ctl_answered);
        add(&mut self.faults, o.faults);
        add(&mut self.abandoned, o.abandoned);
        add(&mut self.lost, o.lost);
        self.rtt_us.extend_from_slice(&o.rtt_us);
    }
}

/// One simulated device's application.
struct Sim {
    cfg: Arc<FleetConfig>,
    progress: Arc<Progress>,
    rng: u64,
    end: Instant,
    stop_at: Instant,
    next_upload: Option<Instant>,
    next_fault: Option<Instant>,
    hb_in_flight: VecDeque<tokio::time::Instant>,
    up_in_flight: u64,
    online: bool,
    auths: u64,
    hb_sent: u64,
    hb_acked: u64,
    up_sent: u64,
    up_acked: u64,
    ctl_received: u64,
    ctl_answered: u64,
    faults: u64,
    abandoned: u64,
    lost: u64,
    rtt_us: Vec<u32>,
}

impl Sim {
    fn chance(&mut self, p: f64) -> bool {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        #[allow(clippy::cast_precision_loss)]
        let u = ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64;
        u < p
    }

    fn in_flight(&self) -> u64 {
        u64::try_from(self.hb_in_flight.len())
            .unwrap_or(u64::MAX)
            .saturating_add(self.up_in_flight)
    }

    fn forget_in_flight(&mut self, on_purpose: bool) {
        let n = self.in_flight();
        if on_purpose {
            self.abandoned = self.abandoned.saturating_add(n);
        } else {
            self.lost = self.lost.saturating_add(n);
        }
        self.hb_in_flight.clear();
        self.up_in_flight = 0;
    }
}

impl DeviceApp for Sim {
    fn on_event(&mut self, device: &mut Device, now: Instant, event: Event) {
        if let Event::HeartbeatAcked { count } = event {
            // The machine's word that the cloud answered: each answer settles the oldest
            // heartbeat in flight (one connection, answers in order).
            for _ in 0..count {
                if let Some(t) = self.hb_in_flight.pop_front() {
                    self.hb_acked = self.hb_acked.saturating_add(1);
                    let us = u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX);
                    self.rtt_us.push(us);
                }
            }
        }
        if event == Event::Authenticated {
            if self.auths == 0 {
                self.progress.authenticated.fetch_add(1, Ordering::Relaxed);
            }
            self.progress.online.fetch_add(1, Ordering::Relaxed);
            self.online = true;
            self.auths = self.auths.saturating_add(1);
            // spec 7.3.5 注: upload the snapshot after auth.
            let _ = device.upload(now, SNAPSHOT);
            self.next_upload = self.cfg.upload_ms.map(|ms| now.add_millis(ms));
        }
    }

    fn on_incoming(&mut self, device: &mut Device, now: Instant, incoming: Incoming<'_>) {
        if let Incoming::Control { request, .. } = incoming {
            self.ctl_received = self.ctl_received.saturating_add(1);
            if device.respond(now, request, SNAPSHOT).is_ok() {
                self.ctl_answered = self.ctl_answered.saturating_add(1);
            }
        }
    }

    fn on_packet(&mut self, dir: Dir, packet_type: u8) {
        match (dir, packet_type) {
            (Dir::Sent, HEARTBEAT) => {
                self.hb_sent = self.hb_sent.saturating_add(1);
                self.hb_in_flight.push_back(tokio::time::Instant::now());
            }
            (Dir::Sent, UPLOAD) => {
                self.up_sent = self.up_sent.saturating_add(1);
                self.up_in_flight = self.up_in_flight.saturating_add(1);
            }
            (Dir::Received, UPLOAD) if self.up_in_flight > 0 => {
                self.up_acked = self.up_acked.saturating_add(1);
                self.up_in_flight = self.up_in_flight.saturating_sub(1);
            }
            (_, CONTROL) | (_, _) => {}
        }
    }

    fn on_disconnected(&mut self, why: Disconnect) {
        if self.online {
            self.progress.online.fetch_sub(1, Ordering::Relaxed);
        }
        self.online = false;
        self.forget_in_flight(matches!(why, Disconnect::App));
    }

    fn poll_timeout(&self) -> Option<Instant> {
        [Some(self.end), self.next_upload, self.next_fault]
            .into_iter()
            .flatten()
            .min()
    }

    fn handle_timeout(&mut self, device: &mut Device, now: Instant) -> AppAction {
        if now >= self.end {
            // Draining: stop when nothing is in flight, or when the drain time is up.
            self.next_upload = None;
            self.next_fault = None;
            if self.in_flight() == 0 || now >= self.stop_at {
                return AppAction::Stop;
            }
            self.end = now.add_millis(5);
            return AppAction::Continue;
        }
        if self.next_upload.is_some_and(|t| now >= t) {
            if self.online {
                let _ = device.upload(now, SNAPSHOT);
            }
            self.next_upload = self.cfg.upload_ms.map(|ms| now.add_millis(ms));
        }
        if self.next_fault.is_some_and(|t| now >= t) {
            self.next_fault = Some(now.add_millis(1000));
            if self.online && self.chance(self.cfg.fault_rate) {
                self.faults = self.faults.saturating_add(1);
                return AppAction::Disconnect;
            }
        }
        AppAction::Continue
    }
}

/// Device `i`'s driver: its list of addresses rotated so that the fleet spreads evenly.
fn driver_config(cfg: &FleetConfig, i: u64) -> DriverConfig {
    let all: Vec<SocketAddr> = std::iter::once(cfg.cloud)
        .chain(cfg.alternates.iter().copied())
        .collect();
    let n = u64::try_from(all.len()).unwrap_or(1).max(1);
    let first = usize::try_from(i.checked_rem(n).unwrap_or(0)).unwrap_or(0);
    let mut rotated = all.iter().cycle().skip(first).take(all.len()).copied();
    let mut d = DriverConfig::new(rotated.next().unwrap_or(cfg.cloud));
    d.alternates = rotated.collect();
    d
}

/// Runs the fleet to the end of its duration and returns the summary. `progress` can be read
/// meanwhile (a progress bar).
///
/// # Errors
/// A device identity the machine refuses (cannot happen with [`identity`]).
pub async fn run_fleet(cfg: FleetConfig, progress: Arc<Progress>) -> crate::Result<FleetReport> {
    let clock = TokioClock::new();
    let cfg = Arc::new(cfg);
    let stop = CancellationToken::new();
    let end = Instant(u64::try_from(cfg.duration.as_millis()).unwrap_or(u64::MAX));
    let stop_at = end.add_millis(u64::try_from(cfg.drain.as_millis()).unwrap_or(0));
    let mut tasks = Vec::new();
    let connections = Arc::new(AtomicU64::new(0));
    for i in 0..cfg.devices {
        let (feed, key) = identity(cfg.seed, i);
        let key = key
            .parse()
            .map_err(|e| crate::Error::Session(joylink_session::Error::Crypto(e)))?;
        let mut dc = DeviceConfig::new(&feed, "FLEET1", key)?;
        dc.heartbeat_ms = cfg.heartbeat_ms;
        dc.auth_retry_ms = 5_000;
        let mut device: Device = Device::new(dc);
        let mut sim = Sim {
            cfg: cfg.clone(),
            progress: progress.clone(),
            rng: cfg.seed ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d),
            end,
            stop_at,
            next_upload: None,
            next_fault: (cfg.fault_rate > 0.0).then(|| clock.now().add_millis(1000)),
            hb_in_flight: VecDeque::new(),
            up_in_flight: 0,
            online: false,
            auths: 0,
            hb_sent: 0,
            hb_acked: 0,
            up_sent: 0,
            up_acked: 0,
            ctl_received: 0,
            ctl_answered: 0,
            faults: 0,
            abandoned: 0,
            lost: 0,
            rtt_us: Vec::new(),
        };
        let dcfg = driver_config(&cfg, i);
        let stop = stop.clone();
        let conns = connections.clone();
        tasks.push(tokio::spawn(async move {
            let n = run_device(&mut device, &dcfg, clock, &mut sim, &stop).await;
            conns.fetch_add(n, Ordering::Relaxed);
            sim
        }));
        if cfg.connect_rate > 0
            && i.saturating_add(1)
                .checked_rem(cfg.connect_rate.div_ceil(100).max(1))
                == Some(0)
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    // Safety net: stop whatever is still running well after the drain.
    let guard = {
        let stop = stop.clone();
        let at = clock.to_tokio(stop_at.add_millis(2_000));
        tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            stop.cancel();
        })
    };
    let mut report = FleetReport {
        devices: cfg.devices,
        ..FleetReport::default()
    };
    for t in tasks {
        if let Ok(sim) = t.await {
            report.merge(&sim);
        }
    }
    guard.abort();
    report.reconnects = connections
        .load(Ordering::Relaxed)
        .saturating_sub(report.authenticated);
    report.rtt_us.sort_unstable();
    Ok(report)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Devices spread round-robin over the nodes, each with every other node as its fallbacks
    /// in order.
    #[test]
    fn devices_spread_over_the_nodes() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
        let c: SocketAddr = "127.0.0.1:3".parse().unwrap();
        let cfg = FleetConfig {
            cloud: a,
            alternates: vec![b, c],
            devices: 6,
            seed: 1,
            duration: Duration::from_secs(1),
            heartbeat_ms: 1000,
            upload_ms: None,
            fault_rate: 0.0,
            connect_rate: 0,
            drain: Duration::from_secs(1),
        };
        let firsts: Vec<_> = (0..6).map(|i| driver_config(&cfg, i).cloud).collect();
        assert_eq!(firsts, [a, b, c, a, b, c]);
        let d = driver_config(&cfg, 1);
        assert_eq!(d.alternates, [c, a]);
        let single = FleetConfig {
            alternates: Vec::new(),
            ..cfg
        };
        assert!(driver_config(&single, 5).alternates.is_empty());
    }
}
