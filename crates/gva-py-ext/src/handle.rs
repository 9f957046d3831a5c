//! Handles that know when they are dead.
//!
//! A `VideoFrame` holds a [`FrameState`]: the `GstBuffer*`, whether the frame is still alive,
//! and (for frames made from a PyGObject `Gst.Buffer`) that wrapper, which keeps a reference on
//! the buffer. Regions and tensors hold the frame state plus the address and GStreamer sequence
//! number of their meta, and check before every use that the meta is still on the buffer.
//!
//! Checking is cheap: every removal made through gva-meta bumps a counter stored on the buffer
//! itself (`gva_meta::removal_count`, shared by all views of one buffer); while the counter is
//! unchanged a handle's meta cannot have been removed, and only after a removal does a handle
//! walk the buffer's metas (comparing addresses, never dereferencing a stale one).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use gst::glib;
use gst::glib::translate::IntoGlib;
use pyo3::prelude::*;

use crate::errors::expired;

/// A `GstBuffer*` that may cross threads (access is serialized by the GIL and the frame's rules).
#[derive(Clone, Copy)]
pub(crate) struct BufferPtr(pub(crate) *mut gst::ffi::GstBuffer);

// SAFETY: GstBuffer is thread-safe for the operations we do; Python access is under the GIL.
unsafe impl Send for BufferPtr {}
unsafe impl Sync for BufferPtr {}

/// What every handle derived from one `VideoFrame` shares.
pub(crate) struct FrameState {
    buffer: BufferPtr,
    /// The `Gst.Buffer` wrapper keeping the buffer alive (None when the frame borrows a buffer
    /// for the duration of a call, e.g. in gvapython, and is invalidated after it).
    _owner: Option<Py<PyAny>>,
    alive: AtomicBool,
}

impl FrameState {
    pub(crate) fn owned(buffer: *mut gst::ffi::GstBuffer, owner: Py<PyAny>) -> Self {
        Self {
            buffer: BufferPtr(buffer),
            _owner: Some(owner),
            alive: AtomicBool::new(true),
        }
    }

    /// A frame over a buffer lent for the duration of a call (no reference taken).
    pub(crate) fn borrowed(buffer: *mut gst::ffi::GstBuffer) -> Self {
        Self {
            buffer: BufferPtr(buffer),
            _owner: None,
            alive: AtomicBool::new(true),
        }
    }

    /// The buffer, if the frame is still alive.
    pub(crate) fn buffer(&self) -> PyResult<*mut gst::ffi::GstBuffer> {
        if self.alive.load(Ordering::Acquire) {
            Ok(self.buffer.0)
        } else {
            Err(expired(
                "VideoFrame is no longer valid: the buffer it was made for has been released \
                 (a gvapython frame lives only during the call)",
            ))
        }
    }

    /// Ends the frame: every handle derived from it raises from now on.
    pub(crate) fn invalidate(&self) {
        self.alive.store(false, Ordering::Release);
    }

    pub(crate) fn buffer_ref(&self) -> PyResult<&gst::BufferRef> {
        // SAFETY: alive frames point at a valid buffer (owned through `_owner` or borrowed for
        // the frame's life).
        Ok(unsafe { gst::BufferRef::from_ptr(self.buffer()?) })
    }

    /// The buffer for writing: only a writable buffer (one holder) is ever seen as `&mut`;
    /// a shared one gives gva-meta's `NotWritable` error, as a write through gva-meta would.
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn buffer_mut(&self) -> PyResult<&mut gst::BufferRef> {
        let buffer = self.buffer()?;
        // SAFETY: an alive frame's valid buffer (see `buffer_ref`).
        if unsafe {
            gst::ffi::gst_mini_object_is_writable(buffer as *const gst::ffi::GstMiniObject)
        } == 0
        {
            return Err(crate::errors::to_py(gva_meta::Error::NotWritable));
        }
        // SAFETY: as above, and the buffer is writable: nobody else holds it, and Python access
        // is serialized by the GIL.
        Ok(unsafe { gst::BufferRef::from_mut_ptr(buffer) })
    }
}

fn removals(buffer: *mut gst::ffi::GstBuffer) -> usize {
    // SAFETY: a valid buffer (callers got it from an alive frame).
    gva_meta::removal_count(unsafe { gst::BufferRef::from_ptr(buffer) })
}

/// A meta of a frame: its address and sequence number, checked before each use.
pub(crate) struct MetaHandle {
    pub(crate) frame: std::sync::Arc<FrameState>,
    meta: usize,
    seqnum: u64,
    api: glib::ffi::GType,
    checked_at: AtomicUsize,
}

impl MetaHandle {
    /// # Safety
    /// `meta` must be attached to the frame's buffer now.
    pub(crate) unsafe fn new(
        frame: std::sync::Arc<FrameState>,
        meta: *const gst::ffi::GstMeta,
        api: glib::Type,
    ) -> PyResult<Self> {
        let buffer = frame.buffer()?;
        // SAFETY: the meta is attached (caller's contract).
        let seqnum = unsafe { gst::ffi::gst_meta_get_seqnum(meta) };
        Ok(Self {
            frame,
            meta: meta as usize,
            seqnum,
            api: api.into_glib(),
            checked_at: AtomicUsize::new(removals(buffer)),
        })
    }

    /// The meta, if its frame is alive and it is still attached; else an `ExpiredError`.
    pub(crate) fn get(&self, what: &str) -> PyResult<*mut gst::ffi::GstMeta> {
        let buffer = self.frame.buffer()?;
        let now = removals(buffer);
        if now != self.checked_at.load(Ordering::Acquire) {
            if !self.still_attached(buffer) {
                return Err(expired(&format!(
                    "{what} is no longer valid: it was removed from its frame"
                )));
            }
            self.checked_at.store(now, Ordering::Release);
        }
        Ok(self.meta as *mut gst::ffi::GstMeta)
    }

    fn still_attached(&self, buffer: *mut gst::ffi::GstBuffer) -> bool {
        let mut state: glib::ffi::gpointer = std::ptr::null_mut();
        loop {
            // SAFETY: iterating the metas of a valid buffer; only the found (live) meta is read.
            unsafe {
                let m = gst::ffi::gst_buffer_iterate_meta_filtered(buffer, &mut state, self.api);
                if m.is_null() {
                    return false;
                }
                if m as usize == self.meta && gst::ffi::gst_meta_get_seqnum(m) == self.seqnum {
                    return true;
                }
            }
        }
    }
}
