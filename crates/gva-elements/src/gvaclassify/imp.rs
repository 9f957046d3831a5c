//! The `gvaclassify` element's implementation.

use std::sync::{LazyLock, Mutex};

use gst::glib;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

use crate::base_inference::{Kind, Running, Settings};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvaclassify",
        gst::DebugColorFlags::empty(),
        Some("gva-rs classification"),
    )
});

/// The element's private data.
pub struct GvaClassify {
    settings: Mutex<Settings>,
    state: Mutex<Option<Running>>,
}

impl Default for GvaClassify {
    fn default() -> Self {
        Self {
            settings: Mutex::new(Settings::for_kind(Kind::Classify)),
            state: Mutex::new(None),
        }
    }
}

#[glib::object_subclass]
impl ObjectSubclass for GvaClassify {
    const NAME: &'static str = "GvaRsClassify";
    type Type = super::GvaClassify;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for GvaClassify {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> =
            LazyLock::new(|| Settings::properties(Kind::Classify));
        PROPS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        crate::base_inference::lock(&self.settings).set(value, pspec);
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        crate::base_inference::lock(&self.settings).get(pspec)
    }
}

impl GstObjectImpl for GvaClassify {}

impl ElementImpl for GvaClassify {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Object classification (gva-rs)",
                "Filter/Video",
                "Runs a classification model on each region of interest and attaches its results",
                "gva-rs",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        crate::base_inference::pad_templates()
    }
}

impl BaseTransformImpl for GvaClassify {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        crate::base_inference::start(
            &*self.obj(),
            &self.settings,
            &self.state,
            Kind::Classify,
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
