//! The LAN app (controller) driver: the app machine on a UDP socket, its commands as `async`
//! methods of a cloneable handle.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use joylink_session::Instant;
use joylink_session::lan::{App, AppEvent, DeviceEntry, RequestHandle, ResponseBody};
use joylink_wire::BizCode;
use joylink_wire::lan::{JsonControlRequest, ScanStatus, SubDevProtocol};
use tokio::net::UdpSocket;
use tokio::sync::{Notify, oneshot};
use tokio_util::sync::CancellationToken;

use super::{LanConfig, RECV_BUF};
use crate::clock::{TokioClock, os_rng, sleep_opt};
use crate::{Error, Result};

struct State {
    app: App,
    /// Who waits for the event of each command in flight.
    waiters: HashMap<RequestHandle, oneshot::Sender<AppEvent>>,
    /// Discoveries collecting replies: (id, addresses that answered).
    scans: Vec<(u64, Vec<SocketAddr>)>,
    next_scan: u64,
    /// The driver has stopped: commands fail at once.
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    /// A command queued datagrams: the driver sends them.
    wake: Notify,
    clock: TokioClock,
    local: SocketAddr,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Runs the app machine on its socket; [`LanApp`] handles command it. Returned by
/// [`AppDriver::bind`]; spawn [`AppDriver::run`].
pub struct AppDriver {
    shared: Arc<Shared>,
    socket: UdpSocket,
}

impl core::fmt::Debug for AppDriver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AppDriver")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

/// The commands of a LAN controller (spec 6.3), each an `async` method that returns the
/// device's answer. Cheap to clone; commands from several tasks run at once (the machine
/// matches each answer to its request).
///
/// Timeouts are the machine's: a control or snapshot not answered within
/// [`RESPONSE_TIMEOUT_MS`](joylink_session::lan::RESPONSE_TIMEOUT_MS) (500 ms, spec 6.3.3) ends
/// with [`Error::NoAnswer`]; an authorization is sent again every
/// [`AUTH_RETRY_MS`](joylink_session::lan::AUTH_RETRY_MS) up to
/// [`AUTH_ATTEMPTS`](joylink_session::lan::AUTH_ATTEMPTS) times first.
///
/// # Examples
/// ```no_run
/// use std::time::Duration;
/// use joylink_tokio::lan::{AppDriver, LanConfig};
/// use joylink_wire::lan::ScanStatus;
/// use tokio_util::sync::CancellationToken;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let (driver, app) = AppDriver::bind(&LanConfig::app()).await?;
/// let stop = CancellationToken::new();
/// tokio::spawn(driver.run(stop.clone()));
/// let everyone = "255.255.255.255:4320".parse()?;
/// for device in app.discover(everyone, None, ScanStatus::All, Duration::from_millis(300)).await? {
///     app.authorize(device.addr, "1234567890123456", "961745eaa28c7ff6854b94a91ce19a91",
///                   "be4d957a4da771d609ab383e548014a0", Some("live.smart.jd.com:2002")).await?;
///     let snapshot = app.snapshot(device.addr).await?;
///     println!("{}: {snapshot:?}", device.mac);
/// }
/// stop.cancel();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct LanApp {
    shared: Arc<Shared>,
}

impl core::fmt::Debug for LanApp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LanApp")
            .field("local", &self.shared.local)
            .finish_non_exhaustive()
    }
}

enum Step {
    Stop,
    Go,
    Datagram(usize, SocketAddr),
    Timeout,
}

impl AppDriver {
    /// Binds a socket as `cfg` says, with an app machine whose key pair comes from the OS
    /// random number generator.
    ///
    /// # Errors
    /// [`Error::Io`] when the address cannot be bound.
    pub async fn bind(cfg: &LanConfig) -> Result<(Self, LanApp)> {
        let socket = super::bind(cfg).await?;
        Self::new(App::new(&mut os_rng()), socket)
    }

