//! Cloud server and fleet end to end on loopback: every device authenticates, every heartbeat
//! and upload is answered, a command through the hub reaches its device and the answer comes
//! back, random drops reconnect without losing anything.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use joylink_tokio::cloud::{HubEventKind, ServerConfig};
use joylink_tokio::fleet::{FleetConfig, Progress, identity, run_fleet};

fn fleet(addr: std::net::SocketAddr, devices: u64, secs: u64) -> FleetConfig {
    FleetConfig {
        cloud: addr,
        alternates: Vec::new(),
        devices,
        seed: 7,
        duration: Duration::from_secs(secs),
        heartbeat_ms: 500,
        upload_ms: Some(1_000),
        fault_rate: 0.0,
        connect_rate: 0,
        drain: Duration::from_secs(2),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_devices_nothing_lost_and_commands_answered() {
    let n = 500;
    // Both ends of 500 connections in this process: past the usual soft limit of 1 024 open
    // files, so raise it (up to the hard limit) rather than ask the caller to `ulimit -n`.
    let _ = rlimit::increase_nofile_limit(2 * n + 512);
    let (hub, addr, stop) = common::server(7, n, ServerConfig::default()).await;
    let mut events = hub.subscribe();
    let progress = Arc::new(Progress::default());
    let started = tokio::time::Instant::now();
    let run = tokio::spawn(run_fleet(fleet(addr, n, 6), progress.clone()));

    // Once all are online, command a few of them through the hub.
    assert!(
        common::until(15, || hub.stats().online == n).await,
        "{:?}",
        hub.stats()
    );
    let online_at = started.elapsed();
    let mut serials = Vec::new();
    for i in 0..5 {
        let (feed, _) = identity(7, i);
        let s = hub
            .send_command(&feed, 1002u32.into(), br#"{"cmd":{"power":"0"}}"#)
            .await
            .unwrap();
        serials.push((feed, s));
    }
    let mut answered = 0;
    while answered < serials.len() {
        let e = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("answer in time")
            .unwrap();
        if let HubEventKind::ControlResponse { serial, .. } = e.kind
            && serials.contains(&(e.feed_id.to_string(), serial))
        {
            answered += 1;
        }
    }
    assert!(matches!(
        hub.send_command("nobody", 1002u32.into(), b"{}").await,
        Err(joylink_tokio::Error::NotOnline(_))
    ));

    let report = run.await.unwrap().unwrap();
    assert_eq!(report.authenticated, n);
    assert_eq!(report.lost, 0, "{report:?}");
    assert!(report.passed());
    // At 500 ms, from its authentication to the end of the 6 s run: about 11 heartbeats each
    // when all come online at once. Counted from when the last one was online (a loaded machine
    // takes longer to bring 500 up), less 2 for the rhythm's drift (each next heartbeat is
    // timed from when the last one went out).
    let beats = (Duration::from_secs(6).saturating_sub(online_at).as_millis() / 500) as u64;
    assert!(
        report.heartbeats_sent >= n * beats.saturating_sub(2).max(1),
        "{} after all were online at {online_at:?}",
        report.heartbeats_sent
    );
    assert_eq!(report.heartbeats_sent, report.heartbeats_acked);
    assert_eq!(report.uploads_sent, report.uploads_acked);
    assert_eq!(report.controls_answered, 5);
    assert!(report.rtt_quantile(0.99).is_some());
    let st = hub.stats();
    assert!(st.heartbeats >= report.heartbeats_acked, "{st:?}");
    assert_eq!(st.answered, 5);
    assert_eq!(st.errors, 0, "{st:?}");
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_reconnect_and_lose_nothing() {
    let n = 50;
    let (hub, addr, stop) = common::server(7, n, ServerConfig::default()).await;
    let mut cfg = fleet(addr, n, 6);
    cfg.heartbeat_ms = 200;
    cfg.fault_rate = 0.2;
    let report = run_fleet(cfg, Arc::new(Progress::default())).await.unwrap();
    assert!(report.faults > 0, "{report:?}");
    assert!(report.reconnects >= report.faults, "{report:?}");
    assert!(report.auths > n, "{report:?}");
    assert_eq!(report.lost, 0, "{report:?}");
    assert!(report.passed());
    assert!(hub.stats().authenticated > n);
    stop.cancel();
}

/// A device that connects again is a new connection to the hub: its events carry another
/// `conn`, its older connection's `Offline` carries the old one, and the older connection's
/// serials are not confused with the newer one's (each numbers its own from 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnected_device_is_a_new_connection_in_the_hubs_events() {
    let (hub, addr, stop) = common::server(7, 1, ServerConfig::default()).await;
    let mut events = hub.subscribe();
    let mut onlines = Vec::new();
    let mut offlines = Vec::new();
    for _ in 0..2 {
        let report = run_fleet(fleet(addr, 1, 1), Arc::new(Progress::default()))
            .await
            .unwrap();
        assert!(report.passed(), "{report:?}");
        // The fleet's connection ends with the run; wait for the hub to see it go.
        assert!(common::until(5, || !hub.is_online(&identity(7, 0).0)).await);
    }
    while let Ok(e) = events.try_recv() {
        match e.kind {
            HubEventKind::Online => onlines.push(e.conn),
            HubEventKind::Offline { .. } => offlines.push(e.conn),
            _ => {}
        }
    }
    assert_eq!(onlines.len(), 2, "{onlines:?}");
    assert_ne!(onlines[0], onlines[1], "two connections, two numbers");
    assert_eq!(offlines, onlines, "each connection's Offline names it");
    stop.cancel();
}
