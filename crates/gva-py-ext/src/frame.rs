//! `gstgva.VideoFrame`: a buffer and its video info, seen as regions, tensors and messages.

use std::sync::Arc;

use gst::glib;
use gst::glib::translate::FromGlibPtrNone;
use gva_meta::{MessageId, NewRegion, RegionRect, TensorMeta};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyList;

use crate::errors::{IntoPyResult, to_py};
use crate::handle::{FrameState, MetaHandle};
use crate::pygobject::{self, GST_BUFFER, GST_CAPS, VIDEO_INFO};
use crate::region::{RegionOfInterest, not_on_frame};
use crate::tensor::{Owner, Tensor};

/// A video frame: a `Gst.Buffer` plus its video info, with the GVA metadata it carries.
#[pyclass(module = "gstgva", name = "VideoFrame", frozen)]
pub struct VideoFrame {
    pub(crate) state: Arc<FrameState>,
    pub(crate) info: Option<gst_video::VideoInfo>,
    /// The `Gst.Buffer` the frame was made from (None for frames gvapython lends for one call).
    buffer_obj: Option<Py<PyAny>>,
    info_obj: PyOnceLock<Option<Py<PyAny>>>,
}

impl VideoFrame {
    fn meta_frame(&self) -> PyResult<gva_meta::VideoFrame<&mut gst::BufferRef>> {
        let info = self.info.clone().ok_or_else(|| {
            PyRuntimeError::new_err(
                "VideoFrame has no video info: give video_info= or caps= when creating it",
            )
        })?;
        Ok(gva_meta::VideoFrame::new(self.state.buffer_mut()?, info))
    }

    /// Views for reading that need no video info (regions, tensors, messages).
    fn read_frame(&self) -> PyResult<gva_meta::VideoFrame<&gst::BufferRef>> {
        let info = self.info.clone().unwrap_or_else(empty_info);
        Ok(gva_meta::VideoFrame::new(self.state.buffer_ref()?, info))
    }

    /// The `Gst.Buffer` this frame was made from (None for a borrowed gvapython frame).
    #[allow(dead_code)]
    pub(crate) fn buffer_object(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.buffer_obj.as_ref().map(|b| b.clone_ref(py))
    }

    /// A frame over a buffer lent for one call (gvapython): no reference is taken, so the
    /// buffer stays writable; [`FrameState::invalidate`] must be called when the call ends.
    pub(crate) fn borrowed(
        buffer: *mut gst::ffi::GstBuffer,
        info: Option<gst_video::VideoInfo>,
    ) -> (Self, Arc<FrameState>) {
        let state = Arc::new(FrameState::borrowed(buffer));
        let frame = Self {
            state: state.clone(),
            info,
            buffer_obj: None,
            info_obj: PyOnceLock::new(),
        };
        (frame, state)
    }
}

/// An unset video info (what `gst_video_info_init` makes), for frames that have none: the
/// builder would print a CRITICAL for format UNKNOWN.
fn empty_info() -> gst_video::VideoInfo {
    // SAFETY: an all-zero GstVideoInfo is a valid "unset" info (what gst_video_info_init makes).
    unsafe {
        let mut raw = std::mem::MaybeUninit::<gst_video::ffi::GstVideoInfo>::zeroed();
        gst_video::ffi::gst_video_info_init(raw.as_mut_ptr());
        gst_video::VideoInfo::from_glib_none(raw.as_ptr())
    }
}

/// What the `video_info` argument holds: DL Streamer's documentation passes caps there
/// (`VideoFrame(buffer, caps)`), so a `Gst.Caps` in that slot is taken as the caps.
enum InfoArg<'a, 'py> {
    VideoInfo(&'a Bound<'py, PyAny>),
    Caps(&'a Bound<'py, PyAny>),
}

fn info_arg<'a, 'py>(
    video_info: Option<&'a Bound<'py, PyAny>>,
    caps: Option<&'a Bound<'py, PyAny>>,
) -> PyResult<Option<InfoArg<'a, 'py>>> {
    let Some(vi) = video_info else {
        return Ok(caps.map(InfoArg::Caps));
    };
    let py = vi.py();
    if vi.is_instance(VIDEO_INFO.get(py)?)? {
        return Ok(Some(InfoArg::VideoInfo(vi)));
    }
    if !vi.is_instance(GST_CAPS.get(py)?)? {
        return Err(PyTypeError::new_err(format!(
            "video_info must be a GstVideo.VideoInfo or a Gst.Caps, got {}",
            vi.get_type().name()?
        )));
    }
    if caps.is_some() {
        return Err(PyTypeError::new_err(
            "VideoFrame: caps given twice (a Gst.Caps as video_info, and caps=)",
        ));
    }
    Ok(Some(InfoArg::Caps(vi)))
}

