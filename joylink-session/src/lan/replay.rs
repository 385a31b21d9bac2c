//! The per-peer replay check of spec 4.4 item 4 over a fixed table of peers.

use core::net::SocketAddr;

use crate::Instant;

/// Which timestamps from one peer a device accepts.
///
/// The timestamp is opaque: shipped app SDKs send seconds, JD's Java SDK sends milliseconds
/// truncated to 32 bits, so no rule here ever compares it with the device's own clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReplayPolicy {
    /// No check (tests and peers known to repeat timestamps).
    Off,
    /// Spec 4.4 item 4: a timestamp equal to the peer's last accepted one is ignored.
    NotEqual,
    /// The default, what shipped devices do: a timestamp must be newer than the peer's last
    /// accepted one, compared as wrapping 32-bit serial numbers (RFC 1982), so a millisecond clock
    /// truncated to 32 bits keeps working across its wrap every 49.7 days. Unlike `NotEqual` it
    /// also drops a duplicate that arrives after a later packet of the same peer.
    #[default]
    Increasing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    peer: SocketAddr,
    last: u32,
    seen: Instant,
}

/// The last accepted timestamp of up to `N` peers (keyed by address, as shipped devices key it by
/// source IP). When full, the peer heard from least recently is forgotten: its next packet is
/// accepted whatever its timestamp.
#[derive(Debug, Clone)]
pub struct ReplayTable<const N: usize> {
    policy: ReplayPolicy,
    entries: [Option<Entry>; N],
}

impl<const N: usize> ReplayTable<N> {
    /// An empty table.
    #[must_use]
    pub const fn new(policy: ReplayPolicy) -> Self {
        Self {
            policy,
            entries: [None; N],
        }
    }

    /// The policy.
    #[must_use]
    pub const fn policy(&self) -> ReplayPolicy {
        self.policy
    }

    /// Whether `ts` from `peer` is fresh under the policy (nothing recorded).
    #[must_use]
    pub fn is_fresh(&self, peer: SocketAddr, ts: u32) -> bool {
        let Some(last) = self.find(peer).map(|e| e.last) else {
            return true;
        };
        match self.policy {
            ReplayPolicy::Off => true,
            ReplayPolicy::NotEqual => ts != last,
            // RFC 1982: newer when the wrapping difference is in (0, 2^31).
            ReplayPolicy::Increasing => {
                let d = ts.wrapping_sub(last);
                d != 0 && d < 0x8000_0000
            }
        }
    }

    /// Checks and records `ts` from `peer`; `false` (nothing recorded) for a replay.
    pub fn accept(&mut self, peer: SocketAddr, ts: u32, now: Instant) -> bool {
        if !self.is_fresh(peer, ts) {
            return false;
        }
        if self.policy == ReplayPolicy::Off {
            return true;
        }
        let entry = Entry {
            peer,
            last: ts,
            seen: now,
        };
        let slot = self
            .entries
            .iter()
            .position(|e| e.is_some_and(|e| e.peer == peer))
            .or_else(|| self.entries.iter().position(Option::is_none))
            .or_else(|| {
                // Evict the least recently seen peer.
                self.entries
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, e)| e.map_or(Instant(0), |e| e.seen))
                    .map(|(i, _)| i)
            });
        if let Some(e) = slot.and_then(|i| self.entries.get_mut(i)) {
            *e = Some(entry);
        }
        true
    }

    /// Forgets `peer` (its next timestamp is accepted whatever it is).
    pub fn forget(&mut self, peer: SocketAddr) {
        for e in &mut self.entries {
            if e.is_some_and(|e| e.peer == peer) {
                *e = None;
            }
        }
    }

    /// The last accepted timestamp of `peer`.
    #[must_use]
    pub fn last(&self, peer: SocketAddr) -> Option<u32> {
        self.find(peer).map(|e| e.last)
    }

    fn find(&self, peer: SocketAddr) -> Option<&Entry> {
        self.entries.iter().flatten().find(|e| e.peer == peer)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([192, 168, 1, 2], port))
    }

    #[test]
    fn increasing_wraps_and_refuses_old() {
        let mut t = ReplayTable::<2>::new(ReplayPolicy::Increasing);
        assert!(t.accept(addr(1), u32::MAX - 1, Instant(0)));
        assert!(!t.accept(addr(1), u32::MAX - 1, Instant(1)));
        assert!(!t.accept(addr(1), u32::MAX - 5, Instant(1)));
        // A millisecond clock wrapping past 2^32 is still newer.
        assert!(t.accept(addr(1), 3, Instant(2)));
        // Another peer has its own history.
        assert!(t.accept(addr(2), 3, Instant(3)));
    }

    #[test]
    fn not_equal_only_refuses_the_same_value() {
        let mut t = ReplayTable::<2>::new(ReplayPolicy::NotEqual);
        assert!(t.accept(addr(1), 10, Instant(0)));
        assert!(!t.accept(addr(1), 10, Instant(0)));
        assert!(t.accept(addr(1), 9, Instant(0)));
        let mut off = ReplayTable::<2>::new(ReplayPolicy::Off);
        assert!(off.accept(addr(1), 10, Instant(0)));
        assert!(off.accept(addr(1), 10, Instant(0)));
    }

    #[test]
    fn full_table_forgets_the_least_recent_peer() {
        let mut t = ReplayTable::<2>::new(ReplayPolicy::Increasing);
        assert!(t.accept(addr(1), 10, Instant(0)));
        assert!(t.accept(addr(2), 10, Instant(5)));
        assert!(t.accept(addr(3), 10, Instant(6)));
        assert_eq!(t.last(addr(1)), None);
        assert_eq!(t.last(addr(2)), Some(10));
        t.forget(addr(2));
        assert!(t.accept(addr(2), 1, Instant(7)));
    }
}
