//! Reading captures: pcap and pcapng (through `pcap-file`), Ethernet / Linux cooked / raw IP,
//! IPv4 and IPv6, UDP and TCP (parsed by hand: only the fields the dissector needs), and TCP
//! stream reassembly into JoyLink frames with joylink-wire's frame decoder (compat §8).

use std::collections::HashMap;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Result, anyhow};
use joylink::wire::bytes::BytesMut;
use joylink::wire::{BytesFrameDecoder, MAGIC_LAN, MAGIC_WAN, Magic};
use pcap_file::DataLink;
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::{Block, PcapNgReader};

/// Transport of a JoyLink packet found in a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// One UDP datagram.
    Udp,
    /// Reassembled from a TCP stream.
    Tcp,
}

/// One captured link-layer frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// 1-based frame number in the capture.
    pub number: u64,
    /// Capture time since the Unix epoch.
    pub time: Duration,
    /// The link type.
    pub link: DataLink,
    /// The bytes.
    pub data: Vec<u8>,
}

/// Reads every frame of a pcap or pcapng file, calling `f` for each; `progress` gets the bytes
/// consumed so far.
///
/// # Errors
/// When the file is neither pcap nor pcapng, or is corrupted.
pub fn read_frames<R: Read>(
    mut reader: R,
    mut progress: impl FnMut(u64),
    mut f: impl FnMut(Frame),
) -> Result<()> {
    let mut magic = [0u8; 4];
    reader.read_exact(&mut magic)?;
    let chained = std::io::Cursor::new(magic).chain(reader);
    let counted = Counted {
        inner: chained,
        count: 0,
        report: &mut progress,
    };
    let mut number = 0u64;
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        let mut r = PcapNgReader::new(counted).map_err(|e| anyhow!("pcapng: {e}"))?;
        while let Some(block) = r.next_block() {
            let block = block.map_err(|e| anyhow!("pcapng: {e}"))?;
            let (raw, data, iface) = match block {
                Block::EnhancedPacket(p) => {
                    (p.timestamp, p.data.into_owned(), Some(p.interface_id))
                }
                Block::SimplePacket(p) => (Duration::ZERO, p.data.into_owned(), Some(0)),
                _ => continue,
            };
            let idb = iface
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| r.interfaces().get(i));
            let link = idb.map_or(DataLink::ETHERNET, |d| d.linktype);
            let time = pcapng_time(raw, idb);
            number = number.saturating_add(1);
            f(Frame {
                number,
                time,
                link,
                data,
            });
        }
    } else {
        let mut r =
            PcapReader::new(counted).map_err(|e| anyhow!("not a pcap or pcapng file: {e}"))?;
        let link = r.header().datalink;
        while let Some(p) = r.next_packet() {
            let p = p.map_err(|e| anyhow!("pcap: {e}"))?;
            number = number.saturating_add(1);
            f(Frame {
                number,
                time: p.timestamp,
                link,
                data: p.data.into_owned(),
            });
        }
    }
    Ok(())
}

/// The capture time of an Enhanced Packet Block.
///
/// pcap-file 2 reads the EPB's 64-bit timestamp as nanoseconds whatever the interface says
/// (`Duration::from_nanos(raw)`), so `raw.as_nanos()` is the raw tick count. The pcapng spec
/// (§4.2, `if_tsresol`) counts ticks of 10^-n s (MSB clear) or 2^-n s (MSB set), default
/// 10^-6 s — what most captures (dumpcap, tcpdump) use — and `if_tsoffset` adds whole seconds
/// (a signed 64-bit value).
fn pcapng_time(raw: Duration, idb: Option<&InterfaceDescriptionBlock<'_>>) -> Duration {
    let mut resol = 6u8;
    let mut offset = 0i64;
    for opt in idb.map_or(&[][..], |d| d.options.as_slice()) {
        match opt {
            InterfaceDescriptionOption::IfTsResol(r) => resol = *r,
            InterfaceDescriptionOption::IfTsOffset(o) => {
                offset = i64::from_ne_bytes(o.to_ne_bytes())
            }
            _ => {}
        }
    }
    let ticks = raw.as_nanos();
    let exp = u32::from(resol & 0x7f);
    let per_sec = if resol & 0x80 == 0 {
        10u128.checked_pow(exp)
    } else {
        1u128.checked_shl(exp)
    };
    let time = match per_sec {
        // Ticks are below 2^64 and a fraction below `per_sec`, so `frac * 10^9` fits in u128.
        Some(per_sec) if per_sec > 0 => {
            let secs = ticks.checked_div(per_sec).unwrap_or(0);
            let frac = ticks.checked_rem(per_sec).unwrap_or(0);
            let nanos = frac
                .checked_mul(1_000_000_000)
                .and_then(|n| n.checked_div(per_sec))
                .unwrap_or(0);
            Duration::new(
                u64::try_from(secs).unwrap_or(u64::MAX),
                u32::try_from(nanos).unwrap_or(0),
            )
        }
        // A resolution finer than u128 can count: every tick count is below one second's worth.
        _ => Duration::ZERO,
    };
    if offset >= 0 {
        time.saturating_add(Duration::from_secs(offset.unsigned_abs()))
    } else {
        time.saturating_sub(Duration::from_secs(offset.unsigned_abs()))
    }
}

