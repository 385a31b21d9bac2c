//! The device (and gateway) LAN machine (spec 6.3, 8.2).

use core::net::SocketAddr;

use joylink_crypto::{AccessKey, KeyPair, LocalKey, Mode, PublicKey};
use joylink_wire::lan::{Control, SUBDEV_SCRIPT_FIXED_LEN, Style, SubDevScriptControl};
use joylink_wire::{
    BizCode, ControlHeader, CrcPolicy, EncType, HEADER_LEN, Header, Magic, PacketType,
};

use super::fixed::FixedStr;
use super::replay::{ReplayPolicy, ReplayTable};
use super::tx::TxQueue;
use super::{MAX_DATAGRAM, request_enc_type, timestamp_of};
use crate::{DropReason, Error, Instant, Result};

/// How long a request waits for the application's [`Device::respond`] before its slot is freed.
/// The app gives up after 500 ms; a late answer is useless to it.
pub const PENDING_TTL_MS: u64 = 2_000;

/// Largest scan reply the device writes: four 1000-byte fragments (a gateway with its
/// sub-devices). It is written into a buffer of this size on the stack of [`Device::handle`],
/// then split into the transmit queue; a larger reply is not sent ([`Error::Capacity`]).
pub const SCAN_REPLY_CAP: usize = 4_000;

/// Room for an add-sub-device or sub-device authorization answer: the timestamp and
/// `{code, msg, mac, productuuid}` with a mac of 32 and a uuid of 16 characters.
const SUB_REPLY_CAP: usize = 160;

/// `msg` of a write-key success from SDK 2.0.x/2.1 (the vectors' lan-05).
const WRITE_KEY_OK: &str = "write accesskey ok";
/// `msg` of code -2001, spelt as the SDK spells it (lan-06).
const WRITE_KEY_ALREADY_ACTIVATED: &str = "dev is alread actived";
/// `msg` of a sub-device answer (lan-16, lan-18).
const SUB_DEVICE_OK: &str = "success";
/// `msg` of a refused add (a full table).
const SUB_DEVICE_FAILED: &str = "failed";

/// Which scans the device answers (spec 6.3.1 `status`: 0 all, 1 waiting, 2 authorized).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScanPolicy {
    /// What shipped devices do, the default: answer every valid scan whatever its `status`; a
    /// gateway uses `status` only to choose which sub-devices it lists.
    #[default]
    AnswerAll,
    /// The spec's reading: `status` 1 is answered only before activation, 2 only after.
    Status,
}

/// What the device tells about itself in a scan reply (spec 6.3.1); fixed product settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    /// MAC address text, e.g. `EA2D9AB01132`.
    pub mac: FixedStr<32>,
    /// Product uuid.
    pub productuuid: FixedStr<16>,
    /// `CID`.
    pub cid: FixedStr<16>,
    /// `firmwareVersion`.
    pub firmware_version: FixedStr<32>,
    /// `modelCode`.
    pub model_code: FixedStr<64>,
    /// `joySdkVersion` (empty: not sent, as before SDK 2.0.12).
    pub joy_sdk_version: FixedStr<16>,
    /// `lancon`: 1 when LAN control is allowed.
    pub lancon: i32,
    /// `trantype`.
    pub trantype: i32,
    /// `devtype` (0 device, 1 gateway).
    pub devtype: i32,
    /// `noSnapshot`.
    pub no_snapshot: i32,
    /// `batchBind`.
    pub batch_bind: i32,
}

/// The keys an authorization (type 2) installed; the application persists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    /// The device's feedid.
    #[doc(alias = "feedid")]
    pub feed_id: FixedStr<32>,
    /// The cloud accesskey.
    pub accesskey: AccessKey,
    /// The LAN localkey.
    pub localkey: LocalKey,
    /// `joylink_server[0]`, `host:port` (shipped devices use only the first element).
    pub server: FixedStr<64>,
}

/// Identifies a request waiting for [`Device::respond`]: a number that is never 0 and not reused
/// while a request could still wait (it counts up). A binding that hands ids across a language
/// boundary (the C ABI) passes the number and turns it back with [`RequestId::from_raw`]; an id
/// the machine does not know, or no longer knows, is refused by `respond` ([`Error::State`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId(u32);

impl RequestId {
    /// The id as a number (never 0).
    #[must_use]
    pub const fn to_raw(self) -> u32 {
        self.0
    }

    /// The id [`RequestId::to_raw`] gave.
    #[must_use]
    pub const fn from_raw(raw: u32) -> Self {
        Self(raw)
    }
}

/// What a request asks for; decides how [`Device::respond`] frames the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// JSON control or snapshot (type 3, or 103 for a sub-device when `sub_device`): `body` is
    /// the JSON (`cmd` 4 snapshot, 5 control); the answer is JSON, sent as type 4.
    Json {
        /// `true` for type 103 (the JSON names the sub-device's `feedid`).
        sub_device: bool,
    },
    /// Script control (type 4): `body` is `cmd[]`; the answer is the snapshot JSON.
    Script {
        /// The request's biz_code.
        biz_code: BizCode,
        /// The request's serial (echoed).
        serial: u32,
    },
    /// Sub-device script control (type 104): `body` is the inner `cmd[]`, already opened with
    /// the sub-device's key.
    SubScript {
        /// The request's biz_code.
        biz_code: BizCode,
        /// The request's serial (echoed).
        serial: u32,
        /// The sub-device's slot in the table.
        sub_device: usize,
    },
}

/// A request for the application, borrowing the decrypted datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// Pass to [`Device::respond`].
    pub id: RequestId,
    /// The sender.
    pub peer: SocketAddr,
    /// What it asks for.
    pub kind: RequestKind,
    /// The body after the timestamp (and fixed fields).
    pub body: &'a [u8],
}

