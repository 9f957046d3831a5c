//! gvawatermark: the exact pixels of boxes (per format, colour, clipping, strides), label text
//! above or inside the box, full-frame labels, untouched frames without metadata, and errors.

mod common;

use gst_video::prelude::*;
use gva_meta::{NewRegion, VideoFrame};

use common::{video_caps as caps, video_info as info};
use gstgva::gvawatermark::{Watermark, rgb_to_yuv, table_color};

/// BT.601 (Kr, Kb), for the unit check of `rgb_to_yuv`.
const BT601: (f64, f64) = (0.299, 0.114);

const W: usize = 320;
const H: usize = 240;
const ALL: [&str; 8] = ["BGR", "RGB", "BGRx", "RGBx", "BGRA", "RGBA", "NV12", "I420"];

/// DL Streamer's colour table (R, G, B), indexed by label id modulo 18 (DLSTREAMER.md §5.3).
const PALETTE: [[u8; 3]; 18] = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 0],
    [0, 255, 255],
    [255, 0, 255],
    [255, 170, 0],
    [255, 0, 170],
    [0, 255, 170],
    [170, 255, 0],
    [170, 0, 255],
    [0, 170, 255],
    [255, 85, 0],
    [85, 255, 0],
    [0, 255, 85],
    [0, 85, 255],
    [85, 0, 255],
    [255, 0, 85],
];

/// The table colours these tests draw on YUV frames, as the frame stores them: 8-bit Y, U, V
/// in BT.601 limited range (the YUV tests' caps say `colorimetry=bt601`), computed by hand:
///
/// ```text
/// Y' = 0.299 R + 0.587 G + 0.114 B                      (0..255)
/// Y  = 16  + 219/255 · Y'
/// U  = 128 + 224/255 · (B − Y') / 1.772                  (1.772 = 2 · (1 − 0.114))
/// V  = 128 + 224/255 · (R − Y') / 1.402                  (1.402 = 2 · (1 − 0.299))
/// rounded to the nearest integer.
///
/// 0 red     (255, 0, 0):   Y' =  76.245  Y =  81.481 →  81  U = 128 −  37.797 →  90  V = 128 + 112     → 240
/// 1 green   (0, 255, 0):   Y' = 149.685  Y = 144.553 → 145  U = 128 −  74.203 →  54  V = 128 −  93.786 →  34
/// 2 blue    (0, 0, 255):   Y' =  29.070  Y =  40.966 →  41  U = 128 + 112     → 240  V = 128 −  18.214 → 110
/// 3 yellow  (255, 255, 0): Y' = 225.930  Y = 210.034 → 210  U = 128 − 112     →  16  V = 128 +  18.214 → 146
/// 5 magenta (255, 0, 255): Y' = 105.315  Y = 106.447 → 106  U = 128 +  74.203 → 202  V = 128 +  93.786 → 222
/// ```
const YUV_BT601: [(usize, [u8; 3]); 5] = [
    (0, [81, 90, 240]),
    (1, [145, 54, 34]),
    (2, [41, 240, 110]),
    (3, [210, 16, 146]),
    (5, [106, 202, 222]),
];

fn is_yuv(format: &str) -> bool {
    matches!(format, "NV12" | "I420")
}

/// A black frame ([`common::black_frame`]).
fn black(format: &str, width: usize, height: usize) -> gst::Buffer {
    common::black_frame(&info(format, width, height))
}

/// The colour of table index `index` as the frame stores it: packed bytes (x/alpha 255) or
/// `[Y, U, V]` (BT.601 limited range), from the literals above.
fn color(format: &str, index: usize) -> Vec<u8> {
    let [r, g, b] = PALETTE[index % PALETTE.len()];
    match format {
        "BGR" => vec![b, g, r],
        "RGB" => vec![r, g, b],
        "BGRx" | "BGRA" => vec![b, g, r, 255],
        "RGBx" | "RGBA" => vec![r, g, b, 255],
        _ => YUV_BT601
            .iter()
            .find(|(i, _)| *i == index % PALETTE.len())
            .unwrap_or_else(|| panic!("no hand-computed YUV for table index {index}"))
            .1
            .to_vec(),
    }
}

