//! Arbitrary input through the C ABI of joylink-ffi (the `extern "C"` functions of joylink.h),
//! checking what the ABI promises: every status is `JL_OK` or one of the function's documented
//! negative codes, pointers/lengths returned by decode/open stay inside the caller's buffer,
//! nothing is written outside the caller's buffers (inputs and outputs sit between guard bytes),
//! output structs are zeroed on failure, and the results agree with the Rust crates.
//!
//! Input: a selector byte, then the data. `sel & 3` picks the family:
//! - 0 packet: `jl_packet_parse` with each CRC policy; `jl_open_in_place` on a copy with each key
//!   kind (none, static, ECDH, localkey, accesskey, session key; legacy-IV flag off and on).
//!   Bits 2..=3 pick open's CRC policy (3 = ignore), bit 4 sets `JL_KEY_FLAG_ANY_ENCTYPE`.
//!   Bit 5 ("seal first"): the payload is taken as plaintext, encrypted with the key under test and
//!   rebuilt with `jl_packet_build`, so that open gets past the decryption and must return it.
//! - 1 ECDH: `jl_ecdh_parse_devkey`, `jl_ecdh_devkey`, `jl_ecdh_shared_secret` (the data as the
//!   peer key, and its first 20 bytes as a private key), `jl_ecdh_keypair`.
//! - 2 time_exp: `jl_time_exp_parse` and `jl_time_exp_next` (strict and lenient); bits 2..=3 pick
//!   the `after`/`anchor` pair (one of them invalid).
//! - 3 CRC: `jl_crc16`, the streaming `jl_crc32_*` in chunks of `(sel >> 2) + 1` bytes.
#![no_main]

use std::ffi::c_int;
use std::ptr;
use std::sync::OnceLock;

use joylink_crypto::{IvCompat, LocalKey, Mode, SessionKey, SharedSecret};
use joylink_ffi::JlStatus::{self, *};
use joylink_ffi::*;
use libfuzzer_sys::fuzz_target;

#[path = "guard.rs"]
mod guard;
use guard::{Fenced, Guarded};

/// `JL_CRC_VERIFY`, `JL_CRC_REPORT`, `JL_CRC_IGNORE`.
const POLICIES: [c_int; 3] = [0, 1, 2];

// The fixed keys are those of vectors lan-04 (ECDH), lan-07 (localkey), wan-01 (accesskey) and
// wan-06 (session key), so the vector packets among the seeds decrypt.
const ECDH_PRIVATE: [u8; 20] =
    *b"\xba\x8e\xee\x4d\xa1\x5e\x08\xc2\x52\xf7\x7c\xa7\xaf\xe9\x2a\x9f\xbc\x87\xf3\x70";
const ECDH_SECRET: [u8; 20] =
    *b"\x45\x59\x08\xef\x35\x83\x5c\x45\xc3\x1a\x47\x6f\x33\xcb\x78\xc3\x16\xe1\x5f\x01";
const LOCALKEY: &[u8; 32] = b"be4d957a4da771d609ab383e548014a0";
const ACCESSKEY: &[u8; 32] = b"9da83e47290bb79a82f2e36f9dff0520";
const SESSION: [u8; 32] = *b"\xe7\xbc\x4b\x5f\xe5\x94\x1d\xf4\xe7\xd8\xf9\x2b\x26\xa4\x7d\x1c\x5d\x19\x27\xb6\xa5\x43\x44\xec\xc3\x7a\xb4\x65\xc3\x65\x11\x1b";

fn status(s: c_int, documented: &[JlStatus], what: &str) -> JlStatus {
    let found = documented.iter().copied().find(|d| *d as c_int == s);
    found.unwrap_or_else(|| panic!("{what} returned {s}, not one of {documented:?}"))
}

