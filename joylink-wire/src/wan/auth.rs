//! Cloud authentication, type 9 (spec 7.2.1, 7.2.2, 7.3.1, 7.3.2; compat §7.1).
//!
//! The device sends `opt = feed_id ‖ random_num` in clear and the payload `{timestamp,
//! random_num}` sealed with its accesskey (enctype 3); the cloud answers `opt = random_num` and
//! `{timestamp, random_num, session_key[32]}`, also under the accesskey. Every later WAN body is
//! sealed with the session key (enctype 4).
//!
//! compat §7.1 — shipped devices always send `random_num = 1` and never check the
//! cloud's numbers. A device built on this crate should draw a real random number (the facade takes
//! the caller's RNG); a cloud must accept 1.

use crate::codec::{Writer, fixed_repr};
use crate::view::body_view;
use crate::{Error, Result, Secret};

/// Length of the session key in the cloud's answer (key ‖ IV).
pub const SESSION_KEY_LEN: usize = 32;

/// The device's opt (spec 7.2.1): the feed id, variable length, no NUL and no length prefix,
/// followed by the random number (u32 LE).
///
/// compat §7.1 — the spec's open question "是否需要改成 32 定长" was resolved as
/// *variable*: `optlen = strlen(feedid) + 4`, so the only split is `opt[..len-4]`/`opt[len-4..]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AuthRequestOpt<'a> {
    /// The device's feed id as sent (ASCII digits on every shipped device).
    pub feed_id: &'a [u8],
    /// The device's random number (1 on every shipped device).
    #[doc(alias = "random_num")]
    pub random: u32,
}

impl<'a> AuthRequestOpt<'a> {
    /// Splits an opt section into feed id and random number.
    ///
    /// # Errors
    /// [`Error::Truncated`] when the opt is shorter than the 4-byte random number.
    pub fn parse(opt: &'a [u8]) -> Result<Self> {
        let split = opt.len().checked_sub(4).ok_or(Error::Truncated {
            needed: 4,
            available: opt.len(),
        })?;
        let (feed_id, random) = opt.split_at_checked(split).ok_or(Error::Truncated {
            needed: 4,
            available: opt.len(),
        })?;
        let random = random
            .first_chunk::<4>()
            .map(|b| u32::from_le_bytes(*b))
            .ok_or(Error::Truncated {
                needed: 4,
                available: random.len(),
            })?;
        Ok(Self { feed_id, random })
    }

    /// The feed id as UTF-8.
    ///
    /// # Errors
    /// [`Error::InvalidUtf8`] naming `feed_id`.
    pub fn feed_id_str(&self) -> Result<&'a str> {
        core::str::from_utf8(self.feed_id).map_err(|_| Error::InvalidUtf8 { field: "feed_id" })
    }

    /// Bytes [`Self::emit`] writes: `feed_id.len() + 4`.
    pub const fn buffer_len(&self) -> usize {
        self.feed_id.len().saturating_add(4)
    }

    /// Writes the opt section.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] (nothing written).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let out = super::room(self.buffer_len(), buf)?;
        let mut w = Writer::new(out);
        w.put(self.feed_id)?;
        w.u32_le(self.random)?;
        Ok(w.written())
    }
}

/// The cloud's opt (spec 7.2.2): its random number, which must equal the payload's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AuthResponseOpt {
    /// The cloud's random number.
    #[doc(alias = "random_num")]
    pub random: u32,
}

fixed_repr! { AuthResponseOpt, "auth response opt", 4; random: u32 as u32 }

body_view! {
    /// View of the device's auth payload (spec 7.3.1): `timestamp u32, random_num u32`.
    pub struct AuthRequestBody, min_len = 8;
    ints {
        /// Device time (seconds since 1970).
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// The random number, equal to the opt's.
        random, set_random: u32 as u32 @ 4,
    }
    texts {}
    repr AuthRequest, "auth request";
}

body_view! {
    /// View of the cloud's auth payload (spec 7.3.2): `timestamp u32, random_num u32,
    /// session_key[32]`.
    pub struct AuthResponseBody, min_len = 40, redacted;
    ints {
        /// Server time (UTC seconds since 1970).
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// The cloud's random number, equal to the opt's.
        random, set_random: u32 as u32 @ 4,
    }
    texts {}
    tail
        /// The session key and anything after it (exactly 32 bytes in a valid body; secret).
        raw_secret_session_key_and_rest, raw_secret_session_key_mut @ 8;
}

/// The device's auth payload (spec 7.3.1, type 9, device → cloud).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AuthRequest {
    /// Device time.
    pub timestamp: u32,
    /// The device's random number, equal to the opt's.
    #[doc(alias = "random_num")]
    pub random: u32,
}

impl AuthRequest {
    /// The check the spec asks of the cloud (7.3.1 注): the opt's random number equals the
    /// payload's. A random number of 1 — what every shipped device sends — passes.
    ///
    /// # Errors
    /// [`Error::RandomMismatch`].
    pub fn check_opt(&self, opt: &AuthRequestOpt<'_>) -> Result<()> {
        check_random(opt.random, self.random)
    }
}

/// The cloud's auth payload (spec 7.3.2, type 9, cloud → device).
///
/// The session key is a [`Secret`]: `Debug` leaves it out, `==` compares it in constant time,
/// and the value is not `Copy` (nor `Hash`) and wipes the key when dropped.
///
/// ```
/// use joylink_wire::{Secret, wan::AuthResponse};
///
/// let a = AuthResponse { timestamp: 1, random: 2, session_key: Secret::new([0x5a; 32]) };
/// let mut bytes = [0; AuthResponse::LEN];
/// a.emit(&mut bytes)?;
/// assert_eq!(AuthResponse::parse(&bytes)?, a);
/// assert!(!format!("{a:?}").contains("90")); // 0x5a
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResponse {
    /// Server time (UTC).
    pub timestamp: u32,
    /// The cloud's random number, equal to the opt's.
    #[doc(alias = "random_num")]
    pub random: u32,
    /// The session key: AES key (bytes 0..16) ‖ IV (bytes 16..32), used as raw bytes, not
    /// hex-decoded or hashed.
    pub session_key: Secret<[u8; SESSION_KEY_LEN]>,
}

