//! Timer tasks (spec 10); the layout choices are documented on [`Task`].

use crate::codec::{Item, List, Reader, Writer, add, count_i32, read_count};
use crate::error::{Error, Result};
use crate::time_exp::{Strictness, TimeExp};

/// Size of `feedid` (spec 10).
pub const FEED_ID_LEN: usize = 32;
/// Size of `name` (spec 10).
pub const NAME_LEN: usize = 128;
/// Size of `period` in a period task (spec 10).
pub const PERIOD_LEN: usize = 31;
/// Largest `time_exp_t.len` this crate reads or writes (C `char`, possibly signed).
pub const MAX_EXP_LEN: usize = 127;

/// A fixed-size, NUL-padded text field as it was read (before the first NUL), or as it will be
/// written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Text<'a>(pub &'a [u8]);

impl<'a> Text<'a> {
    /// The text's bytes (without padding).
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The text as UTF-8.
    ///
    /// # Errors
    /// [`Error::NotUtf8`] when the bytes are not UTF-8 (`field` is only used in the error).
    pub fn to_str(&self) -> Result<&'a str> {
        core::str::from_utf8(self.0).map_err(|_| Error::NotUtf8 { field: "text" })
    }

    pub(crate) fn read_fixed<const N: usize>(r: &mut Reader<'a>) -> Result<Text<'a>> {
        let raw = r.take(N)?;
        let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
        Ok(Text(raw.get(..end).unwrap_or(raw)))
    }

    pub(crate) fn check_fixed<const N: usize>(&self, field: &'static str) -> Result<()> {
        if self.0.len() > N {
            return Err(Error::TooLong {
                field,
                len: self.0.len(),
                max: N,
            });
        }
        if self.0.contains(&0) {
            return Err(Error::NulInText { field });
        }
        Ok(())
    }

    pub(crate) fn write_fixed<const N: usize>(&self, w: &mut Writer<'_>) {
        w.put(self.0);
        w.zeros(N.saturating_sub(self.0.len()));
    }
}

/// The `time_exp_t` of a task: its text, kept as bytes (parse it with [`ExpText::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ExpText<'a>(pub &'a [u8]);

impl<'a> ExpText<'a> {
    /// Parses the text strictly.
    ///
    /// # Errors
    /// As [`TimeExp::parse_bytes`].
    pub fn parse(&self) -> Result<TimeExp> {
        TimeExp::parse_bytes(self.0)
    }

    /// Parses the text with the given [`Strictness`].
    ///
    /// # Errors
    /// As [`TimeExp::parse_bytes_with`].
    pub fn parse_with(&self, strictness: Strictness) -> Result<TimeExp> {
        TimeExp::parse_bytes_with(self.0, strictness)
    }

    fn read(r: &mut Reader<'a>) -> Result<ExpText<'a>> {
        let len = r.u8()?;
        if usize::from(len) > MAX_EXP_LEN {
            return Err(Error::BadLength {
                field: "time_exp_t.len",
                value: i64::from(len),
            });
        }
        Ok(ExpText(r.take(usize::from(len))?))
    }

    fn encoded_len(&self) -> Result<usize> {
        if self.0.len() > MAX_EXP_LEN {
            return Err(Error::TooLong {
                field: "time_exp_t",
                len: self.0.len(),
                max: MAX_EXP_LEN,
            });
        }
        Ok(self.0.len().saturating_add(1))
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.u8(u8::try_from(self.0.len()).unwrap_or(0));
        w.put(self.0);
    }
}

/// One `cmd_t`: a device command in binary form (produced by the product's Lua script).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Cmd<'a>(pub &'a [u8]);

impl<'a> Item<'a> for Cmd<'a> {
    fn read(r: &mut Reader<'a>, _: TaskForm) -> Result<Cmd<'a>> {
        let n = r.i32()?;
        let len = usize::try_from(n).map_err(|_| Error::BadLength {
            field: "cmd_t.len",
            value: i64::from(n),
        })?;
        Ok(Cmd(r.take(len)?))
    }
    fn encoded_len(&self, _: TaskForm) -> Result<usize> {
        count_i32("cmd_t.len", self.0.len())?;
        add(4, self.0.len())
    }
    fn write(&self, w: &mut Writer<'_>, _: TaskForm) {
        w.i32(i32::try_from(self.0.len()).unwrap_or(0));
        w.put(self.0);
    }
}

/// A `cmd_trank_t`: the commands a task step sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmdTrank<'a> {
    /// The commands (`num` of them, at most 255).
    pub cmds: List<'a, Cmd<'a>>,
}

