//! [`Secret`]: the one wrapper every key a body carries travels in (the session key of the cloud's
//! auth answer, spec 7.3.2; the `accesskey`/`localkey` of the write-key and sub-device auth
//! requests, spec 6.3.2 and 6.3.6; the video response's `access_key`, spec 7.3.26).
//!
//! See [`Secret`] for what the wrapper promises and why.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::codec::{Codec, Reader, Writer};

mod sealed {
    /// Closes [`super::SecretValue`]: only the shapes this crate wipes correctly qualify.
    pub trait Sealed {}
}

/// What a [`Secret`] can hold: a fixed-size byte array (`[u8; N]`), or — with the `alloc`
/// feature — a key text (`Cow<'a, str>`, borrowed from the plaintext when it has no JSON
/// escapes), or — with `json` or `json-core` — a key read in place
/// ([`lan::Text`], the caller's buffer: nothing to wipe). Sealed: the
/// wipe-on-drop promise holds only for these shapes.
///
#[cfg_attr(
    any(feature = "json", feature = "json-core"),
    doc = "[`lan::Text`]: crate::lan::Text"
)]
#[cfg_attr(
    not(any(feature = "json", feature = "json-core")),
    doc = "[`lan::Text`]: crate#features"
)]
pub trait SecretValue: sealed::Sealed {
    /// The secret bytes.
    #[doc(hidden)]
    fn secret_bytes(&self) -> &[u8];
    /// Overwrites whatever this value owns with zeros.
    #[doc(hidden)]
    fn wipe(&mut self);
}

impl<const N: usize> sealed::Sealed for [u8; N] {}
impl<const N: usize> SecretValue for [u8; N] {
    fn secret_bytes(&self) -> &[u8] {
        self
    }
    fn wipe(&mut self) {
        self.zeroize();
    }
}

#[cfg(feature = "alloc")]
impl sealed::Sealed for alloc::borrow::Cow<'_, str> {}
#[cfg(feature = "alloc")]
impl SecretValue for alloc::borrow::Cow<'_, str> {
    fn secret_bytes(&self) -> &[u8] {
        self.as_bytes()
    }
    fn wipe(&mut self) {
        // A borrowed text lives in the caller's buffer; only an owned copy is ours to wipe.
        if let alloc::borrow::Cow::Owned(s) = self {
            s.zeroize();
        }
    }
}

#[cfg(any(feature = "json", feature = "json-core"))]
impl sealed::Sealed for crate::lan::Text<'_> {}
#[cfg(any(feature = "json", feature = "json-core"))]
impl SecretValue for crate::lan::Text<'_> {
    fn secret_bytes(&self) -> &[u8] {
        self.as_str().as_bytes()
    }
    fn wipe(&mut self) {
        // Read in place: the text is the caller's buffer, nothing here is ours to wipe.
    }
}

/// A key, with redacted `Debug`, constant-time `==`, no `Copy`, and a wipe on drop.
///
/// The wrapper makes the safe thing the default for every message that holds one:
/// - `Debug` prints `Secret(..)`: a `{:?}` of a decoded message, a log line or a panic message never
///   shows key bytes;
/// - `==` runs in constant time over the bytes ([`subtle`]), so comparing a received key with a
///   stored one does not reveal how many leading bytes agree (the *length* is not hidden: key
///   lengths are public in this protocol);
/// - it is neither `Copy` nor `Hash`, so a key is never duplicated or fingerprinted silently;
/// - dropping it wipes what it owns ([`zeroize`]): the array of a binary key, or the `String` of a
///   key text that had to be unescaped. A key text *borrowed* from the caller's plaintext buffer
///   is the caller's to wipe: this crate never owns that buffer.
///
/// The bytes stay reachable through the `raw_secret_` accessors, named so that every place that
/// reads a key is easy to find in review. This crate sits below joylink-crypto, so its key types
/// can wrap a `Secret` rather than repeat these guarantees.
///
/// ```
/// use joylink_wire::Secret;
///
/// let a = Secret::new(*b"be4d957a4da771d609ab383e548014a0");
/// let b = Secret::new(*b"be4d957a4da771d609ab383e548014a0");
/// assert_eq!(format!("{a:?}"), "Secret(..)");
/// assert!(a == b);
/// assert_eq!(&a.raw_secret_bytes()[..4], b"be4d");
/// ```
///
/// It is not `Copy` (a copy would escape the wipe):
/// ```compile_fail
/// let a = joylink_wire::Secret::new([7u8; 32]);
/// let b = a;
/// let c = a; // use of moved value
/// ```
pub struct Secret<T: SecretValue>(T);

/// A key text from a JSON body (`accesskey`, `localkey`, `access_key`).
#[cfg(feature = "alloc")]
pub type SecretText<'a> = Secret<alloc::borrow::Cow<'a, str>>;

impl<T: SecretValue> Secret<T> {
    /// Wraps a key.
    pub const fn new(value: T) -> Self {
        Self(value)
    }

    /// The key itself (secret: do not log it).
    pub const fn raw_secret(&self) -> &T {
        &self.0
    }

