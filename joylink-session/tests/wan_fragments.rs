//! compat §16.4: the cloud joins WAN fragments (JD's Linux/gateway SDK, `joylink_send_big_pkg_server`):
//! 1024-byte slices of the *ciphertext*, header and opt repeated, `reserved` = the low byte of the
//! unfragmented packet's CRC; the SDK's broken last slice (sent empty) ends as one decrypt error
//! and blocks nothing.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink_crypto::{AccessKey, Mode};
use joylink_session::wan::sim::Pair;
use joylink_session::wan::{CloudIncoming, CloudState, DeviceConfig, TxQueue};
use joylink_session::{Error, Instant};
use joylink_wire::wan::{Control, WanMessage};
use joylink_wire::{
    BizCode, CrcPolicy, EncType, HEADER_LEN, Header, Magic, Reassembler, Splitter, crc16,
};

const KEY: &str = "25e35c9691ee91296facd5d28a4822bc";

fn online() -> Pair {
    let cfg = DeviceConfig::new("1234567890123456", "ABCDEF", KEY.parse().unwrap()).unwrap();
    let mut p = Pair::new(cfg, 21);
    p.run_for(1_000);
    assert_eq!(p.cloud.state(), CloudState::Online);
    p
}

/// The device's sealed type-11 answer to `serial` with `len` bytes of JSON-ish data.
fn big_answer(p: &Pair, serial: u32, len: usize) -> (Vec<u8>, Vec<u8>) {
    let data: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
    let m = WanMessage::ControlResponse(Control {
        timestamp: 1_700_000_000,
        biz_code: BizCode::ControlResponse,
        serial,
        data: &data,
    });
    let key = p.cloud.session_key().unwrap();
    let mode = Mode::Session(&key);
    let plain_len = m.buffer_len().unwrap();
    let mut packet = vec![0u8; joylink_crypto::sealed_len(&mode, 0, plain_len)];
    m.emit(&mut packet[HEADER_LEN..HEADER_LEN + plain_len])
        .unwrap();
    let header = Header::new(Magic::Wan, m.packet_type(), EncType::SessionKey);
    let n = joylink_crypto::seal(&header, &mode, 0, plain_len, &mut packet).unwrap();
    packet.truncate(n);
    (packet, data)
}

/// The fragments the Linux SDK sends for `packet`: `broken` reproduces its empty last slice.
fn fragments(packet: &[u8], broken: bool) -> Vec<Vec<u8>> {
    let whole = joylink_wire::parse(packet, CrcPolicy::Verify).unwrap();
    let id = whole.header.crc as u8;
    let s = Splitter::new(&whole.header, whole.opt, whole.payload, id).unwrap();
    assert!(s.total() >= 2, "the answer must need fragments");
    let mut out: Vec<Vec<u8>> = s
        .map(|f| {
            let mut b = vec![0u8; f.buffer_len()];
            f.emit(&mut b).unwrap();
            b
        })
        .collect();
    for f in &out[..out.len() - 1] {
        assert_eq!(f.len(), HEADER_LEN + 1024, "1024-byte ciphertext slices");
    }
    if broken {
        let last = out.last_mut().unwrap();
        let mut h = Header::parse(last).unwrap();
        h.payload_len = 0;
        h.crc = crc16(&[]);
        *last = h.to_bytes().to_vec();
    }
    out
}

#[test]
fn fragmented_answers_are_joined_and_a_broken_one_blocks_nothing() {
    let mut p = online();
    let now = p.now;
    let mut tx = TxQueue::<16384>::new();
    let mut keys = |f: &[u8]| (f == b"1234567890123456").then(|| KEY.parse::<AccessKey>().unwrap());
    let mut storage = vec![0u8; 2 * 8192];
    let mut reasm: Reassembler<'_, (), 2> = Reassembler::new(&mut storage);

    let s1 = p
        .cloud
        .control(now, BizCode::Control, b"{}", &mut tx)
        .unwrap();
    let s2 = p
        .cloud
        .control(now, BizCode::Control, b"{}", &mut tx)
        .unwrap();
    let s3 = p
        .cloud
        .control(now, BizCode::Control, b"{}", &mut tx)
        .unwrap();
    let (good, data) = big_answer(&p, s1, 2500);
    let (bad, _) = big_answer(&p, s2, 3000);
    let (next, data3) = big_answer(&p, s3, 1500);
    let good = fragments(&good, false);
    let bad = fragments(&bad, true);
    let next = fragments(&next, false);
    assert_ne!(good[0][13], bad[0][13], "distinct message ids");

    // Interleaved, the good message in reverse order.
    let mut order: Vec<&Vec<u8>> = Vec::new();
    for (i, f) in good.iter().rev().enumerate() {
        order.push(f);
        if let Some(b) = bad.get(i) {
            order.push(b);
        }
    }
    order.extend(bad.iter().skip(good.len()));
    let (mut answered, mut broken) = (Vec::new(), 0);
    for f in order {
        let mut buf = f.clone();
        let mut rng = p.rng.clone();
        match p
            .cloud
            .handle_input(now, &mut buf, &mut reasm, &mut keys, &mut rng, &mut tx)
        {
            Ok(None) => {}
            Ok(Some(CloudIncoming::ControlResponse { serial, data, .. })) => {
                answered.push((serial, data.to_vec()));
            }
            Ok(Some(other)) => panic!("{other:?}"),
            Err(Error::Crypto(joylink_crypto::Error::Decrypt)) => broken += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(answered, vec![(s1, data)]);
    assert_eq!(broken, 1, "the broken message is one decrypt error");
    assert_eq!(reasm.in_progress(), 0, "nothing left waiting");

    // The next message goes through, even with an older message still incomplete.
    let (lost, _) = big_answer(&p, s2, 2100);
    let lost = fragments(&lost, false);
    let mut rng = p.rng.clone();
    let mut buf = lost[0].clone();
    let r = p
        .cloud
        .handle_input(now, &mut buf, &mut reasm, &mut keys, &mut rng, &mut tx)
        .unwrap();
    assert!(r.is_none());
    let mut got = None;
    for f in &next {
        let mut buf = f.clone();
        if let Some(CloudIncoming::ControlResponse { serial, data, .. }) = p
            .cloud
            .handle_input(now, &mut buf, &mut reasm, &mut keys, &mut rng, &mut tx)
            .unwrap()
        {
            got = Some((serial, data.to_vec()));
        }
    }
    assert_eq!(got, Some((s3, data3)));
    // An unfragmented packet still takes the direct path.
    let s4 = p
        .cloud
        .control(now, BizCode::Control, b"{}", &mut tx)
        .unwrap();
    let (mut small, _) = big_answer(&p, s4, 10);
    let r = p
        .cloud
        .handle_input(now, &mut small, &mut reasm, &mut keys, &mut rng, &mut tx)
        .unwrap();
    assert!(matches!(r, Some(CloudIncoming::ControlResponse { serial, .. }) if serial == s4));
    // The incomplete message expires by the caller's clock.
    assert_eq!(reasm.expire(Instant(now.0 + 60_000).0), 1);
}
