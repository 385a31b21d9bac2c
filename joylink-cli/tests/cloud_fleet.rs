//! `joylink cloud` and `joylink fleet` as processes: the registry file the fleet writes is the
//! one the cloud reads; a fleet the cloud does not know fails with exit status 1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::process::{Command, Stdio};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn joylink() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("joylink"))
}

#[test]
fn fleet_against_cloud_passes_and_unknown_fleet_fails() {
    let dir = tempfile::tempdir().unwrap();
    let devices = dir.path().join("devices.json");
    let st = joylink()
        .args([
            "fleet",
            "--cloud",
            "127.0.0.1:1",
            "--devices",
            "20",
            "--seed",
            "4",
        ])
        .arg("--write-devices")
        .arg(&devices)
        .status()
        .unwrap();
    assert!(st.success());
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut cloud = joylink()
        .args([
            "cloud",
            "--listen",
            &addr,
            "--json",
            "--duration",
            "12",
            "--devices",
        ])
        .arg(&devices)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let fleet = |seed: &str| {
        joylink()
            .args([
                "fleet",
                "--cloud",
                &addr,
                "--devices",
                "20",
                "--duration",
                "2",
            ])
            .args([
                "--heartbeat-ms",
                "200",
                "--upload-ms",
                "500",
                "--seed",
                seed,
            ])
            .output()
            .unwrap()
    };
    let ok = fleet("4");
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{text}");
    assert!(text.contains("authenticated 20"), "{text}");
    assert!(text.contains("lost 0 (pass)"), "{text}");
    // Another seed: devices the cloud does not know are refused; the fleet fails.
    let bad = fleet("5");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("authenticated 0"));
    let _ = cloud.kill();
    let out = cloud.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    let online = log
        .lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v["event"] == "online")
        })
        .count();
    assert_eq!(online, 20, "{log}");
}
