//! What `gvawatermark` draws on a frame: a box and a label per region of interest, the
//! landmarks its tensors carry, and the labels of full-frame results — DL Streamer's layout and
//! colours.

use std::fmt::{self, Write as _};

use gva_meta::{Precision, Tensor, VideoFrame};

use super::canvas::{Area, Canvas, Ink, Layout, Mask};
use super::palette::{COLOR_TABLE, rgb_to_yuv};
use super::text::TextRenderer;

/// Box line width in pixels (DL Streamer's `_thickness`).
pub const THICKNESS: usize = 2;
/// Where the labels of full-frame results go: left end of the baseline.
pub const FULL_FRAME_TEXT_AT: (i64, i64) = (0, 25);
/// Colour-table index of the full-frame labels (green).
pub const FULL_FRAME_COLOR: i64 = 1;
/// A landmark's radius is 1 pixel plus this share of its box's width (DL Streamer's
/// `_radius_multiplier`), rounded down.
pub const LANDMARK_RADIUS_PER_WIDTH: f64 = 0.0025;
/// A region's label baseline is this many pixels above the box…
pub const LABEL_ABOVE: i64 = 5;
/// …or, when it would not fit above the frame's top, this many pixels below the box's top.
pub const LABEL_INSIDE: i64 = 30;

/// Why a frame could not be drawn on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatermarkError(String);

impl fmt::Display for WatermarkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WatermarkError {}

/// Something to draw, collected from the metadata before the frame is mapped.
#[derive(Debug)]
enum Prim {
    Box {
        area: Area,
        color: i64,
    },
    Text {
        text: String,
        x: i64,
        baseline: i64,
        color: i64,
    },
    /// A filled circle: the pixels within `radius` of the centre.
    Disc {
        cx: i64,
        cy: i64,
        radius: i64,
        color: i64,
    },
}

/// Draws DL Streamer's watermark on frames of one format and size.
///
/// For each region of interest: a box of [`THICKNESS`] pixels just inside its edges (clipped
/// to the frame; on NV12/I420 widened to even coordinates so the chroma matches), coloured by
/// DL Streamer's table at the tracking id if it is > 0, else at the detection's `label_id`
/// (0 when none); and the label `"[<object id>: ]<label> <int(confidence*100)>%"` followed by
/// the labels of its classification results, left-aligned with the box, baseline
/// [`LABEL_ABOVE`] pixels above it (inside the box when that would leave the frame). Labels of
/// full-frame tensors (with their confidence when positive) are drawn at
/// [`FULL_FRAME_TEXT_AT`] in green. A region outside the frame or of zero size draws nothing.
///
/// Landmarks, as DL Streamer draws them: a tensor whose `format` is `landmark_points` or whose
/// `model_name` contains `landmarks` holds FP32 pairs `(x, y)` relative to its region's box
/// (its pixel box clipped to the frame; the whole frame for a frame-level tensor). Point `i` is
/// a filled circle of the table colour `i % 18`, centred at `(trunc(box.x + box.w · x),
/// trunc(box.y + box.h · y))`, radius `1 + trunc(box.w · 0.0025)`: the pixels whose distance to
/// the centre is at most the radius (on NV12/I420 also the chroma of their 2x2 blocks). A
/// region's landmarks are drawn before its box and label, which go over them.
pub struct Watermark {
    info: gst_video::VideoInfo,
    layout: Layout,
    inks: [Ink; COLOR_TABLE.len()],
    text: TextRenderer,
    prims: Vec<Prim>,
    mask: Mask,
}

impl fmt::Debug for Watermark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watermark")
            .field("format", &self.info.format())
            .field("width", &self.info.width())
            .field("height", &self.info.height())
            .finish_non_exhaustive()
    }
}

/// The text of a region's label: `"[<object_id>: ]<label> <int(conf*100)>%"` then the
/// classification labels, separated by spaces.
pub fn label_text<'a>(
    object_id: Option<i32>,
    label: &str,
    confidence: Option<f64>,
    classes: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut text = String::new();
    if let Some(id) = object_id {
        let _ = write!(text, "{id}: ");
    }
    if !label.is_empty() {
        text.push_str(label);
        if let Some(confidence) = confidence {
            let _ = write!(text, " {}%", (confidence * 100.0) as i64);
        }
    }
    for class in classes.into_iter().filter(|c| !c.is_empty()) {
        if !text.is_empty() && !text.ends_with(' ') {
            text.push(' ');
        }
        text.push_str(class);
    }
    text.truncate(text.trim_end().len());
    text
}

impl Watermark {
    /// A painter for frames described by `info`; an error names an unsupported format.
    pub fn new(info: &gst_video::VideoInfo) -> Result<Self, WatermarkError> {
        let layout = Layout::of(info.format()).ok_or_else(|| {
            WatermarkError(format!(
                "gvawatermark cannot draw on {} frames: use BGR, RGB, BGRx, RGBx, BGRA, RGBA, NV12 or I420",
                info.format().to_str()
            ))
        })?;
        let inks = COLOR_TABLE.map(|rgb| ink(info, layout, rgb));
        Ok(Self {
            info: info.clone(),
            layout,
            inks,
            text: TextRenderer::new().map_err(WatermarkError)?,
            prims: Vec::new(),
            mask: Mask::default(),
        })
    }

