//! Secrets stay secret: the `Debug` output of every body, struct and message that carries a key
//! (the session key of WAN type 9, the accesskey/localkey of LAN types 2 and 102, the video
//! response's access_key) shows no key byte, in text, hex or decimal; equality still compares keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink_test_vectors::{assert_redacted, debug_both as both};
use joylink_wire::wan::{AuthResponse, AuthResponseBody, WanMessage};
use joylink_wire::{Direction, PacketType, Secret};

#[test]
fn session_key_in_auth_response_view_and_message() {
    let key: [u8; 32] = core::array::from_fn(|i| 0x80 | (i as u8 * 7));
    let mut bytes = [0u8; 40];
    bytes[..8].copy_from_slice(&[1, 0, 0, 0, 2, 0, 0, 0]);
    bytes[8..].copy_from_slice(&key);

    let a = AuthResponse::parse(&bytes).unwrap();
    assert_redacted("AuthResponse", &both(&a), &key);
    assert_redacted(
        "AuthResponseBody",
        &both(&AuthResponseBody::new_checked(&bytes[..]).unwrap()),
        &key,
    );
    let m = WanMessage::parse(PacketType::Auth, &bytes, Direction::ToDevice).unwrap();
    assert_redacted("WanMessage", &both(&m), &key);
    assert_eq!(m, WanMessage::AuthResponse(a.clone()));
    assert_eq!(a.session_key, Secret::new(key));
    assert_ne!(a.session_key, Secret::new([0; 32]));
}

#[cfg(feature = "json")]
mod json {
    use super::*;
    use joylink_wire::lan::{self, Message, SubDevAuthData, WriteKeyData};
    use joylink_wire::wan::VideoResponse;

    const ACCESS: &str = "Zq9XWv3kPm7TtY2hRb8NcL4dFg6JsA1e";
    const LOCAL: &str = "uK5rHy0oQe8ZiV3bWx7CnM2jLp9GsD4f";

    fn plaintext(json: &str) -> Vec<u8> {
        let mut p = 0x5f5e_1000_u32.to_le_bytes().to_vec();
        p.extend_from_slice(json.as_bytes());
        p
    }

    #[test]
    fn write_key_request_hides_both_keys() {
        // One key escaped, so that an owned (unescaped) copy is covered as well.
        let json = format!(
            r#"{{"data":{{"feedid":"123","accesskey":"{ACCESS}","localkey":"\u{LOCAL_FIRST}{}"}}}}"#,
            &LOCAL[1..],
            LOCAL_FIRST = format_args!("{:04x}", u32::from(LOCAL.as_bytes()[0]))
        );
        let p = plaintext(&json);
        let m = lan::parse(PacketType::WriteKey, &p, Direction::ToDevice).unwrap();
        let text = both(&m);
        assert!(
            text.contains("123"),
            "non-secret fields still print: {text}"
        );
        assert_redacted("WriteKey access", &text, ACCESS.as_bytes());
        assert_redacted("WriteKey local", &text, LOCAL.as_bytes());
        let Message::WriteKeyRequest(t) = &m else {
            panic!("{m:?}")
        };
        assert_eq!(t.body.data.accesskey.raw_secret_str(), ACCESS);
        assert_eq!(t.body.data.localkey.raw_secret_str(), LOCAL);
        // Equality compares the keys (a borrowed and an unescaped text are equal).
        assert_eq!(t.body.data, WriteKeyData::new("123", ACCESS, LOCAL));
        assert_ne!(t.body.data, WriteKeyData::new("123", LOCAL, ACCESS));
        // And the request re-encodes the keys themselves.
        let again = m.emit().unwrap();
        assert!(
            std::str::from_utf8(&again).unwrap().contains(ACCESS),
            "encoding must carry the key"
        );
    }

    #[test]
    fn subdev_auth_request_hides_both_keys() {
        // A fresh value for the comparison: the documents are invariant in their lifetime, so
        // the one compared with `back` must borrow as long as `back` borrows `p`.
        fn message<'a>() -> Message<'a> {
            let data = SubDevAuthData::new("9", ACCESS, LOCAL, "P1", "M1");
            Message::SubDevAuthRequest(lan::Timestamped {
                timestamp: 7,
                body: lan::SubDevAuthRequest { data },
            })
        }
        let m = message();
        let p = m.emit().unwrap();
        let back = lan::parse(PacketType::SubDevAuth, &p, Direction::ToDevice).unwrap();
        assert_eq!(back, message());
        for v in [both(&m), both(&back)] {
            assert!(v.contains("M1"), "{v}");
            assert_redacted("SubDevAuth access", &v, ACCESS.as_bytes());
            assert_redacted("SubDevAuth local", &v, LOCAL.as_bytes());
        }
    }

    #[test]
    fn video_response_hides_access_key() {
        let json = format!(
            r#"{{"result":0,"control_resp":"ok","resolution":[240],"attribute":{{}},"device":{{"feed_id":"1294902345","access_key":"{ACCESS}"}}}}"#
        );
        let r = VideoResponse::parse(json.as_bytes()).unwrap();
        assert_eq!(r.device.access_key.raw_secret_str(), ACCESS);
        let text = both(&r);
        assert!(text.contains("1294902345"), "{text}");
        assert_redacted("VideoResponse", &text, ACCESS.as_bytes());
    }
}
