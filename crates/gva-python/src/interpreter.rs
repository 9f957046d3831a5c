//! Starting CPython inside a GStreamer process, once.
//!
//! - In a Python application (PyGObject) the interpreter already runs: nothing to do.
//! - In `gst-launch-1.0` the plugin starts it. GStreamer loads plugins with `RTLD_LOCAL`, so
//!   libpython's symbols would be invisible to C extensions (`numpy`, `gi`): the already loaded
//!   libpython is promoted to `RTLD_GLOBAL` first. The interpreter is configured with
//!   `program_name` = the Python whose environment we want ([`python_executable`]: `GVA_PYTHON_EXE`,
//!   else the activated virtualenv, else the interpreter the plugin was built for, the project's
//!   `.venv`), so CPython's path logic reads
//!   that virtualenv's `pyvenv.cfg` and finds its packages. The GIL is released afterwards;
//!   streaming threads take it with their pinned thread state (`thread_state.rs`).

use std::ffi::{CString, c_void};
use std::sync::OnceLock;

use pyo3::ffi;

/// The interpreter used when `GVA_PYTHON_EXE` is not set.
pub const DEFAULT_PYTHON: &str = env!("GVA_DEFAULT_PYTHON");

/// Makes sure Python runs; the error says why it could not be started.
pub fn ensure() -> Result<(), String> {
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    STARTED.get_or_init(start).clone()
}

fn start() -> Result<(), String> {
    // SAFETY: plain queries / initialization on the first use, serialized by the OnceLock.
    unsafe {
        if ffi::Py_IsInitialized() != 0 {
            return Ok(());
        }
        promote_libpython();
        let exe = python_executable();
        let c_exe =
            CString::new(exe.clone()).map_err(|_| format!("GVA_PYTHON_EXE has a NUL: {exe:?}"))?;
        let mut config = std::mem::MaybeUninit::<ffi::PyConfig>::zeroed();
        ffi::PyConfig_InitPythonConfig(config.as_mut_ptr());
        let config = config.as_mut_ptr();
        (*config).install_signal_handlers = 0;
        (*config).parse_argv = 0;
        let status =
            ffi::PyConfig_SetBytesString(config, &mut (*config).program_name, c_exe.as_ptr());
        if ffi::PyStatus_Exception(status) != 0 {
            ffi::PyConfig_Clear(config);
            return Err(format!(
                "could not configure Python with program name {exe}"
            ));
        }
        let status = ffi::Py_InitializeFromConfig(config);
        ffi::PyConfig_Clear(config);
        if ffi::PyStatus_Exception(status) != 0 {
            let msg = if status.err_msg.is_null() {
                "unknown error".to_owned()
            } else {
                std::ffi::CStr::from_ptr(status.err_msg)
                    .to_string_lossy()
                    .into_owned()
            };
            return Err(format!("could not start Python ({exe}): {msg}"));
        }
        // Release the GIL: streaming threads take it with their own thread states.
        ffi::PyEval_SaveThread();
    }
    Ok(())
}

/// The interpreter whose environment the embedded Python uses: `GVA_PYTHON_EXE`, else the
/// activated virtualenv (`$VIRTUAL_ENV/bin/python`), else the one the plugin was built for.
pub fn python_executable() -> String {
    if let Ok(exe) = std::env::var("GVA_PYTHON_EXE") {
        return exe;
    }
    if let Ok(venv) = std::env::var("VIRTUAL_ENV") {
        let exe = std::path::Path::new(&venv).join("bin").join("python");
        if exe.exists() {
            return exe.to_string_lossy().into_owned();
        }
    }
    DEFAULT_PYTHON.to_owned()
}

/// Makes libpython's symbols global (see the module docs).
unsafe fn promote_libpython() {
    // SAFETY: dladdr on one of libpython's own functions; dlopen with RTLD_NOLOAD only changes
    // the flags of the already loaded library.
    unsafe {
        let mut info: libc::Dl_info = std::mem::zeroed();
        if libc::dladdr(ffi::Py_IsInitialized as *const c_void, &mut info) != 0
            && !info.dli_fname.is_null()
        {
            libc::dlopen(
                info.dli_fname,
                libc::RTLD_NOW | libc::RTLD_GLOBAL | libc::RTLD_NOLOAD,
            );
        }
    }
}
