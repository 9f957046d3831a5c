//! Pre-processing built into the compiled model (`gva_infer::preprocess`) on the generated test
//! models (`cargo xtask models`): every frame format gives what the BGR path gives, and range,
//! mean, std, colour space and aspect-ratio resize change what the model sees as expected.

use gva_infer::image::{Image, Plane};
use gva_infer::model::{CompiledModel, InputData, parse_config};
use gva_infer::preprocess::{ColorSpace, Crop, FrameFormat, Preprocess, Resize};

mod setup;
use setup::models;

/// Whether OpenVINO and the generated models are there (else the test is skipped or fails,
/// see `setup`).
fn ready() -> bool {
    setup::have_openvino_and_models(gva_infer::runtime::load)
}

/// Exact f32 results on this CPU (it defaults to bf16 where it has AMX).
fn exact() -> Vec<(String, String)> {
    parse_config("INFERENCE_PRECISION_HINT=f32").unwrap()
}

/// A packed BGR frame of `w` x `h`: `background` everywhere, `block` on x in `xs`, y in `ys`.
fn bgr_frame(
    w: usize,
    h: usize,
    background: [u8; 3],
    block: [u8; 3],
    xs: std::ops::Range<usize>,
    ys: std::ops::Range<usize>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let px = if xs.contains(&x) && ys.contains(&y) {
                block
            } else {
                background
            };
            out.extend_from_slice(&px);
        }
    }
    out
}

/// BT.601 limited range (what OpenVINO's NV12/I420 → BGR conversion inverts).
fn yuv(bgr: &[u8]) -> (f32, f32, f32) {
    let (b, g, r) = (f32::from(bgr[0]), f32::from(bgr[1]), f32::from(bgr[2]));
    (
        16.0 + 0.257 * r + 0.504 * g + 0.098 * b,
        128.0 - 0.148 * r - 0.291 * g + 0.439 * b,
        128.0 + 0.439 * r - 0.368 * g - 0.071 * b,
    )
}

/// `bgr` (packed, `w` x `h`) in `format`.
fn convert(bgr: &[u8], w: usize, h: usize, format: FrameFormat) -> Vec<u8> {
    let px = |i: usize| &bgr[i * 3..i * 3 + 3];
    let q = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    match format {
        FrameFormat::Bgr => bgr.to_vec(),
        FrameFormat::Rgb => (0..w * h)
            .flat_map(|i| [px(i)[2], px(i)[1], px(i)[0]])
            .collect(),
        FrameFormat::Bgrx | FrameFormat::Bgra => (0..w * h)
            .flat_map(|i| [px(i)[0], px(i)[1], px(i)[2], 77])
            .collect(),
        FrameFormat::Rgbx | FrameFormat::Rgba => (0..w * h)
            .flat_map(|i| [px(i)[2], px(i)[1], px(i)[0], 77])
            .collect(),
        FrameFormat::Gray => (0..w * h)
            .map(|i| {
                let [b, g, r] = [0, 1, 2].map(|c| f32::from(px(i)[c]));
                q(0.299 * r + 0.587 * g + 0.114 * b)
            })
            .collect(),
        FrameFormat::Nv12 | FrameFormat::I420 => {
            // Chroma of ceil(w/2) x ceil(h/2): each the mean of its 2x2 block's pixels inside
            // the frame.
            let mut y_plane: Vec<u8> = (0..w * h).map(|i| q(yuv(px(i)).0)).collect();
            let (mut u, mut v) = (Vec::new(), Vec::new());
            for cy in 0..h.div_ceil(2) {
                for cx in 0..w.div_ceil(2) {
                    let (mut su, mut sv, mut n) = (0.0, 0.0, 0.0);
                    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                        let (x, y) = (cx * 2 + dx, cy * 2 + dy);
                        if x < w && y < h {
                            let (_, pu, pv) = yuv(px(y * w + x));
                            su += pu;
                            sv += pv;
                            n += 1.0;
                        }
                    }
                    u.push(q(su / n));
                    v.push(q(sv / n));
                }
            }
            if format == FrameFormat::Nv12 {
                y_plane.extend(u.iter().zip(&v).flat_map(|(u, v)| [*u, *v]));
            } else {
                y_plane.extend(u);
                y_plane.extend(v);
            }
            y_plane
        }
    }
}

