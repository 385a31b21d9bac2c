//! Property tests: parse(emit(x)) == x for every message kind with random tasks, and arbitrary
//! bytes never panic (and re-encode to themselves when they decode).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::too_many_arguments,
    missing_docs
)]

use joylink_wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, CountdownTask, CycleTask, ExpText, IdsRequest, IdsResponse, Label,
    List, PeriodTask, ReceivedResult, ReportNewResponse, ResultReport, ResultReportResponse,
    SimplifiedTaskRequest, Task, TaskBody, TaskCodeResponse, TaskHead, TaskRequest, TaskResult,
    TimerMessage,
};
use joylink_wire::{BizCode, ControlHeader, Direction, FixedText};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct OwnedTask {
    mode: u8,
    version: i32,
    feed_id: Vec<u8>,
    name: Vec<u8>,
    id: i32,
    state: u8,
    source: u8,
    exp1: Vec<u8>,
    exp2: Vec<u8>,
    small: (u8, u8, [u8; 31]),
    ints: (i32, i32, i32),
    cmds1: Vec<Vec<u8>>,
    cmds2: Vec<Vec<u8>>,
}

fn text(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1u8..=255, 0..=max)
}

fn owned_task() -> impl Strategy<Value = OwnedTask> {
    (
        (
            0u8..4,
            any::<i32>(),
            text(32),
            text(128),
            any::<i32>(),
            any::<u8>(),
            any::<u8>(),
        ),
        (
            proptest::collection::vec(any::<u8>(), 0..=127),
            proptest::collection::vec(any::<u8>(), 0..=20),
        ),
        (
            any::<u8>(),
            any::<u8>(),
            proptest::array::uniform31(any::<u8>()),
        ),
        (any::<i32>(), any::<i32>(), any::<i32>()),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 0..4),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 0..4),
    )
        .prop_map(
            |(
                (mode, version, feed_id, name, id, state, source),
                (exp1, exp2),
                small,
                ints,
                cmds1,
                cmds2,
            )| {
                OwnedTask {
                    mode,
                    version,
                    feed_id,
                    name,
                    id,
                    state,
                    source,
                    exp1,
                    exp2,
                    small,
                    ints,
                    cmds1,
                    cmds2,
                }
            },
        )
}

fn build<'a>(o: &'a OwnedTask, c1: &'a [Cmd<'a>], c2: &'a [Cmd<'a>], full: bool) -> Task<'a> {
    let head = TaskHead {
        id: o.id,
        state: o.state.into(),
        source: o.source.into(),
    };
    let body = match o.mode {
        0 => TaskBody::Base(BaseTask {
            head,
            exp: ExpText(&o.exp1),
            cmds: CmdTrank::new(c1),
        }),
        1 => TaskBody::Period(PeriodTask {
            head,
            start_exp: ExpText(&o.exp1),
            stop_exp: ExpText(&o.exp2),
            repeat_flag: o.small.0,
            period_type: o.small.1,
            period: o.small.2,
            start_cmds: CmdTrank::new(c1),
            stop_cmds: CmdTrank::new(c2),
        }),
        2 => TaskBody::Cycle(CycleTask {
            head,
            action_interval: o.ints.0,
            sleep_interval: o.ints.1,
            times: o.ints.2,
            action_cmds: CmdTrank::new(c1),
            sleep_cmds: CmdTrank::new(c2),
        }),
        _ => TaskBody::Countdown(CountdownTask {
            head,
            interval: o.ints.0,
            action_cmds: CmdTrank::new(c1),
            stop_cmds: CmdTrank::new(c2),
        }),
    };
    let label = full.then(|| Label::new(&o.feed_id, &o.name));
    Task {
        version: o.version,
        label,
        body,
    }
}

fn roundtrip(msg: &TimerMessage<'_>, dir: Direction) -> Result<(), TestCaseError> {
    let len = msg.buffer_len().unwrap();
    let mut buf = vec![0xa5; len];
    prop_assert_eq!(msg.emit(&mut buf).unwrap(), len);
    let back = TimerMessage::parse(&buf, dir).unwrap();
    prop_assert_eq!(&back, msg);
    let mut again = vec![0; len];
    back.emit(&mut again).unwrap();
    prop_assert_eq!(again, buf);
    Ok(())
}

