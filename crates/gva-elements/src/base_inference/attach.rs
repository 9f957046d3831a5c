//! How a model's results become metadata (SPEC §2): each input's results — per item of the
//! [`OutputPlan`] — attached to the frame, or to the region it was inferred on.

use std::sync::Arc;

use gst::glib;
use gva_infer::converters::{
    ClassificationResult, Detection, InputResults, OutputPlan, PlanItem, PlanResult, RawTensor,
};
use gva_meta::{NewRegion, Rect, Tensor, VideoFrame};
use serde_json::{Map, Value};

/// Where results go: the whole frame, or a region of it (by id and pixel box).
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// The frame, of which the model saw the part `[x, y, width, height]` (normalized; beyond
    /// the frame where it was padded to the model's aspect ratio).
    Frame([f64; 4]),
    /// The region `id`, of which the model saw `rect` (frame pixels: the region, the part of
    /// it a crop keeps, or more than it where it was padded to the model's aspect ratio).
    Region(i32, Rect<u32>),
}

/// Attaches an element's results, with the names they carry.
#[derive(Debug)]
pub struct Attacher {
    plan: Arc<OutputPlan>,
    model_name: String,
    element_id: String,
}

impl Attacher {
    /// Attaches the results of `plan` under `model_name`, and `element_id` on frame tensors.
    pub fn new(plan: Arc<OutputPlan>, model_name: String, element_id: String) -> Self {
        Self {
            plan,
            model_name,
            element_id,
        }
    }

    /// Attaches one input's `results` to `frame`, or to the region `target` names (its
    /// detections become regions whose `parent_id` is that region). With `copies`, the
    /// structures appended to that region are copied there too (for the classification
    /// history; nothing is copied without it).
    pub fn attach(
        &self,
        frame: &mut VideoFrame<&mut gst::BufferRef>,
        results: InputResults,
        target: Target,
        mut copies: Option<&mut Vec<gst::Structure>>,
    ) -> Result<(), gva_meta::Error> {
        for (item, result) in self.plan.items().iter().zip(results.0) {
            match result {
                PlanResult::Detections(found) => add_regions(frame, item, found, target)?,
                PlanResult::Tensor(raw, result) => match target {
                    Target::Frame(_) => {
                        let tensor = frame.add_tensor()?;
                        tensor.set_element_id(&self.element_id)?;
                        self.fill(tensor, item, raw.as_ref(), result.as_ref())?;
                    }
                    Target::Region(id, _) => {
                        let mut roi = frame.region_mut(id)?;
                        let tensor = roi.add_tensor(&item.name)?;
                        self.fill(tensor, item, raw.as_ref(), result.as_ref())?;
                        if let Some(copies) = copies.as_deref_mut() {
                            copies.push(tensor.structure().to_owned());
                        }
                    }
                },
            }
        }
        Ok(())
    }

    /// Fills a result structure: the model-proc item's keys, names, the raw blob and the
    /// classification fields.
    fn fill(
        &self,
        tensor: &mut Tensor,
        item: &PlanItem,
        raw: Option<&RawTensor>,
        result: Option<&ClassificationResult>,
    ) -> Result<(), gva_meta::Error> {
        copy_fields(tensor, &item.fields);
        tensor.set_name(&item.name)?;
        tensor.set_model_name(&self.model_name)?;
        tensor.set_layer_name(&item.port.name)?;
        if let Some(raw) = raw {
            tensor.set_precision(raw.precision);
            tensor.set_layout(raw.layout);
            let dims: Vec<u32> = raw
                .dims
                .iter()
                .map(|&d| u32::try_from(d).unwrap_or(u32::MAX))
                .collect();
            tensor.set_dims(&dims);
            tensor.set_data(&raw.data);
        }
        if let Some(result) = result {
            if let Some(label) = &result.label {
                tensor.set_label(label)?;
            }
            if let Some(id) = result.label_id {
                tensor.set_label_id(i32::try_from(id).unwrap_or(i32::MAX));
            }
            if let Some(confidence) = result.confidence {
                tensor.set_confidence(confidence);
            }
            tensor.set_type(result.result_type())?;
        }
        Ok(())
    }
}

/// One region per detection: boxes mapped from the inferred image (the model's view of the
/// frame, or the region `target`) to the frame; `"detection"` holds the model-proc item's keys
/// too.
fn add_regions(
    frame: &mut VideoFrame<&mut gst::BufferRef>,
    item: &PlanItem,
    found: Vec<Detection>,
    target: Target,
) -> Result<(), gva_meta::Error> {
    let (width, height) = (
        f64::from(frame.info().width()),
        f64::from(frame.info().height()),
    );
    for d in found {
        let d = d.clipped();
        let label = d.label.clone().unwrap_or_default();
        // The box in the frame, normalized: through the part of the frame the model saw
        // (normalized), or the part of a region (in pixels, then normalized: pixel-exact where
        // the model's box is).
        let [x, y, w, h] = match target {
            Target::Frame([x, y, w, h]) => [
                x + d.x_min * w,
                y + d.y_min * h,
                d.width() * w,
                d.height() * h,
            ],
            Target::Region(_, r) => {
                let [rx, ry, rw, rh] = [r.x, r.y, r.w, r.h].map(f64::from);
                [
                    (rx + d.x_min * rw) / width,
                    (ry + d.y_min * rh) / height,
                    d.width() * rw / width,
                    d.height() * rh / height,
                ]
            }
        };
        let region = NewRegion::normalized(x, y, w, h)
            .label(&label)
            .confidence(d.confidence)
            .label_id(i32::try_from(d.label_id).unwrap_or(i32::MAX));
        let mut added = frame.add_region(&region)?;
        if let Target::Region(parent, _) = target {
            added.region.set_parent_id(parent);
        }
        copy_fields(added.region.detection_mut(), &item.fields);
    }
    Ok(())
}

/// Copies a model-proc item's keys into `tensor` as DL Streamer does: strings, booleans,
/// integers (`int`, or `int64` when they don't fit), floats (`double`) and arrays of those
/// (`GstValueArray`); objects and nested arrays are skipped. Fields already set are kept.
fn copy_fields(tensor: &mut Tensor, fields: &Map<String, Value>) {
    let structure = tensor.structure_mut();
    for (key, value) in fields {
        if structure.has_field(key.as_str()) {
            continue;
        }
        if let Some(v) = json_to_value(value, true) {
            structure.set_value(key.as_str(), v);
        }
    }
}

/// A JSON value as a GValue (see [`copy_fields`]); arrays only at the top level.
fn json_to_value(value: &Value, arrays: bool) -> Option<glib::SendValue> {
    use glib::prelude::ToSendValue;
    Some(match value {
        Value::String(s) => s.to_send_value(),
        Value::Bool(b) => b.to_send_value(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => match i32::try_from(i) {
                Ok(i) => i.to_send_value(),
                Err(_) => i.to_send_value(),
            },
            None => n.as_f64()?.to_send_value(),
        },
        Value::Array(items) if arrays => {
            let values: Vec<glib::SendValue> = items
                .iter()
                .filter_map(|v| json_to_value(v, false))
                .collect();
            gst::Array::new(values).to_send_value()
        }
        _ => return None,
    })
}
