//! gvadetect on the generated detectors: exact boxes, labels and confidences.

mod common;

use common::{frame, info, model, run};
use gva_meta::VideoFrame;

const RED: [u8; 3] = [0, 0, 255];
const F32: &str = "ie-config=INFERENCE_PRECISION_HINT=f32";

/// `(label, x, y, w, h, confidence, label_id)` of each region of `buffer`.
fn regions(
    buffer: &gst::Buffer,
    width: u32,
    height: u32,
) -> Vec<(String, u32, u32, u32, u32, f64, i32)> {
    let frame = VideoFrame::new(buffer.as_ref(), info(width, height));
    frame
        .regions()
        .map(|r| {
            let rect = r.rect();
            (
                r.label().expect("label").to_owned(),
                rect.x,
                rect.y,
                rect.w,
                rect.h,
                r.confidence().expect("confidence"),
                r.label_id().expect("label_id"),
            )
        })
        .collect()
}

fn detect(
    element: &str,
    size: usize,
    block: (usize, usize, usize, usize),
    bgr: [u8; 3],
) -> Vec<(String, u32, u32, u32, u32, f64, i32)> {
    let out = run(element, size, size, &[frame(size, size, block, bgr)]).expect("runs");
    assert_eq!(out.len(), 1);
    regions(&out[0], size as u32, size as u32)
}

#[test]
fn ssd_finds_the_red_block_at_model_size() {
    let element = format!(
        "gvadetect model={} model-proc={} {F32}",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    let found = detect(&element, 64, (40, 24, 8, 8), RED);
    assert_eq!(found, vec![("red".to_owned(), 40, 24, 8, 8, 1.0, 2)]);
}

#[test]
fn ssd_boxes_map_back_to_a_larger_frame() {
    let element = format!(
        "gvadetect model={} model-proc={} {F32}",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    let found = detect(&element, 128, (80, 48, 16, 16), [255, 0, 0]);
    assert_eq!(found, vec![("blue".to_owned(), 80, 48, 16, 16, 1.0, 0)]);
}

#[test]
fn ssd_without_model_proc_uses_detection_output_and_labels_property() {
    let element = format!(
        "gvadetect model={} labels=b,g,r {F32}",
        model("detector_ssd.xml")
    );
    let found = detect(&element, 64, (0, 56, 8, 8), [0, 255, 0]);
    assert_eq!(found, vec![("g".to_owned(), 0, 56, 8, 8, 1.0, 1)]);
}

#[test]
fn threshold_filters_weak_detections() {
    // A block of value 102 has confidence 102/255 = 0.4.
    let base = format!(
        "gvadetect model={} model-proc={} {F32}",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    assert_eq!(detect(&base, 64, (8, 8, 8, 8), [0, 0, 102]), vec![]);
    let low = format!("{base} threshold=0.3");
    let found = detect(&low, 64, (8, 8, 8, 8), [0, 0, 102]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "red");
    assert_eq!(
        (found[0].1, found[0].2, found[0].3, found[0].4),
        (8, 8, 8, 8)
    );
    assert!((found[0].5 - 0.4).abs() < 1e-6, "{}", found[0].5);
}

#[test]
fn yolo_v8_finds_the_red_block() {
    let element = format!(
        "gvadetect model={} model-proc={} {F32}",
        model("detector_yolov8.xml"),
        model("detector_yolov8.json")
    );
    let found = detect(&element, 64, (40, 24, 8, 8), RED);
    assert_eq!(found, vec![("red".to_owned(), 40, 24, 8, 8, 1.0, 2)]);
}

#[test]
fn detection_structure_holds_the_normalized_box() {
    let element = format!(
        "gvadetect model={} model-proc={} {F32}",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    let out = run(&element, 64, 64, &[frame(64, 64, (40, 24, 8, 8), RED)]).expect("runs");
    let frame = VideoFrame::new(out[0].as_ref(), info(64, 64));
    let region = frame.regions().next().expect("a region");
    let detection = region.detection().expect("a detection structure");
    let bounds: Vec<f64> = ["x_min", "y_min", "x_max", "y_max"]
        .iter()
        .map(|f| detection.get_f64(f).expect("a bound"))
        .collect();
    assert_eq!(bounds, vec![5.0 / 8.0, 3.0 / 8.0, 6.0 / 8.0, 4.0 / 8.0]);
}

#[test]
fn inference_interval_skips_frames() {
    let element = format!(
        "gvadetect model={} model-proc={} inference-interval=2 {F32}",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    let frames: Vec<_> = (0..3).map(|_| frame(64, 64, (40, 24, 8, 8), RED)).collect();
    let out = run(&element, 64, 64, &frames).expect("runs");
    let counts: Vec<usize> = out.iter().map(|b| regions(b, 64, 64).len()).collect();
    assert_eq!(counts, vec![1, 0, 1]);
}
