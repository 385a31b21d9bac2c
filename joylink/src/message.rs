//! One typed message for every packet: LAN bodies and WAN bodies (type-13 timer bodies
//! included), from an opened packet and its direction, so a caller never matches on type numbers.
//!
//! [`Message::parse`] is the single entry point for a plaintext you opened yourself:
//! the network (the header's [`Magic`]) picks the decoder —
//! [`joylink_wire::lan::parse`] for the LAN, [`WanMessage::parse`] for the WAN, which types a
//! type 13 by its biz_code too ([`WanMessage::Timer`], spec chapter 10).
//! [`open`] does the whole receive path from the packet bytes and the keys, through
//! [`lan::open`](crate::lan::open) or [`wan::open`](crate::wan::open).
//!
//! Behind the `json` feature, since the LAN bodies are JSON. Without it, WAN bodies (timers
//! included) are still typed by [`wan::open`](crate::wan::open).

use joylink_crypto::PublicKey;
use joylink_wire::wan::WanMessage;
use joylink_wire::{CrcPolicy, Direction, Header, Magic, PacketType, lan};

use crate::error::Result;
use crate::lan::LanKeys;
use crate::wan::WanKeys;

/// A typed JoyLink message of either network, borrowing the plaintext it was decoded from.
///
/// A WAN type 13 is `Wan(WanMessage::Timer(_))`, typed by its biz_code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[expect(
    clippy::large_enum_variant,
    reason = "a LAN message is as large as `lan::Message`, which `lan::open` returns by value \
              anyway; boxing it would add an allocation per packet to save stack on the WAN"
)]
pub enum Message<'a> {
    /// A LAN body (spec chapter 6): app ↔ device over UDP.
    Lan(lan::Message<'a>),
    /// A WAN body (spec chapter 7, 9.5/9.6, 10, 12): device ↔ cloud over TCP.
    Wan(WanMessage<'a>),
}

impl<'a> Message<'a> {
    /// Types the plaintext of an opened packet: `network` is the header's magic, `plaintext` the
    /// whole decrypted payload (timestamp included where the type has one, compat §5),
    /// `direction` who sent it (one type number carries a request and its answer).
    ///
    /// Types without a body of their own come back as the `Other` variant of
    /// [`lan::Message`] or [`WanMessage`], never as an error.
    ///
    /// ```
    /// use joylink::{Message, wire::{Direction, Magic, PacketType, wan::WanMessage}};
    /// // Type 10 from the cloud: `timestamp ‖ code` (spec 7.3.4).
    /// let plaintext = [0x2d, 0x60, 0xf2, 0x6e, 0, 0, 0, 0];
    /// let m = Message::parse(Magic::Wan, PacketType::Heartbeat, &plaintext, Direction::ToDevice)?;
    /// let Message::Wan(WanMessage::HeartbeatResponse(r)) = m else { unreachable!() };
    /// assert_eq!(r.timestamp, 1_861_378_093);
    /// # Ok::<(), joylink::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Wire`](crate::Error::Wire)`(`[`Json`](joylink_wire::Error::Json)`)` for a bad
    /// LAN JSON body (naming the body, with the line and column),
    /// [`Error::Wire`](crate::Error::Wire) for a body too short or malformed (a type-13 body
    /// included).
    pub fn parse(
        network: Magic,
        packet_type: PacketType,
        plaintext: &'a [u8],
        direction: Direction,
    ) -> Result<Self> {
        match network {
            Magic::Lan => Ok(Message::Lan(lan::parse(packet_type, plaintext, direction)?)),
            Magic::Wan => Ok(Message::Wan(WanMessage::parse(
                packet_type,
                plaintext,
                direction,
            )?)),
        }
    }

    /// The network the message travels on.
    ///
    /// A scan request decoded from its LAN plaintext, and a heartbeat built for the WAN:
    ///
    /// ```
    /// use joylink::Message;
    /// use joylink::wire::wan::{Heartbeat, WanMessage};
    /// use joylink::wire::{Direction, Magic, PacketType};
    ///
    /// let scan = br#"{"cmd":2,"productuuid":"5708AB","status":0}"#;
    /// let m = Message::parse(Magic::Lan, PacketType::Scan, scan, Direction::ToDevice)?;
    /// assert_eq!(m.network(), Magic::Lan);
    /// let hb = Heartbeat { timestamp: 1_700_000_000, version: 1, rssi: 1 };
    /// assert_eq!(Message::from(WanMessage::Heartbeat(hb)).network(), Magic::Wan);
    /// # Ok::<(), joylink::Error>(())
    /// ```
    #[must_use]
    pub fn network(&self) -> Magic {
        match self {
            Message::Lan(_) => Magic::Lan,
            Message::Wan(_) => Magic::Wan,
        }
    }

    /// The header type the message travels in (for a LAN answer to type 3/103, type 4: what a
    /// shipped device sends, compat §6.4).
    ///
    /// A device's answer to a type-3 JSON control goes out as type 4:
    ///
    /// ```
    /// use joylink::Message;
    /// use joylink::wire::PacketType;
    /// use joylink::wire::lan::{JsonControlResponse, Message as Lan, Stream, Timestamped};
    ///
    /// let body = JsonControlResponse::success(vec![Stream::new("switch", 1)]);
    /// let answer = Lan::JsonControlResponse(Timestamped { timestamp: 1_700_000_000, body });
    /// let answer = Message::from(answer);
    /// assert_eq!(answer.packet_type(), PacketType::ScriptControl);
    /// ```
    #[must_use]
    pub fn packet_type(&self) -> PacketType {
        match self {
            Message::Lan(m) => m.packet_type(),
            Message::Wan(m) => m.packet_type(),
        }
    }
}

impl<'a> From<lan::Message<'a>> for Message<'a> {
    fn from(m: lan::Message<'a>) -> Self {
        Message::Lan(m)
    }
}

