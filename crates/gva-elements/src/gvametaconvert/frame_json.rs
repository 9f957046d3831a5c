//! The JSON object of one video frame: DL Streamer's `to_json` (regions, full-frame
//! classification, frame tensors, resolution, timestamps, source and tags).

use std::borrow::Borrow;

use gva_meta::{Region, Tensor, VideoFrame};
use serde_json::{Map, Value};

use super::imp::CAT;
use super::tensor_json::{non_empty, number, tensor_json};

/// What a frame's JSON holds besides its metadata.
#[derive(Debug, Default)]
pub struct FrameContext<'a> {
    /// Frame width in pixels (from the caps).
    pub width: u32,
    /// Frame height in pixels (from the caps).
    pub height: u32,
    /// `source` property.
    pub source: Option<&'a str>,
    /// `tags` property, parsed (always an object).
    pub tags: Option<&'a Value>,
    /// Stream time of the buffer's PTS in nanoseconds, if valid.
    pub timestamp: Option<u64>,
    /// ISO-8601 time of the buffer's time code, if it has one.
    pub system_timestamp: Option<String>,
    /// `add-tensor-data` property.
    pub add_tensor_data: bool,
    /// `add-empty-results` property.
    pub add_empty_results: bool,
}

/// The frame's JSON, or `None` when it has neither objects nor tensors to report and empty
/// results are not wanted.
pub fn frame_json<B: Borrow<gst::BufferRef>>(
    frame: &VideoFrame<B>,
    ctx: &FrameContext<'_>,
) -> Option<Value> {
    let mut objects: Vec<Value> = frame.regions().map(|r| region_json(&r, ctx)).collect();
    if let Some(full_frame) = full_frame_json(frame, ctx) {
        objects.push(full_frame);
    }
    let tensors: Vec<Value> = if ctx.add_tensor_data {
        frame
            .tensors()
            .filter(|t| !t.has_field("type"))
            .map(tensor_json)
            .collect()
    } else {
        Vec::new()
    };
    if objects.is_empty() && tensors.is_empty() && !ctx.add_empty_results {
        return None;
    }

    let mut out = Map::new();
    out.insert(
        "resolution".into(),
        serde_json::json!({"width": ctx.width, "height": ctx.height}),
    );
    if let Some(source) = ctx.source {
        out.insert("source".into(), source.into());
    }
    if let Some(timestamp) = ctx.timestamp {
        out.insert("timestamp".into(), timestamp.into());
    }
    if let Some(tags) = ctx.tags {
        out.insert("tags".into(), tags.clone());
    }
    if let Some(system_timestamp) = &ctx.system_timestamp {
        out.insert("system_timestamp".into(), system_timestamp.as_str().into());
    }
    if !objects.is_empty() {
        out.insert("objects".into(), Value::Array(objects));
    }
    if !tensors.is_empty() {
        out.insert("tensors".into(), Value::Array(tensors));
    }
    Some(Value::Object(out))
}

/// Adds `key` unless the object has it already (nlohmann's `push_back` on an object never
/// replaces: the first value wins).
fn add(object: &mut Map<String, Value>, key: &str, value: Value) {
    object.entry(key).or_insert(value);
}

/// One region: box, ids, label, detection, classification attributes, tensors.
fn region_json(region: &Region<'_>, ctx: &FrameContext<'_>) -> Value {
    let mut out = Map::new();
    if ctx.add_tensor_data {
        out.insert("tensors".into(), Value::Array(Vec::new()));
    }
    let rect = region.rect();
    add(&mut out, "x", rect.x.into());
    add(&mut out, "y", rect.y.into());
    add(&mut out, "w", rect.w.into());
    add(&mut out, "h", rect.h.into());
    add(&mut out, "region_id", region.id().into());
    // 0 is "no parent" in GstVideoRegionOfInterestMeta (DL Streamer's analytics era uses -1).
    if region.parent_id() != 0 {
        add(&mut out, "parent_id", region.parent_id().into());
    }
    let object_id = region.object_id().unwrap_or(0);
    if object_id != 0 {
        add(&mut out, "id", object_id.into());
    }
    let label = region.label().unwrap_or_else(|e| {
        gst::debug!(CAT, "region {}: {e}", region.id());
        ""
    });
    if !label.is_empty() {
        add(&mut out, "roi_type", label.into());
    }
    for tensor in region.tensors() {
        if tensor.is_detection() {
            detection_json(tensor, label, &mut out);
        } else if let Some((name, attribute)) = attribute_json(tensor) {
            add(&mut out, name, attribute);
        }
        if ctx.add_tensor_data
            && let Some(Value::Array(tensors)) = out.get_mut("tensors")
        {
            tensors.push(tensor_json(tensor));
        }
    }
    Value::Object(out)
}