const TASK_CODES: [(BizCode, Direction); 7] = [
    (BizCode::TimerAdd, Direction::ToDevice),
    (BizCode::TimerUpdate, Direction::ToDevice),
    (BizCode::SpecTimerUpdate, Direction::ToDevice),
    (BizCode::TimerReportAdd, Direction::FromDevice),
    (BizCode::SpecTimerReportAdd, Direction::FromDevice),
    (BizCode::TimerReportUpdate, Direction::FromDevice),
    (BizCode::SpecTimerReportUpdate, Direction::FromDevice),
];

fn every_message_kind(
    p: ControlHeader,
    ids: &[i32],
    tasks: &[Task<'_>],
    simple: &[Task<'_>],
    results: &[TaskResult],
    received: &[ReceivedResult],
    code: i32,
    dir_check: impl Fn(&TimerMessage<'_>, Direction) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    use BizCode as B;
    use Direction::{FromDevice as F, ToDevice as T};
    let pre = |b: BizCode| ControlHeader { biz_code: b, ..p };
    let code_rsp = |b| TaskCodeResponse {
        preamble: pre(b),
        code,
    };
    let ids_req = |b| IdsRequest {
        preamble: pre(b),
        ids: List::from_slice(ids),
    };
    let ids_rsp = |b| IdsResponse {
        preamble: pre(b),
        code,
        ids: Some(List::from_slice(ids)),
    };
    let msgs = [
        (TimerMessage::SupportQuery(pre(B::TimerSupport)), T),
        (
            TimerMessage::SupportResponse(code_rsp(B::TimerSupportResponse)),
            F,
        ),
        (TimerMessage::AddResponse(code_rsp(B::TimerAddResponse)), F),
        (
            TimerMessage::UpdateResponse(code_rsp(B::TimerUpdateResponse)),
            F,
        ),
        (
            TimerMessage::ReportUpdateResponse(code_rsp(B::TimerReportUpdateResponse)),
            T,
        ),
        (
            TimerMessage::ReportUpdateResponse(code_rsp(B::TimerReportUpdate)),
            T,
        ),
        (TimerMessage::Delete(ids_req(B::TimerDelete)), T),
        (TimerMessage::Query(ids_req(B::SpecTimerQuery)), T),
        (TimerMessage::Stop(ids_req(B::TimerStop)), T),
        (TimerMessage::Restart(ids_req(B::TimerRestart)), T),
        (TimerMessage::ReportDelete(ids_req(B::TimerReportDelete)), F),
        (
            TimerMessage::DeleteResponse(ids_rsp(B::TimerDeleteResponse)),
            F,
        ),
        (TimerMessage::StopResponse(ids_rsp(B::TimerStopResponse)), F),
        (
            TimerMessage::RestartResponse(ids_rsp(B::TimerRestartResponse)),
            F,
        ),
        (
            TimerMessage::ReportDeleteResponse(ids_rsp(B::TimerReportDeleteResponse)),
            T,
        ),
        (
            TimerMessage::ReportSnapshotResponse(ids_rsp(B::TimerReportSnapshotResponse)),
            T,
        ),
        (
            TimerMessage::ReportSnapshotResponse(IdsResponse {
                ids: None,
                ..ids_rsp(B::TimerReportSnapshot)
            }),
            T,
        ),
        (
            TimerMessage::ReportResult(ResultReport {
                preamble: pre(B::TimerReportResult),
                results: List::from_slice(results),
            }),
            F,
        ),
        (
            TimerMessage::ReportResultResponse(ResultReportResponse {
                preamble: pre(B::TimerReportResultResponse),
                received: List::from_slice(received),
            }),
            T,
        ),
        (
            TimerMessage::ReportAddResponse(ReportNewResponse {
                preamble: pre(B::TimerReportAddResponse),
                code,
                id: p.serial as i32,
            }),
            T,
        ),
        (
            TimerMessage::QueryResponse(SimplifiedTaskRequest {
                preamble: pre(B::TimerQueryResponse),
                feed_id: FixedText::new("feedid", b"feed"),
                tasks: List::from_slice(simple),
            }),
            F,
        ),
        (
            TimerMessage::ReportSnapshot(SimplifiedTaskRequest {
                preamble: pre(B::SpecTimerReportSnapshot),
                feed_id: FixedText::new("feedid", b""),
                tasks: List::from_slice(simple),
            }),
            F,
        ),
        (
            TimerMessage::ReportSnapshot(SimplifiedTaskRequest {
                preamble: pre(B::TimerReportSnapshot),
                feed_id: FixedText::new("feedid", &[7; 32]),
                tasks: List::from_slice(simple),
            }),
            F,
        ),
    ];
    for (m, d) in &msgs {
        dir_check(m, *d)?;
    }
    for (b, d) in TASK_CODES {
        let req = TaskRequest {
            preamble: pre(b),
            tasks: List::from_slice(tasks),
        };
        let m = match b.canonical() {
            B::TimerAdd => TimerMessage::Add(req),
            B::TimerUpdate => TimerMessage::Update(req),
            B::TimerReportAdd => TimerMessage::ReportAdd(req),
            _ => TimerMessage::ReportUpdate(req),
        };
        dir_check(&m, d)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn every_kind_roundtrips(
        owned in proptest::collection::vec(owned_task(), 0..4),
        ids in proptest::collection::vec(any::<i32>(), 0..6),
        results in proptest::collection::vec((any::<i32>(), any::<u8>(), any::<i32>()), 0..4),
        ts in any::<u32>(), serial in any::<u32>(), code in any::<i32>(),
    ) {
        let cmds: Vec<(Vec<Cmd<'_>>, Vec<Cmd<'_>>)> = owned
            .iter()
            .map(|o| (o.cmds1.iter().map(|c| Cmd(c)).collect(), o.cmds2.iter().map(|c| Cmd(c)).collect()))
            .collect();
        let full: Vec<Task<'_>> = owned.iter().zip(&cmds).map(|(o, (a, b))| build(o, a, b, true)).collect();
        let simple: Vec<Task<'_>> = owned.iter().zip(&cmds).map(|(o, (a, b))| build(o, a, b, false)).collect();
        let results: Vec<TaskResult> = results.iter().map(|&(id, step, code)| TaskResult { id, step, code }).collect();
        let received: Vec<ReceivedResult> = results.iter().map(|r| ReceivedResult { id: r.id, step: r.step }).collect();
        let p = ControlHeader::new(ts, BizCode::Unspecified, serial);
        every_message_kind(p, &ids, &full, &simple, &results, &received, code, roundtrip)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), biz in 0usize..40) {
        // Half of the cases get a timer biz_code so that the body decoders run.
        let mut bytes = bytes;
        let codes = [1090u32, 190, 1091, 191, 1092, 192, 1093, 193, 1094, 194, 1095, 195, 1096, 196, 1097, 197, 1098, 198, 1099, 199, 1100, 200, 1101, 201, 10100, 10101, 1902, 1909];
        if let (Some(c), Some(slot)) = (codes.get(biz), bytes.get_mut(4..8)) {
            slot.copy_from_slice(&c.to_le_bytes());
        }
        for dir in [Direction::ToDevice, Direction::FromDevice] {
            if let Ok(m) = TimerMessage::parse(&bytes, dir) {
                // Decode → encode → decode: same message, and no longer than the input.
                let len = m.buffer_len().unwrap();
                prop_assert!(len <= bytes.len());
                let mut buf = vec![0; len];
                m.emit(&mut buf).unwrap();
                prop_assert_eq!(TimerMessage::parse(&buf, dir).unwrap(), m);
                // Lists iterate without panicking.
                if let TimerMessage::Add(r) = m {
                    for t in r.tasks.iter() {
                        if let TaskBody::Base(b) = t.body {
                            prop_assert!(b.exp.as_bytes().len() <= 127);
                            prop_assert!(b.cmds.cmds.iter().count() <= 255);
                        }
                    }
                }
            }
        }
    }
}
