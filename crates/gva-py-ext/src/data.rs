//! `VideoFrame.data()`: the frame's pixels as a numpy array, without copying them where the
//! buffer's layout allows it.
//!
//! [`map`] maps the whole buffer (`gst_buffer_map`, READ and/or WRITE) and works out where the
//! array lies in the mapping from the real plane offsets and strides — the buffer's
//! `GstVideoMeta` if it has one, else the frame's `VideoInfo` (see [`crate::layout`]). The mapping
//! is a [`FrameMapping`], which exports the mapped bytes through the buffer protocol;
//! `gstgva._data` builds the array over it with `numpy.ndarray(shape, uint8, buffer=mapping,
//! offset=..., strides=...)`, so the array's base is the mapping and the mapping lives as long as
//! any array made from it. NV12/I420 planes that cannot be one strided array in DL Streamer's
//! packed layout are copied into that layout instead ([`PackedCopy`]): the mapping then exports
//! the copy, and for a WRITE map writes the copy back into the planes when the block ends.
//!
//! With no flag (DL Streamer's `with frame.data() as mat:` before drawing with OpenCV), the map
//! is READ|WRITE when the buffer is writable and READ otherwise; an explicit flag is taken as is.
//!
//! At the end of the `with` block `gstgva._data` calls [`FrameMapping::release`], which
//! 1. makes the yielded array unusable: read-only, zero rows (`arr[0, 0]` raises IndexError,
//!    `arr.sum()` reads nothing) and pointing at a static dummy — by writing numpy's array
//!    struct (`PyArrayObject_fields`, numpy's public ABI), after checking that what it reads
//!    there agrees with what numpy reports through Python;
//! 2. refuses any new export of the mapping (`ExpiredError`);
//! 3. writes a packed copy of a WRITE map back into the planes;
//! 4. ends the GStreamer map, so the buffer can be mapped again (also for WRITE) and goes on
//!    unaffected. For system memory (`GST_ALLOCATOR_SYSMEM`, where unmapping does not move the
//!    bytes) it keeps a reference on the `GstMemory` until the mapping object dies: views or
//!    exports taken from the array inside the block (which numpy does not let us find) stay
//!    readable and never see freed memory. Other memory (dmabuf, fd, VA...) may be unmapped for
//!    real, so its GStreamer map is kept until the mapping object dies. A packed copy needs
//!    neither: views taken inside the block see the copy, which the mapping object owns.
//!
//! The mapping never needs the buffer after `gst_buffer_map`: the map info holds its own
//! reference on the memory, and unmapping is `gst_memory_unmap` + `gst_memory_unref` (what
//! GStreamer's own `GstBufferMapInfo` auto-cleanup does), so it stays valid after the frame,
//! and even the buffer, are gone.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Mutex;

use gst::glib::translate::IntoGlib;
use gst_video::VideoFormat;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::errors::expired;
use crate::handle::FrameState;
use crate::layout::{self, Placement, Run};

const READ: u32 = gst::ffi::GST_MAP_READ;
const WRITE: u32 = gst::ffi::GST_MAP_WRITE;

/// A `GstMapInfo` of a whole buffer, owned (it holds a reference on its memory).
struct Map(gst::ffi::GstMapInfo);

/// What a [`FrameMapping`] holds, changing at release.
struct Held {
    /// The GStreamer map, until it is ended.
    map: Option<Map>,
    /// A reference on the (system) memory, kept after the map ended.
    memory: Option<*mut gst::ffi::GstMemory>,
    /// No new exports after release.
    released: bool,
}

// SAFETY: a GstMapInfo and GstMemory references may be used and released from any thread;
// access is serialized by the Mutex.
unsafe impl Send for Held {}

/// The mapped pixels of a frame, exported to numpy (the base of the arrays of `data()`).
#[pyclass(module = "gstgva._native", name = "FrameMapping", frozen)]
pub struct FrameMapping {
    held: Mutex<Held>,
    /// Start and length of the exported bytes: the mapped bytes (valid while `held` has the map
    /// or memory), or the packed copy.
    address: usize,
    size: usize,
    writable: bool,
    /// Keeping the memory alive keeps the bytes valid after unmapping (system memory).
    sysmem: bool,
    shape: (usize, usize, usize),
    strides: (isize, isize, isize),
    offset: usize,
    /// The packed copy exported instead of the mapping, if the planes needed one.
    copy: Option<PackedCopy>,
}

