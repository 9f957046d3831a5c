//! Model-proc parsing: the generated test models' files, each schema version, and every error
//! message (file, key path, what was expected).

use std::fs;
use std::path::{Path, PathBuf};

use gva_infer::converters::{Converter, LabelMethod};
use gva_infer::model_proc::{
    ColorSpace, Crop, InputFormat, ModelProc, ModelProcError, Padding, Resize, SchemaVersion,
};
use gva_meta_types::Precision;
use serde_json::json;

mod setup;
use setup::models;

/// A fresh folder for files this test writes.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("model_proc")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn parse(json: &str) -> Result<ModelProc, ModelProcError> {
    ModelProc::parse(json, Path::new("x.json"))
}

fn error(json: &str) -> String {
    parse(json).unwrap_err().to_string()
}

/// A 2.2.0 document with these output_postproc items.
fn with_postproc(items: serde_json::Value) -> String {
    json!({"json_schema_version": "2.2.0", "input_preproc": [], "output_postproc": items})
        .to_string()
}

fn colors() -> Vec<String> {
    vec!["blue".into(), "green".into(), "red".into()]
}

// --- the generated models' model-procs -------------------------------------------------------

#[test]
fn every_generated_model_proc_parses() {
    if !setup::have_models() {
        return;
    }
    let mut seen = Vec::new();
    for entry in fs::read_dir(models()).expect("target/models: run `cargo xtask models`") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let proc = ModelProc::from_file(&path).unwrap();
            assert_eq!(proc.version, SchemaVersion::V2_2, "{}", path.display());
            let input = &proc.input_preproc[0];
            assert_eq!(input.layer_name, "image");
            assert_eq!(input.format, InputFormat::Image);
            assert_eq!(input.precision, Precision::U8);
            assert_eq!(input.params.color_space, Some(ColorSpace::Bgr));
            assert_eq!(input.params.resize, Some(Resize::NoAspectRatio));
            seen.push(path.file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "classifier",
            "classifier_bench",
            "classifier_nhwc",
            "detector_bench",
            "detector_bench_small",
            "detector_boxes",
            "detector_ssd",
            "detector_yolov8",
            "multi_output"
        ]
    );
}

#[test]
fn generated_detectors_and_classifier() {
    if !setup::have_models() {
        return;
    }
    let ssd = ModelProc::from_file(models().join("detector_ssd.json")).unwrap();
    let item = &ssd.output_postproc[0];
    assert_eq!(item.layer_names, ["detection_out"]);
    assert_eq!(
        item.converter.unwrap().converter,
        Converter::DetectionOutput
    );
    assert_eq!(item.converter.unwrap().alias, None);
    assert_eq!(item.labels.as_deref(), Some(&colors()[..]));
    assert_eq!(item.attribute_name, None);
    assert_eq!(item.structure_name(), "ANY");
    assert!(ssd.postproc_for("detection_out").is_some());
    assert!(ssd.postproc_for("other").is_none());

    let yolo = ModelProc::from_file(models().join("detector_yolov8.json")).unwrap();
    assert_eq!(yolo.output_postproc[0].layer_names, ["output0"]);
    assert_eq!(
        yolo.output_postproc[0].converter.unwrap().converter,
        Converter::YoloV8
    );

    let classifier = ModelProc::from_file(models().join("classifier.json")).unwrap();
    let item = &classifier.output_postproc[0];
    assert_eq!(item.attribute_name.as_deref(), Some("color"));
    assert_eq!(item.structure_name(), "color");
    assert_eq!(item.converter.unwrap().converter, Converter::Label);
    assert_eq!(item.params.method, Some(LabelMethod::Max));
    assert_eq!(item.labels.as_deref(), Some(&colors()[..]));
    // Every key is kept for the result structure.
    let mut keys: Vec<_> = item.fields.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "attribute_name",
            "converter",
            "labels",
            "layer_name",
            "method"
        ]
    );
    assert_eq!(item.fields["method"], "max");
}

