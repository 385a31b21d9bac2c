//! Sans-IO framing of the WAN TCP byte stream into packets (NOTES.md §8).
//!
//! The cloud connection is a TCP stream of back-to-back packets; a `recv` may return part of a
//! packet or several packets. [`FrameDecoder`] is fed whatever arrived, in pieces of any size, and
//! hands back each complete packet (`header ‖ opt ‖ payload`) once its last byte is in. It reads
//! exactly 16 header bytes, checks the magic, then reads exactly `optlen + payloadlen` bytes — the
//! robust form NOTES.md §8 recommends in place of the SDK's 4-byte resync loop.
//!
//! Memory is the caller's: frames are assembled in a `&mut [u8]` given to the decoder, and a frame
//! longer than the caller's maximum is refused as soon as its header is in, before its body is
//! read. With `alloc`, [`BytesFrameDecoder`] does the same on a growable `bytes::BytesMut`.

use crate::codes::Magic;
use crate::error::{Error, Result};
use crate::header::{HEADER_LEN, field};

/// What one call to [`FrameDecoder::feed`] produced (httparse's `Status`, postcard's
/// `FeedResult`).
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum FrameStatus<'s, 'i> {
    /// All input was consumed and no frame is complete yet: feed more.
    Partial,
    /// A frame is complete. `rest` is the unread tail of the input (possibly the start of the next
    /// frame, possibly empty): feed it again before reading more from the socket.
    Complete {
        /// The whole packet, `header ‖ opt ‖ payload`, ready for [`decode`](crate::decode).
        frame: &'s [u8],
        /// Input not consumed yet.
        rest: &'i [u8],
    },
}

/// Splits a TCP byte stream into packets, in caller-provided storage (NOTES.md §8).
///
/// The decoder accepts one magic (WAN by default). The largest frame is the caller's choice
/// ([`FrameDecoder::with_max_frame_len`]) and never more than the storage; a frame whose header
/// announces more is refused with [`Error::TooLong`] before any of its body is stored. A stream
/// whose next four bytes are not the expected magic is [`Error::BadMagic`].
///
/// After an error the decoder has discarded what it held and the stream's framing is lost: the
/// caller should close the connection (the SDK's 4-byte resync is not reproduced). The decoder
/// itself can be reused for a new connection.
///
/// # Examples
/// ```
/// use joylink_wire::{decode, CrcPolicy, FrameDecoder, FrameStatus, Magic};
///
/// // Two LAN discovery requests, arriving in arbitrary pieces.
/// let one = [0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66, b'{', b'}'];
/// let stream: Vec<u8> = one.iter().chain(one.iter()).copied().collect();
///
/// let mut storage = [0u8; 1400];
/// let mut dec = FrameDecoder::new(&mut storage).with_magic(Magic::Lan);
/// let mut frames = 0;
/// for chunk in stream.chunks(5) {
///     let mut input = chunk;
///     while let FrameStatus::Complete { frame, rest } = dec.feed(input)? {
///         assert_eq!(decode(frame, CrcPolicy::Verify)?.payload, b"{}");
///         frames += 1;
///         input = rest;
///     }
/// }
/// assert_eq!(frames, 2);
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug)]
pub struct FrameDecoder<'s> {
    storage: &'s mut [u8],
    max_frame_len: usize,
    magic: Magic,
    /// Bytes of the current frame held in `storage`.
    filled: usize,
    /// Length of the current frame once its header is in; `HEADER_LEN` before.
    needed: usize,
}

impl<'s> FrameDecoder<'s> {
    /// A decoder for WAN packets assembled in `storage`; the largest frame is `storage.len()`.
    pub fn new(storage: &'s mut [u8]) -> Self {
        let max_frame_len = storage.len();
        FrameDecoder {
            storage,
            max_frame_len,
            magic: Magic::Wan,
            filled: 0,
            needed: HEADER_LEN,
        }
    }

    /// Limits frames to `max` bytes (header included); clamped to the storage length. The SDK
    /// itself never sends more than 1400 bytes and refuses to receive 2800 or more (NOTES.md §8).
    #[must_use]
    pub fn with_max_frame_len(mut self, max: usize) -> Self {
        self.max_frame_len = max.min(self.storage.len());
        self
    }

