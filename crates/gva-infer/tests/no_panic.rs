//! No converter and no model-proc parse panics, whatever the blob or the JSON: seeded random
//! shapes and values (NaN, infinities, negative and huge indices), and every known key given
//! every kind of JSON value. What the converters accept keeps their invariants: one result per
//! frame of the batch, boxes finite and within [0, 1], confidences at or above the threshold,
//! label ids of a class the output has, labels that are the labels of those ids.

use gva_infer::converters::{
    Blob, BlobData, BoxesLabels, ClassificationResult, ConverterError, Detection, DetectionOutput,
    LabelConverter, LabelMethod, Nms, RawDataCopy, TextConverter, YoloV8,
};
use gva_infer::model_proc::ModelProc;
use serde_json::{Value, json};

/// A small deterministic generator (64-bit LCG), so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> usize {
        usize::try_from(self.next() % n).unwrap()
    }

    fn value(&mut self) -> f32 {
        const SPECIAL: [f32; 10] = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -1.0,
            0.0,
            0.5,
            1.0,
            3e9,
            -3e9,
            1e30,
        ];
        if self.below(3) == 0 {
            SPECIAL[self.below(10)]
        } else {
            (self.below(2000) as f32 - 500.0) / 100.0
        }
    }
}

/// DL Streamer's `int`, which every label id must fit.
const MAX_LABEL_ID: usize = i32::MAX as usize;

/// What a detection converter's output must hold when it accepts a blob.
struct DetectionRules<'a> {
    /// Frames in the batch: one list of detections each.
    batch: usize,
    /// Detections below this confidence are dropped (at it too when `strictly_above`).
    threshold: f64,
    strictly_above: bool,
    /// Label ids are below this (the classes the output has).
    classes: usize,
    /// The converter's labels: a detection's label is the label of its id.
    labels: &'a [String],
}

/// What a converter accepted; a refusal only needs a message.
fn accepted<T>(what: &str, result: Result<T, ConverterError>) -> Option<T> {
    result
        .inspect_err(|e| assert!(!e.to_string().is_empty(), "{what}: an empty error message"))
        .ok()
}

/// Checks the invariants of a detection converter's result; errors only need a message.
fn check_detections(
    what: &str,
    result: Result<Vec<Vec<Detection>>, ConverterError>,
    rules: &DetectionRules<'_>,
) -> usize {
    let Some(frames) = accepted(what, result) else {
        return 0;
    };
    assert_eq!(frames.len(), rules.batch, "{what}: one list per frame");
    for d in frames.iter().flatten() {
        for (name, v) in [
            ("x_min", d.x_min),
            ("y_min", d.y_min),
            ("x_max", d.x_max),
            ("y_max", d.y_max),
        ] {
            assert!(
                v.is_finite() && (0.0..=1.0).contains(&v),
                "{what}: {name} {v} is not within [0, 1]: {d:?}"
            );
        }
        let kept = if rules.strictly_above {
            d.confidence > rules.threshold
        } else {
            d.confidence >= rules.threshold
        };
        assert!(kept, "{what}: confidence below the threshold: {d:?}");
        assert!(
            d.label_id < rules.classes && d.label_id <= MAX_LABEL_ID,
            "{what}: label id out of range (classes {}): {d:?}",
            rules.classes
        );
        let label = rules.labels.get(d.label_id).filter(|l| !l.is_empty());
        assert_eq!(d.label.as_ref(), label, "{what}: label of the id: {d:?}");
    }
    frames.iter().map(Vec::len).sum()
}