    /// The key's bytes (secret: do not log them).
    pub fn raw_secret_bytes(&self) -> &[u8] {
        self.0.secret_bytes()
    }
}

impl<const N: usize> Secret<[u8; N]> {
    /// Copies a key of exactly `N` bytes out of a slice.
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) when shorter,
    /// [`Error::TrailingData`](crate::Error::TrailingData) when longer.
    pub fn from_slice(bytes: &[u8]) -> crate::Result<Self> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        r.expect_empty("secret")?;
        Ok(v)
    }

    /// The key as an array (secret: do not log it).
    pub const fn raw_secret_array(&self) -> &[u8; N] {
        &self.0
    }
}

#[cfg(feature = "alloc")]
impl<'a> Secret<alloc::borrow::Cow<'a, str>> {
    /// Wraps a key text borrowed from the caller.
    pub const fn borrowed(text: &'a str) -> Self {
        Self(alloc::borrow::Cow::Borrowed(text))
    }

    /// The key text (secret: do not log it).
    pub fn raw_secret_str(&self) -> &str {
        &self.0
    }
}

impl<T: SecretValue> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

#[cfg(feature = "alloc")]
impl<'a> From<&'a str> for Secret<alloc::borrow::Cow<'a, str>> {
    fn from(text: &'a str) -> Self {
        Self::borrowed(text)
    }
}

impl<T: SecretValue + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

/// Constant time in the bytes; keys of different lengths are unequal at once (lengths are public).
impl<T: SecretValue> PartialEq for Secret<T> {
    fn eq(&self, other: &Self) -> bool {
        self.raw_secret_bytes()
            .ct_eq(other.raw_secret_bytes())
            .into()
    }
}

impl<T: SecretValue> Eq for Secret<T> {}

impl<T: SecretValue> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl<T: SecretValue> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.wipe();
    }
}

impl<T: SecretValue> zeroize::ZeroizeOnDrop for Secret<T> {}

impl<const N: usize> Codec for Secret<[u8; N]> {
    const SIZE: usize = N;
    fn read(r: &mut Reader<'_>) -> crate::Result<Self> {
        <[u8; N]>::read(r).map(Self)
    }
    fn write(self, w: &mut Writer<'_>) -> crate::Result<()> {
        w.put(&self.0)
    }
}

/// A binary key persists as its bytes (a cloud machine's saved session: joylink-session's
/// `wan::Cloud` with `serde`): the serialized form holds the key, store it like one. The array
/// sizes a key has in this protocol (16 and 32 bytes) are the ones serde supports.
#[cfg(feature = "serde")]
impl<const N: usize> serde::Serialize for Secret<[u8; N]>
where
    [u8; N]: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// Reads the bytes [`Serialize`](serde::Serialize) wrote.
#[cfg(feature = "serde")]
impl<'de, const N: usize> serde::Deserialize<'de> for Secret<[u8; N]>
where
    [u8; N]: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        <[u8; N]>::deserialize(d).map(Self)
    }
}

/// A key text serializes as the JSON string it is on the wire (encoding a request needs it);
/// serializing a message for display therefore shows it — redaction is `Debug`'s job.
#[cfg(all(feature = "serde", feature = "alloc"))]
impl serde::Serialize for Secret<alloc::borrow::Cow<'_, str>> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Borrows from the input when the JSON string has no escapes (pair with `#[serde(borrow)]`).
#[cfg(all(feature = "serde", feature = "alloc"))]
impl<'de: 'a, 'a> serde::Deserialize<'de> for Secret<alloc::borrow::Cow<'a, str>> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = alloc::borrow::Cow<'de, str>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> core::result::Result<Self::Value, E> {
                Ok(alloc::borrow::Cow::Borrowed(v))
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> core::result::Result<Self::Value, E> {
                Ok(alloc::borrow::Cow::Owned(alloc::string::String::from(v)))
            }
        }
        d.deserialize_str(Visit).map(Secret)
    }
}

#[cfg(test)]
mod tests {

    //! What keeps the README's "wiped on drop" and "redacted `Debug`" true for [`Secret`]:
    //!
    //! | promise | check |
    //! | --- | --- |
    //! | `Secret<T>` wipes on drop, for every `T` | `zeroize_on_drop_and_a_drop_impl` (`ZeroizeOnDrop` bound, `T: Drop` bound: its own `Drop` impl, `needs_drop` for the array that has no drop glue) |
    //! | that `Drop` calls `SecretValue::wipe` | `drop_calls_wipe` (a probe value that records its wipe) |
    //! | `wipe` zeroes an array, an owned text | `wipe_clears_owned_bytes`, `text_borrows_unless_escaped_and_compares` |
    //! | `Debug` shows no key byte | `debug_redacts_and_eq_compares_bytes` (text, hex either case, decimal list, `{:?}` and `{:#?}`) |
    //!
    //! The messages that carry a `Secret` are checked in `tests/secrets.rs`.
    use super::*;
    use core::cell::Cell;
    use std::format;

