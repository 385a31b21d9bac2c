//! The TCP stream framer (joylink-wire `FrameDecoder`, spec 3.1) and the timestamp replay guard
//! (joylink-crypto `ReplayGuard`, spec 4.4 item 4), for C code that runs its own flows instead of
//! the `jl_wan_device_*` machine.

use core::ffi::c_int;
use core::ptr;

use joylink_crypto::{Clock, ReplayGuard, ReplayRule};
use joylink_wire::{FrameDecoder, FrameStatus, Magic};

use crate::ptr::{bytes, check_struct, read, write};
use crate::status::{
    JL_ERR_BAD_MAGIC, JL_ERR_BUFFER_TOO_SMALL, JL_ERR_INVALID_ARGUMENT, JL_ERR_NULL, JL_ERR_STATE,
    Status, ret,
};

const LIVE: u32 = 0x4a4c_4644; // "JLFD"

/// A frame decoder (opaque; `jl_frame_decoder_size()` bytes aligned to
/// `jl_frame_decoder_align()`), assembling frames in storage the caller lends it.
pub struct JlFrameDecoder {
    live: u32,
    dec: FrameDecoder<'static>,
}

/// Bytes a frame decoder needs (without its storage). Never fails.
#[unsafe(no_mangle)]
pub extern "C" fn jl_frame_decoder_size() -> usize {
    size_of::<JlFrameDecoder>()
}

/// Alignment a frame decoder needs. Never fails.
#[unsafe(no_mangle)]
pub extern "C" fn jl_frame_decoder_align() -> usize {
    align_of::<JlFrameDecoder>()
}

/// Creates a decoder in `mem` (`len` >= `jl_frame_decoder_size()`, aligned) that assembles
/// frames of at most `storage_len` bytes in `storage`, accepting `magic` (`JL_MAGIC_WAN`, or
/// `JL_MAGIC_LAN` for LAN packets over a stream); `*out` = the handle.
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_BUFFER_TOO_SMALL` (`len` too small, or `storage_len`
/// under 16); `JL_ERR_INVALID_ARGUMENT` (misaligned `mem`, overlapping `mem`/`storage`);
/// `JL_ERR_BAD_MAGIC`. On error nothing is written.
///
/// # Safety
/// `mem` writable for `len` bytes and `storage` for `storage_len` bytes, both used by nothing
/// else until the decoder is no longer used (no deinit is needed: it holds no secrets);
/// `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_frame_decoder_init(
    mem: *mut core::ffi::c_void,
    len: usize,
    storage: *mut u8,
    storage_len: usize,
    magic: u32,
    out: *mut *mut JlFrameDecoder,
) -> c_int {
    let r = (|| -> Status {
        check_struct(out)?;
        let mem = mem.cast::<JlFrameDecoder>();
        if mem.is_null() || storage.is_null() {
            return Err(JL_ERR_NULL);
        }
        if !mem.is_aligned() {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        if len < size_of::<JlFrameDecoder>() || storage_len < joylink_wire::HEADER_LEN {
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        if crate::ptr::overlaps(mem.cast::<u8>(), len, storage, storage_len) {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        let magic = Magic::try_from(magic).map_err(|_| JL_ERR_BAD_MAGIC)?;
        crate::ptr::check_bytes(storage, storage_len)?;
        // SAFETY: non-NULL, range checked; exclusive for as long as the decoder is used (the
        // caller's contract): that is the `'static` the decoder is given.
        let st: &'static mut [u8] =
            unsafe { core::slice::from_raw_parts_mut(storage, storage_len) };
        let value = JlFrameDecoder {
            live: LIVE,
            dec: FrameDecoder::new(st).with_magic(magic),
        };
        // SAFETY: non-NULL, aligned, large enough (checked); writable by contract.
        unsafe { ptr::write(mem, value) };
        // SAFETY: forwarded caller contract.
        unsafe { write(out, mem) }
    })();
    ret(r)
}

/// Feeds stream bytes. Consumes input until a frame is complete, the framing is lost, or the
/// input is used up; `*consumed` = bytes taken: call again with the rest.
///
/// On `JL_OK`, `*frame` / `*frame_len` = the whole packet (`header ‖ opt ‖ payload`) in the
/// storage when one is complete (decode or open it in place there; it is overwritten by the next
/// call), NULL / 0 when more input is needed. `JL_ERR_BAD_MAGIC` / `JL_ERR_TOO_LONG`: the stream
/// lost its framing; the decoder skips to the next magic if you go on feeding (or close the
/// connection); `*consumed` is valid, `*frame` NULL.
///
/// Returns also `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_STATE` (not initialised); then
/// `*consumed` = 0 and `*frame` = NULL (when those pointers are valid).
///
/// # Safety
/// `dec` from `jl_frame_decoder_init`; `input` readable for `len`; the outputs writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_frame_decoder_feed(
    dec: *mut JlFrameDecoder,
    input: *const u8,
    len: usize,
    consumed: *mut usize,
    frame: *mut *mut u8,
    frame_len: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe {
            write(consumed, 0)?;
            write(frame, ptr::null_mut())?;
            write(frame_len, 0)?;
        }
        check_struct(dec)?;
        // SAFETY: non-NULL and aligned (checked), readable by contract; only the marker first.
        if unsafe { ptr::addr_of!((*dec).live).read() } != LIVE {
            return Err(JL_ERR_STATE);
        }
        // SAFETY: initialised (marker checked), exclusive by contract.
        let d = unsafe { &mut *dec };
        // SAFETY: forwarded caller contract.
        let inp = unsafe { bytes(input, len) }?;
        let (rest, found, err) = match d.dec.feed(inp)? {
            FrameStatus::Partial => (&[][..], None, None),
            FrameStatus::Complete { frame, rest } => {
                (rest, Some((frame.as_mut_ptr(), frame.len())), None)
            }
            FrameStatus::Resync { error, rest } => (rest, None, Some(error)),
        };
        let taken = inp.len().saturating_sub(rest.len());
        // SAFETY: forwarded caller contract.
        unsafe {
            write(consumed, taken)?;
            if let Some((p, n)) = found {
                write(frame, p)?;
                write(frame_len, n)?;
            }
        }
        match err {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    })();
    ret(r)
}

/// Replay state for one peer (spec 4.4 item 4). Set it up with `jl_replay_init`; plain data,
/// so it can live anywhere and be copied.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JlReplayGuard {
    /// The last accepted timestamp (valid when `has_last` is 1).
    pub last: u32,
    /// 1 once a timestamp was accepted.
    pub has_last: u8,
    /// 1 = strictly increasing (what shipped devices check), 0 = only an equal timestamp is a
    /// replay (the spec's rule).
    pub increasing: u8,
}

