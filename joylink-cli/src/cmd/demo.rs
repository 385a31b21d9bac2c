//! `joylink demo`: a whole JoyLink session in one process, no network.
//!
//! First an annotated walk through the bytes: an app, a device, a gateway with one ZigBee
//! sub-device, and the cloud exchange real packets built and sealed by the crates; every packet
//! is decoded by its receiver with the receiver's own keys through the same code path as
//! `joylink decode`, and printed (drawn with `--ladder`).
//! Then the joylink-session machines run every flow over a simulated network and clock, with
//! `--loss`/`--duplicate` faults, print each recovery (retries, re-auth, replays dropped) and
//! end with a one-line summary; the exit code is 0 only when every flow completed. What the
//! machines sent is written with `--pcap`, the keys they used with `--keys`.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use joylink::crypto::{AccessKey, KeyPair, LocalKey, Mode, SessionKey};
use joylink::lan::{LanKeys, SubDevScript, seal_subdev_script, seal_vec, subdev_script_len};
use joylink::timer::TimeExp;
use joylink::wan::{WanKeys, seal_auth_request, seal_auth_response};
use joylink::wire::ControlHeader;
use joylink::wire::lan::Timestamped as LanTimestamped;
use joylink::wire::lan::{
    AddSubDevRequest, ControlData, DevType, JsonControlRequest, JsonControlResponse, LanControl,
    Message, RawJson, ScanRequest, ScanResponse, ScanStatus, Stream, StreamValue, Style,
    SubDevProtocol, SubDevResponse, TranType, WriteKeyData, WriteKeyRequest, WriteKeyResponse,
};
use joylink::wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, ExpText, Label, List, ResultReport, Task, TaskBody,
    TaskCodeResponse as TimerCode, TaskHead, TaskRequest, TaskResult, TaskSource, TaskState,
    TimerMessage,
};
use joylink::wire::wan::{
    AuthResponse, CodeResponse, Control, Heartbeat, OtaStatus, OtaStatusData, OtaStatusReport,
    OtaStatusResponse, SubDevInfo, SubDevList, SubDevOnline, SubDevUpload, Timestamped, WanMessage,
};
use joylink::wire::{BizCode, Direction, FixedText, ResponseCode};
use rand_core::{Infallible, TryCryptoRng, TryRng};
use serde_json::{Value, json};

use crate::cmd::{LadderArgs, draw_ladder};
use crate::keys::Keys;
use crate::ladder::Ladder;
use crate::packet::{Inspection, inspect};
use crate::{out, outln, render};

/// Run a simulated session: LAN discovery, ECDH authorization, JSON and script control, a
/// ZigBee sub-device added behind a gateway, WAN auth, heartbeats, snapshot upload, cloud
/// control, a timer added and reported, and an OTA status report. Deterministic: the same seed
/// gives the same bytes.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seed of the demo's RNG (keys, random numbers).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// One line per packet instead of the full decode.
    #[arg(long)]
    pub brief: bool,
    /// One JSON document per packet (JSON Lines), with `from`, `to` and `step`.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub ladder: LadderArgs,
    /// Also write what the session machines sent as a pcap capture, at the simulated times:
    /// the LAN as UDP datagrams as each machine addressed them (the app 192.168.1.10:50000 to
    /// the device .20 and the gateway .30 on port 4320, its scan once to 255.255.255.255:4320),
    /// the WAN as TCP connections the device and the gateway open to the cloud 203.0.113.1:2002
    /// (a new connection on each reconnect, a reset when one breaks). It holds what was sent:
    /// with `--loss`, a lost datagram or a segment in flight when its connection broke is in
    /// the capture, unanswered; a copy `--duplicate` made is not, a packet replayed to the device
    /// is. The same seed and faults give the same bytes.
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<std::path::PathBuf>,
    /// Also write the keys the session machines used (localkeys, accesskeys, the devices' ECDH
    /// private keys, every session key issued) as a keys file for `dissect --keys`, which then
    /// decodes every packet of `--pcap`.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<std::path::PathBuf>,
    /// Probability (0.0–1.0) that the simulated network loses a datagram, and that a WAN
    /// connection breaks during a step, in the machines' run.
    #[arg(long, default_value_t = 0.0, value_parser = probability)]
    pub loss: f64,
    /// Probability (0.0–1.0) that a datagram is delivered twice, and that a captured WAN packet
    /// is replayed to the device, in the machines' run.
    #[arg(long, default_value_t = 0.0, value_parser = probability)]
    pub duplicate: f64,
}

