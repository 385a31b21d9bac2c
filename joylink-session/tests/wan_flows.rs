//! Device ↔ cloud WAN flows through the simulated connection (`joylink_session::wan::sim`).
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink_crypto::AccessKey;
use joylink_session::wan::sim::{CloudRec, DevRec, Pair, SNAPSHOT};
use joylink_session::wan::{
    CloudEvent, CloudState, DeviceConfig, DeviceState, OtaOrderSpec, PendingKind,
};
use joylink_session::{Error, Instant};
use joylink_wire::BizCode;
use joylink_wire::wan::OtaStatus;
use joylink_wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, ExpText, Task, TaskBody, TaskHead, TaskSource, TaskState,
};

const KEY: &str = "25e35c9691ee91296facd5d28a4822bc";
const CMD: &[u8] = br#"{"streams":[{"stream_id":"power","current_value":"0"}]}"#;

fn config() -> DeviceConfig {
    DeviceConfig::new("1234567890123456", "ABCDEF", KEY.parse().unwrap()).unwrap()
}

fn online(seed: u64) -> Pair {
    let mut p = Pair::new(config(), seed);
    p.run_for(1_000);
    assert_eq!(p.device.state(), DeviceState::Online);
    assert_eq!(p.cloud.state(), CloudState::Online);
    p
}

fn packet_type(frame: &[u8]) -> u8 {
    frame[9]
}

#[test]
fn auth_installs_one_session_key_and_uploads_a_snapshot() {
    let p = online(1);
    let dk = p
        .device
        .session_key()
        .unwrap()
        .raw_secret_bytes()
        .to_owned();
    let ck = p.cloud.session_key().unwrap();
    assert_eq!(&dk, ck.raw_secret_bytes(), "both ends use the cloud's key");
    assert_ne!(dk, [0u8; 32]);
    assert_eq!(p.cloud.feed_id(), b"1234567890123456");
    assert!(p.dev_log.contains(&DevRec::Authenticated));
    assert!(
        p.cloud_log
            .contains(&CloudRec::Event(CloudEvent::Authenticated))
    );
    // spec 7.3.5: the first session packet after auth is the snapshot upload.
    let after_auth: Vec<u8> = p.seen_by_cloud.iter().map(|(_, t)| *t).collect();
    assert_eq!(after_auth[0], 9);
    assert_eq!(after_auth[1], 12);
    assert!(p.cloud_log.contains(&CloudRec::Upload(SNAPSHOT.to_vec())));
    // The device took the cloud's clock from the auth answer.
    assert!(p.device.unix_time(p.now).unwrap() >= joylink_session::wan::sim::START_UNIX);
}

#[test]
fn different_seeds_give_different_session_keys() {
    let a = online(1).cloud.session_key().unwrap();
    let b = online(2).cloud.session_key().unwrap();
    assert_ne!(a, b);
}

#[test]
fn heartbeats_are_at_most_60_s_apart_and_keep_the_device_online() {
    let mut cfg = config();
    cfg.heartbeat_ms = 10 * 60_000; // asks for more than the spec allows
    let mut p = Pair::new(cfg, 3);
    p.run_for(10 * 60_000);
    let hbs: Vec<Instant> = p
        .seen_by_cloud
        .iter()
        .filter(|(_, t)| *t == 10)
        .map(|(i, _)| *i)
        .collect();
    assert!(hbs.len() >= 9, "{} heartbeats in 10 minutes", hbs.len());
    for w in hbs.windows(2) {
        assert!(w[1].millis_since(w[0]) <= 60_000, "{w:?}");
    }
    assert_eq!(p.cloud.state(), CloudState::Online);
    assert!(!p.cloud_log.contains(&CloudRec::Event(CloudEvent::Offline)));
    assert_eq!(p.connections, 1);
}

