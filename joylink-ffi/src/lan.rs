//! The LAN device session machine (`joylink_session::lan::Device`, spec 6.3) through C: created
//! in the caller's memory, fed with received UDP datagrams, the time and the sender's address,
//! polled for datagrams to send (with their destination), the next deadline and events,
//! answered with calls. The gateway (`jl_gateway_init`, spec chapter 8) is the same machine with
//! a sub-device table and is driven by the same `jl_lan_device_*` functions.
//!
//! The machine is the Rust one, unchanged: this module only converts addresses, moves bytes and
//! translates events. A datagram is decrypted in place in the caller's buffer and a request
//! event's `data` points into it (no copy, no receive buffer in the device memory).
//!
//! Discovery (type 1), write-key (type 2), JSON control (3/103) and the gateway's add and
//! sub-device authorization (105/102) work without an allocator: the machine reads and writes
//! their JSON with fixed buffers (the scan reply is built in a 4 000-byte buffer on the stack of
//! [`jl_lan_device_input`]).

use core::ffi::{c_int, c_void};
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use core::ptr;

use joylink_crypto::{AccessKey, KeyPair, LocalKey, PrivateKey};
use joylink_session::Instant;
use joylink_session::lan::{
    Activation, Device, DeviceInfo, Event, FixedStr, RequestId, RequestKind,
};
use zeroize::Zeroize;

use crate::activation::JlActivation;
use crate::ptr::{bytes, bytes_mut, check_struct, read, write};
pub use crate::rng::JlRngFn;
use crate::status::{
    JL_ERR_BUFFER_TOO_SMALL, JL_ERR_INVALID_ARGUMENT, JL_ERR_NULL, JL_ERR_RNG, JL_ERR_STATE,
    Status, ret,
};

// Here, not in gateway.rs: it sizes the gateway's handle memory (`Lan<JL_GATEWAY_SUBS>`), which
// `resolve` borrows; gateway.rs builds on this module. First of the constants because cbindgen
// writes them in source order and joylink.h has it before the LAN ones.
/// Sub-devices a gateway keeps (slots 0 to `JL_GATEWAY_SUBS - 1`).
#[cfg(feature = "gateway")]
pub const JL_GATEWAY_SUBS: usize = 8;

/// Largest datagram the machines send or accept (the receive buffer of shipped devices);
/// `jl_lan_device_poll_transmit` needs a buffer of at least this size.
pub const JL_LAN_MAX_DATAGRAM: usize = 1400;
const _: () = assert!(JL_LAN_MAX_DATAGRAM == joylink_session::lan::MAX_DATAGRAM);
/// Requests that can wait for `jl_lan_device_respond` at once (each expires after
/// `JL_LAN_REQUEST_TTL_MS`).
pub const JL_LAN_REQUESTS: usize = 4;
/// How long a request waits for `jl_lan_device_respond` (the app gives up after 500 ms).
pub const JL_LAN_REQUEST_TTL_MS: u64 = 2000;
/// `jl_addr_t.family` of an IPv4 address.
pub const JL_ADDR_IPV4: u8 = 4;
/// `jl_addr_t.family` of an IPv6 address.
pub const JL_ADDR_IPV6: u8 = 6;

/// Peers tracked for the timestamp replay rule, datagrams the send queue holds.
const PEERS: usize = 8;
const TX: usize = 4;

/// The machine behind a handle: a device, or a gateway with `SUBS` sub-devices.
pub(crate) type Machine<const SUBS: usize> = Device<PEERS, JL_LAN_REQUESTS, TX, SUBS>;

/// Marks an initialised LAN device / gateway (which one is behind the handle).
pub(crate) const LIVE_DEVICE: u32 = 0x4a4c_4c44; // "JLLD"
/// As `LIVE_DEVICE`, for a gateway.
#[cfg(feature = "gateway")]
pub(crate) const LIVE_GATEWAY: u32 = 0x4a4c_4757; // "JLGW"

/// A UDP peer (the sender of a datagram, the destination of an answer). No padding: every byte
/// is a field.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JlAddr {
    /// `JL_ADDR_IPV4` or `JL_ADDR_IPV6`.
    pub family: u8,
    /// 0.
    pub reserved: u8,
    /// The UDP port (host byte order).
    pub port: u16,
    /// IPv6 scope id (link-local interface index); 0 for IPv4.
    pub scope_id: u32,
    /// The address in network byte order: 4 bytes for IPv4 (the other 12 are 0), 16 for IPv6.
    pub ip: [u8; 16],
}

impl JlAddr {
    fn to_socket_addr(self) -> Status<SocketAddr> {
        match self.family {
            JL_ADDR_IPV4 => {
                let [a, b, c, d, ..] = self.ip;
                let ip = Ipv4Addr::new(a, b, c, d);
                Ok(SocketAddr::V4(SocketAddrV4::new(ip, self.port)))
            }
            JL_ADDR_IPV6 => {
                let ip = Ipv6Addr::from(self.ip);
                Ok(SocketAddr::V6(SocketAddrV6::new(
                    ip,
                    self.port,
                    0,
                    self.scope_id,
                )))
            }
            _ => Err(JL_ERR_INVALID_ARGUMENT),
        }
    }

