//! The script contract (spec 13.2 `jds2pri`, 13.3 `pri2jds`) as the one [`Translator`] trait, and
//! script control through it (spec 6.3.4, 6.3.8): a device whose firmware speaks JD standard JSON
//! while its product is configured for script (Lua) transport plugs a translator between the
//! machine and the application.
//!
//! The trait is small, `no_std` and allocation-free: bytes in, bytes out into the caller's
//! buffer, so a firmware can implement it in Rust. The Lua runner (joylink-lua-types'
//! `LuaTranslator`, `std`) implements the same trait; a gateway or cloud holds a
//! `&mut dyn Translator` (or a `Box`) and does not care which one it has.

use joylink_wire::BizCode;

use super::SocketAddr;
use super::device::{Device, Event, RequestId, RequestKind};
use crate::{Instant, Result};

/// Turns JD standard JSON into a product's private bytes and back: the two functions of a
/// product's script (spec 13.2, 13.3).
///
/// The spec's three return values map to Rust like this: the error code (0 success, -1
/// failure) becomes `Ok`/`Err`; `jds2pri`'s length and bytes become the length written into
/// `out` (0: nothing to send, e.g. a control whose data point the product does not have);
/// `pri2jds`'s JSON and biz_code become the length written into `out` and the returned
/// [`BizCode`].
///
/// The device machine ([`Device::handle_translated`], [`Device::respond_translated`]) calls
/// `pri2jds` on a script request's `cmd[]` (private bytes in, JSON for the application) and
/// `jds2pri` on the application's answer (JSON in, private bytes on the wire).
///
/// # Examples
/// A translator for a lamp whose private protocol is one byte, `0`/`1`:
/// ```
/// use joylink_session::lan::Translator;
/// use joylink_session::{DropReason, Error, Result};
/// use joylink_wire::BizCode;
///
/// struct Lamp;
///
/// fn put(out: &mut [u8], bytes: &[u8]) -> Result<usize> {
///     out.get_mut(..bytes.len()).ok_or(Error::Capacity)?.copy_from_slice(bytes);
///     Ok(bytes.len())
/// }
///
/// impl Translator for Lamp {
///     fn jds2pri(&mut self, _: BizCode, cmd: &[u8], out: &mut [u8]) -> Result<usize> {
///         // A real translator parses the document; the lamp only knows two.
///         match cmd {
///             br#"{"power":1}"# => put(out, &[1]),
///             br#"{"power":0}"# => put(out, &[0]),
///             _ => Ok(0), // not a data point of this lamp: nothing to send
///         }
///     }
///
///     fn pri2jds(&mut self, biz: BizCode, bin: &[u8], out: &mut [u8]) -> Result<(usize, BizCode)> {
///         let json: &[u8] = match bin {
///             [0] => br#"{"power":0}"#,
///             [1] => br#"{"power":1}"#,
///             _ => return Err(Error::Dropped(DropReason::Untranslatable)),
///         };
///         Ok((put(out, json)?, biz))
///     }
/// }
///
/// let mut t: &mut dyn Translator = &mut Lamp;
/// let mut out = [0u8; 32];
/// assert_eq!(t.jds2pri(BizCode::Control, br#"{"power":1}"#, &mut out)?, 1);
/// assert_eq!(out[0], 1);
/// assert_eq!(t.jds2pri(BizCode::Control, br#"{"color":"red"}"#, &mut out)?, 0);
/// let (n, biz) = t.pri2jds(BizCode::Snapshot, &[0], &mut out)?;
/// assert_eq!((&out[..n], biz), (&br#"{"power":0}"#[..], BizCode::Snapshot));
/// # Ok::<(), Error>(())
/// ```
pub trait Translator {
    /// JD standard JSON -> private bytes (spec 13.2, `jds2pri(bizcode, cmd)`), written into
    /// `out`; returns their length, 0 when there is nothing to send.
    ///
    /// `biz_code` says what `cmd` is (1002 control, 1004 snapshot, 1050 recipe, ..., spec 3.7).
    /// `cmd` is always a JSON document: a snapshot request, which has no body (spec 13.4.3), is
    /// passed as `{}` or as the request's body as received, never empty, because real vendor
    /// scripts decode every input whatever its biz_code.
    ///
    /// # Errors
    /// Any [`Error`](crate::Error): [`Error::Capacity`](crate::Error::Capacity) for a short
    /// `out`, [`Error::Dropped`](crate::Error::Dropped) with
    /// [`DropReason::Untranslatable`](crate::DropReason::Untranslatable) for a command the
    /// translator refuses.
    fn jds2pri(&mut self, biz_code: BizCode, cmd: &[u8], out: &mut [u8]) -> Result<usize>;

