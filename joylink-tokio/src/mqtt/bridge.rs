//! The bridge task: hub events out to the broker, commands in from it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::FutureExt as _;
use futures::StreamExt as _;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use joylink_wire::bytes::Bytes;
use rumqttc::{
    AsyncClient, ConnectReturnCode, Event, LastWill, MqttOptions, Outgoing, Packet, QoS,
};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::config::{MqttConfig, parse_url};
use super::outbox::{Outbox, Publication};
use super::payload::{self, ErrorCode};
use super::stats::{Counters, MqttStats, add};
use super::topics::{CommandKind, EventKind, Topic, Topics, valid_level};
use crate::cloud::{CloudHub, HubEvent, HubEventKind, HubRequest};
use crate::{Error, Result};

/// Commands remembered to drop the second copy a node gets when both its per-device and the
/// shared subscription match.
const SEEN_CAP: usize = 8192;
/// Requests the client's channel holds before `try_publish` reports it full.
const CLIENT_CAP: usize = 1024;
/// Largest message in or out (a device's snapshot is far smaller; the frame bound is 64 KiB).
const MAX_PACKET: usize = 256 * 1024;
/// How long a command may wait for its device's connection to take it. The connection's task
/// takes it at its next wake-up; only a task that does not run (its worker thread stalled) is
/// slower. Past this the command is answered `refused` and withdrawn: the connection will not
/// send it late.
const HAND_OVER: Duration = Duration::from_secs(5);
/// Hand-overs in flight at once, over all devices: commands queued for their connection whose
/// serial has not come back yet. The hand-overs run concurrently (one stalled connection holds
/// up only its own device's commands), so this bounds what they hold: a few hundred bytes each
/// in the bridge, plus the command itself (at most [`MAX_PACKET`]) in its device's inbox.
/// A command past the cap is answered `refused` at once, as is one whose device's inbox is full
/// ([`ServerConfig::command_capacity`](crate::cloud::ServerConfig::command_capacity)).
const MAX_HAND_OVERS: usize = 1024;

/// A [`CloudHub`] on an MQTT broker: publishes every device event and takes commands for the
/// devices this node holds (see the module docs for the contract). Cheap to clone.
#[derive(Debug, Clone)]
pub struct MqttBridge {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    hub: CloudHub,
    cfg: MqttConfig,
    host: String,
    port: u16,
    topics: Topics,
    counters: Counters,
}

impl MqttBridge {
    /// A bridge for `hub` as `cfg` says; nothing connects before [`MqttBridge::run`].
    ///
    /// # Errors
    /// [`Error::Mqtt`] for a bad URL, a node id or share group that is not one topic level, or
    /// a base topic with wildcards.
    pub fn new(hub: CloudHub, cfg: MqttConfig) -> Result<Self> {
        let (host, port) = parse_url(&cfg.url)?;
        if !valid_level(&cfg.node_id) {
            return Err(Error::Mqtt(format!(
                "node id {:?}: one topic level",
                cfg.node_id
            )));
        }
        if !valid_level(&cfg.share_group) {
            return Err(Error::Mqtt(format!("share group {:?}", cfg.share_group)));
        }
        let base = cfg.base.trim_matches('/');
        if base.is_empty() || base.starts_with('$') || base.contains(['+', '#', '\0']) {
            return Err(Error::Mqtt(format!("base topic {:?}", cfg.base)));
        }
        Ok(Self {
            inner: Arc::new(Shared {
                topics: Topics::new(base),
                hub,
                cfg,
                host,
                port,
                counters: Counters::default(),
            }),
        })
    }

    /// The counters now.
    #[must_use]
    pub fn stats(&self) -> MqttStats {
        self.inner.counters.snapshot()
    }

