//! The cloud front end on an MQTT broker, against a real mosquitto (started and stopped by each
//! test on a free loopback port): routing through whichever node holds a device, node loss,
//! broker loss with the bounded buffer, unknown devices, and every payload against its schema.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

mod common;

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use joylink_session::wan::{Device, DeviceConfig, Event};
use joylink_test_broker::{Broker, Observer, Seen, responses as responses_to};
use joylink_tokio::TokioClock;
use joylink_tokio::cloud::{CloudHub, HubRequest, ServerConfig};
use joylink_tokio::device::{AppAction, DeviceApp, DriverConfig, run_device};
use joylink_tokio::fleet::{FleetConfig, Progress, SNAPSHOT, identity, run_fleet};
use joylink_tokio::mqtt::payload::{self, ErrorCode};
use joylink_tokio::mqtt::topics::{CommandKind, Topics};
use joylink_tokio::mqtt::{MqttBridge, MqttConfig};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

struct Node {
    hub: CloudHub,
    addr: SocketAddr,
    stop: CancellationToken,
    bridge: MqttBridge,
    task: tokio::task::JoinHandle<joylink_tokio::Result<()>>,
}

async fn node(url: &str, id: &str, seed: u64, n: u64, buffer: usize, unknown_ms: u64) -> Node {
    let mut sc = ServerConfig::default();
    sc.cloud.request_timeout_ms = 1_000;
    let (hub, addr, stop) = common::server(seed, n, sc).await;
    let mut m = MqttConfig::new(url, id);
    m.buffer = buffer;
    m.unknown_timeout = Duration::from_millis(unknown_ms);
    m.keep_alive = Duration::from_secs(2);
    m.reconnect_delay = Duration::from_millis(100);
    let bridge = MqttBridge::new(hub.clone(), m).unwrap();
    let task = tokio::spawn(bridge.clone().run(stop.clone()));
    let t = Instant::now();
    while !bridge.stats().connected {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "node {id} did not connect"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Node {
        hub,
        addr,
        stop,
        bridge,
        task,
    }
}

/// The schema of a topic of the contract.
fn schema_for(topic: &str) -> String {
    let parts: Vec<&str> = topic.split('/').collect();
    let name = match parts.as_slice() {
        [.., "node", _, "status"] => "node-status".to_string(),
        [.., "device", _, "status"] => "device-status".to_string(),
        [.., "event", k] => format!("event-{k}"),
        [.., "cmd", k] => format!("cmd-{k}"),
        [.., "response", _] => "response".to_string(),
        _ => panic!("topic outside the contract: {topic}"),
    };
    format!("{}/schema/{name}.json", env!("CARGO_MANIFEST_DIR"))
}

fn validator(path: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn check(topic: &str, v: &Value) {
    let path = schema_for(topic);
    let errors: Vec<String> = validator(&path)
        .iter_errors(v)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{topic}: {v} against {path}: {errors:?}");
}

/// Every message seen on the broker matches its schema.
fn check_all(seen: &[Seen]) {
    let mut cache: HashMap<String, jsonschema::Validator> = HashMap::new();
    for s in seen {
        let path = schema_for(&s.topic);
        let v = cache
            .entry(path.clone())
            .or_insert_with(|| validator(&path));
        let errors: Vec<String> = v.iter_errors(&s.json).map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "{}: {} against {path}: {errors:?}",
            s.topic,
            s.json
        );
    }
}

async fn command_all(obs: &Observer, feeds: &[String], prefix: &str) {
    let t = Topics::new("joylink");
    for (i, f) in feeds.iter().enumerate() {
        let cmd = json!({ "request_id": format!("{prefix}{i}"), "data": {"cmd": {"power": "1"}} });
        obs.publish(&t.command(f, CommandKind::Control), &cmd).await;
    }
}

/// (1) and (2): two nodes on one broker, 200 fleet devices spread over both; a command for
/// each reaches it through whichever node holds it and all 200 responses come back. Then one
/// node is lost: its devices reconnect to the other, offline/online statuses appear, and
/// commands reach them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_route_200_commands_and_take_over_a_lost_node() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let url = broker.url();
    let obs = Observer::connect(broker.port, "observer-1").await;
    let (seed, n) = (7u64, 200u64);
    let a = node(&url, "node-a", seed, n, 10_000, 5_000).await;
    let b = node(&url, "node-b", seed, n, 10_000, 5_000).await;
    let started = Instant::now();
    let fleet = tokio::spawn(run_fleet(
        FleetConfig {
            cloud: a.addr,
            alternates: vec![b.addr],
            devices: n,
            seed,
            duration: Duration::from_secs(40),
            heartbeat_ms: 1_000,
            upload_ms: None,
            fault_rate: 0.0,
            connect_rate: 0,
            drain: Duration::from_secs(1),
        },
        Arc::new(Progress::default()),
    ));
    let feeds: Vec<String> = (0..n).map(|i| identity(seed, i).0).collect();
    obs.wait_for(20, "200 devices online", |s| {
        obs_online(&joylink_test_broker::device_states(s), &feeds, None) == 200
    })
    .await;
    let states = obs_states(&obs);
    assert_eq!(obs_online(&states, &feeds, Some("node-a")), 100, "spread");
    assert_eq!(obs_online(&states, &feeds, Some("node-b")), 100, "spread");
    println!(
        "200 devices online over 2 nodes after {:?}",
        started.elapsed()
    );

    let t0 = Instant::now();
    command_all(&obs, &feeds, "one-").await;
    obs.wait_for(20, "200 responses", |s| {
        responses_to(s, "one-").len() == 200
    })
    .await;
    println!("200 of 200 responses in {:?}", t0.elapsed());
    let snapshot: Value = serde_json::from_slice(SNAPSHOT).unwrap();
    let responses = responses_to(&obs.seen.lock().unwrap(), "one-");
    for (i, f) in feeds.iter().enumerate() {
        let r = &responses[&format!("one-{i}")];
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(r["feedid"], f.as_str());
        assert_eq!(r["biz_code"], 102);
        assert_eq!(r["data"], snapshot, "the device's document, unchanged");
        assert_eq!(
            r["node"].as_str(),
            Some(states[f].1.as_str()),
            "answered by its holder"
        );
    }
    // Exactly one response per command (the second copy through the shared subscription is
    // not executed twice).
    let all_one = obs.matching(|t| t.contains("/response/")).len();
    assert_eq!(all_one, 200);

    // (2) Lose node a without a goodbye: its connection to the broker and its devices' drop.
    let lost: Vec<String> = feeds
        .iter()
        .filter(|f| states[*f].1 == "node-a")
        .cloned()
        .collect();
    // The device machine refuses an auth answer not newer (in whole seconds) than its last one
    // (a replayed answer would reinstall an old session key) and asks again only after its
    // auth retry (5 s in the fleet): a node lost in the same second as the devices' auth would
    // leave them waiting that long. Lose it a second later, as a real loss would be.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let mark = obs.seen.lock().unwrap().len();
    a.task.abort();
    a.stop.cancel();
    let t1 = Instant::now();
    obs.wait_for(20, "all devices online at node b", |s| {
        obs_online(
            &joylink_test_broker::device_states(s),
            &feeds,
            Some("node-b"),
        ) == 200
    })
    .await;
    println!(
        "node a lost: its 100 devices online at node b after {:?}",
        t1.elapsed()
    );
    let after: Vec<Seen> = obs.seen.lock().unwrap()[mark..].to_vec();
    assert!(
        after
            .iter()
            .any(|s| s.topic == "joylink/node/node-a/status" && s.json["state"] == "offline"),
        "node a's last will"
    );
    let offline: BTreeSet<&str> = after
        .iter()
        .filter(|s| s.topic.ends_with("/status") && s.json["state"] == "offline")
        .filter_map(|s| s.json["feedid"].as_str())
        .collect();
    let online_b: BTreeSet<&str> = after
        .iter()
        .filter(|s| s.json["state"] == "online" && s.json["node"] == "node-b")
        .filter_map(|s| s.json["feedid"].as_str())
        .collect();
    assert!(!offline.is_empty(), "offline statuses for node a's devices");
    assert!(
        offline.iter().all(|f| lost.iter().any(|l| l == f)),
        "only node a's devices"
    );
    assert!(
        lost.iter().all(|f| online_b.contains(f.as_str())),
        "each online again at b"
    );

    let t2 = Instant::now();
    command_all(&obs, &feeds, "two-").await;
    obs.wait_for(20, "200 responses after the loss", |s| {
        responses_to(s, "two-").len() == 200
    })
    .await;
    println!("200 of 200 responses through node b in {:?}", t2.elapsed());
    let responses = responses_to(&obs.seen.lock().unwrap(), "two-");
    let bad: Vec<&Value> = responses
        .values()
        .filter(|r| !(r["ok"] == true && r["node"] == "node-b"))
        .collect();
    assert!(
        bad.is_empty(),
        "{} failed, e.g. {:?}",
        bad.len(),
        bad.first()
    );
    assert!(b.bridge.stats().commands >= 300);
    check_all(&obs.seen.lock().unwrap());
    fleet.abort();
    b.stop.cancel();
    drop(broker);
}

