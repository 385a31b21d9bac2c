//! Writing a capture: the demo's traffic as Ethernet/IPv4 frames in a pcap file, UDP for the
//! LAN (the device side on port 4320, spec 6.1) and TCP for the WAN (the device opens the
//! connection, spec 7.1), with a handshake, sequence and acknowledgement numbers, a reset when
//! the connection breaks, checksums and the caller's timestamps, so that `dissect` (and
//! Wireshark) read it as a real capture.

use std::collections::HashMap;
use std::io::Write;
use std::net::Ipv4Addr;
use std::time::Duration;

use anyhow::{Result, anyhow};
use pcap_file::pcap::{PcapPacket, PcapWriter};

/// The cloud's WAN port in the demo's capture.
pub const CLOUD_PORT: u16 = 2002;

/// A TCP connection's state: the next sequence number each way.
#[derive(Debug, Clone, Copy)]
struct Conn {
    client_port: u16,
    client_next: u32,
    server_next: u32,
}

/// One TCP connection of a capture: the client (who opens it: the device), the server (the
/// cloud, on [`CLOUD_PORT`]) and the connection's number (a reconnect is a new connection, on a
/// new client port).
pub type TcpConn = (Ipv4Addr, Ipv4Addr, u32);

/// Frames of a capture being built, in order.
#[derive(Debug, Default)]
pub struct CaptureBuilder {
    frames: Vec<(Duration, Vec<u8>)>,
    conns: HashMap<TcpConn, Conn>,
    time: Duration,
}

/// Folds a one's-complement sum (RFC 1071).
fn checksum(chunks: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for chunk in chunks {
        for pair in chunk.chunks(2) {
            let word = match pair {
                [a, b] => u16::from_be_bytes([*a, *b]),
                [a] => u16::from_be_bytes([*a, 0]),
                _ => 0,
            };
            sum = sum.wrapping_add(u32::from(word));
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff).wrapping_add(sum >> 16);
    }
    !u16::try_from(sum).unwrap_or(0)
}

fn len16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

impl CaptureBuilder {
    /// An empty capture.
    pub fn new() -> Self {
        CaptureBuilder::default()
    }

    /// Sets the time (since the epoch) of the frames that follow; the capture's time never goes
    /// back (an earlier `at` keeps the last frame's time).
    pub fn at(&mut self, at: Duration) {
        self.time = self.time.max(at);
    }

    fn ipv4(&mut self, src: Ipv4Addr, dst: Ipv4Addr, proto: u8, l4: &[u8]) {
        // Ethernet: locally administered MACs derived from the addresses, type IPv4.
        let mac = |ip: Ipv4Addr| {
            let o = ip.octets();
            [0x02, 0x00, o[0], o[1], o[2], o[3]]
        };
        let mut f = Vec::with_capacity(l4.len().saturating_add(34));
        f.extend_from_slice(&mac(dst));
        f.extend_from_slice(&mac(src));
        f.extend_from_slice(&[0x08, 0x00]);
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&len16(l4.len().saturating_add(20)).to_be_bytes());
        ip[6] = 0x40; // don't fragment
        ip[8] = 64;
        ip[9] = proto;
        ip[12..16].copy_from_slice(&src.octets());
        ip[16..20].copy_from_slice(&dst.octets());
        let sum = checksum(&[&ip]);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        f.extend_from_slice(&ip);
        f.extend_from_slice(l4);
        self.frames.push((self.time, f));
    }

    /// One UDP datagram.
    pub fn udp(&mut self, src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) {
        let len = len16(payload.len().saturating_add(8));
        let mut l4 = Vec::with_capacity(usize::from(len));
        l4.extend_from_slice(&src.1.to_be_bytes());
        l4.extend_from_slice(&dst.1.to_be_bytes());
        l4.extend_from_slice(&len.to_be_bytes());
        l4.extend_from_slice(&[0, 0]);
        l4.extend_from_slice(payload);
        let pseudo = pseudo_header(src.0, dst.0, 17, l4.len());
        let mut sum = checksum(&[&pseudo, &l4]);
        if sum == 0 {
            sum = 0xffff;
        }
        if let Some(c) = l4.get_mut(6..8) {
            c.copy_from_slice(&sum.to_be_bytes());
        }
        self.ipv4(src.0, dst.0, 17, &l4);
    }

    fn tcp_segment(
        &mut self,
        src: (Ipv4Addr, u16),
        dst: (Ipv4Addr, u16),
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) {
        let mut l4 = Vec::with_capacity(payload.len().saturating_add(20));
        l4.extend_from_slice(&src.1.to_be_bytes());
        l4.extend_from_slice(&dst.1.to_be_bytes());
        l4.extend_from_slice(&seq.to_be_bytes());
        l4.extend_from_slice(&ack.to_be_bytes());
        l4.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        l4.extend_from_slice(payload);
        let pseudo = pseudo_header(src.0, dst.0, 6, l4.len());
        let sum = checksum(&[&pseudo, &l4]);
        if let Some(c) = l4.get_mut(16..18) {
            c.copy_from_slice(&sum.to_be_bytes());
        }
        self.ipv4(src.0, dst.0, 6, &l4);
    }

    /// One TCP segment of connection `id` (who opens it: the device); the handshake is
    /// written before the first one.
    pub fn tcp(&mut self, id: TcpConn, from_client: bool, payload: &[u8]) {
        const ACK: u8 = 0x10;
        const PSH: u8 = 0x08;
        let (client, server, _) = id;
        let conn = self.open(id);
        let (cl, sv) = ((client, conn.client_port), (server, CLOUD_PORT));
        let n = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        let mut next = conn;
        if from_client {
            self.tcp_segment(
                cl,
                sv,
                conn.client_next,
                conn.server_next,
                PSH | ACK,
                payload,
            );
            next.client_next = conn.client_next.wrapping_add(n);
        } else {
            self.tcp_segment(
                sv,
                cl,
                conn.server_next,
                conn.client_next,
                PSH | ACK,
                payload,
            );
            next.server_next = conn.server_next.wrapping_add(n);
        }
        self.conns.insert(id, next);
    }

    /// The state of connection `id`, opening it (the three-way handshake) when it is new.
    fn open(&mut self, id: TcpConn) -> Conn {
        const SYN: u8 = 0x02;
        const ACK: u8 = 0x10;
        if let Some(c) = self.conns.get(&id) {
            return *c;
        }
        let (client, server, _) = id;
        let c = Conn {
            client_port: 40_000u16.saturating_add(len16(self.conns.len())),
            client_next: 1_000,
            server_next: 5_000,
        };
        let (cl, sv) = ((client, c.client_port), (server, CLOUD_PORT));
        self.tcp_segment(cl, sv, c.client_next.wrapping_sub(1), 0, SYN, &[]);
        self.tcp_segment(
            sv,
            cl,
            c.server_next.wrapping_sub(1),
            c.client_next,
            SYN | ACK,
            &[],
        );
        self.tcp_segment(cl, sv, c.client_next, c.server_next, ACK, &[]);
        self.conns.insert(id, c);
        c
    }

    /// Connection `id` broke: a reset from the client (nothing when it never carried data).
    pub fn tcp_reset(&mut self, id: TcpConn) {
        const RST: u8 = 0x04;
        const ACK: u8 = 0x10;
        let Some(c) = self.conns.get(&id).copied() else {
            return;
        };
        let (client, server, _) = id;
        self.tcp_segment(
            (client, c.client_port),
            (server, CLOUD_PORT),
            c.client_next,
            c.server_next,
            RST | ACK,
            &[],
        );
    }

    /// Writes the pcap file (Ethernet, microsecond timestamps).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write(&self, out: impl Write) -> Result<()> {
        let mut w = PcapWriter::new(out).map_err(|e| anyhow!("pcap: {e}"))?;
        for (t, f) in &self.frames {
            let len = u32::try_from(f.len()).unwrap_or(u32::MAX);
            w.write_packet(&PcapPacket::new(*t, len, f))
                .map_err(|e| anyhow!("pcap: {e}"))?;
        }
        Ok(())
    }

    /// How many frames so far.
    pub fn len(&self) -> usize {
        self.frames.len()
    }
}

fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, len: usize) -> [u8; 12] {
    let mut p = [0u8; 12];
    p[0..4].copy_from_slice(&src.octets());
    p[4..8].copy_from_slice(&dst.octets());
    p[9] = proto;
    p[10..12].copy_from_slice(&len16(len).to_be_bytes());
    p
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn checksums_verify_to_zero() {
        let mut b = CaptureBuilder::new();
        let (a, d) = (
            Ipv4Addr::new(192, 168, 1, 10),
            Ipv4Addr::new(192, 168, 1, 20),
        );
        b.udp((a, 50_000), (d, 4320), b"odd");
        let f = &b.frames[0].1;
        // IPv4 header.
        assert_eq!(checksum(&[&f[14..34]]), 0);
        // UDP over the pseudo header.
        let l4 = &f[34..];
        assert_eq!(checksum(&[&pseudo_header(a, d, 17, l4.len()), l4]), 0);
    }

    #[test]
    fn tcp_opens_with_a_handshake_and_counts_sequence_numbers() {
        let mut b = CaptureBuilder::new();
        let (dev, cloud) = (
            Ipv4Addr::new(192, 168, 1, 20),
            Ipv4Addr::new(203, 0, 113, 1),
        );
        let (first, second) = ((dev, cloud, 1), (dev, cloud, 2));
        b.at(Duration::from_millis(20));
        b.tcp(first, true, b"hello");
        b.tcp(first, true, b"again");
        b.at(Duration::from_millis(10));
        b.tcp(first, false, b"answer");
        b.tcp_reset(first);
        b.at(Duration::from_millis(30));
        b.tcp(second, true, b"new");
        assert_eq!(b.len(), 11);
        let seq = |i: usize| u32::from_be_bytes(b.frames[i].1[38..42].try_into().unwrap());
        let port = |i: usize| u16::from_be_bytes(b.frames[i].1[34..36].try_into().unwrap());
        let flags = |i: usize| b.frames[i].1[47];
        assert_eq!(flags(0), 0x02);
        assert_eq!(flags(1), 0x12);
        assert_eq!(seq(3), 1_000);
        assert_eq!(seq(4), 1_005);
        assert_eq!(seq(5), 5_000);
        // The reset follows the client's last byte; the next connection is a new port.
        assert_eq!((flags(6), seq(6)), (0x14, 1_010));
        assert_eq!(flags(7), 0x02);
        assert_ne!(port(7), port(0));
        assert_eq!(seq(10), 1_000);
        // Time never goes back.
        assert!(b.frames.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(b.frames[5].0, Duration::from_millis(20));
        assert_eq!(b.frames[10].0, Duration::from_millis(30));
    }
}
