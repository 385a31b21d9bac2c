//! The LAN device driver: the device (or gateway) machine on a UDP socket, controls handed to
//! the application on a channel.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use joylink_session::lan::{
    Activation, Device, Event, MAX_DATAGRAM, RequestId, RequestKind, SubDeviceEntry, Translator,
};
use joylink_wire::bytes;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use super::{LanConfig, RECV_BUF};
#[cfg(doc)]
use crate::Error;
use crate::Result;
use crate::clock::{TokioClock, sleep_opt};

/// What the device driver hands the application.
#[derive(Debug)]
#[non_exhaustive]
pub enum DeviceEvent {
    /// A control or snapshot request: answer it with [`IncomingRequest::respond`].
    Request(IncomingRequest),
    /// An app authorized the device (spec 6.3.2): persist these keys and restore them with
    /// [`Device::set_activation`] at the next start.
    Activated(Activation),
    /// A gateway added a sub-device (type 105, spec 6.3.5) to its table.
    SubDeviceAdded {
        /// Its slot.
        index: usize,
        /// The row as the machine stored it.
        entry: SubDeviceEntry,
    },
    /// A gateway stored a sub-device's keys (type 102, spec 6.3.6): persist the row and restore
    /// it with [`Device::set_sub_device`].
    SubDeviceAuthorized {
        /// Its slot.
        index: usize,
        /// The row with its keys.
        entry: SubDeviceEntry,
    },
}

/// A request waiting for the application's answer: the machine's
/// [`Request`](joylink_session::lan::Request) with its body copied out of the datagram.
pub struct IncomingRequest {
    /// The machine's id for it.
    pub id: RequestId,
    /// The app that sent it.
    pub peer: SocketAddr,
    /// What it asks for: JSON control or snapshot (type 3, the JSON's `cmd` 5 or 4), script
    /// control (type 4), or the same for a gateway's sub-device (103, 104).
    pub kind: RequestKind,
    /// The JSON (type 3/103) or the script `cmd[]` (type 4/104).
    pub body: Bytes,
    responder: Arc<dyn Respond>,
}

impl core::fmt::Debug for IncomingRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IncomingRequest")
            .field("id", &self.id)
            .field("peer", &self.peer)
            .field("kind", &self.kind)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

impl IncomingRequest {
    /// Answers the request: the machine frames and seals `body` ([`Device::respond`]: the
    /// snapshot JSON, sent as type 4 like shipped devices; through the driver's
    /// [`Translator`] first for a script request) and the driver sends it. Callable from any
    /// task; does not wait.
    ///
    /// # Errors
    /// As [`Device::respond`]: [`Error::Session`] when the request expired
    /// ([`PENDING_TTL_MS`](joylink_session::lan::PENDING_TTL_MS) after it arrived), the answer
    /// does not fit one datagram, the transmit queue is full, or the translator refuses.
    pub fn respond(self, body: &[u8]) -> Result<()> {
        self.responder.respond(self.id, self.kind, body)
    }
}

/// The driver's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LanStats {
    /// Datagrams read.
    pub received: u64,
    /// Datagrams the machine refused (do not decode or open, replayed, not for this device).
    pub refused: u64,
    /// Requests handed to the application.
    pub requests: u64,
    /// Requests dropped because the application's channel was full.
    pub requests_dropped: u64,
    /// Datagrams sent.
    pub sent: u64,
    /// Socket errors (sending or receiving).
    pub io_errors: u64,
}

