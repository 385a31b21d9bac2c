//! What a script's `jds2pri` / `pri2jds` (spec 13.2, 13.3) produced, as owned values.
//!
//! The contract itself is one trait, [`Translator`](crate::Translator) (defined in
//! joylink-session, `no_std`, bytes into the caller's buffer, and re-exported here); these types
//! are the `std` conveniences [`LuaTranslator`](crate::LuaTranslator)'s own `jds2pri`/`pri2jds`
//! return, with the runner's detailed [`Error`](crate::Error).

use std::vec::Vec;

use joylink_wire::BizCode;

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
    #[cfg_attr(feature = "lua", doc = "[`LuaTranslator`]: crate::LuaTranslator")]
    // Without `lua` there is no translator: the link goes to the README's section on it.
    #[cfg_attr(
        not(feature = "lua"),
        doc = "[`LuaTranslator`]: crate#running-a-vendor-script-feature-lua"
    )]
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
