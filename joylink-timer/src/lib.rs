#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

// `alloc`/`std` are linked only when their feature asks for them, so that neither can creep into a
// firmware build unnoticed (rustls does the same).
#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod civil;
mod error;
mod reconcile;
pub mod schedule;
mod time_exp;

pub use civil::{CivilTime, MAX_YEAR, MIN_YEAR, days_in_month, is_leap_year};
pub use error::{Error, ExpField, ExpReason, Result};
pub use reconcile::{Operation, Reconcile, SnapshotAck, TaskKey, check_snapshot_ack, reconcile};
pub use schedule::Firings;
pub use time_exp::{FieldSpec, MAX_YEARS, Strictness, TimeExp, ValueSet, YearSet, YearSpec};
