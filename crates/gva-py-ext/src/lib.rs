//! `gstgva._native`: the native part of the `gstgva` Python package.
//!
//! Only exports live here; the logic is in `gva-meta`, and each Python class has its own file.
#![allow(unsafe_op_in_unsafe_fn)]

mod blob;
mod capsule;
mod data;
mod errors;
mod frame;
mod handle;
mod layout;
mod pygobject;
mod rect;
mod region;
mod tensor;
mod util;
mod value;

use pyo3::prelude::*;

/// GStreamer ready for gstgva: initialized and the GVA metas registered, once.
///
/// Importing gstgva must not initialize GStreamer itself: PyGObject only knows about an
/// initialization made through its own `Gst.init`, so after a native `gst_init` the common
/// `if not Gst.is_initialized(): Gst.init(...)` would skip `Gst.init`, and PyGObject would then
/// refuse every call with `NotInitialized` (and `Gst.init(sys.argv)` would no longer see the
/// command line's `--gst-*` options). So the import only gets ready when the application (or
/// gvapython's process) has initialized GStreamer already; otherwise the first frame does it
/// (a frame needs a `Gst.Buffer`, which PyGObject only makes after `Gst.init`).
pub(crate) fn ready() -> PyResult<()> {
    static READY: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    READY
        .get_or_init(|| {
            gst::init().map_err(|e| e.to_string())?;
            gva_meta::register().map_err(|e| e.to_string())
        })
        .clone()
        .map_err(pyo3::exceptions::PyRuntimeError::new_err)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // SAFETY: a plain query, callable before gst_init.
    if unsafe { gst::ffi::gst_is_initialized() } != 0 {
        ready()?;
    }
    m.add_class::<frame::VideoFrame>()?;
    m.add_class::<region::RegionOfInterest>()?;
    m.add_class::<tensor::Tensor>()?;
    m.add_class::<util::ProbeInfoBuffer>()?;
    m.add_class::<blob::Blob>()?;
    m.add_class::<data::FrameMapping>()?;
    m.add("Rect", rect::rect_type(m.py())?)?;
    m.add("_C_API", capsule::capsule(m.py())?)?;
    m.add("ExpiredError", m.py().get_type::<errors::ExpiredError>())?;
    Ok(())
}
