//! LAN drivers (spec chapter 6, sub-devices chapter 8): the device machine
//! ([`joylink_session::lan::Device`] or `Gateway`) and the app machine
//! ([`joylink_session::lan::App`]) on a tokio `UdpSocket`.
//!
//! - [`DeviceDriver`] answers discovery and authorization by itself (the machine does) and hands
//!   every control to the application as a [`DeviceEvent`] on a channel; the application answers
//!   with [`IncomingRequest::respond`] from any task, whenever it is ready. Keys installed by an
//!   authorization arrive as [`DeviceEvent::Activated`] for the application to persist.
//! - [`AppDriver`] runs the controller; its cloneable [`LanApp`] handle offers discovery,
//!   authorization, control and snapshot as `async` methods that return the device's answer, or
//!   [`Error::NoAnswer`] once the machine's 500 ms response timeout
//!   (spec 6.3.3) or its authorization retries have passed.
//! - [`run_lan_and_wan`] runs a device's LAN driver and its WAN client
//!   ([`run_device`], reconnecting with backoff) side by side.
//!
//! As everywhere in this crate, the drivers add no protocol: timestamps, replay checks, keys,
//! retries, request matching and timeouts are the machines'. A driver owns the socket, the clock
//! and the hand-over between the machine and the application's tasks.
//!
//! # Borrowed requests, owned events
//! The device machine returns a request borrowing the datagram it decrypted in place (no copy,
//! no event queue in the machine). The driver copies the body once into
//! [`IncomingRequest::body`] (a `Bytes`) so that it can cross an `.await` into the
//! application's task; the datagram buffer is reused for the next packet at once.
//!
//! # Ports
//! Spec 6.1 has devices listen on UDP port 80 or the backup 4320. Shipped devices bind 80 only
//! (compat §6), which needs privileges on Linux; [`DEVICE_PORT`] (4320) is this crate's default,
//! and [`LanConfig::bind`] takes port 80 where apps that only know shipped devices must find it.

mod app;
mod device;

pub use app::{AppDriver, LanApp};
pub use device::{DeviceDriver, DeviceEvent, IncomingRequest, LanDevice, LanStats};

use std::net::{Ipv4Addr, SocketAddr};

use joylink_session::lan::Activation;
use joylink_session::wan;
use tokio_util::sync::CancellationToken;

use crate::device::{DeviceApp, DriverConfig, run_device};
use crate::{Error, Result, TokioClock};

/// The device drivers' default UDP port: the spec's backup port (spec 6.1), usable without
/// privileges. Shipped devices use 80 (compat §6).
pub const DEVICE_PORT: u16 = 4320;

/// The largest datagram the drivers read: larger ones are cut by the socket and then refused
/// by the machine (shipped devices read 1400 bytes, [`joylink_session::lan::MAX_DATAGRAM`]).
pub(crate) const RECV_BUF: usize = 2048;

/// Where a LAN driver listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LanConfig {
    /// The socket's address (default `0.0.0.0:4320` for a device, `0.0.0.0:0` for an app).
    pub bind: SocketAddr,
    /// `SO_BROADCAST`, so that an app can broadcast its discovery (default on).
    pub broadcast: bool,
    /// Events a device driver holds for an application that has not taken them yet (default
    /// 16); a request arriving while they are full is dropped (the app's timeout reports it,
    /// as with a lost datagram). Unused by the app driver.
    pub queue: usize,
}

impl LanConfig {
    /// A device's defaults: all interfaces, port [`DEVICE_PORT`].
    #[must_use]
    pub fn device() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::UNSPECIFIED, DEVICE_PORT)),
            broadcast: true,
            queue: 16,
        }
    }

    /// An app's defaults: all interfaces, any port.
    #[must_use]
    pub fn app() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            ..Self::device()
        }
    }

    /// The same, bound to `bind`.
    #[must_use]
    pub fn with_bind(self, bind: SocketAddr) -> Self {
        Self { bind, ..self }
    }
}

impl Default for LanConfig {
    fn default() -> Self {
        Self::device()
    }
}

/// Binds a UDP socket as `cfg` says.
pub(crate) async fn bind(cfg: &LanConfig) -> Result<tokio::net::UdpSocket> {
    let socket = tokio::net::UdpSocket::bind(cfg.bind).await?;
    socket.set_broadcast(cfg.broadcast)?;
    Ok(socket)
}

