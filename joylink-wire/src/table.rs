//! The one table of what a packet carries: for a (network, packet type, direction), the kind of
//! body, the `enctype` a shipped peer sends it with, and whether the plaintext starts with the
//! 4-byte timestamp.
//!
//! Sending sides pick the enctype from it, receiving sides check the header's enctype against it
//! (a shipped device drops a LAN request whose enctype is not the expected one) and know from it
//! how long a plaintext must at least be, the CLI shows and defaults from it and the C ABI exposes
//! it. It is the only place these rules are written down (spec 3.6 and chapter 4 for the
//! enctypes; spec 4.3/4.4 "[4 个字节时间戳]" for the timestamp).
//!
//! The rules, in words:
//! - LAN discovery (type 1) travels in clear both ways, without a timestamp (spec 6.3.1).
//! - LAN write-key (2) and sub-device auth (102) requests use ECDH (enctype 2); their answers
//!   travel in clear without a timestamp. compat: the shipped SDK answers in clear although the
//!   spec's table lists enctype 2 for both directions.
//! - Every other LAN packet uses the localkey (enctype 3), with a timestamp.
//! - WAN auth (type 9) uses the accesskey (enctype 3); every other WAN packet the session key
//!   (enctype 4, which the spec's table omits and every shipped SDK uses). Every WAN plaintext
//!   starts with its timestamp (the first field of each struct).
//!
//! ```
//! use joylink_wire::table::{self, BodyKind};
//! use joylink_wire::{Direction, EncType, Magic, PacketType};
//!
//! let e = table::lookup(Magic::Lan, PacketType::WriteKey, Direction::FromDevice);
//! assert_eq!((e.enc_type, e.timestamp, e.body), (EncType::None, false, BodyKind::Json));
//! let e = table::lookup(Magic::Wan, PacketType::Heartbeat, Direction::ToDevice);
//! assert_eq!((e.enc_type, e.timestamp), (EncType::SessionKey, true));
//! assert_eq!(e.min_plaintext_len(), 4);
//! ```

use crate::{Direction, EncType, Magic, PacketType};

/// Length of the timestamp prefix of a plaintext (spec 4.4 "[4 个字节时间戳]", 6.3.x "小端在前":
/// a `u32`, little-endian; compat §5). The one definition: joylink-crypto re-exports it.
pub const TIMESTAMP_LEN: usize = 4;

/// How the plaintext after the timestamp (or all of it, without one) is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyKind {
    /// JSON text (the LAN bodies of chapter 6).
    Json,
    /// A binary struct of fixed fields, possibly with a variable tail (WAN bodies, LAN 104). On the
    /// WAN, exactly the (type, direction) pairs [`WanMessage`](crate::wan::WanMessage) declares.
    Struct,
    /// LAN type 4 from the device: either the answer to a script control (a struct) or the
    /// answer to a type 3/103 JSON control (JSON), which shipped devices send as type 4; the bytes
    /// decide ([`lan::is_script_response`](crate::lan::is_script_response)).
    StructOrJson,
    /// LAN type 4 to the device: a script control struct.
    ScriptStruct,
    /// A type without a body layout in this crate: bytes as they are.
    Opaque,
}

/// One declared message of [`WanMessage`](crate::wan::WanMessage) or `lan::Message` (feature
/// `json`): the stable name tools print and read, the header type a peer sends it with and who
/// sends it.
///
/// The lists are `WanMessage::KINDS` and `lan::Message::KINDS`, generated with the enums from
/// one declaration per message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageKind {
    /// The message's snake_case name (`"heartbeat"`, `"json_control"`), stable.
    pub name: &'static str,
    /// The header type a peer sends it with.
    pub packet_type: PacketType,
    /// Who sends it; `None` when the body tells (type 13 carries both directions).
    pub direction: Option<Direction>,
}

/// What one (network, packet type, direction) carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The body layout.
    pub body: BodyKind,
    /// The enctype a shipped peer sends it with (and a shipped receiver insists on, LAN).
    pub enc_type: EncType,
    /// Whether the plaintext starts with the 4-byte little-endian timestamp.
    pub timestamp: bool,
}