const DECODE: &[JlStatus] = &[
    JL_OK,
    JL_ERR_NULL,
    JL_ERR_INVALID_ARGUMENT,
    JL_ERR_TRUNCATED,
    JL_ERR_BAD_MAGIC,
    JL_ERR_LENGTH_MISMATCH,
    JL_ERR_CRC_MISMATCH,
];
const OPEN: &[JlStatus] = &[
    JL_OK,
    JL_ERR_NULL,
    JL_ERR_INVALID_ARGUMENT,
    JL_ERR_TRUNCATED,
    JL_ERR_BAD_MAGIC,
    JL_ERR_LENGTH_MISMATCH,
    JL_ERR_CRC_MISMATCH,
    JL_ERR_ENCTYPE_MISMATCH,
    JL_ERR_BAD_KEY,
    JL_ERR_DECRYPT,
];
const BUILD: &[JlStatus] = &[
    JL_OK,
    JL_ERR_NULL,
    JL_ERR_BUFFER_TOO_SMALL,
    JL_ERR_TOO_LONG,
    JL_ERR_BAD_MAGIC,
    JL_ERR_INVALID_ARGUMENT,
];
const PARSE_DEVKEY: &[JlStatus] = &[
    JL_OK,
    JL_ERR_NULL,
    JL_ERR_BAD_PUBLIC_KEY,
    JL_ERR_BUFFER_TOO_SMALL,
];
const DEVKEY: &[JlStatus] = PARSE_DEVKEY;
const SHARED: &[JlStatus] = &[
    JL_OK,
    JL_ERR_NULL,
    JL_ERR_INVALID_ARGUMENT,
    JL_ERR_BAD_KEY,
    JL_ERR_BAD_PUBLIC_KEY,
];
const KEYPAIR: &[JlStatus] = &[
    JL_OK,
    JL_ERR_NULL,
    JL_ERR_INVALID_ARGUMENT,
    JL_ERR_BUFFER_TOO_SMALL,
    JL_ERR_BAD_KEY,
];
const TIME_PARSE: &[JlStatus] = &[JL_OK, JL_ERR_NULL, JL_ERR_INVALID_ARGUMENT, JL_ERR_TIME_EXP];
const TIME_NEXT: &[JlStatus] = &[
    JL_OK,
    JL_ERR_NULL,
    JL_ERR_INVALID_ARGUMENT,
    JL_ERR_TIME_EXP,
    JL_ERR_BAD_TIME,
    JL_ERR_NO_NEXT_TIME,
];
const CIVIL: &[JlStatus] = &[JL_OK, JL_ERR_NULL, JL_ERR_INVALID_ARGUMENT, JL_ERR_BAD_TIME];
const CRC: &[JlStatus] = &[JL_OK, JL_ERR_NULL, JL_ERR_INVALID_ARGUMENT];

fn header_is_zero(h: &JlHeader) -> bool {
    *h == JlHeader::default()
}

fn header_from_bytes(b: &[u8]) -> JlHeader {
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    JlHeader {
        magic: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        opt_len: u16_at(4),
        payload_len: u16_at(6),
        version: b[8],
        packet_type: b[9],
        total: b[10],
        index: b[11],
        enc_type: b[12],
        reserved: b[13],
        crc: u16_at(14),
    }
}