    /// Runs `app` on a socket the caller bound (with `SO_BROADCAST` to broadcast discovery).
    ///
    /// # Errors
    /// [`Error::Io`] when the socket has no local address.
    pub fn new(app: App, socket: UdpSocket) -> Result<(Self, LanApp)> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                app,
                waiters: HashMap::new(),
                scans: Vec::new(),
                next_scan: 0,
                closed: false,
            }),
            wake: Notify::new(),
            clock: TokioClock::new(),
            local: socket.local_addr()?,
        });
        let handle = LanApp {
            shared: shared.clone(),
        };
        Ok((Self { shared, socket }, handle))
    }

    /// Runs the machine until `stop` is cancelled: sends what commands queue, reads answers
    /// into the machine, runs its retries and timeouts, and completes each command with its
    /// event. Commands still waiting then, and any issued later, fail with [`Error::Closed`].
    ///
    /// # Errors
    /// None so far: socket errors are ignored (the machine's retries and timeouts cover a lost
    /// datagram either way).
    pub async fn run(self, stop: CancellationToken) -> Result<()> {
        let shared = self.shared.clone();
        let clock = shared.clock;
        let mut rbuf = vec![0u8; RECV_BUF].into_boxed_slice();
        loop {
            let (out, deadline) = {
                let mut st = shared.lock();
                dispatch(&mut st);
                let mut out = Vec::new();
                let mut buf = [0u8; joylink_session::lan::MAX_DATAGRAM];
                while let Some((to, n)) = st.app.poll_transmit(&mut buf) {
                    out.push((to, buf.get(..n).unwrap_or_default().to_vec()));
                }
                (out, st.app.poll_timeout().map(|t| clock.to_tokio(t)))
            };
            for (to, d) in out {
                let _ = self.socket.send_to(&d, to).await;
            }
            let step = tokio::select! {
                () = stop.cancelled() => Step::Stop,
                () = shared.wake.notified() => Step::Go,
                r = self.socket.recv_from(&mut rbuf) => match r {
                    Ok((n, from)) => Step::Datagram(n, from),
                    Err(_) => Step::Go,
                },
                () = sleep_opt(deadline) => Step::Timeout,
            };
            match step {
                Step::Stop => break,
                Step::Go => {}
                Step::Datagram(n, from) => {
                    let data = rbuf.get_mut(..n).unwrap_or_default();
                    // What the machine refuses (late, duplicated, not for us) is dropped.
                    let _ = shared.lock().app.handle(clock.now(), from, data);
                }
                Step::Timeout => shared.lock().app.handle_timeout(clock.now()),
            }
        }
        let mut st = shared.lock();
        st.closed = true;
        st.waiters.clear();
        Ok(())
    }
}

/// Hands the machine's events to whoever waits for them.
fn dispatch(st: &mut State) {
    while let Some(e) = st.app.poll_event() {
        let handle = match &e {
            AppEvent::Discovered(addr) => {
                for (_, seen) in &mut st.scans {
                    if !seen.contains(addr) {
                        seen.push(*addr);
                    }
                }
                continue;
            }
            AppEvent::Authorized(h)
            | AppEvent::AuthFailed(h, _)
            | AppEvent::Response(h, _)
            | AppEvent::Timeout(h)
            | AppEvent::SubDevice(h, _) => *h,
        };
        if let Some(tx) = st.waiters.remove(&handle) {
            let _ = tx.send(e);
        }
    }
}

/// Takes a discovery's collection out of the shared state when its future ends (or is
/// dropped).
struct ScanGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for ScanGuard<'_> {
    fn drop(&mut self) {
        self.shared.lock().scans.retain(|(i, _)| *i != self.id);
    }
}

