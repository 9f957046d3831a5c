//! A constant-velocity Kalman filter of a box: where a tracked object will be on the next frame.
//!
//! The state is the box centre `(cx, cy)` and size `(w, h)`, each with its velocity in pixels
//! per frame. The motion model moves every coordinate by its velocity, independently, and the
//! noise covariances are diagonal per coordinate, so the 8-dimensional filter is exactly four
//! independent 2-state filters (position, velocity) — no matrix library needed. Noise is
//! proportional to the box size, as in SORT/DeepSORT: a detector's error and an object's
//! acceleration both scale with how large the object appears (x and w with the width, y and h
//! with the height).

use super::geometry::BoxF;

/// Standard deviation of a detected box coordinate, as a fraction of the box size.
const MEASUREMENT_STD: f64 = 1.0 / 20.0;
/// Standard deviation of the change of a coordinate from one frame to the next (process noise on
/// the position), as a fraction of the box size.
const POSITION_STD: f64 = 1.0 / 20.0;
/// Standard deviation of the change of a velocity from one frame to the next, as a fraction of
/// the box size per frame.
const VELOCITY_STD: f64 = 1.0 / 160.0;
/// The first velocity is unknown: its initial standard deviation, as a fraction of the size.
const INITIAL_VELOCITY_STD: f64 = 10.0 / 160.0;
/// Sizes below this many pixels are treated as this size (noise never vanishes).
const MIN_SIZE: f64 = 1.0;

/// One coordinate: its position, velocity and their 2x2 covariance.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Axis {
    position: f64,
    velocity: f64,
    covariance: [[f64; 2]; 2],
}

impl Axis {
    fn new(position: f64, scale: f64) -> Self {
        let p = 2.0 * MEASUREMENT_STD * scale;
        let v = INITIAL_VELOCITY_STD * scale;
        Self {
            position,
            velocity: 0.0,
            covariance: [[p * p, 0.0], [0.0, v * v]],
        }
    }

    /// One frame ahead: `x += v`, `P = F P Fᵀ + Q` with `F = [[1, 1], [0, 1]]`.
    fn predict(&mut self, scale: f64) {
        self.position += self.velocity;
        let [[a, b], [c, d]] = self.covariance;
        let q_position = (POSITION_STD * scale).powi(2);
        let q_velocity = (VELOCITY_STD * scale).powi(2);
        self.covariance = [[a + b + c + d + q_position, b + d], [c + d, d + q_velocity]];
    }

    /// Folds in a measured position `z` (`H = [1, 0]`).
    fn correct(&mut self, z: f64, scale: f64) {
        let r = (MEASUREMENT_STD * scale).powi(2);
        let [[a, b], [c, d]] = self.covariance;
        let s = a + r;
        let (k0, k1) = (a / s, c / s);
        let innovation = z - self.position;
        self.position += k0 * innovation;
        self.velocity += k1 * innovation;
        self.covariance = [[(1.0 - k0) * a, (1.0 - k0) * b], [c - k1 * a, d - k1 * b]];
    }
}

/// The filter of one tracked box.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxFilter {
    /// `cx`, `cy`, `w`, `h`.
    axes: [Axis; 4],
}

impl BoxFilter {
    /// A filter starting at `rect`, at rest.
    pub fn new(rect: &BoxF) -> Self {
        let (cx, cy) = rect.centre();
        let (sw, sh) = (rect.w.max(MIN_SIZE), rect.h.max(MIN_SIZE));
        Self {
            axes: [
                Axis::new(cx, sw),
                Axis::new(cy, sh),
                Axis::new(rect.w, sw),
                Axis::new(rect.h, sh),
            ],
        }
    }

    /// The current estimate of the box (sizes at least one pixel).
    pub fn rect(&self) -> BoxF {
        let [cx, cy, w, h] = self.axes.map(|a| a.position);
        let (w, h) = (w.max(MIN_SIZE), h.max(MIN_SIZE));
        BoxF::new(cx - w / 2.0, cy - h / 2.0, w, h)
    }

    /// The estimated velocity of the centre, in pixels per frame.
    pub fn velocity(&self) -> (f64, f64) {
        (self.axes[0].velocity, self.axes[1].velocity)
    }

    fn scales(&self) -> [f64; 4] {
        let w = self.axes[2].position.max(MIN_SIZE);
        let h = self.axes[3].position.max(MIN_SIZE);
        [w, h, w, h]
    }

    /// Moves the estimate one frame ahead and returns it.
    pub fn predict(&mut self) -> BoxF {
        let scales = self.scales();
        for (axis, scale) in self.axes.iter_mut().zip(scales) {
            axis.predict(scale);
        }
        self.rect()
    }

    /// Folds in the box detected on this frame.
    pub fn correct(&mut self, measured: &BoxF) {
        let (cx, cy) = measured.centre();
        let scales = self.scales();
        for ((axis, z), scale) in self
            .axes
            .iter_mut()
            .zip([cx, cy, measured.w, measured.h])
            .zip(scales)
        {
            axis.correct(z, scale);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_constant_velocity_and_predicts_it() {
        let mut filter = BoxFilter::new(&BoxF::new(0.0, 50.0, 20.0, 40.0));
        for frame in 1..=20 {
            filter.predict();
            filter.correct(&BoxF::new(3.0 * f64::from(frame), 50.0, 20.0, 40.0));
        }
        let (vx, vy) = filter.velocity();
        assert!((vx - 3.0).abs() < 0.05, "vx {vx}");
        assert!(vy.abs() < 1e-9, "vy {vy}");
        // Five frames without measurements: the box moves on at 3 px per frame.
        let mut rect = filter.rect();
        for _ in 0..5 {
            rect = filter.predict();
        }
        assert!((rect.x - 75.0).abs() < 0.5, "{rect:?}");
        assert!(
            (rect.y - 50.0).abs() < 1e-6 && (rect.w - 20.0).abs() < 1e-6,
            "{rect:?}"
        );
    }

    #[test]
    fn a_new_filter_stays_put_and_smooths_noise() {
        let start = BoxF::new(10.0, 10.0, 30.0, 30.0);
        let mut filter = BoxFilter::new(&start);
        assert_eq!(filter.predict(), start);
        // A detection 2 px to the right moves the estimate part of the way, not all of it.
        filter.correct(&BoxF::new(12.0, 10.0, 30.0, 30.0));
        let x = filter.rect().x;
        assert!(x > 10.0 && x < 12.0, "{x}");
    }

    #[test]
    fn sizes_never_collapse() {
        let mut filter = BoxFilter::new(&BoxF::new(0.0, 0.0, 10.0, 10.0));
        for _ in 0..5 {
            filter.predict();
            filter.correct(&BoxF::new(0.0, 0.0, 0.0, 0.0));
        }
        for _ in 0..50 {
            let rect = filter.predict();
            assert!(rect.w >= 1.0 && rect.h >= 1.0, "{rect:?}");
        }
    }
}
