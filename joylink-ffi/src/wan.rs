//! The WAN device session machine (`joylink_session::wan::Device`, spec chapter 7, 9.5/9.6, 10)
//! through C: created in the caller's memory, fed with stream bytes and the time, polled for
//! bytes to send, the next deadline and events, answered with calls.
//!
//! The machine is the Rust one, unchanged: this module only moves bytes and translates events.
//! Incoming frames are cut by a `Framer` kept beside the machine (not inside it), one packet at a
//! time, so that an event can point into the received packet without copying it: while such an
//! event waits to be polled, `jl_wan_device_input` refuses more bytes (`JL_ERR_STATE`).

use core::convert::Infallible;
use core::ffi::{c_int, c_void};
use core::ptr;

use joylink_crypto::AccessKey;
use joylink_session::Instant;
use joylink_session::wan::{
    ControlRequest, Device, DeviceConfig, DeviceState, Event, Framer, Incoming,
};
use joylink_wire::BizCode;
use joylink_wire::wan::OtaStatus;

use crate::ptr::{bytes, bytes_mut, check_struct, read, write};
pub use crate::rng::JlRngFn;
use crate::status::{
    JL_ERR_BUFFER_TOO_SMALL, JL_ERR_INVALID_ARGUMENT, JL_ERR_NULL, JL_ERR_RNG, JL_ERR_STATE,
    Status, ret,
};

/// Timer tasks the C device keeps (each about 200 bytes of RAM).
pub const JL_WAN_TIMERS: usize = 4;
/// Bytes of the device's send queue: whole sealed packets wait here for
/// `jl_wan_device_poll_transmit` (the largest the machine writes is a 1 KiB timer reply).
pub const JL_WAN_TX_CAP: usize = 2048;
/// Largest packet the device receives (header included); a longer frame is a framing error.
pub const JL_WAN_RX_CAP: usize = 2048;
/// `jl_wan_device_next_deadline` writes this when nothing is scheduled.
pub const JL_NO_DEADLINE: u64 = u64::MAX;

/// Marks an initialised device (a cheap guard against a handle that was never initialised).
const LIVE: u32 = 0x4a4c_5744; // "JLWD"

/// What a device is (`jl_wan_device_init`). Strings are bytes with a length, not NUL-terminated.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct JlWanConfig {
    /// The feed id (at most 32 bytes, the SDK's `feedid[33]`).
    pub feed_id: *const u8,
    /// Its length.
    pub feed_id_len: usize,
    /// The product uuid (at most 16 bytes), sent in OTA reports.
    pub product_uuid: *const u8,
    /// Its length.
    pub product_uuid_len: usize,
    /// The accesskey: 32 printable ASCII characters (`JL_KEY_LEN`), used as text.
    pub access_key: *const u8,
    /// Firmware version number sent in heartbeats (spec 7.3.3).
    pub version: u16,
    /// RSSI sent in heartbeats (shipped devices send 1).
    pub rssi: u16,
    /// Heartbeat interval in ms, at most 60 000 (spec 7.3.3); 0 = the shipped 15 000.
    pub heartbeat_ms: u32,
    /// Pause between unanswered auth requests in ms; 0 = 2 000.
    pub auth_retry_ms: u32,
}

