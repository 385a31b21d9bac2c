//! Quickstart: build a LAN JSON control packet sealed with a localkey (mode 3), print it, then decode
//! and open it again, as a device would.
//!
//! Run with `cargo run --example quickstart`.

use joylink::crypto::{LocalKey, Mode, open, seal, sealed_len};
use joylink::wire::{CrcPolicy, EncType, Header, Magic, PacketType, decode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The 32-character localkey the app received when it bound the device (spec 6.3.2). Its ASCII
    // bytes are the AES key (0..16) and IV (16..32); it is not hex-decoded (NOTES.md §3.3).
    let localkey: LocalKey = "25e35c9691ee91296facd5d28a4822bc".parse()?;
    let mode = Mode::LocalKey(&localkey);

    // Type 3 (JSON control, spec 6.3.3) carries `timestamp ‖ JSON`; the caller passes the time.
    let body = br#"{"cmd":5,"data":{"streams":[{"stream_id":"switch","current_value":"1"}]}}"#;
    let timestamp = 1_700_000_000;
    let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);

    let mut buf = [0u8; 256];
    let len = seal(&header, &mode, &[], timestamp, body, &mut buf)?;
    assert_eq!(len, sealed_len(&mode, 0, body.len()));
    let packet = buf.get(..len).ok_or("sealed length out of range")?;
    println!("sealed LAN packet, {len} bytes:");
    for line in packet.chunks(16) {
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        println!("  {}", hex.join(" "));
    }

    // What a device sees first: the header, with the CRC checked, no key needed.
    let decoded = decode(packet, CrcPolicy::Verify)?;
    println!("header: {}", decoded.header);

    // Then it decrypts in place with the localkey and splits off the timestamp.
    let mut rx = packet.to_vec();
    let opened = open(&mut rx, &mode, CrcPolicy::Verify)?;
    println!("timestamp: {}", opened.timestamp);
    println!("body: {}", std::str::from_utf8(opened.body)?);
    assert_eq!(opened.body, body);
    Ok(())
}
