//! The `gvaattachroi` element: an in-place `BaseTransform` adding regions to each frame.

use std::path::Path;
use std::sync::{LazyLock, Mutex};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::prelude::*;
use gst_base::subclass::prelude::*;
use gva_meta::VideoFrame;

use super::Mode;
use super::attach::{attach_entry, attach_fixed, attach_full_frame};
use super::file::{Found, RoiFile};
use super::roi::{FixedRoi, ROI_FORMAT};
use crate::base_inference::lock;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "gvaattachroi",
        gst::DebugColorFlags::empty(),
        Some("gva-rs regions from a property or a JSON file"),
    )
});

/// Property values (DL Streamer's defaults).
#[derive(Debug, Default, Clone)]
struct Settings {
    file_path: Option<String>,
    mode: Mode,
    roi: Option<String>,
}

/// What the running element holds.
struct State {
    fixed: Option<FixedRoi>,
    file: Option<RoiFile>,
    mode: Mode,
    info: Option<gst_video::VideoInfo>,
    /// Frames seen since start.
    frames: u64,
    /// Whether the in-order "more frames than entries" warning was posted.
    warned_past_end: bool,
}

/// The element.
#[derive(Default)]
pub struct GvaAttachRoi {
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
}

#[glib::object_subclass]
impl ObjectSubclass for GvaAttachRoi {
    const NAME: &'static str = "GvaRsAttachRoi";
    type Type = super::GvaAttachRoi;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for GvaAttachRoi {
    fn constructed(&self) {
        self.parent_constructed();
        crate::use_dl_streamer_default_name(&*self.obj());
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecString::builder("file-path")
                    .nick("FilePath")
                    .blurb(
                        "Absolute path to input file with ROIs to attach to buffer: a JSON array \
                         of per-frame entries in gvametaconvert's shape, [{\"objects\": [{\"x\": \
                         0, \"y\": 50, \"w\": 200, \"h\": 250}, ...]}, ...] (or one entry per \
                         line)",
                    )
                    .mutable_ready()
                    .build(),
                glib::ParamSpecEnum::builder_with_default("mode", Mode::InOrder)
                    .nick("AttachMode")
                    .blurb("Mode used to attach ROIs from JSON file")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecString::builder("roi")
                    .nick("Region of Interest")
                    .blurb(&format!(
                        "Specifies pixel absolute coordinates of ROI to attach to buffer in form: \
                         {ROI_FORMAT}"
                    ))
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
            "file-path" => s.file_path = value.get().unwrap_or(None),
            "mode" => s.mode = value.get().unwrap_or_default(),
            "roi" => s.roi = value.get().unwrap_or(None),
            other => gst::warning!(CAT, imp = self, "no property '{other}'"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let s = lock(&self.settings);
        match pspec.name() {
            "file-path" => s.file_path.to_value(),
            "mode" => s.mode.to_value(),
            "roi" => s.roi.to_value(),
            _ => pspec.default_value().clone(),
        }
    }
}

impl GstObjectImpl for GvaAttachRoi {}

impl ElementImpl for GvaAttachRoi {
    gva_exit_gate::gated_post_message!();

    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Generic ROI metadata generator (gva-rs)",
                "Metadata",
                "Attaches regions of interest from the 'roi' property or a JSON file to each \
                 frame",
                "gva-rs",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            // Any raw video: only the frame size is used.
            let caps = gst_video::VideoCapsBuilder::new().build();
            crate::pads::src_sink(&caps, &caps)
        });
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for GvaAttachRoi {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    gva_exit_gate::gated_transform_vfuncs!(sink_event, src_event, query, submit_input_buffer);

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        gva_exit_gate::on_start(&*self.obj());
        let settings = lock(&self.settings).clone();
        let fixed = settings
            .roi
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .map(FixedRoi::parse)
            .transpose()
            .map_err(|e| gst::error_msg!(gst::LibraryError::Settings, ("{}", e)))?;
        let file = match settings.file_path.as_deref().filter(|p| !p.is_empty()) {
            None => None,
            Some(path) => {
                let path = Path::new(path);
                let file = RoiFile::read(path, settings.mode).map_err(|e| {
                    if path.is_file() {
                        gst::error_msg!(gst::ResourceError::Settings, ("{}", e))
                    } else {
                        gst::error_msg!(gst::ResourceError::NotFound, ("{}", e))
                    }
                })?;
                gst::info!(
                    CAT,
                    imp = self,
                    "{} entries from {}",
                    file.entries().len(),
                    path.display()
                );
                Some(file)
            }
        };
        *lock(&self.state) = Some(State {
            fixed,
            file,
            mode: settings.mode,
            info: None,
            frames: 0,
            warned_past_end: false,
        });
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = None;
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let info = gst_video::VideoInfo::from_caps(incaps)
            .map_err(|_| gst::loggable_error!(CAT, "caps {} are not raw video", incaps))?;
        let mut state = lock(&self.state);
        let Some(state) = state.as_mut() else {
            return Ok(());
        };
        let (width, height) = (info.width(), info.height());
        let checked = state
            .fixed
            .map_or(Ok(()), |r| r.check_inside(width, height))
            .and_then(|()| {
                state
                    .file
                    .as_ref()
                    .map_or(Ok(()), |f| f.check_frame_size(width, height))
            });
        if let Err(e) = checked {
            gst::element_imp_error!(self, gst::ResourceError::Settings, ("{}", e));
            return Err(gst::loggable_error!(CAT, "{}", e));
        }
        state.info = Some(info);
        Ok(())
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let timestamp = self.stream_time(buf);
        let mut guard = lock(&self.state);
        let Some(state) = guard.as_mut() else {
            return Err(gst::FlowError::Flushing);
        };
        let Some(info) = state.info.clone() else {
            gst::element_imp_error!(
                self,
                gst::CoreError::Negotiation,
                ("gvaattachroi received a frame before its caps")
            );
            return Err(gst::FlowError::NotNegotiated);
        };
        let index = state.frames;
        state.frames += 1;
        let mut frame = VideoFrame::new(buf, info);
        let mut result = Ok(());
        if let Some(roi) = &state.fixed {
            result = attach_fixed(&mut frame, roi);
        }
        if let Some(file) = &state.file {
            match file.find(state.mode, index, timestamp) {
                Found::Entry(entry) => {
                    result = result.and_then(|()| attach_entry(&mut frame, entry))
                }
                Found::Nothing => {}
                Found::PastTheEnd => {
                    if !state.warned_past_end {
                        state.warned_past_end = true;
                        gst::element_imp_warning!(
                            self,
                            gst::StreamError::Failed,
                            (
                                "gvaattachroi: the stream has more frames than the JSON file has entries ({}): frames from number {} on get no regions from it (mode=in-loop starts over instead)",
                                file.entries().len(),
                                index
                            )
                        );
                    }
                }
            }
        }
        if state.fixed.is_none() && state.file.is_none() {
            result = attach_full_frame(&mut frame);
        }
        match result {
            Ok(()) => Ok(gst::FlowSuccess::Ok),
            Err(e) => {
                gst::element_imp_error!(
                    self,
                    gst::StreamError::Failed,
                    (
                        "gvaattachroi could not attach a region to frame {}: {}",
                        index,
                        e
                    )
                );
                Err(gst::FlowError::Error)
            }
        }
    }
}

impl GvaAttachRoi {
    /// The stream time of the buffer's PTS in nanoseconds, if both are valid.
    fn stream_time(&self, buf: &gst::BufferRef) -> Option<u64> {
        let pts = buf.pts()?;
        let segment = self.obj().segment();
        let segment = segment.downcast_ref::<gst::ClockTime>()?;
        segment.to_stream_time(pts).map(gst::ClockTime::nseconds)
    }
}
