//! Sealing a typed WAN message into a packet and opening one, with the key the packet type
//! calls for (spec 7.1): type 9 with the accesskey (enctype 3), every other type with the
//! session key (enctype 4).

use joylink_crypto::{EncTypeCheck, Mode, OpenOptions};
use joylink_wire::wan::WanMessage;
use joylink_wire::{CrcPolicy, Direction, EncType, HEADER_LEN, Header, Magic, PartialParse};

use crate::Result;

/// Writes `message` sealed with `mode` and with `opt` in clear into `buf`; returns the length.
/// The body is encoded in place and encrypted in place by joylink-crypto's one `seal`: nothing is
/// copied or allocated.
pub(crate) fn seal(
    message: &WanMessage<'_>,
    mode: &Mode<'_>,
    opt: &[u8],
    buf: &mut [u8],
) -> Result<usize> {
    let plaintext_len = message.buffer_len()?;
    let total = joylink_crypto::sealed_len(mode, opt.len(), plaintext_len);
    let too_small = joylink_wire::Error::BufferTooSmall {
        needed: total,
        available: buf.len(),
    };
    let out = buf.get_mut(..total).ok_or(too_small)?;
    let rest = out.get_mut(HEADER_LEN..).ok_or(too_small)?;
    let (o, payload) = rest.split_at_mut_checked(opt.len()).ok_or(too_small)?;
    o.copy_from_slice(opt);
    message.emit(payload.get_mut(..plaintext_len).ok_or(too_small)?)?;
    let header = Header::new(Magic::Wan, message.packet_type(), EncType::None);
    Ok(joylink_crypto::seal(
        &header,
        mode,
        opt.len(),
        plaintext_len,
        out,
    )?)
}

/// An opened packet: header, clear opt, typed body (borrowing the caller's buffer).
pub(crate) struct Opened<'a> {
    pub(crate) opt: &'a [u8],
    pub(crate) message: WanMessage<'a>,
}

/// Opens `buf` in place with `mode` and types its body as sent in `direction`. A body too short
/// for its struct is refused like bad padding: one `Decrypt`, the plaintext wiped.
pub(crate) fn open<'a>(
    buf: &'a mut [u8],
    mode: &Mode<'_>,
    direction: Direction,
    crc: CrcPolicy,
    enc_type: EncTypeCheck,
) -> Result<Opened<'a>> {
    let packet = PartialParse::new(buf, crc)?;
    let header = *packet.header();
    // A fragment carries a slice of ciphertext: reassemble first (spec 3.2).
    header.check_unfragmented()?;
    let entry = packet.entry(direction);
    let options = OpenOptions::new()
        .enc_type(enc_type)
        .timestamp(entry.timestamp);
    let opened = joylink_crypto::open(packet, mode, options)?
        .refuse_short(|p| WanMessage::parse(header.packet_type, p, direction).map(drop))?;
    let opt = opened.opt;
    let plaintext: &'a [u8] = opened.plaintext;
    let message = WanMessage::parse(header.packet_type, plaintext, direction)?;
    Ok(Opened { opt, message })
}
