//! Device authorization ("write key"), LAN type 2 (spec 6.3.2).
//!
//! Request: app → device, enctype 2 (ECDH with the key in `opt`), plaintext `timestamp ‖ JSON`.
//! Answer: enctype 0, **no timestamp**, `{"code":0, "msg":"write accesskey ok"}` in the SDK's
//! `sprintf` layout, sent three times (compat §6.3).
//!
//! Declared once for both readers ([`Flavor`]): an app writes and reads every key with
//! serde_json; a `no_std` device reads `WriteKeyRequest<'_, JsonCore>` (the keys, the feedid and
//! `joylink_server[0]`, the rest read past) and writes `WriteKeyResponse<'_, JsonCore>`.

use serde::{Deserialize, Serialize};

use crate::lan::codes::{LanControl, TranType};
#[cfg(feature = "json")]
use crate::lan::flavor::Json;
use crate::lan::flavor::{self, DefaultFlavor, Flavor, JsonCore};
#[cfg(feature = "json")]
use crate::lan::json_body::JsonBody;
#[cfg(feature = "json")]
use crate::lan::printer::Style;

/// The write-key request: `{"data":{…}}`. Required: `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "'de: 'a"))]
pub struct WriteKeyRequest<'a, F: Flavor<'a> = DefaultFlavor> {
    /// `data`.
    pub data: WriteKeyData<'a, F>,
}

#[cfg(feature = "json")]
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
#[serde(bound(serialize = "", deserialize = "'de: 'a"))]
pub struct WriteKeyData<'a, F: Flavor<'a> = DefaultFlavor> {
    /// `feedid`: at most 32 characters.
    #[serde(rename = "feedid", deserialize_with = "flavor::one")]
    pub feed_id: F::Str,
    /// `accesskey`: 32 hex characters, used as ASCII (WAN key).
    ///
    /// A [`Secret`](crate::Secret): redacted in `Debug`, compared in constant time.
    #[serde(deserialize_with = "flavor::one")]
    pub accesskey: F::Secret,
    /// `localkey`: 32 hex characters, used as ASCII (LAN key).
    ///
    /// A [`Secret`](crate::Secret): redacted in `Debug`, compared in constant time.
    #[serde(deserialize_with = "flavor::one")]
    pub localkey: F::Secret,
    /// `productuuid`.
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub productuuid: Option<F::Extra>,
    /// `lancon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lancon: Option<LanControl>,
    /// `trantype`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trantype: Option<TranType>,
    /// `server`: SSL servers (ignored by devices).
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub server: Option<F::ExtraList>,
    /// `joylink_server`: the cloud's TCP address(es), `"host:port"`.
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub joylink_server: Option<F::List>,
    /// `tcpaes` (ignored by devices).
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub tcpaes: Option<F::ExtraList>,
    /// `opt`: server-written extension object, kept as raw JSON.
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub opt: Option<F::Raw>,
    /// `c_idt`: the cloud's signature over the device random (SDK ≥ 2.0.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c_idt: Option<CloudIdentity<'a, F>>,
    /// `javs_server` (SDK ≥ 2.0.12).
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub javs_server: Option<F::ExtraList>,
    /// `opengw_server` (SDK ≥ 2.0.12).
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub opengw_server: Option<F::ExtraList>,
    /// `router_server` (SDK ≥ 2.0.12).
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub router_server: Option<F::ExtraList>,
    /// `ps_th_c2d` (SDK ≥ 2.0.12).
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub ps_th_c2d: Option<F::Extra>,
}

impl<'a> WriteKeyData<'a> {
    /// The three required keys, everything else absent.
    pub fn new(feed_id: &'a str, accesskey: &'a str, localkey: &'a str) -> Self {
        Self {
            feed_id: feed_id.into(),
            accesskey: accesskey.into(),
            localkey: localkey.into(),
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

#[cfg(feature = "json")]
impl WriteKeyData<'_, Json> {
    /// `joylink_server[0]`: the one server shipped devices use (compat §6.3).
    pub fn server(&self) -> Option<&str> {
        self.joylink_server.as_ref()?.first().map(|s| &**s)
    }
}

impl<'a> WriteKeyData<'a, JsonCore> {
    /// `joylink_server[0]`: the one server shipped devices use (compat §6.3).
    #[must_use]
    pub fn server(&self) -> Option<&'a str> {
        self.joylink_server.and_then(|f| f.0).map(|t| t.as_str())
    }
}

/// `c_idt` of the write-key request. Required: `cloud_sig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "'de: 'a"))]
pub struct CloudIdentity<'a, F: Flavor<'a> = DefaultFlavor> {
    /// `cloud_sig`: 128 hex characters (ECDSA r‖s).
    #[serde(deserialize_with = "flavor::one")]
    pub cloud_sig: F::Extra,
}

/// The write-key answer `{code, msg}` (spec 6.3.2). Required: both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "'de: 'a"))]
pub struct WriteKeyResponse<'a, F: Flavor<'a> = DefaultFlavor> {
    /// `code`: 0 success, -1 bad cloud signature, -2001 already activated
    /// ([`ResponseCode`](crate::ResponseCode) holds the names).
    pub code: i32,
    /// `msg`.
    #[serde(deserialize_with = "flavor::one")]
    pub msg: F::Str,
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

    /// The success answer shipped devices send.
    pub fn ok() -> WriteKeyResponse<'static> {
        WriteKeyResponse {
            code: 0,
            msg: WriteKeyResponse::OK.into(),
        }
    }
}

impl<'a, F: Flavor<'a>> WriteKeyResponse<'a, F> {
    /// Whether the device took the keys: `code` 0, whatever the `msg` (`"write accesskey ok"`
    /// from SDK 2.0.x/2.1, `"success"` from E17-era firmware such as the HiFlying port).
    pub fn is_success(&self) -> bool {
        self.code == 0
    }
}

#[cfg(feature = "json")]
impl<'a> JsonBody<'a> for WriteKeyResponse<'a> {
    const STYLE: Style = Style::Sprintf;
}

#[cfg(all(test, feature = "json"))]
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
