//! `yolo_v8`: Ultralytics YOLOv8/v11 detection output `[1, 4 + C, A]`, then NMS.

use super::{Blob, ConverterError, DEFAULT_CONFIDENCE_THRESHOLD, Detection, Nms, label_of};

/// The `yolo_v8` converter (alias `YOLOv8`).
///
/// For each of the A anchors (columns), rows 0-3 are the box centre and size `cx, cy, w, h` in
/// pixels of the model input and rows 4.. the C class scores. An anchor whose best class score
/// is **above** `confidence_threshold` (DL Streamer compares with `>` here) becomes a detection
/// of that class (ties go to the lower class); the detections of a frame then go through
/// [`Nms`] and are clipped to [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct YoloV8 {
    /// Anchors whose best score is not above this are skipped.
    pub confidence_threshold: f64,
    /// Class labels by `label_id`.
    pub labels: Vec<String>,
    /// Model input width in pixels (boxes are divided by it).
    pub input_width: usize,
    /// Model input height in pixels.
    pub input_height: usize,
    /// The suppression run on each frame's detections.
    pub nms: Nms,
}

impl YoloV8 {
    /// The converter's name.
    pub const NAME: &'static str = "yolo_v8";
    /// Rows before the class scores (`cx, cy, w, h`).
    pub const BOX_ROWS: usize = 4;

    /// A converter for a model input of `input_width` x `input_height` with DL Streamer's
    /// defaults (threshold 0.5, IoU 0.4, no labels).
    pub fn new(input_width: usize, input_height: usize) -> Self {
        Self {
            confidence_threshold: DEFAULT_CONFIDENCE_THRESHOLD,
            labels: Vec::new(),
            input_width,
            input_height,
            nms: Nms::default(),
        }
    }

    /// Checks that `dims` are `[batch_size, 4 + C, A]` (or `[4 + C, A]` for one frame);
    /// returns `(4 + C, A)`.
    pub fn check_dims(dims: &[usize], batch_size: usize) -> Result<(usize, usize), ConverterError> {
        let rank = dims.len();
        let fits = rank >= 2 && dims[rank - 2] > Self::BOX_ROWS && batch_size > 0 && {
            let leading: usize = dims[..rank - 2].iter().product();
            leading == batch_size
        };
        if !fits {
            return Err(ConverterError::Shape {
                converter: Self::NAME,
                dims: dims.to_vec(),
                expected: format!(
                    "[{batch_size}, 4 + C, A] (cx, cy, w, h and C >= 1 class scores for each \
                     of A anchors)"
                ),
            });
        }
        Ok((dims[rank - 2], dims[rank - 1]))
    }

    /// The detections of each of the `batch_size` frames, after NMS, highest confidence first.
    pub fn convert(
        &self,
        blob: &Blob<'_>,
        batch_size: usize,
    ) -> Result<Vec<Vec<Detection>>, ConverterError> {
        let (rows, anchors) = Self::check_dims(blob.dims(), batch_size)?;
        blob.check_batch(batch_size)?;
        let (width, height) = self.input_size()?;
        let values = blob.as_f32(Self::NAME)?;
        if anchors == 0 {
            return Ok(vec![Vec::new(); batch_size]);
        }
        Ok(values
            .chunks_exact(rows * anchors)
            .take(batch_size)
            .map(|item| {
                let mut detections = self.candidates(item, anchors, width, height);
                self.nms.run(&mut detections);
                detections.into_iter().map(Detection::clipped).collect()
            })
            .collect())
    }

    fn input_size(&self) -> Result<(f64, f64), ConverterError> {
        super::input_size(Self::NAME, self.input_width, self.input_height)
    }

    /// Unclipped detections of one frame before NMS, in anchor order, from its `[4 + C, A]`
    /// values (row-major, A > 0).
    fn candidates(&self, item: &[f32], anchors: usize, width: f64, height: f64) -> Vec<Detection> {
        // Row by row (contiguous, vectorizable) rather than anchor by anchor (strided by A).
        let mut rows = item.chunks_exact(anchors).skip(Self::BOX_ROWS);
        let mut best: Vec<f32> = rows.next().map(<[f32]>::to_vec).unwrap_or_default();
        let mut best_class = vec![0u32; best.len()];
        for (class, row) in (1u32..).zip(rows) {
            for ((b, k), &score) in best.iter_mut().zip(best_class.iter_mut()).zip(row) {
                let above = score > *b;
                *b = if above { score } else { *b };
                *k = if above { class } else { *k };
            }
        }
        let mut detections = Vec::new();
        for (anchor, (&score, &class)) in best.iter().zip(&best_class).enumerate() {
            let confidence = f64::from(score);
            if confidence.is_nan() || confidence <= self.confidence_threshold {
                continue;
            }
            let label_id = class as usize;
            let at = |row: usize| f64::from(item[row * anchors + anchor]);
            let (cx, cy, w, h) = (at(0), at(1), at(2), at(3));
            let detection = Detection {
                label_id,
                label: label_of(&self.labels, label_id),
                confidence,
                x_min: (cx - w / 2.0) / width,
                y_min: (cy - h / 2.0) / height,
                x_max: (cx + w / 2.0) / width,
                y_max: (cy + h / 2.0) / height,
            };
            if detection.has_box() {
                detections.push(detection);
            }
        }
        detections
    }
}
