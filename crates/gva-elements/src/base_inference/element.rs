//! The BaseTransform steps of an inference element: caps, start, caps negotiation, frames and
//! the draining of frames in flight before serialized events.

use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use gst::glib::translate::IntoGlib;
use gst::prelude::*;
use gst_base::subclass::base_transform::GenerateOutputSuccess;

use super::{Engine, Kind, Settings};

/// A started element: its engine, and the first flow error of a frame pushed from the
/// inference pool (returned upstream with the next frame).
pub struct Running {
    engine: Engine,
    flow: Arc<Mutex<Result<(), gst::FlowError>>>,
}

/// Locks `m`, recovering the data of a poisoned lock (a panic elsewhere must not cascade).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `video/x-raw,format={BGR,BGRx,BGRA,RGB,RGBx,RGBA,NV12,I420,GRAY8}` sink and src templates
/// (any size: the model converts and resizes), on whole frames and regions alike.
pub fn pad_templates() -> &'static [gst::PadTemplate] {
    static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
        let caps = gst_video::VideoCapsBuilder::new()
            .format_list([
                gst_video::VideoFormat::Bgr,
                gst_video::VideoFormat::Bgrx,
                gst_video::VideoFormat::Bgra,
                gst_video::VideoFormat::Rgb,
                gst_video::VideoFormat::Rgbx,
                gst_video::VideoFormat::Rgba,
                gst_video::VideoFormat::Nv12,
                gst_video::VideoFormat::I420,
                gst_video::VideoFormat::Gray8,
            ])
            .build();
        crate::pads::src_sink(&caps, &caps)
    });
    TEMPLATES.as_ref()
}

/// Builds the engine from the settings; failures are `LibraryError::Settings` errors naming
/// the cause. Frames the pool finishes are pushed on the element's src pad.
pub fn start(
    element: &impl IsA<gst::Element>,
    settings: &Mutex<Settings>,
    state: &Mutex<Option<Running>>,
    kind: Kind,
    cat: &gst::DebugCategory,
) -> Result<(), gst::ErrorMessage> {
    let settings = lock(settings).clone();
    let element = element.as_ref();
    let flow: Arc<Mutex<Result<(), gst::FlowError>>> = Arc::new(Mutex::new(Ok(())));
    let weak = element.downgrade();
    let pushed = flow.clone();
    let sink: super::delivery::Sink = Arc::new(move |frame: Result<gst::Buffer, String>| {
        let Some(element) = weak.upgrade() else {
            return;
        };
        let result = match frame {
            Ok(buffer) => element
                .static_pad("src")
                .map_or(Err(gst::FlowError::Error), |pad| pad.push(buffer).map(drop)),
            Err(e) => {
                gst::element_error!(element, gst::StreamError::Failed, ("{}", e));
                Err(gst::FlowError::Error)
            }
        };
        if let Err(e) = result {
            let mut flow = lock(&pushed);
            if flow.is_ok() {
                *flow = Err(e);
            }
        }
    });
    let weak = element.downgrade();
    let category = *cat;
    let warn: super::delivery::Warn = Arc::new(move |warning: String| {
        if let Some(element) = weak.upgrade() {
            gst::warning!(category, obj = element, "{warning}");
            gst::element_warning!(element, gst::StreamError::Format, ("{}", warning));
        }
    });
    let engine = Engine::start(kind, &settings, &element.name(), sink, warn)
        .map_err(|e| gst::error_msg!(gst::LibraryError::Settings, ("{}", e)))?;
    for warning in &engine.warnings {
        gst::element_warning!(element, gst::LibraryError::Settings, ("{}", warning));
    }
    gst::debug!(
        cat,
        obj = element,
        "started with model {:?}",
        settings.model
    );
    *lock(state) = Some(Running { engine, flow });
    Ok(())
}

/// Runs `f` on the engine outside the state lock (never hold a lock across inference).
fn with_engine<R>(state: &Mutex<Option<Running>>, f: impl FnOnce(&mut Running) -> R) -> Option<R> {
    let mut running = lock(state).take()?;
    let result = f(&mut running);
    let mut slot = lock(state);
    // A stop() meanwhile wins: the engine is then dropped here.
    if slot.is_none() {
        *slot = Some(running);
    }
    Some(result)
}

/// Compiles the model for the negotiated frame format and size.
pub fn set_caps(
    element: &impl IsA<gst::Element>,
    state: &Mutex<Option<Running>>,
    caps: &gst::Caps,
    cat: &gst::DebugCategory,
) -> Result<(), gst::LoggableError> {
    let info = gst_video::VideoInfo::from_caps(caps)
        .map_err(|_| gst::loggable_error!(cat, "caps {} are not video", caps))?;
    let result = with_engine(state, |r| r.engine.prepare(&info))
        .ok_or_else(|| gst::loggable_error!(cat, "caps before start"))?;
    result.map_err(|e| {
        gst::element_error!(element, gst::CoreError::Negotiation, ("{}", e));
        gst::loggable_error!(cat, "{}", e)
    })
}

/// Hands a frame to the engine: it leaves later, from the pool's delivery, in order; an
/// inference error or an earlier push error stops the stream.
pub fn generate_output(
    element: &impl IsA<gst::Element>,
    state: &Mutex<Option<Running>>,
    buffer: gst::Buffer,
) -> Result<GenerateOutputSuccess, gst::FlowError> {
    let (result, flow) = with_engine(state, |r| (r.engine.submit(buffer), *lock(&r.flow)))
        .ok_or(gst::FlowError::Flushing)?;
    flow?;
    match result {
        Ok(()) => Ok(GenerateOutputSuccess::NoOutput),
        Err(e) => {
            gst::element_error!(element, gst::StreamError::Failed, ("{}", e));
            Err(gst::FlowError::Error)
        }
    }
}

/// Before a serialized event (caps, segment, EOS, flush-stop…) passes, every frame in flight
/// is pushed, so buffers and events keep their order; a flush-stop clears the pushed flow.
///
/// A push from the pool that failed (e.g. not-linked) is returned upstream with the next frame,
/// and the source reports it. At EOS there is no next frame: the element reports it itself, as
/// a source would, so the pipeline ends with that error instead of waiting for an EOS no sink
/// will post.
pub fn drain_before(
    element: &impl IsA<gst::Element>,
    state: &Mutex<Option<Running>>,
    event: &gst::Event,
) {
    if !event.is_serialized() {
        return;
    }
    with_engine(state, |r| {
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
                    gst::element_error!(
                        element,
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
