//! `joylink fleet`: N simulated devices, each the real device machine on its own TCP connection
//! to a cloud; a summary at the end, exit status 1 unless nothing was lost.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context as _;
use joylink_tokio::fleet::{FleetConfig, FleetReport, Progress, identity, run_fleet};

/// `joylink fleet` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The cloud's address; several nodes of one cloud as `--cloud A --cloud B` or
    /// `--cloud A,B`. Devices are spread over them round-robin, and a device whose connection
    /// is dropped or refused reconnects to the next one (killing a node moves its devices to
    /// the others).
    #[arg(long, required = true, value_delimiter = ',')]
    pub cloud: Vec<SocketAddr>,
    /// Number of devices.
    #[arg(long)]
    pub devices: u64,
    /// Seconds to run.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Identity seed the cloud shares (`joylink cloud --fleet-seed`).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the devices as the JSON registry `joylink cloud --devices` reads, and exit.
    #[arg(long)]
    pub write_devices: Option<PathBuf>,
    /// Heartbeat interval in milliseconds (shipped devices: 15 000).
    #[arg(long, default_value_t = 1_000)]
    pub heartbeat_ms: u64,
    /// Upload a snapshot this often (milliseconds) besides the one after auth.
    #[arg(long)]
    pub upload_ms: Option<u64>,
    /// Chance per device per second of dropping its connection (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// New connections per second while ramping up (0: all at once).
    #[arg(long, default_value_t = 2_000)]
    pub connect_rate: u64,
    /// After the duration, seconds to wait for answers still in flight (an overloaded machine
    /// answers late; what is unanswered then counts as lost).
    #[arg(long, default_value_t = 10)]
    pub drain_secs: u64,
    /// Summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Runtime worker threads, as `joylink cloud --workers`: 0 runs every device on the main
    /// thread (tokio's `current_thread`), default one per CPU core. On one machine the
    /// fleet's runtime changes what the cloud's answers cost it (BENCHMARKS.md, "Cloud and
    /// fleet").
    #[arg(long)]
    pub workers: Option<usize>,
}

/// Runs the fleet.
///
/// # Errors
/// A registry that cannot be written; a runtime that cannot start. A run that lost messages
/// or left a device unauthenticated exits with status 1.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.write_devices {
        let list: Vec<serde_json::Value> = (0..args.devices)
            .map(|i| {
                let (f, k) = identity(args.seed, i);
                serde_json::json!({ "feedid": f, "accesskey": k })
            })
            .collect();
        std::fs::write(path, serde_json::to_string_pretty(&list)?)
            .with_context(|| format!("writing {}", path.display()))?;
        crate::errln(&format!(
            "{} devices written to {}",
            args.devices,
            path.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(crate::usage("--fault-rate is a chance between 0 and 1"));
    }
    let cfg = FleetConfig {
        cloud: *args
            .cloud
            .first()
            .ok_or_else(|| crate::usage("--cloud ADDR"))?,
        alternates: args.cloud.iter().skip(1).copied().collect(),
        devices: args.devices,
        seed: args.seed,
        duration: Duration::from_secs(args.duration),
        heartbeat_ms: args.heartbeat_ms.max(1),
        upload_ms: args.upload_ms,
        fault_rate: args.fault_rate,
        connect_rate: args.connect_rate,
        drain: Duration::from_secs(args.drain_secs),
    };
    let rt = super::runtime(args.workers)?;
    let report = rt.block_on(async {
        let progress = Arc::new(Progress::default());
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(args.devices),
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_message("authenticated");
        let p = progress.clone();
        let b = bar.clone();
        let total = args.devices;
        let ticker = tokio::spawn(async move {
            loop {
                let n = p.authenticated.load(Ordering::Relaxed);
                b.set_position(n);
                if n >= total {
                    b.finish();
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let r = run_fleet(cfg, progress).await;
        ticker.abort();
        bar.abandon();
        r
    })?;
    print_summary(&report, args.json);
    if report.passed() {
        Ok(ExitCode::SUCCESS)
    } else {
        crate::errln(&format!(
            "fail: {} of {} devices authenticated, {} messages lost",
            report.authenticated, report.devices, report.lost
        ));
        Ok(ExitCode::from(1))
    }
}

fn print_summary(r: &FleetReport, json: bool) {
    let ms = |q| r.rtt_quantile(q).map(|us| f64::from(us) / 1000.0);
    if json {
        let v = serde_json::json!({
            "devices": r.devices, "authenticated": r.authenticated, "auths": r.auths,
            "heartbeats_sent": r.heartbeats_sent, "heartbeats_acked": r.heartbeats_acked,
            "uploads_sent": r.uploads_sent, "uploads_acked": r.uploads_acked,
            "controls_received": r.controls_received, "controls_answered": r.controls_answered,
            "reconnects": r.reconnects, "faults": r.faults, "abandoned": r.abandoned,
            "lost": r.lost, "rtt_p50_ms": ms(0.5), "rtt_p99_ms": ms(0.99),
        });
        crate::outln(&v.to_string());
        return;
    }
    let fmt = |x: Option<f64>| x.map_or_else(|| "-".to_string(), |x| format!("{x:.2} ms"));
    crate::outln(&format!(
        "devices {} authenticated {} (auths {})\nheartbeats sent {} acked {}\nuploads sent {} \
         acked {}\ncontrols received {} answered {}\nreconnects {} (faults injected {}, requests \
         abandoned with them {})\nheartbeat rtt p50 {} p99 {}\nlost {}{}",
        r.devices,
        r.authenticated,
        r.auths,
        r.heartbeats_sent,
        r.heartbeats_acked,
        r.uploads_sent,
        r.uploads_acked,
        r.controls_received,
        r.controls_answered,
        r.reconnects,
        r.faults,
        r.abandoned,
        fmt(ms(0.5)),
        fmt(ms(0.99)),
        r.lost,
        if r.passed() { " (pass)" } else { " (FAIL)" }
    ));
}
