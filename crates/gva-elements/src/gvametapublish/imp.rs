//! The `gvametapublish` element's implementation: an in-place, pass-through BaseTransform that
//! hands the first JSON message of each buffer to the selected [`Publisher`].

use std::sync::{LazyLock, Mutex, MutexGuard};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use gva_meta::JsonMeta;

use super::file::FilePublisher;
use super::mqtt::MqttPublisher;
use super::publisher::{Interrupter, PublishError, Publisher};
use super::settings::{Method, Settings};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvametapublish",
        gst::DebugColorFlags::empty(),
        Some("gva-rs metadata publisher"),
    )
});

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What exists between `start()` and `stop()`.
struct State {
    publisher: Box<dyn Publisher>,
    finished: bool,
    records: u64,
}

/// The element's private data.
#[derive(Default)]
pub struct GvaMetaPublish {
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
    /// Wakes a publisher blocked in the streaming thread; kept apart from `state`, which that
    /// thread holds while it is blocked.
    interrupter: Mutex<Option<Interrupter>>,
}

#[glib::object_subclass]
impl ObjectSubclass for GvaMetaPublish {
    const NAME: &'static str = "GvaRsMetaPublish";
    type Type = super::GvaMetaPublish;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for GvaMetaPublish {
    fn constructed(&self) {
        self.parent_constructed();
        crate::use_dl_streamer_default_name(&*self.obj());
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(Settings::properties);
        PROPS.as_ref()
    }

    fn signals() -> &'static [glib::subclass::Signal] {
        static SIGNALS: LazyLock<Vec<glib::subclass::Signal>> = LazyLock::new(|| {
            vec![
                glib::subclass::Signal::builder("handoff")
                    .param_types([gst::Buffer::static_type()])
                    .build(),
            ]
        });
        SIGNALS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        lock(&self.settings).set(value, pspec);
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        lock(&self.settings).get(pspec)
    }
}

impl GstObjectImpl for GvaMetaPublish {}

impl ElementImpl for GvaMetaPublish {
    gva_exit_gate::gated_post_message!();

    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Metadata publisher (gva-rs)",
                "Metadata",
                "Publishes the JSON metadata of each frame to a file, stdout or an MQTT broker",
                "gva-rs",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        crate::pads::any_src_sink()
    }

    fn change_state(
        &self,
        transition: gst::StateChange,
    ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
        if transition == gst::StateChange::PausedToReady {
            // A publisher waiting for the broker must let go of the streaming thread before the
            // pads deactivate (they take its stream lock).
            if let Some(interrupt) = lock(&self.interrupter).clone() {
                interrupt();
            }
        }
        self.parent_change_state(transition)
    }
}

impl GvaMetaPublish {
    fn open(&self, settings: &Settings) -> Result<Box<dyn Publisher>, PublishError> {
        match settings.method {
            Method::File => Ok(Box::new(FilePublisher::open(
                &settings.file_path,
                settings.file_format,
            )?)),
            Method::Mqtt => {
                let element = self.obj().downgrade();
                let warn = move |message: &str| {
                    if let Some(element) = element.upgrade() {
                        gst::element_warning!(element, gst::ResourceError::Write, ("{}", message));
                    }
                };
                Ok(Box::new(MqttPublisher::connect(settings, Box::new(warn))?))
            }
            Method::Kafka => Err(PublishError::settings(
                "method=kafka is not supported by this gvametapublish: use method=file or method=mqtt",
            )),
        }
    }

    /// Finishes the publisher once; a failure is posted as an element error.
    fn finish(&self, state: &mut State) -> bool {
        if state.finished {
            return true;
        }
        state.finished = true;
        gst::debug!(CAT, imp = self, "finishing after {} records", state.records);
        match state.publisher.finish() {
            Ok(()) => true,
            Err(e) => {
                gst::element_imp_error!(self, e.kind, ("{}", e.message));
                false
            }
        }
    }
}

impl BaseTransformImpl for GvaMetaPublish {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = true;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = true;

    gva_exit_gate::gated_transform_vfuncs!(src_event, query, submit_input_buffer);

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        gva_exit_gate::on_start(&*self.obj());
        let settings = lock(&self.settings).clone();
        gst::debug!(CAT, imp = self, "starting with {settings:?}");
        let publisher = self.open(&settings).map_err(|e| e.to_error_message())?;
        *lock(&self.interrupter) = publisher.interrupter();
        *lock(&self.state) = Some(State {
            publisher,
            finished: false,
            records: 0,
        });
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        let state = lock(&self.state).take();
        if let Some(mut state) = state {
            // A stop without EOS still completes the output (closes the JSON array).
            self.finish(&mut state);
        }
        *lock(&self.interrupter) = None;
        Ok(())
    }

    fn sink_event(&self, event: gst::Event) -> bool {
        let Some(_inside) = gva_exit_gate::enter() else {
            return false;
        };
        if let gst::EventView::Eos(_) = event.view()
            && let Some(state) = lock(&self.state).as_mut()
        {
            self.finish(state);
        }
        self.parent_sink_event(event)
    }

    fn transform_ip_passthrough(
        &self,
        buffer: &gst::Buffer,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        // Handlers are application code, run under this vfunc: through the exit gate.
        if lock(&self.settings).signal_handoffs
            && let Some(_inside) = gva_exit_gate::enter()
        {
            self.obj().emit_by_name::<()>("handoff", &[buffer]);
        }
        let Some(meta) = buffer.meta::<JsonMeta>() else {
            return Ok(gst::FlowSuccess::Ok);
        };
        let record = meta.message().map_err(|e| {
            gst::element_imp_error!(
                self,
                gst::StreamError::Format,
                (
                    "the buffer at {:?} has an unreadable JSON message: {}",
                    buffer.pts(),
                    e
                )
            );
            gst::FlowError::Error
        })?;
        let mut guard = lock(&self.state);
        let Some(state) = guard.as_mut() else {
            return Err(gst::FlowError::Flushing);
        };
        match state.publisher.publish(record) {
            Ok(()) => {
                state.records += 1;
                Ok(gst::FlowSuccess::Ok)
            }
            Err(e) if e.interrupted => Err(gst::FlowError::Flushing),
            Err(e) => {
                gst::element_imp_error!(self, e.kind, ("{}", e.message));
                Err(gst::FlowError::Error)
            }
        }
    }
}