fn obs_states(obs: &Observer) -> HashMap<String, (bool, String)> {
    obs.device_states()
}

fn obs_online(
    states: &HashMap<String, (bool, String)>,
    feeds: &[String],
    node: Option<&str>,
) -> usize {
    feeds
        .iter()
        .filter(|f| {
            states
                .get(*f)
                .is_some_and(|(on, n)| *on && node.is_none_or(|x| x == n))
        })
        .count()
}

/// Uploads `{"seq": n}` every 50 ms.
struct Counter {
    next: u64,
    at: Option<joylink_session::Instant>,
}

impl DeviceApp for Counter {
    fn on_event(&mut self, _d: &mut Device, now: joylink_session::Instant, e: Event) {
        if e == Event::Authenticated {
            self.at = Some(now);
        }
    }
    fn poll_timeout(&self) -> Option<joylink_session::Instant> {
        self.at
    }
    fn handle_timeout(&mut self, d: &mut Device, now: joylink_session::Instant) -> AppAction {
        let body = format!(r#"{{"seq":{}}}"#, self.next);
        if d.upload(now, body.as_bytes()).is_ok() {
            self.next += 1;
        }
        self.at = Some(now.add_millis(50));
        AppAction::Continue
    }
}

fn seqs(obs: &Observer, feed: &str) -> BTreeSet<u64> {
    seqs_in(&obs.seen.lock().unwrap(), feed)
}

fn seqs_in(seen: &[Seen], feed: &str) -> BTreeSet<u64> {
    let topic = format!("joylink/device/{feed}/event/upload");
    seen.iter()
        .filter(|s| s.topic == topic)
        .filter_map(|s| s.json["data"]["seq"].as_u64())
        .collect()
}

/// (3) The broker stops for 10 s and comes back. The devices stay connected and keep uploading
/// (20 a second each). A node whose buffer holds the whole outage loses nothing; a node with a
/// buffer of 10 drops the oldest and counts exactly what it dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_outage_loses_nothing_within_the_bound_and_counts_drops() {
    let Some(mut broker) = Broker::start() else {
        return;
    };
    let url = broker.url();
    let obs = Observer::connect(broker.port, "observer-3").await;
    let big = node(&url, "node-big", 31, 1, 10_000, 5_000).await;
    let small = node(&url, "node-small", 32, 1, 10, 5_000).await;
    let stop = CancellationToken::new();
    let mut feeds = Vec::new();
    for (seed, addr) in [(31, big.addr), (32, small.addr)] {
        let (feed, key) = identity(seed, 0);
        feeds.push(feed.clone());
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut d: Device =
                Device::new(DeviceConfig::new(&feed, "SEQ001", key.parse().unwrap()).unwrap());
            let mut app = Counter { next: 0, at: None };
            run_device(
                &mut d,
                &DriverConfig::new(addr),
                TokioClock::new(),
                &mut app,
                &stop,
            )
            .await
        });
    }
    obs.wait_for(10, "uploads flowing", |s| {
        feeds.iter().all(|f| seqs_in(s, f).len() >= 5)
    })
    .await;
    let before = (big.hub.stats().online, small.hub.stats().online);
    let mark = obs.seen.lock().unwrap().len();
    let t = Instant::now();
    tokio::task::block_in_place(|| broker.stop());
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(!big.bridge.stats().connected && !small.bridge.stats().connected);
    assert_eq!(
        (big.hub.stats().online, small.hub.stats().online),
        before,
        "devices stay"
    );
    let buffered = (big.bridge.stats().buffered, small.bridge.stats().buffered);
    tokio::task::block_in_place(|| broker.restart());
    println!("broker away {:?}; buffered then {buffered:?}", t.elapsed());
    assert!(buffered.0 >= 150, "{buffered:?}");
    assert_eq!(buffered.1, 10, "the small buffer is full");
    let t = Instant::now();
    while !(big.bridge.stats().connected && small.bridge.stats().connected) {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "nodes did not reconnect"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.cancel();
    // Let the last uploads through, until the buffers are empty and nothing new arrives.
    let mut last = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let n = obs.seen.lock().unwrap().len();
        if n == last && big.bridge.stats().buffered == 0 && small.bridge.stats().buffered == 0 {
            break;
        }
        last = n;
    }
    let (pb, ps) = (big.hub.stats().uploads, small.hub.stats().uploads);
    let (sb, ss) = (seqs(&obs, &feeds[0]), seqs(&obs, &feeds[1]));
    let (db, ds) = (big.bridge.stats().dropped, small.bridge.stats().dropped);
    println!(
        "big: produced {pb} received {} dropped {db}; small: produced {ps} received {} dropped {ds}",
        sb.len(),
        ss.len()
    );
    assert_eq!(db, 0);
    assert_eq!(sb.len() as u64, pb, "within the bound nothing is lost");
    assert_eq!(
        sb.iter().copied().collect::<Vec<_>>(),
        (0..pb).collect::<Vec<_>>()
    );
    assert!(ds > 0, "the outage overflowed the small buffer");
    assert_eq!(ps - ss.len() as u64, ds, "every drop is counted");
    // The oldest went: what is missing is one run of consecutive events.
    let missing: Vec<u64> = (0..ps).filter(|s| !ss.contains(s)).collect();
    assert_eq!(missing.len() as u64, ds);
    assert_eq!(missing.last().unwrap() - missing[0] + 1, ds, "{missing:?}");
    assert!(
        small
            .bridge
            .stats()
            .to_string()
            .contains(&format!("dropped {ds}"))
    );
    // Back on the broker, each node said again that it and its device are online.
    let again = obs.seen.lock().unwrap()[mark..].to_vec();
    for (n, f) in [(&big, &feeds[0]), (&small, &feeds[1])] {
        assert_eq!(n.bridge.stats().connects, 2);
        let status = format!("joylink/device/{f}/status");
        assert!(
            again
                .iter()
                .any(|s| s.topic == status && s.json["state"] == "online")
        );
    }
    for id in ["node-big", "node-small"] {
        let status = format!("joylink/node/{id}/status");
        assert!(
            again
                .iter()
                .any(|s| s.topic == status && s.json["state"] == "online")
        );
    }
    check_all(&obs.seen.lock().unwrap());
    big.stop.cancel();
    small.stop.cancel();
}

