//! A fixed FIFO of datagrams waiting for `poll_transmit`.

use core::net::SocketAddr;

use super::MAX_DATAGRAM;

#[derive(Clone)]
pub(crate) struct Slot {
    pub(crate) to: SocketAddr,
    pub(crate) len: usize,
    pub(crate) buf: [u8; MAX_DATAGRAM],
}

/// Up to `N` datagrams; when full, new ones are dropped (UDP semantics: the peer retries).
#[derive(Clone)]
pub(crate) struct TxQueue<const N: usize> {
    slots: [Option<Slot>; N],
    head: usize,
    count: usize,
}

impl<const N: usize> TxQueue<N> {
    pub(crate) const fn new() -> Self {
        Self {
            slots: [const { None }; N],
            head: 0,
            count: 0,
        }
    }

    pub(crate) const fn len(&self) -> usize {
        self.count
    }

    /// Hands the caller a zeroed buffer to fill; the datagram is queued when `fill` returns
    /// `Ok(len)`. `false` when the queue is full or `fill` failed.
    pub(crate) fn push_with<E>(
        &mut self,
        to: SocketAddr,
        fill: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<bool, E> {
        if self.count >= N {
            return Ok(false);
        }
        let idx = self
            .head
            .wrapping_add(self.count)
            .checked_rem(N)
            .unwrap_or(0);
        let Some(slot) = self.slots.get_mut(idx) else {
            return Ok(false);
        };
        let s = slot.get_or_insert(Slot {
            to,
            len: 0,
            buf: [0; MAX_DATAGRAM],
        });
        s.buf.fill(0);
        let len = fill(&mut s.buf)?;
        s.to = to;
        s.len = len.min(MAX_DATAGRAM);
        self.count = self.count.saturating_add(1);
        Ok(true)
    }

    pub(crate) fn pop(&mut self, out: &mut [u8]) -> Option<(SocketAddr, usize)> {
        if self.count == 0 {
            return None;
        }
        let slot = self.slots.get(self.head)?.as_ref()?;
        let data = slot.buf.get(..slot.len)?;
        let to = slot.to;
        let n = data.len();
        // A caller buffer too small gets nothing and the datagram stays queued.
        out.get_mut(..n)?.copy_from_slice(data);
        self.head = self.head.wrapping_add(1).checked_rem(N).unwrap_or(0);
        self.count = self.count.saturating_sub(1);
        Some((to, n))
    }
}
