//! The LAN documents a device (or gateway) reads and writes, without an allocator (feature
//! `json-core`): the scan request and reply (spec 6.3.1), the write-key request and reply
//! (6.3.2), the add-sub-device request (6.3.5), the sub-device authorization request (6.3.6) and
//! the answer both sub-device requests get.
//!
//! These are the borrowed, `no_std` twins of the `json` feature's types ([`ScanResponse`],
//! [`WriteKeyRequest`], ...), read with serde-json-core straight from the plaintext and written
//! into the caller's buffer in the sender's [`Style`]. They keep only what a device reads and
//! writes — same key names, same key order, same layout — and the tests of this module check,
//! on the golden vectors, that both encoders write the very same bytes and both parsers read the
//! same values, so the two definitions cannot drift apart silently.
//!
//! Unknown keys are ignored, as by the `json` types (the app's `opt`, `c_idt`, `server`, ... of a
//! write-key request are skipped whatever they hold).
//!
//! # Escaped strings
//! serde-json-core hands a string over as it stands between its quotes. The strings a device
//! reads here (feedid, keys, `host:port`, MAC, product uuid) are digits, hex and punctuation that
//! no JSON encoder escapes, and the shipped apps send them unescaped (the vectors' lan-04,
//! lan-15, lan-17). A string the device reads that holds a `\` escape anyway is refused
//! ([`Error::Json`], nothing is stored) rather than taken with its backslashes; skipped keys may
//! hold escapes freely.
//!
//! [`ScanResponse`]: super::ScanResponse
//! [`WriteKeyRequest`]: super::WriteKeyRequest

use core::fmt;

use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::printer::{Style, respace_in_place};
use crate::fixed_text::trim_trailing_nul;
use crate::{Error, Result};

/// A JSON string read in place: the text between its quotes, which holds no escape.
#[derive(Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Text<'a>(pub &'a str);

impl<'a> Text<'a> {
    /// The text.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        self.0
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string without escapes")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                v: &'de str,
            ) -> core::result::Result<Self::Value, E> {
                if v.contains('\\') {
                    return Err(E::custom("escaped string"));
                }
                Ok(Text(v))
            }
        }
        d.deserialize_str(V)
    }
}

/// The first string of a JSON array of strings (`joylink_server`: shipped devices use only
/// element 0, compat §6.3); the other elements are skipped, `[]` is `None`.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct First<'a>(pub Option<Text<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for First<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = First<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> core::result::Result<Self::Value, A::Error> {
                let first = seq.next_element::<Text<'de>>()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The app's scan request (twin of [`ScanRequest`](super::ScanRequest)); a device reads only
/// `status`. `{}` is a valid scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct ScanRequest {
    /// `status`: 0 all, 1 waiting, 2 authorized (spec 6.3.1).
    #[serde(default)]
    pub status: Option<i32>,
}

/// The device's scan reply (twin of [`ScanResponse`](super::ScanResponse), in its key order):
/// what a device writes, `subdev` any sequence of [`SubDevice`] (a gateway's table, written
/// without collecting it). Sent in [`Style::Cjson`].
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ScanResponse<'a, S> {
    /// `code`: 0.
    pub code: i32,
    /// `msg`: `"scan ok"`.
    pub msg: &'a str,
    /// `devkey`: the device's public key, 42 hex characters.
    pub devkey: &'a str,
    /// `mac`.
    pub mac: &'a str,
    /// `productuuid`.
    pub productuuid: &'a str,
    /// `feedid`: `""` before activation.
    #[serde(rename = "feedid")]
    pub feed_id: &'a str,
    /// `lancon`.
    pub lancon: i32,
    /// `trantype`.
    pub trantype: i32,
    /// `devtype`.
    pub devtype: i32,
    /// `CID`.
    #[serde(rename = "CID")]
    pub cid: &'a str,
    /// `firmwareVersion`.
    #[serde(rename = "firmwareVersion")]
    pub firmware_version: &'a str,
    /// `modelCode`.
    #[serde(rename = "modelCode")]
    pub model_code: &'a str,
    /// `joySdkVersion` (SDK ≥ 2.0.12; `None`: not sent).
    #[serde(rename = "joySdkVersion", skip_serializing_if = "Option::is_none")]
    pub joy_sdk_version: Option<&'a str>,
    /// `noSnapshot` (SDK ≥ 2.0.12).
    #[serde(rename = "noSnapshot", skip_serializing_if = "Option::is_none")]
    pub no_snapshot: Option<i32>,
    /// `batchBind` (SDK ≥ 2.0.12).
    #[serde(rename = "batchBind", skip_serializing_if = "Option::is_none")]
    pub batch_bind: Option<i32>,
    /// `subdev`: a gateway's sub-devices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdev: Option<S>,
}

