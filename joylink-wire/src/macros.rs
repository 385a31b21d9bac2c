//! Crate-private macros.

/// Declares a wire code enum with named variants plus `Unknown(n)` (after smoltcp's
/// `enum_with_unknown!`): `From` both ways, `Display` as `"name (n)"`, `name()`, and (feature
/// `serde`) serialization as the bare number, so unknown values round-trip everywhere.
///
/// `Unknown` holds an [`UnknownCode`](crate::UnknownCode), which only `from_value`/`From<n>`
/// can build, and only for a number without a name: so `Unknown` never aliases a named variant,
/// and `==`, `Hash` and every method agree with the number on the wire.
macro_rules! enum_with_unknown {
    (
        $(#[$enum_attr:meta])*
        pub enum $name:ident($ty:ty) {
            $(
                $(#[$variant_attr:meta])*
                $variant:ident = $value:literal => $label:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$enum_attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$variant_attr])*
                $variant,
            )+
            /// A value this crate has no name for; carried unchanged so it re-encodes as received.
            /// Only [`Self::from_value`] builds it, so it never holds a named value.
            Unknown($crate::UnknownCode<$ty>),
        }

        impl $name {
            /// Every named variant, in declaration order (not `Unknown`).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// A short English name of the code (the spec's meaning), `"unknown"` for `Unknown`.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                    $name::Unknown(_) => "unknown",
                }
            }

            /// The numeric value as it appears on the wire.
            #[must_use]
            pub const fn value(self) -> $ty {
                match self {
                    $($name::$variant => $value,)+
                    $name::Unknown(n) => n.0,
                }
            }

            /// Looks a number up (`const` form of `From`).
            #[must_use]
            pub const fn from_value(n: $ty) -> Self {
                match n {
                    $($value => $name::$variant,)+
                    other => $name::Unknown($crate::UnknownCode(other)),
                }
            }
        }

        impl From<$ty> for $name {
            fn from(n: $ty) -> Self {
                Self::from_value(n)
            }
        }

        impl From<$name> for $ty {
            fn from(code: $name) -> Self {
                code.value()
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{} ({})", self.name(), self.value())
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&self.value(), s)
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
                <$ty as serde::Deserialize<'de>>::deserialize(d).map(Self::from_value)
            }
        }
    };
}

pub(crate) use enum_with_unknown;