struct Counted<'p, R, P: FnMut(u64)> {
    inner: R,
    count: u64,
    report: &'p mut P,
}

impl<R: Read, P: FnMut(u64)> Read for Counted<'_, R, P> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count = self.count.saturating_add(u64::try_from(n).unwrap_or(0));
        (self.report)(self.count);
        Ok(n)
    }
}

/// A UDP datagram or TCP segment.
#[derive(Debug, Clone)]
pub struct Segment<'a> {
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// UDP or TCP.
    pub transport: Transport,
    /// TCP: sequence number.
    pub seq: u32,
    /// TCP: SYN flag.
    pub syn: bool,
    /// TCP: FIN or RST flag.
    pub fin: bool,
    /// The transport payload.
    pub payload: &'a [u8],
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..)?
        .first_chunk::<2>()
        .map(|x| u16::from_be_bytes(*x))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..)?
        .first_chunk::<4>()
        .map(|x| u32::from_be_bytes(*x))
}

/// Whether [`parse`] reads frames of this link type.
pub fn link_supported(link: DataLink) -> bool {
    matches!(
        link,
        DataLink::ETHERNET
            | DataLink::LINUX_SLL
            | DataLink::RAW
            | DataLink::IPV4
            | DataLink::IPV6
            | DataLink::NULL
    )
}