impl ScanResponse<'_, ()> {
    /// `msg` of shipped devices.
    pub const SCAN_OK: &'static str = "scan ok";
}

/// One `subdev` entry of a gateway's scan reply (twin of [`SubDevice`](super::SubDevice), in its
/// key order, up to `subNoSnapshot`: the keys after it are for devices a gateway does not list).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SubDevice<'a> {
    /// `state`: 0 authorized, 1 waiting.
    pub state: i32,
    /// `protocol`.
    pub protocol: i32,
    /// `mac`.
    pub mac: &'a str,
    /// `productuuid`.
    pub productuuid: &'a str,
    /// `lancon`.
    pub lancon: i32,
    /// `trantype`.
    pub trantype: i32,
    /// `feedid`.
    #[serde(rename = "feedid")]
    pub feed_id: &'a str,
    /// `devkey` (`""` from shipped gateways; `None`: not sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devkey: Option<&'a str>,
    /// `devAuthValue` (`None`: not sent).
    #[serde(rename = "devAuthValue", skip_serializing_if = "Option::is_none")]
    pub dev_auth_value: Option<&'a str>,
    /// `subNoSnapshot` (`None`: not sent).
    #[serde(rename = "subNoSnapshot", skip_serializing_if = "Option::is_none")]
    pub sub_no_snapshot: Option<i32>,
}

/// Writes the items of an iterator as a JSON array (a `subdev` list without collecting it).
#[derive(Debug, Clone)]
pub struct Seq<I>(pub I);

impl<I> Serialize for Seq<I>
where
    I: Iterator + Clone,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

/// The write-key request `{"data":{…}}` (twin of [`WriteKeyRequest`](super::WriteKeyRequest)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct WriteKeyRequest<'a> {
    /// `data`.
    #[serde(borrow)]
    pub data: WriteKeyData<'a>,
}

/// `data` of the write-key request: what a device keeps. Required: `feedid`, `accesskey`,
/// `localkey`.
#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct WriteKeyData<'a> {
    /// `feedid`.
    #[serde(borrow, rename = "feedid")]
    pub feed_id: Text<'a>,
    /// `accesskey` (secret: redacted in `Debug`).
    #[serde(borrow)]
    pub accesskey: Text<'a>,
    /// `localkey` (secret: redacted in `Debug`).
    #[serde(borrow)]
    pub localkey: Text<'a>,
    /// `joylink_server[0]`, `host:port` (absent, `null` and `[]` all read `None`).
    #[serde(borrow, default)]
    pub joylink_server: Option<First<'a>>,
}

impl<'a> WriteKeyData<'a> {
    /// `joylink_server[0]`: the one server shipped devices use (compat §6.3).
    #[must_use]
    pub fn server(&self) -> Option<&'a str> {
        self.joylink_server.and_then(|f| f.0).map(|t| t.as_str())
    }
}

impl fmt::Debug for WriteKeyData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteKeyData")
            .field("feed_id", &self.feed_id)
            .field("accesskey", &"<redacted>")
            .field("localkey", &"<redacted>")
            .field("joylink_server", &self.joylink_server)
            .finish()
    }
}

/// The write-key answer `{code, msg}` (twin of [`WriteKeyResponse`](super::WriteKeyResponse)),
/// sent in [`Style::Sprintf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WriteKeyResponse<'a> {
    /// `code`: 0 success, -2001 already activated.
    pub code: i32,
    /// `msg`.
    pub msg: &'a str,
}

/// The add-sub-device request `{"cmd":6,"data":{…}}` (twin of
/// [`AddSubDevRequest`](super::AddSubDevRequest)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct AddSubDevRequest<'a> {
    /// `data`.
    #[serde(borrow)]
    pub data: AddSubDevData<'a>,
}

