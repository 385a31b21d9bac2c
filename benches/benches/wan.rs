//! Benches for the WAN layer: open + parse of a heartbeat and of a 1 KiB control packet beside
//! raw AES-CBC decryption of the same ciphertext (the physical reference), and the firmware
//! CRC-32 of spec 9.1 on 1 MiB beside `crc32fast`'s standard CRC-32 of the same bytes.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use aes::Aes128;
use cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use joylink_crypto::{Mode, OpenOptions, SessionKey, open, seal, sealed_len};
use joylink_wire::wan::{Control, FirmwareCrc32, Heartbeat, WanMessage, firmware_crc32};
use joylink_wire::{
    BizCode, CrcPolicy, Direction, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse,
};
use std::hint::black_box;

const KEY: [u8; 32] =
    *b"0123456789abcdef\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10";

fn sealed(ty: PacketType, plaintext: &[u8], mode: &Mode<'_>) -> Vec<u8> {
    let header = Header::new(Magic::Wan, ty, EncType::SessionKey);
    let mut buf = vec![0u8; sealed_len(mode, 0, plaintext.len())];
    buf[HEADER_LEN..HEADER_LEN + plaintext.len()].copy_from_slice(plaintext);
    let n = seal(&header, mode, 0, plaintext.len(), &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn open_parse(c: &mut Criterion) {
    let key = SessionKey::new(KEY);
    let mode = Mode::Session(&key);
    let mut hb = [0u8; 8];
    Heartbeat {
        timestamp: 1_700_000_000,
        version: 3,
        rssi: 1,
    }
    .emit(&mut hb)
    .unwrap();
    let cmd: Vec<u8> = (0..1024 - 12)
        .map(|i| b"{\"streams\":[]}"[i % 14])
        .collect();
    let ctl = Control {
        timestamp: 1_700_000_000,
        biz_code: BizCode::Control,
        serial: 7,
        data: &cmd,
    };
    let mut ctl_bytes = vec![0u8; ctl.buffer_len()];
    ctl.emit(&mut ctl_bytes).unwrap();

    let mut g = c.benchmark_group("wan/open_parse");
    for (name, ty, plaintext) in [
        ("heartbeat", PacketType::Heartbeat, &hb[..]),
        ("control", PacketType::CloudControl, &ctl_bytes[..]),
    ] {
        let packet = sealed(ty, plaintext, &mode);
        let ciphertext = packet[HEADER_LEN..].to_vec();
        let len = plaintext.len();
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(format!("{name}/{len}"), |b| {
            b.iter_batched_ref(
                || packet.clone(),
                |buf| {
                    let p = PartialParse::new(buf, CrcPolicy::Verify).unwrap();
                    let o = open(p, black_box(&mode), OpenOptions::new()).unwrap();
                    let m =
                        WanMessage::parse(o.header.packet_type, o.plaintext, Direction::ToDevice)
                            .unwrap();
                    black_box(m.buffer_len().unwrap());
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function(format!("{name}_raw_aes_cbc/{len}"), |b| {
            b.iter_batched_ref(
                || ciphertext.clone(),
                |buf| {
                    let (k, iv) = KEY.split_at(16);
                    let d = cbc::Decryptor::<Aes128>::new_from_slices(k, iv).unwrap();
                    let pt = d.decrypt_padded::<Pkcs7>(buf).unwrap();
                    black_box(pt.len());
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn firmware_crc(c: &mut Criterion) {
    let data: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut g = c.benchmark_group("wan/firmware_crc32");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("firmware_crc32/1MiB", |b| {
        b.iter(|| black_box(firmware_crc32(black_box(&data))))
    });
    g.bench_function("firmware_crc32_4k_chunks/1MiB", |b| {
        b.iter(|| {
            let mut crc = FirmwareCrc32::new();
            for chunk in black_box(&data).chunks(4096) {
                crc.update(chunk);
            }
            black_box(crc.finish())
        })
    });
    g.bench_function("crc32fast_standard/1MiB", |b| {
        b.iter(|| black_box(crc32fast::hash(black_box(&data))))
    });
    g.finish();
}

criterion_group!(benches, open_parse, firmware_crc);
criterion_main!(benches);
