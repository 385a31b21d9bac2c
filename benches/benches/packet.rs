//! The packet path of issue 20, each case beside its physical references in the same group:
//! `ours` (one-shot key: expanded per packet), `ours_prepared` (a `PreparedKey`), `ref_aes`
//! (RustCrypto `cbc` + `aes` on the same bytes, key expanded per call), `ref_aes_prepared` (the
//! same on an expanded key: the floor of a CBC packet path) and `ref_memcpy` (the copy of the
//! packet an in-place open starts with). Built with joylink-wire's `std`, so the CRC16 is the
//! carry-less-multiply one on x86_64/aarch64 (from `crc::SIMD_MIN_LEN` bytes). The `packet/crc16`
//! groups time every CRC16 implementation on the same bytes, at lengths around that threshold:
//! `simd` from the initial value (`crc_fast::checksum`), `simd_digest` from another state (a
//! `crc_fast::Digest`, which copies its parameters per call).
//!
//! `cargo bench -p joylink-benches --bench packet -- --warm-up-time 1 --measurement-time 2`
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use joylink_icount::{Fixture, SIZES};
use std::hint::black_box;

fn lan_open(c: &mut Criterion) {
    let mut f = Fixture::new();
    for size in SIZES {
        let mut g = c.benchmark_group(format!("packet/lan_open_{size}"));
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function("ours", |b| b.iter(|| black_box(f.lan_open(size, false))));
        g.bench_function("ours_prepared", |b| {
            b.iter(|| black_box(f.lan_open(size, true)))
        });
        g.bench_function("ref_aes", |b| {
            b.iter(|| black_box(f.lan_open_ref_aes(size, false)))
        });
        g.bench_function("ref_aes_prepared", |b| {
            b.iter(|| black_box(f.lan_open_ref_aes(size, true)))
        });
        g.bench_function("ref_memcpy", |b| {
            b.iter(|| black_box(f.lan_open_ref_memcpy(size)))
        });
        g.finish();
    }
}

fn lan_seal(c: &mut Criterion) {
    let mut f = Fixture::new();
    for size in SIZES {
        let mut g = c.benchmark_group(format!("packet/lan_seal_{size}"));
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function("ours", |b| b.iter(|| black_box(f.lan_seal(size, false))));
        g.bench_function("ours_prepared", |b| {
            b.iter(|| black_box(f.lan_seal(size, true)))
        });
        g.bench_function("ref_aes", |b| {
            b.iter(|| black_box(f.lan_seal_ref_aes(size, false)))
        });
        g.bench_function("ref_aes_prepared", |b| {
            b.iter(|| black_box(f.lan_seal_ref_aes(size, true)))
        });
        g.bench_function("ref_memcpy", |b| {
            b.iter(|| black_box(f.lan_open_ref_memcpy(size)))
        });
        g.finish();
    }
}

fn wan(c: &mut Criterion) {
    let mut f = Fixture::new();
    let mut g = c.benchmark_group("packet/wan_heartbeat_build");
    g.bench_function("ours", |b| {
        b.iter(|| black_box(f.wan_heartbeat_build(false)))
    });
    g.bench_function("ours_prepared", |b| {
        b.iter(|| black_box(f.wan_heartbeat_build(true)))
    });
    g.bench_function("ref_aes", |b| {
        b.iter(|| black_box(f.wan_heartbeat_ref_aes(false)))
    });
    g.bench_function("ref_aes_prepared", |b| {
        b.iter(|| black_box(f.wan_heartbeat_ref_aes(true)))
    });
    g.finish();
    let mut g = c.benchmark_group("packet/wan_type11_open_256");
    g.throughput(Throughput::Bytes(256));
    g.bench_function("ours", |b| b.iter(|| black_box(f.wan_control_open(false))));
    g.bench_function("ours_prepared", |b| {
        b.iter(|| black_box(f.wan_control_open(true)))
    });
    g.bench_function("ref_aes", |b| {
        b.iter(|| black_box(f.wan_control_ref_aes(false)))
    });
    g.bench_function("ref_aes_prepared", |b| {
        b.iter(|| black_box(f.wan_control_ref_aes(true)))
    });
    g.bench_function("ref_memcpy", |b| {
        b.iter(|| black_box(f.lan_open_ref_memcpy(256)))
    });
    g.finish();
}

fn crc16(c: &mut Criterion) {
    use joylink_wire::crc::{bitwise, simd, slice16, table256};
    let data: Vec<u8> = (0..1024u32).map(|i| ((i * 31) >> 2) as u8).collect();
    for len in [64usize, 96, 128, 160, 256, 1024] {
        let d = &data[..len];
        let mut g = c.benchmark_group(format!("packet/crc16_{len}"));
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function("picked", |b| b.iter(|| joylink_wire::crc16(black_box(d))));
        g.bench_function("simd", |b| b.iter(|| simd::update(0xFFFF, black_box(d))));
        g.bench_function("simd_digest", |b| {
            b.iter(|| simd::update(0xFFFE, black_box(d)))
        });
        g.bench_function("slice16", |b| {
            b.iter(|| slice16::update(0xFFFF, black_box(d)))
        });
        g.bench_function("table256", |b| {
            b.iter(|| table256::update(0xFFFF, black_box(d)))
        });
        g.bench_function("bitwise", |b| {
            b.iter(|| bitwise::update(0xFFFF, black_box(d)))
        });
        g.finish();
    }
}

criterion_group!(benches, lan_open, lan_seal, wan, crc16);
criterion_main!(benches);
