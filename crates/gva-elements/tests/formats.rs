//! Frame formats: the same frames in BGR, BGRx, BGRA, RGB, RGBx, RGBA (appsrc with the right
//! caps), NV12/I420 (videoconvert from BGR, with padded planes, at odd sizes too) and GRAY8
//! give the same detections, labels and region results, whole frames and regions alike; RGB
//! bytes announced as BGR swap red and blue.

mod common;

use common::{frame, info, model, packed_as, run, run_format};
use gva_meta::VideoFrame;

const F32: &str = "ie-config=INFERENCE_PRECISION_HINT=f32";
const PACKED: [&str; 6] = ["BGR", "BGRx", "BGRA", "RGB", "RGBx", "RGBA"];
const PLANAR: [&str; 2] = ["NV12", "I420"];

/// A 64x64 BGR frame with a red block in cell (3, 5) and a green one in cell (1, 1).
fn two_blocks() -> Vec<u8> {
    let mut data = frame(64, 64, (40, 24, 8, 8), [0, 0, 255]);
    let green = frame(64, 64, (8, 8, 8, 8), [0, 255, 0]);
    for (d, g) in data.iter_mut().zip(green) {
        *d = (*d).max(g);
    }
    data
}

fn detect() -> String {
    format!(
        "gvadetect model={} model-proc={} {F32}",
        model("detector_ssd.xml"),
        model("detector_ssd.json"),
    )
}

fn detect_classify() -> String {
    format!(
        "{} ! gvaclassify model={} model-proc={} {F32}",
        detect(),
        model("classifier.xml"),
        model("classifier.json"),
    )
}

fn full_frame_classify() -> String {
    format!(
        "gvaclassify inference-region=full-frame model={} model-proc={} {F32}",
        model("classifier.xml"),
        model("classifier.json"),
    )
}

/// `(label, x, y, w, h, confidence, classification label)` per region, by label.
type Region = (String, u32, u32, u32, u32, f64, String);

