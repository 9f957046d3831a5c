//! The `gvadetect` element's implementation.

use std::sync::{LazyLock, Mutex};

use gst::glib;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

use crate::base_inference::{Kind, Running, Settings};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvadetect",
        gst::DebugColorFlags::empty(),
        Some("gva-rs object detection"),
    )
});

/// The element's private data.
#[derive(Default)]
pub struct GvaDetect {
    settings: Mutex<Settings>,
    state: Mutex<Option<Running>>,
}

#[glib::object_subclass]
impl ObjectSubclass for GvaDetect {
    const NAME: &'static str = "GvaRsDetect";
    type Type = super::GvaDetect;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for GvaDetect {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> =
            LazyLock::new(|| Settings::properties(Kind::Detect));
        PROPS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        crate::base_inference::lock(&self.settings).set(value, pspec);
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        crate::base_inference::lock(&self.settings).get(pspec)
    }
}

impl GstObjectImpl for GvaDetect {}

impl ElementImpl for GvaDetect {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Object detection (gva-rs)",
                "Filter/Video",
                "Runs a detection model on each frame and attaches a region of interest per object",
                "gva-rs",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        crate::base_inference::pad_templates()
    }
}

impl BaseTransformImpl for GvaDetect {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        crate::base_inference::start(
            &*self.obj(),
            &self.settings,
            &self.state,
            Kind::Detect,
            &CAT,
        )
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *crate::base_inference::lock(&self.state) = None;
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        crate::base_inference::set_caps(&*self.obj(), &self.state, incaps, &CAT)
    }

    fn sink_event(&self, event: gst::Event) -> bool {
        crate::base_inference::drain_before(&self.state, &event);
        self.parent_sink_event(event)
    }

    fn generate_output(
        &self,
    ) -> Result<gst_base::subclass::base_transform::GenerateOutputSuccess, gst::FlowError> {
        match self.take_queued_buffer() {
            Some(buffer) => {
                crate::base_inference::generate_output(&*self.obj(), &self.state, buffer)
            }
            None => Ok(gst_base::subclass::base_transform::GenerateOutputSuccess::NoOutput),
        }
    }
}
