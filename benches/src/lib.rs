//! Shared set-up for the criterion benches in `benches/`.

/// Makes `gvapython` start the project's `.venv` Python (where `gstgva` is installed), unless
/// `GVA_PYTHON_EXE` or `VIRTUAL_ENV` already chooses an interpreter.
///
/// # Safety
/// It sets an environment variable: call it at start-up, before any other thread exists.
pub unsafe fn python_from_venv() {
    let venv_python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    if std::env::var_os("GVA_PYTHON_EXE").is_none()
        && std::env::var_os("VIRTUAL_ENV").is_none()
        && venv_python.exists()
    {
        // SAFETY: the caller's contract (no other thread yet).
        unsafe { std::env::set_var("GVA_PYTHON_EXE", &venv_python) };
    }
}
