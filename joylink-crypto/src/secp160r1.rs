//! The secp160r1 curve (SEC 2 v1 §2.4.2; spec 1.1 "ECDH 算法标准: secp160r1"), written for this
//! one curve so that a firmware pays for what it uses: about 2 KB of Cortex-M4 code against
//! 11.8 KB for the same operations on RustCrypto's generic `primeorder`/`primefield` stack
//! (issue 19; `joylink-ffi/README.md` has the figures).
//!
//! - **Field**: `p = 2^160 − 2^31 − 1` in five 32-bit limbs (least significant first), always
//!   fully reduced. A product is reduced with `2^160 ≡ 2^31 + 1 (mod p)`: two folds and one
//!   conditional subtraction, the same instructions whatever the values.
//! - **Points**: homogeneous projective coordinates and the complete addition formula of
//!   Renes–Costello–Batina 2015 for `a = −3` (Algorithm 4), used for doubling as well. The
//!   formula has no exceptional case (identity, `P = Q`, `P = −Q`), so nothing branches on it.
//! - **Scalar multiplication**: double-and-add-always over all 160 bits of the private key (20
//!   bytes; `2^160 < n`, so every key is already reduced): each bit costs one doubling and one
//!   addition, and the sum is kept or dropped by a `subtle` constant-time select.
//! - **Inversion** (`z^(p−2)`) and the square root (`x^((p+1)/4)`, `p ≡ 3 mod 4`) are
//!   square-and-multiply over *public constant* exponents: the same sequence of operations for
//!   every input.
//!
//! # Constant time, honestly
//! On the secret (the private key) the code has no branch and no memory index that depends on
//! it: limb arithmetic is `u32 × u32 → u64` multiply-accumulate (fixed-latency `UMULL`/`UMLAL` on
//! Cortex-M3/M4; on a core whose multiplier takes data-dependent time, such as some Cortex-M0
//! configurations, this does not hold), selects go through `subtle`. The compiler is not
//! *proven* to keep it so (no formal verification of the generated code was done); `subtle`'s
//! optimisation barrier is the usual defence. Decoding and validating *public* keys (range,
//! on-curve, square root, parity) is variable-time, which leaks nothing secret. The working
//! points are zeroized after use; copies the compiler leaves on the stack are not scrubbed.
//!
//! The previous generic implementation (`secp160r1_generic.rs`) is kept as a test oracle: unit
//! tests compare the two on random scalars and points, and both against textbook affine
//! arithmetic over `num-bigint`.
//!
//! Security: secp160r1 gives about 80-bit security. It is here only for compatibility with
//! shipped JoyLink devices.

use subtle::{Choice, ConditionallySelectable};
use zeroize::Zeroize;

/// Limbs per field element (5 × 32 = 160 bits).
const LIMBS: usize = 5;

/// `p = 2^160 − 2^31 − 1`, least significant limb first.
const P: [u32; LIMBS] = [
    0x7fff_ffff,
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
];

/// `p − 2`, big-endian: the exponent of the inversion (Fermat).
const P_MINUS_2: [u8; 20] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x7f, 0xff, 0xff, 0xfd,
];

/// `(p + 1) / 4 = 2^158 − 2^29`, big-endian: the square-root exponent (`p ≡ 3 mod 4`).
const SQRT_EXP: [u8; 20] = [
    0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xe0, 0x00, 0x00, 0x00,
];

/// The low 32 bits of a 64-bit accumulator.
#[inline(always)]
#[allow(
    clippy::cast_possible_truncation,
    reason = "keeping the low word is the point"
)]
fn lo(x: u64) -> u32 {
    x as u32
}

/// The high 32 bits of a 64-bit accumulator (the carry to the next limb).
#[inline(always)]
fn hi(x: u64) -> u32 {
    lo(x >> 32)
}

/// A `Choice` from bit 0 of `bit`.
#[inline(always)]
fn choice(bit: u32) -> Choice {
    Choice::from(u8::from(bit & 1 == 1))
}

/// An element of GF(p), fully reduced (`< p`).
///
/// `PartialEq` is variable-time: it is used on public values only (decoded keys, tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Zeroize)]
pub(crate) struct Fe([u32; LIMBS]);

impl Fe {
    pub(crate) const ZERO: Fe = Fe([0; LIMBS]);
    pub(crate) const ONE: Fe = Fe([1, 0, 0, 0, 0]);

