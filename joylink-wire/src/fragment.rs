//! Fragments (`total`/`index`, spec 3.2): a splitter that cuts a payload as the shipped SDKs cut
//! large messages, and a reassembler that joins them again in caller storage.
//!
//! Two kinds of fragments exist in the field, with the same header layout:
//! - **LAN** (`joylink_send_big_pkg`): a device's discovery reply (type 1, enctype 0) too large for
//!   one datagram is cut into [`FRAGMENT_PIECE_LEN`] = 1000-byte slices of its payload.
//! - **WAN** (`joylink_send_big_pkg_server`, the Linux/gateway SDK): a sealed type-11 reply too
//!   large for the buffer is cut into [`WAN_FRAGMENT_PIECE_LEN`] = 1024-byte slices of its
//!   *ciphertext*; the receiver joins the slices and only then decrypts.
//!
//! Every fragment carries a copy of the original header and opt plus one slice of the payload,
//! `total` = number of fragments, `index` = 1…total, `reserved` = a message id shared by all the
//! fragments of one message (a random byte, or the low byte of the unfragmented packet's CRC), and
//! its own CRC over `opt ‖ slice`. No shipped device reassembles fragments it receives; APPs and
//! clouds must.
//!
//! compat: two bugs of the LAN sender are fixed by [`Splitter`]: a payload that is an exact
//! multiple of the piece length does not produce an empty last fragment (the SDK loses a whole
//! piece), and one threshold decides both whether to fragment and how (the SDK crashes on
//! 984…999-byte payloads). The WAN sender has a third one: with two or more fragments it sends the
//! last slice empty, so the joined ciphertext fails to unpad. [`Reassembler`] still joins such a
//! message (it is complete by count) and the opener reports it as a decryption failure: it never
//! waits for bytes that will not come and never blocks the next message.

use crate::codes::{Magic, PacketType};
use crate::crc::Crc16;
use crate::error::{Error, Result};
use crate::header::{HEADER_LEN, Header};
use crate::packet::{CrcStatus, Packet, Parsed, emit, packet_len};

/// Payload bytes per LAN fragment, `JL_MAX_CUT_PACKET_LEN` = 1000 of SDK 2.0.x (E17 used 1024).
pub const FRAGMENT_PIECE_LEN: usize = 1000;

/// Ciphertext bytes per WAN fragment: the Linux/gateway SDK cuts sealed payloads into 1024-byte
/// slices.
pub const WAN_FRAGMENT_PIECE_LEN: usize = 1024;

/// The piece length the shipped SDKs use on `magic`'s network: [`FRAGMENT_PIECE_LEN`] on the LAN,
/// [`WAN_FRAGMENT_PIECE_LEN`] on the WAN.
#[must_use]
pub const fn fragment_piece_len(magic: Magic) -> usize {
    match magic {
        Magic::Lan => FRAGMENT_PIECE_LEN,
        Magic::Wan => WAN_FRAGMENT_PIECE_LEN,
    }
}

impl Header {
    /// [`Error::Fragment`] when the header is one fragment of a larger message (`total > 1`):
    /// its payload is a slice that only means something once joined with the others
    /// ([`Reassembler`]); `Ok` for a whole packet (`total` 0 or 1).
    ///
    /// # Errors
    /// [`Error::Fragment`].
    ///
    /// # Examples
    /// ```
    /// use joylink_wire::{EncType, Error, Header, Magic, PacketType};
    ///
    /// let mut h = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
    /// assert_eq!(h.check_unfragmented(), Ok(()));
    /// (h.total, h.index) = (3, 2);
    /// assert_eq!(h.check_unfragmented(), Err(Error::Fragment { index: 2, total: 3 }));
    /// ```
    pub const fn check_unfragmented(&self) -> Result<()> {
        if self.is_fragment() {
            Err(Error::Fragment {
                index: self.index,
                total: self.total,
            })
        } else {
            Ok(())
        }
    }
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// `true` when the packet is one fragment of a larger message (`total > 1`, one byte read);
    /// the same rule as [`Header::is_fragment`].
    pub fn is_fragment(&self) -> bool {
        self.total() > 1
    }
}

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

