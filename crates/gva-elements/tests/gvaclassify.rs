//! gvaclassify after gvadetect: each region classified by the generated colour classifier.

mod common;

use common::{frame, info, model, run};
use gva_meta::VideoFrame;

const F32: &str = "ie-config=INFERENCE_PRECISION_HINT=f32";

/// A 64x64 frame with a red block in cell (3, 5) and a green one in cell (1, 1).
fn two_blocks() -> Vec<u8> {
    let mut data = frame(64, 64, (40, 24, 8, 8), [0, 0, 255]);
    let green = frame(64, 64, (8, 8, 8, 8), [0, 255, 0]);
    for (d, g) in data.iter_mut().zip(green) {
        *d = (*d).max(g);
    }
    data
}

fn pipeline(classify: &str) -> String {
    format!(
        "gvadetect model={} model-proc={} {F32} ! gvaclassify model={} model-proc={} {F32} {classify}",
        model("detector_ssd.xml"),
        model("detector_ssd.json"),
        model("classifier.xml"),
        model("classifier.json"),
    )
}

/// `(region label, classification label, label_id, confidence, type, model, layer)` per
/// region, ordered by region label; classification fields empty where there is none.
type Seen = (String, String, i32, f64, String, String, String);

fn classified(buffer: &gst::Buffer) -> Vec<Seen> {
    let frame = VideoFrame::new(buffer.as_ref(), info(64, 64));
    let mut seen: Vec<Seen> = frame
        .regions()
        .map(|r| {
            let label = r.label().expect("label").to_owned();
            match r.param("color") {
                Some(t) => (
                    label,
                    t.label().expect("label").to_owned(),
                    t.label_id().expect("label_id"),
                    t.confidence().expect("confidence"),
                    t.type_().expect("type").to_owned(),
                    t.model_name().expect("model_name").to_owned(),
                    t.layer_name().expect("layer_name").to_owned(),
                ),
                None => (
                    label,
                    String::new(),
                    -1,
                    0.0,
                    String::new(),
                    String::new(),
                    String::new(),
                ),
            }
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    seen
}

fn result(region: &str, label: &str, label_id: i32) -> Seen {
    (
        region.to_owned(),
        label.to_owned(),
        label_id,
        1.0,
        "classification_result".to_owned(),
        "classifier".to_owned(),
        "prob".to_owned(),
    )
}

#[test]
fn every_region_is_classified_by_default() {
    let out = run(&pipeline(""), 64, 64, &[two_blocks()]).expect("runs");
    assert_eq!(
        classified(&out[0]),
        vec![result("green", "green", 1), result("red", "red", 2)]
    );
}

#[test]
fn object_class_filters_regions() {
    let out = run(&pipeline("object-class=red"), 64, 64, &[two_blocks()]).expect("runs");
    let seen = classified(&out[0]);
    assert_eq!(seen[1], result("red", "red", 2));
    assert_eq!(seen[0].0, "green");
    assert_eq!(seen[0].2, -1, "the green region is not classified");
}

#[test]
fn classification_carries_the_raw_blob() {
    let out = run(&pipeline(""), 64, 64, &[two_blocks()]).expect("runs");
    let frame = VideoFrame::new(out[0].as_ref(), info(64, 64));
    let red = frame
        .regions()
        .find(|r| r.label().is_ok_and(|l| l == "red"))
        .expect("the red region");
    let t = red.param("color").expect("a classification");
    assert_eq!(t.dims().expect("dims"), vec![1, 3]);
    let values: Vec<f32> = t
        .data()
        .expect("data")
        .chunks_exact(4)
        .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(values, vec![0.0, 0.0, 1.0]);
}

#[test]
fn full_frame_results_become_tensor_metas() {
    let element = format!(
        "gvaclassify name=cls inference-region=full-frame model={} model-proc={} {F32}",
        model("classifier.xml"),
        model("classifier.json"),
    );
    let out = run(
        &element,
        32,
        32,
        &[frame(32, 32, (0, 0, 32, 32), [30, 60, 90])],
    )
    .expect("runs");
    let frame = VideoFrame::new(out[0].as_ref(), info(32, 32));
    let tensors: Vec<_> = frame.tensors().collect();
    assert_eq!(tensors.len(), 1);
    let t = tensors[0];
    assert_eq!(t.name(), "color");
    assert_eq!(t.element_id().expect("element_id"), "cls");
    assert_eq!(t.label().expect("label"), "red");
    assert!((t.confidence().expect("confidence") - 0.5).abs() < 1e-6);
}

#[test]
fn frames_without_regions_pass_untouched() {
    let out = run(
        &pipeline(""),
        64,
        64,
        &[frame(64, 64, (0, 0, 0, 0), [0, 0, 0])],
    )
    .expect("runs");
    assert_eq!(out.len(), 1);
    assert_eq!(classified(&out[0]), vec![]);
}

#[test]
fn padded_rows_are_skipped() {
    // BGR rows of 30 pixels are padded to 92 bytes; the padding holds bright noise that must
    // not reach the model.
    let (width, height, stride) = (30, 30, 92);
    let mut data = vec![255u8; stride * height];
    for row in 0..height {
        for col in 0..width {
            let at = row * stride + col * 3;
            data[at..at + 3].copy_from_slice(&[30, 60, 90]);
        }
    }
    let element = format!(
        "gvaclassify inference-region=full-frame model={} model-proc={} {F32}",
        model("classifier.xml"),
        model("classifier.json"),
    );
    let out = run(&element, width, height, &[data]).expect("runs");
    let frame = VideoFrame::new(out[0].as_ref(), info(30, 30));
    let t = frame.tensors().next().expect("a tensor");
    let values: Vec<f32> = t
        .data()
        .expect("data")
        .chunks_exact(4)
        .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let expected = [1.0f32 / 6.0, 1.0 / 3.0, 0.5];
    for (v, e) in values.iter().zip(expected) {
        assert!((v - e).abs() < 1e-6, "{values:?}");
    }
}
