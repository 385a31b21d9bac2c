//! Device control request and response (spec 13.4.1, 13.4.2; biz_code 1002 / 102): wire's
//! documents, re-exported.
//!
//! The request `{streams, snapshot?}` is the same document as the `data` of a LAN control
//! command, [`joylink_wire::lan::ControlData`]; `snapshot` is optional on input (SDK examples and
//! the LAN vectors send control without it, compat §15) and absent stays absent on output. The
//! response is [`joylink_wire::wan::ControlResponseDoc`].

pub use joylink_wire::lan::ControlData as ControlRequest;
pub use joylink_wire::wan::ControlResponseDoc;
