//! JSON control and snapshot, LAN types 3 and 103 (spec "6.4.2", i.e. 6.3.3, and 6.3.7).
//!
//! Request: app → device, enctype 3 (localkey), `timestamp ‖ {"cmd":4|5, ["feedid":…,] "data":…}`.
//! Answer: `timestamp ‖ {"code":…, …}` with the same key.
//!
//! compat §6.4, §6.8 — shipped devices send the answer to both 3 and 103 as packet
//! **type 4**; the SDK core does not interpret `cmd`/`data` (the application does), and sample
//! applications answer `{"code":0, "feedid":"…"}` without `data`.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lan::borrow;
use crate::lan::json_body::{self, JsonBody};
use crate::lan::printer::Style;
use crate::lan::value::{RawJson, StreamValue};

mod scan;

/// Which key a stream object writes first.
///
/// The spec's own example writes `{"stream_id":…,"current_value":…}` in `streams` and
/// `{"current_value":…,"stream_id":…}` in `snapshot` within one message (so does vector lan-07);
/// the order is kept so a parsed body re-encodes to the same bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum StreamKeyOrder {
    /// `stream_id` first.
    #[default]
    IdFirst,
    /// `current_value` first.
    ValueFirst,
}

/// One data point: `{"stream_id":…, "current_value":…}`. Required: both keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream<'a> {
    /// `stream_id`: the data point's name.
    pub stream_id: Cow<'a, str>,
    /// `current_value`, JSON kind kept.
    pub current_value: StreamValue<'a>,
    /// Key order on the wire.
    pub order: StreamKeyOrder,
}

impl<'a> Stream<'a> {
    /// A stream written `stream_id` first.
    pub fn new(stream_id: &'a str, current_value: impl Into<StreamValue<'a>>) -> Self {
        Self {
            stream_id: Cow::Borrowed(stream_id),
            current_value: current_value.into(),
            order: StreamKeyOrder::IdFirst,
        }
    }
}

impl Serialize for Stream<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Stream", 2)?;
        match self.order {
            StreamKeyOrder::IdFirst => {
                st.serialize_field("stream_id", &self.stream_id)?;
                st.serialize_field("current_value", &self.current_value)?;
            }
            StreamKeyOrder::ValueFirst => {
                st.serialize_field("current_value", &self.current_value)?;
                st.serialize_field("stream_id", &self.stream_id)?;
            }
        }
        st.end()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Stream<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(core::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Stream<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a stream object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Stream<'a>, A::Error> {
                let mut id: Option<Cow<'a, str>> = None;
                let mut value: Option<StreamValue<'a>> = None;
                let mut order = StreamKeyOrder::IdFirst;
                while let Some(key) = map.next_key::<borrow::CowText<'de>>()? {
                    match &*key.0 {
                        "stream_id" => {
                            if id.is_some() {
                                return Err(de::Error::duplicate_field("stream_id"));
                            }
                            id = Some(map.next_value::<borrow::CowText<'a>>()?.0);
                        }
                        "current_value" => {
                            if value.is_some() {
                                return Err(de::Error::duplicate_field("current_value"));
                            }
                            if id.is_none() {
                                order = StreamKeyOrder::ValueFirst;
                            }
                            value = Some(map.next_value()?);
                        }
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(Stream {
                    stream_id: id.ok_or_else(|| de::Error::missing_field("stream_id"))?,
                    current_value: value
                        .ok_or_else(|| de::Error::missing_field("current_value"))?,
                    order,
                })
            }
        }
        d.deserialize_map(V(core::marker::PhantomData))
    }
}

/// `data` of a control command (`cmd` 5). Required: `streams`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ControlData<'a> {
    /// `streams`: the values to set.
    #[serde(borrow)]
    pub streams: Vec<Stream<'a>>,
    /// `snapshot`: the full snapshot the app believes in ("控制时下发全量快照").
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Vec<Stream<'a>>>,
}

