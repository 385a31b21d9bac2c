//! Every timer biz_code, both directions: a byte layout written by hand from spec 10 (field by
//! field, packed little-endian, compat §7.11), decoded and re-encoded.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use joylink_wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, CountdownTask, CycleTask, ExpText, IdsRequest, IdsResponse, Label,
    List, PeriodTask, ReceivedResult, ReportNewResponse, ResultReport, ResultReportResponse,
    SimplifiedTaskRequest, Task, TaskBody, TaskCodeResponse, TaskHead, TaskRequest, TaskResult,
    TaskSource, TaskState, TimerMessage,
};
use joylink_wire::{BizCode, ControlHeader, Direction, Error, FixedText};

/// Hex pieces, concatenated (whitespace ignored).
fn h(parts: &[&str]) -> Vec<u8> {
    let s: String = parts.concat().split_whitespace().collect();
    hex::decode(s).unwrap()
}
fn ascii_padded(s: &str, n: usize) -> String {
    let mut out = hex::encode(s);
    out.push_str(&"00".repeat(n - s.len()));
    out
}

/// timestamp 0x01020304, serial 7; the biz_code bytes are written out per test.
const TS: &str = "04030201";
const SERIAL: &str = "07000000";

fn pre(biz: BizCode) -> ControlHeader {
    ControlHeader::new(0x0102_0304, biz, 7)
}

/// Checks: parse(bytes) == msg, emit(msg) == bytes, emit into a short buffer fails untouched.
fn check(bytes: &[u8], dir: Direction, msg: TimerMessage<'_>) {
    let parsed = TimerMessage::parse(bytes, dir).unwrap();
    assert_eq!(parsed, msg);
    assert_eq!(msg.buffer_len().unwrap(), bytes.len());
    let mut buf = vec![0xa5u8; bytes.len() + 3];
    let n = msg.emit(&mut buf).unwrap();
    assert_eq!(&buf[..n], bytes);
    assert_eq!(&buf[n..], &[0xa5; 3]);
    // Re-encoding the parsed form gives the same bytes.
    let n2 = parsed.emit(&mut buf).unwrap();
    assert_eq!(&buf[..n2], bytes);
    let mut short = vec![0xa5u8; bytes.len() - 1];
    assert_eq!(
        msg.emit(&mut short),
        Err(Error::BufferTooSmall {
            needed: bytes.len(),
            available: bytes.len() - 1
        })
    );
    assert!(short.iter().all(|b| *b == 0xa5));
    // Every strict prefix is rejected, never panics.
    for cut in 0..bytes.len() {
        let _ = TimerMessage::parse(&bytes[..cut], dir);
    }
}

fn head(id: i32, state: TaskState, source: TaskSource) -> TaskHead {
    TaskHead { id, state, source }
}

const CMD: [Cmd<'static>; 1] = [Cmd(&[0xaa, 0x55])];
const NO_CMDS: CmdTrank<'static> = CmdTrank::new(&[]);

fn base_task() -> Task<'static> {
    Task {
        version: 1,
        label: Some(Label::new(b"abc", b"lamp")),
        body: TaskBody::Base(BaseTask {
            head: head(5, TaskState::Started, TaskSource::User),
            exp: ExpText(b"0_1_22_*_*_*_*"),
            cmds: CmdTrank::new(&CMD),
        }),
    }
}
/// base_task() as spec 10 lays it out.
fn base_task_bytes() -> String {
    [
        "00000000",                     // mode 0
        "01000000",                     // version 1
        &ascii_padded("abc", 32),       // feedid[32]
        &ascii_padded("lamp", 128),     // name[128]
        "05000000",                     // id 5
        "01",                           // state 1 (start)
        "00",                           // type 0 (user)
        "0e",                           // time_exp_t.len 14
        &hex::encode("0_1_22_*_*_*_*"), // exp
        "06000000",                     // cmd_trank_t.len: one cmd_t = 4 + 2 bytes
        "01",                           // num
        "02000000 aa55",                // cmd_t {len 2, cmd}
    ]
    .concat()
}

const PERIOD: [u8; 31] = [
    1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];