/// (4) A command for a device that no node holds: exactly one node answers, `not_online`,
/// after the unknown-device timeout. A malformed command for a held device gets
/// `bad_request`; a timer add gets `unsupported`; a device that does not answer gets `timeout`,
/// one that disconnects before answering gets `offline`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_for_an_unknown_device_gets_not_online_after_the_timeout() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let url = broker.url();
    let obs = Observer::connect(broker.port, "observer-4").await;
    let a = node(&url, "node-a", 41, 1, 100, 1_000).await;
    let b = node(&url, "node-b", 41, 1, 100, 1_000).await;
    let t = Topics::new("joylink");
    let t0 = Instant::now();
    obs.publish(
        &t.command("NOBODY0001", CommandKind::Snapshot),
        &json!({ "request_id": "u1" }),
    )
    .await;
    obs.wait_for(10, "the not_online answer", |s| {
        !responses_to(s, "u1").is_empty()
    })
    .await;
    let waited = t0.elapsed();
    println!("not_online after {waited:?}");
    assert!(waited >= Duration::from_millis(1_000), "{waited:?}");
    let r = &responses_to(&obs.seen.lock().unwrap(), "u1")["u1"];
    assert_eq!(r["ok"], false);
    assert_eq!(r["error"]["code"], "not_online");
    assert_eq!(r["feedid"], "NOBODY0001");

    // A held device: errors are answered by its node at once.
    let (feed, key) = identity(41, 0);
    let stop = CancellationToken::new();
    let (f2, s2, addr) = (feed.clone(), stop.clone(), a.addr);
    tokio::spawn(async move {
        let mut d: Device =
            Device::new(DeviceConfig::new(&f2, "SEQ001", key.parse().unwrap()).unwrap());
        run_device(
            &mut d,
            &DriverConfig::new(addr),
            TokioClock::new(),
            &mut Counter { next: 0, at: None },
            &s2,
        )
        .await
    });
    obs.wait_for(10, "device online", |s| {
        joylink_test_broker::device_states(s)
            .get(&feed)
            .is_some_and(|x| x.0)
    })
    .await;
    obs.publish(
        &t.command(&feed, CommandKind::Control),
        &json!({ "request_id": "u2", "data": 5 }),
    )
    .await;
    obs.publish(
        &t.command(&feed, CommandKind::TimerAdd),
        &json!({ "request_id": "u3" }),
    )
    .await;
    obs.wait_for(10, "error answers", |s| {
        !responses_to(s, "u2").is_empty() && !responses_to(s, "u3").is_empty()
    })
    .await;
    // Without a request id: answered once, with a null request id.
    obs.publish(
        &t.command(&feed, CommandKind::Snapshot),
        &json!({ "data": {} }),
    )
    .await;
    let nulls = |s: &[Seen]| {
        s.iter()
            .filter(|m| m.topic.contains("/response/") && m.json["request_id"].is_null())
            .count()
    };
    obs.wait_for(10, "the anonymous bad request's answer", |s| nulls(s) == 1)
        .await;
    // A device that does not answer (this one never does): `timeout` after the machine's
    // request timeout (1 s here). Then one that disconnects first: `offline`.
    let t4 = Instant::now();
    let control = json!({ "request_id": "u4", "data": {"cmd": {"power": "1"}} });
    obs.publish(&t.command(&feed, CommandKind::Control), &control)
        .await;
    obs.wait_for(10, "the timeout answer", |s| {
        !responses_to(s, "u4").is_empty()
    })
    .await;
    assert!(t4.elapsed() >= Duration::from_millis(1_000));
    let control = json!({ "request_id": "u5", "data": {"cmd": {"power": "0"}} });
    obs.publish(&t.command(&feed, CommandKind::Control), &control)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.cancel();
    obs.wait_for(10, "the offline answer", |s| {
        !responses_to(s, "u5").is_empty()
    })
    .await;
    // No duplicate answer from the other node, even after its timeout.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let seen = obs.seen.lock().unwrap().clone();
    let count = |id: &str| {
        seen.iter()
            .filter(|s| s.topic.contains("/response/") && s.json["request_id"] == id)
            .count()
    };
    let counts: Vec<usize> = ["u1", "u2", "u3", "u4", "u5"].map(count).to_vec();
    assert_eq!(counts, [1; 5]);
    assert_eq!(nulls(&seen), 1);
    let r = responses_to(&seen, "u");
    assert_eq!(r["u4"]["error"]["code"], "timeout");
    assert_eq!(r["u5"]["error"]["code"], "offline");
    let st = joylink_test_broker::device_states(&seen);
    assert_eq!(st[&feed], (false, "node-a".to_string()));
    assert_eq!(r["u2"]["error"]["code"], "bad_request");
    assert_eq!(r["u3"]["error"]["code"], "bad_request");
    assert_eq!(r["u2"]["node"], "node-a");
    assert_eq!(a.bridge.stats().not_online + b.bridge.stats().not_online, 1);
    // Everything but the deliberately malformed commands matches its schema.
    let malformed = |s: &Seen| {
        s.topic.contains("/cmd/")
            && (s.json["request_id"] == "u2"
                || s.json["request_id"] == "u3"
                || s.json["request_id"].is_null())
    };
    let valid: Vec<Seen> = seen.iter().filter(|s| !malformed(s)).cloned().collect();
    check_all(&valid);
    stop.cancel();
    drop(broker);
}

