//! Quickstart: build a LAN JSON control packet sealed with a localkey (mode 3), print it, then decode
//! and open it again, as a device would.
//!
//! Run with `cargo run --example quickstart`.

use joylink::crypto::{LocalKey, Mode, OpenOptions, open, seal, sealed_len};
use joylink::wire::{CrcPolicy, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The 32-character localkey the app received when it bound the device (spec 6.3.2). Its ASCII
    // bytes are the AES key (0..16) and IV (16..32); it is not hex-decoded.
    let localkey: LocalKey = "25e35c9691ee91296facd5d28a4822bc".parse()?;
    let mode = Mode::LocalKey(&localkey);

    // Type 3 (JSON control, spec 6.3.3) carries `timestamp ‖ JSON`; the caller passes the time.
    let body = br#"{"cmd":5,"data":{"streams":[{"stream_id":"switch","current_value":"1"}]}}"#;
    let timestamp = 1_700_000_000;
    let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);

    // Seal in place: the plaintext `timestamp ‖ JSON` goes right after the 16-byte header (no opt).
    let mut buf = [0u8; 256];
    let plaintext_len = body.len().saturating_add(4);
    let (ts, rest) = buf[HEADER_LEN..].split_at_mut(4);
    ts.copy_from_slice(&u32::to_le_bytes(timestamp));
    rest.get_mut(..body.len())
        .ok_or("body too long")?
        .copy_from_slice(body);
    let len = seal(&header, &mode, 0, plaintext_len, &mut buf)?;
    assert_eq!(len, sealed_len(&mode, 0, plaintext_len));
    let packet = buf.get(..len).ok_or("sealed length out of range")?;
    println!("sealed LAN packet, {len} bytes:");
    for line in packet.chunks(16) {
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        println!("  {}", hex.join(" "));
    }

    // What a device sees first: the header and opt, with the CRC checked, no key needed.
    let mut rx = packet.to_vec();
    let partial = PartialParse::new(&mut rx, CrcPolicy::Verify)?;
    println!("header: {}", partial.header());

    // Then it decrypts in place with the localkey and splits off the timestamp.
    let opened = open(partial, &mode, OpenOptions::new())?;
    println!("timestamp: {:?}", opened.timestamp);
    println!("body: {}", std::str::from_utf8(opened.body())?);
    assert_eq!(opened.body(), body);
    Ok(())
}
