//! Runs the C firmware example (`examples/firmware.c`) against the Rust cloud machine: the C
//! program is the device (the WAN machine through the C ABI), this test is its TCP peer and
//! its clock, talking over the program's stdin/stdout (record format in the C file's header).
//! Under valgrind when it is installed (zero errors, no leak), as `c_program.rs` does.
//!
//! The flow: auth, snapshot upload, heartbeats, a cloud control applied and answered, a timer
//! task added by the cloud firing and reported, then a clean shutdown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::arithmetic_side_effects
)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

use joylink_crypto::AccessKey;
use joylink_session::Instant;
use joylink_session::wan::sim::SimRng;
use joylink_session::wan::{Cloud, CloudConfig, CloudIncoming, CloudState, Framer, TxQueue};
use joylink_wire::BizCode;
use joylink_wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, ExpText, Task, TaskBody, TaskHead, TaskSource, TaskState,
};

const FEED: &[u8] = b"1234567890123456";
const KEY: &str = "25e35c9691ee91296facd5d28a4822bc";
const START_UNIX: u32 = 1_700_000_000;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("joylink-ffi-fw");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `$JOYLINK_FFI_STATICLIB` or a fresh no_std `ffi-dev` build (as `c_program.rs`).
/// Built once per test process: the tests run in parallel and must not link a library that
/// another one is rewriting.
fn staticlib() -> PathBuf {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(build_staticlib).clone()
}

fn build_staticlib() -> PathBuf {
    if let Some(p) = std::env::var_os("JOYLINK_FFI_STATICLIB") {
        return PathBuf::from(p);
    }
    // The same build as `c_program.rs` (one target dir: cargo locks it, the second test reuses it).
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("joylink-ffi-c")
        .join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo)
        .current_dir(crate_dir())
        .args([
            "rustc",
            "-p",
            "joylink-ffi",
            "--lib",
            "--no-default-features",
            "--features",
            "full",
        ])
        .args([
            "--profile",
            "ffi-dev",
            "--crate-type",
            "staticlib",
            "--target-dir",
        ])
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS"));
    target.join("ffi-dev").join("libjoylink_ffi.a")
}

fn build(std: &str) -> PathBuf {
    build_c(
        &crate_dir().join("examples/firmware.c"),
        &format!("firmware-{std}"),
        std,
    )
}

fn build_c(source: &Path, name: &str, std: &str) -> PathBuf {
    let exe = work_dir().join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    run(Command::new(cc)
        .args([
            &format!("-std={std}"),
            "-pedantic",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-g",
            "-O1",
        ])
        .arg("-I")
        .arg(crate_dir().join("include"))
        .arg(source)
        .arg(staticlib())
        .arg("-o")
        .arg(&exe));
    exe
}

fn valgrind() -> bool {
    let mode = std::env::var("JOYLINK_FFI_VALGRIND").unwrap_or_default();
    if mode == "off" {
        return false;
    }
    let found = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(found || mode != "require", "valgrind required but missing");
    found
}

/// The C device at the end of two pipes.
struct Firmware {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    logs: Vec<String>,
    deadline: Option<u64>,
}

