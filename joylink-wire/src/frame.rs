//! Sans-IO framing of a TCP byte stream (the WAN connection) into packets.
//!
//! The cloud connection is a TCP stream of back-to-back packets; a `recv` may return part of a
//! packet or several packets. [`FrameDecoder`] is fed whatever arrived, in pieces of any size, and
//! hands back each complete packet (`header ‖ opt ‖ payload`) once its last byte is in, as a
//! mutable slice of the caller's storage so it can be decrypted where it lies. It reads exactly
//! 16 header bytes, checks the magic and the announced length, then reads exactly `optlen +
//! payloadlen` bytes. [`BytesFrameDecoder`] (feature `alloc`) does the same on the caller's
//! `bytes::BytesMut`, in the shape of tokio-util's `Decoder`.
//!
//! On a loss of framing both resynchronise at the next magic, as described on [`FrameDecoder`].

use crate::codes::Magic;
use crate::error::{Error, Result};
use crate::header::{HEADER_LEN, field};

/// Length of the magic at the start of every packet.
const MAGIC_LEN: usize = field::MAGIC.end;

/// The announced length of the packet whose header is `head`: `16 + optlen + payloadlen`.
fn announced_len(head: &[u8]) -> usize {
    let u16_at = |r: core::ops::Range<usize>| {
        head.get(r)
            .and_then(|b| b.first_chunk::<2>())
            .map_or(0, |b| usize::from(u16::from_le_bytes(*b)))
    };
    HEADER_LEN
        .saturating_add(u16_at(field::OPT_LEN))
        .saturating_add(u16_at(field::PAYLOAD_LEN))
}

/// How many leading bytes of `buf` to drop so that what is left starts like the magic (or is
/// empty): 0 when `buf` already does. Only the first `MAGIC_LEN` bytes of each candidate are
/// compared, so a partial magic at the end of `buf` is kept.
fn skip_to_magic(buf: &[u8], magic: &[u8; MAGIC_LEN]) -> usize {
    let mut at = 0usize;
    while let Some(rest) = buf.get(at..) {
        if rest.is_empty() {
            break;
        }
        let n = rest.len().min(MAGIC_LEN);
        if rest.get(..n) == magic.get(..n) {
            break;
        }
        at = at.saturating_add(1);
    }
    at
}

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
        /// The whole packet, `header ‖ opt ‖ payload`, in the decoder's storage: decode it, or
        /// open (decrypt) it in place. It is overwritten by the next call to `feed`.
        frame: &'s mut [u8],
        /// Input not consumed yet.
        rest: &'i [u8],
    },
    /// The stream lost its framing ([`Error::BadMagic`], or [`Error::TooLong`] for a header
    /// announcing more than the maximum frame). The decoder has dropped the bad header's first
    /// byte and is looking for the next magic: feed `rest` again to go on, or close the
    /// connection.
    Resync {
        /// What was wrong.
        error: Error,
        /// Input not consumed yet.
        rest: &'i [u8],
    },
}