#[test]
fn generated_multi_output_has_one_item_per_layer() {
    if !setup::have_models() {
        return;
    }
    let proc = ModelProc::from_file(models().join("multi_output.json")).unwrap();
    let names: Vec<_> = proc
        .output_postproc
        .iter()
        .map(|p| (p.layer_names[0].as_str(), p.attribute_name.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            ("mean_bgr", Some("mean_bgr")),
            ("max_value", Some("max_value"))
        ]
    );
    for item in &proc.output_postproc {
        assert_eq!(item.converter.unwrap().converter, Converter::RawDataCopy);
        assert_eq!(item.labels, None);
    }
    assert_eq!(
        proc.postproc_for("max_value").unwrap().layer_names,
        ["max_value"]
    );
}

// --- each schema version ---------------------------------------------------------------------

#[test]
fn schema_1_0_0_keeps_parameters_on_the_item() {
    let proc = parse(
        r#"{
        "json_schema_version": "1.0.0",
        "input_preproc": [{
            "color_format": "RGB",
            "converter": "alignment",
            "alignment_points": [0.31, 0.46]
        }],
        "output_postproc": [{
            "attribute_name": "face_id",
            "format": "cosine_distance",
            "converter": "tensor_to_label",
            "method": "max",
            "labels": ["a", "b"]
        }]
    }"#,
    )
    .unwrap();
    assert_eq!(proc.version, SchemaVersion::V1_0);
    let input = &proc.input_preproc[0];
    assert_eq!(input.layer_name, "UNKNOWN");
    assert_eq!(input.format, InputFormat::Image);
    assert_eq!(input.params.color_space, Some(ColorSpace::Rgb));
    assert_eq!(input.params.other["converter"], "alignment");
    assert_eq!(input.params.other["alignment_points"], json!([0.31, 0.46]));
    let item = &proc.output_postproc[0];
    let name = item.converter.unwrap();
    assert_eq!(name.converter, Converter::Label);
    assert_eq!(name.alias, Some("tensor_to_label"));
    assert_eq!(
        name.deprecation_warning().unwrap(),
        "converter name 'tensor_to_label' is deprecated; use 'label' instead"
    );
    assert_eq!(item.layer_names, Vec::<String>::new());
    assert!(item.applies_to("anything"));
    assert_eq!(item.fields["format"], "cosine_distance");
}

#[test]
fn schema_2_0_0_reads_params() {
    let proc = parse(
        r#"{
        "json_schema_version": "2.0.0",
        "input_preproc": [
            {"layer_name": "seq_ind", "format": "sequence_index"},
            {"layer_name": "image_info", "format": "image_info", "params": {"scale": 1.0}},
            {
                "layer_name": "input",
                "precision": "FP32",
                "format": "image",
                "params": {
                    "resize": "aspect-ratio",
                    "crop": "central",
                    "color_space": "BGR",
                    "range": [0.0, 1.0],
                    "mean": [0.485, 0.456, 0.406],
                    "std": [0.229, 0.224, 0.225],
                    "padding": {"stride_x": 8, "stride_y": 4, "fill_value": [0.0, 0.0, 0.0]},
                    "custom": {"k": 1}
                }
            }
        ],
        "output_postproc": []
    }"#,
    )
    .unwrap();
    assert_eq!(proc.version, SchemaVersion::V2_0);
    let [seq, info, image] = &proc.input_preproc[..] else {
        panic!("three inputs")
    };
    assert_eq!(
        (seq.format, seq.precision),
        (InputFormat::SequenceIndex, Precision::Fp32)
    );
    assert_eq!(
        (info.format, info.params.scale),
        (InputFormat::ImageInfo, Some(1.0))
    );
    assert_eq!(image.precision, Precision::Fp32);
    let p = &image.params;
    assert_eq!(p.resize, Some(Resize::AspectRatio));
    assert_eq!(p.crop, Some(Crop::Central));
    assert_eq!(p.color_space, Some(ColorSpace::Bgr));
    assert_eq!(p.range, Some([0.0, 1.0]));
    assert_eq!(p.mean.as_deref(), Some(&[0.485, 0.456, 0.406][..]));
    assert_eq!(p.std.as_deref(), Some(&[0.229, 0.224, 0.225][..]));
    assert_eq!(
        p.padding,
        Some(Padding {
            stride_x: 8,
            stride_y: 4,
            fill_value: Some(vec![0.0, 0.0, 0.0])
        })
    );
    assert_eq!(p.other["custom"], json!({"k": 1}));
    assert_eq!(proc.image_input().unwrap().layer_name, "input");
    assert!(proc.output_postproc.is_empty());
}

