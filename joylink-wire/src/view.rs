//! Crate-private toolkit of the LAN and WAN body views: little-endian field access at fixed
//! offsets and the `body_view!` macro that declares a smoltcp-style view (`new_unchecked`,
//! `new_checked`, `check_len`, `into_inner`, one getter and one setter per field, the variable
//! tail).
//!
//! Getters never panic: after `check_len` every fixed field is in bounds, and the helpers below
//! use `get` anyway, returning 0 for an out-of-bounds read of a view built with `new_unchecked`
//! on a short buffer (smoltcp would panic there; we prefer a wrong value to a crash).
//!
//! Setters return a `Result`: a write that does not fit (a view built with `new_unchecked` on a
//! short buffer) is [`Error::Truncated`](crate::Error::Truncated) and changes nothing, instead of
//! being dropped silently.

/// A little-endian integer at a byte offset.
pub(crate) trait Le: Sized + Copy {
    /// Reads the value at `off`, 0 when out of bounds.
    fn get_le(buf: &[u8], off: usize) -> Self;
    /// Writes the value at `off`.
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) (nothing written) when out of bounds.
    fn put_le(self, buf: &mut [u8], off: usize) -> crate::Result<()>;
}

macro_rules! impl_le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            fn get_le(buf: &[u8], off: usize) -> Self {
                buf.get(off..)
                    .and_then(|s| s.first_chunk::<{ core::mem::size_of::<$t>() }>())
                    .map_or(0, |c| <$t>::from_le_bytes(*c))
            }
            fn put_le(self, buf: &mut [u8], off: usize) -> crate::Result<()> {
                const SIZE: usize = core::mem::size_of::<$t>();
                let available = buf.len();
                let c = buf
                    .get_mut(off..)
                    .and_then(|s| s.first_chunk_mut::<SIZE>())
                    .ok_or(crate::Error::Truncated {
                        needed: off.saturating_add(SIZE),
                        available,
                    })?;
                *c = self.to_le_bytes();
                Ok(())
            }
        }
    )*};
}
impl_le!(u8, u16, u32, i32);

/// The `len` bytes at `off` (empty when out of bounds).
pub(crate) fn bytes_at(buf: &[u8], off: usize, len: usize) -> &[u8] {
    off.checked_add(len)
        .and_then(|end| buf.get(off..end))
        .unwrap_or_default()
}

/// The mutable `len` bytes at `off`.
///
/// # Errors
/// [`Error::Truncated`](crate::Error::Truncated) when out of bounds.
pub(crate) fn bytes_at_mut(buf: &mut [u8], off: usize, len: usize) -> crate::Result<&mut [u8]> {
    let available = buf.len();
    let end = off.saturating_add(len);
    buf.get_mut(off..end).ok_or(crate::Error::Truncated {
        needed: end,
        available,
    })
}