/// What `jl_wan_device_poll_event` reports (`jl_wan_event_t.kind`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)] // the C names
pub enum JlWanEventKind {
    /// Nothing to report.
    JL_WAN_EVENT_NONE = 0,
    /// Auth answered, session key installed: upload a snapshot now (`jl_wan_device_upload`,
    /// spec 7.3.5).
    JL_WAN_EVENT_AUTHENTICATED = 1,
    /// Type 11 control / snapshot / recipe request (`biz_code`, `serial`, `data` = the command),
    /// already checked against replay; answer with `jl_wan_device_respond`.
    JL_WAN_EVENT_CONTROL = 2,
    /// Type 200 video command (`biz_code`, `serial`, `data` = JSON), checked against replay.
    JL_WAN_EVENT_VIDEO = 3,
    /// Type 7 OTA order (`serial`, `data` = the order JSON: url, crc32, version), already
    /// acknowledged; report progress with `jl_wan_device_ota_status`.
    JL_WAN_EVENT_OTA_ORDER = 4,
    /// Type 15 answer to an info request (`serial`, `data` = JSON).
    JL_WAN_EVENT_INFO = 5,
    /// Another cloud packet (`packet_type`, `data` = its plaintext when the machine does not
    /// decode the type, else empty).
    JL_WAN_EVENT_OTHER = 6,
    /// Timer task `timer_id` is due (spec 10): run `data` (its command) and call
    /// `jl_wan_device_report_timer_result`.
    JL_WAN_EVENT_TIMER_FIRED = 7,
    /// The cloud changed the timer table (persist it if you keep timers across reboots).
    JL_WAN_EVENT_TIMERS_CHANGED = 8,
    /// A cloud packet was dropped as a replay (`serial`).
    JL_WAN_EVENT_REPLAY_DROPPED = 9,
    /// Three requests went unanswered: close the TCP connection, open a new one and call
    /// `jl_wan_device_connected` (spec 7.3.1 注).
    JL_WAN_EVENT_RECONNECT = 10,
}

/// One event (`jl_wan_device_poll_event`). Fields a kind does not use are 0 / NULL.
///
/// `data` points into the device's memory (the received packet, or the timer table): valid until
/// the next `jl_wan_device_input`, `jl_wan_device_handle_timeout`, `jl_wan_device_connected`,
/// `jl_wan_device_connection_lost` or `jl_wan_device_deinit`. Copy what you keep.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct JlWanEvent {
    /// What happened.
    pub kind: JlWanEventKind,
    /// The packet type (`JL_WAN_EVENT_OTHER`).
    pub packet_type: u8,
    /// The request's biz_code (control: 1002 control, 1004 snapshot, 1050 recipe; video).
    pub biz_code: u32,
    /// The cloud's serial, to echo in the answer.
    pub serial: u32,
    /// The timer task id (`JL_WAN_EVENT_TIMER_FIRED`).
    pub timer_id: i32,
    /// The body (see the kinds); NULL when empty.
    pub data: *const u8,
    /// Its length.
    pub data_len: usize,
}

impl JlWanEvent {
    const fn kind(kind: JlWanEventKind) -> Self {
        Self {
            kind,
            packet_type: 0,
            biz_code: 0,
            serial: 0,
            timer_id: 0,
            data: ptr::null(),
            data_len: 0,
        }
    }

    fn with_data(mut self, data: &[u8]) -> Self {
        if !data.is_empty() {
            self.data = data.as_ptr();
            self.data_len = data.len();
        }
        self
    }

    fn request(kind: JlWanEventKind, r: ControlRequest, data: &[u8]) -> Self {
        Self {
            biz_code: u32::from(r.biz_code),
            serial: r.serial,
            ..Self::kind(kind)
        }
        .with_data(data)
    }
}

/// The device's session state (`jl_wan_device_state`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)] // the C names
pub enum JlWanState {
    /// No connection.
    JL_WAN_DISCONNECTED = 0,
    /// Auth request sent, no answer yet.
    JL_WAN_AUTHENTICATING = 1,
    /// Session key installed.
    JL_WAN_ONLINE = 2,
}

/// The device (opaque to C; `jl_wan_device_size()` bytes aligned to `jl_wan_device_align()`).
pub struct JlWanDevice {
    live: u32,
    rng: unsafe extern "C" fn(ctx: *mut c_void, buf: *mut u8, len: usize) -> c_int,
    rng_ctx: *mut c_void,
    /// An event that borrows `rx`, not yet polled.
    pending: Option<JlWanEvent>,
    rx: Framer<JL_WAN_RX_CAP>,
    device: Device<JL_WAN_TIMERS, JL_WAN_TX_CAP, 0>,
}