/// Splits a TCP byte stream into packets, in caller-provided storage.
///
/// The decoder accepts one magic (WAN by default). The largest frame is the caller's choice
/// ([`FrameDecoder::with_max_frame_len`]) and never more than the storage; a frame whose header
/// announces more is refused before any of its body is stored, so the decoder's memory is the
/// storage and nothing else. After a [`FrameStatus::Resync`] the decoder looks for the next magic
/// (below).
///
/// The SDK accepts at most 2800 bytes and sends at most 1400; a peer may legally announce up to
/// 16 + 2 × 65535 bytes, which is why the bound is the caller's.
///
/// # Losing and finding the framing again
/// A stream can lose its framing: a peer writes garbage, or a header announces a packet larger
/// than the receiver accepts. On a bad magic the shipped SDK keeps reading, discarding four bytes
/// at a time, until four bytes read equal the magic, and takes them as the start of the next
/// packet (on an over-long header it gives up on the connection). These decoders resynchronise in
/// both cases, and scan one byte at a time instead of four, so a magic is found at whatever offset
/// the next packet starts, not only at a multiple of four bytes after the garbage began. They
/// report the problem once, drop the first byte of the bad header, and skip ahead to the next
/// occurrence of the magic. Everything skipped is counted ([`FrameDecoder::skipped`]).
///
/// A resynchronised stream can still be wrong: four garbage bytes that happen to equal the magic
/// start a bogus frame. Its length is bounded like any other, and the packet's CRC (or its
/// decryption) rejects it; a caller that prefers certainty over recovery closes the connection at
/// the first [`FrameStatus::Resync`].
///
/// # Examples
/// ```
/// use joylink_wire::{parse, CrcPolicy, FrameDecoder, FrameStatus, Magic};
///
/// // Two LAN discovery requests with garbage between them, arriving in arbitrary pieces.
/// let one = [0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66, b'{', b'}'];
/// let stream: Vec<u8> = one.iter().chain(b"junk").chain(one.iter()).copied().collect();
///
/// let mut storage = [0u8; 1400];
/// let mut dec = FrameDecoder::new(&mut storage).with_magic(Magic::Lan);
/// let (mut frames, mut resyncs) = (0, 0);
/// for chunk in stream.chunks(5) {
///     let mut input = chunk;
///     loop {
///         match dec.feed(input)? {
///             FrameStatus::Partial => break,
///             FrameStatus::Complete { frame, rest } => {
///                 // `frame` is `&mut [u8]`: it could be decrypted in place here.
///                 assert_eq!(parse(frame, CrcPolicy::Verify)?.payload, b"{}");
///                 frames += 1;
///                 input = rest;
///             }
///             FrameStatus::Resync { rest, .. } => {
///                 resyncs += 1;
///                 input = rest;
///             }
///         }
///     }
/// }
/// assert_eq!((frames, resyncs, dec.skipped()), (2, 1, 4));
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
    /// Looking for a magic after a loss of framing (reported once, not again until a frame).
    hunting: bool,
    /// Bytes dropped while looking for a magic.
    skipped: u64,
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
            hunting: false,
            skipped: 0,
        }
    }

    /// Limits frames to `max` bytes (header included); clamped to the storage length. The SDK
    /// itself never sends more than 1400 bytes and refuses to receive 2800 or more.
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

    /// Bytes dropped so far while looking for a magic.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Drops any partial frame (for a new connection).
    pub fn reset(&mut self) {
        self.filled = 0;
        self.needed = HEADER_LEN;
        self.hunting = false;
    }

    fn count_skipped(&mut self, n: usize) {
        self.skipped = self
            .skipped
            .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
    }

    /// Drops `n` leading bytes of the held header and then every byte up to the next possible
    /// magic start among the rest.
    fn drop_front(&mut self, n: usize) {
        let magic = self.magic.to_bytes();
        let n = n.min(self.filled);
        let held = self.storage.get(n..self.filled).unwrap_or_default();
        let skip = n.saturating_add(skip_to_magic(held, &magic));
        self.storage.copy_within(skip..self.filled, 0);
        self.count_skipped(skip);
        self.filled = self.filled.saturating_sub(skip);
        self.needed = HEADER_LEN;
    }

    /// Consumes input until a frame is complete, the framing is lost, or the input is used up.
    ///
    /// Call again with `rest` after every [`FrameStatus::Complete`] and [`FrameStatus::Resync`];
    /// the returned frame borrows the decoder's storage and is overwritten by the next call.
    ///
    /// # Errors
    /// [`Error::TooLong`] (`field: "frame"`, `len: 16`) when the storage cannot hold even a
    /// header; nothing is consumed. Problems of the stream itself are [`FrameStatus::Resync`].
    pub fn feed<'i>(&mut self, input: &'i [u8]) -> Result<FrameStatus<'_, 'i>> {
        if self.max_frame_len < HEADER_LEN {
            return Err(Error::TooLong {
                field: "frame",
                len: HEADER_LEN,
                max: self.max_frame_len,
            });
        }
        let magic = self.magic.to_bytes();
        let mut input = input;
        loop {
            if self.hunting && self.filled == 0 {
                // Fast path through garbage: jump to the next byte that can start a magic.
                let skip = skip_to_magic(input, &magic);
                self.count_skipped(skip);
                input = input.get(skip..).unwrap_or_default();
            }
            let want = self.needed.saturating_sub(self.filled);
            let take = want.min(input.len());
            let (chunk, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
            let end = self.filled.saturating_add(take);
            if let Some(dst) = self.storage.get_mut(self.filled..end) {
                dst.copy_from_slice(chunk);
            }
            self.filled = end;
            input = rest;

            if self.needed == HEADER_LEN {
                // Check the magic as soon as its bytes are in, without waiting for the header.
                let n = self.filled.min(MAGIC_LEN);
                if self.storage.get(..n) != magic.get(..n) {
                    let got = self
                        .storage
                        .get(..MAGIC_LEN)
                        .filter(|_| self.filled >= MAGIC_LEN)
                        .and_then(|b| b.first_chunk::<4>())
                        .map_or(0, |b| u32::from_le_bytes(*b));
                    // A short prefix that differs is judged once four bytes are in (for the
                    // error's value), unless the decoder is already hunting.
                    if self.hunting || self.filled >= MAGIC_LEN {
                        self.drop_front(1);
                        if !self.hunting {
                            self.hunting = true;
                            return Ok(FrameStatus::Resync {
                                error: Error::BadMagic(got),
                                rest: input,
                            });
                        }
                        continue;
                    }
                }
                if self.filled < HEADER_LEN {
                    return Ok(FrameStatus::Partial);
                }
                let total = announced_len(self.storage.get(..HEADER_LEN).unwrap_or_default());
                if total > self.max_frame_len {
                    self.drop_front(1);
                    let first = !self.hunting;
                    self.hunting = true;
                    if first {
                        return Ok(FrameStatus::Resync {
                            error: Error::TooLong {
                                field: "frame",
                                len: total,
                                max: self.max_frame_len,
                            },
                            rest: input,
                        });
                    }
                    continue;
                }
                self.hunting = false;
                self.needed = total;
            }
            if self.filled < self.needed {
                if input.is_empty() {
                    return Ok(FrameStatus::Partial);
                }
                continue;
            }
            let len = self.needed;
            self.filled = 0;
            self.needed = HEADER_LEN;
            let frame = self.storage.get_mut(..len).unwrap_or_default();
            return Ok(FrameStatus::Complete { frame, rest: input });
        }
    }
}

