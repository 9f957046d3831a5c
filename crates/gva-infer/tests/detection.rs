//! The detection converters on hand-built blobs, shaped like the generated test models'
//! outputs (target/models: detector_ssd `[1, 1, 64, 7]`, detector_yolov8 `[1, 7, 64]`).

use gva_infer::converters::{
    Blob, BlobData, BoxesLabels, ConverterError, Detection, DetectionOutput, Nms, YoloV8,
};

const GRID: usize = 8;
const CELLS: usize = GRID * GRID;
const INPUT: usize = 64;

fn colors() -> Vec<String> {
    vec!["blue".into(), "green".into(), "red".into()]
}

fn detection(label_id: usize, confidence: f64, b: [f64; 4]) -> Detection {
    Detection {
        label_id,
        label: colors().get(label_id).cloned(),
        confidence,
        x_min: b[0],
        y_min: b[1],
        x_max: b[2],
        y_max: b[3],
    }
}

/// Normalized box of grid cell (row, col), as detector_ssd writes it.
fn cell_box(row: usize, col: usize) -> [f64; 4] {
    let g = GRID as f64;
    [
        col as f64 / g,
        row as f64 / g,
        (col + 1) as f64 / g,
        (row + 1) as f64 / g,
    ]
}

/// detector_ssd's output for one frame: `(row, col, label, confidence)` rows in the order given
/// (the model sorts by confidence), then unused rows `[-1, 0, 0, 0, 0, 0, 0]`.
fn ssd_rows(used: &[(usize, usize, f32, f32)], image_id: f32) -> Vec<f32> {
    let mut out = Vec::new();
    for &(row, col, label, confidence) in used {
        out.extend([image_id, label, confidence]);
        out.extend(cell_box(row, col).map(|v| v as f32));
    }
    out
}

fn unused(rows: usize) -> Vec<f32> {
    [-1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0].repeat(rows)
}

fn ssd() -> DetectionOutput {
    DetectionOutput {
        labels: colors(),
        ..DetectionOutput::default()
    }
}

// --- detection_output ------------------------------------------------------------------------

#[test]
fn ssd_red_block_as_the_generated_model_reports_it() {
    // A 255-red 8x8 block at cell (3, 5) of a black frame.
    let mut data = ssd_rows(&[(3, 5, 2.0, 1.0)], 0.0);
    data.extend(unused(CELLS - 1));
    let blob = Blob::f32(&[1, 1, CELLS, 7], &data).unwrap();
    let frames = ssd().convert(&blob, 1).unwrap();
    assert_eq!(frames, [vec![detection(2, 1.0, [0.625, 0.375, 0.75, 0.5])]]);
}

#[test]
fn ssd_threshold_keeps_equal_confidences_and_stops_at_image_id_minus_one() {
    let mut data = ssd_rows(
        &[
            (0, 0, 2.0, 1.0),
            (2, 2, 0.0, 0.8),
            (4, 4, 1.0, 0.5),  // equal to the threshold: kept
            (6, 6, 1.0, 0.25), // below: skipped
        ],
        0.0,
    );
    data.extend(unused(1));
    // A valid-looking row after the terminator is never read.
    data.extend(ssd_rows(&[(7, 7, 2.0, 1.0)], 0.0));
    data.extend(unused(CELLS - 6));
    let blob = Blob::f32(&[1, 1, CELLS, 7], &data).unwrap();
    let frames = ssd().convert(&blob, 1).unwrap();
    assert_eq!(
        frames[0],
        [
            detection(2, 1.0, cell_box(0, 0)),
            detection(0, 0.800000011920929, cell_box(2, 2)),
            detection(1, 0.5, cell_box(4, 4)),
        ]
    );
    let low = DetectionOutput {
        confidence_threshold: 0.2,
        ..ssd()
    };
    assert_eq!(low.convert(&blob, 1).unwrap()[0].len(), 4);
}

