//! The frames handed to Python come from `gstgva` itself (capsule `gstgva._native._C_API`), so
//! the callback gets the very `gstgva.VideoFrame` class users import. Mirrors
//! `gva-py-ext/src/capsule.rs`.

use std::ffi::c_void;

use pyo3::ffi;
use pyo3::prelude::*;

const API_VERSION: u32 = 1;

#[repr(C)]
struct GvaPyApi {
    version: u32,
    frame_new: unsafe extern "C" fn(
        *mut gst::ffi::GstBuffer,
        *const gst_video::ffi::GstVideoInfo,
    ) -> *mut ffi::PyObject,
    frame_invalidate: unsafe extern "C" fn(*mut ffi::PyObject),
}

/// gstgva's frame functions.
#[derive(Clone, Copy)]
pub struct FrameApi(&'static GvaPyApi);

// SAFETY: a pointer to gstgva's static, immutable function table.
unsafe impl Send for FrameApi {}
unsafe impl Sync for FrameApi {}

impl FrameApi {
    /// Imports `gstgva` and takes its frame functions.
    pub fn import(py: Python<'_>) -> PyResult<Self> {
        let capsule = py.import("gstgva._native")?.getattr("_C_API")?;
        // SAFETY: the capsule named gstgva._native._C_API holds a GvaPyApi that lives forever.
        let api = unsafe {
            ffi::PyCapsule_GetPointer(capsule.as_ptr(), c"gstgva._native._C_API".as_ptr())
        } as *const GvaPyApi;
        if api.is_null() {
            return Err(PyErr::fetch(py));
        }
        // SAFETY: checked non-NULL; static in gstgva.
        let api = unsafe { &*api };
        if api.version != API_VERSION {
            return Err(pyo3::exceptions::PyImportError::new_err(format!(
                "gstgva's frame API is version {}, gvapython needs {API_VERSION}: install the \
                 gstgva wheel built with this plugin",
                api.version
            )));
        }
        Ok(Self(api))
    }

    /// Runs `f` with a frame lending `buffer`; the frame is invalidated when `f` returns.
    pub fn with_frame<'py, R>(
        self,
        py: Python<'py>,
        buffer: *mut gst::ffi::GstBuffer,
        info: Option<&gst_video::VideoInfo>,
        f: impl FnOnce(&Bound<'py, PyAny>) -> R,
    ) -> PyResult<R> {
        let info_ptr = info.map_or(std::ptr::null(), |i| {
            glib_ptr(i) as *const gst_video::ffi::GstVideoInfo
        });
        // SAFETY: GIL held; `buffer` is valid for this call; `info_ptr` NULL or valid.
        let frame = unsafe { (self.0.frame_new)(buffer, info_ptr) };
        if frame.is_null() {
            return Err(PyErr::fetch(py));
        }
        // SAFETY: a new reference from frame_new.
        let frame = unsafe { Bound::from_owned_ptr(py, frame) };
        let out = f(&frame);
        // SAFETY: GIL held; a frame from frame_new.
        unsafe { (self.0.frame_invalidate)(frame.as_ptr()) };
        Ok(out)
    }
}

fn glib_ptr(info: &gst_video::VideoInfo) -> *const c_void {
    gst::glib::translate::ToGlibPtr::<*const gst_video::ffi::GstVideoInfo>::to_glib_none(info).0
        as *const c_void
}
