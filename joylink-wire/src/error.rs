//! The crate's one error type.
//!
//! Every decoder of the crate returns one of these variants instead of panicking; every encoder
//! returns [`Error::BufferTooSmall`] before writing anything when the caller's buffer is short.
//! The enum is `Copy` and carries no heap data, so it is usable in `no_std` firmware.

/// Everything that can go wrong while decoding or encoding JoyLink bytes.
///
/// `#[non_exhaustive]`: the LAN/WAN body modules and later spec revisions may add variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's output buffer is shorter than what the encoder must write; nothing was written.
    #[error("output buffer too small: {needed} bytes needed, {available} available")]
    BufferTooSmall {
        /// Bytes the encoder needs.
        needed: usize,
        /// Bytes the caller's buffer holds.
        available: usize,
    },
    /// The input ends before the format says it should (a short header, a length field that points
    /// past the end, a truncated body field).
    #[error("input truncated: {needed} bytes needed, {available} available")]
    Truncated {
        /// Bytes the format requires at this point.
        needed: usize,
        /// Bytes actually present.
        available: usize,
    },
    /// The first four bytes are neither the LAN magic `0x123455BB` nor the WAN magic `0x123455CC`
    /// (spec 3.2). Carries the little-endian value read.
    #[error("bad magic 0x{0:08x}")]
    BadMagic(u32),
    /// The buffer length differs from `16 + optlen + payloadlen` (spec 3.2; the SDK drops such a
    /// datagram, compat §1).
    #[error("length mismatch: header declares {declared} bytes, buffer holds {actual}")]
    LengthMismatch {
        /// `16 + optlen + payloadlen` as the header declares it.
        declared: usize,
        /// The buffer's actual length.
        actual: usize,
    },
    /// The header's `crc` field does not equal CRC16 over `opt ‖ payload` (spec 1.2, 3.2), and the
    /// caller asked for [`CrcPolicy::Verify`](crate::CrcPolicy::Verify).
    #[error("crc mismatch: header says 0x{expected:04x}, computed 0x{computed:04x}")]
    CrcMismatch {
        /// The value stored in the header.
        expected: u16,
        /// CRC16 of `opt ‖ payload` as received.
        computed: u16,
    },
    /// A variable part is longer than its length field or the format allows (for example `opt` or
    /// `payload` longer than `u16::MAX`, a frame longer than the decoder's maximum).
    #[error("{field} too long: {len} bytes, at most {max}")]
    TooLong {
        /// The field or section concerned.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// A numeric field holds a value the format does not allow.
    #[error("{field} out of range: {value}")]
    OutOfRange {
        /// The field concerned.
        field: &'static str,
        /// The offending value (widened to `u32`).
        value: u32,
    },
    /// Bytes are left over after a complete value was decoded.
    #[error("{len} trailing bytes after {what}")]
    TrailingData {
        /// What was decoded.
        what: &'static str,
        /// How many bytes follow it.
        len: usize,
    },
    /// A fragment carries an `index` that was already received for this message (spec 3.2
    /// `total`/`index`).
    #[error("duplicate fragment {index}")]
    DuplicateFragment {
        /// The repeated 1-based index.
        index: u8,
    },
    /// A fragment's `total` (or opt, or message id) differs from that of the first fragment of the
    /// message being reassembled.
    #[error("inconsistent fragment: {field} is {found}, expected {expected}")]
    FragmentMismatch {
        /// Which header field or section differs (`"total"`, `"reserved"`, `"opt"`).
        field: &'static str,
        /// The value the first fragment established.
        expected: u32,
        /// The value this fragment carries.
        found: u32,
    },
    /// The packet is one fragment of a larger message (`total > 1`, spec 3.2): its payload is a
    /// slice that cannot be opened or parsed alone. Reassemble first
    /// ([`Reassembler`](crate::Reassembler)), then open the reassembled packet.
    #[error("packet is fragment {index} of {total}: reassemble first")]
    Fragment {
        /// The fragment's 1-based `index`.
        index: u8,
        /// The message's `total`.
        total: u8,
    },
    /// The reassembler's storage (payload bytes or fragment slots) cannot hold the message.
    #[error("reassembly storage overflow: {needed} bytes needed, {available} available")]
    ReassemblyOverflow {
        /// Bytes (or slots) the message needs so far.
        needed: usize,
        /// Bytes (or slots) the caller provided.
        available: usize,
    },
    /// A text field (a NUL-padded `feedid[32]`, a version name, a JSON body) is not valid UTF-8.
    #[error("{field} is not valid utf-8")]
    InvalidUtf8 {
        /// The field concerned.
        field: &'static str,
    },
    /// WAN auth (type 9): the random number of the opt differs from the payload's (spec 7.3.1,
    /// 7.3.2 注: both sides must check that they agree).
    #[error("auth random numbers differ: opt {opt}, payload {payload}")]
    RandomMismatch {
        /// The number in the opt section.
        opt: u32,
        /// The number in the payload.
        payload: u32,
    },
    /// Type 13: a task list of the full form (`task_t`, with `feedid` and `name`) was given a task
    /// without a label, or a simplified list (`simplified_task_t`) one with a label (spec 10).
    #[error("task form mismatch: expected the {expected} form")]
    TaskForm {
        /// `"full"` or `"simplified"`.
        expected: &'static str,
    },
    /// A firmware version name is not in the `1.2.1.20151030_release` format of spec 9.
    #[error("invalid version name: {reason}")]
    InvalidVersionName {
        /// Which part is wrong.
        reason: &'static str,
    },
    /// A message was built from a body of another type than the one it carries (or a name no
    /// message of the network has), e.g. `WanMessage::from_body("heartbeat", a control body)`.
    #[error("a {body} body is not what message {message} carries")]
    BodyMismatch {
        /// The message asked for.
        message: &'static str,
        /// The body type given.
        body: &'static str,
    },
    /// A JSON body (feature `json`) is not valid JSON or not of the expected shape.
    #[error("invalid {what} json at line {line} column {column}")]
    Json {
        /// The document concerned.
        what: &'static str,
        /// 1-based line of the problem (0 when not known).
        line: usize,
        /// 1-based column of the problem (0 when not known).
        column: usize,
    },
}

/// `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn display_is_lower_case_without_period() {
        let e = Error::BufferTooSmall {
            needed: 20,
            available: 3,
        };
        assert_eq!(
            e.to_string(),
            "output buffer too small: 20 bytes needed, 3 available"
        );
        assert_eq!(
            Error::BadMagic(0x1234_55aa).to_string(),
            "bad magic 0x123455aa"
        );
        assert_eq!(
            Error::CrcMismatch {
                expected: 0x1d18,
                computed: 0xffff
            }
            .to_string(),
            "crc mismatch: header says 0x1d18, computed 0xffff"
        );
    }
}
