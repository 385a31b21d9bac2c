//! JSON values that keep their kind and their exact text: stream values, numbers, raw JSON.
//!
//! A stream's `current_value` is whatever the device or app wrote: `"1"` (a string), `1` (a
//! number) or `"on"` (spec "6.4.2" shows all three in one reply). [`StreamValue`] keeps the JSON
//! kind, and a number keeps its exact text, so `18446744073709551616` or `0.1000000000000000055`
//! survive a parse/emit round trip although they do not fit an `f64` exactly — without serde_json's
//! `arbitrary_precision` feature (it would change number handling for every crate in a build), by
//! reading the value through serde_json's `RawValue`.
//!
//! These types deserialize only from serde_json's own deserializer over borrowed text (what
//! every `parse` of this module uses); through another deserializer they fail with an error.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Raw JSON text of any value, validated, kept byte for byte (borrowed when parsed).
///
/// Used for the parts the protocol leaves open: the server-written `opt` object, `data` of an
/// unknown JSON command, array or object stream values.
#[derive(Debug, Clone)]
pub struct RawJson<'a>(Cow<'a, RawValue>);

impl<'a> RawJson<'a> {
    /// Validates `text` as one JSON value and borrows it (surrounding whitespace is kept).
    ///
    /// # Errors
    /// [`Error::Json`](crate::Error::Json) (`what` = `"raw json"`) when `text` is not exactly one
    /// JSON value.
    pub fn parse(text: &'a str) -> crate::Result<Self> {
        serde_json::from_str::<&'a RawValue>(text)
            .map(|r| Self(Cow::Borrowed(r)))
            .map_err(|e| crate::lan::json_error("raw json", &e))
    }

    /// Validates owned `text` as one JSON value (for text built at run time).
    ///
    /// # Errors
    /// As [`RawJson::parse`].
    pub fn from_string(text: String) -> crate::Result<RawJson<'static>> {
        RawValue::from_string(text)
            .map(|b| RawJson(Cow::Owned(b)))
            .map_err(|e| crate::lan::json_error("raw json", &e))
    }

    /// Serializes `value` compactly into an owned raw value.
    ///
    /// # Errors
    /// [`Error::Json`](crate::Error::Json) when `value` cannot be serialized.
    pub fn from_value<T: Serialize + ?Sized>(value: &T) -> crate::Result<RawJson<'static>> {
        serde_json::value::to_raw_value(value)
            .map(|b| RawJson(Cow::Owned(b)))
            .map_err(|e| crate::lan::json_error("raw json", &e))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// An owned copy that no longer borrows the input.
    pub fn into_owned(self) -> RawJson<'static> {
        RawJson(Cow::Owned(self.0.into_owned()))
    }

    /// The text with the input's lifetime, when it was borrowed (always, after deserialization).
    pub(crate) fn borrowed_text(&self) -> Option<&'a str> {
        match &self.0 {
            Cow::Borrowed(r) => Some(r.get()),
            Cow::Owned(_) => None,
        }
    }

    /// The first non-whitespace byte: `{`, `[`, `"`, a digit, `-`, `t`, `f` or `n`.
    fn lead(&self) -> u8 {
        self.get()
            .bytes()
            .find(|b| !b.is_ascii_whitespace())
            .unwrap_or(b'n')
    }
}

impl PartialEq for RawJson<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawJson<'_> {}

impl fmt::Display for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl Serialize for RawJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(d).map(|r| Self(Cow::Borrowed(r)))
    }
}

/// A JSON number with its exact text (no rounding through `f64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonNumber<'a>(RawJson<'a>);

impl<'a> JsonNumber<'a> {
    /// Parses number text (`-12`, `1.5e3`, `18446744073709551616`, …): exactly one number of the
    /// RFC 8259 grammar, no surrounding whitespace, no other kind.
    ///
    /// # Errors
    /// [`Error::Json`](crate::Error::Json) (`what` = `"json number"`) otherwise.
    pub fn parse(text: &'a str) -> crate::Result<Self> {
        if !is_json_number(text) {
            return Err(not_a_number());
        }
        Self::from_raw(RawJson::parse(text)?).map_err(|_| not_a_number())
    }