fixed_repr! {
    AuthResponse, "auth response", 40;
    timestamp: u32 as u32,
    random: u32 as u32,
    session_key: Secret<[u8; SESSION_KEY_LEN]> as Secret<[u8; SESSION_KEY_LEN]>,
}

impl AuthResponse {
    /// The check the spec asks of the device (7.3.2 注): the opt's random number equals the
    /// payload's. It does not compare with the device's own number: the cloud draws its own
    /// (compat §7.1, shipped devices check nothing at all).
    ///
    /// # Errors
    /// [`Error::RandomMismatch`].
    pub fn check_opt(&self, opt: &AuthResponseOpt) -> Result<()> {
        check_random(opt.random, self.random)
    }
}

fn check_random(opt: u32, payload: u32) -> Result<()> {
    if opt == payload {
        Ok(())
    } else {
        Err(Error::RandomMismatch { opt, payload })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_opt_layout() {
        // spec 7.2.1: feed id without NUL, then u32 LE random
        let opt = b"1234567890123456\x01\x00\x00\x00";
        let o = AuthRequestOpt::parse(opt).unwrap();
        assert_eq!(o.feed_id, b"1234567890123456");
        assert_eq!(o.random, 1);
        let mut buf = [0xa5; 24];
        assert_eq!(o.emit(&mut buf), Ok(20));
        assert_eq!(&buf[..20], opt);
        assert_eq!(
            AuthRequestOpt::parse(&[1, 2, 3]),
            Err(Error::Truncated {
                needed: 4,
                available: 3
            })
        );
        // An empty feed id is representable.
        assert_eq!(AuthRequestOpt::parse(&[7, 0, 0, 0]).unwrap().feed_id, b"");
    }

    #[test]
    fn request_layout_and_check() {
        let bytes = [0x00, 0x10, 0x5e, 0x5f, 0x93, 0x43, 0x38, 0x59];
        let a = AuthRequest::parse(&bytes).unwrap();
        assert_eq!(
            a,
            AuthRequest {
                timestamp: 0x5f5e_1000,
                random: 0x5938_4393
            }
        );
        let mut buf = [0xa5; 8];
        a.emit(&mut buf).unwrap();
        assert_eq!(buf, bytes);
        let view = AuthRequestBody::new_checked(&bytes[..]).unwrap();
        assert_eq!(view.timestamp(), 0x5f5e_1000);
        assert_eq!(view.random(), 0x5938_4393);
        let opt = AuthRequestOpt {
            feed_id: b"1",
            random: 0x5938_4393,
        };
        assert_eq!(a.check_opt(&opt), Ok(()));
        let opt = AuthRequestOpt {
            feed_id: b"1",
            random: 1,
        };
        assert_eq!(
            a.check_opt(&opt),
            Err(Error::RandomMismatch {
                opt: 1,
                payload: 0x5938_4393
            })
        );
        assert_eq!(
            AuthRequest::parse(&[0; 9]),
            Err(Error::TrailingData {
                what: "auth request",
                len: 1
            })
        );
        assert_eq!(
            a.emit(&mut [0; 7]),
            Err(Error::BufferTooSmall {
                needed: 8,
                available: 7
            })
        );
    }

    #[test]
    fn response_layout() {
        let mut bytes = [0u8; 40];
        bytes[..8].copy_from_slice(&[1, 0, 0, 0, 2, 0, 0, 0]);
        for (i, b) in bytes[8..].iter_mut().enumerate() {
            *b = i as u8;
        }
        let a = AuthResponse::parse(&bytes).unwrap();
        assert_eq!(a.timestamp, 1);
        assert_eq!(a.random, 2);
        assert_eq!(a.session_key.raw_secret_array()[31], 31);
        let mut out = [0xa5; 40];
        a.emit(&mut out).unwrap();
        assert_eq!(out, bytes);
        assert_eq!(a.check_opt(&AuthResponseOpt { random: 2 }), Ok(()));
        assert!(a.check_opt(&AuthResponseOpt { random: 3 }).is_err());
        let text = std::format!("{a:?} {a:#?}");
        assert!(text.contains("Secret(..)"), "{text}");
        for (i, b) in bytes[8..].iter().enumerate().skip(3) {
            // Neither the decimal nor the hex form of any key byte (0..2 collide with the
            // timestamp and random number, which are printed).
            assert!(!text.contains(&std::format!("{b}")), "{i}: {text}");
            assert!(!text.contains(&std::format!("{b:02x}")), "{i}: {text}");
        }
        let view = AuthResponseBody::new_checked(&bytes[..]).unwrap();
        let text = std::format!("{view:?}");
        assert_eq!(text, "AuthResponseBody { len: 40, .. }");
        assert_eq!(view.raw_secret_session_key_and_rest(), &bytes[8..]);
        assert_eq!(a.clone(), a);
        let mut other = a.clone();
        other.session_key = Secret::new([0; 32]);
        assert_ne!(other, a);
        assert_eq!(
            AuthResponse::parse(&bytes[..39]),
            Err(Error::Truncated {
                needed: 32,
                available: 31
            })
        );
        assert_eq!(
            AuthResponseOpt::parse(&[2, 0, 0, 0]),
            Ok(AuthResponseOpt { random: 2 })
        );
    }
}
