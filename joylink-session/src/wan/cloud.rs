//! The cloud end of one device connection (spec chapter 7, 9.5/9.6, 10).
//!
//! One [`Cloud`] per TCP connection, at most 512 bytes without its I/O buffers (a unit test
//! asserts it), so that one server holds 100 000 devices in about 50 MB. Where the build keeps
//! keys prepared (`--cfg joylink_prepared_keys="on"`, the default on 32-bit targets) the
//! session key's AES schedules come on top (about 740 bytes with RustCrypto's `aes` on x86_64)
//! and no packet expands the key. The send queue and the
//! framer belong to the caller and are passed to the calls that use them. With the `serde`
//! feature the whole state serializes, so a session can be persisted or moved to another node and
//! resumed there — the serialized form contains the session key: store it like a secret.

use joylink_crypto::{AccessKey, EncTypeCheck, Mode, SessionKey};
use joylink_wire::ControlHeader;
use joylink_wire::wan::timer::{
    IdsRequest, IdsResponse, List, ReceivedResult, ReportNewResponse, ResultReportResponse, Task,
    TaskCodeResponse as TimerCode, TaskRequest, TimerMessage,
};
use joylink_wire::wan::{
    AsyncResult, AuthRequestOpt, AuthResponse, AuthResponseOpt, CodeResponse, Control, InfoFetch,
    SubDevOnline, TaskReportResponse, Timestamped, WanMessage,
};
use joylink_wire::{
    BizCode, CrcPolicy, Direction, FixedText, PacketType, Reassembler, ReassemblyStatus,
    ResponseCode,
};
use zeroize::Zeroize;

use super::json::{find_int, plain, write_into};
use super::packet::{Opened, open, seal};
use super::queue::TxQueue;
use crate::{Error, Instant, Result};

// Types 110–113 (the gateway's sub-devices) in their own file, a child module so that it reads
// the session state directly.
#[path = "gateway_cloud.rs"]
mod gateway_cloud;

/// Requests the cloud can have outstanding at once.
pub const PENDING_CAP: usize = 4;
/// Sub-devices of a gateway the cloud keeps states for.
pub const SUBDEV_CAP: usize = 4;
/// Timer task ids the cloud keeps for the device.
pub const TIMER_IDS_CAP: usize = 8;
const EVENT_CAP: usize = 4;

/// The accesskey of a feed id, from the caller's device registry.
pub trait KeyLookup {
    /// The accesskey of `feed_id`, `None` for an unknown device.
    fn access_key(&mut self, feed_id: &[u8]) -> Option<AccessKey>;
}

impl<F: FnMut(&[u8]) -> Option<AccessKey>> KeyLookup for F {
    fn access_key(&mut self, feed_id: &[u8]) -> Option<AccessKey> {
        self(feed_id)
    }
}

/// Timeouts and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CloudConfig {
    /// Silence after which the device counts as offline (two of the spec's longest heartbeat
    /// intervals, 120 s, by default).
    pub offline_after_ms: u32,
    /// How long a request waits for its answer (default 10 s).
    pub request_timeout_ms: u32,
    /// OTA without a status report for this long has failed (spec 9.6: 10 minutes).
    pub ota_silence_ms: u32,
    /// Largest accepted difference between the auth request's timestamp and the cloud's clock;
    /// `None` (the default) skips it: compat — shipped devices often have no synced clock and one
    /// SDK sends milliseconds truncated to 32 bits, so only the caller can know.
    pub max_skew_secs: Option<u32>,
    /// A connection that has not authenticated this long after it was accepted (or after
    /// [`Cloud::connected`]) is reported with [`CloudEvent::AuthTimeout`] and the state turns
    /// [`CloudState::Offline`]: the server closes it (default 10 s). Without a deadline a
    /// connection that never completes its auth request (a slowloris, a port scanner) would hold
    /// its resources forever; spec 7.1 closes a device that fails auth, this closes one that
    /// never tries. Sessions persisted before the field existed read the default.
    #[cfg_attr(feature = "serde", serde(default = "default_auth_timeout_ms"))]
    pub auth_timeout_ms: u32,
}

#[cfg(feature = "serde")]
const fn default_auth_timeout_ms() -> u32 {
    DEFAULT_AUTH_TIMEOUT_MS
}

/// The default of [`CloudConfig::auth_timeout_ms`].
pub const DEFAULT_AUTH_TIMEOUT_MS: u32 = 10_000;

impl Default for CloudConfig {
    fn default() -> Self {
        Self {
            offline_after_ms: 120_000,
            request_timeout_ms: 10_000,
            ota_silence_ms: 600_000,
            max_skew_secs: None,
            auth_timeout_ms: DEFAULT_AUTH_TIMEOUT_MS,
        }
    }
}

/// Where the connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CloudState {
    /// Connected, no valid auth request yet.
    AwaitingAuth,
    /// Authenticated and heard from recently.
    Online,
    /// Connection lost, silent too long, or not authenticated in time
    /// ([`CloudEvent::AuthTimeout`]).
    Offline,
}

/// What an outstanding request of the cloud was (what its answer is matched against). Not the
/// LAN device's [`lan::RequestKind`](crate::lan::RequestKind), what an incoming request asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum PendingKind {
    /// Type 11 by biz_code (control, snapshot, recipe).
    Control,
    /// Type 13 add (the task id in `arg`).
    TimerAdd,
    /// Type 13 delete/stop/restart/query.
    Timer,
    /// Type 7.
    Ota,
    /// Type 111 control/snapshot of a gateway's sub-device.
    SubControl,
    /// Type 113 unbind of a gateway's sub-devices.
    SubUnbind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Pending {
    serial: u32,
    kind: PendingKind,
    arg: i32,
    deadline: Instant,
}