/// What [`Device::handle`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// A request the application answers with [`Device::respond`].
    Request(Request<'a>),
    /// The device was authorized: persist these keys.
    Activated(Activation),
    /// A gateway added a sub-device (type 105) to its table.
    SubDeviceAdded {
        /// Its slot.
        index: usize,
    },
    /// A gateway stored a sub-device's keys (type 102): persist them.
    SubDeviceAuthorized {
        /// Its slot.
        index: usize,
    },
}

/// A sub-device's authorization state in a gateway's table (spec 6.3.1 `state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubDeviceState {
    /// Added, waiting for its keys (1).
    Waiting,
    /// Keys stored (0).
    Authorized,
}

/// One row of a gateway's sub-device table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubDeviceEntry {
    /// MAC.
    pub mac: FixedStr<32>,
    /// Product uuid.
    pub productuuid: FixedStr<16>,
    /// Radio protocol (0 Wi-Fi, 1 Zigbee, 2 Bluetooth, 3 433 MHz).
    pub protocol: i32,
    /// Authorization state.
    pub state: SubDeviceState,
    /// Feedid (empty while waiting).
    #[doc(alias = "feedid")]
    pub feed_id: FixedStr<32>,
    /// The sub-device's localkey (inner layer of type 104).
    pub localkey: Option<LocalKey>,
    /// The sub-device's accesskey.
    pub accesskey: Option<AccessKey>,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    id: RequestId,
    peer: SocketAddr,
    kind: RequestKind,
    deadline: Instant,
}

/// The device's LAN endpoint; with `SUBS > 0` a gateway (see [`Gateway`]).
///
/// Capacities are const generics so the machine needs no allocator: `PEERS` peers tracked for
/// replays, `PENDING` requests waiting for the application, `TX` queued datagrams of at most
/// [`MAX_DATAGRAM`] bytes, `SUBS` sub-devices. With the defaults
/// (`Device` = `Device<8, 4, 4, 0>`) the machine takes **6 896 bytes** on x86-64, 5 600 of them
/// the transmit queue (4 × 1400); a [`Gateway`] (`Device<8, 4, 4, 8>`) takes 8 144 bytes
/// (`size_of`, printed and bounded by this module's tests: `cargo test -p joylink-session
/// --lib state_size -- --nocapture`).
///
/// # Why `handle` returns the event instead of queueing it for a `poll_event`
/// The event of a datagram comes back from [`Device::handle`] itself, and an
/// [`Event::Request`] borrows the datagram the caller handed in, decrypted in place:
/// - **zero copy**: the request body is read where it was received, never copied;
/// - **no body buffer in the machine**: a queue of events that outlive the call would have to
///   own their bodies, i.e. `PENDING` × [`MAX_DATAGRAM`] more bytes of a firmware's RAM for
///   what the caller's receive buffer already holds;
/// - **nothing to queue**: one datagram raises at most one event, and nothing but a datagram
///   raises one ([`Device::handle_timeout`] only frees request slots), so a return value
///   carries every event there is.
///
/// The WAN machines differ on both counts, which is why they do queue: one chunk of stream
/// bytes may hold several packets, so their requests reach a callback per packet (still
/// borrowing the framer's buffer, not queued), and their state events (authenticated, replay
/// dropped, timer fired, ...) also come from timeouts, not only from input, and outlive the
/// chunk that caused them; those are small owned values in a fixed queue (`poll_event`).
///
/// A reply that needs more than `TX` datagrams (a scan reply of a gateway with many
/// sub-devices, cut into 1000-byte fragments) is not sent whole: size `TX` for the largest scan
/// reply (at most [`SCAN_REPLY_CAP`] bytes).
///
/// # No allocator on the whole LAN flow
/// Discovery (1), authorization (2), JSON control and snapshot (3, 103), add sub-device (105)
/// and sub-device authorization (102) run without `alloc`: their JSON is read in place and
/// written into fixed buffers with joylink-wire's LAN documents in their `JsonCore` flavor
/// (`lan::core_json::parse`/`emit`; the same definitions the `json` feature reads with
/// serde_json, proven byte-equal under both serializers on the golden vectors), so a `no_std` firmware (and the C ABI) is
/// discovered and activated like any device. A scan reply is written into a
/// [`SCAN_REPLY_CAP`]-byte buffer on the stack of [`Device::handle`], the other answers into
/// buffers of at most [`MAX_DATAGRAM`] bytes. A string the device reads (feedid, keys, server,
/// MAC, uuid) that holds a JSON escape is refused ([`Error::Dropped`] with
/// [`DropReason::Malformed`], nothing stored, nothing
/// sent): shipped apps never escape these hex, digit and `host:port` strings, and taking one
/// with its backslashes would store a wrong key.
///
/// ```
/// use joylink_crypto::KeyPair;
/// use joylink_session::lan::{Device, DeviceInfo, SocketAddr};
/// use joylink_session::Instant;
/// # struct Rng(u64);
/// # impl rand_core::TryRng for Rng { type Error = core::convert::Infallible;
/// #   fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(self.try_next_u64()? as u32) }
/// #   fn try_next_u64(&mut self) -> Result<u64, Self::Error> { self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1); Ok(self.0) }
/// #   fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> { for b in d { *b = self.try_next_u64()? as u8 } Ok(()) } }
/// # impl rand_core::TryCryptoRng for Rng {}
/// let mut device: Device = Device::new(KeyPair::generate(&mut Rng(1)), DeviceInfo::default());
/// let mut garbage = *b"not a joylink packet";
/// let from: SocketAddr = "192.168.1.9:4000".parse()?;
/// assert!(device.handle(Instant(0), from, &mut garbage).is_err());
/// let mut out = [0u8; 1400];
/// assert_eq!(device.poll_transmit(&mut out), None); // nothing answers garbage
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Device<
    const PEERS: usize = 8,
    const PENDING: usize = 4,
    const TX: usize = 4,
    const SUBS: usize = 0,
