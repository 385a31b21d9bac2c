//! The gateway's end of the WAN connection (spec 7.3.15–7.3.24, chapter 8): the device machine
//! plus a table of sub-devices, whose traffic shares the gateway's session (spec 8.4).
//!
//! # Why a wrapper and not a `SUBS` parameter on [`Device`]
//! The sub-device packets are a layer *on top of* the device's session: the same auth, replay
//! rule, heartbeat pacing and unanswered-request counter, with a second key (the sub-device's
//! accesskey) inside. [`Gateway`] owns a [`Device`] and only adds what chapter 8 adds — the
//! table, the 110 heartbeat in place of 10, the inner layer of 111/112 and the 113 answer — so a
//! plain device pays nothing for sub-devices (no fourth const generic, no empty table, no
//! branches in its hot path), and a gateway is driven exactly like a device: everything that is
//! not sub-device business reaches the application as [`GatewayIncoming::Device`].
//!
//! # What the gateway does not do
//! It does not add sub-devices by itself (the application adds them after the LAN add/authorize
//! of spec 8.1–8.2, e.g. on `lan::Event::SubDeviceAuthorized`), it does not send 112 uploads by
//! itself (shipped gateways send one per sub-device after each heartbeat answer; the application
//! calls [`Gateway::upload_sub`] when it has a snapshot), and it never unbinds a sub-device
//! without the cloud: spec 8.4.3 wants the cloud, the gateway and the app to agree, so the only
//! way out of the table is the cloud's 113, which arrives on an online session by construction.

use joylink_crypto::{AccessKey, Mode};
use joylink_wire::FEEDID_LEN;
use joylink_wire::wan::{
    SUBDEV_INFO_LEN, SubDevControl, SubDevHeartbeat, SubDevInfo, SubDevList, SubDevOnline,
    SubDevUnbind, SubDevUpload, WanMessage,
};
use joylink_wire::{BizCode, FixedText, HEADER_LEN, Header, PacketType};

use super::device::{ControlRequest, Device, DeviceConfig, Incoming};
use crate::{DropReason, Error, Instant, Result};

/// Largest inner (sub-device) payload the gateway seals for 111 answers and 112 uploads.
pub const INNER_CAP: usize = 1024;

/// Offset of the state byte in a 37-byte `subdev_info` record.
const STATE_OFFSET: usize = 36;

/// The WAN gateway's record of one sub-device: what it lists in its 110 heartbeat (spec 7.3.15
/// `subdev_info`, whose 37-byte wire form is [`SubDevInfo`]) and the accesskey of the 111/112
/// inner layer. Not the LAN device's table row ([`crate::lan::SubDeviceEntry`], keys and
/// authorization state), the cloud's view ([`super::SubDevEntry`]) nor an entry of a LAN scan
/// reply (`joylink_wire::lan::SubDevice`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubDeviceRecord {
    feed_id: [u8; FEEDID_LEN],
    feed_len: u8,
    /// Its accesskey: the inner layer of 111 and 112 (spec 8.4.2).
    pub access_key: AccessKey,
    /// Firmware version listed in the 110 heartbeat.
    pub version: u16,
    /// Signal strength listed in the 110 heartbeat (compat: shipped gateways leave it
    /// uninitialised; 0 by default here, the spec's "meaningless" is `0xFFFF`).
    pub rssi: u16,
    /// Online, offline, ... as listed in the 110 heartbeat.
    pub state: SubDevOnline,
}

impl SubDeviceRecord {
    /// A sub-device, online, version 0.
    ///
    /// # Errors
    /// [`Error::State`] for an empty feed id or one over 32 bytes.
    pub fn new(feed_id: &[u8], access_key: AccessKey) -> Result<Self> {
        if feed_id.is_empty() || feed_id.contains(&0) {
            return Err(Error::State("sub-device feed id"));
        }
        let mut f = [0u8; FEEDID_LEN];
        f.get_mut(..feed_id.len())
            .ok_or(Error::State("sub-device feed id"))?
            .copy_from_slice(feed_id);
        Ok(Self {
            feed_id: f,
            feed_len: u8::try_from(feed_id.len()).map_err(|_| Error::State("feed id"))?,
            access_key,
            version: 0,
            rssi: 0,
            state: SubDevOnline::Online,
        })
    }

