//! The single entry point: (packet type, plaintext, direction) → typed LAN message.
//!
//! Each message is declared once, in the `lan_messages!` list below: the header type and
//! direction it is sent with, what it is received as when that differs (compat §6.4), its
//! variant and body type and the stable name tools print ([`Message::name`]). The enum,
//! [`parse`], [`Message::packet_type`], [`Message::direction`], [`Message::emit`] and
//! [`Message::KINDS`] are generated from that list; a test walks every type and direction
//! against the [type table](crate::table).
//!
//! Adding a LAN message takes: a [`PacketType`] variant if the number is new; if its body type
//! is new, the body (a [`JsonBody`] type, or a binary one with `parse`/`buffer_len`/`emit`) and
//! its variant in the `lan_bodies!` list ([`LanBody`], with its shape: `json`, `timestamped` or
//! `binary`) and a sample in joylink-cli's `tests/kinds.rs` (plus, for a binary body, its arm in
//! `body.rs`); one row in `lan_messages!` below; its enctype/timestamp/body kind in the table's
//! `lan()` (the table's tests fail until it agrees with the row's body type: timestamp, JSON or
//! struct, enctype 0 exactly without a timestamp). joylink-cli matches on [`LanBody`], never on
//! the message, so a message of an existing body type needs no edit there.

use alloc::vec::Vec;

use crate::Control;
use crate::Timestamped;
use crate::lan::discovery::{ScanRequest, ScanResponse};
use crate::lan::json_body::JsonBody;
use crate::lan::json_control::{JsonControlRequest, JsonControlResponse};
use crate::lan::printer::Style;
use crate::lan::quirk::Quirk;
use crate::lan::script_control::is_script_response;
use crate::lan::subdev::{AddSubDevRequest, SubDevAuthRequest, SubDevResponse};
use crate::lan::subdev_script::{SubDevScriptControl, SubDevScriptControlResponse};
use crate::lan::write_key::{WriteKeyRequest, WriteKeyResponse};
use crate::table::MessageKind;
use crate::view::{body_family, message_family};
use crate::{Direction, EncType, PacketType};

/// What [`Message`] needs of a body type: parse from the plaintext, the plaintext as a shipped
/// peer lays it out, and its place in [`LanBody`]. Generated for each type of the `lan_bodies!`
/// list, one shape per kind of body (JSON, timestamped JSON, binary).
trait BodyCodec<'a>: Sized {
    const KIND: LanBodyKind;
    /// The whitespace of a JSON body as a shipped peer writes it; `None` for binary bodies.
    const STYLE: Option<Style>;
    /// Whether the plaintext starts with the 4-byte timestamp (compat §5).
    #[cfg(test)]
    const TIMESTAMP: bool;
    fn parse_body(plaintext: &'a [u8]) -> crate::Result<Self>;
    fn emit_body(&self) -> crate::Result<Vec<u8>>;
}

/// `ts ‖ JSON` (compat §5), the JSON in the body's [`JsonBody::STYLE`].
trait TimestampedJson<'a>: Sized {
    const STYLE: Style;
    fn parse_ts(plaintext: &'a [u8]) -> crate::Result<Self>;
    fn emit_ts(&self) -> crate::Result<Vec<u8>>;
}

impl<'a, B: JsonBody<'a>> TimestampedJson<'a> for Timestamped<B> {
    const STYLE: Style = B::STYLE;
    fn parse_ts(plaintext: &'a [u8]) -> crate::Result<Self> {
        Timestamped::parse(plaintext)
    }
    fn emit_ts(&self) -> crate::Result<Vec<u8>> {
        self.to_json(B::STYLE)
    }
}

