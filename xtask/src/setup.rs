//! `cargo xtask setup`: from a fresh Debian 12 / Ubuntu machine with Rust and Python 3.11 to a
//! built workspace. Every step checks first and does nothing when it is already done.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::project::{Project, Result, exec, output, step};

/// Debian packages: GStreamer's development files and plugins, its tools, and PyGObject with
/// GStreamer's Python overrides (shared into the virtualenv, see `link_pygobject`), the libav
/// plugin (H.264 decoding for the demo's video) and the Mosquitto MQTT broker and clients
/// (`gvametapublish method=mqtt` tests).
pub const APT_PACKAGES: &[&str] = &[
    "pkg-config",
    "libgstreamer1.0-dev",
    "libgstreamer-plugins-base1.0-dev",
    "gstreamer1.0-plugins-base",
    "gstreamer1.0-plugins-good",
    "gstreamer1.0-libav",
    "gstreamer1.0-tools",
    "gir1.2-gstreamer-1.0",
    "gir1.2-gst-plugins-base-1.0",
    "python3-gi",
    "python3-gst-1.0",
    "mosquitto",
    "mosquitto-clients",
];

/// Where Debian's PyGObject lives; its binary module is built for CPython 3.11.
const DEBIAN_GI: &str = "/usr/lib/python3/dist-packages/gi";

/// The whole setup, in order.
pub fn run_all(p: &Project) -> Result<()> {
    step("system packages (apt)", apt_packages)?;
    step("python virtualenv (.venv)", || virtualenv(p))?;
    step("python packages (requirements.txt)", || requirements(p))?;
    step("PyGObject in .venv", || link_pygobject(p))?;
    step("release build of the workspace", || build(p))?;
    step("plugin folder (target/gstplugins)", || collect_plugins(p))?;
    step("gstgva wheel (maturin) into .venv", || wheel(p))?;
    step("demo model and video (target/assets)", || {
        crate::assets::fetch(p)
    })?;
    Ok(())
}

/// `cargo xtask setup`.
pub fn run(p: &Project) -> Result<()> {
    run_all(p)?;
    println!("\nsetup complete. To use the plugins from your shell: eval \"$(cargo xtask env)\"");
    Ok(())
}

fn apt_packages() -> Result<()> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|pkg| !is_installed(pkg))
        .collect();
    if missing.is_empty() {
        println!("    all {} packages present", APT_PACKAGES.len());
        return Ok(());
    }
    println!("    missing: {}", missing.join(" "));
    let install = format!(
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    let prefix = if output(Command::new("id").arg("-u")).as_deref() == Ok("0") {
        ""
    } else if Command::new("sudo")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        "sudo "
    } else {
        return Err(format!(
            "system packages are missing and this user can't install them (not root, no \
             password-less sudo). Run this as root, then run the command again:\n\n    \
             sudo sh -c '{install}'\n"
        ));
    };
    let script = format!("{prefix}sh -c '{install}'");
    println!("    running: {script}");
    exec(Command::new("sh").arg("-c").arg(&script))?;
    let still: Vec<&&str> = APT_PACKAGES.iter().filter(|p| !is_installed(p)).collect();
    if still.is_empty() {
        Ok(())
    } else {
        Err(format!("apt did not install: {still:?}"))
    }
}

fn is_installed(package: &str) -> bool {
    output(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))
        .is_ok_and(|s| s.ends_with("install ok installed"))
}

/// The interpreter that creates `.venv`: `$GVA_PYTHON`, else `python3` from PATH. It must be
/// CPython 3.11 (Debian's PyGObject binary is built for it).
fn base_python() -> String {
    std::env::var("GVA_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn virtualenv(p: &Project) -> Result<()> {
    if p.python().exists() {
        let version = python_version(&p.python())?;
        println!("    {} exists (Python {version})", p.venv().display());
        return Ok(());
    }
    let base = base_python();
    let version = python_version(Path::new(&base))?;
    if !version.starts_with("3.11.") {
        return Err(format!(
            "{base} is Python {version}; gva-rs needs CPython 3.11 (Debian 12's PyGObject is built \
             for it). Point GVA_PYTHON at a python3.11 and run again."
        ));
    }
    exec(Command::new(&base).arg("-m").arg("venv").arg(p.venv()))
}

fn python_version(python: &Path) -> Result<String> {
    output(Command::new(python).args(["-c", "import platform; print(platform.python_version())"]))
}

fn requirements(p: &Project) -> Result<()> {
    let wanted = fs::read_to_string(p.root.join("requirements.txt"))
        .map_err(|e| format!("requirements.txt: {e}"))?;
    let stamp = p.venv().join(".gva-requirements");
    if fs::read_to_string(&stamp).is_ok_and(|have| have == wanted) {
        println!("    up to date");
        return Ok(());
    }
    exec(
        pip_install(p)
            .arg("-r")
            .arg(p.root.join("requirements.txt")),
    )?;
    fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))
}