impl Entry {
    /// The shortest plaintext a well-formed packet can have: 4 with a timestamp, else 0.
    #[must_use]
    pub const fn min_plaintext_len(&self) -> usize {
        if self.timestamp { TIMESTAMP_LEN } else { 0 }
    }
}

/// Looks up what a packet of `packet_type`, sent on `magic`'s network in `direction`, carries.
/// Total: an unknown type gets the network's default (LAN: localkey with a timestamp; WAN: the
/// session key) and [`BodyKind::Opaque`].
#[must_use]
pub const fn lookup(magic: Magic, packet_type: PacketType, direction: Direction) -> Entry {
    match magic {
        Magic::Lan => lan(packet_type, direction),
        Magic::Wan => wan(packet_type, direction),
    }
}

const fn lan(packet_type: PacketType, direction: Direction) -> Entry {
    use Direction::{FromDevice, ToDevice};
    const fn e(body: BodyKind, enc_type: EncType, timestamp: bool) -> Entry {
        Entry {
            body,
            enc_type,
            timestamp,
        }
    }
    match (packet_type, direction) {
        (PacketType::Scan, _) => e(BodyKind::Json, EncType::None, false),
        (PacketType::WriteKey | PacketType::SubDevAuth, ToDevice) => {
            e(BodyKind::Json, EncType::Ecdh, true)
        }
        (PacketType::WriteKey | PacketType::SubDevAuth, FromDevice) => {
            e(BodyKind::Json, EncType::None, false)
        }
        (PacketType::JsonControl | PacketType::SubDevJsonControl | PacketType::AddSubDev, _) => {
            e(BodyKind::Json, EncType::PreShared, true)
        }
        (PacketType::ScriptControl, ToDevice) => {
            e(BodyKind::ScriptStruct, EncType::PreShared, true)
        }
        (PacketType::ScriptControl, FromDevice) => {
            e(BodyKind::StructOrJson, EncType::PreShared, true)
        }
        (PacketType::SubDevScriptControl, _) => e(BodyKind::Struct, EncType::PreShared, true),
        _ => e(BodyKind::Opaque, EncType::PreShared, true),
    }
}

const fn wan(packet_type: PacketType, direction: Direction) -> Entry {
    let enc_type = match packet_type {
        PacketType::Auth => EncType::PreShared,
        _ => EncType::SessionKey,
    };
    // A (type, direction) has a body layout exactly when `WanMessage` declares a message for
    // it: 14, 200 and 201 travel one way only.
    let body = if declared(crate::wan::WanMessage::KINDS, packet_type, direction) {
        BodyKind::Struct
    } else {
        BodyKind::Opaque
    };
    Entry {
        body,
        enc_type,
        timestamp: true,
    }
}