/// `"detection"` (only when the box is complete) and `"extra_params"`.
fn detection_json(detection: &Tensor, label: &str, object: &mut Map<String, Value>) {
    let corner = |field| detection.get_f64(field).ok();
    let (Some(x_min), Some(x_max), Some(y_min), Some(y_max)) = (
        corner("x_min"),
        corner("x_max"),
        corner("y_min"),
        corner("y_max"),
    ) else {
        return;
    };
    let mut out = Map::new();
    out.insert(
        "bounding_box".into(),
        Value::Object(Map::from_iter([
            ("x_min".to_owned(), number(x_min)),
            ("x_max".to_owned(), number(x_max)),
            ("y_min".to_owned(), number(y_min)),
            ("y_max".to_owned(), number(y_max)),
        ])),
    );
    if let Ok(confidence) = detection.confidence() {
        out.insert("confidence".into(), number(confidence));
    }
    if let Ok(label_id) = detection.label_id() {
        out.insert("label_id".into(), label_id.into());
    }
    if !label.is_empty() {
        out.insert("label".into(), label.into());
    }
    add(object, "detection", Value::Object(out));

    if let Some(text) = non_empty(detection, "extra_params_json") {
        match serde_json::from_str::<Value>(text) {
            Ok(extra) => add(object, "extra_params", extra),
            Err(e) => gst::warning!(CAT, "extra_params_json is not JSON ({e}): {text}"),
        }
    }
}

/// A classification result of a region: `(attribute name, {label, model, confidence,
/// label_id})`, for parameters that have both a `label` and a `model_name` string.
fn attribute_json(tensor: &Tensor) -> Option<(&str, Value)> {
    let label = tensor.get_str("label").ok()?;
    let model_name = tensor.get_str("model_name").ok()?;
    let mut out = Map::new();
    out.insert("label".into(), label.into());
    out.insert("model".into(), serde_json::json!({ "name": model_name }));
    if let Ok(confidence) = tensor.confidence() {
        out.insert("confidence".into(), number(confidence));
    }
    if let Ok(label_id) = tensor.label_id() {
        out.insert("label_id".into(), label_id.into());
    }
    Some((attribute_name(tensor), Value::Object(out)))
}

/// `attribute_name` when it is a string, else the structure name.
fn attribute_name(tensor: &Tensor) -> &str {
    tensor
        .get_str("attribute_name")
        .unwrap_or_else(|_| tensor.name())
}

/// The extra object covering the whole frame, made of the frame tensors that carry a `label`
/// or `label_id` (full-frame classification); `None` when no tensor does.
fn full_frame_json<B: Borrow<gst::BufferRef>>(
    frame: &VideoFrame<B>,
    ctx: &FrameContext<'_>,
) -> Option<Value> {
    let classified = |t: &Tensor| t.has_field("label") || t.has_field("label_id");
    if !frame.tensors().any(classified) {
        return None;
    }
    let mut out = Map::new();
    if ctx.add_tensor_data {
        out.insert("tensors".into(), Value::Array(Vec::new()));
    }
    add(&mut out, "x", 0.into());
    add(&mut out, "y", 0.into());
    add(&mut out, "w", ctx.width.into());
    add(&mut out, "h", ctx.height.into());
    for tensor in frame.tensors() {
        if classified(tensor) {
            let mut result = Map::new();
            if let Some(label) = non_empty(tensor, "label") {
                result.insert("label".into(), label.into());
            }
            if let Some(model_name) = non_empty(tensor, "model_name") {
                result.insert("model".into(), serde_json::json!({ "name": model_name }));
            }
            if tensor.has_field("confidence") {
                result.insert(
                    "confidence".into(),
                    number(tensor.confidence().unwrap_or(0.0)),
                );
            }
            if tensor.has_field("label_id") {
                result.insert("label_id".into(), tensor.label_id().unwrap_or(0).into());
            }
            add(&mut out, attribute_name(tensor), Value::Object(result));
        }
        if ctx.add_tensor_data
            && let Some(Value::Array(tensors)) = out.get_mut("tensors")
        {
            tensors.push(tensor_json(tensor));
        }
    }
    Some(Value::Object(out))
}
