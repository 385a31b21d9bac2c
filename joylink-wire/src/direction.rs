//! Which way a packet travels.
//!
//! Many JoyLink packet types use one number for a request and its answer (spec 3.5: type 11 is both the
//! cloud's control and the device's reply; LAN type 4 carries both script control and the answers to
//! types 3 and 103, compat §6.4), so a body can only be typed once the caller says who sent it.

/// The direction of a packet, seen from the device.
///
/// LAN: the app (or any LAN peer) talks to the device. WAN: the cloud talks to the device. A gateway
/// talking for its sub-devices is the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Direction {
    /// App → device (LAN) or cloud → device (WAN): requests, commands, the cloud's answers.
    ToDevice,
    /// Device → app (LAN) or device → cloud (WAN): answers, reports, uploads, heartbeats.
    FromDevice,
}

impl Direction {
    /// The other direction: the one an answer travels in.
    #[must_use]
    pub const fn reverse(self) -> Self {
        match self {
            Self::ToDevice => Self::FromDevice,
            Self::FromDevice => Self::ToDevice,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_swaps() {
        assert_eq!(Direction::ToDevice.reverse(), Direction::FromDevice);
        assert_eq!(Direction::FromDevice.reverse(), Direction::ToDevice);
    }
}
