//! The LAN JSON envelopes `{"cmd": 4|5|6, "feedid"?, "data": …}` (spec "6.4.2" = 6.3.3 type 3,
//! 6.3.5 type 105, 6.3.7 type 103) and their responses.
//!
//! On the wire these follow the 4-byte timestamp of the decrypted payload; this module sees only
//! the JSON text.
//!
//! compat §6.4: the SDK core reads only `feedid` and hands the whole document to the
//! application, and the reply to type 3/103 travels as packet type 4. The `{"code":0,"data":[…]}`
//! reply is the spec's convention; shipped SDK examples send `{"code":0, "feedid":"…"}`, which
//! [`LanResponse`] also accepts (everything but `code` is optional).

use std::borrow::Cow;
use std::vec::Vec;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use joylink_wire::lan::{RawJson, Stream};

use crate::control::ControlRequest;
use crate::snapshot::SnapshotRequest;

/// The envelope's `cmd` number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LanCmd {
    /// 4: get the snapshot; `data` is `{}`.
    Snapshot,
    /// 5: control; `data` is a [`ControlRequest`].
    Control,
    /// 6: add a sub-device (type 105, spec 6.3.5); `data` is an [`AddSubDevice`].
    AddSubDevice,
    /// Any other number; `data` is kept raw.
    Unknown(u32),
}

impl From<u32> for LanCmd {
    fn from(n: u32) -> Self {
        match n {
            4 => LanCmd::Snapshot,
            5 => LanCmd::Control,
            6 => LanCmd::AddSubDevice,
            n => LanCmd::Unknown(n),
        }
    }
}

impl From<LanCmd> for u32 {
    fn from(c: LanCmd) -> u32 {
        match c {
            LanCmd::Snapshot => 4,
            LanCmd::Control => 5,
            LanCmd::AddSubDevice => 6,
            LanCmd::Unknown(n) => n,
        }
    }
}

impl Serialize for LanCmd {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(u32::from(*self))
    }
}

impl<'de> Deserialize<'de> for LanCmd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u32::deserialize(deserializer).map(LanCmd::from)
    }
}

/// A LAN JSON request (spec "6.4.2"/6.3.3, 6.3.5, 6.3.7).
///
/// `data` is decoded according to `cmd`. Unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LanRequest<'a> {
    /// What the request asks for.
    pub cmd: LanCmd,
    /// The sub-device's id (its MAC) for type 103; absent for type 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedid: Option<Cow<'a, str>>,
    /// The body, typed by `cmd`.
    pub data: LanRequestData<'a>,
}

/// The `data` of a [`LanRequest`], chosen by its `cmd`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LanRequestData<'a> {
    /// cmd 4: `{}` ("获取快照时传入空对象").
    Snapshot(SnapshotRequest),
    /// cmd 5: streams + full snapshot.
    Control(ControlRequest<'a>),
    /// cmd 6: the sub-device to add.
    AddSubDevice(AddSubDevice<'a>),
    /// Any other cmd: the raw JSON.
    Other(RawJson<'a>),
}

impl<'de: 'a, 'a> Deserialize<'de> for LanRequest<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire<'a> {
            cmd: LanCmd,
            #[serde(borrow, default, deserialize_with = "crate::value::opt_cow_str")]
            feedid: Option<Cow<'a, str>>,
            #[serde(borrow)]
            data: &'a serde_json::value::RawValue,
        }
        let w = Wire::deserialize(deserializer)?;
        let text: &'de str = w.data.get();
        let data = match w.cmd {
            LanCmd::Snapshot => LanRequestData::Snapshot(
                serde_json::from_str(text).map_err(|e| D::Error::custom(DataError(e)))?,
            ),
            LanCmd::Control => LanRequestData::Control(
                serde_json::from_str(text).map_err(|e| D::Error::custom(DataError(e)))?,
            ),
            LanCmd::AddSubDevice => LanRequestData::AddSubDevice(
                serde_json::from_str(text).map_err(|e| D::Error::custom(DataError(e)))?,
            ),
            LanCmd::Unknown(_) => {
                LanRequestData::Other(RawJson::parse(text).map_err(D::Error::custom)?)
            }
        };
        Ok(LanRequest {
            cmd: w.cmd,
            feedid: w.feedid,
            data,
        })
    }
}

/// Prefixes errors inside `data` so the message says where the problem is.
struct DataError(serde_json::Error);

impl core::fmt::Display for DataError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "in `data`: {}", self.0)
    }
}

/// The sub-device to add, `data` of cmd 6 (spec 6.3.5, type 105).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddSubDevice<'a> {
    /// The sub-device's MAC address or device id.
    #[serde(borrow)]
    pub mac: Cow<'a, str>,
    /// Its product uuid.
    #[serde(borrow)]
    pub productuuid: Cow<'a, str>,
    /// Radio: 0 Wi-Fi, 1 Zigbee, 2 Bluetooth, 3 433 MHz.
    pub protocol: u32,
}

/// Reply to a LAN JSON request (spec "6.4.2"/6.3.3, 6.3.7), success or failure.
///
/// Unknown keys are ignored; everything but `code` is optional (see the module doc).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanResponse<'a> {
    /// 0 = success; otherwise failure, `msg` is shown in the APP.
    pub code: i32,
    /// Failure reason.
    #[serde(
        borrow,
        default,
        deserialize_with = "crate::value::opt_cow_str",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<Cow<'a, str>>,
    /// The sub-device's id, for type 103.
    #[serde(
        borrow,
        default,
        deserialize_with = "crate::value::opt_cow_str",
        skip_serializing_if = "Option::is_none"
    )]
    pub feedid: Option<Cow<'a, str>>,
    /// The snapshot (note: `data` is the stream *array* here, not an object).
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<Stream<'a>>>,
}

/// Reply to "add sub-device", type 105 (spec 6.3.5).
///
/// compat §6.6: E207/E208 send `"msg": ""`; unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddSubDeviceResponse<'a> {
    /// 0 = success.
    pub code: i32,
    /// Text, "success" from E209 on.
    #[serde(
        borrow,
        default,
        deserialize_with = "crate::value::opt_cow_str",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<Cow<'a, str>>,
    /// The sub-device's product uuid.
    #[serde(borrow)]
    pub productuuid: Cow<'a, str>,
    /// The sub-device's MAC or id.
    #[serde(borrow)]
    pub mac: Cow<'a, str>,
}
