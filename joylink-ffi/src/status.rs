//! The one status enum every `jl_` function returns, and the mapping from the Rust crates' errors.

use core::ffi::c_int;

/// Status returned by every `jl_` function (as an `int`): `JL_OK` (0) on success, a negative
/// value on failure.
///
/// On failure nothing has been written to the caller's output buffers, except where a function
/// documents otherwise (a size-query output such as `*out_len` = bytes needed, output structs that
/// are zeroed, a payload wiped after `JL_ERR_DECRYPT`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)] // the C names, so that Rust and C code grep the same
pub enum JlStatus {
    /// Success.
    JL_OK = 0,
    /// A required pointer argument was NULL (a data pointer may be NULL only when its length is 0).
    JL_ERR_NULL = -1,
    /// The caller's output buffer is too small; nothing was written. Functions with a
    /// `size_t *out_len` report the size needed in it.
    JL_ERR_BUFFER_TOO_SMALL = -2,
    /// An argument is out of range: an unknown enctype, CRC policy or flag bit, a length above
    /// `PTRDIFF_MAX` or one that wraps the address space, a misaligned struct pointer, an input
    /// that overlaps the output buffer, or a fixed-size input of the wrong length.
    JL_ERR_INVALID_ARGUMENT = -3,
    /// The input is shorter than the format requires (e.g. fewer than 16 header bytes, or an
    /// enctype-0 payload without its 4-byte timestamp; an *encrypted* payload that decrypts to
    /// fewer bytes is `JL_ERR_DECRYPT`).
    JL_ERR_TRUNCATED = -4,
    /// The first 4 bytes are neither the LAN (`0x123455BB`) nor the WAN (`0x123455CC`) magic
    /// (spec 3.2); for a builder, the header's `magic` is neither.
    JL_ERR_BAD_MAGIC = -5,
    /// The buffer length differs from `16 + optlen + payloadlen` (spec 3.2).
    JL_ERR_LENGTH_MISMATCH = -6,
    /// The header CRC differs from CRC16 over `opt ‖ payload` and the caller asked to verify it.
    JL_ERR_CRC_MISMATCH = -7,
    /// `opt` or `payload` is longer than 65535 bytes (the header's 16-bit length fields).
    JL_ERR_TOO_LONG = -8,
    /// Any other malformed input reported by the codecs.
    JL_ERR_MALFORMED = -9,
    /// The packet's `enctype` is not the one of the key it is opened with.
    JL_ERR_ENCTYPE_MISMATCH = -10,
    /// Decryption failed: wrong key, bad padding, a payload length that is not a non-zero
    /// multiple of 16, or a plaintext too short for its 4-byte timestamp. One value for all of
    /// them, on purpose (no padding oracle); the payload bytes of the buffer are all zero after it.
    JL_ERR_DECRYPT = -11,
    /// A key has the wrong length or content (a key string must be 32 printable ASCII
    /// characters, a session key 32 bytes, an ECDH secret 20 bytes, a private key non-zero).
    JL_ERR_BAD_KEY = -12,
    /// A public key is not a valid secp160r1 point (bad length, prefix or hex, a coordinate not
    /// below p, not on the curve, or the point at infinity).
    JL_ERR_BAD_PUBLIC_KEY = -13,
    /// A `time_exp` string does not parse (spec chapter 10).
    JL_ERR_TIME_EXP = -14,
    /// A civil time is invalid (year outside 1970–9999, day beyond the month, hour > 23, ...).
    JL_ERR_BAD_TIME = -15,
    /// The `time_exp` never fires after the given time (all its years are past, or it cannot
    /// fire before year 10000).
    JL_ERR_NO_NEXT_TIME = -16,
    /// The call does not fit the session machine's state: a session call before authentication,
    /// `jl_wan_device_input` while an event that borrows the receive buffer waits to be polled,
    /// a device handle that `jl_wan_device_init` did not initialise (or that was deinitialised).
    JL_ERR_STATE = -17,
    /// A fixed capacity is exhausted: the machine's send queue is full (drain it with
    /// `..._poll_transmit`), the timer table is full, an incoming frame is longer than the
    /// receive buffer.
    JL_ERR_CAPACITY = -18,
    /// The caller's random-number callback returned non-zero.
    JL_ERR_RNG = -19,
    /// A persisted blob (`jl_activation_load`) has the wrong magic, version, length or CRC.
    JL_ERR_CORRUPT = -20,
    /// A timestamp is a replay (`jl_replay_accept`: equal to, or with the increasing rule not
    /// after, the last one accepted) or more than 60 s away from a synchronised clock; or
    /// `jl_lan_device_input` dropped a request whose timestamp is not newer than the last one
    /// accepted from the same peer (spec 4.4 item 4; the datagram had opened, so the key is
    /// right: a replayed capture, or an app that restarted its clock).
    JL_ERR_REPLAY = -21,
}

pub(crate) use JlStatus::*;

/// What the `jl_` wrappers compute internally.
pub(crate) type Status<T = ()> = Result<T, JlStatus>;

/// The `int` a `jl_` function returns.
pub(crate) fn ret(r: Status) -> c_int {
    match r {
        Ok(()) => JL_OK as c_int,
        Err(s) => s as c_int,
    }
}

