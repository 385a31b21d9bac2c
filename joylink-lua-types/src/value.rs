//! Helpers over wire's JSON value types ([`Stream`], [`StreamValue`](joylink_wire::lan::StreamValue),
//! [`JsonNumber`](joylink_wire::lan::JsonNumber), [`RawJson`](joylink_wire::lan::RawJson),
//! [`FeedId`](joylink_wire::lan::FeedId)), which this crate re-exports rather than re-declares.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};

use joylink_wire::lan::Stream;

/// Finds a stream by id in a list (first match).
///
/// ```
/// use joylink_lua_types::{Stream, StreamValue, find_stream};
/// let streams = [Stream::new("power", StreamValue::string("1"))];
/// assert_eq!(find_stream(&streams, "power").and_then(|s| s.current_value.as_i64()), Some(1));
/// assert!(find_stream(&streams, "mode").is_none());
/// ```
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
