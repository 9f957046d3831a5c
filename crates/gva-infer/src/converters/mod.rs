//! Output converters: model output blobs to detections, classification results or raw tensors.
//!
//! Each converter reads plain [`Blob`]s (dims + typed values, borrowed) and produces plain Rust
//! results ([`Detection`], [`ClassificationResult`], [`RawTensor`]) per frame of the batch,
//! which the elements attach as SPEC §2 says. Malformed blobs give a [`ConverterError`]; no
//! converter panics on blob contents.
//!
//! [`Converter::from_name`] is the registry of names, including DL Streamer's deprecated
//! aliases; [`OutputConverter::new`] builds a configured converter from a model-proc item and
//! the element's settings; [`OutputPlan`] picks and checks a converter per model output for an
//! element's [`Task`], and converts each request's outputs into each input's results.
//!
//! ```
//! use gva_infer::converters::{Blob, DetectionOutput};
//!
//! // One SSD row: frame 0, class 2, confidence 0.9, box (0.25, 0.5)-(0.75, 1.25).
//! let rows = [0.0, 2.0, 0.9, 0.25, 0.5, 0.75, 1.25, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
//! let blob = Blob::f32(&[1, 1, 2, 7], &rows)?;
//! let converter = DetectionOutput {
//!     labels: vec!["a".into(), "b".into(), "c".into()],
//!     ..DetectionOutput::default()
//! };
//! let frames = converter.convert(&blob, 1)?;
//! let d = &frames[0][0];
//! assert_eq!((d.label_id, d.label.as_deref()), (2, Some("c")));
//! assert_eq!((d.x_min, d.y_max), (0.25, 1.0)); // clipped to [0, 1]
//! # Ok::<(), gva_infer::converters::ConverterError>(())
//! ```

mod blob;
mod boxes_labels;
mod build;
mod detection_output;
mod error;
mod label;
mod nms;
mod plan;
mod raw_data_copy;
mod results;
mod text;
mod yolo_v8;

pub use blob::{Blob, BlobData, Element};
pub use boxes_labels::BoxesLabels;
pub use build::{ConverterSettings, OutputConverter};
pub use detection_output::DetectionOutput;
pub use error::ConverterError;
pub use label::{LabelConverter, LabelMethod, UnknownLabelMethod};
pub use nms::{DEFAULT_IOU_THRESHOLD, Nms, iou};
pub use plan::{InputResults, OutputPlan, PlanError, PlanItem, PlanResult, Task};
pub use raw_data_copy::RawDataCopy;
pub use results::{CLASSIFICATION_RESULT_TYPE, ClassificationResult, Detection, RawTensor};
pub use text::TextConverter;
pub use yolo_v8::YoloV8;

/// The largest batch converters take (DL Streamer's `batch-size` maximum).
pub const MAX_BATCH_SIZE: usize = 1024;

/// gvadetect's default `threshold`, and the default `confidence_threshold` of converters.
pub const DEFAULT_CONFIDENCE_THRESHOLD: f64 = 0.5;

/// The converters gva-rs implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Converter {
    /// [`DetectionOutput`]: SSD `[1, 1, N, 7]`.
    DetectionOutput,
    /// [`BoxesLabels`]: outputs `boxes [N, 5]` and `labels [N]`.
    BoxesLabels,
    /// [`YoloV8`]: `[1, 4 + C, A]`.
    YoloV8,
    /// [`LabelConverter`]: classification.
    Label,
    /// [`TextConverter`]: values as text.
    Text,
    /// [`RawDataCopy`]: the raw blob.
    RawDataCopy,
}

/// DL Streamer's deprecated converter names and the converter each stands for (DL Streamer's
/// `checkOnNameDeprecation`, plus the R1.2 name `DetectionOutput`).
const ALIASES: [(&str, Converter); 8] = [
    ("tensor_to_bbox_ssd", Converter::DetectionOutput),
    ("DetectionOutput", Converter::DetectionOutput),
    ("tensor_to_bbox_atss", Converter::BoxesLabels),
    ("ssd", Converter::BoxesLabels),
    ("YOLOv8", Converter::YoloV8),
    ("tensor_to_label", Converter::Label),
    ("Classification", Converter::Label),
    ("tensor_to_text", Converter::Text),
];

/// Converter names DL Streamer knows that gva-rs does not implement (yet): refused with a
/// message that says so rather than "unknown".
const NOT_IMPLEMENTED: &[&str] = &[
    "boxes",
    "boxes_scores",
    "yolo_v2",
    "yolo_v3",
    "yolo_v4",
    "yolo_v5",
    "yolo_v7",
    "yolo_v10",
    "yolo_v11",
    "yolo_v8_obb",
    "yolo_v8_pose",
    "yolo_v8_seg",
    "yolo_v11_obb",
    "yolo_v11_pose",
    "yolo_v11_seg",
    "yolo_x",
    "mask_rcnn",
    "centerface",
    "heatmap_boxes",
    "custom_to_roi",
    "keypoints_hrnet",
    "keypoints_openpose",
    "keypoints_3d",
    "semantic_mask",
    "docTR_ocr",
    "paddle_ocr",
    "clip_token",
    "AnomalyDetection",
    "custom_to_tensor",
    "audio_labels",
    "tensor_to_bbox_yolo_v2",
    "tensor_to_bbox_yolo_v3",
    "tensor_to_keypoints_hrnet",
    "tensor_to_keypoints_openpose",
    "tensor_to_keypoints_3d",
    "MaskRCNN",
    "rotated_detection",
    "YOLOv8-OBB",
    "YOLOv8-SEG",
];

