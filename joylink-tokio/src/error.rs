//! The crate's one error type.

/// What can go wrong in the adapters and drivers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A socket error.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A framing error from the codec (bad magic, frame over the bound).
    #[error("wire: {0}")]
    Wire(#[from] joylink_wire::Error),
    /// A machine refused a packet or a request.
    #[error("session: {0}")]
    Session(#[from] joylink_session::Error),
    /// No connection holds this device (not connected or not authenticated).
    #[error("device {0} is not online")]
    NotOnline(String),
    /// The device's connection ended before the request was handed to its machine.
    #[error("the connection closed")]
    Closed,
    /// A broker URL the MQTT bridge cannot use, or its client failed (feature `mqtt`).
    #[error("mqtt: {0}")]
    Mqtt(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
