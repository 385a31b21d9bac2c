#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects
)]

use std::net::SocketAddr;
use std::time::Duration;

use joylink_tokio::cloud::{CloudHub, ServerConfig};
use joylink_tokio::fleet::identity;
use tokio_util::sync::CancellationToken;

/// A hub knowing `n` fleet devices of `seed`, serving on a loopback port.
pub async fn server(
    seed: u64,
    n: u64,
    cfg: ServerConfig,
) -> (CloudHub, SocketAddr, CancellationToken) {
    let keys = (0..n).map(|i| {
        let (f, k) = identity(seed, i);
        (f, k.parse().unwrap())
    });
    let hub = CloudHub::new(keys, cfg);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(hub.clone().serve(listener, stop.clone()));
    (hub, addr, stop)
}

/// Waits until `f` holds, at most `secs` (tokio time).
pub async fn until(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let end = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < end {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    f()
}