    /// Big-endian bytes, refused (`None`) unless `< p`. For public data (variable-time).
    pub(crate) fn from_be_bytes(bytes: &[u8; 20]) -> Option<Fe> {
        let mut limbs = [0u32; LIMBS];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.rchunks_exact(4)) {
            let mut word = [0u8; 4];
            word.copy_from_slice(chunk);
            *limb = u32::from_be_bytes(word);
        }
        // Compare from the most significant limb down.
        for (&l, &q) in limbs.iter().rev().zip(P.iter().rev()) {
            if l != q {
                return (l < q).then_some(Fe(limbs));
            }
        }
        None // == p
    }

    /// Big-endian bytes.
    pub(crate) fn to_be_bytes(self) -> [u8; 20] {
        let mut out = [0u8; 20];
        for (chunk, limb) in out.rchunks_exact_mut(4).zip(self.0) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// Overwrites the limbs with zeros (volatile writes, not elided), out of line.
    #[inline(never)]
    fn wipe(&mut self) {
        self.0.zeroize();
    }

    /// Whether the (reduced) value is odd: the `02`/`03` tag of a compressed key.
    pub(crate) fn is_odd(&self) -> bool {
        self.0.first().is_some_and(|l| l & 1 == 1)
    }

    /// `s + carry·2^160 − p` if that is not negative, else `s`; for `s + carry·2^160 < 2p`.
    fn sub_p_once(s: [u32; LIMBS], carry: u32) -> Fe {
        let mut t = [0u32; LIMBS];
        let mut borrow = 0u32;
        for ((ti, &si), &pi) in t.iter_mut().zip(&s).zip(&P) {
            let d = u64::from(si)
                .wrapping_sub(u64::from(pi))
                .wrapping_sub(u64::from(borrow));
            *ti = lo(d);
            borrow = hi(d) & 1;
        }
        // Keep t when the sum overflowed 2^160 or the subtraction did not borrow.
        let keep_t = choice(carry | (borrow ^ 1));
        let mut out = Fe(s);
        out.conditional_assign(&Fe(t), keep_t);
        out
    }

    pub(crate) fn add(&self, b: &Fe) -> Fe {
        let mut s = [0u32; LIMBS];
        let mut c = 0u64;
        for ((si, &x), &y) in s.iter_mut().zip(&self.0).zip(&b.0) {
            c = c.wrapping_add(u64::from(x)).wrapping_add(u64::from(y));
            *si = lo(c);
            c = u64::from(hi(c));
        }
        Fe::sub_p_once(s, lo(c))
    }

    /// `self − b` as `self + (p − b)`: `p − b` never borrows (`b < p`), and the sum goes through
    /// the same conditional subtraction as [`Fe::add`] (one code path for both, less flash).
    pub(crate) fn sub(&self, b: &Fe) -> Fe {
        let mut d = [0u32; LIMBS];
        let mut borrow = 0u32;
        for ((di, &pi), &y) in d.iter_mut().zip(&P).zip(&b.0) {
            let t = u64::from(pi)
                .wrapping_sub(u64::from(y))
                .wrapping_sub(u64::from(borrow));
            *di = lo(t);
            borrow = hi(t) & 1;
        }
        // p − b ∈ (0, p]: p itself when b = 0, which the sum's conditional subtraction absorbs
        // (self + p < 2p).
        self.add(&Fe(d))
    }

    pub(crate) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    pub(crate) fn mul(&self, b: &Fe) -> Fe {
        // Schoolbook 5×5 limbs into 10; each step is at most (2^32−1)^2 + 2(2^32−1) < 2^64.
        let mut w = [0u32; 2 * LIMBS];
        for (i, &x) in self.0.iter().enumerate() {
            let mut c = 0u64;
            for (wk, &y) in w.iter_mut().skip(i).zip(&b.0) {
                c = u64::from(x)
                    .wrapping_mul(u64::from(y))
                    .wrapping_add(u64::from(*wk))
                    .wrapping_add(c);
                *wk = lo(c);
                c = u64::from(hi(c));
            }
            if let Some(wk) = w.get_mut(i.wrapping_add(LIMBS)) {
                *wk = lo(c);
            }
        }
        Fe::reduce(&w)
    }

    pub(crate) fn square(&self) -> Fe {
        self.mul(self)
    }

    /// `w mod p` for a 320-bit `w = L + H·2^160`, with `2^160 ≡ 2^31 + 1`.
    fn reduce(w: &[u32; 2 * LIMBS]) -> Fe {
        let (l, h) = w.split_at(LIMBS);
        // r = L + H + H·2^31 < 2^192: six limbs.
        let mut r = [0u32; LIMBS];
        let mut c = 0u64;
        let mut prev = 0u32;
        for ((ri, &li), &hi_) in r.iter_mut().zip(l).zip(h) {
            let shifted = (hi_ << 31) | (prev >> 1);
            c = c
                .wrapping_add(u64::from(li))
                .wrapping_add(u64::from(hi_))
                .wrapping_add(u64::from(shifted));
            *ri = lo(c);
            c = u64::from(hi(c));
            prev = hi_;
        }
        // c ≤ 2 and prev >> 1 < 2^31: the sixth limb fits.
        let top = c.wrapping_add(u64::from(prev >> 1));
        // Second fold: r + top·(2^31 + 1) < 2^160 + 2^64.
        let f = top.wrapping_mul((1 << 31) | 1);
        let mut c = 0u64;
        for (k, ri) in r.iter_mut().enumerate() {
            let addend = match k {
                0 => lo(f),
                1 => hi(f),
                _ => 0,
            };
            c = c
                .wrapping_add(u64::from(*ri))
                .wrapping_add(u64::from(addend));
            *ri = lo(c);
            c = u64::from(hi(c));
        }
        // Third fold of the carry (0 or 1): cannot carry again, the value is then < 2^160.
        let mut c = c.wrapping_mul((1 << 31) | 1);
        for ri in r.iter_mut() {
            c = c.wrapping_add(u64::from(*ri));
            *ri = lo(c);
            c = u64::from(hi(c));
        }
        // 2^160 < 2p: one conditional subtraction.
        Fe::sub_p_once(r, 0)
    }

    /// `self^e` for a public big-endian exponent (the sequence depends only on `e`).
    fn pow(&self, e: &[u8; 20]) -> Fe {
        let mut r = Fe::ONE;
        for &byte in e {
            for k in (0..8).rev() {
                r = r.square();
                if (byte >> k) & 1 == 1 {
                    r = r.mul(self);
                }
            }
        }
        r
    }

    /// `self^−1` (`0` for `0`), constant-time: Fermat's `self^(p−2)`.
    pub(crate) fn invert(&self) -> Fe {
        self.pow(&P_MINUS_2)
    }

    /// A square root if there is one (public data: variable-time).
    pub(crate) fn sqrt(&self) -> Option<Fe> {
        let y = self.pow(&SQRT_EXP);
        (y.square() == *self).then_some(y)
    }

    // Out of line: called for each coordinate, once per key bit (flash over speed).
    #[inline(never)]
    fn conditional_assign(&mut self, other: &Fe, c: Choice) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            a.conditional_assign(b, c);
        }
    }
}

