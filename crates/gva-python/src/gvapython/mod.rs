//! `gvapython`: runs a user's Python function (or a method of a class instantiated once) on
//! every frame, with a `gstgva.VideoFrame`.
//!
//! ```text
//! gst-launch-1.0 videotestsrc num-buffers=100 ! video/x-raw,format=BGRx \
//!     ! gvapython module=count.py class=Counter function=process_frame kwarg='{"start": 5}' \
//!     ! fakesink
//! ```
//!
//! A truthy return passes the frame, a falsy one (including `None`) drops it; an exception stops
//! the pipeline with an element error carrying the Python traceback.

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    /// The `gvapython` element.
    pub struct GvaPython(ObjectSubclass<imp::GvaPython>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `gvapython` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "gvapython",
        gst::Rank::NONE,
        GvaPython::static_type(),
    )
}
