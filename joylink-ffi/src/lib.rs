#![doc = include_str!("../README.md")]
#![no_std]
// The `jl_` functions are `unsafe extern "C"`: their `# Safety` sections state the pointer
// contract; inside, every `unsafe` block carries a `// SAFETY:` comment (lint denied in Cargo.toml).
#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)
)]

// `std` is linked only with the (default) `std` feature: for `cargo test`, clippy and Rust users
// of the rlib. Firmware builds use `--no-default-features` and get the panic handler below.
#[cfg(any(feature = "std", test))]
extern crate std;

mod activation;
#[cfg(feature = "wan")]
mod codec;
mod crc;
#[cfg(feature = "ecdh")]
mod ecdh;
#[cfg(feature = "gateway")]
mod gateway;
#[cfg(feature = "lan")]
mod lan;
mod packet;
mod ptr;
mod rng;
mod seal;
mod status;
#[cfg(feature = "wan")]
mod stream;
#[cfg(feature = "timers")]
mod timer;
#[cfg(feature = "wan")]
mod timer_task;
#[cfg(feature = "wan")]
mod wan;

pub use activation::{
    JL_ACTIVATION_MAX_LEN, JL_ACTIVATION_VERSION, JlActivation, jl_activation_load,
    jl_activation_save,
};
#[cfg(feature = "wan")]
pub use codec::{
    JL_CONTROL_HEADER_LEN, JL_HEARTBEAT_LEN, JL_SUBDEV_INFO_LEN, JlControl, JlHeartbeat,
    JlSubdevInfo, jl_control_build, jl_control_parse, jl_heartbeat_build, jl_heartbeat_parse,
    jl_subdev_info_build, jl_subdev_info_parse, jl_upload_build, jl_upload_parse,
};
pub use crc::{JlCrc32, jl_crc16, jl_crc32_final, jl_crc32_init, jl_crc32_update};
#[cfg(feature = "ecdh")]
pub use ecdh::{
    JL_DEVKEY_LEN, JL_PRIVATE_KEY_LEN, JL_PUBLIC_KEY_LEN, JL_SHARED_SECRET_LEN, JlEcdhShared,
    jl_ecdh_devkey, jl_ecdh_keypair, jl_ecdh_parse_devkey, jl_ecdh_shared_secret,
};
#[cfg(feature = "gateway")]
pub use gateway::{
    JlSubDevice, jl_gateway_align, jl_gateway_init, jl_gateway_set_sub_device, jl_gateway_size,
    jl_gateway_sub_device,
};
#[cfg(feature = "gateway")]
pub use lan::JL_GATEWAY_SUBS;
#[cfg(feature = "lan")]
pub use lan::{
    JL_ADDR_IPV4, JL_ADDR_IPV6, JL_LAN_MAX_DATAGRAM, JL_LAN_REQUEST_TTL_MS, JL_LAN_REQUESTS,
    JlAddr, JlLanConfig, JlLanDevice, JlLanEvent, JlLanEventKind, jl_lan_device_activation,
    jl_lan_device_align, jl_lan_device_deinit, jl_lan_device_handle_timeout, jl_lan_device_init,
    jl_lan_device_input, jl_lan_device_next_deadline, jl_lan_device_poll_event,
    jl_lan_device_poll_transmit, jl_lan_device_respond, jl_lan_device_set_activation,
    jl_lan_device_size,
};
pub use packet::{
    JL_CRC_MISMATCH, JL_CRC_NOT_CHECKED, JL_CRC_VERIFIED, JL_HEADER_LEN, JL_MAGIC_LAN,
    JL_MAGIC_WAN, JlCrcPolicy, JlDirection, JlHeader, JlPacket, JlPacketInfo, jl_packet_build,
    jl_packet_info, jl_packet_parse,
};
pub use rng::JlRngFn;
pub use seal::{
    JL_KEY_FLAG_ANY_ENCTYPE, JL_KEY_FLAG_LEGACY_IV, JL_KEY_LEN, JL_MAX_PADDING, JL_TIMESTAMP_LEN,
    JlEncType, JlKey, JlOpened, jl_open_in_place, jl_seal_in_place, jl_sealed_len,
};
pub use status::JlStatus;
#[cfg(feature = "wan")]
pub use stream::{
    JlFrameDecoder, JlReplayGuard, jl_frame_decoder_align, jl_frame_decoder_feed,
    jl_frame_decoder_init, jl_frame_decoder_size, jl_replay_accept, jl_replay_init,
};
#[cfg(feature = "timers")]
pub use timer::{
    JL_TIME_EXP_LENIENT, JlCivilTime, jl_civil_from_seconds, jl_civil_to_seconds, jl_time_exp_next,
    jl_time_exp_parse,
};
#[cfg(feature = "wan")]
pub use timer_task::{
    JL_TIMER_CODE_RESPONSE_LEN, JlTimerRequest, JlTimerTask, jl_timer_code_response_build,
    jl_timer_request_id, jl_timer_request_parse, jl_timer_request_task, jl_timer_task_cmd,
};
#[cfg(feature = "wan")]
pub use wan::{
    JL_NO_DEADLINE, JL_WAN_RX_CAP, JL_WAN_TIMERS, JL_WAN_TX_CAP, JlWanConfig, JlWanDevice,
    JlWanEvent, JlWanEventKind, JlWanState, jl_wan_device_align, jl_wan_device_connected,
    jl_wan_device_connection_lost, jl_wan_device_deinit, jl_wan_device_handle_timeout,
    jl_wan_device_init, jl_wan_device_input, jl_wan_device_next_deadline, jl_wan_device_ota_status,
    jl_wan_device_poll_event, jl_wan_device_poll_transmit, jl_wan_device_report_timer_result,
    jl_wan_device_respond, jl_wan_device_set_unix_time, jl_wan_device_size, jl_wan_device_state,
    jl_wan_device_upload,
};

