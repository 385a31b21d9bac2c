//! Reading and writing the LAN documents without an allocator (feature `json-core`): the scan
//! request and reply (spec 6.3.1), the write-key request and reply (6.3.2), the add-sub-device
//! request (6.3.5), the sub-device authorization request (6.3.6) and the answer both sub-device
//! requests get.
//!
//! There is one definition of each document (`lan::ScanResponse`, `lan::WriteKeyRequest`, ...);
//! a device reads and writes it in the [`JsonCore`] flavor: [`parse`] reads it with
//! serde-json-core straight from the plaintext, [`emit`] writes it into the caller's buffer in
//! the sender's [`Style`]. The same key names, key order and serde attributes serve serde_json
//! (the `Json` flavor), and the tests of this module check on the golden vectors
//! that both serializers write the very same bytes for one value and both parsers read the same
//! values.
//!
//! Unknown keys are ignored, as with serde_json (the app's `opt`, `c_idt`, `server`, ... of a
//! write-key request are read past whatever they hold).
//!
//! # Escaped strings
//! A string the device keeps ([`Text`](super::Text): feedid, keys, `host:port`, MAC, product
//! uuid) that holds a `\` escape is refused ([`Error::Json`], nothing is stored) rather than
//! taken with its backslashes; shipped apps never escape these strings, and what a device reads
//! past ([`Skipped`](super::Skipped)) may hold escapes freely. The [`flavor`](super::Flavor)
//! docs say why.

use serde::{Deserialize, Serialize};

#[cfg(doc)]
use super::JsonCore;
use super::printer::{Style, respace_in_place};
use crate::fixed_text::trim_trailing_nul;
use crate::{Error, Result};

/// The name a document's errors carry (the type's own name, without path or generics).
fn name<T: ?Sized>() -> &'static str {
    let full = core::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Parses a document from the plaintext's JSON (trailing NULs ignored, as with serde_json:
