//! One packet taken apart the way `decode` shows it: header, CRC, typed opt, key, plaintext,
//! timestamp, typed body. Shared by `decode`, `dissect` and `demo`, so that all three print the
//! same thing for the same bytes.

use joylink::crypto::{EncTypeCheck, Mode, OpenOptions, PublicKey, SharedSecret, open};
use joylink::wire::wan::{AuthRequestOpt, AuthResponseOpt};
use joylink::wire::{
    self, BizCode, CrcPolicy, Direction, EncType, Header, Magic, PacketType, PartialParse,
    ResponseCode,
};
use serde_json::{Value, json};

use crate::body::{self, Body};
use crate::keys::Keys;

/// Which way the packet went, and whether the caller said so or it was inferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectionSource {
    /// Given by the caller (`--direction`, the capture's ports, the demo).
    Given,
    /// Inferred from the packet's content.
    Guessed,
}

/// Why a packet could not be taken apart completely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The key this packet needs was not given (the option to pass).
    MissingKey(&'static str),
    /// The enctype is not one we can open.
    UnknownEncType(u8),
    /// Decryption failed: wrong key or corrupted payload (never says which).
    Decrypt(String),
    /// The plaintext is not a valid body of this type.
    Body(String),
}

impl Problem {
    /// One line for humans.
    pub fn message(&self) -> String {
        match self {
            Problem::MissingKey(k) => format!("missing key: pass {k} to decrypt the payload"),
            Problem::UnknownEncType(n) => format!("unknown enctype {n}: cannot decrypt"),
            Problem::Decrypt(e) => format!("{e} (wrong key or corrupted payload)"),
            Problem::Body(e) => format!("malformed body: {e}"),
        }
    }

    /// Whether this makes the packet malformed (exit 1) rather than merely unreadable.
    pub fn is_malformed(&self) -> bool {
        !matches!(self, Problem::MissingKey(_))
    }

    /// Stable machine name.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::MissingKey(_) => "missing_key",
            Problem::UnknownEncType(_) => "unknown_enctype",
            Problem::Decrypt(_) => "decrypt",
            Problem::Body(_) => "body",
        }
    }
}

/// A packet taken apart.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// Whole packet length.
    pub len: usize,
    /// The header.
    pub header: Header,
    /// CRC16 of `opt ‖ payload` as received.
    pub crc_computed: u16,
    /// The opt bytes.
    pub opt: Vec<u8>,
    /// The opt typed (public key, WAN auth opt), if the type defines it.
    pub opt_typed: Option<Value>,
    /// The key used (`none`, `static`, `ecdh`, `localkey`, `accesskey`, `sessionkey`).
    pub key_mode: &'static str,
    /// Which way the packet went.
    pub direction: Direction,
    /// How the direction is known.
    pub direction_source: DirectionSource,
    /// The decrypted payload.
    pub plaintext: Option<Vec<u8>>,
    /// The typed body.
    pub body: Option<Body>,
    /// What stopped the decoding, if anything.
    pub problem: Option<Problem>,
    /// The other reading, when the direction was guessed and the bytes parse both ways.
    pub ambiguous: Option<Alternative>,
}

impl Inspection {
    /// Whether the CRC in the header matches.
    pub fn crc_ok(&self) -> bool {
        self.crc_computed == self.header.crc
    }

    /// The CRC check as the library reports it (the CLI always computes the CRC, so never
    /// `not_checked`).
    pub fn crc_status(&self) -> joylink::wire::CrcStatus {
        joylink::wire::CrcStatus::from_match(self.crc_ok())
    }
}

/// The key option a packet needs (for messages and for choosing the mode).
fn key_needed(magic: Magic, enc: EncType) -> &'static str {
    match (enc, magic) {
        (EncType::Ecdh, _) => "--private-key",
        (EncType::PreShared, Magic::Lan) => "--localkey",
        (EncType::PreShared, Magic::Wan) => "--accesskey",
        (EncType::SessionKey, _) => "--sessionkey",
        _ => "",
    }
}

/// The opt as typed JSON: a public key (enctype 2, scan requests; spec 4.3), the WAN auth opt
/// (type 9; spec 7.3.1/7.3.2), else its hex.
fn type_opt(header: &Header, opt: &[u8]) -> Option<Value> {
    if opt.is_empty() {
        return None;
    }
    if header.magic == Magic::Wan && header.packet_type == PacketType::Auth {
        if opt.len() == 4 {
            if let Ok(o) = AuthResponseOpt::parse(opt) {
                return Some(json!({"kind": "auth_response_opt", "random": o.random}));
            }
        } else if let Ok(o) = AuthRequestOpt::parse(opt) {
            return Some(json!({
                "kind": "auth_request_opt",
                "feed_id": String::from_utf8_lossy(o.feed_id),
                "random": o.random,
            }));
        }
    }
    if let Ok(k) = PublicKey::from_bytes(opt) {
        return Some(json!({
            "kind": "public_key",
            "hex": hex::encode(opt),
            "devkey": k.to_devkey().as_str(),
        }));
    }
    Some(json!({"kind": "raw", "hex": hex::encode(opt)}))
}

