//! The app (controller) LAN machine (spec 6.3, 8.2): discovery, authorization, control.

use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::SocketAddr;

use joylink_crypto::{IvCompat, KeyIv, KeyPair, LocalKey, Mode, PublicKey, SharedSecret};
use joylink_wire::lan::{
    AddSubDevRequest, Control, JsonControlRequest, Message, Quirk, ResponseLayout,
    SUBDEV_SCRIPT_FIXED_LEN, ScanRequest, ScanStatus, SubDevAuthData, SubDevAuthRequest,
    SubDevProtocol, SubDevScriptControlResponse, Timestamped, WriteKeyData, WriteKeyRequest,
    is_script_response,
};
use joylink_wire::{
    BizCode, CrcPolicy, Direction, EncType, Header, Magic, PacketType, Reassembler,
    ReassemblyStatus,
};
use rand_core::CryptoRng;

use super::replay::{ReplayPolicy, ReplayTable};
use super::{MAX_DATAGRAM, timestamp_of};
use crate::{DropReason, Error, Instant, Result};

/// How long the app waits for the answer to a control or snapshot (spec 6.3.3: 500 ms).
pub const RESPONSE_TIMEOUT_MS: u64 = 500;
/// How long the app waits for an authorization answer before sending it again.
pub const AUTH_RETRY_MS: u64 = 1_000;
/// Fragmented messages reassembled at the same time (all peers together).
pub const MAX_REASSEMBLIES: usize = 8;
/// How many times an authorization (types 2, 102, 105) is sent before it fails.
pub const AUTH_ATTEMPTS: u8 = 5;

/// Identifies a command until its [`AppEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestHandle(pub u32);

/// A discovered device (spec 6.3.1 scan reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEntry {
    /// Where it answered from.
    pub addr: SocketAddr,
    /// Its public key (`devkey`), for authorization; `None` when the reply carried no usable
    /// key (modules before activation send `""`): such a device is listed but cannot be
    /// authorized until it answers with one.
    pub devkey: Option<PublicKey>,
    /// MAC.
    pub mac: String,
    /// Product uuid.
    pub productuuid: String,
    /// Feedid (empty before activation).
    #[doc(alias = "feedid")]
    pub feed_id: String,
    /// `devtype` (1 gateway).
    pub devtype: i32,
    /// A gateway's sub-devices: `(mac, productuuid, feedid, authorized)`.
    pub sub_devices: Vec<(String, String, String, bool)>,
    localkey: Option<LocalKey>,
    sub_keys: Vec<(String, LocalKey)>,
    quirks: Vec<Quirk>,
}

impl DeviceEntry {
    /// What the device was seen doing outside the spec (compat §16), oldest first, each once:
    /// the app reads its later packets the same way, and seals enctype 2 with the truncated IV
    /// once [`Quirk::TruncatedIv`] is here.
    #[must_use]
    pub fn quirks(&self) -> &[Quirk] {
        &self.quirks
    }

    /// The IV option for enctype 2 to this device (compat §3.1).
    fn iv_compat(&self) -> IvCompat {
        if self.quirks.contains(&Quirk::TruncatedIv) {
            IvCompat::LegacyStrncpy
        } else {
            IvCompat::Standard
        }
    }

    /// Whether the app holds the device's localkey.
    #[must_use]
    pub const fn is_authorized(&self) -> bool {
        self.localkey.is_some()
    }
}

/// An answer's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseBody {
    /// The JSON answer to a type 3 / 103 request (after the timestamp).
    Json(Vec<u8>),
    /// A script answer (types 4, 104).
    Script {
        /// The response biz_code.
        biz_code: BizCode,
        /// The echoed serial (0 from a shipped gateway's 104 answer).
        serial: u32,
        /// The snapshot JSON.
        resp: Vec<u8>,
    },
}

/// What the app machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEvent {
    /// A scan reply arrived (the device list was updated).
    Discovered(SocketAddr),
    /// The device accepted the keys; the app now controls it with the localkey.
    Authorized(RequestHandle),
    /// The device refused the keys (`Some(code)`) or never answered (`None`).
    AuthFailed(RequestHandle, Option<i32>),
    /// The answer to a control, snapshot or script command.
    Response(RequestHandle, ResponseBody),
    /// No answer within [`RESPONSE_TIMEOUT_MS`]; a late answer is dropped.
    Timeout(RequestHandle),
    /// A gateway answered an add (105) or sub-device authorization (102): `code` 0 is success.
    SubDevice(RequestHandle, i32),
}