/// Every pixel of a frame: the packed bytes, or `[Y, U, V]` (chroma of its 2x2 block).
struct Image {
    width: usize,
    height: usize,
    pixels: Vec<Vec<u8>>,
}

impl Image {
    fn of(buffer: &gst::BufferRef, info: &gst_video::VideoInfo) -> Self {
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, info).unwrap();
        let (width, height) = (info.width() as usize, info.height() as usize);
        let stride = |p: usize| frame.plane_stride()[p] as usize;
        let mut pixels = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                let px = match info.format() {
                    gst_video::VideoFormat::Nv12 => {
                        let uv = &frame.plane_data(1).unwrap()[(y / 2) * stride(1) + (x / 2) * 2..];
                        vec![
                            frame.plane_data(0).unwrap()[y * stride(0) + x],
                            uv[0],
                            uv[1],
                        ]
                    }
                    gst_video::VideoFormat::I420 => vec![
                        frame.plane_data(0).unwrap()[y * stride(0) + x],
                        frame.plane_data(1).unwrap()[(y / 2) * stride(1) + x / 2],
                        frame.plane_data(2).unwrap()[(y / 2) * stride(2) + x / 2],
                    ],
                    _ => {
                        let bpp = info.format_info().pixel_stride()[0] as usize;
                        frame.plane_data(0).unwrap()[y * stride(0) + x * bpp..][..bpp].to_vec()
                    }
                };
                pixels.push(px);
            }
        }
        Self {
            width,
            height,
            pixels,
        }
    }

    fn at(&self, x: usize, y: usize) -> &[u8] {
        &self.pixels[y * self.width + x]
    }

    /// Pixels in `x0..x1` × `y0..y1` that differ from `other`.
    fn changed(&self, other: &Image, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> usize {
        (y0..y1.min(self.height))
            .flat_map(|y| (x0..x1.min(self.width)).map(move |x| (x, y)))
            .filter(|&(x, y)| self.at(x, y) != other.at(x, y))
            .count()
    }
}

/// Pushes `buffer` through a gvawatermark negotiated to `format` and returns what came out.
fn watermark(format: &str, width: usize, height: usize, buffer: gst::Buffer) -> gst::Buffer {
    watermark_caps(&caps(format, width, height), buffer)
}

fn watermark_caps(caps: &str, buffer: gst::Buffer) -> gst::Buffer {
    common::init();
    let mut h = gst_check::Harness::new("gvawatermark");
    h.set_src_caps_str(caps);
    h.push(buffer).expect("pushed");
    h.pull().expect("a buffer out")
}

fn add_region(
    buffer: &mut gst::Buffer,
    info: &gst_video::VideoInfo,
    (x, y, w, h): (i64, i64, i64, i64),
    label: &str,
    label_id: i32,
) -> i32 {
    let mut frame = VideoFrame::new(buffer.get_mut().unwrap(), info.clone());
    let mut region = NewRegion::pixels(x, y, w, h).label_id(label_id);
    if !label.is_empty() {
        region = region.label(label).confidence(0.93);
    }
    frame.add_region(&region).unwrap().region.as_region().id()
}