/// How sure a guessed direction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certainty {
    /// A rule of the protocol decides (a biz_code range, the enctype, the opt length, a NUL
    /// byte JSON never holds): the other reading is wrong even when its bytes parse.
    Rule,
    /// A likely reading (a document's shape, a known code, the more common side): when the
    /// other direction parses too, the packet is reported as ambiguous.
    Likely,
}

/// The reading of a packet that was not chosen, when it parses too and nothing but a guess
/// decided between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    /// The other direction.
    pub direction: Direction,
    /// The body kind the bytes have when read that way.
    pub kind: String,
}

/// Whether a plaintext (after `skip` bytes) is a JSON object with a top-level `key`.
fn doc_has(plaintext: Option<&[u8]>, skip: usize, key: &str) -> bool {
    plaintext
        .and_then(|p| p.get(skip..))
        .map(|p| {
            let end = p
                .iter()
                .rposition(|&b| b != 0)
                .map_or(0, |i| i.saturating_add(1));
            p.get(..end).unwrap_or_default()
        })
        .and_then(|p| serde_json::from_slice::<Value>(p).ok())
        .is_some_and(|v| v.get(key).is_some())
}

/// Guesses who sent a packet from its content when nobody said, and how sure the guess is.
///
/// Requests from the app/cloud carry biz_codes ≥ 1000 and answers < 1000 (spec 3.7), enctype 2
/// is always app → device and the enctype-0 answers to it device → app (the SDK answers a
/// write-key request in clear text), and a 4-byte type-9 opt is the cloud's (spec 7.3.2). A
/// type-4 plaintext whose bytes 6 and 7 are not zero is JSON, which only the device sends under
/// type 4 (the answer to a type 3 / 103 request: [`lan::is_script_response`]). An answer's JSON
/// carries `code`; a heartbeat answer's 4 bytes are a known response code (spec 7.3.4). The rest
/// defaults to the more common side.
///
/// [`lan::is_script_response`]: joylink::wire::lan::is_script_response
pub fn guess_direction(
    header: &Header,
    opt: &[u8],
    plaintext: Option<&[u8]>,
) -> (Direction, Certainty) {
    use Certainty::{Likely, Rule};
    use Direction::{FromDevice as Up, ToDevice as Down};
    use PacketType as T;
    let biz = plaintext
        .and_then(|p| p.get(4..8))
        .and_then(|b| b.first_chunk::<4>())
        .map(|b| u32::from_le_bytes(*b));
    let by_biz = |b: Option<u32>| match b {
        Some(b) if b >= 1000 => (Down, Rule),
        Some(_) => (Up, Rule),
        None => (Down, Likely),
    };
    match (header.magic, header.packet_type) {
        (Magic::Lan, T::Scan) => {
            // Only the device's answer carries its public key (spec 6.3.1), and only a
            // gateway's answer listing its sub-devices grows past one datagram (spec 3.2).
            if header.is_fragment() {
                (Up, Likely)
            } else if doc_has(plaintext, 0, "devkey") {
                (Up, Rule)
            } else if doc_has(plaintext, 0, "code") {
                (Up, Likely)
            } else {
                (Down, Likely)
            }
        }
        (Magic::Lan, T::WriteKey | T::SubDevAuth) => {
            if header.enc_type == EncType::Ecdh {
                (Down, Rule)
            } else {
                (Up, Rule)
            }
        }
        (Magic::Lan, T::ScriptControl) => match plaintext {
            Some(p) if !wire::lan::is_script_response(p) => (Up, Rule),
            _ => by_biz(biz),
        },
        (Magic::Lan, T::SubDevScriptControl) => by_biz(biz),
        (Magic::Lan, T::AddSubDev) => {
            let is_req = plaintext
                .and_then(|p| p.get(4..))
                .and_then(|p| serde_json::from_slice::<Value>(p).ok())
                .is_some_and(|v| v.get("cmd").is_some());
            if is_req { (Down, Likely) } else { (Up, Likely) }
        }
        (Magic::Lan, _) => (Down, Likely),
        (Magic::Wan, T::Auth) => {
            if opt.len() == 4 {
                (Down, Rule)
            } else {
                (Up, Rule)
            }
        }
        (Magic::Wan, T::Timer) => match biz {
            // Device reports (1097–1101 and the spec aliases) and the replies 190–196.
            Some(1097..=1101 | 1907..=1909 | 10100 | 10101 | 190..=196) => (Up, Rule),
            Some(_) => (Down, Rule),
            None => (Down, Likely),
        },
        (Magic::Wan, T::CloudControl | T::SubDevControl | T::SubDevUnbind) => by_biz(biz),
        (Magic::Wan, T::Heartbeat) => {
            // Both are 8 bytes: `version ‖ rssi` up, a response code down (spec 7.3.3/7.3.4).
            let code = plaintext
                .and_then(|p| p.get(4..8))
                .and_then(|b| b.first_chunk::<4>())
                .map(|b| ResponseCode::from(i32::from_le_bytes(*b)));
            if code.is_some_and(|c| !matches!(c, ResponseCode::Unknown(_))) {
                (Down, Likely)
            } else {
                (Up, Likely)
            }
        }
        (Magic::Wan, T::OtaOrder) => {
            if doc_has(plaintext, 4, "code") {
                (Up, Likely)
            } else {
                (Down, Likely)
            }
        }
        (Magic::Wan, T::VideoRequest) => (Down, Likely),
        (Magic::Wan, T::Upload | T::SubDevUpload) => {
            // The cloud's answers are short fixed records (spec 7.3.6, 7.3.18).
            let short = plaintext.is_some_and(|p| p.len() == 8);
            if short && header.packet_type == T::Upload {
                (Down, Likely)
            } else {
                (Up, Likely)
            }
        }
        (Magic::Wan, _) => (Up, Likely),
    }
}

