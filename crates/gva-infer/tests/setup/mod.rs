//! For the tests that need what `cargo xtask setup` provides: OpenVINO's runtime (the
//! `openvino` wheel in `.venv`) and the generated test models (`target/models`, written by
//! `cargo xtask models`).
//!
//! Under plain `cargo test`, e.g. on a fresh clone, such a test returns early and says on stderr
//! what is missing and how to get it. Under `cargo xtask test`, which sets `GVA_REQUIRE_SETUP=1`,
//! a missing piece fails the test instead, so CI can never skip silently.
//!
//! Shared by the integration tests (`mod setup;`) and the unit tests of `src/pool.rs`
//! (`#[path]`), so OpenVINO's loader is passed in rather than named.
#![allow(dead_code)] // each test file uses part of it

use std::fmt::Display;
use std::io::Write;
use std::path::PathBuf;

/// The variable `cargo xtask test` sets: every test must run.
pub const REQUIRE_SETUP: &str = "GVA_REQUIRE_SETUP";

/// The generated test models' folder (`target/models`).
pub fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models")
}

/// Whether the generated test models are there; if not, skips (or fails) the calling test.
pub fn have_models() -> bool {
    let marker = models().join("detector_ssd.xml");
    marker.is_file()
        || skip(
            format_args!(
                "the generated test models are missing ({})",
                marker.display()
            ),
            "cargo xtask models",
        )
}

/// Whether OpenVINO loads (with `load`, i.e. `gva_infer::runtime::load`) and the generated
/// test models are there; if not, skips (or fails) the calling test.
pub fn have_openvino_and_models<E: Display>(load: fn() -> Result<(), E>) -> bool {
    let openvino = match load() {
        Ok(()) => true,
        Err(e) => skip(
            format_args!("OpenVINO's runtime is not available: {e}"),
            "cargo xtask setup",
        ),
    };
    openvino && have_models()
}

/// Fails the test under `GVA_REQUIRE_SETUP=1`; otherwise notes the skip and returns false.
fn skip(reason: std::fmt::Arguments<'_>, fix: &str) -> bool {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("test");
    if std::env::var_os(REQUIRE_SETUP).is_some_and(|v| v == "1") {
        panic!("{test}: {reason}. {REQUIRE_SETUP}=1 forbids skipping it: run `{fix}`.");
    }
    // Written to stderr itself: libtest hides what `eprintln!` prints in a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {reason}. Run `{fix}` (or `cargo xtask test`) to run it."
    );
    false
}
