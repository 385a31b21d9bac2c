//! The statuses `jl_lan_device_input` gives for the datagrams a device (and a gateway) drops,
//! called through the C ABI from Rust: a replayed request is `JL_ERR_REPLAY`, distinct from a
//! malformed one (`JL_ERR_MALFORMED`) and from one that does not open (`JL_ERR_DECRYPT`).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::undocumented_unsafe_blocks,
    missing_docs
)]

use core::ffi::{c_int, c_void};
use core::ptr;

use joylink_crypto::{LocalKey, Mode};
use joylink_ffi::{
    JL_ADDR_IPV4, JL_LAN_MAX_DATAGRAM, JlActivation, JlAddr, JlLanConfig, JlLanDevice, JlLanEvent,
    JlLanEventKind, JlStatus, jl_gateway_init, jl_gateway_size, jl_lan_device_deinit,
    jl_lan_device_init, jl_lan_device_input, jl_lan_device_poll_event,
    jl_lan_device_set_activation, jl_lan_device_size,
};
use joylink_wire::{BizCode, Control, EncType, Header, Magic, PacketType};

const LOCALKEY: &str = "d2fd57fd06c7ef0bf04f69db14ab707f";

/// Caller memory for a machine, aligned as `jl_lan_device_align` asks (at most 8).
#[repr(C, align(8))]
struct Mem([u8; 16384]);

unsafe extern "C" fn rng(_: *mut c_void, buf: *mut u8, len: usize) -> c_int {
    for i in 0..len {
        unsafe { *buf.add(i) = (i as u8).wrapping_mul(7).wrapping_add(1) };
    }
    0
}

fn config() -> JlLanConfig {
    JlLanConfig {
        mac: b"EA2D9AB01132".as_ptr(),
        mac_len: 12,
        product_uuid: b"ABCDEF".as_ptr(),
        product_uuid_len: 6,
        cid: ptr::null(),
        cid_len: 0,
        firmware_version: ptr::null(),
        firmware_version_len: 0,
        model_code: ptr::null(),
        model_code_len: 0,
        joy_sdk_version: ptr::null(),
        joy_sdk_version_len: 0,
        lancon: 1,
        trantype: 0,
        no_snapshot: 0,
        batch_bind: 0,
    }
}

fn activation() -> JlActivation {
    let mut a = JlActivation {
        feed_id: [0; 32],
        feed_id_len: 16,
        access_key: *b"25e35c9691ee91296facd5d28a4822bc",
        local_key: [0; 32],
        server: [0; 64],
        server_len: 0,
        port: 0,
    };
    a.feed_id[..16].copy_from_slice(b"1234567890123456");
    a.local_key.copy_from_slice(LOCALKEY.as_bytes());
    a
}

