//! Links the plugin against the interpreter pyo3 was configured with (PYO3_PYTHON: the project's
//! `.venv` python) and records that interpreter as the default for the embedded Python.
fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
    let config = pyo3_build_config::get();
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if std::env::var_os("PYO3_PYTHON").is_none() && venv.exists() {
        // A plain `cargo build` in the checkout: the embedded Python still uses the project's
        // virtualenv (where gstgva is installed).
        println!("cargo:rustc-env=GVA_DEFAULT_PYTHON={}", venv.display());
    } else if let Some(exe) = config.executable() {
        println!("cargo:rustc-env=GVA_DEFAULT_PYTHON={exe}");
    } else {
        println!("cargo:rustc-env=GVA_DEFAULT_PYTHON=python3");
    }
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
}
