//! Test fixture: DL Streamer's C metadata code, compiled by a C compiler, next to `gva-meta`.
//!
//! `c/dlstreamer_meta.c` re-states Intel DL Streamer's `GstGVATensorMeta` / `GstGVAJSONMeta`
//! registration (`gst_gva_*_meta_api_get_type`, `gst_gva_*_meta_get_info`, with their
//! init/free/transform functions) under a `dls_` prefix, plus small C helpers that attach metas
//! and read them back **through the C struct fields** (`meta->data`, `meta->message`, the ROI
//! meta's fields and params), and a table of the C compiler's `sizeof`/`alignof`/`offsetof`.
//! The integration tests of this crate use it to prove that `gva-meta` and DL Streamer's C code
//! share one registration and one binary layout in one process.
//!
//! - [`ffi`]: the raw `extern "C"` declarations of the C file;
//! - [`c`]: safe, thin wrappers over them (owned Rust values out, no pointers kept);
//! - [`gva_interop_attach_sample`] and friends: `#[no_mangle]` functions exported by this
//!   crate's cdylib (`libgva_meta_interop.so`), which use *this copy* of `gva-meta`. Python's
//!   ctypes loads them (`tests/python/test_dlstreamer_ctypes.py`), and so does
//!   `tests/rust_registers_first.rs` to get a second Rust copy of `gva-meta` in one process.
//!
//! # Registration order matters
//! Like the real DL Streamer library, the C code registers its names unconditionally: if a copy
//! of `gva-meta` registered first, the first call of any `dls_*`/[`c`] function that touches a
//! meta type makes GLib print CRITICALs (`g_pointer_type_register_static: assertion
//! 'g_type_from_name (name) == 0' failed`, then `g_once_init_leave: assertion 'result != 0'`)
//! and returns 0/NULL.
//! Call [`c::tensor_meta_info`] and [`c::json_meta_info`] before [`gva_meta::register`] when a
//! test needs the C side (see `tests/c_registers_first.rs`). [`c::layout`] touches no meta type.

#![warn(missing_docs)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use gst::glib;
use gst::glib::translate::IntoGlib;
use gst::meta::MetaAPI;
use gva_meta::{JsonMeta, NewRegion, TensorMeta, VideoFrame};

/// Raw declarations of the functions in `c/dlstreamer_meta.c` (see `c/dlstreamer_meta.h`).
pub mod ffi {
    use std::ffi::{c_char, c_int, c_uint};

    use gst::glib::ffi::{GType, gboolean, gdouble, gsize};

    /// DL Streamer's `GstGVATensorMeta`, opaque here on purpose: the fixture reads it only
    /// through the C helpers, i.e. through the C compiler's idea of its fields.
    #[repr(C)]
    pub struct GstGVATensorMeta {
        _private: [u8; 0],
    }

    /// DL Streamer's `GstGVAJSONMeta`, opaque for the same reason.
    #[repr(C)]
    pub struct GstGVAJSONMeta {
        _private: [u8; 0],
    }

    /// What `dls_buffer_nth_region` reads from a `GstVideoRegionOfInterestMeta` and its
    /// `"detection"` param (mirror of the C `DlsRegion`; `tests/layout.rs` checks the mirror).
    #[repr(C)]
    #[derive(Debug, Clone, Copy)]
    pub struct DlsRegion {
        /// `g_quark_to_string(roi_type)`, NULL for quark 0.
        pub label: *const c_char,
        /// `id`.
        pub id: c_int,
        /// `parent_id`.
        pub parent_id: c_int,
        /// `x`.
        pub x: c_uint,
        /// `y`.
        pub y: c_uint,
        /// `w`.
        pub w: c_uint,
        /// `h`.
        pub h: c_uint,
        /// Length of the `params` list.
        pub n_params: c_uint,
        /// Whether a `"detection"` param with all five doubles exists.
        pub has_detection: gboolean,
        /// Detection `x_min`.
        pub x_min: gdouble,
        /// Detection `y_min`.
        pub y_min: gdouble,
        /// Detection `x_max`.
        pub x_max: gdouble,
        /// Detection `y_max`.
        pub y_max: gdouble,
        /// Detection `confidence`.
        pub confidence: gdouble,
        /// Whether the detection has an int `label_id`.
        pub has_label_id: gboolean,
        /// Detection `label_id`.
        pub label_id: c_int,
    }