/// `pip install` of the virtualenv, quiet.
fn pip_install(p: &Project) -> Command {
    let mut cmd = p.command(p.python());
    cmd.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]);
    cmd
}

fn link_pygobject(p: &Project) -> Result<()> {
    let site = output(p.command(p.python()).args([
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
    ]))?;
    let link = Path::new(&site).join("gi");
    if fs::read_link(&link).ok().as_deref() != Some(Path::new(DEBIAN_GI)) {
        if link.exists() || link.is_symlink() {
            fs::remove_file(&link).map_err(|e| format!("{}: {e}", link.display()))?;
        }
        std::os::unix::fs::symlink(DEBIAN_GI, &link)
            .map_err(|e| format!("linking {} -> {DEBIAN_GI}: {e}", link.display()))?;
    }
    let check = "import gi; gi.require_version('Gst', '1.0'); from gi.repository import Gst; \
                 Gst.init(None); print(Gst.version_string())";
    let version = output(p.command(p.python()).args(["-c", check]))?;
    println!("    {version} from .venv");
    Ok(())
}

fn build(p: &Project) -> Result<()> {
    exec(
        p.cargo()
            .args(["build", "--release", "--workspace", "--all-targets"]),
    )
}

/// Builds the `gstgva` wheel with maturin and installs it into `.venv`.
///
/// `--auditwheel skip`: the wheel must link the system's GStreamer/GLib, never bundle a second
/// copy (two GLib type systems in one process are fatal).
pub fn wheel(p: &Project) -> Result<()> {
    let out = p.root.join("target").join("wheels");
    // Skipped when nothing the wheel is built from changed since it was installed.
    let stamp = p.venv().join(".gstgva-wheel-stamp");
    let inputs = [
        "crates/gva-py-ext",
        "crates/gva-meta",
        "Cargo.lock",
        "Cargo.toml",
    ]
    .map(|path| newest_change(&p.root.join(path)));
    let fingerprint = format!("{inputs:?}");
    if fs::read_to_string(&stamp).is_ok_and(|s| s == fingerprint) {
        println!("    up to date");
        return Ok(());
    }
    let _ = fs::remove_dir_all(&out);
    exec(
        p.command(p.venv().join("bin").join("maturin"))
            .args([
                "build",
                "--release",
                "--quiet",
                "--auditwheel",
                "skip",
                "-i",
            ])
            .arg(p.python())
            .arg("-o")
            .arg(&out)
            .arg("-m")
            .arg(p.root.join("crates/gva-py-ext/Cargo.toml"))
            .env("VIRTUAL_ENV", p.venv()),
    )?;
    let wheel = fs::read_dir(&out)
        .map_err(|e| format!("{}: {e}", out.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or("maturin built no wheel")?;
    exec(
        pip_install(p)
            .args(["--force-reinstall", "--no-deps"])
            .arg(&wheel),
    )?;
    println!(
        "    installed {}",
        wheel.file_name().unwrap_or_default().to_string_lossy()
    );
    fs::write(&stamp, fingerprint).map_err(|e| format!("{}: {e}", stamp.display()))
}

/// The latest modification time (ns since the epoch) of `path` or of any file under it,
/// skipping `__pycache__` folders; 0 when there is nothing.
fn newest_change(path: &Path) -> u128 {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return 0;
    };
    let own = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    if !meta.is_dir() {
        return own;
    }
    fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name() != "__pycache__")
        .map(|e| newest_change(&e.path()))
        .fold(own, u128::max)
}

/// The GStreamer plugins the workspace builds (cdylib file names); the last one is the Rust
/// port of the face samples (`samples/rust`).
pub const PLUGINS: &[&str] = &[
    "libgstgva.so",
    "libgstgvapython.so",
    "libgstgvarustsample.so",
];

/// Copies the plugin libraries (and only them) into a freshly emptied plugin folder, so
/// GStreamer's scanner never sees the other shared libraries of target/release, nor stale ones.
pub fn collect_plugins(p: &Project) -> Result<()> {
    let dir = p.plugin_dir();
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for name in PLUGINS {
        let built = p.release_dir().join(name);
        fs::copy(&built, dir.join(name)).map_err(|e| format!("{}: {e}", built.display()))?;
    }
    println!("    {}", PLUGINS.join(" "));
    Ok(())
}