/// NV12/I420 planes copied into DL Streamer's packed layout (see [`crate::layout`]), owned by
/// the mapping so that views taken from the array stay valid as long as they live.
struct PackedCopy {
    bytes: *mut u8,
    len: usize,
    /// What the copy is made of, in the mapping.
    runs: Vec<Run>,
}

// SAFETY: the bytes are owned by this object; Python reads and writes them through the buffer
// protocol under the GIL, and Rust only while holding the GIL (map and release).
unsafe impl Send for PackedCopy {}
unsafe impl Sync for PackedCopy {}

impl PackedCopy {
    /// Copies `runs` of the mapped bytes at `mapped` into a new zeroed block of `len` bytes.
    ///
    /// # Safety
    /// Every run must lie inside the mapping (checked against its size by the caller) and inside
    /// `len` (by construction in `layout::place`); the mapping must stay mapped during the call.
    unsafe fn new(mapped: usize, len: usize, runs: Vec<Run>) -> Self {
        let bytes = Box::into_raw(vec![0u8; len].into_boxed_slice()) as *mut u8;
        for run in &runs {
            // SAFETY: the caller's contract.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    (mapped as *const u8).add(run.mapped),
                    bytes.add(run.packed),
                    run.len,
                );
            }
        }
        Self { bytes, len, runs }
    }

    /// Writes the copy back into the planes of the WRITE-mapped bytes at `mapped`.
    ///
    /// # Safety
    /// As for [`PackedCopy::new`], with the same mapping, still mapped, for WRITE.
    unsafe fn write_back(&self, mapped: usize) {
        for run in &self.runs {
            // SAFETY: the caller's contract; the copy is ours.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.bytes.add(run.packed),
                    (mapped as *mut u8).add(run.mapped),
                    run.len,
                );
            }
        }
    }
}

