//! Boxes in frame pixels, as the tracker sees them.

/// An axis-aligned box: top-left corner and size, in frame pixels (fractional).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BoxF {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl BoxF {
    /// A box from its top-left corner and size.
    pub const fn new(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self { x, y, w, h }
    }

    /// The centre point.
    pub fn centre(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// The area (0 for degenerate boxes).
    pub fn area(&self) -> f64 {
        self.w.max(0.0) * self.h.max(0.0)
    }

    /// The area this box shares with `other`.
    pub fn intersection(&self, other: &BoxF) -> f64 {
        let w = (self.x + self.w).min(other.x + other.w) - self.x.max(other.x);
        let h = (self.y + self.h).min(other.y + other.h) - self.y.max(other.y);
        w.max(0.0) * h.max(0.0)
    }

    /// The share of this box's area that lies inside a `width` x `height` frame (0 for an
    /// empty box).
    pub fn visible_fraction(&self, width: u32, height: u32) -> f64 {
        let area = self.area();
        if area <= 0.0 {
            return 0.0;
        }
        let frame = BoxF::new(0.0, 0.0, f64::from(width), f64::from(height));
        self.intersection(&frame) / area
    }

    /// The box rounded to whole pixels and clipped to a `width` x `height` frame, as
    /// `(x, y, w, h)`; `None` when nothing of it is inside the frame.
    pub fn to_pixels(&self, width: u32, height: u32) -> Option<(u32, u32, u32, u32)> {
        let clamp_x = |v: f64| v.round().clamp(0.0, f64::from(width));
        let clamp_y = |v: f64| v.round().clamp(0.0, f64::from(height));
        let (x0, y0) = (clamp_x(self.x), clamp_y(self.y));
        let (x1, y1) = (clamp_x(self.x + self.w), clamp_y(self.y + self.h));
        if !(x1 > x0 && y1 > y0) {
            return None;
        }
        // In range by the clamps above.
        Some((x0 as u32, y0 as u32, (x1 - x0) as u32, (y1 - y0) as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersection_and_visibility() {
        let a = BoxF::new(0.0, 0.0, 10.0, 10.0);
        let b = BoxF::new(5.0, 5.0, 10.0, 10.0);
        assert_eq!(a.intersection(&b), 25.0);
        assert_eq!(a.intersection(&BoxF::new(20.0, 0.0, 5.0, 5.0)), 0.0);
        assert_eq!(b.visible_fraction(10, 10), 0.25);
        assert_eq!(BoxF::new(0.0, 0.0, 0.0, 5.0).visible_fraction(10, 10), 0.0);
        assert_eq!(a.centre(), (5.0, 5.0));
    }

    #[test]
    fn pixels_are_rounded_and_clipped() {
        assert_eq!(
            BoxF::new(-3.2, 4.6, 10.0, 20.0).to_pixels(100, 100),
            Some((0, 5, 7, 20))
        );
        assert_eq!(
            BoxF::new(95.0, 95.0, 10.0, 10.0).to_pixels(100, 100),
            Some((95, 95, 5, 5))
        );
        assert_eq!(BoxF::new(120.0, 5.0, 10.0, 10.0).to_pixels(100, 100), None);
        assert_eq!(BoxF::new(5.0, 5.0, 0.2, 10.0).to_pixels(100, 100), None);
    }
}
