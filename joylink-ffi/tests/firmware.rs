//! Runs the C firmware example (`examples/firmware.c`) against the Rust app and cloud machines:
//! the C program is the device (the LAN and WAN machines through the C ABI), this test is its
//! UDP and TCP peers and its clock, talking over the program's stdin/stdout (record format in
//! the C file's header).
//! Under valgrind when it is installed (zero errors, no leak), as `c_program.rs` does.
//!
//! The flow: LAN discovery, authorization (write-key; the keys go to flash), LAN script and
//! JSON control, WAN auth with the written keys, snapshot upload, heartbeats, a cloud control
//! applied and answered, a timer task added by the cloud firing and reported, a reboot that
//! restores the keys from flash, then a clean shutdown.
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

use std::net::SocketAddr;

use joylink_crypto::AccessKey;
use joylink_session::Instant;
use joylink_session::lan::{App, AppEvent, RequestHandle, ResponseBody};
use joylink_session::wan::sim::SimRng;
use joylink_session::wan::{Cloud, CloudConfig, CloudIncoming, CloudState, Framer, TxQueue};
use joylink_wire::BizCode;
use joylink_wire::lan::{JsonControlRequest, ScanStatus, SubDevProtocol};
use joylink_wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, ExpText, Task, TaskBody, TaskHead, TaskSource, TaskState,
};

const FEED: &[u8] = b"1234567890123456";
const KEY: &str = "25e35c9691ee91296facd5d28a4822bc";
const LOCALKEY: &str = "d2fd57fd06c7ef0bf04f69db14ab707f";
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
    cargo_staticlib("joylink-ffi-c", "full")
}

fn cargo_staticlib(dir: &str, features: &str) -> PathBuf {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(dir)
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
            features,
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
    build_c_with(
        &crate_dir().join("examples/firmware.c"),
        &format!("firmware-{std}"),
        std,
        &staticlib(),
        &[],
    )
}

fn build_c(source: &Path, name: &str, std: &str) -> PathBuf {
    build_c_with(source, name, std, &staticlib(), &[])
}

