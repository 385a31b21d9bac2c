//! Packet decode and build (spec 3.1–3.4): `jl_packet_parse`, `jl_packet_build`.

use core::ffi::c_int;
use core::ptr;

use joylink_wire::{CrcPolicy, CrcStatus, EncType, Header, Magic, PacketType};

use crate::ptr::{bytes, bytes_mut, overlaps, read, write};
use crate::status::{JL_ERR_BUFFER_TOO_SMALL, JL_ERR_INVALID_ARGUMENT, JlStatus, Status, ret};

/// Length of the packet header, 16 bytes (spec 3.2).
pub const JL_HEADER_LEN: usize = 16;
/// The LAN magic `0x123455BB` (APP ↔ device over UDP).
pub const JL_MAGIC_LAN: u32 = 0x1234_55BB;
/// The WAN magic `0x123455CC` (device ↔ cloud over TCP).
pub const JL_MAGIC_WAN: u32 = 0x1234_55CC;
// Literals so that cbindgen can print them; checked against the source of truth.
const _: () = assert!(JL_HEADER_LEN == joylink_wire::HEADER_LEN);
const _: () = assert!(JL_MAGIC_LAN == joylink_wire::MAGIC_LAN);
const _: () = assert!(JL_MAGIC_WAN == joylink_wire::MAGIC_WAN);

/// What a decoder does with the header's CRC16 (the `crc_policy` argument).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum JlCrcPolicy {
    /// Reject a mismatching CRC with `JL_ERR_CRC_MISMATCH`.
    JL_CRC_VERIFY = 0,
    /// Decode anyway and report the result in `crc_status`. Shipped SDK peers never check the CRC on
    /// receive (compat §2), so a receiver that must talk to sloppy peers uses this.
    JL_CRC_REPORT = 1,
    /// Do not compute the CRC (`crc_status` is then `JL_CRC_NOT_CHECKED`).
    JL_CRC_IGNORE = 2,
}

/// `crc_status`: the stored CRC was computed and matched.
pub const JL_CRC_VERIFIED: u8 = 0;
/// `crc_status`: the stored CRC was computed and did not match (only under `JL_CRC_REPORT`).
pub const JL_CRC_MISMATCH: u8 = 1;
/// `crc_status`: the CRC was not computed (`JL_CRC_IGNORE`): neither good nor bad is known.
pub const JL_CRC_NOT_CHECKED: u8 = 2;

/// The C value of a [`CrcStatus`]: three states, because "not computed" is neither a match nor a
/// mismatch (a `bool` here used to say `true` for a CRC nobody checked).
pub(crate) const fn crc_status(s: CrcStatus) -> u8 {
    match s {
        CrcStatus::Verified => JL_CRC_VERIFIED,
        CrcStatus::Mismatch => JL_CRC_MISMATCH,
        CrcStatus::NotChecked => JL_CRC_NOT_CHECKED,
    }
}

pub(crate) fn crc_policy(p: c_int) -> Status<CrcPolicy> {
    match p {
        0 => Ok(CrcPolicy::Verify),
        1 => Ok(CrcPolicy::Report),
        2 => Ok(CrcPolicy::Ignore),
        _ => Err(JL_ERR_INVALID_ARGUMENT),
    }
}

/// The 16-byte packet header `packet_t` (spec 3.2) as plain integers, little-endian on the wire.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JlHeader {
    /// `JL_MAGIC_LAN` or `JL_MAGIC_WAN`.
    pub magic: u32,
    /// Length of `opt` (ignored by the builders, which write the real length).
    pub opt_len: u16,
    /// Length of `payload` as sent (ignored by the builders).
    pub payload_len: u16,
    /// Protocol version, 1.
    pub version: u8,
    /// Packet type (spec 3.5: 1 scan, 2 write key, 3 JSON control, 4 script control, ...).
    pub packet_type: u8,
    /// Fragment count, 0 when unfragmented.
    pub total: u8,
    /// 1-based fragment index, 0 when unfragmented.
    pub index: u8,
    /// Encryption type (`JL_ENC_*`; the sealing functions write the key's own).
    pub enc_type: u8,
    /// Reserved, 0 (a fragment message id in fragmented scan replies).
    pub reserved: u8,
    /// CRC16 of `opt ‖ payload` as stored (ignored by the builders, which compute it).
    pub crc: u16,
}

impl From<Header> for JlHeader {
    fn from(h: Header) -> Self {
        JlHeader {
            magic: h.magic.value(),
            opt_len: h.opt_len,
            payload_len: h.payload_len,
            version: h.version,
            packet_type: h.packet_type.value(),
            total: h.total,
            index: h.index,
            enc_type: h.enc_type.value(),
            reserved: h.reserved,
            crc: h.crc,
        }
    }
}

impl JlHeader {
    /// The Rust header; `JL_ERR_BAD_MAGIC` unless the magic is LAN or WAN.
    pub(crate) fn to_header(self) -> Status<Header> {
        Ok(Header {
            magic: Magic::from_value(self.magic).map_err(JlStatus::from)?,
            opt_len: self.opt_len,
            payload_len: self.payload_len,
            version: self.version,
            packet_type: PacketType::from_value(self.packet_type),
            total: self.total,
            index: self.index,
            enc_type: EncType::from_value(self.enc_type),
            reserved: self.reserved,
            crc: self.crc,
        })
    }
}