    unsafe extern "C" {
        /// DL Streamer's `gst_gva_tensor_meta_api_get_type()`: registers `"GstGVATensorMetaAPI"`
        /// (no tags) on first call, unconditionally.
        pub fn dls_gva_tensor_meta_api_get_type() -> GType;
        /// DL Streamer's `gst_gva_tensor_meta_get_info()`: registers `"GstGVATensorMeta"` with
        /// DL Streamer's init/free/transform on first call, unconditionally.
        pub fn dls_gva_tensor_meta_get_info() -> *const gst::ffi::GstMetaInfo;
        /// DL Streamer's `gst_gva_json_meta_api_get_type()` (`"GstGVAJSONMetaAPI"`).
        pub fn dls_gva_json_meta_api_get_type() -> GType;
        /// DL Streamer's `gst_gva_json_meta_get_info()` (`"GstGVAJSONMeta"`).
        pub fn dls_gva_json_meta_get_info() -> *const gst::ffi::GstMetaInfo;

        /// DL Streamer's `gva_get_tensor_data()`: the bytes of field `data_buffer`.
        pub fn dls_gva_get_tensor_data(
            s: *const gst::ffi::GstStructure,
            nbytes: *mut gsize,
        ) -> *const std::ffi::c_void;
        /// DL Streamer's `get_json_message()`: `meta->message`.
        pub fn dls_get_json_message(meta: *const GstGVAJSONMeta) -> *const c_char;
        /// DL Streamer's `set_json_message()`: frees the old message, `g_strdup`s the new one.
        pub fn dls_set_json_message(meta: *mut GstGVAJSONMeta, message: *const c_char);

        /// Attaches a tensor meta filled as DL Streamer's inference elements do (see the header);
        /// NULL if the buffer is not writable.
        pub fn dls_buffer_add_tensor_meta(
            buffer: *mut gst::ffi::GstBuffer,
            name: *const c_char,
            model_name: *const c_char,
            layer_name: *const c_char,
            precision: c_int,
            layout: c_int,
            dims: *const c_uint,
            n_dims: c_uint,
            data: *const u8,
            n_bytes: gsize,
        ) -> *mut GstGVATensorMeta;
        /// Attaches a JSON meta holding a copy of `message`; NULL if not writable.
        pub fn dls_buffer_add_json_meta(
            buffer: *mut gst::ffi::GstBuffer,
            message: *const c_char,
        ) -> *mut GstGVAJSONMeta;
        /// Attaches a region as DL Streamer's legacy C++ `add_region` does; NULL if not writable.
        pub fn dls_buffer_add_region(
            buffer: *mut gst::ffi::GstBuffer,
            label: *const c_char,
            x: c_uint,
            y: c_uint,
            w: c_uint,
            h: c_uint,
            x_min: gdouble,
            y_min: gdouble,
            x_max: gdouble,
            y_max: gdouble,
            confidence: gdouble,
            label_id: c_int,
        ) -> *mut gst_video::ffi::GstVideoRegionOfInterestMeta;

        /// `gst_buffer_get_n_meta` for the C tensor API type.
        pub fn dls_buffer_count_tensor_metas(buffer: *mut gst::ffi::GstBuffer) -> c_uint;
        /// The n-th tensor meta in buffer order, or NULL.
        pub fn dls_buffer_nth_tensor_meta(
            buffer: *mut gst::ffi::GstBuffer,
            n: c_uint,
        ) -> *const GstGVATensorMeta;
        /// `gst_structure_get_name(meta->data)`.
        pub fn dls_tensor_meta_name(meta: *const GstGVATensorMeta) -> *const c_char;
        /// A string field of `meta->data`, NULL if absent or not a string.
        pub fn dls_tensor_meta_get_string(
            meta: *const GstGVATensorMeta,
            field: *const c_char,
        ) -> *const c_char;
        /// An int field of `meta->data`.
        pub fn dls_tensor_meta_get_int(
            meta: *const GstGVATensorMeta,
            field: *const c_char,
            value: *mut c_int,
        ) -> gboolean;
        /// `dims` of `meta->data`: count (copies up to `max_dims`), or -1.
        pub fn dls_tensor_meta_get_dims(
            meta: *const GstGVATensorMeta,
            dims: *mut c_uint,
            max_dims: c_uint,
        ) -> c_int;
        /// `data_buffer` bytes of `meta->data`, or NULL.
        pub fn dls_tensor_meta_get_data(
            meta: *const GstGVATensorMeta,
            n_bytes: *mut gsize,
        ) -> *const u8;

        /// `gst_buffer_get_n_meta` for the C JSON API type.
        pub fn dls_buffer_count_json_metas(buffer: *mut gst::ffi::GstBuffer) -> c_uint;
        /// The n-th JSON meta in buffer order, or NULL.
        pub fn dls_buffer_nth_json_meta(
            buffer: *mut gst::ffi::GstBuffer,
            n: c_uint,
        ) -> *const GstGVAJSONMeta;

        /// `gst_buffer_get_n_meta` for `GstVideoRegionOfInterestMetaAPI`.
        pub fn dls_buffer_count_regions(buffer: *mut gst::ffi::GstBuffer) -> c_uint;
        /// Reads the n-th ROI meta into `out`; FALSE if there is none.
        pub fn dls_buffer_nth_region(
            buffer: *mut gst::ffi::GstBuffer,
            n: c_uint,
            out: *mut DlsRegion,
        ) -> gboolean;

        /// Entry `index` of the C layout table (`*name` NULL past the end).
        pub fn dls_layout_entry(index: c_uint, name: *mut *const c_char) -> gsize;
    }
}