/// The codec of one shape of body: `json` (bare JSON, no timestamp, enctype 0, in the body's
/// [`JsonBody::STYLE`]), `timestamped` (`ts ‖ JSON`), `binary` (spec 6.3.4, 6.3.8: the body's
/// own `parse`, `buffer_len` and `emit`).
macro_rules! lan_codec {
    (json, $lt:lifetime) => {
        #[cfg(test)]
        const TIMESTAMP: bool = false;
        const STYLE: Option<Style> = Some(<Self as JsonBody<$lt>>::STYLE);
        fn parse_body(plaintext: &$lt [u8]) -> crate::Result<Self> {
            <Self as JsonBody<$lt>>::parse(plaintext)
        }
        fn emit_body(&self) -> crate::Result<Vec<u8>> {
            self.to_json()
        }
    };
    (timestamped, $lt:lifetime) => {
        #[cfg(test)]
        const TIMESTAMP: bool = true;
        const STYLE: Option<Style> = Some(<Self as TimestampedJson<$lt>>::STYLE);
        fn parse_body(plaintext: &$lt [u8]) -> crate::Result<Self> {
            <Self as TimestampedJson<$lt>>::parse_ts(plaintext)
        }
        fn emit_body(&self) -> crate::Result<Vec<u8>> {
            self.emit_ts()
        }
    };
    (binary, $lt:lifetime) => {
        #[cfg(test)]
        const TIMESTAMP: bool = true;
        const STYLE: Option<Style> = None;
        fn parse_body(plaintext: &$lt [u8]) -> crate::Result<Self> {
            Self::parse(plaintext)
        }
        fn emit_body(&self) -> crate::Result<Vec<u8>> {
            let mut out = alloc::vec![0u8; self.buffer_len()];
            let n = self.emit(&mut out)?;
            out.truncate(n);
            Ok(out)
        }
    };
}

