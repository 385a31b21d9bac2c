//! The single WAN entry point: (packet type, plaintext, direction) → typed message.
//!
//! Each message is declared once, in the `wan_messages!` list at the bottom of this file: its
//! header type, who sends it, its variant and body type and the stable name tools print
//! ([`WanMessage::name`]). The enum, [`WanMessage::parse`], [`WanMessage::packet_type`],
//! [`WanMessage::direction`], [`WanMessage::buffer_len`], [`WanMessage::emit`],
//! [`WanMessage::KINDS`], the body-type view ([`WanMessage::into_body`],
//! [`WanMessage::from_body`]) and the WAN body kinds of the [type table](crate::table) are
//! generated from that list, so they cannot disagree.
//!
//! Adding a WAN message takes:
//! 1. a [`PacketType`] variant in `codes.rs`, if the number is new;
//! 2. if its body type is new: a `body_view!` with `repr` (fixed fields) or a view and a repr
//!    with `parse`, `buffer_len` and `emit` (variable tail), re-exported from
//!    [`wan`](crate::wan), its variant in the `wan_bodies!` list below ([`WanBody`]), and in
//!    joylink-cli an arm for it in `body.rs` (both ways) and a sample in `tests/kinds.rs`
//!    (the compiler and that test fail until they exist);
//! 3. one row in `wan_messages!` below: `(Type, Up | Down | Either) => Variant(Body), "name";`
//!    (the enctype rule, the accesskey for type 9 only, is the table's and needs nothing).
//!
//! A message whose body type exists takes only 1 and 3: tools match on [`WanBody`]
//! ([`WanMessage::into_body`], [`WanMessage::body_kind`], [`WanMessage::from_body`]), never on
//! the message, and joylink-cli's round-trip test builds each message's sample from its body
//! type's.

use super::{
    AsyncResult, AuthRequest, AuthResponse, CodeResponse, Control, Heartbeat, InfoFetch,
    SubDevControl, SubDevHeartbeat, SubDevUnbind, SubDevUpload, SubDevUploadResponse, TaskReport,
    TaskReportResponse, TimerMessage, Timestamped,
};
use crate::table::MessageKind;
use crate::view::{body_family, message_family};
use crate::{Direction, PacketType, Result};

/// What [`WanMessage`] needs of a body type: parse from the plaintext (given who sent it), its
/// length, emit, and its place in [`WanBody`]. Generated for each type of the `wan_bodies!`
/// list, so declaring a message needs no code here.
trait BodyCodec<'a>: Sized {
    const KIND: WanBodyKind;
    fn parse_body(plaintext: &'a [u8], direction: Direction) -> Result<Self>;
    fn body_len(&self) -> Result<usize>;
    fn emit_body(&self, buf: &mut [u8]) -> Result<usize>;
}

/// A body's `buffer_len`, whether it is known up front (`usize`) or can fail (type 13).
trait IntoLen {
    fn into_len(self) -> Result<usize>;
}

impl IntoLen for usize {
    fn into_len(self) -> Result<usize> {
        Ok(self)
    }
}

impl IntoLen for Result<usize> {
    fn into_len(self) -> Result<usize> {
        self
    }
}

/// A body's `parse`: from the bytes alone, or (`by direction`) also from who sent it.
macro_rules! parse_body {
    ([] $plaintext:ident, $direction:ident) => {{
        let _ = $direction;
        Self::parse($plaintext)
    }};
    ([direction] $plaintext:ident, $direction:ident) => {
        Self::parse($plaintext, $direction)
    };
}

