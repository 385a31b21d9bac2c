//! `joylink encode`: the inverse of `decode` — a JSON body to a sealed packet in hex.

use std::io::Read as _;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Result, anyhow};
use clap::ValueEnum;
use joylink::crypto::{KeyPair, Mode, PublicKey, SharedSecret, sealed_len};
use joylink::wire::{Direction, EncType, HEADER_LEN, Header, Magic, PacketType};
use serde_json::Value;

use crate::body::{self, Encoded};
use crate::cmd::ecdh::parse_public_key;
use crate::keys::{KeyArgs, Keys, parse_hex};
use crate::{outln, usage};

/// `--magic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MagicArg {
    /// LAN, `0x123455BB` (app ↔ device over UDP).
    Lan,
    /// WAN, `0x123455CC` (device ↔ cloud over TCP).
    Wan,
}

/// Encode one packet. BODY is the JSON object `decode --json` prints as `body` (its `kind`
/// says which message it is and so who sends it); `joylink encode … | joylink decode …`
/// gives the body back.
#[derive(Debug, clap::Args)]
#[command(
    mut_arg("local_key", |a| a.help("LAN localkey, 32 ASCII characters: seals enctype 3 on the LAN")),
    mut_arg("access_key", |a| a.help("WAN accesskey, 32 ASCII characters: seals enctype 3 on the WAN (type 9 auth)")),
    mut_arg("session_key", |a| a.help("WAN session key, 64 hex digits: seals enctype 4")),
    mut_arg("private_key", |a| a.help("Our secp160r1 private key, 40 hex digits (enctype 2): with --peer it makes the AES key, and our public key goes into opt")),
    mut_arg("sub_local_key", |a| a.help("A sub-device's localkey, 32 ASCII characters: seals the document in `inner` as the cmd/resp of LAN type 104")),
    mut_arg("sub_access_key", |a| a.help("A sub-device's accesskey, 32 ASCII characters: seals the document in `inner` as the data of WAN types 111/112")),
    after_help = "Example:\n  joylink encode --type heartbeat --sessionkey 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff \\\n    \
--timestamp 1700000000 '{\"kind\":\"heartbeat\",\"version\":1,\"rssi\":60}'"
)]
pub struct Args {
    /// Packet type: a number or a name (`scan`, `write-key`, `json-control`, `script-control`,
    /// `heartbeat`, `cloud-control`, `upload`, `timer`, `sub-device heartbeat`, …). Taken from
    /// the input when it is a whole `decode --json` document.
    #[arg(long = "type", value_name = "T")]
    pub packet_type: Option<String>,
    /// How JSON bodies are laid out: `compact` (no whitespace, what apps and the cloud send) or
    /// `cjson` (what shipped devices send: cJSON's pretty print for the scan, sub-device and
    /// OTA-status answers, the SDK's `sprintf` layout for the write-key answer).
    #[arg(long, value_enum, default_value_t = body::Layout::Compact)]
    pub style: body::Layout,
    /// Encryption: `none`, `static`, `ecdh`, `pre-shared` (localkey / accesskey), `session` or
    /// 0–4. Default: what shipped peers use for this message (compat §3.5).
    #[arg(long = "enctype", value_name = "E")]
    pub enc_type: Option<String>,
    /// The opt section in hex (default: our public key for enctype 2, the auth opt for type 9).
    #[arg(long = "opt-hex", value_name = "H")]
    pub opt_hex: Option<String>,
    /// The timestamp prefix (default: now).
    #[arg(long, value_name = "N")]
    pub timestamp: Option<u32>,
    /// LAN or WAN magic (default: from the type).
    #[arg(long, value_enum)]
    pub magic: Option<MagicArg>,
    /// The peer's public key for enctype 2 (a devkey or hex); our key is --private-key. With a
    /// whole `decode --json` document, the public key in its opt is the peer's.
    #[arg(long, value_name = "KEY")]
    pub peer: Option<String>,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// The body as JSON (the `body` object of `decode --json`), or the whole document `decode
    /// --json` prints (type, enctype, timestamp, opt and header fields are then taken from
    /// it); `-` reads it from stdin.
    #[arg(value_name = "BODY")]
    pub body: String,
}

fn norm(s: &str) -> String {
    s.trim()
        .to_ascii_lowercase()
        .replace(['-', '_'], " ")
        .replace("subdev", "sub-device")
        .replace("sub device", "sub-device")
}