fn run(model: &str, pre: Preprocess, frame: &[u8]) -> Vec<Vec<f32>> {
    assert_eq!(frame.len(), pre.format.frame_bytes(pre.width, pre.height));
    let mut m = CompiledModel::load_with(models().join(model), "CPU", &exact(), pre).unwrap();
    m.infer(InputData::U8(frame))
        .unwrap()
        .into_iter()
        .map(|o| o.data)
        .collect()
}

const FORMATS: [FrameFormat; 8] = [
    FrameFormat::Bgr,
    FrameFormat::Bgrx,
    FrameFormat::Bgra,
    FrameFormat::Rgb,
    FrameFormat::Rgbx,
    FrameFormat::Rgba,
    FrameFormat::Nv12,
    FrameFormat::I420,
];

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).max_by(|a, b| v[*a].total_cmp(&v[*b])).unwrap()
}

#[test]
fn every_frame_format_classifies_like_bgr() {
    if !ready() {
        return;
    }
    // 48x40 frames (the model takes 32x32), each mostly one colour.
    let (w, h) = (48, 40);
    for (colour, label) in [([200, 40, 30], 0), ([30, 180, 60], 1), ([20, 50, 210], 2)] {
        let bgr = bgr_frame(w, h, colour, [0, 0, 0], 0..8, 0..8);
        let want = run(
            "classifier.xml",
            Preprocess::new(FrameFormat::Bgr, w, h),
            &bgr,
        );
        assert_eq!(argmax(&want[0]), label, "{want:?}");
        for format in FORMATS {
            let got = run(
                "classifier.xml",
                Preprocess::new(format, w, h),
                &convert(&bgr, w, h, format),
            );
            assert_eq!(argmax(&got[0]), label, "{format:?}: {got:?}");
            let tolerance = if matches!(format, FrameFormat::Nv12 | FrameFormat::I420) {
                0.02
            } else {
                1e-6
            };
            for (g, w) in got[0].iter().zip(&want[0]) {
                assert!(
                    (g - w).abs() <= tolerance,
                    "{format:?}: {got:?} vs {want:?}"
                );
            }
        }
    }
}

#[test]
fn every_frame_format_detects_like_bgr() {
    if !ready() {
        return;
    }
    // 128x96 frames (the model takes 64x64): a red block on cell (row 3, col 5), i.e. pixels
    // x 80..96, y 36..48.
    let (w, h) = (128, 96);
    let bgr = bgr_frame(w, h, [0, 0, 0], [0, 0, 255], 80..96, 36..48);
    let want = run(
        "detector_ssd.xml",
        Preprocess::new(FrameFormat::Bgr, w, h),
        &bgr,
    );
    for format in FORMATS {
        let got = run(
            "detector_ssd.xml",
            Preprocess::new(format, w, h),
            &convert(&bgr, w, h, format),
        );
        assert_red_cell_3_5(format, &want, &got);
    }
}

/// Asserts that the detector's first row on the BGR frame (`want`) is the red cell (row 3,
/// col 5), and on the frame in `format` (`got`) too: same label and box, confidence > 0.9.
fn assert_red_cell_3_5(format: FrameFormat, want: &[Vec<f32>], got: &[Vec<f32>]) {
    assert_eq!(want[0][..2], [0.0, 2.0]);
    assert_eq!(want[0][3..7], [0.625, 0.375, 0.75, 0.5]);
    let row = &got[0][..7];
    assert_eq!(row[1], 2.0, "{format:?}: label of {row:?}");
    assert!(row[2] > 0.9, "{format:?}: confidence of {row:?}");
    assert_eq!(row[3..7], want[0][3..7], "{format:?}: box of {row:?}");
}