/// `b` of `y² = x³ − 3x + b` (SEC 2 §2.4.2), limbs least significant first.
const B: Fe = Fe([
    0xc565_fa45,
    0x81d4_d4ad,
    0x65ac_f89f,
    0x54bd_7a8b,
    0x1c97_befc,
]);

/// The generator G (SEC 2 §2.4.2).
pub(crate) const G: Affine = Affine {
    x: Fe([
        0x13cb_fc82,
        0x68c3_8bb9,
        0x4664_6989,
        0x8ef5_7328,
        0x4a96_b568,
    ]),
    y: Fe([
        0x7ac5_fb32,
        0x0423_5137,
        0x59dc_c912,
        0x3168_947d,
        0x23a6_2855,
    ]),
};

/// An affine point known to be on the curve and not the identity (validated on decoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Affine {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
}

/// `x³ − 3x + b`.
fn curve_rhs(x: &Fe) -> Fe {
    let x3 = x.square().mul(x);
    let three_x = x.add(x).add(x);
    x3.sub(&three_x).add(&B)
}

impl Affine {
    /// A point from its coordinates, refused (`None`) unless `y² = x³ − 3x + b`.
    pub(crate) fn from_xy(x: Fe, y: Fe) -> Option<Affine> {
        (y.square() == curve_rhs(&x)).then_some(Affine { x, y })
    }

