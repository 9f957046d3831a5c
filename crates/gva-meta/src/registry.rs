//! Look-up-or-register by name for metas that several copies of this crate share in one process.
//!
//! The `gva` plugin, the `gvapython` plugin and the `gstgva` extension each link their own copy of
//! `gva-meta`, and DL Streamer's C library may be loaded too. GStreamer refuses a second
//! registration of the same name (GType 0 plus a GLib CRITICAL for the API type, NULL for the
//! meta info), so every copy first asks GStreamer whether the name is already known and only
//! registers when it is not. Whichever copy comes first provides the init/free/transform
//! functions; the others agree because the C layout and the functions' behaviour are identical,
//! and plugins and extensions are never unloaded.

use std::ffi::CStr;
use std::ptr;
use std::sync::OnceLock;

use gst::glib;
use gst::glib::translate::{FromGlib, IntoGlib};

use crate::Error;

/// A registered `GstMetaInfo`, shareable between threads (GStreamer never frees it).
#[derive(Clone, Copy)]
pub(crate) struct MetaInfo(pub(crate) ptr::NonNull<gst::ffi::GstMetaInfo>);

// SAFETY: a GstMetaInfo is immutable after registration and lives for the whole process.
unsafe impl Send for MetaInfo {}
unsafe impl Sync for MetaInfo {}

impl MetaInfo {
    pub(crate) fn as_ptr(self) -> *const gst::ffi::GstMetaInfo {
        self.0.as_ptr()
    }
}

/// The meta API type called `name`, registered with no tags if nobody registered it yet.
///
/// No tags means the meta carries nothing that depends on pixels, so elements that transform
/// pixels (videoconvert, videoscale) keep it.
fn api_type(name: &CStr) -> Result<glib::Type, Error> {
    // SAFETY: plain GLib/GStreamer calls with valid NUL-terminated strings.
    let gtype = unsafe {
        let existing = glib::gobject_ffi::g_type_from_name(name.as_ptr());
        if existing != 0 {
            existing
        } else {
            let mut tags = [ptr::null::<std::ffi::c_char>()];
            gst::ffi::gst_meta_api_type_register(name.as_ptr(), tags.as_mut_ptr())
        }
    };
    if gtype == 0 {
        return Err(Error::Gst("to register the meta API type"));
    }
    // SAFETY: a non-zero GType returned by GLib.
    Ok(unsafe { glib::Type::from_glib(gtype) })
}

/// The C functions of a meta implementation.
pub(crate) struct MetaFunctions {
    pub(crate) size: usize,
    pub(crate) init: gst::ffi::GstMetaInitFunction,
    pub(crate) free: gst::ffi::GstMetaFreeFunction,
    pub(crate) transform: gst::ffi::GstMetaTransformFunction,
}

/// One meta of ours: its names and functions, and the registration found or made on first use.
pub(crate) struct Registration {
    api_name: &'static CStr,
    impl_name: &'static CStr,
    functions: MetaFunctions,
    api: OnceLock<Result<glib::Type, Error>>,
    info: OnceLock<Result<MetaInfo, Error>>,
}

impl Registration {
    pub(crate) const fn new(
        api_name: &'static CStr,
        impl_name: &'static CStr,
        functions: MetaFunctions,
    ) -> Self {
        Self {
            api_name,
            impl_name,
            functions,
            api: OnceLock::new(),
            info: OnceLock::new(),
        }
    }

    /// The API type (`glib::Type::INVALID` if GStreamer refused it, which matches no meta).
    pub(crate) fn api_type(&self) -> glib::Type {
        self.api_result().unwrap_or(glib::Type::INVALID)
    }

    fn api_result(&self) -> Result<glib::Type, Error> {
        self.api.get_or_init(|| api_type(self.api_name)).clone()
    }

    /// The implementation, registered on first use if no other copy did.
    pub(crate) fn meta_info(&self) -> Result<MetaInfo, Error> {
        self.info
            .get_or_init(|| meta_info(self.api_result()?, self.impl_name, &self.functions))
            .clone()
    }
}

/// The meta implementation called `impl_name` for `api`, registered if nobody registered it yet.
fn meta_info(
    api: glib::Type,
    impl_name: &CStr,
    functions: &MetaFunctions,
) -> Result<MetaInfo, Error> {
    // SAFETY: plain GStreamer calls with valid arguments; the functions match the C signatures.
    let info = unsafe {
        let existing = gst::ffi::gst_meta_get_info(impl_name.as_ptr());
        if !existing.is_null() {
            // Another copy registered it: it must be the same meta, or reading it as ours would
            // read past its end.
            if (*existing).api != api.into_glib() || (*existing).size < functions.size {
                return Err(Error::Gst(
                    "a meta of this name registered by someone else with another API type or size",
                ));
            }
            existing
        } else {
            gst::ffi::gst_meta_register(
                api.into_glib(),
                impl_name.as_ptr(),
                functions.size,
                functions.init,
                functions.free,
                functions.transform,
            )
        }
    };
    ptr::NonNull::new(info as *mut gst::ffi::GstMetaInfo)
        .map(MetaInfo)
        .ok_or(Error::Gst("to register the meta implementation"))
}

/// Whether `buffer` may get or lose metadata now (GStreamer's own writability rule).
pub(crate) fn is_writable(buffer: &gst::BufferRef) -> bool {
    // SAFETY: the pointer is a valid buffer for the duration of the call.
    unsafe {
        gst::ffi::gst_mini_object_is_writable(buffer.as_ptr() as *const gst::ffi::GstMiniObject)
            != glib::ffi::GFALSE
    }
}

/// Adds the meta described by `info` to `buffer`, or says why it can't.
pub(crate) fn add_meta(
    buffer: &mut gst::BufferRef,
    info: MetaInfo,
) -> Result<ptr::NonNull<gst::ffi::GstMeta>, Error> {
    if !is_writable(buffer) {
        return Err(Error::NotWritable);
    }
    // SAFETY: the buffer is valid and writable (checked above, so no CRITICAL).
    let meta = unsafe {
        gst::ffi::gst_buffer_add_meta(buffer.as_mut_ptr(), info.as_ptr(), ptr::null_mut())
    };
    ptr::NonNull::new(meta).ok_or(Error::Gst("to add the meta"))
}

/// Removes `meta` from `buffer`.
///
/// # Safety
/// `meta` must be attached to `buffer` (found by iterating the buffer's metas just before).
pub(crate) unsafe fn remove_meta(
    buffer: &mut gst::BufferRef,
    meta: ptr::NonNull<gst::ffi::GstMeta>,
) -> Result<(), Error> {
    if !is_writable(buffer) {
        return Err(Error::NotWritable);
    }
    // SAFETY: `meta` is attached to the buffer (caller's contract), so it is valid to read.
    if unsafe { (*meta.as_ptr()).flags } & gst::ffi::GST_META_FLAG_LOCKED != 0 {
        return Err(Error::Gst("to remove a locked meta"));
    }
    // SAFETY: writable buffer, unlocked meta attached to it.
    let removed = unsafe { gst::ffi::gst_buffer_remove_meta(buffer.as_mut_ptr(), meta.as_ptr()) };
    if removed == glib::ffi::GFALSE {
        return Err(Error::Gst("to remove the meta"));
    }
    Ok(())
}