#[test]
fn ssd_batch_routes_rows_by_image_id() {
    // detector_ssd reshaped to batch 2: frame 0's used rows, frame 1's, then the unused ones.
    let mut data = ssd_rows(&[(1, 1, 2.0, 1.0)], 0.0);
    data.extend(ssd_rows(&[(5, 6, 1.0, 0.75), (0, 7, 0.0, 0.625)], 1.0));
    data.extend(unused(2 * CELLS - 3));
    let blob = Blob::f32(&[1, 1, 2 * CELLS, 7], &data).unwrap();
    let frames = ssd().convert(&blob, 2).unwrap();
    assert_eq!(frames[0], [detection(2, 1.0, cell_box(1, 1))]);
    assert_eq!(
        frames[1],
        [
            detection(1, 0.75, cell_box(5, 6)),
            detection(0, 0.625, cell_box(0, 7)),
        ]
    );
    // With a batch of 1, a row of image 1 ends the frame's rows (DL Streamer: image_id out of
    // the batch stops the parse).
    assert_eq!(ssd().convert(&blob, 1).unwrap()[0].len(), 1);
}

#[test]
fn ssd_boxes_are_clipped_scaled_and_labelled() {
    let rows = [
        0.0, 5.0, 0.9, -0.25, 0.5, 0.5, 1.5, // label 5: no label text
        0.0, 1.0, 0.9, 0.25, 0.25, 0.75, 0.75,
    ];
    let blob = Blob::f32(&[1, 1, 2, 7], &rows).unwrap();
    let frames = ssd().convert(&blob, 1).unwrap();
    let out_of_frame = &frames[0][0];
    assert_eq!(out_of_frame.label, None);
    assert_eq!(
        [
            out_of_frame.x_min,
            out_of_frame.y_min,
            out_of_frame.x_max,
            out_of_frame.y_max
        ],
        [0.0, 0.5, 0.5, 1.0]
    );
    let scaled = DetectionOutput {
        roi_scale: 0.5,
        ..ssd()
    };
    let d = &scaled.convert(&blob, 1).unwrap()[0][1];
    assert_eq!(
        [d.x_min, d.y_min, d.x_max, d.y_max],
        [0.375, 0.375, 0.625, 0.625]
    );
    assert_eq!(d.confidence, f64::from(0.9f32));
}

#[test]
fn ssd_malformed_blobs_are_errors() {
    let six = vec![0f32; 6 * 4];
    let err = ssd()
        .convert(&Blob::f32(&[1, 1, 4, 6], &six).unwrap(), 1)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "converter 'detection_output' cannot read an output blob of dims [1, 1, 4, 6]: expected \
         [1, 1, N, 7] (N rows of image_id, label, confidence, x_min, y_min, x_max, y_max)"
    );
    let two = vec![0f32; 2 * 7];
    assert!(matches!(
        ssd().convert(&Blob::f32(&[2, 1, 1, 7], &two).unwrap(), 1),
        Err(ConverterError::Shape { .. })
    ));
    for batch in [0, 1025, usize::MAX] {
        assert!(matches!(
            ssd().convert(&Blob::f32(&[1, 1, 2, 7], &two).unwrap(), batch),
            Err(ConverterError::Batch { .. })
        ));
    }
    let doubles = vec![0f64; 7];
    let err = ssd()
        .convert(
            &Blob::new(&[1, 1, 1, 7], BlobData::F64(&doubles)).unwrap(),
            1,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "converter 'detection_output' cannot read FP64 output blobs (it reads FP32)"
    );
    for label in [-1.0, f32::NAN, 3e9] {
        let row = [0.0, label, 0.9, 0.0, 0.0, 0.5, 0.5];
        let err = ssd()
            .convert(&Blob::f32(&[1, 1, 1, 7], &row).unwrap(), 1)
            .unwrap_err();
        assert!(
            matches!(
                err,
                ConverterError::BadIndex {
                    what: "label id",
                    index: 0,
                    ..
                }
            ),
            "{err}"
        );
    }
    let err = ssd()
        .convert(
            &Blob::f32(&[1, 1, 1, 7], &[0.0, -1.0, 0.9, 0.0, 0.0, 0.5, 0.5]).unwrap(),
            1,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "converter 'detection_output': label id -1 at index 0 is not a valid index"
    );
    // A NaN confidence is below any threshold, a NaN image id ends the rows: no error.
    let rows = [
        0.0,
        1.0,
        f32::NAN,
        0.0,
        0.0,
        1.0,
        1.0,
        f32::NAN,
        1.0,
        1.0,
        0.0,
        0.0,
        1.0,
        1.0,
    ];
    let frames = ssd()
        .convert(&Blob::f32(&[1, 1, 2, 7], &rows).unwrap(), 1)
        .unwrap();
    assert!(frames[0].is_empty());
}