/// The caller's callback as a `rand_core` generator. A failure is remembered (and the bytes
/// zeroed) so that the `jl_` call can report `JL_ERR_RNG` and undo its effect.
struct CallbackRng {
    f: unsafe extern "C" fn(ctx: *mut c_void, buf: *mut u8, len: usize) -> c_int,
    ctx: *mut c_void,
    failed: bool,
}

impl rand_core::TryRng for CallbackRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        if dst.is_empty() {
            return Ok(());
        }
        // SAFETY: the caller's callback (non-NULL, checked at init) with `dst.len()` writable
        // bytes; its contract is in `jl_wan_device_init`'s docs.
        let rc = unsafe { (self.f)(self.ctx, dst.as_mut_ptr(), dst.len()) };
        if rc != 0 {
            self.failed = true;
            dst.fill(0);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for CallbackRng {}

/// Borrows an initialised device.
///
/// # Safety
/// `dev`, when non-NULL and aligned, points to memory `jl_wan_device_init` initialised (or at
/// least `jl_wan_device_size()` readable bytes), not used through another pointer meanwhile.
unsafe fn device<'a>(dev: *mut JlWanDevice) -> Status<&'a mut JlWanDevice> {
    check_struct(dev)?;
    // SAFETY: non-NULL and aligned (checked), readable by the caller's contract; only the `u32`
    // field is read before we know the struct is ours.
    let live = unsafe { ptr::addr_of!((*dev).live).read() };
    if live != LIVE {
        return Err(JL_ERR_STATE);
    }
    // SAFETY: initialised by `jl_wan_device_init` (marker checked), exclusive by contract.
    Ok(unsafe { &mut *dev })
}

/// Bytes of memory a device needs (pass at least this to `jl_wan_device_init`). Never fails.
#[unsafe(no_mangle)]
pub extern "C" fn jl_wan_device_size() -> usize {
    size_of::<JlWanDevice>()
}

/// Alignment the device memory needs. Never fails.
#[unsafe(no_mangle)]
pub extern "C" fn jl_wan_device_align() -> usize {
    align_of::<JlWanDevice>()
}

/// Creates a disconnected device in `mem` (`len` bytes, at least `jl_wan_device_size()`,
/// aligned to `jl_wan_device_align()`); `*out` = the handle (`mem` itself). Nothing is allocated.
/// `rng(rng_ctx, buf, len)` is called for randomness (the auth request's random number).
///
/// Returns `JL_OK`; `JL_ERR_NULL` (`mem`, `cfg`, `rng`, `out` or a string NULL);
/// `JL_ERR_BUFFER_TOO_SMALL` (`len` < size); `JL_ERR_INVALID_ARGUMENT` (`mem` misaligned, a feed
/// id over 32 or product uuid over 16 bytes, not UTF-8 or needing JSON escaping, a heartbeat
/// over 60 000 ms); `JL_ERR_BAD_KEY` (an accesskey that is not 32 printable ASCII characters).
/// On error `mem` and `*out` are untouched.
///
/// # Safety
/// `mem` writable for `len` bytes and not used otherwise until `jl_wan_device_deinit`; `cfg` a
/// readable `jl_wan_config_t` whose strings are readable for their lengths and the accesskey for
/// 32 bytes (all copied: they need not outlive the call); `out` writable. `rng` is called only
/// from this device's functions, with `rng_ctx`, and must write `len` bytes at `buf`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_init(
    mem: *mut c_void,
    len: usize,
    cfg: *const JlWanConfig,
    rng: JlRngFn,
    rng_ctx: *mut c_void,
    out: *mut *mut JlWanDevice,
) -> c_int {
    let r = (|| -> Status {
        check_struct(out)?;
        let mem = mem.cast::<JlWanDevice>();
        if mem.is_null() {
            return Err(JL_ERR_NULL);
        }
        if !mem.is_aligned() {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        if len < size_of::<JlWanDevice>() {
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        let rng = rng.ok_or(JL_ERR_NULL)?;
        // SAFETY: forwarded caller contract.
        let c = unsafe { read(cfg) }?;
        // SAFETY: forwarded caller contract (strings readable for their lengths).
        let feed = unsafe { bytes(c.feed_id, c.feed_id_len) }?;
        // SAFETY: as above.
        let uuid = unsafe { bytes(c.product_uuid, c.product_uuid_len) }?;
        if c.access_key.is_null() {
            return Err(JL_ERR_NULL);
        }
        // SAFETY: as above (32 bytes).
        let key = unsafe { bytes(c.access_key, joylink_crypto::KEY_LEN) }?;
        let key = AccessKey::from_ascii(key)?;
        let text = |b| core::str::from_utf8(b).map_err(|_| JL_ERR_INVALID_ARGUMENT);
        let mut dc = DeviceConfig::new(text(feed)?, text(uuid)?, key)
            .map_err(|_| JL_ERR_INVALID_ARGUMENT)?;
        dc.version = c.version;
        dc.rssi = c.rssi;
        if c.heartbeat_ms != 0 {
            if u64::from(c.heartbeat_ms) > joylink_session::wan::MAX_HEARTBEAT_MS {
                return Err(JL_ERR_INVALID_ARGUMENT);
            }
            dc.heartbeat_ms = u64::from(c.heartbeat_ms);
        }
        if c.auth_retry_ms != 0 {
            dc.auth_retry_ms = u64::from(c.auth_retry_ms);
        }
        let value = JlWanDevice {
            live: LIVE,
            rng,
            rng_ctx,
            pending: None,
            rx: Framer::new(),
            device: Device::new(dc),
        };
        // SAFETY: non-NULL, aligned, `len` >= size (checked); writable by contract; the old
        // contents are neither read nor dropped.
        unsafe { ptr::write(mem, value) };
        // SAFETY: forwarded caller contract.
        unsafe { write(out, mem) }
    })();
    ret(r)
}

/// Destroys a device: all of its memory is zeroed (the keys, and the last packet's plaintext in
/// the receive buffer) and the handle becomes invalid (`JL_ERR_STATE` if used again). The
/// memory is the caller's again.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT` (misaligned), `JL_ERR_STATE` (not
/// an initialised device).
///
/// # Safety
/// `dev` from `jl_wan_device_init`, not used through another pointer during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_deinit(dev: *mut JlWanDevice) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { device(dev) }?;
        // SAFETY: initialised (checked by `device`); dropped once, then every byte is zeroed
        // (the marker too, so every later call sees `JL_ERR_STATE`). The memory belongs to the
        // caller, so the writes cannot be optimised away.
        unsafe {
            ptr::drop_in_place(dev);
            ptr::write_bytes(dev.cast::<u8>(), 0, size_of::<JlWanDevice>());
        }
        Ok(())
    })();
    ret(r)
}

