//! The `gvametaconvert` element's implementation: properties, caps, and the per-buffer work.

use std::sync::{LazyLock, Mutex, MutexGuard};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::prelude::*;
use gst_base::subclass::prelude::*;
use gva_meta::VideoFrame;
use serde_json::Value;

use super::Format;
use super::dump::dump;
use super::frame_json::{FrameContext, frame_json};
use super::system_timestamp::system_timestamp;

/// The element's debug category.
pub(super) static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvametaconvert",
        gst::DebugColorFlags::empty(),
        Some("gva-rs metadata to JSON converter"),
    )
});

/// `json-indent` limits and default, as DL Streamer's.
const MIN_JSON_INDENT: i32 = -1;
const MAX_JSON_INDENT: i32 = 10;
const DEFAULT_JSON_INDENT: i32 = -1;

/// Property values (defaults as DL Streamer's).
#[derive(Debug)]
struct Settings {
    format: Format,
    add_tensor_data: bool,
    signal_handoffs: bool,
    source: Option<String>,
    /// The `tags` text as set.
    tags: Option<String>,
    /// `tags` parsed: `Ok(None)` when unset, `Err` saying what is wrong with it.
    parsed_tags: Result<Option<Value>, String>,
    add_empty_results: bool,
    json_indent: i32,
    timestamp_utc: bool,
    timestamp_microseconds: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            format: Format::Json,
            add_tensor_data: false,
            signal_handoffs: false,
            source: None,
            tags: None,
            parsed_tags: Ok(None),
            add_empty_results: false,
            json_indent: DEFAULT_JSON_INDENT,
            timestamp_utc: false,
            timestamp_microseconds: false,
        }
    }
}

/// `tags` as a JSON object, or why it is not one.
fn parse_tags(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(object @ Value::Object(_)) => Ok(object),
        Ok(other) => Err(format!(
            "tags must be a JSON object such as '{{\"camera\":\"lobby\"}}', not {} '{text}'",
            match other {
                Value::Array(_) => "the array",
                Value::String(_) => "the string",
                Value::Number(_) => "the number",
                Value::Bool(_) => "the boolean",
                _ => "",
            }
        )),
        Err(e) => Err(format!("tags is not valid JSON ({e}): '{text}'")),
    }
}

/// What the running element knows about its input.
#[derive(Debug, Default)]
struct State {
    /// The frames' video info; `None` until video caps arrive, and for other caps.
    info: Option<gst_video::VideoInfo>,
}

/// The element's private data.
pub struct GvaMetaConvert {
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
}

impl Default for GvaMetaConvert {
    fn default() -> Self {
        Self {
            settings: Mutex::new(Settings::default()),
            state: Mutex::new(None),
        }
    }
}

