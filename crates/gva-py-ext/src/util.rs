//! `gstgva.util.GST_PAD_PROBE_INFO_BUFFER`: a writable buffer in a pad probe, done the way a C
//! probe does it — `gst_buffer_make_writable` on the probe info's buffer, put back into the info
//! — instead of DL Streamer's reference-count decrement.
//!
//! While the `with` block runs, the `Gst.Buffer` it yields holds the probe info's only reference
//! (so the buffer is writable); on exit the info gets its reference back and the wrapper keeps
//! its own, so the wrapper stays valid however long Python keeps it (the buffer just stops being
//! writable). If the context is never exited, dropping this object gives the reference back.

use std::sync::Mutex;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::pygobject;

/// The context manager behind `GST_PAD_PROBE_INFO_BUFFER(info)`.
#[pyclass(module = "gstgva._native", name = "ProbeInfoBuffer")]
pub struct ProbeInfoBuffer {
    info: Py<PyAny>,
    /// The buffer whose reference the yielded wrapper took, and that wrapper (held so the
    /// buffer lives until the info gets its reference back, even if Python drops it earlier).
    lent: Mutex<Option<(crate::handle::BufferPtr, Py<PyAny>)>>,
}

#[pymethods]
impl ProbeInfoBuffer {
    #[new]
    fn new(info: &Bound<'_, PyAny>) -> PyResult<Self> {
        pygobject::probe_info_ptr(info)?;
        Ok(Self {
            info: info.clone().unbind(),
            lent: Mutex::new(None),
        })
    }

    fn __enter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut lent = self
            .lent
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        if lent.is_some() {
            return Err(PyRuntimeError::new_err(
                "GST_PAD_PROBE_INFO_BUFFER is already entered",
            ));
        }
        let info = pygobject::probe_info_ptr(self.info.bind(py))?;
        // SAFETY: a live GstPadProbeInfo of the running probe; its data is a buffer when the
        // BUFFER type bit is set.
        unsafe {
            if (*info).type_ & gst::ffi::GST_PAD_PROBE_TYPE_BUFFER == 0 || (*info).data.is_null() {
                return Err(PyRuntimeError::new_err(
                    "GST_PAD_PROBE_INFO_BUFFER: the probe info holds no buffer (use a \
                     Gst.PadProbeType.BUFFER probe)",
                ));
            }
            let buffer = gst::ffi::gst_mini_object_make_writable(
                (*info).data as *mut gst::ffi::GstMiniObject,
            ) as *mut gst::ffi::GstBuffer;
            (*info).data = buffer as *mut _;
            let wrapper =
                pygobject::wrap_boxed_owned(py, gst::ffi::gst_buffer_get_type(), buffer as *mut _)?;
            *lent = Some((crate::handle::BufferPtr(buffer), wrapper.clone().unbind()));
            Ok(wrapper)
        }
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.give_back();
        Ok(false)
    }
}

impl ProbeInfoBuffer {
    fn give_back(&self) {
        if let Ok(mut lent) = self.lent.lock()
            && let Some((buffer, wrapper)) = lent.take()
        {
            // SAFETY: the info points at this buffer without owning a reference since enter; our
            // wrapper reference keeps it alive until this line.
            unsafe { gst::ffi::gst_mini_object_ref(buffer.0 as *mut gst::ffi::GstMiniObject) };
            drop(wrapper);
        }
    }
}

impl Drop for ProbeInfoBuffer {
    fn drop(&mut self) {
        self.give_back();
    }
}
