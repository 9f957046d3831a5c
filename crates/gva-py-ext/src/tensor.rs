//! `gstgva.Tensor`: a handle on a structure of a region or a frame-level tensor meta.

use std::sync::Arc;

use gva_meta::{Layout, OptionalField, Precision};
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyTuple};

use crate::errors::{IntoPyResult, expired};
use crate::handle::{FrameState, MetaHandle};
use crate::value;

/// Where a tensor's structure lives.
pub(crate) enum Owner {
    /// A parameter structure of a region (checked to still be in its params list).
    Region {
        region: MetaHandle,
        structure: usize,
    },
    /// The structure of a `GstGVATensorMeta`.
    Frame(MetaHandle),
}

/// A tensor: a structure of inference results, read and written like a dict.
#[pyclass(module = "gstgva", name = "Tensor", frozen)]
pub struct Tensor {
    owner: Owner,
}

impl Tensor {
    pub(crate) fn new(owner: Owner) -> Self {
        Self { owner }
    }

    fn frame(&self) -> &Arc<FrameState> {
        match &self.owner {
            Owner::Region { region, .. } => &region.frame,
            Owner::Frame(h) => &h.frame,
        }
    }

    fn structure_ptr(&self) -> PyResult<*mut gst::ffi::GstStructure> {
        match &self.owner {
            Owner::Frame(h) => {
                let meta = h.get("Tensor")? as *mut gva_meta::GstGVATensorMeta;
                // SAFETY: a live tensor meta of an alive frame.
                let s = unsafe { (*meta).data };
                if s.is_null() {
                    return Err(expired(
                        "Tensor is no longer valid: its meta has no structure",
                    ));
                }
                Ok(s)
            }
            Owner::Region { region, structure } => {
                let meta =
                    region.get("Tensor")? as *mut gst_video::ffi::GstVideoRegionOfInterestMeta;
                // SAFETY: a live ROI meta of an alive frame; only list links are read.
                let mut link = unsafe { (*meta).params };
                while !link.is_null() {
                    // SAFETY: as above.
                    unsafe {
                        if (*link).data as usize == *structure {
                            return Ok(*structure as *mut gst::ffi::GstStructure);
                        }
                        link = (*link).next;
                    }
                }
                Err(expired(
                    "Tensor is no longer valid: it was removed from its region",
                ))
            }
        }
    }

    /// The structure, for reading.
    pub(crate) fn get(&self) -> PyResult<&gva_meta::Tensor> {
        let s = self.structure_ptr()?;
        // SAFETY: a live structure; the borrow ends before any Python code can run.
        Ok(unsafe { gva_meta::Tensor::from_ptr(s) })
    }

    /// The structure, for writing (the frame's buffer must be writable).
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn get_mut(&self) -> PyResult<&mut gva_meta::Tensor> {
        let s = self.structure_ptr()?;
        let buffer = self.frame().buffer_ref()?;
        if !gva_meta_is_writable(buffer) {
            return Err(crate::errors::to_py(gva_meta::Error::NotWritable));
        }
        // SAFETY: a live structure of a writable buffer; access is serialized by the GIL.
        Ok(unsafe { gva_meta::Tensor::from_mut_ptr(s) })
    }
}

pub(crate) fn gva_meta_is_writable(buffer: &gst::BufferRef) -> bool {
    // SAFETY: a valid buffer.
    unsafe {
        gst::ffi::gst_mini_object_is_writable(buffer.as_ptr() as *const gst::ffi::GstMiniObject)
            != 0
    }
}

