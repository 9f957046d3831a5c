//! `cargo xtask demo`: the main job on an embedded default.
//!
//! For now: a real GStreamer pipeline in which gva-meta attaches regions, a tensor and a JSON
//! message, `videoconvert` and `videoscale` transform the frames, and the metadata is read back
//! and printed (the `gva-meta` example `demo`).

use crate::env;
use crate::project::{Project, Result, exec, step};
use crate::setup;

/// `cargo xtask demo [example args…]`.
pub fn run(p: &Project, args: &[String]) -> Result<()> {
    setup::run_all(p)?;
    step("demo: gva-meta through videoconvert and videoscale", || {
        let mut cmd = p.cargo();
        cmd.args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "gva-meta",
            "--example",
            "demo",
            "--",
        ])
        .args(args);
        env::apply(&mut cmd, &env::hermetic(p));
        exec(&mut cmd)
    })
}