    /// The feed id.
    #[must_use]
    pub fn feed_id(&self) -> &[u8] {
        self.feed_id
            .get(..usize::from(self.feed_len))
            .unwrap_or_default()
    }

    fn record(&self) -> SubDevInfo<'_> {
        SubDevInfo {
            version: self.version,
            rssi: self.rssi,
            feed_id: FixedText::new("feed_id", self.feed_id()),
            state: self.state,
        }
    }
}

/// A cloud control of a sub-device the application answers with [`Gateway::respond_sub`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubControlRequest {
    /// The sub-device's slot in the table.
    pub index: usize,
    /// biz_code (1002 control, 1004 snapshot) and the cloud's serial.
    pub request: ControlRequest,
}

/// A cloud packet for the gateway's application; borrows the packet buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GatewayIncoming<'a> {
    /// What a plain device gets (type 11 control of the gateway itself, OTA, info, ...).
    Device(Incoming<'a>),
    /// Type 111 control/snapshot of a sub-device (spec 7.3.19/7.3.21), replay-checked, the inner
    /// layer already opened with the sub-device's accesskey: run `cmd` and answer with
    /// [`Gateway::respond_sub`].
    SubControl {
        /// Whom and what to echo.
        request: SubControlRequest,
        /// The command (JSON for JSON products).
        cmd: &'a [u8],
    },
    /// Type 113 (spec 7.3.23): these sub-devices are no longer bound; the gateway removed the
    /// ones it had from its table and answered (160, every state 2). Forget them on the LAN
    /// side as well.
    Unbound {
        /// The listed sub-devices (their state now reads unbound).
        devices: SubDevList<'a>,
    },
}

/// The gateway machine: a WAN [`Device`] with `SUBS` sub-devices. No allocation.
///
/// RAM (`size_of` on x86-64, printed and bounded by this module's tests): 6 112 bytes with the
/// defaults (`SUBS = 8`, the device's `T = 4`, `TX = RX = 2048`), of which 576 bytes are the
/// sub-device table (72 bytes a row).
///
/// # Examples
/// ```
/// use joylink_session::Instant;
/// use joylink_session::wan::{DeviceConfig, DeviceState, Gateway, SubDeviceRecord};
/// # struct Rng(u64);
/// # impl rand_core::TryRng for Rng {
/// #     type Error = core::convert::Infallible;
/// #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { self.0 += 1; Ok(self.0 as u32) }
/// #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> { self.0 += 1; Ok(self.0) }
/// #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> { d.fill(7); Ok(()) }
/// # }
/// # impl rand_core::TryCryptoRng for Rng {}
/// # let mut rng = Rng(0);
/// let cfg = DeviceConfig::new("1234567890123456", "ABCDEF", "25e35c9691ee91296facd5d28a4822bc".parse()?)?;
/// let mut gw: Gateway = Gateway::new(cfg);
/// // A sub-device authorized on the LAN (spec 8.2) joins the table.
/// let index = gw.add_sub(SubDeviceRecord::new(b"3039237988000962", "1ff4654e25e7d359be09ef3366ab3d4b".parse()?)?)?;
/// assert_eq!(gw.sub(index).map(|s| s.feed_id()), Some(&b"3039237988000962"[..]));
/// // Driven like a device: connect, write what `poll_transmit` gives, feed what the socket reads.
/// gw.device_mut().connected(Instant(0), &mut rng)?;
/// assert_eq!(gw.device().state(), DeviceState::Authenticating);
/// let mut out = [0u8; 256];
/// assert!(gw.poll_transmit(&mut out).is_some()); // the auth request (type 9)
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Gateway<
    const SUBS: usize = 8,
    const T: usize = 4,
    const TX: usize = 2048,
    const RX: usize = 2048,
