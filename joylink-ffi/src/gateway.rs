//! The gateway (spec chapter 8): the LAN device machine with a table of `JL_GATEWAY_SUBS`
//! sub-devices, through C. It is created with `jl_gateway_init` and driven by the
//! `jl_lan_device_*` functions like a device (its handle is a `jl_lan_device_t *`); the
//! functions here read and restore the sub-device table, which the firmware persists after
//! `JL_LAN_EVENT_SUBDEV_ADDED` / `JL_LAN_EVENT_SUBDEV_AUTHORIZED`.

use core::ffi::{c_int, c_void};

use joylink_crypto::{AccessKey, LocalKey};
use joylink_session::lan::{FixedStr, SubDeviceEntry, SubDeviceState};

use crate::lan::{
    Any, JL_GATEWAY_SUBS, JlLanConfig, JlLanDevice, LIVE_GATEWAY, Lan, init, resolve,
};
use crate::ptr::{check_struct, read, write};
use crate::rng::JlRngFn;
use crate::status::{JL_ERR_INVALID_ARGUMENT, JL_ERR_STATE, Status, ret};

/// One row of a gateway's sub-device table (`jl_gateway_sub_device`). Strings are bytes with a
/// length; the keys are 32 ASCII characters, meaningful only when `authorized` is 1. The struct
/// has no padding (every byte is written), so a firmware may store it in flash as it is.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JlSubDevice {
    /// Radio protocol (0 Wi-Fi, 1 Zigbee, 2 Bluetooth, 3 433 MHz).
    pub protocol: i32,
    /// 0: the slot is empty (every other field is 0).
    pub in_use: u8,
    /// 1: keys stored (spec 6.3.1 `state` 0); 0: added, waiting for its keys (`state` 1).
    pub authorized: u8,
    /// 0–32.
    pub mac_len: u8,
    /// 0–16.
    pub product_uuid_len: u8,
    /// 0–32.
    pub feed_id_len: u8,
    /// 0 (written as 0, ignored when read).
    pub reserved: [u8; 3],
    /// MAC text.
    pub mac: [u8; 32],
    /// Product uuid.
    pub product_uuid: [u8; 16],
    /// Feed id (empty while waiting).
    pub feed_id: [u8; 32],
    /// The sub-device's accesskey.
    pub access_key: [u8; 32],
    /// The sub-device's localkey (the inner layer of type 104).
    pub local_key: [u8; 32],
}

const EMPTY: JlSubDevice = JlSubDevice {
    reserved: [0; 3],
    in_use: 0,
    authorized: 0,
    protocol: 0,
    mac: [0; 32],
    mac_len: 0,
    product_uuid: [0; 16],
    product_uuid_len: 0,
    feed_id: [0; 32],
    feed_id_len: 0,
    access_key: [0; 32],
    local_key: [0; 32],
};

/// Bytes of memory a gateway needs (pass at least this to `jl_gateway_init`). Never fails.
#[unsafe(no_mangle)]
pub extern "C" fn jl_gateway_size() -> usize {
    size_of::<Lan<JL_GATEWAY_SUBS>>()
}

/// Alignment the gateway memory needs. Never fails.
#[unsafe(no_mangle)]
pub extern "C" fn jl_gateway_align() -> usize {
    align_of::<Lan<JL_GATEWAY_SUBS>>()
}

/// Creates a gateway (scan replies say `devtype` 1 and list its sub-devices), with an empty
/// sub-device table, in `mem` (`len` >= `jl_gateway_size()`, aligned to `jl_gateway_align()`);
/// `*out` = the handle for the `jl_lan_device_*` functions. Arguments and randomness as
/// `jl_lan_device_init`.
///
/// Returns as `jl_lan_device_init` (`JL_ERR_BUFFER_TOO_SMALL` for `len` <
/// `jl_gateway_size()`); on error `mem` and `*out` are untouched.
///
/// # Safety
/// As `jl_lan_device_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_gateway_init(
    mem: *mut c_void,
    len: usize,
    cfg: *const JlLanConfig,
    rng: JlRngFn,
    rng_ctx: *mut c_void,
    out: *mut *mut JlLanDevice,
) -> c_int {
    // SAFETY: forwarded caller contract.
    ret(unsafe { init::<JL_GATEWAY_SUBS>(LIVE_GATEWAY, 1, mem, len, cfg, rng, rng_ctx, out) })
}

/// Borrows the gateway behind a handle (`JL_ERR_STATE` for a plain device).
///
/// # Safety
/// As `resolve`.
unsafe fn gateway<'a>(dev: *mut JlLanDevice) -> Status<&'a mut Lan<JL_GATEWAY_SUBS>> {
    // SAFETY: forwarded caller contract.
    match unsafe { resolve(dev) }? {
        Any::Gateway(g) => Ok(g),
        Any::Device(_) => Err(JL_ERR_STATE),
    }
}

fn put(dst: &mut [u8], len: &mut u8, src: &str) {
    let n = src.len().min(dst.len());
    if let (Some(d), Some(s)) = (dst.get_mut(..n), src.as_bytes().get(..n)) {
        d.copy_from_slice(s);
    }
    *len = u8::try_from(n).unwrap_or(0);
}

fn row_of(e: &SubDeviceEntry) -> JlSubDevice {
    let mut r = JlSubDevice {
        in_use: 1,
        authorized: u8::from(e.state == SubDeviceState::Authorized),
        protocol: e.protocol,
        ..EMPTY
    };
    put(&mut r.mac, &mut r.mac_len, e.mac.as_str());
    put(
        &mut r.product_uuid,
        &mut r.product_uuid_len,
        e.productuuid.as_str(),
    );
    put(&mut r.feed_id, &mut r.feed_id_len, e.feed_id.as_str());
    if let Some(k) = &e.accesskey {
        r.access_key = *k.raw_secret_bytes();
    }
    if let Some(k) = &e.localkey {
        r.local_key = *k.raw_secret_bytes();
    }
    r
}

