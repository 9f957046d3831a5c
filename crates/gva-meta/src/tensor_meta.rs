//! `GstGVATensorMeta`: a frame-level inference result, one `GstStructure` per meta.

use std::fmt;

use gst::glib;
use gst::meta::{MetaAPI, MetaAPIExt};

use crate::registry::{self, MetaFunctions, MetaInfo, Registration};
use crate::{Error, Tensor};

/// The C layout, identical to DL Streamer's `GstGVATensorMeta`.
#[repr(C)]
pub struct GstGVATensorMeta {
    /// The common `GstMeta` header.
    pub meta: gst::ffi::GstMeta,
    /// The tensor's fields (never NULL for metas created by this crate or DL Streamer).
    pub data: *mut gst::ffi::GstStructure,
}

/// API type name, as DL Streamer registers it.
pub const TENSOR_META_API_NAME: &str = "GstGVATensorMetaAPI";
/// Implementation name, as DL Streamer registers it.
pub const TENSOR_META_IMPL_NAME: &str = "GstGVATensorMeta";

/// A `GstGVATensorMeta` attached to a buffer (use through `MetaRef` / `MetaRefMut`).
#[repr(transparent)]
pub struct TensorMeta(GstGVATensorMeta);

// SAFETY: the meta is only reached through a buffer reference, which carries the usual
// GStreamer thread-safety rules.
unsafe impl Send for TensorMeta {}
unsafe impl Sync for TensorMeta {}

impl TensorMeta {
    /// Attaches a new tensor meta (an empty structure named `"meta"`) to a writable buffer.
    pub fn add(
        buffer: &mut gst::BufferRef,
    ) -> Result<gst::MetaRefMut<'_, Self, gst::meta::Standalone>, Error> {
        let meta = registry::add_meta(buffer, meta_info()?)?;
        // SAFETY: the meta was just added to this buffer with our meta info.
        Ok(unsafe { Self::from_mut_ptr(buffer, meta.as_ptr() as *mut GstGVATensorMeta) })
    }

    /// The tensor this meta holds, `None` only if foreign C code left `data` NULL.
    pub fn tensor(&self) -> Option<&Tensor> {
        // SAFETY: a non-NULL `data` is a structure owned by this meta.
        unsafe { self.0.data.as_ref().map(|s| Tensor::from_ptr(s)) }
    }

    /// The tensor this meta holds, for writing.
    pub fn tensor_mut(&mut self) -> Option<&mut Tensor> {
        // SAFETY: a non-NULL `data` is a structure owned by this meta, borrowed mutably with it.
        unsafe { self.0.data.as_mut().map(|s| Tensor::from_mut_ptr(s)) }
    }
}

impl fmt::Debug for TensorMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TensorMeta")
            .field("tensor", &self.tensor())
            .finish()
    }
}

static REGISTRATION: Registration = Registration::new(
    c"GstGVATensorMetaAPI",
    c"GstGVATensorMeta",
    MetaFunctions {
        size: std::mem::size_of::<GstGVATensorMeta>(),
        init: Some(init),
        free: Some(free),
        transform: Some(transform),
    },
);

unsafe impl MetaAPI for TensorMeta {
    type GstType = GstGVATensorMeta;

    fn meta_api() -> glib::Type {
        REGISTRATION.api_type()
    }
}

/// The registered implementation (registered on first use if no other copy did).
pub(crate) fn meta_info() -> Result<MetaInfo, Error> {
    REGISTRATION.meta_info()
}

unsafe extern "C" fn init(
    meta: *mut gst::ffi::GstMeta,
    _params: glib::ffi::gpointer,
    _buffer: *mut gst::ffi::GstBuffer,
) -> glib::ffi::gboolean {
    // SAFETY: GStreamer passes a meta of our registered size.
    unsafe {
        let meta = meta as *mut GstGVATensorMeta;
        (*meta).data = gst::ffi::gst_structure_new_empty(c"meta".as_ptr());
    }
    glib::ffi::GTRUE
}

unsafe extern "C" fn free(meta: *mut gst::ffi::GstMeta, _buffer: *mut gst::ffi::GstBuffer) {
    // SAFETY: GStreamer passes one of our metas; `data` is owned by it.
    unsafe {
        let meta = meta as *mut GstGVATensorMeta;
        if !(*meta).data.is_null() {
            gst::ffi::gst_structure_free((*meta).data);
            (*meta).data = std::ptr::null_mut();
        }
    }
}

/// Every transform (copy, scale, convert…) copies the structure: a tensor does not depend on
/// pixels.
unsafe extern "C" fn transform(
    dest: *mut gst::ffi::GstBuffer,
    meta: *mut gst::ffi::GstMeta,
    _src: *mut gst::ffi::GstBuffer,
    _type: glib::ffi::GQuark,
    _data: glib::ffi::gpointer,
) -> glib::ffi::gboolean {
    // SAFETY: GStreamer passes a valid destination buffer and one of our metas.
    unsafe {
        let dest = gst::BufferRef::from_mut_ptr(dest);
        let Ok(info) = meta_info() else {
            return glib::ffi::GFALSE;
        };
        let Ok(added) = registry::add_meta(dest, info) else {
            return glib::ffi::GFALSE;
        };
        let src = meta as *const GstGVATensorMeta;
        let dst = added.as_ptr() as *mut GstGVATensorMeta;
        if !(*dst).data.is_null() {
            gst::ffi::gst_structure_free((*dst).data);
        }
        (*dst).data = if (*src).data.is_null() {
            gst::ffi::gst_structure_new_empty(c"meta".as_ptr())
        } else {
            gst::ffi::gst_structure_copy((*src).data)
        };
    }
    glib::ffi::GTRUE
}
