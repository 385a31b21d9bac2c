//! The device end of the WAN connection (spec chapter 7, 9.5/9.6, 10).
//!
//! Sans-IO: the caller owns the TCP socket and the clock. It reports a new connection with
//! [`Device::connected`] and a dropped one with [`Device::connection_lost`], feeds what the socket
//! read to [`Device::handle_input`] (or whole packets to [`Device::handle_packet`]), writes what
//! [`Device::poll_transmit`] gives, sleeps until [`Device::poll_timeout`] and then calls
//! [`Device::handle_timeout`], and drains [`Device::poll_event`].

use joylink_crypto::{AccessKey, EncTypeCheck, Mode, SessionKey};
use joylink_wire::ControlHeader;
use joylink_wire::wan::timer::{
    IdsRequest, IdsResponse, Label, List, ResultReport, SimplifiedTaskRequest, Task, TaskBody,
    TaskCodeResponse as TimerCode, TaskRequest, TaskResult, TimerMessage,
};
use joylink_wire::wan::{
    AuthRequest, AuthRequestOpt, AuthResponseOpt, Control, Heartbeat, InfoFetch, OtaStatus,
    SubDevList, TaskReport, Timestamped, WanMessage,
};
use joylink_wire::{BizCode, CrcPolicy, Direction, FixedText, HEADER_LEN, PacketType};

use super::json::{plain, write_into};
use super::packet::{Opened, open, seal};
use super::queue::{Framer, TxQueue};
use super::timers::TimerTable;
use crate::{Error, Instant, Result};

/// Longest feed id the device keeps (the SDK's `feedid[33]`).
pub const FEED_ID_CAP: usize = 32;
/// Longest product uuid kept for OTA reports.
pub const UUID_CAP: usize = 16;
/// Largest timer payload the device answers with (query reply, snapshot).
const TIMER_SCRATCH: usize = 1024;

/// How often an unfinished OTA re-reports its status: the cloud counts an upgrade as failed after
/// 10 minutes without a report (spec 9.6), so every 5 minutes leaves room for one lost report.
pub const OTA_REPORT_EVERY_MS: u64 = 5 * 60 * 1000;
/// The spec's longest heartbeat interval (7.3.3).
pub const MAX_HEARTBEAT_MS: u64 = 60_000;
/// Unanswered requests after which the device re-authenticates on a new connection (7.3.1 注).
pub const MAX_UNANSWERED: u8 = 3;

/// Text of at most `N` bytes kept inline (feed id, product uuid).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Short<const N: usize> {
    buf: [u8; N],
    len: u8,
}

impl<const N: usize> Short<N> {
    fn new(field: &'static str, s: &str) -> Result<Self> {
        plain(field, s)?;
        let mut buf = [0u8; N];
        buf.get_mut(..s.len())
            .ok_or(Error::State(field))?
            .copy_from_slice(s.as_bytes());
        Ok(Self {
            buf,
            len: u8::try_from(s.len()).map_err(|_| Error::State(field))?,
        })
    }

    fn as_str(&self) -> &str {
        core::str::from_utf8(self.buf.get(..usize::from(self.len)).unwrap_or_default())
            .unwrap_or_default()
    }
}

impl<const N: usize> core::fmt::Debug for Short<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// What the device is and how it paces itself.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    feed_id: Short<FEED_ID_CAP>,
    product_uuid: Short<UUID_CAP>,
    /// The accesskey (type 9).
    pub access_key: AccessKey,
    /// Firmware version number sent in heartbeats.
    pub version: u16,
    /// RSSI sent in heartbeats (shipped devices send 1).
    pub rssi: u16,
    /// Heartbeat interval; clamped to [`MAX_HEARTBEAT_MS`]. Shipped devices use 15 s.
    pub heartbeat_ms: u64,
    /// Pause between auth requests while unanswered (shipped devices: 500 ms).
    pub auth_retry_ms: u64,
}

impl DeviceConfig {
    /// A configuration with the shipped pacing (15 s heartbeats, 2 s auth retries).
    ///
    /// # Errors
    /// [`Error::State`] for a feed id over [`FEED_ID_CAP`] or a product uuid over
    /// [`UUID_CAP`] bytes, or one that would need escaping in the OTA JSON.
    pub fn new(feed_id: &str, product_uuid: &str, access_key: AccessKey) -> Result<Self> {
        Ok(Self {
            feed_id: Short::new("feed id", feed_id)?,
            product_uuid: Short::new("product uuid", product_uuid)?,
            access_key,
            version: 1,
            rssi: 1,
            heartbeat_ms: 15_000,
            auth_retry_ms: 2_000,
        })
    }

    /// The feed id.
    #[must_use]
    pub fn feed_id(&self) -> &str {
        self.feed_id.as_str()
    }

    /// The product uuid.
    #[must_use]
    pub fn product_uuid(&self) -> &str {
        self.product_uuid.as_str()
    }
}

/// Where the device is in the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    /// No connection.
    Disconnected,
    /// Auth request sent, no answer yet.
    Authenticating,
    /// Session key installed.
    Online,
}

/// A cloud request the application answers with [`Device::respond`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlRequest {
    /// The request's biz_code (1002 control, 1004 snapshot, 1050 recipe, ...).
    pub biz_code: BizCode,
    /// The cloud's serial, echoed in the answer.
    pub serial: u32,
}

