//! WAN endpoints (spec chapter 7, 8.4, 9.5/9.6, 10): the device's end of the cloud connection
//! ([`Device`]), a gateway's ([`Gateway`]: the device plus sub-devices) and the cloud's end of
//! one device connection ([`Cloud`]).
//!
//! Both are sans-IO in the manner of quinn-proto: stream bytes in with the current
//! [`Instant`](crate::Instant), stream bytes out, a deadline, events; randomness from the caller's
//! `rand_core::CryptoRng` passed to the call that needs it. The TCP connection itself belongs to
//! the caller, who reports a new one (`connected`) and a dropped one (`connection_lost`).
//!
//! # Keys
//! Type 9 travels sealed with the device's accesskey (enctype 3), everything after it with the
//! session key the cloud drew for this connection (enctype 4). A dropped connection forgets the
//! session key on both sides: the next connection authenticates again (spec 7.3.1 注).
//!
//! # Security
//! The protocol has no MAC (AES-CBC and a CRC16). Anyone holding the session key can forge
//! packets; the replay rule only stops a captured packet from being applied twice.

mod cloud;
mod device;
mod gateway;
mod json;
mod packet;
mod queue;
#[cfg(any(test, feature = "sim"))]
pub mod sim;
mod timers;

pub use cloud::{
    Cloud, CloudConfig, CloudEvent, CloudIncoming, CloudState, DEFAULT_AUTH_TIMEOUT_MS, KeyLookup,
    OtaOrderSpec, PENDING_CAP, PendingKind, SUBDEV_CAP, SubDevEntry, TIMER_IDS_CAP,
};
pub use device::{
    ControlRequest, Device, DeviceConfig, DeviceState, Event, FEED_ID_CAP, Incoming,
    MAX_HEARTBEAT_MS, MAX_UNANSWERED, OTA_REPORT_EVERY_MS, UUID_CAP,
};
pub use gateway::{
    Gateway, GatewayIncoming, INNER_CAP, SubControlRequest, SubDeviceRecord, open_inner, seal_inner,
};
pub use queue::{Framer, TxQueue};
pub use timers::{CMD_CAP, EXP_CAP, TimerTable};
