//! Time as the caller tells it: the machines never read a clock.

/// A point in time, in milliseconds since an origin the caller chooses (monotonic).
///
/// Every machine method that depends on time takes the current `Instant`; deadlines come back as
/// `Instant`s for the caller to sleep until.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Instant(pub u64);

impl Instant {
    /// `self + ms`, saturating.
    #[must_use]
    pub const fn add_millis(self, ms: u64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self`, 0 when `earlier` is later.
    #[must_use]
    pub const fn millis_since(self, earlier: Self) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}
