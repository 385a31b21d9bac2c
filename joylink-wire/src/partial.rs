//! Staged decoding, in the manner of quinn-proto's `PartialParse`: the header and the cleartext
//! `opt` first, the sealed payload left as it is, so the receiver can pick the key from what
//! travels in clear before it needs one.
//!
//! A cloud reads the device's feed id from the type-9 opt (spec 7.3.1,
//! [`AuthRequestOpt`](crate::wan::AuthRequestOpt)) and looks up that device's accesskey; a LAN
//! device reads the peer's public key from the enctype-2 opt (spec 4.3); a gateway opens the outer
//! layer of a sub-device packet with its own key and then picks the sub-device's key by the feed
//! id inside. Then `joylink_crypto::open` takes the [`PartialParse`] and decrypts in place
//! without parsing the header again or recomputing the CRC: the CRC is checked once, here.

use crate::{CrcPolicy, CrcStatus, Direction, Error, HEADER_LEN, Header, Result, parse, table};

/// A packet whose header, CRC and `opt` are decoded and whose payload is still sealed; borrows
/// the caller's buffer mutably so the payload can be decrypted in place afterwards.
///
/// ```
/// use joylink_wire::{CrcPolicy, PartialParse, wan::AuthRequestOpt};
///
/// // A device's type-9 auth request (golden vector wan-01): the feed id is readable before any
/// // key is known.
/// let mut packet = hex_literal(
///     "cc55341217001000010900000300f0523636343135383036383634373935343136313401000000\
///      57c8e99910354f461b12a99a394b89da",
/// );
/// let partial = PartialParse::new(&mut packet, CrcPolicy::Verify)?;
/// let opt = AuthRequestOpt::parse(partial.opt())?;
/// assert_eq!(opt.feed_id, b"6641580686479541614");
/// assert_eq!(partial.payload().len(), 16); // still sealed with the device's accesskey
/// # fn hex_literal(s: &str) -> Vec<u8> {
/// #     let s: String = s.split_whitespace().collect();
/// #     (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
/// # }
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug)]
pub struct PartialParse<'a> {
    header: Header,
    crc_status: CrcStatus,
    opt: &'a [u8],
    payload: &'a mut [u8],
}

/// The pieces of a [`PartialParse`], for the code that opens the payload.
#[derive(Debug)]
pub struct Parts<'a> {
    /// The header as received.
    pub header: Header,
    /// What the CRC check found ([`CrcStatus::NotChecked`] under [`CrcPolicy::Ignore`]).
    pub crc_status: CrcStatus,
    /// The `opt` section, in clear.
    pub opt: &'a [u8],
    /// The payload, still sealed.
    pub payload: &'a mut [u8],
}

impl<'a> PartialParse<'a> {
    /// Decodes the header of the one packet `buf` holds (magic, `16 + optlen + payloadlen ==
    /// buf.len()`) and checks its CRC as `policy` says; nothing is decrypted.
    ///
    /// # Errors
    /// As [`parse`]: [`Error::Truncated`], [`Error::BadMagic`], [`Error::LengthMismatch`],
    /// [`Error::CrcMismatch`] under [`CrcPolicy::Verify`].
    pub fn new(buf: &'a mut [u8], policy: CrcPolicy) -> Result<Self> {
        let d = parse(buf, policy)?;
        let (header, crc_status) = (d.header, d.crc_status);
        let opt_end = HEADER_LEN.saturating_add(usize::from(header.opt_len));
        let available = buf.len();
        let (front, payload) = buf.split_at_mut_checked(opt_end).ok_or(Error::Truncated {
            needed: opt_end,
            available,
        })?;
        let opt: &'a [u8] = front.get(HEADER_LEN..).unwrap_or_default();
        Ok(Self {
            header,
            crc_status,
            opt,
            payload,
        })
    }

    /// The header as received.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// What the CRC check found ([`CrcStatus::NotChecked`] under [`CrcPolicy::Ignore`]).
    pub fn crc_status(&self) -> CrcStatus {
        self.crc_status
    }

    /// The `opt` section, in clear (the feed id and random number of a type-9 request, the
    /// sender's public key for enctype 2).
    pub fn opt(&self) -> &'a [u8] {
        self.opt
    }

    /// The payload as received (still sealed unless the enctype is 0).
    pub fn payload(&self) -> &[u8] {
        self.payload
    }

    /// What the [table](crate::table) says a packet of this network and type, sent in
    /// `direction`, carries (its expected enctype, whether it has a timestamp).
    pub fn entry(&self, direction: Direction) -> table::Entry {
        table::lookup(self.header.magic, self.header.packet_type, direction)
    }

    /// The pieces, to open the payload in place.
    pub fn into_parts(self) -> Parts<'a> {
        Parts {
            header: self.header,
            crc_status: self.crc_status,
            opt: self.opt,
            payload: self.payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EncType, Magic, PacketType, emit};

    #[test]
    fn splits_opt_and_payload_and_checks_the_crc_once() {
        let h = Header::new(Magic::Wan, PacketType::Auth, EncType::PreShared);
        let mut buf = [0u8; 64];
        let n = emit(&h, b"opt!", &[7u8; 16], &mut buf).unwrap();
        let p = PartialParse::new(&mut buf[..n], CrcPolicy::Verify).unwrap();
        assert_eq!(p.opt(), b"opt!");
        assert_eq!(p.payload(), &[7u8; 16]);
        assert_eq!(p.crc_status(), CrcStatus::Verified);
        assert_eq!(p.entry(Direction::FromDevice).enc_type, EncType::PreShared);
        let parts = p.into_parts();
        parts.payload[0] = 1;
        assert_eq!(buf[20], 1, "the payload is the caller's buffer");

        buf[n - 1] ^= 1;
        assert!(matches!(
            PartialParse::new(&mut buf[..n], CrcPolicy::Verify),
            Err(Error::CrcMismatch { .. })
        ));
        let p = PartialParse::new(&mut buf[..n], CrcPolicy::Report).unwrap();
        assert_eq!(p.crc_status(), CrcStatus::Mismatch);
        let p = PartialParse::new(&mut buf[..n], CrcPolicy::Ignore).unwrap();
        assert_eq!(p.crc_status(), CrcStatus::NotChecked);
        assert!(matches!(
            PartialParse::new(&mut buf[..n - 1], CrcPolicy::Ignore),
            Err(Error::LengthMismatch { .. })
        ));
    }
}
