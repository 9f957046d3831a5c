//! The Rust decoder on arrays with known answers: the cases `tests/python/test_samples.py` checks
//! on the Python one, plus what makes the port exact (numpy's exp, equal scores) and safe
//! (a zero-size box, wrong shapes). No GStreamer, no model: plain `cargo test` runs it.

use gstgvarustsample::rsfacedecoder::decode::{ANCHORS, Face, INPUT_SIZE, decode};

const N: usize = 896;

/// Regressors and logits with a candidate per (anchor, dx, dy, w, h, logit), in pixels of the
/// 128x128 input; every other anchor scores sigmoid(-10). The first landmark is at the centre.
fn outputs(faces: &[(usize, f32, f32, f32, f32, f32)]) -> (Vec<f32>, Vec<f32>) {
    let mut regressors = vec![0f32; N * 16];
    let mut logits = vec![-10f32; N];
    for &(anchor, dx, dy, w, h, logit) in faces {
        regressors[anchor * 16..anchor * 16 + 6].copy_from_slice(&[dx, dy, w, h, dx, dy]);
        logits[anchor] = logit;
    }
    (regressors, logits)
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-6)
}

/// Anchor on the 8x8 grid, row 3, column 4: centre (4.5/8, 3.5/8).
const GRID8: usize = 512 + 6 * (8 * 3 + 4);

#[test]
fn anchors_follow_mediapipe_order() {
    // 16x16 grid, 2 anchors per cell, row-major; then the 8x8 grid, 6 per cell.
    assert_eq!(ANCHORS.len(), N);
    assert_eq!(ANCHORS[0], [0.5 / 16.0, 0.5 / 16.0]);
    assert_eq!(ANCHORS[1], ANCHORS[0]);
    assert_eq!(ANCHORS[2], [1.5 / 16.0, 0.5 / 16.0]);
    assert_eq!(ANCHORS[32], [0.5 / 16.0, 1.5 / 16.0]);
    assert_eq!(ANCHORS[511], [15.5 / 16.0, 15.5 / 16.0]);
    assert!(
        ANCHORS[512..518]
            .iter()
            .all(|a| *a == [0.5 / 8.0, 0.5 / 8.0])
    );
    assert_eq!(ANCHORS[518], [1.5 / 8.0, 0.5 / 8.0]);
    assert_eq!(ANCHORS[895], [7.5 / 8.0, 7.5 / 8.0]);
}

#[test]
fn a_box_is_recovered_relative_to_its_anchor() {
    let (r, l) = outputs(&[(GRID8, 6.4, -12.8, 32.0, 16.0, 2.0)]);
    let faces = decode(&r, &l, 0.5, 0.3).unwrap();
    let [
        Face {
            rect,
            score,
            keypoints,
        },
    ] = faces.as_slice()
    else {
        panic!("one face expected, got {faces:?}");
    };
    let (cx, cy) = (4.5 / 8.0 + 0.05, 3.5 / 8.0 - 0.1);
    assert!(close(
        rect,
        &[cx - 0.125, cy - 0.0625, cx + 0.125, cy + 0.0625]
    ));
    // 1 / (1 + np.exp(-np.float32(2.0))) in numpy: 0.8807970285415649
    assert_eq!(*score, 0.880_797);
    assert!(close(&keypoints[0], &[cx, cy]));
    assert_eq!(INPUT_SIZE, 128);
}

#[test]
fn scores_use_numpys_exp_not_the_c_librarys() {
    // Logits whose float32 score differs between numpy's SIMD exp (AVX2+FMA or AVX-512F CPUs)
    // and the C library's expf (what numpy calls on other CPUs): (logit, numpy, libm).
    let cases = [
        (f32::from_bits(0x3fb1_3b46), 0.799_732_2, 0.799_732_15),
        (f32::from_bits(0x3fcd_ee76), 0.833_250_3, 0.833_250_16),
        (f32::from_bits(0x3f9d_f9d6), 0.774_550_5, 0.774_550_56),
    ];
    #[cfg(target_arch = "x86_64")]
    let simd = std::arch::is_x86_feature_detected!("fma")
        && (std::arch::is_x86_feature_detected!("avx2")
            || std::arch::is_x86_feature_detected!("avx512f"));
    #[cfg(not(target_arch = "x86_64"))]
    let simd = false;
    for (logit, numpy_simd, libm) in cases {
        assert_ne!(numpy_simd, libm);
        let (r, l) = outputs(&[(GRID8, 0.0, 0.0, 16.0, 16.0, logit)]);
        let faces = decode(&r, &l, 0.5, 0.3).unwrap();
        assert_eq!(
            faces[0].score,
            if simd { numpy_simd } else { libm },
            "{logit}"
        );
    }
}

