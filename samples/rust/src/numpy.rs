//! The numpy float32 arithmetic `face_detection_decoder.py` relies on, so that the port's
//! numbers are the Python sample's to the last bit.
//!
//! Plain Rust gives the same results for `+ - * /` (IEEE-754 single precision both ways), but
//! four numpy operations are not what the obvious Rust is:
//!
//! - `np.exp` on float32 is numpy's own vectorised exp (Cody-Waite reduction and a rational
//!   polynomial, up to 2.5 ulp from the true value) wherever the CPU has AVX2+FMA or AVX-512F,
//!   not the C library's `expf`: the two differ in the last bit for many inputs;
//! - `a.sum()` over a contiguous array is a pairwise sum, while `a.sum(axis=0)` of a 2-D array
//!   adds the rows one after the other;
//! - `np.maximum`/`np.minimum` propagate NaN (`f32::max` drops it) and return the second
//!   operand of equal values (which decides the sign of a zero);
//! - a Python `float` compared with a float32 array is first rounded to float32 (numpy 2's
//!   rule for Python scalars), e.g. `iou > 0.3` compares with `0.3f32`.

use gva_meta::Precision;

/// `np.maximum(a, b)` on float32.
pub fn maximum(a: f32, b: f32) -> f32 {
    if a.is_nan() || a > b { a } else { b }
}

/// `np.minimum(a, b)` on float32.
pub fn minimum(a: f32, b: f32) -> f32 {
    if a.is_nan() || a < b { a } else { b }
}

/// `np.clip(x, low, high)` with both bounds on float32 (NaN stays NaN, `-0.0` stays `-0.0`).
pub fn clip(x: f32, low: f32, high: f32) -> f32 {
    if x < low {
        low
    } else if x > high {
        high
    } else {
        x
    }
}