    /// The point with this `x` and a `y` of the given parity, if `x` is on the curve.
    pub(crate) fn decompress(x: Fe, y_odd: bool) -> Option<Affine> {
        let y = curve_rhs(&x).sqrt()?;
        // y = 0 would be a point of order 2, which a curve of odd prime order has not.
        let y = if y.is_odd() == y_odd { y } else { y.neg() };
        Some(Affine { x, y })
    }

    /// `k · self` for a 20-byte big-endian scalar, constant-time in `k`; `None` for the
    /// identity (only when `k ≡ 0 mod n`, which a non-zero 20-byte key never is).
    pub(crate) fn mul(&self, k: &[u8; 20]) -> Option<Affine> {
        let base = Proj {
            x: self.x,
            y: self.y,
            z: Fe::ONE,
        };
        let mut r = Proj::IDENTITY;
        let mut t = Proj::IDENTITY;
        for &byte in k {
            for s in (0..8).rev() {
                // t = 2r, r = t + base, then keep t where the bit is 0 (each result goes
                // straight into its variable: no third point on the stack).
                t = r.add(&r);
                r = t.add(&base);
                r.conditional_assign(&t, !choice(u32::from(byte >> s)));
            }
        }
        let out = r.affine();
        r.zeroize();
        t.zeroize();
        out
    }
}

/// A projective point `(X : Y : Z)`, `x = X/Z`, `y = Y/Z`; the identity is `(0 : 1 : 0)`.
#[derive(Clone, Copy)]
struct Proj {
    x: Fe,
    y: Fe,
    z: Fe,
}

/// Registers of [`Proj::add`]'s program: the inputs, `b`, five temporaries and the result.
const REGS: usize = 15;
const MUL: u16 = 0;
const ADD: u16 = 1;
const SUB: u16 = 2;
// Register names (RCB 2015's).
const X1: u8 = 0;
const Y1: u8 = 1;
const Z1: u8 = 2;
const X2: u8 = 3;
const Y2: u8 = 4;
const Z2: u8 = 5;
const BB: u8 = 6;
const T0: u8 = 7;
const T1: u8 = 8;
const T2: u8 = 9;
const T3: u8 = 10;
const T4: u8 = 11;
const X3: u8 = 12;
const Y3: u8 = 13;
const Z3: u8 = 14;

/// Renes–Costello–Batina 2015, Algorithm 4 (complete addition, `a = −3`), step by step
/// (three steps a line, in the paper's order 1–43): operation, destination, left, right.
#[rustfmt::skip]
const ADD_PROGRAM: [u16; 43] = [
    step(MUL, T0, X1, X2), step(MUL, T1, Y1, Y2), step(MUL, T2, Z1, Z2),
    step(ADD, T3, X1, Y1), step(ADD, T4, X2, Y2), step(MUL, T3, T3, T4),
    step(ADD, T4, T0, T1), step(SUB, T3, T3, T4), step(ADD, T4, Y1, Z1),
    step(ADD, X3, Y2, Z2), step(MUL, T4, T4, X3), step(ADD, X3, T1, T2),
    step(SUB, T4, T4, X3), step(ADD, X3, X1, Z1), step(ADD, Y3, X2, Z2),
    step(MUL, X3, X3, Y3), step(ADD, Y3, T0, T2), step(SUB, Y3, X3, Y3),
    step(MUL, Z3, BB, T2), step(SUB, X3, Y3, Z3), step(ADD, Z3, X3, X3),
    step(ADD, X3, X3, Z3), step(SUB, Z3, T1, X3), step(ADD, X3, T1, X3),
    step(MUL, Y3, BB, Y3), step(ADD, T1, T2, T2), step(ADD, T2, T1, T2),
    step(SUB, Y3, Y3, T2), step(SUB, Y3, Y3, T0), step(ADD, T1, Y3, Y3),
    step(ADD, Y3, T1, Y3), step(ADD, T1, T0, T0), step(ADD, T0, T1, T0),
    step(SUB, T0, T0, T2), step(MUL, T1, T4, Y3), step(MUL, T2, T0, Y3),
    step(MUL, Y3, X3, Z3), step(ADD, Y3, Y3, T2), step(MUL, X3, T3, X3),
    step(SUB, X3, X3, T1), step(MUL, Z3, T4, Z3), step(MUL, T1, T3, T0),
    step(ADD, Z3, Z3, T1),
];

