//! OTA firmware upgrade, types 7 and 8 (spec 9, 9.5, 9.6; compat §7.9): the version-name
//! format, the status codes and (feature `json`) the JSON documents of the order, its
//! acknowledgement, the status report and its answer. The binary envelope of both types is
//! [`Timestamped`](crate::Timestamped) (`ts ‖ JSON`); the firmware CRC-32 is
//! [`FirmwareCrc32`](super::FirmwareCrc32).

use crate::macros::enum_with_unknown;
use crate::{Error, Result};

enum_with_unknown! {
    /// `status` of an `otastat` report (spec 9.6; the SDK's `OTA_STATUS_*`).
    pub enum OtaStatus(i32) {
        /// 0: downloading the firmware (固件下载中).
        Download = 0 => "download",
        /// 1: installing (固件安装中).
        Install = 1 => "install",
        /// 2: upgrade done (固件升级完成); best reported after the reboot.
        Done = 2 => "done",
        /// 3: upgrade failed (固件升级失败); the reason goes in `status_desc`.
        Failed = 3 => "failed",
    }
}

/// A firmware version name in the format spec 9 requires, `major.minor.patch.date_release`, e.g.
/// `1.2.1.20151030_release`.
///
/// Major, minor and patch have 1 to 3 digits; the date is 8 digits `YYYYMMDD` (month 1–12, day
/// 1–31); the suffix is exactly `release`. [`Display`](core::fmt::Display) writes the canonical
/// form (no leading zeros in the three numbers). Clouds do not enforce the format (vector wan-24
/// carries `"v9.8"`), so OTA orders keep the name as text and this parse is opt-in.
///
/// ```
/// use joylink_wire::wan::VersionName;
/// let v: VersionName = "1.2.1.20151030_release".parse()?;
/// assert_eq!((v.major, v.minor, v.patch), (1, 2, 1));
/// assert_eq!((v.year, v.month, v.day), (2015, 10, 30));
/// assert!(v < "1.10.0.20150101_release".parse()?);
/// assert_eq!(v.to_string(), "1.2.1.20151030_release");
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionName {
    /// Major version (主版本号), 0–999.
    pub major: u16,
    /// Minor version (次版本号), 0–999.
    pub minor: u16,
    /// Patch version (修订版本号), 0–999.
    pub patch: u16,
    /// Year of the date part.
    pub year: u16,
    /// Month of the date part, 1–12.
    pub month: u8,
    /// Day of the date part, 1–31.
    pub day: u8,
}

fn bad(reason: &'static str) -> Error {
    Error::InvalidVersionName { reason }
}

/// A run of ASCII digits of 1..=`max` characters as a number.
fn digits(s: &str, max: usize, reason: &'static str) -> Result<u32> {
    if s.is_empty() || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(reason));
    }
    s.parse::<u32>().map_err(|_| bad(reason))
}

impl VersionName {
    /// The suffix spec 9 requires (希腊字母版本号 must be `release`).
    pub const SUFFIX: &'static str = "release";

    /// Parses `major.minor.patch.YYYYMMDD_release`.
    ///
    /// # Errors
    /// [`Error::InvalidVersionName`] saying which part is wrong.
    pub fn parse(s: &str) -> Result<Self> {
        let (numbers, suffix) = s.split_once('_').ok_or(bad("missing `_release` suffix"))?;
        if suffix != Self::SUFFIX {
            return Err(bad("suffix is not `release`"));
        }
        let mut parts = numbers.split('.');
        let mut next = |reason| parts.next().ok_or(bad(reason));
        let major = digits(next("missing major")?, 3, "major is not 1-3 digits")?;
        let minor = digits(next("missing minor")?, 3, "minor is not 1-3 digits")?;
        let patch = digits(next("missing patch")?, 3, "patch is not 1-3 digits")?;
        let date = next("missing date")?;
        if parts.next().is_some() {
            return Err(bad("too many dot-separated parts"));
        }
        if date.len() != 8 {
            return Err(bad("date is not 8 digits"));
        }
        let (y, md) = date
            .split_at_checked(4)
            .ok_or(bad("date is not 8 digits"))?;
        let (m, d) = md.split_at_checked(2).ok_or(bad("date is not 8 digits"))?;
        let year = digits(y, 4, "date is not 8 digits")?;
        let month = digits(m, 2, "date is not 8 digits")?;
        let day = digits(d, 2, "date is not 8 digits")?;
        if !(1..=12).contains(&month) {
            return Err(bad("month out of range"));
        }
        if !(1..=31).contains(&day) {
            return Err(bad("day out of range"));
        }
        let to16 = |v: u32| u16::try_from(v).map_err(|_| bad("number out of range"));
        let to8 = |v: u32| u8::try_from(v).map_err(|_| bad("number out of range"));
        Ok(Self {
            major: to16(major)?,
            minor: to16(minor)?,
            patch: to16(patch)?,
            year: to16(year)?,
            month: to8(month)?,
            day: to8(day)?,
        })
    }
}

