//! A per-buffer count of removed metas, so that handles to metas (e.g. the Python bindings'
//! `RegionOfInterest`) can tell cheaply whether their meta may be gone.
//!
//! The count lives on the buffer itself (GstMiniObject qdata, keyed by a quark name shared by
//! every copy of this crate in the process), so all views of one buffer see the same count. It
//! is bumped by the free function of every region, tensor and JSON meta — whoever removes it:
//! gva-meta, GStreamer's API from C or PyGObject, a buffer pool resetting the buffer. The free
//! functions are wrapped once per process (like `roi_transform`); a second copy of this crate
//! wrapping again only bumps twice, which is harmless: handles only compare counts.

use std::sync::OnceLock;

use gst::glib;
use gst::glib::translate::IntoGlib;

fn quark() -> glib::ffi::GQuark {
    static Q: OnceLock<glib::ffi::GQuark> = OnceLock::new();
    *Q.get_or_init(|| glib::Quark::from_str("gva-rs-meta-removals").into_glib())
}

/// How many region, tensor and JSON metas have been removed from `buffer` so far (wrapping).
pub fn removal_count(buffer: &gst::BufferRef) -> usize {
    install();
    // SAFETY: qdata look-up on a valid buffer.
    unsafe {
        gst::ffi::gst_mini_object_get_qdata(
            buffer.as_ptr() as *mut gst::ffi::GstMiniObject,
            quark(),
        ) as usize
    }
}

/// Counts one removal, unless the buffer is being destroyed (its qdata are already gone then,
/// and nothing can observe the count any more).
///
/// # Safety
/// `buffer` must be NULL or the buffer the meta was attached to.
unsafe fn count_removal(buffer: *mut gst::ffi::GstBuffer) {
    if buffer.is_null() {
        return;
    }
    let object = buffer as *mut gst::ffi::GstMiniObject;
    // SAFETY: reading the refcount of the buffer whose meta is being freed.
    let refcount = unsafe { std::ptr::read_volatile(&(*object).refcount) };
    if refcount <= 0 {
        return;
    }
    // SAFETY: a live buffer; qdata updates are thread-safe in GStreamer.
    unsafe {
        let next = (gst::ffi::gst_mini_object_get_qdata(object, quark()) as usize).wrapping_add(1);
        gst::ffi::gst_mini_object_set_qdata(object, quark(), next as glib::ffi::gpointer, None);
    }
}

macro_rules! free_hook {
    ($original:ident, $wrapper:ident) => {
        static $original: OnceLock<gst::ffi::GstMetaFreeFunction> = OnceLock::new();

        unsafe extern "C" fn $wrapper(
            meta: *mut gst::ffi::GstMeta,
            buffer: *mut gst::ffi::GstBuffer,
        ) {
            // SAFETY: GStreamer's arguments, passed through to the function we replaced.
            unsafe {
                if let Some(Some(original)) = $original.get().copied() {
                    original(meta, buffer);
                }
                count_removal(buffer);
            }
        }
    };
}

free_hook!(ROI_ORIGINAL, roi_free);
free_hook!(TENSOR_ORIGINAL, tensor_free);
free_hook!(JSON_ORIGINAL, json_free);

/// Replaces `info`'s free function by `wrapper`, remembering the original in `original`.
fn hook(
    info: *const gst::ffi::GstMetaInfo,
    original: &'static OnceLock<gst::ffi::GstMetaFreeFunction>,
    wrapper: unsafe extern "C" fn(*mut gst::ffi::GstMeta, *mut gst::ffi::GstBuffer),
) {
    if info.is_null() {
        return;
    }
    original.get_or_init(|| {
        // SAFETY: registered meta infos live forever; a pointer-sized aligned store replaces a
        // function GStreamer only reads.
        unsafe {
            let info = info as *mut gst::ffi::GstMetaInfo;
            let previous = (*info).free_func;
            (*info).free_func = Some(wrapper);
            previous
        }
    });
}

/// Wraps the free functions of the three metas (once per process for this copy).
pub(crate) fn install() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        // SAFETY: GStreamer's own registration of the ROI meta.
        let roi = unsafe { gst_video::ffi::gst_video_region_of_interest_meta_get_info() };
        hook(roi, &ROI_ORIGINAL, roi_free);
        if let Ok(info) = crate::tensor_meta::meta_info() {
            hook(info.as_ptr(), &TENSOR_ORIGINAL, tensor_free);
        }
        if let Ok(info) = crate::json_meta::meta_info() {
            hook(info.as_ptr(), &JSON_ORIGINAL, json_free);
        }
    });
}
