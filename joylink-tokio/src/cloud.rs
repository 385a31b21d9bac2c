//! The cloud server: a TCP listener, one [`Cloud`] machine per connection, and a [`CloudHub`]
//! through which the rest of the cloud (a console, an MQTT bridge) sees every device's events
//! and sends it commands without knowing which connection holds it.
//!
//! The driver adds no protocol: auth, heartbeat answers, serials and timeouts are the machine's,
//! the deadline before auth included ([`CloudConfig::auth_timeout_ms`]: the driver closes the
//! connection when the machine reports [`CloudEvent::AuthTimeout`]), as is silence after auth.
//! What the driver adds is resource policy: a connection whose peer does not read its answers
//! ([`ServerConfig::max_pending_write`]) is closed, as is one that fails auth or sends garbage
//! before auth (spec 7.1: a device that fails auth is disconnected).
//!
//! # Memory per connection
//! An idle connection holds its task (the machine, the framing state, the timer, a few
//! pointers: a unit test bounds the future at 1 152 bytes, plus the machine's prepared session
//! key where the build keeps one) and, once authenticated, its command
//! channel and its entry in the hub's map; nothing else. Reads go into a buffer of the worker
//! thread, frames are opened in place there, and the machine's answers go into a send queue of
//! the worker thread that is written to the socket (one write for all answers of one read)
//! before the task waits again. A connection keeps bytes of its own only while a frame is
//! unfinished (at most [`ServerConfig::max_frame_len`]) or while its peer does not read
//! (at most [`ServerConfig::max_pending_write`]); both are freed once empty. The steady state
//! allocates nothing per heartbeat (`tests/no_alloc.rs`).
//!
//! # Bad input
//! A test in `tests/bad_input.rs` for each: garbage before auth is refused at once; a slowloris
//! (one byte at a time) and a connection that never speaks are closed at the auth deadline; a
//! frame header announcing 65 535 + 65 535 bytes is refused before any of it is read (the
//! frame bound, [`ServerConfig::max_frame_len`]); 10 000 connections that each send half a
//! frame cost about 2.8 KiB each at the server (resident memory, the half frame included: the
//! test prints the figure it measured, 2 828 B in a debug build here, and bounds it at 8 KiB) and
//! are all closed at the auth deadline while an authenticated device goes on heartbeating
//! without a loss or a reconnect.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future as _;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use joylink_crypto::AccessKey;
use joylink_session::wan::{
    Cloud, CloudConfig, CloudEvent, CloudIncoming, CloudState, INNER_CAP, OtaOrderSpec, TxQueue,
    open_inner,
};
use joylink_wire::wan::timer::{TaskDoc, TimerMessage};
use joylink_wire::{BizCode, bytes};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, oneshot};
use tokio_util::codec::Decoder as _;
use tokio_util::sync::CancellationToken;

use crate::clock::{TokioClock, os_rng, packet_type, unix_now};
use crate::codec::{DEFAULT_MAX_FRAME, WanCodec};
use crate::io::{Read, read_drained, write_or_keep, write_pending};
use crate::{Error, Result};

mod inbox;
use inbox::{CommandRx, CommandTx, SendError, inbox};

/// Bytes of the send queue the machines write their packets into: one per worker thread, not
/// per connection, emptied into the socket (or the connection's pending bytes) before the
/// connection waits again, so a command [`CloudHub::send_command`] sends may take nearly all
/// of it.
pub const TX_CAP: usize = 8 * 1024;

/// Server limits and the machines' configuration.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Each connection's [`Cloud`] configuration; its
    /// [`auth_timeout_ms`](CloudConfig::auth_timeout_ms) closes a connection that does not
    /// authenticate in time (default 10 s).
    pub cloud: CloudConfig,
    /// The largest accepted frame (default [`DEFAULT_MAX_FRAME`]).
    pub max_frame_len: usize,
    /// Answers a peer does not read, beyond which it is disconnected (default 16 KiB).
    pub max_pending_write: usize,
    /// Events buffered for a slow subscriber before it misses some (default 65 536). While
    /// anyone subscribes, the last this many events stay in memory.
    pub event_capacity: usize,
    /// Commands queued per device (default 8).
    pub command_capacity: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            cloud: CloudConfig::default(),
            max_frame_len: DEFAULT_MAX_FRAME,
            max_pending_write: 16 * 1024,
            event_capacity: 65_536,
            command_capacity: 8,
        }
    }
}

/// Why the server closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer closed it.
    PeerClosed,
    /// A socket error.
    Io,
    /// Not authenticated within [`CloudConfig::auth_timeout_ms`] ([`CloudEvent::AuthTimeout`]).
    AuthTimeout,
    /// Auth refused (unknown device, bad key) or garbage before auth.
    Refused,
    /// The machine reported the device silent for too long.
    Silent,
    /// The peer does not read its answers.
    SlowReader,
    /// A newer connection of the same device authenticated.
    Replaced,
    /// The server is shutting down.
    Shutdown,
}

