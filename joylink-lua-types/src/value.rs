//! Scalar values that keep their JSON kind: [`StreamValue`], [`JsonNumber`], [`FeedId`], and the
//! [`Stream`] pair `{stream_id, current_value}` every standard document is built from (spec 13.4).
//!
//! The spec sends `"current_value": "1"` (a string) in requests and `1` or `"on"` in responses
//! (spec 6.3.3, 13.4.2, 13.4.4); vendor scripts compare with `==`, so `"1"` and `1` are different
//! values to them. A round trip through these types therefore never changes a value's JSON kind,
//! and numbers keep their exact text (a `feed_id` such as `144093466370504020` does not fit an
//! f64), without serde_json's `arbitrary_precision` feature (which would change number handling for
//! every crate in the build).
//!
//! Deserializing borrows from the input: parse with `serde_json::from_str`/`from_slice`; a reader
//! (`from_reader`) cannot lend text and is refused.

use std::borrow::Cow;
use std::boxed::Box;
use std::string::{String, ToString};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::{Error, Result};

/// A JSON number kept as its exact text (`1`, `-1`, `1.50`, `144093466370504020`, `1e3`).
///
/// Build one from an integer (`JsonNumber::from(7u64)`), a finite float ([`JsonNumber::from_f64`])
/// or checked text ([`JsonNumber::new`]). Serializes as the same text with serde_json; integers
/// in the i64/u64 range go through `serialize_i64`/`serialize_u64`, so other serde formats get
/// them too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JsonNumber<'a>(Cow<'a, str>);

impl<'a> JsonNumber<'a> {
    /// Checks that `text` is one JSON number (RFC 8259 grammar) and wraps it.
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] when `text` is not exactly one JSON number.
    pub fn new(text: impl Into<Cow<'a, str>>) -> Result<Self> {
        let text = text.into();
        if is_json_number(&text) {
            Ok(JsonNumber(text))
        } else {
            Err(Error::InvalidNumber(text.into_owned()))
        }
    }

    /// A float, written as Rust's shortest round-trip text (`24.0` stays `24.0`).
    ///
    /// # Errors
    /// [`Error::InvalidNumber`] for NaN and infinities, which JSON cannot express.
    pub fn from_f64(value: f64) -> Result<JsonNumber<'static>> {
        if value.is_finite() {
            let mut text = value.to_string();
            if !text.contains(['.', 'e', 'E']) {
                text.push_str(".0");
            }
            Ok(JsonNumber(Cow::Owned(text)))
        } else {
            Err(Error::InvalidNumber(value.to_string()))
        }
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as an `i64`, when the text is an integer in range (no fraction, no exponent).
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The value as a `u64`, when the text is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// The value as the nearest `f64` (may round: `144093466370504020` → `144093466370504030.0`).
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }

    /// Detaches from the input buffer.
    pub fn into_owned(self) -> JsonNumber<'static> {
        JsonNumber(Cow::Owned(self.0.into_owned()))
    }
}

impl From<i64> for JsonNumber<'static> {
    fn from(value: i64) -> Self {
        JsonNumber(Cow::Owned(value.to_string()))
    }
}

impl From<u64> for JsonNumber<'static> {
    fn from(value: u64) -> Self {
        JsonNumber(Cow::Owned(value.to_string()))
    }
}

impl From<i32> for JsonNumber<'static> {
    fn from(value: i32) -> Self {
        JsonNumber::from(i64::from(value))
    }
}

impl From<u32> for JsonNumber<'static> {
    fn from(value: u32) -> Self {
        JsonNumber::from(u64::from(value))
    }
}

impl core::fmt::Display for JsonNumber<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for JsonNumber<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Canonical integers go through the portable calls; everything else (fractions, exponents,
        // integers beyond u64) as raw text, which serde_json writes verbatim.
        if let Some(i) = self.as_i64().filter(|i| i.to_string() == *self.0) {
            return serializer.serialize_i64(i);
        }
        if let Some(u) = self.as_u64().filter(|u| u.to_string() == *self.0) {
            return serializer.serialize_u64(u);
        }
        let raw: Box<RawValue> =
            RawValue::from_string(self.0.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonNumber<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(deserializer)? {
            Scalar::Number(n) => Ok(n),
            other => Err(D::Error::invalid_type(other.unexpected(), &"a JSON number")),
        }
    }
}

