//! The `gvapython` element's implementation.

use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use pyo3::prelude::*;

use crate::callback::{self, Arguments, Loaded, Target};
use crate::seam::FrameApi;
use crate::shutdown::{self, Release};
use crate::{interpreter, thread_state};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvapython",
        gst::DebugColorFlags::empty(),
        Some("gva-rs: user Python on every frame"),
    )
});

const DEFAULT_FUNCTION: &str = "process_frame";

/// Numbers the modules loaded by gvapython elements in this process.
static NEXT_MODULE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Property values.
#[derive(Debug)]
struct Settings {
    module: Option<String>,
    class: Option<String>,
    function: String,
    arguments: Arguments,
    /// The first invalid `arg`/`kwarg`, reported by `start()`.
    argument_error: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            module: None,
            class: None,
            function: DEFAULT_FUNCTION.to_owned(),
            arguments: Arguments::default(),
            argument_error: None,
        }
    }
}

/// The resolved callable; kept across NULL→PLAYING→NULL so a class instance keeps its state,
/// released when the element is disposed (or when the application exits, see `shutdown.rs`).
struct Callback {
    /// `None` once released.
    loaded: Option<Loaded>,
    name: Arc<str>,
    api: FrameApi,
}

impl Callback {
    /// Releases the Python objects now (`py`: attached).
    fn release(mut self, py: Python<'_>) {
        if let Some(loaded) = self.loaded.take() {
            loaded.release(py);
        }
    }
}

impl Drop for Callback {
    /// The last reference may go on any thread, attached or not: release through the GIL, or —
    /// when the interpreter is gone or ending — leave the objects to it (a decref then could
    /// run `__del__` on a dying interpreter or end this thread).
    fn drop(&mut self) {
        if let Some(loaded) = self.loaded.take()
            && let Err(refused) = thread_state::with_gil(move |py| loaded.release(py))
        {
            gst::debug!(
                CAT,
                "{}: Python is ending, its objects are left to it",
                self.name
            );
            std::mem::forget(refused);
        }
    }
}

/// The element's callback, shared with the exit hook, which empties it.
#[derive(Default)]
struct Slot(Mutex<Option<Arc<Callback>>>);

impl Release for Slot {
    /// Run by the exit hook, with the GIL held.
    fn release(&self) {
        let taken = lock(&self.0).take();
        // A frame still running elsewhere (the hook timed out) keeps a clone; its drop releases.
        if let Some(callback) = taken.and_then(Arc::into_inner) {
            Python::attach(|py| callback.release(py));
        }
    }
}

/// What a frame's call gave.
enum Called {
    /// No callback: not started, or released by the exit hook.
    Nothing,
    /// `(truthy, was None)` or the traceback, and the callable's name for messages.
    Done(Result<(bool, bool), String>, Arc<str>),
}

/// What the negotiated caps decide.
#[derive(Default)]
struct State {
    info: Option<Arc<gst_video::VideoInfo>>,
}

