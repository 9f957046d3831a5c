//! The `gvaclassify` element: [`GvaBaseInference`] classifying each region by default
//! (`inference-region=roi-list`), with its `reclassify-interval`.
//!
//! [`GvaBaseInference`]: crate::base_inference::GvaBaseInference

use std::sync::LazyLock;

use gst::glib;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

use crate::base_inference::{
    GvaBaseInference, GvaBaseInferenceImpl, InferenceRegion, Settings, Task,
};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvaclassify",
        gst::DebugColorFlags::empty(),
        Some("gva-rs classification"),
    )
});

/// The element's private data (its settings are the base class's).
#[derive(Default)]
pub struct GvaClassify;

#[glib::object_subclass]
impl ObjectSubclass for GvaClassify {
    const NAME: &'static str = "GvaRsClassify";
    type Type = super::GvaClassify;
    type ParentType = GvaBaseInference;
}

impl ObjectImpl for GvaClassify {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                // The base class's, with DL Streamer's default for gvaclassify.
                Settings::inference_region_property(InferenceRegion::RoiList),
                Settings::reclassify_interval_property(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        self.set_setting(value, pspec);
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        self.setting(pspec)
    }
}

impl GstObjectImpl for GvaClassify {}

impl ElementImpl for GvaClassify {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Object classification (gva-rs)",
                "Filter/Video",
                "Runs a classification model on each region of interest and attaches its results",
                "gva-rs",
            )
        });
        Some(&*METADATA)
    }
}

impl BaseTransformImpl for GvaClassify {
    const MODE: gst_base::subclass::BaseTransformMode = crate::base_inference::MODE;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;
}

impl GvaBaseInferenceImpl for GvaClassify {
    const TASK: Task = Task::Classify;

    fn category() -> gst::DebugCategory {
        *CAT
    }
}
