//! Non-maximum suppression of overlapping detections.

use super::Detection;

/// DL Streamer's IoU threshold for detection NMS (`DEFAULT_IOU_THRESHOLD`).
pub const DEFAULT_IOU_THRESHOLD: f64 = 0.4;

/// Greedy non-maximum suppression, as DL Streamer's `BlobToROIConverter::runNms`.
///
/// Detections are ordered by confidence, highest first (a stable sort: equal confidences keep
/// the converter's order, which DL Streamer's `std::sort` does not promise); each detection
/// that is still kept then suppresses every later one whose IoU with it is **greater** than
/// `iou_threshold` (an IoU exactly at the threshold is kept). Boxes that only touch (zero-width
/// or zero-height intersection) never suppress each other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nms {
    /// Suppress when IoU is above this.
    pub iou_threshold: f64,
    /// Only detections of the same `label_id` suppress each other. DL Streamer's NMS is
    /// class-agnostic; gva-rs defaults to class-aware so that overlapping objects of different
    /// classes (a person on a bicycle) are both kept. Set `false` for DL Streamer's behaviour.
    pub class_aware: bool,
}

impl Default for Nms {
    fn default() -> Self {
        Self {
            iou_threshold: DEFAULT_IOU_THRESHOLD,
            class_aware: true,
        }
    }
}

impl Nms {
    /// Sorts `detections` by confidence (highest first) and removes the suppressed ones.
    pub fn run(&self, detections: &mut Vec<Detection>) {
        detections.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        let mut suppressed = vec![false; detections.len()];
        for i in 0..detections.len() {
            if suppressed[i] {
                continue;
            }
            let kept = &detections[i];
            for (j, candidate) in detections.iter().enumerate().skip(i + 1) {
                if suppressed[j] || (self.class_aware && candidate.label_id != kept.label_id) {
                    continue;
                }
                if iou(kept, candidate) > self.iou_threshold {
                    suppressed[j] = true;
                }
            }
        }
        let mut flags = suppressed.into_iter();
        detections.retain(|_| !flags.next().unwrap_or(false));
    }
}

/// Intersection over union of two boxes; 0 when they do not overlap with a positive area.
pub fn iou(a: &Detection, b: &Detection) -> f64 {
    let inter_w = a.x_max.min(b.x_max) - a.x_min.max(b.x_min);
    let inter_h = a.y_max.min(b.y_max) - a.y_min.max(b.y_min);
    if inter_w <= 0.0 || inter_h <= 0.0 {
        return 0.0;
    }
    let inter = inter_w * inter_h;
    let union = a.width() * a.height() + b.width() * b.height() - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}