/// One step of [`ADD_PROGRAM`] in 16 bits: operation (2 bits) and three 4-bit registers.
const fn step(op: u16, dst: u8, a: u8, b: u8) -> u16 {
    (op << 12) | ((dst as u16) << 8) | ((a as u16) << 4) | (b as u16)
}

impl Proj {
    const IDENTITY: Proj = Proj {
        x: Fe::ZERO,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    /// Complete addition for `a = −3` (Renes–Costello–Batina 2015, Algorithm 4): correct for
    /// every pair of points, including `P + P` and the identity.
    ///
    /// The 43 steps run from a table ([`ADD_PROGRAM`]) over a small register file instead of
    /// as straight-line code: about 350 bytes less flash for a few percent of speed. The table
    /// is public and fixed, so the sequence of field operations is the same for every input.
    fn add(&self, q: &Proj) -> Proj {
        let z = Fe::ZERO;
        // Built in place (no temporary array: stack matters on a microcontroller).
        let mut r: [Fe; REGS] = [
            self.x, self.y, self.z, q.x, q.y, q.z, B, z, z, z, z, z, z, z, z,
        ];
        for &code in ADD_PROGRAM.iter() {
            let op = code >> 12;
            let [dst, a, b] = [8, 4, 0].map(|shift| usize::from((code >> shift) & 15));
            let v = match (r.get(a), r.get(b)) {
                (Some(x), Some(y)) => match op {
                    MUL => x.mul(y),
                    ADD => x.add(y),
                    _ => x.sub(y),
                },
                _ => z,
            };
            if let Some(d) = r.get_mut(dst) {
                *d = v;
            }
        }
        let [.., x3, y3, z3] = r;
        Proj {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn zeroize(&mut self) {
        for f in [&mut self.x, &mut self.y, &mut self.z] {
            f.wipe();
        }
    }

    fn conditional_assign(&mut self, other: &Proj, c: Choice) {
        self.x.conditional_assign(&other.x, c);
        self.y.conditional_assign(&other.y, c);
        self.z.conditional_assign(&other.z, c);
    }

    /// The affine point, `None` for the identity (`Z = 0`; the caller's inputs exclude it).
    /// `Z` is secret-derived, so it is tested by OR-ing all limbs (no early exit): only the
    /// outcome, identity or not, decides the branch.
    // Out of line: its temporaries then do not add to the ladder's stack frame.
    #[inline(never)]
    fn affine(&self) -> Option<Affine> {
        let mut zi = self.z.invert();
        let out = Affine {
            x: self.x.mul(&zi),
            y: self.y.mul(&zi),
        };
        zi.wipe();
        let z_bits = self.z.0.iter().fold(0u32, |acc, &l| acc | l);
        (z_bits != 0).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    //! The compact curve against two independent oracles: textbook affine arithmetic over
    //! `num-bigint`, and the previous generic implementation on `primeorder`
    //! (`secp160r1_generic`), on random scalars and points.
    #![allow(
        clippy::unwrap_used,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation,
        clippy::indexing_slicing,
        reason = "test reference arithmetic"
    )]
    extern crate std;
    use super::*;
    use crate::secp160r1_generic as generic;
    use elliptic_curve::{
        PrimeField, point::AffineCoordinates, point::DecompressPoint, sec1::ToSec1Point,
    };
    use num_bigint::BigUint;
    use proptest::prelude::*;
    use std::{vec, vec::Vec};

    fn big(fe: &Fe) -> BigUint {
        BigUint::from_bytes_be(&fe.to_be_bytes())
    }

    fn fe(n: &BigUint) -> Fe {
        let b = n.to_bytes_be();
        let mut out = [0u8; 20];
        out[20 - b.len()..].copy_from_slice(&b);
        Fe::from_be_bytes(&out).unwrap()
    }

    fn p() -> BigUint {
        BigUint::from_bytes_be(&Fe(P).to_be_bytes())
    }

    #[test]
    fn constants() {
        let p = p();
        assert_eq!(
            p,
            (BigUint::from(1u32) << 160u32) - (BigUint::from(1u32) << 31u32) - 1u32
        );
        assert_eq!(BigUint::from_bytes_be(&P_MINUS_2), &p - 2u32);
        assert_eq!(BigUint::from_bytes_be(&SQRT_EXP), (&p + 1u32) / 4u32);
        assert_eq!(
            B.to_be_bytes().to_vec(),
            hex::decode("1c97befc54bd7a8b65acf89f81d4d4adc565fa45").unwrap()
        );
        assert_eq!(
            G.x.to_be_bytes().to_vec(),
            hex::decode("4a96b5688ef573284664698968c38bb913cbfc82").unwrap()
        );
        assert_eq!(
            G.y.to_be_bytes().to_vec(),
            hex::decode("23a628553168947d59dcc912042351377ac5fb32").unwrap()
        );
        assert!(Affine::from_xy(G.x, G.y).is_some());
        assert!(Affine::from_xy(G.x, G.y.add(&Fe::ONE)).is_none());
        // p itself and anything above are refused as field elements.
        assert!(Fe::from_be_bytes(&Fe(P).to_be_bytes()).is_none());
        assert!(Fe::from_be_bytes(&[0xff; 20]).is_none());
        let mut pm1 = Fe(P).to_be_bytes();
        pm1[19] -= 1;
        assert!(Fe::from_be_bytes(&pm1).is_some());
    }

    /// Field operations at the edges of the reduction: values near 0, p, 2^160.
    #[test]
    fn field_edges() {
        let p = p();
        let edges: Vec<BigUint> = vec![
            BigUint::from(0u32),
            BigUint::from(1u32),
            BigUint::from(2u32),
            &p - 1u32,
            &p - 2u32,
            (BigUint::from(1u32) << 159u32) + 7u32,
            (BigUint::from(1u32) << 31u32) + 1u32,
            (BigUint::from(1u32) << 128u32) - 1u32,
            BigUint::from(0xffff_ffffu32),
            &p - (BigUint::from(1u32) << 32u32),
        ];
        for a in &edges {
            for b in &edges {
                let (fa, fb) = (fe(a), fe(b));
                assert_eq!(big(&fa.add(&fb)), (a + b) % &p, "{a:x} + {b:x}");
                assert_eq!(big(&fa.sub(&fb)), (a + &p - b) % &p, "{a:x} - {b:x}");
                assert_eq!(big(&fa.mul(&fb)), (a * b) % &p, "{a:x} * {b:x}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn field_ops_match_bigint(a in any::<[u8; 20]>(), b in any::<[u8; 20]>()) {
            let p = p();
            let (a, b) = (BigUint::from_bytes_be(&a) % &p, BigUint::from_bytes_be(&b) % &p);
            let (fa, fb) = (fe(&a), fe(&b));
            prop_assert_eq!(big(&fa.add(&fb)), (&a + &b) % &p);
            prop_assert_eq!(big(&fa.sub(&fb)), (&a + &p - &b) % &p);
            prop_assert_eq!(big(&fa.mul(&fb)), (&a * &b) % &p);
            prop_assert_eq!(big(&fa.neg()), (&p - &a) % &p);
            let inv = fa.invert();
            if a == BigUint::from(0u32) {
                prop_assert_eq!(inv, Fe::ZERO);
            } else {
                prop_assert_eq!(fa.mul(&inv), Fe::ONE);
            }
            let sq = fa.square();
            let r = sq.sqrt().unwrap();
            prop_assert!(r == fa || r == fa.neg());
        }
    }

    fn generic_scalar(k: &[u8; 20]) -> generic::Scalar {
        let mut repr = [0u8; 21];
        repr[1..].copy_from_slice(k);
        Option::from(generic::Scalar::from_repr(repr.into())).unwrap()
    }

    /// `(x, y)` of a generic affine point, as 20-byte big-endian arrays.
    fn generic_xy(p: &generic::AffinePoint) -> ([u8; 20], [u8; 20]) {
        let enc = p.to_sec1_point(false);
        let (x, y) = (enc.x().unwrap(), enc.y().unwrap());
        (x[1..].try_into().unwrap(), y[1..].try_into().unwrap())
    }

    fn generic_mul(point: &generic::AffinePoint, k: &[u8; 20]) -> generic::AffinePoint {
        (generic::ProjectivePoint::from(*point) * generic_scalar(k)).to_affine()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// k·G and then k2·(k·G) (a random point) agree with the generic implementation, as do
        /// both decodings of that point.
        #[test]
        fn scalar_mul_matches_generic(k in any::<[u8; 20]>(), k2 in any::<[u8; 20]>()) {
            prop_assume!(k != [0; 20] && k2 != [0; 20]);
            let ours = G.mul(&k).unwrap();
            let theirs = generic_mul(&generic::AffinePoint::GENERATOR, &k);
            let (x, y) = generic_xy(&theirs);
            prop_assert_eq!(ours.x.to_be_bytes(), x);
            prop_assert_eq!(ours.y.to_be_bytes(), y);
            prop_assert_eq!(ours.y.is_odd(), bool::from(theirs.y_is_odd()));

            let ours2 = ours.mul(&k2).unwrap();
            let theirs2 = generic_mul(&theirs, &k2);
            let (x2, y2) = generic_xy(&theirs2);
            prop_assert_eq!(ours2.x.to_be_bytes(), x2);
            prop_assert_eq!(ours2.y.to_be_bytes(), y2);

            // Decompression of the random point, both parities, against the generic one.
            for odd in [false, true] {
                let mine = Affine::decompress(ours2.x, odd).unwrap();
                let mut fb = [0u8; 21];
                fb[1..].copy_from_slice(&x2);
                let theirs_pt: generic::AffinePoint =
                    Option::from(generic::AffinePoint::decompress(&fb.into(), Choice::from(u8::from(odd))))
                        .unwrap();
                let (gx, gy) = generic_xy(&theirs_pt);
                prop_assert_eq!(mine.x.to_be_bytes(), gx);
                prop_assert_eq!(mine.y.to_be_bytes(), gy);
                prop_assert_eq!(mine.y.is_odd(), odd);
            }
        }

        /// An x that is not on the curve is refused by both implementations alike.
        #[test]
        fn decompress_agrees_with_generic(x in any::<[u8; 20]>(), odd in any::<bool>()) {
            let mut fb = [0u8; 21];
            fb[1..].copy_from_slice(&x);
            let theirs_pt: Option<generic::AffinePoint> =
                generic::AffinePoint::decompress(&fb.into(), Choice::from(u8::from(odd))).into();
            match Fe::from_be_bytes(&x) {
                None => prop_assert!(theirs_pt.is_none() || x >= Fe(P).to_be_bytes()),
                Some(fx) => {
                    let mine = Affine::decompress(fx, odd);
                    prop_assert_eq!(mine.is_some(), theirs_pt.is_some());
                    if let (Some(m), Some(g)) = (mine, theirs_pt) {
                        prop_assert_eq!((m.x.to_be_bytes(), m.y.to_be_bytes()), generic_xy(&g));
                    }
                }
            }
        }
    }

    /// Scalars at the edges: 1, 2, all ones (2^160 − 1), a single top bit, n − 1 is out of a
    /// 20-byte key's range, so the group law is checked with k·G + (−k·G) through the formula.
    #[test]
    fn edge_scalars_match_generic() {
        let mut cases: Vec<[u8; 20]> = vec![[0xff; 20], [0; 20], [0; 20], [0; 20]];
        cases[1][19] = 1;
        cases[2][19] = 2;
        cases[3][0] = 0x80;
        for k in &cases {
            let ours = G.mul(k).unwrap();
            let (x, y) = generic_xy(&generic_mul(&generic::AffinePoint::GENERATOR, k));
            assert_eq!((ours.x.to_be_bytes(), ours.y.to_be_bytes()), (x, y));
        }
        // The complete formula: P + (−P) = identity, P + P = 2P, identity + P = P.
        let p1 = Proj {
            x: G.x,
            y: G.y,
            z: Fe::ONE,
        };
        let m1 = Proj {
            x: G.x,
            y: G.y.neg(),
            z: Fe::ONE,
        };
        assert!(p1.add(&m1).affine().is_none());
        assert_eq!(p1.add(&p1).affine(), G.mul(&cases[2]));
        assert_eq!(Proj::IDENTITY.add(&p1).affine(), Some(G));
        assert!(Proj::IDENTITY.add(&Proj::IDENTITY).affine().is_none());
        // Zero scalar: the identity.
        assert!(G.mul(&[0; 20]).is_none());
    }
}