impl Drop for PackedCopy {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` as a boxed slice of `len` bytes.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.bytes, self.len)) });
    }
}

/// The access a `data()` flag asks for: `Gst.MapFlags` or an int, READ and/or WRITE; None when
/// no flag is given.
fn map_flags(flag: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u32>> {
    let Some(flag) = flag.filter(|f| !f.is_none()) else {
        return Ok(None);
    };
    let value: i64 = flag.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "VideoFrame.data: flag must be Gst.MapFlags or an int, got {}",
            flag.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    match u32::try_from(value) {
        Ok(v) if v != 0 && v & !(READ | WRITE) == 0 => Ok(Some(v)),
        _ => Err(PyValueError::new_err(format!(
            "VideoFrame.data: flag must be Gst.MapFlags.READ, WRITE or READ | WRITE, got {value}"
        ))),
    }
}

/// Maps the frame's buffer for `data()`.
pub(crate) fn map(
    py: Python<'_>,
    state: &FrameState,
    info: Option<&gst_video::VideoInfo>,
    flag: Option<&Bound<'_, PyAny>>,
) -> PyResult<FrameMapping> {
    let flags = map_flags(flag)?;
    let buffer = state.buffer()?;
    let info = info.ok_or_else(|| {
        PyRuntimeError::new_err(
            "VideoFrame.data: the frame has no video info (give video_info= or caps= when \
             creating the VideoFrame, or use a buffer with a GstVideoMeta)",
        )
    })?;
    let format = info.format();
    let kind = layout::kind(format)
        .ok_or_else(|| PyRuntimeError::new_err("VideoFrame.data: Unsupported format"))?;
    let (width, height) = (info.width() as usize, info.height() as usize);
    if width == 0 || height == 0 {
        return Err(PyRuntimeError::new_err(format!(
            "VideoFrame.data: the frame's video info has no size ({width}x{height})"
        )));
    }

    // SAFETY: an alive frame's buffer; the meta (if any) is read before anything changes it.
    let (offsets, strides) = unsafe {
        let meta = gst_video::ffi::gst_buffer_get_video_meta(buffer);
        if meta.is_null() {
            (info.offset().to_vec(), info.stride().to_vec())
        } else {
            let m = &*meta;
            if m.format != format.into_glib()
                || m.n_planes != info.n_planes()
                || m.width < info.width()
                || m.height < info.height()
            {
                let meta_format: VideoFormat = gst::glib::translate::from_glib(m.format);
                return Err(PyRuntimeError::new_err(format!(
                    "VideoFrame.data: the buffer's GstVideoMeta ({} {}x{}) does not match the \
                     frame's video info ({} {width}x{height})",
                    meta_format.to_str(),
                    m.width,
                    m.height,
                    format.to_str()
                )));
            }
            let n = m.n_planes as usize;
            (m.offset[..n].to_vec(), m.stride[..n].to_vec())
        }
    };
    let placement = layout::place(kind, format, width, height, &offsets, &strides)?;

    // SAFETY: as above.
    let writable_buffer =
        unsafe { gst::ffi::gst_mini_object_is_writable(buffer as *const gst::ffi::GstMiniObject) }
            != 0;
    let map = match flags {
        Some(flags) => {
            if flags & WRITE != 0 && !writable_buffer {
                return Err(PyRuntimeError::new_err(
                    "VideoFrame.data: a WRITE map needs a writable buffer, and this one is \
                     shared (it has other references). In a pad probe use \
                     gstgva.util.GST_PAD_PROBE_INFO_BUFFER; else map with Gst.MapFlags.READ",
                ));
            }
            map_buffer(buffer, flags)
        }
        // No flag: writable when the buffer is; memory that refuses a WRITE map is read.
        None if writable_buffer => {
            map_buffer(buffer, READ | WRITE).or_else(|| map_buffer(buffer, READ))
        }
        None => map_buffer(buffer, READ),
    }
    .ok_or_else(|| PyRuntimeError::new_err("VideoFrame.data: couldn't map the buffer"))?;
    let size = map.0.size;
    if placement.end() > size {
        return Err(PyRuntimeError::new_err(format!(
            "VideoFrame.data: Corrupted buffer: a {width}x{height} {} frame with these strides \
             and offsets needs {} bytes, the buffer has {size}",
            format.to_str(),
            placement.end()
        )));
    }
    let writable = map.0.flags & WRITE != 0;
    // SAFETY: the mapped memory, referenced by the map.
    let sysmem = !map.0.memory.is_null()
        && unsafe { gst::ffi::gst_memory_is_type(map.0.memory, c"SystemMemory".as_ptr()) } != 0;
    let (address, size, shape, strides, offset, copy) = match placement {
        Placement::View {
            shape,
            strides,
            offset,
            ..
        } => (map.0.data as usize, size, shape, strides, offset, None),
        Placement::Copy {
            shape, len, runs, ..
        } => {
            let mapped = map.0.data as usize;
            // Without the GIL: a frame's worth of bytes (about 0.5 ms for 1080p), and nothing
            // else can see the copy yet.
            // SAFETY: the runs end within `placement.end()`, checked against the mapped size.
            let copy = py.detach(|| unsafe { PackedCopy::new(mapped, len, runs) });
            let row = shape.1 as isize;
            (copy.bytes as usize, len, shape, (row, 1, 1), 0, Some(copy))
        }
    };
    Ok(FrameMapping {
        held: Mutex::new(Held {
            map: Some(map),
            memory: None,
            released: false,
        }),
        address,
        size,
        writable,
        sysmem,
        shape,
        strides,
        offset,
        copy,
    })
}

/// `gst_buffer_map` of the whole buffer; None if GStreamer refuses.
fn map_buffer(buffer: *mut gst::ffi::GstBuffer, flags: u32) -> Option<Map> {
    let mut raw = std::mem::MaybeUninit::<gst::ffi::GstMapInfo>::zeroed();
    // SAFETY: a valid buffer (callers only ask WRITE of a writable one).
    if unsafe { gst::ffi::gst_buffer_map(buffer, raw.as_mut_ptr(), flags) } == 0 {
        return None;
    }
    // SAFETY: filled by the successful map.
    Some(Map(unsafe { raw.assume_init() }))
}

impl Drop for Map {
    fn drop(&mut self) {
        if !self.0.memory.is_null() {
            // SAFETY: ends our map and drops the reference it held (GstBufferMapInfo cleanup).
            unsafe {
                gst::ffi::gst_memory_unmap(self.0.memory, &mut self.0);
                gst::ffi::gst_memory_unref(self.0.memory);
            }
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.map = None;
        if let Some(memory) = self.memory.take() {
            // SAFETY: the reference taken at release.
            unsafe { gst::ffi::gst_memory_unref(memory) };
        }
    }
}

/// numpy's `PyArrayObject_fields` up to `flags` (numpy's public ABI, the same in numpy 1 and 2).
#[repr(C)]
struct ArrayFields {
    ob_base: pyo3::ffi::PyObject,
    data: *mut c_char,
    nd: c_int,
    dimensions: *mut isize,
    strides: *mut isize,
    base: *mut pyo3::ffi::PyObject,
    descr: *mut pyo3::ffi::PyObject,
    flags: c_int,
}

const NPY_ARRAY_C_CONTIGUOUS: c_int = 0x0001;
const NPY_ARRAY_F_CONTIGUOUS: c_int = 0x0002;
const NPY_ARRAY_OWNDATA: c_int = 0x0004;
const NPY_ARRAY_WRITEABLE: c_int = 0x0400;

/// What an expired array points at: never read (it has no elements), never written (read-only).
#[repr(C, align(64))]
struct Dummy([u8; 64]);
static DUMMY: Dummy = Dummy([0; 64]);

static NDARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Makes `array` (a numpy array whose base is `mapping`) unusable: read-only, zero rows, over
/// `DUMMY`. Returns false (and changes nothing but the read-only flag) if the array is not
/// what we made, or numpy's struct does not look as expected.
fn expire_array(array: &Bound<'_, PyAny>, mapping: *mut pyo3::ffi::PyObject) -> PyResult<bool> {
    let py = array.py();
    let ndarray = NDARRAY.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("numpy")?
                .getattr("ndarray")?
                .cast_into::<PyType>()?
                .unbind(),
        )
    })?;
    if !array.get_type().is(ndarray.bind(py)) {
        return Ok(false);
    }
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("write", false)?;
    array.call_method("setflags", (), Some(&kwargs))?;
    let data: usize = array
        .getattr("__array_interface__")?
        .get_item("data")?
        .get_item(0)?
        .extract()?;
    let shape: Vec<isize> = array.getattr("shape")?.extract()?;
    let strides: Vec<isize> = array.getattr("strides")?.extract()?;
    if shape.is_empty() {
        return Ok(false);
    }
    let fields = array.as_ptr() as *mut ArrayFields;
    // SAFETY: `array` is exactly a numpy.ndarray, whose object starts with these fields; we
    // only read them, and write them only after they agree with what numpy reports. The GIL
    // is held: no other Python code sees the array change halfway. A numpy loop running on
    // another thread without the GIL keeps its own copy of the pointers, and the memory stays
    // valid (see the module docs).
    unsafe {
        let f = &mut *fields;
        let nd = shape.len();
        if f.data as usize != data
            || usize::try_from(f.nd).ok() != Some(nd)
            || f.base != mapping
            || f.flags & (NPY_ARRAY_OWNDATA | NPY_ARRAY_WRITEABLE) != 0
            || f.dimensions.is_null()
            || f.strides.is_null()
            || std::slice::from_raw_parts(f.dimensions, nd) != shape.as_slice()
            || std::slice::from_raw_parts(f.strides, nd) != strides.as_slice()
        {
            return Ok(false);
        }
        *f.dimensions = 0;
        f.data = DUMMY.0.as_ptr() as *mut c_char;
        // what numpy computes for an array without elements
        f.flags |= NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_F_CONTIGUOUS;
    }
    Ok(array.getattr("size")?.extract::<usize>()? == 0)
}

#[pymethods]
impl FrameMapping {
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut pyo3::ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let this = slf.get();
        {
            let held = this
                .held
                .lock()
                .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
            if held.released {
                return Err(expired(
                    "VideoFrame.data: this frame data is no longer valid: its with block ended",
                ));
            }
        }
        // SAFETY: `view` comes from Python; the bytes stay valid as long as `slf` lives (it
        // holds the map, the memory or the packed copy), and the view references `slf`.
        let rc = unsafe {
            pyo3::ffi::PyBuffer_FillInfo(
                view,
                slf.as_ptr(),
                this.address as *mut c_void,
                this.size as pyo3::ffi::Py_ssize_t,
                c_int::from(!this.writable),
                flags,
            )
        };
        if rc != 0 {
            return Err(PyErr::fetch(slf.py()));
        }
        Ok(())
    }

    unsafe fn __releasebuffer__(&self, _view: *mut pyo3::ffi::Py_buffer) {}

    /// The array's shape: `(H, W, channels)`, or `(H*3/2, W, 1)` for NV12 and I420.
    #[getter]
    fn shape(&self) -> (usize, usize, usize) {
        self.shape
    }

    /// The array's strides in bytes: `(row stride, bytes per pixel, 1)`.
    #[getter]
    fn strides(&self) -> (isize, isize, isize) {
        self.strides
    }

    /// Where the array starts in the exported bytes.
    #[getter]
    fn offset(&self) -> usize {
        self.offset
    }

    /// The address of the exported bytes (the mapped buffer, or the packed copy).
    #[getter]
    fn address(&self) -> usize {
        self.address
    }

    /// The number of exported bytes.
    #[getter]
    fn nbytes(&self) -> usize {
        self.size
    }

    /// Whether the map is WRITE (the arrays are writable).
    #[getter]
    fn writable(&self) -> bool {
        self.writable
    }

    /// Whether the GStreamer map is still held (after the with block only for a view of memory
    /// that is not system memory, while arrays made from it live).
    #[getter]
    fn mapped(&self) -> PyResult<bool> {
        let held = self
            .held
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        Ok(held.map.is_some())
    }

    /// Whether the with block has ended.
    #[getter]
    fn released(&self) -> PyResult<bool> {
        let held = self
            .held
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        Ok(held.released)
    }

    /// Ends the with block: expires `array` (if given), writes a packed copy of a WRITE map back
    /// into the planes and ends the GStreamer map (see the module docs). Returns whether the
    /// array could be made unusable.
    #[pyo3(name = "_release", signature = (array = None))]
    fn release(slf: &Bound<'_, Self>, array: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        let expired_array = match array {
            Some(a) if !a.is_none() => expire_array(a, slf.as_ptr()),
            _ => Ok(false),
        };
        let this = slf.get();
        let copied_map = {
            let mut held = this
                .held
                .lock()
                .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
            held.released = true;
            if this.copy.is_some() {
                held.map.take()
            } else {
                if this.sysmem
                    && let Some(map) = held.map.take()
                {
                    // SAFETY: a reference on the mapped memory, so its bytes outlive the map.
                    held.memory = Some(unsafe { gst::ffi::gst_memory_ref(map.0.memory) });
                }
                None
            }
        };
        if let (Some(copy), Some(map)) = (&this.copy, copied_map)
            && this.writable
        {
            let mapped = map.0.data as usize;
            // Without the GIL (and without our lock, which a Python thread may wait on).
            // SAFETY: `map` is this mapping's WRITE map, alive until after the call.
            slf.py().detach(|| unsafe { copy.write_back(mapped) });
        }
        expired_array
    }

    /// Whether the array is a packed copy of NV12/I420 planes (written back at the end of the
    /// with block for a WRITE map), not a view of the buffer.
    #[getter]
    fn copied(&self) -> bool {
        self.copy.is_some()
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!(
            "<gstgva FrameMapping {:?} {} at 0x{:x}{}>",
            self.shape,
            if self.writable {
                "writable"
            } else {
                "read-only"
            },
            self.address,
            if self.released()? { ", released" } else { "" }
        ))
    }
}
