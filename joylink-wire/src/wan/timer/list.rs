//! The borrowed [`List`] of variable-length type-13 items (`ids[]`, `result[]`, `cmds[]`,
//! `tasks[]`), read and written through the crate's checked cursors.
//!
//! Layout rule for every type-13 structure: **packed, little-endian, no padding** (compat
//! §7.11): `int`/`unsigned int` are 4 bytes, `char` is 1 byte.

use core::fmt;

use crate::codec::{Reader, Writer};
use crate::{Error, Result};

/// Adds byte counts; an overflow (impossible for real inputs) reports `TooLong`.
pub(crate) fn add(a: usize, b: usize) -> Result<usize> {
    a.checked_add(b).ok_or(Error::TooLong {
        field: "message",
        len: usize::MAX,
        max: usize::MAX,
    })
}

/// Which form a task list uses.
///
/// A decoded [`List`] keeps the form it was read in, to decode its elements again and to
/// write its bytes back unchanged in that form. Only task elements look at it (spec 10);
/// `ids[]`, `result[]` and `cmds[]` ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskForm {
    /// `task_t`: with `feedid` and `name` (add, update, report add/update).
    Full,
    /// `simplified_task_t`: without them (query reply, snapshot).
    Simplified,
}

pub(crate) mod sealed {
    use super::{Reader, Result, TaskForm, Writer};

    /// An element of a [`super::List`]: how to read, size and write one. Only task elements
    /// look at the [`TaskForm`]; the others ignore it.
    pub trait Item<'a>: Sized + Copy {
        /// Reads one element.
        fn read(r: &mut Reader<'a>, form: TaskForm) -> Result<Self>;
        /// Validates the element for `form` and returns its encoded size.
        fn encoded_len(&self, form: TaskForm) -> Result<usize>;
        /// Writes it (after [`Item::encoded_len`] succeeded).
        fn write(&self, w: &mut Writer<'_>, form: TaskForm) -> Result<()>;
    }
}
pub(crate) use sealed::Item;

/// A borrowed list of wire elements (`ids[]`, `result[]`, `cmd_t cmds[]`, `task_t tasks[]`).
///
/// A decoder's list keeps the elements in their wire form: the bytes were validated once when
/// the message was parsed and are decoded again, lazily, by [`List::iter`] — nothing is
/// collected and nothing allocates. An encoder also takes a caller's slice
/// ([`List::from_slice`]). Two lists are equal when they yield equal elements.
#[derive(Clone, Copy)]
pub struct List<'a, T> {
    inner: Inner<'a, T>,
}

#[derive(Clone, Copy)]
enum Inner<'a, T> {
    Encoded {
        bytes: &'a [u8],
        count: usize,
        form: TaskForm,
    },
    Slice(&'a [T]),
}

impl<'a, T> List<'a, T> {
    /// A list of the caller's elements, for an encoder.
    #[must_use]
    pub const fn from_slice(items: &'a [T]) -> List<'a, T> {
        List {
            inner: Inner::Slice(items),
        }
    }

    /// Number of elements.
    #[must_use]
    pub const fn len(&self) -> usize {
        match self.inner {
            Inner::Encoded { count, .. } => count,
            Inner::Slice(s) => s.len(),
        }
    }

    /// `true` for an empty list.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The wire bytes of the elements, when the list came from a decoder.
    #[must_use]
    pub const fn encoded_bytes(&self) -> Option<&'a [u8]> {
        match self.inner {
            Inner::Encoded { bytes, .. } => Some(bytes),
            Inner::Slice(_) => None,
        }
    }
}

