//! The `gvafpscounter` element: a passthrough `BaseTransform` feeding the process-wide
//! counters of [`super::registry`].

use std::sync::{LazyLock, Mutex};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::prelude::*;
use gst_base::subclass::prelude::*;

use super::counter::parse_intervals;
use super::registry;
use crate::base_inference::lock;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvafpscounter",
        gst::DebugColorFlags::empty(),
        Some("gva-rs frames per second counter"),
    )
});

const DEFAULT_INTERVAL: &str = "1";

/// Property values.
#[derive(Debug, Clone)]
struct Settings {
    interval: String,
    starting_frame: u32,
    print_std_dev: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            interval: DEFAULT_INTERVAL.to_owned(),
            starting_frame: 0,
            print_std_dev: false,
        }
    }
}

/// The element.
#[derive(Default)]
pub struct GvaFpsCounter {
    settings: Mutex<Settings>,
    /// The element's name while started (its stream's key in the counters).
    stream: Mutex<Option<String>>,
    /// `avg-fps`.
    avg_fps: Mutex<f32>,
}

#[glib::object_subclass]
impl ObjectSubclass for GvaFpsCounter {
    const NAME: &'static str = "GvaRsFpsCounter";
    type Type = super::GvaFpsCounter;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for GvaFpsCounter {
    fn constructed(&self) {
        self.parent_constructed();
        crate::use_dl_streamer_default_name(&*self.obj());
        self.obj().set_passthrough(true);
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("interval")
                    .nick("Interval")
                    .blurb(
                        "The time interval in seconds for which the fps will be measured \
                         (comma separated for several)",
                    )
                    .default_value(Some(DEFAULT_INTERVAL))
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("starting-frame")
                    .nick("Starting frame")
                    .blurb(
                        "Start collecting fps measurements after the specified number of frames \
                         have been processed to remove the influence of initialization cost",
                    )
                    .default_value(0)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecBoolean::builder("print-std-dev")
                    .nick("print-std-dev")
                    .blurb("If true, prints standard deviations")
                    .default_value(false)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecFloat::builder("avg-fps")
                    .nick("Average FPS")
                    .blurb("Total fps of the latest average (after EOS: overall) measurement")
                    .minimum(0.0)
                    .default_value(0.0)
                    .read_only()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        match pspec.name() {
            "interval" => {
                let interval: Option<String> = value.get().ok().flatten();
                let interval = interval.unwrap_or_else(|| DEFAULT_INTERVAL.to_owned());
                if let Err(e) = parse_intervals(&interval) {
                    // The start fails with this error; reporting it here too helps in logs.
                    gst::warning!(CAT, imp = self, "{}", e);
                }
                settings.interval = interval;
            }
            "starting-frame" => settings.starting_frame = value.get().unwrap_or(0),
            "print-std-dev" => settings.print_std_dev = value.get().unwrap_or(false),
            _ => {}
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "interval" => settings.interval.to_value(),
            "starting-frame" => settings.starting_frame.to_value(),
            "print-std-dev" => settings.print_std_dev.to_value(),
            "avg-fps" => lock(&self.avg_fps).to_value(),
            _ => None::<String>.to_value(),
        }
    }
}

impl GstObjectImpl for GvaFpsCounter {}

impl ElementImpl for GvaFpsCounter {
    gva_exit_gate::gated_post_message!();

    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Frames Per Second counter (gva-rs)",
                "Video",
                "Measures frames per second across multiple streams in a single process",
                "gva-rs",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let mut sink_caps = gst::Caps::builder("video/x-raw").any_features().build();
            sink_caps.merge(gst::Caps::builder("other/tensors").any_features().build());
            crate::pads::src_sink(&gst::Caps::new_any(), &sink_caps)
        });
        TEMPLATES.as_ref()
    }
}

impl GvaFpsCounter {
    fn set_avg_fps(&self, fps: Option<f64>) {
        if let Some(fps) = fps {
            *lock(&self.avg_fps) = fps as f32;
        }
    }

    fn stream(&self) -> Option<String> {
        lock(&self.stream).clone()
    }
}

impl BaseTransformImpl for GvaFpsCounter {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = true;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = true;

    gva_exit_gate::gated_transform_vfuncs!(src_event, query, submit_input_buffer);

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        gva_exit_gate::on_start(&*self.obj());
        let settings = lock(&self.settings).clone();
        let intervals = parse_intervals(&settings.interval)
            .map_err(|e| gst::error_msg!(gst::LibraryError::Settings, ("gvafpscounter: {}", e)))?;
        let name = self.obj().name().to_string();
        gst::debug!(
            CAT,
            imp = self,
            "counting stream {} (interval {}, starting frame {})",
            name,
            settings.interval,
            settings.starting_frame
        );
        registry::start(
            &intervals,
            u64::from(settings.starting_frame),
            settings.print_std_dev,
        );
        *lock(&self.avg_fps) = 0.0;
        *lock(&self.stream) = Some(name);
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        if let Some(name) = lock(&self.stream).take() {
            registry::stop(&name);
        }
        Ok(())
    }

    fn sink_event(&self, event: gst::Event) -> bool {
        let Some(_inside) = gva_exit_gate::enter() else {
            return false;
        };
        if event.type_() == gst::EventType::Eos
            && let Some(name) = self.stream()
        {
            self.set_avg_fps(registry::eos(&name));
        }
        self.parent_sink_event(event)
    }

    fn transform_ip_passthrough(
        &self,
        _buf: &gst::Buffer,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        if let Some(name) = self.stream() {
            self.set_avg_fps(registry::new_frame(&name));
        }
        Ok(gst::FlowSuccess::Ok)
    }
}