    /// Runs until `shutdown` is cancelled: connects (and reconnects) to the broker, publishes
    /// events, executes commands. On shutdown it marks its devices and itself offline.
    ///
    /// # Errors
    /// None in practice: a lost broker is retried for ever.
    pub async fn run(self, shutdown: CancellationToken) -> Result<()> {
        let sh = &*self.inner;
        let cfg = &sh.cfg;
        let mut opts = MqttOptions::new(cfg.node_id.clone(), sh.host.clone(), sh.port);
        opts.set_keep_alive(cfg.keep_alive.max(Duration::from_secs(1)));
        opts.set_clean_session(true);
        opts.set_max_packet_size(MAX_PACKET, MAX_PACKET);
        let will = payload::node_status(&cfg.node_id, false, None).to_string();
        opts.set_last_will(LastWill::new(
            sh.topics.node_status(&cfg.node_id),
            will,
            QoS::AtLeastOnce,
            true,
        ));
        let (client, mut eventloop) = AsyncClient::new(opts, CLIENT_CAP);
        let (net_tx, mut net_rx) = mpsc::channel(1024);
        let delay = cfg.reconnect_delay;
        let poller = tokio::spawn(async move {
            loop {
                // The bridge is gone (ended or aborted): drop the connection with it, so that
                // the broker publishes this node's last will.
                let polled = tokio::select! {
                    () = net_tx.closed() => return,
                    p = eventloop.poll() => p,
                };
                let n = match polled {
                    Ok(Event::Incoming(Packet::ConnAck(a))) => {
                        (a.code == ConnectReturnCode::Success).then_some(Net::Up)
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        Some(Net::Publish(p.topic, p.payload))
                    }
                    Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
                    Ok(_) => None,
                    Err(_) => {
                        if net_tx.send(Net::Down).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(delay).await;
                        None
                    }
                };
                if let Some(n) = n
                    && net_tx.send(n).await.is_err()
                {
                    return;
                }
            }
        });
        let mut st = State::new(sh);
        let mut events = sh.hub.subscribe();
        loop {
            let wake = st.next_wake();
            tokio::select! {
                () = shutdown.cancelled() => break,
                e = events.recv() => match e {
                    Ok(e) => {
                        // A serial comes back before its answer can be emitted: take every one
                        // that is back, so that an answer finds its pending entry.
                        st.collect_handed();
                        st.on_hub(&e);
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => add(&sh.counters.lagged, n),
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                n = net_rx.recv() => match n {
                    Some(Net::Up) => st.on_up(),
                    Some(Net::Down) => st.on_down(),
                    Some(Net::Publish(t, p)) => st.on_publish(&t, &p),
                    None => break,
                },
                Some(h) = st.hand_overs.next(), if !st.hand_overs.is_empty() => st.on_handed(h),
                () = sleep_opt(wake) => st.expire(),
            }
            st.drain(&client);
        }
        st.goodbye(&client).await;
        let _ = client.disconnect().await;
        if tokio::time::timeout(Duration::from_secs(2), poller)
            .await
            .is_err()
        {
            // The broker is away; the task ends with the runtime.
        }
        Ok(())
    }
}

/// What the broker connection reports to the bridge.
enum Net {
    Up,
    Down,
    Publish(String, Bytes),
}

/// Something to do on the broker connection that is not a buffered event.
enum Ctrl {
    Sub(String),
    Unsub(String),
    Pub(Publication),
}

/// A command this node handed to a device, awaiting its answer.
struct Pending {
    request_id: String,
    kind: CommandKind,
}

/// A command queued for its device's connection: what the response needs once the serial (or
/// the refusal) comes back.
struct Handed {
    feed: Arc<str>,
    /// The connection it was queued for ([`HubEvent::conn`]).
    conn: u64,
    request_id: String,
    kind: CommandKind,
    /// The connection's answer; `None` when [`HAND_OVER`] passed first and the command was
    /// withdrawn (never sent).
    serial: Option<Result<u32>>,
}

/// A command for a device this node does not hold, answered `not_online` at `deadline` unless
/// some node holds the device by then.
struct Watch {
    deadline: Instant,
    feed: String,
    request_id: Option<String>,
    kind: CommandKind,
}

struct State<'a> {
    sh: &'a Shared,
    connected: bool,
    held: HashSet<Arc<str>>,
    /// Devices that went offline while the broker was away, with why.
    left: HashMap<Arc<str>, &'static str>,
    /// The broker's view of every device: online, and by which node.
    statuses: HashMap<String, (bool, String)>,
    /// Commands sent, by device, connection ([`HubEvent::conn`]) and serial: a device that
    /// reconnects numbers its serials afresh.
    pending: HashMap<(Arc<str>, u64, u32), Pending>,
    /// Commands waiting for their connection to take them, at most [`MAX_HAND_OVERS`].
    hand_overs: FuturesUnordered<BoxFuture<'static, Handed>>,
    seen: HashSet<(String, String)>,
    seen_order: VecDeque<(String, String)>,
    watch: VecDeque<Watch>,
    ctrl: VecDeque<Ctrl>,
    outbox: Outbox,
}

impl<'a> State<'a> {
    fn new(sh: &'a Shared) -> Self {
        Self {
            sh,
            connected: false,
            held: HashSet::new(),
            left: HashMap::new(),
            statuses: HashMap::new(),
            pending: HashMap::new(),
            hand_overs: FuturesUnordered::new(),
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            watch: VecDeque::new(),
            ctrl: VecDeque::new(),
            outbox: Outbox::new(sh.cfg.buffer),
        }
    }