#[derive(Debug, Clone)]
enum Kind {
    Auth {
        feedid: String,
        accesskey: String,
        localkey: String,
        server: Option<String>,
    },
    AddSub {
        mac: String,
        productuuid: String,
        protocol: SubDevProtocol,
    },
    SubAuth {
        data: [String; 5],
    },
    Json,
    Script {
        serial: u32,
    },
    SubScript {
        serial: u32,
        feedid: String,
    },
}

#[derive(Debug, Clone)]
struct Pending {
    handle: RequestHandle,
    addr: SocketAddr,
    kind: Kind,
    deadline: Instant,
    attempts_left: u8,
    /// Whether the last send of an enctype-2 request used the truncated IV.
    legacy_iv: bool,
}

/// The app's LAN endpoint: one per app, talking to any number of devices.
///
/// Lenient to what shipped modules send, with the readings of
/// [`parse_lenient`](joylink_wire::lan::parse_lenient) and its [`Quirk`]s remembered per
/// device ([`DeviceEntry::quirks`]):
/// - a JSON answer as type 3 or 4; a script answer under type 3 and a type-3 answer without a
///   timestamp (compat §16.1, the HiFlying module port; an answer without a timestamp skips the
///   replay check, there is nothing to compare);
/// - a write-key answer behind a 4-byte prefix, `msg` `"write accesskey ok"` or `"success"`
///   (compat §16.2, the third-party Python client HAM; E17);
/// - a scan reply with only `mac` and `productuuid`, `code`/`msg` of either JSON kind (compat
///   §16.1); the shipped 104 answer layout (feedid at offset 0, no serial);
/// - devices on SDKs ≤ 2.0.12 (and the E17-based HiFlying port) decrypt enctype 2 with the IV cut
///   at its first 0x00 (compat §3.1, §16.1) and do not answer a request sealed with the full
///   IV. When the full and the cut IV differ for a device (about 6 % of key pairs), the
///   authorization retries alternate between them; an answer to a retry sealed with the cut IV
///   records [`Quirk::TruncatedIv`], and later enctype-2 requests to that device use it.
///
/// ```
/// use joylink_session::lan::{App, SocketAddr};
/// use joylink_wire::lan::ScanStatus;
///
/// let mut app = App::new(&mut joylink_test_vectors::TestRng(7));
/// let broadcast: SocketAddr = "255.255.255.255:80".parse()?;
/// app.discover(broadcast, Some("5708AB"), ScanStatus::All)?;
/// let mut buf = [0u8; 1400];
/// let (to, n) = app.poll_transmit(&mut buf).unwrap();
/// assert_eq!(to, broadcast);
/// assert_eq!(&buf[..4], [0xbb, 0x55, 0x34, 0x12]); // LAN magic
/// assert!(app.poll_event().is_none() && app.poll_timeout().is_none());
/// # let _ = n;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct App {
    key_pair: KeyPair,
    devices: Vec<DeviceEntry>,
    pending: Vec<Pending>,
    tx: VecDeque<(SocketAddr, Vec<u8>)>,
    events: VecDeque<AppEvent>,
    fragments: Vec<(SocketAddr, u8, Vec<Vec<u8>>)>,
    answers: ReplayTable<32>,
    last_ts: u32,
    next_serial: u32,
    next_handle: u32,
}

