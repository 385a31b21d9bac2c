//! WAN bodies (spec chapter 7, 9.5–9.6, 12): auth, heartbeat, upload, control by biz_code, task
//! report, async result, info fetch, sub-devices, OTA, video — the plaintext of packets between a
//! device and the cloud, after the session-key layer is opened.
//!
//! Every binary body has a zero-copy view (`…Body<T: AsRef<[u8]>>`, checked with `new_checked`,
//! getters/setters per field) and a plain repr borrowing the caller's bytes with `parse`, `emit`
//! and `buffer_len`. All layouts are packed little-endian (compat §7.11). Arrays
//! (`subdev_info[]`) are iterated, never collected; a `num` claiming more entries than present is
//! [`Error::Truncated`]. Nothing here allocates except the JSON documents of feature `json`.
//!
//! [`WanMessage::parse`] is the single entry point from (type, plaintext, direction) to a typed
//! message; every WAN type with a body has its typed arm, timers (type 13) included
//! ([`timer::TimerMessage`]). The OTA firmware checksum is [`FirmwareCrc32`] / [`firmware_crc32`].
//!
//! ```
//! use joylink_wire::wan::{Control, WanMessage};
//! use joylink_wire::{BizCode, Direction, PacketType};
//!
//! // spec 7.3.9: the cloud asks for a snapshot (biz 1004, serial 7, no cmd)
//! let plaintext = [0x00, 0x10, 0x5e, 0x5f, 0xec, 0x03, 0, 0, 7, 0, 0, 0];
//! let msg = WanMessage::parse(PacketType::CloudControl, &plaintext, Direction::ToDevice)?;
//! let WanMessage::Control(req) = msg else { unreachable!() };
//! assert_eq!(req.biz_code, BizCode::Snapshot);
//!
//! // the device answers with biz 104, the same serial and its snapshot
//! let answer = req.answer(0x5f5e_1001, br#"{"code":0,"streams":[]}"#);
//! let mut buf = [0u8; 64];
//! let n = answer.emit(&mut buf)?;
//! assert_eq!(&buf[4..12], &[104, 0, 0, 0, 7, 0, 0, 0]);
//! assert_eq!(Control::parse(&buf[..n])?, answer);
//! # Ok::<(), joylink_wire::Error>(())
//! ```

mod async_result;
mod auth;
mod control;
mod firmware_crc;
mod heartbeat;
mod info;
mod message;
mod ota;
#[cfg(feature = "json")]
mod standard;
mod subdev;
mod task;
#[allow(
    private_interfaces,
    reason = "the sealed `Item` trait of a timer `List` reads and writes through the \
              crate-private cursors; it cannot be named or implemented outside the crate"
)]
pub mod timer;
mod video;

pub use crate::Control;
pub use crate::control_header::ControlBody;
pub use crate::timestamped::{Timestamped, TimestampedBody, TimestampedPayload};
pub use async_result::{
    ASYNC_RESULT_HEADER_LEN, ASYNC_TEXT_LEN, AsyncResult, AsyncResultBody, ControlType,
};
pub use auth::{
    AuthRequest, AuthRequestBody, AuthRequestOpt, AuthResponse, AuthResponseBody, AuthResponseOpt,
    SESSION_KEY_LEN,
};
pub use firmware_crc::{FIRMWARE_CRC32_POLY, FirmwareCrc32, firmware_crc32};
pub use heartbeat::{CodeResponse, CodeResponseBody, Heartbeat, HeartbeatBody};
pub use info::{INFO_FETCH_HEADER_LEN, InfoFetch, InfoFetchBody};
#[cfg(feature = "json")]
pub use info::{InfoItem, InfoRequestDoc, InfoResponseDoc};
pub use message::{WanBody, WanBodyKind, WanMessage};
#[cfg(feature = "json")]
pub use ota::{
    OtaOrder, OtaOrderData, OtaOrderResponse, OtaStatusData, OtaStatusReport, OtaStatusResponse,
};
pub use ota::{OtaStatus, VersionName};
#[cfg(feature = "json")]
pub use standard::{ControlResponseDoc, UploadDoc};
pub use subdev::{
    SUBDEV_CONTROL_HEADER_LEN, SUBDEV_HEARTBEAT_HEADER_LEN, SUBDEV_INFO_LEN,
    SUBDEV_UNBIND_HEADER_LEN, SUBDEV_UPLOAD_HEADER_LEN, SUBDEV_UPLOAD_RESPONSE_LEN, SubDevControl,
    SubDevControlBody, SubDevHeartbeat, SubDevHeartbeatBody, SubDevInfo, SubDevIter, SubDevList,
    SubDevOnline, SubDevUnbind, SubDevUnbindBody, SubDevUpload, SubDevUploadBody,
    SubDevUploadResponse, SubDevUploadResponseBody,
};
#[cfg(feature = "json")]
pub use task::{SubTaskResult, TaskOutcome, TaskReportDoc};
pub use task::{TaskReport, TaskReportBody, TaskReportResponse, TaskReportResponseBody};
pub use timer::TimerMessage;