/// Safe wrappers over [`ffi`]: owned Rust values in and out.
pub mod c {
    use std::ffi::{CStr, CString, c_char, c_int, c_uint};

    use gst::glib;
    use gst::glib::translate::FromGlib;

    use crate::ffi;

    /// A tensor for C to attach ([`add_tensor`]).
    #[derive(Debug, Clone, Default)]
    pub struct NewTensor<'a> {
        /// Structure name; `None` keeps the init's `"meta"`.
        pub name: Option<&'a str>,
        /// `model_name` field, if any.
        pub model_name: Option<&'a str>,
        /// `layer_name` field, if any.
        pub layer_name: Option<&'a str>,
        /// `precision` field (always set).
        pub precision: i32,
        /// `layout` field (always set).
        pub layout: i32,
        /// `dims` field (array of uint), skipped when empty.
        pub dims: &'a [u32],
        /// `data_buffer` (GVariant `ay`) and `data` (pointer) fields, skipped when `None`.
        pub data: Option<&'a [u8]>,
    }

    /// What C read from a tensor meta, through `meta->data`.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct Tensor {
        /// Structure name (`None` if `meta->data` is NULL).
        pub name: Option<String>,
        /// `model_name`.
        pub model_name: Option<String>,
        /// `layer_name`.
        pub layer_name: Option<String>,
        /// `precision`.
        pub precision: Option<i32>,
        /// `layout`.
        pub layout: Option<i32>,
        /// `dims`, read as DL Streamer does (array of uint).
        pub dims: Option<Vec<u32>>,
        /// `data_buffer` bytes, read with DL Streamer's `gva_get_tensor_data`.
        pub data: Option<Vec<u8>>,
    }

    /// What C read from a `GstVideoRegionOfInterestMeta` and its `"detection"` param.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct Region {
        /// `g_quark_to_string(roi_type)`; `None` for quark 0.
        pub label: Option<String>,
        /// `id`.
        pub id: i32,
        /// `parent_id`.
        pub parent_id: i32,
        /// `(x, y, w, h)` in pixels.
        pub rect: (u32, u32, u32, u32),
        /// Number of param structures.
        pub n_params: u32,
        /// `(x_min, y_min, x_max, y_max, confidence)` of the `"detection"` param.
        pub detection: Option<(f64, f64, f64, f64, f64)>,
        /// `label_id` of the `"detection"` param.
        pub label_id: Option<i32>,
    }

    /// The tensor API type as the C code registers it (registers on first call).
    pub fn tensor_meta_api_type() -> glib::Type {
        // SAFETY: no arguments; GStreamer must be initialized (the caller's test did).
        unsafe { glib::Type::from_glib(ffi::dls_gva_tensor_meta_api_get_type()) }
    }

    /// The tensor meta info as the C code registers it (registers on first call).
    pub fn tensor_meta_info() -> *const gst::ffi::GstMetaInfo {
        // SAFETY: as above.
        unsafe { ffi::dls_gva_tensor_meta_get_info() }
    }

    /// The JSON API type as the C code registers it (registers on first call).
    pub fn json_meta_api_type() -> glib::Type {
        // SAFETY: as above.
        unsafe { glib::Type::from_glib(ffi::dls_gva_json_meta_api_get_type()) }
    }

    /// The JSON meta info as the C code registers it (registers on first call).
    pub fn json_meta_info() -> *const gst::ffi::GstMetaInfo {
        // SAFETY: as above.
        unsafe { ffi::dls_gva_json_meta_get_info() }
    }

    fn cstring(s: &str) -> CString {
        CString::new(s).expect("test strings have no NUL")
    }

    fn opt_cstring(s: Option<&str>) -> Option<CString> {
        s.map(cstring)
    }

    fn opt_ptr(s: &Option<CString>) -> *const c_char {
        s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
    }

    /// # Safety
    /// `p` is NULL or a NUL-terminated string valid for the call.
    unsafe fn owned(p: *const c_char) -> Option<String> {
        // SAFETY: caller's contract.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }

    /// C attaches a tensor meta; `false` if it could not (buffer not writable).
    pub fn add_tensor(buffer: &mut gst::BufferRef, tensor: &NewTensor<'_>) -> bool {
        let (name, model, layer) = (
            opt_cstring(tensor.name),
            opt_cstring(tensor.model_name),
            opt_cstring(tensor.layer_name),
        );
        let (data, n_bytes) = tensor
            .data
            .map_or((std::ptr::null(), 0), |d| (d.as_ptr(), d.len()));
        // SAFETY: valid buffer and strings; arrays with their lengths, all alive for the call.
        let meta = unsafe {
            ffi::dls_buffer_add_tensor_meta(
                buffer.as_mut_ptr(),
                opt_ptr(&name),
                opt_ptr(&model),
                opt_ptr(&layer),
                tensor.precision,
                tensor.layout,
                tensor.dims.as_ptr(),
                tensor.dims.len() as c_uint,
                data,
                n_bytes,
            )
        };
        !meta.is_null()
    }

    /// C attaches a JSON meta; `false` if it could not.
    pub fn add_message(buffer: &mut gst::BufferRef, message: &str) -> bool {
        let message = cstring(message);
        // SAFETY: valid buffer and string.
        !unsafe { ffi::dls_buffer_add_json_meta(buffer.as_mut_ptr(), message.as_ptr()) }.is_null()
    }

    /// C attaches a region with its `"detection"` param (pixels, then
    /// `x_min, y_min, x_max, y_max, confidence`, `label_id`); `false` if it could not.
    pub fn add_region(
        buffer: &mut gst::BufferRef,
        label: &str,
        rect: (u32, u32, u32, u32),
        detection: (f64, f64, f64, f64, f64),
        label_id: i32,
    ) -> bool {
        let label = cstring(label);
        let (x_min, y_min, x_max, y_max, confidence) = detection;
        // SAFETY: valid buffer and string.
        !unsafe {
            ffi::dls_buffer_add_region(
                buffer.as_mut_ptr(),
                label.as_ptr(),
                rect.0,
                rect.1,
                rect.2,
                rect.3,
                x_min,
                y_min,
                x_max,
                y_max,
                confidence,
                label_id,
            )
        }
        .is_null()
    }

    fn raw(buffer: &gst::BufferRef) -> *mut gst::ffi::GstBuffer {
        // The C readers take `GstBuffer *` (as GStreamer's iterators do) but do not modify it.
        buffer.as_ptr() as *mut gst::ffi::GstBuffer
    }

    /// Number of tensor metas, counted by C (`GST_GVA_TENSOR_META_COUNT`).
    pub fn count_tensors(buffer: &gst::BufferRef) -> u32 {
        // SAFETY: valid buffer, read only.
        unsafe { ffi::dls_buffer_count_tensor_metas(raw(buffer)) }
    }

    /// Every tensor meta, read by C through `meta->data`, in buffer order.
    pub fn tensors(buffer: &gst::BufferRef) -> Vec<Tensor> {
        let mut out = Vec::new();
        for n in 0.. {
            // SAFETY: valid buffer, read only.
            let meta = unsafe { ffi::dls_buffer_nth_tensor_meta(raw(buffer), n) };
            if meta.is_null() {
                break;
            }
            // SAFETY: `meta` is attached to `buffer`, which outlives this loop body; field names
            // are NUL-terminated literals.
            unsafe {
                let string = |f: &CStr| owned(ffi::dls_tensor_meta_get_string(meta, f.as_ptr()));
                let int = |f: &CStr| {
                    let mut v: c_int = 0;
                    (ffi::dls_tensor_meta_get_int(meta, f.as_ptr(), &mut v) != 0).then_some(v)
                };
                let n_dims = ffi::dls_tensor_meta_get_dims(meta, std::ptr::null_mut(), 0);
                let dims = (n_dims >= 0).then(|| {
                    let mut dims = vec![0u32; n_dims as usize];
                    ffi::dls_tensor_meta_get_dims(meta, dims.as_mut_ptr(), n_dims as c_uint);
                    dims
                });
                let mut n_bytes = 0;
                let bytes = ffi::dls_tensor_meta_get_data(meta, &mut n_bytes);
                let data =
                    (!bytes.is_null()).then(|| std::slice::from_raw_parts(bytes, n_bytes).to_vec());
                out.push(Tensor {
                    name: owned(ffi::dls_tensor_meta_name(meta)),
                    model_name: string(c"model_name"),
                    layer_name: string(c"layer_name"),
                    precision: int(c"precision"),
                    layout: int(c"layout"),
                    dims,
                    data,
                });
            }
        }
        out
    }

    /// Number of JSON metas, counted by C.
    pub fn count_messages(buffer: &gst::BufferRef) -> u32 {
        // SAFETY: valid buffer, read only.
        unsafe { ffi::dls_buffer_count_json_metas(raw(buffer)) }
    }

    /// Every JSON meta's `meta->message` (`None` for NULL), read by C, in buffer order.
    pub fn messages(buffer: &gst::BufferRef) -> Vec<Option<String>> {
        let mut out = Vec::new();
        for n in 0.. {
            // SAFETY: valid buffer, read only.
            let meta = unsafe { ffi::dls_buffer_nth_json_meta(raw(buffer), n) };
            if meta.is_null() {
                break;
            }
            // SAFETY: `meta` is attached to `buffer`; the message is NULL or NUL-terminated.
            out.push(unsafe { owned(ffi::dls_get_json_message(meta)) });
        }
        out
    }

    /// Number of ROI metas, counted by C.
    pub fn count_regions(buffer: &gst::BufferRef) -> u32 {
        // SAFETY: valid buffer, read only.
        unsafe { ffi::dls_buffer_count_regions(raw(buffer)) }
    }

    /// Every ROI meta, read by C through its fields and params, in buffer order.
    pub fn regions(buffer: &gst::BufferRef) -> Vec<Region> {
        let mut out = Vec::new();
        for n in 0.. {
            let mut r = std::mem::MaybeUninit::<ffi::DlsRegion>::uninit();
            // SAFETY: valid buffer; C fills the whole struct (memset first) when it returns TRUE.
            if unsafe { ffi::dls_buffer_nth_region(raw(buffer), n, r.as_mut_ptr()) } == 0 {
                break;
            }
            // SAFETY: initialized by C (above); the label is a quark string, never freed.
            let r = unsafe { r.assume_init() };
            out.push(Region {
                label: unsafe { owned(r.label) },
                id: r.id,
                parent_id: r.parent_id,
                rect: (r.x, r.y, r.w, r.h),
                n_params: r.n_params,
                detection: (r.has_detection != 0).then_some((
                    r.x_min,
                    r.y_min,
                    r.x_max,
                    r.y_max,
                    r.confidence,
                )),
                label_id: (r.has_label_id != 0).then_some(r.label_id),
            });
        }
        out
    }

    /// The C compiler's layout table: `("sizeof(GstGVATensorMeta)", 16)`,
    /// `("offsetof(GstGVAJSONMeta, message)", 16)`, … in table order.
    pub fn layout() -> Vec<(String, usize)> {
        let mut out = Vec::new();
        for index in 0.. {
            let mut name: *const c_char = std::ptr::null();
            // SAFETY: plain table look-up.
            let value = unsafe { ffi::dls_layout_entry(index, &mut name) };
            // SAFETY: NULL or a static NUL-terminated literal.
            match unsafe { owned(name) } {
                Some(name) => out.push((name, value)),
                None => break,
            }
        }
        out
    }
}

