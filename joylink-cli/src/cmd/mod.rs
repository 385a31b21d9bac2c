//! One module per subcommand.

pub mod cloud;
pub mod decode;
pub mod demo;
pub mod dissect;
pub mod ecdh;
pub mod encode;
pub mod fleet;
pub mod keygen;
pub mod timer;

use clap::ValueEnum;
use joylink::wire::Direction;

/// The tokio runtime of `cloud --workers W` and `fleet --workers W`: `0` runs every connection
/// on the calling thread (`current_thread`), `W` on `W` worker threads, none one per core.
///
/// # Errors
/// The runtime cannot start (no threads, no epoll).
pub fn runtime(workers: Option<usize>) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match workers {
        Some(0) => tokio::runtime::Builder::new_current_thread(),
        Some(w) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(w);
            b
        }
        None => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all().build()
}

/// `--direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    /// App → device (LAN) or cloud → device (WAN).
    ToDevice,
    /// Device → app (LAN) or device → cloud (WAN).
    FromDevice,
}

impl From<DirectionArg> for Direction {
    fn from(d: DirectionArg) -> Self {
        match d {
            DirectionArg::ToDevice => Direction::ToDevice,
            DirectionArg::FromDevice => Direction::FromDevice,
        }
    }
}

/// The `--ladder[=svg FILE]` options of `demo` and `dissect`.
#[derive(Debug, Clone, clap::Args)]
pub struct LadderArgs {
    /// Draw the exchange as a ladder (sequence) diagram, one column per party (per IP address
    /// for a capture), within 100 columns: `--ladder` alone prints only the diagram,
    /// `--ladder svg FILE` (or `--ladder=svg FILE`) writes it as an SVG file.
    #[arg(long, num_args = 0..=1, require_equals = true, value_name = "svg")]
    pub ladder: Option<Vec<String>>,
    /// The SVG file of `--ladder=svg FILE`.
    #[arg(hide = true, value_name = "SVG_FILE")]
    pub ladder_file: Option<std::path::PathBuf>,
}

impl LadderArgs {
    /// What was asked for.
    ///
    /// # Errors
    /// A usage error for a malformed `--ladder` (see [`parse_ladder`]).
    pub fn parse(&self) -> anyhow::Result<Option<LadderArg>> {
        parse_ladder(self.ladder.as_deref(), self.ladder_file.as_deref())
    }
}

/// Draws `ladder` as `arg` asks: on stdout (after a blank line when `gap`), or into an SVG file.
///
/// # Errors
/// When the SVG file cannot be written.
pub fn draw_ladder(
    arg: Option<LadderArg>,
    ladder: &crate::ladder::Ladder,
    gap: bool,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    match arg {
        Some(LadderArg::Terminal) => {
            if gap {
                crate::outln("");
            }
            crate::out(&ladder.to_text());
        }
        Some(LadderArg::Svg(path)) => {
            std::fs::write(&path, ladder.to_svg())
                .with_context(|| format!("writing {}", path.display()))?;
            crate::errln(&format!("ladder written to {}", path.display()));
        }
        None => {}
    }
    Ok(())
}

/// `--ladder` / `--ladder=svg FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LadderArg {
    /// Draw in the terminal.
    Terminal,
    /// Write an SVG file.
    Svg(std::path::PathBuf),
}

/// Parses the `--ladder` values: none (terminal), `text`, or `svg FILE` / `svg=FILE`.
///
/// # Errors
/// A usage error for anything else.
pub fn parse_ladder(
    values: Option<&[String]>,
    trailing: Option<&std::path::Path>,
) -> anyhow::Result<Option<LadderArg>> {
    let Some(values) = values else {
        if trailing.is_some() {
            return Err(crate::usage("unexpected extra argument"));
        }
        return Ok(None);
    };
    // `--ladder=svg FILE`: clap binds `svg` to the option and leaves FILE as a positional.
    if let ([kind], Some(file)) = (values, trailing)
        && kind == "svg"
    {
        return Ok(Some(LadderArg::Svg(file.to_path_buf())));
    }
    if trailing.is_some() {
        return Err(crate::usage("unexpected extra argument"));
    }
    match values {
        [] => Ok(Some(LadderArg::Terminal)),
        [one] if one == "text" || one == "terminal" => Ok(Some(LadderArg::Terminal)),
        [one] if one.starts_with("svg=") => {
            Ok(Some(LadderArg::Svg(one.trim_start_matches("svg=").into())))
        }
        [kind, file] if kind == "svg" => Ok(Some(LadderArg::Svg(file.into()))),
        _ => Err(crate::usage(
            "--ladder takes no value (terminal), or `svg FILE` (e.g. --ladder=svg out.svg)",
        )),
    }
}
