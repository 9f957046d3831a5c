//! gvawatermark draws the landmarks a region's tensors carry (DL Streamer's `landmark_points`
//! format, or a model name containing "landmarks"): every pixel of the output is checked against
//! pixels computed here from literal positions, radii and colours.
//!
//! The rules, as DL Streamer's: point `i` of a tensor (FP32 pairs relative to the region's box)
//! is a filled circle in table colour `i % 18`, centre `(trunc(x + w·px), trunc(y + h·py))`,
//! radius `1 + trunc(0.0025·w)`; the region's box goes over its landmarks. Here a circle is the
//! pixels at distance ≤ radius; on 4:2:0 frames the chroma of their 2x2 blocks takes the colour.

mod common;

use common::{black_frame as black, video_caps as caps, video_info as info};
use gst_video::prelude::*;
use gva_meta::{NewRegion, Precision, Tensor, VideoFrame};

/// DL Streamer's table colours 0, 1, 2 (R, G, B).
const RED: [u8; 3] = [255, 0, 0];
const GREEN: [u8; 3] = [0, 255, 0];
const BLUE: [u8; 3] = [0, 0, 255];
/// Colour 3.
const YELLOW: [u8; 3] = [255, 255, 0];

/// Those colours as BT.601 limited-range Y, U, V (textbook values).
fn yuv(rgb: [u8; 3]) -> [u8; 3] {
    match rgb {
        RED => [81, 90, 240],
        GREEN => [145, 54, 34],
        BLUE => [41, 240, 110],
        other => panic!("no literal YUV for {other:?}"),
    }
}

/// Landmark points as a tensor's FP32 bytes.
fn points(xy: &[(f32, f32)]) -> Vec<u8> {
    xy.iter()
        .flat_map(|(x, y)| [x.to_ne_bytes(), y.to_ne_bytes()].concat())
        .collect()
}

fn set_landmarks(t: &mut Tensor, xy: &[(f32, f32)]) {
    t.set_data(&points(xy));
    t.set_precision(Precision::Fp32);
}

/// Adds a region without label (so no text is drawn) with one landmark tensor.
fn region_with_landmarks(
    buffer: &mut gst::Buffer,
    info: &gst_video::VideoInfo,
    (x, y, w, h): (i64, i64, i64, i64),
    label_id: i32,
    tensor: impl FnOnce(&mut Tensor),
) {
    let mut frame = VideoFrame::new(buffer.get_mut().unwrap(), info.clone());
    let mut region = frame
        .add_region(&NewRegion::pixels(x, y, w, h).label_id(label_id))
        .unwrap()
        .region;
    tensor(region.add_tensor("face_landmarks").unwrap());
}

fn watermark(caps: &str, buffer: gst::Buffer) -> gst::Buffer {
    common::init();
    let mut h = gst_check::Harness::new("gvawatermark");
    h.set_src_caps_str(caps);
    h.push(buffer).unwrap();
    h.pull().unwrap()
}

/// The pixel at `(x, y)`: packed bytes as R, G, B, or Y, U, V (the chroma of its 2x2 block).
fn pixel(frame: &gst_video::VideoFrameRef<&gst::BufferRef>, x: usize, y: usize) -> [u8; 3] {
    let stride = |p: usize| frame.plane_stride()[p] as usize;
    let plane = |p: u32| frame.plane_data(p).unwrap();
    match frame.format() {
        gst_video::VideoFormat::Bgr => {
            let p = &plane(0)[y * stride(0) + 3 * x..];
            [p[2], p[1], p[0]]
        }
        gst_video::VideoFormat::Rgbx => {
            let p = &plane(0)[y * stride(0) + 4 * x..];
            [p[0], p[1], p[2]]
        }
        gst_video::VideoFormat::Nv12 => {
            let uv = &plane(1)[(y / 2) * stride(1) + (x / 2) * 2..];
            [plane(0)[y * stride(0) + x], uv[0], uv[1]]
        }
        gst_video::VideoFormat::I420 => [
            plane(0)[y * stride(0) + x],
            plane(1)[(y / 2) * stride(1) + x / 2],
            plane(2)[(y / 2) * stride(2) + x / 2],
        ],
        other => panic!("{other:?}"),
    }
}

/// A circle: centre, radius, colour.
type Circle = ((i64, i64), i64, [u8; 3]);
/// A box: `(x0, y0, x1, y1)` and colour.
type Rectangle = ((usize, usize, usize, usize), [u8; 3]);