/// One thing that happened on a device connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HubEventKind {
    /// The device authenticated (spec 7.3.1).
    Online,
    /// The connection closed or went silent after auth.
    Offline {
        /// Why.
        reason: CloseReason,
    },
    /// A snapshot upload (type 12, spec 7.3.5), already acknowledged.
    Upload {
        /// The JSON.
        data: Bytes,
    },
    /// The answer to a command sent with [`CloudHub::send_command`].
    ControlResponse {
        /// The command's serial.
        serial: u32,
        /// The answer's biz_code.
        biz_code: u32,
        /// The JSON.
        data: Bytes,
    },
    /// A command got no answer in time (the machine's request timeout).
    Timeout {
        /// The command's serial.
        serial: u32,
    },
    /// A packet the machine refused after auth (it does not open or decode).
    Refused {
        /// The machine's error.
        error: String,
    },
    /// The device acknowledged an OTA order sent with [`CloudHub::send_request`] (type 7,
    /// spec 9.5).
    OtaAck {
        /// The order's serial.
        serial: u32,
    },
    /// An OTA status report (type 8, spec 9.6), already answered.
    OtaStatus {
        /// `status` (0 download, 1 install, 2 done, 3 failed).
        status: i32,
        /// `progress`.
        progress: i32,
    },
    /// A timer task ran (type 13, 1097, spec 10.8), already answered with 197.
    TimerExecuted {
        /// The task id.
        id: i32,
        /// The device's result code.
        code: i32,
    },
    /// The answer to a timer request sent with [`CloudHub::send_request`] (type 13, 190–196,
    /// spec ch. 10), matched by serial.
    TimerAnswer {
        /// The request's serial.
        serial: u32,
        /// The answer's biz_code (191 add, 193 delete, 194 query, ...).
        biz_code: u32,
        /// The answer's `code` (0 success; for a query, the number of tasks listed).
        code: i32,
    },
    /// A recipe task report (type 16, spec 7.3.29), already answered.
    TaskReport {
        /// The report JSON.
        data: Bytes,
    },
    /// A gateway answered a sub-device unbind sent with [`CloudHub::send_request`] (type 113,
    /// spec 7.3.24).
    SubDevUnbound {
        /// The request's serial.
        serial: u32,
    },
    /// A gateway's sub-device upload (type 112, spec 7.3.17), already answered; the event's
    /// feed id is the gateway's. The inner layer is opened here with the sub-device's accesskey
    /// from the hub's key registry: a sub-device the registry does not know (or whose body does
    /// not open) is reported as [`HubEventKind::Refused`] instead.
    SubDevUpload {
        /// The sub-device's feed id.
        sub_feed_id: String,
        /// The snapshot JSON, opened.
        data: Bytes,
    },
    /// An asynchronous control result (type 14, spec ch. 12): an action the device took by
    /// itself. Not answered (the spec defines no reply).
    AsyncResult {
        /// The action's biz_code.
        biz_code: u32,
        /// The report's serial.
        serial: u32,
        /// `controltype`: 0 a timer task, 1 the panel or a remote.
        control_type: u8,
        /// `tasktimestamp`: when the action ran (unix seconds).
        task_timestamp: u32,
        /// The task id (`id[32]`, empty for panel or remote control).
        id: String,
        /// `resp[]`: the result, usually a JSON document.
        data: Bytes,
    },
    /// Any other packet the machine handed up, by type.
    Other {
        /// The packet type.
        packet_type: u8,
    },
}

/// An event of one device, as [`CloudHub::subscribe`] delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubEvent {
    /// The device's feed id.
    pub feed_id: Arc<str>,
    /// The connection the event comes from: a number the hub gives each connection it
    /// accepts. A device that reconnects gets a new one, and its new connection numbers its
    /// serials afresh, so a serial names a request only together with this.
    pub conn: u64,
    /// What happened.
    pub kind: HubEventKind,
}

/// Counters of the whole server.
#[derive(Debug, Default)]
struct Counters {
    open: AtomicU64,
    online: AtomicU64,
    accepted: AtomicU64,
    authenticated: AtomicU64,
    heartbeats: AtomicU64,
    uploads: AtomicU64,
    commands: AtomicU64,
    answered: AtomicU64,
    timeouts: AtomicU64,
    errors: AtomicU64,
    closed_auth_timeout: AtomicU64,
    closed_refused: AtomicU64,
}

/// A snapshot of the server's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections open now.
    pub open: u64,
    /// Authenticated connections open now.
    pub online: u64,
    /// Connections accepted since start.
    pub accepted: u64,
    /// Successful auths since start.
    pub authenticated: u64,
    /// Heartbeats answered.
    pub heartbeats: u64,
    /// Uploads acknowledged.
    pub uploads: u64,
    /// Commands handed to devices.
    pub commands: u64,
    /// Commands answered.
    pub answered: u64,
    /// Commands timed out.
    pub timeouts: u64,
    /// Refused packets, framing errors, socket errors.
    pub errors: u64,
    /// Connections closed for not authenticating in time.
    pub closed_auth_timeout: u64,
    /// Connections closed for a refused auth or garbage before auth.
    pub closed_refused: u64,
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

fn dec(c: &AtomicU64) {
    c.fetch_sub(1, Ordering::Relaxed);
}

