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
        return array(obj);
    }
    Err(PyTypeError::new_err(format!(
        "Tensor values can be str, int, float, bool, bytes or a list of those, not {}",
        obj.get_type().name()?
    )))
}

/// A list as a `GstValueArray`, whose items GStreamer requires to share one type: ints widen to
/// int64 when one needs it, ints and floats together become doubles; other mixes are refused.
fn array(obj: &Bound<'_, PyAny>) -> PyResult<glib::SendValue> {
    let items = obj.try_iter()?.collect::<PyResult<Vec<_>>>()?;
    fn is_int(o: &Bound<'_, PyAny>) -> bool {
        o.is_instance_of::<PyInt>() && !o.is_instance_of::<PyBool>()
    }
    fn is_number(o: &Bound<'_, PyAny>) -> bool {
        is_int(o) || o.is_instance_of::<PyFloat>()
    }
    let all = |check: fn(&Bound<'_, PyAny>) -> bool| items.iter().all(check);
    let values: Vec<glib::SendValue> = if items.is_empty() {
        Vec::new()
    } else if all(is_int) {
        if items.iter().all(|o| o.extract::<i32>().is_ok()) {
            items
                .iter()
                .map(|o| Ok(o.extract::<i32>()?.to_send_value()))
                .collect::<PyResult<_>>()?
        } else {
            items
                .iter()
                .map(|o| {
                    o.extract::<i64>().map(|v| v.to_send_value()).map_err(|_| {
                        PyValueError::new_err(format!(
                            "list item {o} does not fit in a signed 64-bit int"
                        ))
                    })
                })
                .collect::<PyResult<_>>()?
        }
    } else if all(is_number) {
        items
            .iter()
            .map(|o| Ok(o.extract::<f64>()?.to_send_value()))
            .collect::<PyResult<_>>()?
    } else {
        let converted = items.iter().map(from_py).collect::<PyResult<Vec<_>>>()?;
        let signatures: Vec<String> = converted
            .iter()
            .map(|v| signature(v))
            .filter(|s| s != "array<>")
            .collect();
        let first = signatures.first().cloned().unwrap_or_default();
        if let Some(other) = signatures.iter().find(|s| **s != first) {
            return Err(PyTypeError::new_err(format!(
                "list items must share one type (GstValueArray): found {first} and {other}"
            )));
        }
        converted
    };
    Ok(gst::Array::from_values(values).to_send_value())
}

/// A value's type, with the item types of arrays spelled out (nested arrays must agree too).
fn signature(v: &glib::Value) -> String {
    match v.get::<gst::ArrayRef>() {
        // Items of one array already share a type; an empty array fits any.
        Ok(a) => match a.as_slice().first() {
            Some(item) => format!("array<{}>", signature(item)),
            None => "array<>".to_owned(),
        },
        Err(_) => v.type_().name().to_owned(),
    }
}