/// compat §6), borrowing its strings.
///
/// # Errors
/// [`Error::Json`] (line and column 0: serde-json-core does not tell where) for bad JSON, a
/// missing required key, a wrong value kind, a kept string with an escape, or text after the
/// document.
///
/// ```
/// use joylink_wire::lan::{JsonCore, WriteKeyRequest, core_json};
///
/// let text = br#"{"data":{"feedid":"1","accesskey":"a","localkey":"l","opt":{"type":1},"joylink_server":["h:2002","x"]}}"#;
/// let r: WriteKeyRequest<JsonCore> = core_json::parse(text)?;
/// assert_eq!(r.data.server(), Some("h:2002"));
/// assert!(core_json::parse::<WriteKeyRequest<JsonCore>>(br#"{"data":{"feedid":"\u0031","accesskey":"a","localkey":"l"}}"#).is_err());
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
/// use joylink_wire::lan::{JsonCore, Style, WriteKeyResponse, core_json};
///
/// let reply = WriteKeyResponse::<JsonCore> { code: 0, msg: "write accesskey ok".into() };
/// let mut out = [0u8; 64];
/// let n = core_json::emit(&reply, Style::Sprintf, &mut out)?;
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
    use crate::lan::{
        AddSubDevRequest, JsonBody, JsonCore, ScanRequest, ScanResponse, Seq, SubDevAuthRequest,
        SubDevResponse, SubDevice, Text, WriteKeyRequest, WriteKeyResponse,
    };
    use std::string::String;
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

    /// `value` written by serde-json-core ([`emit`]) and by serde_json (the `json` writer),
    /// asserted equal.
    fn emitted<T: Serialize>(value: &T, style: Style) -> String {
        let mut out = std::vec![0u8; 4096];
        let n = emit(value, style, &mut out).unwrap();
        out.truncate(n);
        let mut json = Vec::new();
        crate::lan::write_styled(value, style, &mut json).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&json),
            "serde-json-core and serde_json disagree"
        );
        String::from_utf8(out).unwrap()
    }

    /// `text` read by serde-json-core ([`parse`]) and by serde_json, asserted equal.
    fn parsed<'a, T>(text: &'a [u8]) -> T
    where
        T: Deserialize<'a> + PartialEq + core::fmt::Debug,
    {
        let c: T = parse(text).unwrap();
        let j: T = serde_json::from_slice(text).unwrap();
        assert_eq!(c, j, "serde-json-core and serde_json disagree");
        c
    }

    fn text(v: &[u8]) -> &str {
        core::str::from_utf8(v).unwrap()
    }

    /// A device's scan reply, an activated device's (lan-02) and a gateway's with sub-devices
    /// (lan-21): the `JsonCore` value built from what the `Json` parser read is written by both
    /// serializers as the vector's bytes, and the `Json` value re-encodes to them too.
    #[test]
    fn scan_reply_is_written_alike_by_both_serializers() {
        for id in ["lan-02", "lan-21"] {
            let bytes = plaintext(id);
            let r = ScanResponse::parse(&bytes).unwrap();
            assert_eq!(r.to_json().unwrap(), bytes, "{id}: json flavor");
            fn s<'a>(c: &'a Option<std::borrow::Cow<'_, str>>) -> Option<Text<'a>> {
                c.as_deref().map(Text)
            }
            let subs = r.subdev.as_deref().unwrap_or_default();
            let core = ScanResponse::<JsonCore, _> {
                code: Some(0),
                msg: Some(Text(ScanResponse::SCAN_OK)),
                devkey: s(&r.devkey),
                feed_id: s(&r.feed_id),
                lancon: r.lancon,
                trantype: r.trantype,
                devtype: r.devtype,
                cid: s(&r.cid),
                firmware_version: s(&r.firmware_version),
                model_code: s(&r.model_code),
                joy_sdk_version: s(&r.joy_sdk_version),
                no_snapshot: r.no_snapshot,
                batch_bind: r.batch_bind,
                subdev: r.subdev.as_ref().map(|_| {
                    Seq(subs.iter().map(|d| SubDevice::<JsonCore> {
                        state: d.state,
                        protocol: d.protocol,
                        mac: Text(&d.mac),
                        productuuid: Text(&d.productuuid),
                        lancon: d.lancon,
                        trantype: d.trantype,
                        feed_id: Text(&d.feed_id),
                        devkey: d.devkey.as_deref().map(Text),
                        dev_auth_value: d.dev_auth_value.as_deref().map(Text),
                        sub_no_snapshot: d.sub_no_snapshot,
                        cid: None,
                        firmware_version: None,
                        model_code: None,
                        dbg: None,
                        devtype: None,
                    }))
                }),
                ..ScanResponse::with_flavor(&r.mac, &r.productuuid)
            };
            assert_eq!(
                emitted(&core, ScanResponse::STYLE),
                text(&bytes),
                "{id}: json-core flavor"
            );
        }
    }

    #[test]
    fn write_key_replies_are_written_alike() {
        for (id, code, msg) in [
            ("lan-05", 0, WriteKeyResponse::OK),
            ("lan-06", -2001, WriteKeyResponse::ALREADY_ACTIVATED),
        ] {
            let bytes = plaintext(id);
            let c = WriteKeyResponse::<JsonCore> {
                code,
                msg: msg.into(),
            };
            assert_eq!(emitted(&c, WriteKeyResponse::STYLE), text(&bytes), "{id}");
            let j = WriteKeyResponse {
                code,
                msg: msg.into(),
            };
            assert_eq!(j.to_json().unwrap(), bytes, "{id}: json flavor");
        }
    }

    #[test]
    fn sub_device_replies_are_written_alike() {
        // lan-16 travels behind a timestamp, lan-18 without.
        for (id, skip) in [("lan-16", 4), ("lan-18", 0)] {
            let bytes = plaintext(id);
            let j = SubDevResponse::parse(&bytes[skip..]).unwrap();
            let c = SubDevResponse::<JsonCore> {
                code: j.code,
                msg: j.msg.as_deref().map(Text),
                mac: Text(&j.mac),
                productuuid: Text(&j.productuuid),
            };
            assert_eq!(
                emitted(&c, SubDevResponse::STYLE),
                text(&bytes[skip..]),
                "{id}"
            );
            assert_eq!(parsed::<SubDevResponse<JsonCore>>(&bytes[skip..]), c);
        }
    }

    /// The vectors' requests: both parsers read the same `JsonCore` values, and those equal
    /// what the `Json` flavor keeps.
    #[test]
    fn requests_read_alike() {
        let bytes = plaintext("lan-01");
        let j = ScanRequest::parse(&bytes).unwrap();
        let c = parsed::<ScanRequest<JsonCore>>(&bytes);
        assert_eq!((c.cmd, c.status), (j.cmd, j.status));
        assert_eq!(c.productuuid.is_some(), j.productuuid.is_some());
        assert_eq!(parsed::<ScanRequest<JsonCore>>(b"{}").status, None);

        let bytes = plaintext("lan-04");
        let j = WriteKeyRequest::parse(&bytes[4..]).unwrap().data;
        let c = parsed::<WriteKeyRequest<JsonCore>>(&bytes[4..]).data;
        assert_eq!(*c.feed_id, j.feed_id);
        assert_eq!(c.accesskey.raw_secret_str(), j.accesskey.raw_secret_str());
        assert_eq!(c.localkey.raw_secret_str(), j.localkey.raw_secret_str());
        assert_eq!((c.lancon, c.trantype), (j.lancon, j.trantype));
        assert_eq!(c.server(), j.server());
        assert!(c.server().is_some());
        assert_eq!(c.opt.is_some(), j.opt.is_some());
        assert!(
            !std::format!("{c:?}").contains(c.localkey.raw_secret_str()),
            "redacted"
        );

        let bytes = plaintext("lan-15");
        let j = AddSubDevRequest::parse(&bytes[4..]).unwrap();
        let c = parsed::<AddSubDevRequest<JsonCore>>(&bytes[4..]);
        assert_eq!(c.cmd, j.cmd);
        assert_eq!(
            (&*c.data.mac, &*c.data.productuuid, c.data.protocol),
            (&*j.data.mac, &*j.data.productuuid, j.data.protocol)
        );

        let bytes = plaintext("lan-17");
        let j = SubDevAuthRequest::parse(&bytes[4..]).unwrap().data;
        let c = parsed::<SubDevAuthRequest<JsonCore>>(&bytes[4..]).data;
        assert_eq!(
            [
                &*c.feed_id,
                c.accesskey.raw_secret_str(),
                c.localkey.raw_secret_str(),
                &*c.productuuid,
                &*c.mac
            ],
            [
                &*j.feed_id,
                j.accesskey.raw_secret_str(),
                j.localkey.raw_secret_str(),
                &*j.productuuid,
                &*j.mac
            ]
        );
        assert_eq!(c.lancon, j.lancon);
    }

    #[test]
    fn escapes_missing_keys_and_trailing_text_are_refused() {
        type Req<'a> = WriteKeyRequest<'a, JsonCore>;
        let ok = br#"{"data":{"feedid":"1","accesskey":"a","localkey":"l","server":["https:\/\/x"],"productuuid":"\u0041","c_idt":{"cloud_sig":"\"q\""}}}"#;
        assert!(
            parse::<Req>(ok).is_ok(),
            "an escape in a string a device reads past is fine"
        );
        // serde_json decodes such an escape in a kept string; only the in-place reader refuses.
        let escaped = br#"{"data":{"feedid":"1\"","accesskey":"a","localkey":"l"}}"#;
        assert_eq!(
            &*WriteKeyRequest::parse(escaped).unwrap().data.feed_id,
            "1\""
        );
        for bad in [
            &escaped[..],
            br#"{"data":{"feedid":"1","accesskey":"a\u0031","localkey":"l"}}"#,
            br#"{"data":{"feedid":"1","accesskey":"a","localkey":"l","joylink_server":["h\/x:1"]}}"#,
            br#"{"data":{"feedid":"1","accesskey":"a"}}"#,
            br#"{"data":{"feedid":"1","accesskey":"a","localkey":"l"}} x"#,
            br#"{"data":{"feedid":1,"accesskey":"a","localkey":"l"}}"#,
            b"\xff",
            b"",
        ] {
            assert!(
                matches!(
                    parse::<Req>(bad),
                    Err(Error::Json {
                        what: "WriteKeyRequest",
                        ..
                    })
                ),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            parse::<ScanRequest<JsonCore>>(b"{\"status\":2}\0\0")
                .unwrap()
                .status,
            Some(crate::lan::ScanStatus::Authorized)
        );
        let mut small = [0u8; 10];
        assert!(matches!(
            emit(
                &WriteKeyResponse::<JsonCore> {
                    code: 0,
                    msg: "write accesskey ok".into()
                },
                Style::Sprintf,
                &mut small
            ),
            Err(Error::BufferTooSmall { .. })
        ));
    }
}
