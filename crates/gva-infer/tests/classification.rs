//! The `label` converter's methods, `text` and `raw_data_copy` on hand-built blobs (the first
//! shaped like the generated classifier's `prob [1, 3]`).

use gva_infer::converters::{
    Blob, BlobData, CLASSIFICATION_RESULT_TYPE, ClassificationResult, ConverterError,
    LabelConverter, LabelMethod, RawDataCopy, TextConverter,
};
use gva_meta_types::{Layout, Precision};

fn strings(labels: &[&str]) -> Vec<String> {
    labels.iter().map(|l| (*l).to_owned()).collect()
}

fn converter(method: LabelMethod, labels: &[&str]) -> LabelConverter {
    LabelConverter {
        method,
        ..LabelConverter::new(strings(labels))
    }
}

fn colors() -> LabelConverter {
    LabelConverter::new(strings(&["blue", "green", "red"]))
}

fn result(label: &str, label_id: Option<usize>, confidence: f64) -> ClassificationResult {
    ClassificationResult {
        label: Some(label.to_owned()),
        label_id,
        confidence: Some(confidence),
    }
}

// --- label: max ------------------------------------------------------------------------------

#[test]
fn max_of_the_generated_classifiers_output() {
    // BGR (30, 60, 90) gives [1/6, 1/3, 1/2].
    let prob = [1.0f32 / 6.0, 1.0 / 3.0, 0.5];
    let blob = Blob::f32(&[1, 3], &prob).unwrap();
    let results = colors().convert(&blob, 1).unwrap();
    assert_eq!(results, [result("red", Some(2), 0.5)]);
    assert_eq!(results[0].result_type(), "classification_result");
    assert_eq!(CLASSIFICATION_RESULT_TYPE, "classification_result");
}

#[test]
fn max_ties_take_the_first_and_batches_split() {
    let prob = [0.25f32, 0.5, 0.25, 0.0, 0.0, 0.0, 0.125, 0.75, 0.125];
    let blob = Blob::f32(&[3, 3], &prob).unwrap();
    assert_eq!(
        colors().convert(&blob, 3).unwrap(),
        [
            result("green", Some(1), 0.5),
            result("blue", Some(0), 0.0), // a black frame: all 0, the first wins
            result("green", Some(1), 0.75),
        ]
    );
}

#[test]
fn max_reads_fp64_and_integer_blobs() {
    let doubles = [0.1f64, 0.7, 0.2];
    let blob = Blob::new(&[1, 3], BlobData::F64(&doubles)).unwrap();
    assert_eq!(
        colors().convert(&blob, 1).unwrap(),
        [result("green", Some(1), 0.7)]
    );
    let ints = [3i32, -2, 9];
    let blob = Blob::new(&[1, 3], BlobData::I32(&ints)).unwrap();
    assert_eq!(
        colors().convert(&blob, 1).unwrap(),
        [result("red", Some(2), 9.0)]
    );
}

// --- label: softmax --------------------------------------------------------------------------

#[test]
fn softmax_confidence_is_computed_in_f32() {
    let logits = [1.0f32, 3.0, 2.0];
    let softmax = converter(LabelMethod::Softmax, &["a", "b", "c"]);
    let results = softmax
        .convert(&Blob::f32(&[1, 3], &logits).unwrap(), 1)
        .unwrap();
    // DL Streamer's order: exp(x - max) per value in f32, summed in order, the top one divided.
    let sum = 0f32 + (-2f32).exp() + (0f32).exp() + (-1f32).exp();
    assert_eq!(results, [result("b", Some(1), f64::from(1.0 / sum))]);
    let exact = 1.0 / (1.0 + (-1f64).exp() + (-2f64).exp());
    assert!((results[0].confidence.unwrap() - exact).abs() < 1e-7);
}

#[test]
fn softmax_of_a_thousand_classes() {
    let labels: Vec<String> = (0..1000).map(|i| format!("class {i}")).collect();
    let logits: Vec<f32> = (0..1000)
        .map(|i| if i == 417 { 10.0 } else { 0.0 })
        .collect();
    let softmax = LabelConverter {
        method: LabelMethod::Softmax,
        ..LabelConverter::new(labels)
    };
    let r = &softmax
        .convert(&Blob::f32(&[1, 1000], &logits).unwrap(), 1)
        .unwrap()[0];
    assert_eq!(r.label.as_deref(), Some("class 417"));
    assert_eq!(r.label_id, Some(417));
    // f32 accumulation in class order, as DL Streamer sums.
    let small = (-10f32).exp();
    let sum = (0..1000).fold(0f32, |s, i| s + if i == 417 { 1.0 } else { small });
    assert_eq!(r.confidence, Some(f64::from(1.0 / sum)));
    let exact = 1.0 / (1.0 + 999.0 * (-10f64).exp());
    assert!((r.confidence.unwrap() - exact).abs() < 1e-4);
}