    fn from_socket_addr(a: SocketAddr) -> Self {
        match a {
            SocketAddr::V4(v4) => {
                let mut ip = [0u8; 16];
                let [a, b, c, d] = v4.ip().octets();
                ip[..4].copy_from_slice(&[a, b, c, d]);
                Self {
                    family: JL_ADDR_IPV4,
                    reserved: 0,
                    ip,
                    port: v4.port(),
                    scope_id: 0,
                }
            }
            SocketAddr::V6(v6) => Self {
                family: JL_ADDR_IPV6,
                reserved: 0,
                ip: v6.ip().octets(),
                port: v6.port(),
                scope_id: v6.scope_id(),
            },
        }
    }

    const ZERO: Self = Self {
        family: 0,
        reserved: 0,
        ip: [0; 16],
        port: 0,
        scope_id: 0,
    };
}

/// What a LAN device tells about itself in its scan reply (spec 6.3.1), for `jl_lan_device_init`
/// and `jl_gateway_init`. Strings are bytes with a length (not NUL-terminated), UTF-8 without
/// characters JSON must escape; a NULL string with length 0 is empty.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct JlLanConfig {
    /// MAC address text, e.g. `EA2D9AB01132` (at most 32 bytes).
    pub mac: *const u8,
    /// Its length.
    pub mac_len: usize,
    /// Product uuid (at most 16 bytes).
    pub product_uuid: *const u8,
    /// Its length.
    pub product_uuid_len: usize,
    /// `CID` (at most 16 bytes).
    pub cid: *const u8,
    /// Its length.
    pub cid_len: usize,
    /// `firmwareVersion` (at most 32 bytes).
    pub firmware_version: *const u8,
    /// Its length.
    pub firmware_version_len: usize,
    /// `modelCode` (at most 64 bytes).
    pub model_code: *const u8,
    /// Its length.
    pub model_code_len: usize,
    /// `joySdkVersion` (at most 16 bytes; empty: not sent, like SDKs before 2.0.12, and neither
    /// are `noSnapshot` and `batchBind`).
    pub joy_sdk_version: *const u8,
    /// Its length.
    pub joy_sdk_version_len: usize,
    /// `lancon`: 1 when LAN control is allowed.
    pub lancon: i32,
    /// `trantype` (spec 6.3.1).
    pub trantype: i32,
    /// `noSnapshot`.
    pub no_snapshot: i32,
    /// `batchBind`.
    pub batch_bind: i32,
}

/// What `jl_lan_device_poll_event` reports (`jl_lan_event_t.kind`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)] // the C names
pub enum JlLanEventKind {
    /// Nothing to report.
    JL_LAN_EVENT_NONE = 0,
    /// JSON control or snapshot request (type 3, spec 6.3.3/6.3.4; `data` = the JSON after the
    /// timestamp, `"cmd"` 4 snapshot, 5 control): answer with `jl_lan_device_respond` and the
    /// JSON answer.
    JL_LAN_EVENT_JSON_REQUEST = 1,
    /// JSON request for a gateway's sub-device (type 103; the JSON names its `feedid`).
    JL_LAN_EVENT_SUB_JSON_REQUEST = 2,
    /// Script control (type 4, spec 6.3.5: `biz_code`, `serial`, `data` = `cmd[]`): apply it
    /// and answer with the snapshot JSON.
    JL_LAN_EVENT_SCRIPT_REQUEST = 3,
    /// Script control of sub-device `sub_device` (type 104; `data` = the inner `cmd[]`, already
    /// opened with the sub-device's key): answer with its snapshot JSON.
    JL_LAN_EVENT_SUB_SCRIPT_REQUEST = 4,
    /// The app authorized the device (write-key, spec 6.3.2): read the keys with
    /// `jl_lan_device_activation` and store them in flash (`jl_activation_save`).
    JL_LAN_EVENT_ACTIVATED = 5,
    /// The gateway added sub-device `sub_device` to its table (type 105, spec 6.3.7).
    JL_LAN_EVENT_SUBDEV_ADDED = 6,
    /// The gateway stored the keys of sub-device `sub_device` (type 102, spec 6.3.8): persist
    /// its row (`jl_gateway_sub_device`).
    JL_LAN_EVENT_SUBDEV_AUTHORIZED = 7,
}

/// One event (`jl_lan_device_poll_event`). Fields a kind does not use are 0 / NULL
/// (`sub_device` is -1).
///
/// `data` points into the datagram buffer the caller passed to `jl_lan_device_input` (decrypted
/// there in place): valid as long as the caller leaves that buffer alone. Copy what you keep.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct JlLanEvent {
    /// What happened.
    pub kind: JlLanEventKind,
    /// The request to answer (`jl_lan_device_respond`); 0 for kinds that are not requests.
    pub request_id: u32,
    /// The script request's biz_code (1002 control, 1004 snapshot).
    pub biz_code: u32,
    /// The script request's serial (echoed by the answer).
    pub serial: u32,
    /// The sub-device's slot in the gateway's table, -1 when none.
    pub sub_device: i32,
    /// Who sent the request.
    pub peer: JlAddr,
    /// The request body (see the kinds); NULL when empty.
    pub data: *const u8,
    /// Its length.
    pub data_len: usize,
}

