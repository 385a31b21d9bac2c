//! The caller's random-number callback, shared by the session machines (`jl_wan_device_init`,
//! `jl_lan_device_init`, `jl_gateway_init`).

use core::ffi::{c_int, c_void};

/// The caller's random-number source: fill `len` bytes at `buf`, return 0, or non-zero on failure
/// (the call that needed randomness then fails with `JL_ERR_RNG`). Must be a CSPRNG.
pub type JlRngFn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, buf: *mut u8, len: usize) -> c_int>;
