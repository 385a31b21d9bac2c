//! Sealing a typed WAN message into a packet and opening one, with the key the packet type
//! calls for (spec 7.1): type 9 with the accesskey (enctype 3), every other type with the
//! session key (enctype 4).

use joylink_crypto::{Mode, OpenOptions, open_payload};
use joylink_wire::wan::WanMessage;
use joylink_wire::{Direction, EncType, HEADER_LEN, Header, Magic, Packet, packet_len};

use crate::Result;

/// Writes `message` sealed with `mode` and with `opt` in clear into `buf`; returns the length.
/// The body is encoded in place and encrypted in place: nothing is copied or allocated.
pub(crate) fn seal(
    message: &WanMessage<'_>,
    mode: &Mode<'_>,
    opt: &[u8],
    buf: &mut [u8],
) -> Result<usize> {
    let plaintext_len = message.buffer_len();
    let payload_len = mode.payload_len(plaintext_len);
    let total = packet_len(opt.len(), payload_len)?;
    let too_small = joylink_wire::Error::BufferTooSmall {
        needed: total,
        available: buf.len(),
    };
    let out = buf.get_mut(..total).ok_or(too_small)?;
    let (head, rest) = out.split_at_mut_checked(HEADER_LEN).ok_or(too_small)?;
    let (o, payload) = rest.split_at_mut_checked(opt.len()).ok_or(too_small)?;
    o.copy_from_slice(opt);
    message.emit(payload)?;
    mode.seal_in_place(payload, plaintext_len)?;
    let header = Header {
        opt_len: u16::try_from(opt.len()).map_err(|_| too_small)?,
        payload_len: u16::try_from(payload_len).map_err(|_| too_small)?,
        enc_type: mode.enc_type(),
        ..Header::new(Magic::Wan, message.packet_type(), EncType::None)
    };
    header.emit(head)?;
    Packet::new_unchecked(&mut *out).fill_crc();
    Ok(total)
}

/// An opened packet: header, clear opt, typed body (borrowing the caller's buffer).
pub(crate) struct Opened<'a> {
    pub(crate) opt: &'a [u8],
    pub(crate) message: WanMessage<'a>,
}

/// Opens `buf` in place with `mode` and types its body as sent in `direction`.
pub(crate) fn open<'a>(
    buf: &'a mut [u8],
    mode: &Mode<'_>,
    direction: Direction,
    options: OpenOptions,
) -> Result<Opened<'a>> {
    let opened = open_payload(buf, mode, options)?;
    let message = WanMessage::parse(opened.header.packet_type, opened.plaintext, direction)?;
    Ok(Opened {
        opt: opened.opt,
        message,
    })
}