    /// As [`JsonNumber::parse`], for owned text built at run time (a script's output).
    ///
    /// # Errors
    /// As [`JsonNumber::parse`].
    pub fn from_string(text: String) -> crate::Result<JsonNumber<'static>> {
        if !is_json_number(&text) {
            return Err(not_a_number());
        }
        Ok(JsonNumber(RawJson::from_string(text)?))
    }

    pub(crate) fn from_raw(raw: RawJson<'a>) -> Result<Self, serde_json::Error> {
        if raw
            .get()
            .starts_with(|c: char| c == '-' || c.is_ascii_digit())
        {
            Ok(Self(raw))
        } else {
            Err(serde_json::Error::custom("expected a JSON number"))
        }
    }

    /// The number from an `f64`; `None` for NaN and infinities (JSON has none).
    pub fn from_f64(v: f64) -> Option<JsonNumber<'static>> {
        if !v.is_finite() {
            return None;
        }
        RawJson::from_value(&v).ok().map(JsonNumber)
    }

    /// The number's text as it appears in the JSON.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The value as `i64` when it is an integer in range (no fraction, no exponent).
    pub fn as_i64(&self) -> Option<i64> {
        self.as_str().parse().ok()
    }

    /// The value as `u64` when it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_str().parse().ok()
    }

    /// The value as the nearest `f64` (may round).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_str().parse().ok()
    }

    /// An owned copy.
    pub fn into_owned(self) -> JsonNumber<'static> {
        JsonNumber(self.0.into_owned())
    }
}

fn not_a_number() -> crate::Error {
    crate::Error::Json {
        what: "json number",
        line: 0,
        column: 0,
    }
}

/// RFC 8259 `number = [ minus ] int [ frac ] [ exp ]`, nothing else (no whitespace).
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

fn int_number(text: String) -> JsonNumber<'static> {
    // Integer text from `to_string` is always valid JSON.
    match RawValue::from_string(text) {
        Ok(b) => JsonNumber(RawJson(Cow::Owned(b))),
        Err(_) => JsonNumber(RawJson(Cow::Owned(zero()))),
    }
}

fn zero() -> Box<RawValue> {
    RawValue::from_string(String::from("0")).unwrap_or_default()
}

macro_rules! number_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for JsonNumber<'static> {
            fn from(v: $t) -> Self {
                int_number(v.to_string())
            }
        }
        impl From<$t> for StreamValue<'static> {
            fn from(v: $t) -> Self {
                StreamValue::Number(JsonNumber::from(v))
            }
        }
    )*};
}
number_from_int!(i8, i16, i32, i64, u8, u16, u32, u64);

impl fmt::Display for JsonNumber<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for JsonNumber<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonNumber<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawJson::deserialize(d)?;
        Self::from_raw(raw).map_err(D::Error::custom)
    }
}

/// A stream's `current_value` (or any JSON scalar whose kind matters), kind and text preserved.
///
/// ```
/// use joylink_wire::lan::StreamValue;
/// let v: StreamValue = serde_json::from_str("\"1\"")?;
/// assert_eq!(v.as_str(), Some("1"));
/// let n: StreamValue = serde_json::from_str("18446744073709551617")?;
/// assert_eq!(serde_json::to_string(&n)?, "18446744073709551617"); // exact, beyond f64 and u64
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamValue<'a> {
    /// A JSON string (escapes decoded; borrowed when the text had none).
    String(Cow<'a, str>),
    /// A JSON number, exact text.
    Number(JsonNumber<'a>),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An array or object, kept as raw JSON.
    Json(RawJson<'a>),
}

impl<'a> StreamValue<'a> {
    /// A string value (`StreamValue::string("1")` is the spec's request form, spec 13.4.1).
    pub fn string(s: impl Into<Cow<'a, str>>) -> Self {
        StreamValue::String(s.into())
    }

    /// An integer value (the spec's response form, spec 13.4.4).
    pub fn int(i: i64) -> StreamValue<'static> {
        StreamValue::Number(JsonNumber::from(i))
    }

    /// The value as a float, from a number or a string holding one (may round).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            StreamValue::Number(n) => n.as_f64(),
            StreamValue::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The string, if this is a JSON string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            StreamValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer value of a number, or of a string holding one (devices send both).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            StreamValue::Number(n) => n.as_i64(),
            StreamValue::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// An owned copy that no longer borrows the input.
    pub fn into_owned(self) -> StreamValue<'static> {
        match self {
            StreamValue::String(s) => StreamValue::String(Cow::Owned(s.into_owned())),
            StreamValue::Number(n) => StreamValue::Number(n.into_owned()),
            StreamValue::Bool(b) => StreamValue::Bool(b),
            StreamValue::Null => StreamValue::Null,
            StreamValue::Json(r) => StreamValue::Json(r.into_owned()),
        }
    }

    fn from_raw(raw: RawJson<'a>) -> Result<Self, serde_json::Error> {
        match raw.lead() {
            b'"' => {
                // Deserialization only produces borrowed raw values.
                let text = raw
                    .borrowed_text()
                    .ok_or_else(|| serde_json::Error::custom("owned raw value"))?;
                Ok(StreamValue::String(plain_str(text).map_or_else(
                    || crate::lan::borrow::cow_str(text),
                    |s| Ok(Cow::Borrowed(s)),
                )?))
            }
            b't' => Ok(StreamValue::Bool(true)),
            b'f' => Ok(StreamValue::Bool(false)),
            b'n' => Ok(StreamValue::Null),
            b'{' | b'[' => Ok(StreamValue::Json(raw)),
            _ => JsonNumber::from_raw(raw).map(StreamValue::Number),
        }
    }
}

