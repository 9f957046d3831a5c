//! `VideoFrame`: a buffer plus its `VideoInfo`, seen as regions, tensors and messages.

use std::borrow::{Borrow, BorrowMut};
use std::fmt;

use gst::glib;
use gst_video::VideoRegionOfInterestMeta;
use gst_video::ffi::GstVideoRegionOfInterestMeta;

use crate::registry;
use crate::tensor::DETECTION;
use crate::{Error, JsonMeta, Rect, Region, RegionMut, Tensor, TensorMeta, strings};

/// Where a new region goes: in pixels or as fractions of the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RegionRect {
    /// Pixel coordinates; may reach outside the frame (then clipped).
    Pixels(Rect<i64>),
    /// Fractions of the frame width and height, nominally in [0, 1] (clipped to it).
    Normalized(Rect<f64>),
}

/// A region to add with [`VideoFrame::add_region`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewRegion<'l> {
    /// The box.
    pub rect: RegionRect,
    /// The label, stored as the ROI type.
    pub label: &'l str,
    /// The detection confidence.
    pub confidence: f64,
    /// The class index, stored as the detection's `label_id` when given.
    pub label_id: Option<i32>,
}

impl<'l> NewRegion<'l> {
    /// A region with a pixel box, no label, confidence 0.
    pub fn pixels(x: i64, y: i64, w: i64, h: i64) -> Self {
        Self::with_rect(RegionRect::Pixels(Rect::new(x, y, w, h)))
    }

    /// A region with a box in fractions of the frame, no label, confidence 0.
    pub fn normalized(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self::with_rect(RegionRect::Normalized(Rect::new(x, y, w, h)))
    }

    fn with_rect(rect: RegionRect) -> Self {
        Self {
            rect,
            label: "",
            confidence: 0.0,
            label_id: None,
        }
    }

    /// Sets the label.
    pub fn label(mut self, label: &'l str) -> Self {
        self.label = label;
        self
    }

    /// Sets the confidence.
    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    /// Sets the class index.
    pub fn label_id(mut self, label_id: i32) -> Self {
        self.label_id = Some(label_id);
        self
    }
}

/// What [`VideoFrame::add_region`] attached.
#[derive(Debug)]
pub struct AddedRegion<'a> {
    /// The new region.
    pub region: RegionMut<'a>,
    /// Whether the box reached outside the frame and was clipped to it.
    pub clipped: bool,
}

/// Identity of a JSON message on a buffer, for [`VideoFrame::remove_message`].
///
/// The meta's address and its GStreamer sequence number: an id kept after its message was
/// removed never matches a newer message that reuses the memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageId {
    address: usize,
    seqnum: u64,
}

impl MessageId {
    /// The meta address and sequence number, for bindings that hand ids to another language.
    pub fn to_raw(self) -> (usize, u64) {
        (self.address, self.seqnum)
    }

    /// An id from [`MessageId::to_raw`]; an id that matches no message is harmless
    /// ([`VideoFrame::remove_message`] only compares it).
    pub fn from_raw(address: usize, seqnum: u64) -> Self {
        Self { address, seqnum }
    }

    fn of(meta: *const JsonMeta) -> Self {
        // SAFETY: `meta` is a meta attached to a buffer the caller borrows.
        let seqnum = unsafe { gst::ffi::gst_meta_get_seqnum(meta as *const gst::ffi::GstMeta) };
        Self {
            address: meta as usize,
            seqnum,
        }
    }
}

/// A JSON message attached to a buffer.
#[derive(Clone, Copy)]
pub struct Message<'a> {
    meta: &'a JsonMeta,
}

impl<'a> Message<'a> {
    /// The message's identity on its buffer.
    pub fn id(&self) -> MessageId {
        MessageId::of(self.meta)
    }

    /// The message text.
    pub fn text(&self) -> Result<&'a str, Error> {
        self.meta.message()
    }
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Message").field(&self.text()).finish()
    }
}

/// A video buffer and its `VideoInfo`, seen as GVA metadata.
///
/// `B` is how the buffer is held: `&gst::BufferRef` to read, `&mut gst::BufferRef` to read and
/// write. Writing needs a writable buffer; a shared one gives [`Error::NotWritable`].
pub struct VideoFrame<B> {
    buffer: B,
    info: gst_video::VideoInfo,
}

