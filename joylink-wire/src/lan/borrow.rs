//! Borrowing deserializers for `Cow<'a, str>` inside `Option` (and, through
//! [`CowText`], the `Json` flavor's strings and lists: `lan::flavor`; not the `JsonCore` flavor's
//! `lan::Text`, which never owns).
//!
//! serde's `#[serde(borrow)]` borrows a bare `Cow<'a, str>` field, but an `Option<Cow<'a, str>>`
//! or `Vec<Cow<'a, str>>` always comes out owned. These helpers (used with `deserialize_with`)
//! borrow from the input whenever the JSON string has no escapes, like the bare case.

use alloc::borrow::Cow;

use serde::{Deserialize, Deserializer};

/// A `Cow<str>` that borrows when it can.
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct CowText<'a>(#[serde(borrow)] pub(crate) Cow<'a, str>);

/// Parses one JSON string literal, borrowing when it has no escapes.
pub(crate) fn cow_str(text: &str) -> Result<Cow<'_, str>, serde_json::Error> {
    serde_json::from_str::<CowText<'_>>(text).map(|t| t.0)
}

/// `deserialize_with` for `Option<Cow<'a, str>>` (pair with `#[serde(default)]`).
pub(crate) fn option<'de: 'a, 'a, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Cow<'a, str>>, D::Error> {
    Option::<CowText<'a>>::deserialize(d).map(|o| o.map(|t| t.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[derive(Deserialize)]
    struct S<'a> {
        #[serde(borrow, default, deserialize_with = "option")]
        a: Option<Cow<'a, str>>,
        #[serde(borrow)]
        l: Option<Vec<CowText<'a>>>,
    }

    #[test]
    fn borrows_without_escapes() {
        let s: S = serde_json::from_str(r#"{"a":"x","l":["y","z\n"]}"#).unwrap();
        assert!(matches!(s.a, Some(Cow::Borrowed("x"))));
        let l = s.l.unwrap();
        assert!(matches!(l[0].0, Cow::Borrowed("y")));
        assert!(matches!(&l[1].0, Cow::Owned(z) if z == "z\n"));
        let s: S = serde_json::from_str(r#"{}"#).unwrap();
        assert!(s.a.is_none() && s.l.is_none());
    }
}
