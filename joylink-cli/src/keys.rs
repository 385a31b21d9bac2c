//! The key options shared by `decode`, `encode` and `dissect`, and their parsing into
//! joylink-crypto key types.

use anyhow::Result;
use clap::Args;
use joylink::crypto::{AccessKey, KeyPair, LocalKey, PRIVATE_KEY_LEN, PrivateKey, SessionKey};

use crate::usage;

/// Keys a packet may need, as given on the command line (spec 4.3, 4.4; compat §3.2).
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

/// The keys of `dissect`: any number of each kind (repeat the option) and a keys file, tried
/// on each packet in the order that fits it (the keys of its addresses or feedid first).
#[derive(Debug, Clone, Default, Args)]
pub struct KeyRingArgs {
    /// A LAN localkey, 32 ASCII characters (enctype 3 on the LAN; also opens the inner layer
    /// of LAN type 104 when it is a sub-device's). Repeat for several devices.
    #[arg(long = "localkey", value_name = "K")]
    pub local_key: Vec<String>,
    /// A WAN accesskey, 32 ASCII characters (type 9 auth; also the inner layer of WAN types
    /// 111/112 when it is a sub-device's). Repeat for several devices.
    #[arg(long = "accesskey", value_name = "K")]
    pub access_key: Vec<String>,
    /// A WAN session key, 64 hex digits (enctype 4). Repeat for several connections.
    #[arg(long = "sessionkey", value_name = "HEX")]
    pub session_key: Vec<String>,
    /// A device's secp160r1 private key, 40 hex digits (opens the app's enctype-2 write-key
    /// and sub-device-auth requests). Repeat for several devices.
    #[arg(long = "private-key", value_name = "HEX")]
    pub private_key: Vec<String>,
    /// A sub-device's localkey (inner layer of LAN type 104). Repeatable.
    #[arg(long = "sub-localkey", value_name = "K")]
    pub sub_local_key: Vec<String>,
    /// A sub-device's accesskey (inner layer of WAN types 111/112). Repeatable.
    #[arg(long = "sub-accesskey", value_name = "K")]
    pub sub_access_key: Vec<String>,
    /// A keys file (JSON): `{"keys": [{"address": "192.168.1.20", "feedid": "…", "localkey":
    /// "…", "accesskey": "…", "sessionkey": "…", "private_key": "…"}, …]}`, one entry per
    /// device or sub-device, every field optional (what `demo --keys` writes).
    #[arg(long = "keys", value_name = "FILE")]
    pub keys_file: Option<std::path::PathBuf>,
}

/// One device's keys in a [`KeyRing`]: where it is and what it holds.
#[derive(Debug, Clone, Default)]
pub struct RingEntry {
    /// The device's IP address (its packets are tried with its keys first).
    pub address: Option<std::net::IpAddr>,
    /// Its feedid (an inner sub-device layer naming it is tried with its keys first).
    pub feedid: Option<String>,
    /// The keys, as text (each checked when the ring is built).
    pub keys: KeyArgs,
}

/// Every key given to `dissect`.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    /// The entries: the keys file's, then one per command-line key.
    pub entries: Vec<RingEntry>,
}

/// Puts one command-line key into an entry's keys.
type Setter = fn(&mut KeyArgs, String);

/// The field names of a keys-file entry.
const FILE_FIELDS: [&str; 9] = [
    "name",
    "address",
    "feedid",
    "localkey",
    "accesskey",
    "sessionkey",
    "private_key",
    "sub_localkey",
    "sub_accesskey",
];

