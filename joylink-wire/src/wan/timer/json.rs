//! A timer task as a JSON object (feature `json`); the form is documented on [`TaskDoc`].

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value, json};

use super::task::{
    BaseTask, Cmd, CmdTrank, CountdownTask, CycleTask, ExpText, Label, PERIOD_LEN, PeriodTask,
    Task, TaskBody, TaskHead, TaskSource, TaskState,
};
use crate::{Error, Result};

/// The error of a field that is missing or not of its type.
fn bad(field: &'static str) -> Error {
    Error::Json {
        what: field,
        line: 0,
        column: 0,
    }
}

fn text(bytes: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            s.push(char::from(*HEX.get(usize::from(nibble)).unwrap_or(&b'0')));
        }
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let pairs = s.as_bytes().chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return None;
    }
    pairs
        .map(|p| match p {
            [h, l] => Some(digit(*h)?.wrapping_mul(16) | digit(*l)?),
            _ => None,
        })
        .collect()
}

fn cmds_json(trank: &CmdTrank<'_>) -> Value {
    trank
        .cmds
        .iter()
        .map(|c| match core::str::from_utf8(c.0) {
            Ok(s) if !s.chars().any(char::is_control) => json!(s),
            _ => json!({ "hex": hex(c.0) }),
        })
        .collect()
}

fn state_name(s: TaskState) -> String {
    match s {
        TaskState::Stopped => "stopped".into(),
        TaskState::Started => "started".into(),
        other => u8::from(other).to_string(),
    }
}

fn source_name(s: TaskSource) -> String {
    match s {
        TaskSource::User => "user".into(),
        TaskSource::Remote => "remote".into(),
        TaskSource::Panel => "panel".into(),
        other => u8::from(other).to_string(),
    }
}

impl Task<'_> {
    /// The task as the JSON object described on [`TaskDoc`].
    #[must_use]
    pub fn to_json(&self) -> Value {
        let head = self.body.head();
        let mut o = Map::new();
        o.insert("id".into(), json!(head.id));
        o.insert("version".into(), json!(self.version));
        o.insert("mode".into(), json!(self.body.mode()));
        let mode_name = match self.body {
            TaskBody::Base(_) => "base",
            TaskBody::Period(_) => "period",
            TaskBody::Cycle(_) => "cycle",
            TaskBody::Countdown(_) => "countdown",
        };
        o.insert("mode_name".into(), json!(mode_name));
        o.insert("state".into(), json!(state_name(head.state)));
        o.insert("source".into(), json!(source_name(head.source)));
        if let Some(label) = &self.label {
            o.insert("feed_id".into(), text(label.feed_id.as_bytes()));
            o.insert("name".into(), text(label.name.as_bytes()));
        }
        match &self.body {
            TaskBody::Base(b) => {
                o.insert("time_exp".into(), text(b.exp.0));
                o.insert("cmds".into(), cmds_json(&b.cmds));
            }
            TaskBody::Period(p) => {
                o.insert("start_exp".into(), text(p.start_exp.0));
                o.insert("stop_exp".into(), text(p.stop_exp.0));
                o.insert("repeat_flag".into(), json!(p.repeat_flag));
                o.insert("period_type".into(), json!(p.period_type));
                let days: Vec<usize> = p
                    .period
                    .iter()
                    .enumerate()
                    .filter(|(_, on)| **on != 0)
                    .map(|(i, _)| i)
                    .collect();
                o.insert("period_days".into(), json!(days));
                o.insert("start_cmds".into(), cmds_json(&p.start_cmds));
                o.insert("stop_cmds".into(), cmds_json(&p.stop_cmds));
            }
            TaskBody::Cycle(c) => {
                o.insert("action_interval".into(), json!(c.action_interval));
                o.insert("sleep_interval".into(), json!(c.sleep_interval));
                o.insert("times".into(), json!(c.times));
                o.insert("action_cmds".into(), cmds_json(&c.action_cmds));
                o.insert("sleep_cmds".into(), cmds_json(&c.sleep_cmds));
            }
            TaskBody::Countdown(c) => {
                o.insert("interval".into(), json!(c.interval));
                o.insert("action_cmds".into(), cmds_json(&c.action_cmds));
                o.insert("stop_cmds".into(), cmds_json(&c.stop_cmds));
            }
        }
        Value::Object(o)
    }
}

