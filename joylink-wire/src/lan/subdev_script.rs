//! Sub-device script control, LAN type 104 (spec 6.3.8): `subdev_control` / `subdev_control_resp`.
//!
//! ```text
//! offset  size  field                      (little-endian, packed; compat §6.9)
//!      0     4  timestamp   u32
//!      4     4  biz_code    u32
//!      8     4  serial      u32
//!     12    32  feedid[32]                the sub-device's feedid, NUL-padded
//!     44     …  cmd[] / resp[]            AES(sub-device localkey, …): the inner layer (spec 8.2)
//! ```
//!
//! The whole body is then sealed with the gateway's localkey; `joylink::lan` provides the nested
//! seal/open. Here `cmd[]`/`resp[]` are opaque (still encrypted) bytes.
//!
//! compat §6.9 — every shipped gateway writes its *reply* wrongly: feedid at offset 0,
//! bytes 32..44 left over from the decrypted request, no timestamp/biz/serial.
//! [`ResponseLayout::Shipped`] reads that; we always *write* [`ResponseLayout::Spec`].

use crate::codec::{Reader, Writer, room};
use crate::control_header::ControlHeader;
use crate::view::body_view;
use crate::{BizCode, CONTROL_HEADER_LEN, Error, FEEDID_LEN, FixedText, Result, write_fixed_text};

/// Length of the fixed part before the inner `cmd[]`/`resp[]`: the control preamble, then
/// `feedid[32]` (44 bytes).
pub const SUBDEV_SCRIPT_FIXED_LEN: usize = CONTROL_HEADER_LEN + FEEDID_LEN;

/// Where `feedid[32]` sits in the spec layout: right after the control preamble.
const FEEDID: core::ops::Range<usize> = CONTROL_HEADER_LEN..SUBDEV_SCRIPT_FIXED_LEN;

body_view! {
    /// A zero-copy view of a type-104 body in the spec layout (either direction).
    ///
    /// After [`SubDevScriptBody::new_checked`] no getter panics; no setter invalidates
    /// [`SubDevScriptBody::check_len`].
    pub struct SubDevScriptBody, min_len = SUBDEV_SCRIPT_FIXED_LEN;
    ints {
        control_header;
    }
    texts {}
    tail
        /// The inner (sub-device-key encrypted) `cmd[]`/`resp[]`.
        data, data_mut @ SUBDEV_SCRIPT_FIXED_LEN;
}

// `feedid` is written by hand rather than as a `texts` field of `body_view!`: its getter borrows
// from the buffer (`FixedText<'a>`, not `'_`), and its setter reports a short buffer as
// `Truncated`, both public behaviour older than the shared macro.
impl<'a, T: AsRef<[u8]> + ?Sized> SubDevScriptBody<&'a T> {
    /// The sub-device's feedid field.
    pub fn feed_id(&self) -> FixedText<'a> {
        FixedText::new(
            "feedid",
            self.buffer.as_ref().get(FEEDID).unwrap_or_default(),
        )
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> SubDevScriptBody<T> {
    /// Writes the feedid, NUL-padded.
    ///
    /// # Errors
    /// [`Error::TooLong`] above 32 bytes; [`Error::Truncated`] when the buffer lacks the field.
    pub fn set_feed_id(&mut self, feed_id: &[u8]) -> Result<()> {
        let available = self.buffer.as_ref().len();
        let out = self
            .buffer
            .as_mut()
            .get_mut(FEEDID)
            .ok_or(Error::Truncated {
                needed: SUBDEV_SCRIPT_FIXED_LEN,
                available,
            })?;
        write_fixed_text("feedid", feed_id, out)
    }
}

/// Which layout a type-104 *reply* is read with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ResponseLayout {
    /// spec 6.3.8: `timestamp, biz_code, serial, feedid[32], resp[]` (what this crate writes).
    #[default]
    Spec,
    /// What every shipped gateway sends (compat §6.9): `feedid[32]` at offset 0, 12 bytes of
    /// leftovers, resp[] at 44. Timestamp, biz_code and serial read as 0 / `Unspecified`.
    Shipped,
}

/// The spec layout, read through the view [`SubDevScriptBody`] (the one length rule of views).
fn parse_spec(bytes: &[u8]) -> Result<(ControlHeader, FixedText<'_>, &[u8])> {
    let view = SubDevScriptBody::new_checked(bytes)?;
    let header = ControlHeader::new(view.timestamp(), view.biz_code(), view.serial());
    Ok((header, view.feed_id(), view.data()))
}