> {
    device: Device<T, TX, RX>,
    subs: [Option<SubDeviceRecord>; SUBS],
}

impl<const SUBS: usize, const T: usize, const TX: usize, const RX: usize> Gateway<SUBS, T, TX, RX> {
    /// A disconnected gateway with an empty table.
    #[must_use]
    pub fn new(cfg: DeviceConfig) -> Self {
        Self {
            device: Device::new(cfg),
            subs: [const { None }; SUBS],
        }
    }

    /// The device machine underneath (state, session key, timers).
    #[must_use]
    pub fn device(&self) -> &Device<T, TX, RX> {
        &self.device
    }

    /// The device machine underneath, for the calls a gateway makes as a device (`connected`,
    /// `upload`, `respond`, `ota_status`, ...). Feed input and timeouts through the gateway
    /// ([`Gateway::handle_input`], [`Gateway::handle_timeout`]) so that 110/111/113 are handled.
    pub fn device_mut(&mut self) -> &mut Device<T, TX, RX> {
        &mut self.device
    }

    /// The sub-device table.
    pub fn sub_devices(&self) -> impl Iterator<Item = (usize, &SubDeviceRecord)> {
        self.subs
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
    }

    /// The sub-device in slot `index`.
    #[must_use]
    pub fn sub(&self, index: usize) -> Option<&SubDeviceRecord> {
        self.subs.get(index)?.as_ref()
    }

    /// The sub-device in slot `index`, to change its state, version or rssi (listed in the next
    /// 110 heartbeat).
    pub fn sub_mut(&mut self, index: usize) -> Option<&mut SubDeviceRecord> {
        self.subs.get_mut(index)?.as_mut()
    }

