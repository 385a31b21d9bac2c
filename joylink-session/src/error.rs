//! The one error type of the session machines.

/// Why a session machine refused a call or a received packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The packet did not decode (header, CRC, body).
    #[error("wire: {0}")]
    Wire(#[from] joylink_wire::Error),
    /// The packet did not open (wrong key, bad padding, replay, ...).
    #[error("crypto: {0}")]
    Crypto(#[from] joylink_crypto::Error),
    /// A fixed-capacity table (timers, sub-devices, peers, pending requests) is full.
    #[error("capacity exceeded")]
    Capacity,
    /// The call is not valid in the machine's current state (e.g. control before authorization).
    #[error("not valid in state {0}")]
    State(&'static str),
    /// A received packet dropped by a protocol rule (replayed timestamp, wrong enctype for its
    /// type, not activated, unknown sub-device, body that does not parse); nothing is sent back.
    #[error("dropped: {0}")]
    Dropped(&'static str),
}

/// `Result` with the session [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
