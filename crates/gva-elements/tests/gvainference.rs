//! gvainference on the generated multi-output model: exact tensors per output layer.

mod common;

use common::{frame, info, model, run};
use gva_meta::{Precision, VideoFrame};

const F32: &str = "ie-config=INFERENCE_PRECISION_HINT=f32";

/// `(name, layer, model, element_id, dims, values)` of each tensor meta of `buffer`.
type Seen = (String, String, String, String, Vec<u32>, Vec<f32>);

fn tensors(buffer: &gst::Buffer) -> Vec<Seen> {
    let frame = VideoFrame::new(buffer.as_ref(), info(32, 16));
    frame
        .tensors()
        .map(|t| {
            assert_eq!(t.precision().expect("precision"), Precision::Fp32);
            let values = t
                .data()
                .expect("data")
                .chunks_exact(4)
                .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (
                t.name().to_owned(),
                t.layer_name().expect("layer_name").to_owned(),
                t.model_name().expect("model_name").to_owned(),
                t.element_id().expect("element_id").to_owned(),
                t.dims().expect("dims"),
                values,
            )
        })
        .collect()
}

/// A 32x16 frame (the model's own size) with an 8x8 block of BGR (10, 20, 200).
fn input() -> Vec<u8> {
    frame(32, 16, (8, 4, 8, 8), [10, 20, 200])
}

#[test]
fn one_tensor_per_output_named_by_the_model_proc() {
    let element = format!(
        "gvainference name=inf0 model={} model-proc={} {F32}",
        model("multi_output.xml"),
        model("multi_output.json")
    );
    let out = run(&element, 32, 16, &[input()]).expect("runs");
    let mut seen = tensors(&out[0]);
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    // Means over 512 pixels of which 64 carry the block.
    let mean = |v: f32| v * 64.0 / 512.0;
    assert_eq!(
        seen,
        vec![
            (
                "max_value".to_owned(),
                "max_value".to_owned(),
                "multi_output".to_owned(),
                "inf0".to_owned(),
                vec![1, 1],
                vec![200.0]
            ),
            (
                "mean_bgr".to_owned(),
                "mean_bgr".to_owned(),
                "multi_output".to_owned(),
                "inf0".to_owned(),
                vec![1, 3],
                vec![mean(10.0), mean(20.0), mean(200.0)]
            ),
        ]
    );
}

#[test]
fn without_model_proc_names_follow_the_layer_and_model_instance_id() {
    let element = format!(
        "gvainference model={} model-instance-id=shared {F32}",
        model("multi_output.xml")
    );
    let out = run(&element, 32, 16, &[input()]).expect("runs");
    let mut names: Vec<(String, String)> =
        tensors(&out[0]).into_iter().map(|t| (t.0, t.3)).collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            (
                "inference_layer_name:max_value".to_owned(),
                "shared".to_owned()
            ),
            (
                "inference_layer_name:mean_bgr".to_owned(),
                "shared".to_owned()
            ),
        ]
    );
}

#[test]
fn skipped_frames_pass_untouched_and_in_order() {
    let element = format!(
        "gvainference model={} inference-interval=3 {F32}",
        model("multi_output.xml")
    );
    let frames: Vec<_> = (0..5).map(|_| input()).collect();
    let out = run(&element, 32, 16, &frames).expect("runs");
    let counts: Vec<usize> = out.iter().map(|b| tensors(b).len()).collect();
    assert_eq!(counts, vec![2, 0, 0, 2, 0]);
    let pts: Vec<u64> = out
        .iter()
        .map(|b| b.pts().expect("pts").mseconds())
        .collect();
    assert_eq!(pts, vec![0, 33, 66, 99, 132]);
}

#[test]
fn classifier_label_results_go_to_the_tensor() {
    let element = format!(
        "gvainference model={} model-proc={} {F32}",
        model("classifier.xml"),
        model("classifier.json")
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
    assert_eq!(t.label().expect("label"), "red");
    assert_eq!(t.label_id().expect("label_id"), 2);
    assert!((t.confidence().expect("confidence") - 0.5).abs() < 1e-6);
    assert_eq!(t.type_().expect("type"), "classification_result");
}