/// Locks `mutex`, also after a panic elsewhere poisoned it (the data stays consistent: every
/// critical section only assigns whole values).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[glib::object_subclass]
impl ObjectSubclass for GvaMetaConvert {
    const NAME: &'static str = "GvaRsMetaConvert";
    type Type = super::GvaMetaConvert;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for GvaMetaConvert {
    fn constructed(&self) {
        self.parent_constructed();
        crate::use_dl_streamer_default_name(&*self.obj());
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecEnum::builder_with_default("format", Format::Json)
                    .nick("Format")
                    .blurb(
                        "Output format for conversion: json (a GstGVAJSONMeta with the inference \
                         results) or dump-detection (one line per region in the debug log)",
                    )
                    .build(),
                glib::ParamSpecBoolean::builder("add-tensor-data")
                    .nick("Add Tensor Data")
                    .blurb(
                        "Add raw tensor data in addition to detection and classification labels.",
                    )
                    .default_value(false)
                    .build(),
                glib::ParamSpecBoolean::builder("signal-handoffs")
                    .nick("Signal handoffs")
                    .blurb("Send the handoff signal before pushing the buffer")
                    .default_value(false)
                    .build(),
                glib::ParamSpecBoolean::builder("timestamp-utc")
                    .nick("UTC timestamp")
                    .blurb("Convert timestamps to UTC format")
                    .default_value(false)
                    .build(),
                glib::ParamSpecBoolean::builder("timestamp-microseconds")
                    .nick("Microseconds timestamp")
                    .blurb("Include microseconds in timestamp")
                    .default_value(false)
                    .build(),
                glib::ParamSpecString::builder("source")
                    .nick("Source URI")
                    .blurb(
                        "User supplied URI identifying the media source associated with the \
                         inference results",
                    )
                    .build(),
                glib::ParamSpecString::builder("tags")
                    .nick("Custom tags")
                    .blurb(
                        "User supplied JSON object of additional properties added to each \
                         frame's inference results",
                    )
                    .build(),
                glib::ParamSpecBoolean::builder("add-empty-results")
                    .nick("include metas with no detections")
                    .blurb(
                        "Add metadata when inference is run but no results meet the detection \
                         threshold",
                    )
                    .default_value(false)
                    .build(),
                glib::ParamSpecInt::builder("json-indent")
                    .nick("JSON indent")
                    .blurb(
                        "To control format of metadata output, indicate the number of spaces to \
                         indent blocks of JSON (-1 to 10).",
                    )
                    .minimum(MIN_JSON_INDENT)
                    .maximum(MAX_JSON_INDENT)
                    .default_value(DEFAULT_JSON_INDENT)
                    .build(),
            ]
        });
        PROPS.as_ref()
    }

    fn signals() -> &'static [glib::subclass::Signal] {
        static SIGNALS: LazyLock<Vec<glib::subclass::Signal>> = LazyLock::new(|| {
            vec![
                glib::subclass::Signal::builder("handoff")
                    .param_types([gst::Buffer::static_type()])
                    .run_last()
                    .build(),
            ]
        });
        SIGNALS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut s = lock(&self.settings);
        // The types are checked by GObject against the param specs above.
        match pspec.name() {
            "format" => s.format = value.get().unwrap_or_default(),
            "add-tensor-data" => s.add_tensor_data = value.get().unwrap_or(false),
            "signal-handoffs" => s.signal_handoffs = value.get().unwrap_or(false),
            "timestamp-utc" => s.timestamp_utc = value.get().unwrap_or(false),
            "timestamp-microseconds" => s.timestamp_microseconds = value.get().unwrap_or(false),
            "source" => s.source = value.get().unwrap_or(None),
            "add-empty-results" => s.add_empty_results = value.get().unwrap_or(false),
            "json-indent" => s.json_indent = value.get().unwrap_or(DEFAULT_JSON_INDENT),
            "tags" => {
                let tags: Option<String> = value.get().unwrap_or(None);
                s.parsed_tags = match tags.as_deref() {
                    None | Some("") => Ok(None),
                    Some(text) => parse_tags(text).map(Some),
                };
                if let Err(problem) = &s.parsed_tags {
                    gst::error!(CAT, imp = self, "{problem}");
                }
                s.tags = tags;
            }
            other => gst::warning!(CAT, imp = self, "no property '{other}'"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let s = lock(&self.settings);
        match pspec.name() {
            "format" => s.format.to_value(),
            "add-tensor-data" => s.add_tensor_data.to_value(),
            "signal-handoffs" => s.signal_handoffs.to_value(),
            "timestamp-utc" => s.timestamp_utc.to_value(),
            "timestamp-microseconds" => s.timestamp_microseconds.to_value(),
            "source" => s.source.to_value(),
            "tags" => s.tags.to_value(),
            "add-empty-results" => s.add_empty_results.to_value(),
            "json-indent" => s.json_indent.to_value(),
            _ => pspec.default_value().clone(),
        }
    }
}

impl GstObjectImpl for GvaMetaConvert {}

impl ElementImpl for GvaMetaConvert {
    gva_exit_gate::gated_post_message!();

    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Metadata converter (gva-rs)",
                "Video",
                "Converts the metadata structure to the JSON format.",
                "gva-rs",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        crate::pads::any_src_sink()
    }
}