/// Cuts a message into fragments the way the SDKs do, with their bugs fixed.
///
/// A payload of at most one piece is not fragmented: the splitter yields one packet with `total =
/// index = 0` and the header's own `reserved`. A longer payload yields `ceil(len / piece)`
/// fragments with `total = N`, `index = 1..=N` and `reserved = message_id`. [`Splitter::new`]
/// uses the piece length of the header's network ([`fragment_piece_len`]); for a WAN message pass
/// the *sealed* packet's header, opt and ciphertext payload.
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
    /// A splitter with the SDK's pieces for the header's network: 1000 bytes on the LAN, 1024 on
    /// the WAN ([`fragment_piece_len`]).
    ///
    /// # Errors
    /// As [`Splitter::with_piece_len`].
    pub fn new(header: &Header, opt: &'a [u8], payload: &'a [u8], message_id: u8) -> Result<Self> {
        let piece = fragment_piece_len(header.magic);
        Self::with_piece_len(header, opt, payload, message_id, piece)
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

/// Default time a message may take to arrive whole, in the caller's clock units (milliseconds by
/// convention): 5 s. A slot older than this is freed by the next [`Reassembler::push`] or
/// [`Reassembler::expire`].
pub const REASSEMBLY_TIMEOUT_MS: u64 = 5_000;

/// The result of [`Reassembler::push`].
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum ReassemblyStatus<'s, K> {
    /// The fragment was stored; its message is not complete yet.
    Incomplete {
        /// Fragments of this message received so far.
        received: u8,
        /// Fragments in the message.
        total: u8,
    },
    /// The message is complete (returned once; its slot is free again).
    Complete(Reassembled<'s, K>),
}

/// A reassembled message: a whole packet, as if it had been sent unfragmented.
///
/// The packet is `header ‖ opt ‖ payload` in the reassembler's storage, borrowed mutably so that
/// it can be opened (decrypted) in place by the same code that opens an unfragmented packet. Its
/// header is the fragments' header with `total = index = reserved = 0`, `payloadlen` the joined
/// length, and a `crc` that is valid exactly when every fragment's was (so the opener's CRC policy
/// judges the message as it would have judged its fragments).
#[derive(Debug, PartialEq, Eq)]
pub struct Reassembled<'s, K> {
    /// Who sent the fragments (the key the caller passed to [`Reassembler::push`]).
    pub sender: K,
    /// The fragments' `reserved` byte, the message id.
    pub message_id: u8,
    /// The fragments' CRC statuses combined ([`CrcStatus::and`]): a mismatch when any fragment's
    /// [`Parsed::crc_status`] was one, not checked when any was not checked, else verified.
    pub crc_status: CrcStatus,
    /// The whole packet, `header ‖ opt ‖ payload`.
    pub packet: &'s mut [u8],
}

impl<K> Reassembled<'_, K> {
    /// The reassembled packet's header.
    #[must_use]
    pub fn header(&self) -> Header {
        Packet::new_unchecked(&*self.packet).header()
    }

    /// The opt section (the same on every fragment).
    #[must_use]
    pub fn opt(&self) -> &[u8] {
        Packet::new_unchecked(&*self.packet).opt()
    }

    /// The joined payload (still encrypted when `enctype` is not `None`).
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        Packet::new_unchecked(&*self.packet).payload()
    }
}

/// Counters of what a [`Reassembler`] did, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReassemblyStats {
    /// Messages returned whole.
    pub completed: u64,
    /// Incomplete messages dropped to make room for a new one (oldest first).
    pub evicted: u64,
    /// Incomplete messages dropped because they outlived the timeout.
    pub expired: u64,
    /// Incomplete messages dropped because a fragment with the same key showed they had been
    /// replaced: a different `total`, `enctype`, `version` or opt, or a different slice at an index
    /// already held (a sender reusing a message id).
    pub restarted: u64,
}

/// Which message a fragment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SlotKey<K> {
    sender: K,
    magic: Magic,
    packet_type: PacketType,
    message_id: u8,
}

/// The bookkeeping of one message in progress (its bytes live in the slot's storage region).
#[derive(Debug, Clone, Copy)]
struct Slot<K> {
    key: Option<SlotKey<K>>,
    header: Header,
    opt_len: usize,
    started: u64,
    received: [u32; 8],
    count: u8,
    last_len: usize,
    crc_status: CrcStatus,
}