impl Firmware {
    fn spawn(exe: &Path) -> Self {
        let mut cmd = if valgrind() {
            let mut c = Command::new("valgrind");
            c.args([
                "--error-exitcode=1",
                "--leak-check=full",
                "--errors-for-leak-kinds=all",
                "--show-leak-kinds=all",
                "--track-origins=yes",
                "-q",
            ])
            .arg(exe);
            c
        } else {
            Command::new(exe)
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let (stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
        Firmware {
            child,
            stdin,
            stdout,
            logs: Vec::new(),
            deadline: None,
        }
    }

    /// Sends one record and returns the socket bytes the device wrote while handling it.
    fn record(&mut self, tag: u8, now: u64, bytes: &[u8]) -> Vec<u8> {
        let mut rec = vec![tag];
        rec.extend_from_slice(&now.to_le_bytes());
        rec.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        rec.extend_from_slice(bytes);
        self.stdin.write_all(&rec).unwrap();
        self.stdin.flush().unwrap();
        let mut sent = Vec::new();
        loop {
            let mut t = [0u8; 1];
            self.stdout.read_exact(&mut t).unwrap();
            match t[0] {
                b'.' => return sent,
                b'N' => {
                    let mut d = [0u8; 8];
                    self.stdout.read_exact(&mut d).unwrap();
                    let d = u64::from_le_bytes(d);
                    self.deadline = (d != u64::MAX).then_some(d);
                }
                tag @ (b'D' | b'L') => {
                    let mut n = [0u8; 4];
                    self.stdout.read_exact(&mut n).unwrap();
                    let mut body = vec![0u8; u32::from_le_bytes(n) as usize];
                    self.stdout.read_exact(&mut body).unwrap();
                    if tag == b'D' {
                        sent.extend_from_slice(&body);
                    } else {
                        let line = String::from_utf8(body).unwrap();
                        eprintln!("device: {line}");
                        self.logs.push(line);
                    }
                }
                other => panic!("unexpected record tag {other}"),
            }
        }
    }

    fn quit(mut self) {
        self.record_quit();
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "firmware exited with {status} (valgrind errors or leaks?)"
        );
    }

    fn record_quit(&mut self) {
        let mut rec = vec![b'Q'];
        rec.extend_from_slice(&0u64.to_le_bytes());
        rec.extend_from_slice(&0u32.to_le_bytes());
        self.stdin.write_all(&rec).unwrap();
        self.stdin.flush().unwrap();
    }
}

/// The cloud end of the connection, with the clock both share.
struct CloudEnd {
    now: u64,
    cloud: Cloud,
    rx: Framer<4096>,
    tx: TxQueue<16384>,
    rng: SimRng,
    key: AccessKey,
    incoming: Vec<String>,
}

impl CloudEnd {
    /// Feeds device bytes to the cloud; returns the cloud's answer bytes.
    fn hear_device(&mut self, mut bytes: &[u8]) -> Vec<u8> {
        let now = Instant(self.now);
        while let Some(frame) = self.rx.next_frame(&mut bytes).unwrap() {
            let key = self.key.clone();
            let mut lookup = |feed: &[u8]| (feed == FEED).then(|| key.clone());
            let r = self
                .cloud
                .handle_packet(now, frame, &mut lookup, &mut self.rng, &mut self.tx)
                .unwrap();
            if let Some(inc) = r {
                self.incoming.push(match inc {
                    CloudIncoming::Upload { data } => {
                        format!("upload {}", String::from_utf8_lossy(data))
                    }
                    CloudIncoming::ControlResponse { serial, data, .. } => {
                        format!("response {serial} {}", String::from_utf8_lossy(data))
                    }
                    CloudIncoming::TimerExecuted { id, code } => format!("executed {id} {code}"),
                    CloudIncoming::TimerAnswer { serial, .. } => format!("timer answer {serial}"),
                    other => format!("{other:?}"),
                });
            }
        }
        self.drain()
    }

