//! Snapshot reconciliation (spec 10.12): what the cloud must do so that the device's task list
//! matches its own, and how the device checks the cloud's acknowledgement.
//!
//! The cloud's list wins. A task only on the device is deleted (1093), a task only in the cloud
//! is added (1091), a task on both sides with a different `version` is updated (1092). Tasks are
//! matched by `id`; device tasks with id 0 (created on the device and not yet reported, 10.5 /
//! 10.9) are not in a snapshot and must not be passed in.
//!
//! Pure functions over the caller's lists: no allocation, `O(n·m)` comparisons (task lists are
//! a few dozen entries).

use joylink_wire::wan::timer::Task;

/// The identity and revision of a task, as compared by 10.12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskKey {
    /// `id`.
    pub id: i32,
    /// `version`.
    pub version: i32,
}

impl From<&Task<'_>> for TaskKey {
    fn from(t: &Task<'_>) -> TaskKey {
        TaskKey {
            id: t.id(),
            version: t.version,
        }
    }
}

/// One operation the cloud must send (spec 10.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Delete this id from the device (1093).
    Delete(i32),
    /// Add the cloud's task with this id (1091).
    Add(i32),
    /// Update the device's task with the cloud's (1092); `device` and `cloud` are the versions.
    Update {
        /// Task id.
        id: i32,
        /// Version on the device.
        device: i32,
        /// Version in the cloud.
        cloud: i32,
    },
}

/// The operations that make `device` equal `cloud`: first the deletions (in device order),
/// then additions and updates (in cloud order). Duplicate ids within a list are each treated
/// on their first occurrence only.
///
/// # Examples
/// ```
/// use joylink_timer::{Operation, TaskKey, reconcile};
/// let k = |id, version| TaskKey { id, version };
/// let device = [k(1, 0), k(2, 3), k(4, 1)];
/// let cloud = [k(1, 0), k(2, 4), k(3, 0)];
/// let ops: Vec<_> = reconcile(&device, &cloud).collect();
/// assert_eq!(
///     ops,
///     [Operation::Delete(4), Operation::Update { id: 2, device: 3, cloud: 4 }, Operation::Add(3)]
/// );
/// ```
pub fn reconcile<'a>(device: &'a [TaskKey], cloud: &'a [TaskKey]) -> Reconcile<'a> {
    Reconcile {
        device,
        cloud,
        phase_device: 0,
        phase_cloud: 0,
    }
}

/// Iterator returned by [`reconcile`].
#[derive(Debug, Clone)]
pub struct Reconcile<'a> {
    device: &'a [TaskKey],
    cloud: &'a [TaskKey],
    phase_device: usize,
    phase_cloud: usize,
}

fn first_with(list: &[TaskKey], id: i32) -> Option<(usize, TaskKey)> {
    list.iter().copied().enumerate().find(|(_, k)| k.id == id)
}

impl Iterator for Reconcile<'_> {
    type Item = Operation;
    fn next(&mut self) -> Option<Operation> {
        while let Some(d) = self.device.get(self.phase_device).copied() {
            let i = self.phase_device;
            self.phase_device = i.saturating_add(1);
            let first = first_with(self.device, d.id).is_some_and(|(j, _)| j == i);
            if first && first_with(self.cloud, d.id).is_none() {
                return Some(Operation::Delete(d.id));
            }
        }
        while let Some(c) = self.cloud.get(self.phase_cloud).copied() {
            let i = self.phase_cloud;
            self.phase_cloud = i.saturating_add(1);
            if first_with(self.cloud, c.id).is_none_or(|(j, _)| j != i) {
                continue;
            }
            match first_with(self.device, c.id) {
                None => return Some(Operation::Add(c.id)),
                Some((_, d)) if d.version != c.version => {
                    return Some(Operation::Update {
                        id: c.id,
                        device: d.version,
                        cloud: c.version,
                    });
                }
                Some(_) => {}
            }
        }
        None
    }
}

/// The device's verdict on a snapshot acknowledgement (201, spec 10.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotAck {
    /// The cloud received exactly the reported ids.
    Consistent,
    /// The ids differ: the device must upload its snapshot again.
    Reupload,
}

/// Compares the ids the device reported with the ids the cloud acknowledged, as multisets
/// (order does not matter, spec 10.12 "设备比对这些 id 和自己上报上去的是否一致").
///
/// # Examples
/// ```
/// use joylink_timer::{SnapshotAck, check_snapshot_ack};
/// assert_eq!(check_snapshot_ack([3, 1, 2], [1, 2, 3]), SnapshotAck::Consistent);
/// assert_eq!(check_snapshot_ack([1, 2], [1]), SnapshotAck::Reupload);
/// ```
pub fn check_snapshot_ack<R, A>(reported: R, acknowledged: A) -> SnapshotAck
where
    R: IntoIterator<Item = i32>,
    R::IntoIter: Clone,
    A: IntoIterator<Item = i32>,
    A::IntoIter: Clone,
{
    let r = reported.into_iter();
    let a = acknowledged.into_iter();
    let count = |it: &mut dyn Iterator<Item = i32>, id: i32| it.filter(|x| *x == id).count();
    let same = r.clone().count() == a.clone().count()
        && r.clone()
            .all(|id| count(&mut r.clone(), id) == count(&mut a.clone(), id));
    if same {
        SnapshotAck::Consistent
    } else {
        SnapshotAck::Reupload
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;

    fn k(id: i32, version: i32) -> TaskKey {
        TaskKey { id, version }
    }

    #[test]
    fn equal_lists_need_nothing() {
        let l = [k(1, 0), k(2, 5)];
        let r = [k(2, 5), k(1, 0)];
        assert_eq!(reconcile(&l, &r).count(), 0);
        assert_eq!(reconcile(&[], &[]).count(), 0);
    }

    #[test]
    fn empty_sides() {
        let l = [k(1, 0), k(2, 5)];
        assert_eq!(
            reconcile(&l, &[]).collect::<Vec<_>>(),
            [Operation::Delete(1), Operation::Delete(2)]
        );
        assert_eq!(
            reconcile(&[], &l).collect::<Vec<_>>(),
            [Operation::Add(1), Operation::Add(2)]
        );
    }

    #[test]
    fn duplicates_once() {
        let d = [k(1, 0), k(1, 0), k(9, 0), k(9, 1)];
        let c = [k(2, 0), k(2, 0)];
        assert_eq!(
            reconcile(&d, &c).collect::<Vec<_>>(),
            [
                Operation::Delete(1),
                Operation::Delete(9),
                Operation::Add(2)
            ]
        );
    }

    #[test]
    fn ack_multiset() {
        assert_eq!(check_snapshot_ack([], []), SnapshotAck::Consistent);
        assert_eq!(
            check_snapshot_ack([1, 1, 2], [1, 2, 2]),
            SnapshotAck::Reupload
        );
        assert_eq!(check_snapshot_ack([1, 2], [2, 1]), SnapshotAck::Consistent);
        assert_eq!(check_snapshot_ack([1], [2]), SnapshotAck::Reupload);
    }
}