impl<K> Slot<K> {
    fn empty(header: Header) -> Self {
        Slot {
            key: None,
            header,
            opt_len: 0,
            started: 0,
            received: [0; 8],
            count: 0,
            last_len: 0,
            crc_status: CrcStatus::Verified,
        }
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
}

/// Reassembles fragmented messages (LAN discovery replies, WAN ciphertext slices) into whole
/// packets, several at a time, in caller storage and bounded memory.
///
/// Modelled on smoltcp's fragment assembler set:
/// - **State per message.** A message is identified by (sender, magic, type, message id): the
///   sender is whatever key the caller uses for a peer (a socket address, a connection id, `()`
///   for a single peer), the message id is the fragments' `reserved` byte. Up to `N` messages are
///   assembled at once; fragments of different messages and senders may interleave and arrive in
///   any order.
/// - **Bounded memory.** `storage` is cut into `N` equal regions, one per slot; a message (16
///   header bytes, opt and joined payload) must fit one region, or its fragments are refused with
///   [`Error::ReassemblyOverflow`] and nothing else is disturbed. Nothing else is allocated: the
///   reassembler's memory is `storage` plus a fixed-size array of `N` slots.
/// - **Expiry by the caller's clock.** Every call takes `now` (milliseconds by convention; the
///   reassembler never reads a clock). A message not complete within the timeout
///   ([`REASSEMBLY_TIMEOUT_MS`] by default) is dropped.
/// - **Loss never blocks.** A fragment of a new message takes a free slot, or evicts the oldest
///   incomplete message. A lost fragment therefore costs its own message only.
///
/// Every fragment but the last of a message must carry exactly one piece ([`fragment_piece_len`]
/// of its network, or the value set with [`Reassembler::with_piece_len`]), so fragment `i` goes
/// to offset `(i - 1) × piece`; the last may be shorter (even empty). An identical repeat of a
/// fragment already held is refused with [`Error::DuplicateFragment`] (harmless: ignore it).
///
/// # Examples
/// ```
/// use joylink_wire::{
///     parse, CrcPolicy, EncType, Header, Magic, PacketType, ReassemblyStatus, Reassembler,
///     Splitter,
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
/// // Two messages in flight at most, 4 KiB each; the sender is a peer number here.
/// let mut storage = [0u8; 8192];
/// let mut reassembler: Reassembler<'_, u32, 2> = Reassembler::new(&mut storage);
/// let now_ms = 0; // the caller's clock
/// let mut whole = None;
/// for p in &packets {
///     let fragment = parse(p, CrcPolicy::Verify)?;
///     if let ReassemblyStatus::Complete(m) = reassembler.push(1, &fragment, now_ms)? {
///         // A whole packet, as if sent unfragmented: decode (or open) it like any other.
///         let packet = parse(m.packet, CrcPolicy::Verify)?;
///         assert_eq!(packet.header.total, 0);
///         whole = Some(packet.payload.to_vec());
///     }
/// }
/// assert_eq!(whole.as_deref(), Some(&payload[..]));
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug)]
pub struct Reassembler<'s, K = (), const N: usize = 4> {
    storage: &'s mut [u8],
    slots: [Slot<K>; N],
    lan_piece_len: usize,
    wan_piece_len: usize,
    timeout: u64,
    stats: ReassemblyStats,
}

impl<'s, K: Copy + Eq, const N: usize> Reassembler<'s, K, N> {
    /// A reassembler of up to `N` messages, each in `storage.len() / N` bytes of `storage`, with
    /// the SDKs' piece lengths and the default timeout.
    pub fn new(storage: &'s mut [u8]) -> Self {
        let blank = Header::new(Magic::Lan, PacketType::Scan, crate::codes::EncType::None);
        Reassembler {
            storage,
            slots: core::array::from_fn(|_| Slot::empty(blank)),
            lan_piece_len: FRAGMENT_PIECE_LEN,
            wan_piece_len: WAN_FRAGMENT_PIECE_LEN,
            timeout: REASSEMBLY_TIMEOUT_MS,
            stats: ReassemblyStats::default(),
        }
    }

    /// Uses `piece_len`-byte pieces for fragments with `magic` (E17-era LAN senders used 1024).
    /// A length of 0 is treated as 1.
    #[must_use]
    pub fn with_piece_len(mut self, magic: Magic, piece_len: usize) -> Self {
        let piece_len = piece_len.max(1);
        match magic {
            Magic::Lan => self.lan_piece_len = piece_len,
            Magic::Wan => self.wan_piece_len = piece_len,
        }
        self
    }

    /// Drops a message that is not complete `timeout` clock units after its first fragment.
    #[must_use]
    pub fn with_timeout(mut self, timeout: u64) -> Self {
        self.timeout = timeout;
        self
    }

    /// Bytes one message may occupy: `storage.len() / N` (header, opt and joined payload).
    pub fn message_capacity(&self) -> usize {
        self.storage.len().checked_div(N).unwrap_or(0)
    }

    /// Messages currently in progress (at most `N`).
    pub fn in_progress(&self) -> usize {
        self.slots.iter().filter(|s| s.key.is_some()).count()
    }

    /// What the reassembler did so far.
    pub fn stats(&self) -> ReassemblyStats {
        self.stats
    }

    /// Forgets every message in progress.
    pub fn reset(&mut self) {
        for slot in &mut self.slots {
            slot.key = None;
        }
    }

    /// Drops the messages whose first fragment came `timeout` or more before `now`, and returns how
    /// many. [`Reassembler::push`] does this itself; call it to free memory while no fragments
    /// arrive. A clock that goes backwards expires nothing.
    pub fn expire(&mut self, now: u64) -> usize {
        let mut n = 0usize;
        for slot in &mut self.slots {
            if slot.key.is_some() && now.saturating_sub(slot.started) >= self.timeout {
                slot.key = None;
                n = n.saturating_add(1);
            }
        }
        self.stats.expired = self
            .stats
            .expired
            .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        n
    }

    fn region(storage: &mut [u8], cap: usize, slot: usize) -> &mut [u8] {
        let start = slot.saturating_mul(cap);
        storage
            .get_mut(start..start.saturating_add(cap))
            .unwrap_or_default()
    }

