//! DL Streamer's colour table and its colours in the negotiated frame format.

/// DL Streamer's watermark colours (R, G, B), picked by `label_id` (or tracking id) modulo 18.
pub const COLOR_TABLE: [[u8; 3]; 18] = [
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

/// The table colour for `index` (a label id or tracking id; negative ids wrap too).
pub fn table_color(index: i64) -> [u8; 3] {
    COLOR_TABLE[index.rem_euclid(COLOR_TABLE.len() as i64) as usize]
}

/// `rgb` as 8-bit Y, U, V with the matrix of coefficients `kr`, `kb`, in full (0–255) or
/// limited (16–235 luma, 16–240 chroma) range; rounded to nearest, clamped.
pub fn rgb_to_yuv(rgb: [u8; 3], kr: f64, kb: f64, full_range: bool) -> [u8; 3] {
    let [r, g, b] = rgb.map(f64::from);
    let kg = 1.0 - kr - kb;
    let y = kr * r + kg * g + kb * b;
    let u = (b - y) / (2.0 * (1.0 - kb));
    let v = (r - y) / (2.0 * (1.0 - kr));
    let (y, u, v) = if full_range {
        (y, u + 128.0, v + 128.0)
    } else {
        (
            16.0 + y * 219.0 / 255.0,
            128.0 + u * 224.0 / 255.0,
            128.0 + v * 224.0 / 255.0,
        )
    };
    [y, u, v].map(|c| c.round().clamp(0.0, 255.0) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_wraps_like_dl_streamer() {
        assert_eq!(table_color(0), [255, 0, 0]);
        assert_eq!(table_color(18), [255, 0, 0]);
        assert_eq!(table_color(20), [0, 0, 255]);
        assert_eq!(table_color(-1), [255, 0, 85]);
    }

    #[test]
    fn known_yuv_values() {
        // BT.601 limited range: the textbook values of red and blue.
        assert_eq!(rgb_to_yuv([255, 0, 0], 0.299, 0.114, false), [81, 90, 240]);
        assert_eq!(rgb_to_yuv([0, 0, 255], 0.299, 0.114, false), [41, 240, 110]);
        // BT.709 limited range red.
        assert_eq!(
            rgb_to_yuv([255, 0, 0], 0.2126, 0.0722, false),
            [63, 102, 240]
        );
        // Full range: DL Streamer's formula.
        assert_eq!(rgb_to_yuv([255, 0, 0], 0.299, 0.114, true), [76, 85, 255]);
        assert_eq!(rgb_to_yuv([0, 0, 0], 0.299, 0.114, false), [16, 128, 128]);
    }
}
