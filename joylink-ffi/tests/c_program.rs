//! Builds the C test program `tests/c/test_joylink.c` and the C example of README.md with a C
//! compiler against the firmware configuration of the static library (`no_std`,
//! `panic = "abort"`), runs them, under valgrind when it is installed, and checks they pass.
//!
//! The golden values come from `vectors/*.json` at run time and reach the C program as
//! `name=value` arguments.
//!
//! Environment:
//! - `JOYLINK_FFI_STATICLIB=/path/libjoylink_ffi.a`: link this library instead of building one
//!   (`ci.sh` passes the `ffi-dev` and the `ffi-release` builds in turn);
//! - `JOYLINK_FFI_VALGRIND=require|off`: fail when valgrind is missing / do not use it (default:
//!   use it when `valgrind --version` works);
//! - `CC`: the C compiler (default `cc`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use joylink_test_vectors::{Value, by_id, hex_field, u64_field, vectors};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("joylink-ffi-c");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if !out.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// The static library: `$JOYLINK_FFI_STATICLIB`, or a fresh `ffi-dev` no_std build (the debug
/// firmware configuration, the one that needs the `rust_eh_personality` fix).
fn staticlib() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        if let Some(p) = std::env::var_os("JOYLINK_FFI_STATICLIB") {
            let p = PathBuf::from(p);
            assert!(
                p.is_file(),
                "JOYLINK_FFI_STATICLIB={} does not exist",
                p.display()
            );
            return p;
        }
        let target = work_dir().join("target");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        run(Command::new(cargo)
            .current_dir(crate_dir())
            .args([
                "rustc",
                "-p",
                "joylink-ffi",
                "--lib",
                "--no-default-features",
                "--features",
                "full",
            ])
            .args([
                "--profile",
                "ffi-dev",
                "--crate-type",
                "staticlib",
                "--target-dir",
            ])
            .arg(&target)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS"));
        let lib = target.join("ffi-dev").join("libjoylink_ffi.a");
        assert!(lib.is_file(), "{} was not built", lib.display());
        lib
    })
}

fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".into())
}

/// Compiles one C99 file against the header and the static library; returns the executable.
fn build_c(source: &Path, name: &str) -> PathBuf {
    let exe = work_dir().join(name);
    run(Command::new(cc())
        .args([
            "-std=c99",
            "-pedantic",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-g",
            "-O1",
        ])
        .arg("-I")
        .arg(crate_dir().join("include"))
        .arg(source)
        .arg(staticlib())
        .arg("-o")
        .arg(&exe));
    exe
}

fn valgrind() -> bool {
    let mode = std::env::var("JOYLINK_FFI_VALGRIND").unwrap_or_default();
    if mode == "off" {
        return false;
    }
    let found = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || mode != "require",
        "JOYLINK_FFI_VALGRIND=require but valgrind is missing"
    );
    found
}

