//! `GValue` ⇄ Python for `Tensor[key]`: real values for every type a structure stores.

use gst::glib;
use gst::glib::prelude::*;
use gst::prelude::GstValueExt;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// A structure field as a Python value: str, int, float, bool, bytes (a `GVariant` of bytes),
/// list (arrays and lists, recursively), dict (a nested structure); anything else as
/// GStreamer's serialized text.
pub(crate) fn to_py<'py>(py: Python<'py>, value: &glib::Value) -> PyResult<Bound<'py, PyAny>> {
    let t = value.type_();
    if t == glib::Type::STRING {
        // SAFETY: a string GValue; NULL strings read as None.
        let ptr = unsafe {
            glib::gobject_ffi::g_value_get_string(glib::translate::ToGlibPtr::to_glib_none(value).0)
        };
        if ptr.is_null() {
            return Ok(py.None().into_bound(py));
        }
        // SAFETY: NUL-terminated GLib string.
        let bytes = unsafe { std::ffi::CStr::from_ptr(ptr) }.to_bytes();
        return Ok(match std::str::from_utf8(bytes) {
            Ok(s) => PyString::new(py, s).into_any(),
            Err(_) => PyBytes::new(py, bytes).into_any(),
        });
    }
    if let Ok(v) = value.get::<i32>() {
        return Ok(v.into_pyobject(py)?.into_any());
    }
    if let Ok(v) = value.get::<u32>() {
        return Ok(v.into_pyobject(py)?.into_any());
    }
    if let Ok(v) = value.get::<i64>() {
        return Ok(v.into_pyobject(py)?.into_any());
    }
    if let Ok(v) = value.get::<u64>() {
        return Ok(v.into_pyobject(py)?.into_any());
    }
    if let Ok(v) = value.get::<bool>() {
        return Ok(PyBool::new(py, v).to_owned().into_any());
    }
    if let Ok(v) = value.get::<f64>() {
        return Ok(PyFloat::new(py, v).into_any());
    }
    if let Ok(v) = value.get::<f32>() {
        return Ok(PyFloat::new(py, f64::from(v)).into_any());
    }
    if let Ok(array) = value.get::<gst::ArrayRef>() {
        return list(py, array.as_slice());
    }
    if let Ok(l) = value.get::<gst::ListRef>() {
        return list(py, l.as_slice());
    }
    if t == glib::Type::VARIANT
        && let Ok(v) = value.get::<glib::Variant>()
    {
        if let Ok(bytes) = v.fixed_array::<u8>() {
            return Ok(PyBytes::new(py, bytes).into_any());
        }
        return Ok(PyString::new(py, &v.print(true)).into_any());
    }
    if let Ok(s) = value.get::<gst::Structure>() {
        let dict = PyDict::new(py);
        for (k, v) in s.iter() {
            dict.set_item(k.as_str(), to_py(py, v)?)?;
        }
        return Ok(dict.into_any());
    }
    match value.serialize() {
        Ok(text) => Ok(PyString::new(py, text.as_str()).into_any()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "field of type {} has no Python equivalent",
            t.name()
        ))),
    }
}

fn list<'py>(py: Python<'py>, values: &[glib::SendValue]) -> PyResult<Bound<'py, PyAny>> {
    let items = values
        .iter()
        .map(|v| to_py(py, v))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, items)?.into_any())
}

/// A Python value as a structure field: bool → boolean, int → int (int64 when it doesn't fit),
/// float → double, str → string, bytes → `GVariant` of bytes, list/tuple → array.
pub(crate) fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<glib::SendValue> {
    if obj.is_instance_of::<PyBool>() {
        return Ok(obj.extract::<bool>()?.to_send_value());
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(v) = obj.extract::<i32>() {
            return Ok(v.to_send_value());
        }
        if let Ok(v) = obj.extract::<i64>() {
            return Ok(v.to_send_value());
        }
        if let Ok(v) = obj.extract::<u64>() {
            return Ok(v.to_send_value());
        }
        return Err(PyValueError::new_err(format!(
            "integer {obj} does not fit in 64 bits"
        )));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(obj.extract::<f64>()?.to_send_value());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_str()?;
        if s.contains('\0') {
            return Err(PyValueError::new_err(
                "string values cannot contain NUL characters",
            ));
        }
        return Ok(s.to_send_value());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(glib::Variant::array_from_fixed_array(b.as_bytes()).to_send_value());
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let values = obj
            .try_iter()?
            .map(|item| from_py(&item?))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(gst::Array::from_values(values).to_send_value());
    }
    Err(PyTypeError::new_err(format!(
        "Tensor values can be str, int, float, bool, bytes or a list of those, not {}",
        obj.get_type().name()?
    )))
}
