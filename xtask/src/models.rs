//! `cargo xtask models`: the small OpenVINO IR models the inference tests run, with their
//! DL Streamer model-procs, generated into `target/models` by `xtask/models/make_models.py`
//! (OpenVINO's Python API, run with setup's `.venv`). The generator's docstring says what each
//! model computes.
//!
//! Idempotent: the generator writes `target/models/.stamp` last, with the FNV-1a 64 hash of its
//! own source and the names of the files it wrote; when the hash matches the script and every
//! file is there, nothing runs.

use std::fs;
use std::path::{Path, PathBuf};

use crate::project::{Project, Result, exec, step};

/// Where the models go (git-ignored, under `target`).
pub fn dir(p: &Project) -> PathBuf {
    p.root.join("target").join("models")
}

/// The generator script.
pub fn generator(p: &Project) -> PathBuf {
    p.root.join("xtask").join("models").join("make_models.py")
}

/// `cargo xtask models`.
pub fn run(p: &Project) -> Result<()> {
    let out = dir(p);
    step("test models (target/models)", || generate(p, &out))?;
    println!("\nmodels in {}", out.display());
    Ok(())
}

/// Generates the models unless they are up to date.
pub fn generate(p: &Project, out: &Path) -> Result<()> {
    let python = p.python();
    if !python.exists() {
        return Err(format!(
            "{} not found: run cargo xtask setup first (it creates .venv with OpenVINO)",
            python.display()
        ));
    }
    let script = generator(p);
    let source = fs::read(&script).map_err(|e| format!("{}: {e}", script.display()))?;
    let expected = stamp_line(&source);
    if let Some(files) = up_to_date(out, &expected) {
        println!(
            "    up to date ({} files, generator unchanged): {}",
            files.len(),
            files.join(" ")
        );
        return Ok(());
    }
    exec(p.command(&python).arg(&script).arg("--out").arg(out))?;
    up_to_date(out, &expected).map(|_| ()).ok_or_else(|| {
        format!(
            "{} ran but {} does not list its files with the hash {expected:?}",
            script.display(),
            out.join(".stamp").display()
        )
    })
}

/// The stamp's first line for this generator source (the script computes the same).
fn stamp_line(source: &[u8]) -> String {
    format!("generator fnv1a64 {:016x}", fnv1a64(source))
}

/// The files the stamp lists, when its hash is `expected` and they all exist.
fn up_to_date(out: &Path, expected: &str) -> Option<Vec<String>> {
    let stamp = fs::read_to_string(out.join(".stamp")).ok()?;
    let mut lines = stamp.lines();
    if lines.next()? != expected {
        return None;
    }
    let files: Vec<String> = lines.filter(|l| !l.is_empty()).map(str::to_owned).collect();
    (!files.is_empty() && files.iter().all(|f| out.join(f).is_file())).then_some(files)
}

/// FNV-1a, 64 bits.
fn fnv1a64(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_known_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