    /// The slot of the sub-device with `feed_id`.
    #[must_use]
    pub fn find_sub(&self, feed_id: &[u8]) -> Option<usize> {
        self.subs
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.feed_id() == feed_id))
    }

    /// Adds a sub-device (or replaces the one with the same feed id); returns its slot. There is
    /// no local removal: only the cloud unbinds (spec 8.4.3, see the module docs).
    ///
    /// # Errors
    /// [`Error::Capacity`] when all `SUBS` slots are taken.
    pub fn add_sub(&mut self, sub: SubDeviceRecord) -> Result<usize> {
        let index = match self.find_sub(sub.feed_id()) {
            Some(i) => i,
            None => self
                .subs
                .iter()
                .position(Option::is_none)
                .ok_or(Error::Capacity)?,
        };
        *self.subs.get_mut(index).ok_or(Error::Capacity)? = Some(sub);
        Ok(index)
    }

    /// Up to `out.len()` stream bytes to write to the socket.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        self.device.poll_transmit(out)
    }

    /// The next deadline (the device's).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.device.poll_timeout()
    }

    /// [`Device::handle_timeout`], with the heartbeat sent as type 110 listing every sub-device
    /// while the table is not empty, and as type 10 otherwise (spec 7.3.15; compat: shipped
    /// gateways list all sub-devices, not only the online ones).
    ///
    /// # Errors
    /// As [`Device::handle_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) -> Result<()> {
        let subs = &self.subs;
        self.device.handle_timeout_with(now, |d, now| {
            if subs.iter().all(Option::is_none) {
                return d.send_heartbeat(now);
            }
            let blank = SubDevInfo {
                version: 0,
                rssi: 0,
                feed_id: FixedText::new("feed_id", &[]),
                state: SubDevOnline::Online,
            };
            let mut records = [blank; SUBS];
            let mut n = 0usize;
            for (slot, sub) in records.iter_mut().zip(subs.iter().flatten()) {
                *slot = sub.record();
                n = n.saturating_add(1);
            }
            let hb = WanMessage::SubDevHeartbeat(SubDevHeartbeat {
                timestamp: d.unix_time(now).unwrap_or(0),
                version: d.cfg.version,
                rssi: d.cfg.rssi,
                devices: SubDevList::from_records(records.get(..n).unwrap_or_default()),
            });
            d.send_message(&hb)
        })
    }

    /// Feeds bytes read from the socket; `f` sees each packet the application must act on.
    ///
    /// # Errors
    /// As [`Device::handle_input`].
    pub fn handle_input(
        &mut self,
        now: Instant,
        mut input: &[u8],
        mut f: impl FnMut(&mut Self, GatewayIncoming<'_>),
    ) -> Result<()> {
        let mut rx = core::mem::take(&mut self.device.rx);
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
        self.device.rx = rx;
        r
    }

    /// Handles one whole packet (opened in place in `packet`): 111 and 113 here, everything else
    /// as [`Device::handle_packet`].
    ///
    /// # Errors
    /// As [`Device::handle_packet`]; [`Error::Dropped`] for a 111 naming a sub-device not in the
    /// table ([`DropReason::UnknownDevice`]) or a 113 whose biz_code is not 1060
    /// ([`DropReason::Malformed`]; compat: shipped gateways check it),
    /// [`Error::Crypto`] for an inner layer that does not open with the sub-device's accesskey.
    pub fn handle_packet<'a>(
        &mut self,
        now: Instant,
        packet: &'a mut [u8],
    ) -> Result<Option<GatewayIncoming<'a>>> {
        let header = Header::parse(packet.get(..HEADER_LEN).unwrap_or_default())?;
        let base = packet.as_ptr().addr();
        match header.packet_type {
            PacketType::SubDevControl => {
                let Some(Incoming::SubDevControl {
                    request,
                    feed_id,
                    data,
                }) = self.device.handle_packet(now, &mut *packet)?
                else {
                    return Ok(None);
                };
                let range = span(base, data)?;
                let index = self
                    .find_sub(feed_id.as_bytes())
                    .ok_or(Error::Dropped(DropReason::UnknownDevice))?;
                let key = self
                    .sub(index)
                    .map(|s| s.access_key.clone())
                    .ok_or(Error::Dropped(DropReason::UnknownDevice))?;
                let inner = packet
                    .get_mut(range)
                    .ok_or(Error::Dropped(DropReason::Malformed))?;
                let cmd = Mode::AccessKey(&key).open_in_place(inner)?;
                Ok(Some(GatewayIncoming::SubControl {
                    request: SubControlRequest { index, request },
                    cmd,
                }))
            }
            PacketType::SubDevUnbind => {
                let Some(Incoming::SubDevUnbind { request, devices }) =
                    self.device.handle_packet(now, &mut *packet)?
                else {
                    return Ok(None);
                };
                if request.biz_code != BizCode::Unbind {
                    return Err(Error::Dropped(DropReason::Malformed));
                }
                let num = devices.len();
                let range = match devices.raw() {
                    Some(raw) => span(base, raw)?,
                    None => 0..0,
                };
                let region = packet
                    .get_mut(range)
                    .ok_or(Error::Dropped(DropReason::Malformed))?;
                for record in region.chunks_exact_mut(SUBDEV_INFO_LEN) {
                    let feed = FixedText::new(
                        "feed_id",
                        record.get(4..4 + FEEDID_LEN).unwrap_or_default(),
                    );
                    if let Some(i) = self.find_sub(feed.as_bytes())
                        && let Some(slot) = self.subs.get_mut(i)
                    {
                        *slot = None;
                    }
                    // spec 7.3.24 / compat: the answer echoes every record with state 2.
                    if let Some(s) = record.get_mut(STATE_OFFSET) {
                        *s = u8::from(SubDevOnline::Unbound);
                    }
                }
                let region: &'a [u8] = region;
                let devices = SubDevList::parse(region, u16::try_from(num).unwrap_or(0))?;
                let answer = WanMessage::SubDevUnbindResponse(SubDevUnbind {
                    timestamp: self.device.unix_time(now).unwrap_or(0),
                    biz_code: request.biz_code.response(),
                    serial: request.serial,
                    devices,
                });
                self.device.send_message(&answer)?;
                Ok(Some(GatewayIncoming::Unbound { devices }))
            }
            _ => Ok(self
                .device
                .handle_packet(now, packet)?
                .map(GatewayIncoming::Device)),
        }
    }

    /// Answers a [`GatewayIncoming::SubControl`] with the sub-device's result or snapshot (type
    /// 111, spec 7.3.20/7.3.22): biz_code mapped (1002 → 102, 1004 → 104), serial and feed id
    /// echoed, `snapshot` sealed with the sub-device's accesskey inside the session key.
    ///
    /// # Errors
    /// [`Error::State`] before auth or for an emptied slot, [`Error::Capacity`] for a snapshot
    /// over [`INNER_CAP`] or a full send queue.
    pub fn respond_sub(
        &mut self,
        now: Instant,
        request: SubControlRequest,
        snapshot: &[u8],
    ) -> Result<()> {
        let sub = self
            .subs
            .get(request.index)
            .and_then(Option::as_ref)
            .ok_or(Error::State("no such sub-device"))?;
        let mut inner = [0u8; INNER_CAP];
        let n = seal_inner(&sub.access_key, snapshot, &mut inner)?;
        let msg = WanMessage::SubDevControlResponse(SubDevControl {
            timestamp: self.device.unix_time(now).unwrap_or(0),
            biz_code: request.request.biz_code.response(),
            serial: request.request.serial,
            feed_id: FixedText::new("feed_id", sub.feed_id()),
            data: inner.get(..n).unwrap_or_default(),
        });
        self.device.send_message(&msg)
    }

    /// Uploads sub-device `index`'s snapshot (type 112, spec 7.3.17), sealed with its accesskey
    /// inside the session key. Shipped gateways send one per sub-device after each heartbeat
    /// answer; a sub-device without a snapshot upload may not be controllable (7.3.17 注).
    ///
    /// # Errors
    /// As [`Gateway::respond_sub`].
    pub fn upload_sub(&mut self, now: Instant, index: usize, snapshot: &[u8]) -> Result<()> {
        let sub = self
            .subs
            .get(index)
            .and_then(Option::as_ref)
            .ok_or(Error::State("no such sub-device"))?;
        let mut inner = [0u8; INNER_CAP];
        let n = seal_inner(&sub.access_key, snapshot, &mut inner)?;
        let msg = WanMessage::SubDevUpload(SubDevUpload {
            timestamp: self.device.unix_time(now).unwrap_or(0),
            feed_id: FixedText::new("feed_id", sub.feed_id()),
            data: inner.get(..n).unwrap_or_default(),
        });
        self.device.send_message(&msg)
    }
}

