//! Fragments (`total`/`index`, spec 3.2): a splitter that cuts a payload as the SDK cuts large
//! discovery replies, and a reassembler over caller storage.
//!
//! As shipped (NOTES.md §1, `joylink_send_big_pkg`): only device → APP discovery replies are
//! fragmented. Every fragment carries a copy of the original header and opt plus one slice of
//! the payload of [`FRAGMENT_PIECE_LEN`] = 1000 bytes (the last one shorter), `total` = number of
//! fragments, `index` = 1…total, `reserved` = a message id shared by all fragments, and its own
//! CRC over `opt ‖ slice`. No shipped device reassembles fragments it receives; APPs do.
//!
//! compat: NOTES.md §1 — two SDK bugs are fixed here: a payload that is an exact multiple of 1000
//! bytes does not produce an empty last fragment (the SDK loses those 1000 bytes), and the same
//! threshold decides both whether to fragment and how (the SDK crashes on 984…999-byte payloads).

use crate::crc::Crc16;
use crate::error::{Error, Result};
use crate::header::Header;
use crate::packet::{Decoded, emit, packet_len};

/// Payload bytes per fragment, `JL_MAX_CUT_PACKET_LEN` = 1000 of SDK 2.0.x (E17 used 1024).
pub const FRAGMENT_PIECE_LEN: usize = 1000;

/// One fragment to send: a complete header (lengths, `total`, `index`, `reserved` and CRC filled
/// in) and its sections, borrowed from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment<'a> {
    /// The fragment's header, ready to emit as is.
    pub header: Header,
    /// The message's opt (repeated on every fragment).
    pub opt: &'a [u8],
    /// This fragment's slice of the payload.
    pub payload: &'a [u8],
}

impl Fragment<'_> {
    /// Bytes [`Fragment::emit`] writes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        packet_len(self.opt.len(), self.payload.len()).unwrap_or(usize::MAX)
    }

    /// Writes the fragment packet into `buf` and returns its length.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `buf` is short (nothing is written).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit(&self.header, self.opt, self.payload, buf)
    }
}

/// Cuts a message into fragments the way the SDK does (NOTES.md §1), with its bugs fixed.
///
/// A payload of at most one piece (1000 bytes) is not fragmented: the splitter yields one packet
/// with `total = index = 0` and the header's own `reserved`. A longer payload yields
/// `ceil(len / 1000)` fragments with `total = N`, `index = 1..=N` and `reserved = message_id`.
///
/// # Examples
/// ```
/// use joylink_wire::{EncType, Header, Magic, PacketType, Splitter};
///
/// let header = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
/// let payload = [b'x'; 2000];
/// let splitter = Splitter::new(&header, &[], &payload, 0x21)?;
/// assert_eq!(splitter.total(), 2);
/// let mut buf = [0u8; 1016];
/// for (i, fragment) in splitter.enumerate() {
///     assert_eq!(usize::from(fragment.header.index), i + 1);
///     assert_eq!(fragment.payload.len(), 1000); // no empty third fragment
///     assert_eq!(fragment.emit(&mut buf)?, 1016);
/// }
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Splitter<'a> {
    header: Header,
    opt: &'a [u8],
    payload: &'a [u8],
    piece_len: usize,
    total: u8,
    next: u8,
}

impl<'a> Splitter<'a> {
    /// A splitter with the SDK's 1000-byte pieces.
    ///
    /// # Errors
    /// As [`Splitter::with_piece_len`].
    pub fn new(header: &Header, opt: &'a [u8], payload: &'a [u8], message_id: u8) -> Result<Self> {
        Self::with_piece_len(header, opt, payload, message_id, FRAGMENT_PIECE_LEN)
    }

