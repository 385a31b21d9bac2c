//! The [`Flavor`] of a LAN document: which field types one definition is read and written
//! with (serde_json or serde-json-core).

use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[cfg(feature = "json")]
use alloc::borrow::Cow;
#[cfg(feature = "json")]
use alloc::vec::Vec;

use crate::Secret;

/// A field type of a document: written by serde's `Serialize`, read borrowing from the text.
///
/// Implemented for the field types of the `Json` and [`JsonCore`] flavors; the documents read every
/// flavored field through it (`deserialize_with`), so a `Cow` borrows whenever the JSON string
/// has no escapes, also inside an `Option`.
pub trait JsonField<'a>: Serialize + Clone + fmt::Debug + PartialEq + Eq + Sized {
    /// Reads the field.
    ///
    /// # Errors
    /// The deserializer's error.
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;

    /// Reads an optional field: `null` is `None` (a missing key is `None` by `#[serde(default)]`).
    ///
    /// # Errors
    /// The deserializer's error.
    fn read_option<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        Option::<Read<'a, Self>>::deserialize(d).map(|o| o.map(|r| r.0))
    }
}

/// Adapts [`JsonField::read`] to `Deserialize` (for `Option` and lists).
struct Read<'a, T>(T, PhantomData<&'a ()>);

impl<'de: 'a, 'a, T: JsonField<'a>> Deserialize<'de> for Read<'a, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::read(d).map(|t| Read(t, PhantomData))
    }
}

/// `deserialize_with` of a flavored field.
pub(crate) fn one<'de: 'a, 'a, T: JsonField<'a>, D: Deserializer<'de>>(
    d: D,
) -> Result<T, D::Error> {
    T::read(d)
}

/// `deserialize_with` of an optional flavored field (pair with `#[serde(default)]`).
pub(crate) fn option<'de: 'a, 'a, T: JsonField<'a>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::read_option(d)
}

/// The field types a document is read and written with: how one LAN document definition is
/// read by two JSON readers.
///
/// Each document of a device's own flow (scan, write-key, sub-device add and authorization) is
/// declared once — key names, key order, which keys are required, serde attributes — and takes
/// the types of its string, key, list and raw-JSON fields from a flavor:
///
/// | | `Json` (feature `json`, the default then) | [`JsonCore`] (no allocator) |
/// |---|---|---|
/// | reader / writer | serde_json, `JsonBody::parse` / `to_json` | serde-json-core, `core_json::parse` / `emit` |
/// | kept string (`Str`) | `Cow<'a, str>`, escapes decoded | [`Text`]: the text in place, an escape refused |
/// | key (`Secret`) | `SecretText<'a>` | `Secret<Text<'a>>` |
/// | kept list (`joylink_server`) | `Vec<Cow<'a, str>>` | [`First`]: element 0 only (compat §6.3) |
/// | what a device reads past (`Extra`, `ExtraList`, `Raw`) | `Cow`, `Vec<Cow>`, `RawJson` | [`Skipped`] |
/// | scan reply `code` / `msg` | `StreamValue` (any JSON kind, compat §16.1) | `i32` / [`Text`] |
/// | scan reply `subdev` list | `Vec<SubDevice>` | any iterator in [`Seq`] |
///
/// So `lan::WriteKeyRequest<'_>` is what it always was for an app, a CLI or a cloud (every key
/// kept, any kind the vendors send), and `lan::WriteKeyRequest<'_, JsonCore>` is what a `no_std`
/// device reads: the same keys, only what it uses kept, no allocation.
///
/// # Escaped strings without an allocator
/// serde-json-core hands a string over as it stands between its quotes. The strings a device
/// keeps (feedid, keys, `host:port`, MAC, product uuid) are digits, hex and punctuation that no
/// JSON encoder escapes, and the shipped apps send them unescaped (the vectors' lan-04, lan-15,
/// lan-17). A kept string ([`Text`]) that holds a `\` escape anyway is refused
/// ([`Error::Json`](crate::Error::Json), nothing is stored) rather than taken with its
/// backslashes; what a device reads past ([`Skipped`]) may hold escapes freely.
///
/// Every field type implements [`JsonField`] (how it is read borrowing from the text).
///
/// ```
/// use joylink_wire::lan::{JsonCore, SubDevResponse, Text};
///
/// // A gateway's answer in the no-allocator flavor; serde_json writes and reads it as well.
/// let answer = SubDevResponse::<JsonCore> {
///     code: Some(0),
///     msg: Some(Text("success")),
///     mac: Text("701923F88581"),
///     productuuid: Text("7D13F6"),
/// };
/// let json = serde_json::to_string(&answer)?;
/// assert_eq!(json, r#"{"code":0,"msg":"success","mac":"701923F88581","productuuid":"7D13F6"}"#);
/// let back: SubDevResponse<JsonCore> = serde_json::from_str(&json)?;
/// assert_eq!(back, answer);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Lifetime
/// A document's field types are projections of `Flavor<'a>`, so a document is *invariant* in
/// `'a`: a `ScanResponse<'static>` does not shorten to a `ScanResponse<'a>`. To compare a parsed
/// document with one built from `'static` text, build the expected value where it is compared
/// (a `fn expected<'a>() -> WriteKeyRequest<'a>` called there) rather than before the buffer.
pub trait Flavor<'a>: Clone + Copy + fmt::Debug + Default + PartialEq + Eq {
    /// A string the reader keeps.
    type Str: JsonField<'a> + From<&'a str> + core::ops::Deref<Target = str>;
    /// A key (`accesskey`, `localkey`): redacted in `Debug`, compared in constant time.
    type Secret: JsonField<'a> + From<&'a str>;
    /// A list of strings the reader keeps (`joylink_server`).
    type List: JsonField<'a>;
    /// A string a device reads past (the app's product uuid, `c_idt`, ...).
    type Extra: JsonField<'a>;
    /// A list a device reads past (`server`, `tcpaes`, ...).
    type ExtraList: JsonField<'a>;
    /// An object the protocol leaves open (`opt`).
    type Raw: JsonField<'a>;
    /// `code` of a scan reply.
    type Code: JsonField<'a>;
    /// `msg` of a scan reply.
    type Msg: JsonField<'a>;
    /// A list of documents the reader keeps, when the document names no type of its own (a scan
    /// reply's `subdev`): `Vec<T>`, or an empty iterator in [`Seq`] where there is no
    /// allocator (a device writes its list through `Seq` over its own iterator).
    type Items<T>;
}