/// `a.sum()` of a contiguous float32 array: numpy's pairwise summation (blocks of 8
/// accumulators up to 128 values, halves above), which keeps the rounding error small.
pub fn pairwise_sum(a: &[f32]) -> f32 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        // -0.0 keeps the sign of a sum of negative zeros, as numpy does.
        a.iter().fold(-0.0, |sum, v| sum + v)
    } else if n <= BLOCK {
        let mut r = [0f32; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        for chunk in a[8..whole].chunks_exact(8) {
            for (acc, v) in r.iter_mut().zip(chunk) {
                *acc += v;
            }
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[whole..] {
            sum += v;
        }
        sum
    } else {
        let half = n / 2;
        let half = half - half % 8;
        pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
    }
}

/// `np.exp` of a float32.
pub fn exp(x: f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if simd_exp::available() {
        // SAFETY: `available()` checked that the CPU has FMA.
        return unsafe { simd_exp::exp(x) };
    }
    // Without AVX2+FMA (or AVX-512F) numpy calls the C library's expf, as `f32::exp` does.
    x.exp()
}

/// numpy's `simd_exp_FLOAT` (`numpy/_core/src/umath/loops_exponent_log.dispatch.c.src`), one
/// lane at a time. Its AVX2 and AVX-512F bodies give the same results for every result that
/// is a normal float, which covers every input the decoder gives it (`[-80, 80]`).
#[cfg(target_arch = "x86_64")]
mod simd_exp {
    use std::sync::OnceLock;

    // numpy's constants as float32 bit patterns (its C literals with an `f` suffix).
    const XMAX: f32 = f32::from_bits(0x42b1_7218); // 88.72283935546875
    const XMIN: f32 = f32::from_bits(0xc2cf_f1b5); // -103.97208404541015625
    /// `NPY_LOG2Ef`.
    const LOG2E: f32 = f32::from_bits(0x3fb8_aa3b);
    /// `NPY_RINT_CVT_MAGICf` (0x1.8p23): adding and subtracting it rounds to an integer.
    const RINT_MAGIC: f32 = f32::from_bits(0x4b40_0000);
    /// `NPY_CODY_WAITE_LOGE_2_HIGHf` and `_LOWf`: -ln 2 in two parts.
    const LN2_HIGH: f32 = f32::from_bits(0xbf31_7200);
    const LN2_LOW: f32 = f32::from_bits(0xb5bf_be8e);
    /// `NPY_COEFF_P0_EXPf` … `P5`.
    const P: [f32; 6] = [
        f32::from_bits(0x3f80_0000),
        f32::from_bits(0x3f39_cbd5),
        f32::from_bits(0x3e7d_4c58),
        f32::from_bits(0x3d51_7d8c),
        f32::from_bits(0x3bdd_7159),
        f32::from_bits(0x3a05_3dd8),
    ];
    /// `NPY_COEFF_Q0_EXPf` … `Q2`.
    const Q: [f32; 3] = [
        f32::from_bits(0x3f80_0000),
        f32::from_bits(0xbe8c_6857),
        f32::from_bits(0x3cb0_e832),
    ];

    /// Whether numpy takes its SIMD exp on this CPU (its dispatch targets: AVX2 with FMA3, or
    /// AVX-512F).
    pub fn available() -> bool {
        static AVAILABLE: OnceLock<bool> = OnceLock::new();
        *AVAILABLE.get_or_init(|| {
            std::arch::is_x86_feature_detected!("fma")
                && (std::arch::is_x86_feature_detected!("avx2")
                    || std::arch::is_x86_feature_detected!("avx512f"))
        })
    }

    /// # Safety
    /// The CPU must have FMA (see [`available`]).
    #[target_feature(enable = "fma")]
    pub unsafe fn exp(x: f32) -> f32 {
        if x.is_nan() {
            return f32::NAN;
        }
        if x >= XMAX {
            return f32::INFINITY;
        }
        if x <= XMIN {
            return 0.0;
        }
        let quadrant = (x * LOG2E + RINT_MAGIC) - RINT_MAGIC;
        // Cody-Waite: x - k ln 2 in two fused steps (numpy's third step adds k * 0).
        let r = quadrant.mul_add(LN2_HIGH, x);
        let r = quadrant.mul_add(LN2_LOW, r);
        let r = quadrant.mul_add(0.0, r);
        let num = P[5].mul_add(r, P[4]);
        let num = num.mul_add(r, P[3]);
        let num = num.mul_add(r, P[2]);
        let num = num.mul_add(r, P[1]);
        let num = num.mul_add(r, P[0]);
        let den = Q[2].mul_add(r, Q[1]);
        let den = den.mul_add(r, Q[0]);
        scale(num / den, quadrant)
    }

    /// `poly * 2^quadrant`, rounded once (`_mm512_scalef_ps`): exact in f64, then to f32.
    fn scale(poly: f32, quadrant: f32) -> f32 {
        // |quadrant| <= 150 here, well inside f64's exponent range.
        let power = f64::from_bits(((quadrant as i64 + 1023) as u64) << 52);
        (f64::from(poly) * power) as f32
    }
}

/// `tensor.data().astype(np.float32)`: the blob as float32 values, read with the element type
/// gstgva's `Tensor.data()` gives numpy for `precision`, each value converted as numpy does.
pub fn astype_f32(bytes: &[u8], precision: Precision) -> Result<Vec<f32>, String> {
    fn each<const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> f32) -> Vec<f32> {
        bytes
            .chunks_exact(N)
            .map(|c| f(c.try_into().unwrap_or([0; N])))
            .collect()
    }
    let size = precision.element_size().unwrap_or(1);
    if !bytes.len().is_multiple_of(size) {
        return Err(format!(
            "data_buffer holds {} bytes, not a whole number of {} elements",
            bytes.len(),
            precision.as_str()
        ));
    }
    Ok(match precision {
        Precision::Fp32 => each(bytes, f32::from_ne_bytes),
        Precision::Fp64 => each(bytes, |b| f64::from_ne_bytes(b) as f32),
        Precision::Fp16 => each(bytes, |b| half_to_f32(u16::from_ne_bytes(b))),
        Precision::Bf16 => each(bytes, |b| {
            f32::from_bits(u32::from(u16::from_ne_bytes(b)) << 16)
        }),
        Precision::I8 => each(bytes, |b: [u8; 1]| f32::from(b[0] as i8)),
        Precision::I16 | Precision::Q78 => each(bytes, |b| f32::from(i16::from_ne_bytes(b))),
        Precision::I32 => each(bytes, |b| i32::from_ne_bytes(b) as f32),
        Precision::I64 => each(bytes, |b| i64::from_ne_bytes(b) as f32),
        Precision::U16 => each(bytes, |b| f32::from(u16::from_ne_bytes(b))),
        Precision::U32 => each(bytes, |b| u32::from_ne_bytes(b) as f32),
        Precision::U64 => each(bytes, |b| u64::from_ne_bytes(b) as f32),
        Precision::Bool => each(bytes, |b: [u8; 1]| f32::from(u8::from(b[0] != 0))),
        Precision::U8
        | Precision::Unspecified
        | Precision::U4
        | Precision::I4
        | Precision::Bin
        | Precision::Custom => each(bytes, |b: [u8; 1]| f32::from(b[0])),
    })
}

/// IEEE half precision to single (exact, like numpy's `float16` → `float32`).
fn half_to_f32(h: u16) -> f32 {
    let exponent = u32::from((h >> 10) & 0x1f);
    let mantissa = u32::from(h & 0x3ff);
    let magnitude = match exponent {
        // Zero and subnormals: mantissa * 2^-24, exact in f32.
        0 => mantissa as f32 * f32::from_bits(0x3380_0000),
        0x1f => f32::from_bits(0x7f80_0000 | (mantissa << 13)),
        e => f32::from_bits(((e + 127 - 15) << 23) | (mantissa << 13)),
    };
    if h & 0x8000 != 0 {
        -magnitude
    } else {
        magnitude
    }
}