    /// The frames this painter draws on.
    pub fn info(&self) -> &gst_video::VideoInfo {
        &self.info
    }

    /// Draws the watermark of `buffer`'s metadata on it; `Ok(false)` when there was nothing to
    /// draw (then the frame is not even mapped).
    pub fn draw(&mut self, buffer: &mut gst::BufferRef) -> Result<bool, WatermarkError> {
        self.collect(buffer);
        if self.prims.is_empty() {
            return Ok(false);
        }
        let size = buffer.size();
        let mut frame = gst_video::VideoFrameRef::from_buffer_ref_writable(buffer, &self.info)
            .map_err(|_| {
                WatermarkError(format!(
                    "cannot map the frame for drawing: the buffer ({size} bytes) does not hold a {}x{} {} frame",
                    self.info.width(),
                    self.info.height(),
                    self.info.format().to_str()
                ))
            })?;
        let mut canvas = Canvas::new(&mut frame, self.layout).ok_or_else(|| {
            WatermarkError("the mapped frame has unusable planes or strides".to_owned())
        })?;
        let Self {
            prims,
            text,
            mask,
            inks,
            ..
        } = self;
        let width = canvas.width() as i64;
        for prim in prims.iter() {
            match prim {
                Prim::Box { area, color } => {
                    let ink = inks[color.rem_euclid(inks.len() as i64) as usize];
                    draw_box(&mut canvas, *area, ink);
                }
                Prim::Text {
                    text: s,
                    x,
                    baseline,
                    color,
                } => {
                    let ink = inks[color.rem_euclid(inks.len() as i64) as usize];
                    text.render(s, *x, *baseline, width, mask);
                    canvas.blend(mask, ink);
                }
                Prim::Disc {
                    cx,
                    cy,
                    radius,
                    color,
                } => {
                    let ink = inks[color.rem_euclid(inks.len() as i64) as usize];
                    draw_disc(&mut canvas, (*cx, *cy), *radius, ink);
                }
            }
        }
        Ok(true)
    }

    /// Reads the regions and tensors of `buffer` into `self.prims`.
    fn collect(&mut self, buffer: &gst::BufferRef) {
        self.prims.clear();
        let frame = VideoFrame::new(buffer, self.info.clone());
        let (w, h) = (u64::from(self.info.width()), u64::from(self.info.height()));
        let even = self.layout.is_yuv420();
        let ascent = self.text.ascent().ceil() as i64;
        for region in frame.regions() {
            let r = region.rect();
            let (x0, y0) = (u64::from(r.x).min(w), u64::from(r.y).min(h));
            let x1 = (u64::from(r.x) + u64::from(r.w)).min(w);
            let y1 = (u64::from(r.y) + u64::from(r.h)).min(h);
            if x0 >= x1 || y0 >= y1 {
                continue;
            }
            let bounds = [x0, y0, x1 - x0, y1 - y0].map(|v| v as f64);
            for tensor in region.tensors() {
                push_landmarks(&mut self.prims, tensor, bounds);
            }
            let (x0, y0, x1, y1) = if even {
                (
                    x0 & !1,
                    y0 & !1,
                    (x1.div_ceil(2) * 2).min(w),
                    (y1.div_ceil(2) * 2).min(h),
                )
            } else {
                (x0, y0, x1, y1)
            };
            let object_id = region.object_id().ok().filter(|&id| id > 0);
            let color = match object_id {
                Some(id) => i64::from(id),
                None => i64::from(region.label_id().unwrap_or(0)),
            };
            self.prims.push(Prim::Box {
                area: Area {
                    x0: x0 as usize,
                    y0: y0 as usize,
                    x1: x1 as usize,
                    y1: y1 as usize,
                },
                color,
            });
            let text = label_text(
                object_id,
                region.label().unwrap_or(""),
                region.confidence().ok(),
                region
                    .tensors()
                    .filter(|t| !t.is_detection())
                    .filter_map(|t| t.label().ok()),
            );
            if !text.is_empty() {
                let y0 = y0 as i64;
                let mut baseline = y0 - LABEL_ABOVE;
                if baseline - ascent < 0 {
                    baseline = y0 + LABEL_INSIDE;
                }
                self.prims.push(Prim::Text {
                    text,
                    x: x0 as i64,
                    baseline,
                    color,
                });
            }
        }

        let whole = [0.0, 0.0, w as f64, h as f64];
        for tensor in frame.tensors().filter(|t| !t.is_detection()) {
            push_landmarks(&mut self.prims, tensor, whole);
        }
        let mut full_frame = String::new();
        for tensor in frame.tensors().filter(|t| !t.is_detection()) {
            let Ok(label) = tensor.label() else { continue };
            if label.is_empty() {
                continue;
            }
            if !full_frame.is_empty() {
                full_frame.push(' ');
            }
            full_frame.push_str(label);
            if let Ok(confidence) = tensor.confidence()
                && confidence > 0.0
            {
                let _ = write!(full_frame, " {}%", (confidence * 100.0) as i64);
            }
        }
        if !full_frame.is_empty() {
            self.prims.push(Prim::Text {
                text: full_frame,
                x: FULL_FRAME_TEXT_AT.0,
                baseline: FULL_FRAME_TEXT_AT.1,
                color: FULL_FRAME_COLOR,
            });
        }
    }
}

