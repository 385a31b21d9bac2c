//! The device driver: the [`Device`] machine on a TCP connection to the cloud, reconnecting with
//! exponential backoff.
//!
//! The driver adds no protocol: auth, heartbeats, the unanswered-request limit and replay checks
//! are the machine's. The application sees the machine's events and packets through
//! [`DeviceApp`] and answers through the `&mut Device` it is handed.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use joylink_session::Instant;
use joylink_session::wan::{Device, Event, Incoming};
use joylink_wire::bytes;
use tokio::net::TcpStream;
use tokio_util::codec::Decoder as _;
use tokio_util::sync::CancellationToken;

use crate::clock::{TokioClock, os_rng, packet_type, sleep_opt};
use crate::codec::{DEFAULT_MAX_FRAME, WanCodec};
use crate::io::{Read, flush, read_some, shrink};

/// Where to connect and how to back off.
#[derive(Debug, Clone)]
pub struct DriverConfig {
    /// The cloud's address.
    pub cloud: SocketAddr,
    /// Further addresses of the same cloud (other front-end nodes). After a refused or dropped
    /// connection the device tries the next address, in the order `cloud`, `alternates[0]`, ...,
    /// round and round: a lost node's devices move to the others.
    pub alternates: Vec<SocketAddr>,
    /// First pause after a failed or dropped connection (default 500 ms).
    pub backoff_min: Duration,
    /// Longest pause (default 30 s); each failure doubles the pause up to this, a successful
    /// auth resets it.
    pub backoff_max: Duration,
    /// Connect attempts give up after this long (default 5 s).
    pub connect_timeout: Duration,
}