/// One sub-device of a gateway as its last type-110 heartbeat listed it (spec 7.3.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SubDevEntry {
    /// `feedid[32]`, NUL-padded.
    pub feed_id: [u8; 32],
    /// The state byte (0 online, 1 offline, 2 unbound).
    pub state: u8,
    /// The firmware version listed (echoed in an unbind request).
    pub version: u16,
}

/// Events from timeouts and from packets with nothing to borrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum CloudEvent {
    /// The device authenticated; a session key is in place.
    Authenticated,
    /// Silent past [`CloudConfig::offline_after_ms`] or connection lost.
    Offline,
    /// Request `serial` got no answer in time.
    Timeout {
        /// Its serial.
        serial: u32,
        /// What it was.
        kind: PendingKind,
    },
    /// The OTA reported done.
    OtaDone,
    /// The OTA reported failure or went silent for 10 minutes.
    OtaFailed,
    /// No valid auth request within [`CloudConfig::auth_timeout_ms`] of the connection: the
    /// state is now [`CloudState::Offline`]; close the connection.
    AuthTimeout,
}

/// A device packet the application must look at; borrows the packet buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloudIncoming<'a> {
    /// Snapshot upload (type 12), already acknowledged.
    Upload {
        /// The snapshot JSON.
        data: &'a [u8],
    },
    /// The answer to [`Cloud::control`], matched by serial.
    ControlResponse {
        /// The request's serial.
        serial: u32,
        /// The answer's biz_code.
        biz_code: BizCode,
        /// The device's snapshot/result.
        data: &'a [u8],
    },
    /// An answer whose serial matches nothing outstanding (late after a timeout, or duplicated).
    Unmatched {
        /// Its serial.
        serial: u32,
    },
    /// OTA acknowledgement (type 7).
    OtaAck {
        /// The order's serial.
        serial: u32,
    },
    /// OTA status report (type 8), already answered.
    OtaStatus {
        /// `status` (0 download, 1 install, 2 done, 3 failed).
        status: i32,
        /// `progress`.
        progress: i32,
    },
    /// A timer task ran (1097), already answered with 197.
    TimerExecuted {
        /// The task id.
        id: i32,
        /// The device's result code.
        code: i32,
    },
    /// A timer answer matched by serial (190–196), decoded.
    TimerAnswer {
        /// The request's serial.
        serial: u32,
        /// The answer.
        message: TimerMessage<'a>,
    },
    /// The device asks for information (type 15); answer with [`Cloud::answer_info`].
    InfoRequest {
        /// Its serial.
        serial: u32,
        /// The request JSON.
        info: &'a [u8],
    },
    /// A recipe task report (type 16), already answered.
    TaskReport {
        /// The report JSON.
        report: &'a [u8],
    },
    /// A gateway's sub-device list changed (type 110); see [`Cloud::sub_devices`].
    SubDevices,
    /// A gateway's sub-device upload (type 112, spec 7.3.17), already answered; `data` is
    /// sealed with the sub-device's accesskey ([`open_inner`](super::open_inner)).
    SubDevUpload {
        /// The sub-device's feed id.
        feed_id: FixedText<'a>,
        /// The inner ciphertext of the snapshot.
        data: &'a [u8],
    },
    /// The answer to [`Cloud::control_sub`] (type 111, spec 7.3.20/22), matched by serial;
    /// `data` is sealed with the sub-device's accesskey ([`open_inner`](super::open_inner)).
    SubDevControlResponse {
        /// The request's serial.
        serial: u32,
        /// The answer's biz_code (102, 104).
        biz_code: BizCode,
        /// The sub-device's feed id.
        feed_id: FixedText<'a>,
        /// The inner ciphertext of the result/snapshot.
        data: &'a [u8],
    },
    /// The gateway answered [`Cloud::unbind_subs`] (type 113, spec 7.3.24); the listed
    /// sub-devices are gone from [`Cloud::sub_devices`].
    SubDevUnbound {
        /// The request's serial.
        serial: u32,
    },
    /// An asynchronous control result (type 14, spec ch. 12): an action the device took by
    /// itself (a timer, its panel), decoded. Not answered (the spec defines no reply).
    AsyncResult(AsyncResult<'a>),
    /// Anything else the machine does not interpret, by packet type.
    Other {
        /// The packet type.
        packet_type: PacketType,
    },
}

/// An OTA order's fields (spec 9.5); the serial and feed id come from the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtaOrderSpec<'s> {
    /// `productuuid`.
    pub product_uuid: &'s str,
    /// `version`.
    pub version: i32,
    /// `versionname`, e.g. `1.2.1.20151030_release`.
    pub version_name: &'s str,
    /// `crc32` of the firmware (see `joylink_wire::wan::firmware_crc32`).
    pub crc32: u32,
    /// `url`.
    pub url: &'s str,
}

/// The 32 session-key bytes of a connection: wire's `Secret` (wiped on drop, redacted in
/// `Debug`, compared in constant time, serialized as its bytes for a persisted session).
type Secret = joylink_wire::Secret<[u8; 32]>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct OtaTrack {
    serial: u32,
    last_heard: Instant,
}

