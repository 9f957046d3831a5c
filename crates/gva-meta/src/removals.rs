//! A per-buffer count of metas removed through gva-meta, so that handles to metas (e.g. the
//! Python bindings' `RegionOfInterest`) can tell cheaply whether their meta may be gone.
//!
//! The count lives on the buffer itself (GstMiniObject qdata, keyed by a quark name shared by
//! every copy of this crate in the process), so all views of one buffer see the same count.

use std::sync::OnceLock;

use gst::glib;
use gst::glib::translate::IntoGlib;

fn quark() -> glib::ffi::GQuark {
    static Q: OnceLock<glib::ffi::GQuark> = OnceLock::new();
    *Q.get_or_init(|| glib::Quark::from_str("gva-rs-meta-removals").into_glib())
}

/// How many metas gva-meta has removed from `buffer` so far (wrapping).
pub fn removal_count(buffer: &gst::BufferRef) -> usize {
    // SAFETY: qdata look-up on a valid buffer.
    unsafe {
        gst::ffi::gst_mini_object_get_qdata(
            buffer.as_ptr() as *mut gst::ffi::GstMiniObject,
            quark(),
        ) as usize
    }
}

/// Records one more removal on `buffer`.
pub(crate) fn count_removal(buffer: &mut gst::BufferRef) {
    let next = removal_count(buffer).wrapping_add(1);
    // SAFETY: qdata update on a valid buffer (thread-safe in GStreamer).
    unsafe {
        gst::ffi::gst_mini_object_set_qdata(
            buffer.as_mut_ptr() as *mut gst::ffi::GstMiniObject,
            quark(),
            next as glib::ffi::gpointer,
            None,
        )
    }
}