    /// Adds one fragment (a decoded packet with `total >= 1`) sent by `sender`, at time `now`.
    ///
    /// Returns [`ReassemblyStatus::Complete`] with the whole packet when this fragment was the
    /// last one missing. The fragment's own CRC is the caller's to check when decoding it
    /// ([`CrcPolicy`](crate::CrcPolicy)); the result carries it on.
    ///
    /// # Errors
    /// - [`Error::OutOfRange`]: `total == 0` (not a fragment) or an index outside `1..=total`;
    /// - [`Error::FragmentMismatch`] (`field: "payloadlen"`): a slice longer than one piece, or a
    ///   slice other than the last that is not exactly one piece;
    /// - [`Error::DuplicateFragment`]: the same slice at an index already held;
    /// - [`Error::ReassemblyOverflow`]: the message cannot fit one slot's region (its earlier
    ///   fragments, if any, are dropped too: it can never complete);
    /// - [`Error::TooLong`]: the joined payload would exceed 65535 bytes.
    ///
    /// On every error the other messages in progress are left as they were.
    pub fn push(
        &mut self,
        sender: K,
        fragment: &Parsed<'_>,
        now: u64,
    ) -> Result<ReassemblyStatus<'_, K>> {
        let h = &fragment.header;
        let data = fragment.payload;
        let opt = fragment.opt;
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
        let piece = match h.magic {
            Magic::Lan => self.lan_piece_len,
            Magic::Wan => self.wan_piece_len,
        };
        let is_last = h.index == h.total;
        if data.len() > piece || (!is_last && data.len() != piece) {
            return Err(Error::FragmentMismatch {
                field: "payloadlen",
                expected: u32::try_from(piece).unwrap_or(u32::MAX),
                found: u32::try_from(data.len()).unwrap_or(u32::MAX),
            });
        }
        // The whole message must fit one region and one u16 payload length.
        let full_pieces = usize::from(h.total.saturating_sub(1)).saturating_mul(piece);
        let joined_min = if is_last {
            full_pieces.saturating_add(data.len())
        } else {
            full_pieces
        };
        if joined_min > usize::from(u16::MAX) {
            return Err(Error::TooLong {
                field: "payload",
                len: joined_min,
                max: usize::from(u16::MAX),
            });
        }
        let cap = self.message_capacity();
        let needed = HEADER_LEN
            .saturating_add(opt.len())
            .saturating_add(joined_min);
        let key = SlotKey {
            sender,
            magic: h.magic,
            packet_type: h.packet_type,
            message_id: h.reserved,
        };
        self.expire(now);
        let existing = self.slots.iter().position(|s| s.key == Some(key));
        if needed > cap {
            if let Some(i) = existing
                && let Some(slot) = self.slots.get_mut(i)
            {
                slot.key = None;
            }
            return Err(Error::ReassemblyOverflow {
                needed,
                available: cap,
            });
        }
        let payload_at = HEADER_LEN.saturating_add(opt.len());
        let offset =
            payload_at.saturating_add(usize::from(h.index.saturating_sub(1)).saturating_mul(piece));
        let end = offset.saturating_add(data.len());