#[test]
fn schema_2_1_0_takes_layer_names_and_every_crop() {
    let proc = parse(
        r#"{
        "json_schema_version": "2.1.0",
        "input_preproc": [{"layer_name": "x", "format": "image",
                           "params": {"crop": "bottom_right", "padding": {"stride": 16}}}],
        "output_postproc": [{
            "layer_names": ["boxes", "labels"],
            "converter": "boxes_labels",
            "roi_scale": 1.2,
            "labels": ["face"]
        }]
    }"#,
    )
    .unwrap();
    assert_eq!(proc.version, SchemaVersion::V2_1);
    let params = &proc.input_preproc[0].params;
    assert_eq!(params.crop, Some(Crop::BottomRight));
    let padding = params.padding.as_ref().unwrap();
    assert_eq!((padding.stride_x, padding.stride_y), (16, 16));
    let item = &proc.output_postproc[0];
    assert_eq!(item.layer_names, ["boxes", "labels"]);
    assert!(item.applies_to("labels") && !item.applies_to("scores"));
    assert_eq!(item.params.roi_scale, Some(1.2));
    assert_eq!(proc.postproc_for("boxes").unwrap().layer_names.len(), 2);
    for (name, crop) in [
        ("central", Crop::Central),
        ("top_left", Crop::TopLeft),
        ("top_right", Crop::TopRight),
        ("bottom_left", Crop::BottomLeft),
        ("bottom_right", Crop::BottomRight),
    ] {
        let doc = json!({"json_schema_version": "2.1.0", "output_postproc": [],
            "input_preproc": [{"layer_name": "x", "format": "image", "params": {"crop": name}}]});
        let proc = parse(&doc.to_string()).unwrap();
        assert_eq!(proc.input_preproc[0].params.crop, Some(crop));
    }
}

#[test]
fn schema_2_2_0_defaults_and_labels_file_relative_to_the_model_proc() {
    let dir = scratch("labels_file");
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::write(
        dir.join("sub/labels.txt"),
        "person\r\nbicycle\n\ntraffic light\n\n",
    )
    .unwrap();
    let path = dir.join("model.json");
    fs::write(
        &path,
        r#"{
        "json_schema_version": "2.2.0",
        "input_preproc": [{"params": {"resize": "no", "color_space": "GRAYSCALE"}}],
        "output_postproc": [{
            "converter": "yolo_v8",
            "labels": "sub/labels.txt",
            "iou_threshold": 0.5,
            "confidence_threshold": 0.25,
            "extra": {"nested": [1, 2.5, true, null, "s"]}
        }]
    }"#,
    )
    .unwrap();
    let proc = ModelProc::from_file(&path).unwrap();
    let input = &proc.input_preproc[0];
    assert_eq!(
        (input.layer_name.as_str(), input.format),
        ("ANY", InputFormat::Image)
    );
    assert_eq!(input.params.resize, Some(Resize::No));
    assert_eq!(input.params.color_space, Some(ColorSpace::Grayscale));
    let item = &proc.output_postproc[0];
    let labels = ["person", "bicycle", "", "traffic light"];
    assert_eq!(item.labels.as_deref().unwrap(), labels);
    // The result structure gets the labels themselves, not the path.
    assert_eq!(item.fields["labels"], json!(labels));
    assert_eq!(
        item.fields["extra"],
        json!({"nested": [1, 2.5, true, null, "s"]})
    );
    assert_eq!(item.params.iou_threshold, Some(0.5));
    assert_eq!(item.params.confidence_threshold, Some(0.25));
}

