//! No converter and no model-proc parse panics, whatever the blob or the JSON: seeded random
//! shapes and values (NaN, infinities, negative and huge indices), and every known key given
//! every kind of JSON value.

use gva_infer::converters::{
    Blob, BlobData, BoxesLabels, DetectionOutput, LabelConverter, LabelMethod, Nms, RawDataCopy,
    TextConverter, YoloV8,
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

#[test]
fn converters_survive_random_blobs() {
    let mut rng = Lcg(7);
    let labels: Vec<String> = (0..5).map(|i| i.to_string()).collect();
    let methods = LabelMethod::ALL.map(|method| LabelConverter {
        method,
        ..LabelConverter::new(labels.clone())
    });
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

        let _ = DetectionOutput::default().convert(&blob, batch);
        let _ = YoloV8 {
            labels: labels.clone(),
            nms: Nms {
                class_aware: rng.below(2) == 0,
                ..Nms::default()
            },
            ..YoloV8::new(rng.below(3), 1 + rng.below(3))
        }
        .convert(&blob, batch);
        let label_dims = [dims[0]];
        let label_values: Vec<f32> = (0..dims[0]).map(|_| rng.value()).collect();
        let labels_blob = Blob::f32(&label_dims, &label_values).unwrap();
        let _ = BoxesLabels::new(64, 64).convert(&blob, &labels_blob, batch);
        let _ = BoxesLabels::new(64, 64).convert(&blob, &int_blob, batch);
        for converter in &methods {
            let _ = converter.convert(&blob, batch);
            let _ = converter.convert(&int_blob, batch);
            let _ = converter.check_output(len);
        }
        let _ = TextConverter::default().convert(&blob, batch);
        let _ = RawDataCopy.convert(&blob, batch);
        let _ = RawDataCopy.convert(&int_blob, batch);
    }
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
