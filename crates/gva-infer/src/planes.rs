//! Packed pixels split into colour planes, for models compiled with
//! [`crate::preprocess::Preprocess::with_planes`].
//!
//! An NCHW model fed packed (NHWC) frames transposes them inside the compiled model, in a
//! separate pass OpenVINO's CPU plugin runs slowly for three channels (measured on this CPU:
//! 27 µs of a 325 µs inference of a 256x256 frame, `benchmark_app -pc`). Splitting the planes
//! while the frame is copied in anyway costs about 9 µs with AVX2 instead of the 3.5 µs copy, so
//! [`split`] is used when the CPU has AVX2 ([`is_fast`]) and the frame needs no resize (a
//! resized frame is transposed by the model at the model's size, usually smaller).

use std::fmt;

/// Why [`split`] could not split a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaneError(String);

impl fmt::Display for PlaneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlaneError {}

/// Whether [`split`] runs vectorized here (x86-64 with AVX2); without, it is slower than the
/// model's own transpose.
pub fn is_fast() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Splits `height` rows of `width` packed pixels of `bpp` (3 or 4) bytes, `stride` bytes apart
/// in `pixels`, into three planes in `out` (`3 * width * height` bytes): every pixel's first,
/// second and third byte, in that order (B, G, R for BGR and BGRx; the fourth byte is
/// dropped).
pub fn split(
    pixels: &[u8],
    stride: usize,
    bpp: usize,
    width: usize,
    height: usize,
    out: &mut [u8],
) -> Result<(), PlaneError> {
    if !matches!(bpp, 3 | 4) {
        return Err(PlaneError(format!(
            "{bpp} bytes per pixel: colour planes are split from 3- or 4-byte pixels"
        )));
    }
    let plane = width * height;
    if out.len() != 3 * plane {
        return Err(PlaneError(format!(
            "three planes of {width}x{height} take {} bytes, not {}",
            3 * plane,
            out.len()
        )));
    }
    if height > 0 && (stride < width * bpp || pixels.len() < (height - 1) * stride + width * bpp) {
        return Err(PlaneError(format!(
            "{} bytes with a stride of {stride} do not hold {height} rows of {width} pixels of \
             {bpp} bytes",
            pixels.len()
        )));
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        unsafe { split_avx2(pixels, stride, bpp, width, height, out) };
        return Ok(());
    }
    split_any(pixels, stride, bpp, width, height, out);
    Ok(())
}

/// [`split_any`] compiled for AVX2, where LLVM vectorizes the byte shuffles.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn split_avx2(
    pixels: &[u8],
    stride: usize,
    bpp: usize,
    width: usize,
    height: usize,
    out: &mut [u8],
) {
    split_any(pixels, stride, bpp, width, height, out);
}

/// The split, for sizes [`split`] has checked.
#[inline(always)]
fn split_any(
    pixels: &[u8],
    stride: usize,
    bpp: usize,
    width: usize,
    height: usize,
    out: &mut [u8],
) {
    if bpp == 3 {
        split_rows::<3>(pixels, stride, width, height, out);
    } else {
        split_rows::<4>(pixels, stride, width, height, out);
    }
}

#[inline(always)]
fn split_rows<const BPP: usize>(
    pixels: &[u8],
    stride: usize,
    width: usize,
    height: usize,
    out: &mut [u8],
) {
    let plane = width * height;
    let (first, rest) = out.split_at_mut(plane);
    let (second, third) = rest.split_at_mut(plane);
    for y in 0..height {
        let row = &pixels[y * stride..y * stride + width * BPP];
        let at = y * width..(y + 1) * width;
        let (a, b, c) = (
            &mut first[at.clone()],
            &mut second[at.clone()],
            &mut third[at],
        );
        for (x, px) in row.chunks_exact(BPP).enumerate() {
            a[x] = px[0];
            b[x] = px[1];
            c[x] = px[2];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `width` x `height` pixels of `bpp` bytes with `pad` bytes after each row: pixel (x, y)
    /// is `[x, y, x + y, 255]` (first `bpp` bytes); padding bytes are 0xEE.
    fn frame(width: usize, height: usize, bpp: usize, pad: usize) -> Vec<u8> {
        let mut data = Vec::new();
        for y in 0..height {
            for x in 0..width {
                data.extend_from_slice(&[x as u8, y as u8, (x + y) as u8, 255][..bpp]);
            }
            data.extend(std::iter::repeat_n(0xEE, pad));
        }
        data
    }

    #[test]
    fn splits_three_and_four_byte_pixels_with_row_padding() {
        // Odd sizes, wider than a vector, with padding: every byte lands in its plane.
        for (bpp, pad) in [(3, 0), (3, 5), (4, 0), (4, 12)] {
            let (w, h) = (67, 5);
            let pixels = frame(w, h, bpp, pad);
            let mut out = vec![0u8; 3 * w * h];
            split(&pixels, w * bpp + pad, bpp, w, h, &mut out).unwrap();
            for y in 0..h {
                for x in 0..w {
                    let i = y * w + x;
                    assert_eq!(
                        [out[i], out[w * h + i], out[2 * w * h + i]],
                        [x as u8, y as u8, (x + y) as u8],
                        "pixel ({x}, {y}) of {bpp}-byte pixels, row padding {pad}"
                    );
                }
            }
        }
    }

    #[test]
    fn wrong_sizes_are_errors_not_panics() {
        let pixels = frame(8, 4, 3, 0);
        let mut out = vec![0u8; 3 * 8 * 4];
        let err = split(&pixels, 24, 2, 8, 4, &mut out).unwrap_err();
        assert!(err.to_string().contains("2 bytes per pixel"), "{err}");
        let err = split(&pixels, 24, 3, 8, 4, &mut out[1..]).unwrap_err();
        assert!(err.to_string().contains("take 96 bytes, not 95"), "{err}");
        let err = split(&pixels[..90], 24, 3, 8, 4, &mut out).unwrap_err();
        assert!(
            err.to_string().contains("90 bytes with a stride of 24"),
            "{err}"
        );
        let err = split(&pixels, 20, 3, 8, 4, &mut out).unwrap_err();
        assert!(err.to_string().contains("stride of 20"), "{err}");
    }
}
