//! `joylink decode`: one packet, header to typed body.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cmd::DirectionArg;
use crate::keys::{KeyArgs, parse_hex};
use crate::packet::inspect;
use crate::{errln, outln, render, usage};
use joylink::wire::MAX_PACKET_LEN;

/// Decode one packet: header names, CRC, typed opt, decrypted plaintext, timestamp, typed body.
///
/// Exit status: 0 decoded (also when a key is missing: the header is shown and the missing key
/// named), 1 malformed packet, CRC mismatch or wrong key (one-line reason on stderr; the packet
/// is still shown), 2 bad usage.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  joylink decode bb55341200000200010100000000966 67b7d\n  \
joylink decode --localkey be4d957a4da771d609ab383e548014a0 0xbb 0x55 ...\n  \
cat packet.bin | joylink decode --raw --json"
)]
pub struct Args {
    /// The packet as hex; spaces, `:` and `0x` prefixes are allowed, several words are joined.
    /// `-` (or nothing) reads the hex from stdin.
    #[arg(value_name = "HEX")]
    pub hex: Vec<String>,
    /// Read the packet as raw bytes from stdin (at most one packet: 16 + 2 × 65 535 bytes).
    #[arg(long, conflicts_with = "hex")]
    pub raw: bool,
    /// Print one JSON document instead of the human form.
    #[arg(long)]
    pub json: bool,
    /// Who sent the packet; guessed from its content when absent.
    #[arg(long, value_enum)]
    pub direction: Option<DirectionArg>,
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// Reads at most `limit` bytes from `input`; more is an error (nothing beyond `limit + 1`
/// bytes is ever read, so `decode --raw < /dev/zero` ends).
///
/// # Errors
/// The read error, or a usage error when the input is longer than `limit`.
pub fn read_capped(input: impl std::io::Read, limit: usize) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let cap = u64::try_from(limit.saturating_add(1)).unwrap_or(u64::MAX);
    input
        .take(cap)
        .read_to_end(&mut buf)
        .context("reading stdin")?;
    if buf.len() > limit {
        return Err(usage(format!(
            "--raw: the input is longer than the largest packet ({limit} bytes: a 16-byte \
             header and two 65 535-byte sections)"
        )));
    }
    Ok(buf)
}

/// Reads the packet bytes the way `decode` takes them.
///
/// # Errors
/// Usage errors for bad hex, an unreadable stdin or raw input longer than any packet.
pub fn read_packet(hex: &[String], raw: bool) -> Result<Vec<u8>> {
    if raw {
        return read_capped(std::io::stdin().lock(), MAX_PACKET_LEN);
    }
    let text = if hex.is_empty() || hex == ["-"] {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| usage(format!("reading hex from stdin: {e}")))?;
        s
    } else {
        hex.join(" ")
    };
    let bytes = parse_hex("packet", text.trim())?;
    if bytes.is_empty() {
        return Err(usage("no packet given"));
    }
    Ok(bytes)
}

/// Runs `decode`.
///
/// # Errors
/// Usage errors (exit 2); a malformed packet is reported and gives exit 1.
pub fn run(args: &Args) -> Result<ExitCode> {
    let keys = args.keys.parse()?;
    let bytes = read_packet(&args.hex, args.raw)?;
    let ins = match inspect(&bytes, &keys, args.direction.map(Into::into)) {
        Ok(i) => i,
        Err(e) => {
            if args.json {
                let doc = serde_json::json!({
                    "len": bytes.len(),
                    "error": {"code": "packet", "message": e.to_string()},
                });
                outln(&doc.to_string());
            }
            errln(&format!("error: malformed packet: {e}"));
            return Ok(ExitCode::from(1));
        }
    };
    if args.json {
        outln(&serde_json::to_string_pretty(&render::to_json(&ins))?);
    } else {
        crate::out(&render::human(&ins));
    }
    let mut failed = false;
    if !ins.crc_ok() {
        // The packet is shown (the SDK itself never checks the CRC on receive), but a
        // mismatch is a failure: a corrupted or hand-edited packet.
        errln(&format!(
            "error: crc mismatch: header 0x{:04x}, computed 0x{:04x}",
            ins.header.crc, ins.crc_computed
        ));
        failed = true;
    }
    if let Some(p) = ins.problem.as_ref().filter(|p| p.is_malformed()) {
        errln(&format!("error: {}", p.message()));
        failed = true;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