    /// A splitter with `piece_len`-byte pieces (E17 used 1024).
    ///
    /// # Errors
    /// [`Error::OutOfRange`] for a piece length of 0 or above 65535; [`Error::TooLong`] when
    /// the opt exceeds 65535 bytes or the payload needs more than 255 fragments.
    pub fn with_piece_len(
        header: &Header,
        opt: &'a [u8],
        payload: &'a [u8],
        message_id: u8,
        piece_len: usize,
    ) -> Result<Self> {
        if piece_len == 0 || piece_len > usize::from(u16::MAX) {
            return Err(Error::OutOfRange {
                field: "piece_len",
                value: u32::try_from(piece_len).unwrap_or(u32::MAX),
            });
        }
        packet_len(opt.len(), 0)?;
        let count = payload.len().div_ceil(piece_len);
        let mut header = *header;
        let total = if payload.len() <= piece_len {
            0
        } else {
            header.reserved = message_id;
            u8::try_from(count).map_err(|_| Error::TooLong {
                field: "payload",
                len: payload.len(),
                max: piece_len.saturating_mul(usize::from(u8::MAX)),
            })?
        };
        header.total = total;
        Ok(Splitter {
            header,
            opt,
            payload,
            piece_len,
            total,
            next: 0,
        })
    }

    /// The `total` written in every fragment: 0 when the payload is not fragmented.
    #[must_use]
    pub fn total(&self) -> u8 {
        self.total
    }

    /// Number of packets the splitter yields (1 when not fragmented).
    #[must_use]
    pub fn packet_count(&self) -> usize {
        usize::from(self.total).max(1)
    }

    /// Buffer size enough for every fragment.
    #[must_use]
    pub fn max_fragment_len(&self) -> usize {
        packet_len(self.opt.len(), self.payload.len().min(self.piece_len)).unwrap_or(usize::MAX)
    }

    /// The fragment with 1-based `index` (or, unfragmented, the single packet at index 0).
    #[must_use]
    pub fn fragment(&self, index: u8) -> Option<Fragment<'a>> {
        let payload = if self.total == 0 {
            if index != 0 {
                return None;
            }
            self.payload
        } else {
            if index == 0 || index > self.total {
                return None;
            }
            let start = usize::from(index.saturating_sub(1)).checked_mul(self.piece_len)?;
            let end = start.saturating_add(self.piece_len).min(self.payload.len());
            self.payload.get(start..end)?
        };
        let mut crc = Crc16::new();
        crc.update(self.opt);
        crc.update(payload);
        let header = Header {
            opt_len: u16::try_from(self.opt.len()).ok()?,
            payload_len: u16::try_from(payload.len()).ok()?,
            index,
            crc: crc.finish(),
            ..self.header
        };
        Some(Fragment {
            header,
            opt: self.opt,
            payload,
        })
    }
}

impl<'a> Iterator for Splitter<'a> {
    type Item = Fragment<'a>;

    fn next(&mut self) -> Option<Fragment<'a>> {
        let index = if self.total == 0 {
            (self.next == 0).then_some(0)?
        } else {
            self.next.checked_add(1).filter(|i| *i <= self.total)?
        };
        let fragment = self.fragment(index);
        // Past the last fragment `next` stays at a value that yields `None`.
        self.next = if self.total == 0 { 1 } else { index };
        fragment
    }
}

/// The result of [`Reassembler::push`].
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum ReassemblyStatus<'s> {
    /// The fragment was stored; the message is not complete yet.
    Incomplete {
        /// Fragments received so far.
        received: u8,
        /// Fragments in the message.
        total: u8,
    },
    /// The message is complete (returned once; the reassembler is then empty).
    Complete(Reassembled<'s>),
}

/// A reassembled message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reassembled<'s> {
    /// The header of the first fragment received (its `index`, `payload_len` and `crc` are that
    /// fragment's). `opt` is identical on every fragment and is not stored.
    pub header: Header,
    /// The whole payload, in the caller's storage.
    pub payload: &'s [u8],
}

/// Reassembles one fragmented message at a time into caller storage (NOTES.md §1).
///
/// Fragments may arrive in any order. Every fragment but the last must carry exactly one piece
/// (1000 bytes by default), so fragment `i` goes to offset `(i - 1) × piece`. The first fragment
/// fixes `total`, `reserved` (message id) and `type`; a fragment that disagrees, repeats an index
/// or does not fit the storage is refused with an error and the message so far is kept. Keep one
/// reassembler per peer (the SDK keys messages by source address and `reserved`).
///
/// # Examples
/// ```
/// use joylink_wire::{
///     decode, CrcPolicy, EncType, Header, Magic, PacketType, ReassemblyStatus, Reassembler, Splitter,
/// };
///
/// let header = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
/// let payload: Vec<u8> = (0..2500u32).map(|i| i as u8).collect();
/// let mut packets = Vec::new();
/// for fragment in Splitter::new(&header, &[], &payload, 7)? {
///     let mut buf = vec![0u8; fragment.buffer_len()];
///     fragment.emit(&mut buf)?;
///     packets.push(buf);
/// }
/// packets.reverse(); // any order
///
/// let mut storage = [0u8; 4096];
/// let mut reassembler = Reassembler::new(&mut storage);
/// let mut done = None;
/// for p in &packets {
///     if let ReassemblyStatus::Complete(m) = reassembler.push(&decode(p, CrcPolicy::Verify)?)? {
///         done = Some(m.payload.to_vec());
///     }
/// }
/// assert_eq!(done.as_deref(), Some(&payload[..]));
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug)]
pub struct Reassembler<'s> {
    storage: &'s mut [u8],
    piece_len: usize,
    first: Option<Header>,
    received: [u32; 8],
    count: u8,
    last_len: usize,
}