/// The info from `video_info=`, `caps=`, or the buffer's `GstVideoMeta`.
fn resolve_info(
    buffer: &gst::BufferRef,
    arg: Option<&InfoArg<'_, '_>>,
) -> PyResult<Option<gst_video::VideoInfo>> {
    match arg {
        Some(InfoArg::VideoInfo(vi)) => {
            // SAFETY: GType look-up.
            let gtype = unsafe {
                glib::translate::from_glib::<_, glib::Type>(
                    gst_video::ffi::gst_video_info_get_type(),
                )
            };
            let ptr = pygobject::boxed_ptr(vi, &VIDEO_INFO, gtype, "video_info")?;
            // SAFETY: a GstVideoInfo owned by the Python object; copied here.
            Ok(Some(unsafe {
                gst_video::VideoInfo::from_glib_none(ptr as *const gst_video::ffi::GstVideoInfo)
            }))
        }
        Some(InfoArg::Caps(caps)) => {
            // SAFETY: GType look-up.
            let gtype = unsafe {
                glib::translate::from_glib::<_, glib::Type>(gst::ffi::gst_caps_get_type())
            };
            let ptr = pygobject::boxed_ptr(caps, &GST_CAPS, gtype, "caps")?;
            // SAFETY: caps owned by the Python object for the duration of this call.
            let caps = unsafe { gst::CapsRef::from_ptr(ptr as *const gst::ffi::GstCaps) };
            gst_video::VideoInfo::from_caps(caps)
                .map(Some)
                .map_err(|_| {
                    PyValueError::new_err(format!(
                        "VideoFrame: caps are not fixed raw video caps: {caps}"
                    ))
                })
        }
        None => match buffer.meta::<gst_video::VideoMeta>() {
            Some(m) => Ok(
                gst_video::VideoInfo::builder(m.format(), m.width(), m.height())
                    .build()
                    .ok(),
            ),
            None => Ok(None),
        },
    }
}

static MESSAGE_CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn message_class(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    MESSAGE_CLASS
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("gstgva._message")?
                    .getattr("GVAJSONMetaStr")?
                    .unbind(),
            )
        })
        .map(|c| c.bind(py))
}

#[pymethods]
impl VideoFrame {
    #[new]
    #[pyo3(signature = (buffer, video_info = None, caps = None))]
    fn py_new(
        py: Python<'_>,
        buffer: &Bound<'_, PyAny>,
        video_info: Option<&Bound<'_, PyAny>>,
        caps: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        crate::ready()?;
        // SAFETY: GType look-up.
        let gtype =
            unsafe { glib::translate::from_glib::<_, glib::Type>(gst::ffi::gst_buffer_get_type()) };
        let ptr =
            pygobject::boxed_ptr(buffer, &GST_BUFFER, gtype, "buffer")? as *mut gst::ffi::GstBuffer;
        // SAFETY: the Python wrapper holds a reference on the buffer for this call.
        let buffer_ref = unsafe { gst::BufferRef::from_ptr(ptr) };
        let arg = info_arg(video_info, caps)?;
        let info = resolve_info(buffer_ref, arg.as_ref())?;
        let info_obj = PyOnceLock::new();
        if let Some(InfoArg::VideoInfo(vi)) = arg {
            let _ = info_obj.set(py, Some(vi.clone().unbind()));
        }
        Ok(Self {
            state: Arc::new(FrameState::owned(ptr, buffer.clone().unbind())),
            info,
            buffer_obj: Some(buffer.clone().unbind()),
            info_obj,
        })
    }

    /// The `GstVideo.VideoInfo` of the frame, None if it has none.
    fn video_info(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let obj = self.info_obj.get_or_try_init(py, || -> PyResult<_> {
            let Some(info) = &self.info else {
                return Ok(None);
            };
            VIDEO_INFO.get(py)?; // registers PyGObject's GstVideo.VideoInfo wrapper class
            // SAFETY: a copy of our info, owned by the new Python wrapper.
            let obj = unsafe {
                let copy = gst_video::ffi::gst_video_info_copy(
                    glib::translate::ToGlibPtr::to_glib_none(info).0,
                );
                pygobject::wrap_boxed_owned(
                    py,
                    gst_video::ffi::gst_video_info_get_type(),
                    copy as *mut _,
                )?
            };
            Ok(Some(obj.unbind()))
        })?;
        Ok(obj.as_ref().map(|o| o.clone_ref(py)))
    }

