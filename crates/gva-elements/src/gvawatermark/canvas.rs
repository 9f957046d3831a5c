//! Drawing on a mapped video frame: filled rectangles and alpha masks, stride-aware, for packed
//! RGB-family frames and for 4:2:0 frames (NV12, I420) whose chroma is at half resolution.
//!
//! Everything is clipped to the frame; rows or planes a broken mapping does not cover are
//! skipped, never indexed out of bounds.

use gst_video::prelude::*;

/// How a format's pixels are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One plane of `bpp`-byte pixels; `rgb` are the byte positions of R, G and B. Other bytes
    /// (`x` padding, alpha) are written as 255: drawn pixels are opaque.
    Packed {
        /// Bytes per pixel (3 or 4).
        bpp: usize,
        /// Byte positions of R, G, B within a pixel.
        rgb: [usize; 3],
    },
    /// A Y plane and an interleaved UV plane at half width and height.
    Nv12,
    /// Y, U and V planes, U and V at half width and height.
    I420,
}

impl Layout {
    /// The layout of `format`, or `None` when gvawatermark does not draw on it.
    pub fn of(format: gst_video::VideoFormat) -> Option<Self> {
        use gst_video::VideoFormat as F;
        let packed = |bpp, rgb| Some(Self::Packed { bpp, rgb });
        match format {
            F::Bgr => packed(3, [2, 1, 0]),
            F::Rgb => packed(3, [0, 1, 2]),
            F::Bgrx | F::Bgra => packed(4, [2, 1, 0]),
            F::Rgbx | F::Rgba => packed(4, [0, 1, 2]),
            F::Nv12 => Some(Self::Nv12),
            F::I420 => Some(Self::I420),
            _ => None,
        }
    }

    /// Whether chroma is subsampled 2x2 (then boxes are drawn on even coordinates).
    pub fn is_yuv420(self) -> bool {
        matches!(self, Self::Nv12 | Self::I420)
    }
}

/// A colour as the bytes drawn: a whole packed pixel, or Y, U, V.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    /// The pixel bytes of a packed format (the first `bpp` are used; `x`/alpha bytes 255).
    Packed([u8; 4]),
    /// Luma and chroma values.
    Yuv([u8; 3]),
}

/// A rectangle `x0..x1` × `y0..y1` in frame pixels (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    /// Left column.
    pub x0: usize,
    /// Top row.
    pub y0: usize,
    /// One past the right column.
    pub x1: usize,
    /// One past the bottom row.
    pub y1: usize,
}

