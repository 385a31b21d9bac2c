#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::fmt;
use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod body;
mod capture;
mod capture_out;
mod cmd;
mod keys;
mod ladder;
mod packet;
mod render;
mod timer_json;

/// Debug JoyLink V1.79 traffic: decode and encode packets, make keys, evaluate timers, dissect
/// captures, and watch a whole simulated session.
#[derive(Debug, Parser)]
#[command(name = "joylink", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode one packet given as hex (or raw bytes on stdin with --raw).
    Decode(cmd::decode::Args),
    /// Encode one packet from a JSON body (the `body` that `decode --json` prints); prints hex.
    Encode(cmd::encode::Args),
    /// Generate a secp160r1 key pair (private key and 42-character devkey).
    Keygen(cmd::keygen::Args),
    /// ECDH: the shared secret, AES key and IV of a private key and a peer's public key.
    Ecdh(cmd::ecdh::Args),
    /// Timer expressions (spec chapter 10): next firing times, validation.
    Timer(cmd::timer::Args),
    /// Every JoyLink packet in a pcap or pcapng capture, one line each.
    Dissect(cmd::dissect::Args),
    /// A whole JoyLink session in one process: app, device, gateway, sub-device and cloud.
    Demo(cmd::demo::Args),
    /// A reference cloud server: authenticates devices, logs events, sends controls from stdin.
    Cloud(cmd::cloud::Args),
    /// N simulated devices against a cloud: auth, heartbeats, uploads, controls; a summary.
    Fleet(cmd::fleet::Args),
}

/// A command-line mistake (exit status 2), as opposed to a malformed packet (exit status 1).
#[derive(Debug)]
pub struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Wraps a message as a usage error (exit status 2).
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

/// Writes to stdout; a closed pipe (`joylink dissect big.pcap | head`) ends quietly.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Writes one line to stderr; a closed or broken stderr (`joylink decode … 2>&-`) is ignored
/// instead of panicking the way `eprintln!` does.
pub fn errln(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.write_all(b"\n");
    let _ = stderr.flush();
}

/// Like [`out`], with a newline.
pub fn outln(text: &str) {
    let mut line = String::with_capacity(text.len().saturating_add(1));
    line.push_str(text);
    line.push('\n');
    out(&line);
}

/// `--ladder svg FILE` (no `=`) reads as `--ladder=svg FILE`: `--ladder` takes its value only
/// with `=` (so that `dissect --ladder x.pcap` keeps its file), and the two words `svg` and
/// `text` that can follow it are joined to it here.
fn join_ladder_value(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out: Vec<std::ffi::OsString> = Vec::new();
    for a in args {
        let joins = matches!(a.to_str(), Some("svg" | "text" | "terminal"))
            && out.last().and_then(|l| l.to_str()) == Some("--ladder");
        match out.last_mut() {
            Some(last) if joins => {
                last.push("=");
                last.push(&a);
            }
            _ => out.push(a),
        }
    }
    out
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(join_ladder_value(std::env::args_os())) {
        Ok(cli) => cli,
        Err(e) => {
            // clap's own printing ignores a closed stream.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Decode(a) => cmd::decode::run(&a),
        Command::Encode(a) => cmd::encode::run(&a),
        Command::Keygen(a) => cmd::keygen::run(&a),
        Command::Ecdh(a) => cmd::ecdh::run(&a),
        Command::Timer(a) => cmd::timer::run(&a),
        Command::Dissect(a) => cmd::dissect::run(&a),
        Command::Demo(a) => cmd::demo::run(&a),
        Command::Cloud(a) => cmd::cloud::run(&a),
        Command::Fleet(a) => cmd::fleet::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            errln(&format!("error: {e:#}"));
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
