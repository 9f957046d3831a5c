//! A frame's pixels as a mapped video buffer holds them — planes, each with its stride — and
//! how they go into a slot of a model's input tensor: the whole frame, or a region of it
//! cropped and resized, in the layout the model was compiled for ([`Preprocess`]: the frame's
//! own format, or three colour planes).
//!
//! - Whole frames ([`Image::write_frame`]) keep their size; the compiled model resizes them.
//! - Regions ([`Image::write_region`]) are cropped and resized here, to the model's input size
//!   (nearest pixel centre), as the model-proc says, like DL Streamer: stretched, or the part
//!   `crop` keeps, or scaled by one factor with black padding right or bottom for
//!   `resize: aspect-ratio` ([`Preprocess::region_view`]). They stay in the frame's format —
//!   NV12/I420 stay YUV (chroma sampled at the centre of each 2x2 block; padding Y 16, U and V
//!   128, black as the model converts it), and the model converts the colour — or go straight
//!   into colour planes.
//! - OpenVINO converts NV12/I420 at even sizes only: an image of an odd width or height goes in
//!   at the next even size ([`FrameFormat::tensor_size`]), its last luma column and row
//!   repeated (the chroma planes of an odd frame, `ceil(w/2)` x `ceil(h/2)`, already have that
//!   size's), and the compiled model crops it back right after the colour conversion
//!   ([`crate::preprocess`]): it sees the image exactly, and boxes map back exactly.
//! - GRAY8 frames go to a colour model as three equal planes (OpenVINO converts no grey to
//!   colour), to a grayscale model as they are.
//!
//! Nothing here panics on what it is given: sizes and planes are checked first.

use crate::planes;
use crate::preprocess::{FrameFormat, Preprocess};

/// Why pixels could not be written into a tensor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// A plane is missing, or holds fewer bytes than its rows need.
    #[error("plane {plane} of the {format:?} frame holds {got} bytes, its rows need {need}")]
    Plane {
        /// The frame's format.
        format: FrameFormat,
        /// The plane's index.
        plane: usize,
        /// Bytes the rows need (0 for a missing plane: it is not there at all).
        need: usize,
        /// Bytes it has.
        got: usize,
    },
    /// The frame cannot be written in the tensor's format.
    #[error("a {frame:?} frame cannot go into a tensor compiled for {tensor:?}{planes}")]
    Format {
        /// The frame's format.
        frame: FrameFormat,
        /// The tensor's.
        tensor: FrameFormat,
        /// ` as colour planes` when compiled so.
        planes: &'static str,
    },
    /// The sizes do not fit.
    #[error("{0}")]
    Size(String),
}

/// One plane of a frame: its bytes from the first row on, and the bytes from a row to the next.
#[derive(Debug, Clone, Copy)]
pub struct Plane<'a> {
    /// The plane's bytes.
    pub data: &'a [u8],
    /// Bytes from the start of a row to the start of the next.
    pub stride: usize,
}

/// A frame's pixels: format, size and planes (packed formats one, NV12 two: Y then
/// interleaved UV, I420 three: Y, U, V).
#[derive(Debug, Clone)]
pub struct Image<'a> {
    format: FrameFormat,
    width: usize,
    height: usize,
    planes: Vec<Plane<'a>>,
}

/// A region of a frame in its pixels: `x`, `y`, `width`, `height`.
pub type Region = [usize; 4];

impl<'a> Image<'a> {
    /// A frame of `format` and size made of `planes`, each checked to hold its rows.
    pub fn new(
        format: FrameFormat,
        width: usize,
        height: usize,
        planes: Vec<Plane<'a>>,
    ) -> Result<Self, ImageError> {
        let image = Self {
            format,
            width,
            height,
            planes,
        };
        for (plane, (row, rows)) in image.plane_rows().into_iter().enumerate() {
            let got = image.planes.get(plane);
            let need = match rows {
                0 => 0,
                rows => (rows - 1) * got.map_or(0, |p| p.stride) + row,
            };
            match got {
                Some(p) if p.stride >= row && p.data.len() >= need => {}
                _ => {
                    return Err(ImageError::Plane {
                        format,
                        plane,
                        need: need.max(row * rows),
                        got: got.map_or(0, |p| p.data.len()),
                    });
                }
            }
        }
        Ok(image)
    }

    /// The frame's format.
    pub fn format(&self) -> FrameFormat {
        self.format
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    /// Bytes per row (without padding) and rows of each plane.
    fn plane_rows(&self) -> Vec<(usize, usize)> {
        let (w, h) = (self.width, self.height);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        match self.format {
            FrameFormat::Nv12 => vec![(w, h), (2 * cw, ch)],
            FrameFormat::I420 => vec![(w, h), (cw, ch), (cw, ch)],
            packed => vec![(w * packed.bytes_per_pixel().unwrap_or(1), h)],
        }
    }

    /// Row `row` of plane `plane` (`bytes` long), checked by [`Image::new`].
    fn row(&self, plane: usize, row: usize, bytes: usize) -> &'a [u8] {
        let p = self.planes[plane];
        &p.data[row * p.stride..row * p.stride + bytes]
    }

