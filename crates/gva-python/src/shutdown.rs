//! The end of the interpreter, as gvapython sees it: the gate of [`gva_exit_gate`] (its crate
//! docs explain why and how), shared with the `gva` plugin's elements.
//!
//! Every entry into Python goes through the gate ([`crate::thread_state::with_gil`]); the
//! element's vfuncs that pass things on (events, queries, messages, frames in) do too. The exit
//! hook — registered when a gvapython element starts, run by `atexit` before CPython finalizes —
//! closes the gate, waits for the threads inside to leave, then releases the Python objects of
//! every registered owner (gvapython elements' callbacks: their instances' `__del__` runs
//! there). Once closed, entering fails: frames are not handed to Python any more, and objects
//! left over are not touched.

pub use gva_exit_gate::{Release, enter as try_enter, is_closed, on_start, register};