impl JlLanEvent {
    const fn kind(kind: JlLanEventKind) -> Self {
        Self {
            kind,
            request_id: 0,
            biz_code: 0,
            serial: 0,
            sub_device: -1,
            peer: JlAddr::ZERO,
            data: ptr::null(),
            data_len: 0,
        }
    }
}

/// A LAN device or gateway (opaque to C; `jl_lan_device_size()` / `jl_gateway_size()` bytes
/// aligned to `jl_lan_device_align()` / `jl_gateway_align()`).
#[repr(C)]
pub struct JlLanDevice {
    live: u32,
}

/// The memory behind a handle. `repr(C)`: `live` is at offset 0 in every `SUBS`, which is how a
/// handle tells a device from a gateway.
#[repr(C)]
pub(crate) struct Lan<const SUBS: usize> {
    live: u32,
    /// The event of the last datagram, not yet polled.
    pending: Option<JlLanEvent>,
    pub(crate) machine: Machine<SUBS>,
}

/// A resolved handle.
pub(crate) enum Any<'a> {
    Device(&'a mut Lan<0>),
    #[cfg(feature = "gateway")]
    Gateway(&'a mut Lan<JL_GATEWAY_SUBS>),
}

/// Runs `$body` with `$b` bound to the resolved machine, whichever it is.
macro_rules! on {
    ($any:expr, $b:ident => $body:expr) => {
        match $any {
            crate::lan::Any::Device($b) => $body,
            #[cfg(feature = "gateway")]
            crate::lan::Any::Gateway($b) => $body,
        }
    };
}

/// Borrows an initialised device or gateway.
///
/// # Safety
/// `dev`, when non-NULL and aligned, points to memory `jl_lan_device_init` / `jl_gateway_init`
/// initialised (or at least 4 readable bytes), not used through another pointer meanwhile.
pub(crate) unsafe fn resolve<'a>(dev: *mut JlLanDevice) -> Status<Any<'a>> {
    check_struct(dev)?;
    // SAFETY: non-NULL and aligned (checked), readable by the caller's contract; only the
    // marker is read before we know which struct is there.
    let live = unsafe { ptr::addr_of!((*dev).live).read() };
    match live {
        LIVE_DEVICE => {
            let p = dev.cast::<Lan<0>>();
            check_struct(p)?;
            // SAFETY: initialised by `jl_lan_device_init` (marker checked), aligned (checked),
            // exclusive by contract.
            Ok(Any::Device(unsafe { &mut *p }))
        }
        #[cfg(feature = "gateway")]
        LIVE_GATEWAY => {
            let p = dev.cast::<Lan<JL_GATEWAY_SUBS>>();
            check_struct(p)?;
            // SAFETY: initialised by `jl_gateway_init` (marker checked), aligned (checked),
            // exclusive by contract.
            Ok(Any::Gateway(unsafe { &mut *p }))
        }
        _ => Err(JL_ERR_STATE),
    }
}

/// Copies a C string of at most `N` bytes.
///
/// # Safety
/// `p` readable for `len` bytes (NULL allowed when `len` is 0).
unsafe fn fixed<const N: usize>(p: *const u8, len: usize) -> Status<FixedStr<N>> {
    // SAFETY: forwarded caller contract.
    let b = unsafe { bytes(p, len) }?;
    let s = core::str::from_utf8(b).map_err(|_| JL_ERR_INVALID_ARGUMENT)?;
    if s.bytes().any(|c| c == b'"' || c == b'\\' || c < 0x20) {
        return Err(JL_ERR_INVALID_ARGUMENT);
    }
    FixedStr::new(s).ok_or(JL_ERR_INVALID_ARGUMENT)
}

/// Reads a `jl_lan_config_t` into the machine's device record.
///
/// # Safety
/// `cfg` readable, its strings readable for their lengths.
unsafe fn device_info(cfg: *const JlLanConfig, devtype: i32) -> Status<DeviceInfo> {
    // SAFETY: forwarded caller contract.
    let c = unsafe { read(cfg) }?;
    // SAFETY: forwarded caller contract (strings readable for their lengths), for all six.
    let (mac, uuid, cid, fw, model, sdk) = unsafe {
        (
            fixed(c.mac, c.mac_len)?,
            fixed(c.product_uuid, c.product_uuid_len)?,
            fixed(c.cid, c.cid_len)?,
            fixed(c.firmware_version, c.firmware_version_len)?,
            fixed(c.model_code, c.model_code_len)?,
            fixed(c.joy_sdk_version, c.joy_sdk_version_len)?,
        )
    };
    Ok(DeviceInfo {
        mac,
        productuuid: uuid,
        cid,
        firmware_version: fw,
        model_code: model,
        joy_sdk_version: sdk,
        lancon: c.lancon,
        trantype: c.trantype,
        devtype,
        no_snapshot: c.no_snapshot,
        batch_bind: c.batch_bind,
    })
}

/// Draws the machine's secp160r1 key pair from the caller's callback (20 bytes, as micro-ecc's
/// `uECC_make_key`). A failing callback, or the 2^-160 case of an invalid scalar, is `JL_ERR_RNG`
/// (never a retry loop on a broken source).
fn key_pair(rng: JlRngFn, ctx: *mut c_void) -> Status<KeyPair> {
    let rng = rng.ok_or(JL_ERR_NULL)?;
    let mut k = [0u8; joylink_crypto::PRIVATE_KEY_LEN];
    // SAFETY: the caller's callback with 20 writable bytes; its contract is in the init docs.
    let rc = unsafe { rng(ctx, k.as_mut_ptr(), k.len()) };
    let key = if rc == 0 {
        PrivateKey::from_bytes(&k).map_err(|_| JL_ERR_RNG)
    } else {
        Err(JL_ERR_RNG)
    };
    k.zeroize();
    Ok(KeyPair::from_private_key(key?))
}

/// Creates a machine in `mem` (shared by `jl_lan_device_init` and `jl_gateway_init`).
///
/// # Safety
/// As `jl_lan_device_init`.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn init<const SUBS: usize>(
    live: u32,
    devtype: i32,
    mem: *mut c_void,
    len: usize,
    cfg: *const JlLanConfig,
    rng: JlRngFn,
    rng_ctx: *mut c_void,
    out: *mut *mut JlLanDevice,
) -> Status {
    check_struct(out)?;
    let mem = mem.cast::<Lan<SUBS>>();
    if mem.is_null() {
        return Err(JL_ERR_NULL);
    }
    if !mem.is_aligned() {
        return Err(JL_ERR_INVALID_ARGUMENT);
    }
    if len < size_of::<Lan<SUBS>>() {
        return Err(JL_ERR_BUFFER_TOO_SMALL);
    }
    rng.ok_or(JL_ERR_NULL)?;
    // SAFETY: forwarded caller contract.
    let info = unsafe { device_info(cfg, devtype) }?;
    let keys = key_pair(rng, rng_ctx)?;
    // Field by field, in the caller's memory: a `Lan` built as one value first sat on this
    // function's stack beside the machine's temporary (17.5 KB for a gateway on Cortex-M4, now
    // 9 KB: the machine `Device::new` returns is still built in a temporary and copied).
    // SAFETY: non-NULL, aligned, `len` >= size (checked); writable by contract; the old contents
    // are neither read nor dropped; every field is written, the marker last.
    unsafe {
        ptr::addr_of_mut!((*mem).machine).write(Machine::<SUBS>::new(keys, info));
        ptr::addr_of_mut!((*mem).pending).write(None);
        ptr::addr_of_mut!((*mem).live).write(live);
    }
    // SAFETY: forwarded caller contract.
    unsafe { write(out, mem.cast::<JlLanDevice>()) }
}