impl<B: Borrow<gst::BufferRef>> VideoFrame<B> {
    /// A view of `buffer`, whose frames are described by `info`.
    pub fn new(buffer: B, info: gst_video::VideoInfo) -> Self {
        Self { buffer, info }
    }

    /// The buffer.
    pub fn buffer(&self) -> &gst::BufferRef {
        self.buffer.borrow()
    }

    /// The video info.
    pub fn info(&self) -> &gst_video::VideoInfo {
        &self.info
    }

    /// Gives the buffer back.
    pub fn into_buffer(self) -> B {
        self.buffer
    }

    /// The regions of interest, in the order they were attached.
    pub fn regions(&self) -> impl Iterator<Item = Region<'_>> {
        self.buffer()
            .iter_meta::<VideoRegionOfInterestMeta>()
            // SAFETY: the meta belongs to the buffer borrowed by `self`.
            .map(|m| unsafe { Region::from_ptr(m.as_ptr()) })
    }

    /// The region with id `id`.
    pub fn region(&self, id: i32) -> Option<Region<'_>> {
        self.regions().find(|r| r.id() == id)
    }

    /// The frame-level tensors (`GstGVATensorMeta`s), in the order they were attached.
    pub fn tensors(&self) -> impl Iterator<Item = &Tensor> {
        self.buffer()
            .iter_meta::<TensorMeta>()
            // SAFETY: the meta belongs to the buffer borrowed by `self`.
            .filter_map(|m| unsafe { (*m.as_ptr().cast::<TensorMeta>()).tensor() })
    }

    /// The JSON messages (`GstGVAJSONMeta`s), in the order they were attached.
    pub fn messages(&self) -> impl Iterator<Item = Message<'_>> {
        self.buffer()
            .iter_meta::<JsonMeta>()
            // SAFETY: the meta belongs to the buffer borrowed by `self`.
            .map(|m| Message {
                meta: unsafe { &*m.as_ptr().cast::<JsonMeta>() },
            })
    }
}

impl<B: BorrowMut<gst::BufferRef>> VideoFrame<B> {
    fn buffer_mut(&mut self) -> &mut gst::BufferRef {
        self.buffer.borrow_mut()
    }

    /// Whether metadata can be added or removed now.
    pub fn is_writable(&self) -> bool {
        registry::is_writable(self.buffer())
    }

    /// Attaches a region with its `"detection"` structure; boxes reaching outside the frame are
    /// clipped to it (see [`AddedRegion::clipped`]).
    pub fn add_region(&mut self, new: &NewRegion<'_>) -> Result<AddedRegion<'_>, Error> {
        if !self.is_writable() {
            return Err(Error::NotWritable);
        }
        crate::roi_transform::install();
        let (width, height) = (self.info.width(), self.info.height());
        if width == 0 || height == 0 {
            return Err(Error::NoFrameSize { width, height });
        }
        let placed = place(&new.rect, width, height)?;
        let label = strings::c_string(new.label, "a region label")?;
        if !new.confidence.is_finite() {
            return Err(Error::InvalidRegion(format!(
                "confidence {} (it must be a finite number)",
                new.confidence
            )));
        }

        let [x_min, y_min, x_max, y_max] = placed.bounds;
        // DL Streamer's field order (gstgva's add_region).
        let mut detection = gst::Structure::builder(DETECTION)
            .field("confidence", new.confidence)
            .field("x_min", x_min)
            .field("x_max", x_max)
            .field("y_min", y_min)
            .field("y_max", y_max)
            .build();
        if let Some(label_id) = new.label_id {
            detection.set("label_id", label_id);
        }

        let px = placed.pixels;
        // SAFETY: the buffer is writable (checked above); the label is NUL-terminated; the
        // detection structure's ownership passes to the meta.
        let region = unsafe {
            let quark = glib::ffi::g_quark_from_string(label.as_ptr());
            let meta = gst_video::ffi::gst_buffer_add_video_region_of_interest_meta_id(
                self.buffer_mut().as_mut_ptr(),
                quark,
                px.x,
                px.y,
                px.w,
                px.h,
            );
            if meta.is_null() {
                return Err(Error::Gst("to add a region of interest meta"));
            }
            (*meta).id = gst::ffi::gst_util_seqnum_next() as i32;
            gst_video::ffi::gst_video_region_of_interest_meta_add_param(
                meta,
                glib::translate::IntoGlibPtr::into_glib_ptr(detection),
            );
            RegionMut::from_ptr(meta)
        };
        Ok(AddedRegion {
            region,
            clipped: placed.clipped,
        })
    }

    /// The region with id `id`, for writing.
    pub fn region_mut(&mut self, id: i32) -> Result<RegionMut<'_>, Error> {
        if !self.is_writable() {
            return Err(Error::NotWritable);
        }
        let region = self.region(id).ok_or(Error::RegionNotFound(id))?;
        let ptr = region.as_ptr() as *mut GstVideoRegionOfInterestMeta;
        // SAFETY: the meta belongs to the buffer, which `self` borrows mutably and is writable.
        Ok(unsafe { RegionMut::from_ptr(ptr) })
    }