impl<'s> Reassembler<'s> {
    /// A reassembler for 1000-byte pieces writing into `storage`.
    pub fn new(storage: &'s mut [u8]) -> Self {
        Self::with_piece_len(storage, FRAGMENT_PIECE_LEN)
    }

    /// A reassembler for `piece_len`-byte pieces (E17: 1024).
    pub fn with_piece_len(storage: &'s mut [u8], piece_len: usize) -> Self {
        Reassembler {
            storage,
            piece_len,
            first: None,
            received: [0; 8],
            count: 0,
            last_len: 0,
        }
    }

    /// Forgets the message in progress.
    pub fn reset(&mut self) {
        self.first = None;
        self.received = [0; 8];
        self.count = 0;
        self.last_len = 0;
    }

    /// `true` while a message is in progress.
    pub fn in_progress(&self) -> bool {
        self.first.is_some()
    }

    fn has(&self, index: u8) -> bool {
        let word = self.received.get(usize::from(index / 32)).copied();
        word.is_some_and(|w| w & (1u32 << (index % 32)) != 0)
    }

    fn mark(&mut self, index: u8) {
        if let Some(w) = self.received.get_mut(usize::from(index / 32)) {
            *w |= 1u32 << (index % 32);
        }
    }

    /// Adds one fragment (a decoded packet with `total >= 1`).
    ///
    /// # Errors
    /// [`Error::OutOfRange`] for `total == 0` (not a fragment) or an index outside
    /// `1..=total`; [`Error::FragmentMismatch`] when `total`, `reserved` or `type` differ from the
    /// message in progress, or the slice length is not one piece (or at most one piece for the
    /// last); [`Error::DuplicateFragment`]; [`Error::ReassemblyOverflow`] when the storage is too
    /// small. The fragment is then ignored and the message in progress kept.
    pub fn push(&mut self, fragment: &Decoded<'_>) -> Result<ReassemblyStatus<'_>> {
        let h = &fragment.header;
        let data = fragment.payload;
        if h.total == 0 {
            return Err(Error::OutOfRange {
                field: "total",
                value: 0,
            });
        }
        if h.index == 0 || h.index > h.total {
            return Err(Error::OutOfRange {
                field: "index",
                value: u32::from(h.index),
            });
        }
        if let Some(first) = &self.first {
            let checks = [
                ("total", first.total, h.total),
                ("reserved", first.reserved, h.reserved),
                ("type", first.packet_type.value(), h.packet_type.value()),
            ];
            for (field, expected, found) in checks {
                if expected != found {
                    return Err(Error::FragmentMismatch {
                        field,
                        expected: u32::from(expected),
                        found: u32::from(found),
                    });
                }
            }
        }
        let is_last = h.index == h.total;
        if data.len() > self.piece_len || (!is_last && data.len() != self.piece_len) {
            return Err(Error::FragmentMismatch {
                field: "payloadlen",
                expected: u32::try_from(self.piece_len).unwrap_or(u32::MAX),
                found: u32::try_from(data.len()).unwrap_or(u32::MAX),
            });
        }
        if self.has(h.index) {
            return Err(Error::DuplicateFragment { index: h.index });
        }
        let available = self.storage.len();
        let full_pieces = usize::from(h.total.saturating_sub(1)).saturating_mul(self.piece_len);
        let offset = usize::from(h.index.saturating_sub(1)).saturating_mul(self.piece_len);
        let end = offset.saturating_add(data.len());
        let needed = full_pieces.max(end);
        if needed > available {
            return Err(Error::ReassemblyOverflow { needed, available });
        }
        let Some(dst) = self.storage.get_mut(offset..end) else {
            return Err(Error::ReassemblyOverflow { needed, available });
        };
        dst.copy_from_slice(data);

        if self.first.is_none() {
            self.first = Some(*h);
        }
        self.mark(h.index);
        self.count = self.count.saturating_add(1);
        if is_last {
            self.last_len = data.len();
        }
        if self.count < h.total {
            return Ok(ReassemblyStatus::Incomplete {
                received: self.count,
                total: h.total,
            });
        }
        let header = self.first.unwrap_or(*h);
        let len = full_pieces.saturating_add(self.last_len);
        self.reset();
        let payload = self.storage.get(..len).unwrap_or_default();
        Ok(ReassemblyStatus::Complete(Reassembled { header, payload }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{EncType, Magic, PacketType};
    use crate::crc::CrcPolicy;
    use crate::packet::decode;
    use std::vec::Vec;

    fn scan_header() -> Header {
        Header::new(Magic::Lan, PacketType::Scan, EncType::None)
    }

    fn fragment_packets(payload: &[u8], id: u8) -> Vec<Vec<u8>> {
        Splitter::new(&scan_header(), &[], payload, id)
            .unwrap()
            .map(|f| {
                let mut buf = std::vec![0xa5; f.buffer_len()];
                assert_eq!(f.emit(&mut buf).unwrap(), buf.len());
                buf
            })
            .collect()
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn split_sizes() {
        let h = scan_header();
        for (len, pieces) in [
            (0, &[0usize][..]),
            (999, &[999]),
            (1000, &[1000]),
            (1001, &[1000, 1]),
            (2000, &[1000, 1000]),
            (2500, &[1000, 1000, 500]),
        ] {
            let payload = pattern(len);
            let s = Splitter::new(&h, &[], &payload, 9).unwrap();
            let got: Vec<usize> = s.clone().map(|f| f.payload.len()).collect();
            assert_eq!(got, pieces, "len {len}");
            assert_eq!(s.packet_count(), pieces.len());
            let unfragmented = pieces.len() == 1;
            for (i, f) in s.enumerate() {
                if unfragmented {
                    assert_eq!(
                        (f.header.total, f.header.index, f.header.reserved),
                        (0, 0, 0)
                    );
                } else {
                    assert_eq!(usize::from(f.header.total), pieces.len());
                    assert_eq!(usize::from(f.header.index), i + 1);
                    assert_eq!(f.header.reserved, 9);
                }
            }
        }
    }

    #[test]
    fn split_errors() {
        let h = scan_header();
        assert_eq!(
            Splitter::with_piece_len(&h, &[], &[], 0, 0).err(),
            Some(Error::OutOfRange {
                field: "piece_len",
                value: 0
            })
        );
        let big = pattern(256);
        assert_eq!(
            Splitter::with_piece_len(&h, &[], &big, 0, 1).err(),
            Some(Error::TooLong {
                field: "payload",
                len: 256,
                max: 255
            })
        );
        let s = Splitter::new(&h, &[], &big, 0).unwrap();
        assert!(s.fragment(1).is_none());
        assert!(s.fragment(0).is_some());
    }

    #[test]
    fn round_trip_any_order() {
        let payload = pattern(3333);
        let mut packets = fragment_packets(&payload, 5);
        packets.swap(0, 3);
        packets.swap(1, 2);
        let mut storage = [0u8; 4000];
        let mut r = Reassembler::new(&mut storage);
        let n = packets.len();
        for (i, p) in packets.iter().enumerate() {
            let d = decode(p, CrcPolicy::Verify).unwrap();
            match r.push(&d).unwrap() {
                ReassemblyStatus::Incomplete { received, total } => {
                    assert_eq!(usize::from(received), i + 1);
                    assert_eq!(usize::from(total), n);
                }
                ReassemblyStatus::Complete(m) => {
                    assert_eq!(i + 1, n);
                    assert_eq!(m.payload, &payload[..]);
                    assert_eq!(m.header.reserved, 5);
                }
            }
        }
        assert!(!r.in_progress());
    }

    #[test]
    fn duplicate_fragment() {
        let payload = pattern(2500);
        let packets = fragment_packets(&payload, 1);
        let mut storage = [0u8; 3000];
        let mut r = Reassembler::new(&mut storage);
        let d = decode(&packets[1], CrcPolicy::Verify).unwrap();
        assert!(matches!(
            r.push(&d),
            Ok(ReassemblyStatus::Incomplete { .. })
        ));
        assert_eq!(r.push(&d), Err(Error::DuplicateFragment { index: 2 }));
        assert!(r.in_progress());
    }

    #[test]
    fn inconsistent_fragments() {
        let a = fragment_packets(&pattern(2500), 1);
        let b = fragment_packets(&pattern(1500), 1);
        let c = fragment_packets(&pattern(2500), 2);
        let mut storage = [0u8; 3000];
        let mut r = Reassembler::new(&mut storage);
        let _ = r.push(&decode(&a[0], CrcPolicy::Verify).unwrap()).unwrap();
        assert_eq!(
            r.push(&decode(&b[1], CrcPolicy::Verify).unwrap()),
            Err(Error::FragmentMismatch {
                field: "total",
                expected: 3,
                found: 2
            })
        );
        assert_eq!(
            r.push(&decode(&c[1], CrcPolicy::Verify).unwrap()),
            Err(Error::FragmentMismatch {
                field: "reserved",
                expected: 1,
                found: 2
            })
        );
        let mut t = a[1].clone();
        t[9] = 4;
        assert_eq!(
            r.push(&decode(&t, CrcPolicy::Ignore).unwrap()),
            Err(Error::FragmentMismatch {
                field: "type",
                expected: 1,
                found: 4
            })
        );
        // A short middle piece.
        let mut d = decode(&a[1], CrcPolicy::Verify).unwrap();
        d.payload = &d.payload[..999];
        assert_eq!(
            r.push(&d),
            Err(Error::FragmentMismatch {
                field: "payloadlen",
                expected: 1000,
                found: 999
            })
        );
        // The message in progress survives the rejected fragments.
        let _ = r.push(&decode(&a[1], CrcPolicy::Verify).unwrap()).unwrap();
        let ReassemblyStatus::Complete(m) =
            r.push(&decode(&a[2], CrcPolicy::Verify).unwrap()).unwrap()
        else {
            panic!("expected completion")
        };
        assert_eq!(m.payload, &pattern(2500)[..]);
    }

    #[test]
    fn index_and_total_out_of_range() {
        let a = fragment_packets(&pattern(1500), 1);
        let mut storage = [0u8; 3000];
        let mut r = Reassembler::new(&mut storage);
        let mut d = decode(&a[0], CrcPolicy::Verify).unwrap();
        d.header.index = 3;
        assert_eq!(
            r.push(&d),
            Err(Error::OutOfRange {
                field: "index",
                value: 3
            })
        );
        d.header.index = 0;
        assert!(matches!(
            r.push(&d),
            Err(Error::OutOfRange { field: "index", .. })
        ));
        d.header.total = 0;
        assert_eq!(
            r.push(&d),
            Err(Error::OutOfRange {
                field: "total",
                value: 0
            })
        );
    }

    #[test]
    fn overflow() {
        let a = fragment_packets(&pattern(2500), 1);
        let mut storage = [0u8; 1999];
        let mut r = Reassembler::new(&mut storage);
        assert_eq!(
            r.push(&decode(&a[0], CrcPolicy::Verify).unwrap()),
            Err(Error::ReassemblyOverflow {
                needed: 2000,
                available: 1999
            })
        );
        let mut storage = [0u8; 2100];
        let mut r = Reassembler::new(&mut storage);
        assert_eq!(
            r.push(&decode(&a[2], CrcPolicy::Verify).unwrap()),
            Err(Error::ReassemblyOverflow {
                needed: 2500,
                available: 2100
            })
        );
        assert!(!r.in_progress());
    }

    #[test]
    fn single_fragment_message_completes_at_once() {
        let mut h = scan_header();
        h.total = 1;
        h.index = 1;
        let d = Decoded {
            header: h,
            opt: &[],
            payload: b"{}",
            crc_ok: true,
        };
        let mut storage = [0u8; 1000];
        let mut r = Reassembler::new(&mut storage);
        let ReassemblyStatus::Complete(m) = r.push(&d).unwrap() else {
            panic!("expected completion")
        };
        assert_eq!(m.payload, b"{}");
    }
}
