//! The bridge's counters.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) connected: AtomicBool,
    pub(crate) connects: AtomicU64,
    pub(crate) published: AtomicU64,
    pub(crate) buffered: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) commands: AtomicU64,
    pub(crate) responses: AtomicU64,
    pub(crate) ignored: AtomicU64,
    pub(crate) not_online: AtomicU64,
    pub(crate) lagged: AtomicU64,
}

pub(crate) fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// A snapshot of a bridge's counters ([`MqttBridge::stats`](super::MqttBridge::stats)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MqttStats {
    /// Whether the broker is connected now.
    pub connected: bool,
    /// Connections to the broker since start (more than 1: it was lost and came back).
    pub connects: u64,
    /// Messages handed to the broker connection.
    pub published: u64,
    /// Events and responses waiting for the broker now.
    pub buffered: u64,
    /// Events and responses dropped because the buffer was full (the oldest go first).
    pub dropped: u64,
    /// Commands executed for devices this node holds.
    pub commands: u64,
    /// Responses published (answers, timeouts and errors).
    pub responses: u64,
    /// Commands seen for devices this node does not hold (left to their holder).
    pub ignored: u64,
    /// Commands answered `not_online` (no node held the device).
    pub not_online: u64,
    /// Hub events missed because the bridge fell behind the hub's event buffer.
    pub lagged: u64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> MqttStats {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        MqttStats {
            connected: self.connected.load(Ordering::Relaxed),
            connects: l(&self.connects),
            published: l(&self.published),
            buffered: l(&self.buffered),
            dropped: l(&self.dropped),
            commands: l(&self.commands),
            responses: l(&self.responses),
            ignored: l(&self.ignored),
            not_online: l(&self.not_online),
            lagged: l(&self.lagged),
        }
    }
}

impl core::fmt::Display for MqttStats {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "mqtt {} (connects {}) published {} buffered {} dropped {} commands {} responses {} \
             ignored {} not-online {}",
            if self.connected { "up" } else { "DOWN" },
            self.connects,
            self.published,
            self.buffered,
            self.dropped,
            self.commands,
            self.responses,
            self.ignored,
            self.not_online
        )
    }
}
