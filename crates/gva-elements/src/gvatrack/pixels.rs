//! Reading the colour of one pixel of a mapped frame, in every format gvatrack takes: packed
//! BGR, RGB, BGRx, BGRA, RGBx, RGBA, the 4:2:0 NV12 and I420 (any size, odd ones included:
//! chroma planes are `ceil(w/2)` x `ceil(h/2)`) and GRAY8. Strides come from the mapping;
//! a sample the mapping does not cover reads as `None`, never out of bounds.

use gst_video::prelude::*;

use crate::gvawatermark::canvas::Layout;

/// How a format stores a pixel: a colour layout gvawatermark draws on too, or grey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PixelLayout {
    /// Packed RGB-family pixels, NV12 or I420 (chroma planes `ceil(w/2)` x `ceil(h/2)`).
    Color(Layout),
    /// One plane of 8-bit luma.
    Gray8,
}

impl PixelLayout {
    /// The layout of `format`, `None` for formats gvatrack does not read.
    pub(crate) fn of(format: gst_video::VideoFormat) -> Option<Self> {
        match format {
            gst_video::VideoFormat::Gray8 => Some(Self::Gray8),
            other => Layout::of(other).map(Self::Color),
        }
    }

    fn planes(self) -> usize {
        match self {
            Self::Color(Layout::Packed { .. }) | Self::Gray8 => 1,
            Self::Color(Layout::Nv12) => 2,
            Self::Color(Layout::I420) => 3,
        }
    }
}

/// The planes of one frame, for reading pixel colours.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pixels<'a> {
    layout: PixelLayout,
    width: usize,
    height: usize,
    planes: [&'a [u8]; 3],
    strides: [usize; 3],
}

impl<'a> Pixels<'a> {
    /// A view of `planes` (with their row strides) of a `width` x `height` frame laid out as
    /// `layout`; `None` when planes or strides are missing.
    pub(crate) fn new(
        layout: PixelLayout,
        width: usize,
        height: usize,
        planes: &[&'a [u8]],
        strides: &[usize],
    ) -> Option<Self> {
        let n = layout.planes();
        if planes.len() < n || strides.len() < n {
            return None;
        }
        let mut p: [&[u8]; 3] = [&[]; 3];
        let mut s = [0usize; 3];
        p[..n].copy_from_slice(&planes[..n]);
        s[..n].copy_from_slice(&strides[..n]);
        Some(Self {
            layout,
            width,
            height,
            planes: p,
            strides: s,
        })
    }

    /// A view of a readable mapped frame; `None` for a format gvatrack does not read or a
    /// mapping without positive strides.
    pub(crate) fn of_frame(frame: &'a gst_video::VideoFrameRef<&gst::BufferRef>) -> Option<Self> {
        let layout = PixelLayout::of(frame.format())?;
        let n = layout.planes();
        let planes = (0..n as u32)
            .map(|p| frame.plane_data(p).ok())
            .collect::<Option<Vec<_>>>()?;
        let strides = frame
            .plane_stride()
            .iter()
            .take(n)
            .map(|&s| usize::try_from(s).ok().filter(|&s| s > 0))
            .collect::<Option<Vec<_>>>()?;
        Self::new(
            layout,
            frame.width() as usize,
            frame.height() as usize,
            &planes,
            &strides,
        )
    }

    /// Frame width in pixels.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// Frame height in pixels.
    pub(crate) fn height(&self) -> usize {
        self.height
    }

    fn byte(&self, plane: usize, x: usize, y: usize) -> Option<u8> {
        let at = y.checked_mul(self.strides[plane])?.checked_add(x)?;
        self.planes[plane].get(at).copied()
    }

    /// The colour `[R, G, B]` of pixel `(x, y)`; YUV converted with BT.601 limited range
    /// (appearance is only ever compared within one stream, so the exact matrix does not
    /// matter); GRAY8 as a grey. `None` outside the frame or the mapping.
    pub(crate) fn rgb(&self, x: usize, y: usize) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        match self.layout {
            PixelLayout::Color(Layout::Packed { bpp, rgb }) => {
                let at = y.checked_mul(self.strides[0])?.checked_add(x * bpp)?;
                let px = self.planes[0].get(at..at + bpp)?;
                Some([px[rgb[0]], px[rgb[1]], px[rgb[2]]])
            }
            PixelLayout::Gray8 => {
                let v = self.byte(0, x, y)?;
                Some([v, v, v])
            }
            PixelLayout::Color(Layout::Nv12) => {
                let luma = self.byte(0, x, y)?;
                let u = self.byte(1, (x / 2) * 2, y / 2)?;
                let v = self.byte(1, (x / 2) * 2 + 1, y / 2)?;
                Some(yuv_to_rgb(luma, u, v))
            }
            PixelLayout::Color(Layout::I420) => {
                let luma = self.byte(0, x, y)?;
                let u = self.byte(1, x / 2, y / 2)?;
                let v = self.byte(2, x / 2, y / 2)?;
                Some(yuv_to_rgb(luma, u, v))
            }
        }
    }
}