/// A decoded packet: the header and pointers into the caller's buffer (no copies).
///
/// `opt` points at `header.opt_len` bytes and `payload` at `header.payload_len` bytes inside the
/// decoded buffer; they are valid as long as that buffer is. On failure the whole struct is zeroed
/// (both pointers NULL).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct JlPacket {
    /// The header as received.
    pub header: JlHeader,
    /// The `opt` section (`header.opt_len` bytes; never NULL on success, even when empty).
    pub opt: *const u8,
    /// The `payload` section (`header.payload_len` bytes, still encrypted when `enc_type` ≠ 0).
    pub payload: *const u8,
    /// What the CRC check found: `JL_CRC_VERIFIED` (always, under `JL_CRC_VERIFY`),
    /// `JL_CRC_MISMATCH` (only under `JL_CRC_REPORT`) or `JL_CRC_NOT_CHECKED` (`JL_CRC_IGNORE`).
    pub crc_status: u8,
}

impl JlPacket {
    pub(crate) const ZERO: JlPacket = JlPacket {
        header: JlHeader {
            magic: 0,
            opt_len: 0,
            payload_len: 0,
            version: 0,
            packet_type: 0,
            total: 0,
            index: 0,
            enc_type: 0,
            reserved: 0,
            crc: 0,
        },
        opt: ptr::null(),
        payload: ptr::null(),
        crc_status: JL_CRC_NOT_CHECKED,
    };
}

/// Decodes one complete packet (a UDP datagram or one WAN frame) and checks its CRC.
///
/// Checks the magic, that `len == 16 + optlen + payloadlen` exactly, and the CRC16 over
/// `opt ‖ payload` as `crc_policy` (`JL_CRC_*`) says. Unknown types and enctypes are decoded
/// as they are. Nothing is copied: `out->opt` and `out->payload` point into `buf`.
///
/// Returns `JL_OK`, or `JL_ERR_NULL` (`out` NULL, or `buf` NULL with `len` > 0),
/// `JL_ERR_INVALID_ARGUMENT` (unknown policy, misaligned `out`), `JL_ERR_TRUNCATED`,
/// `JL_ERR_BAD_MAGIC`, `JL_ERR_LENGTH_MISMATCH`, `JL_ERR_CRC_MISMATCH`. On failure `*out`
/// (when `out` is usable) is zeroed.
///
/// # Safety
/// `buf` must point to `len` readable bytes (or be NULL with `len` 0); `out` must point to
/// writable memory for a `jl_packet_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_packet_parse(
    buf: *const u8,
    len: usize,
    crc_policy: c_int,
    out: *mut JlPacket,
) -> c_int {
    // SAFETY: forwarded caller contract (`out` writable).
    if let Err(e) = unsafe { write(out, JlPacket::ZERO) } {
        return ret(Err(e));
    }
    let r = (|| {
        let policy = self::crc_policy(crc_policy)?;
        // SAFETY: forwarded caller contract (`buf` readable for `len`).
        let data = unsafe { bytes(buf, len) }?;
        let d = joylink_wire::parse(data, policy)?;
        let packet = JlPacket {
            header: d.header.into(),
            opt: d.opt.as_ptr(),
            payload: d.payload.as_ptr(),
            crc_status: crc_status(d.crc_status),
        };
        // SAFETY: forwarded caller contract (`out` writable, checked above).
        unsafe { write(out, packet) }
    })();
    ret(r)
}

/// Builds `header ‖ opt ‖ payload` into `buf` with the lengths and the CRC16 filled in
/// (spec 3.1, 1.2); the header's `opt_len`, `payload_len` and `crc` are ignored, every other
/// field is written as given.
///
/// `*out_len` receives the packet length on success, and the length needed on
/// `JL_ERR_BUFFER_TOO_SMALL` (nothing written then), so `buf = NULL, buf_len = 0` asks for the
/// size. `opt` and `payload` may be NULL when their length is 0, and must not overlap `buf`.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_BUFFER_TOO_SMALL`, `JL_ERR_TOO_LONG` (a section over
/// 65535 bytes), `JL_ERR_BAD_MAGIC`, `JL_ERR_INVALID_ARGUMENT` (overlap, bad lengths).
///
/// # Safety
/// `header` must point to a readable `jl_header_t`; `opt`/`payload` to `opt_len`/`payload_len`
/// readable bytes; `buf` to `buf_len` writable bytes; `out_len` to a writable `size_t`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a C signature: pointer + length pairs
pub unsafe extern "C" fn jl_packet_build(
    header: *const JlHeader,
    opt: *const u8,
    opt_len: usize,
    payload: *const u8,
    payload_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| {
        // SAFETY: forwarded caller contract (`out_len` writable).
        unsafe { write(out_len, 0) }?;
        // SAFETY: forwarded caller contract (`header` readable).
        let h = unsafe { read(header) }?.to_header()?;
        if overlaps(opt, opt_len, buf, buf_len) || overlaps(payload, payload_len, buf, buf_len) {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        let needed = joylink_wire::packet_len(opt_len, payload_len)?;
        if buf_len < needed {
            // SAFETY: as above.
            unsafe { write(out_len, needed) }?;
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: forwarded caller contract; `opt`/`payload` do not overlap `buf` (checked), so
        // the shared and the exclusive borrows are disjoint.
        let (o, p, out) = unsafe {
            (
                bytes(opt, opt_len)?,
                bytes(payload, payload_len)?,
                bytes_mut(buf, buf_len)?,
            )
        };
        let n = joylink_wire::emit(&h, o, p, out)?;
        // SAFETY: as above.
        unsafe { write(out_len, n) }
    })();
    ret(r)
}

/// Which way a packet travels, seen from the device (the `direction` argument).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum JlDirection {
    /// App → device (LAN) or cloud → device (WAN).
    JL_TO_DEVICE = 0,
    /// Device → app (LAN) or device → cloud (WAN).
    JL_FROM_DEVICE = 1,
}