fn probability(s: &str) -> Result<f64, String> {
    let p: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err("a probability between 0.0 and 1.0".into())
    }
}

#[path = "demo_machines.rs"]
mod machines;

/// The demo's deterministic RNG: SplitMix64. NOT a cryptographic generator — it stands in for
/// one so that the demo prints the same bytes on every run; real peers use OS randomness
/// (`joylink keygen` does).
struct DemoRng(u64);

impl TryRng for DemoRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(u32::try_from(self.try_next_u64()? >> 32).unwrap_or(0))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Ok(z ^ (z >> 31))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            for (d, s) in chunk.iter_mut().zip(v) {
                *d = s;
            }
        }
        Ok(())
    }
}

// Marker only: see the type's doc — deterministic on purpose, for a reproducible demo.
impl TryCryptoRng for DemoRng {}

impl DemoRng {
    fn key_string(&mut self) -> String {
        let mut b = [0u8; 16];
        rand_core::Rng::fill_bytes(self, &mut b);
        hex::encode(b)
    }
}

/// The demo device's product uuid.
const PRODUCT_UUID: &str = "5708AB";
/// The ZigBee sub-device's MAC and product uuid.
const SUB_MAC: &str = "701923F88581";
const SUB_UUID: &str = "7D13F6";
/// Snapshots as a device application hands them to the SDK (`{"code":0,"streams":[…]}`, the
/// layout of vectors lan-12 and wan-05). They are the application's text, opaque to the SDK and
/// to the crates (no typed body: the script control, upload and control answer carry bytes).
const SNAPSHOT_ON: &[u8] = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;
const SNAPSHOT_OFF: &[u8] = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"0"}]}"#;
const SNAPSHOT_LIGHT_ON: &[u8] =
    br#"{"code":0,"streams":[{"stream_id":"light","current_value":"1"}]}"#;

/// A command setting one stream: the `data` of a JSON control (cmd 5), also what the cloud and
/// the app put in a script command, a sub-device command and a timer's `cmd`.
fn control_data<'a>(stream_id: &'a str, value: &'a str) -> ControlData<'a> {
    ControlData {
        streams: vec![Stream::new(stream_id, value)],
        snapshot: None,
    }
}

/// `data` as compact JSON text, `{"streams":[…]}` (vector lan-11's `cmd`).
fn json_text(data: &ControlData<'_>) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(data)?)
}

/// The parties (ladder columns).
const APP: &str = "app";
const DEVICE: &str = "device";
const GATEWAY: &str = "gateway";
const SUBDEV: &str = "sub-device";
const CLOUD: &str = "cloud";

struct Demo {
    /// Only the ladder is printed (`--ladder` in the terminal).
    quiet: bool,
    args_brief: bool,
    json: bool,
    step: String,
    ladder: Ladder,
    clock: u32,
    count: u32,
}

impl Demo {
    fn now(&mut self) -> u32 {
        self.clock = self.clock.saturating_add(2);
        self.clock
    }

    fn step(&mut self, title: &str) {
        title.clone_into(&mut self.step);
        if !self.json && !self.quiet {
            outln(&format!("\n=== {title} ==="));
        }
    }

    fn note(&mut self, from: &str, to: &str, text: &str) {
        self.ladder.arrow(from, to, text);
        if !self.json && !self.quiet {
            outln(&format!("{from} -> {to}: {text} (not a JoyLink packet)"));
        }
    }