#[test]
fn label_and_text_parameters() {
    let proc = parse(&with_postproc(json!([
        {"converter": "label", "method": "compound", "labels": ["a", "b"]},
        {"converter": "text", "text_scale": 100, "text_precision": 0},
        {"converter": "", "method": "whatever"},
    ])))
    .unwrap();
    assert_eq!(
        proc.output_postproc[0].params.method,
        Some(LabelMethod::Compound)
    );
    let text = &proc.output_postproc[1].params;
    assert_eq!(
        (text.text_scale, text.text_precision),
        (Some(100.0), Some(0))
    );
    // No converter: the element's default applies; `method` is not read.
    assert_eq!(proc.output_postproc[2].converter, None);
    assert_eq!(proc.output_postproc[2].params.method, None);
}

#[test]
fn deprecated_aliases_resolve() {
    for (alias, converter) in [
        ("tensor_to_bbox_ssd", Converter::DetectionOutput),
        ("DetectionOutput", Converter::DetectionOutput),
        ("ssd", Converter::BoxesLabels),
        ("tensor_to_label", Converter::Label),
        ("tensor_to_text", Converter::Text),
    ] {
        let proc = parse(&with_postproc(
            json!([{"converter": alias, "labels": ["a"]}]),
        ))
        .unwrap();
        let name = proc.output_postproc[0].converter.unwrap();
        assert_eq!((name.converter, name.alias), (converter, Some(alias)));
    }
}

// --- errors: file, key, expected -------------------------------------------------------------

#[test]
fn not_json_gives_line_and_column() {
    assert_eq!(
        error("{\n  \"json_schema_version\": \"2.2.0\",\n  oops\n}"),
        "model-proc 'x.json': not valid JSON: key must be a string at line 3 column 3"
    );
    assert_eq!(
        error(""),
        "model-proc 'x.json': not valid JSON: EOF while parsing a value at line 1 column 0"
    );
}

#[test]
fn unreadable_file_is_named() {
    let err = ModelProc::from_file("/nonexistent/m.json").unwrap_err();
    assert!(matches!(err, ModelProcError::Read { .. }));
    assert!(
        err.to_string()
            .starts_with("model-proc '/nonexistent/m.json': cannot read the file: "),
        "{err}"
    );
}

