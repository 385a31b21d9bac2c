//! Device authorization ("write key"), LAN type 2 (spec 6.3.2).
//!
//! Request: app → device, enctype 2 (ECDH with the key in `opt`), plaintext `timestamp ‖ JSON`.
//! Answer: enctype 0, **no timestamp**, `{"code":0, "msg":"write accesskey ok"}` in the SDK's
//! `sprintf` layout, sent three times (compat §6.3).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::lan::borrow;
use crate::lan::codes::{LanControl, TranType};
use crate::lan::json_body::JsonBody;
use crate::lan::printer::Style;
use crate::lan::value::RawJson;
use crate::{Secret, SecretText};

/// The write-key request: `{"data":{…}}`. Required: `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteKeyRequest<'a> {
    /// `data`.
    #[serde(borrow)]
    pub data: WriteKeyData<'a>,
}

impl<'a> JsonBody<'a> for WriteKeyRequest<'a> {
    const STYLE: Style = Style::Compact;
}

/// `data` of the write-key request.
///
/// Required: `feedid`, `accesskey`, `localkey` (what a device cannot work without). Optional: the
/// rest. Key order as the vectors' app (lan-04): `lancon`/`trantype` before the server lists.
///
/// compat §6.3 — devices use only `joylink_server[0]` ("host:port"); `server` and
/// `tcpaes` are ignored; SDK ≥ 2.0.7 reads `c_idt` (inside `data`), ≥ 2.0.12 `javs_server`,
/// `opengw_server`, `router_server`, `ps_th_c2d`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteKeyData<'a> {
    /// `feedid`: at most 32 characters.
    #[serde(borrow)]
    #[serde(rename = "feedid")]
    pub feed_id: Cow<'a, str>,
    /// `accesskey`: 32 hex characters, used as ASCII (WAN key).
    ///
    /// A [`Secret`]: redacted in `Debug`, compared in constant time.
    #[serde(borrow)]
    pub accesskey: SecretText<'a>,
    /// `localkey`: 32 hex characters, used as ASCII (LAN key).
    ///
    /// A [`Secret`]: redacted in `Debug`, compared in constant time.
    #[serde(borrow)]
    pub localkey: SecretText<'a>,
    /// `productuuid`.
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub productuuid: Option<Cow<'a, str>>,
    /// `lancon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lancon: Option<LanControl>,
    /// `trantype`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trantype: Option<TranType>,
    /// `server`: SSL servers (ignored by devices).
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub server: Option<Vec<Cow<'a, str>>>,
    /// `joylink_server`: the cloud's TCP address(es), `"host:port"`.
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub joylink_server: Option<Vec<Cow<'a, str>>>,
    /// `tcpaes` (ignored by devices).
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub tcpaes: Option<Vec<Cow<'a, str>>>,
    /// `opt`: server-written extension object, kept as raw JSON.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub opt: Option<RawJson<'a>>,
    /// `c_idt`: the cloud's signature over the device random (SDK ≥ 2.0.7).
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub c_idt: Option<CloudIdentity<'a>>,
    /// `javs_server` (SDK ≥ 2.0.12).
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub javs_server: Option<Vec<Cow<'a, str>>>,
    /// `opengw_server` (SDK ≥ 2.0.12).
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub opengw_server: Option<Vec<Cow<'a, str>>>,
    /// `router_server` (SDK ≥ 2.0.12).
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub router_server: Option<Vec<Cow<'a, str>>>,
    /// `ps_th_c2d` (SDK ≥ 2.0.12).
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub ps_th_c2d: Option<Cow<'a, str>>,
}

impl<'a> WriteKeyData<'a> {
    /// The three required keys, everything else absent.
    pub fn new(feed_id: &'a str, accesskey: &'a str, localkey: &'a str) -> Self {
        Self {
            feed_id: Cow::Borrowed(feed_id),
            accesskey: Secret::borrowed(accesskey),
            localkey: Secret::borrowed(localkey),
            productuuid: None,
            lancon: None,
            trantype: None,
            server: None,
            joylink_server: None,
            tcpaes: None,
            opt: None,
            c_idt: None,
            javs_server: None,
            opengw_server: None,
            router_server: None,
            ps_th_c2d: None,
        }
    }
}

/// `c_idt` of the write-key request. Required: `cloud_sig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudIdentity<'a> {
    /// `cloud_sig`: 128 hex characters (ECDSA r‖s).
    #[serde(borrow)]
    pub cloud_sig: Cow<'a, str>,
}

/// The write-key answer `{code, msg}` (spec 6.3.2). Required: both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteKeyResponse<'a> {
    /// `code`: 0 success, -1 bad cloud signature, -2001 already activated
    /// ([`ResponseCode`](crate::ResponseCode) holds the names).
    pub code: i32,
    /// `msg`.
    #[serde(borrow)]
    pub msg: Cow<'a, str>,
}

impl WriteKeyResponse<'_> {
    /// `msg` of a success from SDK 2.0.x/2.1 (E17 sent `"success"`, the spec's example).
    pub const OK: &'static str = "write accesskey ok";
    /// `msg` of code -2001, spelt as the SDK spells it.
    pub const ALREADY_ACTIVATED: &'static str = "dev is alread actived";
    /// `msg` of code -1.
    pub const BAD_CLOUD_SIG: &'static str = "verify cloud sig error";

    /// `msg` of a success from E17-era firmware (and the spec's example); compat §6.3, §16.2.
    pub const OK_E17: &'static str = "success";

    /// Whether the device took the keys: `code` 0, whatever the `msg` (`"write accesskey ok"`
    /// from SDK 2.0.x/2.1, `"success"` from E17-era firmware such as the HiFlying port).
    pub fn is_success(&self) -> bool {
        self.code == 0
    }

    /// The success answer shipped devices send.
    pub fn ok() -> WriteKeyResponse<'static> {
        WriteKeyResponse {
            code: 0,
            msg: Cow::Borrowed(WriteKeyResponse::OK),
        }
    }
}

impl<'a> JsonBody<'a> for WriteKeyResponse<'a> {
    const STYLE: Style = Style::Sprintf;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_in_sdk_layout() {
        assert_eq!(
            WriteKeyResponse::ok().to_json().unwrap(),
            br#"{"code":0, "msg":"write accesskey ok"}"#
        );
    }

    #[test]
    fn missing_localkey_is_named() {
        let e = WriteKeyRequest::parse(br#"{"data":{"feedid":"1","accesskey":"a"}}"#).unwrap_err();
        assert!(
            matches!(e, crate::Error::Json { what: "WriteKeyRequest", line: 1, column } if column > 0),
            "{e:?}"
        );
    }
}