#[test]
fn range_mean_and_std_change_the_values_the_model_sees() {
    if !ready() {
        return;
    }
    // multi_output takes 32x16 and returns the per-channel mean (in the model's channel order)
    // and the largest value; a uniform 40x20 frame, B 10, G 20, R 30.
    let (w, h) = (40, 20);
    let bgr = bgr_frame(w, h, [10, 20, 30], [10, 20, 30], 0..0, 0..0);
    let close = |got: &[f32], want: &[f32]| {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                "{got:?} vs {want:?}"
            );
        }
    };
    let base = Preprocess::new(FrameFormat::Bgr, w, h);

    let out = run("multi_output.xml", base.clone(), &bgr);
    close(&out[0], &[10.0, 20.0, 30.0]);
    close(&out[1], &[30.0]);

    let pre = Preprocess {
        range: [0.0, 1.0],
        ..base.clone()
    };
    let out = run("multi_output.xml", pre, &bgr);
    close(&out[0], &[10.0 / 255.0, 20.0 / 255.0, 30.0 / 255.0]);
    close(&out[1], &[30.0 / 255.0]);

    let pre = Preprocess {
        range: [-1.0, 1.0],
        ..base.clone()
    };
    let out = run("multi_output.xml", pre, &bgr);
    let r = |v: f32| v * 2.0 / 255.0 - 1.0;
    close(&out[0], &[r(10.0), r(20.0), r(30.0)]);

    let pre = Preprocess {
        mean: vec![1.0, 2.0, 3.0],
        std: vec![2.0, 4.0, 5.0],
        ..base.clone()
    };
    let out = run("multi_output.xml", pre, &bgr);
    close(&out[0], &[4.5, 4.5, 5.4]);
    close(&out[1], &[5.4]);

    // One value for every channel, after the range.
    let pre = Preprocess {
        range: [0.0, 1.0],
        mean: vec![0.5],
        std: vec![0.25],
        ..base.clone()
    };
    let out = run("multi_output.xml", pre, &bgr);
    let n = |v: f32| (v / 255.0 - 0.5) / 0.25;
    close(&out[0], &[n(10.0), n(20.0), n(30.0)]);

    // An RGB model sees red first; mean/std are in the model's channel order.
    let pre = Preprocess {
        color_space: ColorSpace::Rgb,
        mean: vec![30.0, 0.0, 0.0],
        ..Preprocess::new(FrameFormat::Rgbx, w, h)
    };
    let out = run(
        "multi_output.xml",
        pre,
        &convert(&bgr, w, h, FrameFormat::Rgbx),
    );
    close(&out[0], &[0.0, 20.0, 10.0]);
}

#[test]
fn aspect_ratio_resize_pads_right_and_bottom_with_zeros() {
    if !ready() {
        return;
    }
    // multi_output takes 32x16 (2:1); a uniform 16x16 frame is padded to 32x16 with zeros on its
    // right half, so every mean halves and the largest value stays.
    let bgr = bgr_frame(16, 16, [10, 20, 30], [10, 20, 30], 0..0, 0..0);
    let pre = Preprocess {
        resize: Resize::AspectRatio,
        ..Preprocess::new(FrameFormat::Bgr, 16, 16)
    };
    assert_eq!(pre.padded_size(32, 16), (32, 16));
    let out = run("multi_output.xml", pre, &bgr);
    assert_eq!(out[0], [5.0, 10.0, 15.0]);
    assert_eq!(out[1], [30.0]);
}