/// Declares a view over a LAN or WAN body with fixed fields followed by an optional variable tail.
///
/// ```text
/// body_view! {
///     /// docs
///     pub struct ControlBody, min_len = 12;
///     ints { timestamp, set_timestamp: u32 as u32 @ 0, ... }
///     texts { feed_id, set_feed_id @ 12, 32 }
///     tail data, data_mut @ 12;
/// }
/// ```
macro_rules! body_view {
    (
        $(#[$attr:meta])*
        pub struct $name:ident, min_len = $min:expr, redacted;
        $($rest:tt)*
    ) => {
        $(#[$attr])*
        ///
        /// Its `Debug` prints the length only: the body holds a key.
        #[derive(Clone, Copy)]
        pub struct $name<T: AsRef<[u8]>> {
            buffer: T,
        }

        impl<T: AsRef<[u8]>> core::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("len", &self.buffer.as_ref().len())
                    .finish_non_exhaustive()
            }
        }

        $crate::view::body_view!(@impl $name, $min; $($rest)*);
    };
    (
        $(#[$attr:meta])*
        pub struct $name:ident, min_len = $min:expr;
        $($rest:tt)*
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name<T: AsRef<[u8]>> {
            buffer: T,
        }

        $crate::view::body_view!(@impl $name, $min; $($rest)*);
    };
    // `ints { control_header; … }`: the control preamble (`ts ‖ biz_code ‖ serial`, spec 6.3.4,
    // 7.3.7, 10, 12, 7.3.19, 7.3.23), declared here once for every view whose body starts with
    // it, in the layout of `ControlHeader` (`CONTROL_HEADER_LEN` bytes).
    (
        @impl $name:ident, $min:expr;
        ints { control_header; $($fields:tt)* }
        $($rest:tt)*
    ) => {
        $crate::view::body_view!(
            @impl $name, $min;
            ints {
                /// The sender's time (the replay-protection timestamp, compat §5).
                timestamp, set_timestamp: u32 as u32 @ 0,
                /// What is asked or answered (spec 3.7; a reply carries `biz_code.response()`).
                biz_code, set_biz_code: $crate::BizCode as u32 @ 4,
                /// The requester's sequence number, echoed in the reply.
                serial, set_serial: u32 as u32 @ 8,
                $($fields)*
            }
            $($rest)*
        );
    };
    (
        @impl $name:ident, $min:expr;
        ints { $( $(#[$fattr:meta])* $get:ident, $set:ident : $ty:ty as $raw:ident @ $off:expr ),* $(,)? }
        texts {}
        repr $repr:ident, $what:literal;
    ) => {
        $crate::view::body_view!(
            @impl $name, $min;
            ints { $( $(#[$fattr])* $get, $set : $ty as $raw @ $off ),* }
            texts {}
            @what $what;
        );

            // The repr's fields are the view's fields: they must tile the body exactly.
            const _: () = assert!(
                $crate::view::tiles(&[$( ($off, core::mem::size_of::<$raw>()) ),*], $min),
                concat!("body_view!: the fields of ", stringify!($name), " do not tile its ", stringify!($min), " bytes")
            );

            impl $repr {
                /// Length on the wire.
                pub const LEN: usize = $min;

                #[doc = concat!("Parses exactly [`Self::LEN`] bytes through the view [`", stringify!($name), "`].")]
                ///
                /// # Errors
                /// [`Error::Truncated`](crate::Error::Truncated) when shorter,
                /// [`Error::TrailingData`](crate::Error::TrailingData) when longer.
                pub fn parse(bytes: &[u8]) -> $crate::Result<Self> {
                    let view = $name::new_checked(bytes)?;
                    Ok(Self { $( $get: view.$get(), )* })
                }

                /// Always [`Self::LEN`].
                pub const fn buffer_len(&self) -> usize {
                    Self::LEN
                }

                #[doc = concat!("Writes the [`Self::LEN`] bytes through the view [`", stringify!($name), "`].")]
                ///
                /// # Errors
                /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) (nothing written).
                pub fn emit(&self, buf: &mut [u8]) -> $crate::Result<usize> {
                    let mut view = $name::new_unchecked($crate::codec::room(Self::LEN, buf)?);
                    $( view.$set(self.$get)?; )*
                    Ok(Self::LEN)
                }
            }

            #[doc = concat!("The repr [`", stringify!($repr), "`] this view parses into.")]
            impl<T: AsRef<[u8]>> $name<T> {
                /// The typed value of the fields (the repr), after [`Self::check_len`].
                ///
                /// # Errors
                /// As [`Self::check_len`].
                pub fn to_repr(&self) -> $crate::Result<$repr> {
                    self.check_len()?;
                    Ok($repr { $( $get: self.$get(), )* })
                }
            }
            };
    (
        @impl $name:ident, $min:expr;
        ints { $( $(#[$fattr:meta])* $get:ident, $set:ident : $ty:ty as $raw:ident @ $off:expr ),* $(,)? }
        texts { $( $(#[$tattr:meta])* $tget:ident, $tset:ident @ $toff:expr, $tlen:expr ),* $(,)? }
        $( tail $(#[$tailattr:meta])* $tail:ident, $tail_mut:ident @ $tail_off:expr; )?
        $( @what $what:literal; )?
    ) => {
        impl<T: AsRef<[u8]>> $name<T> {
            /// Length of the fixed part; a body shorter than this fails [`Self::check_len`].
            pub const MIN_LEN: usize = $min;

            /// `true` when the body has no variable tail: it is exactly [`Self::MIN_LEN`] bytes.
            const EXACT: bool = true $( && stringify!($tail).is_empty() )?;

            /// The name a [`TrailingData`](crate::Error::TrailingData) error carries.
            const WHAT: &'static str = { let w = stringify!($name); $( let _ = w; let w = $what; )? w };

            /// Wraps a buffer without checking it (getters of a short buffer read 0).
            pub const fn new_unchecked(buffer: T) -> Self {
                Self { buffer }
            }

            /// Wraps a buffer after [`Self::check_len`].
            ///
            /// # Errors
            /// As [`Self::check_len`].
            pub fn new_checked(buffer: T) -> $crate::Result<Self> {
                let view = Self::new_unchecked(buffer);
                view.check_len()?;
                Ok(view)
            }

            /// Checks the buffer's length: the fixed part ([`Self::MIN_LEN`] bytes) must be there,
            /// and a body without a variable tail must be exactly that long (the one strictness
            /// rule of every view and of the repr parsed through it).
            ///
            /// # Errors
            /// [`Error::Truncated`](crate::Error::Truncated) when it is shorter,
            /// [`Error::TrailingData`](crate::Error::TrailingData) when a body without a tail is
            /// longer.
            pub fn check_len(&self) -> $crate::Result<()> {
                let available = self.buffer.as_ref().len();
                match available.checked_sub(Self::MIN_LEN) {
                    None => Err($crate::Error::Truncated { needed: Self::MIN_LEN, available }),
                    Some(extra) if extra > 0 && Self::EXACT => {
                        Err($crate::Error::TrailingData { what: Self::WHAT, len: extra })
                    }
                    Some(_) => Ok(()),
                }
            }

            /// Gives the buffer back.
            pub fn into_inner(self) -> T {
                self.buffer
            }

            $(
                $(#[$fattr])*
                pub fn $get(&self) -> $ty {
                    <$ty>::from(<$raw as $crate::view::Le>::get_le(self.buffer.as_ref(), $off))
                }
            )*

        }

        // Text fields borrow the viewed bytes, not the view, so that a repr parsed through the
        // view holds them.
        impl<'a, T: AsRef<[u8]> + ?Sized> $name<&'a T> {
            $(
                $(#[$tattr])*
                pub fn $tget(&self) -> $crate::FixedText<'a> {
                    $crate::FixedText::new(
                        stringify!($tget),
                        $crate::view::bytes_at(self.buffer.as_ref(), $toff, $tlen),
                    )
                }
            )*
        }

        impl<T: AsRef<[u8]> + AsMut<[u8]>> $name<T> {
            $(
                #[doc = concat!("Sets the field read by [`Self::", stringify!($get), "`].")]
                ///
                /// # Errors
                /// [`Error::Truncated`](crate::Error::Truncated), nothing written, when the buffer
                /// does not hold the field (a view made with `new_unchecked` on a short buffer).
                pub fn $set(&mut self, value: $ty) -> $crate::Result<()> {
                    <$raw as $crate::view::Le>::put_le(<$raw>::from(value), self.buffer.as_mut(), $off)
                }
            )*
            $(
                #[doc = concat!("Writes the NUL-padded text field read by [`Self::", stringify!($tget), "`].")]
                ///
                /// # Errors
                /// [`Error::TooLong`](crate::Error::TooLong) when `text` is wider than the field,
                /// [`Error::Truncated`](crate::Error::Truncated) when the buffer does not hold the
                /// field; nothing is written in either case.
                pub fn $tset(&mut self, text: &[u8]) -> $crate::Result<()> {
                    $crate::write_fixed_text(
                        stringify!($tget),
                        text,
                        $crate::view::bytes_at_mut(self.buffer.as_mut(), $toff, $tlen)?,
                    )
                }
            )*
            $(
                /// The variable tail, mutable.
                pub fn $tail_mut(&mut self) -> &mut [u8] {
                    self.buffer.as_mut().get_mut($tail_off..).unwrap_or_default()
                }
            )?
        }

        $(
            impl<'a, T: AsRef<[u8]> + ?Sized> $name<&'a T> {
                $(#[$tailattr])*
                pub fn $tail(&self) -> &'a [u8] {
                    self.buffer.as_ref().get($tail_off..).unwrap_or_default()
                }
            }
        )?

    };
}

/// `true` when the `(offset, size)` fields cover `0..len` exactly once (no gap, no overlap).
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "evaluated at compile time only (a `const` assertion): an overflow or a bad index \
              fails the build, not a run"
)]
pub(crate) const fn tiles(fields: &[(usize, usize)], len: usize) -> bool {
    let mut covered = 0usize;
    let mut i = 0;
    while i < fields.len() {
        let (off, size) = fields[i];
        if off > len || size > len - off {
            return false;
        }
        let mut j = 0;
        while j < fields.len() {
            let (o2, s2) = fields[j];
            if i != j && off < o2 + s2 && o2 < off + size {
                return false;
            }
            j += 1;
        }
        covered += size;
        i += 1;
    }
    covered == len
}

/// Generates a message family's body-type enum (one variant per body *type*), its value-less
/// kind enum with `name()`, `kind()`, and for each body type `From<Body>` for the family and
/// `TryFrom<Family>` for the body (the family value back on a mismatch): the part
/// `lan_bodies!` and `wan_bodies!` share (each adds its network's codec per body type).
macro_rules! body_family {
    (
        $(#[$attr:meta])*
        pub enum $enum:ident<$lt:lifetime>;
        $(#[$kattr:meta])*
        pub enum $kind:ident;
        { $( $(#[$doc:meta])* $variant:ident($ty:ty), )+ }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum $enum<$lt> {
            $( $(#[$doc])* $variant($ty), )+
        }

        $(#[$kattr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $kind {
            $( $(#[$doc])* $variant, )+
        }

        impl $kind {
            /// The body type's name (`"Control"`, `"CodeResponse"`), as its variant is called.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => stringify!($variant), )+
                }
            }
        }

        impl<$lt> $enum<$lt> {
            /// Which body type this is.
            #[must_use]
            pub const fn kind(&self) -> $kind {
                match self {
                    $( Self::$variant(_) => $kind::$variant, )+
                }
            }
        }

        $(
            impl<$lt> From<$ty> for $enum<$lt> {
                fn from(body: $ty) -> Self {
                    Self::$variant(body)
                }
            }

            /// The body if it is of this type; else the body back, unchanged.
            impl<$lt> TryFrom<$enum<$lt>> for $ty {
                type Error = $enum<$lt>;
                fn try_from(body: $enum<$lt>) -> ::core::result::Result<Self, Self::Error> {
                    match body {
                        $enum::$variant(b) => Ok(b),
                        #[allow(unreachable_patterns)]
                        other => Err(other),
                    }
                }
            }
        )+
    };
}

pub(crate) use body_family;

/// Generates a message family's enum (its declared messages and `Other`) and the by-name and
/// by-body-type methods both families share (`name`, `from_name`, `body_kind`, `into_body`,
/// `from_body`) from their declaration rows; each family's
/// own macro adds `parse`, `direction`, `packet_type` and `emit`, which differ by network. The
/// module's `BodyCodec` trait (its body types' codec) is used where the macro expands.
macro_rules! message_family {
    (
        $(#[$attr:meta])*
        pub enum $enum:ident<$lt:lifetime>, bodies $body:ident, kinds $kind:ident;
        $(#[$odoc:meta])* Other;
        $( $(#[$doc:meta])* $variant:ident($ty:ty) $name:literal, )+
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum $enum<$lt> {
            $( $(#[$doc])* $variant($ty), )+
            $(#[$odoc])*
            Other {
                /// The header's type.
                packet_type: $crate::PacketType,
                /// Who sent it.
                direction: $crate::Direction,
                /// The whole plaintext, undecoded.
                plaintext: &$lt [u8],
            },
        }

        impl<$lt> $enum<$lt> {
            /// The stable snake_case name of the message (`"heartbeat"`, `"json_control"`,
            /// `"other"`): the `kind` tools print and read, one of [`Self::KINDS`] or `"other"`.
            #[must_use]
            pub const fn name(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => $name, )+
                    Self::Other { .. } => "other",
                }
            }

            /// The declared message named `name` (see [`Self::name`]); `None` for `"other"` and
            /// unknown names.
            #[must_use]
            pub fn from_name(name: &str) -> Option<$crate::table::MessageKind> {
                Self::KINDS.iter().find(|k| k.name == name).copied()
            }

            /// The body type the message named `name` carries (see [`Self::name`]); `None`
            /// for `"other"` and unknown names.
            #[must_use]
            pub fn body_kind(name: &str) -> Option<$kind> {
                match name {
                    $( $name => Some(<$ty as BodyCodec<$lt>>::KIND), )+
                    _ => None,
                }
            }

            #[doc = concat!("The body, by its type ([`", stringify!($body), "`]); `None` for [`Other`](Self::Other).")]
            #[must_use]
            pub fn into_body(self) -> Option<$body<$lt>> {
                match self {
                    $( Self::$variant(m) => Some($body::from(m)), )+
                    Self::Other { .. } => None,
                }
            }

            /// The message `kind` (found by its name, one of [`Self::KINDS`]) carrying `body`.
            ///
            /// # Errors
            /// [`Error::BodyMismatch`](crate::Error::BodyMismatch) when that message carries
            /// another body type, or no message of this network has that name.
            pub fn from_body(
                kind: $crate::table::MessageKind,
                body: $body<$lt>,
            ) -> $crate::Result<Self> {
                let mismatch = $crate::Error::BodyMismatch {
                    message: kind.name,
                    body: body.kind().name(),
                };
                match kind.name {
                    $( $name => <$ty>::try_from(body).map(Self::$variant).map_err(|_| mismatch), )+
                    _ => Err(mismatch),
                }
            }
        }
    };
}

pub(crate) use body_view;
pub(crate) use message_family;