fn regions(buffer: &gst::Buffer, width: u32, height: u32) -> Vec<Region> {
    let frame = VideoFrame::new(buffer.as_ref(), info(width, height));
    let mut seen: Vec<Region> = frame
        .regions()
        .map(|r| {
            let rect = r.rect();
            (
                r.label().expect("label").to_owned(),
                rect.x,
                rect.y,
                rect.w,
                rect.h,
                r.confidence().expect("confidence"),
                r.param("color")
                    .map(|t| t.label().expect("label").to_owned())
                    .unwrap_or_default(),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    seen
}

/// The full-frame classification's raw values (channel shares) of the first buffer.
fn frame_values(out: &[gst::Buffer], width: u32, height: u32) -> Vec<f32> {
    let frame = VideoFrame::new(out[0].as_ref(), info(width, height));
    let t = frame.tensors().next().expect("a tensor");
    t.data()
        .expect("data")
        .chunks_exact(4)
        .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// The full-frame classification label of the first buffer.
fn frame_label(out: &[gst::Buffer], width: u32, height: u32) -> String {
    let frame = VideoFrame::new(out[0].as_ref(), info(width, height));
    let t = frame.tensors().next().expect("a tensor");
    t.label().expect("label").to_owned()
}

fn expected() -> Vec<Region> {
    vec![
        ("green".to_owned(), 8, 8, 8, 8, 1.0, "green".to_owned()),
        ("red".to_owned(), 40, 24, 8, 8, 1.0, "red".to_owned()),
    ]
}

#[test]
fn packed_formats_detect_and_classify_like_bgr() {
    let bgr = run(&detect_classify(), 64, 64, &[two_blocks()]).expect("BGR runs");
    assert_eq!(regions(&bgr[0], 64, 64), expected());
    for format in PACKED {
        let data = packed_as(&two_blocks(), format);
        let out = run_format(format, &detect_classify(), 64, 64, &[data])
            .unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(regions(&out[0], 64, 64), expected(), "{format}");
    }
}

#[test]
fn planar_yuv_formats_detect_like_bgr() {
    for format in PLANAR {
        let element = format!("videoconvert ! video/x-raw,format={format} ! {}", detect());
        let out = run_format("BGR", &element, 64, 64, &[two_blocks()])
            .unwrap_or_else(|e| panic!("{format}: {e}"));
        let found: Vec<_> = regions(&out[0], 64, 64)
            .into_iter()
            .map(|(l, x, y, w, h, c, _)| {
                assert!(c > 0.9, "{format}: confidence {c}");
                (l, x, y, w, h)
            })
            .collect();
        let want: Vec<_> = expected()
            .into_iter()
            .map(|(l, x, y, w, h, _, _)| (l, x, y, w, h))
            .collect();
        assert_eq!(found, want, "{format}");
    }
}

/// A `size` x `size` BGR frame of one colour, rows padded to 4 bytes as GStreamer lays them.
fn solid(size: usize, bgr: [u8; 3]) -> Vec<u8> {
    let stride = (size * 3).div_ceil(4) * 4;
    let mut data = vec![0u8; stride * size];
    for row in 0..size {
        for col in 0..size {
            let at = row * stride + col * 3;
            data[at..at + 3].copy_from_slice(&bgr);
        }
    }
    data
}

#[test]
fn planar_yuv_formats_classify_full_frames_like_bgr() {
    // Width 30: the Y rows are padded to 32 bytes and the chroma rows to 16 (I420) or 32
    // (NV12), so each plane must be read from its own stride and offset.
    for (size, bgr) in [
        (30, [30u8, 60, 90]),
        (32, [200, 40, 20]),
        (32, [20, 200, 40]),
    ] {
        let data = solid(size, bgr);
        let bgr_out = run(
            &full_frame_classify(),
            size,
            size,
            std::slice::from_ref(&data),
        )
        .expect("BGR");
        let want = frame_label(&bgr_out, size as u32, size as u32);
        let want_values = frame_values(&bgr_out, size as u32, size as u32);
        for format in PLANAR {
            let element = format!(
                "videoconvert ! video/x-raw,format={format} ! {}",
                full_frame_classify()
            );
            let out = run_format("BGR", &element, size, size, std::slice::from_ref(&data))
                .unwrap_or_else(|e| panic!("{format}: {e}"));
            assert_eq!(
                frame_label(&out, size as u32, size as u32),
                want,
                "{format} {bgr:?}"
            );
            // Every pixel converted back alike: a plane read at a wrong stride or offset
            // would mix in padding or another plane.
            let values = frame_values(&out, size as u32, size as u32);
            for (v, w) in values.iter().zip(&want_values) {
                assert!(
                    (v - w).abs() < 0.02,
                    "{format} {bgr:?}: {values:?} vs {want_values:?}"
                );
            }
        }
    }
}

#[test]
fn swapped_colours_change_the_labels() {
    // Red BGR bytes announced as RGB are blue: a colour-order bug would keep "red".
    let red = frame(32, 32, (0, 0, 32, 32), [0, 0, 255]);
    let bgr = run(&full_frame_classify(), 32, 32, std::slice::from_ref(&red)).expect("runs");
    assert_eq!(frame_label(&bgr, 32, 32), "red");
    let rgb = run_format(
        "RGB",
        &full_frame_classify(),
        32,
        32,
        std::slice::from_ref(&red),
    )
    .expect("runs");
    assert_eq!(frame_label(&rgb, 32, 32), "blue");
    let rgbx = run_format(
        "RGBx",
        &full_frame_classify(),
        32,
        32,
        &[packed_as(&red, "BGRx")],
    )
    .expect("runs");
    assert_eq!(frame_label(&rgbx, 32, 32), "blue");
    // Through detection and roi-list classification too.
    let out = run_format("RGB", &detect_classify(), 64, 64, &[two_blocks()]).expect("runs");
    let labels: Vec<_> = regions(&out[0], 64, 64)
        .into_iter()
        .map(|r| (r.0, r.6))
        .collect();
    assert_eq!(
        labels,
        vec![
            ("blue".to_owned(), "blue".to_owned()),
            ("green".to_owned(), "green".to_owned())
        ]
    );
}

/// The pixels `[x0, x1) x [y0, y1)` covering cell (row, col) of the detectors' 8x8 grid on a
/// `w` x `h` frame (the model's 64x64 view of it), with the partial pixels at its edges.
fn cell(w: usize, h: usize, row: usize, col: usize) -> [usize; 4] {
    [
        col * w / 8,
        ((col + 1) * w).div_ceil(8),
        row * h / 8,
        ((row + 1) * h).div_ceil(8),
    ]
}

/// A black packed frame of `bpp` bytes per pixel (BGR, or GRAY8 with `bpp` 1: the first
/// byte), rows padded to 4 bytes as GStreamer lays them out, with `blocks` painted.
fn picture(w: usize, h: usize, bpp: usize, blocks: &[([usize; 4], [u8; 3])]) -> Vec<u8> {
    let stride = (w * bpp).div_ceil(4) * 4;
    let mut data = vec![0u8; stride * h];
    for ([x0, x1, y0, y1], colour) in blocks {
        for y in *y0..*y1 {
            for x in *x0..*x1 {
                data[y * stride + x * bpp..][..bpp].copy_from_slice(&colour[..bpp]);
            }
        }
    }
    data
}

/// The raw classification values of each region (by label).
fn region_values(buffer: &gst::Buffer, width: u32, height: u32) -> Vec<(String, Vec<f32>)> {
    let frame = VideoFrame::new(buffer.as_ref(), info(width, height));
    let mut values: Vec<(String, Vec<f32>)> = frame
        .regions()
        .map(|r| {
            let data = r
                .param("color")
                .map(|t| t.data().unwrap())
                .unwrap_or_default();
            let floats = data
                .chunks_exact(4)
                .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (r.label().unwrap().to_owned(), floats)
        })
        .collect();
    values.sort_by(|a, b| a.0.cmp(&b.0));
    values
}

/// The values of `got` and `want` per region, each within `tolerance`.
fn assert_close(
    got: &[(String, Vec<f32>)],
    want: &[(String, Vec<f32>)],
    tolerance: f32,
    what: &str,
) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for ((gl, gv), (wl, wv)) in got.iter().zip(want) {
        assert_eq!(gl, wl, "{what}");
        assert_eq!(gv.len(), wv.len(), "{what}");
        for (g, w) in gv.iter().zip(wv) {
            assert!((g - w).abs() <= tolerance, "{what}: {got:?} vs {want:?}");
        }
    }
}

#[test]
fn odd_sized_yuv_frames_give_the_boxes_labels_and_region_results_of_bgr() {
    // NV12/I420 from videoconvert, chroma planes ceil(w/2) x ceil(h/2) with GStreamer's
    // strides; OpenVINO converts them at the next even size and crops back, so the model sees
    // the frame the BGR path sees: boxes exactly as BGR's, confidences and class values within
    // the colour conversion's tolerance (as for even sizes).
    for (w, h) in [(451, 300), (451, 301), (1027, 685)] {
        let data = picture(
            w,
            h,
            3,
            &[
                (cell(w, h, 3, 5), [40, 60, 200]),
                (cell(w, h, 1, 1), [50, 190, 70]),
            ],
        );
        let (w32, h32) = (w as u32, h as u32);
        let bgr = run(&detect_classify(), w, h, std::slice::from_ref(&data)).expect("BGR");
        let want = regions(&bgr[0], w32, h32);
        let labels: Vec<_> = want.iter().map(|r| (r.0.as_str(), r.6.as_str())).collect();
        assert_eq!(labels, [("green", "green"), ("red", "red")], "{w}x{h}");
        let want_values = region_values(&bgr[0], w32, h32);
        for format in PLANAR {
            // BT.601, which OpenVINO's conversion inverts (GStreamer's default above 576 lines
            // is BT.709).
            let element = format!(
                "videoconvert ! video/x-raw,format={format},colorimetry=bt601 ! {}",
                detect_classify()
            );
            let out = run_format("BGR", &element, w, h, std::slice::from_ref(&data))
                .unwrap_or_else(|e| panic!("{format} {w}x{h}: {e}"));
            let found = regions(&out[0], w32, h32);
            for (got, want) in found.iter().zip(&want) {
                let (gl, gx, gy, gw, gh, gc, gk) = got;
                let (wl, wx, wy, ww, wh, wc, wk) = want;
                assert_eq!(
                    (gl, gx, gy, gw, gh, gk),
                    (wl, wx, wy, ww, wh, wk),
                    "{format} {w}x{h}"
                );
                assert!((gc - wc).abs() < 0.02, "{format} {w}x{h}: {gc} vs {wc}");
            }
            assert_eq!(found.len(), want.len(), "{format} {w}x{h}");
            let got_values = region_values(&out[0], w32, h32);
            assert_close(
                &got_values,
                &want_values,
                0.02,
                &format!("{format} {w}x{h}"),
            );
        }
    }
}

#[test]
fn gray_frames_give_what_the_bgr_picture_of_their_grey_gives() {
    // The detectors' label is the dominant channel (ties to blue) and their confidence the
    // cell's brightness; a grey picture gives the same on GRAY8 (three equal planes) as on
    // BGR, whole frames and regions, at odd sizes too.
    for (w, h) in [(64, 64), (451, 301)] {
        let blocks = [
            (cell(w, h, 3, 5), [220, 220, 220]),
            (cell(w, h, 6, 2), [160, 160, 160]),
        ];
        let bgr = run(&detect_classify(), w, h, &[picture(w, h, 3, &blocks)]).expect("BGR");
        let gray = run_format(
            "GRAY8",
            &detect_classify(),
            w,
            h,
            &[picture(w, h, 1, &blocks)],
        )
        .expect("GRAY8");
        let (w32, h32) = (w as u32, h as u32);
        let want = regions(&bgr[0], w32, h32);
        assert_eq!(want.len(), 2, "{w}x{h}: {want:?}");
        let found = regions(&gray[0], w32, h32);
        assert_eq!(found.len(), 2, "{w}x{h}: {found:?}");
        for (got, want) in found.iter().zip(&want) {
            assert_eq!(
                (&got.0, got.1, got.2, got.3, got.4, &got.6),
                (&want.0, want.1, want.2, want.3, want.4, &want.6),
                "{w}x{h}"
            );
            assert!(
                (got.5 - want.5).abs() < 1e-5,
                "{w}x{h}: {got:?} vs {want:?}"
            );
        }
        assert_close(
            &region_values(&gray[0], w32, h32),
            &region_values(&bgr[0], w32, h32),
            1e-6,
            &format!("GRAY8 {w}x{h}"),
        );
    }
}
