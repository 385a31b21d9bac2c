//! A physical reference for the cloud server's CPU figure (issue 17): the cheapest tokio TCP
//! server that answers each message with one `recvfrom` and one `sendto`, and a load client
//! that behaves like the fleet's heartbeats (N connections, one message of the heartbeat's size
//! every interval, each answer read). `joylink-tokio/scripts/bench-cloud-fleet.sh` runs it beside
//! `joylink cloud` with the same N, interval and runtime, so that "heartbeats per CPU-second"
//! has a ceiling measured on the same machine in the same minute: the cloud server cannot
//! beat a server that does only the two system calls a heartbeat needs.
//!
//! ```sh
//! echo_ref server 127.0.0.1:17200 [WORKERS]   # as joylink cloud --workers (0: current_thread;
//!                                              # default 2, one per core of the bench machine)
//! echo_ref client 127.0.0.1:17200 N SECS [LEN] [INTERVAL_MS] [REPLY_LEN]
//! ```
//! The server prints `echoes N` (messages answered so far) on stderr every second, as `joylink
//! cloud --status-secs 1` prints `heartbeats N`. It answers each read with `REPLY_LEN` bytes
//! (the client's first message says how many: its first two bytes), so request and answer have
//! the sizes of a heartbeat and its answer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::print_stderr,
    clippy::print_stdout
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// The runtime `joylink cloud --workers W` builds.
fn runtime(workers: usize) -> tokio::runtime::Runtime {
    let mut b = if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(workers);
        b
    };
    b.enable_all().build().unwrap()
}

/// One connection: every read is answered with one write of `reply` bytes (the length the
/// request's first two bytes name). tokio clears readiness on a short read, so a message costs
/// one `recvfrom` and one `sendto`, as a heartbeat does in the cloud server.
async fn echo(mut s: TcpStream, count: Arc<AtomicU64>) {
    let _ = s.set_nodelay(true);
    let mut buf = [0u8; 2048];
    loop {
        let n = match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let reply = usize::from(u16::from_le_bytes([buf[0], buf[1]])).clamp(1, buf.len());
        let _ = n;
        if s.write_all(&buf[..reply]).await.is_err() {
            return;
        }
        count.fetch_add(1, Ordering::Relaxed);
    }
}

fn server(addr: &str, workers: usize) {
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(1));
            eprintln!("echoes {}", c.load(Ordering::Relaxed));
        }
    });
    runtime(workers).block_on(async move {
        let l = TcpListener::bind(addr).await.unwrap();
        loop {
            if let Ok((s, _)) = l.accept().await {
                tokio::spawn(echo(s, count.clone()));
            }
        }
    });
}

fn client(addr: &str, n: usize, secs: u64, len: usize, interval_ms: u64, reply: usize) {
    let done = Arc::new(AtomicU64::new(0));
    let rt = runtime(0);
    rt.block_on(async {
        let end = Instant::now() + Duration::from_secs(secs);
        let mut tasks = Vec::with_capacity(n);
        for i in 0..n {
            let done = done.clone();
            let addr = addr.to_string();
            tasks.push(tokio::spawn(async move {
                let mut s = TcpStream::connect(&addr).await.unwrap();
                let _ = s.set_nodelay(true);
                let mut msg = vec![0x5au8; len.max(2)];
                msg[..2].copy_from_slice(&(reply as u16).to_le_bytes());
                let mut back = vec![0u8; reply];
                // Spread the connections over the interval, as the fleet's devices are.
                let offset = interval_ms * (i as u64) / (n as u64).max(1);
                let mut tick = tokio::time::interval_at(
                    tokio::time::Instant::now() + Duration::from_millis(offset),
                    Duration::from_millis(interval_ms),
                );
                while Instant::now() < end {
                    tick.tick().await;
                    if s.write_all(&msg).await.is_err() || s.read_exact(&mut back).await.is_err() {
                        return;
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }));
            if i % 500 == 499 {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        for t in tasks {
            let _ = t.await;
        }
    });
    println!(
        "{{\"connections\": {n}, \"answered\": {}}}",
        done.load(Ordering::Relaxed)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: u64| args.get(i).map_or(d, |a| a.parse().unwrap());
    match args.get(1).map(String::as_str) {
        Some("server") => server(&args[2], arg(3, 2) as usize),
        Some("client") => client(
            &args[2],
            arg(3, 1000) as usize,
            arg(4, 10),
            arg(5, 64) as usize,
            arg(6, 1000),
            arg(7, 64) as usize,
        ),
        _ => eprintln!(
            "usage: echo_ref server ADDR [WORKERS] | client ADDR N SECS [LEN] [INTERVAL_MS] [REPLY_LEN]"
        ),
    }
}