/// Everything kept, read and written with serde_json (feature `json`): the default flavor then.
#[cfg(feature = "json")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json;

#[cfg(feature = "json")]
impl<'a> Flavor<'a> for Json {
    type Str = Cow<'a, str>;
    type Secret = crate::SecretText<'a>;
    type List = Vec<Cow<'a, str>>;
    type Extra = Cow<'a, str>;
    type ExtraList = Vec<Cow<'a, str>>;
    type Raw = super::RawJson<'a>;
    type Code = super::StreamValue<'a>;
    type Msg = super::StreamValue<'a>;
    type Items<T> = Vec<T>;
}

/// What a device keeps, read in place and written into the caller's buffer with
/// serde-json-core (`core_json::parse` / `emit`): no allocator. The default flavor without the
/// `json` feature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonCore;

impl<'a> Flavor<'a> for JsonCore {
    type Str = Text<'a>;
    type Secret = Secret<Text<'a>>;
    type List = First<'a>;
    type Extra = Skipped;
    type ExtraList = Skipped;
    type Raw = Skipped;
    type Code = i32;
    type Msg = Text<'a>;
    type Items<T> = Seq<core::iter::Empty<T>>;
}

/// The flavor a document has when none is named: [`Json`] with the `json` feature, else
/// [`JsonCore`].
#[cfg(feature = "json")]
pub type DefaultFlavor = Json;
/// The flavor a document has when none is named: `Json` with the `json` feature, else
/// [`JsonCore`].
#[cfg(not(feature = "json"))]
pub type DefaultFlavor = JsonCore;

#[cfg(feature = "json")]
impl<'a> JsonField<'a> for Cow<'a, str> {
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::borrow::CowText::deserialize(d).map(|t| t.0)
    }
}

#[cfg(feature = "json")]
impl<'a> JsonField<'a> for Vec<Cow<'a, str>> {
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<super::borrow::CowText<'a>>::deserialize(d)
            .map(|v| v.into_iter().map(|t| t.0).collect())
    }
}

#[cfg(feature = "json")]
impl<'a> JsonField<'a> for crate::SecretText<'a> {
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d)
    }
}

#[cfg(feature = "json")]
impl<'a> JsonField<'a> for super::RawJson<'a> {
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d)
    }
}

/// A present `null` is `Some(StreamValue::Null)`: the value keeps the kind it was sent with.
#[cfg(feature = "json")]
impl<'a> JsonField<'a> for super::StreamValue<'a> {
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d)
    }
    fn read_option<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        super::value::some_value(d)
    }
}

impl<'a> JsonField<'a> for i32 {
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d)
    }
}

/// A JSON string read in place: the text between its quotes, which holds no escape (see
/// [`Flavor`] for why an escape is refused).
#[derive(Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Text<'a>(pub &'a str);

impl<'a> Text<'a> {
    /// The text.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        self.0
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(text: &'a str) -> Self {
        Text(text)
    }
}

impl core::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string without escapes")
            }
            // serde-json-core hands over the text between the quotes, escapes and all;
            // serde_json hands over a borrowed text only when it had no escape.
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                if v.contains('\\') {
                    return Err(E::custom("escaped string"));
                }
                Ok(Text(v))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'a> JsonField<'a> for Text<'a> {
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d)
    }
}

