//! `gvainference`: runs a model on whole frames and attaches one `GstGVATensorMeta` per output
//! layer (structure named after the model-proc `attribute_name`, else
//! `inference_layer_name:<layer>`), with `model_name`, `layer_name`, `element_id`, `precision`,
//! `layout`, `dims` and `data_buffer`.
//!
//! ```text
//! gst-launch-1.0 videotestsrc num-buffers=10 ! video/x-raw,format=BGR \
//!     ! gvainference model=multi_output.xml model-proc=multi_output.json ! fakesink
//! ```

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    /// The `gvainference` element.
    pub struct GvaInference(ObjectSubclass<imp::GvaInference>) @extends crate::base_inference::GvaBaseInference, gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `gvainference` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "gvainference",
        gst::Rank::NONE,
        GvaInference::static_type(),
    )
}