/// Parses a packet type given as a number or its name.
///
/// # Errors
/// A usage error for an unknown name.
pub fn parse_packet_type(text: &str) -> Result<PacketType> {
    if let Ok(n) = text.trim().parse::<u8>() {
        return Ok(PacketType::from(n));
    }
    let wanted = norm(text);
    PacketType::ALL
        .iter()
        .copied()
        .find(|t| norm(t.name()) == wanted)
        .ok_or_else(|| {
            let names: Vec<String> = PacketType::ALL
                .iter()
                .map(|t| format!("{} ({})", t.name(), t.value()))
                .collect();
            usage(format!(
                "unknown packet type {text:?}; known: {}",
                names.join(", ")
            ))
        })
}

/// Parses an enctype given as a number or a name.
///
/// # Errors
/// A usage error for an unknown name.
pub fn parse_enc_type(text: &str) -> Result<EncType> {
    if let Ok(n) = text.trim().parse::<u8>() {
        return Ok(EncType::from(n));
    }
    Ok(match norm(text).as_str() {
        "none" | "plain" | "clear" => EncType::None,
        "static" | "static aes" => EncType::Static,
        "ecdh" => EncType::Ecdh,
        "pre shared" | "preshared" | "psk" | "localkey" | "accesskey" | "dynamic" => {
            EncType::PreShared
        }
        "session" | "sessionkey" | "session key" => EncType::SessionKey,
        _ => {
            return Err(usage(format!(
                "unknown enctype {text:?}; use none, static, ecdh, pre-shared, session or 0-4"
            )));
        }
    })
}

/// The network a type travels on when `--magic` is not given.
pub fn default_magic(t: PacketType) -> Magic {
    match t {
        PacketType::Scan
        | PacketType::WriteKey
        | PacketType::JsonControl
        | PacketType::ScriptControl
        | PacketType::SubDevAuth
        | PacketType::SubDevJsonControl
        | PacketType::SubDevScriptControl
        | PacketType::AddSubDev
        | PacketType::AgentGetDevList => Magic::Lan,
        _ => Magic::Wan,
    }
}

/// The enctype shipped peers use: the packet table's (`joylink::wire::table`).
pub fn default_enc_type(magic: Magic, t: PacketType, d: Direction) -> EncType {
    joylink::wire::table::lookup(magic, t, d).enc_type
}

/// Seals a plaintext into a packet with the keys given.
///
/// # Errors
/// A usage error naming a missing key; crypto errors.
pub fn seal(
    header: &Header,
    keys: &Keys,
    peer: Option<&PublicKey>,
    opt: Option<Vec<u8>>,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let secret: SharedSecret;
    let mut opt = opt;
    let mode = match (header.enc_type, header.magic) {
        (EncType::None, _) => Mode::None,
        (EncType::Static, _) => Mode::Static,
        (EncType::Ecdh, _) => {
            let pair: &KeyPair = keys
                .key_pair
                .as_ref()
                .ok_or_else(|| usage("enctype 2 needs --private-key (ours) and --peer"))?;
            let peer =
                peer.ok_or_else(|| usage("enctype 2 needs --peer (the peer's public key)"))?;
            secret = pair.private_key().diffie_hellman(peer);
            if opt.is_none() {
                // spec 4.3: the sender's compressed public key travels in opt.
                opt = Some(pair.public_key().to_compressed().to_vec());
            }
            Mode::Ecdh(&secret)
        }
        (EncType::PreShared, Magic::Lan) => Mode::LocalKey(
            keys.local_key
                .as_ref()
                .ok_or_else(|| usage("enctype 3 on the LAN needs --localkey"))?,
        ),
        (EncType::PreShared, Magic::Wan) => Mode::AccessKey(
            keys.access_key
                .as_ref()
                .ok_or_else(|| usage("enctype 3 on the WAN needs --accesskey"))?,
        ),
        (EncType::SessionKey, _) => Mode::Session(
            keys.session_key
                .as_ref()
                .ok_or_else(|| usage("enctype 4 needs --sessionkey"))?,
        ),
        (other, _) => return Err(usage(format!("cannot encrypt with enctype {other}"))),
    };
    let opt = opt.unwrap_or_default();
    let len = sealed_len(&mode, opt.len(), plaintext.len());
    let mut out = vec![0u8; len];
    // The one in-place seal: opt and plaintext laid out after the header, then sealed.
    let at = HEADER_LEN.saturating_add(opt.len());
    let (room, rest) = out
        .get_mut(HEADER_LEN..)
        .ok_or_else(|| anyhow!("sealed length below the header"))?
        .split_at_mut_checked(opt.len())
        .ok_or_else(|| anyhow!("no room for opt"))?;
    room.copy_from_slice(&opt);
    rest.get_mut(..plaintext.len())
        .ok_or_else(|| anyhow!("no room for the plaintext at {at}"))?
        .copy_from_slice(plaintext);
    let n = joylink::crypto::seal(header, &mode, opt.len(), plaintext.len(), &mut out)
        .map_err(|e| anyhow!("{e}"))?;
    out.truncate(n);
    Ok(out)
}

