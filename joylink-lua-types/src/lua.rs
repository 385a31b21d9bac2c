//! A sandboxed Lua 5.3 runner for vendor scripts (feature `lua`, spec 13).
//!
//! [`LuaTranslator`] loads a vendor's script and implements [`Translator`] by calling its
//! `jds2pri` / `pri2jds`. What the script sees:
//!
//! * Lua 5.3 (vendored, no system Lua) with the base, `string`, `table`, `math` and `utf8`
//!   libraries. Not available: `io`, `os`, `package`, `debug`, `coroutine`, `dofile`, `loadfile`,
//!   `load` (a library must not touch files or clocks, and must not load bytecode). `print` writes
//!   to a bounded log ([`LuaTranslator::take_log`]), not to stdout; strings that are not UTF-8
//!   (GBK messages of Chinese vendor scripts) are logged lossily, undecodable bytes as U+FFFD.
//! * `cjson` (spec 13.1, lua-cjson compatible, see [`cjson`]) and `require 'JSON'` /
//!   `require 'cjson'` returning it (the spec's debugging idiom). Its functions also take the
//!   method-call form of JSON.lua, `JSON:decode(s)` / `JSON:encode(t)`, which scripts written
//!   against that library use. `require 'bit32'` returns the `bit32` library. Any other
//!   `require` fails.
//! * Lua 5.1 shims, documented in [`shims::SOURCE`]: `unpack`, `table.getn`, `table.maxn`,
//!   `math.pow`, `math.mod`, `string.gfind`, and `bit32` (`band bor bxor bnot lshift rshift
//!   arshift btest extract`) when the build lacks it.
//!
//! Scripts are loaded as bytes (vendor scripts may be GBK-encoded; Lua does not care), as text
//! only (precompiled chunks are refused).
//!
//! Budget: every call (and the script's top-level code) may execute at most
//! [`Limits::instructions`] VM instructions, counted by a hook every 1 000 instructions, and the
//! whole Lua state may hold at most [`Limits::memory`] bytes. A runaway `while true do end` fails
//! with [`Error::InstructionBudget`]; once the budget is spent the hook keeps raising errors, so a
//! script cannot `pcall` its way past it.
//!
//! Return values (spec 13.2, 13.3): exactly three. A non-zero first value (the error code) is
//! reported as [`Error::ScriptFailed`] whatever follows it (a failing script often returns just
//! `-1`). A `jds2pri` length of 0 (JD's microwave-oven script returns `0, 0, nil` for a control
//! it does not recognise) is [`Jds2Pri::NoCommand`], not an error. Codes, lengths and biz_codes may come back as integers, as floats with an integral value
//! (`24.0`: Lua 5.3 makes `/` return floats where the 5.1 C engine had only doubles), or as
//! numeric strings (the C engine read them with `lua_tointeger`, which converts strings); a
//! fraction (`24.5`) or another type is [`Error::ReturnType`]. `jds2pri`'s bytes are the first
//! `length` bytes of its string (the C engine copies `length` bytes); a length beyond the string is
//! [`Error::LengthMismatch`].

pub mod cjson;
pub mod shims;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::string::{String, ToString};
use std::vec::Vec;

use joylink_session::DropReason;
use joylink_wire::BizCode;
use mlua::chunk::ChunkMode;
use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Value, VmState};

use crate::Translator;
use crate::error::{Error, Result, ScriptFunction};
use crate::translator::{Jds2Pri, Pri2Jds};

/// How often the instruction hook runs.
const HOOK_EVERY: u32 = 1_000;
/// Most `print` lines kept, and most bytes per line.
const LOG_LINES: usize = 64;
const LOG_LINE_BYTES: usize = 256;

/// Resource limits of a [`LuaTranslator`].
///
/// # Examples
/// ```
/// use joylink_lua_types::{Error, Limits, LuaTranslator};
/// use joylink_wire::BizCode;
///
/// let limits = Limits::DEFAULT.with_instructions(100_000).with_memory(2 << 20);
/// assert_eq!((limits.instructions(), limits.memory()), (100_000, 2 << 20));
/// let mut t = LuaTranslator::with_limits(
///     b"function jds2pri(b, c) while true do end end
///       function pri2jds(b, l, s) return 0, '{}', 0 end",
///     limits,
/// )?;
/// // A runaway script is stopped after its budget, and the runner stays usable.
/// assert!(matches!(
///     t.jds2pri(BizCode::Control, "{}"),
///     Err(Error::InstructionBudget { limit: 100_000 })
/// ));
/// assert!(t.pri2jds(BizCode::from(0), b"").is_ok());
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    instructions: u64,
    memory: usize,
}

