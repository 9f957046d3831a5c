//! Packed pixels split into colour planes, for models compiled with
//! [`crate::preprocess::Preprocess::with_planes`].
//!
//! An NCHW model fed packed (NHWC) frames transposes them inside the compiled model, in a
//! separate pass OpenVINO's CPU plugin runs slowly for three channels (measured on this CPU:
//! 27 µs of a 325 µs inference of a 256x256 frame, `benchmark_app -pc`). Splitting the planes
//! while the frame is copied in anyway costs 6.5 µs with AVX-512 VBMI (11.4 µs with AVX2)
//! instead of the 4.3 µs copy (`cargo bench -p gva-benches --bench planes`, 256x256 BGR), so
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
    if has_vbmi() {
        // SAFETY: the CPU has AVX-512 F, BW and VBMI, checked just above.
        unsafe { vbmi::split(pixels, stride, bpp, width, height, out) };
        return Ok(());
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

/// Whether the CPU has the AVX-512 byte permutes of [`vbmi::split`].
#[cfg(target_arch = "x86_64")]
fn has_vbmi() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vbmi")
}

/// The split with AVX-512 VBMI byte permutes, 64 pixels at a time: each plane's 64 bytes are
/// gathered from the 3 (or 4) input vectors by as many one-source permutes, each merging its
/// bytes under a mask (1.7x as fast as LLVM's vectorization of [`split_any`] for AVX2 on
/// 3-byte pixels, 2x on 4-byte pixels; `cargo bench -p gva-benches --bench planes`).
#[cfg(target_arch = "x86_64")]
mod vbmi {
    use std::arch::x86_64::*;

    /// For byte `k` of 64 pixels of `bpp` bytes, the byte each output lane takes from its
    /// input vector (`(bpp * i + k) % 64`), and per input vector, the output lanes it feeds.
    const fn gather(bpp: usize, k: usize) -> ([u8; 64], [u64; 4]) {
        let (mut index, mut masks) = ([0u8; 64], [0u64; 4]);
        let mut i = 0;
        while i < 64 {
            let at = bpp * i + k;
            index[i] = (at % 64) as u8;
            masks[at / 64] |= 1 << i;
            i += 1;
        }
        (index, masks)
    }

    const GATHER: [[([u8; 64], [u64; 4]); 3]; 2] = [
        [gather(3, 0), gather(3, 1), gather(3, 2)],
        [gather(4, 0), gather(4, 1), gather(4, 2)],
    ];

    /// As [`super::split`], for sizes it has checked.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    pub(super) fn split(
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

    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
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
        let mut planes = [first, second, third];
        let gather = &GATHER[BPP - 3];
        // SAFETY: 64 readable bytes each.
        let index: [__m512i; 3] =
            std::array::from_fn(|k| unsafe { _mm512_loadu_si512(gather[k].0.as_ptr().cast()) });
        let masks: [[u64; 4]; 3] = std::array::from_fn(|k| gather[k].1);
        // Rows without padding are one long row.
        let (width, height) = if stride == width * BPP {
            (plane, usize::from(height > 0))
        } else {
            (width, height)
        };
        for y in 0..height {
            let row = &pixels[y * stride..y * stride + width * BPP];
            let at = y * width;
            let vectors = width / 64;
            for v in 0..vectors {
                let src = row[v * 64 * BPP..(v + 1) * 64 * BPP].as_ptr();
                // SAFETY: BPP vectors of 64 bytes from `src` are in the row.
                let input: [__m512i; BPP] =
                    std::array::from_fn(|n| unsafe { _mm512_loadu_si512(src.add(64 * n).cast()) });
                for k in 0..3 {
                    let mut bytes = _mm512_maskz_permutexvar_epi8(masks[k][0], index[k], input[0]);
                    for n in 1..BPP {
                        bytes =
                            _mm512_mask_permutexvar_epi8(bytes, masks[k][n], index[k], input[n]);
                    }
                    let dst = planes[k][at + v * 64..at + v * 64 + 64].as_mut_ptr();
                    // SAFETY: 64 writable bytes at `dst`.
                    unsafe { _mm512_storeu_si512(dst.cast(), bytes) };
                }
            }
            // The last pixels of the row, one by one.
            for x in vectors * 64..width {
                for (k, plane) in planes.iter_mut().enumerate() {
                    plane[at + x] = row[x * BPP + k];
                }
            }
        }
    }
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

    type Split = fn(&[u8], usize, usize, usize, usize, &mut [u8]);

    /// Every implementation this CPU can run, with its name.
    fn implementations() -> Vec<(&'static str, Split)> {
        let mut all: Vec<(&'static str, Split)> = vec![("portable", split_any)];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: only called where the CPU has AVX2.
                all.push(("avx2", |p, s, b, w, h, o| unsafe {
                    split_avx2(p, s, b, w, h, o)
                }));
            }
            if has_vbmi() {
                // SAFETY: only called where the CPU has AVX-512 VBMI.
                all.push(("vbmi", |p, s, b, w, h, o| unsafe {
                    vbmi::split(p, s, b, w, h, o)
                }));
            }
        }
        all
    }

    #[test]
    fn splits_three_and_four_byte_pixels_with_row_padding() {
        // Sizes below, at and above a vector of 64 pixels, with and without padding (then the
        // rows are one long row): every byte lands in its plane, with every implementation.
        let cases = [(3, 0), (3, 5), (4, 0), (4, 12)]
            .into_iter()
            .flat_map(|bpp_pad| [(67, 5), (64, 2), (3, 1), (130, 3)].map(|size| (bpp_pad, size)));
        for ((bpp, pad), (w, h)) in cases {
            for (name, imp) in implementations() {
                let pixels = frame(w, h, bpp, pad);
                let mut out = vec![0u8; 3 * w * h];
                imp(&pixels, w * bpp + pad, bpp, w, h, &mut out);
                for y in 0..h {
                    for x in 0..w {
                        let i = y * w + x;
                        assert_eq!(
                            [out[i], out[w * h + i], out[2 * w * h + i]],
                            [x as u8, y as u8, (x + y) as u8],
                            "{name}: pixel ({x}, {y}) of {w}x{h} {bpp}-byte pixels, row padding \
                         {pad}"
                        );
                    }
                }
            }
        }
        // The public entry point takes the same path.
        let pixels = frame(67, 5, 3, 0);
        let (mut ours, mut portable) = (vec![0u8; 3 * 67 * 5], vec![0u8; 3 * 67 * 5]);
        split(&pixels, 201, 3, 67, 5, &mut ours).unwrap();
        split_any(&pixels, 201, 3, 67, 5, &mut portable);
        assert_eq!(ours, portable);
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