/// One piece of a larger message (spec 3.2 total/index), its bytes as they are.
fn fragment(mut ins: Inspection, plaintext: Vec<u8>) -> Inspection {
    let header = ins.header;
    // One piece of a larger message (spec 3.2 total/index): the body is only readable once
    // the fragments are reassembled, so it is shown as bytes.
    ins.body = Some(Body {
        kind: "fragment".into(),
        timestamp: None,
        json: json!({
            "kind": "fragment",
            "total": header.total,
            "index": header.index,
            "message_id": header.reserved,
            "data_hex": hex::encode(&plaintext),
        }),
        biz_code: None,
        inner_error: None,
    });
    ins.plaintext = Some(plaintext);
    ins
}

/// Takes a packet apart.
///
/// # Errors
/// The wire error when the bytes are not a packet at all (short, bad magic, length mismatch):
/// nothing else can be shown then.
pub fn inspect(
    bytes: &[u8],
    keys: &Keys,
    direction: Option<Direction>,
) -> Result<Inspection, wire::Error> {
    let decoded = wire::parse(bytes, CrcPolicy::Report)?;
    let header = decoded.header;
    let crc_computed = {
        let mut c = wire::Crc16::new();
        c.update(decoded.opt);
        c.update(decoded.payload);
        c.finish()
    };
    let opt = decoded.opt.to_vec();
    let mut ins = Inspection {
        len: bytes.len(),
        header,
        crc_computed,
        opt_typed: type_opt(&header, &opt),
        opt,
        key_mode: "none",
        direction: direction.unwrap_or(Direction::ToDevice),
        direction_source: if direction.is_some() {
            DirectionSource::Given
        } else {
            DirectionSource::Guessed
        },
        plaintext: None,
        body: None,
        problem: None,
        ambiguous: None,
    };
    ins.key_mode = match (header.enc_type, header.magic) {
        (EncType::None, _) => "none",
        (EncType::Static, _) => "static",
        (EncType::Ecdh, _) => "ecdh",
        (EncType::PreShared, Magic::Lan) => "localkey",
        (EncType::PreShared, Magic::Wan) => "accesskey",
        (EncType::SessionKey, _) => "sessionkey",
        _ => "unknown",
    };
    if header.is_fragment() && header.enc_type != EncType::None {
        // compat §16.4: an encrypted fragment carries a slice of the *ciphertext* (JD's
        // Linux/gateway SDK cuts the sealed payload into 1024-byte slices): it opens only once
        // the fragments are joined, so it is shown as bytes, undecrypted.
        if direction.is_none() {
            ins.direction = guess_direction(&header, &ins.opt, None).0;
        }
        return Ok(fragment(ins, decoded.payload.to_vec()));
    }
    let secret: SharedSecret;
    let mode = match header.enc_type {
        EncType::None => Mode::None,
        EncType::Static => Mode::Static,
        EncType::Ecdh => {
            let peer = PublicKey::from_bytes(decoded.opt);
            match (&keys.key_pair, peer) {
                (Some(pair), Ok(peer)) => {
                    secret = pair.private_key().diffie_hellman(&peer);
                    Mode::Ecdh(&secret)
                }
                (None, _) => return Ok(missing(ins, "--private-key")),
                (Some(_), Err(e)) => {
                    ins.problem = Some(Problem::Decrypt(format!("opt is no public key: {e}")));
                    return Ok(guessed(ins));
                }
            }
        }
        EncType::PreShared => match (header.magic, &keys.local_key, &keys.access_key) {
            (Magic::Lan, Some(k), _) => Mode::LocalKey(k),
            (Magic::Wan, _, Some(k)) => Mode::AccessKey(k),
            (m, _, _) => return Ok(missing(ins, key_needed(m, header.enc_type))),
        },
        EncType::SessionKey => match &keys.session_key {
            Some(k) => Mode::Session(k),
            None => return Ok(missing(ins, "--sessionkey")),
        },
        other => {
            ins.problem = Some(Problem::UnknownEncType(other.value()));
            return Ok(guessed(ins));
        }
    };
    let mut buf = bytes.to_vec();
    // The CRC was reported above, and the enctype picked the key: open whatever it says.
    let options = OpenOptions::new()
        .enc_type(EncTypeCheck::Ignore)
        .timestamp(false);
    let opened = PartialParse::new(&mut buf, CrcPolicy::Ignore)
        .map_err(joylink::crypto::Error::from)
        .and_then(|p| open(p, &mode, options));
    let plaintext = match opened {
        Ok(p) => p.plaintext.to_vec(),
        Err(e) => {
            ins.problem = Some(Problem::Decrypt(e.to_string()));
            return Ok(guessed(ins));
        }
    };
    let certainty = match direction {
        Some(_) => Certainty::Rule,
        None => {
            let (d, c) = guess_direction(&header, &ins.opt, Some(&plaintext));
            ins.direction = d;
            c
        }
    };
    if header.is_fragment() {
        return Ok(fragment(ins, plaintext));
    }
    let parse = |d: Direction| {
        body::to_json(
            header.magic,
            header.packet_type,
            header.enc_type,
            d,
            &plaintext,
            &ins.opt,
            keys,
        )
    };
    let mut parsed = parse(ins.direction);
    if direction.is_none() {
        // Try the other reading too: the bytes decide when only one parses, and a guess that
        // only a likely shape made is reported as ambiguous rather than shown as certain.
        let other_dir = other(ins.direction);
        let other_parse = parse(other_dir);
        match (&parsed, other_parse) {
            (Err(_), Ok(b)) => {
                ins.direction = other_dir;
                parsed = Ok(b);
            }
            (Ok(a), Ok(b)) if a.kind != b.kind && certainty == Certainty::Likely => {
                ins.ambiguous = Some(Alternative {
                    direction: other_dir,
                    kind: b.kind,
                });
            }
            _ => {}
        }
    }
    match parsed {
        Ok(b) => {
            // A sub-device key that does not open the inner layer is a wrong key, like an
            // outer one: the body is still shown, with the reason.
            if let Some(e) = &b.inner_error {
                ins.problem = Some(Problem::Decrypt(e.clone()));
            } else if looks_random(&b) {
                ins.problem = Some(Problem::Decrypt(
                    "the plaintext is no body: an unknown biz_code and binary data".into(),
                ));
            }
            ins.body = Some(b);
        }
        Err(e) => ins.problem = Some(Problem::Body(format!("{e:#}"))),
    }
    ins.plaintext = Some(plaintext);
    Ok(ins)
}