/// The `info` pointer of every meta of `api` on `buffer`.
pub fn meta_infos(buffer: &gst::BufferRef, api: glib::Type) -> Vec<*const gst::ffi::GstMetaInfo> {
    let mut out = Vec::new();
    let mut state: glib::ffi::gpointer = std::ptr::null_mut();
    loop {
        // SAFETY: iterating a valid buffer's metas; the buffer is not modified meanwhile.
        let meta = unsafe {
            gst::ffi::gst_buffer_iterate_meta_filtered(
                buffer.as_ptr() as *mut gst::ffi::GstBuffer,
                &mut state,
                api.into_glib(),
            )
        };
        if meta.is_null() {
            return out;
        }
        // SAFETY: a meta attached to the buffer.
        out.push(unsafe { (*meta).info });
    }
}

/// The sample that [`gva_interop_attach_sample`] attaches and [`gva_interop_check_sample`]
/// expects.
pub mod sample {
    /// Region box in pixels `(x, y, w, h)`.
    pub const REGION: (i64, i64, i64, i64) = (10, 20, 30, 40);
    /// Region label.
    pub const LABEL: &str = "face";
    /// Region confidence.
    pub const CONFIDENCE: f64 = 0.5;
    /// Region `label_id`.
    pub const LABEL_ID: i32 = 1;
    /// Tensor `layer_name`.
    pub const LAYER_NAME: &str = "prob";
    /// Tensor `precision` (U8 = 40).
    pub const PRECISION: gva_meta::Precision = gva_meta::Precision::U8;
    /// Tensor `dims`.
    pub const DIMS: [u32; 2] = [1, 4];
    /// Tensor `data_buffer` bytes.
    pub const DATA: [u8; 4] = [1, 2, 3, 4];
    /// JSON message.
    pub const MESSAGE: &str = r#"{"k":1}"#;
}

