#![doc = include_str!("../../docs/mqtt.md")]

mod bridge;
mod config;
mod outbox;
pub mod payload;
mod stats;
pub mod topics;

pub use bridge::MqttBridge;
pub use config::{MqttConfig, parse_url};
pub use outbox::{Outbox, Publication};
pub use stats::MqttStats;