    fn drain(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        while let Some(n) = self.tx.poll_transmit(&mut buf) {
            out.extend_from_slice(&buf[..n]);
        }
        out
    }
}

/// Exchanges bytes until both sides are quiet at the current time.
fn settle(fw: &mut Firmware, c: &mut CloudEnd, mut to_device: Vec<u8>, mut to_cloud: Vec<u8>) {
    for _ in 0..32 {
        if to_device.is_empty() && to_cloud.is_empty() {
            return;
        }
        if !to_cloud.is_empty() {
            let answer = c.hear_device(&to_cloud);
            to_device.extend(answer);
            to_cloud.clear();
        }
        if !to_device.is_empty() {
            to_cloud = fw.record(b'D', c.now, &to_device);
            to_device.clear();
        }
    }
    panic!("the exchange does not settle");
}

/// Advances the shared clock to `end`, waking the device at each of its deadlines.
fn run_until(fw: &mut Firmware, c: &mut CloudEnd, end: u64) {
    while let Some(d) = fw.deadline.filter(|d| *d <= end) {
        c.now = d.max(c.now);
        c.cloud.handle_timeout(Instant(c.now));
        let to_device = c.drain();
        let to_cloud = fw.record(b'T', c.now, &[]);
        settle(fw, c, to_device, to_cloud);
    }
    c.now = end;
}

static POWER_ON: [Cmd<'static>; 1] = [Cmd(b"power=1")];

fn c_firmware_runs_a_device_against_the_rust_cloud(std: &str) {
    let exe = build(std);
    let mut fw = Firmware::spawn(&exe);
    let mut c = CloudEnd {
        now: 0,
        cloud: Cloud::new(CloudConfig::default(), Instant(0), START_UNIX),
        rx: Framer::new(),
        tx: TxQueue::new(),
        rng: SimRng(19),
        key: KEY.parse().unwrap(),
        incoming: Vec::new(),
    };

    // First boot writes the factory activation record to "flash".
    fw.cloud_connected(&mut c);
    assert!(
        fw.logs.iter().any(|l| l.starts_with("provisioned 113")),
        "{:?}",
        fw.logs
    );
    assert_eq!(c.cloud.state(), CloudState::Online);
    assert!(fw.logs.iter().any(|l| l.starts_with("authenticated")));
    assert!(
        c.incoming
            .iter()
            .any(|l| l.contains("upload") && l.contains(r#""current_value":"0""#)),
        "{:?}",
        c.incoming
    );
    // The device's deadline is its first heartbeat (15 s).
    assert_eq!(fw.deadline, Some(15_000));

    // Heartbeats for a minute keep the device online and the cloud answering.
    let heard = c.cloud.poll_timeout();
    run_until(&mut fw, &mut c, 61_000);
    assert_eq!(c.cloud.state(), CloudState::Online);
    assert!(fw.deadline.is_some_and(|d| d > 61_000));
    assert_ne!(
        c.cloud.poll_timeout(),
        heard,
        "heartbeats move the cloud's silence deadline"
    );

    // A cloud control: applied by the C code, answered with the new snapshot.
    let body = br#"{"streams":[{"stream_id":"power","current_value":"1"}]}"#;
    let serial = c
        .cloud
        .control(Instant(c.now), BizCode::Control, body, &mut c.tx)
        .unwrap();
    let to_device = c.drain();
    settle(&mut fw, &mut c, to_device, Vec::new());
    assert!(
        fw.logs
            .iter()
            .any(|l| l.starts_with(&format!("control {serial} ")))
    );
    let answer = format!("response {serial} ");
    let resp = c.incoming.iter().find(|l| l.starts_with(&answer)).unwrap();
    assert!(resp.contains(r#""current_value":"1""#), "{resp}");

    // Switch off again, then a timer task (every minute: power=1) fires and is reported.
    let off = br#"{"streams":[{"stream_id":"power","current_value":"0"}]}"#;
    c.cloud
        .control(Instant(c.now), BizCode::Control, off, &mut c.tx)
        .unwrap();
    let task = Task {
        version: 0,
        label: Some(joylink_wire::wan::timer::Label::new(b"", b"")),
        body: TaskBody::Base(BaseTask {
            head: TaskHead {
                id: 7,
                state: TaskState::Started,
                source: TaskSource::User,
            },
            exp: ExpText(b"0_*_*_*_*_*_*"),
            cmds: CmdTrank::new(&POWER_ON),
        }),
    };
    c.cloud.add_timer(Instant(c.now), &task, &mut c.tx).unwrap();
    let to_device = c.drain();
    settle(&mut fw, &mut c, to_device, Vec::new());
    assert!(
        c.incoming.iter().any(|l| l.starts_with("timer answer")),
        "{:?}",
        c.incoming
    );
    assert_eq!(c.cloud.timer_ids().collect::<Vec<_>>(), [7]);
    let end = c.now + 61_000;
    run_until(&mut fw, &mut c, end);
    assert!(
        fw.logs.iter().any(|l| l == "timer 7 power=1"),
        "{:?}",
        fw.logs
    );
    assert!(
        c.incoming.iter().any(|l| l == "executed 7 0"),
        "{:?}",
        c.incoming
    );
    assert_eq!(c.cloud.state(), CloudState::Online);
    assert!(
        !fw.logs
            .iter()
            .any(|l| l.starts_with("input error") || l.starts_with("reconnect"))
    );

    fw.quit();
}

impl Firmware {
    fn cloud_connected(&mut self, c: &mut CloudEnd) {
        c.cloud.connected(Instant(c.now));
        let to_cloud = self.record(b'C', c.now, &[]);
        settle(self, c, Vec::new(), to_cloud);
    }
}

#[test]
fn c99_firmware_runs_a_device_against_the_rust_cloud() {
    c_firmware_runs_a_device_against_the_rust_cloud("c99");
}

#[test]
fn c89_firmware_runs_a_device_against_the_rust_cloud() {
    c_firmware_runs_a_device_against_the_rust_cloud("c89");
}

/// The codecs, frame decoder, replay guard, activation blob and the device's argument checks,
/// called from C89 (`tests/c/test_wan_c_api.c`), under valgrind.
#[test]
fn c_api_of_the_wan_parts() {
    let exe = build_c(
        &crate_dir().join("tests/c/test_wan_c_api.c"),
        "test_wan_c_api",
        "c89",
    );
    let mut cmd = if valgrind() {
        let mut c = Command::new("valgrind");
        c.args([
            "--error-exitcode=1",
            "--leak-check=full",
            "--errors-for-leak-kinds=all",
            "-q",
        ])
        .arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim() == "ok",
        "{}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
}
