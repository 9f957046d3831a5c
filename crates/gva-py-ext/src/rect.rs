//! `gstgva.Rect`: DL Streamer's `Rect(x, y, w, h)` as a C struct sequence — a tuple with named
//! fields, like `os.stat_result`, built in tens of nanoseconds (a namedtuple costs hundreds).

use std::ffi::c_char;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

static RECT_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The `Rect` type (created on first use).
pub(crate) fn rect_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    RECT_TYPE
        .get_or_try_init(py, || {
            static mut FIELDS: [ffi::PyStructSequence_Field; 5] = [
                ffi::PyStructSequence_Field {
                    name: c"x".as_ptr(),
                    doc: c"left edge".as_ptr(),
                },
                ffi::PyStructSequence_Field {
                    name: c"y".as_ptr(),
                    doc: c"top edge".as_ptr(),
                },
                ffi::PyStructSequence_Field {
                    name: c"w".as_ptr(),
                    doc: c"width".as_ptr(),
                },
                ffi::PyStructSequence_Field {
                    name: c"h".as_ptr(),
                    doc: c"height".as_ptr(),
                },
                ffi::PyStructSequence_Field {
                    name: std::ptr::null(),
                    doc: std::ptr::null(),
                },
            ];
            // SAFETY: the field table is static and only read by Python; the type object is
            // created once (PyOnceLock) and kept forever.
            unsafe {
                let mut desc = ffi::PyStructSequence_Desc {
                    name: c"gstgva.Rect".as_ptr(),
                    doc: c"Rect(x, y, w, h): a box in pixels or in fractions of the frame".as_ptr()
                        as *const c_char,
                    fields: std::ptr::addr_of_mut!(FIELDS) as *mut ffi::PyStructSequence_Field,
                    n_in_sequence: 4,
                };
                let t = ffi::PyStructSequence_NewType(&mut desc);
                if t.is_null() {
                    return Err(PyErr::fetch(py));
                }
                Ok::<_, PyErr>(
                    Bound::from_owned_ptr(py, t as *mut ffi::PyObject)
                        .cast_into::<PyType>()?
                        .unbind(),
                )
            }
        })
        .map(|t| t.bind(py))
}

/// A new `Rect` holding four values.
pub(crate) fn new_rect<'py, T>(py: Python<'py>, values: [T; 4]) -> PyResult<Bound<'py, PyAny>>
where
    T: IntoPyObject<'py>,
{
    let t = rect_type(py)?;
    // SAFETY: `t` is a struct sequence type of 4 fields; each slot is set exactly once with a
    // new reference (PyStructSequence_SetItem steals it).
    unsafe {
        let obj = ffi::PyStructSequence_New(t.as_ptr() as *mut ffi::PyTypeObject);
        if obj.is_null() {
            return Err(PyErr::fetch(py));
        }
        let obj = Bound::from_owned_ptr(py, obj);
        for (i, v) in values.into_iter().enumerate() {
            let v = pyo3::IntoPyObjectExt::into_bound_py_any(v, py)?;
            ffi::PyStructSequence_SetItem(obj.as_ptr(), i as ffi::Py_ssize_t, v.into_ptr());
        }
        Ok(obj)
    }
}