/// Checks the invariants of a classification converter's result for `batch` frames.
fn check_classification(
    what: &str,
    result: Result<Vec<ClassificationResult>, ConverterError>,
    batch: usize,
    method: Option<LabelMethod>,
    labels: &[String],
) -> usize {
    let Some(results) = accepted(what, result) else {
        return 0;
    };
    assert_eq!(results.len(), batch, "{what}: one result per frame");
    for r in &results {
        match method {
            Some(LabelMethod::Max | LabelMethod::Softmax) => {
                let id = r.label_id.expect("max and softmax set label_id");
                assert!(id < labels.len(), "{what}: label id out of range: {r:?}");
                assert_eq!(
                    r.label.as_deref(),
                    Some(labels[id].as_str()),
                    "{what}: {r:?}"
                );
                if method == Some(LabelMethod::Softmax) {
                    let c = r.confidence.expect("softmax sets a confidence");
                    assert!(c.is_nan() || (0.0..=1.0).contains(&c), "{what}: {r:?}");
                }
            }
            Some(LabelMethod::Compound | LabelMethod::Multi) => {
                assert_eq!(r.label_id, None, "{what}: {r:?}");
                let text = r.label.as_deref().expect("a label, maybe empty");
                assert!(
                    text.split(' ')
                        .filter(|w| !w.is_empty())
                        .all(|w| labels.iter().any(|l| l == w)),
                    "{what}: words that are not labels: {r:?}"
                );
                let c = r.confidence.expect("a confidence");
                assert!(c >= 0.0, "{what}: {r:?}");
            }
            Some(LabelMethod::Index) => {
                assert_eq!((r.label_id, r.confidence), (None, None), "{what}: {r:?}");
            }
            None => {
                // text
                assert!(r.label.is_some(), "{what}: {r:?}");
                assert_eq!((r.label_id, r.confidence), (None, None), "{what}: {r:?}");
            }
        }
    }
    results.len()
}

#[test]
fn converters_survive_random_blobs() {
    let mut rng = Lcg(7);
    let labels: Vec<String> = (0..5).map(|i| i.to_string()).collect();
    let methods = LabelMethod::ALL.map(|method| LabelConverter {
        method,
        ..LabelConverter::new(labels.clone())
    });
    // What the converters accepted: the invariants must have been checked on real output.
    let (mut detections, mut classifications, mut raw) = (0, 0, 0);
    for _ in 0..3000 {
        let rank = 1 + rng.below(4);
        let mut dims: Vec<usize> = (0..rank).map(|_| rng.below(9)).collect();
        if rng.below(4) == 0 {
            // Shapes the converters expect, more often than chance gives them.
            dims = match rng.below(3) {
                0 => vec![1, 1, rng.below(6), 7],
                1 => vec![1 + rng.below(2), 4 + rng.below(4), rng.below(9)],
                _ => vec![rng.below(6), 5],
            };
        }
        let len: usize = dims.iter().product();
        let values: Vec<f32> = (0..len).map(|_| rng.value()).collect();
        let ints: Vec<i64> = values.iter().map(|&v| v as i64).collect();
        let batch = rng.below(4);
        let blob = Blob::f32(&dims, &values).unwrap();
        let int_blob = Blob::new(&dims, BlobData::I64(&ints)).unwrap();

        let no_labels: &[String] = &[];
        let any_class = DetectionRules {
            batch,
            threshold: 0.5,
            strictly_above: false,
            classes: MAX_LABEL_ID + 1,
            labels: no_labels,
        };
        // model-proc roi_scale: boxes scaled about their centre before clipping.
        let roi_scale = [1.0, 0.5, 1.5][rng.below(3)];
        detections += check_detections(
            &format!("detection_output {dims:?} batch {batch} roi_scale {roi_scale}"),
            DetectionOutput {
                roi_scale,
                ..DetectionOutput::default()
            }
            .convert(&blob, batch),
            &any_class,
        );
        let yolo = YoloV8 {
            labels: labels.clone(),
            nms: Nms {
                class_aware: rng.below(2) == 0,
                ..Nms::default()
            },
            ..YoloV8::new(rng.below(3), 1 + rng.below(3))
        };
        let classes = dims
            .len()
            .checked_sub(2)
            .map_or(0, |i| dims[i].saturating_sub(YoloV8::BOX_ROWS));
        detections += check_detections(
            &format!("yolo_v8 {dims:?} batch {batch}"),
            yolo.convert(&blob, batch),
            &DetectionRules {
                strictly_above: true,
                classes,
                labels: &labels,
                ..any_class
            },
        );
        let label_dims = [dims[0]];
        let label_values: Vec<f32> = (0..dims[0]).map(|_| rng.value()).collect();
        let labels_blob = Blob::f32(&label_dims, &label_values).unwrap();
        for (what, ids) in [("float ids", &labels_blob), ("int ids", &int_blob)] {
            detections += check_detections(
                &format!("boxes_labels {dims:?} {what} batch {batch} roi_scale {roi_scale}"),
                BoxesLabels {
                    roi_scale,
                    ..BoxesLabels::new(64, 64)
                }
                .convert(&blob, ids, batch),
                &any_class,
            );
        }
        for converter in &methods {
            for (what, b) in [("f32", &blob), ("i64", &int_blob)] {
                classifications += check_classification(
                    &format!("label {:?} {dims:?} {what} batch {batch}", converter.method),
                    converter.convert(b, batch),
                    batch,
                    Some(converter.method),
                    &labels,
                );
            }
            let _ = converter.check_output(len);
        }
        classifications += check_classification(
            &format!("text {dims:?} batch {batch}"),
            TextConverter::default().convert(&blob, batch),
            batch,
            None,
            &labels,
        );
        for (what, b, size) in [("f32", &blob, 4), ("i64", &int_blob, 8)] {
            let what = format!("raw_data_copy {dims:?} {what} batch {batch}");
            if let Some(tensors) = accepted(&what, RawDataCopy.convert(b, batch)) {
                assert_eq!(tensors.len(), batch, "{what}");
                for t in &tensors {
                    assert_eq!(t.dims, dims, "{what}");
                    assert_eq!(t.data.len(), len / batch * size, "{what}");
                }
                raw += tensors.len();
            }
        }
    }
    // The seeded blobs give each family real results to check (the counts of seed 7).
    assert!(
        detections > 100 && classifications > 1000 && raw > 1000,
        "too few accepted blobs: {detections} detections, {classifications} classifications, \
         {raw} raw tensors"
    );
    eprintln!("{detections} detections, {classifications} classifications, {raw} raw tensors");
}

