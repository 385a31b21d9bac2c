//! Two `joylink cloud --mqtt` processes on one mosquitto and a `joylink fleet` of 200 devices
//! spread over both (`--cloud A --cloud B`): a command published for each device reaches it
//! through whichever node holds it and every response comes back; then one node is killed
//! (SIGKILL), its devices reconnect to the other, offline/online statuses appear, and commands
//! reach them again.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use joylink_test_broker::{Broker, Observer, Seen, device_states, responses};
use serde_json::{Value, json};

/// A child process killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn joylink() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("joylink"))
}

const SEED: &str = "9";
const N: usize = 200;

fn cloud(listen: &str, url: &str, node: &str, log: &std::path::Path) -> Proc {
    let child = joylink()
        .args([
            "cloud",
            "--listen",
            listen,
            "--fleet-seed",
            SEED,
            "--fleet-count",
            "200",
        ])
        .args(["--quiet", "--status-secs", "1", "--duration", "60"])
        .args([
            "--mqtt",
            url,
            "--node-id",
            node,
            "--unknown-timeout-ms",
            "3000",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    Proc(child)
}

fn feeds() -> Vec<String> {
    // The fleet's identities, as `joylink fleet --write-devices` writes them.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("devices.json");
    let st = joylink()
        .args([
            "fleet",
            "--cloud",
            "127.0.0.1:1",
            "--devices",
            "200",
            "--seed",
            SEED,
        ])
        .arg("--write-devices")
        .arg(&path)
        .status()
        .unwrap();
    assert!(st.success());
    let list: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    list.iter()
        .map(|d| d["feedid"].as_str().unwrap().to_string())
        .collect()
}

fn online_at(seen: &[Seen], feeds: &[String], node: Option<&str>) -> usize {
    let st = device_states(seen);
    feeds
        .iter()
        .filter(|f| {
            st.get(*f)
                .is_some_and(|(on, n)| *on && node.is_none_or(|x| x == n))
        })
        .count()
}

async fn command_all(obs: &Observer, feeds: &[String], prefix: &str) {
    for (i, f) in feeds.iter().enumerate() {
        let cmd = json!({ "request_id": format!("{prefix}{i}"), "data": {"cmd": {"power": "1"}} });
        obs.publish(&format!("joylink/device/{f}/cmd/control"), &cmd)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_cloud_processes_serve_a_fleet_and_survive_a_killed_node() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let url = broker.url();
    let dir = tempfile::tempdir().unwrap();
    let feeds = feeds();
    assert_eq!(feeds.len(), N);
    let obs = Observer::connect(broker.port, "cli-observer").await;
    let (pa, pb) = (free_port(), free_port());
    let (la, lb) = (format!("127.0.0.1:{pa}"), format!("127.0.0.1:{pb}"));
    let mut a = cloud(&la, &url, "cli-a", &dir.path().join("a.log"));
    let _b = cloud(&lb, &url, "cli-b", &dir.path().join("b.log"));
    obs.wait_for(20, "both nodes online", |s| {
        ["cli-a", "cli-b"].iter().all(|n| {
            s.iter().any(|m| {
                m.topic == format!("joylink/node/{n}/status") && m.json["state"] == "online"
            })
        })
    })
    .await;
    let t0 = Instant::now();
    let _fleet = Proc(
        joylink()
            .args([
                "fleet",
                "--cloud",
                &la,
                "--cloud",
                &lb,
                "--devices",
                "200",
                "--seed",
                SEED,
            ])
            .args([
                "--duration",
                "45",
                "--heartbeat-ms",
                "1000",
                "--connect-rate",
                "0",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    obs.wait_for(30, "200 devices online", |s| {
        online_at(s, &feeds, None) == N
    })
    .await;
    let seen = obs.seen.lock().unwrap().clone();
    let (on_a, on_b) = (
        online_at(&seen, &feeds, Some("cli-a")),
        online_at(&seen, &feeds, Some("cli-b")),
    );
    println!(
        "200 devices online after {:?}: {on_a} at cli-a, {on_b} at cli-b",
        t0.elapsed()
    );
    assert_eq!(
        (on_a, on_b),
        (100, 100),
        "the fleet spreads over both nodes"
    );

    let t1 = Instant::now();
    command_all(&obs, &feeds, "p1-").await;
    obs.wait_for(30, "200 responses", |s| responses(s, "p1-").len() == N)
        .await;
    println!("200 of 200 responses in {:?}", t1.elapsed());
    let holders = device_states(&seen);
    let r = responses(&obs.seen.lock().unwrap(), "p1-");
    for (i, f) in feeds.iter().enumerate() {
        let x = &r[&format!("p1-{i}")];
        assert_eq!(x["ok"], true, "{x}");
        assert_eq!(x["node"].as_str(), Some(holders[f].1.as_str()));
    }

    // The device machine refuses an auth answer not newer (in whole seconds) than its last one
    // (a replayed answer would reinstall an old session key) and asks again only after its
    // auth retry (5 s in the fleet): a node lost in the same second as the devices' auth would
    // leave them waiting that long. Lose it a second later, as a real loss would be.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // Kill node a.
    let mark = obs.seen.lock().unwrap().len();
    a.0.kill().unwrap();
    let _ = a.0.wait();
    let t2 = Instant::now();
    obs.wait_for(30, "every device online at cli-b", |s| {
        online_at(s, &feeds, Some("cli-b")) == N
    })
    .await;
    println!(
        "cli-a killed: all 200 devices online at cli-b after {:?}",
        t2.elapsed()
    );
    let after: Vec<Seen> = obs.seen.lock().unwrap()[mark..].to_vec();
    assert!(
        after
            .iter()
            .any(|s| s.topic == "joylink/node/cli-a/status" && s.json["state"] == "offline")
    );
    let offline: BTreeSet<&str> = after
        .iter()
        .filter(|s| s.topic.contains("/device/") && s.json["state"] == "offline")
        .filter_map(|s| s.json["feedid"].as_str())
        .collect();
    let moved: Vec<&String> = feeds.iter().filter(|f| holders[*f].1 == "cli-a").collect();
    assert!(!offline.is_empty(), "offline statuses appear");
    assert!(offline.iter().all(|f| moved.iter().any(|m| m == f)));
    let online_b: BTreeSet<&str> = after
        .iter()
        .filter(|s| s.json["state"] == "online" && s.json["node"] == "cli-b")
        .filter_map(|s| s.json["feedid"].as_str())
        .collect();
    assert!(
        moved.iter().all(|f| online_b.contains(f.as_str())),
        "online statuses appear"
    );

    let t3 = Instant::now();
    command_all(&obs, &feeds, "p2-").await;
    obs.wait_for(30, "200 responses after the kill", |s| {
        responses(s, "p2-").len() == N
    })
    .await;
    println!("200 of 200 responses through cli-b in {:?}", t3.elapsed());
    assert!(
        responses(&obs.seen.lock().unwrap(), "p2-")
            .values()
            .all(|x| x["ok"] == true && x["node"] == "cli-b")
    );
    // The status line carries the bridge's counters.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let log = std::fs::read_to_string(dir.path().join("b.log")).unwrap();
    let last = log
        .lines()
        .rfind(|l| l.starts_with("status:"))
        .unwrap_or_default();
    assert!(
        last.contains("mqtt up") && last.contains("dropped 0"),
        "{last}"
    );
    drop(broker);
}