/// The content of a string literal that the deserializer already validated (`text` is the raw
/// value of a JSON string), when it has no escapes: then it is the string itself, borrowed
/// without a second parse. `None` when it has escapes (they need decoding) or `text` is not a
/// lone string literal.
fn plain_str(text: &str) -> Option<&str> {
    let inner = text
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .strip_prefix('"')?
        .strip_suffix('"')?;
    (!inner.contains(['\\', '"'])).then_some(inner)
}

impl<'a> From<JsonNumber<'a>> for StreamValue<'a> {
    fn from(n: JsonNumber<'a>) -> Self {
        StreamValue::Number(n)
    }
}

/// A device's cloud id in a JSON document: the spec writes it as a number (`"feed_id":
/// 144093466370504020`, 13.4.6; `10000`, 7.3.25) and as a string (`"feed_id": "1294902345"`,
/// 7.3.26). Kept as sent, a number with its exact digits (it may not fit an `f64`, or a `u64`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(alias = "feedid")]
pub enum FeedId<'a> {
    /// Sent as a JSON string.
    Text(Cow<'a, str>),
    /// Sent as a JSON number; exact text kept.
    Number(JsonNumber<'a>),
}

impl FeedId<'_> {
    /// The id's digits, whichever kind it was sent as.
    pub fn as_str(&self) -> &str {
        match self {
            FeedId::Number(n) => n.as_str(),
            FeedId::Text(s) => s,
        }
    }

    /// An owned copy that no longer borrows the input.
    pub fn into_owned(self) -> FeedId<'static> {
        match self {
            FeedId::Number(n) => FeedId::Number(n.into_owned()),
            FeedId::Text(s) => FeedId::Text(Cow::Owned(s.into_owned())),
        }
    }
}

impl Serialize for FeedId<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FeedId::Number(n) => n.serialize(s),
            FeedId::Text(t) => s.serialize_str(t),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for FeedId<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match StreamValue::deserialize(d)? {
            StreamValue::Number(n) => Ok(FeedId::Number(n)),
            StreamValue::String(s) => Ok(FeedId::Text(s)),
            _ => Err(D::Error::custom(
                "a feed id must be a JSON number or string",
            )),
        }
    }
}

impl<'a> From<&'a str> for StreamValue<'a> {
    fn from(s: &'a str) -> Self {
        StreamValue::String(Cow::Borrowed(s))
    }
}

impl From<String> for StreamValue<'static> {
    fn from(s: String) -> Self {
        StreamValue::String(Cow::Owned(s))
    }
}

impl From<bool> for StreamValue<'static> {
    fn from(b: bool) -> Self {
        StreamValue::Bool(b)
    }
}