    /// Writes the whole frame into `out`, one slot of a tensor compiled with `pre` for frames
    /// of its size (in its format, or as three colour planes).
    pub fn write_frame(&self, pre: &Preprocess, out: &mut [u8]) -> Result<(), ImageError> {
        if (pre.width, pre.height) != (self.width, self.height) {
            return Err(ImageError::Size(format!(
                "a {}x{} frame does not fit a tensor compiled for {}x{} frames",
                self.width, self.height, pre.width, pre.height
            )));
        }
        let tensor = self.format.tensor_size(self.width, self.height);
        self.check_out(pre, out)?;
        let (w, h) = (self.width, self.height);
        match (self.format, pre.planes) {
            (FrameFormat::Gray, true) => {
                let (a, rest) = out.split_at_mut(w * h);
                let (b, c) = rest.split_at_mut(w * h);
                for row in 0..h {
                    let line = self.row(0, row, w);
                    for plane in [&mut *a, &mut *b, &mut *c] {
                        plane[row * w..][..w].copy_from_slice(line);
                    }
                }
            }
            (format, true) => {
                let bpp = format.bytes_per_pixel().unwrap_or(0);
                let p = self.planes[0];
                planes::split(p.data, p.stride, bpp, w, h, out)
                    .map_err(|e| ImageError::Size(e.to_string()))?;
            }
            (_, false) => {
                // Plane after plane, rows without padding; an odd YUV frame's last luma
                // column and row repeated up to the even size.
                let (tw, th) = tensor;
                let mut at = 0;
                for (plane, (row_bytes, rows)) in self.plane_rows().into_iter().enumerate() {
                    let (out_row, out_rows) = if plane == 0 && self.format.is_yuv() {
                        (tw, th)
                    } else {
                        (row_bytes, rows)
                    };
                    for row in 0..out_rows {
                        let line = self.row(plane, row.min(rows - 1), row_bytes);
                        let dest = &mut out[at..at + out_row];
                        dest[..row_bytes].copy_from_slice(line);
                        if out_row > row_bytes {
                            dest[row_bytes..].fill(line[row_bytes - 1]);
                        }
                        at += out_row;
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes `region` of the frame, resized to `pre`'s size (nearest pixel centre), into `out`,
    /// one slot of a tensor compiled with `pre` (the frame's format, or three colour planes):
    /// what [`Preprocess::region_view`] says the model sees of it, black where that lies
    /// beyond the region (aspect-ratio padding).
    pub fn write_region(
        &self,
        region: Region,
        pre: &Preprocess,
        out: &mut [u8],
    ) -> Result<(), ImageError> {
        let [x, y, w, h] = region;
        if w == 0 || h == 0 || x + w > self.width || y + h > self.height {
            return Err(ImageError::Size(format!(
                "region {w}x{h} at ({x}, {y}) is empty or not inside the {}x{} frame",
                self.width, self.height
            )));
        }
        self.check_out(pre, out)?;
        let (mw, mh) = (pre.width, pre.height);
        let (tw, th) = pre.format.tensor_size(mw, mh);
        let [vx, vy, vw, vh] = pre.region_view(region);
        // The source column (row) of each output column (row): nearest pixel centre of the
        // view; `None` beyond the region (padding). An even YUV tensor's extra column (row)
        // repeats the last.
        let xs: Vec<Option<usize>> = (0..tw)
            .map(|c| Some(vx + (2 * c.min(mw - 1) + 1) * vw / (2 * mw)).filter(|&s| s < x + w))
            .collect();
        let ys: Vec<Option<usize>> = (0..th)
            .map(|r| Some(vy + (2 * r.min(mh - 1) + 1) * vh / (2 * mh)).filter(|&s| s < y + h))
            .collect();
        match (self.format, pre.planes) {
            (FrameFormat::Nv12 | FrameFormat::I420, _) => {
                self.write_yuv_region(region, [vx, vy, vw, vh], (mw, mh), (&xs, &ys), out);
            }
            (format, true) => {
                let bpp = format.bytes_per_pixel().unwrap_or(1);
                let plane = tw * th;
                for (r, &sy) in ys.iter().enumerate() {
                    let line = sy.map(|sy| self.row(0, sy, self.width * bpp));
                    for (c, &sx) in xs.iter().enumerate() {
                        let pixel = line
                            .zip(sx)
                            .map(|(line, sx)| &line[sx * bpp..sx * bpp + bpp]);
                        for k in 0..3 {
                            // GRAY8: the grey value in all three planes.
                            out[k * plane + r * tw + c] = pixel.map_or(0, |p| p[k.min(bpp - 1)]);
                        }
                    }
                }
            }
            (format, false) => {
                let bpp = format.bytes_per_pixel().unwrap_or(1);
                for (r, &sy) in ys.iter().enumerate() {
                    let dest = &mut out[r * tw * bpp..(r + 1) * tw * bpp];
                    let Some(sy) = sy else {
                        dest.fill(0);
                        continue;
                    };
                    let line = self.row(0, sy, self.width * bpp);
                    for (pixel, &sx) in dest.chunks_exact_mut(bpp).zip(&xs) {
                        match sx {
                            Some(sx) => pixel.copy_from_slice(&line[sx * bpp..sx * bpp + bpp]),
                            None => pixel.fill(0),
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// [`Image::write_region`] for NV12/I420 at `(mw, mh)` (`view`: what the model sees of
    /// `region`; `xs`, `ys`: the source of each luma column and row of the even tensor, `None`
    /// for padding): each chroma value from the source pixel at the centre of its 2x2 output
    /// block; padding black (Y 16, U and V 128: zero after the model's BT.601 conversion, as
    /// the whole-frame path pads).
    fn write_yuv_region(
        &self,
        region: Region,
        view: Region,
        (mw, mh): (usize, usize),
        (xs, ys): (&[Option<usize>], &[Option<usize>]),
        out: &mut [u8],
    ) {
        const BLACK_Y: u8 = 16;
        const BLACK_UV: u8 = 128;
        let [x, y, w, h] = region;
        let [vx, vy, vw, vh] = view;
        let (tw, th) = (xs.len(), ys.len());
        let (luma, chroma) = out.split_at_mut(tw * th);
        for (r, &sy) in ys.iter().enumerate() {
            let dest = &mut luma[r * tw..(r + 1) * tw];
            let Some(sy) = sy else {
                dest.fill(BLACK_Y);
                continue;
            };
            let line = self.row(0, sy, self.width);
            for (value, &sx) in dest.iter_mut().zip(xs) {
                *value = sx.map_or(BLACK_Y, |sx| line[sx]);
            }
        }
        let (cw, ch) = (tw / 2, th / 2);
        // The chroma sample of each 2x2 output block: the view's pixel at its centre, `None`
        // beyond the region.
        let cxs: Vec<Option<usize>> = (0..cw)
            .map(|c| {
                let s = vx + ((2 * c + 1) * vw / mw).min(vw - 1);
                (s < x + w).then_some(s / 2)
            })
            .collect();
        let cys: Vec<Option<usize>> = (0..ch)
            .map(|r| {
                let s = vy + ((2 * r + 1) * vh / mh).min(vh - 1);
                (s < y + h).then_some(s / 2)
            })
            .collect();
        let source_cw = self.width.div_ceil(2);
        match self.format {
            FrameFormat::Nv12 => {
                for (r, &sy) in cys.iter().enumerate() {
                    let dest = &mut chroma[r * tw..(r + 1) * tw];
                    let line = sy.map(|sy| self.row(1, sy, 2 * source_cw));
                    for (uv, &sx) in dest.chunks_exact_mut(2).zip(&cxs) {
                        match line.zip(sx) {
                            Some((line, sx)) => uv.copy_from_slice(&line[2 * sx..2 * sx + 2]),
                            None => uv.fill(BLACK_UV),
                        }
                    }
                }
            }
            _ => {
                let (u, v) = chroma.split_at_mut(cw * ch);
                for (plane, dest) in [(1, u), (2, v)] {
                    for (r, &sy) in cys.iter().enumerate() {
                        let line = sy.map(|sy| self.row(plane, sy, source_cw));
                        for (c, &sx) in cxs.iter().enumerate() {
                            dest[r * cw + c] = line.zip(sx).map_or(BLACK_UV, |(l, sx)| l[sx]);
                        }
                    }
                }
            }
        }
    }

    /// Checks that the frame can go into a tensor compiled with `pre`, and that `out` is one
    /// slot of it.
    fn check_out(&self, pre: &Preprocess, out: &[u8]) -> Result<(), ImageError> {
        let fits = if pre.planes {
            self.format.is_packed() && pre.format == self.format
        } else {
            pre.format == self.format
        };
        if !fits {
            return Err(ImageError::Format {
                frame: self.format,
                tensor: pre.format,
                planes: if pre.planes { " as colour planes" } else { "" },
            });
        }
        let want = if pre.planes {
            3 * pre.width * pre.height
        } else {
            let (tw, th) = pre.format.tensor_size(pre.width, pre.height);
            pre.format.frame_bytes(tw, th)
        };
        if out.len() != want {
            return Err(ImageError::Size(format!(
                "a {}x{} {:?} input{} takes {want} bytes, the tensor's slot has {}",
                pre.width,
                pre.height,
                pre.format,
                if pre.planes { " as colour planes" } else { "" },
                out.len()
            )));
        }
        Ok(())
    }
}
