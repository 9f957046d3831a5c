//! Non-maximum suppression: DL Streamer's greedy rule, IoU 0.4 by default, class-aware unless
//! told otherwise, stable order.

use gva_infer::converters::{DEFAULT_IOU_THRESHOLD, Detection, Nms, iou};

fn boxed(label_id: usize, confidence: f64, b: [f64; 4]) -> Detection {
    Detection {
        label_id,
        label: None,
        confidence,
        x_min: b[0],
        y_min: b[1],
        x_max: b[2],
        y_max: b[3],
    }
}

fn run(nms: Nms, mut detections: Vec<Detection>) -> Vec<(usize, f64)> {
    nms.run(&mut detections);
    detections
        .iter()
        .map(|d| (d.label_id, d.confidence))
        .collect()
}

#[test]
fn defaults_are_dl_streamers_iou_and_class_aware() {
    assert_eq!(DEFAULT_IOU_THRESHOLD, 0.4);
    let nms = Nms::default();
    assert_eq!(nms.iou_threshold, 0.4);
    assert!(nms.class_aware);
}

#[test]
fn iou_values() {
    let a = boxed(0, 1.0, [0.0, 0.0, 0.5, 0.5]);
    assert_eq!(iou(&a, &a), 1.0);
    // Half of a overlaps b of the same size: 0.125 / 0.375.
    let b = boxed(0, 1.0, [0.25, 0.0, 0.75, 0.5]);
    assert_eq!(iou(&a, &b), 1.0 / 3.0);
    // Touching edges and disjoint boxes: 0.
    assert_eq!(iou(&a, &boxed(0, 1.0, [0.5, 0.0, 1.0, 0.5])), 0.0);
    assert_eq!(iou(&a, &boxed(0, 1.0, [0.6, 0.6, 1.0, 1.0])), 0.0);
    // Degenerate (zero-area) boxes never divide by zero.
    let point = boxed(0, 1.0, [0.2, 0.2, 0.2, 0.2]);
    assert_eq!(iou(&point, &point), 0.0);
}

#[test]
fn overlapping_boxes_of_one_class_keep_the_most_confident() {
    let out = run(
        Nms::default(),
        vec![
            boxed(3, 0.6, [0.1, 0.1, 0.5, 0.5]),
            boxed(3, 0.9, [0.12, 0.1, 0.52, 0.5]), // IoU with the first ~0.9
            boxed(3, 0.7, [0.6, 0.6, 0.9, 0.9]),   // elsewhere
        ],
    );
    assert_eq!(out, [(3, 0.9), (3, 0.7)]);
}

#[test]
fn different_classes_are_kept_unless_class_agnostic() {
    let detections = vec![
        boxed(0, 0.9, [0.1, 0.1, 0.5, 0.5]),
        boxed(1, 0.8, [0.1, 0.1, 0.5, 0.5]),
    ];
    assert_eq!(
        run(Nms::default(), detections.clone()),
        [(0, 0.9), (1, 0.8)]
    );
    let agnostic = Nms {
        class_aware: false,
        ..Nms::default()
    };
    assert_eq!(run(agnostic, detections), [(0, 0.9)]);
}

#[test]
fn iou_exactly_at_the_threshold_is_kept() {
    // Inter 0.25, union 0.5 + 0.375 - 0.25 = 0.625 (all exact in binary): IoU is 0.4, which
    // is not above 0.4.
    let a = boxed(0, 0.9, [0.0, 0.0, 0.5, 1.0]);
    let b = boxed(0, 0.8, [0.25, 0.0, 0.625, 1.0]);
    assert_eq!(iou(&a, &b), 0.4);
    assert_eq!(
        run(Nms::default(), vec![a.clone(), b]),
        [(0, 0.9), (0, 0.8)]
    );
    // Just above it: suppressed.
    let wider = boxed(0, 0.8, [0.2499, 0.0, 0.625, 1.0]);
    assert!(iou(&a, &wider) > 0.4);
    assert_eq!(run(Nms::default(), vec![a, wider]), [(0, 0.9)]);
}

#[test]
fn order_is_stable_and_suppressed_boxes_suppress_nothing() {
    // Equal confidences keep their order.
    let out = run(
        Nms::default(),
        vec![
            boxed(1, 0.5, [0.0, 0.0, 0.1, 0.1]),
            boxed(2, 0.5, [0.2, 0.2, 0.3, 0.3]),
            boxed(0, 0.5, [0.4, 0.4, 0.5, 0.5]),
            boxed(0, 0.75, [0.6, 0.6, 0.7, 0.7]),
        ],
    );
    assert_eq!(out, [(0, 0.75), (1, 0.5), (2, 0.5), (0, 0.5)]);
    // A suppresses B, B would have suppressed C, but C overlaps A too little: C stays.
    let a = boxed(0, 0.9, [0.0, 0.0, 0.4, 0.4]);
    let b = boxed(0, 0.8, [0.1, 0.0, 0.5, 0.4]);
    let c = boxed(0, 0.7, [0.2, 0.0, 0.6, 0.4]);
    assert!(iou(&a, &b) > 0.4 && iou(&b, &c) > 0.4 && iou(&a, &c) <= 0.4);
    assert_eq!(run(Nms::default(), vec![c, b, a]), [(0, 0.9), (0, 0.7)]);
}

#[test]
fn many_boxes() {
    // 100 copies of one box with decreasing confidence: one survives; 100 disjoint: all do.
    let same: Vec<_> = (0..100)
        .map(|i| boxed(0, 1.0 - f64::from(i) / 1000.0, [0.1, 0.1, 0.2, 0.2]))
        .collect();
    assert_eq!(run(Nms::default(), same), [(0, 1.0)]);
    let disjoint: Vec<_> = (0..100)
        .map(|i| {
            let x = f64::from(i) / 100.0;
            boxed(0, 0.5, [x, 0.0, x + 0.01, 0.01])
        })
        .collect();
    assert_eq!(run(Nms::default(), disjoint).len(), 100);
    assert!(run(Nms::default(), Vec::new()).is_empty());
}