/// BT.601 limited-range Y'CbCr to R'G'B', integer arithmetic.
fn yuv_to_rgb(y: u8, u: u8, v: u8) -> [u8; 3] {
    let c = 298 * (i32::from(y) - 16);
    let d = i32::from(u) - 128;
    let e = i32::from(v) - 128;
    let clamp = |x: i32| ((x + 128) >> 8).clamp(0, 255) as u8;
    [
        clamp(c + 409 * e),
        clamp(c - 100 * d - 208 * e),
        clamp(c + 516 * d),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_formats_read_their_channel_order() {
        // 2x1 frames, stride with padding.
        let bgr = [10u8, 20, 30, 40, 50, 60, 0, 0];
        let p = Pixels::new(
            PixelLayout::of(gst_video::VideoFormat::Bgr).unwrap(),
            2,
            1,
            &[&bgr],
            &[8],
        )
        .unwrap();
        assert_eq!(p.rgb(0, 0), Some([30, 20, 10]));
        assert_eq!(p.rgb(1, 0), Some([60, 50, 40]));
        assert_eq!(p.rgb(2, 0), None);
        let rgbx = [1u8, 2, 3, 255, 4, 5, 6, 255];
        let p = Pixels::new(
            PixelLayout::of(gst_video::VideoFormat::Rgbx).unwrap(),
            2,
            1,
            &[&rgbx],
            &[8],
        )
        .unwrap();
        assert_eq!(p.rgb(1, 0), Some([4, 5, 6]));
    }

    #[test]
    fn yuv_and_gray() {
        // 3x3 NV12 (odd size): chroma 2x2 samples, UV interleaved, stride 4.
        let y = [16u8, 235, 16, 16, 16, 16, 81, 81, 81];
        let uv = [128u8, 128, 90, 240, 128, 128, 90, 240];
        let p = Pixels::new(PixelLayout::Color(Layout::Nv12), 3, 3, &[&y, &uv], &[3, 4]).unwrap();
        assert_eq!(p.rgb(0, 0), Some([0, 0, 0]));
        assert_eq!(p.rgb(1, 0), Some([255, 255, 255]));
        // BT.601 red (81, 90, 240) at x=2 (chroma column 1), y=2 (chroma row 1).
        let red = p.rgb(2, 2).unwrap();
        assert!(red[0] >= 250 && red[1] <= 3 && red[2] <= 3, "{red:?}");
        assert_eq!(p.rgb(2, 3), None);
        // I420 with separate planes: the same red.
        let u = [128u8, 90, 128, 90];
        let v = [128u8, 240, 128, 240];
        let p = Pixels::new(
            PixelLayout::Color(Layout::I420),
            3,
            3,
            &[&y, &u, &v],
            &[3, 2, 2],
        )
        .unwrap();
        assert_eq!(p.rgb(2, 2), Some(red));
        let gray = [7u8, 9];
        let p = Pixels::new(PixelLayout::Gray8, 1, 2, &[&gray], &[1]).unwrap();
        assert_eq!(p.rgb(0, 1), Some([9, 9, 9]));
    }

    #[test]
    fn short_mappings_read_none() {
        let p = Pixels::new(PixelLayout::Gray8, 4, 4, &[&[1u8, 2, 3]], &[4]).unwrap();
        assert_eq!(p.rgb(2, 0), Some([3, 3, 3]));
        assert_eq!(p.rgb(3, 0), None);
        assert_eq!(p.rgb(0, 3), None);
        assert!(Pixels::new(PixelLayout::Color(Layout::I420), 4, 4, &[&[0u8; 16]], &[4]).is_none());
    }
}
