//! `cargo xtask env`: the environment a user exports to use our plugins and gstgva.

use std::collections::BTreeMap;
use std::process::Command;

use crate::project::{Project, output};

/// Variables that make GStreamer find our plugins (and only the system's others), in a
/// private registry so the user's own registry is never touched.
pub fn runtime(p: &Project) -> BTreeMap<&'static str, String> {
    let mut vars = BTreeMap::new();
    vars.insert("GST_PLUGIN_PATH", p.plugin_dir().display().to_string());
    vars.insert("VIRTUAL_ENV", p.venv().display().to_string());
    vars
}

/// The runtime variables plus what makes a run hermetic: its own registry file, the system
/// plugin folder named explicitly (so plugins in the user's home are not scanned), no user
/// site-packages.
pub fn hermetic(p: &Project) -> BTreeMap<&'static str, String> {
    let mut vars = runtime(p);
    vars.insert(
        "GST_REGISTRY_1_0",
        p.test_dir().join("registry.bin").display().to_string(),
    );
    if let Ok(dir) =
        output(Command::new("pkg-config").args(["--variable=pluginsdir", "gstreamer-1.0"]))
    {
        vars.insert("GST_PLUGIN_SYSTEM_PATH_1_0", dir);
    }
    vars.insert("PYTHONNOUSERSITE", "1".to_owned());
    vars
}

/// Applies a set of variables to a command.
pub fn apply(cmd: &mut Command, vars: &BTreeMap<&'static str, String>) {
    for (k, v) in vars {
        cmd.env(k, v);
    }
}

/// Prints `export` lines for `eval "$(cargo xtask env)"`.
pub fn print(p: &Project) {
    println!("# gva-rs: eval \"$(cargo xtask env)\" to use the plugins and gstgva from this shell");
    for (k, v) in runtime(p) {
        println!("export {k}='{v}'");
    }
    println!("export PATH='{}':\"$PATH\"", p.venv().join("bin").display());
}