impl From<joylink_wire::Error> for JlStatus {
    fn from(e: joylink_wire::Error) -> Self {
        use joylink_wire::Error as E;
        match e {
            E::BufferTooSmall { .. } => JL_ERR_BUFFER_TOO_SMALL,
            E::Truncated { .. } => JL_ERR_TRUNCATED,
            E::BadMagic(_) => JL_ERR_BAD_MAGIC,
            E::LengthMismatch { .. } => JL_ERR_LENGTH_MISMATCH,
            E::CrcMismatch { .. } => JL_ERR_CRC_MISMATCH,
            E::TooLong { .. } => JL_ERR_TOO_LONG,
            _ => JL_ERR_MALFORMED,
        }
    }
}

impl From<joylink_crypto::Error> for JlStatus {
    fn from(e: joylink_crypto::Error) -> Self {
        use joylink_crypto::Error as E;
        match e {
            E::Decrypt => JL_ERR_DECRYPT,
            E::BufferTooSmall { .. } => JL_ERR_BUFFER_TOO_SMALL,
            E::KeyLength { .. } | E::KeyNotAscii { .. } | E::PrivateKeyZero => JL_ERR_BAD_KEY,
            E::PublicKeyLength(_)
            | E::PublicKeyPrefix(_)
            | E::PublicKeyHex { .. }
            | E::PublicKeyOutOfRange
            | E::PublicKeyNotOnCurve
            | E::PublicKeyIdentity => JL_ERR_BAD_PUBLIC_KEY,
            E::EncTypeMismatch { .. } => JL_ERR_ENCTYPE_MISMATCH,
            E::Replayed { .. } | E::OutsideWindow { .. } => JL_ERR_REPLAY,
            E::Wire(w) => w.into(),
            _ => JL_ERR_MALFORMED,
        }
    }
}

impl From<joylink_timer::Error> for JlStatus {
    fn from(e: joylink_timer::Error) -> Self {
        match e {
            joylink_timer::Error::InvalidCivil { .. } => JL_ERR_BAD_TIME,
            _ => JL_ERR_TIME_EXP,
        }
    }
}

impl From<joylink_session::Error> for JlStatus {
    fn from(e: joylink_session::Error) -> Self {
        use joylink_session::Error as E;
        match e {
            E::Wire(w) => w.into(),
            E::Crypto(c) => c.into(),
            E::Capacity => JL_ERR_CAPACITY,
            E::State(_) => JL_ERR_STATE,
            // A replay has its own status (the C caller may count or log attacks apart); every
            // other reason a machine drops a packet is, as before, a malformed one to C.
            E::Dropped(r) if r.is_replay() => JL_ERR_REPLAY,
            _ => JL_ERR_MALFORMED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_is_zero_and_errors_are_negative_and_distinct() {
        let all = [
            JL_ERR_NULL,
            JL_ERR_BUFFER_TOO_SMALL,
            JL_ERR_INVALID_ARGUMENT,
            JL_ERR_TRUNCATED,
            JL_ERR_BAD_MAGIC,
            JL_ERR_LENGTH_MISMATCH,
            JL_ERR_CRC_MISMATCH,
            JL_ERR_TOO_LONG,
            JL_ERR_MALFORMED,
            JL_ERR_ENCTYPE_MISMATCH,
            JL_ERR_DECRYPT,
            JL_ERR_BAD_KEY,
            JL_ERR_BAD_PUBLIC_KEY,
            JL_ERR_TIME_EXP,
            JL_ERR_BAD_TIME,
            JL_ERR_NO_NEXT_TIME,
            JL_ERR_STATE,
            JL_ERR_CAPACITY,
            JL_ERR_RNG,
            JL_ERR_CORRUPT,
            JL_ERR_REPLAY,
        ];
        assert_eq!(ret(Ok(())), 0);
        for (i, s) in all.iter().enumerate() {
            assert_eq!(ret(Err(*s)), -(i as c_int) - 1);
        }
    }

    #[test]
    fn crypto_wire_errors_map_through() {
        let e = joylink_crypto::Error::Wire(joylink_wire::Error::CrcMismatch {
            expected: 1,
            computed: 2,
        });
        assert_eq!(JlStatus::from(e), JL_ERR_CRC_MISMATCH);
        assert_eq!(
            JlStatus::from(joylink_crypto::Error::Decrypt),
            JL_ERR_DECRYPT
        );
    }

    #[test]
    fn a_session_replay_is_jl_err_replay_and_other_drops_stay_malformed() {
        use joylink_session::{DropReason, Error};
        assert_eq!(
            JlStatus::from(Error::Dropped(DropReason::Replayed)),
            JL_ERR_REPLAY
        );
        for r in [
            DropReason::Unsupported,
            DropReason::Fragment,
            DropReason::EncTypeNotAllowed,
            DropReason::NotActivated,
            DropReason::AlreadyActivated,
            DropReason::UnknownDevice,
            DropReason::Unexpected,
            DropReason::Malformed,
            DropReason::Untranslatable,
        ] {
            assert_eq!(JlStatus::from(Error::Dropped(r)), JL_ERR_MALFORMED, "{r}");
        }
        assert_eq!(
            JlStatus::from(Error::Crypto(joylink_crypto::Error::Decrypt)),
            JL_ERR_DECRYPT
        );
    }
}
