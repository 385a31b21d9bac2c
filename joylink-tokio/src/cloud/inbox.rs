//! A connection's command inbox: the hub's map holds the sending side, the connection task the
//! receiving one. About a hundred bytes per authenticated device where a tokio channel costs
//! about a kilobyte (its cache-padded state and a first block of 32 slots); the queue's own
//! memory exists only while commands wait.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::task::AtomicWaker;

use super::Command;

#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Box<Command>>,
    closed: bool,
}

#[derive(Debug, Default)]
struct Inbox {
    queue: Mutex<Queue>,
    waker: AtomicWaker,
}

/// Why a command was not queued (it is dropped: its caller learns nothing more from it).
#[derive(Debug)]
pub(super) enum SendError {
    /// The connection has ended or a newer one replaced it.
    Closed,
    /// `capacity` commands wait already.
    Full,
}

/// The sending side (cheap to clone).
#[derive(Debug, Clone)]
pub(super) struct CommandTx {
    inbox: Arc<Inbox>,
    capacity: usize,
}

/// The receiving side, owned by the connection task. Dropping it closes the inbox and drops
/// the commands still queued, so their callers see the connection closed.
#[derive(Debug)]
pub(super) struct CommandRx {
    inbox: Arc<Inbox>,
}

/// An inbox holding at most `capacity` waiting commands (at least one).
pub(super) fn inbox(capacity: usize) -> (CommandTx, CommandRx) {
    let inbox = Arc::new(Inbox::default());
    (
        CommandTx {
            inbox: inbox.clone(),
            capacity: capacity.max(1),
        },
        CommandRx { inbox },
    )
}

impl CommandTx {
    /// Queues `cmd` for the connection and wakes it; never waits (a full inbox is an error
    /// at once).
    pub(super) fn try_send(&self, cmd: Box<Command>) -> std::result::Result<(), SendError> {
        {
            let Ok(mut q) = self.inbox.queue.lock() else {
                return Err(SendError::Closed);
            };
            if q.closed {
                return Err(SendError::Closed);
            }
            if q.items.len() >= self.capacity {
                return Err(SendError::Full);
            }
            q.items.push_back(cmd);
        }
        self.inbox.waker.wake();
        Ok(())
    }

    /// Ends the inbox (a newer connection of the device took over): the receiver sees `None`.
    pub(super) fn close(&self) {
        if let Ok(mut q) = self.inbox.queue.lock() {
            q.closed = true;
        }
        self.inbox.waker.wake();
    }
}

impl CommandRx {
    /// The next command; `None` once the inbox is closed and empty.
    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Box<Command>>> {
        self.inbox.waker.register(cx.waker());
        let Ok(mut q) = self.inbox.queue.lock() else {
            return Poll::Ready(None);
        };
        match q.items.pop_front() {
            Some(cmd) => {
                if q.items.is_empty() {
                    q.items = VecDeque::new();
                }
                Poll::Ready(Some(cmd))
            }
            None if q.closed => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

impl Drop for CommandRx {
    fn drop(&mut self) {
        let items = match self.inbox.queue.lock() {
            Ok(mut q) => {
                q.closed = true;
                std::mem::take(&mut q.items)
            }
            Err(_) => VecDeque::new(),
        };
        // Dropped outside the lock: each command's reply channel tells its caller.
        drop(items);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use std::task::Waker;
    use tokio::sync::oneshot;

    fn cmd() -> (Box<Command>, oneshot::Receiver<crate::Result<u32>>) {
        let (reply, answer) = oneshot::channel();
        let c = Command {
            request: crate::cloud::HubRequest::Control {
                biz_code: 1002u32.into(),
                data: Vec::new(),
            },
            reply,
            claim: std::sync::Arc::default(),
        };
        (Box::new(c), answer)
    }

    #[test]
    fn commands_arrive_in_order_up_to_capacity() {
        let (tx, mut rx) = inbox(2);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(rx.poll_recv(&mut cx).is_pending());
        let (a, _ra) = cmd();
        let (b, _rb) = cmd();
        let (c, _rc) = cmd();
        let a_ptr: *const Command = &*a;
        tx.try_send(a).unwrap();
        tx.try_send(b).unwrap();
        assert!(matches!(tx.try_send(c), Err(SendError::Full)));
        let Poll::Ready(Some(first)) = rx.poll_recv(&mut cx) else {
            panic!("queued")
        };
        assert!(std::ptr::eq(&*first, a_ptr));
        assert!(matches!(rx.poll_recv(&mut cx), Poll::Ready(Some(_))));
        assert!(rx.poll_recv(&mut cx).is_pending());
    }

    #[test]
    fn close_ends_the_receiver_and_a_dropped_receiver_answers_closed() {
        let (tx, mut rx) = inbox(4);
        let mut cx = Context::from_waker(Waker::noop());
        tx.close();
        assert!(matches!(rx.poll_recv(&mut cx), Poll::Ready(None)));
        let (tx, rx) = inbox(4);
        let (a, mut answer) = cmd();
        tx.try_send(a).unwrap();
        drop(rx);
        // The queued command's reply channel is gone: its caller sees the connection closed.
        assert!(answer.try_recv().is_err());
        let (b, _rb) = cmd();
        assert!(matches!(tx.try_send(b), Err(SendError::Closed)));
    }
}
