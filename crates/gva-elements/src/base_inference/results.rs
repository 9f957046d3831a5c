//! How model outputs become metadata: a converter per output (a pair for `boxes_labels`),
//! run on a whole batch, then attached frame by frame — to the frame or to the region it was
//! inferred on — as SPEC §2 says.

use std::sync::atomic::{AtomicBool, Ordering};

use gst::glib;
use gva_infer::converters::{
    Blob, ClassificationResult, Converter, ConverterError, ConverterSettings, Detection,
    OutputConverter, RawTensor,
};
use gva_infer::model::{Output, Port};
use gva_infer::model_proc::ModelProc;
use gva_meta::{NewRegion, Rect, Tensor, VideoFrame};
use serde_json::{Map, Value};

use super::Kind;

/// How one model output (or, for `boxes_labels`, the boxes and labels pair) becomes metadata.
#[derive(Debug)]
struct OutputPlan {
    /// Index of the output among the model's outputs.
    output: usize,
    /// The output port (layer).
    port: Port,
    /// The result structure name.
    name: String,
    /// The converter.
    converter: OutputConverter,
    /// `boxes_labels`: index of the labels output.
    labels_output: Option<usize>,
    /// The model-proc item's keys, copied into each result structure as DL Streamer does.
    fields: Map<String, Value>,
    /// Set once a class id without a label was reported (reported once per output).
    unlabelled_reported: AtomicBool,
}

/// What one plan produced for one frame.
#[derive(Debug)]
enum PlanResult {
    /// Detected objects, boxes normalized to the inferred image.
    Detections(Vec<Detection>),
    /// A tensor: the raw output and, for `label` / `text`, the classification.
    Tensor(Option<RawTensor>, Option<ClassificationResult>),
}

/// Every plan's result for one frame (or region).
#[derive(Debug)]
pub struct FrameResults(Vec<PlanResult>);

/// Where results go: the whole frame, or a region of it (by id and pixel box).
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// The frame, of which the model saw the part `[x, y, width, height]` (normalized; beyond
    /// the frame where it was padded to the model's aspect ratio).
    Frame([f64; 4]),
    /// The region `id`, whose pixels were `rect`.
    Region(i32, Rect<u32>),
}

/// The converters of an element's model and the names its results carry.
#[derive(Debug)]
pub struct Results {
    model_name: String,
    element_id: String,
    plans: Vec<OutputPlan>,
}

impl Results {
    /// A converter per output of `outputs` (the model-proc's, else the element's default),
    /// checked against what `kind`'s element can attach; deprecation warnings go to
    /// `warnings`.
    pub fn new(
        kind: Kind,
        outputs: &[Port],
        model_proc: Option<&ModelProc>,
        settings: &ConverterSettings,
        model_name: String,
        element_id: String,
        warnings: &mut Vec<String>,
    ) -> Result<Self, String> {
        if let Some(proc) = model_proc {
            for name in proc.output_postproc.iter().flat_map(|i| &i.layer_names) {
                if !outputs.iter().any(|p| &p.name == name) {
                    let names: Vec<&str> = outputs.iter().map(|p| p.name.as_str()).collect();
                    return Err(format!(
                        "model-proc output_postproc names layer '{name}', which the model does \
                         not have (its outputs: {})",
                        names.join(", ")
                    ));
                }
            }
        }
        let mut plans = Vec::new();
        for (index, port) in outputs.iter().enumerate() {
            let item = model_proc.and_then(|m| m.postproc_for(&port.name));
            if let Some(warning) = item
                .and_then(|i| i.converter.as_ref())
                .and_then(|c| c.deprecation_warning())
                && !warnings.contains(&warning)
            {
                warnings.push(warning);
            }
            let converter = match item.and_then(|i| i.converter) {
                Some(name) => name.converter,
                None => default_converter(kind, port)?,
            };
            check_converter(kind, converter, port)?;
            check_shape(converter, port)?;
            let mut labels_output = None;
            if converter == Converter::BoxesLabels {
                // The pair's boxes output carries the plan; its labels output is the item's
                // other layer.
                if !is_boxes(port) {
                    continue;
                }
                let names = item.map(|i| i.layer_names.as_slice()).unwrap_or_default();
                labels_output = outputs.iter().position(|p| {
                    p.name != port.name
                        && !is_boxes(p)
                        && (names.is_empty() || names.contains(&p.name))
                });
                let labels = labels_output.map(|i| &outputs[i]).ok_or_else(|| {
                    format!(
                        "boxes_labels needs a labels output next to boxes output '{}'",
                        port.name
                    )
                })?;
                let dims = |p: &Port| -> Vec<usize> {
                    p.shape.iter().map(|&d| d.max(0) as usize).collect()
                };
                gva_infer::converters::BoxesLabels::check_dims(
                    &dims(port),
                    &dims(labels),
                    port.shape.first().map_or(1, |&n| n.max(1) as usize),
                )
                .map_err(|e| format!("outputs '{}', '{}': {e}", port.name, labels.name))?;
            }
            let params = item.map(|i| i.params).unwrap_or_default();
            let converter = OutputConverter::new(
                converter,
                &params,
                item.and_then(|i| i.labels.as_deref()),
                settings,
            )
            .map_err(|e| format!("output '{}': {e}", port.name))?;
            check_labels(&converter, port)?;
            let prefix = match kind {
                Kind::Classify => "classification_layer_name",
                Kind::Inference | Kind::Detect => "inference_layer_name",
            };
            let name = match item.and_then(|i| i.attribute_name.clone()) {
                Some(attribute) => attribute,
                None => format!("{prefix}:{}", port.name.replace('\\', ":")),
            };
            plans.push(OutputPlan {
                output: index,
                port: port.clone(),
                name,
                converter,
                labels_output,
                fields: item.map(|i| i.fields.clone()).unwrap_or_default(),
                unlabelled_reported: AtomicBool::new(false),
            });
        }
        Ok(Self {
            model_name,
            element_id,
            plans,
        })
    }

