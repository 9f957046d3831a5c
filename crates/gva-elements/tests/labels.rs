//! Fewer labels than the model has classes never go unnoticed (issue 14 item 3): converters
//! whose class count is the output's shape (`yolo_v8`, `label`) fail the start; those that
//! read class ids from the output's values (`detection_output`, `boxes_labels`) warn once,
//! naming the first class id without a label.

mod common;

use common::{frame, model, run_collecting};
use gva_meta::VideoFrame;

/// Three 64x64 BGR frames with a pure red block (class 2 of the generated detectors) and one
/// with a green block (class 1).
fn frames() -> Vec<gst::Buffer> {
    common::init();
    [[0, 0, 255], [0, 0, 255], [0, 255, 0], [0, 0, 255]]
        .into_iter()
        .enumerate()
        .map(|(i, bgr)| gst::Buffer::from_slice(frame(64, 64, (8 * i, 16, 8, 8), bgr)))
        .collect()
}

/// `(label, label_id)` of each region of each frame.
fn labels_of(out: &[gst::Buffer]) -> Vec<Vec<(String, i32)>> {
    out.iter()
        .map(|buffer| {
            let frame = VideoFrame::new(buffer.as_ref(), common::info(64, 64));
            frame
                .regions()
                .map(|r| {
                    let id = r.detection().unwrap().label_id().unwrap();
                    (r.label().unwrap().to_owned(), id)
                })
                .collect()
        })
        .collect()
}

/// Runs gvadetect on `model_name` (with its model-proc) and `labels`, giving the regions'
/// labels and the warnings posted.
fn detect(model_name: &str, labels: &str) -> (Vec<Vec<(String, i32)>>, Vec<String>) {
    let element = format!(
        "gvadetect model={} model-proc={} labels={labels} \
         ie-config=INFERENCE_PRECISION_HINT=f32",
        model(&format!("{model_name}.xml")),
        model(&format!("{model_name}.json")),
    );
    let out = run_collecting("BGR", &element, 64, 64, frames());
    assert_eq!(out.error, None, "the pipeline runs");
    (labels_of(&out.buffers), out.warnings)
}

fn red(label: &str) -> Vec<(String, i32)> {
    vec![(label.to_owned(), 2)]
}

#[test]
fn detectors_reading_class_ids_from_values_warn_once_naming_the_id() {
    for model_name in ["detector_ssd", "detector_boxes"] {
        let (found, warnings) = detect(model_name, "a,b");
        // Class 2 (red) has no label; class 1 (green) has "b".
        assert_eq!(
            found,
            [red(""), red(""), vec![("b".to_owned(), 1)], red("")],
            "{model_name}"
        );
        assert_eq!(warnings.len(), 1, "{model_name}: once: {warnings:?}");
        let converter = if model_name == "detector_ssd" {
            "detection_output"
        } else {
            "boxes_labels"
        };
        assert!(
            warnings[0].contains(&format!("(converter {converter}) detected class id 2"))
                && warnings[0].contains("2 labels given (a, b)"),
            "{model_name}: {}",
            warnings[0]
        );
    }
}

#[test]
fn enough_labels_give_no_warning() {
    for model_name in ["detector_ssd", "detector_boxes"] {
        let (found, warnings) = detect(model_name, "x,y,z");
        assert_eq!(
            found,
            [red("z"), red("z"), vec![("y".to_owned(), 1)], red("z")],
            "{model_name}"
        );
        assert_eq!(warnings, Vec::<String>::new(), "{model_name}");
    }
}

/// The start error of `element` on one frame.
fn start_error(element: &str) -> String {
    run_collecting("BGR", element, 64, 64, frames())
        .error
        .expect("the start fails")
}

#[test]
fn converters_whose_shape_gives_the_classes_fail_the_start() {
    // (element, what the error says)
    let cases = [
        (
            format!(
                "gvadetect model={} model-proc={} labels=a",
                model("detector_yolov8.xml"),
                model("detector_yolov8.json")
            ),
            "1 labels do not match the 3 classes of output 'output0'",
        ),
        (
            format!(
                "gvaclassify model={} model-proc={} labels=a,b",
                model("classifier.xml"),
                model("classifier.json")
            ),
            "2 labels do not match the 3 classes of output 'prob'",
        ),
        (
            format!(
                "gvaclassify model={} model-proc={} labels=a,b,c,d inference-region=full-frame",
                model("classifier.xml"),
                model("classifier.json")
            ),
            "4 labels do not match the 3 classes of output 'prob'",
        ),
    ];
    for (element, expected) in cases {
        let e = start_error(&element);
        assert!(e.contains(expected), "{element}: {e}");
    }
}

#[test]
fn compound_labels_come_in_pairs() {
    let dir = std::env::temp_dir().join(format!("gva-labels-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let proc_file = |name: &str, labels: &str| {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(
            &path,
            format!(
                r#"{{"json_schema_version": "2.2.0", "input_preproc": [],
                    "output_postproc": [{{"layer_name": "prob", "attribute_name": "color",
                    "converter": "label", "method": "compound", "labels": [{labels}]}}]}}"#
            ),
        )
        .unwrap();
        path.display().to_string()
    };
    let three = proc_file("three", r#""a", "b", "c""#);
    let e = start_error(&format!(
        "gvaclassify model={} model-proc={three} inference-region=full-frame",
        model("classifier.xml")
    ));
    assert!(
        e.contains("3 labels do not match the 3 classes of output 'prob'")
            && e.contains("two labels per class for method compound"),
        "{e}"
    );
    // Six (a pair per class) start.
    let six = proc_file("six", r#""a", "-a", "b", "-b", "c", "-c""#);
    let element = format!(
        "gvaclassify model={} model-proc={six} inference-region=full-frame",
        model("classifier.xml")
    );
    let out = run_collecting("BGR", &element, 64, 64, frames());
    assert_eq!(out.error, None, "six labels start");
    assert_eq!(out.buffers.len(), 4);
    assert_eq!(out.warnings, Vec::<String>::new());
}
