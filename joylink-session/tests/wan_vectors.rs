//! The device machine's packets equal the golden vectors given the vectors' inputs.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink_crypto::{AccessKey, Mode, seal};

/// Lays `opt ‖ plaintext` out after the header and seals it with the one `seal`.
fn seal_payload(
    header: &Header,
    mode: &Mode<'_>,
    opt: &[u8],
    plaintext: &[u8],
    buf: &mut [u8],
) -> Result<usize, joylink_crypto::Error> {
    let start = 16 + opt.len();
    buf[16..start].copy_from_slice(opt);
    buf[start..start + plaintext.len()].copy_from_slice(plaintext);
    seal(header, mode, opt.len(), plaintext.len(), buf)
}
use joylink_session::Instant;
use joylink_session::wan::{Device, DeviceConfig, DeviceState, Event};
use joylink_test_vectors::{Value, by_id, hex_field, u64_field, vectors};
use joylink_wire::{EncType, Header, Magic, PacketType};

/// An "RNG" that returns the vector's random number: the machine must put exactly what it drew.
struct Fixed(u32);

impl rand_core::TryRng for Fixed {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.0)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(u64::from(self.0))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.fill(0);
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Fixed {}

fn text(v: &Value, k: &str) -> &'static str {
    Box::leak(v[k].as_str().unwrap().to_owned().into_boxed_str())
}

fn drain(d: &mut Device) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    while let Some(n) = d.poll_transmit(&mut buf) {
        out.extend_from_slice(&buf[..n]);
    }
    out
}

#[test]
fn auth_requests_equal_the_vectors() {
    let list = vectors("wan_packets.json");
    let mut checked = 0;
    for v in list
        .iter()
        .filter(|v| v["header"]["type"] == 9 && v["direction"] == "device_to_cloud")
    {
        let key: AccessKey = v["key"]["key_string"].as_str().unwrap().parse().unwrap();
        let cfg = DeviceConfig::new(text(v, "feedid"), "ABCDEF", key).unwrap();
        let mut d: Device = Device::new(cfg);
        let now = Instant(5_000);
        d.set_unix_time(now, u64_field(&v["device_time"]) as u32);
        d.connected(now, &mut Fixed(u64_field(&v["random"]) as u32))
            .unwrap();
        assert_eq!(
            hex::encode(drain(&mut d)),
            v["packet"].as_str().unwrap(),
            "{}",
            v["id"]
        );
        checked += 1;
    }
    assert!(checked >= 2, "the vectors cover the auth request");
}

#[test]
fn heartbeat_equals_the_vector() {
    let list = vectors("wan_packets.json");
    let v = by_id(&list, "wan-06");
    let access: AccessKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
    let mut cfg = DeviceConfig::new("1234567890123456", "ABCDEF", access.clone()).unwrap();
    cfg.version = v["version"].as_u64().unwrap() as u16;
    cfg.rssi = v["rssi"].as_u64().unwrap() as u16;
    let mut d: Device = Device::new(cfg);
    let t0 = Instant(0);
    d.connected(t0, &mut Fixed(1)).unwrap();
    drain(&mut d);

    // The cloud's answer carrying the vector's session key (spec 7.3.2).
    let session = hex_field(&v["key"]["session_key"]);
    let mut plain = vec![0u8; 8];
    plain[..4].copy_from_slice(&1_600_000_000u32.to_le_bytes());
    plain[4..8].copy_from_slice(&7u32.to_le_bytes());
    plain.extend_from_slice(&session);
    let header = Header::new(Magic::Wan, PacketType::Auth, EncType::PreShared);
    let mut pkt = [0u8; 128];
    let n = seal_payload(
        &header,
        &Mode::AccessKey(&access),
        &7u32.to_le_bytes(),
        &plain,
        &mut pkt,
    )
    .unwrap();
    assert_eq!(d.handle_packet(t0, &mut pkt[..n]).unwrap(), None);
    assert_eq!(d.state(), DeviceState::Online);
    assert_eq!(d.poll_event(), Some(Event::Authenticated));

    let due = d.poll_timeout().unwrap();
    d.set_unix_time(due, u64_field(&v["device_time"]) as u32);
    d.handle_timeout(due).unwrap();
    let out = drain(&mut d);
    let expected = hex_field(&v["packet"]);
    assert_eq!(
        hex::encode(&out[..expected.len()]),
        v["packet"].as_str().unwrap()
    );
    // With the first heartbeat of a session without an upload comes the task table (1101).
    assert_eq!(out[expected.len() + 9], 13);
}

#[test]
fn tampered_auth_answer_is_refused() {
    let access: AccessKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
    let cfg = DeviceConfig::new("1234567890123456", "ABCDEF", access.clone()).unwrap();
    let mut d: Device = Device::new(cfg);
    d.connected(Instant(0), &mut Fixed(1)).unwrap();
    let mut plain = vec![0u8; 40];
    plain[4] = 7;
    let header = Header::new(Magic::Wan, PacketType::Auth, EncType::PreShared);
    let mut pkt = [0u8; 128];
    // opt says 8, payload says 7 (spec 7.3.2 注).
    let n = seal_payload(
        &header,
        &Mode::AccessKey(&access),
        &8u32.to_le_bytes(),
        &plain,
        &mut pkt,
    )
    .unwrap();
    assert!(d.handle_packet(Instant(0), &mut pkt[..n]).is_err());
    assert_eq!(d.state(), DeviceState::Authenticating);
    assert!(d.session_key().is_none());
}

#[test]
fn undecoded_types_reach_the_application_with_their_plaintext() {
    let access: AccessKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
    let cfg = DeviceConfig::new("1234567890123456", "ABCDEF", access.clone()).unwrap();
    let mut d: Device = Device::new(cfg);
    d.connected(Instant(0), &mut Fixed(1)).unwrap();
    let mut plain = vec![0u8; 8];
    plain.extend_from_slice(&[0x11; 32]);
    let header = Header::new(Magic::Wan, PacketType::Auth, EncType::PreShared);
    let mut pkt = [0u8; 128];
    let n = seal_payload(
        &header,
        &Mode::AccessKey(&access),
        &0u32.to_le_bytes(),
        &plain,
        &mut pkt,
    )
    .unwrap();
    d.handle_packet(Instant(0), &mut pkt[..n]).unwrap();
    let session = joylink_crypto::SessionKey::new([0x11; 32]);
    // Type 17 (model code, an SDK-only type) from the cloud.
    let header = Header::new(Magic::Wan, PacketType::ModelCode, EncType::SessionKey);
    let body = b"\x01\x00\x00\x00{}";
    let n = seal_payload(&header, &Mode::Session(&session), &[], body, &mut pkt).unwrap();
    let got = d.handle_packet(Instant(1), &mut pkt[..n]).unwrap();
    assert_eq!(
        got,
        Some(joylink_session::wan::Incoming::Other {
            packet_type: PacketType::ModelCode,
            plaintext: &body[..]
        })
    );
}