/// Return codes of the exported functions (0 = success).
pub mod status {
    /// Success.
    pub const OK: i32 = 0;
    /// The buffer pointer is NULL.
    pub const NULL_BUFFER: i32 = -1;
    /// `gst_init` has not been called in this process.
    pub const NOT_INITIALIZED: i32 = -2;
    /// Width or height is 0, or no BGRx `VideoInfo` of that size can be built.
    pub const BAD_SIZE: i32 = -3;
    /// The buffer is not writable.
    pub const NOT_WRITABLE: i32 = -4;
    /// `gva-meta` returned another error.
    pub const GVA_ERROR: i32 = -5;
    /// The buffer's metas are not exactly the sample ([`super::gva_interop_check_sample`]).
    pub const MISMATCH: i32 = -6;
    /// A panic was caught (a bug in this fixture or in `gva-meta`).
    pub const PANIC: i32 = -99;
}

fn gst_initialized() -> bool {
    // SAFETY: plain query.
    unsafe { gst::ffi::gst_is_initialized() != glib::ffi::GFALSE }
}

fn video_info(width: u32, height: u32) -> Result<gst_video::VideoInfo, i32> {
    if width == 0 || height == 0 {
        return Err(status::BAD_SIZE);
    }
    gst_video::VideoInfo::builder(gst_video::VideoFormat::Bgrx, width, height)
        .build()
        .map_err(|_| status::BAD_SIZE)
}