#[test]
fn schema_version_errors() {
    assert_eq!(
        error(r#"{"input_preproc": [], "output_postproc": []}"#),
        r#"model-proc 'x.json': json_schema_version: missing (expected "1.0.0", "2.0.0", "2.1.0" or "2.2.0")"#
    );
    assert_eq!(
        error(r#"{"json_schema_version": "3.0.0", "input_preproc": [], "output_postproc": []}"#),
        r#"model-proc 'x.json': json_schema_version: unsupported version "3.0.0" (expected "1.0.0", "2.0.0", "2.1.0" or "2.2.0")"#
    );
    assert_eq!(
        error(r#"{"json_schema_version": 2, "input_preproc": [], "output_postproc": []}"#),
        r#"model-proc 'x.json': json_schema_version: expected a string ("1.0.0", "2.0.0", "2.1.0" or "2.2.0"), got the number 2"#
    );
    assert_eq!(
        error("[1]"),
        "model-proc 'x.json': top level: expected an object, got an array"
    );
}

#[test]
fn section_errors() {
    assert_eq!(
        error(r#"{"json_schema_version": "2.2.0", "output_postproc": []}"#),
        "model-proc 'x.json': input_preproc: missing (expected an array, possibly empty)"
    );
    assert_eq!(
        error(r#"{"json_schema_version": "2.2.0", "input_preproc": [], "output_postproc": {}}"#),
        "model-proc 'x.json': output_postproc: expected an array, got an object"
    );
    assert_eq!(
        error(r#"{"json_schema_version": "2.2.0", "input_preproc": [3], "output_postproc": []}"#),
        "model-proc 'x.json': input_preproc[0]: expected an object, got the number 3"
    );
}

#[test]
fn unknown_converter_names_the_known_ones() {
    let err = parse(&with_postproc(
        json!([{"layer_name": "a"}, {"converter": "foo"}]),
    ))
    .unwrap_err();
    assert_eq!(err.key(), Some("output_postproc[1].converter"));
    assert_eq!(
        err.to_string(),
        "model-proc 'x.json': output_postproc[1].converter: unknown converter 'foo' \
         (known: detection_output, boxes_labels, yolo_v8, label, text, raw_data_copy)"
    );
    assert_eq!(
        error(&with_postproc(json!([{"converter": "yolo_v5"}]))),
        "model-proc 'x.json': output_postproc[0].converter: converter 'yolo_v5' of DL Streamer \
         is not implemented by gva-rs (available: detection_output, boxes_labels, yolo_v8, \
         label, text, raw_data_copy)"
    );
    assert_eq!(
        error(&with_postproc(json!([{"converter": 7}]))),
        "model-proc 'x.json': output_postproc[0].converter: expected a string, got the number 7"
    );
}

#[test]
fn required_input_keys_of_schema_2_0_and_2_1() {
    for version in ["2.0.0", "2.1.0"] {
        let doc = |item: serde_json::Value| {
            json!({"json_schema_version": version, "input_preproc": [item], "output_postproc": []})
                .to_string()
        };
        assert_eq!(
            error(&doc(json!({"format": "image"}))),
            format!(
                "model-proc 'x.json': input_preproc[0].layer_name: missing (expected a string; \
                 schema {version} requires it)"
            )
        );
        assert_eq!(
            error(&doc(json!({"layer_name": "x"}))),
            format!(
                "model-proc 'x.json': input_preproc[0].format: missing (expected \"image\", \
                 \"image_info\" or \"sequence_index\"; schema {version} requires it)"
            )
        );
    }
}

#[test]
fn input_value_errors() {
    let doc = |params: serde_json::Value| {
        json!({"json_schema_version": "2.2.0", "output_postproc": [],
               "input_preproc": [{"layer_name": "x", "params": params}]})
        .to_string()
    };
    assert_eq!(
        error(&doc(json!({"resize": "fit"}))),
        "model-proc 'x.json': input_preproc[0].params.resize: unknown variant `fit`, expected \
         one of `no`, `no-aspect-ratio`, `aspect-ratio`"
    );
    assert_eq!(
        error(&doc(json!({"crop": "middle"}))),
        "model-proc 'x.json': input_preproc[0].params.crop: unknown variant `middle`, expected \
         one of `central`, `top_left`, `top_right`, `bottom_left`, `bottom_right`"
    );
    assert_eq!(
        error(&doc(json!({"color_space": "rgb"}))),
        "model-proc 'x.json': input_preproc[0].params.color_space: unknown variant `rgb`, \
         expected one of `RGB`, `BGR`, `GRAYSCALE`"
    );
    assert_eq!(
        error(&doc(json!({"range": [1.0]}))),
        "model-proc 'x.json': input_preproc[0].params.range: expected [lo, hi] with lo < hi, \
         got an array"
    );
    assert_eq!(
        error(&doc(json!({"mean": [0.5, "a"]}))),
        "model-proc 'x.json': input_preproc[0].params.mean[1]: expected a number, got the \
         string \"a\""
    );
    assert_eq!(
        error(&doc(json!({"std": [1.0, 0]}))),
        "model-proc 'x.json': input_preproc[0].params.std[1]: 0 (expected a non-zero divisor)"
    );
    assert_eq!(
        error(&doc(json!({"padding": {"stride_x": -1}}))),
        "model-proc 'x.json': input_preproc[0].params.padding.stride_x: expected a whole number \
         from 0 to 4294967295, got the number -1"
    );
    assert_eq!(
        error(&doc(json!("resize"))),
        "model-proc 'x.json': input_preproc[0].params: expected an object, got the string \
         \"resize\""
    );
    let bad_format = json!({"json_schema_version": "2.2.0", "output_postproc": [],
                            "input_preproc": [{"format": "video"}]});
    assert_eq!(
        error(&bad_format.to_string()),
        "model-proc 'x.json': input_preproc[0].format: unknown variant `video`, expected one of \
         `image`, `image_info`, `sequence_index`"
    );
    let bad_precision = json!({"json_schema_version": "2.2.0", "output_postproc": [],
                               "input_preproc": [{"precision": "F32"}]});
    assert!(error(&bad_precision.to_string()).starts_with(
        "model-proc 'x.json': input_preproc[0].precision: unknown precision \"F32\" \
             (expected one of UNSPECIFIED, FP32, FP16,"
    ));
}

#[test]
fn output_value_errors() {
    assert_eq!(
        error(&with_postproc(
            json!([{"converter": "label", "labels": ["a", 1]}])
        )),
        "model-proc 'x.json': output_postproc[0].labels[1]: expected a string, got the number 1"
    );
    assert_eq!(
        error(&with_postproc(
            json!([{"converter": "label", "labels": {"a": 1}}])
        )),
        "model-proc 'x.json': output_postproc[0].labels: expected an array of strings or the \
         path of a labels file, got an object"
    );
    assert_eq!(
        error(&with_postproc(
            json!([{"layer_name": "a", "layer_names": ["b"]}])
        )),
        "model-proc 'x.json': output_postproc[0]: both 'layer_name' and 'layer_names' are set \
         (expected one of them)"
    );
    assert_eq!(
        error(&with_postproc(json!([{"layer_names": "b"}]))),
        "model-proc 'x.json': output_postproc[0].layer_names: expected an array of strings, got \
         the string \"b\""
    );
    assert_eq!(
        error(&with_postproc(
            json!([{"converter": "label", "method": "top5"}])
        )),
        "model-proc 'x.json': output_postproc[0].method: unknown method 'top5' of converter \
         'label' (known: max, softmax, compound, multi, index)"
    );
    assert_eq!(
        error(&with_postproc(
            json!([{"converter": "yolo_v8", "iou_threshold": 1.5}])
        )),
        "model-proc 'x.json': output_postproc[0].iou_threshold: expected a number from 0 to 1, \
         got 1.5"
    );
    assert_eq!(
        error(&with_postproc(
            json!([{"converter": "text", "text_precision": -2}])
        )),
        "model-proc 'x.json': output_postproc[0].text_precision: expected a whole number from 0 \
         to 100, got the number -2"
    );
    assert_eq!(
        error(&with_postproc(
            json!([{"converter": "text", "text_scale": "big"}])
        )),
        "model-proc 'x.json': output_postproc[0].text_scale: expected a number, got the string \
         \"big\""
    );
    assert_eq!(
        error(&with_postproc(json!([{"attribute_name": ["a"]}]))),
        "model-proc 'x.json': output_postproc[0].attribute_name: expected a string, got an array"
    );
}

#[test]
fn missing_labels_file_is_named_with_its_key() {
    let dir = scratch("missing_labels");
    let path = dir.join("m.json");
    fs::write(
        &path,
        with_postproc(json!([{"converter": "label", "labels": "none.txt"}])),
    )
    .unwrap();
    let err = ModelProc::from_file(&path).unwrap_err();
    assert_eq!(err.key(), Some("output_postproc[0].labels"));
    assert_eq!(
        err.to_string(),
        format!(
            "model-proc '{}': output_postproc[0].labels: cannot read labels file '{}': No such \
             file or directory (os error 2)",
            path.display(),
            dir.join("none.txt").display()
        )
    );
}
