//! Frame formats: the same frames in BGR, BGRx, BGRA, RGB, RGBx, RGBA (appsrc with the right
//! caps), and NV12/I420 (videoconvert from BGR, with padded planes at odd-ish widths) give the
//! same detections and labels; RGB bytes announced as BGR swap red and blue.

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

#[test]
fn roi_list_refuses_planar_yuv() {
    for format in PLANAR {
        let element = format!(
            "videoconvert ! video/x-raw,format={format} ! {}",
            detect_classify()
        );
        let err = run_format("BGR", &element, 64, 64, &[two_blocks()])
            .expect_err("roi-list on YUV fails");
        assert!(err.contains("roi-list"), "{format}: {err}");
    }
}
