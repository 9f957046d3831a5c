//! The C side of PyGObject objects: the pointers inside `Gst.Buffer`, `Gst.Caps`,
//! `GstVideo.VideoInfo`, `Gst.PadProbeInfo`, and wrapping a `GstBuffer*` as a `Gst.Buffer`.
//!
//! PyGObject's boxed wrappers are `{PyObject_HEAD; gpointer boxed; GType gtype; gboolean
//! free_on_dealloc}` and its struct wrappers `{PyObject_HEAD; gpointer pointer; GType gtype}`
//! (unchanged since PyGObject 2). We read them only after an `isinstance` check against the very
//! class PyGObject registered, and check the GType stored in boxed wrappers too.

use std::ffi::{c_int, c_void};

use gst::glib;
use gst::glib::translate::IntoGlib;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

#[repr(C)]
struct PyGBoxed {
    ob_base: pyo3::ffi::PyObject,
    boxed: *mut c_void,
    gtype: glib::ffi::GType,
    free_on_dealloc: c_int,
}

#[repr(C)]
struct PyGPointer {
    ob_base: pyo3::ffi::PyObject,
    pointer: *mut c_void,
    gtype: glib::ffi::GType,
}

/// A PyGObject class, imported once.
pub(crate) struct GiClass {
    module: &'static str,
    name: &'static str,
    cell: PyOnceLock<Py<PyType>>,
}

impl GiClass {
    const fn new(module: &'static str, name: &'static str) -> Self {
        Self {
            module,
            name,
            cell: PyOnceLock::new(),
        }
    }

    pub(crate) fn get<'py>(&self, py: Python<'py>) -> PyResult<&Bound<'py, PyType>> {
        self.cell
            .get_or_try_init(py, || {
                let gi = py.import("gi")?;
                let version = if self.module.ends_with("GstVideo") {
                    "GstVideo"
                } else {
                    "Gst"
                };
                gi.call_method1("require_version", (version, "1.0"))?;
                let class = py.import(self.module)?.getattr(self.name)?;
                Ok::<_, PyErr>(class.cast_into::<PyType>()?.unbind())
            })
            .map(|c| c.bind(py))
    }
}

pub(crate) static GST_BUFFER: GiClass = GiClass::new("gi.repository.Gst", "Buffer");
pub(crate) static GST_CAPS: GiClass = GiClass::new("gi.repository.Gst", "Caps");
pub(crate) static GST_PAD_PROBE_INFO: GiClass = GiClass::new("gi.repository.Gst", "PadProbeInfo");
pub(crate) static VIDEO_INFO: GiClass = GiClass::new("gi.repository.GstVideo", "VideoInfo");

/// The C pointer inside a PyGObject boxed wrapper of class `class` and GType `gtype`.
pub(crate) fn boxed_ptr(
    obj: &Bound<'_, PyAny>,
    class: &GiClass,
    gtype: glib::Type,
    what: &str,
) -> PyResult<*mut c_void> {
    let py = obj.py();
    if !obj.is_instance(class.get(py)?)? {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a {}.{}, got {}",
            class.module.trim_start_matches("gi.repository."),
            class.name,
            obj.get_type().name()?
        )));
    }
    // SAFETY: `obj` is an instance of a PyGObject boxed class, so it has PyGBoxed's layout.
    let (ptr, stored) = unsafe {
        let raw = obj.as_ptr() as *const PyGBoxed;
        ((*raw).boxed, (*raw).gtype)
    };
    // SAFETY: comparing two GTypes.
    let same = unsafe { glib::gobject_ffi::g_type_is_a(stored, gtype.into_glib()) } != 0;
    if ptr.is_null() || !same {
        return Err(PyTypeError::new_err(format!(
            "{what} is an empty or foreign {} wrapper",
            class.name
        )));
    }
    Ok(ptr)
}

/// The C pointer inside a `Gst.PadProbeInfo`.
pub(crate) fn probe_info_ptr(obj: &Bound<'_, PyAny>) -> PyResult<*mut gst::ffi::GstPadProbeInfo> {
    let py = obj.py();
    if !obj.is_instance(GST_PAD_PROBE_INFO.get(py)?)? {
        return Err(PyTypeError::new_err(format!(
            "info must be a Gst.PadProbeInfo (the second argument of a pad probe), got {}",
            obj.get_type().name()?
        )));
    }
    // SAFETY: a PyGObject struct wrapper has PyGPointer's layout.
    let ptr = unsafe { (*(obj.as_ptr() as *const PyGPointer)).pointer };
    if ptr.is_null() {
        return Err(PyRuntimeError::new_err("Gst.PadProbeInfo wraps NULL"));
    }
    Ok(ptr as *mut gst::ffi::GstPadProbeInfo)
}

type BoxedNew =
    unsafe extern "C" fn(glib::ffi::GType, *mut c_void, c_int, c_int) -> *mut pyo3::ffi::PyObject;

/// PyGObject's `pyg_boxed_new` from its C API capsule (entry 17 of `_PyGObject_Functions`).
fn boxed_new_fn(py: Python<'_>) -> PyResult<BoxedNew> {
    static FN: PyOnceLock<usize> = PyOnceLock::new();
    let addr = FN.get_or_try_init(py, || {
        GST_BUFFER.get(py)?; // registers Gst's wrapper classes
        let capsule = py.import("gi._gobject")?.getattr("_PyGObject_API")?;
        // SAFETY: the capsule holds PyGObject's function table; entry 17 is boxed_new.
        let table = unsafe {
            pyo3::ffi::PyCapsule_GetPointer(capsule.as_ptr(), c"gobject._PyGObject_API".as_ptr())
        } as *const usize;
        if table.is_null() {
            return Err(PyErr::fetch(py));
        }
        // SAFETY: the table has (many) more than 18 entries.
        Ok::<_, PyErr>(unsafe { *table.add(17) })
    })?;
    // SAFETY: a function pointer read from PyGObject's API table.
    Ok(unsafe { std::mem::transmute::<usize, BoxedNew>(*addr) })
}

/// A PyGObject wrapper of boxed type `gtype` that takes over the caller's ownership of `ptr`
/// (a reference for mini objects, the allocation for plain boxed types like `GstVideoInfo`).
///
/// # Safety
/// `ptr` must be a valid instance of `gtype` that the caller owns and gives up here.
pub(crate) unsafe fn wrap_boxed_owned(
    py: Python<'_>,
    gtype: glib::ffi::GType,
    ptr: *mut c_void,
) -> PyResult<Bound<'_, PyAny>> {
    let boxed_new = boxed_new_fn(py)?;
    // SAFETY: copy_boxed = FALSE, own_ref = TRUE: the wrapper now owns what the caller owned.
    let obj = unsafe { boxed_new(gtype, ptr, 0, 1) };
    if obj.is_null() {
        return Err(PyErr::fetch(py));
    }
    // SAFETY: a new reference returned by PyGObject.
    Ok(unsafe { Bound::from_owned_ptr(py, obj) })
}