/// The variant of a [`TaskDoc`], owning its texts and commands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    missing_docs,
    reason = "the fields are those of the task structs of the same name"
)]
pub enum TaskBodyDoc {
    /// [`BaseTask`].
    Base { exp: Vec<u8>, cmds: Vec<Vec<u8>> },
    /// [`PeriodTask`].
    Period {
        start_exp: Vec<u8>,
        stop_exp: Vec<u8>,
        repeat_flag: u8,
        period_type: u8,
        period: [u8; PERIOD_LEN],
        start_cmds: Vec<Vec<u8>>,
        stop_cmds: Vec<Vec<u8>>,
    },
    /// [`CycleTask`].
    Cycle {
        action_interval: i32,
        sleep_interval: i32,
        times: i32,
        action_cmds: Vec<Vec<u8>>,
        sleep_cmds: Vec<Vec<u8>>,
    },
    /// [`CountdownTask`].
    Countdown {
        interval: i32,
        action_cmds: Vec<Vec<u8>>,
        stop_cmds: Vec<Vec<u8>>,
    },
}

/// A timer task read from its JSON object (feature `json`), owning its bytes: the form `joylink decode` shows and an
/// application (the cloud's MQTT bridge, a console) sends to add or modify a task (spec 10.2,
/// 10.4). One definition for both directions: [`Task::to_json`] writes it, [`TaskDoc`] reads it
/// back and lends it out as a [`Task`] ([`TaskDoc::with_task`], which borrows its texts and
/// commands).
///
/// The object: `id`, `version`, `mode` (0–3), `mode_name` (`base`, `period`, `cycle`,
/// `countdown`), `state` (`started`/`stopped`), `source` (`user`/`remote`/`panel`), `feed_id`
/// and `name` (the full form only), then by mode — base: `time_exp`, `cmds`; period:
/// `start_exp`, `stop_exp`, `repeat_flag`, `period_type`, `period_days` (the indices of the days
/// that are on), `start_cmds`, `stop_cmds`; cycle: `action_interval`, `sleep_interval`, `times`,
/// `action_cmds`, `sleep_cmds`; countdown: `interval`, `action_cmds`, `stop_cmds`. A command is
/// its text, or `{"hex": "…"}` when it is not printable UTF-8. A `state` or `source` outside the
/// named codes is written as its number in a string (`"7"`); reading takes a name, a number or
/// a number in a string. Reading needs `mode_name` or `mode`; `version`, `state`, `source`
/// default to 0, `started`, `user`, command lists to empty.
///
/// ```
/// use joylink_wire::wan::timer::TaskDoc;
///
/// let v = serde_json::json!({
///     "id": 7, "mode_name": "base", "feed_id": "1234567890123456", "name": "morning",
///     "time_exp": "0_30_7_*_*_1,3,5_*", "cmds": ["power=1"],
/// });
/// let doc = TaskDoc::from_json(&v)?;
/// let back = doc.with_task(|task| {
///     assert_eq!(task.id(), 7);
///     task.to_json()
/// });
/// assert_eq!(back["time_exp"], "0_30_7_*_*_1,3,5_*");
/// assert_eq!(back["cmds"][0], "power=1");
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDoc {
    /// `version`.
    pub version: i32,
    /// `feedid` and `name` (the full form), when the object has either.
    pub label: Option<(String, String)>,
    /// `id`, `state`, `type`.
    pub head: TaskHead,
    /// The variant.
    pub body: TaskBodyDoc,
}

fn int(o: &Map<String, Value>, field: &'static str, default: Option<i32>) -> Result<i32> {
    match o.get(field) {
        None => default.ok_or_else(|| bad(field)),
        Some(v) => v
            .as_i64()
            .and_then(|i| i32::try_from(i).ok())
            .ok_or_else(|| bad(field)),
    }
}

fn byte(o: &Map<String, Value>, field: &'static str) -> Result<u8> {
    u8::try_from(int(o, field, Some(0))?).map_err(|_| bad(field))
}

