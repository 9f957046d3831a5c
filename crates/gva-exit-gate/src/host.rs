//! The host process's Python interpreter, when it has one, reached without linking libpython.
//!
//! A plugin that must load in a plain `gst-launch-1.0` cannot link libpython; inside a Python
//! application (or next to gvapython's embedded interpreter) CPython's stable C API is in the
//! global symbol scope, so `dlsym(RTLD_DEFAULT, …)` finds it. The exit hook is registered with
//! `atexit` through that API: CPython calls `atexit` functions before it begins to finalize,
//! with the interpreter intact and the GIL held by the exiting thread.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::io::Write;
use std::ptr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::{DRAIN_TIMEOUT, GATE, owners};

/// A `PyObject`, never looked into.
type Object = c_void;

/// CPython's `PyMethodDef` (unchanged since Python 2).
#[repr(C)]
struct MethodDef {
    name: *const c_char,
    meth: unsafe extern "C" fn(*mut Object, *mut Object) -> *mut Object,
    flags: c_int,
    doc: *const c_char,
}

// SAFETY: immutable: pointers to static C strings and a function.
unsafe impl Sync for MethodDef {}

/// `METH_NOARGS`: called as `meth(module, NULL)`.
const METH_NOARGS: c_int = 0x0004;

/// The `atexit` function.
static AT_EXIT: MethodDef = MethodDef {
    name: c"gva_exit_gate".as_ptr(),
    meth: at_exit,
    flags: METH_NOARGS,
    doc: c"gva-rs: keeps GStreamer threads out of the ending interpreter".as_ptr(),
};

/// The functions of CPython's stable C API the hook uses.
struct Api {
    is_initialized: unsafe extern "C" fn() -> c_int,
    /// `Py_IsFinalizing` (3.13) or `_Py_IsFinalizing` (before).
    is_finalizing: Option<unsafe extern "C" fn() -> c_int>,
    gil_ensure: unsafe extern "C" fn() -> c_int,
    gil_release: unsafe extern "C" fn(c_int),
    save_thread: unsafe extern "C" fn() -> *mut c_void,
    restore_thread: unsafe extern "C" fn(*mut c_void),
    import_module: unsafe extern "C" fn(*const c_char) -> *mut Object,
    new_function: unsafe extern "C" fn(*const MethodDef, *mut Object, *mut Object) -> *mut Object,
    call_method:
        unsafe extern "C" fn(*mut Object, *const c_char, *const c_char, ...) -> *mut Object,
    inc_ref: unsafe extern "C" fn(*mut Object),
    dec_ref: unsafe extern "C" fn(*mut Object),
    err_clear: unsafe extern "C" fn(),
    /// `&_Py_NoneStruct`.
    none: *mut Object,
}

// SAFETY: function pointers and the address of the immortal `None`.
unsafe impl Send for Api {}
// SAFETY: as for Send; nothing is mutated through it.
unsafe impl Sync for Api {}

/// The address of `name` in the global scope, if some loaded object defines it.
fn address(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: dlsym with a NUL-terminated name; the result is only compared and stored.
    let found = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!found.is_null()).then_some(found)
}

/// The function `name` of the global scope as `F` (a function pointer type).
///
/// # Safety
/// `F` must be the C signature of `name`.
unsafe fn function<F: Copy>(name: &CStr) -> Option<F> {
    const { assert!(size_of::<F>() == size_of::<*mut c_void>()) };
    // SAFETY: the caller names the right signature; sizes are checked above.
    address(name).map(|found| unsafe { std::mem::transmute_copy(&found) })
}

impl Api {
    /// The API, when this process has CPython's symbols in its global scope.
    fn find() -> Option<Self> {
        // SAFETY: the signatures are CPython's (Include/pylifecycle.h, pystate.h, ceval.h,
        // import.h, methodobject.h, abstract.h, object.h, pyerrors.h).
        unsafe {
            Some(Self {
                is_initialized: function(c"Py_IsInitialized")?,
                is_finalizing: function(c"Py_IsFinalizing")
                    .or_else(|| function(c"_Py_IsFinalizing")),
                gil_ensure: function(c"PyGILState_Ensure")?,
                gil_release: function(c"PyGILState_Release")?,
                save_thread: function(c"PyEval_SaveThread")?,
                restore_thread: function(c"PyEval_RestoreThread")?,
                import_module: function(c"PyImport_ImportModule")?,
                new_function: function(c"PyCFunction_NewEx")?,
                call_method: function(c"PyObject_CallMethod")?,
                inc_ref: function(c"Py_IncRef")?,
                dec_ref: function(c"Py_DecRef")?,
                err_clear: function(c"PyErr_Clear")?,
                none: address(c"_Py_NoneStruct")?,
            })
        }
    }