/// Every heartbeat the cloud answers is reported once by `Event::HeartbeatAcked`; heartbeats
/// the cloud does not answer are not.
#[test]
fn answered_heartbeats_are_reported_and_unanswered_ones_are_not() {
    let mut cfg = config();
    cfg.heartbeat_ms = 1_000;
    let mut p = Pair::new(cfg, 21);
    p.run_for(10_500);
    let sent = p.seen_by_cloud.iter().filter(|(_, t)| *t == 10).count();
    let acked = |p: &Pair| -> u32 {
        p.dev_log
            .iter()
            .map(|r| match r {
                DevRec::HeartbeatAcked { count } => *count,
                _ => 0,
            })
            .sum()
    };
    assert!(sent >= 9, "{sent}");
    assert_eq!(acked(&p) as usize, sent);
    // The cloud's answers stop reaching the device: its next heartbeats reach the cloud, none
    // is reported.
    let before = acked(&p);
    p.device_muted = true;
    p.run_for(2_500);
    assert!(p.seen_by_cloud.iter().filter(|(_, t)| *t == 10).count() > sent);
    assert_eq!(acked(&p), before);
}

#[test]
fn silent_device_goes_offline_and_unanswered_device_reauthenticates() {
    let mut p = online(4);
    let first_key = p.cloud.session_key().unwrap();
    p.cloud_muted = true;
    p.run_for(130_000);
    // Cloud: no packet for 120 s.
    assert!(p.cloud_log.contains(&CloudRec::Event(CloudEvent::Offline)));
    // Device: 3 heartbeats without an answer (spec 7.3.1 注) → new connection.
    assert!(p.dev_log.contains(&DevRec::Reconnect));
    assert!(p.connections >= 2);
    p.cloud_muted = false;
    p.run_for(10_000);
    assert_eq!(p.device.state(), DeviceState::Online);
    assert_eq!(p.cloud.state(), CloudState::Online);
    assert_ne!(
        p.cloud.session_key().unwrap(),
        first_key,
        "re-auth draws a new key"
    );
}

#[test]
fn three_unanswered_heartbeats_reconnect_within_four_intervals() {
    let mut p = online(5);
    let t0 = p.now;
    p.device_muted = true;
    p.run_for(4 * 15_000 + 1_000);
    let at = p.dev_log.iter().position(|r| *r == DevRec::Reconnect);
    assert!(at.is_some(), "{:?}", p.dev_log);
    assert!(p.now.millis_since(t0) <= 61_000);
    p.device_muted = false;
    p.run_for(5_000);
    assert_eq!(p.device.state(), DeviceState::Online);
    // Two auths, two uploads.
    assert_eq!(
        p.dev_log
            .iter()
            .filter(|r| **r == DevRec::Authenticated)
            .count(),
        2
    );
    assert_eq!(p.cloud_count(|r| matches!(r, CloudRec::Upload(_))), 2);
}

#[test]
fn dropped_connection_reauthenticates_with_a_new_key() {
    let mut p = online(6);
    let k1 = p.cloud.session_key().unwrap();
    p.break_connection();
    assert_eq!(p.device.state(), DeviceState::Disconnected);
    assert!(p.device.session_key().is_none());
    assert_eq!(p.cloud.state(), CloudState::Offline);
    p.run_for(5_000);
    assert_eq!(p.connections, 2);
    assert_eq!(p.device.state(), DeviceState::Online);
    let k2 = p.cloud.session_key().unwrap();
    assert_ne!(k1, k2);
    assert_eq!(p.device.session_key(), Some(&k2));
}

#[test]
fn control_is_matched_by_serial_and_times_out_without_answer() {
    let mut p = online(7);
    let s1 = p
        .cloud
        .control(p.now, BizCode::Control, CMD, &mut p.cloud_tx)
        .unwrap();
    let s2 = p
        .cloud
        .control(p.now, BizCode::Snapshot, b"{}", &mut p.cloud_tx)
        .unwrap();
    assert!(s2 > s1);
    assert!(p.cloud.is_pending(s1));
    p.run_for(1_000);
    assert_eq!(p.applied(), [s1, s2]);
    for s in [s1, s2] {
        assert!(p.cloud_log.contains(&CloudRec::ControlResponse {
            serial: s,
            data: SNAPSHOT.to_vec()
        }));
        assert!(!p.cloud.is_pending(s));
    }
    // No answer: the request times out after 10 s, exactly once.
    p.device_muted = true;
    let s3 = p
        .cloud
        .control(p.now, BizCode::Control, CMD, &mut p.cloud_tx)
        .unwrap();
    p.run_for(9_000);
    assert!(p.cloud.is_pending(s3));
    p.run_for(2_000);
    assert!(!p.cloud.is_pending(s3));
    let timeout = CloudRec::Event(CloudEvent::Timeout {
        serial: s3,
        kind: PendingKind::Control,
    });
    assert_eq!(p.cloud_count(|r| *r == timeout), 1);
}