/// A new TCP connection to the cloud is up: queues the auth request (type 9, spec 7.3.1) sealed
/// with the accesskey, with a random number from the callback. Send it with
/// `jl_wan_device_poll_transmit`.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_STATE` (not initialised), `JL_ERR_RNG` (the callback
/// failed: the device is left disconnected, nothing is queued), `JL_ERR_CAPACITY`.
///
/// # Safety
/// `dev` from `jl_wan_device_init`, not used through another pointer during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_connected(dev: *mut JlWanDevice, now_ms: u64) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        d.pending = None;
        d.rx.reset();
        let mut rng = CallbackRng {
            f: d.rng,
            ctx: d.rng_ctx,
            failed: false,
        };
        let now = Instant(now_ms);
        let r = d.device.connected(now, &mut rng);
        if rng.failed {
            d.device.connection_lost(now);
            return Err(JL_ERR_RNG);
        }
        Ok(r?)
    })();
    ret(r)
}

/// The TCP connection dropped (EOF, error, or after `JL_WAN_EVENT_RECONNECT`): the session key
/// is forgotten, queued and partial bytes are dropped; the next `jl_wan_device_connected`
/// authenticates again (spec 7.3.1 注).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_STATE` (not initialised).
///
/// # Safety
/// As `jl_wan_device_connected`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_connection_lost(
    dev: *mut JlWanDevice,
    now_ms: u64,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        d.pending = None;
        d.rx.reset();
        d.device.connection_lost(Instant(now_ms));
        Ok(())
    })();
    ret(r)
}

