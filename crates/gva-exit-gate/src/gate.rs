//! The gate itself: entries counted without a lock, closed once and for good, drained by the
//! exit hook.

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Set in [`Gate::state`] once the gate is closed; the other bits count the entries not yet
/// left, over all threads (nested entries count each).
const CLOSED: usize = 1 << (usize::BITS - 1);

/// A gate that threads pass while they may call into Python, until it is closed.
pub(crate) struct Gate {
    state: AtomicUsize,
    /// Taken by a thread leaving a closed gate before it wakes the drain, and by the drain
    /// around its check and its wait, so that no wake-up is lost in between.
    left_lock: Mutex<()>,
    left: Condvar,
}

thread_local! {
    /// This thread's entries not yet left (the drain does not wait for its own thread).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

fn depth() -> usize {
    DEPTH.try_with(Cell::get).unwrap_or(0)
}

fn add_depth(delta: isize) {
    let _ = DEPTH.try_with(|d| d.set(d.get().saturating_add_signed(delta)));
}

fn lock(m: &Mutex<()>) -> MutexGuard<'_, ()> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Proof of being inside a gate; leaving is dropping it, on the thread that entered.
#[must_use = "the gate is left when this is dropped"]
pub struct Inside {
    gate: &'static Gate,
    /// Not `Send`: the entry counts in this thread's depth.
    _thread: PhantomData<*const ()>,
}

impl Drop for Inside {
    fn drop(&mut self) {
        self.gate.leave();
    }
}

impl Gate {
    /// An open gate.
    pub(crate) const fn new() -> Self {
        Self {
            state: AtomicUsize::new(0),
            left_lock: Mutex::new(()),
            left: Condvar::new(),
        }
    }

    /// Enters, unless the gate is closed.
    pub(crate) fn enter(&'static self) -> Option<Inside> {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state & CLOSED != 0 {
                return None;
            }
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        add_depth(1);
        Some(Inside {
            gate: self,
            _thread: PhantomData,
        })
    }

    fn leave(&self) {
        add_depth(-1);
        if self.state.fetch_sub(1, Ordering::AcqRel) & CLOSED != 0 {
            drop(lock(&self.left_lock));
            self.left.notify_all();
        }
    }

    /// Whether the gate is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Closes the gate: from now on nobody enters.
    pub(crate) fn close(&self) {
        self.state.fetch_or(CLOSED, Ordering::AcqRel);
    }

    /// Entries not yet left, over all threads.
    pub(crate) fn inside(&self) -> usize {
        self.state.load(Ordering::Acquire) & !CLOSED
    }

    /// Waits until every thread but this one has left, at most `timeout`; `false` when some
    /// thread is still inside then.
    pub(crate) fn drain(&self, timeout: Duration) -> bool {
        let own = depth();
        let deadline = Instant::now() + timeout;
        let mut guard = lock(&self.left_lock);
        loop {
            if self.inside() <= own {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            guard = self
                .left
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::thread;

    use super::*;

    fn gate() -> &'static Gate {
        Box::leak(Box::new(Gate::new()))
    }

    #[test]
    fn entries_count_until_left_and_none_get_in_once_closed() {
        let gate = gate();
        let outer = gate.enter().expect("open");
        let inner = gate.enter().expect("open, nested");
        assert_eq!(gate.inside(), 2);
        gate.close();
        assert!(gate.is_closed());
        assert!(gate.enter().is_none());
        assert_eq!(gate.inside(), 2);
        drop(inner);
        drop(outer);
        assert_eq!(gate.inside(), 0);
        assert!(gate.enter().is_none(), "closed for good");
    }

    #[test]
    fn the_drain_waits_for_another_thread_to_leave() {
        let gate = gate();
        let (entered, wait_entered) = mpsc::channel();
        let (leave, wait_leave) = mpsc::channel::<()>();
        let other = thread::spawn(move || {
            let inside = gate.enter().expect("open");
            entered.send(()).unwrap();
            wait_leave.recv().unwrap();
            drop(inside);
        });
        wait_entered.recv().unwrap();
        gate.close();
        assert!(
            !gate.drain(Duration::from_millis(50)),
            "the other thread is still inside"
        );
        leave.send(()).unwrap();
        assert!(gate.drain(Duration::from_secs(30)));
        assert_eq!(gate.inside(), 0);
        other.join().unwrap();
    }

    #[test]
    fn the_drain_does_not_wait_for_its_own_thread() {
        let gate = gate();
        thread::spawn(move || {
            let _inside = gate.enter().expect("open");
            gate.close();
            assert!(gate.drain(Duration::from_secs(30)));
            assert_eq!(gate.inside(), 1);
        })
        .join()
        .unwrap();
        assert_eq!(gate.inside(), 0);
    }
}