impl Limits {
    /// 10 million instructions per call (tens of milliseconds) and 16 MiB of Lua memory: far
    /// above what a translation of a few hundred bytes needs.
    pub const DEFAULT: Limits = Limits {
        instructions: 10_000_000,
        memory: 16 << 20,
    };

    /// Sets the instruction budget per call (rounded up to the hook granularity of 1 000).
    #[must_use]
    pub const fn with_instructions(mut self, instructions: u64) -> Self {
        self.instructions = instructions;
        self
    }

    /// Sets the memory limit of the whole Lua state, in bytes.
    #[must_use]
    pub const fn with_memory(mut self, bytes: usize) -> Self {
        self.memory = bytes;
        self
    }

    /// The instruction budget per call.
    pub const fn instructions(&self) -> u64 {
        self.instructions
    }

    /// The memory limit in bytes.
    pub const fn memory(&self) -> usize {
        self.memory
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Instruction accounting shared with the hook.
#[derive(Debug, Default)]
struct Budget {
    used: Cell<u64>,
    limit: Cell<u64>,
    exceeded: Cell<bool>,
}

/// A vendor script run as a [`Translator`] (see the module documentation for the sandbox, the
/// budget and how return values are read).
///
/// Not `Send`: keep one per thread (or behind a mutex of your own).
///
/// # Examples
/// A script in the shape of JD's own: it decodes every input, answers a control it does not
/// recognise with `0, 0, nil`, and `print`s while it works.
/// ```
/// use joylink_lua_types::{Jds2Pri, LuaTranslator, SnapshotResponse};
/// use joylink_wire::BizCode;
///
/// let script = br#"
///     local JSON = require 'JSON'
///     function jds2pri(bizcode, cmd)
///       local tb = JSON:decode(cmd)
///       if bizcode == 1004 then return 0, 1, '?' end
///       for _, s in ipairs(tb.streams or {}) do
///         if s.stream_id == 'power' then
///           local b = string.char(tonumber(s.current_value))
///           return 0, #b, b
///         end
///       end
///       print('no data point for this device')
///       return 0, 0, nil
///     end
///     function pri2jds(bizcode, length, bin)
///       local doc = {code = 0, streams = {{stream_id = 'power', current_value = bin:byte(1)}}}
///       return 0, cjson.encode(doc), bizcode == 1004 and 104 or 0
///     end
/// "#;
/// let mut lamp = LuaTranslator::new(script)?;
/// let on = r#"{"streams":[{"stream_id":"power","current_value":"1"}]}"#;
/// assert_eq!(lamp.jds2pri(BizCode::Control, on)?, Jds2Pri::Command(vec![1]));
/// // A snapshot request is passed as a JSON document, `{}`.
/// assert_eq!(lamp.jds2pri(BizCode::Snapshot, "{}")?.bytes(), Some(&b"?"[..]));
/// let other = r#"{"streams":[{"stream_id":"color","current_value":"red"}]}"#;
/// assert_eq!(lamp.jds2pri(BizCode::Control, other)?, Jds2Pri::NoCommand);
/// assert_eq!(lamp.take_log(), ["no data point for this device"]);
///
/// let out = lamp.pri2jds(BizCode::Snapshot, &[1])?;
/// assert_eq!(out.biz_code, BizCode::SnapshotResponse);
/// let doc: SnapshotResponse<'_> = serde_json::from_slice(&out.json)?;
/// assert_eq!(doc.streams[0].current_value.as_i64(), Some(1));
/// # Ok::<(), joylink_lua_types::Error>(())
/// ```
pub struct LuaTranslator {
    lua: Lua,
    limits: Limits,
    budget: Rc<Budget>,
    log: Rc<RefCell<Vec<String>>>,
}

impl core::fmt::Debug for LuaTranslator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LuaTranslator")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl LuaTranslator {
    /// Loads `script` (Lua source, any encoding) with [`Limits::DEFAULT`] and runs its top-level
    /// code.
    ///
    /// # Examples
    /// ```
    /// use joylink_lua_types::{Error, LuaTranslator};
    /// // A vendor script that forgot pri2jds.
    /// assert!(matches!(
    ///     LuaTranslator::new(b"function jds2pri(b, c) return 0, 0, nil end"),
    ///     Err(Error::MissingFunction("pri2jds"))
    /// ));
    /// // Precompiled chunks are refused.
    /// assert!(matches!(LuaTranslator::new(b"\x1bLuaS"), Err(Error::Load(_))));
    /// ```
    ///
    /// # Errors
    /// [`Error::Load`] for a syntax error or a precompiled chunk; [`Error::Runtime`],
    /// [`Error::InstructionBudget`] or [`Error::MemoryLimit`] when the top-level code fails;
    /// [`Error::MissingFunction`] when `jds2pri` or `pri2jds` is not defined.
    pub fn new(script: &[u8]) -> Result<Self> {
        Self::with_limits(script, Limits::DEFAULT)
    }

    /// As [`LuaTranslator::new`] with explicit limits.
    ///
    /// # Errors
    /// As for [`LuaTranslator::new`].
    pub fn with_limits(script: &[u8], limits: Limits) -> Result<Self> {
        let lua = Lua::new_with(
            StdLib::STRING | StdLib::TABLE | StdLib::MATH | StdLib::UTF8,
            LuaOptions::new(),
        )
        .map_err(|e| Error::Load(e.to_string()))?;
        let budget = Rc::new(Budget::default());
        let log = Rc::new(RefCell::new(Vec::new()));
        let this = LuaTranslator {
            lua,
            limits,
            budget,
            log,
        };
        this.install().map_err(|e| Error::Load(e.to_string()))?;
        this.lua
            .set_memory_limit(limits.memory)
            .map_err(|e| Error::Load(e.to_string()))?;
        let chunk = this
            .lua
            .load(script)
            .set_name("=script")
            .set_mode(ChunkMode::Text);
        let func = chunk.into_function().map_err(|e| match e {
            mlua::Error::MemoryError(_) => Error::MemoryLimit {
                limit: limits.memory,
            },
            e => Error::Load(e.to_string()),
        })?;
        this.run(None, || func.call::<()>(()))?;
        for name in ["jds2pri", "pri2jds"] {
            match this.lua.globals().raw_get::<Value>(name) {
                Ok(Value::Function(_)) => {}
                _ => {
                    return Err(Error::MissingFunction(if name == "jds2pri" {
                        "jds2pri"
                    } else {
                        "pri2jds"
                    }));
                }
            }
        }
        Ok(this)
    }

    /// The limits this runner enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Bytes the Lua state currently holds.
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Instructions the last call executed (in steps of 1 000).
    pub fn last_instructions(&self) -> u64 {
        self.budget.used.get()
    }

    /// Takes the lines the script has `print`ed so far (at most 64 kept, 256 bytes each; older
    /// lines are dropped first). Arguments are separated by a tab; strings that are not UTF-8
    /// (GBK) are decoded lossily, each undecodable sequence becoming U+FFFD.
    ///
    /// # Examples
    /// ```
    /// use joylink_lua_types::{Jds2Pri, LuaTranslator};
    /// use joylink_wire::BizCode;
    /// // "ok" in GBK is plain ASCII; "控制" (BF D8 D6 C6) is not UTF-8.
    /// let mut t = LuaTranslator::new(
    ///     b"function jds2pri(b, c) print('ok', b, '\xbf\xd8\xd6\xc6') return 0, 0, nil end
    ///       function pri2jds(b, l, s) return 0, '{}', 0 end",
    /// )?;
    /// assert_eq!(t.jds2pri(BizCode::Control, "{}")?, Jds2Pri::NoCommand);
    /// let log = t.take_log();
    /// assert!(log[0].starts_with("ok\t1002\t\u{FFFD}"), "{log:?}");
    /// assert!(t.take_log().is_empty());
    /// # Ok::<(), joylink_lua_types::Error>(())
    /// ```
    pub fn take_log(&mut self) -> Vec<String> {
        core::mem::take(&mut *self.log.borrow_mut())
    }

    /// Installs cjson, require, print, the shims and the budget hook.
    fn install(&self) -> mlua::Result<()> {
        let lua = &self.lua;
        let globals = lua.globals();
        let cjson = cjson::create(lua)?;
        globals.set("cjson", cjson.clone())?;
        let log = Rc::clone(&self.log);
        globals.set(
            "print",
            lua.create_function(move |_, args: MultiValue| {
                let mut line = String::new();
                for (i, v) in args.iter().enumerate() {
                    if i > 0 {
                        line.push('\t');
                    }
                    match v {
                        // GBK text (or binary) is not UTF-8: log it lossily (U+FFFD for what
                        // does not decode) rather than not at all.
                        Value::String(s) => line.push_str(&s.to_string_lossy()),
                        v => line.push_str(&v.to_string().unwrap_or_else(|_| v.type_name().into())),
                    }
                }
                let mut end = line.len().min(LOG_LINE_BYTES);
                while !line.is_char_boundary(end) {
                    end = end.saturating_sub(1);
                }
                line.truncate(end);
                let mut log = log.borrow_mut();
                if log.len() >= LOG_LINES {
                    log.remove(0);
                }
                log.push(line);
                Ok(())
            })?,
        )?;
        for name in ["dofile", "loadfile", "load", "loadstring"] {
            globals.raw_set(name, Value::Nil)?;
        }
        lua.load(shims::SOURCE)
            .set_name("=shims")
            .set_mode(ChunkMode::Text)
            .exec()?;
        // `require` knows the modules a vendor script may ask for, all built in: the JSON
        // library under its usual names, and `bit32` (the library itself, or the shim).
        let bit32: Value = globals.get("bit32")?;
        globals.set(
            "require",
            lua.create_function(move |_, name: String| match name.as_str() {
                "JSON" | "cjson" | "cjson.safe" => Ok(Value::Table(cjson.clone())),
                "bit32" => Ok(bit32.clone()),
                other => Err(mlua::Error::runtime(format!(
                    "module '{other}' not found (only 'JSON', 'cjson' and 'bit32' are available)"
                ))),
            })?,
        )?;
        // Once the budget is spent, `pcall`/`xpcall` re-raise instead of returning: the hook's
        // error would otherwise be caught and a `while true do pcall(f) end` loop would never end.
        let budget = Rc::clone(&self.budget);
        let check = lua.create_function(move |_, results: MultiValue| {
            if budget.exceeded.get() {
                Err(mlua::Error::runtime("instruction budget exceeded"))
            } else {
                Ok(results)
            }
        })?;
        lua.load(
            "local check, raw_pcall, raw_xpcall = ...
             pcall = function(...) return check(raw_pcall(...)) end
             xpcall = function(...) return check(raw_xpcall(...)) end",
        )
        .set_name("=budget")
        .set_mode(ChunkMode::Text)
        .call::<()>((
            check,
            globals.get::<Value>("pcall")?,
            globals.get::<Value>("xpcall")?,
        ))?;
        let budget = Rc::clone(&self.budget);
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(HOOK_EVERY),
            move |_, _| {
                let used = budget.used.get().saturating_add(u64::from(HOOK_EVERY));
                budget.used.set(used);
                if used > budget.limit.get() {
                    budget.exceeded.set(true);
                    return Err(mlua::Error::runtime("instruction budget exceeded"));
                }
                Ok(VmState::Continue)
            },
        )
    }

