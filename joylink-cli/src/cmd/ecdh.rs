//! `joylink ecdh`: the shared secret and the AES key/IV of enctype 2.

use std::process::ExitCode;

use anyhow::Result;
use joylink::crypto::{KeyIv, PublicKey};

use crate::keys::{parse_hex, parse_private_key};
use crate::{outln, usage};

/// ECDH on secp160r1 (spec 4.3): shared secret, and the enctype-2 AES key (secret bytes 0..16)
/// and IV (bytes 4..20).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Our private key, 40 hex digits.
    #[arg(long = "private-key", value_name = "HEX")]
    pub private_key: String,
    /// The peer's public key: a 42-character devkey, or 21/40/41 bytes in hex.
    #[arg(long, value_name = "KEY")]
    pub peer: String,
    /// Print one JSON document: {"shared_secret", "aes_key", "aes_iv"}.
    #[arg(long)]
    pub json: bool,
}

/// Parses a public key from a devkey or hex of any accepted form.
///
/// # Errors
/// A usage error naming why the key is refused.
pub fn parse_public_key(text: &str, what: &str) -> Result<PublicKey> {
    let bytes = parse_hex(what, text)?;
    PublicKey::from_bytes(&bytes).map_err(|e| usage(format!("{what}: {e}")))
}

/// Runs `ecdh`.
///
/// # Errors
/// Usage errors for malformed keys.
pub fn run(args: &Args) -> Result<ExitCode> {
    let private = parse_private_key(&args.private_key, "--private-key")?;
    let peer = parse_public_key(&args.peer, "--peer")?;
    let secret = private.diffie_hellman(&peer);
    let kiv = KeyIv::from_shared_secret(&secret);
    let s = hex::encode(secret.raw_secret_bytes());
    let k = hex::encode(kiv.raw_secret_key());
    let iv = hex::encode(kiv.raw_secret_iv());
    if args.json {
        let doc = serde_json::json!({"shared_secret": s, "aes_key": k, "aes_iv": iv});
        outln(&serde_json::to_string_pretty(&doc)?);
    } else {
        outln(&format!("shared secret  {s}"));
        outln(&format!("aes key        {k}"));
        outln(&format!("aes iv         {iv}"));
    }
    Ok(ExitCode::SUCCESS)
}
