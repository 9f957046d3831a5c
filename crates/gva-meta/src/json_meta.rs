//! `GstGVAJSONMeta`: a JSON message (e.g. gvametaconvert's output) carried by a buffer.

use std::ffi::{CStr, c_char};
use std::fmt;

use gst::glib;
use gst::meta::{MetaAPI, MetaAPIExt};

use crate::registry::{self, MetaFunctions, MetaInfo, Registration};
use crate::{Error, strings};

/// The C layout, identical to DL Streamer's `GstGVAJSONMeta`.
#[repr(C)]
pub struct GstGVAJSONMeta {
    /// The common `GstMeta` header.
    pub meta: gst::ffi::GstMeta,
    /// The message, a `g_malloc`ed NUL-terminated string (may be NULL).
    pub message: *mut c_char,
}

/// API type name, as DL Streamer registers it.
pub const JSON_META_API_NAME: &str = "GstGVAJSONMetaAPI";
/// Implementation name, as DL Streamer registers it.
pub const JSON_META_IMPL_NAME: &str = "GstGVAJSONMeta";

/// A `GstGVAJSONMeta` attached to a buffer (use through `MetaRef` / `MetaRefMut`).
#[repr(transparent)]
pub struct JsonMeta(GstGVAJSONMeta);

// SAFETY: reached only through a buffer reference, under GStreamer's usual rules.
unsafe impl Send for JsonMeta {}
unsafe impl Sync for JsonMeta {}

impl JsonMeta {
    /// Attaches `message` to a writable buffer (copied; not validated as JSON, like DL Streamer).
    pub fn add<'a>(
        buffer: &'a mut gst::BufferRef,
        message: &str,
    ) -> Result<gst::MetaRefMut<'a, Self, gst::meta::Standalone>, Error> {
        let copy = strings::g_strdup(message, "a JSON message")?;
        let meta = match registry::add_meta(buffer, meta_info()?) {
            Ok(meta) => meta,
            Err(e) => {
                // SAFETY: `copy` was allocated by g_strdup above and is not stored anywhere.
                unsafe { glib::ffi::g_free(copy as glib::ffi::gpointer) };
                return Err(e);
            }
        };
        // SAFETY: the meta was just added to this buffer with our meta info; init left NULL.
        unsafe {
            let raw = meta.as_ptr() as *mut GstGVAJSONMeta;
            (*raw).message = copy;
            Ok(Self::from_mut_ptr(buffer, raw))
        }
    }

    /// The message text; a NULL message reads as `""`.
    pub fn message(&self) -> Result<&str, Error> {
        if self.0.message.is_null() {
            return Ok("");
        }
        // SAFETY: a non-NULL message is a NUL-terminated string owned by this meta.
        let bytes = unsafe { CStr::from_ptr(self.0.message) };
        strings::to_str(bytes, || "a JSON message".to_owned())
    }

    /// Replaces the message text.
    pub fn set_message(&mut self, message: &str) -> Result<(), Error> {
        let copy = strings::g_strdup(message, "a JSON message")?;
        // SAFETY: the old message was allocated with g_malloc (or is NULL).
        unsafe { glib::ffi::g_free(self.0.message as glib::ffi::gpointer) };
        self.0.message = copy;
        Ok(())
    }
}

impl fmt::Debug for JsonMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonMeta")
            .field("message", &self.message())
            .finish()
    }
}

static REGISTRATION: Registration = Registration::new(
    c"GstGVAJSONMetaAPI",
    c"GstGVAJSONMeta",
    MetaFunctions {
        size: std::mem::size_of::<GstGVAJSONMeta>(),
        init: Some(init),
        free: Some(free),
        transform: Some(transform),
    },
);

unsafe impl MetaAPI for JsonMeta {
    type GstType = GstGVAJSONMeta;

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
    unsafe { (*(meta as *mut GstGVAJSONMeta)).message = std::ptr::null_mut() };
    glib::ffi::GTRUE
}

unsafe extern "C" fn free(meta: *mut gst::ffi::GstMeta, _buffer: *mut gst::ffi::GstBuffer) {
    // SAFETY: GStreamer passes one of our metas; the message is g_malloc'ed or NULL.
    unsafe {
        let meta = meta as *mut GstGVAJSONMeta;
        glib::ffi::g_free((*meta).message as glib::ffi::gpointer);
        (*meta).message = std::ptr::null_mut();
    }
}

/// Every transform copies the message: it does not depend on pixels.
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
        let src = meta as *const GstGVAJSONMeta;
        (*(added.as_ptr() as *mut GstGVAJSONMeta)).message = glib::ffi::g_strdup((*src).message);
    }
    glib::ffi::GTRUE
}