    /// Accepts `magic` instead of the WAN magic (for LAN packets carried over a stream).
    #[must_use]
    pub fn with_magic(mut self, magic: Magic) -> Self {
        self.magic = magic;
        self
    }

    /// The largest frame accepted.
    pub fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// Bytes of an incomplete frame currently held.
    pub fn buffered(&self) -> usize {
        self.filled
    }

    /// Drops any partial frame (for a new connection).
    pub fn reset(&mut self) {
        self.filled = 0;
        self.needed = HEADER_LEN;
    }

    /// Consumes input until a frame is complete or the input is used up.
    ///
    /// Call again with `rest` after every [`FrameStatus::Complete`]; the returned frame borrows
    /// the decoder's storage and is overwritten by the next call.
    ///
    /// # Errors
    /// [`Error::BadMagic`] when a frame does not start with the expected magic;
    /// [`Error::TooLong`] (`field: "frame"`) when a header announces more than the maximum frame
    /// length. The decoder is reset in both cases.
    pub fn feed<'i>(&mut self, input: &'i [u8]) -> Result<FrameStatus<'_, 'i>> {
        let mut input = input;
        loop {
            let want = self.needed.saturating_sub(self.filled);
            let take = want.min(input.len());
            let (chunk, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
            let end = self.filled.saturating_add(take);
            match self.storage.get_mut(self.filled..end) {
                Some(dst) => dst.copy_from_slice(chunk),
                None => {
                    // Only reachable when the storage cannot hold a header.
                    let max = self.max_frame_len;
                    self.reset();
                    return Err(Error::TooLong {
                        field: "frame",
                        len: HEADER_LEN,
                        max,
                    });
                }
            }
            self.filled = end;
            input = rest;

            if self.filled < self.needed {
                // Reject garbage as soon as the magic is in, without waiting for the header.
                if self.needed == HEADER_LEN && self.filled >= field::MAGIC.end {
                    self.check_magic()?;
                }
                return Ok(FrameStatus::Partial);
            }

            if self.needed == HEADER_LEN {
                self.check_magic()?;
                let total = self.announced_len();
                if total > self.max_frame_len {
                    let max = self.max_frame_len;
                    self.reset();
                    return Err(Error::TooLong {
                        field: "frame",
                        len: total,
                        max,
                    });
                }
                self.needed = total;
                if total > HEADER_LEN {
                    continue;
                }
            }

            let len = self.needed;
            self.reset();
            let frame = self.storage.get(..len).unwrap_or_default();
            return Ok(FrameStatus::Complete { frame, rest: input });
        }
    }

    fn check_magic(&mut self) -> Result<()> {
        let got = self
            .storage
            .get(field::MAGIC)
            .and_then(|b| b.first_chunk::<4>())
            .map_or(0, |b| u32::from_le_bytes(*b));
        if got == self.magic.value() {
            Ok(())
        } else {
            self.reset();
            Err(Error::BadMagic(got))
        }
    }

    fn announced_len(&self) -> usize {
        let u16_at = |r: core::ops::Range<usize>| {
            self.storage
                .get(r)
                .and_then(|b| b.first_chunk::<2>())
                .map_or(0, |b| usize::from(u16::from_le_bytes(*b)))
        };
        HEADER_LEN
            .saturating_add(u16_at(field::OPT_LEN))
            .saturating_add(u16_at(field::PAYLOAD_LEN))
    }
}

#[cfg(feature = "alloc")]
pub use self::bytes_decoder::BytesFrameDecoder;

#[cfg(feature = "alloc")]
mod bytes_decoder {
    use super::{HEADER_LEN, field};
    use crate::codes::Magic;
    use crate::error::{Error, Result};
    use bytes::BytesMut;