> {
    key_pair: KeyPair,
    info: DeviceInfo,
    activation: Option<Activation>,
    /// The localkey's schedules, expanded once per activation (`sealing::PREPARED_KEYS`).
    local: crate::sealing::LocalSchedules,
    replay: ReplayTable<PEERS>,
    scan_policy: ScanPolicy,
    pending: [Option<Pending>; PENDING],
    next_id: u32,
    tx: TxQueue<TX>,
    subs: [Option<SubDeviceEntry>; SUBS],
    message_id: u8,
    last_ts: u32,
    write_key_repeats: u8,
}

/// A gateway: the device machine with a table of 8 sub-devices (spec chapter 8).
pub type Gateway<const SUBS: usize = 8> = Device<8, 4, 4, SUBS>;

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize> core::fmt::Debug
    for Device<PEERS, PENDING, TX, SUBS>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Device")
            .field("info", &self.info)
            .field("activation", &self.activation)
            .field("queued", &self.tx.len())
            .finish_non_exhaustive()
    }
}

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize>
    Device<PEERS, PENDING, TX, SUBS>
{
    /// A device that is not activated yet. `key_pair` is its secp160r1 pair (shipped devices make
    /// a new one at every boot; its public key is the `devkey` of the scan reply).
    #[must_use]
    pub fn new(key_pair: KeyPair, info: DeviceInfo) -> Self {
        Self {
            key_pair,
            info,
            activation: None,
            local: crate::sealing::LocalSchedules::default(),
            replay: ReplayTable::new(ReplayPolicy::default()),
            scan_policy: ScanPolicy::default(),
            pending: [None; PENDING],
            next_id: 0,
            tx: TxQueue::new(),
            subs: [const { None }; SUBS],
            message_id: 0,
            last_ts: 0,
            // Shipped devices (2.0.9+) send the write-key and sub-auth answers 3 times.
            write_key_repeats: 3,
        }
    }

    /// Restores persisted keys (after a reboot).
    pub fn set_activation(&mut self, activation: Option<Activation>) {
        self.local.set(activation.as_ref().map(|a| &a.localkey));
        self.activation = activation;
    }

    /// The installed keys.
    #[must_use]
    pub const fn activation(&self) -> Option<&Activation> {
        self.activation.as_ref()
    }

    /// Chooses the replay rule (default [`ReplayPolicy::Increasing`]); forgets every peer.
    pub fn set_replay_policy(&mut self, policy: ReplayPolicy) {
        self.replay = ReplayTable::new(policy);
    }

    /// Chooses which scans are answered (default [`ScanPolicy::AnswerAll`]).
    pub fn set_scan_policy(&mut self, policy: ScanPolicy) {
        self.scan_policy = policy;
    }

    /// The device's public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        self.key_pair.public_key()
    }

    /// The sub-device table (empty for a plain device).
    pub fn sub_devices(&self) -> impl Iterator<Item = (usize, &SubDeviceEntry)> {
        self.subs
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
    }

    /// Restores or removes a sub-device row.
    ///
    /// # Errors
    /// [`Error::Capacity`] for an index at or beyond `SUBS`.
    pub fn set_sub_device(&mut self, index: usize, entry: Option<SubDeviceEntry>) -> Result<()> {
        *self.subs.get_mut(index).ok_or(Error::Capacity)? = entry;
        Ok(())
    }

    /// The next datagram to send, copied into `buf` (at least [`MAX_DATAGRAM`] bytes is always
    /// enough); `None` when nothing is queued or `buf` is too small for the next one.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(SocketAddr, usize)> {
        self.tx.pop(buf)
    }

    /// The next deadline: the oldest unanswered request's expiry.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.iter().flatten().map(|p| p.deadline).min()
    }

    /// Frees the slots of requests the application did not answer in time.
    pub fn handle_timeout(&mut self, now: Instant) {
        for p in &mut self.pending {
            if p.is_some_and(|p| p.deadline <= now) {
                *p = None;
            }
        }
    }

    /// Requests waiting for [`Device::respond`].
    #[must_use]
    pub fn pending_requests(&self) -> usize {
        self.pending.iter().flatten().count()
    }

    /// Handles one received datagram (decrypted in place in `datagram`).
    ///
    /// # Errors
    /// [`Error::Wire`] / [`Error::Crypto`] for a packet that does not decode or open (an invalid
    /// public key in a type 2/102 `opt` included), [`Error::Dropped`] for one a rule drops, with
    /// its [`DropReason`] (`Replayed` timestamp, `EncTypeNotAllowed` for its type,
    /// `NotActivated`, `UnknownDevice` for a sub-device, ...),
    /// [`Error::Capacity`] when no request slot is free. Nothing is sent in any of these cases.
    pub fn handle<'a>(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &'a mut [u8],
    ) -> Result<Option<Event<'a>>> {
        let header = joylink_wire::parse(datagram, CrcPolicy::Verify)?.header;
        if header.magic != Magic::Lan {
            return Err(Error::Dropped(DropReason::Unsupported));
        }
        if header.total != 0 {
            // No shipped device reassembles fragments it receives.
            return Err(Error::Dropped(DropReason::Fragment));
        }
        if header.enc_type != request_enc_type(header.packet_type) {
            return Err(Error::Dropped(DropReason::EncTypeNotAllowed));
        }
        match header.packet_type {
            PacketType::Scan => self.on_scan(from, datagram).map(|()| None),
            PacketType::WriteKey => self.on_write_key(now, from, datagram),
            PacketType::JsonControl | PacketType::SubDevJsonControl => {
                let sub = header.packet_type == PacketType::SubDevJsonControl;
                if sub && SUBS == 0 {
                    return Err(Error::Dropped(DropReason::Unsupported));
                }
                let (ts, body) = self.open_local(datagram)?;
                self.check_replay(from, ts, now)?;
                let kind = RequestKind::Json { sub_device: sub };
                self.new_request(now, from, kind, body).map(Some)
            }
            PacketType::AddSubDev if SUBS > 0 => self.on_add_sub(now, from, datagram),
            PacketType::SubDevAuth if SUBS > 0 => self.on_sub_auth(now, from, datagram),
            PacketType::ScriptControl => {
                let (ts, body) = self.open_local_payload(datagram)?;
                let c = Control::parse(body)?;
                self.check_replay(from, ts, now)?;
                let kind = RequestKind::Script {
                    biz_code: c.biz_code,
                    serial: c.serial,
                };
                self.new_request(now, from, kind, c.data).map(Some)
            }
            PacketType::SubDevScriptControl if SUBS > 0 => self.on_sub_script(now, from, datagram),
            _ => Err(Error::Dropped(DropReason::Unsupported)),
        }
    }

    /// The timestamp of the next answer: the clock in seconds, but strictly increasing, so an
    /// app can drop a replayed answer by its timestamp even when two answers leave in the same
    /// second (a JSON answer carries nothing else that binds it to its request).
    fn next_ts(&mut self, now: Instant) -> u32 {
        let ts = timestamp_of(now).max(self.last_ts.wrapping_add(1));
        self.last_ts = ts;
        ts
    }

    fn check_replay(&mut self, from: SocketAddr, ts: u32, now: Instant) -> Result<()> {
        if self.replay.accept(from, ts, now) {
            Ok(())
        } else {
            Err(Error::Dropped(DropReason::Replayed))
        }
    }

    /// The mode of localkey packets (the kept schedules where keys are prepared). Borrows only
    /// the two fields, so that the transmit queue stays free to borrow mutably.
    fn local_mode<'s>(
        activation: &'s Option<Activation>,
        local: &'s crate::sealing::LocalSchedules,
    ) -> Result<Mode<'s>> {
        activation
            .as_ref()
            .map(|a| local.mode(&a.localkey))
            .ok_or(Error::Dropped(DropReason::NotActivated))
    }

    /// Opens a localkey packet; returns the timestamp and the body after it.
    fn open_local<'a>(&self, datagram: &'a mut [u8]) -> Result<(u32, &'a [u8])> {
        let mode = Self::local_mode(&self.activation, &self.local)?;
        let o = crate::sealing::open_plain(datagram, &mode, true)?;
        let plaintext: &'a [u8] = o.plaintext;
        crate::sealing::split_ts(plaintext)
    }

    /// Opens a localkey packet; returns the timestamp and the whole plaintext (binary bodies
    /// whose first field is the timestamp).
    fn open_local_payload<'a>(&self, datagram: &'a mut [u8]) -> Result<(u32, &'a [u8])> {
        let mode = Self::local_mode(&self.activation, &self.local)?;
        let o = crate::sealing::open_plain(datagram, &mode, true)?;
        let (ts, _) = crate::sealing::split_ts(o.plaintext)?;
        Ok((ts, o.plaintext))
    }

    fn new_request<'a>(
        &mut self,
        now: Instant,
        peer: SocketAddr,
        kind: RequestKind,
        body: &'a [u8],
    ) -> Result<Event<'a>> {
        let slot = self
            .pending
            .iter_mut()
            .find(|p| p.is_none())
            .ok_or(Error::Capacity)?;
        // Never 0 (a C caller's "no request"), skipped when the counter wraps.
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let id = RequestId(self.next_id);
        *slot = Some(Pending {
            id,
            peer,
            kind,
            deadline: now.add_millis(PENDING_TTL_MS),
        });
        Ok(Event::Request(Request {
            id,
            peer,
            kind,
            body,
        }))
    }

    /// Answers a request: the answer's timestamp is `now` in seconds (the caller's clock
    /// origin), made strictly increasing per device. `body` is the JSON answer (types 3/103, sent as type 4 like shipped
    /// devices) or the snapshot JSON (types 4 and 104, framed with the response biz_code and the
    /// request's serial; 104 in the spec layout with the inner layer under the sub-device's key).
    ///
    /// # Errors
    /// [`Error::State`] for an unknown or expired `id` (nothing sent), [`Error::Crypto`] when the
    /// answer does not fit one datagram, [`Error::Capacity`] when the transmit queue is full.
    pub fn respond(&mut self, id: RequestId, now: Instant, body: &[u8]) -> Result<()> {
        let slot = self
            .pending
            .iter_mut()
            .find(|p| p.is_some_and(|p| p.id == id))
            .ok_or(Error::State("no such request"))?;
        let Some(p) = slot.take() else {
            return Err(Error::State("no such request"));
        };
        let ts = self.next_ts(now);
        let mode = Self::local_mode(&self.activation, &self.local)?;
        let mut plain = [0u8; MAX_DATAGRAM];
        let plain_len = match p.kind {
            RequestKind::Json { .. } => {
                put(&mut plain, 0, &ts.to_le_bytes())?;
                put(&mut plain, 4, body)?
            }
            // `control_resp` (spec 6.3.4): the one control-style layout, written by wire.
            RequestKind::Script { biz_code, serial } => {
                ControlHeader::new(ts, biz_code.response(), serial).emit(body, &mut plain)?
            }
            RequestKind::SubScript {
                biz_code,
                serial,
                sub_device,
            } => {
                let sub = self
                    .subs
                    .get(sub_device)
                    .and_then(Option::as_ref)
                    .ok_or(Error::State("sub-device removed"))?;
                let inner_key = sub.localkey.clone().ok_or(Error::State("no sub key"))?;
                // Spec 6.3.8: the control header, then the 32-byte feedid field.
                ControlHeader::new(ts, biz_code.response(), serial)
                    .emit(sub.feed_id.as_str().as_bytes(), &mut plain)?;
                let region = plain
                    .get_mut(SUBDEV_SCRIPT_FIXED_LEN..)
                    .ok_or(Error::Capacity)?;
                put(region, 0, body)?;
                let n = Mode::LocalKey(&inner_key).seal_in_place(region, body.len())?;
                SUBDEV_SCRIPT_FIXED_LEN.saturating_add(n)
            }
        };
        let packet_type = match p.kind {
            RequestKind::SubScript { .. } => PacketType::SubDevScriptControl,
            _ => PacketType::ScriptControl,
        };
        let header = Header::new(Magic::Lan, packet_type, EncType::PreShared);
        let plaintext = plain.get(..plain_len).unwrap_or_default();
        let queued = self.tx.push_with(p.peer, |buf| {
            crate::sealing::seal_plain(&header, &mode, &[], plaintext, buf)
        })?;
        if queued { Ok(()) } else { Err(Error::Capacity) }
    }

    fn on_sub_script<'a>(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &'a mut [u8],
    ) -> Result<Option<Event<'a>>> {
        let mode = Self::local_mode(&self.activation, &self.local)?;
        let opened = crate::sealing::open_plain(datagram, &mode, true)?;
        let start = HEADER_LEN.saturating_add(usize::from(opened.header.opt_len));
        let plain_len = opened.plaintext.len();
        let c = SubDevScriptControl::parse(opened.plaintext)?;
        let (ts, biz_code, serial) = (c.timestamp, c.biz_code, c.serial);
        let feedid = c.feed_id;
        let index = self
            .subs
            .iter()
            .position(|s| {
                s.as_ref().is_some_and(|s| {
                    s.state == SubDeviceState::Authorized
                        && feedid.to_str().ok() == Some(s.feed_id.as_str())
                })
            })
            .ok_or(Error::Dropped(DropReason::UnknownDevice))?;
        let inner_key = self
            .subs
            .get(index)
            .and_then(Option::as_ref)
            .and_then(|s| s.localkey.clone())
            .ok_or(Error::Dropped(DropReason::UnknownDevice))?;
        let inner = datagram
            .get_mut(start.saturating_add(SUBDEV_SCRIPT_FIXED_LEN)..start.saturating_add(plain_len))
            .ok_or(Error::Dropped(DropReason::Malformed))?;
        let cmd = Mode::LocalKey(&inner_key).open_in_place(inner)?;
        self.check_replay(from, ts, now)?;
        let kind = RequestKind::SubScript {
            biz_code,
            serial,
            sub_device: index,
        };
        self.new_request(now, from, kind, cmd).map(Some)
    }

    /// Queues `payload` (clear, enctype 0) `repeats` times, fragmenting above 1000 bytes.
    fn queue_clear(
        &mut self,
        to: SocketAddr,
        packet_type: PacketType,
        payload: &[u8],
        repeats: u8,
    ) -> Result<()> {
        let header = Header::new(Magic::Lan, packet_type, EncType::None);
        self.message_id = self.message_id.wrapping_add(1);
        let splitter = joylink_wire::Splitter::new(&header, &[], payload, self.message_id)?;
        for _ in 0..repeats {
            for f in splitter.clone() {
                if !self.tx.push_with(to, |buf| f.emit(buf))? {
                    return Err(Error::Capacity);
                }
            }
        }
        Ok(())
    }

    /// Spec 6.3.1: answers a scan with the device record (and a gateway's sub-devices).
    fn on_scan(&mut self, from: SocketAddr, datagram: &mut [u8]) -> Result<()> {
        use joylink_wire::lan::{
            DevType, JsonCore, LanControl, ScanRequest, ScanResponse, Seq, SubDevAuthState,
            SubDevProtocol, SubDevice, Text, TranType, core_json,
        };
        let opened = crate::sealing::open_plain(datagram, &Mode::None, false)?;
        // Shipped devices answer only valid JSON.
        let req: ScanRequest<'_, JsonCore> = core_json::parse(opened.plaintext)
            .map_err(|_| Error::Dropped(DropReason::Malformed))?;
        let status = req.status.map_or(0, |s| s.value());
        let activated = self.activation.is_some();
        if self.scan_policy == ScanPolicy::Status
            && ((status == 1 && activated) || (status == 2 && !activated))
        {
            return Err(Error::Dropped(DropReason::Unexpected));
        }
        let devkey = self.key_pair.public_key().to_devkey();
        let feedid = self
            .activation
            .as_ref()
            .map(|a| a.feed_id)
            .unwrap_or_default();
        let info = &self.info;
        let listed = move |s: &&SubDeviceEntry| match status {
            1 => s.state == SubDeviceState::Waiting,
            2 => s.state == SubDeviceState::Authorized,
            _ => true,
        };
        let subs = self.subs.iter().flatten().filter(listed);
        let subdev = subs.clone().map(|s| SubDevice::<JsonCore> {
            state: match s.state {
                SubDeviceState::Waiting => SubDevAuthState::Waiting,
                SubDeviceState::Authorized => SubDevAuthState::Authorized,
            },
            protocol: SubDevProtocol::from(s.protocol),
            mac: Text(s.mac.as_str()),
            productuuid: Text(s.productuuid.as_str()),
            lancon: LanControl::Enabled,
            trantype: TranType::from(info.trantype),
            feed_id: Text(s.feed_id.as_str()),
            devkey: None,
            dev_auth_value: None,
            sub_no_snapshot: None,
            cid: None,
            firmware_version: None,
            model_code: None,
            dbg: None,
            devtype: None,
        });
        let sdk = (!info.joy_sdk_version.is_empty()).then_some(());
        fn text(s: &str) -> Option<Text<'_>> {
            Some(Text(s))
        }
        let reply = ScanResponse::<JsonCore, _> {
            code: Some(0),
            msg: text(ScanResponse::SCAN_OK),
            devkey: text(devkey.as_str()),
            feed_id: text(feedid.as_str()),
            lancon: Some(LanControl::from(info.lancon)),
            trantype: Some(TranType::from(info.trantype)),
            devtype: Some(DevType::from(info.devtype)),
            cid: text(info.cid.as_str()),
            firmware_version: text(info.firmware_version.as_str()),
            model_code: text(info.model_code.as_str()),
            joy_sdk_version: sdk.map(|()| Text(info.joy_sdk_version.as_str())),
            no_snapshot: sdk.map(|()| info.no_snapshot),
            batch_bind: sdk.map(|()| info.batch_bind),
            subdev: (SUBS > 0 && subs.clone().next().is_some()).then_some(Seq(subdev)),
            ..ScanResponse::with_flavor(info.mac.as_str(), info.productuuid.as_str())
        };
        let mut payload = [0u8; SCAN_REPLY_CAP];
        let n = core_json::emit(&reply, Style::Cjson, &mut payload).map_err(|_| Error::Capacity)?;
        self.queue_clear(
            from,
            PacketType::Scan,
            payload.get(..n).unwrap_or_default(),
            1,
        )
    }

    /// Opens an ECDH request (types 2, 102): the peer's key in `opt` must be a valid point.
    /// Returns the timestamp and the whole plaintext (timestamp included).
    fn open_ecdh<'a>(&self, datagram: &'a mut [u8]) -> Result<(u32, &'a [u8])> {
        let decoded = joylink_wire::parse(datagram, CrcPolicy::Verify)?;
        let peer = PublicKey::from_bytes(decoded.opt)?;
        let secret = self.key_pair.private_key().diffie_hellman(&peer);
        let o = crate::sealing::open_plain(datagram, &Mode::Ecdh(&secret), true)?;
        let (ts, _) = crate::sealing::split_ts(o.plaintext)?;
        Ok((ts, o.plaintext))
    }

    /// Spec 6.3.2: stores the keys and answers (enctype 0, no timestamp, 3 times).
    fn on_write_key<'a>(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &'a mut [u8],
    ) -> Result<Option<Event<'a>>> {
        use joylink_wire::lan::{JsonCore, Text, WriteKeyRequest, WriteKeyResponse, core_json};
        let (ts, plaintext) = self.open_ecdh(datagram)?;
        let req: WriteKeyRequest<'_, JsonCore> =
            core_json::parse(plaintext.get(4..).unwrap_or_default())
                .map_err(|_| Error::Dropped(DropReason::Malformed))?;
        let data = &req.data;
        let localkey: LocalKey = data.localkey.raw_secret_str().parse()?;
        let accesskey: AccessKey = data.accesskey.raw_secret_str().parse()?;
        let feedid =
            FixedStr::new(data.feed_id.as_str()).ok_or(Error::Dropped(DropReason::Malformed))?;
        let server = data.server().and_then(FixedStr::new).unwrap_or_default();
        self.check_replay(from, ts, now)?;
        let activation = Activation {
            feed_id: feedid,
            accesskey,
            localkey,
            server,
        };
        let repeats = self.write_key_repeats;
        let mut payload = [0u8; 64];
        if let Some(current) = &self.activation
            && current != &activation
        {
            // Shipped devices refuse new keys while activated (the app must reset it first).
            let reply = WriteKeyResponse::<JsonCore> {
                code: -2001,
                msg: Text(WRITE_KEY_ALREADY_ACTIVATED),
            };
            let n = core_json::emit(&reply, Style::Sprintf, &mut payload)?;
            self.queue_clear(
                from,
                PacketType::WriteKey,
                payload.get(..n).unwrap_or_default(),
                repeats,
            )?;
            return Err(Error::Dropped(DropReason::AlreadyActivated));
        }
        let reply = WriteKeyResponse::<JsonCore> {
            code: 0,
            msg: Text(WRITE_KEY_OK),
        };
        let n = core_json::emit(&reply, Style::Sprintf, &mut payload)?;
        self.queue_clear(
            from,
            PacketType::WriteKey,
            payload.get(..n).unwrap_or_default(),
            repeats,
        )?;
        if self.activation.is_some() {
            // The app's retry after a lost answer: answered again, reported once.
            return Ok(None);
        }
        self.local.set(Some(&activation.localkey));
        self.activation = Some(activation.clone());
        Ok(Some(Event::Activated(activation)))
    }

    /// Spec 6.3.5: adds a sub-device to the table and answers with its mac and uuid.
    fn on_add_sub<'a>(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &'a mut [u8],
    ) -> Result<Option<Event<'a>>> {
        use joylink_wire::lan::{AddSubDevRequest, JsonCore, SubDevResponse, Text, core_json};
        let (ts, plaintext) = self.open_local_payload(datagram)?;
        let req: AddSubDevRequest<'_, JsonCore> =
            core_json::parse(plaintext.get(4..).unwrap_or_default())
                .map_err(|_| Error::Dropped(DropReason::Malformed))?;
        self.check_replay(from, ts, now)?;
        let d = &req.data;
        let mac = FixedStr::new(d.mac.as_str()).ok_or(Error::Dropped(DropReason::Malformed))?;
        let productuuid =
            FixedStr::new(d.productuuid.as_str()).ok_or(Error::Dropped(DropReason::Malformed))?;
        let existing = self
            .subs
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.mac == mac));
        let index = existing.or_else(|| self.subs.iter().position(Option::is_none));
        if let Some(i) = index
            && existing.is_none()
            && let Some(slot) = self.subs.get_mut(i)
        {
            *slot = Some(SubDeviceEntry {
                mac,
                productuuid,
                protocol: d.protocol.value(),
                state: SubDeviceState::Waiting,
                feed_id: FixedStr::EMPTY,
                localkey: None,
                accesskey: None,
            });
        }
        let (code, msg) = match index {
            Some(_) => (0, SUB_DEVICE_OK),
            None => (-1, SUB_DEVICE_FAILED),
        };
        let reply = SubDevResponse::<JsonCore> {
            code: Some(code),
            msg: Some(Text(msg)),
            mac: d.mac,
            productuuid: d.productuuid,
        };
        let mut payload = [0u8; SUB_REPLY_CAP];
        let ts = self.next_ts(now);
        put(&mut payload, 0, &ts.to_le_bytes())?;
        let n = core_json::emit(
            &reply,
            Style::Cjson,
            payload.get_mut(4..).unwrap_or_default(),
        )?;
        let payload = payload.get(..n.saturating_add(4)).unwrap_or_default();
        let mode = Self::local_mode(&self.activation, &self.local)?;
        let header = Header::new(Magic::Lan, PacketType::AddSubDev, EncType::PreShared);
        let queued = self.tx.push_with(from, |buf| {
            crate::sealing::seal_plain(&header, &mode, &[], payload, buf)
        })?;
        if !queued {
            return Err(Error::Capacity);
        }
        Ok(match (index, existing) {
            (Some(index), None) => Some(Event::SubDeviceAdded { index }),
            _ => None,
        })
    }

    /// Spec 6.3.6: stores a sub-device's keys (ECDH request, clear answer without timestamp).
    /// An unknown mac gets no answer at all.
    fn on_sub_auth<'a>(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &'a mut [u8],
    ) -> Result<Option<Event<'a>>> {
        use joylink_wire::lan::{JsonCore, SubDevAuthRequest, SubDevResponse, Text, core_json};
        let (ts, plaintext) = self.open_ecdh(datagram)?;
        let req: SubDevAuthRequest<'_, JsonCore> =
            core_json::parse(plaintext.get(4..).unwrap_or_default())
                .map_err(|_| Error::Dropped(DropReason::Malformed))?;
        let d = &req.data;
        let index = self
            .subs
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.mac.as_str() == d.mac.as_str()))
            .ok_or(Error::Dropped(DropReason::UnknownDevice))?;
        let localkey: LocalKey = d.localkey.raw_secret_str().parse()?;
        let accesskey: AccessKey = d.accesskey.raw_secret_str().parse()?;
        let feedid =
            FixedStr::new(d.feed_id.as_str()).ok_or(Error::Dropped(DropReason::Malformed))?;
        self.check_replay(from, ts, now)?;
        if let Some(Some(s)) = self.subs.get_mut(index) {
            s.feed_id = feedid;
            s.localkey = Some(localkey);
            s.accesskey = Some(accesskey);
            s.state = SubDeviceState::Authorized;
        }
        let reply = SubDevResponse::<JsonCore> {
            code: Some(0),
            msg: Some(Text(SUB_DEVICE_OK)),
            mac: d.mac,
            productuuid: d.productuuid,
        };
        let mut payload = [0u8; SUB_REPLY_CAP];
        let n = core_json::emit(&reply, Style::Cjson, &mut payload)?;
        let repeats = self.write_key_repeats;
        self.queue_clear(
            from,
            PacketType::SubDevAuth,
            payload.get(..n).unwrap_or_default(),
            repeats,
        )?;
        Ok(Some(Event::SubDeviceAuthorized { index }))
    }
}