    /// Runs `f` under a fresh instruction budget and maps its error.
    fn run<T>(
        &self,
        direction: Option<ScriptFunction>,
        f: impl FnOnce() -> mlua::Result<T>,
    ) -> Result<T> {
        self.budget.used.set(0);
        self.budget.limit.set(self.limits.instructions);
        self.budget.exceeded.set(false);
        let result = f();
        if self.budget.exceeded.get() {
            return Err(Error::InstructionBudget {
                limit: self.limits.instructions,
            });
        }
        result.map_err(|e| self.classify(direction, e))
    }

    fn classify(&self, direction: Option<ScriptFunction>, e: mlua::Error) -> Error {
        match e {
            mlua::Error::MemoryError(_) => Error::MemoryLimit {
                limit: self.limits.memory,
            },
            mlua::Error::CallbackError { cause, .. } => self.classify(direction, (*cause).clone()),
            mlua::Error::WithContext { cause, .. } => self.classify(direction, (*cause).clone()),
            mlua::Error::SyntaxError { message, .. } => Error::Load(message),
            // lauxlib reports a failed buffer allocation (string.rep, table.concat) as a plain
            // runtime error.
            mlua::Error::RuntimeError(message) if message.contains("not enough memory") => {
                Error::MemoryLimit {
                    limit: self.limits.memory,
                }
            }
            mlua::Error::RuntimeError(message) => Error::Runtime { direction, message },
            other => Error::Runtime {
                direction,
                message: other.to_string(),
            },
        }
    }