fn gva_status(e: gva_meta::Error) -> i32 {
    match e {
        gva_meta::Error::NotWritable => status::NOT_WRITABLE,
        _ => status::GVA_ERROR,
    }
}

/// Runs `f` with GStreamer checks and without letting a panic cross the C ABI.
fn guarded(buffer: *mut gst::ffi::GstBuffer, f: impl FnOnce() -> Result<(), i32>) -> i32 {
    if buffer.is_null() {
        return status::NULL_BUFFER;
    }
    if !gst_initialized() {
        return status::NOT_INITIALIZED;
    }
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => status::OK,
        Ok(Err(code)) => code,
        Err(_) => status::PANIC,
    }
}

/// Attaches the [`sample`] with this copy of `gva-meta`, viewing `buffer` as a BGRx frame of
/// `width` x `height`: one region (pixels 10,20,30,40, label `"face"`, confidence 0.5,
/// `label_id` 1), one tensor meta (`layer_name` `"prob"`, precision U8, dims `[1, 4]`, data
/// `[1, 2, 3, 4]`) and one JSON message `{"k":1}`.
///
/// Returns 0 on success or a negative [`status`] code; never panics across the ABI. GStreamer
/// must be initialized. A region that does not fit the frame is clipped by `gva-meta`.
///
/// # Safety
/// `buffer` must be NULL or a valid `GstBuffer` not accessed concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gva_interop_attach_sample(
    buffer: *mut gst::ffi::GstBuffer,
    width: u32,
    height: u32,
) -> i32 {
    guarded(buffer, || {
        let info = video_info(width, height)?;
        // SAFETY: non-NULL valid buffer (checked by `guarded`, caller's contract).
        let buffer = unsafe { gst::BufferRef::from_mut_ptr(buffer) };
        let mut frame = VideoFrame::new(buffer, info);
        let (x, y, w, h) = sample::REGION;
        frame
            .add_region(
                &NewRegion::pixels(x, y, w, h)
                    .label(sample::LABEL)
                    .confidence(sample::CONFIDENCE)
                    .label_id(sample::LABEL_ID),
            )
            .map_err(gva_status)?;
        let tensor = frame.add_tensor().map_err(gva_status)?;
        tensor
            .set_str("layer_name", sample::LAYER_NAME)
            .map_err(gva_status)?;
        tensor.set_precision(sample::PRECISION);
        tensor.set_dims(&sample::DIMS);
        tensor.set_data(&sample::DATA);
        frame.add_message(sample::MESSAGE).map_err(gva_status)?;
        Ok(())
    })
}

