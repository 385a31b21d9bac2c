//! Benches for the crypto layer: `open` and `seal` of whole packets beside raw `aes`+`cbc` on the
//! same bytes (the physical reference), and one ECDH key agreement on secp160r1.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use aes::Aes128;
use cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use joylink_crypto::{KeyIv, Mode, OpenOptions, PrivateKey, SessionKey, open, seal, sealed_len};
use joylink_wire::{CrcPolicy, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse};
use std::hint::black_box;

const SIZES: [usize; 3] = [64, 256, 1024];

fn body(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + 7) as u8).collect()
}

fn header() -> Header {
    Header::new(Magic::Wan, PacketType::Upload, EncType::SessionKey)
}

fn open_bench(c: &mut Criterion) {
    let key = SessionKey::new(
        *b"0123456789abcdef\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10",
    );
    let mode = Mode::Session(&key);
    let kiv = KeyIv::from_session_key(&key);
    let mut g = c.benchmark_group("crypto/open");
    for len in SIZES {
        let b = body(len);
        let mut packet = vec![0u8; sealed_len(&mode, 0, 4 + len)];
        packet[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&1_700_000_000u32.to_le_bytes());
        packet[HEADER_LEN + 4..HEADER_LEN + 4 + len].copy_from_slice(&b);
        let n = seal(&header(), &mode, 0, 4 + len, &mut packet).unwrap();
        packet.truncate(n);
        let ciphertext = packet[HEADER_LEN..].to_vec();
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(format!("open/{len}"), |bch| {
            bch.iter_batched_ref(
                || packet.clone(),
                |buf| {
                    let p = PartialParse::new(buf, CrcPolicy::Verify).unwrap();
                    let o = open(p, black_box(&mode), OpenOptions::new()).unwrap();
                    black_box(o.body().len());
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function(format!("open_crc_ignored/{len}"), |bch| {
            bch.iter_batched_ref(
                || packet.clone(),
                |buf| {
                    let p = PartialParse::new(buf, CrcPolicy::Ignore).unwrap();
                    let o = open(p, black_box(&mode), OpenOptions::new()).unwrap();
                    black_box(o.body().len());
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function(format!("raw_aes_cbc_decrypt/{len}"), |bch| {
            bch.iter_batched_ref(
                || ciphertext.clone(),
                |buf| {
                    let dec = cbc::Decryptor::<Aes128>::new(
                        black_box(kiv.raw_secret_key()).into(),
                        kiv.raw_secret_iv().into(),
                    );
                    let pt = dec.decrypt_padded::<Pkcs7>(buf).unwrap();
                    black_box(pt.len());
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn seal_bench(c: &mut Criterion) {
    let key = SessionKey::new([0x5a; 32]);
    let mode = Mode::Session(&key);
    let kiv = KeyIv::from_session_key(&key);
    let mut g = c.benchmark_group("crypto/seal");
    for len in SIZES {
        let b = body(len);
        let mut out = vec![0u8; sealed_len(&mode, 0, 4 + len)];
        let mut plain = vec![0u8; 4 + len];
        plain[4..].copy_from_slice(&b);
        let mut raw = vec![0u8; out.len() - HEADER_LEN];
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(format!("seal/{len}"), |bch| {
            bch.iter(|| {
                // Lay the plaintext out in place (the copy every seal starts with), then seal.
                out[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&1_700_000_000u32.to_le_bytes());
                out[HEADER_LEN + 4..HEADER_LEN + 4 + len].copy_from_slice(black_box(&b));
                seal(&header(), black_box(&mode), 0, 4 + len, &mut out).unwrap()
            })
        });
        g.bench_function(format!("raw_aes_cbc_encrypt/{len}"), |bch| {
            bch.iter(|| {
                raw[..plain.len()].copy_from_slice(black_box(&plain));
                let enc = cbc::Encryptor::<Aes128>::new(
                    black_box(kiv.raw_secret_key()).into(),
                    kiv.raw_secret_iv().into(),
                );
                enc.encrypt_padded::<Pkcs7>(&mut raw, plain.len())
                    .unwrap()
                    .len()
            })
        });
    }
    g.finish();
}

fn ecdh_bench(c: &mut Criterion) {
    let d = PrivateKey::from_bytes(&[0x11; 20]).unwrap();
    let peer = PrivateKey::from_bytes(&[0x22; 20])
        .unwrap()
        .public_key()
        .to_compressed();
    let mut g = c.benchmark_group("crypto/ecdh");
    g.bench_function("agree (decode peer key + d·Q)", |bch| {
        bch.iter(|| {
            let q = joylink_crypto::PublicKey::from_bytes(black_box(&peer)).unwrap();
            black_box(d.diffie_hellman(&q))
        })
    });
    g.bench_function("public_key (d·G)", |bch| {
        bch.iter(|| black_box(&d).public_key())
    });
    g.finish();
}

criterion_group!(benches, open_bench, seal_bench, ecdh_bench);
criterion_main!(benches);