#[test]
fn pending_requests_are_bounded() {
    let mut p = online(8);
    p.device_muted = true;
    for _ in 0..joylink_session::wan::PENDING_CAP {
        p.cloud
            .control(p.now, BizCode::Control, CMD, &mut p.cloud_tx)
            .unwrap();
    }
    assert_eq!(
        p.cloud
            .control(p.now, BizCode::Control, CMD, &mut p.cloud_tx),
        Err(Error::Capacity)
    );
}

#[test]
fn replayed_control_is_not_applied_twice() {
    let mut p = online(9);
    let s = p
        .cloud
        .control(p.now, BizCode::Control, CMD, &mut p.cloud_tx)
        .unwrap();
    p.run_for(1_000);
    assert_eq!(p.applied(), [s]);
    let frame = p
        .captured
        .iter()
        .rev()
        .find(|(_, f)| packet_type(f) == 11)
        .unwrap()
        .1
        .clone();
    p.inject_to_device(&frame);
    p.inject_to_device(&frame);
    p.run_for(1_000);
    assert_eq!(p.applied(), [s], "the replay is dropped");
    assert_eq!(
        p.dev_log
            .iter()
            .filter(|r| **r == DevRec::ReplayDropped { serial: s })
            .count(),
        2
    );
    assert_eq!(
        p.cloud_count(|r| matches!(r, CloudRec::ControlResponse { .. })),
        1
    );
    assert_eq!(
        p.cloud_count(|r| matches!(r, CloudRec::Unmatched { .. })),
        0
    );
    // A newer control still goes through.
    let s2 = p
        .cloud
        .control(p.now, BizCode::Control, CMD, &mut p.cloud_tx)
        .unwrap();
    p.run_for(1_000);
    assert_eq!(p.applied(), [s, s2]);
    // After a re-auth the old frame is sealed with a key that no longer exists.
    p.break_connection();
    p.run_for(5_000);
    p.inject_to_device(&frame);
    p.run_for(1_000);
    assert_eq!(p.applied(), [s, s2]);
}

#[test]
fn ota_runs_to_done_and_is_kept_alive_within_ten_minutes() {
    let mut p = online(10);
    let order = OtaOrderSpec {
        product_uuid: "ABCDEF",
        version: 2,
        version_name: "1.2.1.20151030_release",
        crc32: 0x2dfd_2d88,
        url: "http://ota.example.com/fw.bin",
    };
    let s = p.cloud.start_ota(p.now, &order, &mut p.cloud_tx).unwrap();
    p.run_for(2_000);
    assert!(p.dev_log.contains(&DevRec::OtaOrder { serial: s }));
    assert!(p.cloud_log.contains(&CloudRec::OtaAck { serial: s }));
    p.device
        .ota_status(p.now, OtaStatus::Download, 10, "downloading")
        .unwrap();
    p.run_for(1_000);
    assert!(p.cloud_log.contains(&CloudRec::OtaStatus {
        status: 0,
        progress: 10
    }));
    // Eleven quiet minutes: the machine repeats the status, so the cloud does not fail it.
    p.run_for(11 * 60_000);
    assert!(
        p.cloud_count(|r| *r
            == CloudRec::OtaStatus {
                status: 0,
                progress: 10
            })
            >= 3
    );
    assert!(
        !p.cloud_log
            .contains(&CloudRec::Event(CloudEvent::OtaFailed))
    );
    p.device
        .ota_status(p.now, OtaStatus::Install, 100, "installing")
        .unwrap();
    p.device
        .ota_status(p.now, OtaStatus::Done, 100, "ok")
        .unwrap();
    p.run_for(1_000);
    assert!(p.cloud_log.contains(&CloudRec::Event(CloudEvent::OtaDone)));
    // Done: no more repeats.
    let n = p.cloud_count(|r| matches!(r, CloudRec::OtaStatus { .. }));
    p.run_for(11 * 60_000);
    assert_eq!(
        p.cloud_count(|r| matches!(r, CloudRec::OtaStatus { .. })),
        n
    );
}

