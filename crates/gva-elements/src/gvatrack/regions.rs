//! Between a buffer's metadata and the [`Tracker`]: regions of interest in, ids and predicted
//! regions out, as DL Streamer's gvatrack writes them.
//!
//! - Every region is a detection, whatever made it: its pixel box, its label and the
//!   detection's `label_id` (if any) as class; a detection confidence is not needed.
//! - The id goes into the region's `"object_id"` structure, field `id` (int) — what
//!   `gstgva.RegionOfInterest.object_id()`, gvametaconvert (`"id"`) and gvawatermark (`"<id>: "`)
//!   read.
//! - A predicted region (`short-term-imageless`) is added as DL Streamer adds it: the label,
//!   confidence 1.0, the `label_id` of its last detection, the `"object_id"`; and, beyond DL
//!   Streamer, copies of the other parameter structures (classification results) the object's
//!   latest detected region carried, so that a frame without detection shows what the object
//!   was classified as.

use gst::glib;
use gst::glib::translate::FromGlib;
use gst_video::VideoRegionOfInterestMeta;
use gva_meta::{NewRegion, RegionMut, Tensor, VideoFrame};

use super::appearance::Appearance;
use super::geometry::BoxF;
use super::pixels::Pixels;
use super::tracker::{Class, Detection, Tracker};

/// What gvatrack keeps of an object's latest region for its predicted copies: the parameter
/// structures other than `"detection"` and `"object_id"`.
pub type Params = Vec<gst::Structure>;

/// Structures of a region that describe the region itself, not a result about it.
const OWN_STRUCTURES: [&str; 2] = ["detection", "object_id"];

/// Why a frame could not be tracked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackError(pub String);

impl std::fmt::Display for TrackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Tracks the regions of `buffer` (a frame described by `info`) with `tracker`: sets each
/// region's object id and, with `short-term-imageless`, adds the predicted regions.
pub fn track_frame(
    tracker: &mut Tracker<Params>,
    buffer: &mut gst::BufferRef,
    info: &gst_video::VideoInfo,
) -> Result<(), TrackError> {
    let config = *tracker.config();
    let keep_params = config.tracking_type.predicts();
    let mut detections = read_detections(buffer, keep_params);
    if config.tracking_type.uses_pixels() && !detections.is_empty() {
        add_appearances(buffer, info, &mut detections)?;
    }
    let ids = tracker.update((info.width(), info.height()), detections);

    if !VideoFrame::new(&mut *buffer, info.clone()).is_writable() {
        return Err(TrackError(
            "gvatrack received a buffer it cannot write to (the object ids could not be set)"
                .to_owned(),
        ));
    }
    for (mut meta, id) in buffer.iter_meta_mut::<VideoRegionOfInterestMeta>().zip(ids) {
        if let Some(id) = id {
            // SAFETY: a ROI meta of the writable buffer borrowed mutably here.
            let mut region = unsafe { RegionMut::from_ptr(meta.as_mut_ptr()) };
            region.set_object_id(id);
        }
    }

    if keep_params {
        let mut frame = VideoFrame::new(buffer, info.clone());
        for prediction in tracker.predictions() {
            let Some((x, y, w, h)) = prediction.rect.to_pixels(info.width(), info.height()) else {
                continue;
            };
            let label = label_str(prediction.class.label);
            let mut new = NewRegion::pixels(x.into(), y.into(), w.into(), h.into())
                .label(label)
                .confidence(1.0);
            if let Some(label_id) = prediction.class.label_id {
                new = new.label_id(label_id);
            }
            let added = frame.add_region(&new).map_err(|e| {
                TrackError(format!("gvatrack could not add a predicted region: {e}"))
            })?;
            let mut region = added.region;
            for params in prediction.payload {
                region
                    .add_tensor_copy(Tensor::from_structure(params), None)
                    .map_err(|e| {
                        TrackError(format!(
                            "gvatrack could not copy a result onto a predicted region: {e}"
                        ))
                    })?;
            }
            region.set_object_id(prediction.id);
        }
    }
    Ok(())
}

/// The regions of `buffer`, in order, as detections (with their result structures when
/// `keep_params`).
fn read_detections(buffer: &gst::BufferRef, keep_params: bool) -> Vec<Detection<Params>> {
    buffer
        .iter_meta::<VideoRegionOfInterestMeta>()
        .map(|meta| {
            // SAFETY: the meta belongs to the buffer borrowed here.
            let region = unsafe { gva_meta::Region::from_ptr(meta.as_ptr()) };
            let r = region.rect();
            let payload = if keep_params {
                region
                    .params()
                    .filter(|t| !OWN_STRUCTURES.contains(&t.name()))
                    .map(|t| t.structure().to_owned())
                    .collect()
            } else {
                Vec::new()
            };
            Detection {
                rect: BoxF::new(
                    f64::from(r.x),
                    f64::from(r.y),
                    f64::from(r.w.max(1)),
                    f64::from(r.h.max(1)),
                ),
                class: Class {
                    label: region_label_key(&region),
                    label_id: region.label_id().ok(),
                },
                appearance: None,
                payload,
            }
        })
        .collect()
}

/// The label key of a region: its ROI type quark.
fn region_label_key(region: &gva_meta::Region<'_>) -> u32 {
    // SAFETY: the pointer is the live ROI meta `region` views.
    unsafe { (*region.as_ptr()).roi_type }
}

/// The text of a label key (a GQuark; 0 is no label).
fn label_str(key: u32) -> &'static str {
    if key == 0 {
        return "";
    }
    // SAFETY: any non-zero GQuark value comes from a region's roi_type, a registered quark.
    unsafe { glib::Quark::from_glib(key) }.as_str()
}

/// Computes each detection's appearance from the frame's pixels.
fn add_appearances(
    buffer: &gst::BufferRef,
    info: &gst_video::VideoInfo,
    detections: &mut [Detection<Params>],
) -> Result<(), TrackError> {
    let size = buffer.size();
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, info).map_err(|_| {
        TrackError(format!(
            "gvatrack cannot read the frame's pixels: the buffer ({size} bytes) does not hold a \
             {}x{} {} frame",
            info.width(),
            info.height(),
            info.format().to_str()
        ))
    })?;
    let pixels = Pixels::of_frame(&frame).ok_or_else(|| {
        TrackError(format!(
            "gvatrack cannot read {} frames",
            info.format().to_str()
        ))
    })?;
    for detection in detections {
        detection.appearance = Appearance::of_region(&pixels, &detection.rect);
    }
    Ok(())
}