impl<'a> CmdTrank<'a> {
    /// Commands from a caller's slice.
    #[must_use]
    pub const fn new(cmds: &'a [Cmd<'a>]) -> CmdTrank<'a> {
        CmdTrank {
            cmds: List::from_slice(cmds),
        }
    }

    fn read(r: &mut Reader<'a>) -> Result<CmdTrank<'a>> {
        let n = r.i32()?;
        let len = usize::try_from(n).map_err(|_| Error::BadLength {
            field: "cmd_trank_t.len",
            value: i64::from(n),
        })?;
        let num = r.u8()?;
        let mut inner = Reader::new(r.take(len)?);
        let cmds = List::read(&mut inner, usize::from(num), TaskForm::Full)?;
        if inner.remaining() != 0 {
            return Err(Error::BadLength {
                field: "cmd_trank_t.len",
                value: i64::from(n),
            });
        }
        Ok(CmdTrank { cmds })
    }

    fn encoded_len(&self) -> Result<usize> {
        if self.cmds.len() > usize::from(u8::MAX) {
            return Err(Error::TooLong {
                field: "cmd_trank_t.num",
                len: self.cmds.len(),
                max: usize::from(u8::MAX),
            });
        }
        let body = self.cmds.encoded_len(TaskForm::Full)?;
        count_i32("cmd_trank_t.len", body)?;
        add(5, body)
    }

    fn write(&self, w: &mut Writer<'_>) {
        let body = self.cmds.encoded_len(TaskForm::Full).unwrap_or(0);
        w.i32(i32::try_from(body).unwrap_or(0));
        w.u8(u8::try_from(self.cmds.len()).unwrap_or(0));
        self.cmds.write(w, TaskForm::Full);
    }
}

macro_rules! byte_code {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $n:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $v,)+
            /// A value the spec does not define (kept so that it round-trips).
            Unknown(u8),
        }
        impl From<u8> for $name {
            fn from(n: u8) -> $name {
                match n {
                    $($n => $name::$v,)+
                    other => $name::Unknown(other),
                }
            }
        }
        impl From<$name> for u8 {
            fn from(c: $name) -> u8 {
                match c {
                    $($name::$v => $n,)+
                    $name::Unknown(n) => n,
                }
            }
        }
    };
}

byte_code! {
    /// `state` of a task (spec 10: "0: 停止 1: 开始"; the SDK's comment has them the other way
    /// round, nothing depends on it — we follow the spec, NOTES.md §9).
    TaskState { /// 0: stopped.
    Stopped = 0, /// 1: started.
    Started = 1 }
}

byte_code! {
    /// `type` of a task: who set it (spec 10).
    TaskSource { /// 0: set by the user (APP/cloud).
    User = 0, /// 1: set with the remote control.
    Remote = 1, /// 2: set on the control panel.
    Panel = 2 }
}

/// The `feedid` and `name` that start each task of the full form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Label<'a> {
    /// `feedid[32]`.
    #[doc(alias = "feedid")]
    pub feed_id: Text<'a>,
    /// `name[128]`.
    pub name: Text<'a>,
}

/// Fields every task kind has after the label: `id`, `state`, `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskHead {
    /// `id`, assigned by the cloud (0 while a device-created task has none, spec 10.9).
    pub id: i32,
    /// `state`.
    pub state: TaskState,
    /// `type`.
    #[doc(alias = "type")]
    pub source: TaskSource,
}