impl<'a, T: Item<'a>> List<'a, T> {
    /// Reads `count` elements from `r`, validating all of them.
    pub(crate) fn read(r: &mut Reader<'a>, count: usize, form: TaskForm) -> Result<List<'a, T>> {
        let start = r.clone().rest();
        let before = r.left();
        for _ in 0..count {
            T::read(r, form)?;
        }
        let used = before.saturating_sub(r.left());
        Ok(List {
            inner: Inner::Encoded {
                bytes: start.get(..used).unwrap_or(&[]),
                count,
                form,
            },
        })
    }

    /// The elements in order.
    #[must_use]
    pub fn iter(&self) -> ListIter<'a, T> {
        match self.inner {
            Inner::Encoded { bytes, count, form } => ListIter {
                inner: IterInner::Encoded {
                    reader: Reader::new(bytes),
                    left: count,
                    form,
                },
            },
            Inner::Slice(s) => ListIter {
                inner: IterInner::Slice(s.iter()),
            },
        }
    }

    /// Validates every element and returns the encoded size of the elements.
    pub(crate) fn encoded_len(&self, form: TaskForm) -> Result<usize> {
        match self.inner {
            // Already validated in this form: the bytes are written as they are.
            Inner::Encoded { bytes, form: f, .. } if f == form => Ok(bytes.len()),
            _ => self
                .iter()
                .try_fold(0usize, |acc, e| add(acc, e.encoded_len(form)?)),
        }
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>, form: TaskForm) -> Result<()> {
        match self.inner {
            Inner::Encoded { bytes, form: f, .. } if f == form => w.put(bytes),
            _ => self.iter().try_for_each(|e| e.write(w, form)),
        }
    }
}

impl<'a, T: Item<'a>> IntoIterator for &List<'a, T> {
    type Item = T;
    type IntoIter = ListIter<'a, T>;
    fn into_iter(self) -> ListIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: Item<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: Item<'a> + Eq> Eq for List<'a, T> {}

impl<'a, T: Item<'a> + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over a [`List`].
#[derive(Debug, Clone)]
pub struct ListIter<'a, T> {
    inner: IterInner<'a, T>,
}

#[derive(Debug, Clone)]
enum IterInner<'a, T> {
    Encoded {
        reader: Reader<'a>,
        left: usize,
        form: TaskForm,
    },
    Slice(core::slice::Iter<'a, T>),
}

impl<'a, T: Item<'a>> Iterator for ListIter<'a, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match &mut self.inner {
            IterInner::Encoded { reader, left, form } => {
                *left = left.checked_sub(1)?;
                // The bytes were validated by `List::read`, so this cannot fail; if it somehow
                // did, the iteration ends.
                T::read(reader, *form).ok()
            }
            IterInner::Slice(it) => it.next().copied(),
        }
    }
}

impl<'a> Item<'a> for i32 {
    fn read(r: &mut Reader<'a>, _: TaskForm) -> Result<i32> {
        r.i32_le()
    }
    fn encoded_len(&self, _: TaskForm) -> Result<usize> {
        Ok(4)
    }
    fn write(&self, w: &mut Writer<'_>, _: TaskForm) -> Result<()> {
        w.i32_le(*self)
    }
}

/// Reads a C `int` count and checks it is not negative and fits the remaining input at
/// `min_item` bytes per element (so a huge count fails fast instead of looping).
pub(crate) fn read_count(
    r: &mut Reader<'_>,
    field: &'static str,
    min_item: usize,
) -> Result<usize> {
    let n = r.i32_le()?;
    let count = usize::try_from(n).map_err(|_| negative(field, n))?;
    let needed = count.saturating_mul(min_item);
    if needed > r.left() {
        return Err(Error::Truncated {
            needed,
            available: r.left(),
        });
    }
    Ok(count)
}

/// Converts a count to the C `int` written on the wire.
pub(crate) fn count_i32(field: &'static str, n: usize) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::TooLong {
        field,
        len: n,
        max: i32::MAX as usize,
    })
}

/// A negative C `int` where a length or count belongs.
pub(crate) const fn negative(field: &'static str, n: i32) -> Error {
    Error::OutOfRange {
        field,
        value: n.cast_unsigned(),
    }
}