/// A request for one device, as [`CloudHub::send_request`] takes it: each variant is one of the
/// [`Cloud`] machine's request calls, owned so that it can cross to the connection's task.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HubRequest {
    /// Type 11 by biz_code: control 1002, snapshot 1004, recipe 1050 (spec 7.3.7–7.3.11);
    /// answered by [`HubEventKind::ControlResponse`].
    Control {
        /// The biz_code.
        biz_code: BizCode,
        /// The JSON body.
        data: Vec<u8>,
    },
    /// An OTA order (type 7, spec 9.5); acknowledged by [`HubEventKind::OtaAck`], then
    /// [`HubEventKind::OtaStatus`] reports.
    Ota {
        /// `productuuid`.
        product_uuid: String,
        /// `version`.
        version: i32,
        /// `versionname`.
        version_name: String,
        /// `crc32` of the firmware.
        crc32: u32,
        /// `url`.
        url: String,
    },
    /// Delete 1093, query 1094, stop 1095 or restart 1096 timer tasks by id (empty: all; spec
    /// 10.3–10.7); answered by [`HubEventKind::TimerAnswer`].
    Timers {
        /// The biz_code.
        biz_code: BizCode,
        /// The task ids.
        ids: Vec<i32>,
    },
    /// Add a timer task (1091, spec 10.2); answered by [`HubEventKind::TimerAnswer`] (191).
    AddTimer {
        /// The task (its JSON form, owned).
        task: TaskDoc,
    },
    /// Replace a timer task of the same id (1092, spec 10.4); answered by
    /// [`HubEventKind::TimerAnswer`] (192).
    UpdateTimer {
        /// The task (its JSON form, owned).
        task: TaskDoc,
    },
    /// Unbind sub-devices of a gateway (type 113, spec 7.3.23); answered by
    /// [`HubEventKind::SubDevUnbound`].
    UnbindSubs {
        /// The sub-devices' feed ids.
        feed_ids: Vec<String>,
    },
}

impl HubRequest {
    fn send(
        &self,
        cloud: &mut Cloud,
        now: joylink_session::Instant,
        tx: &mut TxQueue<TX_CAP>,
    ) -> joylink_session::Result<u32> {
        match self {
            Self::Control { biz_code, data } => cloud.control(now, *biz_code, data, tx),
            Self::Ota {
                product_uuid,
                version,
                version_name,
                crc32,
                url,
            } => {
                let order = OtaOrderSpec {
                    product_uuid,
                    version: *version,
                    version_name,
                    crc32: *crc32,
                    url,
                };
                cloud.start_ota(now, &order, tx)
            }
            Self::Timers { biz_code, ids } => cloud.manage_timers(now, *biz_code, ids, tx),
            Self::AddTimer { task } => task.with_task(|t| cloud.add_timer(now, t, tx)),
            Self::UpdateTimer { task } => task.with_task(|t| cloud.update_timer(now, t, tx)),
            Self::UnbindSubs { feed_ids } => {
                let feeds: Vec<&[u8]> = feed_ids.iter().map(String::as_bytes).collect();
                cloud.unbind_subs(now, &feeds, tx)
            }
        }
    }
}

/// A command for one device's connection.
#[derive(Debug)]
struct Command {
    request: HubRequest,
    reply: oneshot::Sender<Result<u32>>,
    claim: Arc<Claim>,
}

/// Who has a queued command: one compare-and-swap decides between the connection taking it
/// (it is then sent, and its serial comes back) and its caller withdrawing it (it is then
/// never sent), so a command is never both answered "not taken" and sent.
#[derive(Debug, Default)]
pub(crate) struct Claim(AtomicU8);

impl Claim {
    const WAITING: u8 = 0;
    const TAKEN: u8 = 1;
    const WITHDRAWN: u8 = 2;

    /// The connection takes the command; `false` if its caller withdrew it first.
    fn take(&self) -> bool {
        self.0
            .compare_exchange(
                Self::WAITING,
                Self::TAKEN,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }

    /// The caller withdraws the command; `false` if the connection took it first (its serial
    /// then comes within that connection's current wake-up).
    pub(crate) fn withdraw(&self) -> bool {
        self.0
            .compare_exchange(
                Self::WAITING,
                Self::WITHDRAWN,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }
}

/// A command queued for a connection ([`CloudHub::queue_request`]): the channel its serial
/// comes on, and its [`Claim`].
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) answer: oneshot::Receiver<Result<u32>>,
    pub(crate) claim: Arc<Claim>,
    /// The connection the command was queued for ([`HubEvent::conn`]; read by the MQTT bridge).
    #[cfg_attr(not(feature = "mqtt"), allow(dead_code))]
    pub(crate) conn: u64,
}

/// Withdraws a queued command when dropped (a `send_request` future dropped before the
/// connection took the command): the command is then not sent.
struct WithdrawOnDrop(Arc<Claim>);

impl Drop for WithdrawOnDrop {
    fn drop(&mut self) {
        let _ = self.0.withdraw();
    }
}

#[derive(Debug)]
struct Session {
    conn: u64,
    tx: CommandTx,
}

#[derive(Debug)]
struct Inner {
    cfg: ServerConfig,
    keys: HashMap<Vec<u8>, AccessKey>,
    sessions: Mutex<HashMap<Arc<str>, Session>>,
    events: broadcast::Sender<HubEvent>,
    counters: Counters,
    clock: TokioClock,
    next_conn: AtomicU64,
}

