//! The cloud server's packet path allocates nothing per heartbeat once a connection is
//! authenticated: frames are read into the worker thread's buffer and opened in place there,
//! answers go through the thread's send queue straight to the socket, and the connection's timer
//! is not re-registered per packet.
//!
//! The server runs on its own thread (a current-thread runtime), the device fleet on another;
//! `allocation_counter` counts the allocations of the server's thread only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use joylink_tokio::cloud::{CloudHub, ServerConfig};
use joylink_tokio::fleet::{FleetConfig, Progress, identity, run_fleet};
use tokio_util::sync::CancellationToken;

const DEVICES: u64 = 4;
const HEARTBEATS: u64 = 400;

/// Waits (on the server's runtime) until the hub has answered `n` heartbeats in all.
async fn heartbeats(hub: &CloudHub, n: u64) {
    while hub.stats().heartbeats < n {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[test]
fn steady_heartbeats_allocate_nothing_on_the_server() {
    let (addr_tx, addr_rx) = mpsc::channel();
    let stop = CancellationToken::new();
    let server_stop = stop.clone();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let keys = (0..DEVICES).map(|i| {
            let (f, k) = identity(3, i);
            (f, k.parse().unwrap())
        });
        let hub = CloudHub::new(keys, ServerConfig::default());
        let h = hub.clone();
        // Warm up: every device online, the thread's buffers and the runtime's queues grown to
        // their working size. The counter sees what the server's tasks allocate meanwhile
        // (sessions, command channels, map entries), so the zero below means something.
        let warm_up = allocation_counter::measure(|| {
            rt.block_on(async {
                let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(l.local_addr().unwrap()).unwrap();
                tokio::spawn(h.serve(l, server_stop));
                while hub.stats().online < DEVICES {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let now = hub.stats().heartbeats;
                heartbeats(&hub, now + 50).await;
            });
        });
        let before = hub.stats();
        let info = allocation_counter::measure(|| {
            rt.block_on(heartbeats(&hub, before.heartbeats + HEARTBEATS));
        });
        let after = hub.stats();
        (warm_up, info, before, after)
    });
    let addr = addr_rx.recv().unwrap();
    let fleet = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cfg = FleetConfig {
        cloud: addr,
        alternates: Vec::new(),
        devices: DEVICES,
        seed: 3,
        duration: Duration::from_secs(30),
        heartbeat_ms: 5,
        upload_ms: None,
        fault_rate: 0.0,
        connect_rate: 0,
        drain: Duration::from_millis(200),
    };
    let (warm_up, info, before, after) = fleet.block_on(async {
        let run = tokio::spawn(run_fleet(cfg, Arc::new(Progress::default())));
        let r = tokio::task::spawn_blocking(move || server.join().unwrap())
            .await
            .unwrap();
        run.abort();
        r
    });
    stop.cancel();
    let handled = after.heartbeats - before.heartbeats;
    println!("warm-up: {warm_up:?}; {handled} heartbeats: {info:?}");
    assert!(warm_up.count_total >= DEVICES, "{warm_up:?}");
    assert!(handled >= HEARTBEATS);
    assert_eq!(after.errors, before.errors);
    assert_eq!(info.count_total, 0, "{handled} heartbeats: {info:?}");
}
