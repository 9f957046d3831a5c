//! Putting regions and tensors on a frame, with gva-meta.

use gva_meta::{NewRegion, VideoFrame};

use super::file::{FrameEntry, Placement};
use super::roi::FixedRoi;

type Frame<'a> = VideoFrame<&'a mut gst::BufferRef>;

/// Adds the `roi` property's region (no label, confidence 0, as DL Streamer).
pub fn attach_fixed(frame: &mut Frame<'_>, roi: &FixedRoi) -> Result<(), gva_meta::Error> {
    let (x, y, w, h) = roi.rect();
    frame.add_region(&NewRegion::pixels(x.into(), y.into(), w.into(), h.into()))?;
    Ok(())
}

/// Adds DL Streamer's region for an element with neither `roi` nor `file-path`: the whole frame,
/// no label, confidence 0.
pub fn attach_full_frame(frame: &mut Frame<'_>) -> Result<(), gva_meta::Error> {
    frame.add_region(&NewRegion::normalized(0.0, 0.0, 1.0, 1.0))?;
    Ok(())
}

/// Adds the regions and frame-level tensors of `entry`.
pub fn attach_entry(frame: &mut Frame<'_>, entry: &FrameEntry) -> Result<(), gva_meta::Error> {
    for object in &entry.objects {
        let rect = match object.placement {
            Placement::Pixels { x, y, w, h } => {
                NewRegion::pixels(x.into(), y.into(), w.into(), h.into())
            }
            Placement::Normalized {
                x_min,
                y_min,
                x_max,
                y_max,
            } => NewRegion::normalized(x_min, y_min, x_max - x_min, y_max - y_min),
        };
        let mut new = rect.label(&object.label).confidence(object.confidence);
        if let Some(label_id) = object.label_id {
            new = new.label_id(label_id);
        }
        let mut region = frame.add_region(&new)?.region;
        for t in &object.tensors {
            // Region tensors have a name (checked when the file was read).
            t.apply(region.add_tensor(t.name.as_deref().unwrap_or("tensor"))?)?;
        }
    }
    for t in &entry.tensors {
        t.apply(frame.add_tensor()?)?;
    }
    Ok(())
}