/// A stream's `current_value`, with its JSON kind kept (spec 13.4, 6.3.3).
///
/// Unusual kinds (`true`, `null`, objects, arrays) are accepted and kept verbatim, because vendor
/// scripts produce them and a gateway must pass them on unchanged.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamValue<'a> {
    /// A JSON string: `"1"`, `"on"` (spec requests always use strings).
    String(Cow<'a, str>),
    /// A JSON number, exact text kept: `1`, `24`, `1.5`.
    Number(JsonNumber<'a>),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object or array, kept as its raw JSON text.
    Json(RawJson<'a>),
}

impl<'a> StreamValue<'a> {
    /// A string value (`StreamValue::string("1")` is the spec's request form).
    pub fn string(s: impl Into<Cow<'a, str>>) -> Self {
        StreamValue::String(s.into())
    }

    /// An integer value (the spec's response form).
    pub fn int(i: i64) -> StreamValue<'static> {
        StreamValue::Number(JsonNumber::from(i))
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            StreamValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, from a number or from a string holding one (`"1"` → 1), the way
    /// scripts use `tonumber`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            StreamValue::String(s) => s.trim().parse().ok(),
            StreamValue::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The value as a float, from a number or a numeric string.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            StreamValue::String(s) => s.trim().parse().ok(),
            StreamValue::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// Detaches from the input buffer.
    pub fn into_owned(self) -> StreamValue<'static> {
        match self {
            StreamValue::String(s) => StreamValue::String(Cow::Owned(s.into_owned())),
            StreamValue::Number(n) => StreamValue::Number(n.into_owned()),
            StreamValue::Bool(b) => StreamValue::Bool(b),
            StreamValue::Null => StreamValue::Null,
            StreamValue::Json(raw) => StreamValue::Json(raw.into_owned()),
        }
    }
}

impl From<JsonNumber<'static>> for StreamValue<'static> {
    fn from(n: JsonNumber<'static>) -> Self {
        StreamValue::Number(n)
    }
}

impl Serialize for StreamValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            StreamValue::String(s) => serializer.serialize_str(s),
            StreamValue::Number(n) => n.serialize(serializer),
            StreamValue::Bool(b) => serializer.serialize_bool(*b),
            StreamValue::Null => serializer.serialize_unit(),
            StreamValue::Json(raw) => raw.serialize(serializer),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for StreamValue<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Scalar::deserialize(deserializer)? {
            Scalar::String(s) => StreamValue::String(s),
            Scalar::Number(n) => StreamValue::Number(n),
            Scalar::Bool(b) => StreamValue::Bool(b),
            Scalar::Null => StreamValue::Null,
            Scalar::Json(raw) => StreamValue::Json(RawJson(Cow::Borrowed(raw))),
        })
    }
}

/// A device's cloud id: the spec writes it as a number (`"feed_id": 144093466370504020`, 13.4.6;
/// `10000`, 7.3.25) and as a string (`"feed_id": "1294902345"`, 7.3.26). Kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[doc(alias = "feedid")]
pub enum FeedId<'a> {
    /// Sent as a JSON number; exact text kept.
    Number(JsonNumber<'a>),
    /// Sent as a JSON string.
    String(Cow<'a, str>),
}

impl FeedId<'_> {
    /// The id's digits, whichever kind it was sent as.
    pub fn as_str(&self) -> &str {
        match self {
            FeedId::Number(n) => n.as_str(),
            FeedId::String(s) => s,
        }
    }

    /// Detaches from the input buffer.
    pub fn into_owned(self) -> FeedId<'static> {
        match self {
            FeedId::Number(n) => FeedId::Number(n.into_owned()),
            FeedId::String(s) => FeedId::String(Cow::Owned(s.into_owned())),
        }
    }
}

impl Serialize for FeedId<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FeedId::Number(n) => n.serialize(serializer),
            FeedId::String(s) => serializer.serialize_str(s),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for FeedId<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(deserializer)? {
            Scalar::Number(n) => Ok(FeedId::Number(n)),
            Scalar::String(s) => Ok(FeedId::String(s)),
            other => Err(D::Error::invalid_type(
                other.unexpected(),
                &"a feed id (JSON number or string)",
            )),
        }
    }
}

