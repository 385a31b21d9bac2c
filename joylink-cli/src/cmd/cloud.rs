//! `joylink cloud`: a reference cloud server on `joylink-tokio` — authenticates the devices of a
//! registry, logs their events, sends controls typed on stdin, prints a status line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use joylink_tokio::cloud::{CloudHub, HubEvent, HubEventKind, ServerConfig};
use joylink_tokio::fleet::identity;
use joylink_tokio::mqtt::{MqttBridge, MqttConfig};
use tokio::io::AsyncBufReadExt as _;
use tokio_util::sync::CancellationToken;

/// `joylink cloud` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (e.g. 127.0.0.1:7000).
    #[arg(long)]
    pub listen: SocketAddr,
    /// JSON list of the devices: `[{"feedid": "...", "accesskey": "..."}, ...]`.
    #[arg(long)]
    pub devices: Option<PathBuf>,
    /// Also know the devices of `joylink fleet --seed S` (with --fleet-count).
    #[arg(long)]
    pub fleet_seed: Option<u64>,
    /// How many fleet devices --fleet-seed covers.
    #[arg(long, default_value_t = 0)]
    pub fleet_count: u64,
    /// Events as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// Seconds between status lines (stderr).
    #[arg(long, default_value_t = 5)]
    pub status_secs: u64,
    /// Seconds a connection may take to authenticate.
    #[arg(long, default_value_t = 10)]
    pub auth_timeout: u64,
    /// Print no per-device events (status lines only): for benchmarks.
    #[arg(long)]
    pub quiet: bool,
    /// Stop after this many seconds (default: run until stdin closes or Ctrl-C).
    #[arg(long)]
    pub duration: Option<u64>,
    /// Bridge to an MQTT broker (`mqtt://host:port`): every device event is published, commands
    /// are taken from it (topics: joylink-tokio's `mqtt` module docs, docs/mqtt.md).
    #[arg(long, value_name = "URL")]
    pub mqtt: Option<String>,
    /// This node's id on the broker (unique per node; default `node-<pid>`).
    #[arg(long, requires = "mqtt")]
    pub node_id: Option<String>,
    /// Base topic (default `joylink`).
    #[arg(long, requires = "mqtt", default_value = "joylink")]
    pub mqtt_base: String,
    /// Events and responses buffered while the broker is away; past it the oldest are dropped
    /// and counted.
    #[arg(long, requires = "mqtt", default_value_t = 10_000)]
    pub mqtt_buffer: usize,
    /// Milliseconds after which a command for a device no node holds is answered `not_online`.
    #[arg(long, requires = "mqtt", default_value_t = 15_000)]
    pub unknown_timeout_ms: u64,
    /// Milliseconds a command waits for the device's answer (the machine's request timeout).
    #[arg(long, default_value_t = 10_000)]
    pub request_timeout_ms: u32,
    /// Runtime worker threads: 0 runs every connection on the main thread (tokio's
    /// `current_thread`); default one per CPU core. BENCHMARKS.md ("Cloud and fleet") compares
    /// them.
    #[arg(long)]
    pub workers: Option<usize>,
}

/// Reads the registry file.
///
/// # Errors
/// An unreadable file, malformed JSON, a bad accesskey.
pub fn read_devices(path: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let list: Vec<serde_json::Value> = serde_json::from_str(&text).context("devices file")?;
    list.iter()
        .map(|d| {
            let f = d.get("feedid").and_then(|v| v.as_str());
            let k = d.get("accesskey").and_then(|v| v.as_str());
            match (f, k) {
                (Some(f), Some(k)) => Ok((f.to_string(), k.to_string())),
                _ => Err(crate::usage(
                    "each device needs \"feedid\" and \"accesskey\"",
                )),
            }
        })
        .collect()
}