/// A WAN message (from [`wan::open`](crate::wan::open) with options [`open`] does not take, say).
impl<'a> From<WanMessage<'a>> for Message<'a> {
    fn from(m: WanMessage<'a>) -> Self {
        Message::Wan(m)
    }
}

/// The keys of the receiving peer, for the network the packet arrives on.
///
/// A device opens an app's LAN request with its localkey as `Keys::Lan` ([`Keys::Wan`] for what
/// the cloud sends):
///
/// ```
/// use joylink::crypto::LocalKey;
/// use joylink::lan::{self, LanKeys};
/// use joylink::wire::lan::{JsonCommand, JsonControlRequest, Message as Lan, Timestamped};
/// use joylink::wire::{CrcPolicy, Direction, Magic, PacketType};
/// use joylink::{Keys, Message, open};
///
/// let localkey: LocalKey = "d2fd57fd06c7ef0bf04f69db14ab707f".parse()?;
/// let lan_keys = LanKeys { local_key: Some(&localkey), ..LanKeys::default() };
/// let body = JsonControlRequest::snapshot();
/// let request = Lan::JsonControl(Timestamped { timestamp: 1_571_171_104, body });
/// let mut packet = lan::seal_vec(&request, &lan_keys)?;
/// let got = open(&mut packet, &Keys::Lan(lan_keys), Direction::ToDevice, CrcPolicy::Verify)?;
/// assert_eq!((got.header.magic, got.header.packet_type), (Magic::Lan, PacketType::JsonControl));
/// let Message::Lan(Lan::JsonControl(t)) = got.message else { unreachable!() };
/// assert_eq!((t.timestamp, t.body.command), (1_571_171_104, JsonCommand::Snapshot));
/// # Ok::<(), joylink::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Keys<'k> {
    /// LAN keys: localkey and/or own key pair.
    Lan(LanKeys<'k>),
    /// WAN keys: accesskey and, after auth, session key.
    Wan(WanKeys<'k>),
}

/// A received packet, checked, decrypted and typed; every slice borrows the caller's buffer.
#[derive(Debug, Clone)]
pub struct OpenedPacket<'a> {
    /// The header as received.
    pub header: Header,
    /// The opt section in clear: the sender's public key (LAN enctype 2), the feed id and random
    /// number of a WAN type 9; usually empty.
    pub opt: &'a [u8],
    /// The sender's public key on the LAN (`opt` of types 1/2/102, `devkey` of a scan answer);
    /// `None` on the WAN.
    pub peer_key: Option<PublicKey>,
    /// The typed body.
    pub message: Message<'a>,
    /// What the CRC check found ([`CrcStatus::NotChecked`](joylink_wire::CrcStatus::NotChecked)
    /// under [`CrcPolicy::Ignore`]).
    pub crc_status: joylink_wire::CrcStatus,
}

