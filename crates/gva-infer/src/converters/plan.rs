//! The output plan of a model: which converter reads which output (a pair of outputs for
//! `boxes_labels`), checked at start against what the element attaches and against the
//! outputs' shapes, and run on each request's outputs to give each input's results.
//!
//! ```
//! use gva_infer::converters::{ConverterSettings, OutputPlan, Task};
//! use gva_infer::model::Port;
//!
//! // An SSD detector's output, without a model-proc: gvadetect picks `detection_output`,
//! // gvainference copies the raw values; a classifier's output is no detector's.
//! let ssd = [Port { name: "detection_out".into(), shape: vec![1, 1, 100, 7] }];
//! let settings = ConverterSettings::default();
//! let plan = OutputPlan::new(Task::Detect, &ssd, None, &settings, &mut vec![])?;
//! assert_eq!(plan.items()[0].converter.converter().name(), "detection_output");
//! let plan = OutputPlan::new(Task::Inference, &ssd, None, &settings, &mut vec![])?;
//! assert_eq!(plan.items()[0].converter.converter().name(), "raw_data_copy");
//! let prob = [Port { name: "prob".into(), shape: vec![1, 3] }];
//! let refused = OutputPlan::new(Task::Detect, &prob, None, &settings, &mut vec![]);
//! assert!(refused.unwrap_err().to_string().contains("name one in the model-proc"));
//! # Ok::<(), gva_infer::converters::PlanError>(())
//! ```

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Map, Value};

use super::{
    Blob, BoxesLabels, ClassificationResult, Converter, ConverterError, ConverterSettings,
    Detection, OutputConverter, RawDataCopy, RawTensor, unlabelled_class,
};
use crate::model::{Output, Port};
use crate::model_proc::ModelProc;

/// What an element makes of a model's outputs, which decides the converters it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Task {
    /// gvainference: tensors per frame (or region).
    #[default]
    Inference = 0,
    /// gvadetect: regions.
    Detect,
    /// gvaclassify: results on each region (or tensors for the full frame).
    Classify,
}

impl Task {
    /// The element that does it.
    pub fn element(self) -> &'static str {
        match self {
            Self::Inference => "gvainference",
            Self::Detect => "gvadetect",
            Self::Classify => "gvaclassify",
        }
    }
}

/// Why a model's outputs cannot be planned or converted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The model-proc names an output the model does not have.
    #[error(
        "model-proc output_postproc names layer '{layer}', which the model does not have (its \
         outputs: {outputs})"
    )]
    UnknownLayer {
        /// The layer named.
        layer: String,
        /// The model's outputs, comma-separated.
        outputs: String,
    },
    /// No converter named and none to pick from the output's shape.
    #[error(
        "cannot choose a detection converter for output '{output}' of shape {shape:?}: name one \
         in the model-proc"
    )]
    NoDefault {
        /// The output.
        output: String,
        /// Its shape.
        shape: Vec<i64>,
    },
    /// The converter's results are not what the element attaches.
    #[error("converter '{converter}' of output '{output}' is not supported by {element}")]
    Unsupported {
        /// The converter.
        converter: &'static str,
        /// The output.
        output: String,
        /// The element.
        element: &'static str,
    },
    /// The output's shape does not fit the converter.
    #[error(
        "output '{output}' of shape {shape:?} does not fit converter '{converter}': expected \
         {expected}"
    )]
    Shape {
        /// The output.
        output: String,
        /// Its shape.
        shape: Vec<i64>,
        /// The converter.
        converter: &'static str,
        /// The shape the converter reads.
        expected: &'static str,
    },
    /// Not as many labels as the output's shape has classes.
    #[error(
        "{labels} labels do not match the {classes} classes of output '{output}' (shape {shape:?}){note}"
    )]
    LabelCount {
        /// Labels given.
        labels: usize,
        /// Classes of the output.
        classes: usize,
        /// The output.
        output: String,
        /// Its shape.
        shape: Vec<i64>,
        /// What the method adds (two labels per class for `compound`), or nothing.
        note: &'static str,
    },
    /// `boxes_labels` without its labels output.
    #[error("boxes_labels needs a labels output next to boxes output '{0}'")]
    NoLabelsOutput(String),
    /// A converter refused its configuration or the blob of an output.
    #[error("output '{output}': {source}")]
    Converter {
        /// The output (both, for a `boxes_labels` pair).
        output: String,
        /// The converter's error.
        source: ConverterError,
    },
    /// A request's outputs lack one the plan reads.
    #[error("output '{0}' is missing")]
    MissingOutput(String),
}