/// The command of a JSON control request, by `cmd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonCommand<'a> {
    /// `cmd` 4: get the snapshot; `data` is `{}` (its content is ignored on parse).
    Snapshot,
    /// `cmd` 5: control.
    Control(ControlData<'a>),
    /// Any other `cmd`, `data` kept as raw JSON (devices pass it to the application).
    Other {
        /// The `cmd` number.
        cmd: i64,
        /// `data` as received.
        data: RawJson<'a>,
    },
    /// No `cmd` key at all. The SDK core reads only `feedid` and hands the whole JSON to the
    /// application (compat §6.4), so shipped devices accept such a request; `data` is kept raw
    /// when present and both stay absent when the request is written again.
    Absent {
        /// `data` as received, if any.
        data: Option<RawJson<'a>>,
    },
}

impl JsonCommand<'_> {
    /// `cmd` for a snapshot.
    pub const SNAPSHOT: i64 = 4;
    /// `cmd` for a control.
    pub const CONTROL: i64 = 5;

    /// The `cmd` number; `None` for [`JsonCommand::Absent`].
    pub fn cmd(&self) -> Option<i64> {
        match self {
            JsonCommand::Snapshot => Some(Self::SNAPSHOT),
            JsonCommand::Control(_) => Some(Self::CONTROL),
            JsonCommand::Other { cmd, .. } => Some(*cmd),
            JsonCommand::Absent { .. } => None,
        }
    }
}

/// A JSON control request (type 3) or sub-device JSON control request (type 103, with `feedid`).
///
/// Required: `data` once `cmd` is there; for type 103 also `feedid` (checked by
/// [`crate::lan::parse`]). A request without `cmd` reads as [`JsonCommand::Absent`].
/// Written in the order `cmd`, `feedid`, `data` (vectors lan-07, lan-19).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonControlRequest<'a> {
    /// `feedid`: the sub-device addressed (type 103 only).
    pub feed_id: Option<Cow<'a, str>>,
    /// `cmd` with its `data`.
    pub command: JsonCommand<'a>,
}

impl<'a> JsonControlRequest<'a> {
    /// A snapshot request (`cmd` 4).
    pub fn snapshot() -> Self {
        Self {
            feed_id: None,
            command: JsonCommand::Snapshot,
        }
    }

    /// A control request (`cmd` 5).
    pub fn control(data: ControlData<'a>) -> Self {
        Self {
            feed_id: None,
            command: JsonCommand::Control(data),
        }
    }

    /// The same request addressed to a sub-device (type 103).
    #[must_use]
    pub fn with_feed_id(mut self, feed_id: &'a str) -> Self {
        self.feed_id = Some(Cow::Borrowed(feed_id));
        self
    }
}

struct EmptyObject;

impl Serialize for EmptyObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_struct("Empty", 0)?.end()
    }
}

impl Serialize for JsonControlRequest<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = usize::from(self.feed_id.is_some())
            .saturating_add(usize::from(self.command.cmd().is_some()))
            .saturating_add(1);
        let mut st = s.serialize_struct("JsonControlRequest", n)?;
        if let Some(cmd) = self.command.cmd() {
            st.serialize_field("cmd", &cmd)?;
        }
        if let Some(f) = &self.feed_id {
            st.serialize_field("feedid", f)?;
        }
        match &self.command {
            JsonCommand::Snapshot => st.serialize_field("data", &EmptyObject)?,
            JsonCommand::Control(c) => st.serialize_field("data", c)?,
            JsonCommand::Other { data, .. } => st.serialize_field("data", data)?,
            JsonCommand::Absent { data: Some(data) } => st.serialize_field("data", data)?,
            JsonCommand::Absent { data: None } => {}
        }
        st.end()
    }
}

/// The request's fields as they are when `data` comes before `cmd` (or from a JSON array):
/// `data` is kept raw and read once `cmd` is known.
#[derive(Deserialize)]
struct RequestFields<'a> {
    cmd: i64,
    #[serde(borrow, default, deserialize_with = "borrow::option")]
    #[serde(rename = "feedid")]
    feed_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: RawJson<'a>,
}