/// `data` of the add-sub-device request. Required: all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct AddSubDevData<'a> {
    /// `mac`.
    #[serde(borrow)]
    pub mac: Text<'a>,
    /// `productuuid`.
    #[serde(borrow)]
    pub productuuid: Text<'a>,
    /// `protocol`: 0 Wi-Fi, 1 Zigbee, 2 Bluetooth, 3 433 MHz.
    pub protocol: i32,
}

/// The sub-device authorization request (twin of
/// [`SubDevAuthRequest`](super::SubDevAuthRequest)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct SubDevAuthRequest<'a> {
    /// `data`.
    #[serde(borrow)]
    pub data: SubDevAuthData<'a>,
}

/// `data` of the sub-device authorization: what a gateway keeps. Required: all five.
#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct SubDevAuthData<'a> {
    /// `feedid`.
    #[serde(borrow, rename = "feedid")]
    pub feed_id: Text<'a>,
    /// `accesskey` (secret: redacted in `Debug`).
    #[serde(borrow)]
    pub accesskey: Text<'a>,
    /// `localkey` (secret: redacted in `Debug`).
    #[serde(borrow)]
    pub localkey: Text<'a>,
    /// `productuuid`.
    #[serde(borrow)]
    pub productuuid: Text<'a>,
    /// `mac`.
    #[serde(borrow)]
    pub mac: Text<'a>,
}

impl fmt::Debug for SubDevAuthData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubDevAuthData")
            .field("feed_id", &self.feed_id)
            .field("accesskey", &"<redacted>")
            .field("localkey", &"<redacted>")
            .field("productuuid", &self.productuuid)
            .field("mac", &self.mac)
            .finish()
    }
}

/// The gateway's answer to an add (105) or a sub-device authorization (102) (twin of
/// [`SubDevResponse`](super::SubDevResponse)), sent in [`Style::Cjson`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SubDevResponse<'a> {
    /// `code`: 0 success, -1 failure.
    pub code: i32,
    /// `msg`: `"success"` or `"failed"`.
    pub msg: &'a str,
    /// `mac`.
    pub mac: &'a str,
    /// `productuuid`.
    pub productuuid: &'a str,
}

/// The name a document's errors carry (the type's own name, without path or generics).
fn name<T: ?Sized>() -> &'static str {
    let full = core::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Parses a document from the plaintext's JSON (trailing NULs ignored, as by the `json` types:
/// compat §6), borrowing its strings.
///
/// # Errors
/// [`Error::Json`] (line and column 0: serde-json-core does not tell where) for bad JSON, a
/// missing required key, a wrong value kind, a read string with an escape, or text after the
/// document.
///
/// ```
/// use joylink_wire::lan::core_json::{self, WriteKeyRequest};
///
/// let text = br#"{"data":{"feedid":"1","accesskey":"a","localkey":"l","opt":{"type":1},"joylink_server":["h:2002","x"]}}"#;
/// let r: WriteKeyRequest = core_json::parse(text)?;
/// assert_eq!(r.data.server(), Some("h:2002"));
/// assert!(core_json::parse::<WriteKeyRequest>(br#"{"data":{"feedid":"\u0031","accesskey":"a","localkey":"l"}}"#).is_err());
/// # Ok::<(), joylink_wire::Error>(())
/// ```
pub fn parse<'a, T: Deserialize<'a>>(text: &'a [u8]) -> Result<T> {
    let text = trim_trailing_nul(text);
    let err = || Error::Json {
        what: name::<T>(),
        line: 0,
        column: 0,
    };
    let (value, used) = serde_json_core::from_slice::<T>(text).map_err(|_| err())?;
    let rest = text.get(used..).unwrap_or_default();
    if rest.iter().all(u8::is_ascii_whitespace) {
        Ok(value)
    } else {
        Err(err())
    }
}