    fn node(&self) -> &str {
        &self.sh.cfg.node_id
    }

    fn ts() -> u64 {
        u64::from(crate::clock::unix_now())
    }

    fn next_wake(&self) -> Option<Instant> {
        let drain = (self.connected && !(self.ctrl.is_empty() && self.outbox.is_empty()))
            .then(|| Instant::now().checked_add(Duration::from_millis(10)))
            .flatten();
        [drain, self.watch.front().map(|w| w.deadline)]
            .into_iter()
            .flatten()
            .min()
    }

    fn status_msg(&self, feed: &str, online: bool, node: &str, reason: Option<&str>) -> Ctrl {
        Ctrl::Pub(Publication {
            topic: self.sh.topics.device_status(feed),
            payload: payload::device_status(feed, node, online, reason, Self::ts())
                .to_string()
                .into_bytes(),
            retain: true,
        })
    }

    fn publish(&mut self, topic: String, v: &Value) {
        self.outbox.push(Publication {
            topic,
            payload: v.to_string().into_bytes(),
            retain: false,
        });
        self.sh
            .counters
            .dropped
            .store(self.outbox.dropped(), Ordering::Relaxed);
    }

    fn event(&mut self, feed: &str, kind: EventKind, packet_type: u8, fields: Value) {
        let v = payload::event(feed, self.node(), Self::ts(), packet_type, fields);
        self.publish(self.sh.topics.event(feed, kind), &v);
    }

    fn respond_ok(&mut self, feed: &str, serial: u32, p: &Pending, fields: Value) {
        let v = payload::response_ok(&p.request_id, feed, self.node(), Self::ts(), serial, fields);
        add(&self.sh.counters.responses, 1);
        self.publish(self.sh.topics.response(feed, p.kind), &v);
    }

    fn respond_err(
        &mut self,
        feed: &str,
        kind: CommandKind,
        request_id: Option<&str>,
        code: ErrorCode,
        message: &str,
    ) {
        let v = payload::response_error(request_id, feed, self.node(), Self::ts(), code, message);
        add(&self.sh.counters.responses, 1);
        self.publish(self.sh.topics.response(feed, kind), &v);
    }