/// Runs the server.
///
/// # Errors
/// A bad registry, a port that cannot be bound.
pub fn run(args: &Args) -> anyhow::Result<std::process::ExitCode> {
    let mut devices = match &args.devices {
        Some(p) => read_devices(p)?,
        None => Vec::new(),
    };
    if let Some(seed) = args.fleet_seed {
        devices.extend((0..args.fleet_count).map(|i| identity(seed, i)));
    }
    if devices.is_empty() {
        return Err(crate::usage(
            "no devices: give --devices FILE or --fleet-seed S --fleet-count N",
        ));
    }
    let keys = devices
        .into_iter()
        .map(|(f, k)| {
            let key = k.parse().map_err(|e| anyhow!("accesskey of {f}: {e}"))?;
            Ok((f, key))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let n = keys.len();
    let mut cfg = ServerConfig {
        cloud: joylink_session::wan::CloudConfig {
            auth_timeout_ms: u32::try_from(args.auth_timeout.saturating_mul(1000))
                .unwrap_or(u32::MAX),
            ..Default::default()
        },
        ..ServerConfig::default()
    };
    cfg.cloud.request_timeout_ms = args.request_timeout_ms.max(1);
    let rt = super::runtime(args.workers)?;
    rt.block_on(async move {
        let hub = CloudHub::new(keys, cfg);
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("binding {}", args.listen))?;
        crate::errln(&format!(
            "joylink cloud: {n} devices known, listening on {}",
            listener.local_addr()?
        ));
        let stop = CancellationToken::new();
        let bridge = match &args.mqtt {
            Some(url) => {
                let node = args
                    .node_id
                    .clone()
                    .unwrap_or_else(|| format!("node-{}", std::process::id()));
                let mut m = MqttConfig::new(url, &node);
                m.base.clone_from(&args.mqtt_base);
                m.buffer = args.mqtt_buffer;
                m.unknown_timeout = Duration::from_millis(args.unknown_timeout_ms);
                let bridge = MqttBridge::new(hub.clone(), m)?;
                crate::errln(&format!("joylink cloud: node {node} on the broker {url}"));
                let task = tokio::spawn(bridge.clone().run(stop.clone()));
                Some((bridge, task))
            }
            None => None,
        };
        let server = tokio::spawn(hub.clone().serve(listener, stop.clone()));
        let json = args.json;
        let quiet = args.quiet;
        // Quiet: no subscriber, so the hub keeps no event in memory.
        let mut events = hub.subscribe();
        if quiet {
            drop(events);
        } else {
            tokio::spawn(async move {
                loop {
                    match events.recv().await {
                        Ok(e) if !quiet => crate::outln(&render(&e, json)),
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(k)) => {
                            crate::errln(&format!("(event log fell behind: {k} events skipped)"));
                        }
                        Err(_) => break,
                    }
                }
            });
        }
        let mqtt_stats = bridge.as_ref().map(|(b, _)| b.clone());
        tokio::spawn(status(
            hub.clone(),
            mqtt_stats.clone(),
            args.status_secs.max(1),
        ));
        tokio::spawn(stdin_commands(hub.clone(), stop.clone()));
        let until = async {
            match args.duration {
                Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = stop.cancelled() => {}
            () = until => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        stop.cancel();
        let _ = server.await;
        if let Some((_, task)) = bridge {
            let _ = task.await;
        }
        crate::errln(&status_line(&hub, mqtt_stats.as_ref(), 0, 1.0));
        Ok(std::process::ExitCode::SUCCESS)
    })
}

fn render(e: &HubEvent, json: bool) -> String {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (kind, extra) = match &e.kind {
        HubEventKind::Online => ("online", serde_json::json!({})),
        HubEventKind::Offline { reason } => (
            "offline",
            serde_json::json!({ "reason": format!("{reason:?}") }),
        ),
        HubEventKind::Upload { data } => ("upload", serde_json::json!({ "data": text(data) })),
        HubEventKind::ControlResponse {
            serial,
            biz_code,
            data,
        } => (
            "control_response",
            serde_json::json!({ "serial": serial, "biz_code": biz_code, "data": text(data) }),
        ),
        HubEventKind::Timeout { serial } => ("timeout", serde_json::json!({ "serial": serial })),
        HubEventKind::Refused { error } => ("refused", serde_json::json!({ "error": error })),
        HubEventKind::Other { packet_type } => {
            ("other", serde_json::json!({ "packet_type": packet_type }))
        }
        _ => ("unknown", serde_json::json!({})),
    };
    if json {
        let mut v = serde_json::json!({ "feedid": &*e.feed_id, "event": kind });
        if let (Some(o), serde_json::Value::Object(x)) = (v.as_object_mut(), extra) {
            o.extend(x);
        }
        v.to_string()
    } else {
        format!("{} {kind} {extra}", e.feed_id)
    }
}

fn status_line(hub: &CloudHub, mqtt: Option<&MqttBridge>, hb_delta: u64, secs: f64) -> String {
    let s = hub.stats();
    #[allow(clippy::cast_precision_loss)]
    let rate = hb_delta as f64 / secs;
    let mqtt = mqtt.map_or_else(String::new, |b| format!(" {}", b.stats()));
    format!(
        "status: connected {} authenticated {} heartbeats/s {rate:.0} heartbeats {} uploads {} \
         controls sent {} answered {} timeouts {} errors {} closed(auth-timeout {} refused {}){mqtt}",
        s.open,
        s.online,
        s.heartbeats,
        s.uploads,
        s.commands,
        s.answered,
        s.timeouts,
        s.errors,
        s.closed_auth_timeout,
        s.closed_refused
    )
}

async fn status(hub: CloudHub, mqtt: Option<MqttBridge>, secs: u64) {
    let mut last = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(secs));
    tick.tick().await;
    loop {
        tick.tick().await;
        let hb = hub.stats().heartbeats;
        #[allow(clippy::cast_precision_loss)]
        crate::errln(&status_line(
            &hub,
            mqtt.as_ref(),
            hb.saturating_sub(last),
            secs as f64,
        ));
        last = hb;
    }
}

/// `FEEDID BIZCODE JSON` per line, e.g. `F7D0000000 1002 {"cmd":{"power":"1"}}`; EOF stops the
/// server only when stdin was a file or pipe that ended (an interactive terminal keeps it).
async fn stdin_commands(hub: CloudHub, _stop: CancellationToken) {
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        let (Some(feed), Some(biz), data) = (parts.next(), parts.next(), parts.next()) else {
            crate::errln("usage: FEEDID BIZCODE JSON");
            continue;
        };
        let Ok(biz) = biz.parse::<u32>() else {
            crate::errln("usage: FEEDID BIZCODE JSON (BIZCODE a number, e.g. 1002)");
            continue;
        };
        let data = data.unwrap_or("{}");
        match hub.send_command(feed, biz.into(), data.as_bytes()).await {
            Ok(serial) => crate::errln(&format!("{feed}: request {serial} sent")),
            Err(e) => crate::errln(&format!("{feed}: {e}")),
        }
    }
}
