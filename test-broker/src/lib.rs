//! Test support for the MQTT tests of joylink-tokio and joylink-cli: a mosquitto child process
//! on a free loopback port (killed on drop), and an MQTT observer that records every message
//! under `joylink/#`. This crate is `publish = false` and only ever a dev-dependency (cargo
//! drops a path-only dev-dependency from a packaged crate).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

/// The mosquitto binary, or `None` (with a note) when it is missing. Under CI (env `CI` set) a
/// missing mosquitto fails the test: `.ci/run` installs it.
pub fn mosquitto() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|d| d.join("mosquitto"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "mosquitto is not installed (apt-get install mosquitto); the MQTT tests need it"
        );
        eprintln!("note: mosquitto not found: MQTT test skipped (it fails under CI)");
    }
    found
}

/// A mosquitto on 127.0.0.1:`port`, with persistence in a directory of its own (so that a
/// restart keeps the observer's session, as a production broker would); killed on drop.
pub struct Broker {
    /// The loopback port it listens on.
    pub port: u16,
    bin: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Broker {
    /// Starts one, or `None` when mosquitto is missing (outside CI).
    pub fn start() -> Option<Self> {
        let bin = mosquitto()?;
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("joylink-mqtt-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // mosquitto started as root drops to its own user: let it write its database here.
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n\
                 persistence_location {}/\nmax_queued_messages 100000\n",
                dir.display()
            ),
        )
        .unwrap();
        let mut b = Self {
            port,
            bin,
            dir,
            child: None,
        };
        b.spawn();
        Some(b)
    }

    /// `mqtt://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        // A small shell watches the test process: if it dies without running our Drop (killed
        // by a harness timeout), mosquitto goes with it. SIGTERM to the shell stops mosquitto
        // gracefully (it saves its sessions).
        let script = format!(
            "{bin} -c {conf} & m=$!\n\
             trap 'kill -TERM $m; wait $m; exit 0' TERM\n\
             while kill -0 {parent} 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 0.2; done\n\
             kill -KILL $m 2>/dev/null\n",
            bin = self.bin.display(),
            conf = self.dir.join("mosquitto.conf").display(),
            parent = std::process::id(),
        );
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting mosquitto");
        self.child = Some(child);
        let t = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "mosquitto did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it as an operator would (SIGTERM: it saves its sessions) and waits.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let t = Instant::now();
            while c.try_wait().unwrap().is_none() {
                if t.elapsed() > Duration::from_secs(5) {
                    let _ = c.kill();
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One message seen on the broker.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Its topic.
    pub topic: String,
    /// Its payload, as JSON (`null` when it is not).
    pub json: serde_json::Value,
    /// Whether the broker delivered it as retained.
    pub retain: bool,
}

/// An MQTT client subscribed to `joylink/#` (persistent session, QoS 1) recording everything.
pub struct Observer {
    /// The client, to publish commands with.
    pub client: AsyncClient,
    /// Every message seen so far, in order.
    pub seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Observer {
    /// Connects as `id` to the broker on `port` and waits until subscribed.
    pub async fn connect(port: u16, id: &str) -> Self {
        let mut o = MqttOptions::new(id, "127.0.0.1", port);
        o.set_clean_session(false);
        o.set_keep_alive(Duration::from_secs(5));
        o.set_max_packet_size(1 << 20, 1 << 20);
        let (client, mut el) = AsyncClient::new(o, 10_000);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let mut ready = Some(ready_tx);
        let task = tokio::spawn(async move {
            loop {
                match el.poll().await {
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        if let Some(r) = ready.take() {
                            let _ = r.send(());
                        }
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let json = serde_json::from_slice(&p.payload).unwrap_or_else(|_| {
                            serde_json::Value::String(String::from_utf8_lossy(&p.payload).into())
                        });
                        s.lock().unwrap().push(Seen {
                            topic: p.topic.clone(),
                            json,
                            retain: p.retain,
                        });
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        client
            .subscribe("joylink/#", QoS::AtLeastOnce)
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(10), ready_rx)
            .await
            .expect("observer subscribed")
            .unwrap();
        Self { client, seen, task }
    }

    /// Publishes `json` on `topic`, QoS 1, not retained.
    pub async fn publish(&self, topic: &str, json: &serde_json::Value) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, json.to_string())
            .await
            .unwrap();
    }

    /// The messages whose topic matches `f`.
    pub fn matching(&self, f: impl Fn(&str) -> bool) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| f(&s.topic))
            .cloned()
            .collect()
    }

    /// Waits until `cond` holds over everything seen, up to `secs`.
    pub async fn wait_for(&self, secs: u64, what: &str, cond: impl Fn(&[Seen]) -> bool) {
        let t = Instant::now();
        loop {
            if cond(&self.seen.lock().unwrap()) {
                return;
            }
            assert!(
                t.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last retained-or-live status of every device: feed id -> (online, node).
    pub fn device_states(&self) -> std::collections::HashMap<String, (bool, String)> {
        device_states(&self.seen.lock().unwrap())
    }
}

/// The last status of every device in `seen`: feed id -> (online, node).
pub fn device_states(seen: &[Seen]) -> std::collections::HashMap<String, (bool, String)> {
    {
        let mut m = std::collections::HashMap::new();
        for s in seen {
            if s.topic.ends_with("/status") && s.topic.contains("/device/") {
                let feed = s.json["feedid"].as_str().unwrap_or_default().to_string();
                let on = s.json["state"] == "online";
                let node = s.json["node"].as_str().unwrap_or_default().to_string();
                m.insert(feed, (on, node));
            }
        }
        m
    }
}

/// The responses in `seen` whose `request_id` starts with `prefix`: request id -> response.
pub fn responses(
    seen: &[Seen],
    prefix: &str,
) -> std::collections::HashMap<String, serde_json::Value> {
    seen.iter()
        .filter(|s| s.topic.contains("/response/"))
        .filter_map(|s| {
            let id = s.json["request_id"].as_str()?;
            id.starts_with(prefix)
                .then(|| (id.to_string(), s.json.clone()))
        })
        .collect()
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
