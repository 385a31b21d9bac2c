//! Asynchronous control result, type 14 (spec chapter 12 `async_task_response`): the device
//! reports an action it took without an immediate cloud control (a timer, its own panel, a
//! remote). No shipped SDK implements it (compat §7.10); the struct is packed (compat §7.11),
//! so `tasktimestamp` sits at the unaligned offset 45.

use crate::codec::Writer;
use crate::control_header::ControlHeader;
use crate::macros::enum_with_unknown;
use crate::view::body_view;
use crate::{BizCode, CONTROL_HEADER_LEN, FEEDID_LEN, FixedText, Result};

/// Width of the task `id` (the `feedid` before it is the crate's one [`FEEDID_LEN`]).
pub const ASYNC_TEXT_LEN: usize = 32;
/// Length of the fixed part: the control preamble (12), `feedid[32]`, `controltype u8`,
/// `tasktimestamp u32`, `id[32]`: 81 bytes.
pub const ASYNC_RESULT_HEADER_LEN: usize = ID_OFF + ASYNC_TEXT_LEN;
/// Offsets after the preamble and the feedid.
const CONTROL_TYPE_OFF: usize = CONTROL_HEADER_LEN + FEEDID_LEN;
const TASK_TS_OFF: usize = CONTROL_TYPE_OFF + 1;
const ID_OFF: usize = TASK_TS_OFF + 4;

enum_with_unknown! {
    /// `controltype` of spec chapter 12: what made the device act.
    #[doc(alias = "controltype")]
    pub enum ControlType(u8) {
        /// 0: a timer task (定时任务).
        TimerTask = 0 => "timer task",
        /// 1: the device's panel or its remote control (面板或遥控器控制).
        PanelOrRemote = 1 => "panel or remote",
    }
}

body_view! {
    /// View of a type 14 body (spec 12): `timestamp u32, biz_code u32, serial u32, feedid[32],
    /// controltype u8, tasktimestamp u32, id[32], resp[]`, packed.
    pub struct AsyncResultBody, min_len = ASYNC_RESULT_HEADER_LEN;
    ints {
        control_header;
        /// What made the device act.
        control_type, set_control_type: ControlType as u8 @ CONTROL_TYPE_OFF,
        /// When the action ran.
        task_timestamp, set_task_timestamp: u32 as u32 @ TASK_TS_OFF,
    }
    texts {
        /// The device's feed id (NUL-padded).
        feed_id, set_feed_id @ CONTROL_HEADER_LEN, FEEDID_LEN,
        /// The task id (NUL-padded; may be empty for panel/remote control).
        id, set_id @ ID_OFF, ASYNC_TEXT_LEN,
    }
    tail
        /// The result of the action.
        resp, resp_mut @ ASYNC_RESULT_HEADER_LEN;
}

/// A device's asynchronous control result (spec 12, type 14, device → cloud).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsyncResult<'a> {
    /// Report time.
    pub timestamp: u32,
    /// The biz code of the action.
    pub biz_code: BizCode,
    /// Sequence number.
    pub serial: u32,
    /// The device's feed id, `feedid[32]`.
    #[doc(alias = "feedid")]
    pub feed_id: FixedText<'a>,
    /// What made the device act.
    #[doc(alias = "controltype")]
    pub control_type: ControlType,
    /// When the action ran.
    #[doc(alias = "tasktimestamp")]
    pub task_timestamp: u32,
    /// The task id, `id[32]`.
    pub id: FixedText<'a>,
    /// The result (`resp[]`).
    pub resp: &'a [u8],
}

