//! Arbitrary datagrams, peers, time steps, answers and polls through the C ABI of the LAN device
//! and gateway machines (`jl_lan_device_*`, `jl_gateway_*`), in caller memory. Checks what the ABI
//! promises: no panic; every status is `JL_OK` or a `jl_status_t` the function documents; nothing
//! is written outside the caller's buffers (the machine's memory, every datagram, transmit buffer
//! and output struct sits between guard bytes); a request event's `data` points into the datagram
//! buffer just passed to `jl_lan_device_input`; a transmitted datagram fits the buffer; an event
//! is always polled before the next datagram is accepted.
//!
//! Input: a config byte, then records `[selector][time step][peer][len][bytes; len]`.
//! Config: bit 0 gateway (else a device), bit 1 activated at boot (`jl_lan_device_set_activation`
//! with a fixed localkey), bit 2 (gateway) sub-device 0 restored with its keys.
//! `selector % 8` says what the record does:
//! - 0: the bytes as a raw datagram;
//! - 1: the bytes sealed as plaintext (`timestamp ‖ body`) with the device's *current* localkey
//!   (the fixed one, or the one a write-key installed) as type 3/4/103/104/105;
//! - 2: sealed with ECDH (the app's fixed key pair against the device's, drawn from the RNG
//!   callback) as write-key type 2 or sub-device authorization 102 (the first two such records
//!   of an input; later ones go in raw, as the ECDH dominates the time of an execution);
//! - 3: sealed in clear as a scan (type 1);
//! - 4: `jl_lan_device_respond` to the last request id (or, `selector & 8`, a fuzzed id) with
//!   the bytes (`selector & 16`: with a pointer into the last datagram);
//! - 5: `jl_lan_device_poll_transmit` with a buffer of the bytes' length + 1 370 bytes;
//! - 6: `jl_lan_device_next_deadline` and `jl_lan_device_handle_timeout`;
//! - 7: the persisted state: `jl_lan_device_activation` and `_set_activation` (a round trip, or
//!   NULL), `jl_gateway_sub_device` and `_set_sub_device` of a fuzzed slot.
//!
//! After every record the send queue is drained (every datagram fits `JL_LAN_MAX_DATAGRAM`) and
//! all guards are checked.
#![no_main]

use std::ffi::{c_int, c_void};
use std::ptr;
use std::sync::OnceLock;

use joylink_crypto::{KeyPair, LocalKey, Mode, PrivateKey, SharedSecret};
use joylink_ffi::JlStatus::{self, *};
use joylink_ffi::*;
use joylink_wire::{Header, Magic, PacketType};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
#[allow(dead_code)]
mod common;
#[path = "guard.rs"]
mod guard;
use common::seal_payload;
use guard::{Fenced, GUARD, Guarded};

const LOCALKEY: &[u8; 32] = b"be4d957a4da771d609ab383e548014a0";
const ACCESSKEY: &[u8; 32] = b"961745eaa28c7ff6854b94a91ce19a91";
const SUB_LOCALKEY: &[u8; 32] = b"22dc6dd29b5b3b2f80cc44d6cb3aad1a";
const LOCAL_TYPES: [u8; 5] = [3, 4, 103, 104, 105];
/// The device's private key: what the RNG callback hands `jl_lan_device_init`.
const DEVICE_PRIVATE: [u8; 20] = [0x11; 20];

fn status(s: c_int, documented: &[JlStatus], what: &str) -> JlStatus {
    let found = documented.iter().copied().find(|d| *d as c_int == s);
    found.unwrap_or_else(|| panic!("{what} returned {s}, not one of {documented:?}"))
}

