//! WAN body codecs a C device packs by hand otherwise: the type-11 control preamble, the type-5
//! heartbeat, the type-12 upload and the 37-byte sub-device record (spec 7.3.3–7.3.15). Each is
//! a thin wrapper over the joylink-wire codec; bodies are the *plaintext* after
//! `jl_open_in_place` / before `jl_seal_in_place` (its `timestamp` is the body's first field).
//!
//! Timer tasks (type 13, spec 10) start with the same 12-byte preamble (`timestamp, biz_code,
//! serial`): `jl_control_parse` reads it and leaves the task bytes in `data`. The WAN device
//! machine handles the task bodies itself (`JL_WAN_EVENT_TIMER_FIRED` gives the command); C code
//! with its own timer table reads them with `jl_timer_request_*` (`timer_task.rs`).
//!
//! Buffer contract of every `_build`: `*out_len` = the body length on `JL_OK`, the length needed
//! on `JL_ERR_BUFFER_TOO_SMALL` (nothing written: `buf = NULL, cap = 0` asks for the size), 0 on
//! any other error (nothing written). Inputs must not overlap `buf`. Every `_parse` writes its
//! output struct only on `JL_OK`; pointers in it point into the caller's body.

use core::ffi::c_int;

use joylink_wire::FEEDID_LEN;
use joylink_wire::wan::{Control, Heartbeat, SubDevInfo, SubDevOnline, Timestamped};
use joylink_wire::{BizCode, FixedText};

use crate::ptr::{bytes, bytes_mut, check_struct, overlaps, read, write};
use crate::status::{JL_ERR_BUFFER_TOO_SMALL, JL_ERR_INVALID_ARGUMENT, JlStatus, Status, ret};

/// Length of the control preamble (`timestamp, biz_code, serial`, 12 bytes, spec 7.3.7).
pub const JL_CONTROL_HEADER_LEN: usize = 12;
/// Length of a heartbeat body (spec 7.3.3).
pub const JL_HEARTBEAT_LEN: usize = 8;
/// Length of one `subdev_info` record (spec 7.3.15).
pub const JL_SUBDEV_INFO_LEN: usize = 37;

// cbindgen writes literals only: each C length is the codecs' own, checked when this compiles.
const _: () = assert!(JL_CONTROL_HEADER_LEN == joylink_wire::CONTROL_HEADER_LEN);
const _: () = assert!(JL_HEARTBEAT_LEN == Heartbeat::LEN);
const _: () = assert!(JL_SUBDEV_INFO_LEN == joylink_wire::wan::SUBDEV_INFO_LEN);

/// A type-11 (or 200/201) body: `timestamp, biz_code, serial, data[]` (spec 7.3.7–7.3.12).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct JlControl {
    /// The sender's time.
    pub timestamp: u32,
    /// 1002 control, 1004 snapshot, 1050 recipe; answers 102 / 104 / 150.
    pub biz_code: u32,
    /// Request serial, echoed in the answer.
    pub serial: u32,
    /// The command or answer (JSON for JSON products); may be NULL when `data_len` is 0.
    pub data: *const u8,
    /// Its length.
    pub data_len: usize,
}

/// A type-5 heartbeat body (spec 7.3.3).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JlHeartbeat {
    /// Device time.
    pub timestamp: u32,
    /// Firmware version number.
    pub version: u16,
    /// Signal strength (shipped devices send 1).
    pub rssi: u16,
}

/// One 37-byte `subdev_info` record of types 110/113 (spec 7.3.15).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JlSubdevInfo {
    /// Firmware version (compat: SDK 2.0.9–2.0.19 put the state in its high byte).
    pub version: u16,
    /// Signal strength, `0xFFFF` = none.
    pub rssi: u16,
    /// The feed id, NUL-padded to 32 bytes on the wire; `feed_id_len` bytes are used.
    pub feed_id: [u8; 32],
    /// 0–32: the bytes before the first NUL when parsed.
    pub feed_id_len: u8,
    /// 0 online, 1 offline, 2 unbound, 3 unknown.
    pub state: u8,
}

/// Runs a build with the contract above.
///
/// # Safety
/// `buf` writable for `cap` bytes, `out_len` writable (forwarded contracts).
unsafe fn build(
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
    inputs: &[(*const u8, usize)],
    needed: usize,
    emit: impl FnOnce(&mut [u8]) -> Result<usize, joylink_wire::Error>,
) -> Status {
    // SAFETY: forwarded caller contract.
    unsafe { write(out_len, 0) }?;
    if inputs.iter().any(|&(p, n)| overlaps(p, n, buf, cap)) {
        return Err(JL_ERR_INVALID_ARGUMENT);
    }
    if cap < needed {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, needed) }?;
        return Err(JL_ERR_BUFFER_TOO_SMALL);
    }
    // SAFETY: forwarded caller contract; no input overlaps `buf` (checked).
    let out = unsafe { bytes_mut(buf, cap) }?;
    let n = emit(out)?;
    // SAFETY: forwarded caller contract.
    unsafe { write(out_len, n) }
}