/// Reads `buffer` with this copy of `gva-meta` and checks that its metas are exactly the
/// [`sample`]: one region, one tensor, one message, with the sample's values (normalized box
/// `10/width, 20/height, 40/width, 60/height` within 1e-12).
///
/// Returns 0 if so, [`status::MISMATCH`] if not, another negative [`status`] code on error.
///
/// # Safety
/// `buffer` must be NULL or a valid `GstBuffer` not written concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gva_interop_check_sample(
    buffer: *mut gst::ffi::GstBuffer,
    width: u32,
    height: u32,
) -> i32 {
    guarded(buffer, || {
        let info = video_info(width, height)?;
        // SAFETY: non-NULL valid buffer (checked by `guarded`, caller's contract).
        let buffer = unsafe { gst::BufferRef::from_ptr(buffer) };
        let frame = VideoFrame::new(buffer, info);
        if is_sample(&frame, width, height) {
            Ok(())
        } else {
            Err(status::MISMATCH)
        }
    })
}

fn is_sample(frame: &VideoFrame<&gst::BufferRef>, width: u32, height: u32) -> bool {
    let regions: Vec<_> = frame.regions().collect();
    let tensors: Vec<_> = frame.tensors().collect();
    let messages: Vec<_> = frame.messages().collect();
    let ([region], [tensor], [message]) = (&regions[..], &tensors[..], &messages[..]) else {
        return false;
    };
    let (x, y, w, h) = sample::REGION;
    let (fw, fh) = (f64::from(width), f64::from(height));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12;
    let rect = region.rect();
    let region_ok = region.label().is_ok_and(|l| l == sample::LABEL)
        && (
            i64::from(rect.x),
            i64::from(rect.y),
            i64::from(rect.w),
            i64::from(rect.h),
        ) == (x, y, w, h)
        && region.confidence() == Ok(sample::CONFIDENCE)
        && region.label_id() == Ok(sample::LABEL_ID)
        && region.detection().is_some_and(|d| {
            [
                ("x_min", x as f64 / fw),
                ("y_min", y as f64 / fh),
                ("x_max", (x + w) as f64 / fw),
                ("y_max", (y + h) as f64 / fh),
            ]
            .iter()
            .all(|&(field, want)| d.get_f64(field).is_ok_and(|v| close(v, want)))
        });
    let tensor_ok = tensor.name() == "meta"
        && tensor.layer_name() == Ok(sample::LAYER_NAME)
        && tensor.precision() == Ok(sample::PRECISION)
        && tensor.dims().is_ok_and(|d| d == sample::DIMS)
        && tensor.data() == Ok(&sample::DATA[..]);
    region_ok && tensor_ok && message.text() == Ok(sample::MESSAGE)
}