    fn zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}

    /// `T: Drop` holds only for a type with its own `Drop` impl, not for drop glue.
    #[allow(drop_bounds)]
    fn has_drop_impl<T: Drop>() {}

    #[test]
    fn zeroize_on_drop_and_a_drop_impl() {
        zeroize_on_drop::<Secret<[u8; 16]>>();
        zeroize_on_drop::<Secret<[u8; 32]>>();
        has_drop_impl::<Secret<[u8; 16]>>();
        has_drop_impl::<Secret<[u8; 32]>>();
        // A bare array has no drop glue: only the wipe makes dropping a `Secret` run code.
        assert!(!core::mem::needs_drop::<[u8; 32]>());
        assert!(core::mem::needs_drop::<Secret<[u8; 32]>>());
        #[cfg(feature = "alloc")]
        {
            zeroize_on_drop::<SecretText<'static>>();
            has_drop_impl::<SecretText<'static>>();
        }
        #[cfg(any(feature = "json", feature = "json-core"))]
        {
            zeroize_on_drop::<Secret<crate::lan::Text<'static>>>();
            has_drop_impl::<Secret<crate::lan::Text<'static>>>();
        }
    }

    /// A value that reports, through the caller's cell, what its bytes were once wiped.
    struct Probe<'a> {
        bytes: [u8; 4],
        after_wipe: &'a Cell<Option<[u8; 4]>>,
    }
    impl sealed::Sealed for Probe<'_> {}
    impl SecretValue for Probe<'_> {
        fn secret_bytes(&self) -> &[u8] {
            &self.bytes
        }
        fn wipe(&mut self) {
            self.bytes.wipe();
            self.after_wipe.set(Some(self.bytes));
        }
    }

    #[test]
    fn drop_calls_wipe() {
        let after_wipe = Cell::new(None);
        let s = Secret::new(Probe {
            bytes: [0x11, 0x12, 0x13, 0x14],
            after_wipe: &after_wipe,
        });
        assert_eq!(after_wipe.get(), None, "not before the drop");
        drop(s);
        assert_eq!(after_wipe.get(), Some([0; 4]), "wiped on drop");
    }

    use joylink_test_vectors::secret_leak as leak;

    #[test]
    fn debug_redacts_and_eq_compares_bytes() {
        let key: [u8; 32] = core::array::from_fn(|i| 0x11 + u8::try_from(i).unwrap());
        for leaked in [
            format!("{key:?}"),
            format!("{key:#?}"),
            format!("{key:x?}"),
            format!("{key:#X?}"),
        ] {
            assert!(leak(&leaked, &key).is_some(), "the check sees {leaked}");
        }
        let a = Secret::new(key);
        let text = format!("{a:?}\n{a:#?}");
        assert_eq!(leak(&text, &key), None, "{text}");
        assert_eq!(format!("{a:?}"), "Secret(..)");
        #[cfg(feature = "alloc")]
        {
            let t: SecretText<'_> = Secret::borrowed("Qx7#Lp2@Vm9!Rk4$Tz6%Wn8^Hy3&Jd5*");
            let text = format!("{t:?}\n{t:#?}");
            assert_eq!(leak(&text, t.raw_secret_bytes()), None, "{text}");
        }
        let a = Secret::new([0xab_u8; 32]);
        assert!(a == Secret::new([0xab; 32]));
        let mut other = [0xab; 32];
        other[31] = 0;
        assert!(a != Secret::new(other));
        assert!(a.clone() == a);
    }

    #[test]
    fn from_slice_wants_exactly_n_bytes() {
        assert_eq!(
            Secret::<[u8; 2]>::from_slice(&[1, 2]).map(|s| *s.raw_secret_array()),
            Ok([1, 2])
        );
        assert!(Secret::<[u8; 2]>::from_slice(&[1]).is_err());
        assert!(Secret::<[u8; 2]>::from_slice(&[1, 2, 3]).is_err());
    }

    #[test]
    fn wipe_clears_owned_bytes() {
        let mut k = [9u8; 4];
        SecretValue::wipe(&mut k);
        assert_eq!(k, [0; 4]);
    }

    #[cfg(feature = "json")]
    #[test]
    fn text_borrows_unless_escaped_and_compares() {
        use alloc::borrow::Cow;
        let s: SecretText<'_> = serde_json::from_str(r#""0123abcd""#).unwrap();
        assert!(matches!(s.raw_secret(), Cow::Borrowed("0123abcd")));
        let e: SecretText<'_> = serde_json::from_str(r#""0123\u0061bcd""#).unwrap();
        assert!(matches!(e.raw_secret(), Cow::Owned(_)));
        assert!(s == e);
        assert_eq!(serde_json::to_string(&e).unwrap(), r#""0123abcd""#);
        assert_eq!(format!("{e:?}"), "Secret(..)");
        let mut owned: Cow<'_, str> = Cow::Owned("secret".into());
        SecretValue::wipe(&mut owned);
        assert!(
            owned.is_empty(),
            "zeroize wipes the bytes, then clears the String"
        );
        let mut borrowed: Cow<'_, str> = Cow::Borrowed("secret");
        SecretValue::wipe(&mut borrowed);
        assert_eq!(borrowed, "secret", "the caller's buffer is not ours");
    }
}
