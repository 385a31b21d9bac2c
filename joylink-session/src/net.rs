//! A simulated datagram network and clock for tests and demos (feature `sim`).
//!
//! Every endpoint is a [`SocketAddr`]. [`SimNet::send`] applies the configured faults — drop,
//! duplicate, delay, reorder (random extra delay), replay of an earlier datagram — from a seeded
//! generator, so a failing run is reproduced by its seed. The clock only moves when the harness
//! calls [`SimNet::advance_to`]; datagrams come out of [`SimNet::pop_due`] in delivery order.

use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::Instant;

/// Fault rates in parts per thousand, and delays in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Faults {
    /// Datagrams dropped (‰).
    pub drop: u32,
    /// Datagrams delivered twice (‰).
    pub duplicate: u32,
    /// Datagrams given a random extra delay up to `reorder_ms`, so later ones overtake them (‰).
    pub reorder: u32,
    /// The largest extra delay of a reordered datagram.
    pub reorder_ms: u64,
    /// Each send also re-delivers one random earlier datagram (‰): an attacker's replay.
    pub replay: u32,
    /// Base one-way delay.
    pub delay_ms: u64,
}

/// One datagram in flight or delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// Sender.
    pub from: SocketAddr,
    /// Receiver (never the broadcast address: [`SimNet::send`] expands it).
    pub to: SocketAddr,
    /// The bytes.
    pub data: Vec<u8>,
}

/// One datagram as its sender put it on the wire, for a capture ([`SimNet::wire`]): the
/// address as the sender gave it (a broadcast stays one record to the broadcast address), the
/// time it was sent, and how many copies the network let through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRecord {
    /// When it was sent (the network's clock).
    pub at: Instant,
    /// Sender.
    pub from: SocketAddr,
    /// Receiver as addressed: a broadcast address stays as it was given.
    pub to: SocketAddr,
    /// The bytes.
    pub data: Vec<u8>,
    /// Receivers it was addressed to (every other registered endpoint for a broadcast).
    pub receivers: u32,
    /// Copies the network scheduled for delivery: 0 when it lost every one, more than
    /// `receivers` when it duplicated some.
    pub copies: u32,
    /// Not sent by an endpoint: a copy the network (or the harness, [`SimNet::inject`])
    /// replayed.
    pub replayed: bool,
}

/// Counters of what the network did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetStats {
    /// Datagrams handed to [`SimNet::send`] (a broadcast counts once per receiver).
    pub sent: u64,
    /// Dropped.
    pub dropped: u64,
    /// Extra copies.
    pub duplicated: u64,
    /// Replayed earlier datagrams.
    pub replayed: u64,
    /// Delivered by [`SimNet::pop_due`].
    pub delivered: u64,
}

/// The simulated network.
#[derive(Debug, Clone)]
pub struct SimNet {
    state: u64,
    now: Instant,
    faults: Faults,
    endpoints: Vec<SocketAddr>,
    in_flight: Vec<(Instant, u64, Datagram)>,
    history: Vec<Datagram>,
    wire: Vec<WireRecord>,
    seq: u64,
    stats: NetStats,
}

impl SimNet {
    /// The broadcast address an app scans to (expanded to every registered endpoint on port 80
    /// and 4320 alike: any endpoint but the sender).
    pub const BROADCAST: IpAddr = IpAddr::V4(Ipv4Addr::BROADCAST);

    /// A network at time 0 with `faults`, its random choices seeded by `seed`.
    #[must_use]
    pub fn new(seed: u64, faults: Faults) -> Self {
        Self {
            state: seed ^ 0x9e37_79b9_7f4a_7c15,
            now: Instant(0),
            faults,
            endpoints: Vec::new(),
            in_flight: Vec::new(),
            history: Vec::new(),
            wire: Vec::new(),
            seq: 0,
            stats: NetStats::default(),
        }
    }

    /// Makes `addr` reachable by broadcasts.
    pub fn register(&mut self, addr: SocketAddr) {
        if !self.endpoints.contains(&addr) {
            self.endpoints.push(addr);
        }
    }

    /// Changes the faults (e.g. a clean phase after a lossy one).
    pub fn set_faults(&mut self, faults: Faults) {
        self.faults = faults;
    }

    /// The current time.
    #[must_use]
    pub const fn now(&self) -> Instant {
        self.now
    }

    /// What happened so far.
    #[must_use]
    pub const fn stats(&self) -> NetStats {
        self.stats
    }

