//! The appearance cue of `zero-term` tracking: a colour histogram of the pixels in a region.
//!
//! The region (less a tenth of its size on each side, where the background shows most) is
//! sampled on a grid of at most [`MAX_SAMPLES_PER_SIDE`]² points; each sample's R, G and B are
//! quantized to [`LEVELS`] levels, giving a joint histogram of `LEVELS³` bins. Two histograms
//! compare by their Bhattacharyya coefficient, `Σ √(p·q)` (1 for the same colour distribution,
//! 0 for disjoint ones); the square roots are stored, so a comparison is one dot product.

use super::geometry::BoxF;
use super::pixels::Pixels;

/// Levels per colour channel.
pub const LEVELS: usize = 8;
/// Bins of the joint histogram.
const BINS: usize = LEVELS * LEVELS * LEVELS;
/// At most this many samples along each side of a region.
pub const MAX_SAMPLES_PER_SIDE: usize = 24;
/// Share of the region's width (height) left out on the left and right (top and bottom).
const MARGIN: f64 = 0.1;

/// A region's colour distribution: the square roots of its normalized histogram (a unit vector).
#[derive(Clone, PartialEq)]
pub struct Appearance {
    roots: Box<[f32; BINS]>,
}

impl std::fmt::Debug for Appearance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used = self.roots.iter().filter(|&&r| r > 0.0).count();
        f.debug_struct("Appearance")
            .field("bins_used", &used)
            .finish()
    }
}

/// The histogram bin of a colour.
fn bin([r, g, b]: [u8; 3]) -> usize {
    let shift = 8 - LEVELS.trailing_zeros();
    ((usize::from(r) >> shift) * LEVELS + (usize::from(g) >> shift)) * LEVELS
        + (usize::from(b) >> shift)
}

impl Appearance {
    /// The appearance of the part of `pixels` inside `rect`; `None` when the region holds no
    /// pixel of the frame.
    pub(crate) fn of_region(pixels: &Pixels<'_>, rect: &BoxF) -> Option<Self> {
        let (width, height) = (pixels.width() as f64, pixels.height() as f64);
        let x0 = (rect.x + MARGIN * rect.w).max(0.0);
        let y0 = (rect.y + MARGIN * rect.h).max(0.0);
        let x1 = (rect.x + (1.0 - MARGIN) * rect.w).min(width);
        let y1 = (rect.y + (1.0 - MARGIN) * rect.h).min(height);
        if !(x1 > x0 && y1 > y0) {
            return None;
        }
        let samples = |from: f64, to: f64| {
            let n = ((to - from).ceil() as usize).clamp(1, MAX_SAMPLES_PER_SIDE);
            let step = (to - from) / n as f64;
            // Sample centres, as whole pixel coordinates inside [from, to).
            (0..n).map(move |i| (from + (i as f64 + 0.5) * step) as usize)
        };
        let mut counts = [0u32; BINS];
        let mut total = 0u32;
        for y in samples(y0, y1) {
            for x in samples(x0, x1) {
                if let Some(rgb) = pixels.rgb(x, y) {
                    counts[bin(rgb)] += 1;
                    total += 1;
                }
            }
        }
        if total == 0 {
            return None;
        }
        let mut roots = Box::new([0f32; BINS]);
        for (root, &count) in roots.iter_mut().zip(counts.iter()) {
            *root = (count as f32 / total as f32).sqrt();
        }
        Some(Self { roots })
    }

    /// The Bhattacharyya coefficient of the two distributions, in [0, 1].
    pub fn similarity(&self, other: &Appearance) -> f64 {
        let dot: f32 = self
            .roots
            .iter()
            .zip(other.roots.iter())
            .map(|(a, b)| a * b)
            .sum();
        f64::from(dot).clamp(0.0, 1.0)
    }

    /// Moves this appearance a share `rate` (0–1) of the way towards `latest`, so an object's
    /// model follows slow changes (light, pose) without jumping at one odd frame.
    pub fn blend(&mut self, latest: &Appearance, rate: f32) {
        let mut norm = 0f32;
        for (a, &b) in self.roots.iter_mut().zip(latest.roots.iter()) {
            *a = (1.0 - rate) * *a + rate * b;
            norm += *a * *a;
        }
        let norm = norm.sqrt();
        if norm > 0.0 {
            for a in self.roots.iter_mut() {
                *a /= norm;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::pixels::PixelLayout;
    use super::*;

    /// A `w` x `h` BGR frame: the left half `left`, the right half `right`.
    fn halves(w: usize, h: usize, left: [u8; 3], right: [u8; 3]) -> Vec<u8> {
        let mut data = Vec::with_capacity(w * h * 3);
        for _ in 0..h {
            for x in 0..w {
                let [r, g, b] = if x < w / 2 { left } else { right };
                data.extend_from_slice(&[b, g, r]);
            }
        }
        data
    }

    fn pixels(data: &[u8], w: usize, h: usize) -> Pixels<'_> {
        let layout = PixelLayout::of(gst_video::VideoFormat::Bgr).unwrap();
        Pixels::new(layout, w, h, &[data], &[w * 3]).unwrap()
    }

    #[test]
    fn same_colours_match_and_different_colours_do_not() {
        let data = halves(100, 50, [200, 30, 30], [30, 30, 200]);
        let p = pixels(&data, 100, 50);
        let red = Appearance::of_region(&p, &BoxF::new(0.0, 0.0, 50.0, 50.0)).unwrap();
        let blue = Appearance::of_region(&p, &BoxF::new(50.0, 0.0, 50.0, 50.0)).unwrap();
        let red_too = Appearance::of_region(&p, &BoxF::new(5.0, 10.0, 30.0, 30.0)).unwrap();
        assert!((red.similarity(&red_too) - 1.0).abs() < 1e-5);
        assert_eq!(red.similarity(&blue), 0.0);
        // Half red, half blue (the margins cut a tenth off each side: still an even split).
        let both = Appearance::of_region(&p, &BoxF::new(25.0, 0.0, 50.0, 50.0)).unwrap();
        let s = red.similarity(&both);
        assert!((s - 0.5f64.sqrt()).abs() < 0.05, "{s}");
    }

    #[test]
    fn regions_outside_the_frame_have_no_appearance() {
        let data = halves(10, 10, [0, 0, 0], [0, 0, 0]);
        let p = pixels(&data, 10, 10);
        assert!(Appearance::of_region(&p, &BoxF::new(20.0, 0.0, 5.0, 5.0)).is_none());
        assert!(Appearance::of_region(&p, &BoxF::new(-5.0, -5.0, 7.0, 7.0)).is_some());
    }

    #[test]
    fn blending_moves_towards_the_latest_and_stays_a_unit_vector() {
        let data = halves(100, 50, [200, 30, 30], [30, 30, 200]);
        let p = pixels(&data, 100, 50);
        let red = Appearance::of_region(&p, &BoxF::new(0.0, 0.0, 50.0, 50.0)).unwrap();
        let blue = Appearance::of_region(&p, &BoxF::new(50.0, 0.0, 50.0, 50.0)).unwrap();
        let mut model = red.clone();
        model.blend(&blue, 0.3);
        let (to_red, to_blue) = (model.similarity(&red), model.similarity(&blue));
        assert!(to_red > to_blue && to_blue > 0.0, "{to_red} {to_blue}");
        assert!((model.similarity(&model) - 1.0).abs() < 1e-5);
    }
}