    fn function(&self, direction: ScriptFunction) -> Result<Function> {
        match self
            .lua
            .globals()
            .raw_get::<Value>(direction.function_name())
        {
            Ok(Value::Function(f)) => Ok(f),
            _ => Err(Error::MissingFunction(direction.function_name())),
        }
    }

    /// Calls `direction`'s function and checks the error code and the count of results.
    fn call(&self, direction: ScriptFunction, args: MultiValue) -> Result<Vec<Value>> {
        let func = self.function(direction)?;
        let values: Vec<Value> = self
            .run(Some(direction), || func.call::<MultiValue>(args))?
            .into_iter()
            .collect();
        let code = match values.first() {
            None => return Err(Error::ReturnCount { direction, got: 0 }),
            Some(v) => integer(direction, 1, "code", v)?,
        };
        if code != 0 {
            return Err(Error::ScriptFailed { direction, code });
        }
        if values.len() != 3 {
            return Err(Error::ReturnCount {
                direction,
                got: values.len(),
            });
        }
        Ok(values)
    }

    fn biz_arg(biz_code: BizCode) -> Value {
        Value::Integer(i64::from(biz_code.value()))
    }
}

/// The script's own functions, with owned results and the runner's detailed [`Error`]; the
/// [`Translator`] implementation below writes the same results into a caller's buffer.
impl LuaTranslator {
    /// Calls the script's `jds2pri(bizcode, cmd)`: JD standard JSON -> private bytes (spec 13.2).
    ///
    /// `biz_code` says what `cmd` is (1002 control, 1004 snapshot, 1050 recipe, ..., spec 3.7).
    /// `cmd` is always a JSON document: a snapshot request, which has no body (spec 13.4.3), is
    /// passed as `{}` (what [`SnapshotRequest`](crate::SnapshotRequest) serializes to) or as the
    /// request's body as received, never as an empty string, because real vendor scripts
    /// `cjson.decode` every input whatever its biz_code. Bytes, not only `&str`: a GBK script
    /// may be handed GBK text.
    ///
    /// # Errors
    /// [`Error::ScriptFailed`] for a non-zero code, [`Error::ReturnCount`],
    /// [`Error::ReturnType`], [`Error::LengthMismatch`] for results that break the contract, and
    /// the runner's limits and runtime errors.
    pub fn jds2pri(&mut self, biz_code: BizCode, cmd: impl AsRef<[u8]>) -> Result<Jds2Pri> {
        let d = ScriptFunction::Jds2Pri;
        let cmd = self
            .lua
            .create_string(cmd.as_ref())
            .map_err(|e| self.classify(Some(d), e))?;
        let values = self.call(
            d,
            MultiValue::from_iter([Self::biz_arg(biz_code), Value::String(cmd)]),
        )?;
        let (len, bytes) = match values.as_slice() {
            [_, len, bytes] => (len, bytes),
            _ => {
                return Err(Error::ReturnCount {
                    direction: d,
                    got: values.len(),
                });
            }
        };
        let declared = integer(d, 2, "length", len)?;
        let declared = usize::try_from(declared).map_err(|_| Error::ReturnType {
            direction: d,
            index: 2,
            name: "length",
            expected: "a non-negative integer",
            got: declared.to_string(),
        })?;
        let bytes = match bytes {
            Value::String(s) => s.as_bytes().to_vec(),
            // `0, 0, nil`: nothing to send (JD's microwave-oven script, for a control it does
            // not recognise).
            Value::Nil if declared == 0 => return Ok(Jds2Pri::NoCommand),
            other => {
                return Err(Error::ReturnType {
                    direction: d,
                    index: 3,
                    name: "bytes",
                    expected: "a string (or nil with length 0)",
                    got: other.type_name().into(),
                });
            }
        };
        match bytes.get(..declared) {
            Some([]) => Ok(Jds2Pri::NoCommand),
            Some(prefix) => Ok(Jds2Pri::Command(prefix.to_vec())),
            None => Err(Error::LengthMismatch {
                declared,
                actual: bytes.len(),
            }),
        }
    }