/// Where `part` (a sub-slice of the buffer starting at address `base`) sits in that buffer.
fn span(base: usize, part: &[u8]) -> Result<core::ops::Range<usize>> {
    let start = part
        .as_ptr()
        .addr()
        .checked_sub(base)
        .ok_or(Error::Dropped(DropReason::Malformed))?;
    let end = start
        .checked_add(part.len())
        .ok_or(Error::Dropped(DropReason::Malformed))?;
    Ok(start..end)
}

/// Seals `plaintext` with a sub-device's accesskey into `out` (the inner layer of 111/112, spec
/// 8.4.2: AES-CBC, key = the key string's first 16 bytes, IV = the last 16, no timestamp);
/// returns the ciphertext length.
///
/// # Errors
/// [`Error::Capacity`] when `out` is too short.
pub fn seal_inner(key: &AccessKey, plaintext: &[u8], out: &mut [u8]) -> Result<usize> {
    joylink_crypto::seal_inner(&Mode::AccessKey(key), plaintext, out).map_err(short_is_capacity)
}

/// The inner layer is joylink-crypto's; a buffer too short is this crate's [`Error::Capacity`].
fn short_is_capacity(e: joylink_crypto::Error) -> Error {
    match e {
        joylink_crypto::Error::BufferTooSmall { .. } => Error::Capacity,
        e => Error::Crypto(e),
    }
}

