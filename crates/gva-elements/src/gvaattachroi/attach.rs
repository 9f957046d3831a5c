//! Putting regions and tensors on a frame, with gva-meta.

use gva_meta::{NewRegion, Precision, Tensor, VideoFrame};

use super::file::{FrameEntry, Placement, TensorEntry};
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
            let tensor = region.add_tensor(t.name.as_deref().unwrap_or("tensor"))?;
            fill(tensor, t)?;
        }
    }
    for t in &entry.tensors {
        let tensor = frame.add_tensor()?;
        if let Some(name) = &t.name {
            tensor.set_name(name)?;
        }
        fill(tensor, t)?;
    }
    Ok(())
}

/// Sets the fields of `entry` on `tensor`.
fn fill(tensor: &mut Tensor, entry: &TensorEntry) -> Result<(), gva_meta::Error> {
    for (key, value) in &entry.strings {
        tensor.set_str(key, value)?;
    }
    for (key, values) in &entry.string_arrays {
        tensor
            .structure_mut()
            .set(*key, gst::Array::new(values.iter().map(String::as_str)));
    }
    if let Some(data) = &entry.data {
        let bytes: Vec<u8> = data.iter().flat_map(|f| f.to_ne_bytes()).collect();
        tensor.set_data(&bytes);
        tensor.set_precision(Precision::Fp32);
    }
    if let Some(dims) = &entry.dims {
        tensor.set_dims(dims);
    }
    if let Some(confidence) = entry.confidence {
        tensor.set_confidence(confidence);
    }
    if let Some(label_id) = entry.label_id {
        tensor.set_label_id(label_id);
    }
    Ok(())
}