/// Sends, once authenticated, a sub-device upload (type 112) for `sub` sealed with the
/// sub-device's accesskey, and an asynchronous result (type 14), as a gateway would.
struct GatewayApp {
    feed: String,
    sub: (String, String),
    sent: bool,
}

impl DeviceApp for GatewayApp {
    fn on_event(&mut self, d: &mut Device, now: joylink_session::Instant, e: Event) {
        use joylink_session::wan::seal_inner;
        use joylink_wire::wan::{AsyncResult, ControlType, SubDevUpload, WanMessage};
        use joylink_wire::{BizCode, FixedText};
        if e != Event::Authenticated || self.sent {
            return;
        }
        self.sent = true;
        let key = self.sub.1.parse().unwrap();
        let mut inner = [0u8; 256];
        let n = seal_inner(
            &key,
            br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#,
            &mut inner,
        )
        .unwrap();
        let ts = d.unix_time(now).unwrap_or(0);
        let up = WanMessage::SubDevUpload(SubDevUpload {
            timestamp: ts,
            feed_id: FixedText::new("feed_id", self.sub.0.as_bytes()),
            data: &inner[..n],
        });
        d.send_message(&up).unwrap();
        let a = WanMessage::AsyncResult(AsyncResult {
            timestamp: ts,
            biz_code: BizCode::Control,
            serial: 77,
            feed_id: FixedText::new("feed_id", self.feed.as_bytes()),
            control_type: ControlType::TimerTask,
            task_timestamp: ts,
            id: FixedText::new("id", b"7"),
            resp: br#"{"power":"1"}"#,
        });
        d.send_message(&a).unwrap();
    }
}

