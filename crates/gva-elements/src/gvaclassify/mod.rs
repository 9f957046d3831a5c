//! `gvaclassify`: runs a classification model on each region of interest (by default; or on
//! the full frame with `inference-region=full-frame`) and appends its results to the region's
//! params (`label`, `label_id`, `confidence`, `type="classification_result"`, `model_name`,
//! `layer_name` and the raw blob), one structure per output.
//!
//! ```text
//! gst-launch-1.0 videotestsrc num-buffers=10 ! video/x-raw,format=BGR \
//!     ! gvadetect model=detector_ssd.xml model-proc=detector_ssd.json \
//!     ! gvaclassify model=classifier.xml model-proc=classifier.json object-class=red \
//!     ! fakesink
//! ```

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    /// The `gvaclassify` element.
    pub struct GvaClassify(ObjectSubclass<imp::GvaClassify>) @extends crate::base_inference::GvaBaseInference, gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `gvaclassify` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "gvaclassify",
        gst::Rank::NONE,
        GvaClassify::static_type(),
    )
}