/// A packet from the cloud the application must look at; borrows the packet buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Incoming<'a> {
    /// Type 11 control, snapshot or recipe (7.3.7/9/11), already checked against replay; answer
    /// with [`Device::respond`].
    Control {
        /// What to echo.
        request: ControlRequest,
        /// The command (JSON for JSON products).
        data: &'a [u8],
    },
    /// Type 7 OTA order (9.5), already acknowledged; report progress with
    /// [`Device::ota_status`].
    OtaOrder {
        /// The order's serial.
        serial: u32,
        /// The order JSON (url, crc32, version...).
        json: &'a [u8],
    },
    /// Type 200 video command in a type-11 envelope (spec 7.3.25); answer with
    /// [`Device::send_message`] and a `VideoResponse` (201). Checked against replay like a
    /// control.
    Video {
        /// What to echo.
        request: ControlRequest,
        /// The command JSON.
        data: &'a [u8],
    },
    /// Type 111 control or snapshot of a gateway's sub-device (spec 7.3.19/7.3.21), checked
    /// against replay like type 11; `data` is still sealed with the sub-device's accesskey. A
    /// [`Gateway`](super::Gateway) opens it and answers; a plain device has no sub-devices and
    /// ignores it.
    SubDevControl {
        /// What to echo.
        request: ControlRequest,
        /// The sub-device's feed id.
        feed_id: FixedText<'a>,
        /// The inner ciphertext.
        data: &'a [u8],
    },
    /// Type 113 unbind of sub-devices (spec 7.3.23), checked against replay like type 11. A
    /// [`Gateway`](super::Gateway) removes them and answers.
    SubDevUnbind {
        /// What to echo.
        request: ControlRequest,
        /// The listed sub-devices.
        devices: SubDevList<'a>,
    },
    /// Type 15 answer to [`Device::fetch_info`] (7.3.28).
    Info {
        /// The request's serial.
        serial: u32,
        /// The JSON.
        info: &'a [u8],
    },
    /// Any other cloud packet this machine does not act on (answers it only logs, unknown types).
    Other {
        /// The packet type.
        packet_type: PacketType,
        /// The plaintext of a type this crate does not decode (17 model code, 18 SDK version,
        /// unknown types); empty for a decoded body the device machine has no use for.
        plaintext: &'a [u8],
    },
}

/// Something that happened without a packet to borrow from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Auth answered and session key installed: upload a snapshot now with [`Device::upload`]
    /// (spec 7.3.5 注: a device without a snapshot may not be controllable).
    Authenticated,
    /// [`MAX_UNANSWERED`] requests went unanswered: close this connection, open a new one and call
    /// [`Device::connected`] (spec 7.3.1 注).
    Reconnect,
    /// Timer task `id` is due: run [`Device::timer_command`] and call
    /// [`Device::report_timer_result`].
    TimerFired {
        /// The task id.
        id: i32,
    },
    /// The cloud changed the task table (add, update, delete, stop, restart).
    TimersChanged,
    /// A cloud packet was dropped as a replay (same or older timestamp/serial).
    ReplayDropped {
        /// Its serial.
        serial: u32,
    },
    /// The cloud answered heartbeats (type 10, or a gateway's type 110; spec 7.3.3, 7.3.15):
    /// the connection is alive end to end. Answers arriving before the last one was polled are
    /// merged into it, `count` says how many, so a caller that polls seldom loses neither the
    /// count nor another event to them (the queue holds 8).
    HeartbeatAcked {
        /// Heartbeat answers this event stands for (at least 1).
        count: u32,
    },
}

const EVENT_CAP: usize = 8;

/// Last OTA status, re-sent until done or failed.
#[derive(Debug, Clone)]
struct OtaProgress {
    status: OtaStatus,
    progress: i32,
    desc: [u8; 32],
    desc_len: u8,
    last_sent: Instant,
}

/// The device machine. `T` timer tasks, `TX` bytes of outgoing stream, `RX` bytes for the largest
/// incoming packet. No allocation: everything is inline.
///
/// RAM (`size_of`, measured on x86_64 by a unit test that bounds it): 5536 bytes with the
/// defaults (`T = 4`, `TX = 2048`, `RX = 2048`), of which 1440 bytes are the machine without its
/// two buffers; each timer task takes about 200 bytes.
///
/// # Examples
/// ```
/// use joylink_session::Instant;
/// use joylink_session::wan::{Device, DeviceConfig, DeviceState};
///
/// # struct Rng(u64);
/// # impl rand_core::TryRng for Rng {
/// #     type Error = core::convert::Infallible;
/// #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { self.0 += 1; Ok(self.0 as u32) }
/// #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> { self.0 += 1; Ok(self.0) }
/// #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> { d.fill(7); Ok(()) }
/// # }
/// # impl rand_core::TryCryptoRng for Rng {}
/// # let mut rng = Rng(0); // your platform's CSPRNG
/// let cfg = DeviceConfig::new("1234567890123456", "ABCDEF", "25e35c9691ee91296facd5d28a4822bc".parse()?)?;
/// let mut device: Device = Device::new(cfg);
/// let now = Instant(0);
/// // The TCP connection is up: the machine queues the auth request (type 9).
/// device.connected(now, &mut rng)?;
/// assert_eq!(device.state(), DeviceState::Authenticating);
/// let mut out = [0u8; 256];
/// let n = device.poll_transmit(&mut out).unwrap();
/// assert_eq!(&out[..4], &0x1234_55cc_u32.to_le_bytes()); // write out[..n] to the socket
/// assert_eq!(out[9], 9);
/// // Without an answer it asks again after `auth_retry_ms`.
/// assert_eq!(device.poll_timeout(), Some(Instant(2_000)));
/// # let _ = n;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Device<const T: usize = 4, const TX: usize = 2048, const RX: usize = 2048> {
    pub(super) cfg: DeviceConfig,
    state: DeviceState,
    /// Kept prepared where the build keeps keys prepared (`sealing::PREPARED_KEYS`).
    session: Option<crate::sealing::Kept<SessionKey>>,
    random: u32,
    auth_sent: Option<Instant>,
    next_heartbeat: Option<Instant>,
    unanswered: u8,
    clock: Option<(Instant, u32)>,
    cloud_ts: u32,
    cloud_serial: u32,
    last_auth_ts: Option<u32>,
    timer_sync_due: bool,
    own_serial: u32,
    timers: TimerTable<T>,
    pending_local: Option<i32>,
    ota: Option<OtaProgress>,
    events: [Option<Event>; EVENT_CAP],
    tx: TxQueue<TX>,
    pub(super) rx: Framer<RX>,
}

