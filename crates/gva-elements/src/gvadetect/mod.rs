//! `gvadetect`: runs a detection model on whole frames and attaches one region of interest per
//! detection (label as the ROI type, pixel box, and a `"detection"` structure with the
//! normalized box, `confidence` and `label_id`).
//!
//! ```text
//! gst-launch-1.0 videotestsrc num-buffers=10 ! video/x-raw,format=BGR \
//!     ! gvadetect model=detector_ssd.xml model-proc=detector_ssd.json threshold=0.6 ! fakesink
//! ```

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    /// The `gvadetect` element.
    pub struct GvaDetect(ObjectSubclass<imp::GvaDetect>) @extends crate::base_inference::GvaBaseInference, gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `gvadetect` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "gvadetect",
        gst::Rank::NONE,
        GvaDetect::static_type(),
    )
}
