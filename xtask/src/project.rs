//! Where things are, and how commands run: timed steps, checked exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// An error message for the user; xtask prints it and exits non-zero.
pub type Result<T> = std::result::Result<T, String>;

/// The checkout and the paths derived from it.
pub struct Project {
    /// Workspace root.
    pub root: PathBuf,
}

impl Project {
    /// The workspace this xtask was built from.
    pub fn locate() -> Result<Self> {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest
            .parent()
            .ok_or("xtask is not inside the workspace")?
            .to_path_buf();
        Ok(Self { root })
    }

    /// The development virtualenv.
    pub fn venv(&self) -> PathBuf {
        self.root.join(".venv")
    }

    /// The virtualenv's interpreter.
    pub fn python(&self) -> PathBuf {
        self.venv().join("bin").join("python")
    }

    /// Release build output.
    pub fn release_dir(&self) -> PathBuf {
        self.root.join("target").join("release")
    }

    /// The folder that holds only our GStreamer plugins (what GST_PLUGIN_PATH points at).
    pub fn plugin_dir(&self) -> PathBuf {
        self.root.join("target").join("gstplugins")
    }

    /// Scratch space for tests (registry, temporary files).
    pub fn test_dir(&self) -> PathBuf {
        self.root.join("target").join("gva-test")
    }

    /// A command run from the workspace root, with PYO3_PYTHON pointing at the venv so every
    /// build links against the same interpreter.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root);
        cmd.env("PYO3_PYTHON", self.python());
        cmd
    }

    /// `cargo` with the same environment.
    pub fn cargo(&self) -> Command {
        self.command(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
    }
}

/// Runs `f` as a named step and prints how long it took.
pub fn step<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    println!("==> {name}");
    let start = Instant::now();
    let out = f();
    let secs = start.elapsed().as_secs_f64();
    match &out {
        Ok(_) => println!("    {name}: done in {secs:.1} s"),
        Err(_) => println!("    {name}: FAILED after {secs:.1} s"),
    }
    out
}

/// Runs a command to completion, failing with its description if it exits non-zero.
pub fn exec(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {}: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

/// Runs a command and returns its standard output, trimmed.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("could not start {}: {e}", describe(cmd)))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `program arg arg …`, for messages.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
