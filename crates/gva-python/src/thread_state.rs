//! One Python thread state per streaming thread, kept for the thread's life.
//!
//! `PyGILState_Ensure`/`Release` on a thread Python doesn't know creates and destroys a thread
//! state every time — per frame, in a streaming thread. Instead the first call on a thread
//! creates one (and keeps the GILState counter at 1 so CPython never deletes it); each frame
//! then only swaps it in (`PyEval_RestoreThread`) and out (`PyEval_SaveThread`). The GIL is held
//! only inside [`with_gil`].

use std::cell::Cell;

use pyo3::ffi;
use pyo3::prelude::*;

struct Pinned(Cell<*mut ffi::PyThreadState>);

impl Drop for Pinned {
    fn drop(&mut self) {
        let ts = self.0.get();
        if ts.is_null() {
            return;
        }
        // SAFETY: the thread ends; delete its thread state while Python still runs (never
        // during finalization, when taking the GIL would end this thread).
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

/// Runs `f` holding the GIL, with this thread's pinned thread state.
pub fn with_gil<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> R {
    // SAFETY: GIL state transitions on this thread only; the pinned state is this thread's.
    unsafe {
        if ffi::PyGILState_Check() != 0 {
            // Already holding the GIL (e.g. called from Python code on this thread).
            return Python::attach(f);
        }
        let mut ts = PINNED.with(|p| p.0.get());
        if ts.is_null() {
            if !ffi::PyGILState_GetThisThreadState().is_null() {
                // A thread Python knows (e.g. an application thread calling set_state): its
                // thread state belongs to Python, which deletes it when the thread ends, so
                // it must not be pinned; attaching to it costs no creation either.
                return Python::attach(f);
            }
            ffi::PyGILState_Ensure(); // new thread state, GIL held, counter 1 (kept)
            ts = ffi::PyEval_SaveThread();
            PINNED.with(|p| p.0.set(ts));
        }
        ffi::PyEval_RestoreThread(ts);
        let out = Python::attach(f);
        ffi::PyEval_SaveThread();
        out
    }
}