/// What the test expects where: circles (centre, radius, colour) drawn first, then the 2-pixel
/// box `(x0, y0, x1, y1)` in its colour (on 4:2:0 frames the box is on even coordinates here).
struct Expected {
    circles: Vec<Circle>,
    boxes: Vec<Rectangle>,
}

impl Expected {
    /// The colour at `(x, y)` as packed RGB: box, else circle, else black.
    fn rgb(&self, x: usize, y: usize) -> [u8; 3] {
        for &((x0, y0, x1, y1), color) in &self.boxes {
            let inside = x >= x0 && x < x1 && y >= y0 && y < y1;
            if inside && (x < x0 + 2 || x + 2 >= x1 || y < y0 + 2 || y + 2 >= y1) {
                return color;
            }
        }
        let mut found = [0, 0, 0];
        for &((cx, cy), r, color) in &self.circles {
            let (dx, dy) = (x as i64 - cx, y as i64 - cy);
            if dx * dx + dy * dy <= r * r {
                found = color;
            }
        }
        found
    }

    /// The Y, U, V at `(x, y)`: luma of the pixel; chroma of the last thing drawn over any pixel
    /// of its 2x2 block (circles, then boxes).
    fn yuv(&self, x: usize, y: usize, width: usize, height: usize) -> [u8; 3] {
        let luma = match self.rgb(x, y) {
            [0, 0, 0] => 16,
            c => yuv(c)[0],
        };
        let block: Vec<(usize, usize)> = [(0, 0), (1, 0), (0, 1), (1, 1)]
            .iter()
            .map(|(dx, dy)| ((x & !1) + dx, (y & !1) + dy))
            .filter(|&(bx, by)| bx < width && by < height)
            .collect();
        let in_circle = |&(bx, by): &(usize, usize),
                         &((cx, cy), r, _): &((i64, i64), i64, [u8; 3])| {
            let (dx, dy) = (bx as i64 - cx, by as i64 - cy);
            dx * dx + dy * dy <= r * r
        };
        let mut chroma = [128, 128];
        for circle in &self.circles {
            if block.iter().any(|b| in_circle(b, circle)) {
                let c = yuv(circle.2);
                chroma = [c[1], c[2]];
            }
        }
        for &((x0, y0, x1, y1), color) in &self.boxes {
            let on = |&(bx, by): &(usize, usize)| {
                bx >= x0
                    && bx < x1
                    && by >= y0
                    && by < y1
                    && (bx < x0 + 2 || bx + 2 >= x1 || by < y0 + 2 || by + 2 >= y1)
            };
            if block.iter().any(on) {
                let c = yuv(color);
                chroma = [c[1], c[2]];
            }
        }
        [luma, chroma[0], chroma[1]]
    }
}

/// Asserts every pixel of `out` against `expected`.
fn assert_pixels(out: &gst::Buffer, info: &gst_video::VideoInfo, expected: &Expected) {
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(out.as_ref(), info).unwrap();
    let (w, h) = (info.width() as usize, info.height() as usize);
    let yuv420 = matches!(
        info.format(),
        gst_video::VideoFormat::Nv12 | gst_video::VideoFormat::I420
    );
    for y in 0..h {
        for x in 0..w {
            let want = if yuv420 {
                expected.yuv(x, y, w, h)
            } else {
                expected.rgb(x, y)
            };
            assert_eq!(
                pixel(&frame, x, y),
                want,
                "{:?} pixel ({x}, {y})",
                info.format()
            );
        }
    }
}

#[test]
fn landmark_points_are_circles_in_table_colours_under_the_box() {
    for format in ["BGR", "RGBx"] {
        let info = info(format, 80, 60);
        let mut buffer = black(&info);
        // Box (20, 10) 40x30; radius 1 + trunc(40 * 0.0025) = 1.
        region_with_landmarks(&mut buffer, &info, (20, 10, 40, 30), 3, |t| {
            t.set_str("format", "landmark_points").unwrap();
            set_landmarks(t, &[(0.25, 0.5), (0.75, 0.5), (0.5, 0.95)]);
        });
        let out = watermark(&caps(format, 80, 60), buffer);
        let expected = Expected {
            // (20 + 40 * 0.25, 10 + 30 * 0.5) = (30, 25); (50, 25); (40, trunc(38.4999…)) =
            // (40, 38): 0.95 is 0.949999988 as an f32.
            circles: vec![
                ((30, 25), 1, RED),
                ((50, 25), 1, GREEN),
                ((40, 38), 1, BLUE),
            ],
            // label_id 3: a yellow box; its bottom rows (38, 39) cover the lower half of the
            // third circle.
            boxes: vec![((20, 10, 60, 40), YELLOW)],
        };
        assert_pixels(&out, &info, &expected);
    }
}