#[test]
fn aspect_ratio_resize_maps_a_block_to_the_expected_box() {
    if !ready() {
        return;
    }
    // A 128x64 frame for the 64x64 detector: padded to 128x128 (bottom half zeros), then halved.
    // A red block at frame pixels x 80..96, y 16..32 lands on model pixels x 40..48, y 8..16:
    // cell (row 1, col 5), normalized box [5/8, 1/8, 6/8, 2/8] of the model input.
    let (w, h) = (128, 64);
    let bgr = bgr_frame(w, h, [0, 0, 0], [0, 0, 255], 80..96, 16..32);
    for (resize, want, in_frame) in [
        (
            Resize::AspectRatio,
            [0.625, 0.125, 0.75, 0.25],
            // The block's own place: x 80..96 / 128, y 16..32 / 64.
            [0.625, 0.25, 0.75, 0.5],
        ),
        // Stretched: y 16..32 of 64 stays y 16..32, cells of rows 2 and 3 (row 2 first).
        (
            Resize::NoAspectRatio,
            [0.625, 0.25, 0.75, 0.375],
            [0.625, 0.25, 0.75, 0.375],
        ),
    ] {
        let pre = Preprocess {
            resize,
            ..Preprocess::new(FrameFormat::Bgr, w, h)
        };
        let [x0, y0, rw, rh] = pre.model_region(64, 64).map(|v| v as f32);
        let out = run("detector_ssd.xml", pre, &bgr);
        let row = &out[0][..7];
        assert_eq!(row[..3], [0.0, 2.0, 1.0], "{resize:?}: {row:?}");
        assert_eq!(row[3..7], want, "{resize:?}: {row:?}");
        // Back to frame coordinates.
        let frame_box = [
            (x0 + row[3] * rw) / w as f32,
            (y0 + row[4] * rh) / h as f32,
            (x0 + row[5] * rw) / w as f32,
            (y0 + row[6] * rh) / h as f32,
        ];
        assert_eq!(frame_box, in_frame, "{resize:?}");
    }
}

#[test]
fn impossible_pre_processing_is_an_error_not_a_panic() {
    if !ready() {
        return;
    }
    let load = |pre: Preprocess| {
        CompiledModel::load_with(models().join("classifier.xml"), "CPU", &[], pre)
            .err()
            .map(|e| e.to_string())
    };
    let base = Preprocess::new(FrameFormat::Bgr, 40, 30);
    let grey = load(Preprocess::new(FrameFormat::Gray, 40, 30)).unwrap();
    assert!(
        grey.contains("GRAY8 frames go to a Bgr model as three"),
        "{grey}"
    );
    let range = load(Preprocess {
        range: [1.0, 1.0],
        ..base.clone()
    })
    .unwrap();
    assert!(range.contains("range"), "{range}");
    let mean = load(Preprocess {
        mean: vec![1.0, 2.0],
        ..base.clone()
    })
    .unwrap();
    assert!(mean.contains("mean has 2 values"), "{mean}");
    let std = load(Preprocess {
        std: vec![1.0, 0.0, 1.0],
        ..base.clone()
    })
    .unwrap();
    assert!(std.contains("divides by zero"), "{std}");
    // A grey input for a 3-channel model: OpenVINO refuses it.
    let grey = load(Preprocess {
        color_space: ColorSpace::Grayscale,
        ..base.clone()
    });
    assert!(
        grey.is_some(),
        "a 1-channel conversion cannot feed a 3-channel model"
    );
}

#[test]
fn crops_keep_the_part_of_the_frame_asked_for() {
    if !ready() {
        return;
    }
    // multi_output takes 32x16 (2:1). A 32x32 frame: rows 0..8 value 10, rows 8..24 value 20,
    // rows 24..32 value 40 (all channels); the crop keeps 16 rows.
    let mut bgr = bgr_frame(32, 32, [20; 3], [10; 3], 0..32, 0..8);
    bgr[24 * 32 * 3..].fill(40);
    for (crop, region, mean, max) in [
        (Crop::Central, [0, 8, 32, 16], 20.0, 20.0),
        (Crop::TopLeft, [0, 0, 32, 16], 15.0, 20.0),
        (Crop::TopRight, [0, 0, 32, 16], 15.0, 20.0),
        (Crop::BottomLeft, [0, 16, 32, 16], 30.0, 40.0),
        (Crop::BottomRight, [0, 16, 32, 16], 30.0, 40.0),
    ] {
        let pre = Preprocess {
            crop: Some(crop),
            resize: Resize::AspectRatio,
            ..Preprocess::new(FrameFormat::Bgr, 32, 32)
        };
        assert_eq!(pre.model_region(32, 16), region, "{crop:?}");
        let out = run("multi_output.xml", pre, &bgr);
        assert_eq!(out[0], [mean; 3], "{crop:?}");
        assert_eq!(out[1], [max], "{crop:?}");
    }
    // A 64x16 frame: columns 0..16 value 10, 16..48 value 20, 48..64 value 40; 32 columns kept.
    let mut bgr = bgr_frame(64, 16, [20; 3], [10; 3], 0..16, 0..16);
    for y in 0..16 {
        bgr[(y * 64 + 48) * 3..(y * 64 + 64) * 3].fill(40);
    }
    for (crop, x, mean) in [
        (Crop::Central, 16, 20.0),
        (Crop::TopLeft, 0, 15.0),
        (Crop::BottomRight, 32, 30.0),
    ] {
        let pre = Preprocess {
            crop: Some(crop),
            ..Preprocess::new(FrameFormat::Bgr, 64, 16)
        };
        assert_eq!(pre.model_region(32, 16), [x, 0, 32, 16], "{crop:?}");
        let out = run("multi_output.xml", pre, &bgr);
        assert_eq!(out[0], [mean; 3], "{crop:?}");
    }
}