    fn on_up(&mut self) {
        self.connected = true;
        self.sh.counters.connected.store(true, Ordering::Relaxed);
        add(&self.sh.counters.connects, 1);
        // A clean session: the broker forgot our subscriptions, and a restarted broker may
        // have forgotten retained statuses too. Say everything again.
        self.ctrl.clear();
        let t = &self.sh.topics;
        self.ctrl
            .push_back(Ctrl::Sub(t.shared_commands(&self.sh.cfg.share_group)));
        self.ctrl.push_back(Ctrl::Sub(t.all_device_status()));
        self.ctrl.push_back(Ctrl::Sub(t.all_node_status()));
        self.ctrl.push_back(Ctrl::Pub(Publication {
            topic: t.node_status(self.node()),
            payload: payload::node_status(self.node(), true, Some(Self::ts()))
                .to_string()
                .into_bytes(),
            retain: true,
        }));
        let held: Vec<Arc<str>> = self.held.iter().cloned().collect();
        for f in held {
            self.ctrl.push_back(Ctrl::Sub(t.device_commands(&f)));
            let m = self.status_msg(&f, true, self.node(), None);
            self.ctrl.push_back(m);
        }
        let left: Vec<_> = self.left.drain().collect();
        for (f, why) in left {
            let m = self.status_msg(&f, false, self.node(), Some(why));
            self.ctrl.push_back(m);
        }
    }

    fn on_down(&mut self) {
        self.connected = false;
        self.sh.counters.connected.store(false, Ordering::Relaxed);
        // Subscriptions and statuses are said again on the next connection.
        self.ctrl.clear();
    }

    fn on_hub(&mut self, e: &HubEvent) {
        let feed = &e.feed_id;
        let conn = e.conn;
        match &e.kind {
            HubEventKind::Online => {
                self.held.insert(feed.clone());
                self.left.remove(feed);
                if self.connected {
                    self.ctrl
                        .push_back(Ctrl::Sub(self.sh.topics.device_commands(feed)));
                    let m = self.status_msg(feed, true, self.node(), None);
                    self.ctrl.push_back(m);
                }
            }
            HubEventKind::Offline { reason } => {
                // What this connection was asked and did not answer is lost with it, also when
                // a newer connection of the device replaced it.
                let lost: Vec<u32> = self
                    .pending
                    .keys()
                    .filter(|(f, c, _)| f == feed && *c == conn)
                    .map(|(_, _, s)| *s)
                    .collect();
                for s in lost {
                    if let Some(p) = self.pending.remove(&(feed.clone(), conn, s)) {
                        let msg = "the device went offline before answering";
                        self.respond_err(
                            feed,
                            p.kind,
                            Some(&p.request_id),
                            ErrorCode::Offline,
                            msg,
                        );
                    }
                }
                if self.sh.hub.is_online(feed) {
                    // A newer connection of the same device on this node replaced this one.
                    return;
                }
                self.held.remove(feed);
                let why = payload::reason_name(*reason);
                if self.connected {
                    self.ctrl
                        .push_back(Ctrl::Unsub(self.sh.topics.device_commands(feed)));
                    let m = self.status_msg(feed, false, self.node(), Some(why));
                    self.ctrl.push_back(m);
                } else {
                    self.left.insert(feed.clone(), why);
                }
            }
            HubEventKind::Upload { data } => {
                self.event(
                    feed,
                    EventKind::Upload,
                    12,
                    json!({ "data": payload::document(data) }),
                );
            }
            HubEventKind::OtaStatus { status, progress } => {
                let f = json!({ "status": status, "progress": progress });
                self.event(feed, EventKind::Ota, 8, f);
            }
            HubEventKind::TimerExecuted { id, code } => {
                let f = json!({ "biz_code": 1097, "id": id, "code": code });
                self.event(feed, EventKind::Timer, 13, f);
            }
            HubEventKind::TaskReport { data } => {
                self.event(
                    feed,
                    EventKind::Task,
                    16,
                    json!({ "data": payload::document(data) }),
                );
            }
            HubEventKind::SubDevUpload { sub_feed_id, data } => {
                // On the sub-device's own subtree: the rest of the cloud addresses a
                // sub-device by its feed id, whichever gateway carries it.
                let f = json!({ "gateway": &**feed, "data": payload::document(data) });
                self.event(sub_feed_id, EventKind::Upload, 112, f);
            }
            HubEventKind::AsyncResult {
                biz_code,
                serial,
                control_type,
                task_timestamp,
                id,
                data,
            } => {
                let f = json!({
                    "biz_code": biz_code, "serial": serial, "control_type": control_type,
                    "task_timestamp": task_timestamp, "id": id,
                    "data": payload::document(data),
                });
                self.event(feed, EventKind::Async, 14, f);
            }
            HubEventKind::ControlResponse {
                serial,
                biz_code,
                data,
            } => {
                if let Some(p) = self.pending.remove(&(feed.clone(), conn, *serial)) {
                    let f = json!({ "biz_code": biz_code, "data": payload::document(data) });
                    self.respond_ok(feed, *serial, &p, f);
                }
            }
            HubEventKind::TimerAnswer {
                serial,
                biz_code,
                code,
            } => {
                if let Some(p) = self.pending.remove(&(feed.clone(), conn, *serial)) {
                    let f = json!({ "biz_code": biz_code, "code": code });
                    self.respond_ok(feed, *serial, &p, f);
                }
            }
            HubEventKind::OtaAck { serial } | HubEventKind::SubDevUnbound { serial } => {
                if let Some(p) = self.pending.remove(&(feed.clone(), conn, *serial)) {
                    self.respond_ok(feed, *serial, &p, json!({}));
                }
            }
            HubEventKind::Timeout { serial } => {
                if let Some(p) = self.pending.remove(&(feed.clone(), conn, *serial)) {
                    let msg = "the device did not answer in time";
                    self.respond_err(feed, p.kind, Some(&p.request_id), ErrorCode::Timeout, msg);
                }
            }
            _ => {}
        }
    }