/// Writes the spec layout; the feedid is its text, NUL-padded (received padding is not kept).
fn emit_spec(header: ControlHeader, feed_id: &[u8], data: &[u8], buf: &mut [u8]) -> Result<usize> {
    if feed_id.len() > FEEDID_LEN {
        return Err(Error::TooLong {
            field: "feedid",
            len: feed_id.len(),
            max: FEEDID_LEN,
        });
    }
    let mut w = Writer::new(room(
        SUBDEV_SCRIPT_FIXED_LEN.saturating_add(data.len()),
        buf,
    )?);
    header.write(&mut w)?;
    w.put(feed_id)?;
    w.fill(0, FEEDID_LEN.saturating_sub(feed_id.len()))?;
    w.put(data)?;
    Ok(w.written())
}

/// `subdev_control`: app → gateway (spec 6.3.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubDevScriptControl<'a> {
    /// The app's timestamp.
    pub timestamp: u32,
    /// 1002 control / 1004 snapshot.
    pub biz_code: BizCode,
    /// Control sequence number.
    pub serial: u32,
    /// The sub-device's feedid (text before the padding).
    pub feed_id: FixedText<'a>,
    /// `cmd[]`, encrypted with the sub-device's localkey (inner layer, spec 8.2).
    pub cmd: &'a [u8],
}

impl<'a> SubDevScriptControl<'a> {
    /// Parses a decrypted (outer layer) type-104 request plaintext.
    ///
    /// # Errors
    /// [`Error::Truncated`] below 44 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (h, feed_id, cmd) = parse_spec(bytes)?;
        Ok(Self {
            timestamp: h.timestamp,
            biz_code: h.biz_code,
            serial: h.serial,
            feed_id,
            cmd,
        })
    }

    /// Exact number of bytes [`SubDevScriptControl::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        SUBDEV_SCRIPT_FIXED_LEN.saturating_add(self.cmd.len())
    }

    /// Writes the body (feedid NUL-padded to 32 bytes).
    ///
    /// # Errors
    /// [`Error::TooLong`] for a feedid above 32 bytes, [`Error::BufferTooSmall`]; nothing written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_spec(
            ControlHeader::new(self.timestamp, self.biz_code, self.serial),
            self.feed_id.as_bytes(),
            self.cmd,
            buf,
        )
    }
}

/// `subdev_control_resp`: gateway → app (spec 6.3.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubDevScriptControlResponse<'a> {
    /// The gateway's timestamp (0 in the shipped layout).
    pub timestamp: u32,
    /// The reply biz_code (`Unspecified` in the shipped layout).
    pub biz_code: BizCode,
    /// The request's serial (0 in the shipped layout).
    pub serial: u32,
    /// The sub-device's feedid.
    pub feed_id: FixedText<'a>,
    /// `resp[]`, encrypted with the sub-device's localkey.
    pub resp: &'a [u8],
}