    /// [`FrameDecoder`](super::FrameDecoder) on a growable `bytes::BytesMut` (feature `alloc`).
    ///
    /// Append what the socket returned with [`BytesFrameDecoder::extend`], then take frames with
    /// [`BytesFrameDecoder::next_frame`] until it returns `None`. Each frame is split off the
    /// buffer without copying. Memory is bounded by the maximum frame length: a frame announcing
    /// more is refused as soon as its header is in.
    ///
    /// # Examples
    /// ```
    /// use joylink_wire::{BytesFrameDecoder, Magic};
    ///
    /// let one = [0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66, b'{', b'}'];
    /// let mut dec = BytesFrameDecoder::new(1400).with_magic(Magic::Lan);
    /// dec.extend(&one[..7]);
    /// assert_eq!(dec.next_frame()?, None);
    /// dec.extend(&one[7..]);
    /// assert_eq!(dec.next_frame()?.as_deref(), Some(&one[..]));
    /// # Ok::<(), joylink_wire::Error>(())
    /// ```
    #[derive(Debug)]
    pub struct BytesFrameDecoder {
        buf: BytesMut,
        max_frame_len: usize,
        magic: Magic,
    }

    impl BytesFrameDecoder {
        /// A WAN decoder accepting frames of at most `max_frame_len` bytes.
        #[must_use]
        pub fn new(max_frame_len: usize) -> Self {
            BytesFrameDecoder {
                buf: BytesMut::new(),
                max_frame_len,
                magic: Magic::Wan,
            }
        }

        /// Accepts `magic` instead of the WAN magic.
        #[must_use]
        pub fn with_magic(mut self, magic: Magic) -> Self {
            self.magic = magic;
            self
        }

        /// Appends received bytes.
        pub fn extend(&mut self, data: &[u8]) {
            self.buf.extend_from_slice(data);
        }

        /// Bytes held and not yet returned as frames.
        pub fn buffered(&self) -> usize {
            self.buf.len()
        }

        /// Splits off the next complete frame, or `None` when more input is needed.
        ///
        /// # Errors
        /// [`Error::BadMagic`] and [`Error::TooLong`] as
        /// [`FrameDecoder::feed`](super::FrameDecoder::feed); the buffer is cleared.
        pub fn next_frame(&mut self) -> Result<Option<BytesMut>> {
            if let Some(m) = self.buf.first_chunk::<4>() {
                let got = u32::from_le_bytes(*m);
                if got != self.magic.value() {
                    self.buf.clear();
                    return Err(Error::BadMagic(got));
                }
            }
            let Some(head) = self.buf.first_chunk::<HEADER_LEN>() else {
                return Ok(None);
            };
            let u16_at = |r: core::ops::Range<usize>| {
                head.get(r)
                    .and_then(|b| b.first_chunk::<2>())
                    .map_or(0, |b| usize::from(u16::from_le_bytes(*b)))
            };
            let total = HEADER_LEN
                .saturating_add(u16_at(field::OPT_LEN))
                .saturating_add(u16_at(field::PAYLOAD_LEN));
            if total > self.max_frame_len {
                self.buf.clear();
                return Err(Error::TooLong {
                    field: "frame",
                    len: total,
                    max: self.max_frame_len,
                });
            }
            if self.buf.len() < total {
                self.buf.reserve(total.saturating_sub(self.buf.len()));
                return Ok(None);
            }
            Ok(Some(self.buf.split_to(total)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // NOTES.md §15: discovery request `{}`.
    static SCAN: [u8; 18] = [
        0xbb, 0x55, 0x34, 0x12, 0x00, 0x00, 0x02, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x96,
        0x66, b'{', b'}',
    ];
    // NOTES.md §15.15: WAN heartbeat, payload-only.
    static HEARTBEAT: [u8; 32] = [
        0xcc, 0x55, 0x34, 0x12, 0x00, 0x00, 0x10, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x04, 0x00, 0xd3,
        0xf6, 0x78, 0xf6, 0x95, 0xd4, 0x4e, 0x57, 0xb1, 0xdf, 0x14, 0xab, 0x3b, 0x86, 0x37, 0x93,
        0x61, 0xb7,
    ];

    #[test]
    fn one_byte_at_a_time() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage);
        let stream: std::vec::Vec<u8> = HEARTBEAT.iter().chain(&HEARTBEAT).copied().collect();
        let mut frames = 0;
        for b in &stream {
            match dec.feed(core::slice::from_ref(b)).unwrap() {
                FrameStatus::Partial => {}
                FrameStatus::Complete { frame, rest } => {
                    assert_eq!(frame, &HEARTBEAT[..]);
                    assert!(rest.is_empty());
                    frames += 1;
                }
            }
        }
        assert_eq!(frames, 2);
        assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn many_frames_at_once() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage);
        let stream: std::vec::Vec<u8> = HEARTBEAT
            .iter()
            .chain(&HEARTBEAT)
            .chain(&HEARTBEAT[..5])
            .copied()
            .collect();
        let FrameStatus::Complete { frame, rest } = dec.feed(&stream).unwrap() else {
            panic!("expected a frame")
        };
        assert_eq!(frame, &HEARTBEAT[..]);
        assert_eq!(rest.len(), 37);
        let FrameStatus::Complete { frame, rest } = dec.feed(rest).unwrap() else {
            panic!("expected a frame")
        };
        assert_eq!(frame, &HEARTBEAT[..]);
        assert_eq!(rest, &HEARTBEAT[..5]);
        assert_eq!(dec.feed(rest), Ok(FrameStatus::Partial));
        assert_eq!(dec.buffered(), 5);
    }

