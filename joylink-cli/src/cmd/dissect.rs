//! `joylink dissect`: every JoyLink packet of a capture.

use std::fs::File;
use std::io::{BufReader, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use std::collections::HashMap;

use joylink::wire::{
    CrcPolicy, Direction, HEADER_LEN, Header, Magic, Reassembler, ReassemblyStatus,
};
use serde_json::{Value, json};

use crate::capture::{self, LAN_PORTS, Reassembly, Segment, StreamItem, Transport};
use crate::cmd::{LadderArgs, draw_ladder};
use crate::keys::{KeyArgs, KeyRing, KeyRingArgs, combine};
use crate::ladder::Ladder;
use crate::packet::{Inspection, Problem, inspect};
use crate::{outln, render};

/// Captures above this size get a progress bar.
const PROGRESS_THRESHOLD: u64 = 4 * 1024 * 1024;

/// `JOYLINK_PROGRESS=always` draws the bar even when stderr is not a terminal (logs, tests),
/// `never` hides it; otherwise it is drawn on a terminal stderr only (indicatif's default).
const PROGRESS_ENV: &str = "JOYLINK_PROGRESS";

/// A draw target for `JOYLINK_PROGRESS=always`: plain lines on stderr, no cursor movement.
#[derive(Debug)]
struct PlainStderr;

impl TermLike for PlainStderr {
    fn width(&self) -> u16 {
        80
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        writeln!(std::io::stderr(), "{s}")
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        write!(std::io::stderr(), "{s}")
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// The progress bar of a capture of `size` bytes: on stderr, never on stdout (which may carry
/// JSON Lines), above [`PROGRESS_THRESHOLD`].
fn progress_bar(size: u64) -> Option<ProgressBar> {
    let mode = std::env::var(PROGRESS_ENV).unwrap_or_default();
    if size <= PROGRESS_THRESHOLD || mode == "never" {
        return None;
    }
    let target = if mode == "always" {
        ProgressDrawTarget::term_like(Box::new(PlainStderr))
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(size), target);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {elapsed} eta {eta}")
    {
        bar.set_style(style);
    }
    bar.tick();
    Some(bar)
}

/// Dissect a capture: UDP on ports 80/4320 and any UDP datagram starting with a JoyLink magic,
/// TCP streams that start with a magic (reassembled with the frame decoder), LAN fragments
/// joined. One line per packet, or one JSON document per line with --json; a summary on stderr.
/// Each packet is tried with every key given (repeat the options, or --keys FILE), the keys of
/// its addresses first. Exit 1 when a packet is malformed or no key given opens it.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  joylink dissect capture.pcapng --sessionkey HEX --localkey K\n  \
joylink dissect capture.pcap --json | jq .body\n  joylink dissect capture.pcap --ladder svg session.svg\n  \
joylink demo --pcap demo.pcap --keys keys.json && joylink dissect demo.pcap --keys keys.json"
)]
pub struct Args {
    /// The capture (pcap or pcapng).
    pub file: PathBuf,
    /// One JSON document per packet (JSON Lines).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub ladder: LadderArgs,
    #[command(flatten)]
    pub keys: KeyRingArgs,
}

/// What became of one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Opened (or in clear) and typed.
    Parsed,
    /// No key of the kind it needs was given.
    NoKey,
    /// Keys of its kind were given and none opened it.
    NotDecrypted,
    /// Not a valid packet or body, or a CRC mismatch.
    Malformed,
}

/// Whether a reading failed for want of the right key (another key may do better).
fn key_failed(ins: &Inspection) -> bool {
    matches!(
        ins.problem,
        Some(Problem::Decrypt(_) | Problem::Body(_) | Problem::MissingKey(_))
    ) || inner_missing(ins)
}

/// Whether the inner sub-device layer is still sealed for want of a key.
fn inner_missing(ins: &Inspection) -> bool {
    ins.body
        .as_ref()
        .and_then(|b| b.json.get("inner"))
        .is_some_and(|i| i.get("missing_key").is_some())
}