impl<const T: usize, const TX: usize, const RX: usize> Device<T, TX, RX> {
    /// A disconnected device.
    #[must_use]
    pub fn new(cfg: DeviceConfig) -> Self {
        Self {
            cfg,
            state: DeviceState::Disconnected,
            session: None,
            random: 0,
            auth_sent: None,
            next_heartbeat: None,
            unanswered: 0,
            clock: None,
            cloud_ts: 0,
            cloud_serial: 0,
            last_auth_ts: None,
            timer_sync_due: false,
            own_serial: 0,
            timers: TimerTable::new(),
            pending_local: None,
            ota: None,
            events: [None; EVENT_CAP],
            tx: TxQueue::new(),
            rx: Framer::new(),
        }
    }

    /// The session state.
    #[must_use]
    pub fn state(&self) -> DeviceState {
        self.state
    }

    /// The installed session key (`None` before auth and after a drop).
    #[must_use]
    pub fn session_key(&self) -> Option<&SessionKey> {
        self.session.as_ref().map(crate::sealing::Kept::key)
    }

    /// The timer tasks.
    #[must_use]
    pub fn timers(&self) -> &TimerTable<T> {
        &self.timers
    }

    /// The command of timer task `id` (what to run on [`Event::TimerFired`]).
    #[must_use]
    pub fn timer_command(&self, id: i32) -> Option<&[u8]> {
        self.timers.command(id)
    }

    /// Sets the wall clock: `unix` seconds at `now`. Without it the device takes the cloud's time
    /// from the auth answer (spec 7.3.2 asks devices to set their clock from it).
    pub fn set_unix_time(&mut self, now: Instant, unix: u32) {
        self.clock = Some((now, unix));
    }

    /// Unix seconds at `now`, if the clock is known.
    #[must_use]
    pub fn unix_time(&self, now: Instant) -> Option<u32> {
        let (at, unix) = self.clock?;
        let secs = u32::try_from(now.millis_since(at) / 1000).unwrap_or(u32::MAX);
        Some(unix.saturating_add(secs))
    }

    fn ts(&self, now: Instant) -> u32 {
        self.unix_time(now).unwrap_or(0)
    }

    fn instant_of(&self, unix: i64) -> Option<Instant> {
        let (at, base) = self.clock?;
        let ms = u64::try_from(unix.saturating_sub(i64::from(base)))
            .unwrap_or(0)
            .saturating_mul(1000);
        Some(at.add_millis(ms))
    }

    fn push_event(&mut self, e: Event) {
        if let Some(slot) = self.events.iter_mut().find(|s| s.is_none()) {
            *slot = Some(e);
        }
    }

    /// Queues [`Event::HeartbeatAcked`], merged into the newest queued event when that is one.
    fn push_heartbeat_acked(&mut self) {
        if let Some(Some(Event::HeartbeatAcked { count })) =
            self.events.iter_mut().rev().find(|s| s.is_some())
        {
            *count = count.saturating_add(1);
            return;
        }
        self.push_event(Event::HeartbeatAcked { count: 1 });
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        let first = self.events.first_mut()?.take();
        self.events.rotate_left(1);
        first
    }

