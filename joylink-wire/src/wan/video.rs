//! Video push address, types 200/201 on the WAN (spec 7.3.25, 7.3.26). The binary envelope is
//! the type 11 one ([`Control`](super::Control): `timestamp, biz_code, serial, cmd[]/resp[]`);
//! this module holds the result codes and (feature `json`) the JSON documents.
//!
//! compat §12 — on the LAN the SDK's agent gateway uses 200/201 for something else;
//! only WAN packets are decoded as video here. No shipped SDK implements these types.

use crate::macros::enum_with_unknown;

enum_with_unknown! {
    /// `result` of a video response (spec 7.3.26). The numbers overlap the general response
    /// codes with other meanings (1 is "auth failed" here), so they have their own type
    /// (compat §11).
    pub enum VideoResult(i32) {
        /// 0: success.
        Success = 0 => "success",
        /// 1: authentication failed (认证失败).
        AuthFailed = 1 => "auth failed",
        /// -2: no authentication information (无认证信息).
        NoAuthInfo = -2 => "no auth info",
        /// -3: device offline (设备不在线).
        DeviceOffline = -3 => "device offline",
        /// -4: not supported (不支持).
        NotSupported = -4 => "not supported",
        /// -5: other error (其他).
        Other = -5 => "other",
    }
}

#[cfg(feature = "json")]
pub use json::*;

#[cfg(feature = "json")]
mod json {
    use alloc::borrow::Cow;
    use alloc::string::String;
    use alloc::vec::Vec;
    use serde::{Deserialize, Serialize};

    use super::VideoResult;
    use crate::Result;
    use crate::lan::{FeedId, RawJson, Stream};

    /// The `stream_id` of the push command.
    pub const PUSH_STREAM: &str = "push_stream";

    /// The cloud's video command (spec 7.3.25 `cmd[]`).
    ///
    /// Unknown keys are ignored; all three keys are required.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct VideoCommand<'a> {
        /// What to set.
        #[serde(borrow)]
        pub control: Vec<VideoControl<'a>>,
        /// The device's feed id: a number in the spec's example (`10000`), a string in its
        /// field table (compat §13); kept as sent.
        #[serde(borrow)]
        pub feed_id: FeedId<'a>,
        /// Control attributes (today `{"serial":…}`): the device must copy them into its
        /// response untouched, so they are kept as the exact JSON text received.
        #[serde(borrow)]
        pub attribute: RawJson<'a>,
    }

    impl VideoCommand<'_> {
        /// The first `push_stream` control's document, if the command carries one.
        ///
        /// # Errors
        /// [`Error::Json`](crate::Error::Json) when its `current_value` is not a
        /// [`PushStream`] document.
        pub fn push_stream(&self) -> Result<Option<PushStream<'_>>> {
            self.control
                .iter()
                .find(|c| c.stream_id == PUSH_STREAM)
                .map(VideoControl::push_stream)
                .transpose()
        }
    }

    /// One entry of [`VideoCommand::control`].
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct VideoControl<'a> {
        /// Function id, [`PUSH_STREAM`] for "push video".
        #[serde(borrow)]
        pub stream_id: Cow<'a, str>,
        /// The target state: for `push_stream` a JSON document *inside a string*, see
        /// [`VideoControl::push_stream`].
        #[serde(borrow)]
        pub current_value: Cow<'a, str>,
    }

    /// The document inside `current_value` of a `push_stream` control:
    /// `{"resolution":240,"address":"rtsp://…"}`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PushStream<'a> {
        /// 240, 360 or 480 (smooth, standard, high definition).
        pub resolution: u32,
        /// RTSP address to push to.
        #[serde(borrow)]
        pub address: Cow<'a, str>,
    }

    impl VideoControl<'_> {
        /// Parses the JSON document held in `current_value`.
        ///
        /// # Errors
        /// [`Error::Json`](crate::Error::Json).
        pub fn push_stream(&self) -> Result<PushStream<'_>> {
            crate::wan::from_json("push_stream current_value", self.current_value.as_bytes())
        }

        /// A `push_stream` control whose `current_value` is `stream` serialized into a string.
        ///
        /// # Errors
        /// [`Error::Json`](crate::Error::Json) (not expected for this type).
        pub fn from_push_stream(stream: &PushStream<'_>) -> Result<VideoControl<'static>> {
            let text = crate::wan::to_json("push_stream current_value", stream)?;
            let text = String::from_utf8(text).map_err(|_| crate::Error::InvalidUtf8 {
                field: "current_value",
            })?;
            Ok(VideoControl {
                stream_id: Cow::Borrowed(PUSH_STREAM),
                current_value: Cow::Owned(text),
            })
        }
    }

    /// The device's video response (spec 7.3.26 `resp[]`).
    ///
    /// Unknown keys are ignored; `streams` (in the field table, not in the example) is optional.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct VideoResponse<'a> {
        /// The outcome.
        pub result: VideoResult,
        /// Text for the user ("控制成功", or the failure reason).
        #[serde(borrow)]
        pub control_resp: Cow<'a, str>,
        /// Resolutions the device supports.
        pub resolution: Vec<u32>,
        /// The command's `attribute`, copied untouched.
        #[serde(borrow)]
        pub attribute: RawJson<'a>,
        /// The device's identity.
        #[serde(borrow)]
        pub device: VideoDevice<'a>,
        /// After a successful control, the current value of every stream (spec field table).
        #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
        pub streams: Option<Vec<Stream<'a>>>,
    }

    /// `device` of a [`VideoResponse`].
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct VideoDevice<'a> {
        /// Feed id (a string in the spec's example; a number is kept as one).
        #[serde(borrow)]
        pub feed_id: FeedId<'a>,
        /// The device's access key, as the spec's response carries it (a [`Secret`]:
        /// redacted in `Debug`, compared in constant time).
        ///
        /// [`Secret`]: crate::Secret
        #[serde(borrow)]
        pub access_key: crate::SecretText<'a>,
    }

    crate::wan::json_doc!(VideoCommand, "video command");
    crate::wan::json_doc!(VideoResponse, "video response");
}
