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
