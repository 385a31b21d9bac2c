//! The script contract `jds2pri` / `pri2jds` (spec 13.2, 13.3) as a Rust trait, so a gateway or
//! cloud can plug in a translator written in Rust or a vendor's Lua script
//! ([`LuaTranslator`](crate::LuaTranslator), feature `lua`) interchangeably.

use std::vec::Vec;

use joylink_wire::BizCode;

use crate::error::Result;

/// Turns JD standard JSON into a device's private bytes and back.
///
/// The spec's three return values map to Rust like this: the error code (0 success, −1 failure)
/// becomes `Ok`/`Err` ([`Error::ScriptFailed`](crate::Error::ScriptFailed) carries a non-zero
/// code); `jds2pri`'s length and bytes become a [`Jds2Pri`] (the bytes, or "no command" when
/// there is nothing to send); `pri2jds`'s JSON and biz_code become a [`Pri2Jds`].
///
/// A gateway or cloud holds a `Box<dyn Translator>` (or `&mut dyn Translator`) and does not care
/// whether a product's translator is a Lua script or Rust code.
///
/// # Examples
/// A translator written in Rust for a lamp whose private protocol is one byte, `0`/`1`:
/// ```
/// use joylink_lua_types::{
///     ControlRequest, Error, Jds2Pri, Pri2Jds, Result, StreamValue, Translator, find_stream,
/// };
/// use joylink_wire::BizCode;
///
/// struct Lamp;
///
/// impl Translator for Lamp {
///     fn jds2pri(&mut self, biz_code: BizCode, cmd: &str) -> Result<Jds2Pri> {
///         match biz_code {
///             BizCode::Snapshot => Ok(Jds2Pri::Command(vec![b'?'])),
///             BizCode::Control => {
///                 let req: ControlRequest<'_> = serde_json::from_str(cmd)?;
///                 match find_stream(&req.streams, "power").map(|s| s.current_value.as_i64()) {
///                     Some(Some(on)) => Ok(Jds2Pri::Command(vec![u8::from(on != 0)])),
///                     // Not a data point of this lamp: nothing to send.
///                     _ => Ok(Jds2Pri::NoCommand),
///                 }
///             }
///             other => Err(Error::UnsupportedBizCode(other.value())),
///         }
///     }
///
///     fn pri2jds(&mut self, biz_code: BizCode, bin: &[u8]) -> Result<Pri2Jds> {
///         let on = match bin {
///             [b] => *b,
///             _ => return Err(Error::MalformedFrame("one byte expected")),
///         };
///         let json = format!(
///             r#"{{"code":0,"streams":[{{"stream_id":"power","current_value":{on}}}]}}"#
///         );
///         let biz_code = if biz_code == BizCode::Snapshot {
///             BizCode::SnapshotResponse
///         } else {
///             BizCode::from(0) // an upload
///         };
///         Ok(Pri2Jds { json: json.into_bytes(), biz_code })
///     }
/// }
///
/// let mut t: Box<dyn Translator> = Box::new(Lamp);
/// let on = r#"{"streams":[{"stream_id":"power","current_value":"1"}]}"#;
/// assert_eq!(t.jds2pri(BizCode::Control, on)?, Jds2Pri::Command(vec![1]));
/// let other = r#"{"streams":[{"stream_id":"color","current_value":"red"}]}"#;
/// assert_eq!(t.jds2pri(BizCode::Control, other)?, Jds2Pri::NoCommand);
/// let out = t.pri2jds(BizCode::Snapshot, &[1])?;
/// assert_eq!(out.biz_code, BizCode::SnapshotResponse);
/// let doc: joylink_lua_types::SnapshotResponse<'_> = serde_json::from_slice(&out.json)?;
/// assert_eq!(doc.streams[0].current_value, StreamValue::int(1));
/// # Ok::<(), Error>(())
/// ```
pub trait Translator {
    /// JD standard JSON → private bytes (spec 13.2, `jds2pri(bizcode, cmd)`).
    ///
    /// `biz_code` says what `cmd` is (1002 control, 1004 snapshot, 1050 recipe, …, spec 3.7).
    /// `cmd` is always a JSON document: a snapshot request, which has no body (spec 13.4.3), is
    /// passed as `{}` (what [`SnapshotRequest`](crate::SnapshotRequest) serializes to) or as the
    /// request's body as received, never as an empty string, because real vendor scripts
    /// `cjson.decode` every input whatever its biz_code.
    ///
    /// # Errors
    /// Whatever the translator reports: [`Error::ScriptFailed`](crate::Error::ScriptFailed) for a
    /// refused command, [`Error::Json`](crate::Error::Json) for a document it cannot read, and the
    /// runner's errors for scripts.
    fn jds2pri(&mut self, biz_code: BizCode, cmd: &str) -> Result<Jds2Pri>;