    /// The buffer's `GstVideoMeta` as a snapshot (format, width, height, n_planes, offset,
    /// stride, flags, id), None if it has none. A snapshot, not PyGObject's `GstVideo.VideoMeta`,
    /// whose pointer into the buffer would dangle once the buffer is gone.
    fn video_meta(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let buffer = self.state.buffer_ref()?;
        let Some(meta) = buffer.meta::<gst_video::VideoMeta>() else {
            return Ok(None);
        };
        let n = meta.n_planes() as usize;
        let kwargs = pyo3::types::PyDict::new(py);
        let format = py
            .import("gi.repository.GstVideo")?
            .getattr("VideoFormat")?
            .call1((glib::translate::IntoGlib::into_glib(meta.format()),))?;
        kwargs.set_item("format", format)?;
        kwargs.set_item("width", meta.width())?;
        kwargs.set_item("height", meta.height())?;
        kwargs.set_item("n_planes", n)?;
        kwargs.set_item("offset", meta.offset()[..n].to_vec())?;
        kwargs.set_item("stride", meta.stride()[..n].to_vec())?;
        kwargs.set_item("flags", meta.flags().bits())?;
        kwargs.set_item("id", meta.id())?;
        let ns = py
            .import("types")?
            .getattr("SimpleNamespace")?
            .call((), Some(&kwargs))?;
        Ok(Some(ns.unbind()))
    }