impl TaskHead {
    fn read(r: &mut Reader<'_>) -> Result<TaskHead> {
        Ok(TaskHead {
            id: r.i32()?,
            state: r.u8()?.into(),
            source: r.u8()?.into(),
        })
    }
    fn write(&self, w: &mut Writer<'_>) {
        w.i32(self.id);
        w.u8(self.state.into());
        w.u8(self.source.into());
    }
}

/// `base_task_t` (mode 0): run `cmds` whenever `exp` fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseTask<'a> {
    /// `id`, `state`, `type`.
    pub head: TaskHead,
    /// `exp`.
    pub exp: ExpText<'a>,
    /// `c_trank`.
    pub cmds: CmdTrank<'a>,
}

/// `period_task_t` (mode 1): run `start_cmds` at `start_exp` and `stop_cmds` at `stop_exp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodTask<'a> {
    /// `id`, `state`, `type`.
    pub head: TaskHead,
    /// `start_exp`.
    pub start_exp: ExpText<'a>,
    /// `stop_exp`.
    pub stop_exp: ExpText<'a>,
    /// `repeat_flag`: 0 once, 1 repeat.
    pub repeat_flag: u8,
    /// `period_type`: 0 week, 1 month.
    pub period_type: u8,
    /// `period[31]`: per day, 0 = not on this day, 1 = on this day; for a week only 0–6 count.
    pub period: [u8; PERIOD_LEN],
    /// `start_cmd_trank`.
    pub start_cmds: CmdTrank<'a>,
    /// `stop_cmd_trank`.
    pub stop_cmds: CmdTrank<'a>,
}

/// `cycle_task_t` (mode 2): alternate `action_cmds` and `sleep_cmds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CycleTask<'a> {
    /// `id`, `state`, `type`.
    pub head: TaskHead,
    /// `action_interval`: how long the action lasts.
    pub action_interval: i32,
    /// `sleep_interval`: how long the pause lasts.
    pub sleep_interval: i32,
    /// `times`: number of cycles.
    pub times: i32,
    /// `action_c_trank`.
    pub action_cmds: CmdTrank<'a>,
    /// `sleep_c_trank`.
    pub sleep_cmds: CmdTrank<'a>,
}

/// `countdown_task_t` (mode 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountdownTask<'a> {
    /// `id`, `state`, `type`.
    pub head: TaskHead,
    /// `interval`: the countdown.
    pub interval: i32,
    /// `action_c_trank`.
    pub action_cmds: CmdTrank<'a>,
    /// `stop_c_trank`.
    pub stop_cmds: CmdTrank<'a>,
}