/// How one model output (or a `boxes_labels` boxes and labels pair) becomes results.
#[derive(Debug)]
pub struct PlanItem {
    /// Index of the output among the model's outputs.
    pub output: usize,
    /// The output port (layer).
    pub port: Port,
    /// The result's structure name: the model-proc's `attribute_name`, else
    /// `inference_layer_name:<layer>` (`classification_layer_name:` for gvaclassify).
    pub name: String,
    /// The converter.
    pub converter: OutputConverter,
    /// `boxes_labels`: index of the labels output.
    pub labels_output: Option<usize>,
    /// The model-proc item's keys, copied into each result structure as DL Streamer does.
    pub fields: Map<String, Value>,
    /// Set once a class id without a label was reported (once per output).
    unlabelled_reported: AtomicBool,
}

/// What one plan item produced for one input (a frame or a region).
#[derive(Debug)]
pub enum PlanResult {
    /// Detected objects, boxes normalized to the inferred image.
    Detections(Vec<Detection>),
    /// A tensor: the raw output and, for `label` / `text`, the classification.
    Tensor(Option<RawTensor>, Option<ClassificationResult>),
}

/// Every plan item's result for one input, in the order of [`OutputPlan::items`].
#[derive(Debug)]
pub struct InputResults(pub Vec<PlanResult>);

/// The converters of a model's outputs.
#[derive(Debug)]
pub struct OutputPlan {
    items: Vec<PlanItem>,
}

