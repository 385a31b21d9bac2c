//! Sub-device management over the LAN: add (type 105, spec 6.3.5) and authorize (type 102,
//! spec 6.3.6) a sub-device through its gateway (spec 8.1, 8.2).
//!
//! 105: enctype 3 with the gateway's localkey both ways, `timestamp ‖ JSON` both ways.
//! 102: request enctype 2 (app ↔ gateway ECDH), `timestamp ‖ JSON`; answer enctype 0, no
//! timestamp, cJSON layout, sent three times (compat §6.6, §6.7).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::lan::borrow;
use crate::lan::codes::{LanControl, SubDevProtocol, TranType};
use crate::lan::json_body::JsonBody;
use crate::lan::printer::Style;
use crate::lan::value::RawJson;
use crate::{Secret, SecretText};

/// Add a sub-device (type 105): `{"cmd":6, "data":{mac, productuuid, protocol}}`.
///
/// Required: `data`. compat §6.6 — devices ignore `cmd`, so it is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddSubDevRequest<'a> {
    /// `cmd`: 6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<i64>,
    /// `data`.
    #[serde(borrow)]
    pub data: AddSubDevData<'a>,
}

impl<'a> AddSubDevRequest<'a> {
    /// `cmd` of this request.
    pub const CMD: i64 = 6;

    /// The request as the spec writes it (`cmd` 6).
    pub fn new(mac: &'a str, productuuid: &'a str, protocol: SubDevProtocol) -> Self {
        Self {
            cmd: Some(Self::CMD),
            data: AddSubDevData {
                mac: Cow::Borrowed(mac),
                productuuid: Cow::Borrowed(productuuid),
                protocol,
            },
        }
    }
}

impl<'a> JsonBody<'a> for AddSubDevRequest<'a> {
    const STYLE: Style = Style::Compact;
}

/// `data` of the add-sub-device request. Required: all three.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddSubDevData<'a> {
    /// `mac`: MAC or id of the sub-device.
    #[serde(borrow)]
    pub mac: Cow<'a, str>,
    /// `productuuid` of the sub-device.
    #[serde(borrow)]
    pub productuuid: Cow<'a, str>,
    /// `protocol`.
    pub protocol: SubDevProtocol,
}

/// The gateway's answer to 105 and 102: `{code, msg, mac, productuuid}`.
///
/// Required: `mac`, `productuuid`. compat §6.7 — a gateway already active answers 102
/// with only `mac` and `productuuid`, so `code` and `msg` are optional; SDK 2.0.7/2.0.8 spell the
/// success `"sucess"` and send `""` as the 105 `msg`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubDevResponse<'a> {
    /// `code`: 0 success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// `msg`: `"success"` from SDK 2.0.9 on.
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<Cow<'a, str>>,
    /// `mac` of the sub-device.
    #[serde(borrow)]
    pub mac: Cow<'a, str>,
    /// `productuuid` of the sub-device.
    #[serde(borrow)]
    pub productuuid: Cow<'a, str>,
}

impl<'a> SubDevResponse<'a> {
    /// `msg` of a success (SDK ≥ 2.0.9).
    pub const SUCCESS: &'static str = "success";

    /// A success answer for the sub-device.
    pub fn success(mac: &'a str, productuuid: &'a str) -> Self {
        Self {
            code: Some(0),
            msg: Some(Cow::Borrowed(Self::SUCCESS)),
            mac: Cow::Borrowed(mac),
            productuuid: Cow::Borrowed(productuuid),
        }
    }
}

impl<'a> JsonBody<'a> for SubDevResponse<'a> {
    const STYLE: Style = Style::Cjson;
}

/// Sub-device authorization (type 102): `{"data":{…}}`. Required: `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubDevAuthRequest<'a> {
    /// `data`.
    #[serde(borrow)]
    pub data: SubDevAuthData<'a>,
}

impl<'a> JsonBody<'a> for SubDevAuthRequest<'a> {
    const STYLE: Style = Style::Compact;
}

/// `data` of the sub-device authorization, in the spec's key order (= vector lan-17).
///
/// Required: `feedid`, `accesskey`, `localkey`, `productuuid`, `mac`. compat §6.7 —
/// gateways ignore `server`, `joylink_server`, `tcpaes`, `opt`; SDK ≥ 2.0.9 reads `lancon`,
/// `trantype`, ≥ 2.0.12 `cloudAuthValue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubDevAuthData<'a> {
    /// `feedid` of the sub-device.
    #[serde(borrow)]
    #[serde(rename = "feedid")]
    pub feed_id: Cow<'a, str>,
    /// `accesskey` of the sub-device (inner key of its WAN packets 111/112).
    ///
    /// A [`Secret`]: redacted in `Debug`, compared in constant time.
    #[serde(borrow)]
    pub accesskey: SecretText<'a>,
    /// `localkey` of the sub-device (inner key of LAN type 104).
    ///
    /// A [`Secret`]: redacted in `Debug`, compared in constant time.
    #[serde(borrow)]
    pub localkey: SecretText<'a>,
    /// `server`.
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub server: Option<Vec<Cow<'a, str>>>,
    /// `joylink_server`.
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub joylink_server: Option<Vec<Cow<'a, str>>>,
    /// `tcpaes`.
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub tcpaes: Option<Vec<Cow<'a, str>>>,
    /// `lancon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lancon: Option<LanControl>,
    /// `trantype`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trantype: Option<TranType>,
    /// `opt`, raw JSON.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub opt: Option<RawJson<'a>>,
    /// `productuuid` of the sub-device.
    #[serde(borrow)]
    pub productuuid: Cow<'a, str>,
    /// `mac` of the sub-device.
    #[serde(borrow)]
    pub mac: Cow<'a, str>,
    /// `cloudAuthValue` (SDK ≥ 2.0.12).
    #[serde(
        borrow,
        rename = "cloudAuthValue",
        default,
        deserialize_with = "borrow::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[doc(alias = "cloudAuthValue")]
    pub cloud_auth_value: Option<Cow<'a, str>>,
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
            feed_id: Cow::Borrowed(feed_id),
            accesskey: Secret::borrowed(accesskey),
            localkey: Secret::borrowed(localkey),
            server: None,
            joylink_server: None,
            tcpaes: None,
            lancon: None,
            trantype: None,
            opt: None,
            productuuid: Cow::Borrowed(productuuid),
            mac: Cow::Borrowed(mac),
            cloud_auth_value: None,
        }
    }
}

#[cfg(test)]
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