impl<'a> RequestFields<'a> {
    /// Reads the raw `data` by `cmd` (a second parse of `data`'s text for `cmd` 5).
    fn into_request<E: de::Error>(self) -> Result<JsonControlRequest<'a>, E> {
        let command = match self.cmd {
            JsonCommand::SNAPSHOT => JsonCommand::Snapshot,
            JsonCommand::CONTROL => {
                let text: &'a str = match self.data.borrowed_text() {
                    Some(t) => t,
                    None => return Err(E::custom("data is not borrowed")),
                };
                JsonCommand::Control(serde_json::from_str(text).map_err(E::custom)?)
            }
            cmd => JsonCommand::Other {
                cmd,
                data: self.data,
            },
        };
        Ok(JsonControlRequest {
            feed_id: self.feed_id,
            command,
        })
    }
}

/// Reads a request in one pass when `cmd` comes before `data` (as every known sender writes
/// it): `data` is then read straight into its type instead of being kept raw and parsed again.
/// When `data` comes first it is kept raw and read once `cmd` is known; the result, the
/// required fields and their errors are those of [`RequestFields`] either way.
struct RequestVisitor<'a>(core::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for RequestVisitor<'a> {
    type Value = JsonControlRequest<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct RequestFields")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        RequestFields::deserialize(de::value::SeqAccessDeserializer::new(seq))?.into_request()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut cmd: Option<i64> = None;
        let mut feed_id: Option<Option<Cow<'a, str>>> = None;
        let mut command: Option<JsonCommand<'a>> = None;
        // `data` seen before `cmd`.
        let mut raw_data: Option<RawJson<'a>> = None;
        while let Some(key) = map.next_key::<borrow::CowText<'de>>()? {
            match &*key.0 {
                "cmd" => {
                    if cmd.is_some() {
                        return Err(de::Error::duplicate_field("cmd"));
                    }
                    cmd = Some(map.next_value()?);
                }
                "feedid" => {
                    if feed_id.is_some() {
                        return Err(de::Error::duplicate_field("feedid"));
                    }
                    feed_id = Some(
                        map.next_value::<Option<borrow::CowText<'a>>>()?
                            .map(|t| t.0),
                    );
                }
                "data" => {
                    if command.is_some() || raw_data.is_some() {
                        return Err(de::Error::duplicate_field("data"));
                    }
                    match cmd {
                        Some(JsonCommand::SNAPSHOT) => {
                            map.next_value::<de::IgnoredAny>()?;
                            command = Some(JsonCommand::Snapshot);
                        }
                        Some(JsonCommand::CONTROL) => {
                            command = Some(JsonCommand::Control(map.next_value()?));
                        }
                        Some(cmd) => {
                            command = Some(JsonCommand::Other {
                                cmd,
                                data: map.next_value()?,
                            });
                        }
                        None => raw_data = Some(map.next_value()?),
                    }
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let feed_id = feed_id.unwrap_or_default();
        let Some(cmd) = cmd else {
            let command = JsonCommand::Absent { data: raw_data };
            return Ok(JsonControlRequest { feed_id, command });
        };
        match (command, raw_data) {
            (Some(command), _) => Ok(JsonControlRequest { feed_id, command }),
            (None, Some(data)) => RequestFields { cmd, feed_id, data }.into_request(),
            (None, None) => Err(de::Error::missing_field("data")),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonControlRequest<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct(
            "RequestFields",
            &["cmd", "feedid", "data"],
            RequestVisitor(core::marker::PhantomData),
        )
    }
}

impl<'a> JsonBody<'a> for JsonControlRequest<'a> {
    const STYLE: Style = Style::Compact;

    /// As the trait's `parse`; a control in the usual shape is read by a one-pass scanner
    /// (`scan.rs`: same result, about twice as fast), anything else by serde_json.
    fn parse(text: &'a [u8]) -> crate::Result<Self> {
        json_body::parse_with(text, scan::request)
    }
}

/// The answer to a JSON control or snapshot request (types 3/103; sent as type 4).
///
/// Success: `{"code":0, "data":[streams]}`; failure: `{"code":1, "msg":"err reason"}`; type 103
/// adds `feedid`. Required: `code`. Written in the order `code`, `feedid`, `msg`, `data`
/// (vector lan-20; the SDK's error sample `{"code":1, "feedid":…, "msg":…}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonControlResponse<'a> {
    /// `code`: 0 success, anything else failure (passed to the app as is).
    pub code: i32,
    /// `feedid` of the sub-device (type 103).
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(rename = "feedid")]
    pub feed_id: Option<Cow<'a, str>>,
    /// `msg`: the failure reason.
    #[serde(
        borrow,
        default,
        deserialize_with = "borrow::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<Cow<'a, str>>,
    /// `data`: the device's streams after the command.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<Stream<'a>>>,
}

