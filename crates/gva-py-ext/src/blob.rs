//! `Tensor.data()`: a numpy array over the `data_buffer` bytes, without copying them.
//!
//! The array's base is a [`Blob`], which holds a reference on the structure's `GVariant`:
//! GVariants are immutable, so the bytes stay valid for as long as any array uses them, even
//! after the frame, region or tensor is gone. The array is read-only for the same reason.

use std::ffi::c_int;

use gst::glib;
use gva_meta::Precision;
use pyo3::prelude::*;

use crate::errors::IntoPyResult;

/// The bytes of a tensor blob, exported through the buffer protocol (read-only).
#[pyclass(module = "gstgva._native", frozen)]
pub struct Blob {
    variant: glib::Variant,
}

// SAFETY: GVariant is immutable and thread-safe (atomically reference counted).
unsafe impl Sync for Blob {}

#[pymethods]
impl Blob {
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut pyo3::ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let bytes = slf.get().variant.data();
        // SAFETY: `view` comes from Python; the bytes live as long as `slf`, which the view
        // references (PyBuffer_FillInfo takes a reference on it).
        let rc = unsafe {
            pyo3::ffi::PyBuffer_FillInfo(
                view,
                slf.as_ptr(),
                bytes.as_ptr() as *mut std::ffi::c_void,
                bytes.len() as pyo3::ffi::Py_ssize_t,
                1,
                flags,
            )
        };
        if rc != 0 {
            return Err(PyErr::fetch(slf.py()));
        }
        Ok(())
    }

    unsafe fn __releasebuffer__(&self, _view: *mut pyo3::ffi::Py_buffer) {}
}

/// numpy dtype name of a precision; raw bytes (`uint8`) for precisions numpy has no type for.
fn dtype(p: Precision) -> &'static str {
    match p {
        Precision::Fp32 => "float32",
        Precision::Fp16 => "float16",
        Precision::Fp64 => "float64",
        Precision::I8 => "int8",
        Precision::I16 | Precision::Q78 => "int16",
        Precision::I32 => "int32",
        Precision::I64 => "int64",
        Precision::U16 | Precision::Bf16 => "uint16",
        Precision::U32 => "uint32",
        Precision::U64 => "uint64",
        Precision::Bool => "bool",
        Precision::U8
        | Precision::Unspecified
        | Precision::U4
        | Precision::I4
        | Precision::Bin
        | Precision::Custom => "uint8",
    }
}

/// The array for `Tensor.data()`, None when the tensor has no blob.
pub(crate) fn tensor_data(py: Python<'_>, t: &gva_meta::Tensor) -> PyResult<Option<Py<PyAny>>> {
    let value = match t.value("data_buffer") {
        Ok(v) => v,
        Err(gva_meta::Error::MissingField { .. }) => return Ok(None),
        Err(e) => return Err(crate::errors::to_py(e)),
    };
    t.data().py()?; // checks it is an `ay` variant
    let precision = crate::tensor::precision_of(t);
    let Ok(variant) = value.get::<glib::Variant>() else {
        return Ok(None);
    };
    let len = variant.data().len();
    let blob = Bound::new(py, Blob { variant })?;
    let numpy = py.import("numpy")?;
    let size = precision.element_size().unwrap_or(1);
    if len % size != 0 {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "data_buffer holds {len} bytes, not a whole number of {} elements",
            precision.as_str()
        )));
    }
    let array = numpy.call_method1("frombuffer", (blob, dtype(precision)))?;
    if precision == Precision::Bf16 {
        // numpy has no bfloat16: widen to float32 (a copy) — the upper half of an f32.
        let widened = array
            .call_method1("astype", ("uint32",))?
            .call_method1("__lshift__", (16,))?
            .call_method1("view", ("float32",))?;
        // Read-only like every other precision: writes to a copy would be lost silently.
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("write", false)?;
        widened.call_method("setflags", (), Some(&kwargs))?;
        return Ok(Some(widened.unbind()));
    }
    Ok(Some(array.unbind()))
}
