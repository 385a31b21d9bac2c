//! Non-blocking reads and writes that keep no buffer across an `.await`: an idle connection
//! holds no heap buffer and its task no scratch space.

use bytes::BytesMut;
use joylink_wire::bytes;
use std::io;
use tokio::net::TcpStream;

/// Bytes taken from the socket per read.
pub(crate) const READ_CHUNK: usize = 1024;

/// What one read attempt found.
pub(crate) enum Read {
    /// `n` bytes were appended.
    Data,
    /// Nothing now (spurious readiness).
    WouldBlock,
    /// The peer closed.
    Eof,
}

/// Reads what the socket holds (at most [`READ_CHUNK`] bytes) into `buf`.
pub(crate) fn read_some(stream: &TcpStream, buf: &mut BytesMut) -> io::Result<Read> {
    let mut chunk = [0u8; READ_CHUNK];
    match stream.try_read(&mut chunk) {
        Ok(0) => Ok(Read::Eof),
        Ok(n) => {
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            Ok(Read::Data)
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Read::WouldBlock),
        Err(e) => Err(e),
    }
}

/// Writes `pending` first, then what `next` yields (a machine's `poll_transmit`), without
/// waiting: what the socket does not take stays in `pending` for the next writable event.
pub(crate) fn flush(
    stream: &TcpStream,
    pending: &mut BytesMut,
    mut next: impl FnMut(&mut [u8]) -> Option<usize>,
) -> io::Result<()> {
    use bytes::Buf as _;
    while !pending.is_empty() {
        match stream.try_write(pending) {
            Ok(n) => pending.advance(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    let mut chunk = [0u8; 2048];
    while let Some(n) = next(&mut chunk) {
        let data = chunk.get(..n).unwrap_or_default();
        if !pending.is_empty() {
            pending.extend_from_slice(data);
            continue;
        }
        match stream.try_write(data) {
            Ok(w) if w == n => {}
            Ok(w) => pending.extend_from_slice(data.get(w..).unwrap_or_default()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => pending.extend_from_slice(data),
            Err(e) => return Err(e),
        }
    }
    if pending.is_empty() && pending.capacity() > 0 {
        *pending = BytesMut::new();
    }
    Ok(())
}

/// Gives the read buffer's memory back when it holds nothing.
pub(crate) fn shrink(buf: &mut BytesMut) {
    if buf.is_empty() && buf.capacity() > 0 {
        *buf = BytesMut::new();
    }
}

/// Reads what the socket holds into the spare capacity of `buf` (reserve first) without
/// zeroing or copying. A read that leaves spare capacity has drained the socket: tokio's
/// readiness is cleared at once (the readiness captured *before* the read, so data arriving
/// meanwhile wakes the task again), which saves the second read that would only find
/// `WouldBlock`.
pub(crate) fn read_drained(stream: &TcpStream, buf: &mut BytesMut) -> io::Result<Read> {
    let spare = buf.capacity().saturating_sub(buf.len());
    let mut got = None;
    let r = stream.try_io(tokio::io::Interest::READABLE, || {
        let n = stream.try_read_buf(buf)?;
        got = Some(n);
        if n > 0 && n < spare {
            // Drained: clear readiness, keep the bytes.
            Err(io::ErrorKind::WouldBlock.into())
        } else {
            Ok(n)
        }
    });
    match (r, got) {
        (_, Some(0)) => Ok(Read::Eof),
        (_, Some(_)) => Ok(Read::Data),
        (Err(e), None) if e.kind() == io::ErrorKind::WouldBlock => Ok(Read::WouldBlock),
        (Err(e), None) => Err(e),
        (Ok(_), None) => Ok(Read::WouldBlock),
    }
}

/// Writes `data` if nothing is pending, else (or what the socket does not take) appends it to
/// `pending`, which the next writable event drains.
pub(crate) fn write_or_keep(
    stream: &TcpStream,
    pending: &mut Vec<u8>,
    data: &[u8],
) -> io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    if !pending.is_empty() {
        pending.extend_from_slice(data);
        return Ok(());
    }
    match stream.try_write(data) {
        Ok(w) => pending.extend_from_slice(data.get(w..).unwrap_or_default()),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => pending.extend_from_slice(data),
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Writes what of `pending` the socket takes now; frees its memory once it is empty.
pub(crate) fn write_pending(stream: &TcpStream, pending: &mut Vec<u8>) -> io::Result<()> {
    while !pending.is_empty() {
        match stream.try_write(pending) {
            Ok(n) => {
                pending.drain(..n.min(pending.len()));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    if pending.is_empty() && pending.capacity() > 0 {
        *pending = Vec::new();
    }
    Ok(())
}
