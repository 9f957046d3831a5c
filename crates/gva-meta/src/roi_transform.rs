//! Keeps a region's parameter structures when GStreamer copies or scales the region.
//!
//! GStreamer's own transform of `GstVideoRegionOfInterestMeta` drops the `params` list when it
//! scales a region (`videoscale`, every version up to at least 1.26), and 1.22 drops it on plain
//! copies too (`gst_buffer_copy`, `videoconvert`). The `"detection"` structure — the normalized
//! box, the confidence, the class — would vanish at the first converter. DL Streamer ships a
//! patched GStreamer; we cannot, so this module wraps the registered transform function once per
//! process: it calls the original, then gives the new region a deep copy of the source's
//! parameters if the original left it without any.
//!
//! The wrap is idempotent across copies of this crate: a second wrapper around the first finds
//! the parameters already copied and does nothing, and so does the wrapper on a GStreamer that
//! copies them itself.

use std::sync::OnceLock;

use gst::glib;
use gst_video::ffi::GstVideoRegionOfInterestMeta;

/// The transform function that was registered before ours.
static ORIGINAL: OnceLock<gst::ffi::GstMetaTransformFunction> = OnceLock::new();

/// Installs the wrapper (once per process for this copy of the crate).
pub(crate) fn install() {
    ORIGINAL.get_or_init(|| {
        // SAFETY: the meta info is registered by GStreamer and never freed; a pointer-sized,
        // aligned store replaces the function, which GStreamer only reads.
        unsafe {
            let info = gst_video::ffi::gst_video_region_of_interest_meta_get_info()
                as *mut gst::ffi::GstMetaInfo;
            if info.is_null() {
                return None;
            }
            let original = (*info).transform_func;
            (*info).transform_func = Some(transform);
            original
        }
    });
}

unsafe extern "C" fn transform(
    dest: *mut gst::ffi::GstBuffer,
    meta: *mut gst::ffi::GstMeta,
    src: *mut gst::ffi::GstBuffer,
    type_: glib::ffi::GQuark,
    data: glib::ffi::gpointer,
) -> glib::ffi::gboolean {
    let Some(Some(original)) = ORIGINAL.get().copied() else {
        return glib::ffi::GFALSE;
    };
    // SAFETY: GStreamer's arguments are passed through unchanged.
    let done = unsafe { original(dest, meta, src, type_, data) };
    if done == glib::ffi::GFALSE {
        return done;
    }
    // SAFETY: `meta` is a ROI meta of `src`; `dest` got a new ROI meta from the original
    // transform, the last one on it with the same id.
    unsafe {
        let smeta = meta as *const GstVideoRegionOfInterestMeta;
        if (*smeta).params.is_null() {
            return done;
        }
        if let Some(dmeta) = last_region_with_id(dest, (*smeta).id)
            && (*dmeta).params.is_null()
        {
            (*dmeta).params = glib::ffi::g_list_copy_deep(
                (*smeta).params,
                Some(copy_structure),
                std::ptr::null_mut(),
            );
        }
    }
    done
}

unsafe extern "C" fn copy_structure(
    s: glib::ffi::gconstpointer,
    _data: glib::ffi::gpointer,
) -> glib::ffi::gpointer {
    // SAFETY: the list holds structures.
    unsafe {
        gst::ffi::gst_structure_copy(s as *const gst::ffi::GstStructure) as glib::ffi::gpointer
    }
}

/// # Safety
/// `buffer` must be a valid buffer.
unsafe fn last_region_with_id(
    buffer: *mut gst::ffi::GstBuffer,
    id: i32,
) -> Option<*mut GstVideoRegionOfInterestMeta> {
    // SAFETY: iterating a valid buffer's metas.
    unsafe {
        let api = gst_video::ffi::gst_video_region_of_interest_meta_api_get_type();
        let mut state: glib::ffi::gpointer = std::ptr::null_mut();
        let mut found = None;
        loop {
            let m = gst::ffi::gst_buffer_iterate_meta_filtered(buffer, &mut state, api);
            if m.is_null() {
                return found;
            }
            let roi = m as *mut GstVideoRegionOfInterestMeta;
            if (*roi).id == id {
                found = Some(roi);
            }
        }
    }
}
