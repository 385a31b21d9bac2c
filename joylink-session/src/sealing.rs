//! The machines' bridge to joylink-crypto's one in-place `seal` and `open` for bodies that are
//! already bytes (JSON, script structs): lay the plaintext out after the opt, then seal; stage the
//! decode, then open. Typed WAN bodies go through `wan::packet`, which encodes them in place.

use joylink_crypto::{Mode, OpenOptions, Opened};
use joylink_wire::{CrcPolicy, HEADER_LEN, Header, PartialParse};

use crate::{Error, Result};

/// Seals `plaintext` (timestamp included where the packet has one) with `opt` in clear into
/// `buf`; returns the packet's length. `buf` must hold `joylink_crypto::sealed_len`.
pub(crate) fn seal_plain(
    header: &Header,
    mode: &Mode<'_>,
    opt: &[u8],
    plaintext: &[u8],
    buf: &mut [u8],
) -> Result<usize> {
    let total = joylink_crypto::sealed_len(mode, opt.len(), plaintext.len());
    let too_small = joylink_crypto::Error::BufferTooSmall {
        needed: total,
        available: buf.len(),
    };
    let rest = buf
        .get_mut(..total)
        .and_then(|b| b.get_mut(HEADER_LEN..))
        .ok_or(too_small)?;
    let (o, payload) = rest.split_at_mut_checked(opt.len()).ok_or(too_small)?;
    o.copy_from_slice(opt);
    payload
        .get_mut(..plaintext.len())
        .ok_or(too_small)?
        .copy_from_slice(plaintext);
    Ok(joylink_crypto::seal(
        header,
        mode,
        opt.len(),
        plaintext.len(),
        buf,
    )?)
}

/// Opens a whole datagram in place, CRC verified; `timestamp` says whether the plaintext starts
/// with one (then it is at least 4 bytes long, or the open fails with the one `Decrypt`).
pub(crate) fn open_plain<'a>(
    buf: &'a mut [u8],
    mode: &Mode<'_>,
    timestamp: bool,
) -> Result<Opened<'a>> {
    let packet = PartialParse::new(buf, CrcPolicy::Verify)?;
    // A fragment's payload is a slice of a larger message: reassemble first (spec 3.2).
    packet.header().check_unfragmented()?;
    Ok(joylink_crypto::open(
        packet,
        mode,
        OpenOptions::new().timestamp(timestamp),
    )?)
}

/// The 4-byte little-endian timestamp that starts a plaintext (spec 4.3), and what follows.
pub(crate) fn split_ts(plaintext: &[u8]) -> Result<(u32, &[u8])> {
    let (ts, rest) = plaintext
        .split_first_chunk::<4>()
        .ok_or(Error::Crypto(joylink_crypto::Error::Decrypt))?;
    Ok((u32::from_le_bytes(*ts), rest))
}
