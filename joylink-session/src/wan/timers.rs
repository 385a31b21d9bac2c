//! The device's timer tasks (type 13, spec 10): a fixed table of `T` tasks, each fired at
//! [`TimeExp::next_after`] of its expression.
//!
//! The table keeps what it needs to fire a task and to describe it back to the cloud (query 1094,
//! snapshot 1101): id, version, state, the expression (text and parsed) and the command. It holds
//! base tasks (mode 0) with at most one command of at most [`CMD_CAP`] bytes and an expression of
//! at most [`EXP_CAP`] characters; anything larger is refused with a non-zero code, never cut.

use joylink_timer::{CivilTime, TimeExp};
use joylink_wire::wan::timer::{
    BaseTask, Cmd, CmdTrank, ExpText, Label, Task, TaskBody, TaskHead, TaskSource, TaskState,
};

/// Longest stored time expression (the spec allows 127; real ones are about 20).
pub const EXP_CAP: usize = 40;
/// Longest stored command.
pub const CMD_CAP: usize = 64;

/// One stored task.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub(crate) id: i32,
    pub(crate) version: i32,
    pub(crate) running: bool,
    exp: TimeExp,
    exp_text: [u8; EXP_CAP],
    exp_len: u8,
    cmd: [u8; CMD_CAP],
    cmd_len: u8,
    /// Creation time (unix seconds): `/N` steps count from it.
    anchor: i64,
    /// Next firing (unix seconds), `None` when it never fires again.
    pub(crate) next: Option<i64>,
}

impl Slot {
    pub(crate) fn cmd(&self) -> &[u8] {
        self.cmd
            .get(..usize::from(self.cmd_len))
            .unwrap_or_default()
    }
    fn exp_text(&self) -> &[u8] {
        self.exp_text
            .get(..usize::from(self.exp_len))
            .unwrap_or_default()
    }
}

fn civil(unix: i64) -> Option<CivilTime> {
    CivilTime::from_seconds_since_epoch(unix)
}

fn next_firing(exp: &TimeExp, after: i64, anchor: i64) -> Option<i64> {
    exp.next_after(civil(after)?, civil(anchor)?)
        .map(|c| c.seconds_since_epoch())
}

/// The device's task table.
#[derive(Debug, Clone)]
pub struct TimerTable<const T: usize> {
    slots: [Option<Slot>; T],
}

