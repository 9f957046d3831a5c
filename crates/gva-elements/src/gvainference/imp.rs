//! The `gvainference` element: [`GvaBaseInference`] attaching the raw outputs (it adds no
//! property of its own).
//!
//! [`GvaBaseInference`]: crate::base_inference::GvaBaseInference

use std::sync::LazyLock;

use gst::glib;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

use crate::base_inference::{GvaBaseInference, GvaBaseInferenceImpl, Task};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvainference",
        gst::DebugColorFlags::empty(),
        Some("gva-rs full-frame inference"),
    )
});

/// The element's private data (its settings are the base class's).
#[derive(Default)]
pub struct GvaInference;

#[glib::object_subclass]
impl ObjectSubclass for GvaInference {
    const NAME: &'static str = "GvaRsInference";
    type Type = super::GvaInference;
    type ParentType = GvaBaseInference;
}

impl ObjectImpl for GvaInference {}

impl GstObjectImpl for GvaInference {}

impl ElementImpl for GvaInference {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Generic full-frame inference (gva-rs)",
                "Filter/Video",
                "Runs a model on each frame and attaches its outputs as GstGVATensorMeta",
                "gva-rs",
            )
        });
        Some(&*METADATA)
    }
}

impl BaseTransformImpl for GvaInference {
    const MODE: gst_base::subclass::BaseTransformMode = crate::base_inference::MODE;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;
}

impl GvaBaseInferenceImpl for GvaInference {
    const TASK: Task = Task::Inference;

    fn category() -> gst::DebugCategory {
        *CAT
    }
}