    /// The regions of interest, in the order they were attached.
    fn regions(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let frame = self.read_frame()?;
        let regions = frame
            .regions()
            // SAFETY: each meta is attached to the frame's buffer now.
            .map(|r| unsafe { RegionOfInterest::new(self.state.clone(), r.as_ptr()) })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, regions)?
            .as_any()
            .try_iter()?
            .into_any()
            .unbind())
    }

    /// The frame-level tensors (`GstGVATensorMeta`), in the order they were attached.
    fn tensors(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        use gst::meta::MetaAPI;
        let buffer = self.state.buffer_ref()?;
        let tensors = buffer
            .iter_meta::<TensorMeta>()
            .map(|m| {
                // SAFETY: the meta is attached to the frame's buffer now.
                let h = unsafe {
                    MetaHandle::new(
                        self.state.clone(),
                        m.as_ptr() as *const gst::ffi::GstMeta,
                        TensorMeta::meta_api(),
                    )?
                };
                Ok(Tensor::new(Owner::Frame(h)))
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, tensors)?
            .as_any()
            .try_iter()?
            .into_any()
            .unbind())
    }

    /// The JSON messages (str subclass instances that `remove_message` recognises).
    fn messages(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        let frame = self.read_frame()?;
        let class = message_class(py)?;
        let items = frame
            .messages()
            .map(|m| {
                let text = m.text().py()?;
                let obj = class.call1((text,))?;
                let (address, seqnum) = m.id().to_raw();
                obj.setattr("_gva_id", (address, seqnum))?;
                Ok(obj)
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.unbind())
    }

    fn add_message(&self, message: &str) -> PyResult<()> {
        self.meta_frame_any()?.add_message(message).py()?;
        Ok(())
    }

    fn remove_message(&self, message: &Bound<'_, PyAny>) -> PyResult<()> {
        let not_ours =
            || PyRuntimeError::new_err("VideoFrame: message doesn't belong to this VideoFrame");
        if !message.is_instance(message_class(message.py())?)? {
            return Err(not_ours());
        }
        let (address, seqnum): (usize, u64) = message.getattr("_gva_id")?.extract()?;
        match self
            .meta_frame_any()?
            .remove_message(MessageId::from_raw(address, seqnum))
        {
            Ok(()) => Ok(()),
            Err(gva_meta::Error::MessageNotFound) => Err(not_ours()),
            Err(e) => Err(to_py(e)),
        }
    }

    /// Attaches a region with its detection tensor; boxes outside the frame are clipped (with a
    /// warning).
    #[pyo3(signature = (x, y, w, h, label = "", confidence = 0.0, normalized = false, extra_params = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_region(
        &self,
        py: Python<'_>,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        label: &str,
        confidence: f64,
        normalized: bool,
        extra_params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<RegionOfInterest> {
        let extra = match extra_params {
            Some(p) if !p.is_none() => Some(
                py.import("json")?
                    .call_method1("dumps", (p,))?
                    .extract::<String>()?,
            ),
            _ => None,
        };
        let rect = if normalized {
            RegionRect::Normalized(gva_meta::Rect::new(x, y, w, h))
        } else {
            let ints = [x, y, w, h];
            if !ints.iter().all(|v| v.is_finite()) {
                return Err(PyValueError::new_err(format!(
                    "region coordinates must be finite numbers, got ({x}, {y}, {w}, {h})"
                )));
            }
            RegionRect::Pixels(gva_meta::Rect::new(x as i64, y as i64, w as i64, h as i64))
        };
        let new = NewRegion {
            rect,
            label,
            confidence,
            label_id: None,
        };
        let mut frame = self.meta_frame()?;
        let mut added = frame.add_region(&new).py()?;
        if let Some(json) = extra {
            added
                .region
                .detection_mut()
                .set_extra_params_json(&json)
                .py()?;
        }
        let clipped = added.clipped;
        let rect = added.region.as_region().rect();
        let ptr = added.region.as_region().as_ptr();
        if clipped {
            let warnings = py.import("warnings")?;
            let text = format!(
                "ROI coordinates [x, y, w, h] are out of image borders and will be clipped: \
                 [{x}, {y}, {w}, {h}] -> [{}, {}, {}, {}]",
                rect.x, rect.y, rect.w, rect.h
            );
            // stacklevel 1 is the Python line that called add_region (native code adds no frame).
            warnings.call_method1(
                "warn",
                (text, py.get_type::<pyo3::exceptions::PyUserWarning>(), 1),
            )?;
        }
        // SAFETY: the region was just attached to the frame's buffer.
        unsafe { RegionOfInterest::new(self.state.clone(), ptr) }
    }

    /// Removes a region of this frame (RuntimeError for a region of another frame).
    fn remove_region(&self, roi: &Bound<'_, PyAny>) -> PyResult<()> {
        let Ok(roi) = roi.cast::<RegionOfInterest>() else {
            return Err(PyTypeError::new_err(format!(
                "remove_region takes a RegionOfInterest, got {}",
                roi.get_type().name()?
            )));
        };
        let roi = roi.get();
        let address = roi.address()?;
        if !Arc::ptr_eq(&roi.handle.frame, &self.state)
            && roi.handle.frame.buffer()? != self.state.buffer()?
        {
            return Err(not_on_frame());
        }
        match self
            .meta_frame_any()?
            .remove_region_at(address as *const gst_video::ffi::GstVideoRegionOfInterestMeta)
        {
            Ok(()) => Ok(()),
            Err(gva_meta::Error::RegionNotFound(_)) => Err(not_on_frame()),
            Err(e) => Err(to_py(e)),
        }
    }

    /// Attaches an empty frame-level tensor (`GstGVATensorMeta`) and returns it.
    fn add_tensor(&self) -> PyResult<Tensor> {
        use gst::meta::MetaAPI;
        let buffer = self.state.buffer_mut()?;
        let mut meta = TensorMeta::add(buffer).py()?;
        let ptr = meta.as_mut_ptr() as *const gst::ffi::GstMeta;
        // SAFETY: just attached to the frame's buffer.
        let h = unsafe { MetaHandle::new(self.state.clone(), ptr, TensorMeta::meta_api())? };
        Ok(Tensor::new(Owner::Frame(h)))
    }

    /// A context manager giving the frame's pixels as a numpy array (see gstgva docs).
    #[pyo3(signature = (flag = None))]
    fn data<'py>(
        slf: &Bound<'py, Self>,
        flag: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("gstgva._data")?
            .call_method1("frame_data", (slf, flag))
    }

    /// Maps the frame's pixels for `data()` (`gstgva._data` builds the array).
    #[pyo3(name = "_map", signature = (flag = None))]
    fn map_pixels(
        &self,
        py: Python<'_>,
        flag: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<crate::data::FrameMapping> {
        crate::data::map(py, &self.state, self.info.as_ref(), flag)
    }

    fn __repr__(&self) -> PyResult<String> {
        let (w, h, fmt) = match &self.info {
            Some(i) => (i.width(), i.height(), i.format().to_str().to_string()),
            None => (0, 0, "unknown".to_owned()),
        };
        let frame = self.read_frame()?;
        Ok(format!(
            "VideoFrame({w}x{h} {fmt}, {} regions, {} tensors, {} messages)",
            frame.regions().count(),
            frame.tensors().count(),
            frame.messages().count()
        ))
    }
}

impl VideoFrame {
    /// A writable view that works without video info (messages, region removal).
    fn meta_frame_any(&self) -> PyResult<gva_meta::VideoFrame<&mut gst::BufferRef>> {
        let info = self.info.clone().unwrap_or_else(empty_info);
        Ok(gva_meta::VideoFrame::new(self.state.buffer_mut()?, info))
    }
}
