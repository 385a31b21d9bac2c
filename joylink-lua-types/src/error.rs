//! The crate's one error type.

use std::string::String;

/// Which of the two script entry points an error came from (spec 13.2, 13.3).
///
/// Not a second [`joylink_wire::Direction`]: that one says which way a *packet* travels, this
/// one names a *Lua function*. Each function serves one packet direction, which
/// [`ScriptFunction::direction`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptFunction {
    /// `jds2pri`: JD standard JSON → device private bytes (spec 13.2).
    Jds2Pri,
    /// `pri2jds`: device private bytes → JD standard JSON (spec 13.3).
    Pri2Jds,
}

impl ScriptFunction {
    /// The Lua function name the spec gives this entry point.
    pub const fn function_name(self) -> &'static str {
        match self {
            ScriptFunction::Jds2Pri => "jds2pri",
            ScriptFunction::Pri2Jds => "pri2jds",
        }
    }

    /// The packet direction whose body the function produces: `jds2pri` writes the command a
    /// device receives, `pri2jds` the JSON a device's answer or report becomes.
    pub const fn direction(self) -> joylink_wire::Direction {
        match self {
            ScriptFunction::Jds2Pri => joylink_wire::Direction::ToDevice,
            ScriptFunction::Pri2Jds => joylink_wire::Direction::FromDevice,
        }
    }
}

impl core::fmt::Display for ScriptFunction {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.function_name())
    }
}

/// Errors of the JSON documents and the Lua runner (its own `jds2pri`/`pri2jds`).
///
/// This crate is `std`, so variants may carry owned text (a Lua error message); the variants that
/// describe the script's *results* carry the numbers the caller needs to log why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A document is not valid JSON, has the wrong shape, or misses a required field (serde_json's
    /// message names the field: "missing field `stream_id`").
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// One of wire's JSON documents (or values) is malformed: [`joylink_wire::Error::Json`]
    /// names it with the line and column.
    #[error(transparent)]
    Wire(#[from] joylink_wire::Error),
    /// The script (or a Rust translator) reported failure: its first return value was not 0
    /// (spec 13.2/13.3: `0: success; -1: fail`).
    #[error("{direction} returned error code {code}")]
    ScriptFailed {
        /// Which function failed.
        direction: ScriptFunction,
        /// The code it returned (non-zero).
        code: i64,
    },
    /// The function did not return exactly three values (spec 13.2/13.3).
    #[error("{direction} must return 3 values (code, ...), it returned {got}")]
    ReturnCount {
        /// Which function.
        direction: ScriptFunction,
        /// How many values it returned.
        got: usize,
    },
    /// A return value has the wrong type, or a number is not an integer / out of range.
    #[error("{direction} return value #{index} ({name}): expected {expected}, got {got}")]
    ReturnType {
        /// Which function.
        direction: ScriptFunction,
        /// 1-based position of the value.
        index: usize,
        /// What the value means ("code", "length", "bytes", "json", "bizcode").
        name: &'static str,
        /// What was expected.
        expected: &'static str,
        /// What came back (a Lua type name or the offending number).
        got: String,
    },
    /// `jds2pri` returned a length larger than the byte string it returned.
    #[error("jds2pri returned length {declared} but only {actual} bytes")]
    LengthMismatch {
        /// The length the script declared (second return value).
        declared: usize,
        /// The length of the byte string (third return value).
        actual: usize,
    },
    /// The script does not define the function the spec requires.
    #[error("script does not define function {0}")]
    MissingFunction(&'static str),
    /// The script failed to compile (syntax error, or a precompiled chunk, which is refused).
    #[error("script failed to load: {0}")]
    Load(String),
    /// The script raised a Lua error while running.
    #[error("{} raised an error: {message}", OptDirection(direction))]
    Runtime {
        /// Which function.
        direction: Option<ScriptFunction>,
        /// Lua's message (with traceback when Lua gave one).
        message: String,
    },
    /// The script ran longer than its instruction budget (a runaway loop).
    #[error("script exceeded its budget of {limit} Lua instructions")]
    InstructionBudget {
        /// The budget, in VM instructions.
        limit: u64,
    },
    /// The script tried to allocate more than its memory limit.
    #[error("script exceeded its memory limit of {limit} bytes")]
    MemoryLimit {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A translator does not handle this biz_code.
    #[error("biz_code {0} not supported by this translator")]
    UnsupportedBizCode(u32),
    /// The private bytes are not a message this translator understands.
    #[error("malformed private frame: {0}")]
    MalformedFrame(&'static str),
}

impl core::fmt::Display for OptDirection<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(d) => core::fmt::Display::fmt(d, f),
            None => f.write_str("script"),
        }
    }
}

/// Display helper for `Option<ScriptFunction>`.
pub(crate) struct OptDirection<'a>(pub(crate) &'a Option<ScriptFunction>);

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::ScriptFunction;
    use joylink_wire::Direction;

    #[test]
    fn each_script_function_serves_one_packet_direction() {
        assert_eq!(ScriptFunction::Jds2Pri.direction(), Direction::ToDevice);
        assert_eq!(ScriptFunction::Pri2Jds.direction(), Direction::FromDevice);
        assert_eq!(ScriptFunction::Jds2Pri.to_string(), "jds2pri");
        assert_eq!(ScriptFunction::Pri2Jds.to_string(), "pri2jds");
    }
}