/// Whether `(x, y)` is on the 2-pixel border just inside `x0..x1` × `y0..y1`.
fn on_border(x: usize, y: usize, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> bool {
    let inside = x >= x0 && x < x1 && y >= y0 && y < y1;
    inside && (x < x0 + 2 || x + 2 >= x1 || y < y0 + 2 || y + 2 >= y1)
}

/// Asserts the output is the input with exactly the border of `area` painted `color`.
fn assert_only_border(
    out: &Image,
    before: &Image,
    area: (usize, usize, usize, usize),
    color: &[u8],
    what: &str,
) {
    for y in 0..out.height {
        for x in 0..out.width {
            let expected = if on_border(x, y, area) {
                color
            } else {
                before.at(x, y)
            };
            assert_eq!(out.at(x, y), expected, "{what}: pixel ({x}, {y})");
        }
    }
}

#[test]
fn box_edges_have_the_table_colour_in_every_format() {
    for format in ALL {
        let info = info(format, W, H);
        let mut buffer = black(format, W, H);
        let before = Image::of(&buffer, &info);
        // No label: only the box is drawn. label_id 2 is blue.
        add_region(&mut buffer, &info, (40, 60, 100, 80), "", 2);
        let out = watermark(format, W, H, buffer);
        let out = Image::of(&out, &info);
        assert_only_border(&out, &before, (40, 60, 140, 140), &color(format, 2), format);
    }
}

#[test]
fn the_painters_table_and_yuv_are_dl_streamers() {
    // The painter's own table and conversion, against the literals above.
    for (i, rgb) in PALETTE.iter().enumerate() {
        let i = i as i64;
        assert_eq!(table_color(i), *rgb, "index {i}");
        assert_eq!(table_color(i + 18), *rgb, "index {i} + 18");
        assert_eq!(table_color(i - 18), *rgb, "index {i} - 18");
    }
    for (i, yuv) in YUV_BT601 {
        assert_eq!(
            rgb_to_yuv(PALETTE[i], BT601.0, BT601.1, false),
            yuv,
            "index {i}"
        );
    }
    assert_eq!(color("BGR", 2), [255, 0, 0]);
    assert_eq!(color("RGBA", 6), [255, 170, 0, 255]);
    assert_eq!(color("BGRx", 20), color("BGRx", 2));
}

#[test]
fn yuv_boxes_sit_on_even_coordinates() {
    for format in ["NV12", "I420"] {
        let info = info(format, W, H);
        let mut buffer = black(format, W, H);
        let before = Image::of(&buffer, &info);
        add_region(&mut buffer, &info, (41, 61, 98, 78), "", 5);
        let out = Image::of(&watermark(format, W, H, buffer), &info);
        assert_only_border(&out, &before, (40, 60, 140, 140), &color(format, 5), format);
    }
}

#[test]
fn label_is_drawn_above_the_box_and_nothing_else_changes() {
    for format in ALL {
        let info = info(format, W, H);
        let mut buffer = black(format, W, H);
        let before = Image::of(&buffer, &info);
        add_region(&mut buffer, &info, (40, 100, 100, 80), "person", 3);
        let out = Image::of(&watermark(format, W, H, buffer), &info);
        let c = color(format, 3);

        // "person 93%" stands on a baseline 5 px above the box: text pixels above it.
        let text = out.changed(&before, (40, 60, W, 100));
        assert!(
            text > 300,
            "{format}: only {text} text pixels above the box"
        );
        let full = (60..100)
            .flat_map(|y| (40..W).map(move |x| (x, y)))
            .filter(|&(x, y)| out.at(x, y) == c.as_slice())
            .count();
        assert!(full > 50, "{format}: only {full} fully covered text pixels");
        // Nothing left of the label, nowhere far above it, nothing inside the box below the
        // text's descenders, nothing below or right of the box.
        assert_eq!(out.changed(&before, (0, 0, 38, H)), 0, "{format}: left");
        assert_eq!(
            out.changed(&before, (0, 0, W, 55)),
            0,
            "{format}: above the text"
        );
        assert_eq!(
            out.changed(&before, (42, 110, 138, 178)),
            0,
            "{format}: inside the box"
        );
        assert_eq!(
            out.changed(&before, (0, 182, W, H)),
            0,
            "{format}: below the box"
        );
        assert_eq!(
            out.changed(&before, (142, 110, W, H)),
            0,
            "{format}: right of the box"
        );
        // The box itself.
        for x in 40..140 {
            assert_eq!(out.at(x, 178), c.as_slice(), "{format}: bottom edge at {x}");
            assert_eq!(out.at(x, 179), c.as_slice(), "{format}: bottom edge at {x}");
        }
        for y in 100..180 {
            assert_eq!(out.at(40, y), c.as_slice(), "{format}: left edge at {y}");
            assert_eq!(out.at(139, y), c.as_slice(), "{format}: right edge at {y}");
        }
    }
}

#[test]
fn label_goes_inside_the_box_at_the_top_of_the_frame() {
    for format in ["BGR", "I420"] {
        let info = info(format, W, H);
        let mut buffer = black(format, W, H);
        let before = Image::of(&buffer, &info);
        add_region(&mut buffer, &info, (100, 4, 150, 120), "car", 0);
        let out = Image::of(&watermark(format, W, H, buffer), &info);
        // Nothing above the box, the text inside it under the top edge (baseline y + 30).
        assert_eq!(out.changed(&before, (0, 0, W, 4)), 0, "{format}");
        let text = out.changed(&before, (102, 6, 248, 42));
        assert!(text > 100, "{format}: {text} text pixels inside the box");
        assert_eq!(out.changed(&before, (102, 42, 248, 122)), 0, "{format}");
    }
}

#[test]
fn tracking_id_picks_the_colour_and_prefixes_the_label() {
    let format = "BGRx";
    let info = info(format, W, H);
    let mut buffer = black(format, W, H);
    let before = Image::of(&buffer, &info);
    let id = add_region(&mut buffer, &info, (40, 60, 100, 80), "", 2);
    VideoFrame::new(buffer.get_mut().unwrap(), info.clone())
        .region_mut(id)
        .unwrap()
        .set_object_id(5);
    let out = Image::of(&watermark(format, W, H, buffer), &info);
    // Colour 5 (magenta), and the label "5:" above the box.
    for x in 40..140 {
        assert_eq!(out.at(x, 139), color(format, 5).as_slice());
    }
    assert!(out.changed(&before, (40, 20, 140, 58)) > 30);
}

#[test]
fn classification_labels_lengthen_the_text() {
    let format = "RGB";
    let info = info(format, W, H);
    let count = |classes: &[&str]| {
        let mut buffer = black(format, W, H);
        let before = Image::of(&buffer, &info);
        let id = add_region(&mut buffer, &info, (10, 100, 60, 60), "face", 1);
        {
            let mut frame = VideoFrame::new(buffer.get_mut().unwrap(), info.clone());
            let mut region = frame.region_mut(id).unwrap();
            for (i, class) in classes.iter().enumerate() {
                let t = region.add_tensor(&format!("attribute{i}")).unwrap();
                t.set_label(class).unwrap();
            }
        }
        let out = Image::of(&watermark(format, W, H, buffer), &info);
        // The rightmost changed column of the label row.
        (10..W)
            .rev()
            .find(|&x| (60..100).any(|y| out.at(x, y) != before.at(x, y)))
            .unwrap_or(0)
    };
    let short = count(&[]);
    let long = count(&["male", "adult"]);
    assert!(short > 100, "'face 93%' ends at {short}");
    assert!(
        long > short + 60,
        "'face 93% male adult' ends at {long}, vs {short}"
    );
}

#[test]
fn full_frame_labels_are_drawn_top_left_in_green() {
    for format in ["BGR", "NV12"] {
        let info = info(format, W, H);
        let mut buffer = black(format, W, H);
        let before = Image::of(&buffer, &info);
        {
            let mut frame = VideoFrame::new(buffer.get_mut().unwrap(), info.clone());
            let t = frame.add_tensor().unwrap();
            t.set_name("classification").unwrap();
            t.set_label("cat").unwrap();
            t.set_confidence(0.8);
        }
        let out = Image::of(&watermark(format, W, H, buffer), &info);
        let green = color(format, 1);
        let full = (0..33)
            .flat_map(|y| (0..120).map(move |x| (x, y)))
            .filter(|&(x, y)| out.at(x, y) == green.as_slice())
            .count();
        assert!(full > 30, "{format}: {full} green pixels of 'cat 80%'");
        assert_eq!(out.changed(&before, (0, 34, W, H)), 0, "{format}");
        assert_eq!(out.changed(&before, (150, 0, W, H)), 0, "{format}");
    }
}

#[test]
fn boxes_are_clipped_to_the_frame() {
    for format in ALL {
        // An odd-sized frame for the 4:2:0 formats too.
        let (w, h) = (321, 241);
        let info = info(format, w, h);
        let mut buffer = black(format, w, h);
        let before = Image::of(&buffer, &info);
        // A raw ROI meta reaching past the bottom-right corner (not clipped when added).
        gst_video::VideoRegionOfInterestMeta::add(
            buffer.get_mut().unwrap(),
            "",
            (300, 200, 100, 100),
        );
        let out = Image::of(&watermark(format, w, h, buffer), &info);
        let c = color(format, 0);
        for y in 200..h {
            for x in 300..w {
                let border = x < 302 || x >= w - 2 || y < 202 || y >= h - 2;
                let expected = if border {
                    c.as_slice()
                } else {
                    before.at(x, y)
                };
                if is_yuv(format) && !border && (x == w - 3 || y == h - 3) {
                    // The last chroma column/row of an odd frame is shared with the border.
                    assert_eq!(out.at(x, y)[0], expected[0], "{format}: luma ({x}, {y})");
                    continue;
                }
                assert_eq!(out.at(x, y), expected, "{format}: pixel ({x}, {y})");
            }
        }
        assert_eq!(out.changed(&before, (0, 0, w, 199)), 0, "{format}");
        assert_eq!(out.changed(&before, (0, 0, 299, h)), 0, "{format}");
    }
}

#[test]
fn regions_outside_or_empty_draw_nothing() {
    for format in ALL {
        let mut buffer = black(format, W, H);
        let before: Vec<u8> = buffer.map_readable().unwrap().to_vec();
        {
            let b = buffer.get_mut().unwrap();
            gst_video::VideoRegionOfInterestMeta::add(b, "person", (400, 10, 50, 50));
            gst_video::VideoRegionOfInterestMeta::add(b, "person", (10, 300, 50, 50));
            gst_video::VideoRegionOfInterestMeta::add(b, "person", (10, 10, 0, 50));
            gst_video::VideoRegionOfInterestMeta::add(b, "person", (10, 10, 50, 0));
            gst_video::VideoRegionOfInterestMeta::add(
                b,
                "person",
                (u32::MAX, u32::MAX, u32::MAX, u32::MAX),
            );
        }
        let out = watermark(format, W, H, buffer);
        assert_eq!(
            out.map_readable().unwrap().as_slice(),
            before.as_slice(),
            "{format}"
        );
    }
}

#[test]
fn frames_without_metadata_pass_unchanged() {
    for format in ALL {
        let info = info(format, W, H);
        let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
        {
            let mut map = buffer.get_mut().unwrap().map_writable().unwrap();
            for (i, b) in map.iter_mut().enumerate() {
                *b = (i * 31 % 251) as u8;
            }
        }
        let before: Vec<u8> = buffer.map_readable().unwrap().to_vec();
        let out = watermark(format, W, H, buffer);
        assert_eq!(
            out.map_readable().unwrap().as_slice(),
            before.as_slice(),
            "{format}"
        );
    }
}

/// A buffer with padded rows (and planes) described by a `GstVideoMeta`, padding 0xAA.
fn padded(format: &str, info: &gst_video::VideoInfo) -> (gst::Buffer, Vec<usize>, Vec<usize>) {
    let (w, h) = (info.width() as usize, info.height() as usize);
    let (strides, heights): (Vec<usize>, Vec<usize>) = match format {
        "I420" => (vec![w + 64, w / 2 + 32, w / 2 + 32], vec![h, h / 2, h / 2]),
        "NV12" => (vec![w + 64, w + 64], vec![h, h / 2]),
        "BGR" => (vec![w * 3 + 20], vec![h]),
        _ => (vec![w * 4 + 64], vec![h]),
    };
    let mut offsets = Vec::new();
    let mut size = 0;
    for (s, ph) in strides.iter().zip(&heights) {
        offsets.push(size);
        size += s * ph + 128;
    }
    let mut buffer = gst::Buffer::from_mut_slice(vec![0xAAu8; size]);
    {
        let b = buffer.get_mut().unwrap();
        gst_video::VideoMeta::add_full(
            b,
            gst_video::VideoFrameFlags::empty(),
            info.format(),
            w as u32,
            h as u32,
            &offsets,
            &strides.iter().map(|&s| s as i32).collect::<Vec<_>>(),
        )
        .unwrap();
        // Black pixels; padding stays 0xAA.
        let mut map = b.map_writable().unwrap();
        for (p, (&s, &ph)) in strides.iter().zip(&heights).enumerate() {
            let row_bytes = match (format, p) {
                ("I420", 0) | ("NV12", _) => w,
                ("I420", _) => w / 2,
                ("BGR", _) => w * 3,
                _ => w * 4,
            };
            let value = match (is_yuv(format), p) {
                (true, 0) => 16,
                (true, _) => 128,
                _ => 0,
            };
            for row in 0..ph {
                let start = offsets[p] + row * s;
                map[start..start + row_bytes].fill(value);
            }
        }
    }
    (buffer, offsets, strides)
}

#[test]
fn padded_strides_from_the_video_meta_are_honoured() {
    for format in ["BGR", "BGRx", "NV12", "I420"] {
        let info = info(format, W, H);
        let (mut buffer, _, _) = padded(format, &info);
        let before = Image::of(&buffer, &info);
        let padding: Vec<usize> = {
            let map = buffer.map_readable().unwrap();
            map.iter()
                .enumerate()
                .filter(|&(_, &b)| b == 0xAA)
                .map(|(i, _)| i)
                .collect()
        };
        add_region(&mut buffer, &info, (40, 60, 100, 80), "", 2);
        let out = watermark(format, W, H, buffer);
        let image = Image::of(&out, &info);
        assert_only_border(
            &image,
            &before,
            (40, 60, 140, 140),
            &color(format, 2),
            format,
        );
        let map = out.map_readable().unwrap();
        let touched = padding.iter().filter(|&&i| map[i] != 0xAA).count();
        assert_eq!(touched, 0, "{format}: padding bytes written");
    }
}

#[test]
fn caps_colorimetry_sets_the_yuv_colour() {
    common::init();
    // Red (255, 0, 0) by hand, with the formula of YUV_BT601 and the caps' matrix and range:
    // BT.709 (Kr 0.2126, Kb 0.0722), limited: Y' = 54.213, Y = 16 + 219/255 · 54.213 = 62.559
    //   → 63, U = 128 − 224/255 · 54.213 / 1.8556 = 102.336 → 102, V = 128 + 224/255 · 200.787
    //   / 1.5748 = 240;
    // BT.601 limited: as YUV_BT601;
    // BT.601 full range: Y = Y' = 76.245 → 76, U = 128 − 76.245 / 1.772 = 84.972 → 85,
    //   V = 128 + 178.755 / 1.402 = 255.5 → 255 (clamped).
    let cases = [
        ("bt709", [63, 102, 240]),
        ("bt601", [81, 90, 240]),
        ("1:4:0:0", [76, 85, 255]),
    ];
    for (colorimetry, expected) in cases {
        let caps = format!(
            "video/x-raw,format=I420,width={W},height={H},framerate=30/1,colorimetry={colorimetry}"
        );
        let info = gst_video::VideoInfo::from_caps(&caps.parse::<gst::Caps>().unwrap()).unwrap();
        let mut buffer = black("I420", W, H);
        add_region(&mut buffer, &info, (40, 60, 100, 80), "", 0);
        let out = Image::of(&watermark_caps(&caps, buffer), &info);
        assert_eq!(out.at(40, 60), expected, "{colorimetry}");
        assert_eq!(out.at(139, 139), expected, "{colorimetry}");
    }
}

#[test]
fn glyphs_are_cached_and_frames_repeat_exactly() {
    // The same metadata on two frames draws the same pixels (the second from the cache).
    let format = "NV12";
    let info = info(format, W, H);
    let mut painter = Watermark::new(&info).unwrap();
    let mut frames = Vec::new();
    for _ in 0..2 {
        let mut buffer = black(format, W, H);
        add_region(&mut buffer, &info, (40, 100, 100, 80), "person", 3);
        assert!(painter.draw(buffer.get_mut().unwrap()).unwrap());
        frames.push(buffer.map_readable().unwrap().to_vec());
    }
    assert_eq!(frames[0], frames[1]);
    let mut empty = black(format, W, H);
    assert!(!painter.draw(empty.get_mut().unwrap()).unwrap());
}

#[test]
fn a_short_buffer_is_an_error_not_a_panic() {
    let info = info("BGR", W, H);
    let mut painter = Watermark::new(&info).unwrap();
    let mut buffer = gst::Buffer::with_size(1000).unwrap();
    {
        let b = buffer.get_mut().unwrap();
        gst_video::VideoRegionOfInterestMeta::add(b, "person", (10, 10, 50, 50));
    }
    let e = painter
        .draw(buffer.get_mut().unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("1000 bytes") && e.contains("320x240 BGR"), "{e}");
}

#[test]
fn unsupported_formats_and_devices_are_refused_clearly() {
    common::init();
    let gray = gst_video::VideoInfo::builder(gst_video::VideoFormat::Gray8, W as u32, H as u32)
        .build()
        .unwrap();
    let e = Watermark::new(&gray).unwrap_err().to_string();
    assert!(e.contains("GRAY8") && e.contains("NV12"), "{e}");

    let frame = common::frame(W, H, (0, 0, 1, 1), [0, 0, 0]);
    let e = common::run(
        "gvawatermark device=GPU",
        W,
        H,
        std::slice::from_ref(&frame),
    )
    .unwrap_err();
    assert!(e.contains("device 'GPU' is not supported"), "{e}");
    let out = common::run(
        "gvawatermark device=CPU",
        W,
        H,
        std::slice::from_ref(&frame),
    )
    .unwrap();
    assert_eq!(out.len(), 1);

    // GRAY8 caps do not link.
    let e = gst::parse::launch(
        "videotestsrc num-buffers=1 ! video/x-raw,format=GRAY8 ! gvawatermark ! fakesink",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("can't handle caps") && e.contains("GRAY8"),
        "{e}"
    );
}

#[test]
fn every_frame_comes_out_once_in_order() {
    let frames: Vec<Vec<u8>> = (0..20)
        .map(|i| common::frame(W, H, (i, 0, 1, 1), [255, 255, 255]))
        .collect();
    let out = common::run("gvawatermark", W, H, &frames).unwrap();
    assert_eq!(out.len(), 20);
    for (i, (buffer, data)) in out.iter().zip(&frames).enumerate() {
        assert_eq!(
            buffer.pts(),
            Some(gst::ClockTime::from_mseconds(33 * i as u64))
        );
        assert_eq!(buffer.map_readable().unwrap().as_slice(), data.as_slice());
    }
}

#[test]
fn a_shared_buffer_is_copied_not_drawn_on() {
    let format = "BGRx";
    let info = info(format, W, H);
    let mut buffer = black(format, W, H);
    add_region(&mut buffer, &info, (40, 60, 100, 80), "", 2);
    let before: Vec<u8> = buffer.map_readable().unwrap().to_vec();
    // Another holder keeps a reference: gvawatermark must draw on a copy.
    let kept = buffer.clone();
    let out = Image::of(&watermark(format, W, H, buffer), &info);
    assert_eq!(out.at(40, 60), color(format, 2).as_slice());
    assert_eq!(kept.map_readable().unwrap().as_slice(), before.as_slice());
}
