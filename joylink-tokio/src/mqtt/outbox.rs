//! The bounded buffer of events and responses waiting for the broker.
//!
//! While the broker is unreachable a node keeps its devices connected and queues what they
//! send here. Past the bound the **oldest** message is dropped and counted: a device's newer
//! upload supersedes its older one (a snapshot is a whole state, spec 7.3.5), and a consumer
//! that sees a gap learns it from the node's `dropped` counter rather than from stale data
//! arriving last.

use std::collections::VecDeque;

/// One message for the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// The topic.
    pub topic: String,
    /// The JSON payload.
    pub payload: Vec<u8>,
    /// Whether the broker keeps it as the topic's last value.
    pub retain: bool,
}

/// A FIFO of at most `bound` messages that drops its oldest when full.
#[derive(Debug)]
pub struct Outbox {
    queue: VecDeque<Publication>,
    bound: usize,
    dropped: u64,
}

impl Outbox {
    /// An empty outbox holding at most `bound` messages (at least one).
    #[must_use]
    pub fn new(bound: usize) -> Self {
        Self {
            queue: VecDeque::new(),
            bound: bound.max(1),
            dropped: 0,
        }
    }

    /// Queues `m`; when full, first drops the oldest and counts it.
    pub fn push(&mut self, m: Publication) {
        if self.queue.len() >= self.bound {
            self.queue.pop_front();
            self.dropped = self.dropped.saturating_add(1);
        }
        self.queue.push_back(m);
    }

    /// The oldest message, to publish.
    pub fn pop(&mut self) -> Option<Publication> {
        self.queue.pop_front()
    }

    /// Puts back a message that could not be handed on (it stays the oldest).
    pub fn unpop(&mut self, m: Publication) {
        self.queue.push_front(m);
    }

    /// Messages waiting.
    #[must_use]
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing waits.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Messages dropped since start.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn m(i: usize) -> Publication {
        Publication {
            topic: format!("t/{i}"),
            payload: Vec::new(),
            retain: false,
        }
    }

    #[test]
    fn drops_the_oldest_and_counts() {
        let mut o = Outbox::new(3);
        for i in 0..5 {
            o.push(m(i));
        }
        assert_eq!(o.len(), 3);
        assert_eq!(o.dropped(), 2);
        let left: Vec<_> = std::iter::from_fn(|| o.pop()).map(|x| x.topic).collect();
        assert_eq!(left, ["t/2", "t/3", "t/4"]);
    }

    #[test]
    fn within_the_bound_nothing_is_lost_and_order_holds() {
        let mut o = Outbox::new(10);
        for i in 0..10 {
            o.push(m(i));
        }
        let first = o.pop().unwrap();
        o.unpop(first);
        assert_eq!(o.dropped(), 0);
        let left: Vec<_> = std::iter::from_fn(|| o.pop()).map(|x| x.topic).collect();
        assert_eq!(left, (0..10).map(|i| format!("t/{i}")).collect::<Vec<_>>());
    }
}
