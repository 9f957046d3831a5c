//! The `rsfacelogger` element's implementation: `FaceLogger` of `samples/face_logger.py`.

use std::fs::File;
use std::io::Write;
use std::sync::{LazyLock, Mutex, MutexGuard};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use gva_meta::{OptionalField, VideoFrame};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "rsfacelogger",
        gst::DebugColorFlags::empty(),
        Some("gva-rs sample: one line per frame with its faces"),
    )
});

/// `FaceLogger(log_file, min_confidence=0.0, label="face")`.
const DEFAULT_MIN_CONFIDENCE: f64 = 0.0;
const DEFAULT_LABEL: &str = "face";

/// Property values (the Python class's constructor arguments).
#[derive(Debug, Clone)]
struct Settings {
    log_file: Option<String>,
    min_confidence: f64,
    label: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            log_file: None,
            min_confidence: DEFAULT_MIN_CONFIDENCE,
            label: DEFAULT_LABEL.to_owned(),
        }
    }
}

/// Built by `start()` (the Python constructor's work), dropped by `stop()`.
struct State {
    min_confidence: f64,
    label: String,
    /// Frames logged so far (`self.frames`).
    frames: u64,
    log: File,
    info: Option<gst_video::VideoInfo>,
}

#[derive(Default)]
pub struct RsFaceLogger {
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[glib::object_subclass]
impl ObjectSubclass for RsFaceLogger {
    const NAME: &'static str = "GstRsFaceLogger";
    type Type = super::RsFaceLogger;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for RsFaceLogger {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("log-file")
                    .nick("Log file")
                    .blurb("File written with one line per frame (truncated at start; required)")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecDouble::builder("min-confidence")
                    .nick("Minimum confidence")
                    .blurb("Regions with a lower confidence are not logged")
                    .minimum(f64::MIN)
                    .maximum(f64::MAX)
                    .default_value(DEFAULT_MIN_CONFIDENCE)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("label")
                    .nick("Label")
                    .blurb("Label of the regions to log")
                    .default_value(Some(DEFAULT_LABEL))
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        match pspec.name() {
            "log-file" => settings.log_file = value.get().ok().flatten(),
            "min-confidence" => {
                settings.min_confidence = value.get().unwrap_or(DEFAULT_MIN_CONFIDENCE);
            }
            "label" => {
                settings.label = value
                    .get::<Option<String>>()
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| DEFAULT_LABEL.to_owned());
            }
            other => gst::warning!(CAT, imp = self, "unknown property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "log-file" => settings.log_file.to_value(),
            "min-confidence" => settings.min_confidence.to_value(),
            _ => settings.label.to_value(),
        }
    }
}

impl GstObjectImpl for RsFaceLogger {}

impl ElementImpl for RsFaceLogger {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Face logger (gva-rs sample)",
                "Sink/Analyzer/Video",
                "Writes one line per frame with the frame's faces to a file",
                "gva-rs",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> =
            LazyLock::new(crate::pads::video_filter_templates);
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for RsFaceLogger {
    // It only reads metadata: buffers pass through untouched, never copied to be made writable.
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = true;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = true;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        let settings = lock(&self.settings).clone();
        let Some(path) = settings.log_file else {
            return Err(gst::error_msg!(
                gst::ResourceError::NotFound,
                ("property 'log-file' is not set: give the file to write, e.g. log-file=faces.log")
            ));
        };
        // self.log = open(log_file, "w", encoding="utf-8")
        let log = File::create(&path).map_err(|e| {
            gst::error_msg!(
                gst::ResourceError::OpenWrite,
                ("could not open {} for writing: {}", path, e)
            )
        })?;
        *lock(&self.state) = Some(State {
            min_confidence: settings.min_confidence,
            label: settings.label,
            frames: 0,
            log,
            info: None,
        });
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = None;
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let info = gst_video::VideoInfo::from_caps(incaps)
            .map_err(|_| gst::loggable_error!(CAT, "caps {incaps} are not raw video"))?;
        if let Some(state) = lock(&self.state).as_mut() {
            state.info = Some(info);
        }
        Ok(())
    }

    fn transform_ip_passthrough(
        &self,
        buf: &gst::Buffer,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut state = lock(&self.state);
        let Some(state) = state.as_mut() else {
            return Err(gst::FlowError::NotNegotiated);
        };
        let Some(info) = state.info.clone() else {
            return Err(gst::FlowError::NotNegotiated);
        };
        match process_frame(state, &VideoFrame::new(buf.as_ref(), info)) {
            Ok(()) => Ok(gst::FlowSuccess::Ok),
            Err(message) => {
                gst::element_imp_error!(self, gst::ResourceError::Write, ("{}", message));
                Err(gst::FlowError::Error)
            }
        }
    }
}

/// `FaceLogger.process_frame`: one line for the frame, written at once.
fn process_frame(state: &mut State, frame: &VideoFrame<&gst::BufferRef>) -> Result<(), String> {
    // faces = [region for region in frame.regions()
    //          if region.label() == self.label
    //          and (region.confidence() or 0.0) >= self.min_confidence]
    let mut faces = Vec::new();
    for region in frame.regions() {
        if region.label().map_err(|e| e.to_string())? != state.label {
            continue;
        }
        let confidence = region.confidence().optional().map_err(|e| e.to_string())?;
        if confidence.unwrap_or(0.0) >= state.min_confidence {
            faces.push((region.rect(), confidence));
        }
    }
    // fields = [f"frame={self.frames}", f"faces={len(faces)}"]
    let mut fields = vec![
        format!("frame={}", state.frames),
        format!("faces={}", faces.len()),
    ];
    for (rect, confidence) in faces {
        let confidence = confidence.ok_or("a region to log has no confidence")?;
        // f"{self.label}={x},{y},{w},{h}@{region.confidence():.2f}"
        fields.push(format!(
            "{}={},{},{},{}@{confidence:.2}",
            state.label, rect.x, rect.y, rect.w, rect.h
        ));
    }
    // self.log.write(" ".join(fields) + "\n"); self.log.flush(): one unbuffered write
    let line = fields.join(" ") + "\n";
    state
        .log
        .write_all(line.as_bytes())
        .map_err(|e| format!("could not write the log: {e}"))?;
    state.frames += 1;
    Ok(())
}