    /// Hands `bytes` from `from` to `to`, who decodes it with its own keys.
    fn deliver(
        &mut self,
        from: &str,
        to: &str,
        bytes: &[u8],
        receiver: &Keys,
        direction: Direction,
    ) -> Result<Inspection> {
        let ins = inspect(bytes, receiver, Some(direction))
            .with_context(|| format!("{to} could not parse the packet from {from}"))?;
        if let Some(p) = &ins.problem {
            bail!(
                "{to} could not decode the packet from {from}: {}",
                p.message()
            );
        }
        self.count = self.count.saturating_add(1);
        self.ladder.arrow(from, to, render::label(&ins));
        if self.quiet {
        } else if self.json {
            let mut doc =
                json!({"step": self.step, "from": from, "to": to, "hex": hex::encode(bytes)});
            if let (Value::Object(d), Value::Object(p)) = (&mut doc, render::to_json(&ins)) {
                d.extend(p);
            }
            outln(&doc.to_string());
        } else if self.args_brief {
            outln(&format!(
                "{from:>10} -> {to:<10} {}",
                render::one_line(&ins)
            ));
        } else {
            outln(&format!("\n{from} -> {to}:"));
            out(&render::human(&ins));
        }
        Ok(ins)
    }
}

impl Demo {
    /// Seals a typed LAN message as a shipped peer sends it (`joylink::lan::seal_vec`: the
    /// type and enctype of compat §3.5, the body in the SDK's layout) and hands it over.
    fn lan(
        &mut self,
        (from, to): (&str, &str),
        msg: &Message<'_>,
        sender: &LanKeys<'_>,
        receiver: &Keys,
    ) -> Result<Inspection> {
        let pkt = seal_vec(msg, sender)?;
        self.deliver(from, to, &pkt, receiver, msg.direction())
    }

    /// Seals a WAN message with the connection's keys and hands it over.
    fn wan(
        &mut self,
        (from, to): (&str, &str),
        msg: &WanMessage<'_>,
        keys: &WanKeys<'_>,
        receiver: &Keys,
        direction: Direction,
    ) -> Result<Inspection> {
        let pkt = wan_seal(msg, keys)?;
        self.deliver(from, to, &pkt, receiver, direction)
    }

    /// A type-13 message: sealed as a WAN body, handed over.
    fn timer(
        &mut self,
        (from, to): (&str, &str),
        msg: &TimerMessage<'_>,
        keys: &WanKeys<'_>,
        receiver: &Keys,
        direction: Direction,
    ) -> Result<Inspection> {
        self.wan(
            (from, to),
            &WanMessage::Timer(*msg),
            keys,
            receiver,
            direction,
        )
    }
}