fn guard_of(g: JlReplayGuard) -> Status<ReplayGuard> {
    let rule = match g.increasing {
        0 => ReplayRule::NotEqual,
        1 => ReplayRule::Increasing,
        _ => return Err(JL_ERR_INVALID_ARGUMENT),
    };
    let mut r = ReplayGuard::new(rule);
    if g.has_last != 0 {
        // The first timestamp is always accepted: this only sets `last`.
        r.accept(g.last, Clock::Unsynchronized)?;
    }
    Ok(r)
}

/// Starts a guard that has seen nothing; `increasing` 1 = strictly increasing timestamps
/// (shipped devices), 0 = the spec's "not equal" rule.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT` (misaligned, `increasing` > 1).
///
/// # Safety
/// `g` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_replay_init(g: *mut JlReplayGuard, increasing: u8) -> c_int {
    let r = (|| -> Status {
        if increasing > 1 {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        let v = JlReplayGuard {
            last: 0,
            has_last: 0,
            increasing,
        };
        // SAFETY: forwarded caller contract.
        unsafe { write(g, v) }
    })();
    ret(r)
}

/// Checks timestamp `ts` and records it when it passes. With `synced` = 1 the receiver's clock
/// reads `now` (seconds, same epoch) and `ts` must also be within ±60 s of it (spec 4.4 item 4).
///
/// Returns `JL_OK`; `JL_ERR_REPLAY` (a replay or outside the window: `*g` unchanged);
/// `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `g` readable and writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_replay_accept(
    g: *mut JlReplayGuard,
    ts: u32,
    synced: u8,
    now: u32,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let v = unsafe { read(g) }?;
        let mut guard = guard_of(v)?;
        let clock = match synced {
            0 => Clock::Unsynchronized,
            1 => Clock::Synchronized { now },
            _ => return Err(JL_ERR_INVALID_ARGUMENT),
        };
        guard.accept(ts, clock)?;
        let out = JlReplayGuard {
            last: guard.last().unwrap_or(ts),
            has_last: 1,
            ..v
        };
        // SAFETY: forwarded caller contract.
        unsafe { write(g, out) }
    })();
    ret(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::JlStatus;

    #[test]
    fn replay_guard_through_c() {
        let mut g = JlReplayGuard {
            last: 9,
            has_last: 9,
            increasing: 9,
        };
        // SAFETY: valid pointers to locals.
        unsafe {
            assert_eq!(jl_replay_init(&mut g, 1), 0);
            assert_eq!(jl_replay_accept(&mut g, 100, 0, 0), 0);
            assert_eq!(
                jl_replay_accept(&mut g, 100, 0, 0),
                JlStatus::JL_ERR_REPLAY as c_int
            );
            assert_eq!(
                jl_replay_accept(&mut g, 99, 0, 0),
                JlStatus::JL_ERR_REPLAY as c_int
            );
            assert_eq!(g.last, 100);
            // Outside the ±60 s window of a synchronised clock.
            assert_eq!(
                jl_replay_accept(&mut g, 200, 1, 100),
                JlStatus::JL_ERR_REPLAY as c_int
            );
            assert_eq!(jl_replay_accept(&mut g, 150, 1, 100), 0);
            assert_eq!(g.last, 150);
            assert_eq!(jl_replay_init(&mut g, 0), 0);
            assert_eq!(jl_replay_accept(&mut g, 5, 0, 0), 0);
            assert_eq!(
                jl_replay_accept(&mut g, 4, 0, 0),
                0,
                "not-equal rule takes older"
            );
            assert_eq!(
                jl_replay_accept(&mut g, 4, 0, 0),
                JlStatus::JL_ERR_REPLAY as c_int
            );
        }
    }
}