/// Opens a received packet in place and types its body: [`lan::open`](crate::lan::open) for
/// [`Keys::Lan`] (which also checks the type/enctype table), [`wan::open`](crate::wan::open)
/// with `crc` for [`Keys::Wan`] (key by packet type, type 9's random numbers checked).
///
/// For the lenient WAN checks of shipped devices (compat §2, §3.2) call
/// [`wan::open`](crate::wan::open) with its `OpenOptions` (its message converts with `From`).
///
/// A WAN heartbeat opened with the cloud's keys, and refused when the keys are a LAN peer's
/// (for a LAN packet see [`Keys`] and [the crate's front page](crate)):
///
/// ```
/// use joylink::crypto::{AccessKey, SessionKey};
/// use joylink::lan::LanKeys;
/// use joylink::wan::{self, WanKeys};
/// use joylink::wire::{CrcPolicy, Direction, Magic, wan::{Heartbeat, WanMessage}};
/// use joylink::{Error, Keys, Message, open};
///
/// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
/// let session = SessionKey::new([7; 32]);
/// let wan_keys = WanKeys { access_key: &access_key, session_key: Some(&session) };
/// let hb = WanMessage::Heartbeat(Heartbeat { timestamp: 1_700_000_000, version: 1, rssi: 1 });
/// let mut buf = [0u8; 64];
/// let n = wan::seal(&hb, &wan_keys, &[], &mut buf)?;
/// let lan = Keys::Lan(LanKeys::default());
/// let mut copy = buf;
/// let wrong = open(&mut copy[..n], &lan, Direction::FromDevice, CrcPolicy::Verify);
/// assert!(matches!(wrong, Err(Error::WrongNetwork { expected: Magic::Lan, found: Magic::Wan })));
/// let got = open(&mut buf[..n], &Keys::Wan(wan_keys), Direction::FromDevice, CrcPolicy::Verify)?;
/// assert_eq!(got.message, Message::Wan(hb));
/// # Ok::<(), joylink::Error>(())
/// ```
///
/// # Errors
/// [`Error::WrongNetwork`](crate::Error::WrongNetwork) when the magic is not the network of
/// `keys`, and every error of [`lan::open`](crate::lan::open) / [`wan::open`](crate::wan::open).
pub fn open<'a>(
    buf: &'a mut [u8],
    keys: &Keys<'_>,
    direction: Direction,
    crc: CrcPolicy,
) -> Result<OpenedPacket<'a>> {
    match keys {
        Keys::Lan(keys) => {
            let i = crate::lan::open(buf, keys, direction, crc)?;
            Ok(OpenedPacket {
                header: i.header,
                opt: i.opt,
                peer_key: i.peer_key,
                message: Message::Lan(i.message),
                crc_status: i.crc_status,
            })
        }
        Keys::Wan(keys) => {
            let o = crate::wan::open(buf, keys, direction, crc)?;
            Ok(OpenedPacket {
                header: o.header,
                opt: o.opt,
                peer_key: None,
                message: Message::Wan(o.message),
                crc_status: o.crc_status,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use joylink_wire::wan::TimerMessage;

    #[test]
    fn lan_scan_request_is_typed() {
        let m = Message::parse(
            Magic::Lan,
            PacketType::Scan,
            br#"{"cmd":2,"productuuid":"5708AB","status":0}"#,
            Direction::ToDevice,
        )
        .unwrap();
        assert_eq!(
            (m.network(), m.packet_type()),
            (Magic::Lan, PacketType::Scan)
        );
        let Message::Lan(lan::Message::ScanRequest(r)) = m else {
            panic!("{m:?}")
        };
        assert_eq!(r.product_uuid(), Some("5708AB"));
    }

    #[test]
    fn wan_type_13_is_typed_by_the_wan_decoder() {
        // spec 10.1: timestamp 1, biz_code 1090 (0x442, support query), serial 7.
        let pt = [1, 0, 0, 0, 0x42, 0x04, 0, 0, 7, 0, 0, 0];
        let m = Message::parse(Magic::Wan, PacketType::Timer, &pt, Direction::ToDevice).unwrap();
        assert_eq!(m.packet_type(), PacketType::Timer);
        let Message::Wan(WanMessage::Timer(TimerMessage::SupportQuery(p))) = m else {
            panic!("{m:?}")
        };
        assert_eq!((p.timestamp, p.serial), (1, 7));
        // Too short for the 12-byte preamble: the wire crate's error.
        let r = Message::parse(Magic::Wan, PacketType::Timer, &pt[..5], Direction::ToDevice);
        assert!(matches!(r, Err(Error::Wire(_))), "{r:?}");
    }

    #[test]
    fn errors_come_from_the_right_layer() {
        let r = Message::parse(
            Magic::Lan,
            PacketType::JsonControl,
            b"\0\0\0\0{",
            Direction::ToDevice,
        );
        assert!(
            matches!(r, Err(Error::Wire(joylink_wire::Error::Json { .. }))),
            "{r:?}"
        );
        let r = Message::parse(
            Magic::Lan,
            PacketType::JsonControl,
            b"\0",
            Direction::ToDevice,
        );
        assert!(matches!(r, Err(Error::Wire(_))), "{r:?}");
        let r = Message::parse(
            Magic::Wan,
            PacketType::Heartbeat,
            b"\0",
            Direction::ToDevice,
        );
        assert!(matches!(r, Err(Error::Wire(_))), "{r:?}");
    }

    #[test]
    fn unknown_types_are_other_not_errors() {
        let m = Message::parse(
            Magic::Wan,
            PacketType::from(250),
            b"xyz",
            Direction::FromDevice,
        )
        .unwrap();
        assert!(matches!(m, Message::Wan(WanMessage::Other { .. })), "{m:?}");
        let m = Message::parse(
            Magic::Lan,
            PacketType::from(250),
            b"xyz",
            Direction::FromDevice,
        )
        .unwrap();
        assert!(
            matches!(m, Message::Lan(lan::Message::Other { .. })),
            "{m:?}"
        );
    }
}