impl<'a> Secret<Text<'a>> {
    /// The key text (the caller's buffer: nothing to wipe).
    #[must_use]
    pub fn raw_secret_str(&self) -> &'a str {
        self.raw_secret().0
    }
}

impl<'a> From<&'a str> for Secret<Text<'a>> {
    fn from(text: &'a str) -> Self {
        Secret::new(Text(text))
    }
}

impl Serialize for Secret<Text<'_>> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw_secret().serialize(s)
    }
}

impl<'a> JsonField<'a> for Secret<Text<'a>> {
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Text::deserialize(d).map(Secret::new)
    }
}

/// The first string of a JSON array of strings (`joylink_server`: shipped devices use only
/// element 0, compat §6.3); the other elements are skipped, `[]` is `None`. Written back as an
/// array of that one element.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct First<'a>(pub Option<Text<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for First<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = First<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first = seq.next_element::<Text<'de>>()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        d.deserialize_seq(V)
    }
}

impl Serialize for First<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

impl<'a> JsonField<'a> for First<'a> {
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d)
    }
}

/// A value a device reads past: any JSON (escapes included), nothing kept. Written as `null`
/// (a device never writes one: leave the field `None`).
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct Skipped;

impl Serialize for Skipped {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'a> JsonField<'a> for Skipped {
    fn read<'de: 'a, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Skipped)
    }
}

/// Writes the items of an iterator as a JSON array (a gateway's `subdev` list without
/// collecting it).
#[derive(Debug, Clone)]
pub struct Seq<I>(pub I);

impl<I> Serialize for Seq<I>
where
    I: Iterator + Clone,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

#[cfg(all(test, feature = "json"))]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::lan::{JsonBody, WriteKeyRequest};

    /// The `Json` flavor borrows every string without an escape, also inside `Option` and
    /// lists, and decodes the escaped ones.
    #[test]
    fn json_flavor_borrows_unless_escaped() {
        let text = br#"{"data":{"feedid":"1","accesskey":"a","localkey":"l","productuuid":"p","joylink_server":["h:1","x\/y"],"c_idt":{"cloud_sig":"s"}}}"#;
        let d = WriteKeyRequest::parse(text).unwrap().data;
        assert!(matches!(d.feed_id, Cow::Borrowed("1")));
        assert!(matches!(d.productuuid, Some(Cow::Borrowed("p"))));
        let servers = d.joylink_server.as_deref().unwrap();
        assert!(matches!(servers[0], Cow::Borrowed("h:1")));
        assert!(matches!(&servers[1], Cow::Owned(s) if s == "x/y"));
        assert!(matches!(
            d.c_idt.as_ref().unwrap().cloud_sig,
            Cow::Borrowed("s")
        ));
        assert_eq!(d.server(), Some("h:1"));
    }

    /// The `Json` flavor's scan reply keeps a present `null` `code` as a value, not as absent,
    /// so it is written back.
    #[test]
    fn json_flavor_keeps_a_null_code() {
        let text = br#"{"code":null,"mac":"m","productuuid":"p"}"#;
        let r = crate::lan::ScanResponse::parse(text).unwrap();
        assert_eq!(r.code, Some(crate::lan::StreamValue::Null));
        let mut out = Vec::new();
        r.write_json(crate::lan::Style::Compact, &mut out).unwrap();
        assert_eq!(out, text);
    }

    /// `First` keeps element 0 and writes it back as a one-element array; `Skipped` reads any
    /// value; `Text` refuses an escape under both readers.
    #[test]
    fn core_field_types() {
        let f: First = serde_json::from_str(r#"["a",{"b":["\n"]},3]"#).unwrap();
        assert_eq!(f.0.map(|t| t.as_str()), Some("a"));
        assert_eq!(serde_json::to_string(&f).unwrap(), r#"["a"]"#);
        let f: First = serde_json::from_str("[]").unwrap();
        assert_eq!(
            (f.0, serde_json::to_string(&f).unwrap().as_str()),
            (None, "[]")
        );
        let (s, _) = serde_json_core::from_str::<crate::lan::ScanRequest<JsonCore>>(
            r#"{"uuid":{"a":["\"",1.5e3,null]},"productuuid":"\u0041"}"#,
        )
        .unwrap();
        assert_eq!((s.uuid, s.productuuid), (Some(Skipped), Some(Skipped)));
        assert!(serde_json::from_str::<Text>(r#""a\"""#).is_err());
        assert!(serde_json_core::from_str::<Text>(r#""a\"""#).is_err());
        assert_eq!(
            serde_json_core::from_str::<Text>(r#""ab""#).unwrap().0,
            Text("ab")
        );
        let key: Secret<Text> = "k3y".into();
        assert_eq!(key.raw_secret_str(), "k3y");
        assert!(!std::format!("{key:?}").contains("k3y"));
    }
}