#[derive(Default)]
pub struct GvaPython {
    settings: Mutex<Settings>,
    state: Mutex<State>,
    callback: Arc<Slot>,
    warned_none: std::sync::atomic::AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[glib::object_subclass]
impl ObjectSubclass for GvaPython {
    const NAME: &'static str = "GstGvaPython";
    type Type = super::GvaPython;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for GvaPython {
    fn constructed(&self) {
        self.parent_constructed();
        let slot: Arc<dyn Release> = self.callback.clone();
        shutdown::register(Arc::downgrade(&slot));
    }

    /// Releases the Python objects (with the interpreter attached, so the instance's `__del__`
    /// runs now). Runs on whichever thread drops the last reference: `gst-launch-1.0` at exit,
    /// an application's `del pipeline`.
    fn dispose(&self) {
        let taken = lock(&self.callback.0).take();
        if taken.is_some() {
            gst::debug!(CAT, imp = self, "disposed: releasing the Python callback");
        }
        drop(taken);
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("module")
                    .nick("Python module")
                    .blurb("Path to the Python file (.py) that holds the function or class")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("class")
                    .nick("Python class")
                    .blurb("Class to instantiate once with arg/kwarg; function is then its method")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("function")
                    .nick("Python function")
                    .blurb("Function (or method) called with a gstgva.VideoFrame for every frame")
                    .default_value(Some(DEFAULT_FUNCTION))
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("arg")
                    .nick("Argument")
                    .blurb(
                        "JSON positional argument(s) for the class constructor; each setting \
                         appends (an array extends the list)",
                    )
                    .default_value(Some("[]"))
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("kwarg")
                    .nick("Keyword argument")
                    .blurb(
                        "JSON object of keyword arguments for the class constructor; each setting \
                         merges",
                    )
                    .default_value(Some("{}"))
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let text = value.get::<Option<String>>().ok().flatten();
        let mut settings = lock(&self.settings);
        match pspec.name() {
            "module" => settings.module = text,
            "class" => settings.class = text.filter(|c| !c.is_empty()),
            "function" => {
                settings.function = text.unwrap_or_else(|| DEFAULT_FUNCTION.to_owned());
            }
            "arg" | "kwarg" => {
                let Some(text) = text else { return };
                let result = if pspec.name() == "arg" {
                    settings.arguments.push_arg(&text)
                } else {
                    settings.arguments.merge_kwarg(&text)
                };
                if let Err(e) = result {
                    gst::error!(CAT, imp = self, "{e}");
                    settings.argument_error.get_or_insert(e);
                }
            }
            other => gst::warning!(CAT, imp = self, "unknown property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "module" => settings.module.to_value(),
            "class" => settings.class.to_value(),
            "function" => settings.function.to_value(),
            "arg" => settings.arguments.to_json().0.to_value(),
            "kwarg" => settings.arguments.to_json().1.to_value(),
            _ => None::<String>.to_value(),
        }
    }
}

impl GstObjectImpl for GvaPython {}

impl ElementImpl for GvaPython {
    gva_exit_gate::gated_post_message!();

    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Python callback (gva-rs)",
                "Filter/Video",
                "Calls a Python function or class method with a gstgva.VideoFrame for every frame",
                "gva-rs",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let caps = gst::Caps::new_any();
            vec![
                gst::PadTemplate::new(
                    "src",
                    gst::PadDirection::Src,
                    gst::PadPresence::Always,
                    &caps,
                )
                .expect("valid src template"),
                gst::PadTemplate::new(
                    "sink",
                    gst::PadDirection::Sink,
                    gst::PadPresence::Always,
                    &caps,
                )
                .expect("valid sink template"),
            ]
        });
        TEMPLATES.as_ref()
    }
}

impl GvaPython {
    fn load_callback(&self) -> Result<Arc<Callback>, gst::ErrorMessage> {
        let settings = lock(&self.settings);
        if let Some(e) = &settings.argument_error {
            return Err(gst::error_msg!(gst::LibraryError::Settings, ("{}", e)));
        }
        let Some(module) = settings.module.clone() else {
            return Err(gst::error_msg!(
                gst::LibraryError::Settings,
                ("property 'module' is not set: give the path of a Python file, e.g. module=process.py")
            ));
        };
        let target = Target {
            module,
            class: settings.class.clone(),
            function: settings.function.clone(),
            arguments: settings.arguments.clone(),
            // Element names are unique only within a pipeline: a process-wide counter keeps two
            // pipelines' `gvapython name=x` from replacing each other's module in sys.modules.
            unique_name: format!(
                "gvapython_{}_{}",
                self.obj().name().replace(['-', '.'], "_"),
                NEXT_MODULE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ),
        };
        drop(settings);

        interpreter::ensure().map_err(|e| gst::error_msg!(gst::LibraryError::Init, ("{}", e)))?;
        shutdown::on_start(&*self.obj());
        thread_state::with_gil(|py| {
            let api = FrameApi::import(py).map_err(|e| {
                format!(
                    "gvapython needs the gstgva package in the Python environment:\n{}",
                    callback::traceback(py, &e)
                )
            })?;
            let loaded = callback::load(py, &target)?;
            Ok(Arc::new(Callback {
                loaded: Some(loaded),
                name: match &target.class {
                    Some(c) => format!("{c}.{}", target.function),
                    None => target.function.clone(),
                }
                .into(),
                api,
            }))
        })
        .unwrap_or_else(|_| Err("the Python interpreter is shutting down".to_owned()))
        .map_err(|e: String| {
            gst::error_msg!(
                gst::LibraryError::Init,
                ("Error creating Python callback: {}", e)
            )
        })
    }
}