fn wan_seal(msg: &WanMessage<'_>, keys: &WanKeys<'_>) -> Result<Vec<u8>> {
    let len = joylink::wan::sealed_len(msg, keys, 0)?;
    let mut buf = vec![0u8; len];
    let n = joylink::wan::seal(msg, keys, &[], &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

/// Runs `demo`.
///
/// # Errors
/// When any party fails to decode what it receives (a bug), or a file cannot be written.
#[expect(
    clippy::too_many_lines,
    reason = "the demo script reads best as one story"
)]
pub fn run(args: &Args) -> Result<ExitCode> {
    let ladder_arg = args.ladder.parse()?;
    let mut rng = DemoRng(args.seed);
    let mut d = Demo {
        quiet: ladder_arg == Some(crate::cmd::LadderArg::Terminal),
        args_brief: args.brief,
        json: args.json,
        step: String::new(),
        ladder: Ladder::default(),
        clock: 1_700_000_000,
        count: 0,
    };
    for p in [APP, DEVICE, GATEWAY, SUBDEV, CLOUD] {
        d.ladder.party(p);
    }

    // Identities and keys, all from the seeded RNG.
    let device_pair = KeyPair::generate(&mut rng);
    let app_pair = KeyPair::generate(&mut rng);
    let feed_id = format!("{:016}", rng.next_u64_demo() % 10_000_000_000_000_000);
    let local_key_s = rng.key_string();
    let access_key_s = rng.key_string();
    let local_key: LocalKey = local_key_s.parse()?;
    let access_key: AccessKey = access_key_s.parse()?;
    let mut session = [0u8; 32];
    rand_core::Rng::fill_bytes(&mut rng, &mut session);
    let session_key = SessionKey::new(session);
    let gw_local_s = rng.key_string();
    let sub_local_s = rng.key_string();
    let sub_access_s = rng.key_string();
    let gw_local: LocalKey = gw_local_s.parse()?;
    let sub_local: LocalKey = sub_local_s.parse()?;
    let sub_access: AccessKey = sub_access_s.parse()?;
    let sub_feed = "3039237988000962";

    let own_pair = |pair: &KeyPair| -> Result<KeyPair> {
        Ok(KeyPair::from_private_key(
            joylink::crypto::PrivateKey::from_bytes(pair.private_key().raw_secret_bytes())?,
        ))
    };
    let app_keys = Keys {
        key_pair: Some(own_pair(&app_pair)?),
        local_key: Some(local_key.clone()),
        ..Keys::default()
    };
    let device_lan_keys_before = Keys {
        key_pair: Some(own_pair(&device_pair)?),
        ..Keys::default()
    };
    // The device and the cloud share the device's keys; the cloud also knows the sub-device's
    // accesskey (inner layer of 111/112), the gateway the sub-device's localkey (inner 104).
    let device_keys = Keys {
        local_key: Some(local_key.clone()),
        access_key: Some(access_key.clone()),
        session_key: Some(session_key.clone()),
        ..Keys::default()
    };
    let cloud_keys = Keys {
        sub_access_key: Some(sub_access.clone()),
        ..Keys {
            local_key: Some(local_key.clone()),
            access_key: Some(access_key.clone()),
            session_key: Some(session_key.clone()),
            ..Keys::default()
        }
    };
    let gateway_keys = Keys {
        local_key: Some(gw_local.clone()),
        session_key: Some(session_key.clone()),
        access_key: Some(access_key.clone()),
        sub_local_key: Some(sub_local.clone()),
        ..Keys::default()
    };
    let app_gw_keys = Keys {
        local_key: Some(gw_local.clone()),
        ..Keys::default()
    };
    let none = Keys::default();
    let (app_dev, dev_app) = ((APP, DEVICE), (DEVICE, APP));
    let (app_gw, gw_app) = ((APP, GATEWAY), (GATEWAY, APP));
    let (dev_cloud, cloud_dev) = ((DEVICE, CLOUD), (CLOUD, DEVICE));
    let (up, down) = (Direction::FromDevice, Direction::ToDevice);

    // The LAN keys each party seals with (joylink::lan::LanKeys).
    let open_lan = LanKeys::default();
    let app_lan = LanKeys {
        local_key: Some(&local_key),
        ..LanKeys::default()
    };
    let device_lan = app_lan;
    let gateway_lan = LanKeys {
        local_key: Some(&gw_local),
        ..LanKeys::default()
    };

    // 1. LAN discovery (spec 6.3.1, type 1, enctype 0).
    d.step("LAN discovery (type 1, enctype 0)");
    let req = Message::ScanRequest(ScanRequest::new(Some(PRODUCT_UUID), ScanStatus::All));
    d.lan(app_dev, &req, &open_lan, &none)?;
    // The device answers in cJSON's layout, keys in SDK 2.0.12+ order (vector lan-02).
    let devkey = device_pair.public_key().to_devkey();
    let resp = Message::ScanResponse(ScanResponse {
        code: Some(StreamValue::from(0)),
        msg: Some(StreamValue::from(ScanResponse::SCAN_OK)),
        devkey: Some(devkey.as_str().into()),
        mac: "EA2D9AB01132".into(),
        productuuid: PRODUCT_UUID.into(),
        feed_id: Some("".into()),
        lancon: Some(LanControl::Enabled),
        trantype: Some(TranType::Lua),
        devtype: Some(DevType::Normal),
        cid: Some("2b19175a".into()),
        firmware_version: Some("1.0.0".into()),
        model_code: Some("demo".into()),
        joy_sdk_version: Some("2.0.19".into()),
        no_snapshot: Some(0),
        no_snap_short: None,
        batch_bind: Some(0),
        dbg: None,
        opt: None,
        d_idt: None,
        subdev: None,
    });
    let ins = d.lan(dev_app, &resp, &open_lan, &none)?;
    // The app takes the device's public key from the answer's devkey (spec 4.3).
    let seen_devkey = ins
        .body
        .as_ref()
        .and_then(|b| b.json.pointer("/json/devkey"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let device_public = joylink::crypto::PublicKey::from_devkey(&seen_devkey)?;

    // 2. ECDH authorization (spec 6.3.2, type 2, enctype 2).
    d.step("device authorization with ECDH (type 2, enctype 2)");
    let write = Message::WriteKeyRequest(LanTimestamped {
        timestamp: d.now(),
        body: WriteKeyRequest {
            data: WriteKeyData {
                productuuid: Some(PRODUCT_UUID.into()),
                lancon: Some(LanControl::Enabled),
                trantype: Some(TranType::Lua),
                joylink_server: Some(vec!["127.0.0.1:2002".into()]),
                // The open, server-written extension object, as the app of vector lan-04 sends it.
                opt: Some(RawJson::parse(r#"{"type":1,"std":1}"#)?),
                ..WriteKeyData::new(&feed_id, &access_key_s, &local_key_s)
            },
        },
    });
    let app_ecdh = LanKeys {
        key_pair: Some(&app_pair),
        peer_key: Some(&device_public),
        ..LanKeys::default()
    };
    d.lan(app_dev, &write, &app_ecdh, &device_lan_keys_before)?;
    let ok = Message::WriteKeyResponse(WriteKeyResponse::ok());
    d.lan(dev_app, &ok, &open_lan, &none)?;

    // 3. JSON control with the localkey (spec "6.4.2", type 3, enctype 3; answered as type 4).
    d.step("JSON control, mode 3 (type 3, answered as type 4)");
    let ctl = Message::JsonControl(LanTimestamped {
        timestamp: d.now(),
        body: JsonControlRequest::control(control_data("switch", "1")),
    });
    d.lan(app_dev, &ctl, &app_lan, &device_keys)?;
    let ans = Message::JsonControlResponse(LanTimestamped {
        timestamp: d.now(),
        body: JsonControlResponse::success(vec![Stream::new("switch", 1)]),
    });
    d.lan(dev_app, &ans, &device_lan, &app_keys)?;

    // 4. Script control (spec 6.3.4, type 4, biz 1002 → 102).
    d.step("script control (type 4, biz_code 1002 -> 102)");
    let serial = rng.next_u32_demo();
    let cmd = json_text(&control_data("power", "1"))?;
    let c = joylink::wire::lan::Control {
        timestamp: d.now(),
        biz_code: BizCode::Control,
        serial,
        data: &cmd,
    };
    d.lan(app_dev, &Message::ScriptControl(c), &app_lan, &device_keys)?;
    let r = joylink::wire::lan::Control {
        timestamp: d.now(),
        biz_code: BizCode::Control.response(),
        serial,
        data: SNAPSHOT_ON,
    };
    let answer = Message::ScriptControlResponse(r);
    d.lan(dev_app, &answer, &device_lan, &app_keys)?;

    // 5. A gateway adds a ZigBee sub-device (spec 6.3.5, type 105) and relays a script command
    //    sealed twice (spec 6.3.8, 8.2: gateway localkey outside, sub-device localkey inside).
    //    The gateway decodes it with both keys: the inner command is shown decrypted.
    d.step("gateway: add a ZigBee sub-device (type 105) and control it (type 104)");
    let add = Message::AddSubDevRequest(LanTimestamped {
        timestamp: d.now(),
        body: AddSubDevRequest::new(SUB_MAC, SUB_UUID, SubDevProtocol::Zigbee),
    });
    d.lan(app_gw, &add, &gateway_lan, &gateway_keys)?;
    d.note(GATEWAY, SUBDEV, "zigbee join");
    // The gateway's answer in cJSON's layout (vector lan-16); the cloud gives the app the
    // sub-device's feedid, not this answer.
    let added = Message::AddSubDevResponse(LanTimestamped {
        timestamp: d.now(),
        body: SubDevResponse::success(SUB_MAC, SUB_UUID),
    });
    d.lan(gw_app, &added, &gateway_lan, &app_gw_keys)?;
    let light_on = json_text(&control_data("light", "1"))?;
    let script = SubDevScript {
        timestamp: d.now(),
        biz_code: BizCode::Control,
        serial: rng.next_u32_demo(),
        feed_id: sub_feed.as_bytes(),
        data: &light_on,
    };
    let (outer, inner) = (Mode::LocalKey(&gw_local), Mode::LocalKey(&sub_local));
    let mut pkt = vec![0u8; subdev_script_len(&outer, &inner, script.data.len())];
    let n = seal_subdev_script(&script, &outer, &inner, &mut pkt)?;
    pkt.truncate(n);
    d.deliver(APP, GATEWAY, &pkt, &gateway_keys, down)?;
    d.note(GATEWAY, SUBDEV, "zigbee: light on");

    // 6. WAN authentication (spec 7.3.1/7.3.2, type 9, accesskey; session key issued).
    d.step("WAN authentication (type 9, accesskey) -> session key");
    let mut buf = vec![0u8; 128];
    let ts = d.now();
    let sent = seal_auth_request(feed_id.as_bytes(), &access_key, ts, &mut rng, &mut buf)?;
    let pkt = buf.get(..sent.len).unwrap_or_default().to_vec();
    d.deliver(DEVICE, CLOUD, &pkt, &cloud_keys, up)?;
    let resp = AuthResponse {
        timestamp: d.now(),
        random: sent.random,
        session_key: session.into(),
    };
    let mut buf = vec![0u8; 128];
    let n = seal_auth_response(&resp, &access_key, &mut buf)?;
    let pkt = buf.get(..n).unwrap_or_default().to_vec();
    d.deliver(CLOUD, DEVICE, &pkt, &device_keys, down)?;
    let wkeys = WanKeys {
        access_key: &access_key,
        session_key: Some(&session_key),
    };
    let ok_code = |timestamp| CodeResponse {
        timestamp,
        code: ResponseCode::Success,
    };

    // 7. Heartbeat (spec 7.3.3/7.3.4, type 10, session key).
    d.step("heartbeat (type 10, session key)");
    let hb = WanMessage::Heartbeat(Heartbeat {
        timestamp: d.now(),
        version: 1,
        rssi: 60,
    });
    d.wan(dev_cloud, &hb, &wkeys, &cloud_keys, up)?;
    let ack = WanMessage::HeartbeatResponse(ok_code(d.now()));
    d.wan(cloud_dev, &ack, &wkeys, &device_keys, down)?;

    // 8. Snapshot upload (spec 7.3.5/7.3.6, type 12).
    d.step("snapshot upload (type 12)");
    let up_msg = WanMessage::Upload(Timestamped {
        timestamp: d.now(),
        body: SNAPSHOT_ON,
    });
    d.wan(dev_cloud, &up_msg, &wkeys, &cloud_keys, up)?;
    let ack = WanMessage::UploadResponse(ok_code(d.now()));
    d.wan(cloud_dev, &ack, &wkeys, &device_keys, down)?;

    // 9. Cloud control (spec 7.3.7/7.3.8, type 11, biz 1002 → 102).
    d.step("cloud control (type 11, biz_code 1002 -> 102)");
    let power_off = json_text(&control_data("power", "0"))?;
    let req = Control {
        timestamp: d.now(),
        biz_code: BizCode::Control,
        serial: rng.next_u32_demo(),
        data: &power_off,
    };
    d.wan(
        cloud_dev,
        &WanMessage::Control(req),
        &wkeys,
        &device_keys,
        down,
    )?;
    let answer = WanMessage::ControlResponse(req.answer(d.now(), SNAPSHOT_OFF));
    d.wan(dev_cloud, &answer, &wkeys, &cloud_keys, up)?;

    // 10. A timer: the cloud adds it (1091 → 191); it fires and the device reports (1097).
    //     Each side decodes it to joylink-timer's typed message (tasks, time_exp, results).
    d.step("timer added (type 13, biz 1091 -> 191) and reported (1097)");
    let exp_text = "0_30_7_*_*_1,3,5_*";
    let power_on = json_text(&control_data("power", "1"))?;
    let cmds = [Cmd(&power_on)];
    let task = Task {
        version: 0,
        label: Some(Label::new(feed_id.as_bytes(), b"wake up")),
        body: TaskBody::Base(BaseTask {
            head: TaskHead {
                id: 7,
                state: TaskState::Started,
                source: TaskSource::User,
            },
            exp: ExpText(exp_text.as_bytes()),
            cmds: CmdTrank::new(&cmds),
        }),
    };
    let tasks = [task];
    let pre = ControlHeader::new(d.now(), BizCode::TimerAdd, rng.next_u32_demo());
    let add = TimerMessage::Add(TaskRequest {
        preamble: pre,
        tasks: List::from_slice(&tasks),
    });
    d.timer(cloud_dev, &add, &wkeys, &device_keys, down)?;
    let mut rsp_pre = pre.reply();
    rsp_pre.timestamp = d.now();
    let rsp = TimerMessage::AddResponse(TimerCode {
        preamble: rsp_pre,
        code: 0,
    });
    d.timer(dev_cloud, &rsp, &wkeys, &cloud_keys, up)?;
    // When does it fire? joylink-timer computes it from the expression (civil time, UTC here).
    let exp: TimeExp = exp_text.parse()?;
    let now = joylink::timer::CivilTime::from_seconds_since_epoch(i64::from(d.clock))
        .context("clock out of range")?;
    let fire = exp.next_after(now, now).context("the timer never fires")?;
    let fire_ts = u32::try_from(fire.seconds_since_epoch()).unwrap_or(d.clock);
    if !d.json && !d.quiet {
        outln(&format!("\n  timer {exp_text} next fires at {fire} UTC"));
    }
    d.clock = fire_ts;
    let results = [TaskResult {
        id: 7,
        step: 1,
        code: 0,
    }];
    let report = TimerMessage::ReportResult(ResultReport {
        preamble: ControlHeader::new(d.now(), BizCode::TimerReportResult, rng.next_u32_demo()),
        results: List::from_slice(&results),
    });
    d.timer(dev_cloud, &report, &wkeys, &cloud_keys, up)?;

    // 11. The gateway reports its sub-device: heartbeat (type 110) and an upload sealed with
    //     the sub-device's accesskey inside the session-key layer (type 112, spec 8.2); the
    //     cloud opens both layers.
    d.step("gateway: sub-device heartbeat (type 110) and upload (type 112)");
    let gw_cloud = (GATEWAY, CLOUD);
    let devs = [SubDevInfo {
        version: 1,
        rssi: 80,
        feed_id: FixedText::new("feed_id", sub_feed.as_bytes()),
        state: SubDevOnline::Online,
    }];
    let hb = WanMessage::SubDevHeartbeat(joylink::wire::wan::SubDevHeartbeat {
        timestamp: d.now(),
        version: 1,
        rssi: 70,
        devices: SubDevList::from_records(&devs),
    });
    d.note(SUBDEV, GATEWAY, "zigbee: report");
    d.wan(gw_cloud, &hb, &wkeys, &cloud_keys, up)?;
    let data = SNAPSHOT_LIGHT_ON;
    let sub_mode = Mode::AccessKey(&sub_access);
    let mut inner = vec![0u8; joylink::inner_sealed_len(&sub_mode, data.len())];
    let n = joylink::seal_inner(&sub_mode, data, &mut inner)?;
    inner.truncate(n);
    let upload = WanMessage::SubDevUpload(SubDevUpload {
        timestamp: d.now(),
        feed_id: FixedText::new("feed_id", sub_feed.as_bytes()),
        data: &inner,
    });
    d.wan(gw_cloud, &upload, &wkeys, &cloud_keys, up)?;

    // 12. OTA status report (spec 9.6, type 8).
    d.step("OTA status report (type 8)");
    // The device builds the report with cJSON_Print (vector wan-26); the cloud answers compactly.
    let ota = OtaStatusReport::new(OtaStatusData {
        feed_id: feed_id.as_str().into(),
        product_uuid: PRODUCT_UUID.into(),
        status: OtaStatus::Install,
        status_desc: "success".into(),
        progress: 100,
    })
    .to_vec_styled(Style::Cjson)?;
    let msg = WanMessage::OtaStatus(Timestamped {
        timestamp: d.now(),
        body: &ota,
    });
    d.wan(dev_cloud, &msg, &wkeys, &cloud_keys, up)?;
    let ota_ok = OtaStatusResponse {
        code: 0,
        msg: "success".into(),
    }
    .to_vec()?;
    let msg = WanMessage::OtaStatusResponse(Timestamped {
        timestamp: d.now(),
        body: &ota_ok,
    });
    d.wan(cloud_dev, &msg, &wkeys, &device_keys, down)?;

    if !d.json && !d.quiet {
        outln(&format!(
            "\n{} packets exchanged, every one decoded by its receiver.",
            d.count
        ));
    }
    draw_ladder(ladder_arg, &d.ladder, !d.quiet)?;

    // The same flows again, run by the joylink-session machines under the requested faults.
    let outcome = machines::run(args.seed, args.loss, args.duplicate, !d.json && !d.quiet);
    let summary = outcome.summary();
    write_outputs(args, &outcome)?;
    if d.json {
        let flows: serde_json::Map<String, Value> = outcome
            .flows
            .iter()
            .map(|(f, ok)| ((*f).to_owned(), Value::Bool(*ok)))
            .collect();
        // stdout stays one document per packet of the walk above (JSON Lines).
        crate::errln(
            &json!({"summary": flows, "recoveries": outcome.recoveries,
                    "completed": outcome.all_completed()})
            .to_string(),
        );
    } else if d.quiet {
        crate::errln(&summary);
    } else {
        outln(&summary);
    }
    Ok(if outcome.all_completed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes `--pcap` and `--keys` from what the machines did.
fn write_outputs(args: &Args, outcome: &machines::Outcome) -> Result<()> {
    if let Some(path) = &args.pcap {
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let c = &outcome.capture;
        c.write(std::io::BufWriter::new(file))
            .with_context(|| format!("writing {}", path.display()))?;
        crate::errln(&format!(
            "capture written to {} ({} frames; {} sent but never delivered)",
            path.display(),
            c.len(),
            outcome.lost
        ));
    }
    if let Some(path) = &args.keys {
        std::fs::write(path, serde_json::to_string_pretty(&outcome.keys)?)
            .with_context(|| format!("writing {}", path.display()))?;
        crate::errln(&format!("keys written to {}", path.display()));
    }
    Ok(())
}

impl DemoRng {
    fn next_u64_demo(&mut self) -> u64 {
        rand_core::Rng::next_u64(self)
    }

    fn next_u32_demo(&mut self) -> u32 {
        rand_core::Rng::next_u32(self)
    }
}
