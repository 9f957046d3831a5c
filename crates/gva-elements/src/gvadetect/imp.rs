//! The `gvadetect` element: [`GvaBaseInference`] detecting objects, with its `threshold`.
//!
//! [`GvaBaseInference`]: crate::base_inference::GvaBaseInference

use std::sync::LazyLock;

use gst::glib;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

use crate::base_inference::{GvaBaseInference, GvaBaseInferenceImpl, Settings, Task};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvadetect",
        gst::DebugColorFlags::empty(),
        Some("gva-rs object detection"),
    )
});

/// The element's private data (its settings are the base class's).
#[derive(Default)]
pub struct GvaDetect;

#[glib::object_subclass]
impl ObjectSubclass for GvaDetect {
    const NAME: &'static str = "GvaRsDetect";
    type Type = super::GvaDetect;
    type ParentType = GvaBaseInference;
}

impl ObjectImpl for GvaDetect {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> =
            LazyLock::new(|| vec![Settings::threshold_property()]);
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        self.set_setting(value, pspec);
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        self.setting(pspec)
    }
}

impl GstObjectImpl for GvaDetect {}

impl ElementImpl for GvaDetect {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Object detection (gva-rs)",
                "Filter/Video",
                "Runs a detection model on each frame and attaches a region of interest per object",
                "gva-rs",
            )
        });
        Some(&*METADATA)
    }
}

impl BaseTransformImpl for GvaDetect {
    const MODE: gst_base::subclass::BaseTransformMode = crate::base_inference::MODE;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;
}

impl GvaBaseInferenceImpl for GvaDetect {
    const TASK: Task = Task::Detect;

    fn category() -> gst::DebugCategory {
        *CAT
    }
}