    /// Whether this command was seen already (through the other subscription). Commands are
    /// told apart by request id; one without (a bad request) by its bytes.
    fn seen_before(&mut self, feed: &str, request_id: Option<&str>, body: &[u8]) -> bool {
        let id = match request_id {
            Some(id) => id.to_string(),
            None => format!(
                "\0{}",
                String::from_utf8_lossy(body.get(..256).unwrap_or(body))
            ),
        };
        let key = (feed.to_string(), id);
        if !self.seen.insert(key.clone()) {
            return true;
        }
        self.seen_order.push_back(key);
        if self.seen_order.len() > SEEN_CAP
            && let Some(old) = self.seen_order.pop_front()
        {
            self.seen.remove(&old);
        }
        false
    }

    fn on_publish(&mut self, topic: &str, body: &[u8]) {
        let sh = self.sh;
        match sh.topics.parse(topic) {
            Some(Topic::Command(feed, Some(kind))) => {
                let rid = payload::request_id(body);
                if self.seen_before(feed, rid.as_deref(), body) {
                    return;
                }
                if sh.hub.is_online(feed) {
                    self.execute(feed, kind, body);
                } else if self.statuses.get(feed).is_some_and(|(on, _)| *on) {
                    // Another node holds it: it subscribed before it said so, and answers.
                    add(&sh.counters.ignored, 1);
                } else {
                    add(&sh.counters.ignored, 1);
                    self.watch.push_back(Watch {
                        deadline: Instant::now()
                            .checked_add(sh.cfg.unknown_timeout)
                            .unwrap_or_else(Instant::now),
                        feed: feed.to_string(),
                        request_id: rid,
                        kind,
                    });
                }
            }
            Some(Topic::DeviceStatus(feed)) => {
                let v: Option<Value> = serde_json::from_slice(body).ok();
                let Some(v) = v else {
                    self.statuses.remove(feed);
                    return;
                };
                let online = v.get("state").and_then(Value::as_str) == Some("online");
                let node = v.get("node").and_then(Value::as_str).unwrap_or_default();
                if !online && node != self.node() && self.held.contains(feed) {
                    // Another node marked offline a device that reconnected here (its old
                    // node was lost): say again that it is online, here.
                    let m = self.status_msg(feed, true, self.node(), None);
                    self.ctrl.push_back(m);
                }
                self.statuses
                    .insert(feed.to_string(), (online, node.to_string()));
            }
            Some(Topic::NodeStatus(node)) => {
                let v: Option<Value> = serde_json::from_slice(body).ok();
                let offline = v
                    .as_ref()
                    .and_then(|v| v.get("state"))
                    .and_then(Value::as_str)
                    != Some("online");
                if offline && node != self.node() {
                    // A lost node cannot say its devices are offline: its peers do.
                    let orphans: Vec<String> = self
                        .statuses
                        .iter()
                        .filter(|(f, (on, n))| *on && n == node && !self.held.contains(f.as_str()))
                        .map(|(f, _)| f.clone())
                        .collect();
                    for f in orphans {
                        let m = self.status_msg(&f, false, node, Some("node_lost"));
                        self.ctrl.push_back(m);
                    }
                }
            }
            _ => {}
        }
    }

