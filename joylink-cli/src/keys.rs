//! The key options shared by `decode`, `encode` and `dissect`, and their parsing into
//! joylink-crypto key types.

use anyhow::Result;
use clap::Args;
use joylink::crypto::{AccessKey, KeyPair, LocalKey, PRIVATE_KEY_LEN, PrivateKey, SessionKey};

use crate::usage;

/// Keys a packet may need, as given on the command line (spec 4.3, 4.4; NOTES.md §3.2).
#[derive(Debug, Clone, Default, Args)]
pub struct KeyArgs {
    /// LAN localkey, 32 ASCII characters (enctype 3 on the LAN).
    #[arg(long = "localkey", value_name = "K")]
    pub local_key: Option<String>,
    /// WAN accesskey, 32 ASCII characters (enctype 3 on the WAN: type 9 auth).
    #[arg(long = "accesskey", value_name = "K")]
    pub access_key: Option<String>,
    /// WAN session key, 32 bytes as 64 hex digits (enctype 4).
    #[arg(long = "sessionkey", value_name = "HEX")]
    pub session_key: Option<String>,
    /// Our secp160r1 private key, 20 bytes as 40 hex digits (enctype 2: the peer's public key is
    /// read from the packet's opt).
    #[arg(long = "private-key", value_name = "HEX")]
    pub private_key: Option<String>,
    /// A sub-device's localkey, 32 ASCII characters: opens the inner `cmd`/`resp` of LAN type
    /// 104 (spec 6.3.8, 8.2).
    #[arg(long = "sub-localkey", value_name = "K")]
    pub sub_local_key: Option<String>,
    /// A sub-device's accesskey, 32 ASCII characters: opens the inner `data` of WAN types
    /// 111/112 (spec 8.2, 8.4.2).
    #[arg(long = "sub-accesskey", value_name = "K")]
    pub sub_access_key: Option<String>,
}

/// The keys, parsed.
#[derive(Default)]
pub struct Keys {
    /// `--localkey`.
    pub local_key: Option<LocalKey>,
    /// `--accesskey`.
    pub access_key: Option<AccessKey>,
    /// `--sessionkey`.
    pub session_key: Option<SessionKey>,
    /// `--private-key`, completed with its public key.
    pub key_pair: Option<KeyPair>,
    /// `--sub-localkey`: the inner layer of LAN type 104.
    pub sub_local_key: Option<LocalKey>,
    /// `--sub-accesskey`: the inner layer of WAN types 111/112.
    pub sub_access_key: Option<AccessKey>,
}

impl KeyArgs {
    /// Parses every key given.
    ///
    /// # Errors
    /// A usage error naming the option whose value is malformed.
    pub fn parse(&self) -> Result<Keys> {
        let local_key = parse_opt(self.local_key.as_deref(), "--localkey")?;
        let access_key = parse_opt(self.access_key.as_deref(), "--accesskey")?;
        let session_key = self
            .session_key
            .as_deref()
            .map(parse_session_key)
            .transpose()?;
        let key_pair = self
            .private_key
            .as_deref()
            .map(|k| parse_private_key(k, "--private-key").map(KeyPair::from_private_key))
            .transpose()?;
        Ok(Keys {
            local_key,
            access_key,
            session_key,
            key_pair,
            sub_local_key: parse_opt(self.sub_local_key.as_deref(), "--sub-localkey")?,
            sub_access_key: parse_opt(self.sub_access_key.as_deref(), "--sub-accesskey")?,
        })
    }
}

/// Parses an optional key given as text (a localkey or accesskey), naming `option` on error.
fn parse_opt<K: std::str::FromStr>(text: Option<&str>, option: &str) -> Result<Option<K>>
where
    K::Err: std::fmt::Display,
{
    text.map(|k| k.parse::<K>().map_err(|e| usage(format!("{option}: {e}"))))
        .transpose()
}

/// Decodes hex with optional spaces, `:` and `0x` prefixes.
///
/// # Errors
/// A usage error when the text is not an even number of hex digits.
pub fn parse_hex(what: &str, text: &str) -> Result<Vec<u8>> {
    let mut clean = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c == ',' || c == ':') {
        let word = word
            .strip_prefix("0x")
            .or_else(|| word.strip_prefix("0X"))
            .unwrap_or(word);
        clean.push_str(word);
    }
    hex::decode(&clean).map_err(|e| usage(format!("{what}: invalid hex ({e})")))
}

fn parse_session_key(text: &str) -> Result<SessionKey> {
    let bytes = parse_hex("--sessionkey", text)?;
    SessionKey::from_slice(&bytes).map_err(|e| usage(format!("--sessionkey: {e}")))
}

/// Parses a 40-hex-digit secp160r1 private key.
///
/// # Errors
/// A usage error for bad hex, a wrong length or zero.
pub fn parse_private_key(text: &str, what: &str) -> Result<PrivateKey> {
    let bytes = parse_hex(what, text)?;
    let arr: [u8; PRIVATE_KEY_LEN] = bytes.as_slice().try_into().map_err(|_| {
        usage(format!(
            "{what}: a private key is {PRIVATE_KEY_LEN} bytes ({} hex digits), got {}",
            PRIVATE_KEY_LEN.saturating_mul(2),
            bytes.len()
        ))
    })?;
    PrivateKey::from_bytes(&arr).map_err(|e| usage(format!("{what}: {e}")))
}