    /// Removes the region whose meta is at `meta` (found by comparing addresses: a pointer that
    /// is not one of this buffer's regions gives [`Error::RegionNotFound`] and is never read).
    pub fn remove_region_at(
        &mut self,
        meta: *const GstVideoRegionOfInterestMeta,
    ) -> Result<(), Error> {
        let found = self
            .regions()
            .find(|r| std::ptr::eq(r.as_ptr(), meta))
            .ok_or(Error::RegionNotFound(0))?;
        let ptr = found.as_ptr() as *mut gst::ffi::GstMeta;
        // SAFETY: the meta was found on this buffer just now.
        unsafe { registry::remove_meta(self.buffer_mut(), std::ptr::NonNull::new_unchecked(ptr)) }
    }

    /// Removes the region with id `id` (and its parameter structures).
    pub fn remove_region(&mut self, id: i32) -> Result<(), Error> {
        let ptr =
            self.region(id).ok_or(Error::RegionNotFound(id))?.as_ptr() as *mut gst::ffi::GstMeta;
        // SAFETY: the meta was found on this buffer just now.
        unsafe { registry::remove_meta(self.buffer_mut(), std::ptr::NonNull::new_unchecked(ptr)) }
    }

    /// Attaches a new frame-level tensor (an empty structure named `"meta"`) and returns it.
    pub fn add_tensor(&mut self) -> Result<&mut Tensor, Error> {
        let mut meta = TensorMeta::add(self.buffer_mut())?;
        let raw = meta.as_mut_ptr();
        // SAFETY: the structure is owned by the new meta of the buffer `self` borrows mutably;
        // init never leaves it NULL.
        unsafe { Ok(Tensor::from_mut_ptr((*raw).data)) }
    }

    /// Attaches a JSON message (not validated as JSON, like DL Streamer).
    pub fn add_message(&mut self, message: &str) -> Result<MessageId, Error> {
        let meta = JsonMeta::add(self.buffer_mut(), message)?;
        Ok(MessageId::of(meta.as_ptr().cast()))
    }

    /// Removes a message found by [`VideoFrame::messages`].
    pub fn remove_message(&mut self, id: MessageId) -> Result<(), Error> {
        let found = self.messages().any(|m| m.id() == id);
        if !found {
            return Err(Error::MessageNotFound);
        }
        // SAFETY: the meta with this address was found on this buffer just now.
        unsafe {
            registry::remove_meta(
                self.buffer_mut(),
                std::ptr::NonNull::new_unchecked(id.address as *mut gst::ffi::GstMeta),
            )
        }
    }
}

impl<B: Borrow<gst::BufferRef>> fmt::Debug for VideoFrame<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoFrame")
            .field("width", &self.info.width())
            .field("height", &self.info.height())
            .field("regions", &self.regions().collect::<Vec<_>>())
            .field("tensors", &self.tensors().collect::<Vec<_>>())
            .field("messages", &self.messages().collect::<Vec<_>>())
            .finish()
    }
}

/// A region's box in pixels and as fractions, after clipping to the frame.
#[derive(Debug, PartialEq)]
struct Placed {
    pixels: Rect<u32>,
    /// `x_min, y_min, x_max, y_max` of the detection structure.
    bounds: [f64; 4],
    clipped: bool,
}