    #[test]
    fn header_only_frame() {
        let mut storage = [0u8; 16];
        let mut dec = FrameDecoder::new(&mut storage);
        let mut h = HEARTBEAT;
        h[6] = 0;
        let FrameStatus::Complete { frame, .. } = dec.feed(&h[..16]).unwrap() else {
            panic!("expected a frame")
        };
        assert_eq!(frame, &h[..16]);
    }

    #[test]
    fn bad_magic_is_an_error_early() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage);
        // LAN magic on a WAN stream, rejected after 4 bytes.
        assert_eq!(dec.feed(&SCAN[..4]), Err(Error::BadMagic(0x1234_55bb)));
        assert_eq!(dec.buffered(), 0);
        // The decoder is usable again after a reset.
        assert!(matches!(
            dec.feed(&HEARTBEAT),
            Ok(FrameStatus::Complete { .. })
        ));
        let mut dec = FrameDecoder::new(&mut storage).with_magic(Magic::Lan);
        assert!(matches!(dec.feed(&SCAN), Ok(FrameStatus::Complete { .. })));
    }

    #[test]
    fn too_long_is_refused_before_the_body() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage).with_max_frame_len(31);
        assert_eq!(dec.max_frame_len(), 31);
        assert_eq!(
            dec.feed(&HEARTBEAT[..16]),
            Err(Error::TooLong {
                field: "frame",
                len: 32,
                max: 31
            })
        );
        // Clamped to the storage.
        let mut small = [0u8; 20];
        let mut dec = FrameDecoder::new(&mut small).with_max_frame_len(1000);
        assert_eq!(dec.max_frame_len(), 20);
        assert!(matches!(
            dec.feed(&HEARTBEAT),
            Err(Error::TooLong { len: 32, .. })
        ));
        let mut tiny = [0u8; 8];
        let mut dec = FrameDecoder::new(&mut tiny);
        assert_eq!(
            dec.feed(&HEARTBEAT),
            Err(Error::TooLong {
                field: "frame",
                len: 16,
                max: 8
            })
        );
    }

    #[test]
    fn reset_drops_partial_frame() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage);
        assert_eq!(dec.feed(&HEARTBEAT[..20]), Ok(FrameStatus::Partial));
        dec.reset();
        assert_eq!(dec.buffered(), 0);
        assert!(matches!(
            dec.feed(&HEARTBEAT),
            Ok(FrameStatus::Complete { .. })
        ));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn bytes_decoder() {
        let mut dec = BytesFrameDecoder::new(1400);
        dec.extend(&HEARTBEAT);
        dec.extend(&HEARTBEAT[..3]);
        assert_eq!(dec.next_frame().unwrap().as_deref(), Some(&HEARTBEAT[..]));
        assert_eq!(dec.next_frame().unwrap(), None);
        dec.extend(&HEARTBEAT[3..]);
        assert_eq!(dec.next_frame().unwrap().as_deref(), Some(&HEARTBEAT[..]));
        assert_eq!(dec.buffered(), 0);
        dec.extend(&SCAN);
        assert_eq!(dec.next_frame(), Err(Error::BadMagic(0x1234_55bb)));
        let mut dec = BytesFrameDecoder::new(20);
        dec.extend(&HEARTBEAT[..16]);
        assert!(matches!(dec.next_frame(), Err(Error::TooLong { .. })));
    }
}