impl OutputPlan {
    /// A converter per output of `outputs` (the model-proc's, else the element's default),
    /// checked against what `task`'s element attaches, the outputs' shapes and the class
    /// count where the shape gives it; deprecation warnings go to `warnings`.
    pub fn new(
        task: Task,
        outputs: &[Port],
        model_proc: Option<&ModelProc>,
        settings: &ConverterSettings,
        warnings: &mut Vec<String>,
    ) -> Result<Self, PlanError> {
        if let Some(proc) = model_proc {
            for name in proc.output_postproc.iter().flat_map(|i| &i.layer_names) {
                if !outputs.iter().any(|p| &p.name == name) {
                    let names: Vec<&str> = outputs.iter().map(|p| p.name.as_str()).collect();
                    return Err(PlanError::UnknownLayer {
                        layer: name.clone(),
                        outputs: names.join(", "),
                    });
                }
            }
        }
        let mut items = Vec::new();
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
                None => default_converter(task, port)?,
            };
            check_converter(task, converter, port)?;
            check_shape(converter, port)?;
            let mut labels_output = None;
            if converter == Converter::BoxesLabels {
                // The pair's boxes output carries the item; its labels output is the item's
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
                let labels = labels_output
                    .map(|i| &outputs[i])
                    .ok_or_else(|| PlanError::NoLabelsOutput(port.name.clone()))?;
                BoxesLabels::check_dims(
                    &dims(&port.shape),
                    &dims(&labels.shape),
                    port.shape.first().map_or(1, |&n| n.max(1) as usize),
                )
                .map_err(|source| PlanError::Converter {
                    output: format!("{}', '{}", port.name, labels.name),
                    source,
                })?;
            }
            let params = item.map(|i| i.params).unwrap_or_default();
            let converter = OutputConverter::new(
                converter,
                &params,
                item.and_then(|i| i.labels.as_deref()),
                settings,
            )
            .map_err(|source| PlanError::Converter {
                output: port.name.clone(),
                source,
            })?;
            check_labels(&converter, port)?;
            let prefix = match task {
                Task::Classify => "classification_layer_name",
                Task::Inference | Task::Detect => "inference_layer_name",
            };
            let name = match item.and_then(|i| i.attribute_name.clone()) {
                Some(attribute) => attribute,
                None => format!("{prefix}:{}", port.name.replace('\\', ":")),
            };
            items.push(PlanItem {
                output: index,
                port: port.clone(),
                name,
                converter,
                labels_output,
                fields: item.map(|i| i.fields.clone()).unwrap_or_default(),
                unlabelled_reported: AtomicBool::new(false),
            });
        }
        Ok(Self { items })
    }

    /// The plan's items, in the order of each input's results.
    pub fn items(&self) -> &[PlanItem] {
        &self.items
    }

    /// Converts a request's `outputs` for its `batch` inputs: the results of each, in order.
    /// The first detection of an output whose class id has no label (a label list shorter
    /// than the model's classes) adds a warning to `warnings`, once per output.
    pub fn convert(
        &self,
        outputs: &[Output],
        batch: usize,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<InputResults>, PlanError> {
        let mut inputs: Vec<InputResults> = (0..batch).map(|_| InputResults(Vec::new())).collect();
        for item in &self.items {
            let blob_of = |index: usize| -> Result<(Vec<usize>, &[f32]), PlanError> {
                let output = outputs
                    .get(index)
                    .ok_or_else(|| PlanError::MissingOutput(item.port.name.clone()))?;
                Ok((dims(&output.port.shape), &output.data))
            };
            let convert = |source: ConverterError| PlanError::Converter {
                output: item.port.name.clone(),
                source,
            };
            let (dims, data) = blob_of(item.output)?;
            let blob = Blob::f32(&dims, data).map_err(convert)?;
            let raw = || RawDataCopy.convert(&blob, batch).map_err(convert);
            let per_input: Vec<PlanResult> = match &item.converter {
                OutputConverter::DetectionOutput(c) => detections(c.convert(&blob, batch)),
                OutputConverter::YoloV8(c) => detections(c.convert(&blob, batch)),
                OutputConverter::BoxesLabels(c) => {
                    let labels_output = item
                        .labels_output
                        .ok_or_else(|| PlanError::NoLabelsOutput(item.port.name.clone()))?;
                    let (label_dims, label_data) = blob_of(labels_output)?;
                    let labels = Blob::f32(&label_dims, label_data).map_err(convert)?;
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
            if let Some(warning) = item.unlabelled(&per_input) {
                warnings.push(warning);
            }
            for (input, result) in inputs.iter_mut().zip(per_input) {
                input.0.push(result);
            }
        }
        Ok(inputs)
    }
}

impl PlanItem {
    /// The warning for the first class id without a label in `results`, if none was given yet.
    fn unlabelled(&self, results: &[PlanResult]) -> Option<String> {
        if self.unlabelled_reported.load(Ordering::Relaxed) {
            return None;
        }
        let labels = self.converter.labels();
        let id = results.iter().find_map(|r| match r {
            PlanResult::Detections(found) => unlabelled_class(labels, found),
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

/// A shape's dimensions as sizes (negative, i.e. dynamic, as 0).
fn dims(shape: &[i64]) -> Vec<usize> {
    shape
        .iter()
        .map(|&d| usize::try_from(d).unwrap_or(0))
        .collect()
}

/// Per-input detections as plan results.
fn detections(
    converted: Result<Vec<Vec<Detection>>, ConverterError>,
) -> Result<Vec<PlanResult>, ConverterError> {
    Ok(converted?.into_iter().map(PlanResult::Detections).collect())
}

/// Per-input raw tensors (and classifications) as plan results.
fn tensors(
    raw: Vec<RawTensor>,
    results: Option<Vec<ClassificationResult>>,
) -> Result<Vec<PlanResult>, ConverterError> {
    let mut results = results.map(Vec::into_iter);
    Ok(raw
        .into_iter()
        .map(|r| PlanResult::Tensor(Some(r), results.as_mut().and_then(Iterator::next)))
        .collect())
}

/// Whether `port` looks like `boxes_labels`' boxes output (`[..., 4]` or `[..., 5]`).
fn is_boxes(port: &Port) -> bool {
    port.shape.len() >= 2 && matches!(port.shape.last(), Some(4 | 5))
}

/// The converter DL Streamer picks when the model-proc names none.
fn default_converter(task: Task, port: &Port) -> Result<Converter, PlanError> {
    match task {
        Task::Inference | Task::Classify => Ok(Converter::RawDataCopy),
        Task::Detect if port.shape.len() == 4 && port.shape.last() == Some(&7) => {
            Ok(Converter::DetectionOutput)
        }
        Task::Detect => Err(PlanError::NoDefault {
            output: port.name.clone(),
            shape: port.shape.clone(),
        }),
    }
}

/// Refuses converters the element cannot attach.
fn check_converter(task: Task, converter: Converter, port: &Port) -> Result<(), PlanError> {
    let fits = match task {
        Task::Inference | Task::Classify => !converter.produces_regions(),
        Task::Detect => converter.produces_regions(),
    };
    if fits {
        return Ok(());
    }
    Err(PlanError::Unsupported {
        converter: converter.name(),
        output: port.name.clone(),
        element: task.element(),
    })
}

/// Refuses an output whose shape the converter cannot read.
fn check_shape(converter: Converter, port: &Port) -> Result<(), PlanError> {
    let expected = match converter {
        Converter::DetectionOutput if port.shape.last() != Some(&7) => {
            "[..., N, 7] (image_id, label, confidence, x_min, y_min, x_max, y_max)"
        }
        Converter::YoloV8 if port.shape.len() != 3 || port.shape[1] < 5 => {
            "[B, 4 + classes, anchors]"
        }
        _ => return Ok(()),
    };
    Err(PlanError::Shape {
        output: port.name.clone(),
        shape: port.shape.clone(),
        converter: converter.name(),
        expected,
    })
}

/// Refuses labels whose count does not fit the classes the output's shape has (`yolo_v8`,
/// `label`); `detection_output` and `boxes_labels` read class ids from the output's values,
/// and are checked as they come ([`PlanItem::unlabelled`]).
fn check_labels(converter: &OutputConverter, port: &Port) -> Result<(), PlanError> {
    let mismatch = |labels: usize, classes: usize, note: &'static str| {
        Err(PlanError::LabelCount {
            labels,
            classes,
            output: port.name.clone(),
            shape: port.shape.clone(),
            note,
        })
    };
    match converter {
        OutputConverter::YoloV8(c) if port.shape.len() >= 2 => {
            let classes = dims(&port.shape)[port.shape.len() - 2].saturating_sub(4);
            if c.labels.is_empty() || c.labels.len() == classes {
                Ok(())
            } else {
                mismatch(c.labels.len(), classes, "")
            }
        }
        OutputConverter::Label(c) => {
            let values = dims(port.shape.get(1..).unwrap_or_default())
                .iter()
                .product();
            match c.check_output(values) {
                Ok(()) => Ok(()),
                Err(ConverterError::LabelCount { expected, .. }) if expected != values => mismatch(
                    c.labels.len(),
                    values,
                    " (two labels per class for method compound)",
                ),
                Err(ConverterError::LabelCount { .. }) => mismatch(c.labels.len(), values, ""),
                Err(source) => Err(PlanError::Converter {
                    output: port.name.clone(),
                    source,
                }),
            }
        }
        _ => Ok(()),
    }
}