// --- boxes_labels ----------------------------------------------------------------------------

fn boxes_labels() -> BoxesLabels {
    BoxesLabels {
        labels: colors(),
        ..BoxesLabels::new(64, 32)
    }
}

#[test]
fn boxes_labels_in_input_pixels() {
    let boxes = [
        16.0, 8.0, 48.0, 24.0, 0.9, // kept
        0.0, 0.0, 8.0, 8.0, 0.5, // equal to the threshold: kept
        0.0, 0.0, 64.0, 32.0, 0.1, // below: skipped
        -8.0, 16.0, 96.0, 40.0, 0.75, // clipped
    ];
    let labels = [1i64, 0, 2, 2];
    let boxes = Blob::f32(&[4, 5], &boxes).unwrap();
    let labels = Blob::new(&[4], BlobData::I64(&labels)).unwrap();
    let frames = boxes_labels().convert(&boxes, &labels, 1).unwrap();
    assert_eq!(
        frames,
        [vec![
            detection(1, f64::from(0.9f32), [0.25, 0.25, 0.75, 0.75]),
            detection(0, 0.5, [0.0, 0.0, 0.125, 0.25]),
            detection(2, 0.75, [0.0, 0.5, 1.0, 1.0]),
        ]]
    );
}

#[test]
fn boxes_labels_four_columns_batches_and_label_types() {
    // [N, 4]: confidence 1 for every box; float labels.
    let boxes = [0.0, 0.0, 32.0, 16.0, 32.0, 16.0, 64.0, 32.0];
    let labels = [2.0f32, 1.0];
    let frames = boxes_labels()
        .convert(
            &Blob::f32(&[2, 4], &boxes).unwrap(),
            &Blob::f32(&[2], &labels).unwrap(),
            1,
        )
        .unwrap();
    assert_eq!(
        frames[0],
        [
            detection(2, 1.0, [0.0, 0.0, 0.5, 0.5]),
            detection(1, 1.0, [0.5, 0.5, 1.0, 1.0]),
        ]
    );
    // [B, N, 5] with [B, N] labels: each frame reads its own labels.
    let boxes = [
        0.0, 0.0, 32.0, 16.0, 0.9, 0.0, 0.0, 1.0, 1.0, 0.0, // frame 0
        32.0, 16.0, 64.0, 32.0, 0.8, 0.0, 0.0, 1.0, 1.0, 0.0, // frame 1
    ];
    let labels = [0u32, 0, 2, 0];
    let frames = boxes_labels()
        .convert(
            &Blob::f32(&[2, 2, 5], &boxes).unwrap(),
            &Blob::new(&[2, 2], BlobData::U32(&labels)).unwrap(),
            2,
        )
        .unwrap();
    assert_eq!(
        frames[0],
        [detection(0, f64::from(0.9f32), [0.0, 0.0, 0.5, 0.5])]
    );
    assert_eq!(
        frames[1],
        [detection(2, f64::from(0.8f32), [0.5, 0.5, 1.0, 1.0])]
    );
}