/// The cloud's side of all device connections: the key registry, the connected devices, their
/// events and a way to command them. Cheap to clone.
///
/// # Examples
/// ```no_run
/// use joylink_tokio::cloud::{CloudHub, ServerConfig};
/// use tokio_util::sync::CancellationToken;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let key = "25e35c9691ee91296facd5d28a4822bc".parse()?;
/// let hub = CloudHub::new([("1234567890123456".to_string(), key)], ServerConfig::default());
/// let mut events = hub.subscribe();
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:7000").await?;
/// tokio::spawn(hub.clone().serve(listener, CancellationToken::new()));
/// while let Ok(event) = events.recv().await {
///     println!("{}: {:?}", event.feed_id, event.kind);
///     if matches!(event.kind, joylink_tokio::cloud::HubEventKind::Online) {
///         let serial = hub
///             .send_command(&event.feed_id, 1002u32.into(), br#"{"cmd":{"power":"1"}}"#)
///             .await?;
///         println!("control {serial} sent");
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CloudHub {
    inner: Arc<Inner>,
}

impl CloudHub {
    /// A hub knowing the devices `keys` (feed id, accesskey).
    pub fn new(keys: impl IntoIterator<Item = (String, AccessKey)>, cfg: ServerConfig) -> Self {
        let (events, _) = broadcast::channel(cfg.event_capacity.max(1));
        let keys = keys.into_iter().map(|(f, k)| (f.into_bytes(), k)).collect();
        Self {
            inner: Arc::new(Inner {
                cfg,
                keys,
                sessions: Mutex::new(HashMap::new()),
                events,
                counters: Counters::default(),
                clock: TokioClock::new(),
                next_conn: AtomicU64::new(1),
            }),
        }
    }