/// An 8-bit coverage bitmap placed at `(x, y)` of the frame (may reach outside it).
#[derive(Debug, Default)]
pub struct Mask {
    /// Left edge in frame pixels.
    pub x: i64,
    /// Top edge in frame pixels.
    pub y: i64,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height` coverage values, row by row (0 = transparent, 255 = opaque).
    pub alpha: Vec<u8>,
}

impl Mask {
    /// Row `my` of the mask, `None` outside it.
    fn row(&self, my: i64) -> Option<&[u8]> {
        let my = usize::try_from(my).ok()?;
        self.alpha.get(my * self.width..(my + 1) * self.width)
    }
}

/// The mean coverage of the 2x2 mask block under each chroma sample `cx0..` of chroma row
/// `cy`, into `out` (one per sample).
fn chroma_alphas(mask: &Mask, cy: usize, cx0: usize, out: &mut [u8]) {
    let my = 2 * cy as i64 - mask.y;
    let mx0 = 2 * cx0 as i64 - mask.x;
    let (top, bottom) = (mask.row(my), mask.row(my + 1));
    let span = usize::try_from(mx0)
        .ok()
        .map(|start| start..start + 2 * out.len());
    // Fast path: the blocks lie inside the mask (always so for text masks, which are aligned
    // to even coordinates).
    if let (Some(top), Some(bottom), Some(span)) = (top, bottom, span)
        && let (Some(t), Some(b)) = (top.get(span.clone()), bottom.get(span))
    {
        for ((o, t), b) in out.iter_mut().zip(t.chunks_exact(2)).zip(b.chunks_exact(2)) {
            let sum = u32::from(t[0]) + u32::from(t[1]) + u32::from(b[0]) + u32::from(b[1]);
            *o = ((sum + 2) / 4) as u8;
        }
        return;
    }
    for (i, o) in out.iter_mut().enumerate() {
        let mx = mx0 + 2 * i as i64;
        *o = ((pair(top, mx) + pair(bottom, mx) + 2) / 4) as u8;
    }
}

/// Coverage at `mx` plus at `mx + 1` of a mask row (0 outside it).
#[inline]
fn pair(row: Option<&[u8]>, mx: i64) -> u32 {
    let Some(row) = row else { return 0 };
    let at = |x: i64| {
        usize::try_from(x)
            .ok()
            .and_then(|x| row.get(x))
            .map_or(0, |&a| u32::from(a))
    };
    at(mx) + at(mx + 1)
}

/// One plane: its bytes and row stride.
struct Plane<'a> {
    data: &'a mut [u8],
    stride: usize,
}

impl Plane<'_> {
    /// Bytes `start..end` of row `y`, if the mapping holds them.
    fn row(&mut self, y: usize, start: usize, end: usize) -> Option<&mut [u8]> {
        let base = y.checked_mul(self.stride)?;
        self.data
            .get_mut(base.checked_add(start)?..base.checked_add(end)?)
    }
}

/// A writable frame to draw on.
pub struct Canvas<'a> {
    layout: Layout,
    width: usize,
    height: usize,
    planes: Vec<Plane<'a>>,
}

/// Blends `src` over `dst` with coverage `a` (0–255), rounded to nearest.
#[inline]
fn mix(dst: u8, src: u8, a: u32) -> u8 {
    // round(x / 255), exact for x <= 255 * 255.
    let x = u32::from(dst) * (255 - a) + u32::from(src) * a + 128;
    ((x + (x >> 8)) >> 8) as u8
}

/// Sets every `N`-byte pixel of `row` to `px`.
#[inline]
fn fill_pixels<const N: usize>(row: &mut [u8], px: &[u8; 4]) {
    let px: [u8; N] = std::array::from_fn(|i| px[i]);
    for p in row.chunks_exact_mut(N) {
        p.copy_from_slice(&px);
    }
}

/// Blends `px` into the `N`-byte pixels of `row` with the coverages `alpha`.
#[inline]
fn blend_pixels<const N: usize>(row: &mut [u8], alpha: &[u8], px: &[u8; 4]) {
    let px: [u8; N] = std::array::from_fn(|i| px[i]);
    for (p, &a) in row.chunks_exact_mut(N).zip(alpha) {
        match a {
            0 => {}
            255 => p.copy_from_slice(&px),
            a => {
                for (byte, &src) in p.iter_mut().zip(&px) {
                    *byte = mix(*byte, src, u32::from(a));
                }
            }
        }
    }
}

impl<'a> Canvas<'a> {
    /// A canvas over the planes of a mapped frame; `None` when the frame's format is not one
    /// of `layout`'s planes or a stride is not positive.
    pub fn new(
        frame: &'a mut gst_video::VideoFrameRef<&mut gst::BufferRef>,
        layout: Layout,
    ) -> Option<Self> {
        let (width, height) = (frame.width() as usize, frame.height() as usize);
        let strides: Vec<i32> = frame.plane_stride().to_vec();
        let needed = match layout {
            Layout::Packed { .. } => 1,
            Layout::Nv12 => 2,
            Layout::I420 => 3,
        };
        if (frame.n_planes() as usize) < needed {
            return None;
        }
        let planes = frame
            .planes_data_mut()
            .into_iter()
            .zip(strides)
            .take(needed)
            .map(|(data, stride)| {
                usize::try_from(stride)
                    .ok()
                    .filter(|&s| s > 0)
                    .map(|stride| Plane { data, stride })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            layout,
            width,
            height,
            planes,
        })
    }

    /// Frame width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Fills `area` (clipped to the frame) with `ink`. On 4:2:0 frames the chroma samples
    /// whose 2x2 block `area` touches are set too: pass even coordinates for exact colours.
    pub fn fill(&mut self, area: Area, ink: Ink) {
        let x1 = area.x1.min(self.width);
        let y1 = area.y1.min(self.height);
        if area.x0 >= x1 || area.y0 >= y1 {
            return;
        }
        match (self.layout, ink) {
            (Layout::Packed { bpp, .. }, Ink::Packed(px)) => {
                let plane = &mut self.planes[0];
                for y in area.y0..y1 {
                    if let Some(row) = plane.row(y, area.x0 * bpp, x1 * bpp) {
                        match bpp {
                            3 => fill_pixels::<3>(row, &px),
                            _ => fill_pixels::<4>(row, &px),
                        }
                    }
                }
            }
            (layout, Ink::Yuv([ly, u, v])) if layout.is_yuv420() => {
                for y in area.y0..y1 {
                    if let Some(row) = self.planes[0].row(y, area.x0, x1) {
                        row.fill(ly);
                    }
                }
                let (cx0, cy0) = (area.x0 / 2, area.y0 / 2);
                let (cx1, cy1) = (x1.div_ceil(2), y1.div_ceil(2));
                for cy in cy0..cy1 {
                    if layout == Layout::Nv12 {
                        if let Some(row) = self.planes[1].row(cy, cx0 * 2, cx1 * 2) {
                            for p in row.chunks_exact_mut(2) {
                                p.copy_from_slice(&[u, v]);
                            }
                        }
                    } else {
                        if let Some(row) = self.planes[1].row(cy, cx0, cx1) {
                            row.fill(u);
                        }
                        if let Some(row) = self.planes[2].row(cy, cx0, cx1) {
                            row.fill(v);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Blends `ink` into the frame with `mask`'s coverage (clipped to the frame). On 4:2:0
    /// frames each chroma sample takes the mean coverage of its 2x2 luma block.
    pub fn blend(&mut self, mask: &Mask, ink: Ink) {
        let (w, h) = (self.width as i64, self.height as i64);
        let fx0 = mask.x.clamp(0, w);
        let fy0 = mask.y.clamp(0, h);
        let fx1 = (mask.x + mask.width as i64).clamp(0, w);
        let fy1 = (mask.y + mask.height as i64).clamp(0, h);
        if fx0 >= fx1 || fy0 >= fy1 {
            return;
        }
        let (fx0, fx1) = (fx0 as usize, fx1 as usize);
        match (self.layout, ink) {
            (Layout::Packed { bpp, .. }, Ink::Packed(px)) => {
                let plane = &mut self.planes[0];
                for fy in fy0..fy1 {
                    let my = (fy - mask.y) as usize;
                    let mrow = &mask.alpha[my * mask.width..(my + 1) * mask.width];
                    let mx0 = (fx0 as i64 - mask.x) as usize;
                    let Some(row) = plane.row(fy as usize, fx0 * bpp, fx1 * bpp) else {
                        continue;
                    };
                    match bpp {
                        3 => blend_pixels::<3>(row, &mrow[mx0..], &px),
                        _ => blend_pixels::<4>(row, &mrow[mx0..], &px),
                    }
                }
            }
            (layout, Ink::Yuv([ly, u, v])) if layout.is_yuv420() => {
                for fy in fy0..fy1 {
                    let my = (fy - mask.y) as usize;
                    let mrow = &mask.alpha[my * mask.width..(my + 1) * mask.width];
                    let mx0 = (fx0 as i64 - mask.x) as usize;
                    let Some(row) = self.planes[0].row(fy as usize, fx0, fx1) else {
                        continue;
                    };
                    // Branch-free (mix with coverage 0 keeps the byte), so it vectorizes.
                    for (p, &a) in row.iter_mut().zip(&mrow[mx0..]) {
                        *p = mix(*p, ly, u32::from(a));
                    }
                }
                let (cx0, cy0) = (fx0 / 2, fy0 as usize / 2);
                let (cx1, cy1) = (fx1.div_ceil(2), (fy1 as usize).div_ceil(2));
                let mut alphas = vec![0u8; cx1 - cx0];
                for cy in cy0..cy1 {
                    chroma_alphas(mask, cy, cx0, &mut alphas);
                    if layout == Layout::Nv12 {
                        let Some(row) = self.planes[1].row(cy, cx0 * 2, cx1 * 2) else {
                            continue;
                        };
                        for (p, &a) in row.chunks_exact_mut(2).zip(&alphas) {
                            if a != 0 {
                                p[0] = mix(p[0], u, u32::from(a));
                                p[1] = mix(p[1], v, u32::from(a));
                            }
                        }
                    } else {
                        for (plane, value) in [(1, u), (2, v)] {
                            let Some(row) = self.planes[plane].row(cy, cx0, cx1) else {
                                continue;
                            };
                            for (p, &a) in row.iter_mut().zip(&alphas) {
                                if a != 0 {
                                    *p = mix(*p, value, u32::from(a));
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_rounds_like_the_exact_division() {
        for dst in 0..=255u8 {
            for src in [0u8, 1, 77, 128, 254, 255] {
                for a in 0..=255u32 {
                    let exact = (f64::from(dst) * f64::from(255 - a)
                        + f64::from(src) * f64::from(a))
                        / 255.0;
                    assert_eq!(mix(dst, src, a), exact.round() as u8, "{dst} {src} {a}");
                }
            }
        }
    }
}