/// Writes `value` in `style` into `out`; returns the length.
///
/// # Errors
/// [`Error::BufferTooSmall`] when `out` is too short (its contents are then unspecified).
///
/// ```
/// use joylink_wire::lan::Style;
/// use joylink_wire::lan::core_json::{self, WriteKeyResponse};
///
/// let mut out = [0u8; 64];
/// let n = core_json::emit(&WriteKeyResponse { code: 0, msg: "write accesskey ok" }, Style::Sprintf, &mut out)?;
/// assert_eq!(&out[..n], br#"{"code":0, "msg":"write accesskey ok"}"#);
/// # Ok::<(), joylink_wire::Error>(())
/// ```
pub fn emit<T: Serialize + ?Sized>(value: &T, style: Style, out: &mut [u8]) -> Result<usize> {
    let too_small = |out: &[u8]| Error::BufferTooSmall {
        needed: out.len().saturating_add(1),
        available: out.len(),
    };
    let n = serde_json_core::to_slice(value, out).map_err(|_| too_small(out))?;
    respace_in_place(out, n, style).ok_or_else(|| too_small(out))
}

#[cfg(all(test, feature = "json"))]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::lan::{self as json_lan, JsonBody};
    use std::vec::Vec;

    fn plaintext(id: &str) -> Vec<u8> {
        let list = joylink_test_vectors::vectors("lan_packets.json");
        let v = joylink_test_vectors::by_id(&list, id);
        let field = if v.get("plaintext").is_some() {
            &v["plaintext"]
        } else {
            &v["reassembled_payload"]
        };
        joylink_test_vectors::hex_field(field)
    }

    fn emitted<T: Serialize>(value: &T, style: Style) -> Vec<u8> {
        let mut out = std::vec![0u8; 4096];
        let n = emit(value, style, &mut out).unwrap();
        out.truncate(n);
        out
    }

    /// Both encoders write the vectors' scan replies byte for byte, an activated device's
    /// (lan-02) and a gateway's with sub-devices (lan-21), from the values the `json` parser read.
    #[test]
    fn scan_reply_equals_json_encoder_and_vectors() {
        for id in ["lan-02", "lan-21"] {
            let text = plaintext(id);
            let r = json_lan::ScanResponse::parse(&text).unwrap();
            assert_eq!(r.to_json().unwrap(), text, "{id}: json encoder");
            fn s<'a>(c: &'a Option<std::borrow::Cow<'_, str>>) -> &'a str {
                c.as_deref().unwrap_or_default()
            }
            let subs = r.subdev.as_deref().unwrap_or_default();
            let twin = ScanResponse {
                code: 0,
                msg: ScanResponse::SCAN_OK,
                devkey: s(&r.devkey),
                mac: &r.mac,
                productuuid: &r.productuuid,
                feed_id: s(&r.feed_id),
                lancon: r.lancon.unwrap().value(),
                trantype: r.trantype.unwrap().value(),
                devtype: r.devtype.unwrap().value(),
                cid: s(&r.cid),
                firmware_version: s(&r.firmware_version),
                model_code: s(&r.model_code),
                joy_sdk_version: r.joy_sdk_version.as_deref(),
                no_snapshot: r.no_snapshot,
                batch_bind: r.batch_bind,
                subdev: r.subdev.as_ref().map(|_| {
                    Seq(subs.iter().map(|d| SubDevice {
                        state: d.state.value(),
                        protocol: d.protocol.value(),
                        mac: &d.mac,
                        productuuid: &d.productuuid,
                        lancon: d.lancon.value(),
                        trantype: d.trantype.value(),
                        feed_id: &d.feed_id,
                        devkey: d.devkey.as_deref(),
                        dev_auth_value: d.dev_auth_value.as_deref(),
                        sub_no_snapshot: d.sub_no_snapshot,
                    }))
                }),
            };
            assert_eq!(
                std::string::String::from_utf8(emitted(&twin, json_lan::ScanResponse::STYLE))
                    .unwrap(),
                std::string::String::from_utf8(text).unwrap(),
                "{id}: core encoder"
            );
        }
    }

    #[test]
    fn write_key_replies_equal_the_vectors() {
        for (id, code, msg) in [
            ("lan-05", 0, json_lan::WriteKeyResponse::OK),
            (
                "lan-06",
                -2001,
                json_lan::WriteKeyResponse::ALREADY_ACTIVATED,
            ),
        ] {
            let text = plaintext(id);
            let r = WriteKeyResponse { code, msg };
            assert_eq!(emitted(&r, json_lan::WriteKeyResponse::STYLE), text, "{id}");
            let j = json_lan::WriteKeyResponse {
                code,
                msg: msg.into(),
            };
            assert_eq!(j.to_json().unwrap(), text, "{id}: json encoder");
        }
    }

    #[test]
    fn sub_device_replies_equal_the_vectors() {
        // lan-16 travels behind a timestamp, lan-18 without.
        for (id, skip) in [("lan-16", 4), ("lan-18", 0)] {
            let text = plaintext(id);
            let j = json_lan::SubDevResponse::parse(&text[skip..]).unwrap();
            let r = SubDevResponse {
                code: j.code.unwrap(),
                msg: j.msg.as_deref().unwrap(),
                mac: &j.mac,
                productuuid: &j.productuuid,
            };
            assert_eq!(
                emitted(&r, json_lan::SubDevResponse::STYLE),
                &text[skip..],
                "{id}"
            );
        }
    }

    /// Both parsers read the same values from the vectors' requests.
    #[test]
    fn requests_read_as_the_json_parser_reads_them() {
        let text = plaintext("lan-01");
        let j = json_lan::ScanRequest::parse(&text).unwrap();
        let c: ScanRequest = parse(&text).unwrap();
        assert_eq!(c.status, j.status.map(|s| s.value()));
        assert_eq!(parse::<ScanRequest>(b"{}").unwrap().status, None);

        let text = plaintext("lan-04");
        let j = json_lan::WriteKeyRequest::parse(&text[4..]).unwrap().data;
        let c = parse::<WriteKeyRequest>(&text[4..]).unwrap().data;
        assert_eq!(c.feed_id.as_str(), j.feed_id);
        assert_eq!(c.accesskey.as_str(), j.accesskey.raw_secret_str());
        assert_eq!(c.localkey.as_str(), j.localkey.raw_secret_str());
        let server = j
            .joylink_server
            .as_ref()
            .and_then(|s| s.first())
            .map(|s| &**s);
        assert_eq!(c.server(), server);
        assert!(
            !std::format!("{c:?}").contains(c.localkey.as_str()),
            "redacted"
        );

        let text = plaintext("lan-15");
        let j = json_lan::AddSubDevRequest::parse(&text[4..]).unwrap().data;
        let c = parse::<AddSubDevRequest>(&text[4..]).unwrap().data;
        assert_eq!(
            (c.mac.as_str(), c.productuuid.as_str()),
            (&*j.mac, &*j.productuuid)
        );
        assert_eq!(c.protocol, j.protocol.value());

        let text = plaintext("lan-17");
        let j = json_lan::SubDevAuthRequest::parse(&text[4..]).unwrap().data;
        let c = parse::<SubDevAuthRequest>(&text[4..]).unwrap().data;
        assert_eq!(
            [c.feed_id, c.accesskey, c.localkey, c.productuuid, c.mac].map(|t| t.as_str()),
            [
                &*j.feed_id,
                j.accesskey.raw_secret_str(),
                j.localkey.raw_secret_str(),
                &*j.productuuid,
                &*j.mac
            ]
        );
    }

    #[test]
    fn escapes_missing_keys_and_trailing_text_are_refused() {
        let ok =
            br#"{"data":{"feedid":"1","accesskey":"a","localkey":"l","server":["https:\/\/x"]}}"#;
        assert!(
            parse::<WriteKeyRequest>(ok).is_ok(),
            "an escape in a skipped key is fine"
        );
        for bad in [
            &br#"{"data":{"feedid":"1\"","accesskey":"a","localkey":"l"}}"#[..],
            br#"{"data":{"feedid":"1","accesskey":"a"}}"#,
            br#"{"data":{"feedid":"1","accesskey":"a","localkey":"l"}} x"#,
            br#"{"data":{"feedid":1,"accesskey":"a","localkey":"l"}}"#,
            b"\xff",
            b"",
        ] {
            assert!(
                matches!(
                    parse::<WriteKeyRequest>(bad),
                    Err(Error::Json {
                        what: "WriteKeyRequest",
                        ..
                    })
                ),
                "{}",
                std::string::String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            parse::<ScanRequest>(b"{\"status\":2}\0\0").unwrap().status,
            Some(2)
        );
        let mut small = [0u8; 10];
        assert!(matches!(
            emit(
                &WriteKeyResponse {
                    code: 0,
                    msg: "write accesskey ok"
                },
                Style::Sprintf,
                &mut small
            ),
            Err(Error::BufferTooSmall { .. })
        ));
    }
}