/// Where a capture file is cut mid-record: the offset of the first record that does not end
/// inside the file (pcap: 24-byte file header, 16-byte record headers; pcapng: blocks with
/// their length at offset 4), or `None` when every record is whole (or the format is unknown).
pub fn cut_offset(bytes: &[u8]) -> Option<u64> {
    let len = bytes.len();
    let u32_at = |off: usize, big: bool| -> Option<usize> {
        let b = *bytes.get(off..)?.first_chunk::<4>()?;
        usize::try_from(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
        .ok()
    };
    let magic = *bytes.first_chunk::<4>()?;
    let mut off: usize;
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        // pcapng: the byte-order magic of the section header says the endianness.
        let big = bytes.get(8..12)? == [0x1a, 0x2b, 0x3c, 0x4d];
        off = 0;
        while off < len {
            let Some(block_len) = u32_at(off.checked_add(4)?, big) else {
                return u64::try_from(off).ok();
            };
            let end = off.checked_add(block_len)?;
            if block_len < 12 || end > len {
                return u64::try_from(off).ok();
            }
            off = end;
        }
        None
    } else {
        let big = match magic {
            [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => true,
            [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => false,
            _ => return None,
        };
        off = 24;
        while off < len {
            let Some(incl) = u32_at(off.checked_add(8)?, big) else {
                return u64::try_from(off).ok();
            };
            let end = off.checked_add(16)?.checked_add(incl)?;
            if end > len {
                return u64::try_from(off).ok();
            }
            off = end;
        }
        None
    }
}

/// Parses a link-layer frame down to UDP/TCP; `None` for anything else.
pub fn parse(frame: &Frame) -> Option<Segment<'_>> {
    let d = frame.data.as_slice();
    let ip = match frame.link {
        DataLink::ETHERNET => {
            let mut off = 12usize;
            let mut ethertype = u16_at(d, off)?;
            // 802.1Q / QinQ tags.
            while ethertype == 0x8100 || ethertype == 0x88a8 {
                off = off.checked_add(4)?;
                ethertype = u16_at(d, off)?;
            }
            match ethertype {
                0x0800 | 0x86dd => d.get(off.checked_add(2)?..)?,
                _ => return None,
            }
        }
        DataLink::LINUX_SLL => d.get(16..)?,
        DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => d,
        DataLink::NULL => d.get(4..)?,
        _ => return None,
    };
    let version = ip.first()? >> 4;
    let (src, dst, proto, l4) = match version {
        4 => {
            let ihl = usize::from(ip.first()? & 0x0f).checked_mul(4)?;
            let total = usize::from(u16_at(ip, 2)?);
            let src: [u8; 4] = *ip.get(12..16)?.first_chunk::<4>()?;
            let dst: [u8; 4] = *ip.get(16..20)?.first_chunk::<4>()?;
            let end = total.min(ip.len());
            (
                IpAddr::V4(Ipv4Addr::from(src)),
                IpAddr::V4(Ipv4Addr::from(dst)),
                *ip.get(9)?,
                ip.get(ihl..end)?,
            )
        }
        6 => {
            let plen = usize::from(u16_at(ip, 4)?);
            let src: [u8; 16] = *ip.get(8..24)?.first_chunk::<16>()?;
            let dst: [u8; 16] = *ip.get(24..40)?.first_chunk::<16>()?;
            let end = 40usize.checked_add(plen)?.min(ip.len());
            (
                IpAddr::V6(Ipv6Addr::from(src)),
                IpAddr::V6(Ipv6Addr::from(dst)),
                *ip.get(6)?,
                ip.get(40..end)?,
            )
        }
        _ => return None,
    };
    let sport = u16_at(l4, 0)?;
    let dport = u16_at(l4, 2)?;
    let (transport, seq, syn, fin, payload) = match proto {
        17 => (Transport::Udp, 0, false, false, l4.get(8..)?),
        6 => {
            let off = usize::from(*l4.get(12)? >> 4).checked_mul(4)?;
            let flags = *l4.get(13)?;
            (
                Transport::Tcp,
                u32_at(l4, 4)?,
                flags & 0x02 != 0,
                flags & 0x05 != 0,
                l4.get(off..)?,
            )
        }
        _ => return None,
    };
    Some(Segment {
        src: SocketAddr::new(src, sport),
        dst: SocketAddr::new(dst, dport),
        transport,
        seq,
        syn,
        fin,
        payload,
    })
}

/// Whether bytes start with a JoyLink magic.
pub fn magic_of(payload: &[u8]) -> Option<Magic> {
    let m = u32::from_le_bytes(*payload.first_chunk::<4>()?);
    match m {
        MAGIC_LAN => Some(Magic::Lan),
        MAGIC_WAN => Some(Magic::Wan),
        _ => None,
    }
}

/// The JoyLink LAN ports (spec 6.1: the device listens on UDP 4320; 80 is used by some SDKs).
pub const LAN_PORTS: [u16; 2] = [80, 4320];

/// One direction of a TCP connection being reassembled.
struct Stream {
    decoder: BytesFrameDecoder,
    buf: BytesMut,
    next_seq: Option<u32>,
    broken: bool,
}

/// TCP reassembly into JoyLink frames, per (src, dst) direction.
#[derive(Default)]
pub struct Reassembly {
    streams: HashMap<(SocketAddr, SocketAddr), Stream>,
    /// Who opened each connection (sent the SYN): the device on the WAN.
    pub initiators: HashMap<(SocketAddr, SocketAddr), SocketAddr>,
}

/// A frame (or a stream error) out of reassembly.
pub enum StreamItem {
    /// A complete JoyLink packet.
    Packet(Vec<u8>),
    /// The stream lost its framing (bad magic, oversize frame, gap): the reason.
    Lost(String),
}

impl Reassembly {
    /// Feeds one TCP segment; returns the packets completed by it.
    pub fn feed(&mut self, seg: &Segment<'_>) -> Vec<StreamItem> {
        let key = (seg.src, seg.dst);
        if seg.syn {
            let conn = ordered(seg.src, seg.dst);
            self.initiators.entry(conn).or_insert(seg.src);
        }
        let mut out = Vec::new();
        let payload = seg.payload;
        let data_seq = seg.seq.wrapping_add(u32::from(seg.syn));
        let stream = match self.streams.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                // Only streams that start with a JoyLink magic are followed.
                let Some(magic) = magic_of(payload) else {
                    return out;
                };
                v.insert(Stream {
                    decoder: BytesFrameDecoder::new(joylink::wire::MAX_PACKET_LEN)
                        .with_magic(magic),
                    buf: BytesMut::new(),
                    next_seq: None,
                    broken: false,
                })
            }
        };
        if payload.is_empty() || stream.broken {
            return out;
        }
        let mut data = payload;
        if let Some(next) = stream.next_seq {
            // Sequence arithmetic is modulo 2^32 (RFC 9293 §3.4).
            let ahead = data_seq.wrapping_sub(next);
            if ahead == 0 {
            } else if ahead > u32::MAX / 2 {
                // A retransmission, possibly overlapping new data.
                let behind = usize::try_from(next.wrapping_sub(data_seq)).unwrap_or(usize::MAX);
                match data.get(behind..) {
                    Some(rest) if !rest.is_empty() => data = rest,
                    _ => return out,
                }
            } else {
                stream.broken = true;
                out.push(StreamItem::Lost(format!(
                    "{ahead} bytes missing in the tcp stream {} → {}",
                    seg.src, seg.dst
                )));
                return out;
            }
        }
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let start = stream.next_seq.unwrap_or(data_seq);
        stream.next_seq = Some(start.wrapping_add(len));
        stream.buf.extend_from_slice(data);
        loop {
            match stream.decoder.decode(&mut stream.buf) {
                Ok(Some(frame)) => out.push(StreamItem::Packet(frame.to_vec())),
                Ok(None) => break,
                Err(e) => {
                    stream.broken = true;
                    out.push(StreamItem::Lost(format!(
                        "tcp stream {} → {}: {e}",
                        seg.src, seg.dst
                    )));
                    break;
                }
            }
        }
        if seg.fin {
            self.streams.remove(&key);
        }
        out
    }
}

