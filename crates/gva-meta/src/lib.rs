//! GVA metadata on GStreamer buffers, binary-compatible with Intel DL Streamer.
//!
//! DL Streamer's inference elements describe what they found with three kinds of metadata:
//!
//! - **regions of interest** — GStreamer's own `GstVideoRegionOfInterestMeta`, whose label is the
//!   ROI type and whose parameter structures hold a `"detection"` result (normalized box,
//!   confidence, `label_id`), one structure per classification, and `"object_id"`;
//! - **tensors** — `GstGVATensorMeta`, one `GstStructure` of results per meta (frame-level
//!   inference);
//! - **JSON messages** — `GstGVAJSONMeta`, e.g. the output of `gvametaconvert`.
//!
//! This crate registers the two GVA metas under DL Streamer's names and C layouts (sharing the
//! registration with any other copy in the process: DL Streamer's C library, the `gva` and
//! `gvapython` plugins, the `gstgva` Python extension) and gives a safe view over all three:
//! [`VideoFrame`] over a buffer and its `VideoInfo`, [`Region`] / [`RegionMut`], and [`Tensor`]
//! with typed getters for DL Streamer's field conventions. Errors are an [`Error`]; nothing here
//! panics on bad input or makes GStreamer print a CRITICAL.
//!
//! # Example
//!
//! Attach a detection to a 1080p frame and read it back:
//!
//! ```
//! use gva_meta::{NewRegion, OptionalField, VideoFrame};
//!
//! gst::init()?;
//! let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Bgrx, 1920, 1080).build()?;
//! let mut buffer = gst::Buffer::with_size(info.size())?;
//!
//! let mut frame = VideoFrame::new(buffer.get_mut().unwrap(), info.clone());
//! let added = frame.add_region(
//!     &NewRegion::pixels(480, 270, 960, 540).label("face").confidence(0.93).label_id(1),
//! )?;
//! let id = added.region.as_region().id();
//! frame.add_message(r#"{"source":"camera-1"}"#)?;
//!
//! let frame = VideoFrame::new(buffer.as_ref(), info);
//! let face = frame.region(id).expect("the region we added");
//! assert_eq!(face.label()?, "face");
//! assert_eq!((face.rect().x, face.rect().w), (480, 960));
//! assert_eq!(face.normalized_rect()?.x, 0.25);
//! assert_eq!(face.confidence()?, 0.93);
//! assert_eq!(face.label_id()?, 1);
//! assert_eq!(face.object_id().optional()?, None); // not tracked
//! assert_eq!(frame.messages().next().unwrap().text()?, r#"{"source":"camera-1"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod error;
mod frame;
mod json_meta;
mod region;
mod registry;
mod removals;
mod roi_transform;
mod strings;
mod tensor;
mod tensor_meta;

pub use error::{Error, OptionalField};
pub use frame::{AddedRegion, Message, MessageId, NewRegion, RegionRect, VideoFrame};
pub use gva_meta_types::{Layout, Precision};
pub use json_meta::{GstGVAJSONMeta, JSON_META_API_NAME, JSON_META_IMPL_NAME, JsonMeta};
pub use region::{Rect, Region, RegionMut};
pub use removals::removal_count;
pub use tensor::{DETECTION, OBJECT_ID, Tensor};
pub use tensor_meta::{GstGVATensorMeta, TENSOR_META_API_NAME, TENSOR_META_IMPL_NAME, TensorMeta};

/// Registers both GVA metas now (they are also registered on first use), and makes GStreamer
/// keep region parameters when it copies or scales regions (see below).
///
/// GStreamer's region-of-interest transform drops the parameter structures on scaling (and, in
/// 1.22, on copies); this installs a process-wide fix so the `"detection"` result survives
/// `videoscale`, `videoconvert` and `gst_buffer_copy`. [`VideoFrame::add_region`] installs it too.
///
/// Call it once at start-up (e.g. in `plugin_init`) so that the first registration does not
/// happen on a streaming thread. Needs `gst::init()` first.
pub fn register() -> Result<(), Error> {
    roi_transform::install();
    tensor_meta::meta_info()?;
    json_meta::meta_info()?;
    removals::install();
    Ok(())
}