impl fmt::Display for StreamValue<'_> {
    /// The value as JSON text would show it, strings without quotes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamValue::String(s) => f.write_str(s),
            StreamValue::Number(n) => f.write_str(n.as_str()),
            StreamValue::Bool(b) => write!(f, "{b}"),
            StreamValue::Null => f.write_str("null"),
            StreamValue::Json(r) => f.write_str(r.get()),
        }
    }
}

impl Serialize for StreamValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            StreamValue::String(v) => s.serialize_str(v),
            StreamValue::Number(n) => n.serialize(s),
            StreamValue::Bool(b) => s.serialize_bool(*b),
            StreamValue::Null => s.serialize_unit(),
            StreamValue::Json(r) => r.serialize(s),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for StreamValue<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawJson::deserialize(d)?;
        Self::from_raw(raw).map_err(D::Error::custom)
    }
}

/// `deserialize_with` for an `Option<StreamValue>` that keeps an explicit `null` as
/// `Some(StreamValue::Null)` (pair with `#[serde(default)]`, which gives `None` for a missing key).
pub(crate) fn some_value<'de: 'a, 'a, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<StreamValue<'a>>, D::Error> {
    StreamValue::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(text: &str) -> (StreamValue<'_>, String) {
        let v: StreamValue = serde_json::from_str(text).unwrap();
        let out = serde_json::to_string(&v).unwrap();
        (v, out)
    }

    #[test]
    fn kinds_are_kept() {
        let (v, out) = round("\"1\"");
        assert!(matches!(v, StreamValue::String(Cow::Borrowed("1"))));
        assert_eq!(out, "\"1\"");
        let (v, out) = round("1");
        assert_eq!(v.as_i64(), Some(1));
        assert!(matches!(v, StreamValue::Number(_)));
        assert_eq!(out, "1");
        assert_eq!(round("true").1, "true");
        assert_eq!(round("null").0, StreamValue::Null);
        assert_eq!(round("[1, 2]").1, "[1, 2]");
        assert_eq!(round("{\"a\":1}").1, "{\"a\":1}");
    }

    #[test]
    fn escaped_strings_are_owned_and_decoded() {
        let (v, out) = round(r#""a\"b\u00e9""#);
        assert!(matches!(&v, StreamValue::String(Cow::Owned(s)) if s == "a\"bé"));
        assert_eq!(out, "\"a\\\"bé\"");
    }

    #[test]
    fn numbers_stay_exact() {
        for text in [
            "18446744073709551616",
            "-9223372036854775809",
            "0.1000000000000000055511151231257827",
            "1e400",
            "1.500000",
        ] {
            assert_eq!(round(text).1, text);
        }
        assert_eq!(JsonNumber::from(-5i32).as_str(), "-5");
        assert_eq!(JsonNumber::from_f64(1.5).unwrap().as_str(), "1.5");
        assert!(JsonNumber::from_f64(f64::NAN).is_none());
        assert!(JsonNumber::parse("\"1\"").is_err());
    }

    #[test]
    fn number_grammar() {
        for ok in ["0", "-0", "1", "-12", "1.5", "1e3", "1E+3", "2.5e-7"] {
            assert!(JsonNumber::parse(ok).is_ok(), "{ok}");
            assert!(JsonNumber::from_string(ok.into()).is_ok(), "{ok}");
        }
        for bad in [
            "", "-", "01", "1.", ".5", "1e", "+1", "1x", "NaN", " 1", "true", "\"1\"",
        ] {
            assert!(JsonNumber::parse(bad).is_err(), "{bad}");
            assert!(JsonNumber::from_string(bad.into()).is_err(), "{bad}");
        }
        assert_eq!(JsonNumber::from_f64(24.0).unwrap().as_str(), "24.0");
    }

    #[test]
    fn feed_id_kinds() {
        let a: FeedId<'_> = serde_json::from_str("144093466370504020").unwrap();
        assert!(matches!(a, FeedId::Number(_)));
        assert_eq!(a.as_str(), "144093466370504020");
        assert_eq!(serde_json::to_string(&a).unwrap(), "144093466370504020");
        let b: FeedId<'_> = serde_json::from_str(r#""1294902345""#).unwrap();
        assert_eq!(b, FeedId::Text(Cow::Borrowed("1294902345")));
        assert!(serde_json::from_str::<FeedId<'_>>("true").is_err());
    }
}
