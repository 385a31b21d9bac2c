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
    /// The device's connection ended before the request was handed to its machine, or the
    /// driver of a LAN handle has stopped.
    #[error("the connection closed")]
    Closed,
    /// The device did not answer in time: the app machine's response timeout (500 ms, spec
    /// 6.3.3) or its last authorization retry passed.
    #[error("no answer from the device")]
    NoAnswer,
    /// The device answered with an error code (a refused authorization: -2001 when it is
    /// already activated with other keys; a gateway's refused sub-device request).
    #[error("the device refused: code {code}")]
    Refused {
        /// The answer's `code`.
        code: i32,
    },
    /// A broker URL the MQTT bridge cannot use, or its client failed (feature `mqtt`).
    #[error("mqtt: {0}")]
    Mqtt(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
