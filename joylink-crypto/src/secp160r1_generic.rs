//! Test oracle (compiled only for tests): the secp160r1 curve (SEC 2 v1 §2.4.2) on RustCrypto's
//! generic `primeorder` short-Weierstrass arithmetic, with both fields on `crypto-bigint`'s
//! Montgomery form. It was the implementation until issue 19 replaced it with the compact
//! `secp160r1.rs` (11.8 KB of Cortex-M4 flash); the compact one is checked against it.
//!
//! There is no maintained secp160r1 crate, so the curve is assembled here the way RustCrypto's
//! `p192`/`bign256` crates assemble theirs. Two details are particular to this curve:
//!
//! - the group order `n` has **161** bits (just above 2^160), while `p` has 160. `elliptic-curve`
//!   ties the scalar's and the field element's byte size together (`FieldBytesSize`), so both use
//!   21 bytes (`U21`); with 20 bytes bit 160 of a scalar would be silently dropped. `primefield`'s
//!   `monty_field_params!` would derive 20 bytes for `p`, so both `MontyFieldParams` impls are
//!   written by hand, and so are the `Reduce` impls (as in RustCrypto's `p224`).
//! - as a consequence the library's own SEC1 encodings are 22 (compressed) and 43 (uncompressed)
//!   bytes; JoyLink's 21-byte compressed key (`02|03 ‖ X[20]`) is converted in `ecdh.rs`.
//!
//! Only the constant-time `ProjectivePoint * Scalar` of `primeorder` is used on secrets.
//!
//! Security: secp160r1 gives about 80-bit security. It is here only for compatibility with
//! shipped JoyLink devices.

use elliptic_curve::{
    CurveArithmetic, PrimeCurveArithmetic,
    array::typenum::U21,
    bigint::{Odd, U192},
    hazmat::FieldArithmetic,
};
use primeorder::{PrimeCurveParams, mul_backend, point_arithmetic};

pub(crate) use self::field::FieldElement;
pub(crate) use self::scalar::Scalar;

/// `p = 2^160 − 2^31 − 1` (SEC 2 §2.4.2), zero-extended to the 192-bit integer type.
const MODULUS_HEX_192: &str = "00000000ffffffffffffffffffffffffffffffff7fffffff";
/// `p` as printed in SEC 2.
const MODULUS_HEX: &str = "ffffffffffffffffffffffffffffffff7fffffff";
/// `n = 0x01 00000000 00000000 0001F4C8 F927AED3 CA752257` (SEC 2 §2.4.2), 161 bits, zero-extended.
const ORDER_HEX_192: &str = "0000000100000000000000000001f4c8f927aed3ca752257";
/// `n` as printed in SEC 2.
const ORDER_HEX: &str = "0100000000000000000001f4c8f927aed3ca752257";
const ORDER: Odd<U192> = Odd::<U192>::from_be_hex(ORDER_HEX_192);

/// The field modulus `p` as 20 big-endian bytes, for the "coordinate < p" check of `ecdh.rs`.
pub(crate) const P_BYTES: [u8; 20] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x7f, 0xff, 0xff, 0xff,
];

/// The secp160r1 curve (cofactor 1).
#[derive(Copy, Clone, Debug, Default, Eq, PartialEq, PartialOrd, Ord)]
pub struct Secp160r1;

impl elliptic_curve::Curve for Secp160r1 {
    // 21, not 20: see the module doc (n has 161 bits).
    type FieldBytesSize = U21;
    type Uint = U192;
    const ORDER: Odd<U192> = ORDER;
}

impl elliptic_curve::PrimeCurve for Secp160r1 {}

mod field {
    use super::{MODULUS_HEX, MODULUS_HEX_192};
    use elliptic_curve::{
        bigint::{Reduce, U192},
        ff::PrimeField,
        ops::BatchInvert,
        subtle::{Choice, ConstantTimeEq, CtOption},
    };
    use primefield::bigint::modular::ConstMontyParams;
    use primefield::{ByteOrder, MontyFieldBytes, MontyFieldElement, MontyFieldParams};