fn exp(o: &Map<String, Value>, field: &'static str) -> Result<Vec<u8>> {
    o.get(field)
        .and_then(Value::as_str)
        .map(|s| s.as_bytes().to_vec())
        .ok_or_else(|| bad(field))
}

fn cmds(o: &Map<String, Value>, field: &'static str) -> Result<Vec<Vec<u8>>> {
    let Some(v) = o.get(field) else {
        return Ok(Vec::new());
    };
    v.as_array()
        .ok_or_else(|| bad(field))?
        .iter()
        .map(|c| match c {
            Value::String(s) => Ok(s.as_bytes().to_vec()),
            Value::Object(h) => h
                .get("hex")
                .and_then(Value::as_str)
                .and_then(unhex)
                .ok_or_else(|| bad(field)),
            _ => Err(bad(field)),
        })
        .collect()
}

/// A `state`/`source`: one of `names` (index = code), a number, or a number in a string.
fn code(o: &Map<String, Value>, field: &'static str, names: &[&str]) -> Result<u8> {
    match o.get(field) {
        None => Ok(0),
        Some(Value::String(s)) => names
            .iter()
            .position(|n| n == s)
            .and_then(|i| u8::try_from(i).ok())
            .or_else(|| s.parse().ok())
            .ok_or_else(|| bad(field)),
        Some(v) => v
            .as_u64()
            .and_then(|i| u8::try_from(i).ok())
            .ok_or_else(|| bad(field)),
    }
}

