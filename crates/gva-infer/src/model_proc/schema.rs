//! The parsed model-proc: typed pre-processing and post-processing descriptions.

use gva_meta_types::Precision;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::converters::{ConverterName, LabelMethod};

/// A model-proc `json_schema_version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchemaVersion {
    /// `"1.0.0"`: flat `input_preproc` items (`color_format`, `converter`, …).
    V1_0,
    /// `"2.0.0"`: `input_preproc` items with `layer_name`, `format`, `params` (the first two
    /// required).
    V2_0,
    /// `"2.1.0"`: as 2.0.0, and `output_postproc` items may name `layer_names`.
    V2_1,
    /// `"2.2.0"`: `layer_name` (default `"ANY"`) and `format` (default `"image"`) optional;
    /// `labels` may be a path.
    V2_2,
}

impl SchemaVersion {
    /// Every version, oldest first.
    pub const ALL: [SchemaVersion; 4] = [Self::V1_0, Self::V2_0, Self::V2_1, Self::V2_2];

    /// The version as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1_0 => "1.0.0",
            Self::V2_0 => "2.0.0",
            Self::V2_1 => "2.1.0",
            Self::V2_2 => "2.2.0",
        }
    }

    /// The version written as `text`, if it is one of [`ALL`](Self::ALL).
    pub fn from_text(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }
}

/// What an input layer takes (`input_preproc[].format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// The (resized, converted) image.
    #[default]
    Image,
    /// Image size information (`[height, width, scale]` rows) for models such as Faster R-CNN.
    ImageInfo,
    /// A layer filled with ones (sequence index of recurrent models).
    SequenceIndex,
}

/// How the image is resized to the input (`params.resize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Resize {
    /// No resize.
    #[serde(rename = "no")]
    No,
    /// Stretch to the input size.
    #[serde(rename = "no-aspect-ratio")]
    NoAspectRatio,
    /// Keep the aspect ratio (and pad).
    #[serde(rename = "aspect-ratio")]
    AspectRatio,
}

/// Which part of the image is kept when cropping (`params.crop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Crop {
    Central,
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

/// The colour space the model takes (`params.color_space`; `color_format` in schema 1.0.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum ColorSpace {
    /// `"RGB"`.
    #[serde(rename = "RGB")]
    Rgb,
    /// `"BGR"` (DL Streamer's default).
    #[serde(rename = "BGR")]
    Bgr,
    /// `"GRAYSCALE"`.
    #[serde(rename = "GRAYSCALE")]
    Grayscale,
}

/// Padding added around the image (`params.padding`).
#[derive(Debug, Clone, PartialEq)]
pub struct Padding {
    /// Pixels added left and right (`stride_x`, or `stride`).
    pub stride_x: u32,
    /// Pixels added top and bottom (`stride_y`, or `stride`).
    pub stride_y: u32,
    /// Fill colour in the target colour space (`fill_value`).
    pub fill_value: Option<Vec<f64>>,
}

/// The `params` of an `input_preproc` item.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PreprocParams {
    /// `resize`.
    pub resize: Option<Resize>,
    /// `crop`.
    pub crop: Option<Crop>,
    /// `color_space`.
    pub color_space: Option<ColorSpace>,
    /// `range`: `[lo, hi]` the 0-255 values are mapped to.
    pub range: Option<[f64; 2]>,
    /// `mean`, one per channel.
    pub mean: Option<Vec<f64>>,
    /// `std`, one per channel (none zero).
    pub std: Option<Vec<f64>>,
    /// `padding`.
    pub padding: Option<Padding>,
    /// `scale` (of an `image_info` layer).
    pub scale: Option<f64>,
    /// Every other key, as written.
    pub other: Map<String, Value>,
}

/// One `input_preproc` item: how to fill one input layer.
#[derive(Debug, Clone, PartialEq)]
pub struct InputPreproc {
    /// `layer_name` (defaults: `"ANY"` in 2.2.0, `"UNKNOWN"` in 1.0.0).
    pub layer_name: String,
    /// `format` (default `image`).
    pub format: InputFormat,
    /// `precision` (default `U8` for images, else `FP32`).
    pub precision: Precision,
    /// `params` (in 1.0.0: the item's other keys).
    pub params: PreprocParams,
}

/// The converter parameters of an `output_postproc` item that gva-rs reads, checked.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PostprocParams {
    /// `method` of the `label` converter.
    pub method: Option<LabelMethod>,
    /// `confidence_threshold`.
    pub confidence_threshold: Option<f64>,
    /// `iou_threshold` (in [0, 1]).
    pub iou_threshold: Option<f64>,
    /// `roi_scale`.
    pub roi_scale: Option<f64>,
    /// `text_scale` of the `text` converter.
    pub text_scale: Option<f64>,
    /// `text_precision` of the `text` converter.
    pub text_precision: Option<usize>,
}

/// One `output_postproc` item: how to convert one output (or a set of outputs).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputPostproc {
    /// `layer_name`, or the `layer_names`; empty when neither is set (DL Streamer's `"ANY"`:
    /// the model's only output).
    pub layer_names: Vec<String>,
    /// `attribute_name`: the name of the result structure.
    pub attribute_name: Option<String>,
    /// `converter`, resolved (it may be a deprecated alias: see
    /// [`ConverterName::deprecation_warning`]). `None` when absent or empty: the element's
    /// default converter applies.
    pub converter: Option<ConverterName>,
    /// `labels`, from the array or read from the file it names.
    pub labels: Option<Vec<String>>,
    /// The converter parameters gva-rs reads.
    pub params: PostprocParams,
    /// Every key of the item as written (with `labels` as the array of labels when it named a
    /// file): DL Streamer copies them all into each result structure.
    pub fields: Map<String, Value>,
}

impl OutputPostproc {
    /// Whether this item describes output `layer` (an item without layer names describes any).
    pub fn applies_to(&self, layer: &str) -> bool {
        self.layer_names.is_empty() || self.layer_names.iter().any(|l| l == layer)
    }

    /// The name DL Streamer gives the result structure: `attribute_name`, else `"ANY"` (the
    /// elements rename it `detection`, `classification_layer_name:<layer>`, …).
    pub fn structure_name(&self) -> &str {
        self.attribute_name.as_deref().unwrap_or("ANY")
    }
}