#[test]
fn boxes_labels_malformed_blobs_are_errors() {
    let boxes = [0f32; 10];
    let boxes = Blob::f32(&[2, 5], &boxes).unwrap();
    let three = Blob::f32(&[3], &[0.0; 3]).unwrap();
    assert_eq!(
        boxes_labels()
            .convert(&boxes, &three, 1)
            .unwrap_err()
            .to_string(),
        "converter 'boxes_labels' cannot read an output blob of dims [3]: expected labels of 2 \
         values, one per box of boxes [2, 5]"
    );
    let six = Blob::f32(&[2, 3], &[0.0; 6]).unwrap();
    assert!(matches!(
        boxes_labels().convert(&six, &three, 1),
        Err(ConverterError::Shape { .. })
    ));
    let negative = [0i32, -1];
    let rows = [0.0, 0.0, 1.0, 1.0, 0.9, 0.0, 0.0, 1.0, 1.0, 0.9];
    let err = boxes_labels()
        .convert(
            &Blob::f32(&[2, 5], &rows).unwrap(),
            &Blob::new(&[2], BlobData::I32(&negative)).unwrap(),
            1,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "converter 'boxes_labels': label id -1 at index 1 is not a valid index"
    );
    let no_size = BoxesLabels::new(0, 32);
    assert_eq!(
        no_size
            .convert(&boxes, &Blob::f32(&[2], &[0.0; 2]).unwrap(), 1)
            .unwrap_err()
            .to_string(),
        "converter 'boxes_labels': input_width = 0 is out of range (a model input size of at \
         least 1 pixel)"
    );
    assert!(matches!(
        boxes_labels().convert(&boxes, &Blob::f32(&[2], &[0.0; 2]).unwrap(), 3),
        Err(ConverterError::Shape { .. })
    ));
}

// --- yolo_v8 ---------------------------------------------------------------------------------

/// detector_yolov8's output `[1, 7, 64]` for one frame: anchor per cell, `(row, col, class,
/// score)` for the cells that are not black.
fn yolo_blob(cells: &[(usize, usize, usize, f32)]) -> Vec<f32> {
    let mut out = vec![0f32; 7 * CELLS];
    for a in 0..CELLS {
        let (row, col) = (a / GRID, a % GRID);
        out[a] = (8 * col + 4) as f32;
        out[CELLS + a] = (8 * row + 4) as f32;
        out[2 * CELLS + a] = 8.0;
        out[3 * CELLS + a] = 8.0;
    }
    for &(row, col, class, score) in cells {
        out[(4 + class) * CELLS + row * GRID + col] = score;
    }
    out
}

fn yolo() -> YoloV8 {
    YoloV8 {
        labels: colors(),
        ..YoloV8::new(INPUT, INPUT)
    }
}

#[test]
fn yolo_red_block_as_the_generated_model_reports_it() {
    let data = yolo_blob(&[(3, 5, 2, 1.0)]);
    assert_eq!(&data[29..][..1], &[44.0]); // anchor 29 = [44, 28, 8, 8, 0, 0, 1]
    let frames = yolo()
        .convert(&Blob::f32(&[1, 7, CELLS], &data).unwrap(), 1)
        .unwrap();
    assert_eq!(frames, [vec![detection(2, 1.0, [0.625, 0.375, 0.75, 0.5])]]);
}

#[test]
fn yolo_threshold_is_strict_and_output_sorted_by_confidence() {
    let data = yolo_blob(&[
        (0, 0, 0, 0.5), // equal to the threshold: skipped (`>`)
        (1, 1, 1, 0.625),
        (2, 2, 2, 0.875),
        (7, 7, 0, 0.75),
    ]);
    let frames = yolo()
        .convert(&Blob::f32(&[1, 7, CELLS], &data).unwrap(), 1)
        .unwrap();
    assert_eq!(
        frames[0],
        [
            detection(2, 0.875, cell_box(2, 2)),
            detection(0, 0.75, cell_box(7, 7)),
            detection(1, 0.625, cell_box(1, 1)),
        ]
    );
}

#[test]
fn yolo_adjacent_cells_touch_but_do_not_overlap() {
    // A frame of 64 equally bright cells: no box suppresses a neighbour (zero-area overlap),
    // equal confidences keep anchor order.
    let cells: Vec<_> = (0..CELLS).map(|a| (a / GRID, a % GRID, 1, 1.0)).collect();
    let data = yolo_blob(&cells);
    let frames = yolo()
        .convert(&Blob::f32(&[1, 7, CELLS], &data).unwrap(), 1)
        .unwrap();
    assert_eq!(frames[0].len(), CELLS);
    for (a, d) in frames[0].iter().enumerate() {
        assert_eq!(*d, detection(1, 1.0, cell_box(a / GRID, a % GRID)));
    }
}

#[test]
fn yolo_class_ties_go_to_the_lower_class() {
    let data = yolo_blob(&[(0, 1, 1, 0.75), (0, 1, 2, 0.75)]);
    let frames = yolo()
        .convert(&Blob::f32(&[1, 7, CELLS], &data).unwrap(), 1)
        .unwrap();
    assert_eq!(frames[0], [detection(1, 0.75, cell_box(0, 1))]);
}

