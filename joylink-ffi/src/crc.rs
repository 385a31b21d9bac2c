//! Checksums: the packet CRC16 (spec 1.2) and the streaming OTA firmware CRC-32 (spec 9.1).

use core::ffi::c_int;

use joylink_wire::wan::FirmwareCrc32;

use crate::ptr::{bytes, read, write};
use crate::status::{Status, ret};

/// CRC16 of `len` bytes at `data` as spec 1.2 defines it (CRC-16/IBM-3740: poly 0x1021, init
/// 0xFFFF; `"123456789"` gives 0x29B1). A packet's CRC covers `opt ‖ payload`.
///
/// Returns `JL_OK`, `JL_ERR_NULL` (`crc` NULL, or `data` NULL with `len` > 0),
/// `JL_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `data` readable for `len` bytes; `crc` a writable `uint16_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_crc16(data: *const u8, len: usize, crc: *mut u16) -> c_int {
    let r = (|| -> Status {
        crate::ptr::check_struct(crc)?;
        // SAFETY: forwarded caller contract.
        let d = unsafe { bytes(data, len) }?;
        // SAFETY: forwarded caller contract.
        unsafe { write(crc, joylink_wire::crc16(d)) }
    })();
    ret(r)
}

/// State of a streaming OTA firmware CRC-32 (spec 9.1: reflected poly 0xEDB88320, initial value
/// 0, no final XOR, as the SDK computes it — not the standard CRC-32; `"123456789"` gives
/// 0x2DFD2D88, compat §2). Any value is a valid state; `jl_crc32_init` sets 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JlCrc32 {
    /// The CRC of everything fed so far (the spec's `make_crc` running value).
    pub state: u32,
}

/// Starts a firmware CRC-32 (state 0).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT` (misaligned `ctx`).
///
/// # Safety
/// `ctx` must point to writable memory for a `jl_crc32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_crc32_init(ctx: *mut JlCrc32) -> c_int {
    // SAFETY: forwarded caller contract.
    ret(unsafe { write(ctx, JlCrc32::default()) })
}

/// Feeds `len` bytes (a firmware chunk as it arrives; any chunking gives the same result).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`; `ctx` is unchanged on failure.
///
/// # Safety
/// `ctx` must point to a readable and writable `jl_crc32_t`; `data` readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_crc32_update(ctx: *mut JlCrc32, data: *const u8, len: usize) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let state = unsafe { read(ctx) }?;
        // SAFETY: forwarded caller contract.
        let d = unsafe { bytes(data, len) }?;
        let mut c = FirmwareCrc32::from_value(state.state);
        c.update(d);
        // SAFETY: forwarded caller contract.
        unsafe { write(ctx, JlCrc32 { state: c.finish() }) }
    })();
    ret(r)
}

/// The CRC-32 of everything fed so far, to compare with the OTA order's `crc32` (spec 9.5).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `ctx` must point to a readable `jl_crc32_t`; `crc` to a writable `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_crc32_final(ctx: *const JlCrc32, crc: *mut u32) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let state = unsafe { read(ctx) }?;
        // SAFETY: forwarded caller contract.
        unsafe { write(crc, FirmwareCrc32::from_value(state.state).finish()) }
    })();
    ret(r)
}
