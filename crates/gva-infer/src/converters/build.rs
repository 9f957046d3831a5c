//! A converter configured from a model-proc item and the element's settings.

use super::{
    BoxesLabels, Converter, ConverterError, DEFAULT_CONFIDENCE_THRESHOLD, DetectionOutput,
    LabelConverter, Nms, RawDataCopy, TextConverter, YoloV8,
};
use crate::model_proc::{OutputPostproc, PostprocParams};

/// What the element contributes to a converter's configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConverterSettings {
    /// gvadetect's `threshold`, which DL Streamer always writes over the model-proc's
    /// `confidence_threshold` of detection converters. `None` (gvaclassify, gvainference)
    /// keeps the model-proc's value, else 0.5.
    pub threshold: Option<f64>,
    /// The `labels` / `labels-file` property: replaces the model-proc's labels when set.
    pub labels: Option<Vec<String>>,
    /// Model input width in pixels (`boxes_labels` and `yolo_v8` boxes are in input pixels).
    pub input_width: usize,
    /// Model input height in pixels.
    pub input_height: usize,
    /// NMS of `yolo_v8`: class-aware (gva-rs's default) or class-agnostic (DL Streamer's).
    pub class_agnostic_nms: bool,
}

/// A converter with its configuration, ready to convert blobs.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum OutputConverter {
    DetectionOutput(DetectionOutput),
    BoxesLabels(BoxesLabels),
    YoloV8(YoloV8),
    Label(LabelConverter),
    Text(TextConverter),
    RawDataCopy(RawDataCopy),
}

impl OutputConverter {
    /// `converter` configured by a model-proc item's parameters and labels and the element's
    /// settings. Fails when the `label` converter has no labels, or a threshold is not in
    /// [0, 1].
    pub fn new(
        converter: Converter,
        params: &PostprocParams,
        labels: Option<&[String]>,
        settings: &ConverterSettings,
    ) -> Result<Self, ConverterError> {
        let labels = settings
            .labels
            .clone()
            .or_else(|| labels.map(<[String]>::to_vec))
            .unwrap_or_default();
        let model_proc_threshold = params
            .confidence_threshold
            .unwrap_or(DEFAULT_CONFIDENCE_THRESHOLD);
        let detection_threshold = settings.threshold.unwrap_or(model_proc_threshold);
        let roi_scale = params.roi_scale.unwrap_or(1.0);
        Ok(match converter {
            Converter::DetectionOutput => Self::DetectionOutput(DetectionOutput {
                confidence_threshold: unit(converter, "threshold", detection_threshold)?,
                labels,
                roi_scale,
            }),
            Converter::BoxesLabels => Self::BoxesLabels(BoxesLabels {
                confidence_threshold: unit(converter, "threshold", detection_threshold)?,
                labels,
                roi_scale,
                input_width: settings.input_width,
                input_height: settings.input_height,
            }),
            Converter::YoloV8 => Self::YoloV8(YoloV8 {
                confidence_threshold: unit(converter, "threshold", detection_threshold)?,
                labels,
                input_width: settings.input_width,
                input_height: settings.input_height,
                nms: Nms {
                    iou_threshold: params.iou_threshold.unwrap_or(super::DEFAULT_IOU_THRESHOLD),
                    class_aware: !settings.class_agnostic_nms,
                },
            }),
            Converter::Label => {
                if labels.is_empty() {
                    return Err(ConverterError::NoLabels {
                        converter: LabelConverter::NAME,
                    });
                }
                Self::Label(LabelConverter {
                    method: params.method.unwrap_or_default(),
                    labels,
                    confidence_threshold: model_proc_threshold,
                })
            }
            Converter::Text => Self::Text(TextConverter {
                scale: params.text_scale.unwrap_or(1.0),
                precision: params.text_precision.unwrap_or(2),
            }),
            Converter::RawDataCopy => Self::RawDataCopy(RawDataCopy),
        })
    }

    /// The converter a model-proc item names, configured by it and the element's settings.
    pub fn from_postproc(
        item: &OutputPostproc,
        settings: &ConverterSettings,
    ) -> Result<Self, ConverterError> {
        let converter = item.converter.ok_or_else(|| ConverterError::NoConverter {
            layer: if item.layer_names.is_empty() {
                "ANY".to_owned()
            } else {
                item.layer_names.join(", ")
            },
        })?;
        Self::new(
            converter.converter,
            &item.params,
            item.labels.as_deref(),
            settings,
        )
    }

    /// The labels its results are named by (empty for converters without labels).
    pub fn labels(&self) -> &[String] {
        match self {
            Self::DetectionOutput(c) => &c.labels,
            Self::BoxesLabels(c) => &c.labels,
            Self::YoloV8(c) => &c.labels,
            Self::Label(c) => &c.labels,
            Self::Text(_) | Self::RawDataCopy(_) => &[],
        }
    }

    /// Which converter it is.
    pub fn converter(&self) -> Converter {
        match self {
            Self::DetectionOutput(_) => Converter::DetectionOutput,
            Self::BoxesLabels(_) => Converter::BoxesLabels,
            Self::YoloV8(_) => Converter::YoloV8,
            Self::Label(_) => Converter::Label,
            Self::Text(_) => Converter::Text,
            Self::RawDataCopy(_) => Converter::RawDataCopy,
        }
    }
}

/// `value` if it is in [0, 1].
fn unit(converter: Converter, parameter: &'static str, value: f64) -> Result<f64, ConverterError> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(ConverterError::Parameter {
            converter: converter.name(),
            parameter,
            value,
            expected: "0 to 1",
        })
    }
}