/// `jl_lan_device_input`: its own codes, and the codec's for a datagram it drops.
const INPUT: &[JlStatus] = &[
    JL_OK,
    JL_ERR_STATE,
    JL_ERR_CAPACITY,
    JL_ERR_MALFORMED,
    JL_ERR_TRUNCATED,
    JL_ERR_BAD_MAGIC,
    JL_ERR_LENGTH_MISMATCH,
    JL_ERR_CRC_MISMATCH,
    JL_ERR_TOO_LONG,
    JL_ERR_ENCTYPE_MISMATCH,
    JL_ERR_DECRYPT,
    JL_ERR_BAD_KEY,
    JL_ERR_BAD_PUBLIC_KEY,
    JL_ERR_REPLAY,
    JL_ERR_BUFFER_TOO_SMALL,
    JL_ERR_INVALID_ARGUMENT,
];
const RESPOND: &[JlStatus] = &[
    JL_OK,
    JL_ERR_STATE,
    JL_ERR_BUFFER_TOO_SMALL,
    JL_ERR_CAPACITY,
    JL_ERR_INVALID_ARGUMENT,
    JL_ERR_MALFORMED,
];
const TRANSMIT: &[JlStatus] = &[JL_OK, JL_ERR_BUFFER_TOO_SMALL];
const ACTIVATION: &[JlStatus] = &[JL_OK, JL_ERR_STATE];
const SET: &[JlStatus] = &[JL_OK, JL_ERR_INVALID_ARGUMENT, JL_ERR_BAD_KEY];
const SUB: &[JlStatus] = &[JL_OK, JL_ERR_INVALID_ARGUMENT, JL_ERR_BAD_KEY, JL_ERR_STATE];

unsafe extern "C" fn rng(_ctx: *mut c_void, buf: *mut u8, len: usize) -> c_int {
    assert_eq!(len, 20);
    // SAFETY: the machine hands 20 writable bytes.
    unsafe { ptr::copy_nonoverlapping(DEVICE_PRIVATE.as_ptr(), buf, len) };
    0
}

fn config() -> JlLanConfig {
    fn s(b: &'static [u8]) -> (*const u8, usize) {
        (b.as_ptr(), b.len())
    }
    let (mac, mac_len) = s(b"EA2D9AB01132");
    let (uuid, uuid_len) = s(b"5708AB");
    let (fw, fw_len) = s(b"1.0.0");
    let (sdk, sdk_len) = s(b"2.0.19");
    JlLanConfig {
        mac,
        mac_len,
        product_uuid: uuid,
        product_uuid_len: uuid_len,
        cid: ptr::null(),
        cid_len: 0,
        firmware_version: fw,
        firmware_version_len: fw_len,
        model_code: ptr::null(),
        model_code_len: 0,
        joy_sdk_version: sdk,
        joy_sdk_version_len: sdk_len,
        lancon: 1,
        trantype: 1,
        no_snapshot: 0,
        batch_bind: 0,
    }
}

fn fixed_activation() -> JlActivation {
    let mut a = JlActivation {
        feed_id: [0; 32],
        feed_id_len: 16,
        access_key: *ACCESSKEY,
        local_key: *LOCALKEY,
        server: [0; 64],
        server_len: 17,
        port: 2002,
    };
    a.feed_id[..16].copy_from_slice(b"7882708419766653");
    a.server[..17].copy_from_slice(b"live.smart.jd.com");
    a
}

fn sub_row() -> JlSubDevice {
    let mut r = JlSubDevice {
        protocol: 1,
        in_use: 1,
        authorized: 1,
        mac_len: 12,
        product_uuid_len: 6,
        feed_id_len: 18,
        reserved: [0; 3],
        mac: [0; 32],
        product_uuid: [0; 16],
        feed_id: [0; 32],
        access_key: *ACCESSKEY,
        local_key: *SUB_LOCALKEY,
    };
    r.mac[..12].copy_from_slice(b"7E3C55204B59");
    r.product_uuid[..6].copy_from_slice(b"83453A");
    r.feed_id[..18].copy_from_slice(b"135902253148451506");
    r
}

struct Run {
    dev: *mut JlLanDevice,
    mem: Guarded,
    gateway: bool,
    /// The buffer of the last datagram (events point into it) and the last request id.
    last: Option<Guarded>,
    last_id: u32,
}

impl Run {
    fn check(&self) {
        self.mem.check("the machine's memory");
        if let Some(d) = &self.last {
            d.check("the datagram");
        }
    }