/// Adds a disc per landmark of `tensor` (if it holds landmarks) placed in `bounds`
/// (`[x, y, w, h]` in pixels).
fn push_landmarks(prims: &mut Vec<Prim>, tensor: &Tensor, [x, y, w, h]: [f64; 4]) {
    let is_landmarks = tensor.format().is_ok_and(|f| f == "landmark_points")
        || tensor.model_name().is_ok_and(|m| m.contains("landmarks"));
    if !is_landmarks {
        return;
    }
    // FP32 as DL Streamer reads it (`data<float>()`); an unset precision is FP32 too.
    if !matches!(
        tensor.precision(),
        Ok(Precision::Fp32 | Precision::Unspecified) | Err(_)
    ) {
        return;
    }
    let Ok(bytes) = tensor.data() else { return };
    let radius = 1 + (LANDMARK_RADIUS_PER_WIDTH * w) as i64;
    let points = bytes.chunks_exact(8).map(|p| {
        (
            f32::from_ne_bytes([p[0], p[1], p[2], p[3]]),
            f32::from_ne_bytes([p[4], p[5], p[6], p[7]]),
        )
    });
    for (i, (px, py)) in points.enumerate() {
        if !(px.is_finite() && py.is_finite()) {
            continue;
        }
        prims.push(Prim::Disc {
            cx: (x + w * f64::from(px)) as i64,
            cy: (y + h * f64::from(py)) as i64,
            radius,
            color: i as i64,
        });
    }
}

/// The pixels within `radius` of `(cx, cy)`, row by row, clipped to the frame (rows and
/// columns past its size by [`Canvas::fill`]).
fn draw_disc(canvas: &mut Canvas<'_>, (cx, cy): (i64, i64), radius: i64, ink: Ink) {
    let width = canvas.width() as i64;
    for dy in -radius..=radius {
        let y = cy + dy;
        if y < 0 {
            continue;
        }
        // The largest dx with dx² + dy² <= radius².
        let room = radius * radius - dy * dy;
        let mut half = (room as f64).sqrt() as i64;
        while half * half > room {
            half -= 1;
        }
        while (half + 1) * (half + 1) <= room {
            half += 1;
        }
        let x0 = (cx - half).max(0);
        let x1 = (cx + half + 1).min(width);
        if x0 < x1 {
            canvas.fill(
                Area {
                    x0: x0 as usize,
                    y0: y as usize,
                    x1: x1 as usize,
                    y1: y as usize + 1,
                },
                ink,
            );
        }
    }
}

/// The four [`THICKNESS`]-wide sides of `area`, drawn inside it.
fn draw_box(canvas: &mut Canvas<'_>, area: Area, ink: Ink) {
    let Area { x0, y0, x1, y1 } = area;
    let t = THICKNESS;
    let sides = [
        Area {
            x0,
            y0,
            x1,
            y1: (y0 + t).min(y1),
        },
        Area {
            x0,
            y0: y1.saturating_sub(t).max(y0),
            x1,
            y1,
        },
        Area {
            x0,
            y0,
            x1: (x0 + t).min(x1),
            y1,
        },
        Area {
            x0: x1.saturating_sub(t).max(x0),
            y0,
            x1,
            y1,
        },
    ];
    for side in sides {
        canvas.fill(side, ink);
    }
}

/// `rgb` in the frame's terms: packed bytes, or Y'CbCr with the caps' matrix and range
/// (BT.601 when the caps name none).
fn ink(info: &gst_video::VideoInfo, layout: Layout, rgb: [u8; 3]) -> Ink {
    match layout {
        Layout::Packed { rgb: at, .. } => {
            let mut px = [255u8; 4];
            for (i, &c) in at.iter().zip(&rgb) {
                px[*i] = c;
            }
            Ink::Packed(px)
        }
        Layout::Nv12 | Layout::I420 => {
            let colorimetry = info.colorimetry();
            let (kr, kb) = colorimetry.matrix().kr_kb().unwrap_or((0.299, 0.114));
            let full = colorimetry.range() == gst_video::VideoColorRange::Range0_255;
            Ink::Yuv(rgb_to_yuv(rgb, kr, kb, full))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_text_like_dl_streamer() {
        assert_eq!(label_text(None, "person", Some(0.934), []), "person 93%");
        assert_eq!(
            label_text(Some(7), "car", Some(0.5), ["red", "", "sedan"]),
            "7: car 50% red sedan"
        );
        assert_eq!(label_text(None, "", Some(0.9), []), "");
        assert_eq!(label_text(Some(3), "", None, []), "3:");
        assert_eq!(label_text(None, "", None, ["male"]), "male");
        assert_eq!(label_text(None, "face", None, []), "face");
    }
}
