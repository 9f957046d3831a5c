//! The end of a host Python interpreter, as threads running gva-rs code see it.
//!
//! When a Python application exits (returns from its script, `sys.exit()`, an uncaught Ctrl-C),
//! CPython finalizes the interpreter, and from then on any other thread that takes the GIL — or
//! is already waiting for it, e.g. a callback in `time.sleep` — is ended inside CPython's
//! `take_gil` with `pthread_exit()`. That is a forced unwind of the thread's whole stack. C
//! frames let it pass (GStreamer's own streaming threads end quietly), but a Rust frame on the
//! way aborts the process: an `extern "C"` function (every gstreamer-rs vfunc trampoline, the
//! pool's completion callback) cannot unwind, a `catch_unwind` (gstreamer-rs's panic guards, a
//! thread spawned by Rust) cannot catch a foreign exception, and pyo3's attach guard calls
//! `PyGILState_Release` ("Fatal Python error"). (The landing pads run when libgcc's unwinder is
//! the global one, as in every application that loads OpenVINO after PyGObject; with LLVM's
//! libunwind first, Rust's personality routine reads nothing and skips them.)
//!
//! Python runs under our frames wherever our code passes something on: gvapython's callback;
//! a frame pushed by an inference element's completion thread (a pad probe, an `appsink`
//! handler downstream runs there); an event, query or message forwarded by any of our vfuncs
//! (a probe, a bus sync handler); a signal we emit (`handoff`). So no thread may be in any of
//! those when finalization starts. Each of them passes this crate's gate ([`enter`]), and an
//! `atexit` hook — CPython runs those before it starts finalizing, with the interpreter intact
//! — closes the gate, waits (GIL released, at most [`DRAIN_TIMEOUT`]) for the threads inside to
//! leave, then releases the Python objects of every registered owner ([`Release`]). Once
//! closed, the paths drop what they would have passed on: a frame (`FLUSHING`), an event or a
//! query (`false`), a message, a signal, a Python call.
//!
//! The hook reaches the interpreter through `dlsym(RTLD_DEFAULT, …)` of CPython's stable C API
//! ([`install_exit_hook`], called where an element starts): the `gva` plugin does not link
//! libpython and loads in a plain `gst-launch-1.0`. Each plugin links its own copy of this
//! crate, so each has its own gate and registers its own hook; both run before finalization.

mod gate;
mod host;
mod owners;
mod vfuncs;

use std::sync::LazyLock;
use std::time::Duration;

use gst::prelude::*;

pub use gate::Inside;
pub use host::{Host, install_exit_hook};
pub use owners::{Release, register};

/// What the vfunc macros name, whatever the element crate calls its dependencies.
#[doc(hidden)]
pub mod __private {
    pub use gst;
    pub use gst::subclass::prelude::ElementImplExt;
    pub use gst_base::subclass::prelude::BaseTransformImplExt;
}

/// How long the exit hook waits for the threads inside the gate. A thread that has not left by
/// then (a callback waiting for something the exiting application would have done, a frame
/// held by a paused sink) stays inside, and may be ended by CPython as before.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// This copy's gate (one per plugin).
static GATE: gate::Gate = gate::Gate::new();

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvaexitgate",
        gst::DebugColorFlags::empty(),
        Some("gva-rs: threads kept out of an ending Python interpreter"),
    )
});

/// Where an element starts: registers the exit hook when the process runs Python
/// ([`install_exit_hook`]). A failure is logged as a warning of `element`, which works on,
/// unguarded at exit.
pub fn on_start(element: &impl IsA<gst::Element>) {
    match install_exit_hook() {
        Ok(host) => gst::trace!(CAT, obj = element, "started; host: {host:?}"),
        Err(e) => gst::warning!(
            CAT,
            obj = element,
            "could not register the interpreter exit hook: {e}"
        ),
    }
}

/// Enters the gate, unless the interpreter of the application is ending (then `None`: pass
/// nothing on, call no Python). Hold the guard for as long as Python may run under the
/// caller's frames; leaving is dropping it.
pub fn enter() -> Option<Inside> {
    GATE.enter()
}

/// Whether the gate is closed: the application's interpreter is ending.
pub fn is_closed() -> bool {
    GATE.is_closed()
}

/// Closes the gate for good, as the exit hook does first (without waiting for the threads
/// inside). For tests of what an element does once the interpreter is ending.
pub fn close() {
    GATE.close();
}