/// Clips `rect` to a `width` x `height` frame, DL Streamer's way where it has one.
///
/// Pixels → fractions: `x_min = x / W`, `x_max = (x + w) / W`. Fractions → pixels:
/// `int(x * W)`, `int(w * W)`; the fractions themselves are kept (clipped to [0, 1]). Negative
/// sizes count as 0.
fn place(rect: &RegionRect, width: u32, height: u32) -> Result<Placed, Error> {
    let (fw, fh) = (i64::from(width), i64::from(height));
    match *rect {
        RegionRect::Pixels(r) => {
            let (x0, y0) = (r.x.clamp(0, fw), r.y.clamp(0, fh));
            let x1 = r.x.saturating_add(r.w.max(0)).clamp(x0, fw);
            let y1 = r.y.saturating_add(r.h.max(0)).clamp(y0, fh);
            let pixels = Rect::new(x0, y0, x1 - x0, y1 - y0);
            let (wf, hf) = (fw as f64, fh as f64);
            Ok(Placed {
                clipped: pixels != r,
                bounds: [
                    x0 as f64 / wf,
                    y0 as f64 / hf,
                    x1 as f64 / wf,
                    y1 as f64 / hf,
                ],
                pixels: to_u32(pixels),
            })
        }
        RegionRect::Normalized(r) => {
            if ![r.x, r.y, r.w, r.h].iter().all(|v| v.is_finite()) {
                return Err(Error::InvalidRegion(format!(
                    "{r:?}: normalized coordinates must be finite numbers"
                )));
            }
            let (x0, w, xc) = clip_span(r.x, r.w);
            let (y0, h, yc) = clip_span(r.y, r.h);
            let trunc = |v: f64, size: i64| (v * size as f64) as i64;
            Ok(Placed {
                clipped: xc || yc,
                bounds: [x0, y0, x0 + w, y0 + h],
                pixels: to_u32(Rect::new(
                    trunc(x0, fw),
                    trunc(y0, fh),
                    trunc(w, fw),
                    trunc(h, fh),
                )),
            })
        }
    }
}

/// Clips the span `[start, start + len]` to [0, 1]: the new start and length, and whether they
/// changed. An unclipped span keeps its length exactly (no `(start + len) - start` rounding).
fn clip_span(start: f64, len: f64) -> (f64, f64, bool) {
    let end = start + len;
    if start >= 0.0 && len >= 0.0 && end <= 1.0 {
        return (start, len, false);
    }
    let s = start.clamp(0.0, 1.0);
    let e = (start + len.max(0.0)).clamp(s, 1.0);
    (s, e - s, true)
}

/// Clipped coordinates are within `0..=u32::MAX` by construction.
fn to_u32(r: Rect<i64>) -> Rect<u32> {
    let c = |v: i64| u32::try_from(v).unwrap_or(0);
    Rect::new(c(r.x), c(r.y), c(r.w), c(r.h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_boxes_are_clipped_to_the_frame() {
        let p = place(&RegionRect::Pixels(Rect::new(-10, 20, 50, 500)), 100, 200).unwrap();
        assert_eq!(p.pixels, Rect::new(0, 20, 40, 180));
        assert!(p.clipped);
        assert_eq!(p.bounds, [0.0, 0.1, 0.4, 1.0]);
    }

    #[test]
    fn boxes_inside_the_frame_are_kept() {
        let p = place(&RegionRect::Pixels(Rect::new(10, 20, 30, 40)), 100, 200).unwrap();
        assert_eq!(p.pixels, Rect::new(10, 20, 30, 40));
        assert!(!p.clipped);
    }

    #[test]
    fn negative_sizes_become_empty_boxes() {
        let p = place(&RegionRect::Pixels(Rect::new(10, 10, -5, 5)), 100, 100).unwrap();
        assert_eq!(p.pixels, Rect::new(10, 10, 0, 5));
        assert!(p.clipped);
    }

    #[test]
    fn normalized_boxes_truncate_to_pixels_like_dlstreamer() {
        let p = place(
            &RegionRect::Normalized(Rect::new(0.25, 0.5, 0.333, 0.25)),
            640,
            480,
        )
        .unwrap();
        // int(0.25*640)=160, int(0.5*480)=240, int(0.333*640)=213, int(0.25*480)=120
        assert_eq!(p.pixels, Rect::new(160, 240, 213, 120));
        assert_eq!(p.bounds, [0.25, 0.5, 0.25 + 0.333, 0.75]);
        assert!(!p.clipped);
    }

    #[test]
    fn non_finite_normalized_boxes_are_refused() {
        let err = place(
            &RegionRect::Normalized(Rect::new(f64::NAN, 0.0, 0.1, 0.1)),
            10,
            10,
        );
        assert!(matches!(err, Err(Error::InvalidRegion(_))));
    }
}