/// Opens the inner layer of a 111 answer or a 112 upload the cloud received
/// ([`CloudIncoming::SubDevControlResponse`](super::CloudIncoming::SubDevControlResponse),
/// [`CloudIncoming::SubDevUpload`](super::CloudIncoming::SubDevUpload)): `ciphertext` is copied to
/// `out` and decrypted there; returns the plaintext, a prefix of `out`.
///
/// ```
/// use joylink_session::wan::{open_inner, seal_inner};
/// let key = "1ff4654e25e7d359be09ef3366ab3d4b".parse()?;
/// let mut sealed = [0u8; 32];
/// let n = seal_inner(&key, br#"{"code":0}"#, &mut sealed)?;
/// let mut out = [0u8; 32];
/// assert_eq!(open_inner(&key, &sealed[..n], &mut out)?, br#"{"code":0}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Capacity`] when `out` is shorter than `ciphertext`, [`Error::Crypto`] (the one
/// `Decrypt`) when it does not open.
pub fn open_inner<'b>(key: &AccessKey, ciphertext: &[u8], out: &'b mut [u8]) -> Result<&'b [u8]> {
    match joylink_crypto::open_inner(&Mode::AccessKey(key), ciphertext, out) {
        Ok(plain) => Ok(plain),
        Err(e) => Err(short_is_capacity(e)),
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn state_size() {
        // Without the device's prepared session key (`sealing::PREPARED_KEYS`).
        let size = core::mem::size_of::<Gateway>().saturating_sub(crate::sealing::KEPT_EXTRA);
        let row = core::mem::size_of::<Option<SubDeviceRecord>>();
        std::println!("Gateway {size}, sub-device row {row}");
        // The documented figures (x86-64), plus the prepared key where the build keeps one.
        let near = crate::sealing::assert_near_documented;
        near(
            "wan::Gateway",
            core::mem::size_of::<Gateway>(),
            6_112 + crate::sealing::KEPT_EXTRA,
        );
        near("a sub-device row", row, 72);
    }

    #[test]
    fn feed_ids_are_checked() {
        let key: AccessKey = "1ff4654e25e7d359be09ef3366ab3d4b"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        assert!(SubDeviceRecord::new(b"", key.clone()).is_err());
        assert!(SubDeviceRecord::new(&[b'1'; 33], key.clone()).is_err());
        assert!(SubDeviceRecord::new(b"12\x0034", key.clone()).is_err());
        assert!(SubDeviceRecord::new(&[b'1'; 32], key).is_ok());
    }

    #[test]
    fn table_fills_and_replaces_by_feed_id() {
        let key: AccessKey = "1ff4654e25e7d359be09ef3366ab3d4b"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let cfg = DeviceConfig::new("gw", "U", key.clone()).unwrap_or_else(|_| unreachable!());
        let mut gw: Gateway<2> = Gateway::new(cfg);
        let a = SubDeviceRecord::new(b"a", key.clone()).unwrap_or_else(|_| unreachable!());
        let b = SubDeviceRecord::new(b"b", key.clone()).unwrap_or_else(|_| unreachable!());
        let c = SubDeviceRecord::new(b"c", key).unwrap_or_else(|_| unreachable!());
        assert_eq!(gw.add_sub(a.clone()).ok(), Some(0));
        assert_eq!(gw.add_sub(b).ok(), Some(1));
        assert_eq!(gw.add_sub(a).ok(), Some(0));
        assert_eq!(gw.add_sub(c), Err(Error::Capacity));
        assert_eq!(gw.sub_devices().count(), 2);
    }
}