/// The commands and events a fleet device exercises beyond control: a timer task added and
/// modified from its JSON form (each answered on the broker with its request id and the
/// device's code), a gateway's sub-device upload published on the sub-device's own topic, and
/// an asynchronous result with its body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timer_tasks_sub_device_uploads_and_async_results_cross_the_broker() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let url = broker.url();
    let obs = Observer::connect(broker.port, "observer-5").await;
    let a = node(&url, "node-a", 51, 2, 100, 1_000).await;
    let (feed, key) = identity(51, 0);
    let sub = identity(51, 1);
    let stop = CancellationToken::new();
    let (f2, s2, addr, sub2) = (feed.clone(), stop.clone(), a.addr, sub.clone());
    tokio::spawn(async move {
        let mut d: Device =
            Device::new(DeviceConfig::new(&f2, "SEQ001", key.parse().unwrap()).unwrap());
        let mut app = GatewayApp {
            feed: f2.clone(),
            sub: sub2,
            sent: false,
        };
        run_device(
            &mut d,
            &DriverConfig::new(addr),
            TokioClock::new(),
            &mut app,
            &s2,
        )
        .await
    });
    let sub_topic = format!("joylink/device/{}/event/upload", sub.0);
    let async_topic = format!("joylink/device/{feed}/event/async");
    obs.wait_for(10, "the sub-device upload and the async result", |s| {
        s.iter().any(|m| m.topic == sub_topic) && s.iter().any(|m| m.topic == async_topic)
    })
    .await;
    let t = Topics::new("joylink");
    let task = json!({"id": 7, "mode_name": "base", "time_exp": "0_*_*_*_*_*_*",
                      "cmds": ["power=1"]});
    obs.publish(
        &t.command(&feed, CommandKind::TimerAdd),
        &json!({"request_id": "t1", "task": task}),
    )
    .await;
    obs.wait_for(10, "the add answer", |s| !responses_to(s, "t1").is_empty())
        .await;
    obs.publish(
        &t.command(&feed, CommandKind::TimerQuery),
        &json!({"request_id": "t2"}),
    )
    .await;
    obs.wait_for(10, "the query answer", |s| {
        !responses_to(s, "t2").is_empty()
    })
    .await;
    let modified = json!({"id": 7, "version": 1, "mode_name": "base",
                          "time_exp": "0_30_*_*_*_*_*", "cmds": ["power=0"]});
    obs.publish(
        &t.command(&feed, CommandKind::TimerModify),
        &json!({"request_id": "t3", "task": modified}),
    )
    .await;
    obs.wait_for(10, "the modify answer", |s| {
        !responses_to(s, "t3").is_empty()
    })
    .await;
    // The device's own refusal travels as its code: this device's table keeps base tasks only.
    let countdown = json!({"id": 7, "version": 2, "mode_name": "countdown", "interval": 60});
    obs.publish(
        &t.command(&feed, CommandKind::TimerModify),
        &json!({"request_id": "t4", "task": countdown}),
    )
    .await;
    obs.wait_for(10, "the refused modify's answer", |s| {
        !responses_to(s, "t4").is_empty()
    })
    .await;
    let seen = obs.seen.lock().unwrap().clone();
    let r = responses_to(&seen, "t");
    let answer = |id: &str| {
        let v = &r[id];
        (v["ok"].clone(), v["biz_code"].clone(), v["code"].clone())
    };
    assert_eq!(
        answer("t1"),
        (json!(true), json!(191), json!(0)),
        "{}",
        r["t1"]
    );
    assert_eq!(
        answer("t2"),
        (json!(true), json!(194), json!(1)),
        "{}",
        r["t2"]
    );
    assert_eq!(
        answer("t3"),
        (json!(true), json!(192), json!(0)),
        "{}",
        r["t3"]
    );
    assert!(r.values().all(|v| v["feedid"] == feed.as_str()));
    assert!(
        seen.iter()
            .any(|m| m.topic == t.response(&feed, CommandKind::TimerModify)
                && m.json["request_id"] == "t3")
    );
    let up = &seen.iter().find(|m| m.topic == sub_topic).unwrap().json;
    assert_eq!(up["type"], 112);
    assert_eq!(up["feedid"], sub.0.as_str());
    assert_eq!(up["gateway"], feed.as_str());
    assert_eq!(up["data"]["streams"][0]["current_value"], "1");
    let asy = &seen.iter().find(|m| m.topic == async_topic).unwrap().json;
    assert_eq!(
        (
            &asy["biz_code"],
            &asy["serial"],
            &asy["control_type"],
            &asy["id"]
        ),
        (&json!(1002), &json!(77), &json!(0), &json!("7"))
    );
    assert_eq!(asy["data"], json!({"power": "1"}));
    check_all(&seen);
    stop.cancel();
    drop(broker);
}