    /// Converts a batch's `outputs`: the results of each of its `batch` frames, in order. The
    /// first detection of an output whose class id has no label (a label list shorter than
    /// the model's classes) adds a warning to `warnings`, once per output.
    pub fn convert(
        &self,
        outputs: &[Output],
        batch: usize,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<FrameResults>, String> {
        let mut frames: Vec<FrameResults> = (0..batch).map(|_| FrameResults(Vec::new())).collect();
        for plan in &self.plans {
            let blob_of = |index: usize| -> Result<(Vec<usize>, &[f32]), String> {
                let output = outputs
                    .get(index)
                    .ok_or_else(|| format!("output '{}' is missing", plan.port.name))?;
                let dims = output
                    .port
                    .shape
                    .iter()
                    .map(|&d| usize::try_from(d).unwrap_or(0))
                    .collect();
                Ok((dims, &output.data))
            };
            let (dims, data) = blob_of(plan.output)?;
            let blob = Blob::f32(&dims, data).map_err(|e| e.to_string())?;
            let convert = |e: gva_infer::converters::ConverterError| {
                format!("output '{}': {e}", plan.port.name)
            };
            let raw = || {
                gva_infer::converters::RawDataCopy
                    .convert(&blob, batch)
                    .map_err(convert)
            };
            let per_frame: Vec<PlanResult> = match &plan.converter {
                OutputConverter::DetectionOutput(c) => detections(c.convert(&blob, batch)),
                OutputConverter::YoloV8(c) => detections(c.convert(&blob, batch)),
                OutputConverter::BoxesLabels(c) => {
                    let (label_dims, label_data) =
                        blob_of(plan.labels_output.ok_or("boxes_labels without labels")?)?;
                    let labels = Blob::f32(&label_dims, label_data).map_err(|e| e.to_string())?;
                    detections(c.convert(&blob, &labels, batch))
                }
                OutputConverter::RawDataCopy(_) => tensors(raw()?, None),
                OutputConverter::Label(c) => {
                    tensors(raw()?, Some(c.convert(&blob, batch).map_err(convert)?))
                }
                OutputConverter::Text(c) => {
                    tensors(raw()?, Some(c.convert(&blob, batch).map_err(convert)?))
                }
            }
            .map_err(convert)?;
            if let Some(warning) = plan.unlabelled(&per_frame) {
                warnings.push(warning);
            }
            for (frame, result) in frames.iter_mut().zip(per_frame) {
                frame.0.push(result);
            }
        }
        Ok(frames)
    }

    /// Attaches one frame's `results` to `frame`, or to the region `target` names (its
    /// detections become regions whose `parent_id` is that region). With `copies`, the
    /// structures appended to that region are copied there too (for the classification
    /// history; nothing is copied without it).
    pub fn attach(
        &self,
        frame: &mut VideoFrame<&mut gst::BufferRef>,
        results: FrameResults,
        target: Target,
        mut copies: Option<&mut Vec<gst::Structure>>,
    ) -> Result<(), String> {
        let meta = |e: gva_meta::Error| e.to_string();
        for (plan, result) in self.plans.iter().zip(results.0) {
            match result {
                PlanResult::Detections(found) => self.add_regions(frame, plan, found, target)?,
                PlanResult::Tensor(raw, result) => match target {
                    Target::Frame(_) => {
                        let tensor = frame.add_tensor().map_err(meta)?;
                        tensor.set_element_id(&self.element_id).map_err(meta)?;
                        self.fill(tensor, plan, raw.as_ref(), result.as_ref())?;
                    }
                    Target::Region(id, _) => {
                        let mut roi = frame.region_mut(id).map_err(meta)?;
                        let tensor = roi.add_tensor(&plan.name).map_err(meta)?;
                        self.fill(tensor, plan, raw.as_ref(), result.as_ref())?;
                        if let Some(copies) = copies.as_deref_mut() {
                            copies.push(tensor.structure().to_owned());
                        }
                    }
                },
            }
        }
        Ok(())
    }

    /// One region per detection: boxes mapped from the inferred image (the frame, or the
    /// region `target`) to the frame; `"detection"` holds the model-proc item's keys too.
    fn add_regions(
        &self,
        frame: &mut VideoFrame<&mut gst::BufferRef>,
        plan: &OutputPlan,
        found: Vec<Detection>,
        target: Target,
    ) -> Result<(), String> {
        let (width, height) = (
            f64::from(frame.info().width()),
            f64::from(frame.info().height()),
        );
        for d in found {
            let d = d.clipped();
            // The inferred image as a part of the frame, normalized.
            let (ox, oy, sx, sy) = match target {
                Target::Frame([x, y, w, h]) => (x, y, w, h),
                Target::Region(_, r) => (
                    f64::from(r.x) / width,
                    f64::from(r.y) / height,
                    f64::from(r.w) / width,
                    f64::from(r.h) / height,
                ),
            };
            let label = d.label.clone().unwrap_or_default();
            let region = NewRegion::normalized(
                ox + d.x_min * sx,
                oy + d.y_min * sy,
                d.width() * sx,
                d.height() * sy,
            )
            .label(&label)
            .confidence(d.confidence)
            .label_id(i32::try_from(d.label_id).unwrap_or(i32::MAX));
            let mut added = frame.add_region(&region).map_err(|e| e.to_string())?;
            if let Target::Region(parent, _) = target {
                added.region.set_parent_id(parent);
            }
            copy_fields(added.region.detection_mut(), &plan.fields);
        }
        Ok(())
    }

    /// Fills a result structure: the model-proc item's keys, names, the raw blob and the
    /// classification fields.
    fn fill(
        &self,
        tensor: &mut Tensor,
        plan: &OutputPlan,
        raw: Option<&RawTensor>,
        result: Option<&ClassificationResult>,
    ) -> Result<(), String> {
        let meta = |e: gva_meta::Error| e.to_string();
        copy_fields(tensor, &plan.fields);
        tensor.set_name(&plan.name).map_err(meta)?;
        tensor.set_model_name(&self.model_name).map_err(meta)?;
        tensor.set_layer_name(&plan.port.name).map_err(meta)?;
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
                tensor.set_label(label).map_err(meta)?;
            }
            if let Some(id) = result.label_id {
                tensor.set_label_id(i32::try_from(id).unwrap_or(i32::MAX));
            }
            if let Some(confidence) = result.confidence {
                tensor.set_confidence(confidence);
            }
            tensor.set_type(result.result_type()).map_err(meta)?;
        }
        Ok(())
    }
}