#[test]
fn model_proc_survives_any_value_at_any_key() {
    let values = [
        Value::Null,
        json!(true),
        json!(-1),
        json!(1.5),
        json!(1e300),
        json!(""),
        json!("label"),
        json!([]),
        json!([1, "a", null]),
        json!({}),
        json!({"stride": -3, "stride_x": "x"}),
    ];
    let input_keys = [
        "layer_name",
        "format",
        "precision",
        "params",
        "resize",
        "crop",
        "color_space",
        "color_format",
        "range",
        "mean",
        "std",
        "padding",
        "scale",
    ];
    let output_keys = [
        "layer_name",
        "layer_names",
        "attribute_name",
        "converter",
        "labels",
        "method",
        "confidence_threshold",
        "iou_threshold",
        "roi_scale",
        "text_scale",
        "text_precision",
    ];
    for version in ["1.0.0", "2.0.0", "2.1.0", "2.2.0", "9"] {
        for value in &values {
            for key in input_keys {
                let nested = json!({"params": {key: value}, key: value});
                let doc = json!({"json_schema_version": version, "output_postproc": [],
                                 "input_preproc": [nested]});
                let _ = ModelProc::parse(&doc.to_string(), "f.json".as_ref());
            }
            for key in output_keys {
                for converter in ["label", "text", "yolo_v8", "x"] {
                    let doc = json!({"json_schema_version": version, "input_preproc": [],
                                     "output_postproc": [{"converter": converter, key: value}]});
                    let _ = ModelProc::parse(&doc.to_string(), "f.json".as_ref());
                }
            }
            for key in ["json_schema_version", "input_preproc", "output_postproc"] {
                let mut doc = json!({"json_schema_version": version, "input_preproc": [],
                                     "output_postproc": []});
                doc[key] = value.clone();
                let _ = ModelProc::parse(&doc.to_string(), "f.json".as_ref());
            }
        }
    }
    for text in ["", "{", "nul", "[[[[", "\u{0}", "{\"a\":1}x"] {
        assert!(ModelProc::parse(text, "f.json".as_ref()).is_err());
    }
}