/// Registers both GVA metas with this copy of `gva-meta` ([`gva_meta::register`]); 0 on
/// success, a negative [`status`] code otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn gva_interop_register() -> i32 {
    if !gst_initialized() {
        return status::NOT_INITIALIZED;
    }
    match catch_unwind(gva_meta::register) {
        Ok(Ok(())) => status::OK,
        Ok(Err(e)) => gva_status(e),
        Err(_) => status::PANIC,
    }
}

/// The `GstGVATensorMetaAPI` GType as this copy of `gva-meta` sees it (0 if not initialized).
#[unsafe(no_mangle)]
pub extern "C" fn gva_interop_tensor_meta_api_type() -> glib::ffi::GType {
    if !gst_initialized() {
        return 0;
    }
    catch_unwind(|| TensorMeta::meta_api().into_glib()).unwrap_or(0)
}

/// The `GstGVAJSONMetaAPI` GType as this copy of `gva-meta` sees it (0 if not initialized).
#[unsafe(no_mangle)]
pub extern "C" fn gva_interop_json_meta_api_type() -> glib::ffi::GType {
    if !gst_initialized() {
        return 0;
    }
    catch_unwind(|| JsonMeta::meta_api().into_glib()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sample_precision_is_dlstreamers_u8() {
        assert_eq!(super::sample::PRECISION as i32, 40);
    }

    #[test]
    fn exported_functions_refuse_a_null_buffer() {
        // SAFETY: NULL is allowed.
        unsafe {
            assert_eq!(
                super::gva_interop_attach_sample(std::ptr::null_mut(), 64, 64),
                super::status::NULL_BUFFER
            );
            assert_eq!(
                super::gva_interop_check_sample(std::ptr::null_mut(), 64, 64),
                super::status::NULL_BUFFER
            );
        }
    }
}
