//! Decides once whether the machines keep their keys prepared (see `src/sealing.rs`) and hands
//! the decision to the crate as the `joylink_keep_prepared` cfg, which the code branches on.
//!
//! The build's `--cfg joylink_prepared_keys="on"` or `="off"` decides; without it, keys are
//! prepared where a pointer is narrower than 64 bits. Cargo gives the script the target's cfgs,
//! the ones of the build's rustflags (`RUSTFLAGS`, `build.rustflags`, `target.<triple>.rustflags`)
//! included, as `CARGO_CFG_*`; a cfg that only reaches rustc (`cargo rustc -- --cfg ...`) is not
//! among them, which `src/sealing.rs` turns into a compile error.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(joylink_keep_prepared)");
    println!("cargo::rerun-if-changed=build.rs");

    // Several values of one cfg come comma-separated; "on" wins over "off".
    let chosen = std::env::var("CARGO_CFG_JOYLINK_PREPARED_KEYS").unwrap_or_default();
    let chose = |value: &str| chosen.split(',').any(|v| v == value);
    let wide = std::env::var("CARGO_CFG_TARGET_POINTER_WIDTH").is_ok_and(|w| w == "64");
    if chose("on") || (!chose("off") && !wide) {
        println!("cargo::rustc-cfg=joylink_keep_prepared");
    }
}
