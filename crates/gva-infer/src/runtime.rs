//! Finding and loading OpenVINO's C runtime.
//!
//! The PyPI `openvino` wheel ships the C library only as `libopenvino_c.so.<version>`, with no
//! RUNPATH, next to `libopenvino.so.<version>` and `libtbb.so.12` — which `openvino-finder`
//! does not look for. So the libraries are loaded here explicitly, dependencies first, from:
//! `GVA_OPENVINO_LIBS` (a folder), else the wheel of the Python the project was built with
//! (recorded at build time), else wherever `openvino-finder` finds a system installation.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Folder of the `openvino` wheel's libraries found at build time ("" if none).
pub const DEFAULT_LIBS: &str = env!("GVA_DEFAULT_OPENVINO_LIBS");

/// Why OpenVINO could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuntimeError {
    /// No folder with OpenVINO's C library was found.
    #[error(
        "OpenVINO's C library was not found: set GVA_OPENVINO_LIBS to the 'libs' folder of the \
         openvino Python package (or run `cargo xtask setup`); {0}"
    )]
    NotFound(String),
    /// A library exists but could not be loaded.
    #[error("could not load {path}: {reason}")]
    Load {
        /// The library file.
        path: String,
        /// The loader's message.
        reason: String,
    },
}

/// Loads OpenVINO once per process; later calls return the first outcome.
pub fn load() -> Result<(), RuntimeError> {
    static LOADED: OnceLock<Result<(), RuntimeError>> = OnceLock::new();
    LOADED.get_or_init(load_now).clone()
}

/// The folder the libraries are taken from, if any is configured.
pub fn libs_dir() -> Option<PathBuf> {
    std::env::var_os("GVA_OPENVINO_LIBS")
        .map(PathBuf::from)
        .or_else(|| (!DEFAULT_LIBS.is_empty()).then(|| PathBuf::from(DEFAULT_LIBS)))
}

fn load_now() -> Result<(), RuntimeError> {
    let Some(dir) = libs_dir() else {
        return openvino_sys::library::load().map_err(RuntimeError::NotFound);
    };
    let c_lib = find(&dir, "libopenvino_c.so")?;
    // Dependencies first: libopenvino_c has no RUNPATH to find them by itself.
    for name in ["libtbb.so", "libopenvino.so"] {
        if let Ok(dep) = find(&dir, name) {
            // SAFETY: OpenVINO's own libraries; their initializers are what OpenVINO runs anyway.
            let lib = unsafe { libloading::os::unix::Library::open(Some(&dep), libc_flags()) }
                .map_err(|e| RuntimeError::Load {
                    path: dep.display().to_string(),
                    reason: e.to_string(),
                })?;
            // Kept loaded for the life of the process, like every shared library it needs.
            std::mem::forget(lib);
        }
    }
    openvino_sys::library::load_from(&c_lib).map_err(|reason| RuntimeError::Load {
        path: c_lib.display().to_string(),
        reason,
    })
}

fn libc_flags() -> std::ffi::c_int {
    libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL
}

/// `dir/<prefix>` or the versioned `dir/<prefix>.<version>`.
fn find(dir: &Path, prefix: &str) -> Result<PathBuf, RuntimeError> {
    let exact = dir.join(prefix);
    if exact.is_file() {
        return Ok(exact);
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| RuntimeError::NotFound(format!("{}: {e}", dir.display())))?;
    let mut versioned: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{prefix}.")))
        })
        .collect();
    versioned.sort();
    versioned
        .pop()
        .ok_or_else(|| RuntimeError::NotFound(format!("no {prefix}* in {}", dir.display())))
}
