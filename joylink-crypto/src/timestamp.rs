//! The 4-byte timestamp at the start of every encrypted body (spec 4.3, 4.4 "[4 个字节时间戳]",
//! 6.3.x "小端在前"), and the LAN replay rule of spec 4.4 item 4.
//!
//! compat §5 — the timestamp is a `u32`, little-endian, the first 4 bytes of the
//! *plaintext*; for the WAN binary structs it is the struct's own first field.

use crate::{Error, Result};

/// Length of the timestamp prefix (joylink-wire's, where the type table uses it).
pub use joylink_wire::table::TIMESTAMP_LEN;

/// The width of the optional window of spec 4.4 item 4 ("1min 作为合法的时间范围"), in seconds
/// either side of the receiver's clock.
pub const REPLAY_WINDOW_SECS: u32 = 60;

/// Which timestamps count as replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplayRule {
    /// Spec 4.4 item 4: only a timestamp *equal* to the last one is a replay ("与上次相同的直接
    /// 忽略").
    NotEqual,
    /// What shipped devices do (compat §5, `joylink_is_usr_timestamp_ok`): a timestamp
    /// must be strictly greater than the last one accepted.
    Increasing,
}

/// What the receiver knows about its own clock when it checks a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Clock {
    /// No synchronized clock: only the replay rule applies.
    Unsynchronized,
    /// The receiver's clock is synchronized (RTC + time sync, spec 4.4 item 4) and reads `now`
    /// (seconds, same epoch as the peer's timestamps): the timestamp must also be within
    /// ±[`REPLAY_WINDOW_SECS`] of it.
    Synchronized {
        /// The receiver's current time.
        now: u32,
    },
}

/// Replay check for one peer (spec 4.4 item 4): pure state, the caller passes the time.
///
/// Keep one guard per peer (shipped devices key it by source IP). The guard only advances on
/// [`ReplayGuard::accept`], so a packet that fails later checks can be refused without touching it.
///
/// ```
/// use joylink_crypto::{Clock, Error, ReplayGuard, ReplayRule};
/// let mut g = ReplayGuard::new(ReplayRule::NotEqual);
/// g.accept(1000, Clock::Unsynchronized)?;
/// assert_eq!(g.accept(1000, Clock::Unsynchronized), Err(Error::Replayed { last: 1000, got: 1000 }));
/// assert!(g.accept(1200, Clock::Synchronized { now: 1100 }).is_err()); // 100 s ahead
/// g.accept(1130, Clock::Synchronized { now: 1100 })?;
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayGuard {
    rule: ReplayRule,
    last: Option<u32>,
}

impl ReplayGuard {
    /// A guard that has seen nothing yet (the first timestamp is accepted).
    pub const fn new(rule: ReplayRule) -> Self {
        Self { rule, last: None }
    }

    /// The last accepted timestamp.
    pub const fn last(&self) -> Option<u32> {
        self.last
    }

    /// Checks `ts` without recording it.
    ///
    /// # Errors
    /// [`Error::Replayed`] when the rule refuses it, [`Error::OutsideWindow`] when the clock is
    /// synchronized and `ts` is more than [`REPLAY_WINDOW_SECS`] away from `now`.
    pub fn check(&self, ts: u32, clock: Clock) -> Result<()> {
        if let Some(last) = self.last {
            let replayed = match self.rule {
                ReplayRule::NotEqual => ts == last,
                ReplayRule::Increasing => ts <= last,
            };
            if replayed {
                return Err(Error::Replayed { last, got: ts });
            }
        }
        if let Clock::Synchronized { now } = clock
            && now.abs_diff(ts) > REPLAY_WINDOW_SECS
        {
            return Err(Error::OutsideWindow { now, got: ts });
        }
        Ok(())
    }

    /// Checks `ts` and, if it passes, records it as the last one.
    ///
    /// # Errors
    /// As [`ReplayGuard::check`]; nothing is recorded then.
    pub fn accept(&mut self, ts: u32, clock: Clock) -> Result<()> {
        self.check(ts, clock)?;
        self.last = Some(ts);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increasing_rule_refuses_older() {
        let mut g = ReplayGuard::new(ReplayRule::Increasing);
        g.accept(10, Clock::Unsynchronized).unwrap();
        assert_eq!(
            g.accept(9, Clock::Unsynchronized),
            Err(Error::Replayed { last: 10, got: 9 })
        );
        let mut g = ReplayGuard::new(ReplayRule::NotEqual);
        g.accept(10, Clock::Unsynchronized).unwrap();
        g.accept(9, Clock::Unsynchronized).unwrap();
        assert_eq!(g.last(), Some(9));
    }

    #[test]
    fn window_edges() {
        let g = ReplayGuard::new(ReplayRule::Increasing);
        let c = Clock::Synchronized { now: 1000 };
        assert!(g.check(940, c).is_ok());
        assert!(g.check(1060, c).is_ok());
        assert_eq!(
            g.check(939, c),
            Err(Error::OutsideWindow {
                now: 1000,
                got: 939
            })
        );
        assert_eq!(
            g.check(1061, c),
            Err(Error::OutsideWindow {
                now: 1000,
                got: 1061
            })
        );
        // A refused packet does not advance the guard.
        let mut g = g;
        assert!(g.accept(2000, c).is_err());
        assert_eq!(g.last(), None);
    }
}
