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

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    gst::init().map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    gva_meta::register().map_err(errors::to_py)?;
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