/// The feedid a sub-device body names.
fn body_feedid(ins: &Inspection) -> Option<String> {
    let b = ins.body.as_ref()?;
    b.json
        .get("feedid")
        .or_else(|| b.json.get("feed_id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Inspects a packet with every key that may fit, the keys of its addresses first; for an
/// inner sub-device layer, the keys of the feedid it names first. The first reading that opens
/// wins; when none does, the first failure is shown.
fn inspect_ring(
    bytes: &[u8],
    ring: &KeyRing,
    dir: Option<Direction>,
    addresses: &[std::net::IpAddr],
) -> Result<(Inspection, Outcome), joylink::wire::Error> {
    let try_keys = |k: &KeyArgs| -> Result<Inspection, joylink::wire::Error> {
        // Every key of the ring was checked when it was read.
        let keys = k.parse().unwrap_or_default();
        inspect(bytes, &keys, dir)
    };
    let mut first = try_keys(&KeyArgs::default())?;
    if first.problem.is_none() && !inner_missing(&first) {
        return Ok(outcome(first));
    }
    let mut best: Option<Inspection> = None;
    for entry in ring.for_addresses(addresses) {
        let ins = try_keys(&entry.keys)?;
        if matches!(ins.problem, Some(Problem::MissingKey(_))) {
            continue;
        }
        if !key_failed(&ins) {
            return Ok(outcome(ins));
        }
        if inner_missing(&ins) && ins.problem.is_none() {
            // The outer layer opened: now the sub-device's key for the inner one.
            let feedid = body_feedid(&ins);
            let mut wrong_sub = None;
            for sub in ring.for_feedid(feedid.as_deref()) {
                let with_sub = try_keys(&combine(&entry.keys, Some(&sub.keys)))?;
                if !key_failed(&with_sub) {
                    return Ok(outcome(with_sub));
                }
                if matches!(with_sub.problem, Some(Problem::Decrypt(_))) {
                    wrong_sub.get_or_insert(with_sub);
                }
            }
            // No sub-device key opens the inner layer: a failure when some were tried on it,
            // else the outer reading stands with the inner layer sealed.
            return Ok(match wrong_sub {
                Some(w) => (w, Outcome::NotDecrypted),
                None => (ins, Outcome::NoKey),
            });
        }
        best.get_or_insert(ins);
    }
    if let Some(b) = best {
        let o = if matches!(b.problem, Some(Problem::Body(_))) && ring.entries.len() < 2 {
            Outcome::Malformed
        } else {
            Outcome::NotDecrypted
        };
        return Ok((b, o));
    }
    if inner_missing(&first) {
        first.problem = None;
    }
    let o = outcome(first);
    Ok(o)
}

fn outcome(ins: Inspection) -> (Inspection, Outcome) {
    let o = match &ins.problem {
        _ if !ins.crc_ok() => Outcome::Malformed,
        None if inner_missing(&ins) => Outcome::NoKey,
        None => Outcome::Parsed,
        Some(Problem::MissingKey(_)) => Outcome::NoKey,
        Some(Problem::Decrypt(_)) => Outcome::NotDecrypted,
        Some(_) => Outcome::Malformed,
    };
    (ins, o)
}

/// Direction of a packet from its addresses: the device listens on the LAN ports, and opens
/// the WAN connection.
fn direction_of(
    seg: &Segment<'_>,
    magic: Magic,
    initiator: Option<SocketAddr>,
) -> Option<Direction> {
    match seg.transport {
        Transport::Udp => {
            if LAN_PORTS.contains(&seg.dst.port()) {
                Some(Direction::ToDevice)
            } else if LAN_PORTS.contains(&seg.src.port()) {
                Some(Direction::FromDevice)
            } else {
                None
            }
        }
        Transport::Tcp => match initiator {
            Some(i) if magic == Magic::Wan => Some(if i == seg.src {
                Direction::FromDevice
            } else {
                Direction::ToDevice
            }),
            _ if magic == Magic::Wan => Some(if seg.src.port() < seg.dst.port() {
                Direction::ToDevice
            } else {
                Direction::FromDevice
            }),
            _ => None,
        },
    }
}

/// Who sent a fragment to whom (for WAN: the TCP connection and its direction), its network and
/// type, and its message id (`reserved`).
type FragmentKey = (SocketAddr, SocketAddr, u32, u8, u8);

struct Printer<'k> {
    keys: &'k KeyRing,
    json: bool,
    /// Only the ladder is printed (`--ladder` in the terminal).
    quiet: bool,
    ladder: Ladder,
    packets: u64,
    decoded: u64,
    no_key: u64,
    not_decrypted: u64,
    malformed: u64,
    /// Fragments waiting for the rest of their message, per (sender, receiver, magic, packet
    /// type, message id): a WAN message's fragments travel on one TCP connection.
    fragments: HashMap<FragmentKey, Vec<Vec<u8>>>,
    /// Frames of link types `dissect` cannot read, per type.
    unreadable_links: HashMap<u32, u64>,
}

impl Printer<'_> {
    fn packet(
        &mut self,
        frame: &capture::Frame,
        seg: &Segment<'_>,
        bytes: &[u8],
        dir: Option<Direction>,
    ) {
        let transport = match seg.transport {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        };
        let time = frame.time.as_secs_f64();
        self.packets = self.packets.saturating_add(1);
        match inspect_ring(bytes, self.keys, dir, &[seg.src.ip(), seg.dst.ip()]) {
            Ok((ins, outcome)) => {
                self.ladder.arrow(
                    &seg.src.ip().to_string(),
                    &seg.dst.ip().to_string(),
                    render::label(&ins),
                );
                let counter = match outcome {
                    Outcome::Parsed => &mut self.decoded,
                    Outcome::NoKey => &mut self.no_key,
                    Outcome::NotDecrypted => &mut self.not_decrypted,
                    Outcome::Malformed => &mut self.malformed,
                };
                *counter = counter.saturating_add(1);
                if self.quiet {
                    return;
                }
                if self.json {
                    let mut doc = json!({
                        "frame": frame.number,
                        "time": time,
                        "src": seg.src.to_string(),
                        "dst": seg.dst.to_string(),
                        "transport": transport,
                    });
                    if let (Value::Object(d), Value::Object(p)) = (&mut doc, render::to_json(&ins))
                    {
                        d.extend(p);
                    }
                    outln(&doc.to_string());
                } else {
                    let mut line = format!(
                        "#{:<5} {:>12.6} {} {} -> {} {}",
                        frame.number,
                        time,
                        transport,
                        seg.src,
                        seg.dst,
                        render::one_line(&ins)
                    );
                    if outcome == Outcome::NotDecrypted {
                        line.push_str(" NOT DECRYPTED (no key given opens it)");
                    }
                    outln(&line);
                }
            }
            Err(e) => {
                self.malformed = self.malformed.saturating_add(1);
                self.undecodable(frame, seg, bytes, &e);
            }
        }
        if let Some(whole) = self.reassemble(frame, seg, bytes) {
            self.packet(frame, seg, &whole, dir);
        }
    }

    /// A datagram that is no whole packet: its header is still shown when it has one, with the
    /// disagreement flagged (like Wireshark's "malformed" with the fields it could read).
    fn undecodable(
        &mut self,
        frame: &capture::Frame,
        seg: &Segment<'_>,
        bytes: &[u8],
        e: &joylink::wire::Error,
    ) {
        let Ok(h) = Header::parse(bytes) else {
            self.error(frame, seg, &format!("malformed packet: {e}"));
            return;
        };
        let want = usize::from(h.opt_len)
            .saturating_add(usize::from(h.payload_len))
            .saturating_add(HEADER_LEN);
        let flag = if want == bytes.len() {
            format!("malformed packet: {e}")
        } else {
            format!(
                "LENGTH MISMATCH: the header says {want} bytes, the datagram has {} ({e})",
                bytes.len()
            )
        };
        if self.quiet {
            return;
        }
        if self.json {
            let doc = json!({
                "frame": frame.number,
                "time": frame.time.as_secs_f64(),
                "src": seg.src.to_string(),
                "dst": seg.dst.to_string(),
                "len": bytes.len(),
                "magic": render::magic_name(h.magic),
                "header": render::header_json(&h),
                "error": {"code": "length", "message": flag},
            });
            outln(&doc.to_string());
        } else {
            outln(&format!(
                "#{:<5} {} -> {} {} {}B [{flag}]",
                frame.number,
                seg.src,
                seg.dst,
                render::header_line(&h),
                bytes.len()
            ));
        }
    }

    /// Keeps a fragment (spec 3.2 total/index) and, once every fragment of its message is in,
    /// joins them with joylink-wire's [`Reassembler`] into one packet (header and opt of the
    /// fragments, the whole payload, total = index = 0, the CRC over the whole), which is then
    /// opened like any packet.
    ///
    /// LAN: 1000-byte slices of a scan answer. WAN (compat §16.4, JD's Linux/gateway SDK): the
    /// sealed payload cut into 1024-byte slices of *ciphertext*, joined before decryption, keyed
    /// per TCP connection; its broken last slice (sent empty) gives a message that then shows as
    /// not decrypted.
    fn reassemble(
        &mut self,
        frame: &capture::Frame,
        seg: &Segment<'_>,
        bytes: &[u8],
    ) -> Option<Vec<u8>> {
        let d = joylink::wire::parse(bytes, CrcPolicy::Ignore).ok()?;
        if !d.header.is_fragment() {
            return None;
        }
        let h = d.header;
        let key = (
            seg.src,
            seg.dst,
            u32::from(h.magic),
            h.packet_type.value(),
            h.reserved,
        );
        let total = usize::from(h.total);
        let list = self.fragments.entry(key).or_default();
        // A retransmitted fragment (same index) is kept once.
        let same_index = |p: &Vec<u8>| {
            joylink::wire::parse(p, CrcPolicy::Ignore).is_ok_and(|q| q.header.index == h.index)
        };
        if !list.iter().any(same_index) {
            list.push(bytes.to_vec());
        }
        if list.len() < total {
            return None;
        }
        let list = self.fragments.remove(&key)?;
        let size: usize = list.iter().map(Vec::len).sum();
        // One message at a time, in a slot the size of every fragment together (header and opt
        // repeat in each, so this is more than the whole packet needs).
        let mut storage = vec![0u8; size];
        let mut r = Reassembler::<(), 1>::new(&mut storage);
        let mut whole = None;
        for p in &list {
            let Ok(piece) = joylink::wire::parse(p, CrcPolicy::Ignore) else {
                continue;
            };
            match r.push((), &piece, 0) {
                Ok(ReassemblyStatus::Complete(m)) => {
                    whole = Some(m.packet.to_vec());
                }
                Ok(ReassemblyStatus::Incomplete { .. }) => {}
                Err(e) => {
                    self.malformed = self.malformed.saturating_add(1);
                    self.error(frame, seg, &format!("fragment not reassembled: {e}"));
                    return None;
                }
            }
        }
        whole
    }

    fn error(&mut self, frame: &capture::Frame, seg: &Segment<'_>, msg: &str) {
        if self.quiet {
            return;
        }
        if self.json {
            let doc = json!({
                "frame": frame.number,
                "time": frame.time.as_secs_f64(),
                "src": seg.src.to_string(),
                "dst": seg.dst.to_string(),
                "error": {"code": "packet", "message": msg},
            });
            outln(&doc.to_string());
        } else {
            outln(&format!(
                "#{:<5} {} -> {} error: {msg}",
                frame.number, seg.src, seg.dst
            ));
        }
    }
}

/// Runs `dissect`.
///
/// # Errors
/// Usage errors for bad keys or options; an unreadable capture is exit 1.
pub fn run(args: &Args) -> Result<ExitCode> {
    let ladder_arg = args.ladder.parse()?;
    let keys = args.keys.parse()?;
    let file =
        File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(size);
    let mut printer = Printer {
        keys: &keys,
        json: args.json,
        quiet: ladder_arg == Some(crate::cmd::LadderArg::Terminal),
        ladder: Ladder::default(),
        packets: 0,
        decoded: 0,
        no_key: 0,
        not_decrypted: 0,
        malformed: 0,
        fragments: HashMap::new(),
        unreadable_links: HashMap::new(),
    };
    let mut tcp = Reassembly::default();
    let read = capture::read_frames(
        BufReader::new(file),
        |n| {
            if let Some(b) = &bar {
                b.set_position(n);
            }
        },
        |frame| {
            if !capture::link_supported(frame.link) {
                let n = printer
                    .unreadable_links
                    .entry(frame.link.into())
                    .or_default();
                *n = n.saturating_add(1);
                return;
            }
            let Some(seg) = capture::parse(&frame) else {
                return;
            };
            match seg.transport {
                Transport::Udp => {
                    let magic = capture::magic_of(seg.payload);
                    let on_port =
                        LAN_PORTS.contains(&seg.src.port()) || LAN_PORTS.contains(&seg.dst.port());
                    match magic {
                        Some(m) => {
                            let dir = direction_of(&seg, m, None);
                            printer.packet(&frame, &seg, seg.payload, dir);
                        }
                        None if on_port && !seg.payload.is_empty() => {
                            printer.error(
                                &frame,
                                &seg,
                                "udp payload on a joylink port without a joylink magic",
                            );
                        }
                        None => {}
                    }
                }
                Transport::Tcp => {
                    for item in tcp.feed(&seg) {
                        match item {
                            StreamItem::Packet(p) => {
                                let magic = capture::magic_of(&p).unwrap_or(Magic::Wan);
                                let init = tcp
                                    .initiators
                                    .get(&capture::ordered(seg.src, seg.dst))
                                    .copied();
                                let dir = direction_of(&seg, magic, init);
                                printer.packet(&frame, &seg, &p, dir);
                            }
                            StreamItem::Lost(msg) => {
                                // The rest of that stream is lost: a failure.
                                printer.malformed = printer.malformed.saturating_add(1);
                                printer.error(&frame, &seg, &msg);
                            }
                        }
                    }
                }
            }
        },
    );
    let mut cut = None;
    if let Err(e) = read {
        // A capture cut mid-packet (a capture tool stopped hard): what was read stands, and
        // the place of the cut is said; anything else is an unreadable file.
        let bytes = std::fs::read(&args.file).unwrap_or_default();
        match capture::cut_offset(&bytes) {
            Some(at) if printer.packets > 0 || at > 0 => cut = Some(at),
            _ => return Err(e.context(format!("reading {}", args.file.display()))),
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut links: Vec<(u32, u64)> = printer
        .unreadable_links
        .iter()
        .map(|(k, v)| (*k, *v))
        .collect();
    links.sort_unstable();
    for (link, frames) in links {
        crate::errln(&format!(
            "warning: {frames} frames of link type {link} skipped: dissect reads Ethernet (1), \
             raw IP (101, 228, 229), BSD loopback (0) and Linux cooked (113) captures"
        ));
    }
    if let Some(at) = cut {
        crate::errln(&format!(
            "warning: the capture is cut at byte {at}, in the middle of a packet record: \
             the packets before it are shown"
        ));
    }
    crate::errln(&format!(
        "{} joylink packets: {} decoded, {} not decrypted, {} without a key, {} malformed",
        printer.packets, printer.decoded, printer.not_decrypted, printer.no_key, printer.malformed
    ));
    draw_ladder(ladder_arg, &printer.ladder, false)?;
    // A packet no key opens, or a malformed one, is a failure (README: exit status 1); a packet
    // whose key was not given at all is not.
    Ok(if printer.not_decrypted > 0 || printer.malformed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