#[test]
fn model_proc_params_fill_the_description() {
    let text = r#"{"json_schema_version": "2.2.0", "input_preproc": [{"format": "image",
        "params": {"resize": "aspect-ratio", "crop": "central", "color_space": "RGB",
        "range": [0.0, 1.0], "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}}],
        "output_postproc": []}"#;
    let proc =
        gva_infer::model_proc::ModelProc::parse(text, std::path::Path::new("x.json")).unwrap();
    let params = &proc.image_input().unwrap().params;
    let pre = Preprocess::new(FrameFormat::Nv12, 64, 48).with_params(params);
    assert_eq!(pre.resize, Resize::AspectRatio);
    assert_eq!(pre.crop, Some(Crop::Central));
    assert_eq!(pre.color_space, ColorSpace::Rgb);
    assert_eq!(pre.range, [0.0, 1.0]);
    assert_eq!(pre.mean, [0.5; 3]);
    assert_eq!(pre.std, [0.25; 3]);
}

/// `frame` (packed pixels of `w` x `h`, any bytes per pixel) as the three colour planes a model
/// compiled [`Preprocess::with_planes`] takes.
fn planes_of(frame: &[u8], w: usize, h: usize) -> Vec<u8> {
    let bpp = frame.len() / (w * h);
    let mut out = vec![0; 3 * w * h];
    gva_infer::planes::split(frame, w * bpp, bpp, w, h, &mut out).unwrap();
    out
}

#[test]
fn colour_planes_give_what_packed_pixels_give() {
    if !ready() {
        return;
    }
    // Each case: the model, the pre-processing, the BGR frame. Frames of the model's size and
    // others (resized, padded, cropped), colour conversion to RGB, range, mean and std.
    let block = |w, h| bgr_frame(w, h, [200, 40, 30], [20, 50, 210], 3..11, 5..9);
    let mut tall = bgr_frame(32, 32, [20; 3], [10; 3], 0..32, 0..8);
    tall[24 * 32 * 3..].fill(40);
    let cases: Vec<(&str, Preprocess, Vec<u8>)> = vec![
        (
            "classifier.xml",
            Preprocess::new(FrameFormat::Bgr, 32, 32),
            block(32, 32),
        ),
        (
            "classifier.xml",
            Preprocess::new(FrameFormat::Bgr, 48, 40),
            block(48, 40),
        ),
        (
            "detector_ssd.xml",
            Preprocess::new(FrameFormat::Bgr, 64, 64),
            bgr_frame(64, 64, [0, 0, 0], [0, 0, 255], 40..48, 24..32),
        ),
        (
            "multi_output.xml",
            Preprocess {
                color_space: ColorSpace::Rgb,
                range: [0.0, 1.0],
                mean: vec![0.1, 0.2, 0.3],
                std: vec![0.5, 0.25, 2.0],
                ..Preprocess::new(FrameFormat::Bgr, 32, 16)
            },
            block(32, 16),
        ),
        (
            "multi_output.xml",
            Preprocess {
                resize: Resize::AspectRatio,
                ..Preprocess::new(FrameFormat::Bgr, 16, 16)
            },
            block(16, 16),
        ),
        (
            "multi_output.xml",
            Preprocess {
                crop: Some(Crop::BottomRight),
                ..Preprocess::new(FrameFormat::Bgr, 32, 32)
            },
            tall,
        ),
    ];
    for (model, base, bgr) in cases {
        let (w, h) = (base.width, base.height);
        let want = run(model, base.clone(), &bgr);
        for format in FORMATS.into_iter().filter(|f| f.is_packed()) {
            let frame = convert(&bgr, w, h, format);
            let pre = Preprocess {
                format,
                ..base.clone()
            }
            .with_planes();
            let mut m = CompiledModel::load_with(models().join(model), "CPU", &exact(), pre)
                .unwrap_or_else(|e| panic!("{model} {format:?}: {e}"));
            assert_eq!(m.inputs()[0].shape, [1, 3, h as i64, w as i64], "{model}");
            let got = m.infer(InputData::U8(&planes_of(&frame, w, h))).unwrap();
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.data.len(), w.len());
                for (a, b) in g.data.iter().zip(w) {
                    assert!(
                        (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                        "{model} {format:?} {base:?}: {:?} vs {want:?}",
                        g.data
                    );
                }
            }
        }
    }
}

