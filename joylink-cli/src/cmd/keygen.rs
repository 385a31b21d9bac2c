//! `joylink keygen`: a secp160r1 key pair from the OS's randomness.

use std::process::ExitCode;

use anyhow::{Result, anyhow};
use joylink::crypto::{KeyPair, PRIVATE_KEY_LEN, PrivateKey};

use crate::outln;

/// Generate a secp160r1 key pair (spec 4.3): the private key (40 hex digits) and the public key
/// as the 42-character devkey (the compressed point in hex, as a scan answer carries it).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON document: {"private_key", "public_key", "devkey"}.
    #[arg(long)]
    pub json: bool,
}

/// Draws a private key from the OS (rejecting the zero key, as micro-ecc does).
///
/// # Errors
/// When the OS has no randomness to give.
pub fn generate() -> Result<KeyPair> {
    for _ in 0..64 {
        let mut bytes = [0u8; PRIVATE_KEY_LEN];
        getrandom::fill(&mut bytes).map_err(|e| anyhow!("os randomness: {e}"))?;
        if let Ok(key) = PrivateKey::from_bytes(&bytes) {
            return Ok(KeyPair::from_private_key(key));
        }
    }
    Err(anyhow!("os randomness keeps returning zero"))
}

/// Runs `keygen`.
///
/// # Errors
/// As [`generate`].
pub fn run(args: &Args) -> Result<ExitCode> {
    let pair = generate()?;
    let private = hex::encode(pair.private_key().raw_secret_bytes());
    let public = hex::encode(pair.public_key().to_compressed());
    let devkey = pair.public_key().to_devkey();
    if args.json {
        let doc = serde_json::json!({
            "private_key": private,
            "public_key": public,
            "devkey": devkey.as_str(),
        });
        outln(&serde_json::to_string_pretty(&doc)?);
    } else {
        outln(&format!("private key  {private}"));
        outln(&format!("devkey       {}", devkey.as_str()));
    }
    Ok(ExitCode::SUCCESS)
}
