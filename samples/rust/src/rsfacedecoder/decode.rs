//! The anchor decoding of `samples/face_detection_decoder.py`, function for function and
//! line for line: [`ssd_anchors`], [`iou`], [`decode`]. numpy's float32 arithmetic is kept
//! exactly (see `numpy.rs`), so every box, score and landmark is the Python sample's, bit for
//! bit. Each step carries the Python line it ports.

use std::cmp::Ordering;
use std::sync::LazyLock;

use crate::numpy;

/// Width and height of the model's input, in pixels.
pub const INPUT_SIZE: usize = 128;
/// Feature-map strides of the four SSD layers; each layer puts 2 anchors on every cell.
pub const STRIDES: [usize; 4] = [8, 16, 16, 16];
/// The six landmarks after the box in each regressor row.
pub const KEYPOINTS: [&str; 6] = [
    "right_eye",
    "left_eye",
    "nose_tip",
    "mouth_center",
    "right_ear",
    "left_ear",
];

/// Anchor centres (x, y in 0..1), in the model's output order.
///
/// Consecutive layers with the same stride share one grid, so their anchors interleave per
/// cell: 2 anchors per cell on the 16x16 grid, 6 on the 8x8 one (512 + 384 = 896).
pub fn ssd_anchors(input_size: usize, strides: &[usize]) -> Vec<[f32; 2]> {
    // centres = []; layer = 0
    let mut centres = Vec::new();
    let mut layer = 0;
    while layer < strides.len() {
        let stride = strides[layer];
        let mut same = 0;
        while layer < strides.len() && strides[layer] == stride {
            same += 1;
            layer += 1;
        }
        // cells = -(-input_size // stride)
        let cells = input_size.div_ceil(stride);
        // grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        let grid: Vec<f32> = (0..cells)
            .map(|i| (i as f32 + 0.5) / cells as f32)
            .collect();
        // ys, xs = np.meshgrid(grid, grid, indexing="ij"); per_cell = [xs, ys] row-major
        for &y in &grid {
            for &x in &grid {
                // centres.append(np.repeat(per_cell, 2 * same, axis=0))
                centres.extend(std::iter::repeat_n([x, y], 2 * same));
            }
        }
    }
    centres
}

/// `ANCHORS = ssd_anchors()`.
pub static ANCHORS: LazyLock<Vec<[f32; 2]>> = LazyLock::new(|| ssd_anchors(INPUT_SIZE, &STRIDES));

/// IoU of one `[x0, y0, x1, y1]` box with another (`iou(box, boxes)` for one row of `boxes`).
pub fn iou(b: &[f32; 4], other: &[f32; 4]) -> f32 {
    // x0 = np.maximum(box[0], boxes[:, 0]), and so on
    let x0 = numpy::maximum(b[0], other[0]);
    let y0 = numpy::maximum(b[1], other[1]);
    let x1 = numpy::minimum(b[2], other[2]);
    let y1 = numpy::minimum(b[3], other[3]);
    // inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    let inter = numpy::maximum(x1 - x0, 0.0) * numpy::maximum(y1 - y0, 0.0);
    let area = (b[2] - b[0]) * (b[3] - b[1]);
    let areas = (other[2] - other[0]) * (other[3] - other[1]);
    // inter / np.maximum(area + areas - inter, 1e-9)
    inter / numpy::maximum(area + areas - inter, 1e-9)
}

/// One face: box `[x0, y0, x1, y1]`, score, six landmarks (x, y), normalized to 0..1.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    /// The box, corners in fractions of the frame.
    pub rect: [f32; 4],
    /// The best candidate's score.
    pub score: f32,
    /// The landmarks, in [`KEYPOINTS`] order.
    pub keypoints: [[f32; 2]; 6],
}

