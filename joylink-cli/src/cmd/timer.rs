//! `joylink timer`: evaluate and check `time_exp` expressions (spec chapter 10).

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use clap::Subcommand;
use joylink::timer::{CivilTime, Strictness, TimeExp};

use std::io::Write as _;

use crate::{outln, usage};

/// Timer expressions `sec_min_hour_day_month_week_year` (spec 10; week 0 = Sunday).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: TimerCommand,
}

/// The timer subcommands.
#[derive(Debug, Subcommand)]
pub enum TimerCommand {
    /// The next N firing times of EXPR after a civil time (now by default), on the device's
    /// wall clock (`--utc-offset`, UTC by default).
    Next(NextArgs),
    /// Check that EXPR is valid; prints its canonical form (exit 1 when invalid).
    Check(CheckArgs),
}

/// `timer next`.
#[derive(Debug, clap::Args)]
pub struct NextArgs {
    /// The expression, e.g. `0_30_7_*_*_1,3,5_*`.
    pub expr: String,
    /// Start after this time: `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DDTHH:MM:SS` or Unix seconds.
    #[arg(long, value_name = "DATETIME")]
    pub after: Option<String>,
    /// The task's creation time, from which `/N` intervals count (default: --after).
    #[arg(long, value_name = "DATETIME")]
    pub anchor: Option<String>,
    /// How many firing times (at least 1).
    #[arg(short = 'n', long = "count", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// The device's offset from UTC, `+08:00` for Chinese devices: devices fire on their
    /// local wall clock, so "now" and Unix-second `--after` values are read in it and the
    /// times printed are local (default `+00:00`).
    #[arg(long, value_name = "±HH:MM", allow_hyphen_values = true)]
    pub utc_offset: Option<String>,
    /// Accept doubled `_` as in the spec's example 3 (compat §9).
    #[arg(long)]
    pub lenient: bool,
    /// Print one JSON document, written as the times are found (a large `-n` streams).
    #[arg(long)]
    pub json: bool,
}

/// `timer check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The expression.
    pub expr: String,
    /// Accept doubled `_` as in the spec's example 3 (compat §9).
    #[arg(long)]
    pub lenient: bool,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// Parses `±HH:MM` (or `±HH`, `Z`) into seconds east of UTC.
///
/// # Errors
/// A usage error naming the form; offsets beyond ±14:00 (the widest in use) are refused.
pub fn parse_offset(text: &str) -> Result<i64> {
    let bad = || {
        usage(format!(
            "bad --utc-offset {text:?}: use ±HH:MM, e.g. +08:00"
        ))
    };
    let t = text.trim();
    if t == "Z" || t == "z" {
        return Ok(0);
    }
    let (sign, rest) = match t.split_at_checked(1) {
        Some(("+", r)) => (1i64, r),
        Some(("-", r)) => (-1i64, r),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: i64 = h.parse().map_err(|_| bad())?;
    let m: i64 = m.parse().map_err(|_| bad())?;
    if !(0..=14).contains(&h) || !(0..60).contains(&m) || (h == 14 && m > 0) {
        return Err(bad());
    }
    Ok(sign.saturating_mul(h.saturating_mul(3600).saturating_add(m.saturating_mul(60))))
}

/// Parses a civil time argument; Unix seconds are read at `offset` seconds east of UTC.
///
/// # Errors
/// A usage error naming the accepted forms.
pub fn parse_datetime_at(text: &str, offset: i64) -> Result<CivilTime> {
    if let Ok(secs) = text.trim().parse::<i64>() {
        return CivilTime::from_seconds_since_epoch(secs.saturating_add(offset))
            .ok_or_else(|| usage(format!("bad date-time {text:?}: out of range")));
    }
    parse_datetime(text)
}

/// Parses a civil time argument.
///
/// # Errors
/// A usage error naming the accepted forms.
pub fn parse_datetime(text: &str) -> Result<CivilTime> {
    let bad = || {
        usage(format!(
            "bad date-time {text:?}: use YYYY-MM-DD HH:MM:SS, YYYY-MM-DDTHH:MM:SS or Unix seconds"
        ))
    };
    if let Ok(secs) = text.trim().parse::<i64>() {
        return CivilTime::from_seconds_since_epoch(secs).ok_or_else(bad);
    }
    let nums: Vec<&str> = text
        .trim()
        .split(['-', ':', ' ', 'T'])
        .filter(|s| !s.is_empty())
        .collect();
    let field = |i: usize| -> Result<u16> {
        nums.get(i)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(bad)
    };
    let small = |i: usize| -> Result<u8> {
        match nums.get(i) {
            None if i >= 3 => Ok(0),
            _ => u8::try_from(field(i)?).map_err(|_| bad()),
        }
    };
    if nums.len() != 3 && nums.len() != 5 && nums.len() != 6 {
        return Err(bad());
    }
    CivilTime::new(
        field(0)?,
        small(1)?,
        small(2)?,
        small(3)?,
        small(4)?,
        small(5)?,
    )
    .map_err(|e| usage(format!("bad date-time {text:?}: {e}")))
}

fn now(offset: i64) -> Result<CivilTime> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    CivilTime::from_seconds_since_epoch(i64::try_from(secs).unwrap_or(0).saturating_add(offset))
        .ok_or_else(|| usage("the system clock is outside 1970–9999"))
}