    /// Every device event from now on. A subscriber that falls more than
    /// [`ServerConfig::event_capacity`] events behind misses the oldest (`RecvError::Lagged`).
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.inner.events.subscribe()
    }

    /// The server's counters now.
    #[must_use]
    pub fn stats(&self) -> Stats {
        let c = &self.inner.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            open: l(&c.open),
            online: l(&c.online),
            accepted: l(&c.accepted),
            authenticated: l(&c.authenticated),
            heartbeats: l(&c.heartbeats),
            uploads: l(&c.uploads),
            commands: l(&c.commands),
            answered: l(&c.answered),
            timeouts: l(&c.timeouts),
            errors: l(&c.errors),
            closed_auth_timeout: l(&c.closed_auth_timeout),
            closed_refused: l(&c.closed_refused),
        }
    }

    /// Whether a connection holds `feed_id`, authenticated.
    #[must_use]
    pub fn is_online(&self, feed_id: &str) -> bool {
        self.inner
            .sessions
            .lock()
            .is_ok_and(|s| s.contains_key(feed_id))
    }

    /// Sends a type-11 request (control 1002, snapshot 1004, recipe 1050; spec 7.3.7–7.3.11)
    /// through the connection that holds `feed_id`; returns the serial its
    /// [`HubEventKind::ControlResponse`] or [`HubEventKind::Timeout`] will carry. Dropping the
    /// future before the device's connection takes the command withdraws it, as
    /// [`CloudHub::send_request`] says.
    ///
    /// # Errors
    /// [`Error::NotOnline`] when no connection holds the device, [`Error::Session`] when its
    /// machine refuses (e.g. too many requests outstanding) or when
    /// [`ServerConfig::command_capacity`] commands wait for the connection already (`Capacity`),
    /// [`Error::Closed`] when the connection ends meanwhile.
    pub async fn send_command(&self, feed_id: &str, biz_code: BizCode, data: &[u8]) -> Result<u32> {
        let request = HubRequest::Control {
            biz_code,
            data: data.to_vec(),
        };
        self.send_request(feed_id, request).await
    }

    /// Sends any [`HubRequest`] through the connection that holds `feed_id`; returns the serial
    /// its answer or [`HubEventKind::Timeout`] will carry.
    ///
    /// The command waits in the connection's inbox until its task takes it (at its next
    /// wake-up). Dropping this future before then (a caller's `timeout` or `select!`)
    /// withdraws the command: it is not sent. Once taken it is sent whatever the future does.
    ///
    /// # Errors
    /// As [`CloudHub::send_command`].
    pub async fn send_request(&self, feed_id: &str, request: HubRequest) -> Result<u32> {
        let q = self.queue_request(feed_id, request)?;
        let _withdraw = WithdrawOnDrop(q.claim);
        q.answer.await.map_err(|_| Error::Closed)?
    }

    /// The first half of [`CloudHub::send_request`], which never waits: queues `request` in the
    /// connection's inbox and returns the channel its serial (or the machine's refusal) will
    /// come on once the connection's task takes it. The MQTT bridge waits for many of these
    /// at once, so that one busy connection does not hold up the commands of other devices.
    /// [`Claim::withdraw`] withdraws the request if the connection has not taken it yet (the
    /// connection's task then drops it unsent); dropping the receiver alone does not.
    ///
    /// # Errors
    /// [`Error::NotOnline`], or `Capacity` for a full inbox and [`Error::Closed`], at once.
    pub(crate) fn queue_request(&self, feed_id: &str, request: HubRequest) -> Result<Queued> {
        let (tx, conn) = {
            let sessions = self.inner.sessions.lock().map_err(|_| Error::Closed)?;
            sessions
                .get(feed_id)
                .map(|s| (s.tx.clone(), s.conn))
                .ok_or_else(|| Error::NotOnline(feed_id.to_string()))?
        };
        let (reply, answer) = oneshot::channel();
        let claim = Arc::new(Claim::default());
        let command = Command {
            request,
            reply,
            claim: claim.clone(),
        };
        tx.try_send(Box::new(command)).map_err(|e| match e {
            SendError::Full => Error::Session(joylink_session::Error::Capacity),
            SendError::Closed => Error::Closed,
        })?;
        Ok(Queued {
            answer,
            claim,
            conn,
        })
    }

    /// Accepts connections on `listener` until `shutdown` is cancelled, one task each.
    ///
    /// # Errors
    /// None in practice: accept errors (e.g. out of file descriptors) are counted and retried
    /// after a pause.
    pub async fn serve(self, listener: TcpListener, shutdown: CancellationToken) -> Result<()> {
        let stop = Arc::new(Stop::default());
        let watch = {
            let (stop, shutdown) = (stop.clone(), shutdown.clone());
            tokio::spawn(async move {
                shutdown.cancelled().await;
                stop.set();
            })
        };
        loop {
            let accepted = tokio::select! {
                () = shutdown.cancelled() => break,
                a = listener.accept() => a,
            };
            match accepted {
                Ok((stream, _peer)) => {
                    tokio::spawn(self.clone().connection(stream, stop.clone()));
                }
                Err(_) => {
                    inc(&self.inner.counters.errors);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        let _ = watch.await;
        Ok(())
    }

    fn emit(&self, feed_id: &Arc<str>, conn: u64, kind: HubEventKind) {
        let _ = self.inner.events.send(HubEvent {
            feed_id: feed_id.clone(),
            conn,
            kind,
        });
    }

    /// Whether connection `conn` (still) holds `feed_id` (the MQTT bridge asks).
    #[cfg_attr(not(feature = "mqtt"), allow(dead_code))]
    pub(crate) fn holds(&self, feed_id: &str, conn: u64) -> bool {
        self.inner
            .sessions
            .lock()
            .is_ok_and(|s| s.get(feed_id).is_some_and(|x| x.conn == conn))
    }

    fn register(&self, feed_id: &Arc<str>, conn: u64) -> CommandRx {
        let (tx, rx) = inbox(self.inner.cfg.command_capacity);
        let old = match self.inner.sessions.lock() {
            Ok(mut s) => s.insert(feed_id.clone(), Session { conn, tx }),
            Err(_) => None,
        };
        // The older connection of the same device ends ([`CloseReason::Replaced`]).
        if let Some(old) = old {
            old.tx.close();
        }
        rx
    }

    fn unregister(&self, feed_id: &Arc<str>, conn: u64) {
        if let Ok(mut s) = self.inner.sessions.lock()
            && s.get(feed_id).is_some_and(|x| x.conn == conn)
        {
            s.remove(feed_id);
        }
    }

    async fn connection(self, stream: TcpStream, stop: Arc<Stop>) {
        let c = &self.inner.counters;
        inc(&c.accepted);
        inc(&c.open);
        let _ = stream.set_nodelay(true);
        let conn = self.inner.next_conn.fetch_add(1, Ordering::Relaxed);
        let mut st = Conn {
            cloud: Cloud::new(self.inner.cfg.cloud, self.inner.clock.now(), unix_now()),
            codec: WanCodec::new(self.inner.cfg.max_frame_len),
            partial: Vec::new(),
            pending: Vec::new(),
            feed_id: None,
            commands: None,
        };
        let reason = self.run(&stream, conn, &mut st, &stop).await;
        st.cloud.connection_lost(self.inner.clock.now());
        match reason {
            CloseReason::AuthTimeout => inc(&c.closed_auth_timeout),
            CloseReason::Refused => inc(&c.closed_refused),
            _ => {}
        }
        if let Some(feed) = &st.feed_id {
            dec(&c.online);
            self.unregister(feed, conn);
            self.emit(feed, conn, HubEventKind::Offline { reason });
        }
        dec(&c.open);
    }

    /// The connection's loop: waits for the socket, a command, the machine's deadline or
    /// shutdown, then runs one synchronous [`step`](Self::step). Nothing is re-created per
    /// iteration: the socket's readiness and the command channel are polled in place, the one
    /// timer is reset only when the machine's deadline moves *earlier* (a heartbeat moves the
    /// offline deadline later: the timer then fires early once per
    /// [`offline_after_ms`](CloudConfig::offline_after_ms), finds nothing due and is re-armed).
    async fn run(&self, stream: &TcpStream, conn: u64, st: &mut Conn, stop: &Stop) -> CloseReason {
        let clock = self.inner.clock;
        // Before auth the machine's deadline is its auth deadline: never `None`.
        let mut armed = st
            .cloud
            .poll_timeout()
            .map_or_else(far_future, |t| clock.to_tokio(t));
        let sleep = tokio::time::sleep_until(armed);
        tokio::pin!(sleep);
        // Polled once, to leave the task's waker with the server's stop signal; afterwards a
        // wake-up checks the flag only (the shared signal's lock is not taken per packet).
        let stopped = stop.notify.notified();
        tokio::pin!(stopped);
        let mut stop_armed = false;
        loop {
            let wake = std::future::poll_fn(|cx| {
                if stop.flag.load(Ordering::Acquire) {
                    return Poll::Ready(Wake::Shutdown);
                }
                if !stop_armed {
                    stop_armed = true;
                    if stopped.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Wake::Shutdown);
                    }
                }
                if let Some(rx) = &mut st.commands
                    && let Poll::Ready(cmd) = rx.poll_recv(cx)
                {
                    return Poll::Ready(cmd.map_or(Wake::Replaced, Wake::Command));
                }
                if !st.pending.is_empty()
                    && let Poll::Ready(r) = stream.poll_write_ready(cx)
                {
                    return Poll::Ready(r.map_or(Wake::Error, |()| Wake::Writable));
                }
                if let Poll::Ready(r) = stream.poll_read_ready(cx) {
                    return Poll::Ready(r.map_or(Wake::Error, |()| Wake::Readable));
                }
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Wake::Timer);
                }
                Poll::Pending
            })
            .await;
            let fired = matches!(wake, Wake::Timer);
            let step = SCRATCH.with(|s| match s.try_borrow_mut() {
                Ok(mut s) => self.step(wake, stream, conn, st, &mut s),
                // Only a re-entrant call could hold it; there is none.
                Err(_) => Step::Close(CloseReason::Io),
            });
            if let Step::Close(r) = step {
                return r;
            }
            if st.pending.len() > self.inner.cfg.max_pending_write {
                return CloseReason::SlowReader;
            }
            let want = st
                .cloud
                .poll_timeout()
                .map_or_else(far_future, |t| clock.to_tokio(t));
            if fired || want < armed {
                armed = want;
                sleep.as_mut().reset(armed);
            }
        }
    }

    /// One wake-up of a connection, without waiting: reads and handles every whole frame the
    /// socket holds, and writes all answers with one system call. `s` is the worker thread's
    /// scratch: empty before and after.
    fn step(
        &self,
        wake: Wake,
        stream: &TcpStream,
        conn: u64,
        st: &mut Conn,
        s: &mut Scratch,
    ) -> Step {
        let clock = self.inner.clock;
        let step = match wake {
            Wake::Shutdown => Step::Close(CloseReason::Shutdown),
            Wake::Replaced => Step::Close(CloseReason::Replaced),
            Wake::Error => Step::Close(CloseReason::Io),
            Wake::Writable => Step::Go,
            Wake::Timer => {
                st.cloud.handle_timeout(clock.now());
                Step::Go
            }
            // Its caller withdrew it (the MQTT bridge's hand-over timeout, after which it
            // answered that the connection did not take the request; a dropped
            // `send_request`): not sent.
            Wake::Command(cmd) if !cmd.claim.take() => Step::Go,
            Wake::Command(cmd) => {
                let r = cmd.request.send(&mut st.cloud, clock.now(), &mut s.tx);
                if r.is_ok() {
                    inc(&self.inner.counters.commands);
                }
                let _ = cmd.reply.send(r.map_err(Error::from));
                Step::Go
            }
            Wake::Readable => self.on_readable(stream, conn, st, s),
        };
        let step = match step {
            Step::Go => self.drain_events(conn, st),
            s => s,
        };
        if let Step::Close(r) = step {
            return Step::Close(r);
        }
        if write_pending(stream, &mut st.pending).is_err() || s.flush(stream, st).is_err() {
            return Step::Close(CloseReason::Io);
        }
        Step::Go
    }

    /// Reads into the thread's buffer (after the partial frame this connection kept, if any),
    /// handles every whole frame in place, and keeps only an unfinished frame's bytes.
    fn on_readable(&self, stream: &TcpStream, conn: u64, st: &mut Conn, s: &mut Scratch) -> Step {
        s.rx.clear();
        if !st.partial.is_empty() {
            s.rx.extend_from_slice(&st.partial);
            st.partial = Vec::new();
        }
        s.rx.reserve(RX_CHUNK);
        let step = match read_drained(stream, &mut s.rx) {
            Ok(Read::Data) => self.on_data(stream, conn, st, s),
            Ok(Read::WouldBlock) => Step::Go,
            Ok(Read::Eof) => Step::Close(CloseReason::PeerClosed),
            Err(_) => Step::Close(CloseReason::Io),
        };
        if !s.rx.is_empty() {
            // At most one unfinished frame (the codec's bound) or the start of a magic.
            st.partial.reserve_exact(s.rx.len());
            st.partial.extend_from_slice(&s.rx);
            s.rx.clear();
        }
        step
    }

    /// Runs every whole frame in `s.rx` through the machine.
    fn on_data(&self, stream: &TcpStream, conn: u64, st: &mut Conn, s: &mut Scratch) -> Step {
        let inner = &*self.inner;
        let c = &inner.counters;
        loop {
            let mut frame = match st.codec.decode(&mut s.rx) {
                Ok(Some(f)) => f,
                Ok(None) => return Step::Go,
                Err(_) => {
                    inc(&c.errors);
                    if st.feed_id.is_none() {
                        return Step::Close(CloseReason::Refused);
                    }
                    // After auth the codec has resynchronised; go on.
                    continue;
                }
            };
            // Room for the next answer: write what is queued (one write for many answers).
            if s.tx.len() > TX_CAP / 2 && s.flush(stream, st).is_err() {
                return Step::Close(CloseReason::Io);
            }
            let ptype = packet_type(&frame);
            let now = inner.clock.now();
            let keys = &inner.keys;
            let mut lookup = |feed: &[u8]| keys.get(feed).cloned();
            let r = st
                .cloud
                .handle_packet(now, &mut frame, &mut lookup, &mut os_rng(), &mut s.tx);
            let feed = st.feed_id.clone();
            match r {
                Ok(None) => {
                    if ptype == 10 {
                        inc(&c.heartbeats);
                    }
                }
                Ok(Some(inc_)) => {
                    let kind = match inc_ {
                        CloudIncoming::Upload { data } => {
                            inc(&c.uploads);
                            HubEventKind::Upload {
                                data: Bytes::copy_from_slice(data),
                            }
                        }
                        CloudIncoming::ControlResponse {
                            serial,
                            biz_code,
                            data,
                        } => {
                            inc(&c.answered);
                            HubEventKind::ControlResponse {
                                serial,
                                biz_code: biz_code.value(),
                                data: Bytes::copy_from_slice(data),
                            }
                        }
                        CloudIncoming::OtaAck { serial } => HubEventKind::OtaAck { serial },
                        CloudIncoming::OtaStatus { status, progress } => {
                            HubEventKind::OtaStatus { status, progress }
                        }
                        CloudIncoming::TimerExecuted { id, code } => {
                            HubEventKind::TimerExecuted { id, code }
                        }
                        CloudIncoming::TimerAnswer { serial, message } => {
                            let (biz_code, code) = timer_answer(&message);
                            HubEventKind::TimerAnswer {
                                serial,
                                biz_code,
                                code,
                            }
                        }
                        CloudIncoming::TaskReport { report } => HubEventKind::TaskReport {
                            data: Bytes::copy_from_slice(report),
                        },
                        CloudIncoming::SubDevUnbound { serial } => {
                            HubEventKind::SubDevUnbound { serial }
                        }
                        CloudIncoming::SubDevUpload { feed_id, data } => {
                            sub_upload(keys, feed_id.as_bytes(), data)
                        }
                        CloudIncoming::AsyncResult(a) => HubEventKind::AsyncResult {
                            biz_code: a.biz_code.value(),
                            serial: a.serial,
                            control_type: a.control_type.into(),
                            task_timestamp: a.task_timestamp,
                            id: String::from_utf8_lossy(a.id.as_bytes()).into_owned(),
                            data: Bytes::copy_from_slice(a.resp),
                        },
                        _ => HubEventKind::Other { packet_type: ptype },
                    };
                    if let Some(f) = &feed {
                        self.emit(f, conn, kind);
                    }
                }
                Err(e) => {
                    inc(&c.errors);
                    match &feed {
                        // spec 7.1: a device that fails auth is disconnected.
                        None => return Step::Close(CloseReason::Refused),
                        Some(f) => self.emit(
                            f,
                            conn,
                            HubEventKind::Refused {
                                error: e.to_string(),
                            },
                        ),
                    }
                }
            }
            drop(frame);
            if let Step::Close(r) = self.drain_events(conn, st) {
                return Step::Close(r);
            }
        }
    }

    /// Hands the machine's events to the hub.
    fn drain_events(&self, conn: u64, st: &mut Conn) -> Step {
        let c = &self.inner.counters;
        while let Some(e) = st.cloud.poll_event() {
            match e {
                CloudEvent::Authenticated => {
                    let feed: Arc<str> =
                        Arc::from(String::from_utf8_lossy(st.cloud.feed_id()).as_ref());
                    if st.feed_id.is_none() {
                        inc(&c.online);
                    }
                    inc(&c.authenticated);
                    st.commands = Some(self.register(&feed, conn));
                    self.emit(&feed, conn, HubEventKind::Online);
                    st.feed_id = Some(feed);
                }
                CloudEvent::Offline => return Step::Close(CloseReason::Silent),
                CloudEvent::AuthTimeout => return Step::Close(CloseReason::AuthTimeout),
                CloudEvent::Timeout { serial, .. } => {
                    inc(&c.timeouts);
                    if let Some(f) = &st.feed_id {
                        self.emit(f, conn, HubEventKind::Timeout { serial });
                    }
                }
                _ => {}
            }
        }
        if st.cloud.state() == CloudState::Offline && st.feed_id.is_some() {
            return Step::Close(CloseReason::Silent);
        }
        Step::Go
    }
}