impl DriverConfig {
    /// Defaults for `cloud`.
    #[must_use]
    pub fn new(cloud: SocketAddr) -> Self {
        Self {
            cloud,
            alternates: Vec::new(),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// A packet on the wire, seen by the driver (for statistics; the machine has handled it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Written to the cloud.
    Sent,
    /// Read from the cloud.
    Received,
}

/// What the application wants after its own timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppAction {
    /// Go on.
    Continue,
    /// Drop this connection (it will reconnect): fault injection, a network change.
    Disconnect,
    /// Close the connection and end [`run_device`].
    Stop,
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disconnect {
    /// The cloud closed it.
    PeerClosed,
    /// A socket error or a framing error (the stream is lost).
    Io,
    /// The machine asked for a new connection ([`Event::Reconnect`], spec 7.3.1 注).
    MachineReconnect,
    /// The application asked ([`AppAction::Disconnect`]).
    App,
    /// Stopping.
    Stop,
}

/// The application on top of the device machine. Every method has a default that does nothing.
pub trait DeviceApp: Send {
    /// A machine event. On [`Event::Authenticated`] a real device uploads its snapshot
    /// ([`Device::upload`], spec 7.3.5 注); [`Event::Reconnect`] is acted on by the driver;
    /// [`Event::HeartbeatAcked`] says the cloud answered (the fleet counts these).
    fn on_event(&mut self, device: &mut Device, now: Instant, event: Event) {
        let _ = (device, now, event);
    }
    /// A cloud packet the application must act on (controls: answer with [`Device::respond`]).
    fn on_incoming(&mut self, device: &mut Device, now: Instant, incoming: Incoming<'_>) {
        let _ = (device, now, incoming);
    }
    /// Every whole packet written or read, by type (statistics).
    fn on_packet(&mut self, dir: Dir, packet_type: u8) {
        let _ = (dir, packet_type);
    }
    /// A TCP connection is up (before the auth request goes out).
    fn on_connected(&mut self) {}
    /// The connection ended.
    fn on_disconnected(&mut self, why: Disconnect) {
        let _ = why;
    }
    /// The application's own next deadline (uploads, fault injection).
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
    /// Runs the application's timer.
    fn handle_timeout(&mut self, device: &mut Device, now: Instant) -> AppAction {
        let _ = (device, now);
        AppAction::Continue
    }
}

/// Runs `device` against the cloud until `stop` is cancelled or the application returns
/// [`AppAction::Stop`]: connect, let the machine authenticate and heartbeat, hand packets and
/// events to `app`, and reconnect with backoff after every drop.
///
/// Returns the number of connections made.
pub async fn run_device<A: DeviceApp>(
    device: &mut Device,
    cfg: &DriverConfig,
    clock: TokioClock,
    app: &mut A,
    stop: &CancellationToken,
) -> u64 {
    let mut backoff = Backoff::new(cfg.backoff_min, cfg.backoff_max);
    let mut connections = 0u64;
    let addrs: Vec<SocketAddr> = std::iter::once(cfg.cloud)
        .chain(cfg.alternates.iter().copied())
        .collect();
    let mut at = 0usize;
    loop {
        let addr = addrs.get(at).copied().unwrap_or(cfg.cloud);
        // Whatever happens to this connection, the next attempt goes to the next address
        // (with one address: the same).
        at = at.saturating_add(1).checked_rem(addrs.len()).unwrap_or(0);
        let connect = tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(addr));
        let stream = tokio::select! {
            () = stop.cancelled() => return connections,
            s = connect => s.ok().and_then(Result::ok),
        };
        if let Some(stream) = stream {
            connections = connections.saturating_add(1);
            let _ = stream.set_nodelay(true);
            app.on_connected();
            let (why, authed) = session(device, &stream, clock, app, stop).await;
            device.connection_lost(clock.now());
            app.on_disconnected(why);
            if why == Disconnect::Stop {
                return connections;
            }
            if authed {
                // With other nodes to try, a connection that worked and was dropped moves on at
                // once (the jittered pause still spreads a lost node's devices out).
                backoff.reset(addrs.len() > 1);
            }
        }
        let pause = backoff.next_pause(&mut os_rng());
        tokio::select! {
            () = stop.cancelled() => return connections,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// The pause between connection attempts: starts at `min`, doubles after every attempt up to
/// `max`, and starts over after a connection that authenticated. Each pause gets a random extra
/// of less than half of it, so a fleet that lost its server does not return at once.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    current: Duration,
    min: Duration,
    max: Duration,
}

impl Backoff {
    /// The longest first pause after an authenticated connection when other nodes are there.
    const FAST: Duration = Duration::from_millis(100);

    fn new(min: Duration, max: Duration) -> Self {
        Self {
            current: min,
            min,
            max,
        }
    }

    /// A connection authenticated: back to `min`, and with `fast` (other nodes to try) to at
    /// most [`Self::FAST`].
    fn reset(&mut self, fast: bool) {
        self.current = if fast {
            self.min.min(Self::FAST)
        } else {
            self.min
        };
    }

    /// The pause before the next attempt, then doubles the backoff (up to `max`). The pause is
    /// the backoff plus a jitter of whole milliseconds drawn from `rng`: `rng.next_u64() %
    /// (backoff_ms / 2)`, so in `[0, backoff / 2)` (none below 2 ms).
    fn next_pause<R: rand_core::Rng + ?Sized>(&mut self, rng: &mut R) -> Duration {
        let ms = u64::try_from(self.current.as_millis() / 2)
            .unwrap_or(0)
            .max(1);
        let jitter = Duration::from_millis(rng.next_u64().checked_rem(ms).unwrap_or(0));
        let pause = self.current.saturating_add(jitter);
        self.current = self.current.saturating_mul(2).min(self.max);
        pause
    }
}

/// One connection; returns why it ended and whether the device authenticated on it.
async fn session<A: DeviceApp>(
    device: &mut Device,
    stream: &TcpStream,
    clock: TokioClock,
    app: &mut A,
    stop: &CancellationToken,
) -> (Disconnect, bool) {
    let mut authed = false;
    if device.connected(clock.now(), &mut os_rng()).is_err() {
        return (Disconnect::Io, authed);
    }
    let mut rbuf = BytesMut::new();
    let mut wbuf = BytesMut::new();
    let mut codec = WanCodec::new(DEFAULT_MAX_FRAME);
    loop {
        if let Some(why) = drain(device, clock.now(), app, &mut authed) {
            return (why, authed);
        }
        let sent = flush(stream, &mut wbuf, |b| {
            let n = device.poll_transmit(b)?;
            // The send queue holds whole packets and `b` is as large as the queue: each
            // chunk is a run of whole packets.
            let mut rest = b.get(..n).unwrap_or_default();
            while let Ok(h) = joylink_wire::Header::parse(rest.get(..16).unwrap_or_default()) {
                app.on_packet(Dir::Sent, h.packet_type.value());
                let len = 16usize
                    .saturating_add(usize::from(h.opt_len))
                    .saturating_add(usize::from(h.payload_len));
                rest = rest.get(len..).unwrap_or_default();
            }
            Some(n)
        });
        if sent.is_err() {
            return (Disconnect::Io, authed);
        }
        let deadline = [device.poll_timeout(), app.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .map(|t| clock.to_tokio(t));
        let step = tokio::select! {
            () = stop.cancelled() => Some(Disconnect::Stop),
            r = stream.readable() => match r.and_then(|()| read_some(stream, &mut rbuf)) {
                Ok(Read::Data) => on_data(device, clock, app, &mut codec, &mut rbuf),
                Ok(Read::WouldBlock) => None,
                Ok(Read::Eof) => Some(Disconnect::PeerClosed),
                Err(_) => Some(Disconnect::Io),
            },
            r = stream.writable(), if !wbuf.is_empty() => r.err().map(|_| Disconnect::Io),
            () = sleep_opt(deadline) => {
                let now = clock.now();
                if device.poll_timeout().is_some_and(|t| t <= now)
                    && device.handle_timeout(now).is_err()
                {
                    Some(Disconnect::Io)
                } else if app.poll_timeout().is_some_and(|t| t <= now) {
                    match app.handle_timeout(device, now) {
                        AppAction::Continue => None,
                        AppAction::Disconnect => Some(Disconnect::App),
                        AppAction::Stop => Some(Disconnect::Stop),
                    }
                } else {
                    None
                }
            }
        };
        shrink(&mut rbuf);
        if let Some(why) = step {
            return (why, authed);
        }
    }
}

fn on_data<A: DeviceApp>(
    device: &mut Device,
    clock: TokioClock,
    app: &mut A,
    codec: &mut WanCodec,
    rbuf: &mut BytesMut,
) -> Option<Disconnect> {
    loop {
        let mut frame = match codec.decode(rbuf) {
            Ok(Some(f)) => f,
            Ok(None) => return None,
            // The stream is lost (the machine's own framer closes too).
            Err(_) => return Some(Disconnect::Io),
        };
        app.on_packet(Dir::Received, packet_type(&frame));
        let now = clock.now();
        // Packets that do not open are dropped, as `Device::handle_input` does.
        if let Ok(Some(inc)) = device.handle_packet(now, &mut frame) {
            app.on_incoming(device, now, inc);
        }
    }
}

fn drain<A: DeviceApp>(
    device: &mut Device,
    now: Instant,
    app: &mut A,
    authed: &mut bool,
) -> Option<Disconnect> {
    let mut why = None;
    while let Some(e) = device.poll_event() {
        match e {
            Event::Authenticated => *authed = true,
            Event::Reconnect => why = Some(Disconnect::MachineReconnect),
            _ => {}
        }
        app.on_event(device, now, e);
    }
    why
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use core::convert::Infallible;

    use super::*;

    /// Returns the scripted values in turn, then repeats the last.
    struct Scripted(Vec<u64>);

    impl rand_core::TryRng for Scripted {
        type Error = Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            Ok(u32::try_from(self.try_next_u64()? >> 32).unwrap_or(0))
        }
        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            let v = *self.0.first().unwrap_or(&0);
            if self.0.len() > 1 {
                self.0.remove(0);
            }
            Ok(v)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
            dst.fill(0);
            Ok(())
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// With no jitter (the RNG draws 0) the pauses are the backoff alone: it doubles from
    /// `backoff_min` up to `backoff_max` and stays there.
    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let cfg = DriverConfig::new(SocketAddr::from(([127, 0, 0, 1], 1)));
        let mut b = Backoff::new(cfg.backoff_min, cfg.backoff_max);
        let mut zero = Scripted(vec![0]);
        let pauses: Vec<Duration> = (0..9).map(|_| b.next_pause(&mut zero)).collect();
        let want: Vec<Duration> = [
            500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
        ]
        .into_iter()
        .map(ms)
        .collect();
        assert_eq!(pauses, want);

        // An authenticated connection starts over; with other nodes, from at most 100 ms.
        b.reset(false);
        assert_eq!(b.next_pause(&mut zero), ms(500));
        assert_eq!(b.next_pause(&mut zero), ms(1_000));
        b.reset(true);
        assert_eq!(b.next_pause(&mut zero), ms(100));
        assert_eq!(b.next_pause(&mut zero), ms(200));
        let mut small = Backoff::new(ms(40), ms(100));
        small.reset(true);
        assert_eq!(small.next_pause(&mut zero), ms(40));
        assert_eq!(small.next_pause(&mut zero), ms(80));
        assert_eq!(small.next_pause(&mut zero), ms(100));
    }

    /// The jitter is `rng % (backoff_ms / 2)` whole milliseconds: it follows the RNG and stays
    /// below half the backoff.
    #[test]
    fn jitter_follows_the_rng_and_stays_below_half_the_backoff() {
        // 1 s backoff: the jitter is the draw modulo 500 ms.
        for (draw, jitter) in [
            (0, 0),
            (1, 1),
            (123, 123),
            (499, 499),
            (500, 0),
            (1_234, 234),
            (u64::MAX, u64::MAX % 500),
        ] {
            let mut b = Backoff::new(ms(1_000), ms(30_000));
            assert_eq!(
                b.next_pause(&mut Scripted(vec![draw])),
                ms(1_000 + jitter),
                "draw {draw}"
            );
        }

        // Over the whole doubling sequence, with varied draws: every pause is in
        // [backoff, 1.5 * backoff), and the jitter takes many values.
        let mut state = 0x1234_5678_u64;
        let draws: Vec<u64> = (0..400)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                state
            })
            .collect();
        let mut rng = Scripted(draws);
        let mut b = Backoff::new(ms(500), ms(30_000));
        let mut backoff = ms(500);
        let mut jitters = std::collections::BTreeSet::new();
        for _ in 0..400 {
            let pause = b.next_pause(&mut rng);
            assert!(pause >= backoff, "{pause:?} < {backoff:?}");
            let jitter = pause - backoff;
            assert!(jitter < backoff / 2, "{jitter:?} for {backoff:?}");
            jitters.insert(jitter);
            backoff = (backoff * 2).min(ms(30_000));
        }
        assert!(jitters.len() > 300, "{} distinct jitters", jitters.len());

        // Below 2 ms there is no room for jitter.
        let mut b = Backoff::new(ms(1), ms(1));
        assert_eq!(b.next_pause(&mut Scripted(vec![u64::MAX])), ms(1));
    }
}
