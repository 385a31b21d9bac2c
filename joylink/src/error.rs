//! The facade's one error type, for LAN, WAN, the inner sub-device layer and typed dispatch.
//!
//! Lower crates' errors come in through one wrapping variant each ([`Error::Wire`],
//! [`Error::Crypto`], [`Error::Timer`]); the rest are the facade's own checks (which network,
//! which enctype, which key).
//!
//! A malformed JSON body, LAN or WAN, is
//! [`Error::Wire`]`(`[`joylink_wire::Error::Json`]` { what, line, column })`: one shape for every
//! document, without serde_json's error type in the public API. So the enum is `Clone`,
//! `PartialEq` and `Eq` with or without the `json` feature, and a caller can compare errors
//! with `==` in tests and store them in its own `Eq` types.

use joylink_wire::{EncType, Magic, PacketType};

/// Errors of the `joylink` facade.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A header, binary body or JSON body is malformed, or a buffer is too small to encode
    /// into. A JSON body that is not valid JSON or lacks a required key is
    /// [`joylink_wire::Error::Json`], naming the body and the line and column of the problem;
    /// the framing errors of a LAN JSON plaintext (a payload shorter than its timestamp, …) are
    /// the binary variants (`Truncated`).
    #[error(transparent)]
    Wire(#[from] joylink_wire::Error),
    /// Opening or sealing failed: bad header, wrong key, bad padding — one `Decrypt` value for
    /// every decryption failure, never which — or a public key is invalid.
    #[error(transparent)]
    Crypto(#[from] joylink_crypto::Error),
    /// A `time_exp` or a civil time of [`timer`](crate::timer) is invalid (spec chapter 10); a
    /// type-13 body that does not decode is [`Error::Wire`].
    #[error(transparent)]
    Timer(#[from] joylink_timer::Error),
    /// The packet's magic is not the network the function handles (a WAN packet given to
    /// `lan::open`, or the other way round).
    #[error("expected a {expected} packet, got {found}")]
    WrongNetwork {
        /// The network the function handles.
        expected: Magic,
        /// The header's magic.
        found: Magic,
    },
    /// The packet is not of the type the function handles (a type-3 packet given to
    /// `lan::open_subdev_script`, which opens type 104 only).
    #[error("expected packet type {expected}, got {found}")]
    WrongPacketType {
        /// The type the function handles.
        expected: PacketType,
        /// The header's type.
        found: PacketType,
    },
    /// The header's enctype is not the one this packet type travels with (`joylink_wire::table`;
    /// a shipped device drops such a packet).
    #[error("{packet_type} may not use enctype {found} (expected {expected})")]
    EncTypeNotAllowed {
        /// The packet type.
        packet_type: PacketType,
        /// What the table requires.
        expected: EncType,
        /// What the header says.
        found: EncType,
    },
    /// The packet needs a key the caller did not provide: `"localkey"`, `"key pair"` or
    /// `"peer public key"` on the LAN, `"session key"` for a WAN packet other than type 9 before
    /// auth, or the keys of the other network.
    #[error("no {key} to handle packet type {packet_type}")]
    MissingKey {
        /// Which key is missing.
        key: &'static str,
        /// The type of the packet being opened or sealed.
        packet_type: PacketType,
    },
}

/// `Result` with the facade's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::string::ToString;

    #[test]
    fn messages_are_lower_case_and_name_the_values() {
        let e = Error::WrongNetwork {
            expected: Magic::Lan,
            found: Magic::Wan,
        };
        let s = e.to_string();
        assert!(s.starts_with("expected a "), "{s}");
        let e = Error::MissingKey {
            key: "session key",
            packet_type: PacketType::Heartbeat,
        };
        assert!(e.to_string().starts_with("no session key"), "{e}");
    }

    /// The promise of the module doc: the facade's error is `Clone + PartialEq + Eq` (and
    /// `Send + Sync + 'static`, so it crosses threads and boxes as `dyn Error`), whatever the
    /// features.
    #[test]
    fn error_is_clone_eq_send_sync() {
        fn assert_traits<T: Clone + PartialEq + Eq + Send + Sync + core::error::Error + 'static>() {
        }
        assert_traits::<Error>();
        let e = Error::Wire(joylink_wire::Error::Json {
            what: "JsonControlRequest",
            line: 1,
            column: 2,
        });
        assert_eq!(e.clone(), e);
        assert_ne!(e, Error::Crypto(joylink_crypto::Error::Decrypt));
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_errors_are_wire_errors_with_a_position() {
        let short = joylink_wire::lan::parse(
            PacketType::JsonControl,
            b"ab",
            joylink_wire::Direction::ToDevice,
        );
        let e = Error::from(short.expect_err("two bytes hold no timestamp"));
        assert!(
            matches!(e, Error::Wire(joylink_wire::Error::Truncated { .. })),
            "{e:?}"
        );
        let bad = joylink_wire::lan::parse(
            PacketType::JsonControl,
            b"\0\0\0\0{",
            joylink_wire::Direction::ToDevice,
        );
        let e = Error::from(bad.expect_err("truncated JSON"));
        assert_eq!(
            e,
            Error::Wire(joylink_wire::Error::Json {
                what: "JsonControlRequest",
                line: 1,
                column: 1
            })
        );
    }
}