impl OutputPlan {
    /// The warning for the first class id without a label in `results`, if none was given yet.
    fn unlabelled(&self, results: &[PlanResult]) -> Option<String> {
        if self.unlabelled_reported.load(Ordering::Relaxed) {
            return None;
        }
        let labels = self.converter.labels();
        let id = results.iter().find_map(|r| match r {
            PlanResult::Detections(found) => gva_infer::converters::unlabelled_class(labels, found),
            PlanResult::Tensor(..) => None,
        })?;
        if self.unlabelled_reported.swap(true, Ordering::Relaxed) {
            return None;
        }
        Some(format!(
            "output '{}' (converter {}) detected class id {id}, which has no label: {} labels \
             given ({}); its regions carry no label (this is said once)",
            self.port.name,
            self.converter.converter().name(),
            labels.len(),
            labels.join(", ")
        ))
    }
}

/// Per-frame detections as plan results.
fn detections(
    converted: Result<Vec<Vec<Detection>>, gva_infer::converters::ConverterError>,
) -> Result<Vec<PlanResult>, gva_infer::converters::ConverterError> {
    Ok(converted?.into_iter().map(PlanResult::Detections).collect())
}

/// Per-frame raw tensors (and classifications) as plan results.
fn tensors(
    raw: Vec<RawTensor>,
    results: Option<Vec<ClassificationResult>>,
) -> Result<Vec<PlanResult>, gva_infer::converters::ConverterError> {
    let mut results = results.map(Vec::into_iter);
    Ok(raw
        .into_iter()
        .map(|r| PlanResult::Tensor(Some(r), results.as_mut().and_then(Iterator::next)))
        .collect())
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

/// Whether `port` looks like `boxes_labels`' boxes output (`[..., 4]` or `[..., 5]`).
fn is_boxes(port: &Port) -> bool {
    port.shape.len() >= 2 && matches!(port.shape.last(), Some(4 | 5))
}

/// The converter DL Streamer picks when the model-proc names none.
fn default_converter(kind: Kind, port: &Port) -> Result<Converter, String> {
    match kind {
        Kind::Inference | Kind::Classify => Ok(Converter::RawDataCopy),
        Kind::Detect if port.shape.len() == 4 && port.shape.last() == Some(&7) => {
            Ok(Converter::DetectionOutput)
        }
        Kind::Detect => Err(format!(
            "cannot choose a detection converter for output '{}' of shape {:?}: name one in the model-proc",
            port.name, port.shape
        )),
    }
}

/// Refuses converters the element cannot attach.
fn check_converter(kind: Kind, converter: Converter, port: &Port) -> Result<(), String> {
    let ok = match kind {
        Kind::Inference | Kind::Classify => !converter.produces_regions(),
        Kind::Detect => converter.produces_regions(),
    };
    if ok {
        Ok(())
    } else {
        let element = match kind {
            Kind::Inference => "gvainference",
            Kind::Detect => "gvadetect",
            Kind::Classify => "gvaclassify",
        };
        Err(format!(
            "converter '{}' of output '{}' is not supported by {element}",
            converter.name(),
            port.name
        ))
    }
}

/// Refuses an output whose shape the converter cannot read.
fn check_shape(converter: Converter, port: &Port) -> Result<(), String> {
    let expected = match converter {
        Converter::DetectionOutput if port.shape.last() != Some(&7) => {
            "[..., N, 7] (image_id, label, confidence, x_min, y_min, x_max, y_max)"
        }
        Converter::YoloV8 if port.shape.len() != 3 || port.shape[1] < 5 => {
            "[B, 4 + classes, anchors]"
        }
        _ => return Ok(()),
    };
    Err(format!(
        "output '{}' of shape {:?} does not fit converter '{}': expected {expected}",
        port.name,
        port.shape,
        converter.name()
    ))
}

/// Refuses labels whose count does not fit the classes the output's shape has (`yolo_v8`,
/// `label`); `detection_output` and `boxes_labels` read class ids from the output's values,
/// and are checked as they come ([`OutputPlan::unlabelled`]).
fn check_labels(converter: &OutputConverter, port: &Port) -> Result<(), String> {
    let dims = |shape: &[i64]| -> usize { shape.iter().map(|&d| d.max(0) as usize).product() };
    let mismatch = |labels: usize, classes: usize, note: &str| {
        Err(format!(
            "{labels} labels do not match the {classes} classes of output '{}' (shape {:?}){note}",
            port.name, port.shape
        ))
    };
    match converter {
        OutputConverter::YoloV8(c) if port.shape.len() >= 2 => {
            let classes =
                dims(&port.shape[port.shape.len() - 2..port.shape.len() - 1]).saturating_sub(4);
            if c.labels.is_empty() || c.labels.len() == classes {
                Ok(())
            } else {
                mismatch(c.labels.len(), classes, "")
            }
        }
        OutputConverter::Label(c) => {
            let values = dims(port.shape.get(1..).unwrap_or_default());
            match c.check_output(values) {
                Ok(()) => Ok(()),
                Err(ConverterError::LabelCount { expected, .. }) if expected != values => mismatch(
                    c.labels.len(),
                    values,
                    " (two labels per class for method compound)",
                ),
                Err(ConverterError::LabelCount { .. }) => mismatch(c.labels.len(), values, ""),
                Err(e) => Err(format!("output '{}': {e}", port.name)),
            }
        }
        _ => Ok(()),
    }
}