#[test]
fn colour_planes_are_refused_where_they_cannot_work() {
    if !ready() {
        return;
    }
    let load = |pre: Preprocess| {
        CompiledModel::load_with(models().join("classifier.xml"), "CPU", &[], pre)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let yuv = load(Preprocess::new(FrameFormat::Nv12, 32, 32).with_planes());
    assert!(yuv.contains("colour planes are for packed frames"), "{yuv}");
    let grey = load(
        Preprocess {
            color_space: ColorSpace::Grayscale,
            ..Preprocess::new(FrameFormat::Bgr, 32, 32)
        }
        .with_planes(),
    );
    assert!(grey.contains("Grayscale model"), "{grey}");
}

/// `frame` (packed `format`, or YUV planes one after the other, rows without padding) through
/// gva_infer::image into `pre`'s tensor, then the model.
fn run_image(model: &str, pre: Preprocess, frame: &[u8]) -> Vec<Vec<f32>> {
    let (w, h) = (pre.width, pre.height);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let planes: Vec<Plane<'_>> = match pre.format {
        FrameFormat::Nv12 => {
            let (y, uv) = frame.split_at(w * h);
            vec![
                Plane { data: y, stride: w },
                Plane {
                    data: uv,
                    stride: 2 * cw,
                },
            ]
        }
        FrameFormat::I420 => {
            let (y, chroma) = frame.split_at(w * h);
            let (u, v) = chroma.split_at(cw * ch);
            vec![
                Plane { data: y, stride: w },
                Plane {
                    data: u,
                    stride: cw,
                },
                Plane {
                    data: v,
                    stride: cw,
                },
            ]
        }
        packed => vec![Plane {
            data: frame,
            stride: w * packed.bytes_per_pixel().unwrap(),
        }],
    };
    let image = Image::new(pre.format, w, h, planes).unwrap();
    let (tw, th) = pre.format.tensor_size(w, h);
    let mut tensor = vec![
        0;
        if pre.planes {
            3 * w * h
        } else {
            pre.format.frame_bytes(tw, th)
        }
    ];
    image.write_frame(&pre, &mut tensor).unwrap();
    let mut m = CompiledModel::load_with(models().join(model), "CPU", &exact(), pre).unwrap();
    m.infer(InputData::U8(&tensor))
        .unwrap()
        .into_iter()
        .map(|o| o.data)
        .collect()
}

/// A model's outputs, each as f32 values.
type Outputs = Vec<Vec<f32>>;