/// Three anchors, two classes: `[cx, cy, w, h, score0, score1]` per anchor.
fn anchors(rows: &[[f32; 6]]) -> Vec<f32> {
    let mut out = vec![0f32; 6 * rows.len()];
    for (a, row) in rows.iter().enumerate() {
        for (r, v) in row.iter().enumerate() {
            out[r * rows.len() + a] = *v;
        }
    }
    out
}

#[test]
fn yolo_nms_suppresses_overlaps_of_a_class() {
    let data = anchors(&[
        [32.0, 32.0, 20.0, 20.0, 0.9, 0.0],
        [34.0, 32.0, 20.0, 20.0, 0.8, 0.0], // IoU 360/440 with the first: suppressed
        [34.0, 32.0, 20.0, 20.0, 0.0, 0.7], // other class: kept when class-aware
    ]);
    let blob = Blob::f32(&[1, 6, 3], &data).unwrap();
    let two = YoloV8 {
        labels: vec!["a".into(), "b".into()],
        ..YoloV8::new(64, 64)
    };
    let frames = two.convert(&blob, 1).unwrap();
    let kept: Vec<_> = frames[0]
        .iter()
        .map(|d| (d.label.as_deref().unwrap(), d.confidence))
        .collect();
    assert_eq!(kept, [("a", f64::from(0.9f32)), ("b", f64::from(0.7f32))]);
    assert_eq!(
        [
            frames[0][0].x_min,
            frames[0][0].y_min,
            frames[0][0].x_max,
            frames[0][0].y_max
        ],
        [22.0 / 64.0, 22.0 / 64.0, 42.0 / 64.0, 42.0 / 64.0]
    );
    let agnostic = YoloV8 {
        nms: Nms {
            class_aware: false,
            ..Nms::default()
        },
        ..two.clone()
    };
    assert_eq!(agnostic.convert(&blob, 1).unwrap()[0].len(), 1);
    let loose = YoloV8 {
        nms: Nms {
            iou_threshold: 0.9,
            ..Nms::default()
        },
        ..two
    };
    assert_eq!(loose.convert(&blob, 1).unwrap()[0].len(), 3);
}

#[test]
fn yolo_boxes_are_clipped_after_nms() {
    let data = anchors(&[[2.0, 62.0, 8.0, 8.0, 0.9, 0.0]]);
    let frames = YoloV8::new(64, 64)
        .convert(&Blob::f32(&[1, 6, 1], &data).unwrap(), 1)
        .unwrap();
    let d = &frames[0][0];
    assert_eq!(d.label, None);
    assert_eq!(
        [d.x_min, d.y_min, d.x_max, d.y_max],
        [0.0, 58.0 / 64.0, 6.0 / 64.0, 1.0]
    );
}

#[test]
fn yolo_batch_of_two() {
    let mut data = yolo_blob(&[(3, 5, 2, 1.0)]);
    data.extend(yolo_blob(&[(0, 0, 0, 0.75)]));
    let frames = yolo()
        .convert(&Blob::f32(&[2, 7, CELLS], &data).unwrap(), 2)
        .unwrap();
    assert_eq!(frames[0], [detection(2, 1.0, [0.625, 0.375, 0.75, 0.5])]);
    assert_eq!(frames[1], [detection(0, 0.75, cell_box(0, 0))]);
}

