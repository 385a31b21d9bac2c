//! LAN endpoints (spec chapter 6, sub-devices chapter 8): the device (and gateway) machine
//! [`Device`] and, with `json`, the app (controller) machine `App`.
//!
//! Both are sans-IO: the caller feeds each received UDP datagram with the current [`Instant`]
//! and the sender's address, sends what `poll_transmit` hands out, and calls `handle_timeout`
//! at `poll_timeout`. Addresses are [`SocketAddr`]s; the machines never open a socket.
//!
//! [`Instant`]: crate::Instant

mod device;
mod fixed;
mod replay;
mod translate;
mod tx;

#[cfg(feature = "json")]
mod app;

#[cfg(feature = "json")]
pub use app::{
    AUTH_ATTEMPTS, AUTH_RETRY_MS, App, AppEvent, DeviceEntry, RESPONSE_TIMEOUT_MS, RequestHandle,
    ResponseBody,
};

pub use device::{
    Activation, Device, DeviceInfo, Event, Gateway, PENDING_TTL_MS, Request, RequestId,
    RequestKind, SCAN_REPLY_CAP, ScanPolicy, SubDeviceEntry, SubDeviceState,
};
pub use fixed::FixedStr;
pub use replay::{ReplayPolicy, ReplayTable};
pub use translate::Translator;

pub use core::net::SocketAddr;

use joylink_wire::{EncType, PacketType};

/// Largest datagram a machine sends or keeps in its queue: the receive buffer of shipped devices
/// is 1400 bytes, so nothing larger is ever useful on the LAN.
pub const MAX_DATAGRAM: usize = 1400;

/// The enctype a request of `packet_type` must carry towards a device (spec 6.3.x): discovery in
/// clear, the two authorizations with ECDH, everything else with the localkey. Shipped devices
/// enforce this table and drop anything else.
pub(crate) const fn request_enc_type(packet_type: PacketType) -> EncType {
    match packet_type {
        PacketType::Scan => EncType::None,
        PacketType::WriteKey | PacketType::SubDevAuth => EncType::Ecdh,
        _ => EncType::PreShared,
    }
}

/// The 32-bit timestamp a machine puts in front of its bodies: seconds since the caller's clock
/// origin, wrapping (peers only compare it for replays, never against their own clock).
pub(crate) fn timestamp_of(now: crate::Instant) -> u32 {
    let secs = now.0.checked_div(1000).unwrap_or(0);
    u32::try_from(secs & u64::from(u32::MAX)).unwrap_or(0)
}