/// The cloud's state for one device connection: 504 bytes (`size_of` on x86_64; a unit test
/// keeps it at most 512).
///
/// # Examples
/// ```
/// use joylink_crypto::AccessKey;
/// use joylink_session::Instant;
/// use joylink_session::wan::{Cloud, CloudConfig, CloudState, Device, DeviceConfig, Framer, TxQueue};
///
/// # struct Rng(u64);
/// # impl rand_core::TryRng for Rng {
/// #     type Error = core::convert::Infallible;
/// #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { self.0 += 1; Ok(self.0 as u32) }
/// #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> { self.0 += 1; Ok(self.0) }
/// #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> { d.fill(7); Ok(()) }
/// # }
/// # impl rand_core::TryCryptoRng for Rng {}
/// # let mut rng = Rng(0); // the server's CSPRNG
/// let key: AccessKey = "25e35c9691ee91296facd5d28a4822bc".parse()?;
/// let now = Instant(0);
/// let mut cloud = Cloud::new(CloudConfig::default(), now, 1_700_000_000);
/// // I/O buffers live with the connection, not in the 512-byte state.
/// let (mut rx, mut tx) = (Framer::<2048>::new(), TxQueue::<4096>::new());
/// // The accesskey registry, looked up by the feed id in the auth request's clear opt.
/// let mut registry = |feed_id: &[u8]| (feed_id == b"1234567890123456").then(|| key.clone());
///
/// // A device connects and sends its auth request.
/// let mut device: Device = Device::new(DeviceConfig::new("1234567890123456", "ABCDEF", key.clone())?);
/// device.connected(now, &mut rng)?;
/// let mut wire = [0u8; 256];
/// let n = device.poll_transmit(&mut wire).unwrap();
/// let mut input = &wire[..n];
/// while let Some(packet) = rx.next_frame(&mut input)? {
///     cloud.handle_packet(now, packet, &mut registry, &mut rng, &mut tx)?;
/// }
/// assert_eq!(cloud.state(), CloudState::Online);
/// // The answer with the fresh session key waits in `tx` for the socket.
/// assert!(!tx.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Cloud {
    cfg: CloudConfig,
    state: CloudState,
    feed_id: [u8; 32],
    feed_len: u8,
    session: Option<Secret>,
    /// The session key's AES schedules, expanded once per auth where the build keeps keys
    /// prepared (`sealing::PREPARED_KEYS`; empty otherwise): no key expansion per packet. Not
    /// serialized: a resumed machine seals with the one-shot mode until its next auth.
    #[cfg_attr(feature = "serde", serde(skip))]
    schedules: crate::sealing::Schedules<SessionKey>,
    last_auth_ts: u32,
    auth_random: Option<u32>,
    last_heard: Instant,
    clock: (Instant, u32),
    next_serial: u32,
    pending: [Option<Pending>; PENDING_CAP],
    subdevs: [Option<SubDevEntry>; SUBDEV_CAP],
    timer_ids: [Option<i32>; TIMER_IDS_CAP],
    ota: Option<OtaTrack>,
    events: [Option<CloudEvent>; EVENT_CAP],
}

impl Cloud {
    /// A connection accepted at `now`, when the cloud's clock reads `unix` seconds.
    #[must_use]
    pub fn new(cfg: CloudConfig, now: Instant, unix: u32) -> Self {
        Self {
            cfg,
            state: CloudState::AwaitingAuth,
            feed_id: [0; 32],
            feed_len: 0,
            session: None,
            schedules: crate::sealing::Schedules::default(),
            last_auth_ts: 0,
            auth_random: None,
            last_heard: now,
            clock: (now, unix),
            next_serial: 0,
            pending: [None; PENDING_CAP],
            subdevs: [None; SUBDEV_CAP],
            timer_ids: [None; TIMER_IDS_CAP],
            ota: None,
            events: [None; EVENT_CAP],
        }
    }

    /// The connection state.
    #[must_use]
    pub fn state(&self) -> CloudState {
        self.state
    }

    /// The authenticated feed id (empty before the first auth).
    #[must_use]
    pub fn feed_id(&self) -> &[u8] {
        self.feed_id
            .get(..usize::from(self.feed_len))
            .unwrap_or_default()
    }

    /// The session key of this connection.
    #[must_use]
    pub fn session_key(&self) -> Option<SessionKey> {
        self.session
            .as_ref()
            .map(|s| SessionKey::new(*s.raw_secret_array()))
    }

    /// The gateway's sub-devices as last reported.
    pub fn sub_devices(&self) -> impl Iterator<Item = &SubDevEntry> {
        self.subdevs.iter().flatten()
    }

