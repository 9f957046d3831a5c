//! `rsfacedecoder`: `samples/face_detection_decoder.py` as a Rust element. It decodes the raw
//! output of MediaPipe's short-range face detector (896 SSD anchors: tensors `regressors` and
//! `classificators`, attached by `gvainference`) into `face` regions with six landmarks, the
//! same regions, to the last bit, as `gvapython module=samples/face_detection_decoder.py`.
//!
//! ```text
//! gst-launch-1.0 filesrc location=target/assets/carphone_pristine.mp4 ! decodebin \
//!     ! videoconvert ! video/x-raw,format=BGRx \
//!     ! gvainference model=target/assets/face_detection_short_range.tflite \
//!         model-proc=samples/model_procs/face_detection_short_range.json \
//!     ! rsfacedecoder threshold=0.5 iou=0.3 \
//!     ! gvawatermark ! videoconvert ! autovideosink
//! ```
//!
//! `threshold` and `iou` are the Python class's `kwarg`s
//! (`gvapython ... class=FaceDecoder kwarg={"threshold":0.7}` becomes
//! `rsfacedecoder threshold=0.7`). A frame without the two tensors stops the pipeline with an
//! element error, as the Python module's exception does.

use gst::glib;
use gst::prelude::*;

pub mod decode;
mod imp;

glib::wrapper! {
    /// The `rsfacedecoder` element.
    pub struct RsFaceDecoder(ObjectSubclass<imp::RsFaceDecoder>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `rsfacedecoder` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "rsfacedecoder",
        gst::Rank::NONE,
        RsFaceDecoder::static_type(),
    )
}