impl core::str::FromStr for VersionName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl core::fmt::Display for VersionName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}.{}.{}.{:04}{:02}{:02}_{}",
            self.major,
            self.minor,
            self.patch,
            self.year,
            self.month,
            self.day,
            Self::SUFFIX
        )
    }
}

#[cfg(feature = "json")]
pub use json::*;

#[cfg(feature = "json")]
mod json {
    use alloc::borrow::Cow;
    use serde::{Deserialize, Serialize};

    use super::OtaStatus;

    /// The OTA order of spec 9.5 (type 7, cloud → device), after the timestamp.
    ///
    /// compat §7.9 — the SDK reads `serial` and `data` and ignores `cmd`; the cloud of
    /// vector wan-24 sends no `cmd` at all, so it is optional. Serializing gives the keys in the
    /// spec's order without spaces.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OtaOrder<'a> {
        /// `"ota"` in the spec.
        #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
        pub cmd: Option<Cow<'a, str>>,
        /// The order's sequence number, echoed in the acknowledgement.
        pub serial: i64,
        /// What to install.
        #[serde(borrow)]
        pub data: OtaOrderData<'a>,
    }

    /// `data` of an [`OtaOrder`].
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OtaOrderData<'a> {
        /// Feed id of the device to upgrade; a gateway forwards orders for a sub-device
        /// (compat §7.9, `sub_feedid` in the acknowledgement).
        #[serde(borrow, rename = "feedid")]
        #[doc(alias = "feedid")]
        pub feed_id: Cow<'a, str>,
        /// Product uuid.
        #[serde(borrow, rename = "productuuid")]
        #[doc(alias = "productuuid")]
        pub product_uuid: Cow<'a, str>,
        /// Firmware sequence number (固件的序号), increased by the cloud on every upload.
        pub version: i64,
        /// Version name, normally in the [`VersionName`](super::VersionName) format (not
        /// enforced: see its docs).
        #[serde(borrow, rename = "versionname")]
        #[doc(alias = "versionname")]
        pub version_name: Cow<'a, str>,
        /// The firmware's [`FirmwareCrc32`](crate::wan::FirmwareCrc32). compat §7.9 —
        /// the SDK reads it as a double and converts to `unsigned int`, so an integral float is
        /// accepted too.
        #[serde(deserialize_with = "crc32_number")]
        pub crc32: u32,
        /// HTTP URL of the firmware.
        #[serde(borrow)]
        pub url: Cow<'a, str>,
        /// SDK 2.1.22's `upgradetype` (compat §12), absent in the spec.
        #[serde(
            default,
            rename = "upgradetype",
            skip_serializing_if = "Option::is_none"
        )]
        #[doc(alias = "upgradetype")]
        pub upgrade_type: Option<i64>,
    }

    fn crc32_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = u32;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a crc32 number in 0..=4294967295")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u32, E> {
                u32::try_from(v).map_err(|_| E::custom("crc32 out of range"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u32, E> {
                u32::try_from(v).map_err(|_| E::custom("crc32 out of range"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<u32, E> {
                // An integral double in range converts exactly (NaN fails the range check).
                if (0.0..=f64::from(u32::MAX)).contains(&v) {
                    #[expect(
                        clippy::cast_possible_truncation,
                        reason = "v is in 0..=u32::MAX (checked above); a dropped fraction is \
                                  caught by the round trip below"
                    )]
                    let n = v as u32;
                    if f64::from(n) == v {
                        return Ok(n);
                    }
                }
                Err(E::custom("crc32 is not an unsigned 32-bit integer"))
            }
        }
        d.deserialize_any(V)
    }

    /// The device's acknowledgement of an OTA order (spec 9.5 响应, type 7, device → cloud).
    ///
    /// Serializes as the SDK writes it: `{"code":0,"serial":N,"msg":"success"}` (no spaces), with
    /// `"sub_feedid"` last when the order was for a sub-device (compat §7.9).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OtaOrderResponse<'a> {
        /// Always 0 in the SDK.
        pub code: i32,
        /// The order's serial.
        pub serial: i64,
        /// `"success"`.
        #[serde(borrow)]
        pub msg: Cow<'a, str>,
        /// The sub-device's feed id when a gateway acknowledges for it.
        #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
        #[serde(rename = "sub_feedid")]
        pub sub_feed_id: Option<Cow<'a, str>>,
    }

    /// The device's status report (spec 9.6, type 8, device → cloud): `{"cmd":"otastat",
    /// "data":{…}}`. Report at least every 10 minutes during an upgrade.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OtaStatusReport<'a> {
        /// `"otastat"`.
        #[serde(borrow)]
        pub cmd: Cow<'a, str>,
        /// The status.
        #[serde(borrow)]
        pub data: OtaStatusData<'a>,
    }

    /// `data` of an [`OtaStatusReport`].
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OtaStatusData<'a> {
        /// Feed id.
        #[serde(borrow, rename = "feedid")]
        #[doc(alias = "feedid")]
        pub feed_id: Cow<'a, str>,
        /// Product uuid.
        #[serde(borrow, rename = "productuuid")]
        #[doc(alias = "productuuid")]
        pub product_uuid: Cow<'a, str>,
        /// Where the upgrade is.
        pub status: OtaStatus,
        /// Text for the user (the failure reason when `status` is 3).
        #[serde(borrow)]
        pub status_desc: Cow<'a, str>,
        /// Progress of the current step, percent.
        pub progress: i32,
    }

    impl<'a> OtaStatusReport<'a> {
        /// The spec's `cmd` value.
        pub const CMD: &'static str = "otastat";

        /// A report with `cmd = "otastat"`.
        #[must_use]
        pub fn new(data: OtaStatusData<'a>) -> Self {
            Self {
                cmd: Cow::Borrowed(Self::CMD),
                data,
            }
        }
    }

    /// The cloud's answer to a status report (spec 9.6 响应, type 8, cloud → device).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OtaStatusResponse<'a> {
        /// Result code.
        pub code: i32,
        /// Message.
        #[serde(borrow)]
        pub msg: Cow<'a, str>,
    }

    crate::wan::json_doc!(OtaOrder, "ota order");
    crate::wan::json_doc!(OtaOrderResponse, "ota order response");
    crate::wan::json_doc!(OtaStatusReport, "ota status report");
    crate::wan::json_doc!(OtaStatusResponse, "ota status response");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_name_parse() {
        let v = VersionName::parse("1.2.1.20151030_release").unwrap();
        assert_eq!(
            v,
            VersionName {
                major: 1,
                minor: 2,
                patch: 1,
                year: 2015,
                month: 10,
                day: 30
            }
        );
        assert_eq!(std::format!("{v}"), "1.2.1.20151030_release");
        assert_eq!(
            VersionName::parse("999.0.12.20991231_release")
                .unwrap()
                .major,
            999
        );
        for bad in [
            "1.2.1.20151030",
            "1.2.1.20151030_beta",
            "1000.2.1.20151030_release",
            "1.2.20151030_release",
            "1.2.1.2015103_release",
            "1.2.1.20151330_release",
            "1.2.1.20151000_release",
            "1.2.1.1.20151030_release",
            "1.+2.1.20151030_release",
            "v9.8",
            "",
            "1..1.20151030_release",
        ] {
            assert!(
                matches!(
                    VersionName::parse(bad),
                    Err(Error::InvalidVersionName { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn status_codes() {
        assert_eq!(OtaStatus::from(2), OtaStatus::Done);
        assert_eq!(
            OtaStatus::from(9),
            OtaStatus::Unknown(crate::UnknownCode(9))
        );
    }

    #[cfg(feature = "json")]
    #[test]
    fn order_json() {
        let text = br#"{"cmd":"ota","serial":1,"data":{"feedid":"1234567890123456","productuuid":"XXXXXX","version":1,"versionname":"1.2.1.20151030_release","crc32":12345678,"url":"http://x"}}"#;
        let o = OtaOrder::parse(text).unwrap();
        assert_eq!(o.data.crc32, 12_345_678);
        assert_eq!(o.to_vec().unwrap(), text.to_vec());
        let f = br#"{"serial":1,"data":{"feedid":"1","productuuid":"X","version":1,"versionname":"v","crc32":4294967295.0,"url":"u"}}"#;
        assert_eq!(OtaOrder::parse(f).unwrap().data.crc32, u32::MAX);
        let f = br#"{"serial":1,"data":{"feedid":"1","productuuid":"X","version":1,"versionname":"v","crc32":4294967296,"url":"u"}}"#;
        assert!(matches!(OtaOrder::parse(f), Err(Error::Json { .. })));
        let f = br#"{"serial":1,"data":{"feedid":"1","productuuid":"X","version":1,"versionname":"v","crc32":1.5,"url":"u"}}"#;
        assert!(OtaOrder::parse(f).is_err());
        // A trailing NUL (C strings) is tolerated.
        let mut nul = text.to_vec();
        nul.push(0);
        assert!(OtaOrder::parse(&nul).is_ok());
    }
}
