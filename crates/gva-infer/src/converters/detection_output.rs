//! `detection_output`: the SSD `DetectionOutput` layer, `[1, 1, N, 7]`.

use super::{Blob, ConverterError, DEFAULT_CONFIDENCE_THRESHOLD, Detection, class_index, label_of};

/// The `detection_output` converter (alias `tensor_to_bbox_ssd`, `DetectionOutput`).
///
/// Reads rows `[image_id, label, confidence, x_min, y_min, x_max, y_max]` with the box already
/// normalized to the model input. Stops at the first row whose `image_id` is negative (or not a
/// frame of the batch), skips rows below `confidence_threshold`, and runs no NMS (the layer did).
#[derive(Debug, Clone, PartialEq)]
pub struct DetectionOutput {
    /// Rows with a lower confidence are skipped (a confidence equal to it is kept).
    pub confidence_threshold: f64,
    /// Class labels by `label_id`.
    pub labels: Vec<String>,
    /// Model-proc `roi_scale`: boxes scaled about their centre (1 = unchanged).
    pub roi_scale: f64,
}

impl Default for DetectionOutput {
    fn default() -> Self {
        Self {
            confidence_threshold: DEFAULT_CONFIDENCE_THRESHOLD,
            labels: Vec::new(),
            roi_scale: 1.0,
        }
    }
}

impl DetectionOutput {
    /// The converter's name.
    pub const NAME: &'static str = "detection_output";
    /// Values per row.
    pub const OBJECT_SIZE: usize = 7;

    /// Checks that `dims` are `[..., N, 7]` with every other dim 1; returns N.
    pub fn check_dims(dims: &[usize]) -> Result<usize, ConverterError> {
        let fits = dims.len() >= 2
            && dims[dims.len() - 1] == Self::OBJECT_SIZE
            && dims[..dims.len() - 2].iter().all(|&d| d == 1);
        if !fits {
            return Err(ConverterError::Shape {
                converter: Self::NAME,
                dims: dims.to_vec(),
                expected: "[1, 1, N, 7] (N rows of image_id, label, confidence, x_min, y_min, \
                           x_max, y_max)"
                    .into(),
            });
        }
        Ok(dims[dims.len() - 2])
    }

    /// The detections of each of the `batch_size` frames (a row's `image_id` is its frame).
    pub fn convert(
        &self,
        blob: &Blob<'_>,
        batch_size: usize,
    ) -> Result<Vec<Vec<Detection>>, ConverterError> {
        let rows = Self::check_dims(blob.dims())?;
        blob.check_batch(batch_size)?;
        let values = blob.as_f32(Self::NAME)?;
        let mut frames = vec![Vec::new(); batch_size];
        for (index, row) in values
            .chunks_exact(Self::OBJECT_SIZE)
            .take(rows)
            .enumerate()
        {
            let image_id = f64::from(row[0]);
            // NaN fails `>= 0` too. Truncation as DL Streamer's int conversion.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let Some(frame) = (image_id >= 0.0)
                .then_some(image_id as usize)
                .and_then(|i| frames.get_mut(i))
            else {
                break;
            };
            let confidence = f64::from(row[2]);
            if confidence.is_nan() || confidence < self.confidence_threshold {
                continue;
            }
            let label_id = class_index(f64::from(row[1]), Self::NAME, "label id", index)?;
            let detection = Detection {
                label_id,
                label: label_of(&self.labels, label_id),
                confidence,
                x_min: f64::from(row[3]),
                y_min: f64::from(row[4]),
                x_max: f64::from(row[5]),
                y_max: f64::from(row[6]),
            };
            let detection = detection.scaled(self.roi_scale);
            if detection.has_box() {
                frame.push(detection.clipped());
            }
        }
        Ok(frames)
    }
}