/// The variant of the `task_u` union; its `mode` follows from the variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskBody<'a> {
    /// mode 0.
    Base(BaseTask<'a>),
    /// mode 1.
    Period(PeriodTask<'a>),
    /// mode 2.
    Cycle(CycleTask<'a>),
    /// mode 3.
    Countdown(CountdownTask<'a>),
}

impl TaskBody<'_> {
    /// The `mode` written for this variant.
    #[must_use]
    pub const fn mode(&self) -> i32 {
        match self {
            TaskBody::Base(_) => 0,
            TaskBody::Period(_) => 1,
            TaskBody::Cycle(_) => 2,
            TaskBody::Countdown(_) => 3,
        }
    }

    /// `id`, `state` and `type`.
    #[must_use]
    pub const fn head(&self) -> &TaskHead {
        match self {
            TaskBody::Base(t) => &t.head,
            TaskBody::Period(t) => &t.head,
            TaskBody::Cycle(t) => &t.head,
            TaskBody::Countdown(t) => &t.head,
        }
    }
}

/// Which form a task list uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskForm {
    /// `task_t`: with `feedid` and `name` (add, update, report add/update).
    Full,
    /// `simplified_task_t`: without them (query reply, snapshot).
    Simplified,
}

/// A `task_t` (full form, `label` is `Some`) or `simplified_task_t` (`label` is `None`).
///
/// # Layout choices (no shipped SDK encodes tasks, NOTES.md §9)
///
/// * Packed, little-endian, no padding; `int` = 4 bytes (`i32`), `char` = 1 byte (NOTES.md
///   §7.11).
/// * `time_exp_t` = `len: u8` + `len` ASCII bytes, `len ≤ 127` both ways (C's `char` may be
///   signed, so a longer text would read as a negative length on a peer).
/// * `cmd_t` = `len: i32` + `len` bytes. `cmd_trank_t` = `len: i32` + `num: u8` + `num` `cmd_t`s,
///   where **`len` is the byte length of the `cmds[]` array** (the `cmd_t`s, each `4 + len`);
///   a decoder requires the `num` commands to fill exactly `len` bytes.
/// * `task_t` = `mode: i32` + `version: i32` + the variant selected by `mode` (0 base, 1 period,
///   2 cycle, 3 countdown) with its own length: the `task_u` union is **not** padded to its
///   largest member (variable-length members make that size meaningless). The SDK's
///   `JLTimeTask_t` has no `version`; we follow the spec. // compat: NOTES.md §9
/// * The full form starts each variant with `feedid[32]` and `name[128]`, the simplified form
///   omits them.
///
/// # Fixed-size text (`feedid[32]`, `name[128]`)
///
/// NUL-padded. A decoder takes the bytes before the first NUL, or **all** of them when the
/// field is full (no NUL — as `strncpy` leaves it); bytes after the first NUL are ignored.
/// Decoding accepts any bytes; [`Text::to_str`] reports non-UTF-8 as [`Error::NotUtf8`].
/// An encoder writes the text and NUL-pads it; a text as long as the field is written without a
/// NUL, a longer one is [`Error::TooLong`], one containing a NUL is [`Error::NulInText`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task<'a> {
    /// `version`: 0 when added, +1 on each update (spec 10); the cloud compares it (10.12).
    pub version: i32,
    /// `feedid` and `name`: present exactly in the full form.
    pub label: Option<Label<'a>>,
    /// The variant (and with it `mode`).
    pub body: TaskBody<'a>,
}

impl<'a> Task<'a> {
    /// The task's `id`.
    #[must_use]
    pub const fn id(&self) -> i32 {
        self.body.head().id
    }
}