/// Generates [`LanBody`], [`LanBodyKind`] and each body type's [`BodyCodec`] from one list:
/// `Variant(BodyType) json | timestamped | binary`.
macro_rules! lan_bodies {
    (
        $(#[$attr:meta])*
        pub enum $enum:ident<$lt:lifetime> {
            $( $(#[$doc:meta])* $variant:ident($ty:ty) $shape:ident, )+
        }
    ) => {
        body_family! {
            $(#[$attr])*
            pub enum $enum<$lt>;
            /// The body types of [`LanBody`], without their values: what a message named by
            /// [`Message::body_kind`] carries.
            pub enum LanBodyKind;
            { $( $(#[$doc])* $variant($ty), )+ }
        }

        $(
            impl<$lt> BodyCodec<$lt> for $ty {
                const KIND: LanBodyKind = LanBodyKind::$variant;
                lan_codec!($shape, $lt);
            }
        )+
    };
}

lan_bodies! {
    /// A LAN message's body by its *type*, whichever message carries it: a tool that matches
    /// on this needs no code for a new message whose body type exists ([`Message::into_body`],
    /// [`Message::from_body`]).
    ///
    /// ```
    /// use joylink_wire::lan::{Control, LanBody, LanBodyKind, Message};
    /// use joylink_wire::BizCode;
    /// let c = Control { timestamp: 7, biz_code: BizCode::Control, serial: 1, data: b"{}" };
    /// let kind = Message::from_name("script_control").unwrap();
    /// let m = Message::from_body(kind, LanBody::Control(c.clone()))?;
    /// assert_eq!(m, Message::ScriptControl(c.clone()));
    /// assert_eq!(Message::body_kind("script_control"), Some(LanBodyKind::Control));
    /// assert_eq!(m.into_body(), Some(LanBody::Control(c.clone())));
    /// // Each body type converts into the family and back (the body is returned when it
    /// // is of another type).
    /// assert_eq!(LanBody::from(c.clone()), LanBody::Control(c.clone()));
    /// assert_eq!(Control::try_from(LanBody::Control(c.clone())), Ok(c.clone()));
    /// // A body of another type is refused, not coerced.
    /// let scan = Message::from_name("scan_request").unwrap();
    /// assert!(Message::from_body(scan, LanBody::Control(c)).is_err());
    /// # Ok::<(), joylink_wire::Error>(())
    /// ```
    pub enum LanBody<'a> {
        /// Type 1 to the device (spec 6.3.1).
        ScanRequest(ScanRequest<'a>) json,
        /// Type 1 from the device (spec 6.3.1).
        ScanResponse(ScanResponse<'a>) json,
        /// Type 2 to the device (spec 6.3.2).
        WriteKeyRequest(Timestamped<WriteKeyRequest<'a>>) timestamped,
        /// Type 2 from the device, no timestamp (spec 6.3.2).
        WriteKeyResponse(WriteKeyResponse<'a>) json,
        /// Types 3 and 103 to the device (spec 6.3.3, 6.3.7).
        JsonControlRequest(Timestamped<JsonControlRequest<'a>>) timestamped,
        /// The answer to 3 and 103 (spec 6.3.3; compat §6.4).
        JsonControlResponse(Timestamped<JsonControlResponse<'a>>) timestamped,
        /// Type 4 either way (spec 6.3.4): `cmd[]` to the device, `resp[]` from it.
        Control(Control<'a>) binary,
        /// Type 102 to the gateway (spec 6.3.6).
        SubDevAuthRequest(Timestamped<SubDevAuthRequest<'a>>) timestamped,
        /// The gateway's answer without a timestamp: type 102 (spec 6.3.6).
        SubDevResponse(SubDevResponse<'a>) json,
        /// Type 104 to the gateway (spec 6.3.8).
        SubDevScriptControl(SubDevScriptControl<'a>) binary,
        /// Type 104 from the gateway (spec 6.3.8).
        SubDevScriptControlResponse(SubDevScriptControlResponse<'a>) binary,
        /// Type 105 to the gateway (spec 6.3.9).
        AddSubDevRequest(Timestamped<AddSubDevRequest<'a>>) timestamped,
        /// The gateway's answer with a timestamp: type 105 (spec 6.3.9).
        TimestampedSubDevResponse(Timestamped<SubDevResponse<'a>>) timestamped,
    }
}

/// A type-103 request: a type-3 request that must name the sub-device.
fn sub_json_control(plaintext: &[u8]) -> crate::Result<Timestamped<JsonControlRequest<'_>>> {
    let t: Timestamped<JsonControlRequest<'_>> = Timestamped::parse(plaintext)?;
    if t.body.feed_id.is_none() {
        // Valid JSON, but type 103 requires the key: no position to report.
        return Err(crate::Error::Json {
            what: "JsonControlRequest without feedid",
            line: 0,
            column: 0,
        });
    }
    Ok(t)
}

/// A row's direction as a pattern and as `Option<Direction>` for [`MessageKind`].
macro_rules! dir {
    (pat Up) => {
        Direction::FromDevice
    };
    (pat Down) => {
        Direction::ToDevice
    };
    (of Up) => {
        Direction::FromDevice
    };
    (of Down) => {
        Direction::ToDevice
    };
}

/// The receive pattern of a row: the one given, else the (type, direction) it is sent with.
macro_rules! received {
    ([$($given:tt)+] $($sent:tt)*) => { $($given)+ };
    ([] $($sent:tt)*) => { $($sent)* };
}

/// Parses a row's body: with the row's own function, else [`BodyCodec::parse_body`].
macro_rules! parse_row {
    ([$parse:path] $plaintext:ident) => {
        $parse($plaintext)?
    };
    ([] $plaintext:ident) => {
        BodyCodec::parse_body($plaintext)?
    };
}

/// Generates [`Message`] and its dispatch from one row per message:
/// `(PacketType variant, Up | Down) => Variant(BodyType), "name"` (sent with that type,
/// `Up` device → app), then optionally `, received [PATTERN]` (the `(type, direction)`s it is
/// read from, when not just the one it is sent with), `, if FN` (a guard on the plaintext) and
/// `, parse FN` (instead of the body's own parse). Rows are tried in order.
macro_rules! lan_messages {
    (
        $(#[$attr:meta])*
        pub enum $enum:ident<$lt:lifetime> {
            $(
                $(#[$doc:meta])*
                ($t:ident, $d:ident) => $variant:ident($ty:ty), $name:literal
                    $(, received [$recv:pat])?
                    $(, if $guard:path)?
                    $(, parse $parse:path)?;
            )+
        }
    ) => {
        message_family! {
            $(#[$attr])*
            pub enum $enum<$lt>, bodies LanBody, kinds LanBodyKind;
            /// Any other packet type (the agent types 200–202, WAN types on the LAN port, …),
            /// undecoded.
            Other;
            $( $(#[$doc])* $variant($ty) $name, )+
        }

        impl<$lt> $enum<$lt> {
            /// Every declared message (not [`Other`](Self::Other)), in declaration order: its
            /// [`name`](Self::name) and the header type and direction it is sent with.
            pub const KINDS: &'static [MessageKind] = &[
                $( MessageKind {
                    name: $name,
                    packet_type: PacketType::$t,
                    direction: Some(dir!(of $d)),
                }, )+
            ];

            /// Who sends this message.
            #[must_use]
            pub fn direction(&self) -> Direction {
                match self {
                    $( Self::$variant(_) => dir!(of $d), )+
                    Self::Other { direction, .. } => *direction,
                }
            }

            /// The header `type` a shipped peer sends this message with.
            ///
            /// compat §6.4 — [`Message::JsonControlResponse`] goes out as type 4.
            #[must_use]
            pub fn packet_type(&self) -> PacketType {
                match self {
                    $( Self::$variant(_) => PacketType::$t, )+
                    Self::Other { packet_type, .. } => *packet_type,
                }
            }

            /// Whether the message `name`'s body is JSON and whether its plaintext starts with
            /// the timestamp, from its body type's shape (for the type table's test).
            #[cfg(test)]
            pub(crate) fn body_layout(name: &str) -> Option<(bool, bool)> {
                match name {
                    $( $name => Some((
                        <$ty as BodyCodec<$lt>>::STYLE.is_some(),
                        <$ty as BodyCodec<$lt>>::TIMESTAMP,
                    )), )+
                    _ => None,
                }
            }

            /// The whitespace a shipped peer writes the JSON of the message `name` in (its body's
            /// [`JsonBody::STYLE`]); `None` for binary bodies, `"other"` and unknown names.
            ///
            /// ```
            /// use joylink_wire::lan::{Message, Style};
            /// assert_eq!(Message::json_style("scan_response"), Some(Style::Cjson));
            /// assert_eq!(Message::json_style("write_key_response"), Some(Style::Sprintf));
            /// assert_eq!(Message::json_style("script_control"), None);
            /// ```
            #[must_use]
            pub fn json_style(name: &str) -> Option<Style> {
                match name {
                    $( $name => <$ty as BodyCodec<$lt>>::STYLE, )+
                    _ => None,
                }
            }

            /// The plaintext as a shipped peer lays it out: the timestamp where the type has
            /// one, JSON in the body's [`JsonBody::STYLE`] (cJSON for the scan / sub-device
            /// answers, `sprintf` for the write-key answer, compact otherwise), binary bodies
            /// as they are.
            ///
            /// # Errors
            /// [`Error::Json`](crate::Error::Json) only if serialization fails (it does not for
            /// these types).
            pub fn emit(&self) -> crate::Result<Vec<u8>> {
                match self {
                    $( Self::$variant(m) => BodyCodec::emit_body(m), )+
                    Self::Other { plaintext, .. } => Ok(plaintext.to_vec()),
                }
            }
        }

        /// Decodes the plaintext of an opened LAN packet.
        ///
        /// `plaintext` is the whole decrypted payload, timestamp included where the type has one
        /// (compat §5); `direction` says who sent it, since one type number carries a request
        /// and its answer.
        ///
        /// ```
        /// use joylink_wire::{Direction, PacketType, lan::{self, Message}};
        /// let m = lan::parse(PacketType::Scan, br#"{"cmd":2,"uuid":"5708AB","status":0}"#, Direction::ToDevice)?;
        /// assert_eq!(m.name(), "scan_request");
        /// let Message::ScanRequest(r) = m else { unreachable!() };
        /// assert_eq!(r.product_uuid(), Some("5708AB"));
        /// # Ok::<(), joylink_wire::Error>(())
        /// ```
        ///
        /// # Errors
        /// [`Error::Truncated`](crate::Error::Truncated) (and the other binary errors) for a
        /// binary body or timestamp that is too short, [`Error::Json`](crate::Error::Json) for
        /// bad JSON, a missing required field or a type-103 request without `feedid` (`what`
        /// names the body).
        pub fn parse(
            packet_type: PacketType,
            plaintext: &[u8],
            direction: Direction,
        ) -> crate::Result<$enum<'_>> {
            Ok(match (packet_type, direction) {
                $(
                    received!([$($recv)?] (PacketType::$t, dir!(pat $d)))
                        $(if $guard(plaintext))? => {
                        $enum::$variant(parse_row!([$($parse)?] plaintext))
                    }
                )+
                (packet_type, direction) => $enum::Other {
                    packet_type,
                    direction,
                    plaintext,
                },
            })
        }
    };
}

lan_messages! {
    /// A typed LAN message (spec chapter 6), borrowing from the plaintext it was decoded from.
    ///
    /// Variants are named after what the message *is*; [`Message::packet_type`] and
    /// [`Message::enc_type`] give what a shipped peer puts in the header when sending it (compat
    /// §3.5), and [`Message::emit`] the payload before encryption, in the shipped layout.
    pub enum Message<'a> {
        /// Type 1, app → device (no timestamp).
        (Scan, Down) => ScanRequest(ScanRequest<'a>), "scan_request";
        /// Type 1, device → app (no timestamp).
        (Scan, Up) => ScanResponse(ScanResponse<'a>), "scan_response";
        /// Type 2, app → device.
        (WriteKey, Down) => WriteKeyRequest(Timestamped<WriteKeyRequest<'a>>), "write_key_request";
        /// Type 2, device → app (no timestamp).
        (WriteKey, Up) => WriteKeyResponse(WriteKeyResponse<'a>), "write_key_response";
        /// Type 3, app → device.
        (JsonControl, Down) => JsonControl(Timestamped<JsonControlRequest<'a>>), "json_control";
        /// Type 4, device → app, a script reply (told from a JSON answer by
        /// [`is_script_response`](crate::lan::is_script_response)).
        (ScriptControl, Up) => ScriptControlResponse(Control<'a>), "script_control_response",
            if is_script_response;
        /// The answer to type 3 or 103: received as type 4 from shipped devices (compat §6.4), as
        /// type 3 / 103 from spec-following ones; sent as type 4.
        (ScriptControl, Up) => JsonControlResponse(Timestamped<JsonControlResponse<'a>>), "json_control_response",
            received [(
                PacketType::JsonControl | PacketType::SubDevJsonControl | PacketType::ScriptControl,
                Direction::FromDevice
            )];
        /// Type 4, app → device.
        (ScriptControl, Down) => ScriptControl(Control<'a>), "script_control";
        /// Type 102, app → gateway.
        (SubDevAuth, Down) => SubDevAuthRequest(Timestamped<SubDevAuthRequest<'a>>), "subdev_auth_request";
        /// Type 102, gateway → app (no timestamp).
        (SubDevAuth, Up) => SubDevAuthResponse(SubDevResponse<'a>), "subdev_auth_response";
        /// Type 103, app → gateway (`feedid` required).
        (SubDevJsonControl, Down) => SubDevJsonControl(Timestamped<JsonControlRequest<'a>>), "subdev_json_control",
            parse sub_json_control;
        /// Type 104, app → gateway; `cmd` still sealed with the sub-device's key.
        (SubDevScriptControl, Down) => SubDevScriptControl(SubDevScriptControl<'a>), "subdev_script_control";
        /// Type 104, gateway → app, read in the spec layout (for shipped gateways use
        /// [`SubDevScriptControlResponse::parse_with`] and [`ResponseLayout::Shipped`](crate::lan::ResponseLayout)).
        (SubDevScriptControl, Up) => SubDevScriptControlResponse(SubDevScriptControlResponse<'a>), "subdev_script_control_response";
        /// Type 105, app → gateway.
        (AddSubDev, Down) => AddSubDevRequest(Timestamped<AddSubDevRequest<'a>>), "add_subdev_request";
        /// Type 105, gateway → app.
        (AddSubDev, Up) => AddSubDevResponse(Timestamped<SubDevResponse<'a>>), "add_subdev_response";
    }
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
            Control::parse(plaintext).ok().map(|r| {
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
    /// The `enctype` a shipped peer uses for this message: the [table](crate::table)'s entry for
    /// its [`packet_type`](Message::packet_type) and [`direction`](Message::direction) (0 for
    /// discovery and the write-key / sub-auth answers, 2 for the write-key / sub-auth requests,
    /// 3 otherwise).
    pub fn enc_type(&self) -> EncType {
        crate::table::lookup(crate::Magic::Lan, self.packet_type(), self.direction()).enc_type
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::Error;

    /// Every message goes to its body type and back (`into_body` gives the kind `body_kind`
    /// names, `from_body` rebuilds the very message), a body of any other type is refused with
    /// a typed error, and the two type-3/103 requests share one body type.
    #[test]
    fn bodies_round_trip_and_refuse_other_types() {
        let ctl = [1, 0, 0, 0, 0xea, 3, 0, 0, 1, 0, 0, 0, b'{', b'}'];
        let json_ctl = b"\x01\0\0\0{\"cmd\":5,\"feedid\":\"12\",\"data\":{\"streams\":[]}}";
        let samples = [
            parse(PacketType::ScriptControl, &ctl, Direction::ToDevice).unwrap(),
            parse(
                PacketType::Scan,
                br#"{"cmd":2,"uuid":"5708AB","status":0}"#,
                Direction::ToDevice,
            )
            .unwrap(),
            parse(PacketType::JsonControl, json_ctl, Direction::ToDevice).unwrap(),
            parse(PacketType::SubDevJsonControl, json_ctl, Direction::ToDevice).unwrap(),
            parse(
                PacketType::JsonControl,
                b"\x01\0\0\0{\"code\":0}",
                Direction::FromDevice,
            )
            .unwrap(),
        ];
        for m in &samples {
            let kind = Message::from_name(m.name()).unwrap();
            let body = m.clone().into_body().unwrap();
            assert_eq!(Message::body_kind(m.name()), Some(body.kind()));
            assert_eq!(Message::from_body(kind, body.clone()).as_ref(), Ok(m));
            for other in &samples {
                let b = other.clone().into_body().unwrap();
                if b.kind() != body.kind() {
                    assert_eq!(
                        Message::from_body(kind, b.clone()),
                        Err(Error::BodyMismatch {
                            message: kind.name,
                            body: b.kind().name()
                        })
                    );
                }
            }
        }
        assert_eq!(
            Message::body_kind("json_control"),
            Message::body_kind("subdev_json_control")
        );
        assert!(
            Message::KINDS
                .iter()
                .all(|k| Message::body_kind(k.name).is_some())
        );
        assert_eq!(Message::body_kind("other"), None);
        let other = parse(PacketType::from(200), &ctl, Direction::ToDevice).unwrap();
        assert_eq!(other.into_body(), None);
    }
}