#[derive(Debug, Default)]
struct Counters {
    received: AtomicU64,
    refused: AtomicU64,
    requests: AtomicU64,
    requests_dropped: AtomicU64,
    sent: AtomicU64,
    io_errors: AtomicU64,
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// The answer path from an [`IncomingRequest`] to the machine, whatever its capacities.
trait Respond: Send + Sync {
    fn respond(&self, id: RequestId, kind: RequestKind, body: &[u8]) -> Result<()>;
}

/// The machine and the translator its script bodies pass through.
struct Machine<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize> {
    device: Device<PEERS, PENDING, TX, SUBS>,
    translator: Option<Box<dyn Translator + Send>>,
}

struct Shared<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize> {
    machine: Mutex<Machine<PEERS, PENDING, TX, SUBS>>,
    /// Something was queued in the machine outside the driver's loop.
    wake: Notify,
    clock: TokioClock,
    counters: Counters,
}

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize>
    Shared<PEERS, PENDING, TX, SUBS>
{
    fn lock(&self) -> MutexGuard<'_, Machine<PEERS, PENDING, TX, SUBS>> {
        self.machine.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize> Respond
    for Shared<PEERS, PENDING, TX, SUBS>
{
    fn respond(&self, id: RequestId, kind: RequestKind, body: &[u8]) -> Result<()> {
        let now = self.clock.now();
        let r = {
            let mut m = self.lock();
            let Machine { device, translator } = &mut *m;
            match translator {
                Some(t) => {
                    let mut scratch = [0u8; MAX_DATAGRAM];
                    device.respond_translated(id, kind, now, body, &mut **t, &mut scratch)
                }
                None => device.respond(id, now, body),
            }
        };
        self.wake.notify_one();
        Ok(r?)
    }
}

/// A handle on a running [`DeviceDriver`]'s machine and counters. Cheap to clone.
pub struct LanDevice<
    const PEERS: usize = 8,
    const PENDING: usize = 4,
    const TX: usize = 4,
    const SUBS: usize = 0,
> {
    shared: Arc<Shared<PEERS, PENDING, TX, SUBS>>,
}

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize> Clone
    for LanDevice<PEERS, PENDING, TX, SUBS>
{
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize> core::fmt::Debug
    for LanDevice<PEERS, PENDING, TX, SUBS>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LanDevice")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize>
    LanDevice<PEERS, PENDING, TX, SUBS>
{
    /// Runs `f` on the machine (read its activation or sub-device table, restore a row); the
    /// driver then sends whatever `f` queued.
    pub fn with_machine<R>(&self, f: impl FnOnce(&mut Device<PEERS, PENDING, TX, SUBS>) -> R) -> R {
        let r = f(&mut self.shared.lock().device);
        self.shared.wake.notify_one();
        r
    }

    /// The driver's counters now.
    #[must_use]
    pub fn stats(&self) -> LanStats {
        let c = &self.shared.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        LanStats {
            received: l(&c.received),
            refused: l(&c.refused),
            requests: l(&c.requests),
            requests_dropped: l(&c.requests_dropped),
            sent: l(&c.sent),
            io_errors: l(&c.io_errors),
        }
    }
}

/// The device (or gateway) machine on a UDP socket.
///
/// The machine answers discovery and authorization itself; requests go to the application as
/// [`DeviceEvent`]s on the channel [`DeviceDriver::bind`] returns, and the application answers
/// each with [`IncomingRequest::respond`]. [`DeviceDriver::run`] ends when `stop` is cancelled
/// or the application drops the event receiver.
///
/// # Examples
/// ```no_run
/// use joylink_crypto::KeyPair;
/// use joylink_session::lan::{Device, DeviceInfo, FixedStr};
/// use joylink_tokio::lan::{DeviceDriver, DeviceEvent, LanConfig};
/// use tokio_util::sync::CancellationToken;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let info = DeviceInfo {
///     mac: FixedStr::new("EA2D9AB01132").unwrap_or_default(),
///     productuuid: FixedStr::new("5708AB").unwrap_or_default(),
///     lancon: 1,
///     ..DeviceInfo::default()
/// };
/// let device: Device = Device::new(KeyPair::generate(&mut joylink_tokio::os_rng()), info);
/// let (driver, mut events) = DeviceDriver::bind(device, &LanConfig::device()).await?;
/// let stop = CancellationToken::new();
/// tokio::spawn(driver.run(stop.clone()));
/// while let Some(event) = events.recv().await {
///     match event {
///         DeviceEvent::Request(request) => {
///             // Apply `request.body`, then answer with the snapshot.
///             request.respond(br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#)?;
///         }
///         DeviceEvent::Activated(keys) => println!("persist {keys:?}"),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
pub struct DeviceDriver<
    const PEERS: usize = 8,
    const PENDING: usize = 4,
    const TX: usize = 4,
    const SUBS: usize = 0,
> {
    shared: Arc<Shared<PEERS, PENDING, TX, SUBS>>,
    socket: UdpSocket,
    events: mpsc::Sender<DeviceEvent>,
    /// Events other than requests waiting for room in the channel: they are never dropped.
    backlog: VecDeque<DeviceEvent>,
}

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize> core::fmt::Debug
    for DeviceDriver<PEERS, PENDING, TX, SUBS>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeviceDriver")
            .field("socket", &self.socket)
            .field("backlog", &self.backlog.len())
            .finish_non_exhaustive()
    }
}

enum Step {
    Stop,
    Go,
    Datagram(usize, SocketAddr),
    Timeout,
}

impl<const PEERS: usize, const PENDING: usize, const TX: usize, const SUBS: usize>
    DeviceDriver<PEERS, PENDING, TX, SUBS>
{
    /// Binds a socket as `cfg` says and wraps `device`; returns the driver and the channel of
    /// its events.
    ///
    /// # Errors
    /// [`Error::Io`] when the address cannot be bound.
    pub async fn bind(
        device: Device<PEERS, PENDING, TX, SUBS>,
        cfg: &LanConfig,
    ) -> Result<(Self, mpsc::Receiver<DeviceEvent>)> {
        let socket = super::bind(cfg).await?;
        Ok(Self::new(device, socket, cfg.queue))
    }

    /// Wraps `device` on a socket the caller bound (set `SO_BROADCAST` on it if needed);
    /// `queue` events wait for the application at most.
    #[must_use]
    pub fn new(
        device: Device<PEERS, PENDING, TX, SUBS>,
        socket: UdpSocket,
        queue: usize,
    ) -> (Self, mpsc::Receiver<DeviceEvent>) {
        let (events, rx) = mpsc::channel(queue.max(1));
        let shared = Arc::new(Shared {
            machine: Mutex::new(Machine {
                device,
                translator: None,
            }),
            wake: Notify::new(),
            clock: TokioClock::new(),
            counters: Counters::default(),
        });
        let driver = Self {
            shared,
            socket,
            events,
            backlog: VecDeque::new(),
        };
        (driver, rx)
    }

    /// Passes the bodies of script requests (type 4, 104) through `translator`'s `pri2jds`
    /// before they reach the application, and its answers back through `jds2pri` (spec 6.3.4: a
    /// device whose firmware speaks JSON while its product is configured for script transport);
    /// JSON requests are not touched. A request the translator refuses is not handed over (it
    /// expires unanswered).
    #[must_use]
    pub fn with_translator(self, translator: impl Translator + Send + 'static) -> Self {
        self.shared.lock().translator = Some(Box::new(translator));
        self
    }

    /// The socket's address.
    ///
    /// # Errors
    /// [`Error::Io`] from the socket.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.socket.local_addr()?)
    }

