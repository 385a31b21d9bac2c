//! One `jds2pri` call through the Lua runner (the example smart-plug script: cjson.decode of the
//! spec 13.4.1 document, stream lookup, frame build) beside its physical reference, a plain
//! serde_json parse of the same document into `serde_json::Value`; and `pri2jds` of a status
//! frame beside a plain `serde_json::to_vec` of an equivalent document.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use joylink_lua_types::LuaTranslator;
use joylink_wire::BizCode;
use std::hint::black_box;

const PLUG: &[u8] = include_bytes!("../../joylink-lua-types/examples/smart_plug.lua");
const CONTROL: &str = r#"{"streams": [{"current_value": "1", "stream_id": "switch"}], "snapshot": [{"current_value": "0", "stream_id": "switch"}]}"#;
const STATUS: [u8; 15] = [
    0xA5, 0x81, 0x0B, 0x01, 0x04, 0xE7, 0x08, 0x9B, 0x02, 0x3A, 0x00, 0x01, 0xE2, 0x40, 0x60,
];

fn jds2pri(c: &mut Criterion) {
    let mut plug = LuaTranslator::new(PLUG).unwrap();
    let mut g = c.benchmark_group("lua");
    g.throughput(Throughput::Bytes(CONTROL.len() as u64));
    g.bench_function("jds2pri/control", |b| {
        b.iter(|| plug.jds2pri(BizCode::Control, black_box(CONTROL)).unwrap())
    });
    g.bench_function("serde_json_parse/control", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(CONTROL)).unwrap())
    });
    g.throughput(Throughput::Bytes(STATUS.len() as u64));
    g.bench_function("pri2jds/status", |b| {
        b.iter(|| plug.pri2jds(BizCode::Snapshot, black_box(&STATUS)).unwrap())
    });
    let doc: serde_json::Value =
        serde_json::from_slice(&plug.pri2jds(BizCode::Snapshot, &STATUS).unwrap().json).unwrap();
    g.bench_function("serde_json_emit/status", |b| {
        b.iter(|| serde_json::to_vec(black_box(&doc)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, jds2pri);
criterion_main!(benches);