// No unwinding ever crosses the C boundary: a panic inside an `extern "C"` function aborts the
// process (guaranteed since Rust 1.81), and firmware builds use `panic = "abort"` anyway. The
// code itself is built to never panic (clippy denies unwrap/expect/panic/indexing/overflow).

#[cfg(all(
    not(feature = "std"),
    not(test),
    not(all(target_os = "none", target_arch = "arm"))
))]
unsafe extern "C" {
    /// C's `abort()` (libc, newlib, picolibc all have it).
    fn abort() -> !;
}

/// The panic handler of the `no_std` build: a bug in this library stops the firmware the same
/// way a failed C `assert` does.
///
/// On bare-metal Arm (`thumbv*-none-*`) it executes a permanently undefined instruction (`udf`),
/// which raises the HardFault (or UsageFault) the firmware already handles for any crash — what
/// Rust's own `abort` does there. Calling newlib's `abort()` instead would link `raise`,
/// `signal`, `malloc` and `_sbrk` (about 1 KB of flash and 100 B of RAM, issue 19) for a path
/// that only a bug can reach. Hosted `no_std` builds call C's `abort()`.
#[cfg(all(not(feature = "std"), not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    #[cfg(all(target_os = "none", target_arch = "arm"))]
    loop {
        // SAFETY: `udf` only traps into the fault handler; it touches no memory or register.
        unsafe { core::arch::asm!("udf #0", options(nomem, nostack)) }
    }
    #[cfg(not(all(target_os = "none", target_arch = "arm")))]
    // SAFETY: `abort` takes no arguments and never returns.
    unsafe {
        abort()
    }
}

/// Why this symbol exists (not part of the API, never in `joylink.h`):
///
/// A `no_std` static library for a *hosted* target (x86_64/aarch64 Linux, where CI runs the C
/// tests) links the target's precompiled `core`, which was built with `panic = "unwind"`: its
/// object files carry unwind tables referencing `DW.ref.rust_eh_personality`. `std` normally
/// defines that symbol; without `std` nobody does, so linking the C program fails with
/// "undefined reference to `rust_eh_personality`" — in debug builds always, in release builds
/// whenever LTO is off (Cargo disables LTO for a crate whose crate types include `rlib`).
///
/// With `panic = "abort"` nothing ever unwinds, so the personality routine is never called; the
/// reference only has to resolve. The other clean fix is to rebuild `core` with
/// `panic = "abort"` (`cargo +nightly build -Z build-std=core -Z build-std-features=panic_immediate_abort`),
/// which is what bare-metal targets (`target_os = "none"`, e.g. `thumbv7em-none-eabihf`,
/// `riscv32imc-unknown-none-elf`) already ship: there the symbol is not needed and not defined.
/// If it were ever called, something unwound through an `abort` build: abort.
#[cfg(all(
    not(feature = "std"),
    not(test),
    panic = "abort",
    not(target_os = "none")
))]
mod eh_personality {
    #[unsafe(no_mangle)]
    extern "C" fn rust_eh_personality() -> ! {
        // SAFETY: `abort` takes no arguments and never returns.
        unsafe { super::abort() }
    }
}