/// One data point `{"stream_id": …, "current_value": …}` (spec 13.4).
///
/// Unknown keys are ignored (not kept): the spec defines only these two, and SDKs add keys
/// elsewhere, never here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stream<'a> {
    /// The data point's name, e.g. `"switch"`.
    #[serde(borrow)]
    pub stream_id: Cow<'a, str>,
    /// Its value, JSON kind kept.
    #[serde(borrow)]
    pub current_value: StreamValue<'a>,
}

impl<'a> Stream<'a> {
    /// Builds a stream.
    pub fn new(stream_id: impl Into<Cow<'a, str>>, current_value: StreamValue<'a>) -> Self {
        Stream {
            stream_id: stream_id.into(),
            current_value,
        }
    }

    /// Detaches from the input buffer.
    pub fn into_owned(self) -> Stream<'static> {
        Stream {
            stream_id: Cow::Owned(self.stream_id.into_owned()),
            current_value: self.current_value.into_owned(),
        }
    }
}

/// Finds a stream by id in a list (first match).
pub fn find_stream<'s, 'a>(streams: &'s [Stream<'a>], stream_id: &str) -> Option<&'s Stream<'a>> {
    streams.iter().find(|s| s.stream_id == stream_id)
}

/// `deserialize_with` for `Option<Cow<str>>` fields: serde borrows only a bare `Cow<str>` field,
/// so the option goes through a borrowing newtype.
pub(crate) fn opt_cow_str<'de: 'a, 'a, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'a, str>>, D::Error> {
    #[derive(Deserialize)]
    struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);
    Ok(Option::<Borrowed<'a>>::deserialize(deserializer)?.map(|b| b.0))
}

/// One JSON value classified by kind, borrowed from the input.
enum Scalar<'a> {
    String(Cow<'a, str>),
    Number(JsonNumber<'a>),
    Bool(bool),
    Null,
    Json(&'a RawValue),
}

impl Scalar<'_> {
    fn unexpected(&self) -> serde::de::Unexpected<'_> {
        use serde::de::Unexpected;
        match self {
            Scalar::String(s) => Unexpected::Str(s),
            Scalar::Number(_) => Unexpected::Other("number"),
            Scalar::Bool(b) => Unexpected::Bool(*b),
            Scalar::Null => Unexpected::Unit,
            Scalar::Json(_) => Unexpected::Other("object or array"),
        }
    }

    fn deserialize<'de: 'a, 'a, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Scalar<'a>, D::Error> {
        // The raw text is the only way to see a number's exact digits without serde_json's
        // `arbitrary_precision`; serde_json hands it out trimmed of surrounding whitespace.
        let raw: &'de RawValue = Deserialize::deserialize(deserializer)?;
        let text: &'de str = raw.get();
        match text.as_bytes().first() {
            Some(b'"') => {
                let inner = text
                    .get(1..text.len().saturating_sub(1))
                    .ok_or_else(|| D::Error::custom("bad string"))?;
                if inner.contains('\\') {
                    let owned: String = serde_json::from_str(text).map_err(D::Error::custom)?;
                    Ok(Scalar::String(Cow::Owned(owned)))
                } else {
                    Ok(Scalar::String(Cow::Borrowed(inner)))
                }
            }
            Some(b't') => Ok(Scalar::Bool(true)),
            Some(b'f') => Ok(Scalar::Bool(false)),
            Some(b'n') => Ok(Scalar::Null),
            Some(b'{' | b'[') => Ok(Scalar::Json(raw)),
            _ => Ok(Scalar::Number(JsonNumber(Cow::Borrowed(text)))),
        }
    }
}

/// RFC 8259 `number = [ minus ] int [ frac ] [ exp ]`.
fn is_json_number(text: &str) -> bool {
    let mut b = text.as_bytes();
    if let Some((b'-', rest)) = b.split_first() {
        b = rest;
    }
    let digits = |b: &[u8]| b.iter().take_while(|c| c.is_ascii_digit()).count();
    // int: "0" or [1-9][0-9]*
    let n = digits(b);
    if n == 0 || (n > 1 && b.first() == Some(&b'0')) {
        return false;
    }
    b = b.get(n..).unwrap_or_default();
    if let Some((b'.', rest)) = b.split_first() {
        let n = digits(rest);
        if n == 0 {
            return false;
        }
        b = rest.get(n..).unwrap_or_default();
    }
    if let Some((b'e' | b'E', rest)) = b.split_first() {
        let rest = match rest.split_first() {
            Some((b'+' | b'-', r)) => r,
            _ => rest,
        };
        let n = digits(rest);
        if n == 0 {
            return false;
        }
        b = rest.get(n..).unwrap_or_default();
    }
    b.is_empty()
}

