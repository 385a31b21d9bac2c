//! Benches for the timer layer: `time_exp` parsing (beside a byte scan of the same text),
//! `next_after` for firings one second and two years away (beside one civil-time step), and the
//! type-13 codec (beside a memcpy of the same bytes).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use joylink_timer::TimeExp;
use joylink_wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, ExpText, Label, List, Task, TaskBody, TaskHead, TaskRequest,
    TaskSource, TaskState, TimerMessage,
};
use joylink_wire::{BizCode, ControlHeader, Direction};

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("timer/time_exp");
    for (name, text) in [
        ("example2", "0_1_22_*_*_1,3,5_*"),
        (
            "lists",
            "0,15,30,45_0,10,20,30,40,50_8,12,18_1,11,21_1,4,7,10_1,2,3,4,5_2025,2026,2027",
        ),
    ] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("parse/{name}"), |b| {
            b.iter(|| TimeExp::parse(black_box(text)).unwrap())
        });
        g.bench_function(format!("scan/{name}"), |b| {
            b.iter(|| black_box(text).bytes().filter(|c| *c == b'_').count())
        });
    }
    let e = TimeExp::parse("0_1_22_*_*_1,3,5_*").unwrap();
    g.bench_function("display/example2", |b| b.iter(|| black_box(&e).to_string()));
    g.finish();
}

fn next_after(c: &mut Criterion) {
    let now = joylink_timer::CivilTime::new(2025, 6, 1, 12, 0, 0).unwrap();
    let mut g = c.benchmark_group("timer/next_after");
    for (name, text) in [
        ("every_second", "*_*_*_*_*_*_*"),
        ("daily_22h01", "0_1_22_*_*_*_*"),
        ("2y_fixed_year", "0_0_12_1_6_*_2027"),
        ("2y_interval", "*_*_*_*_*_*_/2"),
        ("feb29_2y9m", "0_0_0_29_2_*_*"),
    ] {
        let e = TimeExp::parse(text).unwrap();
        let next = e.next_after(now, now).unwrap();
        eprintln!("{name}: {text} after {now} -> {next}");
        g.bench_function(name, |b| {
            b.iter(|| black_box(&e).next_after(black_box(now), black_box(now)))
        });
    }
    g.bench_function("reference/civil_succ", |b| b.iter(|| black_box(now).succ()));
    g.finish();
}

fn codec(c: &mut Criterion) {
    let cmds = [Cmd(&[0xaa, 0x55, 0x01, 0x02])];
    let tasks = [Task {
        version: 1,
        label: Some(Label::new(b"123456789012345678", b"lamp")),
        body: TaskBody::Base(BaseTask {
            head: TaskHead {
                id: 5,
                state: TaskState::Started,
                source: TaskSource::User,
            },
            exp: ExpText(b"0_1_22_*_*_1,3,5_*"),
            cmds: CmdTrank::new(&cmds),
        }),
    }; 4];
    let msg = TimerMessage::Add(TaskRequest {
        preamble: ControlHeader::new(1, BizCode::TimerAdd, 2),
        tasks: List::from_slice(&tasks),
    });
    let len = msg.buffer_len().unwrap();
    let mut bytes = vec![0u8; len];
    msg.emit(&mut bytes).unwrap();
    let mut out = vec![0u8; len];
    let mut g = c.benchmark_group("timer/message");
    g.throughput(Throughput::Bytes(len as u64));
    g.bench_function(format!("parse/add4/{len}"), |b| {
        b.iter(|| TimerMessage::parse(black_box(&bytes), Direction::ToDevice).unwrap())
    });
    g.bench_function(format!("parse_iter/add4/{len}"), |b| {
        b.iter(|| {
            let TimerMessage::Add(r) =
                TimerMessage::parse(black_box(&bytes), Direction::ToDevice).unwrap()
            else {
                unreachable!()
            };
            r.tasks.iter().map(|t| t.id()).sum::<i32>()
        })
    });
    g.bench_function(format!("emit/add4/{len}"), |b| {
        b.iter(|| black_box(&msg).emit(black_box(&mut out)).unwrap())
    });
    g.bench_function(format!("memcpy/{len}"), |b| {
        b.iter(|| out.copy_from_slice(black_box(&bytes)))
    });
    g.finish();
}

criterion_group!(benches, parse, next_after, codec);
criterion_main!(benches);
