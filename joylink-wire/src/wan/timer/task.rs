//! Timer tasks (spec 10); the layout choices are documented on [`Task`].

use super::list::{Item, List, TaskForm, add, count_i32, negative, read_count};
use crate::codec::{Reader, Writer};
use crate::wan::{check_fixed, put_fixed};
use crate::{Error, FEEDID_LEN, FixedText, Result};

/// Size of `name` (spec 10).
pub const NAME_LEN: usize = 128;
/// Size of `period` in a period task (spec 10).
pub const PERIOD_LEN: usize = 31;
/// Largest `time_exp_t.len` this crate reads or writes (C `char`, possibly signed).
pub const MAX_EXP_LEN: usize = 127;

/// The `time_exp_t` of a task: its text, kept as bytes as it travels.
///
/// The wire layer does not read the expression; `joylink-timer` does
/// (`TimeExp::parse_bytes(exp.as_bytes())`), so the codec stays free of calendar rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ExpText<'a>(pub &'a [u8]);

impl<'a> ExpText<'a> {
    /// The expression's bytes (`sec_min_hour_day_month_week_year`, spec 10).
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    fn read(r: &mut Reader<'a>) -> Result<ExpText<'a>> {
        let len = r.u8()?;
        if usize::from(len) > MAX_EXP_LEN {
            return Err(Error::OutOfRange {
                field: "time_exp_t.len",
                value: u32::from(len),
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

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u8(u8::try_from(self.0.len()).unwrap_or(0))?;
        w.put(self.0)
    }
}

/// One `cmd_t`: a device command in binary form (produced by the product's Lua script).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Cmd<'a>(pub &'a [u8]);

impl<'a> Item<'a> for Cmd<'a> {
    fn read(r: &mut Reader<'a>, _: TaskForm) -> Result<Cmd<'a>> {
        let n = r.i32_le()?;
        let len = usize::try_from(n).map_err(|_| negative("cmd_t.len", n))?;
        Ok(Cmd(r.take(len)?))
    }
    fn encoded_len(&self, _: TaskForm) -> Result<usize> {
        count_i32("cmd_t.len", self.0.len())?;
        add(4, self.0.len())
    }
    fn write(&self, w: &mut Writer<'_>, _: TaskForm) -> Result<()> {
        w.i32_le(i32::try_from(self.0.len()).unwrap_or(0))?;
        w.put(self.0)
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
        let n = r.i32_le()?;
        let len = usize::try_from(n).map_err(|_| negative("cmd_trank_t.len", n))?;
        let num = r.u8()?;
        let mut inner = Reader::new(r.take(len)?);
        let cmds = List::read(&mut inner, usize::from(num), TaskForm::Full)?;
        if inner.any_left() {
            return Err(Error::OutOfRange {
                field: "cmd_trank_t.len",
                value: n.cast_unsigned(),
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

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        let body = self.cmds.encoded_len(TaskForm::Full)?;
        w.i32_le(count_i32("cmd_trank_t.len", body)?)?;
        w.u8(u8::try_from(self.cmds.len()).unwrap_or(0))?;
        self.cmds.write(w, TaskForm::Full)
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
    /// round, nothing depends on it — we follow the spec, compat §9).
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
///
/// Two labels are equal when their texts are (the padding a decoded field carries is not
/// compared), like the elements of a [`List`].
#[derive(Debug, Clone, Copy)]
pub struct Label<'a> {
    /// `feedid[32]`.
    #[doc(alias = "feedid")]
    pub feed_id: FixedText<'a>,
    /// `name[128]`.
    pub name: FixedText<'a>,
}

impl<'a> Label<'a> {
    /// A label from the texts (each written NUL-padded to its field).
    #[must_use]
    pub const fn new(feed_id: &'a [u8], name: &'a [u8]) -> Label<'a> {
        Label {
            feed_id: FixedText::new("feedid", feed_id),
            name: FixedText::new("name", name),
        }
    }
}

impl PartialEq for Label<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.feed_id.as_bytes() == other.feed_id.as_bytes()
            && self.name.as_bytes() == other.name.as_bytes()
    }
}

impl Eq for Label<'_> {}

impl core::hash::Hash for Label<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.feed_id.as_bytes().hash(state);
        self.name.as_bytes().hash(state);
    }
}

impl Default for Label<'_> {
    /// Both texts empty.
    fn default() -> Self {
        Label::new(b"", b"")
    }
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
            id: r.i32_le()?,
            state: r.u8()?.into(),
            source: r.u8()?.into(),
        })
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.i32_le(self.id)?;
        w.u8(self.state.into())?;
        w.u8(self.source.into())
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

/// A `task_t` (full form, `label` is `Some`) or `simplified_task_t` (`label` is `None`).
///
/// # Layout choices (no shipped SDK encodes tasks, compat §9)
///
/// * Packed, little-endian, no padding; `int` = 4 bytes (`i32`), `char` = 1 byte (compat
///   §7.11).
/// * `time_exp_t` = `len: u8` + `len` ASCII bytes, `len ≤ 127` both ways (C's `char` may be
///   signed, so a longer text would read as a negative length on a peer).
/// * `cmd_t` = `len: i32` + `len` bytes. `cmd_trank_t` = `len: i32` + `num: u8` + `num` `cmd_t`s,
///   where **`len` is the byte length of the `cmds[]` array** (the `cmd_t`s, each `4 + len`);
///   a decoder requires the `num` commands to fill exactly `len` bytes.
/// * `task_t` = `mode: i32` + `version: i32` + the variant selected by `mode` (0 base, 1 period,
///   2 cycle, 3 countdown) with its own length: the `task_u` union is **not** padded to its
///   largest member (variable-length members make that size meaningless). The SDK's
///   `JLTimeTask_t` has no `version`; we follow the spec. // compat: compat §9
/// * The full form starts each variant with `feedid[32]` and `name[128]`, the simplified form
///   omits them.
///
/// # Fixed-size text (`feedid[32]`, `name[128]`)
///
/// A [`FixedText`], as in every other body: the text is the bytes before the first NUL, or
/// **all** of them when the field is full (no NUL — as `strncpy` leaves it). Decoding accepts
/// any bytes and keeps the whole field, so a decoded task re-encodes byte for byte;
/// [`FixedText::to_str`] reports non-UTF-8. An encoder writes the text and NUL-pads it; a text
/// longer than the field is [`Error::TooLong`].
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
        let mode = r.i32_le()?;
        let version = r.i32_le()?;
        if !(0..=3).contains(&mode) {
            return Err(Error::OutOfRange {
                field: "task_t.mode",
                value: mode.cast_unsigned(),
            });
        }
        let label = match form {
            TaskForm::Full => Some(Label {
                feed_id: FixedText::new("feedid", r.take(FEEDID_LEN)?),
                name: FixedText::new("name", r.take(NAME_LEN)?),
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
                period: *r.take_array::<PERIOD_LEN>()?,
                start_cmds: CmdTrank::read(r)?,
                stop_cmds: CmdTrank::read(r)?,
            }),
            2 => TaskBody::Cycle(CycleTask {
                head,
                action_interval: r.i32_le()?,
                sleep_interval: r.i32_le()?,
                times: r.i32_le()?,
                action_cmds: CmdTrank::read(r)?,
                sleep_cmds: CmdTrank::read(r)?,
            }),
            _ => TaskBody::Countdown(CountdownTask {
                head,
                interval: r.i32_le()?,
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
                check_fixed("feedid", &l.feed_id, FEEDID_LEN)?;
                check_fixed("name", &l.name, NAME_LEN)?;
                FEEDID_LEN + NAME_LEN
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

    fn write(&self, w: &mut Writer<'_>, form: TaskForm) -> Result<()> {
        w.i32_le(self.body.mode())?;
        w.i32_le(self.version)?;
        if let (TaskForm::Full, Some(l)) = (form, &self.label) {
            put_fixed(w, &l.feed_id, FEEDID_LEN)?;
            put_fixed(w, &l.name, NAME_LEN)?;
        }
        self.body.head().write(w)?;
        match &self.body {
            TaskBody::Base(t) => {
                t.exp.write(w)?;
                t.cmds.write(w)?;
            }
            TaskBody::Period(t) => {
                t.start_exp.write(w)?;
                t.stop_exp.write(w)?;
                w.u8(t.repeat_flag)?;
                w.u8(t.period_type)?;
                w.put(&t.period)?;
                t.start_cmds.write(w)?;
                t.stop_cmds.write(w)?;
            }
            TaskBody::Cycle(t) => {
                w.i32_le(t.action_interval)?;
                w.i32_le(t.sleep_interval)?;
                w.i32_le(t.times)?;
                t.action_cmds.write(w)?;
                t.sleep_cmds.write(w)?;
            }
            TaskBody::Countdown(t) => {
                w.i32_le(t.interval)?;
                t.action_cmds.write(w)?;
                t.stop_cmds.write(w)?;
            }
        }
        Ok(())
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

/// Writes `task_num` then the tasks.
pub(crate) fn write_tasks<'a>(
    w: &mut Writer<'_>,
    tasks: &List<'a, Task<'a>>,
    form: TaskForm,
) -> Result<()> {
    w.i32_le(count_i32("task_num", tasks.len())?)?;
    tasks.write(w, form)
}