    /// Private bytes -> JD standard JSON (spec 13.3, `pri2jds(bizcode, length, bin)`), written
    /// into `out`; returns its length and the document's biz_code (102 control response, 104
    /// snapshot, 0 upload, ...).
    ///
    /// `biz_code` is the request's code when the bytes answer one, or `BizCode::from(0)` when
    /// the caller cannot tell (a spontaneous upload).
    ///
    /// # Errors
    /// As for [`Translator::jds2pri`].
    fn pri2jds(
        &mut self,
        biz_code: BizCode,
        bin: &[u8],
        out: &mut [u8],
    ) -> Result<(usize, BizCode)>;
}

impl<T: Translator + ?Sized> Translator for &mut T {
    fn jds2pri(&mut self, biz_code: BizCode, cmd: &[u8], out: &mut [u8]) -> Result<usize> {
        (**self).jds2pri(biz_code, cmd, out)
    }

    fn pri2jds(
        &mut self,
        biz_code: BizCode,
        bin: &[u8],
        out: &mut [u8],
    ) -> Result<(usize, BizCode)> {
        (**self).pri2jds(biz_code, bin, out)
    }
}

#[cfg(feature = "alloc")]
impl<T: Translator + ?Sized> Translator for alloc::boxed::Box<T> {
    fn jds2pri(&mut self, biz_code: BizCode, cmd: &[u8], out: &mut [u8]) -> Result<usize> {
        (**self).jds2pri(biz_code, cmd, out)
    }

    fn pri2jds(
        &mut self,
        biz_code: BizCode,
        bin: &[u8],
        out: &mut [u8],
    ) -> Result<(usize, BizCode)> {
        (**self).pri2jds(biz_code, bin, out)
    }
}

/// The biz_code of a script request, `None` for every other kind.
const fn script_biz_code(kind: RequestKind) -> Option<BizCode> {
    match kind {
        RequestKind::Script { biz_code, .. } | RequestKind::SubScript { biz_code, .. } => {
            Some(biz_code)
        }
        RequestKind::Json { .. } => None,
    }
}

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize>
    Device<PEERS, PENDING, TX, SUBS>
{
    /// [`Device::handle`], with the body of a script request (type 4, 104) passed through
    /// [`Translator::pri2jds`] into `scratch`; every other event is returned unchanged.
    ///
    /// # Errors
    /// As [`Device::handle`], and the translator's error (the request stays pending and expires
    /// unanswered).
    pub fn handle_translated<'a, T: Translator + ?Sized>(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &'a mut [u8],
        translator: &mut T,
        scratch: &'a mut [u8],
    ) -> Result<Option<Event<'a>>> {
        match self.handle(now, from, datagram)? {
            Some(Event::Request(mut r)) => {
                let Some(biz_code) = script_biz_code(r.kind) else {
                    return Ok(Some(Event::Request(r)));
                };
                let (n, _) = translator.pri2jds(biz_code, r.body, scratch)?;
                r.body = scratch.get(..n).unwrap_or_default();
                Ok(Some(Event::Request(r)))
            }
            other => Ok(other),
        }
    }

    /// [`Device::respond`], with a script request's answer passed through
    /// [`Translator::jds2pri`] into `scratch` first (`kind` is the request's, from its [`Event::Request`]).
    ///
    /// # Errors
    /// As [`Device::respond`], and the translator's error (nothing sent, the request stays
    /// pending).
    pub fn respond_translated<T: Translator + ?Sized>(
        &mut self,
        id: RequestId,
        kind: RequestKind,
        now: Instant,
        answer: &[u8],
        translator: &mut T,
        scratch: &mut [u8],
    ) -> Result<()> {
        let Some(biz_code) = script_biz_code(kind) else {
            return self.respond(id, now, answer);
        };
        let n = translator.jds2pri(biz_code, answer, scratch)?;
        self.respond(id, now, scratch.get(..n).unwrap_or_default())
    }
}
