//! Arbitrary fragment streams, LAN and WAN, through `Reassembler::push`: a script of operations
//! picks fragments of a few genuine messages (split by `Splitter`, LAN 1000-byte or WAN
//! 1024-byte pieces) or forges fragment headers from the input, with losses, duplicates,
//! reordering, several senders and clock jumps. Checks: at most `N` messages in progress, every
//! packet that comes out fits one slot and decodes as a whole packet (`total = 0`) with a CRC
//! valid exactly when `crc_status` is verified, a packet made of genuine fragments is exactly its message (never
//! a mixture), and a message delivered whole in one go with no competition always comes out.
#![no_main]

use joylink_wire::{
    CrcPolicy, EncType, Header, Magic, PacketType, Reassembler, ReassemblyStatus, Splitter, emit,
    packet_len, parse,
};
use libfuzzer_sys::fuzz_target;

const N: usize = 3;
const CAP: usize = 4400;

struct Message {
    sender: u8,
    opt: Vec<u8>,
    payload: Vec<u8>,
    fragments: Vec<Vec<u8>>,
}

fn message(k: u8, sender: u8, id: u8, wan: bool, len: usize) -> Option<Message> {
    let (magic, ptype, enc) = if wan {
        (Magic::Wan, PacketType::CloudControl, EncType::SessionKey)
    } else {
        (Magic::Lan, PacketType::Scan, EncType::None)
    };
    let header = Header::new(magic, ptype, enc);
    let opt = vec![k; usize::from(k % 4)];
    let payload: Vec<u8> = (0..len).map(|i| (i as u8) ^ k.wrapping_mul(37)).collect();
    let fragments = Splitter::new(&header, &opt, &payload, id)
        .ok()?
        .map(|f| {
            let mut b = vec![0u8; f.buffer_len()];
            f.emit(&mut b).expect("fits");
            b
        })
        .collect();
    Some(Message {
        sender,
        opt,
        payload,
        fragments,
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((head, script)) = data.split_first_chunk::<8>() else {
        return;
    };
    // Up to 4 messages with distinct keys (the protocol cannot tell apart two messages with
    // the same sender, network, type and id in flight at once).
    let mut messages = Vec::new();
    let mut keys = Vec::new();
    for (k, pair) in head.chunks(2).enumerate() {
        let (x, y) = (pair[0], pair[1]);
        let key = (x & 3, y, x & 4 != 0);
        if keys.contains(&key) {
            continue;
        }
        keys.push(key);
        let len = 1025 + usize::from(x >> 3) * 100;
        if let Some(m) = message(k as u8, key.0, key.1, key.2, len) {
            messages.push(m);
        }
    }
    let mut storage = vec![0u8; N * CAP];
    let mut r: Reassembler<'_, u8, N> = Reassembler::new(&mut storage).with_timeout(1000);
    let mut now = 0u64;
    let mut outputs: Vec<(u8, Vec<u8>, Vec<u8>, bool)> = Vec::new();

    let push = |r: &mut Reassembler<'_, u8, N>,
                sender: u8,
                packet: &[u8],
                crc_ok_in: bool,
                now: u64,
                out: &mut Vec<(u8, Vec<u8>, Vec<u8>, bool)>| {
        let Ok(mut d) = parse(packet, CrcPolicy::Ignore) else {
            return;
        };
        d.crc_status = joylink_wire::CrcStatus::from_match(crc_ok_in);
        if let Ok(ReassemblyStatus::Complete(m)) = r.push(sender, &d, now) {
            assert!(m.packet.len() <= CAP);
            let whole = parse(m.packet, CrcPolicy::Report).expect("a whole packet");
            assert_eq!(whole.crc_status, m.crc_status);
            assert_eq!((whole.header.total, whole.header.index), (0, 0));
            out.push((
                m.sender,
                whole.opt.to_vec(),
                whole.payload.to_vec(),
                m.crc_status.is_verified(),
            ));
        }
        assert!(r.in_progress() <= N);
    };

    let all: Vec<(u8, &Vec<u8>)> = messages
        .iter()
        .flat_map(|m| m.fragments.iter().map(move |f| (m.sender, f)))
        .collect();
    for op in script.chunks(4) {
        let &[a, b, c, d] = op else { break };
        now = now.wrapping_add(u64::from(c) * 8);
        if a & 0x80 != 0 {
            // A forged fragment, sender 200, from the input bytes.
            let mut h = Header::new(
                if a & 1 == 0 { Magic::Lan } else { Magic::Wan },
                PacketType::from_value(a & 0x0f),
                EncType::None,
            );
            (h.total, h.index, h.reserved) = (b, d, c);
            let len = usize::from(d) * 5;
            let payload = vec![0xeeu8; len];
            let mut buf = vec![0u8; packet_len(0, len).expect("small")];
            emit(&h, &[], &payload, &mut buf).expect("fits");
            push(&mut r, 200, &buf, b & 1 == 0, now, &mut outputs);
        } else if a & 0x40 != 0 {
            let _ = r.expire(now);
        } else if !all.is_empty() {
            let (s, p) = all[usize::from(u16::from_le_bytes([b, d])) % all.len()];
            push(&mut r, s, p, true, now, &mut outputs);
        }
    }
    // Every genuine message delivered whole in one go, with no competition, comes out.
    for m in &messages {
        let before = outputs.len();
        for f in &m.fragments {
            push(&mut r, m.sender, f, true, now, &mut outputs);
        }
        assert!(
            outputs[before..]
                .iter()
                .any(|o| o.0 == m.sender && o.1 == m.opt && o.2 == m.payload),
            "a message delivered whole did not come out"
        );
    }
    for (sender, opt, payload, _) in &outputs {
        if *sender != 200 {
            assert!(
                messages
                    .iter()
                    .any(|m| m.sender == *sender && &m.opt == opt && &m.payload == payload),
                "a mixture came out"
            );
        } else {
            assert!(opt.is_empty() && payload.iter().all(|b| *b == 0xee));
        }
    }
});