fn build_c_with(source: &Path, name: &str, std: &str, lib: &Path, defines: &[&str]) -> PathBuf {
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
        .args(defines)
        .arg("-I")
        .arg(crate_dir().join("include"))
        .arg(source)
        .arg(lib)
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
    /// Datagrams the device sent: (destination, bytes).
    udp: Vec<(SocketAddr, Vec<u8>)>,
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
            udp: Vec::new(),
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
                tag @ (b'D' | b'L' | b'U') => {
                    let mut n = [0u8; 4];
                    self.stdout.read_exact(&mut n).unwrap();
                    let mut body = vec![0u8; u32::from_le_bytes(n) as usize];
                    self.stdout.read_exact(&mut body).unwrap();
                    if tag == b'D' {
                        sent.extend_from_slice(&body);
                    } else if tag == b'U' {
                        let to = addr_from_record(&body[..19]);
                        self.udp.push((to, body[19..].to_vec()));
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

    let mut lan = AppEnd {
        app: App::new(&mut SimRng(5)),
        events: Vec::new(),
        tcp: Vec::new(),
    };

    // First boot: erased flash, so no WAN session until the app authorizes the device.
    fw.record(b'C', 0, &[]);
    assert!(
        fw.logs
            .iter()
            .any(|l| l.starts_with("waiting for activation"))
    );
    assert!(fw.logs.iter().any(|l| l.starts_with("not activated")));

    // LAN discovery: a broadcast scan, answered with the device record and its devkey.
    c.now = 1_000;
    lan.app
        .discover(
            SocketAddr::from(([255, 255, 255, 255], 80)),
            None,
            ScanStatus::All,
        )
        .unwrap();
    lan.settle(&mut fw, c.now);
    assert!(
        lan.events.contains(&AppEvent::Discovered(dev_addr())),
        "{:?}",
        lan.events
    );
    let entry = lan.app.device(dev_addr()).unwrap();
    assert_eq!(
        (entry.mac.as_str(), entry.productuuid.as_str()),
        ("EA2D9AB01132", "ABCDEF")
    );
    assert!(entry.devkey.is_some() && entry.feed_id.is_empty());

    // Authorization (write-key, ECDH): the C code stores the keys in flash and starts WAN.
    c.now = 2_000;
    let feed = std::str::from_utf8(FEED).unwrap();
    let h = lan
        .app
        .authorize(
            Instant(c.now),
            dev_addr(),
            feed,
            KEY,
            LOCALKEY,
            Some("live.smart.jd.com:2002"),
        )
        .unwrap();
    lan.settle(&mut fw, c.now);
    assert!(
        lan.events.contains(&AppEvent::Authorized(h)),
        "{:?}",
        lan.events
    );
    assert!(
        fw.logs
            .iter()
            .any(|l| l == "activated 113 live.smart.jd.com"),
        "{:?}",
        fw.logs
    );

    // LAN control with the written localkey: script control on, a JSON snapshot, then off.
    c.now = 3_000;
    let on = lan.script(&mut fw, c.now, b"power=1");
    assert!(on.contains(r#""current_value":"1""#), "{on}");
    c.now = 4_000;
    let h = lan
        .app
        .json_control(Instant(c.now), dev_addr(), JsonControlRequest::snapshot())
        .unwrap();
    lan.settle(&mut fw, c.now);
    let snap = lan.response(h);
    assert!(snap.contains(r#""current_value":"1""#), "{snap}");
    c.now = 5_000;
    let off = lan.script(&mut fw, c.now, b"power=0");
    assert!(off.contains(r#""current_value":"0""#), "{off}");
    assert_eq!(fw.deadline, None, "every LAN request is answered");

    // WAN: auth with the accesskey the app wrote, snapshot upload.
    c.now = 10_000;
    fw.cloud_connected(&mut c);
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
    assert_eq!(fw.deadline, Some(25_000));

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

    // A LAN control while online is also uploaded to the cloud.
    c.now += 1_000;
    let uploads = c.incoming.len();
    lan.script(&mut fw, c.now, b"power=0");
    let to_cloud = std::mem::take(&mut lan.tcp);
    settle(&mut fw, &mut c, Vec::new(), to_cloud);
    assert!(
        c.incoming[uploads..]
            .iter()
            .any(|l| l.starts_with("upload") && l.contains(r#""current_value":"0""#)),
        "{:?}",
        c.incoming
    );

    // Reboot: the keys come back from flash; LAN control and WAN auth work with them.
    c.now += 1_000;
    fw.record(b'R', c.now, &[]);
    assert!(
        fw.logs
            .iter()
            .any(|l| l == "activation loaded 16 1234567890123456"),
        "{:?}",
        fw.logs
    );
    c.now += 1_000;
    let on = lan.script(&mut fw, c.now, b"power=1");
    assert!(on.contains(r#""current_value":"1""#), "{on}");
    c.cloud.connection_lost(Instant(c.now));
    fw.cloud_connected(&mut c);
    assert_eq!(c.cloud.state(), CloudState::Online);
    assert_eq!(
        fw.logs
            .iter()
            .filter(|l| l.starts_with("authenticated"))
            .count(),
        2
    );
    assert!(
        !fw.logs.iter().any(|l| l.starts_with("lan drop")),
        "{:?}",
        fw.logs
    );

    fw.quit();
}

fn app_addr() -> SocketAddr {
    SocketAddr::from(([192, 168, 1, 2], 9000))
}

fn dev_addr() -> SocketAddr {
    SocketAddr::from(([192, 168, 1, 50], 4320))
}

/// The harness's address record: family (4/6), ip (16 bytes), port (LE).
fn addr_record(a: SocketAddr) -> Vec<u8> {
    let mut r = vec![0u8; 19];
    match a {
        SocketAddr::V4(v4) => {
            r[0] = 4;
            r[1..5].copy_from_slice(&v4.ip().octets());
        }
        SocketAddr::V6(v6) => {
            r[0] = 6;
            r[1..17].copy_from_slice(&v6.ip().octets());
        }
    }
    r[17..19].copy_from_slice(&a.port().to_le_bytes());
    r
}

fn addr_from_record(b: &[u8]) -> SocketAddr {
    let port = u16::from_le_bytes([b[17], b[18]]);
    match b[0] {
        4 => SocketAddr::from(([b[1], b[2], b[3], b[4]], port)),
        6 => SocketAddr::from((<[u8; 16]>::try_from(&b[1..17]).unwrap(), port)),
        f => panic!("address family {f}"),
    }
}

/// The app's end of the LAN.
struct AppEnd {
    app: App,
    events: Vec<AppEvent>,
    /// TCP bytes the device wrote while handling datagrams (uploads), for the cloud.
    tcp: Vec<u8>,
}

impl AppEnd {
    /// Delivers the app's datagrams to the device and the device's datagrams to the app until
    /// both are quiet.
    fn settle(&mut self, fw: &mut Firmware, now: u64) {
        for _ in 0..16 {
            let mut moved = false;
            let mut buf = [0u8; 1500];
            while let Some((_, n)) = self.app.poll_transmit(&mut buf) {
                let mut rec = addr_record(app_addr());
                rec.extend_from_slice(&buf[..n]);
                let tcp = fw.record(b'U', now, &rec);
                self.tcp.extend(tcp);
                moved = true;
            }
            for (to, mut d) in std::mem::take(&mut fw.udp) {
                assert_eq!(to, app_addr());
                // Repeated answers (write-key is sent 3 times) are refused by the app.
                let _ = self.app.handle(Instant(now), dev_addr(), &mut d);
                moved = true;
            }
            while let Some(e) = self.app.poll_event() {
                self.events.push(e);
            }
            if !moved {
                return;
            }
        }
        panic!("the LAN exchange does not settle");
    }

    /// The answer to request `h` as text.
    fn response(&self, h: RequestHandle) -> String {
        self.events
            .iter()
            .find_map(|e| match e {
                AppEvent::Response(r, ResponseBody::Json(b)) if *r == h => {
                    Some(String::from_utf8_lossy(b).into_owned())
                }
                AppEvent::Response(r, ResponseBody::Script { resp, biz_code, .. }) if *r == h => {
                    assert_eq!(*biz_code, BizCode::ControlResponse);
                    Some(String::from_utf8_lossy(resp).into_owned())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no answer to {h:?}: {:?}", self.events))
    }

    /// A script control (type 4) and its answer.
    fn script(&mut self, fw: &mut Firmware, now: u64, cmd: &[u8]) -> String {
        let h = self
            .app
            .script_control(Instant(now), dev_addr(), BizCode::Control, cmd)
            .unwrap();
        self.settle(fw, now);
        self.response(h)
    }
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
    run_c_test("test_wan_c_api");
}

/// The LAN device and gateway machines' C API (`tests/c/test_lan_c_api.c`, C89, against the
/// no_std library: script control, activation, the sub-device table, every argument and state
/// error), under valgrind.
#[test]
fn c_api_of_the_lan_machines() {
    run_c_test("test_lan_c_api");
}

fn run_c_test(name: &str) {
    let exe = build_c(&crate_dir().join(format!("tests/c/{name}.c")), name, "c89");
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

/// The example built as a gateway (`-DFW_GATEWAY=1`): the app authorizes it, adds a sub-device,
/// authorizes the sub-device and controls it (type 104, the inner layer under the sub-device's
/// key); the gateway lists it in its scan reply; after a reboot the table comes back from the
/// C code's "flash" and the sub-device is still controllable. Under valgrind.
#[test]
fn c_gateway_adds_and_controls_a_sub_device() {
    const SUB_MAC: &str = "AABBCCDDEEFF";
    const SUB_FEED: &str = "sub-feed-0001";
    const SUB_KEY: &str = "0123456789abcdef0123456789abcdef";
    let exe = build_c_with(
        &crate_dir().join("examples/firmware.c"),
        "firmware-gateway",
        "c99",
        &staticlib(),
        &["-DFW_GATEWAY=1"],
    );
    let mut fw = Firmware::spawn(&exe);
    let mut lan = AppEnd {
        app: App::new(&mut SimRng(6)),
        events: Vec::new(),
        tcp: Vec::new(),
    };
    let mut now = 1_000;
    let bcast = SocketAddr::from(([255, 255, 255, 255], 80));
    lan.app.discover(bcast, None, ScanStatus::All).unwrap();
    lan.settle(&mut fw, now);
    assert_eq!(lan.app.device(dev_addr()).unwrap().devtype, 1, "a gateway");
    now += 1_000;
    let feed = std::str::from_utf8(FEED).unwrap();
    let h = lan
        .app
        .authorize(Instant(now), dev_addr(), feed, KEY, LOCALKEY, None)
        .unwrap();
    lan.settle(&mut fw, now);
    assert!(
        lan.events.contains(&AppEvent::Authorized(h)),
        "{:?}",
        lan.events
    );

    // Add (type 105), then authorize (type 102, ECDH) the sub-device.
    now += 1_000;
    let h = lan
        .app
        .add_sub_device(
            Instant(now),
            dev_addr(),
            SUB_MAC,
            "SUBUUID",
            SubDevProtocol::Zigbee,
        )
        .unwrap();
    lan.settle(&mut fw, now);
    assert!(
        lan.events.contains(&AppEvent::SubDevice(h, 0)),
        "{:?}",
        lan.events
    );
    assert!(
        fw.logs
            .iter()
            .any(|l| l == &format!("sub added 0 {SUB_MAC}")),
        "{:?}",
        fw.logs
    );
    now += 1_000;
    let h = lan
        .app
        .authorize_sub_device(
            Instant(now),
            dev_addr(),
            [SUB_FEED, SUB_KEY, SUB_KEY, "SUBUUID", SUB_MAC],
        )
        .unwrap();
    lan.settle(&mut fw, now);
    assert!(
        lan.events.contains(&AppEvent::SubDevice(h, 0)),
        "{:?}",
        lan.events
    );
    assert!(
        fw.logs
            .iter()
            .any(|l| l == &format!("sub authorized 0 {SUB_FEED}"))
    );

    // The scan reply lists it, authorized.
    now += 1_000;
    lan.app.discover(bcast, None, ScanStatus::All).unwrap();
    lan.settle(&mut fw, now);
    let subs = &lan.app.device(dev_addr()).unwrap().sub_devices;
    assert!(
        subs.iter()
            .any(|(m, u, f, auth)| m == SUB_MAC && u == "SUBUUID" && f == SUB_FEED && *auth),
        "{subs:?}"
    );

    // Sub-device script control (type 104), answered by the C code for that sub-device.
    let control = |fw: &mut Firmware, lan: &mut AppEnd, now: u64, cmd: &[u8]| {
        let h = lan
            .app
            .sub_script_control(Instant(now), dev_addr(), SUB_FEED, BizCode::Control, cmd)
            .unwrap();
        lan.settle(fw, now);
        lan.response(h)
    };
    now += 1_000;
    let on = control(&mut fw, &mut lan, now, b"power=1");
    assert!(on.contains(r#""current_value":"1""#), "{on}");
    assert!(
        fw.logs.iter().any(|l| l == "sub control 0 power=1"),
        "{:?}",
        fw.logs
    );

    // Reboot: activation and sub-device table from flash.
    now += 1_000;
    fw.record(b'R', now, &[]);
    now += 1_000;
    let off = control(&mut fw, &mut lan, now, b"power=0");
    assert!(off.contains(r#""current_value":"0""#), "{off}");
    assert!(
        !fw.logs.iter().any(|l| l.starts_with("lan drop")),
        "{:?}",
        fw.logs
    );
    fw.quit();
}