/// Parses a control body (type 11 / 200 / 201 plaintext).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_TRUNCATED` (under 12 bytes).
///
/// # Safety
/// `body` readable for `len` bytes (and alive while `out->data` is used); `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_control_parse(
    body: *const u8,
    len: usize,
    out: *mut JlControl,
) -> c_int {
    let r = (|| -> Status {
        check_struct(out)?;
        // SAFETY: forwarded caller contract.
        let b = unsafe { bytes(body, len) }?;
        // The C struct carries the raw biz code, so the preamble (spec 7.3.7: three u32 LE) is
        // read as numbers here: going through `BizCode` and back links its value tables, 0.9 KB
        // of Cortex-M4 flash (issue 19). A test checks this equals `Control::parse`.
        let (head, data) = b
            .split_first_chunk::<12>()
            .ok_or(JlStatus::JL_ERR_TRUNCATED)?;
        let [t0, t1, t2, t3, b0, b1, b2, b3, s0, s1, s2, s3] = *head;
        let v = JlControl {
            timestamp: u32::from_le_bytes([t0, t1, t2, t3]),
            biz_code: u32::from_le_bytes([b0, b1, b2, b3]),
            serial: u32::from_le_bytes([s0, s1, s2, s3]),
            data: data.as_ptr(),
            data_len: data.len(),
        };
        // SAFETY: forwarded caller contract.
        unsafe { write(out, v) }
    })();
    ret(r)
}

/// Builds a control body (12-byte preamble + `data`). Buffer contract in the module docs.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `c` readable, `c->data` readable for `c->data_len`; `buf` writable for `cap`; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_control_build(
    c: *const JlControl,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, 0) }?;
        // SAFETY: forwarded caller contract.
        let c = unsafe { read(c) }?;
        // SAFETY: forwarded caller contract.
        let data = unsafe { bytes(c.data, c.data_len) }?;
        let msg = Control {
            timestamp: c.timestamp,
            biz_code: BizCode::from(c.biz_code),
            serial: c.serial,
            data,
        };
        // SAFETY: forwarded caller contract.
        unsafe {
            build(
                buf,
                cap,
                out_len,
                &[(c.data, c.data_len)],
                msg.buffer_len(),
                |o| msg.emit(o),
            )
        }
    })();
    ret(r)
}

/// Parses a heartbeat body (exactly 8 bytes).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_TRUNCATED`, `JL_ERR_MALFORMED`
/// (trailing bytes).
///
/// # Safety
/// `body` readable for `len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_heartbeat_parse(
    body: *const u8,
    len: usize,
    out: *mut JlHeartbeat,
) -> c_int {
    let r = (|| -> Status {
        check_struct(out)?;
        // SAFETY: forwarded caller contract.
        let h = Heartbeat::parse(unsafe { bytes(body, len) }?)?;
        let v = JlHeartbeat {
            timestamp: h.timestamp,
            version: h.version,
            rssi: h.rssi,
        };
        // SAFETY: forwarded caller contract.
        unsafe { write(out, v) }
    })();
    ret(r)
}

/// Builds a heartbeat body (8 bytes). Buffer contract in the module docs.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `h` readable; `buf` writable for `cap`; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_heartbeat_build(
    h: *const JlHeartbeat,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, 0) }?;
        // SAFETY: forwarded caller contract.
        let h = unsafe { read(h) }?;
        let msg = Heartbeat {
            timestamp: h.timestamp,
            version: h.version,
            rssi: h.rssi,
        };
        // SAFETY: forwarded caller contract.
        unsafe { build(buf, cap, out_len, &[], JL_HEARTBEAT_LEN, |o| msg.emit(o)) }
    })();
    ret(r)
}

/// Builds an upload body (type 12, spec 7.3.5): `timestamp ‖ data`. Buffer contract in the
/// module docs.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `data` readable for `len`; `buf` writable for `cap`; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_upload_build(
    timestamp: u32,
    data: *const u8,
    len: usize,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, 0) }?;
        // SAFETY: forwarded caller contract.
        let d = unsafe { bytes(data, len) }?;
        let msg = Timestamped { timestamp, body: d };
        let needed = len.checked_add(4).ok_or(JL_ERR_INVALID_ARGUMENT)?;
        // SAFETY: forwarded caller contract.
        unsafe { build(buf, cap, out_len, &[(data, len)], needed, |o| msg.emit(o)) }
    })();
    ret(r)
}

