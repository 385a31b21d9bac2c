//! Crate-private checked cursors over bytes, little-endian (rustls's `codec::Reader` shape).
//!
//! Every multi-byte integer of the protocol is little-endian because the SDK `memcpy`s its structs
//! (compat §1). Neither cursor ever panics: a short input is [`Error::Truncated`], a short output
//! [`Error::BufferTooSmall`], leftover input [`Error::TrailingData`]. The LAN and WAN body modules
//! decode and encode through these.

use crate::error::{Error, Result};

/// A read cursor over a borrowed buffer; returned slices borrow from the buffer, not the reader.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

#[allow(
    dead_code,
    reason = "a toolkit for the header and the LAN/WAN body modules; not every reader is used yet"
)]
impl<'a> Reader<'a> {
    /// A reader over `buf`, positioned at its start.
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Reader { rest: buf }
    }

    /// Bytes not read yet.
    pub(crate) const fn left(&self) -> usize {
        self.rest.len()
    }

    /// `true` while unread bytes remain.
    pub(crate) const fn any_left(&self) -> bool {
        !self.rest.is_empty()
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, tail) = self.rest.split_at_checked(n).ok_or(Error::Truncated {
            needed: n,
            available: self.rest.len(),
        })?;
        self.rest = tail;
        Ok(head)
    }

    /// The next `N` bytes as an array reference.
    pub(crate) fn take_array<const N: usize>(&mut self) -> Result<&'a [u8; N]> {
        let (head, tail) = self.rest.split_first_chunk::<N>().ok_or(Error::Truncated {
            needed: N,
            available: self.rest.len(),
        })?;
        self.rest = tail;
        Ok(head)
    }

    /// Everything not read yet; the reader is empty afterwards.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }

    /// A sub-reader over the next `n` bytes (for a length-prefixed part).
    pub(crate) fn sub(&mut self, n: usize) -> Result<Reader<'a>> {
        self.take(n).map(Reader::new)
    }

    /// Fails with [`Error::TrailingData`] naming `what` if bytes remain.
    pub(crate) fn expect_empty(&self, what: &'static str) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingData {
                what,
                len: self.rest.len(),
            })
        }
    }

    /// One byte.
    pub(crate) fn u8(&mut self) -> Result<u8> {
        self.take_array::<1>().map(|b| b[0])
    }

    /// A little-endian `u16`.
    pub(crate) fn u16_le(&mut self) -> Result<u16> {
        self.take_array().map(|b| u16::from_le_bytes(*b))
    }

    /// A little-endian `u32`.
    pub(crate) fn u32_le(&mut self) -> Result<u32> {
        self.take_array().map(|b| u32::from_le_bytes(*b))
    }

    /// A little-endian `i32`.
    pub(crate) fn i32_le(&mut self) -> Result<i32> {
        self.take_array().map(|b| i32::from_le_bytes(*b))
    }
}

/// A write cursor over a caller's buffer.
///
/// Encoders check their total length first and return [`Error::BufferTooSmall`] before writing
/// anything (STYLE.md §3); the cursor's own check is the backstop that keeps a wrong length
/// computation from panicking.
#[derive(Debug)]
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

#[allow(
    dead_code,
    reason = "a toolkit for the header and the LAN/WAN body modules; not every writer is used yet"
)]
impl<'a> Writer<'a> {
    /// A writer at the start of `buf`.
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    /// Bytes written so far.
    pub(crate) const fn written(&self) -> usize {
        self.pos
    }

    /// Room left.
    pub(crate) const fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Appends `bytes`.
    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let too_small = Error::BufferTooSmall {
            needed: self.pos.saturating_add(bytes.len()),
            available: self.buf.len(),
        };
        let end = self.pos.checked_add(bytes.len()).ok_or(too_small)?;
        self.buf
            .get_mut(self.pos..end)
            .ok_or(too_small)?
            .copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    /// Appends `n` copies of `byte` (padding).
    pub(crate) fn fill(&mut self, byte: u8, n: usize) -> Result<()> {
        let too_small = Error::BufferTooSmall {
            needed: self.pos.saturating_add(n),
            available: self.buf.len(),
        };
        let end = self.pos.checked_add(n).ok_or(too_small)?;
        self.buf.get_mut(self.pos..end).ok_or(too_small)?.fill(byte);
        self.pos = end;
        Ok(())
    }

    /// Appends one byte.
    pub(crate) fn u8(&mut self, v: u8) -> Result<()> {
        self.put(&[v])
    }

    /// Appends a little-endian `u16`.
    pub(crate) fn u16_le(&mut self, v: u16) -> Result<()> {
        self.put(&v.to_le_bytes())
    }

    /// Appends a little-endian `u32`.
    pub(crate) fn u32_le(&mut self, v: u32) -> Result<()> {
        self.put(&v.to_le_bytes())
    }

    /// Appends a little-endian `i32`.
    pub(crate) fn i32_le(&mut self, v: i32) -> Result<()> {
        self.put(&v.to_le_bytes())
    }

    /// Gives back the written prefix of the buffer.
    pub(crate) fn into_written(self) -> &'a mut [u8] {
        // `pos <= buf.len()` is kept by every method; the clamp keeps this panic-free anyway.
        let pos = self.pos.min(self.buf.len());
        let (head, _) = self.buf.split_at_mut(pos);
        head
    }
}

/// The first `needed` bytes of `buf`, or [`Error::BufferTooSmall`] before anything is written
/// (the check every `emit` makes first, STYLE.md §3).
pub(crate) fn room(needed: usize, buf: &mut [u8]) -> Result<&mut [u8]> {
    let available = buf.len();
    buf.get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed, available })
}