impl<'a> Item<'a> for Task<'a> {
    fn read(r: &mut Reader<'a>, form: TaskForm) -> Result<Task<'a>> {
        let mode = r.i32()?;
        let version = r.i32()?;
        if !(0..=3).contains(&mode) {
            return Err(Error::UnknownTaskMode(mode));
        }
        let label = match form {
            TaskForm::Full => Some(Label {
                feed_id: Text::read_fixed::<FEED_ID_LEN>(r)?,
                name: Text::read_fixed::<NAME_LEN>(r)?,
            }),
            TaskForm::Simplified => None,
        };
        let head = TaskHead::read(r)?;
        let body = match mode {
            0 => TaskBody::Base(BaseTask {
                head,
                exp: ExpText::read(r)?,
                cmds: CmdTrank::read(r)?,
            }),
            1 => TaskBody::Period(PeriodTask {
                head,
                start_exp: ExpText::read(r)?,
                stop_exp: ExpText::read(r)?,
                repeat_flag: r.u8()?,
                period_type: r.u8()?,
                period: *r.array::<PERIOD_LEN>()?,
                start_cmds: CmdTrank::read(r)?,
                stop_cmds: CmdTrank::read(r)?,
            }),
            2 => TaskBody::Cycle(CycleTask {
                head,
                action_interval: r.i32()?,
                sleep_interval: r.i32()?,
                times: r.i32()?,
                action_cmds: CmdTrank::read(r)?,
                sleep_cmds: CmdTrank::read(r)?,
            }),
            _ => TaskBody::Countdown(CountdownTask {
                head,
                interval: r.i32()?,
                action_cmds: CmdTrank::read(r)?,
                stop_cmds: CmdTrank::read(r)?,
            }),
        };
        Ok(Task {
            version,
            label,
            body,
        })
    }

    fn encoded_len(&self, form: TaskForm) -> Result<usize> {
        let label = match (form, &self.label) {
            (TaskForm::Full, Some(l)) => {
                l.feed_id.check_fixed::<FEED_ID_LEN>("feedid")?;
                l.name.check_fixed::<NAME_LEN>("name")?;
                FEED_ID_LEN + NAME_LEN
            }
            (TaskForm::Simplified, None) => 0,
            (TaskForm::Full, None) => return Err(Error::TaskForm { expected: "full" }),
            (TaskForm::Simplified, Some(_)) => {
                return Err(Error::TaskForm {
                    expected: "simplified",
                });
            }
        };
        // mode, version, label, id, state, type
        let fixed = 4 + 4 + 4 + 1 + 1;
        let body = match &self.body {
            TaskBody::Base(t) => add(t.exp.encoded_len()?, t.cmds.encoded_len()?)?,
            TaskBody::Period(t) => {
                let exps = add(t.start_exp.encoded_len()?, t.stop_exp.encoded_len()?)?;
                let cmds = add(t.start_cmds.encoded_len()?, t.stop_cmds.encoded_len()?)?;
                add(add(exps, cmds)?, 2 + PERIOD_LEN)?
            }
            TaskBody::Cycle(t) => add(
                12,
                add(t.action_cmds.encoded_len()?, t.sleep_cmds.encoded_len()?)?,
            )?,
            TaskBody::Countdown(t) => add(
                4,
                add(t.action_cmds.encoded_len()?, t.stop_cmds.encoded_len()?)?,
            )?,
        };
        add(add(fixed, label)?, body)
    }

    fn write(&self, w: &mut Writer<'_>, form: TaskForm) {
        w.i32(self.body.mode());
        w.i32(self.version);
        if let (TaskForm::Full, Some(l)) = (form, &self.label) {
            l.feed_id.write_fixed::<FEED_ID_LEN>(w);
            l.name.write_fixed::<NAME_LEN>(w);
        }
        self.body.head().write(w);
        match &self.body {
            TaskBody::Base(t) => {
                t.exp.write(w);
                t.cmds.write(w);
            }
            TaskBody::Period(t) => {
                t.start_exp.write(w);
                t.stop_exp.write(w);
                w.u8(t.repeat_flag);
                w.u8(t.period_type);
                w.put(&t.period);
                t.start_cmds.write(w);
                t.stop_cmds.write(w);
            }
            TaskBody::Cycle(t) => {
                w.i32(t.action_interval);
                w.i32(t.sleep_interval);
                w.i32(t.times);
                t.action_cmds.write(w);
                t.sleep_cmds.write(w);
            }
            TaskBody::Countdown(t) => {
                w.i32(t.interval);
                t.action_cmds.write(w);
                t.stop_cmds.write(w);
            }
        }
    }
}

/// Reads `task_num` then the tasks (shared by the request and the simplified request).
pub(crate) fn read_tasks<'a>(r: &mut Reader<'a>, form: TaskForm) -> Result<List<'a, Task<'a>>> {
    // The smallest task (simplified countdown) is 28 bytes; use 14 as a safe lower bound.
    let n = read_count(r, "task_num", 14)?;
    List::read(r, n, form)
}

/// Encoded size of `task_num` + tasks.
pub(crate) fn tasks_len<'a>(tasks: &List<'a, Task<'a>>, form: TaskForm) -> Result<usize> {
    count_i32("task_num", tasks.len())?;
    add(4, tasks.encoded_len(form)?)
}

pub(crate) fn write_tasks<'a>(w: &mut Writer<'_>, tasks: &List<'a, Task<'a>>, form: TaskForm) {
    w.i32(i32::try_from(tasks.len()).unwrap_or(0));
    tasks.write(w, form);
}