/// `model`'s outputs on the `w` x `h` BGR frame `bgr`, and on it in NV12 and I420 (through
/// gva_infer::image, odd sizes included).
fn bgr_and_yuv(
    model: &str,
    w: usize,
    h: usize,
    bgr: &[u8],
) -> (Outputs, Vec<(FrameFormat, Outputs)>) {
    let want = run(model, Preprocess::new(FrameFormat::Bgr, w, h), bgr);
    let yuv = [FrameFormat::Nv12, FrameFormat::I420]
        .into_iter()
        .map(|format| {
            let frame = convert(bgr, w, h, format);
            (
                format,
                run_image(model, Preprocess::new(format, w, h), &frame),
            )
        })
        .collect();
    (want, yuv)
}

/// Asserts that each YUV output's first values are within `tolerance` of BGR's.
fn assert_like_bgr(model: &str, w: usize, h: usize, bgr: &[u8], tolerance: f32) {
    let (want, yuv) = bgr_and_yuv(model, w, h, bgr);
    for (format, got) in yuv {
        for (g, w) in got[0].iter().zip(&want[0]) {
            assert!(
                (g - w).abs() <= tolerance,
                "{format:?}: {got:?} vs {want:?}"
            );
        }
    }
}

#[test]
fn odd_yuv_frames_classify_and_detect_like_bgr() {
    if !ready() {
        return;
    }
    // The model sees the odd frame itself: the even tensor's repeated column and row are
    // cropped away after the colour conversion.
    for colour in [[200, 40, 30], [30, 180, 60], [20, 50, 210]] {
        let bgr = bgr_frame(45, 31, colour, [0, 0, 0], 0..8, 0..8);
        assert_like_bgr("classifier.xml", 45, 31, &bgr, 0.02);
    }
    // A 5x31 black frame with a white last column: a fifth of it is white (the repeated
    // column, if the model saw it, would make it a third).
    let bgr = bgr_frame(5, 31, [0, 0, 0], [255, 255, 255], 4..5, 0..31);
    let want = run(
        "multi_output.xml",
        Preprocess::new(FrameFormat::Bgr, 5, 31),
        &bgr,
    );
    assert!((want[0][0] - 51.0).abs() < 1.0, "{want:?}");
    assert_like_bgr("multi_output.xml", 5, 31, &bgr, 3.0);
    // 129x97 frames: a red block over cell (row 3, col 5) of the 64x64 model input (x 80.6 to
    // 96.75, y 36.4 to 48.5 in the frame).
    let bgr = bgr_frame(129, 97, [0, 0, 0], [0, 0, 255], 80..97, 36..49);
    let (want, yuv) = bgr_and_yuv("detector_ssd.xml", 129, 97, &bgr);
    for (format, got) in yuv {
        assert_red_cell_3_5(format, &want, &got);
    }
}

#[test]
fn gray_frames_are_seen_as_the_grey_picture_they_are() {
    if !ready() {
        return;
    }
    // A GRAY8 frame fed as three equal planes gives exactly what the BGR frame of the same
    // grey gives, whole (resized by the model) or as planes of the model's size.
    let (w, h) = (40, 24);
    let bgr = bgr_frame(w, h, [90, 90, 90], [200, 200, 200], 0..20, 0..12);
    let gray = convert(&bgr, w, h, FrameFormat::Gray);
    assert_eq!((gray[0], gray[w * h - 1]), (200, 90));
    let want = run(
        "multi_output.xml",
        Preprocess::new(FrameFormat::Bgr, w, h),
        &bgr,
    );
    let got = run_image(
        "multi_output.xml",
        Preprocess::new(FrameFormat::Gray, w, h).with_planes(),
        &gray,
    );
    assert_eq!(got, want);
    let (w, h) = (32, 16);
    let bgr = bgr_frame(w, h, [90, 90, 90], [200, 200, 200], 0..20, 0..12);
    let want = run(
        "multi_output.xml",
        Preprocess::new(FrameFormat::Bgr, w, h),
        &bgr,
    );
    let got = run_image(
        "multi_output.xml",
        Preprocess::new(FrameFormat::Gray, w, h).with_planes(),
        &convert(&bgr, w, h, FrameFormat::Gray),
    );
    assert_eq!(got, want);
}