    /// Calls the script's `pri2jds(bizcode, length, bin)`: private bytes -> JD standard JSON
    /// (spec 13.3).
    ///
    /// `biz_code` is the request's code when the bytes answer one, or `BizCode::from(0)` when
    /// the caller cannot tell (spontaneous upload; "无法确定 bizcode 的产品，bizcode 可填入 0").
    ///
    /// # Errors
    /// As [`LuaTranslator::jds2pri`].
    pub fn pri2jds(&mut self, biz_code: BizCode, bin: &[u8]) -> Result<Pri2Jds> {
        let d = ScriptFunction::Pri2Jds;
        let s = self
            .lua
            .create_string(bin)
            .map_err(|e| self.classify(Some(d), e))?;
        let len = i64::try_from(bin.len()).unwrap_or(i64::MAX);
        let values = self.call(
            d,
            MultiValue::from_iter([
                Self::biz_arg(biz_code),
                Value::Integer(len),
                Value::String(s),
            ]),
        )?;
        let (json, biz) = match values.as_slice() {
            [_, json, biz] => (json, biz),
            _ => {
                return Err(Error::ReturnCount {
                    direction: d,
                    got: values.len(),
                });
            }
        };
        let json = match json {
            Value::String(s) => s.as_bytes().to_vec(),
            other => {
                return Err(Error::ReturnType {
                    direction: d,
                    index: 2,
                    name: "json",
                    expected: "a string",
                    got: other.type_name().into(),
                });
            }
        };
        let biz = integer(d, 3, "bizcode", biz)?;
        let biz = u32::try_from(biz).map_err(|_| Error::ReturnType {
            direction: d,
            index: 3,
            name: "bizcode",
            expected: "an integer in 0..=4294967295",
            got: biz.to_string(),
        })?;
        Ok(Pri2Jds {
            json,
            biz_code: BizCode::from(biz),
        })
    }
}