impl<const SUBS: usize> Lan<SUBS> {
    fn input(&mut self, now: Instant, from: SocketAddr, datagram: &mut [u8]) -> Status {
        if self.pending.is_some() {
            return Err(JL_ERR_STATE);
        }
        let Some(e) = self.machine.handle(now, from, datagram)? else {
            return Ok(());
        };
        use JlLanEventKind::*;
        let ev = match e {
            Event::Request(r) => {
                let mut ev = JlLanEvent {
                    request_id: r.id.to_raw(),
                    peer: JlAddr::from_socket_addr(r.peer),
                    ..JlLanEvent::kind(JL_LAN_EVENT_JSON_REQUEST)
                };
                if !r.body.is_empty() {
                    ev.data = r.body.as_ptr();
                    ev.data_len = r.body.len();
                }
                match r.kind {
                    RequestKind::Json { sub_device } => {
                        if sub_device {
                            ev.kind = JL_LAN_EVENT_SUB_JSON_REQUEST;
                        }
                    }
                    RequestKind::Script { biz_code, serial } => {
                        ev.kind = JL_LAN_EVENT_SCRIPT_REQUEST;
                        ev.biz_code = u32::from(biz_code);
                        ev.serial = serial;
                    }
                    RequestKind::SubScript {
                        biz_code,
                        serial,
                        sub_device,
                    } => {
                        ev.kind = JL_LAN_EVENT_SUB_SCRIPT_REQUEST;
                        ev.biz_code = u32::from(biz_code);
                        ev.serial = serial;
                        ev.sub_device = i32::try_from(sub_device).unwrap_or(-1);
                    }
                }
                ev
            }
            Event::Activated(_) => JlLanEvent::kind(JL_LAN_EVENT_ACTIVATED),
            Event::SubDeviceAdded { index } => JlLanEvent {
                sub_device: i32::try_from(index).unwrap_or(-1),
                ..JlLanEvent::kind(JL_LAN_EVENT_SUBDEV_ADDED)
            },
            Event::SubDeviceAuthorized { index } => JlLanEvent {
                sub_device: i32::try_from(index).unwrap_or(-1),
                ..JlLanEvent::kind(JL_LAN_EVENT_SUBDEV_AUTHORIZED)
            },
        };
        self.pending = Some(ev);
        Ok(())
    }