/// Feeds bytes read from the socket. Stops after the first packet that produces an event with a
/// body (control, OTA order, ...) so that the event can point into it: `*consumed` says how many
/// bytes were taken; poll the events, then call again with the rest. Packets that do not open or
/// decode are dropped silently, as shipped devices do (compat: the SDK checks neither CRC nor
/// enctype on receive).
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT`; `JL_ERR_STATE` (not initialised,
/// or an event from the last call is not polled yet: nothing consumed); `JL_ERR_BAD_MAGIC` /
/// `JL_ERR_TOO_LONG` (framing lost: a header without the WAN magic, a packet over
/// `JL_WAN_RX_CAP`; close the connection and call `jl_wan_device_connection_lost`). After an
/// error `*consumed` holds the bytes taken before it (0 when the arguments are refused).
///
/// # Safety
/// `dev` from `jl_wan_device_init`; `bytes` readable for `len` bytes; `consumed` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_input(
    dev: *mut JlWanDevice,
    now_ms: u64,
    bytes_in: *const u8,
    len: usize,
    consumed: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { write(consumed, 0) }?;
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        // SAFETY: forwarded caller contract.
        let input = unsafe { bytes(bytes_in, len) }?;
        if d.pending.is_some() {
            return Err(JL_ERR_STATE);
        }
        let now = Instant(now_ms);
        let mut rest = input;
        let result = loop {
            match d.rx.next_frame(&mut rest) {
                Ok(Some(frame)) => {
                    if let Ok(Some(inc)) = d.device.handle_packet(now, frame) {
                        d.pending = event_of(inc);
                        if d.pending.is_some() {
                            break Ok(());
                        }
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e.into()),
            }
        };
        let taken = input.len().saturating_sub(rest.len());
        // SAFETY: forwarded caller contract.
        unsafe { write(consumed, taken) }?;
        result
    })();
    ret(r)
}

fn event_of(inc: Incoming<'_>) -> Option<JlWanEvent> {
    use JlWanEventKind::*;
    Some(match inc {
        Incoming::Control { request, data } => {
            JlWanEvent::request(JL_WAN_EVENT_CONTROL, request, data)
        }
        Incoming::Video { request, data } => JlWanEvent::request(JL_WAN_EVENT_VIDEO, request, data),
        Incoming::OtaOrder { serial, json } => JlWanEvent {
            serial,
            ..JlWanEvent::kind(JL_WAN_EVENT_OTA_ORDER)
        }
        .with_data(json),
        Incoming::Info { serial, info } => JlWanEvent {
            serial,
            ..JlWanEvent::kind(JL_WAN_EVENT_INFO)
        }
        .with_data(info),
        Incoming::Other {
            packet_type,
            plaintext,
        } => JlWanEvent {
            packet_type: u8::from(packet_type),
            ..JlWanEvent::kind(JL_WAN_EVENT_OTHER)
        }
        .with_data(plaintext),
        _ => return None,
    })
}

/// The next event, oldest first; `kind` = `JL_WAN_EVENT_NONE` when there is none. Call it until
/// then after every `jl_wan_device_input` and `jl_wan_device_handle_timeout`.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_STATE` (not initialised);
/// `*event` is written only on `JL_OK`.
///
/// # Safety
/// `dev` from `jl_wan_device_init`; `event` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_poll_event(
    dev: *mut JlWanDevice,
    event: *mut JlWanEvent,
) -> c_int {
    use JlWanEventKind::*;
    let r = (|| -> Status {
        check_struct(event)?;
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        let e = if let Some(e) = d.pending.take() {
            e
        } else {
            loop {
                let Some(e) = d.device.poll_event() else {
                    break JlWanEvent::kind(JL_WAN_EVENT_NONE);
                };
                break match e {
                    Event::Authenticated => JlWanEvent::kind(JL_WAN_EVENT_AUTHENTICATED),
                    Event::Reconnect => JlWanEvent::kind(JL_WAN_EVENT_RECONNECT),
                    Event::TimerFired { id } => JlWanEvent {
                        timer_id: id,
                        ..JlWanEvent::kind(JL_WAN_EVENT_TIMER_FIRED)
                    }
                    .with_data(d.device.timer_command(id).unwrap_or_default()),
                    Event::TimersChanged => JlWanEvent::kind(JL_WAN_EVENT_TIMERS_CHANGED),
                    Event::ReplayDropped { serial } => JlWanEvent {
                        serial,
                        ..JlWanEvent::kind(JL_WAN_EVENT_REPLAY_DROPPED)
                    },
                    _ => continue,
                };
            }
        };
        // SAFETY: forwarded caller contract.
        unsafe { write(event, e) }
    })();
    ret(r)
}