    // 3 is the smallest quadratic non-residue mod p (p ≡ 3 mod 4, so S = 1).
    primefield::bigint::const_prime_monty_params!(
        FieldParams,
        U192,
        MODULUS_HEX_192,
        3,
        "Montgomery parameters for the secp160r1 field modulus p = 2^160 − 2^31 − 1"
    );

    impl MontyFieldParams<{ U192::LIMBS }> for FieldParams {
        // Hand-written: 21, the curve's FieldBytesSize (the macro would say 20).
        type ByteSize = primefield::consts::U21;
        const BYTE_ORDER: ByteOrder = ByteOrder::BigEndian;
        const MODULUS_HEX: &'static str = MODULUS_HEX;
        const T: U192 = primefield::compute_t(FieldParams::PARAMS.modulus().as_ref());
    }

    primefield::monty_field_element! {
        name: FieldElement,
        params: FieldParams,
        uint: U192,
        doc: "Element of the secp160r1 base field (mod p)"
    }

    primefield::monty_field_arithmetic! {
        name: FieldElement,
        params: FieldParams,
        uint: U192
    }

    impl Reduce<U192> for FieldElement {
        fn reduce(w: &U192) -> Self {
            Self(MontyFieldElement::<FieldParams, { U192::LIMBS }>::reduce(w))
        }
    }

    impl Reduce<MontyFieldBytes<FieldParams, { U192::LIMBS }>> for FieldElement {
        fn reduce(bytes: &MontyFieldBytes<FieldParams, { U192::LIMBS }>) -> Self {
            let mut wide = [0u8; 24];
            wide[3..].copy_from_slice(bytes);
            <Self as Reduce<U192>>::reduce(&U192::from_be_slice(&wide))
        }
    }

    impl BatchInvert for FieldElement {}
}

mod scalar {
    use super::{ORDER, ORDER_HEX, ORDER_HEX_192, Secp160r1};
    use elliptic_curve::{
        bigint::{Reduce, U192},
        ff::PrimeField,
        scalar::{FromUintUnchecked, IsHigh},
        subtle::{Choice, ConstantTimeEq, ConstantTimeGreater, CtOption},
    };
    use primefield::bigint::modular::ConstMontyParams;
    use primefield::{ByteOrder, MontyFieldBytes, MontyFieldElement, MontyFieldParams};
    use primeorder::wnaf;

    // 7 is the smallest quadratic non-residue mod n (n ≡ 3 mod 4, so S = 1).
    primefield::bigint::const_prime_monty_params!(
        ScalarParams,
        U192,
        ORDER_HEX_192,
        7,
        "Montgomery parameters for the secp160r1 group order n (161 bits)"
    );

    impl MontyFieldParams<{ U192::LIMBS }> for ScalarParams {
        type ByteSize = primefield::consts::U21;
        const BYTE_ORDER: ByteOrder = ByteOrder::BigEndian;
        const MODULUS_HEX: &'static str = ORDER_HEX;
        const T: U192 = primefield::compute_t(ScalarParams::PARAMS.modulus().as_ref());
    }

    primefield::monty_field_element! {
        name: Scalar,
        params: ScalarParams,
        uint: U192,
        doc: "Element of the secp160r1 scalar field (mod n)"
    }

    primefield::monty_field_arithmetic! {
        name: Scalar,
        params: ScalarParams,
        uint: U192
    }

    impl Reduce<U192> for Scalar {
        fn reduce(w: &U192) -> Self {
            Self(MontyFieldElement::<ScalarParams, { U192::LIMBS }>::reduce(
                w,
            ))
        }
    }

    impl Reduce<MontyFieldBytes<ScalarParams, { U192::LIMBS }>> for Scalar {
        fn reduce(bytes: &MontyFieldBytes<ScalarParams, { U192::LIMBS }>) -> Self {
            let mut wide = [0u8; 24];
            wide[3..].copy_from_slice(bytes);
            <Self as Reduce<U192>>::reduce(&U192::from_be_slice(&wide))
        }
    }