/// What a packet of one network, type and direction carries: one row of the packet table every
/// sender and receiver of joylink-rs uses (Rust: `joylink_wire::table`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JlPacketInfo {
    /// The enctype a shipped peer sends it with (`JL_ENC_*`); a LAN device drops a request with
    /// another one.
    pub enc_type: u8,
    /// Whether the plaintext starts with the 4-byte little-endian timestamp (every WAN packet and
    /// every encrypted LAN packet; not the enctype-0 LAN bodies).
    pub has_timestamp: bool,
    /// The shortest valid plaintext: 4 with a timestamp, else 0.
    pub min_plaintext_len: usize,
}

/// Looks up what a packet of `packet_type` on the network of `magic` (`JL_MAGIC_LAN` or
/// `JL_MAGIC_WAN`), sent in `direction` (`JL_TO_DEVICE` or `JL_FROM_DEVICE`), carries. Unknown
/// types get the network's default (LAN: enctype 3 with a timestamp; WAN: enctype 4).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_BAD_MAGIC`, `JL_ERR_INVALID_ARGUMENT` (direction).
/// `*out` is zeroed on failure.
///
/// # Safety
/// `out` must point to writable memory for a `jl_packet_info_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_packet_info(
    magic: u32,
    packet_type: u8,
    direction: c_int,
    out: *mut JlPacketInfo,
) -> c_int {
    // SAFETY: forwarded caller contract (`out` writable).
    if let Err(e) = unsafe { write(out, JlPacketInfo::default()) } {
        return ret(Err(e));
    }
    let r = (|| {
        let magic = Magic::from_value(magic).map_err(JlStatus::from)?;
        let direction = match direction {
            0 => joylink_wire::Direction::ToDevice,
            1 => joylink_wire::Direction::FromDevice,
            _ => return Err(JL_ERR_INVALID_ARGUMENT),
        };
        let e = joylink_wire::table::lookup(magic, PacketType::from_value(packet_type), direction);
        let info = JlPacketInfo {
            enc_type: e.enc_type.value(),
            has_timestamp: e.timestamp,
            min_plaintext_len: e.min_plaintext_len(),
        };
        // SAFETY: forwarded caller contract (`out` writable, checked above).
        unsafe { write(out, info) }
    })();
    ret(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(magic: u32, t: u8, d: c_int) -> (c_int, JlPacketInfo) {
        let mut out = JlPacketInfo::default();
        // SAFETY: `out` is a live local.
        let rc = unsafe { jl_packet_info(magic, t, d, &mut out) };
        (rc, out)
    }

    #[test]
    fn packet_info_is_the_table() {
        for magic in [JL_MAGIC_LAN, JL_MAGIC_WAN] {
            for t in 0..=255u8 {
                for d in [0, 1] {
                    let (rc, o) = info(magic, t, d);
                    assert_eq!(rc, 0);
                    let dir = if d == 0 {
                        joylink_wire::Direction::ToDevice
                    } else {
                        joylink_wire::Direction::FromDevice
                    };
                    let m = Magic::from_value(magic).unwrap();
                    let e = joylink_wire::table::lookup(m, PacketType::from_value(t), dir);
                    assert_eq!(o.enc_type, e.enc_type.value());
                    assert_eq!(o.has_timestamp, e.timestamp);
                }
            }
        }
        // The write-key answer travels in clear without a timestamp.
        let (_, o) = info(JL_MAGIC_LAN, 2, 1);
        assert_eq!(
            (o.enc_type, o.has_timestamp, o.min_plaintext_len),
            (0, false, 0)
        );
        assert_eq!(info(0, 2, 1).0, JlStatus::JL_ERR_BAD_MAGIC as c_int);
        assert_eq!(info(JL_MAGIC_LAN, 2, 2).0, JL_ERR_INVALID_ARGUMENT as c_int);
        // SAFETY: NULL `out` is refused before anything is written.
        let rc = unsafe { jl_packet_info(JL_MAGIC_LAN, 2, 0, ptr::null_mut()) };
        assert_eq!(rc, JlStatus::JL_ERR_NULL as c_int);
    }
}
