//! Random faults (breaks, black holes, latency, replays) interleaved with cloud commands: both
//! ends settle into agreeing states and no control is applied twice.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink_session::wan::sim::Pair;
use joylink_session::wan::{CloudState, DeviceConfig, DeviceState};
use joylink_wire::BizCode;
use joylink_wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, ExpText, Task, TaskBody, TaskHead, TaskSource, TaskState,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Run(u64),
    Break,
    Control,
    Latency(u64),
    MuteCloud(bool),
    MuteDevice(bool),
    Replay(usize),
    AddTimer(i32),
    DeleteTimer(i32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..90_000).prop_map(Op::Run),
        1 => Just(Op::Break),
        4 => Just(Op::Control),
        1 => (1u64..4_000).prop_map(Op::Latency),
        1 => any::<bool>().prop_map(Op::MuteCloud),
        1 => any::<bool>().prop_map(Op::MuteDevice),
        3 => any::<usize>().prop_map(Op::Replay),
        1 => (1i32..5).prop_map(Op::AddTimer),
        1 => (1i32..5).prop_map(Op::DeleteTimer),
    ]
}

static CMD: [Cmd<'static>; 1] = [Cmd(b"power=1")];

fn task(id: i32) -> Task<'static> {
    Task {
        version: 0,
        label: Some(joylink_wire::wan::timer::Label::default()),
        body: TaskBody::Base(BaseTask {
            head: TaskHead {
                id,
                state: TaskState::Started,
                source: TaskSource::User,
            },
            exp: ExpText(b"0_*/5_*_*_*_*_*"),
            cmds: CmdTrank::new(&CMD),
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn faults_never_apply_a_control_twice_and_both_ends_agree(
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let cfg = DeviceConfig::new(
            "1234567890123456",
            "ABCDEF",
            "25e35c9691ee91296facd5d28a4822bc".parse().unwrap(),
        ).unwrap();
        let mut p = Pair::new(cfg, seed);
        let mut issued = Vec::new();
        for op in ops {
            match op {
                Op::Run(ms) => p.run_for(ms),
                Op::Break => p.break_connection(),
                Op::Control => {
                    if let Ok(s) = p.cloud.control(p.now, BizCode::Control, b"{}", &mut p.cloud_tx) {
                        issued.push(s);
                    }
                }
                Op::Latency(ms) => p.latency_ms = ms,
                Op::MuteCloud(m) => p.cloud_muted = m,
                Op::MuteDevice(m) => p.device_muted = m,
                Op::Replay(i) => {
                    // Odd: a captured control (type 11) of this connection; even: any packet.
                    let current: Vec<Vec<u8>> = p
                        .captured
                        .iter()
                        .filter(|(c, f)| *c == p.connections && (i % 2 == 0 || f[9] == 11))
                        .map(|(_, f)| f.clone())
                        .collect();
                    if !current.is_empty() {
                        let f = current[i % current.len()].clone();
                        p.inject_to_device(&f);
                    }
                }
                Op::AddTimer(id) => {
                    let _ = p.cloud.add_timer(p.now, &task(id), &mut p.cloud_tx);
                }
                Op::DeleteTimer(id) => {
                    let _ = p.cloud.manage_timers(p.now, BizCode::TimerDelete, &[id], &mut p.cloud_tx);
                }
            }
            p.flush();
        }
        // Heal the network; a fresh connection makes the device report its tasks (1101).
        p.cloud_muted = false;
        p.device_muted = false;
        p.latency_ms = 20;
        p.break_connection();
        p.run_for(30_000);

        prop_assert_eq!(p.device.state(), DeviceState::Online);
        prop_assert_eq!(p.cloud.state(), CloudState::Online);
        prop_assert_eq!(p.device.session_key().cloned(), p.cloud.session_key());
        let applied = p.applied();
        for w in applied.windows(2) {
            prop_assert!(w[0] < w[1], "applied twice or out of order: {:?}", applied);
        }
        for s in &applied {
            prop_assert!(issued.contains(s), "applied {} that the cloud never sent", s);
        }
        let mut dev: Vec<i32> = p.device.timers().ids().collect();
        let mut cloud: Vec<i32> = p.cloud.timer_ids().collect();
        dev.sort_unstable();
        cloud.sort_unstable();
        prop_assert_eq!(dev, cloud);
    }
}