    /// Feeds a datagram, then polls its event and checks where it points.
    fn input(&mut self, now: u64, peer: u8, datagram: &[u8]) {
        let from = JlAddr {
            family: if peer & 0x80 == 0 {
                JL_ADDR_IPV4
            } else {
                JL_ADDR_IPV6
            },
            reserved: 0,
            port: 4320,
            scope_id: 0,
            ip: [192, 168, 1, peer & 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        };
        let mut d = Guarded::new(datagram);
        // SAFETY: a live handle, `from` readable, `d` writable for its length.
        let rc = unsafe { jl_lan_device_input(self.dev, now, &from, d.ptr(), datagram.len()) };
        let accepted = status(rc, INPUT, "jl_lan_device_input") == JL_OK;
        d.check("the datagram");
        self.mem.check("the machine's memory");
        let mut ev = Fenced::<JlLanEvent>::new();
        // SAFETY: a live handle, a writable event.
        let rc = unsafe { jl_lan_device_poll_event(self.dev, ev.ptr()) };
        status(rc, &[JL_OK], "jl_lan_device_poll_event");
        let ev = ev.get();
        use JlLanEventKind::*;
        if !accepted {
            assert_eq!(ev.kind, JL_LAN_EVENT_NONE, "no event after an error");
        }
        match ev.kind {
            JL_LAN_EVENT_JSON_REQUEST
            | JL_LAN_EVENT_SUB_JSON_REQUEST
            | JL_LAN_EVENT_SCRIPT_REQUEST
            | JL_LAN_EVENT_SUB_SCRIPT_REQUEST => {
                assert_ne!(ev.request_id, 0);
                if !ev.data.is_null() || ev.data_len != 0 {
                    assert!(
                        d.holds(ev.data, ev.data_len),
                        "event data outside the datagram"
                    );
                }
                if matches!(ev.kind, JL_LAN_EVENT_SUB_SCRIPT_REQUEST) {
                    assert!(self.gateway && (0..JL_GATEWAY_SUBS as i32).contains(&ev.sub_device));
                }
                self.last_id = ev.request_id;
            }
            JL_LAN_EVENT_SUBDEV_ADDED | JL_LAN_EVENT_SUBDEV_AUTHORIZED => {
                assert!(self.gateway && (0..JL_GATEWAY_SUBS as i32).contains(&ev.sub_device));
                assert!(ev.data.is_null());
            }
            JL_LAN_EVENT_ACTIVATED | JL_LAN_EVENT_NONE => assert!(ev.data.is_null()),
        }
        // One event at a time: polled, so the next poll reports none.
        let mut again = Fenced::<JlLanEvent>::new();
        // SAFETY: as above.
        let rc = unsafe { jl_lan_device_poll_event(self.dev, again.ptr()) };
        status(rc, &[JL_OK], "jl_lan_device_poll_event");
        assert_eq!(again.get().kind, JL_LAN_EVENT_NONE);
        self.last = Some(d);
    }

    /// The device's current localkey (as written or set), else the fixed one.
    fn localkey(&self) -> [u8; 32] {
        let mut a = Fenced::<JlActivation>::new();
        // SAFETY: a live handle, a writable record.
        let rc = unsafe { jl_lan_device_activation(self.dev, a.ptr()) };
        if status(rc, ACTIVATION, "jl_lan_device_activation") == JL_OK {
            a.get().local_key
        } else {
            a.check();
            *LOCALKEY
        }
    }

    fn transmit(&mut self, cap: usize) {
        let mut buf = Guarded::new(&vec![0; cap]);
        let mut n = Fenced::<usize>::new();
        let mut to = Fenced::<JlAddr>::new();
        // SAFETY: a live handle, `buf` writable for `cap`, outputs writable.
        let rc =
            unsafe { jl_lan_device_poll_transmit(self.dev, buf.ptr(), cap, n.ptr(), to.ptr()) };
        let s = status(rc, TRANSMIT, "jl_lan_device_poll_transmit");
        buf.check("the transmit buffer");
        to.check();
        let n = n.get();
        if s == JL_ERR_BUFFER_TOO_SMALL {
            assert!(cap < JL_LAN_MAX_DATAGRAM);
            assert_eq!(n, JL_LAN_MAX_DATAGRAM);
        } else {
            assert!(n <= cap && n <= JL_LAN_MAX_DATAGRAM);
            if n > 0 {
                let to = to.get();
                assert!(to.family == JL_ADDR_IPV4 || to.family == JL_ADDR_IPV6);
            }
        }
    }

    fn drain(&mut self) {
        let mut sent = 0;
        loop {
            let mut buf = Guarded::new(&[0; JL_LAN_MAX_DATAGRAM]);
            let mut n = Fenced::<usize>::new();
            let mut to = Fenced::<JlAddr>::new();
            // SAFETY: as `transmit`.
            let rc = unsafe {
                jl_lan_device_poll_transmit(
                    self.dev,
                    buf.ptr(),
                    JL_LAN_MAX_DATAGRAM,
                    n.ptr(),
                    to.ptr(),
                )
            };
            status(rc, &[JL_OK], "jl_lan_device_poll_transmit");
            buf.check("the transmit buffer");
            let n = n.get();
            if n == 0 {
                break;
            }
            assert!(n >= 16 && n <= JL_LAN_MAX_DATAGRAM);
            sent += 1;
            assert!(sent <= 4, "more datagrams than the send queue holds");
        }
        self.check();
    }
}

/// A machine created by `jl_lan_device_init` / `jl_gateway_init` in guarded, 8-aligned memory
/// (the guards and the handle checked): its bytes.
fn fresh(gateway: bool) -> Vec<u8> {
    let size = if gateway {
        jl_gateway_size()
    } else {
        jl_lan_device_size()
    };
    let align = if gateway {
        jl_gateway_align()
    } else {
        jl_lan_device_align()
    };
    assert!(align <= 8);
    let mut mem = Guarded::new(&vec![0; size]);
    let cfg = config();
    let mut dev: *mut JlLanDevice = ptr::null_mut();
    // SAFETY: `mem` writable for `size` bytes and 8-aligned, `cfg` readable, `dev` writable.
    let rc = unsafe {
        if gateway {
            jl_gateway_init(
                mem.ptr().cast(),
                size,
                &cfg,
                Some(rng),
                ptr::null_mut(),
                &mut dev,
            )
        } else {
            jl_lan_device_init(
                mem.ptr().cast(),
                size,
                &cfg,
                Some(rng),
                ptr::null_mut(),
                &mut dev,
            )
        }
    };
    assert_eq!(rc, 0);
    assert_eq!(dev.cast::<u8>(), mem.ptr());
    mem.check("the machine's memory");
    mem.all()[GUARD..GUARD + size].to_vec()
}

fuzz_target!(|data: &[u8]| {
    static KEYS: OnceLock<(SharedSecret, [u8; 21])> = OnceLock::new();
    let (secret, app_opt) = KEYS.get_or_init(|| {
        let device = KeyPair::from_private_key(PrivateKey::from_bytes(&DEVICE_PRIVATE).unwrap());
        let app = KeyPair::from_private_key(PrivateKey::from_bytes(&[0x22; 20]).unwrap());
        let secret = app.private_key().diffie_hellman(device.public_key());
        (secret, app.public_key().to_compressed())
    });
    let Some((&cfg_byte, mut rest)) = data.split_first() else {
        return;
    };
    let gateway = cfg_byte & 1 == 1;
    // `jl_*_init` draws the key pair (a secp160r1 multiplication, ~1 ms): done once per kind, and
    // each input starts from a byte copy of that fresh machine in its own guarded memory (the
    // machine holds no pointer to itself, so its bytes can move like any Rust value's).
    static TEMPLATES: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| [fresh(false), fresh(true)]);
    let template = &templates[usize::from(gateway)];
    let size = template.len();
    let mut mem = Guarded::new(template);
    mem.check("the machine's memory");
    let dev = mem.ptr().cast::<JlLanDevice>();
    let mut run = Run {
        dev,
        mem,
        gateway,
        last: None,
        last_id: 0,
    };
    if cfg_byte & 2 != 0 {
        let a = fixed_activation();
        // SAFETY: a live handle, a readable record.
        assert_eq!(unsafe { jl_lan_device_set_activation(run.dev, &a) }, 0);
    }
    if gateway && cfg_byte & 4 != 0 {
        let r = sub_row();
        // SAFETY: a live gateway handle, a readable row.
        assert_eq!(unsafe { jl_gateway_set_sub_device(run.dev, 0, &r) }, 0);
    }

    let mut now = 0u64;
    let mut ecdh_left = 2u32;
    while let [selector, step, peer, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (bytes, next) = tail.split_at(n);
        rest = next;
        now += u64::from(*step) * 16;
        let sealed = |header: Header, mode: Mode<'_>, opt: &[u8]| -> Option<Vec<u8>> {
            let mut packet = vec![0u8; joylink_crypto::sealed_len(&mode, opt.len(), bytes.len())];
            let k = seal_payload(&header, &mode, opt, bytes, &mut packet).ok()?;
            packet.truncate(k);
            Some(packet)
        };
        match selector % 8 {
            0 => run.input(now, *peer, bytes),
            1 => {
                let key = LocalKey::from_ascii(&run.localkey()).unwrap();
                let t = PacketType::from(LOCAL_TYPES[usize::from(*selector / 8) % 5]);
                let mode = Mode::LocalKey(&key);
                if let Some(p) = sealed(Header::new(Magic::Lan, t, mode.enc_type()), mode, &[]) {
                    run.input(now, *peer, &p);
                }
            }
            // Two ECDH records per input at most (each is a point decompression and a
            // ladder, ~3 M instructions); the rest go in raw.
            2 if ecdh_left == 0 => run.input(now, *peer, bytes),
            2 => {
                ecdh_left -= 1;
                let t = PacketType::from(if selector & 8 == 0 { 2 } else { 102 });
                let mode = Mode::Ecdh(secret);
                if let Some(p) = sealed(Header::new(Magic::Lan, t, mode.enc_type()), mode, app_opt)
                {
                    run.input(now, *peer, &p);
                }
            }
            3 => {
                let mode = Mode::None;
                let h = Header::new(Magic::Lan, PacketType::Scan, mode.enc_type());
                if let Some(p) = sealed(h, mode, &[]) {
                    run.input(now, *peer, &p);
                }
            }
            4 => {
                let id = if selector & 8 != 0 {
                    u32::from_le_bytes([*peer, *step, *len, selector >> 4])
                } else {
                    run.last_id
                };
                let (p, l) = match (&run.last, selector & 16 != 0) {
                    (Some(d), true) => {
                        let l = d.len.min(bytes.len());
                        (d.all()[GUARD..].as_ptr(), l)
                    }
                    _ => (bytes.as_ptr(), bytes.len()),
                };
                // SAFETY: a live handle; `p` readable for `l` bytes.
                let rc = unsafe { jl_lan_device_respond(run.dev, now, id, p, l) };
                status(rc, RESPOND, "jl_lan_device_respond");
            }
            5 => run.transmit(bytes.len() + 1370),
            6 => {
                let mut d = Fenced::<u64>::new();
                // SAFETY: a live handle, a writable deadline.
                let rc = unsafe { jl_lan_device_next_deadline(run.dev, d.ptr()) };
                status(rc, &[JL_OK], "jl_lan_device_next_deadline");
                let d = d.get();
                if d != JL_NO_DEADLINE {
                    assert!(d <= now.saturating_add(JL_LAN_REQUEST_TTL_MS));
                }
                // SAFETY: a live handle.
                let rc = unsafe { jl_lan_device_handle_timeout(run.dev, now) };
                status(rc, &[JL_OK], "jl_lan_device_handle_timeout");
            }
            _ => {
                let mut a = Fenced::<JlActivation>::new();
                // SAFETY: a live handle, a writable record.
                let rc = unsafe { jl_lan_device_activation(run.dev, a.ptr()) };
                let restored = if status(rc, ACTIVATION, "jl_lan_device_activation") == JL_OK {
                    Some(a.get())
                } else {
                    a.check();
                    None
                };
                let rc = match (restored, *peer & 1) {
                    // SAFETY: a live handle, a readable record.
                    (Some(a), 0) => unsafe { jl_lan_device_set_activation(run.dev, &a) },
                    // SAFETY: a live handle; NULL forgets the keys.
                    _ if *peer & 2 != 0 => unsafe {
                        jl_lan_device_set_activation(run.dev, ptr::null())
                    },
                    _ => 0,
                };
                assert_eq!(status(rc, SET, "jl_lan_device_set_activation"), JL_OK);
                let index = usize::from(*step % 10);
                let mut row = Fenced::<JlSubDevice>::new();
                // SAFETY: a live handle, a writable row.
                let rc = unsafe { jl_gateway_sub_device(run.dev, index, row.ptr()) };
                let s = status(rc, SUB, "jl_gateway_sub_device");
                assert_eq!(s == JL_OK, gateway && index < JL_GATEWAY_SUBS);
                if s == JL_OK {
                    let r = row.get();
                    // A row read back restores as it is.
                    // SAFETY: a live handle, a readable row.
                    let rc = unsafe { jl_gateway_set_sub_device(run.dev, index, &r) };
                    assert_eq!(status(rc, SUB, "jl_gateway_set_sub_device"), JL_OK);
                } else {
                    row.check();
                }
            }
        }
        run.drain();
    }
    // SAFETY: a live handle, not used afterwards.
    assert_eq!(unsafe { jl_lan_device_deinit(run.dev) }, 0);
    run.mem.check("the machine's memory");
    assert!(
        run.mem.all()[GUARD..GUARD + size] == vec![0u8; size][..],
        "deinit zeroes"
    );
});
