//! Holders of Python objects that the exit hook releases while the interpreter still works.

use std::sync::{Mutex, MutexGuard, Weak};

/// Something holding Python objects that must be released before the interpreter ends
/// (gvapython's callback: its class instance's `__del__` must run).
pub trait Release: Send + Sync {
    /// Drops the Python objects now. Called by the exit hook on the exiting thread, with the
    /// GIL held, after the threads inside the gate have left.
    fn release(&self);
}

static OWNERS: Mutex<Vec<Weak<dyn Release>>> = Mutex::new(Vec::new());

fn lock() -> MutexGuard<'static, Vec<Weak<dyn Release>>> {
    OWNERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers `owner` to be released by the exit hook (owners dropped meanwhile are skipped).
pub fn register(owner: Weak<dyn Release>) {
    let mut owners = lock();
    owners.retain(|o| o.strong_count() > 0);
    owners.push(owner);
}

/// Releases every live owner, once (the list is emptied first; no lock is held across a
/// release). A release that panics is skipped: nothing may unwind into the interpreter.
pub(crate) fn release_all() {
    let owners = std::mem::take(&mut *lock());
    for owner in owners.iter().filter_map(Weak::upgrade) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| owner.release()));
    }
}
