//! The abstract class's implementation: properties, start, caps, frames through the request
//! pool in order, and the draining of frames in flight before serialized events.

use std::sync::{Arc, Mutex};

use gst::glib;
use gst::glib::translate::IntoGlib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::base_transform::GenerateOutputSuccess;
use gst_base::subclass::prelude::*;

use super::delivery::Sink;
use super::engine::Engine;
use super::error::Error;
use super::{Settings, Task, lock};

/// The class struct: BaseTransform's, then what each subclass sets in its `class_init`.
#[repr(C)]
pub struct Class {
    parent: gst_base::ffi::GstBaseTransformClass,
    /// What the element makes of the model's outputs.
    pub(super) task: Task,
    /// The element's debug category.
    pub(super) category: gst::DebugCategory,
}

// SAFETY: `repr(C)` with the parent class struct first; `Type` is the class's subclass.
unsafe impl ClassStruct for Class {
    type Type = GvaBaseInference;
}

/// The first flow error of a frame pushed from the pool, returned upstream with the next one.
type Flow = Arc<Mutex<Result<(), gst::FlowError>>>;

/// A started element: its engine and the pushes' flow.
struct Running {
    engine: Engine,
    flow: Flow,
}

/// Where the pool's delivery sends the frames: the element's src pad, and its bus.
struct Pusher {
    element: glib::WeakRef<super::GvaBaseInference>,
    flow: Flow,
    category: gst::DebugCategory,
}

impl Sink for Pusher {
    fn frame(&self, frame: Result<gst::Buffer, Error>) {
        let Some(element) = self.element.upgrade() else {
            return;
        };
        let result = match frame {
            // Python may run under this push (a probe, an appsink handler downstream), on this
            // Rust thread: only through the exit gate. Once the application's interpreter is
            // ending, the frame is dropped and the stream stops as flushing.
            Ok(buffer) => match gva_exit_gate::enter() {
                Some(_inside) => element
                    .static_pad("src")
                    .map_or(Err(gst::FlowError::Error), |pad| pad.push(buffer).map(drop)),
                None => Err(gst::FlowError::Flushing),
            },
            Err(e) => {
                gst::element_error!(element, gst::StreamError::Failed, ("{}", e));
                Err(gst::FlowError::Error)
            }
        };
        if let Err(e) = result {
            let mut flow = lock(&self.flow);
            if flow.is_ok() {
                *flow = Err(e);
            }
        }
    }

    fn warning(&self, warning: String) {
        if let Some(element) = self.element.upgrade() {
            gst::warning!(self.category, obj = element, "{warning}");
            gst::element_warning!(element, gst::StreamError::Format, ("{}", warning));
        }
    }
}

/// The class's instance data.
pub struct GvaBaseInference {
    pub(super) settings: Mutex<Settings>,
    state: Mutex<Option<Running>>,
}

#[glib::object_subclass]
impl ObjectSubclass for GvaBaseInference {
    const NAME: &'static str = "GvaRsBaseInference";
    const ABSTRACT: bool = true;
    type Type = super::GvaBaseInference;
    type ParentType = gst_base::BaseTransform;
    type Class = Class;

    fn with_class(klass: &Class) -> Self {
        Self {
            settings: Mutex::new(Settings::for_task(klass.task)),
            state: Mutex::new(None),
        }
    }
}

impl GvaBaseInference {
    fn task(&self) -> Task {
        self.obj().class().as_ref().task
    }

    fn category(&self) -> gst::DebugCategory {
        self.obj().class().as_ref().category
    }

    /// Runs `f` on the started element outside the state lock (never hold a lock across an
    /// inference or a push).
    fn with_engine<R>(&self, f: impl FnOnce(&mut Running) -> R) -> Option<R> {
        let mut running = lock(&self.state).take()?;
        let result = f(&mut running);
        let mut slot = lock(&self.state);
        // A stop() meanwhile wins: the engine is then dropped here.
        if slot.is_none() {
            *slot = Some(running);
        }
        Some(result)
    }
}

impl ObjectImpl for GvaBaseInference {
    fn constructed(&self) {
        self.parent_constructed();
        crate::use_dl_streamer_default_name(&*self.obj());
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: std::sync::LazyLock<Vec<glib::ParamSpec>> =
            std::sync::LazyLock::new(Settings::properties);
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        lock(&self.settings).set(value, pspec);
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        lock(&self.settings).get(pspec)
    }
}

impl GstObjectImpl for GvaBaseInference {}

impl ElementImpl for GvaBaseInference {
    gva_exit_gate::gated_post_message!();

