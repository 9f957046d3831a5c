//! `cargo xtask test`: setup, then every test of the workspace, hermetically.

use std::fs;

use crate::env;
use crate::project::{Project, Result, exec, output, step};
use crate::setup;

/// Runs cargo's tests (unit, integration, doc), pytest, the stub check, ruff and the short soak.
/// Extra arguments go to `cargo test`.
pub fn run_tests(p: &Project, cargo_args: &[String]) -> Result<()> {
    let vars = env::hermetic(p);
    fs::create_dir_all(p.test_dir()).map_err(|e| format!("{}: {e}", p.test_dir().display()))?;
    let pytest = |paths: &[&str]| {
        let mut cmd = p.command(p.python());
        cmd.args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            .args(paths);
        env::apply(&mut cmd, &vars);
        cmd.env(
            "GVA_INTEROP_LIB",
            p.release_dir().join("libgva_meta_interop.so"),
        );
        cmd
    };

    step("test models (target/models)", || {
        crate::models::generate(p, &crate::models::dir(p))
    })?;

    step("cargo tests", || {
        let mut cmd = p.cargo();
        cmd.args(["test", "--release", "--workspace"])
            .args(cargo_args);
        env::apply(&mut cmd, &vars);
        require_setup(p, &mut cmd)?;
        exec(&mut cmd)
    })?;

    // What a Rust user runs first: `cargo test` in debug of the crates an application depends
    // on (gstreamer-rs checks more in debug builds), and their API docs without a warning.
    step(
        "cargo tests in debug (gva-meta-types, gva-meta, gva-infer)",
        || {
            let mut cmd = p.cargo();
            cmd.arg("test").args(RUST_API);
            env::apply(&mut cmd, &vars);
            require_setup(p, &mut cmd)?;
            exec(&mut cmd)
        },
    )?;

    step("API docs (cargo doc, warnings are errors)", || {
        exec(
            p.cargo()
                .args(["doc", "--no-deps"])
                .args(RUST_API)
                .env("RUSTDOCFLAGS", "-D warnings"),
        )
    })?;

    step("python tests (pytest)", || {
        exec(&mut pytest(&["tests/python"]))
    })?;

    // The `.pyi` stubs shipped in the wheel, checked against the installed module (SPEC §7.5).
    // No allowlist: every public name of `gstgva` is expressible in the stubs.
    step("python type stubs (mypy.stubtest)", || {
        let mut cmd = p.command(p.python());
        cmd.args(["-m", "mypy.stubtest", "gstgva"]);
        env::apply(&mut cmd, &vars);
        exec(&mut cmd)
    })?;

    step("python lint (ruff)", || {
        exec(p.command(p.venv().join("bin").join("ruff")).args([
            "check",
            "--no-cache",
            "tests/python",
            "samples",
            "crates/gva-py-ext/python",
            "benches/python",
            "xtask/models",
            "xtask/soak",
        ]))
    })?;

    // Last, so that everything else has run when it fails: memory growth on every main chain
    // (the `cargo xtask soak` check on fewer frames).
    step("soak (short)", || {
        crate::soak::check(p, crate::soak::Length::Short)
    })
}

/// `cargo xtask test [cargo test args…]`.
pub fn run(p: &Project, args: &[String]) -> Result<()> {
    setup::run_all(p)?;
    run_tests(p, args)?;
    println!("\nall tests passed");
    Ok(())
}

/// The crates a Rust application depends on (gva-meta-types comes with both), as cargo's
/// package arguments.
const RUST_API: [&str; 6] = ["-p", "gva-meta-types", "-p", "gva-meta", "-p", "gva-infer"];

/// Makes tests that need the set-up fail rather than skip (`GVA_REQUIRE_SETUP=1`), and points
/// them at the `.venv`'s OpenVINO whatever gva-infer's build found (a build made before
/// `.venv` existed recorded none).
fn require_setup(p: &Project, cmd: &mut std::process::Command) -> Result<()> {
    let libs = output(p.command(p.python()).args([
        "-c",
        "import openvino, os; print(os.path.join(os.path.dirname(openvino.__file__), 'libs'))",
    ]))?;
    cmd.env("GVA_REQUIRE_SETUP", "1")
        .env("GVA_OPENVINO_LIBS", libs);
    Ok(())
}
