//! Script control (type 4) through a `Translator`: the application sees the translated command,
//! the peer gets the translated answer, and a command the translator refuses reaches nobody.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use joylink_crypto::{KeyPair, LocalKey, Mode};
use joylink_session::lan::{
    Activation, Device, DeviceInfo, Event, FixedStr, SocketAddr, Translator,
};
use joylink_session::{DropReason, Error, Instant, Result};
use joylink_test_vectors::TestRng;
use joylink_wire::{BizCode, Control, EncType, Header, Magic, PacketType};

const LOCALKEY: &str = "be4d957a4da771d609ab383e548014a0";

/// A toy translator: the one-byte private command `0x01` is `{"power":1}`; JSON answers become
/// private bytes by a prefix. Records the biz_codes it was called with.
#[derive(Default)]
struct Toy {
    seen: Vec<BizCode>,
}

impl Translator for Toy {
    fn pri2jds(&mut self, biz: BizCode, bin: &[u8], out: &mut [u8]) -> Result<(usize, BizCode)> {
        self.seen.push(biz);
        let json: &[u8] = match bin {
            [1] => br#"{"power":1}"#,
            _ => return Err(Error::Dropped(DropReason::Untranslatable)),
        };
        out.get_mut(..json.len())
            .ok_or(Error::Capacity)?
            .copy_from_slice(json);
        Ok((json.len(), biz))
    }

    fn jds2pri(&mut self, biz: BizCode, cmd: &[u8], out: &mut [u8]) -> Result<usize> {
        self.seen.push(biz);
        let n = cmd.len() + 1;
        let o = out.get_mut(..n).ok_or(Error::Capacity)?;
        o[0] = 0xAA;
        o[1..].copy_from_slice(cmd);
        Ok(n)
    }
}

fn peer() -> SocketAddr {
    "192.168.1.10:5000".parse().unwrap()
}

fn device() -> Device {
    let mut dev: Device = Device::new(KeyPair::generate(&mut TestRng(3)), DeviceInfo::default());
    dev.set_activation(Some(Activation {
        feed_id: FixedStr::new("7882708419766653").unwrap(),
        accesskey: "961745eaa28c7ff6854b94a91ce19a91".parse().unwrap(),
        localkey: LOCALKEY.parse().unwrap(),
        server: FixedStr::EMPTY,
    }));
    dev
}

/// A type-4 request: timestamp, biz_code 1002, serial, `cmd`, sealed with the localkey.
fn script(ts: u32, serial: u32, cmd: &[u8]) -> Vec<u8> {
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let mode = Mode::LocalKey(&key);
    let body = Control {
        timestamp: ts,
        biz_code: BizCode::Control,
        serial,
        data: cmd,
    };
    let header = Header::new(Magic::Lan, PacketType::ScriptControl, EncType::PreShared);
    let mut buf = vec![0u8; joylink_crypto::sealed_len(&mode, 0, body.buffer_len())];
    let len = body.emit(&mut buf[16..]).unwrap();
    let n = joylink_crypto::seal(&header, &mode, 0, len, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Opens the device's answer and returns its plaintext.
fn open_answer(dev: &mut Device) -> Vec<u8> {
    let mut out = [0u8; 1400];
    let (_, n) = dev.poll_transmit(&mut out).unwrap();
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let packet =
        joylink_wire::PartialParse::new(&mut out[..n], joylink_wire::CrcPolicy::Verify).unwrap();
    let opened = joylink_crypto::open(
        packet,
        &Mode::LocalKey(&key),
        joylink_crypto::OpenOptions::new().timestamp(true),
    )
    .unwrap();
    opened.plaintext.to_vec()
}

#[test]
fn the_application_sees_and_answers_in_its_own_form() {
    let mut dev = device();
    let mut pkt = script(10, 7, &[1]);
    let mut scratch = [0u8; 64];
    let mut toy = Toy::default();
    let got = dev
        .handle_translated(Instant(0), peer(), &mut pkt, &mut toy, &mut scratch)
        .unwrap();
    let Some(Event::Request(r)) = got else {
        panic!("{got:?}");
    };
    assert_eq!(r.body, br#"{"power":1}"#);
    let (id, kind) = (r.id, r.kind);
    let mut out = [0u8; 64];
    dev.respond_translated(id, kind, Instant(1), br#"{"code":0}"#, &mut toy, &mut out)
        .unwrap();
    // Both directions see the request's biz_code (1002, control).
    assert_eq!(toy.seen, [BizCode::Control, BizCode::Control]);
    let plain = open_answer(&mut dev);
    // timestamp, biz_code 102, serial 7, then the translated answer.
    assert_eq!(&plain[4..8], &102u32.to_le_bytes());
    assert_eq!(&plain[8..12], &7u32.to_le_bytes());
    assert_eq!(&plain[12..], b"\xAA{\"code\":0}");
}

#[test]
fn a_refused_command_reaches_nobody_and_sends_nothing() {
    let mut dev = device();
    let mut pkt = script(10, 7, &[9]);
    let mut scratch = [0u8; 64];
    let got = dev.handle_translated(
        Instant(0),
        peer(),
        &mut pkt,
        &mut Toy::default(),
        &mut scratch,
    );
    assert_eq!(got, Err(Error::Dropped(DropReason::Untranslatable)));
    let mut out = [0u8; 1400];
    assert_eq!(dev.poll_transmit(&mut out), None);
}

#[test]
fn without_a_translator_the_body_is_the_wire_bytes() {
    let mut dev = device();
    let mut pkt = script(10, 7, &[1]);
    let Some(Event::Request(r)) = dev.handle(Instant(0), peer(), &mut pkt).unwrap() else {
        panic!()
    };
    assert_eq!(r.body, [1]);
}