impl<'a> JsonControlResponse<'a> {
    /// A success answer with the streams.
    pub fn success(data: Vec<Stream<'a>>) -> Self {
        Self {
            code: 0,
            feed_id: None,
            msg: None,
            data: Some(data),
        }
    }

    /// A failure answer.
    pub fn failure(code: i32, msg: &'a str) -> Self {
        Self {
            code,
            feed_id: None,
            msg: Some(Cow::Borrowed(msg)),
            data: None,
        }
    }

    /// `code == 0`.
    pub fn is_success(&self) -> bool {
        self.code == 0
    }
}

impl<'a> JsonBody<'a> for JsonControlResponse<'a> {
    const STYLE: Style = Style::Compact;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_order_is_kept() {
        let text = br#"{"cmd":5,"data":{"streams":[{"stream_id":"switch","current_value":"1"}],"snapshot":[{"current_value":1,"stream_id":"switch"}]}}"#;
        let r = JsonControlRequest::parse(text).unwrap();
        let JsonCommand::Control(c) = &r.command else {
            panic!()
        };
        assert_eq!(c.streams[0].order, StreamKeyOrder::IdFirst);
        assert_eq!(
            c.snapshot.as_ref().unwrap()[0].order,
            StreamKeyOrder::ValueFirst
        );
        assert!(matches!(c.streams[0].stream_id, Cow::Borrowed("switch")));
        assert_eq!(r.to_json().unwrap(), text);
    }

    /// compat §6.4: the SDK core does not require `cmd` (a third-party client may leave it out).
    #[test]
    fn request_without_cmd_marks_it_absent() {
        for (text, data) in [
            (
                &br#"{"feedid":"f1","data":{"streams":[]}}"#[..],
                Some(r#"{"streams":[]}"#),
            ),
            (br#"{"feedid":"f1"}"#, None),
            (br#"{"data":{"x":1}}"#, Some(r#"{"x":1}"#)),
        ] {
            let r = JsonControlRequest::parse(text).unwrap();
            let JsonCommand::Absent { data: got } = &r.command else {
                panic!("{:?}", r.command)
            };
            assert_eq!(got.as_ref().map(|d| d.get()), data);
            assert_eq!(r.command.cmd(), None);
            assert_eq!(r.to_json().unwrap(), text);
        }
    }

    #[test]
    fn unknown_command_keeps_data() {
        let text = br#"{"cmd":9,"data":{"x":[1,2]}}"#;
        let r = JsonControlRequest::parse(text).unwrap();
        assert_eq!(r.command.cmd(), Some(9));
        assert_eq!(r.to_json().unwrap(), text);
    }

    #[test]
    fn missing_fields_are_named() {
        for (text, field) in [
            (&br#"{"cmd":4}"#[..], "data"),
            (br#"{"cmd":5,"data":{}}"#, "streams"),
            (
                br#"{"cmd":5,"data":{"streams":[{"stream_id":"a"}]}}"#,
                "current_value",
            ),
        ] {
            // The error names the body and points into the object that lacks `field`.
            let e = JsonControlRequest::parse(text).unwrap_err();
            assert!(
                matches!(e, crate::Error::Json { what: "JsonControlRequest", line: 1, column }
                    if column > 0 && column <= text.len()),
                "{field}: {e:?}"
            );
        }
        let e = JsonControlResponse::parse(br#"{"msg":"x"}"#).unwrap_err();
        assert!(
            matches!(e, crate::Error::Json { what: "JsonControlResponse", line: 1, column } if column > 0),
            "{e:?}"
        );
    }
}
