//! Script control through a translator (spec 6.3.4, 6.3.8): a device whose firmware speaks JSON
//! while its product is configured for script (Lua) transport, or the other way round, plugs a
//! [`Translator`] between the machine and the application.
//!
//! The trait is the device side's small, `no_std`, allocation-free hook: bytes in, bytes out into
//! the caller's scratch buffer. A Lua-backed implementation (joylink-lua-types, `std`) lives
//! beside this crate, not in it; the machine only calls the trait.

use super::SocketAddr;
use super::device::{Device, Event, RequestId, RequestKind};
use crate::{Instant, Result};

/// Translates script control bodies: the `cmd[]` of a type-4 (or 104) request into what the
/// application understands, and the application's answer back into the `resp[]` sent.
pub trait Translator {
    /// Writes the application's form of `cmd` (a script request's body, `kind` says which) into
    /// `out`; returns its length.
    ///
    /// # Errors
    /// Any [`Error`](crate::Error) (e.g. [`Error::Dropped`](crate::Error::Dropped) for a command
    /// it does not understand, [`Error::Capacity`](crate::Error::Capacity) for a short `out`):
    /// the request is then not handed to the application.
    fn command(&mut self, kind: RequestKind, cmd: &[u8], out: &mut [u8]) -> Result<usize>;

    /// Writes the wire form of the application's `answer` into `out`; returns its length.
    ///
    /// # Errors
    /// As [`Translator::command`]; nothing is sent.
    fn response(&mut self, kind: RequestKind, answer: &[u8], out: &mut [u8]) -> Result<usize>;
}

const fn is_script(kind: RequestKind) -> bool {
    matches!(
        kind,
        RequestKind::Script { .. } | RequestKind::SubScript { .. }
    )
}

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize>
    Device<PEERS, PENDING, TX, SUBS>
{
    /// [`Device::handle`], with the body of a script request (type 4, 104) passed through
    /// `translator` into `scratch`; every other event is returned unchanged.
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
            Some(Event::Request(mut r)) if is_script(r.kind) => {
                let n = translator.command(r.kind, r.body, scratch)?;
                r.body = scratch.get(..n).unwrap_or_default();
                Ok(Some(Event::Request(r)))
            }
            other => Ok(other),
        }
    }

    /// [`Device::respond`], with a script request's answer passed through `translator` into
    /// `scratch` first (`kind` is the request's, from its [`Event::Request`]).
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
        if !is_script(kind) {
            return self.respond(id, now, answer);
        }
        let n = translator.response(kind, answer, scratch)?;
        self.respond(id, now, scratch.get(..n).unwrap_or_default())
    }
}
