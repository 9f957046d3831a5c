//! `rsfacelogger`: `samples/face_logger.py` (the `FaceLogger` class) as a Rust element. It
//! writes one line per frame to `log-file` (truncated at start, written line by line so it can
//! be followed with `tail -f`), byte for byte what the Python class writes:
//!
//! ```text
//! frame=0 faces=1 face=61,47,56,46@0.88
//! ```
//!
//! ```text
//! gst-launch-1.0 filesrc location=target/assets/carphone_pristine.mp4 ! decodebin \
//!     ! videoconvert ! video/x-raw,format=BGRx \
//!     ! gvainference model=target/assets/face_detection_short_range.tflite \
//!         model-proc=samples/model_procs/face_detection_short_range.json \
//!     ! rsfacedecoder ! rsfacelogger log-file=faces.log min-confidence=0.6 ! fakesink
//! ```
//!
//! The Python class's constructor arguments (`kwarg='{"log_file": "faces.log",
//! "min_confidence": 0.6}'`) are the element's properties `log-file`, `min-confidence` and
//! `label`. The element only reads metadata, so it passes buffers on without copying them.

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    /// The `rsfacelogger` element.
    pub struct RsFaceLogger(ObjectSubclass<imp::RsFaceLogger>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `rsfacelogger` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "rsfacelogger",
        gst::Rank::NONE,
        RsFaceLogger::static_type(),
    )
}
