//! Records where the `openvino` wheel of the build's Python (PYO3_PYTHON, else the project's
//! `.venv`)
//! keeps OpenVINO's C libraries, as the default for `runtime::load`.
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let python = std::env::var("PYO3_PYTHON").unwrap_or_else(|_| {
        if venv.exists() {
            venv.to_string_lossy().into_owned()
        } else {
            "python3".to_owned()
        }
    });
    let out = Command::new(&python)
        .args([
            "-c",
            "import openvino, os; print(os.path.join(os.path.dirname(openvino.__file__), 'libs'))",
        ])
        .output();
    let dir = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        _ => String::new(),
    };
    println!("cargo:rustc-env=GVA_DEFAULT_OPENVINO_LIBS={dir}");
}