    /// A new TCP connection to the cloud: sends the auth request (spec 7.2.1, 7.3.1) with a
    /// random number drawn from `rng` (compat: shipped devices always send 1; the spec asks for a
    /// random number, and the cloud must accept either).
    ///
    /// # Errors
    /// [`Error::Capacity`] when the auth request does not fit the send queue.
    pub fn connected<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        now: Instant,
        rng: &mut R,
    ) -> Result<()> {
        self.reset_connection();
        self.random = rng.next_u32();
        self.state = DeviceState::Authenticating;
        self.send_auth(now)
    }

    /// The connection dropped (the caller saw EOF or an error): the session key is gone and the
    /// next [`Device::connected`] authenticates again (spec 7.3.1 注).
    pub fn connection_lost(&mut self, _now: Instant) {
        self.reset_connection();
    }

    fn reset_connection(&mut self) {
        self.state = DeviceState::Disconnected;
        self.session = None;
        self.auth_sent = None;
        self.next_heartbeat = None;
        self.unanswered = 0;
        self.tx.clear();
        self.rx.reset();
    }

    fn send_auth(&mut self, now: Instant) -> Result<()> {
        let ts = self.ts(now);
        let opt_src = AuthRequestOpt {
            feed_id: self.cfg.feed_id().as_bytes(),
            random: self.random,
        };
        let mut opt = [0u8; FEED_ID_CAP + 4];
        let n = opt_src.emit(&mut opt)?;
        let msg = WanMessage::AuthRequest(AuthRequest {
            timestamp: ts,
            random: self.random,
        });
        let mode = Mode::AccessKey(&self.cfg.access_key);
        let opt = opt.get(..n).unwrap_or_default();
        self.tx.push_with(|b| seal(&msg, &mode, opt, b))?;
        self.auth_sent = Some(now);
        self.unanswered = self.unanswered.saturating_add(1);
        Ok(())
    }

    /// Seals a device → cloud message with the session key into the send queue.
    fn send(&mut self, msg: &WanMessage<'_>) -> Result<()> {
        let key = self
            .session
            .as_ref()
            .ok_or(Error::State("not authenticated"))?;
        let mode = key.mode();
        self.tx.push_with(|b| seal(msg, &mode, &[], b))?;
        Ok(())
    }

    /// Up to `out.len()` bytes to write to the socket; `None` when nothing waits.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.tx.poll_transmit(out)
    }

    /// When [`Device::handle_timeout`] wants to run next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t: Option<Instant> = None;
        let mut min = |x: Option<Instant>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t| t.min(x)));
            }
        };
        match self.state {
            DeviceState::Disconnected => {}
            DeviceState::Authenticating => {
                min(self.auth_sent.map(|s| s.add_millis(self.cfg.auth_retry_ms)));
            }
            DeviceState::Online => {
                min(self.next_heartbeat);
                min(self
                    .ota
                    .as_ref()
                    .map(|o| o.last_sent.add_millis(OTA_REPORT_EVERY_MS)));
            }
        }
        if self.clock.is_some() {
            min(self.timers.next_due().and_then(|u| self.instant_of(u)));
        }
        t
    }

    fn heartbeat_ms(&self) -> u64 {
        self.cfg.heartbeat_ms.clamp(1, MAX_HEARTBEAT_MS)
    }

    /// Runs what is due at `now`: auth retries, heartbeats, the unanswered-request limit, OTA
    /// status refreshes and timer firings.
    ///
    /// # Errors
    /// [`Error::Capacity`] when the send queue is full (the caller is not draining it).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<()> {
        self.handle_timeout_with(now, Self::send_heartbeat)
    }

    /// The plain device's heartbeat (type 10, spec 7.3.3).
    pub(super) fn send_heartbeat(&mut self, now: Instant) -> Result<()> {
        let hb = WanMessage::Heartbeat(Heartbeat {
            timestamp: self.ts(now),
            version: self.cfg.version,
            rssi: self.cfg.rssi,
        });
        self.send(&hb)
    }

    /// [`Device::handle_timeout`] with the heartbeat left to `heartbeat`: a gateway sends type
    /// 110 in its place (spec 7.3.15).
    pub(crate) fn handle_timeout_with(
        &mut self,
        now: Instant,
        heartbeat: impl FnOnce(&mut Self, Instant) -> Result<()>,
    ) -> Result<()> {
        match self.state {
            DeviceState::Disconnected => {}
            DeviceState::Authenticating => {
                if self
                    .auth_sent
                    .is_some_and(|s| now >= s.add_millis(self.cfg.auth_retry_ms))
                {
                    if self.unanswered >= MAX_UNANSWERED {
                        self.give_up();
                    } else {
                        self.send_auth(now)?;
                    }
                }
            }
            DeviceState::Online => {
                if self.next_heartbeat.is_some_and(|h| now >= h) {
                    if self.unanswered >= MAX_UNANSWERED {
                        self.give_up();
                    } else {
                        heartbeat(self, now)?;
                        self.sync_timers(now)?;
                        self.unanswered = self.unanswered.saturating_add(1);
                        self.next_heartbeat = Some(now.add_millis(self.heartbeat_ms()));
                    }
                }
                if self
                    .ota
                    .as_ref()
                    .is_some_and(|o| now >= o.last_sent.add_millis(OTA_REPORT_EVERY_MS))
                {
                    self.send_ota_status(now)?;
                }
            }
        }
        if let Some(unix) = self.unix_time(now) {
            while let Some(id) = self.timers.pop_due(i64::from(unix)) {
                self.push_event(Event::TimerFired { id });
            }
        }
        Ok(())
    }

    fn give_up(&mut self) {
        self.reset_connection();
        self.push_event(Event::Reconnect);
    }

    /// Feeds bytes read from the socket; `f` sees each packet the application must act on.
    ///
    /// # Errors
    /// A framing error (bad magic, packet larger than `RX`): the stream is lost, the caller should
    /// close it and report [`Device::connection_lost`]. Packets that do not open or decode are
    /// dropped silently, as shipped devices do.
    pub fn handle_input(
        &mut self,
        now: Instant,
        mut input: &[u8],
        mut f: impl FnMut(&mut Self, Incoming<'_>),
    ) -> Result<()> {
        let mut rx = core::mem::take(&mut self.rx);
        let r = loop {
            match rx.next_frame(&mut input) {
                Ok(Some(frame)) => {
                    if let Ok(Some(inc)) = self.handle_packet(now, frame) {
                        f(self, inc);
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        self.rx = rx;
        r
    }

    /// Handles one whole packet (opened in place in `packet`).
    ///
    /// Cloud packets are opened like shipped devices do: the key by packet type, the CRC and
    /// enctype not enforced (compat: the SDK checks neither on receive).
    ///
    /// # Errors
    /// [`Error::Crypto`] / [`Error::Wire`] for a packet that does not open or decode,
    /// [`Error::State`] for a session packet before auth; the machine's state is unchanged.
    pub fn handle_packet<'a>(
        &mut self,
        now: Instant,
        packet: &'a mut [u8],
    ) -> Result<Option<Incoming<'a>>> {
        // Opened as shipped devices do: the CRC reported, the enctype ignored (compat §2, §3.2).
        let (crc, enc) = (CrcPolicy::Report, EncTypeCheck::Ignore);
        let header = joylink_wire::Header::parse(packet.get(..HEADER_LEN).unwrap_or_default())?;
        if header.packet_type == PacketType::Auth {
            if self.state != DeviceState::Authenticating {
                return Err(Error::State("auth answer while not authenticating"));
            }
            let mode = Mode::AccessKey(&self.cfg.access_key);
            let Opened { opt, message } = open(packet, &mode, Direction::ToDevice, crc, enc)?;
            let WanMessage::AuthResponse(resp) = message else {
                return Err(Error::State("not an auth answer"));
            };
            // spec 7.3.2 注: the cloud's opt and payload random numbers agree.
            resp.check_opt(&AuthResponseOpt::parse(opt)?)?;
            // A captured auth answer replayed while the device authenticates again would
            // install an old session key, and with it every old packet would open again (the
            // serial rule restarts at auth). Nothing in the answer echoes the device's random
            // number, so the cloud's timestamp must move on: strictly later than the last
            // accepted answer. A genuine answer in the same second is refused and the device
            // simply asks again.
            if self.last_auth_ts.is_some_and(|last| resp.timestamp <= last) {
                return Err(Error::State("auth answer not newer than the last one"));
            }
            self.last_auth_ts = Some(resp.timestamp);
            self.session = Some(crate::sealing::Kept::new(SessionKey::new(
                *resp.session_key.raw_secret_array(),
            )));
            self.state = DeviceState::Online;
            self.unanswered = 0;
            self.auth_sent = None;
            self.cloud_ts = resp.timestamp;
            self.cloud_serial = 0;
            if self.clock.is_none() {
                self.clock = Some((now, resp.timestamp));
            }
            self.next_heartbeat = Some(now.add_millis(self.heartbeat_ms()));
            self.push_event(Event::Authenticated);
            self.timer_sync_due = true;
            return Ok(None);
        }
        // Borrowed, not cloned: no copy of the (prepared) key per packet.
        let mode = self
            .session
            .as_ref()
            .ok_or(Error::State("not authenticated"))?
            .mode();
        let Opened { message, .. } = open(packet, &mode, Direction::ToDevice, crc, enc)?;
        self.unanswered = 0;
        Ok(match message {
            WanMessage::HeartbeatResponse(r) => {
                self.cloud_ts = self.cloud_ts.max(r.timestamp);
                self.push_heartbeat_acked();
                None
            }
            WanMessage::Control(c) => {
                if !self.fresh(c.timestamp, c.serial) {
                    self.push_event(Event::ReplayDropped { serial: c.serial });
                    return Ok(None);
                }
                Some(Incoming::Control {
                    request: ControlRequest {
                        biz_code: c.biz_code,
                        serial: c.serial,
                    },
                    data: c.data,
                })
            }
            WanMessage::VideoRequest(c) => {
                if !self.fresh(c.timestamp, c.serial) {
                    self.push_event(Event::ReplayDropped { serial: c.serial });
                    return Ok(None);
                }
                Some(Incoming::Video {
                    request: ControlRequest {
                        biz_code: c.biz_code,
                        serial: c.serial,
                    },
                    data: c.data,
                })
            }
            WanMessage::OtaOrder(o) => {
                // compat: shipped devices take an OTA order only with a timestamp strictly
                // after the last cloud time they saw.
                if o.timestamp <= self.cloud_ts {
                    self.push_event(Event::ReplayDropped { serial: 0 });
                    return Ok(None);
                }
                self.cloud_ts = o.timestamp;
                let serial = super::json::find_int(o.body, "serial")
                    .and_then(|s| u32::try_from(s).ok())
                    .unwrap_or(0);
                self.ota_ack(now, serial)?;
                Some(Incoming::OtaOrder {
                    serial,
                    json: o.body,
                })
            }
            WanMessage::Timer(msg) => {
                self.handle_timer(now, msg)?;
                None
            }
            WanMessage::SubDevHeartbeatResponse(r) => {
                self.cloud_ts = self.cloud_ts.max(r.timestamp);
                self.push_heartbeat_acked();
                None
            }
            WanMessage::SubDevControl(c) => {
                if !self.fresh(c.timestamp, c.serial) {
                    self.push_event(Event::ReplayDropped { serial: c.serial });
                    return Ok(None);
                }
                Some(Incoming::SubDevControl {
                    request: ControlRequest {
                        biz_code: c.biz_code,
                        serial: c.serial,
                    },
                    feed_id: c.feed_id,
                    data: c.data,
                })
            }
            WanMessage::SubDevUnbind(u) => {
                if !self.fresh(u.timestamp, u.serial) {
                    self.push_event(Event::ReplayDropped { serial: u.serial });
                    return Ok(None);
                }
                Some(Incoming::SubDevUnbind {
                    request: ControlRequest {
                        biz_code: u.biz_code,
                        serial: u.serial,
                    },
                    devices: u.devices,
                })
            }
            WanMessage::SubDevUploadResponse(_) => None,
            WanMessage::InfoFetchResponse(i) => Some(Incoming::Info {
                serial: i.serial,
                info: i.info,
            }),
            WanMessage::UploadResponse(_)
            | WanMessage::OtaStatusResponse(_)
            | WanMessage::TaskReportResponse(_) => None,
            WanMessage::Other {
                packet_type,
                plaintext,
                ..
            } => Some(Incoming::Other {
                packet_type,
                plaintext,
            }),
            other => Some(Incoming::Other {
                packet_type: other.packet_type(),
                plaintext: &[],
            }),
        })
    }

    /// The WAN replay rule for cloud requests: timestamp not older than the last one and serial
    /// strictly greater (compat: what SDK 2.0.19 checks; both reset on auth). A replayed packet is
    /// dropped without an answer.
    fn fresh(&mut self, ts: u32, serial: u32) -> bool {
        if ts >= self.cloud_ts && serial > self.cloud_serial {
            self.cloud_ts = ts;
            self.cloud_serial = serial;
            true
        } else {
            false
        }
    }

    /// Answers a [`Incoming::Control`] with the device's snapshot or result (type 11, biz_code
    /// mapped as SDK 2.1.22 does: 1002 → 102, 1004 → 104, 1050 → 150).
    ///
    /// # Errors
    /// [`Error::State`] before auth, [`Error::Capacity`] when it does not fit the send queue.
    pub fn respond(&mut self, now: Instant, request: ControlRequest, data: &[u8]) -> Result<()> {
        let c = Control {
            timestamp: self.ts(now),
            biz_code: request.biz_code.response(),
            serial: request.serial,
            data,
        };
        self.send(&WanMessage::ControlResponse(c))
    }

    /// Uploads a snapshot (type 12, spec 7.3.5); due right after [`Event::Authenticated`].
    ///
    /// # Errors
    /// As [`Device::respond`].
    pub fn upload(&mut self, now: Instant, snapshot: &[u8]) -> Result<()> {
        let m = WanMessage::Upload(Timestamped {
            timestamp: self.ts(now),
            body: snapshot,
        });
        self.send(&m)?;
        self.sync_timers(now)
    }

    /// The task table goes to the cloud once per session (1101, spec 10.12), so that the cloud's
    /// list matches again whatever was lost with the last connection; a device-made task still
    /// without its id is reported after it (1098, spec 10.9). Sent after the snapshot upload the
    /// spec wants first (7.3.5), or with the first heartbeat if the application never uploads.
    fn sync_timers(&mut self, now: Instant) -> Result<()> {
        if self.timer_sync_due {
            self.report_timer_snapshot(now)?;
            self.report_local_add(now)?;
            self.timer_sync_due = false;
        }
        Ok(())
    }

    /// Asks the cloud for information (type 15, spec 7.3.27); returns the serial the answer
    /// ([`Incoming::Info`]) carries.
    ///
    /// # Errors
    /// As [`Device::respond`].
    pub fn fetch_info(&mut self, now: Instant, request_json: &[u8]) -> Result<u32> {
        self.own_serial = self.own_serial.wrapping_add(1);
        let m = WanMessage::InfoFetchRequest(InfoFetch {
            timestamp: self.ts(now),
            serial: self.own_serial,
            info: request_json,
        });
        self.send(&m)?;
        self.unanswered = self.unanswered.saturating_add(1);
        Ok(self.own_serial)
    }

    /// Reports a recipe task (type 16, spec 7.3.13); returns its serial.
    ///
    /// # Errors
    /// As [`Device::respond`].
    pub fn report_task(&mut self, now: Instant, report_json: &[u8]) -> Result<u32> {
        self.own_serial = self.own_serial.wrapping_add(1);
        let m = WanMessage::TaskReport(TaskReport {
            timestamp: self.ts(now),
            serial: self.own_serial,
            report: report_json,
        });
        self.send(&m)?;
        Ok(self.own_serial)
    }

    /// Sends an asynchronous result (type 14, spec 12) or any other device → cloud message
    /// sealed with the session key.
    ///
    /// # Errors
    /// As [`Device::respond`].
    pub fn send_message(&mut self, message: &WanMessage<'_>) -> Result<()> {
        if message.direction() != Direction::FromDevice {
            return Err(Error::State("not a device message"));
        }
        self.send(message)
    }

    fn ota_ack(&mut self, now: Instant, serial: u32) -> Result<()> {
        let mut json = [0u8; 64];
        let n = write_into(&mut json, |w| {
            core::fmt::write(
                w,
                format_args!(r#"{{"code":0,"serial":{serial},"msg":"success"}}"#),
            )
        })?;
        let m = WanMessage::OtaOrderResponse(Timestamped {
            timestamp: self.ts(now),
            body: json.get(..n).unwrap_or_default(),
        });
        self.send(&m)
    }

    /// Reports OTA progress (type 8, spec 9.6). Until `status` is done or failed the machine
    /// repeats the last report every [`OTA_REPORT_EVERY_MS`], because the cloud fails an upgrade
    /// after 10 minutes without one.
    ///
    /// # Errors
    /// As [`Device::respond`]; [`Error::State`] for a description that needs JSON escaping or is
    /// longer than 32 bytes.
    pub fn ota_status(
        &mut self,
        now: Instant,
        status: OtaStatus,
        progress: i32,
        desc: &str,
    ) -> Result<()> {
        plain("status_desc", desc)?;
        let mut d = [0u8; 32];
        d.get_mut(..desc.len())
            .ok_or(Error::State("status_desc too long"))?
            .copy_from_slice(desc.as_bytes());
        self.ota = Some(OtaProgress {
            status,
            progress,
            desc: d,
            desc_len: u8::try_from(desc.len()).unwrap_or(0),
            last_sent: now,
        });
        self.send_ota_status(now)?;
        if matches!(status, OtaStatus::Done | OtaStatus::Failed) {
            self.ota = None;
        }
        Ok(())
    }

    fn send_ota_status(&mut self, now: Instant) -> Result<()> {
        let Some(o) = self.ota.as_mut() else {
            return Ok(());
        };
        o.last_sent = now;
        let (status, progress) = (i32::from(o.status), o.progress);
        let desc = core::str::from_utf8(o.desc.get(..usize::from(o.desc_len)).unwrap_or_default())
            .unwrap_or_default();
        let mut json = [0u8; 256];
        let (feed, uuid) = (self.cfg.feed_id(), self.cfg.product_uuid());
        let n = write_into(&mut json, |w| {
            core::fmt::write(
                w,
                format_args!(
                    r#"{{"cmd":"otastat","data":{{"feedid":"{feed}","productuuid":"{uuid}","status":{status},"status_desc":"{desc}","progress":{progress}}}}}"#
                ),
            )
        })?;
        let m = WanMessage::OtaStatus(Timestamped {
            timestamp: self.ts(now),
            body: json.get(..n).unwrap_or_default(),
        });
        self.send(&m)
    }

    /// Reports an execution of timer task `id` (1097, spec 10.8) with the application's result
    /// `code` (0 executed).
    ///
    /// # Errors
    /// As [`Device::respond`].
    pub fn report_timer_result(&mut self, now: Instant, id: i32, code: i32) -> Result<()> {
        let results = [TaskResult { id, step: 1, code }];
        self.own_serial = self.own_serial.wrapping_add(1);
        let msg = TimerMessage::ReportResult(ResultReport {
            preamble: ControlHeader::new(self.ts(now), BizCode::TimerReportResult, self.own_serial),
            results: List::from_slice(&results),
        });
        self.send_timer(&msg)
    }

    /// Reports the task table (1101, spec 10.12); the machine does so itself once per session.
    ///
    /// # Errors
    /// As [`Device::respond`].
    pub fn report_timer_snapshot(&mut self, now: Instant) -> Result<()> {
        self.own_serial = self.own_serial.wrapping_add(1);
        let pre = ControlHeader::new(self.ts(now), BizCode::TimerReportSnapshot, self.own_serial);
        self.timer_list_reply(pre)
    }

    /// Adds a task set on the device itself (a panel, a remote): stored with id 0 and reported
    /// with 1098 (spec 10.9); the cloud's answer 198 gives it its id. One such report is
    /// outstanding at a time; it is sent again after each re-auth until answered.
    ///
    /// # Errors
    /// [`Error::State`] while another local add waits for its id, [`Error::Capacity`] when the
    /// task does not fit the table (see [`TimerTable`]); as [`Device::respond`].
    pub fn add_local_timer(&mut self, now: Instant, task: &Task<'_>) -> Result<()> {
        if self.pending_local.is_some() || self.timers.get(0).is_some() {
            return Err(Error::State("a local timer waits for its id"));
        }
        let mut local = *task;
        if let TaskBody::Base(b) = &mut local.body {
            b.head.id = 0;
        }
        let unix = i64::from(self.ts(now));
        if !self.timers.insert(&local, unix) {
            return Err(Error::Capacity);
        }
        self.pending_local = Some(0);
        self.report_local_add(now)
    }

    fn report_local_add(&mut self, now: Instant) -> Result<()> {
        if self.pending_local.is_none() {
            return Ok(());
        }
        self.own_serial = self.own_serial.wrapping_add(1);
        let pre = ControlHeader::new(self.ts(now), BizCode::TimerReportAdd, self.own_serial);
        let mut buf = [0u8; TIMER_SCRATCH];
        let feed = self.cfg.feed_id().as_bytes();
        let label = Label::new(feed, b"");
        let n = self.timers.with_tasks(
            |id| id == 0,
            Some(label),
            |tasks| {
                TimerMessage::ReportAdd(TaskRequest {
                    preamble: pre,
                    tasks: List::from_slice(tasks),
                })
                .emit(&mut buf)
            },
        );
        let n = n.map_err(|_| Error::Capacity)?;
        self.send_timer_bytes(&buf, n)
    }

    /// Deletes task `id` on the device (a button on the device) and reports it (1099, 10.10).
    ///
    /// # Errors
    /// [`Error::State`] for an unknown id; as [`Device::respond`].
    pub fn delete_local_timer(&mut self, now: Instant, id: i32) -> Result<()> {
        if !self.timers.remove(Some(id)) {
            return Err(Error::State("no such timer"));
        }
        let ids = [id];
        self.own_serial = self.own_serial.wrapping_add(1);
        let msg = TimerMessage::ReportDelete(IdsRequest {
            preamble: ControlHeader::new(self.ts(now), BizCode::TimerReportDelete, self.own_serial),
            ids: List::from_slice(&ids),
        });
        self.send_timer(&msg)
    }

    fn send_timer(&mut self, msg: &TimerMessage<'_>) -> Result<()> {
        // Validated (and sized) first, so a message the table cannot describe is refused
        // before anything is queued.
        if msg.buffer_len().map_err(|_| Error::Capacity)? > TIMER_SCRATCH {
            return Err(Error::Capacity);
        }
        self.send(&WanMessage::Timer(*msg))
    }

    /// Sends a timer message the table encoded into `buf` (its tasks borrow the table, so it is
    /// encoded inside [`TimerTable::with_tasks`] and decoded back here).
    fn send_timer_bytes(&mut self, buf: &[u8], n: usize) -> Result<()> {
        let bytes = buf.get(..n).unwrap_or_default();
        let msg = TimerMessage::parse(bytes, Direction::FromDevice)?;
        self.send(&WanMessage::Timer(msg))
    }

    fn timer_list_reply(&mut self, preamble: ControlHeader) -> Result<()> {
        // A device-made task without its id yet (0) is not listed: its 1098 report follows.
        let mut buf = [0u8; TIMER_SCRATCH];
        let feed = self.cfg.feed_id().as_bytes();
        let n = self.timers.with_tasks(
            |id| id != 0,
            None,
            |tasks| {
                TimerMessage::QueryResponse(SimplifiedTaskRequest {
                    preamble,
                    feed_id: joylink_wire::FixedText::new("feedid", feed),
                    tasks: List::from_slice(tasks),
                })
                .emit(&mut buf)
            },
        );
        let n = n.map_err(|_| Error::Capacity)?;
        self.send_timer_bytes(&buf, n)
    }

    /// Type 13 from the cloud: management requests are applied and answered (spec 10.1–10.7),
    /// answers to the device's reports are taken note of.
    fn handle_timer(&mut self, now: Instant, msg: TimerMessage<'_>) -> Result<()> {
        let pre = *msg.preamble();
        let is_request = matches!(
            msg,
            TimerMessage::SupportQuery(_)
                | TimerMessage::Add(_)
                | TimerMessage::Update(_)
                | TimerMessage::Delete(_)
                | TimerMessage::Query(_)
                | TimerMessage::Stop(_)
                | TimerMessage::Restart(_)
        );
        if is_request && !self.fresh(pre.timestamp, pre.serial) {
            self.push_event(Event::ReplayDropped { serial: pre.serial });
            return Ok(());
        }
        let reply = ControlHeader {
            timestamp: self.ts(now),
            ..pre.reply()
        };
        let unix = i64::from(self.ts(now));
        let code_reply = |code: i32| {
            TimerMessage::AddResponse(TimerCode {
                preamble: reply,
                code,
            })
        };
        match msg {
            TimerMessage::SupportQuery(_) => self.send_timer(&code_reply(0))?,
            TimerMessage::Add(r) | TimerMessage::Update(r) => {
                let ok = r.tasks.iter().all(|t| self.timers.insert(&t, unix));
                self.push_event(Event::TimersChanged);
                self.send_timer(&code_reply(if ok { 0 } else { -1 }))?;
            }
            TimerMessage::Delete(r) | TimerMessage::Stop(r) | TimerMessage::Restart(r) => {
                let mut failed = [0i32; 8];
                let mut nf = 0usize;
                let all = r.ids.is_empty();
                for id in r.ids.iter() {
                    let ok = match msg {
                        TimerMessage::Delete(_) => self.timers.remove(Some(id)),
                        TimerMessage::Stop(_) => self.timers.set_running(Some(id), false, unix),
                        _ => self.timers.set_running(Some(id), true, unix),
                    };
                    if !ok && let Some(f) = failed.get_mut(nf) {
                        *f = id;
                        nf = nf.saturating_add(1);
                    }
                }
                if all {
                    match msg {
                        TimerMessage::Delete(_) => {
                            self.timers.remove(None);
                        }
                        TimerMessage::Stop(_) => {
                            self.timers.set_running(None, false, unix);
                        }
                        _ => {
                            self.timers.set_running(None, true, unix);
                        }
                    }
                }
                self.push_event(Event::TimersChanged);
                let ids = failed.get(..nf).unwrap_or_default();
                let rsp = IdsResponse {
                    preamble: reply,
                    code: i32::from(nf > 0).wrapping_neg(),
                    ids: Some(List::from_slice(ids)),
                };
                let m = match msg {
                    TimerMessage::Delete(_) => TimerMessage::DeleteResponse(rsp),
                    TimerMessage::Stop(_) => TimerMessage::StopResponse(rsp),
                    _ => TimerMessage::RestartResponse(rsp),
                };
                self.send_timer(&m)?;
            }
            TimerMessage::Query(_) => self.timer_list_reply(reply)?,
            TimerMessage::ReportAddResponse(r) => {
                if r.code == 0
                    && r.id != 0
                    && let Some(local) = self.pending_local.take()
                {
                    self.timers.rename(local, r.id);
                    self.push_event(Event::TimersChanged);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    extern crate std;
    use super::*;

    #[test]
    fn default_size_is_bounded() {
        // Without the prepared session key where the build keeps one (`sealing::PREPARED_KEYS`).
        let extra = crate::sealing::KEPT_EXTRA;
        let size = core::mem::size_of::<Device>().saturating_sub(extra);
        std::println!(
            "Device {size}, Device<4,0,0> {}, Cloud {}, prepared key {extra}",
            core::mem::size_of::<Device<4, 0, 0>>().saturating_sub(extra),
            core::mem::size_of::<crate::wan::Cloud>()
        );
        // The documented figures (x86-64), plus the prepared key where the build keeps one.
        let near = crate::sealing::assert_near_documented;
        near("wan::Device", core::mem::size_of::<Device>(), 5_536 + extra);
        near(
            "wan::Device<4, 0, 0>",
            core::mem::size_of::<Device<4, 0, 0>>(),
            1_440 + extra,
        );
    }

    /// Two heartbeat answers read before the application polls become one event counting 2,
    /// behind the events already queued.
    #[test]
    fn heartbeat_answers_merge_into_one_event() {
        use crate::wan::{Cloud, CloudConfig, Framer, TxQueue};
        let mut rng = joylink_test_vectors::TestRng(5);
        let key: AccessKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
        let mut cfg = DeviceConfig::new("1234567890123456", "ABCDEF", key.clone()).unwrap();
        cfg.heartbeat_ms = 1_000;
        let mut device: Device = Device::new(cfg);
        let mut cloud = Cloud::new(CloudConfig::default(), Instant(0), 1_700_000_000);
        let mut tx = TxQueue::<4096>::new();
        let mut lookup = |_: &[u8]| Some(key.clone());
        let mut pump = |device: &mut Device, cloud: &mut Cloud, tx: &mut TxQueue<4096>, now| {
            let mut wire = [0u8; 4096];
            let mut rx = Framer::<2048>::new();
            while let Some(n) = device.poll_transmit(&mut wire) {
                let mut input = &wire[..n];
                while let Some(p) = rx.next_frame(&mut input).unwrap() {
                    let _ = cloud.handle_packet(now, p, &mut lookup, &mut rng, tx);
                }
            }
            while let Some(n) = tx.poll_transmit(&mut wire) {
                device.handle_input(now, &wire[..n], |_, _| {}).unwrap();
            }
        };
        device
            .connected(Instant(0), &mut joylink_test_vectors::TestRng(6))
            .unwrap();
        pump(&mut device, &mut cloud, &mut tx, Instant(0));
        assert_eq!(device.state(), DeviceState::Online);
        // Two heartbeats out, both answered, nothing polled in between.
        for t in [1_000, 2_000] {
            device.handle_timeout(Instant(t)).unwrap();
            pump(&mut device, &mut cloud, &mut tx, Instant(t));
        }
        assert_eq!(device.poll_event(), Some(Event::Authenticated));
        assert_eq!(
            device.poll_event(),
            Some(Event::HeartbeatAcked { count: 2 })
        );
        assert_eq!(device.poll_event(), None);
        device.handle_timeout(Instant(3_000)).unwrap();
        pump(&mut device, &mut cloud, &mut tx, Instant(3_000));
        assert_eq!(
            device.poll_event(),
            Some(Event::HeartbeatAcked { count: 1 })
        );
    }
}