/// The connection key, the same for both directions.
pub fn ordered(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b { (a, b) } else { (b, a) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idb(
        options: Vec<InterfaceDescriptionOption<'static>>,
    ) -> InterfaceDescriptionBlock<'static> {
        InterfaceDescriptionBlock {
            linktype: DataLink::ETHERNET,
            snaplen: 0xffff,
            options,
        }
    }

    #[test]
    fn pcapng_timestamps_follow_if_tsresol_and_if_tsoffset() {
        use InterfaceDescriptionOption::{IfTsOffset, IfTsResol};
        // The raw tick count, as pcap-file 2 hands it over.
        let raw = Duration::from_nanos(1_700_000_000_123_456);
        // No interface / no option: microseconds (pcapng spec §4.2).
        assert_eq!(
            pcapng_time(raw, None),
            Duration::new(1_700_000_000, 123_456_000)
        );
        assert_eq!(
            pcapng_time(raw, Some(&idb(vec![]))),
            Duration::new(1_700_000_000, 123_456_000)
        );
        // 10^-9 s: the count is nanoseconds already.
        assert_eq!(pcapng_time(raw, Some(&idb(vec![IfTsResol(9)]))), raw);
        // 10^-3 s.
        assert_eq!(
            pcapng_time(Duration::from_nanos(1_500), Some(&idb(vec![IfTsResol(3)]))),
            Duration::from_millis(1_500)
        );
        // 2^-10 s: 1536 ticks are 1.5 s.
        assert_eq!(
            pcapng_time(
                Duration::from_nanos(1_536),
                Some(&idb(vec![IfTsResol(0x8a)]))
            ),
            Duration::from_millis(1_500)
        );
        // if_tsoffset adds seconds; it is signed, and a time before the epoch clamps to 0.
        let us = Some(IfTsResol(6));
        let with = |o: u64| idb(us.clone().into_iter().chain([IfTsOffset(o)]).collect());
        assert_eq!(
            pcapng_time(Duration::from_nanos(2_000_000), Some(&with(100))),
            Duration::from_secs(102)
        );
        assert_eq!(
            pcapng_time(
                Duration::from_nanos(2_000_000),
                Some(&with((-1i64).cast_unsigned()))
            ),
            Duration::from_secs(1)
        );
        assert_eq!(
            pcapng_time(
                Duration::from_nanos(2_000_000),
                Some(&with((-5i64).cast_unsigned()))
            ),
            Duration::ZERO
        );
        // Absurd resolutions never panic: 10^-127 s overflows u128, 2^-127 s does not.
        let max = Duration::from_nanos(u64::MAX);
        assert_eq!(
            pcapng_time(max, Some(&idb(vec![IfTsResol(127)]))),
            Duration::ZERO
        );
        assert_eq!(
            pcapng_time(max, Some(&idb(vec![IfTsResol(0xff)]))),
            Duration::ZERO
        );
        assert_eq!(
            pcapng_time(max, Some(&idb(vec![IfTsResol(0)]))),
            Duration::from_secs(u64::MAX)
        );
    }
}