    elliptic_curve::scalar_impls!(Secp160r1, Scalar);
    wnaf::impl_wnaf_size_for_scalar!(Scalar);

    impl AsRef<Scalar> for Scalar {
        fn as_ref(&self) -> &Scalar {
            self
        }
    }

    impl FromUintUnchecked for Scalar {
        type Uint = U192;

        fn from_uint_unchecked(uint: Self::Uint) -> Self {
            Self::from_uint_unchecked(uint)
        }
    }

    impl IsHigh for Scalar {
        fn is_high(&self) -> Choice {
            const MODULUS_SHR1: U192 = ORDER.as_ref().shr_vartime(1);
            self.to_canonical().ct_gt(&MODULUS_SHR1)
        }
    }
}

/// Affine point on secp160r1.
pub type AffinePoint = primeorder::AffinePoint<Secp160r1>;
/// Projective point on secp160r1.
pub type ProjectivePoint = primeorder::ProjectivePoint<Secp160r1>;

impl CurveArithmetic for Secp160r1 {
    type AffinePoint = AffinePoint;
    type ProjectivePoint = ProjectivePoint;
    type Scalar = Scalar;
}

impl FieldArithmetic for Secp160r1 {
    type FieldElement = FieldElement;
}

impl PrimeCurveArithmetic for Secp160r1 {
    type CurveGroup = ProjectivePoint;
}

impl PrimeCurveParams for Secp160r1 {
    // a = −3 (SEC 2 §2.4.2: a = p − 3).
    type PointArithmetic = point_arithmetic::EquationAIsMinusThree;
    type Backend = mul_backend::VariableOnly;

    const EQUATION_A: FieldElement =
        FieldElement::from_hex_vartime("00ffffffffffffffffffffffffffffffff7ffffffc");
    const EQUATION_B: FieldElement =
        FieldElement::from_hex_vartime("001c97befc54bd7a8b65acf89f81d4d4adc565fa45");
    const GENERATOR: (FieldElement, FieldElement) = (
        FieldElement::from_hex_vartime("004a96b5688ef573284664698968c38bb913cbfc82"),
        FieldElement::from_hex_vartime("0023a628553168947d59dcc912042351377ac5fb32"),
    );
}