    fn respond(&mut self, now: Instant, c_id: u32, body: &[u8]) -> Status {
        // The machine refuses an id it does not know (answered, expired, never issued).
        Ok(self.machine.respond(RequestId::from_raw(c_id), now, body)?)
    }

    fn activation(&self) -> Status<JlActivation> {
        let a = self.machine.activation().ok_or(JL_ERR_STATE)?;
        let mut out = JlActivation {
            feed_id: [0; 32],
            feed_id_len: 0,
            access_key: *a.accesskey.raw_secret_bytes(),
            local_key: *a.localkey.raw_secret_bytes(),
            server: [0; 64],
            server_len: 0,
            port: 0,
        };
        let feed = a.feed_id.as_str().as_bytes();
        copy_into(&mut out.feed_id, &mut out.feed_id_len, feed)?;
        // `joylink_server[0]` is `host:port`; a server without a port keeps port 0.
        let server = a.server.as_str();
        let (host, port) = match server.rsplit_once(':') {
            Some((h, p)) => match p.parse::<u16>() {
                Ok(p) => (h, p),
                Err(_) => (server, 0),
            },
            None => (server, 0),
        };
        copy_into(&mut out.server, &mut out.server_len, host.as_bytes())?;
        out.port = port;
        Ok(out)
    }
}

/// Copies `src` into a fixed C array and sets its length byte.
fn copy_into(dst: &mut [u8], len: &mut u8, src: &[u8]) -> Status {
    dst.get_mut(..src.len())
        .ok_or(JL_ERR_INVALID_ARGUMENT)?
        .copy_from_slice(src);
    *len = u8::try_from(src.len()).map_err(|_| JL_ERR_INVALID_ARGUMENT)?;
    Ok(())
}

/// The machine's activation from a C record (the inverse of `Lan::activation`).
fn activation_of(a: &JlActivation) -> Status<Activation> {
    fn text(b: &[u8]) -> Status<&str> {
        core::str::from_utf8(b).map_err(|_| JL_ERR_INVALID_ARGUMENT)
    }
    let feed = a
        .feed_id
        .get(..usize::from(a.feed_id_len))
        .ok_or(JL_ERR_INVALID_ARGUMENT)?;
    let host = a
        .server
        .get(..usize::from(a.server_len))
        .ok_or(JL_ERR_INVALID_ARGUMENT)?;
    let host = text(host)?;
    let mut server = [0u8; 64];
    let mut n = 0usize;
    let mut push = |b: &[u8]| -> Status {
        let end = n.checked_add(b.len()).ok_or(JL_ERR_INVALID_ARGUMENT)?;
        server
            .get_mut(n..end)
            .ok_or(JL_ERR_INVALID_ARGUMENT)?
            .copy_from_slice(b);
        n = end;
        Ok(())
    };
    push(host.as_bytes())?;
    if a.port != 0 {
        push(b":")?;
        let mut digits = [0u8; 5];
        let mut k = digits.len();
        let mut p = a.port;
        while p > 0 {
            k = k.saturating_sub(1);
            if let Some(d) = digits.get_mut(k) {
                *d = b'0'.saturating_add(u8::try_from(p % 10).unwrap_or(0));
            }
            p /= 10;
        }
        push(digits.get(k..).unwrap_or_default())?;
    }
    let server = text(server.get(..n).unwrap_or_default())?;
    Ok(Activation {
        feed_id: FixedStr::new(text(feed)?).ok_or(JL_ERR_INVALID_ARGUMENT)?,
        accesskey: AccessKey::from_ascii(&a.access_key)?,
        localkey: LocalKey::from_ascii(&a.local_key)?,
        server: FixedStr::new(server).ok_or(JL_ERR_INVALID_ARGUMENT)?,
    })
}

/// Bytes of memory a LAN device needs (pass at least this to `jl_lan_device_init`). Never fails.
#[unsafe(no_mangle)]
pub extern "C" fn jl_lan_device_size() -> usize {
    size_of::<Lan<0>>()
}

/// Alignment the LAN device memory needs. Never fails.
#[unsafe(no_mangle)]
pub extern "C" fn jl_lan_device_align() -> usize {
    align_of::<Lan<0>>()
}