impl BaseTransformImpl for GvaPython {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    gva_exit_gate::gated_transform_vfuncs!(sink_event, src_event, query, submit_input_buffer);

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        if lock(&self.callback.0).is_some() {
            gst::debug!(
                CAT,
                imp = self,
                "reusing the Python callback of the previous run"
            );
            return Ok(());
        }
        let callback = self.load_callback()?;
        *lock(&self.callback.0) = Some(callback);
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = State::default();
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let name = incaps
            .structure(0)
            .map(|s| s.name().as_str().to_owned())
            .unwrap_or_default();
        if !(name.starts_with("video/") || name.starts_with("image/")) {
            gst::element_imp_error!(
                self,
                gst::CoreError::Negotiation,
                ("gvapython handles video/* and image/* caps, not '{}'", name)
            );
            return Err(gst::loggable_error!(CAT, "unsupported caps {}", name));
        }
        let info = gst_video::VideoInfo::from_caps(incaps).ok().map(Arc::new);
        lock(&self.state).info = info;
        Ok(())
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let info = lock(&self.state).info.clone();
        let buffer = buf.as_mut_ptr();
        // The callback is taken inside the GIL so that its last reference never goes outside it.
        let called = thread_state::with_gil(|py| {
            let Some(callback) = lock(&self.callback.0).clone() else {
                return Called::Nothing;
            };
            let Some(loaded) = &callback.loaded else {
                return Called::Nothing;
            };
            let called = callback
                .api
                .with_frame(py, buffer, info.as_deref(), |frame| {
                    loaded
                        .function
                        .bind(py)
                        .call1((frame,))
                        .and_then(|r| Ok((r.is_truthy()?, r.is_none())))
                });
            let outcome = match called {
                Ok(Ok(result)) => Ok(result),
                Ok(Err(e)) | Err(e) => Err(callback::traceback(py, &e)),
            };
            Called::Done(outcome, callback.name.clone())
        });
        let (outcome, name) = match called {
            Ok(Called::Done(outcome, name)) => (outcome, name),
            Ok(Called::Nothing) if !shutdown::is_closed() => {
                gst::element_imp_error!(
                    self,
                    gst::CoreError::StateChange,
                    ("gvapython was not started")
                );
                return Err(gst::FlowError::Error);
            }
            // The application is exiting: its interpreter takes no more frames.
            Ok(Called::Nothing) | Err(_) => {
                gst::debug!(CAT, imp = self, "Python is shutting down: frame refused");
                return Err(gst::FlowError::Flushing);
            }
        };
        match outcome {
            Ok((true, _)) => Ok(gst::FlowSuccess::Ok),
            Ok((false, was_none)) => {
                if was_none
                    && !self
                        .warned_none
                        .swap(true, std::sync::atomic::Ordering::Relaxed)
                {
                    gst::warning!(
                        CAT,
                        imp = self,
                        "{} returned None: the frame is dropped (return True to pass it on); \
                         warning once",
                        name
                    );
                }
                Ok(gst_base::BASE_TRANSFORM_FLOW_DROPPED)
            }
            Err(traceback) => {
                gst::element_imp_error!(
                    self,
                    gst::LibraryError::Failed,
                    ("Python error in {}:\n{}", name, traceback)
                );
                Err(gst::FlowError::Error)
            }
        }
    }
}