/// A JSON value kept as its raw text (an object or array passed through unchanged), borrowed from
/// the input when it can be. Equality compares the text.
#[derive(Debug, Clone)]
pub struct RawJson<'a>(Cow<'a, RawValue>);

impl<'a> RawJson<'a> {
    /// Checks that `text` is one JSON value and wraps it.
    ///
    /// # Errors
    /// [`Error::Json`] when `text` is not valid JSON.
    pub fn new(text: impl Into<String>) -> Result<RawJson<'static>> {
        Ok(RawJson(Cow::Owned(RawValue::from_string(text.into())?)))
    }

    /// Wraps raw text borrowed from a parsed document.
    pub(crate) fn from_borrowed(raw: &'a RawValue) -> Self {
        RawJson(Cow::Borrowed(raw))
    }

    /// The raw JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Detaches from the input buffer.
    pub fn into_owned(self) -> RawJson<'static> {
        RawJson(Cow::Owned(self.0.into_owned()))
    }
}

impl PartialEq for RawJson<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Serialize for RawJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: &'de RawValue = Deserialize::deserialize(deserializer)?;
        Ok(RawJson(Cow::Borrowed(raw)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_survive_round_trip() {
        let text = r#"[{"stream_id":"switch","current_value":"1"},{"stream_id":"switch","current_value":1},{"stream_id":"light","current_value":"on"},{"stream_id":"t","current_value":1.50},{"stream_id":"b","current_value":true},{"stream_id":"n","current_value":null},{"stream_id":"o","current_value":{"a":[1,2]}}]"#;
        let streams: Vec<Stream<'_>> = serde_json::from_str(text).unwrap();
        assert_eq!(streams[0].current_value, StreamValue::string("1"));
        assert_eq!(streams[1].current_value, StreamValue::int(1));
        assert_eq!(streams[3].current_value.as_f64(), Some(1.5));
        assert_eq!(streams[4].current_value, StreamValue::Bool(true));
        assert_eq!(streams[5].current_value, StreamValue::Null);
        assert!(matches!(streams[0].stream_id, Cow::Borrowed(_)));
        assert!(matches!(
            streams[0].current_value,
            StreamValue::String(Cow::Borrowed(_))
        ));
        assert_eq!(serde_json::to_string(&streams).unwrap(), text);
    }

    #[test]
    fn escaped_string_is_owned_and_decoded() {
        let s: StreamValue<'_> = serde_json::from_str(r#""a\"b\u4e2d""#).unwrap();
        assert_eq!(s, StreamValue::String(Cow::Owned("a\"b中".into())));
    }

    #[test]
    fn big_numbers_stay_exact() {
        let n: JsonNumber<'_> = serde_json::from_str("144093466370504020").unwrap();
        assert_eq!(n.as_u64(), Some(144_093_466_370_504_020));
        let n: JsonNumber<'_> = serde_json::from_str("123456789012345678901234567890").unwrap();
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            "123456789012345678901234567890"
        );
        assert_eq!(n.as_u64(), None);
    }

    #[test]
    fn number_grammar() {
        for ok in ["0", "-0", "1", "-12", "1.5", "1e3", "1E+3", "2.5e-7"] {
            assert!(JsonNumber::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "+1", "1x", "NaN", " 1"] {
            assert!(JsonNumber::new(bad).is_err(), "{bad}");
        }
        assert_eq!(JsonNumber::from_f64(24.0).unwrap().as_str(), "24.0");
        assert!(JsonNumber::from_f64(f64::NAN).is_err());
    }

    #[test]
    fn missing_field_is_named() {
        let e = serde_json::from_str::<Stream<'_>>(r#"{"stream_id":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("current_value"), "{e}");
    }

    #[test]
    fn feed_id_kinds() {
        let a: FeedId<'_> = serde_json::from_str("10000").unwrap();
        let b: FeedId<'_> = serde_json::from_str(r#""1294902345""#).unwrap();
        assert!(matches!(a, FeedId::Number(_)));
        assert_eq!(b.as_str(), "1294902345");
        assert!(serde_json::from_str::<FeedId<'_>>("true").is_err());
    }
}