/// A fixed-width value of a packed C struct, read and written little-endian (rustls's `Codec`,
/// reduced to what the protocol's structs hold: integers, byte arrays and keys).
pub(crate) trait Codec: Sized {
    /// Bytes on the wire.
    const SIZE: usize;
    /// Reads the value at the reader's position.
    fn read(r: &mut Reader<'_>) -> Result<Self>;
    /// Writes the value at the writer's position.
    fn write(self, w: &mut Writer<'_>) -> Result<()>;
}

macro_rules! impl_codec {
    ($($t:ty),*) => {$(
        impl Codec for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            fn read(r: &mut Reader<'_>) -> Result<Self> {
                r.take_array().map(|b| <$t>::from_le_bytes(*b))
            }
            fn write(self, w: &mut Writer<'_>) -> Result<()> {
                w.put(&self.to_le_bytes())
            }
        }
    )*};
}
impl_codec!(u8, u16, u32, i32);

impl<const N: usize> Codec for [u8; N] {
    const SIZE: usize = N;
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        r.take_array().copied()
    }
    fn write(self, w: &mut Writer<'_>) -> Result<()> {
        w.put(&self)
    }
}

/// Gives a fixed-length repr (a packed C struct of [`Codec`] fields, nothing variable) its
/// `LEN`, `parse` (exactly `LEN` bytes), `buffer_len` and `emit`, fields in wire order. Each
/// field is `name: Type as Raw`, where `Raw: Codec` is the wire form and `Type` converts with
/// `From` both ways (as in `body_view!`). A compile-time check ties `LEN` to the fields.
///
/// ```text
/// fixed_repr! { Heartbeat, "heartbeat", 8; timestamp: u32 as u32, version: u16 as u16, ... }
/// ```
macro_rules! fixed_repr {
    (
        $name:ident, $what:literal, $len:expr;
        $( $field:ident : $ty:ty as $raw:ty ),+ $(,)?
    ) => {
        const _: () = assert!(
            $len == 0 $( + <$raw as $crate::codec::Codec>::SIZE )+,
            concat!("fixed_repr!: LEN of ", stringify!($name), " is not the sum of its fields")
        );

        impl $name {
            /// Length on the wire.
            pub const LEN: usize = $len;

            /// Parses exactly [`Self::LEN`] bytes.
            ///
            /// # Errors
            /// [`Error::Truncated`](crate::Error::Truncated) when shorter,
            /// [`Error::TrailingData`](crate::Error::TrailingData) when longer.
            pub fn parse(bytes: &[u8]) -> $crate::Result<Self> {
                let mut r = $crate::codec::Reader::new(bytes);
                let v = Self {
                    $( $field: <$ty>::from(<$raw as $crate::codec::Codec>::read(&mut r)?), )+
                };
                r.expect_empty($what)?;
                Ok(v)
            }

            /// Always [`Self::LEN`].
            pub const fn buffer_len(&self) -> usize {
                Self::LEN
            }

            /// Writes the [`Self::LEN`] bytes.
            ///
            /// # Errors
            /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) (nothing written).
            pub fn emit(&self, buf: &mut [u8]) -> $crate::Result<usize> {
                let mut w = $crate::codec::Writer::new($crate::codec::room(Self::LEN, buf)?);
                // `Clone::clone` rather than a copy: a key field ([`Secret`](crate::Secret)) is
                // not `Copy`, and its temporary clone is wiped when `write` drops it.
                $( <$raw as $crate::codec::Codec>::write(<$raw>::from(Clone::clone(&self.$field)), &mut w)?; )+
                Ok(w.written())
            }
        }
    };
}

pub(crate) use fixed_repr;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reads_little_endian() {
        let bytes = [
            1, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff, 9,
        ];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u16_le(), Ok(0x1234));
        assert_eq!(r.u32_le(), Ok(0x1234_5678));
        assert_eq!(r.i32_le(), Ok(-1));
        assert_eq!(r.left(), 1);
        assert!(r.any_left());
        assert_eq!(
            r.expect_empty("thing"),
            Err(Error::TrailingData {
                what: "thing",
                len: 1
            })
        );
        assert_eq!(r.rest(), &[9]);
        assert_eq!(r.expect_empty("thing"), Ok(()));
    }

    #[test]
    fn reader_truncated() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(
            r.u32_le(),
            Err(Error::Truncated {
                needed: 4,
                available: 3
            })
        );
        assert_eq!(
            r.take(usize::MAX),
            Err(Error::Truncated {
                needed: usize::MAX,
                available: 3
            })
        );
        let mut sub = r.sub(2).unwrap();
        assert_eq!(sub.u16_le(), Ok(0x0201));
        assert_eq!(r.take_array::<1>(), Ok(&[3]));
    }

    #[test]
    fn writer_writes_little_endian_and_refuses_overflow() {
        let mut buf = [0xa5; 12];
        let mut w = Writer::new(&mut buf);
        w.u8(1).unwrap();
        w.u16_le(0x1234).unwrap();
        w.u32_le(0x1234_5678).unwrap();
        w.i32_le(-2).unwrap();
        assert_eq!(w.remaining(), 1);
        assert_eq!(
            w.u16_le(7),
            Err(Error::BufferTooSmall {
                needed: 13,
                available: 12
            })
        );
        w.fill(0, 1).unwrap();
        assert_eq!(w.written(), 12);
        assert_eq!(
            w.into_written(),
            &[
                1, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xfe, 0xff, 0xff, 0xff, 0
            ]
        );
    }
}