impl KeyRingArgs {
    /// Reads the keys file and checks every key.
    ///
    /// # Errors
    /// A usage error naming the malformed key or file entry; an unreadable file.
    pub fn parse(&self) -> Result<KeyRing> {
        let mut entries = Vec::new();
        if let Some(path) = &self.keys_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("--keys {}: {e}", path.display())))?;
            entries.extend(
                parse_keys_file(&text)
                    .map_err(|e| usage(format!("--keys {}: {e:#}", path.display())))?,
            );
        }
        let setters: [(&[String], Setter); 6] = [
            (&self.local_key, |k, v| k.local_key = Some(v)),
            (&self.access_key, |k, v| k.access_key = Some(v)),
            (&self.session_key, |k, v| k.session_key = Some(v)),
            (&self.private_key, |k, v| k.private_key = Some(v)),
            (&self.sub_local_key, |k, v| k.sub_local_key = Some(v)),
            (&self.sub_access_key, |k, v| k.sub_access_key = Some(v)),
        ];
        for (values, set) in setters {
            for v in values {
                let mut keys = KeyArgs::default();
                set(&mut keys, v.clone());
                entries.push(RingEntry {
                    keys,
                    ..RingEntry::default()
                });
            }
        }
        for e in &entries {
            e.keys.parse()?;
        }
        Ok(KeyRing { entries })
    }
}

/// Parses a keys file: `{"keys": [entry, …]}` or a bare array of entries.
///
/// # Errors
/// A message naming the entry and field that is wrong.
pub fn parse_keys_file(text: &str) -> Result<Vec<RingEntry>> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| anyhow::anyhow!("not JSON: {e}"))?;
    let list = match &doc {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => match o.get("keys") {
            Some(serde_json::Value::Array(a)) => a,
            _ => anyhow::bail!("expected {{\"keys\": [...]}}"),
        },
        _ => anyhow::bail!("expected {{\"keys\": [...]}}"),
    };
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let obj = e
                .as_object()
                .ok_or_else(|| anyhow::anyhow!("entry {i} is not an object"))?;
            if let Some(k) = obj.keys().find(|k| !FILE_FIELDS.contains(&k.as_str())) {
                anyhow::bail!(
                    "entry {i}: unknown field {k:?} (fields: {})",
                    FILE_FIELDS.join(", ")
                );
            }
            let field = |name: &str| -> Result<Option<String>> {
                match obj.get(name) {
                    None | Some(serde_json::Value::Null) => Ok(None),
                    Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                    Some(_) => anyhow::bail!("entry {i}: `{name}` must be a string"),
                }
            };
            let address = field("address")?
                .map(|a| {
                    a.parse::<std::net::IpAddr>()
                        .or_else(|_| a.parse::<std::net::SocketAddr>().map(|s| s.ip()))
                        .map_err(|_| anyhow::anyhow!("entry {i}: bad address {a:?}"))
                })
                .transpose()?;
            Ok(RingEntry {
                address,
                feedid: field("feedid")?,
                keys: KeyArgs {
                    local_key: field("localkey")?,
                    access_key: field("accesskey")?,
                    session_key: field("sessionkey")?,
                    private_key: field("private_key")?,
                    sub_local_key: field("sub_localkey")?,
                    sub_access_key: field("sub_accesskey")?,
                },
            })
        })
        .collect()
}

impl KeyRing {
    /// The entries in the order to try for a packet between `addresses`: the entries of those
    /// addresses first, then the rest (a key may be given without its address).
    pub fn for_addresses(&self, addresses: &[std::net::IpAddr]) -> Vec<&RingEntry> {
        let (mut first, rest): (Vec<&RingEntry>, Vec<&RingEntry>) = self
            .entries
            .iter()
            .partition(|e| e.address.is_some_and(|a| addresses.contains(&a)));
        first.extend(rest);
        first
    }

    /// The entries in the order to try for an inner layer naming `feedid`.
    pub fn for_feedid(&self, feedid: Option<&str>) -> Vec<&RingEntry> {
        let (mut first, rest): (Vec<&RingEntry>, Vec<&RingEntry>) = self
            .entries
            .iter()
            .partition(|e| feedid.is_some() && e.feedid.as_deref() == feedid);
        first.extend(rest);
        first
    }
}

/// The outer keys of `outer` with the sub-device keys of `sub` (its own sub keys, else its
/// localkey and accesskey: a sub-device's keys open the inner layer, spec 8.2).
pub fn combine(outer: &KeyArgs, sub: Option<&KeyArgs>) -> KeyArgs {
    KeyArgs {
        sub_local_key: sub.and_then(|s| s.sub_local_key.clone().or_else(|| s.local_key.clone())),
        sub_access_key: sub.and_then(|s| s.sub_access_key.clone().or_else(|| s.access_key.clone())),
        ..outer.clone()
    }
}
