//! The expression parser, `next_after`, the iterator and the type-13 codec (wire's, with the
//! expression read here) allocate nothing,
//! measured with a counting global allocator.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use joylink_timer::{CivilTime, TimeExp, reconcile};
use joylink_wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, ExpText, Label, List, Task, TaskBody, TaskHead, TaskRequest,
    TaskSource, TaskState, TimerMessage,
};
use joylink_wire::{BizCode, ControlHeader, Direction};

fn assert_no_alloc(what: &str, f: impl FnOnce()) {
    let info = allocation_counter::measure(f);
    assert_eq!(info.count_total, 0, "{what} allocated: {info:?}");
}

#[test]
fn nothing_allocates() {
    let now = CivilTime::new(2025, 6, 1, 12, 0, 0).unwrap();
    assert_no_alloc("time_exp + schedule", || {
        let e = TimeExp::parse("0,30_1_22_*_*_1,3,5_2025,2026").unwrap();
        assert!(e.next_after(now, now).is_some());
        assert_eq!(e.firings(now, now).take(5).count(), 5);
    });
    let cmds = [Cmd(&[1, 2, 3])];
    let tasks = [Task {
        version: 1,
        label: Some(Label::new(b"f", b"n")),
        body: TaskBody::Base(BaseTask {
            head: TaskHead {
                id: 5,
                state: TaskState::Started,
                source: TaskSource::User,
            },
            exp: ExpText(b"0_1_22_*_*_*_*"),
            cmds: CmdTrank::new(&cmds),
        }),
    }];
    let mut buf = [0u8; 512];
    assert_no_alloc("codec", || {
        let msg = TimerMessage::Add(TaskRequest {
            preamble: ControlHeader::new(1, BizCode::TimerAdd, 2),
            tasks: List::from_slice(&tasks),
        });
        let n = msg.emit(&mut buf).unwrap();
        let back = TimerMessage::parse(&buf[..n], Direction::ToDevice).unwrap();
        let TimerMessage::Add(r) = back else { panic!() };
        let t = r.tasks.iter().next().unwrap();
        assert_eq!(t.id(), 5);
        let TaskBody::Base(b) = t.body else { panic!() };
        assert_eq!(b.cmds.cmds.iter().count(), 1);
        assert!(TimeExp::parse_bytes(b.exp.as_bytes()).is_ok());
    });
    assert_no_alloc("reconcile", || {
        let k = |id, version| joylink_timer::TaskKey { id, version };
        assert_eq!(reconcile(&[k(1, 0)], &[k(1, 1), k(2, 0)]).count(), 2);
    });
}