    /// splitmix64.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn chance(&mut self, per_mille: u32) -> bool {
        per_mille > 0 && self.next().checked_rem(1000).unwrap_or(0) < u64::from(per_mille)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next().checked_rem(n).unwrap_or(0)
    }

    /// Sends `data` from `from` to `to` (a broadcast IP reaches every other registered endpoint).
    pub fn send(&mut self, from: SocketAddr, to: SocketAddr, data: &[u8]) {
        let targets: Vec<SocketAddr> = if to.ip() == Self::BROADCAST {
            self.endpoints
                .iter()
                .copied()
                .filter(|a| *a != from)
                .collect()
        } else {
            alloc::vec![to]
        };
        let record = self.wire.len();
        self.wire.push(WireRecord {
            at: self.now,
            from,
            to,
            data: data.to_vec(),
            receivers: u32::try_from(targets.len()).unwrap_or(u32::MAX),
            copies: 0,
            replayed: false,
        });
        let mut copies = 0u32;
        for to in targets {
            let d = Datagram {
                from,
                to,
                data: data.to_vec(),
            };
            self.stats.sent = self.stats.sent.saturating_add(1);
            self.history.push(d.clone());
            if self.faults.replay > 0 && self.chance(self.faults.replay) {
                let len = u64::try_from(self.history.len()).unwrap_or(0);
                let pick = usize::try_from(self.below(len)).unwrap_or(0);
                if let Some(old) = self.history.get(pick).cloned() {
                    self.stats.replayed = self.stats.replayed.saturating_add(1);
                    self.record_replay(&old);
                    self.schedule(old);
                }
            }
            if self.chance(self.faults.drop) {
                self.stats.dropped = self.stats.dropped.saturating_add(1);
                continue;
            }
            if self.chance(self.faults.duplicate) {
                self.stats.duplicated = self.stats.duplicated.saturating_add(1);
                copies = copies.saturating_add(1);
                self.schedule(d.clone());
            }
            copies = copies.saturating_add(1);
            self.schedule(d);
        }
        if let Some(r) = self.wire.get_mut(record) {
            r.copies = copies;
        }
    }

    /// Re-delivers a copy of `datagram` now (a targeted replay).
    pub fn inject(&mut self, datagram: Datagram) {
        self.record_replay(&datagram);
        self.schedule(datagram);
    }

    fn record_replay(&mut self, d: &Datagram) {
        self.wire.push(WireRecord {
            at: self.now,
            from: d.from,
            to: d.to,
            data: d.data.clone(),
            receivers: 1,
            copies: 1,
            replayed: true,
        });
    }

    /// Every datagram put on the wire so far, in order: each send once as its sender addressed
    /// it (with the copies the network let through: a lost one is here with 0 copies), and
    /// each replay. What a capture at the senders shows.
    #[must_use]
    pub fn wire(&self) -> &[WireRecord] {
        &self.wire
    }

    /// Every datagram sent so far, in order (for targeted replays).
    #[must_use]
    pub fn history(&self) -> &[Datagram] {
        &self.history
    }

    fn schedule(&mut self, d: Datagram) {
        let mut at = self.now.add_millis(self.faults.delay_ms);
        if self.chance(self.faults.reorder) {
            let extra = self.below(self.faults.reorder_ms.saturating_add(1));
            at = at.add_millis(extra);
        }
        self.seq = self.seq.wrapping_add(1);
        self.in_flight.push((at, self.seq, d));
    }

    /// When the next datagram arrives.
    #[must_use]
    pub fn next_delivery(&self) -> Option<Instant> {
        self.in_flight.iter().map(|(at, _, _)| *at).min()
    }

    /// Moves the clock forward (never back).
    pub fn advance_to(&mut self, t: Instant) {
        self.now = self.now.max(t);
    }

    /// The next datagram due at the current time, earliest first.
    pub fn pop_due(&mut self) -> Option<Datagram> {
        let now = self.now;
        let (i, _) = self
            .in_flight
            .iter()
            .enumerate()
            .filter(|(_, (at, _, _))| *at <= now)
            .min_by_key(|(_, (at, seq, _))| (*at, *seq))?;
        let (_, _, d) = self.in_flight.swap_remove(i);
        self.stats.delivered = self.stats.delivered.saturating_add(1);
        Some(d)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn a(port: u16) -> SocketAddr {
        SocketAddr::from(([10, 0, 0, 1], port))
    }

    #[test]
    fn same_seed_same_faults_and_broadcast_reaches_others() {
        let faults = Faults {
            drop: 300,
            duplicate: 200,
            reorder: 300,
            reorder_ms: 50,
            replay: 100,
            delay_ms: 1,
        };
        let run = |seed| {
            let mut net = SimNet::new(seed, faults);
            for p in 0..50u16 {
                net.send(a(1), a(2), &p.to_le_bytes());
            }
            net.advance_to(Instant(100));
            let mut got = Vec::new();
            while let Some(d) = net.pop_due() {
                got.push(d.data);
            }
            (got, net.stats())
        };
        let (x, sx) = run(7);
        assert_eq!(run(7), (x.clone(), sx));
        assert!(sx.dropped > 0 && sx.duplicated > 0 && sx.replayed > 0);
        assert_ne!(run(8).0, x);

        let mut net = SimNet::new(1, Faults::default());
        for p in 1..=3 {
            net.register(a(p));
        }
        net.send(a(1), SocketAddr::new(SimNet::BROADCAST, 80), b"hi");
        let mut to: Vec<_> = core::iter::from_fn(|| net.pop_due())
            .map(|d| d.to)
            .collect();
        to.sort();
        assert_eq!(to, [a(2), a(3)]);
    }

    #[test]
    fn wire_records_each_send_as_addressed_with_its_fate() {
        let mut net = SimNet::new(3, Faults::default());
        for p in 1..=3 {
            net.register(a(p));
        }
        let bc = SocketAddr::new(SimNet::BROADCAST, 4320);
        net.advance_to(Instant(5));
        net.send(a(1), bc, b"scan");
        net.set_faults(Faults {
            drop: 1000,
            ..Faults::default()
        });
        net.send(a(2), a(1), b"lost");
        net.set_faults(Faults {
            duplicate: 1000,
            ..Faults::default()
        });
        net.send(a(3), a(1), b"twice");
        net.inject(net.history()[0].clone());
        let w = net.wire();
        assert_eq!(w.len(), 4);
        assert_eq!((w[0].to, w[0].receivers, w[0].copies), (bc, 2, 2));
        assert_eq!(w[0].at, Instant(5));
        assert_eq!((w[1].data.as_slice(), w[1].copies), (&b"lost"[..], 0));
        assert_eq!((w[2].receivers, w[2].copies), (1, 2));
        assert!(w[3].replayed && !w[2].replayed);
        assert_eq!(w[3].to, a(2));
    }
}
