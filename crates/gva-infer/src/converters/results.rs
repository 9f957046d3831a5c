//! What converters produce: plain values that the elements attach as SPEC §2 says.

use gva_meta_types::{Layout, Precision};

/// The `type` field DL Streamer sets on the results of the `label` and `text` converters.
pub const CLASSIFICATION_RESULT_TYPE: &str = "classification_result";

/// One detected object: a box normalized to the model input, clipped to [0, 1].
///
/// Attached as a region whose `"detection"` structure holds `label_id`, `confidence` and
/// `x_min..y_max` (after mapping from the model input back to the frame).
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Class index (always fits DL Streamer's `int` field: converters reject larger ids).
    pub label_id: usize,
    /// The class's label, when labels are known and cover `label_id`.
    pub label: Option<String>,
    /// Detection confidence.
    pub confidence: f64,
    /// Left edge, normalized.
    pub x_min: f64,
    /// Top edge, normalized.
    pub y_min: f64,
    /// Right edge, normalized.
    pub x_max: f64,
    /// Bottom edge, normalized.
    pub y_max: f64,
}

impl Detection {
    /// Box width (normalized).
    pub fn width(&self) -> f64 {
        self.x_max - self.x_min
    }

    /// Box height (normalized).
    pub fn height(&self) -> f64 {
        self.y_max - self.y_min
    }

    /// Whether the box has a place: no coordinate is NaN (which no clipping can place). The
    /// converters skip detections without one, as they skip a NaN confidence.
    pub fn has_box(&self) -> bool {
        [self.x_min, self.y_min, self.x_max, self.y_max]
            .iter()
            .all(|v| !v.is_nan())
    }

    /// The same detection with its box clipped to [0, 1] (DL Streamer's `clipNormalizedRect`).
    pub fn clipped(self) -> Self {
        Self {
            x_min: self.x_min.clamp(0.0, 1.0),
            y_min: self.y_min.clamp(0.0, 1.0),
            x_max: self.x_max.clamp(0.0, 1.0),
            y_max: self.y_max.clamp(0.0, 1.0),
            ..self
        }
    }

    /// The box scaled about its centre by `roi_scale` (model-proc `roi_scale`; values `<= 0`
    /// and `1` leave it as it is, as in DL Streamer).
    pub fn scaled(self, roi_scale: f64) -> Self {
        if roi_scale <= 0.0 || roi_scale == 1.0 {
            return self;
        }
        let (w, h) = (self.width(), self.height());
        let x_min = self.x_min + w / 2.0 * (1.0 - roi_scale);
        let y_min = self.y_min + h / 2.0 * (1.0 - roi_scale);
        Self {
            x_min,
            y_min,
            x_max: x_min + w * roi_scale,
            y_max: y_min + h * roi_scale,
            ..self
        }
    }
}

/// A classification result of the `label` or `text` converter for one frame or region.
///
/// Attached as a structure named after the model-proc `attribute_name` holding `label`,
/// `label_id` and `confidence` when set, and `type = "classification_result"`
/// ([`CLASSIFICATION_RESULT_TYPE`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClassificationResult {
    /// The label text; `None` where DL Streamer sets no `label` (method `index` with no class
    /// index above 0).
    pub label: Option<String>,
    /// Class index (methods `max` and `softmax`).
    pub label_id: Option<usize>,
    /// Confidence (methods `max`, `softmax`, `compound`, `multi`).
    pub confidence: Option<f64>,
}

impl ClassificationResult {
    /// The `type` field value: always `"classification_result"`.
    pub fn result_type(&self) -> &'static str {
        CLASSIFICATION_RESULT_TYPE
    }
}

/// The raw output of one frame (`raw_data_copy`, and the blob copy DL Streamer adds to
/// classification results): the fields `dims`, `precision`, `layout` and `data_buffer`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTensor {
    /// The blob's dims, batch included (as DL Streamer writes them).
    pub dims: Vec<usize>,
    /// Element type.
    pub precision: Precision,
    /// Layout tag.
    pub layout: Layout,
    /// This frame's values, native-endian bytes.
    pub data: Vec<u8>,
}