/// (6) A device whose connection does not take its commands holds up only its own: the
/// bridge hands commands over concurrently. The stalled device's connection runs on a runtime
/// of its own whose one thread the test blocks (as a worker thread busy elsewhere would be), so
/// that its task does not run while the inbox still takes commands. The bridge used to wait for
/// each hand-over in turn (up to 5 s each), so the healthy device's command waited behind the
/// stalled one's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_connection_does_not_hold_up_another_devices_commands() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let url = broker.url();
    let obs = Observer::connect(broker.port, "observer-6").await;
    let (healthy, stalled) = (identity(61, 0), identity(62, 0));
    let mut sc = ServerConfig::default();
    sc.cloud.request_timeout_ms = 1_000;
    sc.command_capacity = 2;
    let keys = [&healthy, &stalled].map(|(f, k)| (f.clone(), k.parse().unwrap()));
    let hub = CloudHub::new(keys, sc);
    let stop = CancellationToken::new();
    let l1 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr1 = l1.local_addr().unwrap();
    tokio::spawn(hub.clone().serve(l1, stop.clone()));
    let l2 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l2.set_nonblocking(true).unwrap();
    let addr2 = l2.local_addr().unwrap();
    let rt2 = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let rt2_handle = rt2.handle().clone();
    let (hub2, stop2) = (hub.clone(), stop.clone());
    let rt2_thread = std::thread::spawn(move || {
        rt2.block_on(async move {
            let l2 = tokio::net::TcpListener::from_std(l2).unwrap();
            hub2.serve(l2, stop2).await
        })
    });
    let mut m = MqttConfig::new(&url, "node-a");
    m.keep_alive = Duration::from_secs(2);
    let bridge = MqttBridge::new(hub.clone(), m).unwrap();
    tokio::spawn(bridge.clone().run(stop.clone()));
    // Connected, the bridge follows the hub's events: the devices' arrivals are not missed.
    let t = Instant::now();
    while !bridge.stats().connected {
        assert!(t.elapsed() < Duration::from_secs(10), "no broker");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let fleet = |seed, cloud| {
        tokio::spawn(run_fleet(
            FleetConfig {
                cloud,
                alternates: Vec::new(),
                devices: 1,
                seed,
                duration: Duration::from_secs(60),
                heartbeat_ms: 1_000,
                upload_ms: None,
                fault_rate: 0.0,
                connect_rate: 0,
                drain: Duration::from_secs(1),
            },
            Arc::new(Progress::default()),
        ))
    };
    let fleets = [fleet(61, addr1), fleet(62, addr2)];
    obs.wait_for(20, "both devices online", |s| {
        let st = joylink_test_broker::device_states(s);
        [&healthy.0, &stalled.0]
            .iter()
            .all(|f| st.get(*f).is_some_and(|x| x.0))
    })
    .await;

    // Stall the second runtime: its one thread blocks until released (or the test is gone).
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (blocked_tx, blocked) = tokio::sync::oneshot::channel();
    rt2_handle.spawn(async move {
        blocked_tx.send(()).unwrap();
        let _ = released.recv_timeout(Duration::from_secs(30));
    });
    blocked.await.unwrap();
    let t = Topics::new("joylink");
    let control = |id: &str| json!({ "request_id": id, "data": {"cmd": {"power": "1"}} });
    // Two fill the stalled connection's inbox (capacity 2); the third finds it full.
    for id in ["stalled-1", "stalled-2", "stalled-3"] {
        obs.publish(&t.command(&stalled.0, CommandKind::Control), &control(id))
            .await;
    }
    let t0 = Instant::now();
    obs.publish(
        &t.command(&healthy.0, CommandKind::Control),
        &control("healthy-1"),
    )
    .await;
    obs.wait_for(15, "the healthy device's answer", |s| {
        !responses_to(s, "healthy-1").is_empty()
    })
    .await;
    let took = t0.elapsed();
    obs.wait_for(15, "the full inbox's answer", |s| {
        !responses_to(s, "stalled-3").is_empty()
    })
    .await;
    let seen = obs.seen.lock().unwrap().clone();
    println!("the healthy device answered in {took:?} while the other's connection stalled");
    let h = &responses_to(&seen, "healthy-1")["healthy-1"];
    assert_eq!(
        (&h["ok"], &h["biz_code"]),
        (&json!(true), &json!(102)),
        "{h}"
    );
    // What proves it regardless of the machine's speed: the healthy device was answered while
    // the stalled one's first two commands were still being handed over (nothing answered
    // them yet; the old bridge answered each `refused` after 5 s before it read the next).
    let waiting = responses_to(&seen, "stalled-");
    assert_eq!(
        waiting.keys().collect::<Vec<_>>(),
        ["stalled-3"],
        "{waiting:?}"
    );
    // A full inbox is answered at once, as a refusal to retry.
    let full = &waiting["stalled-3"];
    assert_eq!(full["ok"], false);
    assert_eq!(full["error"]["code"], "refused", "{full}");
    // Well under the 5 s one stalled hand-over took in the old bridge (the order above is the
    // proof; this bound only has to tell seconds apart on a loaded machine).
    assert!(
        took < Duration::from_secs(4),
        "the healthy device was answered after {took:?}"
    );

    // Released, the connection takes the two commands that waited and the device answers them
    // (the hand-overs' serials reached the pending table).
    release.send(()).unwrap();
    obs.wait_for(10, "the stalled device's answers", |s| {
        responses_to(s, "stalled-").len() == 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = obs.seen.lock().unwrap().clone();
    let answered = responses_to(&seen, "stalled-");
    for id in ["stalled-1", "stalled-2"] {
        let r = &answered[id];
        assert_eq!(
            (&r["ok"], &r["biz_code"]),
            (&json!(true), &json!(102)),
            "{r}"
        );
    }
    let responses = seen
        .iter()
        .filter(|s| s.topic.contains("/response/"))
        .count();
    assert_eq!(responses, 4, "one response per command");
    check_all(&seen);
    stop.cancel();
    for f in fleets {
        f.abort();
    }
    tokio::task::spawn_blocking(move || rt2_thread.join().unwrap())
        .await
        .unwrap()
        .unwrap();
    drop(broker);
}

/// The request kinds the bridge hands the hub are what the commands say.
#[test]
fn commands_become_hub_requests() {
    let c = payload::parse_command(
        CommandKind::Ota,
        br#"{"request_id":"o","product_uuid":"P","version":2,"version_name":"v2","crc32":7,"url":"http://x/f"}"#,
    )
    .unwrap();
    assert!(matches!(
        c.request,
        HubRequest::Ota {
            version: 2,
            crc32: 7,
            ..
        }
    ));
    let u = payload::parse_command(
        CommandKind::Unbind,
        br#"{"request_id":"u","feed_ids":["S1"]}"#,
    )
    .unwrap();
    assert_eq!(
        u.request,
        HubRequest::UnbindSubs {
            feed_ids: vec!["S1".into()]
        }
    );
}

/// Every payload the node builds matches its published schema, every command the schemas
/// accept the node parses, and the schemas refuse what the node refuses.
#[test]
fn payloads_match_their_schemas() {
    let t = Topics::new("joylink");
    let f = "F1D0000001";
    check(
        &t.node_status("n1"),
        &payload::node_status("n1", true, Some(1)),
    );
    check(
        &t.node_status("n1"),
        &payload::node_status("n1", false, None),
    );
    check(
        &t.device_status(f),
        &payload::device_status(f, "n1", true, None, 1),
    );
    check(
        &t.device_status(f),
        &payload::device_status(f, "n1", false, Some("node_lost"), 1),
    );
    let snap: Value = serde_json::from_slice(SNAPSHOT).unwrap();
    use joylink_tokio::mqtt::topics::EventKind as E;
    for (k, ty, fields) in [
        (
            E::Upload,
            12,
            json!({ "data": payload::document(SNAPSHOT) }),
        ),
        (
            E::Upload,
            12,
            json!({ "data": payload::document(b"garbage") }),
        ),
        (E::Ota, 8, json!({ "status": 1, "progress": 40 })),
        (
            E::Timer,
            13,
            json!({ "biz_code": 1097, "id": 3, "code": 0 }),
        ),
        (
            E::Upload,
            112,
            json!({ "gateway": "GW1", "data": payload::document(SNAPSHOT) }),
        ),
        (
            E::Async,
            14,
            json!({ "biz_code": 1002, "serial": 3, "control_type": 1, "task_timestamp": 9,
                    "id": "", "data": {"power": "1"} }),
        ),
        (E::Task, 16, json!({ "data": { "task": 1 } })),
    ] {
        check(&t.event(f, k), &payload::event(f, "n1", 1, ty, fields));
    }
    let r = t.response(f, CommandKind::Control);
    check(
        &r,
        &payload::response_ok("r", f, "n1", 1, 5, json!({ "biz_code": 102, "data": snap })),
    );
    check(&r, &payload::response_ok("r", f, "n1", 1, 5, json!({})));
    for code in [
        ErrorCode::NotOnline,
        ErrorCode::Timeout,
        ErrorCode::Offline,
        ErrorCode::BadRequest,
        ErrorCode::Refused,
        ErrorCode::Unsupported,
    ] {
        check(
            &r,
            &payload::response_error(Some("r"), f, "n1", 1, code, "m"),
        );
    }
    check(
        &r,
        &payload::response_error(None, f, "n1", 1, ErrorCode::BadRequest, "m"),
    );
    // The schemas refuse a success without serial, an error without its error.
    let v = validator(&schema_for(&r));
    assert!(!v.is_valid(&json!({"request_id":"r","feedid":f,"node":"n","ts":1,"ok":true})));
    assert!(!v.is_valid(&json!({"request_id":"r","feedid":f,"node":"n","ts":1,"ok":false})));

    // Commands: an example of each kind the schema accepts is one the node parses.
    let examples = [
        (
            CommandKind::Control,
            json!({"request_id":"r","data":{"cmd":{"power":"1"}}}),
        ),
        (CommandKind::Snapshot, json!({"request_id":"r"})),
        (
            CommandKind::Recipe,
            json!({"request_id":"r","data":{"recipe":1}}),
        ),
        (
            CommandKind::Ota,
            json!({"request_id":"r","product_uuid":"P","version":2,"version_name":"v","crc32":1,"url":"u"}),
        ),
        (
            CommandKind::TimerDelete,
            json!({"request_id":"r","ids":[1]}),
        ),
        (CommandKind::TimerQuery, json!({"request_id":"r"})),
        (CommandKind::TimerStop, json!({"request_id":"r","ids":[]})),
        (
            CommandKind::TimerRestart,
            json!({"request_id":"r","ids":[2,3]}),
        ),
        (
            CommandKind::Unbind,
            json!({"request_id":"r","feed_ids":["S1"]}),
        ),
    ];
    for (k, ex) in &examples {
        let topic = t.command(f, *k);
        check(&topic, ex);
        let parsed = payload::parse_command(*k, ex.to_string().as_bytes());
        assert!(parsed.is_ok(), "{k:?}: {parsed:?}");
    }
    let tasks = [
        json!({"id": 1, "mode_name": "base", "time_exp": "0_30_7_*_*_1,3,5_*",
               "cmds": ["power=1", {"hex": "00ff"}]}),
        json!({"id": 2, "version": 1, "mode_name": "period", "state": "stopped",
               "source": "panel", "feed_id": f, "name": "evening", "start_exp": "0_0_18_*_*_*_*",
               "stop_exp": "0_0_22_*_*_*_*", "repeat_flag": 1, "period_type": 0,
               "period_days": [0, 6], "start_cmds": ["on"], "stop_cmds": ["off"]}),
        json!({"id": 3, "mode": 2, "action_interval": 10, "sleep_interval": 5, "times": 3}),
        json!({"id": 4, "mode_name": "countdown", "interval": 60, "action_cmds": ["off"]}),
    ];
    for k in [CommandKind::TimerAdd, CommandKind::TimerModify] {
        for task in &tasks {
            let ex = json!({"request_id": "r", "task": task});
            check(&t.command(f, k), &ex);
            let parsed = payload::parse_command(k, ex.to_string().as_bytes());
            assert!(parsed.is_ok(), "{k:?}: {parsed:?}");
        }
        // The schema refuses what the node refuses: no task, a task without its mode's fields.
        let v = validator(&schema_for(&t.command(f, k)));
        for bad in [
            json!({"request_id": "r"}),
            json!({"request_id": "r", "task": {"id": 1, "mode_name": "base"}}),
            json!({"request_id": "r", "task": {"id": 1, "mode": 3}}),
            json!({"request_id": "r", "task": {"mode_name": "countdown", "interval": 1}}),
        ] {
            assert!(!v.is_valid(&bad), "{k:?}: {bad}");
            assert!(payload::parse_command(k, bad.to_string().as_bytes()).is_err());
        }
    }
    // Every kind has a schema; each refuses a command without a request id, as the node does.
    for k in CommandKind::ALL {
        let v = validator(&schema_for(&t.command(f, k)));
        assert!(!v.is_valid(&json!({"data":{}})), "{k:?}");
        assert!(payload::parse_command(k, br#"{"data":{}}"#).is_err());
    }
    assert!(
        !validator(&schema_for(&t.command(f, CommandKind::Control)))
            .is_valid(&json!({"request_id":"r"}))
    );
    assert!(
        !validator(&schema_for(&t.command(f, CommandKind::Ota)))
            .is_valid(&json!({"request_id":"r","version":1}))
    );
}