    /// Queues a command for its device's connection without waiting for it to be taken: the
    /// serial comes back through [`State::hand_overs`] ([`State::on_handed`]).
    fn execute(&mut self, feed: &str, kind: CommandKind, body: &[u8]) {
        let cmd = match payload::parse_command(kind, body) {
            Ok(mut c) => {
                if let HubRequest::AddTimer { task } | HubRequest::UpdateTimer { task } =
                    &mut c.request
                {
                    // spec 10: a task of the full form names its device.
                    task.label
                        .get_or_insert_with(|| (feed.to_string(), String::new()));
                }
                c
            }
            Err((code, msg)) => {
                let rid = payload::request_id(body);
                self.respond_err(feed, kind, rid.as_deref(), code, &msg);
                return;
            }
        };
        if self.hand_overs.len() >= MAX_HAND_OVERS {
            let msg = "too many commands wait for their devices' connections on this node";
            self.respond_err(feed, kind, Some(&cmd.request_id), ErrorCode::Refused, msg);
            return;
        }
        match self.sh.hub.queue_request(feed, cmd.request) {
            Ok(queued) => {
                let (feed, request_id, conn) = (Arc::from(feed), cmd.request_id, queued.conn);
                self.hand_overs.push(
                    async move {
                        let mut answer = queued.answer;
                        let serial = match tokio::time::timeout(HAND_OVER, &mut answer).await {
                            Ok(r) => Some(r.unwrap_or(Err(Error::Closed))),
                            // Not taken in time: withdrawn, so never sent.
                            Err(_) if queued.claim.withdraw() => None,
                            // Taken at the last moment: it is being sent, and its serial comes
                            // within that connection's current wake-up.
                            Err(_) => Some(answer.await.unwrap_or(Err(Error::Closed))),
                        };
                        Handed {
                            feed,
                            conn,
                            request_id,
                            kind,
                            serial,
                        }
                    }
                    .boxed(),
                );
            }
            Err(Error::NotOnline(_)) => {
                let msg = "no node holds the device";
                add(&self.sh.counters.not_online, 1);
                self.respond_err(feed, kind, Some(&cmd.request_id), ErrorCode::NotOnline, msg);
            }
            // A full inbox (`Capacity`) or a connection that just ended: answered at once.
            Err(e) => {
                let msg = e.to_string();
                self.respond_err(feed, kind, Some(&cmd.request_id), ErrorCode::Refused, &msg);
            }
        }
    }

    /// A hand-over is done: the command is pending under its serial, or answered with why not.
    fn on_handed(&mut self, h: Handed) {
        let Handed {
            feed,
            conn,
            request_id,
            kind,
            serial,
        } = h;
        match serial {
            // The connection may have ended since it took the command (its `Offline` event may
            // be handled already): a serial of a connection that is gone would be pending for
            // ever, also when the device is back under a newer connection.
            Some(Ok(_)) if !self.sh.hub.holds(&feed, conn) => {
                let msg = "the device went offline before answering";
                self.respond_err(&feed, kind, Some(&request_id), ErrorCode::Offline, msg);
            }
            Some(Ok(serial)) => {
                add(&self.sh.counters.commands, 1);
                let p = Pending { request_id, kind };
                self.pending.insert((feed, conn, serial), p);
            }
            Some(Err(e)) => {
                let msg = e.to_string();
                self.respond_err(&feed, kind, Some(&request_id), ErrorCode::Refused, &msg);
            }
            None => {
                let msg = "the device's connection did not take the request";
                self.respond_err(&feed, kind, Some(&request_id), ErrorCode::Refused, msg);
            }
        }
    }

