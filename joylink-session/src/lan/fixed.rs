//! A string of at most `N` bytes stored inline: the device keeps feedids, MACs and server names
//! without `alloc`.

use core::fmt;

/// A UTF-8 string of at most `N` bytes, stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FixedStr<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> FixedStr<N> {
    /// The empty string.
    pub const EMPTY: Self = Self {
        len: 0,
        bytes: [0; N],
    };

    /// Copies `s`; `None` when it is longer than `N` (or 255) bytes.
    #[must_use]
    pub fn new(s: &str) -> Option<Self> {
        let len = u8::try_from(s.len()).ok()?;
        let mut bytes = [0; N];
        bytes.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
        Some(Self { len, bytes })
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        let b = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(b).unwrap_or_default()
    }

    /// `true` for the empty string.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<const N: usize> Default for FixedStr<N> {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl<const N: usize> fmt::Debug for FixedStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> fmt::Display for FixedStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::FixedStr;

    #[test]
    fn keeps_text_up_to_capacity() {
        assert_eq!(FixedStr::<4>::new("abcd").map(|s| s.len), Some(4));
        assert!(FixedStr::<4>::new("abcde").is_none());
        assert_eq!(FixedStr::<8>::new("héllo").unwrap().as_str(), "héllo");
        assert!(FixedStr::<8>::EMPTY.is_empty());
    }
}