    /// The timer task ids the device has confirmed.
    pub fn timer_ids(&self) -> impl Iterator<Item = i32> + '_ {
        self.timer_ids.iter().flatten().copied()
    }

    /// Whether request `serial` is still outstanding.
    #[must_use]
    pub fn is_pending(&self, serial: u32) -> bool {
        self.pending.iter().flatten().any(|p| p.serial == serial)
    }

    /// Sets the cloud's clock after a move to another node: `unix` seconds at `now`.
    pub fn set_unix_time(&mut self, now: Instant, unix: u32) {
        self.clock = (now, unix);
    }

    fn ts(&self, now: Instant) -> u32 {
        let secs = u32::try_from(now.millis_since(self.clock.0) / 1000).unwrap_or(u32::MAX);
        self.clock.1.saturating_add(secs)
    }

    fn push_event(&mut self, e: CloudEvent) {
        if let Some(slot) = self.events.iter_mut().find(|s| s.is_none()) {
            *slot = Some(e);
        }
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<CloudEvent> {
        let first = self.events.first_mut()?.take();
        self.events.rotate_left(1);
        first
    }

    /// A new connection for this device (a resumed session): auth is expected again.
    pub fn connected(&mut self, now: Instant) {
        self.state = CloudState::AwaitingAuth;
        self.forget_session();
        self.auth_random = None;
        self.last_heard = now;
    }

    /// The connection dropped: the device is offline and the session key is gone.
    pub fn connection_lost(&mut self, _now: Instant) {
        if self.state == CloudState::Online {
            self.push_event(CloudEvent::Offline);
        }
        self.state = CloudState::Offline;
        self.forget_session();
    }

    /// Drops the session key and its schedules.
    fn forget_session(&mut self) {
        self.session = None;
        self.schedules.set(None);
    }

    /// When a connection still awaiting auth is given up: [`CloudConfig::auth_timeout_ms`]
    /// after it was accepted (`last_heard` is the accept time until the first auth).
    fn auth_deadline(&self) -> Option<Instant> {
        (self.state == CloudState::AwaitingAuth).then(|| {
            self.last_heard
                .add_millis(u64::from(self.cfg.auth_timeout_ms))
        })
    }

    /// The next deadline: the auth deadline, offline detection, request timeouts, OTA silence.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t = self.pending.iter().flatten().map(|p| p.deadline).min();
        let mut min = |x: Instant| t = Some(t.map_or(x, |t| t.min(x)));
        if let Some(a) = self.auth_deadline() {
            min(a);
        }
        if self.state == CloudState::Online {
            min(self
                .last_heard
                .add_millis(u64::from(self.cfg.offline_after_ms)));
            if let Some(o) = self.ota {
                min(o.last_heard.add_millis(u64::from(self.cfg.ota_silence_ms)));
            }
        }
        t
    }

    /// Runs what is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.auth_deadline().is_some_and(|a| now >= a) {
            self.state = CloudState::Offline;
            self.push_event(CloudEvent::AuthTimeout);
        }
        for i in 0..PENDING_CAP {
            if let Some(p) = self.pending.get(i).copied().flatten()
                && now >= p.deadline
            {
                if let Some(s) = self.pending.get_mut(i) {
                    *s = None;
                }
                self.push_event(CloudEvent::Timeout {
                    serial: p.serial,
                    kind: p.kind,
                });
            }
        }
        if self.state == CloudState::Online {
            if now
                >= self
                    .last_heard
                    .add_millis(u64::from(self.cfg.offline_after_ms))
            {
                self.state = CloudState::Offline;
                self.forget_session();
                self.push_event(CloudEvent::Offline);
            }
            if self
                .ota
                .is_some_and(|o| now >= o.last_heard.add_millis(u64::from(self.cfg.ota_silence_ms)))
            {
                self.ota = None;
                self.push_event(CloudEvent::OtaFailed);
            }
        }
    }

    fn send<const N: usize>(&self, msg: &WanMessage<'_>, tx: &mut TxQueue<N>) -> Result<()> {
        let s = self
            .session
            .as_ref()
            .ok_or(Error::State("device not authenticated"))?;
        let key = SessionKey::new(*s.raw_secret_array());
        let mode = self.schedules.mode(&key);
        tx.push_with(|b| seal(msg, &mode, &[], b))?;
        Ok(())
    }

    fn allocate(&mut self, now: Instant, kind: PendingKind, arg: i32) -> Result<u32> {
        if self.state != CloudState::Online {
            return Err(Error::State("device not online"));
        }
        let slot = self
            .pending
            .iter()
            .position(Option::is_none)
            .ok_or(Error::Capacity)?;
        self.next_serial = self.next_serial.wrapping_add(1).max(1);
        let serial = self.next_serial;
        if let Some(s) = self.pending.get_mut(slot) {
            *s = Some(Pending {
                serial,
                kind,
                arg,
                deadline: now.add_millis(u64::from(self.cfg.request_timeout_ms)),
            });
        }
        Ok(serial)
    }

    fn release(&mut self, serial: u32) -> Option<Pending> {
        let slot = self
            .pending
            .iter_mut()
            .find(|p| p.is_some_and(|p| p.serial == serial))?;
        slot.take()
    }

    fn unallocate(&mut self, serial: u32) {
        self.release(serial);
    }

    /// Sends a type-11 request (control 1002, snapshot 1004, recipe 1050; spec 7.3.7–7.3.11) and
    /// returns its serial; the answer comes back as [`CloudIncoming::ControlResponse`] or, after
    /// [`CloudConfig::request_timeout_ms`], as [`CloudEvent::Timeout`].
    ///
    /// # Errors
    /// [`Error::State`] unless online, [`Error::Capacity`] with [`PENDING_CAP`] requests
    /// outstanding or a full send queue.
    pub fn control<const N: usize>(
        &mut self,
        now: Instant,
        biz_code: BizCode,
        data: &[u8],
        tx: &mut TxQueue<N>,
    ) -> Result<u32> {
        let serial = self.allocate(now, PendingKind::Control, 0)?;
        let m = WanMessage::Control(Control {
            timestamp: self.ts(now),
            biz_code,
            serial,
            data,
        });
        self.send(&m, tx).inspect_err(|_| self.unallocate(serial))?;
        Ok(serial)
    }

    /// Sends an OTA order (type 7, spec 9.5); returns its serial. The device acknowledges it and
    /// reports status; silence for [`CloudConfig::ota_silence_ms`] fails it.
    ///
    /// # Errors
    /// As [`Cloud::control`]; [`Error::State`] for a field that needs JSON escaping.
    pub fn start_ota<const N: usize>(
        &mut self,
        now: Instant,
        order: &OtaOrderSpec<'_>,
        tx: &mut TxQueue<N>,
    ) -> Result<u32> {
        for (f, s) in [
            ("productuuid", order.product_uuid),
            ("versionname", order.version_name),
            ("url", order.url),
        ] {
            plain(f, s)?;
        }
        let (feed_buf, feed_len) = (self.feed_id, usize::from(self.feed_len));
        let feed = core::str::from_utf8(feed_buf.get(..feed_len).unwrap_or_default())
            .map_err(|_| Error::State("feed id"))?;
        plain("feedid", feed)?;
        let serial = self.allocate(now, PendingKind::Ota, 0)?;
        let mut json = [0u8; 512];
        let (uuid, ver, name, crc, url) = (
            order.product_uuid,
            order.version,
            order.version_name,
            order.crc32,
            order.url,
        );
        let n = write_into(&mut json, |w| {
            core::fmt::write(
                w,
                format_args!(
                    r#"{{"cmd":"ota","serial":{serial},"data":{{"feedid":"{feed}","productuuid":"{uuid}","version":{ver},"versionname":"{name}","crc32":{crc},"url":"{url}"}}}}"#
                ),
            )
        })
        .inspect_err(|_| self.unallocate(serial))?;
        let m = WanMessage::OtaOrder(Timestamped {
            timestamp: self.ts(now),
            body: json.get(..n).unwrap_or_default(),
        });
        self.send(&m, tx).inspect_err(|_| self.unallocate(serial))?;
        self.ota = Some(OtaTrack {
            serial,
            last_heard: now,
        });
        Ok(serial)
    }

    fn send_timer<const N: usize>(
        &self,
        msg: &TimerMessage<'_>,
        tx: &mut TxQueue<N>,
    ) -> Result<()> {
        // Validated and sized before anything is queued.
        if msg.buffer_len().map_err(|_| Error::Capacity)? > 1024 {
            return Err(Error::Capacity);
        }
        self.send(&WanMessage::Timer(*msg), tx)
    }

    /// Adds a timer task on the device (1091, spec 10.2); returns the serial. The task id counts
    /// as the device's once it answers 191 with code 0.
    ///
    /// # Errors
    /// As [`Cloud::control`].
    pub fn add_timer<const N: usize>(
        &mut self,
        now: Instant,
        task: &Task<'_>,
        tx: &mut TxQueue<N>,
    ) -> Result<u32> {
        let serial = self.allocate(now, PendingKind::TimerAdd, task.id())?;
        let tasks = [*task];
        let msg = TimerMessage::Add(TaskRequest {
            preamble: ControlHeader::new(self.ts(now), BizCode::TimerAdd, serial),
            tasks: List::from_slice(&tasks),
        });
        self.send_timer(&msg, tx)
            .inspect_err(|_| self.unallocate(serial))?;
        Ok(serial)
    }

    /// Replaces a timer task on the device (1092, spec 10.4) with `task` (same id; the cloud
    /// raises its `version`, spec 10.12); returns the serial. Answered with 192 as a
    /// [`CloudIncoming::TimerAnswer`].
    ///
    /// # Errors
    /// As [`Cloud::control`].
    pub fn update_timer<const N: usize>(
        &mut self,
        now: Instant,
        task: &Task<'_>,
        tx: &mut TxQueue<N>,
    ) -> Result<u32> {
        let serial = self.allocate(now, PendingKind::Timer, task.id())?;
        let tasks = [*task];
        let msg = TimerMessage::Update(TaskRequest {
            preamble: ControlHeader::new(self.ts(now), BizCode::TimerUpdate, serial),
            tasks: List::from_slice(&tasks),
        });
        self.send_timer(&msg, tx)
            .inspect_err(|_| self.unallocate(serial))?;
        Ok(serial)
    }

    /// Deletes (1093), stops (1095), restarts (1096) or queries (1094) timer tasks by id (empty:
    /// all); returns the serial.
    ///
    /// # Errors
    /// As [`Cloud::control`]; [`Error::State`] for another biz_code.
    pub fn manage_timers<const N: usize>(
        &mut self,
        now: Instant,
        biz_code: BizCode,
        ids: &[i32],
        tx: &mut TxQueue<N>,
    ) -> Result<u32> {
        let serial = self.allocate(now, PendingKind::Timer, 0)?;
        let req = IdsRequest {
            preamble: ControlHeader::new(self.ts(now), biz_code, serial),
            ids: List::from_slice(ids),
        };
        let msg = match biz_code {
            BizCode::TimerDelete => TimerMessage::Delete(req),
            BizCode::TimerStop => TimerMessage::Stop(req),
            BizCode::TimerRestart => TimerMessage::Restart(req),
            BizCode::TimerQuery => TimerMessage::Query(req),
            _ => {
                self.unallocate(serial);
                return Err(Error::State("not a timer management biz_code"));
            }
        };
        self.send_timer(&msg, tx)
            .inspect_err(|_| self.unallocate(serial))?;
        if biz_code == BizCode::TimerDelete {
            // The device answers with the ids it failed to delete; the rest are gone.
            for id in self.timer_ids.iter_mut() {
                if id.is_some_and(|i| ids.is_empty() || ids.contains(&i)) {
                    *id = None;
                }
            }
        }
        Ok(serial)
    }

    /// Answers an [`CloudIncoming::InfoRequest`] (type 15, spec 7.3.28).
    ///
    /// # Errors
    /// [`Error::State`] unless authenticated, [`Error::Capacity`] for a full send queue.
    pub fn answer_info<const N: usize>(
        &mut self,
        now: Instant,
        serial: u32,
        info: &[u8],
        tx: &mut TxQueue<N>,
    ) -> Result<()> {
        let m = WanMessage::InfoFetchResponse(InfoFetch {
            timestamp: self.ts(now),
            serial,
            info,
        });
        self.send(&m, tx)
    }

    /// Handles one framed packet from the device, whole or a fragment: fragments go into
    /// `fragments` (the connection's reassembler, storage provided by the caller, so the state
    /// stays within 512 bytes) and the message is handled by [`Cloud::handle_packet`] once its
    /// last fragment is in; until then `Ok(None)`.
    ///
    /// compat §16.4: JD's Linux/gateway SDK sends a type-11 answer whose sealed payload exceeds
    /// its buffer as 1024-byte slices of the *ciphertext* (`reserved` = the low byte of the
    /// unfragmented packet's CRC, a message id), joined before decryption. Its last slice is
    /// sent empty when there are two or more (the sender reads the length from the wrong
    /// header), so the joined ciphertext does not unpad: that message ends as one
    /// [`Error::Crypto`] `Decrypt` when its last fragment arrives, and its slot is free for the
    /// next message. A lost fragment blocks nothing either: a new message id takes a free slot
    /// or the oldest one, and an incomplete message expires after
    /// [`REASSEMBLY_TIMEOUT_MS`](joylink_wire::REASSEMBLY_TIMEOUT_MS) (by `now`). Key the
    /// reassembler by connection: one per [`Cloud`]. Every message must fit
    /// `storage.len() / M` bytes (header, opt and the joined payload).
    ///
    /// ```
    /// use joylink_session::wan::Cloud;
    /// use joylink_wire::Reassembler;
    /// // Two messages in flight per connection, up to 8 KiB each.
    /// let mut storage = [0u8; 16 * 1024];
    /// let mut fragments: Reassembler<'_, (), 2> = Reassembler::new(&mut storage);
    /// # let _ = &mut fragments;
    /// ```
    ///
    /// # Errors
    /// As [`Cloud::handle_packet`], and [`Error::Wire`] for a fragment the reassembler refuses
    /// (a bad index or slice length, a duplicate, a message larger than a slot).
    pub fn handle_input<
        'a,
        K: KeyLookup + ?Sized,
        R: rand_core::CryptoRng + ?Sized,
        const N: usize,
        const M: usize,
    >(
        &mut self,
        now: Instant,
        packet: &'a mut [u8],
        fragments: &'a mut Reassembler<'_, (), M>,
        keys: &mut K,
        rng: &mut R,
        tx: &mut TxQueue<N>,
    ) -> Result<Option<CloudIncoming<'a>>> {
        let decoded = joylink_wire::parse(packet, CrcPolicy::Verify)?;
        if decoded.header.total == 0 {
            return self.handle_packet(now, packet, keys, rng, tx);
        }
        match fragments.push((), &decoded, now.0)? {
            ReassemblyStatus::Incomplete { .. } => Ok(None),
            ReassemblyStatus::Complete(m) => self.handle_packet(now, m.packet, keys, rng, tx),
        }
    }

    /// Handles one whole packet from the device (opened in place in `packet`); answers what the
    /// cloud answers by itself (auth, heartbeats, uploads, OTA status, timer reports) into `tx`.
    ///
    /// # Errors
    /// For an auth request: [`Error::State`] for an unknown feed id or a stale timestamp,
    /// [`Error::Crypto`] when it does not open with the device's accesskey (spec 7.1: the cloud
    /// then closes the connection), [`Error::Wire`] for a random-number mismatch. For other
    /// packets: [`Error::State`] before auth, [`Error::Crypto`]/[`Error::Wire`] for packets that
    /// do not open or decode. The state is unchanged by a refused packet.
    pub fn handle_packet<
        'a,
        K: KeyLookup + ?Sized,
        R: rand_core::CryptoRng + ?Sized,
        const N: usize,
    >(
        &mut self,
        now: Instant,
        packet: &'a mut [u8],
        keys: &mut K,
        rng: &mut R,
        tx: &mut TxQueue<N>,
    ) -> Result<Option<CloudIncoming<'a>>> {
        let decoded = joylink_wire::parse(packet, CrcPolicy::Verify)?;
        if decoded.header.packet_type == PacketType::Auth {
            self.handle_auth(now, packet, keys, rng, tx)?;
            return Ok(None);
        }
        let s = self
            .session
            .as_ref()
            .ok_or(Error::State("device not authenticated"))?;
        let key = SessionKey::new(*s.raw_secret_array());
        let Opened { message, .. } = open(
            packet,
            &self.schedules.mode(&key),
            Direction::FromDevice,
            CrcPolicy::Verify,
            EncTypeCheck::Match,
        )?;
        self.last_heard = now;
        if self.state == CloudState::Offline {
            self.state = CloudState::Online;
        }
        let ok = CodeResponse {
            timestamp: self.ts(now),
            code: ResponseCode::Success,
        };
        Ok(match message {
            WanMessage::Heartbeat(_) => {
                // A gateway whose last sub-device was unbound sends type 10 again (spec
                // 7.3.15): a plain heartbeat lists no sub-devices.
                self.subdevs = [None; SUBDEV_CAP];
                self.send(&WanMessage::HeartbeatResponse(ok), tx)?;
                None
            }
            WanMessage::SubDevHeartbeat(h) => {
                self.subdevs = [None; SUBDEV_CAP];
                for (slot, d) in self.subdevs.iter_mut().zip(h.devices.iter()) {
                    let mut feed_id = [0u8; 32];
                    let raw = d.feed_id.raw();
                    if let Some(dst) = feed_id.get_mut(..raw.len().min(32)) {
                        dst.copy_from_slice(raw.get(..dst.len()).unwrap_or_default());
                    }
                    let state = match d.state {
                        SubDevOnline::Online => 0,
                        SubDevOnline::Offline => 1,
                        SubDevOnline::Unbound => 2,
                        _ => 3,
                    };
                    *slot = Some(SubDevEntry {
                        feed_id,
                        state,
                        version: d.version,
                    });
                }
                self.send(&WanMessage::SubDevHeartbeatResponse(ok), tx)?;
                Some(CloudIncoming::SubDevices)
            }
            WanMessage::Upload(u) => {
                self.send(&WanMessage::UploadResponse(ok), tx)?;
                Some(CloudIncoming::Upload { data: u.body })
            }
            WanMessage::ControlResponse(c) => Some(match self.release(c.serial) {
                Some(_) => CloudIncoming::ControlResponse {
                    serial: c.serial,
                    biz_code: c.biz_code,
                    data: c.data,
                },
                None => CloudIncoming::Unmatched { serial: c.serial },
            }),
            WanMessage::OtaOrderResponse(a) => {
                let serial = find_int(a.body, "serial")
                    .and_then(|s| u32::try_from(s).ok())
                    .unwrap_or(0);
                Some(match self.release(serial) {
                    Some(_) => CloudIncoming::OtaAck { serial },
                    None => CloudIncoming::Unmatched { serial },
                })
            }
            WanMessage::OtaStatus(st) => {
                let status = find_int(st.body, "status")
                    .and_then(|s| i32::try_from(s).ok())
                    .unwrap_or(-1);
                let progress = find_int(st.body, "progress")
                    .and_then(|s| i32::try_from(s).ok())
                    .unwrap_or(0);
                if let Some(o) = self.ota.as_mut() {
                    o.last_heard = now;
                }
                match status {
                    2 => {
                        self.ota = None;
                        self.push_event(CloudEvent::OtaDone);
                    }
                    3 => {
                        self.ota = None;
                        self.push_event(CloudEvent::OtaFailed);
                    }
                    _ => {}
                }
                let reply = Timestamped {
                    timestamp: self.ts(now),
                    body: &br#"{"code":0,"msg":"success"}"#[..],
                };
                self.send(&WanMessage::OtaStatusResponse(reply), tx)?;
                Some(CloudIncoming::OtaStatus { status, progress })
            }
            WanMessage::Timer(msg) => self.handle_timer(now, msg, tx)?,
            WanMessage::InfoFetchRequest(i) => Some(CloudIncoming::InfoRequest {
                serial: i.serial,
                info: i.info,
            }),
            WanMessage::TaskReport(t) => {
                let r = TaskReportResponse {
                    timestamp: self.ts(now),
                    serial: t.serial,
                    code: ResponseCode::Success,
                };
                self.send(&WanMessage::TaskReportResponse(r), tx)?;
                Some(CloudIncoming::TaskReport { report: t.report })
            }
            WanMessage::SubDevUpload(u) => {
                self.sub_upload_answer(now, &u, tx)?;
                Some(CloudIncoming::SubDevUpload {
                    feed_id: u.feed_id,
                    data: u.data,
                })
            }
            WanMessage::SubDevControlResponse(c) => Some(self.sub_control_answer(c)),
            WanMessage::SubDevUnbindResponse(u) => Some(self.sub_unbind_answer(&u)),
            WanMessage::AsyncResult(a) => Some(CloudIncoming::AsyncResult(a)),
            other => Some(CloudIncoming::Other {
                packet_type: other.packet_type(),
            }),
        })
    }

    fn handle_auth<K: KeyLookup + ?Sized, R: rand_core::CryptoRng + ?Sized, const N: usize>(
        &mut self,
        now: Instant,
        packet: &mut [u8],
        keys: &mut K,
        rng: &mut R,
        tx: &mut TxQueue<N>,
    ) -> Result<()> {
        // The feed id is in the clear opt: it names the key before anything is decrypted.
        let decoded = joylink_wire::parse(packet, CrcPolicy::Verify)?;
        let opt = AuthRequestOpt::parse(decoded.opt)?;
        if opt.feed_id.len() > 32 || opt.feed_id.is_empty() {
            return Err(Error::State("feed id length"));
        }
        if self.feed_len > 0 && opt.feed_id != self.feed_id() {
            return Err(Error::State("another device on this connection"));
        }
        let mut feed_id = [0u8; 32];
        if let Some(d) = feed_id.get_mut(..opt.feed_id.len()) {
            d.copy_from_slice(opt.feed_id);
        }
        let feed_len = u8::try_from(opt.feed_id.len()).unwrap_or(0);
        let access_key = keys
            .access_key(opt.feed_id)
            .ok_or(Error::State("unknown feed id"))?;
        let Opened { opt, message } = open(
            packet,
            &Mode::AccessKey(&access_key),
            Direction::FromDevice,
            CrcPolicy::Verify,
            EncTypeCheck::Match,
        )?;
        let WanMessage::AuthRequest(req) = message else {
            return Err(Error::State("not an auth request"));
        };
        // spec 7.3.1 注: the random numbers of opt and payload agree.
        req.check_opt(&AuthRequestOpt::parse(opt)?)?;
        if req.timestamp < self.last_auth_ts {
            return Err(Error::State("auth timestamp older than the last one"));
        }
        if let Some(skew) = self.cfg.max_skew_secs
            && self.ts(now).abs_diff(req.timestamp) > skew
        {
            return Err(Error::State("auth timestamp outside the allowed skew"));
        }
        let mut key = [0u8; 32];
        match &self.session {
            // The same request again on this connection (the device retries while the answer
            // is on its way): answer with the same key, or the device would keep the first
            // answer's key while the cloud switched to the second one's.
            Some(s) if self.state == CloudState::Online && self.auth_random == Some(req.random) => {
                key = *s.raw_secret_array();
            }
            _ => rng.fill_bytes(&mut key),
        }
        let resp = AuthResponse {
            timestamp: self.ts(now),
            random: rng.next_u32(),
            session_key: key.into(),
        };
        key.zeroize();
        let stored = Secret::new(*resp.session_key.raw_secret_array());
        let ropt = AuthResponseOpt {
            random: resp.random,
        };
        let mut o = [0u8; 4];
        ropt.emit(&mut o)?;
        let mode = Mode::AccessKey(&access_key);
        let answer = WanMessage::AuthResponse(resp);
        tx.push_with(|b| seal(&answer, &mode, &o, b))?;
        self.schedules
            .set(Some(&SessionKey::new(*stored.raw_secret_array())));
        self.session = Some(stored);
        self.feed_id = feed_id;
        self.feed_len = feed_len;
        self.last_auth_ts = req.timestamp;
        self.auth_random = Some(req.random);
        self.last_heard = now;
        self.state = CloudState::Online;
        self.push_event(CloudEvent::Authenticated);
        Ok(())
    }

    fn handle_timer<'a, const N: usize>(
        &mut self,
        now: Instant,
        msg: TimerMessage<'a>,
        tx: &mut TxQueue<N>,
    ) -> Result<Option<CloudIncoming<'a>>> {
        let pre = *msg.preamble();
        let reply = ControlHeader {
            timestamp: self.ts(now),
            ..pre.reply()
        };
        Ok(match msg {
            TimerMessage::ReportResult(r) => {
                let mut received = [ReceivedResult { id: 0, step: 0 }; 8];
                let mut n = 0usize;
                let mut first = None;
                for res in r.results.iter() {
                    first.get_or_insert((res.id, res.code));
                    if let Some(slot) = received.get_mut(n) {
                        *slot = ReceivedResult {
                            id: res.id,
                            step: res.step,
                        };
                        n = n.saturating_add(1);
                    }
                }
                let ack = TimerMessage::ReportResultResponse(ResultReportResponse {
                    preamble: reply,
                    received: List::from_slice(received.get(..n).unwrap_or_default()),
                });
                self.send_timer(&ack, tx)?;
                first.map(|(id, code)| CloudIncoming::TimerExecuted { id, code })
            }
            TimerMessage::ReportSnapshot(s) => {
                self.timer_ids = [None; TIMER_IDS_CAP];
                let mut ids = [0i32; TIMER_IDS_CAP];
                let mut n = 0usize;
                for (slot, t) in self.timer_ids.iter_mut().zip(s.tasks.iter()) {
                    *slot = Some(t.id());
                    if let Some(i) = ids.get_mut(n) {
                        *i = t.id();
                        n = n.saturating_add(1);
                    }
                }
                let ack = TimerMessage::ReportSnapshotResponse(IdsResponse {
                    preamble: reply,
                    code: 0,
                    ids: Some(List::from_slice(ids.get(..n).unwrap_or_default())),
                });
                self.send_timer(&ack, tx)?;
                None
            }
            TimerMessage::ReportDelete(d) => {
                for id in d.ids.iter() {
                    for slot in self.timer_ids.iter_mut() {
                        if *slot == Some(id) {
                            *slot = None;
                        }
                    }
                }
                let ack = TimerMessage::ReportDeleteResponse(IdsResponse {
                    preamble: reply,
                    code: 0,
                    ids: Some(List::from_slice(&[])),
                });
                self.send_timer(&ack, tx)?;
                None
            }
            TimerMessage::ReportAdd(r) => {
                // spec 10.9: the cloud gives a device-made task its id.
                let mut id = 0;
                if r.tasks.len() == 1
                    && let Some(free) = self.timer_ids.iter().position(Option::is_none)
                {
                    id = self
                        .timer_ids
                        .iter()
                        .flatten()
                        .max()
                        .map_or(1, |m| m.saturating_add(1));
                    if let Some(slot) = self.timer_ids.get_mut(free) {
                        *slot = Some(id);
                    }
                }
                let ack = TimerMessage::ReportAddResponse(ReportNewResponse {
                    preamble: reply,
                    code: if id == 0 { -1 } else { 0 },
                    id,
                });
                self.send_timer(&ack, tx)?;
                None
            }
            TimerMessage::ReportUpdate(_) => {
                let ack = TimerMessage::ReportUpdateResponse(TimerCode {
                    preamble: reply,
                    code: 0,
                });
                self.send_timer(&ack, tx)?;
                None
            }
            TimerMessage::AddResponse(c) | TimerMessage::UpdateResponse(c) => {
                match self.release(pre.serial) {
                    Some(p) => {
                        if c.code == 0
                            && p.kind == PendingKind::TimerAdd
                            && !self.timer_ids.contains(&Some(p.arg))
                            && let Some(free) = self.timer_ids.iter_mut().find(|s| s.is_none())
                        {
                            *free = Some(p.arg);
                        }
                        Some(CloudIncoming::TimerAnswer {
                            serial: pre.serial,
                            message: msg,
                        })
                    }
                    None => Some(CloudIncoming::Unmatched { serial: pre.serial }),
                }
            }
            _ => Some(match self.release(pre.serial) {
                Some(_) => CloudIncoming::TimerAnswer {
                    serial: pre.serial,
                    message: msg,
                },
                None => CloudIncoming::Unmatched { serial: pre.serial },
            }),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// 512 bytes, plus the prepared session key where the build keeps one.
    #[test]
    fn fits_in_512_bytes() {
        type Sched = crate::sealing::Schedules<SessionKey>;
        let size = core::mem::size_of::<Cloud>();
        let bound = (512 + core::mem::size_of::<Sched>()).next_multiple_of(align_of::<Sched>());
        assert!(size <= bound, "Cloud is {size} bytes");
        // The documented figure (x86-64), plus the prepared key where the build keeps one.
        crate::sealing::assert_near_documented(
            "wan::Cloud",
            size,
            504 + core::mem::size_of::<Sched>(),
        );
    }

    /// A connection without an auth request is given up at the configured deadline, once; a
    /// new connection (`connected`) starts a new deadline.
    #[test]
    fn connection_without_auth_times_out_once() {
        let cfg = CloudConfig {
            auth_timeout_ms: 3_000,
            ..CloudConfig::default()
        };
        let mut c = Cloud::new(cfg, Instant(1_000), 1_700_000_000);
        assert_eq!(c.poll_timeout(), Some(Instant(4_000)));
        c.handle_timeout(Instant(3_999));
        assert_eq!(
            (c.state(), c.poll_event()),
            (CloudState::AwaitingAuth, None)
        );
        c.handle_timeout(Instant(4_000));
        assert_eq!(c.state(), CloudState::Offline);
        assert_eq!(c.poll_event(), Some(CloudEvent::AuthTimeout));
        assert_eq!(c.poll_timeout(), None);
        c.handle_timeout(Instant(9_000));
        assert_eq!(c.poll_event(), None, "reported once");
        c.connected(Instant(10_000));
        assert_eq!(c.poll_timeout(), Some(Instant(13_000)));
        assert_eq!(
            CloudConfig::default().auth_timeout_ms,
            DEFAULT_AUTH_TIMEOUT_MS
        );
    }

    /// A session persisted before `auth_timeout_ms` existed still loads, with the default.
    #[cfg(feature = "serde")]
    #[test]
    fn persisted_config_without_the_auth_deadline_reads_the_default() {
        let cfg = CloudConfig {
            auth_timeout_ms: 1,
            ..CloudConfig::default()
        };
        let c = Cloud::new(cfg, Instant(0), 1_700_000_000);
        let mut v = serde_json::to_value(&c).unwrap();
        let removed = v["cfg"].as_object_mut().unwrap().remove("auth_timeout_ms");
        assert_eq!(removed, Some(serde_json::json!(1)));
        let back: Cloud = serde_json::from_value(v).unwrap();
        assert_eq!(back.cfg.auth_timeout_ms, DEFAULT_AUTH_TIMEOUT_MS);
    }
}