impl LanApp {
    /// The driver's socket address.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local
    }

    /// Every device discovered so far.
    #[must_use]
    pub fn devices(&self) -> Vec<DeviceEntry> {
        self.shared.lock().app.devices().to_vec()
    }

    /// The device discovered at `addr`.
    #[must_use]
    pub fn device(&self, addr: SocketAddr) -> Option<DeviceEntry> {
        self.shared.lock().app.device(addr).cloned()
    }

    /// Starts a command under the lock and waits for its event.
    async fn request(
        &self,
        start: impl FnOnce(&mut App, Instant) -> joylink_session::Result<RequestHandle>,
    ) -> Result<AppEvent> {
        let rx = {
            let mut st = self.shared.lock();
            if st.closed {
                return Err(Error::Closed);
            }
            let handle = start(&mut st.app, self.shared.clock.now())?;
            let (tx, rx) = oneshot::channel();
            st.waiters.insert(handle, tx);
            rx
        };
        self.shared.wake.notify_one();
        rx.await.map_err(|_| Error::Closed)
    }

    /// Sends a discovery (type 1, spec 6.3.1) to `to` — the broadcast address and the devices'
    /// port, or one device — and returns the devices that answered within `wait`, fragmented
    /// replies reassembled, sub-devices of gateways listed. Devices keep answering after `wait`;
    /// [`LanApp::devices`] lists them all.
    ///
    /// # Errors
    /// [`Error::Closed`] when the driver has stopped; [`Error::Session`] when the request does
    /// not encode (a `productuuid` the JSON cannot carry).
    pub async fn discover(
        &self,
        to: SocketAddr,
        productuuid: Option<&str>,
        status: ScanStatus,
        wait: Duration,
    ) -> Result<Vec<DeviceEntry>> {
        let id = {
            let mut st = self.shared.lock();
            if st.closed {
                return Err(Error::Closed);
            }
            st.app.discover(to, productuuid, status)?;
            let id = st.next_scan;
            st.next_scan = st.next_scan.wrapping_add(1);
            st.scans.push((id, Vec::new()));
            id
        };
        let guard = ScanGuard {
            shared: &self.shared,
            id,
        };
        self.shared.wake.notify_one();
        tokio::time::sleep(wait).await;
        let st = self.shared.lock();
        let found = st
            .scans
            .iter()
            .find(|(i, _)| *i == guard.id)
            .map(|(_, seen)| {
                seen.iter()
                    .filter_map(|a| st.app.device(*a).cloned())
                    .collect()
            })
            .unwrap_or_default();
        drop(st);
        drop(guard);
        Ok(found)
    }

    /// Authorizes a discovered device (type 2, spec 6.3.2): gives it its feed id, cloud
    /// accesskey, LAN localkey and cloud server, sealed by ECDH with its `devkey`. Returns once
    /// the device accepted them; later commands to it use the localkey.
    ///
    /// # Errors
    /// [`Error::Refused`] when the device refuses (-2001: already activated with other keys),
    /// [`Error::NoAnswer`] after the machine's last retry, [`Error::Session`] when `addr` was
    /// not discovered or a key is malformed, [`Error::Closed`] when the driver stops.
    pub async fn authorize(
        &self,
        addr: SocketAddr,
        feedid: &str,
        accesskey: &str,
        localkey: &str,
        server: Option<&str>,
    ) -> Result<()> {
        let e = self
            .request(|app, now| app.authorize(now, addr, feedid, accesskey, localkey, server))
            .await?;
        outcome(e).map(|_| ())
    }

    /// Sends a JSON control or snapshot (type 3, or 103 for a sub-device named in `request`;
    /// spec 6.3.3) and returns the answer.
    ///
    /// # Errors
    /// [`Error::NoAnswer`] after 500 ms without an answer, [`Error::Session`] when the device is
    /// not authorized, [`Error::Closed`] when the driver stops.
    pub async fn json_control(
        &self,
        addr: SocketAddr,
        request: JsonControlRequest<'_>,
    ) -> Result<ResponseBody> {
        let e = self
            .request(|app, now| app.json_control(now, addr, request))
            .await?;
        answer(e)
    }

    /// The device's snapshot (type 3, `cmd` 4).
    ///
    /// # Errors
    /// As [`LanApp::json_control`].
    pub async fn snapshot(&self, addr: SocketAddr) -> Result<ResponseBody> {
        self.json_control(addr, JsonControlRequest::snapshot())
            .await
    }

    /// Sends a script control (type 4, spec 6.3.4) with `cmd` as the script's input; the answer
    /// is matched by its serial.
    ///
    /// # Errors
    /// As [`LanApp::json_control`].
    pub async fn script_control(
        &self,
        addr: SocketAddr,
        biz_code: BizCode,
        cmd: &[u8],
    ) -> Result<ResponseBody> {
        let e = self
            .request(|app, now| app.script_control(now, addr, biz_code, cmd))
            .await?;
        answer(e)
    }

    /// Asks an authorized gateway to add a sub-device (type 105, spec 6.3.5).
    ///
    /// # Errors
    /// [`Error::Refused`] with the gateway's code (e.g. its table is full), otherwise as
    /// [`LanApp::authorize`].
    pub async fn add_sub_device(
        &self,
        gateway: SocketAddr,
        mac: &str,
        productuuid: &str,
        protocol: SubDevProtocol,
    ) -> Result<()> {
        let e = self
            .request(|app, now| app.add_sub_device(now, gateway, mac, productuuid, protocol))
            .await?;
        outcome(e).map(|_| ())
    }

    /// Gives a gateway a sub-device's keys (type 102, spec 6.3.6): `sub` is
    /// `[feedid, accesskey, localkey, productuuid, mac]`.
    ///
    /// # Errors
    /// As [`LanApp::add_sub_device`].
    pub async fn authorize_sub_device(&self, gateway: SocketAddr, sub: [&str; 5]) -> Result<()> {
        let e = self
            .request(|app, now| app.authorize_sub_device(now, gateway, sub))
            .await?;
        outcome(e).map(|_| ())
    }

    /// Sends a script control to a gateway's sub-device (type 104, spec 8.2).
    ///
    /// # Errors
    /// As [`LanApp::json_control`].
    pub async fn sub_script_control(
        &self,
        gateway: SocketAddr,
        feedid: &str,
        biz_code: BizCode,
        cmd: &[u8],
    ) -> Result<ResponseBody> {
        let e = self
            .request(|app, now| app.sub_script_control(now, gateway, feedid, biz_code, cmd))
            .await?;
        answer(e)
    }
}

/// The result a command's event stands for.
fn outcome(e: AppEvent) -> Result<Option<ResponseBody>> {
    match e {
        AppEvent::Authorized(_) | AppEvent::SubDevice(_, 0) | AppEvent::Discovered(_) => Ok(None),
        AppEvent::Response(_, body) => Ok(Some(body)),
        AppEvent::AuthFailed(_, Some(code)) | AppEvent::SubDevice(_, code) => {
            Err(Error::Refused { code })
        }
        AppEvent::AuthFailed(_, None) | AppEvent::Timeout(_) => Err(Error::NoAnswer),
    }
}

fn answer(e: AppEvent) -> Result<ResponseBody> {
    outcome(e)?.ok_or(Error::NoAnswer)
}