// --- label: compound, multi, index -----------------------------------------------------------

#[test]
fn compound_takes_labels_in_pairs() {
    let compound = converter(
        LabelMethod::Compound,
        &[
            "is_male",
            "is_female",
            "has_bag",
            "no_bag",
            "has_hat",
            "no_hat",
        ],
    );
    let scores = [0.875f32, 0.25, 0.0];
    assert_eq!(
        compound
            .convert(&Blob::f32(&[1, 3], &scores).unwrap(), 1)
            .unwrap(),
        [result("is_male no_bag", None, 0.875)]
    );
    // Exactly at the threshold counts as present; all zero gives an empty label, confidence 0.
    let scores = [0.5f32, 0.5, 0.5, 0.0, 0.0, 0.0];
    assert_eq!(
        compound
            .convert(&Blob::f32(&[2, 3], &scores).unwrap(), 2)
            .unwrap(),
        [
            result("is_male has_bag has_hat", None, 0.5),
            result("", None, 0.0)
        ]
    );
    let custom = LabelConverter {
        confidence_threshold: 0.9,
        ..compound
    };
    assert_eq!(
        custom.classify(&[0.875f32, 0.95, 0.0]).unwrap(),
        result("is_female has_bag", None, f64::from(0.95f32))
    );
}

#[test]
fn multi_takes_every_label_above_the_threshold() {
    let multi = converter(LabelMethod::Multi, &["car", "bus", "truck"]);
    assert_eq!(
        multi.classify(&[0.75f32, 0.375, 0.5]).unwrap(),
        result("car truck", None, 0.75)
    );
    assert_eq!(
        multi.classify(&[-1.0f32, 0.25, 0.125]).unwrap(),
        result("", None, 0.25)
    );
    // An empty label adds nothing, and a label ending in white space gets no extra space.
    let spaced = converter(LabelMethod::Multi, &["a ", "", "c"]);
    assert_eq!(
        spaced.classify(&[1.0f32, 1.0, 1.0]).unwrap(),
        result("a c", None, 1.0)
    );
}

#[test]
fn index_spells_a_sequence_until_an_invalid_index() {
    let index = converter(
        LabelMethod::Index,
        &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B"],
    );
    // License-plate style: class indices, -1 ends the text.
    let values = [10.0f32, 3.0, 1.0, 4.0, -1.0, 5.0, 0.0, 0.0];
    let r = index
        .convert(&Blob::f32(&[1, 8], &values).unwrap(), 1)
        .unwrap();
    assert_eq!(
        r,
        [ClassificationResult {
            label: Some("A314".into()),
            label_id: None,
            confidence: None
        }]
    );
    // An index beyond the labels also ends it; all-zero indices set no label at all.
    assert_eq!(
        index.classify(&[11i32, 2, 12, 1]).unwrap().label.as_deref(),
        Some("B2")
    );
    assert_eq!(index.classify(&[0i32, 0, 0]).unwrap().label, None);
    // -0.5 truncates to class 0, as DL Streamer's int conversion does.
    assert_eq!(
        index.classify(&[-0.5f32, 1.0]).unwrap().label.as_deref(),
        Some("01")
    );
    let err = index.classify(&[1.0f32, f32::NAN]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "converter 'label': class index NaN at index 1 is not a valid index"
    );
}

// --- label: errors ---------------------------------------------------------------------------

#[test]
fn label_errors() {
    let none = LabelConverter::new(Vec::new());
    let blob_data = [0.1f32, 0.9];
    let blob = Blob::f32(&[1, 2], &blob_data).unwrap();
    assert_eq!(
        none.convert(&blob, 1).unwrap_err().to_string(),
        "converter 'label' needs labels (model-proc 'labels', or the 'labels' or 'labels-file' \
         property)"
    );
    // More labels than values: refused, as in DL Streamer.
    assert_eq!(
        colors().convert(&blob, 1).unwrap_err().to_string(),
        "converter 'label' has 3 labels for an output of 2 values per frame (expected 2)"
    );
    // Fewer labels: refused when the top class has none.
    let one = LabelConverter::new(strings(&["only"]));
    assert_eq!(
        one.convert(&blob, 1).unwrap_err().to_string(),
        "converter 'label': class 1 has no label (1 labels)"
    );
    assert_eq!(
        one.classify(&[0.9f32, 0.1]).unwrap(),
        result("only", Some(0), f64::from(0.9f32))
    );
    // Before any inference, the count must match exactly (two per value for compound).
    assert!(colors().check_output(3).is_ok());
    assert!(matches!(
        one.check_output(2),
        Err(ConverterError::LabelCount {
            labels: 1,
            values: 2,
            expected: 2,
            ..
        })
    ));
    let compound = converter(LabelMethod::Compound, &["a", "b", "c", "d"]);
    assert!(compound.check_output(2).is_ok());
    assert!(compound.check_output(4).is_err());
    assert!(
        converter(LabelMethod::Index, &["x"])
            .check_output(30)
            .is_ok()
    );
    assert!(matches!(
        none.check_output(2),
        Err(ConverterError::NoLabels { .. })
    ));
    // Blob problems.
    assert!(matches!(
        colors().convert(&Blob::f32(&[1, 3], &[0.0; 3]).unwrap(), 2),
        Err(ConverterError::Batch { .. })
    ));
    let fp16 = BlobData::Bytes {
        precision: Precision::Fp16,
        bytes: &[0; 6],
    };
    assert_eq!(
        colors()
            .convert(&Blob::new(&[1, 3], fp16).unwrap(), 1)
            .unwrap_err()
            .to_string(),
        "converter 'label' cannot read FP16 output blobs (it reads FP32, FP64, I32, I64, U32, \
         U64, U8 or I8)"
    );
    assert!(matches!(
        colors().convert(&Blob::f32(&[1, 0], &[]).unwrap(), 1),
        Err(ConverterError::Shape { .. })
    ));
}

