//! The single entry point: (packet type, plaintext, direction) → typed LAN message.

use alloc::vec::Vec;

use crate::Control;
use crate::Timestamped;
use crate::lan::discovery::{ScanRequest, ScanResponse};
use crate::lan::json_body::JsonBody;
use crate::lan::json_control::{JsonControlRequest, JsonControlResponse};
use crate::lan::quirk::Quirk;
use crate::lan::script_control::{ControlResponse, is_script_response};
use crate::lan::subdev::{AddSubDevRequest, SubDevAuthRequest, SubDevResponse};
use crate::lan::subdev_script::{SubDevScriptControl, SubDevScriptControlResponse};
use crate::lan::write_key::{WriteKeyRequest, WriteKeyResponse};
use crate::{Direction, EncType, PacketType};

/// A typed LAN message (spec chapter 6), borrowing from the plaintext it was decoded from.
///
/// Variants are named after what the message *is*; [`Message::packet_type`] and
/// [`Message::enc_type`] give what a shipped peer puts in the header when sending it (compat
/// §3.5), and [`Message::emit`] the payload before encryption, in the shipped layout.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message<'a> {
    /// Type 1, app → device (no timestamp).
    ScanRequest(ScanRequest<'a>),
    /// Type 1, device → app (no timestamp).
    ScanResponse(ScanResponse<'a>),
    /// Type 2, app → device.
    WriteKeyRequest(Timestamped<WriteKeyRequest<'a>>),
    /// Type 2, device → app (no timestamp).
    WriteKeyResponse(WriteKeyResponse<'a>),
    /// Type 3, app → device.
    JsonControl(Timestamped<JsonControlRequest<'a>>),
    /// The answer to type 3 or 103: received as type 4 from shipped devices (compat §6.4), as
    /// type 3 / 103 from spec-following ones; sent as type 4.
    JsonControlResponse(Timestamped<JsonControlResponse<'a>>),
    /// Type 4, app → device.
    ScriptControl(Control<'a>),
    /// Type 4, device → app, a script reply (told from a JSON answer by
    /// [`is_script_response`](crate::lan::is_script_response)).
    ScriptControlResponse(ControlResponse<'a>),
    /// Type 102, app → gateway.
    SubDevAuthRequest(Timestamped<SubDevAuthRequest<'a>>),
    /// Type 102, gateway → app (no timestamp).
    SubDevAuthResponse(SubDevResponse<'a>),
    /// Type 103, app → gateway (`feedid` required).
    SubDevJsonControl(Timestamped<JsonControlRequest<'a>>),
    /// Type 104, app → gateway; `cmd` still sealed with the sub-device's key.
    SubDevScriptControl(SubDevScriptControl<'a>),
    /// Type 104, gateway → app, read in the spec layout (for shipped gateways use
    /// [`SubDevScriptControlResponse::parse_with`] and [`ResponseLayout::Shipped`](crate::lan::ResponseLayout)).
    SubDevScriptControlResponse(SubDevScriptControlResponse<'a>),
    /// Type 105, app → gateway.
    AddSubDevRequest(Timestamped<AddSubDevRequest<'a>>),
    /// Type 105, gateway → app.
    AddSubDevResponse(Timestamped<SubDevResponse<'a>>),
    /// Any other packet type (the agent types 200–202, WAN types on the LAN port, …), undecoded.
    Other {
        /// The header's type.
        packet_type: PacketType,
        /// Who sent it.
        direction: Direction,
        /// The plaintext.
        plaintext: &'a [u8],
    },
}

/// Decodes the plaintext of an opened LAN packet.
///
/// `plaintext` is the whole decrypted payload, timestamp included where the type has one
/// (compat §5); `direction` says who sent it, since one type number carries a request and its
/// answer.
///
/// ```
/// use joylink_wire::{Direction, PacketType, lan::{self, Message}};
/// let m = lan::parse(PacketType::Scan, br#"{"cmd":2,"uuid":"5708AB","status":0}"#, Direction::ToDevice)?;
/// let Message::ScanRequest(r) = m else { unreachable!() };
/// assert_eq!(r.product_uuid(), Some("5708AB"));
/// # Ok::<(), joylink_wire::Error>(())
/// ```
///
/// # Errors
/// [`Error::Truncated`](crate::Error::Truncated) (and the other binary errors) for a binary body
/// or timestamp that is too short, [`Error::Json`](crate::Error::Json) for bad JSON, a missing
/// required field or a type-103 request without `feedid` (`what` names the body).
pub fn parse(
    packet_type: PacketType,
    plaintext: &[u8],
    direction: Direction,
) -> crate::Result<Message<'_>> {
    use Direction::{FromDevice, ToDevice};
    Ok(match (packet_type, direction) {
        (PacketType::Scan, ToDevice) => Message::ScanRequest(ScanRequest::parse(plaintext)?),
        (PacketType::Scan, FromDevice) => Message::ScanResponse(ScanResponse::parse(plaintext)?),
        (PacketType::WriteKey, ToDevice) => {
            Message::WriteKeyRequest(Timestamped::parse(plaintext)?)
        }
        (PacketType::WriteKey, FromDevice) => {
            Message::WriteKeyResponse(WriteKeyResponse::parse(plaintext)?)
        }
        (PacketType::JsonControl, ToDevice) => Message::JsonControl(Timestamped::parse(plaintext)?),
        (PacketType::JsonControl | PacketType::SubDevJsonControl, FromDevice) => {
            Message::JsonControlResponse(Timestamped::parse(plaintext)?)
        }
        (PacketType::ScriptControl, ToDevice) => Message::ScriptControl(Control::parse(plaintext)?),
        (PacketType::ScriptControl, FromDevice) => {
            if is_script_response(plaintext) {
                Message::ScriptControlResponse(ControlResponse::parse(plaintext)?)
            } else {
                Message::JsonControlResponse(Timestamped::parse(plaintext)?)
            }
        }
        (PacketType::SubDevAuth, ToDevice) => {
            Message::SubDevAuthRequest(Timestamped::parse(plaintext)?)
        }
        (PacketType::SubDevAuth, FromDevice) => {
            Message::SubDevAuthResponse(SubDevResponse::parse(plaintext)?)
        }
        (PacketType::SubDevJsonControl, ToDevice) => {
            let t: Timestamped<JsonControlRequest<'_>> = Timestamped::parse(plaintext)?;
            if t.body.feed_id.is_none() {
                // Valid JSON, but type 103 requires the key: no position to report.
                return Err(crate::Error::Json {
                    what: "JsonControlRequest without feedid",
                    line: 0,
                    column: 0,
                });
            }
            Message::SubDevJsonControl(t)
        }
        (PacketType::SubDevScriptControl, ToDevice) => {
            Message::SubDevScriptControl(SubDevScriptControl::parse(plaintext)?)
        }
        (PacketType::SubDevScriptControl, FromDevice) => {
            Message::SubDevScriptControlResponse(SubDevScriptControlResponse::parse(plaintext)?)
        }
        (PacketType::AddSubDev, ToDevice) => {
            Message::AddSubDevRequest(Timestamped::parse(plaintext)?)
        }
        (PacketType::AddSubDev, FromDevice) => {
            Message::AddSubDevResponse(Timestamped::parse(plaintext)?)
        }
        (packet_type, direction) => Message::Other {
            packet_type,
            direction,
            plaintext,
        },
    })
}

/// [`parse`], then, for what a device sends to the app, the readings of shipped modules that do
/// not follow the spec; says which [`Quirk`] it needed (`None` when the strict reading worked).
///
/// Only when the strict reading fails, and only for the direction device → app:
/// - type 2: four bytes before the JSON (compat §16.2, the third-party Python client HAM
///   expects them) are skipped when the payload does not start with `{` → [`Quirk::WriteKeyPrefix`];
/// - type 3: the control-response layout `ts ‖ biz_code ‖ serial ‖ JSON` (compat §16.1, the
///   HiFlying module port's type-4 reply sent with type 3) → [`Message::ScriptControlResponse`]
///   and [`Quirk::ScriptLayoutUnderJsonType`]; bare JSON without a timestamp (the same port's
///   type-3 reply) → [`Message::JsonControlResponse`] with timestamp 0 and [`Quirk::NoTimestamp`].
///
/// Requests (app → device) are read strictly: the device side follows the spec.
///
/// ```
/// use joylink_wire::{Direction, PacketType, lan::{self, Message, Quirk}};
/// let (m, quirk) = lan::parse_lenient(PacketType::JsonControl, br#"{"code":0}"#, Direction::FromDevice)?;
/// assert_eq!(quirk, Some(Quirk::NoTimestamp));
/// assert!(matches!(m, Message::JsonControlResponse(t) if t.body.code == 0 && t.timestamp == 0));
/// # Ok::<(), joylink_wire::Error>(())
/// ```
///
/// # Errors
/// The strict reading's error when no fallback reads the payload either.
pub fn parse_lenient(
    packet_type: PacketType,
    plaintext: &[u8],
    direction: Direction,
) -> crate::Result<(Message<'_>, Option<Quirk>)> {
    let strict = match parse(packet_type, plaintext, direction) {
        Ok(m) => return Ok((m, None)),
        Err(e) => e,
    };
    if direction != Direction::FromDevice {
        return Err(strict);
    }
    let fallback = match packet_type {
        PacketType::WriteKey if plaintext.first() != Some(&b'{') => plaintext
            .get(4..)
            .and_then(|json| WriteKeyResponse::parse(json).ok())
            .map(|r| (Message::WriteKeyResponse(r), Quirk::WriteKeyPrefix)),
        PacketType::JsonControl if is_script_response(plaintext) => {
            ControlResponse::parse(plaintext).ok().map(|r| {
                (
                    Message::ScriptControlResponse(r),
                    Quirk::ScriptLayoutUnderJsonType,
                )
            })
        }
        PacketType::JsonControl => JsonControlResponse::parse(plaintext).ok().map(|body| {
            (
                Message::JsonControlResponse(Timestamped { timestamp: 0, body }),
                Quirk::NoTimestamp,
            )
        }),
        _ => None,
    };
    fallback.map(|(m, q)| (m, Some(q))).ok_or(strict)
}

impl Message<'_> {
    /// Who sends this message.
    pub fn direction(&self) -> Direction {
        match self {
            Message::ScanRequest(_)
            | Message::WriteKeyRequest(_)
            | Message::JsonControl(_)
            | Message::ScriptControl(_)
            | Message::SubDevAuthRequest(_)
            | Message::SubDevJsonControl(_)
            | Message::SubDevScriptControl(_)
            | Message::AddSubDevRequest(_) => Direction::ToDevice,
            Message::Other { direction, .. } => *direction,
            _ => Direction::FromDevice,
        }
    }

    /// The header `type` a shipped peer sends this message with.
    ///
    /// compat §6.4 — [`Message::JsonControlResponse`] goes out as type 4.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Message::ScanRequest(_) | Message::ScanResponse(_) => PacketType::Scan,
            Message::WriteKeyRequest(_) | Message::WriteKeyResponse(_) => PacketType::WriteKey,
            Message::JsonControl(_) => PacketType::JsonControl,
            Message::JsonControlResponse(_)
            | Message::ScriptControl(_)
            | Message::ScriptControlResponse(_) => PacketType::ScriptControl,
            Message::SubDevAuthRequest(_) | Message::SubDevAuthResponse(_) => {
                PacketType::SubDevAuth
            }
            Message::SubDevJsonControl(_) => PacketType::SubDevJsonControl,
            Message::SubDevScriptControl(_) | Message::SubDevScriptControlResponse(_) => {
                PacketType::SubDevScriptControl
            }
            Message::AddSubDevRequest(_) | Message::AddSubDevResponse(_) => PacketType::AddSubDev,
            Message::Other { packet_type, .. } => *packet_type,
        }
    }

    /// The `enctype` a shipped peer uses for this message: the [table](crate::table)'s entry for
    /// its [`packet_type`](Message::packet_type) and [`direction`](Message::direction) (0 for
    /// discovery and the write-key / sub-auth answers, 2 for the write-key / sub-auth requests,
    /// 3 otherwise).
    pub fn enc_type(&self) -> EncType {
        crate::table::lookup(crate::Magic::Lan, self.packet_type(), self.direction()).enc_type
    }

    /// The plaintext as a shipped peer lays it out: the timestamp where the type has one, JSON in
    /// the body's [`JsonBody::STYLE`] (cJSON for the scan / sub-device answers, `sprintf` for the
    /// write-key answer, compact otherwise), binary bodies as they are.
    ///
    /// # Errors
    /// [`Error::Json`](crate::Error::Json) only if serialization fails (it does not for these
    /// types).
    pub fn emit(&self) -> crate::Result<Vec<u8>> {
        fn ts<'b, B: JsonBody<'b>>(t: &Timestamped<B>) -> crate::Result<Vec<u8>> {
            t.to_json(B::STYLE)
        }
        fn bin(
            len: usize,
            emit: impl FnOnce(&mut [u8]) -> crate::Result<usize>,
        ) -> crate::Result<Vec<u8>> {
            let mut out = alloc::vec![0u8; len];
            let n = emit(&mut out)?;
            out.truncate(n);
            Ok(out)
        }
        match self {
            Message::ScanRequest(b) => b.to_json(),
            Message::ScanResponse(b) => b.to_json(),
            Message::WriteKeyRequest(t) => ts(t),
            Message::WriteKeyResponse(b) => b.to_json(),
            Message::JsonControl(t) | Message::SubDevJsonControl(t) => ts(t),
            Message::JsonControlResponse(t) => ts(t),
            Message::ScriptControl(c) => bin(c.buffer_len(), |b| c.emit(b)),
            Message::ScriptControlResponse(c) => bin(c.buffer_len(), |b| c.emit(b)),
            Message::SubDevAuthRequest(t) => ts(t),
            Message::SubDevAuthResponse(b) => b.to_json(),
            Message::SubDevScriptControl(c) => bin(c.buffer_len(), |b| c.emit(b)),
            Message::SubDevScriptControlResponse(c) => bin(c.buffer_len(), |b| c.emit(b)),
            Message::AddSubDevRequest(t) => ts(t),
            Message::AddSubDevResponse(t) => ts(t),
            Message::Other { plaintext, .. } => Ok(plaintext.to_vec()),
        }
    }
}