    /// Takes every hand-over that is done already, without waiting. Unconstrained by tokio's
    /// cooperative budget: after a burst of events the budget may be spent, and a serial that
    /// is back would then read as not yet, its answer finding no pending entry.
    fn collect_handed(&mut self) {
        while let Some(Some(h)) = tokio::task::unconstrained(self.hand_overs.next()).now_or_never()
        {
            self.on_handed(h);
        }
    }

    /// Answers the watched commands whose time is up and whose device no node holds.
    fn expire(&mut self) {
        let now = Instant::now();
        while self.watch.front().is_some_and(|w| w.deadline <= now) {
            let Some(w) = self.watch.pop_front() else {
                break;
            };
            let held_somewhere = self.sh.hub.is_online(&w.feed)
                || self.statuses.get(&w.feed).is_some_and(|(on, _)| *on);
            if !held_somewhere {
                add(&self.sh.counters.not_online, 1);
                let msg = "no node holds the device";
                self.respond_err(
                    &w.feed,
                    w.kind,
                    w.request_id.as_deref(),
                    ErrorCode::NotOnline,
                    msg,
                );
            }
        }
    }

    /// Hands what waits to the broker connection, while there is one.
    fn drain(&mut self, client: &AsyncClient) {
        let c = &self.sh.counters;
        if self.connected {
            while let Some(x) = self.ctrl.pop_front() {
                let r = match &x {
                    Ctrl::Sub(t) => client.try_subscribe(t.clone(), QoS::AtLeastOnce),
                    Ctrl::Unsub(t) => client.try_unsubscribe(t.clone()),
                    Ctrl::Pub(m) => client.try_publish(
                        m.topic.clone(),
                        QoS::AtLeastOnce,
                        m.retain,
                        m.payload.clone(),
                    ),
                };
                if r.is_err() {
                    self.ctrl.push_front(x);
                    break;
                }
                if matches!(x, Ctrl::Pub(_)) {
                    add(&c.published, 1);
                }
            }
            while self.ctrl.is_empty()
                && let Some(m) = self.outbox.pop()
            {
                let r = client.try_publish(
                    m.topic.clone(),
                    QoS::AtLeastOnce,
                    m.retain,
                    m.payload.clone(),
                );
                if r.is_err() {
                    self.outbox.unpop(m);
                    break;
                }
                add(&c.published, 1);
            }
        }
        let n = u64::try_from(self.outbox.len()).unwrap_or(u64::MAX);
        c.buffered.store(n, Ordering::Relaxed);
    }

    /// On shutdown: this node's devices and the node itself go offline.
    async fn goodbye(&mut self, client: &AsyncClient) {
        if !self.connected {
            return;
        }
        self.drain(client);
        let held: Vec<Arc<str>> = self.held.drain().collect();
        let mut msgs: Vec<Publication> = held
            .iter()
            .filter_map(
                |f| match self.status_msg(f, false, self.node(), Some("shutdown")) {
                    Ctrl::Pub(m) => Some(m),
                    _ => None,
                },
            )
            .collect();
        msgs.push(Publication {
            topic: self.sh.topics.node_status(self.node()),
            payload: payload::node_status(self.node(), false, Some(Self::ts()))
                .to_string()
                .into_bytes(),
            retain: true,
        });
        for m in msgs {
            let r = client.publish(m.topic, QoS::AtLeastOnce, m.retain, m.payload);
            if tokio::time::timeout(Duration::from_secs(1), r)
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

async fn sleep_opt(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
