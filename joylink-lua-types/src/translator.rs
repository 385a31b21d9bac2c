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
/// code); `jds2pri`'s length and bytes become one `Vec<u8>`; `pri2jds`'s JSON and biz_code become a
/// [`Pri2Jds`].
pub trait Translator {
    /// JD standard JSON → private bytes (spec 13.2, `jds2pri(bizcode, cmd)`).
    ///
    /// `biz_code` says what `cmd` is (1002 control, 1004 snapshot, 1050 recipe, …, spec 3.7).
    ///
    /// # Errors
    /// Whatever the translator reports: [`Error::ScriptFailed`](crate::Error::ScriptFailed) for a
    /// refused command, [`Error::Json`](crate::Error::Json) for a document it cannot read, and the
    /// runner's errors for scripts.
    fn jds2pri(&mut self, biz_code: BizCode, cmd: &str) -> Result<Vec<u8>>;

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

/// What `pri2jds` produced: the JSON text and the biz_code it answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pri2Jds {
    /// The standard JSON document, as the translator wrote it. Bytes, not `String`: the C engine
    /// passes script strings through unchecked, and a GBK-encoded script can emit GBK text.
    /// Parse it with `serde_json::from_slice` into e.g. [`ControlResponse`](crate::ControlResponse).
    pub json: Vec<u8>,
    /// The biz_code of the document (102 control response, 104 snapshot, 0 upload, …).
    pub biz_code: BizCode,
}

impl<T: Translator + ?Sized> Translator for &mut T {
    fn jds2pri(&mut self, biz_code: BizCode, cmd: &str) -> Result<Vec<u8>> {
        (**self).jds2pri(biz_code, cmd)
    }

    fn pri2jds(&mut self, biz_code: BizCode, bin: &[u8]) -> Result<Pri2Jds> {
        (**self).pri2jds(biz_code, bin)
    }
}

impl<T: Translator + ?Sized> Translator for std::boxed::Box<T> {
    fn jds2pri(&mut self, biz_code: BizCode, cmd: &str) -> Result<Vec<u8>> {
        (**self).jds2pri(biz_code, cmd)
    }

    fn pri2jds(&mut self, biz_code: BizCode, bin: &[u8]) -> Result<Pri2Jds> {
        (**self).pri2jds(biz_code, bin)
    }
}
