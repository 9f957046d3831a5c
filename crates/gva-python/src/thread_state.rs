//! One Python thread state per streaming thread, kept for the thread's life.
//!
//! `PyGILState_Ensure`/`Release` on a thread Python doesn't know creates and destroys a thread
//! state every time — per frame, in a streaming thread. Instead the first call on a thread
//! creates one (and keeps the GILState counter at 1 so CPython never deletes it); each frame
//! then only swaps it in (`PyEval_RestoreThread`) and out (`PyEval_SaveThread`). The GIL is held
//! only inside [`with_gil`], and only through the gate of [`crate::shutdown`]: never while the
//! interpreter finalizes.

use std::cell::Cell;

use pyo3::ffi;
use pyo3::prelude::*;

use crate::shutdown;

struct Pinned(Cell<*mut ffi::PyThreadState>);

impl Drop for Pinned {
    fn drop(&mut self) {
        let ts = self.0.get();
        if ts.is_null() {
            return;
        }
        // The thread ends: delete its thread state while Python still runs. Once the
        // interpreter has begun to end, leave it to the interpreter (taking the GIL then would
        // end this thread inside its own exit).
        let Some(_inside) = shutdown::try_enter() else {
            return;
        };
        // SAFETY: our own thread state, swapped in and released on this thread.
        unsafe {
            if ffi::Py_IsInitialized() != 0 && !is_finalizing() {
                ffi::PyEval_RestoreThread(ts);
                ffi::PyGILState_Release(ffi::PyGILState_STATE::PyGILState_UNLOCKED);
            }
        }
    }
}

fn is_finalizing() -> bool {
    // SAFETY: a plain query, available in CPython 3.11 as _Py_IsFinalizing.
    unsafe extern "C" {
        fn _Py_IsFinalizing() -> std::ffi::c_int;
    }
    unsafe { _Py_IsFinalizing() != 0 }
}

thread_local! {
    static PINNED: Pinned = const { Pinned(Cell::new(std::ptr::null_mut())) };
}

/// Runs `f` holding the GIL, with this thread's pinned thread state. `Err(f)` (not run) when
/// Python is not running or is ending: then nothing Python-side may be done.
pub fn with_gil<R, F>(f: F) -> Result<R, F>
where
    F: for<'py> FnOnce(Python<'py>) -> R,
{
    let Some(_inside) = shutdown::try_enter() else {
        return Err(f);
    };
    // SAFETY: plain queries.
    if unsafe { ffi::Py_IsInitialized() } == 0 || is_finalizing() {
        return Err(f);
    }
    // SAFETY: GIL state transitions on this thread only; the pinned state is this thread's.
    unsafe {
        if ffi::PyGILState_Check() != 0 {
            // Already holding the GIL (e.g. called from Python code on this thread).
            return Ok(Python::attach(f));
        }
        let pinned = PINNED.try_with(|p| p.0.get());
        let mut ts = match pinned {
            Ok(ts) => ts,
            // This thread is being torn down: a passing thread state, as CPython makes one.
            Err(_) => return Ok(Python::attach(f)),
        };
        if ts.is_null() {
            if !ffi::PyGILState_GetThisThreadState().is_null() {
                // A thread Python knows (e.g. an application thread calling set_state): its
                // thread state belongs to Python, which deletes it when the thread ends, so
                // it must not be pinned; attaching to it costs no creation either.
                return Ok(Python::attach(f));
            }
            ffi::PyGILState_Ensure(); // new thread state, GIL held, counter 1 (kept)
            ts = ffi::PyEval_SaveThread();
            PINNED.with(|p| p.0.set(ts));
        }
        ffi::PyEval_RestoreThread(ts);
        let out = Python::attach(f);
        ffi::PyEval_SaveThread();
        Ok(out)
    }
}
