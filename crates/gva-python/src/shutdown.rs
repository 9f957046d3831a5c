//! The end of the interpreter, as GStreamer threads see it.
//!
//! When a Python application exits (returns from its script, `sys.exit()`, an uncaught Ctrl-C),
//! CPython finalizes the interpreter, and from then on any other thread that takes the GIL — or
//! is already waiting for it, e.g. a callback in `time.sleep` or writing a file — is ended inside
//! CPython's `take_gil` with `pthread_exit()`. On a streaming thread that is a forced unwind
//! through Rust frames: pyo3's attach guard runs `PyGILState_Release` on the way ("Fatal Python
//! error: PyGILState_Release: thread state … must be current when releasing", SIGABRT), and
//! gstreamer-rs's `catch_unwind` further up would abort too. (The landing pads run when libgcc's
//! unwinder is the global one, as in every application that loads OpenVINO after PyGObject; with
//! LLVM's libunwind first, Rust's personality routine reads nothing and skips them — which is
//! why the abort comes and goes with the application's imports.)
//!
//! So no GStreamer thread may be inside the interpreter, or on its way in, when finalization
//! starts. Every entry goes through this gate ([`try_enter`], used by
//! [`crate::thread_state::with_gil`]). An `atexit` hook — CPython runs those before it starts
//! finalizing, with the interpreter intact — closes the gate, waits (GIL released) for the threads
//! inside to leave, then releases the Python objects of every registered owner (gvapython
//! elements: their instances' `__del__` runs there). Once closed, entering fails: frames are not
//! handed to Python any more, and objects left over are not touched.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::PyCFunction;

/// How long the exit hook waits for callbacks still running. A callback that has not returned by
/// then (it waits for something the exiting application would have done) keeps its thread inside,
/// and that thread is ended by CPython as before.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Something holding Python objects that must be released while the interpreter still works.
pub trait Release: Send + Sync {
    /// Drops the Python objects now (the caller is attached to the interpreter).
    fn release(&self, py: Python<'_>);
}

struct Gate {
    closed: bool,
    /// Entries not yet left, over all threads (nested entries count each).
    inside: usize,
}

static GATE: Mutex<Gate> = Mutex::new(Gate {
    closed: false,
    inside: 0,
});
static LEFT: Condvar = Condvar::new();
static OWNERS: LazyLock<Mutex<Vec<Weak<dyn Release>>>> = LazyLock::new(Mutex::default);

thread_local! {
    /// This thread's entries not yet left (the exit hook does not wait for its own thread).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn depth() -> usize {
    DEPTH.try_with(Cell::get).unwrap_or(0)
}

fn add_depth(delta: isize) {
    let _ = DEPTH.try_with(|d| d.set(d.get().saturating_add_signed(delta)));
}

/// Proof of being inside the gate; leaving is dropping it.
pub struct Inside(());

impl Drop for Inside {
    fn drop(&mut self) {
        add_depth(-1);
        let mut gate = lock(&GATE);
        gate.inside -= 1;
        drop(gate);
        LEFT.notify_all();
    }
}

/// Enters the interpreter's gate, unless the interpreter is ending (then `None`: do not touch
/// Python at all).
pub fn try_enter() -> Option<Inside> {
    let mut gate = lock(&GATE);
    if gate.closed {
        return None;
    }
    gate.inside += 1;
    drop(gate);
    add_depth(1);
    Some(Inside(()))
}

/// Whether the interpreter has ended for gvapython (the exit hook ran).
pub fn is_closed() -> bool {
    lock(&GATE).closed
}

/// Registers `owner` to be released by the exit hook (dead owners are skipped).
pub fn register(owner: Weak<dyn Release>) {
    let mut owners = lock(&OWNERS);
    owners.retain(|o| o.strong_count() > 0);
    owners.push(owner);
}

/// Registers the exit hook with Python's `atexit`, once per process.
pub fn install_exit_hook(py: Python<'_>) -> PyResult<()> {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    // Claimed before calling Python (no lock is held across the call), given back on failure.
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return Ok(());
    }
    let registered = PyCFunction::new_closure(
        py,
        Some(c"gvapython_at_exit"),
        Some(c"gvapython: keeps GStreamer threads out of the finalizing interpreter"),
        |args, _kwargs| -> PyResult<()> {
            at_exit(args.py());
            Ok(())
        },
    )
    .and_then(|hook| py.import("atexit")?.call_method1("register", (hook,)));
    if registered.is_err() {
        INSTALLED.store(false, Ordering::Release);
    }
    registered.map(drop)
}

/// The `atexit` hook: close the gate, let the threads inside leave, release every owner.
fn at_exit(py: Python<'_>) {
    let own = depth();
    lock(&GATE).closed = true;
    let drained = py.detach(|| {
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        let mut gate = lock(&GATE);
        while gate.inside > own {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            gate = LEFT
                .wait_timeout(gate, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        true
    });
    if !drained {
        eprintln!(
            "gvapython: a Python callback was still running {} s after the application began \
             to exit; its thread may be ended by the interpreter",
            DRAIN_TIMEOUT.as_secs()
        );
    }
    let owners: Vec<_> = std::mem::take(&mut *lock(&OWNERS));
    for owner in owners.iter().filter_map(Weak::upgrade) {
        owner.release(py);
    }
}