    /// Private bytes → JD standard JSON (spec 13.3, `pri2jds(bizcode, length, bin)`).
    ///
    /// `biz_code` is the request's code when the bytes answer one, or `BizCode::from(0)` when the
    /// caller cannot tell (spontaneous upload; "无法确定 bizcode 的产品，bizcode 可填入 0").
    ///
    /// # Errors
    /// As for [`Translator::jds2pri`];
    /// [`Error::MalformedFrame`](crate::Error::MalformedFrame) for bytes it does not understand.
    fn pri2jds(&mut self, biz_code: BizCode, bin: &[u8]) -> Result<Pri2Jds>;
}

/// What `jds2pri` produced: the bytes to send to the device, or nothing.
///
/// A script says "nothing to send" by returning a length of 0: JD's own microwave-oven script
/// returns `0, 0, nil` for a control whose data point it does not recognise. That is success
/// (the command is not for this device), not an error, so it gets its own variant rather than an
/// empty `Vec` a caller could send by mistake.
///
/// # Examples
/// ```
/// use joylink_lua_types::Jds2Pri;
/// let cmd = Jds2Pri::Command(vec![0xA5, 0x02, 0x00, 0x02]);
/// assert_eq!(cmd.bytes(), Some(&[0xA5, 0x02, 0x00, 0x02][..]));
/// assert_eq!(Jds2Pri::NoCommand.bytes(), None);
/// assert_eq!(cmd.into_bytes().map(|b| b.len()), Some(4));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Jds2Pri {
    /// The private bytes to send to the device (never empty when a [`LuaTranslator`] made it).
    ///
    /// [`LuaTranslator`]: crate::LuaTranslator
    Command(Vec<u8>),
    /// Nothing to send: the translator recognised no command for this device in the document.
    NoCommand,
}

impl Jds2Pri {
    /// The bytes to send, `None` for [`Jds2Pri::NoCommand`].
    #[must_use]
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Jds2Pri::Command(b) => Some(b),
            Jds2Pri::NoCommand => None,
        }
    }

    /// The bytes to send, by value; `None` for [`Jds2Pri::NoCommand`].
    #[must_use]
    pub fn into_bytes(self) -> Option<Vec<u8>> {
        match self {
            Jds2Pri::Command(b) => Some(b),
            Jds2Pri::NoCommand => None,
        }
    }
}

/// What `pri2jds` produced: the JSON text and the biz_code it answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pri2Jds {
    /// The standard JSON document, as the translator wrote it. Bytes, not `String`: the C engine
    /// passes script strings through unchecked, and a GBK-encoded script can emit GBK text.
    /// Parse it with `serde_json::from_slice` into e.g. [`ControlResponseDoc`](crate::ControlResponseDoc).
    pub json: Vec<u8>,
    /// The biz_code of the document (102 control response, 104 snapshot, 0 upload, …).
    pub biz_code: BizCode,
}

impl<T: Translator + ?Sized> Translator for &mut T {
    fn jds2pri(&mut self, biz_code: BizCode, cmd: &str) -> Result<Jds2Pri> {
        (**self).jds2pri(biz_code, cmd)
    }

    fn pri2jds(&mut self, biz_code: BizCode, bin: &[u8]) -> Result<Pri2Jds> {
        (**self).pri2jds(biz_code, bin)
    }
}

impl<T: Translator + ?Sized> Translator for std::boxed::Box<T> {
    fn jds2pri(&mut self, biz_code: BizCode, cmd: &str) -> Result<Jds2Pri> {
        (**self).jds2pri(biz_code, cmd)
    }

    fn pri2jds(&mut self, biz_code: BizCode, bin: &[u8]) -> Result<Pri2Jds> {
        (**self).pri2jds(biz_code, bin)
    }
}
