//! Helpers shared by the integration tests: the binary, its JSON output, exit codes.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;

/// The `joylink` binary.
pub fn joylink() -> Command {
    Command::cargo_bin("joylink").unwrap()
}

/// Runs `cmd`, asserts success (showing stderr otherwise), returns stdout.
pub fn stdout_ok(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `cmd`, asserts success, parses stdout as one JSON document.
pub fn stdout_json(cmd: &mut Command) -> Value {
    serde_json::from_slice(&stdout_ok(cmd)).unwrap()
}

/// Runs `cmd`, asserts success, parses stdout as JSON Lines.
pub fn stdout_json_lines(cmd: &mut Command) -> Vec<Value> {
    String::from_utf8(stdout_ok(cmd))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect()
}

/// `joylink ARGS` exits with `code`; the assertion, for checking its output.
pub fn exits(args: &[&str], code: i32) -> assert_cmd::assert::Assert {
    joylink().args(args).assert().code(code)
}