/// Moves up to `cap` queued bytes to `buf` (write them to the socket); `*out_len` = how many,
/// 0 when nothing waits. Call until it gives 0 after every other call.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_STATE` (not initialised).
/// On error `buf` is untouched and `*out_len` is 0 (when `out_len` itself is valid).
///
/// # Safety
/// `dev` from `jl_wan_device_init`; `buf` writable for `cap` bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_poll_transmit(
    dev: *mut JlWanDevice,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, 0) }?;
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        // SAFETY: forwarded caller contract.
        let out = unsafe { bytes_mut(buf, cap) }?;
        let n = d.device.poll_transmit(out).unwrap_or(0);
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, n) }
    })();
    ret(r)
}

/// When `jl_wan_device_handle_timeout` wants to run next, in the caller's milliseconds (the same
/// clock as every `now_ms`); `JL_NO_DEADLINE` when nothing is scheduled.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_STATE` (not initialised);
/// `*deadline_ms` is written only on `JL_OK`.
///
/// # Safety
/// `dev` from `jl_wan_device_init`; `deadline_ms` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_next_deadline(
    dev: *mut JlWanDevice,
    deadline_ms: *mut u64,
) -> c_int {
    let r = (|| -> Status {
        check_struct(deadline_ms)?;
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        let t = d.device.poll_timeout().map_or(JL_NO_DEADLINE, |i| i.0);
        // SAFETY: forwarded caller contract.
        unsafe { write(deadline_ms, t) }
    })();
    ret(r)
}

/// Runs what is due at `now_ms`: auth retries, heartbeats (spec 7.3.3), the unanswered-request
/// limit, OTA status refreshes and timer firings. Then poll events and bytes.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_STATE` (not initialised), `JL_ERR_CAPACITY` (the send
/// queue is full: drain it).
///
/// # Safety
/// `dev` from `jl_wan_device_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_handle_timeout(dev: *mut JlWanDevice, now_ms: u64) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        Ok(d.device.handle_timeout(Instant(now_ms))?)
    })();
    ret(r)
}

/// Answers a `JL_WAN_EVENT_CONTROL` (type 11, spec 7.3.8/10/12): `biz_code` and `serial` as the
/// event gave them (the machine maps 1002 → 102, 1004 → 104, 1050 → 150), `data` the device's
/// snapshot or result.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_STATE` (not initialised or
/// not authenticated), `JL_ERR_CAPACITY` (send queue full: nothing queued).
///
/// # Safety
/// `dev` from `jl_wan_device_init`; `data` readable for `len` bytes (it may point into the
/// event's body).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_respond(
    dev: *mut JlWanDevice,
    now_ms: u64,
    biz_code: u32,
    serial: u32,
    data: *const u8,
    len: usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        // SAFETY: forwarded caller contract.
        let body = unsafe { bytes(data, len) }?;
        let request = ControlRequest {
            biz_code: BizCode::from(biz_code),
            serial,
        };
        Ok(d.device.respond(Instant(now_ms), request, body)?)
    })();
    ret(r)
}

