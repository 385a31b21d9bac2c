//! Caller buffers and output structs between guard bytes, for the fuzz targets that call the C
//! ABI (included with `#[path]` by `ffi` and `ffi_lan`): a write outside what a `jl_` function
//! was given shows up as changed guard bytes.

use std::mem::MaybeUninit;
use std::ptr;
use std::sync::OnceLock;

/// Guard bytes on each side of every caller buffer.
pub const GUARD: usize = 64;

/// The byte at guard position `i` (a pattern a stray write is unlikely to repeat).
pub fn guard_byte(i: usize) -> u8 {
    0xA5 ^ (i as u8).wrapping_mul(29)
}

/// A caller buffer of `len` bytes between guard bytes, aligned to 8 (the machine's memory).
pub struct Guarded {
    v: Vec<u64>,
    pub len: usize,
}

impl Guarded {
    pub fn new(data: &[u8]) -> Self {
        let words = (2 * GUARD + data.len()).div_ceil(8);
        let mut g = Guarded {
            v: vec![0; words],
            len: data.len(),
        };
        let all = g.all_mut();
        for i in 0..GUARD {
            all[i] = guard_byte(i);
            all[GUARD + data.len() + i] = guard_byte(i + 1000);
        }
        all[GUARD..GUARD + data.len()].copy_from_slice(data);
        g
    }

    pub fn all_mut(&mut self) -> &mut [u8] {
        // SAFETY: the u64 storage viewed as bytes (alignment 1, same length in bytes).
        unsafe {
            std::slice::from_raw_parts_mut(self.v.as_mut_ptr().cast::<u8>(), self.v.len() * 8)
        }
    }

    pub fn all(&self) -> &[u8] {
        // SAFETY: as `all_mut`.
        unsafe { std::slice::from_raw_parts(self.v.as_ptr().cast::<u8>(), self.v.len() * 8) }
    }

    /// A buffer of `len` zero bytes.
    #[allow(dead_code)]
    pub fn zeroed(len: usize) -> Self {
        Self::new(&vec![0; len])
    }

    /// The bytes between the guards.
    #[allow(dead_code)]
    pub fn bytes(&self) -> &[u8] {
        &self.all()[GUARD..GUARD + self.len]
    }

    pub fn ptr(&mut self) -> *mut u8 {
        self.all_mut()[GUARD..].as_mut_ptr()
    }

    pub fn base(&self) -> usize {
        self.all()[GUARD..].as_ptr().addr()
    }

    /// Panics unless the guard bytes are as written (compared as slices: one `memcmp`, not a
    /// traced comparison per byte, which made up most of an execution's time).
    pub fn check(&self, what: &str) {
        static GUARDS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
        let (pre, post) = GUARDS.get_or_init(|| {
            (
                (0..GUARD).map(guard_byte).collect(),
                (0..GUARD).map(|i| guard_byte(i + 1000)).collect(),
            )
        });
        let all = self.all();
        assert!(all[..GUARD] == pre[..], "write before {what}");
        assert!(
            all[GUARD + self.len..GUARD + self.len + GUARD] == post[..],
            "write after {what}"
        );
    }

    /// Whether `[p, p + n)` lies inside the buffer.
    pub fn holds(&self, p: *const u8, n: usize) -> bool {
        !p.is_null() && p.addr() >= self.base() && p.addr() + n <= self.base() + self.len
    }
}

/// An output struct between guard bytes, filled with a pattern before the call.
#[repr(C)]
pub struct Fenced<T> {
    pre: [u8; GUARD],
    val: MaybeUninit<T>,
    post: [u8; GUARD],
}

impl<T: Copy> Fenced<T> {
    pub fn new() -> Box<Self> {
        let mut f = Box::new(Fenced {
            pre: [0x5A; GUARD],
            val: MaybeUninit::<T>::uninit(),
            post: [0x5A; GUARD],
        });
        // SAFETY: `val` is valid for writes of `size_of::<T>()` bytes.
        unsafe { ptr::write_bytes(f.val.as_mut_ptr().cast::<u8>(), 0xCC, size_of::<T>()) };
        f
    }

    pub fn ptr(&mut self) -> *mut T {
        self.val.as_mut_ptr()
    }

    pub fn check(&self) {
        assert!(
            self.pre == [0x5A; GUARD] && self.post == [0x5A; GUARD],
            "write outside the struct"
        );
    }

    /// The value after a call that returned `JL_OK` (which writes it in full).
    pub fn get(&self) -> T {
        self.check();
        // SAFETY: only called after a `JL_OK`, with which every function here writes the struct.
        unsafe { self.val.assume_init() }
    }
}