impl<'a> SubDevScriptControlResponse<'a> {
    /// Parses a decrypted (outer layer) type-104 reply in the spec layout.
    ///
    /// # Errors
    /// [`Error::Truncated`] below 44 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        Self::parse_with(bytes, ResponseLayout::Spec)
    }

    /// Parses a reply in the given layout.
    ///
    /// # Errors
    /// [`Error::Truncated`] below 44 bytes.
    pub fn parse_with(bytes: &'a [u8], layout: ResponseLayout) -> Result<Self> {
        match layout {
            ResponseLayout::Spec => {
                let (h, feed_id, resp) = parse_spec(bytes)?;
                Ok(Self {
                    timestamp: h.timestamp,
                    biz_code: h.biz_code,
                    serial: h.serial,
                    feed_id,
                    resp,
                })
            }
            ResponseLayout::Shipped => {
                let mut r = Reader::new(bytes);
                let feed_id = FixedText::new("feedid", r.take(FEEDID_LEN)?);
                r.take(SUBDEV_SCRIPT_FIXED_LEN.saturating_sub(FEEDID_LEN))?;
                Ok(Self {
                    timestamp: 0,
                    biz_code: BizCode::Unspecified,
                    serial: 0,
                    feed_id,
                    resp: r.rest(),
                })
            }
        }
    }

    /// Exact number of bytes [`SubDevScriptControlResponse::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        SUBDEV_SCRIPT_FIXED_LEN.saturating_add(self.resp.len())
    }

    /// Writes the reply in the spec layout (compat §6.9 recommendation).
    ///
    /// # Errors
    /// [`Error::TooLong`] for a feedid above 32 bytes, [`Error::BufferTooSmall`]; nothing written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_spec(
            ControlHeader::new(self.timestamp, self.biz_code, self.serial),
            self.feed_id.as_bytes(),
            self.resp,
            buf,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> [u8; 46] {
        // spec 6.3.8 layout, hand-assembled.
        let mut b = [0u8; 46];
        b[0..4].copy_from_slice(&[1, 0, 0, 0]);
        b[4..8].copy_from_slice(&[0xea, 0x03, 0, 0]); // 1002
        b[8..12].copy_from_slice(&[9, 0, 0, 0]);
        b[12..16].copy_from_slice(b"f123");
        b[44..46].copy_from_slice(&[0xde, 0xad]);
        b
    }

    #[test]
    fn deconstruct_and_parse() {
        let bytes = sample();
        let v = SubDevScriptBody::new_checked(&bytes[..]).unwrap();
        assert_eq!(v.timestamp(), 1);
        assert_eq!(v.biz_code(), BizCode::Control);
        assert_eq!(v.serial(), 9);
        assert_eq!(v.feed_id().to_str(), Ok("f123"));
        assert_eq!(v.data(), &[0xde, 0xad]);
        let c = SubDevScriptControl::parse(&bytes).unwrap();
        assert_eq!(c.feed_id.as_bytes(), b"f123");
        assert_eq!(c.cmd, &[0xde, 0xad]);
    }

    #[test]
    fn construct_and_emit() {
        let mut buf = [0xa5u8; 46];
        let mut v = SubDevScriptBody::new_unchecked(&mut buf[..]);
        v.set_timestamp(1).unwrap();
        v.set_biz_code(BizCode::Control).unwrap();
        v.set_serial(9).unwrap();
        v.set_feed_id(b"f123").unwrap();
        v.data_mut().copy_from_slice(&[0xde, 0xad]);
        assert_eq!(buf, sample());

        let c = SubDevScriptControl {
            timestamp: 1,
            biz_code: BizCode::Control,
            serial: 9,
            feed_id: FixedText::new("feedid", b"f123"),
            cmd: &[0xde, 0xad],
        };
        let mut out = [0xa5u8; 46];
        assert_eq!(c.emit(&mut out), Ok(46));
        assert_eq!(out, sample());
    }

    #[test]
    fn shipped_reply_layout() {
        // compat §6.9: feedid at 0, 12 leftover bytes, resp at 44.
        let mut b = [0x77u8; 46];
        b[..32].fill(0);
        b[..4].copy_from_slice(b"f123");
        b[44..].copy_from_slice(&[1, 2]);
        let r = SubDevScriptControlResponse::parse_with(&b, ResponseLayout::Shipped).unwrap();
        assert_eq!(r.feed_id.as_bytes(), b"f123");
        assert_eq!(r.resp, &[1, 2]);
        assert_eq!((r.timestamp, r.serial), (0, 0));
    }

    #[test]
    fn errors() {
        let bytes = sample();
        assert_eq!(
            SubDevScriptBody::new_checked(&bytes[..43]),
            Err(Error::Truncated {
                needed: 44,
                available: 43
            })
        );
        // The repr is parsed through the view: the same rule, the same error.
        assert_eq!(
            SubDevScriptControl::parse(&bytes[..20]),
            Err(Error::Truncated {
                needed: 44,
                available: 20
            })
        );
        assert_eq!(
            SubDevScriptControl::parse(&bytes[..20]).map(|_| ()),
            SubDevScriptBody::new_checked(&bytes[..20]).map(|_| ())
        );
        let long = [b'1'; 33];
        let c = SubDevScriptControl {
            timestamp: 0,
            biz_code: BizCode::Control,
            serial: 0,
            feed_id: FixedText::new("feedid", &long),
            cmd: &[],
        };
        let mut out = [0xa5u8; 64];
        assert_eq!(
            c.emit(&mut out),
            Err(Error::TooLong {
                field: "feedid",
                len: 33,
                max: 32
            })
        );
        assert_eq!(out, [0xa5; 64]);
        let mut v = SubDevScriptBody::new_unchecked(&mut out[..10]);
        assert_eq!(
            v.set_feed_id(b"x"),
            Err(Error::Truncated {
                needed: 44,
                available: 10
            })
        );
    }
}