/// Bytes read from the socket per wake-up at most (more stays readable for the next one).
const RX_CHUNK: usize = 16 * 1024;

/// What one connection keeps between wake-ups: the machine and nothing on the heap while idle.
/// The read buffer and the send queue are the worker thread's ([`Scratch`]); a connection holds
/// bytes of its own only while a frame is unfinished (`partial`, at most
/// [`ServerConfig::max_frame_len`]) or the socket does not take its answers (`pending`, at most
/// [`ServerConfig::max_pending_write`]).
struct Conn {
    cloud: Cloud,
    codec: WanCodec,
    partial: Vec<u8>,
    pending: Vec<u8>,
    feed_id: Option<Arc<str>>,
    commands: Option<CommandRx>,
}

/// One worker thread's buffers, shared by all its connections: a connection uses them only
/// inside one synchronous [`CloudHub::step`] (no `.await` between borrowing and emptying them),
/// so the thread's connections never see each other's bytes and an idle connection costs none.
struct Scratch {
    rx: BytesMut,
    tx: TxQueue<TX_CAP>,
    out: Box<[u8; TX_CAP]>,
}

impl Scratch {
    fn new() -> Self {
        Self {
            rx: BytesMut::with_capacity(RX_CHUNK),
            tx: TxQueue::new(),
            out: Box::new([0; TX_CAP]),
        }
    }