impl<const T: usize> Default for TimerTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const T: usize> TimerTable<T> {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self {
            slots: core::array::from_fn(|_| None),
        }
    }

    /// Ids of the stored tasks, in slot order.
    pub fn ids(&self) -> impl Iterator<Item = i32> + '_ {
        self.slots.iter().flatten().map(|s| s.id)
    }

    /// Number of stored tasks.
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// Whether no task is stored.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The command of task `id`.
    #[must_use]
    pub fn command(&self, id: i32) -> Option<&[u8]> {
        self.get(id).map(Slot::cmd)
    }

    /// Whether task `id` is running (not stopped).
    #[must_use]
    pub fn is_running(&self, id: i32) -> Option<bool> {
        self.get(id).map(|s| s.running)
    }

    pub(crate) fn get(&self, id: i32) -> Option<&Slot> {
        self.slots.iter().flatten().find(|s| s.id == id)
    }

    fn get_mut(&mut self, id: i32) -> Option<&mut Slot> {
        self.slots.iter_mut().flatten().find(|s| s.id == id)
    }

    /// Stores `task` (replacing one with the same id) created at `now_unix`; `false` when it
    /// does not fit (table full, not a base task, too long).
    pub(crate) fn insert(&mut self, task: &Task<'_>, now_unix: i64) -> bool {
        let TaskBody::Base(base) = task.body else {
            return false;
        };
        let Ok(exp) = TimeExp::parse_bytes(base.exp.as_bytes()) else {
            return false;
        };
        let mut cmds = base.cmds.cmds.iter();
        let cmd = cmds.next().map(|c| c.0).unwrap_or_default();
        if cmds.next().is_some() || cmd.len() > CMD_CAP || base.exp.0.len() > EXP_CAP {
            return false;
        }
        let mut slot = Slot {
            id: base.head.id,
            version: task.version,
            running: base.head.state != TaskState::Stopped,
            exp,
            exp_text: [0; EXP_CAP],
            exp_len: u8::try_from(base.exp.0.len()).unwrap_or(0),
            cmd: [0; CMD_CAP],
            cmd_len: u8::try_from(cmd.len()).unwrap_or(0),
            anchor: now_unix,
            next: next_firing(&exp, now_unix, now_unix),
        };
        if let Some(d) = slot.exp_text.get_mut(..base.exp.0.len()) {
            d.copy_from_slice(base.exp.0);
        }
        if let Some(d) = slot.cmd.get_mut(..cmd.len()) {
            d.copy_from_slice(cmd);
        }
        if let Some(old) = self.get_mut(slot.id) {
            *old = slot;
            return true;
        }
        match self.slots.iter_mut().find(|s| s.is_none()) {
            Some(free) => {
                *free = Some(slot);
                true
            }
            None => false,
        }
    }

    /// Removes task `id` (every task for `None`); whether something was removed.
    pub(crate) fn remove(&mut self, id: Option<i32>) -> bool {
        let mut any = false;
        for s in &mut self.slots {
            if s.as_ref().is_some_and(|s| id.is_none_or(|id| s.id == id)) {
                *s = None;
                any = true;
            }
        }
        any
    }

    /// Stops or restarts task `id` (every task for `None`); whether one matched.
    pub(crate) fn set_running(&mut self, id: Option<i32>, running: bool, now_unix: i64) -> bool {
        let mut any = false;
        for s in self.slots.iter_mut().flatten() {
            if id.is_none_or(|id| s.id == id) {
                s.running = running;
                if running {
                    s.next = next_firing(&s.exp, now_unix, s.anchor);
                }
                any = true;
            }
        }
        any
    }

    /// Changes the id of task `from` (a device-created task gets its id from the cloud, spec 10.9).
    pub(crate) fn rename(&mut self, from: i32, to: i32) -> bool {
        self.get_mut(from).map(|s| s.id = to).is_some()
    }

    /// The earliest firing of a running task (unix seconds).
    pub(crate) fn next_due(&self) -> Option<i64> {
        self.slots
            .iter()
            .flatten()
            .filter(|s| s.running)
            .filter_map(|s| s.next)
            .min()
    }

    /// Takes one task due at `now_unix`, moves its next firing on, and returns its id.
    pub(crate) fn pop_due(&mut self, now_unix: i64) -> Option<i32> {
        let s = self
            .slots
            .iter_mut()
            .flatten()
            .filter(|s| s.running && s.next.is_some_and(|n| n <= now_unix))
            .min_by_key(|s| s.next)?;
        let fired = s.next.unwrap_or(now_unix);
        s.next = next_firing(&s.exp, fired.max(now_unix), s.anchor);
        Some(s.id)
    }

    /// The stored tasks whose id `keep` accepts in the spec's task form, for `f`: simplified
    /// without a `label` (query answer 194, snapshot 1101), full with one (report add 1098).
    pub(crate) fn with_tasks<R>(
        &self,
        keep: impl Fn(i32) -> bool,
        label: Option<Label<'_>>,
        f: impl FnOnce(&[Task<'_>]) -> R,
    ) -> R {
        let cmds: [[Cmd<'_>; 1]; T] = core::array::from_fn(|i| {
            [Cmd(self
                .slots
                .get(i)
                .and_then(Option::as_ref)
                .map(Slot::cmd)
                .unwrap_or_default())]
        });
        let mut tasks: [Option<Task<'_>>; T] = core::array::from_fn(|_| None);
        let mut n = 0usize;
        for (s, c) in self.slots.iter().zip(cmds.iter()) {
            if let (Some(s), Some(t)) = (s, tasks.get_mut(n)) {
                if !keep(s.id) {
                    continue;
                }
                *t = Some(Task {
                    version: s.version,
                    label,
                    body: TaskBody::Base(BaseTask {
                        head: TaskHead {
                            id: s.id,
                            state: if s.running {
                                TaskState::Started
                            } else {
                                TaskState::Stopped
                            },
                            source: TaskSource::Remote,
                        },
                        exp: ExpText(s.exp_text()),
                        cmds: CmdTrank::new(if s.cmd_len == 0 { &[] } else { c }),
                    }),
                });
                n = n.saturating_add(1);
            }
        }
        let dense: [Task<'_>; T] = core::array::from_fn(|i| {
            tasks
                .get(i)
                .copied()
                .flatten()
                .or_else(|| tasks.first().copied().flatten())
                .unwrap_or(PLACEHOLDER)
        });
        f(dense.get(..n).unwrap_or_default())
    }
}

/// Fills the unused tail of the dense array; never handed out.
const PLACEHOLDER: Task<'static> = Task {
    version: 0,
    label: None,
    body: TaskBody::Base(BaseTask {
        head: TaskHead {
            id: 0,
            state: TaskState::Stopped,
            source: TaskSource::Remote,
        },
        exp: ExpText(b""),
        cmds: CmdTrank::new(&[]),
    }),
};