#[cfg(test)]
mod tests {
    //! The curve against an independent reference: affine double-and-add over `num-bigint`
    //! (textbook formulas, no code shared with `primeorder`) and the SEC 2 generator.
    #![allow(
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation,
        reason = "test reference arithmetic on BigUint and a fixed LCG"
    )]
    use super::*;
    use elliptic_curve::{
        ff::{Field, PrimeField},
        group::Group,
        point::AffineCoordinates,
    };
    use num_bigint::BigUint;

    fn big(hex: &str) -> BigUint {
        BigUint::parse_bytes(hex.as_bytes(), 16).unwrap()
    }

    struct Ref {
        p: BigUint,
        a: BigUint,
    }

    type Pt = Option<(BigUint, BigUint)>;

    impl Ref {
        fn new() -> Self {
            let p = big(MODULUS_HEX);
            let a = &p - 3u32;
            Ref { p, a }
        }
        fn inv(&self, x: &BigUint) -> BigUint {
            x.modpow(&(&self.p - 2u32), &self.p)
        }
        fn add(&self, p1: &Pt, p2: &Pt) -> Pt {
            let p = &self.p;
            match (p1, p2) {
                (None, q) | (q, None) => q.clone(),
                (Some((x1, y1)), Some((x2, y2))) => {
                    let l = if x1 == x2 {
                        if (y1 + y2) % p == BigUint::ZERO {
                            return None;
                        }
                        (3u32 * x1 * x1 + &self.a) * self.inv(&(2u32 * y1)) % p
                    } else {
                        (y2 + p - y1) * self.inv(&((x2 + p - x1) % p)) % p
                    };
                    let x3 = (&l * &l + 2u32 * p - x1 - x2) % p;
                    let y3 = (&l * ((x1 + p - &x3) % p) + p - y1) % p;
                    Some((x3, y3))
                }
            }
        }
        fn mul(&self, k: &BigUint, g: &Pt) -> Pt {
            let mut r: Pt = None;
            for i in (0..k.bits()).rev() {
                r = self.add(&r, &r);
                if k.bit(i) {
                    r = self.add(&r, g);
                }
            }
            r
        }
    }

    fn g_ref() -> Pt {
        Some((
            big("4a96b5688ef573284664698968c38bb913cbfc82"),
            big("23a628553168947d59dcc912042351377ac5fb32"),
        ))
    }

    fn scalar_of(k: &BigUint) -> Scalar {
        let mut repr = [0u8; 21];
        let b = k.to_bytes_be();
        repr[21 - b.len()..].copy_from_slice(&b);
        Scalar::from_slice(&repr).unwrap()
    }

    fn ours(k: &BigUint) -> Pt {
        let p = (ProjectivePoint::generator() * scalar_of(k)).to_affine();
        if bool::from(p.is_identity()) {
            return None;
        }
        let x = BigUint::from_bytes_be(&p.x());
        let enc = elliptic_curve::sec1::ToSec1Point::to_sec1_point(&p, false);
        let y = BigUint::from_bytes_be(enc.y().unwrap());
        Some((x, y))
    }

    #[test]
    fn constants() {
        let r = Ref::new();
        // G is on the curve: y² = x³ − 3x + b (mod p).
        let (x, y) = g_ref().unwrap();
        let b = big("1c97befc54bd7a8b65acf89f81d4d4adc565fa45");
        assert_eq!(&y * &y % &r.p, (&x * &x * &x + &r.a * &x + b) % &r.p);
        assert_eq!(big(ORDER_HEX).bits(), 161);
        assert_eq!(Scalar::NUM_BITS, 161);
        assert_eq!(FieldElement::NUM_BITS, 160);
        assert_eq!(BigUint::from_bytes_be(&P_BYTES), r.p);
        assert_eq!(-FieldElement::from(3u64), Secp160r1::EQUATION_A);
    }

    #[test]
    fn k_times_g_against_reference() {
        let r = Ref::new();
        let n = big(ORDER_HEX);
        let g = g_ref();
        assert_eq!(ours(&BigUint::from(1u32)), g, "1·G");
        assert_eq!(ours(&BigUint::from(2u32)), r.add(&g, &g), "2·G");
        // (n−1)·G = −G: same x, y = p − y_G.
        let (gx, gy) = g.clone().unwrap();
        assert_eq!(ours(&(&n - 1u32)), Some((gx, &r.p - gy)), "(n−1)·G");
        // n·G = O, checked through the group: (n−1)·G + G.
        let nm1 = ProjectivePoint::generator() * -Scalar::ONE;
        assert!(bool::from(
            (nm1 + ProjectivePoint::generator()).is_identity()
        ));
        // Scalars with bit 160 set and random-looking ones (fixed LCG, reproducible).
        let mut s = 0x2545_f491_4f6c_dd1du64;
        for i in 0..12 {
            let mut bytes = [0u8; 21];
            for b in bytes.iter_mut() {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *b = (s >> 56) as u8;
            }
            bytes[0] &= 1; // up to 161 bits
            let k = BigUint::from_bytes_be(&bytes) % &n;
            assert_eq!(ours(&k), r.mul(&k, &g), "random k #{i} = {k:x}");
        }
        let top = (BigUint::from(1u32) << 160u32) + 12345u32; // bit 160 set, < n
        assert!(top < n);
        assert_eq!(ours(&top), r.mul(&top, &g), "k with bit 160");
    }

    #[test]
    fn scalar_repr_keeps_bit_160() {
        let k = big("0100000000000000000000000000000000000000ff");
        assert_eq!(BigUint::from_bytes_be(&scalar_of(&k).to_repr()), k);
    }

    #[test]
    fn field_sqrt_and_invert() {
        let x = FieldElement::from(12345u64);
        let sq = x.square();
        let r = sq.sqrt().unwrap();
        assert!(r == x || r == -x);
        assert_eq!(x * x.invert().unwrap(), FieldElement::ONE);
    }
}