impl TaskDoc {
    /// Reads a task's JSON object.
    ///
    /// # Errors
    /// [`Error::Json`] naming the field that is missing or not of its type (line and column 0:
    /// the document is already parsed).
    pub fn from_json(v: &Value) -> Result<Self> {
        let o = v.as_object().ok_or_else(|| bad("timer task"))?;
        let mode = match o.get("mode_name").and_then(Value::as_str) {
            Some("base") => 0,
            Some("period") => 1,
            Some("cycle") => 2,
            Some("countdown") => 3,
            Some(_) => return Err(bad("mode_name")),
            None => int(o, "mode", None)?,
        };
        // spec 10: 0 stopped, 1 started; a task is added running unless it says otherwise.
        let state = match o.get("state") {
            None => TaskState::Started,
            Some(_) => code(o, "state", &["stopped", "started"])?.into(),
        };
        let head = TaskHead {
            id: int(o, "id", None)?,
            state,
            source: code(o, "source", &["user", "remote", "panel"])?.into(),
        };
        let body = match mode {
            0 => TaskBodyDoc::Base {
                exp: exp(o, "time_exp")?,
                cmds: cmds(o, "cmds")?,
            },
            1 => {
                let mut period = [0u8; PERIOD_LEN];
                if let Some(days) = o.get("period_days") {
                    for d in days.as_array().ok_or_else(|| bad("period_days"))? {
                        let slot = d
                            .as_u64()
                            .and_then(|i| usize::try_from(i).ok())
                            .and_then(|i| period.get_mut(i))
                            .ok_or_else(|| bad("period_days"))?;
                        *slot = 1;
                    }
                }
                TaskBodyDoc::Period {
                    start_exp: exp(o, "start_exp")?,
                    stop_exp: exp(o, "stop_exp")?,
                    repeat_flag: byte(o, "repeat_flag")?,
                    period_type: byte(o, "period_type")?,
                    period,
                    start_cmds: cmds(o, "start_cmds")?,
                    stop_cmds: cmds(o, "stop_cmds")?,
                }
            }
            2 => TaskBodyDoc::Cycle {
                action_interval: int(o, "action_interval", None)?,
                sleep_interval: int(o, "sleep_interval", None)?,
                times: int(o, "times", None)?,
                action_cmds: cmds(o, "action_cmds")?,
                sleep_cmds: cmds(o, "sleep_cmds")?,
            },
            3 => TaskBodyDoc::Countdown {
                interval: int(o, "interval", None)?,
                action_cmds: cmds(o, "action_cmds")?,
                stop_cmds: cmds(o, "stop_cmds")?,
            },
            _ => return Err(bad("mode")),
        };
        let label_text = |f: &'static str| -> Result<Option<String>> {
            match o.get(f) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(f)),
            }
        };
        let (feed_id, name) = (label_text("feed_id")?, label_text("name")?);
        let label = (feed_id.is_some() || name.is_some())
            .then(|| (feed_id.unwrap_or_default(), name.unwrap_or_default()));
        Ok(Self {
            version: int(o, "version", Some(0))?,
            label,
            head,
            body,
        })
    }

    /// Lends the task out as a [`Task`] (which borrows its texts and commands) to `f`. Field
    /// widths (`time_exp` ≤ 127 bytes, `feed_id` ≤ 32, `name` ≤ 128) are checked when the task
    /// is encoded.
    pub fn with_task<R>(&self, f: impl FnOnce(&Task<'_>) -> R) -> R {
        fn as_cmds(v: &[Vec<u8>]) -> Vec<Cmd<'_>> {
            v.iter().map(|c| Cmd(c)).collect()
        }
        let head = self.head;
        let label = self
            .label
            .as_ref()
            .map(|(f, n)| Label::new(f.as_bytes(), n.as_bytes()));
        let task = |body| Task {
            version: self.version,
            label,
            body,
        };
        match &self.body {
            TaskBodyDoc::Base { exp, cmds } => {
                let c = as_cmds(cmds);
                f(&task(TaskBody::Base(BaseTask {
                    head,
                    exp: ExpText(exp),
                    cmds: CmdTrank::new(&c),
                })))
            }
            TaskBodyDoc::Period {
                start_exp,
                stop_exp,
                repeat_flag,
                period_type,
                period,
                start_cmds,
                stop_cmds,
            } => {
                let (a, b) = (as_cmds(start_cmds), as_cmds(stop_cmds));
                f(&task(TaskBody::Period(PeriodTask {
                    head,
                    start_exp: ExpText(start_exp),
                    stop_exp: ExpText(stop_exp),
                    repeat_flag: *repeat_flag,
                    period_type: *period_type,
                    period: *period,
                    start_cmds: CmdTrank::new(&a),
                    stop_cmds: CmdTrank::new(&b),
                })))
            }
            TaskBodyDoc::Cycle {
                action_interval,
                sleep_interval,
                times,
                action_cmds,
                sleep_cmds,
            } => {
                let (a, b) = (as_cmds(action_cmds), as_cmds(sleep_cmds));
                f(&task(TaskBody::Cycle(CycleTask {
                    head,
                    action_interval: *action_interval,
                    sleep_interval: *sleep_interval,
                    times: *times,
                    action_cmds: CmdTrank::new(&a),
                    sleep_cmds: CmdTrank::new(&b),
                })))
            }
            TaskBodyDoc::Countdown {
                interval,
                action_cmds,
                stop_cmds,
            } => {
                let (a, b) = (as_cmds(action_cmds), as_cmds(stop_cmds));
                f(&task(TaskBody::Countdown(CountdownTask {
                    head,
                    interval: *interval,
                    action_cmds: CmdTrank::new(&a),
                    stop_cmds: CmdTrank::new(&b),
                })))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn roundtrip(v: &Value) -> Value {
        TaskDoc::from_json(v).unwrap().with_task(|t| t.to_json())
    }

    /// Every mode survives JSON → task → JSON, non-printable commands as hex, unknown codes
    /// as numbers.
    #[test]
    fn every_mode_round_trips() {
        let cases = [
            json!({"id": 1, "version": 2, "mode": 0, "mode_name": "base", "state": "stopped",
                   "source": "panel", "feed_id": "F", "name": "n",
                   "time_exp": "0_30_7_*_*_*_*", "cmds": ["power=1", {"hex": "00ff"}]}),
            json!({"id": 2, "version": 0, "mode": 1, "mode_name": "period", "state": "started",
                   "source": "user", "feed_id": "F", "name": "",
                   "start_exp": "0_0_8_*_*_*_*", "stop_exp": "0_0_9_*_*_*_*", "repeat_flag": 1,
                   "period_type": 0, "period_days": [1, 3, 5], "start_cmds": ["a"],
                   "stop_cmds": []}),
            json!({"id": 3, "version": 0, "mode": 2, "mode_name": "cycle", "state": "7",
                   "source": "remote", "action_interval": 10, "sleep_interval": 20,
                   "times": 3, "action_cmds": ["x"], "sleep_cmds": ["y"]}),
            json!({"id": 4, "version": 0, "mode": 3, "mode_name": "countdown",
                   "state": "started", "source": "9", "interval": 60,
                   "action_cmds": ["on"], "stop_cmds": ["off"]}),
        ];
        for v in cases {
            assert_eq!(roundtrip(&v), v);
        }
    }

    /// What an application may leave out takes the spec's defaults; `mode` stands for
    /// `mode_name`.
    #[test]
    fn defaults_and_numbers() {
        let d =
            TaskDoc::from_json(&json!({"id": 5, "mode": 3, "interval": 9, "state": 0})).unwrap();
        assert_eq!(d.version, 0);
        assert_eq!(d.label, None);
        assert_eq!(d.head.state, TaskState::Stopped);
        assert_eq!(d.head.source, TaskSource::User);
        let d =
            TaskDoc::from_json(&json!({"id": 5, "mode_name": "base", "time_exp": "x"})).unwrap();
        assert_eq!(d.head.state, TaskState::Started);
        assert_eq!(
            d.body,
            TaskBodyDoc::Base {
                exp: b"x".to_vec(),
                cmds: Vec::new()
            }
        );
    }

    /// Each missing or mistyped field is named in the error.
    #[test]
    fn bad_fields_are_named() {
        for (v, field) in [
            (json!([]), "timer task"),
            (json!({"mode_name": "base", "time_exp": "x"}), "id"),
            (json!({"id": 1, "time_exp": "x"}), "mode"),
            (json!({"id": 1, "mode_name": "weekly"}), "mode_name"),
            (json!({"id": 1, "mode": 9}), "mode"),
            (json!({"id": 1, "mode": 0}), "time_exp"),
            (
                json!({"id": 1, "mode": 0, "time_exp": "x", "cmds": [{"hex": "0"}]}),
                "cmds",
            ),
            (
                json!({"id": 1, "mode": 0, "time_exp": "x", "cmds": "a"}),
                "cmds",
            ),
            (
                json!({"id": 1, "mode": 0, "time_exp": "x", "state": "on"}),
                "state",
            ),
            (
                json!({"id": 1, "mode": 0, "time_exp": "x", "feed_id": 3}),
                "feed_id",
            ),
            (
                json!({"id": 1, "mode": 1, "start_exp": "x", "stop_exp": "y",
                    "period_days": [31]}),
                "period_days",
            ),
            (
                json!({"id": 1, "mode": 1, "start_exp": "x", "stop_exp": "y",
                    "repeat_flag": 256}),
                "repeat_flag",
            ),
            (
                json!({"id": 1, "mode": 2, "action_interval": 1, "sleep_interval": 1}),
                "times",
            ),
            (json!({"id": 1i64 << 40, "mode": 3, "interval": 1}), "id"),
        ] {
            match TaskDoc::from_json(&v) {
                Err(Error::Json { what, .. }) => assert_eq!(what, field, "{v}"),
                other => panic!("{v}: {other:?}"),
            }
        }
    }

    /// A task read from JSON encodes like the same task built by hand (the binary form is the
    /// one the device reads).
    #[test]
    fn encodes_like_the_task_it_names() {
        let cmds = [Cmd(b"power=1")];
        let by_hand = Task {
            version: 0,
            label: Some(Label::new(b"F", b"")),
            body: TaskBody::Base(BaseTask {
                head: TaskHead {
                    id: 7,
                    state: TaskState::Started,
                    source: TaskSource::User,
                },
                exp: ExpText(b"0_*_*_*_*_*_*"),
                cmds: CmdTrank::new(&cmds),
            }),
        };
        let doc = TaskDoc::from_json(&json!({"id": 7, "mode_name": "base", "feed_id": "F",
            "time_exp": "0_*_*_*_*_*_*", "cmds": ["power=1"]}))
        .unwrap();
        doc.with_task(|t| assert_eq!(*t, by_hand));
    }
}