/// Parses a timestamped body (upload 12, OTA 7/8, and their answers): `*timestamp`, and `*data`
/// / `*data_len` = the bytes after it (pointing into `body`). Outputs written only on `JL_OK`.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_TRUNCATED`.
///
/// # Safety
/// `body` readable for `len`; the three outputs writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_upload_parse(
    body: *const u8,
    len: usize,
    timestamp: *mut u32,
    data: *mut *const u8,
    data_len: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        check_struct(timestamp)?;
        check_struct(data)?;
        check_struct(data_len)?;
        // SAFETY: forwarded caller contract.
        let t = Timestamped::<&[u8]>::parse(unsafe { bytes(body, len) }?)?;
        // SAFETY: forwarded caller contract (all three checked above).
        unsafe {
            write(timestamp, t.timestamp)?;
            write(data, t.body.as_ptr())?;
            write(data_len, t.body.len())
        }
    })();
    ret(r)
}

/// Parses one 37-byte sub-device record (the `i`-th of a type 110/113 list starts at
/// `i * JL_SUBDEV_INFO_LEN` after the list's header).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_TRUNCATED`,
/// `JL_ERR_MALFORMED` (not exactly 37 bytes).
///
/// # Safety
/// `rec` readable for `len`; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_subdev_info_parse(
    rec: *const u8,
    len: usize,
    out: *mut JlSubdevInfo,
) -> c_int {
    let r = (|| -> Status {
        check_struct(out)?;
        // SAFETY: forwarded caller contract.
        let s = SubDevInfo::parse(unsafe { bytes(rec, len) }?)?;
        let mut v = JlSubdevInfo {
            version: s.version,
            rssi: s.rssi,
            feed_id: [0; 32],
            feed_id_len: 0,
            state: u8::from(s.state),
        };
        let text = s.feed_id.as_bytes();
        let n = text.len().min(FEEDID_LEN);
        v.feed_id
            .get_mut(..n)
            .ok_or(JL_ERR_INVALID_ARGUMENT)?
            .copy_from_slice(text.get(..n).unwrap_or_default());
        v.feed_id_len = u8::try_from(n).map_err(|_| JL_ERR_INVALID_ARGUMENT)?;
        // SAFETY: forwarded caller contract.
        unsafe { write(out, v) }
    })();
    ret(r)
}

/// Builds one 37-byte sub-device record. Buffer contract in the module docs.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT` (`feed_id_len` > 32),
/// `JL_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `s` readable; `buf` writable for `cap`; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_subdev_info_build(
    s: *const JlSubdevInfo,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, 0) }?;
        // SAFETY: forwarded caller contract.
        let s = unsafe { read(s) }?;
        let feed = s
            .feed_id
            .get(..usize::from(s.feed_id_len))
            .ok_or(JL_ERR_INVALID_ARGUMENT)?;
        let rec = SubDevInfo {
            version: s.version,
            rssi: s.rssi,
            feed_id: FixedText::new("feed_id", feed),
            state: SubDevOnline::from(s.state),
        };
        // SAFETY: forwarded caller contract (`s` was copied: no overlap with `buf` matters).
        unsafe { build(buf, cap, out_len, &[], JL_SUBDEV_INFO_LEN, |o| rec.emit(o)) }
    })();
    ret(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `jl_control_parse` reads the preamble as numbers; it must agree with `Control::parse`
    /// (through `BizCode` and back) on every biz code, known or not, and on short input.
    fn blank() -> JlControl {
        JlControl {
            timestamp: 0,
            biz_code: 0,
            serial: 0,
            data: core::ptr::null(),
            data_len: 0,
        }
    }

    #[test]
    #[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test")]
    fn control_parse_matches_the_codec() {
        let codes = (0u32..12_000).chain([65_535, 65_536, 0x7fff_ffff, u32::MAX]);
        for code in codes {
            let mut body = [0u8; 14];
            body[..4].copy_from_slice(&0x0102_0304u32.to_le_bytes());
            body[4..8].copy_from_slice(&code.to_le_bytes());
            body[8..12].copy_from_slice(&77u32.to_le_bytes());
            body[12..].copy_from_slice(b"ok");
            let want = Control::parse(&body).unwrap();
            let mut out = blank();
            // SAFETY: valid local buffers.
            let rc = unsafe { jl_control_parse(body.as_ptr(), body.len(), &mut out) };
            assert_eq!(rc, 0);
            assert_eq!(
                (out.timestamp, out.biz_code, out.serial, out.data_len),
                (want.timestamp, u32::from(want.biz_code), want.serial, 2)
            );
            assert_eq!(out.biz_code, code);
            assert_eq!(out.data, body[12..].as_ptr());
        }
        for len in 0..12 {
            let body = [0u8; 12];
            let mut out = blank();
            assert!(Control::parse(&body[..len]).is_err());
            // SAFETY: valid local buffers.
            let rc = unsafe { jl_control_parse(body.as_ptr(), len, &mut out) };
            assert_eq!(rc, JlStatus::JL_ERR_TRUNCATED as c_int);
        }
    }
}