    /// Hands everything the machine queued to the socket in one write (what it does not take
    /// waits in the connection's `pending`).
    fn flush(&mut self, stream: &TcpStream, st: &mut Conn) -> std::io::Result<()> {
        while let Some(n) = self.tx.poll_transmit(&mut self.out[..]) {
            write_or_keep(
                stream,
                &mut st.pending,
                self.out.get(..n).unwrap_or_default(),
            )?;
        }
        Ok(())
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

/// The shutdown of one [`CloudHub::serve`] as its connections see it: a flag they check on
/// every wake-up (an atomic load) and a notification that wakes them once. A cancellation
/// token's future would take the token's lock, shared by every connection, on each poll.
#[derive(Debug, Default)]
struct Stop {
    flag: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Stop {
    /// The flag first, then the wake-up: a woken connection always sees the flag.
    fn set(&self) {
        self.flag.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }
}

/// Why a connection's task woke up.
enum Wake {
    Shutdown,
    Command(Box<Command>),
    Replaced,
    Readable,
    Writable,
    Timer,
    Error,
}

enum Step {
    Go,
    Close(CloseReason),
}

/// A sub-device's upload (type 112) opened with its accesskey from the registry, or why not.
fn sub_upload(keys: &HashMap<Vec<u8>, AccessKey>, sub: &[u8], sealed: &[u8]) -> HubEventKind {
    let name = String::from_utf8_lossy(sub).into_owned();
    let Some(key) = keys.get(sub) else {
        return HubEventKind::Refused {
            error: format!("sub-device upload from {name}: no accesskey for it"),
        };
    };
    let mut out = [0u8; INNER_CAP];
    match open_inner(key, sealed, &mut out) {
        Ok(plain) => HubEventKind::SubDevUpload {
            sub_feed_id: name,
            data: Bytes::copy_from_slice(plain),
        },
        Err(e) => HubEventKind::Refused {
            error: format!("sub-device upload from {name}: {e}"),
        },
    }
}

/// The biz_code and `code` of a timer answer (a query's `code` is its number of tasks).
fn timer_answer(m: &TimerMessage<'_>) -> (u32, i32) {
    match m {
        TimerMessage::SupportResponse(c)
        | TimerMessage::AddResponse(c)
        | TimerMessage::UpdateResponse(c) => (c.preamble.biz_code.value(), c.code),
        TimerMessage::DeleteResponse(r)
        | TimerMessage::StopResponse(r)
        | TimerMessage::RestartResponse(r) => (r.preamble.biz_code.value(), r.code),
        TimerMessage::QueryResponse(q) => (
            q.preamble.biz_code.value(),
            i32::try_from(q.tasks.iter().count()).unwrap_or(i32::MAX),
        ),
        _ => (0, 0),
    }
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now()
        .checked_add(Duration::from_secs(86_400))
        .unwrap_or_else(tokio::time::Instant::now)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A queued command is either taken or withdrawn, whichever comes first, never both: the
    /// MQTT bridge answers "not taken" only for a command the connection will not send.
    #[test]
    fn a_command_is_taken_or_withdrawn_not_both() {
        let c = Claim::default();
        assert!(c.take());
        assert!(
            !c.withdraw(),
            "taken first: the caller must wait for the serial"
        );
        let c = Claim::default();
        assert!(c.withdraw());
        assert!(
            !c.take(),
            "withdrawn first: the connection must drop it unsent"
        );
        // Dropping a `send_request` future withdraws an untaken command.
        let c = Arc::new(Claim::default());
        drop(WithdrawOnDrop(c.clone()));
        assert!(!c.take());
    }

    /// The per-connection task's own memory (the machine, the framing state, the timer, the
    /// buffers' headers) stays small: the 4 KiB-per-idle-connection budget is for the whole
    /// connection, tokio's task and I/O registration, the command channel and the hub's map
    /// entry included. Buffers are the worker thread's ([`Scratch`]), never the task's.
    #[tokio::test]
    async fn connection_task_is_small() {
        let hub = CloudHub::new([], ServerConfig::default());
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let (_c, (s, _)) = tokio::join!(TcpStream::connect(addr), async {
            l.accept().await.unwrap()
        });
        let fut = hub.clone().connection(s, Arc::new(Stop::default()));
        let size = std::mem::size_of_val(&fut);
        let conn = std::mem::size_of::<Conn>();
        println!(
            "connection future: {size} bytes, Conn: {conn}, Cloud: {}",
            std::mem::size_of::<Cloud>()
        );
        // Where the build keeps keys prepared (`--cfg joylink_prepared_keys="on"`) the machine
        // carries its session key's AES schedules beyond its own 512 bytes: allowed on top.
        let schedules = std::mem::size_of::<Cloud>().saturating_sub(512);
        assert!(size <= schedules.saturating_add(1152), "{size} bytes");
        assert!(conn <= schedules.saturating_add(640), "{conn} bytes");
    }
}
