//! `joylink timer`: evaluate and check `time_exp` expressions (spec chapter 10).

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use clap::Subcommand;
use joylink::timer::{CivilTime, Strictness, TimeExp};

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
    /// The next N firing times of EXPR after a civil time (UTC now by default).
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
    /// How many firing times.
    #[arg(short = 'n', long = "count", default_value_t = 5)]
    pub count: usize,
    /// Accept doubled `_` as in the spec's example 3 (NOTES.md §9).
    #[arg(long)]
    pub lenient: bool,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// `timer check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The expression.
    pub expr: String,
    /// Accept doubled `_` as in the spec's example 3 (NOTES.md §9).
    #[arg(long)]
    pub lenient: bool,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
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

fn now() -> Result<CivilTime> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    CivilTime::from_seconds_since_epoch(i64::try_from(secs).unwrap_or(0))
        .ok_or_else(|| usage("the system clock is outside 1970–9999"))
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
                if a.json {
                    let doc = serde_json::json!({"valid": false, "error": e.to_string()});
                    outln(&doc.to_string());
                }
                crate::errln(&format!("error: invalid expression {:?}: {e}", a.expr));
                Ok(ExitCode::from(1))
            }
        },
        TimerCommand::Next(a) => {
            let exp = TimeExp::parse_with(&a.expr, strictness(a.lenient))
                .map_err(|e| usage(format!("invalid expression {:?}: {e}", a.expr)))?;
            let after = match &a.after {
                Some(t) => parse_datetime(t)?,
                None => now()?,
            };
            let anchor = match &a.anchor {
                Some(t) => parse_datetime(t)?,
                None => after,
            };
            let times: Vec<CivilTime> = exp.firings(after, anchor).take(a.count).collect();
            if a.json {
                let doc = serde_json::json!({
                    "expr": exp.to_string(),
                    "after": after.to_string(),
                    "next": times.iter().map(ToString::to_string).collect::<Vec<_>>(),
                });
                outln(&serde_json::to_string_pretty(&doc)?);
            } else {
                if times.is_empty() {
                    outln("never fires again");
                }
                for t in &times {
                    let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
                        .get(usize::from(t.weekday()))
                        .copied()
                        .unwrap_or("?");
                    outln(&format!("{t} {weekday}"));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
