//! The `gvawatermark` element: an in-place `BaseTransform` around [`Watermark`].

use std::sync::{LazyLock, Mutex};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

use super::Watermark;
use crate::base_inference::lock;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvawatermark",
        gst::DebugColorFlags::empty(),
        Some("gva-rs watermark"),
    )
});

/// Property values.
#[derive(Debug, Default, Clone)]
struct Settings {
    /// DL Streamer's `device`: unset or `CPU`.
    device: Option<String>,
}

/// The element.
#[derive(Default)]
pub struct GvaWatermark {
    settings: Mutex<Settings>,
    /// The painter for the negotiated caps.
    state: Mutex<Option<Watermark>>,
}

#[glib::object_subclass]
impl ObjectSubclass for GvaWatermark {
    const NAME: &'static str = "GvaRsWatermark";
    type Type = super::GvaWatermark;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for GvaWatermark {
    fn constructed(&self) {
        self.parent_constructed();
        crate::use_dl_streamer_default_name(&*self.obj());
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("device")
                    .nick("Target device")
                    .blurb("Supported device: CPU (drawing on system memory). Default: CPU")
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        if pspec.name() == "device" {
            lock(&self.settings).device = value.get().ok().flatten();
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "device" => lock(&self.settings).device.to_value(),
            _ => None::<String>.to_value(),
        }
    }
}

impl GstObjectImpl for GvaWatermark {}

impl ElementImpl for GvaWatermark {
    gva_exit_gate::gated_post_message!();

    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Detection/classification results labeling (gva-rs)",
                "Filter/Effect/Video",
                "Draws the boxes, labels and confidences of the GVA metadata into the frame",
                "gva-rs",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        // The formats its canvas draws on.
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> =
            LazyLock::new(|| crate::pads::video_src_sink(crate::pads::RGB_AND_YUV));
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for GvaWatermark {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    gva_exit_gate::gated_transform_vfuncs!(sink_event, src_event, query, submit_input_buffer);

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        gva_exit_gate::on_start(&*self.obj());
        let device = lock(&self.settings).device.clone();
        match device.as_deref() {
            None | Some("CPU") => Ok(()),
            Some(other) => Err(gst::error_msg!(
                gst::LibraryError::Settings,
                (
                    "gvawatermark: device '{}' is not supported: gva-rs draws on the CPU (set device=CPU or leave it unset)",
                    other
                )
            )),
        }
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = None;
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let info = gst_video::VideoInfo::from_caps(incaps)
            .map_err(|_| gst::loggable_error!(CAT, "caps {} are not raw video", incaps))?;
        let watermark = Watermark::new(&info).map_err(|e| {
            gst::element_imp_error!(self, gst::CoreError::Negotiation, ("{}", e));
            gst::loggable_error!(CAT, "{}", e)
        })?;
        gst::debug!(CAT, imp = self, "drawing on {:?}", watermark);
        *lock(&self.state) = Some(watermark);
        Ok(())
    }

    fn propose_allocation(
        &self,
        decide_query: Option<&gst::query::Allocation>,
        query: &mut gst::query::Allocation,
    ) -> Result<(), gst::LoggableError> {
        query.add_allocation_meta::<gst_video::VideoMeta>(None);
        self.parent_propose_allocation(decide_query, query)
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut state = lock(&self.state);
        let Some(watermark) = state.as_mut() else {
            gst::element_imp_error!(
                self,
                gst::CoreError::Negotiation,
                ("gvawatermark received a frame before its caps")
            );
            return Err(gst::FlowError::NotNegotiated);
        };
        match watermark.draw(buf) {
            Ok(_) => Ok(gst::FlowSuccess::Ok),
            Err(e) => {
                gst::element_imp_error!(self, gst::StreamError::Failed, ("gvawatermark: {}", e));
                Err(gst::FlowError::Error)
            }
        }
    }
}
