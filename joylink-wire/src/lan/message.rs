//! The single entry point: (packet type, plaintext, direction) → typed LAN message.
//!
//! Each message is declared once, in the `lan_messages!` list below: the header type and
//! direction it is sent with, what it is received as when that differs (compat §6.4), its
//! variant and body type and the stable name tools print ([`Message::name`]). The enum,
//! [`parse`], [`Message::packet_type`], [`Message::direction`], [`Message::emit`] and
//! [`Message::KINDS`] are generated from that list; a test walks every type and direction
//! against the [type table](crate::table).
//!
//! Adding a LAN message takes: a [`PacketType`] variant if the number is new; its body (a
//! [`JsonBody`] type, or a binary one with `parse`/`buffer_len`/`emit`) in the `lan_json_body!`
//! or `lan_binary_body!` list (`Timestamped<JSON body>` needs nothing); one row in
//! `lan_messages!` below; its enctype/timestamp/body kind in the table's `lan()` (the table test
//! fails until it agrees). joylink-cli reads and writes every JSON message without an edit; a
//! binary one needs an arm in `body.rs` and a sample in `tests/kinds.rs`.

use alloc::vec::Vec;

use crate::Control;
use crate::Timestamped;
use crate::lan::discovery::{ScanRequest, ScanResponse};
use crate::lan::json_body::JsonBody;
use crate::lan::json_control::{JsonControlRequest, JsonControlResponse};
use crate::lan::printer::Style;
use crate::lan::quirk::Quirk;
use crate::lan::script_control::{ControlResponse, is_script_response};
use crate::lan::subdev::{AddSubDevRequest, SubDevAuthRequest, SubDevResponse};
use crate::lan::subdev_script::{SubDevScriptControl, SubDevScriptControlResponse};
use crate::lan::write_key::{WriteKeyRequest, WriteKeyResponse};
use crate::table::MessageKind;
use crate::{Direction, EncType, PacketType};

/// What [`Message`] needs of a body type: parse from the plaintext, and the plaintext as a
/// shipped peer lays it out. One impl per shape of body (JSON, timestamped JSON, binary).
trait LanBody<'a>: Sized {
    /// The whitespace of a JSON body as a shipped peer writes it; `None` for binary bodies.
    const STYLE: Option<Style>;
    fn parse_body(plaintext: &'a [u8]) -> crate::Result<Self>;
    fn emit_body(&self) -> crate::Result<Vec<u8>>;
}

/// Bare JSON (no timestamp, enctype 0): in the body's [`JsonBody::STYLE`].
macro_rules! lan_json_body {
    ($( $ty:ty ),+ $(,)?) => {$(
        impl<'a> LanBody<'a> for $ty {
            const STYLE: Option<Style> = Some(<Self as JsonBody<'a>>::STYLE);
            fn parse_body(plaintext: &'a [u8]) -> crate::Result<Self> {
                <Self as JsonBody<'a>>::parse(plaintext)
            }
            fn emit_body(&self) -> crate::Result<Vec<u8>> {
                self.to_json()
            }
        }
    )+};
}

lan_json_body!(
    ScanRequest<'a>,
    ScanResponse<'a>,
    WriteKeyResponse<'a>,
    SubDevResponse<'a>,
);

/// Binary bodies (spec 6.3.4, 6.3.8): their own `parse`, `buffer_len` and `emit`.
macro_rules! lan_binary_body {
    ($( $ty:ty ),+ $(,)?) => {$(
        impl<'a> LanBody<'a> for $ty {
            const STYLE: Option<Style> = None;
            fn parse_body(plaintext: &'a [u8]) -> crate::Result<Self> {
                Self::parse(plaintext)
            }
            fn emit_body(&self) -> crate::Result<Vec<u8>> {
                let mut out = alloc::vec![0u8; self.buffer_len()];
                let n = self.emit(&mut out)?;
                out.truncate(n);
                Ok(out)
            }
        }
    )+};
}

lan_binary_body!(
    Control<'a>,
    ControlResponse<'a>,
    SubDevScriptControl<'a>,
    SubDevScriptControlResponse<'a>,
);

/// `ts ‖ JSON` (compat §5), the JSON in the body's [`JsonBody::STYLE`].
impl<'a, B: JsonBody<'a>> LanBody<'a> for Timestamped<B> {
    const STYLE: Option<Style> = Some(B::STYLE);
    fn parse_body(plaintext: &'a [u8]) -> crate::Result<Self> {
        Timestamped::parse(plaintext)
    }
    fn emit_body(&self) -> crate::Result<Vec<u8>> {
        self.to_json(B::STYLE)
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

/// Parses a row's body: with the row's own function, else [`LanBody::parse_body`].
macro_rules! parse_row {
    ([$parse:path] $plaintext:ident) => {
        $parse($plaintext)?
    };
    ([] $plaintext:ident) => {
        LanBody::parse_body($plaintext)?
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
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum $enum<$lt> {
            $( $(#[$doc])* $variant($ty), )+
            /// Any other packet type (the agent types 200–202, WAN types on the LAN port, …),
            /// undecoded.
            Other {
                /// The header's type.
                packet_type: PacketType,
                /// Who sent it.
                direction: Direction,
                /// The plaintext.
                plaintext: &$lt [u8],
            },
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

            /// The stable snake_case name of the message (`"json_control"`, `"other"`): the
            /// `kind` tools print and read, one of [`Self::KINDS`] or `"other"`.
            #[must_use]
            pub const fn name(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => $name, )+
                    Self::Other { .. } => "other",
                }
            }

            /// The declared message named `name` (see [`Self::name`]); `None` for `"other"` and
            /// unknown names.
            #[must_use]
            pub fn from_name(name: &str) -> Option<MessageKind> {
                Self::KINDS.iter().find(|k| k.name == name).copied()
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
                    $( $name => <$ty as LanBody<$lt>>::STYLE, )+
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
                    $( Self::$variant(m) => LanBody::emit_body(m), )+
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
        (ScriptControl, Up) => ScriptControlResponse(ControlResponse<'a>), "script_control_response",
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
    /// The `enctype` a shipped peer uses for this message: the [table](crate::table)'s entry for
    /// its [`packet_type`](Message::packet_type) and [`direction`](Message::direction) (0 for
    /// discovery and the write-key / sub-auth answers, 2 for the write-key / sub-auth requests,
    /// 3 otherwise).
    pub fn enc_type(&self) -> EncType {
        crate::table::lookup(crate::Magic::Lan, self.packet_type(), self.direction()).enc_type
    }
}