/// The key kinds under test: (`enc_type`, key bytes).
fn keys() -> [(u32, &'static [u8]); 6] {
    [
        (0, &[]),
        (1, &[]),
        (2, &ECDH_SECRET),
        (3, LOCALKEY),
        (3, ACCESSKEY),
        (4, &SESSION),
    ]
}

fn c_key(enc_type: u32, key: &[u8], flags: u32) -> JlKey {
    JlKey {
        enc_type,
        flags,
        key: if key.is_empty() {
            ptr::null()
        } else {
            key.as_ptr()
        },
        key_len: key.len(),
    }
}

/// The same key as a Rust `Mode`'s AES key/IV (None in clear).
fn key_iv(enc_type: u32, key: &[u8], legacy: bool) -> Option<joylink_crypto::KeyIv> {
    let compat = if legacy {
        IvCompat::LegacyStrncpy
    } else {
        IvCompat::Standard
    };
    match enc_type {
        0 => Mode::None.key_iv(),
        1 => Mode::Static.key_iv(),
        2 => {
            let s = SharedSecret::from_bytes(key.try_into().unwrap()).with_iv_compat(compat);
            Mode::Ecdh(&s).key_iv()
        }
        3 => Mode::LocalKey(&LocalKey::from_ascii(key).unwrap()).key_iv(),
        _ => {
            let s = SessionKey::from_slice(key).unwrap().with_iv_compat(compat);
            Mode::Session(&s).key_iv()
        }
    }
}

/// `jl_packet_parse` with `policy`, checked against the ABI's promises.
fn decode(input: &[u8], policy: c_int) -> (JlStatus, JlPacket) {
    let mut b = Guarded::new(input);
    let mut out = Fenced::<JlPacket>::new();
    // SAFETY: `b` holds `b.len` readable bytes; `out` points to an aligned `jl_packet_t`.
    let s = unsafe { jl_packet_parse(b.ptr(), b.len, policy, out.ptr()) };
    b.check("the buffer");
    assert_eq!(b.bytes(), input, "decode wrote to its input");
    let p = out.get();
    let s = status(s, DECODE, "jl_packet_parse");
    if s != JL_OK {
        assert!(
            header_is_zero(&p.header)
                && p.opt.is_null()
                && p.payload.is_null()
                && p.crc_status == JL_CRC_NOT_CHECKED
        );
        return (s, p);
    }
    let (opt_len, payload_len) = (
        usize::from(p.header.opt_len),
        usize::from(p.header.payload_len),
    );
    assert_eq!(16 + opt_len + payload_len, input.len());
    assert_eq!(p.header, header_from_bytes(input));
    assert!(b.holds(p.opt, opt_len) && b.holds(p.payload, payload_len));
    assert_eq!(p.opt.addr(), b.base() + 16);
    assert_eq!(p.payload.addr(), b.base() + 16 + opt_len);
    let crc_matches = joylink_wire::crc16(&input[16..]) == p.header.crc;
    let expected = match (policy, crc_matches) {
        (2, _) => JL_CRC_NOT_CHECKED,
        (_, true) => JL_CRC_VERIFIED,
        (_, false) => JL_CRC_MISMATCH,
    };
    assert_eq!(p.crc_status, expected);
    assert!(policy != 0 || crc_matches);
    (s, p)
}

fn packet(sel: u8, input: &[u8]) {
    let results = POLICIES.map(|p| decode(input, p));
    let [(verify, _), (report, rp), (ignore, _)] = results;
    assert_eq!(report, ignore);
    assert_eq!(
        verify == JL_OK,
        report == JL_OK && rp.crc_status == JL_CRC_VERIFIED
    );
    // Arguments the ABI rejects.
    for bad_policy in [3, -1] {
        assert_eq!(decode(input, bad_policy).0, JL_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: NULL `out` is rejected before `buf` is read; `input` is readable for its length.
    let s = unsafe { jl_packet_parse(input.as_ptr(), input.len(), 0, ptr::null_mut()) };
    assert_eq!(s, JL_ERR_NULL as c_int);

    let policy = [0, 1, 2, 2][usize::from(sel >> 2 & 3)];
    let any = if sel & 0x10 != 0 {
        JL_KEY_FLAG_ANY_ENCTYPE
    } else {
        0
    };
    let (decoded, dp) = results[policy as usize];
    for (enc_type, key) in keys() {
        for legacy in [0, JL_KEY_FLAG_LEGACY_IV] {
            let k = c_key(enc_type, key, legacy | any);
            if sel & 0x20 != 0 {
                if ignore == JL_OK {
                    seal_then_open(sel, input, policy, &k, key);
                }
                continue;
            }
            let (s, o, c) = open(input, policy, &k);
            if decoded != JL_OK {
                assert_eq!(s, decoded, "open and decode disagree on the header");
                continue;
            }
            let h = dp.header;
            let body_start = 16 + usize::from(h.opt_len);
            if any == 0 && u32::from(h.enc_type) != enc_type {
                assert_eq!(s, JL_ERR_ENCTYPE_MISMATCH);
                continue;
            }
            match s {
                JL_OK => {
                    assert_eq!(o.header, h);
                    assert_eq!(o.crc_status, dp.crc_status);
                    assert_eq!(o.opt.addr(), c.base() + 16);
                    assert_eq!(c.bytes()[..body_start], input[..body_start]);
                    let ts = &c.bytes()[body_start..body_start + 4];
                    assert_eq!(o.timestamp, u32::from_le_bytes(ts.try_into().unwrap()));
                    assert_eq!(o.body.addr(), c.base() + body_start + 4);
                    assert!(c.holds(o.body, o.body_len));
                    if enc_type == 0 {
                        assert_eq!(c.bytes(), input);
                    } else {
                        assert!(o.body_len + 4 < usize::from(h.payload_len));
                    }
                }
                JL_ERR_DECRYPT => {
                    assert_ne!(enc_type, 0);
                    assert_eq!(c.bytes()[..body_start], input[..body_start]);
                    assert!(c.bytes()[body_start..].iter().all(|&b| b == 0), "not wiped");
                }
                JL_ERR_TRUNCATED => {
                    // Only an enctype-0 payload shorter than its timestamp: nothing was
                    // decrypted, nothing changed (an encrypted one is `JL_ERR_DECRYPT`).
                    assert_eq!(enc_type, 0);
                    assert_eq!(c.bytes(), input);
                }
                other => panic!("open of a decodable packet returned {other:?}"),
            }
        }
    }
    // An unknown flag bit.
    let (s, _, _) = open(input, policy, &c_key(0, &[], 4));
    assert_eq!(s, JL_ERR_INVALID_ARGUMENT);
}

/// `jl_open_in_place` on a guarded copy of `input`: status, result, the buffer after the call.
fn open(input: &[u8], policy: c_int, key: &JlKey) -> (JlStatus, JlOpened, Guarded) {
    let mut c = Guarded::new(input);
    let mut out = Fenced::<JlOpened>::new();
    // SAFETY: `c` holds `c.len` writable bytes; `key` is a live `jl_key_t` whose `key` points to
    // `key_len` readable bytes (static data); `out` points to an aligned `jl_opened_t`.
    let s = unsafe { jl_open_in_place(c.ptr(), c.len, policy, key, out.ptr()) };
    c.check("the buffer");
    let o = out.get();
    let s = status(s, OPEN, "jl_open_in_place");
    if s == JL_OK {
        assert!(c.holds(o.opt, usize::from(o.header.opt_len)));
        assert!(c.holds(o.body, o.body_len));
    } else {
        assert!(header_is_zero(&o.header) && o.opt.is_null() && o.body.is_null());
        assert!(o.timestamp == 0 && o.body_len == 0 && o.crc_status == JL_CRC_NOT_CHECKED);
    }
    if !matches!(s, JL_OK | JL_ERR_DECRYPT) {
        assert_eq!(c.bytes(), input, "failed open changed the buffer");
    }
    (s, o, c)
}

/// Encrypts the payload of a decodable `input` as plaintext with `key`, rebuilds the packet with
/// `jl_packet_build` (enctype = the key's unless `sel` bit 6) and opens it: the plaintext must
/// come back. `key_bytes` are the bytes `key` points to.
fn seal_then_open(sel: u8, input: &[u8], policy: c_int, key: &JlKey, key_bytes: &[u8]) {
    let mut h = header_from_bytes(input);
    let opt_end = 16 + usize::from(h.opt_len);
    let (opt, plain) = (&input[16..opt_end], &input[opt_end..]);
    let legacy = key.flags & JL_KEY_FLAG_LEGACY_IV != 0;
    let payload = match key_iv(key.enc_type, key_bytes, legacy) {
        None => plain.to_vec(),
        Some(kiv) => {
            let mut p = plain.to_vec();
            p.resize(joylink_crypto::cbc::padded_len(plain.len()), 0);
            let n = joylink_crypto::cbc::encrypt_in_place(&kiv, &mut p, plain.len()).unwrap();
            p.truncate(n);
            p
        }
    };
    if sel & 0x40 == 0 {
        h.enc_type = key.enc_type as u8;
    }
    // Size query, then the build into a guarded buffer of exactly that size.
    let mut needed = usize::MAX;
    // SAFETY: `h` readable; `opt`/`payload` readable for their lengths; NULL `buf` with length 0
    // asks for the size; `needed` is a writable `size_t`.
    let s = unsafe {
        jl_packet_build(
            &h,
            opt.as_ptr(),
            opt.len(),
            payload.as_ptr(),
            payload.len(),
            ptr::null_mut(),
            0,
            &mut needed,
        )
    };
    assert_eq!(status(s, BUILD, "jl_packet_build"), JL_ERR_BUFFER_TOO_SMALL);
    assert_eq!(needed, 16 + opt.len() + payload.len());
    let mut b = Guarded::zeroed(needed);
    let mut n = usize::MAX;
    // SAFETY: as above, with `b` holding `needed` writable bytes that overlap neither input.
    let s = unsafe {
        jl_packet_build(
            &h,
            opt.as_ptr(),
            opt.len(),
            payload.as_ptr(),
            payload.len(),
            b.ptr(),
            b.len,
            &mut n,
        )
    };
    b.check("the buffer");
    assert_eq!(status(s, BUILD, "jl_packet_build"), JL_OK);
    assert_eq!(n, needed);
    let built = b.bytes().to_vec();
    assert_eq!(decode(&built, 0).0, JL_OK);

    let (s, o, c) = open(&built, policy, key);
    if key.flags & JL_KEY_FLAG_ANY_ENCTYPE == 0 && u32::from(h.enc_type) != key.enc_type {
        assert_eq!(s, JL_ERR_ENCTYPE_MISMATCH);
    } else if plain.len() < 4 && key.enc_type == 0 {
        assert_eq!(s, JL_ERR_TRUNCATED);
        assert_eq!(c.bytes(), &built[..]);
    } else if plain.len() < 4 {
        // Decrypted, too short for the timestamp: the same answer as bad padding, wiped.
        assert_eq!(s, JL_ERR_DECRYPT);
        assert_eq!(c.bytes()[..opt_end], built[..opt_end]);
        assert!(c.bytes()[opt_end..].iter().all(|&b| b == 0), "not wiped");
    } else {
        assert_eq!(s, JL_OK, "a packet sealed with the key does not open");
        assert_eq!(
            o.timestamp,
            u32::from_le_bytes(plain[..4].try_into().unwrap())
        );
        // SAFETY: `o.body` points to `o.body_len` bytes inside `c` (checked by `open`).
        let body = unsafe { std::slice::from_raw_parts(o.body, o.body_len) };
        assert_eq!(body, &plain[4..]);
        assert_eq!(o.crc_status, JL_CRC_VERIFIED);
    }
}

fn fixed_public_key() -> &'static [u8; 21] {
    static KEY: OnceLock<[u8; 21]> = OnceLock::new();
    KEY.get_or_init(|| {
        let (mut d, mut q) = ([0u8; 20], [0u8; 21]);
        // SAFETY: all four buffers are live locals of the stated lengths, not overlapping.
        let s = unsafe {
            jl_ecdh_keypair(
                ECDH_PRIVATE.as_ptr(),
                20,
                d.as_mut_ptr(),
                20,
                q.as_mut_ptr(),
                21,
            )
        };
        assert_eq!(s, JL_OK as c_int);
        q
    })
}

/// `jl_ecdh_shared_secret(private, peer)`, checked; the secret on success.
fn shared(private: &[u8], peer: &[u8]) -> (JlStatus, [u8; 20]) {
    let (mut d, mut q) = (Guarded::new(private), Guarded::new(peer));
    let mut out = Fenced::<JlEcdhShared>::new();
    // SAFETY: `d`, `q` readable for their lengths; `out` an aligned `jl_ecdh_shared_t`.
    let s = unsafe { jl_ecdh_shared_secret(d.ptr(), d.len, q.ptr(), q.len, out.ptr()) };
    d.check("the buffer");
    q.check("the buffer");
    assert!(d.bytes() == private && q.bytes() == peer);
    let o = out.get();
    let s = status(s, SHARED, "jl_ecdh_shared_secret");
    if s == JL_OK {
        assert_eq!(o.aes_key, o.secret[..16]);
        assert_eq!(o.aes_iv, o.secret[4..]);
    } else {
        assert!(o.secret == [0; 20] && o.aes_key == [0; 16] && o.aes_iv == [0; 16]);
    }
    (s, o.secret)
}

fn ecdh(sel: u8, input: &[u8]) {
    // The data as a devkey, into an output of capacity 21 or (bit 2) 20.
    let cap = if sel & 4 != 0 { 20 } else { 21 };
    let mut text = Guarded::new(input);
    let mut pk = Guarded::zeroed(cap);
    // SAFETY: `text` readable for its length, `pk` writable for `cap` bytes.
    let s = unsafe { jl_ecdh_parse_devkey(text.ptr().cast(), text.len, pk.ptr(), cap) };
    text.check("the buffer");
    pk.check("the buffer");
    let s = status(s, PARSE_DEVKEY, "jl_ecdh_parse_devkey");
    if s != JL_OK {
        assert!(
            pk.bytes().iter().all(|&b| b == 0),
            "failed parse wrote its output"
        );
    }
    if s == JL_ERR_BUFFER_TOO_SMALL && cap == 20 {
        // Retry with room, to reach the round trip below.
        pk = Guarded::zeroed(21);
        // SAFETY: as above with 21 bytes.
        let s = unsafe { jl_ecdh_parse_devkey(text.ptr().cast(), text.len, pk.ptr(), 21) };
        pk.check("the buffer");
        assert_eq!(s, JL_OK as c_int, "too small, then not valid");
    } else if s != JL_OK {
        assert!(s != JL_ERR_BUFFER_TOO_SMALL || cap < 21);
    }
    if pk.len == 21 && pk.bytes().iter().any(|&b| b != 0) {
        // Parsed: the devkey prints back (lowercase) and the key agrees with our private key.
        let key = pk.bytes().to_vec();
        let mut dk = Guarded::zeroed(43);
        // SAFETY: `key` readable for 21 bytes, `dk` writable for 43.
        let s = unsafe { jl_ecdh_devkey(key.as_ptr(), 21, dk.ptr().cast(), 43) };
        dk.check("the buffer");
        assert_eq!(s, JL_OK as c_int);
        assert_eq!(dk.bytes()[42], 0);
        assert!(dk.bytes()[..42].eq_ignore_ascii_case(input));
        assert_eq!(shared(&ECDH_PRIVATE, &key).0, JL_OK);
    }

    // The data as a public key in any form: devkey text and a shared secret.
    let mut dk = Guarded::zeroed(43);
    // SAFETY: `input` readable for its length, `dk` writable for 43 bytes.
    let s = unsafe { jl_ecdh_devkey(input.as_ptr(), input.len(), dk.ptr().cast(), 43) };
    dk.check("the buffer");
    let s = status(s, DEVKEY, "jl_ecdh_devkey");
    let (ss, secret) = shared(&ECDH_PRIVATE, input);
    assert_eq!(
        s == JL_OK,
        ss == JL_OK,
        "devkey and shared secret disagree on the key"
    );
    if s == JL_OK {
        let mut pk = [0u8; 21];
        // SAFETY: `dk` readable for 42 bytes, `pk` writable for 21.
        let s = unsafe { jl_ecdh_parse_devkey(dk.ptr().cast(), 42, pk.as_mut_ptr(), 21) };
        assert_eq!(s, JL_OK as c_int);
        if input.len() == 21 {
            assert_eq!(&pk[..], input);
        }
        assert_eq!(shared(&ECDH_PRIVATE, &pk), (JL_OK, secret));
    } else {
        assert!(
            dk.bytes().iter().all(|&b| b == 0),
            "failed devkey wrote its output"
        );
    }

    // The first 20 bytes as a private key: key pair, and ECDH both ways with the fixed pair.
    if let Some(d) = input.get(..20) {
        let (mut dd, mut q) = (Guarded::zeroed(20), Guarded::zeroed(21));
        // SAFETY: `d` readable for 20 bytes; `dd`, `q` writable for 20 / 21 and disjoint.
        let s = unsafe { jl_ecdh_keypair(d.as_ptr(), 20, dd.ptr(), 20, q.ptr(), 21) };
        dd.check("the buffer");
        q.check("the buffer");
        let s = status(s, KEYPAIR, "jl_ecdh_keypair");
        let (ss, secret) = shared(d, fixed_public_key());
        assert_eq!(s, ss);
        if s == JL_OK {
            assert_eq!(dd.bytes(), d);
            assert_eq!(
                shared(&ECDH_PRIVATE, q.bytes()),
                (JL_OK, secret),
                "ECDH is not symmetric"
            );
        } else {
            assert_eq!(s, JL_ERR_BAD_KEY);
            assert!(d.iter().all(|&b| b == 0));
        }
    }
    // A private key of the wrong length.
    assert_eq!(
        shared(&input[..input.len().min(19)], fixed_public_key()).0,
        JL_ERR_INVALID_ARGUMENT
    );
}

const fn civil(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> JlCivilTime {
    JlCivilTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
    }
}

fn to_seconds(t: &JlCivilTime) -> Option<i64> {
    let mut out = Fenced::<i64>::new();
    // SAFETY: `t` readable, `out` an aligned `int64_t`.
    let s = unsafe { jl_civil_to_seconds(t, out.ptr()) };
    let s = status(s, CIVIL, "jl_civil_to_seconds");
    (s == JL_OK).then(|| out.get())
}

fn time_exp(sel: u8, input: &[u8]) {
    const PAIRS: [(JlCivilTime, JlCivilTime); 4] = [
        (
            civil(2024, 2, 29, 23, 59, 59),
            civil(2023, 7, 1, 12, 30, 15),
        ),
        (civil(1970, 1, 1, 0, 0, 0), civil(1970, 1, 1, 0, 0, 0)),
        (civil(9999, 12, 31, 23, 59, 58), civil(9999, 1, 1, 0, 0, 0)),
        (civil(2023, 2, 29, 0, 0, 0), civil(2023, 1, 1, 0, 0, 0)), // no 29 February in 2023
    ];
    let (after, anchor) = PAIRS[usize::from(sel >> 2 & 3)];
    let after_valid = to_seconds(&after).is_some();
    let mut text = Guarded::new(input);
    for flags in [0, JL_TIME_EXP_LENIENT, 2] {
        // SAFETY: `text` readable for its length.
        let p = unsafe { jl_time_exp_parse(text.ptr().cast(), text.len, flags) };
        let p = status(p, TIME_PARSE, "jl_time_exp_parse");
        let mut next = Fenced::<JlCivilTime>::new();
        // SAFETY: `text` readable; `after`, `anchor` readable; `next` an aligned output.
        let s = unsafe {
            jl_time_exp_next(
                text.ptr().cast(),
                text.len,
                flags,
                &after,
                &anchor,
                next.ptr(),
            )
        };
        text.check("the buffer");
        assert_eq!(text.bytes(), input);
        let n = next.get();
        let s = status(s, TIME_NEXT, "jl_time_exp_next");
        if flags == 2 {
            assert!(p == JL_ERR_INVALID_ARGUMENT && s == JL_ERR_INVALID_ARGUMENT);
            continue;
        }
        assert!(p == JL_OK || p == JL_ERR_TIME_EXP);
        if p != JL_OK {
            assert_eq!(s, p);
        } else if !after_valid {
            assert_eq!(s, JL_ERR_BAD_TIME);
        } else {
            assert!(s == JL_OK || s == JL_ERR_NO_NEXT_TIME, "{s:?}");
        }
        if s != JL_OK {
            assert_eq!(n, JlCivilTime::default());
            continue;
        }
        let secs = to_seconds(&n).expect("next is a valid time");
        assert!(
            secs > to_seconds(&after).unwrap(),
            "next is not after `after`"
        );
        let mut back = Fenced::<JlCivilTime>::new();
        // SAFETY: `back` is an aligned output.
        let s = unsafe { jl_civil_from_seconds(secs, back.ptr()) };
        assert_eq!(status(s, CIVIL, "jl_civil_from_seconds"), JL_OK);
        assert_eq!(back.get(), n);
    }
}

fn crc(sel: u8, input: &[u8]) {
    let mut d = Guarded::new(input);
    let mut c16 = Fenced::<u16>::new();
    // SAFETY: `d` readable for its length, `c16` an aligned `uint16_t`.
    let s = unsafe { jl_crc16(d.ptr(), d.len, c16.ptr()) };
    assert_eq!(status(s, CRC, "jl_crc16"), JL_OK);
    assert_eq!(c16.get(), joylink_wire::crc16(input));

    let mut ctx = Fenced::<JlCrc32>::new();
    // SAFETY: `ctx` an aligned `jl_crc32_t`.
    assert_eq!(unsafe { jl_crc32_init(ctx.ptr()) }, JL_OK as c_int);
    assert_eq!(ctx.get().state, 0);
    let chunk = usize::from(sel >> 2) + 1;
    let mut off = 0;
    while off < input.len() {
        let n = chunk.min(input.len() - off);
        // SAFETY: `ctx` initialised above; `d.ptr() + off` readable for `n` bytes.
        let s = unsafe { jl_crc32_update(ctx.ptr(), d.ptr().add(off), n) };
        assert_eq!(status(s, CRC, "jl_crc32_update"), JL_OK);
        off += n;
    }
    // SAFETY: an empty update may pass NULL data.
    assert_eq!(
        unsafe { jl_crc32_update(ctx.ptr(), ptr::null(), 0) },
        JL_OK as c_int
    );
    let mut c32 = Fenced::<u32>::new();
    // SAFETY: `ctx` initialised, `c32` an aligned `uint32_t`.
    let s = unsafe { jl_crc32_final(ctx.ptr(), c32.ptr()) };
    assert_eq!(status(s, CRC, "jl_crc32_final"), JL_OK);
    assert_eq!(c32.get(), joylink_wire::wan::firmware_crc32(input));
    d.check("the buffer");
    assert_eq!(d.bytes(), input);

    // A misaligned context is refused and left alone.
    let mut words = [0x1234_5678u32; 2];
    let bad = words
        .as_mut_ptr()
        .cast::<u8>()
        .wrapping_add(1)
        .cast::<JlCrc32>();
    // SAFETY: the misaligned pointer is rejected before any access; `d` readable.
    let s = unsafe { jl_crc32_update(bad, d.ptr(), d.len) };
    assert_eq!(s, JL_ERR_INVALID_ARGUMENT as c_int);
    assert_eq!(words, [0x1234_5678; 2]);
    // SAFETY: NULL `crc` is rejected before `data` is read.
    assert_eq!(
        unsafe { jl_crc16(d.ptr(), d.len, ptr::null_mut()) },
        JL_ERR_NULL as c_int
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    match sel & 3 {
        0 => packet(sel, rest),
        1 => ecdh(sel, rest),
        2 => time_exp(sel, rest),
        _ => crc(sel, rest),
    }
});