    /// `video/x-raw` of every format the elements take, any size (the model converts and
    /// resizes); subclasses inherit them.
    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: std::sync::LazyLock<Vec<gst::PadTemplate>> =
            std::sync::LazyLock::new(|| {
                crate::pads::video_src_sink(&crate::pads::RGB_YUV_AND_GRAY)
            });
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for GvaBaseInference {
    const MODE: gst_base::subclass::BaseTransformMode = super::MODE;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    gva_exit_gate::gated_transform_vfuncs!(src_event, query, submit_input_buffer);

    /// Reads the model and plans its outputs; failures are `LibraryError::Settings` errors
    /// naming the cause.
    fn start(&self) -> Result<(), gst::ErrorMessage> {
        let settings = lock(&self.settings).clone();
        let element = self.obj();
        gva_exit_gate::on_start(&*element);
        let flow = Flow::new(Mutex::new(Ok(())));
        let sink = Arc::new(Pusher {
            element: element.downgrade(),
            flow: flow.clone(),
            category: self.category(),
        });
        let engine = Engine::start(self.task(), &settings, &element.name(), sink)
            .map_err(|e| gst::error_msg!(gst::LibraryError::Settings, ("{}", e)))?;
        for warning in &engine.warnings {
            gst::element_warning!(element, gst::LibraryError::Settings, ("{}", warning));
        }
        gst::debug!(
            self.category(),
            imp = self,
            "started with model {:?}",
            settings.model
        );
        *lock(&self.state) = Some(Running { engine, flow });
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = None;
        Ok(())
    }

    /// Compiles the model for the negotiated frame format and size.
    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let category = self.category();
        let info = gst_video::VideoInfo::from_caps(incaps)
            .map_err(|_| gst::loggable_error!(category, "caps {} are not video", incaps))?;
        let result = self
            .with_engine(|r| r.engine.prepare(&info))
            .ok_or_else(|| gst::loggable_error!(category, "caps before start"))?;
        result.map_err(|e| {
            gst::element_imp_error!(self, gst::CoreError::Negotiation, ("{}", e));
            gst::loggable_error!(category, "{}", e)
        })
    }

    /// Before a serialized event (caps, segment, EOS, flush-stop…) passes, every frame in
    /// flight is pushed, so buffers and events keep their order; a flush-stop clears the
    /// pushed flow.
    ///
    /// A push from the pool that failed (e.g. not-linked) is returned upstream with the next
    /// frame, and the source reports it. At EOS there is no next frame: the element reports it
    /// itself, as a source would, so the pipeline ends with that error instead of waiting for
    /// an EOS no sink will post.
    ///
    /// Once the application's interpreter is ending (see `gva_exit_gate`), events are dropped.
    fn sink_event(&self, event: gst::Event) -> bool {
        let Some(_inside) = gva_exit_gate::enter() else {
            return false;
        };
        if event.is_serialized() {
            self.with_engine(|r| {
                r.engine.flush();
                let mut flow = lock(&r.flow);
                match event.type_() {
                    gst::EventType::FlushStop => *flow = Ok(()),
                    gst::EventType::Eos => {
                        if let Err(e) = *flow
                            && !matches!(e, gst::FlowError::Flushing | gst::FlowError::Eos)
                        {
                            // GStreamer's own words (gst_flow_get_name, GST_ELEMENT_FLOW_ERROR).
                            let reason = match e {
                                gst::FlowError::NotLinked => "not-linked",
                                gst::FlowError::NotNegotiated => "not-negotiated",
                                gst::FlowError::NotSupported => "not-supported",
                                gst::FlowError::Error => "error",
                                _ => "custom-error",
                            };
                            gst::element_imp_error!(
                                self,
                                gst::StreamError::Failed,
                                ("Internal data stream error."),
                                [
                                    "streaming stopped, reason {} ({})",
                                    reason,
                                    gst::FlowReturn::from_error(e).into_glib()
                                ]
                            );
                        }
                    }
                    _ => {}
                }
            });
        }
        self.parent_sink_event(event)
    }

    /// Hands a frame to the engine: it leaves later, from the pool's delivery, in order; an
    /// inference error or an earlier push error stops the stream.
    fn generate_output(&self) -> Result<GenerateOutputSuccess, gst::FlowError> {
        let Some(buffer) = self.take_queued_buffer() else {
            return Ok(GenerateOutputSuccess::NoOutput);
        };
        let (result, flow) = self
            .with_engine(|r| (r.engine.submit(buffer), *lock(&r.flow)))
            .ok_or(gst::FlowError::Flushing)?;
        flow?;
        match result {
            Ok(()) => Ok(GenerateOutputSuccess::NoOutput),
            Err(e) => {
                gst::element_imp_error!(self, gst::StreamError::Failed, ("{}", e));
                Err(gst::FlowError::Error)
            }
        }
    }
}
