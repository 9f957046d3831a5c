//! Links the plugin against the interpreter pyo3 was configured with (PYO3_PYTHON: the project's
//! `.venv` python) and records that interpreter as the default for the embedded Python.
fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
    let config = pyo3_build_config::get();
    if let Some(exe) = config.executable() {
        println!("cargo:rustc-env=GVA_DEFAULT_PYTHON={exe}");
    } else {
        println!("cargo:rustc-env=GVA_DEFAULT_PYTHON=python3");
    }
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
}