/// The device's data upload (spec 7.3.5, type 12): `timestamp, data[]`.
pub type Upload<'a> = Timestamped<&'a [u8]>;
pub use video::VideoResult;
#[cfg(feature = "json")]
pub use video::{PUSH_STREAM, PushStream, VideoCommand, VideoControl, VideoDevice, VideoResponse};

use crate::codec::{Writer, room};
use crate::{Error, FixedText, Result};

/// Checks that a fixed text fits its field.
fn check_fixed(field: &'static str, text: &FixedText<'_>, width: usize) -> Result<()> {
    if text.raw().len() > width {
        Err(Error::TooLong {
            field,
            len: text.raw().len(),
            max: width,
        })
    } else {
        Ok(())
    }
}

/// Writes a fixed text field: a full-width value verbatim (so received bytes re-encode exactly,
/// padding included), a shorter one NUL-padded.
fn put_fixed(w: &mut Writer<'_>, text: &FixedText<'_>, width: usize) -> Result<()> {
    let raw = text.raw();
    let pad = width.checked_sub(raw.len()).ok_or(Error::TooLong {
        field: "text",
        len: raw.len(),
        max: width,
    })?;
    w.put(raw)?;
    w.fill(0, pad)
}

#[cfg(feature = "json")]
pub(crate) fn from_json<'a, T: serde::Deserialize<'a>>(
    what: &'static str,
    json: &'a [u8],
) -> Result<T> {
    serde_json::from_slice(crate::fixed_text::trim_trailing_nul(json))
        .map_err(|e| crate::lan::json_error(what, &e))
}

#[cfg(feature = "json")]
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(
    what: &'static str,
    value: &T,
) -> Result<alloc::vec::Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| crate::lan::json_error(what, &e))
}

/// Gives a JSON document type `parse` (from bytes, borrowing) and `to_vec` (compact).
#[cfg(feature = "json")]
macro_rules! json_doc {
    ($t:ident, $what:literal) => {
        impl<'a> $t<'a> {
            /// Parses the JSON text (a trailing NUL is ignored), borrowing strings where it can.
            ///
            /// # Errors
            /// [`Error::Json`](crate::Error::Json) with the position of the problem.
            pub fn parse(json: &'a [u8]) -> $crate::Result<Self> {
                $crate::wan::from_json($what, json)
            }

            /// Serializes compactly (no spaces), fields in declaration order.
            ///
            /// # Errors
            /// [`Error::Json`](crate::Error::Json) (not expected for this type).
            pub fn to_vec(&self) -> $crate::Result<alloc::vec::Vec<u8>> {
                $crate::wan::to_json($what, self)
            }

            /// Serializes in `style`: [`Style::Cjson`](crate::lan::Style::Cjson) gives the
            /// bytes a shipped device sends (it builds these documents with `cJSON_Print()`,
            /// compat §6.1, e.g. the `otastat` report of vector wan-26).
            ///
            /// # Errors
            /// [`Error::Json`](crate::Error::Json) (not expected for this type).
            pub fn to_vec_styled(
                &self,
                style: $crate::lan::Style,
            ) -> $crate::Result<alloc::vec::Vec<u8>> {
                let mut out = alloc::vec::Vec::new();
                $crate::lan::write_styled(self, style, &mut out)
                    .map_err(|e| $crate::lan::json_error($what, &e))?;
                Ok(out)
            }
        }
    };
}
#[cfg(feature = "json")]
pub(crate) use json_doc;
