//! Benches for the wire layer: header parse, packet decode with CRC verify, emit, frame decoding,
//! each beside its physical reference (a memcpy of the same bytes, a raw CRC).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use joylink_wire::{
    CrcPolicy, EncType, FrameDecoder, FrameStatus, HEADER_LEN, Header, Magic, PacketType, crc16,
    emit, parse,
};
use std::hint::black_box;

const PAYLOAD_LEN: usize = 256;

fn packet() -> Vec<u8> {
    let header = Header::new(Magic::Wan, PacketType::Upload, EncType::SessionKey);
    let payload: Vec<u8> = (0..PAYLOAD_LEN).map(|i| (i * 31 + 7) as u8).collect();
    let mut buf = vec![0u8; HEADER_LEN + PAYLOAD_LEN];
    emit(&header, &[], &payload, &mut buf).unwrap();
    buf
}

fn header(c: &mut Criterion) {
    let bytes = packet();
    let mut g = c.benchmark_group("wire/header");
    g.throughput(Throughput::Bytes(HEADER_LEN as u64));
    g.bench_function("parse/16", |b| {
        b.iter(|| Header::parse(black_box(&bytes[..HEADER_LEN])).unwrap())
    });
    let h = Header::parse(&bytes).unwrap();
    let mut out = [0u8; HEADER_LEN];
    g.bench_function("emit/16", |b| {
        b.iter(|| black_box(&h).emit(black_box(&mut out)).unwrap())
    });
    g.bench_function("memcpy/16", |b| {
        b.iter(|| out.copy_from_slice(black_box(&bytes[..HEADER_LEN])))
    });
    g.finish();
}

fn packet_decode(c: &mut Criterion) {
    let bytes = packet();
    let len = bytes.len();
    let mut g = c.benchmark_group("wire/packet");
    g.throughput(Throughput::Bytes(len as u64));
    g.bench_function("decode_verify/272", |b| {
        b.iter(|| parse(black_box(&bytes), CrcPolicy::Verify).unwrap())
    });
    g.bench_function("decode_ignore/272", |b| {
        b.iter(|| parse(black_box(&bytes), CrcPolicy::Ignore).unwrap())
    });
    let d = parse(&bytes, CrcPolicy::Verify).unwrap();
    let mut out = vec![0u8; len];
    g.bench_function("emit/272", |b| {
        b.iter(|| emit(&d.header, d.opt, black_box(d.payload), black_box(&mut out)).unwrap())
    });
    g.bench_function("crc16_raw/256", |b| {
        b.iter(|| crc16(black_box(&bytes[HEADER_LEN..])))
    });
    let catalog = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);
    g.bench_function("crc_crate_table/256", |b| {
        b.iter(|| catalog.checksum(black_box(&bytes[HEADER_LEN..])))
    });
    g.bench_function("memcpy/272", |b| {
        b.iter(|| out.copy_from_slice(black_box(&bytes)))
    });
    g.finish();
}

fn frame_decoder(c: &mut Criterion) {
    let one = packet();
    let stream: Vec<u8> = one.iter().cycle().take(one.len() * 16).copied().collect();
    let mut storage = vec![0u8; 1400];
    let mut g = c.benchmark_group("wire/frame");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("feed_1460_chunks/4352", |b| {
        b.iter(|| {
            let mut dec = FrameDecoder::new(&mut storage);
            let mut n = 0;
            for chunk in black_box(&stream).chunks(1460) {
                let mut input = chunk;
                while let FrameStatus::Complete { frame, rest } = dec.feed(input).unwrap() {
                    n += frame.len();
                    input = rest;
                }
            }
            n
        })
    });
    let mut copy = vec![0u8; stream.len()];
    g.bench_function("memcpy/4352", |b| {
        b.iter(|| copy.copy_from_slice(black_box(&stream)))
    });
    g.finish();
}

criterion_group!(benches, header, packet_decode, frame_decoder);
criterion_main!(benches);
