//! One mapping from `gva_meta::Error` (and our own handle errors) onto Python exceptions.

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::{PyErr, create_exception};

create_exception!(
    gstgva,
    ExpiredError,
    PyRuntimeError,
    "A VideoFrame, RegionOfInterest, Tensor or frame data used after its frame, region or map \
     ended (instead of reading freed memory)."
);

/// Converts a gva-meta error into the Python exception a DL Streamer user expects.
pub(crate) fn to_py(e: gva_meta::Error) -> PyErr {
    use gva_meta::Error as E;
    match e {
        E::RegionNotFound(_) => PyRuntimeError::new_err(
            "VideoFrame: Underlying GstVideoRegionOfInterestMeta for RegionOfInterest doesn't \
             belong to this VideoFrame",
        ),
        E::MessageNotFound => {
            PyRuntimeError::new_err("VideoFrame: message doesn't belong to this VideoFrame")
        }
        E::FieldType { .. } => PyTypeError::new_err(e.to_string()),
        E::InvalidUtf8 { .. }
        | E::InteriorNul { .. }
        | E::UnknownPrecision(_)
        | E::UnknownLayout(_)
        | E::InvalidName(_)
        | E::InvalidRegion(_) => PyValueError::new_err(e.to_string()),
        _ => PyRuntimeError::new_err(e.to_string()),
    }
}

/// Extension to write `.py()?` on gva-meta results.
pub(crate) trait IntoPyResult<T> {
    fn py(self) -> pyo3::PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, gva_meta::Error> {
    fn py(self) -> pyo3::PyResult<T> {
        self.map_err(to_py)
    }
}

/// The error for a handle whose frame, region or map is gone.
pub(crate) fn expired(what: &str) -> PyErr {
    ExpiredError::new_err(what.to_owned())
}