impl BaseTransformImpl for GvaMetaConvert {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    gva_exit_gate::gated_transform_vfuncs!(sink_event, src_event, query, submit_input_buffer);

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        gva_exit_gate::on_start(&*self.obj());
        if let Err(problem) = &lock(&self.settings).parsed_tags {
            return Err(gst::error_msg!(
                gst::LibraryError::Settings,
                ("Invalid 'tags' property: {problem}")
            ));
        }
        *lock(&self.state) = Some(State::default());
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = None;
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let info = video_info(incaps);
        if info.is_none() {
            gst::info!(
                CAT,
                imp = self,
                "no JSON for caps {incaps}: buffers pass through unchanged"
            );
        }
        if let Some(state) = lock(&self.state).as_mut() {
            state.info = info;
        }
        Ok(())
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let signal_handoffs = {
            let settings = lock(&self.settings);
            let state = lock(&self.state);
            if let Some(info) = state.as_ref().and_then(|s| s.info.as_ref()) {
                match settings.format {
                    Format::Json => self.attach_json(buf, info, &settings),
                    Format::DumpDetection => self.dump_detection(buf, info),
                }
            }
            settings.signal_handoffs
        };
        // Handlers are application code, run under this vfunc: through the exit gate.
        if signal_handoffs && let Some(_inside) = gva_exit_gate::enter() {
            // A new reference, not a copy: handlers see the buffer with its JSON.
            let buffer = buf.to_owned();
            self.obj().emit_by_name::<()>("handoff", &[&buffer]);
        }
        Ok(gst::FlowSuccess::Ok)
    }
}

impl GvaMetaConvert {
    /// Attaches the frame's JSON (if it has something to report).
    fn attach_json(
        &self,
        buf: &mut gst::BufferRef,
        info: &gst_video::VideoInfo,
        settings: &Settings,
    ) {
        let timestamp = self.stream_time(buf);
        let ctx = FrameContext {
            width: info.width(),
            height: info.height(),
            source: settings.source.as_deref(),
            tags: settings.parsed_tags.as_ref().ok().and_then(Option::as_ref),
            timestamp,
            system_timestamp: system_timestamp(
                buf,
                settings.timestamp_utc,
                settings.timestamp_microseconds,
            ),
            add_tensor_data: settings.add_tensor_data,
            add_empty_results: settings.add_empty_results,
        };
        let mut frame = VideoFrame::new(buf, info.clone());
        let Some(json) = frame_json(&frame, &ctx) else {
            gst::trace!(
                CAT,
                imp = self,
                "No detections found. Not posting JSON message"
            );
            return;
        };
        let text = dump(&json, settings.json_indent);
        gst::debug!(CAT, imp = self, "JSON message: {text}");
        if let Err(e) = frame.add_message(&text) {
            gst::warning!(CAT, imp = self, "could not attach the JSON message: {e}");
        }
    }

    /// DL Streamer's `dump-detection`: one INFO line per region.
    fn dump_detection(&self, buf: &gst::BufferRef, info: &gst_video::VideoInfo) {
        let frame = VideoFrame::new(buf, info.clone());
        for region in frame.regions() {
            let rect = region.rect();
            gst::info!(
                CAT,
                imp = self,
                "Detection: id: {}, x: {}, y: {}, w: {}, h: {}, roi_type: {}",
                region.object_id().unwrap_or(0),
                rect.x,
                rect.y,
                rect.w,
                rect.h,
                region.label().unwrap_or("")
            );
        }
    }

    /// The stream time of the buffer's PTS in nanoseconds, if both are valid.
    fn stream_time(&self, buf: &gst::BufferRef) -> Option<u64> {
        let pts = buf.pts()?;
        let segment = self.obj().segment();
        let segment = segment.downcast_ref::<gst::ClockTime>()?;
        segment.to_stream_time(pts).map(gst::ClockTime::nseconds)
    }
}

/// The video info of video caps: raw video as GStreamer describes it; other `video/*` caps
/// (encoded) with just their size, which is all the JSON needs. `None` for other media.
fn video_info(caps: &gst::Caps) -> Option<gst_video::VideoInfo> {
    let structure = caps.structure(0)?;
    if !structure.name().starts_with("video/") {
        return None;
    }
    if let Ok(info) = gst_video::VideoInfo::from_caps(caps) {
        return Some(info);
    }
    let size = |field| {
        structure
            .get::<i32>(field)
            .ok()
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0)
    };
    gst_video::VideoInfo::builder(
        gst_video::VideoFormat::Encoded,
        size("width"),
        size("height"),
    )
    .build()
    .ok()
}