impl Converter {
    /// Every converter, in the order error messages list them.
    pub const ALL: [Converter; 6] = [
        Self::DetectionOutput,
        Self::BoxesLabels,
        Self::YoloV8,
        Self::Label,
        Self::Text,
        Self::RawDataCopy,
    ];

    /// The current model-proc name.
    pub fn name(self) -> &'static str {
        match self {
            Self::DetectionOutput => DetectionOutput::NAME,
            Self::BoxesLabels => BoxesLabels::NAME,
            Self::YoloV8 => YoloV8::NAME,
            Self::Label => LabelConverter::NAME,
            Self::Text => TextConverter::NAME,
            Self::RawDataCopy => RawDataCopy::NAME,
        }
    }

    /// The converter a model-proc `converter` names: a current name, or a deprecated alias
    /// (then [`ConverterName::deprecation_warning`] says so, for the caller to log).
    pub fn from_name(name: &str) -> Result<ConverterName, UnknownConverter> {
        if let Some(converter) = Self::ALL.into_iter().find(|c| c.name() == name) {
            return Ok(ConverterName {
                converter,
                alias: None,
            });
        }
        if let Some(&(alias, converter)) = ALIASES.iter().find(|(alias, _)| *alias == name) {
            return Ok(ConverterName {
                converter,
                alias: Some(alias),
            });
        }
        Err(UnknownConverter {
            name: name.to_owned(),
            not_implemented: NOT_IMPLEMENTED.contains(&name),
        })
    }

    /// Whether it produces regions (gvadetect's converters) rather than tensors.
    pub fn produces_regions(self) -> bool {
        matches!(
            self,
            Self::DetectionOutput | Self::BoxesLabels | Self::YoloV8
        )
    }
}

/// A resolved model-proc converter name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConverterName {
    /// The converter.
    pub converter: Converter,
    /// The deprecated alias it was named by, if it was.
    pub alias: Option<&'static str>,
}

impl ConverterName {
    /// For a deprecated alias, the warning to log (DL Streamer logs one too).
    pub fn deprecation_warning(&self) -> Option<String> {
        self.alias.map(|alias| {
            format!(
                "converter name '{alias}' is deprecated; use '{}' instead",
                self.converter.name()
            )
        })
    }
}

/// A converter name gva-rs does not know or does not implement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownConverter {
    /// The name.
    pub name: String,
    /// Whether DL Streamer has a converter of that name (that gva-rs lacks).
    pub not_implemented: bool,
}

impl std::fmt::Display for UnknownConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let known: Vec<_> = Converter::ALL.iter().map(|c| c.name()).collect();
        if self.not_implemented {
            write!(
                f,
                "converter '{}' of DL Streamer is not implemented by gva-rs (available: {})",
                self.name,
                known.join(", ")
            )
        } else {
            write!(
                f,
                "unknown converter '{}' (known: {})",
                self.name,
                known.join(", ")
            )
        }
    }
}

impl std::error::Error for UnknownConverter {}

/// The first class id among `detections` that `labels` has no entry for, when labels are
/// given (without labels every detection is unnamed by choice).
///
/// `detection_output` and `boxes_labels` read their class ids from the output's values, so
/// unlike `yolo_v8` and `label` (whose class count is the output's shape, checked at start)
/// a label list that is too short only shows when such an id comes.
pub fn unlabelled_class(labels: &[String], detections: &[Detection]) -> Option<usize> {
    if labels.is_empty() {
        return None;
    }
    detections
        .iter()
        .map(|d| d.label_id)
        .find(|&id| id >= labels.len())
}

/// The model input size as floats, refusing a zero dimension (boxes are scaled by it).
fn input_size(
    converter: &'static str,
    width: usize,
    height: usize,
) -> Result<(f64, f64), ConverterError> {
    for (parameter, value) in [("input_width", width), ("input_height", height)] {
        if value == 0 {
            return Err(ConverterError::Parameter {
                converter,
                parameter,
                value: 0.0,
                expected: "a model input size of at least 1 pixel",
            });
        }
    }
    #[allow(clippy::cast_precision_loss)]
    Ok((width as f64, height as f64))
}

/// The label of `label_id`, when there is a non-empty one (DL Streamer sets no `label` for an
/// empty one).
fn label_of(labels: &[String], label_id: usize) -> Option<String> {
    labels.get(label_id).filter(|l| !l.is_empty()).cloned()
}

/// A float blob value that must be a class index (or id): finite, `>= 0`, and within
/// DL Streamer's `int`; truncated as DL Streamer's conversion does.
fn class_index(
    value: f64,
    converter: &'static str,
    what: &'static str,
    index: usize,
) -> Result<usize, ConverterError> {
    if value >= 0.0 && value < f64::from(i32::MAX) + 1.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(value as usize)
    } else {
        Err(ConverterError::BadIndex {
            converter,
            what,
            value,
            index,
        })
    }
}
