//! The GStreamer plugin `gva`: OpenVINO inference elements (SPEC.md §5) and the helper
//! elements around them (SPEC.md §6).
//!
//! - [`gvainference`]: raw inference, one `GstGVATensorMeta` per output layer (or tensors on
//!   each region with `inference-region=roi-list`).
//! - [`gvadetect`]: object detection, one region of interest per detection.
//! - [`gvaclassify`]: classification of each region of interest (or of the full frame).
//! - [`gvametaconvert`]: DL Streamer's JSON of each frame's metadata, as a `GstGVAJSONMeta`.
//! - [`gvametapublish`]: those JSON records to a file, stdout or an MQTT broker.
//! - [`gvawatermark`]: boxes, labels and confidences drawn into the frames.
//! - [`gvafpscounter`]: DL Streamer's `FpsCounter(...)` lines.
//! - [`gvatrack`]: object ids across frames (`object_id`), three DL Streamer tracking types.
//! - [`gvaattachroi`]: regions from a property or a JSON file (fixed areas, replayed metadata).
//!
//! The inference elements derive from [`base_inference`]'s abstract GObject class
//! `GvaBaseInference`: DL Streamer's common properties, the model read once at start and
//! compiled for the negotiated frames (pre-processing inside the OpenVINO model), whole frames
//! or their regions through `nireq` asynchronous requests of `batch-size` inputs, frames
//! leaving in the order they came once their results are attached. Frames: BGR, BGRx, BGRA,
//! RGB, RGBx, RGBA, NV12, I420 and GRAY8, of any size, whole and as regions (crops made in
//! Rust, colour converted inside the model).

use gst::prelude::*;

pub mod base_inference;
pub mod gvaattachroi;
pub mod gvaclassify;
pub mod gvadetect;
pub mod gvafpscounter;
pub mod gvainference;
pub mod gvametaconvert;
pub mod gvametapublish;
pub mod gvatrack;
pub mod gvawatermark;
mod pads;

/// Gives an element created without a name DL Streamer's default name, `<factory><n>`
/// (`gvadetect0`), instead of GStreamer's default from our type name (`gvarsdetect0`; the
/// types are called `GvaRs*` so they can live in one process with DL Streamer's). Scripts,
/// `element_id`s and gvafpscounter's streams then read as they do with DL Streamer.
pub(crate) fn use_dl_streamer_default_name(element: &impl IsA<gst::Element>) {
    let element = element.as_ref();
    let Some(factory) = element.factory() else {
        return;
    };
    let name = element.name();
    let default = element.type_().name().to_lowercase();
    if let Some(n) = name.strip_prefix(default.as_str())
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        // Not parented yet (this runs in `constructed`): GStreamer takes the new name.
        element.set_property("name", format!("{}{n}", factory.name()));
    }
}

fn plugin_init(plugin: &gst::Plugin) -> Result<(), gst::glib::BoolError> {
    gva_meta::register().map_err(|e| gst::glib::bool_error!("GVA metadata: {}", e))?;
    gvainference::register(plugin)?;
    gvadetect::register(plugin)?;
    gvaclassify::register(plugin)?;
    gvametaconvert::register(plugin)?;
    gvametapublish::register(plugin)?;
    gvawatermark::register(plugin)?;
    gvafpscounter::register(plugin)?;
    gvatrack::register(plugin)?;
    gvaattachroi::register(plugin)
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