impl<'a> AsyncResult<'a> {
    /// Parses a body through its view [`AsyncResultBody`].
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) below 81 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let view = AsyncResultBody::new_checked(bytes)?;
        Ok(Self {
            timestamp: view.timestamp(),
            biz_code: view.biz_code(),
            serial: view.serial(),
            feed_id: view.feed_id(),
            control_type: view.control_type(),
            task_timestamp: view.task_timestamp(),
            id: view.id(),
            resp: view.resp(),
        })
    }

    /// `81 + resp.len()`.
    pub const fn buffer_len(&self) -> usize {
        self.resp.len().saturating_add(ASYNC_RESULT_HEADER_LEN)
    }

    /// Writes the body; a text shorter than its field is NUL-padded (see [`FixedText`]).
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall), [`Error::TooLong`](crate::Error::TooLong)
    /// for a text wider than 32 bytes (nothing written).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        super::check_fixed("feed_id", &self.feed_id, FEEDID_LEN)?;
        super::check_fixed("id", &self.id, ASYNC_TEXT_LEN)?;
        let mut w = Writer::new(super::room(self.buffer_len(), buf)?);
        ControlHeader::new(self.timestamp, self.biz_code, self.serial).write(&mut w)?;
        super::put_fixed(&mut w, &self.feed_id, FEEDID_LEN)?;
        w.u8(self.control_type.into())?;
        w.u32_le(self.task_timestamp)?;
        super::put_fixed(&mut w, &self.id, ASYNC_TEXT_LEN)?;
        w.put(self.resp)?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use std::vec::Vec;

    #[test]
    fn layout() {
        // spec 12, packed: ts 1, biz 1002, serial 3, feedid "F", controltype 1,
        // tasktimestamp 0x11223344 at offset 45, id "T", resp "ok"
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&[1, 0, 0, 0, 0xea, 0x03, 0, 0, 3, 0, 0, 0]);
        bytes.push(b'F');
        bytes.extend_from_slice(&[0; 31]);
        bytes.push(1);
        bytes.extend_from_slice(&[0x44, 0x33, 0x22, 0x11]);
        bytes.push(b'T');
        bytes.extend_from_slice(&[0; 31]);
        bytes.extend_from_slice(b"ok");
        assert_eq!(bytes.len(), 83);
        let a = AsyncResult::parse(&bytes).unwrap();
        assert_eq!(a.biz_code, BizCode::Control);
        assert_eq!(a.feed_id.to_str(), Ok("F"));
        assert_eq!(a.control_type, ControlType::PanelOrRemote);
        assert_eq!(a.task_timestamp, 0x1122_3344);
        assert_eq!(a.id.to_str(), Ok("T"));
        assert_eq!(a.resp, b"ok");
        let mut buf = [0xa5; 83];
        assert_eq!(a.emit(&mut buf), Ok(83));
        assert_eq!(&buf[..], &bytes[..]);
        // A short text is padded on emit.
        let short = AsyncResult {
            feed_id: FixedText::new("feed_id", b"F"),
            ..a
        };
        buf.fill(0xa5);
        short.emit(&mut buf).unwrap();
        assert_eq!(&buf[..], &bytes[..]);
        let v = AsyncResultBody::new_checked(&bytes[..]).unwrap();
        assert_eq!(v.task_timestamp(), 0x1122_3344);
        assert_eq!(v.id().to_str(), Ok("T"));
        assert_eq!(v.resp(), b"ok");
        assert!(AsyncResult::parse(&bytes[..80]).is_err());
        let long = AsyncResult {
            id: FixedText::new("id", &[b'x'; 33]),
            ..a
        };
        assert_eq!(
            long.emit(&mut buf),
            Err(Error::TooLong {
                field: "id",
                len: 33,
                max: 32
            })
        );
        // The text setter of a view over a buffer that ends inside the field fails as
        // truncated and writes nothing.
        let mut cut = bytes.clone();
        let mut view = AsyncResultBody::new_unchecked(&mut cut[..60]);
        assert_eq!(
            view.set_id(b"T2"),
            Err(Error::Truncated {
                needed: 81,
                available: 60
            })
        );
        assert_eq!(view.set_feed_id(b"G"), Ok(()));
        assert_eq!(&cut[49..], &bytes[49..]);
        assert_eq!(cut[12], b'G');
    }
}