/// The cloud address an authorization gave the device (`joylink_server[0]`, `host:port`, spec
/// 6.3.2), resolved: where its WAN client connects.
///
/// # Errors
/// [`Error::Io`] when the activation names no server or it does not resolve.
pub async fn cloud_address(activation: &Activation) -> Result<SocketAddr> {
    let server = activation.server.as_str();
    if server.is_empty() {
        return Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the activation names no server",
        )));
    }
    tokio::net::lookup_host(server)
        .await?
        .next()
        .ok_or_else(|| {
            Error::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the server does not resolve",
            ))
        })
}

/// The WAN machine's configuration for an activated device: the feed id and accesskey the
/// authorization installed (spec 6.3.2), and the product's uuid.
///
/// # Errors
/// [`Error::Session`] when the machine refuses them (a feed id or uuid too long).
pub fn wan_config(activation: &Activation, productuuid: &str) -> Result<wan::DeviceConfig> {
    Ok(wan::DeviceConfig::new(
        activation.feed_id.as_str(),
        productuuid,
        activation.accesskey.clone(),
    )?)
}

/// Runs a device's two ends at once until `stop` is cancelled: the LAN driver on its UDP socket
/// and the WAN client ([`run_device`]: connect, auth, heartbeats, reconnect with backoff). The
/// two machines share nothing; this only joins the two drivers, so that one task (and one
/// cancellation) holds a whole device. Returns the LAN driver's result and the number of WAN
/// connections made.
///
/// # Examples
/// ```no_run
/// use joylink_session::lan::{Device, DeviceInfo};
/// use joylink_session::wan;
/// use joylink_tokio::device::{DeviceApp, DriverConfig};
/// use joylink_tokio::lan::{self, DeviceDriver, DeviceEvent, LanConfig};
/// use joylink_tokio::{TokioClock, os_rng};
/// use joylink_crypto::KeyPair;
/// use tokio_util::sync::CancellationToken;
///
/// struct Cloudless;
/// impl DeviceApp for Cloudless {}
///
/// # async fn run(saved: joylink_session::lan::Activation) -> Result<(), Box<dyn std::error::Error>> {
/// let mut device: Device = Device::new(KeyPair::generate(&mut os_rng()), DeviceInfo::default());
/// device.set_activation(Some(saved.clone())); // keys persisted at the last authorization
/// let (driver, mut events) = DeviceDriver::bind(device, &LanConfig::device()).await?;
/// tokio::spawn(async move {
///     while let Some(event) = events.recv().await {
///         if let DeviceEvent::Request(request) = event {
///             let _ = request.respond(br#"{"code":0,"streams":[]}"#);
///         }
///     }
/// });
/// let mut wan_device: wan::Device = wan::Device::new(lan::wan_config(&saved, "ABCDEF")?);
/// let cloud = lan::cloud_address(&saved).await?;
/// let stop = CancellationToken::new();
/// let (lan_result, connections) = lan::run_lan_and_wan(
///     driver, &mut wan_device, &DriverConfig::new(cloud), TokioClock::new(), &mut Cloudless, &stop,
/// ).await;
/// # let _ = (lan_result, connections);
/// # Ok(()) }
/// ```
pub async fn run_lan_and_wan<
    A: DeviceApp,
    const PEERS: usize,
    const PENDING: usize,
    const TX: usize,
    const SUBS: usize,
>(
    lan: DeviceDriver<PEERS, PENDING, TX, SUBS>,
    wan: &mut wan::Device,
    cfg: &DriverConfig,
    clock: TokioClock,
    app: &mut A,
    stop: &CancellationToken,
) -> (Result<()>, u64) {
    tokio::join!(
        lan.run(stop.clone()),
        run_device(wan, cfg, clock, app, stop)
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn defaults_and_broadcast() {
        let d = LanConfig::default();
        assert_eq!(d, LanConfig::device());
        assert_eq!(
            (d.bind.port(), d.broadcast, d.queue),
            (DEVICE_PORT, true, 16)
        );
        assert!(d.bind.ip().is_unspecified());
        let a = LanConfig::app();
        assert_eq!((a.bind.port(), a.broadcast), (0, true));
        let loopback: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let s = bind(&a.with_bind(loopback)).await.unwrap();
        assert!(s.broadcast().unwrap());
        let s = bind(&LanConfig {
            broadcast: false,
            ..a.with_bind(loopback)
        })
        .await
        .unwrap();
        assert!(!s.broadcast().unwrap());
    }
}
