//! The Python number formatting the samples' output goes through: `round(x, n)` and
//! `json.dumps` of floats, so the Rust elements write the same text.
//!
//! Rust's float formatting and Python's agree on the digits (both print the shortest text
//! that reads back as the same float, and round exact halves to even), but not on the layout:
//! Python writes `1.0`, `1e-05` and `1e+16` where Rust writes `1`, `0.00001` and `1e16`.

/// `round(x, ndigits)`: `x` rounded to `ndigits` decimals (halves to even, on the exact
/// binary value), as a float again.
pub fn round(x: f64, ndigits: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.ndigits$}").parse().unwrap_or(x)
}

/// `json.dumps(x)` of a float: `repr(x)`, or `NaN` / `Infinity` / `-Infinity`.
pub fn json_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // The shortest digits that read back as `x`, and the exponent of the first one.
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits = mantissa.replace('.', "");
    // Python's `repr`: positional when the decimal point falls within 16 digits to the left
    // or 4 to the right of the first digit, scientific otherwise.
    let point = exponent + 1;
    let body = if -4 < point && point <= 16 {
        let point = point as isize;
        let len = digits.len() as isize;
        if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point >= len {
            format!("{digits}{}.0", "0".repeat((point - len) as usize))
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{fraction}e{exp_sign}{:02}", exponent.unsigned_abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_pythons() {
        // round(0.03125, 4) == 0.0312 (an exact half, to even); round(-0.00001, 4) == -0.0
        assert_eq!(round(0.03125, 4), 0.0312);
        assert_eq!(round(0.12345678, 4), 0.1235);
        assert!(round(-0.00001, 4).is_sign_negative());
        assert_eq!(round(-0.00001, 4), 0.0);
        assert!(round(f64::NAN, 4).is_nan());
    }

    #[test]
    fn json_float_is_pythons_repr() {
        // Each right-hand side is what `json.dumps(x)` prints in CPython 3.11.
        let cases = [
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.4123, "0.4123"),
            (-0.0123, "-0.0123"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123456.7891, "123456.7891"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (-2.5e22, "-2.5e+22"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (x, text) in cases {
            assert_eq!(json_float(x), text, "{x:e}");
        }
    }
}