fn guessed(mut ins: Inspection) -> Inspection {
    if ins.direction_source == DirectionSource::Guessed {
        ins.direction = guess_direction(&ins.header, &ins.opt, None).0;
    }
    ins
}

/// Whether a binary body reads as noise: with no MAC, a wrong key passes the padding check
/// about once in 256 tries, and the struct layouts then accept any bytes. Every shipped peer
/// sends a named biz_code (spec 3.7) with text (JSON or a script's) after it, so an unknown
/// biz_code in front of non-text bytes is reported as a wrong key rather than shown as a
/// message.
fn looks_random(body: &Body) -> bool {
    let unknown_biz = matches!(body.biz_code, Some(BizCode::Unknown(_)));
    // A sub-device body's inner layer is ciphertext, binary by design.
    let binary = !body.kind.starts_with("subdev_")
        && ["cmd_hex", "resp_hex", "data_hex"]
            .iter()
            .any(|k| body.json.get(*k).is_some());
    unknown_biz && binary
}

/// The opposite direction.
fn other(d: Direction) -> Direction {
    match d {
        Direction::ToDevice => Direction::FromDevice,
        Direction::FromDevice => Direction::ToDevice,
    }
}

fn missing(mut ins: Inspection, key: &'static str) -> Inspection {
    ins.problem = Some(Problem::MissingKey(key));
    guessed(ins)
}