/// Whether one of `kinds` travels in `packet_type` sent in `direction` (`const`: a loop, not an
/// iterator).
const fn declared(kinds: &[MessageKind], packet_type: PacketType, direction: Direction) -> bool {
    let mut rest = kinds;
    while let [first, tail @ ..] = rest {
        let same_direction = match first.direction {
            None => true,
            Some(d) => matches!(
                (d, direction),
                (Direction::ToDevice, Direction::ToDevice)
                    | (Direction::FromDevice, Direction::FromDevice)
            ),
        };
        if first.packet_type.value() == packet_type.value() && same_direction {
            return true;
        }
        rest = tail;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lan_enctypes_follow_the_shipped_rules() {
        use Direction::{FromDevice, ToDevice};
        for d in [ToDevice, FromDevice] {
            assert_eq!(
                lookup(Magic::Lan, PacketType::Scan, d).enc_type,
                EncType::None
            );
            assert!(!lookup(Magic::Lan, PacketType::Scan, d).timestamp);
            for t in [
                PacketType::JsonControl,
                PacketType::ScriptControl,
                PacketType::SubDevJsonControl,
                PacketType::SubDevScriptControl,
                PacketType::AddSubDev,
                PacketType::from(77),
            ] {
                let e = lookup(Magic::Lan, t, d);
                assert_eq!((e.enc_type, e.timestamp), (EncType::PreShared, true), "{t}");
            }
        }
        for t in [PacketType::WriteKey, PacketType::SubDevAuth] {
            assert_eq!(lookup(Magic::Lan, t, ToDevice).enc_type, EncType::Ecdh);
            assert_eq!(lookup(Magic::Lan, t, FromDevice).enc_type, EncType::None);
            assert_eq!(lookup(Magic::Lan, t, FromDevice).min_plaintext_len(), 0);
        }
    }

    #[test]
    fn wan_uses_the_accesskey_only_for_auth() {
        for n in 0..=255u8 {
            let t = PacketType::from(n);
            for d in [Direction::ToDevice, Direction::FromDevice] {
                let e = lookup(Magic::Wan, t, d);
                let want = if t == PacketType::Auth {
                    EncType::PreShared
                } else {
                    EncType::SessionKey
                };
                assert_eq!(e.enc_type, want, "{t}");
                assert!(e.timestamp);
            }
        }
    }

    /// The table and the message declarations agree: a (type, direction) has a body layout in
    /// the table exactly when the network's `parse` gives it a typed message (an empty plaintext
    /// then fails to parse instead of landing in `Other`), on both networks, for all 256 types.
    #[test]
    fn table_and_message_declarations_agree() {
        for n in 0..=255u8 {
            let t = PacketType::from(n);
            for d in [Direction::ToDevice, Direction::FromDevice] {
                let wan_typed = !matches!(
                    crate::wan::WanMessage::parse(t, &[], d),
                    Ok(crate::wan::WanMessage::Other { .. })
                );
                let wan_body = lookup(Magic::Wan, t, d).body;
                assert_eq!(wan_typed, wan_body != BodyKind::Opaque, "wan {t} {d:?}");
                #[cfg(feature = "json")]
                {
                    let lan_typed = !matches!(
                        crate::lan::parse(t, &[], d),
                        Ok(crate::lan::Message::Other { .. })
                    );
                    let lan_body = lookup(Magic::Lan, t, d).body;
                    assert_eq!(lan_typed, lan_body != BodyKind::Opaque, "lan {t} {d:?}");
                }
            }
        }
    }

    /// The LAN arms of the table agree with the body type of every `lan::Message` row: the
    /// timestamp where the body's shape has one, JSON where the body is JSON (type 4 from the
    /// device may be either), a struct where it is binary, and enctype 0 exactly for the bodies
    /// without a timestamp (compat §5).
    #[cfg(feature = "json")]
    #[test]
    fn lan_table_agrees_with_each_rows_body_type() {
        for k in crate::lan::Message::KINDS {
            let d = k.direction.unwrap();
            let e = lookup(Magic::Lan, k.packet_type, d);
            let (json, timestamp) = crate::lan::Message::body_layout(k.name).unwrap();
            assert_eq!(e.timestamp, timestamp, "{}", k.name);
            assert_eq!(e.enc_type == EncType::None, !timestamp, "{}", k.name);
            let body_ok = match e.body {
                BodyKind::Json => json,
                BodyKind::Struct | BodyKind::ScriptStruct => !json,
                BodyKind::StructOrJson => true,
                BodyKind::Opaque => false,
            };
            assert!(body_ok, "{}: table {:?}, body json {json}", k.name, e.body);
        }
    }

    /// Each network's names are unique snake_case, `"other"` is not one of them, and
    /// `from_name` finds each declared message by its name.
    #[test]
    fn message_names_are_unique_and_found() {
        fn check(kinds: &[MessageKind], from_name: fn(&str) -> Option<MessageKind>) {
            for (i, k) in kinds.iter().enumerate() {
                assert!(
                    k.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{}",
                    k.name
                );
                assert_ne!(k.name, "other");
                assert!(
                    kinds.iter().skip(i + 1).all(|o| o.name != k.name),
                    "{}",
                    k.name
                );
                assert_eq!(from_name(k.name), Some(*k));
            }
            assert_eq!(from_name("other"), None);
        }
        check(
            crate::wan::WanMessage::KINDS,
            crate::wan::WanMessage::from_name,
        );
        #[cfg(feature = "json")]
        check(crate::lan::Message::KINDS, crate::lan::Message::from_name);
    }
}