fn app() -> JlAddr {
    JlAddr {
        family: JL_ADDR_IPV4,
        reserved: 0,
        port: 9000,
        scope_id: 0,
        ip: [192, 168, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    }
}

/// A type-4 script control from the app (timestamp, biz_code 1002, serial, `cmd`) under `key`.
fn script(key: &str, ts: u32, serial: u32, cmd: &[u8]) -> Vec<u8> {
    let key: LocalKey = key.parse().unwrap();
    let mode = Mode::LocalKey(&key);
    let body = Control {
        timestamp: ts,
        biz_code: BizCode::Control,
        serial,
        data: cmd,
    };
    let header = Header::new(Magic::Lan, PacketType::ScriptControl, EncType::PreShared);
    let mut buf = vec![0u8; joylink_crypto::sealed_len(&mode, 0, body.buffer_len())];
    let len = body.emit(&mut buf[16..]).unwrap();
    let n = joylink_crypto::seal(&header, &mode, 0, len, &mut buf).unwrap();
    buf.truncate(n);
    assert!(n <= JL_LAN_MAX_DATAGRAM);
    buf
}

fn input(dev: *mut JlLanDevice, now: u64, mut pkt: Vec<u8>) -> c_int {
    let from = app();
    unsafe { jl_lan_device_input(dev, now, &from, pkt.as_mut_ptr(), pkt.len()) }
}

fn event(dev: *mut JlLanDevice) -> JlLanEventKind {
    let mut ev = core::mem::MaybeUninit::<JlLanEvent>::zeroed();
    assert_eq!(
        unsafe { jl_lan_device_poll_event(dev, ev.as_mut_ptr()) },
        JlStatus::JL_OK as c_int
    );
    unsafe { ev.assume_init() }.kind
}

/// Runs the replay sequence on an activated machine: one request accepted, the same timestamp
/// and an older one `JL_ERR_REPLAY`, a broken one `JL_ERR_MALFORMED`, a wrong key
/// `JL_ERR_DECRYPT`, and a newer timestamp accepted again (the replay recorded nothing).
fn replay_is_its_own_status(dev: *mut JlLanDevice) {
    let a = activation();
    assert_eq!(
        unsafe { jl_lan_device_set_activation(dev, &a) },
        JlStatus::JL_OK as c_int
    );
    assert_eq!(
        input(dev, 1000, script(LOCALKEY, 11, 1, b"power=1")),
        JlStatus::JL_OK as c_int
    );
    assert_eq!(event(dev), JlLanEventKind::JL_LAN_EVENT_SCRIPT_REQUEST);

    assert_eq!(
        input(dev, 1100, script(LOCALKEY, 11, 2, b"power=0")),
        JlStatus::JL_ERR_REPLAY as c_int
    );
    assert_eq!(
        input(dev, 1100, script(LOCALKEY, 10, 3, b"power=0")),
        JlStatus::JL_ERR_REPLAY as c_int
    );
    assert_eq!(event(dev), JlLanEventKind::JL_LAN_EVENT_NONE);

    // Not a replay: a control in clear (enctype not allowed) stays malformed...
    let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::None);
    let plain = b"\x0c\0\0\0{\"cmd\":4}";
    let mut clear = vec![0u8; 16 + plain.len()];
    clear[16..].copy_from_slice(plain);
    let n = joylink_crypto::seal(&header, &Mode::None, 0, plain.len(), &mut clear).unwrap();
    clear.truncate(n);
    assert_eq!(input(dev, 1200, clear), JlStatus::JL_ERR_MALFORMED as c_int);
    // ...and a packet under another key is the one decrypt status.
    assert_eq!(
        input(
            dev,
            1200,
            script("28c2b4cf324fa6be1675bd5188e3d932", 12, 4, b"x")
        ),
        JlStatus::JL_ERR_DECRYPT as c_int
    );

    assert_eq!(
        input(dev, 1300, script(LOCALKEY, 12, 5, b"power=0")),
        JlStatus::JL_OK as c_int
    );
    assert_eq!(event(dev), JlLanEventKind::JL_LAN_EVENT_SCRIPT_REQUEST);
    assert_eq!(
        unsafe { jl_lan_device_deinit(dev) },
        JlStatus::JL_OK as c_int
    );
}

#[test]
fn a_device_gives_jl_err_replay_for_a_replayed_request() {
    let mut mem = Box::new(Mem([0; 16384]));
    assert!(jl_lan_device_size() <= mem.0.len());
    let cfg = config();
    let mut dev: *mut JlLanDevice = ptr::null_mut();
    let rc = unsafe {
        jl_lan_device_init(
            mem.0.as_mut_ptr().cast(),
            mem.0.len(),
            &cfg,
            Some(rng),
            ptr::null_mut(),
            &mut dev,
        )
    };
    assert_eq!(rc, JlStatus::JL_OK as c_int);
    replay_is_its_own_status(dev);
}

#[test]
fn a_gateway_gives_jl_err_replay_for_a_replayed_request() {
    let mut mem = Box::new(Mem([0; 16384]));
    assert!(jl_gateway_size() <= mem.0.len());
    let cfg = config();
    let mut gw: *mut JlLanDevice = ptr::null_mut();
    let rc = unsafe {
        jl_gateway_init(
            mem.0.as_mut_ptr().cast(),
            mem.0.len(),
            &cfg,
            Some(rng),
            ptr::null_mut(),
            &mut gw,
        )
    };
    assert_eq!(rc, JlStatus::JL_OK as c_int);
    replay_is_its_own_status(gw);
}