    /// A handle on the machine and the counters, usable while the driver runs.
    #[must_use]
    pub fn handle(&self) -> LanDevice<PEERS, PENDING, TX, SUBS> {
        LanDevice {
            shared: self.shared.clone(),
        }
    }

    /// Runs the machine until `stop` is cancelled or the event receiver is dropped: reads
    /// datagrams into the machine, sends what it queues, runs its timer (requests the
    /// application left unanswered expire), and hands events to the application.
    ///
    /// # Errors
    /// None so far: socket errors are counted ([`LanStats::io_errors`]) and the driver goes on,
    /// as a device must (a network that comes back, an ICMP error from one peer).
    pub async fn run(mut self, stop: CancellationToken) -> Result<()> {
        let shared = self.shared.clone();
        let clock = shared.clock;
        let mut rbuf = vec![0u8; RECV_BUF].into_boxed_slice();
        let mut tbuf = vec![0u8; MAX_DATAGRAM].into_boxed_slice();
        // A translated script body (at most a datagram's worth).
        let mut scratch = vec![0u8; MAX_DATAGRAM].into_boxed_slice();
        loop {
            self.transmit(&mut tbuf).await;
            if !self.deliver() {
                return Ok(());
            }
            let deadline = shared
                .lock()
                .device
                .poll_timeout()
                .map(|t| clock.to_tokio(t));
            let backlog = !self.backlog.is_empty();
            let step = tokio::select! {
                () = stop.cancelled() => Step::Stop,
                () = shared.wake.notified() => Step::Go,
                r = self.socket.recv_from(&mut rbuf) => match r {
                    Ok((n, from)) => Step::Datagram(n, from),
                    Err(_) => {
                        inc(&shared.counters.io_errors);
                        Step::Go
                    }
                },
                // Room for the backlog: `deliver` takes it at the top of the loop.
                r = self.events.reserve(), if backlog => match r {
                    Ok(permit) => {
                        drop(permit);
                        Step::Go
                    }
                    Err(_) => Step::Stop,
                },
                () = sleep_opt(deadline) => Step::Timeout,
            };
            match step {
                Step::Stop => return Ok(()),
                Step::Go => {}
                Step::Datagram(n, from) => {
                    let data = rbuf.get_mut(..n).unwrap_or_default();
                    self.on_datagram(from, data, &mut scratch);
                }
                Step::Timeout => shared.lock().device.handle_timeout(clock.now()),
            }
        }
    }