const FF: [Cmd<'static>; 1] = [Cmd(&[0xff])];

fn period_task(label: Option<Label<'static>>) -> Task<'static> {
    Task {
        version: 0,
        label,
        body: TaskBody::Period(PeriodTask {
            head: head(6, TaskState::Stopped, TaskSource::Panel),
            start_exp: ExpText(b"0_0_8_*_*_*_*"),
            stop_exp: ExpText(b"0_0_9_*_*_*_*"),
            repeat_flag: 1,
            period_type: 0,
            period: PERIOD,
            start_cmds: NO_CMDS,
            stop_cmds: CmdTrank::new(&FF),
        }),
    }
}
fn period_tail() -> String {
    [
        "06000000", // id
        "00",       // state stop
        "02",       // type panel
        "0d",
        &hex::encode("0_0_8_*_*_*_*"),
        "0d",
        &hex::encode("0_0_9_*_*_*_*"),
        "01", // repeat_flag
        "00", // period_type week
        &("01".repeat(7) + &"00".repeat(24)),
        "00000000 00",             // start trank: len 0, num 0
        "05000000 01 01000000 ff", // stop trank: len 5, num 1, cmd {1, ff}
    ]
    .concat()
}

fn cycle_task(label: Option<Label<'static>>) -> Task<'static> {
    Task {
        version: 2,
        label,
        body: TaskBody::Cycle(CycleTask {
            head: head(0, TaskState::Started, TaskSource::Remote),
            action_interval: 60,
            sleep_interval: 30,
            times: 3,
            action_cmds: CmdTrank::new(&CMD),
            sleep_cmds: NO_CMDS,
        }),
    }
}
fn cycle_tail() -> &'static str {
    "00000000 01 01 3c000000 1e000000 03000000 06000000 01 02000000 aa55 00000000 00"
}

fn countdown_task(label: Option<Label<'static>>) -> Task<'static> {
    Task {
        version: 7,
        label,
        body: TaskBody::Countdown(CountdownTask {
            head: head(9, TaskState::Started, TaskSource::User),
            interval: 600,
            action_cmds: NO_CMDS,
            stop_cmds: NO_CMDS,
        }),
    }
}
fn countdown_tail() -> &'static str {
    "09000000 01 00 58020000 00000000 00 00000000 00"
}

#[test]
fn support_1090_and_190() {
    check(
        &h(&[TS, "42040000", SERIAL]),
        Direction::ToDevice,
        TimerMessage::SupportQuery(pre(BizCode::TimerSupport)),
    );
    check(
        &h(&[TS, "be000000", SERIAL, "00000000"]),
        Direction::FromDevice,
        TimerMessage::SupportResponse(TaskCodeResponse {
            preamble: pre(BizCode::TimerSupportResponse),
            code: 0,
        }),
    );
}

#[test]
fn add_1091_base_task_and_191() {
    let tasks = [base_task()];
    let bytes = h(&[TS, "43040000", SERIAL, "01000000", &base_task_bytes()]);
    check(
        &bytes,
        Direction::ToDevice,
        TimerMessage::Add(TaskRequest {
            preamble: pre(BizCode::TimerAdd),
            tasks: List::from_slice(&tasks),
        }),
    );
    check(
        &h(&[TS, "bf000000", SERIAL, "03000000"]),
        Direction::FromDevice,
        TimerMessage::AddResponse(TaskCodeResponse {
            preamble: pre(BizCode::TimerAddResponse),
            code: 3,
        }),
    );
    // The decoded list iterates the task and its commands without collecting.
    if let TimerMessage::Add(req) = TimerMessage::parse(&bytes, Direction::ToDevice).unwrap() {
        let t = req.tasks.iter().next().unwrap();
        assert_eq!(t.id(), 5);
        let TaskBody::Base(b) = t.body else { panic!() };
        assert_eq!(b.exp.as_bytes(), b"0_1_22_*_*_*_*");
        assert_eq!(
            b.cmds.cmds.iter().map(|c| c.0).collect::<Vec<_>>(),
            [&[0xaa, 0x55][..]]
        );
        assert_eq!(t.label.unwrap().feed_id.to_str().unwrap(), "abc");
    } else {
        panic!()
    }
}

#[test]
fn update_1092_period_task_alias_1902_and_192() {
    let label = Label::new(b"", b"");
    let tasks = [period_task(Some(label))];
    let full = ["01000000 00000000", &"00".repeat(160), &period_tail()].concat();
    let bytes = h(&[TS, "44040000", SERIAL, "01000000", &full]);
    check(
        &bytes,
        Direction::ToDevice,
        TimerMessage::Update(TaskRequest {
            preamble: pre(BizCode::TimerUpdate),
            tasks: List::from_slice(&tasks),
        }),
    );
    // spec 3.7's 1902 = 0x76e decodes as an update and keeps its number.
    let alias = h(&[TS, "6e070000", SERIAL, "01000000", &full]);
    check(
        &alias,
        Direction::ToDevice,
        TimerMessage::Update(TaskRequest {
            preamble: pre(BizCode::SpecTimerUpdate),
            tasks: List::from_slice(&tasks),
        }),
    );
    check(
        &h(&[TS, "c0000000", SERIAL, "ffffffff"]),
        Direction::FromDevice,
        TimerMessage::UpdateResponse(TaskCodeResponse {
            preamble: pre(BizCode::TimerUpdateResponse),
            code: -1,
        }),
    );
}

fn ids_req_case(
    biz: BizCode,
    hex_biz: &str,
    wrap: fn(IdsRequest<'static>) -> TimerMessage<'static>,
) {
    static IDS: [i32; 2] = [5, -1];
    let bytes = h(&[TS, hex_biz, SERIAL, "02000000 05000000 ffffffff"]);
    check(
        &bytes,
        Direction::ToDevice,
        wrap(IdsRequest {
            preamble: pre(biz),
            ids: List::from_slice(&IDS),
        }),
    );
    let all = h(&[TS, hex_biz, SERIAL, "00000000"]);
    check(
        &all,
        Direction::ToDevice,
        wrap(IdsRequest {
            preamble: pre(biz),
            ids: List::from_slice(&[]),
        }),
    );
}

fn ids_rsp_case(
    biz: BizCode,
    hex_biz: &str,
    dir: Direction,
    wrap: fn(IdsResponse<'static>) -> TimerMessage<'static>,
) {
    static IDS: [i32; 1] = [5];
    let bytes = h(&[TS, hex_biz, SERIAL, "01000000 01000000 05000000"]);
    check(
        &bytes,
        dir,
        wrap(IdsResponse {
            preamble: pre(biz),
            code: 1,
            ids: Some(List::from_slice(&IDS)),
        }),
    );
    // The SDK's 24-byte reply: ids_num 0 and one uninitialised slot (compat §9).
    let sdk = h(&[TS, hex_biz, SERIAL, "00000000 00000000 deadbeef"]);
    let m = TimerMessage::parse(&sdk, dir).unwrap();
    assert_eq!(
        m,
        wrap(IdsResponse {
            preamble: pre(biz),
            code: 0,
            ids: Some(List::from_slice(&[]))
        })
    );
    // Uninitialised ids_num: not trusted.
    let garbage = h(&[TS, hex_biz, SERIAL, "00000000 78563412 deadbeef"]);
    let m = TimerMessage::parse(&garbage, dir).unwrap();
    assert_eq!(
        m,
        wrap(IdsResponse {
            preamble: pre(biz),
            code: 0,
            ids: None
        })
    );
    check(
        &h(&[TS, hex_biz, SERIAL, "00000000"]),
        dir,
        wrap(IdsResponse {
            preamble: pre(biz),
            code: 0,
            ids: None,
        }),
    );
}

#[test]
fn delete_1093_and_193() {
    ids_req_case(BizCode::TimerDelete, "45040000", TimerMessage::Delete);
    ids_req_case(BizCode::SpecTimerDelete, "6f070000", TimerMessage::Delete);
    ids_rsp_case(
        BizCode::TimerDeleteResponse,
        "c1000000",
        Direction::FromDevice,
        TimerMessage::DeleteResponse,
    );
}

#[test]
fn query_1094_and_194() {
    ids_req_case(BizCode::TimerQuery, "46040000", TimerMessage::Query);
    ids_req_case(BizCode::SpecTimerQuery, "70070000", TimerMessage::Query);
    let tasks = [period_task(None), countdown_task(None)];
    let bytes = h(&[
        TS,
        "c2000000",
        SERIAL,
        "02000000",                  // task_num
        &ascii_padded("feed-1", 32), // feedid
        "01000000 00000000",         // mode 1, version 0
        &period_tail(),
        "03000000 07000000", // mode 3, version 7
        countdown_tail(),
    ]);
    let msg = TimerMessage::QueryResponse(SimplifiedTaskRequest {
        preamble: pre(BizCode::TimerQueryResponse),
        feed_id: FixedText::new("feedid", b"feed-1"),
        tasks: List::from_slice(&tasks),
    });
    check(&bytes, Direction::FromDevice, msg);
    // The SDK's 243-byte reply: task_num 0 then zeros (compat §9).
    let mut sdk = h(&[TS, "c2000000", SERIAL, "00000000"]);
    sdk.resize(243, 0);
    let m = TimerMessage::parse(&sdk, Direction::FromDevice).unwrap();
    let TimerMessage::QueryResponse(r) = m else {
        panic!()
    };
    assert!(r.tasks.is_empty());
    assert_eq!(r.feed_id.as_bytes(), b"");
    sdk[200] = 1;
    assert_eq!(
        TimerMessage::parse(&sdk, Direction::FromDevice),
        Err(Error::TrailingData {
            what: "simplified_time_task_req_t",
            len: 195
        })
    );
}

#[test]
fn stop_1095_restart_1096_and_replies() {
    ids_req_case(BizCode::TimerStop, "47040000", TimerMessage::Stop);
    ids_req_case(BizCode::SpecTimerStop, "71070000", TimerMessage::Stop);
    ids_rsp_case(
        BizCode::TimerStopResponse,
        "c3000000",
        Direction::FromDevice,
        TimerMessage::StopResponse,
    );
    ids_req_case(BizCode::TimerRestart, "48040000", TimerMessage::Restart);
    ids_req_case(BizCode::SpecTimerRestart, "72070000", TimerMessage::Restart);
    ids_rsp_case(
        BizCode::TimerRestartResponse,
        "c4000000",
        Direction::FromDevice,
        TimerMessage::RestartResponse,
    );
}

#[test]
fn report_result_1097_and_197() {
    static RESULTS: [TaskResult; 2] = [
        TaskResult {
            id: 5,
            step: 1,
            code: 0,
        },
        TaskResult {
            id: 6,
            step: 2,
            code: 3,
        },
    ];
    for (biz, hex_biz) in [
        (BizCode::TimerReportResult, "49040000"),
        (BizCode::SpecTimerReportResult, "73070000"),
    ] {
        let bytes = h(&[
            TS,
            hex_biz,
            SERIAL,
            "02000000",
            "05000000 01 00000000",
            "06000000 02 03000000",
        ]);
        check(
            &bytes,
            Direction::FromDevice,
            TimerMessage::ReportResult(ResultReport {
                preamble: pre(biz),
                results: List::from_slice(&RESULTS),
            }),
        );
    }
    static RECEIVED: [ReceivedResult; 1] = [ReceivedResult { id: 5, step: 1 }];
    let bytes = h(&[TS, "c5000000", SERIAL, "01000000", "05000000 01"]);
    check(
        &bytes,
        Direction::ToDevice,
        TimerMessage::ReportResultResponse(ResultReportResponse {
            preamble: pre(BizCode::TimerReportResultResponse),
            received: List::from_slice(&RECEIVED),
        }),
    );
}

#[test]
fn report_add_1098_cycle_task_and_198() {
    let label = Label::new(b"f", b"n");
    let tasks = [cycle_task(Some(label))];
    for (biz, hex_biz) in [
        (BizCode::TimerReportAdd, "4a040000"),
        (BizCode::SpecTimerReportAdd, "74070000"),
    ] {
        let bytes = h(&[
            TS,
            hex_biz,
            SERIAL,
            "01000000",
            "02000000 02000000",
            &ascii_padded("f", 32),
            &ascii_padded("n", 128),
            cycle_tail(),
        ]);
        check(
            &bytes,
            Direction::FromDevice,
            TimerMessage::ReportAdd(TaskRequest {
                preamble: pre(biz),
                tasks: List::from_slice(&tasks),
            }),
        );
    }
    check(
        &h(&[TS, "c6000000", SERIAL, "00000000", "2a000000"]),
        Direction::ToDevice,
        TimerMessage::ReportAddResponse(ReportNewResponse {
            preamble: pre(BizCode::TimerReportAddResponse),
            code: 0,
            id: 42,
        }),
    );
}

#[test]
fn report_delete_1099_and_199() {
    static IDS: [i32; 1] = [3];
    for (biz, hex_biz) in [
        (BizCode::TimerReportDelete, "4b040000"),
        (BizCode::SpecTimerReportDelete, "75070000"),
    ] {
        let bytes = h(&[TS, hex_biz, SERIAL, "01000000 03000000"]);
        check(
            &bytes,
            Direction::FromDevice,
            TimerMessage::ReportDelete(IdsRequest {
                preamble: pre(biz),
                ids: List::from_slice(&IDS),
            }),
        );
    }
    ids_rsp_case(
        BizCode::TimerReportDeleteResponse,
        "c7000000",
        Direction::ToDevice,
        TimerMessage::ReportDeleteResponse,
    );
}

#[test]
fn report_update_1100_alias_10100_and_200_alias_1100() {
    let label = Label::new(&[b'x'; 32], b"");
    let tasks = [countdown_task(Some(label))];
    for (biz, hex_biz) in [
        (BizCode::TimerReportUpdate, "4c040000"),
        (BizCode::SpecTimerReportUpdate, "74270000"),
    ] {
        let bytes = h(&[
            TS,
            hex_biz,
            SERIAL,
            "01000000",
            "03000000 07000000",
            &"78".repeat(32), // a full feedid: no NUL
            &"00".repeat(128),
            countdown_tail(),
        ]);
        check(
            &bytes,
            Direction::FromDevice,
            TimerMessage::ReportUpdate(TaskRequest {
                preamble: pre(biz),
                tasks: List::from_slice(&tasks),
            }),
        );
    }
    // What devices get back: 200; the spec's 1100 is accepted towards the device.
    check(
        &h(&[TS, "c8000000", SERIAL, "00000000"]),
        Direction::ToDevice,
        TimerMessage::ReportUpdateResponse(TaskCodeResponse {
            preamble: pre(BizCode::TimerReportUpdateResponse),
            code: 0,
        }),
    );
    check(
        &h(&[TS, "4c040000", SERIAL, "00000000"]),
        Direction::ToDevice,
        TimerMessage::ReportUpdateResponse(TaskCodeResponse {
            preamble: pre(BizCode::TimerReportUpdate),
            code: 0,
        }),
    );
}

#[test]
fn report_snapshot_1101_alias_10101_and_201_alias_1101() {
    let tasks = [base_task_simplified()];
    for (biz, hex_biz) in [
        (BizCode::TimerReportSnapshot, "4d040000"),
        (BizCode::SpecTimerReportSnapshot, "75270000"),
    ] {
        let bytes = h(&[
            TS,
            hex_biz,
            SERIAL,
            "01000000",
            &ascii_padded("feed", 32),
            "00000000 01000000 05000000 01 00 0e",
            &hex::encode("0_1_22_*_*_*_*"),
            "06000000 01 02000000 aa55",
        ]);
        check(
            &bytes,
            Direction::FromDevice,
            TimerMessage::ReportSnapshot(SimplifiedTaskRequest {
                preamble: pre(biz),
                feed_id: FixedText::new("feedid", b"feed"),
                tasks: List::from_slice(&tasks),
            }),
        );
    }
    ids_rsp_case(
        BizCode::TimerReportSnapshotResponse,
        "c9000000",
        Direction::ToDevice,
        TimerMessage::ReportSnapshotResponse,
    );
    ids_rsp_case(
        BizCode::TimerReportSnapshot,
        "4d040000",
        Direction::ToDevice,
        TimerMessage::ReportSnapshotResponse,
    );
}

fn base_task_simplified() -> Task<'static> {
    Task {
        label: None,
        ..base_task()
    }
}

#[test]
fn reply_preambles_use_device_numbers() {
    for (req, rsp) in [
        (BizCode::TimerSupport, 190),
        (BizCode::TimerAdd, 191),
        (BizCode::SpecTimerUpdate, 192),
        (BizCode::TimerReportResult, 197),
        (BizCode::SpecTimerReportUpdate, 200),
        (BizCode::SpecTimerReportSnapshot, 201),
    ] {
        assert_eq!(u32::from(pre(req).reply().biz_code), rsp);
    }
}

#[test]
fn errors() {
    // Not a timer code.
    assert_eq!(
        TimerMessage::parse(&h(&[TS, "ea030000", SERIAL]), Direction::ToDevice),
        Err(Error::OutOfRange {
            field: "timer biz_code",
            value: 1002
        })
    );
    // Short preamble.
    assert_eq!(
        TimerMessage::parse(&[1, 2, 3], Direction::ToDevice),
        Err(Error::Truncated {
            needed: 4,
            available: 3
        })
    );
    // Trailing byte after a fixed struct.
    assert_eq!(
        TimerMessage::parse(&h(&[TS, "42040000", SERIAL, "00"]), Direction::ToDevice),
        Err(Error::TrailingData {
            what: "time_task_query_t",
            len: 1
        })
    );
    // Negative count.
    assert_eq!(
        TimerMessage::parse(
            &h(&[TS, "45040000", SERIAL, "ffffffff"]),
            Direction::ToDevice
        ),
        Err(Error::OutOfRange {
            field: "ids_num",
            value: u32::MAX
        })
    );
    // Unknown mode.
    assert_eq!(
        TimerMessage::parse(
            &h(&[
                TS,
                "43040000",
                SERIAL,
                "01000000 04000000",
                &"00".repeat(16)
            ]),
            Direction::ToDevice
        ),
        Err(Error::OutOfRange {
            field: "task_t.mode",
            value: 4
        })
    );
    // cmd_trank_t.len not matching its commands.
    let mut bad = base_task_bytes();
    bad = bad.replace("060000000102000000 aa55", "070000000102000000 aa55 00");
    assert!(bad.contains("07000000"));
    assert_eq!(
        TimerMessage::parse(
            &h(&[TS, "43040000", SERIAL, "01000000", &bad]),
            Direction::ToDevice
        ),
        Err(Error::OutOfRange {
            field: "cmd_trank_t.len",
            value: 7
        })
    );
    // time_exp_t.len over 127.
    let long = base_task_bytes().replace("0e30", "8030");
    assert_eq!(
        TimerMessage::parse(
            &h(&[TS, "43040000", SERIAL, "01000000", &long]),
            Direction::ToDevice
        ),
        Err(Error::OutOfRange {
            field: "time_exp_t.len",
            value: 128
        })
    );
}

#[test]
fn encoder_validation() {
    let mut buf = [0u8; 1024];
    fn form(t: Task<'_>) -> Result<usize, Error> {
        let tasks = [t];
        TimerMessage::Add(TaskRequest {
            preamble: pre(BizCode::TimerAdd),
            tasks: List::from_slice(&tasks),
        })
        .emit(&mut [0u8; 1024])
    }
    assert_eq!(
        form(base_task_simplified()),
        Err(Error::TaskForm { expected: "full" })
    );
    let mut t = base_task();
    // A NUL inside a text is written as given (like every fixed text of the wire crate); the
    // receiver reads the text up to it.
    t.label = Some(Label::new(b"a\0b", b""));
    let n = form(t).unwrap();
    let tasks = [t];
    let mut out = [0u8; 1024];
    TimerMessage::Add(TaskRequest {
        preamble: pre(BizCode::TimerAdd),
        tasks: List::from_slice(&tasks),
    })
    .emit(&mut out)
    .unwrap();
    let TimerMessage::Add(r) = TimerMessage::parse(&out[..n], Direction::ToDevice).unwrap() else {
        panic!()
    };
    assert_eq!(
        r.tasks
            .iter()
            .next()
            .unwrap()
            .label
            .unwrap()
            .feed_id
            .as_bytes(),
        b"a"
    );
    t.label = Some(Label::new(&[b'a'; 33], b""));
    assert_eq!(
        form(t),
        Err(Error::TooLong {
            field: "feedid",
            len: 33,
            max: 32
        })
    );
    t.label = Some(Label::new(b"", &[b'n'; 129]));
    assert_eq!(
        form(t),
        Err(Error::TooLong {
            field: "name",
            len: 129,
            max: 128
        })
    );
    let long = [b'*'; 128];
    let t = Task {
        body: TaskBody::Base(BaseTask {
            head: head(1, TaskState::Started, TaskSource::User),
            exp: ExpText(&long),
            cmds: NO_CMDS,
        }),
        ..base_task()
    };
    assert_eq!(
        form(t),
        Err(Error::TooLong {
            field: "time_exp_t",
            len: 128,
            max: 127
        })
    );
    let tasks = [base_task()];
    let snap = TimerMessage::ReportSnapshot(SimplifiedTaskRequest {
        preamble: pre(BizCode::TimerReportSnapshot),
        feed_id: FixedText::new("feedid", b""),
        tasks: List::from_slice(&tasks),
    });
    assert_eq!(
        snap.emit(&mut buf),
        Err(Error::TaskForm {
            expected: "simplified"
        })
    );
    let many = [Cmd(&[]); 256];
    let t = Task {
        body: TaskBody::Base(BaseTask {
            head: head(1, TaskState::Started, TaskSource::User),
            exp: ExpText(b""),
            cmds: CmdTrank::new(&many),
        }),
        ..base_task()
    };
    assert_eq!(
        form(t),
        Err(Error::TooLong {
            field: "cmd_trank_t.num",
            len: 256,
            max: 255
        })
    );
}

#[test]
fn text_fields_full_and_non_utf8() {
    // name[128] full of 0xff (no NUL, not UTF-8): decoded as all 128 bytes; to_str reports it.
    let bytes = h(&[
        TS,
        "43040000",
        SERIAL,
        "01000000 00000000 00000000",
        &ascii_padded("ab", 32).replacen("0000", "0063", 1), // "ab\0c…": bytes after the NUL are ignored
        &"ff".repeat(128),
        "01000000 01 00 00 00000000 00",
    ]);
    let m = TimerMessage::parse(&bytes, Direction::ToDevice).unwrap();
    let TimerMessage::Add(r) = m else { panic!() };
    let t = r.tasks.iter().next().unwrap();
    let l = t.label.unwrap();
    assert_eq!(l.feed_id.as_bytes(), b"ab");
    assert_eq!(l.name.as_bytes(), &[0xff; 128][..]);
    assert_eq!(l.name.to_str(), Err(Error::InvalidUtf8 { field: "name" }));
    // Re-encoding the decoded message reproduces the received bytes (the list is kept encoded).
    let mut buf = [0u8; 512];
    let n = m.emit(&mut buf).unwrap();
    assert_eq!(&buf[..n], &bytes[..]);
    // Encoding the decoded task afresh writes the 128 bytes without a NUL, and the feedid field
    // as received (a decoded `FixedText` keeps its whole field, as in every other body), so
    // even the byte after the NUL survives.
    let fresh = [t];
    let m = TimerMessage::Add(TaskRequest {
        preamble: r.preamble,
        tasks: List::from_slice(&fresh),
    });
    let n = m.emit(&mut buf).unwrap();
    assert_eq!(n, bytes.len());
    // preamble 12 + task_num 4 + mode 4 + version 4 = 24: feedid at 24..56, name at 56..184.
    assert_eq!(&buf[56..184], &[0xff; 128][..]);
    assert_eq!(&buf[24..28], b"ab\0c");
    assert_eq!(&buf[..n], &bytes[..]);
}
