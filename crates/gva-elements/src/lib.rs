//! The GStreamer plugin `gva`: OpenVINO inference elements (SPEC.md §5).
//!
//! - [`gvainference`]: full-frame inference, one `GstGVATensorMeta` per output layer.
//! - [`gvadetect`]: object detection, one region of interest per detection.
//! - [`gvaclassify`]: classification of each region of interest (or of the full frame).
//!
//! They share [`base_inference`]: DL Streamer's common properties, model loading, and
//! inference — full-frame through `nireq` asynchronous requests (0 = auto = 2) whose frames
//! leave in the order they came, region inference synchronously on the streaming thread.
//! Frames: BGR, BGRx, BGRA, RGB, RGBx, RGBA, NV12 and I420 (the compiled model converts them,
//! with the model-proc's `input_preproc`); `roi-list` classification takes packed RGB-family
//! frames only (its crops are made in Rust).
//! Not here yet: the helper elements (SPEC.md §6), batching, `reclassify-interval`, and
//! `gvadetect` / `gvainference` on regions.

pub mod base_inference;
pub mod gvaclassify;
pub mod gvadetect;
pub mod gvafpscounter;
pub mod gvainference;
pub mod gvametaconvert;
pub mod gvametapublish;
pub mod gvawatermark;

fn plugin_init(plugin: &gst::Plugin) -> Result<(), gst::glib::BoolError> {
    gva_meta::register().map_err(|e| gst::glib::bool_error!("GVA metadata: {}", e))?;
    gvainference::register(plugin)?;
    gvadetect::register(plugin)?;
    gvaclassify::register(plugin)?;
    gvametaconvert::register(plugin)?;
    gvametapublish::register(plugin)?;
    gvawatermark::register(plugin)?;
    gvafpscounter::register(plugin)
}

gst::plugin_define!(
    gva,
    env!("CARGO_PKG_DESCRIPTION"),
    plugin_init,
    env!("CARGO_PKG_VERSION"),
    "MIT/X11",
    "gva-rs",
    "gva-rs",
    "https://example.invalid/gva-rs"
);