fn enum_class(
    py: Python<'_>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    name: &str,
    members: Vec<(&'static str, i32)>,
) -> PyResult<Py<PyAny>> {
    cell.get_or_try_init(py, || {
        let enum_mod = py.import("enum")?;
        let class = enum_mod
            .getattr("IntEnum")?
            .call1((name, PyList::new(py, members)?))?;
        class.setattr("__module__", "gstgva")?;
        class.setattr("__qualname__", format!("Tensor.{name}"))?;
        Ok::<_, PyErr>(class.unbind())
    })
    .map(|c| c.clone_ref(py))
}

static PRECISION_CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static LAYOUT_CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn precision_class(py: Python<'_>) -> PyResult<Py<PyAny>> {
    let members = Precision::ALL
        .iter()
        .map(|p| (p.as_str(), *p as i32))
        .collect();
    enum_class(py, &PRECISION_CLASS, "PRECISION", members)
}

fn layout_class(py: Python<'_>) -> PyResult<Py<PyAny>> {
    let members = Layout::ALL
        .iter()
        .map(|l| (l.as_str(), *l as i32))
        .collect();
    enum_class(py, &LAYOUT_CLASS, "LAYOUT", members)
}

/// The precision as DL Streamer reads it: an absent, unknown or mistyped value is UNSPECIFIED
/// (as an unreadable layout is ANY).
pub(crate) fn precision_of(t: &gva_meta::Tensor) -> Precision {
    t.precision().unwrap_or(Precision::Unspecified)
}

/// `Ok(None)` for an absent field, the value otherwise.
fn opt<T>(r: Result<T, gva_meta::Error>) -> PyResult<Option<T>> {
    r.optional().py()
}

#[pymethods]
impl Tensor {
    #[new]
    fn py_new() -> PyResult<Self> {
        Err(PyTypeError::new_err(
            "Tensor objects come from a frame or region: VideoFrame.add_tensor(), \
             RegionOfInterest.add_tensor(), .tensors()",
        ))
    }

    /// `Tensor.PRECISION`: DL Streamer's precision values.
    #[classattr]
    #[allow(non_snake_case)]
    fn PRECISION(py: Python<'_>) -> PyResult<Py<PyAny>> {
        precision_class(py)
    }

    /// `Tensor.LAYOUT`: DL Streamer's layout values.
    #[classattr]
    #[allow(non_snake_case)]
    fn LAYOUT(py: Python<'_>) -> PyResult<Py<PyAny>> {
        layout_class(py)
    }

    fn name(&self) -> PyResult<String> {
        Ok(self.get()?.name().to_owned())
    }

    fn set_name(&self, name: &str) -> PyResult<()> {
        self.get_mut()?.set_name(name).py()
    }

    fn is_detection(&self) -> PyResult<bool> {
        Ok(self.get()?.is_detection())
    }

    fn label(&self) -> PyResult<Option<String>> {
        Ok(opt(self.get()?.label())?.map(str::to_owned))
    }

    fn set_label(&self, label: &str) -> PyResult<()> {
        self.get_mut()?.set_label(label).py()
    }

    fn confidence(&self) -> PyResult<Option<f64>> {
        opt(self.get()?.confidence())
    }

    fn label_id(&self) -> PyResult<Option<i32>> {
        opt(self.get()?.label_id())
    }

    fn object_id(&self) -> PyResult<Option<i32>> {
        opt(self.get()?.object_id())
    }

    fn model_name(&self) -> PyResult<Option<String>> {
        Ok(opt(self.get()?.model_name())?.map(str::to_owned))
    }

    fn layer_name(&self) -> PyResult<Option<String>> {
        Ok(opt(self.get()?.layer_name())?.map(str::to_owned))
    }

    fn element_id(&self) -> PyResult<Option<String>> {
        Ok(opt(self.get()?.element_id())?.map(str::to_owned))
    }

    fn format(&self) -> PyResult<Option<String>> {
        Ok(opt(self.get()?.format())?.map(str::to_owned))
    }

    #[pyo3(name = "type")]
    fn type_(&self) -> PyResult<Option<String>> {
        Ok(opt(self.get()?.type_())?.map(str::to_owned))
    }

    fn dims(&self) -> PyResult<Option<Vec<u32>>> {
        opt(self.get()?.dims())
    }

    /// The precision; an absent or unknown value reads as UNSPECIFIED, like DL Streamer.
    fn precision(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let p = precision_of(self.get()?);
        precision_class(py)?.call1(py, (p as i32,))
    }

    /// The layout; an absent or unknown value reads as ANY, like DL Streamer.
    fn layout(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let l = self.get()?.layout().unwrap_or(Layout::Any);
        layout_class(py)?.call1(py, (l as i32,))
    }

    fn precision_as_string(&self) -> PyResult<&'static str> {
        Ok(precision_of(self.get()?).as_str())
    }

    fn layout_as_string(&self) -> PyResult<&'static str> {
        Ok(self.get()?.layout().unwrap_or(Layout::Any).as_str())
    }

    fn fields(&self) -> PyResult<Vec<String>> {
        Ok(self.get()?.fields().map(str::to_owned).collect())
    }

    fn has_field(&self, name: &str) -> PyResult<bool> {
        Ok(self.get()?.has_field(name))
    }

    /// The raw blob (`data_buffer`) as a read-only numpy array of the precision's dtype, sharing
    /// the tensor's memory (kept alive by the array); None without a blob.
    fn data(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        crate::blob::tensor_data(py, self.get()?)
    }

    fn __getitem__(&self, py: Python<'_>, key: &str) -> PyResult<Py<PyAny>> {
        let t = self.get()?;
        match t.value(key) {
            Ok(v) => Ok(value::to_py(py, v)?.unbind()),
            Err(gva_meta::Error::MissingField { .. }) => Ok(py.None()),
            Err(e) => Err(crate::errors::to_py(e)),
        }
    }

    fn __setitem__(&self, key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = value::from_py(value)?;
        if key.contains('\0') {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "field names cannot contain NUL characters",
            ));
        }
        if key == "label" && self.get()?.is_detection() {
            return Err(crate::errors::to_py(gva_meta::Error::DetectionLabel));
        }
        if key == "dims"
            && (value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>())
            && value
                .try_iter()?
                .all(|i| i.is_ok_and(|i| !i.is_instance_of::<pyo3::types::PyBool>()))
            && let Ok(dims) = value.extract::<Vec<u32>>()
        {
            // DL Streamer's convention: an array of uint (its C++ reads the items unsigned).
            self.get_mut()?.set_dims(&dims);
            return Ok(());
        }
        self.get_mut()?.structure_mut().set_value(key, v);
        Ok(())
    }

    fn __delitem__(&self, key: &str) -> PyResult<()> {
        if !self.get()?.has_field(key) {
            return Err(PyKeyError::new_err(key.to_owned()));
        }
        self.get_mut()?.remove_field(key);
        Ok(())
    }

    fn __contains__(&self, key: &str) -> PyResult<bool> {
        self.has_field(key)
    }

    fn __len__(&self) -> PyResult<usize> {
        Ok(self.get()?.len())
    }

    /// Iterates `(key, value)` pairs, like DL Streamer.
    fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let t = self.get()?;
        let pairs = t
            .fields()
            .map(|k| {
                let v = value::to_py(py, t.value(k).py()?)?;
                PyTuple::new(py, [k.into_pyobject(py)?.into_any(), v])
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, pairs)?
            .as_any()
            .try_iter()?
            .into_any()
            .unbind())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let dict = pyo3::types::PyDict::new(py);
        let t = self.get()?;
        for k in t.fields() {
            dict.set_item(k, value::to_py(py, t.value(k).py()?)?)?;
        }
        Ok(dict.repr()?.to_string())
    }
}