#[cfg(feature = "alloc")]
pub use self::bytes_decoder::BytesFrameDecoder;

#[cfg(feature = "alloc")]
mod bytes_decoder {
    use super::{HEADER_LEN, MAGIC_LEN, announced_len, skip_to_magic};
    use crate::codes::Magic;
    use crate::error::{Error, Result};
    use bytes::{Buf, BytesMut};

    /// [`FrameDecoder`](super::FrameDecoder) over the caller's `bytes::BytesMut` (feature
    /// `alloc`), in the shape of tokio-util's `Decoder::parse(&mut self, src: &mut BytesMut)`, so
    /// an async adapter is a one-line impl.
    ///
    /// The decoder holds no bytes: the caller appends what the socket returned to its buffer and
    /// calls [`BytesFrameDecoder::decode`] until it returns `Ok(None)`. Each frame is split off the
    /// front of the buffer without copying, as a `BytesMut` that can be decrypted in place.
    ///
    /// **Memory bound.** When `decode` returns `Ok(None)`, the buffer holds less than one
    /// maximum frame (`max_frame_len` bytes): a header announcing more is refused as soon as its
    /// 16 bytes are in, and bytes that cannot start a packet are dropped. The decoder reserves
    /// room for the frame in progress only, never more than the bound.
    ///
    /// **Errors and resynchronisation.** On a bad magic or an over-long header, `decode` returns
    /// the error once, having already dropped the bad header's first byte and every byte up to
    /// the next possible magic (see [`FrameDecoder`](super::FrameDecoder)); calling `decode` again
    /// goes on from there. tokio-util's `FramedRead` ends the stream on the first error, which
    /// closes the connection: the SDK's behaviour is to keep going.
    ///
    /// # Examples
    /// ```
    /// use bytes::BytesMut;
    /// use joylink_wire::{BytesFrameDecoder, Magic};
    ///
    /// let one = [0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66, b'{', b'}'];
    /// let mut dec = BytesFrameDecoder::new(1400).with_magic(Magic::Lan);
    /// let mut buf = BytesMut::new();
    /// buf.extend_from_slice(&one[..7]);
    /// assert_eq!(dec.decode(&mut buf)?, None);
    /// buf.extend_from_slice(&one[7..]);
    /// assert_eq!(dec.decode(&mut buf)?.as_deref(), Some(&one[..]));
    /// assert!(buf.is_empty());
    /// # Ok::<(), joylink_wire::Error>(())
    /// ```
    #[derive(Debug, Clone)]
    pub struct BytesFrameDecoder {
        max_frame_len: usize,
        magic: Magic,
        hunting: bool,
        skipped: u64,
    }

