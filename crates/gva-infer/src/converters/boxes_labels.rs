//! `boxes_labels`: two outputs, `boxes [N, 5]` in input pixels and `labels [N]`.

use super::blob::{Element, with_numeric};
use super::{Blob, ConverterError, DEFAULT_CONFIDENCE_THRESHOLD, Detection, class_index, label_of};

/// The `boxes_labels` converter (aliases `tensor_to_bbox_atss`, Geti's `ssd`).
///
/// Output `boxes` is `[N, 5]` (or `[B, N, 5]`) of `x_min, y_min, x_max, y_max, confidence` in
/// pixels of the model input (`[N, 4]` means confidence 1), output `labels` is `[N]` (or
/// `[B, N]`) of class indices, integer or float. Boxes below `confidence_threshold` are
/// skipped; no NMS (the model did it).
#[derive(Debug, Clone, PartialEq)]
pub struct BoxesLabels {
    /// Boxes with a lower confidence are skipped (equal is kept).
    pub confidence_threshold: f64,
    /// Class labels by `label_id`.
    pub labels: Vec<String>,
    /// Model-proc `roi_scale`: boxes scaled about their centre (1 = unchanged).
    pub roi_scale: f64,
    /// Model input width in pixels (boxes are divided by it).
    pub input_width: usize,
    /// Model input height in pixels.
    pub input_height: usize,
}

impl BoxesLabels {
    /// The converter's name.
    pub const NAME: &'static str = "boxes_labels";
    /// Name of the boxes output.
    pub const BOXES_LAYER: &'static str = "boxes";
    /// Name of the labels output.
    pub const LABELS_LAYER: &'static str = "labels";

    /// A converter for a model input of `input_width` x `input_height` with DL Streamer's
    /// defaults (threshold 0.5, no labels, no `roi_scale`).
    pub fn new(input_width: usize, input_height: usize) -> Self {
        Self {
            confidence_threshold: DEFAULT_CONFIDENCE_THRESHOLD,
            labels: Vec::new(),
            roi_scale: 1.0,
            input_width,
            input_height,
        }
    }

    /// Checks the two outputs' dims for `batch_size` frames; returns the boxes per frame and
    /// the values per box (4 or 5).
    pub fn check_dims(
        boxes: &[usize],
        labels: &[usize],
        batch_size: usize,
    ) -> Result<(usize, usize), ConverterError> {
        let shape_error = || ConverterError::Shape {
            converter: Self::NAME,
            dims: boxes.to_vec(),
            expected: format!(
                "boxes [N, 5] or [N, 4] (x_min, y_min, x_max, y_max[, confidence]) for a \
                 batch of {batch_size}, and labels [N]"
            ),
        };
        let object_size = *boxes.last().ok_or_else(shape_error)?;
        if boxes.len() < 2 || !(object_size == 4 || object_size == 5) || batch_size == 0 {
            return Err(shape_error());
        }
        let total: usize = boxes.iter().product();
        let per_frame = total / object_size;
        if !per_frame.is_multiple_of(batch_size) {
            return Err(shape_error());
        }
        let count = per_frame / batch_size;
        let label_count: usize = labels.iter().product();
        if labels.is_empty() || label_count != per_frame {
            return Err(ConverterError::Shape {
                converter: Self::NAME,
                dims: labels.to_vec(),
                expected: format!("labels of {per_frame} values, one per box of boxes {boxes:?}"),
            });
        }
        Ok((count, object_size))
    }

    /// The detections of each of the `batch_size` frames.
    pub fn convert(
        &self,
        boxes: &Blob<'_>,
        labels: &Blob<'_>,
        batch_size: usize,
    ) -> Result<Vec<Vec<Detection>>, ConverterError> {
        let (count, object_size) = Self::check_dims(boxes.dims(), labels.dims(), batch_size)?;
        boxes.check_batch(batch_size)?;
        let (width, height) = self.input_size()?;
        let values = boxes.as_f32(Self::NAME)?;
        with_numeric!(labels.data(), Self::NAME, |ids| {
            (0..batch_size)
                .map(|frame| {
                    let rows = &values[frame * count * object_size..][..count * object_size];
                    let ids = &ids[frame * count..][..count];
                    self.frame(rows, object_size, ids, frame * count, width, height)
                })
                .collect()
        })
    }

    fn input_size(&self) -> Result<(f64, f64), ConverterError> {
        super::input_size(Self::NAME, self.input_width, self.input_height)
    }

    fn frame<T: Element>(
        &self,
        rows: &[f32],
        object_size: usize,
        ids: &[T],
        first_index: usize,
        width: f64,
        height: f64,
    ) -> Result<Vec<Detection>, ConverterError> {
        let mut detections = Vec::new();
        for (i, (row, id)) in rows.chunks_exact(object_size).zip(ids).enumerate() {
            let confidence = if object_size == 5 {
                f64::from(row[4])
            } else {
                1.0
            };
            if confidence.is_nan() || confidence < self.confidence_threshold {
                continue;
            }
            let label_id = class_index(id.to_f64(), Self::NAME, "label id", first_index + i)?;
            let detection = Detection {
                label_id,
                label: label_of(&self.labels, label_id),
                confidence,
                x_min: f64::from(row[0]) / width,
                y_min: f64::from(row[1]) / height,
                x_max: f64::from(row[2]) / width,
                y_max: f64::from(row[3]) / height,
            };
            let detection = detection.scaled(self.roi_scale);
            if detection.has_box() {
                detections.push(detection.clipped());
            }
        }
        Ok(detections)
    }
}
