//! The GStreamer plugin `gvarustsample`: two of gva-rs's Python samples ported to Rust
//! elements, line for line, with the `gva-meta` crate in place of `gstgva` (see
//! `docs/MIGRATING.md`).
//!
//! - [`rsfacedecoder`] — `samples/face_detection_decoder.py`: the face detector's 896 anchors
//!   decoded into face regions;
//! - [`rsfacelogger`] — `samples/face_logger.py`: one line per frame with its faces, in a file.
//!
//! Both give the same metadata and files as the Python versions, to the last bit
//! (`tests/python/test_rust_sample.py`).

mod numpy;
mod pads;
mod python;
pub mod rsfacedecoder;
pub mod rsfacelogger;

fn plugin_init(plugin: &gst::Plugin) -> Result<(), gst::glib::BoolError> {
    // The GVA metas registered now, not on a streaming thread at the first frame.
    gva_meta::register().map_err(|e| gst::glib::bool_error!("GVA metadata: {}", e))?;
    rsfacedecoder::register(plugin)?;
    rsfacelogger::register(plugin)
}

gst::plugin_define!(
    gvarustsample,
    env!("CARGO_PKG_DESCRIPTION"),
    plugin_init,
    env!("CARGO_PKG_VERSION"),
    "MIT/X11",
    "gva-rs",
    "gva-rs",
    "https://example.invalid/gva-rs"
);