/// `v[name]`, `null` when absent.
fn at<'v>(v: &'v Value, name: &str) -> &'v Value {
    v.get(name).unwrap_or(&Value::Null)
}

/// Runs `encode`.
///
/// # Errors
/// Usage errors for bad arguments or bodies.
pub fn run(args: &Args) -> Result<ExitCode> {
    let keys = args.keys.parse()?;
    let text = if args.body == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| usage(format!("reading the body from stdin: {e}")))?;
        s
    } else {
        args.body.clone()
    };
    let input: Value =
        serde_json::from_str(&text).map_err(|e| usage(format!("BODY is not JSON: {e}")))?;
    // A whole `decode --json` document: `decode --json | encode` re-seals the packet.
    let doc = match (at(&input, "body"), at(&input, "header")) {
        (Value::Object(_), Value::Object(_)) => Some(&input),
        _ => None,
    };
    let body = doc.map_or(&input, |d| at(d, "body"));
    let header_u64 = |name: &str| doc.and_then(|d| at(at(d, "header"), name).as_u64());
    let packet_type = match (&args.packet_type, header_u64("type")) {
        (Some(t), _) => parse_packet_type(t)?,
        (None, Some(t)) => {
            PacketType::from(u8::try_from(t).map_err(|_| usage("header.type exceeds 255"))?)
        }
        (None, None) => {
            return Err(usage(
                "--type is required (unless BODY is a whole decode document)",
            ));
        }
    };
    let magic = match (args.magic, doc.and_then(|d| at(d, "magic").as_str())) {
        (Some(MagicArg::Lan), _) | (None, Some("lan")) => Magic::Lan,
        (Some(MagicArg::Wan), _) | (None, Some("wan")) => Magic::Wan,
        (None, _) => default_magic(packet_type),
    };
    let timestamp = args
        .timestamp
        .or_else(|| {
            doc.and_then(|d| at(d, "timestamp").as_u64())
                .and_then(|t| u32::try_from(t).ok())
        })
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .ok()
                .and_then(|d| u32::try_from(d.as_secs()).ok())
                .unwrap_or(0)
        });
    let given_enc = match (&args.enc_type, header_u64("enctype")) {
        (Some(e), _) => Some(parse_enc_type(e)?),
        (None, Some(e)) => Some(EncType::from(
            u8::try_from(e).map_err(|_| usage("header.enctype exceeds 255"))?,
        )),
        (None, None) => None,
    };
    // The kind fixes the direction; the direction gives the default enctype. A body whose
    // timestamp presence depends on the enctype ("other") is built with the final enctype.
    let probe: Encoded = body::from_json(
        magic,
        given_enc.unwrap_or(EncType::PreShared),
        body,
        timestamp,
        &keys,
        args.style,
    )?;
    let enc_type =
        given_enc.unwrap_or_else(|| default_enc_type(magic, packet_type, probe.direction));
    let encoded = body::from_json(magic, enc_type, body, timestamp, &keys, args.style)?;
    let checked = body::check(magic, packet_type, enc_type, &encoded, &keys)?;
    let wanted = body.get("kind").and_then(Value::as_str).unwrap_or_default();
    if checked.kind != wanted {
        return Err(usage(format!(
            "a {wanted} body does not travel in type {packet_type} (it reads as {})",
            checked.kind
        )));
    }
    // The document's opt: a public key (enctype 2) or raw bytes, as sent.
    let doc_opt = doc
        .and_then(|d| at(at(d, "opt"), "hex").as_str())
        .map(|h| parse_hex("opt.hex", h))
        .transpose()?;
    let opt = match &args.opt_hex {
        Some(h) => Some(parse_hex("--opt-hex", h)?),
        None => encoded.opt.clone().or_else(|| doc_opt.clone()),
    };
    let peer = match (&args.peer, &doc_opt) {
        (Some(p), _) => Some(parse_public_key(p, "--peer")?),
        // ECDH is symmetric: the receiver's private key with the sender's public key (the
        // opt) gives the secret the sender used, so a captured enctype-2 packet re-seals to
        // the same bytes.
        (None, Some(o)) if enc_type == EncType::Ecdh => PublicKey::from_bytes(o).ok(),
        (None, _) => None,
    };
    let mut header = Header::new(magic, packet_type, enc_type);
    if let Some(v) = header_u64("version").and_then(|v| u8::try_from(v).ok()) {
        header.version = v;
    }
    if let Some(r) = header_u64("reserved").and_then(|v| u8::try_from(v).ok()) {
        header.reserved = r;
    }
    let packet = seal(&header, &keys, peer.as_ref(), opt, &encoded.plaintext)?;
    outln(&hex::encode(packet));
    Ok(ExitCode::SUCCESS)
}
