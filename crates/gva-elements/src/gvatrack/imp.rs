//! The `gvatrack` element: an in-place `BaseTransform` around a [`Tracker`].

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{LazyLock, Mutex};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

use super::config::{CONFIG_BLURB, Config, TrackingType};
use super::regions::{Params, track_frame};
use super::tracker::Tracker;
use crate::base_inference::lock;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvatrack",
        gst::DebugColorFlags::empty(),
        Some("gva-rs object tracker"),
    )
});

/// Property values (DL Streamer's defaults).
#[derive(Debug, Default, Clone)]
struct Settings {
    tracking_type: TrackingType,
    /// `config` as set.
    config: Option<String>,
    /// `device` as set; `None` (or empty) and `CPU` mean the CPU.
    device: Option<String>,
}

/// What the running element holds.
struct State {
    tracker: Tracker<Params>,
    /// The frames' format and size, from the caps.
    info: Option<gst_video::VideoInfo>,
}

/// The element.
pub struct GvaTrack {
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
    /// The id the next new object gets: kept across restarts, so that no id is ever given to
    /// two objects by one element.
    next_id: AtomicI32,
}

impl Default for GvaTrack {
    fn default() -> Self {
        Self {
            settings: Mutex::default(),
            state: Mutex::default(),
            next_id: AtomicI32::new(1),
        }
    }
}

#[glib::object_subclass]
impl ObjectSubclass for GvaTrack {
    const NAME: &'static str = "GvaRsTrack";
    type Type = super::GvaTrack;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for GvaTrack {
    fn constructed(&self) {
        self.parent_constructed();
        crate::use_dl_streamer_default_name(&*self.obj());
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecEnum::builder_with_default("tracking-type", TrackingType::ZeroTerm)
                    .nick("TrackingType")
                    .blurb(
                        "Tracking algorithm used to identify the same object in multiple frames: \
                         zero-term (detection on every frame; position, shape and a colour \
                         histogram of the pixels), short-term-imageless (detection every few \
                         frames, e.g. gvadetect inference-interval=N; the frames between carry \
                         the objects at their predicted positions with their last results), \
                         zero-term-imageless (detection on every frame; position and shape only)",
                    )
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("config")
                    .nick("Tracker specific configuration")
                    .blurb(CONFIG_BLURB)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("device")
                    .nick("Device")
                    .blurb(
                        "Target device for tracking. This version supports only CPU device \
                         (empty = CPU)",
                    )
                    .default_value(Some(""))
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut s = lock(&self.settings);
        // The types are checked by GObject against the param specs above.
        match pspec.name() {
            "tracking-type" => s.tracking_type = value.get().unwrap_or_default(),
            "config" => s.config = value.get().unwrap_or(None),
            "device" => s.device = value.get().unwrap_or(None),
            other => gst::warning!(CAT, imp = self, "no property '{other}'"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let s = lock(&self.settings);
        match pspec.name() {
            "tracking-type" => s.tracking_type.to_value(),
            "config" => s.config.to_value(),
            "device" => s.device.as_deref().unwrap_or("").to_value(),
            _ => pspec.default_value().clone(),
        }
    }
}

impl GstObjectImpl for GvaTrack {}

impl ElementImpl for GvaTrack {
    gva_exit_gate::gated_post_message!();

    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Object tracker (gva-rs)",
                "Video",
                "Performs object tracking using zero-term, zero-term-imageless, or \
                 short-term-imageless tracking algorithms: gives each region of interest the id \
                 of the object it shows (its \"object_id\" parameter)",
                "gva-rs",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> =
            LazyLock::new(|| crate::pads::video_src_sink(&super::FORMATS));
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for GvaTrack {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    gva_exit_gate::gated_transform_vfuncs!(src_event, query, submit_input_buffer);

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        gva_exit_gate::on_start(&*self.obj());
        let settings = lock(&self.settings).clone();
        match settings.device.as_deref() {
            None | Some("") => {}
            Some(device) if device.eq_ignore_ascii_case("CPU") => {}
            Some(other) => {
                return Err(gst::error_msg!(
                    gst::LibraryError::Settings,
                    (
                        "gvatrack: device '{}' is not supported: gva-rs tracks on the CPU (set device=CPU or leave it unset)",
                        other
                    )
                ));
            }
        }
        let config = Config::parse(settings.tracking_type, settings.config.as_deref())
            .map_err(|e| gst::error_msg!(gst::LibraryError::Settings, ("{}", e)))?;
        gst::info!(CAT, imp = self, "tracking with {config:?}");
        let tracker = Tracker::new(config).starting_at(self.next_id.load(Ordering::Relaxed));
        *lock(&self.state) = Some(State {
            tracker,
            info: None,
        });
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        if let Some(state) = lock(&self.state).take() {
            self.next_id
                .store(state.tracker.next_id(), Ordering::Relaxed);
        }
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let info = gst_video::VideoInfo::from_caps(incaps)
            .map_err(|_| gst::loggable_error!(CAT, "caps {} are not raw video", incaps))?;
        if let Some(state) = lock(&self.state).as_mut() {
            state.info = Some(info);
        }
        Ok(())
    }

    fn sink_event(&self, event: gst::Event) -> bool {
        let Some(_inside) = gva_exit_gate::enter() else {
            return false;
        };
        // A new stream or a seek: what was tracked before is not on the next frames.
        if matches!(
            event.type_(),
            gst::EventType::FlushStop | gst::EventType::Segment | gst::EventType::StreamStart
        ) && let Some(state) = lock(&self.state).as_mut()
        {
            if !state.tracker.is_empty() {
                gst::debug!(
                    CAT,
                    imp = self,
                    "{:?}: forgetting the tracked objects",
                    event.type_()
                );
            }
            state.tracker.reset();
        }
        self.parent_sink_event(event)
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut state = lock(&self.state);
        let Some(State {
            tracker,
            info: Some(info),
        }) = state.as_mut()
        else {
            gst::element_imp_error!(
                self,
                gst::CoreError::Negotiation,
                ("gvatrack received a frame before its caps")
            );
            return Err(gst::FlowError::NotNegotiated);
        };
        match track_frame(tracker, buf, info) {
            Ok(()) => Ok(gst::FlowSuccess::Ok),
            Err(e) => {
                gst::element_imp_error!(self, gst::StreamError::Failed, ("{}", e));
                Err(gst::FlowError::Error)
            }
        }
    }
}
