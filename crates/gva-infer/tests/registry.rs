//! Converter names (current, deprecated, unknown) and converters configured from the generated
//! models' model-procs and element settings.

use std::path::PathBuf;

use gva_infer::converters::{
    Blob, Converter, ConverterError, ConverterSettings, LabelMethod, OutputConverter,
    UnknownConverter,
};
use gva_infer::labels;
use gva_infer::model_proc::{ModelProc, PostprocParams};

mod setup;
use setup::models;

fn settings() -> ConverterSettings {
    ConverterSettings {
        input_width: 64,
        input_height: 64,
        ..ConverterSettings::default()
    }
}

#[test]
fn current_names() {
    let names: Vec<_> = Converter::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        [
            "detection_output",
            "boxes_labels",
            "yolo_v8",
            "label",
            "text",
            "raw_data_copy"
        ]
    );
    for converter in Converter::ALL {
        let name = Converter::from_name(converter.name()).unwrap();
        assert_eq!((name.converter, name.alias), (converter, None));
        assert_eq!(name.deprecation_warning(), None);
    }
    let regions: Vec<_> = Converter::ALL
        .into_iter()
        .filter(|c| c.produces_regions())
        .collect();
    assert_eq!(
        regions,
        [
            Converter::DetectionOutput,
            Converter::BoxesLabels,
            Converter::YoloV8
        ]
    );
}

#[test]
fn deprecated_aliases_carry_a_warning() {
    for (alias, converter) in [
        ("tensor_to_bbox_ssd", Converter::DetectionOutput),
        ("DetectionOutput", Converter::DetectionOutput),
        ("tensor_to_bbox_atss", Converter::BoxesLabels),
        ("ssd", Converter::BoxesLabels),
        ("YOLOv8", Converter::YoloV8),
        ("tensor_to_label", Converter::Label),
        ("Classification", Converter::Label),
        ("tensor_to_text", Converter::Text),
    ] {
        let name = Converter::from_name(alias).unwrap();
        assert_eq!((name.converter, name.alias), (converter, Some(alias)));
        assert_eq!(
            name.deprecation_warning().unwrap(),
            format!(
                "converter name '{alias}' is deprecated; use '{}' instead",
                converter.name()
            )
        );
    }
}

#[test]
fn unknown_and_unimplemented_names() {
    let err = Converter::from_name("foo").unwrap_err();
    assert_eq!(
        err,
        UnknownConverter {
            name: "foo".into(),
            not_implemented: false
        }
    );
    assert_eq!(
        err.to_string(),
        "unknown converter 'foo' (known: detection_output, boxes_labels, yolo_v8, label, text, \
         raw_data_copy)"
    );
    // Case matters, as in DL Streamer.
    assert!(Converter::from_name("Label").is_err());
    for name in [
        "yolo_v5",
        "keypoints_hrnet",
        "tensor_to_bbox_yolo_v3",
        "YOLOv8-SEG",
    ] {
        assert!(
            Converter::from_name(name).unwrap_err().not_implemented,
            "{name}"
        );
    }
}

#[test]
fn configured_from_the_generated_model_procs() {
    if !setup::have_models() {
        return;
    }
    let ssd = ModelProc::from_file(models().join("detector_ssd.json")).unwrap();
    let threshold = ConverterSettings {
        threshold: Some(0.75),
        ..settings()
    };
    let OutputConverter::DetectionOutput(ssd) =
        OutputConverter::from_postproc(&ssd.output_postproc[0], &threshold).unwrap()
    else {
        panic!("detection_output")
    };
    assert_eq!(ssd.confidence_threshold, 0.75);
    assert_eq!(ssd.labels, ["blue", "green", "red"]);
    assert_eq!(ssd.roi_scale, 1.0);

    let yolo = ModelProc::from_file(models().join("detector_yolov8.json")).unwrap();
    let OutputConverter::YoloV8(yolo) =
        OutputConverter::from_postproc(&yolo.output_postproc[0], &settings()).unwrap()
    else {
        panic!("yolo_v8")
    };
    assert_eq!(yolo.confidence_threshold, 0.5);
    assert_eq!((yolo.input_width, yolo.input_height), (64, 64));
    assert_eq!(yolo.nms.iou_threshold, 0.4);
    assert!(yolo.nms.class_aware);

    let classifier = ModelProc::from_file(models().join("classifier.json")).unwrap();
    let converter =
        OutputConverter::from_postproc(&classifier.output_postproc[0], &settings()).unwrap();
    assert_eq!(converter.converter(), Converter::Label);
    let OutputConverter::Label(label) = converter else {
        panic!("label")
    };
    assert_eq!(label.method, LabelMethod::Max);
    assert!(label.check_output(3).is_ok());
    let results = label
        .convert(&Blob::f32(&[1, 3], &[0.0, 0.0, 1.0]).unwrap(), 1)
        .unwrap();
    assert_eq!(results[0].label.as_deref(), Some("red"));

    let multi = ModelProc::from_file(models().join("multi_output.json")).unwrap();
    for item in &multi.output_postproc {
        let converter = OutputConverter::from_postproc(item, &settings()).unwrap();
        assert_eq!(converter.converter(), Converter::RawDataCopy);
    }
}