/// The reason an expression does not parse, with each number shown as typed (the parser
/// reports a number too large for its integer as that integer's maximum), and a hint when
/// the lenient reading accepts it (the spec's example 3 doubles a `_`).
fn invalid(expr: &str, e: &dyn std::fmt::Display, lenient: bool) -> String {
    let mut msg = e.to_string();
    let max = u32::MAX.to_string();
    if msg.contains(&max) && !expr.contains(&max) {
        let typed = expr
            .split(|c: char| !c.is_ascii_digit())
            .find(|n| n.len() > 1 && n.parse::<u32>().is_err());
        if let Some(t) = typed {
            msg = msg.replace(&max, t.trim_start_matches('0'));
        }
    }
    let mut out = format!("invalid expression {expr:?}: {msg}");
    if !lenient && TimeExp::parse_with(expr, Strictness::Lenient).is_ok() {
        out.push_str(
            "; it parses with --lenient (an empty field from a doubled `_`, as in the spec's \
             example 3)",
        );
    }
    out
}

/// Writes one line to stdout, reporting a closed pipe so that a long listing stops.
fn line(w: &mut impl std::io::Write, text: &str) -> bool {
    writeln!(w, "{text}").is_ok()
}

/// `+08:00`.
fn offset_text(offset: i64) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
}

fn strictness(lenient: bool) -> Strictness {
    if lenient {
        Strictness::Lenient
    } else {
        Strictness::Strict
    }
}

/// Runs `timer`.
///
/// # Errors
/// Usage errors for bad arguments; an invalid expression is exit 1.
pub fn run(args: &Args) -> Result<ExitCode> {
    match &args.command {
        TimerCommand::Check(a) => match TimeExp::parse_with(&a.expr, strictness(a.lenient)) {
            Ok(exp) => {
                if a.json {
                    let doc = serde_json::json!({"valid": true, "canonical": exp.to_string()});
                    outln(&doc.to_string());
                } else {
                    outln(&format!("valid: {exp}"));
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                let msg = invalid(&a.expr, &e, a.lenient);
                if a.json {
                    let doc = serde_json::json!({"valid": false, "error": msg});
                    outln(&doc.to_string());
                }
                crate::errln(&format!("error: {msg}"));
                Ok(ExitCode::from(1))
            }
        },
        TimerCommand::Next(a) => next(a),
    }
}

fn next(a: &NextArgs) -> Result<ExitCode> {
    let exp = TimeExp::parse_with(&a.expr, strictness(a.lenient))
        .map_err(|e| usage(invalid(&a.expr, &e, a.lenient)))?;
    let offset = a
        .utc_offset
        .as_deref()
        .map(parse_offset)
        .transpose()?
        .unwrap_or(0);
    let after = match &a.after {
        Some(t) => parse_datetime_at(t, offset)?,
        None => now(offset)?,
    };
    let anchor = match &a.anchor {
        Some(t) => parse_datetime_at(t, offset)?,
        None => after,
    };
    let zone = offset_text(offset);
    let count = usize::try_from(a.count).unwrap_or(usize::MAX);
    let times = exp.firings(after, anchor).take(count);
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    // Each time is written as it is found: `-n` may be huge, and a closed pipe stops the loop.
    if a.json {
        let head = serde_json::json!({
            "expr": exp.to_string(),
            "after": after.to_string(),
            "utc_offset": zone,
        })
        .to_string();
        let open = head.strip_suffix('}').unwrap_or(&head);
        let mut ok = write!(w, "{open},\"next\":[").is_ok();
        for (i, t) in times.enumerate() {
            if !ok {
                break;
            }
            let sep = if i == 0 { "" } else { "," };
            ok = write!(w, "{sep}\"{t}\"").is_ok();
        }
        if ok {
            let _ = line(&mut w, "]}");
        }
    } else {
        let mut any = false;
        for t in times {
            any = true;
            let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
                .get(usize::from(t.weekday()))
                .copied()
                .unwrap_or("?");
            let suffix = if a.utc_offset.is_some() {
                format!(" (UTC{zone})")
            } else {
                String::new()
            };
            if !line(&mut w, &format!("{t} {weekday}{suffix}")) {
                break;
            }
        }
        if !any {
            let _ = line(&mut w, "never fires again");
        }
    }
    let _ = w.flush();
    Ok(ExitCode::SUCCESS)
}