/// Creates a LAN device, not activated, in `mem` (`len` bytes, at least `jl_lan_device_size()`,
/// aligned to `jl_lan_device_align()`); `*out` = the handle (`mem` itself). Nothing is
/// allocated. `rng(rng_ctx, buf, 20)` is called once, here, for the device's secp160r1 key pair
/// (its public key is the scan reply's `devkey`; shipped devices make a new pair at every boot).
/// After a reboot, hand the stored keys back with `jl_lan_device_set_activation`.
///
/// Returns `JL_OK`; `JL_ERR_NULL` (`mem`, `cfg`, `rng`, `out`, or a string with a length but
/// NULL); `JL_ERR_BUFFER_TOO_SMALL` (`len` < size); `JL_ERR_INVALID_ARGUMENT` (`mem`
/// misaligned, a string too long, not UTF-8 or needing JSON escaping); `JL_ERR_RNG` (the
/// callback failed). On error `mem` and `*out` are untouched.
///
/// # Safety
/// `mem` writable for `len` bytes and not used otherwise until `jl_lan_device_deinit`; `cfg` a
/// readable `jl_lan_config_t` whose strings are readable for their lengths (copied: they need
/// not outlive the call); `out` writable; `rng` writes `len` bytes at `buf`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_lan_device_init(
    mem: *mut c_void,
    len: usize,
    cfg: *const JlLanConfig,
    rng: JlRngFn,
    rng_ctx: *mut c_void,
    out: *mut *mut JlLanDevice,
) -> c_int {
    // SAFETY: forwarded caller contract.
    ret(unsafe { init::<0>(LIVE_DEVICE, 0, mem, len, cfg, rng, rng_ctx, out) })
}

/// Destroys a LAN device or gateway: all of its memory is zeroed (keys, the private key, the
/// queued datagrams) and the handle becomes invalid (`JL_ERR_STATE` if used again).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT` (misaligned), `JL_ERR_STATE` (not
/// an initialised device).
///
/// # Safety
/// `dev` from `jl_lan_device_init` / `jl_gateway_init`, not used through another pointer during
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_lan_device_deinit(dev: *mut JlLanDevice) -> c_int {
    /// Drops and zeroes one kind of machine.
    fn wipe<const S: usize>(b: &mut Lan<S>) {
        let p: *mut Lan<S> = b;
        // SAFETY: `p` is the initialised machine (resolved from its marker), dropped once, then
        // every byte (the marker too) is zeroed; the memory is the caller's, so the writes stay.
        unsafe {
            ptr::drop_in_place(p);
            ptr::write_bytes(p.cast::<u8>(), 0, size_of::<Lan<S>>());
        }
    }
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let any = unsafe { resolve(dev) }?;
        on!(any, b => wipe(b));
        Ok(())
    })();
    ret(r)
}

/// Stores the activation a device kept in flash (after a reboot), or forgets it when `a` is NULL
/// (a factory reset: the device answers write-key again).
///
/// Returns `JL_OK`; `JL_ERR_NULL` (`dev`); `JL_ERR_INVALID_ARGUMENT` (misaligned, lengths out
/// of range, `host:port` over 64 bytes, not UTF-8); `JL_ERR_BAD_KEY` (a key that is not 32
/// printable ASCII characters); `JL_ERR_STATE` (not initialised). On error the device is
/// unchanged.
///
/// # Safety
/// `dev` from `jl_lan_device_init` / `jl_gateway_init`; `a` NULL or a readable
/// `jl_activation_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_lan_device_set_activation(
    dev: *mut JlLanDevice,
    a: *const JlActivation,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let any = unsafe { resolve(dev) }?;
        let act = if a.is_null() {
            None
        } else {
            // SAFETY: forwarded caller contract.
            Some(activation_of(&unsafe { read(a) }?)?)
        };
        on!(any, b => b.machine.set_activation(act));
        Ok(())
    })();
    ret(r)
}

/// The keys the device holds (after `JL_LAN_EVENT_ACTIVATED`, or as set): feed id, accesskey,
/// localkey and `joylink_server[0]` split into host and port. Save them with
/// `jl_activation_save`.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_STATE` (not initialised,
/// or not activated); `*a` is written only on `JL_OK`.
///
/// # Safety
/// `dev` from `jl_lan_device_init` / `jl_gateway_init`; `a` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_lan_device_activation(
    dev: *mut JlLanDevice,
    a: *mut JlActivation,
) -> c_int {
    let r = (|| -> Status {
        check_struct(a)?;
        // SAFETY: forwarded caller contract.
        let any = unsafe { resolve(dev) }?;
        let v = on!(any, b => b.activation())?;
        // SAFETY: forwarded caller contract.
        unsafe { write(a, v) }
    })();
    ret(r)
}