#[test]
fn yolo_malformed_blobs_are_errors() {
    let four = vec![0f32; 4 * CELLS];
    assert_eq!(
        yolo()
            .convert(&Blob::f32(&[1, 4, CELLS], &four).unwrap(), 1)
            .unwrap_err()
            .to_string(),
        "converter 'yolo_v8' cannot read an output blob of dims [1, 4, 64]: expected [1, 4 + C, \
         A] (cx, cy, w, h and C >= 1 class scores for each of A anchors)"
    );
    let two = vec![0f32; 2 * 7 * CELLS];
    assert!(matches!(
        yolo().convert(&Blob::f32(&[2, 7, CELLS], &two).unwrap(), 1),
        Err(ConverterError::Shape { .. })
    ));
    assert!(matches!(
        YoloV8::new(64, 0).convert(&Blob::f32(&[2, 7, CELLS], &two).unwrap(), 2),
        Err(ConverterError::Parameter {
            parameter: "input_height",
            ..
        })
    ));
    let ints = vec![0i32; 7 * CELLS];
    assert!(matches!(
        yolo().convert(&Blob::new(&[1, 7, CELLS], BlobData::I32(&ints)).unwrap(), 1),
        Err(ConverterError::Precision { .. })
    ));
    // No anchors: no detections.
    let frames = yolo()
        .convert(&Blob::f32(&[2, 7, 0], &[]).unwrap(), 2)
        .unwrap();
    assert_eq!(frames, [Vec::new(), Vec::new()]);
    // NaN scores are never above the threshold.
    let nan = yolo_blob(&[(1, 1, 0, f32::NAN), (2, 2, 1, f32::NAN)]);
    let frames = yolo()
        .convert(&Blob::f32(&[1, 7, CELLS], &nan).unwrap(), 1)
        .unwrap();
    assert!(frames[0].is_empty());
}

// --- every detector ----------------------------------------------------------------------------

#[test]
fn boxes_with_a_nan_coordinate_are_skipped_by_every_detector() {
    // Found by no_panic.rs's invariants: a NaN coordinate survived clipping (NaN.clamp is NaN)
    // and reached the element, where the region could not be placed. Infinities are clipped.
    let nan = f32::NAN;
    let mut rows = vec![
        0.0,
        2.0,
        0.9,
        0.25,
        0.25,
        nan,
        0.5, // NaN x_max: skipped
        0.0,
        1.0,
        0.8,
        0.0,
        0.0,
        0.5,
        f32::INFINITY, // y_max clipped to 1
    ];
    rows.extend(unused(1));
    let frames = ssd()
        .convert(&Blob::f32(&[1, 1, 3, 7], &rows).unwrap(), 1)
        .unwrap();
    assert_eq!(
        frames,
        [vec![detection(1, f64::from(0.8f32), [0.0, 0.0, 0.5, 1.0])]]
    );

    let boxes = [
        nan, 0.0, 8.0, 8.0, 0.9, // skipped
        0.0, 0.0, 32.0, 16.0, 0.7, // kept
    ];
    let frames = boxes_labels()
        .convert(
            &Blob::f32(&[2, 5], &boxes).unwrap(),
            &Blob::new(&[2], BlobData::I64(&[2, 1])).unwrap(),
            1,
        )
        .unwrap();
    assert_eq!(
        frames,
        [vec![detection(1, f64::from(0.7f32), [0.0, 0.0, 0.5, 0.5])]]
    );

    // Anchor 0 has a NaN width, anchor 1 a real box; both score 1.0 for class 1.
    let data = anchors(&[
        [4.0, 4.0, nan, 8.0, 0.0, 1.0],
        [12.0, 4.0, 8.0, 8.0, 0.0, 1.0],
    ]);
    let frames = YoloV8 {
        labels: vec!["a".into(), "b".into()],
        ..YoloV8::new(INPUT, INPUT)
    }
    .convert(&Blob::f32(&[1, 6, 2], &data).unwrap(), 1)
    .unwrap();
    assert_eq!(frames.len(), 1);
    assert_eq!(
        frames[0]
            .iter()
            .map(|d| (d.label_id, [d.x_min, d.y_min, d.x_max, d.y_max]))
            .collect::<Vec<_>>(),
        [(1, [0.125, 0.0, 0.25, 0.125])]
    );
}

#[test]
fn the_first_class_id_without_a_label_is_found() {
    use gva_infer::converters::unlabelled_class;
    let labels = ["a".to_owned(), "b".to_owned()];
    let found = [1, 3, 2].map(|id| detection(id, 1.0, [0.0, 0.0, 1.0, 1.0]));
    assert_eq!(unlabelled_class(&labels, &found), Some(3));
    assert_eq!(unlabelled_class(&labels, &found[..1]), None);
    // No labels at all: every detection is unnamed by choice.
    assert_eq!(unlabelled_class(&[], &found), None);
}
