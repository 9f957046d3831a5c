//! `gstgva.RegionOfInterest`: a handle on a `GstVideoRegionOfInterestMeta` of a frame.

use std::sync::Arc;

use gst::glib;
use gst_video::ffi::GstVideoRegionOfInterestMeta;
use gva_meta::{OptionalField, Region, RegionMut, Tensor as MetaTensor};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;

use crate::errors::IntoPyResult;
use crate::handle::{FrameState, MetaHandle};
use crate::rect::new_rect;
use crate::tensor::{Owner, Tensor, gva_meta_is_writable};

/// A detected (or added) region of a frame: box, label, detection and classification tensors.
#[pyclass(module = "gstgva", name = "RegionOfInterest", frozen)]
pub struct RegionOfInterest {
    pub(crate) handle: MetaHandle,
}

fn roi_api() -> glib::Type {
    use gst::meta::MetaAPI;
    gst_video::VideoRegionOfInterestMeta::meta_api()
}

impl RegionOfInterest {
    /// # Safety
    /// `meta` must be a ROI meta attached to the frame's buffer now.
    pub(crate) unsafe fn new(
        frame: Arc<FrameState>,
        meta: *const GstVideoRegionOfInterestMeta,
    ) -> PyResult<Self> {
        // SAFETY: caller's contract.
        let handle =
            unsafe { MetaHandle::new(frame, meta as *const gst::ffi::GstMeta, roi_api())? };
        Ok(Self { handle })
    }

    fn raw(&self) -> PyResult<*mut GstVideoRegionOfInterestMeta> {
        Ok(self.handle.get("RegionOfInterest")? as *mut GstVideoRegionOfInterestMeta)
    }

    /// The region, for reading (the borrow ends before Python code runs).
    pub(crate) fn region(&self) -> PyResult<Region<'_>> {
        // SAFETY: a live meta of an alive frame.
        Ok(unsafe { Region::from_ptr(self.raw()?) })
    }

    /// The region, for writing: the frame's buffer must be writable.
    pub(crate) fn region_mut(&self) -> PyResult<RegionMut<'_>> {
        let raw = self.raw()?;
        if !gva_meta_is_writable(self.handle.frame.buffer_ref()?) {
            return Err(crate::errors::to_py(gva_meta::Error::NotWritable));
        }
        // SAFETY: a live meta of a writable buffer; access serialized by the GIL.
        Ok(unsafe { RegionMut::from_ptr(raw) })
    }

    fn tensor_handle(&self, structure: &MetaTensor) -> PyResult<Tensor> {
        let meta = self.raw()? as *const gst::ffi::GstMeta;
        // SAFETY: the meta is attached (just checked).
        let region = unsafe { MetaHandle::new(self.handle.frame.clone(), meta, roi_api())? };
        Ok(Tensor::new(Owner::Region {
            region,
            structure: structure.structure().as_ptr() as usize,
        }))
    }

    /// The meta's address (what `meta()` returns).
    pub(crate) fn address(&self) -> PyResult<usize> {
        Ok(self.raw()? as usize)
    }
}

#[pymethods]
impl RegionOfInterest {
    #[new]
    fn py_new() -> PyResult<Self> {
        Err(PyTypeError::new_err(
            "RegionOfInterest objects come from a frame: VideoFrame.regions(), VideoFrame.add_region()",
        ))
    }