        // Find the message's slot, or start one (a free slot, else the oldest message's).
        let mut fresh = true;
        let index = match existing {
            Some(i) => {
                let (same_shape, held) = match self.slots.get(i) {
                    Some(s) => (
                        s.header.total == h.total
                            && s.header.enc_type == h.enc_type
                            && s.header.version == h.version
                            && s.opt_len == opt.len(),
                        s.has(h.index),
                    ),
                    None => (false, false),
                };
                let region = Self::region(self.storage, cap, i);
                let same_opt = region.get(HEADER_LEN..payload_at) == Some(opt);
                if same_shape && same_opt && held {
                    if region.get(offset..end) == Some(data) {
                        return Err(Error::DuplicateFragment { index: h.index });
                    }
                    self.stats.restarted = self.stats.restarted.saturating_add(1);
                } else if same_shape && same_opt {
                    fresh = false;
                } else {
                    self.stats.restarted = self.stats.restarted.saturating_add(1);
                }
                i
            }
            None => match self.slots.iter().position(|s| s.key.is_none()) {
                Some(i) => i,
                None => {
                    let oldest = self
                        .slots
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, s)| s.started)
                        .map_or(0, |(i, _)| i);
                    self.stats.evicted = self.stats.evicted.saturating_add(1);
                    oldest
                }
            },
        };
        let region = Self::region(self.storage, cap, index);
        let Some(slot) = self.slots.get_mut(index) else {
            return Err(Error::ReassemblyOverflow {
                needed,
                available: 0,
            });
        };
        if fresh {
            *slot = Slot {
                key: Some(key),
                header: *h,
                opt_len: opt.len(),
                started: now,
                received: [0; 8],
                count: 0,
                last_len: 0,
                crc_status: CrcStatus::Verified,
            };
            if let Some(dst) = region.get_mut(HEADER_LEN..payload_at) {
                dst.copy_from_slice(opt);
            }
        }
        match region.get_mut(offset..end) {
            Some(dst) => dst.copy_from_slice(data),
            None => {
                slot.key = None;
                return Err(Error::ReassemblyOverflow {
                    needed: end,
                    available: cap,
                });
            }
        }
        slot.mark(h.index);
        slot.count = slot.count.saturating_add(1);
        slot.crc_status = slot.crc_status.and(fragment.crc_status);
        if is_last {
            slot.last_len = data.len();
        }
        if slot.count < slot.header.total {
            return Ok(ReassemblyStatus::Incomplete {
                received: slot.count,
                total: slot.header.total,
            });
        }

        // Complete: write the header of the unfragmented packet in front of opt ‖ payload.
        slot.key = None;
        self.stats.completed = self.stats.completed.saturating_add(1);
        let joined = full_pieces.saturating_add(slot.last_len);
        let len = payload_at.saturating_add(joined);
        let crc_status = slot.crc_status;
        let first = slot.header;
        let packet = region.get_mut(..len).unwrap_or_default();
        let mut crc = Crc16::new();
        crc.update(packet.get(HEADER_LEN..).unwrap_or_default());
        let crc = crc.finish();
        let header = Header {
            opt_len: u16::try_from(opt.len()).unwrap_or(u16::MAX),
            payload_len: u16::try_from(joined).unwrap_or(u16::MAX),
            total: 0,
            index: 0,
            reserved: 0,
            crc: if crc_status.is_mismatch() { !crc } else { crc },
            ..first
        };
        Packet::new_unchecked(&mut *packet).set_header(&header)?;
        Ok(ReassemblyStatus::Complete(Reassembled {
            sender,
            message_id: first.reserved,
            crc_status,
            packet,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::EncType;
    use crate::crc::CrcPolicy;
    use crate::packet::parse;
    use std::vec::Vec;

    fn scan_header() -> Header {
        Header::new(Magic::Lan, PacketType::Scan, EncType::None)
    }

    fn packets_of(header: &Header, opt: &[u8], payload: &[u8], id: u8) -> Vec<Vec<u8>> {
        Splitter::new(header, opt, payload, id)
            .unwrap()
            .map(|f| {
                let mut buf = std::vec![0xa5; f.buffer_len()];
                assert_eq!(f.emit(&mut buf).unwrap(), buf.len());
                buf
            })
            .collect()
    }

    fn fragment_packets(payload: &[u8], id: u8) -> Vec<Vec<u8>> {
        packets_of(&scan_header(), &[], payload, id)
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    fn d(p: &[u8]) -> Parsed<'_> {
        parse(p, CrcPolicy::Verify).unwrap()
    }

    /// Pushes and returns the completed packet's payload, if any.
    fn push<K: Copy + Eq, const N: usize>(
        r: &mut Reassembler<'_, K, N>,
        sender: K,
        p: &[u8],
        now: u64,
    ) -> Result<Option<Vec<u8>>> {
        Ok(match r.push(sender, &d(p), now)? {
            ReassemblyStatus::Incomplete { .. } => None,
            ReassemblyStatus::Complete(m) => Some(m.payload().to_vec()),
        })
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
    fn wan_pieces_are_1024_bytes() {
        let h = Header::new(Magic::Wan, PacketType::CloudControl, EncType::SessionKey);
        let s = Splitter::new(&h, &[1, 2], &[0u8; 2100], 9).unwrap();
        let got: Vec<usize> = s.map(|f| f.payload.len()).collect();
        assert_eq!(got, [1024, 1024, 52]);
        assert_eq!(fragment_piece_len(Magic::Wan), WAN_FRAGMENT_PIECE_LEN);
        assert_eq!(fragment_piece_len(Magic::Lan), FRAGMENT_PIECE_LEN);
    }

    #[test]
    fn fragments_are_recognised_and_refused_whole() {
        let a = fragment_packets(&pattern(2500), 1);
        let p = Packet::new_checked(&a[1][..]).unwrap();
        assert!(p.is_fragment());
        assert_eq!(
            p.header().check_unfragmented(),
            Err(Error::Fragment { index: 2, total: 3 })
        );
        let whole = fragment_packets(&pattern(10), 1);
        let p = Packet::new_checked(&whole[0][..]).unwrap();
        assert!(!p.is_fragment());
        assert_eq!(p.header().check_unfragmented(), Ok(()));
        // total = 1 is unfragmented for the SDK too.
        let mut h = scan_header();
        (h.total, h.index) = (1, 1);
        assert_eq!(h.check_unfragmented(), Ok(()));
    }

    #[test]
    fn round_trip_any_order_gives_a_whole_packet() {
        let payload = pattern(3333);
        let opt = [7u8; 21];
        let h = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
        let mut packets = packets_of(&h, &opt, &payload, 5);
        packets.swap(0, 3);
        packets.swap(1, 2);
        let mut storage = [0u8; 4000];
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
        let n = packets.len();
        for (i, p) in packets.iter().enumerate() {
            match r.push((), &d(p), 0).unwrap() {
                ReassemblyStatus::Incomplete { received, total } => {
                    assert_eq!(usize::from(received), i + 1);
                    assert_eq!(usize::from(total), n);
                }
                ReassemblyStatus::Complete(m) => {
                    assert_eq!(i + 1, n);
                    assert_eq!(m.message_id, 5);
                    assert_eq!(m.crc_status, CrcStatus::Verified);
                    // The same bytes the sender would have sent unfragmented.
                    let mut whole = std::vec![0u8; 16 + 21 + 3333];
                    let len = emit(&h, &opt, &payload, &mut whole).unwrap();
                    assert_eq!(&m.packet[..], &whole[..len]);
                    assert_eq!(m.opt(), &opt);
                    assert_eq!(m.payload(), &payload[..]);
                    assert_eq!((m.header().total, m.header().index), (0, 0));
                }
            }
        }
        assert_eq!(r.in_progress(), 0);
        assert_eq!(r.stats().completed, 1);
    }

    /// The regression of issue 13: with the old reassembler one lost fragment refused every later
    /// message for good.
    #[test]
    fn a_lost_fragment_does_not_block_the_next_message() {
        let a = fragment_packets(&pattern(2500), 1);
        let b = fragment_packets(&pattern(1800), 2);
        let mut storage = [0u8; 3000];
        // Even with a single slot.
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
        assert_eq!(push(&mut r, (), &a[0], 0), Ok(None));
        assert_eq!(push(&mut r, (), &a[2], 1), Ok(None)); // a[1] is lost
        assert_eq!(push(&mut r, (), &b[1], 2), Ok(None));
        assert_eq!(push(&mut r, (), &b[0], 3), Ok(Some(pattern(1800))));
        assert_eq!(r.stats().evicted, 1);
        // The lost fragment arriving late starts a message that cannot complete; it takes no
        // more than its slot.
        assert_eq!(push(&mut r, (), &a[1], 4), Ok(None));
        assert_eq!(r.in_progress(), 1);
    }

    #[test]
    fn eviction_takes_the_oldest_incomplete_message() {
        let a = fragment_packets(&pattern(2500), 1);
        let b = fragment_packets(&pattern(2500), 2);
        let c = fragment_packets(&pattern(2500), 3);
        let mut storage = [0u8; 6000];
        let mut r: Reassembler<'_, (), 2> = Reassembler::new(&mut storage);
        assert_eq!(r.message_capacity(), 3000);
        assert_eq!(push(&mut r, (), &a[0], 10), Ok(None));
        assert_eq!(push(&mut r, (), &b[0], 20), Ok(None));
        // A is older than B: C evicts A.
        assert_eq!(push(&mut r, (), &c[0], 30), Ok(None));
        assert_eq!(r.stats().evicted, 1);
        assert_eq!(r.in_progress(), 2);
        assert_eq!(push(&mut r, (), &b[1], 31), Ok(None));
        assert_eq!(push(&mut r, (), &b[2], 32), Ok(Some(pattern(2500))));
        assert_eq!(push(&mut r, (), &c[2], 33), Ok(None));
        assert_eq!(push(&mut r, (), &c[1], 34), Ok(Some(pattern(2500))));
        // A's remaining fragments start over and never complete.
        assert_eq!(push(&mut r, (), &a[1], 35), Ok(None));
        assert_eq!(push(&mut r, (), &a[2], 36), Ok(None));
        assert_eq!(r.stats().completed, 2);
    }

    #[test]
    fn expiry_follows_the_callers_clock() {
        let a = fragment_packets(&pattern(2500), 1);
        let mut storage = [0u8; 3000];
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage).with_timeout(100);
        assert_eq!(push(&mut r, (), &a[0], 1_000), Ok(None));
        assert_eq!(push(&mut r, (), &a[1], 1_099), Ok(None));
        // A clock going backwards expires nothing.
        assert_eq!(r.expire(0), 0);
        assert_eq!(r.expire(1_099), 0);
        assert_eq!(r.in_progress(), 1);
        // At 1 100 the message is 100 units old: dropped, and a[2] starts a new one.
        match r.push((), &d(&a[2]), 1_100).unwrap() {
            ReassemblyStatus::Incomplete { received, total } => {
                assert_eq!((received, total), (1, 3))
            }
            ReassemblyStatus::Complete(_) => panic!("expired fragments must not complete"),
        }
        assert_eq!(r.stats().expired, 1);
        assert_eq!(r.expire(5_000), 1);
        assert_eq!(r.in_progress(), 0);
        assert_eq!(r.stats().expired, 2);
        // The default timeout.
        let mut storage = [0u8; 3000];
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
        assert_eq!(push(&mut r, (), &a[0], 0), Ok(None));
        assert_eq!(r.expire(REASSEMBLY_TIMEOUT_MS - 1), 0);
        assert_eq!(r.expire(REASSEMBLY_TIMEOUT_MS), 1);
    }

    #[test]
    fn byte_bound_refuses_a_message_too_large_without_disturbing_others() {
        let small = fragment_packets(&pattern(1500), 1);
        let big = fragment_packets(&pattern(4500), 2);
        let mut storage = [0u8; 4000];
        let mut r: Reassembler<'_, (), 2> = Reassembler::new(&mut storage);
        assert_eq!(push(&mut r, (), &small[0], 0), Ok(None));
        // 16 + 4000 bytes needed before the last fragment is known; 2000 per slot.
        assert_eq!(
            push(&mut r, (), &big[0], 0),
            Err(Error::ReassemblyOverflow {
                needed: 4016,
                available: 2000
            })
        );
        assert_eq!(r.stats().evicted, 0);
        assert_eq!(push(&mut r, (), &small[1], 0), Ok(Some(pattern(1500))));
        // The last fragment is counted exactly: 16 + 1000 + 984 fits, 16 + 1000 + 985 does not.
        let fits = fragment_packets(&pattern(1984), 3);
        assert_eq!(push(&mut r, (), &fits[1], 0), Ok(None));
        assert_eq!(push(&mut r, (), &fits[0], 0), Ok(Some(pattern(1984))));
        let over = fragment_packets(&pattern(1985), 4);
        assert_eq!(push(&mut r, (), &over[0], 0), Ok(None));
        assert_eq!(
            push(&mut r, (), &over[1], 0),
            Err(Error::ReassemblyOverflow {
                needed: 2001,
                available: 2000
            })
        );
        // The message that can never fit is dropped with its earlier fragments.
        assert_eq!(r.in_progress(), 0);
        // No slots at all: everything overflows, nothing panics.
        let mut none: [u8; 0] = [];
        let mut r: Reassembler<'_, (), 0> = Reassembler::new(&mut none);
        assert!(matches!(
            push(&mut r, (), &small[0], 0),
            Err(Error::ReassemblyOverflow { .. })
        ));
    }

    #[test]
    fn interleaved_messages_from_two_senders_with_the_same_id() {
        let a = fragment_packets(&pattern(2500), 7);
        let b = fragment_packets(&pattern(2100).iter().map(|x| !x).collect::<Vec<_>>(), 7);
        let mut storage = [0u8; 6000];
        let mut r: Reassembler<'_, u16, 2> = Reassembler::new(&mut storage);
        let mut done = Vec::new();
        for (sender, p) in [
            (1, &a[2]),
            (2, &b[1]),
            (1, &a[0]),
            (2, &b[2]),
            (1, &a[1]),
            (2, &b[0]),
        ] {
            if let ReassemblyStatus::Complete(m) = r.push(sender, &d(p), 0).unwrap() {
                done.push((m.sender, m.payload().to_vec()));
            }
        }
        let b_payload: Vec<u8> = pattern(2100).iter().map(|x| !x).collect();
        assert_eq!(done, [(1, pattern(2500)), (2, b_payload)]);
    }

    #[test]
    fn duplicates_are_refused_and_an_id_reused_restarts() {
        let payload = pattern(2500);
        let packets = fragment_packets(&payload, 1);
        let mut storage = [0u8; 3000];
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
        assert_eq!(push(&mut r, (), &packets[1], 0), Ok(None));
        assert_eq!(
            push(&mut r, (), &packets[1], 0),
            Err(Error::DuplicateFragment { index: 2 })
        );
        assert_eq!(r.in_progress(), 1);
        assert_eq!(push(&mut r, (), &packets[0], 0), Ok(None));
        assert_eq!(push(&mut r, (), &packets[2], 0), Ok(Some(payload)));
        // Same id, same shape, other bytes at a held index: a new message replaced the old one.
        let old = fragment_packets(&pattern(2500), 9);
        let new = fragment_packets(&std::vec![0x42; 2500], 9);
        assert_eq!(push(&mut r, (), &old[0], 0), Ok(None));
        assert_eq!(push(&mut r, (), &old[1], 0), Ok(None));
        assert_eq!(push(&mut r, (), &new[0], 0), Ok(None));
        assert_eq!(r.stats().restarted, 1);
        assert_eq!(push(&mut r, (), &new[2], 0), Ok(None));
        assert_eq!(
            push(&mut r, (), &new[1], 0),
            Ok(Some(std::vec![0x42; 2500]))
        );
        // A different total under the same key restarts too.
        let two = fragment_packets(&pattern(1500), 4);
        let three = fragment_packets(&pattern(2500), 4);
        assert_eq!(push(&mut r, (), &three[0], 0), Ok(None));
        assert_eq!(push(&mut r, (), &two[1], 0), Ok(None));
        assert_eq!(push(&mut r, (), &two[0], 0), Ok(Some(pattern(1500))));
        assert_eq!(r.stats().restarted, 2);
    }

    #[test]
    fn malformed_fragments_are_refused_and_the_message_kept() {
        let a = fragment_packets(&pattern(2500), 1);
        let mut storage = [0u8; 3000];
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
        assert_eq!(push(&mut r, (), &a[0], 0), Ok(None));
        let mut short = d(&a[1]);
        short.payload = &short.payload[..999];
        assert_eq!(
            r.push((), &short, 0),
            Err(Error::FragmentMismatch {
                field: "payloadlen",
                expected: 1000,
                found: 999
            })
        );
        let mut bad = d(&a[1]);
        bad.header.index = 4;
        assert_eq!(
            r.push((), &bad, 0),
            Err(Error::OutOfRange {
                field: "index",
                value: 4
            })
        );
        bad.header.index = 0;
        assert!(matches!(
            r.push((), &bad, 0),
            Err(Error::OutOfRange { field: "index", .. })
        ));
        bad.header.total = 0;
        assert_eq!(
            r.push((), &bad, 0),
            Err(Error::OutOfRange {
                field: "total",
                value: 0
            })
        );
        assert_eq!(push(&mut r, (), &a[1], 0), Ok(None));
        assert_eq!(push(&mut r, (), &a[2], 0), Ok(Some(pattern(2500))));
    }

    #[test]
    fn a_bad_fragment_crc_is_carried_to_the_whole_packet() {
        let a = fragment_packets(&pattern(1500), 1);
        let mut bent = a[1].clone();
        bent[20] ^= 1;
        let mut storage = [0u8; 3000];
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
        let _ = r.push((), &d(&a[0]), 0).unwrap();
        let ReassemblyStatus::Complete(m) = r
            .push((), &parse(&bent, CrcPolicy::Report).unwrap(), 0)
            .unwrap()
        else {
            panic!("expected completion")
        };
        assert_eq!(m.crc_status, CrcStatus::Mismatch);
        assert!(matches!(
            parse(m.packet, CrcPolicy::Verify),
            Err(Error::CrcMismatch { .. })
        ));
        assert!(
            parse(m.packet, CrcPolicy::Report)
                .unwrap()
                .crc_status
                .is_mismatch()
        );
    }

    #[test]
    fn wan_ciphertext_slices_with_the_sdks_empty_last_slice() {
        // The gateway SDK's bug: two or more fragments and the last slice sent empty. The message
        // completes (by count) and is handed on: its opener will fail to unpad it.
        let h = Header::new(Magic::Wan, PacketType::CloudControl, EncType::SessionKey);
        let cipher = pattern(2048);
        let opt = [1u8, 2, 3, 4];
        let mut packets = packets_of(&h, &opt, &cipher, 0x33);
        assert_eq!(packets.len(), 2);
        let mut empty = h;
        (empty.total, empty.index, empty.reserved) = (3, 3, 0x33);
        let mut last = std::vec![0u8; 20];
        emit(&empty, &opt, &[], &mut last).unwrap();
        for p in &mut packets {
            p[10] = 3; // total 3
            let mut v = Packet::new_unchecked(&mut p[..]);
            v.fill_crc().unwrap();
        }
        packets.insert(0, last);
        let mut storage = [0u8; 4096];
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
        assert_eq!(push(&mut r, (), &packets[0], 0), Ok(None));
        assert_eq!(push(&mut r, (), &packets[1], 0), Ok(None));
        assert_eq!(push(&mut r, (), &packets[2], 0), Ok(Some(cipher)));
    }

    #[test]
    fn e17_pieces_are_configurable() {
        let h = scan_header();
        let payload = pattern(2100);
        let packets: Vec<Vec<u8>> = Splitter::with_piece_len(&h, &[], &payload, 1, 1024)
            .unwrap()
            .map(|f| {
                let mut b = std::vec![0u8; f.buffer_len()];
                f.emit(&mut b).unwrap();
                b
            })
            .collect();
        let mut storage = [0u8; 3000];
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
        assert!(matches!(
            push(&mut r, (), &packets[0], 0),
            Err(Error::FragmentMismatch { .. })
        ));
        let mut r: Reassembler<'_, (), 1> =
            Reassembler::new(&mut storage).with_piece_len(Magic::Lan, 1024);
        assert_eq!(push(&mut r, (), &packets[2], 0), Ok(None));
        assert_eq!(push(&mut r, (), &packets[0], 0), Ok(None));
        assert_eq!(push(&mut r, (), &packets[1], 0), Ok(Some(payload)));
    }

    #[test]
    fn single_fragment_message_completes_at_once() {
        let mut h = scan_header();
        h.total = 1;
        h.index = 1;
        let frag = Parsed {
            header: h,
            opt: &[],
            payload: b"{}",
            crc_status: CrcStatus::Verified,
        };
        let mut storage = [0u8; 1000];
        let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
        let ReassemblyStatus::Complete(m) = r.push((), &frag, 0).unwrap() else {
            panic!("expected completion")
        };
        assert_eq!(m.payload(), b"{}");
        assert_eq!(parse(m.packet, CrcPolicy::Verify).unwrap().payload, b"{}");
    }
}
