//! Sub-device management over the LAN: add (type 105, spec 6.3.5) and authorize (type 102,
//! spec 6.3.6) a sub-device through its gateway (spec 8.1, 8.2).
//!
//! 105: enctype 3 with the gateway's localkey both ways, `timestamp ‖ JSON` both ways.
//! 102: request enctype 2 (app ↔ gateway ECDH), `timestamp ‖ JSON`; answer enctype 0, no
//! timestamp, cJSON layout, sent three times (compat §6.6, §6.7).
//!
//! Declared once for both readers ([`Flavor`]): a `no_std` gateway reads the requests as
//! `…<'_, JsonCore>` and writes `SubDevResponse<'_, JsonCore>`.

use serde::{Deserialize, Serialize};

use crate::lan::codes::{LanControl, SubDevProtocol, TranType};
use crate::lan::flavor::{self, DefaultFlavor, Flavor};
#[cfg(feature = "json")]
use crate::lan::json_body::JsonBody;
#[cfg(feature = "json")]
use crate::lan::printer::Style;

/// Add a sub-device (type 105): `{"cmd":6, "data":{mac, productuuid, protocol}}`.
///
/// Required: `data`. compat §6.6 — devices ignore `cmd`, so it is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "'de: 'a"))]
pub struct AddSubDevRequest<'a, F: Flavor<'a> = DefaultFlavor> {
    /// `cmd`: 6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<i64>,
    /// `data`.
    pub data: AddSubDevData<'a, F>,
}

impl<'a> AddSubDevRequest<'a> {
    /// `cmd` of this request.
    pub const CMD: i64 = 6;

    /// The request as the spec writes it (`cmd` 6).
    pub fn new(mac: &'a str, productuuid: &'a str, protocol: SubDevProtocol) -> Self {
        Self {
            cmd: Some(Self::CMD),
            data: AddSubDevData {
                mac: mac.into(),
                productuuid: productuuid.into(),
                protocol,
            },
        }
    }
}

#[cfg(feature = "json")]
impl<'a> JsonBody<'a> for AddSubDevRequest<'a> {
    const STYLE: Style = Style::Compact;
}

/// `data` of the add-sub-device request. Required: all three.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "'de: 'a"))]
pub struct AddSubDevData<'a, F: Flavor<'a> = DefaultFlavor> {
    /// `mac`: MAC or id of the sub-device.
    #[serde(deserialize_with = "flavor::one")]
    pub mac: F::Str,
    /// `productuuid` of the sub-device.
    #[serde(deserialize_with = "flavor::one")]
    pub productuuid: F::Str,
    /// `protocol`.
    pub protocol: SubDevProtocol,
}

/// The gateway's answer to 105 and 102: `{code, msg, mac, productuuid}`.
///
/// Required: `mac`, `productuuid`. compat §6.7 — a gateway already active answers 102
/// with only `mac` and `productuuid`, so `code` and `msg` are optional; SDK 2.0.7/2.0.8 spell the
/// success `"sucess"` and send `""` as the 105 `msg`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "'de: 'a"))]
pub struct SubDevResponse<'a, F: Flavor<'a> = DefaultFlavor> {
    /// `code`: 0 success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// `msg`: `"success"` from SDK 2.0.9 on.
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<F::Str>,
    /// `mac` of the sub-device.
    #[serde(deserialize_with = "flavor::one")]
    pub mac: F::Str,
    /// `productuuid` of the sub-device.
    #[serde(deserialize_with = "flavor::one")]
    pub productuuid: F::Str,
}

impl<'a> SubDevResponse<'a> {
    /// `msg` of a success (SDK ≥ 2.0.9).
    pub const SUCCESS: &'static str = "success";

    /// A success answer for the sub-device.
    pub fn success(mac: &'a str, productuuid: &'a str) -> Self {
        Self {
            code: Some(0),
            msg: Some(SubDevResponse::SUCCESS.into()),
            mac: mac.into(),
            productuuid: productuuid.into(),
        }
    }
}

#[cfg(feature = "json")]
impl<'a> JsonBody<'a> for SubDevResponse<'a> {
    const STYLE: Style = Style::Cjson;
}

/// Sub-device authorization (type 102): `{"data":{…}}`. Required: `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "'de: 'a"))]
pub struct SubDevAuthRequest<'a, F: Flavor<'a> = DefaultFlavor> {
    /// `data`.
    pub data: SubDevAuthData<'a, F>,
}