#[test]
fn ota_without_status_fails_after_ten_minutes() {
    let mut p = online(11);
    let order = OtaOrderSpec {
        product_uuid: "ABCDEF",
        version: 2,
        version_name: "1.2.1.20151030_release",
        crc32: 1,
        url: "http://x/fw.bin",
    };
    p.cloud.start_ota(p.now, &order, &mut p.cloud_tx).unwrap();
    p.run_for(9 * 60_000);
    assert!(
        !p.cloud_log
            .contains(&CloudRec::Event(CloudEvent::OtaFailed))
    );
    p.run_for(2 * 60_000);
    assert!(
        p.cloud_log
            .contains(&CloudRec::Event(CloudEvent::OtaFailed))
    );
}

fn every_minute_task(id: i32, cmd: &'static [Cmd<'static>]) -> Task<'static> {
    Task {
        version: 0,
        label: Some(joylink_wire::wan::timer::Label::default()),
        body: TaskBody::Base(BaseTask {
            head: TaskHead {
                id,
                state: TaskState::Started,
                source: TaskSource::User,
            },
            exp: ExpText(b"0_*_*_*_*_*_*"),
            cmds: CmdTrank::new(cmd),
        }),
    }
}

static POWER_ON: [Cmd<'static>; 1] = [Cmd(b"power=1")];

#[test]
fn timer_added_by_the_cloud_fires_and_is_reported() {
    let mut p = online(12);
    let task = every_minute_task(7, &POWER_ON);
    let s = p.cloud.add_timer(p.now, &task, &mut p.cloud_tx).unwrap();
    p.run_for(1_000);
    assert!(p.cloud_log.contains(&CloudRec::TimerAnswer { serial: s }));
    assert_eq!(p.cloud.timer_ids().collect::<Vec<_>>(), [7]);
    assert_eq!(p.device.timers().ids().collect::<Vec<_>>(), [7]);
    assert_eq!(p.device.timer_command(7), Some(&b"power=1"[..]));
    p.run_for(125_000);
    let fired = p
        .dev_log
        .iter()
        .filter(|r| **r == DevRec::TimerFired { id: 7 })
        .count();
    assert!(
        (2..=3).contains(&fired),
        "fired {fired} times in ~2 minutes"
    );
    assert_eq!(
        p.cloud_count(|r| *r == CloudRec::TimerExecuted { id: 7, code: 0 }),
        fired
    );
    // Firings land on second 0 of the device's clock.
    let unix = p.device.unix_time(p.now).unwrap();
    assert!(unix > 0);
    // Stop: no more firings; delete: both lists empty.
    p.cloud
        .manage_timers(p.now, BizCode::TimerStop, &[7], &mut p.cloud_tx)
        .unwrap();
    p.run_for(1_000);
    assert_eq!(p.device.timers().is_running(7), Some(false));
    let before = p.dev_log.len();
    p.run_for(120_000);
    assert!(
        !p.dev_log[before..]
            .iter()
            .any(|r| matches!(r, DevRec::TimerFired { .. }))
    );
    p.cloud
        .manage_timers(p.now, BizCode::TimerDelete, &[7], &mut p.cloud_tx)
        .unwrap();
    p.run_for(1_000);
    assert!(p.device.timers().is_empty());
    assert_eq!(p.cloud.timer_ids().count(), 0);
}

static POWER_OFF: [Cmd<'static>; 1] = [Cmd(b"power=0")];

#[test]
fn timer_updated_by_the_cloud_replaces_the_task() {
    let mut p = online(14);
    p.cloud
        .add_timer(p.now, &every_minute_task(7, &POWER_ON), &mut p.cloud_tx)
        .unwrap();
    p.run_for(1_000);
    let mut task = every_minute_task(7, &POWER_OFF);
    task.version = 1;
    let s = p.cloud.update_timer(p.now, &task, &mut p.cloud_tx).unwrap();
    p.run_for(1_000);
    assert!(p.cloud_log.contains(&CloudRec::TimerAnswer { serial: s }));
    assert!(!p.cloud.is_pending(s));
    assert_eq!(p.device.timers().ids().collect::<Vec<_>>(), [7]);
    assert_eq!(p.device.timer_command(7), Some(&b"power=0"[..]));
    assert_eq!(p.cloud.timer_ids().collect::<Vec<_>>(), [7]);
}

#[test]
fn timer_snapshot_after_reauth_brings_the_cloud_in_line() {
    let mut p = online(13);
    let task = every_minute_task(9, &POWER_ON);
    // The answer to the add is lost with the connection: the cloud has not recorded id 9.
    p.cloud.add_timer(p.now, &task, &mut p.cloud_tx).unwrap();
    p.run_for(25); // delivered to the device, answer still in flight
    p.break_connection();
    assert_eq!(p.device.timers().ids().collect::<Vec<_>>(), [9]);
    assert_eq!(p.cloud.timer_ids().count(), 0);
    p.run_for(5_000);
    assert_eq!(
        p.cloud.timer_ids().collect::<Vec<_>>(),
        [9],
        "1101 after auth"
    );
}

#[test]
fn wrong_accesskey_is_refused_and_never_online() {
    let mut cfg = config();
    cfg.access_key = "00000000000000000000000000000000"
        .parse::<AccessKey>()
        .unwrap();
    let mut p = Pair::new(cfg, 14);
    // The cloud's registry holds the real key.
    p.keys[0].1 = KEY.parse().unwrap();
    p.run_for(10_000);
    assert_ne!(p.device.state(), DeviceState::Online);
    assert_ne!(p.cloud.state(), CloudState::Online);
    assert!(p.cloud.session_key().is_none());
    assert!(p.cloud_log.iter().any(|r| matches!(
        r,
        CloudRec::Refused(Error::Crypto(_)) | CloudRec::Refused(Error::Wire(_))
    )));
    assert!(
        p.connections >= 2,
        "the cloud hangs up, the device tries again"
    );
}

#[test]
fn unknown_feed_id_is_refused() {
    let mut p = Pair::new(config(), 15);
    p.keys.clear();
    p.break_connection();
    p.run_for(5_000);
    assert!(
        p.cloud_log
            .contains(&CloudRec::Refused(Error::State("unknown feed id")))
    );
    assert_ne!(p.device.state(), DeviceState::Online);
}

#[test]
fn cloud_session_survives_serde_mid_flow() {
    let mut p = online(16);
    p.device_muted = true;
    let s = p
        .cloud
        .control(p.now, BizCode::Control, CMD, &mut p.cloud_tx)
        .unwrap();
    p.flush(); // lost on the way
    p.device_muted = false;
    // The request is outstanding when the session moves: persist, drop, restore.
    let json = serde_json::to_vec(&p.cloud).unwrap();
    let restored: joylink_session::wan::Cloud = serde_json::from_slice(&json).unwrap();
    assert_eq!(restored, p.cloud);
    p.cloud = restored;
    assert!(p.cloud.is_pending(s));
    // The flow continues on the restored state: a new control is answered and matched.
    let s2 = p
        .cloud
        .control(p.now, BizCode::Control, CMD, &mut p.cloud_tx)
        .unwrap();
    assert!(s2 > s, "serials continue");
    p.run_for(1_000);
    assert_eq!(p.applied(), [s2]);
    assert!(p.cloud_log.contains(&CloudRec::ControlResponse {
        serial: s2,
        data: SNAPSHOT.to_vec()
    }));
    p.run_for(20_000);
    assert_eq!(
        p.cloud_count(|r| *r
            == CloudRec::Event(CloudEvent::Timeout {
                serial: s,
                kind: PendingKind::Control
            })),
        1
    );
    assert_eq!(p.cloud.state(), CloudState::Online);
}

#[test]
fn info_fetch_round_trip() {
    let mut p = online(17);
    let s = p
        .device
        .fetch_info(p.now, br#"{"type":["weather"]}"#)
        .unwrap();
    p.run_for(1_000);
    assert!(p.cloud_log.contains(&CloudRec::InfoRequest { serial: s }));
    p.cloud
        .answer_info(p.now, s, br#"{"result":[]}"#, &mut p.cloud_tx)
        .unwrap();
    p.run_for(1_000);
    assert!(p.dev_log.contains(&DevRec::Info { serial: s }));
}

#[test]
fn replayed_auth_answer_does_not_restore_an_old_session() {
    let mut p = online(18);
    p.run_for(5_000); // the next auth answer carries a later cloud time
    let s = p
        .cloud
        .control(p.now, BizCode::Control, CMD, &mut p.cloud_tx)
        .unwrap();
    p.run_for(1_000);
    assert_eq!(p.applied(), [s]);
    let frames: Vec<Vec<u8>> = p
        .captured
        .iter()
        .filter(|(c, f)| *c == 1 && matches!(packet_type(f), 9 | 11))
        .map(|(_, f)| f.clone())
        .collect();
    assert_eq!(frames.len(), 2);
    // The connection drops; an attacker in the path puts the old auth answer and the old
    // control in front of the cloud's genuine answer.
    p.break_connection();
    p.latency_ms = 2_000;
    for f in &frames {
        p.inject_to_device(f);
    }
    p.latency_ms = 20;
    p.run_for(10_000);
    assert_eq!(p.applied(), [s], "the old control must not open again");
    assert_eq!(p.device.state(), DeviceState::Online);
    assert_eq!(p.device.session_key(), p.cloud.session_key().as_ref());
}

#[test]
fn timer_set_on_the_device_gets_its_id_from_the_cloud() {
    let mut p = online(19);
    let mut t = every_minute_task(0, &POWER_ON);
    t.label = None;
    p.device.add_local_timer(p.now, &t).unwrap();
    assert_eq!(p.device.timers().ids().collect::<Vec<_>>(), [0]);
    // A second one waits until the first has its id.
    assert!(p.device.add_local_timer(p.now, &t).is_err());
    p.run_for(1_000);
    let ids: Vec<i32> = p.device.timers().ids().collect();
    assert_eq!(ids.len(), 1);
    assert_ne!(ids[0], 0, "the cloud assigned an id (198)");
    assert_eq!(p.cloud.timer_ids().collect::<Vec<_>>(), ids);
    // Deleted on the device (1099): gone on both sides.
    p.device.delete_local_timer(p.now, ids[0]).unwrap();
    p.run_for(1_000);
    assert!(p.device.timers().is_empty());
    assert_eq!(p.cloud.timer_ids().count(), 0);
}

#[test]
fn local_timer_report_is_repeated_after_a_drop() {
    let mut p = online(20);
    let mut t = every_minute_task(0, &POWER_ON);
    t.label = None;
    p.cloud_muted = true;
    p.device.add_local_timer(p.now, &t).unwrap();
    p.flush();
    p.cloud_muted = false;
    p.break_connection();
    p.run_for(5_000);
    let ids: Vec<i32> = p.device.timers().ids().collect();
    assert_eq!(ids.len(), 1);
    assert_ne!(ids[0], 0);
    assert_eq!(p.cloud.timer_ids().collect::<Vec<_>>(), ids);
}

#[test]
fn cloud_keeps_the_sub_device_states_of_a_gateway() {
    use joylink_wire::FixedText;
    use joylink_wire::wan::{SubDevHeartbeat, SubDevInfo, SubDevList, SubDevOnline, WanMessage};
    let mut p = online(21);
    let pad = |s: &str| {
        let mut a = [0u8; 32];
        a[..s.len()].copy_from_slice(s.as_bytes());
        a
    };
    let (fa, fb) = (pad("3039237988000962"), pad("456224334682547976"));
    let send = |p: &mut Pair, states: [SubDevOnline; 2]| {
        let records = [
            SubDevInfo {
                version: 1,
                rssi: 0xffff,
                feed_id: FixedText::new("feed_id", &fa),
                state: states[0],
            },
            SubDevInfo {
                version: 1,
                rssi: 0xffff,
                feed_id: FixedText::new("feed_id", &fb),
                state: states[1],
            },
        ];
        let hb = SubDevHeartbeat {
            timestamp: 1,
            version: 1,
            rssi: 0,
            devices: SubDevList::from_records(&records),
        };
        p.device
            .send_message(&WanMessage::SubDevHeartbeat(hb))
            .unwrap();
        p.run_for(1_000);
    };
    send(&mut p, [SubDevOnline::Online, SubDevOnline::Offline]);
    let got: Vec<([u8; 32], u8)> = p
        .cloud
        .sub_devices()
        .map(|d| (d.feed_id, d.state))
        .collect();
    assert_eq!(got, [(fa, 0), (fb, 1)]);
    assert!(p.cloud_log.contains(&CloudRec::SubDevices));
    send(&mut p, [SubDevOnline::Offline, SubDevOnline::Online]);
    let got: Vec<u8> = p.cloud.sub_devices().map(|d| d.state).collect();
    assert_eq!(got, [1, 0]);
    // A type-110 heartbeat keeps the gateway online like a type-10 one.
    assert_eq!(p.cloud.state(), CloudState::Online);
}

#[test]
fn slow_auth_answer_and_retries_still_agree_on_one_key() {
    let mut p = Pair::new(config(), 22);
    p.latency_ms = 3_000; // the device asks again (2 s) before the first answer arrives
    p.run_for(20_000);
    assert_eq!(p.device.state(), DeviceState::Online);
    assert_eq!(p.device.session_key(), p.cloud.session_key().as_ref());
    assert!(
        p.seen_by_cloud.iter().filter(|(_, t)| *t == 9).count() >= 2,
        "retried"
    );
    let s = p
        .cloud
        .control(p.now, BizCode::Control, CMD, &mut p.cloud_tx)
        .unwrap();
    p.run_for(10_000);
    assert_eq!(p.applied(), [s]);
    assert_eq!(p.connections, 1);
}

/// Type 14 (spec ch. 12) is handed up decoded: the cloud sees what the device did by itself.
#[test]
fn async_result_is_handed_up_decoded() {
    use joylink_session::wan::CloudIncoming;
    use joylink_wire::wan::{AsyncResult, ControlType};
    use joylink_wire::{EncType, FixedText, Header, Magic, PacketType};
    let mut p = online(15);
    let ts = p.device.unix_time(p.now).unwrap();
    let body = AsyncResult {
        timestamp: ts,
        biz_code: BizCode::Control,
        serial: 9,
        feed_id: FixedText::new("feed_id", b"1234567890123456"),
        control_type: ControlType::PanelOrRemote,
        task_timestamp: ts,
        id: FixedText::new("id", b"t-1"),
        resp: br#"{"power":"1"}"#,
    };
    let mut plain = vec![0u8; body.buffer_len()];
    body.emit(&mut plain).unwrap();
    let key = p.cloud.session_key().unwrap();
    let mode = joylink_crypto::Mode::Session(&key);
    let header = Header::new(Magic::Wan, PacketType::AsyncResult, EncType::SessionKey);
    let mut pkt = vec![0u8; joylink_crypto::sealed_len(&mode, 0, plain.len())];
    pkt[16..16 + plain.len()].copy_from_slice(&plain);
    let n = joylink_crypto::seal(&header, &mode, 0, plain.len(), &mut pkt).unwrap();
    pkt.truncate(n);
    let mut none = |_: &[u8]| None::<AccessKey>;
    let got = p
        .cloud
        .handle_packet(p.now, &mut pkt, &mut none, &mut p.rng, &mut p.cloud_tx)
        .unwrap();
    let Some(CloudIncoming::AsyncResult(a)) = got else {
        panic!("{got:?}")
    };
    assert_eq!((a.biz_code, a.serial), (BizCode::Control, 9));
    assert_eq!(a.id.as_bytes(), b"t-1");
    assert_eq!(a.resp, br#"{"power":"1"}"#);
}
