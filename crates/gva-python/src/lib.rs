//! The GStreamer plugin `gvapython`: a user's Python on every frame, with CPython embedded
//! through pyo3. See [`gvapython`] for the element, [`interpreter`] for how Python is started in
//! `gst-launch-1.0` and reused in Python applications, [`thread_state`] for the per-thread state
//! that keeps the per-frame cost low.

pub mod callback;
pub mod gvapython;
pub mod interpreter;
mod seam;
pub mod shutdown;
pub mod thread_state;

fn plugin_init(plugin: &gst::Plugin) -> Result<(), gst::glib::BoolError> {
    gvapython::register(plugin)
}

gst::plugin_define!(
    gvapython,
    env!("CARGO_PKG_DESCRIPTION"),
    plugin_init,
    env!("CARGO_PKG_VERSION"),
    "MIT/X11",
    "gva-rs",
    "gva-rs",
    "https://example.invalid/gva-rs"
);
