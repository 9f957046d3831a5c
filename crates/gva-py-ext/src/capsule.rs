//! The C API that the `gvapython` element uses to hand frames to Python: the very
//! `gstgva.VideoFrame` class users import, built without PyGObject and without a buffer
//! reference (which would make the buffer read-only), and invalidated when the call returns.
//!
//! Exported as the capsule `gstgva._native._C_API` holding a [`GvaPyApi`]. The layout is
//! mirrored in `gva-python/src/seam.rs`; bump [`API_VERSION`] in both when it changes.

use std::ffi::c_void;
use std::sync::Arc;

use gst::glib::translate::FromGlibPtrNone;
use pyo3::ffi;
use pyo3::prelude::*;

use crate::frame::VideoFrame;
use crate::handle::FrameState;

/// Version of [`GvaPyApi`].
pub const API_VERSION: u32 = 1;

/// The functions behind the capsule. All require the GIL.
#[repr(C)]
pub struct GvaPyApi {
    /// [`API_VERSION`].
    pub version: u32,
    /// A new `gstgva.VideoFrame` (new reference) lending `buffer` (not referenced) with a copy
    /// of `info` (may be NULL); NULL with a Python exception set on failure.
    pub frame_new: unsafe extern "C" fn(
        *mut gst::ffi::GstBuffer,
        *const gst_video::ffi::GstVideoInfo,
    ) -> *mut ffi::PyObject,
    /// Ends a frame made by `frame_new`: every object derived from it raises from now on.
    pub frame_invalidate: unsafe extern "C" fn(*mut ffi::PyObject),
}

static API: GvaPyApi = GvaPyApi {
    version: API_VERSION,
    frame_new,
    frame_invalidate,
};

unsafe extern "C" fn frame_new(
    buffer: *mut gst::ffi::GstBuffer,
    info: *const gst_video::ffi::GstVideoInfo,
) -> *mut ffi::PyObject {
    // SAFETY: the caller holds the GIL (API contract).
    let py = unsafe { Python::assume_attached() };
    if let Err(e) = crate::ready() {
        e.restore(py);
        return std::ptr::null_mut();
    }
    let info = if info.is_null() {
        None
    } else {
        // SAFETY: a valid GstVideoInfo, copied.
        Some(unsafe { gst_video::VideoInfo::from_glib_none(info) })
    };
    let (frame, _state) = VideoFrame::borrowed(buffer, info);
    match Bound::new(py, frame) {
        Ok(obj) => obj.into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

unsafe extern "C" fn frame_invalidate(frame: *mut ffi::PyObject) {
    // SAFETY: the caller holds the GIL and passes a frame made by frame_new.
    let py = unsafe { Python::assume_attached() };
    if frame.is_null() {
        return;
    }
    // SAFETY: a valid object pointer, borrowed.
    let obj = unsafe { Bound::from_borrowed_ptr(py, frame) };
    if let Ok(frame) = obj.cast::<VideoFrame>() {
        let state: &Arc<FrameState> = &frame.get().state;
        state.invalidate();
    }
}

/// The capsule object exported as `_C_API`.
pub(crate) fn capsule(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    // SAFETY: a capsule over a static; no destructor needed.
    unsafe {
        let cap = ffi::PyCapsule_New(
            &API as *const GvaPyApi as *mut c_void,
            c"gstgva._native._C_API".as_ptr(),
            None,
        );
        if cap.is_null() {
            return Err(PyErr::fetch(py));
        }
        Ok(Bound::from_owned_ptr(py, cap))
    }
}
