//! Shared test set-up of gva-python's integration tests.

use std::path::Path;
use std::sync::Once;

/// Points the embedded interpreter at the project's `.venv` (it has `gstgva` and numpy) unless
/// the environment names one, gives GStreamer a registry of the tests' own, initializes it and
/// registers `gvapython` and gva-meta's metas; once per process.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let venv_python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
        // SAFETY: runs once, before GStreamer or Python start any thread of their own; the other
        // test threads are blocked on this Once.
        unsafe {
            if std::env::var_os("GVA_PYTHON_EXE").is_none()
                && std::env::var_os("VIRTUAL_ENV").is_none()
                && venv_python.exists()
            {
                std::env::set_var("GVA_PYTHON_EXE", &venv_python);
            }
            if std::env::var_os("GST_REGISTRY_1_0").is_none() {
                std::env::set_var(
                    "GST_REGISTRY_1_0",
                    std::env::temp_dir().join("gvapython-tests-registry.bin"),
                );
            }
        }
        gst::init().unwrap();
        gstgvapython::plugin_register_static().unwrap();
        gva_meta::register().unwrap();
    });
}