/// Copies `bytes` into `out`, or [`joylink_session::Error::Capacity`] when it does not fit.
fn put(out: &mut [u8], bytes: &[u8]) -> joylink_session::Result<usize> {
    out.get_mut(..bytes.len())
        .ok_or(joylink_session::Error::Capacity)?
        .copy_from_slice(bytes);
    Ok(bytes.len())
}

/// The script as the workspace's one translator contract (e.g. behind a device machine's
/// `handle_translated`). The session error has no room for the runner's detail: every script
/// failure is [`joylink_session::Error::Dropped`] with [`DropReason::Untranslatable`]; call [`LuaTranslator::jds2pri`] /
/// [`LuaTranslator::pri2jds`] directly for the detailed [`Error`].
impl Translator for LuaTranslator {
    fn jds2pri(
        &mut self,
        biz_code: BizCode,
        cmd: &[u8],
        out: &mut [u8],
    ) -> joylink_session::Result<usize> {
        match LuaTranslator::jds2pri(self, biz_code, cmd)
            .map_err(|_| joylink_session::Error::Dropped(DropReason::Untranslatable))?
        {
            Jds2Pri::Command(bytes) => put(out, &bytes),
            Jds2Pri::NoCommand => Ok(0),
        }
    }

    fn pri2jds(
        &mut self,
        biz_code: BizCode,
        bin: &[u8],
        out: &mut [u8],
    ) -> joylink_session::Result<(usize, BizCode)> {
        let doc = LuaTranslator::pri2jds(self, biz_code, bin)
            .map_err(|_| joylink_session::Error::Dropped(DropReason::Untranslatable))?;
        Ok((put(out, &doc.json)?, doc.biz_code))
    }
}

/// Reads a code/length/biz_code the way the C engine's `lua_tointeger` would, minus its silent
/// truncation: integers, integral floats (`24.0`) and numeric strings are accepted.
fn integer(direction: ScriptFunction, index: usize, name: &'static str, v: &Value) -> Result<i64> {
    let bad = |got: String| Error::ReturnType {
        direction,
        index,
        name,
        expected: "an integer",
        got,
    };
    let from_float = |f: f64| {
        // 2^63 is exactly representable; the range check keeps `as` from saturating.
        if f.fract() == 0.0
            && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f)
        {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "integral and in range, checked above"
            )]
            Ok(f as i64)
        } else {
            Err(bad(cjson::format_g14(f).unwrap_or_else(|_| f.to_string())))
        }
    };
    match v {
        Value::Integer(i) => Ok(*i),
        Value::Number(f) => from_float(*f),
        Value::String(s) => {
            let text = s.to_string_lossy();
            let t = text.trim();
            if let Ok(i) = t.parse::<i64>() {
                Ok(i)
            } else if let Ok(f) = t.parse::<f64>() {
                from_float(f)
            } else {
                Err(bad(format!("string {t:?}")))
            }
        }
        other => Err(bad(other.type_name().into())),
    }
}