    /// The process's API; looked for again until found (libpython may be promoted to the
    /// global scope later, by gvapython in `gst-launch-1.0`).
    fn get() -> Option<&'static Self> {
        static API: OnceLock<Api> = OnceLock::new();
        if let Some(api) = API.get() {
            return Some(api);
        }
        let found = Self::find()?;
        Some(API.get_or_init(|| found))
    }

    /// Whether an interpreter runs and is not ending.
    fn is_running(&self) -> bool {
        // SAFETY: plain queries, callable on any thread, with or without the GIL.
        unsafe { (self.is_initialized)() != 0 && self.is_finalizing.is_none_or(|f| f() == 0) }
    }

    /// Registers [`AT_EXIT`] with `atexit`.
    ///
    /// # Safety
    /// The interpreter must be running (not finalizing).
    unsafe fn register_at_exit(&self) -> Result<(), String> {
        // SAFETY: the GIL is taken for the calls and given back; every new reference is
        // released; a Python error is cleared before the GIL goes.
        unsafe {
            let gil = (self.gil_ensure)();
            let atexit = (self.import_module)(c"atexit".as_ptr());
            let hook = if atexit.is_null() {
                ptr::null_mut()
            } else {
                (self.new_function)(&AT_EXIT, ptr::null_mut(), ptr::null_mut())
            };
            let registered = if hook.is_null() {
                ptr::null_mut()
            } else {
                (self.call_method)(atexit, c"register".as_ptr(), c"O".as_ptr(), hook)
            };
            let result = if registered.is_null() {
                (self.err_clear)();
                Err(if atexit.is_null() {
                    "Python's atexit module could not be imported"
                } else {
                    "atexit.register failed"
                }
                .to_owned())
            } else {
                Ok(())
            };
            for object in [registered, hook, atexit] {
                (self.dec_ref)(object); // Py_DecRef takes NULL
            }
            (self.gil_release)(gil);
            result
        }
    }
}

/// What [`install_exit_hook`] found in the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// A running Python interpreter: the exit hook is registered with it (now or earlier).
    Python,
    /// No running Python interpreter (e.g. `gst-launch-1.0` without gvapython): nothing to
    /// guard, nothing registered.
    NoPython,
    /// The interpreter is ending (or the hook has run): too late to register.
    Ending,
}

/// Registers the exit hook with the host's Python interpreter, once per process (per copy of
/// this crate: each plugin has its own gate and its own hook). Call it where an element
/// starts; without an interpreter it is a cheap no-op, tried again at the next start.
pub fn install_exit_hook() -> Result<Host, String> {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.load(Ordering::Acquire) {
        return Ok(Host::Python);
    }
    if GATE.is_closed() {
        return Ok(Host::Ending);
    }
    let Some(api) = Api::get() else {
        return Ok(Host::NoPython);
    };
    if !api.is_running() {
        // SAFETY: a plain query.
        let initialized = unsafe { (api.is_initialized)() } != 0;
        return Ok(if initialized {
            Host::Ending
        } else {
            Host::NoPython
        });
    }
    // Claimed before calling Python (no lock is held across the call), given back on failure.
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return Ok(Host::Python);
    }
    // SAFETY: the interpreter runs (checked just above).
    let registered = unsafe { api.register_at_exit() };
    if registered.is_err() {
        INSTALLED.store(false, Ordering::Release);
    }
    registered.map(|()| Host::Python)
}

/// The `atexit` function: close the gate, let the threads inside leave (GIL released), release
/// every registered owner (GIL held), return `None`.
unsafe extern "C" fn at_exit(_module: *mut Object, _args: *mut Object) -> *mut Object {
    let Some(api) = Api::get() else {
        // Unreachable: the function was registered through the API.
        return ptr::null_mut();
    };
    GATE.close();
    // SAFETY: atexit functions run with the GIL held by this thread; it is given back below.
    let state = unsafe { (api.save_thread)() };
    let drained = GATE.drain(DRAIN_TIMEOUT);
    // SAFETY: the thread state saved above, on the same thread.
    unsafe { (api.restore_thread)(state) };
    if !drained {
        let _ = writeln!(
            std::io::stderr(),
            "gva-rs: a streaming thread was still inside a gva-rs element {} s after the \
             application began to exit (a Python callback that does not return, or a frame held \
             downstream); the interpreter may end that thread",
            DRAIN_TIMEOUT.as_secs()
        );
    }
    owners::release_all();
    // SAFETY: a new reference to None, as a C function returning None does.
    unsafe { (api.inc_ref)(api.none) };
    api.none
}