    impl BytesFrameDecoder {
        /// A WAN decoder accepting frames of at most `max_frame_len` bytes (at least a header:
        /// smaller values are raised to 16).
        #[must_use]
        pub fn new(max_frame_len: usize) -> Self {
            BytesFrameDecoder {
                max_frame_len: max_frame_len.max(HEADER_LEN),
                magic: Magic::Wan,
                hunting: false,
                skipped: 0,
            }
        }

        /// Accepts `magic` instead of the WAN magic.
        #[must_use]
        pub fn with_magic(mut self, magic: Magic) -> Self {
            self.magic = magic;
            self
        }

        /// The largest frame accepted.
        pub fn max_frame_len(&self) -> usize {
            self.max_frame_len
        }

        /// Bytes dropped so far while looking for a magic.
        pub fn skipped(&self) -> u64 {
            self.skipped
        }

        fn drop(&mut self, src: &mut BytesMut, n: usize) {
            let magic = self.magic.to_bytes();
            let n = n.min(src.len());
            let skip = n.saturating_add(skip_to_magic(src.get(n..).unwrap_or_default(), &magic));
            src.advance(skip);
            self.skipped = self
                .skipped
                .saturating_add(u64::try_from(skip).unwrap_or(u64::MAX));
        }

        /// Splits the next complete frame off the front of `src`, or returns `None` when more
        /// input is needed.
        ///
        /// # Errors
        /// [`Error::BadMagic`] when `src` does not start with the magic; [`Error::TooLong`]
        /// (`field: "frame"`) when a header announces more than the maximum. `src` has then been
        /// advanced to the next possible magic; call again to go on.
        pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>> {
            let magic = self.magic.to_bytes();
            loop {
                if self.hunting {
                    self.drop(src, 0);
                }
                let n = src.len().min(MAGIC_LEN);
                if src.get(..n) != magic.get(..n) && (self.hunting || n == MAGIC_LEN) {
                    let got = src.first_chunk::<4>().map_or(0, |b| u32::from_le_bytes(*b));
                    self.drop(src, 1);
                    if !self.hunting {
                        self.hunting = true;
                        return Err(Error::BadMagic(got));
                    }
                    continue;
                }
                let Some(head) = src.get(..HEADER_LEN) else {
                    return Ok(None);
                };
                let total = announced_len(head);
                if total > self.max_frame_len {
                    self.drop(src, 1);
                    if !self.hunting {
                        self.hunting = true;
                        return Err(Error::TooLong {
                            field: "frame",
                            len: total,
                            max: self.max_frame_len,
                        });
                    }
                    continue;
                }
                self.hunting = false;
                if src.len() < total {
                    src.reserve(total.saturating_sub(src.len()));
                    return Ok(None);
                }
                return Ok(Some(src.split_to(total)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    // Discovery request `{}`.
    static SCAN: [u8; 18] = [
        0xbb, 0x55, 0x34, 0x12, 0x00, 0x00, 0x02, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x96,
        0x66, b'{', b'}',
    ];
    // WAN heartbeat, payload-only.
    static HEARTBEAT: [u8; 32] = [
        0xcc, 0x55, 0x34, 0x12, 0x00, 0x00, 0x10, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x04, 0x00, 0xd3,
        0xf6, 0x78, 0xf6, 0x95, 0xd4, 0x4e, 0x57, 0xb1, 0xdf, 0x14, 0xab, 0x3b, 0x86, 0x37, 0x93,
        0x61, 0xb7,
    ];
    /// A WAN header announcing 65535 + 65535 bytes.
    static HUGE: [u8; 16] = [
        0xcc, 0x55, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff, 0x01, 0x0b, 0x00, 0x00, 0x04, 0x00, 0x00,
        0x00,
    ];

    /// Feeds `stream` in `chunk`-byte pieces; returns the frames and the resync errors in order.
    fn run(dec: &mut FrameDecoder<'_>, stream: &[u8], chunk: usize) -> (Vec<Vec<u8>>, Vec<Error>) {
        let mut frames = Vec::new();
        let mut errors = Vec::new();
        for piece in stream.chunks(chunk.max(1)) {
            let mut input = piece;
            loop {
                match dec.feed(input).unwrap() {
                    FrameStatus::Partial => break,
                    FrameStatus::Complete { frame, rest } => {
                        frames.push(frame.to_vec());
                        input = rest;
                    }
                    FrameStatus::Resync { error, rest } => {
                        errors.push(error);
                        input = rest;
                    }
                }
            }
        }
        (frames, errors)
    }

    #[test]
    fn one_byte_at_a_time() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage);
        let stream: Vec<u8> = HEARTBEAT.iter().chain(&HEARTBEAT).copied().collect();
        let (frames, errors) = run(&mut dec, &stream, 1);
        assert_eq!(frames, [HEARTBEAT.to_vec(), HEARTBEAT.to_vec()]);
        assert!(errors.is_empty());
        assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn many_frames_at_once() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage);
        let stream: Vec<u8> = HEARTBEAT
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
    fn frames_are_mutable_in_place() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage);
        let FrameStatus::Complete { frame, .. } = dec.feed(&HEARTBEAT).unwrap() else {
            panic!("expected a frame")
        };
        frame[16] ^= 0xff;
        let p = crate::Packet::new_checked(&*frame).unwrap();
        assert!(!p.crc_ok());
        assert_eq!(storage[16], HEARTBEAT[16] ^ 0xff);
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
    fn bad_magic_resyncs_at_the_next_magic() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage);
        // LAN magic on a WAN stream: reported once, after 4 bytes, with the value read.
        assert!(matches!(
            dec.feed(&SCAN[..4]),
            Ok(FrameStatus::Resync {
                error: Error::BadMagic(0x1234_55bb),
                ..
            })
        ));
        // The rest of the LAN packet, odd-length garbage (including a partial magic), then a
        // heartbeat: found at any byte offset, whatever the chunking.
        let mut garbage: Vec<u8> = SCAN[4..].to_vec();
        garbage.extend_from_slice(&[0xcc, 0x55, 0x34, 0x00, 0xcc, 0xcc, 0x55]);
        let mut stream = garbage.clone();
        stream.extend_from_slice(&HEARTBEAT);
        for chunk in [1, 2, 3, 5, 64] {
            let mut storage = [0u8; 64];
            let mut dec = FrameDecoder::new(&mut storage);
            let mut s = SCAN[..4].to_vec();
            s.extend_from_slice(&stream);
            let (frames, errors) = run(&mut dec, &s, chunk);
            assert_eq!(frames, [HEARTBEAT.to_vec()], "chunk {chunk}");
            assert_eq!(errors, [Error::BadMagic(0x1234_55bb)], "chunk {chunk}");
            assert_eq!(dec.skipped(), (4 + garbage.len()) as u64, "chunk {chunk}");
            assert_eq!(dec.buffered(), 0);
        }
    }