/// Generates [`WanBody`], [`WanBodyKind`] and each body type's [`BodyCodec`] from one list:
/// `Variant(BodyType)`, then `by direction` when the body's `parse` needs who sent it.
macro_rules! wan_bodies {
    (
        $(#[$attr:meta])*
        pub enum $enum:ident<$lt:lifetime> {
            $( $(#[$doc:meta])* $variant:ident($ty:ty) $(by $by:ident)?, )+
        }
    ) => {
        body_family! {
            $(#[$attr])*
            pub enum $enum<$lt>;
            /// The body types of [`WanBody`], without their values: what a message named by
            /// [`WanMessage::body_kind`] carries.
            pub enum WanBodyKind;
            { $( $(#[$doc])* $variant($ty), )+ }
        }

        $(
            impl<$lt> BodyCodec<$lt> for $ty {
                const KIND: WanBodyKind = WanBodyKind::$variant;
                fn parse_body(plaintext: &$lt [u8], direction: Direction) -> Result<Self> {
                    parse_body!([$($by)?] plaintext, direction)
                }
                fn body_len(&self) -> Result<usize> {
                    IntoLen::into_len(self.buffer_len())
                }
                fn emit_body(&self, buf: &mut [u8]) -> Result<usize> {
                    self.emit(buf)
                }
            }
        )+
    };
}

wan_bodies! {
    /// A WAN message's body by its *type*, whichever message carries it: the five messages
    /// with a `ts ‖ JSON` body are all [`WanBody::Timestamped`], the four type-11 envelopes
    /// [`WanBody::Control`]. Tools that print or read bodies match on this, so a new message
    /// whose body type exists needs no code of theirs ([`WanMessage::into_body`],
    /// [`WanMessage::from_body`]).
    ///
    /// ```
    /// use joylink_wire::wan::{Control, WanBody, WanBodyKind, WanMessage};
    /// use joylink_wire::BizCode;
    /// let c = Control { timestamp: 7, biz_code: BizCode::Control, serial: 1, data: b"{}" };
    /// let kind = WanMessage::from_name("video_request").unwrap();
    /// let m = WanMessage::from_body(kind, WanBody::Control(c.clone()))?;
    /// assert_eq!(m, WanMessage::VideoRequest(c.clone()));
    /// assert_eq!(m.into_body(), Some(WanBody::Control(c.clone())));
    /// assert_eq!(WanMessage::body_kind("control_response"), Some(WanBodyKind::Control));
    /// // Each body type converts into the family and back (the body is returned when it
    /// // is of another type).
    /// assert_eq!(WanBody::from(c.clone()), WanBody::Control(c.clone()));
    /// assert_eq!(Control::try_from(WanBody::Control(c.clone())), Ok(c.clone()));
    /// // A body of another type is refused, not coerced.
    /// let hb = WanMessage::from_name("heartbeat").unwrap();
    /// assert!(WanMessage::from_body(hb, WanBody::Control(c)).is_err());
    /// # Ok::<(), joylink_wire::Error>(())
    /// ```
    pub enum WanBody<'a> {
        /// Type 9 up (spec 7.3.1).
        AuthRequest(AuthRequest),
        /// Type 9 down (spec 7.3.2).
        AuthResponse(AuthResponse),
        /// Type 10 up (spec 7.3.3).
        Heartbeat(Heartbeat),
        /// `ts ‖ code`: the answers to 10, 12 and 110 (spec 7.3.4/6/16).
        CodeResponse(CodeResponse),
        /// `ts ‖` JSON: upload and OTA (spec 7.3.5, 9.5, 9.6).
        Timestamped(Timestamped<&'a [u8]>),
        /// `ts ‖ biz_code ‖ serial ‖ data`: types 11, 200, 201 (spec 7.3.7–12, 7.3.25/26).
        Control(Control<'a>),
        /// Type 14 (spec 12).
        AsyncResult(AsyncResult<'a>),
        /// Type 15 both ways (spec 7.3.27/28).
        InfoFetch(InfoFetch<'a>),
        /// Type 16 up (spec 7.3.13).
        TaskReport(TaskReport<'a>),
        /// Type 16 down (spec 7.3.14).
        TaskReportResponse(TaskReportResponse),
        /// Type 110 up (spec 7.3.15).
        SubDevHeartbeat(SubDevHeartbeat<'a>),
        /// Type 111 both ways (spec 7.3.19–22).
        SubDevControl(SubDevControl<'a>),
        /// Type 112 up (spec 7.3.17).
        SubDevUpload(SubDevUpload<'a>),
        /// Type 112 down (spec 7.3.18).
        SubDevUploadResponse(SubDevUploadResponse<'a>),
        /// Type 113 both ways (spec 7.3.23/24).
        SubDevUnbind(SubDevUnbind<'a>),
        /// Type 13 either way: its biz_code picks the timer message and the direction
        /// (spec chapter 10).
        Timer(TimerMessage<'a>) by direction,
    }
}

/// A row's direction as a pattern, as `Option<Direction>` for [`MessageKind`], and as the
/// direction of a value (`Either`: the body knows, as type 13's does).
macro_rules! dir {
    (pat Up) => {
        Direction::FromDevice
    };
    (pat Down) => {
        Direction::ToDevice
    };
    (pat Either) => {
        _
    };
    (opt Up) => {
        Some(Direction::FromDevice)
    };
    (opt Down) => {
        Some(Direction::ToDevice)
    };
    (opt Either) => {
        None
    };
    (of Up, $m:ident) => {
        Direction::FromDevice
    };
    (of Down, $m:ident) => {
        Direction::ToDevice
    };
    (of Either, $m:ident) => {
        $m.direction()
    };
}

/// Generates [`WanMessage`] and its dispatch from one row per message:
/// `(PacketType variant, Up | Down | Either) => Variant(BodyType), "name";` where `Up` is
/// device → cloud and `Down` cloud → device.
macro_rules! wan_messages {
    (
        $(#[$attr:meta])*
        pub enum $enum:ident<$lt:lifetime> {
            $(
                $(#[$doc:meta])*
                ($t:ident, $d:ident) => $variant:ident($ty:ty), $name:literal;
            )+
        }
    ) => {
        message_family! {
            $(#[$attr])*
            pub enum $enum<$lt>, bodies WanBody, kinds WanBodyKind;
            /// Anything else: SDK-only types (17 model code, 18 SDK version, the agent types),
            /// unknown types, and type/direction pairs the spec does not define (14, 200 and 201
            /// the other way).
            Other;
            $( $(#[$doc])* $variant($ty) $name, )+
        }

        impl<$lt> $enum<$lt> {
            /// Every declared message (not [`Other`](Self::Other)), in declaration order: its
            /// [`name`](Self::name), header type and direction (`None`: either, the body
            /// tells).
            pub const KINDS: &'static [MessageKind] = &[
                $( MessageKind { name: $name, packet_type: PacketType::$t, direction: dir!(opt $d) }, )+
            ];

            /// Decodes the plaintext of an opened WAN packet.
            ///
            /// # Errors
            /// The body's own errors ([`Error::Truncated`](crate::Error::Truncated),
            /// [`Error::TrailingData`](crate::Error::TrailingData), …); never panics.
            pub fn parse(
                packet_type: PacketType,
                plaintext: &$lt [u8],
                direction: Direction,
            ) -> Result<Self> {
                Ok(match (packet_type, direction) {
                    $( (PacketType::$t, dir!(pat $d)) => {
                        Self::$variant(BodyCodec::parse_body(plaintext, direction)?)
                    } )+
                    (packet_type, direction) => Self::Other {
                        packet_type,
                        direction,
                        plaintext,
                    },
                })
            }

            /// The header type this message travels in.
            #[must_use]
            pub fn packet_type(&self) -> PacketType {
                match self {
                    $( Self::$variant(_) => PacketType::$t, )+
                    Self::Other { packet_type, .. } => *packet_type,
                }
            }

            /// Who sends this message.
            #[must_use]
            pub fn direction(&self) -> Direction {
                match self {
                    $( Self::$variant(_m) => dir!(of $d, _m), )+
                    Self::Other { direction, .. } => *direction,
                }
            }

            /// Bytes [`Self::emit`] writes.
            ///
            /// # Errors
            /// A timer message the encoder refuses (see [`TimerMessage::buffer_len`]); every
            /// other body has a length.
            pub fn buffer_len(&self) -> Result<usize> {
                match self {
                    $( Self::$variant(m) => BodyCodec::body_len(m), )+
                    Self::Other { plaintext, .. } => Ok(plaintext.len()),
                }
            }

            /// Writes the plaintext; returns its length.
            ///
            /// # Errors
            /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) and the body's own
            /// encoding errors (nothing written).
            pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
                match self {
                    $( Self::$variant(m) => BodyCodec::emit_body(m, buf), )+
                    Self::Other { plaintext: b, .. } => {
                        let out = super::room(b.len(), buf)?;
                        out.copy_from_slice(b);
                        Ok(b.len())
                    }
                }
            }
        }
    };
}

wan_messages! {
    /// A decoded WAN body (spec chapter 7, 9.5/9.6, 10, 12), borrowing the caller's plaintext.
    ///
    /// Built by [`WanMessage::parse`] from an opened packet's type, its plaintext and who sent
    /// it; [`WanMessage::emit`] writes the plaintext back byte for byte, except the padding of
    /// the SDK's fixed-size timer replies (zeros after a 194, uninitialised ids after a
    /// 193/195/196, see [`TimerMessage`]), which is not kept. Type 9 carries its opt outside the
    /// plaintext: see [`AuthRequestOpt`](super::AuthRequestOpt) and
    /// [`AuthResponseOpt`](super::AuthResponseOpt).
    ///
    /// ```
    /// use joylink_wire::{Direction, PacketType, wan::WanMessage};
    /// let hb = [1, 0, 0, 0, 8, 0, 1, 0];
    /// let m = WanMessage::parse(PacketType::Heartbeat, &hb, Direction::FromDevice)?;
    /// assert_eq!(m.name(), "heartbeat");
    /// let k = WanMessage::from_name("heartbeat_response").unwrap();
    /// assert_eq!((k.packet_type, k.direction), (PacketType::Heartbeat, Some(Direction::ToDevice)));
    /// # Ok::<(), joylink_wire::Error>(())
    /// ```
    pub enum WanMessage<'a> {
        /// Type 9, device → cloud (spec 7.3.1).
        (Auth, Up) => AuthRequest(AuthRequest), "auth_request";
        /// Type 9, cloud → device (spec 7.3.2).
        (Auth, Down) => AuthResponse(AuthResponse), "auth_response";
        /// Type 10, device → cloud (spec 7.3.3).
        (Heartbeat, Up) => Heartbeat(Heartbeat), "heartbeat";
        /// Type 10, cloud → device (spec 7.3.4).
        (Heartbeat, Down) => HeartbeatResponse(CodeResponse), "heartbeat_response";
        /// Type 12, device → cloud (spec 7.3.5).
        (Upload, Up) => Upload(Timestamped<&'a [u8]>), "upload";
        /// Type 12, cloud → device (spec 7.3.6).
        (Upload, Down) => UploadResponse(CodeResponse), "upload_response";
        /// Type 7, cloud → device: `ts ‖` OTA order JSON (spec 9.5).
        (OtaOrder, Down) => OtaOrder(Timestamped<&'a [u8]>), "ota_order";
        /// Type 7, device → cloud: `ts ‖` acknowledgement JSON (spec 9.5).
        (OtaOrder, Up) => OtaOrderResponse(Timestamped<&'a [u8]>), "ota_order_response";
        /// Type 8, device → cloud: `ts ‖` `otastat` JSON (spec 9.6).
        (OtaStatus, Up) => OtaStatus(Timestamped<&'a [u8]>), "ota_status";
        /// Type 8, cloud → device: `ts ‖` answer JSON (spec 9.6).
        (OtaStatus, Down) => OtaStatusResponse(Timestamped<&'a [u8]>), "ota_status_response";
        /// Type 11, cloud → device: control, snapshot or recipe by biz_code (spec 7.3.7/9/11).
        (CloudControl, Down) => Control(Control<'a>), "control";
        /// Type 11, device → cloud: the answer (spec 7.3.8/10/12).
        (CloudControl, Up) => ControlResponse(Control<'a>), "control_response";
        /// Type 200, cloud → device: video command in a type 11 envelope (spec 7.3.25).
        (VideoRequest, Down) => VideoRequest(Control<'a>), "video_request";
        /// Type 201, device → cloud: video response in a type 11 envelope (spec 7.3.26).
        (VideoResponse, Up) => VideoResponse(Control<'a>), "video_response";
        /// Type 13, either way: timer tasks by biz_code (spec chapter 10); the direction tells
        /// the spec's colliding numbers apart and [`TimerMessage::direction`] gives it back.
        (Timer, Either) => Timer(TimerMessage<'a>), "timer";
        /// Type 110, device → cloud (spec 7.3.15).
        (SubDevHeartbeat, Up) => SubDevHeartbeat(SubDevHeartbeat<'a>), "subdev_heartbeat";
        /// Type 110, cloud → device (spec 7.3.16).
        (SubDevHeartbeat, Down) => SubDevHeartbeatResponse(CodeResponse), "subdev_heartbeat_response";
        /// Type 113, cloud → device (spec 7.3.23).
        (SubDevUnbind, Down) => SubDevUnbind(SubDevUnbind<'a>), "subdev_unbind";
        /// Type 113, device → cloud (spec 7.3.24).
        (SubDevUnbind, Up) => SubDevUnbindResponse(SubDevUnbind<'a>), "subdev_unbind_response";
        /// Type 111, cloud → device (spec 7.3.19/21).
        (SubDevControl, Down) => SubDevControl(SubDevControl<'a>), "subdev_control";
        /// Type 111, device → cloud (spec 7.3.20/22).
        (SubDevControl, Up) => SubDevControlResponse(SubDevControl<'a>), "subdev_control_response";
        /// Type 112, device → cloud (spec 7.3.17).
        (SubDevUpload, Up) => SubDevUpload(SubDevUpload<'a>), "subdev_upload";
        /// Type 112, cloud → device (spec 7.3.18).
        (SubDevUpload, Down) => SubDevUploadResponse(SubDevUploadResponse<'a>), "subdev_upload_response";
        /// Type 14, device → cloud (spec 12).
        (AsyncResult, Up) => AsyncResult(AsyncResult<'a>), "async_result";
        /// Type 15, device → cloud (spec 7.3.27).
        (InfoFetch, Up) => InfoFetchRequest(InfoFetch<'a>), "info_fetch_request";
        /// Type 15, cloud → device (spec 7.3.28).
        (InfoFetch, Down) => InfoFetchResponse(InfoFetch<'a>), "info_fetch_response";
        /// Type 16, device → cloud (spec 7.3.13).
        (TaskReport, Up) => TaskReport(TaskReport<'a>), "task_report";
        /// Type 16, cloud → device (spec 7.3.14).
        (TaskReport, Down) => TaskReportResponse(TaskReportResponse), "task_report_response";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BizCode, Error};

    #[test]
    fn direction_picks_the_body() {
        let hb = [1, 0, 0, 0, 8, 0, 1, 0];
        assert_eq!(
            WanMessage::parse(PacketType::Heartbeat, &hb, Direction::FromDevice),
            Ok(WanMessage::Heartbeat(Heartbeat {
                timestamp: 1,
                version: 8,
                rssi: 1
            }))
        );
        let m = WanMessage::parse(PacketType::Heartbeat, &hb, Direction::ToDevice).unwrap();
        assert!(matches!(m, WanMessage::HeartbeatResponse(_)));
        assert_eq!(m.direction(), Direction::ToDevice);
        let ctl = [1, 0, 0, 0, 0xea, 3, 0, 0, 1, 0, 0, 0];
        let m = WanMessage::parse(PacketType::CloudControl, &ctl, Direction::ToDevice).unwrap();
        assert!(matches!(
            m,
            WanMessage::Control(Control {
                biz_code: BizCode::Control,
                ..
            })
        ));
        let m = WanMessage::parse(PacketType::ModelCode, &ctl, Direction::FromDevice).unwrap();
        assert!(matches!(
            m,
            WanMessage::Other {
                packet_type: PacketType::ModelCode,
                ..
            }
        ));
        // Type 13 is typed, and its direction comes from the biz_code (1090 is a request).
        let query = [1, 0, 0, 0, 0x42, 4, 0, 0, 1, 0, 0, 0];
        let m = WanMessage::parse(PacketType::Timer, &query, Direction::ToDevice).unwrap();
        assert!(matches!(
            m,
            WanMessage::Timer(crate::wan::timer::TimerMessage::SupportQuery(_))
        ));
        assert_eq!(m.direction(), Direction::ToDevice);
        assert_eq!(m.buffer_len(), Ok(12));
        let mut out = [0u8; 12];
        assert_eq!(m.emit(&mut out), Ok(12));
        assert_eq!(out, query);
        // 190 answers it, from the device.
        let reply = [1, 0, 0, 0, 190, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        let m = WanMessage::parse(PacketType::Timer, &reply, Direction::FromDevice).unwrap();
        assert_eq!(m.direction(), Direction::FromDevice);
        // A non-timer biz_code in a type 13 is an error, not an untyped body.
        assert!(WanMessage::parse(PacketType::Timer, &ctl, Direction::ToDevice).is_err());
        assert_eq!(
            WanMessage::parse(PacketType::Auth, &ctl, Direction::FromDevice),
            Err(Error::TrailingData {
                what: "auth request",
                len: 4
            })
        );
    }

    /// Every declared message goes to its body type and back: `into_body` gives the kind
    /// `body_kind` names, `from_body` rebuilds the very message, and every other body type is
    /// refused with a typed error (built from the message's own parse of a valid plaintext).
    #[test]
    fn bodies_round_trip_and_refuse_other_types() {
        let ctl = [1, 0, 0, 0, 0xea, 3, 0, 0, 1, 0, 0, 0];
        let hb = [1, 0, 0, 0, 8, 0, 1, 0];
        let samples = [
            WanMessage::parse(PacketType::CloudControl, &ctl, Direction::ToDevice).unwrap(),
            WanMessage::parse(PacketType::VideoResponse, &ctl, Direction::FromDevice).unwrap(),
            WanMessage::parse(PacketType::Heartbeat, &hb, Direction::FromDevice).unwrap(),
            WanMessage::parse(PacketType::Heartbeat, &hb, Direction::ToDevice).unwrap(),
            WanMessage::parse(PacketType::Upload, &hb, Direction::FromDevice).unwrap(),
        ];
        for m in &samples {
            let kind = WanMessage::from_name(m.name()).unwrap();
            let body = m.clone().into_body().unwrap();
            assert_eq!(WanMessage::body_kind(m.name()), Some(body.kind()));
            assert_eq!(WanMessage::from_body(kind, body.clone()).as_ref(), Ok(m));
            for other in &samples {
                let b = other.clone().into_body().unwrap();
                if b.kind() != body.kind() {
                    assert_eq!(
                        WanMessage::from_body(kind, b.clone()),
                        Err(Error::BodyMismatch {
                            message: kind.name,
                            body: b.kind().name()
                        })
                    );
                }
            }
        }
        // Every declared name has a body type; "other" and unknown names have none, and a
        // name of no WAN message is refused.
        assert!(
            WanMessage::KINDS
                .iter()
                .all(|k| WanMessage::body_kind(k.name).is_some())
        );
        assert_eq!(WanMessage::body_kind("other"), None);
        let stray = MessageKind {
            name: "scan_request",
            ..WanMessage::KINDS[0]
        };
        let body = samples[0].clone().into_body().unwrap();
        assert!(matches!(
            WanMessage::from_body(stray, body),
            Err(Error::BodyMismatch {
                message: "scan_request",
                body: "Control"
            })
        ));
        let other = WanMessage::parse(PacketType::ModelCode, &hb, Direction::FromDevice).unwrap();
        assert_eq!(other.into_body(), None);
    }

    /// One strictness rule: a body with a variable tail parses through its view, so a body too
    /// short for the fixed part fails the repr's `parse` exactly as the view's `new_checked`
    /// (for every length up to the fixed part), and the fixed-length answer refuses extra
    /// bytes as its view does.
    #[test]
    fn reprs_fail_as_their_views() {
        use crate::Control;
        use crate::lan::{ControlBody, SubDevScriptBody, SubDevScriptControl};
        use crate::wan::{
            AsyncResultBody, InfoFetchBody, SubDevControlBody, SubDevHeartbeatBody,
            SubDevUnbindBody, SubDevUploadBody, SubDevUploadResponseBody, TaskReportBody,
        };
        let zeros = [0u8; 128];
        macro_rules! same_rule {
            ($repr:ty, $view:ident) => {
                let min = $view::<&[u8]>::MIN_LEN;
                for n in 0..min {
                    let b = &zeros[..n];
                    assert_eq!(
                        <$repr>::parse(b).err(),
                        $view::new_checked(b).err(),
                        "{} at {n} bytes",
                        stringify!($repr)
                    );
                    assert!(<$repr>::parse(b).is_err());
                }
                assert!(<$repr>::parse(&zeros[..min]).is_ok(), stringify!($repr));
            };
        }
        same_rule!(TaskReport<'_>, TaskReportBody);
        same_rule!(InfoFetch<'_>, InfoFetchBody);
        same_rule!(AsyncResult<'_>, AsyncResultBody);
        same_rule!(SubDevControl<'_>, SubDevControlBody);
        same_rule!(SubDevUpload<'_>, SubDevUploadBody);
        same_rule!(SubDevUploadResponse<'_>, SubDevUploadResponseBody);
        same_rule!(SubDevHeartbeat<'_>, SubDevHeartbeatBody);
        same_rule!(SubDevUnbind<'_>, SubDevUnbindBody);
        same_rule!(Control<'_>, ControlBody);
        same_rule!(SubDevScriptControl<'_>, SubDevScriptBody);
        let long = &zeros[..=SubDevUploadResponseBody::<&[u8]>::MIN_LEN];
        assert_eq!(
            SubDevUploadResponse::parse(long).err(),
            SubDevUploadResponseBody::new_checked(long).err()
        );
        assert!(SubDevUploadResponse::parse(long).is_err());
    }
}
