//! Per-frame cost of the output converters of `gva-infer` on realistic outputs: 100 detections
//! before NMS, 1000-class classification.
//!
//! `cargo bench -p gva-benches --bench converters`.
//!
//! - `detection_output`: SSD `[1, 1, 200, 7]`, 100 rows above the threshold then `image_id -1`.
//! - `boxes_labels`: `boxes [200, 5]` + `labels [200]`, 100 above the threshold.
//! - `yolo_v8`: YOLOv8n at 640x640, `[1, 84, 8400]` (80 classes), 100 anchors above the
//!   threshold in 25 clusters of 4 overlapping boxes, so NMS keeps 25.
//! - `nms`: the 100 `yolo_v8` candidates alone.
//! - `label`: `[1, 1000]` with methods `max` and `softmax`.
//! - `text`, `raw_data_copy`: `[1, 1000]`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gva_infer::converters::{
    Blob, BlobData, BoxesLabels, Detection, DetectionOutput, LabelConverter, LabelMethod, Nms,
    RawDataCopy, TextConverter, YoloV8,
};

const CANDIDATES: usize = 100;
const CLASSES: usize = 80;
const ANCHORS: usize = 8400;
const INPUT: usize = 640;

fn coco() -> Vec<String> {
    (0..CLASSES).map(|i| format!("class {i}")).collect()
}

/// A value in [0, 1) that varies with `i` (no RNG, so runs are comparable).
fn wobble(i: usize) -> f32 {
    ((i * 7919) % 1000) as f32 / 1000.0
}

fn ssd_rows() -> Vec<f32> {
    let mut rows = Vec::new();
    for i in 0..200 {
        if i < CANDIDATES {
            let (x, y) = ((i % 10) as f32 / 10.0, (i / 10) as f32 / 10.0);
            let confidence = 0.99 - i as f32 * 0.004;
            rows.extend([
                0.0,
                (i % CLASSES) as f32,
                confidence,
                x,
                y,
                x + 0.08,
                y + 0.08,
            ]);
        } else {
            rows.extend([-1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        }
    }
    rows
}

fn boxes_and_labels() -> (Vec<f32>, Vec<i64>) {
    let mut boxes = Vec::new();
    let mut labels = Vec::new();
    for i in 0..200 {
        let (x, y) = ((i % 10) as f32 * 60.0, (i / 20) as f32 * 60.0);
        let confidence = if i % 2 == 0 { 0.9 } else { 0.1 };
        boxes.extend([x, y, x + 50.0, y + 50.0, confidence]);
        labels.push((i % CLASSES) as i64);
    }
    (boxes, labels)
}

/// `[1, 84, 8400]`: low scores everywhere, 100 anchors above 0.5 in 25 clusters of 4.
fn yolo_output() -> Vec<f32> {
    let mut out = vec![0f32; (4 + CLASSES) * ANCHORS];
    for a in 0..ANCHORS {
        out[a] = (a % 80) as f32 * 8.0 + 4.0;
        out[ANCHORS + a] = (a / 80) as f32 * 6.0 + 4.0;
        out[2 * ANCHORS + a] = 16.0;
        out[3 * ANCHORS + a] = 16.0;
        for c in 0..CLASSES {
            out[(4 + c) * ANCHORS + a] = wobble(a * CLASSES + c) * 0.3;
        }
    }
    for k in 0..CANDIDATES {
        let (cluster, member) = (k / 4, k % 4);
        let a = cluster * 331 + member;
        out[a] = 100.0 + (cluster % 5) as f32 * 100.0 + member as f32 * 2.0;
        out[ANCHORS + a] = 100.0 + (cluster / 5) as f32 * 100.0;
        out[2 * ANCHORS + a] = 60.0;
        out[3 * ANCHORS + a] = 60.0;
        out[(4 + cluster % CLASSES) * ANCHORS + a] = 0.95 - member as f32 * 0.1;
    }
    out
}

fn bench_detection(c: &mut Criterion) {
    let rows = ssd_rows();
    let blob = Blob::f32(&[1, 1, 200, 7], &rows).unwrap();
    let ssd = DetectionOutput {
        labels: coco(),
        ..DetectionOutput::default()
    };
    assert_eq!(ssd.convert(&blob, 1).unwrap()[0].len(), CANDIDATES);
    c.bench_function("detection_output/200 rows, 100 kept", |b| {
        b.iter(|| ssd.convert(black_box(&blob), 1).unwrap())
    });

    let (boxes, labels) = boxes_and_labels();
    let boxes = Blob::f32(&[200, 5], &boxes).unwrap();
    let labels = Blob::new(&[200], BlobData::I64(&labels)).unwrap();
    let converter = BoxesLabels {
        labels: coco(),
        ..BoxesLabels::new(INPUT, INPUT)
    };
    assert_eq!(
        converter.convert(&boxes, &labels, 1).unwrap()[0].len(),
        CANDIDATES
    );
    c.bench_function("boxes_labels/200 boxes, 100 kept", |b| {
        b.iter(|| {
            converter
                .convert(black_box(&boxes), black_box(&labels), 1)
                .unwrap()
        })
    });

    let output = yolo_output();
    let dims = [1, 4 + CLASSES, ANCHORS];
    let blob = Blob::f32(&dims, &output).unwrap();
    let yolo = YoloV8 {
        labels: coco(),
        ..YoloV8::new(INPUT, INPUT)
    };
    assert_eq!(yolo.convert(&blob, 1).unwrap()[0].len(), CANDIDATES / 4);
    c.bench_function("yolo_v8/[1,84,8400], 100 candidates, NMS to 25", |b| {
        b.iter(|| yolo.convert(black_box(&blob), 1).unwrap())
    });

    // The same 100 candidates through NMS alone (clone included; measured separately below).
    let candidates: Vec<Detection> = {
        let loose = YoloV8 {
            nms: Nms {
                iou_threshold: 1.0,
                ..Nms::default()
            },
            ..yolo.clone()
        };
        loose.convert(&blob, 1).unwrap().remove(0)
    };
    assert_eq!(candidates.len(), CANDIDATES);
    c.bench_function("nms/100 candidates (clone + run)", |b| {
        b.iter(|| {
            let mut d = candidates.clone();
            Nms::default().run(black_box(&mut d));
            d
        })
    });
    c.bench_function("nms/100 candidates (clone only)", |b| {
        b.iter(|| black_box(&candidates).clone())
    });
}

fn bench_tensor(c: &mut Criterion) {
    let labels: Vec<String> = (0..1000).map(|i| format!("imagenet class {i}")).collect();
    let logits: Vec<f32> = (0..1000).map(|i| wobble(i) * 10.0).collect();
    let blob = Blob::f32(&[1, 1000], &logits).unwrap();
    for method in [LabelMethod::Max, LabelMethod::Softmax] {
        let converter = LabelConverter {
            method,
            ..LabelConverter::new(labels.clone())
        };
        c.bench_function(&format!("label/{} of 1000", method.name()), |b| {
            b.iter(|| converter.convert(black_box(&blob), 1).unwrap())
        });
    }
    let text = TextConverter::default();
    c.bench_function("text/1000 values", |b| {
        b.iter(|| text.convert(black_box(&blob), 1).unwrap())
    });
    c.bench_function("raw_data_copy/1000 f32", |b| {
        b.iter(|| RawDataCopy.convert(black_box(&blob), 1).unwrap())
    });
}

criterion_group!(benches, bench_detection, bench_tensor);
criterion_main!(benches);