#[test]
fn element_settings_override_the_model_proc() {
    let json = r#"{"json_schema_version": "2.2.0", "input_preproc": [], "output_postproc": [
        {"converter": "yolo_v8", "labels": ["a"], "confidence_threshold": 0.3, "iou_threshold": 0.6},
        {"converter": "label", "method": "multi", "confidence_threshold": 0.3},
        {"converter": "text", "text_scale": 10, "text_precision": 1},
        {"layer_name": "x"}
    ]}"#;
    let proc = ModelProc::parse(json, "m.json".as_ref()).unwrap();
    // No element threshold: the model-proc's; the property's labels replace the model-proc's.
    let own = ConverterSettings {
        labels: Some(labels::parse_list("cat, dog")),
        class_agnostic_nms: true,
        ..settings()
    };
    let OutputConverter::YoloV8(yolo) =
        OutputConverter::from_postproc(&proc.output_postproc[0], &own).unwrap()
    else {
        panic!("yolo_v8")
    };
    assert_eq!(yolo.confidence_threshold, 0.3);
    assert_eq!(yolo.labels, ["cat", "dog"]);
    assert_eq!(yolo.nms.iou_threshold, 0.6);
    assert!(!yolo.nms.class_aware);

    // A label converter needs labels from somewhere.
    assert_eq!(
        OutputConverter::from_postproc(&proc.output_postproc[1], &settings()).unwrap_err(),
        ConverterError::NoLabels { converter: "label" }
    );
    let OutputConverter::Label(label) =
        OutputConverter::from_postproc(&proc.output_postproc[1], &own).unwrap()
    else {
        panic!("label")
    };
    assert_eq!(
        (label.method, label.confidence_threshold),
        (LabelMethod::Multi, 0.3)
    );

    let OutputConverter::Text(text) =
        OutputConverter::from_postproc(&proc.output_postproc[2], &settings()).unwrap()
    else {
        panic!("text")
    };
    assert_eq!((text.scale, text.precision), (10.0, 1));

    assert_eq!(
        OutputConverter::from_postproc(&proc.output_postproc[3], &settings())
            .unwrap_err()
            .to_string(),
        "output_postproc item for layer 'x' names no converter"
    );

    // Without a model-proc: the element's default converter.
    let raw = OutputConverter::new(
        Converter::RawDataCopy,
        &PostprocParams::default(),
        None,
        &settings(),
    )
    .unwrap();
    assert_eq!(raw.converter(), Converter::RawDataCopy);
    let bad = ConverterSettings {
        threshold: Some(1.5),
        ..settings()
    };
    assert_eq!(
        OutputConverter::new(
            Converter::DetectionOutput,
            &PostprocParams::default(),
            None,
            &bad
        )
        .unwrap_err()
        .to_string(),
        "converter 'detection_output': threshold = 1.5 is out of range (0 to 1)"
    );
}

#[test]
fn labels_files_and_lists() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("registry_labels");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("coco.txt");
    std::fs::write(&path, "person\nbicycle\ncar\n").unwrap();
    assert_eq!(
        labels::read_file(&path).unwrap(),
        ["person", "bicycle", "car"]
    );
    let missing = dir.join("none.txt");
    let err = labels::read_file(&missing).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot read labels file '{}': No such file or directory (os error 2)",
            missing.display()
        )
    );
    assert_eq!(labels::parse_list("a,b,c"), ["a", "b", "c"]);
}