#[test]
fn weighted_nms_merges_overlaps_and_keeps_separate_faces() {
    let far = 2 * (16 * 2 + 2); // 16x16 grid, row 2, column 2
    let (r, l) = outputs(&[
        (GRID8, 0.0, 0.0, 32.0, 32.0, 3.0),
        (GRID8 + 1, 4.0, 0.0, 32.0, 32.0, 1.0), // same centre, shifted by 4 px: merged
        (far, 0.0, 0.0, 16.0, 16.0, 0.5),
    ]);
    let faces = decode(&r, &l, 0.5, 0.3).unwrap();
    assert_eq!(faces.len(), 2);
    let sigmoid = |x: f32| 1.0 / (1.0 + (-x).exp());
    let (w3, w1) = (sigmoid(3.0), sigmoid(1.0));
    let shift = 4.0 / 128.0 * w1 / (w3 + w1);
    let (cx, cy) = (4.5 / 8.0 + shift, 3.5 / 8.0);
    assert!(close(
        &faces[0].rect,
        &[cx - 0.125, cy - 0.125, cx + 0.125, cy + 0.125]
    ));
    assert!((faces[0].score - w3).abs() < 1e-6); // the best candidate's score, not an average
    let (c, h) = (2.5 / 16.0, 1.0 / 16.0);
    assert!(close(&faces[1].rect, &[c - h, c - h, c + h, c + h]));
    assert!((faces[1].score - sigmoid(0.5)).abs() < 1e-6);
}

#[test]
fn threshold_and_iou_arguments() {
    let (r, l) = outputs(&[(600, 0.0, 0.0, 20.0, 20.0, 0.5)]); // score 0.62
    assert_eq!(decode(&r, &l, 0.5, 0.3).unwrap().len(), 1);
    assert_eq!(decode(&r, &l, 0.7, 0.3).unwrap(), []);
    let (r, l) = outputs(&[]);
    assert_eq!(decode(&r, &l, 0.5, 0.3).unwrap(), []);
}

#[test]
fn equal_scores_stay_in_anchor_order() {
    // Two separate faces with the same logit: the one on the lower anchor comes first.
    let (low, high) = (2 * (16 * 2 + 2), GRID8);
    let (r, l) = outputs(&[
        (high, 0.0, 0.0, 16.0, 16.0, 2.0),
        (low, 0.0, 0.0, 16.0, 16.0, 2.0),
    ]);
    let faces = decode(&r, &l, 0.5, 0.3).unwrap();
    assert_eq!(faces.len(), 2);
    assert_eq!(faces[0].score, faces[1].score);
    assert!(close(&faces[0].keypoints[0], &ANCHORS[low]));
    assert!(close(&faces[1].keypoints[0], &ANCHORS[high]));
}

#[test]
fn a_zero_size_box_or_an_iou_of_one_ends() {
    // The best box overlaps nothing, not even itself: it is still a group of its own.
    let (r, l) = outputs(&[
        (600, 0.0, 0.0, 0.0, 0.0, 2.0),
        (700, 0.0, 0.0, 8.0, 8.0, 1.0),
    ]);
    assert_eq!(decode(&r, &l, 0.5, 0.3).unwrap().len(), 2);
    assert_eq!(decode(&r, &l, 0.5, 1.0).unwrap().len(), 2);
}

#[test]
fn wrong_shapes_are_errors_not_panics() {
    let (r, l) = outputs(&[]);
    assert!(decode(&r[..N * 8], &l, 0.5, 0.3).is_err()); // 8 values per anchor
    assert!(decode(&r[..N * 16 - 1], &l, 0.5, 0.3).is_err());
    assert!(decode(&[], &l, 0.5, 0.3).is_err());
    assert!(decode(&r, &l[..N - 1], 0.5, 0.3).is_err());
    let wide = vec![0f32; N * 18]; // wider rows: the first 16 values are used
    assert_eq!(decode(&wide, &l, 0.5, 0.3).unwrap(), []);
}
