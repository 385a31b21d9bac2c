//! Checked conversions from C pointers and lengths to Rust references.
//!
//! Every `jl_` function goes through these helpers, so the rules are in one place:
//! - a data pointer may be NULL only when its length is 0 (`JL_ERR_NULL` otherwise);
//! - a length above `isize::MAX`, or one that makes `ptr + len` wrap, is
//!   `JL_ERR_INVALID_ARGUMENT` (`slice::from_raw_parts` requires both);
//! - struct pointers must be non-NULL and aligned; structs are read with `ptr::read` and written
//!   with `ptr::write`, so no reference to possibly uninitialised C memory is ever created.

use core::ptr;
use core::slice;

use crate::status::{JL_ERR_INVALID_ARGUMENT, JL_ERR_NULL, Status};

/// Checks that `len` bytes at `addr` form a valid range (not wrapping, at most `isize::MAX`).
fn check_range(addr: usize, len: usize) -> Status {
    let max = usize::try_from(isize::MAX).unwrap_or(usize::MAX);
    if len > max || addr.checked_add(len).is_none() {
        return Err(JL_ERR_INVALID_ARGUMENT);
    }
    Ok(())
}

/// Checks a pointer and length as [`bytes`] does, without creating a reference (for raw copies
/// between ranges that may overlap).
pub(crate) fn check_bytes(p: *const u8, len: usize) -> Status {
    if len == 0 {
        return Ok(());
    }
    if p.is_null() {
        return Err(JL_ERR_NULL);
    }
    check_range(p.addr(), len)
}

/// Borrows `len` bytes at `p` (NULL allowed when `len == 0`).
///
/// # Safety
/// When `p` is non-NULL and `len > 0`, `p` must point to `len` readable bytes that stay valid
/// and unmodified for `'a`.
pub(crate) unsafe fn bytes<'a>(p: *const u8, len: usize) -> Status<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(JL_ERR_NULL);
    }
    check_range(p.addr(), len)?;
    // SAFETY: non-NULL, u8 needs no alignment, the range is checked not to wrap and to be at
    // most isize::MAX bytes; validity and lifetime are the caller's contract (fn docs).
    Ok(unsafe { slice::from_raw_parts(p, len) })
}

/// Mutably borrows `len` bytes at `p` (NULL allowed when `len == 0`).
///
/// # Safety
/// When `p` is non-NULL and `len > 0`, `p` must point to `len` writable bytes, not accessed
/// through any other pointer for `'a`.
pub(crate) unsafe fn bytes_mut<'a>(p: *mut u8, len: usize) -> Status<&'a mut [u8]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if p.is_null() {
        return Err(JL_ERR_NULL);
    }
    check_range(p.addr(), len)?;
    // SAFETY: as in `bytes`, plus exclusivity, which is the caller's contract (fn docs).
    Ok(unsafe { slice::from_raw_parts_mut(p, len) })
}

/// Checks that a struct pointer is non-NULL and aligned.
pub(crate) fn check_struct<T>(p: *const T) -> Status {
    if p.is_null() {
        return Err(JL_ERR_NULL);
    }
    if !p.is_aligned() {
        return Err(JL_ERR_INVALID_ARGUMENT);
    }
    check_range(p.addr(), size_of::<T>())
}

/// Reads a plain-data struct (every bit pattern valid) from C memory.
///
/// # Safety
/// `p`, when non-NULL and aligned, must point to a readable, initialised `T`.
pub(crate) unsafe fn read<T: Copy>(p: *const T) -> Status<T> {
    check_struct(p)?;
    // SAFETY: non-NULL and aligned (checked); readable and initialised by the caller's
    // contract. `T` is one of our repr(C) structs of integers and pointers, valid for any bits.
    Ok(unsafe { ptr::read(p) })
}

/// Writes a struct to C memory without reading or referencing what was there.
///
/// # Safety
/// `p`, when non-NULL and aligned, must point to writable memory for a `T`.
pub(crate) unsafe fn write<T>(p: *mut T, value: T) -> Status {
    check_struct(p)?;
    // SAFETY: non-NULL and aligned (checked); writable by the caller's contract. `ptr::write`
    // does not drop or read the old (possibly uninitialised) contents.
    unsafe { ptr::write(p, value) };
    Ok(())
}

/// Whether two byte ranges share at least one byte.
pub(crate) fn overlaps(a: *const u8, a_len: usize, b: *const u8, b_len: usize) -> bool {
    if a_len == 0 || b_len == 0 {
        return false;
    }
    let (a0, b0) = (a.addr(), b.addr());
    let a1 = a0.saturating_add(a_len);
    let b1 = b0.saturating_add(b_len);
    a0 < b1 && b0 < a1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::JlStatus;

    #[test]
    fn null_is_allowed_only_for_empty() {
        // SAFETY: len 0, nothing is read.
        assert_eq!(unsafe { bytes(ptr::null(), 0) }, Ok(&[][..]));
        // SAFETY: NULL is rejected before any read.
        assert_eq!(unsafe { bytes(ptr::null(), 1) }, Err(JlStatus::JL_ERR_NULL));
    }

    #[test]
    fn huge_or_wrapping_lengths_are_rejected() {
        let b = [0u8; 4];
        // SAFETY: the length check fails before any read.
        let r = unsafe { bytes(b.as_ptr(), usize::MAX) };
        assert_eq!(r, Err(JL_ERR_INVALID_ARGUMENT));
        let high = ptr::without_provenance::<u8>(usize::MAX - 2);
        // SAFETY: the wrap check fails before any read.
        assert_eq!(unsafe { bytes(high, 8) }, Err(JL_ERR_INVALID_ARGUMENT));
    }

    #[test]
    fn overlap() {
        let b = [0u8; 8];
        let p = b.as_ptr();
        assert!(overlaps(p, 4, p.wrapping_add(3), 4));
        assert!(!overlaps(p, 4, p.wrapping_add(4), 4));
        assert!(!overlaps(p, 0, p, 4));
    }

    #[test]
    fn misaligned_struct_pointer_is_rejected() {
        let b = [0u32; 2];
        let p = b.as_ptr().cast::<u8>().wrapping_add(1).cast::<u32>();
        assert_eq!(check_struct(p), Err(JL_ERR_INVALID_ARGUMENT));
        assert_eq!(check_struct(b.as_ptr()), Ok(()));
    }
}
