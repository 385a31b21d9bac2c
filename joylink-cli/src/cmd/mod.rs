//! One module per subcommand.

pub mod decode;
pub mod demo;
pub mod dissect;
pub mod ecdh;
pub mod encode;
pub mod keygen;
pub mod timer;

use clap::ValueEnum;
use joylink::wire::Direction;

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