// --- text ------------------------------------------------------------------------------------

#[test]
fn text_writes_scaled_values_with_fixed_precision() {
    // age-gender-recognition's age output: 0.253 * 100 with 0 digits.
    let age = TextConverter {
        scale: 100.0,
        precision: 0,
    };
    let r = age
        .convert(&Blob::f32(&[1, 1, 1, 1], &[0.253]).unwrap(), 1)
        .unwrap();
    assert_eq!(
        r,
        [ClassificationResult {
            label: Some("25".into()),
            label_id: None,
            confidence: None
        }]
    );
    let values = [0.5f32, 0.25, 1.0, -2.0];
    let r = TextConverter::default()
        .convert(&Blob::f32(&[2, 2], &values).unwrap(), 2)
        .unwrap();
    let labels: Vec<_> = r.iter().map(|r| r.label.as_deref().unwrap()).collect();
    assert_eq!(labels, ["0.50, 0.25", "1.00, -2.00"]);
    let ints = [7i64, 42];
    let r = TextConverter {
        scale: 0.5,
        precision: 1,
    }
    .convert(&Blob::new(&[1, 2], BlobData::I64(&ints)).unwrap(), 1)
    .unwrap();
    assert_eq!(r[0].label.as_deref(), Some("3.5, 21.0"));
}

// --- raw_data_copy ---------------------------------------------------------------------------

#[test]
fn raw_data_copy_gives_each_frame_its_bytes() {
    let values = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    let blob = Blob::f32(&[2, 3], &values).unwrap().with_layout(Layout::Nc);
    let raw = RawDataCopy.convert(&blob, 2).unwrap();
    assert_eq!(raw.len(), 2);
    for (frame, tensor) in raw.iter().enumerate() {
        assert_eq!(tensor.dims, [2, 3]);
        assert_eq!(tensor.precision, Precision::Fp32);
        assert_eq!(tensor.layout, Layout::Nc);
        let expected: Vec<u8> = values[frame * 3..][..3]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        assert_eq!(tensor.data, expected);
    }
    // The generated multi_output's max_value [1, 1].
    let raw = RawDataCopy
        .convert(&Blob::f32(&[1, 1], &[255.0]).unwrap(), 1)
        .unwrap();
    assert_eq!(raw[0].data, 255f32.to_ne_bytes());
    assert_eq!(raw[0].layout, Layout::Any);
}

#[test]
fn raw_data_copy_of_other_types() {
    let ints = [1i32, -1];
    let raw = RawDataCopy
        .convert(&Blob::new(&[2], BlobData::I32(&ints)).unwrap(), 1)
        .unwrap();
    assert_eq!(
        (raw[0].precision, raw[0].data.as_slice()),
        (Precision::I32, &[1, 0, 0, 0, 255, 255, 255, 255][..])
    );
    let half = [0x00u8, 0x3c, 0x00, 0x40];
    let fp16 = BlobData::Bytes {
        precision: Precision::Fp16,
        bytes: &half,
    };
    let raw = RawDataCopy
        .convert(&Blob::new(&[2, 1], fp16).unwrap(), 2)
        .unwrap();
    assert_eq!(raw[1].data, [0x00, 0x40]);
    assert_eq!(raw[1].precision, Precision::Fp16);
    let bytes = [9u8, 8, 7];
    let raw = RawDataCopy
        .convert(&Blob::new(&[3], BlobData::U8(&bytes)).unwrap(), 1)
        .unwrap();
    assert_eq!(raw[0].data, bytes);
    assert!(matches!(
        RawDataCopy.convert(&Blob::new(&[3], BlobData::U8(&bytes)).unwrap(), 2),
        Err(ConverterError::Batch { .. })
    ));
}