#[cfg(feature = "json")]
impl<'a> JsonBody<'a> for SubDevAuthRequest<'a> {
    const STYLE: Style = Style::Compact;
}

/// `data` of the sub-device authorization, in the spec's key order (= vector lan-17).
///
/// Required: `feedid`, `accesskey`, `localkey`, `productuuid`, `mac`. compat §6.7 —
/// gateways ignore `server`, `joylink_server`, `tcpaes`, `opt`; SDK ≥ 2.0.9 reads `lancon`,
/// `trantype`, ≥ 2.0.12 `cloudAuthValue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "'de: 'a"))]
pub struct SubDevAuthData<'a, F: Flavor<'a> = DefaultFlavor> {
    /// `feedid` of the sub-device.
    #[serde(rename = "feedid", deserialize_with = "flavor::one")]
    pub feed_id: F::Str,
    /// `accesskey` of the sub-device (inner key of its WAN packets 111/112).
    ///
    /// A [`Secret`](crate::Secret): redacted in `Debug`, compared in constant time.
    #[serde(deserialize_with = "flavor::one")]
    pub accesskey: F::Secret,
    /// `localkey` of the sub-device (inner key of LAN type 104).
    ///
    /// A [`Secret`](crate::Secret): redacted in `Debug`, compared in constant time.
    #[serde(deserialize_with = "flavor::one")]
    pub localkey: F::Secret,
    /// `server`.
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub server: Option<F::ExtraList>,
    /// `joylink_server` (gateways ignore it for a sub-device).
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub joylink_server: Option<F::ExtraList>,
    /// `tcpaes`.
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub tcpaes: Option<F::ExtraList>,
    /// `lancon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lancon: Option<LanControl>,
    /// `trantype`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trantype: Option<TranType>,
    /// `opt`, raw JSON.
    #[serde(
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub opt: Option<F::Raw>,
    /// `productuuid` of the sub-device.
    #[serde(deserialize_with = "flavor::one")]
    pub productuuid: F::Str,
    /// `mac` of the sub-device.
    #[serde(deserialize_with = "flavor::one")]
    pub mac: F::Str,
    /// `cloudAuthValue` (SDK ≥ 2.0.12).
    #[serde(
        rename = "cloudAuthValue",
        default,
        deserialize_with = "flavor::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[doc(alias = "cloudAuthValue")]
    pub cloud_auth_value: Option<F::Extra>,
}

impl<'a> SubDevAuthData<'a> {
    /// The required keys, everything else absent.
    pub fn new(
        feed_id: &'a str,
        accesskey: &'a str,
        localkey: &'a str,
        productuuid: &'a str,
        mac: &'a str,
    ) -> Self {
        Self {
            feed_id: feed_id.into(),
            accesskey: accesskey.into(),
            localkey: localkey.into(),
            server: None,
            joylink_server: None,
            tcpaes: None,
            lancon: None,
            trantype: None,
            opt: None,
            productuuid: productuuid.into(),
            mac: mac.into(),
            cloud_auth_value: None,
        }
    }
}

#[cfg(all(test, feature = "json"))]
mod tests {
    use super::*;

    #[test]
    fn answer_in_cjson_layout() {
        // Byte layout of vector lan-16 (cJSON_Print).
        assert_eq!(
            SubDevResponse::success("701923F88581", "7D13F6").to_json().unwrap(),
            b"{\n\t\"code\":\t0,\n\t\"msg\":\t\"success\",\n\t\"mac\":\t\"701923F88581\",\n\t\"productuuid\":\t\"7D13F6\"\n}"
        );
    }

    #[test]
    fn active_gateway_answer_without_code() {
        let r =
            SubDevResponse::parse(b"{\n\t\"mac\":\t\"m\",\n\t\"productuuid\":\t\"p\"\n}").unwrap();
        assert_eq!((r.code, r.msg), (None, None));
        let e = SubDevAuthRequest::parse(
            br#"{"data":{"feedid":"1","accesskey":"a","localkey":"l","productuuid":"p"}}"#,
        )
        .unwrap_err();
        assert!(
            matches!(e, crate::Error::Json { what: "SubDevAuthRequest", line: 1, column } if column > 0),
            "{e:?}"
        );
    }
}
