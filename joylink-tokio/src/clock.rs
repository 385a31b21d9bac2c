//! The machines' time: milliseconds since an origin, read from tokio's clock (so tests can pause
//! and advance it).

use joylink_session::Instant;
use std::time::Duration;

/// Maps tokio's monotonic clock to the machines' [`Instant`] (milliseconds since `origin`).
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: tokio::time::Instant,
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl TokioClock {
    /// A clock whose origin is now.
    #[must_use]
    pub fn new() -> Self {
        Self {
            origin: tokio::time::Instant::now(),
        }
    }

    /// The current machine time.
    #[must_use]
    pub fn now(&self) -> Instant {
        let ms = self.origin.elapsed().as_millis();
        Instant(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// The tokio instant of a machine deadline.
    #[must_use]
    pub fn to_tokio(&self, t: Instant) -> tokio::time::Instant {
        self.origin
            .checked_add(Duration::from_millis(t.0))
            .unwrap_or(self.origin)
    }
}

/// Unix seconds from the system clock (the cloud's timestamps, spec 7.3.2).
pub(crate) fn unix_now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
}

/// The OS random number generator as the machines take it (`rand_core::CryptoRng`): for the
/// key pairs of [`joylink_session::lan::Device::new`] and [`joylink_session::lan::App::new`]. It
/// panics only if the operating system cannot provide randomness at all.
///
/// # Examples
/// ```
/// use joylink_crypto::KeyPair;
/// let pair = KeyPair::generate(&mut joylink_tokio::os_rng());
/// assert_ne!(pair.public_key(), KeyPair::generate(&mut joylink_tokio::os_rng()).public_key());
/// ```
#[must_use]
pub fn os_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// Sleeps until `t`, forever for `None` (a machine without a deadline).
pub(crate) async fn sleep_opt(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// The packet type byte of a whole frame (header byte 9, never encrypted), 0 for a short one.
pub(crate) fn packet_type(frame: &[u8]) -> u8 {
    frame.get(9).copied().unwrap_or(0)
}
