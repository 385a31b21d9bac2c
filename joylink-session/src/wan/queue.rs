//! Fixed-capacity byte buffers for the TCP stream: an outgoing queue and an incoming framer.
//!
//! Both live in the caller's (or the device machine's) memory and never allocate. The framer
//! reads exactly 16 header bytes, checks the WAN magic, then reads exactly `optlen + payloadlen`
//! bytes (compat: the shipped SDK discards 4 bytes at a time until the magic matches and closes the
//! connection on a short read; a robust peer reads exact lengths instead, spec 3.1).

use joylink_wire::{HEADER_LEN, Magic};

use crate::{Error, Result};

/// Outgoing stream bytes: whole sealed packets are appended, any number of bytes are taken out.
#[derive(Clone)]
pub struct TxQueue<const N: usize> {
    buf: [u8; N],
    start: usize,
    end: usize,
}

impl<const N: usize> core::fmt::Debug for TxQueue<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TxQueue")
            .field("capacity", &N)
            .field("queued", &self.len())
            .finish()
    }
}

impl<const N: usize> Default for TxQueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> TxQueue<N> {
    /// An empty queue.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            start: 0,
            end: 0,
        }
    }

    /// Bytes waiting to be sent.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether nothing waits.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops everything queued (the connection is gone: a new one starts clean).
    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Appends one packet written by `write` into the free space; `write` returns its length.
    /// On an error nothing is queued; a full queue is [`Error::Capacity`].
    pub(crate) fn push_with(
        &mut self,
        write: impl FnOnce(&mut [u8]) -> Result<usize>,
    ) -> Result<usize> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end = self.end.saturating_sub(self.start);
            self.start = 0;
        }
        let free = self.buf.get_mut(self.end..).ok_or(Error::Capacity)?;
        let n = match write(free) {
            Ok(n) => n,
            Err(Error::Wire(joylink_wire::Error::BufferTooSmall { .. }))
            | Err(Error::Crypto(joylink_crypto::Error::BufferTooSmall { .. })) => {
                return Err(Error::Capacity);
            }
            Err(e) => return Err(e),
        };
        self.end = self.end.saturating_add(n).min(N);
        Ok(n)
    }

    /// Moves up to `out.len()` queued bytes into `out`; `None` when nothing is queued.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        let queued = self.buf.get(self.start..self.end)?;
        if queued.is_empty() || out.is_empty() {
            return None;
        }
        let n = queued.len().min(out.len());
        let (dst, src) = (out.get_mut(..n)?, queued.get(..n)?);
        dst.copy_from_slice(src);
        self.start = self.start.saturating_add(n);
        if self.start == self.end {
            self.clear();
        }
        Some(n)
    }
}

/// Splits incoming stream bytes into whole WAN packets in an owned `N`-byte buffer.
///
/// A frame longer than `N` or a wrong magic is an error; the stream's framing is then lost and
/// the caller should close the connection (and report it with `connection_lost`).
#[derive(Clone)]
pub struct Framer<const N: usize> {
    buf: [u8; N],
    len: usize,
    done: bool,
}

impl<const N: usize> core::fmt::Debug for Framer<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Framer")
            .field("capacity", &N)
            .field("buffered", &self.len)
            .finish()
    }
}

impl<const N: usize> Default for Framer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Framer<N> {
    /// An empty framer.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
            done: false,
        }
    }

    /// Forgets a partial frame (new connection).
    pub fn reset(&mut self) {
        self.len = 0;
        self.done = false;
    }

    /// Consumes bytes from the front of `input` and returns the next complete packet
    /// (`header ‖ opt ‖ payload`, mutable so that it can be opened in place), or `None` when
    /// `input` is used up without completing one. Call again with the rest of `input`.
    ///
    /// # Errors
    /// [`Error::Wire`] `BadMagic` for a stream not at a WAN header, `TooLong` for a frame longer
    /// than `N`; the partial frame is dropped.
    pub fn next_frame(&mut self, input: &mut &[u8]) -> Result<Option<&mut [u8]>> {
        if self.done {
            self.reset();
        }
        loop {
            let want = self.wanted()?;
            if self.len == want {
                self.done = true;
                return Ok(self.buf.get_mut(..want));
            }
            if input.is_empty() {
                return Ok(None);
            }
            let take = want.saturating_sub(self.len).min(input.len());
            let (head, rest) = input.split_at(take);
            let dst = self
                .buf
                .get_mut(self.len..self.len.saturating_add(take))
                .ok_or(Error::Capacity)?;
            dst.copy_from_slice(head);
            self.len = self.len.saturating_add(take);
            *input = rest;
        }
    }

    /// The length the current frame needs: 16 until the header is in, then the whole packet.
    fn wanted(&mut self) -> Result<usize> {
        if self.len < HEADER_LEN {
            return Ok(HEADER_LEN);
        }
        let h = self.buf.get(..HEADER_LEN).ok_or(Error::Capacity)?;
        let magic = h
            .first_chunk::<4>()
            .map(|m| u32::from_le_bytes(*m))
            .unwrap_or_default();
        if Magic::try_from(magic) != Ok(Magic::Wan) {
            self.reset();
            return Err(Error::Wire(joylink_wire::Error::BadMagic(magic)));
        }
        let opt = h.get(4..6).and_then(|b| b.first_chunk::<2>()).copied();
        let pay = h.get(6..8).and_then(|b| b.first_chunk::<2>()).copied();
        let total = HEADER_LEN
            .saturating_add(usize::from(u16::from_le_bytes(opt.unwrap_or_default())))
            .saturating_add(usize::from(u16::from_le_bytes(pay.unwrap_or_default())));
        if total > N {
            self.reset();
            return Err(Error::Wire(joylink_wire::Error::TooLong {
                field: "frame",
                len: total,
                max: N,
            }));
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn frames_split_anywhere() {
        // Two heartbeat-sized packets (header + 16 payload bytes) back to back.
        let mut p = [0u8; 32];
        p[..4].copy_from_slice(&0x1234_55cc_u32.to_le_bytes());
        p[6] = 16;
        let stream: [u8; 64] = core::array::from_fn(|i| p[i % 32]);
        for cut in 1..64 {
            let mut f = Framer::<64>::new();
            let mut frames = 0;
            for part in [&stream[..cut], &stream[cut..]] {
                let mut input = part;
                while let Some(fr) = f.next_frame(&mut input).unwrap() {
                    assert_eq!(fr.len(), 32);
                    frames += 1;
                }
            }
            assert_eq!(frames, 2, "cut at {cut}");
        }
        let mut f = Framer::<20>::new();
        assert!(f.next_frame(&mut &stream[..]).is_err(), "32 > 20");
        let mut f = Framer::<64>::new();
        assert!(f.next_frame(&mut &[0u8; 16][..]).is_err(), "bad magic");
    }

    #[test]
    fn queue_partial_reads() {
        let mut q = TxQueue::<8>::new();
        q.push_with(|b| {
            b[..5].copy_from_slice(b"hello");
            Ok(5)
        })
        .unwrap();
        assert_eq!(q.push_with(|_| Err(Error::Capacity)), Err(Error::Capacity));
        let mut out = [0u8; 3];
        assert_eq!(q.poll_transmit(&mut out), Some(3));
        assert_eq!(&out, b"hel");
        q.push_with(|b| {
            b[..5].copy_from_slice(b"world");
            Ok(5)
        })
        .unwrap();
        let mut out = [0u8; 16];
        assert_eq!(q.poll_transmit(&mut out), Some(7));
        assert_eq!(&out[..7], b"loworld");
        assert_eq!(q.poll_transmit(&mut out), None);
    }
}