fn entry_of(r: &JlSubDevice) -> Status<SubDeviceEntry> {
    fn text<const N: usize>(b: &[u8], len: u8) -> Status<FixedStr<N>> {
        let b = b.get(..usize::from(len)).ok_or(JL_ERR_INVALID_ARGUMENT)?;
        let s = core::str::from_utf8(b).map_err(|_| JL_ERR_INVALID_ARGUMENT)?;
        FixedStr::new(s).ok_or(JL_ERR_INVALID_ARGUMENT)
    }
    let authorized = match r.authorized {
        0 => false,
        1 => true,
        _ => return Err(JL_ERR_INVALID_ARGUMENT),
    };
    Ok(SubDeviceEntry {
        mac: text(&r.mac, r.mac_len)?,
        productuuid: text(&r.product_uuid, r.product_uuid_len)?,
        protocol: r.protocol,
        state: if authorized {
            SubDeviceState::Authorized
        } else {
            SubDeviceState::Waiting
        },
        feed_id: text(&r.feed_id, r.feed_id_len)?,
        localkey: if authorized {
            Some(LocalKey::from_ascii(&r.local_key)?)
        } else {
            None
        },
        accesskey: if authorized {
            Some(AccessKey::from_ascii(&r.access_key)?)
        } else {
            None
        },
    })
}

/// Row `index` of the gateway's sub-device table (`out->in_use` = 0 for an empty slot).
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT` (`index` >= `JL_GATEWAY_SUBS`);
/// `JL_ERR_STATE` (not initialised, or a plain device). `*out` is written only on `JL_OK`; it
/// holds the sub-device's keys: wipe it after storing it.
///
/// # Safety
/// `dev` from `jl_gateway_init`; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_gateway_sub_device(
    dev: *mut JlLanDevice,
    index: usize,
    out: *mut JlSubDevice,
) -> c_int {
    let r = (|| -> Status {
        check_struct(out)?;
        // SAFETY: forwarded caller contract.
        let g = unsafe { gateway(dev) }?;
        if index >= JL_GATEWAY_SUBS {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        let row = g
            .machine
            .sub_devices()
            .find(|(i, _)| *i == index)
            .map_or(EMPTY, |(_, e)| row_of(e));
        // SAFETY: forwarded caller contract.
        unsafe { write(out, row) }
    })();
    ret(r)
}

/// Restores row `index` of the sub-device table (at boot, from flash), or empties it when `row`
/// is NULL or `row->in_use` is 0 (the sub-device was removed).
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT` (`index` out of range, lengths out
/// of range, text not UTF-8, `authorized` not 0 or 1); `JL_ERR_BAD_KEY` (an authorized row's key
/// that is not 32 printable ASCII characters); `JL_ERR_STATE` (not initialised, or a plain
/// device). On error the table is unchanged.
///
/// # Safety
/// `dev` from `jl_gateway_init`; `row` NULL or a readable `jl_sub_device_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_gateway_set_sub_device(
    dev: *mut JlLanDevice,
    index: usize,
    row: *const JlSubDevice,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        let g = unsafe { gateway(dev) }?;
        if index >= JL_GATEWAY_SUBS {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        let entry = if row.is_null() {
            None
        } else {
            // SAFETY: forwarded caller contract.
            let r = unsafe { read(row) }?;
            if r.in_use == 0 {
                None
            } else {
                Some(entry_of(&r)?)
            }
        };
        Ok(g.machine.set_sub_device(index, entry)?)
    })();
    ret(r)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// The C example reserves 10 KiB for a gateway (`FW_LAN_MEM` with `FW_GATEWAY`).
    #[test]
    fn memory_size() {
        std::println!(
            "jl_gateway_size {} (align {})",
            jl_gateway_size(),
            jl_gateway_align()
        );
        assert!(jl_gateway_size() <= 10240, "{}", jl_gateway_size());
        assert!(jl_gateway_align() <= 8);
    }

    /// Every byte of a row is a field: what is written to flash is fully initialised.
    #[test]
    fn row_has_no_padding() {
        assert_eq!(size_of::<JlSubDevice>(), 4 + 8 + 32 + 16 + 32 + 32 + 32);
    }

    #[test]
    fn rows_round_trip() {
        let e = SubDeviceEntry {
            mac: FixedStr::new("AABBCCDDEEFF").unwrap_or_default(),
            productuuid: FixedStr::new("UUID01").unwrap_or_default(),
            protocol: 1,
            state: SubDeviceState::Authorized,
            feed_id: FixedStr::new("feed-7").unwrap_or_default(),
            localkey: LocalKey::from_ascii(&[b'c'; 32]).ok(),
            accesskey: AccessKey::from_ascii(&[b'd'; 32]).ok(),
        };
        let r = row_of(&e);
        assert_eq!((r.in_use, r.authorized, r.mac_len), (1, 1, 12));
        assert_eq!(entry_of(&r), Ok(e));
        let waiting = JlSubDevice { authorized: 0, ..r };
        assert_eq!(entry_of(&waiting).map(|e| e.localkey), Ok(None));
        let bad = JlSubDevice { authorized: 2, ..r };
        assert_eq!(entry_of(&bad), Err(JL_ERR_INVALID_ARGUMENT));
        let long = JlSubDevice { mac_len: 33, ..r };
        assert_eq!(entry_of(&long), Err(JL_ERR_INVALID_ARGUMENT));
    }
}