/// Feeds one received UDP datagram (`len` bytes at `datagram`, from `*from`), at `now_ms`. The
/// datagram is decrypted **in place**: afterwards the buffer holds the plaintext (and a request
/// event points into it). Answers (scan reply, write-key answer) are queued for
/// `jl_lan_device_poll_transmit`; requests and activations become an event for
/// `jl_lan_device_poll_event`.
///
/// Returns `JL_OK` (handled; maybe nothing to do); `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT` (an
/// unknown address family); `JL_ERR_STATE` (not initialised, or the last event is not polled
/// yet: the datagram is untouched); `JL_ERR_CAPACITY` (all `JL_LAN_REQUESTS` requests wait for
/// an answer, or the send queue is full). The machine drops a datagram that does not decode, open
/// or follow the rules with the codec's status (`JL_ERR_CRC_MISMATCH`, `JL_ERR_DECRYPT`,
/// `JL_ERR_BAD_PUBLIC_KEY`, ...), `JL_ERR_REPLAY` (a request whose timestamp is not newer than
/// the last one accepted from the same peer, spec 4.4 item 4) or `JL_ERR_MALFORMED` (enctype not
/// allowed for its type, not activated, unknown sub-device, a body it does not serve): keep
/// receiving.
/// After any error no event is reported; the buffer's content is unspecified (partly decrypted
/// or wiped), and a write-key with keys other than the stored ones still queues the refusal.
///
/// # Safety
/// `dev` from `jl_lan_device_init` / `jl_gateway_init`; `from` readable; `datagram` readable and
/// writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_lan_device_input(
    dev: *mut JlLanDevice,
    now_ms: u64,
    from: *const JlAddr,
    datagram: *mut u8,
    len: usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let any = unsafe { resolve(dev) }?;
        // SAFETY: forwarded caller contract.
        let from = unsafe { read(from) }?.to_socket_addr()?;
        // SAFETY: forwarded caller contract.
        let buf = unsafe { bytes_mut(datagram, len) }?;
        on!(any, b => b.input(Instant(now_ms), from, buf))
    })();
    ret(r)
}

/// The event of the last datagram; `kind` = `JL_LAN_EVENT_NONE` when there is none. Call it after
/// every `jl_lan_device_input`.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_STATE` (not initialised);
/// `*event` is written only on `JL_OK`.
///
/// # Safety
/// `dev` from `jl_lan_device_init` / `jl_gateway_init`; `event` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_lan_device_poll_event(
    dev: *mut JlLanDevice,
    event: *mut JlLanEvent,
) -> c_int {
    let r = (|| -> Status {
        check_struct(event)?;
        // SAFETY: forwarded caller contract.
        let any = unsafe { resolve(dev) }?;
        let e = on!(any, b => b.pending.take());
        let e = e.unwrap_or(JlLanEvent::kind(JlLanEventKind::JL_LAN_EVENT_NONE));
        // SAFETY: forwarded caller contract.
        unsafe { write(event, e) }
    })();
    ret(r)
}

/// Moves the next queued datagram to `buf` and its destination to `*to` (send it with
/// `sendto`); `*out_len` = its length, 0 when nothing waits. Call until it gives 0 after every
/// other call.
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT`; `JL_ERR_STATE` (not initialised);
/// `JL_ERR_BUFFER_TOO_SMALL` (`cap` < `JL_LAN_MAX_DATAGRAM`: `*out_len` = that size, nothing
/// dequeued). On error `buf` and `*to` are untouched and `*out_len` is 0 (but see above).
///
/// # Safety
/// `dev` from `jl_lan_device_init` / `jl_gateway_init`; `buf` writable for `cap` bytes;
/// `out_len` and `to` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_lan_device_poll_transmit(
    dev: *mut JlLanDevice,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
    to: *mut JlAddr,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, 0) }?;
        check_struct(to)?;
        // SAFETY: forwarded caller contract.
        let any = unsafe { resolve(dev) }?;
        if cap < JL_LAN_MAX_DATAGRAM {
            // SAFETY: forwarded caller contract.
            unsafe { write(out_len, JL_LAN_MAX_DATAGRAM) }?;
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: forwarded caller contract.
        let out = unsafe { bytes_mut(buf, cap) }?;
        if let Some((dest, n)) = on!(any, b => b.machine.poll_transmit(out)) {
            // SAFETY: forwarded caller contract (both checked above).
            unsafe {
                write(to, JlAddr::from_socket_addr(dest))?;
                write(out_len, n)?;
            }
        }
        Ok(())
    })();
    ret(r)
}

/// When `jl_lan_device_handle_timeout` wants to run next (the oldest unanswered request's
/// expiry), in the caller's milliseconds; `JL_NO_DEADLINE` when nothing is scheduled.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_STATE` (not initialised);
/// `*deadline_ms` is written only on `JL_OK`.
///
/// # Safety
/// `dev` from `jl_lan_device_init` / `jl_gateway_init`; `deadline_ms` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_lan_device_next_deadline(
    dev: *mut JlLanDevice,
    deadline_ms: *mut u64,
) -> c_int {
    let r = (|| -> Status {
        check_struct(deadline_ms)?;
        // SAFETY: forwarded caller contract.
        let any = unsafe { resolve(dev) }?;
        let t = on!(any, b => b.machine.poll_timeout());
        // SAFETY: forwarded caller contract.
        unsafe { write(deadline_ms, t.map_or(u64::MAX, |i| i.0)) }
    })();
    ret(r)
}