/// Uploads the device's snapshot (type 12, spec 7.3.5); due after `JL_WAN_EVENT_AUTHENTICATED`
/// and whenever the state changes on the device.
///
/// Returns as `jl_wan_device_respond`.
///
/// # Safety
/// `dev` from `jl_wan_device_init`; `data` readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_upload(
    dev: *mut JlWanDevice,
    now_ms: u64,
    data: *const u8,
    len: usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        // SAFETY: forwarded caller contract.
        let body = unsafe { bytes(data, len) }?;
        Ok(d.device.upload(Instant(now_ms), body)?)
    })();
    ret(r)
}

/// Reports that timer task `id` ran (1097, spec 10.8) with `code` (0 executed).
///
/// Returns as `jl_wan_device_respond`.
///
/// # Safety
/// `dev` from `jl_wan_device_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_report_timer_result(
    dev: *mut JlWanDevice,
    now_ms: u64,
    id: i32,
    code: i32,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        Ok(d.device.report_timer_result(Instant(now_ms), id, code)?)
    })();
    ret(r)
}

/// Reports OTA progress (type 8, spec 9.6): `status` 0 download, 1 install, 2 done, 3 failed;
/// `desc` at most 32 bytes of text without characters JSON must escape. Until done or failed the
/// machine repeats the last report every 5 minutes.
///
/// Returns as `jl_wan_device_respond`, and `JL_ERR_INVALID_ARGUMENT` for a `desc` too long, not
/// UTF-8 or needing escaping.
///
/// # Safety
/// `dev` from `jl_wan_device_init`; `desc` readable for `desc_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_ota_status(
    dev: *mut JlWanDevice,
    now_ms: u64,
    status: i32,
    progress: i32,
    desc: *const u8,
    desc_len: usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        // SAFETY: forwarded caller contract.
        let desc = unsafe { bytes(desc, desc_len) }?;
        let desc = core::str::from_utf8(desc).map_err(|_| JL_ERR_INVALID_ARGUMENT)?;
        if desc.len() > 32 || desc.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        let st = OtaStatus::from(status);
        Ok(d.device.ota_status(Instant(now_ms), st, progress, desc)?)
    })();
    ret(r)
}

/// Sets the wall clock: `unix` seconds at `now_ms`. Without it the device takes the cloud's time
/// from the auth answer (spec 7.3.2); timers fire on this clock.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_STATE` (not initialised).
///
/// # Safety
/// `dev` from `jl_wan_device_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_set_unix_time(
    dev: *mut JlWanDevice,
    now_ms: u64,
    unix: u32,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        d.device.set_unix_time(Instant(now_ms), unix);
        Ok(())
    })();
    ret(r)
}

/// The session state.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_STATE` (not initialised);
/// `*state` is written only on `JL_OK`.
///
/// # Safety
/// `dev` from `jl_wan_device_init`; `state` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_wan_device_state(
    dev: *mut JlWanDevice,
    state: *mut JlWanState,
) -> c_int {
    let r = (|| -> Status {
        check_struct(state)?;
        // SAFETY: forwarded caller contract.
        let d = unsafe { device(dev) }?;
        let s = match d.device.state() {
            DeviceState::Disconnected => JlWanState::JL_WAN_DISCONNECTED,
            DeviceState::Authenticating => JlWanState::JL_WAN_AUTHENTICATING,
            DeviceState::Online => JlWanState::JL_WAN_ONLINE,
        };
        // SAFETY: forwarded caller contract.
        unsafe { write(state, s) }
    })();
    ret(r)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// The C example reserves 6 KiB (`FW_DEVICE_MEM`); README and BENCHMARKS record the figures.
    #[test]
    fn device_memory_fits_what_the_example_reserves() {
        let (size, align) = (jl_wan_device_size(), jl_wan_device_align());
        std::println!(
            "jl_wan_device_t {size} (align {align}); machine without buffers {}; framer {}",
            size_of::<Device<JL_WAN_TIMERS, 0, 0>>(),
            size_of::<Framer<JL_WAN_RX_CAP>>()
        );
        assert!(size <= 6144, "{size}");
        assert!(align <= 8);
    }
}