    /// The box in pixels: `Rect(x, y, w, h)`.
    fn rect<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let r = self.region()?.rect();
        new_rect(py, [r.x, r.y, r.w, r.h])
    }

    /// The box in fractions of the frame, from the detection: `Rect(x, y, w, h)`, None without.
    fn normalized_rect<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.region()?.normalized_rect().optional().py()? {
            Some(r) => Ok(Some(new_rect(py, [r.x, r.y, r.w, r.h])?)),
            None => Ok(None),
        }
    }

    /// The label; None for a region that never had one.
    fn label(&self) -> PyResult<Option<String>> {
        // SAFETY: a live meta (checked by raw()).
        if unsafe { (*self.raw()?).roi_type } == 0 {
            return Ok(None);
        }
        Ok(Some(self.region()?.label().py()?.to_owned()))
    }

    fn label_id(&self) -> PyResult<Option<i32>> {
        self.region()?.label_id().optional().py()
    }

    fn confidence(&self) -> PyResult<Option<f64>> {
        self.region()?.confidence().optional().py()
    }

    fn object_id(&self) -> PyResult<Option<i32>> {
        self.region()?.object_id().optional().py()
    }

    fn set_object_id(&self, object_id: i32) -> PyResult<()> {
        self.region_mut()?.set_object_id(object_id);
        Ok(())
    }

    fn region_id(&self) -> PyResult<i32> {
        Ok(self.region()?.id())
    }

    fn parent_id(&self) -> PyResult<i32> {
        Ok(self.region()?.parent_id())
    }

    /// The region's tensors (every parameter structure but `object_id`, detection included).
    fn tensors(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let handles = self
            .region()?
            .tensors()
            .map(|t| self.tensor_handle(t))
            .collect::<PyResult<Vec<_>>>()?;
        let list = pyo3::types::PyList::new(py, handles)?;
        Ok(list.as_any().try_iter()?.into_any().unbind())
    }

    /// The detection tensor; created empty when missing (DL Streamer's behaviour), which needs a
    /// writable buffer.
    fn detection(&self) -> PyResult<Tensor> {
        if let Some(d) = self.region()?.detection() {
            return self.tensor_handle(d);
        }
        let mut region = self.region_mut()?;
        let created: *const MetaTensor = region.detection_mut();
        // SAFETY: the structure just created is owned by the live meta.
        self.tensor_handle(unsafe { &*created })
    }

    /// Appends a tensor: an empty one called `name`, or a copy of `tensor` (renamed to `name`
    /// if given).
    #[pyo3(signature = (name = "", tensor = None))]
    fn add_tensor(&self, name: &str, tensor: Option<PyRef<'_, Tensor>>) -> PyResult<Tensor> {
        let created: *const MetaTensor = match tensor {
            Some(source) => {
                let copy = source.get()?.structure().to_owned();
                let rename = (!name.is_empty()).then_some(name);
                let mut region = self.region_mut()?;
                region
                    .add_tensor_copy(MetaTensor::from_structure(&copy), rename)
                    .py()?
            }
            None => self.region_mut()?.add_tensor(name).py()?,
        };
        // SAFETY: the structure just added is owned by the live meta.
        self.tensor_handle(unsafe { &*created })
    }

    /// The address of the underlying `GstVideoRegionOfInterestMeta`.
    fn meta(&self) -> PyResult<usize> {
        self.address()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<RegionOfInterest>() {
            Ok(o) => Ok(self.address()? == o.get().address()?),
            Err(_) => Ok(false),
        }
    }

    fn __hash__(&self) -> PyResult<isize> {
        Ok(self.address()? as isize)
    }

    fn __repr__(&self) -> PyResult<String> {
        let r = self.region()?;
        let rect = r.rect();
        Ok(format!(
            "RegionOfInterest(id={}, label={:?}, rect=({}, {}, {}, {}), confidence={:?})",
            r.id(),
            r.label().unwrap_or("<invalid UTF-8>"),
            rect.x,
            rect.y,
            rect.w,
            rect.h,
            r.confidence().ok()
        ))
    }
}

/// Raised when a buffer's region can't be found (used by VideoFrame.remove_region).
pub(crate) fn not_on_frame() -> PyErr {
    PyRuntimeError::new_err(
        "VideoFrame: Underlying GstVideoRegionOfInterestMeta for RegionOfInterest doesn't belong \
         to this VideoFrame",
    )
}