    /// Sends what the machine queued.
    async fn transmit(&self, buf: &mut [u8]) {
        loop {
            let next = self.shared.lock().device.poll_transmit(buf);
            let Some((to, n)) = next else { return };
            let c = &self.shared.counters;
            match self
                .socket
                .send_to(buf.get(..n).unwrap_or_default(), to)
                .await
            {
                Ok(_) => inc(&c.sent),
                Err(_) => inc(&c.io_errors),
            }
        }
    }

    /// Moves the backlog into the channel while it has room; `false` when the application has
    /// dropped the receiver.
    fn deliver(&mut self) -> bool {
        while let Some(e) = self.backlog.pop_front() {
            match self.events.try_send(e) {
                Ok(()) => {}
                Err(TrySendError::Full(e)) => {
                    self.backlog.push_front(e);
                    break;
                }
                Err(TrySendError::Closed(_)) => return false,
            }
        }
        !self.events.is_closed()
    }

    /// Hands one datagram to the machine and its event to the application.
    fn on_datagram(&mut self, from: SocketAddr, data: &mut [u8], scratch: &mut [u8]) {
        let c = &self.shared.counters;
        inc(&c.received);
        let now = self.shared.clock.now();
        let mut machine = self.shared.lock();
        let Machine { device, translator } = &mut *machine;
        let handled = match translator {
            Some(t) => device.handle_translated(now, from, data, &mut **t, scratch),
            None => device.handle(now, from, data),
        };
        let event = match handled {
            Ok(Some(e)) => e,
            Ok(None) => return,
            Err(_) => {
                inc(&c.refused);
                return;
            }
        };
        let row = |device: &Device<PEERS, PENDING, TX, SUBS>, index: usize| {
            device
                .sub_devices()
                .find(|(i, _)| *i == index)
                .map(|(_, e)| e.clone())
        };
        let owned = match event {
            Event::Request(r) => {
                inc(&c.requests);
                let request = IncomingRequest {
                    id: r.id,
                    peer: r.peer,
                    kind: r.kind,
                    body: Bytes::copy_from_slice(r.body),
                    responder: self.shared.clone(),
                };
                drop(machine);
                // Behind a backlog the channel is congested: a request is not worth queueing
                // (the app times out after 500 ms), and it must not overtake an activation.
                if !self.backlog.is_empty()
                    || self.events.try_send(DeviceEvent::Request(request)).is_err()
                {
                    inc(&c.requests_dropped);
                }
                return;
            }
            Event::Activated(a) => DeviceEvent::Activated(a),
            Event::SubDeviceAdded { index } => match row(device, index) {
                Some(entry) => DeviceEvent::SubDeviceAdded { index, entry },
                None => return,
            },
            Event::SubDeviceAuthorized { index } => match row(device, index) {
                Some(entry) => DeviceEvent::SubDeviceAuthorized { index, entry },
                None => return,
            },
        };
        drop(machine);
        self.backlog.push_back(owned);
    }
}
