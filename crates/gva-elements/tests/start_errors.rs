//! Bad settings fail at start with an error that names the cause.

mod common;

use common::{frame, model, run};

fn start_error(element: &str) -> String {
    run(element, 64, 64, &[frame(64, 64, (0, 0, 8, 8), [0, 0, 255])])
        .expect_err("the pipeline must fail")
}

#[test]
fn no_model_property() {
    let e = start_error("gvadetect");
    assert!(e.contains("no model: set the 'model' property"), "{e}");
}

#[test]
fn missing_model_file() {
    let e = start_error("gvainference model=/nonexistent/model.xml");
    assert!(
        e.contains("model file '/nonexistent/model.xml' does not exist"),
        "{e}"
    );
}

#[test]
fn model_proc_not_json() {
    let e = with_model_proc("detector_ssd.xml", "not_json", "this is { not json");
    assert!(e.contains("not valid JSON"), "{e}");
    assert!(e.contains("not_json.json"), "{e}");
}

#[test]
fn model_proc_unknown_converter() {
    let e = with_model_proc(
        "detector_ssd.xml",
        "unknown_converter",
        r#"{"json_schema_version": "2.2.0", "input_preproc": [],
            "output_postproc": [{"layer_name": "detection_out", "converter": "no_such_converter"}]}"#,
    );
    assert!(e.contains("no_such_converter"), "{e}");
}

#[test]
fn unknown_device() {
    let e = start_error(&format!(
        "gvadetect model={} device=NO_SUCH_DEVICE",
        model("detector_ssd.xml")
    ));
    assert!(
        e.contains("device 'NO_SUCH_DEVICE' is not available"),
        "{e}"
    );
}

#[test]
fn labels_count_not_matching() {
    let e = start_error(&format!(
        "gvadetect model={} model-proc={} labels=a,b",
        model("detector_yolov8.xml"),
        model("detector_yolov8.json")
    ));
    assert!(
        e.contains("2 labels do not match the 3 classes of output 'output0'"),
        "{e}"
    );
}

#[test]
fn region_converter_refused_by_gvainference() {
    let e = start_error(&format!(
        "gvainference model={} model-proc={}",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    ));
    assert!(e.contains("converter 'detection_output' of output 'detection_out' is not supported by gvainference"), "{e}");
}

#[test]
fn classifier_labels_count_not_matching() {
    let e = start_error(&format!(
        "gvaclassify model={} model-proc={} labels=a,b inference-region=full-frame",
        model("classifier.xml"),
        model("classifier.json")
    ));
    assert!(
        e.contains("2 labels do not match the 3 classes of output 'prob'"),
        "{e}"
    );
}

#[test]
fn missing_labels_file() {
    let e = start_error(&format!(
        "gvadetect model={} labels-file=/nonexistent/labels.txt",
        model("detector_ssd.xml")
    ));
    assert!(e.contains("labels-file '/nonexistent/labels.txt'"), "{e}");
}

/// The start error of `gvadetect` on the generated model `model_file` with `text` written as
/// the model-proc `<name>.json` in a temp dir.
fn with_model_proc(model_file: &str, name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("gva-elements-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, text).expect("written");
    start_error(&format!(
        "gvadetect model={} model-proc={}",
        model(model_file),
        path.display()
    ))
}

#[test]
fn model_proc_names_a_layer_the_model_does_not_have() {
    let e = with_model_proc(
        "detector_ssd.xml",
        "unknown_layer",
        r#"{"json_schema_version": "2.2.0", "input_preproc": [],
            "output_postproc": [{"layer_name": "boxes_out", "converter": "detection_output"}]}"#,
    );
    assert!(
        e.contains("names layer 'boxes_out'") && e.contains("its outputs: detection_out"),
        "{e}"
    );
}

#[test]
fn output_shape_that_does_not_fit_the_converter() {
    // The classifier's [1, 3] output read as SSD rows of 7 values.
    let e = with_model_proc(
        "classifier.xml",
        "bad_shape",
        r#"{"json_schema_version": "2.2.0", "input_preproc": [],
            "output_postproc": [{"layer_name": "prob", "converter": "detection_output"}]}"#,
    );
    assert!(
        e.contains("output 'prob' of shape [1, 3] does not fit converter 'detection_output'"),
        "{e}"
    );
    let e = with_model_proc(
        "classifier.xml",
        "bad_yolo",
        r#"{"json_schema_version": "2.2.0", "input_preproc": [],
            "output_postproc": [{"layer_name": "prob", "converter": "yolo_v8"}]}"#,
    );
    assert!(e.contains("does not fit converter 'yolo_v8'"), "{e}");
}

#[test]
fn frames_the_elements_cannot_take_fail_negotiation() {
    let e = common::run_format(
        "YUY2",
        &format!("gvadetect model={}", model("detector_ssd.xml")),
        64,
        64,
        &[vec![0u8; 64 * 64 * 2]],
    )
    .expect_err("YUY2 is not a format the elements take");
    // GStreamer's own negotiation failure (the pad templates list the formats); no hang.
    assert!(e.contains("Internal data stream error"), "{e}");
}
