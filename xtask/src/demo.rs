//! `cargo xtask demo`: the main job on an embedded default.
//!
//! For now: a real GStreamer pipeline in which gva-meta attaches regions, a tensor and a JSON
//! message, `videoconvert` and `videoscale` transform the frames, and the metadata is read back
//! and printed (the `gva-meta` example `demo`).

use crate::env;
use crate::project::{Project, Result, exec, step};
use crate::setup;

/// `cargo xtask demo [frames]`.
pub fn run(p: &Project, args: &[String]) -> Result<()> {
    setup::run_all(p)?;
    step("demo: gva-meta through videoconvert and videoscale", || {
        // Built by setup's `cargo build --release --workspace --all-targets`; running it directly
        // avoids a `cargo run -p` rebuild with differently unified features.
        let mut cmd = p.command(p.release_dir().join("examples").join("demo"));
        cmd.args(args);
        env::apply(&mut cmd, &env::hermetic(p));
        exec(&mut cmd)
    })
}