/// Why the tensors could not be decoded (the Python version raises numpy's reshape error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError(pub String);

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Faces, best first, after weighted non-maximum suppression (MediaPipe's `WEIGHTED`:
/// overlapping candidates are averaged, weighted by score, and the best one's score is kept).
pub fn decode(
    regressors: &[f32],
    logits: &[f32],
    threshold: f64,
    iou_threshold: f64,
) -> Result<Vec<Face>, ShapeError> {
    let anchors = &*ANCHORS;
    let n = anchors.len();
    // rows = regressors.reshape(len(ANCHORS), -1).astype(np.float32)
    let width = regressors.len() / n;
    if regressors.is_empty() || !regressors.len().is_multiple_of(n) || width < 16 {
        return Err(ShapeError(format!(
            "regressors: {} values are not {n} rows of at least 16 (box and 6 landmarks)",
            regressors.len()
        )));
    }
    let rows: Vec<&[f32]> = regressors.chunks_exact(width).collect();
    // logits = logits.reshape(len(ANCHORS)).astype(np.float32)
    if logits.len() != n {
        return Err(ShapeError(format!(
            "classificators: {} values, expected one per anchor ({n})",
            logits.len()
        )));
    }
    // Python floats meet float32 arrays as float32 (numpy 2).
    let (threshold, iou_threshold) = (threshold as f32, iou_threshold as f32);

    // scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -80.0, 80.0)))
    let scores: Vec<f32> = logits
        .iter()
        .map(|&l| 1.0 / (1.0 + numpy::exp(-numpy::clip(l, -80.0, 80.0))))
        .collect();
    // keep = np.flatnonzero(scores >= threshold)
    let keep: Vec<usize> = (0..n).filter(|&i| scores[i] >= threshold).collect();
    if keep.is_empty() {
        return Ok(Vec::new());
    }
    // rows, scores, anchors = rows[keep] / INPUT_SIZE, scores[keep], ANCHORS[keep]
    let size = INPUT_SIZE as f32;
    let rows: Vec<Vec<f32>> = keep
        .iter()
        .map(|&i| rows[i].iter().map(|v| v / size).collect())
        .collect();
    let scores: Vec<f32> = keep.iter().map(|&i| scores[i]).collect();
    let anchors: Vec<[f32; 2]> = keep.iter().map(|&i| anchors[i]).collect();
    // centres = rows[:, 0:2] + anchors; half = rows[:, 2:4] / 2
    // boxes = np.concatenate([centres - half, centres + half], axis=1)
    let boxes: Vec<[f32; 4]> = rows
        .iter()
        .zip(&anchors)
        .map(|(row, a)| {
            let (cx, cy) = (row[0] + a[0], row[1] + a[1]);
            let (hw, hh) = (row[2] / 2.0, row[3] / 2.0);
            [cx - hw, cy - hh, cx + hw, cy + hh]
        })
        .collect();
    // points = rows[:, 4:16].reshape(-1, len(KEYPOINTS), 2) + anchors[:, None, :]
    let points: Vec<[[f32; 2]; 6]> = rows
        .iter()
        .zip(&anchors)
        .map(|(row, a)| std::array::from_fn(|k| [row[4 + 2 * k] + a[0], row[5 + 2 * k] + a[1]]))
        .collect();

    // faces = []
    let mut faces = Vec::new();
    // order = np.argsort(-scores, kind="stable"): equal scores stay in anchor order
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].partial_cmp(&scores[a]).unwrap_or(Ordering::Equal));
    while !order.is_empty() {
        let best = order[0];
        // overlap = iou(boxes[order[0]], boxes[order]) > iou_threshold
        let overlap: Vec<bool> = order
            .iter()
            .enumerate()
            // The best candidate is in its own group even when its box overlaps nothing
            // (zero or negative size): otherwise the loop would never end.
            .map(|(k, &i)| k == 0 || iou(&boxes[best], &boxes[i]) > iou_threshold)
            .collect();
        // group = order[overlap]; weights = scores[group][:, None]
        let group: Vec<usize> = order
            .iter()
            .zip(&overlap)
            .filter(|(_, o)| **o)
            .map(|(i, _)| *i)
            .collect();
        let weights: Vec<f32> = group.iter().map(|&i| scores[i]).collect();
        // weights.sum()
        let total = numpy::pairwise_sum(&weights);
        // box = (boxes[group] * weights).sum(axis=0) / weights.sum()
        let rect: [f32; 4] = std::array::from_fn(|j| {
            let sum = group
                .iter()
                .zip(&weights)
                .fold(-0.0, |s, (&i, w)| s + boxes[i][j] * w);
            sum / total
        });
        // kps = (points[group] * weights[:, :, None]).sum(axis=0) / weights.sum()
        let keypoints: [[f32; 2]; 6] = std::array::from_fn(|k| {
            std::array::from_fn(|c| {
                let sum = group
                    .iter()
                    .zip(&weights)
                    .fold(-0.0, |s, (&i, w)| s + points[i][k][c] * w);
                sum / total
            })
        });
        // faces.append((box, float(scores[order[0]]), kps))
        faces.push(Face {
            rect,
            score: scores[best],
            keypoints,
        });
        // order = order[~overlap]
        order = order
            .iter()
            .zip(&overlap)
            .filter(|(_, o)| !**o)
            .map(|(i, _)| *i)
            .collect();
    }
    Ok(faces)
}