impl App {
    /// An app with a fresh secp160r1 key pair from `rng`.
    pub fn new<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::with_key_pair(KeyPair::generate(rng))
    }

    /// An app with a given key pair.
    #[must_use]
    pub fn with_key_pair(key_pair: KeyPair) -> Self {
        Self {
            key_pair,
            devices: Vec::new(),
            pending: Vec::new(),
            tx: VecDeque::new(),
            events: VecDeque::new(),
            fragments: Vec::new(),
            answers: ReplayTable::new(ReplayPolicy::Increasing),
            last_ts: 0,
            next_serial: 1,
            next_handle: 0,
        }
    }

    /// The devices discovered so far.
    #[must_use]
    pub fn devices(&self) -> &[DeviceEntry] {
        &self.devices
    }

    /// The device at `addr`.
    #[must_use]
    pub fn device(&self, addr: SocketAddr) -> Option<&DeviceEntry> {
        self.devices.iter().find(|d| d.addr == addr)
    }

    /// Commands still waiting for an answer.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(SocketAddr, usize)> {
        let (to, data) = self.tx.front()?;
        let n = data.len();
        buf.get_mut(..n)?.copy_from_slice(data);
        let to = *to;
        self.tx.pop_front();
        Some((to, n))
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<AppEvent> {
        self.events.pop_front()
    }

    /// The next deadline (a response timeout or an authorization retry).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.deadline).min()
    }

    /// Retries or fails what is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<Pending> = self
            .pending
            .iter()
            .filter(|p| p.deadline <= now)
            .cloned()
            .collect();
        self.pending.retain(|p| p.deadline > now);
        for p in due {
            match &p.kind {
                Kind::Auth { .. } | Kind::AddSub { .. } | Kind::SubAuth { .. }
                    if p.attempts_left > 0 =>
                {
                    // Sealed again with a fresh timestamp: the device drops a repeated one. An
                    // unanswered enctype-2 request is tried with the other IV next (compat §3.1).
                    let ecdh = matches!(p.kind, Kind::Auth { .. } | Kind::SubAuth { .. });
                    let flip = ecdh
                        && self.secret(p.addr).is_ok_and(|(s, differs)| {
                            differs && s.iv_compat() == IvCompat::Standard
                        });
                    let next = Pending {
                        deadline: now.add_millis(AUTH_RETRY_MS),
                        attempts_left: p.attempts_left.saturating_sub(1),
                        legacy_iv: p.legacy_iv != flip,
                        ..p
                    };
                    if self.send_pending(now, &next).is_ok() {
                        self.pending.push(next);
                    }
                }
                Kind::Auth { .. } => self.events.push_back(AppEvent::AuthFailed(p.handle, None)),
                _ => self.events.push_back(AppEvent::Timeout(p.handle)),
            }
        }
    }

    fn next_ts(&mut self, now: Instant) -> u32 {
        // Strictly increasing, so a device's replay check never drops a fresh request.
        let ts = timestamp_of(now).max(self.last_ts.wrapping_add(1));
        self.last_ts = ts;
        ts
    }

    fn new_handle(&mut self) -> RequestHandle {
        self.next_handle = self.next_handle.wrapping_add(1);
        RequestHandle(self.next_handle)
    }

    fn seal_to(
        &mut self,
        to: SocketAddr,
        message: &Message<'_>,
        mode: &Mode<'_>,
        opt: &[u8],
    ) -> Result<()> {
        let plaintext = message
            .emit()
            .map_err(|_| Error::State("message does not encode"))?;
        let header = Header::new(Magic::Lan, message.packet_type(), mode.enc_type());
        let mut out =
            alloc::vec![0u8; joylink_crypto::sealed_len(mode, opt.len(), plaintext.len())];
        let n = crate::sealing::seal_plain(&header, mode, opt, &plaintext, &mut out)?;
        out.truncate(n);
        self.tx.push_back((to, out));
        Ok(())
    }

    /// Broadcasts (or unicasts) a scan (spec 6.3.1) to `to`.
    ///
    /// # Errors
    /// Only if the request does not encode.
    pub fn discover(
        &mut self,
        to: SocketAddr,
        productuuid: Option<&str>,
        status: ScanStatus,
    ) -> Result<()> {
        let m = Message::ScanRequest(ScanRequest::new(productuuid, status));
        self.seal_to(to, &m, &Mode::None, &[])
    }

    fn entry(&self, addr: SocketAddr) -> Result<&DeviceEntry> {
        self.device(addr)
            .ok_or(Error::State("device not discovered"))
    }

    fn localkey(&self, addr: SocketAddr) -> Result<LocalKey> {
        self.entry(addr)?
            .localkey
            .clone()
            .ok_or(Error::State("device not authorized"))
    }

    fn send_pending(&mut self, now: Instant, p: &Pending) -> Result<()> {
        let ts = self.next_ts(now);
        let addr = p.addr;
        match &p.kind {
            Kind::Auth {
                feedid,
                accesskey,
                localkey,
                server,
            } => {
                let mut data = WriteKeyData::new(feedid, accesskey, localkey);
                data.joylink_server = server.as_deref().map(|s| alloc::vec![s.into()]);
                let m = Message::WriteKeyRequest(Timestamped {
                    timestamp: ts,
                    body: WriteKeyRequest { data },
                });
                self.seal_ecdh(addr, &m, p.legacy_iv)
            }
            Kind::SubAuth { data: d } => {
                let [feedid, accesskey, localkey, uuid, mac] = d;
                let data = SubDevAuthData::new(feedid, accesskey, localkey, uuid, mac);
                let m = Message::SubDevAuthRequest(Timestamped {
                    timestamp: ts,
                    body: SubDevAuthRequest { data },
                });
                self.seal_ecdh(addr, &m, p.legacy_iv)
            }
            Kind::AddSub {
                mac,
                productuuid,
                protocol,
            } => {
                let m = Message::AddSubDevRequest(Timestamped {
                    timestamp: ts,
                    body: AddSubDevRequest::new(mac, productuuid, *protocol),
                });
                let key = self.localkey(addr)?;
                self.seal_to(addr, &m, &Mode::LocalKey(&key), &[])
            }
            _ => Err(Error::State("not resendable")),
        }
    }

    /// The ECDH secret with a device, with the device's IV option, and whether cutting the
    /// IV at its first 0x00 changes it (only then is the truncated IV worth a try).
    fn secret(&self, addr: SocketAddr) -> Result<(SharedSecret, bool)> {
        let entry = self.entry(addr)?;
        let devkey = entry
            .devkey
            .ok_or(Error::State("device sent no usable devkey"))?;
        let secret = self.key_pair.private_key().diffie_hellman(&devkey);
        let standard = KeyIv::from_shared_secret(&secret);
        let cut = standard.clone().with_iv_compat(IvCompat::LegacyStrncpy);
        let differs = standard.raw_secret_iv() != cut.raw_secret_iv();
        Ok((secret.with_iv_compat(entry.iv_compat()), differs))
    }

    /// Seals an enctype-2 request; `legacy` asks for the truncated IV (compat §3.1).
    fn seal_ecdh(&mut self, addr: SocketAddr, m: &Message<'_>, legacy: bool) -> Result<()> {
        let (mut secret, _) = self.secret(addr)?;
        if legacy {
            secret = secret.with_iv_compat(IvCompat::LegacyStrncpy);
        }
        let opt = self.key_pair.public_key().to_compressed();
        self.seal_to(addr, m, &Mode::Ecdh(&secret), &opt)
    }

    fn start(&mut self, now: Instant, addr: SocketAddr, kind: Kind) -> Result<RequestHandle> {
        let p = Pending {
            handle: self.new_handle(),
            addr,
            kind,
            deadline: now.add_millis(AUTH_RETRY_MS),
            attempts_left: AUTH_ATTEMPTS.saturating_sub(1),
            legacy_iv: false,
        };
        self.send_pending(now, &p)?;
        let h = p.handle;
        self.pending.push(p);
        Ok(h)
    }

    /// Authorizes a discovered device (spec 6.3.2, ECDH with its `devkey`), retrying every
    /// [`AUTH_RETRY_MS`] up to [`AUTH_ATTEMPTS`] times.
    ///
    /// # Errors
    /// [`Error::State`] when `addr` was not discovered.
    pub fn authorize(
        &mut self,
        now: Instant,
        addr: SocketAddr,
        feedid: &str,
        accesskey: &str,
        localkey: &str,
        server: Option<&str>,
    ) -> Result<RequestHandle> {
        let _: LocalKey = localkey.parse()?;
        let kind = Kind::Auth {
            feedid: feedid.into(),
            accesskey: accesskey.into(),
            localkey: localkey.into(),
            server: server.map(Into::into),
        };
        self.start(now, addr, kind)
    }

    /// Asks a gateway to add a sub-device (spec 6.3.5), with retries.
    ///
    /// # Errors
    /// [`Error::State`] when the gateway is not authorized.
    pub fn add_sub_device(
        &mut self,
        now: Instant,
        gateway: SocketAddr,
        mac: &str,
        productuuid: &str,
        protocol: SubDevProtocol,
    ) -> Result<RequestHandle> {
        self.localkey(gateway)?;
        let kind = Kind::AddSub {
            mac: mac.into(),
            productuuid: productuuid.into(),
            protocol,
        };
        self.start(now, gateway, kind)
    }

    /// Gives a gateway a sub-device's keys (spec 6.3.6, ECDH with the gateway's `devkey`).
    ///
    /// # Errors
    /// [`Error::State`] when the gateway was not discovered.
    pub fn authorize_sub_device(
        &mut self,
        now: Instant,
        gateway: SocketAddr,
        sub: [&str; 5],
    ) -> Result<RequestHandle> {
        let [feedid, accesskey, localkey, productuuid, mac] = sub;
        let _: LocalKey = localkey.parse()?;
        let data = [feedid, accesskey, localkey, productuuid, mac].map(ToString::to_string);
        self.start(now, gateway, Kind::SubAuth { data })
    }

    fn expect(&mut self, now: Instant, addr: SocketAddr, kind: Kind) -> RequestHandle {
        let handle = self.new_handle();
        self.pending.push(Pending {
            handle,
            addr,
            kind,
            deadline: now.add_millis(RESPONSE_TIMEOUT_MS),
            attempts_left: 0,
            legacy_iv: false,
        });
        handle
    }

    /// Sends a JSON control or snapshot (type 3; type 103 when `request.feed_id` names a
    /// sub-device); the answer is matched as the oldest JSON command to that device.
    ///
    /// # Errors
    /// [`Error::State`] when the device is not authorized.
    pub fn json_control(
        &mut self,
        now: Instant,
        addr: SocketAddr,
        request: JsonControlRequest<'_>,
    ) -> Result<RequestHandle> {
        let key = self.localkey(addr)?;
        let ts = self.next_ts(now);
        let sub = request.feed_id.is_some();
        let t = Timestamped {
            timestamp: ts,
            body: request,
        };
        let m = if sub {
            Message::SubDevJsonControl(t)
        } else {
            Message::JsonControl(t)
        };
        self.seal_to(addr, &m, &Mode::LocalKey(&key), &[])?;
        Ok(self.expect(now, addr, Kind::Json))
    }

    /// Sends a script control (type 4) with a fresh serial; the answer is matched by serial.
    ///
    /// # Errors
    /// [`Error::State`] when the device is not authorized.
    pub fn script_control(
        &mut self,
        now: Instant,
        addr: SocketAddr,
        biz_code: BizCode,
        cmd: &[u8],
    ) -> Result<RequestHandle> {
        let key = self.localkey(addr)?;
        let serial = self.serial();
        let m = Message::ScriptControl(Control {
            timestamp: self.next_ts(now),
            biz_code,
            serial,
            data: cmd,
        });
        self.seal_to(addr, &m, &Mode::LocalKey(&key), &[])?;
        Ok(self.expect(now, addr, Kind::Script { serial }))
    }

    fn serial(&mut self) -> u32 {
        let s = self.next_serial;
        self.next_serial = self.next_serial.wrapping_add(1).max(1);
        s
    }

    /// Sends a sub-device script control (type 104, spec 8.2): `cmd` sealed with the
    /// sub-device's localkey inside a packet sealed with the gateway's.
    ///
    /// # Errors
    /// [`Error::State`] when the gateway or the sub-device is not authorized.
    pub fn sub_script_control(
        &mut self,
        now: Instant,
        gateway: SocketAddr,
        feedid: &str,
        biz_code: BizCode,
        cmd: &[u8],
    ) -> Result<RequestHandle> {
        let outer = self.localkey(gateway)?;
        let inner = self
            .entry(gateway)?
            .sub_keys
            .iter()
            .find(|(f, _)| f == feedid)
            .map(|(_, k)| k.clone())
            .ok_or(Error::State("sub-device not authorized"))?;
        if feedid.len() > 32 {
            return Err(Error::State("feedid longer than 32 bytes"));
        }
        let serial = self.serial();
        let ts = self.next_ts(now);
        let inner_mode = Mode::LocalKey(&inner);
        let mut plain = alloc::vec![0u8; SUBDEV_SCRIPT_FIXED_LEN.saturating_add(inner_mode.payload_len(cmd.len()))];
        let fields = [ts, biz_code.value(), serial];
        for (chunk, v) in plain.chunks_exact_mut(4).zip(fields) {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        let (fixed, data) = plain.split_at_mut(SUBDEV_SCRIPT_FIXED_LEN);
        if let Some(f) = fixed.get_mut(12..12usize.saturating_add(feedid.len())) {
            f.copy_from_slice(feedid.as_bytes());
        }
        if let Some(d) = data.get_mut(..cmd.len()) {
            d.copy_from_slice(cmd);
        }
        inner_mode.seal_in_place(data, cmd.len())?;
        let mode = Mode::LocalKey(&outer);
        let header = Header::new(
            Magic::Lan,
            PacketType::SubDevScriptControl,
            EncType::PreShared,
        );
        let mut out = alloc::vec![0u8; joylink_crypto::sealed_len(&mode, 0, plain.len())];
        let n = crate::sealing::seal_plain(&header, &mode, &[], &plain, &mut out)?;
        out.truncate(n);
        self.tx.push_back((gateway, out));
        let kind = Kind::SubScript {
            serial,
            feedid: feedid.into(),
        };
        Ok(self.expect(now, gateway, kind))
    }

    fn take(&mut self, pred: impl Fn(&Pending) -> bool) -> Option<Pending> {
        let i = self.pending.iter().position(pred)?;
        Some(self.pending.remove(i))
    }

    /// Handles one received datagram.
    ///
    /// # Errors
    /// [`Error::Wire`] / [`Error::Crypto`] for what does not decode or open, [`Error::Dropped`]
    /// for an answer the app drops: [`DropReason::Replayed`] (its timestamp is not newer than
    /// the device's last answer), [`DropReason::Unexpected`] (nothing waits for it: late,
    /// duplicate), [`DropReason::UnknownDevice`], [`DropReason::Malformed`], ...
    pub fn handle(&mut self, now: Instant, from: SocketAddr, datagram: &mut [u8]) -> Result<()> {
        let decoded = joylink_wire::parse(datagram, CrcPolicy::Verify)?;
        let header = decoded.header;
        if header.magic != Magic::Lan {
            return Err(Error::Dropped(DropReason::Unsupported));
        }
        if header.total != 0 {
            let packet = datagram.to_vec();
            return self.on_fragment(from, header, packet);
        }
        match header.packet_type {
            PacketType::Scan => {
                let payload = decoded.payload.to_vec();
                self.on_scan(from, &payload)
            }
            PacketType::WriteKey | PacketType::SubDevAuth => {
                let payload = decoded.payload;
                let (m, quirk) = joylink_wire::lan::parse_lenient(
                    header.packet_type,
                    payload,
                    Direction::FromDevice,
                )
                .map_err(|_| Error::Dropped(DropReason::Malformed))?;
                self.on_auth_answer(from, m)?;
                self.note(from, quirk);
                Ok(())
            }
            PacketType::ScriptControl | PacketType::JsonControl => {
                let key = self
                    .localkey(from)
                    .map_err(|_| Error::Dropped(DropReason::UnknownDevice))?;
                let o = crate::sealing::open_plain(datagram, &Mode::LocalKey(&key), true)?;
                let plaintext = o.plaintext.to_vec();
                self.on_control_answer(now, from, header.packet_type, &plaintext)
            }
            PacketType::AddSubDev => {
                let key = self
                    .localkey(from)
                    .map_err(|_| Error::Dropped(DropReason::UnknownDevice))?;
                let o = crate::sealing::open_plain(datagram, &Mode::LocalKey(&key), true)?;
                let m = joylink_wire::lan::parse(
                    PacketType::AddSubDev,
                    o.plaintext,
                    Direction::FromDevice,
                )
                .map_err(|_| Error::Dropped(DropReason::Malformed))?;
                let Message::AddSubDevResponse(t) = m else {
                    return Err(Error::Dropped(DropReason::Unsupported));
                };
                let mac = t.body.mac.to_string();
                let p = self
                    .take(|p| {
                        p.addr == from
                            && matches!(&p.kind, Kind::AddSub { mac: m, .. } if *m == mac)
                    })
                    .ok_or(Error::Dropped(DropReason::Unexpected))?;
                self.events
                    .push_back(AppEvent::SubDevice(p.handle, t.body.code.unwrap_or(-1)));
                Ok(())
            }
            PacketType::SubDevScriptControl => self.on_sub_script(now, from, datagram),
            _ => Err(Error::Dropped(DropReason::Unsupported)),
        }
    }

    fn on_fragment(&mut self, from: SocketAddr, h: Header, packet: Vec<u8>) -> Result<()> {
        if h.packet_type != PacketType::Scan {
            return Err(Error::Dropped(DropReason::Fragment));
        }
        // Whole packets are kept per (peer, message id) and handed to the wire reassembler once
        // every index is there.
        let i = match self
            .fragments
            .iter()
            .position(|(a, id, _)| *a == from && *id == h.reserved)
        {
            Some(i) => i,
            None => {
                // Several replies may interleave (a duplicated scan is answered twice); the
                // oldest message in progress goes when too many are.
                if self.fragments.len() >= MAX_REASSEMBLIES {
                    self.fragments.remove(0);
                }
                self.fragments.push((from, h.reserved, Vec::new()));
                self.fragments.len().saturating_sub(1)
            }
        };
        let Some((_, _, parts)) = self.fragments.get_mut(i) else {
            return Ok(());
        };
        let same_index = |p: &Vec<u8>| {
            joylink_wire::parse(p, CrcPolicy::Ignore).is_ok_and(|q| q.header.index == h.index)
        };
        if !parts.iter().any(same_index) {
            parts.push(packet);
        }
        if parts.len() < usize::from(h.total) {
            return Ok(());
        }
        let (_, _, parts) = self.fragments.swap_remove(i);
        // One message in one slot as large as every fragment together (each repeats header and opt).
        let size: usize = parts.iter().map(Vec::len).fold(0, usize::saturating_add);
        let mut storage = alloc::vec![0u8; size];
        let mut r = Reassembler::<(), 1>::new(&mut storage);
        let mut payload = None;
        for p in &parts {
            let q = joylink_wire::parse(p, CrcPolicy::Verify)?;
            if let ReassemblyStatus::Complete(m) = r.push((), &q, 0)? {
                payload = Some(m.payload().to_vec());
            }
        }
        let payload = payload.ok_or(Error::Dropped(DropReason::Malformed))?;
        self.on_scan(from, &payload)
    }

    fn on_scan(&mut self, from: SocketAddr, payload: &[u8]) -> Result<()> {
        let Ok(Message::ScanResponse(r)) =
            joylink_wire::lan::parse(PacketType::Scan, payload, Direction::FromDevice)
        else {
            return Err(Error::Dropped(DropReason::Malformed));
        };
        // An empty or malformed devkey (modules before activation) lists the device without one.
        let devkey = r.device_key().and_then(|k| PublicKey::from_devkey(k).ok());
        let subs = r
            .subdev
            .iter()
            .flatten()
            .map(|s| {
                (
                    s.mac.to_string(),
                    s.productuuid.to_string(),
                    s.feed_id.to_string(),
                    s.state == joylink_wire::lan::SubDevAuthState::Authorized,
                )
            })
            .collect();
        let old = self.devices.iter().position(|d| d.addr == from);
        let (localkey, sub_keys, quirks) = match old.and_then(|i| self.devices.get(i)) {
            // A device that rebooted has a new key pair but keeps its localkey (and firmware).
            Some(d) => (d.localkey.clone(), d.sub_keys.clone(), d.quirks.clone()),
            None => (None, Vec::new(), Vec::new()),
        };
        let entry = DeviceEntry {
            addr: from,
            devkey,
            mac: r.mac.to_string(),
            productuuid: r.productuuid.to_string(),
            feed_id: r.feed_id.as_deref().unwrap_or_default().to_string(),
            devtype: r.devtype.map_or(0, |t| t.value()),
            sub_devices: subs,
            localkey,
            sub_keys,
            quirks,
        };
        match old.and_then(|i| self.devices.get_mut(i)) {
            Some(d) => *d = entry,
            None => self.devices.push(entry),
        }
        // A device that rebooted may restart its answer timestamps: a scan reply resets them.
        self.answers.forget(from);
        self.events.push_back(AppEvent::Discovered(from));
        Ok(())
    }

    fn on_auth_answer(&mut self, from: SocketAddr, m: Message<'_>) -> Result<()> {
        match m {
            Message::WriteKeyResponse(r) => {
                let p = self
                    .take(|p| p.addr == from && matches!(p.kind, Kind::Auth { .. }))
                    .ok_or(Error::Dropped(DropReason::Unexpected))?;
                if r.code != 0 {
                    self.events
                        .push_back(AppEvent::AuthFailed(p.handle, Some(r.code)));
                    return Ok(());
                }
                if let Kind::Auth {
                    localkey, feedid, ..
                } = &p.kind
                {
                    let key: LocalKey = localkey.parse()?;
                    if let Some(d) = self.devices.iter_mut().find(|d| d.addr == from) {
                        d.localkey = Some(key);
                        d.feed_id.clone_from(feedid);
                    }
                }
                if p.legacy_iv {
                    self.note(from, Some(Quirk::TruncatedIv));
                }
                self.events.push_back(AppEvent::Authorized(p.handle));
                Ok(())
            }
            Message::SubDevAuthResponse(r) => {
                let mac = r.mac.to_string();
                let p = self
                    .take(|p| {
                        p.addr == from
                            && matches!(&p.kind, Kind::SubAuth { data } if data[4] == mac)
                    })
                    .ok_or(Error::Dropped(DropReason::Unexpected))?;
                // E209+ omit `code` for a refused state: that is a failure too.
                let code = r.code.unwrap_or(-1);
                if code == 0 && p.legacy_iv {
                    self.note(from, Some(Quirk::TruncatedIv));
                }
                if let (0, Kind::SubAuth { data }) = (code, &p.kind) {
                    let key: LocalKey = data[2].parse()?;
                    if let Some(d) = self.devices.iter_mut().find(|d| d.addr == from) {
                        d.sub_keys.retain(|(f, _)| *f != data[0]);
                        d.sub_keys.push((data[0].clone(), key));
                    }
                }
                self.events.push_back(AppEvent::SubDevice(p.handle, code));
                Ok(())
            }
            _ => Err(Error::Dropped(DropReason::Unsupported)),
        }
    }

    /// Remembers a quirk the device at `from` was seen with.
    fn note(&mut self, from: SocketAddr, quirk: Option<Quirk>) {
        let Some(q) = quirk else { return };
        if let Some(d) = self.devices.iter_mut().find(|d| d.addr == from)
            && !d.quirks.contains(&q)
        {
            d.quirks.push(q);
        }
    }

    /// Drops an answer whose timestamp is not newer than the device's last one: a replayed
    /// answer would otherwise be matched to a newer JSON command (nothing else binds the two).
    fn fresh_answer(&mut self, now: Instant, from: SocketAddr, plaintext: &[u8]) -> Result<()> {
        let (ts, _) = crate::sealing::split_ts(plaintext)?;
        if self.answers.accept(from, ts, now) {
            Ok(())
        } else {
            Err(Error::Dropped(DropReason::Replayed))
        }
    }

    fn on_control_answer(
        &mut self,
        now: Instant,
        from: SocketAddr,
        packet_type: PacketType,
        plaintext: &[u8],
    ) -> Result<()> {
        // The application's JSON need not be a `{code, …}` answer: only the quirk is taken from
        // the typed reading, the bytes are passed on as they are.
        let quirk = joylink_wire::lan::parse_lenient(packet_type, plaintext, Direction::FromDevice)
            .ok()
            .and_then(|(_, q)| q);
        if quirk == Some(Quirk::NoTimestamp) {
            let p = self
                .take(|p| p.addr == from && matches!(p.kind, Kind::Json))
                .ok_or(Error::Dropped(DropReason::Unexpected))?;
            self.events.push_back(AppEvent::Response(
                p.handle,
                ResponseBody::Json(plaintext.to_vec()),
            ));
            self.note(from, quirk);
            return Ok(());
        }
        self.fresh_answer(now, from, plaintext)?;
        self.note(from, quirk);
        if is_script_response(plaintext) {
            let r = Control::parse(plaintext)?;
            let p = self
                .take(|p| {
                    p.addr == from
                        && matches!(p.kind, Kind::Script { serial } if serial == r.serial)
                })
                .ok_or(Error::Dropped(DropReason::Unexpected))?;
            let body = ResponseBody::Script {
                biz_code: r.biz_code,
                serial: r.serial,
                resp: r.data.to_vec(),
            };
            self.events.push_back(AppEvent::Response(p.handle, body));
            return Ok(());
        }
        let (_, json) = crate::sealing::split_ts(plaintext)?;
        let p = self
            .take(|p| p.addr == from && matches!(p.kind, Kind::Json))
            .ok_or(Error::Dropped(DropReason::Unexpected))?;
        self.events.push_back(AppEvent::Response(
            p.handle,
            ResponseBody::Json(json.to_vec()),
        ));
        Ok(())
    }

    fn on_sub_script(&mut self, now: Instant, from: SocketAddr, datagram: &mut [u8]) -> Result<()> {
        let outer = self
            .localkey(from)
            .map_err(|_| Error::Dropped(DropReason::UnknownDevice))?;
        let o = crate::sealing::open_plain(datagram, &Mode::LocalKey(&outer), true)?;
        let mut plain = o.plaintext.to_vec();
        let entry = self.entry(from)?;
        // The spec layout first; shipped gateways put the feedid at offset 0 and send no serial.
        for layout in [ResponseLayout::Spec, ResponseLayout::Shipped] {
            let Ok(r) = SubDevScriptControlResponse::parse_with(&plain, layout) else {
                continue;
            };
            let Ok(feedid) = r.feed_id.to_str() else {
                continue;
            };
            let Some(key) = entry
                .sub_keys
                .iter()
                .find(|(f, _)| f == feedid)
                .map(|(_, k)| k.clone())
            else {
                continue;
            };
            let (feedid, serial, biz) = (feedid.to_string(), r.serial, r.biz_code);
            if layout == ResponseLayout::Spec && !self.answers.accept(from, r.timestamp, now) {
                return Err(Error::Dropped(DropReason::Replayed));
            }
            let data = plain.get_mut(SUBDEV_SCRIPT_FIXED_LEN..).unwrap_or_default();
            let resp = Mode::LocalKey(&key).open_in_place(data)?.to_vec();
            let p = self
                .take(|p| {
                    p.addr == from
                        && matches!(&p.kind, Kind::SubScript { serial: s, feedid: f }
                            if *f == feedid && (layout == ResponseLayout::Shipped || *s == serial))
                })
                .ok_or(Error::Dropped(DropReason::Unexpected))?;
            let serial = match p.kind {
                Kind::SubScript { serial, .. } => serial,
                _ => serial,
            };
            let body = ResponseBody::Script {
                biz_code: biz,
                serial,
                resp,
            };
            self.events.push_back(AppEvent::Response(p.handle, body));
            return Ok(());
        }
        Err(Error::Dropped(DropReason::UnknownDevice))
    }
}

const _: () = assert!(MAX_DATAGRAM > SUBDEV_SCRIPT_FIXED_LEN);