/// Copies `data` into `buf` at `at`; returns the end offset.
fn put(buf: &mut [u8], at: usize, data: &[u8]) -> Result<usize> {
    let end = at.checked_add(data.len()).ok_or(Error::Capacity)?;
    buf.get_mut(at..end)
        .ok_or(Error::Crypto(joylink_crypto::Error::BufferTooSmall {
            needed: end,
            available: MAX_DATAGRAM,
        }))?
        .copy_from_slice(data);
    Ok(end)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use joylink_test_vectors::TestRng;

    fn activated() -> Device {
        let mut d: Device = Device::new(KeyPair::generate(&mut TestRng(3)), DeviceInfo::default());
        d.set_activation(Some(Activation {
            feed_id: FixedStr::new("1").unwrap(),
            accesskey: "961745eaa28c7ff6854b94a91ce19a91".parse().unwrap(),
            localkey: "be4d957a4da771d609ab383e548014a0".parse().unwrap(),
            server: FixedStr::EMPTY,
        }));
        d
    }

    fn peer() -> SocketAddr {
        SocketAddr::from(([10, 0, 0, 2], 5000))
    }

    fn sealed(packet_type: PacketType, plaintext: &[u8], out: &mut [u8]) -> usize {
        let key: LocalKey = "be4d957a4da771d609ab383e548014a0".parse().unwrap();
        let header = Header::new(Magic::Lan, packet_type, EncType::PreShared);
        crate::sealing::seal_plain(&header, &Mode::LocalKey(&key), &[], plaintext, out).unwrap()
    }

    /// Script control needs no allocator: request, answer, and the answer's framing.
    #[test]
    fn script_control_round_trip() {
        let mut d = activated();
        let mut buf = [0u8; 128];
        let plain = [7, 0, 0, 0, 0xea, 0x03, 0, 0, 9, 0, 0, 0, b'g', b'o'];
        let n = sealed(PacketType::ScriptControl, &plain, &mut buf);
        let ev = d.handle(Instant(5_000), peer(), &mut buf[..n]).unwrap();
        let Some(Event::Request(r)) = ev else {
            panic!("{ev:?}")
        };
        assert_eq!(r.body, b"go");
        assert_eq!(
            r.kind,
            RequestKind::Script {
                biz_code: BizCode::Control,
                serial: 9
            }
        );
        let id = r.id;
        assert_eq!(d.poll_timeout(), Some(Instant(5_000 + PENDING_TTL_MS)));
        d.respond(id, Instant(6_000), b"{}").unwrap();
        assert_eq!(d.pending_requests(), 0);
        let mut out = [0u8; MAX_DATAGRAM];
        let (to, len) = d.poll_transmit(&mut out).unwrap();
        assert_eq!(to, peer());
        let key: LocalKey = "be4d957a4da771d609ab383e548014a0".parse().unwrap();
        let o = crate::sealing::open_plain(&mut out[..len], &Mode::LocalKey(&key), true).unwrap();
        assert_eq!(o.header.packet_type, PacketType::ScriptControl);
        let c = joylink_wire::Control::parse(o.plaintext).unwrap();
        assert_eq!(
            (c.timestamp, c.biz_code, c.serial, c.data),
            (6, BizCode::ControlResponse, 9, &b"{}"[..])
        );
        // Answering twice is refused.
        assert_eq!(
            d.respond(id, Instant(6_000), b"{}"),
            Err(Error::State("no such request"))
        );
    }

    #[test]
    fn full_request_table_and_full_queue_are_reported() {
        let mut d = activated();
        let mut ids = [None; 5];
        for (i, slot) in ids.iter_mut().enumerate() {
            let mut buf = [0u8; 128];
            let ts = u8::try_from(i).unwrap().saturating_add(1);
            let plain = [ts, 0, 0, 0, 0xea, 0x03, 0, 0, ts, 0, 0, 0];
            let n = sealed(PacketType::ScriptControl, &plain, &mut buf);
            *slot = match d.handle(Instant(0), peer(), &mut buf[..n]) {
                Ok(Some(Event::Request(r))) => Some(r.id),
                Err(Error::Capacity) => None,
                other => panic!("{other:?}"),
            };
        }
        assert_eq!(ids.iter().flatten().count(), 4, "4 request slots");
        // The slots free themselves after the TTL.
        d.handle_timeout(Instant(PENDING_TTL_MS));
        assert_eq!(d.pending_requests(), 0);
        assert_eq!(d.poll_timeout(), None);
    }

    /// JSON control needs no allocator either: with or without `json`, the body reaches the
    /// application in place and the answer goes out as type 4.
    #[test]
    fn json_control_is_served_in_every_configuration() {
        let mut d = activated();
        let mut buf = [0u8; 128];
        let n = sealed(PacketType::JsonControl, b"\x01\0\0\0{\"cmd\":4}", &mut buf);
        let ev = d.handle(Instant(0), peer(), &mut buf[..n]).unwrap();
        let Some(Event::Request(r)) = ev else {
            panic!("{ev:?}")
        };
        assert_eq!(
            (r.body, r.kind),
            (&b"{\"cmd\":4}"[..], RequestKind::Json { sub_device: false })
        );
        let id = r.id;
        d.respond(id, Instant(1_000), br#"{"code":0}"#).unwrap();
        let mut out = [0u8; MAX_DATAGRAM];
        let (_, len) = d.poll_transmit(&mut out).unwrap();
        let key: LocalKey = "be4d957a4da771d609ab383e548014a0".parse().unwrap();
        let o = crate::sealing::open_plain(&mut out[..len], &Mode::LocalKey(&key), true).unwrap();
        assert_eq!(o.header.packet_type, PacketType::ScriptControl);
        assert_eq!(&o.plaintext[4..], br#"{"code":0}"#);
    }

    #[test]
    fn state_size_for_default_capacities() {
        // Printed without the localkey's kept schedules (`sealing::PREPARED_KEYS`), the figures
        // of the README's RAM table; bounded as those plus the schedules where the build keeps
        // them.
        let extra = crate::sealing::LOCAL_EXTRA;
        let device = core::mem::size_of::<Device>().saturating_sub(extra);
        let gateway = core::mem::size_of::<Gateway>().saturating_sub(extra);
        std::println!(
            "Device: {device} bytes, Gateway: {gateway} bytes, prepared localkey {extra}"
        );
        // The documented figures (x86-64); the transmit queue dominates.
        let near = crate::sealing::assert_near_documented;
        near("lan::Device", core::mem::size_of::<Device>(), 6_896 + extra);
        near(
            "lan::Gateway",
            core::mem::size_of::<Gateway>(),
            8_144 + extra,
        );
        assert!(
            core::mem::size_of::<Device<8, 4, 1, 0>>().saturating_sub(extra)
                < device.saturating_sub(4_000)
        );
        const { assert!(HEADER_LEN < MAX_DATAGRAM) };
    }
}
