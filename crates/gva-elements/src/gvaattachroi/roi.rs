//! The `roi` property: `x_top_left,y_top_left,x_bottom_right,y_bottom_right` in pixels.

/// DL Streamer's format text of the `roi` property.
pub const ROI_FORMAT: &str = "x_top_left,y_top_left,x_bottom_right,y_bottom_right";

/// A fixed region from the `roi` property, in pixels (bottom-right exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedRoi {
    /// Left edge.
    pub x_top_left: u32,
    /// Top edge.
    pub y_top_left: u32,
    /// Right edge (exclusive).
    pub x_bottom_right: u32,
    /// Bottom edge (exclusive).
    pub y_bottom_right: u32,
}

impl FixedRoi {
    /// Parses the `roi` property; the error says what is wrong and the format expected.
    pub fn parse(text: &str) -> Result<Self, String> {
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        let [x0, y0, x1, y1] = fields[..] else {
            return Err(format!(
                "gvaattachroi: roi '{text}' has {} values; expected 4: {ROI_FORMAT}",
                fields.len()
            ));
        };
        let number = |name: &str, value: &str| {
            value.parse::<u32>().map_err(|_| {
                format!(
                    "gvaattachroi: roi '{text}': {name} '{value}' is not a whole number of pixels \
                     (expected {ROI_FORMAT})"
                )
            })
        };
        let roi = Self {
            x_top_left: number("x_top_left", x0)?,
            y_top_left: number("y_top_left", y0)?,
            x_bottom_right: number("x_bottom_right", x1)?,
            y_bottom_right: number("y_bottom_right", y1)?,
        };
        if roi.x_bottom_right <= roi.x_top_left || roi.y_bottom_right <= roi.y_top_left {
            return Err(format!(
                "gvaattachroi: roi '{text}' is empty: x_bottom_right must be greater than \
                 x_top_left and y_bottom_right greater than y_top_left"
            ));
        }
        Ok(roi)
    }

    /// Checks that the region lies inside a `width` x `height` frame.
    pub fn check_inside(&self, width: u32, height: u32) -> Result<(), String> {
        if self.x_bottom_right > width || self.y_bottom_right > height {
            return Err(format!(
                "gvaattachroi: roi {},{},{},{} reaches outside the {width}x{height} frame",
                self.x_top_left, self.y_top_left, self.x_bottom_right, self.y_bottom_right
            ));
        }
        Ok(())
    }

    /// `(x, y, w, h)`.
    pub fn rect(&self) -> (u32, u32, u32, u32) {
        (
            self.x_top_left,
            self.y_top_left,
            self.x_bottom_right - self.x_top_left,
            self.y_bottom_right - self.y_top_left,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks() {
        let roi = FixedRoi::parse("10, 20,110,220").unwrap();
        assert_eq!(roi.rect(), (10, 20, 100, 200));
        assert_eq!(roi.check_inside(110, 220), Ok(()));
        assert_eq!(
            roi.check_inside(100, 300),
            Err("gvaattachroi: roi 10,20,110,220 reaches outside the 100x300 frame".to_owned())
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            FixedRoi::parse("1,2,3").unwrap_err(),
            "gvaattachroi: roi '1,2,3' has 3 values; expected 4: \
             x_top_left,y_top_left,x_bottom_right,y_bottom_right"
        );
        assert_eq!(
            FixedRoi::parse("1,2,-3,4").unwrap_err(),
            "gvaattachroi: roi '1,2,-3,4': x_bottom_right '-3' is not a whole number of pixels \
             (expected x_top_left,y_top_left,x_bottom_right,y_bottom_right)"
        );
        assert!(FixedRoi::parse("5,5,5,9").unwrap_err().contains("is empty"));
        assert!(
            FixedRoi::parse("a,b,c,d")
                .unwrap_err()
                .contains("x_top_left 'a'")
        );
    }
}