/// Frees the slots of requests not answered within `JL_LAN_REQUEST_TTL_MS` of `now_ms` (their
/// `request_id` is refused afterwards).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_STATE` (not initialised).
///
/// # Safety
/// `dev` from `jl_lan_device_init` / `jl_gateway_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_lan_device_handle_timeout(dev: *mut JlLanDevice, now_ms: u64) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let any = unsafe { resolve(dev) }?;
        on!(any, b => b.machine.handle_timeout(Instant(now_ms)));
        Ok(())
    })();
    ret(r)
}

/// Answers request `request_id` (from a `JL_LAN_EVENT_*_REQUEST`) with `data`: the JSON answer
/// for a JSON request (sent as type 4 like shipped devices), the snapshot JSON for a script
/// request (framed with the response biz_code and the request's serial; for a sub-device in the
/// spec's layout, the inner layer under its key). Queued for `jl_lan_device_poll_transmit`.
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT`; `JL_ERR_STATE` (not initialised,
/// an unknown, answered or expired `request_id`, the sub-device was removed);
/// `JL_ERR_BUFFER_TOO_SMALL` (the answer does not fit one `JL_LAN_MAX_DATAGRAM` datagram);
/// `JL_ERR_CAPACITY` (send queue full). After any error but the first `JL_ERR_STATE` the request
/// is gone (nothing queued): the app retries.
///
/// # Safety
/// `dev` from `jl_lan_device_init` / `jl_gateway_init`; `data` readable for `len` bytes (it may
/// point into the request's datagram).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_lan_device_respond(
    dev: *mut JlLanDevice,
    now_ms: u64,
    request_id: u32,
    data: *const u8,
    len: usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let any = unsafe { resolve(dev) }?;
        // SAFETY: forwarded caller contract.
        let body = unsafe { bytes(data, len) }?;
        on!(any, b => b.respond(Instant(now_ms), request_id, body))
    })();
    ret(r)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn addresses_round_trip() {
        let v4: SocketAddr = "192.168.1.9:4320"
            .parse()
            .unwrap_or(SocketAddr::from(([0; 4], 0)));
        let a = JlAddr::from_socket_addr(v4);
        assert_eq!(
            (a.family, &a.ip[..4], a.port),
            (4, &[192, 168, 1, 9][..], 4320)
        );
        assert_eq!(a.to_socket_addr(), Ok(v4));
        let v6 = SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 80, 0, 3));
        let a = JlAddr::from_socket_addr(v6);
        assert_eq!((a.family, a.ip[15], a.scope_id), (6, 1, 3));
        assert_eq!(a.to_socket_addr(), Ok(v6));
        assert_eq!(size_of::<JlAddr>(), 24, "no padding");
        let bad = JlAddr { family: 5, ..a };
        assert_eq!(bad.to_socket_addr(), Err(JL_ERR_INVALID_ARGUMENT));
    }

    #[test]
    fn activation_round_trips_through_the_c_record() {
        let a = Activation {
            feed_id: FixedStr::new("1234567890123456").unwrap_or_default(),
            accesskey: AccessKey::from_ascii(&[b'a'; 32]).unwrap_or_else(|_| unreachable!()),
            localkey: LocalKey::from_ascii(&[b'b'; 32]).unwrap_or_else(|_| unreachable!()),
            server: FixedStr::new("live.smart.jd.com:2002").unwrap_or_default(),
        };
        let mut lan = Lan::<0> {
            live: LIVE_DEVICE,
            pending: None,
            machine: Machine::<0>::new(
                KeyPair::from_private_key(
                    PrivateKey::from_bytes(&[7; 20]).unwrap_or_else(|_| unreachable!()),
                ),
                DeviceInfo::default(),
            ),
        };
        assert_eq!(lan.activation().err(), Some(JL_ERR_STATE));
        lan.machine.set_activation(Some(a.clone()));
        let c = lan.activation().unwrap_or_else(|_| unreachable!());
        assert_eq!(&c.server[..usize::from(c.server_len)], b"live.smart.jd.com");
        assert_eq!(c.port, 2002);
        assert_eq!(activation_of(&c), Ok(a));
    }

    /// cbindgen needs literals; they must stay the machine's figures.
    #[test]
    fn c_constants_match_the_machine() {
        assert_eq!(JL_LAN_MAX_DATAGRAM, joylink_session::lan::MAX_DATAGRAM);
        assert_eq!(JL_LAN_REQUEST_TTL_MS, joylink_session::lan::PENDING_TTL_MS);
    }

    /// The C example reserves 8 KiB (`FW_LAN_MEM`); the README records the figure.
    #[test]
    fn memory_sizes() {
        std::println!(
            "jl_lan_device_t {} (align {})",
            jl_lan_device_size(),
            jl_lan_device_align()
        );
        assert!(jl_lan_device_size() >= size_of::<Machine<0>>());
        assert!(jl_lan_device_size() <= 8192, "{}", jl_lan_device_size());
        assert!(jl_lan_device_align() <= 8);
    }
}
