//! The one error type of the session machines.

/// Why a session machine refused a call or a received packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The packet did not decode (header, CRC, body).
    #[error("wire: {0}")]
    Wire(#[from] joylink_wire::Error),
    /// A crypto failure: for a packet that did not open, [`joylink_crypto::Error::Decrypt`],
    /// one value for every decryption failure (wrong key, bad padding, bad length: on purpose,
    /// no padding oracle); for a key or public key a document carried, its own error (a key of
    /// the wrong length or not ASCII, a public key off the curve).
    #[error("crypto: {0}")]
    Crypto(#[from] joylink_crypto::Error),
    /// A fixed-capacity table (timers, sub-devices, peers, pending requests) is full.
    #[error("capacity exceeded")]
    Capacity,
    /// The call is not valid in the machine's current state (e.g. control before authorization).
    #[error("not valid in state {0}")]
    State(&'static str),
    /// A received packet dropped by a protocol rule; nothing is sent back (except where a
    /// machine documents an answer, e.g. the write-key refusal). The reason is typed so that a
    /// caller (the C ABI's `JL_ERR_REPLAY`) can tell a replay from a packet that is merely wrong.
    #[error("dropped: {0}")]
    Dropped(DropReason),
}

/// Why a session machine dropped a received packet ([`Error::Dropped`]).
///
/// A packet that does not *open* is not here: that is [`Error::Crypto`] with the one
/// [`joylink_crypto::Error::Decrypt`], which never says whether the key, the padding or the
/// length was wrong.
///
/// A LAN device drops a control request it already served, here the same datagram received
/// twice:
///
/// ```
/// use joylink_session::lan::{Device, DeviceInfo, Event, SocketAddr};
/// use joylink_session::{DropReason, Error, Instant};
/// # use joylink_crypto::{KeyPair, LocalKey, Mode};
/// # use joylink_session::lan::{Activation, FixedStr};
/// # use joylink_wire::{BizCode, Control, EncType, Header, Magic, PacketType};
/// # let localkey: LocalKey = "be4d957a4da771d609ab383e548014a0".parse()?;
/// # let key_pair = KeyPair::generate(&mut joylink_test_vectors::TestRng(5));
/// // An activated device, and `request`: a control the app sealed under its localkey.
/// let mut device: Device = Device::new(key_pair, DeviceInfo::default());
/// # device.set_activation(Some(Activation {
/// #     feed_id: FixedStr::new("7882708419766653").ok_or("feedid")?,
/// #     accesskey: "961745eaa28c7ff6854b94a91ce19a91".parse()?,
/// #     localkey: localkey.clone(),
/// #     server: FixedStr::EMPTY,
/// # }));
/// # // A type-4 script control from the app at timestamp 11, sealed under the localkey.
/// # let body = Control { timestamp: 11, biz_code: BizCode::Control, serial: 1, data: b"power=1" };
/// # let header = Header::new(Magic::Lan, PacketType::ScriptControl, EncType::PreShared);
/// # let mode = Mode::LocalKey(&localkey);
/// # let mut request = vec![0u8; joylink_crypto::sealed_len(&mode, 0, body.buffer_len())];
/// # body.emit(&mut request[joylink_wire::HEADER_LEN..])?;
/// # let n = joylink_crypto::seal(&header, &mode, 0, body.buffer_len(), &mut request)?;
/// # request.truncate(n);
/// let app: SocketAddr = "192.168.1.10:5000".parse()?;
/// let mut replayed = request.clone(); // `handle` opens the datagram in place
/// let served = device.handle(Instant(0), app, &mut request)?;
/// assert!(matches!(served, Some(Event::Request(_))));
///
/// // The same bytes again: their timestamp is not newer than the last one accepted.
/// match device.handle(Instant(1), app, &mut replayed) {
///     Err(Error::Dropped(DropReason::Replayed)) => {} // a copy: nothing to answer
///     Err(Error::Dropped(other)) => return Err(format!("dropped as {other}").into()),
///     other => return Err(format!("not dropped: {other:?}").into()),
/// }
/// assert!(DropReason::Replayed.is_replay());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// Its timestamp is not newer than the last one accepted from the same peer (spec 4.4 item 4,
    /// under the machine's [`ReplayPolicy`](crate::lan::ReplayPolicy)): a LAN request replayed to a
    /// device, or an answer replayed to the app.
    Replayed,
    /// Not a packet this machine serves: a WAN packet on the LAN, a packet type (or message) it
    /// does not handle, a sub-device packet to a device that is not a gateway.
    Unsupported,
    /// A fragment the machine does not reassemble (a device reassembles none, the app only
    /// fragmented scan replies).
    Fragment,
    /// The packet's enctype is not the one its type is sent with (spec 6.3.x: discovery in
    /// clear, the authorizations under ECDH, everything else under the localkey).
    EncTypeNotAllowed,
    /// The packet needs the localkey and the device has none yet (not activated).
    NotActivated,
    /// A write-key with keys other than the stored ones while activated: refused (the device
    /// queued its -2001 answer), the app must reset the device first.
    AlreadyActivated,
    /// It names a device or sub-device the machine has no record of, or no key for.
    UnknownDevice,
    /// Not expected in the machine's state: an answer no request waits for (late, duplicate or
    /// never asked), a scan for devices in the other activation state.
    Unexpected,
    /// A body that does not parse or breaks the format: bad JSON (or a string with a JSON
    /// escape), too short, a field longer than the machine's fixed storage of it (feedid 32,
    /// MAC 32, product uuid 16 bytes), a 113 whose biz_code is not 1060 (compat: shipped
    /// gateways check it), fragments that do not assemble.
    Malformed,
    /// A [`Translator`](crate::lan::Translator) refused the command or frame (spec chapter 13).
    Untranslatable,
}

impl DropReason {
    /// Whether this is a replay (the C ABI's `JL_ERR_REPLAY`).
    #[must_use]
    pub const fn is_replay(self) -> bool {
        matches!(self, Self::Replayed)
    }

    /// A short text (what [`Display`](core::fmt::Display) writes).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Replayed => "replayed timestamp",
            Self::Unsupported => "not a packet this machine serves",
            Self::Fragment => "fragment not reassembled",
            Self::EncTypeNotAllowed => "enctype not allowed for this packet type",
            Self::NotActivated => "not activated",
            Self::AlreadyActivated => "already activated with other keys",
            Self::UnknownDevice => "unknown device or sub-device",
            Self::Unexpected => "not expected in this state",
            Self::Malformed => "malformed body",
            Self::Untranslatable => "refused by the translator",
        }
    }
}

impl core::fmt::Display for DropReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Result` with the session [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