    #[test]
    fn a_new_loss_of_framing_is_reported_again() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage);
        let mut stream = b"xxxx".to_vec();
        stream.extend_from_slice(&HEARTBEAT);
        stream.extend_from_slice(b"yyyy");
        stream.extend_from_slice(&HEARTBEAT);
        let (frames, errors) = run(&mut dec, &stream, 7);
        assert_eq!(frames.len(), 2);
        assert_eq!(
            errors,
            [
                Error::BadMagic(u32::from_le_bytes(*b"xxxx")),
                Error::BadMagic(u32::from_le_bytes(*b"yyyy"))
            ]
        );
    }

    #[test]
    fn too_long_is_refused_before_the_body() {
        let mut storage = [0u8; 64];
        let mut dec = FrameDecoder::new(&mut storage).with_max_frame_len(31);
        assert_eq!(dec.max_frame_len(), 31);
        assert_eq!(
            dec.feed(&HEARTBEAT[..16]),
            Ok(FrameStatus::Resync {
                error: Error::TooLong {
                    field: "frame",
                    len: 32,
                    max: 31
                },
                rest: &[]
            })
        );
        // Clamped to the storage.
        let mut small = [0u8; 20];
        let dec = FrameDecoder::new(&mut small).with_max_frame_len(1000);
        assert_eq!(dec.max_frame_len(), 20);
        // Storage that cannot hold a header is an error of the caller, not of the stream.
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

    /// A header announcing 16 + 65535 + 65535 bytes with a 1400-byte bound: the decoder reports
    /// it, never holds more than a header, and the next packet still comes out.
    #[test]
    fn huge_announcement_does_not_grow_memory() {
        let mut storage = [0u8; 1400];
        let mut dec = FrameDecoder::new(&mut storage);
        let mut stream = HUGE.to_vec();
        stream.extend(core::iter::repeat_n(0x5a, 5000));
        stream.extend_from_slice(&HEARTBEAT);
        let mut max_held = 0;
        let mut frames = 0;
        let mut errors = Vec::new();
        for piece in stream.chunks(100) {
            let mut input = piece;
            loop {
                let status = dec.feed(input).unwrap();
                match status {
                    FrameStatus::Partial => break,
                    FrameStatus::Complete { frame, rest } => {
                        assert_eq!(frame, &HEARTBEAT[..]);
                        frames += 1;
                        input = rest;
                    }
                    FrameStatus::Resync { error, rest } => {
                        errors.push(error);
                        input = rest;
                    }
                }
                max_held = max_held.max(dec.buffered());
            }
            max_held = max_held.max(dec.buffered());
        }
        assert_eq!(frames, 1);
        assert_eq!(
            errors,
            [Error::TooLong {
                field: "frame",
                len: 16 + 2 * 65535,
                max: 1400
            }]
        );
        assert!(max_held <= HEARTBEAT.len(), "held {max_held}");
        assert_eq!(dec.skipped(), 5016);
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

    #[test]
    fn skip_to_magic_keeps_partial_magic() {
        let m = Magic::Wan.to_bytes();
        assert_eq!(skip_to_magic(&[], &m), 0);
        assert_eq!(skip_to_magic(&[1, 2, 0xcc, 0x55], &m), 2);
        assert_eq!(skip_to_magic(&[0xcc, 0x56, 0xcc], &m), 2);
        assert_eq!(skip_to_magic(&[1, 2, 3], &m), 3);
        assert_eq!(skip_to_magic(&HEARTBEAT, &m), 0);
    }

    #[cfg(feature = "alloc")]
    mod bytes {
        use super::*;
        use ::bytes::BytesMut;

        #[test]
        fn frames_split_off_the_callers_buffer() {
            let mut dec = BytesFrameDecoder::new(1400);
            let mut buf = BytesMut::new();
            buf.extend_from_slice(&HEARTBEAT);
            buf.extend_from_slice(&HEARTBEAT[..3]);
            let mut frame = dec.decode(&mut buf).unwrap().unwrap();
            assert_eq!(&frame[..], &HEARTBEAT[..]);
            frame[20] = 0; // mutable in place
            assert_eq!(dec.decode(&mut buf).unwrap(), None);
            assert_eq!(buf.len(), 3);
            buf.extend_from_slice(&HEARTBEAT[3..]);
            assert_eq!(
                dec.decode(&mut buf).unwrap().as_deref(),
                Some(&HEARTBEAT[..])
            );
            assert!(buf.is_empty());
        }

        #[test]
        fn bad_magic_is_reported_once_then_resyncs() {
            let mut dec = BytesFrameDecoder::new(1400);
            let mut buf = BytesMut::new();
            buf.extend_from_slice(&SCAN);
            buf.extend_from_slice(&HEARTBEAT);
            assert_eq!(dec.decode(&mut buf), Err(Error::BadMagic(0x1234_55bb)));
            assert_eq!(
                dec.decode(&mut buf).unwrap().as_deref(),
                Some(&HEARTBEAT[..])
            );
            assert_eq!(dec.skipped(), SCAN.len() as u64);
            assert!(buf.is_empty());
        }

        /// A header announcing 65535 + 65535 bytes with a 1400-byte bound: an error, and the
        /// caller's buffer never holds a maximum frame once `decode` asks for more.
        #[test]
        fn memory_bound_is_real() {
            let mut dec = BytesFrameDecoder::new(1400);
            let mut buf = BytesMut::new();
            let mut stream = HUGE.to_vec();
            stream.extend(core::iter::repeat_n(0x5a, 100_000));
            stream.extend_from_slice(&HEARTBEAT);
            let mut errors = Vec::new();
            let mut frames = 0;
            for piece in stream.chunks(1460) {
                buf.extend_from_slice(piece);
                loop {
                    match dec.decode(&mut buf) {
                        Ok(Some(f)) => {
                            assert_eq!(&f[..], &HEARTBEAT[..]);
                            frames += 1;
                        }
                        Ok(None) => break,
                        Err(e) => errors.push(e),
                    }
                }
                assert!(buf.len() < 1400, "buffer holds {}", buf.len());
                assert!(
                    buf.capacity() <= 2 * 1460 + 1400,
                    "capacity {}",
                    buf.capacity()
                );
            }
            assert_eq!(frames, 1);
            assert_eq!(errors.len(), 1);
            assert!(matches!(
                errors[0],
                Error::TooLong {
                    len: 131_086,
                    max: 1400,
                    ..
                }
            ));
        }

        #[test]
        fn same_frames_as_the_slice_decoder() {
            let mut stream = b"junk".to_vec();
            for _ in 0..3 {
                stream.extend_from_slice(&HEARTBEAT);
                stream.extend_from_slice(&HUGE);
            }
            let mut storage = [0u8; 100];
            let mut sdec = FrameDecoder::new(&mut storage);
            let (want, want_err) = run(&mut sdec, &stream, 9);
            let mut dec = BytesFrameDecoder::new(100);
            let mut buf = BytesMut::new();
            let (mut got, mut got_err) = (Vec::new(), Vec::new());
            for piece in stream.chunks(9) {
                buf.extend_from_slice(piece);
                loop {
                    match dec.decode(&mut buf) {
                        Ok(Some(f)) => got.push(f.to_vec()),
                        Ok(None) => break,
                        Err(e) => got_err.push(e),
                    }
                }
            }
            assert_eq!(got, want);
            assert_eq!(got_err, want_err);
            assert_eq!(dec.skipped(), sdec.skipped());
        }
    }
}
