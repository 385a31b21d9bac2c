//! What a lenient APP-side receiver saw that the spec and JD's 2.0.19 SDK do not send.
//!
//! Each variant names the shipped implementation it comes from (compat §16). A receiver that
//! reads a packet only after a fallback reports the [`Quirk`] with the message, so a session can
//! remember it per peer (and, for [`Quirk::TruncatedIv`], seal later packets the same way).

/// A non-standard layout or cipher detail a peer was seen using.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Quirk {
    /// The control-response layout `ts ‖ biz_code ‖ serial ‖ JSON` under packet type 3 instead
    /// of 4: compat §16.1, the HiFlying module port's type-4 reply.
    ScriptLayoutUnderJsonType,
    /// A type-3 reply that is bare JSON without the 4-byte timestamp: compat §16.1, the HiFlying
    /// module port (it seals that reply with the accesskey; an APP reads it where localkey =
    /// accesskey).
    NoTimestamp,
    /// Four bytes before the JSON of a write-key reply: compat §16.2, what the third-party Python
    /// client (HAM) expects; no JD SDK sends them.
    WriteKeyPrefix,
    /// The payload opened only with the ECDH IV cut at its first 0x00 byte (the `strncpy` IV copy
    /// of SDKs ≤ 2.0.12 and the E17-based HiFlying port): compat §3.1, §16.1.
    TruncatedIv,
}

impl Quirk {
    /// The `compat` section that describes the quirk.
    #[must_use]
    pub const fn compat_section(self) -> &'static str {
        match self {
            Quirk::ScriptLayoutUnderJsonType | Quirk::NoTimestamp => "16.1",
            Quirk::WriteKeyPrefix => "16.2",
            Quirk::TruncatedIv => "3.1",
        }
    }
}

impl core::fmt::Display for Quirk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Quirk::ScriptLayoutUnderJsonType => "control-response layout under type 3",
            Quirk::NoTimestamp => "type-3 reply without a timestamp",
            Quirk::WriteKeyPrefix => "4-byte prefix before the write-key reply",
            Quirk::TruncatedIv => "IV truncated at its first 0x00 (SDK <= 2.0.12)",
        })
    }
}