#[test]
fn radius_grows_with_the_box_width_and_points_truncate() {
    let info = info("BGR", 480, 200);
    let mut buffer = black(&info);
    // Box (10, 10) 400x150: radius 1 + trunc(400 * 0.0025) = 2. Model name with "landmarks"
    // and no format: still landmarks.
    region_with_landmarks(&mut buffer, &info, (10, 10, 400, 150), 0, |t| {
        t.set_model_name("facial-landmarks-35-adas").unwrap();
        // (10 + 400 * 0.1234, 10 + 150 * 0.3333) = (59.36, 59.995): truncated to (59, 59).
        set_landmarks(t, &[(0.1234, 0.3333), (0.5, 0.5)]);
    });
    let out = watermark(&caps("BGR", 480, 200), buffer);
    let expected = Expected {
        circles: vec![((59, 59), 2, RED), ((210, 85), 2, GREEN)],
        boxes: vec![((10, 10, 410, 160), RED)],
    };
    assert_pixels(&out, &info, &expected);
}

#[test]
fn yuv_frames_get_the_luma_circle_and_the_chroma_of_its_blocks() {
    for format in ["NV12", "I420"] {
        // Odd size; box on even coordinates so that it is drawn where given.
        let info = info(format, 63, 41);
        let mut buffer = black(&info);
        region_with_landmarks(&mut buffer, &info, (10, 4, 40, 30), 1, |t| {
            t.set_str("format", "landmark_points").unwrap();
            // (10 + 40 * 0.3, 4 + 30 * 0.5) = (22, 19); (10 + 40 * 0.725, 4 + 30 * 0.3) = (39, 13).
            set_landmarks(t, &[(0.3, 0.5), (0.725, 0.3)]);
        });
        let out = watermark(&caps(format, 63, 41), buffer);
        let expected = Expected {
            circles: vec![((22, 19), 1, RED), ((39, 13), 1, GREEN)],
            boxes: vec![((10, 4, 50, 34), GREEN)],
        };
        assert_pixels(&out, &info, &expected);
    }
}

#[test]
fn frame_tensors_use_the_whole_frame_and_points_outside_are_clipped() {
    let info = info("BGR", 64, 48);
    let mut buffer = black(&info);
    {
        let mut frame = VideoFrame::new(buffer.get_mut().unwrap(), info.clone());
        let t = frame.add_tensor().unwrap();
        t.set_str("format", "landmark_points").unwrap();
        // (64 * 0.5, 48 * 0.25) = (32, 12); (0, trunc(47.52)) = (0, 47) at the corner; one far
        // outside; a NaN.
        set_landmarks(t, &[(0.5, 0.25), (0.0, 0.99), (3.0, -2.0), (f32::NAN, 0.5)]);
    }
    let out = watermark(&caps("BGR", 64, 48), buffer);
    // Radius 1 + trunc(64 * 0.0025) = 1.
    let expected = Expected {
        circles: vec![((32, 12), 1, RED), ((0, 47), 1, GREEN)],
        boxes: vec![],
    };
    assert_pixels(&out, &info, &expected);
}

#[test]
fn other_tensors_and_other_precisions_draw_no_points() {
    let info = info("BGR", 64, 48);
    let mut buffer = black(&info);
    region_with_landmarks(&mut buffer, &info, (8, 8, 40, 30), 0, |t| {
        // Another result with data: not landmarks.
        t.set_str("layer_name", "prob").unwrap();
        set_landmarks(t, &[(0.5, 0.5)]);
    });
    region_with_landmarks(&mut buffer, &info, (8, 8, 40, 30), 0, |t| {
        // Landmarks stored as U8: DL Streamer reads floats only; nothing is drawn.
        t.set_str("format", "landmark_points").unwrap();
        t.set_data(&[10, 20]);
        t.set_precision(Precision::U8);
    });
    // Only the boxes are drawn: the inside stays black.
    let out = watermark(&caps("BGR", 64, 48), buffer);
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(out.as_ref(), &info).unwrap();
    for y in 10..36 {
        for x in 10..46 {
            assert_eq!(pixel(&frame, x, y), [0, 0, 0], "({x}, {y})");
        }
    }
}