/// Runs `exe args`, under valgrind (zero errors, no definite leaks) when available.
fn run_c(exe: &Path, args: &[String]) -> String {
    let mut cmd = if valgrind() {
        let mut c = Command::new("valgrind");
        c.args([
            "--error-exitcode=1",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--track-origins=yes",
            "-q",
        ])
        .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    cmd.args(args);
    let out = run(&mut cmd);
    let stdout = String::from_utf8(out.stdout).unwrap();
    eprintln!("{cmd:?}\n{stdout}");
    stdout
}

fn hex(v: &Value) -> String {
    hex::encode(hex_field(v))
}

fn text(v: &Value) -> String {
    v.as_str().unwrap().to_owned()
}

/// The golden values the C program checks, as `name=value` arguments.
fn vector_args() -> Vec<String> {
    let mut a = Vec::new();
    let mut put = |k: &str, v: String| a.push(format!("{k}={v}"));

    let crc = vectors("crc16.json");
    put("crc16_count", crc.len().to_string());
    for (i, v) in crc.iter().enumerate() {
        put(&format!("crc16_data_{i}"), hex(&v["data"]));
        put(
            &format!("crc16_value_{i}"),
            u64_field(&v["crc"]).to_string(),
        );
    }

    let lan = vectors("lan_packets.json");
    let (l04, l09, l10) = (
        by_id(&lan, "lan-04"),
        by_id(&lan, "lan-09"),
        by_id(&lan, "lan-10"),
    );
    assert_eq!(l10["in_reply_to"], l09["packet"], "lan-10 answers lan-09");
    put("lan09_packet", hex(&l09["packet"]));
    put("lan09_payload", hex(&l09["payload"]));
    put("lan09_crc", u64_field(&l09["header"]["crc"]).to_string());
    put("lan09_plaintext", hex(&l09["plaintext"]));
    put("lan09_timestamp", u64_field(&l09["timestamp"]).to_string());
    assert_eq!(l09["key"]["key_string"], l10["key"]["key_string"]);
    put("localkey", text(&l09["key"]["key_string"]));
    // A packet whose plaintext (2 bytes) is shorter than its timestamp, sealed with that key: it
    // decrypts, then must fail as `JL_ERR_DECRYPT` with the payload wiped (it was
    // `JL_ERR_TRUNCATED` once, a difference an attacker could observe).
    {
        let key: joylink_crypto::LocalKey = text(&l09["key"]["key_string"]).parse().unwrap();
        let header = joylink_wire::Header::new(
            joylink_wire::Magic::Lan,
            joylink_wire::PacketType::JsonControl,
            joylink_wire::EncType::PreShared,
        );
        let mut p = vec![0u8; 32];
        p[16..18].copy_from_slice(b"\x5a\x5a");
        let n = joylink_crypto::seal(&header, &joylink_crypto::Mode::LocalKey(&key), 0, 2, &mut p)
            .unwrap();
        put("short_plaintext_packet", hex::encode(&p[..n]));
    }
    put("lan10_packet", hex(&l10["packet"]));
    put(
        "lan10_device_time",
        u64_field(&l10["device_time"]).to_string(),
    );
    put("lan10_json", text(&l10["app_response_json"]));

    let k = &l04["key"];
    put("lan04_packet", hex(&l04["packet"]));
    put("lan04_device_private_key", hex(&k["device_private_key"]));
    put(
        "lan04_device_public_key",
        hex(&k["device_public_key_compressed"]),
    );
    put("lan04_devkey", text(&k["devkey"]));
    put("lan04_shared_secret", hex(&k["shared_secret"]));
    put("lan04_aes_key", hex(&k["aes_key"]));
    put("lan04_aes_iv", hex(&k["aes_iv"]));
    put("lan04_plaintext", hex(&l04["plaintext"]));
    put("lan04_timestamp", u64_field(&l04["timestamp"]).to_string());

    // Every golden packet with its direction, for jl_packet_info (the packet table).
    let mut table = Vec::new();
    for v in lan.iter().chain(vectors("wan_packets.json").iter()) {
        let from_device = v["direction"].as_str().unwrap().starts_with("device");
        for p in std::iter::once(v).chain(v["fragments"].as_array().into_iter().flatten()) {
            if p.get("packet").is_some() {
                table.push((hex(&p["packet"]), u8::from(from_device)));
            }
        }
    }
    put("table_count", table.len().to_string());
    for (i, (packet, dir)) in table.into_iter().enumerate() {
        put(&format!("table_packet_{i}"), packet);
        put(&format!("table_dir_{i}"), dir.to_string());
    }

    let wan = vectors("wan_packets.json");
    let (w01, w05) = (by_id(&wan, "wan-01"), by_id(&wan, "wan-05"));
    put("wan01_packet", hex(&w01["packet"]));
    put("wan01_opt", hex(&w01["opt"]));
    let plain = hex_field(&w01["plaintext"]);
    assert_eq!(
        plain[..4],
        (u64_field(&w01["device_time"]) as u32).to_le_bytes()
    );
    put("wan01_body", hex::encode(&plain[4..]));
    put("wan01_time", u64_field(&w01["device_time"]).to_string());
    put("accesskey", text(&w01["key"]["key_string"]));
    put("wan05_packet", hex(&w05["packet"]));
    put("wan05_session_key", hex(&w05["key"]["session_key"]));
    put("wan05_snapshot", text(&w05["snapshot"]));
    put("wan05_time", u64_field(&w05["device_time"]).to_string());
    a
}

#[test]
fn c_test_program_passes() {
    let exe = build_c(&crate_dir().join("tests/c/test_joylink.c"), "test_joylink");
    let stdout = run_c(&exe, &vector_args());
    assert!(stdout.contains(", 0 failures"), "{stdout}");
    let checks: u32 = stdout
        .split("test: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(checks > 250, "only {checks} checks ran: {stdout}");
}

/// The C example of README.md, compiled and run exactly as written.
#[test]
fn readme_example_works_as_written() {
    let readme = std::fs::read_to_string(crate_dir().join("README.md")).unwrap();
    let code = readme
        .split("```c\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("README.md has a ```c block");
    let src = work_dir().join("readme_example.c");
    std::fs::write(&src, code).unwrap();
    let exe = build_c(&src, "readme_example");
    let stdout = run_c(&exe, &[]);
    // lan-09: the APP's JSON control request, timestamp 1571171104.
    assert_eq!(stdout, "ts=1571171104 body={\"cmd\":4,\"data\":{}}\n");
    let lan = vectors("lan_packets.json");
    let l09 = by_id(&lan, "lan-09");
    assert_eq!(l09["plaintext_text"], "{\"cmd\":4,\"data\":{}}");
    assert!(code.contains(&text(&l09["key"]["key_string"])));
    // The packet bytes in the example are the vector's, byte for byte.
    let in_code: String = code
        .split("static uint8_t packet[] = {")
        .nth(1)
        .and_then(|s| s.split("};").next())
        .unwrap()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.trim_start_matches("0x").to_owned())
        .collect();
    assert_eq!(in_code, hex(&l09["packet"]));
}

/// The header also compiles as C++ (`cpp_compat`), when a C++ compiler is around.
#[test]
fn header_compiles_as_cpp() {
    let src = work_dir().join("header_check.cpp");
    std::fs::write(
        &src,
        "#include \"joylink.h\"\nint main() { return JL_OK; }\n",
    )
    .unwrap();
    let Ok(out) = Command::new("c++")
        .args(["-std=c++11", "-Wall", "-Werror", "-fsyntax-only", "-I"])
        .arg(crate_dir().join("include"))
        .arg(&src)
        .output()
    else {
        eprintln!("no c++ compiler; skipped");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
